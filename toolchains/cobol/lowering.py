"""COBOL lowering: a Function's body IR -> a complete candidate program (no LLM).

COBOL quirks handled here (expressions have their own list in lowering_exprs.py):
  - every local, temporary and hidden counter lives in LOCAL-STORAGE: fresh per CALL, so
    nothing survives from one vector to the next (WORKING-STORAGE would).
  - parameters the body assigns or mutates are copied into locals at entry (the harness's
    items are the caller's storage; Python rebinding never reaches the caller).
  - `return v` stores into `res` (or `res-1..`) and GOBACKs, from any depth.
  - `for v in range(a, b, s)` runs a hidden counter with PERFORM VARYING (a and b
    evaluated once, like Python) and MOVEs it into v at the top of each pass, so the
    body may assign v and v keeps its last value after the loop. `break` is EXIT
    PERFORM and `continue` EXIT PERFORM CYCLE (which still steps the counter); the only
    inline PERFORMs in a body are its own loops, so both reach the right one.
  - `while c` is `PERFORM UNTIL EXIT` with the condition's statements and an
    `IF NOT c EXIT PERFORM` at the top, so `continue` re-evaluates it.
  - lines longer than GnuCOBOL's 512-byte free-format limit are broken between tokens.

Key contracts: `lower_function(fn)` returns the candidate source, matching
`contract.candidate_program` (the skeleton the harness compiles against), or raises
`UnsupportedProgram` with a `cobol:<what>` reason (or the contract's `unsupported_*`).
"""

from __future__ import annotations

import re

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, Break, Call, Const, Continue, Expr, ForEach, ForRange, If, IndexAssign, Name,
    Return, Stmt, TupleLit, While,
)
from tolk.ir.function import Function, Signature
from tolk.ir.types import INT, IRType, Kind
from tolk.toolchains.cobol import overflow, types
from tolk.toolchains.cobol.contract import candidate_program
from tolk.toolchains.cobol.lowering_exprs import Lowerer, ind, plus

__all__ = ["lower_function"]

Lines = tuple[str, ...]
_MAX_LINE = 200


