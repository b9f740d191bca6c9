"""Wire format round-trips and type-aware comparison."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, list_of, parse_type, tuple_of
from tolk.validators.compare import values_equal
from tolk.validators.strategies import strategy_for
from tolk.validators.wire import decode_results, encode_value

TYPES = [INT, FLOAT, BOOL, STR, list_of(INT), list_of(FLOAT), list_of(BOOL), list_of(STR),
         list_of(list_of(INT)), list_of(list_of(FLOAT))]


def _echo(values: list, t: IRType) -> str:
    """What a correct harness prints for these results."""
    lines: list[str] = []
    for k, v in enumerate(values, 1):
        lines.append(f"@@ {k}")
        encode_value(v, t, lines)
        lines.append(f"@@end {k}")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TYPES).flatmap(lambda t: st.tuples(st.just(t), st.lists(strategy_for(t), max_size=4))))
def test_results_round_trip(case: tuple[IRType, list]) -> None:
    t, values = case
    decoded = decode_results(_echo(values, t), t, len(values))
    assert [d.complete for d in decoded] == [True] * len(values)
    assert [d.value for d in decoded] == values


def test_tuple_results_and_garbage_are_attributed() -> None:
    t = parse_type("tuple[int, str]", allow_tuple=True)
    out = "@@ 1\n7\n3\na b\n@@end 1\n@@ 2\nnot-a-number\n@@end 2\n@@ 3\n5\n"
    d = decode_results(out, t, 3)
    assert d[0].value == (7, "a b")
    assert d[1].complete and d[1].error.startswith("garbled")
    assert not d[2].complete


def test_string_lengths_keep_trailing_spaces_and_empties() -> None:
    values = ["", "a  ", "  "]
    assert [d.value for d in decode_results(_echo(values, STR), STR, 3)] == values


def test_compare_is_type_aware() -> None:
    assert values_equal(0.1 + 0.2, 0.3, FLOAT)
    assert not values_equal(0.3001, 0.3, FLOAT)
    assert values_equal(math.nan, math.nan, FLOAT)
    assert not values_equal(math.inf, -math.inf, FLOAT)
    assert not values_equal(True, 1, INT)
    assert not values_equal(1, True, BOOL)
    assert not values_equal([1, 2], [1, 2, 3], list_of(INT))
    assert values_equal((1, "x"), (1, "x"), tuple_of(INT, STR))
    assert not values_equal((1, "x "), (1, "x"), tuple_of(INT, STR))


def test_float_floor_scales_with_the_data() -> None:
    from tolk.validators.compare import input_scale
    # Flushed to zero or scaled by 1000 fails at every magnitude.
    for e in (5e-295, 3e-200, 1e-20, 1e-13, 0.5, 7e150, 1e300):
        scale = input_scale([e * 2.0], [FLOAT])
        assert values_equal(e * (1 + 1e-12), e, FLOAT, scale=scale)
        assert not values_equal(0.0, e, FLOAT, scale=scale), e
        assert not values_equal(e * 1000, e, FLOAT, scale=scale), e
        assert not values_equal(e / 1000, e, FLOAT, scale=scale), e
    # A sum whose terms cancel, summed in another order, is compared at the terms' scale.
    terms = [0.1, 0.2, -0.3]
    scale = input_scale([terms], [list_of(FLOAT)])
    assert values_equal(0.0, sum(terms), FLOAT, scale=scale)
    assert values_equal(sum(reversed(terms)), sum(terms), FLOAT, scale=scale)
    assert not values_equal(1e-3, sum(terms), FLOAT, scale=scale)
    # Signed zeros are equal; without float inputs the comparison is relative.
    assert values_equal(-0.0, 0.0, FLOAT)
    assert not values_equal(1e-300, 0.0, FLOAT)


def test_int_inputs_set_a_unit_floor_but_never_a_large_one() -> None:
    from tolk.validators.compare import input_scale
    # colorsys.rgb_to_yiq(1, 1, 1): Python's 5.2e-17 is rounding noise; exact arithmetic
    # (COBOL's decimals) gives 0, a correct translation.
    assert values_equal(0.0, 5.2e-17, FLOAT, scale=input_scale([1, 1, 1], [INT, INT, INT]))
    # a huge int input does not excuse a wrong float result
    assert not values_equal(0.0, 0.14, FLOAT, scale=input_scale([2**62], [INT]))
    # zero ints and bools give no floor: a tiny result flushed to 0 still fails
    assert not values_equal(0.0, 5e-295, FLOAT, scale=input_scale([0, True], [INT, BOOL]))
