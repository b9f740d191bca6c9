"""Static checks on a CUDA candidate, before anything is compiled.

Key contracts: `static_check(code, sig)` returns None when the candidate may be compiled,
else one reason: `syntax` (tree-sitter-cuda found ERROR nodes), `no_definition` (no host
function with the signature's name), `no_kernel` (no `__global__` function defined),
`no_kernel_launch` (the host function, and the functions it calls, launch no kernel with
`<<< >>>`: a host-only computation is not a CUDA sample), `serial_kernel` (a launch of one
thread in total, or a kernel with no thread-indexed work: checks_parallel.py) or
`forbidden:<what>`.

The candidate shares the harness's process and stdout, so anything that prints (host or
device printf, iostreams), ends the process (exit/abort), reaches the OS (processes,
files, sockets, signals, environment, sleeping), or hides code from these checks (inline
asm, `extern "C"` declarations, preprocessor tricks) is refused. Identifiers are matched
anywhere in the tree, not only in calls, so taking `&system` is refused too. The only
preprocessor directives allowed are `#include <whitelisted>`, `#pragma unroll` and
`#define NAME <number>`; names starting with `tolk_` belong to the harness.
"""

from __future__ import annotations

import functools
import re

import tree_sitter
import tree_sitter_cuda
from tolk.ir.function import Signature
from tolk.ir.syntax import walk
from tolk.toolchains.cuda.checks_parallel import serial_reason

__all__ = ["static_check", "ALLOWED_INCLUDES", "FORBIDDEN_NAMES"]

# Every one is include-guarded: the harness includes them all before the candidate, so a
# candidate's own #include of one expands to nothing inside its namespace.
ALLOWED_INCLUDES = frozenset({
    "cuda_runtime.h", "cuda_runtime_api.h", "device_launch_parameters.h",
    "stdint.h", "cstdint", "stddef.h", "cstddef", "math.h", "cmath", "climits", "limits.h",
    "cfloat", "float.h", "limits", "cstdlib", "stdlib.h", "cstring", "string.h",
    "algorithm", "utility", "type_traits", "vector", "numeric",
})
FORBIDDEN_NAMES = frozenset({
    # processes and the shell
    "system", "popen", "pclose", "fork", "vfork", "clone", "posix_spawn", "posix_spawnp",
    "execl", "execlp", "execle", "execv", "execvp", "execvpe", "execve", "fexecve",
    "syscall", "dlopen", "dlsym", "kill", "raise", "signal", "sigaction", "getppid",
    "pthread_create", "thread", "jthread", "async",
    # ending the process (the harness owns its exit status)
    "exit", "_exit", "_Exit", "quick_exit", "abort", "atexit", "at_quick_exit", "terminate",
    "setjmp", "longjmp",
    # output (stdout carries the harness's records) and files
    "printf", "puts", "putchar", "putc", "fputc", "fputs", "fprintf", "vprintf", "vfprintf",
    "dprintf", "fwrite", "write", "writev", "perror", "cout", "cerr", "clog", "wcout",
    "stdout", "stderr", "stdin", "fopen", "freopen", "fdopen", "open", "openat", "creat",
    "read", "fread", "fgets", "gets", "scanf", "fscanf", "getline", "getchar", "remove",
    "unlink", "rename", "mkdir", "rmdir", "chdir", "truncate", "ftruncate", "mmap",
    "ofstream", "ifstream", "fstream", "filesystem", "cin", "wcin", "fgetc", "getc", "ungetc",
    "fclose", "fflush", "setvbuf", "setbuf", "fseek", "rewind", "tmpfile", "tmpnam", "dup",
    "dup2", "close", "pipe", "ioctl", "fcntl", "prctl", "ptrace", "chmod", "chown",
    "symlink", "link", "opendir", "readdir",
    # network
    "socket", "connect", "bind", "listen", "accept", "sendto", "recvfrom", "getaddrinfo",
    # environment and time
    "getenv", "secure_getenv", "setenv", "putenv", "environ", "sleep", "usleep", "nanosleep",
    "sleep_for", "sleep_until", "__nanosleep", "clock_nanosleep",
    # the harness's own entry point, and the operator form of #pragma
    "main", "_Pragma", "__pragma",
})
_FORBIDDEN_NODES = {
    "gnu_asm_expression": "asm", "asm_statement": "asm", "linkage_specification": "extern_c",
    "preproc_if": "preprocessor_if", "preproc_ifdef": "preprocessor_if",
    "preproc_function_def": "macro_function",
}
_DEFINE_VALUE = re.compile(
    r"\(?\s*-?\s*(0[xX][0-9a-fA-F]+|\d+(\.\d*)?([eE][-+]?\d+)?)[uUlLfF]*\s*\)?")
