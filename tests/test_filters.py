"""Filters with reasons: every program-level and function-level reason, and their records."""

from __future__ import annotations

import pytest

from tolk.corpus.filters import (DedupState, FilterLimits, analyze_screened, check_function,
                                 filter_programs, normalized_tokens, screen_function,
                                 tree_depth)
from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_source
from tolk.ir.function import Function, Param, Program, Signature, content_id
from tolk.ir.types import parse_type
from tolk.outcome import Rejected, Stage

ADD = "def add(a: int, b: int) -> int:\n    return a + b\n"


def _prog(text: str, uri: str = "mem/p.py") -> Program:
    return Program(content_id(text), uri, text)


def _reasons(items: list[Program | Rejected]) -> list[str]:
    return [i.reason if isinstance(i, Rejected) else "ok" for i in items]


def _one(text: str, limits: FilterLimits | None = None) -> str:
    return _reasons(list(filter_programs([_prog(text)], limits)))[0]


# ---- program level ------------------------------------------------------------------------

def test_in_bounds_program_passes_unchanged() -> None:
    p = _prog(ADD)
    assert list(filter_programs([p])) == [p]


@pytest.mark.parametrize(("text", "limits", "reason"), [
    ("def f():\x00\n", None, "binary"),
    ("   \n\n", None, "size:too_small"),
    ("x=1\n", None, "size:too_small"),
    (ADD * 40, FilterLimits(max_bytes=1000), "size:too_many_bytes"),
    (ADD + "\n" * 50, FilterLimits(max_lines=20), "size:too_many_lines"),
    ("x = '" + "a" * 3000 + "'\n", None, "size:long_line"),
    ("def f(x: int) -> int:\n    return " + "(" * 150 + "x" + ")" * 150 + "\n", None,
     "nesting:too_deep"),
])
def test_program_reasons(text: str, limits: FilterLimits | None, reason: str) -> None:
    assert _one(text, limits) == reason


def test_deep_chain_without_brackets_is_too_deep() -> None:
    # A long operator chain nests as deeply as brackets do, on short lines.
    text = "def f(x: int) -> int:\n    return (x\n" + "        + x\n" * 400 + "    )\n"
    assert _one(text) == "nesting:too_deep"
    assert tree_depth(ADD, 120) < 20


def test_exact_duplicates_ignore_comments_and_layout() -> None:
    copy = "# a copy\ndef add(a: int, b: int) -> int:\n\n    return a + b   # sum\n"
    items = list(filter_programs([_prog(ADD, "a.py"), _prog(copy, "b.py")]))
    assert _reasons(items) == ["ok", "duplicate:exact"]
    assert items[1].uri == "b.py" and items[1].stage == Stage.SAMPLE
    # A '#' inside a string is code, not a comment.
    s1 = "def f(s: str) -> str:\n    return s + '#1'\n"
    s2 = "def f(s: str) -> str:\n    return s + '#2'\n"
    assert _reasons(list(filter_programs([_prog(s1), _prog(s2)],
                                         FilterLimits(dedup="exact")))) == ["ok", "ok"]


def _body(n: int, tweak: str = "") -> str:
    lines = [f"    t{i} = a * {i} + b - {i % 7}" for i in range(n)]
    return "def g(a: int, b: int) -> int:\n" + "\n".join(lines) + f"\n    return t0{tweak}\n"


def test_near_duplicates_and_distinct_programs() -> None:
    base, near = _body(40), _body(40, " + 1")
    other = "def h(s: str) -> int:\n    n = 0\n    for c in s:\n        n += ord(c)\n    return n\n"
    items = list(filter_programs([_prog(base), _prog(near), _prog(other)]))
    assert _reasons(items) == ["ok", "duplicate:near", "ok"]
    assert _reasons(list(filter_programs([_prog(base), _prog(near)],
                                         FilterLimits(dedup="exact")))) == ["ok", "ok"]


def test_tiny_programs_are_not_near_duplicates_of_each_other() -> None:
    renamed = ADD.replace("add", "plus")  # true Jaccard 0.78 over few shingles
    assert _reasons(list(filter_programs([_prog(ADD), _prog(renamed)]))) == ["ok", "ok"]
    assert _reasons(list(filter_programs([_prog(ADD), _prog(renamed)], FilterLimits(
        near_min_tokens=1, near_threshold=0.6)))) == ["ok", "duplicate:near"]


