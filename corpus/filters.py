"""Filters with reasons: program-level (a streaming stage) and function-level checks.

    filter_programs(items, limits) -> Iterator[Program | Rejected]   after a source
    check_function(fn, limits) -> (reason, detail) | None            after the front end
    screen_function(item) -> Function | Rejected                     the same, as a record
    analyze_screened(program) -> list[Function | Rejected]          front end + screen

Program reasons (stage SAMPLE): `binary`, `size:too_small`, `size:too_many_bytes`,
`size:too_many_lines`, `size:long_line`, `nesting:too_deep`, `duplicate:exact`,
`duplicate:near`, `filter_error`. Function reasons (stage FRONTEND) add to what the front
end already refuses (free names, imports, I/O builtins, global/nonlocal, nested scopes,
generators: ir/frontend.py `_check_self_contained`): `free_name:<n>` in a default value,
`uses_dunder:<attr>`, `uses_introspection:<n>`, `nondeterministic:<n>`, `uses_exit:<n>`,
`unbounded_loop`, `size:fn_lines`, `size:fn_nodes`, `size:fn_too_small`, `syntax_error:ast`.

Key contracts: nothing here raises for an item; every refusal names its reason. Memory is
bounded by design: no text and no signature is kept, only 8-byte keys in flat numpy sets
(a quarter to half full), one per program for exact duplicates and one per LSH band of its
MinHash signature (corpus/minhash.py) for near duplicates: with the default 8 bands, 144 to
288 bytes per program. Nesting depth is measured on the tree-sitter tree without
recursion, before anything recursive (the front end's body builder) sees a hostile program.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import re
from dataclasses import dataclass, fields
from typing import Any, Iterable, Iterator, Mapping

import numpy as np

from tolk import pyast
from tolk.corpus import minhash
from tolk.errors import ConfigError
from tolk.ir.frontend import analyze_program
from tolk.ir.function import Function, Program
from tolk.ir.syntax import parse_python
from tolk.outcome import Rejected, Stage

__all__ = ["FilterLimits", "FILTER_OPTIONS", "filter_programs", "check_function",
           "screen_function", "analyze_screened", "normalized_tokens", "tree_depth",
           "DedupState"]


@dataclass(frozen=True, slots=True)
class FilterLimits:
    """Bounds for both filter levels; every field can be set as a source option."""
    min_bytes: int = 8
    max_bytes: int = 256 * 1024
    max_lines: int = 10_000
    max_line_length: int = 2_000
    max_depth: int = 120  # tree-sitter node depth; ordinary code stays well under 60
    dedup: str = "exact,near"  # "none", "exact", "near" or both
    near_threshold: float = 0.85
    num_perm: int = 128
    near_min_tokens: int = 30  # fewer tokens: too few shingles for a meaningful Jaccard
    shingle: int = 5
    min_fn_nodes: int = 3  # AST nodes in the body: `return x` (2) is too small
    max_fn_lines: int = 200
    max_fn_nodes: int = 3_000  # AST nodes in the body

    @classmethod
    def from_options(cls, options: Mapping[str, str]) -> "FilterLimits":
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            if f.name in options:
                raw = options[f.name]
                try:
                    kwargs[f.name] = raw if f.type == "str" else \
                        (float(raw) if f.type == "float" else int(raw))
                except ValueError:
                    raise ConfigError(f"filter option {f.name}={raw!r}: expected {f.type}") \
                        from None
        limits = cls(**kwargs)  # type: ignore[arg-type]
        if set(limits.dedup.split(",")) - {"none", "exact", "near", ""}:
            raise ConfigError(f"filter option dedup={limits.dedup!r}: use none, exact, near "
                              "or exact,near")
        if not 0 < limits.near_threshold <= 1:
            raise ConfigError("filter option near_threshold must be in (0, 1]")
        return limits


FILTER_OPTIONS = frozenset(f.name for f in fields(FilterLimits))

# ---- program level --------------------------------------------------------------------


def normalized_tokens(text: str) -> list[str]:
    """Code tokens with comments and blank lines dropped (what "the same program" means
    for exact deduplication: layout and comments do not count)."""
    out: list[str] = []
    for line in text.splitlines():
        toks = minhash.code_tokens(line)
        if "#" in toks:  # a '#' inside a string is part of the string token, not here
            toks = toks[:toks.index("#")]
        out.extend(toks)
        if toks:
            out.append("\n")
    return out


def tree_depth(text: str, limit: int) -> int:
    """Depth of the tree-sitter tree, counting stops at limit + 1 (no recursion)."""
    cursor = parse_python(text).walk()
    depth = best = 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > best:
                best = depth
                if best > limit:
                    return best
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return best
            depth -= 1


class _U64Set:
    """Open-addressing set of uint64 in one numpy array (8 bytes a slot, at most half full:
    about 16-32 bytes per key, versus about 100 for a Python set of ints)."""

    def __init__(self, capacity: int = 1 << 12) -> None:
        self.keys = np.zeros(capacity, dtype=np.uint64)  # 0 marks an empty slot
        self.size = 0

    def add(self, key: int) -> bool:
        """Add key; True when it was already there."""
        key = key or 1
        if 2 * (self.size + 1) > self.keys.size:
            self._grow()
        keys, mask = self.keys, self.keys.size - 1
        i = ((key * 0x9E3779B97F4A7C15) >> 20) & mask
        while True:
            k = int(keys[i])
            if k == key:
                return True
            if k == 0:
                keys[i] = key
                self.size += 1
                return False
            i = (i + 1) & mask

    def _grow(self) -> None:
        old = self.keys[self.keys != 0].tolist()
        self.keys = np.zeros(self.keys.size * 2, dtype=np.uint64)
        self.size = 0
        for k in old:
            self.add(k)

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes


def _hash64(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


_MEMO_MAX = 1 << 14  # token hashes remembered at most (about 2 MB), then forgotten


def _shingles(tokens: list[str], k: int, memo: dict[str, int]) -> np.ndarray:
    """uint64 per k-gram of tokens (one shingle when there are fewer). Token hashes go
    through a small bounded memo, so nothing grows with the vocabulary of a large source."""
    if len(memo) > _MEMO_MAX:
        memo.clear()
    h = np.empty(len(tokens), dtype=np.uint64)
    for i, t in enumerate(tokens):
        v = memo.get(t)
        if v is None:
            v = memo[t] = _hash64(t.encode("utf-8", "surrogatepass"))
        h[i] = v
    if h.size == 0:
        return h
    k = min(k, h.size)
    n = h.size - k + 1
    acc = h[:n].copy()
    with np.errstate(over="ignore"):
        for j in range(1, k):  # polynomial combine: order matters, wraps mod 2**64
            acc = acc * np.uint64(0x9E3779B97F4A7C15) + h[j:j + n]
    return acc


class DedupState:
    """What the dedup filters remember: 8-byte keys only, never text or signatures.

    Exact: a hash of the normalised tokens. Near: the LSH band keys of the program's MinHash
    signature (corpus/minhash.py); a program sharing a band with an earlier one is a near
    duplicate, as in datatrove's MinHash deduplication (no pairwise verification, so the
    S-curve of `lsh_params(near_threshold, num_perm)` decides)."""

    def __init__(self, limits: FilterLimits) -> None:
        self.limits = limits
        self.exact = _U64Set()
        self.bands_seen = _U64Set()
        self.bands, self.rows = minhash.lsh_params(limits.near_threshold, limits.num_perm)
        self._memo: dict[str, int] = {}

    def seen_exact(self, tokens: list[str]) -> bool:
        """True when an earlier program had the same tokens; remembers this one."""
        return self.exact.add(_hash64("\x1f".join(tokens).encode("utf-8", "surrogatepass")))

    def seen_near(self, tokens: list[str]) -> bool:
        """True when an earlier program shares an LSH band; remembers this one's bands."""
        lim, rows = self.limits, self.rows
        sig = minhash.signature(_shingles(tokens, lim.shingle, self._memo), lim.num_perm)
        # One key per band: its `rows` slots hashed with the band number as salt.
        hits = [self.bands_seen.add(_hash64(bytes([b]) + sig[b * rows:(b + 1) * rows].tobytes()))
                for b in range(self.bands)]
        return any(hits)

    @property
    def nbytes(self) -> int:
        return self.exact.nbytes + self.bands_seen.nbytes


