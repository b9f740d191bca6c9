"""Soak: `tolk run` over real code nobody here wrote, to all four targets, and what broke.

    .venv/bin/python bench/soak.py [--max-programs 300] [--out DIR] [--to LANGS]
                                   [--source DIR] [--shard-size 16] [--workers 2]
                                   [--stage-timeout 120] [--json report.json]

Runs the `tolk` CLI (a child process, its own embedded Prefect server) over the .py files
of this project's virtual environment (`.venv/lib/python3.11/site-packages`, about 9,400
files by others), capped at --max-programs, with --no-progress so its per-shard lines land
in the log. While it runs, the RSS of the whole process tree (tolk, its stage workers,
sandboxes, compilers, the Prefect server) is sampled every 0.5 s. Then it reads the run's
own records and reports: programs, functions, samples per language, wall seconds,
programs/s, peak RSS (the tree's, and the largest single process's), the time per stage,
the slowest items per stage (timing/<shard>.json), every `internal_error` reject, and
whether the log holds a Python traceback. A markdown table goes to stdout (for the
README). Nothing is asserted: a bench, not a test; the exit status is tolk's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / ".venv" / "lib" / "python3.11" / "site-packages"

from tolk.corpus.store import read_stats, scan_rejects, scan_samples  # noqa: E402
from tolk.flows.procs import descendants  # noqa: E402
from tolk.flows.runlog import read_timings  # noqa: E402
from tolk.flows.watchdog import stage_times  # noqa: E402


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class RssSampler(threading.Thread):
    """Peak RSS of a process tree (summed) and of its largest single process."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.tree_kb, self.single_kb = pid, 0, 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            sizes = [_rss_kb(self.pid)] + [_rss_kb(p.pid) for p in descendants(self.pid)]
            self.tree_kb = max(self.tree_kb, sum(sizes))
            self.single_kb = max(self.single_kb, max(sizes))


def _slowest(out: Path, k: int = 5) -> dict[str, list[tuple[float, str]]]:
    merged: dict[str, list[tuple[float, str]]] = {}
    for t in read_timings(out):
        for stage, rows in (t.get("slowest") or {}).items():
            merged.setdefault(stage, []).extend((float(s), str(label)) for s, label in rows)
    return {s: sorted(rows, reverse=True)[:k] for s, rows in merged.items()}


def soak(args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.out or tempfile.mkdtemp(prefix="tolk-soak-"))
    log = out.with_name(out.name + ".log")
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    env.setdefault("PREFECT_HOME", str(out.with_name(out.name + ".prefect")))
    cmd = [str(REPO / ".venv" / "bin" / "tolk"), "run", "--source", str(args.source),
           "--to", args.to, "--out", str(out), "--max-programs", str(args.max_programs),
           "--shard-size", str(args.shard_size), "--workers", str(args.workers),
           "--stage-timeout", str(args.stage_timeout), "--no-progress"]
    t0 = time.monotonic()
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        sampler = RssSampler(proc.pid)
        sampler.start()
        rc = proc.wait()
        sampler.stop.set()
        sampler.join()
    wall = time.monotonic() - t0
    text = log.read_text(errors="replace")
    stats = read_stats(out)
    langs = args.to.split(",")
    samples = scan_samples(out).group_by("lang").agg(pl.len().alias("n")).collect()
    rejects = scan_rejects(out)
    internal = (rejects.filter(pl.col("family") == "internal_error")
                .select("stage", "reason", "source_uri", "function", "lang", "detail")
                .collect())
    return {
        "cmd": " ".join(cmd), "rc": rc, "out": str(out), "log": str(log),
        "programs": stats.get("programs", 0), "functions": stats.get("functions", 0),
        "with_body_ir": stats.get("with_body_ir", 0), "tested": stats.get("tested", 0),
        "samples": {lang: int(dict(zip(samples["lang"], samples["n"])).get(lang, 0))
                    for lang in langs},
        "wall_s": round(wall, 1),
        "programs_per_s": round(stats.get("programs", 0) / wall, 3) if wall else 0.0,
        "functions_per_s": round(stats.get("functions", 0) / wall, 3) if wall else 0.0,
        "peak_rss_tree_mb": round(sampler.tree_kb / 1024, 1),
        "peak_rss_process_mb": round(sampler.single_kb / 1024, 1),
        "stages": [{"stage": s, "items": n, "wall_s": round(w, 1), "cpu_s": round(c, 1)}
                   for s, n, w, c in stage_times(stats)],
        "slowest": _slowest(out),
        "internal_errors": internal.to_dicts(),
        "internal_error_reasons": dict(internal.group_by("reason").agg(pl.len().alias("n"))
                                       .sort("n", descending=True).iter_rows()),
        "tracebacks": text.count("Traceback (most recent call last)"),
    }


def markdown(r: dict[str, Any]) -> str:
    samples = ", ".join(f"{k} {v}" for k, v in r["samples"].items())
    lines = ["| measure | value |", "|---|---|",
             f"| programs (files) / functions | {r['programs']} / {r['functions']} |",
             f"| with body IR / tested | {r['with_body_ir']} / {r['tested']} |",
             f"| samples | {samples} |",
             f"| wall | {r['wall_s']} s |",
             f"| programs/s (functions/s) | {r['programs_per_s']} ({r['functions_per_s']}) |",
             f"| peak RSS, process tree (largest process) | {r['peak_rss_tree_mb']} MB "
             f"({r['peak_rss_process_mb']} MB) |",
             "| internal errors | " + (", ".join(f"{k} {v}" for k, v in
                                                r["internal_error_reasons"].items()) or "none")
             + " |",
             f"| tracebacks in the log / exit status | {r['tracebacks']} / {r['rc']} |"]
    lines += ["", "| stage | items | wall s | CPU s | slowest items (s) |", "|---|---:|---:|---:|---|"]
    for s in r["stages"]:
        slow = "; ".join(f"{label} {sec:.1f}" for sec, label in r["slowest"].get(s["stage"], [])[:3])
        lines.append(f"| {s['stage']} | {s['items']} | {s['wall_s']} | {s['cpu_s']} | {slow} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--max-programs", type=int, default=300)
    ap.add_argument("--source", default=str(SITE))
    ap.add_argument("--to", default="fortran,cobol,julia,cuda")
    ap.add_argument("--out", default="")
    ap.add_argument("--shard-size", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--stage-timeout", type=float, default=120.0)
    ap.add_argument("--json", default="", help="write the full report here")
    args = ap.parse_args()
    r = soak(args)
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1, default=str))
    print(markdown(r))
    for row in r["internal_errors"][:50]:
        print(f"internal_error: {row['stage']} {row['reason']} {row['source_uri']}:"
              f"{row['function']} {row['lang']} {(row['detail'] or '')[:160]}")
    print(f"log: {r['log']}  out: {r['out']}")
    return int(r["rc"])


if __name__ == "__main__":
    sys.exit(main())
