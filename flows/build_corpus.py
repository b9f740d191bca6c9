"""The `build_corpus` Prefect flow: sample -> IR -> tests -> translate -> validate -> store.

A thin composition: one task per shard (never per program: large fan-outs overload the
server), each shard written atomically with a completion marker, so a re-run skips what is
done. The funnel, throughput and top failure reasons are attached to the flow run as
artifacts with stable keys, so runs form a history in the Prefect UI, and a self-contained
HTML report is written to OUT/report.html at the end of every run.

Key contracts:
- Shard ids are `NNNNN-<key>`: the key is a fingerprint of the shard's programs and of
  `run_key(config)` (output-relevant settings, translator/model/sampling, prompt template
  version, toolchain versions, tolk version). Same inputs, same ids; any change that could
  change a shard's rows gives new ids, so a stale shard is never reused.
- Planning streams: programs are read lazily from the source and at most
  `shards_in_flight` shards are held in memory at once (bounded queue = backpressure
  between reading and validating).
- A run killed at any point (SIGKILL, or SIGTERM/SIGINT: flows.shutdown) and started again ends with exactly the rows of an
  uninterrupted run: completed shards are skipped, the shard in flight is recomputed and
  replaces any partial files (store.py writes stats last).
- Shards run through the flow's task runner with `.submit()`: the default thread runner
  (one shard at a time; a shard is parallel inside), or Prefect's Dask runner
  (`build_corpus_with("dask", address=...)`) to fan out over a cluster.
- A shard task is retried with exponential backoff only for transient errors
  (flows.concurrency); a shard that still fails does not stop the others: the run ends
  failed after the report is written, and a re-run redoes only the failed shards.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections import deque
from functools import lru_cache
from importlib import metadata
from itertools import islice
from pathlib import Path
from typing import Any, Iterator, Literal, NamedTuple, Sequence

from prefect import Flow, flow, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run
from pydantic import BaseModel

from tolk.corpus.sources import iter_filtered
from tolk.corpus.funnel import compute_funnel
from tolk.corpus.store import read_stats, shard_complete, write_shard
from tolk.errors import TolkError
from tolk.flows.concurrency import SHARD_RETRY
from tolk.flows.config import BuildConfig
from tolk.flows.runlog import (log_event, mark_run_finished, mark_run_started,
                               write_json_atomic, write_timing)
from tolk.flows.shard import process_shard
from tolk.flows.procs import stopping
from tolk.flows.shutdown import run_token, stop_run
from tolk.flows.watchdog import RunStopping
from tolk.ir.function import Program, content_id
from tolk.lang import Lang
from tolk.outcome import Rejected

__all__ = ["build_corpus", "build_corpus_with", "run_build", "RunSummary", "ShardPlan",
           "ShardsFailed", "plan_shards", "run_key", "prompt_template_version",
           "source_items", "expected_programs", "make_task_runner"]

log = logging.getLogger("tolk.flows.build_corpus")

TaskRunnerName = Literal["default", "dask"]


class RunSummary(BaseModel):
    out: str
    shards: int
    shards_skipped: int
    shards_failed: list[str] = []
    programs: int
    functions: int
    with_body_ir: int
    passed: dict[str, int]
    verdicts: dict[str, dict[str, int]]
    yield_over_body_ir: dict[str, float]
    report: str = ""


class ShardsFailed(TolkError):
    """Some shards failed after their retries; the rest of the run is stored."""

    def __init__(self, failed: list[tuple[str, str]]) -> None:
        first = "; ".join(f"{s}: {e}" for s, e in failed[:3])
        super().__init__(f"{len(failed)} shard(s) failed ({first}); run again to retry them")
        self.failed = failed


class ShardPlan(NamedTuple):
    shard: str
    items: list[Program | Rejected]


# --- what decides a shard's identity ---------------------------------------------------

def prompt_template_version() -> str:
    """Hash of every `toolchains/*/prompt*.j2` (name + bytes): a prompt edit re-runs shards."""
    import tolk.toolchains as tc_pkg
    h = hashlib.sha256()
    root = Path(tc_pkg.__file__).parent
    for path in sorted(root.glob("*/prompt*.j2")):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@lru_cache(maxsize=None)
def _toolchain_version(lang: Lang) -> str:
    from tolk.toolchains.registry import get_toolchain
    try:
        tc = get_toolchain(lang)
        return tc.version() if tc.availability() is None else f"{lang} (unavailable)"
    except Exception as exc:  # noqa: BLE001 - a broken probe must not stop planning
        return f"{lang} (version unknown: {type(exc).__name__})"


def _tolk_version() -> str:
    try:
        return metadata.version("tolk")
    except metadata.PackageNotFoundError:
        return "unknown"


def run_key(config: BuildConfig) -> str:
    """Everything besides the programs that decides a shard's rows."""
    llm = config.translator != "lowering"
    parts = {
        "config": config.fingerprint(),  # IR/test settings, translator, model, sampling
        "prompts": prompt_template_version() if llm else "",
        "toolchains": {str(lang): _toolchain_version(lang) for lang in config.langs},
        "tolk": _tolk_version(),
    }
    return content_id(json.dumps(parts, sort_keys=True))


