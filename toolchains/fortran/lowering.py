"""Fortran lowering: a Function's body IR -> a complete `module candidate` (no LLM).

Fortran quirks handled here (expressions have their own list in lowering_exprs.py):
  - dummies are `intent(in)`: a parameter the body assigns or mutates is copied into a
    local at entry, and the body uses the copy.
  - `do i = a, b` leaves i one step past the end and forbids assigning i in the body;
    Python leaves the last value and ignores such assignments. The loop variable is the
    do-variable only when nothing can tell the difference (see `_do_var_is_private`);
    otherwise a hidden counter drives the loop and the variable is assigned from it.
  - `for x in xs` iterates a hidden index; an iterable the body rebinds is copied first
    (Python iterates the object it started with).
  - a `while` condition that needs statements (short-circuit temporaries) becomes
    `do; <statements>; if (.not. c) exit; ...; end do`, so `cycle` re-evaluates it.
  - Python names that are not Fortran names, collide case-insensitively, or would hide an
    intrinsic or a helper are renamed. Dummy names are fixed by the contract: when a dummy
    or the procedure itself is named like an intrinsic the code calls (`def merge(...)`),
    the public procedure forwards to a private `<name>_impl` with renamed dummies that
    re-declares the intrinsic (`intrinsic :: merge` beats host association).
  - free-form lines stop at 132 characters: long lines are continued with `&`.
  - `xs.append(v)` calls a helper (`py_append_<kind>`) and `return local` moves the
    local's allocation into the result (`move_alloc`): the inline `xs = [T :: xs, v]` and
    the copy compiled to far more code under `-fcheck=all` (-20% compile time over the
    seed corpus), and samples read better for it.

Key contracts: `lower_function(fn)` returns the candidate source, matching
`contract.candidate_module` (the same skeleton the harness compiles against), or raises
`UnsupportedProgram("lowering:<what>")` (or the contract's own `unsupported_*` reason)
rather than emit code whose semantics differ from Python's.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Callable, Iterator

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, Break, Continue, Expr, ForEach, ForRange, If, IfExp, Index, IndexAssign, Name,
    Return, Stmt, TupleLit, While,
)
from tolk.ir.function import Function
from tolk.ir.names import hidden_prefix, numbered
from tolk.ir.types import INT, IRType, Kind
from tolk.toolchains.fortran import types
from tolk.toolchains.fortran.contract import (
    candidate_module, interface_decls, procedure_footer, procedure_header, wrap_call,
)
from tolk.toolchains.fortran.lowering_exprs import (
    ADD, APPEND_HELPER, ATOM, EXPRS, HELPERS, INTRINSICS, MAX_NAME, Lines, Scope, Temps, coerce,
    indent, length, lower_expr, paren, render, subscript, truth,
)

__all__ = ["lower_function", "FortranStmts"]

_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_MODULE_NAMES = frozenset({"candidate", "int64", "real64", "iso_fortran_env"})
# Lines are continued beyond this width (candidate_module indents the body 4 more).
_WRAP_AT = 96
_MAX_LINE = 128


@dataclass(frozen=True, slots=True)
class Block:
    """Lowered statements (relative indentation) plus the temporaries and names they use."""
    lines: Lines = ()
    temps: Temps = ()
    needs: frozenset[str] = frozenset()

    def then(self, *others: "Block") -> "Block":
        return Block(self.lines + tuple(line for o in others for line in o.lines),
                     self.temps + tuple(t for o in others for t in o.temps),
                     self.needs.union(*(o.needs for o in others)))


def _block(lines: Lines, *frags, temps: Temps = ()) -> Block:
    return Block(lines, tuple(t for f in frags for t in f.temps) + temps,
                 frozenset().union(*(f.needs for f in frags)))


def _store(e: Expr, s: Scope, into: str, t: IRType) -> Block:
    """`into = e`; a conditional expression that needs if/else assigns `into` in each
    branch instead of going through a temporary."""
    if isinstance(e, IfExp) and e.type == t:
        f = EXPRS.ifexp(e, s, into)
        if f.code == into:
            return _block(f.pre, f)
    v = coerce(lower_expr(e, s), t)
    return _block(render(v, into), v)


# ---- the statement emitter ------------------------------------------------------------

class FortranStmts:
    """One method per statement node kind; each returns a Block and keeps no state."""

    def assign(self, st: Assign, s: Scope) -> Block:
        return _store(st.value, s.at("x", 0), s.var(st.target), s.type_of(st.target))

    def indexassign(self, st: IndexAssign, s: Scope) -> Block:
        t = s.type_of(st.target)
        if t.kind is not Kind.LIST or not 1 <= len(st.indices) <= t.rank:
            raise UnsupportedProgram("lowering:index_assign", st.target)
        cur: Expr = Name(st.target, t)
        subs, where = [], []
        for k, i in enumerate(st.indices):
            f, text = subscript(cur, i, s.at("x", k))
            subs.append(f)
            where.append(text)
            cur = Index(cur, i, cur.type.elem)
        v = coerce(lower_expr(st.value, s.at("x", len(subs))), cur.type)
        where += [":"] * (t.rank - len(subs))
        pre = tuple(line for f in subs for line in f.pre)
        return _block((*pre, *render(v, f"{s.var(st.target)}({', '.join(where)})")), *subs, v)

    def append(self, st: Append, s: Scope) -> Block:
        t = s.type_of(st.target)
        if t.rank != 1:
            raise UnsupportedProgram("lowering:matrix_append", st.target)
        v = coerce(lower_expr(st.value, s.at("x", 0)), t.elem)
        helper = APPEND_HELPER[t.elem.kind]
        # Reallocates on every call (O(n) each): simple, and exact.
        return _block((*v.pre, f"call {helper}({s.var(st.target)}, {v.code})"), v).then(
            Block(needs=frozenset({helper})))

    def if_(self, st: If, s: Scope) -> Block:
        return self._if_chain(st, s)[0]

    def _if_chain(self, st: If, s: Scope) -> tuple[Block, bool]:
        """The block, and whether it starts with its `if` (so it can become `else if`)."""
        c = truth(lower_expr(st.cond, s.at("x", 0)))
        body = lower_stmts(st.body, s, "a")
        lines: Lines = (*c.pre, f"if ({c.code}) then", *indent(body.lines))
        if len(st.orelse) == 1 and isinstance(st.orelse[0], If):
            orelse, chainable = self._if_chain(st.orelse[0], s.at("b", 0))
        else:
            orelse, chainable = lower_stmts(st.orelse, s, "b"), False
        if chainable:  # elif: `else if (...) then` closes with the inner `end if`
            lines = (*lines, f"else {orelse.lines[0]}", *orelse.lines[1:])
        else:
            lines = (*lines, *(("else", *indent(orelse.lines)) if orelse.lines else ()),
                     "end if")
        return _block(lines, c).then(Block((), body.temps + orelse.temps,
                                           body.needs | orelse.needs)), not c.pre

    def forrange(self, st: ForRange, s: Scope) -> Block:
        start = coerce(lower_expr(st.start, s.at("x", 0)), INT)
        stop = coerce(lower_expr(st.stop, s.at("x", 1)), INT)
        # range(a, b, k) stops before b: the last Fortran bound is b - 1 (k > 0) or b + 1.
        last = f"{paren(stop, ADD)} {'-' if st.step > 0 else '+'} 1"
        if stop.code.endswith("_int64") and stop.code[:-6].lstrip("-").isdigit():
            last = f"{int(stop.code[:-6]) - (1 if st.step > 0 else -1)}_int64"
        step = "" if st.step == 1 else f", {st.step}" if abs(st.step) < 2**31 else \
            f", {st.step}_int64"
        body = lower_stmts(st.body, s, "a")
        var = s.var(st.var)
        temps: Temps = ()
        if _do_var_is_private(s.root, s.path, st.var):
            head, first = var, ()
        else:
            head = s.hidden("i")
            first, temps = (f"{var} = {head}",), ((head, INT),)
        lines = (*start.pre, *stop.pre, f"do {head} = {start.code}, {last}{step}",
                 *indent((*first, *body.lines)), "end do")
        return _block(lines, start, stop, temps=temps).then(Block((), body.temps, body.needs))

    def foreach(self, st: ForEach, s: Scope) -> Block:
        it = lower_expr(st.iterable, s.at("x", 0))
        temps: Temps = ()
        pre = it.pre
        if isinstance(st.iterable, Name) and st.iterable.id in _mutated_in(st.body):
            # Python would see the mutation (and iterate appended items); refuse, as the
            # front end does.
            raise UnsupportedProgram("lowering:mutates_iterable", st.iterable.id)
        rebound = isinstance(st.iterable, Name) and st.iterable.id in _assigned_in(st.body)
        if not it.is_name or rebound:
            copy = s.hidden("c")
            pre, temps = render(it, copy), ((copy, it.type),)
            it = dataclasses.replace(it, code=copy, pre=(), is_name=True)
        k = s.hidden("k")
        n = length(it)
        if it.type.kind is Kind.STR:
            elem = f"{it.code}({k}:{k})"
        else:
            elem = f"{it.code}({k}{', :' if it.type.rank == 2 else ''})"
        body = lower_stmts(st.body, s, "a")
        lines = (*pre, f"do {k} = 1, {n.code}", *indent((f"{s.var(st.var)} = {elem}",
                                                          *body.lines)), "end do")
        return _block(lines, it, n, temps=temps + ((k, INT),)).then(
            Block((), body.temps, body.needs))

    def while_(self, st: While, s: Scope) -> Block:
        c = truth(lower_expr(st.cond, s.at("x", 0)))
        body = lower_stmts(st.body, s, "a")
        if c.pre:
            head: Lines = ("do", *indent((*c.pre, f"if (.not. {paren(c, ATOM)}) exit")))
        else:
            head = (f"do while ({c.code})",)
        return _block((*head, *indent(body.lines), "end do"), c).then(
            Block((), body.temps, body.needs))

    def return_(self, st: Return, s: Scope) -> Block:
        if s.returns.kind is Kind.TUPLE:
            if not isinstance(st.value, TupleLit) or len(st.value.elems) != len(s.results):
                raise UnsupportedProgram("lowering:return_shape")
            frags = [coerce(lower_expr(e, s.at("x", i)), t)
                     for i, (e, t) in enumerate(zip(st.value.elems, s.returns.args, strict=True))]
            lines = tuple(line for f, r in zip(frags, s.results, strict=True)
                          for line in render(f, r))
            return _block((*lines, "return"), *frags)
        v = st.value
        if isinstance(v, Name) and v.id in s.owned and s.type_of(v.id) == s.returns \
                and (s.returns.rank > 0 or s.returns.kind is Kind.STR):
            # The local dies here: hand its allocation over instead of copying it.
            return Block((f"call move_alloc({s.var(v.id)}, {s.results[0]})", "return"),
                         needs=frozenset({"move_alloc"}))
        return _store(v, s.at("x", 0), s.results[0], s.returns).then(Block(("return",)))

    def break_(self, st: Break, s: Scope) -> Block:
        return Block(("exit",))  # innermost do: the innermost Python loop

    def continue_(self, st: Continue, s: Scope) -> Block:
        return Block(("cycle",))


STMTS = FortranStmts()
_METHODS: dict[type, Callable[[FortranStmts, Stmt, Scope], Block]] = {
    Assign: FortranStmts.assign, IndexAssign: FortranStmts.indexassign,
    Append: FortranStmts.append, If: FortranStmts.if_, ForRange: FortranStmts.forrange,
    ForEach: FortranStmts.foreach, While: FortranStmts.while_, Return: FortranStmts.return_,
    Break: FortranStmts.break_, Continue: FortranStmts.continue_,
}


def lower_stmts(stmts: tuple[Stmt, ...], s: Scope, tag: str,
                emitter: FortranStmts = STMTS) -> Block:
    """The statement walker: statement i of a body tagged `tag` is at path `{path}{tag}{i}`
    (`_walk` numbers statements the same way)."""
    out = Block()
    for i, st in enumerate(stmts):
        method = _METHODS.get(type(st))
        if method is None:
            raise UnsupportedProgram("lowering:stmt", type(st).__name__)
        out = out.then(method(emitter, st, s.at(tag, i)))
    return out


# ---- analyses -------------------------------------------------------------------------

def _walk(stmts: tuple[Stmt, ...], path: str = "", tag: str = "") -> Iterator[tuple[str, Stmt]]:
    for i, st in enumerate(stmts):
        p = f"{path}{tag}{i}"
        yield p, st
        if isinstance(st, If):
            yield from _walk(st.body, p, "a")
            yield from _walk(st.orelse, p, "b")
        elif isinstance(st, (ForRange, ForEach, While)):
            yield from _walk(st.body, p, "a")


def _own_exprs(st: Stmt) -> tuple[Expr, ...]:
    """Expressions a statement evaluates itself (not those of nested statements)."""
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


def _assigned_in(stmts: tuple[Stmt, ...]) -> set[str]:
    out: set[str] = set()
    for _, st in _walk(stmts):
        if isinstance(st, Assign):
            out.add(st.target)
        elif isinstance(st, (ForRange, ForEach)):
            out.add(st.var)
    return out


def _mutated_in(stmts: tuple[Stmt, ...]) -> set[str]:
    return {st.target for _, st in _walk(stmts) if isinstance(st, (Append, IndexAssign))}


def _do_var_is_private(root: tuple[Stmt, ...], loop: str, var: str) -> bool:
    """True when `var` can be the do-variable itself: the body never assigns it, and every
    read outside the body happens inside another loop over `var` that does not enclose
    this one (that loop assigns var before any such read). Reads after the loop would see
    Fortran's one-past-the-end value; a read in an enclosing loop could see it next time."""
    loops = {p: st for p, st in _walk(root) if isinstance(st, (ForRange, ForEach))}
    inside = loop + "a"
    for path, st in _walk(root):
        if path.startswith(inside):
            if isinstance(st, Assign) and st.target == var or \
                    isinstance(st, (ForRange, ForEach)) and st.var == var:
                return False
            continue
        if not _reads(_own_exprs(st), var):
            continue
        covered = any(path.startswith(p + "a") and lp.var == var and p != loop
                      and not inside.startswith(p + "a") for p, lp in loops.items())
        if not covered:
            return False
    return True


