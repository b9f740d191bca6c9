"""Build a function's TestSuite: generated inputs, the sandboxed reference's results, hygiene.

The reference runs twice, under two hash seeds, over the same inputs; any input whose
two results differ makes the function nondeterministic. Vector hygiene then drops what
no target can represent, with a reason per drop recorded in `TestSuite.notes`.

Key contracts: `build_test_suite` returns a `TestSuite` or a `Rejected` (stage TESTGEN)
whose reason is one of `REASONS`; it never raises for anything the reference does.
Notes are `inputs:N`, `vectors:N` and `dropped:<why>:<count>` with <why> in
raised / not_run / too_large / int64_overflow / non_finite_float / non_ascii_str /
str_control_char / ragged_matrix. Shown vectors are picked deterministically: small,
without empty arguments, with distinct expected values where possible.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from tolk.ir.function import Function
from tolk.ir.types import IRType, Kind
from tolk.ir.vectors import TestSuite, Vector
from tolk.outcome import Rejected, Stage
from tolk.validators.reference import OutcomeKind, ReferenceRun, RunStatus, run_reference
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.strategies import DEFAULT_DOMAIN, ValueDomain, generate_inputs

__all__ = ["build_test_suite", "vector_problem", "REASONS", "DEFINITION_FAILED", "CRASHED",
           "TIMEOUT", "NONDETERMINISTIC", "RETURN_TYPE_MISMATCH", "RAISES_ON_MOST_INPUTS",
           "TOO_FEW_VECTORS", "MIN_VECTORS", "DEFAULT_POLICY"]

DEFINITION_FAILED = "reference:definition_failed"
CRASHED = "reference:crashed"
TIMEOUT = "reference:timeout"  # some input (or the run) timed out: may not terminate
NONDETERMINISTIC = "reference:nondeterministic"
RETURN_TYPE_MISMATCH = "reference:return_type_mismatch"
RAISES_ON_MOST_INPUTS = "reference:raises_on_most_inputs"
TOO_FEW_VECTORS = "reference:too_few_vectors"
REASONS = frozenset({DEFINITION_FAILED, CRASHED, TIMEOUT, NONDETERMINISTIC,
                     RETURN_TYPE_MISMATCH, RAISES_ON_MOST_INPUTS, TOO_FEW_VECTORS})

MIN_VECTORS = 5
# Per-input limit 1 s and a stop after the first timeout keep a run inside 2 * 60 inputs
# worth of ordinary work; the wall clock is the backstop for code that eats the alarm.
DEFAULT_POLICY = SandboxPolicy(cpu_seconds=30, wall_seconds=30.0)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def build_test_suite(fn: Function, *, n_inputs: int = 60, n_shown: int = 3, seed: int = 0,
                     policy: SandboxPolicy | None = None, domain: ValueDomain = DEFAULT_DOMAIN,
                     input_timeout_s: float = 1.0, executor: str = "auto") -> TestSuite | Rejected:
    """Generate inputs, run the reference twice, clean the vectors; see the module docstring."""
    policy = policy or DEFAULT_POLICY
    inputs = generate_inputs(fn.signature, n_inputs, seed=seed, domain=domain)

    def run(hash_seed: int) -> ReferenceRun:
        return run_reference(fn, inputs, policy=policy, hash_seed=hash_seed,
                             timeout_s=input_timeout_s, executor=executor)

    def reject(reason: str, detail: str) -> Rejected:
        return Rejected(Stage.TESTGEN, reason, fn.program.source_id, fn.program.uri,
                        function=fn.name, detail=detail[:500])

    first = run(2 * seed + 1)
    if (bad := _run_problem(first, reject)) is not None:
        return bad
    second = run(2 * seed + 2)
    if (bad := _run_problem(second, reject)) is not None:
        return bad
    for k, (a, b) in enumerate(zip(first.outcomes, second.outcomes)):
        if a.raw != b.raw:
            return reject(NONDETERMINISTIC, f"input {k} {inputs[k]!r}: {a.raw[:120]} vs {b.raw[:120]}")
    outcomes = first.outcomes
    if mism := next((o for o in outcomes if o.kind is OutcomeKind.TYPE_MISMATCH), None):
        return reject(RETURN_TYPE_MISMATCH, mism.detail)
    raised = [o for o in outcomes if o.kind is OutcomeKind.ERROR]
    if 2 * len(raised) > len(outcomes):
        return reject(RAISES_ON_MOST_INPUTS, f"{len(raised)}/{len(outcomes)}; first: {raised[0].detail}")

    dropped: Counter[str] = Counter()
    kept: list[Vector] = []
    ret = fn.signature.returns
    for args, o in zip(inputs, outcomes):
        why = {OutcomeKind.ERROR: "raised", OutcomeKind.NOT_RUN: "not_run",
               OutcomeKind.TOO_LARGE: "too_large"}.get(o.kind) or vector_problem(o.value, ret)
        if why:
            dropped[why] += 1
        else:
            kept.append(Vector(args, o.value))
    notes = [f"inputs:{len(inputs)}", f"vectors:{len(kept)}"]
    notes += [f"dropped:{why}:{count}" for why, count in sorted(dropped.items())]
    if len(kept) < MIN_VECTORS:
        return reject(TOO_FEW_VECTORS, "; ".join(notes))
    return TestSuite(_mark_shown(kept, n_shown), tuple(notes))


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


def vector_problem(value: Any, t: IRType) -> str:
    """Why a result of type t cannot be a test vector ("" when it can)."""
    match t.kind:
        case Kind.INT:
            return "" if _INT64_MIN <= value <= _INT64_MAX else "int64_overflow"
        case Kind.FLOAT:
            return "" if math.isfinite(value) else "non_finite_float"
        case Kind.STR:
            if not value.isascii():
                return "non_ascii_str"
            # Line-oriented harnesses and C-string targets cannot carry control characters.
            return "str_control_char" if any(ord(c) < 32 or ord(c) == 127 for c in value) else ""
        case Kind.LIST:
            if t.rank == 2 and value and len({len(row) for row in value}) > 1:
                return "ragged_matrix"
            return next((p for p in (vector_problem(x, t.elem) for x in value) if p), "")
        case Kind.TUPLE:
            return next((p for p in (vector_problem(x, a) for x, a in zip(value, t.args)) if p), "")
    return ""


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
