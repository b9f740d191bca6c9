"""Candidates and the Translator protocol shared by every way of producing target code.

Key contracts: a translator turns (Function, TestSuite, Lang) into a `Candidate` or a
`Rejected` (stage TRANSLATE) with a reason; it never raises on a program it cannot handle.
Provenance (translator, strategy, model, sampling, prompt hash, repair round) travels on
the Candidate into the sample record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected

__all__ = ["Candidate", "Translator"]


@dataclass(frozen=True, slots=True)
class Candidate:
    lang: Lang
    code: str
    translator: str  # "lowering" | "vllm" | "openai" | "replay"
    strategy: str = "lowering"  # "lowering" | "direct" | "via-ir" | "draft"
    model: str = ""
    model_revision: str = ""
    sampling: str = "{}"  # JSON of the sampling parameters
    prompt_hash: str = ""
    repair_round: int = 0


class Translator(Protocol):
    name: str

    def translate(self, fn: Function, suite: TestSuite, lang: Lang) -> Candidate | Rejected:
        """One candidate for fn in lang, or a rejection with a reason."""
        ...
