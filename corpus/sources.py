"""Source adapters: where Python programs come from, each yielding `Program` records.

    iter_source(spec, options) picks the adapter from the spec:
      <dir>                           a local directory tree        (options: pattern)
      git:<url-or-path>[@rev]         a git checkout, cached        (corpus/source_git.py)
      <file|glob>.jsonl[.gz]|.parquet rows of a table               (corpus/source_tables.py)
      hf:org/name[:config][@split]    a Hugging Face dataset        (corpus/source_hf.py)
      stdlib                          the running interpreter's standard library
      humaneval                       HumanEval problems (needs purpose=eval)

Key contracts: a source never raises on a bad item; unreadable, non-UTF-8, oversized,
special (FIFO, device) or looping-symlink files and malformed rows come out as `Rejected`
(stage SAMPLE) with a reason. A bad *spec* or option (a typo, a missing column, no
network for hf:) raises `ConfigError` / `SourceUnavailable` before anything is yielded.
`source_id` is a content hash of the text, so the same program found twice has one id.
Everything streams: no adapter holds more than one item (or one batch of rows) at a time.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path
from typing import Iterator, Mapping

from tolk.errors import ConfigError, TolkError
from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected, Stage

__all__ = ["iter_source", "iter_filtered", "parse_source_options", "iter_directory",
           "walk_files", "read_file", "program_from_bytes", "program_from_text",
           "check_options", "max_bytes_option", "SourceUnavailable", "MAX_SOURCE_BYTES",
           "COMMON_OPTIONS"]

MAX_SOURCE_BYTES = 256 * 1024
# Options every adapter accepts. Filter options (corpus/filters.py) travel in the same
# mapping and are ignored here.
COMMON_OPTIONS = frozenset({"license", "max_bytes", "purpose"})


class SourceUnavailable(TolkError):
    """A source that cannot be reached here (no network, a missing optional package)."""


def iter_source(spec: str, options: Mapping[str, str] | None = None
                ) -> Iterator[Program | Rejected]:
    """Every program of the source named by `spec` (see the module docstring)."""
    opts = dict(options or {})
    purpose = opts.get("purpose", "train")
    if purpose not in ("train", "eval"):
        raise ConfigError(f"source option purpose={purpose!r}: expected 'train' or 'eval'")
    if spec == "humaneval":
        return _iter_humaneval(opts)
    if spec == "stdlib":
        from tolk.corpus.source_stdlib import iter_stdlib
        check_options(spec, opts, set())
        return iter_stdlib(license=opts.get("license", "PSF-2.0"),
                           max_bytes=max_bytes_option(opts))
    if spec.startswith("git:"):
        from tolk.corpus.source_git import iter_git
        return iter_git(spec[4:], opts)
    if spec.startswith("hf:"):
        from tolk.corpus.source_hf import iter_hf
        return iter_hf(spec[3:], opts)
    if re.search(r"\.(jsonl|ndjson|parquet)\b", spec) and not Path(spec).is_dir():
        from tolk.corpus.source_tables import iter_tables
        return iter_tables(spec, opts)
    root = Path(spec)
    if not root.is_dir():
        raise ConfigError(f"source {spec!r}: not a directory, git:, hf:, stdlib, humaneval "
                          "or a .jsonl/.jsonl.gz/.parquet file")
    check_options(spec, opts, {"pattern"})
    return iter_directory(root, pattern=opts.get("pattern", "**/*.py"),
                          license=opts.get("license", "unknown"),
                          max_bytes=max_bytes_option(opts))


def iter_filtered(spec: str, options: Mapping[str, str] | None = None
                  ) -> Iterator[Program | Rejected]:
    """`iter_source` then `filter_programs` with the filter options from the same mapping:
    what a run samples. Call it once per run (not per shard) so duplicates are found
    across the whole source."""
    from tolk.corpus.filters import FilterLimits, filter_programs
    opts = dict(options or {})
    limits = FilterLimits.from_options(opts)  # a bad filter option fails before reading
    return filter_programs(iter_source(spec, opts), limits)


def parse_source_options(pairs: list[str] | None) -> dict[str, str]:
    """`["key=value", ...]` (a repeatable CLI flag) -> {key: value}."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"source option {pair!r}: expected key=value")
        out[key.strip()] = value.strip()
    return out


def check_options(spec: str, options: Mapping[str, str], allowed: set[str]) -> None:
    """Refuse option names no adapter or filter knows (a typo must not pass silently)."""
    from tolk.corpus.filters import FILTER_OPTIONS
    unknown = set(options) - allowed - COMMON_OPTIONS - FILTER_OPTIONS
    if unknown:
        known = ", ".join(sorted(allowed | COMMON_OPTIONS))
        raise ConfigError(f"source {spec!r}: unknown option(s) {', '.join(sorted(unknown))}; "
                          f"this source takes: {known} (and filter options)")


def max_bytes_option(options: Mapping[str, str]) -> int:
    raw = options.get("max_bytes", str(MAX_SOURCE_BYTES))
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"source option max_bytes={raw!r}: not an integer") from None
    if value <= 0:
        raise ConfigError(f"source option max_bytes={raw!r}: must be positive")
    return value


