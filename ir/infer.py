"""Type inference for parameters and returns the source leaves unannotated.

Three kinds of evidence, strongest first:
- doctest: examples in the docstring, `>>> f(1, [2])` followed by its output, or one
  line `f(1) == 3`, `f(1) -> 3`, `f(1) => 3`, `f(1) ➞ 3`, `f(1) returns 3`;
- call_site: calls of the function with literal arguments anywhere in the same file
  (`assert f(2) == 4`, `print(f("ab"))`, recursion with literals), and literal defaults;
- probe: the function is run, in the sandbox (via the reference runner, never in this
  process: the code is untrusted), over hypothesis-drawn inputs for each candidate
  assignment of the still-unknown parameter types (int, float, str, bool, list[int],
  list[float], list[str], list[list[int]], list[list[float]], simplest first). The kept
  assignment is the one on which the function returns a value of one consistent IR type,
  identically under two hash seeds, on the most inputs (at least `PROBE_MIN_OK`); ties
  go to the simpler assignment. The return type is read from what it returned.

Values are described in annotation syntax with "?" for what a value does not show (the
element type of `[]`); descriptors unify (int widens to float, "?" takes the other side)
or become "mixed". Only evidence that resolves to an IR type is used.

Key contracts: the static half (`docstring_examples`, `call_site_examples`,
`static_types`) is pure and never raises on any source text; `probe_types` does sandbox
I/O and returns None when no assignment qualifies. `Signature.inferred` names the
weakest evidence used: "doctest" < "call_site" < "probe".
"""

from __future__ import annotations

import ast
import functools
import itertools
import re
from dataclasses import dataclass
from typing import Any, Sequence

from tolk import pyast
from tolk.errors import UnsupportedProgram
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, list_of, parse_type

__all__ = ["Example", "UNKNOWN", "describe_value", "unify", "descriptor_type", "docstring_examples",
           "call_site_examples", "static_types", "probe_types", "CANDIDATES", "PROBE_MIN_OK",
           "EVIDENCE_ORDER"]

CANDIDATES: tuple[IRType, ...] = (INT, FLOAT, STR, BOOL, list_of(INT), list_of(FLOAT),
                                  list_of(STR), list_of(list_of(INT)), list_of(list_of(FLOAT)))
PROBE_MIN_OK = 0.75  # share of an assignment's inputs that must run cleanly
_PROBE_INPUTS = 12  # inputs per assignment
_MAX_ASSIGNMENTS = 96
_MAX_UNKNOWN = 6
EVIDENCE_ORDER = ("doctest", "call_site", "probe")
_MAX_LINE = 400  # docstring lines longer than this are prose, not examples
_MAX_TRIES = 24