class _Stmts:
    def __init__(self, fn: Function, lw: Lowerer) -> None:
        self.fn = fn
        self.lw = lw

    def block(self, body: tuple[Stmt, ...]) -> Lines:
        out: list[str] = []
        for st in body:
            method = getattr(self, f"s_{type(st).__name__.lower()}", None)
            if method is None:
                raise UnsupportedProgram("cobol:statement", type(st).__name__)
            out += method(st)
        return tuple(out)

    def s_assign(self, st: Assign) -> Lines:
        dn, t = self.lw.var(st.target)
        return self.lw.store(st.value, dn, t)

    def s_indexassign(self, st: IndexAssign) -> Lines:
        dn, t = self.lw.var(st.target)
        if t.kind is not Kind.LIST or len(st.indices) != t.rank:
            raise UnsupportedProgram("cobol:index_assign", st.target)
        subs = [self.lw.intval(i) for i in st.indices]
        pre = tuple(line for s in subs for line in s.pre)
        sub = ", ".join(f"{s.code} + 1" for s in subs)
        return (*pre, *self.lw.store_elem(st.value, dn, sub, t.scalar))

    def s_append(self, st: Append) -> Lines:
        dn, t = self.lw.var(st.target)
        if t.rank == 2:
            row = self.lw.expr(st.value)
            k = self.lw.temp(INT)
            # Python would keep ragged rows; a valid result is rectangular, so the last
            # row's length is the column count.
            return (*row.pre, f"ADD 1 TO {dn}-r", f"MOVE {row.code}-n TO {dn}-c",
                    f"PERFORM VARYING {k} FROM 1 BY 1 UNTIL {k} > {dn}-c",
                    f"    MOVE {row.code}-v({k}) TO {dn}-v({dn}-r, {k})", "END-PERFORM")
        # Evaluate first (the value may read the list), then grow the table by one.
        tmp = self.lw.temp(t.elem)
        fill = self.lw.store(st.value, tmp, t.elem)
        if t.elem.kind is Kind.STR:
            put = (f"MOVE {tmp}-len TO {dn}-len({dn}-n)", f"MOVE {tmp}-txt TO {dn}-txt({dn}-n)")
        else:
            put = (f"MOVE {tmp} TO {dn}-v({dn}-n)",)
        return (*fill, f"ADD 1 TO {dn}-n", *put)

    def s_if(self, st: If) -> Lines:
        c = self.lw.cond(st.cond)
        out = [*c.pre, f"IF {c.code}", *ind(self.block(st.body))]
        if st.orelse:
            out += ["ELSE", *ind(self.block(st.orelse))]
        return (*out, "END-IF")

    def s_forrange(self, st: ForRange) -> Lines:
        dn, t = self.lw.var(st.var)
        a, b = self.lw.num(st.start), self.lw.num(st.stop)
        k = self.lw.temp(INT)
        pre: list[str] = []
        # PERFORM VARYING takes a data item or an unsigned literal, not an expression;
        # Python evaluates start and stop once, in that order.
        start = a.code
        if a.pre or not _PLAIN.fullmatch(a.code):
            start = self.lw.temp(INT)
            pre += [*a.pre, f"COMPUTE {start} = {a.code}"]
        stop = b.code
        if b.pre or not _PLAIN.fullmatch(b.code) or not _stable(st.stop, _assigned(st.body)):
            stop = self.lw.temp(INT)
            pre += [*b.pre, f"COMPUTE {stop} = {b.code}"]
        until = f"{k} >= {stop}" if st.step > 0 else f"{k} <= {stop}"
        return (*pre, f"PERFORM VARYING {k} FROM {start} BY {st.step} UNTIL {until}",
                f"    MOVE {k} TO {dn}", *ind(self.block(st.body)), "END-PERFORM")

    def s_foreach(self, st: ForEach) -> Lines:
        dn, t = self.lw.var(st.var)
        it = st.iterable
        src = self.lw.expr(it)
        pre = list(src.pre)
        if isinstance(it, Name) and it.id in _assigned(st.body):
            # Python iterates the object it started with: snapshot a rebound iterable.
            tmp = self.lw.temp(it.type)
            pre += self.lw.store(it, tmp, it.type)
            src = self.lw.as_val(tmp, it.type, ())
        k = self.lw.temp(INT)
        if it.type.kind is Kind.STR:
            n = src.ln  # the iterable is a name the body does not rebind, or a snapshot
            if not _PLAIN.fullmatch(n):
                n = self.lw.temp(INT)
                pre.append(f"COMPUTE {n} = {src.ln}")
            head = (f"MOVE 1 TO {dn}-len", f"MOVE {src.base}({plus(src.off, k)}:1) TO {dn}-txt")
        elif it.type.rank == 1:
            n = f"{src.code}-n"
            if it.type.elem.kind is Kind.STR:
                head = (f"MOVE {src.code}-len({k}) TO {dn}-len",
                        f"MOVE {src.code}-txt({k}) TO {dn}-txt")
            else:
                head = (f"MOVE {src.code}-v({k}) TO {dn}",)
        else:  # rows of a matrix
            n = f"{src.code}-r"
            j = self.lw.temp(INT)
            head = (f"MOVE {src.code}-c TO {dn}-n",
                    f"PERFORM VARYING {j} FROM 1 BY 1 UNTIL {j} > {dn}-n",
                    f"    MOVE {src.code}-v({k}, {j}) TO {dn}-v({j})", "END-PERFORM")
        return (*pre, f"PERFORM VARYING {k} FROM 1 BY 1 UNTIL {k} > {n}",
                *ind(head), *ind(self.block(st.body)), "END-PERFORM")

    def s_while(self, st: While) -> Lines:
        c = self.lw.cond(st.cond)
        if not c.pre:
            return (f"PERFORM UNTIL NOT ({c.code})", *ind(self.block(st.body)), "END-PERFORM")
        return ("PERFORM UNTIL EXIT", *ind(c.pre), f"    IF NOT ({c.code})",
                "        EXIT PERFORM", "    END-IF", *ind(self.block(st.body)), "END-PERFORM")

    def s_return(self, st: Return) -> Lines:
        sig = self.fn.signature
        names = types.result_names(sig)
        rtypes = types.result_types(sig)
        if isinstance(st.value, TupleLit):
            # Python code cannot read the result items, so storing in order is safe.
            out: list[str] = []
            for e, name, t in zip(st.value.elems, names, rtypes, strict=True):
                out += self.lw.store(e, name, t)
            return (*out, "GOBACK")
        if len(names) != 1:
            raise UnsupportedProgram("cobol:tuple_return_shape")
        return (*self.lw.store(st.value, names[0], rtypes[0]), "GOBACK")

    def s_break(self, st: Break) -> Lines:
        return ("EXIT PERFORM",)

    def s_continue(self, st: Continue) -> Lines:
        return ("EXIT PERFORM CYCLE",)


