"""`tolk selftest`: validator soundness per language (known-good accepted, mutants killed).

Key contracts: `add_selftest_parser(subparsers)` registers the sub-command;
`selftest_command(args)` returns 0 when every language that could run here meets the
bar (known-good 100 %, killed / distinguishable >= 98 %, zero harness errors), else 1. A language whose
runtime is absent prints "unverified here: <reason>" and does not fail the run. With
`--json PATH` the full reports (survivors, failures, lowering failures) are written too;
`tolk publish` shows them on the dataset card when PATH is OUT/selftest.json
(corpus/checks.py). `--hostile` also runs each available toolchain's hostile suite
(tolk.validators.hostile) and fails the run when a case is not contained; the JSON gets
`languages[].hostile` = {cases, contained, not_contained, statuses, results}.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tolk.errors import ConfigError
from tolk.lang import Lang
from tolk.toolchains.base import Toolchain
from tolk.toolchains.registry import available_langs, get_toolchain
from tolk.validators.selftest import KILL_TARGET, LangReport, Preparation, measure_language, prepare_subjects
from tolk.validators.validate import ValidationLimits

__all__ = ["add_selftest_parser", "selftest_command", "print_report"]

_DEFAULT_SOURCE = Path(__file__).resolve().parents[1] / "data" / "seed"


def _langs(text: str) -> list[str]:
    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in langs if s not in {lang.value for lang in Lang}]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown language(s) {', '.join(bad)}; choose from {', '.join(lang.value for lang in Lang)}")
    return langs


def add_selftest_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    s = subparsers.add_parser(
        "selftest", help="measure validator soundness: known-good accepted, mutants killed")
    s.add_argument("--to", dest="langs", type=_langs, default=None,
                   help="language(s), comma-separated (default: every registered one)")
    s.add_argument("--source", type=Path, default=_DEFAULT_SOURCE,
                   help="directory (or file) of Python functions (default: data/seed)")
    s.add_argument("--max-mutants-per-function", type=int, default=6, dest="max_mutants")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--n-inputs", type=int, default=60)
    s.add_argument("--search-budget", type=int, default=1000, dest="search_budget",
                   help="domain inputs per function searched for ones that tell a mutant "
                   "from the reference (its denominator: distinguishable mutants)")
    s.add_argument("--run-timeout", type=float, default=3.0,
                   help="wall-clock seconds per candidate run (mutants may loop forever)")
    s.add_argument("--executor", choices=["auto", "bwrap", "podman", "docker", "host"], default="auto")
    s.add_argument("--json", type=Path, default=None, dest="json_path",
                   help="also write the full reports as JSON here")
    s.add_argument("--hostile", action="store_true",
                   help="also run each toolchain's hostile/ candidates and count those "
                   "contained (rejected, machine untouched); needs bubblewrap")
    s.add_argument("--no-progress", action="store_true")
    return s


def _limits(args: argparse.Namespace) -> ValidationLimits:
    base = ValidationLimits()
    return dataclasses.replace(base, executor=args.executor, run=dataclasses.replace(
        base.run, wall_seconds=args.run_timeout, cpu_seconds=int(args.run_timeout) + 1))


def selftest_command(args: argparse.Namespace) -> int:
    langs = [Lang(s) for s in args.langs] if args.langs else list(available_langs())
    toolchains = [get_toolchain(lang) for lang in langs]  # ConfigError for unregistered ones
    if not args.source.exists():
        raise ConfigError(f"--source {args.source} does not exist")
    console = Console()
    limits = _limits(args)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, disable=args.no_progress,
                  transient=False) as bar:
        tasks: dict[str, TaskID] = {}
        started: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if args.no_progress:  # a log still shows where a long run is
                _plain_progress(console, started, phase, done, total)
                return
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        prep = prepare_subjects(args.source, max_mutants=args.max_mutants, seed=args.seed,
                                n_inputs=args.n_inputs, tolerance=limits.tolerance,
                                executor=args.executor, progress=progress,
                                search_budget=args.search_budget)
        reports = []
        for tc in toolchains:
            if (why := tc.availability()) is not None:
                reports.append(LangReport(str(tc.lang), unverified=f"toolchain unavailable: {why}"))
                continue
            reports.append(measure_language(prep, tc, limits, progress))
        hostile = _hostile(toolchains, progress) if args.hostile else {}
    print_report(prep, reports, console)
    for lang, h in hostile.items():
        console.print(f"{lang}: hostile cases contained {_pct(h['contained'], h['cases'])}"
                      + "".join(f"\n  [red]not contained[/red] {escape(x)}"
                                for x in h["not_contained"]))
    if args.json_path is not None:
        args.json_path.parent.mkdir(parents=True, exist_ok=True)
        args.json_path.write_text(json.dumps(_as_json(prep, reports, args, hostile), indent=2))
    contained = all(h["contained"] == h["cases"] for h in hostile.values())
    return 0 if all(r.ok for r in reports) and contained else 1


def _hostile(toolchains: list[Toolchain], progress: Callable[[str, int, int], None]
             ) -> dict[str, dict]:
    """Per available toolchain, the hostile suite's counts (tolk.validators.hostile)."""
    import tempfile

    from tolk.validators.hostile import hostile_summary, run_hostile, watch

    out: dict[str, dict] = {}
    for tc in toolchains:
        if tc.availability() is not None:
            continue
        progress(f"{tc.lang}: hostile", 0, 1)
        with tempfile.TemporaryDirectory(prefix="tolk-hostile-") as tmp, \
                watch(Path(tmp)) as w:
            out[str(tc.lang)] = hostile_summary(run_hostile(tc, w))
        progress(f"{tc.lang}: hostile", 1, 1)
    return out


