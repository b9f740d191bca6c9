"""Fortran validation throughput against the compiler floor, measured in the same run.

    .venv/bin/python bench/validate_fortran.py [--n 20]

For the first N lowered seed functions it times (a) the floor: a bare `gfortran` compile
and link of candidate + harness and one run, outside any sandbox, and (b) tolk's full
`validate_candidate` (static checks, sandboxed compile, sandboxed run, comparison). It
prints both per candidate and their ratio; no number here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.registry import get_toolchain
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import validate_candidate
from tolk.validators.wire import encode_inputs

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20)
    n = ap.parse_args().n
    tc = get_toolchain(Lang.FORTRAN)
    work = []
    for path in sorted(SEED.glob("*.py")):
        for fn in analyze_source(path.read_text(), uri=path.name):
            if isinstance(fn, Function) and fn.body is not None and len(work) < n:
                suite = build_test_suite(fn, n_inputs=60)
                cand = LoweringTranslator().translate(fn, suite, Lang.FORTRAN) \
                    if not isinstance(suite, Rejected) else suite
                if not isinstance(cand, Rejected):
                    work.append((fn, suite, cand))
    floor = tolk = 0.0
    passed = 0
    for fn, suite, cand in work:
        stdin = encode_inputs([v.args for v in suite.vectors], [p.type for p in fn.signature.params])
        with tempfile.TemporaryDirectory() as d:
            files = tc.harness_files(fn.signature, cand.code)
            for name, text in files.items():
                (Path(d) / name).write_text(text)
            t0 = time.perf_counter()
            subprocess.run(tc.compile_argv(files), cwd=d, check=True, capture_output=True)
            subprocess.run(tc.run_argv(), cwd=d, input=stdin, text=True, capture_output=True)
            floor += time.perf_counter() - t0
        t0 = time.perf_counter()
        verdict = validate_candidate(cand.code, fn.signature, suite, tc)
        tolk += time.perf_counter() - t0
        passed += verdict.ok
    k = len(work)
    print(f"candidates: {k} (passed {passed})")
    print(f"floor (bare gfortran compile+run, no sandbox): {floor / k * 1000:.1f} ms/candidate")
    print(f"tolk validate_candidate (sandboxed):           {tolk / k * 1000:.1f} ms/candidate")
    print(f"ratio tolk/floor: {tolk / floor:.2f}x   throughput: {k / tolk:.1f} candidates/s")


if __name__ == "__main__":
    main()
