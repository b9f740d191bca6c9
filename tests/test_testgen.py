"""Test generation: the sandboxed reference, determinism checks and vector hygiene."""

from __future__ import annotations

import math

import pytest

from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, list_of, tuple_of
from tolk.ir.vectors import TestSuite
from tolk.outcome import Rejected, Stage
from tolk.validators.reference import OutcomeKind, RunStatus, run_reference
from tolk.validators.testgen import (
    CRASHED, DEFINITION_FAILED, MIN_VECTORS, NONDETERMINISTIC, RAISES_ON_MOST_INPUTS, REASONS,
    RETURN_TYPE_MISMATCH, TIMEOUT, TOO_FEW_VECTORS, DEFAULT_POLICY, build_test_suite,
    vector_problem)


def make(src: str, name: str, params: list[tuple[str, IRType]], ret: IRType) -> Function:
    return Function(Program("seed-1", "mem://t.py", src),
                    Signature(name, tuple(Param(n, t) for n, t in params), ret), src)


def call(src: str, name: str, args: tuple) -> object:
    ns: dict = {"__name__": "direct"}
    exec(src, ns)
    return ns[name](*args)


def suite(fn: Function, **kw: object) -> TestSuite:
    out = build_test_suite(fn, **kw)  # type: ignore[arg-type]
    assert isinstance(out, TestSuite), out
    return out


def rejected(fn: Function, reason: str, **kw: object) -> Rejected:
    out = build_test_suite(fn, **kw)  # type: ignore[arg-type]
    assert isinstance(out, Rejected), out
    assert out.reason == reason and out.stage is Stage.TESTGEN and out.reason in REASONS, out
    assert out.function == fn.name and out.source_id == "seed-1"
    return out


HELPER = '''
SCALE = 3

def _helper(v):
    return v * SCALE

def scaled_sum(xs: list[int], k: int) -> int:
    """Uses module-level names, like real code."""
    return sum(_helper(x) for x in xs) + k

if __name__ == "__main__":
    raise SystemExit("the module's main block must not run")
'''


def test_simple_function_vectors_equal_direct_calls() -> None:
    fn = make(HELPER, "scaled_sum", [("xs", list_of(INT)), ("k", INT)], INT)
    s = suite(fn, n_inputs=40)
    # 40 coverage-kept vectors plus what the mutation cover adds (at most 16)
    assert 40 <= len(s.vectors) <= 56 and f"vectors:{len(s.vectors)}" in s.notes
    for v in s.vectors:
        assert v.expected == call(HELPER, "scaled_sum", v.args)
    assert len(s.shown) == 3
    assert all(all(a != [] for a in v.args) for v in s.shown)  # non-empty preferred
    assert suite(fn, n_inputs=40) == s  # deterministic


def test_float_and_tuple_returns_are_coerced() -> None:
    src = ("def stats(xs: list[float], n: int) -> tuple[int, float]:\n"
           "    return (len(xs), n if not xs else sum(xs))\n")
    fn = make(src, "stats", [("xs", list_of(FLOAT)), ("n", INT)], tuple_of(INT, FLOAT))
    s = suite(fn, n_inputs=30)
    for v in s.vectors:
        assert isinstance(v.expected, tuple) and type(v.expected[1]) is float
        assert v.expected == call(src, "stats", v.args)


def test_string_function_and_prints_do_not_corrupt_results() -> None:
    src = "def shout(s: str) -> str:\n    print('noise', s)\n    return s.upper() + '!'\n"
    s = suite(make(src, "shout", [("s", STR)], STR), n_inputs=20)
    assert all(v.expected == v.args[0].upper() + "!" for v in s.vectors)


def test_inputs_that_raise_are_dropped_and_noted() -> None:
    src = "def inv(x: int) -> float:\n    if x % 4 == 0:\n        raise ValueError('x')\n    return 1 / x\n"
    fn = make(src, "inv", [("x", INT)], FLOAT)
    s = suite(fn, n_inputs=40, contract_rounds=False, mutation_budget=0)  # generated only
    raised = next(n for n in s.notes if n.startswith("dropped:raised:"))
    n_raised = int(raised.rsplit(":", 1)[1])
    assert n_raised >= 1 and len(s.vectors) + n_raised == 40
    assert all(v.args[0] % 4 != 0 for v in s.vectors)


