"""Writes mutants/*.f90|*.cob from good.f90/good.cob by the hand-written edits below.

Each mutant is a behaviour-changing edit of the kind an audit (or an LLM) makes: a loop
capped at a fixed count, an accumulator narrowed (32-bit Fortran `integer`, a small COBOL
PICTURE), a comparison relaxed where it matters only for neighbouring values, a boundary
moved (a parameter at 0), off-by-one and early exits. The good files are `tolk translate`
output at the time of writing; the edits below are the data: tests apply them with
`mutant_texts()` (`python _make.py` writes them out as mutants/*.f90|*.cob to look at).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).parent
I64 = "integer(int64) :: "

# fn -> ext -> [(mutant name, kind, [(old, new), ...])]
SPEC: dict[str, dict[str, list[tuple[str, str, list[tuple[str, str]]]]]] = {
    "digit_sum": {
        "f90": [
            ("cap12", "loop capped", [(f"{I64}n_copy\n", f"{I64}n_copy\n    integer :: t_cap\n"),
                                      ("    s = 0_int64\n", "    s = 0_int64\n    t_cap = 0\n"),
                                      ("do while (n_copy > 0_int64)", "do while (n_copy > 0_int64 .and. t_cap < 12)"),
                                      ("      n_copy = py_floordiv_i", "      t_cap = t_cap + 1\n      n_copy = py_floordiv_i")]),
            ("narrow32", "narrowed", [(f"{I64}n_copy", "integer :: n_copy"),
                                      ("modulo(n_copy, 10_int64)", "modulo(n_copy, 10)"),
                                      ("py_floordiv_i(n_copy, 10_int64)", "n_copy / 10")]),
            ("neg_boundary", "boundary", [("if (n_copy < 0_int64)", "if (n_copy < -1_int64)")]),
            ("drop_top_digit", "early exit", [("do while (n_copy > 0_int64)", "do while (n_copy > 9_int64)")]),
        ],
        "cob": [
            ("cap12", "loop capped", [("PERFORM UNTIL NOT (v-n > 0)", "PERFORM 12 TIMES")]),
            ("narrow9", "narrowed", [("01 v-n BINARY-DOUBLE SIGNED.", "01 v-n PIC S9(9) COMP-5.")]),
            ("neg_boundary", "boundary", [("IF v-n < 0\n", "IF v-n < -1\n")]),
            ("drop_top_digit", "early exit", [("PERFORM UNTIL NOT (v-n > 0)", "PERFORM UNTIL NOT (v-n > 9)")]),
        ],
    },
    "run_count": {
        "f90": [
            ("cap8", "loop capped", [("do i = 1_int64, size(xs, kind=int64) - 1", "do i = 1_int64, min(size(xs, kind=int64) - 1, 7_int64)")]),
            ("relaxed", "comparison relaxed", [("if (xs(i + 1) /= xs(i))", "if (abs(xs(i + 1) - xs(i)) > 1_int64)")]),
            ("single_boundary", "boundary", [("if (size(xs, kind=int64) == 0_int64)", "if (size(xs, kind=int64) <= 1_int64)")]),
            ("skip_first", "off-by-one", [("do i = 1_int64, size(xs", "do i = 2_int64, size(xs")]),
        ],
        "cob": [
            ("cap8", "loop capped", [("UNTIL t-1 >= p-xs-n", "UNTIL t-1 >= p-xs-n OR t-1 >= 8")]),
            ("relaxed", "comparison relaxed", [("IF p-xs-v(v-i + 1) NOT = p-xs-v(t-2 + 1)", "IF FUNCTION ABS(p-xs-v(v-i + 1) - p-xs-v(t-2 + 1)) > 1")]),
            ("single_boundary", "boundary", [("IF p-xs-n = 0", "IF p-xs-n <= 1")]),
            ("narrow2", "narrowed", [("01 v-runs BINARY-DOUBLE SIGNED.", "01 v-runs PIC S99.")]),
        ],
    },
    "binom": {
        "f90": [
            ("cap20", "loop capped", [("do i = 1_int64, k + 1_int64 - 1", "do i = 1_int64, min(k, 20_int64)")]),
            ("narrow32", "narrowed", [(f"{I64}r\n", "integer :: r\n")]),
            ("k_eq_n", "boundary", [("k > n)", "k >= n)")]),
            ("k_zero", "boundary at 0", [("if (k < 0_int64", "if (k <= 0_int64")]),
        ],
        "cob": [
            ("cap20", "loop capped", [("UNTIL t-1 >= t-2", "UNTIL t-1 >= t-2 OR t-1 > 20")]),
            ("narrow9", "narrowed", [("01 v-r BINARY-DOUBLE SIGNED.", "01 v-r PIC S9(9) COMP-5.")]),
            ("k_eq_n", "boundary", [("(p-k > p-n)", "(p-k >= p-n)")]),
            ("k_zero", "boundary at 0", [("IF (p-k < 0)", "IF (p-k <= 0)")]),
        ],
    },
    "count_changes": {
        "f90": [
            ("relaxed", "comparison relaxed", [("if (xs(i + 1) /= xs(i + 2))", "if (abs(xs(i + 1) - xs(i + 2)) > 1_int64)")]),
            ("cap7", "loop capped", [("size(xs, kind=int64) - 1_int64 - 1", "min(size(xs, kind=int64) - 1_int64 - 1, 6_int64)")]),
            ("skip_last", "off-by-one", [("size(xs, kind=int64) - 1_int64 - 1", "size(xs, kind=int64) - 1_int64 - 2")]),
            ("strict_up", "comparison relaxed", [("if (xs(i + 1) /= xs(i + 2))", "if (xs(i + 1) < xs(i + 2))")]),
        ],
        "cob": [
            ("relaxed", "comparison relaxed", [("IF p-xs-v(v-i + 1) NOT = p-xs-v(t-3 + 1)", "IF FUNCTION ABS(p-xs-v(v-i + 1) - p-xs-v(t-3 + 1)) > 1")]),
            ("cap7", "loop capped", [("UNTIL t-1 >= t-2", "UNTIL t-1 >= t-2 OR t-1 >= 7")]),
            ("skip_last", "off-by-one", [("COMPUTE t-2 = (p-xs-n - 1)", "COMPUTE t-2 = (p-xs-n - 2)")]),
        ],
    },
    "count_vowels": {
        "f90": [
            ("cap12", "loop capped", [("do t_k1 = 1, len(s, kind=int64)", "do t_k1 = 1, min(len(s, kind=int64), 12_int64)")]),
            ("no_upper_u", "constant", [("py_str_eq(ch, 'U')", "py_str_eq(ch, 'Y')")]),
            ("no_o", "constant", [("py_str_eq(ch, 'o')", "py_str_eq(ch, 'q')")]),
            ("skip_first", "off-by-one", [("do t_k1 = 1, len(s", "do t_k1 = 2, len(s")]),
        ],
        "cob": [
            ("cap12", "loop capped", [("UNTIL t-1 > p-s-len", "UNTIL t-1 > p-s-len OR t-1 > 12")]),
            ("no_upper_u", "constant", [('v-ch-txt(1:1) = "U")', 'v-ch-txt(1:1) = "Y")')]),
            ("skip_first", "off-by-one", [("PERFORM VARYING t-1 FROM 1 BY 1 UNTIL t-1 > p-s-len", "PERFORM VARYING t-1 FROM 2 BY 1 UNTIL t-1 > p-s-len")]),
            ("narrow2", "narrowed", [("01 v-n BINARY-DOUBLE SIGNED.", "01 v-n PIC 99.")]),
        ],
    },
    "diag_sum": {
        "f90": [
            ("cap4", "loop capped", [("do i = 0_int64, n - 1", "do i = 0_int64, min(n - 1, 3_int64)")]),
            ("rows_only", "column overrun", [("n = min(size(m, 1, kind=int64), size(t_r1x0x1x0, kind=int64))", "n = size(m, 1, kind=int64)")]),
            ("narrow32", "narrowed", [(f"{I64}total", "integer :: total")]),
            ("skip_first", "off-by-one", [("do i = 0_int64, n - 1", "do i = 1_int64, n - 1")]),
        ],
        "cob": [
            ("cap4", "loop capped", [("UNTIL t-3 >= v-n", "UNTIL t-3 >= v-n OR t-3 >= 4")]),
            # The column overrun itself: only the nested ODO's subscript check can stop it.
            ("rows_only", "column overrun", [("COMPUTE v-n = FUNCTION MIN(p-m-r, p-m-c)", "COMPUTE v-n = p-m-r"),
                                             ("IF v-i < 0 OR v-i >= (p-m-c)", "IF v-i < 0 OR v-i >= 64")]),
            ("narrow6", "narrowed", [("01 v-total BINARY-DOUBLE SIGNED.", "01 v-total PIC S9(6).")]),
        ],
    },
    "horner": {
        "f90": [
            ("narrow32", "narrowed", [(f"{I64}acc", "integer :: acc")]),
            ("cap6", "loop capped", [("do t_k1 = 1, size(coeffs, kind=int64)", "do t_k1 = 1, min(size(coeffs, kind=int64), 6_int64)")]),
            ("x_zero", "boundary at 0", [("    acc = 0_int64\n", "    if (x == 0_int64 .and. size(coeffs) > 0) then\n      res = coeffs(1)\n      return\n    end if\n    acc = 0_int64\n")]),
            ("start_one", "constant", [("    acc = 0_int64\n", "    acc = 1_int64\n")]),
        ],
        "cob": [
            ("narrow9", "narrowed", [("01 v-acc BINARY-DOUBLE SIGNED.", "01 v-acc PIC S9(9) COMP-5.")]),
            ("cap6", "loop capped", [("UNTIL t-1 > p-coeffs-n", "UNTIL t-1 > p-coeffs-n OR t-1 > 6")]),
            ("x_zero", "boundary at 0", [("    MOVE 0 TO v-acc\n", "    MOVE 0 TO v-acc\n    IF p-x = 0 AND p-coeffs-n > 0\n        MOVE p-coeffs-v(1) TO res\n        GOBACK\n    END-IF\n")]),
        ],
    },
    "ipow": {
        "f90": [
            ("e_zero", "boundary at 0", [("if (e_copy < 0_int64)", "if (e_copy <= 0_int64)")]),
            ("b_zero", "boundary at 0", [("    r = 1_int64\n", "    if (b_copy == 0_int64) then\n      res = 0_int64\n      return\n    end if\n    r = 1_int64\n")]),
            ("narrow32", "narrowed", [(f"{I64}r\n", "integer :: r\n")]),
            ("cap5", "loop capped", [(f"{I64}e_copy\n", f"{I64}e_copy\n    integer :: t_cap\n"),
                                     ("    r = 1_int64\n", "    r = 1_int64\n    t_cap = 0\n"),
                                     ("do while (e_copy > 0_int64)", "do while (e_copy > 0_int64 .and. t_cap < 5)\n      t_cap = t_cap + 1")]),
        ],
        "cob": [
            ("e_zero", "boundary at 0", [("IF v-e < 0\n", "IF v-e <= 0\n")]),
            ("b_zero", "boundary at 0", [("    MOVE p-e TO v-e\n", "    MOVE p-e TO v-e\n    IF v-b = 0\n        MOVE 0 TO res\n        GOBACK\n    END-IF\n")]),
            ("cap5", "loop capped", [("PERFORM UNTIL NOT (v-e > 0)", "PERFORM 5 TIMES")]),
            ("narrow9", "narrowed", [("01 v-r BINARY-DOUBLE SIGNED.", "01 v-r PIC S9(9) COMP-5.")]),
        ],
    },
    "isqrt": {
        "f90": [
            ("strict", "comparison relaxed", [("if (mid * mid <= n)", "if (mid * mid < n)")]),
            ("hi32", "narrowed", [("hi = 3037000499_int64", "hi = 2147483647_int64")]),
            ("one_boundary", "boundary", [("if (n <= 0_int64)", "if (n <= 1_int64)")]),
            ("cap20", "loop capped", [(f"{I64}mid\n", f"{I64}mid\n    integer :: t_cap\n"),
                                      ("    lo = 0_int64\n", "    lo = 0_int64\n    t_cap = 0\n"),
                                      ("do while (lo < hi)", "do while (lo < hi .and. t_cap < 20)\n      t_cap = t_cap + 1")]),
        ],
        "cob": [
            ("strict", "comparison relaxed", [("IF (v-mid * v-mid) <= p-n", "IF (v-mid * v-mid) < p-n")]),
            ("hi32", "narrowed", [("MOVE 3037000499 TO v-hi", "MOVE 2147483647 TO v-hi")]),
            ("one_boundary", "boundary", [("IF p-n <= 0", "IF p-n <= 1")]),
            ("narrow9", "narrowed", [("01 v-lo BINARY-DOUBLE SIGNED.", "01 v-lo PIC S9(9) COMP-5.")]),
        ],
    },
    "longest_run": {
        "f90": [
            ("cap12", "loop capped", [("do i = 0_int64, len(s, kind=int64) - 1", "do i = 0_int64, min(len(s, kind=int64) - 1, 11_int64)")]),
            ("empty_one", "boundary", [("    best = 0_int64\n", "    best = 1_int64\n")]),
            ("from_second", "off-by-one", [("t_b2a0x0 = i > 0_int64", "t_b2a0x0 = i > 1_int64")]),
        ],
        "cob": [
            ("cap12", "loop capped", [("UNTIL t-1 >= t-2", "UNTIL t-1 >= t-2 OR t-1 >= 12")]),
            ("empty_one", "boundary", [("    MOVE 0 TO v-best\n", "    MOVE 1 TO v-best\n")]),
            ("from_second", "off-by-one", [("        IF v-i > 0\n", "        IF v-i > 1\n")]),
        ],
    },
    "row_max_sum": {
        "f90": [
            ("relaxed", "comparison relaxed", [("if (x > best)", "if (x > best + 1_int64)")]),
            ("zero_start", "boundary", [("best = row(1)", "best = 0_int64")]),
            ("cap4", "loop capped", [("do t_k1a0a1 = 1, size(row, kind=int64)", "do t_k1a0a1 = 1, min(size(row, kind=int64), 4_int64)")]),
            ("narrow32", "narrowed", [(f"{I64}total", "integer :: total")]),
        ],
        "cob": [
            ("relaxed", "comparison relaxed", [("IF v-x > v-best", "IF v-x > v-best + 1")]),
            ("zero_start", "boundary", [("MOVE v-row-v(0 + 1) TO v-best", "MOVE 0 TO v-best")]),
            ("cap4", "loop capped", [("UNTIL t-3 > v-row-n", "UNTIL t-3 > v-row-n OR t-3 > 4")]),
            ("narrow4", "narrowed", [("01 v-total BINARY-DOUBLE SIGNED.", "01 v-total PIC S9(4).")]),
        ],
    },
}

COMMENT = {"f90": "!", "cob": "*>"}


def mutant_texts() -> Iterator[tuple[str, str, str, str]]:
    """(function, extension, mutant name, mutant source) for every edit in SPEC."""
    for fn, by_ext in SPEC.items():
        for ext, mutants in by_ext.items():
            good = (HERE / fn / f"good.{ext}").read_text()
            for name, kind, edits in mutants:
                text = good
                for old, new in edits:
                    assert text.count(old) == 1, (fn, ext, name, old)
                    text = text.replace(old, new)
                yield fn, ext, name, f"{COMMENT[ext]} mutant {name}: {kind}\n" + text


def main() -> None:
    """Write the mutants out as files, to read or compile them by hand."""
    n = 0
    for fn, ext, name, text in mutant_texts():
        out = HERE / fn / "mutants"
        out.mkdir(exist_ok=True)
        (out / f"{name}.{ext}").write_text(text)
        n += 1
    print(n, "mutants")


if __name__ == "__main__":
    main()
