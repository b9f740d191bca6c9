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
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Sequence

from tolk.flows.config import BuildConfig
from tolk.corpus.filters import FilterLimits
from tolk.flows.concurrency import TransientError, is_transient
from tolk.flows.llm_rounds import LLMOutcome, run_llm_rounds
from tolk.flows.stages import FrontendCtx, frontend_job, lowering_job, testgen_job
from tolk.flows.watchdog import ItemOutcome, StageClock, StageWorker, process_cpu
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.outcome import Rejected, Stage
from tolk.toolchains.registry import get_toolchain
from tolk.translators.base import Candidate

if TYPE_CHECKING:
    from tolk.translators.llm import LLMBackend
    from tolk.translators.llm_translator import LLMMeta, LLMTranslator
from tolk.corpus.row_tests import row_tests_columns
from tolk.ir.vectors import TestSuite
from tolk.validators.batch import validate_batch
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["ShardResult", "process_shard", "limits_for", "sample_row", "reject_row",
           "run_llm_rounds", "LLMOutcome"]


@dataclass
class ShardResult:
    samples: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[dict[str, Any]] = field(default_factory=list)
    stats: Counter[str] = field(default_factory=Counter)
    # candidates no runtime here could run, as sample rows (store: unverified/<shard>)
    unverified: list[dict[str, Any]] = field(default_factory=list)
    # stage: [[seconds, item], ...], the slowest items of the shard (timing/<shard>.json)
    slowest: dict[str, list[list[Any]]] = field(default_factory=dict)


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
               run_id: str, shard: str, meta: "LLMMeta | None" = None,
               suite: TestSuite | None = None) -> dict[str, Any]:
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
        # how adequate the vectors are (validators/suite_mutation.py): null when not measured
        "mutation_score": suite.mutation_score if suite is not None else None,
        "mutants_distinguishable": suite.mutants_distinguishable if suite is not None else None,
        # the row's own tests, contract and toolchain command (corpus/row_tests.py)
        **row_tests_columns(fn.signature, str(cand.lang), suite),
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


def _timeout_reject(stage: str, source_id: str, uri: str, function: str = "", lang: str = "",
                    *, crashed: bool, bound: float) -> Rejected:
    """An item the watchdog stopped: `internal_error:<stage>_timeout` (or `_crashed` when
    the worker died under it, e.g. killed for memory)."""
    where = {"frontend": Stage.FRONTEND, "testgen": Stage.TESTGEN,
             "lowering": Stage.TRANSLATE}.get(stage, Stage.VALIDATE)
    what = "crashed" if crashed else "timeout"
    detail = (f"the {stage} worker died while on this item" if crashed else
              f"the {stage} stage ran past the {bound:g} s CPU bound (--stage-timeout); stopped")
    return Rejected(where, f"internal_error:{stage}_{what}", source_id, uri, function, lang,
                    detail)


def _stopped(o: ItemOutcome) -> str:
    return o.timed_out or o.crashed


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
                  pool: ThreadPoolExecutor, clock: StageClock) -> None:
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
            # Sandbox seconds (a batch's compile shared out over its candidates); no CPU
            # split: the compiler and the runs are children of the shared validate threads.
            label = f"{prep.fn.program.uri}:{prep.fn.name}:{lang}"
            clock.add("validate.compile", verdict.compile_s, 0.0, label)
            clock.add("validate.run", verdict.run_s, 0.0, label)
            res.stats[f"validated:{lang}:{verdict.status}"] += 1
            res.stats[f"ran_on:{lang}:{verdict.ran_on or 'nowhere'}"] += 1
            if verdict.ok:
                res.stats[f"passed:{lang}"] += 1
                res.samples.append(sample_row(prep.fn, cand, verdict, versions[lang], run_id,
                                              shard, suite=prep.suite))
            else:
                res.rejects.append(reject_row(_verdict_reject(prep.fn, lang, verdict), run_id,
                                              shard, target_code=cand.code,
                                              ran_on=verdict.ran_on))
                if verdict.status is VerdictStatus.UNVERIFIED:  # for `tolk verify --write`
                    res.unverified.append(sample_row(prep.fn, cand, verdict, versions[lang],
                                                     run_id, shard, suite=prep.suite))


