"""validate_batch gives validate_candidate's verdicts, item by item, on real gfortran."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.lang import Lang
from tolk.outcome import Rejected
from tolk.toolchains.base import BatchCompiled
from tolk.toolchains.fortran import FORTRAN
from tolk.translators.lowering import LoweringTranslator
from tolk.validators import batch as batch_engine
from tolk.validators.batch import chunk_compile_policy, chunk_sizes, validate_batch
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import Verdict, VerdictStatus

pytestmark = pytest.mark.skipif(FORTRAN.availability() is not None,
                                reason=f"gfortran unavailable: {FORTRAN.availability()}")

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
SRC = '''
def count_below(xs: list[int], limit: int) -> int:
    """Count the elements of xs that are below limit."""
    n = 0
    for i in range(len(xs)):
        if xs[i] < limit:
            n += 1
    return n
'''


def candidate(body: str, helpers: str = "", decls: str = "") -> str:
    return f"""module candidate
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  private
  public :: count_below
{decls}contains
  function count_below(xs, limit) result(res)
    integer(int64), intent(in) :: xs(:)
    integer(int64), intent(in) :: limit
    integer(int64) :: res
    integer(int64) :: i
{body}  end function count_below
{helpers}end module candidate
"""


GOOD = candidate("""    res = 0
    do i = 1, size(xs)
      if (xs(i) < limit) res = res + 1
    end do
""")
WRONG = candidate("""    res = 0
    do i = 1, size(xs)
      if (xs(i) <= limit) res = res + 1
    end do
""")
OUT_OF_BOUNDS = candidate("""    res = 0
    do i = 1, size(xs) + 1
      if (xs(i) < limit) res = res + 1
    end do
""")
HANGS = candidate("""    res = 0
    i = 0
    do while (i >= 0)
      res = res + 1
      if (res > 1000) res = 0
    end do
""")
SYNTAX_ERROR = candidate("""    res = 0
    do i = 1, size(xs)
      if (xs(i) < limit) res = res +
    end do
""")
PRINTS = candidate("""    print *, 'hello'
    res = 0
""")
# Same public name as GOOD/WRONG, and a private helper named alike with other behaviour.
HELPER_BELOW = candidate("""    res = 0
    do i = 1, size(xs)
      if (helper(xs(i), limit)) res = res + 1
    end do
""", helpers="""  logical function helper(x, lim)
    integer(int64), intent(in) :: x, lim
    helper = x < lim
  end function helper
