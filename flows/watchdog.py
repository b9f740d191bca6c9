"""A wall-clock bound per item for the pure-Python stages, and their wall/CPU time.

The front end, test generation and the lowering are Python code that a strange input can
make spin forever (a loop that never ends, a regex that backtracks for hours). A thread
cannot be stopped, so these stages run in a forked worker process: `StageWorker.map`
sends a batch of items in one message, the worker streams back one message per stage
start and per finished item, and when an item stays in one stage longer than the bound
the worker (and every process below it) is SIGKILLed, the item ends as timed out, and a
fresh worker takes the rest of the batch. A worker is reused for every batch of a shard,
so its cost is one fork per shard and worker plus pickling (measured in the README).

Key contracts:
- A stage function is module-level (it is pickled by name) with the signature
  `fn(ctx, item, mark) -> result`; it calls `mark(stage)` when it enters a stage, and the
  bound applies per item per stage. `ctx` is sent once per batch.
- `map` returns one `ItemOutcome` per item, in order: a value, an error (the exception's
  text; transient errors keep their flag so the shard task can retry), or the stage that
  timed out / was running when the worker died. It never raises for what an item does.
- Times per stage (wall and CPU, the latter including the item's subprocesses) come back
  with each outcome; `StageClock` sums them into mergeable integer counters. A dotted
  name (`mark("testgen.reference")`) splits a stage's time into parts without telling the
  parent: the bound and a timeout's reason stay with the enclosing stage.
- `StageClock.span` adds the parent's elapsed seconds per phase (the shard's own clock:
  phases run one after another, so spans add up to the shard's wall time, whereas the
  per-item sums count parallel workers twice).
- The worker dies with its parent (PR_SET_PDEATHSIG) and ignores SIGINT (a terminal's ^C
  goes to the whole process group; the parent decides).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import signal
import socket
import struct
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any, Callable, Sequence

from tolk.flows.procs import STOPPING, descendants, die_with_parent, kill_all

__all__ = ["RunStopping", "StageWorker", "ItemOutcome", "StageClock", "Mark", "process_cpu", "stage_times",
           "stage_spans", "stage_order", "STAGE_ORDER"]

Mark = Callable[[str], None]
StageFn = Callable[[Any, Any, Mark], Any]


@dataclass
class ItemOutcome:
    value: Any = None
    error: str = ""  # "Type: message" when the stage function raised
    transient: bool = False
    timed_out: str = ""  # the stage that ran past the bound
    crashed: str = ""  # the stage that was running when the worker died
    times: dict[str, tuple[float, float]] = field(default_factory=dict)  # stage: wall, cpu

    @property
    def ok(self) -> bool:
        return not (self.error or self.timed_out or self.crashed)


def process_cpu() -> float:
    """CPU seconds of this process and its reaped children (sandboxes, compilers)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _drop_inherited_fds(keep: set[int]) -> None:
    """Point every inherited descriptor but `keep` at /dev/null. A fork copies the
    parent's sockets and pipe ends: a listening socket closed by the parent would go on
    accepting, and a pipe's reader would never see EOF. dup2 rather than close, so an
    object that still owns a number closes /dev/null later, never a reused descriptor."""
    null = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep and fd != null:
            with contextlib.suppress(OSError):
                os.dup2(null, fd)
    os.close(null)


