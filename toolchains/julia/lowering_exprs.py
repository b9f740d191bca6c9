"""Julia lowering, expressions: one emitter method per body-IR expression kind.

Julia quirks this module exists for (each one a place where a literal transcription
would change Python's answer):
  - `//` and `%` on ints are `fld` and `mod` (floor, sign of the divisor), not `÷`/`%`
    (`div`/`rem` truncate); on floats they are CPython's fmod-based `py_fld`/`py_mod`
    helpers (so `1.0 // 0.1 == 9.0` as in Python).
  - `/` on ints already gives Float64; `int ** int` is `^` (exact, but wraps on overflow:
    Julia's Int64 arithmetic wraps where Python's ints grow); float powers use `^` on two
    Float64s as Python uses pow().
  - Bools are coerced explicitly before arithmetic (`false * NaN == 0.0` in Julia: a
    "strong zero"; Python gives nan).
  - indexing is 1-based (`xs[i + 1]`, constant offsets folded; `len(xs) - k` is
    `xs[end - k + 1]`); a matrix element is `m[i + 1, j + 1]`, a row `m[i + 1, :]` (a
    copy; Python's row is an alias).
  - `s[i]` on a String is a Char: Python's one-character str is `string(s[i + 1])`.
    Strings are indexed by byte: the lowering is for ASCII strings (non-ASCII literals
    are refused; non-ASCII inputs raise StringIndexError or differ).
  - slices clamp their bounds as Python does (`py_slice`), `[v] * n` and `s * n` with
    n < 0 are empty (`fill`/`repeat` would throw).
  - float `min`/`max` keep Python's first-wins rule for NaN and signed zeros
    (`py_min`, `py_minimum`, ...); Julia's propagate NaN.
  - `and`/`or` are `&&`/`||` and `x if c else y` is `c ? x : y`: both short-circuit as
    Python does, so no temporaries are needed.

Key contracts: `lower_expr(e, scope)` returns a `Frag` whose `code` is a Julia expression
of IR type `frag.type` at precedence `frag.prec`, plus the helper functions it calls in
`frag.needs`. Nothing is kept between calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    BinOp, BinOpKind, BoolOp, Call, CmpOpKind, Compare, Const, Expr, IfExp, Index, ListLit,
    ListRepeat, Name, Slice, TupleLit, UnaryOp,
)
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind
from tolk.toolchains.julia.types import julia_type

__all__ = ["Frag", "Scope", "lower_expr", "coerce", "truth", "paren", "HELPERS",
           "BASE_CALLS", "ATOM", "TERN", "EXPRS"]

# Julia precedence, loosest first (a child below what its position needs gets parens).
TERN, OR, AND, CMP, RANGE, ADD, MUL, UNARY, POW, ATOM = range(1, 11)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Every Base name the lowering may emit: a local or parameter named so would hide it.
BASE_CALLS = frozenset({
    "length", "size", "push!", "fill", "repeat", "permutedims", "reshape", "string", "copy",
    "abs", "min", "max", "minimum", "maximum", "sum", "fld", "mod", "rem", "trunc", "floor",
    "copysign", "isempty", "typemin", "undef", "eachrow", "Int64", "Float64", "Bool",
    "String", "Vector", "Matrix", "Inf", "NaN", "Base", "nothing", "lastindex",
})


@dataclass(frozen=True, slots=True)
class Frag:
    code: str
    type: IRType
    prec: int = ATOM
    needs: frozenset[str] = frozenset()


def derive(code: str, t: IRType, prec: int, *parts: Frag, needs: tuple[str, ...] = ()) -> Frag:
    return Frag(code, t, prec, frozenset(needs).union(*(p.needs for p in parts)))


def paren(f: Frag, level: int) -> str:
    return f.code if f.prec >= level else f"({f.code})"


@dataclass(frozen=True, slots=True)
class Scope:
    """Read-only context: Python name -> Julia name and type, and the Base names the
    function's own name hides (those calls are written `Base.<name>`)."""
    names: Mapping[str, str]
    types: Mapping[str, IRType]
    hidden_base: frozenset[str] = frozenset()
    prefix: str = "t_"
    returns: IRType = INT
    root: tuple = field(default=(), compare=False)

    def var(self, name: str) -> str:
        try:
            return self.names[name]
        except KeyError:
            raise UnsupportedProgram("lowering:unknown_name", name) from None

    def type_of(self, name: str) -> IRType:
        try:
            return self.types[name]
        except KeyError:
            raise UnsupportedProgram("lowering:unknown_name", name) from None

    def fn(self, name: str) -> str:
        return f"Base.{name}" if name in self.hidden_base else name


