"""CUDA lowering: Python sources -> body IR -> lowered `.cu` candidates.

Without a GPU the semantics are checked under the explicitly labelled CPU emulation
(`tolk.toolchains.cuda.emulation`: the same harness and candidate compiled with g++
against a runtime shim, launches run thread by thread), against the Python reference's
vectors; nvcc compiles the same sources (the seed-corpus test, slow). Only data-parallel
functions lower (tests/test_cuda_parallel.py covers the refusals)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.ir.parallel import NOT_DATA_PARALLEL, parallel_loop
from tolk.ir.vectors import TestSuite
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.cuda.emulation import (
    emulation_compile_argv, emulation_files, rewrite_launches,
)
from tolk.validators.compare import Tolerance
from tolk.validators.sandbox import SandboxResult
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import judge
from tolk.validators.verdict import Verdict, VerdictStatus
from tolk.validators.wire import encode_inputs

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
needs_gxx = pytest.mark.skipif(shutil.which("g++") is None, reason="no g++ for the emulation")
needs_nvcc = pytest.mark.skipif(CUDA.availability() is not None,
                                reason=f"nvcc unusable: {CUDA.availability()}")

SOURCES = '''
def scale(xs: list[float], k: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        out.append(x * k)
    return out


def count_big(xs: list[int], t: int) -> int:
    c = 0
    for i in range(len(xs)):
        if xs[i] > t:
            c += 1
    return c


def wrap_sum(xs: list[int]) -> int:
    s = 9223372036854775000
    for x in xs:
        s += x * 3037000499
    return s


def clip(xs: list[float], lo: float, hi: float) -> list[float]:
    a = min(lo, hi)
    b = max(lo, hi)
    out: list[float] = []
    for x in xs:
        if x < a:
            out.append(a)
        elif x > b:
            out.append(b)
        else:
            out.append(x)
    return out


def masked(xs: list[int], keep: list[bool]) -> list[int]:
    out = [-1] * len(xs)
    n = min(len(xs), len(keep))
    for i in range(n):
        if keep[i]:
            out[i] = xs[i] // 2
    return out


def overrun(xs: list[int], k: int) -> list[int]:
    out = [0] * len(xs)
    for i in range(min(k, 6)):
        out[i] = i
    return out


def floor_each(xs: list[float], d: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        out.append(x // d + x % d)
    return out


def transpose(m: list[list[int]]) -> list[list[int]]:
    cols = len(m[0]) if len(m) > 0 else 0
    out = [[0] * len(m) for _ in range(cols)]
    for i in range(cols):
        for j in range(len(m)):
            out[i][j] = m[j][i]
    return out


def mm(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    p = len(b[0]) if len(b) > 0 else 0
    k = min(len(a[0]) if len(a) > 0 else 0, len(b))
    out = [[0.0] * p for _ in range(len(a))]
    for i in range(len(a)):
        for j in range(p):
            s = 0.0
            for t in range(k):
                s += a[i][t] * b[t][j]
            out[i][j] = s
    return out


def bins(xs: list[int], k: int) -> list[int]:
    out = [0] * 4
    for x in xs:
        out[(x + k) % 5] += 1
    return out


def lowest(xs: list[int]) -> int:
    best = 7
    for x in xs:
        if x < best:
            best = x
    return best


def all_small(xs: list[int], t: int) -> bool:
    ok = True
    for x in xs:
        if x >= t:
            ok = False
    return ok


def float_total(xs: list[float]) -> float:
    s = 0.5
    for x in xs:
        s += x * x
    return s
'''


def functions(src: str) -> list[Function]:
    return [f for f in analyze_source(src) if isinstance(f, Function)]


def emulate(fns: list[Function], tmp_path: Path) -> list[Verdict]:
    """Lower every fn, build ONE emulated batch, run each against its Python vectors."""
    items = []
    for fn in fns:
        suite = build_test_suite(fn, n_inputs=40)
        assert isinstance(suite, TestSuite), (fn.name, suite)
        items.append((fn, CUDA.lower(fn), suite))
    files = emulation_files(CUDA.batch_files([(code, fn.signature) for fn, code, _ in items]))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(emulation_compile_argv("batch.cu", "batch"), cwd=tmp_path, check=True,
                   capture_output=True, timeout=600)
    verdicts = []
    for i, (fn, _, suite) in enumerate(items):
        stdin = encode_inputs([v.args for v in suite.vectors],
                              [p.type for p in fn.signature.params])
        run = subprocess.run(["./batch", str(i)], cwd=tmp_path, input=stdin, capture_output=True,
                             text=True, timeout=120)
        res = SandboxResult(run.returncode, "", False, run.stdout, run.stderr, False, False,
                            0.0, 0.0, 0, "cpu-emulation")
        verdicts.append(judge(res, fn.signature, suite.vectors, Tolerance()))
    return verdicts


def seed_functions() -> list[Function]:
    return [f for p in sorted(SEED.glob("*.py")) for f in functions(p.read_text())
            if f.body is not None]


def test_every_lowered_candidate_passes_static_checks_and_launches_a_kernel() -> None:
    for fn in functions(SOURCES):
        code = CUDA.lower(fn)
        assert CUDA.static_check(code, fn.signature) is None, fn.name
        assert "<<<" in code and "__global__" in code


def test_parallel_shapes_are_recognised() -> None:
    by_name = {f.name: CUDA.lower(f) for f in functions(SOURCES)}
    assert "Element-wise map" in by_name["scale"]
    assert "lw_dst[lw_t] = (x * k);" in by_name["scale"]
    assert "atomicAdd" in by_name["count_big"] and "Reduction" in by_name["count_big"]
    assert "Element-wise map" in by_name["clip"] and "} else if (x > b) {" in by_name["clip"]
    assert "lw_dst[lw::norm_index(i, lw_m)]" in by_name["masked"]
    assert "2-D map" in by_name["transpose"] and "Matrix product" in by_name["mm"]
    assert "atomicAdd(reinterpret_cast<unsigned long long*>(&lw_dst[" in by_name["bins"]
    assert "atomicMin(lw_acc, lw_sh[0])" in by_name["lowest"]
    assert "__syncthreads()" in by_name["lowest"]  # the block's shared-memory tree
    assert "atomicAnd(lw_acc, 0u)" in by_name["all_small"]
    assert "atomicAdd(lw_acc, lw_sh[0])" in by_name["float_total"]  # double: reordered sum
    # Only the runtime a candidate uses is inlined: no floor division, no floordiv.
    assert "floordiv" not in by_name["scale"] and "ffloordiv" in by_name["floor_each"]


def test_unsupported_signature_raises() -> None:
    fn = functions("def f(xs: list[str]) -> int:\n    return len(xs)\n")[0]
    with pytest.raises(UnsupportedProgram, match="unsupported_type:list\\[str\\]"):
        CUDA.lower(fn)


def test_launch_rewrite_for_the_emulation() -> None:
    assert rewrite_launches("k<<<g, 256>>>(a, b);") == "tolk_emu_launch(g, 256, k, a, b);"
    assert rewrite_launches("ns::k<1><<<1, 1>>>();") == "tolk_emu_launch(1, 1, ns::k<1>);"


@needs_gxx
def test_lowered_semantics_match_python_under_cpu_emulation(tmp_path: Path) -> None:
    fns = functions(SOURCES)
    verdicts = emulate(fns, tmp_path)
    for fn, v in zip(fns, verdicts):
        assert v.status is VerdictStatus.PASSED, (fn.name, v)
        assert v.passed == v.total > 0


@needs_gxx
def test_harness_reports_a_result_over_capacity(tmp_path: Path) -> None:
    from tolk.ir.function import Param, Signature
    from tolk.ir.types import INT, list_of
    from tolk.ir.vectors import Vector
    sig = Signature("big", (Param("n", INT),), list_of(INT))
    code = """#include <cuda_runtime.h>