def test_always_raising_is_rejected() -> None:
    src = "def bad(x: int) -> int:\n    raise RuntimeError('never works')\n"
    r = rejected(make(src, "bad", [("x", INT)], INT), RAISES_ON_MOST_INPUTS, n_inputs=20)
    assert "RuntimeError: never works" in r.detail


def test_infinite_loop_is_a_timeout() -> None:
    src = "def spin(x: int) -> int:\n    while True:\n        x += 1\n"
    rejected(make(src, "spin", [("x", INT)], INT), TIMEOUT, n_inputs=10, input_timeout_s=0.5)


def test_loop_that_swallows_the_alarm_hits_the_wall_clock() -> None:
    src = ("def stubborn(x: int) -> int:\n    while True:\n        try:\n            while True:\n"
           "                pass\n        except BaseException:\n            pass\n")
    policy = type(DEFAULT_POLICY)(wall_seconds=3.0, cpu_seconds=30)
    r = rejected(make(src, "stubborn", [("x", INT)], INT), TIMEOUT, n_inputs=5,
                 input_timeout_s=0.3, policy=policy)
    assert "wall_clock" in r.detail


def test_hash_seed_dependence_is_nondeterministic() -> None:
    src = "def h(x: int) -> int:\n    return (hash('abc') + x) % 1000003\n"
    rejected(make(src, "h", [("x", INT)], INT), NONDETERMINISTIC, n_inputs=10)


def test_unseeded_randomness_is_nondeterministic() -> None:
    src = "import random\ndef r(x: int) -> float:\n    return random.random() + x\n"
    rejected(make(src, "r", [("x", INT)], FLOAT), NONDETERMINISTIC, n_inputs=10)


def test_int64_overflow_vectors_are_dropped() -> None:
    src = "def p(n: int) -> int:\n    return n ** 30\n"
    fn = make(src, "p", [("n", INT)], INT)
    r = rejected(fn, TOO_FEW_VECTORS, n_inputs=30, contract_rounds=False, mutation_budget=0)
    assert "dropped:int64_intermediate:" in r.detail  # the contract check sees it first
    r = rejected(fn, TOO_FEW_VECTORS, n_inputs=30, int64=False, contract_rounds=False,
                 mutation_budget=0)
    assert "dropped:int64_overflow:" in r.detail  # without it, hygiene drops the result
    # the contract rounds draw the small values on purpose (0, ±1, ±2, 3, ...): n**30 fits
    s = suite(fn, n_inputs=30)
    assert len(s.vectors) >= 5 and all(abs(v.expected) < 2**63 for v in s.vectors)
    src2 = "def p(n: int) -> int:\n    return n ** 7\n"  # |n| > 512 overflows
    s = suite(make(src2, "p", [("n", INT)], INT), n_inputs=60, contract_rounds=False,
              mutation_budget=0)
    dropped = next(n for n in s.notes if n.startswith("dropped:int64_intermediate:"))
    assert all(abs(v.expected) < 2**63 for v in s.vectors)
    assert len(s.vectors) + int(dropped.rsplit(":", 1)[1]) == 60


def test_big_ints_reach_float_slots_exactly() -> None:
    src = "def big(n: int) -> float:\n    return 2 ** (abs(n) % 100 + 70)\n"
    # outside the int64 contract (2**70 is an int the reference computes): checked without it
    s = suite(make(src, "big", [("n", INT)], FLOAT), n_inputs=20, int64=False)
    assert all(v.expected == float(2 ** (abs(v.args[0]) % 100 + 70)) for v in s.vectors)


