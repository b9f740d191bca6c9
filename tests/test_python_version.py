"""Sources that need a newer Python than the reference sandbox runs are rejected at the
front end with the release that introduced the construct (issue 15, point 4), instead
of failing later as `reference:definition_failed`."""

from __future__ import annotations

import sys

import pytest

from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function
from tolk.outcome import Rejected, Stage

OK_FN = "def g(x: int) -> int:\n    return x + 1\n"

CASES = {
    "generic_class": ("class Q[T]:\n    pass\n\n\n" + OK_FN, "3.12", "class"),
    "generic_function": ("def f[T](x: T) -> T:\n    return x\n\n\n" + OK_FN, "3.12", "function"),
    "type_alias": ("type Pair = tuple[int, int]\n\n\n" + OK_FN, "3.12", "alias"),
    "fstring_same_quotes": (OK_FN + '\n\ndef h(xs: list[str]) -> str:\n'
                            '    return f"{xs[0] + "!"}"\n', "3.12", "PEP 701"),
    "fstring_backslash": (OK_FN + "\n\ndef h(xs: list[str]) -> str:\n"
                          "    return f\"{'\\n'.join(xs)}\"\n", "3.12", "PEP 701"),
    "except_comma": (OK_FN + "\n\ndef h(x: int) -> int:\n    try:\n        return 10 // x\n"
                     "    except ZeroDivisionError, ValueError:\n        return 0\n",
                     "3.14", "PEP 758"),
}


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the sandbox Python is 3.11")
@pytest.mark.parametrize("case", sorted(CASES))
def test_newer_syntax_is_a_python_version_reject(case: str) -> None:
    src, version, what = CASES[case]
    out = analyze_source(src, uri=f"mem://{case}.py")
    assert len(out) == 1 and isinstance(out[0], Rejected), out
    r = out[0]
    assert (r.stage, r.reason) == (Stage.FRONTEND, f"python_version:{version}"), r
    assert what in r.detail and "the reference runs 3.11" in r.detail, r.detail


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="messages name 3.11")
def test_other_cpython_refusals_stay_syntax_errors() -> None:
    # tree-sitter accepts Python 2's print statement; CPython's parser does not.
    src = OK_FN + "\n\ndef h(x: int) -> int:\n    print 'a'\n    return x\n"
    out = analyze_source(src)
    assert len(out) == 1 and isinstance(out[0], Rejected)
    assert out[0].reason == "syntax_error" and "CPython 3.11" in out[0].detail, out[0]
    assert "print" in out[0].detail, out[0].detail


def test_plain_311_source_still_analyses() -> None:
    src = OK_FN + "\n\ndef h(x: int) -> int:\n    try:\n        return 10 // x\n" \
        "    except* ZeroDivisionError:\n        return 0\n"
    out = analyze_source(src)
    assert isinstance(out[0], Function), out