# ---- literals -------------------------------------------------------------------------

def int_lit(v: int) -> Frag:
    if not INT64_MIN <= v <= INT64_MAX:
        raise UnsupportedProgram("lowering:int_out_of_range", str(v))
    if v == INT64_MIN:  # the literal 9223372036854775808 would be an Int128
        return Frag("typemin(Int64)", INT)
    return Frag(str(v), INT, ATOM if v >= 0 else UNARY)


def float_lit(v: float) -> Frag:
    if math.isnan(v):
        return Frag("NaN", FLOAT)
    if math.isinf(v):
        return Frag("Inf" if v > 0 else "-Inf", FLOAT, ATOM if v > 0 else UNARY)
    text = repr(v)  # shortest round-trip text; Julia reads it back to the same double
    if "." not in text and "e" not in text:
        text += ".0"
    return Frag(text, FLOAT, UNARY if text.startswith("-") else ATOM)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "$": "\\$", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def str_lit(s: str) -> Frag:
    out = []
    for ch in s:
        if ord(ch) > 127:
            # Julia strings index by byte: the lowering's indexing is exact on ASCII only.
            raise UnsupportedProgram("lowering:non_ascii_str", repr(s[:40]))
        out.append(_ESCAPES.get(ch) or (ch if 32 <= ord(ch) < 127 else f"\\x{ord(ch):02x}"))
    return Frag(f'"{"".join(out)}"', STR)


def const_frag(value: object, t: IRType) -> Frag:
    match t.kind:
        case Kind.BOOL:
            return Frag("true" if value else "false", BOOL)
        case Kind.INT:
            return int_lit(int(value))  # type: ignore[call-overload]
        case Kind.FLOAT:
            return float_lit(float(value))  # type: ignore[arg-type]
        case Kind.STR:
            return str_lit(str(value))
    raise UnsupportedProgram("lowering:const_type", str(t))


# ---- conversions ----------------------------------------------------------------------

def coerce(f: Frag, to: IRType) -> Frag:
    """Python's implicit numeric widening, made explicit."""
    if f.type == to:
        return f
    src, dst = f.type.scalar.kind, to.scalar.kind
    if f.type.rank == 0 and to.rank == 0:
        if src is Kind.INT and dst is Kind.FLOAT and f.code.lstrip("-").isdigit():
            return float_lit(float(int(f.code)))
        if src in (Kind.INT, Kind.BOOL) and dst is Kind.FLOAT:
            return derive(f"Float64({f.code})", to, ATOM, f)
        if src is Kind.BOOL and dst is Kind.INT:
            return derive(f"Int64({f.code})", to, ATOM, f)
    elif f.type.rank == to.rank and src in (Kind.INT, Kind.BOOL) and dst is Kind.FLOAT:
        return derive(f"Float64.({f.code})", to, ATOM, f)
    raise UnsupportedProgram("lowering:type_mismatch", f"{f.type} -> {to}")


def arith(f: Frag, t: IRType) -> Frag:
    """An operand of arithmetic of type t: bools become numbers; ints stay ints inside
    float arithmetic (Julia promotes them exactly as Python does)."""
    if f.type.kind is Kind.BOOL or (t.kind is Kind.INT and f.type.kind is not Kind.INT):
        return coerce(f, t)
    return f


def truth(f: Frag, s: Scope) -> Frag:
    """Python truthiness as a Bool (the front end usually made it explicit already)."""
    match f.type.kind:
        case Kind.BOOL:
            return f
        case Kind.INT:
            return derive(f"{paren(f, CMP + 1)} != 0", BOOL, CMP, f)
        case Kind.FLOAT:
            return derive(f"{paren(f, CMP + 1)} != 0.0", BOOL, CMP, f)
    return derive(f"!{s.fn('isempty')}({f.code})", BOOL, UNARY, f)


