"""The Fortran toolchain object: gfortran 12, one module `candidate` plus a generated harness.

Key contracts: `FortranToolchain` satisfies `tolk.toolchains.base.Toolchain`. The work dir
holds `candidate.f90` and `harness.f90`; one gfortran invocation builds `./harness`.
Flags (why each one is in README.md): `-std=f2018` keeps samples standard and makes GNU
extension intrinsics unlinkable, `-fcheck=all` turns out-of-bounds and similar bugs into
runtime errors attributable to a vector, `-fsanitize=signed-integer-overflow
-fsanitize-undefined-trap-on-error` makes integer overflow a runtime error, `-J .` keeps `.mod` files in the private work dir
(gfortran does not create a `-J` directory, and the work dir is per candidate).
It also satisfies `BatchCompiled` (many candidates, one gfortran invocation: `batch.py`).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tree_sitter

from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.toolchains.base import Lexicon, Prebuilt, SandboxNeeds, Toolchain
from tolk.toolchains.fortran import batch, checks, contract, harness, text, types

__all__ = ["FortranToolchain", "COMPILER", "FLAGS"]

COMPILER = "gfortran"
# Signed integer overflow traps (SIGILL, no sanitizer runtime needed): the int64 contract
# says a candidate that overflows on an in-contract vector is wrong, never wrapped.
OVERFLOW_FLAGS = ("-fsanitize=signed-integer-overflow", "-fsanitize-undefined-trap-on-error")
FLAGS = ("-std=f2018", "-fcheck=all", *OVERFLOW_FLAGS, "-O1", "-fmax-errors=10", "-J", ".")
_INSTALL_HINT = "apt-get install gfortran (Debian/Ubuntu), or use toolchains/fortran/Containerfile"


@functools.cache
def _gfortran_version() -> str:
    """`gfortran <version>`, asked once per process (the compiler does not change under us)."""
    out = subprocess.run([COMPILER, "-dumpfullversion"], capture_output=True, text=True,
                         timeout=30, check=True)
    return f"{COMPILER} {out.stdout.strip()}"


@dataclass(frozen=True, slots=True)
class FortranToolchain(Toolchain):
    lang: Lang = Lang.FORTRAN
    display_name: str = "Fortran"
    source_suffix: str = ".f90"
    #: what an offline (debootstrap) toolchain root filesystem must include
    debian_packages: tuple[str, ...] = ("gfortran",)
    runs_on: str = "native"
    memory_rlimit: str = "as"
    fence_tags: tuple[str, ...] = text.FENCE_TAGS
    lexicon: Lexicon = text.LEXICON

    def availability(self) -> str | None:
        if shutil.which(COMPILER) is None:
            return f"{COMPILER} not found on PATH: {_INSTALL_HINT}"
        try:
            _gfortran_version()
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{COMPILER} does not run ({exc}): {_INSTALL_HINT}"
        return None

    def version(self) -> str:
        return _gfortran_version()

    def supports(self, sig: Signature) -> str | None:
        return types.supports(sig)

    def contract(self, sig: Signature) -> str:
        return contract.contract(sig)

    def static_check(self, code: str, sig: Signature) -> str | None:
        return checks.static_check(code, sig)

    def harness_files(self, sig: Signature, code: str) -> dict[str, str]:
        return {harness.CANDIDATE_FILE: code, harness.HARNESS_FILE: harness.render_harness(sig)}

    def runtime_problem(self) -> str | None:
        return None  # compiled harnesses run natively wherever gfortran exists

    def compile_argv(self, files: dict[str, str]) -> list[str]:
        # The module must come before the program that uses it (it writes candidate.mod).
        return [COMPILER, *FLAGS, harness.CANDIDATE_FILE, harness.HARNESS_FILE, "-o", "harness"]

    def run_argv(self) -> list[str]:
        return ["./harness"]

    def sandbox_binds(self) -> tuple[str, ...]:
        # gfortran, f951, as, ld, libgfortran and glibc all live under /usr on Debian 12
        # (merged /usr: /lib, /lib64 and /bin are symlinks into it).
        return ()

    def sandbox_env(self) -> dict[str, str]:
        # libgfortran's backtrace on a runtime error (`-fcheck` failures, `error stop`, end of
        # input) costs ~125 ms of symbol reading per failing run here, and its lines carry
        # nothing a verdict uses: the message and exit status stay the same without it.
        return {"GFORTRAN_ERROR_BACKTRACE": "0"}

    def sandbox_needs(self) -> SandboxNeeds:
        return SandboxNeeds(binds=self.sandbox_binds(), env=tuple(self.sandbox_env().items()))

    def extract_definition(self, block: str, sig: Signature) -> str | None:
        return text.extract_definition(block, sig)

    def grammar(self) -> tree_sitter.Language:
        return text.GRAMMAR

    def lower(self, fn: Function) -> str:
        # Lazy: the lowering is a separate, larger module that validation does not need.
        from tolk.toolchains.fortran.lowering import lower_function
        return lower_function(fn)

    # BatchCompiled (tolk.toolchains.base): see batch.py for the build's layout.

    def batch_files(self, items: Sequence[tuple[str, Signature]]) -> dict[str, str]:
        return batch.batch_files(items)

    def batch_prebuilt(self, items: Sequence[tuple[str, Signature]]) -> list[Prebuilt]:
        """tolk_wire and the shared runners, built once per process (BatchPrebuilding)."""
        return batch.prebuilt(items, COMPILER, FLAGS, self.version())

    def batch_compile_argv(self, files: dict[str, str]) -> list[str]:
        return batch.compile_argv(COMPILER, FLAGS)

    def batch_run_argv(self, index: int) -> list[str]:
        return [f"./{batch.EXECUTABLE}", str(index)]

    def batch_blame(self, workdir: Path, compiler_output: str, n: int) -> set[int]:
        """Candidates that a failed n-candidate build in workdir is due to (batch.blame)."""
        return batch.blame(workdir, compiler_output, n)
