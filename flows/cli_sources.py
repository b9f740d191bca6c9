"""`tolk sources SPEC`: what a source yields, through the filters and the front end.

    tolk sources stdlib
    tolk sources data/shard-*.parquet -o code_column=content -o license_column=license
    tolk sources git:https://github.com/org/repo@v1.0 --limit 500 --no-frontend

Key contracts: reads only (no sandbox, no tests, no output directory); prints per-stage
counts with every rejection reason, most frequent first (a file the front end refuses as
a whole, e.g. `no_functions`, counts as a file, never as a function), so a source can be judged before
a run is spent on it. A bad spec or option is a TolkError (exit 2 through cli.main).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from itertools import islice

__all__ = ["add_sources_parser", "sources_command", "add_source_option_flags",
           "options_from_args"]


def add_source_option_flags(p: argparse.ArgumentParser) -> None:
    """`-o/--source-option key=value` (repeatable) and `--license`: for `run` too."""
    p.add_argument("-o", "--source-option", dest="source_options", action="append",
                   default=[], metavar="KEY=VALUE",
                   help="source adapter or filter option, repeatable: pattern, license, "
                   "code_column, id_column, path_column, license_column, rev, purpose=eval, "
                   "max_bytes, max_lines, max_depth, dedup=none|exact|near, near_threshold, "
                   "max_fn_lines, max_fn_nodes ...")
    p.add_argument("--license", default=None,
                   help="license recorded for every program (same as -o license=...)")


def add_sources_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("sources", help="stream a source through the filters and the front "
                       "end and print what survives and why the rest was refused")
    p.add_argument("spec", help="a directory, git:<url>[@rev], file.jsonl[.gz]|.parquet (globs "
                   "allowed), hf:org/name[:config][@split], stdlib or humaneval")
    add_source_option_flags(p)
    p.add_argument("--limit", type=int, default=None, help="stop after this many programs")
    p.add_argument("--no-frontend", action="store_true",
                   help="stop after the program filters (faster)")


def options_from_args(args: argparse.Namespace) -> dict[str, str]:
    from tolk.corpus.sources import parse_source_options
    opts = parse_source_options(args.source_options)
    if getattr(args, "license", None):
        opts["license"] = args.license
    return opts


def sources_command(args: argparse.Namespace) -> int:
    from tolk.corpus.filters import FilterLimits, analyze_screened
    from tolk.corpus.sources import iter_filtered
    from tolk.outcome import Rejected

    opts = options_from_args(args)
    limits = FilterLimits.from_options(opts)
    t0 = time.perf_counter()
    reasons: dict[str, Counter[str]] = {"sample": Counter(), "file": Counter(),
                                        "frontend": Counter()}
    programs = kept = whole = functions = accepted = 0
    for item in islice(iter_filtered(args.spec, opts), args.limit):
        programs += 1
        if isinstance(item, Rejected):
            reasons["sample"][item.reason] += 1
            continue
        kept += 1
        if args.no_frontend:
            continue
        for r in analyze_screened(item, limits):
            if isinstance(r, Rejected) and not r.function:
                # The file as a whole (no_functions, syntax_error, python_version:3.12,
                # nesting:too_deep): not a function.
                whole += 1
                reasons["file"][r.reason] += 1
                continue
            functions += 1
            if isinstance(r, Rejected):
                reasons["frontend"][r.reason] += 1
            else:
                accepted += 1
    secs = time.perf_counter() - t0
    print(f"source {args.spec}: {programs} programs, {kept} kept by the filters"
          + ("" if args.no_frontend else
             (f", {whole} without a function to take" if whole else "")
             + f", {functions} functions, {accepted} accepted by the front end")
          + f" ({secs:.1f}s, {programs / secs if secs else 0:.0f} programs/s)")
    for stage, counts in reasons.items():
        if counts:
            print(f"  {stage} rejects:")
            for reason, n in counts.most_common():
                print(f"    {n:>8}  {reason}")
    return 0
