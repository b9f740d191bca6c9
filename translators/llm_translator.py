"""The LLM translator: strategies (direct, via-ir, draft) as conversations with a backend.

Key contracts:
- Work is organised as `Turn`s: one conversation waiting for the model's next answer,
  for one function and one target (`lang`), or for the Python rewrite (`lang is None`,
  stage "rewrite") of via-ir and of draft without body IR. `LLMTranslator.ask(turns)`
  sends ALL turns to the backend in ONE `generate` call (batching across a chunk),
  inside `llm_slot(config.llm_limit)`; every completion comes back as a `Reply`.
- `LLMTranslator.resolve(reply)` turns one completion into `Produced`: target candidates
  (each with its `LLMMeta`: tokens, latency, prompt version, the failing code and the
  feedback it repairs), rejections (stage TRANSLATE: `rejected_static:no_definition`,
  `llm_error:<kind>`, `via_ir:...`, contract reasons), and follow-up turns (a draft turn
  per language after an accepted rewrite; a repair turn for a failed rewrite). It never
  raises for anything the model answers.
- `repair(turn, answer, feedback)` is the next round of a conversation (round + 1), used
  by the shard for candidates that failed to compile or failed a vector.
- Strategy per run, recorded on every Candidate. via-ir: one model call per function
  serves every target (the rewrite is lowered to each language). draft: the lowered code
  (own body IR, or an accepted via-ir rewrite) is the draft the model improves.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Sequence

from tolk.errors import UnsupportedProgram
from tolk.flows.concurrency import llm_slot
from tolk.flows.config import BuildConfig
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected, Stage
from tolk.toolchains.base import Toolchain
from tolk.toolchains.registry import get_toolchain
from tolk.translators import prompts
from tolk.translators.base import Candidate
from tolk.translators.extract import extract
from tolk.translators.llm import LLMBackend, LLMRequest, LLMResponse, Sampling
from tolk.translators.via_ir import NO_DEFINITION, check_rewrite
from tolk.validators.sandbox import SandboxPolicy

__all__ = ["Turn", "Reply", "LLMMeta", "Produced", "LLMTranslator", "sampling_for",
           "REPAIRABLE", "verdict_feedback"]


@dataclass(frozen=True, slots=True)
class Turn:
    """A conversation waiting for the model's answer."""
    fn: Function
    suite: TestSuite
    lang: Lang | None  # None: the Python rewrite of via-ir (or of draft without body IR)
    strategy: str
    messages: prompts.Messages
    round: int = 0
    repair_from_code: str = ""
    repair_feedback: str = ""
    tag: Any = None  # the caller's handle, carried through unchanged

    @property
    def stage(self) -> str:
        return "rewrite" if self.lang is None else "target"


@dataclass(frozen=True, slots=True)
class Reply:
    """One completion of one turn (or the backend's error for it)."""
    turn: Turn
    text: str
    response: LLMResponse
    key: str  # the request's prompt hash


@dataclass(frozen=True, slots=True)
class LLMMeta:
    """What a sample row records beyond the Candidate (per completion)."""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    prompt_version: str = ""
    repair_from_code: str = ""
    repair_feedback: str = ""


@dataclass
class Produced:
    """What one reply led to."""
    candidates: list[tuple[Candidate, LLMMeta, Turn]] = field(default_factory=list)
    rejected: list[tuple[Rejected, str]] = field(default_factory=list)  # (rejection, code)
    turns: list[Turn] = field(default_factory=list)  # follow-up conversations
    rewrite: str = ""  # "ok" | "failed" | "" (not a rewrite)


def sampling_for(config: BuildConfig) -> Sampling:
    return Sampling(n=config.samples_per_prompt, temperature=config.temperature,
                    top_p=config.top_p, max_tokens=config.max_tokens, seed=config.seed)


def _reject(fn: Function, lang: Lang | str | None, reason: str, detail: str = "") -> Rejected:
    return Rejected(Stage.TRANSLATE, reason, fn.program.source_id, fn.program.uri, fn.name,
                    str(lang) if lang is not None else "", detail[:500])


