"""COBOL pieces of LLM prompts: test vectors rendered as the contract's data items.

Key contracts: `example(sig, args, expected)` names the LINKAGE items the harness fills
(`p-<name>`, with `-n` counts for tables) and the result items the program must set
(`res` or `res-1..N`); illustration only, never compiled. `FENCE` is the block tag.
"""

from __future__ import annotations

import math
from typing import Any

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.cobol.types import param_name, program_id, result_names, result_types

__all__ = ["FENCE", "DISPLAY", "literal", "example"]

FENCE = "cobol"
DISPLAY = "GnuCOBOL 3.1 (free format)"


def _scalar(v: Any, k: Kind) -> str:
    if k is Kind.BOOL:
        return "1" if v else "0"
    if k is Kind.INT:
        return str(int(v))
    if k is Kind.FLOAT:
        f = float(v)
        return "NaN" if math.isnan(f) else ("-Inf" if f < 0 else "Inf") if math.isinf(f) else repr(f)
    return '"' + str(v).replace('"', '""') + '"'


def literal(v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST:
        return "(" + ", ".join(literal(x, t.elem) for x in v) + ")"
    return _scalar(v, t.kind)


def _binding(name: str, v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST and t.rank == 2:
        count = f" ({name}-r = {len(v)}, {name}-c = {len(v[0]) if v else 0})"
    else:
        count = f" ({name}-n = {len(v)})" if t.kind is Kind.LIST else ""
    return f"{name} = {literal(v, t)}{count}"


def example(sig: Signature, args: tuple[Any, ...], expected: Any) -> str:
    ins = ", ".join(_binding(param_name(p.name), a, p.type) for p, a in zip(sig.params, args))
    outs = expected if sig.returns.kind is Kind.TUPLE else (expected,)
    res = ", ".join(_binding(n, x, t) for n, x, t in zip(result_names(sig), outs,
                                                        result_types(sig)))
    return f"CALL '{program_id(sig)}' with {ins or 'no parameters'} sets {res}"
