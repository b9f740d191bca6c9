"""The parallel contract for CUDA: which functions are data-parallel (tolk.ir.parallel),
serial kernels refused statically (`serial_kernel`), lowered kernels parallel and free of
any allocator runtime."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Param, Signature
from tolk.ir.parallel import NOT_DATA_PARALLEL, parallel_loop, parallel_pattern
from tolk.ir.types import INT, list_of
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.cuda import CUDA
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import VerdictStatus

PATTERNS = '''
def scale(xs: list[float], k: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        out.append(x * k)
    return out


def smooth(xs: list[int]) -> list[int]:
    out = [0] * len(xs)
    for i in range(1, len(xs) - 1):
        out[i] = xs[i - 1] + xs[i + 1]
    return out


def row_totals(m: list[list[int]]) -> list[int]:
    out: list[int] = []
    for i in range(len(m)):
        s = 0
        for j in range(len(m[i])):
            s += m[i][j]
        out.append(s)
    return out


def mv(m: list[list[int]], v: list[int]) -> list[int]:
    out = [0] * len(m)
    for i in range(len(m)):
        s = 0
        for j in range(min(len(m[i]), len(v))):
            s += m[i][j] * v[j]
        out[i] = s
    return out


def negate(m: list[list[int]]) -> list[list[int]]:
    cols = len(m[0]) if len(m) > 0 else 0
    out = [[0] * cols for _ in range(len(m))]
    for i in range(len(m)):
        for j in range(cols):
            out[i][j] = -m[i][j]
    return out


def mm(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    p = len(b[0]) if len(b) > 0 else 0
    k = min(len(a[0]) if len(a) > 0 else 0, len(b))
    out = [[0] * p for _ in range(len(a))]
    for i in range(len(a)):
        for j in range(p):
            s = 0
            for t in range(k):
                s += a[i][t] * b[t][j]
            out[i][j] = s
    return out


def total(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x
    return s


def biggest(xs: list[int]) -> int:
    best = 0
    for x in xs:
        if x > best:
            best = x
    return best


def has_zero(xs: list[int]) -> bool:
    found = False
    for x in xs:
        if x == 0:
            found = True
    return found


def parity_bins(xs: list[int]) -> list[int]:
    bins = [0] * 2
    for x in xs:
        bins[x % 2] += 1
    return bins
'''

SCALAR = '''
def prefix(xs: list[int]) -> list[int]:
    out = [0] * len(xs)
    for i in range(1, len(xs)):
        out[i] = out[i - 1] + xs[i]
    return out


def running(xs: list[int]) -> list[int]:
    out: list[int] = []
    best = 0
    for x in xs:
        best = max(best, x)
        out.append(best)
    return out


def first_negative(xs: list[int]) -> int:
    r = -1
    for i in range(len(xs)):
        if xs[i] < 0:
            r = i
            break
    return r


def scatter(xs: list[int]) -> list[int]:
    out = [0] * 8
    for x in xs:
        out[x % 8] = x
    return out


def float_max(xs: list[float]) -> float:
    best = 0.0
    for x in xs:
        if x > best:
            best = x
    return best


def digits(n: int) -> int:
    s = 0
    m = abs(n)
    while m > 0:
        s += m % 10
        m //= 10
    return s
'''


def functions(src: str) -> dict[str, Function]:
    return {f.name: f for f in analyze_source(src) if isinstance(f, Function)}


def test_ir_records_the_data_parallel_pattern() -> None:
    got = {name: (parallel_pattern(f), parallel_loop(f).op)  # type: ignore[union-attr]
           for name, f in functions(PATTERNS).items()}
    assert got == {
        "scale": ("map", ""), "smooth": ("stencil", ""), "row_totals": ("rows", ""),
        "mv": ("matvec", ""), "negate": ("map2d", ""), "mm": ("matmul", ""),
        "total": ("reduce", "sum"), "biggest": ("reduce", "max"),
        "has_zero": ("reduce", "any"), "parity_bins": ("histogram", "sum"),
    }


def test_scalar_functions_are_not_data_parallel_and_cuda_refuses_them() -> None:
    """Scans, carried scalars, early exits, scatters, float max (NaN makes order visible)
    and loop-free or while-loop functions."""
    for name, fn in functions(SCALAR).items():
        assert parallel_loop(fn) is None, name
        assert CUDA.supports_function(fn) == NOT_DATA_PARALLEL, name
        with pytest.raises(UnsupportedProgram, match=NOT_DATA_PARALLEL):
            CUDA.lower(fn)
    assert all(CUDA.supports_function(f) is None for f in functions(PATTERNS).values())


def test_lowered_kernels_pass_the_parallel_checks_and_carry_no_arena() -> None:
    for name, fn in functions(PATTERNS).items():
        code = CUDA.lower(fn)
        assert CUDA.static_check(code, fn.signature) is None, name
        assert "<<<1, 1>>>" not in code and "Arena" not in code and " alloc(" not in code, name
        assert "blockIdx.x" in code and "lw::blocks_for(" in code, name
    reduce = CUDA.lower(functions(PATTERNS)["total"])
    assert "atomicAdd(reinterpret_cast<unsigned long long*>(lw_acc)" in reduce
    assert "atomicMax(lw_acc, lw_sh[0])" in CUDA.lower(functions(PATTERNS)["biggest"])
    assert "atomicOr(lw_acc, 1u)" in CUDA.lower(functions(PATTERNS)["has_zero"])
    # Every CUDA call in the host function is checked.
    host = reduce[reduce.index("long long total("):]
    assert host.count("cudaGetLastError") == 1 and "lw_st.ok(cudaFree" in host


SIG = Signature("total", (Param("xs", list_of(INT)),), INT)
HOST = """
long long total(const long long* xs, long long xs_len) {
    long long* d = nullptr;
    unsigned long long* acc = nullptr;
    unsigned long long r = 0;
    if (cudaMalloc(&d, sizeof(long long) * (xs_len > 0 ? xs_len : 1)) != cudaSuccess) return 0;
    if (cudaMalloc(&acc, sizeof r) != cudaSuccess) return 0;
    if (xs_len > 0 && cudaMemcpy(d, xs, sizeof(long long) * xs_len,
                                 cudaMemcpyHostToDevice) != cudaSuccess) return 0;
    if (cudaMemcpy(acc, &r, sizeof r, cudaMemcpyHostToDevice) != cudaSuccess) return 0;
    LAUNCH
    if (cudaGetLastError() != cudaSuccess) return 0;
    if (cudaMemcpy(&r, acc, sizeof r, cudaMemcpyDeviceToHost) != cudaSuccess) return 0;
    cudaFree(d);
    cudaFree(acc);
    return static_cast<long long>(r);
}
"""
GRID_STRIDE = """__global__ void k(const long long* xs, long long n, unsigned long long* acc) {
    unsigned long long part = 0;
    long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < n;
         i += stride)
        part += static_cast<unsigned long long>(xs[i]);
    atomicAdd(acc, part);
}"""
WHOLE_LOOP = """__global__ void k(const long long* xs, long long n, unsigned long long* acc) {
    unsigned long long s = 0;
    for (long long i = 0; i < n; ++i) s += static_cast<unsigned long long>(xs[i]);
    atomicAdd(acc, s);
}"""
GUARDED = """__global__ void k(const long long* xs, long long n, unsigned long long* acc) {
    if (threadIdx.x == 0 && blockIdx.x == 0) {
        unsigned long long s = 0;
        for (long long i = 0; i < n; ++i) s += static_cast<unsigned long long>(xs[i]);
        *acc = s;
    }
}"""
EARLY_RETURN = """__global__ void k(const long long* xs, long long n, unsigned long long* acc) {
    long long tid = blockIdx.x * blockDim.x + threadIdx.x;
    if (tid != 0) return;
    unsigned long long s = 0;
    for (long long i = 0; i < n; ++i) s += static_cast<unsigned long long>(xs[i]);
    *acc = s;
}"""
SHARED_TREE = """__global__ void k(const long long* xs, long long n, unsigned long long* acc) {
    __shared__ unsigned long long part[256];
    long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
    part[threadIdx.x] = i < n ? static_cast<unsigned long long>(xs[i]) : 0;
    __syncthreads();
    for (int s = 128; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) atomicAdd(acc, part[0]);
}"""
GRID = "k<<<(xs_len + 255) / 256 + 1, 256>>>(d, xs_len, acc);"


def candidate(kernel: str, launch: str = GRID) -> str:
    return "#include <cuda_runtime.h>\n\n" + kernel + "\n" + HOST.replace("LAUNCH", launch)


SERIAL = {
    "one_thread": candidate(GRID_STRIDE, "k<<<1, 1>>>(d, xs_len, acc);"),
    "one_thread_dim3": candidate(GRID_STRIDE, "dim3 g(1), b(1, 1, 1);\n    "
                                              "k<<<g, b>>>(d, xs_len, acc);"),
    "one_thread_local": candidate(GRID_STRIDE, "int threads = 1;\n    "
                                               "k<<<dim3(1), threads>>>(d, xs_len, acc);"),
    "single_thread_guard": candidate(GUARDED),
    "guard_by_early_return": candidate(EARLY_RETURN),
    "ignores_thread_index": candidate(WHOLE_LOOP),
}


@pytest.mark.parametrize("name", sorted(SERIAL))
def test_serial_candidates_are_refused(name: str) -> None:
    assert CUDA.static_check(SERIAL[name], SIG) == "serial_kernel"


def test_parallel_candidates_pass_the_static_checks() -> None:
    assert CUDA.static_check(candidate(GRID_STRIDE), SIG) is None
    assert CUDA.static_check(candidate(SHARED_TREE), SIG) is None


def test_a_lowered_kernel_made_serial_is_refused() -> None:
    code = CUDA.lower(functions(PATTERNS)["scale"])
    start = "blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x"
    assert start in code
    assert CUDA.static_check(code.replace(start, "0").replace(
        "static_cast<long long>(blockDim.x) * gridDim.x", "1"), SIG.__class__(
        "scale", functions(PATTERNS)["scale"].signature.params,
        functions(PATTERNS)["scale"].signature.returns)) == "serial_kernel"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None or CUDA.availability() is not None,
                    reason="needs bubblewrap and nvcc")
def test_validation_refuses_serial_kernels_and_compiles_the_grid_stride_one() -> None:
    suite = TestSuite(tuple(Vector((xs,), sum(xs)) for xs in ([], [1, 2, 3], [-5] * 300)))
    limits = ValidationLimits(executor="bwrap")
    for name, code in SERIAL.items():
        v = validate_candidate(code, SIG, suite, CUDA, limits)
        assert v.status is VerdictStatus.REJECTED_STATIC and v.reason == "serial_kernel", name
        assert v.compiler_output == "", name  # refused before nvcc ran
    good = validate_candidate(candidate(GRID_STRIDE), SIG, suite, CUDA, limits)
    if CUDA.runtime_problem() is None:  # a GPU: it runs
        assert good.status is VerdictStatus.PASSED, good
    else:
        assert good.status is VerdictStatus.UNVERIFIED and good.ran_on == "compile-only", good


def test_prompt_example_is_a_parallel_candidate() -> None:
    text = (Path(__file__).resolve().parents[1] / "toolchains" / "cuda"
            / "prompt.md.j2").read_text()
    example = text[text.index("```cuda\n") + 8:]
    example = example[:example.index("```")]
    assert CUDA.static_check(example, SIG) is None
    assert CUDA.static_check(example.replace("<<<blocks < 1 ? 1 : blocks > 65535 ? 65535 : "
                                             "blocks, 256>>>", "<<<1, 1>>>"), SIG) \
        == "serial_kernel"
    assert "serial_kernel" in text


HELPERS = """__device__ long long gid() {
    return blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x;
}
__device__ void fold(const long long* xs, long long n, unsigned long long* acc) {
    for (long long i = gid(); i < n; i += static_cast<long long>(blockDim.x) * gridDim.x)
        atomicAdd(acc, static_cast<unsigned long long>(xs[i]));
}
__global__ void k(const long long* xs, long long n, unsigned long long* acc) { fold(xs, n, acc); }
__global__ void k2(const long long* xs, long long n, unsigned long long* acc) {
    long long i = gid();
    if (i < n) atomicAdd(acc, static_cast<unsigned long long>(xs[i]));
}"""


def test_thread_indices_read_through_device_helpers_count() -> None:
    assert CUDA.static_check(candidate(HELPERS), SIG) is None
    serial_helper = HELPERS.replace("i = gid(); i < n;", "i = 0; i < n;")
    assert CUDA.static_check(candidate(serial_helper), SIG) == "serial_kernel"
