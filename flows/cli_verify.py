"""`tolk verify SOURCE`: re-validate every row from the tests it carries, on this machine.

    tolk verify SOURCE [--config LANG]... [--executor auto|bwrap|...] [--batch-size N]
                       [--run-timeout S] [--report PATH] [--write DIR]

SOURCE is a run's output directory, a Hub-ready folder (what `tolk publish --dry-run`
writes) or `hf:org/name[@revision]` (HF_ENDPOINT, HF_TOKEN as for publish). Prints
progress per language, a per-language summary, and every failing row with its first
failing vector; writes one JSON line per row to `--report` (default DIR/verify.jsonl
with --write, SOURCE/verify.jsonl for a run directory, where `tolk publish` reads it for
the card's "rows re-checked" share, else ./verify.jsonl). With `--write DIR`: a Hub-ready
folder where `unverified` rows that passed here are promoted into their language config
(`ran_on` updated), rows that failed are dropped, the source folder's views are re-made
over the rows kept and the card re-states its configs, counts and checks
(corpus/verify.py).

Exit codes: 0 every row passed or could not be run here (`unverified`: no runtime);
1 some row failed (or carries no tests); 2 the source cannot be read.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tolk.lang import Lang

if TYPE_CHECKING:
    from tolk.corpus.verify import SourceRows

__all__ = ["add_verify_parser", "verify_command"]


def add_verify_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]",
                      executors: list[str]) -> None:
    v = sub.add_parser("verify", help="re-validate every row of a run, a Hub folder or "
                       "hf:org/name from the tests the rows carry")
    v.add_argument("source", help="run output dir, Hub-ready folder, or hf:org/name[@rev]")
    v.add_argument("--config", action="append", choices=[x.value for x in Lang], default=[],
                   help="only this language (repeatable; default: all)")
    v.add_argument("--executor", choices=executors, default="auto")
    v.add_argument("--batch-size", type=int, default=32)
    v.add_argument("--run-timeout", type=float, default=10.0)
    v.add_argument("--report", type=Path, default=None, help="per-row JSON lines report")
    v.add_argument("--write", type=Path, default=None, metavar="DIR",
                   help="write a Hub-ready folder: unverified rows that pass promoted, "
                   "failing rows dropped")


def _progress(lang: str, done: int, total: int) -> None:
    print(f"verify {lang}: {done}/{total}", file=sys.stderr, flush=True)


def _default_report(args: argparse.Namespace, rows: "SourceRows") -> Path:
    # A run directory keeps its report, where `tolk publish` finds it for the card's
    # "rows re-checked" share (corpus/checks.py).
    from tolk.corpus.checks import VERIFY_REPORT
    if args.write is not None:
        return args.write / VERIFY_REPORT
    return rows.root / VERIFY_REPORT if rows.kind == "run" else Path(VERIFY_REPORT)


def verify_command(args: argparse.Namespace) -> int:
    import polars as pl

    from tolk.corpus.verify import (load_rows, summarize, verify_rows, write_report,
                                    write_verified)
    from tolk.flows.cli_translate import limits_for

    with tempfile.TemporaryDirectory(prefix="tolk-verify-") as work:
        rows = load_rows(args.source, Path(work))
        if args.config:
            rows = type(rows)(rows.frame.filter(pl.col("lang").is_in(args.config)), rows.kind,
                              rows.root, rows.text_format)
        print(f"{args.source}: {rows.frame.height} rows ({rows.kind})")
        checks = verify_rows(rows.frame, limits_for(args), batch_size=args.batch_size,
                             progress=_progress)
        if args.write is not None:
            layout, counts = write_verified(args.write, rows, checks)
            print(f"wrote {args.write}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                  + "; configs " + ", ".join(f"{c.name} {c.rows}" for c in layout.configs))
    report = args.report or _default_report(args, rows)
    write_report(checks, report)
    with pl.Config(tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(summarize(checks))
    failed = [c for c in checks if c.status not in ("passed", "unverified")]
    for c in failed:
        where = ""
        if c.failing_vector:
            fv = c.failing_vector
            where = (f"; vector {fv['index']}: args={fv['args']} expected={fv['expected']} "
                     f"got={fv['got']}")
        print(f"FAILED {c.lang} {c.id} {c.function}: {c.status} {c.passed}/{c.total}"
              f"{' (' + c.reason + ')' if c.reason else ''}{where}")
    print(f"report: {report}")
    return 1 if failed else 0
