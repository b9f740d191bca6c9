"""Validate many candidates at once: the verdicts of `validate_candidate`, faster.

    validate_batch(items, toolchain, limits, batch_size=64) -> one Verdict per item

Every item first goes through the same static checks and input encoding as the single
path (`precheck`). Then, by what the toolchain can do (isinstance, never by language):

- `BatchValidating` (one long-lived process for many candidates): it gets the checked items.
- `BatchCompiled`: per chunk (`chunk_sizes`: `batch_size` candidates on average), the
  `batch_files` go into one fresh work dir and ONE sandboxed compile builds them all.
  Each candidate then runs alone as its own process
  (`batch_run_argv(i)`, read-only work dir, its own stdin, the single run's limits) and is
  judged like a single run. Under bubblewrap the chunk's runs share ONE sandbox, one
  after the other (`chunk_runs.run_one_after_another`: its pid 1 kills and wipes
  everything a run leaves before the next one starts). Other executors give each run a
  sandbox of its own. When the runtime is absent the chunk ends `unverified`
  (compile-only).
- anything else: `validate_candidate`'s path, one candidate after the other.

A `BatchPrebuilding` toolchain's `Prebuilt` parts (harness code no candidate changes) are
compiled once per process and executor, sandboxed like any compile, and copied into
every chunk that needs them: a chunk then compiles only its candidates and the thin glue
between them and the shared parts. A part that fails to build (a bug of ours, never a
candidate's) sends its chunks down the single path.

Key contracts:
- Same verdicts as `validate_candidate` item by item (status, pass counts, first failing
  vector, reason; see the exception below): whatever could make a batchmate matter falls
  back to the single path.
  A failed chunk build is attributed: a toolchain that is `BatchBlaming` names the
  candidates its compiler output blames, which are validated alone while the rest is
  rebuilt; without a blame (or on a compile timeout, or output past its cap) the chunk is
  bisected and each half rebuilt in a fresh work dir, down to single candidates, which
  take the single path, so a compile_error always carries the candidate's own compiler
  output. A candidate whose batched run ends before its first vector record (`@@ 1`: a
  start-up crash) is also validated alone.
- One exception, candidates with undefined behaviour: what a run does with garbage can
  depend on the executable's layout. Fortran's unallocated function result is the known
  case: the single harness crashes (SIGSEGV) copying it, a batched one sometimes reaches
  its own `error stop` first (exit 1). Status, counts and the failing vector agree; the
  reason and `got` text may not.
- Batched verdicts differ from single ones only in timings and bookkeeping: `compile_s`
  is the chunk's compile wall time divided by the chunk's size, `compiler_output` is empty
  (a chunk's compiler output belongs to no single candidate), `run_s` is the candidate's
  own run. `ran_on` is the executor, as in the single path.
- The chunk compile's wall and CPU limits (and output and file size caps, where
  set) are the single compile's times `1 + (n - 1) / 8` for n candidates: a chunk of 32
  gets ~4.9x one candidate's budget, although it typically needs far less; a chunk that
  still runs out is bisected like a failed one, and a lone candidate gets exactly the
  single path's limits.
- Never raises for anything a candidate does. Work dirs are removed afterwards.
"""

from __future__ import annotations

import atexit
import dataclasses
import logging
import math
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from tolk.ir.function import Signature
from tolk.ir.vectors import TestSuite
from tolk.toolchains.base import (
    BatchCompiled, BatchItem, BatchPrebuilding, BatchValidating, Prebuilt, Toolchain,
)
from tolk.validators.chunk_runs import run_one_after_another
from tolk.validators.sandbox import SandboxPolicy, SandboxResult, resolve_executor, run_sandboxed
from tolk.validators.uids import lease_uid
from tolk.validators.validate import (
    ValidationLimits, judge, policy_for, precheck, ran_on, tolerance_for, unverified,
    validate_checked,
)
from tolk.validators.verdict import Verdict

__all__ = ["validate_batch", "BatchBlaming", "chunk_compile_policy", "chunk_sizes"]

log = logging.getLogger(__name__)


