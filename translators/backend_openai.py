"""OpenAI-compatible HTTP backend (what `vllm serve` exposes) over httpx.

Key contracts:
- Chat requests go to `{base_url}/chat/completions`; with `api="completions"` (base models
  without a chat template) the messages are joined into one prompt for `/completions`.
  `n`, `seed`, temperature, top_p, max_tokens and stop travel in the body; texts come from
  the choices in index order, tokens from `usage`.
- Transient failures (connect/read errors, timeouts, 429, 5xx) are retried up to
  `max_retries` times with exponential backoff (Retry-After honoured, capped); other 4xx
  are not retried. Exhausted or final failures become `LLMResponse.error`:
  `llm_unreachable: ...`, `llm_timeout: ...`, `llm_http_<status>: ...`, `llm_bad_response`.
- At most `concurrency` requests are in flight per backend, across every thread that calls
  `generate` (a semaphore, not just a pool size).
- A server that is down fails fast: once one request gives up on connecting, the rest of
  that `generate` call answers `llm_unreachable` without dialling (the next call tries
  again), so a dead server costs one retry budget, not one per request.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import httpx

from tolk.translators.llm import LLMRequest, LLMResponse

__all__ = ["OpenAIBackend"]

_TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_SNIPPET = 300


class _Unreachable(Exception):
    """Raised inside one request when the server cannot be reached at all."""


class OpenAIBackend:
    """`LLMBackend` for an OpenAI-compatible server."""

    name = "openai"

    def __init__(self, base_url: str, model: str, model_revision: str = "", *,
                 concurrency: int = 8, timeout_s: float | None = None,
                 connect_timeout_s: float = 5.0, max_retries: int = 3,
                 backoff_s: float = 0.5, backoff_max_s: float = 8.0,
                 api: str | None = None, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.model_revision = model_revision
        self.api = api or os.environ.get("TOLK_OPENAI_API", "chat")
        if self.api not in {"chat", "completions"}:
            raise ValueError(f"api must be 'chat' or 'completions', not {self.api!r}")
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        timeout = timeout_s if timeout_s is not None else float(
            os.environ.get("TOLK_OPENAI_TIMEOUT_S", "600"))
        key = api_key if api_key is not None else (
            os.environ.get("TOLK_OPENAI_API_KEY") or os.environ.get("OPENAI_API_KEY", ""))
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout_s), headers=headers,
            limits=httpx.Limits(max_connections=concurrency,
                                max_keepalive_connections=concurrency))

    def close(self) -> None:
        self._client.close()

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        if not requests:
            return []
        down = threading.Event()  # set once the server is known to be unreachable
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(requests))) as pool:
            return list(pool.map(lambda r: self._one(r, down), requests))

    # -- one request -------------------------------------------------------------------
    def _one(self, request: LLMRequest, down: threading.Event) -> LLMResponse:
        t0 = time.monotonic()
        try:
            if down.is_set():
                raise _Unreachable(f"{self.base_url}: server went away earlier in this batch")
            with self._slots:
                data = self._post_with_retries(request, down)
            texts, tokens_in, tokens_out = self._parse(data, request.sampling.n)
            return self._response(texts, tokens_in, tokens_out, t0)
        except _Unreachable as exc:
            down.set()
            return self._response((), 0, 0, t0, f"llm_unreachable: {exc}")
        except _Failed as exc:
            return self._response((), 0, 0, t0, str(exc))

    def _response(self, texts: tuple[str, ...], tokens_in: int, tokens_out: int, t0: float,
                  error: str = "") -> LLMResponse:
        return LLMResponse(texts=texts, model=self.model, model_revision=self.model_revision,
                           tokens_in=tokens_in, tokens_out=tokens_out,
                           latency_s=time.monotonic() - t0, error=error)

    def _body(self, request: LLMRequest) -> tuple[str, dict[str, Any]]:
        s = request.sampling
        body: dict[str, Any] = {"model": self.model, "n": s.n, "temperature": s.temperature,
                                "top_p": s.top_p, "max_tokens": s.max_tokens, "seed": s.seed}
        if s.stop:
            body["stop"] = list(s.stop)
        if self.api == "chat":
            body["messages"] = request.chat()
            return f"{self.base_url}/chat/completions", body
        body["prompt"] = "\n\n".join(content for _, content in request.messages)
        return f"{self.base_url}/completions", body

    def _post_with_retries(self, request: LLMRequest, down: threading.Event) -> dict[str, Any]:
        url, body = self._body(request)
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                if down.is_set():
                    raise _Unreachable(f"{url}: server went away earlier in this batch")
                time.sleep(self._delay(attempt, last))
            try:
                resp = self._client.post(url, json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                last = f"connect: {exc}"
                if attempt == self.max_retries:
                    raise _Unreachable(f"{url}: {exc}") from exc
                continue
            except httpx.TimeoutException as exc:
                last = f"{type(exc).__name__}"
                if attempt == self.max_retries:
                    raise _Failed(f"llm_timeout: {url}: {type(exc).__name__}") from exc
                continue
            except httpx.TransportError as exc:  # reset/closed mid-answer: the server died?
                last = f"{type(exc).__name__}: {exc}"
                if attempt == self.max_retries:
                    raise _Unreachable(f"{url}: {type(exc).__name__}: {exc}") from exc
                continue
            if resp.status_code == 200:
                try:
                    return resp.json()
                except ValueError as exc:
                    raise _Failed(f"llm_bad_response: not JSON: {resp.text[:_SNIPPET]}") from exc
            last = f"retry-after:{resp.headers.get('retry-after', '')}"
            if resp.status_code not in _TRANSIENT_STATUS or attempt == self.max_retries:
                raise _Failed(f"llm_http_{resp.status_code}: {resp.text[:_SNIPPET]}")
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _delay(self, attempt: int, last: str) -> float:
        delay = self.backoff_s * 2 ** (attempt - 1)
        if last.startswith("retry-after:"):
            try:
                delay = max(delay, float(last.split(":", 1)[1]))
            except ValueError:  # an HTTP date or empty: keep our own backoff
                pass
        return min(delay, self.backoff_max_s)

    def _parse(self, data: dict[str, Any], n: int) -> tuple[tuple[str, ...], int, int]:
        try:
            choices = sorted(data["choices"], key=lambda c: c.get("index", 0))
            if self.api == "chat":
                texts = tuple((c["message"].get("content") or "") for c in choices)
            else:
                texts = tuple(c["text"] for c in choices)
        except (KeyError, TypeError, AttributeError) as exc:
            raise _Failed(f"llm_bad_response: {type(exc).__name__}: {str(data)[:_SNIPPET]}") \
                from exc
        if not texts:
            raise _Failed("llm_bad_response: no choices")
        usage = data.get("usage") or {}
        return texts[:n], int(usage.get("prompt_tokens") or 0), \
            int(usage.get("completion_tokens") or 0)


class _Failed(Exception):
    """A final, recorded failure of one request (the message is the error string)."""
