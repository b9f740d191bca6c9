"""The repair view: a failing candidate with its feedback -> the passing candidate.

Two origins (`origin` column):
  repair_loop  sample rows with `repair_round > 0` that carry `repair_from_code` and
               `repair_feedback` (the candidate the round started from and what the
               validator said); absent columns mean no such pairs.
  mutant       validated mutants (`mutant_pairs`): the sample's Python is mutated
               (`validators.mutate` via the self-test's `pick_mutants`), each mutant that
               stays in the lowering subset is lowered to the sample's language, and
               validated against the ORIGINAL function's test suite (re-derived from
               `python_source` with `build_test_suite(n_inputs, seed)`); a mutant is kept
               when its verdict is a genuine failure (compile/runtime error, wrong answer,
               timeout, static rejection), with `verdict_feedback` as the feedback. Only
               samples whose target code is the lowering of their function qualify (the
               fixed side must be the broken side's unmutated twin).

REPAIR_SCHEMA columns come first, then the sample's provenance columns (every
SAMPLE_SCHEMA column but `id` and `lang`). `prompt`/`response`/`content` follow
`RepairConfig`'s templates (fields: `{language}`, `{lang}`, `{function}`,
`{python_source}`, `{broken_code}`, `{feedback}`, `{fixed_code}`; `content` also
`{prompt}`, `{response}`).

Key contracts: `repair_view` is lazy and pure; `mutant_pairs` runs the reference and the
validators (sandboxed, slow) and never raises for what a mutant does; it is deterministic
for a seed. Unverified verdicts (runtime absent here) never make a pair.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from tolk.corpus.views import template_expr
from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.registry import get_toolchain
from tolk.validators.selftest import pick_mutants, validate_items
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["REPAIR_SCHEMA", "RepairConfig", "MutantReport", "verdict_feedback", "mutant_pairs",
           "repair_view", "FAILING"]

REPAIR_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,  # "<sample id>/repair/<origin>/<n>"
    "sample_id": pl.String,
    "lang": pl.String,
    "origin": pl.String,  # "repair_loop" | "mutant"
    "broken_code": pl.String,
    "feedback": pl.String,  # compiler output or the first failing vector
    "fixed_code": pl.String,  # the validated sample
    "mutation": pl.String,  # mutant description ("line 5: '<' -> '<='"); "" for repair_loop
    "prompt": pl.String, "response": pl.String, "content": pl.String,
}
_PAIR = ("id", "sample_id", "lang", "origin", "broken_code", "feedback", "fixed_code", "mutation")

FAILING = frozenset({VerdictStatus.COMPILE_ERROR, VerdictStatus.RUNTIME_ERROR,
                     VerdictStatus.WRONG_ANSWER, VerdictStatus.TIMEOUT,
                     VerdictStatus.REJECTED_STATIC})


class RepairConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    prompt_template: str = ("This {language} translation of the Python function below fails "
                            "its tests.\n\n```python\n{python_source}\n```\n\n```{lang}\n"
                            "{broken_code}\n```\n\nFeedback:\n{feedback}\n\nFix it.")
    response_template: str = "```{lang}\n{fixed_code}\n```"
    content_template: str = "{prompt}\n\n{response}"
    mutants_per_sample: int = Field(2, ge=0, description="broken variants kept per sample")
    max_samples_per_lang: int | None = Field(
        200, ge=1, description="samples mutated per language, first in row order (None: all)")
    max_tries: int = Field(6, ge=1, description="mutants validated per sample")
    n_inputs: int = Field(60, ge=1, description="the run's test-suite size")
    seed: int = Field(0, description="the run's test-suite and mutant seed")
    feedback_chars: int = Field(1500, ge=100)


def verdict_feedback(v: Verdict, limit: int = 1500) -> str:
    """What a validator tells a repairer: status, reason, first failing vector, output."""
    lines = [f"verdict: {v.summary()}"]
    if v.first_failure is not None:
        f = v.first_failure
        lines.append(f"first failing input: {f.args}\nexpected: {f.expected}\ngot: {f.got}")
    if v.compiler_output.strip():
        lines.append("compiler output:\n" + v.compiler_output.strip())
    if v.runtime_output.strip():
        lines.append("runtime output:\n" + v.runtime_output.strip())
    return "\n".join(lines)[:limit]


@dataclass
class MutantReport:
    """Why samples did or did not yield pairs (counts by outcome)."""

    counts: Counter[str] = field(default_factory=Counter)


def _function(row: dict[str, Any]) -> Function | None:
    for r in analyze_source(row["python_source"] or "", uri=row.get("source_uri") or "<sample>",
                            source_id=row.get("source_id") or ""):
        if isinstance(r, Function) and r.name == row["function"] and r.body is not None:
            return r
    return None


def _lower(lang: Lang, fn: Function) -> str | None:
    try:
        return get_toolchain(lang).lower(fn)
    except UnsupportedProgram:
        return None


def mutant_pairs(rows: pl.DataFrame, cfg: RepairConfig = RepairConfig(),
                 limits: ValidationLimits = ValidationLimits(),
                 report: MutantReport | None = None) -> pl.DataFrame:
    """Pairs (columns `_PAIR`) from validated mutants of `rows` (kept samples)."""
    report = report if report is not None else MutantReport()
    out: list[dict[str, str]] = []
    if cfg.max_samples_per_lang is not None:  # each one costs a test suite and validations
        rows = rows.filter(pl.int_range(pl.len()).over("lang") < cfg.max_samples_per_lang)
    for row in rows.iter_rows(named=True):
        try:
            lang = Lang(row["lang"])
        except ValueError:
            report.counts["unknown_lang"] += 1
            continue
        fn = _function(row)
        if fn is None:
            report.counts["no_body_ir"] += 1
            continue
        if _lower(lang, fn) != row["target_code"]:
            report.counts["not_lowered"] += 1
            continue
        suite = build_test_suite(fn, n_inputs=cfg.n_inputs, seed=cfg.seed)
        if isinstance(suite, Rejected):
            report.counts["no_suite"] += 1
            continue
        picked, _ = pick_mutants(fn, cfg.max_tries, cfg.seed)
        tries = [(m, code) for m, mfn in picked
                 if (code := _lower(lang, mfn)) is not None and code != row["target_code"]]
        if not tries:
            report.counts["no_mutant"] += 1
            continue
        toolchain = get_toolchain(lang)
        items = [(code, fn.signature, suite) for _, code in tries]
        verdicts = validate_items(items, toolchain, limits)
        kept = 0
        for (m, code), v in zip(tries, verdicts):
            report.counts[f"verdict:{v.status}"] += 1
            if v.status not in FAILING or kept >= cfg.mutants_per_sample:
                continue
            out.append({"id": f"{row['id']}/repair/mutant/{kept}", "sample_id": row["id"],
                        "lang": row["lang"], "origin": "mutant", "broken_code": code,
                        "feedback": verdict_feedback(v, cfg.feedback_chars),
                        "fixed_code": row["target_code"], "mutation": f"{m.kind}: {m.description}"})
            kept += 1
        report.counts["with_pairs" if kept else "no_failing_mutant"] += 1
    return pl.DataFrame(out, schema={c: pl.String for c in _PAIR})


def _loop_pairs(kept: pl.LazyFrame) -> pl.LazyFrame:
    schema = kept.collect_schema()
    if not {"repair_from_code", "repair_feedback"} <= set(schema):
        return pl.LazyFrame(schema={c: pl.String for c in _PAIR})
    return (kept.filter((pl.col("repair_round") > 0) & pl.col("repair_from_code").is_not_null()
                        & (pl.col("repair_from_code") != ""))
            .select((pl.col("id") + "/repair/repair_loop/0").alias("id"),
                    pl.col("id").alias("sample_id"),
                    "lang", pl.lit("repair_loop").alias("origin"),
                    pl.col("repair_from_code").alias("broken_code"),
                    pl.col("repair_feedback").fill_null("").alias("feedback"),
                    pl.col("target_code").alias("fixed_code"), pl.lit("").alias("mutation")))


def repair_view(kept: pl.LazyFrame, cfg: RepairConfig = RepairConfig(),
                mutants: pl.DataFrame | None = None) -> pl.LazyFrame:
    """Repair pairs from the repair loop and (when given, from `mutant_pairs`) mutants:
    REPAIR_SCHEMA columns, then the sample's provenance columns."""
    provenance = [c for c in kept.collect_schema() if c not in ("id", "lang")]
    pairs = [_loop_pairs(kept)]
    if mutants is not None:
        pairs.append(mutants.lazy().select(*_PAIR))
    fields = {"broken_code": pl.col("broken_code"), "feedback": pl.col("feedback"),
              "fixed_code": pl.col("fixed_code")}
    prompt = template_expr(cfg.prompt_template, fields)
    response = template_expr(cfg.response_template, fields)
    content = template_expr(cfg.content_template,
                            {**fields, "prompt": prompt, "response": response})
    joined = pl.concat(pairs).join(kept.rename({"id": "sample_id", "lang": "_lang"}),
                                   on="sample_id", how="inner", maintain_order="left")
    return joined.select(*_PAIR, prompt.alias("prompt"), response.alias("response"),
                         content.alias("content"), *provenance)
