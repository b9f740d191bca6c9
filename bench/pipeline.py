"""The whole pipeline against the compile floor, measured in the same run.

    .venv/bin/python bench/pipeline.py [--to fortran | --to all] [--site-packages N]
                                       [--out DIR] [--workers 2] [--seed 0] [--json FILE]
                                       [--tree DIR] [--input-cache DIR]

Runs `tolk run --source data/seed` (plus, with --site-packages N, N .py files drawn with
--seed from this project's virtual environment) to the given targets as a user would: a
child process with its own embedded Prefect server. Then, in the same run, the compile
floor: every accepted sample compiled once, sequentially, unsandboxed, with its
toolchain's compiler and flags on the sample's code alone (`-c`, no harness, no run): the
least any pipeline that checks its samples must pay. Julia is interpreted (no compile
step, and its runtime lives in a root filesystem), so its samples have no floor and are
left out of the ratio's denominator, which the output says. The run gets an empty input
cache of its own (validators/input_cache.py; --input-cache to reuse one), so the numbers
are a first run's.

Prints the per-stage table (flows.stage_table: worker seconds, CPU, elapsed per phase),
the time outside the shards (process start, Prefect server and flow, planning, report),
the floor per language and the ratio pipeline wall / floor. Nothing is asserted: timings
on a shared machine are noisy, so compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "data" / "seed"
SITE = REPO / ".venv" / "lib" / "python3.11" / "site-packages"
ALL = "fortran,cobol,julia,cuda"

from tolk.corpus.store import read_stats, scan_samples  # noqa: E402
from tolk.flows.runlog import read_timings  # noqa: E402
from tolk.flows.stage_table import format_rows, stage_rows  # noqa: E402


def _floor_argv(lang: str) -> tuple[list[str], str] | None:
    """(compiler argv without the file, file suffix): the toolchain's own compiler and
    flags, compiling the sample alone to an object file."""
    if lang == "fortran":
        from tolk.toolchains.fortran import toolchain as t
        return [t.COMPILER, *t.FLAGS, "-c"], ".f90"
    if lang == "cobol":  # -x makes a main program; the sample is a subprogram
        from tolk.toolchains.cobol import toolchain as c
        return [c.COMPILER, *(f for f in c.FLAGS if f != "-x"), "-c"], ".cob"
    if lang == "cuda":
        from tolk.toolchains.cuda import toolchain as u
        return [u.COMPILER, *u.FLAGS, "-c"], ".cu"
    return None  # julia: interpreted


def compile_floor(out: Path, langs: list[str]) -> dict[str, dict[str, Any]]:
    """Seconds to compile every accepted sample once, per language, plainly."""
    samples = scan_samples(out).select("lang", "target_code").collect()
    floor: dict[str, dict[str, Any]] = {}
    for lang in langs:
        codes = samples.filter(samples["lang"] == lang)["target_code"].to_list()
        spec = _floor_argv(lang)
        if spec is None:
            floor[lang] = {"samples": len(codes), "seconds": None, "failed": 0}
            continue
        argv, suffix = spec
        failed = 0
        with tempfile.TemporaryDirectory(prefix=f"tolk-floor-{lang}-") as tmp:
            t0 = time.monotonic()
            for k, code in enumerate(codes):
                src = Path(tmp) / f"s{k}{suffix}"
                src.write_text(code)
                r = subprocess.run([*argv, src.name], cwd=tmp, capture_output=True)
                failed += r.returncode != 0
            seconds = time.monotonic() - t0
        floor[lang] = {"samples": len(codes), "seconds": seconds, "failed": failed}
    return floor


# Runs the CLI from another copy of the sources (e.g. `git archive HEAD`): the editable
# install's finder is pointed at it before tolk is imported; forked stage workers inherit
# that, and the sandboxed workers are copied from the package's own folder.
_AT_TREE = """import sys
import __editable___tolk_0_1_0_finder as f
root = sys.argv.pop(1)
cut = len(f.MAPPING["tolk"]) - len("/tolk")
for k, v in list(f.MAPPING.items()):
    f.MAPPING[k] = root + v[cut:]
