"""Resume after SIGKILL: `tolk run` killed at random points and restarted ends with exactly
the rows of an uninterrupted run (no lost rows, no duplicates, completed shards not redone)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import SEED
from tolk.corpus.store import scan_rejects, scan_samples
from tolk.flows.cli_status import summarize
from tolk.flows.runlog import read_events

# Columns that name the run or the moment, not the content.
VOLATILE = ["run_id", "created_at", "latency_s"]
FILES = ["numeric.py", "searching.py", "outside_subset.py"]


def _source(root: Path) -> Path:
    src = root / "src"
    src.mkdir()
    for name in FILES:
        shutil.copy(SEED / name, src / name)
    (src / "broken.py").write_text("def f(a: int) -> int\n    return a\n")
    return src


def _env(home: Path) -> dict[str, str]:
    from prefect.settings import get_current_settings
    env = dict(os.environ)
    env["PREFECT_HOME"] = str(home)  # never the user's
    env["PREFECT_API_URL"] = str(get_current_settings().api.url)  # the session's test server
    return env


def _start(src: Path, out: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tolk.flows.cli", "run", "--source", str(src), "--out",
           str(out), "--shard-size", "1", "--n-inputs", "20", "--no-progress"]
    with log.open("ab") as fh:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                start_new_session=True)  # its own group: kill it whole


def _complete(out: Path) -> int:
    return len(list((out / "stats").glob("[!.]*.json"))) if (out / "stats").exists() else 0


def _table(frame: pl.LazyFrame) -> pl.DataFrame:
    df = frame.collect()
    df = df.drop([c for c in VOLATILE if c in df.columns])
    return df.sort(df.columns)


def _diff(got: pl.DataFrame, want: pl.DataFrame) -> str:
    """The rows only one side has (code columns left out), for a readable failure."""
    cols = [c for c in want.columns if c not in ("target_code", "python_source")]
    only = [(name, a.join(b, on=want.columns, how="anti", nulls_equal=True).select(cols))
            for name, a, b in (("resumed only", got, want), ("uninterrupted only", want, got))]
    return "; ".join(f"{name}: {df.to_dicts()[:3]}" for name, df in only)


def _wait_for(pred, proc: subprocess.Popen, limit_s: float = 300) -> None:
    end = time.monotonic() + limit_s
    while not pred():
        assert proc.poll() is None, "the run ended before the kill point"
        assert time.monotonic() < end, "the run made no progress"
        time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_at_random_points_then_resume_gives_the_same_dataset(
        tmp_path: Path, prefect_harness) -> None:
    src = _source(tmp_path)
    env = _env(tmp_path / "prefect-home")
    n_shards = len(FILES) + 1

    base = tmp_path / "base"
    proc = _start(src, base, env, tmp_path / "base.log")
    assert proc.wait(timeout=600) == 0, (tmp_path / "base.log").read_text()[-3000:]
    expected_samples, expected_rejects = _table(scan_samples(base)), _table(scan_rejects(base))
    assert expected_samples.height >= 15 and expected_rejects.height > 5
    assert _complete(base) == n_shards
    assert summarize(base).state == "completed"

    kill_points = []
    for k, seed in enumerate((11, 12, 13)):
        rng = random.Random(seed)
        out = tmp_path / f"killed-{seed}"
        log = tmp_path / f"killed-{seed}.log"
        proc = _start(src, out, env, log)
        target = k % (n_shards - 1)  # 0, 1, 2 shards complete before the kill...
        _wait_for(lambda: (out / "plan.json").exists() and _complete(out) >= target, proc)
        time.sleep(rng.uniform(0.0, 2.0))  # ...then a random moment after that
        assert proc.poll() is None, f"seed {seed}: the run finished before the kill"
        os.killpg(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        done_at_kill = _complete(out)
        assert done_at_kill < n_shards
        kill_points.append(done_at_kill)
        assert summarize(out).state == "killed"
        first_run = json.loads((out / "run.json").read_text())["run_id"]

        proc = _start(src, out, env, log)
        assert proc.wait(timeout=600) == 0, log.read_text()[-3000:]
        second_run = json.loads((out / "run.json").read_text())["run_id"]
        assert second_run != first_run

        samples, rejects = _table(scan_samples(out)), _table(scan_rejects(out))
        assert samples["id"].n_unique() == samples.height, f"seed {seed}: duplicate samples"
        assert samples.equals(expected_samples), \
            f"seed {seed}: samples differ: {_diff(samples, expected_samples)}"
        assert rejects.equals(expected_rejects), \
            f"seed {seed}: rejects differ: {_diff(rejects, expected_rejects)}"
        # Completed shards were skipped, not recomputed; only the rest ran again.
        started = {e["shard"] for e in read_events(out)
                   if e["event"] == "shard_started" and e["run_id"] == second_run}
        assert len(started) == n_shards - done_at_kill
        assert summarize(out).state == "completed"
        assert (out / "report.html").exists()
    assert len(set(kill_points)) > 1, f"every kill hit the same point: {kill_points}"
