"""IR types -> GnuCOBOL data items, capacities, names, and which signatures COBOL can carry.

Key contracts (see README.md): every IR value is one level-01 data item whose layout is
fixed by its type, so candidate LINKAGE, harness WORKING-STORAGE and lowering locals are
all rendered by `data_item` and match byte for byte:

    int          01 x BINARY-DOUBLE SIGNED.            (native int64: the whole range)
    float        01 x COMP-2.                          (native IEEE double)
    bool         01 x PIC 9.                           (1 true, 0 false)
    str          01 x. 05 x-len BINARY-DOUBLE SIGNED. 05 x-txt PIC X(STR_CAP).
    list[T]      01 x. 05 x-n BINARY-DOUBLE SIGNED.
                       05 x-v <T> OCCURS 0 TO LIST_CAP DEPENDING ON x-n.
    list[str]    01 x. 05 x-n ... 05 x-e OCCURS 0 TO LIST_CAP DEPENDING ON x-n.
                                    10 x-len ...  10 x-txt PIC X(STR_CAP).
    list[list[T]] 01 x. 05 x-r ... 05 x-c ...
                       05 x-row OCCURS 0 TO MAT_CAP DEPENDING ON x-r.
                          10 x-v <T> OCCURS 0 TO MAT_CAP DEPENDING ON x-c.
                 (nested ODO, compiled with -fodoslide: rows are packed x-c wide, and
                 -debug checks BOTH subscripts against the current counts, except inside
                 integer COMPUTE expressions: the harness poisons unused capacity)

Data names are the Python names lower-cased behind a prefix (`p-` parameters, `v-` locals
of the lowering), because COBOL reserves hundreds of plain words (COUNT, VALUE, START).
A word may not end in `_`: each trailing `_` is spelled `-u` (`x_` -> `p-x-u`, `_` ->
`v--u`). Python names cannot hold `-`, so the `-len`/`-n`/`-v`... suffixes never collide
with them; lowering locals that would share a word (COBOL is case-insensitive; non-ASCII
letters become `x`) get `-2`, `-3`, ... (`local_word`).
"""

from __future__ import annotations

import re

from tolk.ir.function import Signature
from tolk.ir.names import numbered
from tolk.ir.types import IRType, Kind

__all__ = [
    "STR_CAP", "LIST_CAP", "MAT_CAP", "INT_USAGE", "program_id", "param_name", "local_word",
    "result_names",
    "result_types",
    "is_tuple", "scalar_usage", "data_item", "supports", "unsupported_type",
]

#: characters a str can hold (PIC X(STR_CAP)); the length field says how many are used
STR_CAP = 256
#: elements of a list (OCCURS 0 TO LIST_CAP DEPENDING ON)
LIST_CAP = 1000
#: rows and columns of a matrix (OCCURS 0 TO MAT_CAP DEPENDING ON rows, OCCURS MAT_CAP)
MAT_CAP = 64

INT_USAGE = "BINARY-DOUBLE SIGNED"
_USAGE = {Kind.INT: INT_USAGE, Kind.FLOAT: "COMP-2", Kind.BOOL: "PIC 9"}
# GnuCOBOL 3.1 accepts data names up to 63 characters (the longest derived one adds
# "p-" ... "-txt") but PROGRAM-IDs only up to 31 ("py_" + 28).
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,49}")
_MAX_PROGRAM_NAME = 28
# Longest local data name before the field suffixes (`-len`, `-txt`, `-row`) and a `-k`.
_MAX_LOCAL = 52


def _word_tail(name: str) -> str:
    """name lower-cased with each trailing `_` spelled `-u`: a COBOL word may not end in
    `_` (cobc: "invalid symbol '_'"). Injective on ASCII names, which hold no `-`."""
    low = name.lower()
    head = low.rstrip("_")
    return head + "-u" * (len(low) - len(head))


def program_id(sig: Signature) -> str:
    """`py_<name>`: the prefix keeps the C symbol clear of libc/libcob names (a program
    named `abs` or `exit` would otherwise replace them) and of COBOL reserved words."""
    return f"py_{_word_tail(sig.name)}"