# ---- the LLM stage: conversations, batched per round, validated per round ---------------

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
                                          shard, o.meta, suite=prep.suite))
        else:
            res.rejects.append(reject_row(_verdict_reject(prep.fn, Lang(lang), verdict), run_id,
                                          shard, target_code=cand.code, ran_on=verdict.ran_on))
            if verdict.status is VerdictStatus.UNVERIFIED:  # for `tolk verify --write`
                res.unverified.append(sample_row(prep.fn, cand, verdict, versions[Lang(lang)],
                                                 run_id, shard, o.meta, suite=prep.suite))
    for prep in prepared:
        # Function-level: pass@1 (first round; with -n k it is pass@k) and after repair.
        for key in prep.passed_round0:
            prep.result.stats[f"fn_pass1:{key}"] += 1
        for key in prep.passed_any:
            prep.result.stats[f"fn_pass:{key}"] += 1


class _Watched:
    """The shard's watchdog workers, one per thread. Items are dealt one at a time to
    whichever worker is free: a static split left one worker idle while the other worked
    through a run of slow functions (one program's, side by side in the list). An item's
    result does not depend on its worker, so the dealing changes no row."""

    def __init__(self, config: BuildConfig, pool: ThreadPoolExecutor) -> None:
        self.bound = config.stage_timeout_s
        self.workers = [StageWorker(self.bound) for _ in range(config.workers)]
        self.pool = pool

    def map(self, fn: Any, ctx: Any, items: Sequence[Any]) -> list[ItemOutcome]:
        if not items:
            return []
        got: list[ItemOutcome | None] = [None] * len(items)
        todo = iter(range(len(items)))
        lock = threading.Lock()

        def drain(worker: StageWorker) -> None:
            while True:
                with lock:
                    k = next(todo, None)
                if k is None:
                    return
                got[k] = worker.map(fn, ctx, [items[k]])[0]

        futures = [self.pool.submit(drain, w) for w in self.workers[:len(items)]]
        for f in futures:
            f.result()
        return [o if o is not None else ItemOutcome(crashed="dispatch") for o in got]

    def close(self) -> None:
        for w in self.workers:
            w.close()


def _raise_transient(o: ItemOutcome) -> None:
    if o.transient:  # the task retries it (flows.concurrency)
        raise TransientError(o.error)


def _frontend(items: Sequence[Program | Rejected], config: BuildConfig, watched: _Watched,
              clock: StageClock, out: ShardResult, run_id: str, shard: str
              ) -> list[tuple[int, Function]]:
    """Every program through the front end (watched); returns (program index, function)."""
    ctx = FrontendCtx(FilterLimits.from_options(config.source_options), config.infer,
                      config.executor)
    programs = [(i, p) for i, p in enumerate(items) if isinstance(p, Program)]
    t0 = time.monotonic()
    outcomes = watched.map(frontend_job, ctx, [p for _, p in programs])
    clock.span("frontend", time.monotonic() - t0)
    by_index = dict(zip((i for i, _ in programs), outcomes))
    work: list[tuple[int, Function]] = []
    for i, item in enumerate(items):
        out.stats["programs"] += 1
        if isinstance(item, Rejected):
            out.stats["programs_rejected"] += 1
            out.rejects.append(reject_row(item, run_id, shard))
            continue
        o = by_index[i]
        clock.add_outcome(o, item.uri)
        _raise_transient(o)
        if _stopped(o):
            clock.add(o.timed_out or "frontend", watched.bound if o.timed_out else 0.0, 0.0,
                      item.uri)
            results: list[Function | Rejected] = [_timeout_reject(
                "frontend", item.source_id, item.uri, crashed=bool(o.crashed),
                bound=watched.bound)]
        elif o.error:
            results = [Rejected(Stage.FRONTEND, "internal_error", item.source_id, item.uri,
                                detail=o.error[:500])]
        else:
            results = o.value
        for r in results:
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
    return work


