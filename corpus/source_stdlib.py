"""The standard library of the running interpreter as a source of programs.

Key contracts: files come from `sysconfig`'s stdlib directory, sorted, with each `uri`
`stdlib-<python version>/<path in the stdlib>` (it names the interpreter it came from,
without the machine's own paths, which would leak into a published dataset). Test suites, IDLE, demo
and data-only packages and anything installed into site-packages are skipped: they are
not library code a corpus should learn from (and test suites are large and slow).
"""

from __future__ import annotations

import platform
import sysconfig
from pathlib import Path
from typing import Iterator

from tolk.corpus.sources import MAX_SOURCE_BYTES, iter_directory
from tolk.ir.function import Program
from tolk.outcome import Rejected

__all__ = ["iter_stdlib", "stdlib_dir", "SKIP_DIRS"]

SKIP_DIRS = frozenset({
    "test", "tests", "idle_test", "idlelib", "lib2to3", "turtledemo", "site-packages",
    "dist-packages", "encodings", "pydoc_data", "ensurepip", "__pycache__", "lib-dynload",
    "__phello__", "tkinter",
})


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]).resolve()


def stdlib_prefix() -> str:
    return f"stdlib-{platform.python_version()}"


def iter_stdlib(*, license: str = "PSF-2.0",
                max_bytes: int = MAX_SOURCE_BYTES) -> Iterator[Program | Rejected]:
    root = stdlib_dir()
    for item in iter_directory(root, license=license, max_bytes=max_bytes,
                               uri_prefix=stdlib_prefix(), skip_dirs=SKIP_DIRS):
        name = item.uri.rsplit("/", 1)[-1]
        # config-3.x-<platform> holds build files; test_*.py outside test/ are tests too.
        if "/config-" in item.uri or name.startswith("test_"):
            continue
        yield item
