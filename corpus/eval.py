"""Model evaluation numbers from a run's store: pass@k per language, and why answers fail.

    report = eval_report(out, langs, n=10, ks=(1, 10))   # dict, the JSON result file

`tolk eval` runs the model through the ordinary pipeline (same prompts, extraction,
sandbox and validators) with `n` completions per prompt and no repair rounds; every
candidate then ends as a sample (passed) or a reject (its verdict or extraction reason),
so per problem (function x language) `c` = passed samples and `n` = completions asked.

pass@k is the unbiased estimator of Chen et al. 2021 (HumanEval):
1 - C(n - c, k) / C(n, k), computed as a product to stay exact in floats, averaged over
problems. Rates are over all n * problems candidates: `compile_error` (the compiler
refused it), `wrong_answer` (it ran and disagreed on a vector), `other` (runtime error,
timeout, static refusal, no code in the answer, ...), `unverified` (no runtime here).

Key contracts: a problem is a function that reached translation in that language (its
tests were built); problems the front end or test generation refused are counted apart
(`excluded`), never as failures of the model. k > n is not estimable and is left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import polars as pl

from tolk.corpus.store import scan_rejects, scan_samples

__all__ = ["pass_at_k", "eval_report"]


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for c correct of n samples (k <= n)."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    p = 1.0
    for i in range(n - c + 1, n + 1):
        p *= 1.0 - k / i
    return 1.0 - p


def eval_report(out: Path, langs: Sequence[str], *, n: int, ks: Sequence[int]) -> dict[str, Any]:
    """Per language: problems, pass@k, failure rates (module doc)."""
    samples = scan_samples(out).select("source_uri", "function", "lang").collect()
    rejects = scan_rejects(out).collect()
    attempts = rejects.filter(pl.col("stage").is_in(["translate", "validate"])
                              & (pl.col("lang") != ""))
    excluded = rejects.filter(pl.col("stage").is_in(["frontend", "testgen"])
                              & (pl.col("function") != "")).select("source_uri", "function") \
        .unique().height
    kinds = pl.col("reason").str.split(":").list.first()
    result: dict[str, Any] = {"n": n, "k": [k for k in ks if k <= n],
                              "excluded_problems": excluded, "langs": {}}
    for lang in langs:
        ok = samples.filter(pl.col("lang") == lang)
        bad = attempts.filter(pl.col("lang") == lang).with_columns(kind=kinds)
        problems = pl.concat([ok.select("source_uri", "function"),
                              bad.select("source_uri", "function")]).unique()
        correct = dict(((r["source_uri"], r["function"]), r["len"]) for r in
                       ok.group_by("source_uri", "function").len().iter_rows(named=True))
        per = [correct.get((r["source_uri"], r["function"]), 0)
               for r in problems.iter_rows(named=True)]
        total = n * len(per)
        counts = dict(bad.group_by("kind").len().iter_rows()) if bad.height else {}
        other = sum(v for k, v in counts.items()
                    if k not in ("compile_error", "wrong_answer", "unverified"))
        result["langs"][lang] = {
            "problems": len(per), "candidates": total, "passed": sum(per),
            **{f"pass@{k}": (sum(pass_at_k(n, c, k) for c in per) / len(per)) if per else 0.0
               for k in ks if k <= n},
            **{f"{name}_rate": (v / total) if total else 0.0 for name, v in (
                ("compile_error", counts.get("compile_error", 0)),
                ("wrong_answer", counts.get("wrong_answer", 0)),
                ("unverified", counts.get("unverified", 0)), ("other", other))},
        }
    return result
