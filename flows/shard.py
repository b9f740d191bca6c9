"""One shard's work, composed from the pure stages: front end -> tests -> translate -> validate.

Key contracts: `process_shard` never raises for anything a program or candidate does;
every item ends as a sample row or a reject row, and `stats` counts what entered and left
each stage. It does no Prefect calls, so the flow, the CLI and tests share it.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from tolk.flows.config import BuildConfig
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.outcome import Rejected, Stage
from tolk.toolchains.registry import get_toolchain
from tolk.translators.base import Candidate
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.sandbox import SandboxPolicy
from tolk.validators.testgen import build_test_suite
from tolk.ir.vectors import TestSuite
from tolk.validators.batch import validate_batch
from tolk.validators.validate import ValidationLimits
from tolk.validators.verdict import Verdict

__all__ = ["ShardResult", "process_shard", "limits_for", "sample_row", "reject_row"]


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
               run_id: str, shard: str) -> dict[str, Any]:
    return {
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


def _prepare(index: int, fn: Function, config: BuildConfig, run_id: str,
             shard: str) -> _Prepared:
    """Tests and one candidate per language; rejections land in the result."""
    prep = _Prepared(index, fn, ShardResult())
    res = prep.result
    suite = build_test_suite(fn, n_inputs=config.n_inputs, n_shown=config.n_shown,
                             seed=config.seed, policy=SandboxPolicy(
                                 wall_seconds=config.run_timeout_s * 2,
                                 cpu_seconds=int(config.run_timeout_s * 2) + 1))
    if isinstance(suite, Rejected):
        res.rejects.append(reject_row(suite, run_id, shard))
        return prep
    res.stats["tested"] += 1
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


def process_shard(items: Sequence[Program | Rejected], config: BuildConfig, *, run_id: str,
                  shard: str, on_program_done: Callable[[], None] | None = None) -> ShardResult:
    """Run every stage over one shard's programs."""
    out = ShardResult()
    limits = limits_for(config)
    versions = {lang: _version(lang) for lang in config.langs}
    work: list[tuple[int, Function]] = []
    pending: Counter[int] = Counter()
    for i, item in enumerate(items):
        out.stats["programs"] += 1
        if isinstance(item, Rejected):
            out.stats["programs_rejected"] += 1
            out.rejects.append(reject_row(item, run_id, shard))
            continue
        for r in analyze_program(item):
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
            return _prepare(i, fn, config, run_id, shard)
        except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
            prep = _Prepared(i, fn, ShardResult())
            prep.result.rejects.append(_internal_error(fn, exc, run_id, shard))
            return prep

    # Functions go through in chunks: tests and translation in parallel, then one batched
    # validation per language, so progress moves while a big shard is being worked on.
    chunk = max(config.batch_size, config.workers)
    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for k in range(0, len(work), chunk):
            prepared = list(pool.map(prepare, work[k:k + chunk]))
            _validate_all(prepared, config, limits, versions, run_id, shard, pool)
            for prep in prepared:
                out.samples.extend(prep.result.samples)
                out.rejects.extend(prep.result.rejects)
                out.stats.update(prep.result.stats)
                pending[prep.index] -= 1
                if pending[prep.index] == 0 and on_program_done:
                    on_program_done()
    return out
