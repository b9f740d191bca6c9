"""The Python front end: source text -> typed `Function` records (or `Rejected` with a reason).

Key contracts: `analyze_program` never raises on bad input. A top-level function is
accepted when every parameter and the return carry annotations inside the IR's type set
and it is self-contained (no free names other than builtins, its parameters and its own
locals; no I/O; no nested definitions; no generators). Its body IR is attached when the
whole body lies in the lowering subset (see ir/body_builder.py); otherwise `body_reason`
says why, and only LLM translators can take it.
"""

from __future__ import annotations

import builtins
from typing import Iterable

import tree_sitter

from tolk.errors import UnsupportedProgram
from tolk.ir.body_builder import build_body
from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.syntax import named_children, parse_python, text, walk
from tolk.ir.types import parse_type
from tolk.outcome import Rejected, Stage

__all__ = ["analyze_program", "analyze_source"]

_BUILTINS = frozenset(dir(builtins))
# Builtins that reach outside the function: rejected as I/O, not as free names.
_IO_BUILTINS = frozenset({
    "print", "open", "input", "exec", "eval", "compile", "__import__", "breakpoint",
    "globals", "locals", "vars", "exit", "quit", "help", "memoryview", "setattr", "delattr",
})
# Definitions and scopes the self-containment check cannot follow.
_NESTED = {"function_definition": "nested_function", "class_definition": "nested_class",
           "lambda": "lambda"}


def analyze_source(source: str, *, uri: str = "<string>", source_id: str = "",
                   license: str = "unknown") -> list[Function | Rejected]:
    from tolk.ir.function import content_id
    return analyze_program(Program(source_id or content_id(uri, source), uri, source, license))


def analyze_program(program: Program) -> list[Function | Rejected]:
    """Every top-level function of the program, accepted or rejected with a reason."""
    tree = parse_python(program.text)
    root = tree.root_node
    if root.has_error:
        return [_reject(program, "syntax_error", detail=_first_error(root))]
    imports = _imported_names(root)
    out: list[Function | Rejected] = []
    for node in named_children(root):
        if node.type == "decorated_definition":
            fn = node.child_by_field_name("definition")
            name = text(fn.child_by_field_name("name")) if fn is not None else "?"
            out.append(_reject(program, "decorated", name))
        elif node.type == "function_definition":
            out.append(_analyze_function(program, node, imports))
    if not out:
        out.append(_reject(program, "no_functions"))
    return out


def _reject(program: Program, reason: str, function: str = "", detail: str = "") -> Rejected:
    return Rejected(Stage.FRONTEND, reason, program.source_id, program.uri, function,
                    detail=detail[:300])


def _first_error(root: tree_sitter.Node) -> str:
    for n in walk(root):
        if n.type == "ERROR" or n.is_missing:
            return f"line {n.start_point[0] + 1}: {text(n)[:80]!r}"
    return ""


def _imported_names(root: tree_sitter.Node) -> frozenset[str]:
    names: set[str] = set()
    for n in walk(root):
        if n.type in ("import_statement", "import_from_statement"):
            for c in n.children_by_field_name("name"):
                alias = c.child_by_field_name("alias")
                target = alias if alias is not None else c
                names.add(text(target).split(".")[0])
    return frozenset(names)


def _analyze_function(program: Program, node: tree_sitter.Node,
                      imports: frozenset[str]) -> Function | Rejected:
    name = text(node.child_by_field_name("name"))
    try:
        if any(c.type == "async" for c in node.children):
            raise UnsupportedProgram("async_function")
        sig = _signature(node, name)
        body = node.child_by_field_name("body")
        _check_self_contained(body, {p.name for p in sig.params} | {name}, imports)
    except UnsupportedProgram as exc:
        return _reject(program, exc.reason, name, exc.detail)
    source = text(node)
    try:
        built = build_body(body, sig)
    except UnsupportedProgram as exc:
        return Function(program, sig, source, body_reason=exc.reason)
    return Function(program, sig, source, body=built.stmts, locals=built.locals,
                    mutated_params=built.mutated_params)


