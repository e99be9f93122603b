"""Certified enclosures against 50-digit SymPy references.

* every scalar primitive of the table: its value and derivatives to the 3rd order (every
  partial of order <= 3 for two arguments) at random points of its test domain;
* random small expressions at random points: the 3rd derivative.

SymPy expressions are built from hod's graphs through the table (``to_sympy``), never from
text, and evaluated at the exact rational value of the float point.
"""

from __future__ import annotations

import fractions
import functools

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import hod
from hod.ball import certify
from hod.expr.graph import to_sympy, var
from hod.ops import TABLE

EXAMPLES = settings.default.max_examples
SCALAR = sorted(name for name, prim in TABLE.items() if prim.scalar)
UNARY = [name for name in SCALAR if TABLE[name].nargs == 1]
BINARY = [name for name in SCALAR if TABLE[name].nargs == 2]


def reference(expr, at):
    """``expr`` (SymPy) at the exact point ``at`` (symbol -> float), to 50 digits, exact."""
    # a float as a 1000-digit SymPy Float holds its exact binary value, and the arithmetic
    # done when it is substituted keeps 1000 digits (1 + 1e-290 stays above 1); maxn: the
    # bits evalf may use to see through cancellation (exp(x) - 1 at x = 1e-250)
    value = expr.xreplace({s: sympy.Float(v, 1000) for s, v in at.items()})
    value = sympy.N(value, 50, maxn=20000)
    return fractions.Fraction(str(value)) if value != 0 else fractions.Fraction(0)


def assert_encloses(enc, ref):
    """The ball contains the reference, up to the reference's own error: 50 digits, and the
    1000-digit arithmetic it comes from (where the truth is 0 SymPy returns ~1e-1000)."""
    slack = max(abs(ref) / 10 ** 45, fractions.Fraction(1, 10 ** 950))
    assert enc.lower - slack <= ref <= enc.upper + slack, (enc, float(ref))


@functools.cache
def derivative_graphs(name):
    """The SymPy derivatives of ``name`` applied to variables x (and y), orders <= 3."""
    prim = TABLE[name]
    names = ["x", "y"][:prim.nargs]
    node = prim(*[var(n) for n in names])
    expr = to_sympy(node)
    symbols = {s.name: s for s in expr.free_symbols}
    out = {}
    for i in range(4):
        for j in range(4 - i if prim.nargs == 2 else 1):
            d = expr
            if i:
                d = sympy.diff(d, symbols["x"], i)
            if j:
                d = sympy.diff(d, symbols["y"], j)
            out[(i, j)] = d
    return node, symbols, out


def in_domain(prim, k):
    lo, hi = prim.domain[k]
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_subnormal=False)


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_unary_primitive_derivatives_to_third_order_enclose_sympy(name, data):
    x0 = data.draw(in_domain(TABLE[name], 0), label="x")
    node, symbols, derivs = derivative_graphs(name)
    coefficients = certify(node, {"x": x0}, kind="taylor", wrt="x", order=3)
    for k in range(4):
        ref = reference(derivs[(k, 0)], {symbols["x"]: x0})
        assert_encloses(coefficients[k], ref / sympy.factorial(k))


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=max(2, EXAMPLES // 2))
@given(data=st.data())
def test_binary_primitive_partials_to_third_order_enclose_sympy(name, data):
    prim = TABLE[name]
    x0 = data.draw(in_domain(prim, 0), label="x")
    y0 = data.draw(in_domain(prim, 1), label="y")
    node, symbols, derivs = derivative_graphs(name)
    at = {symbols[n]: v for n, v in (("x", x0), ("y", y0)) if n in symbols}
    for (i, j), d in derivs.items():
        enc = certify(node, {"x": x0, "y": y0}, kind="diff", wrt={"x": i, "y": j})
        assert_encloses(enc, reference(d, at))


# --- random small expressions ---------------------------------------------------------------

# functions defined on the whole real line, so that every random expression is defined
TOTAL = ["sin", "cos", "exp", "atan", "sinh", "tanh", "sigmoid", "softplus", "asinh", "expm1"]
OPERATORS = ["add", "subtract", "multiply"]


@st.composite
def expressions(draw, depth=3):
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        if draw(st.booleans()):
            return var("x")
        return hod.expr.graph.const(draw(st.sampled_from([0.5, 2.0, -1.5, 3.0])))
    kind = draw(st.sampled_from(["unary", "binary", "quotient"]))
    if kind == "unary":
        return TABLE[draw(st.sampled_from(TOTAL))](draw(expressions(depth=depth - 1)))
    a = draw(expressions(depth=depth - 1))
    b = draw(expressions(depth=depth - 1))
    if kind == "quotient":  # a positive denominator
        return TABLE["divide"](a, TABLE["exp"](b))
    return TABLE[draw(st.sampled_from(OPERATORS))](a, b)


@settings(max_examples=3 * EXAMPLES)
@given(expr=expressions(), x0=st.floats(-2, 2, allow_subnormal=False))
def test_random_expressions_third_derivative_encloses_sympy(expr, x0):
    if "x" not in hod.expr.graph.variables(expr):
        expr = TABLE["add"](expr, var("x"))
    symbolic = to_sympy(expr)
    x = sympy.Symbol("x", real=True)  # SymPy may simplify x away (x - x): the derivative is 0
    # a derivative that is exactly 0 without being known exactly (d3/dx3 exp(sin x) at 0)
    # resolves only as "0 within atol"
    enc = certify(expr, {"x": x0}, kind="diff", wrt="x", order=3, atol=1e-60)
    assert_encloses(enc, reference(sympy.diff(symbolic, x, 3), {x: x0}))
    assert enc.resolved
