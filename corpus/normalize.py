"""Per-language normalisation of code for deduplication.

`strip_comments(code, lang)` removes comments and keeps string literals intact (a comment
marker inside a string is not a comment). `normalize(code, lang)` is the exact-dedup key's
text: comment-free tokens joined by single spaces, lower-cased outside string literals for
the case-insensitive languages (Fortran, COBOL). `dedup_tokens(code, lang)` is what MinHash
shingles: the same tokens with identifiers that are not keywords of the language renamed
by first appearance (`corpus.minhash.canonical_tokens`), so renamed-variable copies match.

Key contracts: languages are the `Lang` values plus "python" (for sources); an unknown
language gets C-like comments and case-sensitive tokens. Pure functions, no I/O.
Comments: Fortran `!`; COBOL `*>` (free format, as the toolchain compiles it) and
fixed-format indicator lines (`*` or `/` in column 7); Julia `#` and `#= =#`; CUDA
`//` and `/* */`; Python `#`.
"""

from __future__ import annotations

import hashlib
import re

from tolk.corpus.minhash import canonical_tokens, code_tokens

__all__ = ["CASE_INSENSITIVE", "KEYWORDS", "strip_comments", "normalize", "dedup_tokens",
           "exact_key", "fingerprint", "keywords"]

CASE_INSENSITIVE = frozenset({"fortran", "cobol"})

# Strings first, so a comment marker inside one is consumed as part of the string.
_DQ, _SQ = r'"(?:[^"\\\n]|\\.)*"', r"'(?:[^'\\\n]|\\.)*'"
_FORTRAN_STR = r'"(?:[^"\n]|"")*"|' + r"'(?:[^'\n]|'')*'"  # quotes doubled, no escapes
_COMMENT_RE: dict[str, re.Pattern[str]] = {
    "fortran": re.compile(rf"({_FORTRAN_STR})|!.*"),
    "cobol": re.compile(rf"({_FORTRAN_STR})|\*>.*|^[ \d]{{6}}[*/].*$", re.MULTILINE),
    "julia": re.compile(r'("""[\s\S]*?"""|' + _DQ + r")|#=[\s\S]*?=#|#.*"),
    "cuda": re.compile(rf"({_DQ}|{_SQ})|//.*|/\*[\s\S]*?\*/"),
    "python": re.compile(r'("""[\s\S]*?"""|' + r"'''[\s\S]*?'''|" + f"{_DQ}|{_SQ})|#.*"),
}
_STRING_START = "\"'"

_KW: dict[str, str] = {
    "fortran": """program module subroutine function end contains use implicit none integer
        real double precision complex logical character parameter dimension allocatable
        intent in out inout if then else elseif endif do while enddo exit cycle select case
        default call return result pure elemental recursive allocate deallocate size abs
        min max mod modulo sqrt exp log sin cos tan int nint floor ceiling dble kind len
        trim adjustl sum product maxval minval any all count merge true false and or not
        eqv neqv eq ne lt le gt ge stop print write read format iso_c_binding bind value
        associate block type class allocated present lbound ubound huge tiny epsilon""",
    "cobol": """identification division program-id environment configuration data
        working-storage local-storage linkage section procedure using returning pic picture
        value comp comp-1 comp-2 comp-3 comp-5 binary usage is occurs times depending on
        indexed by move to compute add subtract multiply divide giving remainder into from
        if else end-if perform until varying after end-perform evaluate when other
        end-evaluate goback stop run exit display accept call function not and or greater
        less than equal zero zeros space spaces true false set up down of length
        rounded size error end-compute continue section paragraph redefines filler sign
        leading trailing separate character x 9 s v""",
    "julia": """function end return if elseif else for while in do begin let local global
        const struct mutable abstract type primitive module using import export break
        continue try catch finally true false nothing Int Int32 Int64 Float32 Float64 Bool
        String Char Vector Matrix Array length push zeros ones fill abs min max div rem mod
        sqrt exp log floor ceil round sum prod isempty typemax typemin""",
    "cuda": """__global__ __device__ __host__ __shared__ __syncthreads threadIdx blockIdx
        blockDim gridDim int long short char float double bool void unsigned signed const
        static struct return if else for while do break continue switch case default sizeof
        true false nullptr auto extern inline include define cudaMalloc cudaMemcpy cudaFree
        cudaMemcpyHostToDevice cudaMemcpyDeviceToHost cudaDeviceSynchronize size_t int64_t
        int32_t uint64_t x y z abs fabs min max sqrt exp log floor ceil atomicAdd""",
    "python": """def return if elif else for while in not and or is None True False lambda
        break continue pass import from as with try except finally raise class yield
        global nonlocal assert del range len int float str bool list dict set tuple abs min
        max sum sorted reversed enumerate zip map filter any all round print isinstance""",
}
KEYWORDS: dict[str, frozenset[str]] = {
    lang: frozenset(w.lower() if lang in CASE_INSENSITIVE else w for w in words.split())
    for lang, words in _KW.items()
}
_DEFAULT = "cuda"


def strip_comments(code: str, lang: str) -> str:
    """`code` without comments; string literals (and line structure) kept."""
    pattern = _COMMENT_RE.get(lang, _COMMENT_RE[_DEFAULT])
    return pattern.sub(lambda m: m.group(1) or "", code)


def _fold(tokens: list[str], lang: str) -> list[str]:
    if lang not in CASE_INSENSITIVE:
        return tokens
    return [t if t[0] in _STRING_START else t.lower() for t in tokens]


def _tokens(code: str, lang: str) -> list[str]:
    code = strip_comments(code, lang)
    if lang in CASE_INSENSITIVE and '"' not in code and "'" not in code:
        return code_tokens(code.lower())  # no string literal to protect: fold in one go
    return _fold(code_tokens(code), lang)


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
    return KEYWORDS.get(lang, KEYWORDS[_DEFAULT])