def length(f: Frag, s: Scope) -> Frag:
    if f.type.kind is Kind.LIST and f.type.rank == 2:
        return derive(f"{s.fn('size')}({f.code}, 1)", INT, ATOM, f)
    return derive(f"{s.fn('length')}({f.code})", INT, ATOM, f)


def _is_len_of(e: Expr, target: Expr) -> bool:
    return isinstance(e, Call) and e.func == "len" and e.args == (target,)


def subscript(target: Expr, idx: Expr, s: Scope, end_ok: bool = True) -> Frag:
    """The 1-based subscript for Python's target[idx] (idx 0-based): constants and
    `i ± k` fold the +1, `len(target) - k` becomes `end - k + 1`."""
    if isinstance(idx, Const) and type(idx.value) is int:
        if idx.value < 0:  # the front end normally rewrote this already
            idx = BinOp(BinOpKind.SUB, Call("len", (target,), INT), Const(-idx.value, INT), INT)
        else:
            return int_lit(idx.value + 1)
    if isinstance(idx, BinOp) and idx.op in (BinOpKind.ADD, BinOpKind.SUB) and \
            isinstance(idx.right, Const) and type(idx.right.value) is int and \
            idx.left.type == INT and idx.type == INT:
        k = (idx.right.value if idx.op is BinOpKind.ADD else -idx.right.value) + 1
        if end_ok and idx.op is BinOpKind.SUB and _is_len_of(idx.left, target):
            base = Frag("end", INT)
        else:
            base = lower_expr(idx.left, s)
        if k == 0:
            return base
        return derive(f"{paren(base, ADD)} {'+' if k > 0 else '-'} {abs(k)}", INT, ADD, base)
    f = coerce(lower_expr(idx, s), INT)
    return derive(f"{paren(f, ADD)} + 1", INT, ADD, f)


# ---- the emitter ----------------------------------------------------------------------

_ARITH = {BinOpKind.ADD: ("+", ADD), BinOpKind.SUB: ("-", ADD), BinOpKind.MUL: ("*", MUL)}
_CHECKED = {BinOpKind.ADD: "Base.Checked.checked_add", BinOpKind.SUB: "Base.Checked.checked_sub",
            BinOpKind.MUL: "Base.Checked.checked_mul"}
_CMP = {CmpOpKind.EQ: "==", CmpOpKind.NE: "!=", CmpOpKind.LT: "<", CmpOpKind.LE: "<=",
        CmpOpKind.GT: ">", CmpOpKind.GE: ">="}


