"""Curation of a run's samples: exact dedup, near dedup, per-source cap, decontamination.

    curate(out, cfg) -> Curated(kept, removals, stats)

Steps, in order, each per target language (`stats[lang]` counts the rows left after each,
keys `STEPS`):
  sampled         every sample row of the complete shards (`corpus.store`)
  exact_dedup     one row per normalised target code (`corpus.normalize.normalize`)
  near_dedup      MinHash/LSH over identifier-renamed code tokens: connected components of
                  pairs with estimated Jaccard >= threshold keep their first row
  per_source_cap  at most `max_per_source` rows per (language, source function), chosen
                  greedily for diversity (each pick has the lowest maximum similarity to
                  the rows already picked; the first row starts)
  decontaminated  no n-gram or substring overlap with HumanEval or `benchmark_files`, on
                  `python_source` and on `target_code`

"First" means scan order: shards by name, rows in shard order. Every removed row is in
`removals` (REMOVAL_SCHEMA) with its step as `reason` and a `detail` naming the row kept in
its place (`exact_duplicate_of:<id>`, `near_duplicate_of:<id>`), the cap
(`per_source_cap:<K>`) or the benchmark (`decontaminated:humaneval/HumanEval_12`), and
`field` naming the column that matched (decontamination only).

Key contracts: memory is bounded by one shard's text plus `num_perm` uint32 per row (the
signatures) and a few small columns per row; text is read shard by shard, `batch_rows` at
a time. `kept` is lazy: the samples scan filtered to the surviving rows, SAMPLE_SCHEMA
columns unchanged. Deterministic for a given output directory and config.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from tolk.corpus.decontam import Decontaminator, file_docs, humaneval_docs
from tolk.corpus.minhash import near_duplicate_clusters, signatures
from tolk.corpus.normalize import fingerprint, keywords
from tolk.corpus.store import scan_samples

__all__ = ["CurationConfig", "Curated", "REMOVAL_SCHEMA", "STEPS", "curate", "sample_files",
           "diverse_subset"]

STEPS = ("sampled", "exact_dedup", "near_dedup", "per_source_cap", "decontaminated")
REMOVAL_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String, "lang": pl.String, "source_id": pl.String, "reason": pl.String,
    "detail": pl.String, "field": pl.String,
}
_ROW = "_row"


class CurationConfig(BaseModel):
    """Curation parameters; defaults follow the usual code-dataset pipelines."""

    model_config = ConfigDict(frozen=True)

    shingle_size: int = Field(5, ge=1, le=32, description="tokens per MinHash shingle")
    num_perm: int = Field(128, ge=16, le=1024, description="MinHash permutations")
    near_dup_threshold: float = Field(
        0.8, ge=0.5, le=1.0, description="Jaccard similarity of a near duplicate (0.7-0.8 usual)")
    rename_identifiers: bool = Field(
        True, description="rename non-keyword identifiers before shingling")
    max_per_source: int = Field(4, ge=1, description="samples kept per source function per language")
    decontam_ngram: int = Field(
        13, ge=5, le=50, description="n-gram length for benchmark overlap (10-13 usual)")
    min_substring_chars: int = Field(
        40, ge=10, description="shortest benchmark snippet checked as a substring")
    humaneval: bool = Field(True, description="decontaminate against HumanEval")
    benchmark_files: tuple[Path, ...] = Field((), description=".py/.jsonl/.txt benchmark files")
    batch_rows: int = Field(1024, ge=1, description="rows of text processed at a time")
    seed: int = Field(1, description="MinHash permutation seed")


@dataclass(frozen=True)
class Curated:
    kept: pl.LazyFrame  # SAMPLE_SCHEMA columns
    removals: pl.DataFrame  # REMOVAL_SCHEMA
    stats: dict[str, dict[str, int]]  # lang -> step -> rows left after it


def sample_files(out: Path) -> list[Path]:
    """The sample shards `corpus.store.scan_samples` reads, in its order."""
    stats = out / "stats"
    stems = sorted(p.stem for p in stats.glob("*.json")) if stats.exists() else []
    return [f for s in stems if (f := out / "samples" / f"{s}.parquet").exists()]


def _batches(files: list[Path], columns: list[str], batch_rows: int) -> Iterator[pl.DataFrame]:
    """Column batches of all shards with the global row index, one shard in memory at a time."""
    offset = 0
    for f in files:
        df = pl.read_parquet(f, columns=columns)
        for lo in range(0, df.height, batch_rows):
            part = df.slice(lo, batch_rows)
            yield part.with_columns(pl.int_range(offset + lo, offset + lo + part.height,
                                                 dtype=pl.Int64).alias(_ROW))
        offset += df.height


def _fingerprints(files: list[Path], cfg: CurationConfig) -> tuple[pl.DataFrame, np.ndarray]:
    # Preallocated: concatenating per-batch blocks would double the peak at the end.
    total = sum(pl.scan_parquet(f).select(pl.len()).collect().item() for f in files)
    sig = np.empty((total, cfg.num_perm), dtype=np.uint32)
    metas = []
    for b in _batches(files, ["id", "lang", "source_id", "function", "target_code"],
                      cfg.batch_rows):
        codes, langs = b["target_code"].fill_null("").to_list(), b["lang"].fill_null("").to_list()
        prints = [fingerprint(c, lang, rename=False) for c, lang in zip(codes, langs)]
        metas.append(b.select(_ROW, "id", "lang", "source_id", "function").with_columns(
            pl.Series("key", [k for k, _ in prints], dtype=pl.Int64)))
        first = int(b[_ROW][0])
        for lang in set(langs):  # identifier renaming keeps each language's keywords
            rows = [i for i, x in enumerate(langs) if x == lang]
            keep = keywords(lang) if cfg.rename_identifiers else None
            sig[[first + i for i in rows]] = signatures(
                [prints[i][1] for i in rows], k=cfg.shingle_size, num_perm=cfg.num_perm,
                seed=cfg.seed, rename_keep=keep)
        del prints
    meta = (pl.concat(metas) if metas else
            pl.DataFrame(schema={_ROW: pl.Int64, "id": pl.String, "lang": pl.String,
                                 "source_id": pl.String, "function": pl.String,
                                 "key": pl.Int64}))
    return meta.with_columns(pl.col("lang").fill_null(""), pl.col("source_id").fill_null(""),
                             pl.col("function").fill_null("")), sig


def _removed(rows: pl.DataFrame, reason: str, detail: pl.Expr, field: str = "") -> pl.DataFrame:
    return rows.select(_ROW, "id", "lang", "source_id", pl.lit(reason).alias("reason"),
                       detail.alias("detail"), pl.lit(field).alias("field"))


def _exact(meta: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    group = ["lang", "key"]
    firsts = meta.with_columns(
        pl.col("id").first().over(group, order_by=_ROW).alias("_first"),
        (pl.col(_ROW) == pl.col(_ROW).min().over(group)).alias("_keep"))
    gone = _removed(firsts.filter(~pl.col("_keep")), "exact_duplicate",
                    pl.lit("exact_duplicate_of:") + pl.col("_first"))
    return firsts.filter("_keep").drop("_first", "_keep"), gone


def _near(meta: pl.DataFrame, sig: np.ndarray, cfg: CurationConfig,
          ) -> tuple[pl.DataFrame, pl.DataFrame]:
    keep, gone = [], []
    for (lang,), part in meta.sort(_ROW).group_by(["lang"], maintain_order=True):
        rep = near_duplicate_clusters(sig[part[_ROW].to_numpy()], cfg.near_dup_threshold)
        part = part.with_columns(pl.Series("_rep", part["id"].to_numpy()[rep], dtype=pl.String),
                                 pl.Series("_keep", rep == np.arange(part.height)))
        keep.append(part.filter("_keep").drop("_rep", "_keep"))
        gone.append(_removed(part.filter(~pl.col("_keep")), "near_duplicate",
                             pl.lit("near_duplicate_of:") + pl.col("_rep")))
    return _concat(keep, meta), _concat(gone, None)


def diverse_subset(sig: np.ndarray, k: int) -> list[int]:
    """Indices of `k` rows of `sig`, greedily max-min diverse, starting from row 0."""
    n = sig.shape[0]
    if n <= k:
        return list(range(n))
    picked = [0]
    closest = (sig == sig[0]).mean(axis=1)  # each row's highest similarity to the picks
    closest[0] = np.inf
    while len(picked) < k:
        nxt = int(np.argmin(closest))  # ties: the earliest row
        picked.append(nxt)
        closest = np.maximum(closest, (sig == sig[nxt]).mean(axis=1))
        closest[picked] = np.inf
    return sorted(picked)


def _cap(meta: pl.DataFrame, sig: np.ndarray, k: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    meta = meta.sort(_ROW)
    # A source program is the function translated (a file holds many): its -n completions
    # and repair variants are what the cap thins out.
    keys = ["lang", "source_id", "function"]
    counts = meta.group_by(keys).len()
    over = meta.join(counts.filter(pl.col("len") > k), on=keys, how="semi")
    dropped: list[int] = []
    for _, part in over.group_by(keys, maintain_order=True):
        rows = part[_ROW].to_numpy()
        chosen = set(diverse_subset(sig[rows], k))
        dropped.extend(int(r) for i, r in enumerate(rows) if i not in chosen)
    out = pl.Series(_ROW, dropped, dtype=pl.Int64)
    gone = _removed(meta.filter(pl.col(_ROW).is_in(out.implode())), "per_source_cap",
                    pl.lit(f"per_source_cap:{k}"))
    return meta.filter(~pl.col(_ROW).is_in(out.implode())), gone


def _decontaminator(cfg: CurationConfig) -> Decontaminator:
    docs = humaneval_docs() if cfg.humaneval else []
    for f in cfg.benchmark_files:
        docs.extend(file_docs(Path(f)))
    return Decontaminator(docs, ngram=cfg.decontam_ngram,
                          min_substring_chars=cfg.min_substring_chars)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _decontam(files: list[Path], meta: pl.DataFrame, cfg: CurationConfig,
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    dec = _decontaminator(cfg)
    if len(dec) == 0:
        return meta, _concat([], None)
    alive = pl.Series(_ROW, meta[_ROW], dtype=pl.Int64)
    hits: list[dict[str, object]] = []
    # The same program recurs across languages and samples: check each text once,
    # remembered by a 64-bit digest rather than the text.
    seen_python: dict[bytes, str | None] = {}
    for b in _batches(files, ["python_source", "target_code"], cfg.batch_rows):
        b = b.filter(pl.col(_ROW).is_in(alive.implode()))
        if b.height == 0:
            continue
        py = [_digest(p) for p in b["python_source"].fill_null("").to_list()]
        new = {d: p for d, p in zip(py, b["python_source"].fill_null("").to_list())
               if d not in seen_python}
        seen_python.update(zip(new, dec.find(list(new.values()))))
        tgt = dec.find(b["target_code"].fill_null("").to_list())
        for row, p, t in zip(b[_ROW].to_list(), py, tgt):
            if seen_python[p] is not None:
                hits.append({_ROW: row, "_bench": seen_python[p], "field": "python_source"})
            elif t is not None:
                hits.append({_ROW: row, "_bench": t, "field": "target_code"})
    found = pl.DataFrame(hits, schema={_ROW: pl.Int64, "_bench": pl.String, "field": pl.String})
    bad = meta.join(found, on=_ROW, how="inner")
    gone = bad.select(_ROW, "id", "lang", "source_id", pl.lit("decontaminated").alias("reason"),
                      (pl.lit("decontaminated:") + pl.col("_bench")).alias("detail"), "field")
    return meta.join(found, on=_ROW, how="anti"), gone


def _concat(frames: list[pl.DataFrame], like: pl.DataFrame | None) -> pl.DataFrame:
    if frames:
        return pl.concat(frames)
    if like is not None:
        return like.clear()
    return pl.DataFrame(schema={_ROW: pl.Int64, **REMOVAL_SCHEMA})


def _counts(meta: pl.DataFrame) -> dict[str, int]:
    return {r["lang"]: r["len"] for r in meta.group_by("lang").len().iter_rows(named=True)}


def curate(out: Path, cfg: CurationConfig = CurationConfig()) -> Curated:
    """Curate the samples of output directory `out` (see the module docstring)."""
    files = sample_files(out)
    meta, sig = _fingerprints(files, cfg)
    steps: list[dict[str, int]] = [_counts(meta)]
    removals: list[pl.DataFrame] = []
    for step in (_exact, lambda m: _near(m, sig, cfg), lambda m: _cap(m, sig, cfg.max_per_source),
                 lambda m: _decontam(files, m, cfg)):
        meta, gone = step(meta)
        steps.append(_counts(meta))
        removals.append(gone)
    langs = sorted(steps[0])
    stats = {lang: {step: counts.get(lang, 0) for step, counts in zip(STEPS, steps)}
             for lang in langs}
    kept_rows = pl.Series(_ROW, meta[_ROW].sort(), dtype=pl.Int64)
    kept = (scan_samples(out).with_row_index(_ROW).with_columns(pl.col(_ROW).cast(pl.Int64))
            .filter(pl.col(_ROW).is_in(kept_rows.implode())).drop(_ROW))
    table = (pl.concat([r.select(_ROW, *REMOVAL_SCHEMA) for r in removals])
             .sort(_ROW).drop(_ROW).cast(REMOVAL_SCHEMA))  # type: ignore[arg-type]
    return Curated(kept=kept, removals=table, stats=stats)