@runtime_checkable
class BatchBlaming(Protocol):
    """A `BatchCompiled` toolchain that can say which candidates a failed build is due to."""

    def batch_blame(self, workdir: Path, compiler_output: str, n: int) -> set[int]:
        """Indices (< n) of the candidates of the failed n-candidate build in workdir that
        its compiler output (stdout + stderr) blames; empty when it cannot tell."""
        ...


@dataclass(frozen=True, slots=True)
class _Job:
    index: int  # position in the caller's items
    code: str
    sig: Signature
    suite: TestSuite
    stdin: str


def validate_batch(items: Sequence[BatchItem], toolchain: Toolchain,
                   limits: ValidationLimits = ValidationLimits(), *,
                   batch_size: int = 64) -> list[Verdict]:
    """One verdict per item, in order, equal to `validate_candidate`'s (module docstring)."""
    verdicts: list[Verdict | None] = [None] * len(items)
    jobs: list[_Job] = []
    for i, (code, sig, suite) in enumerate(items):
        checked = precheck(code, sig, suite, toolchain)
        if isinstance(checked, Verdict):
            verdicts[i] = checked
        else:
            jobs.append(_Job(i, code, sig, suite, checked))
    if jobs and (missing := toolchain.availability()) is not None:
        # No compiler here (nvcc on a machine without CUDA): checked, never compiled.
        results = [(j, unverified(toolchain, len(j.suite.vectors), missing, None,
                                  missing="no_compiler")) for j in jobs]
    elif isinstance(toolchain, BatchValidating) and jobs:
        done = toolchain.validate_batch([(j.code, j.sig, j.suite) for j in jobs], limits)
        results = list(zip(jobs, done, strict=True))
    elif isinstance(toolchain, BatchCompiled):
        results, start = [], 0
        for size in chunk_sizes(len(jobs), batch_size):
            results += _build(jobs[start:start + size], toolchain, limits)
            start += size
    else:
        results = [(j, _alone(j, toolchain, limits)) for j in jobs]
    for job, verdict in results:
        verdicts[job.index] = verdict
    assert all(v is not None for v in verdicts)  # every item got exactly one verdict
    return [v for v in verdicts if v is not None]


def chunk_sizes(n: int, batch_size: int) -> list[int]:
    """How n candidates are cut into chunks: as many as n / batch_size rounds to (at least
    one), as even as can be, so no chunk holds more than 1.5 x batch_size.

    A chunk's fixed cost (the driver's compile, the link, two sandboxes, the run
    supervisor: ~200 ms for Fortran, several candidates' worth) is the same for 4
    candidates as for 64. Cut at exactly batch_size, 68 candidates made chunks of 32, 32
    and 4, and the last 4 paid it alone (measured: 10% of the whole batch's time). The
    default 64 is the measured sweet spot for Fortran here: 204 lowered candidates took
    29 ms each in chunks of 34, 24 ms in chunks of 68, 23 ms in chunks of 102."""
    size = max(1, batch_size)
    count = max(1, (n + size // 2) // size)
    return [n // count + (1 if k < n % count else 0) for k in range(count)] if n else []


def chunk_compile_policy(policy: SandboxPolicy, n: int) -> SandboxPolicy:
    """The compile limits for a chunk of n candidates (module docstring)."""
    factor = 1.0 + (n - 1) / 8

    def scaled(x: int) -> int:
        return int(math.ceil(x * factor)) if x > 0 else x

    return dataclasses.replace(
        policy, wall_seconds=policy.wall_seconds * factor, cpu_seconds=scaled(policy.cpu_seconds),
        output_limit_bytes=scaled(policy.output_limit_bytes),
        # Memory does not scale: honest chunks stay far below one candidate's limit, and a
        # bomb in a chunk is isolated by bisection instead of being given n times the room.
        file_size_bytes=scaled(policy.file_size_bytes))


class _PrebuiltCache:
    """Built `Prebuilt` parts of this process, by (key, executor); built once, thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[str, str], threading.Lock] = {}
        self._built: dict[tuple[str, str], Path | None] = {}
        self._root: Path | None = None

    def get(self, part: Prebuilt, toolchain: Toolchain, limits: ValidationLimits) -> Path | None:
        """The dir holding part's outputs, or None when it cannot be built."""
        key = (part.key, limits.executor)
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.Lock())
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="tolk-prebuilt-"))
                atexit.register(shutil.rmtree, self._root, True)
            root = self._root
        needed = []
        for dep in part.needs:  # built (or failed) before this part's lock is taken
            if (dep_dir := self.get(dep, toolchain, limits)) is None:
                return None
            needed.append((dep, dep_dir))
        with lock:
            if key in self._built:
                return self._built[key]
            built, final = self._build(part, toolchain, limits, root, needed)
            if final:  # a timeout (a loaded machine) is tried again by the next chunk
                self._built[key] = built
            return built

    @staticmethod
    def _build(part: Prebuilt, toolchain: Toolchain, limits: ValidationLimits, root: Path,
               needed: Sequence[tuple[Prebuilt, Path]] = ()) -> tuple[Path | None, bool]:
        workdir = Path(tempfile.mkdtemp(prefix="part-", dir=root))
        _copy_outputs(needed, workdir)
        for name, text in part.files.items():
            (workdir / name).write_text(text)
        res = run_sandboxed(part.argv, workdir=workdir, policy=policy_for(limits.compile, toolchain),
                            executor=limits.executor)
        if res.returncode == 0 and all((workdir / o).is_file() for o in part.outputs):
            return workdir, True
        log.warning("prebuilt harness part %s failed to build (rc=%s); its chunks take the "
                    "single path: %s", part.key, res.returncode, (res.stdout + res.stderr)[-2000:])
        shutil.rmtree(workdir, ignore_errors=True)
        return None, not res.timed_out


