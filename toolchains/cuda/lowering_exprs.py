"""CUDA lowering of body-IR expressions: one method per node kind, returning C++ text.

Quirks handled here (statements are in lowering.py, the runtime in lw_runtime.cuh):
  - int64 `+ - * ** neg abs` go through `lw::add/sub/mul/...` (unsigned arithmetic:
    wraps, no undefined behaviour); `//` and `%` floor like Python (`lw::floordiv/mod`,
    `lw::ffloordiv/fmod_py` for floats, CPython's own algorithm); `/` is float division.
  - bools in arithmetic are cast to `long long`, ints meeting floats to `double`.
  - str values are `lw::Str` byte slices: compare with `lw::cmp`, concatenate with
    `lw::concat`; indexing gives a one-byte Str (vectors are ASCII, like Fortran's).
  - lists are `lw::List<T>*` (Python's reference semantics); `xs[i]` is `lw::at`, which
    accepts negative indexes and traps out of range (IndexError).
  - float constants are printed with repr (shortest round-trip) or as INFINITY/NAN.

Key contracts: `CudaExprs` keeps no state; a `Names` maps Python names to C++ names.
Whatever the target cannot express raises `UnsupportedProgram("cuda:<what>")`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Callable

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    BinOp, BinOpKind, BoolOp, Call, Compare, Const, Expr, IfExp, Index, ListLit, ListRepeat,
    Name, Slice, TupleLit, UnaryOp,
)
from tolk.ir.types import FLOAT, INT64_MIN, IRType, Kind

__all__ = ["CudaExprs", "EXPRS", "lower_expr", "ctype", "coerce", "Names"]

Names = Mapping[str, str]

_SCALAR = {Kind.INT: "long long", Kind.FLOAT: "double", Kind.BOOL: "bool", Kind.STR: "lw::Str"}
_INT_OPS = {BinOpKind.ADD: "lw::add", BinOpKind.SUB: "lw::sub", BinOpKind.MUL: "lw::mul",
            BinOpKind.FLOORDIV: "lw::floordiv", BinOpKind.MOD: "lw::mod",
            BinOpKind.POW: "lw::ipow"}
_FLOAT_CALLS = {BinOpKind.DIV: "lw::fdiv", BinOpKind.FLOORDIV: "lw::ffloordiv",
                BinOpKind.MOD: "lw::fmod_py", BinOpKind.POW: "lw::fpow"}


def ctype(t: IRType) -> str:
    """Device type of an IR value: scalars by value, lists as `lw::List<T>*`."""
    if t.kind is Kind.LIST:
        return f"lw::List<{ctype(t.elem)}>*"
    if t.kind in _SCALAR:
        return _SCALAR[t.kind]
    raise UnsupportedProgram("cuda:type", str(t))


def coerce(code: str, have: IRType, want: IRType) -> str:
    """`code` (of type `have`) as a value of type `want` (Python's implicit numeric widening)."""
    if have == want or want.kind not in (Kind.INT, Kind.FLOAT):
        return code
    if have.kind in (Kind.INT, Kind.BOOL, Kind.FLOAT) and have.kind is not want.kind:
        return f"static_cast<{_SCALAR[want.kind]}>({code})"
    return code


def _num(t: IRType) -> bool:
    return t.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL)