# ---- names ----------------------------------------------------------------------------

def _fresh(base: str, taken: set[str]) -> str:
    """The first of base, base2, base3, ... not in taken."""
    base = base[:MAX_NAME - 4]
    return numbered(base, taken, lambda k: f"{base}{k}")




@dataclass(frozen=True, slots=True)
class _Names:
    body: dict[str, str]     # Python name -> the Fortran variable the body uses
    dummies: dict[str, str]  # parameter -> its dummy name in the procedure holding the body
    prefix: str              # no Fortran name here starts with it: hidden names do


def _name_map(fn: Function, rename: frozenset[str]) -> _Names:
    """Fortran names for parameters and locals. Dummies keep the contract's names except
    those in `rename` (the body then lives in a private procedure whose dummies are ours)."""
    sig = fn.signature
    # Fortran has no reserved words (gfortran accepts `end`, `do`, `data` as variables):
    # only intrinsics and helpers the code may call must not be hidden by a local.
    reserved = INTRINSICS | set(HELPERS)
    taken = {types.fortran_name(sig.name), *types.result_names(sig), *_MODULE_NAMES}
    dummies: dict[str, str] = {}
    for p in sig.params:
        f = types.fortran_name(p.name)
        dummies[p.name] = _fresh(f"{f}_v", taken | reserved) if f in rename else f
        taken.add(dummies[p.name])
    body = dict(dummies)
    for p in sig.params:
        if p.name in fn.mutated_params:
            body[p.name] = _fresh(f"{types.fortran_name(p.name)}_copy", taken | reserved)
            taken.add(body[p.name])
    for loc in fn.locals:
        f = loc.name.lower()
        if not (_IDENT.fullmatch(f) and len(f) <= MAX_NAME) or f in taken or f in reserved:
            base = re.sub(r"[^a-z0-9_]", "_", f.encode("ascii", "replace").decode()).strip("_")
            f = _fresh(f"v_{base}" if not base[:1].isalpha() else f"{base}_v", taken | reserved)
        taken.add(f)
        body[loc.name] = f
    return _Names(body, dummies, hidden_prefix(taken))


