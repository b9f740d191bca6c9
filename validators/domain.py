"""The contract domain, drawn on purpose: boundary rounds and a large seeded input budget.

Hypothesis draws small values (ints within ±1000, strings of 12, lists of 8) and costs a
lot per example (issue 22). The wrong translations that survive such suites are wrong
exactly where those draws never go: ints past 2^31 (a 32-bit accumulator), past 10^4 (a
COBOL picture too narrow), long strings and lists (a loop capped at k), neighbouring
values (`a != b` relaxed to `abs(a - b) > 1`), a parameter at 0. This module draws those
places with a plain seeded `random.Random`, from the IR types:

- `contract_inputs(sig, seed, langs)`: the rounds every suite includes: each parameter
  over its boundary values (ints near 0, ±2^31, ±2^53, ±2^62, ±(2^63-1) and neighbours;
  floats from 1e-300 to 1e300 with signed zeros; strings and lists empty, of one, and
  at the tightest target limit of `langs` (each toolchain's `value_limits`); lists with
  equal, adjacent and extreme neighbours), the other parameters at a base value, then
  pairwise combinations of the boundary values.
- `domain_inputs(sig, seed, budget, langs)`: a large budget of mixed draws (small,
  default, wide and boundary regimes per value) for the mutation search.

Subnormal floats are not drawn: hygiene drops them (targets that flush to zero disagree
with Python for reasons unrelated to the translation); 1e-300 and the smallest normal
stand in. `int64_contract(sig)` says whether the function can do int arithmetic (an int
anywhere in its types): its vectors then obey the exact int64 contract (every integer
the reference computes fits int64, reference_worker.py), so a target that overflows or
narrows on one of them is wrong.

Key contracts: pure and deterministic for (signature, seed, budget, langs), whatever
PYTHONHASHSEED (string seeds hash with sha512); every value fits its IR type (a matrix is
rectangular, a 0-row matrix is `[]`); results are deduplicated by repr, in draw order.
"""

from __future__ import annotations

import itertools
import random
import string
import sys
from typing import Any, Iterable

from tolk.ir.function import Signature
from tolk.ir.types import INT64_MAX, INT64_MIN, IRType, Kind
from tolk.validators.hygiene import TargetLimits, limits_for

__all__ = ["boundary_singles", "domain_inputs", "contract_inputs", "int64_contract", "BOUNDARY_INTS",
           "BOUNDARY_FLOATS", "size_limits", "DEFAULT_LONG_STR", "DEFAULT_LONG_LIST"]

_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " "

# Where narrowed or wrapping arithmetic first goes wrong: 16/32/53/63-bit edges and the
# decimal pictures COBOL translations pick (PIC S9(4), S9(9), S9(18)).
BOUNDARY_INTS: tuple[int, ...] = tuple(dict.fromkeys([
    0, 1, -1, 2, -2, 3, 9, 10, 11, -10, 99, 100, 101, 9999, 10000, -10000, 32767, 32768,
    -32769, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 10**9, 2**32, 2**53, 2**53 + 1, -2**53,
    10**18, 2**62, -2**62, 2**62 + 1, INT64_MAX, INT64_MAX - 1, INT64_MIN, INT64_MIN + 1]))
BOUNDARY_FLOATS: tuple[float, ...] = (
    0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-300, -1e-300, sys.float_info.min, 1e-12, 3e-9,
    1e-5, 123.456, -1e5, 1e9, 2.0**53, 1e18, 1e300, -1e300, 0.1)
# Without a target limit (Fortran, Julia, CUDA): lengths that still run fast everywhere.
DEFAULT_LONG_STR = 256
DEFAULT_LONG_LIST = 1000
_MAX_MATRIX = 64


def int64_contract(sig: Signature) -> bool:
    """Whether the function can do int arithmetic: an int anywhere in its parameter or
    return types (bools count: Python adds them as ints)."""
    def has_int(t: IRType) -> bool:
        return t.kind in (Kind.INT, Kind.BOOL) or any(has_int(a) for a in t.args)
    return any(has_int(p.type) for p in sig.params) or has_int(sig.returns)


