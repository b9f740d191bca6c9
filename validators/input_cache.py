"""A disk cache of `generate_inputs` results, shared by every process on the machine.

Drawing inputs with Hypothesis is the costliest part of test generation (its engine runs
4n examples per call), yet the draw depends only on the parameters' IR types, n, the seed
and the value domain, never on the function: functions of one shape (`(int, int)`,
`(list[float],)`) repeat the same draws. `cached(...)` keys a draw by exactly those
inputs plus a version tag (the source of validators/strategies.py and ir/types.py,
Hypothesis's and Python's versions), so a hit returns what the draw would return, and any change to the
drawing code or library is a miss: suites are the same with or without the cache.

Entries are pickles written atomically (temp file + rename), so stage workers running
side by side share them; a broken or unreadable entry is a miss. `TOLK_INPUT_CACHE` picks
the directory (default `$XDG_CACHE_HOME/tolk/inputs`, else `~/.cache/tolk/inputs`);
`TOLK_INPUT_CACHE=off` turns the cache off. A directory that cannot be written only
turns caching off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

__all__ = ["cache_dir", "cached"]


@lru_cache(maxsize=1)
def _version_tag() -> str:
    import hypothesis
    here = Path(__file__).parent
    # The drawing code and the types it draws for (a key holds the types' reprs only).
    src = (here / "strategies.py").read_bytes() + (here.parent / "ir" / "types.py").read_bytes()
    return hashlib.sha256(src + hypothesis.__version__.encode()
                          + repr(sys.version_info[:2]).encode()).hexdigest()[:16]


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is off."""
    env = os.environ.get("TOLK_INPUT_CACHE", "")
    if env.lower() == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tolk" / "inputs"


def cached(key: tuple[Any, ...], compute: Callable[[], list[tuple[Any, ...]]]
           ) -> list[tuple[Any, ...]]:
    """`compute()`, or its stored result for `key` (a tuple of reprs and numbers that
    determines the result on its own)."""
    folder = cache_dir()
    if folder is None:
        return compute()
    name = hashlib.sha256(repr((_version_tag(), key)).encode()).hexdigest()
    path = folder / name[:2] / f"{name}.pickle"
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, ValueError,
                             AttributeError, TypeError):
        with path.open("rb") as fh:
            stored_key, value = pickle.load(fh)
        if stored_key == key:  # a hash collision would be a miss, never a wrong hit
            return value
    value = compute()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return value
