"""Julia lowering: a Function's body IR -> a candidate file (no LLM).

Julia quirks handled here (expressions have their own list in lowering_exprs.py):
  - scoping: a variable first assigned inside a loop is local to one iteration in Julia
    (Python's survives the loop), so every local is declared once at the top with its
    type (`local total::Int64`); the declared type also converts as Python widens
    (`x = 0` into a float local).
  - a `for` loop variable is always a fresh variable in Julia, while Python's keeps its
    last value after the loop. The loop variable is the Julia loop's own only when every
    read of it happens inside loops over it and nothing assigns it; otherwise a hidden
    counter drives the loop and assigns the declared local (`for t_i in 0:(n - 1)`,
    `i = t_i`), which is also what makes `range` bounds and reassignments behave.
  - iterating a String yields Chars: the loop assigns `string(c)` (Python yields strs).
  - parameters the body mutates or rebinds are copied first (`xs = copy(xs)`), so the
    caller's arrays are never changed.
  - a local or parameter named like a Julia keyword, a Base function the lowering calls,
    or a name the static checks refuse is renamed (`end` -> `end_`); positional
    parameter names are not part of Julia's calling convention. When the function itself
    is named like a Base function the body calls (`def sum(...)`), those calls are
    written `Base.sum(...)`.
  - Julia's Int64 arithmetic wraps on overflow where Python's ints grow: the seed
    corpus keeps values far from 2**63, and a wrapped result fails validation.

Key contracts: `lower_function(fn)` returns the candidate source (the contract's header,
then private `py_*` helpers the body needs), or raises `UnsupportedProgram("lowering:
<what>")` (or the contract's own `unsupported_*` reason) rather than emit code whose
semantics differ from Python's on the supported inputs.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, BinOp, BinOpKind, Break, Const, Continue, Expr, ForEach, ForRange, If,
    Index, IndexAssign, Name, Return, Stmt, TupleLit, While,
)
from tolk.ir.function import Function
from tolk.ir.names import hidden_prefix
from tolk.ir.types import INT, Kind
from tolk.toolchains.julia import types
from tolk.toolchains.julia.checks import FORBIDDEN_NAMES
from tolk.toolchains.julia.contract import candidate_source
from tolk.toolchains.julia.lowering_exprs import (
    ADD, ATOM, BASE_CALLS, HELPERS, Frag, Scope, coerce, lower_expr, paren, subscript, truth,
)

__all__ = ["lower_function", "JuliaStmts"]

Lines = tuple[str, ...]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Names the helpers call: a function named so would capture their calls.
_HELPER_CALLS = frozenset({"rem", "floor", "copysign", "length", "min", "max", "Union",
                           "String", "Vector", "Float64", "Int64"})


@dataclass(frozen=True, slots=True)
class Block:
    lines: Lines = ()
    needs: frozenset[str] = frozenset()

    def then(self, *others: "Block") -> "Block":
        return Block(self.lines + tuple(line for o in others for line in o.lines),
                     self.needs.union(*(o.needs for o in others)))


def _block(lines: Lines, *frags: Frag | Block) -> Block:
    return Block(lines, frozenset().union(*(f.needs for f in frags)))


def indent(lines: Lines) -> Lines:
    return tuple(f"    {line}" if line else line for line in lines)


@dataclass(frozen=True, slots=True)
class _Ctx:
    """Scope plus which loop variables are the loops' own (not declared at the top)."""
    scope: Scope
    private: frozenset[str]


# ---- the statement emitter ------------------------------------------------------------

