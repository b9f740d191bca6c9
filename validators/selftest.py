"""Validator soundness, measured: known-good lowerings must pass, behaviour-changing mutants must not.

Steps (`run_selftest`):
1. Subjects (language-neutral, once): every seed function with body IR and a test suite.
   Its Python is mutated (`tolk.validators.mutate`); a mutant is kept when the front end
   still gives it body IR, up to `max_mutants` per function in a seeded, kind-balanced
   order. The mutants then run, batched in one sandboxed reference worker, over a LARGE
   search independent of the suite (`classify_by_search`: the suite's inputs plus the
   contract rounds and `search_budget` domain draws under another seed, kept where the
   original is inside the contract): a mutant is *distinguishable* (changes behaviour)
   when some input found there gives another result (or it raises, times out, leaves
   int64, returns the wrong type); only mutants no input tells apart are excluded as
   equivalent. So a weak suite shows as survivors: the rate measures the vectors, not
   only the harness.
2. Per language: the lowered original (known-good) and every lowered behaviour-changing
   mutant are validated against the original suite. A mutant is killed when its verdict
   is not `passed`.

Key contracts: deterministic for a given seed and corpus. Nothing a candidate does
raises; lowering failures are counted, not fatal. A language whose `runtime_problem()` is
not None gets `unverified` with the reason and no rates. `LangReport.ok` is the bar of
the issue: known-good 100 %, kill / distinguishable >= 98 %, zero harness errors.
"""

from __future__ import annotations

import ast
import textwrap
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tolk import pyast
from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program, content_id
from tolk.ir.vectors import TestSuite
from tolk.outcome import Rejected
from tolk.toolchains.base import BatchItem, Toolchain
from tolk.validators.compare import Tolerance, input_scale, values_equal
from tolk.validators.mutate import Mutant, all_mutants, sample_mutants
from tolk.validators.reference import OutcomeKind, run_reference
from tolk.validators.domain import contract_inputs, domain_inputs
from tolk.validators.hygiene import vector_problem
from tolk.validators.suite_mutation import run_mutants
from tolk.validators.testgen import DEFAULT_POLICY, build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["ClassifiedMutant", "Subject", "Preparation", "LangReport", "Progress",
           "load_functions", "pick_mutants", "prepare_subjects", "classify_mutant",
           "measure_language", "validate_items", "classify_by_search", "KILL_TARGET",
           "SEARCH_BUDGET"]

KILL_TARGET = 0.98
SEARCH_BUDGET = 1000  # domain draws per function for the distinguishing search
#: progress callback: (phase label, items done, items in the phase)
Progress = Callable[[str, int, int], None]


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


@dataclass(frozen=True, slots=True)
class ClassifiedMutant:
    mutant: Mutant
    fn: Function  # the mutant through the front end (has body IR)
    changes_behaviour: bool
    why: str  # first difference on the vectors, e.g. "vector 3: expected 5, got 6"
    # Every result it returned is right; it differs only by raising (or timing out) on
    # some vectors. A lowering that does not trap where Python raises (an index past the
    # end that the target's bounds checks miss) can turn such a mutant back into a
    # correct program, so survivors of this kind point at the lowering or the target's
    # runtime checks rather than at the judge.
    raises_only: bool = False
    # Some vector of the suite itself tells it apart in Python (False: only the large
    # search does, so the suite cannot kill it whatever the target does).
    on_suite: bool = True


@dataclass(frozen=True, slots=True)
class Subject:
    fn: Function
    suite: TestSuite
    mutants: tuple[ClassifiedMutant, ...]


@dataclass(frozen=True, slots=True)
class Preparation:
    subjects: tuple[Subject, ...]
    #: (function, reason): seed functions without body IR or without a usable suite
    skipped: tuple[tuple[str, str], ...] = ()
    #: mutants the front end no longer gives body IR (outside the lowering subset)
    outside_subset: int = 0