def test_dedup_none_and_shared_state_across_calls() -> None:
    lim = FilterLimits()
    assert _reasons(list(filter_programs([_prog(ADD), _prog(ADD)],
                                         FilterLimits(dedup="none")))) == ["ok", "ok"]
    state = DedupState(lim)
    assert _reasons(list(filter_programs([_prog(ADD)], lim, state=state))) == ["ok"]
    assert _reasons(list(filter_programs([_prog(ADD)], lim, state=state))) == [
        "duplicate:exact"]


def test_rejected_items_pass_through() -> None:
    r = Rejected(Stage.SAMPLE, "not_utf8", "id", "x.py")
    assert list(filter_programs([r, _prog(ADD)]))[0] is r


def test_filter_error_is_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    import tolk.corpus.filters as filters

    def boom(text: str, limit: int) -> int:
        raise RuntimeError("broken")
    monkeypatch.setattr(filters, "tree_depth", boom)
    [item] = list(filter_programs([_prog(ADD)]))
    assert isinstance(item, Rejected) and item.reason == "filter_error"
    assert "broken" in item.detail


def test_dedup_memory_is_hashes_and_signatures_only() -> None:
    lim = FilterLimits()
    state = DedupState(lim)
    progs = (_prog(f"def f{i}(x: int) -> int:\n    return x * {i} + {i * 7 % 13}\n")
             for i in range(5000))
    kept = sum(1 for i in filter_programs(progs, lim, state=state) if isinstance(i, Program))
    assert kept > 0
    # Only 8-byte keys (1 exact + 8 LSH bands per program) in sets at least a quarter full.
    assert state.bands == 8
    assert state.nbytes / 5000 <= 9 * 8 * 4


def test_normalized_tokens_drop_comments_and_blank_lines() -> None:
    assert normalized_tokens("x = 1  # c\n\n# only\ny = '#'\n") == [
        "x", "=", "1", "\n", "y", "=", "'#'", "\n"]


def test_limits_from_options() -> None:
    lim = FilterLimits.from_options({"max_lines": "30", "near_threshold": "0.9",
                                     "dedup": "exact", "license": "MIT"})
    assert (lim.max_lines, lim.near_threshold, lim.dedup) == (30, 0.9, "exact")
    with pytest.raises(ConfigError, match="max_lines"):
        FilterLimits.from_options({"max_lines": "many"})
    with pytest.raises(ConfigError, match="dedup"):
        FilterLimits.from_options({"dedup": "fuzzy"})


# ---- function level -----------------------------------------------------------------------

def _fn(source: str) -> Function:
    """A Function record as the front end would make it (built directly, so these tests do
    not depend on what the front end refuses first)."""
    name = source.split("def ", 1)[1].split("(", 1)[0]
    sig = Signature(name, (Param("x", parse_type("int")),), parse_type("int"))
    return Function(_prog(source), sig, source)


@pytest.mark.parametrize(("source", "reason"), [
    ("def f(x: int, k: int = LIMIT) -> int:\n    return x + k\n", "free_name:LIMIT"),
    ("def f(x: int) -> int:\n    return len(str(x.__class__))\n", "uses_dunder:__class__"),
    ("def f(x: int) -> int:\n    return getattr(x, 'real')\n", "uses_introspection:getattr"),
    ("def f(x: int) -> int:\n    return len(dir(x))\n", "uses_introspection:dir"),
    ("def f(x: int) -> int:\n    return id(x) % 7\n", "nondeterministic:id"),
    ("def f(x: int) -> int:\n    return hash(str(x)) % 7\n", "nondeterministic:hash"),
    ("def f(x: int) -> int:\n    if x < 0:\n        raise SystemExit(1)\n    return x\n",
     "uses_exit:SystemExit"),
    ("def f(x: int) -> int:\n    while True:\n        x += 1\n    return x\n", "unbounded_loop"),
    ("def f(x: int) -> int:\n    while 1:\n        for i in range(x):\n            break\n"
     "    return x\n", "unbounded_loop"),
    ("def f(x: int) -> int:\n    return x\n", "size:fn_too_small"),
    ("def f(x: int) -> int:\n    \"\"\"Nothing.\"\"\"\n    pass\n", "size:fn_too_small"),
    ("def f(x: int) -> int:\n" + "    x += 1\n" * 250 + "    return x\n", "size:fn_lines"),
    ("def f(x: int) -> int:\n    return " + " + ".join(["x"] * 1600) + "\n", "size:fn_nodes"),
    ("def f(x: int) -> int:\n    return x +\n", "syntax_error:ast"),
])
def test_function_reasons(source: str, reason: str) -> None:
    found = check_function(_fn(source))
    assert found is not None and found[0] == reason, found


