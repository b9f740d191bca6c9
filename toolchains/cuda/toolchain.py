"""The CUDA toolchain object: nvcc 13, a host function that launches kernels, one harness.

Key contracts: `CudaToolchain` satisfies `tolk.toolchains.base.Toolchain` and
`BatchCompiled`. The work dir holds `candidate.cu` and `harness.cu` (which #includes the
candidate inside a namespace); one nvcc invocation builds `./harness`. A batch holds
`cand_<i>.cu` for every candidate and `batch.cu`, built into `./batch`; `./batch i` runs
candidate i with the same wire I/O as its single harness.

Flags (README.md says why): `-std=c++17 -O2 -arch=sm_80` (SASS for sm_80 plus compute_80
PTX, which the driver JIT-compiles for any newer GPU: A100, H100, L4, ...). nvcc needs
gcc/g++ and the CUDA install dir; both sit under /usr here (bound by every sandbox).
Without a GPU (`nvidia-smi -L` lists none) `runtime_problem()` says so and validation
ends `unverified` / `compile-only` after a successful compile.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import tree_sitter

from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.toolchains.base import Lexicon, SandboxNeeds, Toolchain
from tolk.toolchains.cuda import checks, contract, harness, text, types

__all__ = ["CudaToolchain", "COMPILER", "FLAGS", "gpu_present", "cuda_home"]

COMPILER = "nvcc"
FLAGS = ("-std=c++17", "-O2", "-arch=sm_80")
_INSTALL_HINT = ("install the CUDA toolkit (nvcc 13) and gcc/g++, or build "
                 "toolchains/cuda/Containerfile")


@functools.cache
def _nvcc_version() -> str:
    """`nvcc <version>`, asked once per process."""
    out = subprocess.run([COMPILER, "--version"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    m = re.search(r"V(\d+\.\d+\.\d+)", out) or re.search(r"release (\d+\.\d+)", out)
    return f"{COMPILER} {m.group(1) if m else 'unknown'}"


@functools.cache
def cuda_home() -> Path | None:
    """The CUDA install dir nvcc runs from. /usr/local/bin/nvcc may be a symlink or a
    wrapper script (`exec /usr/local/cuda-13.0/bin/nvcc "$@"`): follow either."""
    found = shutil.which(COMPILER)
    if found is None:
        return None
    real = Path(found).resolve()
    if real.parent.name == "bin" and (real.parent.parent / "include" / "cuda_runtime.h").exists():
        return real.parent.parent
    try:
        text = real.read_text(errors="replace")[:4096]
    except OSError:
        text = ""
    m = re.search(r"(/\S+)/bin/nvcc\b", text)
    if m and (Path(m.group(1)) / "include" / "cuda_runtime.h").exists():
        return Path(m.group(1)).resolve()
    for env in ("CUDA_HOME", "CUDA_PATH"):
        if (p := os.environ.get(env)) and Path(p, "bin", COMPILER).exists():
            return Path(p).resolve()
    return None


@functools.cache
def gpu_present() -> bool:
    """Whether `nvidia-smi -L` lists a GPU (probed once per process)."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


@functools.cache
def _driver_paths() -> tuple[str, ...]:
    """Device nodes and driver library dirs a GPU run needs (outside /usr only; /usr is
    bound by every sandbox)."""
    devs = sorted(glob.glob("/dev/nvidia*")) + sorted(glob.glob("/dev/nvidia-caps/*"))
    libs: set[str] = set()
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, timeout=30,
                             check=False).stdout
    except (OSError, subprocess.SubprocessError):
        out = ""
    for line in out.splitlines():
        if "libcuda.so" in line and "=>" in line:
            d = str(Path(line.split("=>")[-1].strip()).resolve().parent)
            if not d.startswith("/usr/"):
                libs.add(d)
    return (*devs, *sorted(libs))


