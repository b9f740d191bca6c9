"""Adequate suites: the contract domain, the exact int64 contract, mutation search, weak_suite."""

from __future__ import annotations

import re

import math

from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.types import FLOAT, INT, INT64_MAX, INT64_MIN, STR, IRType, list_of
from tolk.ir.vectors import TestSuite
from tolk.outcome import Rejected
from tolk.toolchains.registry import get_toolchain
from tolk.validators.compare import Tolerance, values_equal
from tolk.validators.domain import contract_inputs, domain_inputs, int64_contract
from tolk.validators.hygiene import vector_problem
from tolk.validators.mutate import MutantKind, all_mutants
from tolk.validators.reference import OutcomeKind, run_reference
from tolk.validators.selftest import classify_by_search
from tolk.validators.suite_mutation import cover, pick_reference_mutants, run_mutants
from tolk.validators.testgen import DEFAULT_POLICY, WEAK_SUITE, build_test_suite


def make(src: str, name: str, params: list[tuple[str, IRType]], ret: IRType) -> Function:
    return Function(Program("seed-1", "mem://t.py", src),
                    Signature(name, tuple(Param(n, t) for n, t in params), ret), src)


def suite(fn: Function, **kw: object) -> TestSuite:
    out = build_test_suite(fn, **kw)  # type: ignore[arg-type]
    assert isinstance(out, TestSuite), out
    return out


def sig(*types: IRType) -> Signature:
    return Signature("f", tuple(Param(f"p{k}", t) for k, t in enumerate(types)), INT)


# ---- the contract domain -----------------------------------------------------------------

def test_contract_rounds_reach_int64_edges_and_target_limits() -> None:
    ints = contract_inputs(sig(INT, INT), seed=0)
    firsts = {a[0] for a in ints}
    assert {0, 1, -1, 2**31, -2**31 - 1, 2**53, 2**62, INT64_MAX, INT64_MIN} <= firsts
    assert any(abs(a[0]) >= 2**31 and abs(a[1]) >= 2**31 for a in ints)  # pairwise combinations
    strs = contract_inputs(sig(STR), seed=0, langs=["cobol"])
    assert max(len(a[0]) for a in strs) == get_toolchain("cobol").value_limits.max_str_len == 256
    lists = contract_inputs(sig(list_of(INT)), seed=0, langs=["cobol"])
    assert max(len(a[0]) for a in lists) == 1000
    assert [3, 3, 4] in [a[0] for a in lists] and [INT64_MAX, INT64_MAX] in [a[0] for a in lists]
    floats = {repr(a[0]) for a in contract_inputs(sig(FLOAT), seed=0)}
    assert {"-0.0", "1e+300", "1e-300"} <= floats


def test_domain_budget_is_seeded_typed_and_hygienic() -> None:
    s = sig(list_of(INT), STR, list_of(list_of(FLOAT)))
    a = domain_inputs(s, seed=3, budget=300)
    assert a == domain_inputs(s, seed=3, budget=300) and a != domain_inputs(s, seed=4, budget=300)
    assert len(a) == 300 and len({repr(x) for x in a}) == 300
    for xs, text, m in a:
        assert all(isinstance(x, int) and INT64_MIN <= x <= INT64_MAX for x in xs)
        assert isinstance(text, str) and (not m or len({len(r) for r in m}) == 1)
        assert not vector_problem((xs, text, m), 0, s, ["cobol"])
    assert any(abs(x) > 2**31 for xs, _, _ in a for x in xs)  # not only small values
    assert int64_contract(s) and not int64_contract(Signature("g", (Param("x", FLOAT),), FLOAT))


# ---- the exact int64 contract ------------------------------------------------------------

COMB = '''
def comb(n: int, k: int) -> int:
    r = 1
    for i in range(k):
        r *= n - i
    d = 1
    for i in range(1, k + 1):
        d *= i
    return r // d

def my_abs(x: int) -> int:
    return abs(x)
'''


def test_intermediate_overflow_and_abs_of_the_minimum_leave_the_contract() -> None:
    comb = make(COMB, "comb", [("n", INT), ("k", INT)], INT)
    run = run_reference(comb, [(62, 31), (10, 3)], policy=DEFAULT_POLICY, hash_seed=1, int64=True)
    # C(62, 31) fits int64 but its running product does not: outside the contract
    assert [o.kind for o in run.outcomes] == [OutcomeKind.INT64, OutcomeKind.OK]
    assert run.outcomes[1].value == 120
    plain = run_reference(comb, [(62, 31)], policy=DEFAULT_POLICY, hash_seed=1)
    assert plain.outcomes[0].value == 465428353255261088  # without the check it "fits"
    s = suite(comb, n_inputs=40)
    assert all(v.args != (62, 31) for v in s.vectors) and s.int64_contract
    assert any(n.startswith("dropped:int64_intermediate:") for n in s.notes)
    s = suite(make(COMB, "my_abs", [("x", INT)], INT), n_inputs=20)
    assert all(v.args[0] != INT64_MIN for v in s.vectors)
    assert any(v.args[0] == INT64_MIN + 1 for v in s.vectors) or any(
        n.startswith("dropped:int64_intermediate:") for n in s.notes)