def _program_reason(p: Program, lim: FilterLimits) -> tuple[str, str] | None:
    text = p.text
    if "\x00" in text:
        return "binary", "NUL byte"
    size = len(text.encode("utf-8", "surrogatepass"))
    if size < lim.min_bytes or not text.strip():
        return "size:too_small", f"{size} bytes"
    if size > lim.max_bytes:
        return "size:too_many_bytes", f"{size} > {lim.max_bytes}"
    lines = text.count("\n") + 1
    if lines > lim.max_lines:
        return "size:too_many_lines", f"{lines} > {lim.max_lines}"
    longest = max(map(len, text.splitlines()), default=0)
    if longest > lim.max_line_length:
        return "size:long_line", f"{longest} chars > {lim.max_line_length}"
    depth = tree_depth(text, lim.max_depth)
    if depth > lim.max_depth:
        return "nesting:too_deep", f"tree depth > {lim.max_depth}"
    return None


def filter_programs(items: Iterable[Program | Rejected], limits: FilterLimits | None = None,
                    *, state: DedupState | None = None) -> Iterator[Program | Rejected]:
    """Pass programs that are in bounds and not duplicates of an earlier one; refuse the
    rest with a reason. Rejected items pass through untouched. One `state` may be shared
    across calls (shards) so duplicates are found across them."""
    lim = limits or FilterLimits()
    st = state or DedupState(lim)
    modes = set(lim.dedup.split(","))
    for item in items:
        if isinstance(item, Rejected):
            yield item
            continue
        try:
            verdict = _program_reason(item, lim)
            if verdict is None and modes & {"exact", "near"}:
                verdict = _dedup_reason(item, st, modes)
        except Exception as exc:  # noqa: BLE001 - an item never stops us (RecursionError too)
            verdict = "filter_error", f"{type(exc).__name__}: {exc}"[:300]
        if verdict is None:
            yield item
        else:
            yield Rejected(Stage.SAMPLE, verdict[0], item.source_id, item.uri,
                           detail=verdict[1][:300])


