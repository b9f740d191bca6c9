"""One shard's work, composed from the pure stages: front end -> tests -> translate -> validate.

Key contracts: `process_shard` never raises for anything a program or candidate does;
every item ends as a sample row or a reject row, and `stats` counts what entered and left
each stage. It does no Prefect calls (beyond the optional LLM concurrency slot), so the
flow, the CLI and tests share it.

Backpressure: functions go through in chunks, and within a chunk translation and
validation alternate: tests for the chunk, then (LLM translators) per repair round ONE
batched backend call for every open conversation of the chunk, then one batched
validation per language of what it produced; failures open the next round (up to
`config.repair_rounds`). Memory is bounded by one chunk's conversations, and the model
and the compilers take turns instead of piling up work for each other.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

from tolk.flows.config import BuildConfig
from tolk.corpus.filters import FilterLimits, analyze_screened
from tolk.flows.concurrency import is_transient
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.outcome import Rejected, Stage
from tolk.toolchains.registry import get_toolchain
from tolk.translators.base import Candidate
from tolk.translators.lowering import LoweringTranslator

if TYPE_CHECKING:
    from tolk.translators.llm import LLMBackend
    from tolk.translators.llm_translator import LLMMeta, LLMTranslator, Turn
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.testgen import build_test_suite
from tolk.ir.vectors import TestSuite
from tolk.validators.batch import validate_batch
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import Verdict

__all__ = ["ShardResult", "process_shard", "limits_for", "sample_row", "reject_row",
           "run_llm_rounds", "LLMOutcome"]


@dataclass
class ShardResult:
    samples: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)


def limits_for(config: BuildConfig) -> ValidationLimits:
    base = ValidationLimits()
    return ValidationLimits(
        compile=dataclasses.replace(base.compile, wall_seconds=config.compile_timeout_s,
                                    cpu_seconds=int(config.compile_timeout_s * 2 / 3) + 1),
        run=dataclasses.replace(base.run, wall_seconds=config.run_timeout_s,
                                cpu_seconds=int(config.run_timeout_s) + 1),
        executor=config.executor,
    )


def reject_row(r: Rejected, run_id: str, shard: str, *, target_code: str = "",
               ran_on: str = "") -> dict[str, Any]:
    return {"stage": str(r.stage), "reason": r.reason, "family": r.family,
            "source_id": r.source_id, "source_uri": r.uri, "function": r.function,
            "lang": r.lang, "detail": r.detail, "run_id": run_id, "shard": shard,
            "target_code": target_code, "ran_on": ran_on}


def sample_row(fn: Function, cand: Candidate, verdict: Verdict, toolchain_version: str,
               run_id: str, shard: str, meta: "LLMMeta | None" = None) -> dict[str, Any]:
    llm = {"tokens_in": meta.tokens_in, "tokens_out": meta.tokens_out,
           "latency_s": meta.latency_s, "prompt_version": meta.prompt_version,
           "repair_from_code": meta.repair_from_code,
           "repair_feedback": meta.repair_feedback} if meta is not None else {
        "tokens_in": 0, "tokens_out": 0, "latency_s": 0.0, "prompt_version": "",
        "repair_from_code": "", "repair_feedback": ""}
    return {**llm,
        "id": content_id(fn.id, str(cand.lang), cand.code),
        "source_id": fn.program.source_id, "source_uri": fn.program.uri,
        "source_license": fn.program.license, "function": fn.name,
        "python_source": fn.source, "ir_signature": fn.signature.to_json(),
        "lang": str(cand.lang), "target_code": cand.code, "translator": cand.translator,
        "strategy": cand.strategy, "model": cand.model, "model_revision": cand.model_revision,
        "sampling_params": cand.sampling, "prompt_hash": cand.prompt_hash,
        "repair_round": cand.repair_round, "vectors_passed": verdict.passed,
        "vectors_total": verdict.total, "toolchain": toolchain_version.split(" ")[0],
        "toolchain_version": toolchain_version, "ran_on": verdict.ran_on, "run_id": run_id,
        "shard": shard, "created_at": datetime.now(timezone.utc),
    }


def _version(lang: Lang) -> str:
    """The toolchain version for provenance; a missing compiler is not an error here: its
    candidates end `unverified` with the reason (validators.validate)."""
    tc = get_toolchain(lang)
    return tc.version() if tc.availability() is None else f"{lang} (unavailable)"


def _verdict_reject(fn: Function, lang: Lang, v: Verdict) -> Rejected:
    detail = v.reason
    if v.first_failure is not None:
        ff = v.first_failure
        detail += f"; vector {ff.index}: args={ff.args} expected={ff.expected} got={ff.got}"
    elif v.compiler_output:
        detail += "; " + v.compiler_output[-200:]
    return Rejected(Stage.VALIDATE, str(v.status), fn.program.source_id, fn.program.uri,
                    fn.name, str(lang), detail[:500])


@dataclass
class _Prepared:
    """One function after test generation and translation, before validation."""
    index: int  # the program it came from (for progress)
    fn: Function
    result: ShardResult
    candidates: list[tuple[Candidate, TestSuite]] = field(default_factory=list)
    suite: TestSuite | None = None
    passed_round0: set[str] = field(default_factory=set)  # langs passed without repair
    passed_any: set[str] = field(default_factory=set)


def _prepare(index: int, fn: Function, config: BuildConfig, run_id: str,
             shard: str, translate: bool = True) -> _Prepared:
    """Tests and one candidate per language; rejections land in the result."""
    prep = _Prepared(index, fn, ShardResult())
    res = prep.result
    suite = build_test_suite(fn, n_inputs=config.n_inputs, n_shown=config.n_shown,
                             # Every target's value limits, whatever --to says: a function
                             # gets the same vectors (and prompts) in every run.
                             seed=config.seed, min_line_coverage=config.min_line_coverage,
                             policy=SandboxPolicy(
                                 wall_seconds=config.run_timeout_s * 2,
                                 cpu_seconds=int(config.run_timeout_s * 2) + 1))
    if isinstance(suite, Rejected):
        res.rejects.append(reject_row(suite, run_id, shard))
        return prep
    res.stats["tested"] += 1
    prep.suite = suite
    if not translate:  # an LLM translator works on the whole chunk at once
        return prep
    translator = LoweringTranslator()
    for lang in config.langs:
        cand = translator.translate(fn, suite, lang)
        if isinstance(cand, Rejected):
            res.rejects.append(reject_row(cand, run_id, shard))
            continue
        res.stats[f"translated:{lang}"] += 1
        prep.candidates.append((cand, suite))
    return prep


def _internal_error(fn: Function, exc: Exception, run_id: str, shard: str,
                    lang: str = "") -> dict[str, Any]:
    return reject_row(Rejected(Stage.VALIDATE, "internal_error", fn.program.source_id,
                               fn.program.uri, fn.name, lang,
                               f"{type(exc).__name__}: {exc}"[:500]), run_id, shard)


def _validate_group(group: list[tuple[_Prepared, Candidate, TestSuite]], lang: Lang,
                    limits: ValidationLimits, batch_size: int) -> list[Verdict]:
    items = [(cand.code, prep.fn.signature, suite) for prep, cand, suite in group]
    return validate_batch(items, get_toolchain(lang), limits, batch_size=batch_size)


def _validate_all(prepared: list[_Prepared], config: BuildConfig, limits: ValidationLimits,
                  versions: dict[Lang, str], run_id: str, shard: str,
                  pool: ThreadPoolExecutor) -> None:
    """Validate every candidate, batched per language, and file samples and rejects."""
    groups: list[tuple[Lang, list[tuple[_Prepared, Candidate, TestSuite]]]] = []
    for lang in config.langs:
        todo = [(p, c, s) for p in prepared for c, s in p.candidates if c.lang == lang]
        # Split so every worker gets a share, but never below a useful batch.
        step = max(1, min(config.batch_size, -(-len(todo) // config.workers)))
        groups += [(lang, todo[k:k + step]) for k in range(0, len(todo), step)]
    futures = [pool.submit(_validate_group, g, lang, limits, config.batch_size)
               for lang, g in groups]
    for (lang, group), fut in zip(groups, futures):
        try:
            verdicts = fut.result()
        except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
            if is_transient(exc):  # the task retries it (flows.concurrency)
                raise
            for prep, _, _ in group:
                prep.result.rejects.append(_internal_error(prep.fn, exc, run_id, shard, lang))
            continue
        for (prep, cand, _), verdict in zip(group, verdicts, strict=True):
            res = prep.result
            res.stats[f"validated:{lang}:{verdict.status}"] += 1
            res.stats[f"ran_on:{lang}:{verdict.ran_on or 'nowhere'}"] += 1
            if verdict.ok:
                res.stats[f"passed:{lang}"] += 1
                res.samples.append(sample_row(prep.fn, cand, verdict, versions[lang], run_id,
                                              shard))
            else:
                res.rejects.append(reject_row(_verdict_reject(prep.fn, lang, verdict), run_id,
                                              shard, target_code=cand.code,
                                              ran_on=verdict.ran_on))


# ---- the LLM stage: conversations, batched per round, validated per round ---------------

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


def _llm_chunk(prepared: list[_Prepared], config: BuildConfig, translator: "LLMTranslator",
               limits: ValidationLimits, versions: dict[Lang, str], run_id: str, shard: str,
               pool: ThreadPoolExecutor, stats: Counter[str]) -> None:
    """The LLM stage for one chunk; rows and counters land in each function's result."""

    def validate(items: list[tuple[Candidate, Function, TestSuite]]) -> list[Verdict | Exception]:
        out: list[Verdict | Exception | None] = [None] * len(items)
        jobs = []
        for lang in config.langs:
            idx = [i for i, (c, _, _) in enumerate(items) if c.lang == lang]
            step = max(1, min(config.batch_size, -(-len(idx) // config.workers)))
            for k in range(0, len(idx), step):
                part = idx[k:k + step]
                group = [(items[i][0].code, items[i][1].signature, items[i][2]) for i in part]
                jobs.append((part, pool.submit(validate_batch, group, get_toolchain(lang),
                                               limits, batch_size=config.batch_size)))
        for part, fut in jobs:
            try:
                got: list[Verdict | Exception] = list(fut.result())
            except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
                if is_transient(exc):  # the task retries it (flows.concurrency)
                    raise
                got = [exc] * len(part)
            for i, v in zip(part, got, strict=True):
                out[i] = v
        return [v if v is not None else RuntimeError("not validated") for v in out]

    starts = [(p.fn, p.suite, p) for p in prepared if p.suite is not None]
    for o in run_llm_rounds(starts, config.langs, translator, validate, stats):
        prep: _Prepared = o.tag
        res = prep.result
        if o.rejected is not None:
            if o.rejected.lang:
                res.stats[f"translate_in:{o.rejected.lang}"] += 1
            res.rejects.append(reject_row(o.rejected, run_id, shard, target_code=o.code))
            continue
        cand, lang = o.candidate, o.lang
        assert cand is not None
        key = f"{cand.strategy}:{lang}"
        res.stats[f"translate_in:{lang}"] += 1
        res.stats[f"translated:{lang}"] += 1
        res.stats[f"candidates:{key}"] += 1
        if isinstance(o.verdict, Exception) or o.verdict is None:
            res.rejects.append(_internal_error(prep.fn, o.verdict or RuntimeError("none"),
                                               run_id, shard, lang))
            continue
        verdict = o.verdict
        res.stats[f"validated:{lang}:{verdict.status}"] += 1
        res.stats[f"ran_on:{lang}:{verdict.ran_on or 'nowhere'}"] += 1
        if verdict.ok:
            res.stats[f"passed:{lang}"] += 1
            res.stats[f"passed:{key}"] += 1
            res.stats[f"passed_round{min(cand.repair_round, 1)}:{key}"] += 1
            if cand.repair_round == 0:
                prep.passed_round0.add(key)
            prep.passed_any.add(key)
            res.samples.append(sample_row(prep.fn, cand, verdict, versions[Lang(lang)], run_id,
                                          shard, o.meta))
        else:
            res.rejects.append(reject_row(_verdict_reject(prep.fn, Lang(lang), verdict), run_id,
                                          shard, target_code=cand.code, ran_on=verdict.ran_on))
    for prep in prepared:
        # Function-level: pass@1 (first round; with -n k it is pass@k) and after repair.
        for key in prep.passed_round0:
            prep.result.stats[f"fn_pass1:{key}"] += 1
        for key in prep.passed_any:
            prep.result.stats[f"fn_pass:{key}"] += 1


def process_shard(items: Sequence[Program | Rejected], config: BuildConfig, *, run_id: str,
                  shard: str, on_program_done: Callable[[], None] | None = None,
                  backend: "LLMBackend | None" = None) -> ShardResult:
    """Run every stage over one shard's programs. LLM translators use `backend`, or the
    process-wide one of `backend_for(config)` (created once, reused by every shard)."""
    out = ShardResult()
    translator: LLMTranslator | None = None
    if config.translator != "lowering":
        from tolk.translators.llm import backend_for
        from tolk.translators.llm_translator import LLMTranslator
        translator = LLMTranslator(backend or backend_for(config), config)
    limits = limits_for(config)
    filter_limits = FilterLimits.from_options(config.source_options)
    versions = {lang: _version(lang) for lang in config.langs}
    work: list[tuple[int, Function]] = []
    pending: Counter[int] = Counter()
    for i, item in enumerate(items):
        out.stats["programs"] += 1
        if isinstance(item, Rejected):
            out.stats["programs_rejected"] += 1
            out.rejects.append(reject_row(item, run_id, shard))
            continue
        for r in analyze_screened(item, filter_limits, infer=config.infer,
                                  executor=config.executor):
            if isinstance(r, Rejected):
                if r.function:
                    out.stats["functions"] += 1
                else:
                    out.stats["programs_rejected"] += 1
                out.rejects.append(reject_row(r, run_id, shard))
                continue
            out.stats["functions"] += 1
            out.stats["frontend_accepted"] += 1
            out.stats["with_body_ir"] += int(r.body is not None)
            work.append((i, r))
            pending[i] += 1
    for i in range(len(items)):
        if not pending[i] and on_program_done:
            on_program_done()

    def prepare(item: tuple[int, Function]) -> _Prepared:
        i, fn = item
        try:
            return _prepare(i, fn, config, run_id, shard, translate=translator is None)
        except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
            if is_transient(exc):  # the task retries it (flows.concurrency)
                raise
            prep = _Prepared(i, fn, ShardResult())
            prep.result.rejects.append(_internal_error(fn, exc, run_id, shard))
            return prep

    # Functions go through in chunks: tests and translation in parallel, then one batched
    # validation per language, so progress moves while a big shard is being worked on.
    chunk = max(config.batch_size, config.workers)
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for k in range(0, len(work), chunk):
            prepared = list(pool.map(prepare, work[k:k + chunk]))
            if translator is None:
                _validate_all(prepared, config, limits, versions, run_id, shard, pool)
            else:
                try:
                    _llm_chunk(prepared, config, translator, limits, versions, run_id, shard,
                               pool, out.stats)
                except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
                    if is_transient(exc):  # the task retries it (flows.concurrency)
                        raise
                    for prep in prepared:
                        prep.result.rejects.append(_internal_error(prep.fn, exc, run_id, shard))
            for prep in prepared:
                out.samples.extend(prep.result.samples)
                out.rejects.extend(prep.result.rejects)
                out.stats.update(prep.result.stats)
                pending[prep.index] -= 1
                if pending[prep.index] == 0 and on_program_done:
                    on_program_done()
    return out
