"""Curation: exact dedup, near dedup (renamed variables), per-source cap, removals, stats."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from tolk.corpus.curate import STEPS, CurationConfig, curate, diverse_subset, sample_files
from tolk.corpus.minhash import signatures
from tolk.corpus.store import SAMPLE_SCHEMA, write_shard

NO_BENCH = CurationConfig(humaneval=False)

SUM_F90 = """module candidate
  implicit none
contains
  function weighted_total(values, weight) result(total)
    real(8), intent(in) :: values(:)
    real(8), intent(in) :: weight
    real(8) :: total
    integer :: idx
    total = 0.0d0
    do idx = 1, size(values)
      if (values(idx) > 0.0d0) then
        total = total + values(idx) * weight
      end if
    end do
  end function weighted_total
end module candidate
"""

MAX_F90 = """module candidate
  implicit none
contains
  function largest_gap(xs) result(gap)
    integer(8), intent(in) :: xs(:)
    integer(8) :: gap
    integer :: i
    gap = 0
    do i = 2, size(xs)
      gap = max(gap, abs(xs(i) - xs(i - 1)))
    end do
  end function largest_gap
end module candidate
"""


def sample_row(i: int, *, code: str, lang: str = "fortran", source_id: str | None = None,
               python: str | None = None, shard: str = "a", **extra: Any) -> dict[str, Any]:
    """One SAMPLE_SCHEMA row (shared by the curation and view tests)."""
    row = {"id": f"s{i}", "source_id": source_id or f"src{i}", "source_uri": f"file://p{i}.py",
           "source_license": "mit", "function": f"f{i}",
           "python_source": python if python is not None else f"def f{i}(x):\n    return x + {i}\n",
           "ir_signature": "{}", "lang": lang, "target_code": code, "translator": "lowering",
           "strategy": "lowering", "model": "", "model_revision": "", "sampling_params": "{}",
           "prompt_hash": "", "repair_round": 0, "vectors_passed": 5, "vectors_total": 5,
           "toolchain": "gfortran", "toolchain_version": "12", "ran_on": "bwrap", "run_id": "r",
           "shard": shard, "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)}
    row.update(extra)
    return row


def write_rows(out: Path, shards: dict[str, list[dict[str, Any]]]) -> Path:
    for name, rows in shards.items():
        write_shard(out, name, rows, [], {"programs": len(rows)})
    return out


def rename(code: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        code = re.sub(rf"\b{old}\b", new, code)
    return code


def test_exact_duplicates_modulo_comments_case_and_spacing(tmp_path: Path) -> None:
    noisy = "! a comment\n" + SUM_F90.upper().replace("  ", "    ") + "! trailing\n"
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90), sample_row(2, code=MAX_F90)],
                          "b": [sample_row(3, code=noisy),
                                sample_row(4, code=SUM_F90, lang="julia")]})
    cur = curate(tmp_path, NO_BENCH)
    kept = cur.kept.collect()
    assert sorted(kept["id"]) == ["s1", "s2", "s4"]  # same text in another language stays
    assert cur.removals.to_dicts() == [{"id": "s3", "lang": "fortran", "source_id": "src3",
                                        "reason": "exact_duplicate",
                                        "detail": "exact_duplicate_of:s1", "field": ""}]
    assert cur.stats["fortran"] == {"sampled": 3, "exact_dedup": 2, "near_dedup": 2,
                                    "per_source_cap": 2, "decontaminated": 2}
    assert cur.stats["julia"]["decontaminated"] == 1
    assert kept.schema == pl.Schema(SAMPLE_SCHEMA)


def test_renamed_variable_copy_is_a_near_duplicate(tmp_path: Path) -> None:
    renamed = rename(SUM_F90, {"values": "arr", "weight": "w", "total": "acc", "idx": "k",
                               "weighted_total": "scaled_sum"})
    assert renamed != SUM_F90
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90), sample_row(2, code=MAX_F90),
                                sample_row(3, code=renamed)]})
    cur = curate(tmp_path, NO_BENCH)
    assert sorted(cur.kept.collect()["id"]) == ["s1", "s2"]
    (gone,) = cur.removals.to_dicts()
    assert (gone["id"], gone["reason"], gone["detail"]) == ("s3", "near_duplicate",
                                                            "near_duplicate_of:s1")
    assert cur.stats["fortran"]["exact_dedup"] == 3 and cur.stats["fortran"]["near_dedup"] == 2


def test_renaming_off_lets_renamed_copies_through(tmp_path: Path) -> None:
    renamed = rename(SUM_F90, {"values": "arr", "weight": "w", "total": "acc", "idx": "k"})
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90), sample_row(3, code=renamed)]})
    cur = curate(tmp_path, CurationConfig(humaneval=False, rename_identifiers=False))
    assert cur.stats["fortran"]["near_dedup"] == 2


def test_structural_edit_is_not_a_near_duplicate(tmp_path: Path) -> None:
    edited = SUM_F90.replace("if (values(idx) > 0.0d0) then\n        total = total + values(idx) * weight\n      end if",
                             "total = total - values(idx) / weight")
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90), sample_row(2, code=edited)]})
    assert curate(tmp_path, NO_BENCH).stats["fortran"]["near_dedup"] == 2


def _variants(n: int) -> list[str]:
    # Distinct programs for one source: different bodies, not near-duplicates of each other.
    ops = ["total + values(idx) * weight", "total - values(idx)", "max(total, values(idx))",
           "total + abs(values(idx)) ** 2", "min(total, values(idx) / weight)",
           "total * weight + 1.0d0", "total + sqrt(abs(values(idx)))"]
    return [SUM_F90.replace("total + values(idx) * weight", ops[i])
            .replace("0.0d0) then", f"{i}.5d0) then") for i in range(n)]


def test_per_source_cap_keeps_k_most_diverse(tmp_path: Path) -> None:
    *codes, other = _variants(7)  # six passing completions of one function, and one more
    rows = [sample_row(i, code=c, source_id="prog", function="f") for i, c in enumerate(codes)]
    rows.append(sample_row(99, code=MAX_F90, source_id="other"))
    # another function of the same file is another source program: not capped with them
    rows.append(sample_row(98, code=other, source_id="prog", function="g"))
    write_rows(tmp_path, {"a": rows})
    cur = curate(tmp_path, CurationConfig(humaneval=False, max_per_source=3,
                                          near_dup_threshold=0.95))
    kept = cur.kept.collect()
    assert kept.filter((pl.col("source_id") == "prog") & (pl.col("function") == "f")).height == 3
    assert {"s99", "s98", "s0"} <= set(kept["id"].to_list())
    capped = cur.removals.filter(pl.col("reason") == "per_source_cap")
    assert capped.height == 3 and set(capped["detail"]) == {"per_source_cap:3"}
    assert set(capped["id"]) <= {f"s{i}" for i in range(6)}
    assert cur.stats["fortran"]["per_source_cap"] == 5
    assert list(cur.stats["fortran"]) == list(STEPS)


def test_diverse_subset_prefers_dissimilar_rows() -> None:
    a = [str(i) for i in range(60)]
    b = a[:55] + ["x"] * 5  # close to a
    c = [f"c{i}" for i in range(60)]  # far from both
    sig = signatures([a, b, c])
    assert diverse_subset(sig, 2) == [0, 2]
    assert diverse_subset(sig, 5) == [0, 1, 2]


def test_incomplete_shards_are_ignored_and_empty_dir_works(tmp_path: Path) -> None:
    assert curate(tmp_path, NO_BENCH).stats == {}
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90)]})
    (tmp_path / "stats" / "a.json").unlink()
    assert sample_files(tmp_path) == []
    cur = curate(tmp_path, NO_BENCH)
    assert cur.kept.collect().height == 0 and cur.removals.height == 0


def test_config_validates_ranges() -> None:
    with pytest.raises(ValueError):
        CurationConfig(near_dup_threshold=1.5)
    assert CurationConfig().shingle_size == 5 and CurationConfig().num_perm == 128
    assert CurationConfig().max_per_source == 4 and CurationConfig().decontam_ngram == 13
