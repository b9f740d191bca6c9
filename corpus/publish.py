"""Publishing a dataset folder to the Hugging Face Hub, idempotently, as one commit.

    plan = plan_publish(local_manifest(folder), remote_manifest(api, repo_id), repo_id)
    publish_folder(folder, repo_id, dry_run=False) -> PublishResult

The plan compares every local file with the remote tree (git blob sha1 for regular files,
sha256 for LFS files, which is what the Hub's tree API reports) and yields add / update /
delete / keep per file. Only the changes go into the commit; with no change, no commit is
made at all. Remote files absent locally are deleted (a shard from an earlier, larger
publish would otherwise stay matched by a config's glob), except Hub-managed ones
(`.gitattributes`).

Key contracts: one commit per publish (`create_commit` with `parent_commit` = the head the
plan was computed against, so a concurrent push fails the commit instead of being
clobbered); above `large_threshold_bytes` of changes, `upload_folder` is used instead,
which with hf_xet is huggingface_hub's streamed, resumable, multi-commit upload (it replaced
`upload_large_folder`): re-running it after an interruption sends only what is missing.
A failed single-commit publish leaves the remote as it was (the commit is atomic; LFS objects already uploaded
are reused by the retry). The token comes from the argument, HF_TOKEN or
`huggingface_hub.get_token()`, and is never printed, logged or put in an error message.
The endpoint is read from HF_ENDPOINT at call time. `dry_run` touches no network: the plan
is against an empty repo and says so. Third-party errors surface as `PublishError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tolk.errors import TolkError

__all__ = ["PublishError", "LocalFile", "RemoteFile", "FileOp", "PublishPlan", "PublishResult",
           "local_manifest", "remote_manifest", "plan_publish", "resolve_token", "hub_api",
           "publish_folder", "DEFAULT_LARGE_THRESHOLD_BYTES"]

DEFAULT_LARGE_THRESHOLD_BYTES = 5 * 1024**3
_HUB_MANAGED = frozenset({".gitattributes"})
Action = Literal["add", "update", "delete", "keep"]


class PublishError(TolkError):
    """The Hub refused or failed a publish step (the message never holds the token).

    `transient` is True for what a retry can fix (a 5xx or 429 answer, a lost connection),
    False for a refusal (bad token, no permission, invalid card)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def _transient(exc: BaseException) -> bool:
    for e in (exc, exc.__cause__):
        response = getattr(e, "response", None)
        status = getattr(response, "status_code", None)
        if status is not None:
            return status >= 500 or status in (408, 429)
        if isinstance(e, (ConnectionError, TimeoutError)) or type(e).__name__ in (
                "ConnectError", "ReadTimeout", "ConnectTimeout", "RemoteProtocolError"):
            return True
    return False


@dataclass(frozen=True, slots=True)
class LocalFile:
    path: str
    size: int
    sha256: str
    git_oid: str


@dataclass(frozen=True, slots=True)
class RemoteFile:
    path: str
    size: int
    git_oid: str
    sha256: str | None  # set for LFS files


@dataclass(frozen=True, slots=True)
class FileOp:
    action: Action
    path: str
    size: int  # local size for add/update/keep, remote size for delete


@dataclass(frozen=True, slots=True)
class PublishPlan:
    repo_id: str
    ops: tuple[FileOp, ...]
    remote_checked: bool  # False for a dry run: the remote was not consulted

    @property
    def changes(self) -> tuple[FileOp, ...]:
        return tuple(op for op in self.ops if op.action != "keep")

    @property
    def upload_bytes(self) -> int:
        return sum(op.size for op in self.ops if op.action in ("add", "update"))

    def counts(self) -> dict[str, int]:
        return {a: sum(op.action == a for op in self.ops) for a in ("add", "update", "delete", "keep")}

    def lines(self) -> list[str]:
        """One line per operation, e.g. `add     12.3 KiB  data/fortran/train-...parquet`."""
        return [f"{op.action:<7}{_human(op.size):>11}  {op.path}" for op in self.ops]

    def to_markdown(self) -> str:
        where = "the remote repo" if self.remote_checked else "an empty repo (dry run: remote not consulted)"
        c = self.counts()
        out = [f"Publish plan for `{self.repo_id}` against {where}: {c['add']} add, "
               f"{c['update']} update, {c['delete']} delete, {c['keep']} unchanged; "
               f"{_human(self.upload_bytes)} to upload.", "",
               "| action | size | path |", "|---|---:|---|"]
        out += [f"| {op.action} | {_human(op.size)} | `{op.path}` |" for op in self.ops]
        return "\n".join(out)


@dataclass(frozen=True, slots=True)
class PublishResult:
    plan: PublishPlan
    mode: Literal["dry-run", "noop", "commit", "large"]
    commit_oid: str | None  # the head after publishing (None for a dry run)
    repo_created: bool


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _hidden(rel: Path) -> bool:
    # Temp files and upload_large_folder's resume state (.cache/) are never published.
    return any(part.startswith(".") for part in rel.parts)


