"""Build toolchain containers into the store: offline from Debian packages, or from a Containerfile.

Offline (`build_offline`): one `debootstrap --variant=minbase --include=<packages> <suite>`
root filesystem holding the `debian_packages` of every requested toolchain, from the
Debian mirror apt already uses (no image registry needed; ~40-60 s, ~0.5 GB for
gfortran + gnucobol3). A toolchain names its suite (`debian_suite`, default bookworm):
Julia's is bullseye (Debian 11 ships julia 1.5.3, Debian 12 none), so `suites_for`
splits a request into one build per suite. The archive of another suite is the one apt
already uses (`find_mirror` falls back to apt's main Debian archive URL). Installed
versions come from `dpkg-query --admindir` on the result, so the manifest says exactly
what the validators ran.
From a Containerfile (`build_from_containerfile`): `podman build` of
`toolchains/<lang>/Containerfile`, for machines that reach a registry.

Key contracts:
- Idempotent: a build whose key (suite + package set, or Containerfile hash) is already
  in the store is not redone unless `force`; the index is still pointed at it.
- A build is assembled in a temporary directory beside its final place and renamed in,
  so a crash never leaves a half root filesystem where `container_for` would find it.
  Anything debootstrap left mounted there is unmounted before a failed build is removed.
- Every precondition failure (not root, no debootstrap, mirror unreachable, engine
  missing) raises `ToolchainUnavailable` or `ConfigError` with what to do, never a bare
  exception from subprocess or urllib.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from tolk.errors import ConfigError, ToolchainUnavailable
from tolk.toolchains.containers import (
    Manifest, containerfile_path, lint_containerfile, read_manifest, record_build, store_dir,
)

__all__ = ["Progress", "packages_for", "suite_of", "suites_for", "offline_key", "find_mirror",
           "mirror_problem",
           "registry_reachable", "build_offline", "build_from_containerfile", "engine_base_argv"]

Progress = Callable[[str], None]
DEFAULT_SUITE = "bookworm"  # Debian 12: gfortran 12, GnuCOBOL 3.1.2 (DESIGN.md)
_HEARTBEAT_S = 10.0
_PHASES = {"Validating": "Retrieving"}


def packages_for(langs: Sequence[str]) -> tuple[str, ...]:
    """The union of the requested toolchains' `debian_packages`, sorted; ConfigError when
    a language has none (not packaged in Debian: build it from its Containerfile)."""
    from tolk.toolchains.registry import get_toolchain

    packages: set[str] = set()
    for lang in langs:
        tc = get_toolchain(lang)
        pkgs = tc.debian_packages
        if not pkgs:
            raise ConfigError(f"{lang} has no Debian packages (debian_packages is empty): "
                              f"build it with `tolk toolchains build --from-containerfile "
                              f"--langs {lang}` on a machine with a registry")
        packages.update(pkgs)
    return tuple(sorted(packages))


def suite_of(lang: str) -> str:
    """The Debian suite a toolchain's packages come from (its `debian_suite`, else bookworm)."""
    from tolk.toolchains.registry import get_toolchain

    return get_toolchain(lang).debian_suite or DEFAULT_SUITE


def suites_for(langs: Sequence[str], suite: str | None = None) -> dict[str, list[str]]:
    """suite -> the requested languages built from it, in request order; `suite` given
    overrides every toolchain's own (one build)."""
    out: dict[str, list[str]] = {}
    for lang in langs:
        out.setdefault(suite or suite_of(lang), []).append(str(lang))
    return out


def offline_key(packages: Sequence[str], suite: str) -> str:
    digest = hashlib.sha256(" ".join(sorted(packages)).encode()).hexdigest()[:12]
    return f"debian-{suite}-{digest}"


_ONE_LINE = re.compile(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)")


def find_mirror(apt_dir: Path = Path("/etc/apt"), suite: str = DEFAULT_SUITE) -> str:
    """The Debian archive URL apt uses for `suite` (sources.list or deb822 .sources files);
    when no source names `suite` (bullseye on a bookworm machine), the URL of apt's main
    Debian archive: one archive serves every suite (`mirror_problem` checks it does)."""
    found = _apt_sources(apt_dir)
    for uri, suites in found:
        if suite in suites:
            return uri
    for uri, suites in found:
        # The main archive: a plain codename suite (not -security, -updates, -backports)
        # at a Debian URL (not a third-party repository that also says "bookworm").
        if any("-" not in s for s in suites) and re.search(r"/debian/?$", uri):
            return uri
    raise ConfigError(f"no apt source for Debian {suite!r} under {apt_dir}: pass --mirror URL "
                      "(e.g. http://deb.debian.org/debian)")


