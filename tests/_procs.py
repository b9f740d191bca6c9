"""Processes of a uid, read from /proc: how tests prove a sandbox left nothing behind."""

from __future__ import annotations

import os
import time
from pathlib import Path


def procs_of(uid: int) -> list[int]:
    """Pids whose real uid is `uid`."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:  # gone meanwhile
                continue
            uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()
            if int(uids[1]) == uid:
                pids.append(int(entry))
    return pids


def procs_left(uid: int, deadline_s: float = 30.0) -> list[int]:
    """Processes of uid still alive after the deadline (a SIGKILLed namespace, or a removed
    container under load, takes a moment; CI saw podman leftovers live past 10 s)."""
    end = time.monotonic() + deadline_s
    while (left := procs_of(uid)) and time.monotonic() < end:
        time.sleep(0.05)
    return left
