"""Typing of Python expressions into body-IR expressions (the expression half of the builder).

Key contracts: `expr(node, want)` returns a typed Expr or raises
`UnsupportedProgram("body:<what>")`; `want` only types empty list literals and lets an int
literal stand where a float is declared. Python's typing rules are applied exactly: `/` is
float, `//`/`%`/`**` stay int only on ints (and `**` only with a literal exponent >= 0),
bools count as ints in arithmetic, and mixing int and float yields float.
"""

from __future__ import annotations

import ast

import tree_sitter

from tolk import pyast
from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    BUILTINS, BinOp, BinOpKind, BoolOp, Call, CmpOpKind, Compare, Const, Expr, IfExp, Index,
    ListLit, ListRepeat, Name, Slice, UnaryOp,
)
from tolk.ir.function import Signature
from tolk.ir.syntax import named_children, text
from tolk.ir.types import BOOL, FLOAT, INT, INT64_MAX, INT64_MIN, STR, IRType, Kind, list_of

__all__ = ["ExprBuilder"]

_CMP = {op.value: op for op in CmpOpKind}
_BIN = {op.value: op for op in BinOpKind}


def _unsupported(what: str, node: tree_sitter.Node | None = None) -> UnsupportedProgram:
    return UnsupportedProgram(f"body:{what}", text(node)[:80] if node is not None else "")


def _is_int(t: IRType) -> bool:
    return t.kind in (Kind.INT, Kind.BOOL)


def _num(t: IRType) -> bool:
    return t.kind in (Kind.INT, Kind.BOOL, Kind.FLOAT)


def _length(e: Expr) -> Expr:
    return Call("len", (e,), INT)