def _prepare_chunk(chunk: list[tuple[int, Function]], config: BuildConfig, watched: _Watched,
                   clock: StageClock, translate: bool, run_id: str,
                   shard: str) -> list[_Prepared]:
    """Tests for every function, then (lowering) one candidate per language; both watched.
    Rejections land in each function's result."""
    prepared = [_Prepared(i, fn, ShardResult()) for i, fn in chunk]

    def fail(prep: _Prepared, o: ItemOutcome, stage: str, lang: str = "") -> None:
        _raise_transient(o)
        fn = prep.fn
        if _stopped(o):
            clock.add(stage, watched.bound if o.timed_out else 0.0, 0.0, f"{fn.program.uri}:"
                      f"{fn.name}")
            r = _timeout_reject(stage, fn.program.source_id, fn.program.uri, fn.name, lang,
                                crashed=bool(o.crashed), bound=watched.bound)
            prep.result.rejects.append(reject_row(r, run_id, shard))
        else:
            prep.result.rejects.append(_internal_error(fn, RuntimeError(o.error), run_id,
                                                       shard, lang))

    t0 = time.monotonic()
    suites = watched.map(testgen_job, config, [fn for _, fn in chunk])
    clock.span("testgen", time.monotonic() - t0)
    for prep, o in zip(prepared, suites):
        clock.add_outcome(o, f"{prep.fn.program.uri}:{prep.fn.name}")
        if not o.ok:
            fail(prep, o, "testgen")
        elif isinstance(o.value, Rejected):
            prep.result.rejects.append(reject_row(o.value, run_id, shard))
        else:
            prep.result.stats["tested"] += 1
            prep.suite = o.value
            for note in o.value.notes:  # vectors outside the int64 contract, in the funnel
                if note.startswith("dropped:int64_intermediate:"):
                    prep.result.stats["hygiene:int64_intermediate"] += int(note.rsplit(":", 1)[1])
    if not translate:  # an LLM translator works on the whole chunk at once
        return prepared
    todo = [(p, lang) for p in prepared if p.suite is not None for lang in config.langs]
    t0 = time.monotonic()
    outcomes = watched.map(lowering_job, None, [(p.fn, p.suite, lang) for p, lang in todo])
    clock.span("lowering", time.monotonic() - t0)
    for (prep, lang), o in zip(todo, outcomes):
        clock.add_outcome(o, f"{prep.fn.program.uri}:{prep.fn.name}:{lang}")
        assert prep.suite is not None
        if not o.ok:
            fail(prep, o, "lowering", str(lang))
        elif isinstance(o.value, Rejected):
            prep.result.rejects.append(reject_row(o.value, run_id, shard))
        else:
            prep.result.stats[f"translated:{lang}"] += 1
            prep.candidates.append((o.value, prep.suite))
    return prepared


def process_shard(items: Sequence[Program | Rejected], config: BuildConfig, *, run_id: str,
                  shard: str, on_program_done: Callable[[], None] | None = None,
                  backend: "LLMBackend | None" = None) -> ShardResult:
    """Run every stage over one shard's programs. LLM translators use `backend`, or the
    process-wide one of `backend_for(config)` (created once, reused by every shard).
    The front end, test generation and the lowering run in watchdog workers
    (flows.watchdog): an item that spins past `config.stage_timeout_s` in one of them
    becomes `internal_error:<stage>_timeout`. Wall and CPU seconds per stage land in
    `stats` (`stage_wall_ms:<stage>`, ...) and the slowest items in `slowest`."""
    out = ShardResult()
    translator: LLMTranslator | None = None
    if config.translator != "lowering":
        from tolk.translators.llm import backend_for
        from tolk.translators.llm_translator import LLMTranslator
        translator = LLMTranslator(backend or backend_for(config), config)
    limits = limits_for(config)
    versions = {lang: _version(lang) for lang in config.langs}
    clock = StageClock()
    # Functions go through in chunks: tests and translation in parallel, then one batched
    # validation per language, so progress moves while a big shard is being worked on.
    chunk = max(config.batch_size, config.workers)
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        watched = _Watched(config, pool)
        try:
            work = _frontend(items, config, watched, clock, out, run_id, shard)
            pending: Counter[int] = Counter(i for i, _ in work)
            for i in range(len(items)):
                if not pending[i] and on_program_done:
                    on_program_done()
            for k in range(0, len(work), chunk):
                prepared = _prepare_chunk(work[k:k + chunk], config, watched, clock,
                                          translator is None, run_id, shard)
                t0 = time.monotonic()
                c0 = process_cpu()  # only validation runs here now
                if translator is None:
                    _validate_all(prepared, config, limits, versions, run_id, shard, pool, clock)
                else:
                    try:
                        _llm_chunk(prepared, config, translator, limits, versions, run_id,
                                   shard, pool, out.stats)
                    except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
                        if is_transient(exc):  # the task retries it (flows.concurrency)
                            raise
                        for prep in prepared:
                            prep.result.rejects.append(_internal_error(prep.fn, exc, run_id,
                                                                       shard))
                phase = "translate+validate" if translator else "validate"
                clock.add(phase, time.monotonic() - t0, process_cpu() - c0,
                          f"chunk {k // chunk}", items=len(prepared))
                clock.span(phase, time.monotonic() - t0)
                for prep in prepared:
                    out.samples.extend(prep.result.samples)
                    out.rejects.extend(prep.result.rejects)
                    out.unverified.extend(prep.result.unverified)
                    out.stats.update(prep.result.stats)
                    pending[prep.index] -= 1
                    if pending[prep.index] == 0 and on_program_done:
                        on_program_done()
        finally:
            watched.close()
    out.stats.update(clock.counters())
    out.slowest = clock.slowest_rows()
    return out
