"""Candidate constructs Julia 1.5 cannot run: refused before loading, with the version needed.

Candidates run on Debian 11's julia 1.5.3. Code that 1.5 accepts runs on every later 1.x
(Julia's compatibility promise), but not the other way round: a model trained on current
Julia writes `eachsplit`, `stack`, `sum(xs; init = 0)` or `range(1, n)`. On 1.5 these
end as load or runtime errors whose message does not say why; this check names the
construct instead (`needs_julia:<version>:<construct>`, a `rejected_static` reason).

Key contracts: `newer_than_1_5(root, defined)` inspects only call expressions (the name
being called, its keyword arguments, its positional count), so a local variable that
happens to be called `stack` or `splat` is fine, and so is a call to a function the
candidate defines itself (`defined`). Returns None or one reason. The lists come from the
NEWS of Julia 1.6-1.11 and cover what Python-shaped code reaches for; anything they miss
still fails on 1.5 (never passes), only with a less precise reason.
"""

from __future__ import annotations

from collections.abc import Collection

import tree_sitter

from tolk.ir.syntax import walk

__all__ = ["NEWER_NAMES", "INIT_KEYWORD_SINCE", "newer_than_1_5"]

# Base (and Iterators) functions and types exported after 1.5, with the version that added them.
NEWER_NAMES: dict[str, str] = {
    "ComposedFunction": "1.6", "insorted": "1.6", "sincospi": "1.6", "cispi": "1.6",
    "Returns": "1.7", "ismutabletype": "1.7", "keepat!": "1.7", "isunordered": "1.7",
    "allequal": "1.8", "eachsplit": "1.8", "chopprefix": "1.8", "chopsuffix": "1.8",
    "stack": "1.9", "splat": "1.9", "flatmap": "1.9",
    "eachrsplit": "1.11", "logrange": "1.11", "in!": "1.11",
}
# Unexported in 1.5 but there as `Base.<name>`: only the bare name needs a newer Julia.
_INTERNAL_BEFORE = frozenset({"splat"})
# Reductions that accept `init` as a keyword only since 1.6 (reduce/foldl/mapreduce had it).
INIT_KEYWORD_SINCE: dict[str, str] = {
    "sum": "1.6", "prod": "1.6", "maximum": "1.6", "minimum": "1.6", "extrema": "1.6",
    "count": "1.6",
}


def _text(n: tree_sitter.Node) -> str:
    return (n.text or b"").decode("utf-8", "replace")


def _callee(call: tree_sitter.Node) -> tuple[str, bool]:
    """(called name, whether qualified as `X.name`), "" when not a plain or dotted name."""
    head = call.named_children[0] if call.named_children else None
    if head is None:
        return "", False
    if head.type == "identifier":
        return _text(head), False
    if head.type == "field_expression" and head.named_children:
        last = head.named_children[-1]
        return (_text(last), True) if last.type == "identifier" else ("", False)
    return "", False


def _arguments(call: tree_sitter.Node) -> tuple[list[tree_sitter.Node], list[str]]:
    """(positional argument nodes, keyword names) of a call."""
    args = next((c for c in call.children if c.type == "argument_list"), None)
    positional: list[tree_sitter.Node] = []
    keywords: list[str] = []
    if args is None:
        return positional, keywords
    for c in args.named_children:
        if c.type == "named_argument" and c.named_children:
            keywords.append(_text(c.named_children[0]))
        elif c.type not in ("line_comment", "block_comment"):
            positional.append(c)
    return positional, keywords


def _is_pair(n: tree_sitter.Node) -> bool:
    return n.type == "binary_expression" and any(
        c.type == "operator" and _text(c) == "=>" for c in n.children)


def newer_than_1_5(root: tree_sitter.Node, defined: Collection[str]) -> str | None:
    for n in walk(root):
        if n.type != "call_expression":
            continue
        name, qualified = _callee(n)
        if not name or (name in defined and not qualified):
            continue  # the candidate's own function of that name
        if name in NEWER_NAMES and not (qualified and name in _INTERNAL_BEFORE):
            return f"needs_julia:{NEWER_NAMES[name]}:{name}"
        positional, keywords = _arguments(n)
        if "init" in keywords and name in INIT_KEYWORD_SINCE:
            return f"needs_julia:{INIT_KEYWORD_SINCE[name]}:{name}(init=)"
        if name == "range" and not keywords and len(positional) >= 2:
            # 1.5 wants keywords: range(a, b; length = n) or range(a; stop = b)
            return f"needs_julia:{'1.7' if len(positional) == 2 else '1.8'}:range(start, stop)"
        if name == "replace" and sum(_is_pair(a) for a in positional) >= 2:
            return "needs_julia:1.7:replace(several pairs)"
    return None
