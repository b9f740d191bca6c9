"""Build a function's TestSuite: generated inputs, the sandboxed reference's results, hygiene.

Inputs are generated in coverage-guided rounds: round 1 takes the docstring's examples
that fit the signature (ir/infer.py) and boundary inputs at the function's own numeric
and string constants (c - 1, c, c + 1), at most half of its `n_inputs`, the rest drawn
from the default domain (edge cases first) with the reference traced (line and branch coverage, validators/coverage.py);
while lines or branches stay uncovered, later rounds draw from a small domain
(equalities, tiny lists), a wide one (thresholds) and the default one again, up to
`coverage_rounds`, stopping after two rounds in a row add no coverage. Then the contract
rounds (validators/domain.py `contract_inputs`: ints at the int32/int53/int64 and decimal
edges, strings and lists at the targets' limits, float magnitudes, pairwise boundary
combinations) are always drawn and run (untraced); an input among them that times out
is dropped (`contract_timeout`), not a rejection. The reference then runs again,
untraced, under a second hash seed over every input; any input whose two results differ makes the function nondeterministic (exceptions
compare by type and normalised message: reference.same_outcome). Vector
hygiene (validators/hygiene.py) drops what a requested target cannot represent, with a
reason per drop recorded in `TestSuite.notes`. The kept set is at most `max_vectors`
(default n_inputs): the edge cases, a greedy cover preserving the coverage of all usable
vectors, then the rest in generation order. A suite below `min_line_coverage` is
rejected: its tests would not exercise the code they judge.

Every run checks the exact int64 contract (reference_worker.py): an input on which the
reference computes an integer outside int64 anywhere is dropped (`int64_intermediate`).
Last, the mutation search (validators/suite_mutation.py, once per function): mutants of
the reference run over the usable vectors plus `mutation_budget` seeded domain draws;
a greedy cover adds at most `max_cover_vectors` of them so that every distinguishable
mutant is killed; a suite whose mutation score stays below `min_mutation_score` is
rejected `reference:weak_suite`.

Key contracts: `build_test_suite` returns a `TestSuite` or a `Rejected` (stage TESTGEN)
whose reason is one of `REASONS`; it never raises for anything the reference does.
The raised-on-most-inputs check counts the generated inputs only (the contract rounds
probe limits where raising is common). `reference:timeout` is the slow-reference filter
(an input over its time limit, or the run over its wall clock). Notes are `inputs:N`,
`vectors:N`, `rounds:N`, `coverage:L/B`, `mutants:<killed>/<distinguishable>` (with
`mutants_unreached:N` when some could not run), `pool:N` (usable inputs of the mutation
search) and `dropped:<why>:<count>` with <why> in raised / not_run / too_large /
int64_intermediate / contract_timeout / contract_run or a hygiene reason
(validators.hygiene.REASONS). Shown vectors are picked deterministically: small, without
empty arguments, with distinct expected values where possible.
"""

from __future__ import annotations

import ast
import dataclasses
from collections import Counter
from typing import Any, Callable, Sequence

from tolk import pyast
from tolk.ir.function import Function
from tolk.ir.infer import describe_value, docstring_examples, unify
from tolk.ir.types import IRType, Kind
from tolk.ir.vectors import TestSuite, Vector, coerce
from tolk.outcome import Rejected, Stage
from tolk.validators.coverage import (Trace, branch_points, measure, raise_lines,
                                      select_vectors)
from tolk.validators.hygiene import value_problem, vector_problem as _hygiene_problem
from tolk.validators.reference import (InputOutcome, OutcomeKind, ReferenceRun, RunStatus,
                                       run_reference, same_outcome)
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.compare import Tolerance
from tolk.validators.domain import (boundary_singles, contract_inputs, domain_inputs,
                                    int64_contract)
from tolk.validators.strategies import DEFAULT_DOMAIN, ValueDomain, edge_cases, generate_inputs
from tolk.validators.suite_mutation import cover, pick_reference_mutants, run_mutants

__all__ = ["build_test_suite", "vector_problem", "REASONS", "DEFINITION_FAILED", "CRASHED",
           "TIMEOUT", "NONDETERMINISTIC", "RETURN_TYPE_MISMATCH", "RAISES_ON_MOST_INPUTS",
           "TOO_FEW_VECTORS", "LOW_COVERAGE", "WEAK_SUITE", "MIN_VECTORS", "DEFAULT_POLICY",
           "MIN_MUTATION_SCORE"]