# --- streaming plan ------------------------------------------------------------------------

def source_items(config: BuildConfig) -> Iterator[Program | Rejected]:
    """The source's programs, lazily, capped at config.max_programs."""
    # One filtered stream per run: duplicates are found across shards (hashes only).
    items = iter_filtered(config.source, config.source_options)
    return islice(items, config.max_programs) if config.max_programs else items


def plan_shards(config: BuildConfig, key: str | None = None) -> Iterator[ShardPlan]:
    """Chunk the source into shards whose ids depend only on content and settings; lazy."""
    key = key if key is not None else run_key(config)
    items = source_items(config)
    for k in range(1 << 62):
        chunk = list(islice(items, config.shard_size))
        if not chunk:
            return
        shard_id = content_id(key, *(getattr(i, "source_id", "") + i.uri for i in chunk))
        yield ShardPlan(f"{k:05d}-{shard_id[:10]}", chunk)


def expected_programs(config: BuildConfig) -> int | None:
    """A cheap upper bound of the programs to come, for progress bars: file names only, for a
    directory source; None when it cannot be known without reading the source."""
    root = Path(config.source)
    if not root.is_dir():
        return None
    pattern = config.source_options.get("pattern", "**/*.py")
    n = sum(1 for p in root.glob(pattern) if p.is_file())
    return min(n, config.max_programs) if config.max_programs else n


class _PlanWriter:
    """plan.json (config, key, programs so far, then the final shard list) and
    plan-shards.jsonl (one line per planned shard), both readable mid-run.
    `programs_expected` is the progress-bar total while planning still streams."""

    def __init__(self, out: Path, run_id: str, key: str, config: BuildConfig) -> None:
        self.out, self.run_id, self.key, self.config = out, run_id, key, config
        self.shards: list[str] = []
        self.programs = 0
        self.expected = expected_programs(config)
        self._last = 0.0
        (out / "plan-shards.jsonl").write_text("")
        self._write(final=False)

    def _write(self, final: bool) -> None:
        write_json_atomic(self.out / "plan.json", {
            "run_id": self.run_id, "key": self.key, "planning": not final,
            "programs": self.programs,
            "programs_expected": self.programs if final else self.expected,
            "shards": self.shards if final else len(self.shards),
            "config": self.config.model_dump(mode="json")})
        self._last = time.monotonic()

    def add(self, plan: ShardPlan) -> None:
        self.shards.append(plan.shard)
        self.programs += len(plan.items)
        with (self.out / "plan-shards.jsonl").open("a") as fh:
            fh.write(json.dumps({"shard": plan.shard, "programs": len(plan.items)}) + "\n")
        if time.monotonic() - self._last > 2.0:
            self._write(final=False)

    def finish(self) -> None:
        self._write(final=True)


