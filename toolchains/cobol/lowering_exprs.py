"""COBOL lowering of body-IR expressions: values as COMPUTE text, conditions, str and list refs.

COBOL quirks handled here:
  - arithmetic runs in GnuCOBOL's decimal intermediates: `//` is FUNCTION INTEGER(a / b)
    and `%` FUNCTION MOD(a, b) (both floor like Python, exact over int64: tested);
    `int(x)` is FUNCTION INTEGER-PART (truncation). Floats agree with IEEE to about 16
    digits, not bit for bit (validation compares with a tolerance).
  - conditions are COBOL conditions (`a < b AND c = 1`); GnuCOBOL evaluates AND/OR
    left to right with short-circuit (tested), so `i < n AND x-v(i + 1) = 0` is safe.
    An operand that needs statements first turns the whole BoolOp into a temporary.
  - a bool is `PIC 9` (0/1): as a condition it reads `x = 1`.
  - a str value is (base, offset, length): characters `base(offset + 1 : length)`. A
    reference modification of length 0 is a runtime error under `-debug`, so every use
    is guarded by `length > 0`; COBOL compares blank-padded, so equality also compares
    lengths and ordering runs a character loop.
  - lists and matrices are group items (`x-n`/`x-v`, `x-r`/`x-c`/`x-v`); subscripts are
    Python index + 1.

Key contracts: `Lowerer.expr(e)` returns a `Val` whose `pre` statements must run before
`code` is used; it raises `UnsupportedProgram("cobol:<what>")` for what it cannot express.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    BinOp, BinOpKind, BoolOp, Call, CmpOpKind, Compare, Const, Expr, IfExp, Index, ListLit,
    ListRepeat, Name, Slice, UnaryOp,
)
from tolk.ir.types import BOOL, INT, STR, IRType, Kind, list_of
from tolk.toolchains.cobol.types import data_item

__all__ = ["Val", "Lowerer", "num_literal", "str_literal"]

# A data name (maybe subscripted) or an unsigned literal: MOVE-able as is.
_SIMPLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*(\([A-Za-z0-9_ ,+-]*\))?|\d+(\.\d+)?")
_CMP = {CmpOpKind.EQ: "=", CmpOpKind.NE: "NOT =", CmpOpKind.LT: "<", CmpOpKind.LE: "<=",
        CmpOpKind.GT: ">", CmpOpKind.GE: ">="}


@dataclass(frozen=True, slots=True)
class Val:
    """A lowered expression. kind: "num" (COMPUTE text), "cond" (condition text), "str"
    (base/off/ln), "list" (code is a group data name of the value's type)."""
    kind: str
    code: str = ""
    pre: tuple[str, ...] = ()
    base: str = ""
    off: str = "0"
    ln: str = "0"


def num_literal(v: int | float) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, int):
        return f"({v})" if v < 0 else str(v)
    if not math.isfinite(v):
        raise UnsupportedProgram("cobol:non_finite_literal", repr(v))
    d = Decimal(repr(v))
    sign, digits, exp = d.as_tuple()
    text = format(d, "f")
    if len(digits) + abs(int(exp)) > 30:  # floating-point literal: mantissa E exponent
        m = "".join(map(str, digits))
        text = f"{'-' if sign else ''}{m[0]}.{m[1:] or '0'}E{len(m) - 1 + int(exp)}"
    elif "." not in text:
        text += ".0"
    return f"({text})" if text.startswith("-") else text


