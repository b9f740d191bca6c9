"""The hostile suite in one batch: batchmates of attacks still get honest verdicts.

Every Fortran `hostile/` case goes into one `validate_batch` call with static checks
switched off (so each attack reaches the compiler and the sandbox), around honest
controls. No attack may pass, the machine checks of tests/test_hostile.py must hold, and
the honest controls must pass: neither a compile bomb (the chunk times out and is
bisected), nor a start-up crash, nor anything a batchmate does at run time changes them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_hostile import (  # noqa: F401 - `watched` is a fixture used below
    HONEST, _LIMITS, _SUITE, _NoStaticChecks, _assert_machine_untouched, _hostile_dir,
    _render, _sig, watched,
)
from tolk.ir.frontend import analyze_source
from tolk.toolchains.fortran import FORTRAN
from tolk.validators.batch import validate_batch
from tolk.validators.sandbox import available_executors
from tolk.validators.verdict import VerdictStatus

pytestmark = [
    pytest.mark.skipif(available_executors()["bwrap"] is not None,
                       reason="hostile code runs only inside bubblewrap"),
    pytest.mark.skipif(FORTRAN.availability() is not None, reason="gfortran unavailable"),
]


@pytest.mark.slow
def test_hostile_batch_is_contained_and_batchmates_pass(watched: dict) -> None:
    cases = sorted(_hostile_dir(FORTRAN).glob("*.f90"))
    codes = [_render(p, watched) for p in cases]
    honest = FORTRAN.lower(analyze_source(HONEST)[0])
    # Honest controls first, in the middle and last: every chunk split keeps one nearby.
    mid = len(codes) // 2
    items_code = [honest, *codes[:mid], honest, *codes[mid:], honest]
    sig = _sig()
    verdicts = validate_batch([(c, sig, _SUITE) for c in items_code], _NoStaticChecks(FORTRAN),
                              _LIMITS, batch_size=len(items_code))
    assert len(verdicts) == len(items_code)
    names = ["honest", *(p.stem for p in cases[:mid]), "honest",
             *(p.stem for p in cases[mid:]), "honest"]
    for name, code, v in zip(names, items_code, verdicts, strict=True):
        if name == "honest":
            assert v.status is VerdictStatus.PASSED, v
        elif "static-only" not in code.splitlines()[0]:
            assert v.status is not VerdictStatus.PASSED, (name, v)
        _assert_machine_untouched(v, watched)


def test_hostile_cases_exist() -> None:
    assert len(list(_hostile_dir(FORTRAN).glob("*.f90"))) >= 15
    assert Path(_hostile_dir(FORTRAN) / "README.md").exists()
