"""Test inputs from IR types: hypothesis strategies, hand-picked edge cases, and the mix.

Key contracts: every value drawn fits its IR type and the `ValueDomain` (ints and floats
in range, floats finite and normal, strings from the alphabet, lists and matrices within
size; a matrix is rectangular and a 0-row matrix is `[]`). `generate_inputs` is
deterministic for a given (parameter types, n, seed, domain): edge cases first, then
hypothesis draws, deduplicated by repr. Hypothesis runs with no database, generation
only (no shrinking), so nothing is written to disk and no example is ever "failing".

Determinism needs one intervention: Hypothesis (≥ 6.131) mixes literals harvested from
every imported non-site-packages module into its draws, so one seed would give different
inputs in a CLI run, a Prefect worker and a test session. `generate_inputs` hides that
pool while it draws (`_without_local_constants`, serialised by a lock).
"""

from __future__ import annotations

import string
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed as hyp_seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisDeprecationWarning
from hypothesis.strategies import SearchStrategy

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.forksafe import ForkSafeLock

# Inputs are drawn while other threads (validations, Prefect) use the global `random`;
# Hypothesis then suspects our strategies of using it. They do not: silence that check.
warnings.filterwarnings("ignore", message="Do not use the `random` module inside strategies",
                        category=HypothesisDeprecationWarning)

__all__ = ["ValueDomain", "DEFAULT_DOMAIN", "strategy_for", "edge_cases", "generate_inputs"]

# Printable ASCII without tab/newline/CR: survives every target's line-oriented I/O.
_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " "


@dataclass(frozen=True, slots=True)
class ValueDomain:
    int_min: int = -1000
    int_max: int = 1000
    float_min: float = -1000.0
    float_max: float = 1000.0
    max_list_len: int = 8
    max_str_len: int = 12
    max_rows: int = 5
    max_cols: int = 5
    alphabet: str = _ALPHABET


DEFAULT_DOMAIN = ValueDomain()


def strategy_for(t: IRType, domain: ValueDomain = DEFAULT_DOMAIN) -> SearchStrategy[Any]:
    """A hypothesis strategy drawing values of IR type t inside domain."""
    d = domain
    match t.kind:
        case Kind.INT:
            return st.integers(d.int_min, d.int_max)
        case Kind.FLOAT:
            return st.floats(d.float_min, d.float_max, allow_nan=False, allow_infinity=False,
                             allow_subnormal=False)
        case Kind.BOOL:
            return st.booleans()
        case Kind.STR:
            return st.text(alphabet=d.alphabet, min_size=0, max_size=d.max_str_len)
        case Kind.LIST if t.rank == 2:
            elem = strategy_for(t.scalar, d)
            return st.tuples(st.integers(0, d.max_rows), st.integers(0, d.max_cols)).flatmap(
                lambda rc: _matrix(elem, *rc))
        case Kind.LIST:
            return st.lists(strategy_for(t.elem, d), max_size=d.max_list_len)
        case Kind.TUPLE:
            return st.tuples(*(strategy_for(a, d) for a in t.args))
    raise ValueError(f"no strategy for {t}")


def _matrix(elem: SearchStrategy[Any], rows: int, cols: int) -> SearchStrategy[list[list[Any]]]:
    if rows == 0:
        return st.just([])
    row = st.lists(elem, min_size=cols, max_size=cols)
    return st.lists(row, min_size=rows, max_size=rows)


# Edge variants; each value is clamped into the domain, list elements vary by position.
_VARIANTS: tuple[tuple[int, float, bool, str, int], ...] = (
    # int, float, bool, str, list length
    (0, 0.0, False, "", 0),
    (1, 1.0, True, "a", 1),
    (-1, -1.5, True, "Ab 9!", 2),
    (-7, -0.25, False, "zz", 3),
)


