"""Where julia comes from: a host install, or Debian 11's julia in a store root filesystem.

Resolution order (`find_install`): `$TOLK_JULIA` when set (it must be an executable
file, else there is no julia), else `julia` on PATH, else the toolchain store's `julia`
entry (`tolk toolchains build --langs julia`: a Debian 11 "bullseye" minbase root
filesystem with the `julia` package, 1.5.3). A host julia runs with its install dir bound
into the usual sandbox; the store's runs with that root filesystem as the sandbox's `/`
(bwrap) or as `podman run --rootfs`.

Key contracts: `find_install()` never raises and never builds; `probe(install)` runs
`julia --version` once per install per process (a store julia inside the sandbox: it needs
its own libraries) and returns (problem or None, "julia 1.5.3"); the problem says how to
get a julia. Versions below `MIN_VERSION` are refused. Code that 1.5 accepts runs on later
1.x (Julia's compatibility promise), so the harness and lowering target 1.5.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["JULIA_ENV", "MIN_VERSION", "ROOTFS_JULIA", "JuliaInstall", "find_install", "probe",
           "where", "INSTALL_HINT"]

JULIA_ENV = "TOLK_JULIA"
MIN_VERSION = (1, 5)
ROOTFS_JULIA = "/usr/bin/julia"  # where Debian's package puts it inside the root filesystem
INSTALL_HINT = ("build Debian 11's julia 1.5.3 with `tolk toolchains build --langs julia` "
                "(scripts/setup.sh does), or install Julia >= 1.5 (with juliaup, point "
                "$TOLK_JULIA at the real bin/julia, not the launcher); until then verdicts "
                "are unverified")
_VERSION = re.compile(r"julia version (\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, slots=True)
class JuliaInstall:
    binary: str  # the path argv names: a host path, or ROOTFS_JULIA inside `rootfs`
    rootfs: str = ""  # the store's root filesystem; "" for a host install
    label: str = ""  # "debian-bullseye" for a store install: goes into ran_on
    package: str = ""  # the Debian package version ("1.5.3+dfsg-3"), store installs only
    origin: str = ""  # "$TOLK_JULIA", "PATH" or "store <key>": for doctor and errors


def find_install() -> JuliaInstall | None:
    """The julia to use (see the module doc), or None when there is none."""
    configured = os.environ.get(JULIA_ENV, "").strip()
    if configured:
        ok = os.path.isfile(configured) and os.access(configured, os.X_OK)
        return JuliaInstall(configured, origin=f"${JULIA_ENV}") if ok else None
    host = shutil.which("julia")
    if host:
        return JuliaInstall(host, origin="PATH")
    return _store_install()


def _store_install() -> JuliaInstall | None:
    from tolk.errors import TolkError
    from tolk.toolchains.containers import container_for, read_manifest, store_dir

    try:
        ref = container_for("julia")
    except TolkError:
        return None
    if ref.kind != "rootfs" or not (Path(ref.location) / ROOTFS_JULIA.lstrip("/")).exists():
        return None
    manifest = read_manifest(store_dir(), ref.key)
    suite = ref.key.split("-")[1] if ref.key.count("-") >= 2 else "rootfs"
    return JuliaInstall(ROOTFS_JULIA, rootfs=ref.location, label=f"debian-{suite}",
                        package=(manifest.versions.get("julia", "") if manifest else ""),
                        origin=f"store {ref.key}")


def where(install: JuliaInstall | None) -> str:
    """Human words for doctor: which julia, from where."""
    if install is None:
        return "no julia"
    if install.rootfs:
        return (f"{install.binary} in the root filesystem {install.rootfs} ({install.origin}; "
                f"Debian package {install.package or '?'})")
    return f"{install.binary} ({install.origin})"


def probe(install: JuliaInstall) -> tuple[str | None, str]:
    """(problem or None, 'julia 1.5.3') for one install, asked once per process."""
    return _probe(install.binary, install.rootfs)


@functools.cache
def _probe(binary: str, rootfs: str) -> tuple[str | None, str]:
    where_ = f"{binary} in {rootfs}" if rootfs else binary
    try:
        out, err, rc = _version_output(binary, rootfs)
    except Exception as exc:  # noqa: BLE001 - any failure to start means: no usable julia
        return f"{where_} does not run ({type(exc).__name__}: {exc}): {INSTALL_HINT}", ""
    m = _VERSION.search(out)
    if rc != 0 or not m:
        return f"{where_} --version failed ({err.strip()[:200]}): {INSTALL_HINT}", ""
    version = tuple(int(g or 0) for g in m.groups())
    name = "julia " + ".".join(str(v) for v in version)
    if version[:2] < MIN_VERSION:
        return f"{name} is older than {'.'.join(map(str, MIN_VERSION))}: {INSTALL_HINT}", name
    return None, name


def _version_output(binary: str, rootfs: str) -> tuple[str, str, int]:
    argv = [binary, "--startup-file=no", "--version"]
    if not rootfs:
        run = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        return run.stdout, run.stderr, run.returncode
    # The store's julia needs its own libraries: ask it inside the sandbox it will run in.
    from tolk.validators.sandbox import SandboxPolicy, run_sandboxed

    work = Path(tempfile.mkdtemp(prefix="tolk-julia-probe-"))
    try:
        r = run_sandboxed(argv, workdir=work, executor="bwrap",
                          policy=SandboxPolicy(rootfs=rootfs, wall_seconds=60.0, cpu_seconds=30,
                                               memory_bytes=0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return r.stdout, r.stderr, r.returncode if r.returncode is not None else -1
