"""Parallel kernels for the loop shapes that have an exact parallel form.

  map:     out = [] ; for x in xs (or i in range(len(xs))): <append exactly one value
           on every path, e.g. if/elif/else each appending>                  ; return out
  fill:    out = [c] * len(xs) ; for i in range(n): <only out[i] = E, possibly under
           if/else>                                                          ; return out
  reduce:  acc = <int const> ; for ... : acc += E   (or: if C: acc += E)     ; return acc

Either may follow assignments of scalar locals from scalar expressions (`n = min(len(xs),
len(ys))`), which every thread recomputes. E and C may read the loop variable, those
locals and the parameters (list elements included), and nothing that allocates: each
element is independent, so one thread per element (grid-stride loop) computes exactly
what the sequential loop does. Int sums use 64-bit `atomicAdd` on the unsigned bit pattern:
two's-complement addition is associative modulo 2^64, so the int64 wrap of the sequential
sum is reproduced exactly. Float reductions are NOT parallelised (a parallel float sum
rounds differently); they, and every other shape, run in the sequential kernel.

Key contracts: `parallel_kernel(fn, names)` returns (kernel source, host function source)
or None when fn does not have one of these shapes; it never changes what fn computes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tolk.ir.body import (
    Append, Assign, BinOp, BinOpKind, BoolOp, Call, Compare, Const, Expr, ForEach, ForRange, If,
    IfExp, Index, IndexAssign, ListLit, ListRepeat, Name, Return, Stmt, UnaryOp,
)
from tolk.ir.function import Function, Signature
from tolk.ir.types import INT, IRType, Kind
from tolk.toolchains.cuda.contract import host_header
from tolk.toolchains.cuda.lowering_abi import cond, kernel_params, launch_args
from tolk.toolchains.cuda.lowering_exprs import coerce, ctype, lower_expr

__all__ = ["parallel_kernel", "BLOCK"]

#: threads per block of every parallel kernel
BLOCK = 256
_PURE_CALLS = frozenset({"len", "abs", "int", "float", "min", "max"})


@dataclass(frozen=True, slots=True)
class _Shape:
    kind: str  # "map" (append once per element) | "fill" (out[i] = ... into [c] * n) | "reduce"
    prefix: tuple[Assign, ...]
    var: str  # the loop variable
    over: str | None  # ForEach: the list parameter iterated; ForRange: None (var = index)
    count: Expr  # number of iterations (int)
    out_len: str | None  # map/fill: the list parameter whose length the result has
    body: tuple[Stmt, ...] = ()  # map/fill: the loop body (writes of the element only)
    cond: Expr | None = None  # reduce: the guard, if any
    value: Expr | None = None  # reduce: the addend
    init: Expr | None = None  # reduce: the initial value; fill: the filler element


def _pure(e: Expr, scalars: frozenset[str], lists: frozenset[str]) -> bool:
    """Reads only scalars and list parameters' elements/lengths; allocates nothing."""
    match e:
        case Const():
            return e.type.kind is not Kind.STR
        case Name():
            return e.id in scalars or (e.id in lists and e.type.kind is Kind.LIST)
        case BinOp() | Compare():
            return (e.left.type.kind is not Kind.STR and _pure(e.left, scalars, lists)
                    and _pure(e.right, scalars, lists))
        case UnaryOp():
            return _pure(e.operand, scalars, lists)
        case BoolOp():
            return all(_pure(v, scalars, lists) for v in e.values)
        case IfExp():
            return all(_pure(x, scalars, lists) for x in (e.cond, e.then, e.orelse))
        case Index():
            return (isinstance(e.target, Name) and e.target.id in lists and e.type.is_numeric
                    and _pure(e.index, scalars, lists))
        case Call():
            if e.func not in _PURE_CALLS or (e.func in ("min", "max") and len(e.args) != 2):
                return False
            return all(_pure(a, scalars, lists) for a in e.args)
    return False


def _len_of_param(e: Expr, lists: frozenset[str]) -> str | None:
    if isinstance(e, Call) and e.func == "len" and isinstance(e.args[0], Name) \
            and e.args[0].id in lists:
        return e.args[0].id
    return None


