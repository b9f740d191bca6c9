"""HumanEval: how many problems get typed IR and vectors reaching the coverage minimum,
and whether those vectors kill the canonical solution's behaviour-changing mutants.

    .venv/bin/python bench/humaneval.py [--limit N] [--min-line-coverage 0.9]
                                        [--mutants 60] [--infer probe] [--no-mutants]

Per problem: the entry-point function goes through the front end (annotations, else
inference), the test generator (coverage-guided, `min_line_coverage`), then the mutation
check (corpus/source_humaneval.py) over 100 independent inputs (another seed, twice
the list and string sizes). Prints one line per problem, the funnel of rejection
reasons, the accepted fraction, and the pooled and worst per-problem kill rates; then the
suites' own mutation search (validators/suite_mutation.py): the mean mutation score of
the accepted suites and the share of typed problems rejected `reference:weak_suite`.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections import Counter

from tolk.corpus.source_humaneval import iter_problems, mutation_check
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.validators.strategies import DEFAULT_DOMAIN, generate_inputs
from tolk.validators.testgen import build_test_suite


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=0, help="first N problems only (0: all 164)")
    ap.add_argument("--min-line-coverage", type=float, default=0.9)
    ap.add_argument("--mutants", type=int, default=60, help="mutants per problem at most")
    ap.add_argument("--infer", default="static", choices=("none", "static", "probe"))
    ap.add_argument("--no-mutants", action="store_true")
    args = ap.parse_args(argv)
    wide = dataclasses.replace(DEFAULT_DOMAIN, max_list_len=16, max_str_len=24)
    funnel: Counter[str] = Counter()
    total = accepted = changing = killed = 0
    worst: list[tuple[float, str]] = []
    scores: list[float] = []
    typed = 0
    t0 = time.monotonic()
    for k, (program, entry) in enumerate(iter_problems()):
        if args.limit and k >= args.limit:
            break
        total += 1
        results = [r for r in analyze_program(program, infer=args.infer)
                   if getattr(r, "name", getattr(r, "function", "")) == entry]
        if not results:
            funnel["frontend:entry_point_not_found"] += 1
            continue
        fn = results[-1]
        if not isinstance(fn, Function):
            funnel[f"frontend:{fn.reason}"] += 1
            print(f"{program.uri:22s} REJECT {fn.reason}", flush=True)
            continue
        typed += 1
        suite = build_test_suite(fn, min_line_coverage=args.min_line_coverage)
        if not isinstance(suite, TestSuite):
            funnel[f"testgen:{suite.reason}"] += 1
            print(f"{program.uri:22s} REJECT {suite.reason} {suite.detail[:80]}", flush=True)
            continue
        accepted += 1
        if suite.mutation_score is not None:
            scores.append(suite.mutation_score)
        line = (f"{program.uri:22s} ok  inferred={fn.signature.inferred or '-'} "
                f"score={suite.mutation_score} of {suite.mutants_distinguishable} "
                f"vectors={len(suite.vectors)} line={suite.line_coverage:.2f} "
                f"branch={suite.branch_coverage:.2f}")
        if not args.no_mutants:
            independent = generate_inputs(fn.signature, 100, seed=4242, domain=wide)
            rep = mutation_check(fn, suite, independent, max_mutants=args.mutants)
            changing += rep.behaviour_changing
            killed += rep.killed
            worst.append((rep.kill_rate, program.uri))
            line += (f" mutants={rep.mutants} changing={rep.behaviour_changing} "
                     f"killed={rep.killed} own_suite={'pass' if rep.original_passes else 'FAIL'}")
            if rep.survivors:
                line += f" survivor: {rep.survivors[0][:60]}"
        print(line, flush=True)
    print(f"\nproblems {total}, accepted {accepted} ({accepted / max(total, 1):.1%}) with typed "
          f"IR and line coverage >= {args.min_line_coverage}, {time.monotonic() - t0:.0f}s")
    for reason, count in funnel.most_common():
        print(f"  {count:4d}  {reason}")
    weak = funnel["testgen:reference:weak_suite"]
    print(f"suites' mutation score mean {sum(scores) / max(len(scores), 1):.4f} over "
          f"{len(scores)} accepted (min {min(scores, default=0):.3f}); rejected weak_suite "
          f"{weak}/{typed} typed problems ({weak / max(typed, 1):.1%})")
    if not args.no_mutants:
        print(f"mutants changing behaviour {changing}, killed {killed} "
              f"({killed / max(changing, 1):.1%} pooled)")
        below = sorted(w for w in worst if w[0] < 0.95)
        print(f"problems under 95% kill rate: {len(below)} "
              + ", ".join(f"{u} {r:.0%}" for r, u in below[:10]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
