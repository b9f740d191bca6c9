"""Per-stage accounting: the shard's phases add up to its wall time (an accounting identity
on a real run, not a speed assertion), and the parts of test generation are recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tolk.flows.build_corpus import run_shard
from tolk.flows.cli_status import format_status, summarize
from tolk.flows.config import BuildConfig
from tolk.flows.report_html import publish_artifacts
from tolk.flows.stage_table import format_rows, stage_rows
from tolk.flows.watchdog import ItemOutcome, StageClock
from tolk.ir.function import Program

ADD = "def add(a: int, b: int) -> int:\n    return a + b\n"
GCD = ("def gcd(a: int, b: int) -> int:\n    a, b = abs(a), abs(b)\n"
       "    while b:\n        a, b = b, a % b\n    return a\n")


def test_a_dotted_part_counts_in_its_stage_and_spans_are_kept() -> None:
    clock = StageClock()
    clock.add_outcome(ItemOutcome(times={"testgen": (0.5, 0.25),
                                         "testgen.reference": (1.5, 0.75)}), "f")
    clock.span("testgen", 2.0)
    c = clock.counters()
    assert c["stage_wall_ms:testgen"] == 2000 and c["stage_cpu_ms:testgen"] == 1000
    assert c["stage_wall_ms:testgen.reference"] == 1500
    assert c["stage_items:testgen"] == c["stage_items:testgen.reference"] == 1
    assert c["span_ms:testgen"] == 2000
    rows = {r.stage: r for r in stage_rows(c, [{"spans": {"store": 0.25}}])}
    assert rows["testgen"].elapsed_s == 2.0 and rows["testgen.reference"].elapsed_s is None
    assert rows["store"].elapsed_s == 0.25 and rows["store"].items == 0
    assert [r[0] for r in format_rows(list(rows.values()))][:2] == ["testgen",
                                                                   "  testgen.reference"]


@pytest.mark.slow
def test_the_stages_add_up_to_the_shards_wall_time(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    programs = [Program("p1", "mem/p1.py", ADD + "\n" + GCD)]
    config = BuildConfig(source=str(tmp_path), out=str(out), n_inputs=20)
    assert run_shard.fn("s0", programs, config, "run")
    timing = json.loads((out / "timing" / "s0.json").read_text())
    wall = timing["end"] - timing["start"]
    spans = timing["spans"]
    assert {"frontend", "testgen", "lowering", "validate", "store"} <= set(spans)
    # Every phase of the shard is on its clock: the rest (setup, bookkeeping) is < 10%.
    assert abs(sum(spans.values()) - wall) <= 0.1 * wall, (spans, wall)
    stats = json.loads((out / "stats" / "s0.json").read_text())
    assert stats["passed:fortran"] == 2
    for part in ("testgen.inputs", "testgen.reference", "testgen.coverage", "testgen.mutation",
                 "validate.compile", "validate.run"):
        assert stats[f"stage_items:{part}"] >= 1, part
    # A part never exceeds its stage (both are the same workers' seconds).
    parts = sum(v for k, v in stats.items() if k.startswith("stage_wall_ms:testgen."))
    assert parts <= stats["stage_wall_ms:testgen"]
    status = summarize(out)
    assert set(status.time_by_stage) >= {"frontend", "testgen", "validate", "store"}
    assert any(line.startswith("time:") for line in format_status(status))
    # The Prefect throughput artifact carries the same rows (the artifact calls captured).
    import prefect.artifacts as artifacts
    tables: dict[str, list[dict]] = {}
    monkeypatch.setattr(artifacts, "create_table_artifact",
                        lambda key, table, **_: tables.setdefault(key, table))
    monkeypatch.setattr(artifacts, "create_markdown_artifact", lambda **_: None)
    publish_artifacts(out, ["fortran"], elapsed_s=wall, run_id="run")
    measures = [row["measure"] for row in tables["tolk-throughput"]]
    assert any(m.startswith("stage testgen.mutation:") for m in measures)
    assert any(m.startswith("stage store:") for m in measures)
