"""Fortran lowering, expressions: one emitter method per body-IR expression kind.

Fortran quirks this module exists for (each one a place where a literal transcription
would change Python's answer):
  - `/` truncates on integers, `mod` takes the dividend's sign: `//` and `%` go through
    `py_floordiv_i` / `modulo` on ints and CPython's fmod-based `py_floordiv_f` /
    `py_mod_f` on floats (so `1.0 // 0.1 == 9.0` as in Python, not `floor(1/0.1) == 10`).
  - mixed int/float arithmetic and `float ** int` convert explicitly with
    `real(x, real64)` (Fortran's `x ** n` multiplies, Python calls `pow`); bools in
    arithmetic become `merge(1_int64, 0_int64, b)`.
  - literals carry kinds (`5_int64`, `0.1_real64`); `-2**63` is written as a difference.
  - `==` on strings pads the shorter one with blanks ("a" == "a " in Fortran): every str
    comparison goes through `py_str_eq` / `py_str_cmp`.
  - `.and.`, `.or.` and `merge` evaluate every operand: when a later operand could fault
    (an index out of bounds, an integer division by zero) the expression is computed
    into a hidden temporary with nested ifs, as Python short-circuits.
  - arrays and strings are 1-based; slices clamp their bounds as Python does
    (`py_slice_*`), and `[v] * n` with n < 0 is empty (`spread` needs n >= 0).

Key contracts: `lower_expr(e, scope)` returns a `Frag` whose `code` is a Fortran
expression of IR type `frag.type`, valid after the statements in `frag.pre` ran; the
hidden temporaries those statements use travel in `frag.temps`, and every intrinsic or
helper the code references in `frag.needs`. Nothing is kept between calls: hidden names
derive from the node's position (`Scope.path`), so the emitter is stateless.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    BinOp, BinOpKind, BoolOp, Call, CmpOpKind, Compare, Const, Expr, IfExp, Index, ListLit,
    ListRepeat, Name, Slice, TupleLit, UnaryOp,
)
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind
from tolk.toolchains.fortran.types import type_spec

__all__ = ["Frag", "Scope", "Lines", "Temps", "lower_expr", "coerce", "truth", "length",
           "render", "indent", "paren", "from_end", "subscript", "HELPERS", "APPEND_HELPER",
           "INTRINSICS", "MAX_NAME", "ATOM", "ADD", "EXPRS"]

# Fortran operator precedence, loosest first; a child whose level is below what its
# parent position needs is parenthesised.
EQV, OR, AND, NOT, REL, CAT, ADD, MUL, POW, ATOM = range(10)
MAX_NAME = 63
_INT_LIT = re.compile(r"-?[0-9]+_int64")
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Every intrinsic this lowering may emit: a local with one of these names would hide it.
INTRINSICS = frozenset({
    "abs", "achar", "aint", "count", "ichar", "int", "len", "max", "maxval", "merge", "min",
    "minval", "mod", "modulo", "move_alloc", "real", "repeat", "reshape", "sign", "size",
    "spread", "sum",
})
Lines = tuple[str, ...]
Temps = tuple[tuple[str, IRType], ...]


@dataclass(frozen=True, slots=True)
class Frag:
    """A lowered expression and everything it needs."""
    code: str
    type: IRType
    prec: int = ATOM
    pre: Lines = ()
    temps: Temps = ()
    needs: frozenset[str] = frozenset()
    fault: bool = False   # evaluating it may abort (bounds, integer division by zero)
    is_name: bool = False


def derive(code: str, t: IRType, prec: int, *parts: Frag, needs: tuple[str, ...] = (),
           fault: bool = False, pre: Lines = (), temps: Temps = ()) -> Frag:
    """A Frag built from `parts`: their statements, temporaries, needs and faults carry over."""
    return Frag(code, t, prec,
                tuple(line for p in parts for line in p.pre) + pre,
                tuple(tv for p in parts for tv in p.temps) + temps,
                frozenset(needs).union(*(p.needs for p in parts)),
                fault or any(p.fault for p in parts))


def paren(f: Frag, level: int) -> str:
    return f.code if f.prec >= level else f"({f.code})"


@dataclass(frozen=True, slots=True)
class Scope:
    """Read-only lowering context: Python name -> Fortran name, the hidden-name prefix
    (no user name starts with it) and the position of the node being lowered."""
    names: Mapping[str, str]
    prefix: str
    path: str = ""
    returns: IRType = INT
    results: tuple[str, ...] = ("res",)
    types: Mapping[str, IRType] = field(default_factory=dict)  # Python name -> IR type
    root: tuple = field(default=(), compare=False)  # the whole body, for loop analyses
    # Python names whose Fortran variable is an allocatable local of the procedure (not a
    # dummy): a `return` may move it into the result instead of copying it.
    owned: frozenset[str] = frozenset()

    def at(self, tag: str, i: int) -> "Scope":
        return replace(self, path=f"{self.path}{tag}{i}")

    def hidden(self, kind: str) -> str:
        name = f"{self.prefix}{kind}{self.path}"
        if len(name) > MAX_NAME:
            raise UnsupportedProgram("lowering:nesting_too_deep", name)
        return name

    def type_of(self, name: str) -> IRType:
        try:
            return self.types[name]
        except KeyError:
            raise UnsupportedProgram("lowering:unknown_name", name) from None

    def var(self, name: str) -> str:
        try:
            return self.names[name]
        except KeyError:
            raise UnsupportedProgram("lowering:unknown_name", name) from None


# ---- literals -------------------------------------------------------------------------

def int_lit(v: int) -> Frag:
    if not INT64_MIN <= v <= INT64_MAX:
        raise UnsupportedProgram("lowering:int_out_of_range", str(v))
    if v == INT64_MIN:  # 9223372036854775808_int64 itself does not fit
        return Frag(f"(-{INT64_MAX}_int64 - 1_int64)", INT)
    return Frag(f"{v}_int64", INT, ATOM if v >= 0 else ADD)


def float_lit(v: float) -> Frag:
    if not math.isfinite(v):
        raise UnsupportedProgram("lowering:nonfinite_literal", repr(v))
    # repr is the shortest text that reads back as the same double; gfortran rounds
    # decimal literals correctly, so the value is bit-identical.
    text = repr(v)
    return Frag(f"{text}_real64", FLOAT, ADD if text.startswith("-") else ATOM)


def str_lit(s: str) -> Frag:
    """Quoted ASCII runs of at most 50 characters (so long literals can be wrapped at the
    `//` between them), control characters as achar(n)."""
    pieces: list[str] = []
    run = ""
    for ch in s:
        code = ord(ch)
        if code > 127:
            # Fortran characters are bytes: len and indexing would count UTF-8 bytes.
            raise UnsupportedProgram("lowering:non_ascii_str", repr(s[:40]))
        if 32 <= code < 127 and len(run) < 50:
            run += "''" if ch == "'" else ch
            continue
        if run:
            pieces.append(f"'{run}'")
            run = ""
        if 32 <= code < 127:
            run = "''" if ch == "'" else ch
        else:
            pieces.append(f"achar({code})")
    if run or not pieces:
        pieces.append(f"'{run}'")
    needs = ("achar",) if any(p.startswith("achar") for p in pieces) else ()
    return Frag(" // ".join(pieces), STR, ATOM if len(pieces) == 1 else CAT,
                needs=frozenset(needs))


def const_frag(value: object, t: IRType) -> Frag:
    if t.kind is Kind.BOOL:
        return Frag(".true." if value else ".false.", BOOL)
    if t.kind is Kind.INT:
        return int_lit(int(value))  # type: ignore[call-overload]
    if t.kind is Kind.FLOAT:
        return float_lit(float(value))  # type: ignore[arg-type]
    if t.kind is Kind.STR:
        return str_lit(str(value))
    raise UnsupportedProgram("lowering:const_type", str(t))


# ---- conversions ----------------------------------------------------------------------

def coerce(f: Frag, to: IRType) -> Frag:
    """Python's implicit numeric widening, made explicit (elementwise on lists)."""
    src, dst = f.type.scalar.kind, to.scalar.kind
    if src is dst and f.type.rank == to.rank:
        return f
    if src is Kind.INT and dst is Kind.FLOAT and _INT_LIT.fullmatch(f.code):
        return float_lit(float(int(f.code[:-6])))  # 2 -> 2.0_real64, the same double
    if f.type.rank == to.rank:
        if src is Kind.BOOL and dst is Kind.INT:
            return derive(f"merge(1_int64, 0_int64, {f.code})", to, ATOM, f, needs=("merge",))
        if src is Kind.BOOL and dst is Kind.FLOAT:
            return derive(f"merge(1.0_real64, 0.0_real64, {f.code})", to, ATOM, f,
                          needs=("merge",))
        if src is Kind.INT and dst is Kind.FLOAT:
            return derive(f"real({f.code}, real64)", to, ATOM, f, needs=("real",))
    raise UnsupportedProgram("lowering:type_mismatch", f"{f.type} -> {to}")