# ---- mutation operators of the audit's kinds -------------------------------------------------

DIGITS = '''def digit_sum(n: int, base: int) -> int:
    """Sum of the digits of |n| in base."""
    n = abs(n)
    total = 0
    for d in str(n):
        if base != 10:
            total += int(d) * base
        else:
            total += int(d)
    return total
'''


def test_audit_kinds_are_generated() -> None:
    by_kind: dict[MutantKind, list[str]] = {}
    for m in all_mutants(DIGITS):
        by_kind.setdefault(m.kind, []).append(m.source)
    assert any("list(str(n))[:3]" in s for s in by_kind[MutantKind.LOOP_CAP])
    assert any("% 10000" in s for s in by_kind[MutantKind.MODULO])
    assert any("total = (total + int(d)" in s and "% 4294967296" in s
               for s in by_kind[MutantKind.NARROW32])
    assert any("abs(base - 10) > 1" in s for s in by_kind[MutantKind.RELAX])
    assert any("if base == 0:\n        base = 1" in s for s in by_kind[MutantKind.ZERO_PARAM])
    for sources in by_kind.values():
        for s in sources:
            compile(s, "<m>", "exec")  # valid Python


# ---- mutation-adequate suites ------------------------------------------------------------

HAND_MUTANTS = {  # the audit's survivors, written by hand over DIGITS
    "loop capped at 8 digits": DIGITS.replace("for d in str(n):", "for d in str(n)[:8]:"),
    "accumulator narrowed to 32 bits": DIGITS.replace(
        "total += int(d) * base", "total = (total + int(d) * base + 2**31) % 2**32 - 2**31"),
    "PIC S9(4) result": DIGITS.replace("return total", "return total % 10**4"),
    "relaxed comparison": DIGITS.replace("if base != 10:", "if abs(base - 10) > 1:"),
    "boundary moved at 0": DIGITS.replace('n = abs(n)', 'n = abs(n)\n    if n == 0 and base != 1:\n'
                                          '        return 1'),
}


def test_suite_kills_the_audits_hand_written_mutants() -> None:
    fn = make(DIGITS, "digit_sum", [("n", INT), ("base", INT)], INT)
    s = suite(fn, n_inputs=60)
    assert s.mutation_score == 1.0 and s.mutants_distinguishable and s.mutants_distinguishable >= 10
    assert any(n.startswith("mutants:") for n in s.notes)
    for what, src in HAND_MUTANTS.items():
        mfn = make(src, "digit_sum", [("n", INT), ("base", INT)], INT)
        run = run_reference(mfn, [v.args for v in s.vectors], policy=DEFAULT_POLICY, hash_seed=1,
                            int64=True)
        assert any(o.kind is not OutcomeKind.OK or not values_equal(o.value, v.expected, INT)
                   for o, v in zip(run.outcomes, s.vectors)), f"{what} survives the suite"
    # the suite is reproducible for a seed
    assert suite(fn, n_inputs=60) == s


def test_weak_suite_is_rejected_when_the_cover_may_add_nothing() -> None:
    src = "def triple(x: int) -> int:\n    return x * 3\n"
    fn = make(src, "triple", [("x", INT)], INT)
    # 10 small generated vectors (no boundary rounds) cannot tell a 32-bit wrap from the
    # original
    out = build_test_suite(fn, n_inputs=10, max_cover_vectors=0, contract_rounds=False)
    assert isinstance(out, Rejected) and out.reason == WEAK_SUITE, out
    assert "wrapped to 32 bits" in out.detail and "mutation score" in out.detail
    ok = suite(fn, n_inputs=10)  # the cover adds what kills them
    assert ok.mutation_score == 1.0 and any(abs(v.expected) >= 2**31 for v in ok.vectors)
    assert build_test_suite(fn, n_inputs=10, max_cover_vectors=0, min_mutation_score=0.0,
                            contract_rounds=False).mutation_score < 0.98  # type: ignore[union-attr]


