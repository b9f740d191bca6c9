"""Fortran target: harness round-trips every IR type through real gfortran; static checks;
the contract text compiles against the harness."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, list_of, tuple_of
from tolk.toolchains.base import Toolchain
from tolk.toolchains.fortran import FORTRAN
from tolk.toolchains.fortran.contract import BODY_PLACEHOLDER
from tolk.toolchains.registry import available_langs, get_toolchain
from tolk.validators.wire import DecodedResult, decode_results, encode_inputs

needs_gfortran = pytest.mark.skipif(FORTRAN.availability() is not None,
                                    reason=str(FORTRAN.availability()))

MOD_HEAD = """module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: {name}
contains
"""
MOD_TAIL = "end module candidate\n"


def build(tmp_path: Path, sig: Signature, code: str) -> subprocess.CompletedProcess[str]:
    files = FORTRAN.harness_files(sig, code)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return subprocess.run(FORTRAN.compile_argv(files), cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)


def run(tmp_path: Path, sig: Signature, code: str, args_list: list[tuple[Any, ...]],
        ) -> tuple[list[DecodedResult], subprocess.CompletedProcess[str]]:
    built = build(tmp_path, sig, code)
    assert built.returncode == 0, built.stderr
    stdin = encode_inputs(args_list, [p.type for p in sig.params])
    proc = subprocess.run(FORTRAN.run_argv(), cwd=tmp_path, input=stdin, capture_output=True,
                          text=True, timeout=60)
    return decode_results(proc.stdout, sig.returns, len(args_list)), proc


def same(a: Any, b: Any) -> bool:
    """Exact equality that also tells -0.0 from 0.0 and accepts nan == nan."""
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    return type(a) is type(b) and a == b


FLOATS = [0.0, -0.0, 0.1, 1 / 3, -2.5e300, 1e-300, 5e300, 5e-324, 1.7976931348623157e308,
          2.0**53 + 2, math.pi, float("inf"), float("-inf"), float("nan")]
INTS = [0, 1, -1, 2**63 - 1, -(2**63), 123456789012345]
STRS = ["", "hello", "\ttab\t", "trailing   ", "   ", "  lead", "a'b\"c!&;", "print *, 1",
        "x" * 500]

# (IR type, Fortran dummy declaration of x, Fortran declaration of res, values):
# written out by hand so the test checks the type map, not just agrees with it.
IDENTITY_CASES: list[tuple[IRType, str, str, list[Any]]] = [
    (INT, "integer(int64), intent(in) :: x", "integer(int64) :: res", INTS),
    (FLOAT, "real(real64), intent(in) :: x", "real(real64) :: res", FLOATS),
    (BOOL, "logical, intent(in) :: x", "logical :: res", [True, False]),
    (STR, "character(len=*), intent(in) :: x", "character(len=:), allocatable :: res", STRS),
    (list_of(INT), "integer(int64), intent(in) :: x(:)",
     "integer(int64), allocatable :: res(:)", [[], [7], INTS]),
    (list_of(FLOAT), "real(real64), intent(in) :: x(:)",
     "real(real64), allocatable :: res(:)", [[], [0.5], FLOATS]),
    (list_of(BOOL), "logical, intent(in) :: x(:)",
     "logical, allocatable :: res(:)", [[], [True], [True, False, False, True]]),
    (list_of(list_of(INT)), "integer(int64), intent(in) :: x(:,:)",
     "integer(int64), allocatable :: res(:,:)",
     [[], [[1, 2, 3], [4, 5, 6]], [[], []], [[-(2**63)], [2**63 - 1]], [[9]]]),
    (list_of(list_of(FLOAT)), "real(real64), intent(in) :: x(:,:)",
     "real(real64), allocatable :: res(:,:)",
     [[], [[0.1, 1 / 3, -0.0], [1e-300, 5e300, -2.5e300]], [[]]]),
    (list_of(list_of(BOOL)), "logical, intent(in) :: x(:,:)",
     "logical, allocatable :: res(:,:)", [[], [[True, False, True], [False, False, True]]]),
]


def identity_source(name: str, x_decl: str, res_decl: str) -> str:
    return (MOD_HEAD.format(name=name)
            + f"  function {name}(x) result(res)\n    {x_decl}\n    {res_decl}\n"
            + f"    res = x\n  end function {name}\n" + MOD_TAIL)


@needs_gfortran
@pytest.mark.parametrize("t, x_decl, res_decl, values", IDENTITY_CASES,
                         ids=[str(c[0]) for c in IDENTITY_CASES])
def test_identity_round_trips_exactly(tmp_path, t, x_decl, res_decl, values):
    sig = Signature("ident", (Param("x", t),), t)
    results, proc = run(tmp_path, sig, identity_source("ident", x_decl, res_decl),
                        [(v,) for v in values])
    assert proc.returncode == 0, proc.stderr
    assert [r.index for r in results] == list(range(len(values)))
    for r, v in zip(results, values, strict=True):
        assert r.complete and not r.error, r
        assert same(r.value, v), (r.value, v)


TUPLE_SOURCE = MOD_HEAD.format(name="pair") + """\
  subroutine pair(a, b, res1, res2)
    {a_decl}
    {b_decl}
    {r1_decl}
    {r2_decl}
    res1 = a
    res2 = b
  end subroutine pair
