"""The dataset card: front matter that parses and names the files, a body that tells how."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from tests.test_layout import sample_row, samples, write_run
from tolk.corpus.card import (card_facts, card_metadata, render_card, run_command_from_plan,
                              size_category, split_front_matter, write_card)
from tolk.corpus.layout import write_layout
from tolk.corpus.store import SAMPLE_SCHEMA

STEPS = ("sampled", "exact_dedup", "near_dedup", "per_source_cap", "decontaminated")


def _curation_stats(df: pl.DataFrame) -> dict[str, dict[str, int]]:
    out = {}
    for (lang,), part in df.group_by("lang"):
        n = part.height
        out[lang] = dict(zip(STEPS, (n + 2, n + 1, n + 1, n, n)))
    return out


def _build(tmp_path: Path, df: pl.DataFrame, **layout_kw):
    out = tmp_path / "run"
    write_run(out, df, sorted(set(df["lang"])))
    removals = pl.DataFrame({"id": ["gone1", "gone2"], "lang": ["fortran", "fortran"],
                             "source_id": ["s", "s"], "reason": ["exact_dedup", "near_dedup"],
                             "detail": ["exact_duplicate_of:for0001", "near_duplicate_of:for0002"]})
    layout = write_layout(tmp_path / "hub", df, removals=removals, **layout_kw)
    facts = card_facts(out, layout, repo_id="someone/tolk-demo", kept=df, removals=removals,
                       curation_stats=_curation_stats(df),
                       publish_command=f"tolk publish {out} --repo someone/tolk-demo",
                       curation={"near_dup_threshold": 0.8})
    return out, layout, facts


def test_front_matter_parses_and_names_exactly_the_files(tmp_path: Path) -> None:
    df = samples(n_fortran=30, n_cobol=3)
    _, layout, facts = _build(tmp_path, df, views={"translate": df.select("id", "lang", "target_code")},
                              max_shard_bytes=4000)
    meta, body = split_front_matter(write_card(facts).read_text())
    assert [c["config_name"] for c in meta["configs"]] == ["cobol", "fortran", "translate"]
    assert meta["configs"][0]["default"] is True
    root = tmp_path / "hub"
    for c in meta["configs"]:
        (entry,) = c["data_files"]
        assert entry["split"] == "train"
        matched = sorted(p.relative_to(root).as_posix() for p in root.glob(entry["path"]))
        assert matched == list(layout.config(c["config_name"]).files) and matched
    every = sorted(p.relative_to(root).as_posix() for p in root.glob("data/**/*.parquet"))
    assert every == sorted(f for c in layout.configs for f in c.files)
    assert meta["license"] == "mit" and meta["size_categories"] == ["n<1K"]
    assert {"fortran", "cobol", "code"} <= set(meta["tags"])
    assert meta["task_categories"] == ["text-generation"]
    assert "## Reproduce" in body and "| published | 3 | 30 |" in body


def test_datasets_loads_every_config_with_the_funnel_counts(tmp_path: Path) -> None:
    import datasets
    from tolk.corpus.fim import fim_view
    from tolk.corpus.views import translate_view

    df = samples(n_fortran=12, n_cobol=5)
    views = {"translate": translate_view(df.lazy()), "fim": fim_view(df.lazy())}
    _, layout, facts = _build(tmp_path, df, max_shard_bytes=3000, views=views)
    write_card(facts)
    funnel = json.loads((tmp_path / "hub" / "funnel.json").read_text())
    assert len(layout.config("fortran").files) > 1
    for view in ("translate", "fim"):
        ds = datasets.load_dataset(str(tmp_path / "hub"), name=view, split="train",
                                   cache_dir=str(tmp_path / "cache"))
        assert ds.num_rows == layout.config(view).rows > 0
    assert layout.config("translate").rows == 17
    codes = dict(zip(df["id"], df["target_code"]))
    fim = datasets.load_dataset(str(tmp_path / "hub"), name="fim", split="train",
                                cache_dir=str(tmp_path / "cache"))
    assert all(r["prefix"] + r["middle"] + r["suffix"] == codes[r["sample_id"]] for r in fim)
    for lang, expected in (("fortran", 12), ("cobol", 5)):
        ds = datasets.load_dataset(str(tmp_path / "hub"), name=lang, split="train",
                                   cache_dir=str(tmp_path / "cache"))
        assert ds.num_rows == expected == funnel[lang]["published"]
        assert funnel[lang]["curation:decontaminated"] == expected
        assert set(ds["lang"]) == {lang}
        assert {"prompt", "response", "python_source", "target_code", "ran_on"} <= set(ds.column_names)


def test_funnel_chain_models_toolchains_and_where_it_ran(tmp_path: Path) -> None:
    df = samples(n_fortran=4, n_cobol=2)
    out, _, facts = _build(tmp_path, df)
    assert facts.funnel["fortran"] == {
        "programs_sampled": 5, "functions": 12, "typed": 11, "tested": 10, "translated": 5,
        "validated": 4, "curation:sampled": 6, "curation:exact_dedup": 5,
        "curation:near_dedup": 5, "curation:per_source_cap": 4, "curation:decontaminated": 4,
        "published": 4}
    assert facts.ran_on == {"cobol": {"bwrap": 2}, "fortran": {"bwrap": 4}}
    assert [t["toolchain_version"] for t in facts.toolchains] == ["cobc 3.1.2", "gfortran 12.2.0"]
    assert facts.models == [{"translator": "lowering", "strategy": "direct", "model": "",
                             "model_revision": "", "sampling_params": "", "rows": 6}]
    text = render_card(facts)
    assert "| validated | 2 | 4 |" in text
    assert "| fortran | gfortran 12.2.0 | 4 |" in text
    assert "- fortran: `bwrap` 4" in text
    assert "tolk run --source '/data/src dir' --to cobol,fortran" in text
    assert f"tolk publish {out} --repo someone/tolk-demo" in text
    assert "| fortran | near_dedup | 1 |" in text


def test_unverified_never_listed_and_mixed_licenses_are_other(tmp_path: Path) -> None:
    rows = [sample_row(0, "fortran", license="MIT"), sample_row(1, "fortran", license="Apache-2.0"),
            sample_row(2, "fortran", ran_on="unverified")]
    df = pl.DataFrame(rows, schema=SAMPLE_SCHEMA)
    _, _, facts = _build(tmp_path, df)
    assert facts.ran_on == {"fortran": {"bwrap": 2}}
    assert facts.license == "other"
    assert facts.source_licenses == {"Apache-2.0": 1, "MIT": 2}
    assert card_metadata(facts)["license"] == "other"


def test_card_is_deterministic(tmp_path: Path) -> None:
    df = samples()
    _, _, facts = _build(tmp_path, df)
    assert render_card(facts) == render_card(facts)
    _, _, facts2 = _build(tmp_path / "again", df.reverse())
    strip = lambda t: t.replace(str(tmp_path / "again"), str(tmp_path))  # noqa: E731
    assert strip(render_card(facts2)) == render_card(facts)


def test_size_categories_and_reproduce_line() -> None:
    assert [size_category(n) for n in (0, 999, 1000, 250_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "100K<n<1M"]
    plan = {"config": {"source": "src", "out": "o", "langs": ["fortran"], "translator": "vllm",
                       "model": "Qwen/Qwen2.5-Coder-7B", "temperature": 0.2, "n_inputs": 60}}
    line = run_command_from_plan(plan)
    assert line.startswith("tolk run --source src --to fortran --out o --n-inputs 60")
    assert "--translator vllm" in line and "--model Qwen/Qwen2.5-Coder-7B" in line
    assert run_command_from_plan({}) == ""


def test_a_language_curation_emptied_stays_in_the_funnel(tmp_path: Path) -> None:
    df = samples(n_fortran=3, n_cobol=0)
    out = tmp_path / "run"
    write_run(out, df, ["fortran", "cobol"])
    layout = write_layout(tmp_path / "hub", df)
    stats = {"fortran": dict.fromkeys(STEPS, 3), "cobol": {"sampled": 2, "decontaminated": 0}}
    facts = card_facts(out, layout, repo_id="a/b", kept=df, removals=None, curation_stats=stats,
                       publish_command="tolk publish run --repo a/b")
    assert [c["config_name"] for c in card_metadata(facts)["configs"]] == ["fortran"]
    assert facts.funnel["cobol"]["curation:sampled"] == 2 and facts.funnel["cobol"]["published"] == 0
    assert "| published | 0 | 3 |" in render_card(facts)


def _strength_rows(body: str) -> dict[str, list[str]]:
    """lang -> the cells of the validators' checks table (known-good ... re-checked)."""
    table = body.split("The validators themselves, per language:")[1].split("\n\n")[1]
    return {cells[1].strip(): [c.strip() for c in cells[2:7]]
            for cells in (line.split("|") for line in table.splitlines()[2:])}


