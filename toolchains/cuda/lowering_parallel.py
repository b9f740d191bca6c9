"""Parallel kernels for the data-parallel loops `tolk.ir.parallel` finds (no allocator).

The host function evaluates the scalar prefix, the loop bounds and the result's size once
(they are `host_safe`: they cannot raise), copies the inputs to the device, allocates the
result buffer, launches ONE kernel of `lw::blocks_for(work, BLOCK)` blocks of BLOCK
threads, and copies the result back. Every CUDA call goes through `lw::Status`: after the
first failure nothing else runs and the error stays for the harness's cudaGetLastError.

Each thread runs a grid-stride loop over work items (so any grid covers any size):
  - map / stencil / rows / matvec: item t is iteration t of the loop; it writes element t
    of the result (appends: `dst[t]`; `out = [c] * n`: the thread first writes the filler
    `dst[t]`, then whatever iteration t writes; a write past n is Python's IndexError);
  - map2d / matmul: item t is output element (t / cols', t % cols') over the larger of
    the result's shape and the loop's extent, one thread per output element; an inner
    loop (matmul's sum over k) runs sequentially inside the thread;
  - reduce: each thread folds its items into a private partial; a block-level
    shared-memory tree combines the block's partials and thread 0 adds the block's result
    with one atomic: int sum/count with 64-bit `atomicAdd` on the unsigned bit pattern
    (two's-complement addition is associative mod 2^64, so the int64 wrap of the sequential
    sum is exact); int min/max with `atomicMin`/`atomicMax` (exact); any/all with
    `atomicOr`/`atomicAnd`; float sums with double `atomicAdd`: the additions happen in
    another order, so the result may differ from Python's left-to-right sum by rounding
    (by at most (n - 1) * eps * sum(|x|)); validation compares floats with the suite's
    tolerance (`TestSuite.abs_tol` times the vector's scale), which covers that reordering
    for the lists the suites draw;
  - histogram: `bins[e] += v` as `atomicAdd` on the bin (exact for ints).
An iteration's private scalars are locals of the thread; nothing is allocated on the device.

Key contracts: `lower_parallel(fn, names)` returns the kernel and host function source,
or raises UnsupportedProgram(NOT_DATA_PARALLEL) when fn has no data-parallel loop.
"""

from __future__ import annotations

import dataclasses
import re

from tolk.errors import UnsupportedProgram
from tolk.ir.body import Append, Assign, Call, Expr, If, Index, IndexAssign, ListRepeat, Name
from tolk.ir.function import Function, Signature
from tolk.ir.parallel import NOT_DATA_PARALLEL, ParallelLoop, parallel_loop, reduction_update
from tolk.ir.types import INT, IRType, Kind
from tolk.toolchains.cuda.contract import host_header
from tolk.toolchains.cuda.lowering_abi import cond, kernel_params
from tolk.toolchains.cuda.lowering_exprs import coerce, ctype, lower_expr

__all__ = ["lower_parallel", "BLOCK"]

#: threads per block of every kernel
BLOCK = 256
_IDENTITY = {"sum": "0", "count": "0", "min": "9223372036854775807LL",
             "max": "(-9223372036854775807LL - 1)", "any": "false", "all": "true"}


def _host_rewrite(e: Expr, sig: Signature) -> Expr:
    """len(P) and a guarded len(m[0]) as names of the host function's size parameters."""
    rank = {p.name: p.type.rank for p in sig.params}
    if isinstance(e, Call) and e.func == "len":
        a = e.args[0]
        if isinstance(a, Name):
            return Name(f"{a.id}#{'rows' if rank[a.id] == 2 else 'len'}", INT)
        if isinstance(a, Index) and isinstance(a.target, Name):
            return Name(f"{a.target.id}#cols", INT)
    if not dataclasses.is_dataclass(e):
        return e
    changes = {}
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, tuple) and v and not isinstance(v[0], IRType):
            changes[f.name] = tuple(_host_rewrite(x, sig) if dataclasses.is_dataclass(x) else x
                                    for x in v)
        elif dataclasses.is_dataclass(v) and not isinstance(v, IRType):
            changes[f.name] = _host_rewrite(v, sig)
    return dataclasses.replace(e, **changes) if changes else e


