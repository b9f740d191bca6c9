"""The exact Julia function a candidate must define, rendered as source text.

Key contracts: `contract(sig)` is a whole candidate file whose body is `# your code here`:

    function gcd(a::Int64, b::Int64)::Int64
        # your code here
    end

`function_header(sig)` is its first line; the lowering emits the same header, so the
contract, the lowering and the static check (name + parameter count) agree.
"""

from __future__ import annotations

from collections.abc import Sequence

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.toolchains.julia.types import julia_param_names, julia_type, supports

__all__ = ["BODY_PLACEHOLDER", "contract", "function_header", "candidate_source"]

BODY_PLACEHOLDER = "# your code here"


def function_header(sig: Signature, param_names: Sequence[str] | None = None) -> str:
    names = param_names if param_names is not None else julia_param_names(sig)
    params = ", ".join(f"{n}::{julia_type(p.type)}"
                       for n, p in zip(names, sig.params, strict=True))
    return f"function {sig.name}({params})::{julia_type(sig.returns)}"


def candidate_source(sig: Signature, body: Sequence[str], helpers: Sequence[str] = (),
                     param_names: Sequence[str] | None = None) -> str:
    """The function with `body` (unindented lines, indented here by 4), then any helper
    functions (full source text) after a blank line."""
    lines = [function_header(sig, param_names), *("    " + b if b else "" for b in body), "end"]
    text = "\n".join(lines) + "\n"
    for h in helpers:
        text += "\n" + h.rstrip("\n") + "\n"
    return text


def contract(sig: Signature) -> str:
    """Raises UnsupportedProgram when `supports(sig)` says the contract cannot express sig."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    return candidate_source(sig, [BODY_PLACEHOLDER])
