"""HumanEval: the shipped problems as Programs, and vectors that earn trust (mutation check).

The default suite checks a few problems; the full set is @slow (bench/humaneval.py prints
the same numbers with the funnel)."""

from __future__ import annotations

import dataclasses

import pytest

from tolk.corpus.source_humaneval import LICENSE, iter_humaneval, iter_problems, mutation_check
from tolk.ir.frontend import analyze_program, analyze_source
from tolk.ir.function import Function, Program
from tolk.ir.vectors import TestSuite, Vector
from tolk.validators.strategies import DEFAULT_DOMAIN, generate_inputs
from tolk.validators.testgen import build_test_suite

WIDE = dataclasses.replace(DEFAULT_DOMAIN, max_list_len=16, max_str_len=24)


def test_problems_stream_from_the_package() -> None:
    rows = list(iter_problems())
    assert len(rows) == 164
    first, entry = rows[0]
    assert first.uri == "humaneval/HumanEval_0" and first.license == LICENSE == "MIT"
    assert entry == "has_close_elements" and f"def {entry}(" in first.text
    assert "return False" in first.text  # the canonical solution is appended
    prompt_only = next(iter_humaneval(include_solution=False))
    assert first.text.startswith(prompt_only.text) and len(prompt_only.text) < len(first.text)
    assert prompt_only.source_id != first.source_id
    assert len({p.source_id for p, _ in rows}) == 164


def _check(program: Program, entry: str, min_cov: float = 0.9) -> tuple[int, int, bool] | None:
    """(behaviour-changing, killed, own suite passes) for an accepted problem, else None."""
    fn = next((r for r in analyze_program(program) if getattr(r, "name", "") == entry), None)
    if not isinstance(fn, Function):
        return None
    suite = build_test_suite(fn, min_line_coverage=min_cov)
    if not isinstance(suite, TestSuite):
        return None
    assert suite.line_coverage is not None and suite.line_coverage >= min_cov
    rep = mutation_check(fn, suite, generate_inputs(fn.signature, 100, seed=4242, domain=WIDE),
                         max_mutants=40)
    return rep.behaviour_changing, rep.killed, rep.original_passes


@pytest.mark.parametrize("index", [0, 3, 5])
def test_accepted_problems_pass_their_own_vectors_and_kill_mutants(index: int) -> None:
    program, entry = list(iter_problems())[index]
    got = _check(program, entry)
    assert got is not None, f"{program.uri} not accepted"
    changing, killed, own = got
    assert own, f"{program.uri}: the canonical solution fails its own vectors"
    assert changing > 0 and killed >= 0.95 * changing


def test_a_weak_suite_lets_mutants_survive() -> None:
    src = "def clamp(x: int) -> int:\n    if x > 10:\n        return 10\n    return x\n"
    fn = analyze_source(src)[0]
    assert isinstance(fn, Function)
    weak = TestSuite((Vector((0,), 0), Vector((3,), 3)))  # never reaches the threshold
    rep = mutation_check(fn, weak, [(k,) for k in range(-20, 21)])
    assert rep.original_passes and rep.behaviour_changing > 0
    assert rep.killed < rep.behaviour_changing and rep.survivors
    strong = build_test_suite(fn)
    assert isinstance(strong, TestSuite)
    rep = mutation_check(fn, strong, [(k,) for k in range(-20, 21)])
    assert rep.kill_rate == 1.0 and rep.behaviour_changing > 0


def test_a_wrong_expected_value_shows_as_own_suite_failure() -> None:
    fn = analyze_source("def inc(x: int) -> int:\n    return x + 1\n")[0]
    assert isinstance(fn, Function)
    rep = mutation_check(fn, TestSuite((Vector((1,), 3),)), [(1,)], max_mutants=0)
    assert not rep.original_passes and rep.mutants == 0


@pytest.mark.slow
def test_every_accepted_problem_earns_trust() -> None:
    changing = killed = accepted = 0
    for program, entry in iter_problems():
        got = _check(program, entry)
        if got is None:
            continue
        accepted += 1
        assert got[2], f"{program.uri}: the canonical solution fails its own vectors"
        changing += got[0]
        killed += got[1]
    assert accepted >= 40
    assert killed >= 0.95 * changing
