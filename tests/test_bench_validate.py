"""bench/validate.py end to end on a few Fortran candidates: every mode runs, the rounds are
interleaved and kept, and the verdicts of single and batched validation are compared.
No timing is asserted (speed lives in the bench's own output)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from tolk.toolchains.fortran import FORTRAN

BENCH = Path(__file__).resolve().parents[1] / "bench" / "validate.py"
pytestmark = pytest.mark.skipif(FORTRAN.availability() is not None,
                                reason=f"gfortran unavailable: {FORTRAN.availability()}")


def _bench(monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("bench_validate", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_validate", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    return module


def test_bench_reports_every_mode_and_round(tmp_path: Path, capsys,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "bench.json"
    _bench(monkeypatch).main(["--langs", "fortran", "--limit", "3", "--repeat", "2",
                              "--n-inputs", "8", "--json", str(out)])
    got = json.loads(out.read_text())["fortran"]
    assert got["candidates"] == 3 and got["batching"] == "BatchCompiled"
    assert set(got["modes"]) == {"floor", "single", "batched"}
    for mode in got["modes"].values():
        assert len(mode["rounds"]) == 2 and mode["seconds"] > 0
    ratios = got["ratios"]
    assert ratios["single_over_batched_min"] <= ratios["single_over_batched"] \
        <= ratios["single_over_batched_max"]
    # Two rounds: the paired median is the mean of the two rounds' ratios.
    assert ratios["single_over_batched_paired_median"] == pytest.approx(
        (ratios["single_over_batched_min"] + ratios["single_over_batched_max"]) / 2)
    assert got["verdicts_single"] == got["verdicts_batched"] == {"passed": 3}
    assert got["disagreements"] == []
    assert set(got["warmup_ms"]) == {"floor", "single", "batched"}
    printed = capsys.readouterr().out
    assert "fortran  ratios: batched is" in printed and "(rounds " in printed
