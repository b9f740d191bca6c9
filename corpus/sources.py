"""Source adapters: where Python programs come from, each yielding `Program` records.

Key contracts: a source never raises on a bad file; unreadable, non-UTF-8 or oversized
files come out as `Rejected` (stage SAMPLE) with a reason. `source_id` is a content hash,
so the same program found twice has one id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected, Stage

__all__ = ["iter_directory", "MAX_SOURCE_BYTES"]

MAX_SOURCE_BYTES = 256 * 1024


def iter_directory(root: Path, *, pattern: str = "**/*.py", license: str = "unknown",
                   max_bytes: int = MAX_SOURCE_BYTES) -> Iterator[Program | Rejected]:
    """Every matching file under root, in a stable (sorted) order."""
    root = Path(root)
    for path in sorted(p for p in root.glob(pattern) if p.is_file()):
        uri = f"{root.name}/{path.relative_to(root).as_posix()}"
        try:
            size = path.stat().st_size
            if size > max_bytes:
                yield Rejected(Stage.SAMPLE, "too_large", content_id(uri), uri,
                               detail=f"{size} bytes > {max_bytes}")
                continue
            raw = path.read_bytes()
        except OSError as exc:
            yield Rejected(Stage.SAMPLE, "unreadable", content_id(uri), uri, detail=str(exc))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Rejected(Stage.SAMPLE, "not_utf8", content_id(uri), uri, detail=str(exc)[:200])
            continue
        if "\x00" in text:
            yield Rejected(Stage.SAMPLE, "binary", content_id(uri), uri)
            continue
        yield Program(content_id(text), uri, text, license)
