"""Run the Python reference of one function over many inputs, inside the sandbox.

The worker (`reference_worker.py`, stdlib only) runs under the base interpreter of the
Python running tolk (its prefix is bound read-only at the same path), or the one named by
`TOLK_SANDBOX_PYTHON`. It executes the whole module text, as `__tolk_reference__` (so
`if __name__ == "__main__"` blocks stay quiet), then calls the function once per input.

Key contracts: `run_reference` returns one `InputOutcome` per input, in order, whatever
happened; values are decoded against the declared return type (ints widen to float
where float is declared, tuples come back as tuples), and a result of the wrong type is
an outcome of kind `type_mismatch`, not an exception. `raw` keeps the worker's exact
line so two runs can be compared for determinism. The run as a whole is `completed`,
`definition_failed`, `crashed` or `timed_out`, with a reason. `same_outcome` is how two
runs are compared: exact lines, except that exceptions compare by type and a normalised
message (object addresses masked; RecursionError and MemoryError by type alone, their
text names where the limit hit, which tracing moves). `run_module` is the same
runner for a function with no IR signature yet (type probing): `returns=None` keeps the
worker's JSON values undecoded, and `describe=True` adds each result's type descriptor.
With `coverage=True` each outcome carries the lines and arcs it executed and the run the
function's executable lines (see reference_worker.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from tolk.ir.function import Function
from tolk.ir.types import IRType, Kind
from tolk.validators.sandbox import SandboxPolicy, SandboxResult, run_sandboxed

__all__ = ["OutcomeKind", "InputOutcome", "RunStatus", "ReferenceRun", "run_reference",
           "run_module", "sandbox_python", "with_sandbox_python", "same_outcome", "error_key"]

_WORKER = Path(__file__).with_name("reference_worker.py")
_HUGE = 2**64  # stands for an int too long to print: outside int64 either way


class OutcomeKind(StrEnum):
    OK = "ok"
    ERROR = "error"  # the reference raised
    TIMEOUT = "timeout"  # the per-input time limit
    TOO_LARGE = "too_large"  # the encoded result exceeded max_result_chars
    TYPE_MISMATCH = "type_mismatch"  # returned a value of another type than declared
    NOT_RUN = "not_run"  # the run stopped (or died) before this input
    # with int64=True: an integer left int64 somewhere (outside the contract, not a vector)
    INT64 = "int64_intermediate"


@dataclass(frozen=True, slots=True)
class InputOutcome:
    kind: OutcomeKind
    value: Any = None  # the decoded result, for OK
    detail: str = ""  # "ValueError: ...", "returned NoneType where int is declared"
    raw: str = ""  # the worker's line
    type_desc: str = ""  # the result's type descriptor ("list[int]"), when described
    lines: tuple[int, ...] = ()  # lines executed, when coverage was measured
    arcs: tuple[tuple[int, int], ...] = ()  # arcs of the function's frame (-1: exit)


class RunStatus(StrEnum):
    COMPLETED = "completed"
    DEFINITION_FAILED = "definition_failed"
    CRASHED = "crashed"
    TIMED_OUT = "timed_out"  # the whole run hit the wall clock


@dataclass(frozen=True, slots=True)
class ReferenceRun:
    status: RunStatus
    outcomes: tuple[InputOutcome, ...]
    reason: str = ""
    sandbox: SandboxResult | None = None
    executable_lines: tuple[int, ...] = ()  # with coverage: the function's executable lines
    first_line: int = 0  # with coverage: the line of its `def`


def sandbox_python() -> tuple[str, str]:
    """(interpreter, prefix to bind) for the worker: TOLK_SANDBOX_PYTHON or the base Python."""
    exe = os.environ.get("TOLK_SANDBOX_PYTHON") or getattr(sys, "_base_executable", "") \
        or os.path.join(sys.base_prefix, "bin", "python3")
    real = Path(exe).resolve()
    return str(real), str(real.parent.parent)


def with_sandbox_python(policy: SandboxPolicy) -> tuple[str, SandboxPolicy]:
    """(interpreter, policy that binds its prefix where /usr does not hold it)."""
    python, prefix = sandbox_python()
    if prefix.startswith("/usr/"):
        return python, policy
    return python, dataclasses.replace(policy, ro_binds=(*policy.ro_binds, prefix))


def run_reference(fn: Function, inputs: list[tuple[Any, ...]], *, policy: SandboxPolicy,
                  hash_seed: int, timeout_s: float = 1.0, max_timeouts: int = 1,
                  max_result_chars: int = 20000, executor: str = "auto",
                  coverage: bool = False, int64: bool = False) -> ReferenceRun:
    """Run fn's module in the sandbox over inputs (PYTHONHASHSEED=hash_seed); with int64
    an input on which any integer leaves int64 is an outcome of kind INT64."""
    return run_module(fn.program.text, fn.name, inputs, returns=fn.signature.returns,
                      policy=policy, hash_seed=hash_seed, timeout_s=timeout_s,
                      max_timeouts=max_timeouts, max_result_chars=max_result_chars,
                      executor=executor, coverage=coverage, int64=int64)


def run_module(source: str, function: str, inputs: list[tuple[Any, ...]], *,
               returns: IRType | None, policy: SandboxPolicy, hash_seed: int,
               timeout_s: float = 1.0, max_timeouts: int = 1, max_result_chars: int = 20000,
               executor: str = "auto", coverage: bool = False,
               describe: bool = False, int64: bool = False) -> ReferenceRun:
    """Run `function` of module `source` in the sandbox over inputs; see the module docstring."""
    python, policy = with_sandbox_python(policy)
    request = json.dumps({
        "source": source, "function": function, "inputs": [list(a) for a in inputs],
        "timeout_s": timeout_s, "max_timeouts": max_timeouts, "max_result_chars": max_result_chars,
        "coverage": coverage, "describe": describe, "int64": int64,
    })
    workdir = Path(tempfile.mkdtemp(prefix="tolk-ref-"))
    try:
        shutil.copyfile(_WORKER, workdir / "worker.py")
        res = run_sandboxed(
            [python, "-S", "-s", "-B", "worker.py"], workdir=workdir, stdin=request,
            policy=policy, writable_workdir=False, executor=executor,
            env={"PYTHONHASHSEED": str(hash_seed), "PYTHONIOENCODING": "utf-8"})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return _parse(res, len(inputs), returns)


def _parse(res: SandboxResult, n: int, ret: IRType | None) -> ReferenceRun:
    lines = res.stdout.splitlines()
    if res.stdout_truncated and lines:
        lines.pop()  # the cut may have split the last line
    outcomes: list[InputOutcome] = []
    trailer: dict[str, Any] | None = None
    for line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return _finish(res, outcomes, n, RunStatus.CRASHED, f"protocol:bad_line:{line[:80]}")
        if "fatal" in obj:
            return ReferenceRun(RunStatus.DEFINITION_FAILED, _pad([], n), str(obj["fatal"]), res)
        if "done" in obj:
            trailer = obj
            break
        if "cov" in obj:
            if outcomes:  # coverage of the input just reported
                outcomes[-1] = dataclasses.replace(
                    outcomes[-1], lines=tuple(int(x) for x in obj["cov"]),
                    arcs=tuple((int(a), int(b)) for a, b in obj.get("arcs", ())))
            continue
        outcomes.append(_outcome(obj, line, ret))
    if res.timed_out:
        return _finish(res, outcomes, n, RunStatus.TIMED_OUT, f"wall_clock_after:{len(outcomes)}")
    if trailer is None or res.returncode != 0:
        return _finish(res, outcomes, n, RunStatus.CRASHED, _crash_reason(res))
    done = _finish(res, outcomes, n, RunStatus.COMPLETED, str(trailer.get("stopped", "")))
    return dataclasses.replace(done, executable_lines=tuple(int(x) for x in trailer.get("lines", ())),
                               first_line=int(trailer.get("first", 0)))


def _finish(res: SandboxResult, outcomes: list[InputOutcome], n: int, status: RunStatus,
            reason: str) -> ReferenceRun:
    return ReferenceRun(status, _pad(outcomes[:n], n), reason, res)


def _pad(outcomes: list[InputOutcome], n: int) -> tuple[InputOutcome, ...]:
    return tuple(outcomes) + (InputOutcome(OutcomeKind.NOT_RUN),) * (n - len(outcomes))


def _crash_reason(res: SandboxResult) -> str:
    if res.killed_for_output:
        return "output_limit"
    if res.signal_name:
        return f"signal:{res.signal_name}"
    tail = res.stderr.strip().splitlines()[-1:] or [""]
    return f"exit:{res.returncode}:{tail[0][:160]}"


def _outcome(obj: dict[str, Any], line: str, ret: IRType | None) -> InputOutcome:
    if "ok" in obj and ret is None:
        return InputOutcome(OutcomeKind.OK, obj["ok"], raw=line, type_desc=str(obj.get("t", "")))
    if "ok" in obj:
        try:
            return InputOutcome(OutcomeKind.OK, _decode(obj["ok"], ret), raw=line)
        except _Mismatch as exc:
            return InputOutcome(OutcomeKind.TYPE_MISMATCH, detail=str(exc), raw=line)
    if "error" in obj:
        return InputOutcome(OutcomeKind.ERROR, detail=str(obj["error"]), raw=line)
    if "timeout" in obj:
        return InputOutcome(OutcomeKind.TIMEOUT, raw=line)
    if "int64" in obj:
        return InputOutcome(OutcomeKind.INT64, detail=str(obj["int64"]), raw=line)
    if "too_large" in obj:
        return InputOutcome(OutcomeKind.TOO_LARGE, detail=str(obj["too_large"]), raw=line)
    return InputOutcome(OutcomeKind.NOT_RUN, detail=f"unknown record {line[:80]}", raw=line)


# Exceptions whose text is not a function of the input: RecursionError says where the limit
# hit ("while calling a Python object", "in comparison"; a tracer moves it), MemoryError
# what was being allocated.
_MESSAGE_UNSTABLE = frozenset({"RecursionError", "MemoryError"})
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]+\b")  # default reprs: `<Box object at 0x7f...>`


def error_key(detail: str) -> tuple[str, str]:
    """(exception type, normalised message) of an ERROR outcome's `Type: message` detail."""
    kind, _, message = detail.partition(": ")
    if kind in _MESSAGE_UNSTABLE:
        return kind, ""
    return kind, _ADDRESS.sub("0x?", message)


