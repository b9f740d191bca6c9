"""Fortran lowering: hand-built body IR -> candidate module, compiled with a small driver
under `gfortran -std=f2018 -fcheck=all`, run, and compared exactly with the Python function
the IR transcribes (floats bit for bit: the lowering promises Python's arithmetic)."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, BinOp, BinOpKind, BoolOp, Break, Call, CmpOpKind, Compare, Const, Continue,
    Expr, ForEach, ForRange, If, IfExp, Index, IndexAssign, ListLit, ListRepeat, Name, Return,
    Slice, Stmt, TupleLit, UnaryOp, While,
)
from tolk.ir.function import Function, Param, Program, Signature
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, list_of, tuple_of
from tolk.toolchains.fortran.checks import static_check
from tolk.toolchains.fortran.lowering import lower_function

needs_gfortran = pytest.mark.skipif(shutil.which("gfortran") is None, reason="no gfortran")
FLAGS = ["-std=f2018", "-fcheck=all", "-O1", "-fmax-errors=5"]
LI, LF, LB = list_of(INT), list_of(FLOAT), list_of(BOOL)
MI = list_of(LI)


# ---- a small IR builder: types follow Python's rules ---------------------------------

def C(v: Any) -> Const:
    return Const(v, {bool: BOOL, int: INT, float: FLOAT, str: STR}[type(v)])


def V(name: str, t: IRType) -> Name:
    return Name(name, t)


def op(sym: str, a: Expr, b: Expr) -> BinOp:
    types = {a.type, b.type}
    if sym in "+*" and STR in types:
        t = STR
    elif sym == "/" or FLOAT in types:
        t = FLOAT
    elif sym == "**" and isinstance(b, (Const, UnaryOp)) and _negative(b):
        t = FLOAT
    else:
        t = INT
    return BinOp(BinOpKind(sym), a, b, t)


def _negative(e: Expr) -> bool:
    return isinstance(e, UnaryOp) or (isinstance(e, Const) and e.value < 0)


def cmp(sym: str, a: Expr, b: Expr) -> Compare:
    return Compare(CmpOpKind(sym), a, b, BOOL)


def AND(*vs: Expr) -> BoolOp:
    return BoolOp("and", vs, BOOL)


def OR(*vs: Expr) -> BoolOp:
    return BoolOp("or", vs, BOOL)


def NOT(v: Expr) -> UnaryOp:
    return UnaryOp("not", v, BOOL)


def NEG(v: Expr) -> UnaryOp:
    return UnaryOp("-", v, FLOAT if v.type == FLOAT else INT)


def at(x: Expr, i: Expr) -> Index:
    return Index(x, i, x.type.elem if x.type.kind is Kind.LIST else STR)


def length(x: Expr) -> Call:
    return Call("len", (x,), INT)


def sl(x: Expr, lo: Expr | None = None, hi: Expr | None = None) -> Slice:
    return Slice(x, lo if lo is not None else C(0), hi if hi is not None else length(x), x.type)


def call(f: str, *args: Expr, t: IRType) -> Call:
    return Call(f, args, t)


def lst(t: IRType, *elems: Expr) -> ListLit:
    return ListLit(elems, t)


def rep(elem: Expr, n: Expr) -> ListRepeat:
    return ListRepeat(elem, n, list_of(elem.type))


def fn(name: str, params: list[tuple[str, IRType]], returns: IRType, body: list[Stmt],
       local: dict[str, IRType] | None = None, mutated: tuple[str, ...] = ()) -> Function:
    sig = Signature(name, tuple(Param(n, t) for n, t in params), returns)
    return Function(Program("test", "test.py", ""), sig, f"def {name}(...): ...", tuple(body),
                    tuple(Param(n, t) for n, t in (local or {}).items()), "",
                    frozenset(mutated))


# ---- a driver that calls the candidate on literal inputs and prints the results ------

DRIVER_IO = """module driver_io
  use, intrinsic :: iso_fortran_env, only: int64, real64
  implicit none
  interface show
    module procedure show_i, show_f, show_l, show_s, show_iv, show_fv, show_lv, show_im
  end interface
contains
  subroutine show_i(x)
    integer(int64), intent(in) :: x
    write(*, '(I0)') x
  end subroutine
  subroutine show_f(x)
    real(real64), intent(in) :: x
    write(*, '(ES26.17E3)') x
  end subroutine
  subroutine show_l(x)
    logical, intent(in) :: x
    write(*, '(I0)') merge(1, 0, x)
  end subroutine
  subroutine show_s(x)
    character(len=*), intent(in) :: x
    write(*, '(I0)') len(x)
    write(*, '(A)') '[' // x // ']'
  end subroutine
  subroutine show_iv(x)
    integer(int64), intent(in) :: x(:)
    integer :: i
    write(*, '(I0)') size(x)
    do i = 1, size(x)
      call show_i(x(i))
    end do
  end subroutine
  subroutine show_fv(x)
    real(real64), intent(in) :: x(:)
    integer :: i
    write(*, '(I0)') size(x)
    do i = 1, size(x)
      call show_f(x(i))
    end do
  end subroutine
  subroutine show_lv(x)
    logical, intent(in) :: x(:)
    integer :: i
    write(*, '(I0)') size(x)
    do i = 1, size(x)
      call show_l(x(i))
    end do
  end subroutine
  subroutine show_im(x)
    integer(int64), intent(in) :: x(:,:)
    integer :: i, j
    write(*, '(I0)') size(x, 1)
    write(*, '(I0)') size(x, 2)
    do i = 1, size(x, 1)
      do j = 1, size(x, 2)
        call show_i(x(i, j))
      end do
    end do
  end subroutine
