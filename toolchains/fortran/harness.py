"""Render the Fortran harness (program `harness`) for one signature from harness.f90.j2.

Key contracts: the harness speaks `tolk.validators.wire`: it reads the vector count, then
per vector the arguments; for vector k it prints and flushes `@@ k` before calling the
candidate, then the result and `@@end k`, flushing again so that a crash in vector k+1
never loses vector k. It imports only `target => <name>` from module `candidate`, so its
own names cannot clash with the candidate's.

Batch builds (`batch.py`) render the same template in two more modes: `render_runner` is
the loop as `subroutine run(target)` of a module, `target` a dummy procedure with the
contract's interface (so one runner serves every candidate of the same types), and
`render_wire` the read/write helpers as module `tolk_wire`. One template, so a batched
candidate reads and writes exactly what its single harness would. `render_wrapper` is the
one-call procedure that hands a runner a candidate named like an intrinsic.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Param, Signature
from tolk.ir.types import IRType, Kind, parse_type
from tolk.toolchains.fortran.contract import (
    interface_decls, procedure_footer, procedure_header, wrap_call,
)
from tolk.toolchains.fortran.types import (
    declaration, fortran_name, is_subroutine, result_names, supports, type_spec,
)

__all__ = ["render_harness", "render_runner", "render_wire", "render_wrapper",
           "runner_signature", "HARNESS_FILE", "CANDIDATE_FILE"]

HARNESS_FILE = "harness.f90"
CANDIDATE_FILE = "candidate.f90"

_SCALAR_TAG = {Kind.INT: "int", Kind.FLOAT: "real", Kind.BOOL: "bool", Kind.STR: "str"}
_SHAPE_TAG = {0: "", 1: "_list", 2: "_mat"}
# ES26.17E3: 18 significant digits round-trip every double, 3-digit exponents included.
_FMT = {Kind.INT: "(I0)", Kind.FLOAT: "(ES26.17E3)", Kind.BOOL: "(I0)", Kind.STR: "(A)"}


@dataclass(frozen=True, slots=True)
class _Helper:
    """One read_*/write_* subroutine of the harness, for one scalar kind and rank."""
    io: str  # "read" | "write"
    scalar: str  # "int" | "real" | "bool" | "str"
    rank: int
    spec: str  # Fortran type spec of the scalar
    fmt: str  # output edit descriptor

    @property
    def name(self) -> str:
        return f"{self.io}_{self.scalar}{_SHAPE_TAG[self.rank]}"

    @property
    def shape(self) -> str:
        return {0: "", 1: "(:)", 2: "(:,:)"}[self.rank]

    @property
    def alloc(self) -> str:
        return "allocatable, " if self.rank else ""


@dataclass(frozen=True, slots=True)
class _Var:
    local: str
    decl: str
    helper: str
    allocatable: bool
    label: str  # the contract's name, for messages


def _helper(io: str, t: IRType) -> _Helper:
    s = t.scalar
    return _Helper(io, _SCALAR_TAG[s.kind], t.rank, type_spec(s), _FMT[s.kind])


def _var(local: str, t: IRType, io: str, label: str) -> tuple[_Var, _Helper]:
    h = _helper(io, t)
    allocatable = t.kind is Kind.STR or t.rank > 0
    return _Var(local, declaration(local, t), h.name, allocatable, label), h


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Fortran source, not HTML
    )
    return env.get_template("harness.f90.j2")


def render_harness(sig: Signature) -> str:
    """Harness source for `sig`; raises UnsupportedProgram when `supports(sig)` says no."""
    return _render(sig, mode="program")


def runner_signature(sig: Signature) -> Signature:
    """`sig` with the names a runner uses (`target`, a1..an): equal for equal types."""
    return Signature("target", tuple(Param(f"a{i}", p.type) for i, p in enumerate(sig.params, 1)),
                     sig.returns)


def render_runner(sig: Signature, module: str) -> str:
    """Module `module` whose public subroutine `run(target)` runs the harness loop of `sig`
    with the helpers of tolk_wire, on the dummy procedure `target`, whose interface is the
    contract's: one runner serves every candidate of the same types."""
    canon = runner_signature(sig)
    lines = ["    interface", procedure_header(canon, "      "),
             "        import :: int64, real64",
             *("        " + d for d in interface_decls(canon)),
             procedure_footer(canon, "      "), "    end interface"]
    return _render(sig, mode="runner", module=module, interface="\n".join(lines))


