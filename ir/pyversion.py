"""Does this source need a newer Python than the one that runs its reference?

tree-sitter-python follows the newest grammar, while the reference sandbox runs the
interpreter tolk runs on (3.11 here). A file that tree-sitter parses but this Python's
parser refuses would fail in the sandbox as `definition_failed`, with no word about why.
`version_problem` parses the text with CPython's own parser and, on a SyntaxError, names
the construct and the release that introduced it when it can recognise one:

    class Q[T]: / def f[T](...) / type X = ...   3.12 (PEP 695 type parameters, aliases)
    f"{x["k"]}", f"{'\\n'.join(xs)}"              3.12 (PEP 701 f-string grammar)
    except A, B:                                 3.14 (PEP 758 unparenthesised except)

giving the reason `python_version:<release>`; any other refusal is `syntax_error` with
CPython's message (`nesting:too_deep` when its parser runs out of recursion depth). Key contract: never raises; None when this Python compiles the text.
"""

from __future__ import annotations

import sys

import tree_sitter

from tolk import pyast
from tolk.ir.syntax import walk

__all__ = ["version_problem", "RUNNING"]

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def _constructs(root: tree_sitter.Node) -> list[tuple[tuple[int, int], str, int]]:
    """(release, what, line) for each newer-Python construct the tree holds."""
    found = []
    for n in walk(root):
        line = n.start_point[0] + 1
        if n.type in ("function_definition", "class_definition") and \
                n.child_by_field_name("type_parameters") is not None:
            found.append(((3, 12), f"type parameters on {n.type.split('_')[0]} (PEP 695)", line))
        elif n.type == "type_alias_statement":
            found.append(((3, 12), "type alias statement (PEP 695)", line))
        elif n.type == "except_clause" and len(n.children_by_field_name("value")) > 1:
            found.append(((3, 14), "unparenthesised exception types (PEP 758)", line))
    return found


def version_problem(source: str, root: tree_sitter.Node) -> tuple[str, str] | None:
    """(reason, detail) when this Python cannot compile source, else None."""
    try:
        pyast.parse(source)
        return None
    except SyntaxError as exc:
        error = f"line {exc.lineno}: {exc.msg}"
        found = _constructs(root)
        if exc.msg.startswith("f-string"):
            found.append(((3, 12), "f-string nesting (PEP 701)", exc.lineno or 0))
    except (RecursionError, MemoryError) as exc:  # the same name the body builder gives
        return "nesting:too_deep", f"CPython {RUNNING}'s parser: {type(exc).__name__}: {exc}"
    except ValueError as exc:  # null bytes
        return "syntax_error", f"CPython {RUNNING}: {exc}"[:300]
    newer = [c for c in found if c[0] > sys.version_info[:2]]
    if not newer:
        return "syntax_error", f"CPython {RUNNING}: {error}"[:300]
    release, what, line = max(newer, key=lambda c: c[0])
    version = f"{release[0]}.{release[1]}"
    return (f"python_version:{version}",
            f"line {line}: {what} needs Python {version}; the reference runs {RUNNING} "
            f"(CPython: {error})"[:300])
