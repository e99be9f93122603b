"""Graphs as text in hod's language: what the parser reads back to the same graph."""

from __future__ import annotations

from ..text import fmt_number
from .walk import topological
from .syntax import ATOM_POWER, CONSTANTS, INFIX, UNARY_POWER


def to_text(root):
    """Text in hod's language that parses back to the same graph (fully explicit)."""
    text = {}
    prec = {}
    for node in topological([root]):
        op = node.op
        if op == "const":
            label = node.label
            t = label if label in CONSTANTS else _number_text(node.value, label)
            text[id(node)], prec[id(node)] = t, (ATOM_POWER if not t.startswith("-") else UNARY_POWER)
        elif op == "var":
            text[id(node)], prec[id(node)] = node.label, ATOM_POWER
        elif op in INFIX and len(node.args) == 2:
            sym, p = INFIX[op]
            a, b = node.args
            ta, tb = text[id(a)], text[id(b)]
            pa, pb = prec[id(a)], prec[id(b)]
            if op == "power":
                # right-associative; the base must bind tighter than ** (so -x is wrapped)
                if pa <= p:
                    ta = f"({ta})"
                if pb < UNARY_POWER:
                    tb = f"({tb})"
            else:
                if pa < p:
                    ta = f"({ta})"
                if pb <= p:
                    tb = f"({tb})"
            text[id(node)], prec[id(node)] = f"{ta} {sym} {tb}", p
        elif op == "negative":
            (a,) = node.args
            ta = text[id(a)]
            if prec[id(a)] < UNARY_POWER:
                ta = f"({ta})"
            # a sign before a sign needs no parentheses ("- -x"): deep nests of negations
            # must parse back within the parser's nesting limit
            sign = "- " if ta.startswith("-") else "-"
            text[id(node)], prec[id(node)] = f"{sign}{ta}", UNARY_POWER
        else:
            args = ", ".join(text[id(a)] for a in node.args)
            text[id(node)], prec[id(node)] = f"{op}({args})", ATOM_POWER
    return text[id(root)]


def _number_text(value, label):
    """A constant's source text when it has one, else the shortest text of its value."""
    if label is not None and label not in CONSTANTS:
        return label
    return fmt_number(value)


def operation_text(op, values):
    """Primitive ``op`` applied to the numbers ``values``, as text in hod's language that
    parses back to the same operation: ``1 / 0``, ``(-8) ** 0.5``, ``0 ** (-1)``,
    ``log(-1)``.  A negative number is parenthesised as a right operand, and as the base of
    a power (``-8 ** 0.5`` would be ``-(8 ** 0.5)``)."""
    texts = [fmt_number(v) for v in values]
    if op in INFIX and len(texts) == 2:
        sym, _ = INFIX[op]
        a, b = texts
        if op == "power" and a.startswith("-"):
            a = f"({a})"
        if b.startswith("-"):
            b = f"({b})"
        return f"{a} {sym} {b}"
    return f"{op}({', '.join(texts)})"
