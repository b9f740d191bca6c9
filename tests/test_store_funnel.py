"""The parquet store and the funnel computed from it."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from tolk.corpus.funnel import compute_funnel, reason_counts
from tolk.corpus.sources import iter_directory
from tolk.corpus.store import scan_rejects, scan_samples, shard_complete, write_shard
from tolk.ir.function import Program
from tolk.outcome import Rejected


def _sample(i: int, shard: str) -> dict:
    return {"id": f"s{i}", "source_id": "src", "source_uri": "u", "source_license": "mit",
            "function": f"f{i}", "python_source": "def f(): ...", "ir_signature": "{}",
            "lang": "fortran", "target_code": "module candidate", "translator": "lowering",
            "strategy": "lowering", "model": "", "model_revision": "", "sampling_params": "{}",
            "prompt_hash": "", "repair_round": 0, "vectors_passed": 5, "vectors_total": 5,
            "toolchain": "gfortran", "toolchain_version": "gfortran 12", "ran_on": "bwrap",
            "run_id": "r", "shard": shard, "created_at": datetime.now(timezone.utc)}


def _reject(stage: str, reason: str, lang: str = "") -> dict:
    return {"stage": stage, "reason": reason, "family": reason.split(":")[0], "source_id": "x",
            "source_uri": "u", "function": "g", "lang": lang, "detail": "", "run_id": "r",
            "shard": "a"}


def test_shards_and_funnel(tmp_path: Path) -> None:
    write_shard(tmp_path, "a", [_sample(1, "a"), _sample(2, "a")],
                [_reject("frontend", "uses_io:print"), _reject("validate", "wrong_answer", "fortran")],
                {"programs": 2, "functions": 4, "frontend_accepted": 3, "with_body_ir": 3,
                 "tested": 3, "translated:fortran": 3, "passed:fortran": 2,
                 "validated:fortran:passed": 2, "validated:fortran:wrong_answer": 1})
    write_shard(tmp_path, "b", [_sample(3, "b")], [_reject("frontend", "uses_io:print")],
                {"programs": 1, "functions": 2, "frontend_accepted": 1, "with_body_ir": 1,
                 "tested": 1, "translated:fortran": 1, "passed:fortran": 1,
                 "validated:fortran:passed": 1})
    assert shard_complete(tmp_path, "a") and not shard_complete(tmp_path, "c")
    assert scan_samples(tmp_path).collect().height == 3
    counts = reason_counts(tmp_path)
    assert counts.filter(pl.col("reason") == "uses_io:print")["count"].to_list() == [2]
    funnel = compute_funnel(tmp_path, ["fortran"])
    rows = {(r.stage, r.lang): r for r in funnel.rows}
    assert (rows["frontend", ""].entered, rows["frontend", ""].left) == (6, 4)
    assert rows["frontend", ""].reasons == (("uses_io:print", 2),)
    assert (rows["validate", "fortran"].entered, rows["validate", "fortran"].left) == (4, 3)
    assert funnel.yield_over_body_ir("fortran") == 3 / 4
    assert funnel.verdicts("fortran") == {"passed": 3, "wrong_answer": 1}
    assert funnel.samples_by_lang == {"fortran": 3}
    assert "| validate | fortran | 4 | 3 | 1 | wrong_answer (1) |" in funnel.to_markdown()


def test_incomplete_shard_is_invisible(tmp_path: Path) -> None:
    write_shard(tmp_path, "a", [_sample(1, "a")], [], {"programs": 1})
    (tmp_path / "stats" / "a.json").unlink()  # as if killed before the marker landed
    assert scan_samples(tmp_path).collect().height == 0
    assert scan_rejects(tmp_path).collect().height == 0


def test_directory_source_rejects_bad_files(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text("def f(a: int) -> int:\n    return a\n")
    (tmp_path / "latin1.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "huge.py").write_text("x = 1\n" * 100_000)
    (tmp_path / "nul.py").write_bytes(b"x = 1\x00\n")
    items = {i.uri.split("/")[-1]: i for i in iter_directory(tmp_path)}
    assert isinstance(items["good.py"], Program)
    assert isinstance(items["latin1.py"], Rejected) and items["latin1.py"].reason == "not_utf8"
    assert isinstance(items["huge.py"], Rejected) and items["huge.py"].reason == "too_large"
    assert isinstance(items["nul.py"], Rejected) and items["nul.py"].reason == "binary"


def test_program_level_rejections_are_the_sample_rows_reasons(tmp_path: Path) -> None:
    """A program refused whole (no function named) counts under `sample`, whatever stage
    refused it; the front end's row keeps the reasons of single functions."""
    whole = {**_reject("frontend", "no_functions"), "function": ""}
    one = _reject("frontend", "uses_io:print")
    write_shard(tmp_path, "a", [], [whole, {**whole, "reason": "syntax_error"}, one],
                {"programs": 3, "programs_rejected": 2, "functions": 1})
    rows = {(r.stage, r.lang): r for r in compute_funnel(tmp_path, ["fortran"]).rows}
    assert rows["sample", ""].reasons == (("no_functions", 1), ("syntax_error", 1))
    assert rows["frontend", ""].reasons == (("uses_io:print", 1),)
