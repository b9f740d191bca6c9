"""Mutation operators over a Python function's AST, for the validator soundness self-test.

Mutating the Python source (not the target code) keeps the self-test language-neutral:
the mutant goes through the same front end and lowering as any program, so adding a
target language needs no new mutator.

Operators (`MutantKind`):
    binop       + -> -, - -> +, * -> +, / -> *, // -> *, % -> //  (also in `x += y`)
    compare     < -> <=, <= -> <, > -> >=, >= -> >, == -> !=, != -> ==
    boolop      and <-> or
    constant    int/float literal k -> k + 1 and k - 1; True <-> False
    range_bound range(b) -> range(b +- 1); range(a, b[, s]) -> range(a, b +- 1), range(a + 1, b)
    drop_stmt   one statement removed from a block holding more than one (never the docstring)
    negate_if   `if c:` / `elif c:` -> `if not (c):`
    loop_cap    `for t in it:` -> `for t in list(it)[:k]`, `while c:` -> k rounds at most, for
                k in LOOP_CAPS (3 .. 34: only the first k items or rounds looked at)
    modulo      in a function annotated `-> int`: `return e` -> `return e % 10000` and
                `return (e + 2**31) % 2**32 - 2**31` (a COBOL picture, a 32-bit result)
    narrow32    `x += e` (also -=, *=) -> `x = (x + e + 2**31) % 2**32 - 2**31`: an
                accumulator narrowed to 32 bits (only where x is an int: a parameter
                annotated `int` or a name assigned an int literal; on a float the edit
                would only perturb its rounding)
    relax       `a != b` -> `abs(a - b) > 1`, `a == b` -> `abs(a - b) <= 1`,
                `a < b` -> `a < b - 1`, `a > b` -> `a > b + 1`: neighbours misjudged
    zero_param  for a parameter annotated `int`: `if p == 0: p = 1` first (the boundary
                at 0 moved)

Key contracts: `all_mutants(source)` is deterministic (AST walk order) and every mutant's
`source` is valid Python (`ast.unparse` of the changed tree) defining the same function.
`sample_mutants` picks a seeded, kind-balanced order (same seed, same picks, whatever
PYTHONHASHSEED). Nothing here runs the code.
"""

from __future__ import annotations

import ast
import copy
import random
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from tolk import pyast

__all__ = ["MutantKind", "Mutant", "all_mutants", "sample_mutants"]


class MutantKind(StrEnum):
    BINOP = "binop"
    COMPARE = "compare"
    BOOLOP = "boolop"
    CONSTANT = "constant"
    RANGE_BOUND = "range_bound"
    DROP_STMT = "drop_stmt"
    NEGATE_IF = "negate_if"
    LOOP_CAP = "loop_cap"
    MODULO = "modulo"
    NARROW32 = "narrow32"
    RELAX = "relax"
    ZERO_PARAM = "zero_param"


@dataclass(frozen=True, slots=True)
class Mutant:
    function: str
    kind: MutantKind
    description: str  # "line 5: '<' -> '<='"
    source: str  # the whole mutated function, unparsed


_BINOP_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv,
}
_CMP_SWAP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//",
           ast.Mod: "%", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
           ast.Eq: "==", ast.NotEq: "!=", ast.And: "and", ast.Or: "or"}

# A site edit: given the node at the site's walk index in a fresh copy of the tree, change it.
_Edit = Callable[[ast.AST], None]


@dataclass(frozen=True, slots=True)
class _Site:
    index: int  # position of the node in ast.walk order (stable across deep copies)
    kind: MutantKind
    description: str
    edit: _Edit


