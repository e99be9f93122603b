"""Graphs in mathematical notation: LaTeX, and readable text for a terminal (``|x|``, ``x^2``).

Both printers read the binding powers of :mod:`.syntax` (the parser's and the plain printer's
table), so a product of sums is parenthesised the same way everywhere.  Only hod graphs are
printed here; SymPy's forms go through SymPy's own ``latex()``.

``atoms`` maps ``id(node)`` to a text that stands for that node (the trace prints each
operation in earlier rows' names, ``v_{1} v_{2}``): the printers do not look below an atom.

>>> from hod.expr.parser import parse
>>> to_latex(parse("abs(x)/2 + sin(x)**2"))
'\\\\frac{\\\\left|x\\\\right|}{2} + \\\\sin^{2}\\\\left(x\\\\right)'
>>> to_math(parse("abs(x)/2 + sin(x)**2"))
'|x|/2 + sin(x)^2'
"""

from __future__ import annotations

from ..text import fmt_number
from .syntax import ATOM_POWER, CONSTANTS, INFIX, UNARY_POWER

_ADD, _MUL, _POW = INFIX["add"][1], INFIX["multiply"][1], INFIX["power"][1]

#: LaTeX names of functions (the rest print as \mathrm{name}: plain LaTeX, no amsmath).
LATEX_FUNCTIONS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "sinh": r"\sinh", "cosh": r"\cosh",
    "tanh": r"\tanh", "asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan",
    "log": r"\ln", "asinh": r"\mathrm{arsinh}", "acosh": r"\mathrm{arcosh}",
    "atanh": r"\mathrm{artanh}", "sign": r"\mathrm{sgn}", "maximum": r"\max",
    "minimum": r"\min", "sigmoid": r"\sigma",
}
#: Functions whose power is written on the name: sin^2(x).
_POWER_ON_NAME = {"sin", "cos", "tan", "sinh", "cosh", "tanh"}
#: Readable names in the terminal.
MATH_FUNCTIONS = {"maximum": "max", "minimum": "min", "log": "ln"}

_LATEX_CONSTANTS = {"pi": r"\pi", "e": r"e", "E": r"e"}


def to_latex(root, atoms=None):
    """``root`` as a LaTeX math fragment (no ``$``): ``\\frac{x}{2}``, ``\\sqrt{x}``,
    ``\\left|x\\right|``, ``e^{x}``."""
    return _print(root, atoms or {}, _latex_node)


def to_math(root, atoms=None):
    """``root`` as readable text: ``|x|``, ``x^2``, ``sqrt(x)``, ``ln(x)``, ``max(a, b)``."""
    return _print(root, atoms or {}, _math_node)


def formula(node, arg_texts, latex=False):
    """One operation with its arguments given as texts (each an atom): ``v1 * v2``."""
    return (_latex_node if latex else _math_node)(
        node, [(t, ATOM_POWER) for t in arg_texts])[0]


