"""The hostile suite: every registered toolchain's `hostile/` candidates, with and without static checks.

Each case (see `tolk.toolchains.base`) answers n + 1 only if its attack worked, so
`passed` would itself prove a breach. Each runs twice: through the toolchain as it is,
and with its static checks switched off, to show the sandbox holds on its own. After
every run the machine is inspected: no process of the sandbox uid left, the marker file
absent, the secret unchanged and never echoed in compiler or runtime output, no
connection reached the loopback listener. A case whose first line says `static-only`
is a policy matter the sandbox cannot see (the hostile/README.md table says why): without
static checks it is held only to the machine checks. An honest control candidate must
still pass afterwards. A case whose first line says `compile-time bomb` is valid code that
must end in `compile_error` under the compile limits. Hostile code never runs without
bubblewrap. The runner and the machine checks are `tolk.validators.hostile`'s, which
`tolk selftest --hostile` counts for the dataset card.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.toolchains.registry import available_langs, get_toolchain
from tolk.validators.hostile import (HONEST, HOSTILE_UID, LIMITS as _LIMITS, SUITE as _SUITE,
                                     NoStaticChecks as _NoStaticChecks, Watch, breaches,
                                     hostile_dir as _hostile_dir, limits_for as _limits,
                                     hostile_signature as _sig, render as _render, watch)
from tolk.validators.sandbox import available_executors
from tolk.validators.validate import validate_candidate
from tolk.errors import UnsupportedProgram
from tolk.validators.verdict import Verdict, VerdictStatus

__all__ = ["HONEST", "HOSTILE_UID", "_LIMITS", "_SUITE", "_NoStaticChecks", "_hostile_dir",
           "_sig", "_render", "_assert_machine_untouched", "watched"]

pytestmark = pytest.mark.skipif(available_executors()["bwrap"] is not None,
                                reason="hostile code runs only inside bubblewrap")


def _cases() -> list[pytest.param]:
    out = []
    for lang in available_langs():
        tc = get_toolchain(lang)
        for path in sorted(_hostile_dir(tc).glob(f"*{tc.source_suffix}")):
            out.append(pytest.param(lang, path, id=f"{lang}:{path.stem}"))
    return out


@pytest.fixture
def watched(tmp_path: Path):
    """Host-side targets of the attacks: marker dir, secret file, loopback listener, env canary
    (tolk.validators.hostile.watch, which `tolk selftest --hostile` uses too)."""
    with watch(tmp_path / "watched") as w:
        yield w


def _assert_machine_untouched(v: Verdict, w: Watch) -> None:
    assert breaches(v, w) == [], v


@pytest.mark.parametrize(("lang", "path"), _cases())
def test_hostile_case_is_contained(lang: str, path: Path, watched: Watch) -> None:
    tc = get_toolchain(lang)
    code = _render(path, watched)
    assert code.splitlines()[0].strip(), "first line must name the attack"
    v = validate_candidate(code, _sig(), _SUITE, tc, _limits(tc))
    assert v.status is not VerdictStatus.PASSED, v
    if "compile-time bomb" in code.splitlines()[0]:
        assert v.status is VerdictStatus.COMPILE_ERROR, v  # valid code the compiler chokes on
    _assert_machine_untouched(v, watched)


def _bare_cases() -> list[pytest.param]:
    """Every case again without static checks; where the runtime is absent here (no GPU, no
    julia) only the compile is exercised, which is slow for nvcc: those run in the slow suite."""
    out = []
    for p in _cases():
        lang, path = p.values
        absent = get_toolchain(lang).runtime_problem() is not None
        out.append(pytest.param(lang, path, id=p.id,
                                marks=(pytest.mark.slow,) if absent else ()))
    return out


@pytest.mark.parametrize(("lang", "path"), _bare_cases())
def test_hostile_case_is_contained_by_the_sandbox_alone(lang: str, path: Path,
                                                          watched: Watch) -> None:
    tc = get_toolchain(lang)
    code = _render(path, watched)
    static_only = "static-only" in code.splitlines()[0]
    bare = validate_candidate(code, _sig(), _SUITE, _NoStaticChecks(tc), _limits(tc))
    if not static_only or tc.runtime_problem() is not None:
        assert bare.status is not VerdictStatus.PASSED, bare
    if tc.runtime_problem() is not None:
        # Nothing runs here (no GPU, no julia): the sandboxed compile is all there is to attack.
        assert bare.status in (VerdictStatus.UNVERIFIED, VerdictStatus.COMPILE_ERROR), bare
    if "compile-time bomb" in code.splitlines()[0]:
        assert bare.status is VerdictStatus.COMPILE_ERROR, bare  # held by the compile limits
    _assert_machine_untouched(bare, watched)


@pytest.mark.parametrize("lang", available_langs())
def test_honest_control_still_validates_after_the_suite(lang: str) -> None:
    """Runs after the cases (pytest keeps file order): the machine still validates honest work."""
    tc = get_toolchain(lang)
    try:
        honest = tc.lower(analyze_source(HONEST)[0])
    except UnsupportedProgram:  # CUDA lowers data-parallel functions only
        honest = (Path(__file__).parent / "data" / f"honest_control{tc.source_suffix}").read_text()
    control = validate_candidate(honest, _sig(), _SUITE, tc, _limits(tc))
    expected = VerdictStatus.PASSED if tc.runtime_problem() is None else VerdictStatus.UNVERIFIED
    assert control.status is expected, control


@pytest.mark.parametrize("lang", available_langs())
def test_hostile_set_is_complete(lang: str) -> None:
    tc = get_toolchain(lang)
    cases = sorted(_hostile_dir(tc).glob(f"*{tc.source_suffix}"))
    assert len(cases) >= 15
    readme = (_hostile_dir(tc) / "README.md").read_text()
    for path in cases:
        assert path.read_text().splitlines()[0].strip(), path.name
        assert path.stem in readme, path.name