""")
HELPER_AT_MOST = HELPER_BELOW.replace("helper = x < lim", "helper = x <= lim")

LIMITS = ValidationLimits(run=dataclasses.replace(ValidationLimits().run, wall_seconds=2.0,
                                                  cpu_seconds=2))


@pytest.fixture(scope="module")
def fn_and_suite():
    fn = analyze_source(SRC)[0]
    assert isinstance(fn, Function)
    suite = build_test_suite(fn, n_inputs=30)
    assert not isinstance(suite, Rejected), suite
    return fn, suite


def same(batch: Verdict, single: Verdict) -> None:
    """The fields a batch must reproduce (timings and bookkeeping aside)."""
    assert (batch.status, batch.passed, batch.total, batch.first_failure, batch.reason) == \
        (single.status, single.passed, single.total, single.first_failure, single.reason)
    assert batch.ran_on == single.ran_on


def test_toolchain_is_batch_compiled() -> None:
    assert isinstance(FORTRAN, BatchCompiled)


def test_mixed_batch_equals_single_verdicts(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    codes = [GOOD, WRONG, OUT_OF_BOUNDS, SYNTAX_ERROR, HANGS, PRINTS, GOOD, HELPER_BELOW,
             HELPER_AT_MOST]
    items = [(c, fn.signature, suite) for c in codes]
    batch = validate_batch(items, FORTRAN, LIMITS)
    single = [validate_candidate(c, fn.signature, suite, FORTRAN, LIMITS) for c in codes]
    assert len(batch) == len(codes)
    for b, s in zip(batch, single, strict=True):
        same(b, s)
    assert [v.status for v in batch] == [
        VerdictStatus.PASSED, VerdictStatus.WRONG_ANSWER, VerdictStatus.RUNTIME_ERROR,
        VerdictStatus.COMPILE_ERROR, VerdictStatus.TIMEOUT, VerdictStatus.REJECTED_STATIC,
        VerdictStatus.PASSED, VerdictStatus.PASSED, VerdictStatus.WRONG_ANSWER]
    # The compile error is its own: the single path's compiler output, naming its line.
    assert batch[3].compiler_output == single[3].compiler_output
    assert "candidate.f90:14" in batch[3].compiler_output
    # The -fcheck message names the file and line the single harness would.
    assert "At line 14 of file candidate.f90" in batch[2].runtime_output
    # No libgfortran backtrace in either path (the toolchain's sandbox_env turns it off:
    # it cost ~125 ms per failing run and told a verdict nothing).
    assert "Backtrace" not in batch[2].runtime_output + single[2].runtime_output
    assert "Fortran runtime error" in single[2].runtime_output
    assert all(v.compile_s > 0 for v in batch if v.status is not VerdictStatus.REJECTED_STATIC)


def test_two_compile_errors_in_several_chunks(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    codes = [SYNTAX_ERROR, GOOD, WRONG, GOOD, SYNTAX_ERROR.replace("res +", "res *"), GOOD]
    batch = validate_batch([(c, fn.signature, suite) for c in codes], FORTRAN, LIMITS,
                           batch_size=4)
    assert [v.status for v in batch] == [
        VerdictStatus.COMPILE_ERROR, VerdictStatus.PASSED, VerdictStatus.WRONG_ANSWER,
        VerdictStatus.PASSED, VerdictStatus.COMPILE_ERROR, VerdictStatus.PASSED]
    assert batch[0].compiler_output and batch[4].compiler_output
    assert "Syntax error" in batch[4].compiler_output


def test_chunk_of_one_and_empty_batch(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    assert validate_batch([], FORTRAN, LIMITS) == []
    [v] = validate_batch([(WRONG, fn.signature, suite)], FORTRAN, LIMITS)
    same(v, validate_candidate(WRONG, fn.signature, suite, FORTRAN, LIMITS))
    [v] = validate_batch([(GOOD, fn.signature, suite)], FORTRAN, LIMITS, batch_size=1)
    assert v.status is VerdictStatus.PASSED and v.passed == v.total == len(suite.vectors)


def test_start_up_failure_is_validated_alone(fn_and_suite) -> None:
    """A 1.6 GB static array breaks the whole executable's start under a 1 GiB address
    space: every batchmate dies before `@@ 1`, and is revalidated alone."""
    fn, suite = fn_and_suite
    huge = candidate("""    res = size(xs) + big(1)
