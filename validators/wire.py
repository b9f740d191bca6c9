"""The language-neutral wire format between Python and every harness.

Inputs (stdin): the vector count on one line, then each vector's arguments in order.
Results (stdout): for vector k (1-based) a line `@@ k`, the result, then `@@end k`, so a
crash or timeout is attributable to the vector in flight. Values, by IR type:

    int         one line, decimal
    float       one line; inputs are Python's repr, results any text float() accepts
    bool        one line, 1 or 0
    str         one line with the length n, then exactly n characters and a newline
    list[T]     one line with the length n, then n values of T
    list[list]  one line rows, one line cols, then rows*cols values row-major
    tuple       (results only) each element in order

Key contracts: `encode_inputs` and `decode_results` are inverse on well-formed output;
`decode_results` never raises on candidate garbage: a vector whose record does not parse
gets `error="garbled: ..."`, one whose record never ended gets `complete=False`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from tolk.ir.types import IRType, Kind

__all__ = ["encode_inputs", "encode_value", "decode_results", "DecodedResult", "WireError"]


class WireError(ValueError):
    """A record that does not match its type."""


def encode_value(v: Any, t: IRType, out: list[str]) -> None:
    match t.kind:
        case Kind.INT:
            out.append(str(int(v)))
        case Kind.FLOAT:
            out.append(repr(float(v)))
        case Kind.BOOL:
            out.append("1" if v else "0")
        case Kind.STR:
            if "\n" in v or "\r" in v:
                raise WireError("strings on the wire cannot hold line breaks")
            out.append(str(len(v)))
            out.append(v)
        case Kind.LIST if t.rank == 2:
            rows = len(v)
            cols = len(v[0]) if rows else 0
            if any(len(r) != cols for r in v):
                raise WireError("matrices must be rectangular")
            out.extend((str(rows), str(cols)))
            for r in v:
                for x in r:
                    encode_value(x, t.scalar, out)
        case Kind.LIST:
            out.append(str(len(v)))
            for x in v:
                encode_value(x, t.elem, out)
        case Kind.TUPLE:
            for x, a in zip(v, t.args, strict=True):
                encode_value(x, a, out)


def encode_inputs(args_list: Sequence[Sequence[Any]], param_types: Sequence[IRType]) -> str:
    out = [str(len(args_list))]
    for args in args_list:
        for a, t in zip(args, param_types, strict=True):
            encode_value(a, t, out)
    return "\n".join(out) + "\n"


@dataclass(frozen=True, slots=True)
class DecodedResult:
    index: int  # 0-based vector index
    complete: bool  # the `@@end k` line was seen
    value: Any = None
    error: str = ""  # "garbled: ..." when the record did not parse


class _Cursor:
    def __init__(self, text: str, end: int) -> None:
        self.text, self.pos, self.end = text, 0, end

    def line(self) -> str:
        if self.pos >= self.end:
            raise WireError("record ended early")
        nl = self.text.find("\n", self.pos, self.end)
        if nl < 0:
            nl = self.end
        s = self.text[self.pos:nl]
        self.pos = nl + 1
        return s.strip()

    def chars(self, n: int) -> str:
        if n < 0 or self.pos + n > self.end:
            raise WireError(f"string of length {n} runs past the record")
        s = self.text[self.pos:self.pos + n]
        self.pos += n
        if self.pos < self.end and self.text[self.pos] == "\n":
            self.pos += 1
        return s


def _read(c: _Cursor, t: IRType) -> Any:
    match t.kind:
        case Kind.INT:
            return int(c.line())
        case Kind.FLOAT:
            return _parse_float(c.line())
        case Kind.BOOL:
            s = c.line()
            if s not in ("0", "1", "T", "F"):
                raise WireError(f"bad bool {s!r}")
            return s in ("1", "T")
        case Kind.STR:
            return c.chars(int(c.line()))
        case Kind.LIST if t.rank == 2:
            rows, cols = int(c.line()), int(c.line())
            if rows < 0 or cols < 0 or rows * cols > 10_000_000:
                raise WireError("bad matrix shape")
            return [[_read(c, t.scalar) for _ in range(cols)] for _ in range(rows)]
        case Kind.LIST:
            n = int(c.line())
            if n < 0 or n > 10_000_000:
                raise WireError("bad list length")
            return [_read(c, t.elem) for _ in range(n)]
        case Kind.TUPLE:
            return tuple(_read(c, a) for a in t.args)
    raise WireError(f"unknown type {t}")


def _parse_float(s: str) -> float:
    # Fortran may print exponents without 'E' for 3-digit exponents (1.0+100): restore it.
    t = s.strip()
    for i in range(1, len(t)):
        if t[i] in "+-" and t[i - 1].isdigit():
            t = t[:i] + "E" + t[i:]
            break
    return float(t)


def decode_results(stdout: str, ret: IRType, n_vectors: int) -> list[DecodedResult]:
    """One DecodedResult per vector whose `@@ k` line appeared, in order of k."""
    results: list[DecodedResult] = []
    pos = 0
    for k in range(1, n_vectors + 1):
        start_tag = f"@@ {k}\n"
        start = stdout.find(start_tag, pos)
        if start < 0:
            break
        body_start = start + len(start_tag)
        end_tag = f"@@end {k}"
        end = stdout.find("\n" + end_tag, body_start - 1)
        if end < 0:
            results.append(DecodedResult(k - 1, complete=False))
            break
        cursor = _Cursor(stdout, end + 1 if end >= body_start else body_start)
        cursor.pos = body_start
        try:
            value = _read(cursor, ret)
            if stdout[cursor.pos:cursor.end].strip():
                raise WireError(f"extra output {stdout[cursor.pos:cursor.end][:60]!r}")
            results.append(DecodedResult(k - 1, complete=True, value=value))
        except (WireError, ValueError) as exc:
            results.append(DecodedResult(k - 1, complete=True, error=f"garbled: {exc}"))
        pos = end + 1 + len(end_tag)
        # Only a newline may separate a record from the next (or end the output): when a
        # candidate prints its own `@@end k`, the harness's real record lands in this gap.
        nxt = stdout.find(f"@@ {k + 1}\n", pos) if k < n_vectors else -1
        gap = stdout[pos:nxt if nxt >= 0 else len(stdout)]
        if gap.strip() and not results[-1].error:
            results[-1] = DecodedResult(k - 1, complete=True,
                                        error=f"garbled: output after the record "
                                              f"{gap.strip()[:60]!r}")
    return results