def truth(f: Frag) -> Frag:
    """Python truthiness as a logical (the front end usually made it explicit already)."""
    match f.type.kind:
        case Kind.BOOL:
            return f
        case Kind.INT:
            return derive(f"{paren(f, CAT)} /= 0_int64", BOOL, REL, f)
        case Kind.FLOAT:
            return derive(f"{paren(f, CAT)} /= 0.0_real64", BOOL, REL, f)
        case Kind.STR:
            return derive(f"len({f.code}) > 0", BOOL, REL, f, needs=("len",))
        case _:
            return derive(f"size({f.code}) > 0", BOOL, REL, f, needs=("size",))


def length(f: Frag) -> Frag:
    """Python's len() of a lowered str, list or matrix (rows)."""
    if f.type.kind is Kind.STR:
        return derive(f"len({f.code}, kind=int64)", INT, ATOM, f, needs=("len",))
    dim = ", 1" if f.type.rank == 2 else ""
    return derive(f"size({f.code}{dim}, kind=int64)", INT, ATOM, f, needs=("size",))


def plus_one(f: Frag) -> str:
    """A 0-based Python index as a 1-based Fortran subscript."""
    if _INT_LIT.fullmatch(f.code):
        return _small(int(f.code[:-6]) + 1)
    return f"{paren(f, ADD)} + 1"