""", decls="  integer(int64) :: big(200000000)\n")
    codes = [GOOD, huge, WRONG]
    batch = validate_batch([(c, fn.signature, suite) for c in codes], FORTRAN, LIMITS)
    single = [validate_candidate(c, fn.signature, suite, FORTRAN, LIMITS) for c in codes]
    for b, s in zip(batch, single, strict=True):
        same(b, s)
    assert batch[0].status is VerdictStatus.PASSED
    assert batch[1].status is not VerdictStatus.PASSED


@dataclasses.dataclass(frozen=True)
class _Plain:
    """The Fortran toolchain without its batch methods: the engine must loop."""
    inner: object = FORTRAN

    def __getattr__(self, name: str):
        if name.startswith("batch_"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def test_toolchain_without_batching_falls_back_to_a_loop(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    plain = _Plain()
    assert not isinstance(plain, BatchCompiled)
    codes = [GOOD, PRINTS, WRONG]
    got = validate_batch([(c, fn.signature, suite) for c in codes], plain, LIMITS)
    assert [v.status for v in got] == [VerdictStatus.PASSED, VerdictStatus.REJECTED_STATIC,
                                       VerdictStatus.WRONG_ANSWER]
    assert got[0].compile_s > 0


def test_lowered_seed_functions_batch_like_single(monkeypatch: pytest.MonkeyPatch) -> None:
    """Different signatures in one build, against the single path; transpose (from the
    seed corpus) and modulo are named like intrinsics (a function and a subroutine
    reached through wrappers)."""
    src = '''
def total(xs: list[int]) -> int:
    s = 0
    for x in xs:
        s += x
    return s


def largest(xs: list[int]) -> int:
    m = 0
    for x in xs:
        if x > m:
            m = x
    return m


def scale(xs: list[float], k: float) -> list[float]:
    out: list[float] = []
    for x in xs:
        out.append(x * k)
    return out


def divmod_pair(a: int, b: int) -> tuple[int, int]:
    if b == 0:
        return (0, 0)
    return (a // b, a % b)


def shout(s: str) -> str:
    return s + "!"


def modulo(a: int, b: int) -> tuple[int, int]:
    if b == 0:
        return (a, 0)
    return (a % b, b)
'''
    seed = analyze_source((SEED / "matrices.py").read_text(), uri="matrices.py")
    fns = [*analyze_source(src),
           *(f for f in seed if isinstance(f, Function) and f.signature.name == "transpose")]
    assert len(fns) == 7
    items = []
    for fn in fns:
        assert isinstance(fn, Function)
        suite = build_test_suite(fn, n_inputs=15)
        assert not isinstance(suite, Rejected), suite
        cand = LoweringTranslator().translate(fn, suite, Lang.FORTRAN)
        assert not isinstance(cand, Rejected), cand
        items.append((cand.code, fn.signature, suite))
    alone = []  # a build that fails falls back to the single path: that must not happen
    real_alone = batch_engine._alone
    monkeypatch.setattr(batch_engine, "_alone",
                        lambda job, *a: alone.append(job.sig.name) or real_alone(job, *a))
    batch = validate_batch(items, FORTRAN, LIMITS)
    assert alone == []
    for (code, sig, suite), b in zip(items, batch, strict=True):
        assert b.status is VerdictStatus.PASSED, (sig.name, b)
        same(b, validate_candidate(code, sig, suite, FORTRAN, LIMITS))


def test_chunks_are_even_and_leave_no_small_tail() -> None:
    assert chunk_sizes(68, 32) == [34, 34]  # not 32 + 32 + 4
    assert chunk_sizes(47, 32) == [47] and chunk_sizes(48, 32) == [24, 24]
    assert chunk_sizes(100, 32) == [34, 33, 33]
    assert chunk_sizes(5, 1) == [1] * 5 and chunk_sizes(3, 0) == [1] * 3
    assert chunk_sizes(0, 32) == [] and chunk_sizes(4, 32) == [4]
    for n in range(1, 300):
        for size in (1, 2, 3, 8, 32):
            got = chunk_sizes(n, size)
            assert sum(got) == n and max(got) - min(got) <= 1
            assert max(got) <= 1.5 * size


def test_chunk_compile_policy_scales_with_the_chunk() -> None:
    base = ValidationLimits().compile
    assert chunk_compile_policy(base, 1) == base
    big = chunk_compile_policy(base, 33)
    assert big.wall_seconds == pytest.approx(base.wall_seconds * 5)
    assert big.cpu_seconds == base.cpu_seconds * 5
    assert big.memory_bytes == base.memory_bytes > 0  # a chunk gets no more room than one
    assert big.nproc == base.nproc


def test_unallocated_results_fail_as_in_the_single_harness() -> None:
    """A result left unallocated is undefined behaviour: the single harness crashes copying a
    function result (or error-stops on an out-dummy). In a batch the garbage it copies
    differs, so the run may end in the harness's error stop instead of SIGSEGV: same status,
    counts and failing vector, the reason may differ (documented in validators/batch.py)."""
    src = '''
def evens(xs: list[int]) -> list[int]:
    out: list[int] = []
    for x in xs:
        if x % 2 == 0:
            out.append(x)
    return out


def split_word(s: str, n: int) -> tuple[str, str]:
    return (s, s)


def pack(xs: list[int]) -> list[int]:
    return xs
'''
    items = []
    bodies = ["if (size(xs) > 2) res = xs", "if (n > 0) res1 = s\n    res2 = s",
              "if (size(xs) > 2) res = xs"]  # pack: named like an intrinsic (a wrapper)
    for fn, body in zip(analyze_source(src), bodies, strict=True):
        assert isinstance(fn, Function)
        suite = build_test_suite(fn, n_inputs=20)
        assert not isinstance(suite, Rejected), suite
        code = FORTRAN.contract(fn.signature).replace("! your code here", body)
        items.append((code, fn.signature, suite))
    single = [validate_candidate(code, sig, suite, FORTRAN, LIMITS) for code, sig, suite in items]
    assert all(s.status is VerdictStatus.RUNTIME_ERROR for s in single), single
    for _ in range(3):  # undefined behaviour: what exactly ends the run may vary
        for b, s in zip(validate_batch(items, FORTRAN, LIMITS), single, strict=True):
            assert (b.status, b.passed, b.total) == (s.status, s.passed, s.total)
            assert b.first_failure is not None and s.first_failure is not None
            assert (b.first_failure.index, b.first_failure.args) == \
                (s.first_failure.index, s.first_failure.args)


@dataclasses.dataclass(frozen=True)
class _NoCompiler:
    """The Fortran toolchain on a machine without gfortran."""
    inner: object

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def availability(self) -> str:
        return "gfortran not found on PATH: apt-get install gfortran"


def test_missing_compiler_gives_unverified_static_only_not_a_crash(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    tc = _NoCompiler(FORTRAN)
    items = [(GOOD, fn.signature, suite), (PRINTS, fn.signature, suite)]
    batch = validate_batch(items, tc, LIMITS)
    single = validate_candidate(GOOD, fn.signature, suite, tc, LIMITS)
    for v in (batch[0], single):
        assert v.status is VerdictStatus.UNVERIFIED, v
        assert v.ran_on == "static-only" and v.reason.startswith("no_compiler: gfortran")
    assert batch[1].status is VerdictStatus.REJECTED_STATIC  # static checks still run


@dataclasses.dataclass(frozen=True)
class _BrokenPrebuilt:
    """The Fortran toolchain whose shared runner part does not compile (a bug of ours)."""
    inner: object = FORTRAN

    def batch_prebuilt(self, items):
        parts = FORTRAN.batch_prebuilt(items)
        bad = dataclasses.replace(parts[-1], key=parts[-1].key + "-broken",
                                  files={n: t + "\nthis is not fortran\n"
                                         for n, t in parts[-1].files.items()})
        return [*parts[:-1], bad]

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


def test_a_prebuilt_part_that_fails_sends_its_chunk_down_the_single_path(fn_and_suite) -> None:
    fn, suite = fn_and_suite
    codes = [GOOD, WRONG, SYNTAX_ERROR]
    got = validate_batch([(c, fn.signature, suite) for c in codes], _BrokenPrebuilt(), LIMITS)
    assert [v.status for v in got] == [VerdictStatus.PASSED, VerdictStatus.WRONG_ANSWER,
                                       VerdictStatus.COMPILE_ERROR]
    assert "Syntax error" in got[2].compiler_output  # its own output: the single path's


def test_prebuilt_parts_are_compiled_once_per_process(fn_and_suite, monkeypatch) -> None:
    import tolk.validators.batch as engine
    fn, suite = fn_and_suite
    monkeypatch.setattr(engine, "_PREBUILT", engine._PrebuiltCache())
    built: list[list[str]] = []
    real = engine._PrebuiltCache._build

    def counting(part, toolchain, limits, root, needed=()):
        built.append(part.argv)
        return real(part, toolchain, limits, root, needed)

    monkeypatch.setattr(engine._PrebuiltCache, "_build", staticmethod(counting))
    items = [(c, fn.signature, suite) for c in (GOOD, WRONG, GOOD, GOOD, WRONG, GOOD)]
    got = validate_batch(items, FORTRAN, LIMITS, batch_size=2)
    assert [v.passed == v.total for v in got] == [True, False, True, True, False, True]
    assert len(built) == 2  # tolk_wire and the one runner, for three chunks
