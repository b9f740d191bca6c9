"""CUDA lowering: a data-parallel Function's body IR -> a complete candidate `.cu` file.

Shape of every lowered candidate (lowering_parallel.py builds the kernel and host code):
  - the `lw` definitions the code uses (from lw_runtime.cuh, inlined: a candidate is one
    file; no allocator, no arena);
  - one parallel kernel for the loop `tolk.ir.parallel` found (grid-stride loop over work
    items; one iteration's statements are lowered here, by `CudaStmts`, with the result's
    writes and the accumulator's updates redirected by a subclass);
  - the host function of the contract: evaluates the scalar prefix and sizes, copies
    inputs to the device, launches, copies the result back into the caller's buffers
    (respecting their capacity), frees what it allocated, and checks every CUDA call.

Statement quirks handled here (expressions in lowering_exprs.py):
  - `for v in range(a, b, k)` evaluates a and b once and drives a hidden counter; v is
    assigned from it, so the body may rebind v and v keeps its last value afterwards.
  - `for x in xs` walks the object xs named at loop entry and re-reads its length (so
    items appended in the body are visited, as in Python).
  - Python names that are C++ keywords, CUDA builtins, names the static checks refuse
    (`read`, `write`, ...) or start with the reserved `lw`/`tolk_` prefixes are renamed.
  - parameters need no copy: the device works on its own copy of every input.

Key contracts: `lower_function(fn)` returns source that passes `checks.static_check` (the
parallelism checks included) and compiles against the harness, or raises
`UnsupportedProgram` (`unsupported:not_data_parallel`, `cuda:<what>`, or the contract's
`unsupported_*` reason) rather than emit code whose semantics differ.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, Break, Continue, ForEach, ForRange, If, IndexAssign, Return, Stmt, TupleLit,
    While,
)
from tolk.ir.function import Function
from tolk.ir.types import INT, IRType, Kind
from tolk.toolchains.cuda import types
from tolk.toolchains.cuda.checks import FORBIDDEN_NAMES
from tolk.toolchains.cuda.lowering_abi import cond
from tolk.toolchains.cuda.lowering_exprs import Names, coerce, ctype, lower_expr
from tolk.toolchains.cuda.lowering_parallel import lower_parallel

__all__ = ["lower_function", "CudaStmts", "Scope", "lower_stmts", "runtime_source"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CUDA_NAMES = frozenset({
    "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "lw", "std", "fabs", "floor",
    "fmod", "pow", "copysign", "NAN", "INFINITY", "auto", "size_t", "nullptr", "cudaMalloc",
    "cudaMemcpy", "cudaFree", "atomicAdd", "atomicMax", "atomicMin", "__trap",
})
Lines = tuple[str, ...]


@functools.cache
def runtime_source() -> str:
    return (Path(__file__).parent / "lw_runtime.cuh").read_text()


@functools.cache
def _runtime_parts() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The runtime's header comment, and each top-level definition (with the comments
    above it) under the name it defines."""
    head, _, rest = runtime_source().partition("namespace lw {\n")
    parts: list[tuple[str, str]] = []
    chunk: list[str] = []
    for line in rest.splitlines():
        if line.startswith("}  // namespace lw"):
            break
        chunk.append(line)
        done = line in ("}", "};") or (not line.startswith((" ", "//")) and line.endswith("}"))
        if done:
            first = next(x for x in chunk if x and not x.startswith("//"))
            m = re.search(r"struct (\w+)", first) or re.search(r"(\w+)\(", first)
            parts.append((m.group(1) if m else "", "\n".join(chunk).strip("\n")))
            chunk = []
    return head, tuple(parts)


def runtime_for(code: str) -> str:
    """The `lw` namespace with only the definitions code uses (directly or through others)."""
    head, parts = _runtime_parts()
    words = set(re.findall(r"lw::(\w+)", code))
    keep: set[int] = set()
    while True:
        new = {i for i, (name, _) in enumerate(parts) if name in words} - keep
        if not new:
            break
        keep |= new
        for i in new:
            words |= set(_IDENT.findall(parts[i][1]))
    body = "\n\n".join(text for i, (_, text) in enumerate(parts) if i in keep)
    return f"{head}namespace lw {{\n\n{body}\n\n}}  // namespace lw"


