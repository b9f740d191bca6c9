"""Fortran pieces of LLM prompts: test vectors rendered as Fortran expressions.

Key contracts: `example(sig, vector)` is one line a Fortran programmer reads as
"calling the procedure on these arguments gives this result"; it is illustration for the
model, never compiled. `FENCE` is the info string of the code block answers must use.
"""

from __future__ import annotations

import math
from typing import Any

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.fortran.types import fortran_name, is_subroutine, result_names

__all__ = ["FENCE", "DISPLAY", "literal", "example"]

FENCE = "fortran"
DISPLAY = "Fortran 2018"


def _scalar(v: Any, k: Kind) -> str:
    if k is Kind.BOOL:
        return ".true." if v else ".false."
    if k is Kind.INT:
        return f"{int(v)}_int64"
    if k is Kind.FLOAT:
        f = float(v)
        if math.isnan(f):
            return "ieee_value(0.0_real64, ieee_quiet_nan)"
        if math.isinf(f):
            return ("-" if f < 0 else "") + "huge(0.0_real64)*2"
        return f"{f!r}_real64"
    return '"' + str(v).replace('"', '""') + '"'


def _type_spec(k: Kind) -> str:
    return {Kind.INT: "integer(int64)", Kind.FLOAT: "real(real64)", Kind.BOOL: "logical"}.get(
        k, "character(len=*)")


def literal(v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST and t.elem is not None and t.elem.kind is Kind.LIST:
        rows = len(v)
        cols = len(v[0]) if v else 0
        flat = [x for j in range(cols) for x in (r[j] for r in v)]  # column-major
        inner = ", ".join(_scalar(x, t.elem.elem.kind) for x in flat)
        return f"reshape([{_type_spec(t.elem.elem.kind)} :: {inner}], [{rows}, {cols}])"
    if t.kind is Kind.LIST:
        inner = ", ".join(_scalar(x, t.elem.kind) for x in v)
        return f"[{_type_spec(t.elem.kind)} :: {inner}]"
    if t.kind is Kind.TUPLE:
        return ", ".join(literal(x, a) for x, a in zip(v, t.args))
    return _scalar(v, t.kind)


def example(sig: Signature, args: tuple[Any, ...], expected: Any) -> str:
    call = ", ".join(f"{fortran_name(p.name)}={literal(a, p.type)}"
                     for p, a in zip(sig.params, args))
    name = fortran_name(sig.name)
    if is_subroutine(sig):
        outs = ", ".join(f"{r} = {literal(x, a)}" for r, x, a in
                         zip(result_names(sig), expected, sig.returns.args))
        return f"call {name}({call}, ...) sets {outs}"
    return f"{name}({call}) == {literal(expected, sig.returns)}"
