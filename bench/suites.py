"""Suite building cost before and after the adequacy work, measured in the same run.

    .venv/bin/python bench/suites.py [--source data/seed] [--limit N] [--rounds 1]

"before" builds each suite as the coverage-guided generator did (no contract rounds, no
int64 contract check, no mutation search); "after" is the default `build_test_suite`
(contract rounds, the exact int64 contract, the mutation search with its cover). The two
are interleaved per function (before, after, before, ...) so machine load hits both
alike; prints per-function seconds, the totals and their ratio, vectors per suite, the
mutation scores, the share rejected `reference:weak_suite`, and where the int64 contract
dropped inputs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from tolk.ir.vectors import TestSuite
from tolk.validators.selftest import load_functions
from tolk.validators.testgen import WEAK_SUITE, build_test_suite

BEFORE = dict(contract_rounds=False, int64=False, mutation_budget=0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=Path(__file__).resolve().parents[1] / "data" / "seed")
    ap.add_argument("--limit", type=int, default=0, help="first N functions only (0: all)")
    ap.add_argument("--rounds", type=int, default=1, help="interleaved rounds per function")
    args = ap.parse_args(argv)
    fns, skipped = load_functions(args.source)
    if args.limit:
        fns = fns[:args.limit]
    secs: dict[str, list[float]] = {"before": [], "after": []}
    vectors: dict[str, list[int]] = {"before": [], "after": []}
    reasons: dict[str, Counter[str]] = {"before": Counter(), "after": Counter()}
    scores: list[float] = []
    dist: list[int] = []
    int64_drops = 0
    for fn in fns:
        for _ in range(args.rounds):
            for label, kw in (("before", BEFORE), ("after", {})):
                t0 = time.perf_counter()
                s = build_test_suite(fn, **kw)  # type: ignore[arg-type]
                dt = time.perf_counter() - t0
                secs[label].append(dt)
                if isinstance(s, TestSuite):
                    reasons[label]["ok"] += 1
                    vectors[label].append(len(s.vectors))
                else:
                    reasons[label][s.reason] += 1
        if isinstance(s, TestSuite):  # the last "after" suite
            if s.mutation_score is not None:
                scores.append(s.mutation_score)
                dist.append(s.mutants_distinguishable or 0)
            int64_drops += sum(int(n.rsplit(":", 1)[1]) for n in s.notes
                               if n.startswith("dropped:int64_intermediate:"))
        print(f"{fn.name:30s} before {statistics.mean(secs['before'][-args.rounds:]):5.2f}s  "
              f"after {statistics.mean(secs['after'][-args.rounds:]):5.2f}s  "
              + (f"vectors {len(s.vectors)} score {s.mutation_score} of {s.mutants_distinguishable}"
                 if isinstance(s, TestSuite) else f"REJECT {s.reason}"), flush=True)
    n = max(1, len(fns) * args.rounds)
    tb, ta = sum(secs["before"]), sum(secs["after"])
    print(f"\n{len(fns)} functions from {args.source} ({len(skipped)} without body IR), "
          f"{args.rounds} interleaved round(s)")
    print(f"suite building per function: before {tb / n:.2f}s, after {ta / n:.2f}s "
          f"(x{ta / max(tb, 1e-9):.1f})")
    for label in ("before", "after"):
        v = vectors[label]
        print(f"  {label}: vectors per suite mean {statistics.mean(v) if v else 0:.1f} "
              f"(min {min(v, default=0)}, max {max(v, default=0)}); outcomes "
              + ", ".join(f"{k} {c}" for k, c in reasons[label].most_common()))
    if scores:
        print(f"mutation score mean {statistics.mean(scores):.4f} (min {min(scores):.3f}), "
              f"distinguishable mutants per function mean {statistics.mean(dist):.1f}; "
              f"weak_suite {reasons['after'][WEAK_SUITE]}/{len(fns) * args.rounds}; "
              f"inputs dropped outside the int64 contract {int64_drops}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
