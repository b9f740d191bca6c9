"""The IR-lowering translator: deterministic target code from the body IR, no model needed.

It is the embedded default (no GPU, no network) and the source of known-good candidates
for few-shot prompts and validator self-tests. Functions without body IR are rejected
with `no_body_ir:<why>`; they need an LLM translator.
"""

from __future__ import annotations

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Function
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.outcome import Rejected, Stage
from tolk.toolchains.registry import get_toolchain
from tolk.translators.base import Candidate

__all__ = ["LoweringTranslator"]


class LoweringTranslator:
    name = "lowering"

    def translate(self, fn: Function, suite: TestSuite, lang: Lang) -> Candidate | Rejected:
        def reject(reason: str, detail: str = "") -> Rejected:
            return Rejected(Stage.TRANSLATE, reason, fn.program.source_id, fn.program.uri,
                            fn.name, str(lang), detail[:300])

        if fn.body is None:
            return reject(f"no_body_ir:{fn.body_reason}",
                          "outside the lowering subset; only an LLM translator can take it")
        toolchain = get_toolchain(lang)
        unsupported = toolchain.supports(fn.signature)
        if unsupported:
            return reject(unsupported)
        try:
            code = toolchain.lower(fn)
        except UnsupportedProgram as exc:
            return reject(exc.reason, exc.detail)
        return Candidate(lang, code, self.name)
