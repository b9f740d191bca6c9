"""Rows of JSONL and parquet files (a shard of a code dataset) as a source of programs.

    <path-or-glob>.jsonl | .jsonl.gz | .ndjson | .parquet
    options: code_column (default "content"), id_column, path_column, license_column,
             license, max_bytes, batch_rows (parquet batch size, default 2048)

Key contracts: files stream. JSONL is read line by line with a length cap (a gigabyte line
is skipped in chunks, never held); parquet is read by polars in batches of `batch_rows`
rows (`scan_parquet(...).collect_batches`), never as a whole file. A malformed line or
row (bad JSON, not an object, no string in the code column, too large) is a `Rejected`
with a reason; a file that breaks mid-way (truncated gzip, corrupt parquet) ends with one
`unreadable` rejection for the rest of it. A missing parquet column (in a readable file)
or a glob matching nothing is a `ConfigError`, before anything is yielded.
uri: `<file>:<path>` with path_column, else `<file>#<id>` / `<file>#<row>`.
"""

from __future__ import annotations

import glob
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterator, Mapping

from tolk.corpus.sources import (check_options, max_bytes_option, program_from_text)
from tolk.errors import ConfigError
from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected, Stage

__all__ = ["Columns", "iter_tables", "iter_jsonl", "iter_parquet", "row_item", "expand"]

TABLE_OPTIONS = {"code_column", "id_column", "path_column", "license_column", "batch_rows"}


@dataclass(frozen=True, slots=True)
class Columns:
    code: str = "content"
    id: str = ""
    path: str = ""
    license: str = ""
    default_license: str = "unknown"

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> "Columns":
        return cls(options.get("code_column", "content"), options.get("id_column", ""),
                   options.get("path_column", ""), options.get("license_column", ""),
                   options.get("license", "unknown"))

    def names(self) -> list[str]:
        return [c for c in (self.code, self.id, self.path, self.license) if c]


def expand(spec: str) -> list[Path]:
    """The files a path or glob names, sorted; none is a configuration error."""
    paths = sorted(Path(p) for p in glob.glob(spec, recursive=True)) \
        if glob.has_magic(spec) else [Path(spec)]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        raise ConfigError(f"source {spec!r}: no such file")
    return paths


def iter_tables(spec: str, options: Mapping[str, str]) -> Iterator[Program | Rejected]:
    check_options(spec, options, TABLE_OPTIONS)
    cols = Columns.from_options(options)
    max_bytes = max_bytes_option(options)
    try:
        batch_rows = int(options.get("batch_rows", "2048"))
    except ValueError:
        raise ConfigError(f"option batch_rows={options['batch_rows']!r}: not an integer") \
            from None
    files = expand(spec)
    parquet = [p for p in files if p.suffix == ".parquet"]
    for p in parquet:
        _check_parquet_columns(p, cols)
    return _iter_files(files, cols, max_bytes, batch_rows)


def _iter_files(files: list[Path], cols: Columns, max_bytes: int,
                batch_rows: int) -> Iterator[Program | Rejected]:
    for path in files:
        if path.suffix == ".parquet":
            yield from iter_parquet(path, cols, batch_rows=batch_rows, max_bytes=max_bytes)
        else:
            yield from iter_jsonl(path, cols, max_bytes=max_bytes)


def row_item(row: Any, base: str, rowno: int, cols: Columns,
             max_bytes: int) -> Program | Rejected:
    """One table row as a Program, or the reason it cannot be one."""
    if not isinstance(row, Mapping):
        uri = f"{base}#{rowno}"
        return Rejected(Stage.SAMPLE, "malformed_row:not_an_object", content_id(uri), uri)
    key = row.get(cols.id) if cols.id else None
    path = row.get(cols.path) if cols.path else None
    uri = f"{base}:{path}" if path not in (None, "") else \
        f"{base}#{key if key not in (None, '') else rowno}"
    code = row.get(cols.code)
    if not isinstance(code, str):
        return Rejected(Stage.SAMPLE, "malformed_row:no_code", content_id(uri), uri,
                        detail=f"column {cols.code!r} is {type(code).__name__}")
    if len(code) > max_bytes:  # characters >= bytes/4: a cheap first bound
        return Rejected(Stage.SAMPLE, "too_large", content_id(uri), uri,
                        detail=f"{len(code)} chars > {max_bytes} bytes")
    lic = row.get(cols.license) if cols.license else None
    return program_from_text(code, uri, str(lic) if lic else cols.default_license)


def _open_text(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def iter_jsonl(path: Path, cols: Columns, *,
               max_bytes: int = 256 * 1024) -> Iterator[Program | Rejected]:
    # A row holds escaped code plus other columns: allow a generous line, never an endless one.
    line_cap = 4 * max_bytes + 65_536
    rowno = 0
    try:
        with _open_text(path) as f:
            while True:
                line = f.readline(line_cap + 1)
                if not line:
                    return
                rowno += 1
                uri = f"{path.name}#{rowno}"
                if len(line) > line_cap and not line.endswith(b"\n"):
                    while (rest := f.readline(1 << 20)) and not rest.endswith(b"\n"):
                        pass  # skip the rest of an oversized line without holding it
                    yield Rejected(Stage.SAMPLE, "too_large", content_id(uri), uri,
                                   detail=f"line longer than {line_cap} bytes")
                    continue
                if not line.strip():
                    continue
                yield _json_row(line, path.name, rowno, cols, max_bytes)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        uri = f"{path.name}#{rowno + 1}"
        yield Rejected(Stage.SAMPLE, "unreadable", content_id(uri), uri,
                       detail=f"{type(exc).__name__}: {exc}"[:300])


def _json_row(line: bytes, base: str, rowno: int, cols: Columns,
              max_bytes: int) -> Program | Rejected:
    try:
        row = json.loads(line)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        uri = f"{base}#{rowno}"
        reason = "not_utf8" if isinstance(exc, UnicodeDecodeError) else "malformed_row:json"
        return Rejected(Stage.SAMPLE, reason, content_id(uri), uri, detail=str(exc)[:200])
    return row_item(row, base, rowno, cols, max_bytes)


def _check_parquet_columns(path: Path, cols: Columns) -> None:
    import polars as pl
    try:
        schema = pl.scan_parquet(path).collect_schema()
    except Exception:  # noqa: BLE001 - a corrupt file: iter_parquet rejects it as unreadable
        return
    missing = [c for c in cols.names() if c not in schema]
    if missing:
        raise ConfigError(f"{path}: no column(s) {', '.join(missing)}; it has "
                          f"{', '.join(schema.names())} (set code_column=... etc.)")


def iter_parquet(path: Path, cols: Columns, *, batch_rows: int = 2048,
                 max_bytes: int = 256 * 1024) -> Iterator[Program | Rejected]:
    import polars as pl
    rowno = 0
    try:
        batches = pl.scan_parquet(path).select(cols.names()).collect_batches(
            chunk_size=batch_rows)
        for batch in batches:
            for row in batch.iter_rows(named=True):
                rowno += 1
                yield row_item(row, path.name, rowno, cols, max_bytes)
    except Exception as exc:  # noqa: BLE001 - a corrupt file ends as one rejection
        uri = f"{path.name}#{rowno + 1}"
        yield Rejected(Stage.SAMPLE, "unreadable", content_id(uri), uri,
                       detail=f"{type(exc).__name__}: {exc}"[:300])