def str_literal(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def p(x: str) -> str:
    return f"({x})"


def group(x: str) -> str:
    """x in parentheses unless it is one token or already one parenthesised group."""
    if " " not in x:
        return x
    if x.startswith("(") and x.endswith(")"):
        depth = 0
        for i, ch in enumerate(x):
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth == 0 and i < len(x) - 1:
                break
        else:
            return x
    return f"({x})"


def _len_of(base: str) -> str:
    """`x-len` for the text field `x-txt`, `x-len(i)` for the element `x-txt(i)`."""
    head, sep, sub = base.partition("(")
    return head[:-4] + "-len" + sep + sub if head.endswith("-txt") else ""


def plus(off: str, k: str) -> str:
    """`off + k` for a reference-modification start, without a `0 +`."""
    return k if off == "0" else f"{off} + {k}"


@dataclass
class Lowerer:
    """Expression lowering state: variable -> (data name, type), and the temporaries."""
    names: dict[str, tuple[str, IRType]]
    temps: list[str] = field(default_factory=list)
    _n: int = 0
    _trap: tuple[str, str] | None = None  # (zero int, scratch string) for bound traps

    # ---- temporaries ------------------------------------------------------------------

    def temp(self, t: IRType) -> str:
        self._n += 1
        name = f"t-{self._n}"
        self.temps += data_item(name, t)
        return name

    def in_bounds(self, idx: str, n: str) -> tuple[str, ...]:
        """Statements that end the run when idx lies outside [0, n), where Python raises
        IndexError: a string offset or matrix subscript that is past the logical length
        but inside the item's capacity is not trapped by `-debug` on its own. The trap is
        a reference modification at offset 0, which `-debug` always stops (exit 1)."""
        if self._trap is None:
            self._trap = (self.temp(INT), self.temp(STR))
        z, c = self._trap
        return (f"IF {idx} < 0 OR {idx} >= {p(n)}", f"    MOVE 0 TO {z}",
                f"    MOVE {c}-txt({z}:1) TO {c}-txt(1:1)", "END-IF")

    # ---- helpers over values ----------------------------------------------------------

    def var(self, name: str) -> tuple[str, IRType]:
        if name not in self.names:
            raise UnsupportedProgram("cobol:unknown_name", name)
        return self.names[name]

    def num(self, e: Expr) -> Val:
        """e as a numeric COMPUTE operand (bools as 0/1)."""
        v = self.expr(e)
        if v.kind == "num":
            return v
        if v.kind == "cond":
            t = self.temp(BOOL)
            return Val("num", t, v.pre + self.set_bool(v, t))
        raise UnsupportedProgram("cobol:not_numeric", str(e.type))

    def cond(self, e: Expr) -> Val:
        v = self.expr(e)
        if v.kind == "cond":
            return v
        if v.kind == "num" and e.type.kind is Kind.BOOL:
            return Val("cond", f"{v.code} = 1", v.pre)
        raise UnsupportedProgram("cobol:not_a_condition", str(e.type))

    @staticmethod
    def set_bool(v: Val, target: str) -> tuple[str, ...]:
        if v.kind == "num":
            return (f"MOVE {v.code} TO {target}",)
        return (f"IF {v.code}", f"    MOVE 1 TO {target}", "ELSE",
                f"    MOVE 0 TO {target}", "END-IF")

    def intval(self, e: Expr) -> Val:
        """An int operand simple enough for a subscript (name, literal, or a temporary)."""
        v = self.num(e)
        if isinstance(e, (Name, Const)) and not v.pre:
            return v
        t = self.temp(INT)
        return Val("num", t, v.pre + (f"COMPUTE {t} = {v.code}",))

    # ---- stores -------------------------------------------------------------------------

    def store(self, e: Expr, target: str, t: IRType) -> tuple[str, ...]:
        """Statements that set data item `target` (of type t) to e."""
        if isinstance(e, IfExp):
            c = self.cond(e.cond)
            return (*c.pre, f"IF {c.code}", *ind(self.store(e.then, target, t)), "ELSE",
                    *ind(self.store(e.orelse, target, t)), "END-IF")
        if t.kind is Kind.STR:
            if isinstance(e, Const):
                text = str(e.value)
                return ((f"MOVE {str_literal(text)} TO {target}-txt",) if text else ()) + (
                    f"MOVE {len(text)} TO {target}-len",)
            if isinstance(e, BinOp) and e.op is BinOpKind.ADD:
                left = self.expr(e.left)
                if (left.base, left.off, left.ln) == (f"{target}-txt", "0", f"{target}-len"):
                    # s = s + x: append in place
                    return left.pre + self.append_str(self.expr(e.right), target)
            return self.store_str(self.expr(e), f"{target}-txt", f"{target}-len")
        if t.rank == 0:
            if t.kind is Kind.BOOL and isinstance(e, Const):
                return (f"MOVE {1 if e.value else 0} TO {target}",)
            if t.kind is Kind.BOOL:
                v = self.expr(e)
                return v.pre + self.set_bool(v, target)
            v = self.num(e)
            if e.type == t and _SIMPLE.fullmatch(v.code):
                return (*v.pre, f"MOVE {v.code} TO {target}")
            return (*v.pre, f"COMPUTE {target} = {v.code}")
        return self.store_list(e, target, t)

    def store_str(self, v: Val, txt: str, ln: str) -> tuple[str, ...]:
        """txt/ln := v; goes through a temporary length (ln may appear in v.ln) and a
        temporary text when v reads txt itself (COBOL leaves overlapping MOVEs undefined)."""
        pre = list(v.pre)
        if v.base == txt and v.off == "0":
            return (*pre, f"COMPUTE {ln} = {v.ln}")
        if v.base.split("(")[0] == txt.split("(")[0]:
            tmp = self.temp(STR)
            pre += self.store_str(v, f"{tmp}-txt", f"{tmp}-len")
            v = Val("str", base=f"{tmp}-txt", off="0", ln=f"{tmp}-len")
        if v.off == "0" and v.base.endswith(("-txt", ")")) and \
                v.ln == _len_of(v.base) and v.base.split("(")[0] != txt.split("(")[0]:
            # a whole str item (or table element): copy its two fields
            return (*pre, f"MOVE {v.ln} TO {ln}", f"MOVE {v.base} TO {txt}")
        n = self.temp(INT)
        return (*pre, f"COMPUTE {n} = {v.ln}",
                f"IF {n} > 0", f"    MOVE {v.base}({plus(v.off, '1')}:{n}) TO {txt}", "END-IF",
                f"MOVE {n} TO {ln}")

    def store_list(self, e: Expr, target: str, t: IRType) -> tuple[str, ...]:
        if isinstance(e, ListLit):
            return self.fill_literal(e, target, t)
        if isinstance(e, ListRepeat):
            return self.fill_repeat(e, target, t)
        v = self.expr(e)
        if v.code == target:
            return v.pre
        if t.rank == 1:
            # Set the count first: the group MOVE's receiving length follows it.
            return (*v.pre, f"MOVE {v.code}-n TO {target}-n", f"MOVE {v.code} TO {target}")
        return (*v.pre, f"MOVE {v.code}-r TO {target}-r", f"MOVE {v.code}-c TO {target}-c",
                f"MOVE {v.code} TO {target}")

    def store_elem(self, e: Expr, group: str, sub: str, t: IRType) -> tuple[str, ...]:
        """group's element `sub` (subscript text) := e, for an element type t."""
        if t.kind is Kind.STR:
            return self.store_str(self.expr(e), f"{group}-txt({sub})", f"{group}-len({sub})")
        return self.store(e, f"{group}-v({sub})", t)

    def fill_literal(self, e: ListLit, target: str, t: IRType) -> tuple[str, ...]:
        if t.rank == 2:
            rows = e.elems
            if not rows:
                return (f"MOVE 0 TO {target}-r", f"MOVE 0 TO {target}-c")
            if not all(isinstance(r, ListLit) for r in rows):
                raise UnsupportedProgram("cobol:matrix_literal_rows")
            cols = len(rows[0].elems)  # type: ignore[union-attr]
            if any(len(r.elems) != cols for r in rows):  # type: ignore[union-attr]
                raise UnsupportedProgram("cobol:ragged_matrix_literal")
            out = [f"MOVE {len(rows)} TO {target}-r", f"MOVE {cols} TO {target}-c"]
            for i, r in enumerate(rows, 1):
                for j, x in enumerate(r.elems, 1):  # type: ignore[union-attr]
                    out += self.store(x, f"{target}-v({i}, {j})", t.scalar)
            return tuple(out)
        # Elements may read the target (xs = [xs[1], xs[0]]): build in a temporary.
        tmp = self.temp(t)
        out = [f"MOVE {len(e.elems)} TO {tmp}-n"]
        for i, x in enumerate(e.elems, 1):
            out += self.store_elem(x, tmp, str(i), t.elem)
        return (*out, f"MOVE {tmp}-n TO {target}-n", f"MOVE {tmp} TO {target}")

    def fill_repeat(self, e: ListRepeat, target: str, t: IRType) -> tuple[str, ...]:
        i, j = self.temp(INT), self.temp(INT)
        if t.rank == 2:
            inner = e.elem
            if not isinstance(inner, ListRepeat):
                raise UnsupportedProgram("cobol:matrix_repeat_of_a_row")
            r, c = self.num(e.count), self.num(inner.count)
            x = self.num(inner.elem) if t.scalar.kind is not Kind.BOOL else self.expr(inner.elem)
            return (*r.pre, *c.pre, f"COMPUTE {target}-r = FUNCTION MAX(0, {r.code})",
                    f"COMPUTE {target}-c = FUNCTION MAX(0, {c.code})", *x.pre,
                    f"PERFORM VARYING {i} FROM 1 BY 1 UNTIL {i} > {target}-r",
                    f"    AFTER {j} FROM 1 BY 1 UNTIL {j} > {target}-c",
                    *ind(self._scalar_set(x, f"{target}-v({i}, {j})", t.scalar)),
                    "END-PERFORM")
        n = self.num(e.count)
        elem = self.expr(e.elem)
        if t.elem.kind is Kind.STR:
            tmp = self.temp(t.elem)
            body = self.store_str(elem, f"{tmp}-txt", f"{tmp}-len")
            set_one = (f"MOVE {tmp}-len TO {target}-len({i})",
                       f"MOVE {tmp}-txt TO {target}-txt({i})")
            return (*n.pre, *body, f"COMPUTE {target}-n = FUNCTION MAX(0, {n.code})",
                    f"PERFORM VARYING {i} FROM 1 BY 1 UNTIL {i} > {target}-n",
                    *ind(set_one), "END-PERFORM")
        if elem.kind == "num" and elem.pre == () and t.elem.kind is not Kind.BOOL:
            x = elem
        else:
            tmp = self.temp(t.elem)
            pre = elem.pre + (self.set_bool(elem, tmp) if t.elem.kind is Kind.BOOL
                              else (f"COMPUTE {tmp} = {elem.code}",))
            x = Val("num", tmp, pre)
        return (*n.pre, *x.pre, f"COMPUTE {target}-n = FUNCTION MAX(0, {n.code})",
                f"PERFORM VARYING {i} FROM 1 BY 1 UNTIL {i} > {target}-n",
                f"    MOVE {x.code} TO {target}-v({i})" if t.elem.kind is Kind.BOOL else
                f"    COMPUTE {target}-v({i}) = {x.code}",
                "END-PERFORM")

    def _scalar_set(self, x: Val, ref: str, t: IRType) -> tuple[str, ...]:
        if t.kind is Kind.BOOL:
            return self.set_bool(x, ref)
        return (f"COMPUTE {ref} = {x.code}",)

    # ---- expressions --------------------------------------------------------------------

    def expr(self, e: Expr) -> Val:
        method = getattr(self, f"e_{type(e).__name__.lower()}", None)
        if method is None:
            raise UnsupportedProgram("cobol:expression", type(e).__name__)
        return method(e)

    def e_const(self, e: Const) -> Val:
        if e.type.kind is Kind.STR:
            s = str(e.value)
            t = self.temp(e.type)
            if not s:
                return Val("str", pre=(f"MOVE 0 TO {t}-len",), base=f"{t}-txt", ln=f"{t}-len")
            if len(s) > 200:
                raise UnsupportedProgram("cobol:long_string_literal")
            return Val("str", pre=(f"MOVE {str_literal(s)} TO {t}-txt", f"MOVE {len(s)} TO {t}-len"),
                       base=f"{t}-txt", ln=f"{t}-len")
        if e.type.kind is Kind.BOOL:
            return Val("cond", "1 = 1" if e.value else "1 = 0")
        return Val("num", num_literal(e.value))  # type: ignore[arg-type]

    def e_name(self, e: Name) -> Val:
        dn, t = self.var(e.id)
        if t.kind is Kind.STR:
            return Val("str", base=f"{dn}-txt", ln=f"{dn}-len")
        if t.rank > 0:
            return Val("list", dn)
        return Val("num", dn)

    def e_binop(self, e: BinOp) -> Val:
        if e.type.kind is Kind.STR:
            if e.op is not BinOpKind.ADD:
                raise UnsupportedProgram("cobol:str_operator", str(e.op))
            return self.concat(self.expr(e.left), self.expr(e.right))
        if e.type.kind is Kind.LIST:
            raise UnsupportedProgram("cobol:list_operator", str(e.op))
        a, b = self.num(e.left), self.num(e.right)
        pre = a.pre + b.pre
        match e.op:
            case BinOpKind.FLOORDIV:
                return Val("num", f"FUNCTION INTEGER({a.code} / {b.code})", pre)
            case BinOpKind.MOD:
                return Val("num", f"FUNCTION MOD({a.code}, {b.code})", pre)
            case BinOpKind.POW:
                # GnuCOBOL 3.1.2 negates a negative literal exponent in place: the second
                # evaluation of `2 ** (-2)` gives 16 (tested). Use 1 / a ** k instead.
                neg = _negated_literal(e.right)
                if neg is not None:
                    return Val("num", p(f"1 / ({a.code} ** {neg})"), pre)
                return Val("num", p(f"{a.code} ** {b.code}"), pre)
        return Val("num", p(f"{a.code} {e.op.value} {b.code}"), pre)

    def concat(self, a: Val, b: Val) -> Val:
        t = self.temp(STR)
        pre = (*self.store_str(a, f"{t}-txt", f"{t}-len"), *self.append_str(b, t))
        return Val("str", pre=pre, base=f"{t}-txt", ln=f"{t}-len")

    def append_str(self, b: Val, group: str) -> tuple[str, ...]:
        """group (a str item) += b."""
        if b.ln.isdigit() and int(b.ln) > 0:
            return (*b.pre, f"MOVE {b.base}({plus(b.off, '1')}:{b.ln}) TO "
                            f"{group}-txt({group}-len + 1:{b.ln})", f"ADD {b.ln} TO {group}-len")
        n = self.temp(INT)
        return (*b.pre, f"COMPUTE {n} = {b.ln}", f"IF {n} > 0",
                f"    MOVE {b.base}({plus(b.off, '1')}:{n}) TO {group}-txt({group}-len + 1:{n})",
                f"    ADD {n} TO {group}-len", "END-IF")

    def e_unaryop(self, e: UnaryOp) -> Val:
        if e.op == "not":
            c = self.cond(e.operand)
            return Val("cond", f"NOT ({c.code})", c.pre)
        a = self.num(e.operand)
        return Val("num", p(f"- {a.code}"), a.pre)

    def e_compare(self, e: Compare) -> Val:
        if e.left.type.kind is Kind.STR:
            return self.str_compare(e)
        if e.left.type.kind is Kind.LIST:
            raise UnsupportedProgram("cobol:list_compare")
        a, b = self.num(e.left), self.num(e.right)
        return Val("cond", f"{a.code} {_CMP[e.op]} {b.code}", a.pre + b.pre)

    def str_compare(self, e: Compare) -> Val:
        if isinstance(e.right, Const) or isinstance(e.left, Const):
            if (fast := self.const_compare(e)) is not None:
                return fast
        a, b = self.expr(e.left), self.expr(e.right)
        pre = a.pre + b.pre
        if e.op in (CmpOpKind.EQ, CmpOpKind.NE) and (a.ln.isdigit() or b.ln.isdigit()):
            k, other = (a.ln, b.ln) if a.ln.isdigit() else (b.ln, a.ln)
            eq = (f"{group(other)} = 0" if k == "0" else
                  f"({group(other)} = {k} AND {a.base}({plus(a.off, '1')}:{k}) = "
                  f"{b.base}({plus(b.off, '1')}:{k}))")
            return Val("cond", eq if e.op is CmpOpKind.EQ else f"NOT {eq}", pre)
        if e.op in (CmpOpKind.EQ, CmpOpKind.NE):
            eq = (f"({a.ln} = {b.ln} AND ({a.ln} = 0 OR "
                  f"{a.base}({plus(a.off, '1')}:{a.ln}) = {b.base}({plus(b.off, '1')}:{a.ln})))")
            return Val("cond", eq if e.op is CmpOpKind.EQ else f"NOT {eq}", pre)
        # Python orders by characters, then by length; COBOL would pad with blanks.
        c, m, k = self.temp(INT), self.temp(INT), self.temp(INT)
        ca, cb = f"{a.base}({plus(a.off, k)}:1)", f"{b.base}({plus(b.off, k)}:1)"
        loop = (
            f"MOVE 0 TO {c}",
            f"COMPUTE {m} = FUNCTION MIN({a.ln}, {b.ln})",
            f"PERFORM VARYING {k} FROM 1 BY 1 UNTIL {k} > {m} OR {c} NOT = 0",
            f"    IF {ca} < {cb}", f"        MOVE -1 TO {c}",
            f"    ELSE", f"        IF {ca} > {cb}", f"            MOVE 1 TO {c}",
            "        END-IF", "    END-IF", "END-PERFORM",
            f"IF {c} = 0", f"    IF {a.ln} < {b.ln}", f"        MOVE -1 TO {c}",
            f"    ELSE", f"        IF {a.ln} > {b.ln}", f"            MOVE 1 TO {c}",
            "        END-IF", "    END-IF", "END-IF",
        )
        return Val("cond", f"{c} {_CMP[e.op]} 0", pre + loop)

    def const_compare(self, e: Compare) -> Val | None:
        """A comparison with a str literal, without temporaries: equality with any
        literal, ordering with a one-character literal (the character range checks)."""
        op, x, lit = e.op, e.left, e.right
        if isinstance(x, Const):  # put the literal on the right: "a" <= c is c >= "a"
            op = {CmpOpKind.LT: CmpOpKind.GT, CmpOpKind.LE: CmpOpKind.GE,
                  CmpOpKind.GT: CmpOpKind.LT, CmpOpKind.GE: CmpOpKind.LE}.get(op, op)
            x, lit = lit, x
        if not isinstance(lit, Const) or isinstance(x, Const):
            return None
        text = str(lit.value)
        v = self.expr(x)
        n, first = group(v.ln), f"{v.base}({plus(v.off, '1')}:1)"
        if op in (CmpOpKind.EQ, CmpOpKind.NE):
            eq = (f"{n} = 0" if not text else
                  f"({n} = {len(text)} AND {v.base}({plus(v.off, '1')}:{len(text)}) = "
                  f"{str_literal(text)})")
            return Val("cond", eq if op is CmpOpKind.EQ else f"NOT ({eq})", v.pre)
        if len(text) != 1:
            return None
        c = str_literal(text)
        # Python: "" sorts first; else the first character decides, then the length.
        cond = {
            CmpOpKind.LT: f"({n} = 0 OR {first} < {c})",
            CmpOpKind.LE: f"({n} = 0 OR {first} < {c} OR ({first} = {c} AND {n} = 1))",
            CmpOpKind.GT: f"({n} > 0 AND ({first} > {c} OR ({first} = {c} AND {n} > 1)))",
            CmpOpKind.GE: f"({n} > 0 AND {first} >= {c})",
        }[op]
        return Val("cond", cond, v.pre)

    def e_boolop(self, e: BoolOp) -> Val:
        parts = [self.cond(v) for v in e.values]
        word = " AND " if e.op == "and" else " OR "
        if all(not v.pre for v in parts[1:]):
            return Val("cond", word.join(group(v.code) for v in parts), parts[0].pre)
        # A later operand needs statements: evaluate in order, only while undecided.
        t = self.temp(BOOL)
        out = list(parts[0].pre + self.set_bool(parts[0], t))
        for v in parts[1:]:
            guard = f"IF {t} = 1" if e.op == "and" else f"IF {t} = 0"
            out = [*out, guard, *ind(v.pre + self.set_bool(v, t)), "END-IF"]
        return Val("cond", f"{t} = 1", tuple(out))

    def e_ifexp(self, e: IfExp) -> Val:
        t = self.temp(e.type)
        stmts = self.store(e, t, e.type)
        return self.as_val(t, e.type, stmts)

    def as_val(self, dn: str, t: IRType, pre: tuple[str, ...]) -> Val:
        if t.kind is Kind.STR:
            return Val("str", pre=pre, base=f"{dn}-txt", ln=f"{dn}-len")
        if t.rank > 0:
            return Val("list", dn, pre)
        return Val("num", dn, pre)

    def e_index(self, e: Index) -> Val:
        tt = e.target.type
        if tt.kind is Kind.STR:
            s = self.expr(e.target)
            i = self.intval(e.index)
            return Val("str", pre=s.pre + i.pre + self.in_bounds(i.code, s.ln), base=s.base,
                       off=plus(s.off, i.code), ln="1")
        if tt.rank == 2:
            return self.row(e.target, e.index)
        # a matrix element m[i][j]
        if isinstance(e.target, Index) and e.target.target.type.rank == 2:
            m = self.expr(e.target.target)
            i, j = self.intval(e.target.index), self.intval(e.index)
            checks = self.in_bounds(i.code, f"{m.code}-r") + self.in_bounds(j.code, f"{m.code}-c")
            return self._elem(m.code, f"{i.code} + 1, {j.code} + 1", e.type,
                              m.pre + i.pre + j.pre + checks)
        if tt.rank != 1:
            raise UnsupportedProgram("cobol:index", str(tt))
        g = self.expr(e.target)
        i = self.intval(e.index)
        return self._elem(g.code, f"{i.code} + 1", e.type, g.pre + i.pre)

    def _elem(self, group: str, sub: str, t: IRType, pre: tuple[str, ...]) -> Val:
        if t.kind is Kind.STR:
            return Val("str", pre=pre, base=f"{group}-txt({sub})", ln=f"{group}-len({sub})")
        return Val("num", f"{group}-v({sub})", pre)

    def row(self, m: Expr, i: Expr) -> Val:
        """m[i] of a matrix, copied into a list temporary."""
        g = self.expr(m)
        iv = self.intval(i)
        t = self.temp(list_of(m.type.elem.elem))
        k = self.temp(INT)
        return Val("list", t, (*g.pre, *iv.pre, *self.in_bounds(iv.code, f"{g.code}-r"),
                               f"MOVE {g.code}-c TO {t}-n",
                               f"PERFORM VARYING {k} FROM 1 BY 1 UNTIL {k} > {t}-n",
                               f"    MOVE {g.code}-v({iv.code} + 1, {k}) TO {t}-v({k})",
                               "END-PERFORM"))

    def e_slice(self, e: Slice) -> Val:
        src = self.expr(e.target)
        lo, hi = self.num(e.lower), self.num(e.upper)
        n = src.ln if src.kind == "str" else f"{src.code}-n"
        if e.type.kind is Kind.LIST and e.type.rank != 1:
            raise UnsupportedProgram("cobol:matrix_slice")
        a, b = self.temp(INT), self.temp(INT)
        # Python clamps both bounds into [0, len] (after adding len to negative ones).
        pre = (*src.pre, *lo.pre, *hi.pre,
               f"COMPUTE {a} = {lo.code}", f"IF {a} < 0", f"    COMPUTE {a} = {a} + {n}", "END-IF",
               f"COMPUTE {a} = FUNCTION MAX(0, FUNCTION MIN({a}, {n}))",
               f"COMPUTE {b} = {hi.code}", f"IF {b} < 0", f"    COMPUTE {b} = {b} + {n}", "END-IF",
               f"COMPUTE {b} = FUNCTION MAX({a}, FUNCTION MIN({b}, {n}))")
        if src.kind == "str":
            return Val("str", pre=pre, base=src.base, off=plus(src.off, a), ln=f"{b} - {a}")
        t, k = self.temp(e.type), self.temp(INT)
        if e.type.elem.kind is Kind.STR:
            copy = (f"    MOVE {src.code}-len({a} + {k}) TO {t}-len({k})",
                    f"    MOVE {src.code}-txt({a} + {k}) TO {t}-txt({k})")
        else:
            copy = (f"    MOVE {src.code}-v({a} + {k}) TO {t}-v({k})",)
        return Val("list", t, (*pre, f"COMPUTE {t}-n = {b} - {a}",
                               f"PERFORM VARYING {k} FROM 1 BY 1 UNTIL {k} > {t}-n",
                               *copy, "END-PERFORM"))

    def e_call(self, e: Call) -> Val:
        args = e.args
        match e.func:
            case "len":
                x = args[0]
                if isinstance(x, Index) and x.target.type.rank == 2:  # len(m[i])
                    m = self.expr(x.target)
                    i = self.intval(x.index)
                    return Val("num", f"{m.code}-c",
                               m.pre + i.pre + self.in_bounds(i.code, f"{m.code}-r"))
                v = self.expr(x)
                if v.kind == "str":
                    return Val("num", p(v.ln), v.pre)
                return Val("num", f"{v.code}-{'r' if x.type.rank == 2 else 'n'}", v.pre)
            case "abs":
                a = self.num(args[0])
                return Val("num", f"FUNCTION ABS({a.code})", a.pre)
            case "int":
                a = self.num(args[0])
                if args[0].type.kind is Kind.FLOAT:
                    return Val("num", f"FUNCTION INTEGER-PART({a.code})", a.pre)
                return a
            case "float":
                return self.num(args[0])
            case "min" | "max" if len(args) == 2:
                a, b = self.num(args[0]), self.num(args[1])
                return Val("num", f"FUNCTION {e.func.upper()}({a.code}, {b.code})", a.pre + b.pre)
            case "min" | "max" | "sum" if len(args) == 1 and args[0].type.rank == 1:
                return self.reduce(e.func, args[0], e.type)
        raise UnsupportedProgram(f"cobol:call_{e.func}")

    def reduce(self, func: str, x: Expr, t: IRType) -> Val:
        g = self.expr(x)
        acc, k = self.temp(t), self.temp(INT)
        if func == "sum":
            first, step = f"MOVE 0 TO {acc}", f"    ADD {g.code}-v({k}) TO {acc}"
            start = 1
        else:
            first = f"MOVE {g.code}-v(1) TO {acc}"
            op = "<" if func == "min" else ">"
            step = f"    IF {g.code}-v({k}) {op} {acc} MOVE {g.code}-v({k}) TO {acc} END-IF"
            start = 2
        return Val("num", acc, (*g.pre, first,
                                f"PERFORM VARYING {k} FROM {start} BY 1 UNTIL {k} > {g.code}-n",
                                step, "END-PERFORM"))

    def e_listlit(self, e: ListLit) -> Val:
        t = self.temp(e.type)
        return Val("list", t, self.fill_literal(e, t, e.type))

    def e_listrepeat(self, e: ListRepeat) -> Val:
        t = self.temp(e.type)
        return Val("list", t, self.fill_repeat(e, t, e.type))


def ind(lines: tuple[str, ...] | list[str], by: str = "    ") -> tuple[str, ...]:
    return tuple(by + line for line in lines)


def _negated_literal(e: Expr) -> str | None:
    """The COBOL literal for -e when e is a negative numeric constant, else None."""
    if isinstance(e, UnaryOp) and e.op == "-" and isinstance(e.operand, Const):
        v = e.operand.value
        return num_literal(v) if not isinstance(v, (bool, str)) and v > 0 else None
    if isinstance(e, Const) and not isinstance(e.value, (bool, str)) and e.value < 0:
        return num_literal(-e.value)
    return None
