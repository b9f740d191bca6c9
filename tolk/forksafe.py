"""Locks that a forked child gets back unlocked.

Stage workers are forked from a process whose other threads (validation pools, Prefect's
event loop, other shards) may hold a module-level lock at that moment; the child would
inherit it held, by a thread that does not exist there, and wait on it forever (a stage
that hangs without using CPU). `ForkSafeLock` is re-created in every child after fork.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import Any

__all__ = ["ForkSafeLock"]

_ALL: "weakref.WeakSet[ForkSafeLock]" = weakref.WeakSet()


class ForkSafeLock:
    """A threading.Lock (context manager) that is fresh and unlocked in a forked child."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        _ALL.add(self)

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def _reset(self) -> None:
        self._lock = threading.Lock()


def _after_fork_in_child() -> None:
    for lock in list(_ALL):
        lock._reset()


os.register_at_fork(after_in_child=_after_fork_in_child)