def _serve(conn: Connection) -> None:
    """The worker's loop: run batches until the parent closes the pipe."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _drop_inherited_fds({conn.fileno()})
    from tolk.flows.concurrency import is_transient
    while True:
        try:
            fn, ctx, items = conn.recv()
        except (EOFError, OSError):
            os._exit(0)
        for i, item in enumerate(items):
            times: dict[str, tuple[float, float]] = {}
            current = ["start", time.monotonic(), process_cpu()]

            def close_stage() -> None:
                name, w0, c0 = current
                w, c = times.get(name, (0.0, 0.0))
                times[name] = (w + time.monotonic() - w0, c + process_cpu() - c0)

            def mark(stage: str) -> None:
                close_stage()
                current[:] = [stage, time.monotonic(), process_cpu()]
                if "." not in stage:  # "testgen.reference": a split of the time only; the
                    conn.send(("stage", i, stage))  # bound and timeout reason stay the stage's

            try:
                value = fn(ctx, item, mark)
                close_stage()
                times.pop("start", None)
                conn.send(("done", i, value, times))
            except Exception as exc:  # noqa: BLE001 - reported per item, never kills the batch
                close_stage()
                times.pop("start", None)
                text = f"{type(exc).__name__}: {exc}"[:400]
                if not isinstance(exc, (RecursionError, MemoryError)):
                    text += " | " + traceback.format_exc(limit=-2).strip().replace("\n", " ")[-300:]
                conn.send(("error", i, text, is_transient(exc), times))
        conn.send(("end",))


class RunStopping(BaseException):
    """The process is stopping on a signal: the shard must not be stored (not an item's
    failure, so not an Exception that the shard would turn into a reject)."""


# The bound counts the worker's CPU seconds (its own and its reaped children's: sandboxes,
# compilers), not the wall clock: on a loaded machine a wall-clock bound stopped an item in
# one run and not in the next, and the dataset followed the load. The wall clock is a
# backstop at WALL_FACTOR times the bound, for a worker that blocks without using CPU.
WALL_FACTOR = 4.0


def worker_cpu(pid: int | None) -> float | None:
    """CPU seconds of process pid and its reaped children (/proc), None where unreadable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    # After the command: state is field 3, utime..cstime are fields 14..17 (1-based).
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class _Budget:
    """One item's (or stage's) bound: timeout_s CPU seconds of the worker, or the wall
    backstop; polls in slices so that CPU use is checked as it grows."""

    def __init__(self, pid: int | None, timeout_s: float) -> None:
        self.pid, self.timeout_s = pid, timeout_s
        self.wall_end = time.monotonic() + WALL_FACTOR * timeout_s
        self.cpu0 = worker_cpu(pid)

    def slice(self) -> float:
        return max(0.0, min(1.0, self.timeout_s, self.wall_end - time.monotonic()))

    def spent(self) -> bool:
        if time.monotonic() >= self.wall_end:
            return True
        cpu = worker_cpu(self.pid)
        if cpu is None or self.cpu0 is None:  # no /proc: the wall clock at 1x decides
            return time.monotonic() >= self.wall_end - (WALL_FACTOR - 1.0) * self.timeout_s
        return cpu - self.cpu0 >= self.timeout_s


class StageWorker:
    """One killable worker process, started on first use and replaced after a kill."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._pid: int | None = None
        self._conn: Connection | None = None
        self._sock: socket.socket | None = None
        self.restarts = 0

    def _start(self) -> Connection:
        if self._conn is None:
            if STOPPING.is_set():  # the run is being stopped: no new processes
                raise RunStopping("the run is stopping")
            # A bare fork, not multiprocessing.Process: the stages' code and any test patch
            # without imports, and it works inside daemonic processes (Dask workers).
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:  # the worker: never returns into the caller's code
                try:
                    ours.close()
                    _serve(Connection(theirs.detach()))
                finally:
                    os._exit(0)
            theirs.close()
            # Sends go through the socket (with a timeout: a worker that never reads must
            # not block us), receives through a Connection on a duplicate of it.
            self._pid, self._sock = pid, ours
            self._conn = Connection(os.dup(ours.fileno()))
        return self._conn

    def _send(self, obj: Any) -> None:
        """One message in Connection's framing, bounded by the stage timeout."""
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        assert self._sock is not None
        self._sock.settimeout(self.timeout_s)
        try:
            self._sock.sendall(struct.pack("!i", len(data)) + data)
        finally:
            self._sock.settimeout(None)

    def _reap(self, pid: int, wait_s: float) -> bool:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if done or time.monotonic() > deadline:
                return bool(done)
            time.sleep(0.01)

    def _kill(self) -> None:
        pid, conn, sock = self._pid, self._conn, self._sock
        self._pid, self._conn, self._sock = None, None, None
        for end in (conn, sock):
            if end is not None:
                end.close()
        if pid is None:
            return
        kill_all([*descendants(pid)], wait_s=1.0)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        self._reap(pid, 5.0)
        self.restarts += 1

    def close(self) -> None:
        """Stop the worker (at the end of a shard)."""
        pid, conn, sock = self._pid, self._conn, self._sock
        self._pid, self._conn, self._sock = None, None, None
        for end in (conn, sock):
            if end is not None:
                end.close()  # the worker exits on EOF
        if pid is not None and not self._reap(pid, 2.0):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            self._reap(pid, 2.0)

    @property
    def pid(self) -> int | None:
        return self._pid

    def map(self, fn: StageFn, ctx: Any, items: Sequence[Any]) -> list[ItemOutcome]:
        out: list[ItemOutcome] = []
        refused = 0
        while len(out) < len(items):
            conn = self._start()
            rest = items[len(out):]
            try:
                self._send((fn, ctx, list(rest)))
            except OSError as exc:  # socket.timeout included: the worker takes no work
                self._kill()
                refused += 1
                if refused > 1:
                    raise RuntimeError(f"stage worker takes no work: {exc}") from exc
                continue
            out += self._collect(conn, len(rest))
        return out

    def _collect(self, conn: Connection, n: int) -> list[ItemOutcome]:
        """Outcomes of one sent batch, up to and including an item that timed out or
        crashed (the worker is then gone; `map` sends what is left to a fresh one)."""
        got: list[ItemOutcome] = []
        stage = "start"
        budget = _Budget(self._pid, self.timeout_s)
        while len(got) < n:
            try:
                ready = conn.poll(budget.slice())
                msg = conn.recv() if ready else None
            except (EOFError, OSError):
                self._kill()
                got.append(ItemOutcome(crashed=stage))
                return got
            if msg is None:
                if not budget.spent():
                    continue
                self._kill()
                got.append(ItemOutcome(timed_out=stage))
                return got
            kind = msg[0]
            if kind == "stage":
                stage = msg[2]
            elif kind == "done":
                got.append(ItemOutcome(value=msg[2], times=msg[3]))
                stage = "start"
            elif kind == "error":
                got.append(ItemOutcome(error=msg[2], transient=msg[3], times=msg[4]))
                stage = "start"
            budget = _Budget(self._pid, self.timeout_s)
        if conn.recv()[0] != "end":  # the batch's closing message
            self._kill()
        return got