@dataclass(frozen=True, slots=True)
class LangReport:
    lang: str
    unverified: str = ""  # why nothing ran here (runtime_problem); "" when it ran
    functions: int = 0  # subjects whose original was lowered and validated
    known_good_total: int = 0
    known_good_passed: int = 0
    #: (function, verdict summary) for known-good lowerings that did not pass
    known_good_failures: tuple[tuple[str, str], ...] = ()
    changing_total: int = 0  # distinguishable mutants validated (the denominator)
    killed: int = 0
    equivalent: int = 0  # mutants no searched input tells apart (excluded)
    #: of the survivors, those the suite's own vectors do not tell apart in Python
    survivors_off_suite: int = 0
    #: (function, mutation description) of behaviour-changing mutants that passed
    survivors: tuple[tuple[str, str], ...] = ()
    #: of the survivors, those whose Python mutant differs only by raising
    survivors_raises_only: int = 0
    harness_errors: int = 0
    #: (function, mutation description or "original", reason) where lowering raised
    lowering_failed: tuple[tuple[str, str, str], ...] = ()
    #: (function, reason) for subjects this target does not support
    unsupported: tuple[tuple[str, str], ...] = ()
    #: verdict status -> count over killed mutants
    kill_statuses: dict[str, int] = field(default_factory=dict)
    #: mutant kind -> [killed, behaviour-changing]
    by_kind: dict[str, list[int]] = field(default_factory=dict)

    @property
    def known_good_rate(self) -> float:
        return self.known_good_passed / self.known_good_total if self.known_good_total else 0.0

    @property
    def kill_rate(self) -> float:
        return self.killed / self.changing_total if self.changing_total else 1.0

    @property
    def ok(self) -> bool:
        """Meets the bar; a language that could not run here is not held to it."""
        if self.unverified:
            return True
        return (self.known_good_total > 0 and self.known_good_passed == self.known_good_total
                and self.kill_rate >= KILL_TARGET and self.harness_errors == 0)


# ---- step 1: subjects (language-neutral) ---------------------------------------------

def load_functions(source: Path) -> tuple[list[Function], list[tuple[str, str]]]:
    """Every function of the .py files under `source` (sorted) with body IR, and the
    (function, reason) of the others."""
    files = sorted(source.rglob("*.py")) if source.is_dir() else [source]
    kept: list[Function] = []
    skipped: list[tuple[str, str]] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            skipped.append((path.name, f"unreadable:{type(exc).__name__}"))
            continue
        for r in analyze_program(Program(content_id(str(path), text), str(path), text)):
            if isinstance(r, Rejected):
                skipped.append((r.function or path.name, r.reason))
            elif r.body is None:
                skipped.append((r.name, f"no_body_ir:{r.body_reason}"))
            else:
                kept.append(r)
    return kept, skipped


def _mutant_function(fn: Function, m: Mutant, k: int) -> Function | None:
    """The mutant through the front end, or None when it left the lowering subset."""
    uri = f"{fn.program.uri}::{fn.name}#mutant{k}"
    for r in analyze_program(Program(content_id(uri, m.source), uri, m.source)):
        if isinstance(r, Function) and r.name == fn.name and r.body is not None:
            return r
    return None


def pick_mutants(fn: Function, max_mutants: int, seed: int) -> tuple[list[tuple[Mutant, Function]], int]:
    """Up to max_mutants (mutant, its Function) still inside the subset, and how many
    candidates were passed over for leaving it."""
    seen = {_normalised(fn.source)}
    picked: list[tuple[Mutant, Function]] = []
    outside = 0
    for m in sample_mutants(all_mutants(fn.source, fn.name), seed):
        if len(picked) >= max_mutants:
            break
        if m.source in seen:  # two edits giving the same program, or a no-op
            continue
        seen.add(m.source)
        mfn = _mutant_function(fn, m, len(picked))
        if mfn is None:
            outside += 1
        else:
            picked.append((m, mfn))
    return picked, outside


def _normalised(source: str) -> str:
    return ast.unparse(pyast.parse(textwrap.dedent(source))) + "\n"