class JuliaExprs:
    """One method per expression node kind; each returns a Frag and keeps no state."""

    def const(self, e: Const, s: Scope) -> Frag:
        return const_frag(e.value, e.type)

    def name(self, e: Name, s: Scope) -> Frag:
        return Frag(s.var(e.id), e.type)

    def binop(self, e: BinOp, s: Scope) -> Frag:
        left, right = lower_expr(e.left, s), lower_expr(e.right, s)
        t = e.type
        if t.kind is Kind.STR:
            return self._str_binop(e.op, left, right, s)
        if t.kind not in (Kind.INT, Kind.FLOAT):
            raise UnsupportedProgram("lowering:binop_type", f"{e.op} on {t}")
        match e.op:
            case BinOpKind.DIV:  # Int64 / Int64 is already Float64 in Julia
                lhs, rhs = arith(left, FLOAT), arith(right, FLOAT)
                return derive(f"{paren(lhs, MUL)} / {paren(rhs, MUL + 1)}", FLOAT, MUL, lhs, rhs)
            case BinOpKind.FLOORDIV | BinOpKind.MOD if t.kind is Kind.INT:
                lhs, rhs = coerce(left, INT), coerce(right, INT)
                fn = s.fn("fld" if e.op is BinOpKind.FLOORDIV else "mod")
                return derive(f"{fn}({lhs.code}, {rhs.code})", INT, ATOM, lhs, rhs)
            case BinOpKind.FLOORDIV | BinOpKind.MOD:
                lhs, rhs = coerce(left, FLOAT), coerce(right, FLOAT)
                fn = "py_fld" if e.op is BinOpKind.FLOORDIV else "py_mod"
                return derive(f"{fn}({lhs.code}, {rhs.code})", FLOAT, ATOM, lhs, rhs,
                              needs=(fn,))
            case BinOpKind.POW:
                lhs, rhs = coerce(left, t), coerce(right, t)
                return derive(f"{paren(lhs, POW + 1)} ^ {paren(rhs, POW)}", t, POW, lhs, rhs)
            case _ if t.kind is Kind.INT:
                # The int64 contract: overflow throws OverflowError (a runtime error),
                # never wraps like Julia's plain Int64 arithmetic.
                lhs, rhs = arith(left, t), arith(right, t)
                fn = _CHECKED[e.op]
                return derive(f"{fn}({lhs.code}, {rhs.code})", INT, ATOM, lhs, rhs)
            case _:
                op, level = _ARITH[e.op]
                lhs, rhs = arith(left, t), arith(right, t)
                return derive(f"{paren(lhs, level)} {op} {paren(rhs, level + 1)}", t, level,
                              lhs, rhs)

    def _str_binop(self, op: BinOpKind, left: Frag, right: Frag, s: Scope) -> Frag:
        if op is BinOpKind.ADD:
            return derive(f"{paren(left, MUL)} * {paren(right, MUL + 1)}", STR, MUL, left, right)
        if op is BinOpKind.MUL:
            text, n = (left, right) if left.type.kind is Kind.STR else (right, left)
            n = coerce(n, INT)
            # repeat() throws on a negative count; Python gives "".
            count = n.code if n.code.isdigit() else f"{s.fn('max')}({n.code}, 0)"
            return derive(f"{s.fn('repeat')}({text.code}, {count})", STR, ATOM, text, n)
        raise UnsupportedProgram("lowering:binop_type", f"{op} on str")

    def unaryop(self, e: UnaryOp, s: Scope) -> Frag:
        f = lower_expr(e.operand, s)
        if e.op == "not":
            if f.type.kind is Kind.BOOL:
                return derive(f"!{paren(f, UNARY + 1)}", BOOL, UNARY, f)
            if f.type.kind in (Kind.INT, Kind.FLOAT):
                zero = "0" if f.type.kind is Kind.INT else "0.0"
                return derive(f"{paren(f, CMP + 1)} == {zero}", BOOL, CMP, f)
            return derive(f"{s.fn('isempty')}({f.code})", BOOL, ATOM, f)
        if e.op in ("-", "+") and e.type.kind in (Kind.INT, Kind.FLOAT):
            f = coerce(f, e.type)
            if e.op == "+":
                return f
            if f.code.lstrip("-").replace(".", "", 1).isdigit() and not f.code.startswith("-"):
                return derive(f"-{f.code}", e.type, UNARY, f)
            if e.type.kind is Kind.INT:  # -typemin(Int64) would wrap
                return derive(f"Base.Checked.checked_neg({f.code})", INT, ATOM, f)
            return derive(f"-{paren(f, POW)}", e.type, UNARY, f)
        raise UnsupportedProgram("lowering:unary_op", f"{e.op} on {e.type}")

    def compare(self, e: Compare, s: Scope) -> Frag:
        left, right = lower_expr(e.left, s), lower_expr(e.right, s)
        kinds = {left.type.kind, right.type.kind}
        if not (kinds == {Kind.STR} or kinds <= {Kind.INT, Kind.FLOAT, Kind.BOOL}):
            raise UnsupportedProgram("lowering:compare_type", f"{left.type} {e.op} {right.type}")
        if left.type.rank or right.type.rank:
            raise UnsupportedProgram("lowering:compare_type", f"{left.type} {e.op} {right.type}")
        # Int64 vs Float64 comparisons are exact in Julia, as in Python.
        return derive(f"{paren(left, CMP + 1)} {_CMP[e.op]} {paren(right, CMP + 1)}", BOOL, CMP,
                      left, right)

    def boolop(self, e: BoolOp, s: Scope) -> Frag:
        if e.op not in ("and", "or"):
            raise UnsupportedProgram("lowering:bool_op", e.op)
        vals = [lower_expr(v, s) for v in e.values]
        if any(v.type.kind is not Kind.BOOL for v in vals):
            # Python's `and`/`or` return an operand, not a bool.
            raise UnsupportedProgram("lowering:boolop_nonbool",
                                     ", ".join(str(v.type) for v in vals))
        level = AND if e.op == "and" else OR
        op = " && " if e.op == "and" else " || "
        return derive(op.join(paren(v, level + 1) for v in vals), BOOL, level, *vals)

    def ifexp(self, e: IfExp, s: Scope) -> Frag:
        cond = truth(lower_expr(e.cond, s), s)
        then = coerce(lower_expr(e.then, s), e.type)
        other = coerce(lower_expr(e.orelse, s), e.type)
        return derive(f"{paren(cond, OR)} ? {paren(then, OR)} : {paren(other, TERN)}", e.type,
                      TERN, cond, then, other)

    def index(self, e: Index, s: Scope) -> Frag:
        if isinstance(e.target, Index) and e.target.target.type.rank == 2:
            # m[i][j] -> m[i + 1, j + 1]: one element, no row copy.
            row = e.target
            m = lower_expr(row.target, s)
            r = subscript(row.target, row.index, s)
            c = subscript(row, e.index, s, end_ok=False)
            return derive(f"{paren(m, ATOM)}[{r.code}, {c.code}]", e.type, ATOM, m, r, c)
        tgt = lower_expr(e.target, s)
        i = subscript(e.target, e.index, s)
        if tgt.type.kind is Kind.STR:
            # A String index gives a Char; Python's s[i] is a one-character str.
            return derive(f"{s.fn('string')}({paren(tgt, ATOM)}[{i.code}])", STR, ATOM, tgt, i)
        if tgt.type.rank == 2:
            return derive(f"{paren(tgt, ATOM)}[{i.code}, :]", e.type, ATOM, tgt, i)
        return derive(f"{paren(tgt, ATOM)}[{i.code}]", e.type, ATOM, tgt, i)

    def slice(self, e: Slice, s: Scope) -> Frag:
        tgt = lower_expr(e.target, s)
        if tgt.type.rank > 1:
            raise UnsupportedProgram("lowering:matrix_slice")
        if isinstance(e.lower, Const) and e.lower.value == 0 and _is_len_of(e.upper, e.target):
            # xs[:] is a copy (lists are shared objects in both languages); strings are values.
            return tgt if tgt.type.kind is Kind.STR else \
                derive(f"{s.fn('copy')}({tgt.code})", tgt.type, ATOM, tgt)
        lo = coerce(lower_expr(e.lower, s), INT)
        hi = coerce(lower_expr(e.upper, s), INT)
        return derive(f"py_slice({tgt.code}, {lo.code}, {hi.code})", e.type, ATOM, tgt, lo, hi,
                      needs=("py_slice",))

    def call(self, e: Call, s: Scope) -> Frag:
        t = e.type
        if e.func == "len" and len(e.args) == 1 and isinstance(e.args[0], Index) and \
                e.args[0].target.type.rank == 2:
            # len(m[i]) of a matrix: its column count, once row i exists (Python's m[i]
            # raises IndexError on a matrix without that row, `[]` included).
            m = lower_expr(e.args[0].target, s)
            i = coerce(lower_expr(e.args[0].index, s), INT)
            return derive(f"py_ncols({m.code}, {i.code})", INT, ATOM, m, i, needs=("py_ncols",))
        args = [lower_expr(a, s) for a in e.args]
        match e.func, args:
            case "len", [a]:
                return length(a, s)
            case "abs", [a] if t.kind in (Kind.INT, Kind.FLOAT):
                a = coerce(a, t)
                return derive(f"{s.fn('abs')}({a.code})", t, ATOM, a)
            case ("min" | "max"), [a] if a.type.rank == 1 and t.kind is Kind.INT:
                a = coerce(a, IRType(Kind.LIST, (t,)))
                fn = s.fn("minimum" if e.func == "min" else "maximum")
                return derive(f"{fn}({a.code})", t, ATOM, a)  # throws on [] as Python does
            case ("min" | "max"), [a] if a.type.rank == 1 and t.kind is Kind.FLOAT:
                a = coerce(a, IRType(Kind.LIST, (t,)))
                fn = "py_minimum" if e.func == "min" else "py_maximum"
                return derive(f"{fn}({a.code})", t, ATOM, a, needs=(fn,))
            case ("min" | "max"), [_, _, *_] if t.kind is Kind.INT:
                cs = [coerce(a, t) for a in args]
                return derive(f"{s.fn(e.func)}({', '.join(c.code for c in cs)})", t, ATOM, *cs)
            case ("min" | "max"), [_, _, *_] if t.kind is Kind.FLOAT:
                # Python keeps the first argument unless a later one compares smaller
                # (larger); Julia's min/max propagate NaN and order signed zeros.
                cs = [coerce(a, t) for a in args]
                fn = f"py_{e.func}"
                acc = cs[0]
                for c in cs[1:]:
                    acc = derive(f"{fn}({acc.code}, {c.code})", t, ATOM, acc, c, needs=(fn,))
                return acc
            case "sum", [a] if a.type.rank == 1 and a.type.elem.kind is Kind.BOOL:
                return derive(f"{s.fn('sum')}({a.code})", INT, ATOM, a)  # sum(Bool[]) == 0
            case "sum", [a] if a.type.rank == 1 and t.kind in (Kind.INT, Kind.FLOAT):
                a = coerce(a, IRType(Kind.LIST, (t,)))
                return derive(f"{s.fn('sum')}({a.code})", t, ATOM, a)  # sum(Int64[]) == 0
            case "int", [a] if a.type.kind is Kind.FLOAT:
                return derive(f"{s.fn('trunc')}(Int64, {a.code})", INT, ATOM, a)
            case "int", [a] if a.type.kind in (Kind.INT, Kind.BOOL):
                return coerce(a, INT)
            case "float", [a] if a.type.kind in (Kind.INT, Kind.BOOL, Kind.FLOAT):
                return coerce(a, FLOAT)
        raise UnsupportedProgram(f"lowering:call:{e.func}",
                                 f"({', '.join(str(a.type) for a in args)}) -> {t}")

    def listlit(self, e: ListLit, s: Scope) -> Frag:
        if e.type.rank == 1:
            elems = [coerce(lower_expr(x, s), e.type.elem) for x in e.elems]
            return derive(f"{julia_type(e.type.elem)}[{', '.join(x.code for x in elems)}]",
                          e.type, ATOM, *elems)
        if not all(isinstance(r, ListLit) for r in e.elems):
            raise UnsupportedProgram("lowering:matrix_from_rows")
        widths = {len(r.elems) for r in e.elems}  # type: ignore[union-attr]
        if len(widths) > 1:
            raise UnsupportedProgram("lowering:ragged_matrix")
        cols, rows = (widths.pop() if widths else 0), len(e.elems)
        scalar = julia_type(e.type.scalar)
        rows_ = [r.elems for r in e.elems]  # type: ignore[union-attr]
        cells = [[coerce(lower_expr(x, s), e.type.scalar) for x in r] for r in rows_]
        flat = [c for row in cells for c in row]
        if rows == 0 or cols == 0:
            return Frag(f"Matrix{{{scalar}}}(undef, {rows}, {cols})", e.type)
        if cols == 1:  # `T[a; b]` would be a Vector
            return derive(f"reshape({scalar}[{', '.join(c.code for c in flat)}], {rows}, 1)",
                          e.type, ATOM, *flat)
        # Inside [...] blanks separate elements: every compound element gets parens.
        body = "; ".join(" ".join(paren(c, ATOM) for c in row) for row in cells)
        return derive(f"{scalar}[{body}]", e.type, ATOM, *flat)

    def listrepeat(self, e: ListRepeat, s: Scope) -> Frag:
        n = coerce(lower_expr(e.count, s), INT)
        count = n.code if n.code.isdigit() else f"{s.fn('max')}({n.code}, 0)"
        if e.type.rank == 1:
            elem = coerce(lower_expr(e.elem, s), e.type.elem)
            return derive(f"{s.fn('fill')}({elem.code}, {count})", e.type, ATOM, elem, n)
        if isinstance(e.elem, ListRepeat):  # [[v] * m for _ in range(n)]
            v = coerce(lower_expr(e.elem.elem, s), e.type.scalar)
            m = coerce(lower_expr(e.elem.count, s), INT)
            cols = m.code if m.code.isdigit() else f"{s.fn('max')}({m.code}, 0)"
            return derive(f"{s.fn('fill')}({v.code}, {count}, {cols})", e.type, ATOM, v, n, m)
        if not isinstance(e.elem, (ListLit, Slice)):
            # `[row for _ in range(n)]` makes n references to one list in Python.
            raise UnsupportedProgram("lowering:matrix_rows_alias")
        row = coerce(lower_expr(e.elem, s), e.type.elem)
        return derive(f"{s.fn('repeat')}({s.fn('permutedims')}({row.code}), {count}, 1)",
                      e.type, ATOM, row, n)

    def tuplelit(self, e: TupleLit, s: Scope) -> Frag:
        raise UnsupportedProgram("lowering:tuple_value", "tuples only appear in return")


