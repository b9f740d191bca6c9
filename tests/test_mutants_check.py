"""Acceptance for issue 16 (candidate side): hand-written mutants of lowered translations
of fresh functions (tests/data/mutants/<fn>/, made by `_make.py`) go through `tolk check`'s
function on the suite `tolk translate` builds; every known-good passes and at least 98%
of the mutants are killed. `python tests/test_mutants_check.py` prints the survivors.
"""

from __future__ import annotations

import argparse
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


def outcomes() -> Iterator[Outcome]:
    for fn_dir in sorted(p for p in DATA.iterdir() if (p / "fn.py").exists()):
        fn, suite = _suite(fn_dir)
        for ext, lang in LANGS.items():
            files = [(fn_dir / f"good.{ext}", True),
                     *((m, False) for m in sorted((fn_dir / "mutants").glob(f"*.{ext}")))]
            for path, good in files:
                yield Outcome(fn_dir.name, path, good,
                              check_candidate(path.read_text(), fn, suite, lang))


def test_the_mutant_set_is_what_the_issue_asks_for() -> None:
    fns = [p for p in DATA.iterdir() if (p / "fn.py").exists()]
    mutants = [m for p in fns for m in (p / "mutants").iterdir()]
    assert len(fns) >= 10 and len(mutants) >= 60
    assert {m.suffix for m in mutants} == {".f90", ".cob"}
    for p in fns:  # every mutant differs from its known-good
        for m in (p / "mutants").iterdir():
            assert m.read_text() != (p / f"good{m.suffix}").read_text()


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