def all_mutants(source: str, function: str | None = None) -> list[Mutant]:
    """Every single-edit mutant of `function` (default: the first def) in `source`."""
    tree = pyast.parse(textwrap.dedent(source))
    fn = next((n for n in tree.body if isinstance(n, ast.FunctionDef)
               and (function is None or n.name == function)), None)
    if fn is None:
        return []
    # Sites are found on a module holding only the function, so the mutant is standalone.
    module = ast.Module(body=[fn], type_ignores=[])
    nodes = list(ast.walk(module))
    docstring = _docstring_node(fn)
    out: list[Mutant] = []
    for site in _sites(nodes, docstring):
        mutated = copy.deepcopy(module)
        site.edit(list(ast.walk(mutated))[site.index])
        ast.fix_missing_locations(mutated)
        out.append(Mutant(fn.name, site.kind, site.description, ast.unparse(mutated) + "\n"))
    return out


def sample_mutants(mutants: Sequence[Mutant], seed: int) -> list[Mutant]:
    """All of `mutants` in a seeded order that alternates between kinds, so a cap of k
    taken from the front covers as many operator kinds as it can."""
    by_kind: dict[MutantKind, list[Mutant]] = {}
    for m in mutants:
        by_kind.setdefault(m.kind, []).append(m)
    name = mutants[0].function if mutants else ""
    rng = random.Random(f"{seed}:{name}")  # str seeds hash with sha512: stable across runs
    kinds = sorted(by_kind)
    rng.shuffle(kinds)
    for k in kinds:
        rng.shuffle(by_kind[k])
    order: list[Mutant] = []
    while any(by_kind[k] for k in kinds):
        order += [by_kind[k].pop(0) for k in kinds if by_kind[k]]
    return order


def _docstring_node(fn: ast.FunctionDef) -> ast.AST | None:
    first = fn.body[0] if fn.body else None
    if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            and isinstance(first.value.value, str)):
        return first
    return None


def _line(node: ast.AST) -> str:
    return f"line {getattr(node, 'lineno', '?')}"


def _sites(nodes: list[ast.AST], docstring: ast.AST | None) -> Iterator[_Site]:
    skip = {id(n) for n in ast.walk(docstring)} if docstring is not None else set()
    fn = next(n for n in nodes if isinstance(n, ast.FunctionDef))
    returns_int = isinstance(fn.returns, ast.Name) and fn.returns.id == "int"
    ints = _int_names(fn)
    for i, node in enumerate(nodes):
        if id(node) in skip:
            continue
        yield from _audit_sites(i, node, fn, returns_int, ints)
        match node:
            case ast.BinOp(op=op) | ast.AugAssign(op=op) if type(op) in _BINOP_SWAP:
                yield _Site(i, MutantKind.BINOP, f"{_line(node)}: '{_SYMBOL[type(op)]}' -> "
                            f"'{_SYMBOL[_BINOP_SWAP[type(op)]]}'", _swap_op)
            case ast.Compare(ops=ops):
                for j, op in enumerate(ops):
                    if type(op) in _CMP_SWAP:
                        yield _Site(i, MutantKind.COMPARE, f"{_line(node)}: '{_SYMBOL[type(op)]}'"
                                    f" -> '{_SYMBOL[_CMP_SWAP[type(op)]]}'", _swap_cmp(j))
            case ast.BoolOp(op=op):
                other = "or" if isinstance(op, ast.And) else "and"
                yield _Site(i, MutantKind.BOOLOP, f"{_line(node)}: '{_SYMBOL[type(op)]}' -> "
                            f"'{other}'", _swap_boolop)
            case ast.Constant(value=bool(v)):
                yield _Site(i, MutantKind.CONSTANT, f"{_line(node)}: {v} -> {not v}",
                            _set_const(not v))
            case ast.Constant(value=int(v) | float(v)):
                for d in (1, -1):
                    yield _Site(i, MutantKind.CONSTANT, f"{_line(node)}: {v!r} -> {v + d!r}",
                                _set_const(v + d))
            case ast.Call(func=ast.Name(id="range"), args=args) if 1 <= len(args) <= 3:
                stop = 0 if len(args) == 1 else 1
                for d, sym in ((1, "+"), (-1, "-")):
                    yield _Site(i, MutantKind.RANGE_BOUND, f"{_line(node)}: range stop {sym} 1",
                                _shift_arg(stop, d))
                if len(args) >= 2:
                    yield _Site(i, MutantKind.RANGE_BOUND, f"{_line(node)}: range start + 1",
                                _shift_arg(0, 1))
            case ast.If():
                yield _Site(i, MutantKind.NEGATE_IF, f"{_line(node)}: if condition negated",
                            _negate_if)
        yield from _drop_sites(i, node, docstring)