_PREBUILT = _PrebuiltCache()


def _copy_outputs(built: Sequence[tuple[Prebuilt, Path]], workdir: Path) -> None:
    """Each built part's outputs, from its build dir into workdir."""
    for part, where in built:
        for name in part.outputs:
            shutil.copyfile(where / name, workdir / name)


def _prebuilt_for(chunk: Sequence[_Job], toolchain: Toolchain,
                  limits: ValidationLimits) -> list[tuple[Prebuilt, Path]] | None:
    """The chunk's prebuilt parts, built; None when one of them cannot be."""
    if not isinstance(toolchain, BatchPrebuilding):
        return []
    parts = []
    for part in toolchain.batch_prebuilt([(j.code, j.sig) for j in chunk]):
        built = _PREBUILT.get(part, toolchain, limits)
        if built is None:
            return None
        parts.append((part, built))
    return parts


def _alone(job: _Job, toolchain: Toolchain, limits: ValidationLimits) -> Verdict:
    return validate_checked(job.code, job.sig, job.suite, toolchain, limits, job.stdin)


def _build(chunk: Sequence[_Job], toolchain: Toolchain,
           limits: ValidationLimits) -> list[tuple[_Job, Verdict]]:
    """Verdicts for one chunk: one compile, one run per candidate, fallbacks as documented."""
    if not chunk:
        return []
    if len(chunk) == 1:
        return [(chunk[0], _alone(chunk[0], toolchain, limits))]
    assert isinstance(toolchain, BatchCompiled)
    n = len(chunk)
    workdir = Path(tempfile.mkdtemp(prefix="tolk-batch-"))
    retry: list[_Job] = []
    results: list[tuple[_Job, Verdict]] = []
    try:
        try:
            files = toolchain.batch_files([(j.code, j.sig) for j in chunk])
        except Exception:  # noqa: BLE001 - a build we cannot even write: take the exact path
            log.warning("batch_files failed for a chunk of %d; validating each alone", n,
                        exc_info=True)
            return [(j, _alone(j, toolchain, limits)) for j in chunk]
        prebuilt = _prebuilt_for(chunk, toolchain, limits)
        if prebuilt is None:
            return [(j, _alone(j, toolchain, limits)) for j in chunk]
        for name, text in files.items():
            (workdir / name).write_text(text)
        _copy_outputs(prebuilt, workdir)
        argv = toolchain.batch_compile_argv(files) + [x for p, _ in prebuilt for x in p.link]
        policy = chunk_compile_policy(policy_for(limits.compile, toolchain), n)
        comp = run_sandboxed(argv, workdir=workdir, policy=policy, executor=limits.executor)
        if comp.timed_out or comp.killed_for_output or comp.returncode != 0:
            blamed = _blame(toolchain, workdir, comp, n)
        else:
            blamed = None
            results, retry = _run_chunk(chunk, toolchain, limits, workdir, comp)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if blamed is not None:  # the build failed: attribute it, then rebuild what is left
        if blamed:
            rest = [j for k, j in enumerate(chunk) if k not in blamed]
            return ([(chunk[k], _alone(chunk[k], toolchain, limits)) for k in sorted(blamed)]
                    + _build(rest, toolchain, limits))
        half = n // 2
        return _build(chunk[:half], toolchain, limits) + _build(chunk[half:], toolchain, limits)
    return results + [(j, _alone(j, toolchain, limits)) for j in retry]


