"""Type inference for unannotated functions: doctests, call sites, defaults, sandboxed probing."""

from __future__ import annotations

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Signature
from tolk.ir.infer import (UNKNOWN, Example, call_site_examples, describe_value, descriptor_type,
                           docstring_examples, probe_types, static_types, unify)
from tolk.ir.types import BOOL, FLOAT, INT, STR, list_of, tuple_of
from tolk.outcome import Rejected


def only(src: str, infer: str = "static") -> Function | Rejected:
    out = analyze_source(src, infer=infer)
    assert len(out) >= 1
    return out[0]


def test_describe_and_unify() -> None:
    assert describe_value([1, 2.5]) == "list[float]"
    assert describe_value([[], [1]]) == "list[list[int]]"
    assert describe_value((1, "a")) == "tuple[int, str]"
    assert describe_value(True) == "bool" and describe_value(UNKNOWN) == "?"
    assert describe_value({1: 2}) == "other:dict"
    assert unify("list[?]", "list[str]") == "list[str]" and unify("int", "str") == "mixed"
    assert unify("bool", "int") == "mixed"
    assert descriptor_type("list[?]") is None and descriptor_type("list[int]") == list_of(INT)
    assert descriptor_type("tuple[int, str]") is None
    assert descriptor_type("tuple[int, str]", allow_tuple=True) == tuple_of(INT, STR)


def test_docstring_examples_in_several_forms() -> None:
    doc = '''Scale.

    >>> scale([1, 2], 3)
    [3, 6]
    >>> scale([], -1) == []
    True
    For example scale([0.5], 2) -> [1.0].
    scale([1], 0) == [0]
    '''
    exs = docstring_examples(doc, "scale")
    assert Example(([1, 2], 3), [3, 6], True) in exs
    assert Example(([], -1), [], True) in exs
    assert Example(([0.5], 2), [1.0], True) in exs
    assert Example(([1], 0), [0], True) in exs
    params, ret = static_types(exs, 2)
    assert params == [list_of(FLOAT), INT] and ret == list_of(FLOAT)
    assert docstring_examples(">>> scale(x, 1)\n2\n>>> other(1)\n1", "scale") == []
    assert docstring_examples("scale((( broken", "scale") == []


def test_call_sites_in_the_same_file() -> None:
    src = "def f(a, b):\n    return a\nassert f(2, 'x') == 2\nprint(f(3, 'y'))\nf(n, 'z')\n"
    exs = call_site_examples(src, "f")
    assert Example((2, "x"), 2, True) in exs and Example((3, "y")) in exs
    assert len(exs) == 2  # f(n, 'z') has a non-literal argument
    assert call_site_examples("def (", "f") == []


def test_annotated_functions_are_not_marked_inferred() -> None:
    fn = only("def f(x: int) -> int:\n    return x\n")
    assert isinstance(fn, Function) and fn.signature.inferred == ""
    assert '"inferred": ""' in fn.signature.to_json()


def test_doctest_inference_marks_the_signature() -> None:
    fn = only('def add(a, b):\n    """>>> add(1, 2)\n    3\n    """\n    return a + b\n')
    assert isinstance(fn, Function)
    assert fn.signature.params[0].type == INT and fn.signature.returns == INT
    assert fn.signature.inferred == "doctest"
    assert Signature.from_json(fn.signature.to_json()) == fn.signature


def test_partial_annotations_fill_only_the_gaps() -> None:
    fn = only('def rep(s: str, n) -> str:\n    """rep("a", 3) == "aaa"."""\n    return s * n\n')
    assert isinstance(fn, Function)
    assert [p.type for p in fn.signature.params] == [STR, INT] and fn.signature.inferred == "doctest"


def test_call_site_and_default_evidence() -> None:
    src = "def half(x, exact=False):\n    return x / 2 if exact else x // 2\nassert half(9.0) == 4.0\nhalf(8, True)\n"
    fn = only(src)
    assert isinstance(fn, Function)
    assert [p.type for p in fn.signature.params] == [FLOAT, BOOL] and fn.signature.returns == FLOAT
    assert fn.signature.inferred == "call_site"