class _Host:
    """Host-side expressions: parameters by their contract names, prefix scalars lw_s<k>."""

    def __init__(self, sig: Signature, loop: ParallelLoop) -> None:
        self.sig = sig
        self.names: dict[str, str] = {}
        for p in sig.params:
            self.names[p.name] = p.name
            for part in ("len", "rows", "cols"):
                self.names[f"{p.name}#{part}"] = f"{p.name}_{part}"
        for k, st in enumerate(loop.prefix):
            self.names[st.target] = f"lw_s{k}"

    def expr(self, e: Expr, want: IRType | None = None) -> str:
        code = lower_expr(_host_rewrite(e, self.sig), self.names)
        return coerce(code, e.type, want) if want is not None else code


class _Body:
    """Lowers one iteration: CudaStmts, with the result's writes and the accumulator's
    updates redirected to the kernel's buffers (built lazily: lowering imports us)."""

    @staticmethod
    def make(loop: ParallelLoop, elem: IRType | None):
        from tolk.toolchains.cuda.lowering import CudaStmts, Scope, lower_stmts  # noqa: F401

        r = loop.result

        class Stmts(CudaStmts):
            def append(self, st: Append, s: Scope):  # type: ignore[override]
                if st.target != r or elem is None:
                    raise UnsupportedProgram(NOT_DATA_PARALLEL, "append")
                v = coerce(lower_expr(st.value, s.names), st.value.type, elem)
                return (f"lw_dst[lw_t] = {v};",)

            def indexassign(self, st: IndexAssign, s: Scope):  # type: ignore[override]
                if st.target != r or elem is None:
                    raise UnsupportedProgram(NOT_DATA_PARALLEL, "index_assign")
                ix = [lower_expr(i, s.names) for i in st.indices]
                if loop.kind == "histogram":
                    v = coerce(lower_expr(st.value.right, s.names),  # type: ignore[attr-defined]
                               st.value.right.type, INT)  # type: ignore[attr-defined]
                    return ("atomicAdd(reinterpret_cast<unsigned long long*>("
                            f"&lw_dst[lw::norm_index({ix[0]}, lw_m)]), "
                            f"static_cast<unsigned long long>({v}));",)
                v = coerce(lower_expr(st.value, s.names), st.value.type, elem)
                if len(ix) == 2:
                    return (f"lw_dst[lw::norm_index({ix[0]}, lw_rows) * lw_cols + "
                            f"lw::norm_index({ix[1]}, lw_cols)] = {v};",)
                return (f"lw_dst[lw::norm_index({ix[0]}, lw_m)] = {v};",)

            def assign(self, st: Assign, s: Scope):  # type: ignore[override]
                if st.target == r:
                    return _update(st, s)
                return super().assign(st, s)

            def if_(self, st: If, s: Scope):  # type: ignore[override]
                if loop.kind == "reduce" and reduction_update(st, r)[0]:
                    return _update(st, s)
                return super().if_(st, s)

        def _update(st, s):
            op, guard, value = reduction_update(st, r)
            t = s.types[r]
            if op in ("any", "all"):
                return (f"if ({cond(lower_expr(guard, s.names))}) lw_p = "
                        f"{'true' if op == 'any' else 'false'};",)
            v = coerce(lower_expr(value, s.names), value.type, t)
            if op in ("min", "max"):
                return (f"lw_p = lw::{op}2<long long>(lw_p, {v});",)
            if t.kind is Kind.INT:
                return (f"lw_p = lw::add(lw_p, {v});",)
            return (f"lw_p = lw_p + {v};",)

        return Stmts(), Scope, lower_stmts


