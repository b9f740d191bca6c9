"""Sampling at scale: stream many small functions through the source and filter stages.

    .venv/bin/python bench/sources.py [--sizes 10000,100000] [--format parquet|jsonl]
                                      [--json out.json]

A deterministic generator writes --sizes[-1] small Python functions (one per row) to one
parquet or JSONL file in a temporary directory: mostly distinct typed functions built from
random expression trees, plus a few percent exact copies (comments changed), near copies
(one constant changed), functions with I/O (the front end refuses them) and functions the
function-level check refuses (`id`, dunders). Then, for each size, a fresh child process
streams the first `size` rows through

    iter_source -> filter_programs -> analyze_screened (front end + check_function)

counting what leaves each stage and why, and reports wall time, programs/s, the child's
peak RSS (ru_maxrss) and its RSS right after imports, and the dedup state's own bytes.
Memory is bounded when the peak RSS ratio between the largest and the smallest size stays
near 1: nothing is kept per program but 8-byte dedup keys (one exact hash and one key per
MinHash LSH band, under 300 bytes a program; corpus/filters.py). Generation is not
measured. Nothing here is asserted: a bench, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

_OPS = ("+", "-", "*")


def _expr(rng: random.Random, names: list[str], depth: int) -> str:
    if depth == 0 or rng.random() < 0.25:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randint(0, 99))
    kind = rng.random()
    if kind < 0.6:
        return f"({_expr(rng, names, depth - 1)} {rng.choice(_OPS)} {_expr(rng, names, depth - 1)})"
    if kind < 0.8:
        fn = rng.choice(("abs", "max", "min"))
        args = [_expr(rng, names, depth - 1) for _ in range(1 if fn == "abs" else 2)]
        return f"{fn}({', '.join(args)})"
    return f"({_expr(rng, names, depth - 1)} % {rng.randint(2, 97)})"


def make_function(i: int, rng: random.Random) -> str:
    """One distinct small typed function (a few statements, 30-120 tokens)."""
    params = [f"p{k}" for k in range(rng.randint(1, 3))]
    sig = ", ".join(f"{p}: int" for p in params)
    lines = [f"def fn_{i}({sig}) -> int:"]
    names = list(params)
    for k in range(rng.randint(1, 3)):
        lines.append(f"    v{k} = {_expr(rng, names, 3)}")
        names.append(f"v{k}")
    if rng.random() < 0.4:
        lines += [f"    if {rng.choice(names)} > {rng.randint(0, 50)}:",
                  f"        return {_expr(rng, names, 2)}"]
    if rng.random() < 0.3:
        lines += ["    acc = 0", f"    for j in range({rng.randint(2, 9)}):",
                  f"        acc += j * {rng.choice(names)}"]
        names.append("acc")
    lines.append(f"    return {_expr(rng, names, 2)}")
    return "\n".join(lines) + "\n"


def generate(n: int, seed: int = 0) -> Iterator[dict[str, str]]:
    """Rows {content, id, path}: distinct functions plus a few percent of each kind of
    program the filters and the front end should refuse."""
    rng = random.Random(seed)
    recent: list[str] = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.03 and recent:
            text = f"# copy {i}\n" + rng.choice(recent)  # exact: comments do not count
        elif roll < 0.06 and recent:
            base = rng.choice(recent)
            text = base.replace("return", f"return {rng.randint(100, 999)} +", 1) \
                if base.count("\n") > 6 else make_function(i, rng)
        elif roll < 0.08:
            text = f"def io_{i}(x: int) -> int:\n    print(x)\n    return x + {i % 7}\n"
        elif roll < 0.10:
            text = f"def ident_{i}(x: int) -> int:\n    return (id(x) + {i}) % 97\n"
        else:
            text = make_function(i, rng)
        if len(recent) < 512:
            recent.append(text)
        elif rng.random() < 0.01:
            recent[rng.randrange(512)] = text
        yield {"content": text, "id": f"r{i}", "path": f"gen/m{i}.py"}


def write_source(path: Path, n: int, fmt: str) -> None:
    if fmt == "jsonl":
        with open(path, "w") as f:
            for row in generate(n):
                f.write(json.dumps(row) + "\n")
        return
    import polars as pl
    # Written in row groups of 8192, so a reader that streams never needs the whole file.
    pl.DataFrame(list(generate(n))).write_parquet(path, row_group_size=8192)


@dataclass
class SizeResult:
    size: int
    seconds: float
    programs_per_s: float
    functions_per_s: float
    rss_after_imports_mb: float
    peak_rss_mb: float
    dedup_state_mb: float
    accepted_functions: int
    stages: dict[str, dict[str, int]] = field(default_factory=dict)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child(path: Path, size: int) -> SizeResult:
    """Runs in a fresh process: the measured pipeline over the first `size` rows."""
    from itertools import islice

    from tolk.corpus.filters import DedupState, FilterLimits, analyze_screened, filter_programs
    from tolk.corpus.sources import iter_source
    from tolk.ir.function import Function
    from tolk.outcome import Rejected

    rss0 = _rss_mb()
    limits = FilterLimits()
    state = DedupState(limits)
    stages: dict[str, Counter[str]] = {"sample": Counter(), "frontend": Counter()}
    accepted = functions = programs = 0
    t0 = time.perf_counter()
    items = islice(iter_source(str(path), {"id_column": "id", "path_column": "path"}), size)
    for item in filter_programs(items, limits, state=state):
        programs += 1
        if isinstance(item, Rejected):
            stages["sample"][item.reason] += 1
            continue
        for r in analyze_screened(item, limits):
            functions += 1
            if isinstance(r, Function):
                accepted += 1
            else:
                stages["frontend"][r.reason] += 1
    secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return SizeResult(size, secs, programs / secs, functions / secs, rss0, peak,
                      state.nbytes / 2**20, accepted,
                      {k: dict(v.most_common()) for k, v in stages.items()})


def print_table(results: list[SizeResult], fmt: str) -> None:
    head = (f"{'programs':>9} {'seconds':>8} {'prog/s':>8} {'fn/s':>8} {'rss0 MB':>8} "
            f"{'peak MB':>8} {'dedup MB':>9} {'accepted':>9}")
    print(f"source: {fmt}, one function per row; cores: {os.cpu_count()} (one process)")
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r.size:>9} {r.seconds:>8.1f} {r.programs_per_s:>8.0f} {r.functions_per_s:>8.0f} "
              f"{r.rss_after_imports_mb:>8.1f} {r.peak_rss_mb:>8.1f} {r.dedup_state_mb:>9.2f} "
              f"{r.accepted_functions:>9}")
    if len(results) > 1:
        lo, hi = results[0], results[-1]
        print(f"peak RSS ratio {hi.size}/{lo.size} programs: "
              f"{hi.peak_rss_mb / lo.peak_rss_mb:.2f} (bounded memory: near 1); growth "
              f"{(hi.peak_rss_mb - lo.peak_rss_mb) * 2**20 / (hi.size - lo.size):.0f} bytes "
              f"per extra program")
    for stage, reasons in results[-1].stages.items():
        print(f"{stage} rejects at {results[-1].size}: {reasons}")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="comma-separated program counts")
    ap.add_argument("--format", choices=("parquet", "jsonl"), default="parquet")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--child", nargs=2, metavar=("PATH", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(asdict(child(Path(args.child[0]), int(args.child[1])))))
        return
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    results: list[SizeResult] = []
    with tempfile.TemporaryDirectory(prefix="tolk-bench-sources-") as d:
        path = Path(d) / f"functions.{args.format}"
        print(f"[bench] writing {sizes[-1]} functions to {path.name} ...", file=sys.stderr,
              flush=True)
        write_source(path, sizes[-1], args.format)
        for size in sizes:
            print(f"[bench] streaming {size} ...", file=sys.stderr, flush=True)
            out = subprocess.run([sys.executable, __file__, "--child", str(path), str(size)],
                                 capture_output=True, text=True, check=True)
            results.append(SizeResult(**json.loads(out.stdout.strip().splitlines()[-1])))
    print_table(results, args.format)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
