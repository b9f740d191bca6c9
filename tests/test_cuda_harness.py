"""CUDA harness: the contract compiles against it with nvcc for every supported IR type,
and (under the CPU emulation, since there is no GPU here) it reads and writes the wire
format faithfully for every type: identity-like functions round-trip their inputs."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, list_of, tuple_of
from tolk.ir.vectors import Vector
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.cuda.contract import host_header
from tolk.toolchains.cuda.emulation import emulation_compile_argv, emulation_files
from tolk.toolchains.cuda.harness import render_harness
from tolk.validators.compare import Tolerance
from tolk.validators.sandbox import SandboxResult
from tolk.validators.validate import judge
from tolk.validators.verdict import VerdictStatus
from tolk.validators.wire import encode_inputs

SCALARS = (INT, FLOAT, BOOL, STR)
ALL_TYPES: tuple[IRType, ...] = (
    *SCALARS, list_of(INT), list_of(FLOAT), list_of(BOOL), list_of(list_of(INT)),
    list_of(list_of(FLOAT)), list_of(list_of(BOOL)))


def contract_sigs() -> list[Signature]:
    """Every type as a parameter and as a result, plus tuples with a str element."""
    sigs = [Signature(f"f{i}", (Param("x", t), Param("k", INT)), t)
            for i, t in enumerate(ALL_TYPES)]
    sigs.append(Signature("tup", (Param("s", STR),), tuple_of(INT, STR, FLOAT, BOOL)))
    sigs.append(Signature("noargs", (), list_of(list_of(FLOAT))))
    return sigs


def test_harness_declares_the_prototype_and_checks_cuda_after_the_call() -> None:
    sig = Signature("f", (Param("xs", list_of(INT)),), list_of(INT))
    src = render_harness(sig, "#include <cmath>\n#define BLOCK 128\n")
    assert "void f(const long long* xs, long long xs_len, long long* out, long long out_cap, " \
           "long long* out_len);" in src
    call = src.index("tolk_c0::f(")
    assert src.index('std::printf("@@ %lld\\n", k);') < call
    assert call < src.index("TOLK_CHECK(cudaGetLastError());") < \
        src.index("TOLK_CHECK(cudaDeviceSynchronize());") < src.index('"@@end %lld\\n"')
    assert "#include <cmath>" in src and "#undef BLOCK" in src
    assert "#include <vector>" not in src  # only what the candidate includes


@pytest.mark.skipif(CUDA.availability() is not None, reason="nvcc unusable here")
def test_every_contract_compiles_against_its_harness_in_one_nvcc_call(tmp_path: Path) -> None:
    items = [(CUDA.contract(sig), sig) for sig in contract_sigs()]
    files = CUDA.batch_files(items)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    run = subprocess.run(CUDA.batch_compile_argv(files), cwd=tmp_path, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


ROUND_TRIP = '''
def r_int(x: int) -> int:
    return x

def r_float(x: float) -> float:
    return x

def r_bool(x: bool) -> bool:
    return x

def r_str(x: str) -> str:
    return x

def r_ints(x: list[int]) -> list[int]:
    return x

def r_floats(x: list[float]) -> list[float]:
    return x

def r_bools(x: list[bool]) -> list[bool]:
    return x

def r_imat(x: list[list[int]]) -> list[list[int]]:
    return x

def r_fmat(x: list[list[float]]) -> list[list[float]]:
    return x

def r_bmat(x: list[list[bool]]) -> list[list[bool]]:
    return x

def r_tuple(a: int, s: str, f: float, b: bool) -> tuple[bool, float, str, int]:
    return (b, f, s, a)
'''

VALUES = {
    INT: [0, -1, 2**63 - 1, -(2**63)],
    FLOAT: [0.0, -0.0, 1e-310, 1.7976931348623157e308, float("inf"), float("-inf"), 0.1],
    BOOL: [True, False],
    STR: ["", "a b  ", "x" * 300, "tab\there"],
    list_of(INT): [[], [1, -2, 3]],
    list_of(FLOAT): [[], [0.5, -2.25e-300]],
    list_of(BOOL): [[], [True, False, True]],
    list_of(list_of(INT)): [[], [[1, 2], [3, 4], [5, 6]], [[], []]],
    list_of(list_of(FLOAT)): [[[1.5]], [[0.1, 0.2, 0.3]]],
    list_of(list_of(BOOL)): [[[True], [False]]],
}


def _vectors(fn: Function) -> tuple[Vector, ...]:
    params = [p.type for p in fn.signature.params]
    if len(params) == 1:
        return tuple(Vector((v,), v) for v in VALUES[params[0]])
    return tuple(Vector((a, s, f, b), (b, f, s, a))
                 for a, s, f, b in zip(VALUES[INT], VALUES[STR], VALUES[FLOAT], [True, False] * 2))


_COPY_KERNEL = """template <typename T> __global__ void copy_kernel(T* o, const T* in, long long n) {
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += stride)
        o[i] = in[i];
}
template <typename T> __global__ void fill_kernel(T* o, T v) { o[threadIdx.x] = v; }
template <typename T> void copy_via_device(T* out, const T* in, long long n) {
    T* d_in = nullptr;
    T* d_out = nullptr;
    cudaMalloc(&d_in, sizeof(T) * (n > 0 ? n : 1));
    cudaMalloc(&d_out, sizeof(T) * (n > 0 ? n : 1));
    if (n > 0) cudaMemcpy(d_in, in, sizeof(T) * n, cudaMemcpyHostToDevice);
    copy_kernel<T><<<(n + 255) / 256 + 1, 256>>>(d_out, d_in, n);
    if (n > 0) cudaMemcpy(out, d_out, sizeof(T) * n, cudaMemcpyDeviceToHost);
    cudaFree(d_in);
    cudaFree(d_out);
}
template <typename T> T scalar_via_device(T v) {
    T* d = nullptr;
    T r{};
    cudaMalloc(&d, 32 * sizeof(T));
    fill_kernel<T><<<1, 32>>>(d, v);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return r;
}
"""


def _through_device(sig: Signature) -> str:
    """A hand-written identity candidate that moves every value through a thread-indexed
    kernel (the lowering takes data-parallel functions only, and these are not)."""
    t = sig.returns
    if t.kind is Kind.TUPLE:  # r_tuple(a, s, f, b) -> (b, f, s, a)
        body = ["*out2_len = s_len;", "if (s_len <= out2_cap) copy_via_device(out2, s, s_len);",
                "*out0 = scalar_via_device(b);", "*out1 = scalar_via_device(f);",
                "*out3 = scalar_via_device(a);"]
    elif t.rank == 2:
        body = ["*out_rows = x_rows;", "*out_cols = x_cols;",
                "if (x_rows * x_cols <= out_cap) copy_via_device(out, x, x_rows * x_cols);"]
    elif t.rank == 1 or t.kind is Kind.STR:
        body = ["*out_len = x_len;", "if (x_len <= out_cap) copy_via_device(out, x, x_len);"]
    else:
        body = ["return scalar_via_device(x);"]
    return ("#include <cuda_runtime.h>\n\n" + _COPY_KERNEL + "\n" + host_header(sig) + " {\n"
            + "".join(f"    {line}\n" for line in body) + "}\n")


@pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ for the emulation")
def test_wire_round_trip_for_every_type_under_cpu_emulation(tmp_path: Path) -> None:
    fns = [f for f in analyze_source(ROUND_TRIP) if isinstance(f, Function)]
    assert len(fns) == 11
    assert all(CUDA.static_check(_through_device(f.signature), f.signature) is None for f in fns)
    files = emulation_files(CUDA.batch_files([(_through_device(f.signature), f.signature)
                                              for f in fns]))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(emulation_compile_argv("batch.cu", "batch"), cwd=tmp_path, check=True,
                   capture_output=True, timeout=600)
    for i, fn in enumerate(fns):
        vectors = _vectors(fn)
        stdin = encode_inputs([v.args for v in vectors], [p.type for p in fn.signature.params])
        run = subprocess.run(["./batch", str(i)], cwd=tmp_path, input=stdin,
                             capture_output=True, text=True, timeout=60)
        res = SandboxResult(run.returncode, "", False, run.stdout, run.stderr, False, False,
                            0.0, 0.0, 0, "cpu-emulation")
        # Exact comparison: floats must survive %.17g and strtod bit for bit.
        v = judge(res, fn.signature, vectors, Tolerance(rel=0.0, abs=0.0))
        assert v.status is VerdictStatus.PASSED, (fn.name, v, run.stdout[:500])