class JuliaStmts:
    """One method per statement node kind; each returns a Block and keeps no state."""

    def assign(self, st: Assign, c: _Ctx) -> Block:
        s = c.scope
        v = coerce(lower_expr(st.value, s), s.type_of(st.target))
        return _block((f"{s.var(st.target)} = {v.code}",), v)

    def indexassign(self, st: IndexAssign, c: _Ctx) -> Block:
        s = c.scope
        t = s.type_of(st.target)
        if t.kind is not Kind.LIST or not 1 <= len(st.indices) <= t.rank:
            raise UnsupportedProgram("lowering:index_assign", st.target)
        target: Expr = Name(st.target, t)
        subs = [subscript(target, st.indices[0], s)]
        if len(st.indices) == 2:
            subs.append(subscript(Index(target, st.indices[0], t.elem), st.indices[1], s,
                                  end_ok=False))
        elif t.rank == 2:
            subs.append(Frag(":", INT))  # m[i] = row replaces a whole row
        elem_t = t.elem if len(st.indices) == 1 else t.scalar
        v = coerce(lower_expr(st.value, s), elem_t)
        where = ", ".join(f.code for f in subs)
        return _block((f"{s.var(st.target)}[{where}] = {v.code}",), v, *subs)

    def append(self, st: Append, c: _Ctx) -> Block:
        s = c.scope
        t = s.type_of(st.target)
        if t.rank != 1:
            raise UnsupportedProgram("lowering:matrix_append", st.target)
        v = coerce(lower_expr(st.value, s), t.elem)
        return _block((f"{s.fn('push!')}({s.var(st.target)}, {v.code})",), v)

    def if_(self, st: If, c: _Ctx) -> Block:
        cond = truth(lower_expr(st.cond, c.scope), c.scope)
        body = lower_stmts(st.body, c)
        out = _block((f"if {cond.code}", *indent(body.lines)), cond, body)
        orelse = st.orelse
        while len(orelse) == 1 and isinstance(orelse[0], If):  # elif chains
            nxt = orelse[0]
            cond = truth(lower_expr(nxt.cond, c.scope), c.scope)
            body = lower_stmts(nxt.body, c)
            out = out.then(_block((f"elseif {cond.code}", *indent(body.lines)), cond, body))
            orelse = nxt.orelse
        if orelse:
            body = lower_stmts(orelse, c)
            out = out.then(_block(("else", *indent(body.lines)), body))
        return out.then(Block(("end",)))

    def forrange(self, st: ForRange, c: _Ctx) -> Block:
        s = c.scope
        start = coerce(lower_expr(st.start, s), INT)
        stop = coerce(lower_expr(st.stop, s), INT)
        # range(a, b, k) stops before b: Julia's inclusive end is b - 1 (k > 0) or b + 1.
        if stop.code.lstrip("-").isdigit():
            last = str(int(stop.code) - (1 if st.step > 0 else -1))
            last = last if not last.startswith("-") else f"({last})"
        elif (st.step > 0 and isinstance(st.stop, BinOp) and st.stop.op is BinOpKind.ADD
              and isinstance(st.stop.right, Const) and st.stop.right.value == 1):
            # range(a, n + 1) runs to n (n + 1 itself is a checked_add call).
            inner = coerce(lower_expr(st.stop.left, s), INT).code
            last = inner if _IDENT.fullmatch(inner) else f"({inner})"
        else:
            last = f"({paren(stop, ADD)} {'-' if st.step > 0 else '+'} 1)"
        first = start.code if start.prec == ATOM else f"({start.code})"
        rng = f"{first}:{last}" if st.step == 1 else f"{first}:{_step(st.step)}:{last}"
        return self._loop(st.var, rng, "", st.body, c, start, stop)

    def foreach(self, st: ForEach, c: _Ctx) -> Block:
        s = c.scope
        if isinstance(st.iterable, Name) and st.iterable.id in _mutated_in(st.body):
            # Python would see the mutation (and iterate appended items); refuse, as the
            # front end does.
            raise UnsupportedProgram("lowering:mutates_iterable", st.iterable.id)
        it = lower_expr(st.iterable, s)
        if it.type.kind is Kind.STR:
            return self._loop(st.var, it.code, s.fn("string"), st.body, c, it)
        if it.type.rank == 2:
            return self._loop(st.var, f"{s.fn('eachrow')}({it.code})", "", st.body, c, it)
        # `for x in xs` iterates the array it started with, as Python does.
        return self._loop(st.var, it.code, "", st.body, c, it)

    def _loop(self, var: str, iterable: str, convert: str, body_stmts: tuple[Stmt, ...],
              c: _Ctx, *frags: Frag) -> Block:
        s = c.scope
        body = lower_stmts(body_stmts, c)
        name = s.var(var)
        if var in c.private and not convert:
            head, first = name, ()
        else:
            head = f"{s.prefix}{name}"
            value = f"{convert}({head})" if convert else head
            first = (f"{name} = {value}",)
        lines = (f"for {head} in {iterable}", *indent((*first, *body.lines)), "end")
        return _block(lines, *frags, body)

    def while_(self, st: While, c: _Ctx) -> Block:
        cond = truth(lower_expr(st.cond, c.scope), c.scope)
        body = lower_stmts(st.body, c)
        return _block((f"while {cond.code}", *indent(body.lines), "end"), cond, body)

    def return_(self, st: Return, c: _Ctx) -> Block:
        s = c.scope
        if s.returns.kind is Kind.TUPLE:
            if not isinstance(st.value, TupleLit) or len(st.value.elems) != len(s.returns.args):
                raise UnsupportedProgram("lowering:return_shape")
            vals = [coerce(lower_expr(e, s), t)
                    for e, t in zip(st.value.elems, s.returns.args, strict=True)]
            return _block((f"return ({', '.join(v.code for v in vals)})",), *vals)
        v = coerce(lower_expr(st.value, s), s.returns)
        return _block((f"return {v.code}",), v)

    def break_(self, st: Break, c: _Ctx) -> Block:
        return Block(("break",))

    def continue_(self, st: Continue, c: _Ctx) -> Block:
        return Block(("continue",))


