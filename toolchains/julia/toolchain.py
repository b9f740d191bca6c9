"""The Julia toolchain object: Julia >= 1.5 (Debian 11's 1.5.3 here), interpreted, batched.

Key contracts: `JuliaToolchain` satisfies `tolk.toolchains.base.Toolchain` and
`BatchValidating`. Static checks need only tree-sitter-julia, so `availability()` is
always None; `runtime_problem()` is None only when a julia >= 1.5 is found
(`install.find_install`: $TOLK_JULIA, julia on PATH, else the store's Debian 11 root
filesystem) and answers `--version` (probed once per install); otherwise validation ends
in `unverified` (ran_on="static-only"). A host install dir is bound read-only into the
sandbox; a store install is the sandbox's whole root (`sandbox_rootfs`), and its verdicts
say so (`ran_on` "bwrap:debian-bullseye"). julia runs with `--check-bounds=yes` (so
`@inbounds` cannot read out of bounds), no start-up file, no history, one thread.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import tree_sitter

from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.toolchains.base import Lexicon, SandboxNeeds, Toolchain
from tolk.toolchains.julia import batch, checks, contract, harness, text, types
from tolk.toolchains.julia.install import (
    INSTALL_HINT, JULIA_ENV, MIN_VERSION, JuliaInstall, find_install, probe, where,
)

if TYPE_CHECKING:
    from tolk.toolchains.base import BatchItem
    from tolk.validators.validate import ValidationLimits
    from tolk.validators.verdict import Verdict

__all__ = ["JuliaToolchain", "JULIA_ENV", "MIN_VERSION", "FLAGS", "find_julia"]

FLAGS = ("--startup-file=no", "--history-file=no", "--color=no", "--check-bounds=yes",
         "--threads=1")
# A store julia's depot: the sandbox's private /tmp (the work dir is read-only while
# candidates run, and sits at /work under podman).
_ROOTFS_DEPOT = "/tmp/tolk-julia-depot"


def find_julia() -> str | None:
    """The julia binary argv names ($TOLK_JULIA, PATH, or /usr/bin/julia in the store's
    root filesystem), or None."""
    install = find_install()
    return install.binary if install else None


def _binds(install: JuliaInstall | None) -> tuple[str, ...]:
    """Host dirs a host julia needs inside the sandbox (none for a store julia)."""
    if install is None or install.rootfs:
        return ()  # a store julia brings its whole root filesystem
    binary = Path(install.binary).resolve()
    # An official install is <root>/bin/julia with <root>/lib and <root>/share.
    root = binary.parent.parent if binary.parent.name == "bin" else binary.parent
    if root == Path("/usr") or Path("/usr") in root.parents:
        return ()  # the sandbox binds /usr already
    return (str(root),)


@dataclass(frozen=True, slots=True)
class JuliaToolchain(Toolchain):
    lang: Lang = Lang.JULIA
    display_name: str = "Julia"
    source_suffix: str = ".jl"
    #: Debian 12 packages no julia; Debian 11 has 1.5.3 (`tolk toolchains build --langs julia`)
    debian_packages: tuple[str, ...] = ("julia",)
    debian_suite: str = "bullseye"
    optional_runtime: str = "julia"
    runs_on: str = "native"
    memory_rlimit: str = "as"
    fence_tags: tuple[str, ...] = text.FENCE_TAGS
    lexicon: Lexicon = text.LEXICON

    def availability(self) -> str | None:
        return None  # static checks (tree-sitter) always work; running needs runtime_problem

    def runtime_problem(self) -> str | None:
        install = find_install()
        if install is None:
            where = f"${JULIA_ENV}" if os.environ.get(JULIA_ENV) else \
                "PATH or in the toolchain store"
            return f"julia not found on {where}: {INSTALL_HINT}"
        return probe(install)[0]

    def runtime_where(self) -> str:
        """For `tolk doctor`: which julia runs candidates, and from where."""
        install = find_install()
        return f"{probe(install)[1] or 'julia'}: {where(install)}" if install else "no julia"

    def version(self) -> str:
        """`julia 1.5.3 (Debian 1.5.3+dfsg-3, debian-bullseye root filesystem)`, or the
        host julia's bare `julia 1.x.y`: what the samples' toolchain_version records."""
        install = find_install()
        name = probe(install)[1] if install else ""
        if not name:
            return "julia (not available: static checks only)"
        if install is not None and install.rootfs:
            return f"{name} (Debian {install.package or '?'}, {install.label} root filesystem)"
        return name

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

    def _install(self) -> JuliaInstall | None:
        return find_install()

    def _binary(self) -> str:
        install = self._install()
        if install is None:
            return "julia"
        return install.binary if install.rootfs else str(Path(install.binary).resolve())

    def run_argv(self) -> list[str]:
        return [self._binary(), *FLAGS, harness.RUNNER_FILE, "--single"]

    def batch_argv(self) -> list[str]:
        return [self._binary(), *FLAGS, harness.RUNNER_FILE]

    def batch_env(self, workdir: Path) -> dict[str, str]:
        """No user depot, no packages, one BLAS thread (it would start one per core)."""
        install = self._install()
        depot = _ROOTFS_DEPOT if install and install.rootfs else str(workdir / ".depot")
        return {"JULIA_DEPOT_PATH": depot, "JULIA_LOAD_PATH": "@stdlib",
                "JULIA_PKG_OFFLINE": "true", "OPENBLAS_NUM_THREADS": "1",
                "JULIA_NUM_THREADS": "1"}

    def sandbox_binds(self) -> tuple[str, ...]:
        return _binds(self._install())

    def sandbox_rootfs(self) -> str:
        """The root filesystem the sandbox runs a store julia in ("" for a host julia)."""
        install = self._install()
        return install.rootfs if install else ""

    def sandbox_label(self) -> str:
        """What `ran_on` appends after the executor: "debian-bullseye" for a store julia."""
        install = self._install()
        return install.label if install else ""

    def sandbox_needs(self) -> SandboxNeeds:
        install = self._install()  # one look-up (it reads the store's manifest)
        return SandboxNeeds(binds=_binds(install), rootfs=install.rootfs if install else "",
                            label=install.label if install else "")

    def version_note(self, versions: Sequence[str]) -> str:
        # 1.5.3 from Debian 11 here: say why the rows hold for current Julia too.
        return (f"Julia rows ran on {', '.join(versions)}; by Julia's 1.x compatibility "
                "promise, code that this version accepts runs unchanged on every later "
                "1.x release.") if versions else ""

    def extract_definition(self, block: str, sig: Signature) -> str | None:
        return text.extract_definition(block, sig)

    def grammar(self) -> tree_sitter.Language:
        return text.GRAMMAR

    def lower(self, fn: Function) -> str:
        # Lazy: the lowering is a separate, larger module that validation does not need.
        from tolk.toolchains.julia.lowering import lower_function
        return lower_function(fn)

    def validate_batch(self, items: Sequence["BatchItem"],
                       limits: "ValidationLimits") -> list["Verdict"]:
        return batch.validate_batch(self, items, limits)
