"""`tolk doctor`: what is usable on this machine, and how to fix what is not.

Key contracts: `doctor_lines()` returns (component, usable, detail) rows and never raises:
a check that fails unexpectedly becomes a row saying so. Rows: python; one per sandbox
executor (bwrap, host, podman, docker, with the reason one is unusable); per language its
toolchain on this host, its runtime (`runtime_problem()` when absent, else the optional
`runtime_where()`: Julia's version and root filesystem), its Containerfile
(exists, lints clean) and its built container (in the store; the compiler inside runs,
checked once per process with `podman run --rootfs DIR <compiler> --version`); Prefect.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["doctor_command", "doctor_lines"]

Row = tuple[str, bool, str]


def _guarded(name: str, check: Callable[[], list[Row]]) -> list[Row]:
    try:
        return check()
    except Exception as exc:  # doctor reports; it never tracebacks
        return [(name, False, f"check failed: {type(exc).__name__}: {exc}"[:300])]


def _executor_rows() -> list[Row]:
    from tolk.validators.sandbox import available_executors

    rows: list[Row] = []
    for name, why in available_executors().items():
        ok_detail = {"host": "rlimits only, NOT isolated",
                     "podman": "isolated (container per run; needs `tolk toolchains build`)",
                     "docker": "isolated (container per run; images only)"}.get(name, "isolated")
        rows.append((f"sandbox:{name}", why is None, why or ok_detail))
    return rows


def _toolchain_rows(lang: str) -> list[Row]:
    from tolk.toolchains.registry import available_langs, get_toolchain

    if lang not in {str(x) for x in available_langs()}:
        return [(f"toolchain:{lang}", False,
                 f"no toolchain folder yet (toolchains/{lang}/ is not built)")]
    tc = get_toolchain(lang)
    why = tc.availability()
    rows: list[Row] = [(f"toolchain:{lang}", why is None, why or tc.version())]
    problem = tc.runtime_problem()
    if problem:
        rows.append((f"runtime:{lang}", False, problem))
    elif where := tc.runtime_where():
        rows.append((f"runtime:{lang}", True, where))  # e.g. which interpreter, from where
    return rows


def _containerfile_rows(lang: str) -> list[Row]:
    from tolk.toolchains.containers import containerfile_path, lint_containerfile

    path = containerfile_path(lang)
    if not path.is_file():
        return [(f"containerfile:{lang}", False, f"{path} is missing")]
    problems = lint_containerfile(path.read_text())
    return [(f"containerfile:{lang}", not problems, "; ".join(problems)[:300] or f"{path} parses, base pinned")]


def _compiler(lang: str) -> str | None:
    """The program whose `--version` proves the container's toolchain runs."""
    from tolk.toolchains.registry import available_langs, get_toolchain

    if lang not in {str(x) for x in available_langs()}:
        return None
    tc = get_toolchain(lang)
    try:
        argv = tc.compile_argv({}) or tc.run_argv()
    except Exception:  # a toolchain's argv may need real files; then just trust the manifest
        return None
    return argv[0] if argv and not argv[0].startswith(".") else None


@functools.cache
def _container_runs(lang: str, location: str, compiler: str) -> str | None:
    """None when `<compiler> --version` runs in lang's container, else why (once per process)."""
    from tolk.validators.sandbox import SandboxPolicy, run_sandboxed

    work = Path(tempfile.mkdtemp(prefix="tolk-doctor-"))
    try:
        r = run_sandboxed([compiler, "--version"], workdir=work, executor="podman",
                          policy=SandboxPolicy(toolchain=lang, wall_seconds=60.0, cpu_seconds=30))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if r.returncode != 0:
        return f"`{compiler} --version` in {location} failed ({r.returncode}): {r.stderr.strip()[:200]}"
    return None


def _container_rows(lang: str, podman_ok: bool) -> list[Row]:
    from tolk.errors import ToolchainUnavailable
    from tolk.toolchains.containers import container_for, read_manifest, store_dir

    from tolk.toolchains.registry import available_langs, get_toolchain

    name = f"container:{lang}"
    try:
        ref = container_for(lang)
    except ToolchainUnavailable as exc:
        if lang not in {str(x) for x in available_langs()}:
            return [(name, False, "no toolchain registered yet")]
        if not get_toolchain(lang).debian_packages:
            return [(name, False, "not in Debian: build it with `tolk toolchains build "
                     f"--from-containerfile --langs {lang}` where a registry is reachable")]
        return [(name, False, exc.hint)]
    manifest = read_manifest(store_dir(), ref.key)
    built = f"{ref.kind} {ref.key}, built {manifest.built_at if manifest else '?'}"
    compiler = _compiler(lang)
    if ref.kind == "rootfs" and podman_ok and compiler:
        why = _container_runs(lang, ref.location, compiler)
        if why:
            return [(name, False, f"{built}: {why}")]
        built += f"; {compiler} runs inside"
    return [(name, True, built)]


def _prefect_rows() -> list[Row]:
    try:
        import prefect
    except ImportError as exc:
        return [("prefect", False, f"not importable: {exc}; pip install prefect")]
    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect"))
    ok = os.access(home if home.exists() else home.parent, os.W_OK)
    return [("prefect", ok, f"{prefect.__version__}; PREFECT_HOME={home}"
             + ("" if ok else " is not writable: set PREFECT_HOME"))]


def doctor_lines() -> list[Row]:
    """(component, usable, detail) for sandboxes, toolchains, containers and Prefect."""
    from tolk.lang import Lang

    rows: list[Row] = [("python", True, sys.version.split()[0])]
    executors = _guarded("sandbox", _executor_rows)
    rows += executors
    podman_ok = any(name == "sandbox:podman" and ok for name, ok, _ in executors)
    for lang in Lang:
        rows += _guarded(f"toolchain:{lang}", lambda: _toolchain_rows(str(lang)))
        rows += _guarded(f"containerfile:{lang}", lambda: _containerfile_rows(str(lang)))
        rows += _guarded(f"container:{lang}", lambda: _container_rows(str(lang), podman_ok))
    rows += _guarded("prefect", _prefect_rows)
    return rows


def doctor_command() -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="tolk doctor")
    for col in ("component", "usable", "detail"):
        table.add_column(col)
    for name, ok, detail in doctor_lines():
        table.add_row(name, "[green]yes[/]" if ok else "[red]no[/]", detail)
    Console().print(table)
    return 0
