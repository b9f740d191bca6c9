"""The funnel: how many items entered and left each stage, and why they left, per language.

Key contracts: computed only from what the store holds (stats counters and the rejects
table), so any output directory can be reported on, mid-run or after a crash. Reasons are
aggregated with polars expressions, never row loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from tolk.corpus.store import read_stats, scan_rejects, scan_samples

__all__ = ["FunnelRow", "Funnel", "compute_funnel", "reason_counts"]


@dataclass(frozen=True, slots=True)
class FunnelRow:
    stage: str
    lang: str
    entered: int
    left: int
    reasons: tuple[tuple[str, int], ...]  # top rejection reasons, most frequent first

    @property
    def rejected(self) -> int:
        return self.entered - self.left


@dataclass(frozen=True, slots=True)
class Funnel:
    rows: tuple[FunnelRow, ...]
    stats: dict[str, int]
    samples_by_lang: dict[str, int]

    def yield_over_body_ir(self, lang: str) -> float:
        """Passed samples per function with body IR (the lowering translator's denominator)."""
        denom = self.stats.get("with_body_ir", 0)
        return self.stats.get(f"passed:{lang}", 0) / denom if denom else 0.0

    def verdicts(self, lang: str) -> dict[str, int]:
        prefix = f"validated:{lang}:"
        return {k[len(prefix):]: v for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    def ran_on(self, lang: str) -> dict[str, int]:
        """Validated candidates by where they were judged (bwrap, podman, gpu, compile-only...)."""
        prefix = f"ran_on:{lang}:"
        return {k[len(prefix):]: v for k, v in sorted(self.stats.items()) if k.startswith(prefix)}

    def to_markdown(self) -> str:
        lines = ["| stage | lang | in | out | rejected | top reasons |",
                 "|---|---|---:|---:|---:|---|"]
        for r in self.rows:
            reasons = ", ".join(f"{k} ({n})" for k, n in r.reasons) or "-"
            lines.append(f"| {r.stage} | {r.lang or '-'} | {r.entered} | {r.left} | "
                         f"{r.rejected} | {reasons} |")
        return "\n".join(lines)


def reason_counts(out: Path) -> pl.DataFrame:
    """Rejections per stage, language and reason, most frequent first."""
    return (scan_rejects(out)
            .group_by("stage", "lang", "reason")
            .agg(pl.len().alias("count"))
            .sort(["stage", "lang", "count", "reason"], descending=[False, False, True, False])
            .collect())


def _top(reasons: pl.DataFrame, stage: str, lang: str, k: int = 5) -> tuple[tuple[str, int], ...]:
    sub = reasons.filter((pl.col("stage") == stage) & (pl.col("lang") == lang)).head(k)
    return tuple(zip(sub["reason"].to_list(), sub["count"].to_list()))


def compute_funnel(out: Path, langs: list[str]) -> Funnel:
    s = read_stats(out)
    reasons = reason_counts(out)
    programs = s.get("programs", 0)
    rows = [
        FunnelRow("sample", "", programs, programs - s.get("programs_rejected", 0),
                  _top(reasons, "sample", "")),
        FunnelRow("frontend", "", s.get("functions", 0), s.get("frontend_accepted", 0),
                  _top(reasons, "frontend", "")),
        FunnelRow("testgen", "", s.get("frontend_accepted", 0), s.get("tested", 0),
                  _top(reasons, "testgen", "")),
    ]
    for lang in langs:
        translated = s.get(f"translated:{lang}", 0)
        rows.append(FunnelRow("translate", lang, s.get("tested", 0), translated,
                              _top(reasons, "translate", lang)))
        rows.append(FunnelRow("validate", lang, translated, s.get(f"passed:{lang}", 0),
                              _top(reasons, "validate", lang)))
    by_lang = (scan_samples(out).group_by("lang").agg(pl.len().alias("n")).collect())
    return Funnel(tuple(rows), s, dict(zip(by_lang["lang"].to_list(), by_lang["n"].to_list())))
