"""`tolk status`: shards done/planned, samples per language, and whether the run is alive."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from tests._outdirs import make_out, reject, sample
from tolk.flows.cli_status import add_status_parser, status_command, summarize
from tolk.flows.runlog import mark_run_finished, mark_run_started, write_json_atomic


def _two_of_three(out: Path) -> Path:
    return make_out(out, {
        "00000-a": ([sample(1), sample(2, lang="cobol")], [reject(1, "wrong_answer")],
                    {"programs": 2, "functions": 5, "passed:fortran": 1}),
        "00001-b": ([sample(3)], [], {"programs": 2, "functions": 3, "passed:fortran": 1}),
    }, planned=["00000-a", "00001-b", "00002-c"], planning=True)


def test_empty_directory(tmp_path: Path) -> None:
    s = summarize(tmp_path)
    assert s.state == "empty" and s.shards_done == 0 and s.samples_by_lang == {}


def test_counts_of_a_running_directory(tmp_path: Path) -> None:
    out = _two_of_three(tmp_path / "out")
    mark_run_started(out, "run-1")  # this very process: alive
    (out / "progress").mkdir()
    (out / "progress" / "00002-c.json").write_text(json.dumps({"done": 1, "total": 2}))
    (out / "progress" / "00000-a.json").write_text(json.dumps({"done": 2, "total": 2}))
    s = summarize(out)
    assert s.state == "running" and str(os.getpid()) in s.state_detail
    assert s.run_id == "run-1"
    assert (s.shards_done, s.shards_planned, s.planning_done) == (2, 3, False)
    assert s.programs_done == 4 and s.programs_planned == 6 and s.functions == 8
    assert s.samples_by_lang == {"cobol": 1, "fortran": 2}
    assert s.rejects == 1
    assert s.in_progress == [("00002-c", 1, 2)]  # complete shards are not "in progress"
    assert s.programs_expected is None  # this synthetic plan.json has no estimate
    assert s.last_activity and s.report == ""


def test_a_dead_process_is_reported_as_killed(tmp_path: Path) -> None:
    out = _two_of_three(tmp_path / "out")
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead_pid = int(child.stdout)
    write_json_atomic(out / "run.json", {"run_id": "r", "pid": dead_pid, "state": "running",
                                         "host": socket.gethostname(), "started_at": "t"})
    s = summarize(out)
    assert s.state == "killed" and "resume" in s.state_detail


def test_other_hosts_and_finished_runs(tmp_path: Path) -> None:
    out = _two_of_three(tmp_path / "out")
    write_json_atomic(out / "run.json", {"run_id": "r", "pid": 1, "state": "running",
                                         "host": "elsewhere.example"})
    assert summarize(out).state == "running-elsewhere"
    mark_run_finished(out, "completed")
    s = summarize(out)
    assert s.state == "completed" and s.run_id == "r"


def test_shards_from_other_settings_are_counted_apart(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", {
        "00000-old": ([sample(1)], [], {"programs": 2}),
        "00000-new": ([sample(2)], [], {"programs": 2}),
    }, planned=["00000-new", "00001-new"])
    s = summarize(out)
    assert (s.shards_done, s.shards_other, s.shards_planned, s.planning_done) == (1, 1, 2, True)


def test_status_command_prints_text_and_json(tmp_path: Path, capsys) -> None:
    out = _two_of_three(tmp_path / "out")
    mark_run_started(out, "run-9")
    mark_run_finished(out, "failed", shards_failed=["00002-c"])
    (out / "report.html").write_text("<html></html>")
    parser = argparse.ArgumentParser()
    add_status_parser(parser.add_subparsers(dest="command"))
    assert status_command(parser.parse_args(["status", str(out)])) == 0
    text = capsys.readouterr().out
    assert "state:         failed" in text and "2/3+ (still planning) done" in text
    assert "cobol 1, fortran 2" in text and str(out / "report.html") in text
    assert status_command(parser.parse_args(["status", str(out), "--json"])) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["shards_done"] == 2 and data["samples_by_lang"] == {"cobol": 1, "fortran": 2}
