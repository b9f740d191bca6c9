"""CUDA validation end to end with nvcc under bubblewrap: compile-only verdicts without a
GPU, compile errors, the contract's prototype enforced at link time, and batch builds."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tolk.ir.function import Param, Signature
from tolk.ir.types import INT
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.cuda import CUDA
from tolk.toolchains.cuda.toolchain import cuda_home, gpu_present
from tolk.validators.sandbox import available_executors, run_sandboxed
from tolk.validators.validate import ValidationLimits, policy_for, validate_candidate
from tolk.validators.verdict import VerdictStatus

pytestmark = pytest.mark.skipif(CUDA.availability() is not None,
                                reason=f"nvcc unusable: {CUDA.availability()}")
needs_bwrap = pytest.mark.skipif(available_executors()["bwrap"] is not None,
                                 reason="needs bubblewrap")

SIG = Signature("add_one", (Param("n", INT),), INT)
SUITE = TestSuite(tuple(Vector((n,), n + 1) for n in (0, 1, -5, 2**40)))
LIMITS = ValidationLimits(executor="bwrap")


def candidate(block: int = 32, delta: str = "1") -> str:
    """A good candidate; `block` and `delta` vary it so batch members differ."""
    return f"""#include <cuda_runtime.h>
#define BLOCK {block}

__global__ void add_kernel(long long* out, long long n) {{
    out[threadIdx.x] = n + {delta};
}}

