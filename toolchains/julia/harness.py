"""Files the Julia runner reads: the static runner.jl and, per candidate, the glue.

Key contracts: work dir layout for a batch (candidates numbered from 1):
`runner.jl`, and for candidate k `cand_k.jl` (its source), `glue_k.jl` (rendered from
glue.jl.j2: function name and wire types) and `cand_k.in` (its vectors, exactly
`validators.wire.encode_inputs`). `batch_stdin` is what the runner reads on stdin in
batch mode; `harness_files` is the single-candidate layout (`--single`: vectors on stdin).
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.toolchains.julia.contract import function_header
from tolk.toolchains.julia.types import julia_type, supports

__all__ = ["RUNNER_FILE", "RUNNER_PATH", "runner_source", "render_glue", "candidate_files",
           "harness_files", "batch_stdin", "source_name", "glue_name", "input_name"]

RUNNER_FILE = "runner.jl"
RUNNER_PATH = Path(__file__).with_name(RUNNER_FILE)


def source_name(k: int) -> str:
    return f"cand_{k}.jl"


def glue_name(k: int) -> str:
    return f"glue_{k}.jl"


def input_name(k: int) -> str:
    return f"cand_{k}.in"


@functools.cache
def runner_source() -> str:
    return RUNNER_PATH.read_text()


@functools.cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # Julia source, not HTML
    )
    return env.get_template("glue.jl.j2")


def render_glue(sig: Signature, k: int = 1) -> str:
    """The glue for candidate k; raises UnsupportedProgram when `supports(sig)` says no."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    return _template().render(k=k, header=function_header(sig), name=sig.name,
                              params=[julia_type(p.type) for p in sig.params],
                              returns=julia_type(sig.returns))


def candidate_files(k: int, sig: Signature, code: str, wire_input: str) -> dict[str, str]:
    """The three files of candidate k in a batch work dir."""
    return {source_name(k): code, glue_name(k): render_glue(sig, k), input_name(k): wire_input}


def harness_files(sig: Signature, code: str) -> dict[str, str]:
    """A batch of one for the generic engine: runner, candidate 1 and its glue (its
    vectors arrive on stdin, `runner.jl --single`)."""
    return {RUNNER_FILE: runner_source(), source_name(1): code, glue_name(1): render_glue(sig, 1)}


def batch_stdin(nonce: str, limit_s: float, ks: list[int]) -> str:
    return f"{nonce}\n{limit_s:.3f}\n{' '.join(str(k) for k in ks)}\n"
