"""Run many jobs one after the other in ONE bubblewrap sandbox (the host half of
`chunk_runner.py`, which runs inside as the sandbox's pid 1).

    run_one_after_another([(argv, stdin), ...], workdir, policy) -> [SandboxResult, ...]

`tolk.validators.batch` runs a built chunk's candidates this way under bwrap: one sandbox
per chunk instead of one per candidate (~13 ms each, most of a batched Fortran
candidate's run). Each job still runs alone, as its own process with the single path's
limits, and `chunk_runner.py` removes everything a job leaves behind before the next one
starts.
"""

from __future__ import annotations

import atexit
import binascii
import dataclasses
import logging
import py_compile
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tolk.forksafe import ForkSafeLock
from tolk.validators import chunk_runner
from tolk.validators.reference import with_sandbox_python
from tolk.validators.sandbox import (
    RUN_WRAPPER, SandboxPolicy, SandboxResult, exit_of, rlimits_for, run_sandboxed,
)

__all__ = ["run_one_after_another"]

log = logging.getLogger(__name__)

_CHUNK_RUNNER = Path(chunk_runner.__file__)
_PUMP = _CHUNK_RUNNER.with_name("_pump.py")
_compiled_lock = ForkSafeLock()  # stage workers fork while threads run
_compiled: dict[str, Path] = {}  # sandbox interpreter -> dir of the runner's .pyc files


def _runner_files(python: str) -> list[tuple[Path, str]]:
    """(file, its name in the work dir) for the runner (first) and the pump: bytecode
    compiled once per process when the sandbox runs our own interpreter, so no chunk pays
    for compiling them (~10 ms); the sources for any other interpreter."""
    if Path(python) != Path(getattr(sys, "_base_executable", sys.executable)).resolve():
        return [(_CHUNK_RUNNER, "tolk_chunk_runner.py"), (_PUMP, "tolk_pump.py")]
    with _compiled_lock:
        if python not in _compiled:
            out = Path(tempfile.mkdtemp(prefix="tolk-runner-"))
            atexit.register(shutil.rmtree, out, True)
            for src, name in ((_CHUNK_RUNNER, "tolk_chunk_runner.pyc"), (_PUMP, "tolk_pump.pyc")):
                py_compile.compile(str(src), cfile=str(out / name), doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            _compiled[python] = out
        out = _compiled[python]
    return [(out / "tolk_chunk_runner.pyc", "tolk_chunk_runner.pyc"),
            (out / "tolk_pump.pyc", "tolk_pump.pyc")]


def run_one_after_another(jobs: Sequence[tuple[list[str], str]], workdir: Path,
                          policy: SandboxPolicy) -> list[SandboxResult]:
    """The run of each (argv, stdin) job, in order, in ONE bwrap sandbox of `workdir`
    (read-only) whose pid 1 is `chunk_runner.py`; its docstring says how nothing of one
    run reaches the next. Each run gets `policy`'s rlimits, wall clock and output caps, as
    in a sandbox of its own, and is reported as `run_sandboxed` would report it. The list
    stops where the runner stopped (a job that could not start, a sandbox that could not
    be cleaned): the caller runs the rest some other way. Never raises for what a job
    does."""
    n = len(jobs)
    python, policy_py = with_sandbox_python(policy)
    files = _runner_files(python)
    for src, name in files:
        shutil.copyfile(src, workdir / name)
    script = files[0][1]
    lines = [f"{policy.wall_seconds!r} {policy.output_limit_bytes}",
             "rlimits " + ",".join(f"{r}:{soft}:{hard}" for r, soft, hard in rlimits_for(policy))]
    # Under the sh a sandbox of its own runs argv under: the same exit status for a signal
    # and the same stderr.
    lines += [f"job {chunk_runner.b64(chr(0).join((*RUN_WRAPPER, *argv)).encode())} "
              f"{chunk_runner.b64(stdin.encode('utf-8'))}" for argv, stdin in jobs]
    # The runner itself: the whole chunk's time and output; the same memory and process
    # limits (it sets each candidate's own before exec).
    outer = dataclasses.replace(
        policy, wall_seconds=n * (policy.wall_seconds + 1.0) + 10.0,
        cpu_seconds=n * (policy.cpu_seconds + 1.0) + 10.0,
        output_limit_bytes=n * (3 * policy.output_limit_bytes + 4096) + 65536,
        ro_binds=policy_py.ro_binds)
    res = run_sandboxed([python, "-S", "-s", "-B", "-E", script],
                        workdir=workdir, stdin="\n".join(lines) + "\n", policy=outer,
                        writable_workdir=False, executor="bwrap", as_pid_1=True)
    out = res.stdout.splitlines()
    if res.stdout_truncated and out:
        out.pop()  # the cut may have split it
    runs: list[SandboxResult] = []
    for line in out:
        try:
            runs.append(_result_of(line, len(runs)))
        except (ValueError, IndexError, binascii.Error):
            if line.startswith("fatal "):
                log.warning("chunk runner stopped after %d of %d runs: %s", len(runs), n,
                            chunk_runner.unb64(line.split()[1]).decode("utf-8", "replace"))
            break
    if len(runs) < n and res.returncode != 0:
        log.warning("chunk runner ended after %d of %d runs (rc=%s, timed_out=%s): %s",
                    len(runs), n, res.returncode, res.timed_out, res.stderr[-1000:])
    return runs


def _result_of(line: str, k: int) -> SandboxResult:
    """A `done` line of chunk_runner.py for job k, as `run_sandboxed` would report it."""
    tag, index, status, cpu, rss, wall, flags, out, err = line.split(" ")
    if tag != "done" or int(index) != k or len(flags) != 4:
        raise ValueError(f"not job {k}'s result: {line[:80]}")
    stdout_cut, stderr_cut, timed_out, for_output = (f == "1" for f in flags)
    rc, sig = exit_of(int(status), "bwrap")
    return SandboxResult(
        returncode=None if timed_out or for_output else rc, signal_name=sig,
        timed_out=timed_out, stdout=chunk_runner.unb64(out).decode("utf-8", "replace"),
        stderr=chunk_runner.unb64(err).decode("utf-8", "replace"),
        stdout_truncated=stdout_cut, stderr_truncated=stderr_cut, wall_s=float(wall),
        cpu_s=float(cpu), max_rss_kb=int(rss), executor="bwrap",
        killed_for_output=for_output)
