"""Which functions are data-parallel, and the loop that makes them so (language-neutral).

A function is data-parallel when its body is

    <scalar prefix: Assigns of scalar locals from expressions safe to evaluate once>
    <result> = <init>          (among the prefix)
    for ... :                  (one loop, or two perfectly nested `range` loops)
        <one iteration>
    return <result>

and every iteration is independent of every other one:
  - map / stencil / rows / matvec: the result is a list; iteration k appends exactly one
    value on every path (`out = []`), or writes only `out[var]` (`out = [c] * n`);
  - map2d / matmul: two nested `range` loops write only `out[i][j]` of
    `out = [[c] * cols for _ in range(rows)]`;
  - reduce: a scalar accumulator updated only by an associative operator (sum, count,
    int min/max, any, all);
  - histogram: `bins = [0] * k` updated only by `bins[e] += v`.
An iteration may assign scalar locals (each assigned before it is read in the same
iteration: private to the iteration), run inner loops over them, and read parameters and
prefix scalars; it reads nothing the loop writes and allocates nothing. Scans
(`out[i] = out[i-1] + x`), early exits, and bodies that carry a scalar across iterations
are not data-parallel.

Key contracts: `parallel_loop(fn)` returns the `ParallelLoop` it found, or None; it never
accepts a loop whose iterations depend on each other. `host_safe(e)` says whether e can be
evaluated once before the loop without raising (prefix, loop bounds, initial values).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from tolk.ir.body import (
    Append, Assign, BinOp, BinOpKind, BoolOp, Break, Call, CmpOpKind, Compare, Const, Continue,
    Expr, ForEach, ForRange, If, IfExp, Index, IndexAssign, ListLit, ListRepeat, Name, Return,
    Stmt, UnaryOp, While,
)
from tolk.ir.function import Function
from tolk.ir.types import INT, IRType, Kind

__all__ = ["Dim", "ParallelLoop", "parallel_loop", "parallel_pattern", "host_safe",
           "NOT_DATA_PARALLEL", "PATTERNS"]

NOT_DATA_PARALLEL = "unsupported:not_data_parallel"
PATTERNS = ("map", "stencil", "rows", "matvec", "map2d", "matmul", "reduce", "histogram")
_PURE_CALLS = frozenset({"len", "abs", "int", "float", "min", "max"})
_SAFE_OPS = frozenset({BinOpKind.ADD, BinOpKind.SUB, BinOpKind.MUL})


@dataclass(frozen=True, slots=True)
class Dim:
    """One independent loop dimension: var runs over range(start, stop) (step 1), or over
    the elements of the list parameter `over` (then start = 0, stop = its length)."""
    var: str
    start: Expr
    stop: Expr
    over: str | None = None


@dataclass(frozen=True, slots=True)
class ParallelLoop:
    kind: str  # one of PATTERNS
    op: str  # reduce: sum | count | min | max | any | all; histogram: sum; else ""
    prefix: tuple[Assign, ...]  # scalar locals, evaluated once, before the loop, in order
    result: str  # the returned local
    init: Expr  # its initial value
    dims: tuple[Dim, ...]  # 1 or 2
    body: tuple[Stmt, ...]  # one iteration (the innermost loop body for 2 dims)
    private: tuple[Param_, ...] = ()  # locals each iteration assigns before reading

    @property
    def appends(self) -> bool:
        return isinstance(self.init, ListLit)


Param_ = tuple[str, IRType]


def parallel_pattern(fn: Function) -> str:
    """The pattern name, or "" when fn is not data-parallel."""
    loop = parallel_loop(fn)
    return loop.kind if loop is not None else ""


@functools.lru_cache(maxsize=4096)
def parallel_loop(fn: Function) -> ParallelLoop | None:
    if fn.body is None or fn.mutated_params or len(fn.body) < 3:
        return None
    sig = fn.signature
    params = {p.name: p.type for p in sig.params}
    if any(t.kind in (Kind.STR, Kind.TUPLE) or t.scalar.kind is Kind.STR
           for t in params.values()) or sig.returns.kind in (Kind.STR, Kind.TUPLE):
        return None
    types = {v.name: v.type for v in fn.locals}
    *pre, loop, ret = fn.body
    if not (isinstance(ret, Return) and isinstance(ret.value, Name)
            and ret.value.id in types and types[ret.value.id] == sig.returns):
        return None
    result = ret.value.id
    scalars = {n for n, t in params.items() if t.is_scalar}
    prefix: list[Assign] = []
    init: Expr | None = None
    for st in pre:
        if not isinstance(st, Assign) or st.target in params or any(
                p.target == st.target for p in prefix) or st.target == result and init:
            return None
        if st.target == result:
            if not _safe_init(st.value, scalars, params):
                return None
            init = st.value
            continue
        if not (types[st.target].is_scalar and host_safe(st.value, scalars, params)):
            return None
        prefix.append(st)
        scalars.add(st.target)
    if init is None:
        return None
    dims, body = _dims(loop, scalars, params)
    if not dims:
        return None
    ctx = _Ctx(params, frozenset(scalars), result, types, frozenset(d.var for d in dims))
    found = _classify(ctx, sig.returns, init, dims, body)
    if found is None:
        return None
    kind, op = found
    private = tuple(sorted((n, types[n]) for n in ctx.private))
    return ParallelLoop(kind, op, tuple(prefix), result, init, dims, body, private)


# ---- the loop and its dimensions -------------------------------------------------------

def _dims(loop: Stmt, scalars: set[str], params: dict[str, IRType]
          ) -> tuple[tuple[Dim, ...], tuple[Stmt, ...]]:
    outer = _dim(loop, scalars, params)
    if outer is None:
        return (), ()
    body = loop.body  # type: ignore[union-attr]
    if len(body) == 1 and isinstance(body[0], ForRange) and outer.over is None:
        inner = _dim(body[0], scalars, params)
        if inner is not None:
            return (outer, inner), body[0].body
    return (outer,), body


def _dim(loop: Stmt, scalars: set[str], params: dict[str, IRType]) -> Dim | None:
    if isinstance(loop, ForEach):
        it = loop.iterable
        if isinstance(it, Name) and it.id in params and params[it.id].rank == 1 \
                and params[it.id].elem.is_numeric:
            return Dim(loop.var, Const(0, INT), Call("len", (it,), INT), it.id)
        return None
    if isinstance(loop, ForRange) and loop.step == 1 and isinstance(loop.start, Const) \
            and isinstance(loop.start.value, int) and loop.start.value >= 0 \
            and loop.var not in scalars and host_safe(loop.stop, scalars, params):
        return Dim(loop.var, loop.start, loop.stop)
    return None


# ---- what may be evaluated once, before the loop ----------------------------------------

def host_safe(e: Expr, scalars: set[str] | frozenset[str], params: dict[str, IRType],
              guarded: frozenset[str] = frozenset()) -> bool:
    """Numeric, allocates nothing, cannot raise: scalars, lengths of parameters (a
    matrix's row length `len(m[0])` only where `len(m) > 0` is known, e.g. in the then-branch
    of `... if len(m) > 0 and len(b) > 0 else 0`), + - *, comparisons,
    and/or/not, conditional expressions, 2-argument min/max, abs, int/float conversions."""
    match e:
        case Const():
            return e.type.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL)
        case Name():
            return e.id in scalars
        case BinOp():
            return e.op in _SAFE_OPS and e.type.kind in (Kind.INT, Kind.FLOAT) and all(
                host_safe(x, scalars, params, guarded) for x in (e.left, e.right))
        case Compare():
            return e.left.type.is_numeric and e.right.type.is_numeric and all(
                host_safe(x, scalars, params, guarded) for x in (e.left, e.right))
        case UnaryOp():
            return e.op in ("-", "not") and host_safe(e.operand, scalars, params, guarded)
        case BoolOp():
            return all(host_safe(v, scalars, params, guarded) for v in e.values)
        case IfExp():
            terms = e.cond.values if isinstance(e.cond, BoolOp) and e.cond.op == "and" \
                else (e.cond,)
            then_guard = guarded | {g for t in terms if (g := _nonempty_guard(t, params))}
            return host_safe(e.cond, scalars, params, guarded) and host_safe(
                e.then, scalars, params, then_guard) and host_safe(
                e.orelse, scalars, params, guarded)
        case Call(func="len"):
            a = e.args[0]
            if isinstance(a, Name):
                return a.id in params and params[a.id].rank >= 1
            return (isinstance(a, Index) and isinstance(a.target, Name)
                    and a.target.id in guarded and isinstance(a.index, Const)
                    and a.index.value == 0)
        case Call(func="min" | "max"):
            return len(e.args) == 2 and all(host_safe(a, scalars, params, guarded)
                                            for a in e.args)
        case Call(func="abs" | "float"):
            return all(host_safe(a, scalars, params, guarded) for a in e.args)
        case Call(func="int"):
            return e.args[0].type.kind in (Kind.INT, Kind.BOOL) and host_safe(
                e.args[0], scalars, params, guarded)
    return False


def _nonempty_guard(cond: Expr, params: dict[str, IRType]) -> str:
    """`len(m) > 0` (or `0 < len(m)`, `len(m) != 0`, `len(m) >= 1`) for a matrix m: "m"."""
    if not isinstance(cond, Compare):
        return ""
    forms = ((cond.left, cond.op, cond.right),)
    flip = {CmpOpKind.LT: CmpOpKind.GT, CmpOpKind.NE: CmpOpKind.NE, CmpOpKind.LE: CmpOpKind.GE}
    if cond.op in flip:
        forms += ((cond.right, flip[cond.op], cond.left),)
    for lhs, op, rhs in forms:
        if isinstance(lhs, Call) and lhs.func == "len" and isinstance(lhs.args[0], Name) \
                and params.get(lhs.args[0].id, INT).rank == 2 and isinstance(rhs, Const) \
                and (op in (CmpOpKind.GT, CmpOpKind.NE) and rhs.value == 0
                     or op is CmpOpKind.GE and rhs.value == 1):
            return lhs.args[0].id
    return ""


def _safe_init(e: Expr, scalars: set[str], params: dict[str, IRType]) -> bool:
    """The result's initial value: a safe scalar, `[]`, `[c] * n` or
    `[[c] * cols for _ in range(rows)]` (cols may read `len(m[0])` when rows is `len(m)`)."""
    if isinstance(e, ListLit):
        return not e.elems
    if isinstance(e, ListRepeat):
        if isinstance(e.elem, ListRepeat):
            rows = e.count
            guard = frozenset({rows.args[0].id}) if isinstance(rows, Call) \
                and rows.func == "len" and isinstance(rows.args[0], Name) \
                and params.get(rows.args[0].id, INT).rank == 2 else frozenset()
            return isinstance(e.elem.elem, Const) and host_safe(rows, scalars, params) \
                and host_safe(e.elem.count, scalars, params, guard)
        return isinstance(e.elem, Const) and e.elem.type.is_numeric \
            and host_safe(e.count, scalars, params)
    return e.type.is_scalar and host_safe(e, scalars, params)


# ---- one iteration ------------------------------------------------------------------------

class _Ctx:
    """What an iteration may read and write; collects the private locals it assigns."""

    def __init__(self, params: dict[str, IRType], scalars: frozenset[str], result: str,
                 types: dict[str, IRType], vars_: frozenset[str]) -> None:
        self.params, self.scalars, self.result = params, scalars, result
        self.types, self.vars = types, vars_
        self.private: set[str] = set()

    def reads_ok(self, e: Expr, defined: frozenset[str]) -> bool:
        """Numeric reads of parameters, prefix scalars, loop variables and defined privates."""
        match e:
            case Const():
                return e.type.kind is not Kind.STR
            case Name():
                return e.id in self.scalars or e.id in self.vars or e.id in defined or (
                    e.id in self.params and self.params[e.id].rank >= 1)
            case BinOp() | Compare():
                return all(self.reads_ok(x, defined) for x in (e.left, e.right)) \
                    and e.left.type.kind is not Kind.STR
            case UnaryOp():
                return self.reads_ok(e.operand, defined)
            case BoolOp():
                return all(self.reads_ok(v, defined) for v in e.values)
            case IfExp():
                return all(self.reads_ok(x, defined) for x in (e.cond, e.then, e.orelse))
            case Index():
                # m[i][j], xs[i], len(m[i]): reads of parameters only (never the result)
                t = e.target
                ok_target = (isinstance(t, Name) and t.id in self.params) or (
                    isinstance(t, Index) and isinstance(t.target, Name)
                    and t.target.id in self.params and self.reads_ok(t.index, defined))
                return ok_target and self.reads_ok(e.index, defined)
            case Call():
                if e.func not in _PURE_CALLS or e.func in ("min", "max") and len(e.args) != 2:
                    return False
                if e.func == "len":
                    return isinstance(e.args[0], (Name, Index)) and self.reads_ok(
                        e.args[0], defined)
                return all(self.reads_ok(a, defined) and a.type.is_numeric for a in e.args)
        return False

    def private_ok(self, name: str) -> bool:
        return (name not in self.params and name not in self.scalars and name != self.result
                and name not in self.vars and self.types.get(name, IRType(Kind.STR)).is_scalar
                and self.types[name].kind is not Kind.STR)


def _walk(ctx: _Ctx, stmts: tuple[Stmt, ...], defined: frozenset[str], write, depth: int
          ) -> frozenset[str] | None:
    """Check stmts; `write(st, defined, depth)` judges each statement touching the result
    (True: allowed). Returns the privates defined afterwards, or None when not parallel."""
    for st in stmts:
        verdict = write(st, defined, depth)
        if verdict is False:
            return None
        if verdict is True:
            continue
        match st:
            case Assign():
                if not (ctx.private_ok(st.target) and ctx.reads_ok(st.value, defined)):
                    return None
                ctx.private.add(st.target)
                defined = defined | {st.target}
            case If():
                if not ctx.reads_ok(st.cond, defined):
                    return None
                a = _walk(ctx, st.body, defined, write, depth)
                b = _walk(ctx, st.orelse, defined, write, depth)
                if a is None or b is None:
                    return None
                defined = a & b
            case ForRange():
                if not (ctx.private_ok(st.var) and ctx.reads_ok(st.start, defined)
                        and ctx.reads_ok(st.stop, defined)):
                    return None
                ctx.private.add(st.var)
                if _walk(ctx, st.body, defined | {st.var}, write, depth + 1) is None:
                    return None
            case While():
                if not ctx.reads_ok(st.cond, defined) \
                        or _walk(ctx, st.body, defined, write, depth + 1) is None:
                    return None
            case Break() | Continue():
                if depth == 0:
                    return None  # an early exit couples the iterations
            case _:
                return None
    return defined


def _touches(e: Expr, name: str) -> bool:
    if isinstance(e, Name):
        return e.id == name
    return any(_touches(c, name) for c in _children(e))


def _children(e: Expr) -> tuple[Expr, ...]:
    match e:
        case BinOp() | Compare():
            return (e.left, e.right)
        case UnaryOp():
            return (e.operand,)
        case BoolOp():
            return e.values
        case IfExp():
            return (e.cond, e.then, e.orelse)
        case Index():
            return (e.target, e.index)
        case Call():
            return e.args
        case ListRepeat():
            return (e.elem, e.count)
        case ListLit():
            return e.elems
    return ()


def _mentions(st: Stmt, name: str) -> bool:
    match st:
        case Assign():
            return st.target == name or _touches(st.value, name)
        case IndexAssign():
            return st.target == name or any(_touches(x, name) for x in (*st.indices, st.value))
        case Append():
            return st.target == name or _touches(st.value, name)
        case If():
            return _touches(st.cond, name) or any(_mentions(s, name)
                                                  for s in (*st.body, *st.orelse))
        case ForRange():
            return _touches(st.start, name) or _touches(st.stop, name) \
                or any(_mentions(s, name) for s in st.body)
        case ForEach():
            return _touches(st.iterable, name) or any(_mentions(s, name) for s in st.body)
        case While():
            return _touches(st.cond, name) or any(_mentions(s, name) for s in st.body)
        case Return():
            return _touches(st.value, name)
    return False


def _classify(ctx: _Ctx, returns: IRType, init: Expr, dims: tuple[Dim, ...],
              body: tuple[Stmt, ...]) -> tuple[str, str] | None:
    r = ctx.result
    defined0 = frozenset()
    if returns.is_scalar:
        return _reduction(ctx, returns, dims, body)
    if returns.rank == 2:
        if len(dims) != 2 or not isinstance(init, ListRepeat):
            return None
        want = (dims[0].var, dims[1].var)

        def write2(st: Stmt, defined: frozenset[str], depth: int) -> bool | None:
            if not _mentions(st, r) or _compound(st, r):
                return None
            return (isinstance(st, IndexAssign) and st.target == r
                    and tuple(x.id if isinstance(x, Name) else "" for x in st.indices) == want
                    and not _touches(st.value, r) and ctx.reads_ok(st.value, defined))
        if _walk(ctx, body, defined0, write2, 0) is None:
            return None
        return ("matmul" if _has_loop(body) else "map2d"), ""
    if len(dims) != 1:
        return None
    var = dims[0].var
    if isinstance(init, ListLit):
        if dims[0].start != Const(0, INT) or _appends(ctx, body, defined0) != {1}:
            return None
    elif isinstance(init, ListRepeat) and returns.elem.kind is Kind.INT and _histogram(
            ctx, body):
        return "histogram", "sum"
    elif dims[0].over is None:
        def write1(st: Stmt, defined: frozenset[str], depth: int) -> bool | None:
            if not _mentions(st, r) or _compound(st, r):
                return None
            return (isinstance(st, IndexAssign) and st.target == r and len(st.indices) == 1
                    and st.indices[0] == Name(var, INT) and not _touches(st.value, r)
                    and ctx.reads_ok(st.value, defined))
        if _walk(ctx, body, defined0, write1, 0) is None:
            return None
    else:
        return None  # out[x] for an element x is a scatter
    if _has_loop(body):
        mats = [p for p, t in ctx.params.items() if t.rank == 2]
        vecs = [p for p, t in ctx.params.items() if t.rank == 1]
        if mats:
            return ("matvec" if vecs else "rows"), ""
    stencil = dims[0].start != Const(0, INT) or _offset_reads(body, var)
    return ("stencil" if stencil else "map"), ""


def _compound(st: Stmt, name: str) -> bool:
    """An If or inner loop whose own header does not read name: judge its statements."""
    match st:
        case If() | While():
            return not _touches(st.cond, name)
        case ForRange():
            return not (_touches(st.start, name) or _touches(st.stop, name))
    return False


def _has_loop(body: tuple[Stmt, ...]) -> bool:
    for st in body:
        if isinstance(st, (ForRange, While, ForEach)):
            return True
        if isinstance(st, If) and (_has_loop(st.body) or _has_loop(st.orelse)):
            return True
    return False


def _offset_reads(body: tuple[Stmt, ...], var: str) -> bool:
    """Some list is read at an index other than the loop variable itself (xs[i - 1])."""
    def expr(e: Expr) -> bool:
        if isinstance(e, Index) and e.index != Name(var, INT) and _touches(e.index, var):
            return True
        return any(expr(c) for c in _children(e))

    def stmt(st: Stmt) -> bool:
        match st:
            case Assign() | Append():
                return expr(st.value)
            case IndexAssign():
                return expr(st.value)
            case If():
                return expr(st.cond) or any(stmt(s) for s in (*st.body, *st.orelse))
            case ForRange():
                return any(stmt(s) for s in st.body)
        return False
    return any(stmt(s) for s in body)


def _appends(ctx: _Ctx, body: tuple[Stmt, ...], defined: frozenset[str]) -> set[int]:
    """How many appends to the result each path through body makes ({-1}: not parallel)."""
    counts = {0}
    for st in body:
        if isinstance(st, Append) and st.target == ctx.result:
            if _touches(st.value, ctx.result) or not ctx.reads_ok(st.value, defined):
                return {-1}
            counts = {c + 1 for c in counts}
        elif isinstance(st, If) and _mentions(st, ctx.result):
            if _touches(st.cond, ctx.result) or not ctx.reads_ok(st.cond, defined):
                return {-1}
            a, b = _appends(ctx, st.body, defined), _appends(ctx, st.orelse, defined)
            if -1 in a or -1 in b:
                return {-1}
            # privates assigned in only one branch stay undefined after the If
            counts = {c + x for c in counts for x in a | b}
            d = _walk(ctx, tuple(s for s in st.body if not _mentions(s, ctx.result)),
                      defined, lambda *a: None, 0)
            e = _walk(ctx, tuple(s for s in st.orelse if not _mentions(s, ctx.result)),
                      defined, lambda *a: None, 0)
            if d is None or e is None:
                return {-1}
            defined = d & e
        else:
            if _mentions(st, ctx.result):
                return {-1}
            after = _walk(ctx, (st,), defined, lambda *a: None, 0)
            if after is None:
                return {-1}
            defined = after
    return counts


def _histogram(ctx: _Ctx, body: tuple[Stmt, ...]) -> bool:
    """`bins[e] += v` (e, v not reading bins) is the only way body touches the result."""
    r = ctx.result

    def write(st: Stmt, defined: frozenset[str], depth: int) -> bool | None:
        if not _mentions(st, r) or _compound(st, r):
            return None
        if not (isinstance(st, IndexAssign) and st.target == r and len(st.indices) == 1):
            return False
        v, idx = st.value, st.indices[0]
        return (isinstance(v, BinOp) and v.op is BinOpKind.ADD and isinstance(v.left, Index)
                and isinstance(v.left.target, Name) and v.left.target.id == r
                and v.left.index == idx
                and not _touches(idx, r) and not _touches(v.right, r)
                and v.right.type.kind in (Kind.INT, Kind.BOOL)
                and ctx.reads_ok(idx, defined) and ctx.reads_ok(v.right, defined))
    return _walk(ctx, body, frozenset(), write, 0) is not None


def reduction_update(st: Stmt, acc: str) -> tuple[str, Expr | None, Expr | None]:
    """(op, guard, value) when st is an associative update of acc: `acc += v`,
    `acc = acc + v`, `acc = max(acc, v)` / min, `if v > acc: acc = v` (max; `<`: min),
    `if c: acc = True` (any), `if c: acc = False` (all); op "" otherwise."""
    if isinstance(st, Assign) and st.target == acc:
        v = st.value
        if isinstance(v, BinOp) and v.op is BinOpKind.ADD and isinstance(v.left, Name) \
                and v.left.id == acc and not _touches(v.right, acc):
            one = isinstance(v.right, Const) and v.right.value == 1
            return ("count" if one else "sum"), None, v.right
        if isinstance(v, Call) and v.func in ("min", "max") and len(v.args) == 2:
            for x, y in (v.args, v.args[::-1]):
                if isinstance(x, Name) and x.id == acc and not _touches(y, acc):
                    return v.func, None, y
        return "", None, None
    if isinstance(st, If) and not st.orelse and len(st.body) == 1 \
            and isinstance(st.body[0], Assign) and st.body[0].target == acc:
        c, v = st.cond, st.body[0].value
        if isinstance(v, Const) and isinstance(v.value, bool) and not _touches(c, acc):
            return ("any" if v.value else "all"), c, None
        if isinstance(c, Compare) and not _touches(v, acc):
            ops = {(CmpOpKind.GT, 0): "max", (CmpOpKind.LT, 0): "min",
                   (CmpOpKind.LT, 1): "max", (CmpOpKind.GT, 1): "min"}
            for side, (x, y) in enumerate(((c.left, c.right), (c.right, c.left))):
                if isinstance(y, Name) and y.id == acc and x == v and (c.op, side) in ops:
                    return ops[(c.op, side)], None, v
    return "", None, None


def _reduction(ctx: _Ctx, returns: IRType, dims: tuple[Dim, ...], body: tuple[Stmt, ...]
               ) -> tuple[str, str] | None:
    acc = ctx.result
    ops: set[str] = set()

    def write(st: Stmt, defined: frozenset[str], depth: int) -> bool | None:
        if not _mentions(st, acc):
            return None
        op, guard, value = reduction_update(st, acc)
        if not op and isinstance(st, If) and not _touches(st.cond, acc):
            return None  # a guarded update: judged statement by statement
        if not op or depth > 0:
            return False
        ops.add("sum" if op == "count" else op)
        return all(ctx.reads_ok(x, defined) for x in (guard, value) if x is not None)
    if _walk(ctx, body, frozenset(), write, 0) is None or len(ops) != 1:
        return None
    op = ops.pop()
    t = returns.kind
    if op in ("any", "all") and t is not Kind.BOOL or op in ("min", "max") and t is not Kind.INT \
            or op == "sum" and t not in (Kind.INT, Kind.FLOAT):
        return None  # float min/max: NaN makes the order visible
    if op == "sum" and t is Kind.INT and not _int_addends(body, acc):
        return None
    return "reduce", op


def _int_addends(body: tuple[Stmt, ...], acc: str) -> bool:
    """Every addend of an int sum is an int or bool (a float addend would make it float)."""
    for st in body:
        if isinstance(st, If):
            if not (_int_addends(st.body, acc) and _int_addends(st.orelse, acc)):
                return False
        op, _, v = reduction_update(st, acc)
        if op in ("sum", "count") and v is not None and v.type.kind not in (Kind.INT, Kind.BOOL):
            return False
    return True

