"""Fresh names for the lowerings, language-neutral: each search is a bounded loop.

`numbered` tries base, then spell(2), spell(3), ... and `hidden_prefix` tries `t_`, `t1_`,
`t2_`, ...; each taken name rules out at most one candidate, so one of the first
len(taken) + 1 is free and the loops always end (a search that never ends hung a run on a
local named `_`). How a language spells a numbered name stays with its emitter.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["numbered", "hidden_prefix"]


def numbered(base: str, taken: set[str], spell: Callable[[int], str]) -> str:
    """The first of base, spell(2), spell(3), ... not in taken, added to taken."""
    for k in range(1, len(taken) + 2):
        name = base if k == 1 else spell(k)
        if name not in taken:
            taken.add(name)
            return name
    raise AssertionError("unreachable: more candidates than taken names")


def hidden_prefix(taken: set[str]) -> str:
    """`t_`, else `t1_`, `t2_`, ...: the first prefix no taken name starts with."""
    for k in range(len(taken) + 1):
        prefix = "t_" if k == 0 else f"t{k}_"
        if not any(n.startswith(prefix) for n in taken):
            return prefix
    raise AssertionError("unreachable: more prefixes than taken names")
