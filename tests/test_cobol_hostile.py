"""The COBOL hostile suite: every attack in toolchains/cobol/hostile/ fails validation.

Each candidate returns n + 1 (the honest answer) only if its attack succeeded, so a
`passed` verdict would itself prove a breach. Every case runs with the static checks on
(they refuse all but the memorised-answers case) and, for attacks on the machine, with
them off: then the sandbox alone must hold (no marker file, no secret, no passed).
Attacks on the harness's own records inside the process (forged records, pointer writes,
checks turned off by a directive) are stopped by the static checks only: with CALL,
DISPLAY or pointers allowed, a candidate can write whatever the harness could.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.outcome import Rejected
from tolk.toolchains.cobol import COBOL
from tolk.toolchains.cobol.types import program_id
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import VerdictStatus

pytestmark = pytest.mark.skipif(COBOL.availability() is not None, reason="no cobc")

HOSTILE_DIR = Path(__file__).resolve().parents[1] / "toolchains" / "cobol" / "hostile"
CASES = sorted(p.stem for p in HOSTILE_DIR.glob("*.cob"))
# In-process forgeries of the harness's output: only the static checks can refuse them.
STATIC_ONLY = {"fake_records_stop_run", "pointer_overwrite", "checks_off_directive"}
# Valid-looking programs the static checks pass: hidden vectors or the limits stop them.
PASSES_STATIC = {"memorized_answers", "infinite_loop", "memory_bomb"}

SRC = '''
def hostile(n: int) -> int:
    """Return n + 1."""
    return n + 1
'''

# A uid of its own: sandboxes of one uid share RLIMIT_NPROC, and other suites run alongside.
_BASE = ValidationLimits()
LIMITS = ValidationLimits(
    compile=dataclasses.replace(_BASE.compile, uid=61001),
    run=dataclasses.replace(_BASE.run, wall_seconds=4.0, cpu_seconds=4, uid=61001))


class _NoStaticChecks:
    """The COBOL toolchain with static checks disabled: proves the sandbox holds alone."""
    inner: object = COBOL

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def static_check(self, code: str, sig: Signature) -> None:
        return None


@pytest.fixture(scope="module")
def fn_and_suite():
    fn = analyze_source(SRC)[0]
    assert isinstance(fn, Function)
    suite = build_test_suite(fn, n_inputs=12)
    assert not isinstance(suite, Rejected), suite
    return fn, suite


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """A marker path in a world-writable dir, and a world-readable secret beside it."""
    os.chmod(tmp_path, 0o777)  # even a writable target stays out of the sandbox's reach
    secret = tmp_path / "secret.txt"
    secret.write_text("tolk-cobol-secret-7f3a\n")
    os.chmod(secret, 0o644)
    return tmp_path / "pwned", secret


def _load(case: str, marker: Path, secret: Path) -> str:
    text = (HOSTILE_DIR / f"{case}.cob").read_text()
    return text.replace("@MARKER@", str(marker)).replace("@SECRET@", str(secret))


def test_suite_shape() -> None:
    assert len(CASES) >= 15
    for case in CASES:
        first = (HOSTILE_DIR / f"{case}.cob").read_text().splitlines()[0]
        assert first.startswith("*> attack"), case
    assert STATIC_ONLY | PASSES_STATIC <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_static_checks_refuse_or_hidden_vectors_fail(case: str, fn_and_suite, planted) -> None:
    fn, suite = fn_and_suite
    marker, secret = planted
    code = _load(case, marker, secret)
    reason = COBOL.static_check(code, fn.signature)
    if case in PASSES_STATIC:
        assert reason is None
    else:
        assert reason is not None and (reason.startswith("forbidden:") or reason == "no_definition")
    v = validate_candidate(code, fn.signature, suite, COBOL, LIMITS)
    assert v.status is not VerdictStatus.PASSED, v
    assert not marker.exists()


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(set(CASES) - STATIC_ONLY))
def test_sandbox_alone_contains_the_attack(case: str, fn_and_suite, planted) -> None:
    fn, suite = fn_and_suite
    marker, secret = planted
    code = _load(case, marker, secret)
    v = validate_candidate(code, fn.signature, suite, _NoStaticChecks(), LIMITS)
    assert v.status is not VerdictStatus.PASSED, (case, v)
    assert not marker.exists()
    assert "tolk-cobol-secret" not in v.runtime_output + v.compiler_output


@pytest.mark.parametrize("case", sorted(STATIC_ONLY))
def test_in_process_forgeries_compile_so_only_the_checks_stop_them(case: str, planted) -> None:
    """Documents why these cases need the static checks: they are valid GnuCOBOL."""
    fn = analyze_source(SRC)[0]
    assert isinstance(fn, Function)
    code = _load(case, *planted)
    assert f"PROGRAM-ID. {program_id(fn.signature)}" in code
    assert COBOL.static_check(code, fn.signature) is not None
