"""An explicitly labelled CPU emulation of a CUDA build, for testing lowerings without a GPU.

The same harness and candidate sources compile with g++ against emu_cuda_runtime.cuh (a
shim: device memory is host memory, a launch runs every thread of every block in turn),
after one rewrite: `k<<<g, b>>>(args)` becomes `tolk_emu_launch(g, b, k, args)`. That is
faithful for kernels without barriers, shared memory or warp-level operations, which is
all the lowering emits; it proves nothing about a GPU (scheduling, memory limits, the
driver) and never yields `passed` in the pipeline: tests use it to check that lowered
code computes what the Python reference computes.

Key contracts: `emulation_files(files)` maps a harness build (single or batch, from
`CudaToolchain.harness_files` / `batch_files`) to the files of an emulated build, and
`emulation_compile_argv(main_file, output)` compiles it; run the output like the real one.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["emulation_files", "emulation_compile_argv", "rewrite_launches", "SHIM_DIR"]

SHIM_DIR = "emu"
# Shipped as *.cuh (package data); written into the build as emu/cuda_runtime.h.
_SHIM = Path(__file__).parent / "emu_cuda_runtime.cuh"
_LAUNCH = re.compile(
    r"([A-Za-z_][\w:]*(?:\s*<[^<>;]*>)?)\s*<<<\s*(.+?)\s*,\s*(.+?)\s*>>>\s*\(\s*(\)?)")


def rewrite_launches(code: str) -> str:
    """`k<<<g, b>>>(a, c)` -> `tolk_emu_launch(g, b, k, a, c)` (two-argument launches only)."""
    def sub(m: re.Match[str]) -> str:
        head = f"tolk_emu_launch({m.group(2)}, {m.group(3)}, {m.group(1)}"
        return head + (")" if m.group(4) else ", ")
    return _LAUNCH.sub(sub, code)


def emulation_files(files: dict[str, str]) -> dict[str, str]:
    out = {name: rewrite_launches(text) for name, text in files.items()}
    out[f"{SHIM_DIR}/cuda_runtime.h"] = _SHIM.read_text()
    return out


def emulation_compile_argv(main_file: str, output: str) -> list[str]:
    return ["g++", "-std=c++17", "-O1", "-w", "-I", SHIM_DIR, "-x", "c++", main_file, "-o", output]
