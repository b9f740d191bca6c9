"""`tolk run` and `tolk report`: the flow with a live progress bar, and the funnel table."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tolk.corpus.funnel import Funnel, compute_funnel
from tolk.flows.runlog import read_timings
from tolk.flows.stage_table import format_rows, stage_rows
from tolk.lang import DEFAULT_LANG

if TYPE_CHECKING:
    from tolk.flows.config import BuildConfig

__all__ = ["run_command", "report_command", "print_funnel", "llm_config_fields"]


def make_config(**fields: object) -> "BuildConfig":
    """BuildConfig from flags; an invalid value is a usage error (exit 2), not a traceback."""
    import pydantic

    from tolk.errors import ConfigError
    from tolk.flows.config import BuildConfig
    try:
        return BuildConfig(**fields)  # type: ignore[arg-type]
    except pydantic.ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}"
                             for e in exc.errors())
        raise ConfigError(f"invalid settings: {problems}") from exc


def llm_config_fields(args: argparse.Namespace) -> dict[str, object]:
    """BuildConfig fields of the translation flags (shared by run and translate)."""
    return {"translator": args.translator, "model": args.model,
            "model_revision": args.model_revision, "base_url": args.base_url,
            "cassette": args.cassette, "strategy": args.strategy,
            "repair_rounds": args.repair_rounds, "temperature": args.temperature,
            "top_p": args.top_p, "max_tokens": args.max_tokens,
            "samples_per_prompt": args.samples, "llm_concurrency": args.llm_concurrency,
            "llm_limit": args.llm_limit}


def print_funnel(funnel: Funnel, langs: list[str], console: Console,
                 out: Path | None = None) -> None:
    table = Table(title="tolk funnel")
    for col in ("stage", "lang", "in", "out", "rejected", "top reasons"):
        table.add_column(col, justify="right" if col in ("in", "out", "rejected") else "left")
    for r in funnel.rows:
        reasons = ", ".join(f"{k} ({n})" for k, n in r.reasons) or "-"
        table.add_row(r.stage, r.lang or "-", str(r.entered), str(r.left), str(r.rejected), reasons)
    console.print(table)
    llm = bool(funnel.stats.get("llm_calls"))
    for lang in langs:
        v = funnel.verdicts(lang)
        verdicts = ", ".join(f"{k} {n}" for k, n in v.items()) or "none"
        passed = funnel.stats.get(f"passed:{lang}", 0)
        # An LLM translator takes every tested function, not only those with body IR.
        if llm:
            tested = funnel.stats.get("tested", 0)
            yield_text = (f"passed samples per tested function: {passed}/{tested}"
                          f" = {passed / tested if tested else 0.0:.1%}")
        else:
            yield_text = (f"yield over functions with body IR: {passed}/"
                          f"{funnel.stats.get('with_body_ir', 0)} = "
                          f"{funnel.yield_over_body_ir(lang):.1%}")
        console.print(f"[bold]{lang}[/]: {funnel.samples_by_lang.get(lang, 0)} samples; "
                      f"verdicts: {verdicts}; harness_error {v.get('harness_error', 0)}; "
                      f"{yield_text}; ran on: "
                      + (", ".join(f"{k} {n}" for k, n in funnel.ran_on(lang).items()) or "-"),
                      soft_wrap=True)
    strategies = funnel.strategies()
    if strategies:
        st = Table(title="LLM strategies")
        for col in ("strategy", "lang", "functions", "candidates", "passed", "pass@1",
                    "after repair"):
            st.add_column(col, justify="left" if col in ("strategy", "lang") else "right")
        for r in strategies:
            st.add_row(r.strategy, r.lang, str(r.tested), str(r.candidates), str(r.passed),
                       f"{r.pass_at_1:.1%}", f"{r.pass_after_repair:.1%}")
        console.print(st)
    times = format_rows(stage_rows(funnel.stats, read_timings(out) if out else ()))
    if times:
        tt = Table(title="time per stage (summed over shards; worker seconds count parallel "
                         "items each, elapsed is the shards' own clock)")
        for col in ("stage", "items", "worker wall s", "CPU s", "ms/item", "elapsed s"):
            tt.add_column(col, justify="left" if col == "stage" else "right")
        for row in times:
            tt.add_row(*row)
        console.print(tt)
    speed = funnel.translation_speed()
    if speed is not None:
        console.print(f"translation: {speed.requests} requests, {speed.tokens_in} tokens in, "
                      f"{speed.tokens_out} out, {speed.seconds:.1f} s in the model: "
                      f"{speed.tokens_per_s:.1f} tokens/s, {speed.candidates_per_s:.2f} "
                      "candidates/s", soft_wrap=True)


def _shard_line(row: dict, totals: dict[str, int], passed: dict[str, int]) -> str:
    """One line per finished shard, with the run's counts so far (--no-progress)."""
    for k in ("programs", "functions", "samples", "rejects"):
        totals[k] += int(row.get(k, 0))
    for lang, n in (row.get("passed") or {}).items():
        passed[lang] = passed.get(lang, 0) + int(n)
    langs = " ".join(f"{lang} {n}" for lang, n in sorted(passed.items())) or "none"
    return (f"shard {row.get('shard', '?')} done in {row['end'] - row['start']:.1f} s; "
            f"so far: {totals['programs']} programs, {totals['functions']} functions, "
            f"samples {langs}, rejects {totals['rejects']}")


