"""Mixed partials from one multivariate Taylor series (hod.taylor_mode_multivariate), specified.

* Exact where the arithmetic is: polynomials with small integer coefficients at integer
  points give exact integers, and the cross partial of a separable function is exactly 0.
* Accurate: mixed partials in 2 to 4 variables of total order up to 20 agree with 50-digit
  references (SymPy's exact derivative, evaluated to 50 digits) to a relative error of 1e-12
  for well-conditioned functions.
* The same as the interpolation of univariate directions (hod.derivative_tensor) and as
  nested tapes at low order, for random expressions (hypothesis); kinks are reported alike.
* hod.partial chooses: the jet when its cost is at most MAX_COST, the interpolation
  otherwise (many variables, high orders) and where jets do not apply (a tie of maximum).
* Deterministic: no BLAS (whose kernels depend on the CPU) in the jet arithmetic.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import hod
from hod import taylor_mode
from hod.expr import graph, printer
from hod.taylor_mode import multivariate as mv
from hod.errors import HodWarning
from hod.expr.parser import parse


x, y, z, w = sympy.symbols("x y z w")


# ------------------------------------------------------------------------------------------
# helpers


def _derivative(expr, symbols, orders):
    """SymPy's exact derivative (one call, last variable first: much faster than nesting)."""
    spec = [(s, k) for s, k in reversed(list(zip(symbols, orders))) if k]
    return sympy.diff(expr, *spec) if spec else expr


def reference(expr, symbols, point, orders):
    """The exact derivative of a SymPy expression at the (binary, exactly converted) point,
    evaluated to 50 digits."""
    d = _derivative(expr, symbols, orders)
    at = {s: sympy.Rational(float(p)) for s, p in zip(symbols, point)}
    return float(sympy.N(d.subs(at), 50))


def exact_reference(expr, symbols, point, orders):
    d = _derivative(expr, symbols, orders)
    v = d.subs({s: sympy.Integer(p) for s, p in zip(symbols, point)})
    assert v.is_Integer
    return int(v)


def assert_relative(got, want, rtol=1e-12, what=""):
    """|got - want| <= rtol |want|; a true zero must come out exactly zero."""
    got = float(got)
    if want == 0.0:
        assert got == 0.0, f"{what}: {got!r} should be exactly 0"
    else:
        err = abs(got - want) / abs(want)
        assert err <= rtol, f"{what}: {got!r} vs {want!r}, relative error {err:.2e}"


def partial_of(f, orders, point):
    """hod.partial of a Python function, as a float."""
    return float(hod.partial(f, orders)(*point).numpy())


# ------------------------------------------------------------------------------------------
# exactness


def test_cubic_times_square_gives_exactly_six_from_a_graph_and_from_a_function():
    g = parse("x**3*y**2")
    assert float(hod.partial(g, {"x": 1, "y": 2})({"x": 1.0, "y": 3.0}).numpy()) == 6.0
    assert partial_of(lambda a, b: a ** 3 * b ** 2, (1, 2), (1.0, 3.0)) == 6.0


def test_a_partial_beyond_the_degree_of_a_monomial_is_exactly_zero():
    assert partial_of(lambda a, b: a ** 10 * b ** 10, (11, 1), (1.0, 3.0)) == 0.0
    g = parse("x**10*y**10")
    assert float(hod.partial(g, {"x": 11, "y": 1})({"x": 1.0, "y": 3.0}).numpy()) == 0.0


def test_the_top_partial_of_a_monomial_is_exactly_the_product_of_factorials():
    want = float(math.factorial(10) * math.factorial(10))
    assert partial_of(lambda a, b: a ** 10 * b ** 10, (10, 10), (1.0, 3.0)) == want
    assert partial_of(lambda a, b: a ** 10 * b ** 10, (10, 10), (0.0, 0.0)) == want


