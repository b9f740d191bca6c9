"""`tolk curate OUT`: what curation keeps and removes, per language, without publishing.

    tolk curate OUT [--threshold 0.8] [--max-per-source 4] [--ngram 13]
                    [--benchmark FILE ...] [--no-humaneval] [--write DIR]

Prints, per language, the rows left after each curation step (`corpus.curate.STEPS`) and
the removals by reason; `--write DIR` also writes `DIR/kept.parquet` (SAMPLE_SCHEMA) and
`DIR/removals.parquet`.

Key contracts: `add_curate_parser(subparsers)` registers the sub-command and
`curate_command(args)` returns 0; an OUT without complete shards prints empty tables.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_curate_parser", "curate_command"]


def add_curate_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("curate", help="dedup, cap and decontaminate a run's samples "
                              "and report what each step removed")
    p.add_argument("out", type=Path, help="run output directory (samples/, stats/)")
    p.add_argument("--threshold", type=float, default=0.8,
                   help="near-duplicate Jaccard threshold (default 0.8)")
    p.add_argument("--max-per-source", type=int, default=4,
                   help="samples kept per source program per language (default 4)")
    p.add_argument("--ngram", type=int, default=13,
                   help="benchmark n-gram overlap length in tokens (default 13)")
    p.add_argument("--benchmark", type=Path, action="append", default=[],
                   help="extra benchmark file (.py/.jsonl/.txt); repeatable")
    p.add_argument("--no-humaneval", action="store_true", help="skip HumanEval decontamination")
    p.add_argument("--write", type=Path, default=None,
                   help="write kept.parquet and removals.parquet here")
    return p


def curate_command(args: argparse.Namespace) -> int:
    import polars as pl

    from tolk.corpus.curate import STEPS, CurationConfig, curate
    cfg = CurationConfig(near_dup_threshold=args.threshold, max_per_source=args.max_per_source,
                         decontam_ngram=args.ngram, humaneval=not args.no_humaneval,
                         benchmark_files=tuple(args.benchmark))
    cur = curate(args.out, cfg)
    head = f"{'lang':8} " + " ".join(f"{s:>15}" for s in STEPS)
    print(head)
    print("-" * len(head))
    for lang, counts in sorted(cur.stats.items()):
        print(f"{lang:8} " + " ".join(f"{counts[s]:>15}" for s in STEPS))
    by_reason = cur.removals.group_by("lang", "reason").len().sort("lang", "reason")
    for lang, reason, n in by_reason.iter_rows():
        print(f"removed {lang:8} {reason:16} {n}")
    if args.write:
        args.write.mkdir(parents=True, exist_ok=True)
        cur.kept.sink_parquet(args.write / "kept.parquet")
        cur.removals.write_parquet(args.write / "removals.parquet")
        kept = pl.scan_parquet(args.write / "kept.parquet").select(pl.len()).collect().item()
        print(f"wrote {kept} kept rows and {cur.removals.height} removals to {args.write}")
    return 0
