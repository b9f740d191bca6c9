"""What a run shows while and after it runs: a line per finished shard with --no-progress,
tables that are not cut without a terminal, the time per stage, an interrupted or killed
run's state and what a killed run left behind."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress

from tests._outdirs import make_out, reject, sample
from tolk.flows.cli_run import _watch, finished_shards
from tolk.flows.cli_status import format_status, summarize
from tolk.flows.procs import RUN_MARK, pid_alive
from tolk.flows.runlog import mark_run_finished, mark_run_started, write_json_atomic, write_timing
from tolk.flows.shutdown import left_behind, stop_left_behind

LONG = "body:unsupported_call:a_really_long_helper_name_that_pushes_the_row_wide"


def _out(tmp_path: Path) -> Path:
    return make_out(tmp_path / "out", {
        "00000-a": ([sample(1)], [reject(i, LONG) for i in range(3)] + [reject(9, "x:y")],
                    {"programs": 2, "functions": 5, "frontend_accepted": 5, "with_body_ir": 5,
                     "tested": 5, "translated:fortran": 5, "passed:fortran": 1,
                     "stage_items:testgen": 5, "stage_wall_ms:testgen": 2500,
                     "stage_cpu_ms:testgen": 1200, "stage_items:lowering": 5,
                     "stage_wall_ms:lowering": 50, "stage_cpu_ms:lowering": 40})})


def test_report_without_a_terminal_is_not_cut_at_80_columns(tmp_path: Path) -> None:
    out = _out(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    got = subprocess.run([sys.executable, "-m", "tolk.flows.cli", "report", str(out),
                          "--to", "fortran"], capture_output=True, text=True, env=env,
                         check=True).stdout
    row = next(line for line in got.splitlines() if "validate" in line and "fortran" in line)
    assert f"{LONG} (3)" in row  # the whole reason on the row, not folded or cut
    assert max(len(line) for line in got.splitlines()) > 80
    stage_rows = {line.split()[1]: line.split()[2:] for line in got.splitlines()
                  if line.startswith("│ ") and line.split()[1] in ("testgen", "lowering")}
    assert stage_rows["testgen"][1::2][:4] == ["5", "2.5", "1.2", "500"]


def test_no_progress_prints_one_line_per_shard_finished_by_this_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_timing(out, "00000-old", start=0.0, end=1.0, programs=9, samples=9, rejects=0,
                 passed={"fortran": 9})  # finished by an earlier run: not reported again
    console = Console(file=(buf := __import__("io").StringIO()), width=300)
    stop = threading.Event()
    with Progress(console=console, disable=True) as progress:
        t = threading.Thread(target=_watch, args=(out, progress, stop, True, console,
                                                   finished_shards(out)))
        t.start()
        write_timing(out, "00001-a", start=10.0, end=12.5, programs=2, functions=5,
                     samples=3, rejects=4, passed={"fortran": 3})
        time.sleep(1.0)
        write_timing(out, "00002-b", start=13.0, end=14.0, programs=1, functions=2,
                     samples=1, rejects=1, passed={"fortran": 1, "cobol": 0})
        stop.set()  # the last shard's line still comes
        t.join(10)
    lines = buf.getvalue().splitlines()
    assert lines == [
        "shard 00001-a done in 2.5 s; so far: 2 programs, 5 functions, samples fortran 3, "
        "rejects 4",
        "shard 00002-b done in 1.0 s; so far: 3 programs, 7 functions, samples cobol 0 "
        "fortran 4, rejects 5"]


def test_finished_and_interrupted_runs_in_status(tmp_path: Path) -> None:
    out = _out(tmp_path)
    mark_run_started(out, "r1")
    mark_run_finished(out, "interrupted", signal="SIGTERM")
    s = summarize(out)
    assert s.state == "interrupted" and "SIGTERM" in s.state_detail
    assert "resume" in s.state_detail and s.left_behind == []


def test_what_a_killed_run_left_behind_is_listed_then_stopped(tmp_path: Path) -> None:
    out = _out(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    token = f"test-{os.getpid()}-{time.monotonic_ns()}"
    # What a run started and that outlived its SIGKILL: it carries the run's mark.
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                              env={**os.environ, RUN_MARK: token}, start_new_session=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                                 env={**os.environ, RUN_MARK: "another-run"})
    try:
        write_json_atomic(out / "run.json", {
            "run_id": "r", "pid": int(dead.stdout), "state": "running", "mark": token,
            "host": socket.gethostname(), "started_at": "t"})
        s = summarize(out)
        assert s.state == "killed"
        assert [p.split()[0] for p in s.left_behind] == [str(orphan.pid)]
        assert any(line.startswith("left behind:") for line in format_status(s))
        assert [p.pid for p in stop_left_behind(out)] == [orphan.pid]
        assert not pid_alive(orphan.pid)  # killed (and reaped by kill_all: it is our child)
        assert left_behind(out) == [] and pid_alive(bystander.pid)
    finally:
        for p in (orphan, bystander):
            p.kill()
            p.wait()