class LLMTranslator:
    """Builds the conversations of one strategy and turns answers into candidates."""

    def __init__(self, backend: LLMBackend, config: BuildConfig) -> None:
        self.backend = backend
        self.config = config
        self.strategy = config.strategy
        self.sampling = sampling_for(config)
        self.version = prompts.template_version()
        self.policy = SandboxPolicy(wall_seconds=config.run_timeout_s * 2,
                                    cpu_seconds=int(config.run_timeout_s * 2) + 1)

    # ---- starting conversations -----------------------------------------------------

    def start(self, fn: Function, suite: TestSuite, langs: Sequence[Lang],
              tag: Any = None) -> tuple[list[Turn], list[Rejected]]:
        """Round-0 turns for fn (one per language, or one rewrite for via-ir)."""
        turns: list[Turn] = []
        rejected: list[Rejected] = []
        supported = []
        via_ir = self.strategy == "via-ir" or (self.strategy == "draft" and fn.body is None)
        for lang in langs:
            tc = get_toolchain(lang)
            # A via-ir rewrite is judged (e.g. data-parallel or not) when it is lowered.
            if reason := tc.supports(fn.signature) if via_ir else function_refusal(tc, fn):
                rejected.append(_reject(fn, lang, reason))
            else:
                supported.append(lang)
        if not supported:
            return turns, rejected
        if via_ir:
            return [Turn(fn, suite, None, self.strategy, prompts.via_ir_messages(fn, suite),
                         tag=tag)], rejected
        for lang in supported:
            draft = ""
            if self.strategy == "draft":
                try:
                    draft = get_toolchain(lang).lower(fn)
                except UnsupportedProgram as exc:
                    rejected.append(_reject(fn, lang, exc.reason, exc.detail))
                    continue
            turns.append(self._target_turn(fn, suite, lang, draft, tag))
        return turns, rejected

    def _target_turn(self, fn: Function, suite: TestSuite, lang: Lang, draft: str,
                     tag: Any) -> Turn:
        return Turn(fn, suite, lang, self.strategy,
                    prompts.translation_messages(fn, suite, lang, draft=draft), tag=tag)

    def repair(self, turn: Turn, answer: str, feedback: str, failed_code: str = "") -> Turn:
        """The next round: the conversation grown by the answer and what was wrong."""
        what = "function" if turn.lang is None else "file"
        lang = "python" if turn.lang is None else turn.lang
        return dataclasses.replace(
            turn, messages=prompts.repair_messages(turn.messages, answer, feedback, lang, what),
            round=turn.round + 1, repair_from_code=failed_code or answer,
            repair_feedback=prompts.sanitize(feedback))

    # ---- talking to the model ---------------------------------------------------------

    def ask(self, turns: Sequence[Turn]) -> list[list[Reply]]:
        """All turns in one backend call; per turn, its n completions (one error reply
        when the backend failed for it)."""
        if not turns:
            return []
        requests = [LLMRequest(t.messages, self.sampling) for t in turns]
        with llm_slot(self.config.llm_limit):
            responses = self.backend.generate(requests)
        out: list[list[Reply]] = []
        for turn, req, resp in zip(turns, requests, responses, strict=True):
            texts = resp.texts if not resp.error and resp.texts else ("",)
            out.append([Reply(turn, t, resp, req.key) for t in texts])
        return out

    # ---- answers into candidates ------------------------------------------------------

    def _candidate(self, reply: Reply, lang: Lang, code: str, strategy: str) -> Candidate:
        resp = reply.response
        return Candidate(lang, code, self.backend.name, strategy=strategy,
                         model=resp.model or self.backend.model,
                         model_revision=resp.model_revision or self.backend.model_revision,
                         sampling=self.sampling.to_json(), prompt_hash=reply.key,
                         repair_round=reply.turn.round)

    def meta(self, reply: Reply) -> LLMMeta:
        resp = reply.response
        n = max(1, len(resp.texts))
        return LLMMeta(tokens_in=resp.tokens_in, tokens_out=resp.tokens_out // n,
                       latency_s=resp.latency_s, prompt_version=self.version,
                       repair_from_code=reply.turn.repair_from_code,
                       repair_feedback=reply.turn.repair_feedback)

    def resolve(self, reply: Reply) -> Produced:
        turn = reply.turn
        out = Produced()
        if reply.response.error:
            kind = reply.response.error.split(":", 1)[0].strip() or "error"
            langs = [turn.lang] if turn.lang is not None else [
                lang for lang in self.config.langs
                if not get_toolchain(lang).supports(turn.fn.signature)]
            for lang in langs:
                out.rejected.append((_reject(turn.fn, lang, f"llm_error:{kind}",
                                             reply.response.error), ""))
            if turn.lang is None:
                out.rewrite = "failed"
            return out
        if turn.lang is None:
            return self._resolve_rewrite(reply, out)
        code = extract(reply.text, turn.lang, turn.fn.signature)
        if code is None:
            out.rejected.append((_reject(turn.fn, turn.lang, NO_DEFINITION,
                                         reply.text[-300:]), reply.text))
            if turn.round < self.config.repair_rounds:
                lang_name = prompts.display_name(turn.lang)
                out.turns.append(self.repair(turn, reply.text, (
                    f"Your answer holds no {lang_name} definition of `{turn.fn.name}` in the "
                    f"form the interface asks for (one ```{prompts.fence(turn.lang)} block "
                    "with the whole file).")))
            return out
        out.candidates.append((self._candidate(reply, turn.lang, code, turn.strategy),
                               self.meta(reply), turn))
        return out

    def _resolve_rewrite(self, reply: Reply, out: Produced) -> Produced:
        turn = reply.turn
        check = check_rewrite(turn.fn, turn.suite, reply.text, policy=self.policy,
                              executor="auto")
        if not check.ok:
            out.rewrite = "failed"
            out.rejected.append((_reject(turn.fn, None, check.reason, check.feedback),
                                 check.code or reply.text))
            if turn.round < self.config.repair_rounds:
                out.turns.append(self.repair(turn, reply.text, check.feedback, check.code))
            return out
        out.rewrite = "ok"
        rewrite = check.function
        assert rewrite is not None
        for lang in self.config.langs:
            tc = get_toolchain(lang)
            if tc.supports(turn.fn.signature):
                continue  # rejected when the conversation started
            try:
                lowered = tc.lower(rewrite)
            except UnsupportedProgram as exc:
                out.rejected.append((_reject(turn.fn, lang, exc.reason, exc.detail), ""))
                continue
            if turn.strategy == "draft":
                out.turns.append(self._target_turn(turn.fn, turn.suite, lang, lowered,
                                                   turn.tag))
            else:
                out.candidates.append((self._candidate(reply, lang, lowered, "via-ir"),
                                       self.meta(reply), turn))
        return out


