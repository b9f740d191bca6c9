"""The Python front end: accepted shapes get typed signatures and body IR; others a reason."""

from __future__ import annotations

import pytest

from tolk.ir.body import Append, Assign, BoolOp, ForEach, ForRange, If, IndexAssign, Return, While
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.types import FLOAT, INT, STR, list_of, parse_type, tuple_of
from tolk.outcome import Rejected


def one(src: str) -> Function | Rejected:
    results = analyze_source(src)
    assert len(results) == 1, results
    return results[0]


def test_signature_from_annotations() -> None:
    fn = one('def f(a: int, xs: list[float], m: list[list[int]], s: str) -> tuple[int, str]:\n'
             '    """Doc here."""\n    return a, s\n')
    assert isinstance(fn, Function)
    assert [(p.name, p.type) for p in fn.signature.params] == [
        ("a", INT), ("xs", list_of(FLOAT)), ("m", list_of(list_of(INT))), ("s", STR)]
    assert fn.signature.returns == tuple_of(INT, STR)
    assert fn.signature.docstring == "Doc here."
    assert Signature.from_json(fn.signature.to_json()) == fn.signature


@pytest.mark.parametrize("src, reason", [
    ("def f(a) -> int:\n    return 1\n", "missing_annotation:param"),
    ("def f(a: int):\n    return 1\n", "missing_annotation:return"),
    ("def f(a: dict[str, int]) -> int:\n    return 1\n", "unsupported_type:dict"),
    ("def f(a: int | None) -> int:\n    return 1\n", "unsupported_type:union"),
    ("def f(*a: int) -> int:\n    return 1\n", "unsupported_parameter:varargs"),
    ("import math\ndef f(a: float) -> float:\n    return math.sqrt(a)\n", "uses_import:math"),
    ("K = 3\ndef f(a: int) -> int:\n    return a + K\n", "free_name:K"),
    ("def f(a: int) -> int:\n    print(a)\n    return a\n", "uses_io:print"),
    ("def f(a: int) -> int:\n    def g(x: int) -> int:\n        return x\n    return g(a)\n",
     "nested_function"),
    ("def f(a: int) -> int:\n    yield a\n", "generator"),
    ("def f(a: int) -> int:\n    global K\n    return a\n", "uses_global"),
    ("@cache\ndef f(a: int) -> int:\n    return a\n", "decorated"),
    ("def f(a: int) -> int\n    return a\n", "syntax_error"),
    ("x = 1\n", "no_functions"),
])
def test_rejections_name_their_reason(src: str, reason: str) -> None:
    r = analyze_source(src)[-1]
    assert isinstance(r, Rejected)
    assert r.reason == reason


@pytest.mark.parametrize("src, reason", [
    ("def f(s: str) -> str:\n    return s.upper()\n", "body:method_call:upper"),
    ("def f(n: int) -> int:\n    return 1 if n < 2 else n * f(n - 1)\n", "body:recursion"),
    ("def f(xs: list[int]) -> list[int]:\n    return [x for x in xs if x]\n", "body:comprehension"),
    ("def f(xs: list[int]) -> list[int]:\n    return sorted(xs)\n", "body:unsupported_call:sorted"),
    ("def f(a: int) -> int:\n    x = 1\n    x = 1.5\n    return a\n", "body:type_change:x"),
    ("def f(a: int) -> list[int]:\n    out = []\n    return out\n", "body:untyped_empty_list"),
    ("def f(a: int) -> int:\n    return a ** a\n", "body:pow_nonliteral_exponent"),
    ("def f(xs: list[int]) -> int:\n    for x in xs:\n        xs.append(x)\n    return 0\n",
     "body:mutates_iterable"),
    ("def f(xs: list[int]) -> int:\n    ys = xs\n    ys[0] = 1\n    return xs[0]\n",
     "body:list_alias"),
    ("def f(a: int) -> bool:\n    return a in [1, 2]\n", "body:comparison:in"),
])
def test_outside_subset_keeps_signature_but_no_body(src: str, reason: str) -> None:
    fn = one(src)
    assert isinstance(fn, Function), fn
    assert fn.body is None
    assert fn.body_reason == reason


def test_body_ir_statements_and_types() -> None:
    fn = one(
        "def f(n: int, xs: list[int]) -> float:\n"
        "    total: float = 0\n"
        "    out: list[int] = []\n"
        "    for i in range(n, 0, -1):\n"
        "        if i % 2 == 0 and xs:\n"
        "            out.append(i)\n"
        "    for x in xs:\n"
        "        total += x / 2\n"
        "    while n > 0:\n"
        "        n //= 2\n"
        "    xs[0], xs[-1] = xs[-1], xs[0]\n"
        "    return total\n")
    assert isinstance(fn, Function) and fn.body is not None, fn
    kinds = [type(s) for s in fn.body]
    assert kinds[:5] == [Assign, Assign, ForRange, ForEach, While]
    assert kinds[-1] is Return
    assert sum(k is IndexAssign for k in kinds) == 2  # the swap, through temporaries
    loop = fn.body[2]
    assert isinstance(loop, ForRange) and loop.step == -1
    cond = loop.body[0]
    assert isinstance(cond, If) and isinstance(cond.cond, BoolOp)  # truthiness made explicit
    assert isinstance(cond.body[0], Append)
    local_types = dict((p.name, p.type) for p in fn.locals)
    assert local_types["total"] == FLOAT and local_types["out"] == list_of(INT)
    assert local_types["i"] == INT and local_types["x"] == INT
    assert fn.mutated_params == frozenset({"n", "xs"})


def test_seed_corpus_has_accepted_and_rejected_functions() -> None:
    from pathlib import Path
    seed = Path(__file__).resolve().parents[1] / "data" / "seed"
    results = [r for p in sorted(seed.glob("*.py")) for r in analyze_source(p.read_text(), uri=p.name)]
    with_body = [r for r in results if isinstance(r, Function) and r.body is not None]
    assert len(results) >= 60
    assert len(with_body) >= 40
    assert any(isinstance(r, Rejected) for r in results)
    assert any(isinstance(r, Function) and r.body is None for r in results)


def test_parse_type_round_trips() -> None:
    for s in ["int", "float", "bool", "str", "list[int]", "list[list[float]]", "tuple[int, bool]"]:
        assert str(parse_type(s, allow_tuple=True)) == s


def test_comments_and_continuations_inside_a_parameter_list() -> None:
    # Found by the site-packages soak (dill/source.py): both are named children of the
    # parameter list and used to crash the signature reader with an IndexError.
    fn = one("def f(a: int,  # the first\n      b: int \\\n      ) -> int:\n    return a + b\n")
    assert isinstance(fn, Function)
    assert [p.name for p in fn.signature.params] == ["a", "b"]
