"""Test vectors: typed argument tuples with the Python reference result.

Key contracts: values are plain Python values matching the IR types (tuples for tuple
returns, lists for lists); `to_json`/`from_json` round-trip them exactly (floats via
repr-exact JSON). `shown` vectors may appear in prompts; the rest are hidden.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tolk.ir.types import IRType, Kind

__all__ = ["Vector", "TestSuite", "coerce"]


def coerce(value: Any, t: IRType) -> Any:
    """Give a JSON-decoded value its IR shape (tuples back, ints in float slots as floats)."""
    match t.kind:
        case Kind.FLOAT:
            return float(value)
        case Kind.LIST:
            return [coerce(v, t.elem) for v in value]
        case Kind.TUPLE:
            return tuple(coerce(v, a) for v, a in zip(value, t.args, strict=True))
        case _:
            return value


@dataclass(frozen=True, slots=True)
class Vector:
    args: tuple[Any, ...]
    expected: Any
    shown: bool = False


@dataclass(frozen=True, slots=True)
class TestSuite:
    vectors: tuple[Vector, ...]
    # Set by the test generator: e.g. "raised_on:12" inputs dropped because the reference raised.
    notes: tuple[str, ...] = ()

    __test__ = False  # not a pytest class

    @property
    def shown(self) -> tuple[Vector, ...]:
        return tuple(v for v in self.vectors if v.shown)

    def to_json(self) -> str:
        return json.dumps([[list(v.args), v.expected, v.shown] for v in self.vectors])

    @classmethod
    def from_json(cls, text: str, param_types: tuple[IRType, ...], ret: IRType) -> "TestSuite":
        rows = json.loads(text)
        return cls(tuple(
            Vector(tuple(coerce(a, t) for a, t in zip(args, param_types, strict=True)),
                   coerce(exp, ret), bool(shown))
            for args, exp, shown in rows
        ))