def _iter_humaneval(options: Mapping[str, str]) -> Iterator[Program | Rejected]:
    # HumanEval is an evaluation set: training on it would contaminate every benchmark
    # built from it, so it only comes out when the caller says what it is for.
    if options.get("purpose") != "eval":
        raise ConfigError("source 'humaneval' is evaluation data and never training data: "
                          "pass the source option purpose=eval to read it (for evaluation "
                          "or decontamination)")
    check_options("humaneval", options, set())
    try:
        from tolk.corpus.source_humaneval import iter_humaneval
    except ImportError as exc:
        raise SourceUnavailable(f"the humaneval source is not usable here: {exc}") from exc
    return iter_humaneval()


def program_from_text(text: str, uri: str, license: str) -> Program | Rejected:
    """A Program, or Rejected for text no Python tooling should see (NUL bytes)."""
    if "\x00" in text:
        return Rejected(Stage.SAMPLE, "binary", content_id(uri), uri, detail="NUL byte")
    return Program(content_id(text), uri, text, license)


def program_from_bytes(raw: bytes, uri: str, license: str) -> Program | Rejected:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejected(Stage.SAMPLE, "not_utf8", content_id(uri), uri, detail=str(exc)[:200])
    return program_from_text(text, uri, license)


def read_file(path: Path, uri: str, license: str, max_bytes: int) -> Program | Rejected:
    """One file, refused (never raised) when it is not a small regular UTF-8 file."""
    try:
        st = os.stat(path)  # follows symlinks: a loop raises ELOOP here
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or device would block or never end: never open one.
            return Rejected(Stage.SAMPLE, "unreadable:not_regular_file", content_id(uri), uri)
        if st.st_size > max_bytes:
            return Rejected(Stage.SAMPLE, "too_large", content_id(uri), uri,
                            detail=f"{st.st_size} bytes > {max_bytes}")
        with open(path, "rb") as f:
            raw = f.read(max_bytes + 1)  # the file may grow after stat
    except OSError as exc:
        reason = "unreadable:symlink_loop" if exc.errno == errno.ELOOP else "unreadable"
        return Rejected(Stage.SAMPLE, reason, content_id(uri), uri, detail=str(exc)[:200])
    if len(raw) > max_bytes:
        return Rejected(Stage.SAMPLE, "too_large", content_id(uri), uri,
                        detail=f"more than {max_bytes} bytes")
    return program_from_bytes(raw, uri, license)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """pathlib-style glob (`**` = any number of directories) as a regex on relative paths."""
    rx = ""
    for seg in pattern.strip("/").split("/"):
        if seg == "**":
            rx += "(?:[^/]+/)*"
        else:
            rx += "".join({"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch)) for ch in seg) + "/"
    return re.compile((rx[:-1] if rx.endswith("/") else rx + ".*") + "$")


def walk_files(root: Path, pattern: str = "**/*.py", *, skip_dirs: frozenset[str] = frozenset()
               ) -> Iterator[tuple[Path, str, OSError | None]]:
    """(path, relative posix path, error) of matching files, sorted, never following
    directory symlinks (a symlink loop or a link to / cannot make the walk endless). A
    directory that cannot be listed comes out once with its error."""
    rx = _glob_regex(pattern)
    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=errors.append, followlinks=False):
        for exc in errors:
            bad = Path(exc.filename or dirpath)
            yield bad, _rel(bad, root), exc
        errors.clear()
        rel_dir = _rel(Path(dirpath), root)
        dirnames[:] = sorted(d for d in dirnames if d not in skip_dirs and d != ".git")
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if rx.match(rel):
                yield Path(dirpath, name), rel, None
    for exc in errors:  # raised after the last directory was listed
        bad = Path(exc.filename or root)
        yield bad, _rel(bad, root), exc


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _outside(path: Path, root_real: str) -> bool:
    try:
        real = os.path.realpath(path, strict=True)
    except OSError:
        return False  # a loop or dangling link: read_file names it
    return os.path.commonpath([real, root_real]) != root_real


def iter_directory(root: Path, *, pattern: str = "**/*.py", license: str = "unknown",
                   max_bytes: int = MAX_SOURCE_BYTES, uri_prefix: str | None = None,
                   skip_dirs: frozenset[str] = frozenset()) -> Iterator[Program | Rejected]:
    """Every matching file under root, in a stable (sorted) order. uri = prefix/relpath,
    the prefix being the root's name unless given."""
    root = Path(root)
    prefix = root.name if uri_prefix is None else uri_prefix
    root_real = os.path.realpath(root)
    for path, rel, error in walk_files(root, pattern, skip_dirs=skip_dirs):
        uri = f"{prefix}/{rel}" if prefix else rel
        if error is not None:
            yield Rejected(Stage.SAMPLE, "unreadable:directory", content_id(uri), uri,
                           detail=str(error)[:200])
            continue
        if os.path.islink(path) and _outside(path, root_real):
            # A link out of the tree could read anything (/etc/shadow, /dev/zero).
            yield Rejected(Stage.SAMPLE, "unreadable:symlink_outside_root", content_id(uri), uri)
            continue
        yield read_file(path, uri, license, max_bytes)
