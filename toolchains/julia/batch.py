"""Validate a batch of Julia candidates in one julia process, restarting after a death.

Key contracts: `validate_batch` returns one Verdict per item, in order, never raising for
anything a candidate does (same guarantees as `validators.validate.validate_candidate`).
Static checks come first (`rejected_static`); without a usable julia every checked item
is `unverified` (ran_on="static-only"). Otherwise the runner (runner.jl, protocol in its
header) validates the pending candidates in one sandboxed process. When that process dies
or is killed inside candidate k (its SIGALRM time limit, a crash, the sandbox's limits),
k is judged from its partial section (timeout / runtime_error attributed to the vector in
flight) and a NEW process runs the candidates after k, so they are judged fairly. A run
that makes no progress at all ends the remaining candidates as `harness_error`.

Everything between the process and the verdicts is pure and tested with recorded output:
`parse_runner_output` (nonce-prefixed lines -> sections), `settle` (which candidates a
run decided, which go to the next run) and `section_verdict` (a section -> a Verdict via
`validators.validate.judge`, fed a per-section SandboxResult).
"""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tolk.ir.function import Signature
from tolk.ir.vectors import Vector
from tolk.validators.compare import Tolerance
from tolk.validators.sandbox import SandboxPolicy, SandboxResult, run_sandboxed
from tolk.validators.validate import judge, policy_for, ran_on, tolerance_for, unverified
from tolk.validators.verdict import Verdict, VerdictStatus
from tolk.validators.wire import WireError, encode_inputs
from tolk.toolchains.julia import harness

if TYPE_CHECKING:
    from tolk.toolchains.base import BatchItem
    from tolk.validators.validate import ValidationLimits

__all__ = ["Section", "RunnerOutput", "parse_runner_output", "settle", "section_verdict",
           "batch_policy", "validate_batch", "STARTUP_S", "MIN_ADDRESS_SPACE"]

#: seconds allowed for julia's own start-up and for compiling the runner, per process
STARTUP_S = 30
#: julia reserves address space generously; a smaller RLIMIT_AS kills it at start-up
MIN_ADDRESS_SPACE = 4 << 30
_OUTPUT_CAP = 4000
_MAX_OUTPUT = 64 << 20


class _JuliaToolchain(Protocol):
    def supports(self, sig: Signature) -> str | None: ...
    def static_check(self, code: str, sig: Signature) -> str | None: ...
    def runtime_problem(self) -> str | None: ...
    def batch_argv(self) -> list[str]: ...
    def batch_env(self, workdir: Path) -> dict[str, str]: ...
    def sandbox_binds(self) -> tuple[str, ...]: ...
    lang: object


@dataclass(frozen=True, slots=True)
class Section:
    """What the runner printed for one candidate."""
    k: int
    records: str  # the wire records (data lines, nonce stripped), for validators.wire
    end: str  # "done" | "error" (a vector threw) | "load" (did not load) | "open" (died inside)
    message: str = ""  # the exception or load problem
    error_vector: int = 0  # 1-based vector that threw ("error")
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class RunnerOutput:
    sections: tuple[Section, ...] = ()
    batch_done: bool = False
    noise: str = ""  # lines without the nonce: output the candidate managed to produce


@dataclass
class _Open:
    k: int
    data: list[str] = field(default_factory=list)
    end: str = "done"
    message: str = ""
    error_vector: int = 0

    def close(self, end: str | None = None, seconds: float = 0.0) -> Section:
        records = "".join(line + "\n" for line in self.data)
        return Section(self.k, records, end or self.end, self.message, self.error_vector,
                       seconds)


def parse_runner_output(stdout: str, nonce: str) -> RunnerOutput:
    """Split the runner's stdout into per-candidate sections (pure; never raises)."""
    ctl, dat = nonce + "!", nonce + "|"
    sections: list[Section] = []
    noise: list[str] = []
    cur: _Open | None = None
    done = False
    lines = stdout.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line in lines:
        if line.startswith(dat):
            if cur is not None:
                cur.data.append(line[len(dat):])
            continue
        if not line.startswith(ctl):
            noise.append(line)
            continue
        word, _, rest = line[len(ctl):].partition(" ")
        if word == "@@cand":
            if cur is not None:  # a section that never ended: our bug, keep what it had
                sections.append(cur.close("open"))
            cur = _Open(_int(rest))
        elif word == "@@error" and cur is not None:
            j, _, msg = rest.partition(" ")
            cur.end, cur.error_vector, cur.message = "error", _int(j), msg
        elif word == "@@loaderror" and cur is not None:
            cur.end, cur.message = "load", rest
        elif word == "@@candend" and cur is not None:
            k, _, secs = rest.partition(" ")
            sections.append(cur.close(seconds=_float(secs)))
            cur = None
        elif word == "@@batchend":
            done = True
    if cur is not None:
        sections.append(cur.close("open"))
    return RunnerOutput(tuple(sections), done, "\n".join(noise))


