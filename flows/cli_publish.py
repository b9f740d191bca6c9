"""`tolk publish OUT --repo ORG/NAME`: curate a run and publish it as a Hub dataset.

    tolk publish OUT --repo ORG/NAME [--dry-run] [--dest DIR] [--views translate,fim,repair,rl]
                     [--eval-from EVAL_OUT]
                     [--private] [--text-format prompt_response|content] [--max-shard-mb N]
                     [--near-dup-threshold F] [--max-per-source K] [--decontam-ngram N]
                     [--benchmark FILE]... [--no-humaneval] [--license ID]

Key contracts: `add_publish_parser(subparsers)` registers the sub-command;
`publish_command(args)` runs the `publish_dataset` flow, prints the folder, the configs
with their row counts and one line per planned Hub operation (add/update/delete/keep with
sizes), and returns 0; errors are `TolkError`s (`ConfigError`, `PublishError`), which
`tolk`'s main prints as one line (exit 2). The Hub endpoint comes from HF_ENDPOINT and the
token from HF_TOKEN or the saved login; neither is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tolk.errors import ConfigError

__all__ = ["add_publish_parser", "publish_command"]


def _views(text: str) -> list[str]:
    from tolk.flows.publish import VIEWS
    views = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in views if s not in VIEWS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown view(s) {', '.join(bad)}; choose from "
                                         f"{', '.join(VIEWS)}")
    return views


def add_publish_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("publish", help="curate a run's samples and publish them to the "
                              "Hugging Face Hub with a dataset card")
    p.add_argument("out", help="run output directory (from `tolk run`)")
    p.add_argument("--repo", required=True, help="Hub dataset repo, ORG/NAME")
    p.add_argument("--dry-run", action="store_true",
                   help="render the folder and list the operations; no network")
    p.add_argument("--dest", default=None, help="folder to render into (default OUT/hub)")
    p.add_argument("--views", type=_views, default=[],
                   help="extra configs, comma-separated: translate,fim,repair,rl")
    p.add_argument("--private", action="store_true", help="create the repo as private")
    p.add_argument("--text-format", choices=["prompt_response", "content"],
                   default="prompt_response", help="text column(s) of the language configs")
    p.add_argument("--max-shard-mb", type=int, default=256, help="parquet shard size bound")
    p.add_argument("--license", default=None, help="card license id (default: from the sources)")
    p.add_argument("--eval-from", default=None, metavar="EVAL_OUT",
                   help="an eval run's output dir (tolk run --source humaneval -o "
                   "purpose=eval): published as the `eval` config, apart from training")
    c = p.add_argument_group("curation")
    c.add_argument("--near-dup-threshold", type=float, default=None,
                   help="MinHash Jaccard threshold (default 0.8)")
    c.add_argument("--max-per-source", type=int, default=None,
                   help="samples kept per source program per language (default 4)")
    c.add_argument("--decontam-ngram", type=int, default=None,
                   help="n-gram length for benchmark overlap (default 13)")
    c.add_argument("--benchmark", action="append", type=Path, default=[],
                   help="benchmark file to decontaminate against (.py/.jsonl/.txt); repeatable")
    c.add_argument("--no-humaneval", action="store_true", help="skip HumanEval decontamination")
    return p


def _config(args: argparse.Namespace):  # -> PublishConfig
    from pydantic import ValidationError

    from tolk.corpus.curate import CurationConfig
    from tolk.flows.publish import PublishConfig

    if not (Path(args.out) / "samples").is_dir():
        raise ConfigError(f"{args.out} is not a run output directory (no samples/)")
    overrides = {k: v for k, v in (("near_dup_threshold", args.near_dup_threshold),
                                   ("max_per_source", args.max_per_source),
                                   ("decontam_ngram", args.decontam_ngram)) if v is not None}
    if args.benchmark:
        overrides["benchmark_files"] = tuple(args.benchmark)
    if args.no_humaneval:
        overrides["humaneval"] = False
    try:
        return PublishConfig(out=args.out, repo=args.repo, dest=args.dest, private=args.private,
                             dry_run=args.dry_run, views=args.views, text_format=args.text_format,
                             eval_from=args.eval_from,
                             max_shard_mb=args.max_shard_mb, license=args.license,
                             curation=CurationConfig(**overrides))
    except ValidationError as exc:
        raise ConfigError(f"bad publish setting: {exc.errors()[0]['loc']}: "
                          f"{exc.errors()[0]['msg']}") from exc


def publish_command(args: argparse.Namespace) -> int:
    from tolk.flows.publish import publish_dataset

    cfg = _config(args)
    summary = publish_dataset(cfg)
    print(f"folder: {summary.folder}")
    for name, rows in summary.configs.items():
        print(f"config {name}: {rows} rows")
    print(f"removed by curation: {summary.removed} rows")
    ops = summary.operations
    target = "an empty repo (dry run, remote not consulted)" if summary.mode == "dry-run" else summary.repo
    print(f"operations against {target}: {ops['add']} add, {ops['update']} update, "
          f"{ops['delete']} delete, {ops['keep']} unchanged")
    for line in summary.plan:
        print(f"  {line}")
    if summary.mode == "dry-run":
        print("dry run: nothing was uploaded")
    elif summary.mode == "noop":
        print(f"nothing changed: {summary.repo} is already at {summary.commit}")
    else:
        print(f"published {summary.repo} at commit {summary.commit}")
    return 0
