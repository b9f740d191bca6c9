"""COBOL harness <-> contract through real cobc: every IR type round-trips exactly as a
parameter and as a result, records are unambiguous and survive crashes, and inputs or
results outside the capacities end the run loudly instead of mis-printing."""

from __future__ import annotations

import math
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, list_of, parse_type, tuple_of
from tolk.toolchains.cobol import COBOL
from tolk.toolchains.cobol.contract import candidate_program
from tolk.toolchains.cobol.types import LIST_CAP, MAT_CAP, STR_CAP
from tolk.validators.strategies import ValueDomain, generate_inputs
from tolk.validators.wire import decode_results, encode_inputs

pytestmark = pytest.mark.skipif(COBOL.availability() is not None, reason="no cobc")

I64_MIN, I64_MAX = -(2**63), 2**63 - 1


def build(tmp_path: Path, sig: Signature, body: list[str], local: list[str] = ()) -> Path:
    code = candidate_program(sig, list(local), body)
    assert COBOL.static_check(code, sig) is None
    files = COBOL.harness_files(sig, code)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    out = subprocess.run(COBOL.compile_argv(files), cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return tmp_path / "harness"


def run(exe: Path, sig: Signature, args: list[tuple[Any, ...]]) -> subprocess.CompletedProcess:
    stdin = encode_inputs(args, [p.type for p in sig.params])
    return subprocess.run([str(exe)], cwd=exe.parent, input=stdin, capture_output=True,
                          text=True, timeout=60)


def bits(x: Any) -> Any:
    """Floats by their bit pattern (so -0.0 != 0.0 and subnormals count), recursively."""
    if isinstance(x, float):
        return struct.pack("<d", x)
    if isinstance(x, (list, tuple)):
        return type(x)(bits(v) for v in x)
    return x


EDGE_INTS = [0, 1, -1, -5, 42, I64_MAX, I64_MIN, I64_MIN + 1, 10**18, -(10**18) - 7]
EDGE_FLOATS = [0.0, -0.0, 1.5, -2.25, 0.1, 1 / 3, 1e-300, -1e300, 5e-324, 2.2250738585072014e-308,
               1.7976931348623157e308, -123456789.123456789, math.pi, math.inf, -math.inf]
EDGE_STRS = ["", " ", "a", "ab  ", "  lead", "x y z", 'quote"s and \'apos\'', "*> not a comment",
             "~!@#$%^&*()_+{}|:<>?`-=[]\\;',./", "z" * STR_CAP]
CASES: dict[str, list[Any]] = {
    "int": EDGE_INTS,
    "float": EDGE_FLOATS,
    "bool": [True, False],
    "str": EDGE_STRS,
    "list[int]": [[], [I64_MIN, 0, I64_MAX], [7] * LIST_CAP],
    "list[float]": [[], [-0.0, 1e-300, 2.5], [0.1] * 17],
    "list[bool]": [[], [True, False, True]],
    "list[str]": [[], [""], ["a ", "", " b", "ccc"], ["q" * STR_CAP] * 3],
    "list[list[int]]": [[], [[], []], [[1, -2, 3], [I64_MIN, I64_MAX, 0]],
                        [[5] * MAT_CAP] * MAT_CAP],
    "list[list[float]]": [[], [[]], [[1.25], [-0.0]], [[1e-300, -1e300], [0.5, 3.0]]],
    "list[list[bool]]": [[], [[True, False], [False, True]]],
}


def _identity(t: IRType) -> list[str]:
    """`res = x` as the contract asks: a table's counts first, then the group MOVE (with
    -fodoslide a group MOVE sizes the receiver by its current counts)."""
    counts = {0: [], 1: ["MOVE p-x-n TO res-n"], 2: ["MOVE p-x-r TO res-r",
                                                     "MOVE p-x-c TO res-c"]}
    return [*counts[0 if t.kind is Kind.STR else t.rank], "MOVE p-x TO res"]


@pytest.mark.parametrize("type_text", sorted(CASES))
def test_identity_round_trips_every_type_exactly(type_text: str, tmp_path: Path) -> None:
    t = parse_type(type_text)
    sig = Signature("ident", (Param("x", t),), t)
    exe = build(tmp_path, sig, _identity(t))
    values = CASES[type_text]
    out = run(exe, sig, [(v,) for v in values])
    assert out.returncode == 0, out.stderr
    decoded = decode_results(out.stdout, t, len(values))
    assert [d.complete and not d.error for d in decoded] == [True] * len(values)
    assert [bits(d.value) for d in decoded] == [bits(v) for v in values]


def test_tuple_result_and_mixed_parameters(tmp_path: Path) -> None:
    ret = tuple_of(INT, FLOAT, BOOL, STR)
    sig = Signature("mix", (Param("n", INT), Param("x", FLOAT), Param("b", BOOL),
                            Param("s", STR), Param("xs", list_of(INT))), ret)
    exe = build(tmp_path, sig, [
        "COMPUTE res-1 = p-n - p-xs-n", "COMPUTE res-2 = p-x * 2", "MOVE p-b TO res-3",
        "MOVE p-s TO res-4"])
    args = [(I64_MAX, 0.25, True, "hi ", [1, 2]), (-3, -1e-200, False, "", [])]
    out = run(exe, sig, args)
    assert out.returncode == 0, out.stderr
    got = [d.value for d in decode_results(out.stdout, ret, 2)]
    assert got == [(I64_MAX - 2, 0.5, True, "hi "), (-3, -2e-200, False, "")]


def test_negative_numbers_are_printed_with_a_plain_leading_sign(tmp_path: Path) -> None:
    sig = Signature("neg", (Param("n", INT), Param("x", FLOAT)), tuple_of(INT, FLOAT))
    exe = build(tmp_path, sig, ["COMPUTE res-1 = 0 - p-n", "COMPUTE res-2 = 0 - p-x"])
    out = run(exe, sig, [(5, 2.5)])
    assert out.stdout.splitlines()[1:3] == ["-5", "-2.5"]  # no overpunch (`p000...`)


def test_names_cobol_cannot_hold_are_refused() -> None:
    assert COBOL.supports(Signature("a" * 29, (), INT)) == f"unsupported_name:{'a' * 29}"
    assert COBOL.supports(Signature("f", (Param("n", INT), Param("N", INT)), INT)) \
        == "unsupported_name:N"
    assert COBOL.supports(Signature("f", (Param("m", parse_type("list[list[int]]")),),
                                    tuple_of(INT, INT))) is None


def test_nan_result_prints_something_python_reads_as_nan(tmp_path: Path) -> None:
    sig = Signature("ident", (Param("x", FLOAT),), FLOAT)
    exe = build(tmp_path, sig, ["MOVE p-x TO res"])
    out = run(exe, sig, [(math.nan,)])
    (d,) = decode_results(out.stdout, FLOAT, 1)
    assert d.complete and math.isnan(d.value)


@pytest.mark.parametrize("sig_text", [
    ("f", ["int", "float", "bool", "str"], "int"),
    ("g", ["list[str]", "list[list[bool]]"], "tuple[int, str, bool]"),
    ("h", [], "list[list[float]]"),
    ("name_of_exactly_28_character", ["list[float]"], "str"),
])
def test_contract_skeleton_compiles_with_the_harness(sig_text, tmp_path: Path) -> None:
    name, params, ret = sig_text
    sig = Signature(name, tuple(Param(f"p{i}", parse_type(t)) for i, t in enumerate(params)),
                    parse_type(ret, allow_tuple=True))
    code = COBOL.contract(sig)
    assert "*> your code here" in code and COBOL.static_check(code, sig) is None
    files = COBOL.harness_files(sig, code)
    for fname, text in files.items():
        (tmp_path / fname).write_text(text)
    out = subprocess.run(COBOL.compile_argv(files), cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_a_runtime_check_failure_keeps_earlier_records(tmp_path: Path) -> None:
    """Subscript checks (-debug) end the run nonzero; vector 1's record is complete."""
    sig = Signature("at", (Param("xs", list_of(INT)), Param("i", INT)), INT)
    exe = build(tmp_path, sig, ["MOVE p-xs-v(p-i + 1) TO res"])
    out = run(exe, sig, [([1, 2, 3], 2), ([1, 2, 3], 3), ([4], 0)])
    assert out.returncode != 0
    assert "out of bounds" in out.stderr
    decoded = decode_results(out.stdout, INT, 3)
    assert [(d.complete, d.value) for d in decoded] == [(True, 3), (False, None)]


def test_stdout_is_written_through_before_a_sigkill(tmp_path: Path) -> None:
    """Vector 2 kills the process: vector 1's record must already be in the pipe."""
    sig = Signature("hang", (Param("n", INT),), INT)
    exe = build(tmp_path, sig, ["MOVE p-n TO res", "IF p-n = 2",
                                "    PERFORM UNTIL EXIT", "    END-PERFORM", "END-IF"])
    proc = subprocess.Popen([str(exe)], cwd=tmp_path, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(encode_inputs([(1,), (2,)], [INT]))
    proc.stdin.close()
    lines = [proc.stdout.readline() for _ in range(4)]  # blocks until written through
    proc.kill()
    proc.wait()
    assert lines == ["@@ 1\n", "1\n", "@@end 1\n", "@@ 2\n"]


def test_inputs_beyond_capacity_end_the_run_loudly(tmp_path: Path) -> None:
    sig = Signature("slen", (Param("s", STR),), INT)
    exe = build(tmp_path, sig, ["MOVE p-s-len TO res"])
    out = run(exe, sig, [("ok",), ("z" * (STR_CAP + 1),)])
    assert out.returncode == 3
    assert "capacities" in out.stderr
    decoded = decode_results(out.stdout, INT, 2)
    assert [(d.complete, d.value) for d in decoded] == [(True, 2)]


@pytest.mark.parametrize("ret", [STR, list_of(FLOAT), list_of(list_of(INT))])
def test_a_result_left_unset_is_an_error_not_a_record(ret: IRType, tmp_path: Path) -> None:
    sig = Signature("lazy", (Param("n", INT),), ret)
    exe = build(tmp_path, sig, ["CONTINUE"])
    out = run(exe, sig, [(1,)])
    assert out.returncode == 3
    assert "left result 'res'" in out.stderr
    assert decode_results(out.stdout, ret, 1)[0].complete is False


WIDE = ValueDomain(int_min=I64_MIN, int_max=I64_MAX, float_min=-1e300, float_max=1e300,
                   max_list_len=40, max_str_len=STR_CAP, max_rows=MAT_CAP, max_cols=8)


@pytest.mark.parametrize("type_text", ["int", "float", "str", "list[float]", "list[str]",
                                       "list[list[int]]"])
def test_generated_values_round_trip_exactly(type_text: str, tmp_path: Path) -> None:
    """Hypothesis draws over the whole int64/double range and the full capacities."""
    t = parse_type(type_text)
    sig = Signature("ident", (Param("x", t),), t)
    exe = build(tmp_path, sig, _identity(t))
    args = generate_inputs(sig, 150, seed=7, domain=WIDE)
    out = run(exe, sig, args)
    assert out.returncode == 0, out.stderr
    decoded = decode_results(out.stdout, t, len(args))
    assert [bits(d.value) for d in decoded] == [bits(a[0]) for a in args]


def test_a_candidate_signalling_overflow_fails_its_vector(tmp_path: Path) -> None:
    """ON SIZE ERROR -> non-zero RETURN-CODE -> the harness stops on that vector."""
    sig = Signature("sq", (Param("n", INT),), INT)
    exe = build(tmp_path, sig, ["COMPUTE res = p-n * p-n",
                                "    ON SIZE ERROR MOVE 70 TO RETURN-CODE GOBACK",
                                "END-COMPUTE"])
    out = run(exe, sig, [(3,), (5_000_000_000,), (4,)])
    assert out.returncode == 4 and "RETURN-CODE 70" in out.stderr
    d = decode_results(out.stdout, INT, 3)
    assert d[0].value == 9 and d[1].complete is False


def test_a_matrix_read_past_the_column_count_is_a_runtime_error(tmp_path: Path) -> None:
    """Nested ODO + -fodoslide: -debug checks both subscripts against the current counts,
    so a read past a row's columns never returns the previous vector's data."""
    t = parse_type("list[list[int]]")
    sig = Signature("corner", (Param("m", t),), INT)
    exe = build(tmp_path, sig, ["MOVE p-m-v(1, 3) TO res"])
    out = run(exe, sig, [([[1, 2, 3]],), ([[4, 5]],)])
    assert out.returncode != 0 and "subscript of 'p-m-v' out of bounds" in out.stderr
    d = decode_results(out.stdout, INT, 2)
    assert d[0].value == 3 and d[1].complete is False
    (tmp_path / "rows").mkdir()
    rows = build(tmp_path / "rows", sig, ["MOVE p-m-v(2, 1) TO res"])
    out = run(rows, sig, [([[1], [2]],), ([[4]],)])
    assert out.returncode != 0 and decode_results(out.stdout, INT, 2)[1].complete is False


def test_a_compute_read_past_the_count_sees_poison_not_the_previous_vector(tmp_path: Path) -> None:
    """GnuCOBOL 3.1.2 does not check subscripts inside COMPUTE expressions (-debug checks
    MOVE, IF, ADD...): the harness fills each input table to capacity with poison first."""
    sig = Signature("third", (Param("xs", list_of(INT)),), INT)
    exe = build(tmp_path, sig, ["COMPUTE res = p-xs-v(3) + 0"])
    out = run(exe, sig, [([1, 2, 3],), ([4],)])
    d = decode_results(out.stdout, INT, 2)
    assert d[0].value == 3 and d[1].value == -(2 ** 63) + 1  # never the stale 3