def _drop_sites(i: int, node: ast.AST, docstring: ast.AST | None) -> Iterator[_Site]:
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
            continue
        start = 1 if block[0] is docstring else 0
        if len(block) - start < 2:
            continue
        for j in range(start, len(block)):
            first = ast.unparse(block[j]).splitlines()[0]
            yield _Site(i, MutantKind.DROP_STMT,
                        f"{_line(block[j])}: dropped '{first[:60]}'", _drop(field, j))


def _swap_op(node: ast.AST) -> None:
    node.op = _BINOP_SWAP[type(node.op)]()  # type: ignore[attr-defined]


def _swap_cmp(j: int) -> _Edit:
    def edit(node: ast.AST) -> None:
        ops = list(node.ops)  # type: ignore[attr-defined]
        ops[j] = _CMP_SWAP[type(ops[j])]()
        node.ops = ops  # type: ignore[attr-defined]
    return edit


def _swap_boolop(node: ast.AST) -> None:
    node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()  # type: ignore[attr-defined]


def _set_const(value: object) -> _Edit:
    def edit(node: ast.AST) -> None:
        node.value = value  # type: ignore[attr-defined]
    return edit


def _shift_arg(k: int, d: int) -> _Edit:
    def edit(node: ast.AST) -> None:
        args = node.args  # type: ignore[attr-defined]
        op = ast.Add() if d > 0 else ast.Sub()
        args[k] = ast.BinOp(left=args[k], op=op, right=ast.Constant(abs(d)))
    return edit


def _negate_if(node: ast.AST) -> None:
    node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)  # type: ignore[attr-defined]


def _drop(field: str, j: int) -> _Edit:
    def edit(node: ast.AST) -> None:
        block = getattr(node, field)
        setattr(node, field, block[:j] + block[j + 1:])
    return edit


# ---- the audit's kinds: mistakes that survive small-valued suites ----------------------

#: a ladder of early stops: the cover prefers the vector that kills the most of them, the
#: one that runs the loop longest, so a loop that stops after any small count is caught
LOOP_CAPS: tuple[int, ...] = (3, 5, 8, 13, 21, 34)
_WRAP32 = "(({e}) + 2147483648) % 4294967296 - 2147483648"
_RELAX: dict[type[ast.cmpop], str] = {ast.NotEq: "abs(({a}) - ({b})) > 1",
                                      ast.Eq: "abs(({a}) - ({b})) <= 1",
                                      ast.Lt: "({a}) < ({b}) - 1", ast.Gt: "({a}) > ({b}) + 1"}


def _int_names(fn: ast.FunctionDef) -> frozenset[str]:
    """Names that hold ints: parameters annotated `int`, names assigned an int literal."""
    out = {a.arg for a in fn.args.posonlyargs + fn.args.args
           if isinstance(a.annotation, ast.Name) and a.annotation.id == "int"}
    for n in ast.walk(fn):
        if (isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                and type(n.value.value) is int):
            out |= {t.id for t in n.targets if isinstance(t, ast.Name)}
        elif (isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
              and isinstance(n.annotation, ast.Name) and n.annotation.id == "int"):
            out.add(n.target.id)
    return frozenset(out)