def param_name(name: str) -> str:
    return f"p-{_word_tail(name)}"


def local_word(name: str, taken: set[str]) -> str:
    """A data name for a lowering local (`v-<name>`), distinct from every word in taken
    (case-insensitive collisions, non-ASCII letters, overlong names get `-2`, `-3`, ...:
    digits after `-` come from nothing else), added to taken."""
    ascii_ = re.sub(r"[^a-z0-9_]", "x", name.lower())
    word = f"v-{_word_tail(ascii_)}"
    if len(word) > _MAX_LOCAL or ascii_ != name.lower():
        word = f"v-{_word_tail(ascii_[:_MAX_LOCAL - 10])}"
    return numbered(word, taken, lambda k: f"{word}-{k}")


def is_tuple(sig: Signature) -> bool:
    return sig.returns.kind is Kind.TUPLE


def result_names(sig: Signature) -> tuple[str, ...]:
    """`res` for one result; `res-1` ... `res-N` for the elements of a tuple return."""
    if is_tuple(sig):
        return tuple(f"res-{i}" for i in range(1, len(sig.returns.args) + 1))
    return ("res",)


def result_types(sig: Signature) -> tuple[IRType, ...]:
    return sig.returns.args if is_tuple(sig) else (sig.returns,)


def scalar_usage(t: IRType) -> str:
    """Usage clause of a numeric scalar (int, float, bool)."""
    return _USAGE[t.kind]


def _str_fields(name: str, level: int) -> list[str]:
    ind = "   " * (level // 5)
    return [f"{ind}{level:02d} {name}-len {INT_USAGE}.",
            f"{ind}{level:02d} {name}-txt PIC X({STR_CAP})."]


def data_item(name: str, t: IRType) -> list[str]:
    """The level-01 entry for one value of type t (lines, no indentation at level 01)."""
    if t.kind is Kind.STR:
        return [f"01 {name}.", *_str_fields(name, 5)]
    if t.rank == 0:
        return [f"01 {name} {scalar_usage(t)}."]
    if t.rank == 1:
        head = [f"01 {name}.", f"   05 {name}-n {INT_USAGE}."]
        odo = f"OCCURS 0 TO {LIST_CAP} DEPENDING ON {name}-n"
        if t.elem.kind is Kind.STR:
            return [*head, f"   05 {name}-e {odo}.", *_str_fields(name, 10)]
        return [*head, f"   05 {name}-v {scalar_usage(t.elem)} {odo}."]
    return [f"01 {name}.", f"   05 {name}-r {INT_USAGE}.", f"   05 {name}-c {INT_USAGE}.",
            f"   05 {name}-row OCCURS 0 TO {MAT_CAP} DEPENDING ON {name}-r.",
            f"      10 {name}-v {scalar_usage(t.scalar)} OCCURS 0 TO {MAT_CAP} DEPENDING ON {name}-c."]


def unsupported_type(t: IRType) -> str | None:
    if t.kind is Kind.TUPLE:
        return None if all(a.is_scalar for a in t.args) else f"unsupported_type:{t}"
    if t.rank > 2 or (t.rank == 2 and t.scalar.kind is Kind.STR):
        return f"unsupported_type:{t}"
    return None


def supports(sig: Signature) -> str | None:
    for p in sig.params:
        if p.type.kind is Kind.TUPLE:
            return f"unsupported_type:{p.type}"
        if reason := unsupported_type(p.type):
            return reason
    if reason := unsupported_type(sig.returns):
        return reason
    if (not _IDENT.fullmatch(sig.name) or not sig.name.isascii()
            or len(program_id(sig)) > _MAX_PROGRAM_NAME + 3):
        return f"unsupported_name:{sig.name}"
    seen: set[str] = set()
    for p in sig.params:
        # COBOL is case-insensitive: `n` and `N` would be one data item.
        if (not _IDENT.fullmatch(p.name) or not p.name.isascii() or p.name.lower() in seen
                or len(param_name(p.name)) > _MAX_LOCAL + 2):
            return f"unsupported_name:{p.name}"
        seen.add(p.name.lower())
    return None
