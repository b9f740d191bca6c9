"""IR types -> Julia types, and the names a Julia contract can use.

Key contracts (see README.md): `int` -> `Int64`, `float` -> `Float64`, `bool` -> `Bool`,
`str` -> `String`, `list[T]` -> `Vector{T}`, `list[list[T]]` -> `Matrix{T}` (Julia is
column-major; the wire and Python are row-major: `m[i][j]` is `m[i+1, j+1]`), a tuple
return -> `Tuple{A, B, ...}`. The function keeps the Python name; a name that is a Julia
keyword (`end`, `function`, `local`, ...) or not a plain ASCII identifier cannot be a
function name and is refused with `unsupported_name:<name>`. Parameter names are not
part of Julia's calling convention (the harness calls positionally): a parameter named
like a keyword gets a trailing underscore, an all-underscore one a leading `v`
(`julia_param_names`).
"""

from __future__ import annotations

import re

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind

__all__ = ["julia_type", "julia_param_names", "supports", "KEYWORDS", "is_identifier",
           "identifier_base", "fresh_identifier"]

_SCALAR = {Kind.INT: "Int64", Kind.FLOAT: "Float64", Kind.BOOL: "Bool", Kind.STR: "String"}
# Reserved words of Julia 1.10, plus the contextual ones that break an identifier in some
# position (`isa`, `where`, `in` are infix keywords; `abstract`/`mutable`/`primitive`/
# `type` start type definitions; `outer` qualifies loop variables; `var` starts var"...").
KEYWORDS = frozenset({
    "baremodule", "begin", "break", "catch", "const", "continue", "do", "else", "elseif",
    "end", "export", "false", "finally", "for", "function", "global", "if", "import", "let",
    "local", "macro", "module", "quote", "return", "struct", "true", "try", "using", "while",
    "isa", "where", "in", "abstract", "mutable", "primitive", "type", "outer", "var",
    "public",  # reserved from Julia 1.11 on: keep candidates forward compatible
})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_identifier(name: str) -> bool:
    """A plain ASCII Julia identifier that is neither a keyword nor all underscores
    (all-underscore names are write-only in Julia)."""
    return bool(_IDENT.fullmatch(name)) and name not in KEYWORDS and name.strip("_") != ""


def julia_type(t: IRType) -> str:
    match t.kind:
        case Kind.TUPLE:
            return f"Tuple{{{', '.join(julia_type(a) for a in t.args)}}}"
        case Kind.LIST if t.rank == 2:
            return f"Matrix{{{_SCALAR[t.scalar.kind]}}}"
        case Kind.LIST:
            return f"Vector{{{julia_type(t.elem)}}}"
    return _SCALAR[t.kind]


def identifier_base(name: str) -> str:
    """An identifier close to `name` (an ASCII word): a keyword gets a trailing `_`
    (`end_`), an all-underscore name (`_`, `__`: write-only in Julia) or one starting
    with a digit gets a leading `v` (`v_`)."""
    if name in KEYWORDS:
        return f"{name}_"
    if not name or name.strip("_") == "" or name[0].isdigit():
        return f"v{name}"
    return name


def fresh_identifier(base: str, taken: set[str]) -> str:
    """The first of base, base_, base__, ... (base made an identifier first) that is not
    in taken, added to taken. Structurally bounded: len(taken) + 1 candidates cover it."""
    base = identifier_base(base)
    for k in range(len(taken) + 1):
        name = base + "_" * k
        if name not in taken:
            taken.add(name)
            return name
    raise AssertionError("unreachable: more candidates than taken names")


def julia_param_names(sig: Signature) -> tuple[str, ...]:
    """The contract's parameter names: Python's (`arg` for a non-ASCII one), made
    identifiers and distinct from the function name and the other parameters."""
    taken = {sig.name}
    return tuple(fresh_identifier(p.name if _IDENT.fullmatch(p.name) else "arg", taken)
                 for p in sig.params)


def unsupported_type(t: IRType) -> str | None:
    """Everything the IR has maps onto Julia; only deeper nesting than a matrix does not."""
    if t.kind is Kind.TUPLE:
        return None if all(a.kind is not Kind.TUPLE and a.rank == 0 for a in t.args) \
            else f"unsupported_type:{t}"
    return f"unsupported_type:{t}" if t.rank > 2 else None


def supports(sig: Signature) -> str | None:
    if not is_identifier(sig.name):
        return f"unsupported_name:{sig.name}"
    for p in sig.params:
        if p.type.kind is Kind.TUPLE:
            return f"unsupported_type:{p.type}"
        if reason := unsupported_type(p.type):
            return reason
    return unsupported_type(sig.returns)