def _apt_sources(apt_dir: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(archive URL, its suites) of every `deb` source apt reads, in apt's file order."""
    out: list[tuple[str, tuple[str, ...]]] = []
    files = [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*"))]
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        if path.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(_deb822_fields(stanza))
                uris = fields.get("uris", "").split()
                if uris and "deb" in fields.get("types", "").split():
                    out.append((uris[0].rstrip("/"), tuple(fields.get("suites", "").split())))
        elif path.name == "sources.list" or path.suffix == ".list":
            for line in text.splitlines():
                m = _ONE_LINE.match(line)
                if m:
                    out.append((m.group(1).rstrip("/"), (m.group(2),)))
    return out


def _deb822_fields(stanza: str) -> list[tuple[str, str]]:
    fields: list[tuple[str, str]] = []
    for line in stanza.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line[0] in " \t" and fields:  # continuation line
            k, v = fields[-1]
            fields[-1] = (k, f"{v} {line.strip()}")
        elif ":" in line:
            k, _, v = line.partition(":")
            fields.append((k.strip().lower(), v.strip()))
    return fields


def mirror_problem(mirror: str, suite: str, timeout: float = 10.0) -> str | None:
    """None when `<mirror>/dists/<suite>/Release` answers, else why not."""
    url = f"{mirror}/dists/{suite}/Release"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=timeout):
            return None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"Debian mirror {url} is not reachable: {exc}"


def registry_reachable(timeout: float = 3.0) -> bool:
    """Does the default image registry answer at all (any HTTP status counts)?"""
    try:
        with urllib.request.urlopen("https://registry-1.docker.io/v2/", timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # 401 without a token: reachable
    except (urllib.error.URLError, OSError, ValueError):
        return False


def engine_base_argv(engine: str = "podman") -> list[str]:
    """The engine plus the global flags this machine needs (see tolk.validators.container)."""
    from tolk.validators.container import engine_argv
    return engine_argv(engine)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _tree_size(root: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.resolve())
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    points = [ln.split()[1].replace("\\040", " ") for ln in lines if len(ln.split()) > 1]
    return [p for p in points if p == prefix or p.startswith(prefix + "/")]


def _remove_build_dir(path: Path) -> None:
    """rm -rf a (failed) build dir, unmounting what debootstrap left there first."""
    for point in sorted(_mounts_under(path), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    if _mounts_under(path):  # never recurse into a live /proc or /dev
        raise ToolchainUnavailable("toolchain build", f"{path} still has mounts; unmount them "
                                   "and remove it by hand")
    shutil.rmtree(path, ignore_errors=True)


def _stream(argv: list[str], progress: Progress, label: str, log_path: Path,
            env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run argv, logging everything to log_path and telling progress about phase changes."""
    start = time.monotonic()
    last_phase, last_said = "", start
    tail: list[str] = []
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, text=True, errors="replace", env=env)
    except OSError as exc:
        raise ToolchainUnavailable(argv[0], f"cannot start: {exc}") from exc
    assert proc.stdout is not None
    with open(log_path, "w") as log:
        for line in proc.stdout:
            log.write(line)
            line = line.rstrip()
            tail = (tail + [line])[-30:]
            words = line.split()
            # debootstrap says "I: <Verb> <package>" per package; tell only when the verb
            # changes (Retrieving and Validating interleave: one phase), or every 10 s.
            phase = _PHASES.get(words[1], words[1]) if len(words) > 1 else line
            now = time.monotonic()
            if phase != last_phase or now - last_said >= _HEARTBEAT_S:
                progress(f"[{label} {now - start:5.1f}s] {line[:150]}")
                last_phase, last_said = phase, now
    return proc.wait(), "\n".join(tail)


def _installed_versions(rootfs: Path) -> dict[str, str]:
    try:
        out = subprocess.run(
            ["dpkg-query", f"--admindir={rootfs}/var/lib/dpkg", "-W",
             "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n"],
            capture_output=True, text=True, timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    rows = (line.split("\t") for line in out.splitlines())
    return {r[0]: r[1] for r in rows if len(r) == 3 and r[2].startswith("ii")}


def build_offline(langs: Sequence[str], *, store: Path | str | None = None,
                  suite: str | None = None, mirror: str | None = None, force: bool = False,
                  progress: Progress = print) -> Manifest:
    """One debootstrap root filesystem for `langs`, recorded in the store; see module doc.
    `suite` defaults to the languages' own (`suite_of`); they must agree (`suites_for`
    splits a mixed request)."""
    packages = packages_for(langs)
    if suite is None:
        suites = suites_for(langs)
        if len(suites) > 1:
            raise ConfigError("these toolchains come from different Debian suites ("
                              + "; ".join(f"{s}: {', '.join(ls)}" for s, ls in suites.items())
                              + "): build each suite on its own (suites_for)")
        suite = next(iter(suites), DEFAULT_SUITE)
    root = store_dir(store)
    key = offline_key(packages, suite)
    existing = read_manifest(root, key)
    if existing is not None and not force and (Path(existing.location) / "bin").exists():
        merged = dataclasses.replace(existing, langs=tuple(sorted({*existing.langs, *langs})))
        record_build(merged, root)
        progress(f"{key}: already built ({', '.join(packages)}); nothing to do (--force rebuilds)")
        return merged
    if os.geteuid() != 0:
        raise ToolchainUnavailable("offline toolchain build", "debootstrap needs root: run "
                                   "`tolk toolchains build` as root, or use --from-containerfile")
    debootstrap = shutil.which("debootstrap", path="/usr/sbin:/usr/bin:/sbin:/bin")
    if debootstrap is None:
        raise ToolchainUnavailable("debootstrap", "apt-get install debootstrap")
    mirror = (mirror or find_mirror(suite=suite)).rstrip("/")
    if (why := mirror_problem(mirror, suite)) is not None:
        raise ToolchainUnavailable("offline toolchain build", why + " (pass --mirror URL)")
    final = root / key
    final.mkdir(parents=True, exist_ok=True)
    work = final / f".rootfs.tmp-{os.getpid()}"
    _remove_build_dir(work)
    progress(f"{key}: debootstrap {suite} from {mirror} with {', '.join(packages)} "
             f"(about a minute)")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "DEBIAN_FRONTEND": "noninteractive"}
    try:
        rc, tail = _stream([debootstrap, "--variant=minbase", f"--include={','.join(packages)}",
                            suite, str(work), mirror], progress, "debootstrap",
                           final / "debootstrap.log", env)
        if rc != 0:
            raise ToolchainUnavailable(
                "offline toolchain build",
                f"debootstrap exited {rc} (log: {final / 'debootstrap.log'}):\n{tail[-1500:]}")
        _finish_rootfs(work)
        versions = _installed_versions(work)
        missing = [p for p in packages if p not in versions]
        if missing:
            raise ToolchainUnavailable("offline toolchain build",
                                       f"packages not installed: {', '.join(missing)}")
        size = _tree_size(work)
        rootfs = final / "rootfs"
        old = final / f".rootfs.old-{os.getpid()}"
        if rootfs.exists():
            rootfs.rename(old)
        work.rename(rootfs)
    except BaseException:
        _remove_build_dir(work)
        raise
    _remove_build_dir(old)
    manifest = Manifest(key=key, kind="rootfs", langs=tuple(sorted(set(langs))), packages=packages,
                        location=str(rootfs), built_at=_now(),
                        source=f"debootstrap --variant=minbase {suite} {mirror}",
                        size_bytes=size, versions=versions)
    record_build(manifest, root)
    progress(f"{key}: built, {size / 1e6:.0f} MB; "
             + ", ".join(f"{p} {versions[p]}" for p in packages))
    return manifest


def _finish_rootfs(rootfs: Path) -> None:
    """Mount points the executor needs (the root is read-only at run time) and no apt cache."""
    (rootfs / "work").mkdir(exist_ok=True)
    (rootfs / "tmp").mkdir(exist_ok=True)
    os.chmod(rootfs / "tmp", 0o1777)
    for cache in (rootfs / "var/cache/apt/archives", rootfs / "var/lib/apt/lists"):
        for entry in cache.glob("*"):
            if entry.is_file() and entry.name != "lock":
                entry.unlink()


def build_from_containerfile(lang: str, *, store: Path | str | None = None, force: bool = False,
                             progress: Progress = print) -> Manifest:
    """`podman build` of toolchains/<lang>/Containerfile, recorded in the store as an image."""
    path = containerfile_path(lang)
    if not path.is_file():
        raise ConfigError(f"{path} does not exist: {lang} has no Containerfile")
    text = path.read_text()
    if problems := lint_containerfile(text):
        raise ConfigError(f"{path} is not buildable: {'; '.join(problems)}")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    key, tag = f"image-{lang}-{digest}", f"localhost/tolk-{lang}:{digest}"
    root = store_dir(store)
    if read_manifest(root, key) is not None and not force:
        progress(f"{key}: image {tag} already built; nothing to do (--force rebuilds)")
        existing = read_manifest(root, key)
        assert existing is not None
        record_build(existing, root)
        return existing
    engine = engine_base_argv("podman")
    (root / key).mkdir(parents=True, exist_ok=True)
    progress(f"{key}: podman build -f {path} -t {tag}")
    rc, tail = _stream([*engine, "build", "-f", str(path), "-t", tag, str(path.parent)],
                       progress, "podman build", root / key / "build.log")
    if rc != 0:
        raise ToolchainUnavailable(f"podman build of {path}",
                                   f"exited {rc} (log: {root / key / 'build.log'}):\n{tail[-1500:]}")
    manifest = Manifest(key=key, kind="image", langs=(str(lang),), packages=(str(path),),
                        location=tag, built_at=_now(), source=f"containerfile {path}")
    record_build(manifest, root)
    progress(f"{key}: built image {tag}")
    return manifest
