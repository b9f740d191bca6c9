"""Issue 16: each wrong-sample class found in stored samples now FAILS validation.

Hand-written wrong candidates, each fed to validation on the vector that exposes it (an
explicit suite, so the test does not depend on which vectors a generator keeps), next to
a correct candidate that passes on the same suite:
intermediate int64 overflow (C(62, 31) as a product, then a division), `abs` of the
minimum, a mean in exact decimal (COBOL) where Python divides in floating point, a tiny
float result flushed to zero, and a matrix read past a row's column count.
"""

from __future__ import annotations

import math

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import FLOAT, INT, list_of, parse_type
from tolk.ir.vectors import TestSuite, Vector
from tolk.lang import Lang
from tolk.toolchains.cobol.contract import candidate_program
from tolk.toolchains.fortran.contract import candidate_module
from tolk.toolchains.registry import get_toolchain
from tolk.validators.validate import validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

pytestmark = pytest.mark.slow
FORTRAN, COBOL = get_toolchain(Lang.FORTRAN), get_toolchain(Lang.COBOL)


def _suite(*pairs: tuple[tuple, object]) -> TestSuite:
    return TestSuite(tuple(Vector(args, expected) for args, expected in pairs))


def _check(code: str, sig: Signature, suite: TestSuite, lang: Lang) -> Verdict:
    return validate_candidate(code, sig, suite, get_toolchain(lang))


BINOM = Signature("binom", (Param("n", INT), Param("k", INT)), INT)
# In Python (Pascal's rule, every intermediate fits int64) C(62, 31) is in the contract.
BINOM_SUITE = _suite(((10, 3), 120), ((62, 31), math.comb(62, 31)), ((5, 0), 1))


def test_intermediate_overflow_is_a_runtime_error_in_fortran() -> None:
    product_then_division = candidate_module(BINOM, [
        "integer(int64) :: num, den, i", "num = 1", "den = 1",
        "do i = 1, k", "  num = num * (n - k + i)", "  den = den * i", "end do",
        "res = num / den"])
    v = _check(product_then_division, BINOM, BINOM_SUITE, Lang.FORTRAN)
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.first_failure.index == 1, v.summary()
    assert v.reason == "signal:SIGILL"  # the overflow trap, not a wrapped wrong number
    pascal = candidate_module(BINOM, [
        "integer(int64) :: row(0:100), i, j", "row = 0", "row(0) = 1",
        "do i = 1, n", "  do j = min(i, k), 1, -1", "    row(j) = row(j) + row(j - 1)",
        "  end do", "end do", "res = row(k)"])
    assert _check(pascal, BINOM, BINOM_SUITE, Lang.FORTRAN).ok


def test_intermediate_overflow_is_signalled_by_a_narrow_cobol_store() -> None:
    """COBOL intermediates are exact decimal; a store that does not fit is ON SIZE ERROR."""
    body = ["MOVE 1 TO v-num", "MOVE 1 TO v-den",
            "PERFORM VARYING v-i FROM 1 BY 1 UNTIL v-i > p-k",
            "    COMPUTE v-num = v-num * (p-n - p-k + v-i)",
            "        ON SIZE ERROR MOVE 70 TO RETURN-CODE GOBACK",
            "    END-COMPUTE",
            "    COMPUTE v-den = v-den * v-i", "END-PERFORM",
            "COMPUTE res = v-num / v-den"]
    items = ["01 v-num BINARY-DOUBLE SIGNED.", "01 v-den BINARY-DOUBLE SIGNED.",
             "01 v-i BINARY-DOUBLE SIGNED."]
    v = _check(candidate_program(BINOM, items, body), BINOM, BINOM_SUITE, Lang.COBOL)
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.first_failure.index == 1, v.summary()


def test_abs_of_the_minimum_is_wrong_in_fortran() -> None:
    sig = Signature("half_mag", (Param("x", INT),), INT)
    suite = _suite(((-7,), 3), ((-(2 ** 63),), 2 ** 62))
    v = _check(candidate_module(sig, ["res = abs(x) / 2"]), sig, suite, Lang.FORTRAN)
    assert not v.ok and v.first_failure.index == 1, v.summary()