DEFINITION_FAILED = "reference:definition_failed"
CRASHED = "reference:crashed"
TIMEOUT = "reference:timeout"  # some input (or the run) timed out: may not terminate
NONDETERMINISTIC = "reference:nondeterministic"
RETURN_TYPE_MISMATCH = "reference:return_type_mismatch"
RAISES_ON_MOST_INPUTS = "reference:raises_on_most_inputs"
TOO_FEW_VECTORS = "reference:too_few_vectors"
LOW_COVERAGE = "reference:low_coverage"
WEAK_SUITE = "reference:weak_suite"  # mutation score below the minimum
REASONS = frozenset({DEFINITION_FAILED, CRASHED, TIMEOUT, NONDETERMINISTIC,
                     RETURN_TYPE_MISMATCH, RAISES_ON_MOST_INPUTS, TOO_FEW_VECTORS, LOW_COVERAGE,
                     WEAK_SUITE})
MIN_MUTATION_SCORE = 0.98

MIN_VECTORS = 5
# Per-input limit 1 s (of CPU time: the suite must not follow the machine's load) and a stop
# after the first timeout keep a run inside 2 * 60 inputs worth of ordinary work. The CPU
# rlimit decides; the wall clock, at 4x, is the backstop for code that blocks or eats the
# alarm, loose enough that a loaded machine (CI) does not reach it first.
DEFAULT_POLICY = SandboxPolicy(cpu_seconds=30, wall_seconds=120.0)


def vector_problem(value: Any, t: IRType) -> str:
    """Why a result of type t cannot be a test vector for any target ("" when it can)."""
    return value_problem(value, t)


def _round_domains(domain: ValueDomain) -> tuple[ValueDomain, ...]:
    """Round 1 uses domain; later rounds a small one (hits equalities), a wide one (hits
    thresholds), then domain again under another seed."""
    small = dataclasses.replace(domain, int_min=max(domain.int_min, -4), int_max=min(domain.int_max, 4),
                                float_min=max(domain.float_min, -4.0),
                                float_max=min(domain.float_max, 4.0),
                                max_list_len=min(domain.max_list_len, 4),
                                max_str_len=min(domain.max_str_len, 4),
                                alphabet="ab ")
    wide = dataclasses.replace(domain, int_min=domain.int_min * 1000, int_max=domain.int_max * 1000,
                               float_min=domain.float_min * 1000, float_max=domain.float_max * 1000,
                               max_list_len=domain.max_list_len * 2,
                               max_str_len=domain.max_str_len * 2)
    return (domain, small, wide, domain)


