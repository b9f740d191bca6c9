"""Records that carry a program through the IR: Program (sampled source), Signature, Function.

Key contracts: a `Function` is what the front end accepted: its typed `Signature`, the
exact Python source of the function, and `body` plus `locals` only when the whole body lies
in the lowering subset (`body is None` otherwise, with `body_reason` saying why). The
signature's JSON form (`Signature.to_json`) is what the store keeps; `inferred` says how
types missing from the source were found ("doctest", "call_site" or "probe", the weakest
evidence used; "" when the source annotates everything) and is absent from old JSON.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from tolk.ir.body import Stmt
from tolk.ir.types import IRType, parse_type

__all__ = ["Program", "Param", "Signature", "Function", "content_id"]


def content_id(*parts: str) -> str:
    """Stable id from content (sha256, 16 hex chars)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Program:
    """One sampled source file (or snippet) and where it came from."""
    source_id: str
    uri: str
    text: str
    license: str = "unknown"


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    type: IRType


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    params: tuple[Param, ...]
    returns: IRType
    docstring: str = ""
    inferred: str = ""  # "" | "doctest" | "call_site" | "probe" (see the module docstring)

    def to_json(self) -> str:
        return json.dumps({
            "name": self.name,
            "params": [[p.name, str(p.type)] for p in self.params],
            "returns": str(self.returns),
            "docstring": self.docstring,
            "inferred": self.inferred,
        })

    @classmethod
    def from_json(cls, text: str) -> "Signature":
        d = json.loads(text)
        return cls(
            name=d["name"],
            params=tuple(Param(n, parse_type(t)) for n, t in d["params"]),
            returns=parse_type(d["returns"], allow_tuple=True),
            docstring=d.get("docstring", ""),
            inferred=d.get("inferred", ""),
        )


@dataclass(frozen=True, slots=True)
class Function:
    """A function accepted by the front end."""
    program: Program
    signature: Signature
    source: str  # the function's own source text (def ... through its body)
    body: tuple[Stmt, ...] | None = None
    locals: tuple[Param, ...] = ()  # every local (not parameter) with its one type
    body_reason: str = ""  # why body is None, e.g. "body:unsupported_call:sorted"
    # Parameters the body assigns to or mutates: lowerings must copy them first.
    mutated_params: frozenset[str] = field(default_factory=frozenset)

    @property
    def id(self) -> str:
        return content_id(self.program.source_id, self.signature.name, self.source)

    @property
    def name(self) -> str:
        return self.signature.name
