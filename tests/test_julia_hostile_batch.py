"""The Julia hostile suite in ONE runner process: batchmates of attacks get honest verdicts.

Every Julia `hostile/` case whose attack the sandbox can see goes into one
`validate_batch` call with static checks switched off (so each attack is loaded into the
shared julia process and runs), between honest controls. No attack may pass, the machine
checks of tests/test_hostile.py must hold after the batch, and every honest control must
pass: an alarm, a crash, an exit or a killed process restarts the runner for the
candidates after it. The `static-only` cases (type piracy, forged records) corrupt the
process they run in by design: the static checks are their fence (tests/test_hostile.py
runs them alone), so they are left out here.
"""

from __future__ import annotations

import pytest

from tests._julia import require_julia
from tests.test_hostile import (  # noqa: F401 - `watched` is a fixture used below
    HONEST, _LIMITS, _SUITE, _NoStaticChecks, _assert_machine_untouched, _hostile_dir,
    _render, _sig, watched,
)
from tolk.ir.frontend import analyze_source
from tolk.toolchains.julia import JULIA
from tolk.toolchains.julia.batch import validate_batch
from tolk.validators.sandbox import available_executors
from tolk.validators.verdict import VerdictStatus

pytestmark = pytest.mark.skipif(available_executors()["bwrap"] is not None,
                                reason="hostile code runs only inside bubblewrap")


@pytest.mark.slow
def test_julia_hostile_batch_is_contained_and_batchmates_pass(watched: dict) -> None:
    require_julia()
    cases = [p for p in sorted(_hostile_dir(JULIA).glob("*.jl"))
             if "static-only" not in p.read_text().splitlines()[0]]
    assert len(cases) >= 20
    honest = JULIA.lower(analyze_source(HONEST)[0])
    mid = len(cases) // 2
    names = ["honest", *(p.stem for p in cases[:mid]), "honest",
             *(p.stem for p in cases[mid:]), "honest"]
    codes = [honest, *(_render(p, watched) for p in cases[:mid]), honest,
             *(_render(p, watched) for p in cases[mid:]), honest]
    sig = _sig()
    # The Julia batch itself (JULIA.validate_batch would bind its own static checks).
    verdicts = validate_batch(_NoStaticChecks(JULIA), [(c, sig, _SUITE) for c in codes],
                              _LIMITS)
    assert len(verdicts) == len(codes)
    for name, v in zip(names, verdicts, strict=True):
        if name == "honest":
            assert v.status is VerdictStatus.PASSED, v
            assert v.ran_on.startswith("bwrap"), v
        else:
            assert v.status is not VerdictStatus.PASSED, (name, v)
            assert v.status is not VerdictStatus.REJECTED_STATIC, (name, v)  # it really ran
        _assert_machine_untouched(v, watched)