def _step(k: int) -> str:
    return str(k)  # `n:-1:1` reads as Julia's own idiom


STMTS = JuliaStmts()
_METHODS: dict[type, Callable[[JuliaStmts, Stmt, _Ctx], Block]] = {
    Assign: JuliaStmts.assign, IndexAssign: JuliaStmts.indexassign, Append: JuliaStmts.append,
    If: JuliaStmts.if_, ForRange: JuliaStmts.forrange, ForEach: JuliaStmts.foreach,
    While: JuliaStmts.while_, Return: JuliaStmts.return_, Break: JuliaStmts.break_,
    Continue: JuliaStmts.continue_,
}


def lower_stmts(stmts: tuple[Stmt, ...], c: _Ctx, emitter: JuliaStmts = STMTS) -> Block:
    out = Block()
    for st in stmts:
        method = _METHODS.get(type(st))
        if method is None:
            raise UnsupportedProgram("lowering:stmt", type(st).__name__)
        out = out.then(method(emitter, st, c))
    return out


# ---- analyses -------------------------------------------------------------------------

def _walk(stmts: tuple[Stmt, ...], loops: tuple[Stmt, ...] = ()
          ) -> Iterator[tuple[Stmt, tuple[Stmt, ...]]]:
    """Every statement with the loops enclosing it (outermost first)."""
    for st in stmts:
        yield st, loops
        if isinstance(st, If):
            yield from _walk(st.body, loops)
            yield from _walk(st.orelse, loops)
        elif isinstance(st, (ForRange, ForEach)):
            yield from _walk(st.body, (*loops, st))
        elif isinstance(st, While):
            yield from _walk(st.body, (*loops, st))


def _own_exprs(st: Stmt) -> tuple[Expr, ...]:
    match st:
        case Assign() | Append() | Return():
            return (st.value,)
        case IndexAssign():
            return (*st.indices, st.value)
        case If() | While():
            return (st.cond,)
        case ForRange():
            return (st.start, st.stop)
        case ForEach():
            return (st.iterable,)
    return ()


def _reads(e: object, name: str) -> bool:
    if isinstance(e, Name):
        return e.id == name
    if isinstance(e, tuple):
        return any(_reads(x, name) for x in e)
    if dataclasses.is_dataclass(e):
        return any(_reads(getattr(e, f.name), name) for f in dataclasses.fields(e))
    return False


def _mutated_in(stmts: tuple[Stmt, ...]) -> set[str]:
    return {st.target for st, _ in _walk(stmts) if isinstance(st, (Append, IndexAssign))}


