"""Static parallelism checks on a CUDA candidate: serial kernels are refused.

A CUDA sample must spread its work over threads. `serial_reason(root, functions)` returns
"serial_kernel" when
  - a launch `<<<grid, block>>>` has one thread in total (both are the constant 1:
    `1`, `1u`, `dim3(1)`, `dim3(1, 1, 1)`, `{1}`, a `#define` of one of these, or a local
    initialised so); or
  - a `__global__` kernel does no thread-indexed work: no buffer access (subscript `a[e]`,
    dereference `*e`) and no call (`atomicAdd(acc, v)`, `helper(xs, i)`) depends on
    `threadIdx`/`blockIdx` outside a single-thread guard. Dependence follows assignments
    (`tid = blockIdx.x * blockDim.x + threadIdx.x; for (i = tid; ...)`), so a grid-stride
    loop counts, and through helpers that read the thread indices themselves (`i = gid()`,
    `process(xs, out, n)` with `process` indexing by `threadIdx`). A guard pins the thread
    values it tests against constants: inside `if (threadIdx.x == 0 && blockIdx.x == 0)
    {...}`, after `if (threadIdx.x != 0 || blockIdx.x != 0) return;` (also `> 0`, `>= 1`,
    or a bare `if (tid) return;`) and in the else branch of an `!=` test, the pinned values
    no longer count. A kernel whose work is all inside such a guard, or that ignores its thread
    index and loops over everything, is therefore serial; `if (threadIdx.x == 0)
    atomicAdd(out, partial[0]);` after a thread-indexed phase is fine.

Key contracts: only reasons, never rewrites; runs after the structural checks, so the
host function and a launched kernel exist. It follows names, not values: a kernel whose
threads all compute the same thing into `out[threadIdx.x]` passes, and one that takes its
index only from cooperative groups (`this_grid().thread_rank()`) is refused (a known false
positive).
"""

from __future__ import annotations

import re

import tree_sitter
from tolk.ir.syntax import walk

__all__ = ["serial_reason"]

_SOURCES = {"threadIdx": "t", "blockIdx": "b"}
_ONE = re.compile(r"\(?(?:dim3)?[({]?1[uUlL]*(?:,1[uUlL]*){0,2}[)}]?\)?")
_ACCESS = ("subscript_expression", "call_expression", "pointer_expression")


def _text(n: tree_sitter.Node) -> str:
    return (n.text or b"").decode("utf-8", "replace")


def serial_reason(root: tree_sitter.Node, functions: dict[str, tree_sitter.Node]) -> str | None:
    defines = {_text(n.child_by_field_name("name")): re.sub(r"\s+", "", _text(value))
               for n in walk(root) if n.type == "preproc_def"
               and (value := n.child_by_field_name("value")) is not None}
    for fn in functions.values():
        for call in walk(fn):
            if call.type == "kernel_call_syntax" and _one_thread(call, fn, defines):
                return "serial_kernel"
    aware = _thread_aware(functions)
    for fn in functions.values():
        if any(c.type == "__global__" for c in fn.children) and not _thread_indexed(fn, aware):
            return "serial_kernel"
    return None


def _thread_aware(functions: dict[str, tree_sitter.Node]) -> frozenset[str]:
    """Functions that read threadIdx/blockIdx, directly or through functions they call
    (`__device__ long long gid() { return blockIdx.x * blockDim.x + threadIdx.x; }`)."""
    calls = {name: {_callee(c) for c in walk(fn) if c.type == "call_expression"}
             for name, fn in functions.items()}
    aware = {name for name, fn in functions.items()
             if any(n.type == "identifier" and _text(n) in _SOURCES for n in walk(fn))}
    changed = True
    while changed:
        changed = False
        for name, callees in calls.items():
            if name not in aware and callees & aware:
                aware.add(name)
                changed = True
    return frozenset(aware)


def _callee(call: tree_sitter.Node) -> str:
    f = call.child_by_field_name("function")
    while f is not None and f.type in ("template_function", "qualified_identifier"):
        f = f.child_by_field_name("name")
    return _text(f) if f is not None else ""


# ---- launches -----------------------------------------------------------------------------

def _one_thread(config: tree_sitter.Node, fn: tree_sitter.Node, defines: dict[str, str]
                ) -> bool:
    args = [c for c in config.named_children if c.type != "comment"]
    return len(args) >= 2 and all(_is_one(a, fn, defines) for a in args[:2])


def _is_one(arg: tree_sitter.Node, fn: tree_sitter.Node, defines: dict[str, str]) -> bool:
    text = re.sub(r"\s+", "", _text(arg))
    if _ONE.fullmatch(text) or _ONE.fullmatch(defines.get(text, "")):
        return True
    if arg.type != "identifier":
        return False
    # a local initialised to one: `int threads = 1;`, `dim3 grid(1);`, `dim3 g{1, 1};`
    name = re.escape(text)
    body = re.sub(r"\s+", "", _text(fn))
    one = r"1[uUlL]*(?:,1[uUlL]*){0,2}"
    return re.search(rf"[\w>*&,]{name}(?:={_ONE.pattern}|[({{]{one}[)}}])[;,]", body) is not None


