"""IR types -> Fortran declarations, and which signatures the Fortran contract can express.

Key contracts (see README.md): dummies are `intent(in)` with assumed length/shape; a
non-tuple return is a function with `result(res)`, a tuple return a subroutine with
`intent(out)` dummies `res1..resN` after the parameters. Strings and arrays that the
procedure produces (results, locals) are `allocatable` with deferred length/shape.
Every name is the Python name lower-cased (Fortran is case-insensitive).
"""

from __future__ import annotations

import re
from typing import Literal

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind

__all__ = [
    "fortran_name", "is_subroutine", "result_names", "type_spec", "declaration", "param_decl",
    "local_decl", "result_decls", "unsupported_type", "supports",
]

_SCALAR_SPEC = {
    Kind.INT: "integer(int64)",
    Kind.FLOAT: "real(real64)",
    Kind.BOOL: "logical",
}
_SHAPE = {0: "", 1: "(:)", 2: "(:,:)"}
_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,62}")
# Names the module itself uses: the module name and what it imports from iso_fortran_env.
_MODULE_NAMES = frozenset({"candidate", "int64", "real64"})

Intent = Literal["in", "out"] | None


def fortran_name(name: str) -> str:
    return name.lower()


def is_subroutine(sig: Signature) -> bool:
    """Tuple returns become subroutines with one out-dummy per element."""
    return sig.returns.kind is Kind.TUPLE


def result_names(sig: Signature) -> tuple[str, ...]:
    if is_subroutine(sig):
        return tuple(f"res{i}" for i in range(1, len(sig.returns.args) + 1))
    return ("res",)


def type_spec(t: IRType, *, assumed_len: bool = False) -> str:
    """Type spec of t's scalar: `integer(int64)`, `real(real64)`, `logical`, or
    `character(len=*)` (assumed, for in-dummies) / `character(len=:)` (deferred)."""
    if t.scalar.kind is Kind.STR:
        return "character(len=*)" if assumed_len else "character(len=:)"
    return _SCALAR_SPEC[t.scalar.kind]


def declaration(name: str, t: IRType, intent: Intent = None) -> str:
    """One entity declaration. `intent="in"` gives an assumed-length/shape dummy; anything
    else (locals, results, out-dummies) is allocatable when t is a string or a list,
    since its size is only known once computed."""
    if t.kind is Kind.TUPLE:
        raise ValueError("tuples have no Fortran entity; declare each element")
    scalar = t.scalar
    attrs = [type_spec(scalar, assumed_len=intent == "in")]
    if intent != "in" and (scalar.kind is Kind.STR or t.rank > 0):
        attrs.append("allocatable")
    if intent is not None:
        attrs.append(f"intent({intent})")
    return f"{', '.join(attrs)} :: {fortran_name(name)}{_SHAPE[t.rank]}"


def param_decl(name: str, t: IRType) -> str:
    return declaration(name, t, "in")


def local_decl(name: str, t: IRType) -> str:
    return declaration(name, t)


def result_decls(sig: Signature) -> tuple[str, ...]:
    if is_subroutine(sig):
        return tuple(declaration(n, t, "out")
                     for n, t in zip(result_names(sig), sig.returns.args, strict=True))
    return (declaration("res", sig.returns),)


def unsupported_type(t: IRType) -> str | None:
    """Reason when t has no Fortran mapping: arrays of strings (a Fortran character array
    has one length for all elements), anything deeper than a matrix, tuples of non-scalars."""
    if t.kind is Kind.TUPLE:
        return None if all(a.is_scalar for a in t.args) else f"unsupported_type:{t}"
    if t.rank > 2 or (t.rank > 0 and t.scalar.kind is Kind.STR):
        return f"unsupported_type:{t}"
    return None


def supports(sig: Signature) -> str | None:
    for p in sig.params:
        if p.type.kind is Kind.TUPLE:
            return f"unsupported_type:{p.type}"
        if reason := unsupported_type(p.type):
            return reason
    return unsupported_type(sig.returns) or _unsupported_name(sig)


def _unsupported_name(sig: Signature) -> str | None:
    proc = fortran_name(sig.name)
    seen = {proc, *_MODULE_NAMES, *result_names(sig)}
    # `function res(...) result(res)` is an error: the result must be named otherwise.
    if not _IDENT.fullmatch(sig.name) or proc in _MODULE_NAMES or proc in result_names(sig):
        return f"unsupported_name:{sig.name}"
    for p in sig.params:
        # Dummies share one scope with the procedure name and the result dummies.
        if not _IDENT.fullmatch(p.name) or fortran_name(p.name) in seen:
            return f"unsupported_name:{p.name}"
        seen.add(fortran_name(p.name))
    return None