def lower_parallel(fn: Function, names: dict[str, str]) -> tuple[str, str]:
    loop = parallel_loop(fn)
    if loop is None:
        raise UnsupportedProgram(NOT_DATA_PARALLEL, fn.name)
    sig = fn.signature
    types = {v.name: v.type for v in fn.locals} | {p.name: p.type for p in sig.params}
    host = _Host(sig, loop)
    ret = sig.returns
    elem = ret.scalar if ret.rank >= 1 else None
    emitter, Scope, lower_stmts = _Body.make(loop, elem)
    decls, _ = kernel_params(sig)
    decls = [d.replace("* lw_a", "* __restrict__ lw_a") for d in decls]
    decls += [f"{ctype(types[st.target])} lw_s{k}" for k, st in enumerate(loop.prefix)]
    decls += [f"long long lw_lo{d}, long long lw_n{d}" for d in range(len(loop.dims))]
    binds = _bind_params(sig, names) + [
        (names[st.target], [f"{ctype(types[st.target])} {names[st.target]} = lw_s{k};"])
        for k, st in enumerate(loop.prefix)]
    kernel: list[str] = []
    scope = Scope(names, types, ret, "")
    body = list(lower_stmts(loop.body, scope, "", emitter))
    privates = [f"{ctype(t)} {names[n]} = {{}};" for n, t in loop.private]
    d0 = loop.dims[0]
    kind = loop.kind
    if kind == "reduce":
        acc_t = types[loop.result]
        decls.append(f"{'unsigned int' if acc_t.kind is Kind.BOOL else ctype(acc_t)}* lw_acc")
        ident = "0.0" if acc_t.kind is Kind.FLOAT else _IDENTITY[loop.op]
        kernel.append(f"{ctype(acc_t)} lw_p = {ident};")
        work, item = "lw_n0", _item(sig, names, types, d0, "lw_lo0 + lw_t")
        per = [*item, *privates, *body]
        combine = _combine(loop.op, acc_t)
    elif len(loop.dims) == 2:
        decls += [f"{ctype(elem)}* lw_dst", "long long lw_rows", "long long lw_cols"]
        d1 = loop.dims[1]
        fill = coerce(lower_expr(loop.init.elem.elem, {}), loop.init.elem.elem.type, elem)
        kernel += ["long long lw_hi0 = lw_lo0 + lw_n0, lw_hi1 = lw_lo1 + lw_n1;",
                   "long long lw_r = lw_rows > lw_hi0 ? lw_rows : lw_hi0;",
                   "long long lw_c = lw_cols > lw_hi1 ? lw_cols : lw_hi1;"]
        work = "lw_r * lw_c"
        per = ["long long lw_i = lw_t / lw_c, lw_j = lw_t % lw_c;",
               f"if (lw_i < lw_rows && lw_j < lw_cols) lw_dst[lw_i * lw_cols + lw_j] = {fill};",
               "if (lw_i >= lw_lo0 && lw_i < lw_hi0 && lw_j >= lw_lo1 && lw_j < lw_hi1) {",
               f"    long long {names[d0.var]} = lw_i;", f"    long long {names[d1.var]} = lw_j;",
               *("    " + x for x in [*privates, *body]), "}"]
        combine = []
    elif kind == "histogram" or loop.appends:
        decls += [f"{ctype(elem)}* lw_dst", "long long lw_m"]
        work = "lw_n0"
        per = [*_item(sig, names, types, d0, "lw_lo0 + lw_t"), *privates, *body]
        combine = []
    else:  # out = [c] * m, written at out[var]
        decls += [f"{ctype(elem)}* lw_dst", "long long lw_m"]
        fill = coerce(lower_expr(loop.init.elem, {}), loop.init.elem.type, elem)
        kernel.append("long long lw_hi0 = lw_lo0 + lw_n0;")
        work = "(lw_m > lw_hi0 ? lw_m : lw_hi0)"
        per = [f"if (lw_t < lw_m) lw_dst[lw_t] = {fill};",
               "if (lw_t >= lw_lo0 && lw_t < lw_hi0) {",
               f"    long long {names[d0.var]} = lw_t;",
               *("    " + x for x in [*privates, *body]), "}"]
        combine = []
    used = "\n".join([*kernel, *per, *combine])
    kernel = [ln for name, lines in binds if re.search(rf"\b{name}\b", used)
              for ln in lines] + kernel
    src = "\n".join([
        f"// {_WHAT[kind]}",
        f"__global__ void lw_kernel({', '.join(decls)}) {{",
        *("    " + x for x in kernel),
        "    long long lw_stride = static_cast<long long>(blockDim.x) * gridDim.x;",
        "    for (long long lw_t = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;"
        f" lw_t < {work}; lw_t += lw_stride) {{",
        *("        " + x for x in per),
        "    }",
        *("    " + x for x in combine),
        "}",
    ])
    return src, _host_function(sig, loop, host, types, elem)


_WHAT = {
    "map": "Element-wise map: one thread per element (grid-stride loop).",
    "stencil": "Stencil: one thread per output element, reading its neighbours (grid-stride).",
    "rows": "Row operation: one thread per row (grid-stride loop).",
    "matvec": "Matrix-vector product: one thread per output element (grid-stride loop).",
    "map2d": "2-D map: one thread per output element (grid-stride loop).",
    "matmul": "Matrix product: one thread per output element (grid-stride loop).",
    "reduce": "Reduction: private partials, a shared-memory tree per block, one atomic each.",
    "histogram": "Histogram: one thread per input element, atomicAdd on its bin.",
}