def classify_mutant(m: Mutant, mfn: Function, suite: TestSuite, *, tolerance: Tolerance,
                    executor: str = "auto", hash_seed: int = 1) -> ClassifiedMutant:
    """Run the mutant's Python on the suite's inputs: does it change any result?"""
    ref = run_reference(mfn, [v.args for v in suite.vectors], policy=DEFAULT_POLICY,
                        hash_seed=hash_seed, executor=executor)
    ret = mfn.signature.returns
    first_value = first_raise = ""
    for i, (v, o) in enumerate(zip(suite.vectors, ref.outcomes)):
        if o.kind in (OutcomeKind.ERROR, OutcomeKind.TIMEOUT, OutcomeKind.NOT_RUN):
            first_raise = first_raise or f"vector {i}: {o.kind}" + (
                f" ({o.detail[:80]})" if o.detail else "")
        elif o.kind is not OutcomeKind.OK:
            first_value = first_value or f"vector {i}: {o.kind} ({o.detail[:80]})"
        elif not values_equal(o.value, v.expected, ret, tolerance,
                              input_scale(v.args, [p.type for p in mfn.signature.params])):
            first_value = first_value or (
                f"vector {i}: expected {v.expected!r:.60}, got {o.value!r:.60}")
    if first_value:
        return ClassifiedMutant(m, mfn, True, first_value)
    if first_raise:
        return ClassifiedMutant(m, mfn, True, first_raise, raises_only=True)
    return ClassifiedMutant(m, mfn, False, "equal on every vector")


def classify_by_search(fn: Function, suite: TestSuite, picked: Sequence[tuple[Mutant, Function]],
                       *, seed: int, budget: int = SEARCH_BUDGET,
                       tolerance: Tolerance = Tolerance(),
                       executor: str = "auto") -> tuple[ClassifiedMutant, ...]:
    """Classify mutants by a large search (see the module docstring, step 1)."""
    sig = fn.signature
    args = [v.args for v in suite.vectors]
    fresh = {repr(a): a for a in contract_inputs(sig, seed + 1) + domain_inputs(sig, seed + 1, budget)}
    for a in args:
        fresh.pop(repr(a), None)
    extra = list(fresh.values())
    ref = run_reference(fn, extra, policy=DEFAULT_POLICY, hash_seed=1, executor=executor,
                        int64=True, max_timeouts=3)
    pool = list(args)
    expected = [v.expected for v in suite.vectors]
    for a, o in zip(extra, ref.outcomes):
        if o.kind is OutcomeKind.OK and not vector_problem(a, o.value, sig):
            pool.append(a)
            expected.append(o.value)
    res = run_mutants(fn, [m for m, _ in picked], pool, expected, tolerance=tolerance,
                      executor=executor)
    n_suite = len(args)
    out: list[ClassifiedMutant] = []
    for (m, mfn), kills, values in zip(picked, res.kills, res.value_kills):
        if not kills:
            out.append(ClassifiedMutant(m, mfn, False, f"equal on all {len(pool)} inputs searched"))
            continue
        k = min(values or kills)
        why = (f"{'vector' if k < n_suite else 'searched input'} {k}: args {pool[k]!r:.80}, "
               f"expected {expected[k]!r:.40}" + ("" if values else " (it raises there)"))
        out.append(ClassifiedMutant(m, mfn, True, why, raises_only=not values,
                                    on_suite=min(kills) < n_suite))
    return tuple(out)


def prepare_subjects(source: Path, *, max_mutants: int = 6, seed: int = 0, n_inputs: int = 60,
                     tolerance: Tolerance = Tolerance(), executor: str = "auto",
                     progress: Progress = _no_progress,
                     search_budget: int = SEARCH_BUDGET) -> Preparation:
    """Seed functions with their suites and classified mutants (see the module docstring)."""
    fns, skipped = load_functions(source)
    subjects: list[Subject] = []
    outside = 0
    for done, fn in enumerate(fns):
        progress("reference: suites and mutants", done, len(fns))
        suite = build_test_suite(fn, n_inputs=n_inputs, seed=seed, executor=executor)
        if isinstance(suite, Rejected):
            skipped.append((fn.name, suite.reason))
            continue
        picked, n_out = pick_mutants(fn, max_mutants, seed)
        outside += n_out
        classified = classify_by_search(fn, suite, picked, seed=seed, budget=search_budget,
                                        tolerance=tolerance, executor=executor)
        subjects.append(Subject(fn, suite, classified))
    progress("reference: suites and mutants", len(fns), len(fns))
    return Preparation(tuple(subjects), tuple(skipped), outside)


# ---- step 2: per language --------------------------------------------------------------

