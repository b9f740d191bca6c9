"""The tests every sample row carries, so anyone can re-check it (`tolk verify`).

Columns (SAMPLE_SCHEMA): `tests` is the row's suite as JSON, `TestSuite.to_json`:

    {"vectors": [[args, expected, shown], ...],   args a list in parameter order; tuples
                                                  as lists; floats repr-exact
     "rel_tol": 1e-9, "abs_tol": 1e-12,           how float results are compared
     "int64_contract": bool,                      every integer the reference computed fits int64
     "mutation_score": float | null, "mutants_distinguishable": int | null,
     "line_coverage": ..., "branch_coverage": ..., "notes": [...]}

`shown` vectors may appear in prompts; the rest are hidden. Expected values are the
Python reference's results; inputs on which the reference raised are left out of the
suite (counted in `notes`), so no vector expects an error. Types come from the row's
`ir_signature`. `contract` is the exact target-language interface the candidate
implements (`Toolchain.contract`), `toolchain_command` the compile command with its flags
(the run command for interpreted targets), the binary named by its base name.

Key contracts: `row_tests_columns` never raises (a toolchain that cannot say gives "");
`suite_of(row)` reads back exactly the suite that judged the row.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Mapping

from tolk.ir.function import Signature
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain

__all__ = ["row_tests_columns", "toolchain_command", "suite_of"]


@functools.cache
def toolchain_command(lang: Lang) -> str:
    """The compile argv (or, interpreted, the run argv) of `lang`'s single-candidate harness."""
    tc = get_toolchain(lang)
    try:
        argv = tc.compile_argv({}) or tc.run_argv()
    except Exception:  # noqa: BLE001 - no runtime here: provenance only, never fatal
        return ""
    return " ".join([os.path.basename(argv[0]), *argv[1:]]) if argv else ""


def row_tests_columns(sig: Signature, lang: str, suite: TestSuite | None) -> dict[str, Any]:
    """`tests`, `contract` and `toolchain_command` for a row judged by `suite`."""
    try:
        contract = get_toolchain(Lang(lang)).contract(sig)
    except Exception:  # noqa: BLE001 - provenance only, never fatal
        contract = ""
    return {"tests": suite.to_json() if suite is not None else None, "contract": contract,
            "toolchain_command": toolchain_command(Lang(lang))}


def suite_of(row: Mapping[str, Any]) -> tuple[Signature, TestSuite]:
    """The signature and suite a row carries (ValueError/KeyError when it has none)."""
    if not row.get("tests"):
        raise ValueError("the row carries no tests")
    sig = Signature.from_json(row["ir_signature"])
    return sig, TestSuite.from_json(row["tests"], tuple(p.type for p in sig.params),
                                    sig.returns)