def finished_shards(out: Path) -> set[str]:
    """Timing files already there: shards finished before this run (not reported again)."""
    timing = out / "timing"
    return {p.name for p in timing.glob("*.json")} if timing.exists() else set()


def _watch(out: Path, progress: Progress, stop: threading.Event, lines: bool,
           console: Console, seen: set[str]) -> None:
    """Poll the per-shard progress files the flow writes (the flow runs in this process);
    with `lines` (--no-progress), print one line per shard finished by this run (its
    timing file is not in `seen`)."""
    task = progress.add_task("programs", total=None)
    timing = out / "timing"
    totals = {"programs": 0, "functions": 0, "samples": 0, "rejects": 0}
    passed: dict[str, int] = {}
    while True:
        finished = stop.wait(0.3)  # one more pass after the end: the last shard's line
        if finished and not lines:
            return
        if lines:
            for path in sorted(timing.glob("[!.]*.json")) if timing.exists() else ():
                if path.name in seen:
                    continue
                with contextlib.suppress(ValueError, KeyError, OSError, TypeError):
                    line = _shard_line(json.loads(path.read_text()), totals, passed)
                    seen.add(path.name)
                    console.print(line, soft_wrap=True, highlight=False)
            if finished:
                return
            continue
        plan = out / "plan.json"
        if plan.exists():
            with contextlib.suppress(ValueError, KeyError, OSError):  # being written
                p = json.loads(plan.read_text())
                # Planning streams: the expected count (directories) comes first, if known.
                progress.update(task, total=p.get("programs_expected") or p["programs"] or None)
        done = 0
        for p in (out / "progress").glob("*.json") if (out / "progress").exists() else ():
            with contextlib.suppress(ValueError, KeyError, OSError):
                done += json.loads(p.read_text())["done"]
        progress.update(task, completed=done)


def table_console() -> Console:
    """stdout for tables: the terminal's width on a terminal; without one (a pipe, a log
    file), wide enough that rows are not cut at rich's default of 80 columns."""
    console = Console()
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console = Console(width=200)
    return console


def run_command(args: argparse.Namespace) -> int:
    from tolk.flows.build_corpus import run_build
    from tolk.flows.cli_sources import options_from_args

    config = make_config(source=args.source, out=args.out, langs=args.langs,
                         shard_size=args.shard_size, max_programs=args.max_programs,
                         n_inputs=args.n_inputs, seed=args.seed, workers=args.workers,
                         executor=args.executor, run_timeout_s=args.run_timeout,
                         stage_timeout_s=getattr(args, "stage_timeout", 120.0),
                         batch_size=args.batch_size,
                         source_options=options_from_args(args),
                         infer=getattr(args, "infer", "static"),
                         min_line_coverage=getattr(args, "min_line_coverage", 0.9),
                         min_mutation_score=getattr(args, "min_mutation_score", 0.98),
                         **llm_config_fields(args))
    console = Console(stderr=True)
    out = Path(config.out)
    from tolk.flows.shutdown import armed, stop_left_behind
    for p in stop_left_behind(out) if out.is_dir() else ():
        console.print(f"stopped pid {p.pid} left behind by a killed run: {p.cmd[:100]}",
                      soft_wrap=True, highlight=False)
    stop = threading.Event()
    # SIGTERM/SIGINT stop the run and everything it starts (flows.shutdown).
    with armed(out), Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  disable=args.no_progress) as progress:
        watcher = threading.Thread(target=_watch, args=(out, progress, stop, args.no_progress,
                                                        console, finished_shards(out)),
                                   daemon=True)
        watcher.start()
        try:
            summary = run_build(config, task_runner=getattr(args, "task_runner", "default"),
                                address=getattr(args, "dask_address", None),
                                dask_workers=getattr(args, "dask_workers", 2),
                                shards_in_flight=getattr(args, "shards_in_flight", None))
        finally:
            stop.set()
            watcher.join()
    langs = [str(lang) for lang in config.langs]
    print_funnel(compute_funnel(out, langs), langs, table_console(), out)
    Console().print(f"samples: {out / 'samples'}  rejects: {out / 'rejects'}  "
                    f"(shards {summary.shards}, skipped as complete {summary.shards_skipped})",
                    soft_wrap=True)
    Console().print(f"report: {summary.report}", soft_wrap=True)
    return 0


def report_command(args: argparse.Namespace) -> int:
    out = Path(args.out)
    langs = args.langs
    if langs is None:
        plan = out / "plan.json"
        langs = json.loads(plan.read_text())["config"]["langs"] if plan.exists() else [str(DEFAULT_LANG)]
    print_funnel(compute_funnel(out, langs), langs, table_console(), out)
    return 0
