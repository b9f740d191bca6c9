"""The Toolchain protocol: everything language-specific about one target, in its folder.

Key contracts: the engines (validators/, translators/, flows/) never mention a language;
they call these methods. Harnesses speak the language-neutral wire format of
`tolk.validators.wire` on stdin/stdout, so comparison happens in Python. `lower` raises
`UnsupportedProgram` with a reason when the body IR uses something this target's
lowering does not cover.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from tolk.ir.function import Function, Signature
from tolk.lang import Lang

__all__ = ["Toolchain"]


@runtime_checkable
class Toolchain(Protocol):
    lang: Lang
    #: file suffix of a candidate, e.g. ".f90"
    source_suffix: str

    def availability(self) -> str | None:
        """None when compiler (and runtime) are usable here, else why not plus an install hint."""
        ...

    def version(self) -> str:
        """Toolchain name and version, e.g. 'gfortran 12.2.0' (recorded in every sample)."""
        ...

    def supports(self, sig: Signature) -> str | None:
        """None when the signature maps onto this target, else a reason like
        'unsupported_type:list[str]'."""
        ...

    def contract(self, sig: Signature) -> str:
        """The exact interface a candidate must implement, as target source text."""
        ...

    def static_check(self, code: str, sig: Signature) -> str | None:
        """None when the candidate may be compiled, else a reason such as
        'forbidden:execute_command_line' or 'no_definition'."""
        ...

    def harness_files(self, sig: Signature, code: str) -> dict[str, str]:
        """Files (name -> text) that, compiled together, read vectors from stdin and print results."""
        ...

    def compile_argv(self, files: dict[str, str]) -> list[str]:
        """Command that compiles `files` in the work dir into the executable `./harness`."""
        ...

    def run_argv(self) -> list[str]:
        """Command that runs the compiled harness in the work dir."""
        ...

    def sandbox_binds(self) -> tuple[str, ...]:
        """Host paths (read-only) that compile and run need inside the sandbox."""
        ...

    def lower(self, fn: Function) -> str:
        """Deterministic translation of fn's body IR into a candidate (no LLM)."""
        ...
