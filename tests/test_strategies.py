"""Strategies from IR types: values fit their types and the domain; inputs are reproducible."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tolk.ir.function import Param, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, list_of, tuple_of
from tolk.validators.strategies import (
    DEFAULT_DOMAIN, ValueDomain, edge_cases, generate_inputs, strategy_for)

TYPES = [INT, FLOAT, BOOL, STR, list_of(INT), list_of(FLOAT), list_of(BOOL), list_of(STR),
         list_of(list_of(INT)), list_of(list_of(FLOAT)), list_of(list_of(BOOL))]
SMALL = ValueDomain(int_min=3, int_max=9, float_min=-0.5, float_max=0.25, max_list_len=2,
                    max_str_len=3, max_rows=2, max_cols=3, alphabet="xyz")


def conforms(v: Any, t: IRType, d: ValueDomain) -> bool:
    match t.kind:
        case Kind.INT:
            return type(v) is int and d.int_min <= v <= d.int_max
        case Kind.FLOAT:
            return (type(v) is float and math.isfinite(v) and d.float_min <= v <= d.float_max
                    and (v == 0.0 or abs(v) >= sys.float_info.min))  # no subnormals
        case Kind.BOOL:
            return type(v) is bool
        case Kind.STR:
            return type(v) is str and len(v) <= d.max_str_len and set(v) <= set(d.alphabet)
        case Kind.LIST if t.rank == 2:
            if type(v) is not list or len(v) > d.max_rows:
                return False
            cols = {len(r) for r in v}
            return (len(cols) <= 1 and all(c <= d.max_cols for c in cols)
                    and all(type(r) is list and all(conforms(x, t.scalar, d) for x in r) for r in v))
        case Kind.LIST:
            return type(v) is list and len(v) <= d.max_list_len and all(conforms(x, t.elem, d) for x in v)
        case Kind.TUPLE:
            return type(v) is tuple and all(conforms(x, a, d) for x, a in zip(v, t.args, strict=True))
    return False


def sig(*types: IRType) -> Signature:
    return Signature("f", tuple(Param(f"p{i}", t) for i, t in enumerate(types)), INT)


@pytest.mark.parametrize("domain", [DEFAULT_DOMAIN, SMALL], ids=["default", "small"])
@pytest.mark.parametrize("t", TYPES, ids=str)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_strategy_values_fit_type_and_domain(t: IRType, domain: ValueDomain, data: st.DataObject) -> None:
    assert conforms(data.draw(strategy_for(t, domain)), t, domain)


def test_default_domain_matches_the_spec() -> None:
    d = DEFAULT_DOMAIN
    assert (d.int_min, d.int_max, d.float_min, d.float_max) == (-1000, 1000, -1000.0, 1000.0)
    assert (d.max_list_len, d.max_str_len, d.max_rows, d.max_cols) == (8, 12, 5, 5)
    assert not set(d.alphabet) & set("\n\r\t") and all(32 <= ord(c) < 127 for c in d.alphabet)


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_tuple_strategy(data: st.DataObject) -> None:
    t = tuple_of(INT, FLOAT, STR)
    assert conforms(data.draw(strategy_for(t)), t, DEFAULT_DOMAIN)


def test_zero_row_matrix_is_empty_list() -> None:
    d = ValueDomain(max_rows=0)
    assert generate_inputs(sig(list_of(list_of(INT))), 5, domain=d) == [([],)]


@pytest.mark.parametrize("domain", [DEFAULT_DOMAIN, SMALL], ids=["default", "small"])
def test_edge_cases_fit_and_start_with_zeros(domain: ValueDomain) -> None:
    s = sig(*TYPES)
    cases = edge_cases(s, domain)
    assert len(cases) >= 3
    for args in cases:
        assert all(conforms(a, p.type, domain) for a, p in zip(args, s.params, strict=True))
    if domain is DEFAULT_DOMAIN:
        assert cases[0] == (0, 0.0, False, "", [], [], [], [], [], [], [])
        assert any(a[0] < 0 and a[1] < 0 for a in cases)  # small negatives
        assert any(len(a[4]) == 1 for a in cases)  # one-element lists


def test_generate_inputs_is_deterministic_per_seed_and_varies_across_seeds() -> None:
    s = sig(INT, list_of(FLOAT), STR, list_of(list_of(INT)))
    a, b, c = generate_inputs(s, 40, seed=7), generate_inputs(s, 40, seed=7), generate_inputs(s, 40, seed=8)
    assert a == b and repr(a) == repr(b)
    assert a != c
    assert a[: len(edge_cases(s))] == edge_cases(s)  # edge cases first


def test_generate_inputs_is_deterministic_across_processes() -> None:
    code = ("from tolk.validators.strategies import generate_inputs\n"
            "from tolk.ir.function import Signature, Param\n"
            "from tolk.ir.types import INT, STR, list_of\n"
            "s = Signature('f', (Param('a', INT), Param('b', list_of(STR))), INT)\n"
            "print(repr(generate_inputs(s, 30, seed=3)))\n")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    s = Signature("f", (Param("a", INT), Param("b", list_of(STR))), INT)
    assert outs == {repr(generate_inputs(s, 30, seed=3)) + "\n"}


@pytest.mark.parametrize("types", [(INT,), (FLOAT, STR), (list_of(list_of(FLOAT)), BOOL)], ids=str)
def test_generate_inputs_distinct_typed_and_n(types: tuple[IRType, ...]) -> None:
    s = sig(*types)
    out = generate_inputs(s, 50, seed=1)
    assert len(out) == 50 and len({repr(a) for a in out}) == 50
    for args in out:
        assert all(conforms(a, p.type, DEFAULT_DOMAIN) for a, p in zip(args, s.params, strict=True))


def test_small_spaces_and_nullary_functions() -> None:
    assert sorted(generate_inputs(sig(BOOL), 10)) == [(False,), (True,)]
    assert generate_inputs(sig(), 10) == [()]
    assert len(generate_inputs(sig(INT), 2)) == 2