def _print(root, atoms, one):
    done = {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if key in done:
            continue
        if key in atoms:
            done[key] = (atoms[key], ATOM_POWER)
            continue
        if node.op in ("const", "var") or expanded:
            done[key] = one(node, [done[id(a)] for a in node.args])
            continue
        stack.append((node, True))
        for a in reversed(node.args):
            if id(a) not in done:
                stack.append((a, False))
    return done[id(root)][0]


def _const_text(node, latex):
    label = node.label
    if label in CONSTANTS:
        return _LATEX_CONSTANTS[label] if latex else label
    text = label if label is not None else fmt_number(node.value)
    if latex and ("e" in text or "E" in text) and not text.startswith("-"):
        mantissa, _, exponent = text.lower().partition("e")
        text = rf"{mantissa} \cdot 10^{{{int(exponent)}}}"
    return text


def _wrap(t, p, need, latex):
    if p < need:
        return rf"\left({t}\right)" if latex else f"({t})"
    return t


def _latex_node(node, args):
    op = node.op
    if op == "const":
        t = _const_text(node, True)
        return t, ATOM_POWER if not t.startswith("-") else UNARY_POWER
    if op == "var":
        name = node.label
        return (name if len(name) == 1 else _latex_name(name)), ATOM_POWER
    texts = [t for t, _ in args]
    if op in ("add", "subtract"):
        (a, pa), (b, pb) = args
        sign = "+" if op == "add" else "-"
        return f"{a} {sign} {_wrap(b, pb, _ADD + 1, True)}", _ADD
    if op == "multiply":
        (a, pa), (b, pb) = args
        a, b = _wrap(a, pa, _MUL, True), _wrap(b, pb, _MUL + 1, True)
        # 2 x, but 2 \cdot 3 and x \cdot y (names of several letters read as one symbol)
        sep = " " if node.args[0].op == "const" and node.args[1].op != "const" \
            and not b[:1].isdigit() and not b.startswith("-") else r" \cdot "
        return f"{a}{sep}{b}", _MUL
    if op == "divide":
        return rf"\frac{{{texts[0]}}}{{{texts[1]}}}", ATOM_POWER
    if op == "negative":
        (a, pa), = args
        return f"-{_wrap(a, pa, UNARY_POWER + 1, True)}", UNARY_POWER
    if op == "power":
        (a, pa), (b, _) = args
        base = node.args[0]
        if base.op in _POWER_ON_NAME and not base.args[0].op == "const" and pa == ATOM_POWER \
                and a.startswith(LATEX_FUNCTIONS[base.op]):
            name = LATEX_FUNCTIONS[base.op]
            return f"{name}^{{{b}}}{a[len(name):]}", ATOM_POWER
        if pa <= _POW or a.startswith(r"\frac") or "^" in a:
            a = rf"\left({a}\right)"
        return f"{a}^{{{b}}}", _POW
    if op == "exp":
        return f"e^{{{texts[0]}}}", _POW
    if op == "expm1":
        return f"e^{{{texts[0]}}} - 1", _ADD
    if op == "log1p":
        return rf"\ln\left(1 + {texts[0]}\right)", ATOM_POWER
    if op == "sqrt":
        return rf"\sqrt{{{texts[0]}}}", ATOM_POWER
    if op == "abs":
        return rf"\left|{texts[0]}\right|", ATOM_POWER
    escaped = op.replace("_", "\\_")
    name = LATEX_FUNCTIONS.get(op, rf"\mathrm{{{escaped}}}")
    return rf"{name}\left({', '.join(texts)}\right)", ATOM_POWER


def _latex_name(name):
    """A name of several letters as one upright symbol; ``x1`` as ``x_{1}``."""
    head = name.rstrip("0123456789")
    digits = name[len(head):]
    body = head.replace("_", r"\_")
    if len(head) > 1:
        body = rf"\mathrm{{{body}}}"
    return body + (f"_{{{digits}}}" if digits and head else digits)


def _math_node(node, args):
    op = node.op
    if op == "const":
        t = _const_text(node, False)
        return t, ATOM_POWER if not t.startswith("-") else UNARY_POWER
    if op == "var":
        return node.label, ATOM_POWER
    texts = [t for t, _ in args]
    if op in INFIX and len(args) == 2:
        sym, p = INFIX[op]
        (a, pa), (b, pb) = args
        if op == "power":
            a = _wrap(a, pa, p + 1, False)
            b = _wrap(b, pb, ATOM_POWER, False)
            return f"{a}^{b}", p
        a = _wrap(a, pa, p, False)
        b = _wrap(b, pb, p + 1, False)
        spaced = op in ("add", "subtract")
        return (f"{a} {sym} {b}" if spaced else f"{a}{sym}{b}"), p
    if op == "negative":
        (a, pa), = args
        return f"-{_wrap(a, pa, UNARY_POWER + 1, False)}", UNARY_POWER
    if op == "abs":
        return f"|{texts[0]}|", ATOM_POWER
    name = MATH_FUNCTIONS.get(op, op)
    return f"{name}({', '.join(texts)})", ATOM_POWER