# ---- assembly -------------------------------------------------------------------------

def _split_point(line: str, limit: int, floor: int) -> int | None:
    """Where to continue a long line: a blank outside character literals, preferring the
    shallowest parenthesis depth in the last part of the allowed width (so breaks fall
    between operands, not inside a call), else the last blank before `limit`, else the
    first one after it."""
    quoted, depth = False, 0
    blanks: list[tuple[int, int]] = []
    for i, ch in enumerate(line):
        if ch == "'":
            quoted = not quoted  # '' inside a literal toggles twice
        elif quoted:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == " " and i > floor:
            blanks.append((i, depth))
            if i > limit:
                break
    fitting = [(i, d) for i, d in blanks if i <= limit]
    if not fitting:
        return blanks[0][0] if blanks else None
    window = [(i, d) for i, d in fitting if i >= limit * 3 // 5] or fitting
    shallowest = min(d for _, d in window)
    return max(i for i, d in window if d == shallowest)


def _wrap(line: str) -> list[str]:
    if len(line) <= _WRAP_AT:
        return [line]
    lead = len(line) - len(line.lstrip())
    out, cur = [], line
    while len(cur) > _WRAP_AT:
        cut = _split_point(cur, _WRAP_AT - 2, lead + 8)
        if cut is None:
            break
        out.append(cur[:cut].rstrip() + " &")
        cur = " " * (lead + 4) + cur[cut:].lstrip()
    out.append(cur)
    if any(len(piece) > _MAX_LINE for piece in out) or len(out) > 250:
        raise UnsupportedProgram("lowering:line_too_long", line[:80])
    return out


def _helpers(needs: frozenset[str], proc: str) -> tuple[list[str], set[str]]:
    """Helper sources (dependencies included, in HELPERS order) and every name they need.
    A helper calling an intrinsic that the public procedure's name hides re-declares it
    `intrinsic` (a local declaration beats host association)."""
    todo, closed = [n for n in needs if n in HELPERS], set(needs)
    while todo:
        for dep in HELPERS[todo.pop()][0]:
            if dep not in closed:
                closed.add(dep)
                if dep in HELPERS:
                    todo.append(dep)
    if proc in HELPERS and proc in closed:
        raise UnsupportedProgram("lowering:name_hides_helper", proc)
    sources = []
    for h in HELPERS:
        if h in closed:
            head, rest = HELPERS[h][1].split("\n", 1)
            extra = f"\n    intrinsic :: {proc}" if proc in HELPERS[h][0] else ""
            sources.append(f"{head}{extra}\n{rest}")
    return sources, closed


@dataclass(frozen=True, slots=True)
class _Lowered:
    names: _Names
    decls: list[str]
    lines: list[str]
    helpers: list[str]
    needs: set[str]


def _lower(fn: Function, rename: frozenset[str] = frozenset()) -> _Lowered:
    sig = fn.signature
    names = _name_map(fn, rename)
    all_types = {p.name: p.type for p in sig.params} | {v.name: v.type for v in fn.locals}
    scope = Scope(names.body, names.prefix, returns=sig.returns,
                  results=types.result_names(sig), types=all_types, root=fn.body,
                  owned=frozenset(v.name for v in fn.locals) | fn.mutated_params)
    body = lower_stmts(fn.body, scope, "")
    helpers, needs = _helpers(body.needs, types.fortran_name(sig.name))
    copies = [p for p in sig.params if p.name in fn.mutated_params]
    decls = [types.local_decl(names.body[v.name], v.type) for v in fn.locals]
    decls += [types.local_decl(names.body[p.name], p.type) for p in copies]
    seen: dict[str, IRType] = {}
    for name, t in body.temps:
        if seen.setdefault(name, t) != t:
            raise UnsupportedProgram("lowering:internal_temp_clash", name)
    decls += [types.local_decl(n, t) for n, t in seen.items()]
    entry = [f"{names.body[p.name]} = {names.dummies[p.name]}" for p in copies]
    lines = [*([""] if entry else []), *entry, *([""] if decls or entry else []), *body.lines]
    return _Lowered(names, decls, lines, helpers, needs)


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
    proc = types.fortran_name(sig.name)
    low = _lower(fn)
    if clash := frozenset(low.needs & set(low.names.dummies.values())):
        low = _lower(fn, clash)
    if proc not in low.needs and low.names.dummies == {p.name: types.fortran_name(p.name)
                                                       for p in sig.params}:
        body = [*low.decls, *low.lines]
        return candidate_module(sig, _wrapped(body), ["", *"\n\n".join(low.helpers).split("\n")]
                                if low.helpers else [])
    # A dummy or the procedure itself is named like an intrinsic the body calls (a Python
    # `def merge(...)` using merge()): the public procedure forwards to a private one whose
    # dummies are renamed and which re-declares the intrinsic.
    args = [types.fortran_name(p.name) for p in sig.params]
    impl = _fresh(f"{proc}_impl", {proc, *args, *low.needs, *low.names.body.values(),
                                   *INTRINSICS, *HELPERS})
    results = types.result_names(sig)
    if types.is_subroutine(sig):
        forward = wrap_call(f"call {impl}", [*args, *results])
    else:
        forward = wrap_call(f"res = {impl}", args)
    impl_sig = dataclasses.replace(sig, name=impl, params=tuple(
        dataclasses.replace(p, name=low.names.dummies[p.name]) for p in sig.params))
    impl_lines = [
        procedure_header(impl_sig, "  "),
        *(f"    intrinsic :: {proc}",) * (proc in low.needs),
        *("    " + d for d in interface_decls(impl_sig)),
        *("    " + line if line else "" for line in _wrapped([*low.decls, *low.lines])),
        procedure_footer(impl_sig, "  "),
    ]
    helpers = "\n\n".join(["\n".join(impl_lines), *low.helpers]).split("\n")
    return candidate_module(sig, forward.split("\n"), ["", *helpers])


def _wrapped(lines: list[str]) -> list[str]:
    return [piece for line in lines for piece in _wrap(line)]
