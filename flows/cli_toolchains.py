"""`tolk toolchains build|list`: the container toolchains the podman/docker executors run.

    tolk toolchains build [--langs fortran,cobol] [--offline | --from-containerfile]
                          [--force] [--suite SUITE] [--mirror URL] [--store DIR]
    tolk toolchains list [--store DIR]

Key contracts: `add_toolchains_parser(subparsers)` registers the sub-command;
`toolchains_command(args)` returns 0 on success and raises `TolkError`s
(`ToolchainUnavailable`, `ConfigError`) for what cannot be done here, which `tolk`'s main
prints as one line (exit 2). Without `--offline`/`--from-containerfile`, the build is
offline when no image registry answers. `--langs` defaults to every registered toolchain
with Debian packages (offline) or with a Containerfile. Offline, each toolchain's own
Debian suite is used (Fortran and COBOL: bookworm; Julia: bullseye), one root filesystem
per suite, unless `--suite` names one for all. `--store` defaults to
`$TOLK_TOOLCHAINS_DIR`, else ~/.cache/tolk/toolchains.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tolk.errors import ConfigError

__all__ = ["add_toolchains_parser", "toolchains_command"]


def _langs(text: str) -> list[str]:
    from tolk.lang import Lang
    langs = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in langs if s not in {lang.value for lang in Lang}]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown language(s) {', '.join(bad)}; choose from {', '.join(lang.value for lang in Lang)}")
    return langs


def add_toolchains_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    t = subparsers.add_parser("toolchains", help="build and list container toolchains "
                              "(for --executor podman/docker)")
    sub = t.add_subparsers(dest="toolchains_command", required=True)
    b = sub.add_parser("build", help="build toolchain containers into the store")
    b.add_argument("--langs", type=_langs, default=None,
                   help="language(s), comma-separated (default: every registered one that can be built)")
    mode = b.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_const", const="offline", dest="mode",
                      help="one Debian root filesystem via debootstrap (default without a registry)")
    mode.add_argument("--from-containerfile", action="store_const", const="containerfile",
                      dest="mode", help="podman build of toolchains/<lang>/Containerfile")
    b.add_argument("--force", action="store_true", help="rebuild even if already built")
    b.add_argument("--suite", default=None,
                   help="Debian suite for --offline (default: each toolchain's own: "
                        "bookworm, bullseye for julia)")
    b.add_argument("--mirror", default=None,
                   help="Debian mirror for --offline (default: the one apt uses)")
    b.add_argument("--store", type=Path, default=None, help="toolchain store directory")
    ls = sub.add_parser("list", help="print the toolchains built in the store")
    ls.add_argument("--store", type=Path, default=None, help="toolchain store directory")
    return t


def _say(line: str) -> None:
    print(line, flush=True)


def _default_langs(mode: str) -> list[str]:
    from tolk.toolchains.containers import containerfile_path
    from tolk.toolchains.registry import available_langs, get_toolchain

    langs = []
    for lang in available_langs():
        tc = get_toolchain(lang)
        if mode == "offline" and tc.debian_packages:
            langs.append(str(lang))
        elif mode == "containerfile" and containerfile_path(lang).is_file():
            langs.append(str(lang))
    if not langs:
        raise ConfigError(f"no registered toolchain can be built {mode}; pass --langs")
    return langs


def _build(args: argparse.Namespace) -> int:
    from tolk.toolchains.container_build import (
        build_from_containerfile, build_offline, registry_reachable, suites_for,
    )
    from tolk.toolchains.registry import get_toolchain

    mode = args.mode
    if mode is None:
        mode = "containerfile" if registry_reachable() else "offline"
        _say(f"no mode given: building {mode} "
             f"({'a registry answers' if mode == 'containerfile' else 'no image registry reachable'})")
    langs = args.langs or _default_langs(mode)
    for lang in langs:
        get_toolchain(lang)  # ConfigError for a language without a toolchain folder yet
    if mode == "offline":
        for suite, group in suites_for(langs, args.suite).items():
            build_offline(group, store=args.store, suite=suite, mirror=args.mirror,
                          force=args.force, progress=_say)
    else:
        for lang in langs:
            build_from_containerfile(lang, store=args.store, force=args.force, progress=_say)
    return 0


def _list(args: argparse.Namespace) -> int:
    from tolk.toolchains.containers import built_toolchains, store_dir

    rows = built_toolchains(args.store)
    root = store_dir(args.store)
    if not rows:
        _say(f"no toolchains built in {root}; run `tolk toolchains build`")
        return 0
    _say(f"toolchain store: {root}")
    for lang, m in rows:
        if m is None:
            _say(f"  {lang:8s} BROKEN: the index points at a missing manifest (rebuild with --force)")
            continue
        versions = ", ".join(f"{p} {m.versions.get(p, '?')}" for p in m.packages) \
            if m.kind == "rootfs" else m.source
        size = f"{m.size_bytes / 1e6:.0f} MB" if m.size_bytes else "-"
        _say(f"  {lang:8s} {m.kind:6s} {m.key}  built {m.built_at}  {size}  {versions}")
        _say(f"  {'':8s} {m.location}")
    return 0


def toolchains_command(args: argparse.Namespace) -> int:
    if args.toolchains_command == "build":
        return _build(args)
    if args.toolchains_command == "list":
        return _list(args)
    print(f"tolk toolchains: unknown command {args.toolchains_command!r}", file=sys.stderr)
    return 2