# ---- kernels ------------------------------------------------------------------------------

def _thread_indexed(kernel: tree_sitter.Node, aware: frozenset[str]) -> bool:
    taint = _taint(kernel, aware)
    body = kernel.child_by_field_name("body")
    if body is None:
        return False
    for n in walk(body):
        if n.type not in _ACCESS:
            continue
        if n.type == "pointer_expression" and _text(n).lstrip()[:1] != "*":
            continue
        part = (n.child_by_field_name("arguments") if n.type == "call_expression"
                else n.child_by_field_name("indices") or n.child_by_field_name("index")
                if n.type == "subscript_expression" else n.child_by_field_name("argument"))
        if part is None:
            continue
        src = _sources(part, taint, aware)
        if n.type == "call_expression" and _callee(n) in aware:
            src |= {"t", "b"}  # a helper that indexes by thread itself
        if src - _pins(n, kernel, taint):
            return True
    return False


def _sources(n: tree_sitter.Node, taint: dict[str, set[str]],
             aware: frozenset[str] = frozenset()) -> set[str]:
    out: set[str] = set()
    for m in walk(n):
        if m.type == "identifier":
            name = _text(m)
            out |= {_SOURCES[name]} if name in _SOURCES else taint.get(name, set())
        elif m.type == "call_expression" and _callee(m) in aware:
            out |= {"t", "b"}
    return out


def _target(n: tree_sitter.Node | None) -> str:
    """The variable an assignment or declaration sets (`x`, `*p` -> "", `a[i]` -> "")."""
    while n is not None and n.type in ("pointer_declarator", "reference_declarator",
                                       "parenthesized_declarator"):
        n = n.child_by_field_name("declarator") or (n.named_children[-1] if n.named_children
                                                    else None)
    return _text(n) if n is not None and n.type == "identifier" else ""


def _taint(kernel: tree_sitter.Node, aware: frozenset[str]) -> dict[str, set[str]]:
    """Locals whose value depends on threadIdx/blockIdx, and on which of the two."""
    pairs: list[tuple[str, tree_sitter.Node]] = []
    for n in walk(kernel):
        if n.type == "init_declarator":
            value = n.child_by_field_name("value")
            name = _target(n.child_by_field_name("declarator"))
            if value is not None and name:
                pairs.append((name, value))
        elif n.type == "assignment_expression":
            right, name = n.child_by_field_name("right"), _target(n.child_by_field_name("left"))
            if right is not None and name:
                pairs.append((name, right))
    taint: dict[str, set[str]] = {}
    changed = True
    while changed:
        changed = False
        for name, value in pairs:
            src = _sources(value, taint, aware)
            if not src <= taint.get(name, set()):
                taint[name] = taint.get(name, set()) | src
                changed = True
    return taint


def _pins(node: tree_sitter.Node, kernel: tree_sitter.Node, taint: dict[str, set[str]]
          ) -> set[str]:
    """Thread sources fixed to one value wherever node runs (single-thread guards)."""
    pins: set[str] = set()
    child, parent = node, node.parent
    while parent is not None and parent != kernel:
        if parent.type == "if_statement":
            cond = parent.child_by_field_name("condition")
            if cond is not None:
                if child == parent.child_by_field_name("consequence"):
                    pins |= _tests(cond, "&&", ("==",), taint)
                elif child == parent.child_by_field_name("alternative"):
                    pins |= _tests(cond, "||", ("!=",), taint)
        elif parent.type == "compound_statement":
            for sib in parent.named_children:
                if sib == child:
                    break
                if sib.type == "if_statement" and _returns(sib):
                    cond = sib.child_by_field_name("condition")
                    if cond is not None:
                        pins |= _tests(cond, "||", ("!=", ">", ">="), taint, bare=True)
        child, parent = parent, parent.parent
    return pins


def _returns(st: tree_sitter.Node) -> bool:
    if st.child_by_field_name("alternative") is not None:
        return False
    c = st.child_by_field_name("consequence")
    if c is not None and c.type == "compound_statement" and len(c.named_children) == 1:
        c = c.named_children[0]
    return c is not None and c.type == "return_statement"


def _tests(cond: tree_sitter.Node, join: str, ops: tuple[str, ...],
           taint: dict[str, set[str]], bare: bool = False) -> set[str]:
    """Sources pinned by the `join`-connected terms of cond that compare a thread value
    with a constant using one of ops."""
    while cond.type in ("condition_clause", "parenthesized_expression") and cond.named_children:
        cond = cond.named_children[0]
    if cond.type == "binary_expression":
        op = _text(cond.child_by_field_name("operator"))
        left, right = cond.child_by_field_name("left"), cond.child_by_field_name("right")
        if left is None or right is None:
            return set()
        if op == join:
            return _tests(left, join, ops, taint, bare) | _tests(right, join, ops, taint, bare)
        mirror = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
        if right.type == "number_literal" and op in ops:
            return _sources(left, taint)
        if left.type == "number_literal" and mirror.get(op) in ops:
            return _sources(right, taint)
        return set()
    if bare and cond.type in ("identifier", "field_expression"):
        return _sources(cond, taint)
    return set()
