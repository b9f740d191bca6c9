"""Sandbox uid leases: distinct within a process and across processes."""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest

from tolk.errors import ConfigError
from tolk.validators.uids import lease_uid, uid_pool


def test_leases_are_distinct_until_released(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_SANDBOX_UIDS", "61950-61952")
    with lease_uid() as a, lease_uid() as b, lease_uid() as c:
        assert len({a, b, c}) == 3 and {a, b, c} <= set(uid_pool())
        with pytest.raises(ConfigError, match="leased"):
            with lease_uid():
                pass
    with lease_uid() as d:  # released ones are free again
        assert d in uid_pool()


def test_a_uid_leased_by_another_process_is_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_SANDBOX_UIDS", "61960-61961")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from tolk.validators.uids import lease_uid\n"
         "with lease_uid() as u:\n print(u, flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env={"TOLK_SANDBOX_UIDS": "61960-61961", "PATH": "/usr/bin:/bin"})
    try:
        held = int(holder.stdout.readline())
        for _ in range(3):
            with lease_uid() as mine:
                assert mine != held
    finally:
        holder.communicate("")


def test_concurrent_threads_never_share_a_uid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_SANDBOX_UIDS", "61970-61989")
    seen: list[int] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        with lease_uid() as u:
            seen.append(u)
            barrier.wait(timeout=10)  # all eight hold their lease at once

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and len(set(seen)) == 8


def test_bad_pool_setting_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_SANDBOX_UIDS", "lots")
    with pytest.raises(ConfigError, match="FIRST-LAST"):
        uid_pool()
