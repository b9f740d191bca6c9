"""The toolchain store: which container (root filesystem or image) runs each language.

Layout of the store (`TOLK_TOOLCHAINS_DIR`, default `~/.cache/tolk/toolchains`):

    index.json              {"fortran": "<key>", "cobol": "<key>", ...}
    <key>/manifest.json     what was built: packages, versions, date, size, where it lives
    <key>/rootfs/           a Debian root filesystem (offline build; `podman run --rootfs`)

A key names one build: `debian-<suite>-<hash of the package set>` for an offline root
filesystem (several languages may share it), `image-<lang>-<hash of the Containerfile>`
for an image built from `toolchains/<lang>/Containerfile` (the image itself lives in the
engine's storage under `Manifest.location`).

Key contracts:
- `container_for(lang)` returns the `ContainerRef` the container executors run, or raises
  `ToolchainUnavailable` whose hint is the command that builds it. It never builds.
- The index and manifests are written atomically (temp file + rename) under a lock, so a
  reader sees the old or the new build, never half of one.
- `lint_containerfile` is pure: it parses the text (comments, line continuations) and
  returns problems (`[]` when the file pins a base image by tag or digest and every
  instruction is known); `tolk doctor` reports them.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tolk.errors import ConfigError, ToolchainUnavailable

__all__ = [
    "ENV_VAR", "ContainerRef", "Manifest", "Instruction", "store_dir", "container_for",
    "built_toolchains", "record_build", "read_manifest", "containerfile_path",
    "parse_containerfile", "lint_containerfile",
]

ENV_VAR = "TOLK_TOOLCHAINS_DIR"
_INDEX = "index.json"
_MANIFEST = "manifest.json"
_LOCK = ".lock"


@dataclass(frozen=True, slots=True)
class ContainerRef:
    """Where a language's toolchain container comes from."""
    lang: str
    kind: str  # "rootfs" (a directory, podman --rootfs) or "image" (a tag in the engine)
    location: str  # absolute rootfs path, or image tag
    key: str

    def engine_args(self) -> list[str]:
        """What follows the options of `podman run`: `--rootfs DIR` or the image tag.

        `--rootfs` is a boolean flag whose rootfs is the first positional argument, and
        podman stops parsing options there: it must come last, right before the command.
        """
        return ["--rootfs", self.location] if self.kind == "rootfs" else [self.location]


@dataclass(frozen=True, slots=True)
class Manifest:
    key: str
    kind: str  # "rootfs" | "image"
    langs: tuple[str, ...]
    packages: tuple[str, ...]  # what was asked for (Debian packages, or the Containerfile)
    location: str
    built_at: str  # ISO-8601 UTC
    source: str  # "debootstrap <suite> <mirror>" or "containerfile <path>"
    size_bytes: int = 0
    versions: dict[str, str] = field(default_factory=dict)  # package -> version installed

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> "Manifest":
        raw = json.loads(text)
        return Manifest(key=raw["key"], kind=raw["kind"], langs=tuple(raw["langs"]),
                        packages=tuple(raw["packages"]), location=raw["location"],
                        built_at=raw["built_at"], source=raw["source"],
                        size_bytes=int(raw.get("size_bytes", 0)),
                        versions=dict(raw.get("versions", {})))


def store_dir(store: Path | str | None = None) -> Path:
    """The store: `store` when given, else `$TOLK_TOOLCHAINS_DIR`, else ~/.cache/tolk/toolchains."""
    if store is not None:
        return Path(store).absolute()
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).absolute()
    return Path.home() / ".cache" / "tolk" / "toolchains"


def _build_hint(lang: str) -> str:
    return f"build it with `tolk toolchains build --langs {lang}`"