def _audit_sites(i: int, node: ast.AST, fn: ast.FunctionDef, returns_int: bool,
                 ints: frozenset[str]) -> Iterator[_Site]:
    match node:
        case ast.For(iter=it):
            for k in LOOP_CAPS:
                yield _Site(i, MutantKind.LOOP_CAP, f"{_line(node)}: loop capped at {k} items",
                            _replace_field("iter", f"list({ast.unparse(it)})[:{k}]"))
        case ast.While(test=cond, body=body, orelse=[]):
            inner = textwrap.indent("\n".join(ast.unparse(b) for b in body), "    ")
            for k in LOOP_CAPS:
                new = (f"for _tolk_cap in range({k}):\n    if not ({ast.unparse(cond)}):\n"
                       f"        break\n{inner}")
                yield _Site(i, MutantKind.LOOP_CAP, f"{_line(node)}: loop capped at {k} rounds",
                            _replace_stmt(new))
        case ast.Return(value=ast.expr() as e) if returns_int:
            text = ast.unparse(e)
            yield _Site(i, MutantKind.MODULO, f"{_line(node)}: result % 10000",
                        _replace_field("value", f"({text}) % 10000"))
            yield _Site(i, MutantKind.MODULO, f"{_line(node)}: result wrapped to 32 bits",
                        _replace_field("value", _WRAP32.format(e=text)))
        case ast.AugAssign(target=ast.Name(id=name), op=ast.Add() | ast.Sub() | ast.Mult() as op,
                           value=v) if name in ints:
            sym = _SYMBOL[type(op)]
            new = f"{name} = " + _WRAP32.format(e=f"{name} {sym} ({ast.unparse(v)})")
            yield _Site(i, MutantKind.NARROW32, f"{_line(node)}: '{name} {sym}=' narrowed to 32 bits",
                        _replace_stmt(new))
        case ast.Compare(left=left, ops=[op], comparators=[right]) if type(op) in _RELAX:
            new = _RELAX[type(op)].format(a=ast.unparse(left), b=ast.unparse(right))
            yield _Site(i, MutantKind.RELAX, f"{_line(node)}: '{_SYMBOL[type(op)]}' relaxed "
                        "for neighbours", _replace_expr(new))
    if node is fn:
        start = 1 if fn.body and isinstance(fn.body[0], ast.Expr) and isinstance(
            getattr(fn.body[0], "value", None), ast.Constant) else 0
        for a in fn.args.posonlyargs + fn.args.args:
            if isinstance(a.annotation, ast.Name) and a.annotation.id == "int":
                yield _Site(i, MutantKind.ZERO_PARAM, f"{_line(fn)}: {a.arg} == 0 treated as 1",
                            _insert_stmt(start, f"if {a.arg} == 0:\n    {a.arg} = 1"))


def _parse_expr(text: str) -> ast.expr:
    return pyast.parse(text, mode="eval").body  # type: ignore[attr-defined]


def _replace_field(field: str, text: str) -> _Edit:
    def edit(node: ast.AST) -> None:
        setattr(node, field, _parse_expr(text))
    return edit


def _replace_expr(text: str) -> _Edit:
    """Turn a Compare node into the parsed expression, in place (its parent keeps it)."""
    def edit(node: ast.AST) -> None:
        new = _parse_expr(text)
        node.__class__ = new.__class__
        for f in new._fields:
            setattr(node, f, getattr(new, f))
    return edit


def _replace_stmt(text: str) -> _Edit:
    def edit(node: ast.AST) -> None:
        new = pyast.parse(text).body[0]
        node.__class__ = new.__class__
        for f in ("target", "op", "value", "targets", "type_comment"):
            if hasattr(node, f) and f not in new._fields:
                delattr(node, f)
        for f in new._fields:
            setattr(node, f, getattr(new, f))
    return edit


def _insert_stmt(k: int, text: str) -> _Edit:
    def edit(node: ast.AST) -> None:
        node.body[k:k] = pyast.parse(text).body  # type: ignore[attr-defined]
    return edit
