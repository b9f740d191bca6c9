"""Julia pieces of LLM prompts: test vectors rendered as Julia expressions.

Key contracts: `example(sig, args, expected)` is one line `f(args...) == expected` in
Julia syntax (illustration for the model, never run); `FENCE` is the code block tag.
"""

from __future__ import annotations

import math
from typing import Any

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.julia.types import julia_type

__all__ = ["FENCE", "DISPLAY", "literal", "example"]

FENCE = "julia"
DISPLAY = "Julia 1.5"  # what candidates run on (Debian 11's 1.5.3)


def _scalar(v: Any, k: Kind) -> str:
    if k is Kind.BOOL:
        return "true" if v else "false"
    if k is Kind.INT:
        return str(int(v))
    if k is Kind.FLOAT:
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "-Inf" if f < 0 else "Inf"
        return repr(f)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'"{s}"'


def literal(v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST and t.rank == 2:
        if not v or not v[0]:
            return f"{julia_type(t)}(undef, {len(v)}, 0)"
        if len(v[0]) == 1:  # `[a; b]` would be a Vector
            flat = ", ".join(_scalar(row[0], t.scalar.kind) for row in v)
            return f"reshape({julia_type(t.scalar)}[{flat}], {len(v)}, 1)"
        return "[" + "; ".join(" ".join(_scalar(x, t.scalar.kind) for x in row)
                               for row in v) + "]"
    if t.kind is Kind.LIST:
        if not v:
            return f"{julia_type(t.elem)}[]"
        return "[" + ", ".join(literal(x, t.elem) for x in v) + "]"
    if t.kind is Kind.TUPLE:
        return "(" + ", ".join(literal(x, a) for x, a in zip(v, t.args)) + ")"
    return _scalar(v, t.kind)


def example(sig: Signature, args: tuple[Any, ...], expected: Any) -> str:
    call = ", ".join(literal(a, p.type) for p, a in zip(sig.params, args))
    return f"{sig.name}({call}) == {literal(expected, sig.returns)}"