@pytest.mark.parametrize("f, orders", [
    (lambda a, b: hod.sin(a) + hod.cos(b), (1, 1)),
    (lambda a, b: hod.sin(a) + hod.cos(b), (7, 5)),
    (lambda a, b: hod.exp(a) + b ** 3, (2, 1)),
    (lambda a, b: hod.exp(a) + b ** 3, (10, 10)),
    (lambda a, b: hod.log(1.0 + a) * 1.0 + hod.tanh(b), (3, 4)),
    (lambda a, b, c: hod.exp(a) * hod.sin(b) + hod.sqrt(1.0 + c), (2, 2, 3)),
])
def test_cross_partial_of_separable_function_is_exactly_zero(f, orders):
    point = (0.3, 0.7, 0.2)[:len(orders)]
    assert partial_of(f, orders, point) == 0.0


def test_cross_partial_of_separable_graph_is_exactly_zero():
    g = parse("sin(x) + cos(y)")
    assert float(hod.partial(g, {"x": 3, "y": 2})({"x": 0.3, "y": 0.7}).numpy()) == 0.0


POLYNOMIALS = [
    # (coefficient, exponents of x, y, z) of small integer polynomials
    [(3, (4, 2, 0)), (-2, (1, 3, 0)), (5, (0, 1, 0)), (-7, (0, 0, 0))],
    [(1, (2, 2, 2)), (-4, (3, 0, 1)), (2, (0, 5, 0)), (1, (1, 1, 1))],
    [(2, (6, 3, 1)), (-3, (2, 4, 3)), (1, (5, 0, 0))],
]


@pytest.mark.parametrize("terms", POLYNOMIALS)
@pytest.mark.parametrize("point", [(2, -3, 1), (-1, 2, 3), (0, 1, -2)])
@pytest.mark.parametrize("orders", [(1, 1, 0), (2, 1, 1), (1, 2, 1), (3, 2, 1), (4, 2, 0),
                                    (2, 3, 2), (6, 3, 1), (7, 1, 1)])
def test_integer_polynomials_at_integer_points_give_exact_integers(terms, point, orders):
    expr = sum(c * x ** i * y ** j * z ** k for c, (i, j, k) in terms)

    def f(a, b, c):
        total = 0.0
        for coef, (i, j, k) in terms:
            total = total + coef * a ** i * b ** j * c ** k
        return total

    want = exact_reference(expr, (x, y, z), point, orders)
    got = partial_of(f, orders, tuple(float(p) for p in point))
    assert got == float(want)
    text = " + ".join(f"({c})*x**{i}*y**{j}*z**{k}" for c, (i, j, k) in terms)
    g = parse(text)
    pt = dict(zip("xyz", (float(p) for p in point)))
    got_graph = float(hod.partial(g, dict(zip("xyz", orders)))(pt).numpy())
    assert got_graph == float(want)


# ------------------------------------------------------------------------------------------
# accuracy against 50-digit references

