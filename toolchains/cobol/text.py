"""How COBOL source text is read: fence tags, the candidate in a model's answer, the
dedup lexicon (comments, keywords, case-insensitive) and FIM statement lines.

COBOL has no grammar wheel, so its program is found by its structure (IDENTIFICATION
DIVISION ... PROGRAM-ID ... END PROGRAM) and its statements by lines of the PROCEDURE
DIVISION. Key contracts: `extract_definition(block, sig)` returns the contract's program
or None; `statement_rows(lines, max_lines)` returns (first, last, kind) line ranges:
single_line: one statement line; multi_line: PERFORM/IF/EVALUATE ... END-x blocks (by
nesting) and 2..3 consecutive statement lines at the same indentation.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from tolk.ir.function import Signature
from tolk.toolchains.base import Lexicon
from tolk.toolchains.cobol.types import program_id

__all__ = ["FENCE_TAGS", "LEXICON", "extract_definition", "statement_rows"]

FENCE_TAGS = ("cobol", "cbl", "cob")
_STRING = r'"(?:[^"\n]|"")*"|' + r"'(?:[^'\n]|'')*'"  # quotes doubled, no escapes
# `*>` (free format, as the toolchain compiles it) and fixed-format indicator lines
# (`*` or `/` in column 7).
LEXICON = Lexicon(
    comment=re.compile(rf"({_STRING})|\*>.*|^[ \d]{{6}}[*/].*$", re.MULTILINE),
    keywords="""identification division program-id environment configuration data
        working-storage local-storage linkage section procedure using returning pic picture
        value comp comp-1 comp-2 comp-3 comp-5 binary usage is occurs times depending on
        indexed by move to compute add subtract multiply divide giving remainder into from
        if else end-if perform until varying after end-perform evaluate when other
        end-evaluate goback stop run exit display accept call function not and or greater
        less than equal zero zeros space spaces true false set up down of length
        rounded size error end-compute continue section paragraph redefines filler sign
        leading trailing separate character x 9 s v""",
    case_insensitive=True,
)


def extract_definition(block: str, sig: Signature) -> str | None:
    pid = re.escape(program_id(sig))
    m = re.search(
        r"^[ \t]*(?:IDENTIFICATION|ID)[ \t]+DIVISION[ \t]*\.(?:(?!^[ \t]*(?:IDENTIFICATION|ID)"
        r"[ \t]+DIVISION).)*?PROGRAM-ID\.?[ \t]+[\"']?" + pid + r"[\"']?[ \t]*\..*?"
        r"END[ \t]+PROGRAM[ \t]+[\"']?" + pid + r"[\"']?[ \t]*\.",
        block, re.IGNORECASE | re.DOTALL | re.MULTILINE)
    return m.group(0).strip() + "\n" if m else None


_OPEN = re.compile(r"^\s*(PERFORM|IF|EVALUATE)\b(?!.*\bEND-\1\b)(.*)$", re.IGNORECASE)
_CLOSE = re.compile(r"^\s*END-(PERFORM|IF|EVALUATE)\b", re.IGNORECASE)


def _indent(line: str) -> int:
    line = line.rstrip("\r\n")
    return len(line) - len(line.lstrip())


def statement_rows(lines: Sequence[str], max_lines: int) -> list[tuple[int, int, str]]:
    body = next((i + 1 for i, line in enumerate(lines)
                 if re.match(r"\s*PROCEDURE\s+DIVISION\b", line, re.IGNORECASE)), None)
    if body is None:
        return []

    def statement(i: int) -> bool:
        s = lines[i].strip()
        # Blank, comment, or a paragraph/section label (`main-para.`) are not statements.
        return (bool(s) and not s.startswith("*>")
                and not re.fullmatch(r"[\w-]+(\s+SECTION)?\.", s, re.IGNORECASE))

    rows = [i for i in range(body, len(lines)) if statement(i)]
    found: dict[tuple[int, int], str] = {}
    stack: list[tuple[str, int]] = []
    for i in rows:
        line = lines[i]
        if (m := _CLOSE.match(line)) and stack and stack[-1][0] == m.group(1).upper():
            _, start = stack.pop()
            if i - start + 1 <= max_lines:
                found[(start, i)] = "multi_line"
            continue
        opener = _OPEN.match(line)
        # An out-of-line PERFORM (`PERFORM para-2`) has no END-PERFORM.
        if opener and not (opener.group(1).upper() == "PERFORM"
                           and re.fullmatch(r"\s*[\w-]+\.?\s*", opener.group(2) or "")
                           and not re.search(r"\b(VARYING|UNTIL|TIMES)\b", opener.group(2), re.I)):
            stack.append((opener.group(1).upper(), i))
            continue
        if not _CLOSE.match(line):
            found.setdefault((i, i), "single_line")
    # Runs of plain statements at one indentation.
    for a, b in zip(rows, rows[1:]):
        if b == a + 1 and (a, a) in found and (b, b) in found \
                and _indent(lines[a]) == _indent(lines[b]):
            found.setdefault((a, b), "multi_line")
    return [(a, b, kind) for (a, b), kind in sorted(found.items())]
