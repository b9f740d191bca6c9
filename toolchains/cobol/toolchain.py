"""The COBOL toolchain object: GnuCOBOL 3.1.2, one program `py_<name>` plus a generated harness.

Key contracts: `CobolToolchain` satisfies `tolk.toolchains.base.Toolchain` and
`BatchCompiled`. The work dir holds `candidate.cob`, `harness.cob` and `tolk_io.c`; one
`cobc -x` builds `./harness`. Flags (why each one is in README.md): `-free` (the
contract's format), `-debug` (every runtime check: subscripts against the ODO count,
reference modification, recursion), `-fstatic-call` (CALL "literal" links directly, so
the executable needs no module search path). A batch compiles every candidate under
the PROGRAM-ID `tolk_c<i>`, each with its own harness subprogram `h_<i>`, plus a
main program that runs harness `argv[1]`, all in one source file `batch.cob` (one gcc
run); candidate i runs alone as `./batch i`.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from tolk.ir.function import Function, Signature
from tolk.lang import Lang
from tolk.toolchains.base import Lexicon, TargetLimits, Toolchain
from tolk.toolchains.cobol import checks, contract, harness, text, types

__all__ = ["CobolToolchain", "COMPILER", "FLAGS", "batch_main"]

COMPILER = "cobc"
# -fodoslide: matrices nest an ODO table (columns) in an ODO table (rows), so -debug checks
# a column subscript against the current column count too (types.data_item).
FLAGS = ("-x", "-free", "-debug", "-fodoslide", "-fstatic-call", "-fmax-errors=10")
_INSTALL_HINT = "apt-get install gnucobol3 (Debian/Ubuntu), or use toolchains/cobol/Containerfile"
_BATCH_EXE = "batch"
CONFIG_DIR = "/etc/gnucobol"
_BATCH_SOURCE = "batch.cob"


@functools.cache
def _cobc_version() -> str:
    """`GnuCOBOL <version>`, asked once per process."""
    out = subprocess.run([COMPILER, "--version"], capture_output=True, text=True,
                         timeout=30, check=True)
    first = out.stdout.splitlines()[0] if out.stdout else ""
    # "cobc (GnuCOBOL) 3.1.2.0"
    return f"GnuCOBOL {first.split()[-1]}" if first else "GnuCOBOL unknown"


def batch_main(n: int) -> str:
    """Main program of a batch: runs harness subprogram h_<argv[1]>."""
    whens = [f"        WHEN {i}\n            CALL \"h_{i}\"" for i in range(n)]
    return "\n".join([
        "*> tolk batch: runs the harness of the candidate named by the first argument.",
        "IDENTIFICATION DIVISION.",
        "PROGRAM-ID. tolk_batch.",
        "DATA DIVISION.",
        "WORKING-STORAGE SECTION.",
        "01 w-arg PIC X(20).",
        f"01 w-idx {types.INT_USAGE}.",
        "PROCEDURE DIVISION.",
        "    ACCEPT w-arg FROM ARGUMENT-VALUE",
        "    COMPUTE w-idx = FUNCTION NUMVAL(w-arg)",
        "    EVALUATE w-idx",
        *whens,
        "        WHEN OTHER",
        "            DISPLAY \"tolk_batch: no candidate \" w-arg UPON SYSERR",
        "            MOVE 2 TO RETURN-CODE",
        "    END-EVALUATE",
        "    STOP RUN.",
        "END PROGRAM tolk_batch.",
    ]) + "\n"


@dataclass(frozen=True, slots=True)
class CobolToolchain(Toolchain):
    lang: Lang = Lang.COBOL
    display_name: str = "COBOL"
    source_suffix: str = ".cob"
    #: what an offline (debootstrap) toolchain root filesystem must include
    debian_packages: tuple[str, ...] = ("gnucobol3",)
    runs_on: str = "native"
    memory_rlimit: str = "as"
    fence_tags: tuple[str, ...] = text.FENCE_TAGS
    lexicon: Lexicon = text.LEXICON
    #: PIC X(256) strings, OCCURS 1000 lists, 64 x 64 matrices (README.md)
    value_limits: TargetLimits = TargetLimits(max_str_len=256, max_list_len=1000,
                                              max_rows=64, max_cols=64)

    def availability(self) -> str | None:
        if shutil.which(COMPILER) is None:
            return f"{COMPILER} not found on PATH: {_INSTALL_HINT}"
        try:
            _cobc_version()
        except (OSError, subprocess.SubprocessError) as exc:
            return f"{COMPILER} does not run ({exc}): {_INSTALL_HINT}"
        return None

    def version(self) -> str:
        return _cobc_version()

    def supports(self, sig: Signature) -> str | None:
        return types.supports(sig)

    def contract(self, sig: Signature) -> str:
        return contract.contract(sig)

    def static_check(self, code: str, sig: Signature) -> str | None:
        return checks.static_check(code, sig)

    def harness_files(self, sig: Signature, code: str) -> dict[str, str]:
        return {harness.HARNESS_FILE: harness.render_harness(sig),
                harness.CANDIDATE_FILE: code,
                harness.IO_FILE: harness.io_source()}

    def runtime_problem(self) -> str | None:
        return None  # compiled harnesses run natively wherever cobc (and libcob) exist

    def compile_argv(self, files: dict[str, str]) -> list[str]:
        # The first source holds the main program (-x makes it the entry point).
        return [COMPILER, *FLAGS, "-o", "harness", harness.HARNESS_FILE,
                harness.CANDIDATE_FILE, harness.IO_FILE]

    def run_argv(self) -> list[str]:
        return ["./harness"]

    def sandbox_binds(self) -> tuple[str, ...]:
        # cobc, gcc, libcob and its headers live under /usr on Debian 12 (merged /usr);
        # Debian's cobc reads its dialect configs (default.conf, ...) and libcob its
        # runtime.cfg from /etc/gnucobol, which the sandbox does not bind by itself.
        return (CONFIG_DIR,)

    def extract_definition(self, block: str, sig: Signature) -> str | None:
        return text.extract_definition(block, sig)

    def statement_rows(self, lines: Sequence[str],
                       max_lines: int) -> list[tuple[int, int, str]]:
        return text.statement_rows(lines, max_lines)

    def lower(self, fn: Function) -> str:
        # Lazy: the lowering is a separate, larger module that validation does not need.
        from tolk.toolchains.cobol.lowering import lower_function
        return lower_function(fn)

    # ---- BatchCompiled ---------------------------------------------------------------

    def batch_files(self, items: Sequence[tuple[str, Signature]]) -> dict[str, str]:
        # One source file: cobc then runs gcc once (20 seed candidates: 2.7 s) instead of
        # once per file (13 s). Programs ended by END PROGRAM stay separate programs.
        parts = [batch_main(len(items))]
        for i, (code, sig) in enumerate(items):
            private = f"tolk_c{i}"  # not derived from the name: PROGRAM-IDs stop at 31 chars
            parts.append(harness.render_harness(sig, harness_id=f"h_{i}", target=private,
                                                main=False))
            renamed = checks.rename_program(code, types.program_id(sig), private)
            if not checks.has_end_program(renamed):
                # Without it the next harness would be parsed as nested in this program.
                renamed = renamed.rstrip() + f"\nEND PROGRAM {private}.\n"
            parts.append(renamed)
        return {_BATCH_SOURCE: "\n".join(parts), harness.IO_FILE: harness.io_source()}

    def batch_compile_argv(self, files: dict[str, str]) -> list[str]:
        return [COMPILER, *FLAGS, "-o", _BATCH_EXE, _BATCH_SOURCE, harness.IO_FILE]

    def batch_run_argv(self, index: int) -> list[str]:
        return [f"./{_BATCH_EXE}", str(index)]