def validate_items(items: Sequence[BatchItem], toolchain: Toolchain, limits: ValidationLimits,
                   progress: Progress = _no_progress, phase: str = "validate",
                   chunk: int = 32) -> list[Verdict]:
    """Verdicts for items, through `tolk.validators.batch.validate_batch` when it exists
    (same semantics, faster), else one `validate_candidate` per item."""
    try:
        from tolk.validators.batch import validate_batch
    except ImportError:
        validate_batch = None
    verdicts: list[Verdict] = []
    step = chunk if validate_batch is not None else 1
    for start in range(0, len(items), step):
        progress(phase, start, len(items))
        part = items[start:start + step]
        if validate_batch is not None:
            verdicts += validate_batch(part, toolchain, limits)
        else:
            verdicts += [validate_candidate(c, s, t, toolchain, limits) for c, s, t in part]
    progress(phase, len(items), len(items))
    return verdicts


def _lower(toolchain: Toolchain, fn: Function) -> str | UnsupportedProgram:
    try:
        return toolchain.lower(fn)
    except UnsupportedProgram as exc:
        return exc


def measure_language(prep: Preparation, toolchain: Toolchain, limits: ValidationLimits,
                     progress: Progress = _no_progress) -> LangReport:
    """Known-good acceptance and mutant kill rate of one toolchain's validator."""
    lang = str(toolchain.lang)
    if (why := toolchain.runtime_problem()) is not None:
        return LangReport(lang, unverified=why)
    unsupported: list[tuple[str, str]] = []
    lowering_failed: list[tuple[str, str, str]] = []
    # (function, mutant or None for the original, kind) per item, parallel to items
    labels: list[tuple[str, ClassifiedMutant | None]] = []
    items: list[BatchItem] = []
    equivalent = 0
    # A function-level contract (data-parallel functions only) refuses like a signature.
    for s in prep.subjects:
        sig = s.fn.signature
        reason = toolchain.supports_function(s.fn)
        if reason is not None:
            unsupported.append((s.fn.name, reason))
            continue
        code = _lower(toolchain, s.fn)
        if isinstance(code, UnsupportedProgram):
            lowering_failed.append((s.fn.name, "original", code.reason))
            continue
        labels.append((s.fn.name, None))
        items.append((code, sig, s.suite))
        for cm in s.mutants:
            if not cm.changes_behaviour:
                equivalent += 1
                continue
            mcode = _lower(toolchain, cm.fn)
            if isinstance(mcode, UnsupportedProgram):
                lowering_failed.append((s.fn.name, cm.mutant.description, mcode.reason))
                continue
            labels.append((s.fn.name, cm))
            items.append((mcode, sig, s.suite))
    verdicts = validate_items(items, toolchain, limits, progress, f"{lang}: validate")
    return _tally(lang, labels, verdicts, equivalent, unsupported, lowering_failed)


def _tally(lang: str, labels: list[tuple[str, ClassifiedMutant | None]], verdicts: list[Verdict],
           equivalent: int, unsupported: list[tuple[str, str]],
           lowering_failed: list[tuple[str, str, str]]) -> LangReport:
    kg_total = kg_passed = changing = killed = raises_only = off_suite = 0
    kg_failures: list[tuple[str, str]] = []
    survivors: list[tuple[str, str]] = []
    statuses: Counter[str] = Counter()
    by_kind: dict[str, list[int]] = {}
    for (name, cm), v in zip(labels, verdicts, strict=True):
        if cm is None:
            kg_total += 1
            kg_passed += v.ok
            if not v.ok:
                kg_failures.append((name, v.summary()))
            continue
        changing += 1
        counts = by_kind.setdefault(str(cm.mutant.kind), [0, 0])
        counts[1] += 1
        if v.ok:
            survivors.append((name, f"{cm.mutant.kind} {cm.mutant.description} [{cm.why}]"))
            raises_only += cm.raises_only
            off_suite += not cm.on_suite
        else:
            killed += 1
            counts[0] += 1
            statuses[str(v.status)] += 1
    return LangReport(
        lang, functions=kg_total, known_good_total=kg_total, known_good_passed=kg_passed,
        known_good_failures=tuple(kg_failures), changing_total=changing, killed=killed,
        equivalent=equivalent, survivors=tuple(survivors), survivors_raises_only=raises_only,
        survivors_off_suite=off_suite,
        harness_errors=sum(v.status is VerdictStatus.HARNESS_ERROR for v in verdicts),
        lowering_failed=tuple(lowering_failed), unsupported=tuple(unsupported),
        kill_statuses=dict(sorted(statuses.items())), by_kind=dict(sorted(by_kind.items())))