ACCURACY = [
    # (hod function, sympy expression, symbols, point, orders)
    (lambda a, b: hod.exp(a * b), sympy.exp(x * y), (x, y), (0.5, 0.5),
     [(10, 10), (14, 6), (1, 19), (3, 2)]),
    (lambda a, b, c: hod.sin(a * b + c), sympy.sin(x * y + z), (x, y, z), (0.5, 0.75, 0.25),
     [(4, 4, 4), (7, 7, 6), (1, 2, 3)]),
    (lambda a, b: 1.0 / (1.0 + a ** 2 + b ** 2), 1 / (1 + x ** 2 + y ** 2), (x, y),
     (0.5, 0.25), [(10, 10), (5, 5), (3, 17)]),
    (lambda a, b: hod.log(2.0 + a * b), sympy.log(2 + x * y), (x, y), (0.5, 0.75),
     [(10, 10), (6, 4)]),
    (lambda a, b: hod.atan(a * b), sympy.atan(x * y), (x, y), (0.5, 0.75),
     [(10, 10), (6, 4)]),
    (lambda a, b: hod.sqrt(1.0 + a + b ** 2), sympy.sqrt(1 + x + y ** 2), (x, y), (0.5, 0.75),
     [(10, 10), (6, 4)]),
    (lambda a, b, c, d: a * hod.exp(b) * hod.cos(c) * d, x * sympy.exp(y) * sympy.cos(z) * w,
     (x, y, z, w), (0.5, 0.75, 0.25, 1.5), [(5, 5, 5, 5), (1, 9, 9, 1), (1, 7, 7, 1)]),
    (lambda a, b, c, d: hod.exp(a * b) * hod.cos(c * d),
     sympy.exp(x * y) * sympy.cos(z * w), (x, y, z, w), (0.5, 0.75, 0.25, 1.5),
     [(5, 5, 5, 5), (2, 3, 4, 1)]),
    (lambda a, b: hod.atan2(b, a), sympy.atan2(y, x), (x, y), (1.5, 0.75),
     [(4, 4), (10, 10), (6, 6)]),
    (lambda a, b: hod.tanh(a * b), sympy.tanh(x * y), (x, y), (0.5, 0.75), [(10, 10), (6, 4)]),
    (lambda a, b: hod.sigmoid(a + b ** 2), 1 / (1 + sympy.exp(-(x + y ** 2))), (x, y),
     (0.5, 0.75), [(10, 10), (6, 4)]),
    (lambda a, b: a ** b, x ** y, (x, y), (1.5, 0.75), [(5, 5), (10, 10)]),
    (lambda a, b: hod.exp(a) / (2.0 + hod.sin(b)), sympy.exp(x) / (2 + sympy.sin(y)), (x, y),
     (0.5, 0.75), [(8, 8), (10, 10)]),
]


@pytest.mark.parametrize(
    "f, expr, symbols, point, orders",
    [(f, e, s, p, o) for f, e, s, p, os in ACCURACY for o in os],
    ids=[f"{e}-{o}" for f, e, s, p, os in ACCURACY for o in os])
def test_mixed_partials_agree_with_50_digit_references(f, expr, symbols, point, orders):
    want = reference(expr, symbols, point, orders)
    assert_relative(partial_of(f, orders, point), want, what=f"{expr} {orders}")


def test_mixed_partials_of_a_parsed_graph_agree_with_50_digit_references():
    g = parse("exp(x*y) + atan2(y, x)")
    want = reference(sympy.exp(x * y) + sympy.atan2(y, x), (x, y), (0.5, 0.5), (12, 8))
    got = float(hod.partial(g, {"x": 12, "y": 8})({"x": 0.5, "y": 0.5}).numpy())
    assert_relative(got, want)


def test_many_points_at_once_give_each_point_its_own_partial():
    xs = np.array([0.25, 0.5, 1.0])
    ys = np.array([0.5, -0.75, 0.25])
    got = hod.partial(lambda a, b: hod.sin(a * b) * hod.exp(b), (3, 4))(xs, ys).numpy()
    for k in range(3):
        want = reference(sympy.sin(x * y) * sympy.exp(y), (x, y), (xs[k], ys[k]), (3, 4))
        assert_relative(got[k], want)


# ------------------------------------------------------------------------------------------
# agreement with the interpolation and with nested tapes (random expressions)

NAMES = ("x", "y", "z")