def _signature(node: tree_sitter.Node, name: str) -> Signature:
    params: list[Param] = []
    for p in named_children(node.child_by_field_name("parameters")):
        if p.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            raise UnsupportedProgram("unsupported_parameter:varargs", text(p))
        if p.type in ("keyword_separator", "positional_separator"):
            continue
        if p.type in ("identifier", "default_parameter"):
            pname = text(p if p.type == "identifier" else p.child_by_field_name("name"))
            raise UnsupportedProgram("missing_annotation:param", pname)
        pname_node = p.child_by_field_name("name") or named_children(p)[0]
        if pname_node.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            raise UnsupportedProgram("unsupported_parameter:varargs", text(p))
        params.append(Param(text(pname_node), parse_type(text(p.child_by_field_name("type")))))
    ret = node.child_by_field_name("return_type")
    if ret is None:
        raise UnsupportedProgram("missing_annotation:return", name)
    return Signature(name, tuple(params), parse_type(text(ret), allow_tuple=True),
                     _docstring(node.child_by_field_name("body")))


def _docstring(body: tree_sitter.Node) -> str:
    stmts = named_children(body)
    if stmts and stmts[0].type == "expression_statement":
        first = named_children(stmts[0])
        if first and first[0].type == "string":
            content = [text(c) for c in first[0].named_children if c.type == "string_content"]
            return "".join(content).strip()
    return ""


def _bound_names(body: tree_sitter.Node) -> set[str]:
    """Names the function binds itself: assignment, for and comprehension targets."""
    bound: set[str] = set()
    for n in walk(body):
        targets: Iterable[tree_sitter.Node] = ()
        if n.type in ("assignment", "augmented_assignment"):
            targets = [n.child_by_field_name("left")]
        elif n.type in ("for_statement", "for_in_clause"):
            targets = [n.child_by_field_name("left")]
        elif n.type in ("as_pattern_target", "named_expression"):
            targets = [n.named_children[0]]
        for t in targets:
            if t is None:
                continue
            if t.type == "identifier":
                bound.add(text(t))
            elif t.type in ("pattern_list", "tuple_pattern", "list_pattern", "tuple"):
                bound.update(text(c) for c in walk(t) if c.type == "identifier")
    return bound


def _check_self_contained(body: tree_sitter.Node, params: set[str],
                          imports: frozenset[str]) -> None:
    bound = _bound_names(body) | params
    for n in _walk_skipping_annotations(body):
        if n.type in _NESTED:
            raise UnsupportedProgram(_NESTED[n.type])
        if n.type in ("yield", "await"):
            raise UnsupportedProgram("generator" if n.type == "yield" else "async_function")
        if n.type in ("global_statement", "nonlocal_statement"):
            raise UnsupportedProgram("uses_global", text(n)[:60])
        if n.type in ("import_statement", "import_from_statement"):
            raise UnsupportedProgram("uses_import", text(n)[:60])
        if n.type != "identifier":
            continue
        parent = n.parent
        if parent is not None and parent.type == "attribute" and \
                parent.child_by_field_name("attribute") == n:
            continue
        if parent is not None and parent.type == "keyword_argument" and \
                parent.child_by_field_name("name") == n:
            continue
        name = text(n)
        if name in bound:
            continue
        if name in imports:
            raise UnsupportedProgram(f"uses_import:{name}")
        if name in _IO_BUILTINS:
            raise UnsupportedProgram(f"uses_io:{name}")
        if name not in _BUILTINS:
            raise UnsupportedProgram(f"free_name:{name}")


def _walk_skipping_annotations(node: tree_sitter.Node) -> Iterable[tree_sitter.Node]:
    # Local annotations (`x: List[int] = []`) name types, not values the function reads.
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed([c for c in n.children if c.type != "type"]))
