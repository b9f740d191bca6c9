"""IR types: int (int64), float (double), bool, str, list[T] (nesting to matrices), tuple returns.

Key contracts: an `IRType` is frozen and hashable; `str(t)` renders Python annotation
syntax and `parse_type` reads it back (`parse_type(str(t)) == t`). Tuples appear only as
return types; list element types are scalars or (for matrices) lists of scalars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from tolk.errors import UnsupportedProgram

__all__ = ["Kind", "IRType", "INT", "FLOAT", "BOOL", "STR", "list_of", "tuple_of", "parse_type"]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class Kind(StrEnum):
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    STR = "str"
    LIST = "list"
    TUPLE = "tuple"


@dataclass(frozen=True, slots=True)
class IRType:
    kind: Kind
    args: tuple["IRType", ...] = ()

    def __str__(self) -> str:
        if self.kind in (Kind.LIST, Kind.TUPLE):
            return f"{self.kind}[{', '.join(str(a) for a in self.args)}]"
        return str(self.kind)

    @property
    def is_scalar(self) -> bool:
        return self.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL, Kind.STR)

    @property
    def is_numeric(self) -> bool:
        return self.kind in (Kind.INT, Kind.FLOAT, Kind.BOOL)

    @property
    def elem(self) -> "IRType":
        """Element type of a list."""
        assert self.kind is Kind.LIST, self
        return self.args[0]

    @property
    def rank(self) -> int:
        """Number of list nestings: 0 scalar, 1 vector, 2 matrix."""
        return 1 + self.args[0].rank if self.kind is Kind.LIST else 0

    @property
    def scalar(self) -> "IRType":
        """Innermost scalar type of a (nested) list; the type itself for scalars."""
        return self.args[0].scalar if self.kind is Kind.LIST else self


INT = IRType(Kind.INT)
FLOAT = IRType(Kind.FLOAT)
BOOL = IRType(Kind.BOOL)
STR = IRType(Kind.STR)


def list_of(t: IRType) -> IRType:
    return IRType(Kind.LIST, (t,))


def tuple_of(*ts: IRType) -> IRType:
    return IRType(Kind.TUPLE, tuple(ts))


_SCALARS = {"int": INT, "float": FLOAT, "bool": BOOL, "str": STR}
_UNSUPPORTED_HEADS = {
    "dict": "dict", "Dict": "dict", "set": "set", "Set": "set", "frozenset": "set",
    "Optional": "optional", "Union": "union", "Any": "any", "None": "none",
    "bytes": "bytes", "complex": "complex", "Callable": "callable", "Iterable": "iterable",
    "Sequence": "sequence", "object": "object",
}


def parse_type(text: str, *, allow_tuple: bool = False) -> IRType:
    """Parse a Python annotation into an IRType, or raise UnsupportedProgram(unsupported_type:X)."""
    src = text.strip().replace("typing.", "")
    t, rest = _parse(src, allow_tuple)
    if rest.strip():
        reason = "union" if "|" in rest else "syntax"
        raise UnsupportedProgram(f"unsupported_type:{reason}", text)
    return t


_HEAD = re.compile(r"\s*([A-Za-z_][\w.]*)")


def _head(src: str) -> str:
    """The label of the unsupported type `src` starts with: its (dotted) name alone, never
    the rest of the annotation it sits in (`list[Any]` -> `any`, not `any]`)."""
    m = _HEAD.match(src)
    if m is None:
        first = src.lstrip()[:1]
        if src.lstrip().startswith("..."):
            return "ellipsis"  # tuple[int, ...]: no fixed arity
        return "forward_ref" if first in ("'", '"') else "syntax" if first else "empty"
    # `X | Y` inside this argument (before its `,` or `]`) is a union whatever X is.
    if "|" in re.split(r"[,\]]", src[m.end():], maxsplit=1)[0]:
        return "union"
    return _UNSUPPORTED_HEADS.get(m.group(1), m.group(1).lower())


def _parse(src: str, allow_tuple: bool) -> tuple[IRType, str]:
    src = src.lstrip()
    name = ""
    i = 0
    while i < len(src) and (src[i].isalnum() or src[i] == "_"):
        i += 1
    name, rest = src[:i], src[i:]
    if "|" in rest.split("]", 1)[0].split(",", 1)[0]:
        raise UnsupportedProgram("unsupported_type:union", src)
    if name in _SCALARS:
        return _SCALARS[name], rest
    if name in ("list", "List", "tuple", "Tuple"):
        rest = rest.lstrip()
        if not rest.startswith("["):
            raise UnsupportedProgram(f"unsupported_type:bare_{name.lower()}", src)
        args: list[IRType] = []
        rest = rest[1:]
        while True:
            inner_tuple_ok = False
            arg, rest = _parse(rest, inner_tuple_ok)
            args.append(arg)
            rest = rest.lstrip()
            if rest.startswith(","):
                rest = rest[1:]
                continue
            if rest.startswith("]"):
                rest = rest[1:]
                break
            raise UnsupportedProgram("unsupported_type:syntax", src)
        if name.lower() == "list":
            if len(args) != 1:
                raise UnsupportedProgram("unsupported_type:list_arity", src)
            t = list_of(args[0])
            if t.rank > 2:
                raise UnsupportedProgram("unsupported_type:list_rank_gt_2", src)
            if t.rank == 2 and t.scalar.kind is Kind.STR:
                raise UnsupportedProgram("unsupported_type:str_matrix", src)
            return t, rest
        if not allow_tuple:
            raise UnsupportedProgram("unsupported_type:nested_tuple", src)
        if any(a.kind is Kind.LIST for a in args) or len(args) < 2:
            raise UnsupportedProgram("unsupported_type:tuple_shape", src)
        return tuple_of(*args), rest
    raise UnsupportedProgram(f"unsupported_type:{_head(src)}", src)