def test_validator_checks_are_not_measured_without_records(tmp_path: Path) -> None:
    df = samples(n_fortran=3, n_cobol=2)
    out, _, facts = _build(tmp_path, df)
    body = split_front_matter(write_card(facts).read_text())[1]
    assert _strength_rows(body) == {lang: ["not measured"] * 5 for lang in ("cobol", "fortran")}
    assert f"`tolk selftest --hostile --json {out / 'selftest.json'}` measures it" in body
    assert f"`tolk verify {out}` does" in body
    record = json.loads((tmp_path / "hub" / "validators.json").read_text())
    assert record["selftest"] is None and record["checks"]["fortran"]["known_good"] == ""


def test_card_shows_selftest_hostile_and_verify_records(tmp_path: Path) -> None:
    df = samples(n_fortran=3, n_cobol=2)
    out = tmp_path / "run"
    out.mkdir()
    report = {"lang": "fortran", "known_good_passed": 29, "known_good_total": 30, "killed": 196,
              "changing_total": 200, "harness_errors": 0, "unverified": "",
              "hostile": {"cases": 21, "contained": 20, "not_contained": ["fork_bomb (x)"]}}
    cobol = {"lang": "cobol", "unverified": "toolchain unavailable: cobc missing"}
    (out / "selftest.json").write_text(json.dumps({
        "seed": 3, "source": "data/seed", "subjects": 30, "max_mutants_per_function": 6,
        "search_budget": 1000, "languages": [report, cobol]}))
    # verify passed fortran's first two rows and one id the card does not publish
    lines = [{"lang": "fortran", "id": i, "status": s} for i, s in
             (("for0000", "passed"), ("for0001", "passed"), ("for0002", "wrong_answer"),
              ("gone", "passed"))]
    (out / "verify.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    _, _, facts = _build(tmp_path, df)
    body = split_front_matter(write_card(facts).read_text())[1]
    assert _strength_rows(body) == {
        "cobol": ["not measured"] * 5,
        "fortran": ["29/30 (96.7%)", "196/200 (98.0%)", "0", "20/21 (95.2%)", "2/3 (66.7%)"]}
    assert "`tolk selftest --to cobol,fortran --source data/seed --seed 3 " in body
    assert "--search-budget 1000 --hostile`" in body and "the 30 functions of" in body
    assert "cobol: not measured where selftest ran: toolchain unavailable" in body
    assert "hostile cases not contained: fork_bomb (x)" in body
    assert "has not re-checked these rows" not in body


@pytest.mark.slow
def test_selftest_hostile_json_feeds_the_card(tmp_path: Path) -> None:
    """`tolk selftest --hostile --json OUT/selftest.json` on one function: the card states
    its numbers, and the hostile count is every fortran case, each contained."""
    import argparse

    from tolk.flows.cli_selftest import add_selftest_parser, selftest_command
    from tolk.toolchains.fortran import FORTRAN
    from tolk.validators.hostile import hostile_cases
    from tolk.validators.sandbox import available_executors

    if available_executors()["bwrap"] is not None:
        pytest.skip("hostile code runs only inside bubblewrap")
    src = tmp_path / "tiny.py"
    src.write_text("def add3(a: int, b: int, c: int) -> int:\n    return a + b + c\n")
    parser = argparse.ArgumentParser(prog="tolk")
    add_selftest_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["selftest", "--to", "fortran", "--source", str(src),
                              "--max-mutants-per-function", "2", "--search-budget", "20",
                              "--n-inputs", "10", "--hostile", "--no-progress",
                              "--json", str(tmp_path / "run" / "selftest.json")])
    assert selftest_command(args) == 0
    data = json.loads((tmp_path / "run" / "selftest.json").read_text())
    (lang,) = data["languages"]
    n = len(hostile_cases(FORTRAN))
    assert lang["hostile"]["cases"] == lang["hostile"]["contained"] == n >= 15
    assert all(r["status"] != "passed" and r["breaches"] == [] and r["reason"]
               for r in lang["hostile"]["results"])
    _, _, facts = _build(tmp_path, samples(n_fortran=2, n_cobol=1))
    cells = _strength_rows(split_front_matter(write_card(facts).read_text())[1])
    killed = f"{lang['killed']}/{lang['changing_total']}"
    assert cells["fortran"][:4] == ["1/1 (100.0%)", f"{killed} (100.0%)", "0",
                                    f"{n}/{n} (100.0%)"]
    assert cells["cobol"][:4] == ["not measured"] * 4  # selftest ran for fortran only


def test_the_runtime_limitation_names_exactly_the_targets_whose_runtime_may_be_absent(
        tmp_path: Path) -> None:
    df = samples(n_fortran=3, n_cobol=2)
    out = tmp_path / "run"
    write_run(out, df, ["fortran", "cobol"])
    layout = write_layout(tmp_path / "hub", df)
    kw = dict(repo_id="a/b", kept=df, removals=None, curation_stats=_curation_stats(df),
              publish_command="tolk publish run --repo a/b")
    assert not any("ran the candidate" in x for x in card_facts(out, layout, **kw).limitations)
    write_run(tmp_path / "run4", df, ["fortran", "cobol", "julia", "cuda"])
    facts = card_facts(tmp_path / "run4", layout, **kw)
    line = next(x for x in facts.limitations if "ran the candidate" in x)
    assert line.startswith("CUDA C++ and Julia rows exist only where a runtime (a GPU, julia)")
