"""CUDA contract, type map and static checks (tree-sitter-cuda only: no nvcc, fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, list_of, tuple_of
from tolk.toolchains.base import BatchCompiled, Toolchain
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.cuda.checks import static_check
from tolk.toolchains.cuda.types import host_params

HOSTILE = Path(__file__).resolve().parents[1] / "toolchains" / "cuda" / "hostile"
SIG = Signature("add_one", (Param("n", INT),), INT)

GOOD = """#include <cuda_runtime.h>
#include <cstdint>
#define BLOCK 256
#pragma unroll 4

__global__ void add_kernel(long long* out, long long n) {
    // printf would be refused, but not in a comment: "printf"
    out[threadIdx.x] = n + 1;
}

static long long launch(long long n) {
    long long* d = nullptr;
    long long r = 0;
    cudaMalloc(&d, 32 * sizeof(long long));
    add_kernel<<<1, BLOCK / 8>>>(d, n);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return r;
}

long long add_one(long long n) {
    return launch(n);
}
"""


def with_body(extra: str, call: str = "") -> str:
    """GOOD plus a top-level `extra` and a statement `call` in the host function."""
    return GOOD.replace("long long add_one(long long n) {\n",
                        f"{extra}\nlong long add_one(long long n) {{\n    {call}\n")


def test_toolchain_satisfies_the_protocols() -> None:
    assert isinstance(CUDA, Toolchain)
    assert isinstance(CUDA, BatchCompiled)
    assert CUDA.debian_packages == ()
    assert CUDA.source_suffix == ".cu"


@pytest.mark.parametrize(("t", "expected"), [
    (INT, ["long long x"]),
    (FLOAT, ["double x"]),
    (BOOL, ["bool x"]),
    (STR, ["const char* x", "long long x_len"]),
    (list_of(INT), ["const long long* x", "long long x_len"]),
    (list_of(BOOL), ["const bool* x", "long long x_len"]),
    (list_of(list_of(FLOAT)), ["const double* x", "long long x_rows", "long long x_cols"]),
])
def test_type_map_of_inputs(t: IRType, expected: list[str]) -> None:
    sig = Signature("f", (Param("x", t),), INT)
    assert [str(p) for p in host_params(sig)] == expected


def test_results_by_value_and_through_out_parameters() -> None:
    assert CUDA.contract(SIG).count("long long add_one(long long n) {") == 1
    lst = Signature("f", (Param("xs", list_of(INT)),), list_of(FLOAT))
    assert "void f(const long long* xs, long long xs_len, double* out, long long out_cap, " \
           "long long* out_len)" in CUDA.contract(lst)
    mat = Signature("g", (), list_of(list_of(BOOL)))
    assert "bool* out, long long out_cap, long long* out_rows, long long* out_cols" \
        in CUDA.contract(mat)
    tup = Signature("h", (Param("s", STR),), tuple_of(INT, STR))
    assert [str(p) for p in host_params(tup)][2:] == [
        "long long* out0", "char* out1", "long long out1_cap", "long long* out1_len"]


@pytest.mark.parametrize(("sig", "reason"), [
    (Signature("f", (Param("xs", list_of(STR)),), INT), "unsupported_type:list[str]"),
    (Signature("f", (), tuple_of(INT, list_of(INT))), "unsupported_type:tuple[int, list[int]]"),
    (Signature("main", (), INT), "unsupported_name:main"),
    (Signature("f", (Param("read", INT),), INT), "unsupported_name:read"),
    (Signature("f", (Param("class", INT),), INT), "unsupported_name:class"),
    (Signature("f", (Param("xs", list_of(INT)), Param("xs_len", INT)), INT),
     "unsupported_name:f"),
])
def test_supports_names_what_is_not_mapped(sig: Signature, reason: str) -> None:
    assert CUDA.supports(sig) == reason
    with pytest.raises(UnsupportedProgram):
        CUDA.contract(sig)


def test_good_candidate_is_accepted() -> None:
    assert static_check(GOOD, SIG) is None


def test_contract_itself_lacks_a_kernel() -> None:
    assert static_check(CUDA.contract(SIG), SIG) == "no_kernel"


@pytest.mark.parametrize(("code", "reason"), [
    (GOOD.replace("add_one(long long n) {", "add_two(long long n) {"), "no_definition"),
    (GOOD.replace("return launch(n);", "return n + 1;"), "no_kernel_launch"),
    (GOOD.replace("add_kernel<<<1, BLOCK / 8>>>(d, n);", ""), "no_kernel_launch"),
    (GOOD.replace("__global__ void", "__device__ void"), "no_kernel"),
    (GOOD.replace("return r;", "return r"), "syntax"),
    (with_body("", 'printf("x");'), "forbidden:printf"),
    (with_body("", 'std::printf("x");'), "forbidden:printf"),
    (with_body("", 'puts("x");'), "forbidden:puts"),
    (with_body("", 'putchar(10);'), "forbidden:putchar"),
    (with_body("", 'fprintf(stderr, "x");'), "forbidden:fprintf"),
    (with_body("", 'std::cout << 1;'), "forbidden:cout"),
    (with_body("", 'system("ls");'), "forbidden:system"),
    (with_body("", 'auto p = &system;'), "forbidden:system"),
    (with_body("", 'popen("ls", "r");'), "forbidden:popen"),
    (with_body("", 'execvp("ls", nullptr);'), "forbidden:execvp"),
    (with_body("", 'fork();'), "forbidden:fork"),
    (with_body("", 'fopen("/etc/passwd", "r");'), "forbidden:fopen"),
    (with_body("", 'socket(2, 1, 0);'), "forbidden:socket"),
    (with_body("", 'getenv("HOME");'), "forbidden:getenv"),
    (with_body("", 'exit(0);'), "forbidden:exit"),
    (with_body("", 'std::abort();'), "forbidden:abort"),
    (with_body("", 'sleep(10);'), "forbidden:sleep"),
    (with_body("", 'asm("nop");'), "forbidden:asm"),
    (with_body("", '__asm__ volatile("nop");'), "forbidden:asm"),
    (with_body("int main() { return 0; }"), "forbidden:main"),
    (with_body('extern "C" int helper(int);'), "forbidden:extern_c"),
    (with_body("#define SHELL system"), "forbidden:define"),
    (with_body("#define CALL(x) x"), "forbidden:macro_function"),
    (with_body("#undef BLOCK"), "forbidden:preprocessor_directive"),
    (with_body("#pragma GCC optimize(\"O0\")"), "forbidden:preprocessor_directive"),
    (with_body("#ifdef X\nint y;\n#endif"), "forbidden:preprocessor_if"),
    (with_body("#include <cstdio>"), "forbidden:include:cstdio"),
    (with_body("#include </etc/passwd>"), "forbidden:include:/etc/passwd"),
    (with_body('#include "local.h"'), "forbidden:include:local.h"),
    (with_body("int tolk_io = 1;"), "forbidden:reserved_name"),
    (with_body("", '_Pragma("once");'), "forbidden:_Pragma"),
    (with_body("", "__builtin_trap();"), "forbidden:__builtin_trap"),
    (GOOD.replace("long long n) {\n    return", "long long n) {\\\n    return"),
     "forbidden:line_splice"),
])
def test_static_check_refuses(code: str, reason: str) -> None:
    assert static_check(code, SIG) == reason


def test_forbidden_words_in_comments_and_strings_do_not_count() -> None:
    code = with_body("// system(\"rm -rf /\"); fork(); printf", 'const char* s = "exit(1) printf";')
    assert static_check(code, SIG) is None


def test_kernel_launched_through_a_template_and_namespace_counts() -> None:
    code = """#include <cuda_runtime.h>