""" + MOD_TAIL


@needs_gfortran
@pytest.mark.parametrize("ta, tb, decls, values", [
    (INT, STR, ("integer(int64), intent(in) :: a", "character(len=*), intent(in) :: b",
                "integer(int64), intent(out) :: res1",
                "character(len=:), allocatable, intent(out) :: res2"),
     [(3, "abc"), (-(2**63), ""), (2**63 - 1, "ends in blanks  ")]),
    (FLOAT, BOOL, ("real(real64), intent(in) :: a", "logical, intent(in) :: b",
                   "real(real64), intent(out) :: res1", "logical, intent(out) :: res2"),
     [(f, i % 2 == 0) for i, f in enumerate(FLOATS)]),
], ids=["int_str", "float_bool"])
def test_tuple_results_round_trip(tmp_path, ta, tb, decls, values):
    sig = Signature("pair", (Param("a", ta), Param("b", tb)), tuple_of(ta, tb))
    code = TUPLE_SOURCE.format(a_decl=decls[0], b_decl=decls[1], r1_decl=decls[2],
                               r2_decl=decls[3])
    results, proc = run(tmp_path, sig, code, values)
    assert proc.returncode == 0, proc.stderr
    assert len(results) == len(values)
    for r, v in zip(results, values, strict=True):
        assert r.complete and not r.error and same(r.value, v), (r, v)


MIXED_SIG_PARAMS = (Param("a", STR), Param("b", list_of(INT)), Param("c", STR),
                    Param("d", list_of(list_of(FLOAT))), Param("e", BOOL), Param("f", INT))
MIXED_VALUES = [
    ("", [], "", [], False, 1),
    ("  ", [1, 2], "x ", [[1.5, 2.5]], True, -2),
    ("abc", [], "", [[], []], True, 3),
]


@needs_gfortran
@pytest.mark.parametrize("ret, body, pick", [
    (INT, "res = f", 5), (STR, "res = c", 2), (BOOL, "res = e", 4),
])
def test_inputs_stay_aligned_across_empty_values(tmp_path, ret, body, pick):
    # Empty strings and lists between other values are where a reader most easily
    # consumes one line too many or too few.
    sig = Signature("mixed", MIXED_SIG_PARAMS, ret)
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, body)
    results, proc = run(tmp_path, sig, code, MIXED_VALUES)
    assert proc.returncode == 0, proc.stderr
    assert [r.value for r in results] == [v[pick] for v in MIXED_VALUES]


@needs_gfortran
def test_crash_is_attributed_to_its_vector(tmp_path):
    sig = Signature("third", (Param("xs", list_of(INT)),), INT)
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, "res = xs(3)")
    results, proc = run(tmp_path, sig, code, [([1, 2, 3],), ([1],), ([4, 5, 6],)])
    assert proc.returncode != 0  # -fcheck=all caught the out-of-bounds read
    assert results[0].complete and results[0].value == 3
    assert len(results) == 2 and not results[1].complete
    assert "bound" in proc.stderr.lower()


@needs_gfortran
def test_unallocated_function_result_fails_its_vector(tmp_path):
    # gfortran copies the function result before the harness can look at it: a result
    # left unallocated crashes (SIGSEGV) or trips the harness check, in vector 2 only.
    sig = Signature("maybe", (Param("n", INT),), list_of(INT))
    body = "if (n > 0) allocate(res(n), source=n)"
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, body)
    results, proc = run(tmp_path, sig, code, [(2,), (0,), (1,)])
    assert results[0].value == [2, 2]
    assert len(results) == 2 and not results[1].complete
    assert proc.returncode != 0


@needs_gfortran
def test_unallocated_out_string_stops_with_a_message(tmp_path):
    sig = Signature("maybe", (Param("n", INT),), tuple_of(INT, STR))
    body = "res1 = n\nif (n > 0) res2 = 'ok'"
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, body)
    results, proc = run(tmp_path, sig, code, [(2,), (0,), (1,)])
    assert results[0].value == (2, "ok")
    assert len(results) == 2 and not results[1].complete
    assert "left result 'res2' unallocated" in proc.stderr and proc.returncode != 0


# ---- the contract compiles against the harness ------------------------------------------

CONTRACT_CASES = [(t, "res = x") for t, *_ in IDENTITY_CASES]


@needs_gfortran
@pytest.mark.parametrize("t, body", CONTRACT_CASES, ids=[str(c[0]) for c in CONTRACT_CASES])
def test_contract_filled_in_compiles_with_harness(tmp_path, t, body):
    sig = Signature("echo", (Param("x", t),), t)
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, body)
    assert FORTRAN.static_check(code, sig) is None
    built = build(tmp_path, sig, code)
    assert built.returncode == 0, built.stderr


@needs_gfortran
def test_contract_with_many_params_and_tuple_result(tmp_path):
    params = tuple(Param(f"p{i}_with_a_long_name", t)
                   for i, t in enumerate([INT, FLOAT, BOOL, STR, list_of(INT), list_of(FLOAT),
                                          list_of(BOOL), list_of(list_of(INT)),
                                          list_of(list_of(FLOAT)), list_of(list_of(BOOL))]))
    sig = Signature("Wide", params, tuple_of(INT, FLOAT, BOOL, STR))
    body = ("res1 = size(p4_with_a_long_name) + p0_with_a_long_name\n"
            "res2 = sum(p8_with_a_long_name) + p1_with_a_long_name\n"
            "res3 = any(p9_with_a_long_name) .or. p2_with_a_long_name\n"
            "res4 = p3_with_a_long_name // '!'")
    code = FORTRAN.contract(sig).replace(BODY_PLACEHOLDER, body)
    assert "&\n" in code  # the header was long enough to need continuation lines
    assert FORTRAN.static_check(code, sig) is None
    args = (5, 0.5, False, "hi ", [1, 2, 3], [1.0], [True], [[1], [2]], [[0.25, 0.25]], [[False]])
    results, proc = run(tmp_path, sig, code, [args])
    assert proc.returncode == 0, proc.stderr
    assert results[0].value == (8, 1.0, False, "hi !")


# ---- supports, registry -------------------------------------------------------------------

@pytest.mark.parametrize("params, ret, reason", [
    ((Param("xs", list_of(STR)),), INT, "unsupported_type:list[str]"),
    ((Param("x", INT),), list_of(STR), "unsupported_type:list[str]"),
    ((Param("_x", INT),), INT, "unsupported_name:_x"),
    ((Param("res", INT),), INT, "unsupported_name:res"),
    ((Param("N", INT), Param("n", INT)), INT, "unsupported_name:n"),
    ((Param("f", INT),), INT, "unsupported_name:f"),
    ((Param("int64", INT),), INT, "unsupported_name:int64"),
    ((Param("res1", INT),), tuple_of(INT, INT), "unsupported_name:res1"),
    ((Param("x", INT),), INT, None),
    ((Param("res", INT),), tuple_of(INT, STR), None),
])
def test_supports(params, ret, reason):
    assert FORTRAN.supports(Signature("f", params, ret)) == reason


def test_unsupported_signature_has_no_contract_or_harness():
    sig = Signature("f", (Param("xs", list_of(STR)),), INT)
    with pytest.raises(UnsupportedProgram, match="unsupported_type:list\\[str\\]"):
        FORTRAN.contract(sig)
    with pytest.raises(UnsupportedProgram):
        FORTRAN.harness_files(sig, "")


def test_supports_rejects_function_named_like_the_module():
    assert FORTRAN.supports(Signature("candidate", (), INT)) == "unsupported_name:candidate"


def test_registry():
    assert FORTRAN.lang in available_langs()
    assert get_toolchain("fortran") is FORTRAN
    assert isinstance(FORTRAN, Toolchain)
    assert FORTRAN.run_argv() == ["./harness"]
    argv = FORTRAN.compile_argv(FORTRAN.harness_files(Signature("f", (), INT), ""))
    assert argv[0] == "gfortran" and "-std=f2018" in argv and "-fcheck=all" in argv
    assert argv.index("candidate.f90") < argv.index("harness.f90")


@needs_gfortran
def test_version():
    assert FORTRAN.version().startswith("gfortran ")


# ---- static checks --------------------------------------------------------------------------

SIG = Signature("f", (Param("n", INT),), INT)


def candidate(body: str = "res = n", header: str = "function f(n) result(res)",
              end: str = "end function f", uses: str = "", after: str = "") -> str:
    return (f"module candidate\n  use, intrinsic :: iso_fortran_env, only: int64, real64\n"
            f"{uses}  implicit none\n  private\n  public :: f\ncontains\n  {header}\n"
            f"    integer(int64), intent(in) :: n\n    integer(int64) :: res\n"
            f"    {body}\n  {end}\nend module candidate\n{after}")


CLEAN = candidate(
    body="""integer(int64) :: printed, reader, systems, stopper, opened
    character(len=:), allocatable :: msg
    ! print this, call system("rm -rf /"), stop, write(*,*) -- all inside a comment
    msg = 'print *, "x"; call system("ls"); stop'
    printed = n; reader = 2; systems = 3; stopper = 4; opened = 5
    res = printed + reader + systems + stopper + opened + len(msg, kind=int64)""",
    uses="  use, intrinsic :: ieee_arithmetic, only: ieee_is_nan\n",
    after="! trailing comment: print\n")


def test_clean_candidate_passes():
    assert FORTRAN.static_check(CLEAN, SIG) is None


@needs_gfortran
def test_clean_candidate_compiles(tmp_path):
    built = build(tmp_path, SIG, CLEAN)
    assert built.returncode == 0, built.stderr


@pytest.mark.parametrize("code, reason", [
    (candidate('call execute_command_line("ls")'), "forbidden:execute_command_line"),
    (candidate('call system("ls")'), "forbidden:system"),
    (candidate('res = system("ls")'), "forbidden:system"),
    (candidate("open(newunit=u, file='x')"), "forbidden:open"),
    (candidate("close(10)"), "forbidden:close"),
    (candidate("inquire(file='x', exist=ok)"), "forbidden:inquire"),
    (candidate("read(*, *) res"), "forbidden:read"),
    (candidate("write(*, *) n"), "forbidden:write"),
    (candidate("if (n > 0) print *, n"), "forbidden:print"),
    (candidate("print '(I0)', n"), "forbidden:print"),
    (candidate("stop"), "forbidden:stop"),
    (candidate("if (n < 0) stop 1"), "forbidden:stop"),
    (candidate('error stop "no"'), "forbidden:error_stop"),
    (candidate(header="function f(n) result(res) bind(c)"), "forbidden:bind(c)"),
    (candidate(uses="  include 'evil.inc'\n"), "forbidden:include"),
    (candidate(uses="  use, intrinsic :: iso_c_binding\n"), "forbidden:use:iso_c_binding"),
    (candidate(uses="  use helpers\n"), "forbidden:use:helpers"),
    (candidate('call get_environment_variable("HOME", s)'), "forbidden:get_environment_variable"),
    (candidate('s = getenv("HOME")'), "forbidden:getenv"),
    (candidate('call chdir("/")'), "forbidden:chdir"),
    (candidate("call sleep(1)"), "forbidden:sleep"),
    (candidate("res = fork()"), "forbidden:fork"),
    (candidate("call exit(1)"), "forbidden:exit"),
    (candidate("call abort()"), "forbidden:abort"),
    (candidate("flush(6)"), "forbidden:flush"),
    (candidate("rewind(6)"), "forbidden:rewind"),
    (candidate(after="program p\nend program p\n"), "forbidden:outside_module"),
    (candidate(after="subroutine ext()\nend subroutine ext\n"), "forbidden:outside_module"),
    # Where tree-sitter-fortran gives up ("end file" is not in its grammar), the regex
    # pass over comment- and string-free text still finds the construct.
    (candidate("end file 10\n    print *, n"), "forbidden:endfile"),
    (candidate("res = n; pri&\n    &nt *, n"), "forbidden:print"),
])
def test_forbidden_constructs_are_rejected(code, reason):
    assert FORTRAN.static_check(code, SIG) == reason


@pytest.mark.parametrize("code", [
    "",
    "subroutine f()\nend subroutine f\n",
    candidate().replace("module candidate", "module other").replace("end module other",
                                                                    "end module candidate"),
    candidate(header="function g(n) result(res)", end="end function g"),
])
def test_missing_definition(code):
    assert FORTRAN.static_check(code, SIG) == "no_definition"


def test_definition_is_case_insensitive():
    code = candidate(header="FUNCTION F(n) RESULT(res)", end="END FUNCTION F")
    assert FORTRAN.static_check(code.replace("module candidate", "MODULE Candidate", 1),
                                Signature("F", SIG.params, INT)) is None
