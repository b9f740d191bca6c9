"""Stopping a run on SIGTERM/SIGINT, and finding what a SIGKILLed run left behind.

Key contracts:
- `tolk run` runs inside `armed(out)`: before it starts anything: it puts a fresh token in the
  environment (`procs.RUN_MARK`, inherited by every process the run starts that keeps its
  environment), and installs SIGTERM and SIGINT handlers. Inside the flow Prefect replaces
  the SIGTERM handler with its own bridge, which raises `TerminationSignal`; the flow
  catches that and calls `stop_run` too, so both paths end the same way.
- `stop_run` SIGKILLs every process below this one (sandboxes, compilers, stage workers,
  the embedded Prefect server, the vLLM worker; `procs.STOPPING` is set first, so no
  shard whose workers were killed under it is stored), marks the run `interrupted` in run.json,
  writes the report, and exits with 128 + the signal number; a timer makes sure the
  process is gone within `EXIT_WITHIN_S` whatever happens. The shard in flight has no
  stats file, so a re-run recomputes it exactly as after a SIGKILL.
- `left_behind(out)` lists the live processes carrying the token of a run whose
  run.json says running but whose pid is gone (it was SIGKILLed); `tolk status` reports
  them and the next `tolk run` stops them (`stop_left_behind`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator

from tolk.flows.procs import RUN_MARK, STOPPING, ProcInfo, descendants, kill_all, marked, pid_alive
from tolk.flows.runlog import log_event, mark_run_finished, read_run

__all__ = ["armed", "stop_run", "left_behind", "stop_left_behind", "EXIT_WITHIN_S",
           "run_token"]

EXIT_WITHIN_S = 8.0
_stopping = threading.Lock()  # one stop per process: a second signal waits for the first


def run_token() -> str:
    """This run's token ('' outside `tolk run`)."""
    return os.environ.get(RUN_MARK, "")


@contextlib.contextmanager
def armed(out: Path) -> Iterator[None]:
    """While the run lasts: mark this process's future children and stop the run on
    SIGTERM/SIGINT (main thread); the previous handlers and environment come back after."""
    old_mark = os.environ.get(RUN_MARK)
    os.environ[RUN_MARK] = uuid.uuid4().hex

    def handler(signum: int, _frame: Any) -> None:
        stop_run(out, signal.Signals(signum).name)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
        if old_mark is None:
            os.environ.pop(RUN_MARK, None)
        else:
            os.environ[RUN_MARK] = old_mark


def stop_run(out: Path, signame: str) -> None:
    """Kill everything this run started, record `interrupted`, exit. Never returns."""
    code = 128 + int(getattr(signal, signame, signal.SIGTERM))
    if not _stopping.acquire(blocking=False):
        return  # already stopping (the timer below ends the process in any case)
    timer = threading.Timer(EXIT_WITHIN_S, os._exit, args=(code,))
    timer.daemon = True
    timer.start()
    print(f"tolk: {signame}: stopping the run and every process it started",
          file=sys.stderr, flush=True)
    STOPPING.set()  # before any kill: a shard whose workers die is not stored
    try:
        left = kill_all(descendants(os.getpid()), wait_s=3.0)
        mark_run_finished(out, "interrupted", signal=signame)
        log_event(out, "run_interrupted", signal=signame, survivors=[p.pid for p in left])
        try:
            from tolk.flows.report_html import write_report
            write_report(out)
        except Exception as exc:  # noqa: BLE001 - the state is recorded; the report is a bonus
            print(f"tolk: report not written: {exc}", file=sys.stderr)
        print(f"tolk: interrupted; run the same command again to resume ({out})",
              file=sys.stderr, flush=True)
    finally:
        sys.stdout.flush()
        kill_all(descendants(os.getpid()), wait_s=1.0)  # started while we stopped
        os._exit(code)


def left_behind(out: Path) -> list[ProcInfo]:
    """Processes of a dead run of `out` that are still alive (none when it is alive)."""
    run = read_run(out) or {}
    token = str(run.get("mark", ""))
    pid = int(run.get("pid", 0) or 0)
    if not token or run.get("state") != "running" or (pid and pid_alive(pid)):
        return []
    return marked(token)


def stop_left_behind(out: Path) -> list[ProcInfo]:
    """Kill what a SIGKILLed run left behind; returns what was found."""
    found = left_behind(out)
    if found:
        kill_all(found)
        log_event(out, "left_behind_stopped", pids=[p.pid for p in found],
                  cmds=[p.cmd[:80] for p in found])
    return found
