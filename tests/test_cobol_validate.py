"""Validation verdicts on real GnuCOBOL candidates (good, wrong, crashing, slow, broken),
and batch builds: many candidates in one cobc call, each judged as when alone."""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.base import BatchCompiled, Toolchain
from tolk.toolchains.cobol import COBOL
from tolk.toolchains.cobol.contract import candidate_program
from tolk.validators.sandbox import run_sandboxed
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, judge, policy_for, validate_candidate
from tolk.validators.verdict import VerdictStatus
from tolk.validators.wire import encode_inputs

pytestmark = pytest.mark.skipif(COBOL.availability() is not None, reason="no cobc")

SRC = '''
def count_below(xs: list[int], limit: int) -> int:
    """Count the elements of xs that are below limit."""
    n = 0
    for i in range(len(xs)):
        if xs[i] < limit:
            n += 1
    return n
'''

# A uid of its own: sandboxes of one uid share RLIMIT_NPROC, and other suites run alongside.
_BASE = ValidationLimits()
LIMITS = ValidationLimits(
    compile=dataclasses.replace(_BASE.compile, uid=61003),
    run=dataclasses.replace(_BASE.run, wall_seconds=3.0, cpu_seconds=3, uid=61003))


@pytest.fixture(scope="module")
def fn_and_suite():
    fn = analyze_source(SRC)[0]
    assert isinstance(fn, Function)
    suite = build_test_suite(fn, n_inputs=40)
    assert not isinstance(suite, Rejected), suite
    return fn, suite


def candidate(fn: Function, body: list[str]) -> str:
    return candidate_program(fn.signature, ["01 w-i BINARY-DOUBLE SIGNED."], body)


def loop(test: str) -> list[str]:
    return ["MOVE 0 TO res", "PERFORM VARYING w-i FROM 1 BY 1 UNTIL w-i > p-xs-n",
            f"    IF {test}", "        ADD 1 TO res", "    END-IF", "END-PERFORM"]


def test_toolchain_protocols_and_identity() -> None:
    assert isinstance(COBOL, Toolchain) and isinstance(COBOL, BatchCompiled)
    assert COBOL.lang is Lang.COBOL and COBOL.source_suffix == ".cob"
    assert COBOL.debian_packages == ("gnucobol3",)
    assert COBOL.version().startswith("GnuCOBOL 3.")
    assert COBOL.runtime_problem() is None


