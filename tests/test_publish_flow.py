"""`tolk publish` after a real run: dry-run folder loads with `datasets`, then a real
publish to the loopback Hub and an idempotent re-publish (Prefect flows, so @slow)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests._local_hub import LocalHub
from tolk.corpus.card import split_front_matter
from tolk.flows.cli_publish import add_publish_parser, publish_command

REPO = "someone/tolk-demo"


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="tolk")
    add_publish_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["publish", *argv])


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory, prefect_harness) -> Path:
    """A real fortran+cobol run of the lowering translator over a few seed functions."""
    from tolk.flows.build_corpus import build_corpus
    from tolk.flows.config import BuildConfig

    root = tmp_path_factory.mktemp("publish-run")
    src = root / "src"
    src.mkdir()
    (src / "tiny.py").write_text(
        "def scale_sum(a: int, b: int, k: int) -> int:\n    return (a + b) * k\n\n"
        "def scaled_total(x: int, y: int, m: int) -> int:\n    return (x + y) * m\n\n"  # renamed copy
        "def count_multiples(n: int, k: int) -> int:\n    c = 0\n"
        "    for i in range(1, n + 1):\n        if i % k == 0:\n            c += 1\n    return c\n")
    out = root / "out"
    summary = build_corpus(BuildConfig(source=str(src), out=str(out), langs=["fortran", "cobol"],
                                       n_inputs=10, shard_size=4))
    assert summary.passed["fortran"] > 0 and summary.passed["cobol"] > 0
    return out


@pytest.mark.slow
def test_dry_run_writes_a_loadable_folder_and_prints_operations(
        run_out: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    import datasets

    from tolk.corpus.store import scan_samples

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: no network
    assert publish_command(_args(str(run_out), "--repo", REPO, "--dry-run")) == 0
    printed = capsys.readouterr().out
    folder = run_out / "hub"
    funnel = json.loads((folder / "funnel.json").read_text())
    meta, body = split_front_matter((folder / "README.md").read_text())
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert "dry run: nothing was uploaded" in printed
    lines = [line.split() for line in printed.splitlines() if line.startswith("  ")]
    assert sorted(parts[-1] for parts in lines if parts[0] == "add") == files
    assert [c["config_name"] for c in meta["configs"]] == ["cobol", "fortran"]
    samples = scan_samples(run_out).collect()
    for c in meta["configs"]:
        lang = c["config_name"]
        (entry,) = c["data_files"]
        assert [f for f in files if Path(f).match(entry["path"])] == \
            sorted(str(p.relative_to(folder)) for p in folder.glob(entry["path"]))
        ds = datasets.load_dataset(str(folder), name=lang, split="train",
                                   cache_dir=str(tmp_path / "cache"))
        steps = funnel[lang]
        assert ds.num_rows == steps["published"] == steps["curation:decontaminated"] > 0
        assert steps["validated"] == steps["curation:sampled"] == \
            samples.filter(samples["lang"] == lang).height
        assert f"config {lang}: {ds.num_rows} rows" in printed
        assert set(ds["ran_on"]) <= {"bwrap", "podman", "host"} and "unverified" not in set(ds["ran_on"])
    assert funnel["fortran"]["curation:near_dedup"] < funnel["fortran"]["curation:exact_dedup"]
    assert f"tolk run --source {run_out.parent / 'src'} --to fortran,cobol" in body
    assert f"tolk publish {run_out} --repo {REPO}" in body


@pytest.mark.slow
def test_publish_retries_then_republish_changes_nothing(run_out: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    import huggingface_hub.constants as hf_constants

    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_TOKEN", "hf_flow_secret_42")
    dest = tmp_path / "folder"
    with LocalHub(token="hf_flow_secret_42") as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.url)
        hub.fail_next("commit", 500)  # the flow's publish task retries a transient failure
        assert publish_command(_args(str(run_out), "--repo", REPO, "--dest", str(dest))) == 0
        first = capsys.readouterr().out
        assert [s for m, p, s in hub.requests if p.endswith("/commit/main")] == [500, 200]
        assert publish_command(_args(str(run_out), "--repo", REPO, "--dest", str(dest))) == 0
        second = capsys.readouterr().out
        repo = hub.repo(REPO)
        local = {p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()}
        assert {p: b for p, b in repo.files.items() if p != ".gitattributes"} == local
        assert len(repo.commits) == 2
    assert f"published {REPO} at commit {repo.commits[-1].oid}" in first
    assert f"nothing changed: {REPO} is already at {repo.commits[-1].oid}" in second
    assert "hf_flow_secret_42" not in first + second

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["tolk-publish-plan"])))
    assert arts and any("| keep |" in a.data and "README.md" in a.data for a in arts)
    assert not any("hf_flow_secret_42" in a.data for a in arts)


@pytest.mark.slow
def test_views_are_configs_that_load_and_hold(run_out: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    import datasets

    dest = tmp_path / "views"
    assert publish_command(_args(str(run_out), "--repo", REPO, "--dry-run", "--dest", str(dest),
                                 "--views", "translate,fim,repair", "--text-format", "content")) == 0
    printed = capsys.readouterr().out
    meta, _ = split_front_matter((dest / "README.md").read_text())
    names = [c["config_name"] for c in meta["configs"]]
    assert names == ["cobol", "fortran", "fim", "repair", "translate"]

    def load(name: str):
        return datasets.load_dataset(str(dest), name=name, split="train",
                                     cache_dir=str(tmp_path / "cache"))

    published = {r["id"]: r for lang in ("cobol", "fortran") for r in load(lang)}
    assert all(r["content"] == r["target_code"] for r in published.values())
    translate = load("translate")
    assert sorted(translate["id"]) == sorted(published)
    for r in load("fim"):
        assert r["prefix"] + r["middle"] + r["suffix"] == published[r["sample_id"]]["target_code"]
    repair = load("repair")  # lowered programs have mutants that fail their own suite
    assert repair.num_rows > 0 and set(repair["origin"]) == {"mutant"}
    for r in repair:
        assert r["fixed_code"] == published[r["sample_id"]]["target_code"] != r["broken_code"]
        assert r["feedback"].startswith("verdict:")
    assert "config translate:" in printed and "config fim:" in printed
