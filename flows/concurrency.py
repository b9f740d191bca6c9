"""Slots and retries for the scarce and flaky stages: LLM calls, the container engine.

Key contracts:
- `llm_slot(name)` is a context manager; with an empty name (the default) it costs nothing
  and never blocks, so the CLI and tests run the same code path as a flow. With a name it
  occupies one slot of that Prefect global concurrency limit (`prefect gcl create NAME
  --limit N`), so many workers share one GPU server fairly.
- `is_transient(exc)` is True only for failures that a later attempt can cure (a refused
  or reset connection, a timeout, an LLM server's 429/5xx, a container engine that is
  briefly unavailable). Deterministic failures (bad input, our own bugs, a candidate that
  does not compile) are never retried: a retry would only cost time and hide the bug.
- `retry_transient` is a Prefect `retry_condition_fn`; `SHARD_RETRY` holds the task retry
  options (exponential backoff with jitter) that `run_shard` uses.
"""

from __future__ import annotations

import contextlib
import errno
from typing import Any, Iterator

from prefect.tasks import exponential_backoff

__all__ = ["llm_slot", "is_transient", "retry_transient", "TransientError", "SHARD_RETRY"]

# Errno values that mean "the other side is (momentarily) not there", not "you asked wrong".
_TRANSIENT_ERRNOS = {errno.ECONNREFUSED, errno.ECONNRESET, errno.ECONNABORTED, errno.EPIPE,
                     errno.ETIMEDOUT, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EAGAIN,
                     errno.EBUSY, errno.ENOMEM}
# Client libraries' exception names for transient conditions; matched by name so this module
# imports neither httpx nor openai (both optional).
_TRANSIENT_NAMES = {"ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout",
                    "PoolTimeout", "RemoteProtocolError", "ReadError", "APIConnectionError",
                    "APITimeoutError", "RateLimitError", "InternalServerError",
                    "ServiceUnavailableError", "ContainerEngineUnavailable"}


class TransientError(RuntimeError):
    """Raise (or chain from) this for a failure that a later attempt may cure."""


@contextlib.contextmanager
def llm_slot(name: str) -> Iterator[None]:
    if not name:
        yield
        return
    from prefect.concurrency.sync import concurrency
    # strict=False: a limit that does not exist yet must not stop a corpus run.
    with concurrency(name, occupy=1, strict=False):
        yield


def _status_code(exc: BaseException) -> int | None:
    code = getattr(exc, "status_code", None)
    if code is None:
        code = getattr(getattr(exc, "response", None), "status_code", None)
    return code if isinstance(code, int) else None


def is_transient(exc: BaseException | None) -> bool:
    """Whether a retry may succeed; follows `__cause__`/`__context__` (wrapped errors)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, TransientError) or getattr(exc, "transient", False) is True:
            return True
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return True
        if isinstance(exc, OSError) and exc.errno in _TRANSIENT_ERRNOS:
            return True
        if type(exc).__name__ in _TRANSIENT_NAMES:
            return True
        code = _status_code(exc)
        if code is not None and (code == 429 or 500 <= code < 600):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def retry_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect `retry_condition_fn`: retry a failed task run only for transient errors."""
    try:
        state.result()  # re-raises the task's exception
    except BaseException as exc:  # noqa: BLE001 - we classify, never swallow: Prefect decides
        return is_transient(exc)
    return False


# Task options for a shard: 3 retries after ~10 s, 20 s, 40 s (+-50% jitter so that many
# workers hit by the same outage do not come back in lockstep).
SHARD_RETRY: dict[str, Any] = {
    "retries": 3,
    "retry_delay_seconds": exponential_backoff(backoff_factor=10),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_transient,
}
