"""The exact COBOL interface a candidate must implement, rendered as source text.

Key contracts: a candidate is ONE free-format (`cobc -free`) source file holding exactly
one program, `PROGRAM-ID. py_<name>.`, whose LINKAGE SECTION declares the parameters
(`p-<name>`) then the results (`res`, or `res-1..res-N` for a tuple) with the layouts of
`types.data_item`, and whose `PROCEDURE DIVISION USING` lists them in that order. The
program returns with GOBACK. `contract(sig)` is the whole candidate with the procedure
body left as `*> your code here`; `candidate_program` wraps any body in the same skeleton,
so lowering and contract agree, and the harness compiles against it unchanged (tested).
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.toolchains.cobol.types import (
    data_item, param_name, program_id, result_names, result_types, supports,
)

__all__ = ["BODY_PLACEHOLDER", "DATA_PLACEHOLDER", "contract", "candidate_program",
           "linkage_items", "using_names"]

BODY_PLACEHOLDER = "*> your code here"
DATA_PLACEHOLDER = "*> your local data items here (fresh on every call)"


def using_names(sig: Signature) -> list[str]:
    """The USING list: parameters in order, then the result items."""
    return [*(param_name(p.name) for p in sig.params), *result_names(sig)]


def linkage_items(sig: Signature) -> list[str]:
    lines: list[str] = []
    for p in sig.params:
        lines += data_item(param_name(p.name), p.type)
    for name, t in zip(result_names(sig), result_types(sig), strict=True):
        lines += data_item(name, t)
    return lines


def _using_clause(names: Sequence[str]) -> list[str]:
    """`PROCEDURE DIVISION USING a b c.`, continued over lines when long."""
    lines, cur = [], "PROCEDURE DIVISION USING"
    for n in names:
        if len(cur) + len(n) + 1 > 72:
            lines.append(cur)
            cur = "    "
        cur += f" {n}"
    lines.append(cur + ".")
    return lines


def candidate_program(sig: Signature, local_items: Sequence[str], body: Sequence[str],
                      paragraphs: Sequence[str] = ()) -> str:
    """The candidate file: `local_items` go to LOCAL-STORAGE (fresh storage per CALL, so
    nothing leaks from one vector to the next), `body` lines are the main paragraph
    (indented here), `paragraphs` follow the GOBACK (full lines, for PERFORM targets)."""
    pid = program_id(sig)
    params = ", ".join(f"{p.name}: {p.type}" for p in sig.params)
    lines = [
        f"*> tolk COBOL candidate for: def {sig.name}({params}) -> {sig.returns}",
        "IDENTIFICATION DIVISION.",
        f"PROGRAM-ID. {pid}.",
        "DATA DIVISION.",
        "LOCAL-STORAGE SECTION.",
        *local_items,
        "LINKAGE SECTION.",
        *linkage_items(sig),
        *_using_clause(using_names(sig)),
        "main-para.",
        *("    " + b if b else "" for b in body),
        "    GOBACK.",
        *paragraphs,
        f"END PROGRAM {pid}.",
    ]
    return "\n".join(lines) + "\n"


def contract(sig: Signature) -> str:
    """Raises UnsupportedProgram when `supports(sig)` says the contract cannot express sig."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    return candidate_program(sig, [DATA_PLACEHOLDER], [BODY_PLACEHOLDER])