def same_outcome(a: InputOutcome, b: InputOutcome) -> bool:
    """Whether two runs' outcomes for one input agree (the determinism check)."""
    if a.kind is OutcomeKind.ERROR and b.kind is OutcomeKind.ERROR:
        return error_key(a.detail) == error_key(b.detail)
    return a.raw == b.raw


class _Mismatch(ValueError):
    pass


def _decode(v: Any, t: IRType) -> Any:
    """The worker's JSON value as a value of IR type t, or _Mismatch."""
    if isinstance(v, dict):
        if "float" in v and t.kind is Kind.FLOAT:
            return float(v["float"])
        if "bigint" in v and t.kind in (Kind.INT, Kind.FLOAT):
            digits = str(v["bigint"])
            big = int(digits) if digits not in ("+", "-") else (_HUGE if digits == "+" else -_HUGE)
            if t.kind is Kind.INT:
                return big
            try:
                return float(big) if digits not in ("+", "-") else float(digits + "inf")
            except OverflowError:
                return float("inf") if big > 0 else float("-inf")
        found = v.get("unsupported") or ("float" if "float" in v else "int" if "bigint" in v else "dict")
        raise _Mismatch(f"returned {found} where {t} is declared")
    match t.kind:
        case Kind.BOOL if isinstance(v, bool):
            return v
        case Kind.INT if isinstance(v, int) and not isinstance(v, bool):
            return v
        case Kind.FLOAT if isinstance(v, (int, float)) and not isinstance(v, bool):
            return float(v)
        case Kind.STR if isinstance(v, str):
            return v
        case Kind.LIST if isinstance(v, list):
            return [_decode(x, t.elem) for x in v]
        case Kind.TUPLE if isinstance(v, list) and len(v) == len(t.args):
            return tuple(_decode(x, a) for x, a in zip(v, t.args))
    found = "NoneType" if v is None else type(v).__name__
    if isinstance(v, list) and t.kind is Kind.TUPLE:
        found = f"{len(v)}-sequence"
    raise _Mismatch(f"returned {found} where {t} is declared")