def test_lowered_candidate_passes(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(COBOL.lower(fn), fn.signature, suite, COBOL, LIMITS)
    assert v.status is VerdictStatus.PASSED, v
    assert v.passed == v.total == len(suite.vectors)
    assert v.ran_on == "bwrap"


def test_hand_written_candidate_passes(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(candidate(fn, loop("p-xs-v(w-i) < p-limit")), fn.signature, suite,
                           COBOL, LIMITS)
    assert v.status is VerdictStatus.PASSED, v


def test_off_by_one_is_wrong_answer_with_first_failing_vector(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(candidate(fn, loop("p-xs-v(w-i) <= p-limit")), fn.signature, suite,
                           COBOL, LIMITS)
    assert v.status is VerdictStatus.WRONG_ANSWER, v
    assert v.first_failure is not None
    xs, limit = suite.vectors[v.first_failure.index].args
    assert limit in xs  # exactly where <= and < differ
    assert v.passed < v.total


def test_subscript_out_of_range_is_a_runtime_error_pinned_to_its_vector(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    # Reads one element past the end whenever the list is not empty.
    code = candidate(fn, ["MOVE 0 TO res", "IF p-xs-n > 0",
                          "    MOVE p-xs-v(p-xs-n + 1) TO res", "END-IF"])
    v = validate_candidate(code, fn.signature, suite, COBOL, LIMITS)
    assert v.status is VerdictStatus.RUNTIME_ERROR, v
    first_nonempty = next(i for i, vec in enumerate(suite.vectors) if vec.args[0])
    assert v.first_failure is not None and v.first_failure.index == first_nonempty
    assert "out of bounds" in v.runtime_output


def test_endless_loop_is_a_timeout(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(candidate(fn, ["PERFORM UNTIL EXIT", "    CONTINUE", "END-PERFORM"]),
                           fn.signature, suite, COBOL, LIMITS)
    assert v.status is VerdictStatus.TIMEOUT, v
    assert v.first_failure is not None and v.first_failure.index == 0


def test_syntax_error_is_a_compile_error_with_output(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(candidate(fn, ["COMPUTE res = = 1"]), fn.signature, suite, COBOL,
                           LIMITS)
    assert v.status is VerdictStatus.COMPILE_ERROR, v
    assert "candidate.cob" in v.compiler_output


def test_forbidden_display_is_rejected_statically(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    v = validate_candidate(candidate(fn, ['DISPLAY "@@ 1"']), fn.signature, suite, COBOL, LIMITS)
    assert v.status is VerdictStatus.REJECTED_STATIC and v.reason == "forbidden:display"


def _run_batch(items, workdir: Path) -> list:
    """What a batch validator does: one cobc call, then each candidate alone."""
    files = COBOL.batch_files([(code, fn.signature) for code, fn, _ in items])
    for name, text in files.items():
        (workdir / name).write_text(text)
    comp = run_sandboxed(COBOL.batch_compile_argv(files), workdir=workdir,
                         policy=policy_for(LIMITS.compile, COBOL))
    assert comp.returncode == 0, comp.stdout + comp.stderr
    verdicts = []
    for i, (_, fn, suite) in enumerate(items):
        stdin = encode_inputs([v.args for v in suite.vectors], [p.type for p in fn.signature.params])
        run = run_sandboxed(COBOL.batch_run_argv(i), workdir=workdir, stdin=stdin,
                            policy=policy_for(LIMITS.run, COBOL), writable_workdir=False)
        verdicts.append(judge(run, fn.signature, suite.vectors, LIMITS.tolerance))
    return verdicts


def test_batch_build_gives_each_candidate_its_own_verdict(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    others = analyze_source('''
def reverse_string(s: str) -> str:
    out = ""
    for i in range(len(s) - 1, -1, -1):
        out = out + s[i]
    return out

def mean_and_max(xs: list[float]) -> tuple[float, float]:
    if len(xs) == 0:
        return 0.0, 0.0
    return sum(xs) / len(xs), max(xs)
''')
    items = [(COBOL.lower(fn), fn, suite),
             # END PROGRAM is optional: the batch must still keep programs apart.
             (candidate(fn, loop("p-xs-v(w-i) <= p-limit")).replace(
                 "END PROGRAM py_count_below.\n", ""), fn, suite),
             (candidate(fn, ["MOVE 0 TO res", "IF p-xs-n > 0",
                             "    MOVE p-xs-v(p-xs-n + 1) TO res", "END-IF"]), fn, suite)]
    for g in others:
        assert isinstance(g, Function)
        s = build_test_suite(g, n_inputs=20)
        assert not isinstance(s, Rejected), s
        items.append((COBOL.lower(g), g, s))
    assert "END PROGRAM" not in items[1][0]
    assert all(COBOL.static_check(code, f.signature) is None for code, f, _ in items)
    workdir = Path(tempfile.mkdtemp(prefix="tolk-cobol-batch-"))
    try:
        batch = _run_batch(items, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    alone = [validate_candidate(code, f.signature, s, COBOL, LIMITS) for code, f, s in items]
    assert [v.status for v in batch] == [v.status for v in alone] == [
        VerdictStatus.PASSED, VerdictStatus.WRONG_ANSWER, VerdictStatus.RUNTIME_ERROR,
        VerdictStatus.PASSED, VerdictStatus.PASSED]
    assert [v.passed for v in batch] == [v.passed for v in alone]
    assert [v.first_failure.index if v.first_failure else None for v in batch] == \
        [v.first_failure.index if v.first_failure else None for v in alone]
