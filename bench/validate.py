"""Validation throughput per language against the compiler floor, measured in the same run.

    .venv/bin/python bench/validate.py [--langs fortran,cobol] [--repeat 5] [--warmup 1]
                                       [--batch-size 64] [--limit 40] [--json out.json]

For every registered language whose toolchain is available here, the lowered seed corpus
(data/seed functions with body IR -> build_test_suite -> LoweringTranslator) is validated
three ways in one process, every round running each mode once, one after the other:

    floor    plain compile (+ run) per candidate: `compile_argv`, then `run_argv` with the
             vectors on stdin, via subprocess in a temp dir: no sandbox, no checks, no judging
             (a toolchain that lives in a root filesystem, the store's Debian 11 julia, runs
             under a bare `bwrap` that only makes that directory `/`: no uid drop, rlimits
             or namespaces beyond the mount one)
    single   `validate_candidate` per candidate (static checks, sandboxed compile and run)
    batched  `validate_batch` (one sandboxed compile per chunk where the toolchain is
             `BatchCompiled`, one sandboxed run per candidate)

Where the runtime is absent (CUDA without a GPU) nothing runs: every mode is compile-only
and the numbers are compile throughput (static checks only for an interpreted target
without its interpreter, such as Julia here). Everything here is sequential (one candidate at a
time on one core), so candidates/s is also candidates/s per core; CPU s/candidate counts
this process and its children. Each mode's time is the median over its --repeat rounds
(interleaved, so a slow spell of the machine falls on every mode alike), after --warmup
untimed rounds: the first batched round of a process also builds the prebuilt harness
parts (Fortran: ~2 s, once per process and signature shape), which a long run amortises
to nothing; that round's time is reported on its own. The
single and batched verdicts are compared (status, passed): a disagreement is reported,
never asserted. Nothing here is asserted: a bench, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.base import BatchCompiled, BatchValidating, Toolchain
from tolk.toolchains.registry import available_langs, get_toolchain
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.batch import validate_batch
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import validate_candidate
from tolk.validators.verdict import Verdict
from tolk.validators.wire import WireError, encode_inputs

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"

Item = tuple[str, Signature, TestSuite]


@dataclass
class ModeResult:
    seconds: float  # median wall time over the rounds, all candidates
    cpu_seconds: float  # median CPU time (this process + children)
    rounds: list[float] = field(default_factory=list)  # wall time of each round
    per_candidate_ms: float = 0.0
    candidates_per_s: float = 0.0


@dataclass
class LangResult:
    lang: str
    toolchain: str
    candidates: int
    compile_only: bool  # no runtime here: nothing runs, every mode stops after compiling
    compiles: bool  # False for interpreted targets (then compile-only means static-only)
    batching: str  # "BatchCompiled", "BatchValidating" or "loop"
    batch_size: int
    modes: dict[str, ModeResult] = field(default_factory=dict)
    ratios: dict[str, float] = field(default_factory=dict)
    verdicts_single: dict[str, int] = field(default_factory=dict)
    verdicts_batched: dict[str, int] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    warmup_ms: dict[str, float] = field(default_factory=dict)  # first warm-up round, per cand
    floor_rootfs: bool = False  # the floor ran in the toolchain's root filesystem (bare bwrap)


def corpus(lang: Lang, tc: Toolchain, n_inputs: int, limit: int | None) -> list[Item]:
    """The lowered seed corpus for one language (functions the lowering cannot take are skipped)."""
    items: list[Item] = []
    translator = LoweringTranslator()
    for path in sorted(SEED.glob("*.py")):
        for fn in analyze_source(path.read_text(), uri=path.name):
            if not isinstance(fn, Function) or fn.body is None or tc.supports(fn.signature):
                continue
            if limit is not None and len(items) >= limit:
                return items
            suite = build_test_suite(fn, n_inputs=n_inputs)
            if isinstance(suite, Rejected):
                continue
            cand = translator.translate(fn, suite, lang)
            if not isinstance(cand, Rejected):
                items.append((cand.code, fn.signature, suite))
    return items


def floor(items: list[Item], tc: Toolchain, run: bool) -> None:
    """Plain compile (+ run) per candidate, unsandboxed, unchecked."""
    for code, sig, suite in items:
        try:
            stdin = encode_inputs([v.args for v in suite.vectors], [p.type for p in sig.params])
        except WireError:
            continue
        with tempfile.TemporaryDirectory(prefix="tolk-floor-") as d:
            files = tc.harness_files(sig, code)
            for name, text in files.items():
                (Path(d) / name).write_text(text)
            argv = tc.compile_argv(files)
            if argv is not None:
                subprocess.run(argv, cwd=d, capture_output=True, check=False)
            if run:
                subprocess.run([*_in_rootfs(tc, d), *tc.run_argv()], cwd=d, input=stdin,
                               text=True, capture_output=True, check=False, timeout=60)


def _in_rootfs(tc: Toolchain, workdir: str) -> list[str]:
    """What puts a root-filesystem toolchain's own `/` under argv (nothing else)."""
    rootfs = tc.sandbox_needs().rootfs
    if not rootfs:
        return []
    return ["bwrap", "--ro-bind", rootfs, "/", "--proc", "/proc", "--dev", "/dev",
            "--tmpfs", "/tmp", "--bind", workdir, workdir, "--chdir", workdir, "--"]


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed_rounds(modes: dict[str, Callable[[], object]], repeat: int, warmup: int = 0,
                 ) -> tuple[dict[str, ModeResult], dict[str, object], dict[str, float]]:
    """Each mode once per round, the rounds one after the other, so that a slow spell of
    the machine (its speed varies by ~20% here over minutes) falls on every mode alike;
    the median over the timed rounds per mode, each mode's last result, and each mode's
    wall time in the first warm-up round."""
    walls: dict[str, list[float]] = {m: [] for m in modes}
    cpus: dict[str, list[float]] = {m: [] for m in modes}
    last: dict[str, object] = {}
    first: dict[str, float] = {}
    for _ in range(warmup):
        for mode, fn in modes.items():
            t0 = time.perf_counter()
            last[mode] = fn()
            first.setdefault(mode, time.perf_counter() - t0)
    for _ in range(repeat):
        for mode, fn in modes.items():
            c0, t0 = _cpu(), time.perf_counter()
            last[mode] = fn()
            walls[mode].append(time.perf_counter() - t0)
            cpus[mode].append(_cpu() - c0)
    return ({m: ModeResult(statistics.median(walls[m]), statistics.median(cpus[m]), walls[m])
             for m in modes}, last, first)


