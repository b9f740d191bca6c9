"""How Julia source text is read: fence tags, the candidate in a model's answer, the
dedup lexicon (comments, keywords) and the grammar FIM spans use.

Key contracts: `extract_definition(block, sig)` keeps the block's top-level function
definitions and `const`s (top-level calls, `using` and tests are dropped: the contract
forbids them), or returns None when none of them defines `sig.name`.
"""

from __future__ import annotations

import re

import tree_sitter
import tree_sitter_julia

from tolk.ir.function import Signature
from tolk.toolchains import grammar
from tolk.toolchains.base import Lexicon
from tolk.toolchains.julia.checks import _definition_head  # noqa: PLC2701 - same grammar rule

__all__ = ["FENCE_TAGS", "LEXICON", "GRAMMAR", "extract_definition"]

FENCE_TAGS = ("julia", "jl")
_DQ = r'"(?:[^"\\\n]|\\.)*"'
LEXICON = Lexicon(
    comment=re.compile(r'("""[\s\S]*?"""|' + _DQ + r")|#=[\s\S]*?=#|#.*"),
    keywords="""function end return if elseif else for while in do begin let local global
        const struct mutable abstract type primitive module using import export break
        continue try catch finally true false nothing Int Int32 Int64 Float32 Float64 Bool
        String Char Vector Matrix Array length push zeros ones fill abs min max div rem mod
        sqrt exp log floor ceil round sum prod isempty typemax typemin""",
)
GRAMMAR = grammar.language(tree_sitter_julia)


def extract_definition(block: str, sig: Signature) -> str | None:
    src = block.encode("utf-8", "replace")
    root = grammar.parse(GRAMMAR, src)
    keep: list[tree_sitter.Node] = []
    names: set[str] = set()
    for node in root.named_children:
        head = _definition_head(node)
        if head is not None and head.named_children:
            callee = head.named_children[0]
            names.add(src[callee.start_byte:callee.end_byte].decode("utf-8", "replace"))
            keep.append(node)
        elif node.type == "const_statement":
            keep.append(node)
        # Top-level calls (`println(f(3))`), `using`, tests: the contract forbids them.
    return grammar.span(src, keep) if sig.name in names else None
