"""Verdicts: the closed set of outcomes of validating one candidate.

Only `passed` candidates become samples. `harness_error` is tolk's own bug (the harness
or the wire format failed, not the candidate) and must be zero on the seed corpus.
`unverified` means the runtime is absent here (no GPU, no julia) and is never a survivor.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["VerdictStatus", "Verdict", "FailingVector"]


class VerdictStatus(StrEnum):
    PASSED = "passed"
    COMPILE_ERROR = "compile_error"
    RUNTIME_ERROR = "runtime_error"
    WRONG_ANSWER = "wrong_answer"
    TIMEOUT = "timeout"
    REJECTED_STATIC = "rejected_static"
    UNVERIFIED = "unverified"
    HARNESS_ERROR = "harness_error"


@dataclass(frozen=True, slots=True)
class FailingVector:
    index: int
    args: str  # rendered as Python literals
    expected: str
    got: str  # rendered result, or what happened ("crashed: ...", "no output")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: VerdictStatus
    passed: int = 0
    total: int = 0
    first_failure: FailingVector | None = None
    reason: str = ""  # e.g. "forbidden:execute_command_line", "signal:SIGKILL"
    compiler_output: str = ""  # truncated
    runtime_output: str = ""  # truncated stderr
    compile_s: float = 0.0
    run_s: float = 0.0
    ran_on: str = ""  # executor: "bwrap", "host", "podman", "compile-only", "gpu", ...

    @property
    def ok(self) -> bool:
        return self.status is VerdictStatus.PASSED

    def summary(self) -> str:
        s = f"{self.status} {self.passed}/{self.total}"
        if self.reason:
            s += f" ({self.reason})"
        return s
