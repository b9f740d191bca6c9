"""Static checks on a Julia candidate, on the tree-sitter-julia parse (nothing runs).

Key contracts: `static_check(code, sig)` returns None when the candidate may be loaded,
else one reason: `syntax_error` (ERROR or MISSING nodes), `no_definition` (no top-level
function named like the signature), `arity_mismatch` (defined, but never with the
signature's parameter count), `forbidden:<construct>`, or
`needs_julia:<version>:<what>` for a construct Julia 1.5 (what candidates run on) lacks
(`compat.py`). The candidate is loaded into the harness's process, so everything that
reaches the OS, the process, other modules or the harness's stdout is refused, as is
anything that could evaluate code the checks never saw (eval, macros outside a small
whitelist, string macros, quoted expressions).

Only tree nodes are inspected: identifiers inside comments or string contents never
match, while code interpolated into strings (`"$(run(x))"`) does. Identifiers are
matched wherever they occur (call, field, argument, symbol), so `Base.run`,
`getfield(Base, :run)` and `f = run` are all caught; the function's own name is exempt
where it stands alone (a Python function may be called `read`), never after a dot.
"""

from __future__ import annotations

import functools

import tree_sitter
import tree_sitter_julia

from tolk.ir.function import Signature
from tolk.ir.syntax import walk
from tolk.toolchains.julia.compat import newer_than_1_5

__all__ = ["static_check", "FORBIDDEN_NAMES", "ALLOWED_MACROS", "ALLOWED_STRING_PREFIXES",
           "parse_errors", "defined_functions"]

# Names that reach the OS, the process, other modules, code evaluation or stdout. Names
# that only act on what another forbidden name produced (`success` needs a Cmd,
# `connect` needs `using Sockets`) are left out: they are common local variable names.
FORBIDDEN_NAMES = frozenset({
    # processes and the shell
    "run", "pipeline", "spawn", "detach", "Cmd", "setenv",
    "withenv", "addenv", "ignorestatus", "julia_cmd", "kill", "getpid", "exit", "atexit",
    # C and raw memory
    "ccall", "cglobal", "llvmcall", "Libc", "Libdl", "dlopen", "dlsym", "pointer",
    "pointer_from_objref", "unsafe_pointer_to_objref", "Ptr", "Intrinsics",
    # code evaluation and reflection that escapes the candidate's module
    "eval", "evalfile", "include", "include_string", "Meta", "Expr", "getfield",
    "setfield!", "getproperty", "setproperty!", "getglobal", "setglobal!", "invoke",
    "invokelatest", "invoke_in_world", "Core", "Main", "parentmodule", "require",
    "root_module", "loaded_modules", "loaded_modules_array", "active_module",
    "macroexpand", "Docs", "InteractiveUtils", "Base64",
    # files, directories, environment
    "open", "read", "read!", "readline", "readlines", "readchomp", "readuntil",
    "readavailable", "readbytes!", "readdir", "walkdir", "write", "Filesystem", "rm", "cp",
    "mv", "mkdir", "mkpath", "mktemp", "mktempdir", "tempname", "tempdir", "touch", "chmod",
    "chown", "symlink", "hardlink", "cd", "pwd", "homedir", "isfile", "isdir", "ispath",
    "stat", "lstat", "filesize", "ENV", "ARGS", "PROGRAM_FILE", "DEPOT_PATH", "LOAD_PATH",
    "gethostname", "mmap", "Mmap",
    # the harness's streams
    "print", "println", "printstyled", "show", "display", "dump", "flush", "stdout",
    "stderr", "stdin", "devnull", "redirect_stdout", "redirect_stderr", "redirect_stdio",
    # network, processes and tasks that would outlive the call
    "Sockets", "Distributed", "addprocs", "remotecall", "Downloads",
    "download", "Threads", "Task", "schedule", "Timer", "Channel", "errormonitor",
    "finalizer", "Pkg",
})
FORBIDDEN_PREFIXES = ("unsafe_", "jl_")
# Macros that only change how the candidate's own code is compiled. `@inbounds` is
# harmless because the harness runs julia with --check-bounds=yes.
ALLOWED_MACROS = frozenset({"inbounds", "simd", "views", "view", "inline", "noinline",
                            "assert", "fastmath", "."})
ALLOWED_STRING_PREFIXES = frozenset({"r", "raw", "b", "big"})
# What a candidate file may hold at the top level besides its functions.
_TOP_LEVEL_OK = frozenset({"function_definition", "const_statement", "line_comment",
                           "block_comment", "string_literal"})
