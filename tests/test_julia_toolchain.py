"""The Julia toolchain object: protocols, where julia comes from, runtime probe, sandbox
binds, and the hostile suite run for real on the store's Debian 11 julia."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests._julia import require_julia
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite, Vector
from tolk.lang import Lang
from tolk.toolchains.base import BatchValidating, Toolchain
from tolk.toolchains.julia import JULIA
from tolk.toolchains.containers import Manifest, record_build
from tolk.toolchains.julia.install import ROOTFS_JULIA, find_install
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
    assert JULIA.debian_packages == ("julia",) and JULIA.debian_suite == "bullseye"
    assert JULIA.availability() is None
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
    monkeypatch.setenv("TOLK_TOOLCHAINS_DIR", str(tmp_path / "empty-store"))
    why = JULIA.runtime_problem()
    assert why is not None and why.startswith("julia not found on PATH or in the toolchain store")
    assert "tolk toolchains build --langs julia" in why and "unverified" in why
    assert JULIA.sandbox_binds() == () and JULIA.run_argv()[0] == "julia"
    assert JULIA.sandbox_rootfs() == "" and JULIA.sandbox_label() == ""
    monkeypatch.setenv("TOLK_JULIA", str(tmp_path / "nope"))
    assert "julia not found on $TOLK_JULIA" in (JULIA.runtime_problem() or "")


def test_runtime_probe_checks_the_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    old = _fake_julia(tmp_path / "old", "julia version 1.4.2")
    monkeypatch.setenv("TOLK_JULIA", str(old))
    assert "older than 1.5" in (JULIA.runtime_problem() or "")
    new = _fake_julia(tmp_path / "new", "julia version 1.10.5")
    monkeypatch.setenv("TOLK_JULIA", str(new))
    assert JULIA.runtime_problem() is None
    assert JULIA.version() == "julia 1.10.5"
    # The install dir is bound read-only, and the run uses the resolved binary.
    assert JULIA.sandbox_binds() == (str(new.parent.parent.resolve()),)
    assert JULIA.run_argv()[0] == str(new.resolve())
    assert JULIA.sandbox_rootfs() == "" and JULIA.sandbox_label() == ""
    broken = _fake_julia(tmp_path / "broken", "no version here")
    monkeypatch.setenv("TOLK_JULIA", str(broken))
    assert "--version failed" in (JULIA.runtime_problem() or "")


def _store_with_julia(tmp_path: Path, with_binary: bool = True) -> Path:
    """A store whose julia entry is a (fake) Debian 11 root filesystem."""
    rootfs = tmp_path / "store" / "debian-bullseye-abc" / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    if with_binary:
        (rootfs / "usr" / "bin").mkdir(parents=True)
        (rootfs / "usr" / "bin" / "julia").write_text("")
    record_build(Manifest(key="debian-bullseye-abc", kind="rootfs", langs=("julia",),
                          packages=("julia",), location=str(rootfs), built_at="2026-01-01",
                          source="debootstrap", versions={"julia": "1.5.3+dfsg-3"}),
                 tmp_path / "store")
    return rootfs


def test_store_julia_is_found_after_host_ones(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    rootfs = _store_with_julia(tmp_path)
    monkeypatch.setenv("TOLK_TOOLCHAINS_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("TOLK_JULIA", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    got = find_install()
    assert got is not None and (got.binary, got.rootfs) == (ROOTFS_JULIA, str(rootfs))
    assert (got.label, got.package) == ("debian-bullseye", "1.5.3+dfsg-3")
    # The sandbox runs it with the root filesystem as `/`: nothing else is bound.
    assert JULIA.sandbox_rootfs() == str(rootfs) and JULIA.sandbox_label() == "debian-bullseye"
    assert JULIA.sandbox_binds() == () and JULIA.run_argv()[0] == ROOTFS_JULIA
    # Its depot is the sandbox's private /tmp (the work dir is /work under podman).
    assert JULIA.batch_env(tmp_path)["JULIA_DEPOT_PATH"].startswith("/tmp/")
    # A host julia wins, and is recorded as such.
    host = _fake_julia(tmp_path / "host", "julia version 1.10.5")
    monkeypatch.setenv("PATH", str(host.parent))
    got = find_install()
    assert got is not None and got.rootfs == "" and got.origin == "PATH"
    assert JULIA.batch_env(tmp_path)["JULIA_DEPOT_PATH"].startswith(str(tmp_path))
    monkeypatch.setenv("TOLK_JULIA", str(tmp_path / "nope"))  # set but wrong: no julia at all
    assert find_install() is None


def test_store_entry_without_the_binary_is_no_julia(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    _store_with_julia(tmp_path, with_binary=False)
    monkeypatch.setenv("TOLK_TOOLCHAINS_DIR", str(tmp_path / "store"))
    monkeypatch.delenv("TOLK_JULIA", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert find_install() is None


def test_batch_env_keeps_julia_away_from_user_state(tmp_path: Path) -> None:
    env = JULIA.batch_env(tmp_path)
    home = str(Path.home())
    assert not env["JULIA_DEPOT_PATH"].startswith(home)
    assert env["JULIA_DEPOT_PATH"].startswith((str(tmp_path), "/tmp/"))
    assert env["JULIA_LOAD_PATH"] == "@stdlib" and env["OPENBLAS_NUM_THREADS"] == "1"


def test_real_julia_reports_its_version_and_where_it_ran() -> None:
    require_julia()
    assert JULIA.version().startswith("julia 1.")
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    suite = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41, -7)))
    single = validate_candidate(JULIA.lower(fn), fn.signature, suite, JULIA, ValidationLimits())
    batched = JULIA.validate_batch([(JULIA.lower(fn), fn.signature, suite)],
                                   ValidationLimits())[0]
    for v in (single, batched):
        assert v.status is VerdictStatus.PASSED and v.passed == 4, v
        label = JULIA.sandbox_label()
        assert v.ran_on == ("bwrap:" + label if label else "bwrap"), v
    if JULIA.sandbox_rootfs():
        assert "Debian 1.5.3" in JULIA.version() and "debian-bullseye" in JULIA.version()


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
    limits = ValidationLimits(run=dataclasses.replace(ValidationLimits().run, wall_seconds=3.0,
                                                      cpu_seconds=2))
    for v in (validate_candidate(code, fn.signature, suite, JULIA, limits),
              JULIA.validate_batch([(code, fn.signature, suite)], limits)[0]):
        assert v.status is not VerdictStatus.PASSED, v
        if JULIA.runtime_problem() is not None:
            expected = VerdictStatus.UNVERIFIED if reason is None else \
                VerdictStatus.REJECTED_STATIC
            assert v.status is expected, v
        elif reason is None:  # it ran, and the runtime's limits ended it
            assert v.status in (VerdictStatus.TIMEOUT, VerdictStatus.RUNTIME_ERROR), v
    assert not (tmp_path / "pwned").exists()


def test_honest_control_lowers_and_is_unverified_without_julia(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    code = JULIA.lower(fn)
    assert code.startswith("function hostile(n::Int64)::Int64\n") and "n, 1" in code
    monkeypatch.setenv("TOLK_JULIA", str(tmp_path / "no-julia"))
    suite = TestSuite((Vector((1,), 2),))
    v = validate_candidate(code, fn.signature, suite, JULIA, ValidationLimits())
    assert v.status is VerdictStatus.UNVERIFIED and v.ran_on == "static-only"




@pytest.mark.slow
def test_store_julia_runs_under_podman_rootfs() -> None:
    """The container path: podman runs the same root filesystem with `--rootfs`, single and
    batched (the runner's alarm ends a sleeper; a new process judges its batchmate)."""
    from tolk.validators.container import engine_problem

    require_julia()
    if not JULIA.sandbox_rootfs():
        pytest.skip("julia is a host install here: podman runs only the store's rootfs")
    if (why := engine_problem("podman")) is not None:
        pytest.skip(f"podman unusable here: {why}")
    fn = analyze_source(HONEST)[0]
    assert isinstance(fn, Function)
    code = JULIA.lower(fn)
    sleepy = code.replace(")::Int64\n", ")::Int64\n    sleep(60)\n", 1)
    assert "sleep(60)" in sleepy
    suite = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, 41)))
    limits = ValidationLimits(run=dataclasses.replace(ValidationLimits().run, wall_seconds=3.0,
                                                      cpu_seconds=2), executor="podman")
    single = validate_candidate(code, fn.signature, suite, JULIA, limits)
    assert single.status is VerdictStatus.PASSED and single.ran_on == "podman:debian-bullseye"
    batched = JULIA.validate_batch([(code, fn.signature, suite), (sleepy, fn.signature, suite),
                                    (code, fn.signature, suite)], limits)
    assert [v.status for v in batched] == [VerdictStatus.PASSED, VerdictStatus.TIMEOUT,
                                           VerdictStatus.PASSED], batched