def _small(k: int) -> str:
    """An offset literal: default kind reads best, int64 where default would overflow."""
    return str(k) if abs(k) < 2**31 else f"{k}_int64"


_SIMPLE = re.compile(r"[A-Za-z_]\w*")


def subscript(target: Expr, idx: Expr, s: Scope) -> tuple[Frag, str]:
    """The lowered index and the 1-based subscript text for target[idx]; `i - k` folds the
    +1 into the constant, so xs[-1] reads `xs(size(xs, kind=int64))`."""
    idx = from_end(target, idx)
    if isinstance(idx, BinOp) and idx.op in (BinOpKind.ADD, BinOpKind.SUB) and \
            isinstance(idx.right, Const) and type(idx.right.value) is int and \
            idx.left.type == INT and idx.type == INT:
        base = lower_expr(idx.left, s.at("x", 0))
        k = idx.right.value if idx.op is BinOpKind.ADD else -idx.right.value
        k += 1
        text = paren(base, ADD) if k == 0 else \
            f"{paren(base, ADD)} {'+' if k > 0 else '-'} {_small(abs(k))}"
        return base, text
    f = coerce(lower_expr(idx, s), INT)
    return f, plus_one(f)


def from_end(target: Expr, idx: Expr) -> Expr:
    """A constant negative index counts from the end in Python (the front end usually
    rewrote it already): `len(target) - k`."""
    if isinstance(idx, Const) and type(idx.value) is int and idx.value < 0:
        return BinOp(BinOpKind.SUB, Call("len", (target,), INT), Const(-idx.value, INT), INT)
    return idx


def _varies(e: Expr) -> bool:
    """True when gfortran certainly cannot fold e to a constant at compile time (it folds
    arithmetic on constants, and merge() or .and. with a constant mask)."""
    match e:
        case Name() | Index() | Slice():
            return True
        case BinOp() | Compare():
            return _varies(e.left) or _varies(e.right)
        case UnaryOp():
            return _varies(e.operand)
        case Call():
            return any(_varies(a) for a in e.args)
        case IfExp():
            return _varies(e.cond) or (_varies(e.then) and _varies(e.orelse))
        case BoolOp():
            return all(_varies(v) for v in e.values)
    return False


def render(f: Frag, into: str) -> Lines:
    """`into = <f>` preceded by f's statements."""
    return (*f.pre, f"{into} = {f.code}")


# ---- the emitter ----------------------------------------------------------------------

_ARITH = {BinOpKind.ADD: ("+", ADD), BinOpKind.SUB: ("-", ADD), BinOpKind.MUL: ("*", MUL)}
_CMP = {CmpOpKind.EQ: "==", CmpOpKind.NE: "/=", CmpOpKind.LT: "<", CmpOpKind.LE: "<=",
        CmpOpKind.GT: ">", CmpOpKind.GE: ">="}
_SLICE_HELPER = {Kind.STR: "py_slice_s", Kind.INT: "py_slice_i", Kind.FLOAT: "py_slice_r",
                 Kind.BOOL: "py_slice_l"}


