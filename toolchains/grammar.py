"""Tree-sitter helpers the language folders share: load a grammar once, parse, cut spans.

Key contracts: `language(module)` caches one `tree_sitter.Language` per grammar wheel;
`parse` never raises on bad text (tree-sitter recovers), callers catch ValueError and
RecursionError for pathological input; `span` joins node texts, one blank line apart.
"""

from __future__ import annotations

import functools
from types import ModuleType

import tree_sitter

__all__ = ["language", "parse", "span"]


@functools.cache
def language(module: ModuleType) -> tree_sitter.Language:
    """The grammar a `tree_sitter_<name>` wheel ships."""
    return tree_sitter.Language(module.language())


def parse(lang: tree_sitter.Language, src: bytes) -> tree_sitter.Node:
    return tree_sitter.Parser(lang).parse(src).root_node


def span(src: bytes, nodes: list[tree_sitter.Node]) -> str:
    """The text of nodes, each right-stripped, joined by a blank line, newline-terminated."""
    return "\n\n".join(src[n.start_byte:n.end_byte].decode("utf-8", "replace").rstrip()
                       for n in nodes) + "\n"
