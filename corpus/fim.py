"""Fill-in-the-middle samples cut at statement boundaries of validated target code.

A span is a run of whole lines: `prefix = code[:a]`, `middle = code[a:b]`,
`suffix = code[b:]`, with `a` the start of a line and `b` the start of the line after the
span (or the end of the code), so `prefix + middle + suffix == code` exactly.

Where spans come from (`statement_spans`), asked of the language's toolchain:
  with a `grammar()`    tree-sitter: a statement is a named node (not a comment) that
                        starts at the first non-blank character of its line and ends at
                        the last non-blank one of its end line, smaller than the program.
                        single_line: such a node on one line; multi_line: such a node over
                        2..max_lines lines (a loop, an if block) or 2..3 consecutive
                        single-line statements of one body (a compound's header and
                        footer lines, `do i = 1, n` / `end do`, never join a run).
  without one           the toolchain's `statement_rows(lines, max_lines)` (line ranges
                        it finds by its own rules, e.g. the lines of a procedure body).

As in HumanEval-FIM, each sample masks either one line (single-line infilling) or a block
of lines (multi-line). `fim_rows` picks `single_line` + `multi_line` spans per program with
`random.Random(f"{seed}:{sample id}")`, so the view is deterministic given the seed
whatever the row order or PYTHONHASHSEED. `content` is the training text in PSM order
(`<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>{middle}`, StarCoder's) or SPM.

Key contracts: FIM_SCHEMA below; a program with no span yields no rows; never raises on
unparsable code (tree-sitter recovers; a span must still satisfy the line rule).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl
import tree_sitter
from pydantic import BaseModel, ConfigDict, Field

from tolk.toolchains.registry import get_toolchain

__all__ = ["FimConfig", "Span", "FIM_SCHEMA", "statement_spans", "fim_rows", "fim_view"]

FIM_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.String,  # "<sample id>/fim/<n>"
    "sample_id": pl.String,  # the kept sample it was cut from
    "lang": pl.String,
    "span": pl.String,  # "single_line" | "multi_line"
    "prefix": pl.String, "middle": pl.String, "suffix": pl.String,
    "content": pl.String,  # the training text with sentinels
}


class FimConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    prefix_token: str = "<fim_prefix>"
    suffix_token: str = "<fim_suffix>"
    middle_token: str = "<fim_middle>"
    mode: Literal["psm", "spm"] = Field("psm", description="sentinel order (StarCoder's two)")
    single_line: int = Field(1, ge=0, description="single-line spans per program")
    multi_line: int = Field(1, ge=0, description="multi-line spans per program")
    max_lines: int = Field(12, ge=2, description="longest multi-line span")
    seed: int = 0


@dataclass(frozen=True, slots=True)
class Span:
    kind: str  # "single_line" | "multi_line"
    start: int  # character offsets into the code, at line starts
    end: int


class _Lines:
    """Line geometry of a text: character offsets of line starts and content bounds."""

    def __init__(self, code: str) -> None:
        # Split on "\n" only: tree-sitter rows count "\n", not str.splitlines' extras.
        parts = code.split("\n")
        self.lines = [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def span(self, first: int, last: int, kind: str) -> Span:
        return Span(kind, self.starts[first], self.starts[last + 1])

    def content(self, row: int) -> tuple[int, int]:
        """Column of the first non-blank character and the end of the last one."""
        line = self.lines[row].rstrip("\r\n")
        return len(line) - len(line.lstrip()), len(line.rstrip())


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # lone surrogates must not raise


def _rows(node: tree_sitter.Node) -> tuple[int, int]:
    # A node that swallows its newline (a preprocessor line) ends at column 0 of the next.
    (sr, _), (er, ec) = node.start_point, node.end_point
    return sr, er - 1 if ec == 0 and er > sr else er


def _aligned(node: tree_sitter.Node, geo: _Lines) -> bool:
    # Tree-sitter columns are bytes; compare on the line's bytes.
    sr, er = _rows(node)
    if er >= len(geo.lines) or node.end_byte <= node.start_byte:
        return False
    sc = node.start_point[1]
    ec = node.end_point[1] if er == node.end_point[0] else len(_utf8(geo.lines[er]))
    return (_utf8(geo.lines[sr])[:sc].strip() == b""
            and _utf8(geo.lines[er].rstrip("\r\n"))[ec:].strip() == b"")


def _tree_spans(code: str, parser: tree_sitter.Parser, max_lines: int) -> list[Span]:
    geo = _Lines(code)
    root = parser.parse(_utf8(code)).root_node
    total = len(geo.lines)
    found: dict[tuple[int, int], str] = {}

    def visit(node: tree_sitter.Node) -> None:
        top, bottom = _rows(node)
        named = [c for c in node.children if c.is_named and "comment" not in c.type]
        run: list[tuple[int, int]] = []  # consecutive single-line statements of the body
        for c in named:
            sr, er = _rows(c)
            ok = _aligned(c, geo) and er - sr + 1 < total
            # A compound's header or footer line (`do i = 1, n`, `end do`) is a statement
            # on its own, but not part of a run of body statements.
            body = node is not root and top < sr and er < bottom
            if ok and sr == er:
                found.setdefault((sr, er), "single_line")
                if not body:
                    run = []
                elif run and run[-1][1] + 1 == sr:
                    run.append((sr, er))
                else:
                    run = [(sr, er)]
                for n in (2, 3):
                    if len(run) >= n:
                        found.setdefault((run[-n][0], er), "multi_line")
            else:
                run = []
                if ok and er - sr + 1 <= max_lines:
                    found.setdefault((sr, er), "multi_line")
            visit(c)

    visit(root)
    # Two statements on one line (`a = 1; b = 2`) are not aligned, so never a span alone.
    return [geo.span(a, b, kind) for (a, b), kind in sorted(found.items())]


def statement_spans(code: str, lang: str, max_lines: int = 12) -> list[Span]:
    """Every candidate span of `code`, sorted by position."""
    tc = get_toolchain(lang)  # an unknown language raises ConfigError
    grammar = tc.grammar()
    if grammar is not None:
        return _tree_spans(code, tree_sitter.Parser(grammar), max_lines)
    geo = _Lines(code)
    return [geo.span(a, b, kind) for a, b, kind in tc.statement_rows(geo.lines, max_lines)]


def _content(prefix: str, middle: str, suffix: str, cfg: FimConfig) -> str:
    p, s, m = cfg.prefix_token, cfg.suffix_token, cfg.middle_token
    if cfg.mode == "spm":
        return f"{p}{s}{suffix}{m}{prefix}{middle}"
    return f"{p}{prefix}{s}{suffix}{m}{middle}"


def _pick(spans: list[Span], kind: str, n: int, rng: random.Random) -> list[Span]:
    pool = [s for s in spans if s.kind == kind]
    return rng.sample(pool, min(n, len(pool)))


def fim_rows(sample_id: str, lang: str, code: str,
             cfg: FimConfig = FimConfig()) -> Iterator[dict[str, str]]:
    """FIM_SCHEMA rows cut from one program."""
    spans = statement_spans(code, lang, cfg.max_lines)
    rng = random.Random(f"{cfg.seed}:{sample_id}")
    picked = (_pick(spans, "single_line", cfg.single_line, rng)
              + _pick(spans, "multi_line", cfg.multi_line, rng))
    for n, s in enumerate(picked):
        prefix, middle, suffix = code[:s.start], code[s.start:s.end], code[s.end:]
        yield {"id": f"{sample_id}/fim/{n}", "sample_id": sample_id, "lang": lang, "span": s.kind,
               "prefix": prefix, "middle": middle, "suffix": suffix,
               "content": _content(prefix, middle, suffix, cfg)}


def fim_view(kept: pl.LazyFrame, cfg: FimConfig = FimConfig()) -> pl.LazyFrame:
    """FIM samples of every kept row: FIM_SCHEMA columns, then the sample's provenance
    columns (every SAMPLE_SCHEMA column but `id` and `lang`)."""
    struct = pl.Struct(FIM_SCHEMA)

    def cut(row: dict[str, Any]) -> list[dict[str, str]]:
        return list(fim_rows(row["id"], row["lang"] or "", row["target_code"] or "", cfg))

    provenance = [c for c in kept.collect_schema() if c not in ("id", "lang")]
    return (kept.select(pl.struct("id", "lang", "target_code")
                        .map_elements(cut, return_dtype=pl.List(struct)).alias("_fim"),
                        *provenance)
            .explode("_fim").drop_nulls("_fim").unnest("_fim")
            .select(*FIM_SCHEMA, *provenance))
