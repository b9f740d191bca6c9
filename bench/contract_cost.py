"""Compile cost of the int64 contract checks, measured in the same run (issue 16).

    .venv/bin/python bench/contract_cost.py [--limit 16] [--rounds 3]

Two A/B comparisons over the lowered seed corpus (data/seed functions with body IR), each
build a plain compile in a temp dir (no sandbox), rounds interleaved, the median of the
per-round ratios reported:

    fortran  the same candidates built with FLAGS vs FLAGS without OVERFLOW_FLAGS
             (`-fsanitize=signed-integer-overflow -fsanitize-undefined-trap-on-error`)
    cobol    the lowering with ON SIZE ERROR guards (overflow.guard_stores) vs the same
             lowering with the guards switched off

Nothing here is asserted: a bench, not a test.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program, content_id
from tolk.lang import Lang
from tolk.toolchains.cobol import lowering as cobol_lowering, overflow
from tolk.toolchains.fortran import harness as fh, toolchain as fortran_toolchain
from tolk.toolchains.fortran.lowering import lower_function as lower_fortran
from tolk.toolchains.registry import get_toolchain

SEED = Path(__file__).resolve().parent.parent / "data" / "seed"
Build = tuple[Path, list[str]]


def _functions(limit: int) -> list[Function]:
    fns: list[Function] = []
    for p in sorted(SEED.glob("*.py")):
        text = p.read_text()
        fns += [f for f in analyze_program(Program(content_id(text), str(p), text))
                if isinstance(f, Function) and f.body is not None]
    return fns[:limit]


def _builds(fns: list[Function], lang: Lang, lower: Callable[[Function], str],
            argv: Callable[[dict[str, str]], list[str]]) -> list[Build]:
    tc = get_toolchain(lang)
    out: list[Build] = []
    for fn in fns:
        try:
            code = lower(fn)
        except Exception:  # outside this target's lowering: not part of the comparison
            continue
        d = Path(tempfile.mkdtemp(prefix="tolk-bench-"))
        files = tc.harness_files(fn.signature, code)
        for name, text in files.items():
            (d / name).write_text(text)
        out.append((d, argv(files)))
    return out


def _unguarded(fn: Function) -> str:
    with mock.patch.object(overflow, "guard_stores", lambda lines, floats: (list(lines), False)):
        return cobol_lowering.lower_function(fn)


def _time(builds: list[Build]) -> float:
    t0 = time.perf_counter()
    for d, argv in builds:
        subprocess.run(argv, cwd=d, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - t0


def compare(name: str, a: list[Build], b: list[Build], rounds: int) -> None:
    ratios = []
    for _ in range(rounds):
        ta, tb = _time(a), _time(b)
        ratios.append(tb / ta)
    print(f"{name}: {len(a)} candidates, checked/plain compile time = "
          f"{statistics.median(ratios):.3f} (rounds: {', '.join(f'{r:.3f}' for r in ratios)})")
    for d, _ in a + b:
        shutil.rmtree(d, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=16)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    fns = _functions(args.limit)
    ft = fortran_toolchain
    plain = [f for f in ft.FLAGS if f not in ft.OVERFLOW_FLAGS]
    fortran_argv = (lambda flags: lambda files: [ft.COMPILER, *flags, fh.CANDIDATE_FILE,
                                                 fh.HARNESS_FILE, "-o", "harness"])
    compare("fortran", _builds(fns, Lang.FORTRAN, lower_fortran, fortran_argv(plain)),
            _builds(fns, Lang.FORTRAN, lower_fortran, fortran_argv(list(ft.FLAGS))),
            args.rounds)
    cobol = get_toolchain(Lang.COBOL)
    compare("cobol", _builds(fns, Lang.COBOL, _unguarded, cobol.compile_argv),
            _builds(fns, Lang.COBOL, cobol_lowering.lower_function, cobol.compile_argv),
            args.rounds)


if __name__ == "__main__":
    main()