class FortranExprs:
    """One method per expression node kind; each returns a Frag and keeps no state."""

    def const(self, e: Const, s: Scope) -> Frag:
        return const_frag(e.value, e.type)

    def name(self, e: Name, s: Scope) -> Frag:
        return Frag(s.var(e.id), e.type, is_name=True)

    def binop(self, e: BinOp, s: Scope) -> Frag:
        left, right = lower_expr(e.left, s.at("x", 0)), lower_expr(e.right, s.at("x", 1))
        t = e.type
        if t.kind is Kind.STR:
            return self._str_binop(e.op, left, right)
        if t.kind not in (Kind.INT, Kind.FLOAT):
            raise UnsupportedProgram("lowering:binop_type", f"{e.op} on {t}")
        is_int = t.kind is Kind.INT
        match e.op:
            case BinOpKind.DIV:
                lhs, rhs = coerce(left, FLOAT), coerce(right, FLOAT)
                return derive(f"{paren(lhs, MUL + 1)} / {paren(rhs, MUL + 1)}", FLOAT, MUL,
                              lhs, rhs)
            case BinOpKind.FLOORDIV | BinOpKind.MOD:
                lhs, rhs = coerce(left, t), coerce(right, t)
                if is_int and e.op is BinOpKind.MOD:
                    fn = "modulo"  # sign of the divisor, exactly Python's int %
                elif e.op is BinOpKind.MOD:
                    fn = "py_mod_f"
                else:
                    fn = "py_floordiv_i" if is_int else "py_floordiv_f"
                return derive(f"{fn}({lhs.code}, {rhs.code})", t, ATOM, lhs, rhs, needs=(fn,),
                              fault=is_int)  # integer division by zero traps
            case BinOpKind.POW:
                # int ** int (exponent >= 0) multiplies exactly; anything else is pow().
                lhs, rhs = coerce(left, t), coerce(right, t)
                if not is_int and not (_varies(e.left) or _varies(e.right)):
                    # gfortran refuses to fold a constant negative base ** real at compile
                    # time (Python gives (-2.5) ** 2.0 == 6.25): pow() at run time instead.
                    return derive(f"py_pow_f({lhs.code}, {rhs.code})", t, ATOM, lhs, rhs,
                                  needs=("py_pow_f",))
                return derive(f"{paren(lhs, ATOM)} ** {paren(rhs, ATOM)}", t, POW, lhs, rhs)
            case _:
                op, level = _ARITH[e.op]
                lhs, rhs = coerce(left, t), coerce(right, t)
                # Float operands keep Python's left-to-right grouping explicitly.
                return derive(f"{paren(lhs, level if is_int else level + 1)} {op} "
                              f"{paren(rhs, level + 1)}", t, level, lhs, rhs)

    def _str_binop(self, op: BinOpKind, left: Frag, right: Frag) -> Frag:
        if op is BinOpKind.ADD:
            return derive(f"{paren(left, CAT)} // {paren(right, CAT + 1)}", STR, CAT,
                          left, right)
        if op is BinOpKind.MUL:
            s, n = (left, right) if left.type.kind is Kind.STR else (right, left)
            n = coerce(n, INT)
            # repeat() rejects negative counts; Python gives "".
            return derive(f"repeat({s.code}, max({n.code}, 0_int64))", STR, ATOM, s, n,
                          needs=("repeat", "max"))
        raise UnsupportedProgram("lowering:binop_type", f"{op} on str")

    def unaryop(self, e: UnaryOp, s: Scope) -> Frag:
        f = lower_expr(e.operand, s.at("x", 0))
        if e.op == "not":
            if f.type.kind in (Kind.INT, Kind.FLOAT):  # not n: n == 0
                zero = "0_int64" if f.type.kind is Kind.INT else "0.0_real64"
                return derive(f"{paren(f, CAT)} == {zero}", BOOL, REL, f)
            t = truth(f)
            return derive(f".not. {paren(t, ATOM)}", BOOL, NOT, t)
        if e.op in ("-", "+") and e.type.kind in (Kind.INT, Kind.FLOAT):
            f = coerce(f, e.type)
            if e.op == "+":
                return f
            # Fortran forbids two operators in a row (`a * -b`): level ADD forces parens.
            return derive(f"-{paren(f, MUL)}", e.type, ADD, f)
        raise UnsupportedProgram("lowering:unary_op", f"{e.op} on {e.type}")

    def compare(self, e: Compare, s: Scope) -> Frag:
        left, right = lower_expr(e.left, s.at("x", 0)), lower_expr(e.right, s.at("x", 1))
        kinds = {left.type.kind, right.type.kind}
        if kinds == {Kind.STR}:
            if e.op in (CmpOpKind.EQ, CmpOpKind.NE):
                neg = ".not. " if e.op is CmpOpKind.NE else ""
                return derive(f"{neg}py_str_eq({left.code}, {right.code})", BOOL,
                              NOT if neg else ATOM, left, right, needs=("py_str_eq",))
            return derive(f"py_str_cmp({left.code}, {right.code}) {_CMP[e.op]} 0", BOOL, REL,
                          left, right, needs=("py_str_cmp",))
        if not kinds <= {Kind.INT, Kind.FLOAT, Kind.BOOL}:
            raise UnsupportedProgram("lowering:compare_type", f"{left.type} {e.op} {right.type}")
        if kinds == {Kind.BOOL} and e.op in (CmpOpKind.EQ, CmpOpKind.NE):
            op = ".eqv." if e.op is CmpOpKind.EQ else ".neqv."
            return derive(f"{paren(left, ATOM)} {op} {paren(right, ATOM)}", BOOL, EQV,
                          left, right)
        common = FLOAT if Kind.FLOAT in kinds else INT
        lhs, rhs = coerce(left, common), coerce(right, common)
        return derive(f"{paren(lhs, CAT)} {_CMP[e.op]} {paren(rhs, CAT)}", BOOL, REL, lhs, rhs)

    def boolop(self, e: BoolOp, s: Scope) -> Frag:
        if e.op not in ("and", "or"):
            raise UnsupportedProgram("lowering:bool_op", e.op)
        vals = [lower_expr(v, s.at("x", i)) for i, v in enumerate(e.values)]
        if any(v.type.kind is not Kind.BOOL for v in vals):
            # Python's `and`/`or` return an operand, not a bool.
            raise UnsupportedProgram("lowering:boolop_nonbool",
                                     ", ".join(str(v.type) for v in vals))
        if not any(v.fault or v.pre for v in vals[1:]):
            op = f" .{e.op}. "
            return derive(op.join(paren(v, NOT) for v in vals), BOOL,
                          AND if e.op == "and" else OR, *vals)
        # Short-circuit by hand: later operands are only evaluated when Python would.
        t = s.hidden("b")
        test = f"if ({t}) then" if e.op == "and" else f"if (.not. {t}) then"
        body: Lines = render(vals[-1], t)
        for v in reversed(vals[1:-1]):
            body = (*render(v, t), test, *indent(body), "end if")
        lines = (*render(vals[0], t), test, *indent(body), "end if")
        return Frag(t, BOOL, ATOM, lines,
                    tuple(tv for v in vals for tv in v.temps) + ((t, BOOL),),
                    frozenset().union(*(v.needs for v in vals)), any(v.fault for v in vals))

    def ifexp(self, e: IfExp, s: Scope, into: str | None = None) -> Frag:
        """merge() when both branches are safe to evaluate, else if/else assigning a hidden
        temporary, or `into` directly when the caller is about to store the value there."""
        cond = truth(lower_expr(e.cond, s.at("x", 0)))
        then = coerce(lower_expr(e.then, s.at("x", 1)), e.type)
        other = coerce(lower_expr(e.orelse, s.at("x", 2)), e.type)
        branches_safe = not (then.fault or then.pre or other.fault or other.pre)
        if e.type.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL) and branches_safe:
            # merge evaluates both branches: fine when neither can fault.
            return derive(f"merge({then.code}, {other.code}, {cond.code})", e.type, ATOM,
                          cond, then, other, needs=("merge",))
        t = into or s.hidden("v")
        lines = (*cond.pre, f"if ({cond.code}) then", *indent(render(then, t)), "else",
                 *indent(render(other, t)), "end if")
        return Frag(t, e.type, ATOM, lines,
                    cond.temps + then.temps + other.temps + (() if into else ((t, e.type),)),
                    cond.needs | then.needs | other.needs, cond.fault or then.fault or other.fault)

    def index(self, e: Index, s: Scope) -> Frag:
        idx, i = subscript(e.target, e.index, s.at("x", 1))
        tgt_t = e.target.type
        if isinstance(e.target, Index) and e.target.target.type.rank == 2:
            # m[i][j] -> m(i+1, j+1): one element of the matrix, no row copy.
            row = e.target
            m = self._designator(lower_expr(row.target, s.at("x", 0)), s)
            ridx, r = subscript(row.target, row.index, s.at("x", 2))
            return derive(f"{m.code}({r}, {i})", e.type, ATOM, m, ridx, idx, fault=True)
        tgt = self._designator(lower_expr(e.target, s.at("x", 0)), s)
        if tgt_t.kind is Kind.STR:
            if not _SIMPLE.fullmatch(i):
                # gfortran 12's -fcheck=bounds skips `s(i + 1:i + 1)` and `s(1:1)` (an empty
                # s) but checks `s(k:k)` with k a variable.
                k = s.hidden("k")
                idx = derive(k, INT, ATOM, idx, pre=(f"{k} = {i}",), temps=((k, INT),))
                i = k
            return derive(f"{tgt.code}({i}:{i})", STR, ATOM, tgt, idx, fault=True)
        if tgt_t.rank == 2:
            # A row goes through a temporary: `size(m(k, :))` is never bounds-checked, the
            # assignment `row = m(k, :)` is (even when the matrix has no columns).
            row = s.hidden("r")
            return Frag(row, e.type, ATOM,
                        (*tgt.pre, *idx.pre, f"{row} = {tgt.code}({i}, :)"),
                        tgt.temps + idx.temps + ((row, e.type),), tgt.needs | idx.needs,
                        True, is_name=True)
        return derive(f"{tgt.code}({i})", e.type, ATOM, tgt, idx, fault=True)

    def _designator(self, f: Frag, s: Scope) -> Frag:
        """Fortran subscripts only apply to variables: other values go to a temporary."""
        if f.is_name:
            return f
        t = s.hidden("d")
        return Frag(t, f.type, ATOM, render(f, t), f.temps + ((t, f.type),), f.needs, f.fault,
                    is_name=True)

    def slice(self, e: Slice, s: Scope) -> Frag:
        tgt = lower_expr(e.target, s.at("x", 0))
        if tgt.type.rank > 1:
            raise UnsupportedProgram("lowering:matrix_slice")
        full_upper = (isinstance(e.upper, Call) and e.upper.func == "len"
                      and e.upper.args == (e.target,))
        if isinstance(e.lower, Const) and e.lower.value == 0 and full_upper:
            return tgt  # xs[:] is a copy, and Fortran assignment copies anyway
        lo = coerce(lower_expr(e.lower, s.at("x", 1)), INT)
        hi = coerce(lower_expr(e.upper, s.at("x", 2)), INT)
        fn = _SLICE_HELPER[tgt.type.scalar.kind]
        return derive(f"{fn}({tgt.code}, {lo.code}, {hi.code})", e.type, ATOM, tgt, lo, hi,
                      needs=(fn,))

    def call(self, e: Call, s: Scope) -> Frag:
        args = [lower_expr(a, s.at("x", i)) for i, a in enumerate(e.args)]
        t = e.type
        match e.func, args:
            case "len", [a]:
                return length(a)
            case "abs", [a] if t.kind in (Kind.INT, Kind.FLOAT):
                a = coerce(a, t)
                return derive(f"abs({a.code})", t, ATOM, a, needs=("abs",))
            case ("min" | "max"), [a] if a.type.rank == 1 and t.kind in (Kind.INT, Kind.FLOAT):
                a = coerce(a, IRType(Kind.LIST, (t,)))
                # Fortran's minval/maxval skip NaNs; Python keeps whatever compares first.
                fn = f"{e.func}val" if t.kind is Kind.INT else f"py_{e.func}val_f"
                # Python raises on an empty list: never evaluate it where Python would not.
                return derive(f"{fn}({a.code})", t, ATOM, a, needs=(fn,), fault=True)
            case ("min" | "max"), [_, _, *_] if t.kind is Kind.INT:
                cs = [coerce(a, t) for a in args]
                return derive(f"{e.func}({', '.join(c.code for c in cs)})", t, ATOM, *cs,
                              needs=(e.func,))
            case ("min" | "max"), [_, _, *_] if t.kind is Kind.FLOAT:
                # Python keeps the first argument unless a later one compares smaller
                # (larger); Fortran's min/max may pick either for NaN or signed zeros.
                cs = [coerce(a, t) for a in args]
                rel = "<" if e.func == "min" else ">"
                acc = cs[0]
                for c in cs[1:]:
                    acc = derive(f"merge({c.code}, {acc.code}, {paren(c, CAT)} {rel} "
                                 f"{paren(acc, CAT)})", t, ATOM, acc, c, needs=("merge",))
                return acc
            case "sum", [a] if a.type.rank == 1 and a.type.elem.kind is Kind.BOOL:
                return derive(f"count({a.code}, kind=int64)", INT, ATOM, a, needs=("count",))
            case "sum", [a] if a.type.rank == 1 and t.kind in (Kind.INT, Kind.FLOAT):
                a = coerce(a, IRType(Kind.LIST, (t,)))
                return derive(f"sum({a.code})", t, ATOM, a, needs=("sum",))
            case "int", [a] if a.type.kind is Kind.FLOAT:
                return derive(f"int({a.code}, int64)", INT, ATOM, a, needs=("int",))
            case "int", [a] if a.type.kind in (Kind.INT, Kind.BOOL):
                return coerce(a, INT)
            case "float", [a] if a.type.kind in (Kind.INT, Kind.BOOL, Kind.FLOAT):
                return coerce(a, FLOAT)
        raise UnsupportedProgram(f"lowering:call:{e.func}",
                                 f"({', '.join(str(a.type) for a in args)}) -> {t}")

    def listlit(self, e: ListLit, s: Scope) -> Frag:
        if e.type.scalar.kind is Kind.STR:
            raise UnsupportedProgram("lowering:list_str")
        spec = type_spec(e.type.scalar)
        if e.type.rank == 1:
            elems = [coerce(lower_expr(x, s.at("x", i)), e.type.elem)
                     for i, x in enumerate(e.elems)]
            inner = f" {', '.join(x.code for x in elems)}" if elems else ""
            return derive(f"[{spec} ::{inner}]", e.type, ATOM, *elems)
        # A matrix literal: rows must be literals of one length (Fortran is rectangular).
        if not all(isinstance(r, ListLit) for r in e.elems):
            raise UnsupportedProgram("lowering:matrix_from_rows")
        widths = {len(r.elems) for r in e.elems}  # type: ignore[union-attr]
        if len(widths) > 1:
            raise UnsupportedProgram("lowering:ragged_matrix")
        cols = widths.pop() if widths else 0
        flat = [coerce(lower_expr(x, s.at("x", i * max(cols, 1) + j)), e.type.scalar)
                for i, r in enumerate(e.elems) for j, x in enumerate(r.elems)]  # type: ignore[union-attr]
        inner = f" {', '.join(x.code for x in flat)}" if flat else ""
        # Python rows are row-major; reshape fills column-major unless told otherwise.
        return derive(f"reshape([{spec} ::{inner}], [{len(e.elems)}, {cols}], order=[2, 1])",
                      e.type, ATOM, *flat, needs=("reshape",))

    def listrepeat(self, e: ListRepeat, s: Scope) -> Frag:
        if e.type.scalar.kind is Kind.STR:
            raise UnsupportedProgram("lowering:list_str")
        if e.type.rank == 2 and not isinstance(e.elem, (ListLit, ListRepeat, Slice)):
            # `[row for _ in range(n)]` makes n references to one list in Python.
            raise UnsupportedProgram("lowering:matrix_rows_alias")
        elem = coerce(lower_expr(e.elem, s.at("x", 0)), e.type.elem)
        n = coerce(lower_expr(e.count, s.at("x", 1)), INT)
        # spread(.., ncopies<0) crashes gfortran 12's runtime: clamp as Python does.
        count = n.code if n.prec == ATOM and n.code[0].isdigit() else f"max({n.code}, 0_int64)"
        return derive(f"spread({elem.code}, 1, {count})", e.type, ATOM, elem, n,
                      needs=("spread", "max"))

    def tuplelit(self, e: TupleLit, s: Scope) -> Frag:
        raise UnsupportedProgram("lowering:tuple_value", "tuples only appear in return")