def _indent(lines: Lines, by: str = "    ") -> Lines:
    return tuple(by + line if line else "" for line in lines)


# ---- the statement emitter ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Scope:
    names: Names
    types: dict[str, IRType]
    returns: IRType
    path: str  # unique per statement: hidden counters are named after it


class CudaStmts:
    """One method per statement node kind; each returns C++ lines and keeps no state."""

    def assign(self, st: Assign, s: Scope) -> Lines:
        t = s.types[st.target]
        value = coerce(lower_expr(st.value, s.names), st.value.type, t)
        return (f"{s.names[st.target]} = {value};",)

    def indexassign(self, st: IndexAssign, s: Scope) -> Lines:
        t = s.types[st.target]
        if t.kind is not Kind.LIST or not 1 <= len(st.indices) <= t.rank:
            raise UnsupportedProgram("cuda:index_assign", st.target)
        ref = s.names[st.target]
        for i in st.indices:
            ref = f"lw::at({ref}, {lower_expr(i, s.names)})"
            t = t.elem
        return (f"{ref} = {coerce(lower_expr(st.value, s.names), st.value.type, t)};",)

    def append(self, st: Append, s: Scope) -> Lines:
        t = s.types[st.target]
        if t.kind is not Kind.LIST:
            raise UnsupportedProgram("cuda:append", st.target)
        v = coerce(lower_expr(st.value, s.names), st.value.type, t.elem)
        return (f"lw::append<{ctype(t.elem)}>({s.names[st.target]}, {v});",)

    def if_(self, st: If, s: Scope) -> Lines:
        lines = [f"if ({cond(lower_expr(st.cond, s.names))}) {{",
                 *_indent(lower_stmts(st.body, s, "a", self))]
        orelse = st.orelse
        k = 0
        while len(orelse) == 1 and isinstance(orelse[0], If):
            inner = orelse[0]
            k += 1
            lines += [f"}} else if ({cond(lower_expr(inner.cond, s.names))}) {{",
                      *_indent(lower_stmts(inner.body, s, f"e{k}a", self))]
            orelse = inner.orelse
        if orelse:
            lines += ["} else {", *_indent(lower_stmts(orelse, s, f"e{k}b", self))]
        return (*lines, "}")

    def forrange(self, st: ForRange, s: Scope) -> Lines:
        i, e = f"lw_i{s.path}", f"lw_e{s.path}"
        start = coerce(lower_expr(st.start, s.names), st.start.type, INT)
        stop = coerce(lower_expr(st.stop, s.names), st.stop.type, INT)
        cond = f"{i} < {e}" if st.step > 0 else f"{i} > {e}"
        step = f"++{i}" if st.step == 1 else f"{i} += {st.step}LL"
        var = coerce(i, INT, s.types[st.var])
        return (f"for (long long {i} = {start}, {e} = {stop}; {cond}; {step}) {{",
                *_indent((f"{s.names[st.var]} = {var};", *lower_stmts(st.body, s, "a", self))),
                "}")

    def foreach(self, st: ForEach, s: Scope) -> Lines:
        c, k = f"lw_c{s.path}", f"lw_k{s.path}"
        t = st.iterable.type
        if t.kind not in (Kind.LIST, Kind.STR):
            raise UnsupportedProgram("cuda:foreach", str(t))
        elem = t.elem if t.kind is Kind.LIST else t
        item = coerce(f"lw::at({c}, {k})", elem, s.types[st.var])
        return ("{", f"    auto {c} = {lower_expr(st.iterable, s.names)};",
                f"    for (long long {k} = 0; {k} < lw::len({c}); ++{k}) {{",
                *_indent((f"{s.names[st.var]} = {item};", *lower_stmts(st.body, s, "a", self)),
                         "        "),
                "    }", "}")

    def while_(self, st: While, s: Scope) -> Lines:
        return (f"while ({cond(lower_expr(st.cond, s.names))}) {{",
                *_indent(lower_stmts(st.body, s, "a", self)), "}")

    def return_(self, st: Return, s: Scope) -> Lines:
        if s.returns.kind is Kind.TUPLE:
            if not isinstance(st.value, TupleLit) or len(st.value.elems) != len(s.returns.args):
                raise UnsupportedProgram("cuda:return_shape")
            parts = [coerce(lower_expr(e, s.names), e.type, t)
                     for e, t in zip(st.value.elems, s.returns.args, strict=True)]
            return (f"return lw_ret{{{', '.join(parts)}}};",)
        return (f"return {coerce(lower_expr(st.value, s.names), st.value.type, s.returns)};",)

    def break_(self, st: Break, s: Scope) -> Lines:
        return ("break;",)

    def continue_(self, st: Continue, s: Scope) -> Lines:
        return ("continue;",)


