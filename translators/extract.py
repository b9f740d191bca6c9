"""Take the candidate out of a model's chatty answer: fences, prose, several definitions.

Key contracts: `extract(answer, lang, sig)` returns the candidate source holding exactly
the definition(s) the target contract asks for (plus helpers the language allows), or
None when the answer has no such definition (the caller rejects it as
`rejected_static:no_definition`). It never raises for anything in the answer. Fortran,
Julia, CUDA and Python are read with their tree-sitter grammars; COBOL has no grammar
wheel, so its program is found by its structure (IDENTIFICATION DIVISION ... PROGRAM-ID
... END PROGRAM). Blocks fenced with the target's tag are tried first, then untagged
blocks, then any other block, then the whole answer (models sometimes omit fences).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator

import tree_sitter
import tree_sitter_cuda
import tree_sitter_fortran
import tree_sitter_julia

from tolk.ir.function import Signature
from tolk.ir.syntax import parse_python
from tolk.lang import Lang

__all__ = ["code_blocks", "extract", "extract_python", "FENCE_TAGS"]

#: fence info strings accepted for each target, most specific first
FENCE_TAGS: dict[str, tuple[str, ...]] = {
    "fortran": ("fortran", "f90", "f95", "f03", "f08"),
    "cobol": ("cobol", "cbl", "cob"),
    "julia": ("julia", "jl"),
    "cuda": ("cuda", "cu", "cpp", "c++", "c"),
    "python": ("python", "py", "python3"),
}

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


@functools.cache
def _language(name: str) -> tree_sitter.Language:
    module = {"fortran": tree_sitter_fortran, "julia": tree_sitter_julia,
              "cuda": tree_sitter_cuda}[name]
    return tree_sitter.Language(module.language())


def _parse(name: str, src: bytes) -> tree_sitter.Node:
    return tree_sitter.Parser(_language(name)).parse(src).root_node


def _span(src: bytes, nodes: list[tree_sitter.Node]) -> str:
    return "\n\n".join(src[n.start_byte:n.end_byte].decode("utf-8", "replace").rstrip()
                       for n in nodes) + "\n"


# ---- Fortran --------------------------------------------------------------------------

def _fortran_unit_name(unit: tree_sitter.Node, src: bytes) -> str:
    stmt = unit.children[0] if unit.children else None
    name = next((c for c in stmt.children if c.type == "name"), None) if stmt else None
    return src[name.start_byte:name.end_byte].decode("utf-8", "replace").lower() if name else ""


def _fortran(block: str, sig: Signature) -> str | None:
    from tolk.toolchains.fortran.types import fortran_name
    name = fortran_name(sig.name)
    src = block.encode("utf-8", "replace")
    root = _parse("fortran", src)
    for unit in root.children:
        if unit.type != "module" or _fortran_unit_name(unit, src) != "candidate":
            continue
        procs = [p for part in unit.children if part.type == "internal_procedures"
                 for p in part.children if p.type in ("function", "subroutine")]
        if any(_fortran_unit_name(p, src) == name for p in procs):
            return _span(src, [unit])
    # A bare procedure (the model dropped the module): wrap it, with its sibling procedures
    # as private helpers, in the contract's module skeleton.
    procs = [u for u in root.children if u.type in ("function", "subroutine")]
    if any(_fortran_unit_name(p, src) == name for p in procs):
        body = _span(src, procs)
        return ("module candidate\n  use, intrinsic :: iso_fortran_env, only: int64, real64\n"
                f"  implicit none\n  private\n  public :: {name}\ncontains\n{body}"
                "end module candidate\n")
    return None


# ---- Julia ----------------------------------------------------------------------------

def _julia(block: str, sig: Signature) -> str | None:
    from tolk.toolchains.julia.checks import _definition_head  # noqa: PLC2701 - same grammar rule
    src = block.encode("utf-8", "replace")
    root = _parse("julia", src)
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
    return _span(src, keep) if sig.name in names else None


# ---- CUDA -----------------------------------------------------------------------------

def _cuda_defined(root: tree_sitter.Node, src: bytes) -> dict[str, tree_sitter.Node]:
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


def _cuda(block: str, sig: Signature) -> str | None:
    src = block.encode("utf-8", "replace")
    root = _parse("cuda", src)
    defs = _cuda_defined(root, src)
    if sig.name not in defs:
        return None
    # Everything but a test driver: `main` would clash with the harness's.
    drop = defs.get("main")
    if drop is None:
        return block.strip() + "\n"
    return (src[:drop.start_byte] + src[drop.end_byte:]).decode("utf-8", "replace").strip() + "\n"


# ---- COBOL ----------------------------------------------------------------------------

def _cobol(block: str, sig: Signature) -> str | None:
    from tolk.toolchains.cobol.types import program_id
    pid = re.escape(program_id(sig))
    m = re.search(
        r"^[ \t]*(?:IDENTIFICATION|ID)[ \t]+DIVISION[ \t]*\.(?:(?!^[ \t]*(?:IDENTIFICATION|ID)"
        r"[ \t]+DIVISION).)*?PROGRAM-ID\.?[ \t]+[\"']?" + pid + r"[\"']?[ \t]*\..*?"
        r"END[ \t]+PROGRAM[ \t]+[\"']?" + pid + r"[\"']?[ \t]*\.",
        block, re.IGNORECASE | re.DOTALL | re.MULTILINE)
    return m.group(0).strip() + "\n" if m else None


_BY_LANG: dict[str, Callable[[str, Signature], str | None]] = {
    "fortran": _fortran, "julia": _julia, "cuda": _cuda, "cobol": _cobol,
}


def extract(answer: str, lang: Lang | str, sig: Signature) -> str | None:
    """The candidate in `answer` for `sig` in `lang`, or None when it defines none."""
    find = _BY_LANG[str(lang)]
    for block in _candidates(answer, FENCE_TAGS[str(lang)]):
        try:
            code = find(block, sig)
        except (ValueError, RecursionError):  # the grammar gave up on pathological text
            continue
        if code is not None:
            return code
    return None


def extract_python(answer: str, name: str) -> str | None:
    """The top-level `def name(...)` of a via-ir rewrite, alone, or None."""
    for block in _candidates(answer, FENCE_TAGS["python"]):
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
                return _span(src, [node])
    return None
