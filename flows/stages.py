"""The per-item stage functions that run inside a watchdog worker (flows.watchdog).

Each is module-level (pickled by name) with the signature `fn(ctx, item, mark)`, calls
`mark(stage)` as it enters a stage, and returns plain picklable values; turning them into
rows and counters is the shard's job (flows.shard), in the parent.
"""

from __future__ import annotations

from dataclasses import dataclass

from tolk.corpus.filters import FilterLimits, analyze_screened
from tolk.flows.config import BuildConfig
from tolk.flows.watchdog import Mark
from tolk.ir.function import Function, Program
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.translators.base import Candidate
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.testgen import build_test_suite

__all__ = ["FrontendCtx", "frontend_job", "testgen_job", "lowering_job"]


@dataclass(frozen=True)
class FrontendCtx:
    limits: FilterLimits
    infer: str
    executor: str


def frontend_job(ctx: FrontendCtx, program: Program, mark: Mark) -> list[Function | Rejected]:
    """Parse, build IR, infer types and screen every function of one program."""
    mark("frontend")
    return analyze_screened(program, ctx.limits, infer=ctx.infer, executor=ctx.executor)


def testgen_job(config: BuildConfig, fn: Function, mark: Mark) -> TestSuite | Rejected:
    """Test vectors for one function, from its sandboxed reference runs."""
    mark("testgen")
    return build_test_suite(fn, n_inputs=config.n_inputs, n_shown=config.n_shown,
                            # Every target's value limits, whatever --to says: a function
                            # gets the same vectors (and prompts) in every run.
                            seed=config.seed, min_line_coverage=config.min_line_coverage,
                            min_mutation_score=config.min_mutation_score,
                            policy=SandboxPolicy(
                                wall_seconds=config.run_timeout_s * 2,
                                cpu_seconds=int(config.run_timeout_s * 2) + 1),
                            mark=mark)


def lowering_job(_: None, item: tuple[Function, TestSuite, Lang],
                 mark: Mark) -> Candidate | Rejected:
    """One function lowered to one target language."""
    fn, suite, lang = item
    mark("lowering")
    return LoweringTranslator().translate(fn, suite, lang)
