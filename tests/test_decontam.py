"""Decontamination against HumanEval and user benchmark files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl

from tolk.corpus.curate import CurationConfig, curate
from tolk.corpus.decontam import Decontaminator, file_docs, humaneval_docs, humaneval_path
from tests.test_curate import MAX_F90, SUM_F90, sample_row, write_rows


def _problem(n: int) -> dict:
    with gzip.open(humaneval_path(), "rt") as fh:
        return [json.loads(line) for line in fh][n]


def test_humaneval_is_read_from_the_package() -> None:
    docs = humaneval_docs()
    assert len(docs) == 164
    assert docs[12].name == "humaneval/HumanEval_12"
    assert "def longest" in docs[12].text


def test_planted_solution_caught_in_python_and_in_other_language_target(tmp_path: Path) -> None:
    p12, p40 = _problem(12), _problem(40)
    # A Python source that is HumanEval/12, translated to Fortran, and a COBOL row whose
    # target code carries HumanEval/40's canonical solution (re-indented).
    planted_py = p12["prompt"] + p12["canonical_solution"]
    planted_target = "       IDENTIFICATION DIVISION.\n" + p40["canonical_solution"].replace("    ", "\t")
    write_rows(tmp_path, {"a": [sample_row(1, code=SUM_F90, python=planted_py),
                                sample_row(2, code=MAX_F90),
                                sample_row(3, code=planted_target, lang="cobol"),
                                sample_row(4, code="       DISPLAY 'clean'.", lang="cobol")]})
    cur = curate(tmp_path, CurationConfig())
    assert sorted(cur.kept.collect()["id"]) == ["s2", "s4"]
    got = {r["id"]: (r["reason"], r["detail"], r["field"]) for r in cur.removals.to_dicts()}
    assert got == {"s1": ("decontaminated", "decontaminated:humaneval/HumanEval_12", "python_source"),
                   "s3": ("decontaminated", "decontaminated:humaneval/HumanEval_40", "target_code")}
    assert cur.stats["cobol"]["decontaminated"] == 1 and cur.stats["fortran"]["decontaminated"] == 1
    # With HumanEval switched off nothing is removed.
    assert curate(tmp_path, CurationConfig(humaneval=False)).removals.height == 0


def test_ngram_and_substring_checks_separately() -> None:
    p = _problem(7)
    body = "  ".join(p["canonical_solution"].split())  # whitespace mangled solution body
    doc_run = " ".join(p["prompt"].split("\"\"\"")[1].split()[:14])  # docstring words, no code
    clean = "def f(x):\n    return x + 1\n"
    only_substring = Decontaminator(humaneval_docs(), ngram=50, min_substring_chars=40)
    only_ngram = Decontaminator(humaneval_docs(), ngram=13, min_substring_chars=10_000)
    assert only_substring.find([body, doc_run, clean]) == ["humaneval/HumanEval_7", None, None]
    assert only_ngram.find([doc_run, clean]) == ["humaneval/HumanEval_7", None]
    assert only_ngram.find([doc_run[: len(doc_run) // 3]]) == [None]  # fewer than 13 tokens


def test_common_code_is_not_flagged() -> None:
    dec = Decontaminator(humaneval_docs())
    clean = ["def add(a, b):\n    return a + b\n",
             "def mean(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total / len(xs)\n",
             SUM_F90, MAX_F90]
    assert dec.find(clean) == [None] * 4


def test_user_benchmark_files(tmp_path: Path) -> None:
    py = tmp_path / "mybench.py"
    py.write_text("import math\n\ndef secret_kernel(a, b):\n    acc = 0\n    for i in range(a):\n"
                  "        acc += math.gcd(i, b) * 31 % 7\n    return acc\n")
    jl = tmp_path / "tasks.jsonl"
    jl.write_text(json.dumps({"task_id": "T/1", "solution": "function zeta_sum(n)\n  s = 0\n  for k in 1:n\n"
                             "    s += 1 / k^3\n  end\n  return s\nend"}) + "\n")
    txt = tmp_path / "notes.txt"
    txt.write_text("first paragraph\n\nsecond paragraph with the quick brown fox jumping over a lazy dog twice\n")
    assert [d.name for d in file_docs(py)] == ["mybench/secret_kernel"]
    assert [d.name for d in file_docs(jl)] == ["tasks/T/1"]
    assert [d.name for d in file_docs(txt)] == ["notes/0", "notes/1"]
    write_rows(tmp_path / "out", {"a": [
        sample_row(1, code=SUM_F90, python=py.read_text().split("\n\n", 1)[1]),
        sample_row(2, code="# ported\n" + json.loads(jl.read_text())["solution"], lang="julia"),
        sample_row(3, code=MAX_F90)]})
    cur = curate(tmp_path / "out", CurationConfig(humaneval=False, benchmark_files=(py, jl, txt)))
    assert dict(cur.removals.select("id", "detail").iter_rows()) == {
        "s1": "decontaminated:mybench/secret_kernel", "s2": "decontaminated:tasks/T/1"}
    assert cur.kept.collect()["id"].to_list() == ["s3"]
    assert cur.removals.filter(pl.col("reason") != "decontaminated").height == 0