class ExprBuilder:
    """Expression typing; the statement builder supplies `sig` and `type_of`."""

    sig: Signature

    def type_of(self, name: str) -> IRType | None:  # provided by the statement builder
        raise AssertionError("overridden")

    def promote(self, e: Expr, want: IRType | None, node: tree_sitter.Node) -> Expr:
        """An int (or bool) where a float is declared becomes float(e); other mismatches fail."""
        if want is None or e.type == want:
            return e
        if want == FLOAT and _is_int(e.type):
            return Call("float", (e,), FLOAT)
        raise _unsupported(f"type_mismatch:{e.type}->{want}", node)

    def name(self, node: tree_sitter.Node) -> Name:
        n = text(node)
        t = self.type_of(n)
        if t is None:
            if n == self.sig.name:
                raise _unsupported("recursion", node)
            raise _unsupported(f"unknown_name:{n}", node)
        return Name(n, t)

    def truthy(self, e: Expr, node: tree_sitter.Node) -> Expr:
        """Python truthiness made explicit."""
        match e.type.kind:
            case Kind.BOOL:
                return e
            case Kind.INT:
                return Compare(CmpOpKind.NE, e, Const(0, INT), BOOL)
            case Kind.FLOAT:
                return Compare(CmpOpKind.NE, e, Const(0.0, FLOAT), BOOL)
            case Kind.STR | Kind.LIST:
                return Compare(CmpOpKind.GT, _length(e), Const(0, INT), BOOL)
        raise _unsupported("truthiness", node)

    def cond(self, node: tree_sitter.Node) -> Expr:
        """An expression in a test position (if, while, ternary, and/or operands there)."""
        if node.type == "parenthesized_expression":
            return self.cond(named_children(node)[0])
        if node.type == "boolean_operator":
            op = text(node.child_by_field_name("operator"))
            parts = [self.cond(node.child_by_field_name("left")),
                     self.cond(node.child_by_field_name("right"))]
            flat: list[Expr] = []
            for p in parts:
                flat.extend(p.values if isinstance(p, BoolOp) and p.op == op else (p,))
            return BoolOp(op, tuple(flat), BOOL)
        if node.type == "not_operator":
            return UnaryOp("not", self.cond(node.child_by_field_name("argument")), BOOL)
        return self.truthy(self.expr(node), node)

    def expr(self, node: tree_sitter.Node, want: IRType | None = None) -> Expr:
        match node.type:
            case "integer":
                try:
                    v = int(text(node).replace("_", ""), 0)
                except ValueError as exc:
                    raise _unsupported("literal", node) from exc
                if not INT64_MIN <= v <= INT64_MAX:
                    raise _unsupported("int_literal_out_of_range", node)
                return Const(float(v), FLOAT) if want == FLOAT else Const(v, INT)
            case "float":
                if text(node).lower().endswith("j"):
                    raise _unsupported("complex", node)
                return Const(float(text(node).replace("_", "")), FLOAT)
            case "true" | "false":
                return Const(node.type == "true", BOOL)
            case "string" | "concatenated_string":
                return self.string(node)
            case "identifier":
                return self.name(node)
            case "parenthesized_expression":
                return self.expr(named_children(node)[0], want)
            case "unary_operator":
                return self.unary(node, want)
            case "not_operator" | "boolean_operator":
                e = self.cond(node)
                return e
            case "binary_operator":
                op = text(node.child_by_field_name("operator"))
                left = node.child_by_field_name("left")
                right = node.child_by_field_name("right")
                if op == "*" and (left.type == "list" or right.type == "list"):
                    lst, cnt = (left, right) if left.type == "list" else (right, left)
                    return self.repeat(lst, cnt, want, node)
                return self.binop(op, self.expr(left), self.expr(right), node)
            case "comparison_operator":
                return self.compare(node)
            case "conditional_expression":
                a, c, b = named_children(node)
                then, orelse = self.expr(a, want), self.expr(b, want)
                if then.type != orelse.type:
                    if _num(then.type) and _num(orelse.type) and FLOAT in (then.type, orelse.type):
                        then, orelse = self.promote(then, FLOAT, a), self.promote(orelse, FLOAT, b)
                    else:
                        raise _unsupported("ternary_types", node)
                return IfExp(self.cond(c), then, orelse, then.type)
            case "subscript":
                return self.subscript(node)
            case "call":
                return self.call(node)
            case "list":
                return self.list_expr(node, want)
            case "list_comprehension":
                return self.comprehension(node, want)
        raise _unsupported(f"expression:{node.type}", node)

    def string(self, node: tree_sitter.Node) -> Const:
        if any(c.type == "interpolation" for c in node.named_children) or node.type != "string":
            raise _unsupported("string_form", node)
        try:
            v = pyast.literal_eval(text(node))
        except (ValueError, SyntaxError) as exc:
            raise _unsupported("string_form", node) from exc
        if not isinstance(v, str) or not v.isascii() or "\n" in v:
            raise _unsupported("string_literal", node)
        return Const(v, STR)

    def unary(self, node: tree_sitter.Node, want: IRType | None) -> Expr:
        op = text(node.child_by_field_name("operator"))
        e = self.expr(node.child_by_field_name("argument"), want)
        if op not in "-+" or not _num(e.type):
            raise _unsupported(f"unary:{op}", node)
        t = INT if e.type == BOOL else e.type
        if op == "+":
            return e if e.type != BOOL else Call("int", (e,), INT)
        if isinstance(e, Const) and e.type != BOOL:
            return Const(-e.value, t)
        return UnaryOp("-", e, t)

    def binop(self, op: str, left: Expr, right: Expr, node: tree_sitter.Node) -> Expr:
        if op not in _BIN:
            raise _unsupported(f"operator:{op}", node)
        kind = _BIN[op]
        lt, rt = left.type, right.type
        if lt == STR and rt == STR and kind is BinOpKind.ADD:
            return BinOp(kind, left, right, STR)
        if not (_num(lt) and _num(rt)):
            raise _unsupported(f"operator:{lt}{op}{rt}", node)
        both_int = _is_int(lt) and _is_int(rt)
        if kind is BinOpKind.DIV:
            return BinOp(kind, left, right, FLOAT)
        if kind is BinOpKind.POW and both_int:
            if not (isinstance(right, Const) and right.type == INT and right.value >= 0):
                raise _unsupported("pow_nonliteral_exponent", node)
        return BinOp(kind, left, right, INT if both_int else FLOAT)

    def compare(self, node: tree_sitter.Node) -> Expr:
        kids = node.children
        operands = [self.expr(k) for k in kids if k.is_named]
        ops = [text(k) for k in kids if not k.is_named]
        parts: list[Expr] = []
        for op, a, b in zip(ops, operands, operands[1:]):
            if op not in _CMP:
                raise _unsupported(f"comparison:{op}", node)
            ok = (_num(a.type) and _num(b.type)) or (a.type == b.type == STR)
            if not ok:
                raise _unsupported(f"comparison:{a.type}{op}{b.type}", node)
            parts.append(Compare(_CMP[op], a, b, BOOL))
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts), BOOL)

    def index_expr(self, node: tree_sitter.Node, target: Expr) -> Expr:
        idx = self.expr(node)
        if idx.type != INT:
            raise _unsupported("index_type", node)
        if isinstance(idx, Const) and idx.value < 0:
            return BinOp(BinOpKind.SUB, _length(target), Const(-idx.value, INT), INT)
        return idx

    def subscript(self, node: tree_sitter.Node) -> Expr:
        target = self.expr(node.child_by_field_name("value"))
        subs = node.children_by_field_name("subscript")
        if target.type.kind not in (Kind.LIST, Kind.STR) or len(subs) != 1:
            raise _unsupported("subscript", node)
        sub = subs[0]
        if sub.type == "slice":
            return self.slice(node, target, sub)
        elem = target.type.elem if target.type.kind is Kind.LIST else STR
        return Index(target, self.index_expr(sub, target), elem)

    def slice(self, node: tree_sitter.Node, target: Expr, sub: tree_sitter.Node) -> Expr:
        parts: list[tree_sitter.Node | None] = [None, None]
        slot = 0
        for c in sub.children:
            if c.type == ":":
                slot += 1
                if slot > 1:
                    raise _unsupported("slice_step", node)
            elif c.is_named:
                parts[slot] = c
        lower = self.expr(parts[0]) if parts[0] is not None else Const(0, INT)
        upper = self.expr(parts[1]) if parts[1] is not None else _length(target)
        if lower.type != INT or upper.type != INT:
            raise _unsupported("slice_bounds", node)
        return Slice(target, lower, upper, target.type)

    def call(self, node: tree_sitter.Node) -> Expr:
        fn = node.child_by_field_name("function")
        argl = node.child_by_field_name("arguments")
        if fn.type == "attribute":
            raise _unsupported(f"method_call:{text(fn.child_by_field_name('attribute'))}", node)
        name = text(fn)
        if name == self.sig.name:
            raise _unsupported("recursion", node)
        if fn.type != "identifier" or name not in BUILTINS or self.type_of(name) is not None:
            raise _unsupported(f"unsupported_call:{name}", node)
        if argl is not None and argl.type == "generator_expression":
            raise _unsupported("generator_expression", node)
        raw = named_children(argl) if argl is not None else []
        if any(a.type in ("keyword_argument", "list_splat", "dictionary_splat") for a in raw):
            raise _unsupported(f"call_arguments:{name}", node)
        args = [self.expr(a) for a in raw]
        types = [a.type for a in args]
        if name == "len" and len(args) == 1 and types[0].kind in (Kind.LIST, Kind.STR):
            return Call(name, tuple(args), INT)
        if name == "abs" and len(args) == 1 and _num(types[0]):
            return Call(name, tuple(args), FLOAT if types[0] == FLOAT else INT)
        if name == "float" and len(args) == 1 and _num(types[0]):
            return args[0] if types[0] == FLOAT else Call(name, tuple(args), FLOAT)
        if name == "int" and len(args) == 1 and _num(types[0]):
            return args[0] if types[0] == INT else Call(name, tuple(args), INT)
        if name in ("min", "max", "sum") and len(args) == 1 and types[0].kind is Kind.LIST \
                and types[0].rank == 1 and _num(types[0].elem):
            return Call(name, tuple(args), FLOAT if types[0].elem == FLOAT else INT)
        if name in ("min", "max") and len(args) >= 2 and all(_num(t) for t in types):
            if len(set(types)) != 1 or BOOL in types:
                raise _unsupported(f"mixed_{name}", node)
            acc = args[0]
            for a in args[1:]:
                acc = Call(name, (acc, a), acc.type)
            return acc
        raise _unsupported(f"unsupported_call:{name}", node)

    def list_expr(self, node: tree_sitter.Node, want: IRType | None) -> Expr:
        kids = named_children(node)
        elem_want = want.elem if want is not None and want.kind is Kind.LIST else None
        elems = [self.expr(k, elem_want) for k in kids]
        if not elems:
            if want is None or want.kind is not Kind.LIST:
                raise _unsupported("untyped_empty_list", node)
            return ListLit((), want)
        t = elem_want or elems[0].type
        elems = [self.promote(e, t, k) for e, k in zip(elems, kids)]
        lt = list_of(t)
        if lt.rank > 2 or t.kind is Kind.TUPLE:
            raise _unsupported("list_shape", node)
        return ListLit(tuple(elems), lt)

    def repeat(self, lst: tree_sitter.Node, cnt: tree_sitter.Node, want: IRType | None,
               node: tree_sitter.Node) -> Expr:
        kids = named_children(lst)
        if len(kids) != 1:
            raise _unsupported("list_repeat_shape", node)
        elem_want = want.elem if want is not None and want.kind is Kind.LIST else None
        elem = self.expr(kids[0], elem_want)
        if elem.type.kind is Kind.LIST:
            raise _unsupported("list_repeat_of_lists", node)  # rows would alias in Python
        if elem_want is not None:
            elem = self.promote(elem, elem_want, kids[0])
        count = self.expr(cnt)
        if count.type != INT:
            raise _unsupported("list_repeat_count", node)
        return ListRepeat(elem, count, list_of(elem.type))

    def comprehension(self, node: tree_sitter.Node, want: IRType | None) -> Expr:
        """Only `[ELEM for _ in range(N)]` where ELEM ignores the loop variable."""
        kids = named_children(node)
        if len(kids) != 2 or kids[1].type != "for_in_clause":
            raise _unsupported("comprehension", node)
        body, clause = kids
        var, it = clause.child_by_field_name("left"), clause.child_by_field_name("right")
        if var is None or var.type != "identifier" or it is None or it.type != "call" \
                or text(it.child_by_field_name("function")) != "range":
            raise _unsupported("comprehension", node)
        rargs = named_children(it.child_by_field_name("arguments"))
        if len(rargs) != 1:
            raise _unsupported("comprehension", node)
        v = text(var)
        if any(text(n) == v for n in _identifiers(body)) or self.type_of(v) is not None:
            raise _unsupported("comprehension_uses_var", node)
        elem_want = want.elem if want is not None and want.kind is Kind.LIST else None
        elem = self.expr(body, elem_want)
        count = self.expr(rargs[0])
        if count.type != INT or (elem.type.kind is Kind.LIST and elem.type.rank > 1):
            raise _unsupported("comprehension", node)
        return ListRepeat(elem, count, list_of(elem.type))


def _identifiers(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    out, stack = [], [node]
    while stack:
        n = stack.pop()
        if n.type == "identifier":
            out.append(n)
        stack.extend(n.children)
    return out