namespace detail {
template <int B> __global__ void k(long long* o, long long n) { o[threadIdx.x] = n + B; }
}
long long add_one(long long n) {
    long long* d = nullptr;
    cudaMalloc(&d, 8 * 32);
    detail::k<1><<<1, 32>>>(d, n);
    long long r = 0;
    cudaMemcpy(&r, d, 8, cudaMemcpyDeviceToHost);
    return r;
}
"""
    assert static_check(code, SIG) is None


REALISTIC = '''#include <cuda_runtime.h>
#include <algorithm>
#include <cstdint>
#define THREADS 256

template <typename T>
__device__ __forceinline__ T warp_sum(T v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return v;
}

__global__ void __launch_bounds__(THREADS) reduce_kernel(const long long* __restrict__ xs, long long n,
                                                         unsigned long long* out) {
    extern __shared__ long long smem[];
    __shared__ long long partial[THREADS / 32];
    long long acc = 0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)blockDim.x * gridDim.x) {
        acc += xs[i];
    }
    acc = warp_sum(acc);
    if ((threadIdx.x & 31) == 0) partial[threadIdx.x / 32] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
        long long s = 0;
        #pragma unroll
        for (int w = 0; w < THREADS / 32; ++w) s += partial[w];
        atomicAdd(out, static_cast<unsigned long long>(s));
    }
}

long long sum_list(const long long* xs, long long xs_len) {
    long long* d_xs = nullptr;
    unsigned long long* d_out = nullptr;
    cudaMalloc(&d_xs, std::max<long long>(xs_len, 1) * sizeof(long long));
    cudaMalloc(&d_out, sizeof(unsigned long long));
    cudaMemset(d_out, 0, sizeof(unsigned long long));
    if (xs_len > 0) cudaMemcpy(d_xs, xs, xs_len * sizeof(long long), cudaMemcpyHostToDevice);
    int blocks = static_cast<int>(std::min<long long>((xs_len + THREADS - 1) / THREADS, 1024));
    reduce_kernel<<<std::max(blocks, 1), THREADS, 0>>>(d_xs, xs_len, d_out);
    unsigned long long r = 0;
    cudaMemcpy(&r, d_out, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d_xs);
    cudaFree(d_out);
    return static_cast<long long>(r);
}
'''


def test_realistic_shared_memory_reduction_is_accepted() -> None:
    """Shared memory, warp shuffles, __launch_bounds__, templates, #pragma unroll, <algorithm>
    and a three-argument launch: the grammar and the checks must not trip on any of it."""
    sig = Signature("sum_list", (Param("xs", list_of(INT)),), INT)
    assert static_check(REALISTIC, sig) is None
    assert static_check(REALISTIC.replace("atomicAdd(out,", "printf(\"%d\", 1); atomicAdd(out,"),
                        sig) == "forbidden:printf"


def test_every_hostile_case_is_refused_statically_or_held_to_compile() -> None:
    """Cases that pass the static checks must be ones only the sandbox can stop."""
    sandbox_only = {"infinite_kernel", "memory_bomb_device", "memory_bomb_host",
                    "template_bomb", "giant_array"}
    cases = sorted(HOSTILE.glob("*.cu"))
    assert len(cases) >= 15
    for path in cases:
        code = path.read_text()
        assert code.startswith("// attack"), path.name
        assert f"`{path.stem}`" in (HOSTILE / "README.md").read_text(), path.name
        reason = static_check(code, Signature("hostile", (Param("n", INT),), INT))
        if path.stem in sandbox_only:
            assert reason is None, (path.name, reason)
        else:
            assert reason is not None, path.name
    assert static_check((HOSTILE / "host_only.cu").read_text(),
                        Signature("hostile", (Param("n", INT),), INT)) == "no_kernel_launch"


def test_batch_blame_names_the_candidates_in_error_lines() -> None:
    front = ('cand_1.cu(15): error: identifier "nope" is undefined\n'
             "cand_2.cu(3): warning #550-D: variable \"i\" was set but never used\n"
             '1 error detected in the compilation of "batch.cu".\n')
    assert CUDA.batch_blame(Path("."), front, 4) == {1}
    link = ("/usr/bin/ld: /tmp/x_batch.o: in function `tolk_h1::run()':\n"
            "x.cpp:(.text+0xec): undefined reference to `tolk_c2::add_one(long long)'\n"
            "collect2: error: ld returned 1 exit status\n")
    assert CUDA.batch_blame(Path("."), link, 3) == {2}
    assert CUDA.batch_blame(Path("."), "cand_9.cu(1): error: x\n", 3) == set()
    assert CUDA.batch_blame(Path("."), "nvcc fatal : something\n", 3) == set()