_PRAGMA = re.compile(r"#\s*pragma\s+unroll(\s+\d+)?\s*")


@functools.cache
def _language() -> tree_sitter.Language:
    return tree_sitter.Language(tree_sitter_cuda.language())


def _parse(src: bytes) -> tree_sitter.Node:
    # A Parser per call: parsers are cheap and not safe to share between threads.
    return tree_sitter.Parser(_language()).parse(src).root_node


def _text(n: tree_sitter.Node) -> str:
    return (n.text or b"").decode("utf-8", "replace")


def static_check(code: str, sig: Signature) -> str | None:
    if "\\\n" in code or "??/" in code:
        # Line splices and trigraphs can rebuild a forbidden token the parse never sees.
        return "forbidden:line_splice"
    root = _parse(code.encode("utf-8", "replace"))
    if root.has_error:
        return "syntax"
    return _forbidden(root) or _structure(root, sig.name)


def _forbidden(root: tree_sitter.Node) -> str | None:
    for n in walk(root):
        if n.type in _FORBIDDEN_NODES:
            return f"forbidden:{_FORBIDDEN_NODES[n.type]}"
        if n.type in ("asm", "__asm__", "__asm"):
            return "forbidden:asm"
        if n.type == "preproc_include":
            path = n.child_by_field_name("path")
            name = _text(path) if path is not None else ""
            if path is None or path.type != "system_lib_string" \
                    or name[1:-1] not in ALLOWED_INCLUDES:
                return "forbidden:include:" + name.strip('<>"')[:60]
        elif n.type == "preproc_def":
            value = n.child_by_field_name("value")
            if value is not None and not _DEFINE_VALUE.fullmatch(_text(value).strip()):
                return "forbidden:define"
        elif n.type == "preproc_call":
            if not _PRAGMA.fullmatch(_text(n).strip()):
                return "forbidden:preprocessor_directive"
        elif n.type in ("identifier", "field_identifier", "type_identifier",
                        "namespace_identifier"):
            name = _text(n)
            if name in FORBIDDEN_NAMES:
                return f"forbidden:{name}"
            if name.startswith("tolk_"):
                return "forbidden:reserved_name"
            if name.startswith("__builtin") or name in ("__asm__", "__asm", "asm"):
                return f"forbidden:{name}"
    return None


def _structure(root: tree_sitter.Node, name: str) -> str | None:
    functions = _function_definitions(root)
    if name not in functions:
        return "no_definition"
    kernels = {fn for fn, node in functions.items() if _is_kernel(node)}
    if not kernels:
        return "no_kernel"
    # Functions reachable from the host function by name (overloads merge: conservative).
    seen, todo = {name}, [name]
    while todo:
        for callee in _called(functions[todo.pop()]):
            if callee in functions and callee not in seen:
                seen.add(callee)
                todo.append(callee)
    if not any(launched in kernels for fn in seen for launched in _launches(functions[fn])):
        return "no_kernel_launch"
    return serial_reason(root, functions)


def _function_definitions(root: tree_sitter.Node) -> dict[str, tree_sitter.Node]:
    """Unqualified function name -> its definition (the last one for overloads)."""
    out: dict[str, tree_sitter.Node] = {}
    for n in walk(root):
        if n.type == "function_definition":
            decl = n.child_by_field_name("declarator")
            while decl is not None and decl.type != "function_declarator":
                decl = decl.child_by_field_name("declarator")
            ident = decl.child_by_field_name("declarator") if decl is not None else None
            if ident is not None:
                out[_text(ident).split("::")[-1]] = n
    return out


def _is_kernel(fn: tree_sitter.Node) -> bool:
    return any(c.type == "__global__" for c in fn.children)


def _callee_name(call: tree_sitter.Node) -> str:
    f = call.child_by_field_name("function")
    if f is None:
        return ""
    while f.type in ("template_function", "qualified_identifier"):
        inner = f.child_by_field_name("name")
        if inner is None:
            break
        f = inner
    return _text(f)


def _called(fn: tree_sitter.Node) -> set[str]:
    return {_callee_name(n) for n in walk(fn) if n.type == "call_expression"}


def _launches(fn: tree_sitter.Node) -> set[str]:
    return {_callee_name(n) for n in walk(fn) if n.type == "call_expression"
            and any(c.type == "kernel_call_syntax" for c in n.children)}
