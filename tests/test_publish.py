"""Publishing to a Hub served on loopback (tests/_local_hub.py) through huggingface_hub."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests._local_hub import LocalHub
from tests.test_layout import samples
from tolk.corpus.layout import write_layout
from tolk.corpus.publish import PublishError, local_manifest, publish_folder

TOKEN = "hf_test_secret_0123456789"
REPO = "someone/tolk-demo"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    import huggingface_hub.constants as hf_constants
    from huggingface_hub.utils import disable_progress_bars, enable_progress_bars

    # The loopback Hub serves the LFS protocol, not Xet; the token comes from HF_TOKEN.
    monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)
    disable_progress_bars()
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    with LocalHub(token=TOKEN) as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        yield server
    enable_progress_bars()


def _folder(root: Path, n_fortran: int = 30, n_cobol: int = 3, shard_bytes: int = 4000,
            title: str = "demo") -> Path:
    write_layout(root, samples(n_fortran, n_cobol), max_shard_bytes=shard_bytes)
    (root / "README.md").write_text("---\nlicense: mit\nconfigs:\n- config_name: fortran\n"
                                    f"  data_files: data/fortran/train-*.parquet\n---\n# {title}\n")
    return root


def _local_bytes(folder: Path) -> dict[str, bytes]:
    return {p: (folder / p).read_bytes() for p in local_manifest(folder)}


def _remote_bytes(hub: LocalHub) -> dict[str, bytes]:
    return {p: b for p, b in hub.repo(REPO).files.items() if p != ".gitattributes"}


def _count(hub: LocalHub, method: str, fragment: str) -> int:
    return sum(1 for m, path, _ in hub.requests if m == method and fragment in path)


def test_first_publish_creates_the_repo_and_one_commit(hub: LocalHub, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub")
    result = publish_folder(folder, REPO)
    assert result.mode == "commit" and result.repo_created
    repo = hub.repo(REPO)
    assert repo.repo_type == "dataset" and len(repo.commits) == 2  # creation + ours
    assert result.commit_oid == repo.commits[-1].oid
    assert _remote_bytes(hub) == _local_bytes(folder)
    parquet = [p for p in _local_bytes(folder) if p.endswith(".parquet")]
    assert len(parquet) > 3 and _count(hub, "PUT", "/lfs/") == len(parquet)  # via LFS
    assert {op.action for op in result.plan.ops} == {"add"}


def test_private_repo_is_created_private(hub: LocalHub, tmp_path: Path) -> None:
    publish_folder(_folder(tmp_path / "hub"), REPO, private=True)
    assert hub.repo(REPO).private
    publish_folder(_folder(tmp_path / "hub"), "someone/public-one")
    assert not hub.repo("someone/public-one").private


def test_republishing_the_same_content_changes_nothing(hub: LocalHub, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub")
    first = publish_folder(folder, REPO)
    commits = _count(hub, "POST", "/commit/")
    _folder(folder)  # rebuilt from the same rows: byte-identical
    again = publish_folder(folder, REPO)
    assert again.mode == "noop" and not again.repo_created
    assert again.commit_oid == first.commit_oid
    assert {op.action for op in again.plan.ops} == {"keep"}
    assert _count(hub, "POST", "/commit/") == commits and len(hub.repo(REPO).commits) == 2


def test_failed_commit_then_retry_has_no_missing_or_duplicated_files(hub: LocalHub,
                                                                     tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub")
    hub.fail_next("commit", 500)
    with pytest.raises(PublishError, match="publishing to someone/tolk-demo failed") as err:
        publish_folder(folder, REPO)
    assert err.value.transient  # a 5xx: the flow's publish task retries it
    assert set(hub.repo(REPO).files) == {".gitattributes"}  # the commit is all or nothing
    uploads = _count(hub, "PUT", "/lfs/")
    result = publish_folder(folder, REPO)
    assert result.mode == "commit"
    assert _remote_bytes(hub) == _local_bytes(folder)
    assert len(hub.repo(REPO).commits) == 2
    assert _count(hub, "PUT", "/lfs/") == uploads  # objects from the failed try are reused


def test_failed_lfs_upload_then_retry(hub: LocalHub, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub")
    hub.fail_next("lfs_upload", 507)  # not a status huggingface_hub retries by itself
    with pytest.raises(PublishError):
        publish_folder(folder, REPO)
    assert set(hub.repo(REPO).files) == {".gitattributes"}
    hub.fail_next("lfs_upload", 503)  # transient: the client's own backoff absorbs it
    result = publish_folder(folder, REPO)
    assert result.mode == "commit"
    assert _remote_bytes(hub) == _local_bytes(folder)
    assert [s for m, p, s in hub.requests if m == "PUT"].count(503) == 1
    assert len(hub.repo(REPO).commits) == 2


def test_a_smaller_layout_updates_and_deletes_stale_shards(hub: LocalHub, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub", n_fortran=30)
    publish_folder(folder, REPO)
    before = set(_remote_bytes(hub))
    shards = len(list((folder / "data" / "fortran").glob("*.parquet")))
    _folder(folder, n_fortran=3, title="demo, smaller")
    result = publish_folder(folder, REPO)
    counts = result.plan.counts()
    assert shards > 1 and counts["delete"] == shards and counts["add"] == 1  # fortran: N -> 1
    assert counts["update"] == 1 and counts["keep"] == 1  # README changed, cobol did not
    assert _remote_bytes(hub) == _local_bytes(folder)
    assert before - set(_remote_bytes(hub))  # old shards are gone
    assert ".gitattributes" in hub.repo(REPO).files  # Hub-managed, never deleted
    assert len(hub.repo(REPO).commits) == 3


def test_dry_run_plans_locally_without_network(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "hub")
    with LocalHub() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        result = publish_folder(folder, REPO, dry_run=True)
        assert server.requests == []
    assert result.mode == "dry-run" and result.commit_oid is None
    assert not result.plan.remote_checked
    assert [op.path for op in result.plan.ops] == sorted(local_manifest(folder))
    sizes = {op.path: op.size for op in result.plan.ops}
    assert sizes["README.md"] == (folder / "README.md").stat().st_size
    assert all(line.startswith("add") for line in result.plan.lines())
    assert "dry run: remote not consulted" in result.plan.to_markdown()


def test_large_upload_path_lands_the_same_files(hub: LocalHub, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "hub")
    result = publish_folder(folder, REPO, large_threshold_bytes=1)
    assert result.mode == "large"
    assert _remote_bytes(hub) == _local_bytes(folder)
    assert publish_folder(folder, REPO, large_threshold_bytes=1).mode == "noop"


def test_token_is_sent_but_never_printed_or_logged(hub: LocalHub, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    folder = _folder(tmp_path / "hub")
    caplog.set_level(logging.DEBUG)
    publish_folder(folder, REPO)  # the Hub refuses any API call without the bearer token
    monkeypatch.setenv("HF_TOKEN", "hf_wrong_secret_987")
    folder.joinpath("README.md").write_text("---\nlicense: mit\n---\n# changed\n")
    with pytest.raises(PublishError) as err:
        publish_folder(folder, REPO)
    out = capsys.readouterr()
    seen = out.out + out.err + caplog.text + str(err.value)
    assert "401" in str(err.value) and not err.value.transient
    assert TOKEN not in seen and "hf_wrong_secret_987" not in seen
