"""CUDA pieces of LLM prompts: test vectors rendered as host-side C++ values.

Key contracts: `example(sig, args, expected)` names every host parameter of the contract
(inputs with their lengths, then the results the out-parameters must receive), so the
model sees the ABI at work; illustration only, never compiled. `FENCE` is the block tag.
"""

from __future__ import annotations

import math
from typing import Any

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.cuda.types import result_names, returns_void

__all__ = ["FENCE", "DISPLAY", "literal", "example"]

FENCE = "cuda"
DISPLAY = "CUDA C++ (nvcc, C++17)"


def _scalar(v: Any, k: Kind) -> str:
    if k is Kind.BOOL:
        return "true" if v else "false"
    if k is Kind.INT:
        return str(int(v))
    if k is Kind.FLOAT:
        f = float(v)
        if math.isnan(f):
            return "NAN"
        if math.isinf(f):
            return "-INFINITY" if f < 0 else "INFINITY"
        return repr(f)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def literal(v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST and t.rank == 2:
        return "{" + ", ".join(literal(row, t.elem) for row in v) + "}"
    if t.kind is Kind.LIST:
        return "{" + ", ".join(_scalar(x, t.elem.kind) for x in v) + "}"
    return _scalar(v, t.kind)


def _sizes(name: str, v: Any, t: IRType) -> str:
    if t.kind is Kind.STR:
        return f"{name}_len = {len(str(v).encode('utf-8'))}"
    if t.rank == 2:
        return f"{name}_rows = {len(v)}, {name}_cols = {len(v[0]) if v else 0}"
    if t.rank == 1:
        return f"{name}_len = {len(v)}"
    return ""


def _binding(name: str, v: Any, t: IRType) -> str:
    sizes = _sizes(name, v, t)
    return f"{name} = {literal(v, t)}" + (f", {sizes}" if sizes else "")


def example(sig: Signature, args: tuple[Any, ...], expected: Any) -> str:
    ins = "; ".join(_binding(p.name, a, p.type) for p, a in zip(sig.params, args))
    if not returns_void(sig):
        return f"{sig.name}({ins}) returns {literal(expected, sig.returns)}"
    outs = expected if sig.returns.kind is Kind.TUPLE else (expected,)
    types = sig.returns.args if sig.returns.kind is Kind.TUPLE else (sig.returns,)
    res = "; ".join(_binding(n, x, t) for n, x, t in zip(result_names(sig), outs, types))
    return f"{sig.name}({ins}) sets {res}"
