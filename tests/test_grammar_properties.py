"""Random expressions from the grammar: the parser, the printer, the tape and SymPy agree.

Expressions are generated as trees, written out as text (minimal parentheses by Python's
rules, plus random redundant ones, random spacing, ``^`` or ``**``), and checked three ways:

* the parsed graph has the value of the tree computed directly (so precedence is right);
* printing and parsing again gives the same text and the same value (round trip);
* the tape's gradient agrees with SymPy's derivative of the same graph.

Arguments of functions with a restricted domain are mapped into it (``log(1 + square(u))``,
``asin(0.9*tanh(u))``); points where a value is not finite, very large, or at a kink are
skipped.
"""

from __future__ import annotations

import math

import numpy as np
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import hod
from hod import ops
from hod.expr import graph, printer
from hod.expr.parser import CONSTANTS, known_functions, parse
from hod.engine.tensor import as_value

VARS = ["x", "y", "z"]
NUMBERS = ["1", "2", "3", "7", "0.5", "2.5", "1e-1", ".25", "1.5E+0", "10."]
FUNCTIONS = ops.language_functions()

_BINARY = {"+": ops.add, "-": ops.subtract, "*": ops.multiply, "/": ops.divide,
           "**": ops.power}
_POWER = {"+": 10, "-": 10, "*": 20, "/": 20, "**": 40}
_UNARY = 30
_ATOM = 100


# --- trees ---------------------------------------------------------------------------------

def _square(a):
    return ("call", "square", (a,))


def _positive(a):
    return ("bin", "+", ("num", "1"), _square(a))


def _in_domain(name, args):
    """The call of ``name`` with arguments mapped into its domain."""
    a = args[0]
    if name in ("log", "sqrt"):
        args = (_positive(a),)
    elif name == "log1p":
        args = (_square(a),)
    elif name in ("asin", "acos", "atanh"):
        args = (("bin", "*", ("num", "0.9"), ("call", "tanh", (a,))),)
    elif name == "acosh":
        args = (("bin", "+", ("num", "1.5"), _square(a)),)
    elif name == "power":
        args = (_positive(a), args[1])
    return ("call", name, tuple(args[:FUNCTIONS[name][1]]))


leaves = st.one_of(
    st.sampled_from(VARS).map(lambda n: ("var", n)),
    st.sampled_from(NUMBERS).map(lambda t: ("num", t)),
    st.sampled_from(sorted(CONSTANTS)).map(lambda n: ("const", n)),
)


def _extend(sub):
    return st.one_of(
        st.tuples(st.sampled_from(["neg", "pos"]), sub),
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*", "/"]), sub, sub),
        st.builds(lambda a, k: ("bin", "**", a, ("num", k)), sub, st.sampled_from(["2", "3"])),
        st.builds(lambda a, b: ("bin", "**", _positive(a), b), sub, sub),
        st.builds(_in_domain, st.sampled_from(known_functions()),
                  st.lists(sub, min_size=3, max_size=3)),
    )


trees = st.recursive(leaves, _extend, max_leaves=8)
points = st.fixed_dictionaries(
    {n: st.floats(min_value=-2.0, max_value=2.0, allow_nan=False) for n in VARS})


def write(tree, rnd):
    """Text for ``tree``: parentheses where Python's precedence needs them, and at random."""
    stack = [(tree, False)]
    out = []  # (text, binding power)
    while stack:
        node, built = stack.pop()
        kind = node[0]
        if not built and kind in ("neg", "pos", "bin", "call"):
            stack.append((node, True))
            children = node[1:2] if kind in ("neg", "pos") else (
                node[2:4] if kind == "bin" else node[2])
            stack.extend((c, False) for c in reversed(children))
            continue
        if kind in ("num", "var", "const"):
            out.append((node[1], _ATOM))
        elif kind in ("neg", "pos"):
            t, p = out.pop()
            t = _wrap(t, p < _UNARY, rnd)
            out.append((("-" if kind == "neg" else "+") + _space(rnd) + t, _UNARY))
        elif kind == "bin":
            (tb, pb), (ta, pa) = out.pop(), out.pop()
            op = node[1]
            p = _POWER[op]
            if op == "**":
                ta, tb = _wrap(ta, pa <= p, rnd), _wrap(tb, pb < _UNARY, rnd)
                op = rnd.choice(["**", "^"])
            else:
                ta, tb = _wrap(ta, pa < p, rnd), _wrap(tb, pb <= p, rnd)
            out.append((f"{ta}{_space(rnd)}{op}{_space(rnd)}{tb}", p))
        else:
            n = len(node[2])
            args = [out.pop()[0] for _ in range(n)][::-1]
            sep = "," + _space(rnd)
            out.append((f"{node[1]}({_space(rnd)}{sep.join(args)})", _ATOM))
    return out[0][0]