def function_refusal(tc: Toolchain, fn: Function) -> str | None:
    """Why tc takes no translation of fn: its signature, or (for toolchains with a
    function-level contract, e.g. a data-parallel one) its body."""
    return tc.supports_function(fn)


#: verdicts a repair round can act on (unverified: nothing is known; harness_error: ours)
REPAIRABLE = frozenset({"compile_error", "runtime_error", "wrong_answer", "timeout",
                        "rejected_static"})


def verdict_feedback(v: Any, lang: Lang | str) -> str:
    """What a failed validation tells the model: compiler diagnostics, the static check's
    reason, or the first failing vector (input, expected, got)."""
    name = prompts.display_name(lang)
    status = str(v.status)
    if status == "compile_error":
        return (f"The {name} compiler rejected your answer:\n```\n"
                f"{prompts.sanitize(v.compiler_output)[-1500:].strip()}\n```")
    if status == "rejected_static":
        why = get_toolchain(lang).repair_hint(str(v.reason))
        return f"Your answer was refused before compiling: {v.reason}.{why}"
    if v.first_failure is not None:
        ff = v.first_failure
        what = {"timeout": "ran out of time", "runtime_error": "crashed"}.get(status, "")
        return (f"Your answer {what or 'compiled but computes a wrong result'} on a test: "
                f"for the input {ff.args} the expected result is {ff.expected}, "
                f"but it gave {ff.got}.")
    return f"Your answer failed its tests: {status} {v.reason}".strip() + "."