class StageClock:
    """Wall and CPU seconds per stage, summed; `counters()` gives mergeable integers
    (`stage_wall_ms:<stage>`, `stage_cpu_ms:<stage>`, `stage_items:<stage>`), and the
    slowest items per stage are kept for the timing file."""

    def __init__(self, keep: int = 3) -> None:
        self.wall: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self.spans: Counter[str] = Counter()  # phase: elapsed seconds in the shard's thread
        self.keep = keep
        self.slowest: dict[str, list[tuple[float, str]]] = {}

    def add(self, stage: str, wall: float, cpu: float, label: str = "", items: int = 1) -> None:
        self.wall[stage] += wall
        self.cpu[stage] += cpu
        self.items[stage] += items
        top = self.slowest.setdefault(stage, [])
        top.append((round(wall, 3), label))
        top.sort(reverse=True)
        del top[self.keep:]

    def add_outcome(self, o: ItemOutcome, label: str) -> None:
        whole: dict[str, tuple[float, float]] = {}
        for stage, (wall, cpu) in o.times.items():
            top = stage.split(".", 1)[0]
            w, c = whole.get(top, (0.0, 0.0))
            whole[top] = (w + wall, c + cpu)
            if top != stage:  # a part, counted again in its stage's row
                self.add(stage, wall, cpu, label)
        for stage, (wall, cpu) in whole.items():
            self.add(stage, wall, cpu, label)

    def span(self, phase: str, seconds: float) -> None:
        self.spans[phase] += seconds

    def counters(self) -> dict[str, int]:
        out: dict[str, int] = {f"span_ms:{p}": int(s * 1000) for p, s in self.spans.items()}
        for stage in self.items:
            out[f"stage_wall_ms:{stage}"] = int(self.wall[stage] * 1000)
            out[f"stage_cpu_ms:{stage}"] = int(self.cpu[stage] * 1000)
            out[f"stage_items:{stage}"] = int(self.items[stage])
        return out

    def slowest_rows(self) -> dict[str, list[list[Any]]]:
        return {s: [[w, label] for w, label in rows] for s, rows in self.slowest.items()}


STAGE_ORDER = ["frontend", "testgen", "testgen.inputs", "testgen.reference", "testgen.coverage",
               "testgen.mutation", "lowering", "validate", "validate.compile", "validate.run",
               "translate+validate", "store"]


def stage_order(stage: str) -> tuple[int, str]:
    """Sort key: pipeline order, a dotted part right after its stage, unknown ones last."""
    top = stage.split(".", 1)[0]
    return (STAGE_ORDER.index(stage) if stage in STAGE_ORDER
            else STAGE_ORDER.index(top) if top in STAGE_ORDER else len(STAGE_ORDER), stage)


def stage_times(stats: dict[str, int]) -> list[tuple[str, int, float, float]]:
    """(stage, items, wall s, CPU s) from summed shard stats, in pipeline order. Worker
    seconds: items running in parallel workers each count their own time. A dotted stage
    is a part of the stage before the dot (whose row includes it)."""
    stages = [k.split(":", 1)[1] for k in stats if k.startswith("stage_items:")]
    stages.sort(key=stage_order)
    return [(s, stats[f"stage_items:{s}"], stats.get(f"stage_wall_ms:{s}", 0) / 1000,
             stats.get(f"stage_cpu_ms:{s}", 0) / 1000) for s in stages]


def stage_spans(stats: dict[str, int]) -> list[tuple[str, float]]:
    """(phase, elapsed s) from summed shard stats (`span_ms:`), in pipeline order: the
    shard's own clock, so the phases of one shard add up to its wall time."""
    phases = sorted((k.split(":", 1)[1] for k in stats if k.startswith("span_ms:")), key=stage_order)
    return [(p, stats[f"span_ms:{p}"] / 1000) for p in phases]
