"""Coverage measured inside the sandbox, coverage-guided generation and the low-coverage filter."""

from __future__ import annotations

from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.types import BOOL, INT, STR, IRType
from tolk.ir.vectors import TestSuite
from tolk.outcome import Rejected, Stage
from tolk.validators.coverage import (BranchPoint, Trace, branch_points, measure, raise_lines,
                                      select_vectors)
from tolk.validators.reference import run_reference
from tolk.validators.testgen import DEFAULT_POLICY, LOW_COVERAGE, REASONS, build_test_suite

CLASSIFY = '''def classify(x):
    """Sign, with a rare branch."""
    if x > 10 ** 7:
        return 99
    if x > 0:
        return 1
    elif x < 0:
        return -1
    return 0
'''


def make(src: str, name: str, params: list[tuple[str, IRType]], ret: IRType) -> Function:
    return Function(Program("cov-1", "mem://c.py", src),
                    Signature(name, tuple(Param(n, t) for n, t in params), ret), src)


def test_branch_points_from_the_source() -> None:
    pts = branch_points(CLASSIFY, 1)
    assert [p.test_lines for p in pts] == [(3,), (5,), (7,)]
    assert [p.true_line for p in pts] == [4, 6, 8]
    assert branch_points(CLASSIFY, 2) == ()  # no def on line 2
    assert branch_points("def (:\n", 1) == ()
    src = "def f(xs):\n    for x in xs:\n        if x: raise ValueError(x)\n    return 0\n"
    assert branch_points(src, 1) == (BranchPoint((2,), 3),)  # one-line if body: no point
    assert raise_lines(src, 1) == frozenset({3})


def test_worker_reports_lines_and_arcs() -> None:
    fn = make(CLASSIFY, "classify", [("x", INT)], INT)
    run = run_reference(fn, [(5,), (0,)], policy=DEFAULT_POLICY, hash_seed=1, coverage=True)
    assert run.executable_lines == (3, 4, 5, 6, 7, 8, 9) and run.first_line == 1
    assert run.outcomes[0].lines == (3, 5, 6)
    assert (5, 6) in run.outcomes[0].arcs and (6, -1) in run.outcomes[0].arcs
    assert run.outcomes[1].lines == (3, 5, 7, 9)
    untraced = run_reference(fn, [(5,)], policy=DEFAULT_POLICY, hash_seed=1)
    assert untraced.outcomes[0].lines == () and untraced.executable_lines == ()


def test_measure_and_select_keep_coverage() -> None:
    pts = branch_points(CLASSIFY, 1)
    exe = [3, 4, 5, 6, 7, 8, 9]
    pos = Trace(frozenset({3, 5, 6}), frozenset({(3, 5), (5, 6), (6, -1)}))
    neg = Trace(frozenset({3, 5, 7, 8}), frozenset({(3, 5), (5, 7), (7, 8), (8, -1)}))
    zero = Trace(frozenset({3, 5, 7, 9}), frozenset({(3, 5), (5, 7), (7, 9), (9, -1)}))
    rep = measure([pos, neg, zero], exe, pts)
    assert (rep.lines_hit, rep.lines_total) == (6, 7)
    assert (rep.branches_hit, rep.branches_total) == (5, 6)  # x > 10 ** 7 never true
    assert measure([], exe, pts).line == 0.0 and measure([], [], pts).line is None
    traces = [pos, pos, neg, pos, zero, neg]
    chosen = select_vectors(traces, exe, pts, cap=1)
    assert measure([traces[i] for i in chosen], exe, pts) == measure(traces, exe, pts)
    assert len(chosen) == 3
    assert select_vectors(traces, exe, pts, keep=[5], cap=4) == [0, 1, 4, 5]


def test_suite_records_coverage_and_rounds_find_rare_branches() -> None:
    src = '''def near(a, b):
    if a == b:
        return 0
    if abs(a - b) > 1500:
        return 2
    return 1
'''
    fn = make(src, "near", [("a", INT), ("b", INT)], INT)
    s = build_test_suite(fn, n_inputs=30)
    assert isinstance(s, TestSuite)
    assert s.line_coverage == 1.0 and s.branch_coverage == 1.0
    assert any(n.startswith("rounds:") and n != "rounds:1" for n in s.notes)
    assert len(s.vectors) <= 30
    assert any(v.expected == 0 for v in s.vectors) and any(v.expected == 2 for v in s.vectors)


def test_low_coverage_is_rejected_with_the_lines_never_run() -> None:
    fn = make(CLASSIFY, "classify", [("x", INT)], INT)
    s = build_test_suite(fn, n_inputs=20, min_line_coverage=0.0)
    assert isinstance(s, TestSuite) and s.line_coverage is not None and s.line_coverage < 1.0
    r = build_test_suite(fn, n_inputs=20, min_line_coverage=0.9)
    assert isinstance(r, Rejected) and r.stage is Stage.TESTGEN
    assert r.reason == LOW_COVERAGE and LOW_COVERAGE in REASONS
    assert "lines never run: [4]" in r.detail


def test_raise_only_lines_do_not_count_against_coverage() -> None:
    src = "def safe_div(a, b):\n    if b == 0:\n        raise ZeroDivisionError('b')\n    return a // b\n"
    s = build_test_suite(make(src, "safe_div", [("a", INT), ("b", INT)], INT), n_inputs=20,
                         min_line_coverage=1.0)
    assert isinstance(s, TestSuite) and s.line_coverage == 1.0


def test_docstring_examples_become_inputs() -> None:
    src = '''def magic(s):
    """>>> magic("open sesame")
    True
    """
    if s == "open sesame":
        return True
    return False
'''
    fn = make(src, "magic", [("s", STR)], BOOL)
    fn = Function(fn.program, Signature("magic", fn.signature.params, BOOL,
                                        docstring='>>> magic("open sesame")\nTrue'), src)
    s = build_test_suite(fn, n_inputs=10)
    assert isinstance(s, TestSuite) and s.line_coverage == 1.0
    assert any(v.args == ("open sesame",) and v.expected is True for v in s.vectors)
