"""The kernel calling convention of the lowered candidates, and condition text helpers.

Key contracts: parameter i of the contract reaches a lowered kernel as `lw_a<i>` (plus
`lw_a<i>_len`, or `_rows`/`_cols`); device copies of host inputs are `lw_d<i>` in the host
function.
"""

from __future__ import annotations

from tolk.ir.function import Signature
from tolk.ir.types import Kind
from tolk.toolchains.cuda.lowering_exprs import ctype

__all__ = ["cond", "kernel_params"]


def cond(code: str) -> str:
    """A condition without the one pair of parentheses that wraps all of it (if any)."""
    if not (code.startswith("(") and code.endswith(")")):
        return code
    depth = 0
    for i, ch in enumerate(code):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(code) - 1:
            return code  # `(a) && (b)`: the first pair closes early
    return code[1:-1]


def kernel_params(sig: Signature) -> tuple[list[str], list[str]]:
    """Kernel parameter declarations, and how the kernel turns them into lw_body arguments."""
    decls, args = [], []
    for i, p in enumerate(sig.params):
        t, a = p.type, f"lw_a{i}"
        if t.kind is Kind.STR:
            decls += [f"char* {a}", f"long long {a}_len"]
            args.append(f"lw::Str{{{a}, {a}_len}}")
        elif t.rank == 1:
            decls += [f"{ctype(t.elem)}* {a}", f"long long {a}_len"]
            args.append(f"lw::wrap({a}, {a}_len)")
        elif t.rank == 2:
            decls += [f"{ctype(t.scalar)}* {a}", f"long long {a}_rows", f"long long {a}_cols"]
            args.append(f"lw::wrap_rows({a}, {a}_rows, {a}_cols)")
        else:
            decls.append(f"{ctype(t)} {a}")
            args.append(a)
    return decls, args
