"""Replay cassettes: answers recorded from a model, keyed by prompt hash, played back offline.

A cassette is JSONL, one line per request (keys sorted; `messages` and `sampling` are for
humans and tools, only `key` is used to look answers up):

    {"key": "3f1c0a9be2d45e71", "model": "Qwen/Qwen2.5-Coder-7B-Instruct",
     "model_revision": "c03e6d3", "texts": ["Here is the Fortran:\\n```fortran\\n...```"],
     "tokens_in": 412, "tokens_out": 96, "latency_s": 1.8,
     "messages": [["system", "You translate ..."], ["user", "def add(a, b): ..."]],
     "sampling": {"max_tokens": 1024, "n": 1, "seed": 0, "stop": [], "temperature": 0.2,
                  "top_p": 0.95}}

Key contracts:
- `key` is `LLMRequest.key` (sha256 of messages + sampling, 16 hex), so a cassette only
  answers the exact prompt and sampling it was recorded for; `texts` has `sampling.n`
  entries. Write lines with `cassette_line(request, texts, model=...)` to get it right.
- `ReplayBackend(path)` loads the whole file once (missing or malformed file: `ConfigError`);
  a request without a line gets `error="replay_missing"`, never an exception. When a key
  appears twice the last line wins (a re-recording appends). Responses carry the model,
  revision, tokens and latency that were recorded.
- `RecordingBackend(inner, path)` passes requests to a real backend and appends one line
  per successful response (errors are not recorded: they are the server's, not the model's).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Sequence

from tolk.errors import ConfigError
from tolk.translators.llm import LLMBackend, LLMRequest, LLMResponse

__all__ = ["ReplayBackend", "RecordingBackend", "cassette_line", "MISSING"]

MISSING = "replay_missing"


def cassette_line(request: LLMRequest, texts: Sequence[str], *, model: str,
                  model_revision: str = "", tokens_in: int = 0, tokens_out: int = 0,
                  latency_s: float = 0.0) -> str:
    """One cassette line (no newline) answering `request` with `texts`."""
    record: dict[str, Any] = {
        "key": request.key, "model": model, "model_revision": model_revision,
        "texts": list(texts), "tokens_in": tokens_in, "tokens_out": tokens_out,
        "latency_s": round(latency_s, 4), "messages": [list(m) for m in request.messages],
        "sampling": json.loads(request.sampling.to_json())}
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


class ReplayBackend:
    """`LLMBackend` that answers from a cassette."""

    name = "replay"

    def __init__(self, path: str | Path, *, model: str = "", model_revision: str = "") -> None:
        self.path = Path(path)
        self._lines = _load(self.path)
        first = next(iter(self._lines.values()), {})
        self.model = model or first.get("model", "") or "replay"
        self.model_revision = model_revision or first.get("model_revision", "")

    def __len__(self) -> int:
        return len(self._lines)

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        return [self._one(r) for r in requests]

    def _one(self, request: LLMRequest) -> LLMResponse:
        line = self._lines.get(request.key)
        if line is None:
            return LLMResponse(texts=(), model=self.model, model_revision=self.model_revision,
                               error=MISSING)
        return LLMResponse(texts=tuple(line["texts"]), model=line.get("model") or self.model,
                           model_revision=line.get("model_revision", self.model_revision),
                           tokens_in=int(line.get("tokens_in", 0)),
                           tokens_out=int(line.get("tokens_out", 0)),
                           latency_s=float(line.get("latency_s", 0.0)))


def _load(path: Path) -> dict[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"replay cassette {path} cannot be read: {exc}") from exc
    lines: dict[str, dict[str, Any]] = {}
    for no, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            key, texts = record["key"], record["texts"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"replay cassette {path}:{no}: not a cassette line ({exc})") \
                from exc
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ConfigError(f"replay cassette {path}:{no}: texts must be a list of strings")
        lines[key] = record
    return lines


class RecordingBackend:
    """Wraps a real backend and appends what it answered to a cassette."""

    def __init__(self, inner: LLMBackend, path: str | Path) -> None:
        self.inner = inner
        self.path = Path(path)
        self.name = inner.name
        self.model = inner.model
        self.model_revision = inner.model_revision
        self._lock = threading.Lock()

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        responses = self.inner.generate(requests)
        lines = [cassette_line(req, resp.texts, model=resp.model,
                               model_revision=resp.model_revision, tokens_in=resp.tokens_in,
                               tokens_out=resp.tokens_out, latency_s=resp.latency_s)
                 for req, resp in zip(requests, responses) if resp.ok]
        if lines:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as f:
                    f.write("".join(line + "\n" for line in lines))
        return responses