import tolk.validators.reference as r
assert r.__file__.startswith(root), r.__file__
from tolk.flows.cli import main
sys.argv[0] = "tolk"
sys.exit(main())
"""


def _tolk(tree: str) -> list[str]:
    if not tree:
        return [str(REPO / ".venv" / "bin" / "tolk")]
    return [sys.executable, "-c", _AT_TREE, str(Path(tree).resolve())]


def _source(args: argparse.Namespace, work: Path) -> Path:
    if not args.site_packages:
        return SEED
    src = work / "source"
    shutil.copytree(SEED, src, ignore=shutil.ignore_patterns("*.md"))
    files = sorted(p for p in SITE.rglob("*.py") if p.is_file())
    for k, p in enumerate(random.Random(args.seed).sample(files, args.site_packages)):
        (src / f"site_{k:04d}_{p.name}").write_bytes(p.read_bytes())
    return src


def bench(args: argparse.Namespace) -> dict[str, Any]:
    langs = (ALL if args.to == "all" else args.to).split(",")
    work = Path(tempfile.mkdtemp(prefix="tolk-bench-pipeline-"))
    out = Path(args.out) if args.out else work / "out"
    # A cold input cache of its own (validators/input_cache.py) unless told otherwise: a
    # warm one from earlier runs would hide what drawing inputs costs.
    env = dict(os.environ, PREFECT_SERVER_ANALYTICS_ENABLED="false",
               TOLK_INPUT_CACHE=args.input_cache or str(work / "input-cache"))
    cmd = [*_tolk(args.tree), "run", "--source", str(_source(args, work)),
           "--to", ",".join(langs), "--out", str(out), "--workers", str(args.workers),
           "--seed", str(args.seed), "--no-progress"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    (work / "tolk.log").write_text(proc.stdout + proc.stderr)
    stats = read_stats(out)
    timings = read_timings(out)
    shard_wall = sum(float(t["end"]) - float(t["start"]) for t in timings)
    floor = compile_floor(out, langs)
    floor_s = sum(f["seconds"] for f in floor.values() if f["seconds"] is not None)
    return {"cmd": " ".join(cmd), "rc": proc.returncode, "out": str(out),
            "log": str(work / "tolk.log"), "langs": langs, "wall_s": wall,
            "shards": len(timings), "shard_wall_s": shard_wall,
            "outside_shards_s": wall - shard_wall,
            "programs": stats.get("programs", 0), "functions": stats.get("functions", 0),
            "stages": [r.__dict__ for r in stage_rows(stats, timings)],
            "stage_table": format_rows(stage_rows(stats, timings)),
            "floor": floor, "floor_s": floor_s,
            "ratio": wall / floor_s if floor_s else None}


def markdown(r: dict[str, Any]) -> str:
    lines = ["| stage | items | worker wall s | CPU s | ms/item | elapsed s |",
             "|---|---:|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in r["stage_table"]]
    lines += ["", f"pipeline: {r['programs']} programs, {r['functions']} functions, "
              f"wall {r['wall_s']:.1f} s ({r['shards']} shards: {r['shard_wall_s']:.1f} s; "
              f"outside them: {r['outside_shards_s']:.1f} s), exit status {r['rc']}"]
    for lang, f in r["floor"].items():
        if f["seconds"] is None:
            lines.append(f"floor {lang}: {f['samples']} samples, interpreted (no compile "
                         "step): not in the floor")
        else:
            lines.append(f"floor {lang}: {f['samples']} samples compiled in {f['seconds']:.2f} s"
                         + (f" ({f['failed']} failed alone)" if f["failed"] else ""))
    if r["ratio"] is not None:
        lines.append(f"pipeline / compile floor: {r['wall_s']:.1f} / {r['floor_s']:.2f} = "
                     f"{r['ratio']:.1f}x")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--to", default="fortran", help=f"targets, or 'all' ({ALL})")
    ap.add_argument("--site-packages", type=int, default=0, metavar="N",
                    help="add N .py files drawn (with --seed) from the venv's site-packages")
    ap.add_argument("--out", default="", help="tolk's output directory (default: a temp dir)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--input-cache", default="",
                    help="TOLK_INPUT_CACHE for the run (default: a fresh, empty directory)")
    ap.add_argument("--tree", default="", help="run tolk from this copy of the sources "
                    "(A/B: `git archive` two commits, bench each; default: this checkout)")
    ap.add_argument("--json", default="", help="write the full result here")
    args = ap.parse_args()
    r = bench(args)
    if args.json:
        Path(args.json).write_text(json.dumps(r, indent=1, default=str))
    print(markdown(r))
    print(f"log: {r['log']}  out: {r['out']}")
    return int(r["rc"])


if __name__ == "__main__":
    sys.exit(main())
