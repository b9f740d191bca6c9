"""The `build_corpus` Prefect flow: sample -> IR -> tests -> translate -> validate -> store.

A thin composition: one task per shard (never per program: large fan-outs overload the
server), each shard written atomically with a completion marker, so a re-run skips what is
done. The funnel is attached to the flow run as a markdown artifact with a stable key, so
runs form a history in the Prefect UI.
"""

from __future__ import annotations

import json
import os
import uuid
from itertools import islice
from pathlib import Path
from typing import Iterator, Sequence

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import BaseModel

from tolk.corpus.funnel import compute_funnel
from tolk.corpus.sources import iter_directory
from tolk.corpus.store import read_stats, shard_complete, write_shard
from tolk.flows.config import BuildConfig
from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected
from tolk.flows.shard import process_shard

__all__ = ["build_corpus", "RunSummary", "plan_shards"]


class RunSummary(BaseModel):
    out: str
    shards: int
    shards_skipped: int
    programs: int
    functions: int
    with_body_ir: int
    passed: dict[str, int]
    verdicts: dict[str, dict[str, int]]
    yield_over_body_ir: dict[str, float]


def _items(config: BuildConfig) -> Iterator[Program | Rejected]:
    items = iter_directory(Path(config.source))
    return islice(items, config.max_programs) if config.max_programs else items


def plan_shards(config: BuildConfig) -> list[tuple[str, list[Program | Rejected]]]:
    """Chunk the source into shards whose ids depend only on content and settings."""
    items = list(_items(config))
    fp = config.fingerprint()
    shards = []
    for k in range(0, len(items), config.shard_size):
        chunk = items[k:k + config.shard_size]
        shard_id = content_id(fp, *(getattr(i, "source_id", "") + i.uri for i in chunk))
        shards.append((f"{k // config.shard_size:05d}-{shard_id[:10]}", chunk))
    return shards


def _progress_writer(out: Path, shard: str, total: int):
    path = out / "progress" / f"{shard}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, path)

    return tick


@task(name="process-shard", task_run_name="shard-{shard}", cache_policy=NO_CACHE)
def run_shard(shard: str, items: Sequence[Program | Rejected], config: BuildConfig,
              run_id: str) -> bool:
    """Process and store one shard; returns False when it was already complete."""
    out = Path(config.out)
    if shard_complete(out, shard):
        return False
    res = process_shard(items, config, run_id=run_id, shard=shard,
                        on_program_done=_progress_writer(out, shard, len(items)))
    write_shard(out, shard, res.samples, res.rejects, dict(res.stats))
    return True


@flow(name="build_corpus", log_prints=True)
def build_corpus(config: BuildConfig) -> RunSummary:
    """Build a validated corpus from config.source into config.out."""
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    run_id = str(flow_run.get_id() or uuid.uuid4())
    shards = plan_shards(config)
    (out / "plan.json").write_text(json.dumps({
        "run_id": run_id, "programs": sum(len(c) for _, c in shards),
        "shards": [s for s, _ in shards], "config": config.model_dump(mode="json")}, indent=1))
    ran = [run_shard(s, chunk, config, run_id) for s, chunk in shards]
    langs = [str(lang) for lang in config.langs]
    funnel = compute_funnel(out, langs)
    create_markdown_artifact(key="tolk-funnel", markdown=funnel.to_markdown(),
                             description=f"tolk funnel for {config.source}")
    stats = read_stats(out)
    return RunSummary(
        out=str(out), shards=len(shards), shards_skipped=ran.count(False),
        programs=stats.get("programs", 0), functions=stats.get("functions", 0),
        with_body_ir=stats.get("with_body_ir", 0),
        passed={lang: stats.get(f"passed:{lang}", 0) for lang in langs},
        verdicts={lang: funnel.verdicts(lang) for lang in langs},
        yield_over_body_ir={lang: round(funnel.yield_over_body_ir(lang), 4) for lang in langs},
    )
