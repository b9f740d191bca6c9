"""Leases of sandbox uids: one unprivileged uid per concurrent sandbox.

The kernel counts RLIMIT_NPROC per real uid, so two sandboxes under the same uid share
one process budget: a fork bomb in one would starve its neighbour and change its verdict.
Each run therefore gets a uid of its own for its lifetime.

Key contracts: `lease_uid()` yields a uid from the pool (`TOLK_SANDBOX_UIDS`, default
62000-62899: above Debian's dynamic user range, below `nobody`) that no other lease holds,
in this process or any other (an flock on a per-uid file, released when the lease ends or
the process dies). It raises `ConfigError` when every uid is leased.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tolk.errors import ConfigError
from tolk.forksafe import ForkSafeLock

__all__ = ["lease_uid", "uid_pool"]

_DEFAULT_POOL = (62000, 62899)
_lock = ForkSafeLock()  # forked stage workers lease uids too
_held: set[int] = set()
_next = itertools.count()


def uid_pool() -> range:
    text = os.environ.get("TOLK_SANDBOX_UIDS", "")
    try:
        lo, hi = (int(x) for x in text.split("-")) if text else _DEFAULT_POOL
    except ValueError:
        raise ConfigError(f"TOLK_SANDBOX_UIDS={text!r}: expected FIRST-LAST, e.g. "
                          f"{_DEFAULT_POOL[0]}-{_DEFAULT_POOL[1]}") from None
    if not 0 < lo <= hi:
        raise ConfigError(f"TOLK_SANDBOX_UIDS={text!r}: need 0 < FIRST <= LAST")
    return range(lo, hi + 1)


def _lock_dir() -> Path:
    base = Path("/run") if os.geteuid() == 0 else Path(tempfile.gettempdir())
    d = base / f"tolk-uids-{os.geteuid()}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


@contextmanager
def lease_uid() -> Iterator[int]:
    pool = uid_pool()
    locks = _lock_dir()
    start = next(_next) % len(pool)  # rotate, so a just-released uid is not reused at once
    for k in range(len(pool)):
        uid = pool[(start + k) % len(pool)]
        with _lock:
            if uid in _held:
                continue
            _held.add(uid)
        fd = os.open(locks / str(uid), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process holds it
            os.close(fd)
            with _lock:
                _held.discard(uid)
            continue
        try:
            yield uid
        finally:
            os.close(fd)  # releases the flock
            with _lock:
                _held.discard(uid)
        return
    raise ConfigError(f"all {len(pool)} sandbox uids are leased; widen TOLK_SANDBOX_UIDS")