# --- the shard task ------------------------------------------------------------------------

def _progress_writer(out: Path, shard: str, total: int):
    path = out / "progress" / f"{shard}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, path)

    return tick


@task(name="process-shard", task_run_name="shard-{shard}", cache_policy=NO_CACHE,
      **SHARD_RETRY)
def run_shard(shard: str, items: Sequence[Program | Rejected], config: BuildConfig,
              run_id: str) -> bool:
    """Process and store one shard; returns False when it was already complete."""
    out = Path(config.out)
    if shard_complete(out, shard):
        return False
    start = time.time()
    log_event(out, "shard_started", run_id=run_id, shard=shard, programs=len(items),
              host=socket.gethostname(), pid=os.getpid())
    res = process_shard(items, config, run_id=run_id, shard=shard,
                        on_program_done=_progress_writer(out, shard, len(items)))
    if stopping():  # stopped on a signal: items may have lost their workers to it
        raise RunStopping(f"shard {shard} not stored: the run is stopping")
    t_store = time.time()
    write_shard(out, shard, res.samples, res.rejects, dict(res.stats),
                unverified=res.unverified)
    end = time.time()
    # The shard's own clock per phase; stats are the completion marker, written last, so
    # the store's share lives here (flows.stage_table adds it to the run's table).
    spans = {k.split(":", 1)[1]: v / 1000 for k, v in res.stats.items()
             if k.startswith("span_ms:")}
    spans["store"] = end - t_store
    langs = {str(lang): int(res.stats.get(f"passed:{lang}", 0)) for lang in config.langs}
    write_timing(out, shard, start=start, end=end, programs=len(items),
                 functions=int(res.stats.get("functions", 0)), samples=len(res.samples),
                 rejects=len(res.rejects), passed=langs, run_id=run_id,
                 host=socket.gethostname(), pid=os.getpid(), slowest=res.slowest,
                 spans={k: round(v, 4) for k, v in spans.items()})
    log_event(out, "shard_done", run_id=run_id, shard=shard, seconds=round(end - start, 3),
              samples=len(res.samples), rejects=len(res.rejects))
    return True


# --- the flow ------------------------------------------------------------------------------

def _collect(shard: str, future: Any, out: Path, run_id: str,
             failed: list[tuple[str, str]]) -> bool | None:
    try:
        return bool(future.result())
    except Exception as exc:  # noqa: BLE001 - one bad shard must not lose the others
        msg = f"{type(exc).__name__}: {exc}"[:300]
        failed.append((shard, msg))
        log_event(out, "shard_failed", run_id=run_id, shard=shard, error=msg)
        log.error("shard %s failed: %s", shard, msg)
        return None


def _finish(out: Path, config: BuildConfig, run_id: str, elapsed: float) -> str:
    """Artifacts and the HTML report; a reporting bug is logged, never fails the run."""
    report = ""
    try:
        from tolk.flows.report_html import write_report
        report = str(write_report(out))
    except Exception:  # noqa: BLE001
        log.exception("writing the HTML report failed")
    try:
        from tolk.flows.report_html import publish_artifacts
        publish_artifacts(out, [str(lang) for lang in config.langs], source=config.source,
                          report=report, elapsed_s=elapsed, run_id=run_id)
    except Exception:  # noqa: BLE001
        log.exception("creating Prefect artifacts failed")
    return report


