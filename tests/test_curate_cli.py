"""`tolk curate` sub-command (parser + command, without the main CLI)."""

from __future__ import annotations

import argparse
from pathlib import Path

import polars as pl
import pytest

from tolk.flows.cli_curate import add_curate_parser, curate_command
from tests.test_curate import MAX_F90, SUM_F90, sample_row, write_rows


def test_curate_command_prints_steps_and_writes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_rows(tmp_path / "out", {"a": [sample_row(1, code=SUM_F90), sample_row(2, code=SUM_F90),
                                        sample_row(3, code=MAX_F90)]})
    parser = argparse.ArgumentParser()
    add_curate_parser(parser.add_subparsers())
    args = parser.parse_args(["curate", str(tmp_path / "out"), "--no-humaneval",
                              "--write", str(tmp_path / "cur")])
    assert curate_command(args) == 0
    out = capsys.readouterr().out
    assert "fortran" in out and "removed fortran  exact_duplicate  1" in out
    assert pl.read_parquet(tmp_path / "cur" / "kept.parquet")["id"].to_list() == ["s1", "s3"]
    assert pl.read_parquet(tmp_path / "cur" / "removals.parquet")["id"].to_list() == ["s2"]
