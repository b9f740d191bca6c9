"""A Hugging Face Hub on loopback: the endpoints huggingface_hub's commit path calls.

`hf-local-hub` on PyPI (3.0.0) is a thin client around a Go server binary it does not
ship, so it cannot serve tests here; this module is the small real double instead.

Served (repo types `model`, `dataset`, `space`; every repo id is `ns/name`):

    POST /api/repos/create                                create_repo (409 when it exists)
    GET  /api/{type}s/{ns}/{name}[/revision/{rev}]         repo_info / dataset_info
    GET  /api/{type}s/{ns}/{name}/tree/{rev}[/{path}]      list_repo_tree (files only)
    GET  /api/{type}s/{ns}/{name}/commits/{rev}            list_repo_commits
    POST /api/validate-yaml                                README front matter (parsed for real)
    POST /api/{type}s/{ns}/{name}/preupload/{rev}          upload mode + remote oid per file
    POST /{prefix}{ns}/{name}.git/info/lfs/objects/batch   LFS basic transfer
    PUT  /lfs/{oid}                                        LFS upload (sha256 checked)
    POST /lfs-verify                                       LFS verify
    POST /api/{type}s/{ns}/{name}/commit/{rev}             ndjson commit, applied atomically
    GET  /{prefix}{ns}/{name}/resolve/{rev}/{path}         file download

Key contracts: a commit is all-or-nothing (an `lfsFile` whose object was never uploaded
fails the whole commit); `fail_next(kind, status)` makes the next request of a kind
(`commit`, `lfs_upload`, `preupload`, `lfs_batch`) fail once, to test retries; when
`token` is set every request must carry it as a bearer token (LFS
upload hrefs excepted: they stand for presigned storage URLs). Xet is not served: clients
must run with `huggingface_hub.constants.HF_HUB_DISABLE_XET = True`.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

__all__ = ["LocalHub", "Commit", "HubRepo"]

_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}
_LFS_PATTERNS = ("*.parquet", "*.arrow", "*.bin", "*.safetensors", "*.gz", "*.zst")
_GITATTRIBUTES = b"".join(f"{p} filter=lfs diff=lfs merge=lfs -text\n".encode()
                          for p in _LFS_PATTERNS)


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _lfs_pointer(sha256: str, size: int) -> bytes:
    return (f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\n"
            f"size {size}\n").encode()


def _is_lfs(path: str, size: int) -> bool:
    return size >= 10 * 1024 * 1024 or any(fnmatch.fnmatch(path, p) for p in _LFS_PATTERNS)


@dataclass
class Commit:
    oid: str
    summary: str
    files: dict[str, bytes]  # the full tree after this commit


@dataclass
class HubRepo:
    repo_type: str
    repo_id: str
    private: bool
    commits: list[Commit] = field(default_factory=list)

    @property
    def files(self) -> dict[str, bytes]:
        return self.commits[-1].files if self.commits else {}


class _Fail(Exception):
    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class LocalHub:
    """In-process Hub server; use as a context manager, point HF_ENDPOINT at `.url`."""

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.repos: dict[tuple[str, str], HubRepo] = {}
        self.lfs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, int]] = []
        self._fail: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "LocalHub":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, kind: str, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._fail.setdefault(kind, []).extend([status] * times)

    def repo(self, repo_id: str, repo_type: str = "dataset") -> HubRepo:
        return self.repos[(repo_type, repo_id)]

    # -- request handling -------------------------------------------------------------
    def _maybe_fail(self, kind: str) -> None:
        with self._lock:
            pending = self._fail.get(kind)
            status = pending.pop(0) if pending else None
        if status is not None:
            raise _Fail(status, f"injected failure of {kind}")

    def _get_repo(self, repo_type: str, repo_id: str) -> HubRepo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            raise _Fail(404, f"Repository Not Found for {repo_type}s/{repo_id}", "RepoNotFound")
        return repo

    def _commit(self, repo: HubRepo, summary: str, files: dict[str, bytes]) -> Commit:
        parent = repo.commits[-1].oid if repo.commits else ""
        manifest = json.dumps({p: git_blob_sha1(b) for p, b in sorted(files.items())})
        oid = hashlib.sha1(f"{parent}\n{summary}\n{manifest}\n{len(repo.commits)}".encode()).hexdigest()
        commit = Commit(oid, summary, files)
        repo.commits.append(commit)
        return commit

    def _entry(self, path: str, data: bytes) -> dict[str, Any]:
        if _is_lfs(path, len(data)):
            sha = hashlib.sha256(data).hexdigest()
            pointer = _lfs_pointer(sha, len(data))
            return {"type": "file", "path": path, "size": len(data), "oid": git_blob_sha1(pointer),
                    "lfs": {"oid": sha, "size": len(data), "pointerSize": len(pointer)}}
        return {"type": "file", "path": path, "size": len(data), "oid": git_blob_sha1(data)}

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
               headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        # LFS upload hrefs stand for presigned storage URLs: they carry no token.
        presigned = path.startswith("/lfs/")
        if self.token is not None and not presigned and headers.get("authorization") != f"Bearer {self.token}":
            raise _Fail(401, "Invalid credentials in Authorization header")
        types = "|".join(f"{t}s" for t in _PREFIX)
        if method == "POST" and path == "/api/repos/create":
            req = json.loads(body)
            repo_type = req.get("type") or "model"
            repo_id = f"{req['organization']}/{req['name']}" if req.get("organization") else req["name"]
            url = f"{self.url}/{_PREFIX[repo_type]}{repo_id}"
            with self._lock:
                if (repo_type, repo_id) in self.repos:  # the Hub names the existing repo's url
                    return 409, {"error": "You already created this repo", "url": url}, {}
                repo = HubRepo(repo_type, repo_id, req.get("visibility") == "private")
                self._commit(repo, "initial commit", {".gitattributes": _GITATTRIBUTES})
                self.repos[(repo_type, repo_id)] = repo
            return 200, {"url": url, "name": repo_id}, {}
        if method == "POST" and path == "/api/validate-yaml":
            content = json.loads(body)["content"]
            m = re.match(r"^---\n(.*?)\n---\n", content, re.S)
            try:
                meta = yaml.safe_load(m.group(1)) if m else {}
            except yaml.YAMLError as exc:
                return 400, {"errors": [{"message": f"invalid YAML: {exc}"}]}, {}
            if not isinstance(meta, dict):
                return 400, {"errors": [{"message": "metadata must be a mapping"}]}, {}
            return 200, {"errors": [], "warnings": []}, {}
        if m := re.fullmatch(r"/lfs/([0-9a-f]{64})", path):
            self._maybe_fail("lfs_upload")
            if hashlib.sha256(body).hexdigest() != m.group(1):
                raise _Fail(400, "sha256 mismatch")
            with self._lock:
                self.lfs[m.group(1)] = body
            return 200, {}, {}
        if method == "POST" and path == "/lfs-verify":
            req = json.loads(body)
            ok = req["oid"] in self.lfs and len(self.lfs[req["oid"]]) == req["size"]
            return (200, {}, {}) if ok else (404, {"error": "object not found"}, {})
        if m := re.fullmatch(r"/(?:datasets/|spaces/)?([^/]+/[^/]+)\.git/info/lfs/objects/batch", path):
            self._maybe_fail("lfs_batch")
            repo_type = next((t for t, p in _PREFIX.items() if p and path.startswith(f"/{p}")), "model")
            self._get_repo(repo_type, m.group(1))
            objects = []
            for obj in json.loads(body)["objects"]:
                entry = {"oid": obj["oid"], "size": obj["size"]}
                if obj["oid"] not in self.lfs:
                    entry["actions"] = {"upload": {"href": f"{self.url}/lfs/{obj['oid']}"},
                                        "verify": {"href": f"{self.url}/lfs-verify"}}
                objects.append(entry)
            return 200, {"transfer": "basic", "objects": objects}, {"Content-Type": "application/vnd.git-lfs+json"}
        if m := re.fullmatch(r"/(?:(datasets|spaces)/)?([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
            repo_type = (m.group(1) or "models")[:-1]
            data = self._get_repo(repo_type, m.group(2)).files.get(unquote(m.group(4)))
            if data is None:
                raise _Fail(404, "Entry not found", "EntryNotFound")
            return 200, data, {"Content-Type": "application/octet-stream"}
        m = re.fullmatch(rf"/api/({types})/([^/]+/[^/]+)(?:/(revision|tree|commits|preupload|commit)"
                         rf"/([^/]+)(/.*)?)?", path)
        if not m:
            raise _Fail(404, f"no route for {method} {path}")
        repo_type, repo_id, action, rev = m.group(1)[:-1], m.group(2), m.group(3), unquote(m.group(4) or "main")
        sub = unquote((m.group(5) or "").lstrip("/"))
        repo = self._get_repo(repo_type, repo_id)
        if rev != "main":
            raise _Fail(404, f"Revision Not Found: {rev}", "RevisionNotFound")
        if method == "GET" and action in (None, "revision"):
            return 200, {"id": repo_id, "sha": repo.commits[-1].oid, "private": repo.private,
                         "siblings": [{"rfilename": p} for p in sorted(repo.files)]}, {}
        if method == "GET" and action == "tree":
            recursive = query.get("recursive", ["false"])[0].lower() == "true"
            out = []
            for p, data in sorted(repo.files.items()):
                rel = p[len(sub) + 1:] if sub else p
                if sub and not p.startswith(sub + "/"):
                    continue
                if recursive or "/" not in rel:
                    out.append(self._entry(p, data))
            return 200, out, {}
        if method == "GET" and action == "commits":
            return 200, [{"id": c.oid, "title": c.summary, "message": "", "authors": [],
                          "date": "2026-01-01T00:00:00.000Z"} for c in reversed(repo.commits)], {}
        if method == "POST" and action == "preupload":
            self._maybe_fail("preupload")
            files = []
            for f in json.loads(body)["files"]:
                lfs = _is_lfs(f["path"], f["size"])
                remote = repo.files.get(f["path"])
                oid = None
                if remote is not None:
                    oid = hashlib.sha256(remote).hexdigest() if lfs else git_blob_sha1(remote)
                files.append({"path": f["path"], "uploadMode": "lfs" if lfs else "regular",
                              "shouldIgnore": False, "oid": oid})
            return 200, {"files": files, "commitOid": repo.commits[-1].oid}, {}
        if method == "POST" and action == "commit":
            self._maybe_fail("commit")
            return self._apply_commit(repo, body)
        raise _Fail(405, f"{method} not allowed on {path}")

    def _apply_commit(self, repo: HubRepo, body: bytes) -> tuple[int, Any, dict[str, str]]:
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        with self._lock:
            files = dict(repo.files)
            summary = ""
            for item in lines:
                key, value = item["key"], item["value"]
                if key == "header":
                    summary = value.get("summary", "")
                    if value.get("parentCommit") and value["parentCommit"] != repo.commits[-1].oid:
                        raise _Fail(412, "parent commit is not the head")
                elif key == "file":
                    files[value["path"]] = base64.b64decode(value["content"])
                elif key == "lfsFile":
                    data = self.lfs.get(value["oid"])
                    if data is None or len(data) != value["size"]:
                        raise _Fail(400, f"LFS object {value['oid']} was never uploaded")
                    files[value["path"]] = data
                elif key == "deletedFile":
                    if value["path"] not in files:
                        raise _Fail(404, "A file with this name doesn't exist", "EntryNotFound")
                    del files[value["path"]]
                elif key == "deletedFolder":
                    prefix = value["path"].rstrip("/") + "/"
                    files = {p: b for p, b in files.items() if not p.startswith(prefix)}
                else:
                    raise _Fail(400, f"unsupported commit operation {key}")
            commit = self._commit(repo, summary, files)
        url = f"{self.url}/{_PREFIX[repo.repo_type]}{repo.repo_id}/commit/{commit.oid}"
        return 200, {"commitUrl": url, "commitOid": commit.oid, "pullRequestUrl": None}, {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep pytest output clean
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            self.rfile.readline()
                            return b"".join(chunks)
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                body = self._body()
                headers = {k.lower(): v for k, v in self.headers.items()}
                extra: dict[str, str] = {}
                try:
                    status, payload, extra = hub._route(method, parts.path, parse_qs(parts.query),
                                                        body, headers)
                except _Fail as exc:
                    status, payload = exc.status, {"error": exc.message}
                    extra = {"X-Error-Message": exc.message}
                    if exc.code:
                        extra["X-Error-Code"] = exc.code
                hub.requests.append((method, parts.path, status))
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def do_PUT(self) -> None:
                self._serve("PUT")

        return Handler
