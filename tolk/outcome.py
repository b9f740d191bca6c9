"""Failures are values: every stage yields an accepted item or a `Rejected` with a reason.

Reasons are short, closed-vocabulary strings `family:detail` (e.g. `unsupported_type:dict`,
`reference:nondeterministic`, `body:unsupported_call:sorted`), so the funnel can group
them by family and by full reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Stage", "Rejected"]


class Stage(StrEnum):
    SAMPLE = "sample"
    FRONTEND = "frontend"
    TESTGEN = "testgen"
    TRANSLATE = "translate"
    VALIDATE = "validate"
    STORE = "store"


@dataclass(frozen=True, slots=True)
class Rejected:
    stage: Stage
    reason: str
    source_id: str
    uri: str = ""
    function: str = ""  # empty when the whole program was rejected
    lang: str = ""  # target language, when the rejection is per target
    detail: str = ""  # human-readable context, truncated

    @property
    def family(self) -> str:
        return self.reason.split(":", 1)[0]
