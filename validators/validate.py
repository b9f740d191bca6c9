"""Validate one candidate: static checks -> harness -> compile -> run -> compare -> Verdict.

Key contracts: never raises for anything a candidate does; every outcome is a Verdict.
Compile and run are separate sandboxed steps with their own limits. A result record is
attributed to its vector by the wire format, so a crash or timeout names the vector in
flight. `harness_error` is reserved for failures that are ours (encoding inputs, a harness
that exits cleanly without printing every record).

`validate_candidate` is `precheck` (static checks, input encoding) then `validate_checked`
(compile and run alone); `tolk.validators.batch` reuses both, and `judge`, so a batch
reaches the same verdicts.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tolk.ir.function import Signature
from tolk.ir.vectors import TestSuite, Vector
from tolk.toolchains.base import Toolchain
from tolk.validators.compare import Tolerance, input_scale, values_equal
from tolk.validators.sandbox import SandboxPolicy, SandboxResult, run_sandboxed
from tolk.validators.verdict import FailingVector, Verdict, VerdictStatus
from tolk.validators.wire import WireError, decode_results, encode_inputs

__all__ = ["ValidationLimits", "validate_candidate", "precheck", "validate_checked",
           "policy_for", "ran_on", "judge", "unverified", "OUTPUT_CAP"]

OUTPUT_CAP = 4000  # characters of compiler/runtime output kept on a verdict


@dataclass(frozen=True, slots=True)
class ValidationLimits:
    # Compilers are attack surface too: a giant constant array or template recursion
    # must end in compile_error, not eat the machine (hostile suites measure this).
    compile: SandboxPolicy = field(default_factory=lambda: SandboxPolicy(
        cpu_seconds=20, wall_seconds=30.0, memory_bytes=4 << 30, nproc=64, nofile=256))
    run: SandboxPolicy = field(default_factory=lambda: SandboxPolicy(
        cpu_seconds=10, wall_seconds=10.0, memory_bytes=1 << 30, nproc=16, nofile=64))
    tolerance: Tolerance = field(default_factory=Tolerance)
    executor: str = "auto"


def validate_candidate(code: str, sig: Signature, suite: TestSuite, toolchain: Toolchain,
                       limits: ValidationLimits = ValidationLimits()) -> Verdict:
    checked = precheck(code, sig, suite, toolchain)
    if isinstance(checked, Verdict):
        return checked
    return validate_checked(code, sig, suite, toolchain, limits, checked)


def precheck(code: str, sig: Signature, suite: TestSuite, toolchain: Toolchain) -> Verdict | str:
    """Static checks and input encoding: the verdict when they end validation, else the
    harness's stdin."""
    total = len(suite.vectors)
    reason = toolchain.supports(sig) or toolchain.static_check(code, sig)
    if reason:
        return Verdict(VerdictStatus.REJECTED_STATIC, total=total, reason=reason)
    try:
        return encode_inputs([v.args for v in suite.vectors], [p.type for p in sig.params])
    except WireError as exc:
        return Verdict(VerdictStatus.HARNESS_ERROR, total=total, reason=f"encode:{exc}")


def validate_checked(code: str, sig: Signature, suite: TestSuite, toolchain: Toolchain,
                     limits: ValidationLimits, stdin: str) -> Verdict:
    """Compile and run a candidate that passed `precheck` (stdin: what it returned), alone,
    in a fresh work dir that is removed afterwards."""
    if (missing := toolchain.availability()) is not None:
        return unverified(toolchain, len(suite.vectors), missing, None, missing="no_compiler")
    workdir = Path(tempfile.mkdtemp(prefix="tolk-val-"))
    try:
        return _compile_and_run(code, sig, suite, toolchain, limits, workdir, stdin)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def policy_for(policy: SandboxPolicy, toolchain: Toolchain) -> SandboxPolicy:
    """`policy` plus what this toolchain needs inside the sandbox: read-only binds, device
    nodes (paths under /dev/), which memory rlimit applies, its container image, and the
    PATH dirs, environment and root filesystem of its `sandbox_needs()` (a toolchain that
    lives in the store brings its own root filesystem)."""
    needs = toolchain.sandbox_needs()
    devs = tuple(b for b in needs.binds if b.startswith("/dev/"))
    files = tuple(b for b in needs.binds if not b.startswith("/dev/"))
    return dataclasses.replace(policy, ro_binds=policy.ro_binds + files,
                               rootfs=needs.rootfs or policy.rootfs,
                               dev_binds=policy.dev_binds + devs,
                               path_dirs=policy.path_dirs + needs.path_dirs,
                               env=policy.env + needs.env,
                               memory_rlimit=toolchain.memory_rlimit,
                               toolchain=str(toolchain.lang))


def ran_on(toolchain: Toolchain, executor: str) -> str:
    """Where a run happened, for the verdict: the executor, prefixed by the device when the
    target runs on one (`gpu:bwrap`), so a GPU run is never confused with anything else,
    and followed by the root filesystem of a toolchain that brings its own
    (`bwrap:debian-bullseye`, the label of its `sandbox_needs()`)."""
    where = executor if toolchain.runs_on == "native" else f"{toolchain.runs_on}:{executor}"
    label = toolchain.sandbox_needs().label
    return f"{where}:{label}" if label and executor != "host" else where


