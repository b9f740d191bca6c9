"""Mutation-adequate suites: mutate the Python reference, search hard for inputs that
tell each mutant apart, keep a small vector set that kills every mutant some input does.

Once per function (not per candidate or target): up to `max_mutants` mutants of the
reference (validators/mutate.py, kind-balanced, seeded) run in ONE sandboxed reference
worker over a pool of inputs: the suite's usable candidates plus a large seeded budget
from the contract domain (validators/domain.py), filtered to vectors inside the contract
(the reference returns, every integer fits int64, hygiene passes for the targets). A
mutant is *distinguishable* when some pool input gives another result (compared as
validators compare: `values_equal` with the suite's tolerance), raises, times out or
leaves int64 where the reference does not. A greedy set cover then adds pool vectors to
the coverage-chosen ones until every distinguishable mutant is killed (by a vector where
it returns another value, when there is one: a kill by raising relies on the target
trapping there), at most `max_added` of them; the *mutation score* is killed / distinguishable (1.0 with no
distinguishable mutant).

Key contracts: `run_mutants` never raises for anything the reference or a mutant does: a
mutant that cannot be set up, or that the run did not reach (wall clock), is left out
(`MutantResults.unreached`). `cover` is pure and deterministic (ties go to the earlier
pool index).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from tolk.ir.function import Function
from tolk.validators.compare import Tolerance, input_scale, values_equal
from tolk.validators.mutate import Mutant, all_mutants, sample_mutants
from tolk.validators.reference import _WORKER, with_sandbox_python
from tolk.validators.reference import (  # one decoder for the worker's records
    InputOutcome, OutcomeKind, _decode, _Mismatch, _outcome)
from tolk.validators.sandbox import SandboxPolicy, run_sandboxed

__all__ = ["MutantResults", "pick_reference_mutants", "run_mutants", "cover", "SEARCH_POLICY"]

# One worker runs every mutant over hundreds of inputs; per-input limits keep a looping
# mutant to one timeout (CPU time, like the rlimit that bounds the whole search); the wall
# clock is a backstop at 4x, so that load on the machine does not change the mutation score.
SEARCH_POLICY = SandboxPolicy(cpu_seconds=60, wall_seconds=240.0)


@dataclass(frozen=True, slots=True)
class MutantResults:
    mutants: tuple[Mutant, ...]
    #: per mutant: the pool indices on which it differs from the reference
    kills: tuple[frozenset[int], ...]
    unreached: int = 0  # mutants not set up or not reached before the wall clock
    #: per mutant: the pool indices where it returned another value (not raised/timed out)
    value_kills: tuple[frozenset[int], ...] = ()
    #: the original's outcome per pool input past `known` (run_mutants), else None
    base: tuple["InputOutcome | None", ...] = ()

    @property
    def distinguishable(self) -> list[int]:
        return [j for j, k in enumerate(self.kills) if k]


def pick_reference_mutants(fn: Function, max_mutants: int, seed: int) -> list[Mutant]:
    """Up to max_mutants distinct mutants of fn, kind-balanced and seeded."""
    seen: set[str] = set()
    out: list[Mutant] = []
    try:
        candidates = sample_mutants(all_mutants(fn.source, fn.name), seed)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    for m in candidates:
        if len(out) >= max_mutants:
            break
        if m.source not in seen:
            seen.add(m.source)
            out.append(m)
    return out


def run_mutants(fn: Function, mutants: Sequence[Mutant], pool: Sequence[tuple[Any, ...]],
                expected: Sequence[Any], *, tolerance: Tolerance = Tolerance(),
                policy: SandboxPolicy = SEARCH_POLICY, hash_seed: int = 1,
                timeout_s: float = 0.25, executor: str = "auto", max_kills: int = 0,
                known: int | None = None,
                usable: Callable[[int, InputOutcome], bool] | None = None) -> MutantResults:
    """Every mutant over the pool, in one sandboxed worker; `expected` are the
    reference's results on the pool (all inside the contract). With max_kills a mutant
    stops after that many differing inputs (the cover still has a choice among them).

    With `known` < len(pool), only the first `known` inputs have `expected` values: the
    worker's own reference results stand for the others (one run instead of two), an
    input there counts only when `usable(k, outcome)` says so, and `MutantResults.base`
    holds those outcomes (None for the known ones)."""
    known = len(pool) if known is None else known
    if not mutants or not pool:
        empty = tuple(frozenset[int]() for _ in mutants)
        return MutantResults(tuple(mutants), empty, value_kills=empty,
                             base=(None,) * len(pool))
    python, policy = with_sandbox_python(policy)
    request = json.dumps({
        "source": fn.program.text, "function": fn.name, "inputs": [list(a) for a in pool],
        "timeout_s": timeout_s, "max_timeouts": 1, "max_result_chars": 200000,
        "int64": True, "mutants": [m.source for m in mutants], "max_kills": max_kills,
        "emit_base": known < len(pool)})
    workdir = Path(tempfile.mkdtemp(prefix="tolk-mut-"))
    try:
        shutil.copyfile(_WORKER, workdir / "worker.py")
        res = run_sandboxed(
            [python, "-S", "-s", "-B", "worker.py"], workdir=workdir, stdin=request,
            policy=dataclasses.replace(policy, output_limit_bytes=max(
                policy.output_limit_bytes, 32 << 20)),
            writable_workdir=False, executor=executor,
            env={"PYTHONHASHSEED": str(hash_seed), "PYTHONIOENCODING": "utf-8"})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ret = fn.signature.returns
    types = [p.type for p in fn.signature.params]
    kills: list[set[int]] = [set() for _ in mutants]
    values: list[set[int]] = [set() for _ in mutants]
    fatal: set[int] = set()
    base: list[InputOutcome | None] = [None] * len(pool)
    expected = list(expected[:known]) + [None] * (len(pool) - known)
    last = -1  # the highest mutant index seen: later ones were not reached
    done = False
    for line in res.stdout.splitlines():
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            break  # a cut last line
        if "done" in obj:
            done = True
            break
        if "fatal" in obj and "m" not in obj:
            break  # the original failed to set up: nothing is distinguishable
        if "b" in obj:
            k = int(obj.pop("b"))
            if known <= k < len(pool):
                o = _outcome(obj, line, ret)
                base[k] = o
                if o.kind is OutcomeKind.OK and (usable is None or usable(k, o)):
                    expected[k] = o.value
            continue
        j = int(obj.get("m", -1))
        if not 0 <= j < len(mutants):
            continue
        last = max(last, j)
        if "fatal" in obj:
            fatal.add(j)
            continue
        k = int(obj["i"])
        if k >= known and expected[k] is None:
            continue  # not a vector: the original raised there, or it is unusable
        if "ok" in obj:
            try:
                got = _decode(obj["ok"], ret)
            except _Mismatch:
                kills[j].add(k)
                values[j].add(k)
                continue
            if values_equal(got, expected[k], ret, tolerance, input_scale(pool[k], types)):
                continue  # differs in its printed form only (within tolerance)
            values[j].add(k)
        kills[j].add(k)
    reached = len(mutants) if done else max(last, 0)  # the last one seen may be partial
    for j in range(reached, len(mutants)):
        if not kills[j]:
            fatal.add(j)
    return MutantResults(tuple(mutants), tuple(frozenset() if j in fatal else frozenset(k)
                                               for j, k in enumerate(kills)),
                         unreached=len(fatal),
                         value_kills=tuple(frozenset() if j in fatal else frozenset(v)
                                           for j, v in enumerate(values)),
                         base=tuple(base))


def cover(kills: Sequence[frozenset[int]], chosen: Sequence[int],
          max_added: int) -> tuple[list[int], int]:
    """(pool indices added to `chosen`, greedily, so that every mutant with a non-empty
    kill set is killed, at most max_added; number of mutants the result kills)."""
    have = set(chosen)
    alive = {j for j, k in enumerate(kills) if k and not (k & have)}
    added: list[int] = []
    while alive and len(added) < max_added:
        counts: dict[int, int] = {}
        for j in alive:
            for i in kills[j]:
                counts[i] = counts.get(i, 0) + 1
        best = min(counts, key=lambda i: (-counts[i], i))
        added.append(best)
        have.add(best)
        alive = {j for j in alive if best not in kills[j]}
    killed = sum(1 for k in kills if k and (k & have))
    return added, killed