def _int(s: str) -> int:
    try:
        return int(s.strip())
    except ValueError:
        return -1


def _float(s: str) -> float:
    try:
        return float(s.strip())
    except ValueError:
        return 0.0


SectionRun = tuple[Section, SandboxResult]


def settle(pending: Sequence[int], out: RunnerOutput,
           proc: SandboxResult) -> tuple[dict[int, SectionRun], list[int]]:
    """Which pending candidates this run decided (each with the SandboxResult its verdict
    is judged from) and which must go to a new process, in order (pure)."""
    decided: dict[int, SectionRun] = {}
    for sec in out.sections:
        if sec.k not in pending or sec.k in decided:
            continue  # not ours to judge: ignore rather than trust
        decided[sec.k] = (sec, _section_result(sec, proc, out.noise))
    remaining = [k for k in pending if k not in decided]
    if out.batch_done and remaining:
        # The runner says it ran everything, yet some sections are missing: ours to fix.
        for k in remaining:
            decided[k] = (Section(k, "", "missing"), proc)
        remaining = []
    return decided, remaining


def _section_result(sec: Section, proc: SandboxResult, noise: str) -> SandboxResult:
    """The SandboxResult `judge` sees for one section: the process's own ending only for
    the section it died in; a clean exit for a finished one, exit 1 for a thrown vector."""
    base = dataclasses.replace(proc, stdout=sec.records, stdout_truncated=False,
                               stderr_truncated=False, wall_s=sec.seconds or proc.wall_s,
                               killed_for_output=False)
    if sec.end == "open":
        # SIGALRM is the runner's per-candidate time limit, SIGXCPU the CPU rlimit.
        alarm = proc.signal_name in ("SIGALRM", "SIGXCPU")
        stderr = "\n".join(s for s in (noise, proc.stderr) if s)
        return dataclasses.replace(base, timed_out=proc.timed_out or alarm,
                                   returncode=None if alarm else proc.returncode,
                                   signal_name="" if alarm else proc.signal_name,
                                   stderr=stderr[-_OUTPUT_CAP:], wall_s=proc.wall_s,
                                   killed_for_output=proc.killed_for_output)
    if sec.end == "error":
        return dataclasses.replace(base, returncode=1, signal_name="", timed_out=False,
                                   stderr=sec.message)
    return dataclasses.replace(base, returncode=0, signal_name="", timed_out=False,
                               stderr=sec.message)


def section_verdict(sec: Section, run: SandboxResult, sig: Signature,
                    vectors: tuple[Vector, ...], tol: Tolerance) -> Verdict:
    """One candidate's verdict from its section (pure)."""
    total = len(vectors)
    if sec.end == "missing":
        return Verdict(VerdictStatus.HARNESS_ERROR, total=total, reason="missing_section",
                       runtime_output=run.stderr[-_OUTPUT_CAP:], ran_on=run.executor)
    if sec.end == "load":
        status = (VerdictStatus.HARNESS_ERROR if sec.message.startswith("harness:")
                  else VerdictStatus.COMPILE_ERROR)
        return Verdict(status, total=total, reason="load_failed",
                       compiler_output=sec.message[-_OUTPUT_CAP:], compile_s=sec.seconds,
                       ran_on=run.executor)
    v = judge(run, sig, vectors, tol)
    if v.status is VerdictStatus.RUNTIME_ERROR and sec.end == "error":
        kind = sec.message.split(":", 1)[0].strip() or "exception"
        return dataclasses.replace(v, reason=f"exception:{kind}")
    if v.status is VerdictStatus.TIMEOUT and sec.end == "open" and not run.signal_name:
        return dataclasses.replace(v, reason="time_limit")  # the runner's alarm, not ours
    if sec.end == "open" and run.killed_for_output and \
            v.status in (VerdictStatus.RUNTIME_ERROR, VerdictStatus.HARNESS_ERROR):
        return dataclasses.replace(v, status=VerdictStatus.RUNTIME_ERROR, reason="output_limit")
    if sec.end == "open" and v.status is VerdictStatus.HARNESS_ERROR:
        # The process ended cleanly inside this candidate's section: the candidate did it.
        return dataclasses.replace(v, status=VerdictStatus.RUNTIME_ERROR, reason="exited_early")
    return v


