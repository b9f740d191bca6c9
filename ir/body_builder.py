"""Builds body IR from a tree-sitter function body, typing every expression.

Key contracts: `build_body` returns the statements, every local with its one type, and the
parameters the body mutates; or raises `UnsupportedProgram("body:<what>")` naming the
first construct outside the lowering subset. Python semantics are made explicit here so
emitters need not rediscover them: truthiness becomes comparisons, chained comparisons
become `and`, constant negative indices become `len(x) - k`, swaps become temporaries.
"""

from __future__ import annotations

from dataclasses import dataclass

import tree_sitter

from tolk.errors import UnsupportedProgram
from tolk.ir.body import (
    Append, Assign, Break, CmpOpKind, Const, Continue, Expr, ForEach, ForRange, If, Index, IndexAssign, Name, Return, Stmt, TupleLit, While,
)
from tolk.ir.body_exprs import ExprBuilder, _is_int, _unsupported
from tolk.ir.function import Param, Signature
from tolk.ir.syntax import named_children, text
from tolk.ir.types import BOOL, FLOAT, INT, STR, IRType, Kind, parse_type

__all__ = ["BuiltBody", "build_body"]

_AUG_OPS = {"+=": "+", "-=": "-", "*=": "*", "/=": "/", "//=": "//", "%=": "%", "**=": "**"}
_CMP_OPS = {op.value: op for op in CmpOpKind}


@dataclass(frozen=True, slots=True)
class BuiltBody:
    stmts: tuple[Stmt, ...]
    locals: tuple[Param, ...]
    mutated_params: frozenset[str]


def build_body(body: tree_sitter.Node, sig: Signature) -> BuiltBody:
    b = _Builder(sig)
    stmts = b.block(body)
    if b.aliased & b.mutated_lists:
        raise UnsupportedProgram("body:list_alias", ", ".join(sorted(b.aliased & b.mutated_lists)))
    return BuiltBody(stmts, tuple(Param(n, t) for n, t in b.locals.items()),
                     frozenset(b.mutated & set(b.params)))