def test_run_mutants_batches_and_cover_is_greedy() -> None:
    fn = make(DIGITS, "digit_sum", [("n", INT), ("base", INT)], INT)
    pool = [(0, 10), (7, 10), (123, 10), (123, 2), (10**12 + 5, 10), (5, 0), (99999, 10)]
    exp = [run_reference(fn, pool, policy=DEFAULT_POLICY, hash_seed=1).outcomes[k].value
           for k in range(len(pool))]
    mutants = pick_reference_mutants(fn, 200, seed=0)
    res = run_mutants(fn, mutants, pool, exp, tolerance=Tolerance())
    assert len(res.kills) == len(mutants) and res.unreached == 0
    for m, kills in zip(mutants, res.kills):
        if m.kind is MutantKind.LOOP_CAP:  # only the 13-digit input has more than 3 digits
            cap = int(re.search(r"capped at (\d+)", m.description).group(1))  # type: ignore[union-attr]
            assert (4 in kills) == (cap < 13) and 0 not in kills
    added, killed = cover(res.kills, [0], max_added=10)
    assert killed == len(res.distinguishable) and len(added) <= len(pool) - 1
    assert cover(res.kills, [0], max_added=0) == ([], sum(1 for k in res.kills if 0 in k))


def test_selftest_counts_mutants_the_suite_misses_as_distinguishable() -> None:
    src = "def triple(x: int) -> int:\n    return x * 3\n"
    fn = make(src, "triple", [("x", INT)], INT)
    weak = suite(fn, n_inputs=10, contract_rounds=False, mutation_budget=0)
    modulo = next(m for m in all_mutants(src) if "32 bits" in m.description)
    mfn = make(modulo.source, "triple", [("x", INT)], INT)
    (cm,) = classify_by_search(fn, weak, [(modulo, mfn)], seed=0, budget=200)
    assert cm.changes_behaviour and not cm.on_suite  # the search finds it, the suite cannot
    assert "searched input" in cm.why


def test_suite_json_keeps_the_adequacy_fields() -> None:
    s = TestSuite((), mutation_score=0.5, mutants_distinguishable=4, int64_contract=True)
    back = TestSuite.from_json(s.to_json(), (), INT)
    assert (back.mutation_score, back.mutants_distinguishable, back.int64_contract) == (0.5, 4, True)
    assert math.isclose(TestSuite.from_json('{"vectors": []}', (), INT).rel_tol, s.rel_tol)


def test_bench_suites_reports_before_after_and_scores(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    import importlib.util
    from pathlib import Path
    bench = Path(__file__).resolve().parents[1] / "bench" / "suites.py"
    spec = importlib.util.spec_from_file_location("bench_suites", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "d.py").write_text("def count_pos(xs: list[int]) -> int:\n    c = 0\n"
                                   "    for x in xs:\n        if x > 0:\n            c += 1\n"
                                   "    return c\n")
    assert module.main(["--source", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "1 functions from" in out and "suite building per function: before" in out
    assert "after: vectors per suite" in out and "mutation score mean 1.0000" in out
    assert "weak_suite 0/1" in out


def test_int64_guard_keeps_match_patterns_and_is_not_caught_by_user_code() -> None:
    src = ('def f(x: int) -> int:\n    match x:\n        case -1:\n            return x * 2\n'
           '        case _ if x > 2 ** 3:\n            try:\n                return x ** 3\n'
           '            except Exception:\n                return 0\n    return -x\n')
    fn = make(src, "f", [("x", INT)], INT)
    run = run_reference(fn, [(-1,), (9,), (3,), (2**30,)], policy=DEFAULT_POLICY, hash_seed=1,
                        int64=True)
    assert [o.value for o in run.outcomes[:3]] == [-2, 729, -3]
    assert run.outcomes[3].kind is OutcomeKind.INT64  # (2**30)**3, not the except's 0
    # inside a class's methods too (private names there are mangled; the check's is not)
    src = ("class Acc:\n    def __init__(self):\n        self.t = 0\n    def add(self, v):\n"
           "        self.t += v * 2\n        return self.t\n\n"
           "def g(x: int) -> int:\n    return Acc().add(x)\n")
    run = run_reference(make(src, "g", [("x", INT)], INT), [(3,), (2**62,)], policy=DEFAULT_POLICY,
                        hash_seed=1, int64=True)
    assert [(o.kind, o.value) for o in run.outcomes] == [(OutcomeKind.OK, 6), (OutcomeKind.INT64, None)]


def test_module_set_up_is_outside_the_contract() -> None:
    """The module may call its own functions at import on big values (ipaddress does)."""
    src = ("def ones(bits: int) -> int:\n    return (1 << bits) - 1\n\n"
           "ALL = ones(128)\n\n"
           "def low(x: int) -> int:\n    return x & ones(16)\n")
    fn = make(src, "low", [("x", INT)], INT)
    run = run_reference(fn, [(70000,)], policy=DEFAULT_POLICY, hash_seed=1, int64=True)
    assert run.status.value == "completed" and run.outcomes[0].value == 70000 & 0xFFFF
    run = run_reference(make(src, "ones", [("bits", INT)], INT), [(8,), (64,)],
                        policy=DEFAULT_POLICY, hash_seed=1, int64=True)
    assert [o.kind for o in run.outcomes] == [OutcomeKind.OK, OutcomeKind.INT64]
