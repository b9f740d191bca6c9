"""The Fortran batch build: module renaming, file layout, blame, one gfortran invocation."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Param, Signature
from tolk.ir.types import IRType, Kind
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.fortran import FORTRAN
from tolk.toolchains.fortran.batch import (
    CANDIDATES_FILE, HARNESS_FILE, batch_files, blame, prebuilt, rename_module,
)
from tolk.translators.lowering import LoweringTranslator
from tolk.validators.testgen import build_test_suite
from tolk.validators.wire import decode_results, encode_inputs

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
needs_gfortran = pytest.mark.skipif(FORTRAN.availability() is not None,
                                    reason=f"gfortran unavailable: {FORTRAN.availability()}")

INT = IRType(Kind.INT)
INT_LIST = IRType(Kind.LIST, (INT,))


def sig(name: str) -> Signature:
    return Signature(name, (Param("xs", INT_LIST),), INT)


def module(name: str, body: str = "    res = size(xs)\n", end: str = "end module candidate") -> str:
    return f"""Module Candidate  ! module candidate, in a comment
  use, intrinsic :: iso_fortran_env, only: int64
  implicit none
  private
  public :: {name}
contains
  function {name}(xs) result(res)
    integer(int64), intent(in) :: xs(:)
    integer(int64) :: res
    character(len=*), parameter :: s = "module candidate"
{body}  end function {name}
{end}
"""


def test_rename_touches_only_the_module_names() -> None:
    code = module("f", end="END MODULE CANDIDATE")
    out = rename_module(code, "candidate_0003")
    assert out is not None
    assert out.splitlines()[0] == "Module candidate_0003  ! module candidate, in a comment"
    assert out.splitlines()[-1] == "END MODULE candidate_0003"
    assert '"module candidate"' in out  # strings stay as written
    assert out.count("\n") == code.count("\n")  # lines keep their numbers


def test_rename_without_an_end_name_and_without_a_module() -> None:
    out = rename_module(module("f", end="end module"), "candidate_0001")
    assert out is not None and out.splitlines()[-1] == "end module"
    assert "Module candidate_0001" in out
    assert rename_module("module other\nend module other\n", "candidate_0001") is None


def test_files_share_runners_by_types_and_wrap_intrinsic_names() -> None:
    items = [(module("total"), sig("total")), (module("largest"), sig("largest")),
             (module("sum"), sig("sum")), ("garbage that parses to no module\n", sig("g"))]
    files = batch_files(items)
    assert list(files) == [CANDIDATES_FILE, HARNESS_FILE]
    cands, harness = files[CANDIDATES_FILE], files[HARNESS_FILE]
    assert cands.count('# 1 "candidate.f90"\n') == 3  # the unrenamable one is left out
    assert "candidate_0003" not in cands
    # all four share one prebuilt runner: the driver hands each candidate's procedure to it
    runner = sorted({ln.split()[1].rstrip(",") for ln in harness.splitlines()
                     if ln.startswith("  use tolk_runner_")})
    assert len(runner) == 1
    assert "\nmodule tolk_runner_" not in harness and "module tolk_wire" not in harness
    for k in (0, 1, 3):
        assert f"    call {runner[0].replace('tolk_runner_', 'run_')}(c_{k:04d})\n" in harness
    assert "  use candidate_0000, only: c_0000 => total\n" in harness
    parts = prebuilt(items, "gfortran", ["-O1"], "gfortran 12")
    assert [p.link for p in parts] == [("tolk_wire.o",), (runner[0] + ".o",)]
    # the runner compiles against the wire part's .mod instead of compiling tolk_wire again
    assert parts[1].needs == (parts[0],) and list(parts[1].files) == [runner[0] + ".f90"]
    assert parts[0].key != parts[1].key
    assert prebuilt(items[:1], "gfortran", ["-O1"], "gfortran 12") == parts  # keys are stable
    assert prebuilt(items, "gfortran", ["-O0"], "gfortran 12")[1].key != parts[1].key
    # sum, named like an intrinsic, goes to the same runner through a wrapper procedure
    assert "  use candidate_0002, only: tolk_candidate => sum\n" in harness
    assert "    res = tolk_candidate(a1)\n" in harness
    assert "  use tolk_wrap_0002, only: c_0002 => target\n" in harness
    assert f"    call {runner[0].replace('tolk_runner_', 'run_')}(c_0002)\n" in harness
    for k in range(4):  # every candidate's lines sit under its own marker
        assert f'# 1 "harness_{k:04d}.f90"\n' in harness


def test_blame_reads_missing_modules_and_harness_files(tmp_path: Path) -> None:
    for k in (0, 2, 3):
        (tmp_path / f"candidate_{k:04d}.mod").write_text("")
    assert blame(tmp_path, "candidate.f90:5:3:\nError: Syntax error\n", 4) == {1}
    out = "harness_0002.f90:9:13:\nError: Interface mismatch in dummy procedure\n"
    assert blame(tmp_path, out, 4) == {1, 2}
    assert blame(tmp_path, "undefined reference in `__candidate_0003_MOD_f'", 4) == {1, 3}
    assert blame(tmp_path, "harness_0009.f90:1:1: Error", 4) == {1}  # out of range


def test_blame_after_a_fatal_stop_names_only_the_first_uncompiled(tmp_path: Path) -> None:
    (tmp_path / "candidate_0000.mod").write_text("")
    out = "candidate.f90:3:1:\nFatal Error: something\ncompilation terminated.\n"
    assert blame(tmp_path, out, 5) == {1}
    # A fatal error in the harness file (a cascade) does not stop the candidates file.
    out = "harness_0001.f90:2:7:\n\nFatal Error: Cannot open module file\n"
    assert blame(tmp_path, out, 5) == {1, 2, 3, 4}


def _prebuild(dest: Path, items: list[tuple[str, Signature]]) -> list[str]:
    """Build the prebuilt parts into dest (what validate_batch caches); the link list."""
    link: list[str] = []
    for part in FORTRAN.batch_prebuilt(items):  # a part comes after the parts it needs
        d = Path(tempfile.mkdtemp(dir=dest))
        for name in (n for dep in part.needs for n in dep.outputs):
            shutil.copyfile(dest / name, d / name)
        for name, text in part.files.items():
            (d / name).write_text(text)
        subprocess.run(part.argv, cwd=d, check=True, capture_output=True)
        for name in part.outputs:
            shutil.copyfile(d / name, dest / name)
        link += part.link
    return link


@needs_gfortran
def test_batch_run_argv_and_a_bad_index(tmp_path: Path) -> None:
    items = [(module("f"), sig("f")), (module("g", "    res = -1\n"), sig("g"))]
    files = FORTRAN.batch_files(items)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    link = _prebuild(tmp_path, items)
    built = subprocess.run(FORTRAN.batch_compile_argv(files) + link, cwd=tmp_path,
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    stdin = encode_inputs([([1, 2, 3],)], [INT_LIST])
    outs = [subprocess.run(FORTRAN.batch_run_argv(k), cwd=tmp_path, input=stdin,
                           capture_output=True, text=True, check=False) for k in (0, 1, 2)]
    assert [d.value for d in decode_results(outs[0].stdout, INT, 1)] == [3]
    assert [d.value for d in decode_results(outs[1].stdout, INT, 1)] == [-1]
    assert outs[2].returncode != 0 and "no such candidate" in outs[2].stderr


def _build(tmp_path: Path, items: list[tuple[str, Signature]]) -> set[int] | None:
    """Blame of one batch build in a fresh dir under tmp_path (None: it built)."""
    d = Path(tempfile.mkdtemp(dir=tmp_path))
    files = FORTRAN.batch_files(items)
    for name, text in files.items():
        (d / name).write_text(text)
    link = _prebuild(d, items)
    built = subprocess.run(FORTRAN.batch_compile_argv(files) + link, cwd=d,
                           capture_output=True, text=True, check=False)
    if built.returncode == 0:
        return None
    return FORTRAN.batch_blame(d, built.stdout + built.stderr, len(items))


@needs_gfortran
def test_failed_build_blames_exactly_the_broken_candidates(tmp_path: Path) -> None:
    items = [(module("f"), sig("f")), (module("g", "    res = size(xs) +\n"), sig("g")),
             (module("h"), sig("h")),
             # compiles alone, but does not match the shared runner's interface
             (module("k").replace(", intent(in) :: xs", " :: xs"), sig("k")),
             (module("m", "    res = undefined_thing\n"), sig("m"))]
    # Broken modules are blamed at once; the interface mismatch hides behind the first
    # missing module's fatal error in the harness file, and shows in the rebuild.
    assert _build(tmp_path, items) == {1, 4}
    assert _build(tmp_path, [items[0], items[2], items[3]]) == {2}
    assert _build(tmp_path, [items[0], items[2]]) is None


@pytest.mark.slow
@needs_gfortran
def test_lowered_seed_corpus_builds_in_one_invocation(tmp_path: Path) -> None:
    """Every lowered seed function in one build: no blame needed, every run complete."""
    work = []
    for path in sorted(SEED.glob("*.py")):
        for fn in analyze_source(path.read_text(), uri=path.name):
            if isinstance(fn, Function) and fn.body is not None:
                suite = build_test_suite(fn, n_inputs=5)
                if isinstance(suite, Rejected):
                    continue
                cand = LoweringTranslator().translate(fn, suite, Lang.FORTRAN)
                if not isinstance(cand, Rejected):
                    work.append((fn.signature, suite, cand.code))
    assert len(work) > 40
    items = [(code, s) for s, _, code in work]
    files = FORTRAN.batch_files(items)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    link = _prebuild(tmp_path, items)
    built = subprocess.run(FORTRAN.batch_compile_argv(files) + link, cwd=tmp_path,
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr[-3000:]
    for k, (s, suite, _) in enumerate(work):
        stdin = encode_inputs([v.args for v in suite.vectors], [p.type for p in s.params])
        run = subprocess.run(FORTRAN.batch_run_argv(k), cwd=tmp_path, input=stdin,
                             capture_output=True, text=True, check=False)
        decoded = decode_results(run.stdout, s.returns, len(suite.vectors))
        assert len(decoded) == len(suite.vectors) and all(d.complete for d in decoded), s.name
