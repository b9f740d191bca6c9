"""`tolk check`: the verdict of a given translation on `tolk translate`'s suite, exit codes
0 passed, 1 failed, 2 cannot check."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tolk.flows.cli import main

DATA = Path(__file__).parent / "data" / "mutants" / "run_count"


def _check(tmp_path: Path, candidate: str, *extra: str, to: str = "fortran") -> int:
    return main(["check", str(DATA / "fn.py"), "--function", "run_count", "--to", to,
                 "--candidate", candidate, "--n-inputs", "20", *extra])


def _mutant(tmp_path: Path, name: str, ext: str) -> Path:
    """Writes one of _make.py's hand-written mutants of run_count (the mutants are kept as
    edits, not files, so a clean clone has none on disk)."""
    spec = importlib.util.spec_from_file_location("tolk_cli_check_edits",
                                                  DATA.parent / "_make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = next(t for fn, e, n, t in module.mutant_texts()
                if (fn, e, n) == ("run_count", ext, name))
    path = tmp_path / f"{name}.{ext}"
    path.write_text(text)
    return path


@pytest.mark.slow
def test_check_exit_codes_and_first_failing_vector(tmp_path: Path, capsys) -> None:
    assert _check(tmp_path, str(DATA / "good.f90")) == 0
    out = capsys.readouterr().out
    assert "run_count:" in out and "fortran: passed" in out
    assert _check(tmp_path, str(_mutant(tmp_path, "skip_first", "f90"))) == 1
    out = capsys.readouterr().out
    assert "wrong_answer" in out and "first failing vector #" in out and "expected" in out
    assert _check(tmp_path, str(DATA / "good.cob"), to="cobol") == 0
    # Cannot check: a missing candidate, a missing function, code for another target.
    assert _check(tmp_path, str(tmp_path / "none.f90")) == 2
    assert "cannot read candidate" in capsys.readouterr().err
    assert main(["check", str(DATA / "fn.py"), "--function", "nope", "--to", "fortran",
                 "--candidate", str(DATA / "good.f90")]) == 2
    capsys.readouterr()
    assert _check(tmp_path, str(DATA / "good.cob")) == 1  # COBOL fed as Fortran: failed
    assert "fortran: rejected_static" in capsys.readouterr().out


def test_check_needs_a_target_and_a_candidate() -> None:
    with pytest.raises(SystemExit):
        main(["check", str(DATA / "fn.py")])