@pytest.mark.parametrize("source", [
    "def f(x: int) -> int:\n    while True:\n        x += 1\n        if x > 9:\n"
    "            break\n    return x\n",
    "def f(x: int) -> int:\n    while True:\n        if x > 9:\n            return x\n"
    "        x += 1\n",
    "def f(x: int, id: int = 3) -> int:\n    return x + id\n",  # a parameter, not the builtin
    "def f(x: int, k: int = -1) -> int:\n    hash = x * 2\n    return hash + k\n",
    "def f(x: int) -> int:\n    return abs(x) + 1\n",
])
def test_ordinary_functions_pass(source: str) -> None:
    assert check_function(_fn(source)) is None


def test_seed_like_functions_through_the_front_end_pass() -> None:
    src = ("def clamp(x: int, lo: int, hi: int) -> int:\n    if x < lo:\n        return lo\n"
           "    if x > hi:\n        return hi\n    return x\n")
    [fn] = analyze_source(src)
    assert isinstance(fn, Function) and check_function(fn) is None


def test_fast_path_agrees_with_the_full_walk() -> None:
    # A non-ASCII comment forces the AST walk; the verdict must not change.
    from pathlib import Path
    seed = Path(__file__).resolve().parents[1] / "data" / "seed"
    fns = [f for p in sorted(seed.glob("*.py")) for f in analyze_source(p.read_text())
           if isinstance(f, Function)]
    extra = ["def f(x: int) -> int:\n    a = x\n    b = a * 2\n    while True:\n"
             "        b += 1\n    return b\n",
             "def f(x: int) -> int:\n    a = 1\n    b = 2\n    return \uff49\uff44(x)\n"]
    fns += [_fn(s) for s in extra]
    assert len(fns) > 50
    for fn in fns:
        walked = Function(fn.program, fn.signature, fn.source + "\n# \u00e9\n")
        assert check_function(fn) == check_function(walked), fn.name
    assert check_function(fns[-1])[0] == "nondeterministic:id"  # fullwidth is NFKC `id`
    assert check_function(fns[-2])[0] == "unbounded_loop"


def test_limits_change_function_bounds() -> None:
    src = "def f(x: int) -> int:\n    y = x * 2\n    return y + 1\n"
    assert check_function(_fn(src)) is None
    assert check_function(_fn(src), FilterLimits(max_fn_lines=2))[0] == "size:fn_lines"
    assert check_function(_fn(src), FilterLimits(max_fn_nodes=8))[0] == "size:fn_nodes"


def test_screen_function_makes_frontend_rejections() -> None:
    fn = _fn("def f(x: int) -> int:\n    return id(x)\n")
    r = screen_function(fn)
    assert isinstance(r, Rejected) and r.stage == Stage.FRONTEND
    assert (r.reason, r.function, r.source_id) == ("nondeterministic:id", "f",
                                                   fn.program.source_id)
    ok = _fn("def g(x: int) -> int:\n    return x * x\n")
    assert screen_function(ok) is ok
    rej = Rejected(Stage.FRONTEND, "syntax_error", "s")
    assert screen_function(rej) is rej


def test_analyze_screened_turns_front_end_recursion_into_a_rejection() -> None:
    deep = "def f(x: int) -> int:\n    return " + "-" * 3000 + "x\n"
    [r] = analyze_screened(_prog(deep))
    assert isinstance(r, Rejected) and r.reason == "nesting:too_deep"
    results = analyze_screened(_prog(ADD + "\ndef bad(x: int) -> int:\n    return id(x)\n"))
    assert [type(r).__name__ for r in results] == ["Function", "Rejected"]
    assert results[1].reason == "nondeterministic:id"


def test_analyze_screened_turns_a_front_end_bug_into_a_rejection(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import tolk.corpus.filters as filters

    def broken(program: Program) -> list:
        raise IndexError("list index out of range")
    monkeypatch.setattr(filters, "analyze_program", broken)
    [r] = analyze_screened(_prog(ADD))
    assert isinstance(r, Rejected) and r.reason == "internal_error"
    assert "IndexError" in r.detail