def _dedup_reason(p: Program, st: DedupState, modes: set[str]) -> tuple[str, str] | None:
    tokens = normalized_tokens(p.text)
    if "exact" in modes and st.seen_exact(tokens):
        return "duplicate:exact", "same tokens as an earlier program"
    if "near" in modes and len(tokens) >= st.limits.near_min_tokens:
        if st.seen_near(tokens):
            return "duplicate:near", (f"shares a MinHash LSH band with an earlier program "
                                      f"(threshold {st.limits.near_threshold})")
    return None

# ---- function level -------------------------------------------------------------------


_BUILTINS = frozenset(dir(builtins))
# Builtins the front end lets through that still reach outside the function's inputs.
_INTROSPECTION = frozenset({"getattr", "hasattr", "dir", "super",
                            "classmethod", "staticmethod", "property", "__build_class__",
                            "__loader__", "__spec__", "__name__", "__package__", "__doc__",
                            "copyright", "credits", "license"})
_NONDETERMINISTIC = frozenset({"id", "hash"})  # addresses; str hashes vary per process
_EXITS = frozenset({"SystemExit", "KeyboardInterrupt", "GeneratorExit"})
_DEFAULT_LIMITS = FilterLimits()


# Any identifier the body checks look for; a source without one (and short enough for the
# node bound) cannot fail them, so the Python-level AST walk is skipped (the common case).
_SUSPECT = re.compile(r"__\w+__|\bwhile\b|\b(?:%s)\b" % "|".join(
    sorted(_INTROSPECTION | _NONDETERMINISTIC | _EXITS)))


def check_function(fn: Function, limits: FilterLimits | None = None) -> tuple[str, str] | None:
    """(reason, detail) when the accepted function is still unfit, else None."""
    lim = limits or _DEFAULT_LIMITS
    src = fn.source
    lines = src.count("\n") + 1
    if lines > lim.max_fn_lines:
        return "size:fn_lines", f"{lines} > {lim.max_fn_lines}"
    try:
        tree = pyast.parse(src)
        fdef = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
        # Non-ASCII identifiers are NFKC-normalised by Python (a fullwidth `ｉｄ` is `id`),
        # so only plain ASCII sources may take the fast path.
        walk = (2 * len(src) >= lim.max_fn_nodes or len(fdef.body) < lim.min_fn_nodes
                or not src.isascii() or _SUSPECT.search(src) is not None)
        # One walk over the body (the slow part); ctx nodes are bookkeeping, not code.
        nodes = [n for s in fdef.body for n in ast.walk(s)
                 if not isinstance(n, ast.expr_context)] if walk else None
    except StopIteration:
        return "syntax_error:ast", "no function definition"
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return "syntax_error:ast", f"{type(exc).__name__}: {exc}"[:300]
    if all(_is_docstring_or_pass(s) for s in fdef.body):
        return "size:fn_too_small", "the body is only a docstring or pass"
    if nodes is None:  # < 2 nodes per character, >= 1 per statement: within both bounds
        return _defaults_reason(fdef)
    if len(nodes) > lim.max_fn_nodes:
        return "size:fn_nodes", f"{len(nodes)} AST nodes in the body > {lim.max_fn_nodes}"
    if len(nodes) < lim.min_fn_nodes:
        return "size:fn_too_small", f"{len(nodes)} AST nodes in the body"
    return _defaults_reason(fdef) or _body_reason(fdef, nodes)


