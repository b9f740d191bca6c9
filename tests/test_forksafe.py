"""A module lock held by another thread when a stage worker forks must not be inherited
held: the child would wait for a thread that does not exist there."""

from __future__ import annotations

import os
import threading

from tolk.forksafe import ForkSafeLock
from tolk.validators import uids


def _child_can_take(lock: ForkSafeLock) -> bool:
    """Fork while another thread holds lock; True if the child can take it at once."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # the child: exit 0 if the lock is free here
            os._exit(0 if lock._lock.acquire(timeout=2) else 1)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        t.join()
    return os.waitstatus_to_exitcode(status) == 0


def test_a_lock_held_by_another_thread_is_free_in_the_forked_child() -> None:
    assert _child_can_take(ForkSafeLock())


def test_the_uid_lease_lock_is_fork_safe() -> None:
    # A forked test-generation worker leases uids for its sandboxes.
    assert isinstance(uids._lock, ForkSafeLock) and _child_can_take(uids._lock)
    with uids.lease_uid() as uid:
        assert uid in uids.uid_pool()
