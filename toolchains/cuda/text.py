"""How CUDA C++ source text is read: fence tags, the candidate in a model's answer, the
dedup lexicon (comments, keywords) and the grammar FIM spans use.

Key contracts: `extract_definition(block, sig)` returns the whole block (helpers,
kernels, includes) minus a `main` test driver (it would clash with the harness's), or
None when no top-level function is named `sig.name`.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_cuda

from tolk.ir.function import Signature
from tolk.toolchains import grammar
from tolk.toolchains.base import Lexicon

__all__ = ["FENCE_TAGS", "LEXICON", "GRAMMAR", "extract_definition"]

FENCE_TAGS = ("cuda", "cu", "cpp", "c++", "c")
_DQ, _SQ = r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'"
LEXICON = Lexicon(
    comment=re.compile(rf"({_DQ}|{_SQ})|//.*|/\*[\s\S]*?\*/"),
    keywords="""__global__ __device__ __host__ __shared__ __syncthreads threadIdx blockIdx
        blockDim gridDim int long short char float double bool void unsigned signed const
        static struct return if else for while do break continue switch case default sizeof
        true false nullptr auto extern inline include define cudaMalloc cudaMemcpy cudaFree
        cudaMemcpyHostToDevice cudaMemcpyDeviceToHost cudaDeviceSynchronize size_t int64_t
        int32_t uint64_t x y z abs fabs min max sqrt exp log floor ceil atomicAdd""",
)
GRAMMAR = grammar.language(tree_sitter_cuda)
#: what a repair round adds to a `serial_kernel` refusal (the parallel contract's rule)
SERIAL_KERNEL_HINT = (
    " A kernel must spread the work over threads: index every buffer by "
    "threadIdx/blockIdx (one element per thread or a grid-stride loop); a launch "
    "of one thread, a kernel whose work is all under a single-thread guard, or "
    "one that loops over everything ignoring its thread index is serial.")


def _defined(root: tree_sitter.Node, src: bytes) -> dict[str, tree_sitter.Node]:
    out: dict[str, tree_sitter.Node] = {}
    for n in root.named_children:
        node = n
        if n.type in ("template_declaration", "linkage_specification"):
            node = next((c for c in n.named_children if c.type == "function_definition"), n)
        if node.type != "function_definition":
            continue
        decl = node.child_by_field_name("declarator")
        while decl is not None and decl.type != "function_declarator":
            decl = decl.child_by_field_name("declarator")
        ident = decl.child_by_field_name("declarator") if decl is not None else None
        if ident is not None:
            name = src[ident.start_byte:ident.end_byte].decode("utf-8", "replace")
            out[name.split("::")[-1]] = n
    return out


def extract_definition(block: str, sig: Signature) -> str | None:
    src = block.encode("utf-8", "replace")
    defs = _defined(grammar.parse(GRAMMAR, src), src)
    if sig.name not in defs:
        return None
    # Everything but a test driver: `main` would clash with the harness's.
    drop = defs.get("main")
    if drop is None:
        return block.strip() + "\n"
    return (src[:drop.start_byte] + src[drop.end_byte:]).decode("utf-8", "replace").strip() + "\n"
