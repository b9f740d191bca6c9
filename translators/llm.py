"""The one interface every LLM backend speaks: requests in, responses out, never an exception.

Key contracts:
- `LLMRequest` is a chat (role, content pairs) plus `Sampling`; its `key` (16 hex of sha256
  over messages and sampling) is the prompt hash that provenance records and that replay
  cassettes are keyed by. Equal requests have equal keys on every machine.
- `LLMBackend.generate(requests)` returns exactly one `LLMResponse` per request, in order.
  Trouble with the server or the model (unreachable, timeout, bad answer, missing replay
  entry) becomes `LLMResponse.error` with empty texts, so a run goes on and records why.
- `backend_for(config)` raises `TolkError` subclasses only for configuration that makes a
  whole run impossible (no model, vLLM not installed, cassette missing). Backends are built
  once per process per (kind, model, revision, endpoint, options) and reused across shards:
  the vLLM engine takes seconds to minutes to load and holds the weights in memory.
  With TOLK_LLM_RECORD=FILE.jsonl a vllm/openai backend also appends its answers to that
  replay cassette (see backend_replay).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Protocol, Sequence

from tolk.errors import ConfigError

if TYPE_CHECKING:
    from tolk.flows.config import BuildConfig

__all__ = ["Sampling", "LLMRequest", "LLMResponse", "LLMBackend", "backend_for",
           "clear_backend_cache", "ROLES"]

ROLES = frozenset({"system", "user", "assistant"})


@dataclass(frozen=True, slots=True)
class Sampling:
    """Sampling parameters of one request; provenance stores `to_json()`."""

    n: int = 1
    temperature: float = 0.2
    top_p: float = 0.95
    max_tokens: int = 1024
    stop: tuple[str, ...] = ()
    seed: int = 0

    def to_json(self) -> str:
        d = asdict(self)
        d["stop"] = list(self.stop)
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Sampling:
        d = json.loads(text)
        d["stop"] = tuple(d.get("stop", ()))
        return cls(**d)


@dataclass(frozen=True, slots=True)
class LLMRequest:
    """One chat to complete `sampling.n` times."""

    messages: tuple[tuple[str, str], ...]
    sampling: Sampling = Sampling()

    def __post_init__(self) -> None:
        for role, _ in self.messages:
            if role not in ROLES:
                raise ValueError(f"unknown chat role {role!r}")

    @property
    def key(self) -> str:
        payload = json.dumps({"messages": [list(m) for m in self.messages],
                              "sampling": json.loads(self.sampling.to_json())},
                             sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def chat(self) -> list[dict[str, str]]:
        """The messages in the OpenAI / Hugging Face chat-template shape."""
        return [{"role": r, "content": c} for r, c in self.messages]


@dataclass(frozen=True, slots=True)
class LLMResponse:
    """`texts` has n completions, or none when `error` says why."""

    texts: tuple[str, ...]
    model: str
    model_revision: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class LLMBackend(Protocol):
    name: str  # "vllm" | "openai" | "replay"
    model: str
    model_revision: str

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        """One response per request, same order; never raises for server/model trouble."""
        ...


def backend_for(config: BuildConfig) -> LLMBackend:
    """The process-wide backend for a run's translator settings (built on first use)."""
    kind = config.translator
    if kind == "vllm":
        if not config.model:
            raise ConfigError("--translator vllm needs --model (a local path or a model name)")
        key = ("vllm", config.model, config.model_revision, _vllm_options_key())
    elif kind == "openai":
        base_url = config.base_url or os.environ.get("TOLK_OPENAI_BASE_URL", "")
        if not base_url:
            raise ConfigError("--translator openai needs --base-url (e.g. http://host:8000/v1)")
        if not config.model:
            raise ConfigError("--translator openai needs --model (the served model name)")
        key = ("openai", config.model, config.model_revision, base_url,
               str(config.llm_concurrency))
    elif kind == "replay":
        if not config.cassette:
            raise ConfigError("--translator replay needs --cassette FILE.jsonl")
        key = ("replay", config.model, config.model_revision, os.path.abspath(config.cassette))
    else:
        raise ConfigError(f"translator {kind!r} does not use an LLM backend")
    record = os.environ.get("TOLK_LLM_RECORD", "") if kind != "replay" else ""
    key += (os.path.abspath(record) if record else "",)
    with _LOCK:  # shards on threads must not build two engines
        if key not in _BACKENDS:
            _BACKENDS[key] = _build(key)
        return _BACKENDS[key]


def clear_backend_cache(kind: str | None = None) -> None:
    """Close and forget built backends, all or one kind (tests; a worker switching models)."""
    with _LOCK:
        keys = [k for k in _BACKENDS if kind is None or k[0] == kind]
        backends = [_BACKENDS.pop(k) for k in keys]
    for backend in backends:
        close = getattr(getattr(backend, "inner", backend), "close", None)
        if close is not None:
            close()


# Built backends, one per settings key: the process-wide engine cache this module exists for.
_BACKENDS: dict[tuple[str, ...], LLMBackend] = {}
_LOCK = threading.Lock()


def _vllm_options_key() -> str:
    # Engine options come from TOLK_VLLM_* env vars; they are part of the cache key so a
    # changed option builds a new engine instead of silently reusing the old one.
    return json.dumps(sorted((k, v) for k, v in os.environ.items() if k.startswith("TOLK_VLLM_")))


def _build(key: tuple[str, ...]) -> LLMBackend:
    kind, model, revision, *rest, record = key
    backend: LLMBackend
    if kind == "vllm":
        from tolk.translators.backend_vllm import VLLMBackend, engine_options_from_env
        backend = VLLMBackend(model, revision, **engine_options_from_env())
    elif kind == "openai":
        from tolk.translators.backend_openai import OpenAIBackend
        backend = OpenAIBackend(rest[0], model, revision, concurrency=int(rest[1]))
    else:
        from tolk.translators.backend_replay import ReplayBackend
        return ReplayBackend(rest[0], model=model, model_revision=revision)
    if record:  # TOLK_LLM_RECORD=cassette.jsonl: keep a real model's answers for replay
        from tolk.translators.backend_replay import RecordingBackend
        backend = RecordingBackend(backend, record)
    return backend