def size_limits(langs: Iterable[str] = ()) -> tuple[int, int, int, int]:
    """(longest string, longest list, rows, cols) every target in langs carries (all
    targets when empty), capped where a target has no limit of its own."""
    chosen: list[TargetLimits] = limits_for(langs)

    def tight(attr: str, default: int) -> int:
        return min([default] + [v for lim in chosen if (v := getattr(lim, attr)) is not None])
    return (tight("max_str_len", DEFAULT_LONG_STR), tight("max_list_len", DEFAULT_LONG_LIST),
            tight("max_rows", _MAX_MATRIX), tight("max_cols", _MAX_MATRIX))


class _Drawer:
    """Seeded value drawing from IR types in one of four regimes per value."""

    def __init__(self, rng: random.Random, limits: tuple[int, int, int, int]) -> None:
        self.rng = rng
        self.max_str, self.max_list, self.max_rows, self.max_cols = limits

    def int_(self, regime: str) -> int:
        r = self.rng
        match regime:
            case "small":
                return r.randint(-4, 4)
            case "default":
                return r.randint(-1000, 1000)
            case "wide":
                return r.choice((1, -1)) * r.randint(0, 10 ** r.randint(4, 18))
        b = r.choice(BOUNDARY_INTS) + r.choice((0, 0, 0, 1, -1))
        return min(max(b, INT64_MIN), INT64_MAX)

    def float_(self, regime: str) -> float:
        r = self.rng
        match regime:
            case "small":
                return float(r.randint(-8, 8)) / 2
            case "default":
                return r.uniform(-1000.0, 1000.0)
            case "wide":
                return r.choice((1.0, -1.0)) * r.random() * 10.0 ** r.randint(-300, 300)
        return r.choice(BOUNDARY_FLOATS)

    def length(self, regime: str, cap: int) -> int:
        r = self.rng
        match regime:
            case "small":
                return r.randint(0, min(3, cap))
            case "default":
                return r.randint(0, min(8, cap))
            case "wide":
                return r.randint(0, min(32, cap))
        return r.choice((0, 1, 2, min(cap, 16), cap))

    def str_(self, regime: str) -> str:
        n = self.length(regime, self.max_str)
        alphabet = "ab " if regime == "small" else _ALPHABET
        if regime == "boundary" and n > 2 and self.rng.random() < 0.5:
            return self.rng.choice(alphabet) * n  # equal neighbours
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def scalar(self, t: IRType, regime: str) -> Any:
        match t.kind:
            case Kind.INT:
                return self.int_(regime)
            case Kind.FLOAT:
                return self.float_(regime)
            case Kind.BOOL:
                return self.rng.random() < 0.5
            case Kind.STR:
                return self.str_(regime)
        raise ValueError(f"no scalar draw for {t}")

    def value(self, t: IRType, regime: str) -> Any:
        if t.kind is Kind.LIST and t.rank == 2:
            rows = self.length(regime, self.max_rows)
            cols = self.length(regime, self.max_cols)
            return [] if rows == 0 else [[self.scalar(t.scalar, regime) for _ in range(cols)]
                                         for _ in range(rows)]
        if t.kind is Kind.LIST:
            n = self.length(regime, self.max_list)
            shape = self.rng.choice(("random", "random", "equal", "adjacent", "sorted"))
            first = self.scalar(t.elem, regime)
            match shape:
                case "equal":
                    return [first] * n
                case "adjacent" if t.elem.kind in (Kind.INT, Kind.FLOAT):
                    out = [first]
                    for _ in range(n - 1):  # each a neighbour of the last, clamped to int64
                        nxt = out[-1] + self.rng.choice((1, -1, 0))
                        out.append(min(max(nxt, INT64_MIN), INT64_MAX) if t.elem.kind is Kind.INT
                                   else float(nxt))
                    return out[:n]
            out = [self.scalar(t.elem, regime) for _ in range(n)]
            return sorted(out) if shape == "sorted" and t.elem.kind is not Kind.BOOL else out
        if t.kind is Kind.TUPLE:
            return tuple(self.value(a, regime) for a in t.args)
        return self.scalar(t, regime)


