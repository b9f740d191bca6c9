"""The parquet store: sample shards, reject shards and per-shard stats, append-only.

Layout of an output directory:

    samples/<shard>.parquet   one row per passed candidate (SAMPLE_SCHEMA)
    rejects/<shard>.parquet   one row per rejected item with stage and reason (REJECT_SCHEMA)
    unverified/<shard>.parquet  candidates no runtime here could run (no GPU, no julia), as
                              sample rows (SAMPLE_SCHEMA, `ran_on` compile-only/static-only)
                              for `tolk verify --write` to finish elsewhere; each also has
                              its reject row, so the funnel is unchanged
    stats/<shard>.json        mergeable counters; written last, it marks the shard complete

Key contracts: each shard has one writer and is written to a temporary name and renamed,
so a crash loses at most the shard in flight; a re-run skips shards whose stats file
exists and so never duplicates a row.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

import polars as pl

__all__ = ["SAMPLE_SCHEMA", "REJECT_SCHEMA", "write_shard", "shard_complete", "scan_samples",
           "scan_rejects", "scan_unverified", "read_stats"]

SAMPLE_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String, "source_id": pl.String, "source_uri": pl.String,
    "source_license": pl.String, "function": pl.String, "python_source": pl.String,
    "ir_signature": pl.String, "lang": pl.String, "target_code": pl.String,
    "translator": pl.String, "strategy": pl.String, "model": pl.String,
    "model_revision": pl.String, "sampling_params": pl.String, "prompt_hash": pl.String,
    "repair_round": pl.Int32, "vectors_passed": pl.Int32, "vectors_total": pl.Int32,
    "toolchain": pl.String, "toolchain_version": pl.String, "ran_on": pl.String,
    "run_id": pl.String, "shard": pl.String, "created_at": pl.Datetime("us", "UTC"),
    # LLM provenance (0 / "" for the lowering translator): tokens and latency of the
    # completion, the prompt templates' version, and for repaired samples the failing
    # previous candidate and the feedback it got (empty for round 0): the repair view.
    "tokens_in": pl.Int64, "tokens_out": pl.Int64, "latency_s": pl.Float64,
    "prompt_version": pl.String, "repair_from_code": pl.String, "repair_feedback": pl.String,
    # The suite's mutation score (killed / distinguishable mutants of the reference) and
    # the number of distinguishable mutants; null when the suite was built without it.
    "mutation_score": pl.Float64, "mutants_distinguishable": pl.Int32,
    # The row's own tests (corpus/row_tests.py): the suite as JSON (TestSuite.to_json:
    # vectors with args, expected and shown, tolerances, scores), the target contract the
    # candidate implements, and the compile (or run) command with its flags.
    "tests": pl.String, "contract": pl.String, "toolchain_command": pl.String,
}

REJECT_SCHEMA: dict[str, pl.DataType] = {
    "stage": pl.String, "reason": pl.String, "family": pl.String, "source_id": pl.String,
    "source_uri": pl.String, "function": pl.String, "lang": pl.String, "detail": pl.String,
    "run_id": pl.String, "shard": pl.String,
    # Validation rejects only (empty otherwise): the candidate and where it was judged, so
    # `unverified` candidates can be re-validated elsewhere and failures feed repair sets.
    "target_code": pl.String, "ran_on": pl.String,
}


def _atomic_write_parquet(df: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.write_parquet(tmp)
    os.replace(tmp, path)


def write_shard(out: Path, shard: str, samples: Iterable[dict[str, Any]],
                rejects: Iterable[dict[str, Any]], stats: dict[str, int], *,
                unverified: Iterable[dict[str, Any]] = ()) -> None:
    for sub in ("samples", "rejects", "stats"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    pending = list(unverified)
    if pending:  # before the stats marker, like the rest of the shard
        (out / "unverified").mkdir(parents=True, exist_ok=True)
        _atomic_write_parquet(pl.DataFrame(pending, schema=SAMPLE_SCHEMA),
                              out / "unverified" / f"{shard}.parquet")
    _atomic_write_parquet(pl.DataFrame(list(samples), schema=SAMPLE_SCHEMA),
                          out / "samples" / f"{shard}.parquet")
    _atomic_write_parquet(pl.DataFrame(list(rejects), schema=REJECT_SCHEMA),
                          out / "rejects" / f"{shard}.parquet")
    tmp = out / "stats" / f".{shard}.json.tmp"
    tmp.write_text(json.dumps(stats, sort_keys=True))
    os.replace(tmp, out / "stats" / f"{shard}.json")


def shard_complete(out: Path, shard: str) -> bool:
    return (out / "stats" / f"{shard}.json").exists()


def _complete_shards(out: Path) -> list[str]:
    return sorted(p.stem for p in (out / "stats").glob("*.json")) if (out / "stats").exists() else []


def _scan(out: Path, sub: str, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    # Only shards with a completion marker count: a half-written shard is invisible.
    files = [out / sub / f"{s}.parquet" for s in _complete_shards(out)]
    files = [f for f in files if f.exists()]
    if not files:
        return pl.DataFrame(schema=schema).lazy()
    # Shards written before a column was added read back with nulls in it.
    return pl.scan_parquet(files, schema=schema, missing_columns="insert")


def scan_samples(out: Path) -> pl.LazyFrame:
    return _scan(out, "samples", SAMPLE_SCHEMA)


def scan_rejects(out: Path) -> pl.LazyFrame:
    return _scan(out, "rejects", REJECT_SCHEMA)


def scan_unverified(out: Path) -> pl.LazyFrame:
    """Sample rows of candidates that could not be run where they were made."""
    return _scan(out, "unverified", SAMPLE_SCHEMA)


def read_stats(out: Path) -> dict[str, int]:
    """Counters summed over complete shards."""
    total: dict[str, int] = {}
    for s in _complete_shards(out):
        for k, v in json.loads((out / "stats" / f"{s}.json").read_text()).items():
            total[k] = total.get(k, 0) + int(v)
    return total