class _Builder(ExprBuilder):
    """Per-function state while building: locals and what the body mutates."""

    def __init__(self, sig: Signature) -> None:
        self.sig = sig
        self.params = {p.name: p.type for p in sig.params}
        self.locals: dict[str, IRType] = {}
        self.mutated: set[str] = set()
        self.mutated_lists: set[str] = set()
        self.aliased: set[str] = set()
        self.iterating: list[str] = []

    # ---- names -----------------------------------------------------------------
    def type_of(self, name: str) -> IRType | None:
        return self.params.get(name) or self.locals.get(name)

    def bind(self, name: str, t: IRType, node: tree_sitter.Node) -> None:
        if name == self.sig.name:
            raise _unsupported("shadows_function_name", node)
        known = self.type_of(name)
        if known is None:
            self.locals[name] = t
        elif known != t:
            raise _unsupported(f"type_change:{name}", node)
        if name in self.params:
            self.mutated.add(name)

    def fresh(self, t: IRType, stem: str = "tmp") -> str:
        i = 1
        while f"{stem}{i}" in self.params or f"{stem}{i}" in self.locals or f"{stem}{i}" == self.sig.name:
            i += 1
        self.locals[f"{stem}{i}"] = t
        return f"{stem}{i}"

    def mutate_list(self, name: str, node: tree_sitter.Node) -> None:
        if name in self.iterating:
            raise _unsupported("mutates_iterable", node)
        self.mutated.add(name)
        self.mutated_lists.add(name)

    # ---- statements ------------------------------------------------------------
    def block(self, node: tree_sitter.Node) -> tuple[Stmt, ...]:
        out: list[Stmt] = []
        for st in named_children(node):
            out.extend(self.stmt(st))
        return tuple(out)

    def stmt(self, node: tree_sitter.Node) -> list[Stmt]:
        match node.type:
            case "expression_statement":
                return self.expression_statement(node)
            case "pass_statement":
                return []
            case "break_statement":
                return [Break()]
            case "continue_statement":
                return [Continue()]
            case "return_statement":
                return [self.return_stmt(node)]
            case "if_statement":
                return [self.if_stmt(node)]
            case "for_statement":
                return [self.for_stmt(node)]
            case "while_statement":
                if node.child_by_field_name("alternative") is not None:
                    raise _unsupported("while_else", node)
                return [While(self.cond(node.child_by_field_name("condition")),
                              self.block(node.child_by_field_name("body")))]
        raise _unsupported(f"statement:{node.type}", node)

    def expression_statement(self, node: tree_sitter.Node) -> list[Stmt]:
        kids = named_children(node)
        if len(kids) != 1:
            raise _unsupported("expression_statement", node)
        e = kids[0]
        if e.type == "string":
            return []  # docstring or string used as a comment
        if e.type == "assignment":
            return self.assignment(e)
        if e.type == "augmented_assignment":
            return [self.augmented(e)]
        if e.type == "call":
            fn = e.child_by_field_name("function")
            args = named_children(e.child_by_field_name("arguments"))
            if fn.type == "attribute" and text(fn.child_by_field_name("attribute")) == "append" \
                    and fn.child_by_field_name("object").type == "identifier" and len(args) == 1:
                name = text(fn.child_by_field_name("object"))
                t = self.type_of(name)
                if t is None or t.kind is not Kind.LIST:
                    raise _unsupported("append_to_non_list", e)
                self.mutate_list(name, e)
                return [Append(name, self.expr(args[0], t.elem))]
        raise _unsupported("expression_statement", node)

    def assignment(self, node: tree_sitter.Node) -> list[Stmt]:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        ann = node.child_by_field_name("type")
        if right is None:
            raise _unsupported("declaration_without_value", node)
        if right.type == "assignment":
            raise _unsupported("chained_assignment", node)
        if left.type in ("pattern_list", "tuple_pattern"):
            return self.parallel_assignment(left, right)
        if left.type == "identifier":
            name = text(left)
            want = parse_type(text(ann)) if ann is not None else self.type_of(name)
            value = self.expr(right, want)
            if want is not None and value.type != want:
                if ann is None and not (want == FLOAT and value.type in (INT, BOOL)):
                    raise _unsupported(f"type_change:{name}", node)
                value = self.promote(value, want, right)
            self.bind(name, value.type, node)
            if value.type.kind is Kind.LIST and isinstance(value, (Name, Index)):
                self.aliased.add(name)
                if isinstance(value, Name):
                    self.aliased.add(value.id)
                elif isinstance(value.target, Name):
                    self.aliased.add(value.target.id)
            return [Assign(name, value)]
        if left.type == "subscript":
            name, indices, elem_t = self.subscript_target(left)
            return [IndexAssign(name, indices, self.promote(self.expr(right, elem_t), elem_t, right))]
        raise _unsupported(f"assign_target:{left.type}", node)

    def parallel_assignment(self, left: tree_sitter.Node, right: tree_sitter.Node) -> list[Stmt]:
        targets, values = named_children(left), named_children(right)
        if right.type not in ("expression_list", "tuple") or len(targets) != len(values):
            raise _unsupported("tuple_unpacking", left.parent)
        temps: list[Stmt] = []
        finals: list[Stmt] = []
        for tgt, val in zip(targets, values):
            if tgt.type == "identifier":
                want = self.type_of(text(tgt))
                v = self.expr(val, want)
                v = self.promote(v, want, val) if want is not None else v
                tmp = self.fresh(v.type)
                temps.append(Assign(tmp, v))
                self.bind(text(tgt), v.type, tgt)
                finals.append(Assign(text(tgt), Name(tmp, v.type)))
            elif tgt.type == "subscript":
                name, idx, elem_t = self.subscript_target(tgt)
                v = self.promote(self.expr(val, elem_t), elem_t, val)
                tmp = self.fresh(v.type)
                temps.append(Assign(tmp, v))
                # Index expressions are evaluated after all right-hand sides, as in Python.
                finals.append(IndexAssign(name, idx, Name(tmp, v.type)))
            else:
                raise _unsupported(f"assign_target:{tgt.type}", tgt)
        return temps + finals

    def subscript_target(self, node: tree_sitter.Node) -> tuple[str, tuple[Expr, ...], IRType]:
        chain: list[tree_sitter.Node] = []
        cur = node
        while cur.type == "subscript":
            subs = cur.children_by_field_name("subscript")
            if len(subs) != 1 or subs[0].type == "slice":
                raise _unsupported("slice_assignment", node)
            chain.append(subs[0])
            cur = cur.child_by_field_name("value")
        if cur.type != "identifier":
            raise _unsupported("assign_target", node)
        name = text(cur)
        t = self.type_of(name)
        if t is None or t.kind is not Kind.LIST or len(chain) > t.rank:
            raise _unsupported("index_assign_non_list", node)
        self.mutate_list(name, node)
        indices: list[Expr] = []
        target: Expr = Name(name, t)
        for sub in reversed(chain):
            idx = self.index_expr(sub, target)
            indices.append(idx)
            target = Index(target, idx, target.type.elem)
        return name, tuple(indices), target.type

    def augmented(self, node: tree_sitter.Node) -> Stmt:
        op_text = text(node.child_by_field_name("operator"))
        if op_text not in _AUG_OPS:
            raise _unsupported(f"operator:{op_text}", node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left.type == "identifier":
            name = text(left)
            cur = self.name(left)
            value = self.binop(_AUG_OPS[op_text], cur, self.expr(right, cur.type), node)
            self.bind(name, value.type, node)
            return Assign(name, value)
        if left.type == "subscript":
            name, indices, elem_t = self.subscript_target(left)
            cur: Expr = Name(name, self.type_of(name))
            for i in indices:
                cur = Index(cur, i, cur.type.elem)
            value = self.binop(_AUG_OPS[op_text], cur, self.expr(right, elem_t), node)
            if value.type != elem_t:
                raise _unsupported("type_change:element", node)
            return IndexAssign(name, indices, value)
        raise _unsupported(f"assign_target:{left.type}", node)

    def return_stmt(self, node: tree_sitter.Node) -> Return:
        kids = named_children(node)
        ret = self.sig.returns
        if not kids:
            raise _unsupported("bare_return", node)
        val = kids[0]
        if ret.kind is Kind.TUPLE:
            parts = named_children(val) if val.type in ("expression_list", "tuple") else []
            if len(parts) != len(ret.args):
                raise _unsupported("return_shape", node)
            elems = tuple(self.promote(self.expr(p, t), t, p) for p, t in zip(parts, ret.args))
            return Return(TupleLit(elems, ret))
        return Return(self.promote(self.expr(val, ret), ret, val))

    def if_stmt(self, node: tree_sitter.Node) -> If:
        cond = self.cond(node.child_by_field_name("condition"))
        body = self.block(node.child_by_field_name("consequence"))
        orelse: tuple[Stmt, ...] = ()
        for alt in reversed(node.children_by_field_name("alternative")):
            if alt.type == "else_clause":
                orelse = self.block(alt.child_by_field_name("body"))
            else:  # elif_clause: nest, innermost last
                orelse = (If(self.cond(alt.child_by_field_name("condition")),
                             self.block(alt.child_by_field_name("consequence")), orelse),)
        return If(cond, body, orelse)

    def for_stmt(self, node: tree_sitter.Node) -> Stmt:
        if node.child_by_field_name("alternative") is not None:
            raise _unsupported("for_else", node)
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left.type != "identifier":
            raise _unsupported("for_target", node)
        var = text(left)
        if right.type == "call" and text(right.child_by_field_name("function")) == "range":
            args = named_children(right.child_by_field_name("arguments"))
            if not 1 <= len(args) <= 3:
                raise _unsupported("range_arity", right)
            bounds = [self.expr(a, INT) for a in args[:2]]
            if any(not _is_int(b.type) for b in bounds):
                raise _unsupported("range_non_int", right)
            start, stop = (Const(0, INT), bounds[0]) if len(args) == 1 else (bounds[0], bounds[1])
            step = 1
            if len(args) == 3:
                s = self.expr(args[2], INT)
                if not isinstance(s, Const) or s.type != INT or s.value == 0:
                    raise _unsupported("range_step_not_literal", right)
                step = int(s.value)
            self.bind(var, INT, left)
            return ForRange(var, start, stop, step, self.block(node.child_by_field_name("body")))
        iterable = self.expr(right)
        if not isinstance(iterable, Name) or iterable.type.kind not in (Kind.LIST, Kind.STR):
            raise _unsupported("for_each_iterable", right)
        self.bind(var, iterable.type.elem if iterable.type.kind is Kind.LIST else STR, left)
        self.iterating.append(iterable.id)
        try:
            body = self.block(node.child_by_field_name("body"))
        finally:
            self.iterating.pop()
        return ForEach(var, iterable, body)
