"""The Julia toolchain object: protocols, runtime probe, sandbox binds, hostile suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite, Vector
from tolk.lang import Lang
from tolk.toolchains.base import BatchValidating, Toolchain
from tolk.toolchains.julia import JULIA
from tolk.toolchains.julia.toolchain import FLAGS
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import VerdictStatus

HOSTILE_DIR = Path(__file__).resolve().parents[1] / "toolchains" / "julia" / "hostile"
HONEST = '''
def hostile(n: int) -> int:
    """Return n + 1."""
    return n + 1
'''
# Attacks no static check can see: only the runtime's limits end them.
RUNTIME_ONLY = {"infinite_loop", "memory_bomb", "sleep_past_limit", "stack_overflow"}


def test_satisfies_the_protocols() -> None:
    assert isinstance(JULIA, Toolchain) and isinstance(JULIA, BatchValidating)
    assert JULIA.lang is Lang.JULIA and JULIA.source_suffix == ".jl"
    assert JULIA.debian_packages == () and JULIA.availability() is None
    assert JULIA.compile_argv({"runner.jl": ""}) is None
    assert "--check-bounds=yes" in FLAGS


def _fake_julia(tmp_path: Path, version_line: str) -> Path:
    """A stand-in that only answers `--version` (the probe), installed like a tarball."""
    bin_dir = tmp_path / "julia-x" / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "julia"
    exe.write_text(f"#!/bin/sh\necho '{version_line}'\n")
    exe.chmod(0o755)
    return exe


def test_runtime_problem_without_julia(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TOLK_JULIA", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    why = JULIA.runtime_problem()
    assert why is not None and why.startswith("julia not found on PATH")
    assert "toolchains/julia/Containerfile" in why and "unverified" in why
    assert JULIA.sandbox_binds() == () and JULIA.run_argv()[0] == "julia"
    monkeypatch.setenv("TOLK_JULIA", str(tmp_path / "nope"))
    assert "julia not found on $TOLK_JULIA" in (JULIA.runtime_problem() or "")


def test_runtime_probe_checks_the_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old = _fake_julia(tmp_path / "old", "julia version 1.9.4")
    monkeypatch.setenv("TOLK_JULIA", str(old))
    assert "older than 1.10" in (JULIA.runtime_problem() or "")
    new = _fake_julia(tmp_path / "new", "julia version 1.10.5")
    monkeypatch.setenv("TOLK_JULIA", str(new))
    assert JULIA.runtime_problem() is None
    assert JULIA.version() == "julia 1.10.5"
    # The install dir is bound read-only, and the run uses the resolved binary.
    assert JULIA.sandbox_binds() == (str(new.parent.parent.resolve()),)
    assert JULIA.run_argv()[0] == str(new.resolve())
    broken = _fake_julia(tmp_path / "broken", "no version here")
    monkeypatch.setenv("TOLK_JULIA", str(broken))
    assert "--version failed" in (JULIA.runtime_problem() or "")


def test_batch_env_keeps_julia_away_from_user_state(tmp_path: Path) -> None:
    env = JULIA.batch_env(tmp_path)
    assert env["JULIA_DEPOT_PATH"].startswith(str(tmp_path))
    assert env["JULIA_LOAD_PATH"] == "@stdlib" and env["OPENBLAS_NUM_THREADS"] == "1"


# ---- the hostile suite ----------------------------------------------------------------

def _hostile_cases() -> list[Path]:
    return sorted(HOSTILE_DIR.glob("*.jl"))


def _render(path: Path, tmp_path: Path) -> str:
    return (path.read_text().replace("@MARKER@", str(tmp_path / "pwned"))
            .replace("@SECRET@", str(tmp_path / "secret.txt")).replace("@PORT@", "9"))


def test_hostile_set_is_complete() -> None:
    cases = _hostile_cases()
    assert len(cases) >= 15
    table = (HOSTILE_DIR / "README.md").read_text()
    for path in cases:
        assert path.read_text().splitlines()[0].startswith("# attack: "), path.name
        assert f"`{path.stem}`" in table, path.name


@pytest.mark.parametrize("path", _hostile_cases(), ids=lambda p: p.stem)
def test_hostile_case_is_never_passed_here(path: Path, tmp_path: Path) -> None:
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    code = _render(path, tmp_path)
    reason = JULIA.static_check(code, fn.signature)
    if path.stem in RUNTIME_ONLY:
        assert reason is None  # legal Julia: the runner's alarm and the sandbox end these
    else:
        assert reason is not None and reason.startswith("forbidden:"), reason
    suite = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41, -7)))
    for v in (validate_candidate(code, fn.signature, suite, JULIA, ValidationLimits()),
              JULIA.validate_batch([(code, fn.signature, suite)], ValidationLimits())[0]):
        assert v.status is not VerdictStatus.PASSED, v
        if JULIA.runtime_problem() is not None:
            expected = VerdictStatus.UNVERIFIED if reason is None else \
                VerdictStatus.REJECTED_STATIC
            assert v.status is expected, v
    assert not (tmp_path / "pwned").exists()


def test_honest_control_lowers_and_is_unverified_here() -> None:
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    code = JULIA.lower(fn)
    assert code == "function hostile(n::Int64)::Int64\n    return n + 1\nend\n"
    if JULIA.runtime_problem() is not None:
        suite = TestSuite((Vector((1,), 2),))
        v = validate_candidate(code, fn.signature, suite, JULIA, ValidationLimits())
        assert v.status is VerdictStatus.UNVERIFIED and v.ran_on == "static-only"


