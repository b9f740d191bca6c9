"""Line and branch coverage of a reference function under its vectors, and vector selection.

The sandboxed worker (reference_worker.py, `coverage=True`) reports, per input, the lines
that ran and the line-to-line arcs of the function's frame, and per run the executable
lines (from the bytecode, so the two agree). This module adds the branch points, found in
the source with `ast` (parsing only, nothing runs here): each `if`/`elif`, `while` and
`for` whose body starts on a later line than its test and does not start with `raise`. Its true outcome is an arc from a
test line to the body's first line; its false outcome an arc from a test line to any
other line outside the test (the else branch, the code after, or -1: leaving the
function). `raise` statement lines are left out of the executable lines by the caller
(`raise_lines`): only inputs that raise reach them, and those never become vectors. Conditional expressions, `and`/`or` and one-line bodies are not branch points
(as in coverage.py, which also cannot see inside a line).

Key contracts: pure functions; `branch_points` never raises (unparsable source, or no
function at `first_line`, gives no branch points). A fraction is None when nothing was
measured; with no branch points branch coverage is 1.0. `select_vectors` keeps every
unit (line or branch outcome) that the full set covers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable, Sequence
from tolk import pyast

__all__ = ["BranchPoint", "Trace", "CoverageReport", "branch_points", "raise_lines", "measure",
           "select_vectors"]


@dataclass(frozen=True, slots=True)
class BranchPoint:
    test_lines: tuple[int, ...]  # the lines of the condition (or the for header)
    true_line: int  # the first line of the body


@dataclass(frozen=True, slots=True)
class Trace:
    """What one input executed."""
    lines: frozenset[int]
    arcs: frozenset[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class CoverageReport:
    lines_hit: int
    lines_total: int
    branches_hit: int
    branches_total: int

    @property
    def line(self) -> float | None:
        return self.lines_hit / self.lines_total if self.lines_total else None

    @property
    def branch(self) -> float | None:
        if not self.lines_total:
            return None
        return self.branches_hit / self.branches_total if self.branches_total else 1.0


def _function_at(source: str, first_line: int) -> ast.AST | None:
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return next((n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and n.lineno == first_line), None)


def raise_lines(source: str, first_line: int) -> frozenset[int]:
    """Lines of the function's `raise` statements: an input that reaches one raises, and
    inputs that raise never become vectors, so no suite can cover them."""
    fn = _function_at(source, first_line)
    if fn is None:
        return frozenset()
    return frozenset(ln for n in ast.walk(fn) if isinstance(n, ast.Raise)
                     for ln in range(n.lineno, (n.end_lineno or n.lineno) + 1))


def branch_points(source: str, first_line: int) -> tuple[BranchPoint, ...]:
    """The branch points of the function whose `def` is on first_line."""
    fn = _function_at(source, first_line)
    if fn is None:
        return ()
    points: list[BranchPoint] = []
    for node in ast.walk(fn):
        if isinstance(node, (ast.If, ast.While)):
            head = (node.test.lineno, node.test.end_lineno or node.test.lineno)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            head = (node.lineno, node.iter.end_lineno or node.iter.lineno)
        else:
            continue
        if isinstance(node.body[0], ast.Raise):
            continue  # its true side only raises: no vector can take it (see raise_lines)
        if node.body[0].lineno > head[1]:
            points.append(BranchPoint(tuple(range(head[0], head[1] + 1)), node.body[0].lineno))
    return tuple(sorted(points, key=lambda p: p.test_lines))


def _units(trace: Trace, executable: frozenset[int],
           points: Sequence[BranchPoint]) -> set[tuple[str, int, int]]:
    """The coverage units one trace reaches: ("l", line, 0) and ("b", point, 0|1)."""
    units = {("l", ln, 0) for ln in trace.lines if ln in executable}
    for k, p in enumerate(points):
        for a, b in trace.arcs:
            if a in p.test_lines and b not in p.test_lines:
                units.add(("b", k, int(b == p.true_line)))
    return units


def measure(traces: Iterable[Trace], executable: Iterable[int],
            points: Sequence[BranchPoint]) -> CoverageReport:
    """Coverage reached by the union of traces."""
    exe = frozenset(executable)
    units: set[tuple[str, int, int]] = set()
    for t in traces:
        units |= _units(t, exe, points)
    return CoverageReport(sum(1 for u in units if u[0] == "l"), len(exe),
                          sum(1 for u in units if u[0] == "b"), 2 * len(points))


def select_vectors(traces: Sequence[Trace], executable: Iterable[int],
                   points: Sequence[BranchPoint], *, keep: Iterable[int] = (),
                   cap: int | None = None) -> list[int]:
    """Indices (sorted) of a subset with the full set's coverage: the `keep` indices, then a
    greedy cover, then the remaining indices in order until `cap` (a cap smaller than the
    cover is exceeded rather than lose coverage)."""
    exe = frozenset(executable)
    units = [_units(t, exe, points) for t in traces]
    chosen: list[int] = [i for i in dict.fromkeys(keep) if 0 <= i < len(traces)]
    covered: set[tuple[str, int, int]] = set().union(*(units[i] for i in chosen)) if chosen else set()
    remaining = set().union(*units) - covered if units else set()
    while remaining:
        best = max(range(len(traces)), key=lambda i: (len(units[i] & remaining), -i))
        chosen.append(best)
        covered |= units[best]
        remaining -= units[best]
    picked = set(chosen)
    for i in range(len(traces)):
        if cap is not None and len(picked) >= cap:
            break
        picked.add(i)
    return sorted(picked)