def local_manifest(folder: Path) -> dict[str, LocalFile]:
    files: dict[str, LocalFile] = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if not p.is_file() or _hidden(rel):
            continue
        sha256, sha1 = hashlib.sha256(), hashlib.sha1()
        size = p.stat().st_size
        sha1.update(b"blob %d\0" % size)
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                sha256.update(chunk)
                sha1.update(chunk)
        files[rel.as_posix()] = LocalFile(rel.as_posix(), size, sha256.hexdigest(), sha1.hexdigest())
    return files


def plan_publish(local: dict[str, LocalFile], remote: dict[str, RemoteFile], repo_id: str,
                 *, remote_checked: bool = True) -> PublishPlan:
    ops: list[FileOp] = []
    for path, lf in sorted(local.items()):
        rf = remote.get(path)
        if rf is None:
            ops.append(FileOp("add", path, lf.size))
        elif rf.size == lf.size and (rf.sha256 == lf.sha256 if rf.sha256 else rf.git_oid == lf.git_oid):
            ops.append(FileOp("keep", path, lf.size))
        else:
            ops.append(FileOp("update", path, lf.size))
    for path, rf in sorted(remote.items()):
        if path not in local and path not in _HUB_MANAGED:
            ops.append(FileOp("delete", path, rf.size))
    return PublishPlan(repo_id, tuple(ops), remote_checked)


def resolve_token(explicit: str | None = None) -> str | None:
    """The token from the usual places; the value is only ever handed to HfApi."""
    if explicit:
        return explicit
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    from huggingface_hub import get_token
    return get_token()


def hub_api(endpoint: str | None = None, token: str | None = None):  # -> HfApi
    from huggingface_hub import HfApi
    return HfApi(endpoint=endpoint or os.environ.get("HF_ENDPOINT") or None,
                 token=resolve_token(token))


def remote_manifest(api, repo_id: str, revision: str = "main") -> dict[str, RemoteFile]:
    from huggingface_hub.hf_api import RepoFile
    files: dict[str, RemoteFile] = {}
    for entry in api.list_repo_tree(repo_id, repo_type="dataset", revision=revision, recursive=True):
        if isinstance(entry, RepoFile):
            files[entry.path] = RemoteFile(entry.path, entry.size, entry.blob_id,
                                           entry.lfs.sha256 if entry.lfs else None)
    return files


def _transport_errors() -> tuple[type[Exception], ...]:
    # huggingface_hub's HTTP client: httpx2 (2.x), httpx (1.x); a lost connection
    # surfaces as its HTTPError, which is not an OSError.
    found: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):
        with contextlib.suppress(ImportError):
            found.append(importlib.import_module(name).HTTPError)
    return tuple(found)


def _scrub(text: str, token: str | None) -> str:
    return text.replace(token, "***") if token else text


def publish_folder(folder: Path, repo_id: str, *, private: bool = False, dry_run: bool = False,
                   endpoint: str | None = None, token: str | None = None,
                   large_threshold_bytes: int = DEFAULT_LARGE_THRESHOLD_BYTES,
                   commit_message: str | None = None) -> PublishResult:
    """Make the dataset repo `repo_id` hold exactly the files of `folder`."""
    local = local_manifest(folder)
    if dry_run:
        return PublishResult(plan_publish(local, {}, repo_id, remote_checked=False),
                             "dry-run", None, False)
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete
    from huggingface_hub.errors import HfHubHTTPError

    secret = resolve_token(token)
    api = hub_api(endpoint, secret)
    try:
        created = not api.repo_exists(repo_id, repo_type="dataset")
        if created:
            api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
        head = api.repo_info(repo_id, repo_type="dataset").sha
        plan = plan_publish(local, remote_manifest(api, repo_id), repo_id)
        if not plan.changes:
            return PublishResult(plan, "noop", head, created)
        c = plan.counts()
        message = commit_message or (f"tolk publish: {c['add']} added, {c['update']} updated, "
                                     f"{c['delete']} deleted")
        if plan.upload_bytes > large_threshold_bytes:
            # huggingface_hub >= 1.x: with hf_xet, upload_folder is the streamed, resumable,
            # multi-commit upload (it replaced upload_large_folder); only the changes go.
            info = api.upload_folder(
                repo_id=repo_id, folder_path=folder, repo_type="dataset", commit_message=message,
                allow_patterns=[op.path for op in plan.changes if op.action != "delete"],
                delete_patterns=[op.path for op in plan.changes if op.action == "delete"] or None)
            return PublishResult(plan, "large", info.oid, created)
        adds = [CommitOperationAdd(op.path, str(folder / op.path))
                for op in plan.changes if op.action in ("add", "update")]
        deletes = [CommitOperationDelete(op.path) for op in plan.changes if op.action == "delete"]
        info = api.create_commit(repo_id, [*adds, *deletes], commit_message=message,
                                 repo_type="dataset", parent_commit=head)
        return PublishResult(plan, "commit", info.oid, created)
    except (HfHubHTTPError, RuntimeError, ValueError, OSError, *_transport_errors()) as exc:
        # huggingface_hub wraps an upload failure in RuntimeError; the cause says why.
        cause = f"{exc}"
        if exc.__cause__ is not None and str(exc.__cause__) != cause:
            cause += f" ({exc.__cause__})"
        raise PublishError(_scrub(f"publishing to {repo_id} failed: {cause}", secret),
                           transient=_transient(exc)) from exc
