"""The exact Fortran interface a candidate must implement, rendered as source text.

Key contracts: `contract(sig)` is the whole candidate file with the procedure body left as
`! your code here`; it is what prompts show and what error messages quote, and the
harness of `tolk.toolchains.fortran.harness` compiles against it unchanged (tested).
`candidate_module` wraps any body in the same skeleton, so lowering and contract agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.toolchains.fortran.types import (
    fortran_name, is_subroutine, param_decl, result_decls, result_names, supports,
)

__all__ = ["BODY_PLACEHOLDER", "contract", "candidate_module", "procedure_header",
           "procedure_footer", "interface_decls", "wrap_call"]

BODY_PLACEHOLDER = "! your code here"
# Free-form lines may hold 132 characters; wrap well before that.
_MAX_LINE = 100


def wrap_call(head: str, args: Sequence[str], tail: str = "", indent: str = "") -> str:
    """`head(a, b, ...)tail` on one line, or continued with `&` when it would be too long."""
    one = f"{indent}{head}({', '.join(args)}){tail}"
    if len(one) <= _MAX_LINE or not args:
        return one
    cont = indent + " " * 4
    inner = (", &\n" + cont).join(args)
    return f"{indent}{head}( &\n{cont}{inner}){tail}"


def procedure_header(sig: Signature, indent: str = "") -> str:
    name = fortran_name(sig.name)
    params = [fortran_name(p.name) for p in sig.params]
    if is_subroutine(sig):
        return wrap_call(f"subroutine {name}", [*params, *result_names(sig)], indent=indent)
    return wrap_call(f"function {name}", params, " result(res)", indent=indent)


def procedure_footer(sig: Signature, indent: str = "") -> str:
    kind = "subroutine" if is_subroutine(sig) else "function"
    return f"{indent}end {kind} {fortran_name(sig.name)}"


def interface_decls(sig: Signature) -> tuple[str, ...]:
    """Dummy declarations in order (parameters, then results)."""
    return (*(param_decl(p.name, p.type) for p in sig.params), *result_decls(sig))


def candidate_module(sig: Signature, body: Sequence[str], helpers: Sequence[str] = ()) -> str:
    """The candidate file: module skeleton, the public procedure with its interface
    declarations followed by `body` (unindented lines, local declarations first, then
    statements; indented here), and any private helper procedures (full source text,
    indented by the caller) after it."""
    ind = "    "
    lines = [
        "module candidate",
        "  use, intrinsic :: iso_fortran_env, only: int64, real64",
        "  implicit none",
        "  private",
        f"  public :: {fortran_name(sig.name)}",
        "contains",
        procedure_header(sig, "  "),
        *(ind + d for d in interface_decls(sig)),
        *(ind + b if b else "" for b in body),
        procedure_footer(sig, "  "),
        *helpers,
        "end module candidate",
    ]
    return "\n".join(lines) + "\n"


def contract(sig: Signature) -> str:
    """Raises UnsupportedProgram when `supports(sig)` says the contract cannot express sig."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    return candidate_module(sig, [BODY_PLACEHOLDER])