def _appends_once(stmts: tuple[Stmt, ...], out: str, scalars: frozenset[str],
                  lists: frozenset[str]) -> bool:
    """Every path through stmts appends exactly one pure value to out and does nothing else."""
    if len(stmts) != 1:
        return False
    st = stmts[0]
    if isinstance(st, Append):
        return st.target == out and _pure(st.value, scalars, lists)
    return isinstance(st, If) and _pure(st.cond, scalars, lists) \
        and _appends_once(st.body, out, scalars, lists) \
        and _appends_once(st.orelse, out, scalars, lists)


def _fills(stmts: tuple[Stmt, ...], out: str, var: str, scalars: frozenset[str],
           lists: frozenset[str]) -> bool:
    """stmts only assign pure values to out[var] (under pure conditions)."""
    for st in stmts:
        if isinstance(st, IndexAssign):
            if not (st.target == out and len(st.indices) == 1 and isinstance(st.indices[0], Name)
                    and st.indices[0].id == var and _pure(st.value, scalars, lists)):
                return False
        elif isinstance(st, If):
            if not (_pure(st.cond, scalars, lists) and _fills(st.body, out, var, scalars, lists)
                    and _fills(st.orelse, out, var, scalars, lists)):
                return False
        else:
            return False
    return True


def _element_writes(stmts: tuple[Stmt, ...], names: dict[str, str], elem: IRType) -> list[str]:
    """The map/fill body with every write of the element as `lw_dst[lw_t] = ...;`."""
    lines: list[str] = []
    for st in stmts:
        if isinstance(st, (Append, IndexAssign)):
            value = coerce(lower_expr(st.value, names), st.value.type, elem)
            lines.append(f"lw_dst[lw_t] = {value};")
        elif isinstance(st, If):
            lines.append(f"if ({cond(lower_expr(st.cond, names))}) {{")
            lines += ["    " + ln for ln in _element_writes(st.body, names, elem)]
            orelse = st.orelse
            while len(orelse) == 1 and isinstance(orelse[0], If):
                lines.append(f"}} else if ({cond(lower_expr(orelse[0].cond, names))}) {{")
                lines += ["    " + ln for ln in _element_writes(orelse[0].body, names, elem)]
                orelse = orelse[0].orelse
            if orelse:
                lines.append("} else {")
                lines += ["    " + ln for ln in _element_writes(orelse, names, elem)]
            lines.append("}")
    return lines


def _shape(fn: Function) -> _Shape | None:
    sig = fn.signature
    body = fn.body or ()
    if any(p.type.rank == 2 for p in sig.params) or len(body) < 3:
        return None
    lists = frozenset(p.name for p in sig.params if p.type.rank == 1)
    scalars = {p.name for p in sig.params if p.type.is_numeric}
    if fn.mutated_params:
        return None
    types = {v.name: v.type for v in fn.locals}
    *pre, loop, ret = body
    if not (isinstance(ret, Return) and isinstance(ret.value, Name)):
        return None
    acc = ret.value.id
    inits = [st for st in pre if isinstance(st, Assign) and st.target == acc]
    if len(inits) != 1 or acc in scalars:
        return None
    init = inits[0]
    head = [st for st in pre if st is not init]
    for st in head:
        if not (isinstance(st, Assign) and st.target in types and types[st.target].is_numeric
                and st.target not in scalars and _pure(st.value, frozenset(scalars), lists)):
            return None
        scalars.add(st.target)
    if isinstance(loop, ForEach):
        if not (isinstance(loop.iterable, Name) and loop.iterable.id in lists
                and loop.iterable.type.elem.is_numeric):
            return None
        over: str | None = loop.iterable.id
        count: Expr = Call("len", (loop.iterable,), INT)
    elif isinstance(loop, ForRange):
        if not (isinstance(loop.start, Const) and loop.start.value == 0 and loop.step == 1
                and _pure(loop.stop, frozenset(scalars), lists)):
            return None
        over, count = None, loop.stop
    else:
        return None
    if loop.var in scalars or loop.var == acc or types.get(loop.var) not in (
            None, INT) and over is None:
        return None
    inner = frozenset(scalars | {loop.var})
    acc_t = types.get(acc)
    # map / fill: build the result list, element i from iteration i only
    if acc_t is not None and acc_t.rank == 1 and sig.returns == acc_t:
        n_src = _len_of_param(count, lists)
        if isinstance(init.value, ListLit) and not init.value.elems and n_src is not None \
                and _appends_once(loop.body, acc, inner, lists):
            return _Shape("map", tuple(head), loop.var, over, count, n_src, loop.body)
        fill_src = (_len_of_param(init.value.count, lists)
                    if isinstance(init.value, ListRepeat) else None)
        if fill_src is not None and over is None \
                and _pure(init.value.elem, frozenset(), frozenset()) \
                and loop.body and _fills(loop.body, acc, loop.var, inner, lists):
            return _Shape("fill", tuple(head), loop.var, over, count, fill_src, loop.body,
                          init=init.value.elem)
        return None
    stmts = loop.body
    cond = None
    if len(stmts) == 1 and isinstance(stmts[0], If) and not stmts[0].orelse:
        cond, stmts = stmts[0].cond, stmts[0].body
        if not _pure(cond, inner, lists):
            return None
    if len(stmts) != 1:
        return None
    st = stmts[0]
    # reduce: an int accumulator that only ever gains an addend
    if acc_t == INT and sig.returns == INT and isinstance(init.value, Const) \
            and isinstance(st, Assign) and st.target == acc and isinstance(st.value, BinOp) \
            and st.value.op is BinOpKind.ADD and isinstance(st.value.left, Name) \
            and st.value.left.id == acc and st.value.right.type.kind in (Kind.INT, Kind.BOOL) \
            and _pure(st.value.right, inner, lists):
        return _Shape("reduce", tuple(head), loop.var, over, count, None, cond=cond,
                      value=st.value.right, init=init.value)
    return None