def _blame(toolchain: Toolchain, workdir: Path, comp: SandboxResult, n: int) -> set[int]:
    """Candidates a failed chunk build blames; empty (bisect) for timeouts and unknowns."""
    if comp.timed_out or comp.killed_for_output or not isinstance(toolchain, BatchBlaming):
        return set()
    blamed = toolchain.batch_blame(workdir, comp.stdout + comp.stderr, n)
    return {k for k in blamed if 0 <= k < n}


def _run_chunk(chunk: Sequence[_Job], toolchain: Toolchain, limits: ValidationLimits,
               workdir: Path, comp: SandboxResult) -> tuple[list[tuple[_Job, Verdict]], list[_Job]]:
    """(verdicts of a built chunk, the candidates to validate alone instead)."""
    assert isinstance(toolchain, BatchCompiled)
    share = comp.wall_s / len(chunk)
    if (why := toolchain.runtime_problem()) is not None:
        return [(j, dataclasses.replace(unverified(toolchain, len(j.suite.vectors), why, comp),
                                        compile_s=share)) for j in chunk], []
    policy = policy_for(limits.run, toolchain)
    if policy.uid is not None:
        return _run_each(chunk, toolchain, limits, workdir, share, policy)
    with lease_uid() as uid:
        # One uid for the chunk's runs, one after the other: the work dir is handed over
        # once, not per candidate (runs are read-only, and each one's pid namespace dies
        # with it).
        return _run_each(chunk, toolchain, limits, workdir, share,
                         dataclasses.replace(policy, uid=uid))


def _run_each(chunk: Sequence[_Job], toolchain: Toolchain, limits: ValidationLimits,
              workdir: Path, share: float, run_policy: SandboxPolicy,
              ) -> tuple[list[tuple[_Job, Verdict]], list[_Job]]:
    assert isinstance(toolchain, BatchCompiled)
    if resolve_executor(limits.executor) == "bwrap":
        runs = run_one_after_another(
            [(toolchain.batch_run_argv(k), job.stdin) for k, job in enumerate(chunk)],
            workdir, run_policy)
    else:  # no pid namespace of our own (host) or no python in the image (containers)
        runs = [run_sandboxed(toolchain.batch_run_argv(k), workdir=workdir, stdin=job.stdin,
                              policy=run_policy, writable_workdir=False,
                              executor=limits.executor) for k, job in enumerate(chunk)]
    results: list[tuple[_Job, Verdict]] = []
    retry: list[_Job] = list(chunk[len(runs):])  # no result (the shared sandbox ended early)
    for job, run in zip(chunk, runs):
        if _died_before_first_record(run, len(job.suite.vectors)):
            retry.append(job)
            continue
        verdict = judge(run, job.sig, job.suite.vectors, tolerance_for(limits, job.suite))
        results.append((job, dataclasses.replace(verdict, compile_s=share,
                                                  ran_on=ran_on(toolchain, run.executor))))
    return results, retry


def _died_before_first_record(run: SandboxResult, total: int) -> bool:
    """No `@@ 1` line: the failure belongs to start-up, which a batchmate could share."""
    if "@@ 1\n" in run.stdout:
        return False
    return total > 0 or run.timed_out or run.returncode != 0 or bool(run.signal_name)