def _is_docstring_or_pass(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr)
                                         and isinstance(stmt.value, ast.Constant))


def _defaults_reason(fdef: ast.FunctionDef) -> tuple[str, str] | None:
    # Defaults are evaluated in the module: a name there is a global the function reads.
    for d in [*fdef.args.defaults, *(k for k in fdef.args.kw_defaults if k is not None)]:
        for n in ast.walk(d):
            if isinstance(n, ast.Name) and n.id not in _BUILTINS:
                return f"free_name:{n.id}", "in a default value"
    return None


def _bound(fdef: ast.FunctionDef, nodes: list[ast.AST]) -> set[str]:
    a = fdef.args
    bound = {p.arg for p in [*a.posonlyargs, *a.args, *a.kwonlyargs]}
    bound |= {p.arg for p in (a.vararg, a.kwarg) if p is not None}
    for n in nodes:
        if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load):
            bound.add(n.id)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
    return bound


def _body_reason(fdef: ast.FunctionDef, nodes: list[ast.AST]) -> tuple[str, str] | None:
    bound = _bound(fdef, nodes)
    for n in nodes:
        if isinstance(n, ast.Attribute) and n.attr.startswith("__") and n.attr.endswith("__"):
            return f"uses_dunder:{n.attr}", f"line {n.lineno}"
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id not in bound:
            if n.id in _INTROSPECTION:
                return f"uses_introspection:{n.id}", f"line {n.lineno}"
            if n.id in _NONDETERMINISTIC:
                return f"nondeterministic:{n.id}", f"line {n.lineno}"
            if n.id in _EXITS:
                return f"uses_exit:{n.id}", f"line {n.lineno}"
        if isinstance(n, ast.While) and _always_true(n.test) and not _can_leave(n):
            return "unbounded_loop", f"line {n.lineno}: no break, return or raise"
    return None


def _always_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value)


def _can_leave(loop: ast.While) -> bool:
    for n in ast.walk(loop):
        if isinstance(n, (ast.Return, ast.Raise)):
            return True
        # A break leaves this loop only when no inner loop owns it.
        if isinstance(n, ast.Break) and _owner(loop, n) is loop:
            return True
    return False


def _owner(loop: ast.While, brk: ast.Break) -> ast.AST:
    owner: ast.AST = loop
    stack: list[tuple[ast.AST, ast.AST]] = [(loop, loop)]
    while stack:
        node, current = stack.pop()
        for child in ast.iter_child_nodes(node):
            if child is brk:
                owner = current
            inner = child if isinstance(child, (ast.While, ast.For)) else current
            stack.append((child, inner))
    return owner


def screen_function(item: Function | Rejected,
                    limits: FilterLimits | None = None) -> Function | Rejected:
    """check_function as a record: the function itself, or its rejection (FRONTEND)."""
    if isinstance(item, Rejected):
        return item
    try:
        found = check_function(item, limits)
    except Exception as exc:  # noqa: BLE001 - a check must never stop the shard
        found = "filter_error", f"{type(exc).__name__}: {exc}"
    if found is None:
        return item
    return Rejected(Stage.FRONTEND, found[0], item.program.source_id, item.program.uri,
                    item.name, detail=found[1][:300])


def analyze_screened(program: Program, limits: FilterLimits | None = None,
                     **frontend: Any) -> list[Function | Rejected]:
    """The front end, then `screen_function` on each result. A program too deep for the
    front end's recursive body builder is a rejection (`nesting:too_deep`), and any other
    exception from the front end one with reason `internal_error`: never a crash.
    `frontend` goes to `analyze_program` (infer=, executor=)."""
    try:
        results = analyze_program(program, **frontend)
    except RecursionError:
        return [Rejected(Stage.FRONTEND, "nesting:too_deep", program.source_id, program.uri,
                         detail="the front end ran out of recursion depth")]
    except Exception as exc:  # noqa: BLE001 - a front-end bug must not stop the run
        return [Rejected(Stage.FRONTEND, "internal_error", program.source_id, program.uri,
                         detail=f"{type(exc).__name__}: {exc}"[:300])]
    return [screen_function(r, limits) for r in results]
