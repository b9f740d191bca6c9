"""IR types -> the C++ signature of the CUDA candidate's HOST function.

Key contracts (README.md is the prose version): the candidate is a host function with C++
linkage (nvcc compiles `.cu` as C++17), named like the Python function, whose parameters
are host pointers and lengths; the candidate does its own cudaMalloc/cudaMemcpy.

    int -> long long        float -> double        bool -> bool
    str            -> const char* s, long long s_len           (bytes, not NUL-terminated)
    list[T]        -> const T* xs, long long xs_len
    list[list[T]]  -> const T* m, long long m_rows, long long m_cols   (row-major)

Results: a scalar is the return value. A str/list/matrix result, or a tuple, makes the
function `void` with out-parameters after the inputs: `T* out, long long out_cap,
long long* out_len` (list/str; a matrix has `out_rows, out_cols` instead of `out_len`),
one scalar pointer `outK` per scalar tuple element, the same triple per str element.
The harness allocates `out_cap` = `OUT_CAP` elements (bytes for str); a result that does
not fit is reported by setting the length to what is needed and writing nothing, and the
harness then fails the vector with a runtime error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tolk.ir.function import Signature
from tolk.ir.types import IRType, Kind
from tolk.toolchains.cuda.checks import FORBIDDEN_NAMES

__all__ = ["C_SCALAR", "OUT_CAP", "CParam", "c_scalar", "host_params", "out_params",
           "result_names", "returns_void", "return_ctype", "unsupported_type", "supports",
           "RESERVED"]

C_SCALAR = {Kind.INT: "long long", Kind.FLOAT: "double", Kind.BOOL: "bool", Kind.STR: "char"}
#: elements (bytes for strings) the harness allocates for every list/str/matrix result
OUT_CAP = 1 << 22

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
# C++ keywords and names the contract itself uses: a Python name among them cannot be
# a C++ parameter/function name unchanged.
RESERVED = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t char16_t
char32_t class compl concept const consteval constexpr constinit const_cast continue
co_await co_return co_yield decltype default delete do double dynamic_cast else enum
explicit export extern false float for friend goto if inline int long mutable namespace new
noexcept not not_eq nullptr operator or or_eq private protected public register
reinterpret_cast requires return short signed sizeof static static_assert static_cast
struct switch template this thread_local throw true try typedef typeid typename union
unsigned using virtual void volatile wchar_t while xor xor_eq main NULL
""".split())


@dataclass(frozen=True, slots=True)
class CParam:
    """One C++ parameter of the host function."""
    ctype: str
    name: str

    def __str__(self) -> str:
        return f"{self.ctype} {self.name}"


def c_scalar(t: IRType) -> str:
    return C_SCALAR[t.scalar.kind]


def _in_params(name: str, t: IRType) -> list[CParam]:
    if t.kind is Kind.STR:
        return [CParam("const char*", name), CParam("long long", f"{name}_len")]
    if t.rank == 1:
        return [CParam(f"const {c_scalar(t)}*", name), CParam("long long", f"{name}_len")]
    if t.rank == 2:
        return [CParam(f"const {c_scalar(t)}*", name), CParam("long long", f"{name}_rows"),
                CParam("long long", f"{name}_cols")]
    return [CParam(c_scalar(t), name)]


def _out_params(name: str, t: IRType) -> list[CParam]:
    if t.kind is Kind.STR or t.rank == 1:
        return [CParam(f"{c_scalar(t)}*", name), CParam("long long", f"{name}_cap"),
                CParam("long long*", f"{name}_len")]
    if t.rank == 2:
        return [CParam(f"{c_scalar(t)}*", name), CParam("long long", f"{name}_cap"),
                CParam("long long*", f"{name}_rows"), CParam("long long*", f"{name}_cols")]
    return [CParam(f"{c_scalar(t)}*", name)]


def returns_void(sig: Signature) -> bool:
    """Only scalar non-str results are returned by value; everything else goes out-params."""
    r = sig.returns
    return r.kind is Kind.TUPLE or r.kind is Kind.STR or r.rank > 0


def return_ctype(sig: Signature) -> str:
    return "void" if returns_void(sig) else c_scalar(sig.returns)


def result_names(sig: Signature) -> tuple[str, ...]:
    if sig.returns.kind is Kind.TUPLE:
        return tuple(f"out{i}" for i in range(len(sig.returns.args)))
    return ("out",) if returns_void(sig) else ()


def out_params(sig: Signature) -> list[CParam]:
    """The out-parameters, after the inputs (empty for a by-value result)."""
    if sig.returns.kind is Kind.TUPLE:
        return [p for n, t in zip(result_names(sig), sig.returns.args, strict=True)
                for p in _out_params(n, t)]
    return _out_params("out", sig.returns) if returns_void(sig) else []


def host_params(sig: Signature) -> list[CParam]:
    """Every parameter of the host function, inputs then outputs."""
    return [p for prm in sig.params for p in _in_params(prm.name, prm.type)] + out_params(sig)


def unsupported_type(t: IRType) -> str | None:
    if t.kind is Kind.TUPLE:
        return None if all(a.is_scalar for a in t.args) else f"unsupported_type:{t}"
    if t.rank > 2 or (t.rank > 0 and t.scalar.kind is Kind.STR):
        return f"unsupported_type:{t}"
    return None


def supports(sig: Signature) -> str | None:
    for p in sig.params:
        if p.type.kind is Kind.TUPLE:
            return f"unsupported_type:{p.type}"
        if reason := unsupported_type(p.type):
            return reason
    if reason := unsupported_type(sig.returns):
        return reason
    return _unsupported_name(sig)


def _bad_name(name: str) -> bool:
    """Not a C++ identifier, a keyword, a name the static checks refuse (a parameter
    named `read` could never pass them), or the harness's `tolk_` prefix."""
    return (not _IDENT.fullmatch(name) or name in RESERVED or name in FORBIDDEN_NAMES
            or name.startswith("tolk_") or name.startswith("__"))


def _unsupported_name(sig: Signature) -> str | None:
    for name in (sig.name, *(p.name for p in sig.params)):
        if _bad_name(name):
            return f"unsupported_name:{name}"
    names = [c.name for c in host_params(sig)]
    if len(set(names)) != len(names) or sig.name in names:
        return f"unsupported_name:{sig.name}"
    return None