# Node types that build or run code, or leave the module.
_FORBIDDEN_NODES = {
    "command_literal": "command_literal", "prefixed_command_literal": "command_literal",
    "import_statement": "import", "using_statement": "using", "export_statement": "export",
    "module_definition": "module", "macro_definition": "macro", "quote_statement": "quote",
    "global_statement": "global", "struct_definition": "struct",
    "abstract_definition": "abstract_type", "primitive_definition": "primitive_type",
}


@functools.cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_julia.language())


def _parse(src: bytes) -> tree_sitter.Node:
    # A Parser per call: parsers are cheap and not safe to share between threads.
    return tree_sitter.Parser(_language()).parse(src).root_node


def _text(n: tree_sitter.Node) -> str:
    return (n.text or b"").decode("utf-8", "replace")


def parse_errors(code: str) -> list[str]:
    """Where the grammar found ERROR or MISSING nodes (empty for a clean parse)."""
    root = _parse(code.encode("utf-8", "replace"))
    if not root.has_error:
        return []
    return [f"{n.start_point[0] + 1}:{n.start_point[1] + 1}:"
            f"{'missing' if n.is_missing else 'error'}"
            for n in walk(root) if n.is_missing or n.type == "ERROR"]


def _definition_head(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The call_expression `name(params...)` of a top-level function definition (long
    form `function ... end` or short form `f(x) = ...`), through `::T` and `where`."""
    if node.type == "function_definition":
        sig = next((c for c in node.children if c.type == "signature"), None)
        cur = sig.named_children[0] if sig is not None and sig.named_children else None
    elif node.type == "assignment" and node.named_children:
        cur = node.named_children[0]
    else:
        return None
    while cur is not None and cur.type in ("typed_expression", "where_expression"):
        cur = cur.named_children[0] if cur.named_children else None
    return cur if cur is not None and cur.type == "call_expression" else None


def defined_functions(root: tree_sitter.Node) -> list[tuple[str, int]]:
    """(name, positional parameter count) of each top-level function definition; a
    qualified name (`Base.f`) is kept with its dot, so callers can refuse it."""
    out = []
    for node in root.named_children:
        head = _definition_head(node)
        if head is None or not head.named_children:
            continue
        callee, args = head.named_children[0], head.child_by_field_name("arguments")
        args = args or next((c for c in head.named_children if c.type == "argument_list"), None)
        positional = 0
        if args is not None:
            for c in args.children:
                if c.type == ";":
                    break  # keyword parameters follow
                if c.is_named and c.type not in ("line_comment", "block_comment"):
                    positional += 1
        out.append((_text(callee), positional))
    return out


def static_check(code: str, sig: Signature) -> str | None:
    root = _parse(code.encode("utf-8", "replace"))
    if root.has_error:
        return "syntax_error"
    for node in root.named_children:
        if node.type in _TOP_LEVEL_OK:
            continue
        if node.type == "assignment" and _definition_head(node) is not None:
            continue
        return f"forbidden:top_level:{node.type}"
    defs = defined_functions(root)
    for name, _ in defs:
        if not name.replace("_", "a").replace("!", "").isalnum():
            # `function Base.println(...)`, `Base.:+(a, b) = ...`: changing someone else's
            # function (type piracy) would corrupt the harness and later candidates.
            return "forbidden:extends_other_module"
    counts = [n for name, n in defs if name == sig.name]
    if not counts:
        return "no_definition"
    if len(sig.params) not in counts:
        return "arity_mismatch"
    return _forbidden(root, sig.name) or newer_than_1_5(root, {name for name, _ in defs})


def _forbidden(root: tree_sitter.Node, own_name: str) -> str | None:
    for n in walk(root):
        t = n.type
        if t in _FORBIDDEN_NODES:
            return f"forbidden:{_FORBIDDEN_NODES[t]}"
        if t == "macro_identifier":
            name = _text(n).lstrip("@")
            if name not in ALLOWED_MACROS:
                return f"forbidden:@{name}"
        elif t == "prefixed_string_literal":
            prefix = _text(n.named_children[0]) if n.named_children else "?"
            if prefix not in ALLOWED_STRING_PREFIXES:
                return f"forbidden:string_macro:{prefix}"
        elif t == "quote_expression":
            inner = n.named_children[0] if n.named_children else None
            if inner is None or inner.type not in ("identifier", "operator"):
                return "forbidden:quote"  # :(expr) builds code
            if _is_forbidden_name(_text(inner)):
                return f"forbidden:{_text(inner)}"
        elif t == "identifier":
            name = _text(n)
            if not _is_forbidden_name(name):
                continue
            after_dot = n.prev_sibling is not None and n.prev_sibling.type == "."
            if name != own_name or after_dot:
                return f"forbidden:{name}"
    return None


def _is_forbidden_name(name: str) -> bool:
    return name in FORBIDDEN_NAMES or name.startswith(FORBIDDEN_PREFIXES)