@flow(name="build_corpus", log_prints=True, validate_parameters=True)
def build_corpus(config: BuildConfig, shards_in_flight: int = 1) -> RunSummary:
    """Build a validated corpus from config.source into config.out.

    shards_in_flight: shards submitted to the task runner at once (1 for the default
    runner: a shard is already parallel inside; about 2 per Dask worker).
    """
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    t0 = time.time()
    mark_run_started(out, run_id)
    key = run_key(config)
    log_event(out, "run_started", run_id=run_id, key=key, source=config.source)
    plan = _PlanWriter(out, run_id, key, config)
    window = max(1, shards_in_flight)
    pending: deque[tuple[str, Any]] = deque()
    failed: list[tuple[str, str]] = []
    skipped = 0
    state = "failed"
    try:
        for sp in plan_shards(config, key):
            plan.add(sp)
            if shard_complete(out, sp.shard):  # no task run for finished work
                skipped += 1
                continue
            while len(pending) >= window:
                skipped += _collect(*pending.popleft(), out, run_id, failed) is False
            pending.append((sp.shard, run_shard.submit(sp.shard, sp.items, config, run_id)))
        plan.finish()
        while pending:
            skipped += _collect(*pending.popleft(), out, run_id, failed) is False
        state = "failed" if failed else "completed"
    except (TerminationSignal, KeyboardInterrupt) as exc:
        signame = "SIGTERM" if isinstance(exc, TerminationSignal) else "SIGINT"
        if run_token():  # under `tolk run`: stop everything now (never returns)
            stop_run(out, signame)
        state = "interrupted"
        raise
    finally:
        # The state first: the report shows it.
        mark_run_finished(out, state, shards_failed=[s for s, _ in failed])
        report = _finish(out, config, run_id, time.time() - t0)
        log_event(out, "run_finished", run_id=run_id, state=state,
                  seconds=round(time.time() - t0, 3), failed=len(failed))
    if failed:
        raise ShardsFailed(failed)
    langs = [str(lang) for lang in config.langs]
    funnel = compute_funnel(out, langs)
    stats = read_stats(out)
    return RunSummary(
        out=str(out), shards=len(plan.shards), shards_skipped=skipped,
        programs=stats.get("programs", 0), functions=stats.get("functions", 0),
        with_body_ir=stats.get("with_body_ir", 0),
        passed={lang: stats.get(f"passed:{lang}", 0) for lang in langs},
        verdicts={lang: funnel.verdicts(lang) for lang in langs},
        yield_over_body_ir={lang: round(funnel.yield_over_body_ir(lang), 4) for lang in langs},
        report=report,
    )


# --- task runner choice (CLI --task-runner / --dask-address) ------------------------------

def make_task_runner(name: TaskRunnerName = "default", address: str | None = None,
                     dask_workers: int = 2, dask_processes: bool = True) -> Any:
    """A Prefect task runner: the default thread pool, or Dask (an existing scheduler at
    `address`, else a temporary LocalCluster of `dask_workers` workers)."""
    if name == "default":
        from prefect.task_runners import ThreadPoolTaskRunner
        return ThreadPoolTaskRunner()
    if name != "dask":
        raise TolkError(f"unknown task runner {name!r}; choose default or dask")
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise TolkError("--task-runner dask needs prefect-dask: "
                        "pip install prefect-dask distributed") from exc
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": dask_workers, "threads_per_worker": 1,
                                          "processes": dask_processes,
                                          "dashboard_address": None})


def build_corpus_with(task_runner: TaskRunnerName = "default", address: str | None = None,
                      dask_workers: int = 2, dask_processes: bool = True) -> Flow:
    """The build_corpus flow bound to a task runner (call it with the config)."""
    if task_runner == "default":
        return build_corpus
    return build_corpus.with_options(
        task_runner=make_task_runner(task_runner, address, dask_workers, dask_processes))


def run_build(config: BuildConfig, task_runner: TaskRunnerName = "default",
              address: str | None = None, dask_workers: int = 2,
              shards_in_flight: int | None = None) -> RunSummary:
    """Run the flow with the chosen runner; about two shards in flight per Dask worker."""
    window = shards_in_flight or (1 if task_runner == "default" else 2 * max(1, dask_workers))
    return build_corpus_with(task_runner, address, dask_workers)(config, shards_in_flight=window)
