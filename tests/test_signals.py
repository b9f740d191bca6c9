"""SIGTERM to a running `tolk run` (the CLI, in its own process) mid-shard: it exits within
10 s, no process it started survives (its embedded Prefect server, stage workers,
sandboxes), `tolk status` and the report say interrupted, and a re-run gives the same
samples and rejects as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.cli_status import summarize
from tolk.flows.procs import descendants, marked, pid_alive
from tolk.flows.runlog import read_events

# Functions whose cost does not grow with their inputs: a reference input that runs past
# its time limit on a loaded machine is dropped, which would make two runs differ.
FILES = {
    "arith.py": "def add(a: int, b: int) -> int:\n    return a + b\n\n"
                "def clamp(x: int, lo: int, hi: int) -> int:\n"
                "    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n"
                "    return x\n",
    "logic.py": "def sign(x: float) -> int:\n    if x > 0:\n        return 1\n"
                "    if x < 0:\n        return -1\n    return 0\n\n"
                "def both(a: bool, b: bool) -> bool:\n    return a and b\n",
    "mixed.py": "def abs_diff(a: int, b: int) -> int:\n    return abs(a - b)\n\n"
                "def names(d: dict) -> list:\n    return sorted(d)\n\n"
                "def shout(s: str) -> str:\n    return s.upper()\n",
}
VOLATILE = ["run_id", "created_at", "latency_s"]


def _table(frame: pl.LazyFrame) -> pl.DataFrame:
    df = frame.collect()
    df = df.drop([c for c in VOLATILE if c in df.columns])
    return df.sort(df.columns)


def _run(src: Path, out: Path, home: Path, log: Path) -> subprocess.Popen:
    # No PREFECT_API_URL: the run starts (and must stop) its own embedded Prefect server.
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    cmd = [sys.executable, "-m", "tolk.flows.cli", "run", "--source", str(src), "--out",
           str(out), "--shard-size", "1", "--n-inputs", "20", "--no-progress"]
    with log.open("ab") as fh:
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _complete(out: Path) -> set[str]:
    return {p.stem for p in (out / "stats").glob("[!.]*.json")} if (out / "stats").exists() \
        else set()


@pytest.mark.slow
def test_sigterm_mid_shard_stops_everything_and_the_rerun_matches(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in FILES.items():
        (src / name).write_text(text)
    home = tmp_path / "prefect-home"

    base = tmp_path / "base"
    proc = _run(src, base, home, tmp_path / "base.log")
    assert proc.wait(timeout=600) == 0, (tmp_path / "base.log").read_text()[-3000:]
    want_samples, want_rejects = _table(scan_samples(base)), _table(scan_rejects(base))
    assert want_samples.height >= 3 and want_rejects.height >= 1

    out, log = tmp_path / "out", tmp_path / "run.log"
    proc = _run(src, out, home, log)
    end = time.monotonic() + 300
    while True:  # one shard done and the next one started: mid-shard
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < end, "no progress"
        started = {e["shard"] for e in read_events(out) if e["event"] == "shard_started"}
        if _complete(out) and started - _complete(out):
            break
        time.sleep(0.05)
    time.sleep(0.5)
    started_procs = descendants(proc.pid)
    cmds = " ".join(p.cmd for p in started_procs)
    assert "uvicorn" in cmds, cmds  # the embedded Prefect server
    mark = json.loads((out / "run.json").read_text())["mark"]
    assert marked(mark), "the run's processes carry its mark"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 128 + signal.SIGTERM  # a bound, not a measurement
    survivors = [p for p in started_procs if pid_alive(p.pid, p.start)]
    assert survivors == [] and marked(mark) == [] and descendants(proc.pid) == []
    assert len(_complete(out)) < len(FILES), "the run was stopped before its end"

    status = summarize(out)
    assert status.state == "interrupted" and "SIGTERM" in status.state_detail
    assert 'state <b class="state-interrupted">' in (out / "report.html").read_text()
    text = log.read_text()
    # --no-progress: a line per finished shard (one finishing as the signal lands may miss it)
    assert 1 <= text.count(" done in ") <= len(_complete(out))

    proc = _run(src, out, home, log)
    assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]
    samples, rejects = _table(scan_samples(out)), _table(scan_rejects(out))
    assert samples["id"].n_unique() == samples.height
    assert samples.equals(want_samples) and rejects.equals(want_rejects)
    assert summarize(out).state == "completed"
