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

__all__ = ["FunnelRow", "StrategyRow", "TranslationSpeed", "Funnel", "compute_funnel",
           "reason_counts"]


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
class StrategyRow:
    """Yield of one LLM strategy for one language. pass@1 counts functions with a passing
    candidate from the first round (with -n k samples per prompt that is pass@k);
    after repair counts functions with a passing candidate from any round."""
    strategy: str
    lang: str
    tested: int  # functions that reached translation
    candidates: int  # candidates validated, every round
    passed: int  # passing samples, every round
    fn_pass1: int
    fn_pass: int

    @property
    def pass_at_1(self) -> float:
        return self.fn_pass1 / self.tested if self.tested else 0.0

    @property
    def pass_after_repair(self) -> float:
        return self.fn_pass / self.tested if self.tested else 0.0


@dataclass(frozen=True, slots=True)
class TranslationSpeed:
    """The translation stage's throughput, from wall time spent inside the backend."""
    seconds: float
    tokens_in: int
    tokens_out: int
    requests: int
    candidates: int

    @property
    def tokens_per_s(self) -> float:
        return (self.tokens_in + self.tokens_out) / self.seconds if self.seconds else 0.0

    @property
    def output_tokens_per_s(self) -> float:
        return self.tokens_out / self.seconds if self.seconds else 0.0

    @property
    def candidates_per_s(self) -> float:
        return self.candidates / self.seconds if self.seconds else 0.0


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

    def strategies(self) -> list[StrategyRow]:
        """One row per (strategy, language) an LLM translator produced candidates for."""
        keys = sorted({k.split(":", 1)[1] for k in self.stats if k.startswith("candidates:")})
        tested = self.stats.get("tested", 0)
        rows = []
        for key in keys:
            strategy, lang = key.rsplit(":", 1)
            g = self.stats.get
            rows.append(StrategyRow(strategy, lang, tested, g(f"candidates:{key}", 0),
                                    g(f"passed:{key}", 0), g(f"fn_pass1:{key}", 0),
                                    g(f"fn_pass:{key}", 0)))
        return rows

    def translation_speed(self) -> TranslationSpeed | None:
        """None when no model was asked (the lowering translator)."""
        if not self.stats.get("llm_calls"):
            return None
        candidates = sum(v for k, v in self.stats.items() if k.startswith("candidates:"))
        return TranslationSpeed(self.stats.get("llm_ms", 0) / 1000,
                                self.stats.get("llm_tokens_in", 0),
                                self.stats.get("llm_tokens_out", 0),
                                self.stats.get("llm_requests", 0), candidates)

    def to_markdown(self) -> str:
        lines = ["| stage | lang | in | out | rejected | top reasons |",
                 "|---|---|---:|---:|---:|---|"]
        for r in self.rows:
            reasons = ", ".join(f"{k} ({n})" for k, n in r.reasons) or "-"
            lines.append(f"| {r.stage} | {r.lang or '-'} | {r.entered} | {r.left} | "
                         f"{r.rejected} | {reasons} |")
        if strategies := self.strategies():
            lines += ["", "| strategy | lang | functions | candidates | passed | pass@1 | "
                      "after repair |", "|---|---|---:|---:|---:|---:|---:|"]
            lines += [f"| {r.strategy} | {r.lang} | {r.tested} | {r.candidates} | {r.passed} | "
                      f"{r.pass_at_1:.1%} | {r.pass_after_repair:.1%} |" for r in strategies]
        if (speed := self.translation_speed()) is not None:
            lines += ["", f"translation: {speed.requests} requests, {speed.tokens_in} tokens in, "
                      f"{speed.tokens_out} out in {speed.seconds:.1f} s: "
                      f"{speed.tokens_per_s:.1f} tokens/s, "
                      f"{speed.candidates_per_s:.2f} candidates/s"]
        return "\n".join(lines)


def reason_counts(out: Path) -> pl.DataFrame:
    """Rejections per stage, language and reason, most frequent first; `program` is True
    for rejections of a whole program (no function named), whatever stage refused it."""
    return (scan_rejects(out)
            .with_columns(program=pl.col("function") == "")
            .group_by("stage", "lang", "reason", "program")
            .agg(pl.len().alias("count"))
            .sort(["stage", "lang", "count", "reason"], descending=[False, False, True, False])
            .collect())


def _top(reasons: pl.DataFrame, stage: str, lang: str, k: int = 5,
         program: bool | None = None) -> tuple[tuple[str, int], ...]:
    keep = (pl.col("stage") == stage) & (pl.col("lang") == lang)
    if program is not None:
        keep &= pl.col("program") == program
    sub = reasons.filter(keep).head(k)
    return tuple(zip(sub["reason"].to_list(), sub["count"].to_list()))


def _program_reasons(reasons: pl.DataFrame, k: int = 5) -> tuple[tuple[str, int], ...]:
    """Why whole programs were refused: by the source (sample) or the front end
    (no_functions, a syntax error): the sample row counts both."""
    sub = (reasons.filter(pl.col("program") & (pl.col("lang") == ""))
           .group_by("reason").agg(pl.col("count").sum())
           .sort(["count", "reason"], descending=[True, False]).head(k))
    return tuple(zip(sub["reason"].to_list(), sub["count"].to_list()))


def compute_funnel(out: Path, langs: list[str]) -> Funnel:
    s = read_stats(out)
    reasons = reason_counts(out)
    programs = s.get("programs", 0)
    rows = [
        FunnelRow("sample", "", programs, programs - s.get("programs_rejected", 0),
                  _program_reasons(reasons)),
        FunnelRow("frontend", "", s.get("functions", 0), s.get("frontend_accepted", 0),
                  _top(reasons, "frontend", "", program=False)),
        FunnelRow("testgen", "", s.get("frontend_accepted", 0), s.get("tested", 0),
                  _top(reasons, "testgen", "")),
    ]
    if s.get("rewrite_in"):
        # via-ir: Python rewrites checked by the front end and the reference
        rows.append(FunnelRow("rewrite", "", s["rewrite_in"], s.get("rewrite_ok", 0),
                              _top(reasons, "translate", "")))
    for lang in langs:
        translated = s.get(f"translated:{lang}", 0)
        # LLM translators count every completion they turned (or failed to turn) into a
        # candidate; the lowering translator one attempt per tested function.
        entered = s.get(f"translate_in:{lang}", s.get("tested", 0))
        rows.append(FunnelRow("translate", lang, entered, translated,
                              _top(reasons, "translate", lang)))
        rows.append(FunnelRow("validate", lang, translated, s.get(f"passed:{lang}", 0),
                              _top(reasons, "validate", lang)))
    by_lang = (scan_samples(out).group_by("lang").agg(pl.len().alias("n")).collect())
    return Funnel(tuple(rows), s, dict(zip(by_lang["lang"].to_list(), by_lang["n"].to_list())))
