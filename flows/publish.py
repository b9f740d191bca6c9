"""The `publish_dataset` Prefect flow: curate -> layout -> card -> publish.

Thin: each task wraps one step from `tolk.corpus` (curate, layout, card, publish); the
plan of Hub operations is attached to the flow run as a markdown artifact with a stable
key (`tolk-publish-plan`), so publishes form a history in the Prefect UI. `build_folder`
is the same composition without the Hub step, callable without Prefect.

Key contracts: the folder (default `OUT/hub`) is rebuilt from the run directory every time
and is deterministic, so publishing an unchanged run creates no commit. Only the publish
step retries, and only on transient failures (`PublishError.transient`: a 5xx, a lost
connection); a retry is safe because publishing is idempotent. The token never enters the config, the artifact or the summary.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Literal

import polars as pl
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import State
from pydantic import BaseModel, Field

from tolk.corpus.card import card_facts, write_card
from tolk.corpus.curate import Curated, CurationConfig, curate
from tolk.corpus.layout import Layout, TextFormat, write_layout
from tolk.corpus.publish import (DEFAULT_LARGE_THRESHOLD_BYTES, PublishError, PublishResult,
                                 publish_folder)

__all__ = ["PublishConfig", "PublishSummary", "publish_dataset", "build_folder",
           "publish_command_line", "VIEWS"]

VIEWS = ("translate", "fim", "repair", "rl")
_FACT_COLUMNS = ["lang", "ran_on", "translator", "strategy", "model", "model_revision",
                 "sampling_params", "toolchain_version", "source_license", "mutation_score",
                 "vectors_total"]


class PublishConfig(BaseModel):
    """Everything that decides what `tolk publish` writes and where it goes."""

    out: str = Field(description="Run output directory (samples/, rejects/, stats/, plan.json)")
    repo: str = Field(pattern=r"^[\w.-]+/[\w.-]+$", description="Hub dataset repo, ORG/NAME")
    dest: str | None = Field(default=None, description="Folder to render into (default OUT/hub)")
    private: bool = Field(default=False, description="Create the repo as private")
    dry_run: bool = Field(default=False, description="Render locally and list the operations; "
                          "no network")
    views: list[Literal["translate", "fim", "repair", "rl"]] = Field(
        default_factory=list, description="Extra configs: translate, fim, repair, rl")
    text_format: TextFormat = Field(default="prompt_response",
                                    description="Text column(s): prompt+response, or content")
    max_shard_mb: int = Field(default=256, ge=1, le=10_000, description="Shard size bound (MiB)")
    large_threshold_mb: int = Field(default=DEFAULT_LARGE_THRESHOLD_BYTES // 2**20, ge=1,
                                    description="Above this many MiB of changes, use the "
                                    "resumable multi-commit upload")
    license: str | None = Field(default=None, description="Card license id (default: from "
                                "the sources' licenses, else 'other')")
    eval_from: str | None = Field(default=None, description="Run dir of an eval run (`tolk run "
                                  "--source humaneval -o purpose=eval`): the `eval` config, one "
                                  "task per function and language, never training rows")
    curation: CurationConfig = Field(default_factory=CurationConfig)

    def folder(self) -> Path:
        return Path(self.dest) if self.dest else Path(self.out) / "hub"


class PublishSummary(BaseModel):
    repo: str
    folder: str
    mode: str
    commit: str | None
    configs: dict[str, int]
    removed: int
    operations: dict[str, int]
    plan: list[str]


def publish_command_line(cfg: PublishConfig) -> str:
    """The `tolk publish` line that reproduces this publish (without --dry-run)."""
    parts = ["tolk", "publish", shlex.quote(cfg.out), "--repo", cfg.repo]
    if cfg.views:
        parts += ["--views", ",".join(cfg.views)]
    if cfg.text_format != "prompt_response":
        parts += ["--text-format", cfg.text_format]
    if cfg.private:
        parts.append("--private")
    return " ".join(parts)


def _run_config(out: Path):  # -> BuildConfig of the run (defaults when plan.json is absent)
    from tolk.flows.config import BuildConfig
    plan = out / "plan.json"
    config = json.loads(plan.read_text()).get("config", {}) if plan.exists() else {}
    return BuildConfig(**{"source": "", "out": str(out), **config})


def _views(kept: pl.LazyFrame, cfg: PublishConfig) -> dict[str, pl.LazyFrame | pl.DataFrame]:
    """The requested views, from engineer C's builders (corpus/views, fim, repair_pairs)."""
    built: dict[str, pl.LazyFrame | pl.DataFrame] = {}
    if "translate" in cfg.views:
        from tolk.corpus.views import translate_view
        built["translate"] = translate_view(kept)
    if "rl" in cfg.views:
        from tolk.corpus.views import rl_view
        built["rl"] = rl_view(kept)
    if "fim" in cfg.views:
        from tolk.corpus.fim import fim_view
        built["fim"] = fim_view(kept)
    if "repair" in cfg.views:
        from tolk.corpus.repair_pairs import RepairConfig, mutant_pairs, repair_view
        from tolk.flows.shard import limits_for
        run = _run_config(Path(cfg.out))
        repair = RepairConfig(n_inputs=run.n_inputs, seed=run.seed)
        # Mutants are validated against the run's own test suites, in the run's sandbox.
        mutants = mutant_pairs(kept.collect(), repair, limits_for(run))
        built["repair"] = repair_view(kept, repair, mutants=mutants)
    return built


