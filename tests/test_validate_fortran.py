"""Validation verdicts on real gfortran candidates: good, wrong, slow and hostile."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.fortran import FORTRAN
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import VerdictStatus

SRC = '''
def count_below(xs: list[int], limit: int) -> int:
    """Count the elements of xs that are below limit."""
    n = 0
    for i in range(len(xs)):
        if xs[i] < limit:
            n += 1
    return n
'''

HEADER = """module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: count_below
contains
  function count_below(xs, limit) result(res)
    integer(int64), intent(in) :: xs(:)
    integer(int64), intent(in) :: limit
    integer(int64) :: res
    integer(int64) :: i
"""
FOOTER = """  end function count_below
end module candidate
"""


def candidate(body: str) -> str:
    return HEADER + body + FOOTER


@pytest.fixture(scope="module")
def fn_and_suite():
    fn = analyze_source(SRC)[0]
    assert isinstance(fn, Function)
    suite = build_test_suite(fn, n_inputs=40)
    assert not isinstance(suite, Rejected), suite
    return fn, suite


LIMITS = ValidationLimits(run=dataclasses.replace(ValidationLimits().run, wall_seconds=3.0,
                                                  cpu_seconds=3))


def test_lowered_candidate_passes(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    cand = LoweringTranslator().translate(fn, suite, Lang.FORTRAN)
    assert not isinstance(cand, Rejected)
    v = validate_candidate(cand.code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.PASSED, v
    assert v.passed == v.total == len(suite.vectors)
    assert v.ran_on == "bwrap"


def test_off_by_one_is_wrong_answer_with_first_failing_vector(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    # <= instead of <: wrong exactly on vectors where some element equals the limit.
    code = candidate("""    res = 0
    do i = 1, size(xs)
      if (xs(i) <= limit) res = res + 1
    end do
""")
    v = validate_candidate(code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.WRONG_ANSWER, v
    ff = v.first_failure
    assert ff is not None
    bad = suite.vectors[ff.index]
    assert ff.expected == repr(bad.expected)
    assert int(ff.got) != bad.expected
    assert v.passed < v.total


def test_off_by_one_loop_bound_is_caught(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    code = candidate("""    res = 0
    do i = 1, size(xs) - 1
      if (xs(i) < limit) res = res + 1
    end do
""")
    v = validate_candidate(code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.WRONG_ANSWER, v


def test_infinite_loop_times_out_within_the_limit(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    code = candidate("""    res = 0
    i = 0
    do while (i >= 0)
      res = res + 1
      if (res > 1000) res = 0
    end do
""")
    v = validate_candidate(code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.TIMEOUT, v
    assert v.first_failure is not None and v.first_failure.index == 0
    assert v.run_s < LIMITS.run.wall_seconds + 5  # killed by the wall clock, not left to run


def test_out_of_bounds_is_runtime_error_attributed_to_a_vector(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    code = candidate("""    res = 0
    do i = 1, size(xs) + 1
      if (xs(i) < limit) res = res + 1
    end do
""")
    v = validate_candidate(code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.RUNTIME_ERROR, v
    assert v.first_failure is not None and "crashed" in v.first_failure.got


def test_execute_command_line_is_rejected_statically(fn_and_suite, tmp_path: Path) -> None:
    fn, suite = fn_and_suite
    marker = tmp_path / "pwned"
    code = candidate(f"""    call execute_command_line("touch {marker}")
    res = 0
""")
    v = validate_candidate(code, fn.signature, suite, FORTRAN, LIMITS)
    assert v.status is VerdictStatus.REJECTED_STATIC
    assert v.reason == "forbidden:execute_command_line"
    assert not marker.exists()


def socket_candidate(port: int) -> str:
    """A candidate that connects to 127.0.0.1:port through C interop."""
    hi, lo = divmod(port, 256)
    signed = [b - 256 if b > 127 else b for b in (hi, lo)]
    return candidate(f"""    interface
      function c_socket(d, t, p) bind(c, name="socket")
        import :: c_int
        integer(c_int), value :: d, t, p
        integer(c_int) :: c_socket
      end function
      function c_connect(fd, addr, alen) bind(c, name="connect")
        import :: c_int, c_int8_t
        integer(c_int), value :: fd
        integer(c_int8_t), intent(in) :: addr(16)
        integer(c_int), value :: alen
        integer(c_int) :: c_connect
      end function
    end interface
    integer(c_int) :: fd, rc
    integer(c_int8_t) :: sa(16)
    sa = 0_c_int8_t
    sa(1) = 2_c_int8_t
    sa(3) = {signed[0]}_c_int8_t
    sa(4) = {signed[1]}_c_int8_t
    sa(5) = 127_c_int8_t
    sa(8) = 1_c_int8_t
    fd = c_socket(2_c_int, 1_c_int, 0_c_int)
    rc = c_connect(fd, sa, 16_c_int)
    res = int(rc, int64)
""").replace("use, intrinsic :: iso_fortran_env, only: int64, real64",
             "use, intrinsic :: iso_fortran_env, only: int64, real64\n"
             "  use, intrinsic :: iso_c_binding, only: c_int, c_int8_t")


@dataclasses.dataclass(frozen=True)
class _NoStaticChecks:
    """The Fortran toolchain with static checks disabled: proves the sandbox holds alone."""
    inner: object = FORTRAN

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def static_check(self, code: str, sig: Signature) -> None:
        return None


def test_hostile_candidates_are_contained_by_the_sandbox(fn_and_suite, tmp_path: Path) -> None:
    """Past the static checks, shell-outs and sockets still cannot touch the machine."""
    fn, suite = fn_and_suite
    marker = tmp_path / "pwned"
    os.chmod(tmp_path, 0o777)  # even a world-writable target stays out of the sandbox's reach
    shell = candidate(f"""    call execute_command_line("touch {marker}; echo hi > {marker}")
    res = 0
""")
    v = validate_candidate(shell, fn.signature, suite, _NoStaticChecks(), LIMITS)
    assert v.status is not VerdictStatus.PASSED
    assert not marker.exists()

    # A socket through C interop: connect() to a listener on the host's loopback.
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    sock = socket_candidate(port)
    v = validate_candidate(sock, fn.signature, suite, _NoStaticChecks(), LIMITS)
    assert v.status is not VerdictStatus.PASSED
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()
    assert FORTRAN.static_check(sock, fn.signature) is not None
