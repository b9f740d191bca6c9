"""The per-item stage watchdog: an item that spins forever in a pure-Python stage becomes
`internal_error:<stage>_timeout`, and every other item keeps its normal verdict."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tolk.flows.config import BuildConfig
from tolk.flows.procs import pid_alive
from tolk.flows.shard import process_shard
from tolk.flows.watchdog import StageClock, StageWorker
from tolk.ir.function import Program

ADD = "def add(a: int, b: int) -> int:\n    return a + b\n"
GCD = ("def gcd(a: int, b: int) -> int:\n    a, b = abs(a), abs(b)\n"
       "    while b:\n        a, b = b, a % b\n    return a\n")
SPIN_FRONT = "def clamp(x: int, lo: int, hi: int) -> int:\n    return max(lo, min(x, hi))\n"
SPIN_PROGRAM = "mem/spin_frontend.py"


def _spin(_ctx: object, item: int, mark) -> int:
    mark("double")
    while item == 3:
        pass
    return item * 2


def _boom(_ctx: object, item: int, mark) -> int:
    mark("boom")
    if item == 1:
        raise ValueError("bad item")
    if item == 2:
        os._exit(9)  # the worker dies under this item
    return item


def test_worker_kills_a_spinning_item_and_goes_on() -> None:
    worker = StageWorker(timeout_s=1.5)
    try:
        got = worker.map(_spin, None, [1, 2, 3, 4, 5])
        first = worker.pid
        assert [o.value for o in got] == [2, 4, None, 8, 10]
        assert got[2].timed_out == "double" and not got[2].ok
        assert all(o.ok for i, o in enumerate(got) if i != 2)
        assert worker.restarts == 1
        # The replacement is reused for the next batch (no new process per call).
        assert [o.value for o in worker.map(_spin, None, [6, 7])] == [12, 14]
        assert worker.pid == first
        clock = StageClock()
        for o in got:
            clock.add_outcome(o, "x")
        assert clock.counters()["stage_items:double"] == 4
    finally:
        worker.close()


def _wait(_ctx: object, item: float, mark) -> float:
    mark("wait")
    time.sleep(item)  # no CPU: a loaded machine looks like this to a wall clock
    return item


def test_the_bound_counts_cpu_time_and_the_wall_clock_is_a_backstop() -> None:
    # 1.5 s of sleep under a 1 s bound is not a timeout (the bound is CPU seconds, so the
    # same item is not stopped on a loaded machine and kept on an idle one); sleeping past
    # the backstop (4 x 1 s) is.
    worker = StageWorker(timeout_s=1.0)
    try:
        got = worker.map(_wait, None, [1.5, 60.0, 0.0])
        assert got[0].ok and got[0].value == 1.5
        assert got[1].timed_out == "wait"
        assert got[2].ok and worker.restarts == 1
    finally:
        worker.close()


def test_worker_reports_errors_and_deaths_per_item() -> None:
    worker = StageWorker(timeout_s=30)
    try:
        got = worker.map(_boom, None, [0, 1, 2, 3])
        assert got[0].value == 0 and got[3].value == 3
        assert got[1].error.startswith("ValueError: bad item")
        assert got[2].crashed == "boom"
        pid = worker.pid
    finally:
        worker.close()
    assert pid is not None and not pid_alive(pid)


@pytest.mark.slow
def test_an_item_spinning_in_the_lowering_or_front_end_is_a_timeout(
        tmp_path: Path, monkeypatch) -> None:
    """Patched before the shard forks its workers, so the workers run the spinning code."""
    programs = [Program("p1", "mem/p1.py", ADD + "\n" + GCD),
                Program("p2", SPIN_PROGRAM, SPIN_FRONT)]
    config = BuildConfig(source=str(tmp_path), out=str(tmp_path / "out"), n_inputs=20,
                         stage_timeout_s=15)

    def verdicts(res) -> dict[tuple[str, str], str]:
        got = {(r["function"], r["lang"]): "passed" for r in res.samples}
        got.update({(r["function"] or r["source_uri"], r["lang"]): r["reason"]
                    for r in res.rejects})
        return got

    normal = verdicts(process_shard(programs, config, run_id="r", shard="s"))
    assert normal[("add", "fortran")] == normal[("gcd", "fortran")] == "passed"
    assert normal[("clamp", "fortran")] == "passed"

    import tolk.flows.stages as stages
    from tolk.translators.lowering import LoweringTranslator
    real_translate = LoweringTranslator.translate
    real_frontend = stages.analyze_screened

    def spinning_translate(self, fn, suite, lang):
        while fn.name == "gcd":  # a lowering that never ends for this one function
            pass
        return real_translate(self, fn, suite, lang)

    def spinning_frontend(program, *args, **kwargs):
        while program.uri == SPIN_PROGRAM:
            pass
        return real_frontend(program, *args, **kwargs)

    monkeypatch.setattr(LoweringTranslator, "translate", spinning_translate)
    monkeypatch.setattr(stages, "analyze_screened", spinning_frontend)
    t0 = time.monotonic()
    res = process_shard(programs, config, run_id="r", shard="s")
    assert time.monotonic() - t0 < 300  # it completed (a bound, not a speed claim)
    got = verdicts(res)
    assert got[("gcd", "fortran")] == "internal_error:lowering_timeout"
    assert got[(SPIN_PROGRAM, "")] == "internal_error:frontend_timeout"
    rest = {k: v for k, v in normal.items() if k[0] not in ("gcd", "clamp")}
    assert rest and {k: got[k] for k in rest} == rest
    # Per-stage time is in the stats, the timeouts included.
    assert res.stats["stage_items:lowering"] >= 2 and res.stats["stage_wall_ms:lowering"] >= 15_000
    assert res.stats["stage_items:frontend"] == 2
    assert any("gcd" in label for _, label in res.slowest["lowering"])


def test_a_worker_does_not_hold_the_parents_sockets_open() -> None:
    """A fork copies every descriptor: a listening socket the parent closes must really
    close (an in-process LLM test server 'dies' that way), or a client would hang."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    worker = StageWorker(timeout_s=30)
    try:
        assert [o.value for o in worker.map(_spin, None, [1])] == [2]  # forked now
        listener.close()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
    finally:
        worker.close()