@dataclass(frozen=True, slots=True)
class CudaToolchain(Toolchain):
    lang: Lang = Lang.CUDA
    display_name: str = "CUDA C++"
    source_suffix: str = ".cu"
    #: Debian 12 packages no CUDA 13: the image comes from Containerfile only
    debian_packages: tuple[str, ...] = ()
    runs_on: str = "gpu"
    memory_rlimit: str = "data"
    slow_compiler: bool = True  # nvcc: seconds for any program
    optional_runtime: str = "a GPU"
    fence_tags: tuple[str, ...] = text.FENCE_TAGS
    lexicon: Lexicon = text.LEXICON

    def availability(self) -> str | None:
        if shutil.which(COMPILER) is None:
            return f"{COMPILER} not found on PATH: {_INSTALL_HINT}"
        if shutil.which("g++") is None:
            return f"g++ not found (nvcc needs a host compiler): {_INSTALL_HINT}"
        try:
            _nvcc_version()
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{COMPILER} does not run ({exc}): {_INSTALL_HINT}"
        return None

    def version(self) -> str:
        return _nvcc_version()

    def supports(self, sig: Signature) -> str | None:
        return types.supports(sig)

    def supports_function(self, fn: Function) -> str | None:
        """The parallel contract: only data-parallel functions are CUDA targets
        (`tolk.ir.parallel`); a scalar function is `unsupported:not_data_parallel`."""
        from tolk.ir.parallel import NOT_DATA_PARALLEL, parallel_loop
        return self.supports(fn.signature) or (
            None if parallel_loop(fn) is not None else NOT_DATA_PARALLEL)

    def contract(self, sig: Signature) -> str:
        return contract.contract(sig)

    def static_check(self, code: str, sig: Signature) -> str | None:
        return checks.static_check(code, sig)

    def harness_files(self, sig: Signature, code: str) -> dict[str, str]:
        return {harness.CANDIDATE_FILE: code,
                harness.HARNESS_FILE: harness.render_harness(sig, code)}

    def runtime_problem(self) -> str | None:
        if gpu_present():
            return None
        return "no GPU (nvidia-smi sees none): compile-only"

    def compile_argv(self, files: dict[str, str]) -> list[str]:
        return [COMPILER, *FLAGS, harness.HARNESS_FILE, "-o", "harness"]

    def run_argv(self) -> list[str]:
        return ["./harness"]

    def sandbox_path_dirs(self) -> tuple[str, ...]:
        """nvcc by name inside any sandbox: its host install dir's bin (GPU machines keep it
        in /usr/local/cuda-13.0/bin, on the caller's PATH only) and the image's."""
        home = cuda_home()
        dirs = (f"{home}/bin",) if home is not None else ()
        return tuple(dict.fromkeys((*dirs, "/usr/local/cuda/bin")))

    def sandbox_binds(self) -> tuple[str, ...]:
        # nvcc runs cudafe++/cicc/ptxas/fatbinary from its install dir and gcc from /usr;
        # under merged /usr both are already bound, the install dir is named in case it
        # lives elsewhere (/opt/cuda).
        home = cuda_home()
        binds = (str(home),) if home is not None and not str(home).startswith("/usr/") else ()
        return binds + (_driver_paths() if gpu_present() else ())

    def sandbox_needs(self) -> SandboxNeeds:
        return SandboxNeeds(binds=self.sandbox_binds(), path_dirs=self.sandbox_path_dirs())

    def repair_hint(self, reason: str) -> str:
        return text.SERIAL_KERNEL_HINT if "serial_kernel" in reason else ""

    def extract_definition(self, block: str, sig: Signature) -> str | None:
        return text.extract_definition(block, sig)

    def grammar(self) -> tree_sitter.Language:
        return text.GRAMMAR

    # ---- BatchCompiled ---------------------------------------------------------------

    def batch_files(self, items: Sequence[tuple[str, Signature]]) -> dict[str, str]:
        files = {harness.batch_candidate_file(i): code for i, (code, _) in enumerate(items)}
        files[harness.BATCH_FILE] = harness.render_batch(items)
        return files

    def batch_compile_argv(self, files: dict[str, str]) -> list[str]:
        return [COMPILER, *FLAGS, harness.BATCH_FILE, "-o", "batch"]

    def batch_run_argv(self, index: int) -> list[str]:
        return ["./batch", str(index)]

    def batch_blame(self, workdir: Path, compiler_output: str, n: int) -> set[int]:
        """Candidates a failed n-candidate build is due to (`tolk.validators.batch`'s
        BatchBlaming): those its error lines name; empty means bisect."""
        return harness.blame(compiler_output, n)

    def lower(self, fn: Function) -> str:
        # Lazy: the lowering is a separate, larger module that validation does not need.
        from tolk.toolchains.cuda.lowering import lower_function
        return lower_function(fn)
