"""Body IR: the structured imperative subset that the lowering translators walk.

Key contracts: every expression carries its IR type (`.type`), computed by the front end
with Python's semantics (`/` is float, `//` and `%` floor towards -inf, `**` with int
operands and a non-negative exponent is int). Variables keep one type for their whole
life; `Function.locals` lists each local with that type. Indices are 0-based as in Python;
negative constant indices are normalised by the front end to `len(x) - k`. Lowering walks
these nodes with one emitter method per node kind (see toolchains/<lang>/lowering.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Union

from tolk.ir.types import IRType

__all__ = [
    "BinOpKind", "CmpOpKind", "Const", "Name", "BinOp", "UnaryOp", "Compare", "BoolOp",
    "IfExp", "Index", "Slice", "Call", "ListLit", "ListRepeat", "TupleLit", "Expr",
    "Assign", "IndexAssign", "Append", "If", "ForRange", "ForEach", "While", "Return",
    "Break", "Continue", "Stmt", "BUILTINS",
]


class BinOpKind(StrEnum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"        # true division: always float
    FLOORDIV = "//"  # floor towards -inf (int or float)
    MOD = "%"        # sign of the divisor (int or float)
    POW = "**"


class CmpOpKind(StrEnum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


# Builtin calls allowed in the body IR, by name. Lowering emitters implement each one.
#   len(list|str) -> int; abs(int|float); min/max(a, b) of numbers (two arguments);
#   min/max(list) of a numeric list (non-empty); sum(list) of a numeric list;
#   int(float|bool) truncates towards zero; float(int|bool).
BUILTINS = frozenset({"len", "abs", "min", "max", "sum", "int", "float"})


@dataclass(frozen=True, slots=True)
class Const:
    value: int | float | bool | str
    type: IRType


@dataclass(frozen=True, slots=True)
class Name:
    id: str
    type: IRType


@dataclass(frozen=True, slots=True)
class BinOp:
    op: BinOpKind
    left: "Expr"
    right: "Expr"
    type: IRType  # result type; `+` on str is concatenation, `+` on lists is not in the subset


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str  # "-" | "not"
    operand: "Expr"
    type: IRType


@dataclass(frozen=True, slots=True)
class Compare:
    """One binary comparison (chains are split into BoolOp('and', ...))."""
    op: CmpOpKind
    left: "Expr"
    right: "Expr"
    type: IRType  # always BOOL


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"; operands are bool
    values: tuple["Expr", ...]
    type: IRType


@dataclass(frozen=True, slots=True)
class IfExp:
    cond: "Expr"
    then: "Expr"
    orelse: "Expr"
    type: IRType


@dataclass(frozen=True, slots=True)
class Index:
    """`target[index]` on a list (element) or str (one-character str). Index is 0-based."""
    target: "Expr"
    index: "Expr"
    type: IRType


@dataclass(frozen=True, slots=True)
class Slice:
    """`target[lower:upper]` on a str or list with step 1; bounds are already clamped-free
    expressions (the front end supplies 0 and len(target) for omitted bounds)."""
    target: "Expr"
    lower: "Expr"
    upper: "Expr"
    type: IRType


@dataclass(frozen=True, slots=True)
class Call:
    func: str  # one of BUILTINS
    args: tuple["Expr", ...]
    type: IRType


@dataclass(frozen=True, slots=True)
class ListLit:
    elems: tuple["Expr", ...]
    type: IRType  # list[T]; an empty literal takes its type from the assignment target


@dataclass(frozen=True, slots=True)
class ListRepeat:
    """`[elem] * count`, and `[[e] * m for _ in range(n)]` as a nested ListRepeat."""
    elem: "Expr"
    count: "Expr"
    type: IRType


@dataclass(frozen=True, slots=True)
class TupleLit:
    """Only as the value of a Return."""
    elems: tuple["Expr", ...]
    type: IRType


Expr = Union[Const, Name, BinOp, UnaryOp, Compare, BoolOp, IfExp, Index, Slice, Call,
             ListLit, ListRepeat, TupleLit]


@dataclass(frozen=True, slots=True)
class Assign:
    """`name = value`; augmented assignments arrive as Assign(name, BinOp(...))."""
    target: str
    value: Expr


@dataclass(frozen=True, slots=True)
class IndexAssign:
    """`name[i] = v` or `name[i][j] = v`: indices outermost first."""
    target: str
    indices: tuple[Expr, ...]
    value: Expr


@dataclass(frozen=True, slots=True)
class Append:
    """`name.append(value)` on a list local."""
    target: str
    value: Expr


@dataclass(frozen=True, slots=True)
class If:
    cond: Expr
    body: tuple["Stmt", ...]
    orelse: tuple["Stmt", ...]


@dataclass(frozen=True, slots=True)
class ForRange:
    """`for var in range(start, stop, step)`; `step` is a non-zero int constant."""
    var: str
    start: Expr
    stop: Expr
    step: int
    body: tuple["Stmt", ...]


@dataclass(frozen=True, slots=True)
class ForEach:
    """`for var in iterable` over a list or str name (the iterable is not mutated in the body)."""
    var: str
    iterable: Expr
    body: tuple["Stmt", ...]


@dataclass(frozen=True, slots=True)
class While:
    cond: Expr
    body: tuple["Stmt", ...]


@dataclass(frozen=True, slots=True)
class Return:
    value: Expr


@dataclass(frozen=True, slots=True)
class Break:
    pass


@dataclass(frozen=True, slots=True)
class Continue:
    pass


Stmt = Union[Assign, IndexAssign, Append, If, ForRange, ForEach, While, Return, Break, Continue]
