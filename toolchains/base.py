"""The Toolchain protocol: everything language-specific about one target, in its folder.

Key contracts: the engines (validators/, translators/, flows/) never mention a language;
they call these methods. Harnesses speak the language-neutral wire format of
`tolk.validators.wire` on stdin/stdout, so comparison happens in Python. `lower` raises
`UnsupportedProgram` with a reason when the body IR uses something this target's
lowering does not cover.

Where the runtime is absent (no GPU for CUDA, no `julia`), `runtime_problem()` says why:
validation still runs the static checks and the compile step (if any), then returns
`unverified`, never `passed`. Interpreted targets return None from `compile_argv`.

Every folder also holds `Containerfile` (the pinned toolchain image) and `hostile/`: one
candidate per attack (`<case><source_suffix>`) for the signature `hostile(n: int) -> int`,
each returning n + 1 only if its attack succeeded, so `passed` would itself prove a
breach; `@MARKER@` / `@SECRET@` are replaced by host paths the hostile-suite test watches.

Batching (optional, see `tolk.validators.batch`): a toolchain that can build many
candidates in one compiler invocation also satisfies `BatchCompiled`; one that validates
many candidates in one long-lived process (Julia) provides `validate_batch` itself
(`BatchValidating`). Engines detect both with isinstance, never by language. A
`BatchCompiled` toolchain whose harness has parts that do not depend on the candidates
(wire helpers, one loop per signature shape) can also be `BatchPrebuilding`: the engine
compiles each such part once per process and links it into every chunk that needs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tolk.ir.function import Function, Signature
from tolk.lang import Lang

if TYPE_CHECKING:
    from tolk.ir.vectors import TestSuite
    from tolk.validators.validate import ValidationLimits
    from tolk.validators.verdict import Verdict

__all__ = ["Toolchain", "BatchCompiled", "BatchValidating", "BatchPrebuilding", "BatchItem",
           "Prebuilt"]

#: one candidate of a batch: (candidate code, its signature, the vectors that judge it)
BatchItem = tuple[str, Signature, "TestSuite"]


@runtime_checkable
class Toolchain(Protocol):
    lang: Lang
    #: file suffix of a candidate, e.g. ".f90"
    source_suffix: str
    #: Debian packages an offline-built container root filesystem needs for this target
    #: (empty when Debian does not package the toolchain: Julia, CUDA)
    debian_packages: tuple[str, ...]
    #: "native", or the device candidates execute on ("gpu"): verdicts say `gpu:<executor>`
    runs_on: str
    #: which rlimit holds the run's memory: "as", or "data" for runtimes that reserve huge
    #: address ranges at start-up (the CUDA driver)
    memory_rlimit: str

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

    def runtime_problem(self) -> str | None:
        """None when compiled candidates can be executed here, else why not (e.g. 'no GPU:
        nvidia-smi sees none'); validation then ends in `unverified`."""
        ...

    def compile_argv(self, files: dict[str, str]) -> list[str] | None:
        """Command that compiles `files` in the work dir into what `run_argv` runs;
        None for interpreted targets (nothing to compile)."""
        ...

    def run_argv(self) -> list[str]:
        """Command that runs the compiled harness in the work dir."""
        ...

    def sandbox_binds(self) -> tuple[str, ...]:
        """Host paths (read-only) that compile and run need inside the sandbox. A toolchain
        whose tools live outside /usr/local/bin:/usr/bin:/bin may also define
        `sandbox_path_dirs() -> tuple[str, ...]`, searched first inside the sandbox, and
        any toolchain `sandbox_env() -> dict[str, str]`, set inside it."""
        ...

    def lower(self, fn: Function) -> str:
        """Deterministic translation of fn's body IR into a candidate (no LLM)."""
        ...


@runtime_checkable
class BatchCompiled(Protocol):
    """A toolchain that builds many candidates with one compiler invocation.

    The build holds every candidate under a private name (module, PROGRAM-ID, namespace),
    so candidates cannot see each other; candidate i then runs alone, in its own sandboxed
    process, as `batch_run_argv(i)`, reading and writing exactly what its single-candidate
    harness would. Callers run static checks first: items are already checked.
    """

    def batch_files(self, items: Sequence[tuple[str, Signature]]) -> dict[str, str]:
        """Files (name -> text) for one build holding every (code, signature) of items."""
        ...

    def batch_compile_argv(self, files: dict[str, str]) -> list[str]:
        """One compiler invocation that builds `files` into what batch_run_argv runs."""
        ...

    def batch_run_argv(self, index: int) -> list[str]:
        """Command that runs candidate `index` of the batch (same wire I/O as run_argv)."""
        ...


@runtime_checkable
class BatchValidating(Protocol):
    """A toolchain that validates a whole batch itself (one process for many candidates)."""

    def validate_batch(self, items: Sequence[BatchItem],
                       limits: "ValidationLimits") -> list["Verdict"]:
        """One verdict per item, in order; same guarantees as validate_candidate."""
        ...


@dataclass(frozen=True, slots=True)
class Prebuilt:
    """A part of a batch build that no candidate's text changes (harness support code).

    `argv` compiles `files` in a fresh work dir (sandboxed like any compile), where the
    outputs of the parts it `needs` (built first) are copied beforehand; the files named
    in `outputs` are then copied into every chunk's work dir that lists this part, and
    `link` (a subset of outputs) is appended to that chunk's compile argv. Equal keys
    must mean interchangeable builds: the key hashes everything that shapes the output
    (sources, flags, compiler version, what it needs)."""

    key: str
    files: dict[str, str]
    argv: list[str]
    outputs: tuple[str, ...]
    link: tuple[str, ...] = ()
    needs: tuple["Prebuilt", ...] = ()


@runtime_checkable
class BatchPrebuilding(Protocol):
    """A `BatchCompiled` toolchain whose chunk builds reuse `Prebuilt` parts."""

    def batch_prebuilt(self, items: Sequence[tuple[str, Signature]]) -> list[Prebuilt]:
        """The prebuilt parts the build of `items` (as `batch_files` writes it) needs."""
        ...