long long add_one(long long n) {{
    long long* d = nullptr;
    long long r = 0;
    cudaMalloc(&d, BLOCK * sizeof(long long));
    add_kernel<<<1, BLOCK>>>(d, n);
    cudaMemcpy(&r, d, sizeof r, cudaMemcpyDeviceToHost);
    cudaFree(d);
    return r;
}}
"""


def test_version_and_install_dir() -> None:
    assert CUDA.version().startswith("nvcc 13.")
    home = cuda_home()
    assert home is not None and (home / "include" / "cuda_runtime.h").exists()


@needs_bwrap
@pytest.mark.skipif(gpu_present(), reason="a GPU is present: the run path is tested instead")
def test_good_candidate_is_unverified_compile_only_without_a_gpu() -> None:
    assert CUDA.runtime_problem() == "no GPU (nvidia-smi sees none): compile-only"
    v = validate_candidate(candidate(), SIG, SUITE, CUDA, LIMITS)
    assert v.status is VerdictStatus.UNVERIFIED, v
    assert v.ran_on == "compile-only"
    assert v.reason.startswith("no_runtime: no GPU")
    assert v.compile_s > 0


@needs_bwrap
@pytest.mark.skipif(not gpu_present(), reason="no GPU here (nvidia-smi lists none): the run "
                    "path needs /dev/nvidia* inside the sandbox (README: GPU machines)")
def test_good_candidate_passes_on_a_gpu() -> None:
    v = validate_candidate(candidate(), SIG, SUITE, CUDA, LIMITS)
    assert v.status is VerdictStatus.PASSED, v
    wrong = validate_candidate(candidate(delta="2"), SIG, SUITE, CUDA, LIMITS)
    assert wrong.status is VerdictStatus.WRONG_ANSWER, wrong


@needs_bwrap
def test_compile_error_quotes_the_candidate_file() -> None:
    code = candidate().replace("return r;", "return undefined_name;")
    v = validate_candidate(code, SIG, SUITE, CUDA, LIMITS)
    assert v.status is VerdictStatus.COMPILE_ERROR, v
    assert v.reason == "compiler_failed"
    assert "candidate.cu" in v.compiler_output and "undefined_name" in v.compiler_output


@needs_bwrap
def test_a_definition_with_another_signature_does_not_link() -> None:
    code = candidate().replace("long long add_one(long long n)", "long long add_one(int n)")
    v = validate_candidate(code, SIG, SUITE, CUDA, LIMITS)
    assert v.status is VerdictStatus.COMPILE_ERROR, v
    assert "add_one" in v.compiler_output


@needs_bwrap
def test_static_rejection_happens_before_any_compile() -> None:
    code = candidate().replace("return r;", 'printf("%lld", r); return r;')
    v = validate_candidate(code, SIG, SUITE, CUDA, LIMITS)
    assert v.status is VerdictStatus.REJECTED_STATIC and v.reason == "forbidden:printf"
    assert v.compile_s == 0


@needs_bwrap
def test_batch_of_candidates_builds_in_one_nvcc_call(tmp_path: Path) -> None:
    # Same kernel name and the same macro with different values in every member:
    # namespaces and #undef keep them apart.
    items = [(candidate(block=b, delta=str(b)), SIG) for b in (8, 16, 32)]
    files = CUDA.batch_files(items)
    assert set(files) == {"cand_0.cu", "cand_1.cu", "cand_2.cu", "batch.cu"}
    work = tmp_path / "batch"
    work.mkdir()
    for name, text in files.items():
        (work / name).write_text(text)
    policy = policy_for(ValidationLimits().compile, CUDA)
    res = run_sandboxed(CUDA.batch_compile_argv(files), workdir=work, policy=policy,
                        executor="bwrap")
    assert res.returncode == 0, res.stderr[-2000:]
    assert (work / "batch").exists()
    assert CUDA.batch_run_argv(2) == ["./batch", "2"]
    batch = files["batch.cu"]
    assert batch.count("#undef BLOCK") == 3
    for i in range(3):
        assert f'namespace tolk_c{i} {{' in batch and f'#include "cand_{i}.cu"' in batch


def test_batch_dispatcher_selects_the_candidate_by_argv(tmp_path: Path) -> None:
    # With zero vectors no CUDA call is made, so this runs without a GPU too.
    if shutil.which("nvcc") is None:
        pytest.skip("no nvcc")
    files = CUDA.batch_files([(candidate(), SIG), (candidate(delta="2"), SIG)])
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    subprocess.run(CUDA.batch_compile_argv(files), cwd=tmp_path, check=True,
                   capture_output=True, timeout=300)
    bad = subprocess.run(["./batch", "7"], cwd=tmp_path, input="0\n", capture_output=True,
                         text=True, timeout=30)
    assert bad.returncode == 4 and "no such candidate index" in bad.stderr
    empty = subprocess.run(["./batch", "1"], cwd=tmp_path, input="0\n", capture_output=True,
                           text=True, timeout=30)
    assert empty.returncode == 0 and empty.stdout == ""


@needs_bwrap
@pytest.mark.slow
def test_validate_batch_agrees_with_single_validation() -> None:
    from tolk.validators.batch import validate_batch
    codes = [candidate(), candidate().replace("return r;", "return nope;"),
             candidate().replace("long long add_one(long long n)", "long long add_one(int n)"),
             candidate().replace("return r;", 'printf("x"); return r;'), candidate(block=64)]
    batched = validate_batch([(c, SIG, SUITE) for c in codes], CUDA, LIMITS)
    single = [validate_candidate(c, SIG, SUITE, CUDA, LIMITS) for c in codes]
    assert [v.status for v in batched] == [v.status for v in single]
    assert [v.reason for v in batched] == [v.reason for v in single]
    if not gpu_present():
        assert [v.status for v in batched] == [
            VerdictStatus.UNVERIFIED, VerdictStatus.COMPILE_ERROR, VerdictStatus.COMPILE_ERROR,
            VerdictStatus.REJECTED_STATIC, VerdictStatus.UNVERIFIED]


def test_nvcc_install_dir_is_searched_inside_the_sandbox() -> None:
    # GPU machines keep nvcc in <install>/bin, outside the sandbox's fixed PATH; the
    # CUDA image keeps it in /usr/local/cuda/bin.
    policy = policy_for(ValidationLimits().compile, CUDA)
    assert f"{cuda_home()}/bin" in policy.path_dirs
    assert "/usr/local/cuda/bin" in policy.path_dirs
