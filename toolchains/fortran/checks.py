"""Static checks on a Fortran candidate, before anything is compiled.

Key contracts: `static_check(code, sig)` returns None when the candidate may be compiled,
else one reason: `no_definition` (no `module candidate`, or no procedure named like the
signature in it) or `forbidden:<construct>`. The candidate shares stdout with the
harness's records and runs in the harness's process, so any I/O, `stop`, C interop,
`include`, foreign `use`, process/environment call or program unit outside the module
is refused. Checks walk the tree-sitter-fortran parse, so identifiers such as `printed`
and text inside comments or strings never match; where the grammar gives up (ERROR
nodes), a regex pass over the source with comments and strings blanked backs it up.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import tree_sitter
import tree_sitter_fortran
from tolk.ir.function import Signature
from tolk.ir.syntax import walk
from tolk.toolchains.fortran.types import fortran_name

__all__ = ["static_check", "ALLOWED_MODULES", "FORBIDDEN_CALLS"]

ALLOWED_MODULES = frozenset({"iso_fortran_env", "ieee_arithmetic"})
# Standard procedures that reach the OS, plus GNU extensions (under -std=f2018 those
# would not even link, but the reason is clearer here than as a linker error).
FORBIDDEN_CALLS = frozenset({
    "execute_command_line", "system", "getenv", "get_environment_variable",
    "get_command", "get_command_argument", "chdir", "sleep", "fork", "abort", "exit",
})
_STATEMENTS = {
    "print_statement": "print", "write_statement": "write", "read_statement": "read",
    "open_statement": "open", "close_statement": "close", "inquire_statement": "inquire",
    "include_statement": "include", "language_binding": "bind(c)",
}
_CALLS = ("subroutine_call", "call_expression")


_TextOf = Callable[[tree_sitter.Node], str]


@functools.cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_fortran.language())


def _parse(src: bytes) -> tree_sitter.Node:
    # A Parser per call: parsers are cheap and not safe to share between threads.
    return tree_sitter.Parser(_language()).parse(src).root_node


def static_check(code: str, sig: Signature) -> str | None:
    src = code.encode("utf-8", "replace")
    root = _parse(src)
    text = functools.partial(_text, src)
    masked = _code_only(code) if root.has_error else ""
    module = next((n for n in root.children
                   if n.type == "module" and _unit_name(n, text) == "candidate"), None)
    name = fortran_name(sig.name)
    defined = module is not None and _defines(module, name, text)
    if not (defined or (masked and _regex_defines(masked, name))):
        return "no_definition"
    return _tree_reason(root, text) or (_regex_reason(masked) if masked else
                                        _outside_module(root, module))


def _text(src: bytes, node: tree_sitter.Node) -> str:
    return src[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _unit_name(unit: tree_sitter.Node, text: _TextOf) -> str:
    """Lower-cased name of a module/function/subroutine node ('' if absent)."""
    stmt = unit.children[0] if unit.children else None
    name = next((c for c in stmt.children if c.type == "name"), None) if stmt else None
    return text(name).lower() if name else ""


def _defines(module: tree_sitter.Node, name: str, text: _TextOf) -> bool:
    return any(
        proc.type in ("function", "subroutine") and _unit_name(proc, text) == name
        for part in module.children if part.type == "internal_procedures"
        for proc in part.children
    )


def _outside_module(root: tree_sitter.Node, module: tree_sitter.Node | None) -> str | None:
    """The contract is one module; asked only of clean parses, since a statement the
    grammar lacks can push the rest of the module out to the top level."""
    if any(u.type != "comment" and u != module for u in root.children):
        return "forbidden:outside_module"
    return None


def _tree_reason(root: tree_sitter.Node, text: _TextOf) -> str | None:
    for n in walk(root):
        if n.type in _STATEMENTS:
            return f"forbidden:{_STATEMENTS[n.type]}"
        if n.type == "stop_statement":
            return "forbidden:error_stop" if n.children[0].type == "error" else "forbidden:stop"
        if n.type == "file_position_statement":  # flush, rewind, backspace, endfile
            return f"forbidden:{n.children[0].type.lower()}"
        if n.type == "use_statement":
            mod = next((c for c in n.children if c.type == "module_name"), None)
            name = text(mod).lower() if mod else "?"
            if name not in ALLOWED_MODULES:
                return f"forbidden:use:{name}"
        if n.type in _CALLS:
            callee = next((c for c in n.children if c.is_named), None)
            if callee is not None and callee.type == "identifier":
                name = text(callee).lower()
                if name in FORBIDDEN_CALLS:
                    return f"forbidden:{name}"
    return None


# ---- fallback for source the grammar could not parse -------------------------------

_NOT_AFTER = r"(?<![\w%])"  # a token start: not inside an identifier or a component ref
_REGEXES: tuple[tuple[re.Pattern[str], str | None], ...] = tuple(
    (re.compile(p, re.IGNORECASE | re.MULTILINE), r) for p, r in (
        (_NOT_AFTER + r"print\b(?!\s*=)", "print"),
        (_NOT_AFTER + r"(read|write|open|close|inquire|flush|rewind|backspace)\s*\(", None),
        (_NOT_AFTER + r"end\s*file\b(?!\s*=)", "endfile"),
        (_NOT_AFTER + r"error\s+stop\b", "error_stop"),
        (_NOT_AFTER + r"stop\b(?!\s*=)", "stop"),
        (r"^\s*include\b", "include"),
        (_NOT_AFTER + r"bind\s*\(\s*c\b", "bind(c)"),
        (_NOT_AFTER + r"(" + "|".join(sorted(FORBIDDEN_CALLS)) + r")\s*\(", None),
        (_NOT_AFTER + r"call\s+(exit|abort)\b", None),
    )
)
_USE = re.compile(r"^\s*use\b\s*(?:,\s*(?:non_)?intrinsic\s*)?(?:::)?\s*(\w+)",
                  re.IGNORECASE | re.MULTILINE)


def _regex_reason(masked: str) -> str | None:
    """The earliest forbidden construct in `masked` (comments and strings blanked)."""
    hits: list[tuple[int, str]] = []
    for pattern, reason in _REGEXES:
        if m := pattern.search(masked):
            hits.append((m.start(), reason or m.group(1).lower()))
    for m in _USE.finditer(masked):
        if m.group(1).lower() not in ALLOWED_MODULES:
            hits.append((m.start(), f"use:{m.group(1).lower()}"))
            break
    return f"forbidden:{min(hits)[1]}" if hits else None


def _regex_defines(masked: str, name: str) -> bool:
    return bool(re.search(r"^\s*module\s+candidate\b", masked, re.IGNORECASE | re.MULTILINE)
                and re.search(rf"\b(function|subroutine)\s+{re.escape(name)}\b", masked,
                              re.IGNORECASE))


def _code_only(code: str) -> str:
    """`code` with comment and string contents blanked (quotes and newlines kept) and
    continuation lines joined, so the regexes see only tokens of the program."""
    out: list[str] = []
    quote = ""
    i = 0
    while i < len(code):
        c = code[i]
        if quote:
            if c == quote and code[i + 1:i + 2] == quote:  # doubled quote inside a string
                out.append("  ")
                i += 2
                continue
            if c == quote or c == "\n":
                quote = ""
                out.append(c)
            else:
                out.append(" ")
        elif c in "'\"":
            quote = c
            out.append(c)
        elif c == "!":
            end = code.find("\n", i)
            end = len(code) if end < 0 else end
            out.append(" " * (end - i))
            i = end
            continue
        else:
            out.append(c)
        i += 1
    return re.sub(r"&[ \t]*\r?\n[ \t]*&?", "", "".join(out))
