"""CUDA target (nvcc 13): contract, harness, static checks, lowering, toolchain object.

Key contracts: `CUDA` is the one toolchain object the registry maps `Lang.CUDA` to;
README.md beside this file is the candidate contract, the type map and the verdict
semantics (`gpu` vs `compile-only`).
"""

from tolk.toolchains.cuda.toolchain import CudaToolchain

__all__ = ["CUDA", "CudaToolchain"]

CUDA = CudaToolchain()