@pytest.mark.slow
def test_bench_runs_every_julia_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bench/validate.py on a few Julia candidates: the floor runs the store's julia under a
    bare bwrap (its root filesystem as `/`), and single and batched verdicts agree."""
    import importlib.util
    import json
    import sys

    require_julia()
    bench = Path(__file__).resolve().parents[1] / "bench" / "validate.py"
    spec = importlib.util.spec_from_file_location("bench_validate", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "bench_validate", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    out = tmp_path / "bench.json"
    module.main(["--langs", "julia", "--limit", "3", "--repeat", "1", "--warmup", "0",
                 "--n-inputs", "8", "--json", str(out)])
    got = json.loads(out.read_text())["julia"]
    assert got["candidates"] == 3 and not got["compile_only"]
    assert got["batching"] == "BatchValidating"
    assert got["verdicts_single"] == got["verdicts_batched"] == {"passed": 3}
    assert got["disagreements"] == []


def test_card_says_julia_rows_hold_for_later_1x(tmp_path: Path) -> None:
    import polars as pl

    from tests.test_card import _build
    from tests.test_layout import sample_row
    from tolk.corpus.card import render_card
    from tolk.corpus.store import SAMPLE_SCHEMA

    version = "julia 1.5.3 (Debian 1.5.3+dfsg-3, debian-bullseye root filesystem)"
    rows = [sample_row(0, "fortran"),
            {**sample_row(1, "fortran"), "lang": "julia", "id": "jul0001", "toolchain": "julia",
             "toolchain_version": version, "ran_on": "bwrap:debian-bullseye"}]
    _, _, facts = _build(tmp_path, pl.DataFrame(rows, schema=SAMPLE_SCHEMA))
    said = [x for x in facts.limitations if x.startswith("Julia rows ran on")]
    assert said and version in said[0] and "every later 1.x" in said[0]
    assert "every later 1.x" in render_card(facts)
    _, _, without = _build(tmp_path / "f", pl.DataFrame([sample_row(0, "fortran")],
                                                        schema=SAMPLE_SCHEMA))
    assert not any(x.startswith("Julia rows ran on") for x in without.limitations)
