"""Training views: translate pairs, FIM reassembly, repair pairs (fixed passes, broken fails)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from tolk.corpus.fim import FIM_SCHEMA, FimConfig, fim_rows, fim_view, statement_spans
from tolk.corpus.repair_pairs import (REPAIR_SCHEMA, MutantReport, RepairConfig, mutant_pairs,
                                      repair_view, verdict_feedback)
from tolk.corpus.store import SAMPLE_SCHEMA
from tolk.errors import UnsupportedProgram
from tolk.corpus.views import TRANSLATE_SCHEMA, TranslateConfig, translate_view
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import validate_candidate
from tolk.validators.verdict import FailingVector, Verdict, VerdictStatus
from tests.test_curate import sample_row

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"


def _seed_function(file: str, name: str) -> Function:
    source = (SEED / file).read_text()
    (fn,) = [f for f in analyze_source(source, uri=file, source_id=file)
             if isinstance(f, Function) and f.name == name]
    assert fn.body is not None
    return fn


def _lowered_rows(fn: Function, langs: list[str]) -> pl.LazyFrame:
    """Rows for the languages whose lowering takes fn (CUDA takes data-parallel ones only)."""
    rows = []
    for i, lang in enumerate(langs):
        try:
            code = get_toolchain(Lang(lang)).lower(fn)
        except UnsupportedProgram:
            continue
        rows.append(sample_row(i, code=code, lang=lang, python=fn.source,
                               source_id=fn.program.source_id, function=fn.name))
    return pl.DataFrame(rows, schema=SAMPLE_SCHEMA).lazy()


@pytest.fixture(scope="module")
def lowered() -> pl.LazyFrame:
    fns = [_seed_function("sorting.py", "bubble_sort"), _seed_function("arrays.py", "running_max"),
           _seed_function("parallel.py", "clamp_ints")]
    return pl.concat([_lowered_rows(fn, [str(lang) for lang in Lang]).with_columns(
        pl.col("id") + f"_{k}") for k, fn in enumerate(fns)])


# ---- translate ---------------------------------------------------------------------------

def test_translate_view_renders_pairs_next_to_provenance(lowered: pl.LazyFrame) -> None:
    df = translate_view(lowered).collect()
    kept = lowered.collect()
    assert df.columns == [*TRANSLATE_SCHEMA, *SAMPLE_SCHEMA]
    assert df["id"].to_list() == kept["id"].to_list()
    row = df.row(0, named=True)
    assert row["prompt"].startswith("Translate this Python function to Fortran.")
    assert row["python_source"] in row["prompt"]
    assert row["response"] == f"```fortran\n{row['target_code']}\n```"
    assert row["content"] == row["prompt"] + "\n\n" + row["response"]
    assert "to CUDA C++." in df.filter(pl.col("lang") == "cuda")["prompt"][0]


def test_translate_view_formats_are_configurable(lowered: pl.LazyFrame) -> None:
    cfg = TranslateConfig(prompt_template="### {function} ({lang})\n{python_source}",
                          response_template="{target_code}", content_template="{prompt}\n---\n{response}",
                          columns="content")
    df = translate_view(lowered, cfg).collect()
    assert "prompt" not in df.columns and df.columns[0] == "content"
    row = df.row(0, named=True)
    assert row["content"] == f"### {row['function']} ({row['lang']})\n{row['python_source']}\n---\n{row['target_code']}"
    with pytest.raises(ValueError, match="nope"):
        translate_view(lowered, TranslateConfig(prompt_template="{nope}"))


# ---- fim ---------------------------------------------------------------------------------

def test_fim_samples_reassemble_exactly_in_every_language(lowered: pl.LazyFrame) -> None:
    df = fim_view(lowered, FimConfig(single_line=2, multi_line=2)).collect()
    assert df.columns[:len(FIM_SCHEMA)] == list(FIM_SCHEMA)
    kept = dict(lowered.select("id", "target_code").collect().iter_rows())
    assert set(df["sample_id"]) == set(kept)  # every program yields samples
    for r in df.iter_rows(named=True):
        assert r["prefix"] + r["middle"] + r["suffix"] == kept[r["sample_id"]] == r["target_code"]
        assert r["middle"].strip()
        assert r["prefix"] == "" or r["prefix"].endswith("\n")  # cut at a line start
        n_lines = r["middle"].rstrip("\n").count("\n") + 1
        assert (n_lines == 1) == (r["span"] == "single_line")
        assert r["content"] == f"<fim_prefix>{r['prefix']}<fim_suffix>{r['suffix']}<fim_middle>{r['middle']}"
    spans = df.group_by("lang", "span").len()
    assert spans.height == 8  # both kinds in all four languages


def test_fim_spans_are_statements(lowered: pl.LazyFrame) -> None:
    code = lowered.filter(pl.col("lang") == "julia").collect()["target_code"][0]
    middles = {code[s.start:s.end] for s in statement_spans(code, "julia")}
    assert "    n = length(a)\n" in middles
    assert not any(m.startswith("function ") for m in middles)  # never the whole program
    assert not any(m.strip().startswith("end") and m.count("\n") == 1 for m in middles)
    fortran = lowered.filter(pl.col("lang") == "fortran").collect()["target_code"][0]
    multi = [fortran[s.start:s.end] for s in statement_spans(fortran, "fortran") if s.kind == "multi_line"]
    assert any(m.lstrip().startswith("do ") and m.rstrip().endswith("end do") for m in multi)
    cobol = lowered.filter(pl.col("lang") == "cobol").collect()["target_code"][0]
    # COBOL's int64 guards (ON SIZE ERROR on every store) make a loop longer than the
    # default 12-line span cap
    multi = [cobol[s.start:s.end] for s in statement_spans(cobol, "cobol", max_lines=60)
             if s.kind == "multi_line"]
    assert any(m.lstrip().startswith("PERFORM VARYING") and m.rstrip().endswith("END-PERFORM") for m in multi)


def test_fim_is_deterministic_and_sentinels_configurable(lowered: pl.LazyFrame) -> None:
    code = lowered.collect()["target_code"][0]
    a = list(fim_rows("x", "fortran", code, FimConfig(seed=3)))
    assert a == list(fim_rows("x", "fortran", code, FimConfig(seed=3)))
    assert any(list(fim_rows("x", "fortran", code, FimConfig(seed=s))) != a for s in range(4, 9))
    spm = FimConfig(prefix_token="<PRE>", suffix_token="<SUF>", middle_token="<MID>", mode="spm")
    (r, *_) = fim_rows("x", "fortran", code, spm)
    assert r["content"] == f"<PRE><SUF>{r['suffix']}<MID>{r['prefix']}{r['middle']}"
    assert list(fim_rows("x", "fortran", "", FimConfig())) == []


# ---- repair ------------------------------------------------------------------------------

def test_repair_loop_pairs_from_optional_columns(lowered: pl.LazyFrame) -> None:
    assert repair_view(lowered).collect().height == 0  # columns absent: no pairs, no error
    with_loop = lowered.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(1).otherwise(0).cast(pl.Int32).alias("repair_round"),
        pl.lit("broken code").alias("repair_from_code"),
        pl.lit("compile_error: line 3").alias("repair_feedback"))
    df = repair_view(with_loop).collect()
    assert df.columns[:len(REPAIR_SCHEMA)] == list(REPAIR_SCHEMA)
    (row,) = df.to_dicts()
    first = lowered.collect().row(0, named=True)
    assert (row["origin"], row["broken_code"], row["feedback"]) == ("repair_loop", "broken code",
                                                                    "compile_error: line 3")
    assert row["fixed_code"] == first["target_code"] and row["sample_id"] == first["id"]
    assert "broken code" in row["prompt"] and "compile_error: line 3" in row["prompt"]
    assert row["response"] == f"```fortran\n{first['target_code']}\n```"


def test_verdict_feedback_names_the_failing_vector() -> None:
    v = Verdict(VerdictStatus.WRONG_ANSWER, 3, 10, FailingVector(3, "([1, 2],)", "[1, 2]", "[2, 1]"))
    text = verdict_feedback(v)
    assert "wrong_answer 3/10" in text and "expected: [1, 2]" in text and "got: [2, 1]" in text
    assert len(verdict_feedback(Verdict(VerdictStatus.COMPILE_ERROR, compiler_output="x" * 5000), 200)) == 200


def test_mutant_pairs_skip_samples_that_are_not_lowerings(lowered: pl.LazyFrame) -> None:
    edited = lowered.filter(pl.col("lang") == "fortran").with_columns(
        pl.col("target_code") + "\n! edited by a model")
    report = MutantReport()
    pairs = mutant_pairs(edited.collect(), RepairConfig(max_samples_per_lang=1), report=report)
    assert pairs.height == 0 and dict(report.counts) == {"not_lowered": 1}
    fake = edited.with_columns(pl.lit("def g(:").alias("python_source")).collect()
    report = MutantReport()
    mutant_pairs(fake, RepairConfig(max_samples_per_lang=None), report=report)
    assert dict(report.counts) == {"no_body_ir": fake.height}


@pytest.mark.slow
def test_mutant_pairs_fixed_passes_broken_fails() -> None:
    fn = _seed_function("arrays.py", "running_max")
    kept = _lowered_rows(fn, ["fortran"])
    cfg = RepairConfig(n_inputs=20, seed=0, mutants_per_sample=2, max_tries=4)
    report = MutantReport()
    pairs = mutant_pairs(kept.collect(), cfg, report=report)
    assert pairs.height >= 1, report.counts
    view = repair_view(kept, cfg, mutants=pairs).collect()
    assert view.height == pairs.height and set(view["origin"]) == {"mutant"}
    toolchain = get_toolchain(Lang.FORTRAN)
    suite = build_test_suite(fn, n_inputs=cfg.n_inputs, seed=cfg.seed)
    row = view.row(0, named=True)
    assert validate_candidate(row["fixed_code"], fn.signature, suite, toolchain).ok
    broken = validate_candidate(row["broken_code"], fn.signature, suite, toolchain)
    assert not broken.ok and broken.status is not VerdictStatus.UNVERIFIED
    assert row["feedback"].startswith(f"verdict: {broken.status}")


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fortran", "cobol"])
def test_fim_samples_reassemble_into_a_program_that_validates(lang: str) -> None:
    fn = _seed_function("arrays.py", "running_max")
    kept = _lowered_rows(fn, [lang])
    code = kept.collect()["target_code"][0]
    suite = build_test_suite(fn, n_inputs=20, seed=0)
    assert validate_candidate(code, fn.signature, suite, get_toolchain(Lang(lang))).ok
    samples = fim_view(kept, FimConfig(single_line=3, multi_line=3)).collect()
    assert samples.height >= 4
    for r in samples.iter_rows(named=True):
        assert r["prefix"] + r["middle"] + r["suffix"] == code