def _move(src: str, dst: str, t: IRType) -> Lines:
    if t.kind is Kind.STR:
        return (f"MOVE {src}-len TO {dst}-len", f"MOVE {src}-txt TO {dst}-txt")
    return (f"MOVE {src} TO {dst}",)


_PLAIN = re.compile(r"\d+|[A-Za-z][A-Za-z0-9_-]*")


def _stable(e: Expr, assigned: set[str]) -> bool:
    """Does e keep its value while a loop body that assigns `assigned` runs?"""
    if isinstance(e, Const):
        return True
    if isinstance(e, Name):
        return e.id not in assigned
    if isinstance(e, Call) and e.func == "len" and isinstance(e.args[0], Name):
        return e.args[0].id not in assigned
    return False


def _assigned(body: tuple[Stmt, ...]) -> set[str]:
    """Names a block assigns, index-assigns or appends to (at any depth)."""
    out: set[str] = set()
    for st in body:
        if isinstance(st, (Assign, IndexAssign, Append)):
            out.add(st.target)
        for attr in ("body", "orelse"):
            out |= _assigned(getattr(st, attr, ()))
        if isinstance(st, (ForRange, ForEach)):
            out.add(st.var)
    return out


def _wrap(line: str) -> list[str]:
    """Break a line longer than _MAX_LINE at a blank outside literals."""
    if len(line) <= _MAX_LINE:
        return [line]
    lead = line[: len(line) - len(line.lstrip())] + "    "
    out, cur, quote = [], "", ""
    for ch in line:
        cur += ch
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == " " and len(cur) > _MAX_LINE - 40:
            out.append(cur.rstrip())
            cur = lead
    out.append(cur)
    return out


def lower_function(fn: Function) -> str:
    sig = fn.signature
    if reason := types.supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    if fn.body is None:
        raise UnsupportedProgram("cobol:no_body_ir", fn.body_reason)
    names: dict[str, tuple[str, IRType]] = {}
    items: list[str] = []
    entry: list[str] = []
    taken: set[str] = set()
    for prm in sig.params:
        if prm.name in fn.mutated_params:
            local = types.local_word(prm.name, taken)
            items += types.data_item(local, prm.type)
            entry += _move(types.param_name(prm.name), local, prm.type) if prm.type.rank == 0 \
                else _copy_list(types.param_name(prm.name), local, prm.type)
            names[prm.name] = (local, prm.type)
        else:
            names[prm.name] = (types.param_name(prm.name), prm.type)
    for loc in fn.locals:
        dn = types.local_word(loc.name, taken)
        names[loc.name] = (dn, loc.type)
        items += types.data_item(dn, loc.type)
    lw = Lowerer(names)
    body = _Stmts(fn, lw).block(fn.body)
    if body and body[-1] == "GOBACK":
        body = body[:-1]  # candidate_program ends the paragraph with its own GOBACK
    # The int64 contract: integer stores get ON SIZE ERROR handlers (overflow.py).
    floats = overflow.float_names([*items, *lw.temps, *_signature_items(sig)])
    guarded, wide = overflow.guard_stores([*entry, *body], floats)
    lines = [w for line in guarded for w in _wrap(line)]
    return candidate_program(sig, [*items, *lw.temps, *([overflow.WIDE_ITEM] if wide else [])],
                             lines)


def _signature_items(sig: Signature) -> list[str]:
    """Data-description lines of the parameters and results (to find COMP-2 targets)."""
    named = [(types.param_name(p.name), p.type) for p in sig.params]
    named += list(zip(types.result_names(sig), types.result_types(sig)))
    return [line for name, t in named for line in types.data_item(name, t)]


def _copy_list(src: str, dst: str, t: IRType) -> Lines:
    if t.rank == 1:
        return (f"MOVE {src}-n TO {dst}-n", f"MOVE {src} TO {dst}")
    return (f"MOVE {src}-r TO {dst}-r", f"MOVE {src}-c TO {dst}-c", f"MOVE {src} TO {dst}")
