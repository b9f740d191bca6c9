"""The processes a run started: find them (by ancestry or by a marker in the environment)
and stop them.

Key contracts:
- `descendants(pid)` reads /proc once and returns every live process whose parent chain
  leads to `pid` (sandboxes start new sessions, so process groups alone would miss them).
- `RUN_MARK` is an environment variable that `tolk run` sets to a fresh token before it
  starts anything; every process that inherits the environment (the embedded Prefect
  server, stage workers, the vLLM worker, compilers started outside a sandbox) carries it,
  so after a SIGKILL of `tolk run` the next run or `tolk status` can find what is left
  (`marked(token)`). Sandboxes get a clean environment but die with their parent
  (bwrap --die-with-parent), and so do stage workers (PR_SET_PDEATHSIG).
- `kill_all` SIGKILLs a set of processes and their process groups, never our own group
  and never pid 1, and waits (bounded) until they are gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STOPPING", "stopping", "RUN_MARK", "ProcInfo", "descendants", "marked", "kill_all", "die_with_parent",
           "pid_alive"]

RUN_MARK = "TOLK_RUN_MARK"
# Set once this process is stopping (flows.shutdown): from then on no new worker starts
# and no shard is stored, since its items may have lost their workers to the stop.
STOPPING = threading.Event()


def stopping() -> bool:
    """Whether this process is stopping (a function: code shipped to Dask workers by value
    must not hold the Event itself, which does not pickle)."""
    return STOPPING.is_set()
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class ProcInfo:
    pid: int
    ppid: int
    pgid: int
    start: int  # clock ticks since boot: tells a reused pid from the original
    cmd: str


def _stat(pid: int) -> ProcInfo | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    # The command sits in parentheses and may contain spaces or ')'.
    head, _, rest = raw.rpartition(b")")
    fields = rest.split()
    if len(fields) < 20 or fields[0] == b"Z":  # a zombie is already dead
        return None
    cmd = head.partition(b"(")[2].decode("utf-8", "replace")
    with contextlib.suppress(OSError):
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace").strip()[:200] or cmd
    return ProcInfo(pid, int(fields[1]), int(fields[2]), int(fields[19]), cmd)


def _all() -> list[ProcInfo]:
    out = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            info = _stat(int(entry.name))
            if info is not None:
                out.append(info)
    return out


def descendants(pid: int) -> list[ProcInfo]:
    """Every live process below `pid` (children first, then theirs)."""
    children: dict[int, list[ProcInfo]] = {}
    for p in _all():
        children.setdefault(p.ppid, []).append(p)
    found: list[ProcInfo] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def marked(token: str) -> list[ProcInfo]:
    """Live processes whose environment holds RUN_MARK=token (ours or others' runs)."""
    needle = f"{RUN_MARK}={token}".encode()
    found = []
    for p in _all():
        if p.pid == os.getpid():
            continue
        try:
            env = Path(f"/proc/{p.pid}/environ").read_bytes()
        except OSError:  # another user's process, or gone
            continue
        if needle in env.split(b"\0"):
            found.append(p)
    return found


def pid_alive(pid: int, start: int | None = None) -> bool:
    info = _stat(pid)
    return info is not None and (start is None or info.start == start)


def kill_all(procs: list[ProcInfo], wait_s: float = 3.0) -> list[ProcInfo]:
    """SIGKILL each process and its group (if the group is not ours); returns those still
    alive after `wait_s` (normally none)."""
    own_group = os.getpgrp()
    for p in procs:
        if p.pid <= 1 or p.pid == os.getpid():
            continue
        if p.pgid not in (own_group, 0, 1) and p.pgid == p.pid:
            with contextlib.suppress(OSError):
                os.killpg(p.pgid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(p.pid, signal.SIGKILL)
    deadline = time.monotonic() + wait_s
    left = procs
    while left:
        for p in left:  # reap our own children so they do not linger as zombies
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(p.pid, os.WNOHANG)
        left = [p for p in left if pid_alive(p.pid, p.start)]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    return left


def die_with_parent() -> None:
    """In a child: be SIGKILLed when the parent goes (even by SIGKILL)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
