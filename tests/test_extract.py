"""Extraction of candidates from chatty model answers (tree-sitter; COBOL by structure)."""

from __future__ import annotations

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import parse_type
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.translators.extract import code_blocks, extract, extract_python


def sig(name: str, params: str, returns: str) -> Signature:
    ps = tuple(Param(n, parse_type(t)) for n, t in
               (p.split(":") for p in params.split(",") if p))
    return Signature(name, ps, parse_type(returns, allow_tuple=True))


ADD = sig("add_one", "n:int", "int")

FORTRAN = """module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: add_one
contains
  function add_one(n) result(res)
    integer(int64), intent(in) :: n
    integer(int64) :: res
    res = n + 1_int64
  end function add_one
end module candidate
"""


def test_code_blocks_reads_tags_and_an_unterminated_last_fence() -> None:
    answer = "Intro\n```fortran\nA\n```\ntext\n```\nB\n```\n~~~python\nC\n"
    assert code_blocks(answer) == [("fortran", "A\n"), ("", "B\n"), ("python", "C\n")]


def test_fortran_module_out_of_prose_and_a_test_program() -> None:
    answer = (f"Here you go:\n\n```fortran\n{FORTRAN}```\n\nTry it with:\n```fortran\n"
              "program t\n  use candidate\n  print *, add_one(1_8)\nend program t\n```\nBye")
    code = extract(answer, Lang.FORTRAN, ADD)
    assert code is not None
    assert "module candidate" in code and "program t" not in code and "Here" not in code
    assert get_toolchain(Lang.FORTRAN).static_check(code, ADD) is None


def test_fortran_without_fences_and_bare_procedure_is_wrapped() -> None:
    assert extract(FORTRAN, Lang.FORTRAN, ADD) == FORTRAN
    bare = """```fortran
function add_one(n) result(res)
  integer(int64), intent(in) :: n
  integer(int64) :: res
  res = helper(n)
end function add_one
function helper(n) result(r)
  integer(int64), intent(in) :: n
  integer(int64) :: r
  r = n + 1_int64
end function helper
```"""
    code = extract(bare, Lang.FORTRAN, ADD)
    assert code is not None and code.startswith("module candidate")
    assert "public :: add_one" in code and "function helper" in code
    assert get_toolchain(Lang.FORTRAN).static_check(code, ADD) is None


def test_fortran_picks_the_block_that_defines_the_function() -> None:
    other = FORTRAN.replace("add_one", "add_two")
    answer = f"First a wrong one:\n```fortran\n{other}```\nThe right one:\n```fortran\n{FORTRAN}```"
    code = extract(answer, Lang.FORTRAN, ADD)
    assert code is not None and "add_two" not in code


def test_julia_keeps_definitions_and_drops_top_level_calls() -> None:
    answer = """Sure:
```julia
const STEP = 1
helper(x) = x + STEP
function add_one(n::Int64)::Int64
    return helper(n)
end
println(add_one(3))
using Test
```"""
    code = extract(answer, Lang.JULIA, ADD)
    assert code is not None
    assert "println" not in code and "using" not in code
    assert "const STEP" in code and "helper(x)" in code and "function add_one" in code
    assert get_toolchain(Lang.JULIA).static_check(code, ADD) is None


def test_cuda_drops_a_test_main() -> None:
    answer = """```cuda
#include <cuda_runtime.h>
__global__ void k(long long* out, long long n) { out[threadIdx.x] = n + 1; }
long long add_one(long long n) {
    long long* d = nullptr;
    long long r = 0;
    cudaMalloc(&d, 32 * sizeof(long long));
    k<<<1, 32>>>(d, n);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return r;
}
int main() { return add_one(1) == 2 ? 0 : 1; }
```"""
    code = extract(answer, Lang.CUDA, ADD)
    assert code is not None and "int main" not in code and "__global__" in code
    assert get_toolchain(Lang.CUDA).static_check(code, ADD) is None


def test_cobol_program_by_structure() -> None:
    prog = """IDENTIFICATION DIVISION.
PROGRAM-ID. py_add_one.
DATA DIVISION.
LINKAGE SECTION.
01 p-n BINARY-DOUBLE SIGNED.
01 res BINARY-DOUBLE SIGNED.
PROCEDURE DIVISION USING p-n res.
main-para.
    COMPUTE res = p-n + 1
    GOBACK.
END PROGRAM py_add_one."""
    helper = prog.replace("py_add_one", "py_helper")
    answer = f"Here:\n```cobol\n{helper}\n\n{prog}\n```\nThat is all."
    code = extract(answer, Lang.COBOL, ADD)
    assert code == prog + "\n"
    assert get_toolchain(Lang.COBOL).static_check(code, ADD) is None


@pytest.mark.parametrize("lang", list(Lang))
def test_no_definition_gives_none(lang: Lang) -> None:
    prose = ("To do this, loop over the digits and add them up. In this language you would "
             "write a function that returns the sum.\n```\nnot code at all\n```")
    assert extract(prose, lang, ADD) is None
    assert extract("", lang, ADD) is None


@pytest.mark.parametrize("lang", list(Lang))
def test_contract_skeleton_of_another_function_is_no_definition(lang: Lang) -> None:
    other = get_toolchain(lang).contract(sig("other", "n:int", "int"))
    assert extract(f"```\n{other}\n```", lang, ADD) is None


def test_python_rewrite_extraction() -> None:
    answer = """Rewrite:
```python
import math

def helper(x: int) -> int:
    return x

def add_one(n: int) -> int:
    total = n
    total += 1
    return total

print(add_one(2))
```"""
    code = extract_python(answer, "add_one")
    assert code is not None
    assert code.startswith("def add_one") and "print" not in code and "helper" not in code
    assert extract_python("no code here", "add_one") is None
    assert extract_python("```python\ndef other(n: int) -> int:\n    return n\n```",
                          "add_one") is None