__global__ void k(long long* o) { o[threadIdx.x] = 0; }
void big(long long n, long long* out, long long out_cap, long long* out_len) {
    long long* d = nullptr;
    cudaMalloc(&d, 8 * 32);
    k<<<1, 32>>>(d);
    *out_len = n == 0 ? 0 : out_cap + 1;
}
"""
    assert CUDA.static_check(code, sig) is None
    files = emulation_files(CUDA.harness_files(sig, code))
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    subprocess.run(emulation_compile_argv("harness.cu", "harness"), cwd=tmp_path, check=True,
                   capture_output=True, timeout=300)
    run = subprocess.run(["./harness"], cwd=tmp_path, input="2\n0\n1\n", capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 4 and "exceeds the capacity" in run.stderr
    res = SandboxResult(run.returncode, "", False, run.stdout, run.stderr, False, False,
                        0.0, 0.0, 0, "cpu-emulation")
    v = judge(res, sig, (Vector((0,), []), Vector((1,), [])), Tolerance())
    assert v.status is VerdictStatus.RUNTIME_ERROR and v.passed == 1
    assert v.first_failure is not None and v.first_failure.index == 1


@pytest.mark.slow
@needs_gxx
def test_seed_corpus_semantics_under_cpu_emulation(tmp_path: Path) -> None:
    fns = []
    for fn in seed_functions():
        try:
            CUDA.lower(fn)
        except UnsupportedProgram:
            continue
        if isinstance(build_test_suite(fn, n_inputs=40), TestSuite):
            fns.append(fn)
    verdicts = emulate(fns, tmp_path)
    failed = [(fn.name, v.summary()) for fn, v in zip(fns, verdicts) if not v.ok]
    assert failed == []
    # Every data-parallel seed function (46: 9 in the older files, 37 in parallel.py).
    assert len(fns) == len([f for f in seed_functions() if parallel_loop(f)]) >= 46


@pytest.mark.slow
@needs_nvcc
def test_seed_corpus_lowering_compiles_with_nvcc(tmp_path: Path) -> None:
    fns = seed_functions()
    items, unsupported = [], []
    for fn in fns:
        try:
            items.append((CUDA.lower(fn), fn.signature))
        except UnsupportedProgram as exc:
            unsupported.append((fn.name, exc.reason))
    assert all(CUDA.static_check(code, sig) is None for code, sig in items)
    files = CUDA.batch_files(items)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    run = subprocess.run(CUDA.batch_compile_argv(files), cwd=tmp_path, capture_output=True,
                         text=True, timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    # Exactly the data-parallel seed functions lower; every other one is refused
    # unsupported:not_data_parallel (longest_word: its list[str] signature first).
    parallel = {f.name for f in fns if parallel_loop(f)}
    assert {sig.name for _, sig in items} == parallel and len(parallel) >= 46
    assert {r for n, r in unsupported} <= {NOT_DATA_PARALLEL, "unsupported_type:list[str]"}
