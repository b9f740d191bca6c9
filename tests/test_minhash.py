"""MinHash signatures, LSH index and batch clustering."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tolk.corpus.minhash import (LSHIndex, batch_shingle_hashes, canonical_tokens, code_tokens,
                                 jaccard, lsh_params, near_duplicate_clusters, shingle_hashes,
                                 signature, signatures)
from tolk.corpus.normalize import dedup_tokens, normalize, strip_comments


def _doc(rng: random.Random, n: int = 80) -> list[str]:
    return [f"t{rng.randrange(10_000)}" for _ in range(n)]


def _true_jaccard(a: list[str], b: list[str], k: int = 5) -> float:
    sa = {tuple(a[i:i + k]) for i in range(len(a) - k + 1)}
    sb = {tuple(b[i:i + k]) for i in range(len(b) - k + 1)}
    return len(sa & sb) / len(sa | sb)


def test_code_tokens_keep_operators_strings_and_numbers() -> None:
    assert code_tokens('x(i) <= 2.5d0 .and. s == "a b" ! c') == [
        "x", "(", "i", ")", "<=", "2.5d0", ".and.", "s", "==", '"a b"', "!", "c"]


def test_canonical_tokens_rename_by_first_appearance() -> None:
    toks = code_tokens("do i = 1, n\n total = total + x(i)")
    assert canonical_tokens(toks, frozenset({"do"})) == [
        "do", "v0", "=", "1", ",", "v1", "v2", "=", "v2", "+", "v3", "(", "v0", ")"]
    assert canonical_tokens(["DO", "X", "x"], frozenset({"do"}), fold_case=True) == ["do", "v0", "v0"]


def test_signature_is_deterministic_and_batch_equals_single() -> None:
    rng = random.Random(3)
    docs = [_doc(rng, n) for n in (0, 1, 4, 5, 6, 80, 200)]
    batch = signatures(docs, chunk_shingles=100)  # forces several chunks
    single = np.array([signature(shingle_hashes(d)) for d in docs])
    assert batch.dtype == np.uint32 and batch.shape == (7, 128)
    assert np.array_equal(batch, single)
    assert np.array_equal(signatures(docs), batch)
    assert not np.array_equal(signatures(docs, seed=2), batch)
    hashes, counts = batch_shingle_hashes(docs, 5)
    assert counts.tolist() == [0, 1, 1, 1, 2, 76, 196]
    assert np.array_equal(hashes, np.concatenate([shingle_hashes(d) for d in docs]))


def test_batch_renaming_equals_canonical_tokens() -> None:
    rng = random.Random(5)
    keep = frozenset({"do", "end", "if"})
    vocab = ["do", "end", "if", "x", "y", "zz", "(", ")", "=", "+", "1", "2", "'s'"]
    docs = [[rng.choice(vocab) for _ in range(rng.randrange(0, 40))] for _ in range(60)]
    renamed = [canonical_tokens(d, keep) for d in docs]
    assert np.array_equal(signatures(docs, rename_keep=keep, chunk_shingles=50), signatures(renamed))
    hashes, counts = batch_shingle_hashes(docs, 3, keep)
    assert np.array_equal(hashes, np.concatenate([shingle_hashes(d, 3) for d in renamed]))


def test_estimate_tracks_true_jaccard() -> None:
    rng = random.Random(7)
    errors = []
    for _ in range(40):
        a = _doc(rng, 150)
        b = list(a)
        for j in rng.sample(range(150), rng.randrange(1, 30)):
            b[j] = "changed"
        s = signatures([a, b])
        errors.append(jaccard(s[0], s[1]) - _true_jaccard(a, b))
    assert abs(float(np.mean(errors))) < 0.03
    assert float(np.max(np.abs(errors))) < 0.2


def test_lsh_params_cover_the_permutations() -> None:
    b, r = lsh_params(0.8, 128)
    assert b * r <= 128 and b > 1 and r > 1
    b7, r7 = lsh_params(0.7, 128)
    assert r7 < r  # a lower threshold needs shorter bands


def test_lsh_index_finds_near_duplicates_only() -> None:
    rng = random.Random(1)
    base = _doc(rng, 200)
    near = list(base)
    near[100] = "edited"
    far = _doc(rng, 200)
    sigs = signatures([base, near, far])
    idx = LSHIndex(threshold=0.8)
    assert idx.add("base", sigs[0]) == []
    assert idx.add("far", sigs[2]) == []
    assert idx.add("near", sigs[1]) == ["base"]
    assert idx.query(sigs[0]) == ["base", "near"]
    assert len(idx) == 3
    with pytest.raises(ValueError):
        idx.add("bad", sigs[0][:10])


def test_clusters_map_to_lowest_index_and_chain() -> None:
    rng = random.Random(2)
    docs = [_doc(rng, 300) for _ in range(5)]
    copy1 = list(docs[1])
    copy1[10] = "x"
    copy3 = list(docs[3])
    copy3[250] = "y"
    rep = near_duplicate_clusters(signatures(docs + [copy1, copy3, list(docs[1])]), 0.8)
    assert rep.tolist() == [0, 1, 2, 3, 4, 1, 3, 1]
    assert near_duplicate_clusters(signatures([docs[0]]), 0.8).tolist() == [0]


def test_normalize_strips_comments_not_strings() -> None:
    assert strip_comments("x = 1 ! note\ns = 'a ! b'", "fortran") == "x = 1 \ns = 'a ! b'"
    assert normalize("PRINT *, 'Hi' ! c", "fortran") == "print * , 'Hi'"
    assert normalize("int a; /* c */ // d", "cuda") == "int a ;"
    assert normalize('DISPLAY "X". *> c', "cobol") == 'display "X" .'
    assert normalize('x = "#" # c\n#= b =#', "julia") == 'x = "#"'
    assert dedup_tokens("Total = Total + 1", "fortran") == ["v0", "=", "v0", "+", "1"]
    assert dedup_tokens("Total = Total + 1", "julia", rename=False) == ["Total", "=", "Total", "+", "1"]
