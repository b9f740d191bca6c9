"""The int64 contract in lowered COBOL: every integer store is checked, never wrapped.

GnuCOBOL evaluates COMPUTE expressions in exact decimal intermediates, so only the store
into a BINARY-DOUBLE item can overflow, and without a handler it wraps or truncates
silently. `guard_stores` gives every integer COMPUTE (and ADD, rewritten as a COMPUTE) an
ON SIZE ERROR handler that signals a runtime error through the harness contract (a
non-zero RETURN-CODE, then GOBACK). GnuCOBOL 3.1.2 also raises SIZE ERROR for a result of
exactly -2**63 (inside int64), so the handler recomputes the value into a wide decimal
item (`WIDE`) and stores it when it is that value.

Key contracts: lines in, lines out (indentation kept); float (COMP-2) targets are left as
they are; the caller declares `WIDE_ITEM` in LOCAL-STORAGE when `guard_stores` says so.
"""

from __future__ import annotations

import re

__all__ = ["guard_stores", "float_names", "WIDE_ITEM", "SIGNAL_CODE"]

WIDE = "tolk-wide"
WIDE_ITEM = f"01 {WIDE} PIC S9(31) COMP-3."
SIGNAL_CODE = 70  # the RETURN-CODE a lowered candidate returns on an int64 overflow
_COMPUTE = re.compile(r"^(\s*)COMPUTE (\S.*?) = (.+)$")
_ADD = re.compile(r"^(\s*)ADD (\S+(?:\([^)]*\))?) TO (\S+(?:\([^)]*\))?)$")
_COMP2 = re.compile(r"^\s*\d\d\s+(\S+)\s+COMP-2\b")


def float_names(item_lines: list[str]) -> set[str]:
    """Data names declared COMP-2 in these data-description lines (upper-cased)."""
    return {m.group(1).upper() for line in item_lines if (m := _COMP2.match(line))}


def _guarded(pad: str, target: str, expr: str) -> list[str]:
    return [f"{pad}COMPUTE {target} = {expr}",
            f"{pad}    ON SIZE ERROR",
            f"{pad}        COMPUTE {WIDE} = {expr}",
            f"{pad}            ON SIZE ERROR MOVE 0 TO {WIDE}",
            f"{pad}        END-COMPUTE",
            # -2**63 fits int64: store it; anything else is a real overflow.
            f"{pad}        IF {WIDE} + 9223372036854775807 NOT = -1",
            f"{pad}            MOVE {SIGNAL_CODE} TO RETURN-CODE",
            f"{pad}            GOBACK",
            f"{pad}        END-IF",
            f"{pad}        MOVE {WIDE} TO {target}",
            f"{pad}END-COMPUTE"]


def guard_stores(lines: list[str], floats: set[str]) -> tuple[list[str], bool]:
    """Lines with every integer store guarded; True when any handler was added."""
    out: list[str] = []
    guarded = False
    for line in lines:
        m = _COMPUTE.match(line)
        if m is None and (a := _ADD.match(line)):
            pad, target, expr = a.group(1), a.group(3), f"{a.group(3)} + {a.group(2)}"
        elif m is not None:
            pad, target, expr = m.groups()
        else:
            out.append(line)
            continue
        if target.split("(")[0].upper() in floats:
            out.append(line)
            continue
        out += _guarded(pad, target, expr)
        guarded = True
    return out, guarded