def _str_literal(s: str) -> tuple[str, int]:
    """A C++ string literal of s's UTF-8 bytes (octal escapes for anything unusual), and
    its byte length."""
    raw = s.encode("utf-8")
    out = []
    for b in raw:
        ch = chr(b)
        if ch in '"\\?' or not 32 <= b < 127:
            out.append(f"\\{b:03o}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"', len(raw)


class CudaExprs:
    """One method per expression node kind; each returns C++ text and keeps no state."""

    def const(self, e: Const, n: Names) -> str:
        v = e.value
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            if v == INT64_MIN:
                return "(-9223372036854775807LL - 1)"
            if not INT64_MIN <= v < 2**63:
                raise UnsupportedProgram("cuda:int_literal_range", str(v))
            return f"{v}LL" if v >= 0 else f"({v}LL)"
        if isinstance(v, float):
            if math.isnan(v):
                return "static_cast<double>(NAN)"
            if math.isinf(v):
                inf = "static_cast<double>(INFINITY)"
                return inf if v > 0 else f"(-{inf})"
            text = repr(v)
            return text if v >= 0 and not text.startswith("-") else f"({text})"
        lit, size = _str_literal(v)
        return f"lw::Str{{{lit}, {size}}}"

    def name(self, e: Name, n: Names) -> str:
        return n[e.id]

    def binop(self, e: BinOp, n: Names) -> str:
        a, b = lower_expr(e.left, n), lower_expr(e.right, n)
        lt, rt = e.left.type, e.right.type
        if e.type.kind is Kind.STR:
            if e.op is BinOpKind.ADD and lt.kind is Kind.STR and rt.kind is Kind.STR:
                return f"lw::concat({a}, {b})"
            raise UnsupportedProgram("cuda:str_op", str(e.op))
        if not (_num(lt) and _num(rt)):
            raise UnsupportedProgram("cuda:binop_operands", f"{lt} {e.op} {rt}")
        if e.type.kind is Kind.INT and e.op in _INT_OPS:
            return f"{_INT_OPS[e.op]}({coerce(a, lt, e.type)}, {coerce(b, rt, e.type)})"
        if e.type.kind is Kind.FLOAT:
            fa, fb = coerce(a, lt, FLOAT), coerce(b, rt, FLOAT)
            if e.op in _FLOAT_CALLS:
                return f"{_FLOAT_CALLS[e.op]}({fa}, {fb})"
            return f"({fa} {e.op.value} {fb})"
        raise UnsupportedProgram("cuda:binop", f"{e.op} -> {e.type}")

    def unaryop(self, e: UnaryOp, n: Names) -> str:
        x = lower_expr(e.operand, n)
        if e.op == "not":
            return f"(!{x})"
        if e.op == "-" and e.type.kind is Kind.INT:
            return f"lw::neg({coerce(x, e.operand.type, e.type)})"
        if e.op == "-" and e.type.kind is Kind.FLOAT:
            return f"(-{x})"
        if e.op == "+":
            return coerce(x, e.operand.type, e.type)
        raise UnsupportedProgram("cuda:unary", e.op)

    def compare(self, e: Compare, n: Names) -> str:
        a, b = lower_expr(e.left, n), lower_expr(e.right, n)
        lt, rt = e.left.type, e.right.type
        if lt.kind is Kind.STR and rt.kind is Kind.STR:
            return f"(lw::cmp({a}, {b}) {e.op.value} 0)"
        if not (_num(lt) and _num(rt)):
            raise UnsupportedProgram("cuda:compare", f"{lt} {e.op} {rt}")
        return f"({a} {e.op.value} {b})"

    def boolop(self, e: BoolOp, n: Names) -> str:
        op = " && " if e.op == "and" else " || "
        return "(" + op.join(lower_expr(v, n) for v in e.values) + ")"

    def ifexp(self, e: IfExp, n: Names) -> str:
        c = lower_expr(e.cond, n)
        a = coerce(lower_expr(e.then, n), e.then.type, e.type)
        b = coerce(lower_expr(e.orelse, n), e.orelse.type, e.type)
        return f"({c} ? {a} : {b})"

    def index(self, e: Index, n: Names) -> str:
        return f"lw::at({lower_expr(e.target, n)}, {lower_expr(e.index, n)})"

    def slice(self, e: Slice, n: Names) -> str:
        return (f"lw::slice({lower_expr(e.target, n)}, {lower_expr(e.lower, n)}, "
                f"{lower_expr(e.upper, n)})")

    def call(self, e: Call, n: Names) -> str:
        args = [lower_expr(a, n) for a in e.args]
        types = [a.type for a in e.args]
        f = e.func
        if f == "len" and len(args) == 1:
            return f"lw::len({args[0]})"
        if f == "abs" and len(args) == 1:
            return (f"::fabs({args[0]})" if e.type.kind is Kind.FLOAT
                    else f"lw::iabs({coerce(args[0], types[0], e.type)})")
        if f == "int" and len(args) == 1:
            return (f"lw::to_int({args[0]})" if types[0].kind is Kind.FLOAT
                    else coerce(args[0], types[0], e.type))
        if f == "float" and len(args) == 1:
            return coerce(args[0], types[0], e.type)
        if f in ("min", "max", "sum") and len(args) == 1 and types[0].kind is Kind.LIST:
            return f"lw::{f}_of({args[0]})"
        if f in ("min", "max") and len(args) == 2:
            t = ctype(e.type)
            a, b = (coerce(x, tx, e.type) for x, tx in zip(args, types))
            return f"lw::{f}2<{t}>({a}, {b})"
        raise UnsupportedProgram("cuda:call", f)

    def listlit(self, e: ListLit, n: Names) -> str:
        elem = e.type.elem
        items = [coerce(lower_expr(x, n), x.type, elem) for x in e.elems]
        return f"lw::make_list<{ctype(elem)}>({', '.join(items)})"

    def listrepeat(self, e: ListRepeat, n: Names) -> str:
        elem = e.type.elem
        count = lower_expr(e.count, n)
        value = coerce(lower_expr(e.elem, n), e.elem.type, elem)
        if elem.kind is Kind.LIST:
            # Each row is built afresh, as the comprehension does.
            return f"lw::repeat_each<{ctype(elem)}>([&]() {{ return {value}; }}, {count})"
        return f"lw::repeat<{ctype(elem)}>({value}, {count})"

    def tuplelit(self, e: TupleLit, n: Names) -> str:
        raise UnsupportedProgram("cuda:tuple_value")


EXPRS = CudaExprs()
_METHODS: dict[type, Callable[[CudaExprs, Expr, Names], str]] = {
    Const: CudaExprs.const, Name: CudaExprs.name, BinOp: CudaExprs.binop,
    UnaryOp: CudaExprs.unaryop, Compare: CudaExprs.compare, BoolOp: CudaExprs.boolop,
    IfExp: CudaExprs.ifexp, Index: CudaExprs.index, Slice: CudaExprs.slice,
    Call: CudaExprs.call, ListLit: CudaExprs.listlit, ListRepeat: CudaExprs.listrepeat,
    TupleLit: CudaExprs.tuplelit,
}


def lower_expr(e: Expr, n: Names, emitter: CudaExprs = EXPRS) -> str:
    method = _METHODS.get(type(e))
    if method is None:
        raise UnsupportedProgram("cuda:expr", type(e).__name__)
    return method(emitter, e, n)