def build_test_suite(fn: Function, *, n_inputs: int = 60, n_shown: int = 3, seed: int = 0,
                     policy: SandboxPolicy | None = None, domain: ValueDomain = DEFAULT_DOMAIN,
                     input_timeout_s: float = 1.0, executor: str = "auto",
                     langs: Sequence[str] = (), min_line_coverage: float = 0.0,
                     coverage_rounds: int = 4, max_vectors: int | None = None,
                     contract_rounds: bool = True, int64: bool = True,
                     mutation_budget: int = 400, max_mutants: int = 60,
                     max_cover_vectors: int = 16,
                     min_mutation_score: float = MIN_MUTATION_SCORE,
                     mark: Callable[[str], None] | None = None,
                     ) -> TestSuite | Rejected:
    """Generate inputs, run the reference twice, clean the vectors; see the module docstring.
    `mark(part)` is told as each part starts (testgen.inputs, .reference, .coverage,
    .mutation): timing only (flows.watchdog), nothing here depends on it."""
    policy = policy or DEFAULT_POLICY
    sig = fn.signature
    part = mark or (lambda _: None)

    def run(inputs: list[tuple[Any, ...]], hash_seed: int, coverage: bool,
            max_timeouts: int = 1) -> ReferenceRun:
        part("testgen.reference")
        return run_reference(fn, inputs, policy=policy, hash_seed=hash_seed,
                             timeout_s=input_timeout_s, executor=executor, coverage=coverage,
                             int64=int64, max_timeouts=max_timeouts)

    def reject(reason: str, detail: str) -> Rejected:
        return Rejected(Stage.TESTGEN, reason, fn.program.source_id, fn.program.uri,
                        function=fn.name, detail=detail[:500])

    inputs: list[tuple[Any, ...]] = []
    outcomes: list[InputOutcome] = []
    seen: set[str] = set()
    executable: tuple[int, ...] = ()
    points: tuple[Any, ...] = ()
    best = -1
    rounds = stale = 0
    for k, dom in enumerate(_round_domains(domain)[:max(1, coverage_rounds)]):
        part("testgen.inputs")
        extra: list[tuple[Any, ...]] = []
        if k == 0:  # the docstring's examples and boundaries at the code's own constants
            extra = list({repr(a): a for a in _docstring_inputs(fn) + _boundary_inputs(fn, domain)
                          }.values())[:n_inputs // 2]
        drawn = generate_inputs(sig, n_inputs + len(extra), seed=seed + 7919 * k, domain=dom)
        if extra:
            n_edge = len(edge_cases(sig, dom))
            drawn = list({repr(a): a for a in drawn[:n_edge] + extra + drawn[n_edge:]}.values())
            drawn = drawn[:n_inputs]
        fresh = list({repr(a): a for a in drawn if repr(a) not in seen}.values())
        if not fresh:
            break
        first = run(fresh, 2 * seed + 1, coverage=True)
        if (bad := _run_problem(first, reject)) is not None:
            return bad
        rounds += 1
        seen.update(repr(a) for a in fresh)
        inputs += fresh
        outcomes += first.outcomes
        part("testgen.coverage")
        if k == 0:
            unreachable = raise_lines(fn.program.text, first.first_line)
            executable = tuple(ln for ln in first.executable_lines if ln not in unreachable)
            points = branch_points(fn.program.text, first.first_line)
        report = measure(_traces(outcomes), executable, points)
        score = report.lines_hit + report.branches_hit
        stale = stale + 1 if score <= best else 0
        best = max(best, score)
        if stale >= 2 or not executable or (report.lines_hit == report.lines_total
                                            and report.branches_hit == report.branches_total):
            break

    dropped: Counter[str] = Counter()
    n_generated = len(inputs)
    if contract_rounds:
        part("testgen.inputs")
        fresh = [a for a in contract_inputs(sig, seed, langs) if repr(a) not in seen]
        # Untraced: tracing long lists is the costly part, and the mutation cover picks
        # what these inputs add (coverage comes from the generated rounds).
        cr = run(fresh, 2 * seed + 1, coverage=False, max_timeouts=3) if fresh else None
        if cr is not None and cr.status is not RunStatus.COMPLETED:
            dropped["contract_run"] += len(fresh)  # e.g. the wall clock: keep the rest
        elif cr is not None:
            for a, o in zip(fresh, cr.outcomes):
                if o.kind in (OutcomeKind.TIMEOUT, OutcomeKind.NOT_RUN):
                    dropped["contract_timeout"] += 1
                else:
                    seen.add(repr(a))
                    inputs.append(a)
                    outcomes.append(o)

    second = run(inputs, 2 * seed + 2, coverage=False)
    if (bad := _run_problem(second, reject)) is not None:
        return bad
    for k, (a, b) in enumerate(zip(outcomes, second.outcomes)):
        if not same_outcome(a, b):  # exceptions by type (reference.py)
            return reject(NONDETERMINISTIC, f"input {k} {inputs[k]!r}: {a.raw[:120]} vs {b.raw[:120]}")
    if mism := next((o for o in outcomes if o.kind is OutcomeKind.TYPE_MISMATCH), None):
        return reject(RETURN_TYPE_MISMATCH, mism.detail)
    raised = [o for o in outcomes[:n_generated] if o.kind is OutcomeKind.ERROR]
    if 2 * len(raised) > n_generated:
        return reject(RAISES_ON_MOST_INPUTS, f"{len(raised)}/{n_generated}; first: {raised[0].detail}")

    part("testgen.coverage")
    kept: list[tuple[Vector, InputOutcome]] = []
    for args, o in zip(inputs, outcomes):
        if why := _unusable(args, o, sig, langs):
            dropped[why] += 1
        else:
            kept.append((Vector(args, o.value), o))
    edge_keys = {repr(a) for a in edge_cases(sig, domain)}
    if contract_rounds:  # the boundary values are part of every suite, not only drawn
        edge_keys |= {repr(a) for a in boundary_singles(
            sig, langs, cap=min(32, (max_vectors or n_inputs) // 2))}
    traces = _traces([o for _, o in kept])
    chosen = select_vectors(traces, executable, points,
                            keep=[i for i, (v, _) in enumerate(kept) if repr(v.args) in edge_keys],
                            cap=max_vectors or n_inputs)
    report = measure([traces[i] for i in chosen], executable, points)
    vectors = [kept[i][0] for i in chosen]
    mut_notes: list[str] = []
    score: float | None = None
    n_dist: int | None = None
    survivors: list[str] = []
    if mutation_budget > 0 and max_mutants > 0:
        part("testgen.mutation")
        added, score, n_dist, mut_notes, survivors = _mutation_search(
            fn, [v for v, _ in kept], chosen, seen, seed=seed, budget=mutation_budget,
            max_mutants=max_mutants, max_added=max_cover_vectors, langs=langs,
            executor=executor)
        vectors += added
    notes = [f"inputs:{len(inputs)}", f"vectors:{len(vectors)}", f"rounds:{rounds}"]
    if report.line is not None:
        notes.append(f"coverage:{report.line:.3f}/{report.branch:.3f}")
    notes += mut_notes
    notes += [f"dropped:{why}:{count}" for why, count in sorted(dropped.items())]
    if len(vectors) < MIN_VECTORS:
        return reject(TOO_FEW_VECTORS, "; ".join(notes))
    if report.line is not None and report.line < min_line_coverage:
        missed = sorted(set(executable) - set().union(*(traces[i].lines for i in chosen)))
        return reject(LOW_COVERAGE, f"line coverage {report.line:.3f} < {min_line_coverage}; "
                                    f"lines never run: {missed[:20]}; " + "; ".join(notes))
    if score is not None and score < min_mutation_score:
        return reject(WEAK_SUITE, f"mutation score {score:.3f} < {min_mutation_score}; "
                                  f"survivors: {'; '.join(survivors[:5])}; " + "; ".join(notes))
    return TestSuite(_mark_shown(vectors, n_shown), tuple(notes), line_coverage=report.line,
                     branch_coverage=report.branch, mutation_score=score,
                     mutants_distinguishable=n_dist, int64_contract=int64_contract(sig))


def _unusable(args: tuple[Any, ...], o: InputOutcome, sig: Any, langs: Sequence[str]) -> str:
    """Why an input's outcome is not a vector ("" when it is)."""
    return {OutcomeKind.ERROR: "raised", OutcomeKind.NOT_RUN: "not_run",
            OutcomeKind.TOO_LARGE: "too_large", OutcomeKind.TIMEOUT: "not_run",
            OutcomeKind.INT64: "int64_intermediate"}.get(o.kind) or \
        _hygiene_problem(args, o.value, sig, langs)


def _mutation_search(fn: Function, usable: list[Vector], chosen: list[int], seen: set[str], *,
                     seed: int, budget: int, max_mutants: int, max_added: int,
                     langs: Sequence[str], executor: str,
                     ) -> tuple[list[Vector], float, int, list[str], list[str]]:
    """Vectors added by the cover, the mutation score, the distinguishable count, notes
    and the surviving mutants' descriptions (see validators/suite_mutation.py)."""
    sig = fn.signature
    # The chosen vectors first: a mutant's kill set is cut after its first differing
    # inputs, so those the suite already holds are seen before any others.
    rest = sorted(set(range(len(usable))) - set(chosen))
    pool = [usable[i] for i in chosen] + [usable[i] for i in rest]
    chosen = list(range(len(chosen)))
    # The domain draws get their expected values from the mutant worker's own run of the
    # original (one sandboxed run for both); only those that make vectors count.
    extra = [a for a in domain_inputs(sig, seed, budget, langs) if repr(a) not in seen]
    args = [v.args for v in pool] + extra
    known = len(pool)
    mutants = pick_reference_mutants(fn, max_mutants, seed)
    res = run_mutants(fn, mutants, args, [v.expected for v in pool], tolerance=Tolerance(),
                      executor=executor, max_kills=24, known=known,
                      usable=lambda k, o: not _unusable(args[k], o, sig, langs))
    for k in range(known, len(args)):
        o = res.base[k] if k < len(res.base) else None
        ok = o is not None and o.kind is OutcomeKind.OK and not _unusable(args[k], o, sig, langs)
        pool.append(Vector(args[k], o.value) if ok and o is not None else Vector(args[k], None))
    n_pool = sum(1 for v in pool if v.expected is not None) if extra else len(pool)
    # A mutant that returns another value somewhere must be killed by such a vector: one
    # that only makes it raise or leave int64 relies on the target trapping there.
    sets = [v or k for k, v in zip(res.kills, res.value_kills)]
    added, killed = cover(sets, chosen, max_added)
    dist = res.distinguishable
    score = killed / len(dist) if dist else 1.0
    have = set(chosen) | set(added)
    survivors = [f"{mutants[j].kind} {mutants[j].description}" for j in dist
                 if not (sets[j] & have)]
    notes = [f"mutants:{killed}/{len(dist)}", f"pool:{n_pool}"]
    if res.unreached:
        notes.append(f"mutants_unreached:{res.unreached}")
    return [pool[i] for i in added], score, len(dist), notes, survivors


def _docstring_inputs(fn: Function) -> list[tuple[Any, ...]]:
    """Argument tuples of the docstring's examples that fit the signature's types."""
    out: list[tuple[Any, ...]] = []
    for ex in docstring_examples(fn.signature.docstring, fn.name)[:20]:
        if len(ex.args) != len(fn.signature.params):
            continue
        args = []
        for a, p in zip(ex.args, fn.signature.params):
            # Fits when the declared type covers the value's ("list[?]" for [], int in float).
            if unify(describe_value(a), str(p.type)) != str(p.type):
                break
            args.append(coerce(a, p.type))
        else:
            out.append(tuple(args))
    return out


def _boundary_inputs(fn: Function, domain: ValueDomain, cap: int = 24) -> list[tuple[Any, ...]]:
    """The first edge case with one argument moved onto a constant of the function (c - 1,
    c, c + 1 for numbers; the literal for strings; a one-element list): off-by-one and
    constant mutants differ exactly there, and uniform draws rarely land on them."""
    try:
        tree = pyast.parse(fn.source.lstrip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    nums = sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and type(n.value) in (int, float) and abs(n.value) <= 10**6}, key=repr)
    strs = sorted({n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and isinstance(n.value, str) and 0 < len(n.value) <= 32 and n.value.isascii()})
    base = edge_cases(fn.signature, domain)
    if not base:
        return []
    out: list[tuple[Any, ...]] = []
    for k, p in enumerate(fn.signature.params):
        t = p.type
        values: list[Any] = []
        if t.kind in (Kind.INT, Kind.FLOAT) or (t.kind is Kind.LIST and t.rank == 1
                                                and t.elem.kind in (Kind.INT, Kind.FLOAT)):
            scalar = t if t.kind is not Kind.LIST else t.elem
            cast = int if scalar.kind is Kind.INT else float
            nums_t = [cast(c + d) for c in nums for d in (-1, 0, 1)]
            values = nums_t if t.kind is not Kind.LIST else [[v] for v in nums_t]
        elif t.kind is Kind.STR:
            values = strs
        for v in values:
            args = list(base[1 % len(base)])
            args[k] = v
            out.append(tuple(args))
    return out[:cap]


def _traces(outcomes: Sequence[InputOutcome]) -> list[Trace]:
    return [Trace(frozenset(o.lines), frozenset(o.arcs)) for o in outcomes]


def _run_problem(run: ReferenceRun, reject: Any) -> Rejected | None:
    """A whole-run failure (or any timed-out input) as its rejection; None when usable."""
    stderr = run.sandbox.stderr[-300:] if run.sandbox else ""
    match run.status:
        case RunStatus.DEFINITION_FAILED:
            return reject(DEFINITION_FAILED, run.reason)
        case RunStatus.TIMED_OUT:
            return reject(TIMEOUT, run.reason)
        case RunStatus.CRASHED:
            return reject(CRASHED, f"{run.reason}; {stderr}")
    if any(o.kind is OutcomeKind.TIMEOUT for o in run.outcomes):
        k = next(i for i, o in enumerate(run.outcomes) if o.kind is OutcomeKind.TIMEOUT)
        return reject(TIMEOUT, f"input {k} exceeded the per-input limit")
    return None


def _size(v: Any) -> int:
    if isinstance(v, (list, tuple)):
        return 1 + sum(_size(x) for x in v)
    return len(v) + 1 if isinstance(v, str) else 1


def _has_empty(v: Any) -> bool:
    return (isinstance(v, (list, str)) and len(v) == 0) or (
        isinstance(v, list) and any(_has_empty(x) for x in v if isinstance(x, list)))


def _mark_shown(vectors: list[Vector], n_shown: int) -> tuple[Vector, ...]:
    """Mark n_shown vectors shown: non-empty args first, then small, distinct expected values."""
    order = sorted(range(len(vectors)), key=lambda i: (
        any(_has_empty(a) for a in vectors[i].args), sum(_size(a) for a in vectors[i].args),
        len(repr(vectors[i].args)), i))
    picked: list[int] = []
    seen: set[str] = set()
    for distinct_only in (True, False):
        for i in order:
            key = repr(vectors[i].expected)
            if len(picked) < n_shown and i not in picked and (key not in seen or not distinct_only):
                picked.append(i)
                seen.add(key)
    return tuple(Vector(v.args, v.expected, shown=i in picked) for i, v in enumerate(vectors))