end module driver_io
"""

_CONT = ", &\n      "  # one value per line keeps the driver inside 132 columns
_SPEC = {Kind.INT: "integer(int64)", Kind.FLOAT: "real(real64)", Kind.BOOL: "logical"}


def lit(v: Any, t: IRType) -> str:
    if t.kind is Kind.LIST and t.rank == 2:
        flat = _CONT.join(lit(x, t.scalar) for row in v for x in row)
        cols = len(v[0]) if v else 0
        return f"reshape([{_SPEC[t.scalar.kind]} :: {flat}], [{len(v)}, {cols}], order=[2, 1])"
    if t.kind is Kind.LIST:
        return f"[{_SPEC[t.elem.kind]} :: {_CONT.join(lit(x, t.elem) for x in v)}]"
    if t == BOOL:
        return ".true." if v else ".false."
    if t == INT:
        return f"{v}_int64"
    if t == FLOAT:
        return f"{float(v)!r}_real64"
    return "'" + v.replace("'", "''") + "'"


def decl(name: str, t: IRType) -> str:
    if t == STR:
        return f"character(len=:), allocatable :: {name}"
    if t.kind is Kind.LIST:
        return f"{_SPEC[t.scalar.kind]}, allocatable :: {name}({','.join(':' * t.rank)})"
    return f"{_SPEC[t.kind]} :: {name}"


def driver(f: Function, inputs: list[tuple]) -> str:
    sig = f.signature
    rets = sig.returns.args if sig.returns.kind is Kind.TUPLE else (sig.returns,)
    names = [f"r{i}" for i in range(len(rets))]
    lines = ["program driver", "  use, intrinsic :: iso_fortran_env, only: int64, real64",
             "  use driver_io", f"  use candidate, only: target => {sig.name.lower()}",
             "  implicit none", *(f"  {decl(n, t)}" for n, t in zip(names, rets, strict=True))]
    for k, args in enumerate(inputs):
        argv = [lit(a, p.type) for a, p in zip(args, sig.params, strict=True)]
        lines.append(f"  write(*, '(A)') '@ {k}'")
        if sig.returns.kind is Kind.TUPLE:
            lines.append("  call target(" + ", &\n      ".join([*argv, *names]) + ")")
        else:
            lines.append("  r0 = target(" + ", &\n      ".join(argv) + ")")
        lines += [f"  call show({n})" for n in names]
    lines.append("end program driver")
    return DRIVER_IO + "\n".join(lines) + "\n"


def tokens(v: Any, t: IRType) -> list[Any]:
    """What the driver prints for v, one item per line."""
    match t.kind:
        case Kind.TUPLE:
            return [x for e, et in zip(v, t.args, strict=True) for x in tokens(e, et)]
        case Kind.LIST if t.rank == 2:
            return [str(len(v)), str(len(v[0]) if v else 0), *(str(x) for r in v for x in r)]
        case Kind.LIST:
            return [str(len(v)), *(x for e in v for x in tokens(e, t.elem))]
        case Kind.STR:
            return [str(len(v)), f"[{v}]"]
        case Kind.BOOL:
            return ["1" if v else "0"]
        case Kind.FLOAT:
            return [float(v)]
    return [str(v)]


def same(got: str, want: Any) -> bool:
    if isinstance(want, float):
        g = float(got)
        if math.isnan(want):
            return math.isnan(g)
        return g == want and math.copysign(1, g) == math.copysign(1, want)
    return got == want


def run_case(tmp_path: Path, f: Function, py: Callable, inputs: list[tuple]) -> str:
    """Lower f, compile it with the driver, run it, and compare with py on every input."""
    code = lower_function(f)
    assert all(len(line) <= 132 for line in code.splitlines()), code
    assert static_check(code, f.signature) is None, code
    (tmp_path / "candidate.f90").write_text(code)
    (tmp_path / "driver.f90").write_text(driver(f, inputs))
    built = subprocess.run(["gfortran", *FLAGS, "-J", ".", "candidate.f90", "driver.f90",
                            "-o", "driver"], cwd=tmp_path, capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr + "\n" + code
    ran = subprocess.run(["./driver"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert ran.returncode == 0, ran.stderr + "\n" + code
    records = re.split(r"^@ \d+\n", ran.stdout, flags=re.M)[1:]
    assert len(records) == len(inputs), ran.stdout
    for args, rec in zip(inputs, records, strict=True):
        want = tokens(py(*[_copy(a) for a in args]), f.signature.returns)
        got = rec.rstrip("\n").split("\n") if rec.strip() or want else []
        # A str record holds a bracketed line that may itself be blank inside the brackets.
        assert len(got) == len(want) and all(same(g, w) for g, w in zip(got, want, strict=True)), \
            f"{f.name}{args}: got {got}, want {want}\n{code}"
    return code


def _copy(a: Any) -> Any:
    return [_copy(x) for x in a] if isinstance(a, list) else a


# ---- the cases ------------------------------------------------------------------------

a, b, n, x = V("a", INT), V("b", INT), V("n", INT), V("x", FLOAT)
xs, s = V("xs", LI), V("s", STR)


@needs_gfortran
def test_int_floor_division_and_modulo_follow_python(tmp_path: Path) -> None:
    f = fn("divmod_", [("a", INT), ("b", INT)], tuple_of(INT, INT, INT),
           [Return(TupleLit((op("//", a, b), op("%", a, b), op("-", op("//", a, b), C(-3))),
                            tuple_of(INT, INT, INT)))])
    code = run_case(tmp_path, f, lambda a, b: (a // b, a % b, a // b - -3),
                    [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (6, -3), (-1, 5)])
    assert "(-3_int64)" in code  # `a - -3` is not Fortran


@needs_gfortran
def test_float_floor_division_and_modulo_follow_python(tmp_path: Path) -> None:
    fa, fb = V("a", FLOAT), V("b", FLOAT)
    f = fn("fdivmod", [("a", FLOAT), ("b", FLOAT)], tuple_of(FLOAT, FLOAT),
           [Return(TupleLit((op("//", fa, fb), op("%", fa, fb)), tuple_of(FLOAT, FLOAT)))])
    run_case(tmp_path, f, lambda a, b: (a // b, a % b),
             [(1.0, 0.1), (-7.5, 2.0), (7.5, -2.0), (-0.0, 3.0), (0.0, -3.0), (5.0, 2.5),
              (1e300, 3.7), (-1e-300, 1.0), (3.0, -1e-300)])


@needs_gfortran
def test_int_float_bool_mixing(tmp_path: Path) -> None:
    flag = V("flag", BOOL)
    expr = op("+", op("+", op("-", op("+", op("/", n, C(2)), op("*", x, n)), flag),
                      op("**", C(2), C(3))),
              op("+", op("**", x, C(2)), op("**", n, NEG(C(1)))))
    ival = op("-", op("+", flag, op("*", n, C(2))), op("**", NEG(n), C(2)))
    f = fn("mix", [("n", INT), ("x", FLOAT), ("flag", BOOL)], tuple_of(FLOAT, INT, FLOAT, INT),
           [Return(TupleLit((expr, ival, op("-", C(0.1), op("*", C(1e-05), x)),
                             call("int", op("*", x, C(-1.0)), t=INT)),
                            tuple_of(FLOAT, INT, FLOAT, INT)))])
    run_case(tmp_path, f,
             lambda n, x, flag: (n / 2 + x * n - flag + 2 ** 3 + (x ** 2 + n ** -1),
                                 flag + n * 2 - (-n) ** 2, 0.1 - 1e-05 * x, int(x * -1.0)),
             [(3, 1.5, True), (-7, 0.1, False), (1, -2.75, True), (9, 1e10, False)])


@needs_gfortran
def test_string_comparison_is_not_blank_padded(tmp_path: Path) -> None:
    sa, sb = V("a", STR), V("b", STR)
    f = fn("strcmp", [("a", STR), ("b", STR)], tuple_of(BOOL, BOOL, BOOL, BOOL),
           [Return(TupleLit((cmp("==", sa, sb), cmp("<", sa, sb), cmp("!=", sa, sb),
                             cmp(">=", at(sa, C(0)), C("b"))), tuple_of(BOOL, BOOL, BOOL, BOOL)))])
    run_case(tmp_path, f, lambda a, b: (a == b, a < b, a != b, a[0] >= "b"),
             [("a", "a "), ("a ", "a"), ("ab", "ab"), (" ", " "), ("b", "ab"), ("abc", "abd"),
              ("c", "c  ")])


@needs_gfortran
def test_slices_clamp_like_python(tmp_path: Path) -> None:
    lo, hi = V("lo", INT), V("hi", INT)
    out = op("+", op("+", op("+", op("+", sl(s, lo, hi), C("|")), sl(s, lo)), C("|")),
             sl(s, None, hi))
    f = fn("slices", [("s", STR), ("xs", LI), ("lo", INT), ("hi", INT)], tuple_of(STR, INT, INT),
           [Assign("part", sl(xs, lo, hi)),
            Return(TupleLit((out, length(V("part", LI)), call("sum", V("part", LI), t=INT)),
                            tuple_of(STR, INT, INT)))], {"part": LI})
    run_case(tmp_path, f,
             lambda s, xs, lo, hi: (s[lo:hi] + "|" + s[lo:] + "|" + s[:hi], len(xs[lo:hi]),
                                    sum(xs[lo:hi])),
             [("hello", [1, 2, 3], 1, 3), ("hello", [1, 2, 3], -3, 10), ("hello", [4], 4, 2),
              ("hello", [5, 6], -10, -2), ("", [], 0, 5), ("ab", [1, 2, 3, 4], -1, 100)])


@needs_gfortran
def test_append_builds_a_list(tmp_path: Path) -> None:
    i, out = V("i", INT), V("out", LI)
    f = fn("evens", [("n", INT)], LI,
           [Assign("out", lst(LI)),
            ForRange("i", C(0), n, 1, (
                If(cmp("==", op("%", i, C(2)), C(0)), (Append("out", op("*", i, i)),), ()),)),
            Return(out)], {"out": LI, "i": INT})
    code = run_case(tmp_path, f, lambda n: [i * i for i in range(n) if i % 2 == 0],
                    [(0,), (1,), (7,), (-3,)])
    assert "do i = 0_int64, n - 1" in code  # the loop variable is private: no hidden counter


@needs_gfortran
def test_appending_an_element_of_the_list_itself_and_moved_returns(tmp_path: Path) -> None:
    # The append helper takes the element by value: `out.append(out[-1])` must not read
    # the old array after it was reallocated. A local dies at `return`, so it is moved
    # into the result; a parameter (a dummy) is copied.
    i, out = V("i", INT), V("out", LI)
    f = fn("grow", [("xs", LI), ("n", INT)], LI,
           [If(cmp("<", n, C(0)), (Return(xs),), ()),
            Assign("out", lst(LI, C(1))),
            ForRange("i", C(0), n, 1, (
                Append("out", at(out, C(-1))),
                Append("out", op("+", at(out, C(-1)), at(out, C(0)))),
                If(cmp(">", length(out), C(6)), (Return(out),), ()))),
            Return(out)], {"out": LI, "i": INT})

    def grow(xs: list[int], n: int) -> list[int]:
        if n < 0:
            return xs
        out = [1]
        for i in range(n):
            out.append(out[-1])
            out.append(out[-1] + out[0])
            if len(out) > 6:
                return out
        return out
    code = run_case(tmp_path, f, grow, [([7, 8], -1), ([], 0), ([], 1), ([5], 2), ([], 9)])
    assert "call py_append_i(out, out(size(out, kind=int64)))" in code, code
    assert code.count("call move_alloc(out, res)") == 2 and "res = xs" in code, code

    fs, word = V("fs", LF), V("word", STR)
    g = fn("tagged", [("fs", LF), ("word", STR)], tuple_of(STR, FLOAT), [
        Append("fs", C(0.5)),
        Assign("word", op("+", word, C("!"))),
        Return(TupleLit((word, call("sum", fs, t=FLOAT)), tuple_of(STR, FLOAT)))],
        mutated=("fs", "word"))
    run_case(tmp_path, g, lambda fs, word: (word + "!", sum(fs + [0.5])),
             [([0.25], "hi"), ([], "")])
    h = fn("shout", [("word", STR), ("fs", LF)], STR,
           [Assign("word", op("+", word, C("!"))), Append("fs", call("sum", fs, t=FLOAT)),
            Return(word)], mutated=("word", "fs"))
    code = run_case(tmp_path, h, lambda word, fs: word + "!", [("hey", [1.0]), ("", [])])
    assert "call move_alloc(word_copy, res)" in code and "call py_append_r(fs_copy" in code


@needs_gfortran
def test_matrix_building_and_indexing(tmp_path: Path) -> None:
    m, i, j, g = V("m", INT), V("i", INT), V("j", INT), V("g", MI)
    f = fn("grid", [("n", INT), ("m", INT)], MI,
           [Assign("g", rep(rep(C(0), m), n)),
            ForRange("i", C(0), n, 1, (ForRange("j", C(0), m, 1, (
                IndexAssign("g", (i, j), op("+", op("*", i, m), j)),)),)),
            IndexAssign("g", (op("-", n, C(1)), op("-", m, C(1))),
                        op("+", op("+", at(at(g, C(0)), C(0)), op("*", length(g), C(100))),
                           length(at(g, C(0))))),
            Assign("row", sl(at(g, C(0)))),
            IndexAssign("g", (C(0), C(0)),
                        op("+", call("sum", V("row", LI), t=INT),
                           at(V("row", LI), op("-", length(V("row", LI)), C(1))))),
            Return(g)], {"g": MI, "i": INT, "j": INT, "row": LI})

    def grid(n: int, m: int) -> list[list[int]]:
        g = [[0] * m for _ in range(n)]
        for i in range(n):
            for j in range(m):
                g[i][j] = i * m + j
        g[n - 1][m - 1] = g[0][0] + len(g) * 100 + len(g[0])
        row = g[0][:]
        g[0][0] = sum(row) + row[len(row) - 1]
        return g
    run_case(tmp_path, f, grid, [(2, 3), (3, 1), (1, 1), (4, 2)])


@needs_gfortran
def test_matrix_parameter_trace_and_rows(tmp_path: Path) -> None:
    mm, i, row = V("mm", MI), V("i", INT), V("row", LI)
    t = V("t", INT)
    f = fn("trace", [("mm", MI)], INT,
           [Assign("t", C(0)),
            ForRange("i", C(0), length(mm), 1, (Assign("t", op("+", t, at(at(mm, i), i))),)),
            ForEach("row", mm, (Assign("t", op("+", t, call("max", row, t=INT))),)),
            Return(t)], {"t": INT, "i": INT, "row": LI})

    def trace(mm: list[list[int]]) -> int:
        t = 0
        for i in range(len(mm)):
            t = t + mm[i][i]
        for row in mm:
            t = t + max(row)
        return t
    run_case(tmp_path, f, trace,
             [([[1, 2], [3, 4]],), ([[5]],), ([[1, -2, 3], [4, 5, -6], [0, 0, 9]],)])


@needs_gfortran
def test_range_with_negative_step_and_loop_variable_after_the_loop(tmp_path: Path) -> None:
    i, out = V("i", INT), V("out", LI)
    f = fn("countdown", [("n", INT)], tuple_of(INT, INT, INT),
           [Assign("out", lst(LI)), Assign("i", C(-1)),
            ForRange("i", n, C(0), -2, (Append("out", i),)),
            Assign("k", C(-1)),
            ForRange("k", C(0), n, 3, ()),
            Return(TupleLit((call("sum", out, t=INT), i, V("k", INT)), tuple_of(INT, INT, INT)))],
           {"out": LI, "i": INT, "k": INT})

    def countdown(n: int) -> tuple[int, int, int]:
        out = []
        i = -1
        for i in range(n, 0, -2):
            out.append(i)
        k = -1
        for k in range(0, n, 3):  # noqa: B007 - k is read after the loop
            pass
        return sum(out), i, k
    code = run_case(tmp_path, f, countdown, [(0,), (1,), (6,), (7,), (-2,)])
    assert ", -2" in code


@needs_gfortran
def test_foreach_over_a_string_and_break_continue(tmp_path: Path) -> None:
    ch, c = V("ch", STR), V("c", INT)
    f = fn("vowels", [("s", STR)], INT,
           [Assign("c", C(0)),
            ForEach("ch", s, (
                If(cmp("==", ch, C("!")), (Break(),), ()),
                If(NOT(OR(cmp("==", ch, C("a")), cmp("==", ch, C("e")))), (Continue(),), ()),
                Assign("c", op("+", c, C(1))))),
            Return(c)], {"c": INT, "ch": STR})

    def vowels(s: str) -> int:
        c = 0
        for ch in s:
            if ch == "!":
                break
            if not (ch == "a" or ch == "e"):
                continue
            c = c + 1
        return c
    run_case(tmp_path, f, vowels, [("",), ("banana",), ("see!aaa",), ("xyz",), ("a e ",)])


@needs_gfortran
def test_and_short_circuits_before_an_out_of_bounds_index(tmp_path: Path) -> None:
    i = V("i", INT)
    f = fn("first_pos", [("xs", LI)], tuple_of(INT, INT, BOOL, BOOL),
           [Assign("i", C(0)),
            While(AND(cmp("<", i, length(xs)), cmp("<=", at(xs, i), C(0))),
                  (Assign("i", op("+", i, C(1))),)),
            Return(TupleLit((i, IfExp(cmp("<", i, length(xs)), at(xs, i), C(-1), INT),
                             OR(cmp(">=", i, length(xs)), cmp("==", at(xs, i), C(7))),
                             AND(cmp(">", length(xs), C(0)),
                                 cmp(">", call("min", xs, t=INT), C(-2)))),
                            tuple_of(INT, INT, BOOL, BOOL)))], {"i": INT})

    def first_pos(xs: list[int]) -> tuple[int, int, bool, bool]:
        i = 0
        while i < len(xs) and xs[i] <= 0:
            i = i + 1
        return (i, xs[i] if i < len(xs) else -1, i >= len(xs) or xs[i] == 7,
                len(xs) > 0 and min(xs) > -2)
    run_case(tmp_path, f, first_pos, [([],), ([-1, -2],), ([-1, 3, 4],), ([7],), ([0, 0, 7],)])


@needs_gfortran
def test_elif_whose_condition_needs_a_temporary(tmp_path: Path) -> None:
    i, r = V("i", INT), V("r", INT)
    f = fn("classify", [("xs", LI), ("i", INT)], INT,
           [If(cmp("<", i, C(0)), (Assign("r", C(-1)),),
               (If(AND(cmp("<", i, length(xs)), cmp(">", at(xs, i), C(0))), (Assign("r", C(1)),),
                   (If(cmp("==", i, C(99)), (Assign("r", C(99)),), (Assign("r", C(0)),)),)),)),
            Return(r)], {"r": INT})

    def classify(xs: list[int], i: int) -> int:
        if i < 0:
            r = -1
        elif i < len(xs) and xs[i] > 0:
            r = 1
        elif i == 99:
            r = 99
        else:
            r = 0
        return r
    run_case(tmp_path, f, classify, [([1], -5), ([1], 0), ([0], 0), ([1], 3), ([], 99)])


@needs_gfortran
def test_mutated_parameters_are_copied(tmp_path: Path) -> None:
    f = fn("bump", [("xs", LI), ("n", INT)], tuple_of(INT, INT, INT),
           [Assign("n", op("*", n, C(2))), IndexAssign("xs", (C(0),), n), Append("xs", C(5)),
            IndexAssign("xs", (C(-1),), op("+", at(xs, C(-1)), C(1))),
            Return(TupleLit((call("sum", xs, t=INT), n, length(xs)), tuple_of(INT, INT, INT)))],
           mutated=("xs", "n"))

    def bump(xs: list[int], n: int) -> tuple[int, int, int]:
        n = n * 2
        xs[0] = n
        xs.append(5)
        xs[-1] = xs[-1] + 1
        return sum(xs), n, len(xs)
    code = run_case(tmp_path, f, bump, [([1, 2, 3], 4), ([0], -1)])
    assert "xs_copy = xs" in code and "n_copy = n" in code


@needs_gfortran
def test_while_collatz_with_str_tuple_result(tmp_path: Path) -> None:
    steps, trail = V("steps", INT), V("trail", STR)
    f = fn("collatz", [("n", INT)], tuple_of(INT, STR),
           [Assign("steps", C(0)), Assign("trail", C("")),
            While(cmp("!=", n, C(1)), (
                If(cmp("==", op("%", n, C(2)), C(0)), (Assign("n", op("//", n, C(2))),
                                                       Assign("trail", op("+", trail, C("e")))),
                   (Assign("n", op("+", op("*", C(3), n), C(1))),
                    Assign("trail", op("+", trail, C("o'"))))),
                Assign("steps", op("+", steps, C(1))))),
            Return(TupleLit((steps, trail), tuple_of(INT, STR)))],
           {"steps": INT, "trail": STR}, mutated=("n",))

    def collatz(n: int) -> tuple[int, str]:
        steps, trail = 0, ""
        while n != 1:
            if n % 2 == 0:
                n = n // 2
                trail = trail + "e"
            else:
                n = 3 * n + 1
                trail = trail + "o'"
            steps = steps + 1
        return steps, trail
    run_case(tmp_path, f, collatz, [(1,), (6,), (7,)])


@needs_gfortran
def test_builtins_and_bool_lists(tmp_path: Path) -> None:
    fx, flags = V("fx", LF), V("flags", LB)
    f = fn("stats", [("fx", LF), ("flags", LB), ("n", INT)],
           tuple_of(FLOAT, FLOAT, FLOAT, INT, INT, INT, INT, BOOL, FLOAT),
           [Return(TupleLit((
               call("min", fx, t=FLOAT), call("max", fx, t=FLOAT), call("sum", fx, t=FLOAT),
               call("sum", flags, t=INT), call("abs", n, t=INT),
               call("max", n, C(3), t=INT), call("min", NEG(n), C(-2), t=INT),
               cmp("==", at(flags, C(0)), cmp(">", n, C(0))),
               op("+", call("float", n, t=FLOAT), call("abs", at(fx, C(0)), t=FLOAT))),
               tuple_of(FLOAT, FLOAT, FLOAT, INT, INT, INT, INT, BOOL, FLOAT)))])
    run_case(tmp_path, f,
             lambda fx, flags, n: (min(fx), max(fx), sum(fx), sum(flags), abs(n), max(n, 3),
                                   min(-n, -2), flags[0] == (n > 0), float(n) + abs(fx[0])),
             [([1.5, -2.25, 3.0], [True, False, True], -4), ([0.1], [False], 5)])


@needs_gfortran
def test_renamed_locals_literal_edges_and_long_lines(tmp_path: Path) -> None:
    loc = {"size": INT, "_x": INT, "Val": INT, "val": INT, "end": STR}
    terms: Expr = V("size", INT)
    for k in range(40):
        terms = op("+", terms, op("*", C(k), V("val", INT)))
    long = "x" * 130 + "'\t" + "y" * 70
    f = fn("edges", [("n", INT)], tuple_of(INT, INT, STR, INT),
           [Assign("size", n), Assign("_x", op("+", V("size", INT), C(1))),
            Assign("Val", V("_x", INT)), Assign("val", op("*", V("Val", INT), C(2))),
            Assign("end", C(long)),
            Return(TupleLit((terms, C(-2**63), V("end", STR),
                             op("+", C(2**63 - 1), op("*", C(0), V("Val", INT)))),
                            tuple_of(INT, INT, STR, INT)))], loc)

    def edges(n: int) -> tuple[int, int, str, int]:
        size = n
        _x = size + 1
        Val = _x
        val = Val * 2
        t = size
        for k in range(40):
            t = t + k * val
        return t, -2**63, long, 2**63 - 1 + 0 * Val
    code = run_case(tmp_path, f, edges, [(3,), (-1,)])
    assert "&" in code


@needs_gfortran
def test_string_ifexp_index_of_an_expression_repeat_and_not(tmp_path: Path) -> None:
    flag, t = V("flag", BOOL), V("t", STR)
    f = fn("strs", [("s", STR), ("n", INT), ("flag", BOOL)], tuple_of(STR, STR, STR, BOOL),
           [Assign("t", IfExp(flag, s, op("+", op("+", C("<"), s), C(">")), STR)),
            Return(TupleLit((t, at(op("+", s, C("xyz")), n), op("*", s, op("-", n, C(1))),
                             UnaryOp("not", n, BOOL)), tuple_of(STR, STR, STR, BOOL)))],
           {"t": STR})
    run_case(tmp_path, f, lambda s, n, flag: (s if flag else "<" + s + ">", (s + "xyz")[n],
                                              s * (n - 1), not n),
             [("ab", 2, True), ("", 1, False), ("q", 0, True), ("hey", 4, False)])


@needs_gfortran
def test_foreach_over_a_matrix_row_and_over_a_rebound_list(tmp_path: Path) -> None:
    mm, v, t, u, y = V("mm", MI), V("v", INT), V("t", INT), V("u", INT), V("y", INT)
    f = fn("rows", [("mm", MI), ("xs", LI)], tuple_of(INT, INT),
           [Assign("t", C(0)),
            ForEach("v", at(mm, op("-", length(mm), C(1))),
                    (Assign("t", op("+", op("*", t, C(10)), v)),)),
            Assign("u", C(0)),
            ForEach("y", xs, (Assign("xs", lst(LI, y)),
                              Assign("u", op("+", op("+", u, y), length(xs))))),
            Return(TupleLit((t, u), tuple_of(INT, INT)))],
           {"t": INT, "v": INT, "u": INT, "y": INT}, mutated=("xs",))

    def rows(mm: list[list[int]], xs: list[int]) -> tuple[int, int]:
        t = 0
        for v in mm[len(mm) - 1]:
            t = t * 10 + v
        u = 0
        for y in xs:
            xs = [y]
            u = u + y + len(xs)
        return t, u
    run_case(tmp_path, f, rows, [([[1, 2], [3, 4]], [5, 6, 7]), ([[9]], [])])


@needs_gfortran
def test_matrix_literals_and_empty_matrices(tmp_path: Path) -> None:
    f = fn("mats", [("n", INT)], MI,
           [If(cmp("==", n, C(0)), (Return(lst(MI)),), ()),
            If(cmp("==", n, C(1)), (Return(lst(MI, lst(LI, C(1), C(2), C(3)),
                                               lst(LI, C(4), C(5), C(6)))),), ()),
            Return(rep(lst(LI), n))])
    run_case(tmp_path, f, lambda n: [] if n == 0 else [[1, 2, 3], [4, 5, 6]] if n == 1 else
             [[] for _ in range(n)], [(0,), (1,), (3,), (-1,)])


@needs_gfortran
def test_float_and_bool_list_slices_append_and_list_ifexp(tmp_path: Path) -> None:
    fx, bs, k = V("fx", LF), V("bs", LB), V("k", INT)
    part, bs2 = V("part", LF), V("bs2", LB)
    f = fn("lists", [("fx", LF), ("bs", LB), ("k", INT)], tuple_of(FLOAT, INT, BOOL, INT),
           [Assign("part", sl(fx, C(1), k)), Assign("bs2", sl(bs, None, k)),
            Append("bs2", C(True)),
            Assign("pick", IfExp(cmp(">", k, C(1)), part, lst(LF, C(0.5), C(2.0)), LF)),
            Return(TupleLit((call("sum", part, t=FLOAT), call("sum", bs2, t=INT),
                             cmp("==", at(bs2, C(0)), at(bs, op("-", length(bs), C(1)))),
                             length(V("pick", LF))), tuple_of(FLOAT, INT, BOOL, INT)))],
           {"part": LF, "bs2": LB, "pick": LF})

    def lists(fx: list[float], bs: list[bool], k: int) -> tuple[float, int, bool, int]:
        part = fx[1:k]
        bs2 = bs[:k]
        bs2.append(True)
        pick = part if k > 1 else [0.5, 2.0]
        return sum(part), sum(bs2), bs2[0] == bs[-1], len(pick)
    run_case(tmp_path, f, lists, [([0.1, 0.2, 0.3], [True, False], 3),
                                  ([1.0], [False, False, True], 0), ([2.5, 1e-3], [True], -1)])


@needs_gfortran
def test_while_with_short_circuit_condition_and_continue(tmp_path: Path) -> None:
    i, total = V("i", INT), V("total", INT)
    prev = at(xs, op("-", i, C(1)))
    f = fn("skipper", [("xs", LI)], INT,
           [Assign("i", C(0)), Assign("total", C(0)),
            While(AND(cmp("<", i, length(xs)), cmp("!=", at(xs, i), C(0))), (
                Assign("i", op("+", i, C(1))),
                If(cmp("<", prev, C(0)), (Continue(),), ()),
                Assign("total", op("+", total, prev)))),
            Return(op("+", op("*", total, C(1000)), i))], {"i": INT, "total": INT})

    def skipper(xs: list[int]) -> int:
        i = total = 0
        while i < len(xs) and xs[i] != 0:
            i = i + 1
            if xs[i - 1] < 0:
                continue
            total = total + xs[i - 1]
        return total * 1000 + i
    run_case(tmp_path, f, skipper, [([],), ([1, -2, 3],), ([4, 0, 5],), ([-1, -1],)])


@needs_gfortran
def test_loop_variables_shared_between_loops(tmp_path: Path) -> None:
    i, t = V("i", INT), V("t", INT)
    f = fn("loops", [("n", INT)], INT,
           [Assign("t", C(0)),
            ForRange("i", C(0), n, 1, (Assign("t", op("+", t, i)),)),
            ForRange("i", C(0), C(3), 1, (
                ForRange("i", C(0), C(2), 1, (Assign("t", op("+", t, op("*", i, C(10)))),)),
                Assign("t", op("+", t, op("*", i, C(100)))))),
            Return(t)], {"t": INT, "i": INT})

    def loops(n: int) -> int:
        t = 0
        for i in range(n):
            t = t + i
        for i in range(3):
            for i in range(2):
                t = t + i * 10
            t = t + i * 100
        return t
    code = run_case(tmp_path, f, loops, [(0,), (4,)])
    assert "do i = 0_int64, n - 1" in code  # the first loop needs no hidden counter


@needs_gfortran
def test_mixed_comparisons_and_names_near_hidden_ones(tmp_path: Path) -> None:
    p, q = V("p", BOOL), V("q", BOOL)
    f = fn("cmps", [("n", INT), ("x", FLOAT), ("p", BOOL), ("q", BOOL)],
           tuple_of(BOOL, BOOL, BOOL, BOOL, INT),
           [Assign("t_b0", C(5)), Assign("py_clamp", op("+", V("t_b0", INT), n)),
            Return(TupleLit((cmp("<", n, x), cmp("==", n, x), cmp("!=", p, q),
                             cmp("==", cmp("==", p, q), cmp(">", n, C(0))),
                             V("py_clamp", INT)), tuple_of(BOOL, BOOL, BOOL, BOOL, INT)))],
           {"t_b0": INT, "py_clamp": INT})
    code = run_case(tmp_path, f, lambda n, x, p, q: (n < x, n == x, p != q, (p == q) == (n > 0),
                                                     5 + n),
                    [(1, 1.0, True, False), (2, 1.5, True, True), (-3, -2.5, False, False)])
    assert "py_clamp_v" in code


@needs_gfortran
def test_float_min_max_keep_pythons_choice_for_nan_and_signed_zero(tmp_path: Path) -> None:
    h, nan, one, z = V("h", FLOAT), V("nan", FLOAT), C(1.0), V("z", FLOAT)
    big = op("*", h, C(10.0))
    r8 = tuple_of(*[FLOAT] * 8)
    f = fn("nanny", [("h", FLOAT), ("z", FLOAT)], r8,
           [Assign("nan", op("-", big, big)),
            Return(TupleLit((
                call("min", nan, one, t=FLOAT), call("min", one, nan, t=FLOAT),
                call("max", nan, one, t=FLOAT), call("max", one, nan, t=FLOAT),
                call("min", z, NEG(z), t=FLOAT), call("max", NEG(z), z, t=FLOAT),
                call("min", lst(LF, nan, one, NEG(one)), t=FLOAT),
                call("max", lst(LF, one, nan, C(2.0)), t=FLOAT)), r8))], {"nan": FLOAT})

    def nanny(h: float, z: float) -> tuple[float, ...]:
        nan = h * 10.0 - h * 10.0
        return (min(nan, 1.0), min(1.0, nan), max(nan, 1.0), max(1.0, nan), min(z, -z),
                max(-z, z), min([nan, 1.0, -1.0]), max([1.0, nan, 2.0]))
    run_case(tmp_path, f, nanny, [(1e308, 0.0), (1e308, -0.0)])


@needs_gfortran
def test_names_that_hide_intrinsics_go_through_a_private_procedure(tmp_path: Path) -> None:
    size, count = V("size", LI), V("count", INT)
    f = fn("merge", [("size", LI), ("count", INT), ("s", STR)], tuple_of(INT, BOOL),
           [Assign("count", op("+", count, C(1))),
            Return(TupleLit((IfExp(cmp(">", count, C(1)), op("+", length(size), count), C(-1), INT),
                             cmp("<", s, C("m"))), tuple_of(INT, BOOL)))], mutated=("count",))
    code = run_case(tmp_path, f, lambda size, count, s: (
        len(size) + count + 1 if count + 1 > 1 else -1, s < "m"),
        [([1, 2], 3, "a"), ([], 0, "z"), ([5], -4, "m")])
    assert "intrinsic :: merge" in code and "merge_impl" in code


class _RandomExprs:
    """Random typed expression trees over ints a, b, c (b, c never 0), floats x, y (y never
    0) and a bool p, with the Python source of each; divisors are never zero."""

    ENV = {"a": INT, "b": INT, "c": INT, "x": FLOAT, "y": FLOAT, "p": BOOL}

    def __init__(self, seed: int) -> None:
        import random
        self.r = random.Random(seed)

    def leaf(self, t: IRType) -> tuple[Expr, str]:
        r = self.r
        if r.random() < 0.5:
            name = r.choice([n for n, nt in self.ENV.items() if nt == t])
            return V(name, t), name
        v = {INT: lambda: r.randint(-9, 9), FLOAT: lambda: r.choice([0.1, -2.5, 1e-3, 3.0, 0.7]),
             BOOL: lambda: r.random() < 0.5}[t]()
        return C(v), f"({v!r})"

    def divisor(self, t: IRType) -> tuple[Expr, str]:
        r = self.r
        if t == INT:
            v = r.choice([-7, -2, 3, 5])
            return (C(v), f"({v!r})") if r.random() < 0.5 else (V(n := r.choice("bc"), INT), n)
        return (C(-0.3), "(-0.3)") if r.random() < 0.5 else (V("y", FLOAT), "y")

    def gen(self, t: IRType, depth: int) -> tuple[Expr, str]:
        r = self.r
        if depth == 0 or r.random() < 0.2:
            return self.leaf(t)
        d = depth - 1
        if t == BOOL:
            k = r.randrange(4)
            if k == 0:
                ta, tb = r.choice([INT, FLOAT, BOOL]), r.choice([INT, FLOAT])
                (ea, sa), (eb, sb) = self.gen(ta, d), self.gen(tb, d)
                sym = r.choice(["==", "!=", "<", "<=", ">", ">="])
                return cmp(sym, ea, eb), f"({sa} {sym} {sb})"
            if k == 1:
                parts = [self.gen(BOOL, d) for _ in range(r.randint(2, 3))]
                which = r.choice(["and", "or"])
                return BoolOp(which, tuple(e for e, _ in parts), BOOL), \
                    "(" + f" {which} ".join(src for _, src in parts) + ")"
            if k == 2:
                e, src = self.gen(BOOL, d)
                return NOT(e), f"(not {src})"
            return self.leaf(BOOL)
        k = r.randrange(6)
        if k <= 1:  # + - * with operands of any numeric type that yields t
            sym = r.choice("+-*")
            ta = t if t == FLOAT and r.random() < 0.6 else r.choice([INT, BOOL])
            tb = r.choice([INT, BOOL, FLOAT]) if t == FLOAT and ta != FLOAT else \
                r.choice([INT, BOOL]) if t == INT else r.choice([INT, FLOAT])
            (ea, sa), (eb, sb) = self.gen(ta, d), self.gen(tb, d)
            e = op(sym, ea, eb)
            if e.type != t:
                return self.leaf(t)
            return e, f"({sa} {sym} {sb})"
        if k == 2:  # // % (and / for floats) by a non-zero divisor
            sym = r.choice(["//", "%", "/"] if t == FLOAT else ["//", "%"])
            ea, sa = self.gen(r.choice([INT, FLOAT]) if t == FLOAT else INT, d)
            eb, sb = self.divisor(FLOAT if t == FLOAT and (sym != "/" or r.random() < 0.5)
                                  else INT)
            e = op(sym, ea, eb)
            if e.type != t:
                return self.leaf(t)
            return e, f"({sa} {sym} {sb})"
        if k == 3:
            (ec, sc), (ea, sa), (eb, sb) = self.gen(BOOL, d), self.gen(t, d), self.gen(t, d)
            return IfExp(ec, ea, eb, t), f"({sa} if {sc} else {sb})"
        if k == 4:
            e, src = self.gen(t, d)
            return NEG(e), f"(-{src})"
        if t == FLOAT and r.random() < 0.5:
            e, src = self.gen(FLOAT, d)
            return op("**", e, C(2)), f"({src} ** 2)"
        e, src = self.gen(FLOAT if t == INT else INT, d)
        fn_ = "int" if t == INT else "float"
        return call(fn_, e, t=t), f"{fn_}({src})"


@needs_gfortran
def test_random_expressions_match_python_exactly(tmp_path: Path) -> None:
    """Precedence, parenthesisation, conversions and floor semantics on 40 random trees."""
    gen = _RandomExprs(seed=20240601)
    exprs = [gen.gen(t, 3) for t in [INT, FLOAT, BOOL, FLOAT] * 10]
    rtype = tuple_of(*(e.type for e, _ in exprs))
    params = list(_RandomExprs.ENV.items())
    f = fn("rand_exprs", params, rtype, [Return(TupleLit(tuple(e for e, _ in exprs), rtype))])
    names = ", ".join(n for n, _ in params)
    py = eval(f"lambda {names}: ({', '.join(src for _, src in exprs)},)")
    run_case(tmp_path, f, py, [(7, 2, -3, 1.5, 0.25, True), (-8, -5, 4, -2.75, -1.0, False),
                               (0, 3, 1, 0.1, 3.0, True), (9, -1, -9, 1e-3, -0.7, False)])


def test_refusals_name_their_reason() -> None:
    cases = [
        (fn("f", [("n", INT)], INT, [Assign("w", lst(list_of(STR))), Return(n)],
            {"w": list_of(STR)}), "lowering:local_type"),
        (fn("f", [("n", INT)], INT,
            [Assign("g", rep(rep(C(0), n), n)), Append("g", rep(C(1), n)), Return(n)], {"g": MI}),
         "lowering:matrix_append"),
        (fn("py_clamp", [("s", STR)], STR, [Return(sl(s, C(1)))]), "lowering:name_hides_helper"),
        (fn("f", [("xs", LI)], MI, [Return(ListRepeat(xs, C(2), MI))]),
         "lowering:matrix_rows_alias"),
        (fn("f", [("n", INT)], STR, [Return(C("é"))]), "lowering:non_ascii_str"),
        (fn("f", [("n", INT)], FLOAT, [Return(C(math.inf))]), "lowering:nonfinite_literal"),
    ]
    for f, reason in cases:
        with pytest.raises(UnsupportedProgram) as info:
            lower_function(f)
        assert info.value.reason == reason
    no_body = Function(Program("t", "t.py", ""), Signature("f", (), INT), "", None,
                       body_reason="body:unsupported_call:sorted")
    with pytest.raises(UnsupportedProgram, match="lowering:no_body"):
        lower_function(no_body)


def test_lowering_is_deterministic_and_passes_static_checks() -> None:
    i = V("i", INT)
    f = fn("first_pos", [("xs", LI)], INT,
           [Assign("i", C(0)),
            While(AND(cmp("<", i, length(xs)), cmp("<=", at(xs, i), C(0))),
                  (Assign("i", op("+", i, C(1))),)),
            Return(i)], {"i": INT})
    code = lower_function(f)
    assert code == lower_function(f)
    assert static_check(code, f.signature) is None
