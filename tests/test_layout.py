"""The Hub folder layout: configs per language and view, bounded shards, determinism."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tolk.corpus.layout import write_layout
from tolk.corpus.store import SAMPLE_SCHEMA, write_shard


def sample_row(i: int, lang: str, *, source: str | None = None, ran_on: str = "bwrap",
               license: str = "MIT") -> dict[str, Any]:
    """A passed-sample record as the store holds it (synthetic code, real schema)."""
    code = (f"module m{i}\ncontains\n  function f{i}(a) result(r)\n    r = a + {i}\n  end function\nend module\n"
            if lang == "fortran" else f"       IDENTIFICATION DIVISION.\n       PROGRAM-ID. F{i}.\n")
    return {
        "id": f"{lang[:3]}{i:04d}", "source_id": source or f"src{i // 2}", "source_uri": f"mem/p{i}.py",
        "source_license": license, "function": f"f{i}",
        "python_source": f"def f{i}(a: int) -> int:\n    return a + {i}\n",
        "ir_signature": json.dumps({"name": f"f{i}"}), "lang": lang, "target_code": code,
        "translator": "lowering", "strategy": "direct", "model": "", "model_revision": "",
        "sampling_params": "", "prompt_hash": "", "repair_round": 0, "vectors_passed": 20,
        "vectors_total": 20, "toolchain": "gfortran" if lang == "fortran" else "cobc",
        "toolchain_version": "gfortran 12.2.0" if lang == "fortran" else "cobc 3.1.2",
        "ran_on": ran_on, "run_id": "r1", "shard": "s0",
        "created_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
    }


def samples(n_fortran: int = 7, n_cobol: int = 3) -> pl.DataFrame:
    rows = [sample_row(i, "fortran") for i in range(n_fortran)]
    rows += [sample_row(i, "cobol") for i in range(n_cobol)]
    return pl.DataFrame(rows, schema=SAMPLE_SCHEMA)


def write_run(out: Path, df: pl.DataFrame, langs: list[str]) -> None:
    """A run directory as build_corpus leaves it: one complete shard, stats, plan.json."""
    counts = df.group_by("lang").agg(pl.len()).rows()
    stats = {"programs": 5, "functions": 12, "frontend_accepted": 11, "tested": 10,
             "with_body_ir": 10}
    for lang, n in counts:
        stats[f"translated:{lang}"] = n + 1
        stats[f"passed:{lang}"] = n
        stats[f"validated:{lang}:passed"] = n
        stats[f"ran_on:{lang}:bwrap"] = n
    write_shard(out, "00000-abc", df.to_dicts(), [], stats)
    (out / "plan.json").write_text(json.dumps({"run_id": "r1", "programs": 5, "shards": ["00000-abc"],
                                               "config": {"source": "/data/src dir", "out": str(out),
                                                          "langs": langs, "translator": "lowering",
                                                          "shard_size": 4, "n_inputs": 20, "seed": 0,
                                                          "executor": "auto", "run_timeout_s": 10.0,
                                                          "batch_size": 16, "max_programs": None}}))


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_one_config_per_language_with_text_and_provenance(tmp_path: Path) -> None:
    layout = write_layout(tmp_path / "hub", samples().lazy(), removals=None)
    assert [c.name for c in layout.configs] == ["cobol", "fortran"]
    fortran = layout.config("fortran")
    assert fortran.files == ("data/fortran/train-00000-of-00001.parquet",)
    df = pl.read_parquet(tmp_path / "hub" / fortran.files[0])
    assert df.height == fortran.rows == 7
    assert df.columns[:2] == ["prompt", "response"]
    assert set(SAMPLE_SCHEMA) <= set(df.columns)
    assert df["id"].to_list() == sorted(df["id"].to_list())
    row = df.row(0, named=True)
    assert "Fortran" in row["prompt"] and row["python_source"].strip() in row["prompt"]
    assert row["response"] == f"```fortran\n{row['target_code']}\n```"


def test_content_format_is_the_validated_program(tmp_path: Path) -> None:
    layout = write_layout(tmp_path / "hub", samples(), text_format="content")
    df = pl.read_parquet(tmp_path / "hub" / layout.config("cobol").files[0])
    assert df.columns[0] == "content" and "prompt" not in df.columns
    assert df["content"].to_list() == df["target_code"].to_list()


def test_shards_are_bounded_and_cover_every_row_once(tmp_path: Path) -> None:
    df = samples(n_fortran=40, n_cobol=0)
    per_row = df.estimated_size() // df.height
    layout = write_layout(tmp_path / "hub", df, max_shard_bytes=per_row * 6)
    files = layout.config("fortran").files
    assert len(files) >= 6
    assert files[0].endswith(f"train-00000-of-{len(files):05d}.parquet")
    parts = [pl.read_parquet(tmp_path / "hub" / f) for f in files]
    assert all(p.height <= 6 for p in parts)
    ids = pl.concat(parts)["id"].to_list()
    assert sorted(ids) == ids and len(set(ids)) == 40


def test_same_input_gives_byte_identical_files(tmp_path: Path) -> None:
    df = samples()
    removals = pl.DataFrame({"id": ["x2", "x1"], "lang": ["fortran", "cobol"],
                             "reason": ["near_dedup", "exact_dedup"]})
    views = {"translate": df.select("id", "lang", "target_code")}
    write_layout(tmp_path / "a", df, removals=removals, views=views, max_shard_bytes=2000)
    shuffled = df.sample(fraction=1.0, shuffle=True, seed=7)
    write_layout(tmp_path / "b", shuffled.lazy(), removals=removals.reverse(),
                 views={"translate": views["translate"].reverse()}, max_shard_bytes=2000)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) > 3 and a == b
    again = write_layout(tmp_path / "a", df, removals=removals, views=views, max_shard_bytes=2000)
    assert _files(tmp_path / "a") == a and again.removals_rows == 2


def test_rewrite_drops_stale_shards_and_empty_configs(tmp_path: Path) -> None:
    dest = tmp_path / "hub"
    write_layout(dest, samples(n_fortran=30, n_cobol=2), max_shard_bytes=3000)
    assert len(list((dest / "data" / "fortran").glob("*.parquet"))) > 1
    layout = write_layout(dest, samples(n_fortran=2, n_cobol=0), views={"fim": samples(0, 0)})
    assert [c.name for c in layout.configs] == ["fortran"]  # no rows, no config
    assert sorted(p.name for p in (dest / "data").rglob("*.parquet")) == [
        "train-00000-of-00001.parquet"]


def test_view_named_like_a_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="collides"):
        write_layout(tmp_path / "hub", samples(), views={"fortran": samples()})
