"""COBOL lowering: Python functions in the body-IR subset -> candidates that pass validation
against the Python reference (hypothesis vectors plus edge cases), feature by feature, and
the yield on the seed corpus (the acceptance target is 80% of functions with body IR)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.outcome import Rejected
from tolk.toolchains.cobol import COBOL
from tolk.validators.testgen import build_test_suite
from tolk.validators.validate import ValidationLimits, validate_candidate
from tolk.validators.verdict import VerdictStatus

SEED = Path(__file__).resolve().parents[1] / "data" / "seed"
needs_cobc = pytest.mark.skipif(COBOL.availability() is not None, reason="no cobc")
# A uid of its own: sandboxes of one uid share RLIMIT_NPROC, and other suites run alongside.
_BASE = ValidationLimits()
LIMITS = ValidationLimits(
    compile=dataclasses.replace(_BASE.compile, uid=61002),
    run=dataclasses.replace(_BASE.run, wall_seconds=5.0, cpu_seconds=5, uid=61002))

FEATURES = '''
def floor_div_mod(a: int, b: int) -> tuple[int, int]:
    if b == 0:
        return 0, 0
    return a // b, a % b


def float_div_mod(a: float, b: float) -> tuple[float, float, float]:
    if b == 0.0:
        return 0.0, 0.0, 0.0
    return a // b, a % b, a / b


def str_order(a: str, b: str) -> int:
    if a < b:
        return -1
    if a > b:
        return 1
    if a == b:
        return 0
    return 99


def str_order_inclusive(a: str, b: str) -> tuple[bool, bool, bool]:
    return a <= b, a >= b, a != b


def slices(s: str, i: int, j: int) -> str:
    return s[i:j] + "|" + s[:i] + "|" + s[j:]


def list_slices(xs: list[int], i: int) -> list[int]:
    ys = xs[i:]
    zs = xs[:i]
    for z in zs:
        ys.append(z)
    return ys


def negative_step(n: int) -> int:
    i = 7
    total = 0
    for i in range(n, 0, -3):
        total += i
    return total * 1000 + i


def while_break_continue(n: int) -> int:
    steps = 0
    x = abs(n) + 1
    while x != 1:
        steps += 1
        if steps > 500:
            break
        if x % 2 == 0:
            x = x // 2
            continue
        x = 3 * x + 1
    return steps


def foreach_string(s: str) -> tuple[int, str]:
    count = 0
    kept = ""
    for c in s:
        if c == " ":
            continue
        if c == "!":
            break
        count += 1
        kept = kept + c + c
    return count, kept


def early_return(m: list[list[int]], target: int) -> tuple[int, int]:
    for i in range(len(m)):
        for j in range(len(m[i])):
            if m[i][j] == target:
                return i, j
    return -1, -1


def mutated_params(xs: list[int], n: int) -> list[int]:
    n = n + 1
    for i in range(len(xs)):
        xs[i] = xs[i] * n
    if len(xs) > 0:
        xs[-1] = 0
    return xs


def builders(n: int, x: float) -> list[float]:
    k = n % 7
    out = [x] * k
    out.append(float(n))
    more = [1.5, -x, float(k)]
    for v in more:
        out.append(v)
    return out


def builtins_mix(xs: list[float], a: int) -> tuple[float, float, float, int, int]:
    if len(xs) == 0:
        return 0.0, 0.0, 0.0, abs(a), int(-2.5)
    return sum(xs), min(xs), max(xs), max(a, -a) + min(a, 3), int(xs[0])


def matrix_rows(m: list[list[float]]) -> list[float]:
    out: list[float] = []
    for row in m:
        total = 0.0
        for v in row:
            total += v
        out.append(total)
    return out


def matrix_build(n: int, k: int) -> list[list[int]]:
    rows = n % 5
    cols = k % 4
    out = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            out[i][j] = i * 10 - j
    return out


def str_lists(words: list[str], n: int) -> list[str]:
    out: list[str] = []
    for w in words:
        if len(w) > 1:
            out.append(w[1:] + w[0])
    for i in range(n % 3):
        out.append("ab"[i % 2])
    return out


def bools(xs: list[int]) -> list[bool]:
    out: list[bool] = []
    for x in xs:
        out.append(x > 0 and x % 2 == 0 or x == -1)
    flag = not (len(xs) > 3)
    out.append(flag)
    return out


def if_expr(a: int, s: str) -> str:
    t = s if a > 0 else s + s
    return t if len(t) < 20 else t[:20]


def short_circuit(xs: list[int], i: int) -> bool:
    return i >= 0 and i < len(xs) and xs[i] > 0


def power(a: int, x: float) -> tuple[int, float, float]:
    return a ** 3, x ** 2, 2.0 ** -2
'''


def _functions(src: str) -> list[Function]:
    fns = [f for f in analyze_source(src) if isinstance(f, Function)]
    assert all(f.body is not None for f in fns), [(f.name, f.body_reason) for f in fns
                                                  if f.body is None]
    return fns


FEATURE_FNS = {f.name: f for f in _functions(FEATURES)}


@needs_cobc
@pytest.mark.parametrize("name", sorted(FEATURE_FNS))
def test_feature_lowering_matches_python(name: str) -> None:
    fn = FEATURE_FNS[name]
    suite = build_test_suite(fn, n_inputs=40)
    assert not isinstance(suite, Rejected), suite
    code = COBOL.lower(fn)
    assert COBOL.static_check(code, fn.signature) is None
    v = validate_candidate(code, fn.signature, suite, COBOL, LIMITS)
    assert v.status is VerdictStatus.PASSED, (v, code)


def _seed_functions() -> list[Function]:
    out = []
    for path in sorted(SEED.glob("*.py")):
        out += [f for f in analyze_source(path.read_text(), uri=str(path))
                if isinstance(f, Function) and f.body is not None]
    return out


def test_seed_lowering_is_deterministic_and_passes_static_checks() -> None:
    lowered = 0
    for fn in _seed_functions():
        try:
            code = COBOL.lower(fn)
        except UnsupportedProgram as exc:
            assert exc.reason.startswith(("cobol:", "unsupported_")), exc.reason
            continue
        lowered += 1
        assert COBOL.lower(fn) == code
        assert COBOL.static_check(code, fn.signature) is None, fn.name
        assert all(len(line) <= 255 for line in code.splitlines()), fn.name
    assert lowered >= 60


def test_refusals_name_their_reason() -> None:
    (fn,) = analyze_source('''
def uses_sorted(xs: list[int]) -> list[int]:
    return sorted(xs)
''')
    assert isinstance(fn, Function) and fn.body is None
    with pytest.raises(UnsupportedProgram) as exc:
        COBOL.lower(fn)
    assert exc.value.reason == "cobol:no_body_ir"
    (long_name,) = _functions('''
def a_function_name_longer_than_cobol_allows(n: int) -> int:
    return n
''')
    with pytest.raises(UnsupportedProgram) as exc:
        COBOL.lower(long_name)
    assert exc.value.reason.startswith("unsupported_name:")


@needs_cobc
@pytest.mark.slow
def test_seed_corpus_yield_is_at_least_80_percent() -> None:
    fns = _seed_functions()

    def one(fn: Function) -> str:
        suite = build_test_suite(fn, n_inputs=40)
        if isinstance(suite, Rejected):
            return f"suite:{suite.reason}"
        try:
            code = COBOL.lower(fn)
        except UnsupportedProgram as exc:
            return exc.reason
        v = validate_candidate(code, fn.signature, suite, COBOL, LIMITS)
        return str(v.status) if v.status is VerdictStatus.PASSED else \
            f"{v.status} {v.reason} {v.first_failure} {v.runtime_output[-300:]}"

    with ThreadPoolExecutor(2) as pool:
        outcomes = dict(zip((f.name for f in fns), pool.map(one, fns)))
    passed = sum(1 for o in outcomes.values() if o == "passed")
    print(f"COBOL seed yield: {passed}/{len(fns)}")
    failures = {k: o for k, o in outcomes.items() if o != "passed"}
    assert passed >= 0.8 * len(fns), failures
    # Today: everything but runaway_counter, whose reference never ends (no suite), and
    # variance, whose boundary vector of equal values near 1e157 has an exact variance of
    # 0 that Python and COBOL both miss by different rounding noise (README: the float
    # rule scales by the inputs, not their squares).
    assert set(failures) <= {"runaway_counter", "variance"}, failures
    if "variance" in failures:
        assert "e+15" in failures["variance"] and "wrong_answer" in failures["variance"]