def _expressions(nvars):
    leaves = st.one_of(st.sampled_from([graph.var(n) for n in NAMES[:nvars]]),
                       st.sampled_from([0.5, 1.5, 2.0]).map(graph.const))

    def extend(children):
        unary = st.tuples(st.sampled_from([hod.sin, hod.cos, hod.tanh, hod.atan,
                                           lambda e: hod.exp(hod.sin(e)),
                                           lambda e: hod.log(2.0 + hod.sin(e)),
                                           lambda e: hod.sqrt(1.5 + hod.cos(e))]),
                          children).map(lambda t: t[0](t[1]))
        binary = st.tuples(st.sampled_from([lambda a, b: a + b, lambda a, b: a - b,
                                            lambda a, b: a * b,
                                            lambda a, b: a / (2.0 + b * b),
                                            lambda a, b: hod.atan2(a, 1.5 + b * b)]),
                           children, children).map(lambda t: t[0](t[1], t[2]))
        return st.one_of(unary, binary)

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def _cases(draw):
    nvars = draw(st.integers(2, 3))
    expr = draw(_expressions(nvars))
    point = draw(st.lists(st.floats(-1.0, 1.0).map(lambda v: round(v, 3)),
                          min_size=nvars, max_size=nvars))
    orders = draw(st.lists(st.integers(0, 2), min_size=nvars, max_size=nvars).filter(
        lambda o: sum(1 for k in o if k) >= 2 and sum(o) <= 4))
    return expr, NAMES[:nvars], point, tuple(orders)


@given(_cases())
def test_jet_agrees_with_interpolation_and_nested_tapes(case):
    expr, names, point, orders = case
    pt = dict(zip(names, point))
    jet, _ = mv.mixed_partial(expr, pt, list(names), list(orders))
    jet = float(jet)
    order = sum(orders)
    # the interpolation of univariate directions: every partial of this order at once
    tensors = hod.derivative_tensor(expr, pt, order)
    index = tuple(k for k, a in enumerate(orders) for _ in range(a))
    interp = float(tensors[order].numpy()[index])

    def f(*xs):
        return graph.evaluate(expr, dict(zip(names, xs)), "tensor")

    seq = [k for k, a in enumerate(orders) for _ in range(a)]
    nested = float(np.asarray(hod.nested_partial(f, seq)(*point).numpy()))
    # tolerance relative to the size of the partials of this order at this point
    scale = max(float(np.max(np.abs(tensors[order].numpy()))), abs(nested), 1.0)
    assert abs(jet - interp) <= 1e-9 * scale, (printer.to_text(expr), orders, jet, interp)
    assert abs(jet - nested) <= 1e-9 * scale, (printer.to_text(expr), orders, jet, nested)
    assert float(hod.partial(expr, dict(zip(names, orders)))(pt).numpy()) == jet


# ------------------------------------------------------------------------------------------
# kinks and the choice of method


def test_a_kink_is_reported_as_by_the_interpolation():
    g = parse("abs(x)*y")
    point = {"x": 0.0, "y": 2.0}
    value, kinks = taylor_mode.graph_partial(g, point, {"x": 1, "y": 1})
    tensors, interp_kinks = taylor_mode.graph_derivative_tensor(g, point, 2)
    assert kinks == interp_kinks == [("abs", "abs'(0) = 0")]
    assert float(value) == float(tensors[2][0, 1])
    with pytest.warns(HodWarning, match="abs is not differentiable"):
        hod.partial(lambda a, b: hod.abs(a) * b, (1, 1))(0.0, 2.0)


def test_a_tie_of_maximum_uses_the_interpolation_and_reports_the_kink():
    g = parse("maximum(x, y) * x * y")
    point = {"x": 1.0, "y": 1.0}
    value, kinks = taylor_mode.graph_partial(g, point, {"x": 1, "y": 1})
    tensors, interp_kinks = taylor_mode.graph_derivative_tensor(g, point, 2)
    assert kinks == interp_kinks == [("maximum", "at a tie the derivative goes to the first "
                                                 "argument")]
    np.testing.assert_allclose(float(value), float(tensors[2][0, 1]), rtol=1e-12)