STMTS = CudaStmts()
_METHODS: dict[type, Callable[[CudaStmts, Stmt, Scope], Lines]] = {
    Assign: CudaStmts.assign, IndexAssign: CudaStmts.indexassign, Append: CudaStmts.append,
    If: CudaStmts.if_, ForRange: CudaStmts.forrange, ForEach: CudaStmts.foreach,
    While: CudaStmts.while_, Return: CudaStmts.return_, Break: CudaStmts.break_,
    Continue: CudaStmts.continue_,
}


def lower_stmts(stmts: tuple[Stmt, ...], s: Scope, tag: str,
                emitter: CudaStmts = STMTS) -> Lines:
    out: list[str] = []
    for i, st in enumerate(stmts):
        method = _METHODS.get(type(st))
        if method is None:
            raise UnsupportedProgram("cuda:stmt", type(st).__name__)
        sub = Scope(s.names, s.types, s.returns, f"{s.path}{tag}{i}")
        out.extend(getattr(emitter, method.__name__)(st, sub))  # subclasses override
    return tuple(out)


# ---- names ----------------------------------------------------------------------------

def _name_map(fn: Function) -> dict[str, str]:
    """C++ names for parameters and locals inside the device code."""
    reserved = types.RESERVED | FORBIDDEN_NAMES | _CUDA_NAMES
    taken: set[str] = set()
    out: dict[str, str] = {}
    for name in [p.name for p in fn.signature.params] + [v.name for v in fn.locals]:
        ok = (_IDENT.fullmatch(name) and name not in reserved and not name.startswith("lw")
              and not name.startswith("tolk_") and "__" not in name and name.isascii())
        # C++ reserves every name holding `__`: runs of `_` collapse (`__` -> `v_`).
        words = re.sub(r"\W", "_", name.encode("ascii", "replace").decode()).split("_")
        base = name if ok else "v_" + "_".join(w for w in words if w)
        # Bounded: each taken or reserved name rules out at most one candidate.
        cands = (base if k == 1 else f"{base}_{k}"
                 for k in range(1, len(taken) + len(reserved) + 2))
        cand = next(c for c in cands if c not in taken and c not in reserved)
        taken.add(cand)
        out[name] = cand
    return out


# ---- assembly -------------------------------------------------------------------------

def lower_function(fn: Function) -> str:
    """The whole candidate file for fn, or UnsupportedProgram with a reason
    (`unsupported:not_data_parallel` when fn has no data-parallel loop)."""
    if fn.body is None:
        raise UnsupportedProgram("lowering:no_body", fn.body_reason)
    sig = fn.signature
    if reason := types.supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    for name in (sig.name, *(p.name for p in sig.params)):
        # The host function's own locals and calls: lw_*, lw::, cuda*.
        if name.startswith(("lw", "cuda")) or name in _CUDA_NAMES:
            raise UnsupportedProgram("cuda:reserved_name", name)
    for loc in fn.locals:
        if loc.type.kind is Kind.TUPLE or types.unsupported_type(loc.type):
            raise UnsupportedProgram("cuda:local_type", f"{loc.name}: {loc.type}")
    kernel, host = lower_parallel(fn, _name_map(fn))
    parts = [
        f"// Lowered by tolk from the Python function `{sig.name}`: a data-parallel kernel.",
        "#include <cuda_runtime.h>",
        "#include <math.h>",
        "#include <vector>",
        "",
        runtime_for(kernel + host),
        "",
        kernel,
        "",
        host,
        "",
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(parts))