EXPRS = FortranExprs()
_METHODS: dict[type, Callable[[FortranExprs, Expr, Scope], Frag]] = {
    Const: FortranExprs.const, Name: FortranExprs.name, BinOp: FortranExprs.binop,
    UnaryOp: FortranExprs.unaryop, Compare: FortranExprs.compare,
    BoolOp: FortranExprs.boolop, IfExp: FortranExprs.ifexp, Index: FortranExprs.index,
    Slice: FortranExprs.slice, Call: FortranExprs.call, ListLit: FortranExprs.listlit,
    ListRepeat: FortranExprs.listrepeat, TupleLit: FortranExprs.tuplelit,
}


def lower_expr(e: Expr, s: Scope, emitter: FortranExprs = EXPRS) -> Frag:
    """The expression walker: dispatch on the node kind to the emitter's method."""
    method = _METHODS.get(type(e))
    if method is None:
        raise UnsupportedProgram("lowering:expr", type(e).__name__)
    return method(emitter, e, s)


def indent(lines: Lines) -> Lines:
    return tuple(f"  {line}" if line else line for line in lines)


# ---- helper procedures (emitted into the module only when referenced) -----------------

def _slice_helper(name: str, decl: str, size: str, empty: str) -> str:
    return f"""\
  pure function {name}(x, lo, hi) result(r)
    ! Python's x[lo:hi]: a negative bound counts from the end, then both clamp to [0, len].
    {decl}, intent(in) :: x{"" if "character" in decl else "(:)"}
    integer(int64), intent(in) :: lo, hi
    {decl.replace("len=*", "len=:")}, allocatable :: r{"" if "character" in decl else "(:)"}
    integer(int64) :: a, b
    a = py_clamp(lo, {size})
    b = py_clamp(hi, {size})
    if (b > a) then
      r = x(a + 1:b)
    else
      {empty}
    end if
  end function {name}"""


