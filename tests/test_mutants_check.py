"""Acceptance for issue 16 (candidate side): hand-written mutants of lowered translations
of fresh functions (tests/data/mutants/<fn>/, made by `_make.py`) go through `tolk check`'s
function on the suite `tolk translate` builds; every known-good passes and at least 98%
of the mutants are killed. `python tests/test_mutants_check.py` prints the survivors.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tolk.flows.cli_check import check_candidate, exit_code
from tolk.flows.cli_translate import function_and_suite
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.validators.verdict import Verdict

DATA = Path(__file__).parent / "data" / "mutants"
LANGS = {"f90": Lang.FORTRAN, "cob": Lang.COBOL}
MIN_KILL = 0.98


@dataclass(frozen=True)
class Outcome:
    fn: str
    path: Path
    good: bool
    verdict: Verdict


def _suite(fn_dir: Path) -> tuple[Function, TestSuite]:
    """The suite `tolk check FILE --function NAME` builds (its defaults)."""
    args = argparse.Namespace(file=str(fn_dir / "fn.py"), function=fn_dir.name, n_inputs=60,
                              seed=0, run_timeout=10.0)
    prepared = function_and_suite(args, verb="check")
    assert not isinstance(prepared, str), prepared
    return prepared


def _mutants() -> dict[str, list[tuple[Path, str]]]:
    """fn -> [(name as a path, source)]: the hand-written edits of _make.py applied to
    the known-good files (the edits are the data; no copies of the files are kept)."""
    spec = importlib.util.spec_from_file_location("tolk_test_mutant_edits", DATA / "_make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out: dict[str, list[tuple[Path, str]]] = {}
    for fn, ext, name, text in module.mutant_texts():
        out.setdefault(fn, []).append((DATA / fn / "mutants" / f"{name}.{ext}", text))
    return out


def outcomes() -> Iterator[Outcome]:
    mutants = _mutants()
    for fn_dir in sorted(p for p in DATA.iterdir() if (p / "fn.py").exists()):
        fn, suite = _suite(fn_dir)
        for ext, lang in LANGS.items():
            good = fn_dir / f"good.{ext}"
            files = [(good, True, good.read_text()),
                     *((m, False, text) for m, text in mutants.get(fn_dir.name, [])
                       if m.suffix == f".{ext}")]
            for path, is_good, text in files:
                yield Outcome(fn_dir.name, path, is_good,
                              check_candidate(text, fn, suite, lang))


def test_the_mutant_set_is_what_the_issue_asks_for() -> None:
    fns = [p for p in DATA.iterdir() if (p / "fn.py").exists()]
    mutants = _mutants()
    assert len(fns) >= 10 and sum(len(v) for v in mutants.values()) >= 60
    assert {p.suffix for v in mutants.values() for p, _ in v} == {".f90", ".cob"}
    assert set(mutants) == {p.name for p in fns}
    for p in fns:  # every mutant differs from its known-good
        for m, text in mutants[p.name]:
            assert text != (p / f"good{m.suffix}").read_text()


@pytest.mark.slow
def test_known_goods_pass_and_mutants_are_killed_through_check() -> None:
    results = list(outcomes())
    goods = [o for o in results if o.good]
    assert goods and all(exit_code(o.verdict) == 0 for o in goods), \
        [(o.path.name, o.fn, o.verdict.summary()) for o in goods if not o.verdict.ok]
    mutants = [o for o in results if not o.good]
    survivors = [f"{o.fn}/{o.path.name}" for o in mutants if exit_code(o.verdict) == 0]
    kill = 1 - len(survivors) / len(mutants)
    print(f"killed {len(mutants) - len(survivors)}/{len(mutants)} ({kill:.1%}); "
          f"survivors: {survivors}")
    assert kill >= MIN_KILL, survivors


if __name__ == "__main__":
    rows = list(outcomes())
    for o in rows:
        print(f"{'GOOD' if o.good else 'mut '} {o.fn:14} {o.path.name:22} {o.verdict.summary()}")
    muts = [o for o in rows if not o.good]
    alive = [o for o in muts if o.verdict.ok]
    for lang in ("f90", "cob"):
        mine = [o for o in muts if o.path.suffix == f".{lang}"]
        dead = sum(1 for o in mine if not o.verdict.ok)
        print(f"{lang}: killed {dead}/{len(mine)}")
    print(f"all: killed {len(muts) - len(alive)}/{len(muts)}; goods passing: "
          f"{sum(o.verdict.ok for o in rows if o.good)}/{sum(o.good for o in rows)}")


# Hand-picked inputs per function, all inside the int64 contract and the targets' limits:
# every mutant above is wrong on at least one of them (so each one changes behaviour, and
# a survivor of the generated suite is the suite's miss, not an equivalent mutant).
PROBES: dict[str, list[tuple]] = {
    "digit_sum": [(0,), (-1,), (9,), (10,), (123456789012,), (-(2 ** 62),),
                  (9223372036854775807,), (5_000_000_000,)],
    "run_count": [([],), ([7],), ([1, 2],), ([1, 1, 2],), ([5, 6] * 100,),
                  (list(range(12)),)],
    "binom": [(5, 0), (5, 5), (25, 22), (40, 20), (10, 3)],
    "count_changes": [([],), ([1],), ([1, 2],), ([1, 3],), ([2, 1],), (list(range(10)),)],
    "count_vowels": [("",), ("aeiou",), ("AEIOU",), ("xoxo",), ("a" * 150,),
                     ("bcdfghjklmnpqrstvwxyza",)],
    "diag_sum": [([],), ([[1, 2], [3, 4], [5, 6]],),
                 ([[i * 10 + j for j in range(6)] for i in range(6)],),
                 ([[3_000_000_000] * 3] * 3,), ([[1_000_000] * 3] * 3,)],
    "horner": [([], 5), ([1, 2, 3], 0), ([1, 2, 3], 10), ([1] * 10, 2), ([1, 0, 0, 0], 5000),
               ([3], 7)],
    "ipow": [(2, 0), (0, 0), (0, 1024), (3, 10), (2, 40), (-1, 33), (10, 9), (2, 31)],
    "isqrt": [(0,), (1,), (4,), (15,), (16,), (10 ** 18,), (9223372036854775807,),
              (2 ** 62,)],
    "longest_run": [("",), ("a",), ("aab",), ("abba",), ("x" * 20,),
                    ("ababab" + "c" * 15,)],
    "row_max_sum": [([],), ([[3, 4]],), ([[-5, -2], [-7, -9]],), ([[1, 2, 3, 4, 5, 6]],),
                    ([[2 ** 31] * 2] * 2,), ([[5000] * 2] * 3,)],
}


def _probe_suite(fn_dir: Path) -> tuple[Function, TestSuite]:
    from tolk.ir.frontend import analyze_program
    from tolk.ir.function import Program, content_id
    from tolk.ir.vectors import Vector

    text = (fn_dir / "fn.py").read_text()
    (fn,) = [f for f in analyze_program(Program(content_id(text), "fn.py", text))
             if isinstance(f, Function)]
    scope: dict = {}
    exec(compile(text, str(fn_dir / "fn.py"), "exec"), scope)  # our own test data
    py = scope[fn_dir.name]
    return fn, TestSuite(tuple(Vector(a, py(*a)) for a in PROBES[fn_dir.name]))


@pytest.mark.slow
def test_every_mutant_changes_behaviour_on_hand_picked_inputs(monkeypatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "_suite", _probe_suite)
    results = list(outcomes())
    assert all(o.verdict.ok for o in results if o.good), \
        [(o.fn, o.path.name, o.verdict.summary()) for o in results if o.good]
    alive = [f"{o.fn}/{o.path.name}" for o in results if not o.good and o.verdict.ok]
    assert alive == []