def test_non_finite_and_unprintable_results_are_dropped() -> None:
    src = ("import math\n"
           "def f(x: float) -> float:\n    return math.inf if x > 500 else x\n"
           "def g(s: str) -> str:\n    return s + ('\\n' if 'a' in s else '') + ('\\u00e9' if 'b' in s else '')\n")
    s = suite(make(src, "f", [("x", FLOAT)], FLOAT), n_inputs=60, seed=2)
    assert all(math.isfinite(v.expected) for v in s.vectors)
    s = suite(make(src, "g", [("s", STR)], STR), n_inputs=60, seed=2)
    assert all(v.expected.isascii() and "\n" not in v.expected for v in s.vectors)
    assert any(n.startswith(("dropped:str_control_char", "dropped:non_ascii_str")) for n in s.notes)


@pytest.mark.parametrize("body,ret", [("return None", INT), ("return 'x'", INT), ("return True", INT),
                                      ("return 1", BOOL), ("return [1]", INT), ("return {1}", list_of(INT)),
                                      ("return (1, 2, 3)", tuple_of(INT, INT))])
def test_return_type_mismatch(body: str, ret: IRType) -> None:
    src = f"def m(x: int):\n    {body}\n"
    rejected(make(src, "m", [("x", INT)], ret), RETURN_TYPE_MISMATCH, n_inputs=10)


def test_int_where_float_declared_is_fine() -> None:
    s = suite(make("def d(x: int) -> float:\n    return x * 2\n", "d", [("x", INT)], FLOAT), n_inputs=10)
    assert all(type(v.expected) is float and v.expected == float(2 * v.args[0]) for v in s.vectors)


@pytest.mark.parametrize("src", ["def f(x: int) -> int\n    return x\n",
                                 "import no_such_module\ndef f(x: int) -> int:\n    return x\n",
                                 "def g(x: int) -> int:\n    return x\n",
                                 "raise SystemExit(0)\ndef f(x: int) -> int:\n    return x\n"])
def test_definition_failures(src: str) -> None:
    rejected(make(src, "f", [("x", INT)], INT), DEFINITION_FAILED, n_inputs=10)


def test_hard_crash_is_crashed() -> None:
    src = "import os\ndef f(x: int) -> int:\n    os._exit(3)\n"
    rejected(make(src, "f", [("x", INT)], INT), CRASHED, n_inputs=10)


def test_too_few_vectors_when_most_results_are_unusable() -> None:
    src = "def f(b: bool) -> int:\n    return 1 if b else 0\n"  # only two distinct inputs exist
    r = rejected(make(src, "f", [("b", BOOL)], INT), TOO_FEW_VECTORS, n_inputs=20)
    assert "vectors:2" in r.detail and MIN_VECTORS == 5


def test_reference_run_reports_per_input_outcomes() -> None:
    src = "def f(x: int) -> int:\n    if x < 0:\n        raise KeyError(x)\n    return {0: [1]}.get(x, x)\n"
    fn = make(src, "f", [("x", INT)], INT)
    run = run_reference(fn, [(3,), (-1,), (0,)], policy=DEFAULT_POLICY, hash_seed=1)
    assert run.status is RunStatus.COMPLETED
    assert [o.kind for o in run.outcomes] == [OutcomeKind.OK, OutcomeKind.ERROR, OutcomeKind.TYPE_MISMATCH]
    assert run.outcomes[0].value == 3 and run.outcomes[1].detail == "KeyError: -1"


def test_vector_problem() -> None:
    assert vector_problem(2**63, INT) == "int64_overflow" and vector_problem(-(2**63), INT) == ""
    assert vector_problem([1.0, math.nan], list_of(FLOAT)) == "non_finite_float"
    assert vector_problem([[1], [1, 2]], list_of(list_of(INT))) == "ragged_matrix"
    assert vector_problem((1, "a\tb"), tuple_of(INT, STR)) == "str_control_char"
    assert vector_problem("ok ~", STR) == ""


def test_threads_left_running_by_the_reference_do_not_hang_the_run() -> None:
    src = ("import threading, time\n"
           "def f(x: int) -> int:\n"
           "    threading.Thread(target=time.sleep, args=(60,)).start()\n"
           "    return x + 1\n")
    # 8 inputs only (each leaves a thread: the sandbox's process limit is 64)
    s = suite(make(src, "f", [("x", INT)], INT), n_inputs=8, contract_rounds=False,
              mutation_budget=0)
    assert all(v.expected == v.args[0] + 1 for v in s.vectors)