def _append_helper(name: str, decl: str) -> str:
    # One call per append instead of `a = [T :: a, x]` at each site: the array constructor
    # with reallocation and -fcheck=all compiled to about as much code as the rest of a
    # small function, at every append. x is by value: it may be an element of a.
    return f"""\
  pure subroutine {name}(a, x)
    ! Python's a.append(x): a one element longer, x last.
    {decl}, allocatable, intent(inout) :: a(:)
    {decl}, value :: x
    {decl}, allocatable :: t(:)
    allocate(t(size(a, kind=int64) + 1_int64))
    t(1:size(a, kind=int64)) = a
    t(size(t, kind=int64)) = x
    call move_alloc(t, a)
  end subroutine {name}"""


# name -> (helpers and intrinsics it calls, source text)
HELPERS: Mapping[str, tuple[tuple[str, ...], str]] = {
    "py_floordiv_i": (("mod",), """\
  pure function py_floordiv_i(a, b) result(q)
    ! Python's a // b on ints floors; Fortran's a / b truncates toward zero.
    integer(int64), intent(in) :: a, b
    integer(int64) :: q
    q = a / b
    if (mod(a, b) /= 0_int64 .and. ((a < 0_int64) .neqv. (b < 0_int64))) q = q - 1_int64
  end function py_floordiv_i"""),
    "py_floordiv_f": (("mod", "aint", "sign"), """\
  pure function py_floordiv_f(a, b) result(q)
    ! CPython's float floor division (from fmod, which gfortran's mod is): 1.0 // 0.1 == 9.0.
    real(real64), intent(in) :: a, b
    real(real64) :: q, m, d
    m = mod(a, b)
    d = (a - m) / b
    if (m /= 0.0_real64) then
      if ((b < 0.0_real64) .neqv. (m < 0.0_real64)) d = d - 1.0_real64
    end if
    if (d /= 0.0_real64) then
      q = aint(d)
      if (q > d) q = q - 1.0_real64
      if (d - q > 0.5_real64) q = q + 1.0_real64
    else
      q = sign(0.0_real64, a / b)
    end if
  end function py_floordiv_f"""),
    "py_mod_f": (("mod", "sign"), """\
  pure function py_mod_f(a, b) result(m)
    ! CPython's float %: fmod, moved to the divisor's sign; a zero takes the divisor's sign.
    real(real64), intent(in) :: a, b
    real(real64) :: m
    m = mod(a, b)
    if (m /= 0.0_real64) then
      if ((b < 0.0_real64) .neqv. (m < 0.0_real64)) m = m + b
    else
      m = sign(0.0_real64, b)
    end if
  end function py_mod_f"""),
    "py_pow_f": ((), """\
  pure function py_pow_f(a, b) result(r)
    ! a ** b evaluated at run time (pow), also for a constant negative a.
    real(real64), intent(in) :: a, b
    real(real64) :: r
    r = a ** b
  end function py_pow_f"""),
    "py_minval_f": (("size",), """\
  pure function py_minval_f(x) result(r)
    ! Python's min(list): the first element unless a later one compares smaller (NaN kept).
    real(real64), intent(in) :: x(:)
    real(real64) :: r
    integer(int64) :: i
    r = x(1)
    do i = 2, size(x, kind=int64)
      if (x(i) < r) r = x(i)
    end do
  end function py_minval_f"""),
    "py_maxval_f": (("size",), """\
  pure function py_maxval_f(x) result(r)
    ! Python's max(list): the first element unless a later one compares larger (NaN kept).
    real(real64), intent(in) :: x(:)
    real(real64) :: r
    integer(int64) :: i
    r = x(1)
    do i = 2, size(x, kind=int64)
      if (x(i) > r) r = x(i)
    end do
  end function py_maxval_f"""),
    "py_str_eq": (("len",), """\
  pure function py_str_eq(a, b) result(eq)
    ! Fortran's == pads the shorter string with blanks; Python's lengths must match.
    character(len=*), intent(in) :: a, b
    logical :: eq
    eq = len(a) == len(b)
    if (eq) eq = a == b
  end function py_str_eq"""),
    "py_str_cmp": (("ichar", "merge", "min", "len"), """\
  pure function py_str_cmp(a, b) result(c)
    ! -1, 0, 1 as Python orders strings: by character code, a proper prefix first.
    character(len=*), intent(in) :: a, b
    integer :: c
    integer(int64) :: i
    do i = 1, min(len(a, kind=int64), len(b, kind=int64))
      if (ichar(a(i:i)) /= ichar(b(i:i))) then
        c = merge(-1, 1, ichar(a(i:i)) < ichar(b(i:i)))
        return
      end if
    end do
    c = merge(-1, merge(0, 1, len(a) == len(b)), len(a) < len(b))
  end function py_str_cmp"""),
    "py_clamp": (("min", "max"), """\
  pure function py_clamp(i, n) result(k)
    ! A Python slice bound: negative counts from the end, then clamped to [0, n].
    integer(int64), intent(in) :: i, n
    integer(int64) :: k
    k = i
    if (k < 0_int64) k = k + n
    k = min(max(k, 0_int64), n)
  end function py_clamp"""),
    "py_slice_s": (("py_clamp", "len"), _slice_helper(
        "py_slice_s", "character(len=*)", "len(x, kind=int64)", "r = ''")),
    "py_slice_i": (("py_clamp", "size"), _slice_helper(
        "py_slice_i", "integer(int64)", "size(x, kind=int64)", "allocate(r(0))")),
    "py_slice_r": (("py_clamp", "size"), _slice_helper(
        "py_slice_r", "real(real64)", "size(x, kind=int64)", "allocate(r(0))")),
    "py_slice_l": (("py_clamp", "size"), _slice_helper(
        "py_slice_l", "logical", "size(x, kind=int64)", "allocate(r(0))")),
    "py_append_i": (("size", "move_alloc"), _append_helper("py_append_i", "integer(int64)")),
    "py_append_r": (("size", "move_alloc"), _append_helper("py_append_r", "real(real64)")),
    "py_append_l": (("size", "move_alloc"), _append_helper("py_append_l", "logical")),
}
# The append helper per element kind.
APPEND_HELPER = {Kind.INT: "py_append_i", Kind.FLOAT: "py_append_r", Kind.BOOL: "py_append_l"}