def _param_locals(sig: Signature, names: dict[str, str]) -> list[str]:
    """Kernel lines that give each parameter its body name (lists as stack List headers:
    no arena, so threads allocate nothing)."""
    lines = []
    for i, p in enumerate(sig.params):
        t, a, n = p.type, f"lw_a{i}", names[p.name]
        if t.rank == 1:
            e = ctype(t.elem)
            lines += [f"lw::List<{e}> lw_l{i}{{{a}, {a}_len, {a}_len}};",
                      f"lw::List<{e}>* {n} = &lw_l{i};"]
        elif t.kind is Kind.STR:
            lines.append(f"lw::Str {n}{{{a}, {a}_len}};")
        else:
            lines.append(f"{ctype(t)} {n} = {a};")
    return lines


def parallel_kernel(fn: Function, names: dict[str, str]) -> tuple[str, str] | None:
    shape = _shape(fn)
    if shape is None:
        return None
    sig = fn.signature
    types = {v.name: v.type for v in fn.locals} | {p.name: p.type for p in sig.params}
    decls, _ = kernel_params(sig)
    body = [*_param_locals(sig, names)]
    for st in shape.prefix:
        t = types[st.target]
        body.append(f"{ctype(t)} {names[st.target]} = "
                    f"{coerce(lower_expr(st.value, names), st.value.type, t)};")
    var_t = types.get(shape.var, INT)
    count = coerce(lower_expr(shape.count, names), shape.count.type, INT)
    body.append(f"long long lw_n = {count};")
    t = "lw_t"
    item = (f"lw::at({names[shape.over]}, {t})" if shape.over else t)
    elem_t = types[shape.over].elem if shape.over else INT
    loop = [f"{ctype(var_t)} {names[shape.var]} = {coerce(item, elem_t, var_t)};"]
    bound = "lw_n"
    if shape.kind in ("map", "fill"):
        out_t = sig.returns.elem
        loop += _element_writes(shape.body, names, out_t)
        decls = [*decls, f"{ctype(out_t)}* lw_dst"]
        what = "Element-wise map: one thread per element (grid-stride loop)."
    if shape.kind == "fill":
        # Element i is first the filler, then whatever iteration i writes: one thread does
        # both, in that order. An iteration past the result's end is Python's IndexError.
        fill = coerce(lower_expr(shape.init, {}), shape.init.type, sig.returns.elem)
        body.append(f"long long lw_m = lw::len({names[shape.out_len]});")
        bound = "(lw_n > lw_m ? lw_n : lw_m)"
        loop = [f"if ({t} < lw_m) lw_dst[{t}] = {fill};", f"if ({t} < lw_n) {{",
                f"    if ({t} >= lw_m) __trap();", *("    " + ln for ln in loop), "}"]
        what = "Element-wise fill of [c] * n: one thread per element (grid-stride loop)."
    if shape.kind == "reduce":
        value = coerce(lower_expr(shape.value, names), shape.value.type, INT)
        add = (f"atomicAdd(reinterpret_cast<unsigned long long*>(lw_acc), "
               f"static_cast<unsigned long long>({value}));")
        loop += [f"if ({cond(lower_expr(shape.cond, names))}) {{", f"    {add}", "}"] \
            if shape.cond is not None else [add]
        decls = [*decls, "long long* lw_acc"]
        what = ("Int reduction: one thread per element, 64-bit atomicAdd (wraps exactly "
                "like the sequential int64 sum).")
    kernel = "\n".join([
        f"// {what}",
        f"__global__ void lw_kernel({', '.join(decls)}) {{",
        *("    " + ln for ln in body),
        f"    long long lw_stride = static_cast<long long>(blockDim.x) * gridDim.x;",
        f"    for (long long {t} = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;"
        f" {t} < {bound}; {t} += lw_stride) {{",
        *("        " + ln for ln in loop),
        "    }",
        "}",
    ])
    return kernel, _host(sig, shape, launch_args(sig))


