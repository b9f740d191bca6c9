"""The LLM translator's strategies (direct, via-ir, draft) with a scripted backend, and
with the replay cassette: requests, extraction, provenance, rejections, follow-up turns."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tolk.flows.config import BuildConfig
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite, Vector
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.translators import prompts
from tolk.translators.llm import LLMRequest, LLMResponse
from tolk.translators.llm_translator import LLMTranslator, Reply

SRC = '''
def add3(a: int, b: int) -> int:
    """Return a plus b plus three."""
    return a + b + 3


def squares_of_positives(xs: list[int]) -> list[int]:
    """Squares of the positive elements."""
    return [x * x for x in xs if x > 0]


def shout(words: list[str]) -> int:
    """Number of words."""
    return len(words)
'''
REWRITE = '''Here it is:
```python
def squares_of_positives(xs: list[int]) -> list[int]:
    out: list[int] = []
    for x in xs:
        if x > 0:
            out.append(x * x)
    return out
```'''


def fn(name: str) -> Function:
    return next(f for f in analyze_source(SRC) if isinstance(f, Function) and f.name == name)


ADD_SUITE = TestSuite((Vector((1, 2), 6, True), Vector((0, 0), 3, False),
                       Vector((-5, 1), -1, False)))
SQ_SUITE = TestSuite((Vector(([1, -2, 3],), [1, 9], True), Vector(([],), [], False),
                      Vector(([-1],), [], False)))


class Scripted:
    """A backend answering with `answer(describe(messages))`; records each generate call."""

    name = "replay"
    model = "scripted"
    model_revision = "r1"

    def __init__(self, answer: Callable[[dict], str | None]) -> None:
        self.answer = answer
        self.calls: list[list[LLMRequest]] = []

    def generate(self, requests: Sequence[LLMRequest]) -> list[LLMResponse]:
        self.calls.append(list(requests))
        out = []
        for r in requests:
            text = self.answer(prompts.describe(r.messages))
            out.append(LLMResponse((), self.model, error="replay_missing") if text is None
                       else LLMResponse((text,) * r.sampling.n, self.model, "r1", tokens_in=40,
                                        tokens_out=10 * r.sampling.n, latency_s=0.5))
        return out


def lowered(d: dict) -> str:
    f = fn(d["function"])
    return f"Sure!\n```{d['target']}\n{get_toolchain(Lang(d['target'])).lower(f)}```\nDone."


def config(**kw) -> BuildConfig:
    base = dict(source=".", out=".", translator="replay", langs=["fortran", "cobol"])
    return BuildConfig(**{**base, **kw})


def test_direct_one_turn_per_language_one_backend_call_and_provenance() -> None:
    backend = Scripted(lowered)
    tr = LLMTranslator(backend, config(samples_per_prompt=2, temperature=0.7))
    turns, rejected = tr.start(fn("add3"), ADD_SUITE, [Lang.FORTRAN, Lang.COBOL])
    assert not rejected and [t.lang for t in turns] == [Lang.FORTRAN, Lang.COBOL]
    replies = tr.ask(turns)
    assert len(backend.calls) == 1 and len(backend.calls[0]) == 2
    assert [len(r) for r in replies] == [2, 2]  # n completions per turn
    produced = tr.resolve(replies[0][0])
    (cand, meta, _), = produced.candidates
    assert cand.code == get_toolchain(Lang.FORTRAN).lower(fn("add3"))
    assert (cand.translator, cand.strategy, cand.model, cand.model_revision) == \
        ("replay", "direct", "scripted", "r1")
    assert cand.prompt_hash == backend.calls[0][0].key and cand.repair_round == 0
    assert json.loads(cand.sampling)["n"] == 2 and json.loads(cand.sampling)["temperature"] == 0.7
    assert (meta.tokens_in, meta.tokens_out, meta.latency_s) == (40, 10, 0.5)
    assert meta.prompt_version == prompts.template_version() and meta.repair_feedback == ""


def test_no_definition_is_rejected_and_asks_again() -> None:
    tr = LLMTranslator(Scripted(lambda d: "I cannot do that, but loops are nice."), config())
    turns, _ = tr.start(fn("add3"), ADD_SUITE, [Lang.FORTRAN])
    produced = tr.resolve(tr.ask(turns)[0][0])
    (rej, code), = produced.rejected
    assert (rej.stage, rej.reason, rej.lang) == ("translate", "rejected_static:no_definition",
                                                 "fortran")
    assert rej.family == "rejected_static" and "loops are nice" in code
    (again,) = produced.turns
    assert again.round == 1 and again.messages[:2] == turns[0].messages
    assert "no Fortran definition of `add3`" in again.messages[-1][1]


def test_backend_error_is_a_rejection_with_its_kind_and_no_retry() -> None:
    tr = LLMTranslator(Scripted(lambda d: None), config())
    turns, _ = tr.start(fn("add3"), ADD_SUITE, [Lang.FORTRAN])
    produced = tr.resolve(tr.ask(turns)[0][0])
    assert [r.reason for r, _ in produced.rejected] == ["llm_error:replay_missing"]
    assert not produced.turns and not produced.candidates


def test_unsupported_signature_is_rejected_per_language() -> None:
    tr = LLMTranslator(Scripted(lowered), config())
    turns, rejected = tr.start(fn("shout"), TestSuite(()), [Lang.FORTRAN, Lang.JULIA])
    assert [t.lang for t in turns] == [Lang.JULIA]
    assert [(r.lang, r.reason) for r in rejected] == [("fortran", "unsupported_type:list[str]")]


def test_via_ir_one_call_serves_every_target() -> None:
    backend = Scripted(lambda d: REWRITE if d["target"] == "python" else None)
    tr = LLMTranslator(backend, config(strategy="via-ir", langs=list(Lang)))
    turns, _ = tr.start(fn("squares_of_positives"), SQ_SUITE, list(Lang))
    assert len(turns) == 1 and turns[0].lang is None
    produced = tr.resolve(tr.ask(turns)[0][0])
    assert produced.rewrite == "ok"
    # A filter is a compaction, not data-parallel: every target but CUDA takes the rewrite.
    assert sorted(str(c.lang) for c, _, _ in produced.candidates) == sorted(
        str(x) for x in Lang if x is not Lang.CUDA)
    assert [(r.lang, r.reason) for r, _ in produced.rejected] == [
        ("cuda", "unsupported:not_data_parallel")]
    for cand, _, _ in produced.candidates:
        assert cand.strategy == "via-ir"
        assert get_toolchain(cand.lang).static_check(cand.code, fn("squares_of_positives").signature) is None


def test_via_ir_rewrite_outside_the_subset_gets_a_repair_round_naming_it() -> None:
    still = "```python\ndef squares_of_positives(xs: list[int]) -> list[int]:\n" \
            "    return [x * x for x in xs if x > 0]\n```"
    tr = LLMTranslator(Scripted(lambda d: still), config(strategy="via-ir", repair_rounds=1))
    turns, _ = tr.start(fn("squares_of_positives"), SQ_SUITE, [Lang.FORTRAN])
    produced = tr.resolve(tr.ask(turns)[0][0])
    assert produced.rewrite == "failed" and not produced.candidates
    assert [r.reason for r, _ in produced.rejected] == ["via_ir:body:comprehension"]
    (again,) = produced.turns
    assert "comprehension" in again.messages[-1][1] and again.round == 1
    # the last round gets no further turn
    assert not tr.resolve(tr.ask([again])[0][0]).turns


def test_via_ir_rewrite_that_computes_something_else_is_caught_by_the_vectors() -> None:
    wrong = REWRITE.replace("x > 0", "x >= 0")
    tr = LLMTranslator(Scripted(lambda d: wrong), config(strategy="via-ir"))
    turns, _ = tr.start(fn("squares_of_positives"), TestSuite(
        (Vector(([0, 2],), [4], True),)), [Lang.FORTRAN])
    produced = tr.resolve(tr.ask(turns)[0][0])
    assert [r.reason for r, _ in produced.rejected] == ["via_ir:vector_mismatch"]
    assert "should return [4]" in produced.turns[0].messages[-1][1]


def test_draft_shows_the_lowered_code_and_without_body_goes_through_a_rewrite() -> None:
    backend = Scripted(lambda d: REWRITE if d["target"] == "python" else lowered(d))
    tr = LLMTranslator(backend, config(strategy="draft", langs=["julia"]))
    turns, _ = tr.start(fn("add3"), ADD_SUITE, [Lang.JULIA])
    assert get_toolchain(Lang.JULIA).lower(fn("add3")).strip() in turns[0].messages[1][1]
    turns, _ = tr.start(fn("squares_of_positives"), SQ_SUITE, [Lang.JULIA])
    assert turns[0].lang is None  # no body IR: rewrite first
    produced = tr.resolve(tr.ask(turns)[0][0])
    (draft_turn,) = produced.turns
    assert draft_turn.lang == Lang.JULIA and draft_turn.strategy == "draft"
    assert prompts.describe(draft_turn.messages)["strategy"] == "draft"
    assert "push!" in draft_turn.messages[1][1]  # the lowered rewrite is the draft


@pytest.mark.slow
def test_replay_backend_over_the_cassette() -> None:
    """The recorded cassette answers the pipeline's own requests (keys match)."""
    from tolk.translators.llm import backend_for, clear_backend_cache
    from tolk.validators.testgen import build_test_suite
    root = Path(__file__).resolve().parents[1] / "data" / "replay"
    clear_backend_cache("replay")
    cfg = config(cassette=str(root / "cassette.jsonl"), langs=["fortran"])
    tr = LLMTranslator(backend_for(cfg), cfg)
    src = (root / "programs" / "direct" / "replay_direct.py").read_text()
    f = next(f for f in analyze_source(src) if isinstance(f, Function) and f.name == "digit_sum")
    suite = build_test_suite(f, n_inputs=60, seed=0)
    assert isinstance(suite, TestSuite)
    turns, _ = tr.start(f, suite, [Lang.FORTRAN])
    reply: Reply = tr.ask(turns)[0][0]
    assert not reply.response.error
    (cand, _, _), = tr.resolve(reply).candidates
    assert "function digit_sum" in cand.code