def _read_index(root: Path) -> dict[str, str]:
    try:
        raw = json.loads((root / _INDEX).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"toolchain store index {root / _INDEX} is unreadable: {exc}") from exc
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def read_manifest(root: Path, key: str) -> Manifest | None:
    """The manifest of one build, or None when it is missing or unreadable."""
    try:
        return Manifest.from_json((root / key / _MANIFEST).read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return None


def container_for(lang: str, store: Path | str | None = None) -> ContainerRef:
    """The container that runs `lang`; `ToolchainUnavailable` (with the build command) if none."""
    if not lang:
        raise ToolchainUnavailable("container executor",
                                   "the sandbox policy names no toolchain (policy.toolchain)")
    root = store_dir(store)
    what = f"container toolchain for {lang} (store {root})"
    key = _read_index(root).get(str(lang))
    if key is None:
        raise ToolchainUnavailable(what, _build_hint(lang))
    manifest = read_manifest(root, key)
    if manifest is None:
        raise ToolchainUnavailable(what, f"manifest of {key} is missing; " + _build_hint(lang))
    if manifest.kind == "rootfs" and not (Path(manifest.location) / "bin").exists():
        raise ToolchainUnavailable(what, f"root filesystem {manifest.location} is gone; "
                                   + _build_hint(lang) + " --force")
    return ContainerRef(str(lang), manifest.kind, manifest.location, key)


def built_toolchains(store: Path | str | None = None) -> list[tuple[str, Manifest | None]]:
    """(lang, its manifest or None when the index points at nothing), in index order."""
    root = store_dir(store)
    return [(lang, read_manifest(root, key)) for lang, key in _read_index(root).items()]


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / _LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def record_build(manifest: Manifest, store: Path | str | None = None) -> None:
    """Write the manifest of a finished build and point its languages at it."""
    root = store_dir(store)
    with _locked(root):
        (root / manifest.key).mkdir(parents=True, exist_ok=True)
        _write_atomic(root / manifest.key / _MANIFEST, manifest.to_json())
        index = _read_index(root)
        index.update({lang: manifest.key for lang in manifest.langs})
        _write_atomic(root / _INDEX, json.dumps(index, indent=2, sort_keys=True))


def containerfile_path(lang: str) -> Path:
    """`toolchains/<lang>/Containerfile` (installed as package data beside the code)."""
    return Path(__file__).resolve().parent / str(lang) / "Containerfile"


# --- Containerfile lint --------------------------------------------------------------------

_KNOWN = frozenset({"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
                    "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
                    "HEALTHCHECK", "SHELL"})


@dataclass(frozen=True, slots=True)
class Instruction:
    line: int  # 1-based line where it starts
    keyword: str  # upper-cased
    args: str  # continuation lines joined with single spaces


def parse_containerfile(text: str) -> list[Instruction]:
    """Instructions in order; comments and blank lines dropped, `\\` continuations joined."""
    out: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if line.startswith("#") or (not line and not pending):
            continue  # comments may sit inside a continued instruction too
        if not pending:
            start = n
        cont = line.endswith("\\")
        pending.append(line[:-1].strip() if cont else line)
        if not cont:
            joined = " ".join(p for p in pending if p)
            keyword, _, args = joined.partition(" ")
            out.append(Instruction(start, keyword.upper(), args.strip()))
            pending = []
    if pending:
        joined = " ".join(p for p in pending if p)
        keyword, _, args = joined.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    return out


def _base_image(args: str, build_args: dict[str, str]) -> str:
    words = [w for w in args.split() if not w.startswith("--")]
    image = words[0] if words else ""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: build_args.get(m.group(1), m.group(0)), image)


def lint_containerfile(text: str) -> list[str]:
    """Problems that would break or unpin a build; [] when the file looks sound."""
    problems: list[str] = []
    instructions = parse_containerfile(text)
    if text.rstrip().endswith("\\"):
        problems.append("the last instruction ends with a dangling line continuation")
    if not instructions:
        return problems + ["no instructions"]
    build_args: dict[str, str] = {}
    seen_from = False
    for ins in instructions:
        if ins.keyword not in _KNOWN:
            problems.append(f"line {ins.line}: unknown instruction {ins.keyword!r}")
            continue
        if not ins.args:
            problems.append(f"line {ins.line}: {ins.keyword} has no arguments")
            continue
        if ins.keyword == "ARG":
            name, _, default = ins.args.partition("=")
            build_args[name.strip()] = default.strip().strip('"')
        elif ins.keyword == "FROM":
            seen_from = True
            image = _base_image(ins.args, build_args)
            if "$" in image:
                problems.append(f"line {ins.line}: base image {image!r} uses an undefined ARG")
            elif "@sha256:" in image:
                pass  # pinned by digest
            elif ":" not in image.rsplit("/", 1)[-1]:
                problems.append(f"line {ins.line}: base image {image!r} is not pinned by tag")
            elif image.rsplit(":", 1)[-1] == "latest":
                problems.append(f"line {ins.line}: base image {image!r} uses the moving tag 'latest'")
        elif not seen_from:  # only ARG may precede the first FROM
            problems.append(f"line {ins.line}: {ins.keyword} before the first FROM")
    if not seen_from:
        problems.append("no FROM instruction")
    return problems
