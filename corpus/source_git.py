"""A git repository as a source: a shallow clone in a cache, then its `.py` files.

    git:<url-or-local-path>[@rev]     options: pattern, license, rev, refresh, timeout_s

Key contracts: the clone lives under `$TOLK_CACHE_DIR/git` (default `~/.cache/tolk/git`),
one directory per (repository, rev), written atomically (clone into a temporary name, then
rename), so an interrupted clone is never mistaken for a complete one and a second run
reuses it. Each program's uri is `<repo>@<commit>:<path>`; its license is the option
`license`, else what the repository's LICENSE file says (corpus/source_licenses.py). git
runs without a terminal prompt and with a time limit: a clone that cannot complete is a
`SourceUnavailable` error, raised before any program is yielded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, Mapping

from tolk.corpus.source_licenses import detect_license
from tolk.corpus.sources import (SourceUnavailable, check_options, iter_directory,
                                 max_bytes_option)
from tolk.errors import ConfigError
from tolk.ir.function import Program, content_id
from tolk.outcome import Rejected

__all__ = ["iter_git", "parse_git_spec", "cache_root", "clone"]

_OPTIONS = {"pattern", "rev", "refresh", "timeout_s"}


def cache_root() -> Path:
    base = os.environ.get("TOLK_CACHE_DIR") or Path.home() / ".cache" / "tolk"
    return Path(base) / "git"


def parse_git_spec(spec: str) -> tuple[str, str | None]:
    """`url[@rev]` -> (url, rev). A trailing `@x` is a rev only when x has no ':' or '/'
    (so `git@host:org/repo.git` and `https://user@host/repo` stay whole URLs)."""
    head, sep, tail = spec.rpartition("@")
    if sep and head and tail and not re.search(r"[:/]", tail):
        return head, tail
    return spec, None


def _is_local(url: str) -> bool:
    return not re.match(r"^[\w+.-]+://|^[\w.-]+@[\w.-]+:", url)


def _git(args: list[str], cwd: Path | None, timeout: float) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_LFS_SKIP_SMUDGE": "1"}
    try:
        done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise SourceUnavailable(f"git {args[0]} timed out after {timeout:g}s") from None
    except FileNotFoundError:
        raise SourceUnavailable("git is not installed (apt-get install git)") from None
    if done.returncode != 0:
        raise SourceUnavailable(f"git {' '.join(args[:2])} failed: "
                                f"{(done.stderr or done.stdout).strip()[-400:]}")
    return done.stdout.strip()


def clone(url: str, rev: str | None, *, refresh: bool = False,
          timeout: float = 600.0) -> tuple[Path, str]:
    """The cached checkout of url at rev (default branch when None) and its commit."""
    source = url
    if _is_local(url):
        local = Path(url).expanduser().resolve()
        if not local.exists():
            raise ConfigError(f"git source {url!r}: no such path")
        source = local.as_uri()  # file:// so that --depth applies to local clones too
    slug = re.sub(r"[^\w.-]+", "_", url.rstrip("/").rsplit("/", 1)[-1])[:40]
    dest = cache_root() / f"{slug}-{content_id(url, rev or '')}"
    if dest.exists() and refresh:
        shutil.rmtree(dest)
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
        try:
            _fetch(source, rev, tmp, timeout)
            try:
                os.rename(tmp, dest)
            except OSError:  # another process got there first: use theirs
                pass
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return dest, _git(["rev-parse", "HEAD"], dest, 60)


def _fetch(source: str, rev: str | None, tmp: Path, timeout: float) -> None:
    if rev is None:
        _git(["clone", "--quiet", "--depth", "1", "--", source, str(tmp)], None, timeout)
        return
    # A rev may be a branch, a tag or a commit: fetch exactly it, shallow.
    _git(["init", "--quiet", str(tmp)], None, 60)
    _git(["fetch", "--quiet", "--depth", "1", "--", source, rev], tmp, timeout)
    _git(["-c", "advice.detachedHead=false", "checkout", "--quiet", "FETCH_HEAD"], tmp, 120)


def iter_git(spec: str, options: Mapping[str, str]) -> Iterator[Program | Rejected]:
    """Every matching file of the repository's checkout (raises before the first item
    when the clone fails)."""
    check_options(f"git:{spec}", options, _OPTIONS)
    url, rev = parse_git_spec(spec)
    rev = options.get("rev", rev)
    try:
        timeout = float(options.get("timeout_s", "600"))
    except ValueError:
        raise ConfigError(f"git option timeout_s={options['timeout_s']!r}: not a number") from None
    dest, commit = clone(url, rev, refresh=options.get("refresh", "0") in ("1", "true", "yes"),
                         timeout=timeout)
    license = options.get("license") or detect_license(dest)
    max_bytes = max_bytes_option(options)
    return _files(dest, f"{url}@{commit}:", options.get("pattern", "**/*.py"), license,
                  max_bytes)


def _files(dest: Path, prefix: str, pattern: str, license: str,
           max_bytes: int) -> Iterator[Program | Rejected]:
    for item in iter_directory(dest, pattern=pattern, license=license, max_bytes=max_bytes,
                               uri_prefix=""):
        yield _with_uri(item, prefix + item.uri)


def _with_uri(item: Program | Rejected, uri: str) -> Program | Rejected:
    if isinstance(item, Program):
        return Program(item.source_id, uri, item.text, item.license)
    return Rejected(item.stage, item.reason, content_id(uri), uri, item.function, item.lang,
                    item.detail)
