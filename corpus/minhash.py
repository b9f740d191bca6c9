"""MinHash signatures and LSH over code tokens, vectorised with numpy.

Pipeline: `code_tokens(text)` -> optional `canonical_tokens(tokens, keep)` (identifiers
renamed v0, v1, ... by first appearance, so renamed-variable copies tokenise the same) ->
`shingle_hashes(tokens, k)` (uint64 per k-gram) -> `signature(hashes, num_perm, seed)`
(uint32 per permutation). `signatures(docs, rename_keep=keep)` does many documents in
bounded-size chunks, renaming on token ids with numpy (the same signatures as
`canonical_tokens` first, without a Python loop per token beyond one dict lookup).

Near-duplicates: `LSHIndex` is the streaming form (`add(key, sig)` returns the keys
already indexed whose estimated Jaccard similarity reaches the threshold, then indexes the
new one); `near_duplicate_clusters(sigs, threshold)` is the batch form for large arrays
(band buckets grouped with numpy, candidate pairs verified on the signatures, connected
components; every member maps to the lowest index of its component).

Key contracts: every hash here is deterministic across processes and platforms (blake2b
for tokens, fixed-seed multiply-shift permutations; never Python's `hash`). A signature is
a 1-D `np.uint32` array of length `num_perm`; a document with fewer than `k` tokens has one
shingle (all its tokens), an empty document the all-ones signature (similar to nothing but
other empty documents). `jaccard(a, b)` estimates the Jaccard similarity of the shingle
sets as the fraction of equal signature slots.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

import numpy as np

__all__ = ["code_tokens", "canonical_tokens", "token_hashes", "shingle_hashes", "signature",
           "batch_shingle_hashes", "signatures", "jaccard", "lsh_params", "band_hashes", "LSHIndex",
           "near_duplicate_clusters"]

# Identifiers, numbers, string literals (either quote), then any other non-space char;
# multi-char operators are kept whole so `<=` and `< =` differ.
_TOKEN = re.compile(r"""[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d*)?(?:[eEdD][+-]?\d+)?|\.\d+"""
                    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"""
                    r"""|::|->|=>|==|!=|/=|<=|>=|\*\*|//|&&|\|\||<<|>>|\+=|-=|\*=|\.\w+\.|\S""")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant for combining token hashes


def code_tokens(text: str) -> list[str]:
    """Tokens of source code in any of our languages (and Python); whitespace dropped."""
    return _TOKEN.findall(text)


def canonical_tokens(tokens: Sequence[str], keep: frozenset[str] = frozenset(),
                     *, fold_case: bool = False) -> list[str]:
    """Rename identifiers not in `keep` to v0, v1, ... by first appearance.

    `keep` holds the language's keywords and builtins (compared lower-cased when
    `fold_case`), so structure survives while variable names stop mattering.
    """
    names: dict[str, str] = {}
    out: list[str] = []
    append = out.append
    for t in tokens:
        key = t.lower() if fold_case else t
        # Tokens come from `code_tokens`: one that is an identifier is a name or keyword.
        if key in keep or not t.isidentifier():
            append(key)
            continue
        v = names.get(key)
        if v is None:
            v = names[key] = f"v{len(names)}"
        append(v)
    return out


_CACHE_MAX = 1 << 20


class _Vocab:
    """Memo of token -> small id, with each id's stable hash: per-token work in Python is
    one dict lookup; everything after is numpy over ids. Reset when it grows past
    `_CACHE_MAX` (ids only need to be consistent within one call)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.tokens: list[str] = []
        self.hashes = np.empty(1024, dtype=np.uint64)

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        if len(self.index) > _CACHE_MAX:
            self.__init__()  # type: ignore[misc]
        new = set(tokens).difference(self.index)
        if new:
            self._add(sorted(new))
        index = self.index
        return np.array([index[t] for t in tokens], dtype=np.int64)

    def _add(self, tokens: list[str]) -> None:
        n = len(self.tokens)
        if n + len(tokens) > self.hashes.size:
            grown = np.empty(max(2 * self.hashes.size, n + len(tokens)), dtype=np.uint64)
            grown[:n] = self.hashes[:n]
            self.hashes = grown
        self.hashes[n:n + len(tokens)] = [
            int.from_bytes(hashlib.blake2b(t.encode("utf-8", "surrogatepass"),
                                           digest_size=8).digest(), "little")
            for t in tokens]
        self.index.update(zip(tokens, range(n, n + len(tokens))))
        self.tokens.extend(tokens)


_VOCAB = _Vocab()


def token_hashes(tokens: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hash per token (blake2b of its UTF-8 text)."""
    ids = _VOCAB.ids(tokens)  # may grow (replace) the hash array: index it after
    return _VOCAB.hashes[ids]