def unverified(toolchain: Toolchain, total: int, why: str, compiled: SandboxResult | None,
               compiler_output: str = "", *, missing: str = "no_runtime") -> Verdict:
    """The verdict when the runtime (or the compiler: missing="no_compiler") is absent
    here; ran_on says how far validation got."""
    return Verdict(VerdictStatus.UNVERIFIED, total=total, reason=f"{missing}: {why}"[:300],
                   compiler_output=compiler_output,
                   compile_s=compiled.wall_s if compiled else 0.0,
                   ran_on="compile-only" if compiled else "static-only")


def _compile_and_run(code: str, sig: Signature, suite: TestSuite, toolchain: Toolchain,
                     limits: ValidationLimits, workdir: Path, stdin: str) -> Verdict:
    total = len(suite.vectors)
    files = toolchain.harness_files(sig, code)
    for name, content in files.items():
        (workdir / name).write_text(content)
    argv = toolchain.compile_argv(files)
    comp: SandboxResult | None = None
    compiler_output = ""
    if argv is not None:
        comp = run_sandboxed(argv, workdir=workdir, policy=policy_for(limits.compile, toolchain),
                             executor=limits.executor)
        compiler_output = (comp.stdout + comp.stderr)[-OUTPUT_CAP:]
        if comp.timed_out or comp.returncode != 0:
            return Verdict(VerdictStatus.COMPILE_ERROR, total=total,
                           reason="compile_timeout" if comp.timed_out else "compiler_failed",
                           compiler_output=compiler_output, compile_s=comp.wall_s,
                           ran_on=comp.executor)
    if (why := toolchain.runtime_problem()) is not None:
        return unverified(toolchain, total, why, comp, compiler_output)
    run = run_sandboxed(toolchain.run_argv(), workdir=workdir, stdin=stdin,
                        policy=policy_for(limits.run, toolchain), writable_workdir=False,
                        executor=limits.executor)
    verdict = judge(run, sig, suite.vectors, tolerance_for(limits, suite))
    return dataclasses.replace(verdict, compiler_output=compiler_output,
                               compile_s=comp.wall_s if comp else 0.0,
                               ran_on=ran_on(toolchain, run.executor))


def _render(v: object) -> str:
    s = repr(v)
    return s if len(s) <= 300 else s[:297] + "..."


def judge(run: SandboxResult, sig: Signature, vectors: tuple[Vector, ...],
          tol: Tolerance) -> Verdict:
    """Turn one harness run into a verdict (pure: no I/O)."""
    total = len(vectors)
    decoded = decode_results(run.stdout, sig.returns, total)
    passed = 0
    first: FailingVector | None = None
    first_status = VerdictStatus.PASSED
    first_reason = ""
    ptypes = [p.type for p in sig.params]
    for d in decoded:
        if not d.complete:
            break
        vec = vectors[d.index]
        if not d.error and values_equal(d.value, vec.expected, sig.returns, tol,
                                        input_scale(vec.args, ptypes)):
            passed += 1
        elif first is None:
            got = d.error or _render(d.value)
            first = FailingVector(d.index, _render(vec.args), _render(vec.expected), got)
            first_status = VerdictStatus.WRONG_ANSWER
            first_reason = "garbled_output" if d.error else "mismatch"
    complete = sum(1 for d in decoded if d.complete)
    common = dict(passed=passed, total=total, runtime_output=run.stderr[-OUTPUT_CAP:],
                  run_s=run.wall_s, ran_on=run.executor)
    if complete < total:
        # The vector in flight when the run ended is the first one without a complete record.
        idx = complete
        vec = vectors[idx]
        what = ("timed out" if run.timed_out else
                f"crashed ({run.signal_name or f'exit {run.returncode}'})")
        in_flight = FailingVector(idx, _render(vec.args), _render(vec.expected), what)
        if first is not None and first.index < idx:
            return Verdict(first_status, first_failure=first, reason=first_reason, **common)
        if run.timed_out:
            return Verdict(VerdictStatus.TIMEOUT, first_failure=in_flight, reason="wall_clock",
                           **common)
        if run.returncode == 0 and not run.signal_name:
            # Our harnesses never stop early on their own; a clean exit in the middle means
            # the candidate ended the process (Fortran `stop`, COBOL STOP RUN, exit(0)).
            # Known-good self-tests would expose a harness that did this.
            reason = "exited_early"
        else:
            reason = f"signal:{run.signal_name}" if run.signal_name else f"exit:{run.returncode}"
        return Verdict(VerdictStatus.RUNTIME_ERROR, first_failure=in_flight, reason=reason,
                       **common)
    if first is not None:
        return Verdict(first_status, first_failure=first, reason=first_reason, **common)
    if run.timed_out or run.returncode != 0 or run.signal_name:
        return Verdict(VerdictStatus.RUNTIME_ERROR, reason="failed_after_all_records", **common)
    return Verdict(VerdictStatus.PASSED, **common)


def tolerance_for(limits: ValidationLimits, suite: TestSuite) -> Tolerance:
    """The suite's recorded tolerance (its IR), unless the caller's limits set another."""
    return Tolerance.of(suite) if limits.tolerance == Tolerance() else limits.tolerance
