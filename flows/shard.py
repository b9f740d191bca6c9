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
from tolk.validators.validate import ValidationLimits, validate_candidate
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
                                    cpu_seconds=int(config.compile_timeout_s) + 1),
        run=dataclasses.replace(base.run, wall_seconds=config.run_timeout_s,
                                cpu_seconds=int(config.run_timeout_s) + 1),
        executor=config.executor,
    )


def reject_row(r: Rejected, run_id: str, shard: str) -> dict[str, Any]:
    return {"stage": str(r.stage), "reason": r.reason, "family": r.family,
            "source_id": r.source_id, "source_uri": r.uri, "function": r.function,
            "lang": r.lang, "detail": r.detail, "run_id": run_id, "shard": shard}


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


def _verdict_reject(fn: Function, lang: Lang, v: Verdict) -> Rejected:
    detail = v.reason
    if v.first_failure is not None:
        ff = v.first_failure
        detail += f"; vector {ff.index}: args={ff.args} expected={ff.expected} got={ff.got}"
    elif v.compiler_output:
        detail += "; " + v.compiler_output[-200:]
    return Rejected(Stage.VALIDATE, str(v.status), fn.program.source_id, fn.program.uri,
                    fn.name, str(lang), detail[:500])


def _process_function(fn: Function, config: BuildConfig, limits: ValidationLimits,
                      versions: dict[Lang, str], run_id: str, shard: str) -> ShardResult:
    res = ShardResult()
    suite = build_test_suite(fn, n_inputs=config.n_inputs, n_shown=config.n_shown,
                             seed=config.seed, policy=SandboxPolicy(
                                 wall_seconds=config.run_timeout_s * 2,
                                 cpu_seconds=int(config.run_timeout_s * 2) + 1))
    if isinstance(suite, Rejected):
        res.rejects.append(reject_row(suite, run_id, shard))
        return res
    res.stats["tested"] += 1
    translator = LoweringTranslator()
    for lang in config.langs:
        cand = translator.translate(fn, suite, lang)
        if isinstance(cand, Rejected):
            res.rejects.append(reject_row(cand, run_id, shard))
            continue
        res.stats[f"translated:{lang}"] += 1
        verdict = validate_candidate(cand.code, fn.signature, suite, get_toolchain(lang), limits)
        res.stats[f"validated:{lang}:{verdict.status}"] += 1
        if verdict.ok:
            res.stats[f"passed:{lang}"] += 1
            res.samples.append(sample_row(fn, cand, verdict, versions[lang], run_id, shard))
        else:
            res.rejects.append(reject_row(_verdict_reject(fn, lang, verdict), run_id, shard))
    return res


def process_shard(items: Sequence[Program | Rejected], config: BuildConfig, *, run_id: str,
                  shard: str, on_program_done: Callable[[], None] | None = None) -> ShardResult:
    """Run every stage over one shard's programs."""
    out = ShardResult()
    limits = limits_for(config)
    versions = {lang: get_toolchain(lang).version() for lang in config.langs}
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

    def run(item: tuple[int, Function]) -> tuple[int, ShardResult]:
        i, fn = item
        try:
            return i, _process_function(fn, config, limits, versions, run_id, shard)
        except Exception as exc:  # noqa: BLE001 - our bug must not lose the shard
            r = ShardResult()
            r.rejects.append(reject_row(Rejected(
                Stage.VALIDATE, "internal_error", fn.program.source_id, fn.program.uri,
                fn.name, detail=f"{type(exc).__name__}: {exc}"[:500]), run_id, shard))
            return i, r

    with ThreadPoolExecutor(max_workers=config.workers) as pool:
        for i, res in pool.map(run, work):
            out.samples.extend(res.samples)
            out.rejects.extend(res.rejects)
            out.stats.update(res.stats)
            pending[i] -= 1
            if pending[i] == 0 and on_program_done:
                on_program_done()
    return out

