"""The exact CUDA interface a candidate must implement, rendered as source text.

Key contracts: `contract(sig)` is a whole candidate file with the host function's body left
as `// your code here`; prompts show it and the harness compiles against it unchanged
(tested). `prototype(sig)` is the host function's declaration, which the harness repeats
so that a candidate whose definition differs fails to link or to compile.
"""

from __future__ import annotations

from tolk.errors import UnsupportedProgram
from tolk.ir.function import Signature
from tolk.toolchains.cuda.types import OUT_CAP, host_params, return_ctype, returns_void, supports

__all__ = ["BODY_PLACEHOLDER", "prototype", "contract", "host_header"]

BODY_PLACEHOLDER = "    // your code here"


def host_header(sig: Signature, name: str | None = None) -> str:
    """`<ret> <name>(<params>)`, one parameter per line when long."""
    params = [str(p) for p in host_params(sig)]
    head = f"{return_ctype(sig)} {name or sig.name}("
    one = head + ", ".join(params) + ")"
    if len(one) <= 100:
        return one
    return head + "\n" + ",\n".join("        " + p for p in params) + ")"


def prototype(sig: Signature) -> str:
    return host_header(sig) + ";"


def contract(sig: Signature) -> str:
    """Raises UnsupportedProgram when `supports(sig)` says the contract cannot express sig."""
    if reason := supports(sig):
        raise UnsupportedProgram(reason, sig.name)
    results = [
        "// Results go to the out-parameters: write at most <out>_cap elements (bytes for a",
        "// string) and set the length (rows and cols for a matrix); a result that does not",
        f"// fit sets the length it needs and writes nothing (the caller gives {OUT_CAP}).",
    ] if returns_void(sig) else []
    return "\n".join([
        "#include <cuda_runtime.h>",
        "",
        "// Device code: at least one __global__ kernel, launched (<<<grid, block>>>) from",
        "// the host function below or a helper it calls. Inputs are HOST pointers; copy",
        "// them to the device yourself (cudaMalloc/cudaMemcpy) and free what you allocate.",
        *results,
        "",
        host_header(sig) + " {",
        BODY_PLACEHOLDER,
        "}",
        "",
    ])
