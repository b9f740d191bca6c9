"""The Python front end: source text -> typed `Function` records (or `Rejected` with a reason).

Key contracts: `analyze_program` never raises on bad input. A file the running Python
cannot parse is one rejection: `python_version:3.12` (or the release its construct needs,
ir/pyversion.py) or `syntax_error`, since the reference runs the whole module. Identifiers
are read in NFKC form, as Python reads them (the program's text is rewritten so: `ﬁ` is
`fi`); strings and comments are left as written. A top-level
function is accepted when every parameter and the return have a type inside the IR's type
set and it is self-contained (no free names other than builtins, its parameters and its own
locals; no I/O; no nested definitions; no generators). Its body IR is attached when the
whole body lies in the lowering subset (see ir/body_builder.py); otherwise `body_reason`
says why, and only LLM translators can take it.

Types come from annotations; missing ones are inferred (ir/infer.py) as `infer` allows:
"none" (annotations only), "static" (the default: docstring examples, literal call sites
and literal defaults; pure) or "probe" (static, then running the function over candidate
types in the sandbox: I/O, about a second per function). A bare `list` annotation is a
gap that only a list type may fill. A type that stays unknown rejects the function as
`missing_annotation:param` / `missing_annotation:return` (`unsupported_type:bare_list`
for a bare list); the signature of an accepted one says which evidence was used
(`Signature.inferred`).
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import unicodedata
from dataclasses import dataclass
from typing import Iterable

import tree_sitter

from tolk import pyast
from tolk.errors import UnsupportedProgram
from tolk.ir.body_builder import build_body
from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.infer import (EVIDENCE_ORDER, UNKNOWN, Example, call_site_examples,
                           describe_value, descriptor_type, docstring_examples, probe_types,
                           static_types)
from tolk.ir.pyversion import version_problem
from tolk.ir.syntax import named_children, parse_python, text, walk
from tolk.ir.types import IRType, Kind, parse_type
from tolk.outcome import Rejected, Stage

__all__ = ["analyze_program", "analyze_source", "INFER_MODES"]

INFER_MODES = ("none", "static", "probe")

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
                   license: str = "unknown", infer: str = "static") -> list[Function | Rejected]:
    from tolk.ir.function import content_id
    return analyze_program(Program(source_id or content_id(uri, source), uri, source, license),
                           infer=infer)


def analyze_program(program: Program, *, infer: str = "static",
                    executor: str = "auto") -> list[Function | Rejected]:
    """Every top-level function of the program, accepted or rejected with a reason.

    `infer` is one of INFER_MODES (see the module docstring); `executor` is the sandbox
    executor probing uses."""
    tree = parse_python(program.text)
    root = tree.root_node
    if root.has_error:
        return [_reject(program, "syntax_error", detail=_first_error(root))]
    if not program.text.isascii() and (text_ := _nfkc_identifiers(program.text, root)) \
            != program.text:
        program = dataclasses.replace(program, text=text_)
        root = parse_python(text_).root_node
    # tree-sitter reads newer Python than the reference sandbox runs (ir/pyversion.py).
    if (problem := version_problem(program.text, root)) is not None:
        return [_reject(program, *problem[:1], detail=problem[1])]
    imports = _imported_names(root)
    out: list[Function | Rejected] = []
    for node in named_children(root):
        if node.type == "decorated_definition":
            fn = node.child_by_field_name("definition")
            name = text(fn.child_by_field_name("name")) if fn is not None else "?"
            out.append(_reject(program, "decorated", name))
        elif node.type == "function_definition":
            out.append(_analyze_function(program, node, imports, infer, executor))
    if not out:
        out.append(_reject(program, "no_functions"))
    return out


def _nfkc_identifiers(source: str, root: tree_sitter.Node) -> str:
    """source with every identifier in NFKC form, as Python reads it (PEP 3131: `ﬁ` and
    `fi`, `ｎ` and `n` are one name); strings and comments stay as written."""
    data = source.encode("utf-8")
    spans = [(n.start_byte, n.end_byte) for n in walk(root) if n.type == "identifier"
             and not text(n).isascii()]
    for start, end in sorted(spans, reverse=True):
        name = data[start:end].decode("utf-8", "replace")
        data = data[:start] + unicodedata.normalize("NFKC", name).encode("utf-8") + data[end:]
    return data.decode("utf-8", "replace")


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


def _analyze_function(program: Program, node: tree_sitter.Node, imports: frozenset[str],
                      infer: str, executor: str) -> Function | Rejected:
    name = text(node.child_by_field_name("name"))
    try:
        if any(c.type == "async" for c in node.children):
            raise UnsupportedProgram("async_function")
        partial = _partial_signature(node, name)
        if infer == "none":
            partial.require_complete()
        body = node.child_by_field_name("body")
        _check_self_contained(body, set(partial.names) | {name}, imports)
        sig = _complete(partial, program, infer, executor)
    except UnsupportedProgram as exc:
        return _reject(program, exc.reason, name, exc.detail)
    source = text(node)
    try:
        built = build_body(body, sig)
    except UnsupportedProgram as exc:
        return Function(program, sig, source, body_reason=exc.reason)
    return Function(program, sig, source, body=built.stmts, locals=built.locals,
                    mutated_params=built.mutated_params)


@dataclass
class _Partial:
    """A signature as written: annotated types, None where the source gives none."""
    name: str
    names: list[str]
    types: list[IRType | None]
    returns: IRType | None
    docstring: str
    defaults: list[str]  # literal default source per parameter ("" when none)
    # Per parameter, then the return: the reason a written annotation was too vague
    # (bare `list`: only lists may fill the slot), "" for none or a precise one.
    vague: list[str]

    def require_complete(self) -> None:
        if None in self.types:
            k = self.types.index(None)
            raise UnsupportedProgram(self.vague[k] or "missing_annotation:param", self.names[k])
        if self.returns is None:
            raise UnsupportedProgram(self.vague[-1] or "missing_annotation:return", self.name)


# Annotations that say the kind but not the element type: inference may complete them.
_VAGUE = {"unsupported_type:bare_list": Kind.LIST}


def _annotation(src: str, allow_tuple: bool = False) -> tuple[IRType | None, str]:
    try:
        return parse_type(src, allow_tuple=allow_tuple), ""
    except UnsupportedProgram as exc:
        if exc.reason in _VAGUE:
            return None, exc.reason
        raise


def _partial_signature(node: tree_sitter.Node, name: str) -> _Partial:
    names: list[str] = []
    types: list[IRType | None] = []
    defaults: list[str] = []
    vague: list[str] = []
    for p in named_children(node.child_by_field_name("parameters")):
        if p.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            raise UnsupportedProgram("unsupported_parameter:varargs", text(p))
        # Comments and backslash continuations are named children of a parameter list too.
        if p.type in ("keyword_separator", "positional_separator", "comment",
                      "line_continuation"):
            continue
        if p.type in ("identifier", "default_parameter"):
            names.append(text(p if p.type == "identifier" else p.child_by_field_name("name")))
            types.append(None)
            value = p.child_by_field_name("value") if p.type == "default_parameter" else None
            defaults.append(text(value) if value is not None else "")
            vague.append("")
            continue
        pname_node = p.child_by_field_name("name") or named_children(p)[0]
        if pname_node.type in ("list_splat_pattern", "dictionary_splat_pattern"):
            raise UnsupportedProgram("unsupported_parameter:varargs", text(p))
        names.append(text(pname_node))
        t, why = _annotation(text(p.child_by_field_name("type")))
        types.append(t)
        vague.append(why)
        defaults.append("")
    ret = node.child_by_field_name("return_type")
    rt, why = _annotation(text(ret), allow_tuple=True) if ret is not None else (None, "")
    return _Partial(name, names, types, rt, _docstring(node.child_by_field_name("body")),
                    defaults, vague + [why])


def _complete(partial: _Partial, program: Program, infer: str, executor: str) -> Signature:
    """The full signature: annotations, then evidence, strongest first (ir/infer.py)."""
    types, returns = list(partial.types), partial.returns
    used: set[str] = set()
    n = len(types)
    default_examples = _default_examples(partial)
    for how, examples in (("doctest", lambda: docstring_examples(partial.docstring, partial.name)),
                          ("call_site", lambda: call_site_examples(program.text, partial.name)
                           + default_examples)):
        if None not in types and returns is not None:
            break
        found, found_ret = static_types(examples(), n)
        for k in range(n):
            if types[k] is None and _fits(found[k], partial.vague[k]):
                types[k] = found[k]
                used.add(how)
        if returns is None and _fits(found_ret, partial.vague[-1]) and None not in types:
            returns = found_ret
            used.add(how)
    if (None in types or returns is None) and infer == "probe":
        kinds = [_VAGUE.get(v) for v in partial.vague]
        probed = probe_types(program.text, partial.name, types, returns, executor=executor,
                             param_kinds=kinds[:-1], return_kind=kinds[-1])
        if probed is not None:
            types, returns = list(probed[0]), probed[1]
            used.add("probe")
    partial = _Partial(partial.name, partial.names, types, returns, partial.docstring,
                       partial.defaults, partial.vague)
    partial.require_complete()
    inferred = max(used, key=EVIDENCE_ORDER.index) if used else ""
    return Signature(partial.name, tuple(Param(nm, t) for nm, t in zip(partial.names, types)
                                         if t is not None), returns, partial.docstring, inferred)


def _fits(t: IRType | None, vague: str) -> bool:
    """Whether an inferred type may fill a slot whose annotation was `vague`."""
    return t is not None and (not vague or t.kind is _VAGUE[vague])


def _default_examples(partial: _Partial) -> list[Example]:
    """A literal default is evidence for its own parameter only: other slots stay unknown."""
    out: list[Example] = []
    for k, src in enumerate(partial.defaults):
        if not src:
            continue
        try:
            value = pyast.literal_eval(src)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if descriptor_type(describe_value(value)) is not None:
            out.append(Example(tuple(value if j == k else UNKNOWN for j in range(len(partial.names)))))
    return out


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
