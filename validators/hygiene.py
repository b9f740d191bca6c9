"""Vector hygiene: which values every requested target can carry, and why not when it can't.

Limits: everywhere, ints in int64 and strings ASCII without control characters
(line-oriented harnesses), matrices rectangular; beyond that, each target's capacity is
its toolchain's `value_limits` (a `TargetLimits`, documented in toolchains/<lang>/README.md;
e.g. a fixed-size string picture), none for targets bounded only by the sandbox's memory.

Floats: NaN and infinities are dropped, deliberately and counted (`non_finite_float`):
the wire format could carry them, but a target's NaN from a different computation (0/0
vs sqrt(-1)) compares equal while meaning something else, and some targets have no NaN
at all, so such vectors judge nothing reliably. Subnormals are dropped too
(`subnormal_float`): targets that flush to zero (fast math, some formatted reads)
disagree with Python for reasons unrelated to the translation. Every finite float
survives `repr` round trips in Python; the check (`float_round_trip`) guards the printed
form anyway.

The exact int64 contract (every integer the reference computes on a vector, intermediates
included, fits int64) is checked in the reference run itself (reference_worker.py; the
test generator counts those drops as `int64_intermediate`): this module sees values only.

Key contracts: `value_problem(value, t, langs)` returns "" when value (of IR type t) is
a usable test value for every target in langs (all targets when langs is empty), else
a short reason; `vector_problem(args, expected, sig, langs)` checks a whole vector, its
arguments first. Pure functions, no I/O.
"""

from __future__ import annotations

import functools
import math
import sys
from typing import Any, Iterable

from tolk.ir.function import Signature
from tolk.ir.types import INT64_MAX, INT64_MIN, IRType, Kind
from tolk.toolchains.base import TargetLimits

__all__ = ["TargetLimits", "limits_for", "value_problem", "vector_problem", "REASONS"]

REASONS = frozenset({"int64_overflow", "non_finite_float", "subnormal_float", "float_round_trip",
                     "non_ascii_str", "str_control_char", "ragged_matrix", "str_too_long",
                     "list_too_long", "matrix_too_large"})


def limits_for(langs: Iterable[str] = ()) -> list[TargetLimits]:
    """Each target's `value_limits` (its toolchain's), every registered target when langs
    is empty; an unregistered language raises `ConfigError`."""
    return list(_limits(tuple(str(lang) for lang in langs)))


@functools.cache
def _limits(langs: tuple[str, ...]) -> tuple[TargetLimits, ...]:
    # Lazy: toolchain folders import validator modules, so the registry cannot load first.
    from tolk.toolchains.registry import TOOLCHAINS, get_toolchain
    chosen = [get_toolchain(lang) for lang in langs] or list(TOOLCHAINS.values())
    return tuple(tc.value_limits for tc in chosen)


@functools.cache
def _combined(langs: tuple[str, ...]) -> TargetLimits:
    """The tightest limits over langs (every registered target when langs is empty)."""
    chosen = _limits(langs)

    def tightest(attr: str) -> int | None:
        vals = [getattr(lim, attr) for lim in chosen if getattr(lim, attr) is not None]
        return min(vals) if vals else None

    return TargetLimits(tightest("max_str_len"), tightest("max_list_len"),
                        tightest("max_rows"), tightest("max_cols"))


def value_problem(value: Any, t: IRType, langs: Iterable[str] = ()) -> str:
    """Why a value of type t cannot be a test value for langs ("" when it can)."""
    return _problem(value, t, _combined(tuple(str(lang) for lang in langs)))


def vector_problem(args: tuple[Any, ...], expected: Any, sig: Signature,
                   langs: Iterable[str] = ()) -> str:
    """Why a whole vector is unusable for langs: its arguments first, then its result."""
    lim = _combined(tuple(str(lang) for lang in langs))
    for a, p in zip(args, sig.params):
        if why := _problem(a, p.type, lim):
            return why
    return _problem(expected, sig.returns, lim)


def _problem(value: Any, t: IRType, lim: TargetLimits) -> str:
    match t.kind:
        case Kind.INT:
            return "" if INT64_MIN <= value <= INT64_MAX else "int64_overflow"
        case Kind.FLOAT:
            if not math.isfinite(value):
                return "non_finite_float"
            if value != 0.0 and abs(value) < sys.float_info.min:
                return "subnormal_float"
            return "" if float(repr(value)) == value else "float_round_trip"
        case Kind.STR:
            if not value.isascii():
                return "non_ascii_str"
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                return "str_control_char"
            return "str_too_long" if lim.max_str_len is not None and len(value) > lim.max_str_len else ""
        case Kind.LIST if t.rank == 2:
            if value and len({len(row) for row in value}) > 1:
                return "ragged_matrix"
            if (lim.max_rows is not None and len(value) > lim.max_rows) or (
                    lim.max_cols is not None and value and len(value[0]) > lim.max_cols):
                return "matrix_too_large"
            return next((p for row in value for x in row if (p := _problem(x, t.scalar, lim))), "")
        case Kind.LIST:
            if lim.max_list_len is not None and len(value) > lim.max_list_len:
                return "list_too_long"
            return next((p for p in (_problem(x, t.elem, lim) for x in value) if p), "")
        case Kind.TUPLE:
            return next((p for p in (_problem(x, a, lim) for x, a in zip(value, t.args)) if p), "")
    return ""
