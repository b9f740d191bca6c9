"""Type-aware comparison of a candidate's result with the Python reference.

Exact for int, bool and str; relative-plus-absolute tolerance for floats (NaN equals NaN,
infinities must match in sign); element-wise for lists and tuples, shapes included.
The tolerances a suite records (`TestSuite.rel_tol`/`abs_tol`) become a `Tolerance` with
`Tolerance.of(suite)`; the defaults are the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from tolk.ir.types import IRType, Kind
from tolk.ir.vectors import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, TestSuite

__all__ = ["Tolerance", "values_equal"]


@dataclass(frozen=True, slots=True)
class Tolerance:
    rel: float = DEFAULT_REL_TOL
    abs: float = DEFAULT_ABS_TOL

    @classmethod
    def of(cls, suite: TestSuite) -> "Tolerance":
        """The tolerance recorded in the suite's IR."""
        return cls(suite.rel_tol, suite.abs_tol)


def values_equal(got: Any, expected: Any, t: IRType, tol: Tolerance = Tolerance()) -> bool:
    match t.kind:
        case Kind.FLOAT:
            if not isinstance(got, float):
                return False
            if math.isnan(expected) or math.isnan(got):
                return math.isnan(expected) and math.isnan(got)
            return math.isclose(got, expected, rel_tol=tol.rel, abs_tol=tol.abs)
        case Kind.INT:
            return isinstance(got, int) and not isinstance(got, bool) and got == expected
        case Kind.BOOL:
            return isinstance(got, bool) and got == expected
        case Kind.STR:
            return isinstance(got, str) and got == expected
        case Kind.LIST:
            return (isinstance(got, list) and len(got) == len(expected)
                    and all(values_equal(g, e, t.elem, tol) for g, e in zip(got, expected)))
        case Kind.TUPLE:
            return (isinstance(got, tuple) and len(got) == len(t.args)
                    and all(values_equal(g, e, a, tol) for g, e, a in zip(got, expected, t.args)))
    return False
