"""Curation of a large synthetic store: time and peak memory against a polars-only baseline.

    .venv/bin/python bench/curate.py [--rows 200000] [--shard-rows 10000] [--json out.json]

Builds an output directory of `--rows` synthetic sample rows (four languages, programs
made of random statements, six samples per source program) with planted duplicates:
exact copies (a comment added, blank lines, Fortran/COBOL upper-cased), renamed-variable
copies (every identifier renamed) and a few HumanEval solutions in `python_source`. Then,
each in a fresh child process so peak RSS is its own (`ru_maxrss`):

    baseline  polars only: scan every sample shard, collect, write one parquet file
    curate    `corpus.curate.curate` with the default config (HumanEval included), then the
              kept rows sunk to parquet and the removals written

and prints wall time, CPU time and peak RSS of both, their ratios, what each step removed
and how many planted duplicates were caught. Nothing is asserted: a bench, not a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

LANGS = ("fortran", "cobol", "julia", "cuda")
BASE_NAMES = ("acc", "val", "idx", "tmp", "cnt", "lim")
OTHER_NAMES = ("total", "item", "pos", "scratch", "hits", "bound")


# ---- synthetic programs --------------------------------------------------------------------

def _stmt(rng: random.Random, lang: str, names: tuple[str, ...], depth: int = 0) -> list[str]:
    a, b, c = (rng.choice(names) for _ in range(3))
    op, k = rng.choice("+-*"), rng.randrange(1, 10_000)
    pad = "    " * (depth + 1)
    r = rng.random()
    if r < 0.15 and depth < 2:  # a loop around a few statements
        body = [s for _ in range(rng.randrange(1, 4)) for s in _stmt(rng, lang, names, depth + 1)]
        head, tail = {
            "fortran": (f"do {a} = 1, {k}", "end do"),
            "julia": (f"for {a} in 1:{k}", "end"),
            "cuda": (f"for (long {a} = 0; {a} < {k}; ++{a}) {{", "}"),
            "cobol": (f"PERFORM VARYING {a} FROM 1 BY 1 UNTIL {a} > {k}", "END-PERFORM"),
        }[lang]
        return [pad + head, *body, pad + tail]
    if r < 0.3:
        cond = f"{b} > {k}"
        head, tail = {
            "fortran": (f"if ({cond}) then", "end if"), "julia": (f"if {cond}", "end"),
            "cuda": (f"if ({cond}) {{", "}"), "cobol": (f"IF {cond}", "END-IF"),
        }[lang]
        return [pad + head, *_stmt(rng, lang, names, depth + 1), pad + tail]
    expr = f"{b} {op} {c} {op} {k}"
    return [pad + {"fortran": f"{a} = {expr}", "julia": f"{a} = {expr}", "cuda": f"{a} = {expr};",
                   "cobol": f"COMPUTE {a} = {expr}"}[lang]]


def program(seed: int, lang: str, names: tuple[str, ...], fname: str) -> str:
    rng = random.Random(seed)  # same seed, other names: a renamed-variable copy
    body = [line for _ in range(rng.randrange(6, 14)) for line in _stmt(rng, lang, names)]
    decl = ", ".join(names)
    if lang == "fortran":
        return "\n".join([f"function {fname}({names[0]}) result(r)",
                          f"    integer(8) :: {decl}, r", *body, f"    r = {names[0]}",
                          f"end function {fname}", ""])
    if lang == "julia":
        return "\n".join([f"function {fname}({names[0]}::Int64)::Int64", *body,
                          f"    return {names[0]}", "end", ""])
    if lang == "cuda":
        return "\n".join([f"__device__ long {fname}(long {names[0]}) {{",
                          *[f"    long {n} = 0;" for n in names[1:]], *body,
                          f"    return {names[0]};", "}", ""])
    return "\n".join(["PROCEDURE DIVISION.", *[f"    MOVE 0 TO {n}" for n in names[1:]], *body,
                      f"    MOVE {names[0]} TO RESULT", "    GOBACK.", ""])


def exact_copy(code: str, lang: str) -> str:
    comment = {"fortran": "! copied", "julia": "# copied", "cuda": "// copied",
               "cobol": "*> copied"}[lang]
    code = code.replace("\n", "\n\n", 2)
    return f"{comment}\n" + (code.upper() if lang in ("fortran", "cobol") else code)


def _humaneval_sources(n: int) -> list[str]:
    from tolk.corpus.decontam import humaneval_path
    with gzip.open(humaneval_path(), "rt") as fh:
        problems = [json.loads(line) for line in fh]
    return [p["prompt"] + p["canonical_solution"] for p in problems[:n]]


def build_store(out: Path, rows: int, shard_rows: int, seed: int = 0) -> dict[str, list[str]]:
    """Write the synthetic store; return the ids of the planted rows by kind."""
    from tolk.corpus.store import write_shard
    rng = random.Random(seed)
    planted: dict[str, list[str]] = {"exact_duplicate": [], "near_duplicate": [],
                                     "decontaminated": []}
    he = _humaneval_sources(20)
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    shard: list[dict[str, Any]] = []
    originals: list[tuple[int, str, str, str]] = []  # (program seed, lang, source, fname)
    for i in range(rows):
        sid = i // 6
        lang = LANGS[sid % 4]
        source = f"p{sid}"
        python = f"def f{sid}(x: int) -> int:\n    return x * {sid % 97} + {sid}\n"
        r = rng.random()
        if r < 0.075 and originals:
            pseed, lang, source, fname = originals[-rng.randrange(1, min(6, len(originals)) + 1)]
            code = exact_copy(program(pseed, lang, BASE_NAMES, fname), lang)
            planted["exact_duplicate"].append(f"s{i}")
        elif r < 0.15 and originals:
            pseed, lang, source, fname = originals[-rng.randrange(1, min(6, len(originals)) + 1)]
            code = program(pseed, lang, OTHER_NAMES, fname + "_v2")
            planted["near_duplicate"].append(f"s{i}")
        else:
            pseed, fname = rng.randrange(2**40), f"f{sid}"
            code = program(pseed, lang, BASE_NAMES, fname)
            originals.append((pseed, lang, source, fname))
        if len(planted["decontaminated"]) < len(he) and i % 5000 == 17:
            python = he[len(planted["decontaminated"])]
            planted["decontaminated"].append(f"s{i}")
        shard.append({"id": f"s{i}", "source_id": source, "source_uri": f"synthetic://{source}",
                      "source_license": "mit", "function": fname, "python_source": python,
                      "ir_signature": "{}", "lang": lang, "target_code": code,
                      "translator": "lowering", "strategy": "lowering", "model": "",
                      "model_revision": "", "sampling_params": "{}", "prompt_hash": "",
                      "repair_round": 0, "vectors_passed": 30, "vectors_total": 30,
                      "toolchain": "synthetic", "toolchain_version": "0", "ran_on": "host",
                      "run_id": "bench", "shard": f"{i // shard_rows:05d}", "created_at": now})
        if len(shard) == shard_rows or i == rows - 1:
            write_shard(out, shard[0]["shard"], shard, [], {"samples": len(shard)})
            shard = []
    return planted


# ---- the two measured phases (each in its own process) ------------------------------------

def _usage() -> dict[str, float]:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": ru.ru_maxrss / 1024, "cpu_s": ru.ru_utime + ru.ru_stime}


def phase_baseline(out: Path, dest: Path) -> dict[str, Any]:
    from tolk.corpus.store import scan_samples
    t = time.perf_counter()
    df = scan_samples(out).collect()
    df.write_parquet(dest / "baseline.parquet")
    return {"wall_s": time.perf_counter() - t, "rows": df.height, **_usage()}


def phase_curate(out: Path, dest: Path) -> dict[str, Any]:
    from tolk.corpus.curate import CurationConfig, curate
    t = time.perf_counter()
    cur = curate(out, CurationConfig())
    cur.kept.sink_parquet(dest / "kept.parquet")
    cur.removals.write_parquet(dest / "removals.parquet")
    wall = time.perf_counter() - t
    reasons = dict(cur.removals.group_by("reason").len().iter_rows())
    return {"wall_s": wall, "rows": sum(s["sampled"] for s in cur.stats.values()),
            "kept": pl.scan_parquet(dest / "kept.parquet").select(pl.len()).collect().item(),
            "removed": reasons, "stats": cur.stats, **_usage()}


def _child(phase: str, out: Path, dest: Path) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, "--phase", phase, "--out", str(out),
                           "--dest", str(dest)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--shard-rows", type=int, default=10_000)
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--phase", choices=("baseline", "curate"), help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--dest", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.phase:
        fn = phase_baseline if args.phase == "baseline" else phase_curate
        print(json.dumps(fn(args.out, args.dest)))
        return
    with tempfile.TemporaryDirectory(prefix="tolk-bench-curate-") as tmp:
        out, dest = Path(tmp) / "out", Path(tmp) / "dest"
        dest.mkdir()
        print(f"[bench] writing {args.rows} synthetic rows ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        planted = build_store(out, args.rows, args.shard_rows)
        size_mb = sum(f.stat().st_size for f in (out / "samples").glob("*.parquet")) / 2**20
        text_mb = pl.scan_parquet(list((out / "samples").glob("*.parquet"))).select(
            pl.col("target_code").str.len_bytes().sum()
            + pl.col("python_source").str.len_bytes().sum()
        ).collect().item() / 2**20
        print(f"[bench] built in {time.perf_counter() - t:.1f}s; baseline ...",
              file=sys.stderr, flush=True)
        base = _child("baseline", out, dest)
        print("[bench] curate ...", file=sys.stderr, flush=True)
        cur = _child("curate", out, dest)
        removals = pl.read_parquet(dest / "removals.parquet")
        caught = {}
        for kind, ids in planted.items():
            gone = removals.filter(pl.col("id").is_in(pl.Series(ids, dtype=pl.String).implode()))
            # Two renamed copies of one program are exact duplicates of each other.
            dup = gone.filter(pl.col("reason").is_in(["exact_duplicate", "near_duplicate"]))
            caught[kind] = {"planted": len(ids), "removed": gone.height,
                            "as_duplicate": dup.height,
                            "decontaminated":
                                gone.filter(pl.col("reason") == "decontaminated").height}
    print(f"cores: {os.cpu_count()}; rows: {args.rows} in {args.rows // args.shard_rows} shards "
          f"({size_mb:.1f} MiB parquet, {text_mb:.1f} MiB of code text)")
    head = f"{'phase':9} {'rows':>7} {'wall s':>8} {'cpu s':>8} {'rows/s':>9} {'peak RSS MiB':>13}"
    print(head)
    print("-" * len(head))
    for name, r in (("baseline", base), ("curate", cur)):
        print(f"{name:9} {r['rows']:>7} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} "
              f"{r['rows'] / r['wall_s']:>9.0f} {r['peak_rss_mb']:>13.1f}")
    print(f"ratios curate/baseline: wall {cur['wall_s'] / base['wall_s']:.1f}x, "
          f"peak RSS {cur['peak_rss_mb'] / base['peak_rss_mb']:.2f}x")
    print(f"removed: {cur['removed']}; kept {cur['kept']}")
    for kind, c in caught.items():
        print(f"planted {kind:16} {c['planted']:>6}: removed {c['removed']:>6} "
              f"(as duplicate {c['as_duplicate']}, by decontamination {c['decontaminated']})")
    for lang, s in sorted(cur["stats"].items()):
        print(f"  {lang:8} " + " -> ".join(f"{k} {v}" for k, v in s.items()))
    if args.json:
        args.json.write_text(json.dumps({"baseline": base, "curate": cur, "caught": caught,
                                         "rows": args.rows}, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
