"""tree-sitter access for Python sources: one parser, node helpers.

Key contracts: `parse_python` never raises on bad input; callers check `has_error`.
Node text is decoded as UTF-8 (sources are decoded before they get here).
"""

from __future__ import annotations

from functools import cache
from typing import Iterator

import tree_sitter
import tree_sitter_python

__all__ = ["parse_python", "text", "walk", "named_children"]


@cache
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


def parse_python(source: str) -> tree_sitter.Tree:
    return _parser().parse(source.encode("utf-8", "surrogatepass"))


def text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def named_children(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    return [c for c in node.named_children if c.type != "comment"]


def walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Pre-order traversal without recursion (deeply nested hostile sources stay safe)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))
