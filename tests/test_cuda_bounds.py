"""CUDA harness bounds (issue 16): input and output host arrays end at a guard page, so a
candidate that reads one element past an input (or writes past an output's capacity) gets
SIGSEGV on that vector instead of a spare zero or the previous vector's data. Checked under
the CPU emulation (no GPU here); the harness is the same file nvcc builds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import INT, list_of
from tolk.ir.vectors import Vector
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.cuda.emulation import emulation_compile_argv, emulation_files
from tolk.validators.compare import Tolerance
from tolk.validators.sandbox import SandboxResult
from tolk.validators.validate import judge
from tolk.validators.verdict import VerdictStatus
from tolk.validators.wire import encode_inputs

SIG = Signature("total", (Param("xs", list_of(INT)),), INT)
KERNEL = """
#include <cuda_runtime.h>
__global__ void total_kernel(const long long* xs, long long n, unsigned long long* out) {
    long long stride = (long long)gridDim.x * blockDim.x;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += stride)
        atomicAdd(out, (unsigned long long)xs[i]);
}
long long total(const long long* xs, long long xs_len) {
    long long n = xs_len{extra};
    long long* d = nullptr;
    unsigned long long* o = nullptr;
    unsigned long long r = 0;
    cudaMalloc(&d, sizeof(long long) * (n > 0 ? n : 1));
    cudaMalloc(&o, sizeof(unsigned long long));
    cudaMemcpy(o, &r, sizeof r, cudaMemcpyHostToDevice);
    cudaMemcpy(d, xs, sizeof(long long) * n, cudaMemcpyHostToDevice);
    total_kernel<<<4, 256>>>(d, n, o);
    cudaMemcpy(&r, o, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    cudaFree(o);
    return (long long)r;
}
"""
VECTORS = (Vector(([1, 2, 3],), 6), Vector(([5] * 1024,), 5 * 1024), Vector(([],), 0))


def _run(tmp_path: Path, code: str) -> VerdictStatus:
    assert CUDA.static_check(code, SIG) is None
    files = emulation_files(CUDA.batch_files([(code, SIG)]))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(emulation_compile_argv("batch.cu", "batch"), cwd=tmp_path, check=True,
                   capture_output=True, timeout=600)
    stdin = encode_inputs([v.args for v in VECTORS], [list_of(INT)])
    run = subprocess.run(["./batch", "0"], cwd=tmp_path, input=stdin, capture_output=True,
                         text=True, timeout=60)
    res = SandboxResult(run.returncode, "", False, run.stdout, run.stderr, False, False,
                        0.0, 0.0, 0, "cpu-emulation")
    return judge(res, SIG, VECTORS, Tolerance()).status


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ for the emulation")
def test_reading_one_past_an_input_is_a_runtime_error(tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    assert _run(tmp_path / "good", KERNEL.replace("{extra}", "")) is VerdictStatus.PASSED
    # With the old spare zero element this off-by-one copy summed correctly and passed.
    assert _run(tmp_path / "bad", KERNEL.replace("{extra}", " + 1")) \
        is VerdictStatus.RUNTIME_ERROR