def eval_config(eval_out: Path, kept: pl.LazyFrame) -> pl.DataFrame:
    """The `eval` config: rl-shaped tasks (prompt, tests, contract, reference) from an eval
    run's samples. A function that is also a training row is refused, never published in
    both (curation's decontamination normally removed it from training already)."""
    from tolk.corpus.store import scan_samples
    from tolk.corpus.views import rl_view
    from tolk.errors import ConfigError

    if not (eval_out / "samples").is_dir():
        raise ConfigError(f"--eval-from {eval_out} is not a run output directory (no samples/)")
    tasks = rl_view(scan_samples(eval_out)).collect()
    both = tasks.join(kept.select("python_source").unique().collect(), on="python_source",
                      how="semi")
    if both.height:
        raise ConfigError(f"{both.height} eval task(s) are also training rows (e.g. "
                          f"{both['source_uri'][0]}:{both['function'][0]}); decontaminate first")
    return tasks


@task(name="curate", cache_policy=NO_CACHE)
def curate_task(cfg: PublishConfig) -> Curated:
    """Dedup, cap and decontaminate the run's samples."""
    return curate(Path(cfg.out), cfg.curation)


@task(name="layout", cache_policy=NO_CACHE)
def layout_task(cfg: PublishConfig, curated: Curated) -> Layout:
    """Write the parquet configs and the removals table into the folder."""
    views = _views(curated.kept, cfg)
    # Candidates no runtime could run: their own config, never training data, kept for
    # `tolk verify --write` on a machine that has the runtime (corpus/verify.py).
    from tolk.corpus.store import scan_unverified
    from tolk.corpus.verify import UNVERIFIED_CONFIG
    unverified = scan_unverified(Path(cfg.out)).unique("id", keep="first",
                                                       maintain_order=True).collect()
    if unverified.height:
        views[UNVERIFIED_CONFIG] = unverified
    if cfg.eval_from:
        views["eval"] = eval_config(Path(cfg.eval_from), curated.kept)
    return write_layout(cfg.folder(), curated.kept, views=views,
                        removals=curated.removals, text_format=cfg.text_format,
                        max_shard_bytes=cfg.max_shard_mb * 2**20)


@task(name="card", cache_policy=NO_CACHE)
def card_task(cfg: PublishConfig, curated: Curated, layout: Layout) -> Path:
    """Render README.md (front matter + body) and funnel.json from the run and the layout."""
    kept = curated.kept.select(_FACT_COLUMNS).collect()
    facts = card_facts(Path(cfg.out), layout, repo_id=cfg.repo, kept=kept,
                       removals=curated.removals, curation_stats=curated.stats,
                       publish_command=publish_command_line(cfg),
                       curation=cfg.curation.model_dump(mode="json"), license=cfg.license)
    return write_card(facts)


def build_folder(cfg: PublishConfig) -> tuple[Curated, Layout]:
    """curate -> layout -> card, without Prefect."""
    curated = curate_task.fn(cfg)
    layout = layout_task.fn(cfg, curated)
    card_task.fn(cfg, curated, layout)
    return curated, layout


def _transient_failure(task: object, task_run: object, state: State) -> bool:
    # Retry a 5xx or a lost connection, never a refusal (bad token, invalid card).
    return isinstance(state.data, PublishError) and state.data.transient


@task(name="publish", retries=2, retry_delay_seconds=5, retry_condition_fn=_transient_failure,
      cache_policy=NO_CACHE)
def publish_task(cfg: PublishConfig) -> PublishResult:
    """Plan against the remote and upload the changes as one commit (or nothing)."""
    return publish_folder(cfg.folder(), cfg.repo, private=cfg.private, dry_run=cfg.dry_run,
                          large_threshold_bytes=cfg.large_threshold_mb * 2**20)


@flow(name="publish_dataset", log_prints=True)
def publish_dataset(params: PublishConfig) -> PublishSummary:
    """Curate a run's samples and publish them as a Hub dataset with a card."""
    curated = curate_task(params)
    layout = layout_task(params, curated)
    card_task(params, curated, layout)
    result = publish_task(params)
    create_markdown_artifact(key="tolk-publish-plan", markdown=result.plan.to_markdown(),
                             description=f"tolk publish plan for {params.repo}")
    return PublishSummary(
        repo=params.repo, folder=str(layout.root), mode=result.mode, commit=result.commit_oid,
        configs={c.name: c.rows for c in layout.configs}, removed=layout.removals_rows,
        operations=result.plan.counts(), plan=result.plan.lines())
