"""Mutation operators: each makes the expected source change, mutants parse, order is seeded."""

from __future__ import annotations

import ast
import subprocess
import sys

from tolk.validators.mutate import Mutant, MutantKind, all_mutants, sample_mutants

SRC = '''
def f(xs: list[int], k: int) -> int:
    """Docstring stays put: 1 + 2 < 3."""
    total = 0
    for i in range(1, len(xs)):
        if xs[i] < k and xs[i] != 0:
            total += xs[i] * 2
        total = total - 1
    return total // 3
'''


def _by(kind: MutantKind, ms: list[Mutant] | None = None) -> list[Mutant]:
    return [m for m in (ms if ms is not None else all_mutants(SRC)) if m.kind is kind]


def _body(m: Mutant) -> str:
    """The mutant without its docstring, to compare against expected code lines."""
    fn = ast.parse(m.source).body[0]
    return ast.unparse(ast.Module(body=fn.body[1:], type_ignores=[]))


def _has(ms: list[Mutant], line: str) -> bool:
    return any(line in _body(m) for m in ms)


def test_binop_swaps_including_augmented_assignment() -> None:
    ms = _by(MutantKind.BINOP)
    assert _has(ms, "total -= xs[i] * 2")
    assert _has(ms, "total += xs[i] + 2")
    assert _has(ms, "total = total + 1")
    assert _has(ms, "return total * 3")


def test_compare_swaps_each_operator() -> None:
    ms = _by(MutantKind.COMPARE)
    assert _has(ms, "if xs[i] <= k and xs[i] != 0:")
    assert _has(ms, "if xs[i] < k and xs[i] == 0:")
    assert len(ms) == 2


def test_boolop_swap() -> None:
    ms = _by(MutantKind.BOOLOP)
    assert [_has([m], "if xs[i] < k or xs[i] != 0:") for m in ms] == [True]


def test_constants_move_by_one_both_ways() -> None:
    ms = _by(MutantKind.CONSTANT)
    for line in ("total = 1", "total = -1", "total += xs[i] * 3", "return total // 4",
                 "return total // 2", "total = total - 0"):
        assert _has(ms, line), line
    src = "def g(b: bool) -> bool:\n    return b and True\n"
    assert [m.source.splitlines()[1].strip() for m in all_mutants(src)
            if m.kind is MutantKind.CONSTANT] == ["return b and False"]


def test_range_bounds_are_shifted() -> None:
    ms = _by(MutantKind.RANGE_BOUND)
    assert _has(ms, "for i in range(1, len(xs) + 1):")
    assert _has(ms, "for i in range(1, len(xs) - 1):")
    assert _has(ms, "for i in range(1 + 1, len(xs)):")
    one = all_mutants("def g(n: int) -> int:\n    t = 0\n    for i in range(n):\n"
                      "        t += i\n    return t\n")
    assert _has(_by(MutantKind.RANGE_BOUND, one), "for i in range(n + 1):")


def test_dropped_statements_only_from_multi_statement_blocks() -> None:
    ms = _by(MutantKind.DROP_STMT)
    bodies = [_body(m) for m in ms]
    assert any("total = 0" not in b for b in bodies)
    assert any("total = total - 1" not in b for b in bodies)
    assert any("return" not in b for b in bodies)
    # The if body holds one statement: whenever the if survives, so does its body.
    assert all("total += xs[i] * 2" in b for b in bodies if "if xs[i]" in b)
    assert all('"""Docstring' in m.source for m in ms)
    # function body (3 statements after the docstring) + loop body (2) = 5 drop sites
    assert len(ms) == 5


def test_if_negation() -> None:
    ms = _by(MutantKind.NEGATE_IF)
    assert _has(ms, "if not (xs[i] < k and xs[i] != 0):")


def test_docstring_is_never_mutated() -> None:
    assert all('"""Docstring stays put: 1 + 2 < 3."""' in m.source for m in all_mutants(SRC))


def test_every_mutant_is_valid_python_and_differs() -> None:
    ms = all_mutants(SRC)
    original = ast.unparse(ast.parse(SRC.strip()))
    assert len(ms) > 20
    for m in ms:
        tree = ast.parse(m.source)
        assert isinstance(tree.body[0], ast.FunctionDef) and tree.body[0].name == "f"
        assert m.source.strip() != original, m.description
        compile(m.source, "<mutant>", "exec")


def test_mutants_change_behaviour_as_described() -> None:
    src = "def g(a: int, b: int) -> int:\n    return a - b\n"
    (m,) = [m for m in all_mutants(src) if m.kind is MutantKind.BINOP]
    ns: dict = {}
    exec(m.source, ns)
    assert ns["g"](5, 3) == 8
    assert m.description == "line 2: '-' -> '+'"


def test_picks_the_named_function() -> None:
    src = SRC + "\ndef h(n: int) -> int:\n    return n < 3\n"
    ms = all_mutants(src, "h")
    assert ms and all(m.function == "h" and "def f" not in m.source for m in ms)
    assert all_mutants(src, "missing") == []


def test_sample_is_seeded_and_alternates_kinds() -> None:
    ms = all_mutants(SRC)
    a, b = sample_mutants(ms, 7), sample_mutants(ms, 7)
    assert a == b
    assert sorted(a, key=lambda m: m.source) == sorted(ms, key=lambda m: m.source)
    assert sample_mutants(ms, 8) != a
    kinds = {m.kind for m in ms}
    assert {m.kind for m in a[:len(kinds)]} == kinds


def test_sample_does_not_depend_on_hash_seed() -> None:
    code = ("from tolk.validators.mutate import all_mutants, sample_mutants\n"
            f"print([m.description for m in sample_mutants(all_mutants({SRC!r}), 3)])\n")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={"PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")}
    assert len(outs) == 1
