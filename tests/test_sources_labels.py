"""`tolk sources` cosmetics (issue 15): reason labels name the unsupported type alone
(`unsupported_type:any`, not `any]`), and files without functions are not counted as
functions."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.types import parse_type


@pytest.mark.parametrize("annotation, label", [
    ("list[any]", "any"),
    ("list[Any]", "any"),
    ("tuple[np.ndarray, np.ndarray]", "np.ndarray"),
    ("list[list[np.ndarray]]", "np.ndarray"),
    ("tuple[int, Optional[int]]", "optional"),
    ("List[Dict[str, Any]]", "dict"),
    ("list[Foo | None]", "union"),
    ("int | None", "union"),
    ("list[int] | None", "union"),
    ('"Foo"', "forward_ref"),
    ("list[int]]", "syntax"),
    ("Tuple[int, ...]", "ellipsis"),
])
def test_unsupported_type_labels_are_clean(annotation: str, label: str) -> None:
    with pytest.raises(UnsupportedProgram) as exc:
        parse_type(annotation, allow_tuple=True)
    assert exc.value.reason == f"unsupported_type:{label}"


def _sources(argv: list[str]) -> int:
    from tolk.flows.cli_sources import add_sources_parser, sources_command
    p = argparse.ArgumentParser(prog="tolk")
    add_sources_parser(p.add_subparsers(dest="command", required=True))
    return sources_command(p.parse_args(["sources", *argv]))


def test_sources_counts_files_without_functions_as_files(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "consts.py").write_text("# settings\nSCALE = 3\nNAMES = ['a', 'b']\n"
                                        "LIMIT = SCALE * 10\n")
    (tmp_path / "arrays.py").write_text(
        "def pair(a: list[Any], n: int) -> tuple[np.ndarray, np.ndarray]:\n"
        "    total = n * 2\n    return total, total + 1\n\n\n"
        "def add(a: int, b: int) -> int:\n    total = a + b\n    return total * 2\n")
    assert _sources([str(tmp_path), "--license", "MIT"]) == 0
    out = capsys.readouterr().out
    assert "1 without a function to take, 2 functions, 1 accepted" in out, out
    assert "no_functions" in out.split("file rejects:")[1].split("frontend rejects:")[0], out
    assert "unsupported_type:any\n" in out, out
    assert "]" not in "".join(line for line in out.splitlines() if "unsupported_type" in line)
