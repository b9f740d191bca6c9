"""`tolk serve`: scheduled corpus runs on a machine without a work pool or worker.

    tolk serve --source data/seed --out out/nightly --to fortran,cobol --cron "0 2 * * *"

registers a `build_corpus/<name>` deployment with a cron schedule on the configured Prefect
server and then executes its scheduled (and UI-triggered) runs in this process until
stopped, like `prefect worker start` + `prefect deploy` in one command.

Key contracts: `serve_deployments(...)` only builds deployment objects (no server contact),
so their parameters and schedules can be checked without serving; the cron is validated
(croniter) before anything is registered; runs of one deployment never overlap
(`concurrency_limit=1`: a second writer of the same output directory would race on shards).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tolk.errors import ConfigError
from tolk.flows.config import BuildConfig
from tolk.lang import DEFAULT_LANG

__all__ = ["build_deployment", "add_serve_parser", "serve_command", "NIGHTLY_CRON"]

NIGHTLY_CRON = "0 2 * * *"


def _check_cron(cron: str) -> None:
    from prefect.client.schemas.schedules import CronSchedule
    try:
        CronSchedule(cron=cron, timezone="UTC")
    except ValueError as exc:
        raise ConfigError(f"--cron {cron!r} is not a valid cron expression: {exc}") from exc


def build_deployment(config: BuildConfig, *, name: str = "nightly", cron: str = NIGHTLY_CRON,
                     timezone: str = "UTC", tags: list[str] | None = None,
                     shards_in_flight: int = 1) -> Any:
    """A RunnerDeployment of build_corpus for `prefect.serve` (no server contact here)."""
    from tolk.flows.build_corpus import build_corpus
    _check_cron(cron)
    from prefect.client.schemas.schedules import CronSchedule
    return build_corpus.to_deployment(
        name=name, schedules=[CronSchedule(cron=cron, timezone=timezone)],
        parameters={"config": config.model_dump(mode="json"),
                    "shards_in_flight": shards_in_flight},
        tags=tags or ["tolk", "corpus"], concurrency_limit=1,
        description=f"tolk corpus from {config.source} into {config.out} ({cron} {timezone})")


def add_serve_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="schedule build_corpus with a cron and run it here "
                                     "(no work pool needed)")
    p.add_argument("--source", required=True, help="directory of Python files")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--to", dest="langs", default=str(DEFAULT_LANG),
                   help=f"target language(s), comma-separated (default: {DEFAULT_LANG})")
    p.add_argument("--name", default="nightly", help="deployment name (default: nightly)")
    p.add_argument("--cron", default=NIGHTLY_CRON,
                   help=f"cron schedule (default: {NIGHTLY_CRON!r}, nightly at 02:00)")
    p.add_argument("--timezone", default="UTC")
    p.add_argument("--shard-size", type=int, default=8)
    p.add_argument("--n-inputs", type=int, default=60)
    p.add_argument("--workers", type=int, default=2)


def serve_command(args: argparse.Namespace) -> int:
    from prefect import serve
    from pydantic import ValidationError

    try:
        # Absolute paths: runs started later (or from the UI) must not depend on a cwd.
        config = BuildConfig(source=str(Path(args.source).resolve()),
                             out=str(Path(args.out).resolve()), langs=args.langs,
                             shard_size=args.shard_size, n_inputs=args.n_inputs,
                             workers=args.workers)
    except ValidationError as exc:
        raise ConfigError(str(exc)) from exc
    deployment = build_deployment(config, name=args.name, cron=args.cron,
                                  timezone=args.timezone)
    serve(deployment)  # blocks; Ctrl-C stops it, the schedule stays on the server
    return 0
