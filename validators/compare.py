"""Type-aware comparison of a candidate's result with the Python reference.

Exact for int, bool and str; element-wise for lists and tuples, shapes included. Floats
(NaN equals NaN, infinities must match in sign) pass when

    |got - expected| <= rel * max(|got|, |expected|)      (relative: every magnitude), or
    |got - expected| <= abs * scale                        (the cancellation floor)

where `scale` is the largest magnitude among the vector's float inputs and the expected
value, and at least 1 when an int input is non-zero (`input_scale`). The floor is *relative to the data*, not a fixed number: a sum
whose terms cancel (`0.1 + 0.2 - 0.3`, summed in another order) may land anywhere within
a few ULPs of its largest term, so it is compared at the terms' scale; but a result of
5e-295 computed from inputs of that size is compared at 1e-295 * abs, so flushing it to 0
(or scaling it by 1000) fails at any magnitude. Without float or non-zero int inputs the
comparison is purely relative. Limitation: a result far below every float input (`x * x` with
x = 1e-150) is checked only to `abs * scale` (1e-12 of the largest input by default).
The tolerances a suite records (`TestSuite.rel_tol`/`abs_tol`) become a `Tolerance` with
`Tolerance.of(suite)`; the defaults are the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

from tolk.ir.types import IRType, Kind
from tolk.ir.vectors import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, TestSuite

__all__ = ["Tolerance", "values_equal", "input_scale"]


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Float tolerance: `rel` relative to the larger of the two values; `abs` relative to
    the vector's scale (largest float input or expected magnitude), i.e. an absolute floor
    that shrinks with the data (see the module docstring)."""
    rel: float = DEFAULT_REL_TOL
    abs: float = DEFAULT_ABS_TOL

    @classmethod
    def of(cls, suite: TestSuite) -> "Tolerance":
        """The tolerance recorded in the suite's IR."""
        return cls(suite.rel_tol, suite.abs_tol)


def _float_magnitude(v: Any, t: IRType) -> float:
    """The largest finite |float| inside a value of type t (0.0 when it holds none)."""
    match t.kind:
        case Kind.FLOAT:
            return abs(v) if isinstance(v, float) and math.isfinite(v) else 0.0
        case Kind.INT:
            # A float computed from a non-zero whole number passes through magnitudes of at
            # least 1 (rgb_to_yiq(1, 1, 1) is 5.2e-17 in Python, 0 in exact arithmetic);
            # counting |n| itself would let an input of 2**62 excuse any float result.
            return 1.0 if isinstance(v, int) and not isinstance(v, bool) and v != 0 else 0.0
        case Kind.LIST:
            return max((_float_magnitude(x, t.elem) for x in v), default=0.0)
        case Kind.TUPLE:
            return max((_float_magnitude(x, a) for x, a in zip(v, t.args)), default=0.0)
    return 0.0


def input_scale(args: Sequence[Any], param_types: Sequence[IRType]) -> float:
    """The largest finite float magnitude among a vector's arguments, at least 1 when one
    is a non-zero int (0.0 without either)."""
    return max((_float_magnitude(a, t) for a, t in zip(args, param_types)), default=0.0)


def _floats_close(got: float, expected: float, tol: Tolerance, scale: float) -> bool:
    if math.isnan(expected) or math.isnan(got):
        return math.isnan(expected) and math.isnan(got)
    if math.isinf(expected) or math.isinf(got):
        return got == expected
    diff = abs(got - expected)
    if diff <= tol.rel * max(abs(got), abs(expected)):
        return True
    return diff <= tol.abs * max(scale, abs(expected))


def values_equal(got: Any, expected: Any, t: IRType, tol: Tolerance = Tolerance(),
                 scale: float = 0.0) -> bool:
    """got equals expected as values of t; `scale` is `input_scale` of the vector's
    arguments (0.0: floats are compared relative to the expected value alone)."""
    match t.kind:
        case Kind.FLOAT:
            return isinstance(got, float) and _floats_close(got, expected, tol, scale)
        case Kind.INT:
            return isinstance(got, int) and not isinstance(got, bool) and got == expected
        case Kind.BOOL:
            return isinstance(got, bool) and got == expected
        case Kind.STR:
            return isinstance(got, str) and got == expected
        case Kind.LIST:
            return (isinstance(got, list) and len(got) == len(expected)
                    and all(values_equal(g, e, t.elem, tol, scale)
                            for g, e in zip(got, expected)))
        case Kind.TUPLE:
            return (isinstance(got, tuple) and len(got) == len(t.args)
                    and all(values_equal(g, e, a, tol, scale)
                            for g, e, a in zip(got, expected, t.args)))
    return False
