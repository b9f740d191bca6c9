"""How Fortran source text is read: fence tags, the candidate in a model's answer, the
dedup lexicon (comments, keywords, case-insensitive) and the grammar FIM spans use.

Key contracts: `extract_definition(block, sig)` returns the `candidate` module holding
the contract's procedure, or wraps a bare procedure (plus its siblings as private
helpers) in the contract's module skeleton; None when the block defines no such
procedure.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_fortran

from tolk.ir.function import Signature
from tolk.toolchains import grammar
from tolk.toolchains.base import Lexicon
from tolk.toolchains.fortran.types import fortran_name

__all__ = ["FENCE_TAGS", "LEXICON", "GRAMMAR", "extract_definition"]

#: fence info strings accepted for Fortran, most specific first
FENCE_TAGS = ("fortran", "f90", "f95", "f03", "f08")

# Strings first, so a comment marker inside one is consumed as part of the string.
STRING = r'"(?:[^"\n]|"")*"|' + r"'(?:[^'\n]|'')*'"  # quotes doubled, no escapes
LEXICON = Lexicon(
    comment=re.compile(rf"({STRING})|!.*"),
    keywords="""program module subroutine function end contains use implicit none integer
        real double precision complex logical character parameter dimension allocatable
        intent in out inout if then else elseif endif do while enddo exit cycle select case
        default call return result pure elemental recursive allocate deallocate size abs
        min max mod modulo sqrt exp log sin cos tan int nint floor ceiling dble kind len
        trim adjustl sum product maxval minval any all count merge true false and or not
        eqv neqv eq ne lt le gt ge stop print write read format iso_c_binding bind value
        associate block type class allocated present lbound ubound huge tiny epsilon""",
    case_insensitive=True,
)
GRAMMAR = grammar.language(tree_sitter_fortran)


def _unit_name(unit: tree_sitter.Node, src: bytes) -> str:
    stmt = unit.children[0] if unit.children else None
    name = next((c for c in stmt.children if c.type == "name"), None) if stmt else None
    return src[name.start_byte:name.end_byte].decode("utf-8", "replace").lower() if name else ""


def extract_definition(block: str, sig: Signature) -> str | None:
    name = fortran_name(sig.name)
    src = block.encode("utf-8", "replace")
    root = grammar.parse(GRAMMAR, src)
    for unit in root.children:
        if unit.type != "module" or _unit_name(unit, src) != "candidate":
            continue
        procs = [p for part in unit.children if part.type == "internal_procedures"
                 for p in part.children if p.type in ("function", "subroutine")]
        if any(_unit_name(p, src) == name for p in procs):
            return grammar.span(src, [unit])
    # A bare procedure (the model dropped the module): wrap it, with its sibling procedures
    # as private helpers, in the contract's module skeleton.
    procs = [u for u in root.children if u.type in ("function", "subroutine")]
    if any(_unit_name(p, src) == name for p in procs):
        body = grammar.span(src, procs)
        return ("module candidate\n  use, intrinsic :: iso_fortran_env, only: int64, real64\n"
                f"  implicit none\n  private\n  public :: {name}\ncontains\n{body}"
                "end module candidate\n")
    return None