def _host(sig: Signature, shape: _Shape, args: list[str]) -> str:
    lines = []
    frees = []
    for i, p in enumerate(sig.params):
        if p.type.kind is Kind.STR or p.type.rank == 1:
            lines.append(f"auto* lw_d{i} = lw::to_device({p.name}, {p.name}_len);")
            frees.append(f"cudaFree(lw_d{i});")
    if shape.kind in ("map", "fill"):
        e = ctype(sig.returns.elem)
        lines += [f"long long lw_n = {shape.out_len}_len;",
                  f"{e}* lw_dst = nullptr;",
                  f"cudaMalloc(&lw_dst, sizeof({e}) * static_cast<size_t>(lw_n > 0 ? lw_n : 1));"]
        out_arg, frees = "lw_dst", [*frees, "cudaFree(lw_dst);"]
        grid = "lw_n"
    else:
        init = lower_expr(shape.init, {}) if shape.init is not None else "0LL"
        lines += [f"long long lw_init = {init};", "long long* lw_acc = nullptr;",
                  "cudaMalloc(&lw_acc, sizeof(long long));",
                  "cudaMemcpy(lw_acc, &lw_init, sizeof lw_init, cudaMemcpyHostToDevice);"]
        out_arg, frees = "lw_acc", [*frees, "cudaFree(lw_acc);"]
        grid = "lw_count"
        # The iteration count is only known on the device; a grid of one block per BLOCK
        # elements of the longest list input covers every element via the stride loop.
        lens = [f"{p.name}_len" for p in sig.params if p.type.rank == 1]
        lines.append(f"long long lw_count = {_max_expr(lens)};")
    lines += [
        f"long long lw_blocks = ({grid} + {BLOCK - 1}) / {BLOCK};",
        "unsigned int lw_grid = static_cast<unsigned int>("
        "lw_blocks < 1 ? 1 : lw_blocks > 65535 ? 65535 : lw_blocks);",
        f"lw_kernel<<<lw_grid, {BLOCK}>>>({', '.join([*args, out_arg])});",
    ]
    if shape.kind in ("map", "fill"):
        lines += ["*out_len = lw_n;", "if (lw_n <= out_cap) lw::copy_out(out, lw_dst, lw_n);"]
    else:
        lines += ["long long lw_r = 0;",
                  "cudaMemcpy(&lw_r, lw_acc, sizeof lw_r, cudaMemcpyDeviceToHost);"]
    lines += frees
    if shape.kind == "reduce":
        lines.append("return lw_r;")
    return host_header(sig) + " {\n" + "\n".join("    " + ln for ln in lines) + "\n}"


def _max_expr(lens: list[str]) -> str:
    if not lens:
        return "1"
    out = lens[0]
    for n in lens[1:]:
        out = f"({out} > {n} ? {out} : {n})"
    return out