def batch_policy(run: SandboxPolicy, n: int) -> SandboxPolicy:
    """The sandbox policy for one runner process over n candidates, from the
    per-candidate policy: julia's start-up plus n candidates' time, a floor under the
    address-space limit, more tasks (julia's own threads), output for n candidates."""
    return dataclasses.replace(
        run,
        wall_seconds=STARTUP_S + n * run.wall_seconds + 5.0,
        cpu_seconds=STARTUP_S + n * max(1, run.cpu_seconds),
        memory_bytes=max(run.memory_bytes, MIN_ADDRESS_SPACE) if run.memory_bytes else 0,
        nproc=max(run.nproc, 64),
        nofile=max(run.nofile, 256),
        output_limit_bytes=min(run.output_limit_bytes * max(1, n), _MAX_OUTPUT),
    )


def validate_batch(toolchain: _JuliaToolchain, items: Sequence["BatchItem"],
                   limits: "ValidationLimits") -> list[Verdict]:
    verdicts: list[Verdict | None] = [None] * len(items)
    inputs: dict[int, str] = {}
    for i, (code, sig, suite) in enumerate(items):
        total = len(suite.vectors)
        reason = toolchain.supports(sig) or toolchain.static_check(code, sig)
        if reason:
            verdicts[i] = Verdict(VerdictStatus.REJECTED_STATIC, total=total, reason=reason)
        elif (why := toolchain.runtime_problem()) is not None:
            verdicts[i] = unverified(toolchain, total, why, None)  # type: ignore[arg-type]
        else:
            try:
                inputs[i] = encode_inputs([v.args for v in suite.vectors],
                                          [p.type for p in sig.params])
            except WireError as exc:
                verdicts[i] = Verdict(VerdictStatus.HARNESS_ERROR, total=total,
                                      reason=f"encode:{exc}")
    if inputs:
        workdir = Path(tempfile.mkdtemp(prefix="tolk-julia-"))
        try:
            for i, verdict in _run_all(toolchain, items, inputs, limits, workdir).items():
                verdicts[i] = verdict
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return [v if v is not None else Verdict(VerdictStatus.HARNESS_ERROR, reason="not_judged")
            for v in verdicts]


def _run_all(toolchain: _JuliaToolchain, items: Sequence["BatchItem"], inputs: dict[int, str],
             limits: "ValidationLimits", workdir: Path) -> dict[int, Verdict]:
    """Run the runner until every candidate (k = item index + 1) has a verdict."""
    (workdir / harness.RUNNER_FILE).write_text(harness.runner_source())
    for i, wire_input in inputs.items():
        code, sig, _ = items[i]
        for name, text in harness.candidate_files(i + 1, sig, code, wire_input).items():
            (workdir / name).write_text(text)
    out: dict[int, Verdict] = {}
    pending = sorted(i + 1 for i in inputs)
    while pending:
        nonce = secrets.token_hex(12)
        policy = policy_for(batch_policy(limits.run, len(pending)),
                            toolchain)  # type: ignore[arg-type]
        proc = run_sandboxed(
            toolchain.batch_argv(), workdir=workdir,
            stdin=harness.batch_stdin(nonce, limits.run.wall_seconds, pending), policy=policy,
            writable_workdir=False, env=toolchain.batch_env(workdir), executor=limits.executor)
        decided, remaining = settle(pending, parse_runner_output(proc.stdout, nonce), proc)
        # Where it ran, as single runs say it (`bwrap:debian-bullseye` for a store julia).
        where = ran_on(toolchain, proc.executor)  # type: ignore[arg-type]
        for k, (sec, run) in decided.items():
            _, sig, suite = items[k - 1]
            v = section_verdict(sec, run, sig, suite.vectors, tolerance_for(limits, suite))
            out[k - 1] = dataclasses.replace(v, ran_on=where) if v.ran_on == proc.executor else v
        if len(remaining) == len(pending):
            # Not even one candidate started or ended: julia itself failed.
            why = proc.stderr.strip()[-300:] or f"exit {proc.returncode} {proc.signal_name}"
            for k in remaining:
                out[k - 1] = Verdict(VerdictStatus.HARNESS_ERROR,
                                     total=len(items[k - 1][2].vectors),
                                     reason=f"runner_failed: {why}"[:300],
                                     runtime_output=proc.stderr[-_OUTPUT_CAP:],
                                     ran_on=where)
            break
        pending = remaining
    return out