def bench_lang(lang: Lang, args: argparse.Namespace) -> LangResult | str:
    tc = get_toolchain(lang)
    if (why := tc.availability()) is not None:
        return f"unavailable: {why}"
    items = corpus(lang, tc, args.n_inputs, args.limit)
    if not items:
        return "no lowered seed candidates"
    compile_only = tc.runtime_problem() is not None
    batching = ("BatchValidating" if isinstance(tc, BatchValidating) else
                "BatchCompiled" if isinstance(tc, BatchCompiled) else "loop")
    code, sig, _ = items[0]
    compiles = tc.compile_argv(tc.harness_files(sig, code)) is not None
    res = LangResult(str(lang), tc.version(), len(items), compile_only, compiles, batching,
                     args.batch_size, floor_rootfs=bool(_in_rootfs(tc, "/tmp")))
    res.modes, last, first = timed_rounds({
        "floor": lambda: floor(items, tc, not compile_only),
        "single": lambda: [validate_candidate(c, s, t, tc) for c, s, t in items],
        "batched": lambda: validate_batch(items, tc, batch_size=args.batch_size)},
        args.repeat, args.warmup)
    res.warmup_ms = {m: t / len(items) * 1000 for m, t in first.items()}
    single, batched = last["single"], last["batched"]
    for m in res.modes.values():
        m.per_candidate_ms = m.seconds / len(items) * 1000
        m.candidates_per_s = len(items) / m.seconds if m.seconds else 0.0
    f, s, b = (res.modes[k].seconds for k in ("floor", "single", "batched"))
    res.ratios = {"single_over_batched": s / b, "single_over_floor": s / f,
                  "batched_over_floor": b / f}
    # Per round too: both modes ran minutes apart at most, so this shows the noise.
    per_round = [a / c for a, c in zip(res.modes["single"].rounds, res.modes["batched"].rounds)]
    res.ratios["single_over_batched_min"] = min(per_round)
    res.ratios["single_over_batched_max"] = max(per_round)
    # Paired by round (the two modes ran seconds apart): less exposed to the machine's
    # drift than the ratio of the two medians, which may come from different rounds.
    res.ratios["single_over_batched_paired_median"] = statistics.median(per_round)
    assert isinstance(single, list) and isinstance(batched, list)
    res.verdicts_single = dict(Counter(str(v.status) for v in single))
    res.verdicts_batched = dict(Counter(str(v.status) for v in batched))
    res.disagreements = [f"{sig.name}: single {a.summary()} / batched {b.summary()}"
                         for (_, sig, _), a, b in zip(items, single, batched, strict=True)
                         if _key(a) != _key(b)]
    return res