def test_static_mode_without_evidence_still_rejects() -> None:
    r = only("def f(a):\n    return a\n")
    assert isinstance(r, Rejected) and r.reason == "missing_annotation:param"
    r = only("def f(a):\n    '''f(1) == 2'''\n    return a + 1\n", infer="none")
    assert isinstance(r, Rejected) and r.reason == "missing_annotation:param"


def test_typing_annotations_parse() -> None:
    fn = only("import typing\nfrom typing import List\n"
              "def f(xs: List[int], t: typing.List[str]) -> int:\n    return len(xs)\n")
    assert isinstance(fn, Function)
    assert [p.type for p in fn.signature.params] == [list_of(INT), list_of(STR)]
    fn = only("from typing import List, Tuple\ndef f(xs: List[float]) -> Tuple[int, float]:\n"
              "    return len(xs), sum(xs)\n")
    assert isinstance(fn, Function) and fn.signature.returns == tuple_of(INT, FLOAT)
    r = only("from typing import Optional\ndef f(x: Optional[int]) -> int:\n    return 0\n")
    assert isinstance(r, Rejected) and r.reason == "unsupported_type:optional"


PROBED = '''
def shout(s, times=2):
    return s.upper() * times

def mean(xs):
    return sum(xs) / len(xs)

def flip(b):
    return not b if isinstance(b, bool) else None

def clock(x):
    import time
    return time.time() + x
'''


@pytest.mark.parametrize("name,params,ret", [
    ("shout", [STR, INT], STR),
    ("mean", [list_of(INT)], FLOAT),
    ("flip", [BOOL], BOOL),
])
def test_probing_in_the_sandbox(name: str, params: list, ret: object) -> None:
    got = probe_types(PROBED, name, [None] * len(params), None)
    assert got is not None
    assert list(got[0]) == params and got[1] == ret


def test_probing_rejects_what_no_assignment_explains() -> None:
    assert probe_types(PROBED, "clock", [None], None) is None  # nondeterministic
    assert probe_types("def f(x):\n    raise ValueError(x)\n", "f", [None], None) is None
    assert probe_types("def f(x):\n    return {x: 1}\n", "f", [None], None) is None


def test_probe_mode_in_the_front_end() -> None:
    fns = analyze_source(PROBED, infer="probe")
    by_name = {getattr(r, "name", getattr(r, "function", "")): r for r in fns}
    assert isinstance(by_name["mean"], Function) and by_name["mean"].signature.inferred == "probe"
    assert isinstance(by_name["clock"], Rejected)  # imports inside: never probed at all
    assert by_name["clock"].reason == "uses_import"


def test_bare_list_annotations_are_completed_by_evidence() -> None:
    fn = only('def total(xs: list) -> int:\n    """>>> total([1, 2])\n    3\n    """\n    return sum(xs)\n')
    assert isinstance(fn, Function) and fn.signature.params[0].type == list_of(INT)
    r = only('def total(xs: list) -> int:\n    """total(3) == 3"""\n    return xs\n')
    assert isinstance(r, Rejected) and r.reason == "unsupported_type:bare_list"
    got = probe_types("def head(xs):\n    return xs[:1]\n", "head", [None], None,
                      param_kinds=[list_of(INT).kind])
    assert got is not None and got[0] == (list_of(INT),) and got[1] == list_of(INT)


def test_hostile_docstrings_and_sources_never_raise() -> None:
    deep = "f(" + "[" * 5000 + "]" * 5000 + ") == 1"
    assert docstring_examples(deep, "f") == []
    assert docstring_examples(">>> f(" + "(" * 3000 + "\n1", "f") == []
    assert docstring_examples("f(" + ")" * 100_000, "f") == []
    assert call_site_examples("x = " + "(" * 3000 + "1" + ")" * 3000 + "\nf(1)\n", "f") in ([], [Example((1,))])
    fn = only('def g(a):\n    """' + "g(1) == 2 " * 2000 + '"""\n    return a + 1\n')
    assert isinstance(fn, Rejected) and fn.reason == "missing_annotation:param"  # prose-long line
