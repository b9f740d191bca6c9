"""Rows carry their tests; `tolk verify` re-validates a run, a Hub folder or an hf: repo.

A real run (fortran, cobol, julia) over two seed functions with julia hidden
($TOLK_JULIA at nothing), so julia's candidates end `unverified` and are published in the
`unverified` config; verify with julia back promotes them (issue 21's acceptance).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests._julia import require_julia
from tests._local_hub import LocalHub
from tolk.corpus.card import split_front_matter
from tolk.corpus.row_tests import suite_of
from tolk.corpus.verify import load_rows, verify_rows
from tolk.errors import ConfigError
from tolk.flows.cli_publish import add_publish_parser, publish_command
from tolk.flows.cli_verify import add_verify_parser, verify_command

REPO = "someone/tolk-verify"
SOURCE = ("def add3(a: int, b: int, c: int) -> int:\n    return a + b + c\n\n"
          "def mix3(a: int, b: int, c: int) -> int:\n    t = 0\n    for i in range(3):\n"
          "        if a > i:\n            t += b - i\n        else:\n            t -= c\n"
          "    return t\n")


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tolk")
    sub = parser.add_subparsers(dest="command", required=True)
    add_publish_parser(sub)
    add_verify_parser(sub, ["auto", "bwrap", "podman", "docker", "host"])
    return parser.parse_args(list(argv))


def _report(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    """`tolk publish --dry-run` of a run made with julia hidden."""
    from tolk.flows.build_corpus import build_corpus
    from tolk.flows.config import BuildConfig

    root = tmp_path_factory.mktemp("verify-run")
    (root / "src").mkdir()
    (root / "src" / "tiny.py").write_text(SOURCE)
    out = root / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TOLK_JULIA", str(root / "no-julia-here"))  # runtime_problem() non-None
        summary = build_corpus(BuildConfig(source=str(root / "src"), out=str(out),
                                           langs=["fortran", "cobol", "julia"], n_inputs=10))
    assert summary.passed["fortran"] == summary.passed["cobol"] == 2
    assert summary.passed["julia"] == 0
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: no network
        assert publish_command(_args("publish", str(out), "--repo", REPO, "--dry-run",
                                     "--views", "rl,translate")) == 0
    return out / "hub"


@pytest.mark.slow
def test_published_rows_carry_their_tests_and_load(folder: Path, tmp_path: Path) -> None:
    import datasets

    meta, body = split_front_matter((folder / "README.md").read_text())
    assert [c["config_name"] for c in meta["configs"]] == ["cobol", "fortran", "rl", "translate",
                                                           "unverified"]
    assert "`tests`" in body and "tolk verify" in body
    strength = {line.split("|")[1].strip(): [x.strip() for x in line.split("|")[2:7]]
                for line in body.split("### How strong the validators are")[1]
                .split("The validators themselves")[0].splitlines()
                if line.startswith("| fortran") or line.startswith("| cobol")}
    for lang, (rows, scored, mean, low, vectors) in strength.items():  # rows, scored, ...
        assert (rows, scored) == ("2", "2") and 0.98 <= float(low) <= float(mean) <= 1.0
        assert float(vectors) > 0
    assert sorted(strength) == ["cobol", "fortran"]
    for lang in ("fortran", "cobol"):
        ds = datasets.load_dataset(str(folder), name=lang, split="train",
                                   cache_dir=str(tmp_path / "cache"))
        assert ds.num_rows == 2
        for row in ds:
            sig, suite = suite_of(row)
            assert sig.name == row["function"]
            assert len(suite.vectors) == row["vectors_total"] == row["vectors_passed"] > 0
            assert any(v.shown for v in suite.vectors) and any(not v.shown for v in suite.vectors)
            assert suite.rel_tol > 0 and json.loads(row["tests"])["abs_tol"] == suite.abs_tol
            assert row["function"] in row["contract"]
            assert row["toolchain_command"].split()[0] == {"fortran": "gfortran",
                                                          "cobol": "cobc"}[lang]
            assert "-fcheck=all" in row["toolchain_command"] or lang == "cobol"
    pending = datasets.load_dataset(str(folder), name="unverified", split="train",
                                    cache_dir=str(tmp_path / "cache"))
    assert sorted(pending["function"]) == ["add3", "mix3"] and set(pending["lang"]) == {"julia"}
    assert set(pending["ran_on"]) == {"static-only"} and set(pending["vectors_passed"]) == {0}
    assert all(suite_of(r)[1].vectors for r in pending)


@pytest.mark.slow
def test_verify_passes_every_row_of_the_folder(folder: Path, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    require_julia()
    report = tmp_path / "report.jsonl"
    assert verify_command(_args("verify", str(folder), "--report", str(report))) == 0
    rows = _report(report)
    assert len(rows) == 6 and {r["status"] for r in rows} == {"passed"}
    assert all(r["passed"] == r["total"] > 0 for r in rows)
    julia = [r for r in rows if r["lang"] == "julia"]
    assert {r["origin"] for r in julia} == {"unverified"}
    assert all(r["ran_on"].startswith("bwrap") or r["ran_on"].startswith("podman")
               for r in julia)
    printed = capsys.readouterr().out
    assert "FAILED" not in printed and f"report: {report}" in printed


def _corrupt(folder: Path, dest: Path, lang: str, change) -> str:
    """Copy the folder, change one row of `lang` with change(row) -> row; its id."""
    shutil.copytree(folder, dest)
    (shard,) = sorted((dest / "data" / lang).glob("*.parquet"))
    df = pl.read_parquet(shard)
    rows = df.to_dicts()
    target = next(i for i, r in enumerate(rows) if r["function"] == "add3")
    rows[target] = change(rows[target], rows)
    pl.DataFrame(rows, schema=df.schema).write_parquet(shard)
    return rows[target]["id"]


@pytest.mark.slow
def test_verify_reports_exactly_the_row_whose_expected_value_was_changed(
        folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def bump_expected(row: dict, _: list[dict]) -> dict:
        tests = json.loads(row["tests"])
        tests["vectors"][0][1] += 1
        return {**row, "tests": json.dumps(tests)}

    bad = _corrupt(folder, tmp_path / "f", "cobol", bump_expected)
    report = tmp_path / "report.jsonl"
    assert verify_command(_args("verify", str(tmp_path / "f"), "--config", "cobol",
                                "--config", "fortran", "--report", str(report))) == 1
    rows = _report(report)
    failed = [r for r in rows if r["status"] != "passed"]
    assert len(rows) == 4 and [r["id"] for r in failed] == [bad]
    assert failed[0]["status"] == "wrong_answer" and failed[0]["failing_vector"]["index"] == 0
    printed = capsys.readouterr().out
    assert [line.split()[2] for line in printed.splitlines() if line.startswith("FAILED")] == [bad]


@pytest.mark.slow
def test_verify_reports_exactly_the_row_whose_code_was_changed(
        folder: Path, tmp_path: Path) -> None:
    def other_body(row: dict, rows: list[dict]) -> dict:
        mul = next(r for r in rows if r["function"] == "mix3")
        return {**row, "target_code": mul["target_code"].replace("mix3", "add3")}

    bad = _corrupt(folder, tmp_path / "f", "fortran", other_body)
    report = tmp_path / "report.jsonl"
    assert verify_command(_args("verify", str(tmp_path / "f"), "--config", "fortran",
                                "--report", str(report))) == 1
    failed = [r for r in _report(report) if r["status"] != "passed"]
    assert [r["id"] for r in failed] == [bad]
    assert failed[0]["status"] in ("wrong_answer", "runtime_error")


@pytest.mark.slow
def test_verify_write_promotes_unverified_julia_rows(folder: Path, tmp_path: Path) -> None:
    import datasets

    require_julia()
    dest = tmp_path / "verified"
    assert verify_command(_args("verify", str(folder), "--write", str(dest))) == 0
    meta, body = split_front_matter((dest / "README.md").read_text())
    # the folder's views are re-made over the rows kept: the promoted julia rows are in them
    assert [c["config_name"] for c in meta["configs"]] == ["cobol", "fortran", "julia", "rl",
                                                           "translate"]
    assert "promoted 2" in body and not (dest / "data" / "unverified").exists()
    julia = datasets.load_dataset(str(dest), name="julia", split="train",
                                  cache_dir=str(tmp_path / "cache"))
    assert sorted(julia["function"]) == ["add3", "mix3"]
    assert "static-only" not in set(julia["ran_on"])
    assert all(r["vectors_passed"] == r["vectors_total"] > 0 for r in julia)
    assert all(r["prompt"] and "```julia" in r["response"] for r in julia)
    assert len(_report(dest / "verify.jsonl")) == 6
    for view in ("rl", "translate"):
        rows = datasets.load_dataset(str(dest), name=view, split="train",
                                     cache_dir=str(tmp_path / "cache")).to_polars()
        assert sorted(zip(rows["lang"], rows["function"])) == [
            (lang, f) for lang in ("cobol", "fortran", "julia") for f in ("add3", "mix3")]
        assert set(rows.filter(pl.col("lang") == "julia")["id"]) == set(julia["id"])
    # the card re-states the configs and counts, and what verify re-checked
    assert "| `julia` | language | 2 |" in body and "| `rl` | view | 6 |" in body
    assert "| `unverified` |" not in body and "`rl` (6 rows)" in body
    checks = {line.split("|")[1].strip(): line.split("|")[6].strip()
              for line in body.split("The validators themselves")[1].splitlines()
              if line.startswith("| ") and "---" not in line and "lang |" not in line}
    assert checks == {lang: "2/2 (100.0%)" for lang in ("cobol", "fortran", "julia")}
    assert "| julia | 2 | 2 |" in body  # the suites' table counts the promoted rows
    record = json.loads((dest / "validators.json").read_text())
    assert record["checks"]["julia"]["verified"] == "2/2 (100.0%)"
    funnel = json.loads((dest / "funnel.json").read_text())
    assert {lang: f["published"] for lang, f in funnel.items()} == {
        "cobol": 2, "fortran": 2, "julia": 2}
    assert "| verify:promoted | 0 | 0 | 2 |\n| published | 2 | 2 | 2 |" in body


@pytest.mark.slow
def test_verify_of_a_run_is_the_share_the_next_publish_shows(folder: Path, tmp_path: Path) -> None:
    """`tolk verify OUT` keeps its report in OUT; the card of the next publish reads it."""
    run = tmp_path / "run"
    shutil.copytree(folder.parent, run, ignore=shutil.ignore_patterns("hub"))
    assert verify_command(_args("verify", str(run), "--config", "fortran")) == 0
    assert {r["lang"] for r in _report(run / "verify.jsonl")} == {"fortran"}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
        assert publish_command(_args("publish", str(run), "--repo", REPO, "--dry-run")) == 0
    body = split_front_matter((run / "hub" / "README.md").read_text())[1]
    cells = {line.split("|")[1].strip(): line.split("|")[6].strip()
             for line in body.split("The validators themselves")[1].splitlines()
             if line.startswith("| ") and "---" not in line and "lang |" not in line}
    # fortran re-checked; cobol not covered by the report; julia has no config here
    assert cells == {"cobol": "not measured", "fortran": "2/2 (100.0%)", "julia": "not measured"}


@pytest.mark.slow
def test_verify_reads_an_hf_repo_from_the_loopback_hub(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as hf_constants

    from tolk.corpus.publish import publish_folder

    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_TOKEN", "hf_verify_secret")
    with LocalHub(token="hf_verify_secret") as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        publish_folder(folder, REPO)
        report = tmp_path / "report.jsonl"
        code = verify_command(_args("verify", f"hf:{REPO}@main", "--config", "fortran",
                                    "--report", str(report)))
        with pytest.raises(ConfigError, match="cannot download"):
            load_rows("hf:someone/absent", tmp_path / "w")
        dest = tmp_path / "from-hub"
        assert verify_command(_args("verify", f"hf:{REPO}", "--config", "cobol",
                                    "--write", str(dest))) == 0
    rows = _report(report)
    assert code == 0 and len(rows) == 2 and {r["status"] for r in rows} == {"passed"}
    # the records behind the card come along: the re-stated card keeps the source's numbers
    assert json.loads((dest / "funnel.json").read_text())["cobol"]["published"] == 2
    record = json.loads((dest / "validators.json").read_text())
    assert record["checks"]["cobol"]["verified"] == "2/2 (100.0%)"
    assert record["commands"] == json.loads((folder / "validators.json").read_text())["commands"]


def test_rows_without_tests_are_reported_not_skipped(tmp_path: Path) -> None:
    from tolk.corpus.store import SAMPLE_SCHEMA

    row = {c: None for c in SAMPLE_SCHEMA}
    row.update(id="x1", lang="fortran", function="f", target_code="", ran_on="bwrap",
               ir_signature=json.dumps({"name": "f", "params": [["a", "int"]], "returns": "int"}))
    frame = pl.DataFrame([row], schema=SAMPLE_SCHEMA).with_columns(origin=pl.lit("sample"))
    (check,) = verify_rows(frame)
    assert check.status == "no_tests" and "no tests" in check.reason and check.id == "x1"
    (other,) = verify_rows(frame.with_columns(lang=pl.lit("rust")))
    assert other.status == "unknown_lang" and "rust" in other.reason
    with pytest.raises(ConfigError, match="neither a run output directory"):
        load_rows(str(tmp_path), tmp_path / "w")


@pytest.mark.slow
def test_rl_view_is_one_task_per_function_and_language_scored_by_its_tests(
        folder: Path, tmp_path: Path) -> None:
    import datasets

    rl = datasets.load_dataset(str(folder), name="rl", split="train",
                               cache_dir=str(tmp_path / "cache"))
    tasks = rl.to_polars()
    assert tasks.columns[:4] == ["prompt", "tests", "contract", "reference_solution"]
    assert sorted(zip(tasks["function"], tasks["lang"])) == [
        ("add3", "cobol"), ("add3", "fortran"), ("mix3", "cobol"), ("mix3", "fortran")]
    for row in tasks.iter_rows(named=True):
        assert row["python_source"] in row["prompt"] and row["contract"] in row["prompt"]
        assert row["reference_solution"] not in row["prompt"]
    # The reward: an answer is run on the task's tests; the reference earns it, the other
    # function's answer (renamed to fit the contract) does not.
    answers = tasks.with_columns(origin=pl.lit("sample"),
                                 target_code=pl.col("reference_solution"))
    assert {c.status for c in verify_rows(answers)} == {"passed"}
    swapped = answers.filter(pl.col("lang") == "fortran").with_columns(
        target_code=pl.col("target_code").reverse().str.replace_all("add3|mix3", "f_x"))
    swapped = swapped.with_columns(target_code=pl.struct("target_code", "function").map_elements(
        lambda r: r["target_code"].replace("f_x", r["function"]), return_dtype=pl.String))
    statuses = [c.status for c in verify_rows(swapped)]
    assert len(statuses) == 2 and set(statuses) <= {"wrong_answer", "runtime_error"}


@pytest.mark.slow
def test_eval_config_from_a_humaneval_run_stays_apart_from_training(
        folder: Path, tmp_path: Path, prefect_harness) -> None:
    import datasets

    from tolk.flows.build_corpus import build_corpus
    from tolk.flows.config import BuildConfig

    eval_out = tmp_path / "eval-run"
    build_corpus(BuildConfig(source="humaneval", source_options={"purpose": "eval"},
                             out=str(eval_out), langs=["fortran"], max_programs=6, n_inputs=10))
    run_out, dest = folder.parent, tmp_path / "with-eval"
    assert publish_command(_args("publish", str(run_out), "--repo", REPO, "--dry-run",
                                 "--dest", str(dest), "--eval-from", str(eval_out))) == 0
    meta, body = split_front_matter((dest / "README.md").read_text())
    assert "eval" in [c["config_name"] for c in meta["configs"]] and "never training" in body
    tasks = datasets.load_dataset(str(dest), name="eval", split="train",
                                  cache_dir=str(tmp_path / "cache")).to_polars()
    assert tasks.height > 0 and all(u.startswith("humaneval/") for u in tasks["source_uri"])
    train = pl.read_parquet(sorted((dest / "data" / "fortran").glob("*.parquet")))
    assert not set(tasks["python_source"]) & set(train["python_source"])
    answers = tasks.with_columns(origin=pl.lit("sample"), target_code=pl.col("reference_solution"))
    assert {c.status for c in verify_rows(answers)} == {"passed"}
    with pytest.raises(ConfigError, match="also training rows"):  # a run is its own overlap
        publish_command(_args("publish", str(run_out), "--repo", REPO, "--dry-run",
                              "--dest", str(tmp_path / "x"), "--eval-from", str(run_out)))


def test_verify_write_remakes_each_view_over_the_rows_kept(tmp_path: Path) -> None:
    """fim is re-cut from the kept rows, repair keeps the pairs of kept samples, eval (not
    derived from training rows) is copied; a dropped row leaves every view (no compiler:
    the checks are given)."""
    from tests.test_layout import samples
    from tolk.corpus.card import card_facts, write_card
    from tolk.corpus.fim import fim_view
    from tolk.corpus.layout import write_layout
    from tolk.corpus.verify import RowCheck, write_verified

    df = samples(n_fortran=3, n_cobol=0)
    repair = pl.DataFrame({"id": ["r0", "r2"], "sample_id": ["for0000", "for0002"],
                           "lang": ["fortran"] * 2, "broken_code": ["x", "y"]})
    eval_tasks = pl.DataFrame({"id": ["e0"], "lang": ["fortran"], "prompt": ["p"]})
    src = tmp_path / "hub"
    layout = write_layout(src, df, views={"fim": fim_view(df.lazy()), "repair": repair,
                                          "eval": eval_tasks})
    write_card(card_facts(tmp_path / "run", layout, repo_id="a/b", kept=df, removals=None,
                          curation_stats={}, publish_command="tolk publish run --repo a/b"))
    rows = load_rows(str(src), tmp_path / "w")
    checks = [RowCheck(r["id"], r["lang"], r["function"], r["origin"],
                       "wrong_answer" if r["id"] == "for0002" else "passed", 20, 20, "bwrap",
                       r["ran_on"]) for r in rows.frame.iter_rows(named=True)]
    out, counts = write_verified(tmp_path / "verified", rows, checks)
    assert (counts["kept"], counts["dropped"]) == (2, 1)
    assert [c.name for c in out.configs] == ["fortran", "eval", "fim", "repair"]
    read = {c.name: pl.read_parquet([out.root / f for f in c.files]) for c in out.configs}
    assert set(read["fim"]["sample_id"]) == {"for0000", "for0001"}
    assert read["fim"].height == fim_view(df.filter(pl.col("id") != "for0002").lazy()).collect().height
    assert read["repair"]["id"].to_list() == ["r0"]
    assert read["eval"].equals(eval_tasks)
    body = split_front_matter((out.root / "README.md").read_text())[1]
    assert "| `fim` | view |" in body and "| `repair` | view | 1 |" in body
    assert "| fortran | not measured | not measured | not measured | not measured | 2/2 (100.0%) |" in body
    # verifying the verified folder again re-states the same sections, one note
    again = load_rows(str(out.root), tmp_path / "w2")
    passed = [RowCheck(r["id"], r["lang"], r["function"], r["origin"], "passed", 20, 20,
                       "bwrap", r["ran_on"]) for r in again.frame.iter_rows(named=True)]
    write_verified(tmp_path / "twice", again, passed)
    body2 = split_front_matter((tmp_path / "twice" / "README.md").read_text())[1]
    assert body2.count("## Re-verified") == 1 and body2.count("<!-- tolk:strength -->") == 1
    assert body2 == body.replace("dropped 1, kept 2", "dropped 0, kept 2")