_REGIMES = ("small", "default", "wide", "boundary")


def domain_inputs(sig: Signature, seed: int, budget: int,
                  langs: Iterable[str] = ()) -> list[tuple[Any, ...]]:
    """Up to `budget` distinct argument tuples; each value in its own random regime, so
    one tuple mixes e.g. a boundary int with a small list."""
    if not sig.params:
        return [()]
    rng = random.Random(f"tolk-domain:{seed}:{sig.name}:{[str(p.type) for p in sig.params]}")
    # Long values come from the contract rounds; here sizes stay small enough that a
    # budget of hundreds of inputs, times every mutant, runs in seconds.
    drawer = _Drawer(rng, tuple(min(x, c) for x, c in zip(size_limits(langs), (64, 64, 8, 8))))
    out: dict[str, tuple[Any, ...]] = {}
    for args in _ladder_grid(sig, limit=budget // 2):
        out.setdefault(repr(args), args)
    for _ in range(budget * 3):  # small types (one bool) have few distinct tuples
        if len(out) >= budget:
            break
        args = tuple(drawer.value(p.type, rng.choice(_REGIMES)) for p in sig.params)
        out.setdefault(repr(args), args)
    return list(out.values())


#: loop counts that int parameters drive (exponents, k of C(n, k), digit counts) live here:
#: inside int64, 2**62, C(62, 31) and fib(92) need loops of 30-90 iterations
LADDER_INTS: tuple[int, ...] = (0, 1, -1, 2, -2, 3, 5, 8, 13, 21, 34, 55, 62, 63, 64, 89)


def _ladder_grid(sig: Signature, limit: int) -> list[tuple[Any, ...]]:
    """Every pair of int parameters over `LADDER_INTS` (a single one alone), the other
    parameters at their trivial base value: deterministic, so a loop that an int bounds
    is run long (a random draw rarely gives b = 2 with e in 32..62 together)."""
    ints = [k for k, p in enumerate(sig.params) if p.type.kind is Kind.INT]
    if not ints:
        return []
    base = tuple(b[1 % len(b)] if (b := _boundaries(p.type, (8, 8, 2, 2))) else None
                 for p in sig.params)
    if None in base:
        return []
    out: list[tuple[Any, ...]] = []
    groups = list(itertools.combinations(ints, 2)) or [(ints[0],)]
    for group in groups:
        for values in itertools.product(LADDER_INTS, repeat=len(group)):
            args = list(base)
            for k, v in zip(group, values):
                args[k] = v
            out.append(tuple(args))
            if len(out) >= limit:
                return out
    return out


def _boundaries(t: IRType, limits: tuple[int, int, int, int]) -> list[Any]:
    """The boundary values of one parameter type."""
    max_str, max_list, max_rows, max_cols = limits
    match t.kind:
        case Kind.INT:
            return list(BOUNDARY_INTS)
        case Kind.FLOAT:
            return list(BOUNDARY_FLOATS)
        case Kind.BOOL:
            return [False, True]
        case Kind.STR:
            long = "".join(_ALPHABET[(7 * k) % len(_ALPHABET)] for k in range(max_str))
            return ["", "a", "ab", "aa", "Ab 9!", "a" * max_str, long, long[:max_str - 1]]
        case Kind.LIST if t.rank == 2:
            cells = _boundaries(t.scalar, limits)
            small = [c for c in cells if not isinstance(c, str) or len(c) < 8][:8] or [0]

            def m(r: int, c: int, pick: Any) -> list[list[Any]]:
                return [] if r == 0 else [[pick(i, j) for j in range(c)] for i in range(r)]
            return [[], m(1, 1, lambda i, j: small[1 % len(small)]),
                    m(2, 3, lambda i, j: small[(i * 3 + j) % len(small)]),
                    m(3, 2, lambda i, j: small[(i + 2 * j + 1) % len(small)]),
                    m(max_rows, max_cols, lambda i, j: small[(i + j) % len(small)]),
                    m(1, max_cols, lambda i, j: small[j % len(small)]),
                    m(max_rows, 1, lambda i, j: small[i % len(small)])]
        case Kind.LIST:
            vals = _boundaries(t.elem, limits)
            e = [v for v in vals if not isinstance(v, str) or len(v) < 8]
            out: list[Any] = [[], [e[0]], [e[1 % len(e)]], [e[1 % len(e)]] * 3]
            if t.elem.kind is Kind.INT:
                out += [[5, 6], [6, 5], [3, 3, 4], [INT64_MAX, INT64_MAX], [INT64_MIN, 0],
                        [2**31, 2**31, 2**31], [2**62, -2**62], [10**4, 10**4 + 1]]
            elif t.elem.kind is Kind.FLOAT:
                out += [[0.5, 1.5], [1.5, 0.5], [1e300, 1e300], [-0.0, 0.0], [1e-300, 1e-300]]
            out += [[e[k % len(e)] for k in range(max_list)], [e[1 % len(e)]] * max_list,
                    [e[k % len(e)] for k in range(min(max_list, 9))]]
            return out
    return []


def contract_inputs(sig: Signature, seed: int, langs: Iterable[str] = (),
                    cap: int = 160) -> list[tuple[Any, ...]]:
    """The boundary rounds: one parameter at a time over its boundary values (the others
    at a base value), then pairwise combinations in a seeded order, up to `cap`."""
    if not sig.params:
        return [()]
    limits = size_limits(langs)
    bounds = [_boundaries(p.type, limits) or [None] for p in sig.params]
    base = tuple(b[1 % len(b)] for b in bounds)  # 1, "a", [0]: the trivial non-empty case
    out: dict[str, tuple[Any, ...]] = {}
    for k, values in enumerate(bounds):
        for v in values:
            args = base[:k] + (v,) + base[k + 1:]
            out.setdefault(repr(args), args)
    rng = random.Random(f"tolk-contract:{seed}:{sig.name}")
    pairs = [(i, j) for i, j in itertools.combinations(range(len(bounds)), 2)]
    combos: list[tuple[Any, ...]] = []
    for i, j in pairs:  # long values were tried once above; pairs keep to short ones
        for a in (x for x in bounds[i] if _size(x) <= 64):
            for b in (x for x in bounds[j] if _size(x) <= 64):
                args = list(base)
                args[i], args[j] = a, b
                combos.append(tuple(args))
    rng.shuffle(combos)
    for args in combos:
        if len(out) >= cap:
            break
        out.setdefault(repr(args), args)
    return [a for a in out.values() if None not in a][:cap]


def boundary_singles(sig: Signature, langs: Iterable[str] = (), cap: int = 32,
                     ) -> list[tuple[Any, ...]]:
    """The first part of `contract_inputs` (one parameter at its boundary values, the
    others at base values), taken round-robin over the parameters up to `cap`: the part a
    suite always keeps, so that long lists and strings and the int64 edges reach every
    candidate even where no reference mutant needs them (a loop capped at 8 items, an
    accumulator narrowed to two decimal digits)."""
    if not sig.params:
        return []
    limits = size_limits(langs)
    bounds = [_boundaries(p.type, limits) or [None] for p in sig.params]
    base = tuple(b[1 % len(b)] for b in bounds)
    per_param = [[base[:k] + (v,) + base[k + 1:] for v in values]
                 for k, values in enumerate(bounds)]
    out: dict[str, tuple[Any, ...]] = {}
    for row in itertools.zip_longest(*per_param):
        for args in row:
            if args is not None and None not in args and len(out) < cap:
                out.setdefault(repr(args), args)
    return list(out.values())


def _size(v: Any) -> int:
    if isinstance(v, (list, tuple)):
        return 1 + sum(_size(x) for x in v)
    return len(v) if isinstance(v, str) else 1