def _canonical_hashes(ids: np.ndarray, lens: np.ndarray, keep: frozenset[str]) -> np.ndarray:
    """Token hashes of many documents after `canonical_tokens(doc, keep)` (no case folding),
    computed on ids: per document, renamable ids ranked by first appearance."""
    h = _VOCAB.hashes[ids]
    if ids.size == 0:
        return h
    uniq = np.unique(ids)
    tokens = _VOCAB.tokens
    renamable = np.array([tokens[i].isidentifier() and tokens[i] not in keep
                          for i in uniq.tolist()], dtype=bool)
    pos = np.flatnonzero(renamable[np.searchsorted(uniq, ids)])
    if pos.size == 0:
        return h
    doc = np.repeat(np.arange(lens.size), lens)[pos]
    width = int(ids.max()) + 1
    ukey, first, inv = np.unique(doc * width + ids[pos], return_index=True, return_inverse=True)
    udoc = ukey // width
    order = np.lexsort((first, udoc))  # per document, by first appearance
    in_order = udoc[order]
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size) - np.searchsorted(in_order, in_order, side="left")
    placeholders = token_hashes([f"v{r}" for r in range(int(rank.max()) + 1)])
    h[pos] = placeholders[rank[inv]]
    return h


def _rolling(h: np.ndarray, k: int) -> np.ndarray:
    # Polynomial combine of each window of k hashes: order matters, wraps mod 2**64.
    n = h.size - k + 1
    acc = h[:n].copy()
    for j in range(1, k):
        acc *= _MULT
        acc += h[j:j + n]
    return acc


def shingle_hashes(tokens: Sequence[str], k: int = 5) -> np.ndarray:
    """One uint64 per k-gram of `tokens` (a single shingle when there are fewer than k)."""
    h = token_hashes(tokens)
    if h.size == 0:
        return h
    return _rolling(h, min(k, int(h.size)))


def batch_shingle_hashes(docs: Sequence[Sequence[str]], k: int,
                         rename_keep: frozenset[str] | None = None,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many documents at once and the number of shingles per document.
    Equal to per-document `shingle_hashes` concatenated (of `canonical_tokens(doc,
    rename_keep)` when `rename_keep` is given; tokens are not case-folded here)."""
    lens = np.array([len(d) for d in docs], dtype=np.int64)
    counts = np.where(lens >= k, lens - k + 1, np.minimum(lens, 1))
    if lens.sum() == 0:
        return np.empty(0, dtype=np.uint64), counts
    ids = _VOCAB.ids(list(chain.from_iterable(docs)))
    flat = _VOCAB.hashes[ids] if rename_keep is None else _canonical_hashes(ids, lens, rename_keep)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    full = lens >= k
    parts = np.empty(int(counts.sum()), dtype=np.uint64)
    out_starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    if full.any() and flat.size >= k:
        win = _rolling(flat, k)
        # Window positions that stay inside one document, in document order.
        c = counts[full]
        pos = np.repeat(starts[full] - np.concatenate([[0], np.cumsum(c)[:-1]]), c) \
            + np.arange(int(c.sum()))
        parts[np.repeat(full, counts)] = win[pos]
    for i in np.flatnonzero((~full) & (lens > 0)):  # shorter than k: rare, one shingle each
        parts[out_starts[i]] = _rolling(flat[starts[i]:starts[i] + lens[i]], int(lens[i]))[0]
    return parts, counts


@lru_cache(maxsize=16)
def _perms(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def _permute(hashes: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    # Multiply-shift hashing: the slot is the high 32 bits of a*x+b (mod 2**64). The shift
    # is monotone, so callers take the minimum first and shift after (`_slots`).
    a, b = _perms(num_perm, seed)
    v = hashes[:, None] * a[None, :]
    v += b[None, :]
    return v


def _slots(minima: np.ndarray) -> np.ndarray:
    return (minima >> np.uint64(32)).astype(np.uint32)


def signature(hashes: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signature (uint32[num_perm]) of one document's shingle hashes."""
    if hashes.size == 0:
        return np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32)
    return _slots(_permute(hashes, num_perm, seed).min(axis=0))


def signatures(docs: Iterable[Sequence[str]], *, k: int = 5, num_perm: int = 128, seed: int = 1,
               chunk_shingles: int = 1 << 15,
               rename_keep: frozenset[str] | None = None) -> np.ndarray:
    """Signatures (n x num_perm uint32) of token lists (renamed as `canonical_tokens(doc,
    rename_keep)` does when `rename_keep` is given), permuting about `chunk_shingles`
    shingles at a time so memory stays bounded whatever the input."""
    out: list[np.ndarray] = []
    pending: list[Sequence[str]] = []
    size = 0
    a, b = _perms(num_perm, seed)

    def flush() -> None:
        nonlocal pending, size
        if not pending:
            return
        hashes, counts = batch_shingle_hashes(pending, k, rename_keep)
        block = np.full((len(pending), num_perm), 0xFFFFFFFF, dtype=np.uint32)
        nonempty = counts > 0
        if nonempty.any():
            # Permutations along rows (num_perm x shingles, contiguous) so reduceat runs
            # over contiguous memory; the minimum is taken before the monotone shift.
            v = a[:, None] * hashes[None, :]
            v += b[:, None]
            starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[nonempty]
            block[nonempty] = _slots(np.minimum.reduceat(v, starts, axis=1)).T
        out.append(block)
        pending, size = [], 0

    for tokens in docs:
        if size + len(tokens) > chunk_shingles:
            flush()
        pending.append(tokens)
        size += len(tokens)
    flush()
    return np.concatenate(out) if out else np.empty((0, num_perm), dtype=np.uint32)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(a == b))


