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

Defaults: a toolchain class subclasses `Toolchain`, so the members with a default here
(value limits, FIM statement lines, the function-level contract, repair hints, sandbox
extras, notes) need no code in a folder that has nothing to add. Engines call every
member directly, never through `getattr`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from tolk.ir.function import Function, Signature
from tolk.lang import Lang

if TYPE_CHECKING:
    import tree_sitter

    from tolk.ir.vectors import TestSuite
    from tolk.validators.validate import ValidationLimits
    from tolk.validators.verdict import Verdict

__all__ = ["Toolchain", "BatchCompiled", "BatchValidating", "BatchPrebuilding", "BatchItem",
           "Prebuilt", "Lexicon", "TargetLimits", "SandboxNeeds"]

#: one candidate of a batch: (candidate code, its signature, the vectors that judge it)
BatchItem = tuple[str, Signature, "TestSuite"]


@dataclass(frozen=True, slots=True)
class Lexicon:
    """What near-duplicate detection needs to know about a language's text.

    `comment` matches a comment or a string literal; group 1 is set for a string (kept),
    so a comment marker inside a string is consumed as part of it. `keywords` is the
    whitespace-separated vocabulary MinHash does not rename; in a case-insensitive
    language it and the code are lower-cased (string literals excepted)."""

    comment: re.Pattern[str]
    keywords: str
    case_insensitive: bool = False
    words: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        fold = str.lower if self.case_insensitive else str
        object.__setattr__(self, "words", frozenset(fold(w) for w in self.keywords.split()))


@dataclass(frozen=True, slots=True)
class TargetLimits:
    """Capacity of one target's harness; None means no limit of its own."""
    max_str_len: int | None = None
    max_list_len: int | None = None
    max_rows: int | None = None
    max_cols: int | None = None


@dataclass(frozen=True, slots=True)
class SandboxNeeds:
    """What compile and run need inside the sandbox, as one value: read-only host paths
    (device nodes are those under /dev/), directories searched first on PATH, environment
    set inside, the root filesystem to run in ("" for the host's), and the label `ran_on`
    appends after the executor ("debian-bullseye" for a store root filesystem)."""
    binds: tuple[str, ...] = ()
    path_dirs: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    rootfs: str = ""
    label: str = ""


@runtime_checkable
class Toolchain(Protocol):
    lang: Lang
    #: how dataset cards and training views name the language, e.g. "Fortran"
    display_name: str
    #: fence info strings a model's answer may tag this language with, most specific first
    fence_tags: tuple[str, ...]
    #: comments, keywords and case, for exact and near-duplicate detection
    lexicon: Lexicon
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
    #: capacity of the harness: test values beyond it are dropped for this target
    value_limits: TargetLimits = TargetLimits()
    #: Debian suite of the offline-built root filesystem ("" for the default)
    debian_suite: str = ""
    #: compiling even honest code takes seconds (hostile-suite compile limits allow it)
    slow_compiler: bool = False
    #: the runtime that may be absent where candidates compile ("julia", "a GPU"): its
    #: candidates are then `unverified`, never rows ("" when compiling implies running)
    optional_runtime: str = ""

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
        """Host paths (read-only) that compile and run need inside the sandbox."""
        ...

    def sandbox_needs(self) -> SandboxNeeds:
        """Everything the sandbox must provide, as one value (binds plus, by default,
        nothing else; a toolchain whose tools live outside /usr/local/bin:/usr/bin:/bin,
        that needs environment, or that brings its own root filesystem overrides this)."""
        return SandboxNeeds(binds=self.sandbox_binds())

    def lower(self, fn: Function) -> str:
        """Deterministic translation of fn's body IR into a candidate (no LLM)."""
        ...

    def extract_definition(self, block: str, sig: Signature) -> str | None:
        """The candidate for sig in one block of a model's answer (helpers the contract
        allows kept, test drivers dropped), or None when the block defines none."""
        ...

    def grammar(self) -> "tree_sitter.Language | None":
        """The tree-sitter grammar of the language (FIM statement spans), None if none."""
        return None

    def statement_rows(self, lines: Sequence[str],
                       max_lines: int) -> list[tuple[int, int, str]]:
        """For a language without `grammar()`: (first, last, kind) line ranges of
        statements, kind "single_line" or "multi_line"; [] means no FIM spans."""
        return []

    def supports_function(self, fn: Function) -> str | None:
        """`supports` for a whole function: a target with a function-level contract
        (a data-parallel one) also refuses bodies; by default the signature decides."""
        return self.supports(fn.signature)

    def repair_hint(self, reason: str) -> str:
        """Extra words a repair round adds to a static refusal with this reason ("")."""
        return ""

    def runtime_where(self) -> str:
        """For `tolk doctor`: which runtime runs candidates, and from where ("" if the
        compiler line says it all)."""
        return ""

    def version_note(self, versions: Sequence[str]) -> str:
        """A dataset-card limitation about the toolchain versions rows ran on ("")."""
        return ""


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