def _plain_progress(console: Console, started: dict[str, float], phase: str, done: int,
                    total: int) -> None:
    """One line when a phase starts and one when it ends (no bars: logs, CI, --no-progress)."""
    if phase not in started:
        started[phase] = time.monotonic()
        console.print(f"{escape(phase)}: 0/{total}")
    elif done >= total and started[phase] >= 0:
        console.print(f"{escape(phase)}: {done}/{total} in {time.monotonic() - started[phase]:.0f} s")
        started[phase] = -1.0  # reported


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "0/0"


def print_report(prep: Preparation, reports: list[LangReport], console: Console) -> None:
    n_mut = sum(len(s.mutants) for s in prep.subjects)
    console.print(f"subjects: {len(prep.subjects)} functions with body IR and a suite "
                  f"({len(prep.skipped)} skipped); {n_mut} mutants kept, "
                  f"{prep.outside_subset} passed over for leaving the lowering subset")
    table = Table(title="tolk selftest: validator soundness")
    for col in ("language", "known-good accepted", "killed / distinguishable",
                "indistinguishable (excluded)", "harness errors", "lowering failed", "verdict"):
        table.add_column(col)
    for r in reports:
        if r.unverified:
            table.add_row(r.lang, "unverified here (below)", "-", "-", "-", "-", "unverified")
            continue
        table.add_row(r.lang, _pct(r.known_good_passed, r.known_good_total),
                      _pct(r.killed, r.changing_total), str(r.equivalent), str(r.harness_errors),
                      str(len(r.lowering_failed)),
                      "[green]ok[/green]" if r.ok else f"[red]below the bar[/red]")
    console.print(table)
    for r in reports:
        if r.unverified:
            console.print(f"{r.lang}: unverified here: {escape(r.unverified)}")
            continue
        console.print(f"{r.lang}: known-good accepted {_pct(r.known_good_passed, r.known_good_total)}; "
                      f"killed / distinguishable {_pct(r.killed, r.changing_total)} "
                      f"({r.equivalent} that no searched input tells apart, excluded); "
                      f"harness errors {r.harness_errors}; lowering failed {len(r.lowering_failed)}")
        kinds = ", ".join(f"{k} {c[0]}/{c[1]}" for k, c in r.by_kind.items())
        console.print(f"  killed by kind: {kinds}; kill verdicts: "
                      + ", ".join(f"{k} {n}" for k, n in r.kill_statuses.items()))
        for name, summary in r.known_good_failures:
            console.print(f"  [red]known-good rejected[/red] {name}: {escape(summary)}")
        if r.survivors:
            console.print(f"  {len(r.survivors)} survivors: {r.survivors_off_suite} of them "
                          "no vector of the suite tells apart (a weak suite), "
                          f"{r.survivors_raises_only} differ from the reference only by "
                          "raising in Python (a lowering or runtime check that does not trap "
                          "there):")
        for name, what in r.survivors:
            console.print(f"  [yellow]survivor[/yellow] {name}: {escape(what)}")
        for name, what, reason in r.lowering_failed:
            console.print(f"  lowering failed {name} ({escape(what)}): {escape(reason)}")
        for name, reason in r.unsupported:
            console.print(f"  unsupported by {r.lang}: {name} ({escape(reason)})")
    console.print(f"bar: known-good 100%, killed / distinguishable >= {KILL_TARGET:.0%} "
                  "(distinguishable: some input of the large search tells it from Python), "
                  "harness errors 0")


def _as_json(prep: Preparation, reports: list[LangReport], args: argparse.Namespace,
             hostile: dict[str, dict] | None = None) -> dict:
    return {
        "seed": args.seed, "max_mutants_per_function": args.max_mutants,
        "n_inputs": args.n_inputs, "langs": [r.lang for r in reports],
        "search_budget": args.search_budget,
        "source": str(args.source), "subjects": len(prep.subjects),
        "skipped": [list(x) for x in prep.skipped], "outside_subset": prep.outside_subset,
        "mutants": [{"function": s.fn.name, "kind": str(cm.mutant.kind),
                     "description": cm.mutant.description,
                     "changes_behaviour": cm.changes_behaviour, "why": cm.why,
                     "on_suite": cm.on_suite}
                    for s in prep.subjects for cm in s.mutants],
        "languages": [dict(dataclasses.asdict(r), known_good_rate=r.known_good_rate,
                           kill_rate=r.kill_rate, ok=r.ok,
                           **({"hostile": hostile[r.lang]} if r.lang in (hostile or {}) else {}))
                      for r in reports],
    }
