"""Package layering, module size and language names, read from the source with `ast`.

Layers, lowest first: `tolk` (lang, errors, outcome) < `ir` < `toolchains` < `validators`
< `translators` < `corpus` < `flows`. A package may import any package below it; an import
of a package above it (function-level and TYPE_CHECKING imports included: they are
dependencies too) is an upward edge. Today's upward edges are listed below, per file, each
with why it exists; the list may only shrink: a new upward import fails, and so does an
entry whose import is gone (delete it). With the listed edges removed the package graph
must be acyclic, so no new cycle between top-level packages can appear.

No module is over MAX_LINES lines, except today's offenders below, each capped at its
current length (a module that shrinks under the limit must leave the list).

Engines name no target: outside `toolchains/<lang>/`, no code (docstrings and comments
aside) spells a language as a string (`"cuda"`), a `Lang` member (`Lang.CUDA`) or an
import of a language folder, except where listed in NAMES_A_LANGUAGE (may only shrink).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("tolk", "ir", "toolchains", "validators", "translators", "corpus", "flows")
MAX_LINES = 500

#: (importing file, imported package) -> why the upward import exists
UPWARD: dict[tuple[str, str], str] = {
    ("ir/infer.py", "validators"): "probe inference runs candidate inputs through the "
                                   "sandboxed reference (lazy import)",
    ("toolchains/base.py", "validators"): "type-only: the protocol names ValidationLimits "
                                          "and Verdict (issue 18: move them below both)",
    ("toolchains/container_build.py", "validators"): "the container engine's argv "
                                                     "(lazy import)",
    ("toolchains/julia/batch.py", "validators"): "Julia's runner batch re-uses the "
                                                 "validation engine (issue 18: one engine)",
    ("toolchains/julia/install.py", "validators"): "probes a julia install inside the "
                                                   "sandbox (lazy import)",
    ("toolchains/julia/toolchain.py", "validators"): "type-only: validate_batch's "
                                                     "ValidationLimits and Verdict",
    ("translators/llm.py", "flows"): "type-only: BuildConfig (issue 18: translators take "
                                     "their own config)",
    ("translators/llm_translator.py", "flows"): "BuildConfig and the LLM concurrency slot "
                                                "(issue 18: passed in, not imported)",
}

#: module -> its length today (a ceiling)
OVERSIZE: dict[str, int] = {
    "ir/parallel.py": 594,
    "toolchains/fortran/lowering.py": 513,
    "toolchains/fortran/lowering_exprs.py": 743,
    "toolchains/julia/lowering_exprs.py": 552,
    "toolchains/cobol/lowering_exprs.py": 611,
}


#: engine module -> (how many names it may hold at most, why it names a language)
NAMES_A_LANGUAGE: dict[str, tuple[int, str]] = {
    "tolk/lang.py": (5, "defines `Lang` and the default target"),
    "toolchains/registry.py": (8, "the one explicit registry imports each language folder"),
}


def _sources() -> list[Path]:
    return sorted(p for pkg in LAYERS for p in (ROOT / pkg).rglob("*.py")
                  if "__pycache__" not in p.parts)


def _package(module: str) -> str | None:
    """The top-level package of an absolute `tolk...` module name (None: not ours)."""
    parts = module.split(".")
    if parts[0] != "tolk":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS[1:] else "tolk"


def _imports(path: Path) -> set[str]:
    """Top-level packages this file imports (relative imports stay in the package)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        out.update(p for n in names if (p := _package(n)) is not None)
    return out


def _edges() -> dict[tuple[str, str], str]:
    """(importing file, imported package) for every cross-package import."""
    edges: dict[tuple[str, str], str] = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        own = rel.split("/")[0]
        for pkg in _imports(path) - {own}:
            edges[(rel, pkg)] = own
    return edges


def test_the_graph_reader_sees_known_imports() -> None:
    # Guards the reader itself: a parse that found nothing would pass everything below.
    edges = _edges()
    assert ("corpus/normalize.py", "toolchains") in edges
    assert ("validators/validate.py", "toolchains") in edges
    assert ("flows/cli.py", "tolk") in edges
    assert _package("tolk.lang") == "tolk" and _package("tolk.toolchains.cuda.text") == "toolchains"
    assert _package("polars") is None


def test_no_new_upward_import() -> None:
    rank = {pkg: i for i, pkg in enumerate(LAYERS)}
    upward = {(f, pkg) for (f, pkg), own in _edges().items() if rank[pkg] > rank[own]}
    assert upward - UPWARD.keys() == set(), "imports a higher layer (see module docstring)"
    assert UPWARD.keys() - upward == set(), "listed upward imports that are gone: delete them"


def test_packages_form_no_cycle_without_the_listed_edges() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for (f, pkg), own in _edges().items():
        if (f, pkg) not in UPWARD:
            graph[own].add(pkg)
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(pkg: str, path: list[str]) -> None:
        state[pkg] = 1
        for nxt in sorted(graph[pkg]):
            assert state.get(nxt) != 1, f"import cycle: {' -> '.join(path + [pkg, nxt])}"
            if nxt not in state:
                visit(nxt, path + [pkg])
        state[pkg] = 2

    for pkg in LAYERS:
        if pkg not in state:
            visit(pkg, [])


def test_no_module_over_the_size_limit() -> None:
    lengths = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
               for p in _sources()}
    over = {f: n for f, n in lengths.items() if n > MAX_LINES}
    assert {f: n for f, n in over.items() if f not in OVERSIZE} == {}, \
        f"modules over {MAX_LINES} lines: split them"
    grown = {f: (lengths[f], cap) for f, cap in OVERSIZE.items() if lengths.get(f, 0) > cap}
    assert grown == {}, "an allow-listed module grew: split it instead"
    shrunk = [f for f in OVERSIZE if lengths.get(f, 0) <= MAX_LINES]
    assert shrunk == [], "now within the limit (or gone): delete from OVERSIZE"


def _names_a_language(path: Path) -> list[str]:
    """What in path's code names a registered target (string, Lang member, folder import)."""
    from tolk.lang import Lang  # the values to look for; importing it is cheap

    values, members = {str(x) for x in Lang}, {x.name for x in Lang}
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and node.value.lower() in values:
            found.append(f"{node.lineno}: {node.value!r}")
        elif isinstance(node, ast.Attribute) and node.attr in members \
                and isinstance(node.value, ast.Name) and node.value.id == "Lang":
            found.append(f"{node.lineno}: Lang.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module and any(
                node.module.startswith(f"tolk.toolchains.{v}") for v in values):
            found.append(f"{node.lineno}: from {node.module}")
    return found


def test_engines_name_no_target_language_in_code() -> None:
    from tolk.lang import Lang

    folders = {str(x) for x in Lang}
    found = {}
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("toolchains/") and rel.split("/")[1] in folders:
            continue  # a language's own folder
        if hits := _names_a_language(path):
            found[rel] = hits
    assert {f: h for f, h in found.items() if f not in NAMES_A_LANGUAGE} == {}, \
        "ask the toolchain (toolchains/base.py) instead of naming a language"
    assert NAMES_A_LANGUAGE.keys() - found.keys() == set(), \
        "listed modules no longer name a language: delete them from NAMES_A_LANGUAGE"
    grown = {f: h for f, h in found.items()
             if f in NAMES_A_LANGUAGE and len(h) > NAMES_A_LANGUAGE[f][0]}
    assert grown == {}, "a listed module names more languages than before"
