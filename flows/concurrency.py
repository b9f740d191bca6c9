"""Slots for the scarce stage: LLM calls take a Prefect global concurrency slot when asked.

Key contracts: `llm_slot(name)` is a context manager; with an empty name (the default) or
outside a Prefect server it costs nothing and never blocks, so the CLI and tests run the
same code path as a flow. With a name it occupies one slot of that global concurrency
limit (`prefect gcl create NAME --limit N`), so many workers share one GPU server fairly.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

__all__ = ["llm_slot"]


@contextlib.contextmanager
def llm_slot(name: str) -> Iterator[None]:
    if not name:
        yield
        return
    from prefect.concurrency.sync import concurrency
    # strict=False: a limit that does not exist yet must not stop a corpus run.
    with concurrency(name, occupy=1, strict=False):
        yield
