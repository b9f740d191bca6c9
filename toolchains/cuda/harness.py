"""Render the CUDA harness (one `main`) for one candidate or a batch, from harness.cu.j2.

Key contracts: the harness speaks `tolk.validators.wire`: it reads the vector count, then
per vector the arguments; for vector k it prints and flushes `@@ k` before calling the
candidate, then the result and `@@end k`. After every call it checks `cudaGetLastError()`
and `cudaDeviceSynchronize()`, and that out-lengths were set and fit their capacity; any
failure is a message on stderr and a nonzero exit (3: CUDA error, 4: contract breach), so
the verdict is a runtime error attributed to vector k.

Each candidate file is `#include`d inside `namespace tolk_c<i>` after the whitelisted
headers it includes (all include-guarded, so its own includes expand to nothing there);
the harness declares the contract's prototype in that namespace first, so a definition
with another signature fails to link. A batch renders several candidates into one file
whose `main` picks candidate i from argv[1]; candidate i then reads and writes exactly
what its single harness would.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.cuda.checks import ALLOWED_INCLUDES
from tolk.toolchains.cuda.contract import prototype
from tolk.toolchains.cuda.types import OUT_CAP, c_scalar, result_names, returns_void, supports

__all__ = ["render_harness", "render_batch", "HARNESS_FILE", "CANDIDATE_FILE", "BATCH_FILE",
           "batch_candidate_file", "defined_macros", "included_headers", "blame"]

HARNESS_FILE = "harness.cu"
CANDIDATE_FILE = "candidate.cu"
BATCH_FILE = "batch.cu"

_DEFINE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)", re.MULTILINE)
_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>\n]+)>", re.MULTILINE)


def batch_candidate_file(index: int) -> str:
    return f"cand_{index}.cu"


# nvcc/cudafe++: `cand_3.cu(12): error: ...`; gcc/ld: `cand_3.cu:12:5: error:` and
# `undefined reference to `tolk_c3::f(long long)'`; errors in batch.cu name the namespaces.
_ERROR_LINE = re.compile(r"error|undefined reference|multiple definition", re.IGNORECASE)
_BLAMED = re.compile(r"\bcand_(\d+)\.cu\b|\btolk_[ch](\d+)\b")


def blame(compiler_output: str, n: int) -> set[int]:
    """Candidates of an n-candidate batch that the error lines of a failed build name;
    empty when none is named (the caller then bisects)."""
    out: set[int] = set()
    for line in compiler_output.splitlines():
        if _ERROR_LINE.search(line):
            for m in _BLAMED.finditer(line):
                k = int(m.group(1) or m.group(2))
                if k < n:
                    out.add(k)
    return out


def included_headers(code: str) -> set[str]:
    """Whitelisted headers the candidate includes: the harness includes them first (only
    those: every extra C++ header costs compile time on each build)."""
    return {h.strip() for h in _INCLUDE.findall(code)} & ALLOWED_INCLUDES


def defined_macros(code: str) -> list[str]:
    """Macros the candidate defines: undefined after it, so they cannot reach the harness
    or the next candidate of a batch."""
    return sorted(set(_DEFINE.findall(code)))


@dataclass(frozen=True, slots=True)
class _In:
    local: str
    ctype: str
    rank: int
    is_str: bool
    reader: str
    args: str  # what the call passes


@dataclass(frozen=True, slots=True)
class _Out:
    local: str
    ctype: str
    buffer: bool  # a static host buffer of OUT_CAP elements
    dims: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Cand:
    index: int
    file: str
    prototype: str
    macros: list[str]
    params: list[_In]
    outs: list[_Out] = field(default_factory=list)
    call: str = ""
    writes: list[str] = field(default_factory=list)


def _input(i: int, t: IRType) -> _In:
    local = f"a{i}"
    if t.kind is Kind.STR:
        return _In(local, "char", 0, True, "tolk_io::read_str", f"{local}.data, {local}.n")
    if t.rank == 1:
        return _In(local, c_scalar(t), 1, False, "tolk_io::read_list", f"{local}.data, {local}.n")
    if t.rank == 2:
        return _In(local, c_scalar(t), 2, False, "tolk_io::read_matrix",
                   f"{local}.data, {local}.rows, {local}.cols")
    return _In(local, c_scalar(t), 0, False, "", local)


def _output(local: str, t: IRType, label: str) -> tuple[_Out, str, str]:
    """The out record, what the call passes, and the statement that writes it."""
    cap = f"{OUT_CAP}LL"
    if t.kind is Kind.STR or t.rank == 1:
        n = f"{local}_len"
        out = _Out(local, c_scalar(t), True, (n,),
                   (f'tolk_io::check_len({n}, {cap}, "{label}_len")',))
        write = (f"tolk_io::write_str({local}.data, {n})" if t.kind is Kind.STR
                 else f"tolk_io::write_list({local}.data, {n})")
        return out, f"{local}.data, {cap}, &{n}", write
    if t.rank == 2:
        r, c = f"{local}_rows", f"{local}_cols"
        out = _Out(local, c_scalar(t), True, (r, c), (
            f'tolk_io::check_len({r}, {cap}, "{label}_rows")',
            f'tolk_io::check_len({c}, {cap}, "{label}_cols")',
            f'tolk_io::check_len({r} * {c}, {cap}, "{label}_rows * {label}_cols")'))
        write = f"tolk_io::write_matrix({local}.data, {r}, {c})"
        return out, f"{local}.data, {cap}, &{r}, &{c}", write
    return _Out(local, c_scalar(t), False), f"&{local}", f"tolk_io::write_one({local})"


def _candidate(index: int, file: str, sig: Signature, code: str) -> _Cand:
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    params = [_input(i, p.type) for i, p in enumerate(sig.params)]
    args = [p.args for p in params]
    target = f"tolk_c{index}::{sig.name}"
    outs: list[_Out] = []
    writes: list[str] = []
    if returns_void(sig):
        rtypes = sig.returns.args if sig.returns.kind is Kind.TUPLE else (sig.returns,)
        for k, (t, label) in enumerate(zip(rtypes, result_names(sig), strict=True)):
            out, passed, write = _output(f"r{k}", t, label)
            outs.append(out)
            args.append(passed)
            writes.append(write)
        call = f"{target}({', '.join(args)})"
    else:
        call = f"{c_scalar(sig.returns)} r = {target}({', '.join(args)})"
        writes.append("tolk_io::write_one(r)")
    return _Cand(index, file, prototype(sig), defined_macros(code), params, outs, call, writes)


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # C++ source, not HTML
    )
    return env.get_template("harness.cu.j2")


def _render(cands: list[_Cand], codes: Sequence[str]) -> str:
    includes = set().union(*(included_headers(c) for c in codes))
    return _template().render(includes=sorted(includes), candidates=cands,
                              out_cap=f"{OUT_CAP}LL")


def render_harness(sig: Signature, code: str = "") -> str:
    """Harness source for one candidate in CANDIDATE_FILE; raises UnsupportedProgram when
    `supports(sig)` says no. `code` is only scanned for its includes and macros."""
    return _render([_candidate(0, CANDIDATE_FILE, sig, code)], [code])


def render_batch(items: Sequence[tuple[str, Signature]]) -> str:
    """One harness for every (code, signature); candidate i lives in batch_candidate_file(i)."""
    return _render([_candidate(i, batch_candidate_file(i), sig, code)
                    for i, (code, sig) in enumerate(items)], [code for code, _ in items])
