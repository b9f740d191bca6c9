"""Render the COBOL harness (a main program, or a subprogram in a batch) from harness.cob.j2.

Key contracts: the harness speaks `tolk.validators.wire`: it ACCEPTs the vector count,
then per vector the arguments line by line; for vector k it DISPLAYs `@@ k` before the
CALL, then the result(s) and `@@end k`. libcob writes each DISPLAY through to the file
descriptor (tested: a SIGKILL right after a DISPLAY loses nothing), so a crash in vector
k+1 never loses vector k. Inputs beyond the capacities of `types`, and results whose
length/count lies outside them (a candidate that never set it: the harness presets -1),
end the run with exit status 3 and a message on stderr, never a mis-printed record.
Floats cross through `tolk_io.c` (strtod and `%.17g`), compiled into the same executable.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import jinja2

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.ir.types import IRType
from tolk.toolchains.cobol.types import (
    INT_USAGE, LIST_CAP, MAT_CAP, STR_CAP, data_item, program_id, result_names, result_types,
    supports,
)

__all__ = ["render_harness", "io_source", "HARNESS_FILE", "CANDIDATE_FILE", "IO_FILE",
           "HARNESS_ID"]

HARNESS_FILE = "harness.cob"
CANDIDATE_FILE = "candidate.cob"
IO_FILE = "tolk_io.c"
HARNESS_ID = "tolk_harness"
# One wire line: a string of STR_CAP characters fits with room to spare.
_LINE_CAP = 4 * STR_CAP


@dataclass(frozen=True, slots=True)
class _Var:
    name: str  # the harness's data name
    kind: str  # scalar kind: "int" | "float" | "bool" | "str"
    rank: int
    decl: tuple[str, ...]
    label: str  # the contract's name, for messages


def _var(name: str, t: IRType, label: str) -> _Var:
    return _Var(name, str(t.scalar.kind), t.rank, tuple(data_item(name, t)), label)


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # COBOL source, not HTML
    )
    return env.get_template("harness.cob.j2")


@functools.cache
def io_source() -> str:
    """The C float I/O helpers compiled with every harness (kept as `tolk_io.c.j2` so the
    package data pattern `*.j2` ships it; it has no template variables)."""
    return (Path(__file__).parent / f"{IO_FILE}.j2").read_text()


def render_harness(sig: Signature, *, harness_id: str = HARNESS_ID, target: str | None = None,
                   main: bool = True) -> str:
    """Harness source for `sig` calling program `target` (default: the contract's
    PROGRAM-ID). `main=False` renders a subprogram that ends with GOBACK (batches).
    Raises UnsupportedProgram when `supports(sig)` says no."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    params = [_var(f"h-a{i}", p.type, p.name) for i, p in enumerate(sig.params, 1)]
    rnames = result_names(sig)
    locals_ = ["h-r"] if len(rnames) == 1 else [f"h-r-{i}" for i in range(1, len(rnames) + 1)]
    results = [_var(loc, t, lab)
               for loc, t, lab in zip(locals_, result_types(sig), rnames, strict=True)]
    return _template().render(
        program_id=harness_id,
        target=target or program_id(sig),
        main=main,
        params=params,
        results=results,
        using=[v.name for v in params + results],
        int_usage=INT_USAGE,
        str_cap=STR_CAP,
        list_cap=LIST_CAP,
        mat_cap=MAT_CAP,
        line_cap=_LINE_CAP,
    )