def _edge_value(t: IRType, v: int, d: ValueDomain) -> Any:
    i, f, b, s, n = _VARIANTS[v]
    match t.kind:
        case Kind.INT:
            return min(max(i, d.int_min), d.int_max)
        case Kind.FLOAT:
            return min(max(f, d.float_min), d.float_max)
        case Kind.BOOL:
            return b
        case Kind.STR:
            return "".join(c for c in s if c in d.alphabet)[: d.max_str_len]
        case Kind.LIST if t.rank == 2:
            rows, cols = min(n, d.max_rows), min(n, d.max_cols)
            if rows == 0:
                return []
            return [[_scalar_cell(t.scalar, v, r, c, d) for c in range(cols)] for r in range(rows)]
        case Kind.LIST:
            return [_scalar_cell(t.elem, v, k, 0, d) for k in range(min(n, d.max_list_len))]
        case Kind.TUPLE:
            return tuple(_edge_value(a, v, d) for a in t.args)
    raise ValueError(f"no edge value for {t}")


def _scalar_cell(t: IRType, v: int, r: int, c: int, d: ValueDomain) -> Any:
    """Element (r, c) of an edge list: vary the cells so order-sensitive code is exercised."""
    base = _edge_value(t, v, d)
    step = (r * 3 + c) * (-1 if (r + c) % 2 else 1)
    match t.kind:
        case Kind.INT:
            return min(max(base + step, d.int_min), d.int_max)
        case Kind.FLOAT:
            return min(max(base + step * 0.5, d.float_min), d.float_max)
        case Kind.BOOL:
            return bool((r + c + v) % 2)
        case _:
            return base[: max(0, len(base) - r)] if isinstance(base, str) else base


def edge_cases(sig: Signature, domain: ValueDomain = DEFAULT_DOMAIN) -> list[tuple[Any, ...]]:
    """A few hand-picked argument tuples: zeros and empties, ones, small negatives, ...

    The all-zero tuple comes first; duplicates (e.g. for bool-only signatures) are removed.
    """
    out: list[tuple[Any, ...]] = []
    keys: set[str] = set()
    for v in range(len(_VARIANTS)):
        args = tuple(_edge_value(p.type, v, domain) for p in sig.params)
        if repr(args) not in keys:
            keys.add(repr(args))
            out.append(args)
    return out


def generate_inputs(sig: Signature, n: int, seed: int = 0,
                    domain: ValueDomain = DEFAULT_DOMAIN) -> list[tuple[Any, ...]]:
    """Up to n distinct argument tuples: edge cases first, then hypothesis draws. A draw
    depends on the parameters' types, not the function: it is cached on disk by exactly
    what it depends on (validators/input_cache.py), so one shape is drawn once."""
    from tolk.validators.input_cache import cached
    key = (tuple(repr(p.type) for p in sig.params), n, seed, repr(domain))
    return cached(key, lambda: _draw_inputs(sig, n, seed, domain))


def _draw_inputs(sig: Signature, n: int, seed: int, domain: ValueDomain) -> list[tuple[Any, ...]]:
    out = edge_cases(sig, domain)[:n]
    keys = {repr(a) for a in out}
    if len(out) >= n:
        return out
    if not sig.params:
        return out  # a nullary function has exactly one input, already present
    args_strategy = st.tuples(*(strategy_for(p.type, domain) for p in sig.params))

    @hyp_seed(seed)
    @settings(database=None, max_examples=max(10, 4 * n), derandomize=False, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck),
              print_blob=False, report_multiple_bugs=False)
    @given(args_strategy)
    def collect(args: tuple[Any, ...]) -> None:
        key = repr(args)
        if len(out) < n and key not in keys:
            keys.add(key)
            out.append(args)

    with _without_local_constants():
        collect()
    return out


_LOCAL_CONSTANTS_LOCK = ForkSafeLock()  # test generation runs in forked workers


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Draw as if no local module were imported (see the module docstring)."""
    try:
        from hypothesis.internal.conjecture import providers as hp
        original, cache, empty = hp._get_local_constants, hp.CONSTANTS_CACHE.cache, hp.Constants
    except (ImportError, AttributeError):  # a Hypothesis without the feature, or renamed
        yield
        return
    with _LOCAL_CONSTANTS_LOCK:
        hp._get_local_constants = lambda: empty()
        cache.clear()  # entries computed with the local pool
        try:
            yield
        finally:
            hp._get_local_constants = original
            cache.clear()  # entries computed without it
