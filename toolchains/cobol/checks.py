"""Static checks on a COBOL candidate: structure and forbidden constructs, by tokens.

Key contracts: there is no COBOL tree-sitter grammar wheel, so `blank` first replaces
string literals (quote-doubling aware; X"..", Z"..", N".." alike) and `*>` comments by
spaces, keeping offsets and line breaks; keywords are then matched as whole COBOL words
(letters, digits, `-`, `_`), case-insensitively. Candidates are free format (`cobc -free`),
where a `*` in column 7 is NOT a comment; the checks follow the compiler's format, so text
cobc would compile is never hidden from them. `static_check` returns None or a reason:
`no_definition` (not exactly one program `py_<name>`), `contract_mismatch:linkage|using`
(the LINKAGE SECTION or USING list differs from the contract's), `forbidden:<word>` (I/O, CALL,
STOP, EXEC, COPY/REPLACE, directives, environment and pointer access, ...), or
`forbidden:huge_item` (an OCCURS/PIC size beyond what any sample needs: compile-time
and memory bombs).
"""

from __future__ import annotations

import re

from tolk.ir.function import Signature
from tolk.toolchains.cobol.contract import linkage_items, using_names
from tolk.toolchains.cobol.types import program_id

__all__ = ["blank", "words", "static_check", "FORBIDDEN_WORDS", "rename_program",
           "has_end_program"]

# Each entry, as a whole word, refuses the candidate (why, in README.md).
FORBIDDEN_WORDS = frozenset({
    # calls out of the program: CALL "SYSTEM", "C$SLEEP", "CBL_..." routines, dynamic loads
    "CALL", "CANCEL", "INVOKE", "ENTRY", "CHAIN", "CHAINING",
    # terminal/stdout I/O would corrupt the harness records
    "DISPLAY", "ACCEPT", "EXHIBIT", "TRACE", "READY",
    # file I/O and sorting
    "SELECT", "FD", "SD", "OPEN", "CLOSE", "READ", "WRITE", "REWRITE", "DELETE", "START",
    "UNLOCK", "SORT", "MERGE", "RELEASE", "RETURN", "FILE-CONTROL", "I-O-CONTROL",
    # ending the run unit under the harness
    "STOP",
    # embedded languages, source inclusion and compiler directives
    "EXEC", "COPY", "REPLACE", "INCLUDE",
    # environment, pointers and shared storage
    "ENVIRONMENT", "ENVIRONMENT-NAME", "ENVIRONMENT-VALUE", "ARGUMENT-NUMBER",
    "ARGUMENT-VALUE", "COMMAND-LINE", "ADDRESS", "POINTER", "PROCEDURE-POINTER",
    "FUNCTION-POINTER", "PROGRAM-POINTER", "CONTENT-OF", "EXTERNAL", "GLOBAL", "ALLOCATE",
    "FREE", "BASED", "SPECIAL-NAMES", "SCREEN", "REPORT", "COMMUNICATION", "DECLARATIVES",
    "SYSTEM-OFFSET", "FUNCTION-ID", "CLASS-ID", "INTERFACE-ID", "METHOD-ID", "FACTORY",
    "OBJECT", "LOCALE", "RECURSIVE",
})
# Largest OCCURS count / PIC length a candidate may declare (the contract's own are smaller).
MAX_ITEM = 100_000

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_TOKEN = re.compile(r"[A-Za-z0-9_-]+|\S")
_LINKAGE = re.compile(r"\bLINKAGE\s+SECTION\s*\.(.*?)\bPROCEDURE\s+DIVISION\b([^.]*)\.",
                      re.IGNORECASE | re.DOTALL)
_DIRECTIVE = re.compile(r"^\s*(>>|\$[A-Za-z])", re.MULTILINE)
_PROGRAM_ID = re.compile(r"\bPROGRAM-ID\s*\.?\s*([A-Za-z0-9_-]*)", re.IGNORECASE)
_END_PROGRAM = re.compile(r"\bEND\s+PROGRAM\s+([A-Za-z0-9_-]+)", re.IGNORECASE)
_OCCURS = re.compile(r"\bOCCURS\s+(\d+)(?:\s+TO\s+(\d+))?", re.IGNORECASE)
_PIC = re.compile(r"\bPIC(?:TURE)?\s+(?:IS\s+)?(\S+)", re.IGNORECASE)
_PIC_REPEAT = re.compile(r"\(\s*(\d+)\s*\)")


def blank(code: str) -> str:
    """`code` with literals' contents, their quotes and `*>` comments turned into spaces
    (line breaks and offsets kept)."""
    out = list(code)
    i, n = 0, len(code)
    while i < n:
        c = code[i]
        if c == "*" and code.startswith("*>", i):
            while i < n and code[i] != "\n":
                out[i] = " "
                i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and code[j] != "\n":
                if code[j] == c:
                    if code.startswith(c * 2, j):  # a doubled quote stays inside the literal
                        j += 2
                        continue
                    break
                j += 1
            # An unterminated literal runs to the end of its line (cobc refuses it anyway).
            for k in range(i, min(j + 1, n)):
                if code[k] != "\n":
                    out[k] = " "
            i = j + 1
        else:
            i += 1
    return "".join(out)


def words(blanked: str) -> list[str]:
    """COBOL words of already-blanked text, upper-cased."""
    return [w.upper() for w in _WORD.findall(blanked)]


def static_check(code: str, sig: Signature) -> str | None:
    text = blank(code)
    pid = program_id(sig).upper()
    ids = [m.group(1).upper() for m in _PROGRAM_ID.finditer(text)]
    if ids != [pid]:
        return "no_definition"
    if any(m.group(1).upper() != pid for m in _END_PROGRAM.finditer(text)):
        return "no_definition"
    if _DIRECTIVE.search(text):
        return "forbidden:directive"
    for w in words(text):
        if w in FORBIDDEN_WORDS:
            return f"forbidden:{w.lower()}"
    sizes = [int(g) for m in _OCCURS.finditer(text) for g in m.groups() if g]
    sizes += [int(g) for m in _PIC.finditer(text) for g in _PIC_REPEAT.findall(m.group(1))]
    if any(s > MAX_ITEM for s in sizes):
        return "forbidden:huge_item"
    return _interface_problem(text, sig)


def _tokens(text: str) -> list[str]:
    return [t.upper() for t in _TOKEN.findall(text)]


def _interface_problem(blanked: str, sig: Signature) -> str | None:
    """The LINKAGE SECTION and the USING list must be the contract's, token for token:
    the harness passes storage of exactly that layout, and a longer item (`01 res PIC
    X(60000)`) would let the candidate write over the harness's own storage."""
    m = _LINKAGE.search(blanked)
    if m is None:
        return "contract_mismatch:linkage"
    if _tokens(m.group(1)) != _tokens("\n".join(linkage_items(sig))):
        return "contract_mismatch:linkage"
    if _tokens(m.group(2)) != ["USING", *(n.upper() for n in using_names(sig))]:
        return "contract_mismatch:using"
    return None


def has_end_program(code: str) -> bool:
    return _END_PROGRAM.search(blank(code)) is not None


def rename_program(code: str, old: str, new: str) -> str:
    """`code` with its PROGRAM-ID and END PROGRAM name `old` replaced by `new` (for
    batches; the candidate already passed `static_check`, so `old` occurs only there)."""
    text = blank(code)
    spans = [m.span(1) for rx in (_PROGRAM_ID, _END_PROGRAM) for m in rx.finditer(text)
             if m.group(1).upper() == old.upper()]
    for start, end in sorted(spans, reverse=True):
        code = code[:start] + new + code[end:]
    return code
