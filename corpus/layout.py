"""The Hub-ready folder: parquet configs per language and per view, and removals.

Layout of a published folder (relative paths are what the card's `data_files` name):

    README.md                                    the dataset card (corpus/card.py)
    data/<lang>/train-0000i-of-0000N.parquet     one config per target language (`fortran`, ...)
    data/<view>/train-0000i-of-0000N.parquet     one config per view (`translate`, `fim`,
                                                 `repair`), all languages, a `lang` column
    removals.parquet                             every row curation removed, with its reason
    funnel.json                                  per-language counts (written with the card)

Language configs carry a fine-tuning-ready text column first (`prompt` + `response`, or a
single `content` column holding the validated target program), then every provenance
column of the sample record. Views keep the schema their builder documents.

Key contracts: deterministic: the same frames give byte-identical files (rows sorted on
their key columns, fixed parquet settings, no write timestamps), so re-publishing uploads
nothing. Shards are bounded by `max_shard_bytes` of in-memory row size (an upper bound on
the compressed file). `data/` is rewritten whole, so a shard left over from an earlier
layout can never be matched by a config's glob. Languages or views with no rows get no
config (an empty config would not load).
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Mapping, Sequence

import polars as pl

__all__ = ["TextFormat", "ConfigFiles", "Layout", "text_columns",
           "write_layout", "write_parquet_deterministic", "DEFAULT_MAX_SHARD_BYTES"]

TextFormat = Literal["prompt_response", "content"]
DEFAULT_MAX_SHARD_BYTES = 256 * 1024 * 1024
_SORTABLE = (pl.String, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32,
             pl.UInt64, pl.Boolean, pl.Float64, pl.Float32, pl.Datetime, pl.Date)


@dataclass(frozen=True, slots=True)
class ConfigFiles:
    name: str                        # the config name: a language or a view
    kind: Literal["language", "view"]
    pattern: str                     # data_files glob, relative to the folder root
    files: tuple[str, ...]           # relative paths of the shards, in order
    rows: int
    columns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    root: Path
    configs: tuple[ConfigFiles, ...]
    removals_rows: int
    text_format: TextFormat

    def config(self, name: str) -> ConfigFiles:
        return next(c for c in self.configs if c.name == name)

    @property
    def languages(self) -> tuple[ConfigFiles, ...]:
        return tuple(c for c in self.configs if c.kind == "language")

    @property
    def views(self) -> tuple[ConfigFiles, ...]:
        return tuple(c for c in self.configs if c.kind == "view")

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.languages)


def text_columns(fmt: TextFormat) -> list[pl.Expr]:
    """The fine-tuning text for a sample row: the translate view's prompt and response
    (`corpus.views`), or `content` = the validated target program alone."""
    if fmt == "content":
        return [pl.col("target_code").alias("content")]
    from tolk.corpus.views import TranslateConfig, template_expr
    t = TranslateConfig()
    return [template_expr(t.prompt_template).alias("prompt"),
            template_expr(t.response_template).alias("response")]


def _sorted(df: pl.DataFrame) -> pl.DataFrame:
    # Key columns first (`id` is the stable content id), then every other primitive column,
    # so row order never depends on the order the input arrived in.
    keys = [c for c in ("id", "lang") if c in df.columns]
    keys += [c for c, t in df.schema.items() if c not in keys and isinstance(t, _SORTABLE)]
    return df.sort(keys, nulls_last=True, maintain_order=True) if keys else df


def write_parquet_deterministic(df: pl.DataFrame, path: Path) -> None:
    """Fixed settings so the same frame gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True,
                     row_group_size=100_000)
    tmp.replace(path)


def _write_shards(root: Path, rel_dir: str, df: pl.DataFrame, max_shard_bytes: int) -> tuple[str, ...]:
    per_row = max(1, math.ceil(df.estimated_size() / max(1, df.height)))
    rows_per_shard = max(1, max_shard_bytes // per_row)
    n = max(1, math.ceil(df.height / rows_per_shard))
    files = []
    for i in range(n):
        rel = f"{rel_dir}/train-{i:05d}-of-{n:05d}.parquet"
        write_parquet_deterministic(df.slice(i * rows_per_shard, rows_per_shard), root / rel)
        files.append(rel)
    return tuple(files)


def _config(root: Path, name: str, kind: Literal["language", "view"], df: pl.DataFrame,
            max_shard_bytes: int) -> ConfigFiles:
    rel_dir = f"data/{name}"
    files = _write_shards(root, rel_dir, df, max_shard_bytes)
    return ConfigFiles(name, kind, f"{rel_dir}/train-*.parquet", files, df.height, tuple(df.columns))


def write_layout(dest: Path, kept: pl.LazyFrame | pl.DataFrame, *,
                 langs: Sequence[str] | None = None,
                 views: Mapping[str, pl.LazyFrame | pl.DataFrame] | None = None,
                 removals: pl.DataFrame | None = None,
                 text_format: TextFormat = "prompt_response",
                 max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES) -> Layout:
    """Write the data files of a Hub folder at `dest` (the card is written separately)."""
    if text_format not in ("prompt_response", "content"):
        raise ValueError(f"unknown text format {text_format!r}")
    lazy = kept.lazy()
    if langs is None:
        langs = sorted(lazy.select(pl.col("lang").unique()).collect()["lang"].to_list())
    if (dest / "data").exists():
        shutil.rmtree(dest / "data")
    dest.mkdir(parents=True, exist_ok=True)
    configs: list[ConfigFiles] = []
    for lang in langs:
        # One language in memory at a time: the sort needs the whole config anyway.
        df = lazy.filter(pl.col("lang") == lang).collect()
        if df.height:
            df = _sorted(df).select(*text_columns(text_format), pl.all())
            configs.append(_config(dest, lang, "language", df, max_shard_bytes))
    for name, frame in sorted((views or {}).items()):
        if name in langs:
            raise ValueError(f"view {name!r} collides with a language config")
        df = frame.lazy().collect()
        if df.height:
            configs.append(_config(dest, name, "view", _sorted(df), max_shard_bytes))
    removals_rows = 0
    if removals is not None:
        write_parquet_deterministic(_sorted(removals), dest / "removals.parquet")
        removals_rows = removals.height
    elif (dest / "removals.parquet").exists():
        (dest / "removals.parquet").unlink()
    return Layout(dest, tuple(configs), removals_rows, text_format)