class _Unknown:
    """Stands for an argument an example does not show (described as "?")."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True, slots=True)
class Example:
    """One observed call: literal arguments and, when shown, the literal result."""
    args: tuple[Any, ...]
    result: Any = None
    has_result: bool = False


def describe_value(v: Any) -> str:
    """A descriptor in annotation syntax ("list[int]", "tuple[int, str]", "list[?]").

    Mirrors `describe` in validators/reference_worker.py, which cannot import tolk."""
    if v is UNKNOWN:
        return "?"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float, str)):
        return type(v).__name__
    if isinstance(v, tuple):
        return "tuple[" + ", ".join(describe_value(x) for x in v[:16]) + "]" if v else "tuple[]"
    if isinstance(v, list):
        elem = "?"
        for x in v[:256]:
            elem = unify(elem, describe_value(x))
        return f"list[{elem}]"
    return "other:" + type(v).__name__


def unify(a: str, b: str) -> str:
    """The descriptor covering a and b, or "mixed"."""
    if a == "?" or a == b:
        return b
    if b == "?":
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    if a.startswith("list[") and b.startswith("list["):
        inner = unify(a[5:-1], b[5:-1])
        return "mixed" if inner == "mixed" else f"list[{inner}]"
    return "mixed"


def descriptor_type(desc: str, *, allow_tuple: bool = False) -> IRType | None:
    """The IR type a descriptor names, or None (unknown parts, mixed, unsupported)."""
    if not desc or "?" in desc or "mixed" in desc or "other:" in desc:
        return None
    try:
        return parse_type(desc, allow_tuple=allow_tuple)
    except UnsupportedProgram:
        return None


def _literal(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, pyast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None


def _call_example(call: ast.AST, name: str) -> Example | None:
    """The literal arguments of `name(...)`, or None when the call is not all literals."""
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == name):
        return None
    if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
        return None
    args = []
    for a in call.args:
        ok, v = _literal(a)
        if not ok:
            return None
        args.append(v)
    return Example(tuple(args))


_ARROW = re.compile(r"^\s*(==|->|=>|==>|➞|→|returns?|should return|gives|is)\s*(.+?)\s*[.,;]?\s*$")


def _parse_expr(src: str) -> ast.AST | None:
    try:
        return pyast.parse(src.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None


def _inline_examples(line: str, name: str) -> list[Example]:
    """`f(1) == 3` style examples on one docstring line."""
    out: list[Example] = []
    if len(line) > _MAX_LINE:  # each try parses a prefix: keep the work linear-ish
        return out
    for m in re.finditer(rf"\b{re.escape(name)}\(", line):
        start = m.start()
        closers = [i + 1 for i, c in enumerate(line) if c == ")" and i > start]
        for end in closers[:_MAX_TRIES]:
            call = _parse_expr(line[start:end])
            if call is None:
                continue
            ex = _call_example(call, name)
            if ex is None:
                break
            arrow = _ARROW.match(line[end:])
            if arrow and (res := _parse_expr(arrow.group(2))) is not None:
                ok, value = _literal(res)
                if ok:
                    ex = Example(ex.args, value, True)
            out.append(ex)
            break
    return out


def docstring_examples(docstring: str, name: str) -> list[Example]:
    """Examples of calling `name` shown in its docstring (doctest and inline forms)."""
    lines = docstring.splitlines()[:2000]
    out: list[Example] = []
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        if stripped.startswith(">>>"):
            call = _parse_expr(stripped[3:])
            i += 1
            expected: list[str] = []
            while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith(">>>"):
                expected.append(lines[i].strip())
                i += 1
            ex, used = _doctest_example(call, expected, name)
            if ex is not None:
                out.append(ex)
            for rest in expected[used:]:  # prose after the output, without a blank line
                out.extend(_inline_examples(rest, name))
            continue
        out.extend(_inline_examples(lines[i], name))
        i += 1
    return out


def _doctest_example(call: ast.AST | None, expected: list[str], name: str
                     ) -> tuple[Example | None, int]:
    """The example of one `>>>` line and how many output lines it used."""
    if call is None:
        return None, 0
    if isinstance(call, ast.Compare) and len(call.ops) == 1 and isinstance(call.ops[0], ast.Eq):
        ex = _call_example(call.left, name)  # `>>> f(1) == 3` prints True
        ok, value = _literal(call.comparators[0])
        if ex is None:
            return None, 0
        return (Example(ex.args, value, True) if ok else ex), min(1, len(expected))
    ex = _call_example(call, name)
    if ex is None:
        return None, 0
    for used in (len(expected), 1):  # the whole output, else its first line only
        res = _parse_expr(" ".join(expected[:used])) if expected[:used] else None
        ok, value = _literal(res) if res is not None else (False, None)
        if ok:
            return Example(ex.args, value, True), used
    return ex, 0


def call_site_examples(source: str, name: str) -> list[Example]:
    """Literal calls of `name` in the file; `f(x) == literal` comparisons give results."""
    try:
        tree = pyast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    out: list[Example] = []
    with_result: set[int] = set()
    try:
        nodes = list(ast.walk(tree))
    except RecursionError:
        return []
    for node in nodes:
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
            ex = _call_example(node.left, name)
            ok, value = _literal(node.comparators[0])
            if ex is not None and ok:
                out.append(Example(ex.args, value, True))
                with_result.add(id(node.left))
    for node in nodes:
        if id(node) not in with_result and (ex := _call_example(node, name)) is not None:
            out.append(ex)
    return out


def static_types(examples: Sequence[Example], n_params: int
                 ) -> tuple[list[IRType | None], IRType | None]:
    """Per-parameter and return types the examples pin down (None where they do not)."""
    # A call with fewer arguments relied on defaults: its missing slots are unknown.
    usable = [Example(ex.args + (UNKNOWN,) * (n_params - len(ex.args)), ex.result, ex.has_result)
              for ex in examples if len(ex.args) <= n_params]
    params: list[IRType | None] = []
    for k in range(n_params):
        desc = "?"
        for ex in usable:
            desc = unify(desc, describe_value(ex.args[k]))
        params.append(descriptor_type(desc))
    rdesc = "?"
    for ex in usable:
        if ex.has_result:
            rdesc = unify(rdesc, describe_value(ex.result))
    return params, descriptor_type(rdesc, allow_tuple=True)


def _assignments(known: Sequence[IRType | None], kinds: Sequence[Kind | None]
                 ) -> list[tuple[IRType, ...]]:
    unknown = [k for k, t in enumerate(known) if t is None]
    if len(unknown) > _MAX_UNKNOWN:
        return []
    pools = [[c for c in CANDIDATES if kinds[k] is None or c.kind is kinds[k]] for k in unknown]
    combos = sorted(itertools.product(*(range(len(p)) for p in pools)),
                    key=lambda c: (sum(c), c))[:_MAX_ASSIGNMENTS]
    out: list[tuple[IRType, ...]] = []
    for combo in combos:
        filled = list(known)
        for slot, pool, ci in zip(unknown, pools, combo):
            filled[slot] = pool[ci]
        out.append(tuple(t for t in filled if t is not None))
    return out


def _columns(types: set[IRType], seed: int) -> dict[IRType, list[Any]]:
    """_PROBE_INPUTS values per type: hypothesis draws for scalars (one draw per scalar
    type, cached), lists and matrices cut from those draws (drawing them too costs seconds)."""
    return {t: list(_column(t, seed)) for t in types}


@functools.lru_cache(maxsize=64)
def _column(t: IRType, seed: int) -> tuple[Any, ...]:
    if t.kind is Kind.LIST:
        cells = _column(t.scalar, seed)
        n = len(cells)
        if t.rank == 1:
            return tuple([cells[(j + m) % n] for m in range(j % 5)] for j in range(_PROBE_INPUTS))
        return tuple([[cells[(j + 3 * r + c) % n] for c in range(j % 3 + 1)] for r in range(j % 4)]
                     for j in range(_PROBE_INPUTS))
    from tolk.ir.function import Param, Signature
    from tolk.validators.strategies import generate_inputs
    rows = generate_inputs(Signature("probe", (Param("x", t),), t), _PROBE_INPUTS, seed=seed)
    return tuple(r[0] for r in rows) or (None,)


def probe_types(source: str, name: str, known: Sequence[IRType | None],
                returns: IRType | None, *, seed: int = 0, executor: str = "auto",
                param_kinds: Sequence[Kind | None] = (), return_kind: Kind | None = None,
                ) -> tuple[tuple[IRType, ...], IRType] | None:
    """(parameter types, return type) from running the function in the sandbox, or None.

    `param_kinds`/`return_kind` restrict unknown slots to one kind (a bare `list`)."""
    from tolk.validators.reference import OutcomeKind, run_module
    from tolk.validators.sandbox import SandboxPolicy
    kinds = list(param_kinds) + [None] * (len(known) - len(param_kinds))
    assignments = _assignments(known, kinds)
    if not assignments:
        return None
    cols = _columns({t for a in assignments for t in a}, seed)
    inputs: list[tuple[Any, ...]] = []
    spans: list[tuple[int, int]] = []
    for a in assignments:
        n = max(len(cols[t]) for t in a) if a else 1
        rows = [tuple(cols[t][(j + 3 * k) % len(cols[t])] for k, t in enumerate(a)) for j in range(n)]
        spans.append((len(inputs), len(inputs) + len(rows)))
        inputs += rows
    policy = SandboxPolicy(cpu_seconds=30, wall_seconds=120.0)  # CPU decides (testgen.py)
    runs = [run_module(source, name, inputs, returns=None, policy=policy, hash_seed=h,
                       timeout_s=0.25, max_timeouts=8, executor=executor, describe=True)
            for h in (1, 2)]
    best: tuple[int, int, tuple[IRType, ...], IRType] | None = None
    for rank, (a, (lo, hi)) in enumerate(zip(assignments, spans)):
        desc, ok = "?", 0
        for o1, o2 in zip(runs[0].outcomes[lo:hi], runs[1].outcomes[lo:hi]):
            if o1.kind is OutcomeKind.OK and o1.raw == o2.raw:
                merged = unify(desc, o1.type_desc)
                if merged != "mixed":
                    desc, ok = merged, ok + 1
        ret = descriptor_type(desc, allow_tuple=True)
        if ret is not None and return_kind is not None and ret.kind is not return_kind:
            continue
        if returns is not None and ret is not None and ret != returns and not (
                returns.kind is Kind.FLOAT and ret.kind is Kind.INT):
            continue
        ret = returns or ret
        if ret is None or ok < PROBE_MIN_OK * (hi - lo):
            continue
        if best is None or ok > best[0]:
            best = (ok, rank, a, ret)
    return (best[2], best[3]) if best is not None else None