def _key(v: Verdict) -> tuple[str, int, int]:
    return (str(v.status), v.passed, v.total)


def print_table(results: dict[str, LangResult | str]) -> None:
    head = f"{'lang':8} {'mode':8} {'n':>4} {'ms/cand':>9} {'cand/s':>8} {'cpu s/cand':>10}  note"
    print(head)
    print("-" * len(head))
    for lang, r in results.items():
        if isinstance(r, str):
            print(f"{lang:8} {'-':8} {'-':>4} {'-':>9} {'-':>8} {'-':>10}  {r}")
            continue
        for mode, m in r.modes.items():
            floor_note = ("bare bwrap, rootfs as /" if r.floor_rootfs and not r.compile_only else
                          "no sandbox" if not r.compile_only else
                          "compile only, no sandbox" if r.compiles else "nothing to compile")
            note = {"floor": floor_note,
                    "single": "validate_candidate", "batched": f"validate_batch ({r.batching}, "
                    f"batch {r.batch_size})"}[mode]
            print(f"{lang:8} {mode:8} {r.candidates:>4} {m.per_candidate_ms:>9.1f} "
                  f"{m.candidates_per_s:>8.2f} {m.cpu_seconds / r.candidates:>10.4f}  {note}")
        ra = r.ratios
        rounds = (f" (rounds {ra['single_over_batched_min']:.2f}x-"
                  f"{ra['single_over_batched_max']:.2f}x, median of the rounds' ratios "
                  f"{ra['single_over_batched_paired_median']:.2f}x)"
                  if len(r.modes["single"].rounds) > 1 else "")
        print(f"{lang:8} ratios: batched is {ra['single_over_batched']:.2f}x faster per candidate "
              f"than single{rounds}; single/floor {ra['single_over_floor']:.2f}x, batched/floor "
              f"{ra['batched_over_floor']:.2f}x"
              + (f"  [{'compile' if r.compiles else 'static'}-only: no runtime here]"
                 if r.compile_only else ""))
        if "batched" in r.warmup_ms:
            print(f"{lang:8} warm-up round (untimed above): batched "
                  f"{r.warmup_ms['batched']:.1f} ms/cand, prebuilt harness parts included")
        print(f"{lang:8} verdicts single {r.verdicts_single} batched {r.verdicts_batched}"
              + (f"; {len(r.disagreements)} DISAGREE: {r.disagreements[:5]}"
                 if r.disagreements else "; identical"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--langs", default="", help="comma-separated; default: every registered one")
    ap.add_argument("--repeat", type=int, default=1, help="rounds per mode (median is reported)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="untimed rounds first (the first builds the prebuilt harness parts)")
    ap.add_argument("--batch-size", type=int, default=64,
                    help="candidates per chunk on average (validate_batch's default)")
    ap.add_argument("--limit", type=int, default=None,
                    help="at most this many candidates per language")
    ap.add_argument("--n-inputs", type=int, default=30, help="generated inputs per function")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = ap.parse_args(argv)
    wanted = ([Lang(x.strip()) for x in args.langs.split(",") if x.strip()]
              or list(available_langs()))
    results: dict[str, LangResult | str] = {}
    for lang in wanted:
        if lang not in available_langs():
            results[str(lang)] = "not registered"
            continue
        print(f"[bench] {lang} ...", file=sys.stderr, flush=True)
        results[str(lang)] = bench_lang(lang, args)
    print(f"cores: {os.cpu_count()} (validation is sequential: cand/s is per core)")
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(
            {k: (asdict(v) if isinstance(v, LangResult) else {"skipped": v})
             for k, v in results.items()}, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
