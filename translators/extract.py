"""Take the candidate out of a model's chatty answer: fences, prose, several definitions.

Key contracts: `extract(answer, lang, sig)` returns the candidate source holding exactly
the definition(s) the target contract asks for (plus helpers the language allows), or
None when the answer has no such definition (the caller rejects it as
`rejected_static:no_definition`). It never raises for anything in the answer; an
unregistered language raises `ConfigError`. What a definition looks like in a block is
the target toolchain's `extract_definition` (`toolchains/<lang>/text.py`); its `fence_tags`
name its fences. Blocks fenced with the target's tag are tried first, then
untagged blocks, then any other block, then the whole answer (models sometimes omit
fences).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from tolk.ir.function import Signature
from tolk.ir.syntax import parse_python
from tolk.lang import Lang
from tolk.toolchains.grammar import span
from tolk.toolchains.registry import get_toolchain

__all__ = ["code_blocks", "extract", "extract_python", "PYTHON_FENCE_TAGS"]

#: fence info strings accepted for Python (the via-ir rewrite); a target's are its
#: toolchain's `fence_tags`
PYTHON_FENCE_TAGS = ("python", "py", "python3")

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})[ \t]*([\w+#.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)",
                    re.MULTILINE | re.DOTALL)


def code_blocks(answer: str) -> list[tuple[str, str]]:
    """(info string lower-cased, body) of every fenced block, in order; an unterminated
    last fence runs to the end of the answer (answers cut off by max_tokens)."""
    return [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(answer)]


def _candidates(answer: str, tags: tuple[str, ...]) -> Iterator[str]:
    blocks = code_blocks(answer)
    yield from (b for tag, b in blocks if tag in tags)
    yield from (b for tag, b in blocks if not tag)
    yield from (b for tag, b in blocks if tag and tag not in tags)
    yield answer


def extract(answer: str, lang: Lang | str, sig: Signature) -> str | None:
    """The candidate in `answer` for `sig` in `lang`, or None when it defines none."""
    tc = get_toolchain(lang)  # an unknown language raises ConfigError
    for block in _candidates(answer, tc.fence_tags):
        try:
            code = tc.extract_definition(block, sig)
        except (ValueError, RecursionError):  # the grammar gave up on pathological text
            continue
        if code is not None:
            return code
    return None


def extract_python(answer: str, name: str) -> str | None:
    """The top-level `def name(...)` of a via-ir rewrite, alone, or None."""
    for block in _candidates(answer, PYTHON_FENCE_TAGS):
        try:
            root = parse_python(block).root_node
        except (ValueError, RecursionError):
            continue
        src = block.encode("utf-8", "replace")
        for node in root.named_children:
            if node.type != "function_definition":
                continue
            ident = node.child_by_field_name("name")
            if ident is not None and src[ident.start_byte:ident.end_byte].decode() == name:
                return span(src, [node])
    return None
