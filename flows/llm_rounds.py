"""The LLM stage's rounds: every conversation to its end, one backend call and one
validation call per round (shared by the corpus shard and `tolk translate`).

Key contracts: `run_llm_rounds` never raises for what a model answers; each candidate comes
back with its verdict (or the Exception that broke its validation), each refusal as a
rejection, in no particular order. Failing candidates get a repair turn with the verdict's
feedback while `config.repair_rounds` allow.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.translators.base import Candidate
from tolk.validators.verdict import Verdict

if TYPE_CHECKING:
    from tolk.translators.llm_translator import LLMMeta, LLMTranslator, Turn

__all__ = ["LLMOutcome", "Validate", "run_llm_rounds"]


@dataclass
class LLMOutcome:
    """One candidate of the LLM stage with its verdict, or one rejection before validation.
    `verdict` is an Exception when validation itself broke (our bug, kept per item)."""
    fn: Function
    lang: str
    tag: Any
    candidate: Candidate | None = None
    meta: "LLMMeta | None" = None
    verdict: Verdict | Exception | None = None
    rejected: Rejected | None = None
    code: str = ""  # what the model produced, for rejections


Validate = Callable[[list[tuple[Candidate, Function, TestSuite]]], list[Verdict | Exception]]


def run_llm_rounds(starts: Sequence[tuple[Function, TestSuite, Any]], langs: Sequence[Lang],
                   translator: "LLMTranslator", validate: Validate,
                   stats: Counter[str]) -> list[LLMOutcome]:
    """Every conversation of `starts` to its end: per round one backend call for all open
    turns, then one validation call for all candidates of the round; failing candidates
    get a repair turn while rounds remain. Returns every outcome, in no particular order.
    Stats: llm_calls, llm_requests, llm_completions, llm_errors, llm_tokens_in,
    llm_tokens_out, llm_ms (wall milliseconds inside the backend), rewrite_in/rewrite_ok."""
    from tolk.translators.llm_translator import REPAIRABLE, verdict_feedback

    outcomes: list[LLMOutcome] = []
    turns: list[Turn] = []
    for fn, suite, tag in starts:
        started, rejected = translator.start(fn, suite, langs, tag=tag)
        turns += started
        outcomes += [LLMOutcome(fn, r.lang, tag, rejected=r) for r in rejected]
    while turns:
        t0 = time.monotonic()
        replies = translator.ask(turns)
        stats["llm_ms"] += int((time.monotonic() - t0) * 1000)
        stats["llm_calls"] += 1
        stats["llm_requests"] += len(turns)
        next_turns: list[Turn] = []
        pending: list[tuple[Candidate, LLMMeta, Turn, str]] = []
        for per_turn in replies:
            resp = per_turn[0].response
            stats["llm_tokens_in"] += resp.tokens_in
            stats["llm_tokens_out"] += resp.tokens_out
            stats["llm_errors"] += int(bool(resp.error))
            for reply in per_turn:
                stats["llm_completions"] += 1
                turn = reply.turn
                produced = translator.resolve(reply)
                if produced.rewrite:
                    stats["rewrite_in"] += 1
                    stats["rewrite_ok"] += int(produced.rewrite == "ok")
                outcomes += [LLMOutcome(turn.fn, r.lang, turn.tag, rejected=r, code=code)
                             for r, code in produced.rejected]
                pending += [(c, m, t, reply.text) for c, m, t in produced.candidates]
                next_turns += produced.turns
        verdicts = validate([(c, t.fn, t.suite) for c, _, t, _ in pending])
        for (cand, meta, turn, answer), verdict in zip(pending, verdicts, strict=True):
            outcomes.append(LLMOutcome(turn.fn, str(cand.lang), turn.tag, cand, meta, verdict))
            if (isinstance(verdict, Verdict) and not verdict.ok and turn.lang is not None
                    and str(verdict.status) in REPAIRABLE
                    and turn.round < translator.config.repair_rounds):
                next_turns.append(translator.repair(turn, answer,
                                                    verdict_feedback(verdict, cand.lang),
                                                    cand.code))
        turns = next_turns
    return outcomes
