"""`tolk run` and `tolk report`: the flow with a live progress bar, and the funnel table."""

from __future__ import annotations

import argparse
import contextlib
import json
import threading
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tolk.corpus.funnel import Funnel, compute_funnel

__all__ = ["run_command", "report_command", "print_funnel"]


def print_funnel(funnel: Funnel, langs: list[str], console: Console) -> None:
    table = Table(title="tolk funnel")
    for col in ("stage", "lang", "in", "out", "rejected", "top reasons"):
        table.add_column(col, justify="right" if col in ("in", "out", "rejected") else "left")
    for r in funnel.rows:
        reasons = ", ".join(f"{k} ({n})" for k, n in r.reasons) or "-"
        table.add_row(r.stage, r.lang or "-", str(r.entered), str(r.left), str(r.rejected), reasons)
    console.print(table)
    for lang in langs:
        v = funnel.verdicts(lang)
        verdicts = ", ".join(f"{k} {n}" for k, n in v.items()) or "none"
        console.print(f"[bold]{lang}[/]: {funnel.samples_by_lang.get(lang, 0)} samples; "
                      f"verdicts: {verdicts}; harness_error {v.get('harness_error', 0)}; "
                      f"yield over functions with body IR: "
                      f"{funnel.stats.get(f'passed:{lang}', 0)}/{funnel.stats.get('with_body_ir', 0)}"
                      f" = {funnel.yield_over_body_ir(lang):.1%}; ran on: "
                      + (", ".join(f"{k} {n}" for k, n in funnel.ran_on(lang).items()) or "-"),
                      soft_wrap=True)


def _watch(out: Path, progress: Progress, stop: threading.Event) -> None:
    """Poll the per-shard progress files the flow writes (the flow runs in this process)."""
    task = progress.add_task("programs", total=None)
    while not stop.wait(0.3):
        plan = out / "plan.json"
        if plan.exists():
            with contextlib.suppress(ValueError, KeyError, OSError):  # being written
                progress.update(task, total=json.loads(plan.read_text())["programs"])
        done = 0
        for p in (out / "progress").glob("*.json") if (out / "progress").exists() else ():
            with contextlib.suppress(ValueError, KeyError, OSError):
                done += json.loads(p.read_text())["done"]
        progress.update(task, completed=done)


def run_command(args: argparse.Namespace) -> int:
    from tolk.flows.build_corpus import build_corpus
    from tolk.flows.config import BuildConfig

    config = BuildConfig(source=args.source, out=args.out, langs=args.langs,
                         shard_size=args.shard_size, max_programs=args.max_programs,
                         n_inputs=args.n_inputs, seed=args.seed, workers=args.workers,
                         executor=args.executor, run_timeout_s=args.run_timeout,
                         batch_size=args.batch_size)
    if not Path(config.source).is_dir():
        from tolk.errors import ConfigError
        raise ConfigError(f"--source {config.source} is not a directory")
    console = Console(stderr=True)
    out = Path(config.out)
    stop = threading.Event()
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  disable=args.no_progress) as progress:
        watcher = threading.Thread(target=_watch, args=(out, progress, stop), daemon=True)
        watcher.start()
        try:
            summary = build_corpus(config)
        finally:
            stop.set()
            watcher.join()
    langs = [str(lang) for lang in config.langs]
    print_funnel(compute_funnel(out, langs), langs, Console())
    Console().print(f"samples: {out / 'samples'}  rejects: {out / 'rejects'}  "
                    f"(shards {summary.shards}, skipped as complete {summary.shards_skipped})",
                    soft_wrap=True)
    return 0


def report_command(args: argparse.Namespace) -> int:
    out = Path(args.out)
    langs = args.langs
    if langs is None:
        plan = out / "plan.json"
        langs = json.loads(plan.read_text())["config"]["langs"] if plan.exists() else ["fortran"]
    print_funnel(compute_funnel(out, langs), langs, Console())
    return 0
