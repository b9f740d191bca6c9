"""`ast.parse` and `ast.literal_eval` that are safe to call from several threads.

CPython 3.11 before 3.11.9 tracks the recursion depth of its AST-to-Python conversion in
interpreter-wide state, so two threads parsing at once can fail with `SystemError: AST
constructor recursion depth mismatch` (gh-106905). Shards validate in a thread pool, and a
spurious failure there is a wrong, unreproducible reject: every parse in tolk goes
through one lock. Parses are small and fast next to what they feed.
"""

from __future__ import annotations

import ast
from typing import Any

from tolk.forksafe import ForkSafeLock

__all__ = ["parse", "literal_eval"]

_LOCK = ForkSafeLock()  # the front end runs in forked workers


def parse(source: str, filename: str = "<unknown>", mode: str = "exec", **kwargs: Any) -> Any:
    with _LOCK:
        return ast.parse(source, filename, mode, **kwargs)


def literal_eval(node_or_string: str | ast.AST) -> Any:
    with _LOCK:
        return ast.literal_eval(node_or_string)
