"""Per-language normalisation of code for deduplication.

`strip_comments(code, lang)` removes comments and keeps string literals intact (a comment
marker inside a string is not a comment). `normalize(code, lang)` is the exact-dedup key's
text: comment-free tokens joined by single spaces, lower-cased outside string literals for
the case-insensitive languages (`Lexicon.case_insensitive`). `dedup_tokens(code, lang)` is
what MinHash shingles: the same tokens with identifiers that are not keywords of the language renamed
by first appearance (`corpus.minhash.canonical_tokens`), so renamed-variable copies match.

Key contracts: languages are the registered targets plus "python" (for sources); each
target's comments, keywords and case come from its toolchain's `lexicon`
(`toolchains/<lang>/text.py`); an unknown language raises `ConfigError`. Pure functions,
no I/O. Python's comments are `#`, its strings may be triple-quoted.
"""

from __future__ import annotations

import hashlib
import re

from tolk.corpus.minhash import canonical_tokens, code_tokens
from tolk.toolchains.base import Lexicon
from tolk.toolchains.registry import get_toolchain

__all__ = ["PYTHON", "lexicon", "strip_comments", "normalize", "dedup_tokens", "exact_key",
           "fingerprint", "keywords"]

# Strings first, so a comment marker inside one is consumed as part of the string.
_DQ, _SQ = r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'"
#: the source language's lexicon (targets bring theirs on their toolchain)
PYTHON = Lexicon(
    comment=re.compile(r'("""[\s\S]*?"""|' + r"'''[\s\S]*?'''|" + f"{_DQ}|{_SQ})|#.*"),
    keywords="""def return if elif else for while in not and or is None True False lambda
        break continue pass import from as with try except finally raise class yield
        global nonlocal assert del range len int float str bool list dict set tuple abs min
        max sum sorted reversed enumerate zip map filter any all round print isinstance""",
)
_STRING_START = "\"'"


def lexicon(lang: str) -> Lexicon:
    """Comments, keywords and case of `lang` ("python" or a registered target)."""
    return PYTHON if lang == "python" else get_toolchain(lang).lexicon


def strip_comments(code: str, lang: str) -> str:
    """`code` without comments; string literals (and line structure) kept."""
    return lexicon(lang).comment.sub(lambda m: m.group(1) or "", code)


def _fold(tokens: list[str], lex: Lexicon) -> list[str]:
    if not lex.case_insensitive:
        return tokens
    return [t if t[0] in _STRING_START else t.lower() for t in tokens]


def _tokens(code: str, lang: str) -> list[str]:
    lex = lexicon(lang)
    code = lex.comment.sub(lambda m: m.group(1) or "", code)
    if lex.case_insensitive and '"' not in code and "'" not in code:
        return code_tokens(code.lower())  # no string literal to protect: fold in one go
    return _fold(code_tokens(code), lex)


def normalize(code: str, lang: str) -> str:
    """Comment- and whitespace-insensitive text of `code` (the exact-dedup key's text)."""
    return " ".join(_tokens(code, lang))


def _key(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def exact_key(code: str, lang: str) -> int:
    """Signed 64-bit hash of `normalize(code, lang)` (fits a polars Int64 column)."""
    return _key(normalize(code, lang))


def dedup_tokens(code: str, lang: str, *, rename: bool = True) -> list[str]:
    """Comment-free tokens for MinHash; non-keyword identifiers renamed when `rename`."""
    return fingerprint(code, lang, rename=rename)[1]


def fingerprint(code: str, lang: str, *, rename: bool = True) -> tuple[int, list[str]]:
    """`(exact_key(code, lang), dedup_tokens(code, lang))` from one tokenisation."""
    tokens = _tokens(code, lang)
    key = _key(" ".join(tokens))
    if not rename:
        return key, tokens
    return key, canonical_tokens(tokens, keywords(lang))


def keywords(lang: str) -> frozenset[str]:
    """The identifiers `dedup_tokens` never renames in `lang` (lower case if case-insensitive)."""
    return lexicon(lang).words