def _bind_params(sig: Signature, names: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(body name, kernel lines giving it its value) per parameter: lists and matrices as
    views of the device buffers."""
    out = []
    for i, p in enumerate(sig.params):
        t, a, n = p.type, f"lw_a{i}", names[p.name]
        if t.rank == 1:
            out.append((n, [f"const lw::List<{ctype(t.elem)}> lw_v{i}{{{a}, {a}_len}};",
                            f"const lw::List<{ctype(t.elem)}>* {n} = &lw_v{i};"]))
        elif t.rank == 2:
            e = ctype(t.scalar)
            out.append((n, [f"const lw::Mat<{e}> lw_v{i}{{{a}, {a}_rows, {a}_cols}};",
                            f"const lw::Mat<{e}>* {n} = &lw_v{i};"]))
        else:
            out.append((n, [f"{ctype(t)} {n} = {a};"]))
    return out


def _item(sig: Signature, names: dict[str, str], types: dict[str, IRType], d, index: str
          ) -> list[str]:
    """The loop variable of the iteration at `index`."""
    if d.over is not None:
        t = types[d.var]
        return [f"{ctype(t)} {names[d.var]} = "
                f"{coerce(f'lw::at({names[d.over]}, lw_t)', types[d.over].elem, t)};"]
    return [f"long long {names[d.var]} = {index};"]


def _combine(op: str, t: IRType) -> list[str]:
    """Block-level shared-memory tree over the threads' partials, then one atomic per block
    (every thread reaches the barriers: the grid-stride loop has no early exit)."""
    c = ctype(t)
    pair = "lw_sh[threadIdx.x], lw_sh[threadIdx.x + lw_s]"
    merge = {"any": f"{pair.replace(', ', ' || ')}", "all": f"{pair.replace(', ', ' && ')}",
             "min": f"lw::min2<{c}>({pair})", "max": f"lw::max2<{c}>({pair})",
             "sum": f"lw::add({pair})" if t.kind is Kind.INT else pair.replace(", ", " + ")}
    if op in ("any", "all"):
        final = ("if (lw_sh[0]) atomicOr(lw_acc, 1u);" if op == "any"
                 else "if (!lw_sh[0]) atomicAnd(lw_acc, 0u);")
    elif t.kind is Kind.FLOAT:
        final = "atomicAdd(lw_acc, lw_sh[0]);"
    elif op in ("min", "max"):
        final = f"atomic{op.capitalize()}(lw_acc, lw_sh[0]);"
    else:
        final = ("atomicAdd(reinterpret_cast<unsigned long long*>(lw_acc), "
                 "static_cast<unsigned long long>(lw_sh[0]));")
    return [f"__shared__ {c} lw_sh[{BLOCK}];",
            "lw_sh[threadIdx.x] = lw_p;",
            "__syncthreads();",
            "for (unsigned int lw_s = blockDim.x / 2; lw_s > 0; lw_s >>= 1) {",
            f"    if (threadIdx.x < lw_s) lw_sh[threadIdx.x] = {merge[op]};",
            "    __syncthreads();",
            "}",
            f"if (threadIdx.x == 0) {final}"]


def _host_function(sig: Signature, loop: ParallelLoop, host: _Host, types: dict[str, IRType],
                   elem: IRType | None) -> str:
    lines = ["lw::Status lw_st;"]
    for k, st in enumerate(loop.prefix):
        t = types[st.target]
        lines.append(f"{ctype(t)} lw_s{k} = {host.expr(st.value, t)};")
    args: list[str] = []
    frees: list[str] = []
    for i, p in enumerate(sig.params):
        t = p.type
        if t.rank == 1:
            lines.append(f"auto* lw_d{i} = lw::to_device(lw_st, {p.name}, {p.name}_len);")
            args += [f"lw_d{i}", f"{p.name}_len"]
            frees.append(f"lw_d{i}")
        elif t.rank == 2:
            lines.append(f"auto* lw_d{i} = lw::to_device(lw_st, {p.name}, "
                         f"{p.name}_rows * {p.name}_cols);")
            args += [f"lw_d{i}", f"{p.name}_rows", f"{p.name}_cols"]
            frees.append(f"lw_d{i}")
        else:
            args.append(p.name)
    args += [f"lw_s{k}" for k in range(len(loop.prefix))]
    for k, d in enumerate(loop.dims):
        lo, hi = host.expr(d.start, INT), host.expr(d.stop, INT)
        lines += [f"long long lw_lo{k} = {lo};",
                  f"long long lw_n{k} = {hi} - lw_lo{k} > 0 ? {hi} - lw_lo{k} : 0;"]
        args += [f"lw_lo{k}", f"lw_n{k}"]
    tail: list[str] = []
    if loop.kind == "reduce":
        t = types[loop.result]
        init = host.expr(loop.init, t)
        if t.kind is Kind.BOOL:
            lines += [f"unsigned int lw_h = ({init}) ? 1u : 0u;"]
            acc_ct = "unsigned int"
        else:
            lines += [f"{ctype(t)} lw_h = {init};"]
            acc_ct = ctype(t)
        lines += ["auto* lw_acc = lw::to_device(lw_st, &lw_h, 1);"]
        args.append("lw_acc")
        frees.append("lw_acc")
        work = "lw_n0"
        tail = ["lw::copy_out(lw_st, &lw_h, lw_acc, 1);"]
        del acc_ct
    elif len(loop.dims) == 2:
        init = loop.init
        assert isinstance(init, ListRepeat) and isinstance(init.elem, ListRepeat) and elem
        e = ctype(elem)
        rows, cols = host.expr(init.count, INT), host.expr(init.elem.count, INT)
        lines += [f"long long lw_rows = {rows} > 0 ? {rows} : 0;",
                  f"long long lw_cols = lw_rows > 0 && {cols} > 0 ? {cols} : 0;",
                  f"{e}* lw_dst = lw::device_buffer<{e}>(lw_st, lw_rows * lw_cols);"]
        args += ["lw_dst", "lw_rows", "lw_cols"]
        frees.append("lw_dst")
        work = ("(lw_rows > lw_lo0 + lw_n0 ? lw_rows : lw_lo0 + lw_n0) * "
                "(lw_cols > lw_lo1 + lw_n1 ? lw_cols : lw_lo1 + lw_n1)")
        tail = ["*out_rows = lw_rows;", "*out_cols = lw_cols;",
                "if (lw_rows * lw_cols <= out_cap) "
                "lw::copy_out(lw_st, out, lw_dst, lw_rows * lw_cols);"]
    else:
        assert elem is not None
        e = ctype(elem)
        if loop.appends:
            lines.append("long long lw_m = lw_n0;")
            work = "lw_n0"
        else:
            init = loop.init
            assert isinstance(init, ListRepeat)
            m = host.expr(init.count, INT)
            lines.append(f"long long lw_m = {m} > 0 ? {m} : 0;")
            work = "(lw_m > lw_lo0 + lw_n0 ? lw_m : lw_lo0 + lw_n0)"
        if loop.kind == "histogram":
            fill = coerce(lower_expr(loop.init.elem, {}), loop.init.elem.type, elem)
            lines += [f"std::vector<{e}> lw_h(static_cast<size_t>(lw_m > 0 ? lw_m : 1), {fill});",
                      "auto* lw_dst = lw::to_device(lw_st, lw_h.data(), lw_m);"]
            work = "lw_n0"
        else:
            lines.append(f"{e}* lw_dst = lw::device_buffer<{e}>(lw_st, lw_m);")
        args += ["lw_dst", "lw_m"]
        frees.append("lw_dst")
        tail = ["*out_len = lw_m;", "if (lw_m <= out_cap) lw::copy_out(lw_st, out, lw_dst, lw_m);"]
    lines += [f"long long lw_work = {work};",
              "if (lw_st.err == cudaSuccess) {",
              f"    lw_kernel<<<lw::blocks_for(lw_work, {BLOCK}), {BLOCK}>>>({', '.join(args)});",
              "    lw_st.ok(cudaGetLastError());",
              "}",
              *tail,
              *(f"if ({f}) lw_st.ok(cudaFree({f}));" for f in frees)]
    if loop.kind == "reduce":
        t = types[loop.result]
        lines.append("return lw_h != 0;" if t.kind is Kind.BOOL else "return lw_h;")
    return host_header(sig) + " {\n" + "\n".join("    " + ln for ln in lines) + "\n}"

