"""Exceptions in the reference's two runs compare by type and a normalised message, so a
RecursionError whose text says where the limit hit, or a message holding an object
address, no longer makes a function `reference:nondeterministic` (issue 15, point 4)."""

from __future__ import annotations

from tests.test_testgen import make
from tolk.ir.types import INT
from tolk.ir.vectors import TestSuite
from tolk.validators.reference import InputOutcome, OutcomeKind, error_key, same_outcome
from tolk.validators.testgen import NONDETERMINISTIC, build_test_suite


def err(detail: str) -> InputOutcome:
    return InputOutcome(OutcomeKind.ERROR, detail=detail, raw=f'{{"error": "{detail}"}}')


def test_recursion_errors_compare_by_type() -> None:
    a = err("RecursionError: maximum recursion depth exceeded while calling a Python object")
    b = err("RecursionError: maximum recursion depth exceeded in comparison")
    assert same_outcome(a, b)
    assert not same_outcome(a, err("ValueError: maximum recursion depth exceeded"))


def test_addresses_are_masked_but_stable_messages_still_count() -> None:
    a = err("ValueError: <m.Box object at 0x7f68643755d0>")
    b = err("ValueError: <m.Box object at 0x7faf002bdd90>")
    assert same_outcome(a, b)
    assert error_key(a.detail) == ("ValueError", "<m.Box object at 0x?>")
    assert not same_outcome(err("KeyError: 'a'"), err("KeyError: 'b'"))
    ok = InputOutcome(OutcomeKind.OK, 1, raw='{"ok": 1}')
    assert not same_outcome(ok, err("KeyError: 'a'"))
    assert same_outcome(ok, InputOutcome(OutcomeKind.OK, 1, raw='{"ok": 1}'))
    assert not same_outcome(ok, InputOutcome(OutcomeKind.OK, 2, raw='{"ok": 2}'))


# The first reference run is traced (coverage), the second is not: the recursion limit is
# hit at another place, and the message names it ("in comparison" vs "while calling").
RECURSES = '''
def f(n: int) -> int:
    def down(k):
        return down(k + 1) if k == k else 0
    if n % 4 == 0:
        return down(0)
    return n
'''

ADDRESS = '''
class Box:
    pass


def f(n: int) -> int:
    if n % 4 == 0:
        raise ValueError(repr(Box()))
    return n * 2
'''


def test_a_function_that_sometimes_recurses_too_deep_gets_a_suite() -> None:
    out = build_test_suite(make(RECURSES, "f", [("n", INT)], INT), n_inputs=20)
    assert isinstance(out, TestSuite), out
    assert any(note.startswith("dropped:raised:") for note in out.notes), out.notes


def test_an_address_in_an_exception_message_is_not_nondeterminism() -> None:
    out = build_test_suite(make(ADDRESS, "f", [("n", INT)], INT), n_inputs=20)
    assert isinstance(out, TestSuite), out


def test_hash_dependent_results_are_still_nondeterministic() -> None:
    src = "def h(x: int) -> int:\n    return (hash('abc') + x) % 1000003\n"
    out = build_test_suite(make(src, "h", [("x", INT)], INT), n_inputs=10)
    assert getattr(out, "reason", None) == NONDETERMINISTIC, out
