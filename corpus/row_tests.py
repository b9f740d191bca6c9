"""The tests every sample row carries, so anyone can re-check it (`tolk verify`).

Columns (SAMPLE_SCHEMA): `tests` is the row's suite as JSON, `TestSuite.to_json`:

    {"vectors": [[args, expected, shown], ...],   args a list in parameter order; tuples
                                                  as lists; floats repr-exact
     "rel_tol": 1e-9, "abs_tol": 1e-12,           how float results are compared
     "int64_contract": bool,                      every integer the reference computed fits int64
     "mutation_score": float | null, "mutants_distinguishable": int | null,
     "line_coverage": ..., "branch_coverage": ...}

`shown` vectors may appear in prompts; the rest are hidden. Expected values are the
Python reference's results; inputs on which the reference raised are left out of the
suite, so no vector expects an error. Types come from the row's `ir_signature`. The
suite's build `notes` (inputs dropped, pool sizes; some depend on timing, e.g.
`dropped:contract_timeout`) are left out, so a row is the same whenever its vectors are.
`contract` is the exact target-language interface the candidate implements
(`Toolchain.contract`), `toolchain_command` the compile command with its flags (the run
command for interpreted targets), the binary named by its base name.

Key contracts: `row_tests_columns` never raises (a toolchain that cannot say gives "");
`suite_of(row)` reads back the vectors, tolerances and scores that judged the row.
"""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Mapping

from tolk.ir.function import Signature
from tolk.ir.vectors import TestSuite
from tolk.lang import Lang
from tolk.toolchains.registry import get_toolchain

__all__ = ["row_tests_columns", "tests_json", "toolchain_command", "suite_of"]


@functools.cache
def toolchain_command(lang: Lang) -> str:
    """The compile argv (or, interpreted, the run argv) of `lang`'s single-candidate harness."""
    tc = get_toolchain(lang)
    try:
        argv = tc.compile_argv({}) or tc.run_argv()
    except Exception:  # noqa: BLE001 - no runtime here: provenance only, never fatal
        return ""
    return " ".join([os.path.basename(argv[0]), *argv[1:]]) if argv else ""


def tests_json(suite: TestSuite) -> str:
    """The suite as the row carries it: `TestSuite.to_json` without the build notes."""
    data = json.loads(suite.to_json())
    data.pop("notes", None)
    return json.dumps(data)


def row_tests_columns(sig: Signature, lang: str, suite: TestSuite | None) -> dict[str, Any]:
    """`tests`, `contract` and `toolchain_command` for a row judged by `suite`."""
    try:
        contract = get_toolchain(Lang(lang)).contract(sig)
    except Exception:  # noqa: BLE001 - provenance only, never fatal
        contract = ""
    return {"tests": tests_json(suite) if suite is not None else None, "contract": contract,
            "toolchain_command": toolchain_command(Lang(lang))}


def suite_of(row: Mapping[str, Any]) -> tuple[Signature, TestSuite]:
    """The signature and suite a row carries (ValueError/KeyError when it has none)."""
    if not row.get("tests"):
        raise ValueError("the row carries no tests")
    sig = Signature.from_json(row["ir_signature"])
    return sig, TestSuite.from_json(row["tests"], tuple(p.type for p in sig.params),
                                    sig.returns)
