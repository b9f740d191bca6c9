"""Vector hygiene: per-target representability, deliberate non-finite handling, tolerances."""

from __future__ import annotations

import math

from tolk.ir.function import Param, Signature
from tolk.ir.types import FLOAT, INT, STR, list_of, tuple_of
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.registry import get_toolchain
from tolk.validators.compare import Tolerance, values_equal
from tolk.validators.hygiene import REASONS, value_problem, vector_problem


def test_int64_bounds_everywhere() -> None:
    assert value_problem(2**63 - 1, INT) == "" and value_problem(-(2**63), INT) == ""
    assert value_problem(2**63, INT) == "int64_overflow"
    assert value_problem([1, -(2**63) - 1], list_of(INT), ["fortran"]) == "int64_overflow"


def test_non_finite_and_subnormal_floats_are_dropped_with_reasons() -> None:
    assert value_problem(math.nan, FLOAT) == "non_finite_float"
    assert value_problem(-math.inf, FLOAT) == "non_finite_float"
    assert value_problem(5e-324, FLOAT) == "subnormal_float"
    assert value_problem(-0.0, FLOAT) == "" and value_problem(0.1, FLOAT) == ""


def test_cobol_capacities_apply_only_when_cobol_is_requested() -> None:
    long = "a" * 257
    assert value_problem(long, STR, ["cobol"]) == "str_too_long"
    assert value_problem(long, STR, ["fortran", "julia"]) == ""
    assert value_problem("a" * 256, STR, ["cobol"]) == ""
    assert value_problem(list(range(1001)), list_of(INT), ["cobol"]) == "list_too_long"
    assert value_problem(list(range(1001)), list_of(INT), ["cuda"]) == ""
    wide = [[0] * 65]
    assert value_problem(wide, list_of(list_of(INT)), ["cobol"]) == "matrix_too_large"
    assert value_problem(wide, list_of(list_of(INT)), ["fortran"]) == ""
    # No langs means every known target, COBOL included.
    assert value_problem(long, STR) == "str_too_long"
    assert get_toolchain("cobol").value_limits.max_str_len == 256


def test_strings_must_be_printable_ascii_everywhere() -> None:
    assert value_problem("caf\u00e9", STR, ["julia"]) == "non_ascii_str"
    assert value_problem("a\nb", STR, ["julia"]) == "str_control_char"
    assert value_problem("it's \"quoted\"", STR, ["cobol"]) == ""


def test_vector_problem_checks_arguments_then_result() -> None:
    sig = Signature("f", (Param("s", STR), Param("xs", list_of(FLOAT))), tuple_of(INT, FLOAT))
    assert vector_problem(("x" * 300, [1.0]), (1, 2.0), sig, ["cobol"]) == "str_too_long"
    assert vector_problem(("x", [1.0]), (1, math.inf), sig) == "non_finite_float"
    assert vector_problem(("x", [1.0]), (2**64, 1.0), sig) == "int64_overflow"
    assert vector_problem(("x", [1.0]), (1, 1.0), sig) == ""
    assert all(r in REASONS for r in ("str_too_long", "non_finite_float", "int64_overflow"))


def test_suite_tolerances_round_trip_and_drive_comparison() -> None:
    suite = TestSuite((Vector((1.0,), 2.0, True),), ("inputs:1",), line_coverage=0.75,
                      branch_coverage=0.5, rel_tol=1e-3, abs_tol=0.0)
    back = TestSuite.from_json(suite.to_json(), (FLOAT,), FLOAT)
    assert back == suite
    tol = Tolerance.of(back)
    assert values_equal(2.001, 2.0, FLOAT, tol)
    assert not values_equal(2.001, 2.0, FLOAT, Tolerance())
    assert Tolerance.of(TestSuite(())) == Tolerance()


def test_old_suite_json_still_reads() -> None:
    old = '[[[1], 2, true], [[3], 4, false]]'
    s = TestSuite.from_json(old, (INT,), INT)
    assert [v.expected for v in s.vectors] == [2, 4] and s.line_coverage is None
