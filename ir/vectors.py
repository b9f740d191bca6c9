"""Test vectors: typed argument tuples with the Python reference result, plus what they earn.

Key contracts: values are plain Python values matching the IR types (tuples for tuple
returns, lists for lists); `to_json`/`from_json` round-trip them exactly (floats via
repr-exact JSON). `shown` vectors may appear in prompts; the rest are hidden. A suite
records the line and branch coverage its vectors reach on the reference (None when not
measured) and the float tolerances validators compare with (`rel_tol`, `abs_tol`).
`from_json` also reads the older form, a bare list of vectors. `mutation_score` is killed /
distinguishable over the reference's mutants (validators/suite_mutation.py; None when not
measured) and `mutants_distinguishable` their number. `int64_contract` says the function
does int arithmetic, so every vector obeys the exact int64 contract: each integer the
reference computes on it (inputs, intermediates, result) fits int64, and a target that
overflows or narrows on it is wrong.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tolk.ir.types import IRType, Kind

__all__ = ["Vector", "TestSuite", "coerce", "DEFAULT_REL_TOL", "DEFAULT_ABS_TOL"]

DEFAULT_REL_TOL = 1e-9
DEFAULT_ABS_TOL = 1e-12


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
    line_coverage: float | None = None  # executed / executable lines of the reference
    branch_coverage: float | None = None  # branch outcomes seen / possible (if, while, for)
    rel_tol: float = DEFAULT_REL_TOL
    abs_tol: float = DEFAULT_ABS_TOL
    mutation_score: float | None = None
    mutants_distinguishable: int | None = None
    int64_contract: bool = False

    __test__ = False  # not a pytest class

    @property
    def shown(self) -> tuple[Vector, ...]:
        return tuple(v for v in self.vectors if v.shown)

    def to_json(self) -> str:
        return json.dumps({
            "vectors": [[list(v.args), v.expected, v.shown] for v in self.vectors],
            "notes": list(self.notes), "line_coverage": self.line_coverage,
            "branch_coverage": self.branch_coverage, "rel_tol": self.rel_tol,
            "abs_tol": self.abs_tol, "mutation_score": self.mutation_score,
            "mutants_distinguishable": self.mutants_distinguishable,
            "int64_contract": self.int64_contract,
        })

    @classmethod
    def from_json(cls, text: str, param_types: tuple[IRType, ...], ret: IRType) -> "TestSuite":
        data = json.loads(text)
        meta: dict[str, Any] = {} if isinstance(data, list) else data
        rows = data if isinstance(data, list) else data["vectors"]
        return cls(
            tuple(Vector(tuple(coerce(a, t) for a, t in zip(args, param_types, strict=True)),
                         coerce(exp, ret), bool(shown))
                  for args, exp, shown in rows),
            notes=tuple(meta.get("notes", ())),
            line_coverage=meta.get("line_coverage"),
            branch_coverage=meta.get("branch_coverage"),
            rel_tol=float(meta.get("rel_tol", DEFAULT_REL_TOL)),
            abs_tol=float(meta.get("abs_tol", DEFAULT_ABS_TOL)),
            mutation_score=meta.get("mutation_score"),
            mutants_distinguishable=meta.get("mutants_distinguishable"),
            int64_contract=bool(meta.get("int64_contract", False)),
        )