def test_decimal_mean_where_python_divides_in_floating_point_fails_in_cobol() -> None:
    """int(sum(xs) / len(xs) * 3): Python's float quotient gives 4 on [1, 1, 2]; COBOL's
    exact decimal quotient 1.333... * 3 truncates to 3."""
    sig = Signature("thirds", (Param("xs", list_of(INT)),), INT)
    suite = _suite((([3, 3],), 9), (([1, 1, 2],), int(sum([1, 1, 2]) / 3 * 3)))
    body = ["MOVE 0 TO v-s", "PERFORM VARYING v-i FROM 1 BY 1 UNTIL v-i > p-xs-n",
            "    ADD p-xs-v(v-i) TO v-s", "END-PERFORM",
            "COMPUTE res = FUNCTION INTEGER-PART(v-s / p-xs-n * 3)"]
    items = ["01 v-s BINARY-DOUBLE SIGNED.", "01 v-i BINARY-DOUBLE SIGNED."]
    v = _check(candidate_program(sig, items, body), sig, suite, Lang.COBOL)
    assert v.status is VerdictStatus.WRONG_ANSWER and v.first_failure.index == 1, v.summary()


def test_tiny_float_result_flushed_to_zero_fails() -> None:
    sig = Signature("halve", (Param("x", FLOAT),), FLOAT)
    suite = _suite(((3.0,), 1.5), ((1e-294,), 1e-294 / 2.0), ((-4e-300,), -2e-300))
    flushing = candidate_module(sig, ["res = x / 2.0_real64",
                                      "if (abs(res) < 1.0e-290_real64) res = 0.0_real64"])
    v = _check(flushing, sig, suite, Lang.FORTRAN)
    assert v.status is VerdictStatus.WRONG_ANSWER and v.first_failure.index == 1, v.summary()
    assert _check(candidate_module(sig, ["res = x / 2.0_real64"]), sig, suite,
                  Lang.FORTRAN).ok


MATRIX = Signature("diag", (Param("m", parse_type("list[list[int]]")),), INT)
# A 3x3 then a 3x2 matrix: reading m[2][2] of the second must not see the first's 9.
MATRIX_SUITE = _suite((([[1, 2, 3], [4, 5, 6], [7, 8, 9]],), 15),
                      (([[1, 2], [3, 4], [5, 6]],), 5))


def test_cobol_column_overrun_is_a_runtime_error_not_stale_data() -> None:
    rows_only = ["MOVE 0 TO res", "PERFORM VARYING v-i FROM 1 BY 1 UNTIL v-i > p-m-r",
                 "    ADD p-m-v(v-i, v-i) TO res", "END-PERFORM"]
    v = _check(candidate_program(MATRIX, ["01 v-i BINARY-DOUBLE SIGNED."], rows_only),
               MATRIX, MATRIX_SUITE, Lang.COBOL)
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.first_failure.index == 1, v.summary()
    assert "out of bounds" in v.runtime_output
    bounded = [*rows_only[:1], "PERFORM VARYING v-i FROM 1 BY 1 UNTIL v-i > p-m-r "
               "OR v-i > p-m-c", *rows_only[2:]]
    assert _check(candidate_program(MATRIX, ["01 v-i BINARY-DOUBLE SIGNED."], bounded),
                  MATRIX, MATRIX_SUITE, Lang.COBOL).ok


def test_fortran_column_overrun_is_a_runtime_error() -> None:
    code = candidate_module(MATRIX, ["integer(int64) :: i", "res = 0",
                                     "do i = 1, size(m, 1)", "  res = res + m(i, i)", "end do"])
    v = _check(code, MATRIX, MATRIX_SUITE, Lang.FORTRAN)
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.first_failure.index == 1, v.summary()


def test_lowered_cobol_stores_minus_two_to_the_63_and_signals_real_overflow() -> None:
    """GnuCOBOL 3.1.2 raises SIZE ERROR for a result of exactly -2**63; the lowering's
    handler stores it (in the contract) and signals anything really outside int64."""
    from tolk.ir.frontend import analyze_program
    from tolk.ir.function import Function, Program, content_id
    from tolk.toolchains.cobol.lowering import lower_function

    src = "def dec(x: int) -> int:\n    return x - 1\n"
    (fn,) = [f for f in analyze_program(Program(content_id(src), "dec.py", src))
             if isinstance(f, Function)]
    code = lower_function(fn)
    ok = _suite(((5,), 4), ((-(2 ** 63) + 1,), -(2 ** 63)))
    assert _check(code, fn.signature, ok, Lang.COBOL).ok
    over = _suite(((5,), 4), ((-(2 ** 63),), -(2 ** 63) - 1))  # outside int64: a bad vector
    v = _check(code, fn.signature, over, Lang.COBOL)
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.first_failure.index == 1, v.summary()
    assert "RETURN-CODE 70" in v.runtime_output