def _wrap(text, needed, rnd):
    return f"({text})" if needed or rnd.random() < 0.1 else text


def _space(rnd):
    return rnd.choice(["", "", " ", "  "])


def direct_value(tree, env):
    """The value of ``tree`` computed with hod's operations, without the parser."""
    stack, out = [(tree, False)], []
    while stack:
        node, built = stack.pop()
        kind = node[0]
        if not built and kind in ("neg", "pos", "bin", "call"):
            stack.append((node, True))
            children = node[1:2] if kind in ("neg", "pos") else (
                node[2:4] if kind == "bin" else node[2])
            stack.extend((c, False) for c in reversed(children))
        elif kind == "num":
            out.append(float(node[1]))
        elif kind == "const":
            out.append(CONSTANTS[node[1]].value)
        elif kind == "var":
            out.append(env[node[1]])
        elif kind == "neg":
            out.append(ops.negative(out.pop()))
        elif kind == "pos":
            pass
        elif kind == "bin":
            b, a = out.pop(), out.pop()
            out.append(_BINARY[node[1]](a, b))
        else:
            n = len(node[2])
            args = [out.pop() for _ in range(n)][::-1]
            out.append(FUNCTIONS[node[1]][0](*args))
    return float(as_value(out[0]))


def _same(a, b):
    return a == b or (math.isnan(a) and math.isnan(b))


def evaluate(g, env):
    return float(as_value(graph.evaluate(g, env)))


# --- properties ----------------------------------------------------------------------------

@settings(max_examples=10 * settings.default.max_examples)
@given(trees, points, st.randoms(use_true_random=False))
def test_parsed_text_has_the_trees_value_and_round_trips(tree, point, rnd):
    text = write(tree, rnd)
    with np.errstate(all="ignore"):
        g = parse(text)
        expected = direct_value(tree, point)
        assert _same(evaluate(g, point), expected), text
        printed = printer.to_text(g)
        again = parse(printed)
        assert printer.to_text(again) == printed
        assert _same(evaluate(again, point), expected), printed


def _kinks(node, value, args):
    prim = node.prim
    if prim.kink is not None and bool(np.any(prim.kink(*args))):
        raise _AtKink


class _AtKink(Exception):
    pass


@settings(max_examples=3 * settings.default.max_examples)
@given(trees, points, st.randoms(use_true_random=False))
def test_tape_gradient_agrees_with_sympy(tree, point, rnd):
    g = parse(write(tree, rnd))
    names = graph.variables(g)
    xs = {n: hod.Variable(point[n]) for n in names}
    with np.errstate(all="ignore"):
        try:
            with hod.GradientTape() as tape:
                for v in xs.values():
                    tape.watch(v)  # the graph may be a bare variable, read by no operation
                out = graph.evaluate(g, xs, on_node=_kinks)
        except _AtKink:
            assume(False)
        grads = tape.gradient(out, [xs[n] for n in names]) if names else []
    value = float(as_value(out))
    grads = [0.0 if d is None else float(d.numpy()) for d in grads]
    assume(all(math.isfinite(v) and abs(v) < 1e6 for v in [value] + grads))

    symbols = {n: sympy.Symbol(n, real=True) for n in VARS}
    expr = graph.to_sympy(g, symbols)
    subs = {symbols[n]: sympy.Float(v, 30) for n, v in point.items()}
    scale = 1.0 + max(abs(v) for v in [value] + grads)

    def at_point(e):
        return complex(sympy.N(e.subs(subs), 30))

    ref = at_point(expr)
    assert abs(ref.imag) <= 1e-12 * scale
    assert abs(value - ref.real) <= 1e-9 * abs(ref.real) + 1e-12 * scale
    for n, d in zip(names, grads):
        ref = at_point(sympy.diff(expr, symbols[n]))
        assert abs(ref.imag) <= 1e-12 * scale
        assert abs(d - ref.real) <= 1e-7 * abs(ref.real) + 1e-9 * scale, (n, d, ref)