def _private_loop_vars(body: tuple[Stmt, ...], loop_vars: set[str]) -> frozenset[str]:
    """Loop variables that can be the Julia loops' own: nothing assigns them, no loop over
    one is nested in another over the same name, and every read happens inside a loop
    over it (so no read can tell Julia's fresh per-loop variable from Python's)."""
    private = set(loop_vars)
    for st, loops in _walk(body):
        binders = {lp.var for lp in loops if isinstance(lp, (ForRange, ForEach))}
        if isinstance(st, Assign) or isinstance(st, (IndexAssign, Append)):
            private.discard(st.target)
        if isinstance(st, (ForRange, ForEach)) and st.var in binders:
            private.discard(st.var)
        for v in list(private):
            if v not in binders and _reads(_own_exprs(st), v):
                private.discard(v)
    return frozenset(private)


# ---- names ----------------------------------------------------------------------------

def _fresh(base: str, taken: set[str]) -> str:
    """`base` made an identifier (`types.identifier_base`), then the first of base,
    base_, base__, ... not in taken: at most len(taken) + 1 tries, so it always ends."""
    return types.fresh_identifier(base, taken)




def _julia_local(name: str) -> str:
    if _IDENT.fullmatch(name):
        return name
    # Non-ASCII letters have no ASCII spelling: each becomes `_` (then `v`-prefixed by
    # identifier_base when nothing else is left); _fresh keeps the results distinct.
    return re.sub(r"[^A-Za-z0-9_]", "_", name.encode("ascii", "replace").decode())


def lower_function(fn: Function) -> str:
    """The whole candidate file for fn, or UnsupportedProgram with a reason."""
    if fn.body is None:
        raise UnsupportedProgram("lowering:no_body", fn.body_reason)
    sig = fn.signature
    if reason := types.supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    for loc in fn.locals:
        if loc.type.kind is Kind.TUPLE or types.unsupported_type(loc.type):
            raise UnsupportedProgram("lowering:local_type", f"{loc.name}: {loc.type}")
    if sig.name in HELPERS:
        raise UnsupportedProgram("lowering:name_hides_helper", sig.name)
    # Names a local must not take: keywords, what the code calls, what the checks refuse.
    reserved = set(BASE_CALLS) | set(HELPERS) | set(FORBIDDEN_NAMES) | {sig.name}
    taken = {sig.name}
    params: dict[str, str] = {}
    for p, jname in zip(sig.params, types.julia_param_names(sig), strict=True):
        params[p.name] = _fresh(jname, taken | reserved)
        taken.add(params[p.name])
    names = dict(params)
    for loc in fn.locals:
        names[loc.name] = _fresh(_julia_local(loc.name), taken | reserved)
        taken.add(names[loc.name])
    prefix = hidden_prefix(taken)
    all_types = {p.name: p.type for p in sig.params} | {v.name: v.type for v in fn.locals}
    hidden = frozenset({sig.name} & BASE_CALLS)
    scope = Scope(names, all_types, hidden, prefix, sig.returns, fn.body)
    loop_vars = {st.var for st, _ in _walk(fn.body) if isinstance(st, (ForRange, ForEach))}
    private = _private_loop_vars(fn.body, loop_vars - set(params))
    body = lower_stmts(fn.body, _Ctx(scope, private))
    if body.needs and sig.name in _HELPER_CALLS:
        raise UnsupportedProgram("lowering:name_hides_helper", sig.name)
    decls = [f"local {names[v.name]}::{types.julia_type(v.type)}"
             for v in fn.locals if v.name not in private]
    copies = [f"{params[p.name]} = {scope.fn('copy')}({params[p.name]})"
              for p in sig.params if p.name in fn.mutated_params and p.type.kind is Kind.LIST]
    lines = [*decls, *copies, *([""] if decls or copies else []), *body.lines]
    helpers = [src for name, (_, src) in HELPERS.items() if name in body.needs]
    return candidate_source(sig, lines, helpers, [params[p.name] for p in sig.params])