EXPRS = JuliaExprs()
_METHODS: dict[type, Callable[[JuliaExprs, Expr, Scope], Frag]] = {
    Const: JuliaExprs.const, Name: JuliaExprs.name, BinOp: JuliaExprs.binop,
    UnaryOp: JuliaExprs.unaryop, Compare: JuliaExprs.compare, BoolOp: JuliaExprs.boolop,
    IfExp: JuliaExprs.ifexp, Index: JuliaExprs.index, Slice: JuliaExprs.slice,
    Call: JuliaExprs.call, ListLit: JuliaExprs.listlit, ListRepeat: JuliaExprs.listrepeat,
    TupleLit: JuliaExprs.tuplelit,
}


def lower_expr(e: Expr, s: Scope, emitter: JuliaExprs = EXPRS) -> Frag:
    """The expression walker: dispatch on the node kind to the emitter's method."""
    method = _METHODS.get(type(e))
    if method is None:
        raise UnsupportedProgram("lowering:expr", type(e).__name__)
    return method(emitter, e, s)


# ---- helper functions (emitted after the candidate function only when referenced) ----

HELPERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "py_fld": ((), """\
function py_fld(a::Float64, b::Float64)::Float64
    # CPython's float floor division, from fmod (rem): 1.0 // 0.1 == 9.0
    m = rem(a, b)
    d = (a - m) / b
    if m != 0.0 && ((b < 0.0) != (m < 0.0))
        d -= 1.0
    end
    if d != 0.0
        q = floor(d)
        if d - q > 0.5
            q += 1.0
        end
        return q
    end
    return copysign(0.0, a / b)
end"""),
    "py_mod": ((), """\
function py_mod(a::Float64, b::Float64)::Float64
    # CPython's float %: fmod (rem), moved to the divisor's sign; a zero takes b's sign
    m = rem(a, b)
    if m == 0.0
        return copysign(0.0, b)
    end
    return (b < 0.0) != (m < 0.0) ? m + b : m
end"""),
    "py_min": ((), """\
# Python's min(a, b): a unless b compares smaller (NaN and signed zeros as Python has them)
py_min(a::Float64, b::Float64)::Float64 = b < a ? b : a"""),
    "py_max": ((), """\
# Python's max(a, b): a unless b compares larger
py_max(a::Float64, b::Float64)::Float64 = b > a ? b : a"""),
    "py_minimum": ((), """\
function py_minimum(xs::Vector{Float64})::Float64
    # Python's min(list): the first element unless a later one compares smaller
    r = xs[1]
    for x in xs
        if x < r
            r = x
        end
    end
    return r
end"""),
    "py_maximum": ((), """\
function py_maximum(xs::Vector{Float64})::Float64
    # Python's max(list): the first element unless a later one compares larger
    r = xs[1]
    for x in xs
        if x > r
            r = x
        end
    end
    return r
end"""),
    "py_ncols": ((), """\
function py_ncols(m::Matrix, i::Int64)::Int64
    # Python's len(m[i]): the row must exist (a negative i counts from the end)
    n = size(m, 1)
    (-n <= i < n) || throw(BoundsError(m, (i < 0 ? i + n : i) + 1))
    return size(m, 2)
end"""),
    "py_slice": ((), """\
function py_slice(x::Union{String, Vector}, lo::Int64, hi::Int64)
    # Python's x[lo:hi]: a negative bound counts from the end, then both clamp to [0, n]
    n = length(x)
    a = lo < 0 ? max(lo + n, 0) : min(lo, n)
    b = hi < 0 ? max(hi + n, 0) : min(hi, n)
    return x[a + 1:max(a, b)]
end"""),
}