def render_wrapper(sig: Signature, module: str, candidate: str) -> str:
    """Module `module` whose public procedure `target` (the contract's interface, with a
    runner's names) calls `candidate`'s procedure and returns what it returns. A batch
    build hands `target` to the shared runner for a candidate named like an intrinsic,
    which gfortran will not pass as an actual argument itself. (It replaced a harness
    loop per such candidate: one batch mode fewer in the template. It compiles no
    faster where the result is an allocatable matrix: the copy is most of that code.)"""
    canon = runner_signature(sig)
    args = [fortran_name(p.name) for p in canon.params]
    if is_subroutine(canon):
        call = wrap_call("call tolk_candidate", [*args, *result_names(canon)], indent="    ")
    else:
        call = wrap_call("res = tolk_candidate", args, indent="    ")
    lines = [f"module {module}",
             "  use, intrinsic :: iso_fortran_env, only: int64, real64",
             f"  use {candidate}, only: tolk_candidate => {fortran_name(sig.name)}",
             "  implicit none", "  private", "  public :: target", "contains",
             procedure_header(canon, "  "), *("    " + d for d in interface_decls(canon)),
             call, procedure_footer(canon, "  "), f"end module {module}"]
    return "\n".join(lines) + "\n"


def render_wire(sigs: Iterable[Signature]) -> str:
    """Module tolk_wire: every read/write helper that the runners of `sigs` use."""
    helpers: dict[str, _Helper] = {}
    for sig in sigs:
        helpers.update((h.name, h) for h in _plan(sig)[3])
    return _template().render(mode="wire", helpers=[helpers[k] for k in sorted(helpers)])


#: every type a harness can read or write (ir.types: scalars, lists, matrices of non-str)
_WIRE_TYPES = ("int", "float", "bool", "str", "list[int]", "list[float]", "list[bool]",
               "list[str]", "list[list[int]]", "list[list[float]]", "list[list[bool]]")


@functools.cache
def render_wire_all() -> str:
    """Module tolk_wire with every helper any runner can use: one build serves all."""
    helpers = {h.name: h for t in _WIRE_TYPES for io in ("read", "write")
               for h in [_helper(io, parse_type(t))]}
    return _template().render(mode="wire", helpers=[helpers[k] for k in sorted(helpers)])


def _render(sig: Signature, mode: str, **extra: str | None) -> str:
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    params, results, call, helpers = _plan(sig)
    return _template().render(
        name=fortran_name(sig.name),
        params=params,
        results=results,
        subroutine=is_subroutine(sig),
        call=call,
        helpers=helpers,
        mode=mode,
        **extra,
    )


def _plan(sig: Signature) -> tuple[list[_Var], list[_Var], str, list[_Helper]]:
    """(parameter locals, result locals, the call statement, helpers sorted by name)."""
    params = [_var(f"a{i}", p.type, "read", p.name) for i, p in enumerate(sig.params, 1)]
    if is_subroutine(sig):
        rtypes = sig.returns.args
        locals_ = [f"r{i}" for i in range(1, len(rtypes) + 1)]
    else:
        rtypes, locals_ = (sig.returns,), ["r"]
    results = [_var(loc, t, "write", lab)
               for loc, t, lab in zip(locals_, rtypes, result_names(sig), strict=True)]
    args = [v.local for v, _ in params]
    if is_subroutine(sig):
        call = wrap_call("call target", args + locals_, indent="    ")
    else:
        call = wrap_call("r = target", args, indent="    ")
    helpers = {h.name: h for _, h in params + results}
    return ([v for v, _ in params], [v for v, _ in results], call,
            [helpers[k] for k in sorted(helpers)])