@lru_cache(maxsize=64)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm minimising false positives plus false
    negatives around `threshold` (the datasketch rule, equal weights)."""
    s = np.linspace(0.0, 1.0, 1001)
    best, best_err = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = 1.0 - (1.0 - s ** r) ** b
            fp = np.trapezoid(np.where(s < threshold, p, 0.0), s)
            fn = np.trapezoid(np.where(s >= threshold, 1.0 - p, 0.0), s)
            if fp + fn < best_err:
                best, best_err = (b, r), fp + fn
    return best


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 per (document, band): the band's `rows` slots combined."""
    sigs = np.atleast_2d(sigs)
    out = np.zeros((sigs.shape[0], bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(rows):
            out = out * _MULT + sigs[:, j:bands * rows:rows][:, :bands].astype(np.uint64)
    # Salt with the band number so equal values in different bands never collide.
    return out ^ (np.arange(bands, dtype=np.uint64) * _MULT)


class LSHIndex:
    """Streaming near-duplicate index: `add` answers, then remembers."""

    def __init__(self, threshold: float = 0.8, num_perm: int = 128) -> None:
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands, self.rows = lsh_params(threshold, num_perm)
        self._buckets: list[dict[int, list[int]]] = [{} for _ in range(self.bands)]
        self._keys: list[str] = []
        self._sigs: list[np.ndarray] = []

    def __len__(self) -> int:
        return len(self._keys)

    def query(self, sig: np.ndarray) -> list[str]:
        """Indexed keys whose estimated Jaccard with `sig` reaches the threshold."""
        bh = band_hashes(sig, self.bands, self.rows)[0]
        cands = sorted({i for band, h in enumerate(bh.tolist())
                        for i in self._buckets[band].get(h, ())})
        return [self._keys[i] for i in cands if jaccard(self._sigs[i], sig) >= self.threshold]

    def add(self, key: str, sig: np.ndarray) -> list[str]:
        """Near-duplicates of `sig` already indexed (in insertion order); then index it."""
        if sig.shape != (self.num_perm,):
            raise ValueError(f"signature shape {sig.shape}, expected ({self.num_perm},)")
        dups = self.query(sig)
        i = len(self._keys)
        self._keys.append(key)
        self._sigs.append(sig)
        for band, h in enumerate(band_hashes(sig, self.bands, self.rows)[0].tolist()):
            self._buckets[band].setdefault(h, []).append(i)
        return dups


def _find(parent: np.ndarray) -> np.ndarray:
    while True:  # pointer jumping until every node points at a root
        nxt = parent[parent]
        if np.array_equal(nxt, parent):
            return parent
        parent = nxt


def near_duplicate_clusters(sigs: np.ndarray, threshold: float = 0.8) -> np.ndarray:
    """For each row of `sigs`, the lowest row index of its near-duplicate cluster (itself
    when it has none). Pairs sharing an LSH bucket are linked when their estimated Jaccard
    reaches `threshold`; clusters are the connected components of those links."""
    n, num_perm = sigs.shape
    parent = np.arange(n, dtype=np.int64)
    if n < 2:
        return parent
    bands, rows = lsh_params(threshold, num_perm)
    bh = band_hashes(sigs, bands, rows)
    for band in range(bands):
        col = bh[:, band]
        order = np.argsort(col, kind="stable")
        sorted_h = col[order]
        # Each document links to the first (lowest-index) member of its bucket.
        starts = np.flatnonzero(np.r_[True, sorted_h[1:] != sorted_h[:-1]])
        head = np.repeat(order[starts], np.diff(np.r_[starts, n]))
        pair = head != order
        a, b = head[pair], order[pair]
        if a.size == 0:
            continue
        sim = np.empty(a.size)
        for lo in range(0, a.size, 4096):  # bounded temporaries
            sim[lo:lo + 4096] = (sigs[a[lo:lo + 4096]] == sigs[b[lo:lo + 4096]]).mean(axis=1)
        ok = sim >= threshold
        a, b = a[ok], b[ok]
        # Union by lowest root, iterated until stable (links are few; converges quickly).
        while a.size:
            ra, rb = _find(parent)[a], _find(parent)[b]
            diff = ra != rb
            if not diff.any():
                break
            lo, hi = np.minimum(ra, rb)[diff], np.maximum(ra, rb)[diff]
            np.minimum.at(parent, hi, lo)
            parent = _find(parent)
            a, b = a[diff], b[diff]
    return _find(parent)
