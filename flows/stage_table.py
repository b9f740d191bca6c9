"""Where the time went: one row per stage, for the CLI funnel, the HTML report, the Prefect
throughput artifact and `tolk status`.

Two clocks, both summed over shards:
- worker seconds (`stage_wall_ms:` / `stage_cpu_ms:` in the shard stats): each item's own
  time in a stage, so two workers running side by side count twice; CPU includes the
  item's subprocesses (sandboxes, compilers). A dotted stage (`testgen.reference`) is a
  part of the stage before the dot and is included in that stage's row. The parts of
  `validate` are sandbox seconds (a batch's compile shared out over its candidates).
- elapsed seconds (`span_ms:` in the stats, plus `store` from timing/<shard>.json): the
  shard's own clock per phase. The phases of a shard run one after another, so their sum
  is the shard's wall time (tests/test_stage_timing.py holds that within 10%).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from tolk.flows.watchdog import stage_order, stage_spans, stage_times

__all__ = ["StageRow", "stage_rows", "format_rows"]


@dataclass(frozen=True)
class StageRow:
    stage: str
    items: int  # items that entered the stage (0 for a phase with no per-item clock)
    wall_s: float  # worker seconds
    cpu_s: float
    elapsed_s: float | None  # the shards' own clock; None for a part of a stage

    @property
    def ms_per_item(self) -> float | None:
        return 1000 * self.wall_s / self.items if self.items else None


def stage_rows(stats: dict[str, int], timings: Iterable[dict[str, Any]] = ()) -> list[StageRow]:
    """Rows in pipeline order from summed shard stats and the shards' timing records."""
    elapsed = dict(stage_spans(stats))
    store = sum(float((t.get("spans") or {}).get("store", 0.0)) for t in timings)
    if store:
        elapsed["store"] = elapsed.get("store", 0.0) + store
    rows = {s: StageRow(s, n, w, c, None if "." in s else elapsed.get(s, 0.0))
            for s, n, w, c in stage_times(stats)}
    for phase, sec in elapsed.items():
        rows.setdefault(phase, StageRow(phase, 0, 0.0, 0.0, sec))
    return sorted(rows.values(), key=lambda r: stage_order(r.stage))


def format_rows(rows: list[StageRow]) -> list[tuple[str, str, str, str, str, str]]:
    """(stage, items, worker wall s, CPU s, ms/item, elapsed s) as text, parts indented."""
    return [("  " + r.stage if "." in r.stage else r.stage, str(r.items) if r.items else "-",
             f"{r.wall_s:.1f}", f"{r.cpu_s:.1f}",
             f"{r.ms_per_item:.0f}" if r.ms_per_item is not None else "-",
             f"{r.elapsed_s:.1f}" if r.elapsed_s is not None else "")
            for r in rows]