def test_away_from_a_tie_maximum_takes_the_larger_piece():
    f = lambda a, b: hod.maximum(a * b, hod.sin(b)) * a  # noqa: E731
    want = reference(x ** 2 * y, (x, y), (1.5, 0.5), (2, 1))
    assert_relative(partial_of(f, (2, 1), (1.5, 0.5)), want)
    want = reference(sympy.sin(y) * x, (x, y), (0.25, 1.0), (1, 3))
    assert_relative(partial_of(f, (1, 3), (0.25, 1.0)), want)


def test_cost_grows_with_the_orders_and_the_jet_covers_total_order_20_in_4_variables():
    assert mv.cost((10, 10)) == 20 * 66 * 66
    assert mv.cost((3, 0, 2)) == mv.cost((3, 2))
    for orders in [(10, 10), (1, 19), (7, 7, 6), (5, 5, 5, 5), (2, 6, 6, 6)]:
        assert mv.cost(orders) <= mv.MAX_COST, orders
    assert mv.cost((10, 10, 10)) > mv.MAX_COST


def test_high_cost_partials_fall_back_to_the_interpolation_and_stay_right():
    # (10, 10, 10) costs more than MAX_COST: the interpolation of directions (less accurate
    # at this order, hence the tolerance)
    assert mv.cost((10, 10, 10)) > mv.MAX_COST
    want = reference(sympy.exp(x + y * z), (x, y, z), (0.25, 0.5, 0.5), (10, 10, 10))
    got = partial_of(lambda a, b, c: hod.exp(a + b * c), (10, 10, 10), (0.25, 0.5, 0.5))
    # the jet itself stays accurate at this order
    jet, _ = mv.mixed_partial(lambda a, b, c: hod.exp(a + b * c), [0.25, 0.5, 0.5], None,
                              [10, 10, 10])
    assert_relative(jet, want)
    # the interpolation of 5151 directions keeps about 2 digits at total order 30
    assert_relative(got, want, rtol=1e-2)


def test_six_variables_give_the_right_mixed_partial():
    expr = sympy.exp(x * y) * sympy.sin(z + w) * sympy.Symbol("u") ** 3 / (
        1 + sympy.Symbol("v") ** 2)
    syms = (x, y, z, w, sympy.Symbol("u"), sympy.Symbol("v"))
    point = (0.5, 0.25, 0.75, 0.5, 1.5, 0.5)

    def f(a, b, c, d, e, g):
        return hod.exp(a * b) * hod.sin(c + d) * e ** 3 / (1.0 + g ** 2)

    for orders in [(1, 1, 1, 1, 1, 1), (2, 1, 2, 1, 2, 2), (2, 2, 2, 2, 2, 2)]:
        want = reference(expr, syms, point, orders)
        rtol = 1e-12 if mv.cost(orders) <= mv.MAX_COST else 1e-6
        assert_relative(partial_of(f, orders, point), want, rtol=rtol, what=str(orders))


def test_unsupported_primitives_fall_back_to_the_interpolation():
    @hod.custom_gradient
    def cube(t):
        return t * t * t, lambda g: g * 3.0 * t * t

    with pytest.raises(mv.Unsupported):
        mv.mixed_partial(lambda a, b: cube(a) * b, [1.0, 2.0], None, [1, 1])
    with pytest.raises(hod.HodError, match="custom_gradient"):
        hod.partial(lambda a, b: cube(a) * b, (1, 1))(1.0, 2.0)


# ------------------------------------------------------------------------------------------
# determinism


def test_the_jet_arithmetic_uses_no_blas():
    source = inspect.getsource(mv)
    code = "\n".join(line.split("#")[0] for line in source.splitlines())
    for name in ("np.dot", "convolve(", "einsum", "tensordot", "matmul(", " @ "):
        assert name not in code, name


def test_the_same_partial_twice_gives_the_same_bits():
    f = lambda a, b, c: hod.exp(hod.sin(a * b + c)) * c  # noqa: E731
    first = partial_of(f, (5, 5, 5), (0.5, 0.25, 0.75))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert partial_of(f, (5, 5, 5), (0.5, 0.25, 0.75)) == first
