"""The Julia toolchain object: Julia 1.10 LTS, interpreted, validated in batches.

Key contracts: `JuliaToolchain` satisfies `tolk.toolchains.base.Toolchain` and
`BatchValidating`. Static checks need only tree-sitter-julia, so `availability()` is
always None; `runtime_problem()` is None only when a julia >= 1.10 is found (env
`TOLK_JULIA`, else `julia` on PATH) and answers `--version` (probed once per path);
otherwise validation ends in `unverified` (ran_on="static-only"). The resolved install
dir is bound read-only into the sandbox; julia runs with `--check-bounds=yes` (so
`@inbounds` cannot read out of bounds), no start-up file, no history, one thread.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.toolchains.julia import batch, checks, contract, harness, types

if TYPE_CHECKING:
    from tolk.toolchains.base import BatchItem
    from tolk.validators.validate import ValidationLimits
    from tolk.validators.verdict import Verdict

__all__ = ["JuliaToolchain", "JULIA_ENV", "MIN_VERSION", "FLAGS", "find_julia"]

JULIA_ENV = "TOLK_JULIA"
MIN_VERSION = (1, 10)
FLAGS = ("--startup-file=no", "--history-file=no", "--color=no", "--check-bounds=yes",
         "--threads=1")
_INSTALL_HINT = ("install Julia 1.10 LTS (official tarball; with juliaup, point $TOLK_JULIA "
                 "at the real bin/julia, not the launcher) or build "
                 "toolchains/julia/Containerfile; verdicts are unverified")
_VERSION = re.compile(r"julia version (\d+)\.(\d+)(?:\.(\d+))?")


def find_julia() -> str | None:
    """The julia binary to use: $TOLK_JULIA when set, else `julia` on PATH."""
    configured = os.environ.get(JULIA_ENV, "").strip()
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) \
            else None
    return shutil.which("julia")


@functools.cache
def _probe(path: str) -> tuple[str | None, str]:
    """(problem or None, 'julia 1.10.5') for one binary, asked once per process."""
    try:
        out = subprocess.run([path, "--startup-file=no", "--version"], capture_output=True,
                             text=True, timeout=120, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{path} does not run ({exc}): {_INSTALL_HINT}", ""
    m = _VERSION.search(out.stdout)
    if out.returncode != 0 or not m:
        return f"{path} --version failed ({out.stderr.strip()[:200]}): {_INSTALL_HINT}", ""
    version = tuple(int(g or 0) for g in m.groups())
    name = "julia " + ".".join(str(v) for v in version)
    if version[:2] < MIN_VERSION:
        return f"{name} is older than 1.10: {_INSTALL_HINT}", name
    return None, name


@dataclass(frozen=True, slots=True)
class JuliaToolchain:
    lang: Lang = Lang.JULIA
    source_suffix: str = ".jl"
    #: Debian 12 packages no Julia 1.10: the image installs the official tarball
    debian_packages: tuple[str, ...] = ()
    runs_on: str = "native"
    memory_rlimit: str = "as"

    def availability(self) -> str | None:
        return None  # static checks (tree-sitter) always work; running needs runtime_problem

    def runtime_problem(self) -> str | None:
        path = find_julia()
        if path is None:
            where = f"${JULIA_ENV}" if os.environ.get(JULIA_ENV) else "PATH"
            return f"julia not found on {where}: {_INSTALL_HINT}"
        return _probe(path)[0]

    def version(self) -> str:
        path = find_julia()
        name = _probe(path)[1] if path else ""
        return name or "julia (not available: static checks only)"

    def supports(self, sig: Signature) -> str | None:
        return types.supports(sig)

    def contract(self, sig: Signature) -> str:
        return contract.contract(sig)

    def static_check(self, code: str, sig: Signature) -> str | None:
        return checks.static_check(code, sig)

    def harness_files(self, sig: Signature, code: str) -> dict[str, str]:
        return harness.harness_files(sig, code)

    def compile_argv(self, files: dict[str, str]) -> list[str] | None:
        return None  # interpreted: loading happens in the runner

    def _binary(self) -> str:
        path = find_julia()
        return str(Path(path).resolve()) if path else "julia"

    def run_argv(self) -> list[str]:
        return [self._binary(), *FLAGS, harness.RUNNER_FILE, "--single"]

    def batch_argv(self) -> list[str]:
        return [self._binary(), *FLAGS, harness.RUNNER_FILE]

    def batch_env(self, workdir: Path) -> dict[str, str]:
        """No user depot, no packages, one BLAS thread (it would start one per core)."""
        return {"JULIA_DEPOT_PATH": str(workdir / ".depot"), "JULIA_LOAD_PATH": "@stdlib",
                "JULIA_PKG_OFFLINE": "true", "OPENBLAS_NUM_THREADS": "1",
                "JULIA_NUM_THREADS": "1"}

    def sandbox_binds(self) -> tuple[str, ...]:
        path = find_julia()
        if path is None:
            return ()
        binary = Path(path).resolve()
        # An official install is <root>/bin/julia with <root>/lib and <root>/share.
        root = binary.parent.parent if binary.parent.name == "bin" else binary.parent
        if root == Path("/usr") or Path("/usr") in root.parents:
            return ()  # the sandbox binds /usr already
        return (str(root),)

    def lower(self, fn: Function) -> str:
        # Lazy: the lowering is a separate, larger module that validation does not need.
        from tolk.toolchains.julia.lowering import lower_function
        return lower_function(fn)

    def validate_batch(self, items: Sequence["BatchItem"],
                       limits: "ValidationLimits") -> list["Verdict"]:
        return batch.validate_batch(self, items, limits)
