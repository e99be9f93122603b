"""Taylor mode (hod.taylor, hod.derivative, hod.partial, hod.derivative_tensor), specified.

* Every table entry has a Taylor rule, and for every scalar primitive Taylor mode agrees with
  nested tapes for all partial derivatives up to the third order, at random points of its
  domain (hypothesis), for scalars and for broadcast arrays.
* High orders: up to order 40 the normalised coefficients of exp(sin(x)), 1/(1+x**2),
  tanh(x), log(1+x), sqrt(1+x) and x**x agree with 50-digit mpmath references to a relative
  error of 1e-10; order 100 and 200 agree with hod's own high-precision numerical check.
* Mixed partials of 2- and 3-variable expressions, every multi-index up to total order 8,
  agree with SymPy's exact derivatives.
* The full derivative tensor up to order 4 agrees with gradients, Hessians and nested
  Jacobians; Taylor mode runs through structural operations and through reverse mode.
* Non-smooth primitives: the piece that holds at the point; at a kink hod's convention, and a
  warning.
"""

from __future__ import annotations

import itertools
import math
import sys
import warnings

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import hod
from hod import ops
from hod.check import numeric
from hod.expr import graph, parser, printer
from hod.errors import HodError, HodWarning, UsageError
from hod.ops import TABLE

from hod import taylor_mode

# ------------------------------------------------------------------------------------------
# helpers


def nested_partial(f, point, orders):
    """The mixed partial ``orders`` (one count per argument) of ``f`` by nested tapes."""
    seq = [i for i, k in enumerate(orders) for _ in range(k)]
    y = hod.nested_partial(f, seq)(*point)
    return np.asarray(y.numpy() if isinstance(y, hod.Tensor) else y, dtype=np.float64)


def multi_indices(nargs, max_total, min_total=1):
    """Every multi-index over ``nargs`` arguments with min_total <= total <= max_total."""
    return [j for j in itertools.product(range(max_total + 1), repeat=nargs)
            if min_total <= sum(j) <= max_total]


def assert_close(got, want, rtol=1e-9, atol=1e-9, what=""):
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=what)


SCALAR = sorted(n for n, p in TABLE.items() if p.scalar and p.differentiable)


def point_in_domain(name, data):
    return [data.draw(st.floats(lo, hi, allow_nan=False), label=f"arg{i}")
            for i, (lo, hi) in enumerate(TABLE[name].domain)]


# ------------------------------------------------------------------------------------------
# the table


def test_every_table_entry_has_a_taylor_rule():
    missing = [name for name, p in TABLE.items() if not callable(p.taylor)]
    assert not missing, f"primitives without a Taylor rule: {missing}"


def test_a_missing_taylor_rule_is_a_clear_error():
    bare = ops.Primitive("bare", np.sin, partials=(lambda x, ans: ops.cos(x),))
    s = taylor_mode.Series(np.array([0.5, 1.0, 0.0]))
    with pytest.raises(HodError, match="bare has no Taylor rule"):
        taylor_mode.apply_rule(bare, [s], {})


def test_the_generic_rule_derives_any_primitive_from_its_partials():
    # sin declared with only its first derivative: the generic rule gives every order.
    generic_sin = ops.Primitive("generic_sin", np.sin, partials=(lambda x, ans: ops.cos(x),),
                                taylor=taylor_mode.from_derivative)
    u = taylor_mode.Series(np.array([0.3, 1.0, 0.25, 0.0, 0.0, 0.0, 0.0]))
    got = taylor_mode.apply_rule(generic_sin, [u], {}).c
    want = taylor_mode.apply_rule(TABLE["sin"], [u], {}).c
    assert_close(got, want, rtol=1e-13, atol=1e-15)


# ------------------------------------------------------------------------------------------
# every scalar primitive agrees with nested tapes to third order


@pytest.mark.parametrize("name", SCALAR)
@given(data=st.data())
def test_every_scalar_primitive_agrees_with_nested_tapes_to_third_order(name, data):
    prim = TABLE[name]
    point = point_in_domain(name, data)

    def f(*args):
        return prim(*args)

    for orders in multi_indices(prim.nargs, 3, 0):
        got = hod.partial(f, orders)(*point).numpy()
        want = nested_partial(f, point, orders)
        assert_close(got, want, what=f"{name} {orders} at {point}")


@pytest.mark.parametrize("name", SCALAR)
def test_every_scalar_primitive_agrees_with_nested_tapes_on_non_affine_series(name):
    # Inputs x0 + t are affine in t, and several rules have a closed form for that case;
    # inner functions make every recurrence run in full.
    prim = TABLE[name]
    centres = [(lo + hi) / 2 for lo, hi in prim.domain]

    def f(x):
        inner = [hod.sin(x), hod.cos(x) * x, hod.exp(x) - 1]
        return prim(*[c + 0.2 * g for c, g in zip(centres, inner)])

    for n in range(6):
        assert_close(hod.derivative(f, n)(0.3).numpy(), hod.nested_derivative(f, n)(0.3).numpy(),
                     rtol=1e-10, atol=1e-10, what=f"{name} derivative {n}")


@pytest.mark.parametrize("p", [2.0, 3.0, -3.0, 2.5, -0.5])
def test_constant_powers_of_non_affine_series(p):
    def f(x):
        return (1.5 + 0.3 * hod.sin(x)) ** p

    for n in range(6):
        assert_close(hod.derivative(f, n)(0.3).numpy(), hod.nested_derivative(f, n)(0.3).numpy(),
                     rtol=1e-10, atol=1e-10, what=f"power {p} derivative {n}")


@pytest.mark.parametrize("name", [n for n in SCALAR if TABLE[n].kink is None])
def test_every_smooth_primitive_agrees_with_nested_tapes_on_broadcast_arrays(name):
    prim = TABLE[name]
    rng = np.random.default_rng(abs(hash(name)) % 2**32)
    shapes = [(4, 3), (3,)] if prim.nargs == 2 else [(4, 3)]
    point = [rng.uniform(lo, hi, size=s) for (lo, hi), s in zip(prim.domain, shapes)]
    for k in range(prim.nargs):
        for n in range(4):
            def g(x, k=k):
                args = list(point)
                args[k] = x
                return prim(*args)

            got = hod.derivative(g, n)(point[k]).numpy()
            want = nested_partial(lambda x: hod.sum(g(x)), [point[k]], (n,)) if n else \
                g(hod.constant(point[k])).numpy()
            # nested tapes sum the output over the broadcast axes of the other argument
            if n and got.shape != want.shape:
                got = got.sum(axis=0)
            assert_close(got, want, what=f"{name} derivative {n} in argument {k}")


# ------------------------------------------------------------------------------------------
# high orders against 50-digit references

HIGH_ORDER_CASES = {
    "exp(sin(x))": (lambda x: hod.exp(hod.sin(x)), lambda t: mpmath.exp(mpmath.sin(t)), "0.5"),
    "1/(1+x**2)": (lambda x: 1 / (1 + x ** 2), lambda t: 1 / (1 + t ** 2), "0.5"),
    "tanh(x)": (lambda x: hod.tanh(x), mpmath.tanh, "0.5"),
    "log(1+x)": (lambda x: hod.log(1 + x), lambda t: mpmath.log(1 + t), "0.5"),
    "sqrt(1+x)": (lambda x: hod.sqrt(1 + x), lambda t: mpmath.sqrt(1 + t), "0.5"),
    "x**x": (lambda x: x ** x, lambda t: t ** t, "1.25"),
}


@pytest.mark.parametrize("case", sorted(HIGH_ORDER_CASES))
def test_high_order_coefficients_match_50_digit_references(case):
    f, mpf_f, x0 = HIGH_ORDER_CASES[case]
    with mpmath.workdps(50):
        ref = mpmath.taylor(mpf_f, mpmath.mpf(x0), 40)
        ref = [float(r) for r in ref]
    got = hod.taylor(f, float(x0), 40)
    assert got.shape == (41,)
    for k in range(41):
        assert abs(got[k] - ref[k]) <= 1e-10 * abs(ref[k]), (case, k, got[k], ref[k])


@pytest.mark.parametrize("case", sorted(HIGH_ORDER_CASES))
def test_derivative_is_the_coefficient_times_the_factorial(case):
    f, mpf_f, x0 = HIGH_ORDER_CASES[case]
    with mpmath.workdps(50):
        ref = float(mpmath.diff(mpf_f, mpmath.mpf(x0), 25))
    got = float(hod.derivative(f, 25)(float(x0)))
    assert abs(got - ref) <= 1e-10 * abs(ref)


def test_order_100_and_200_agree_with_the_high_precision_numerical_check():
    x = graph.var("x")
    expr = ops.exp(ops.sin(x))
    for n in (100, 200):
        ref = numeric.derivative(expr, {"x": 0.5}, {"x": n}, dps=30)
        assert ref.relative_error() < 1e-20
        got = float(hod.derivative(lambda t: hod.exp(hod.sin(t)), n)(0.5))
        assert abs(got - float(ref.value)) <= 1e-10 * abs(float(ref.value))


def test_seed_examples_of_the_nth_derivative():
    assert float(hod.derivative(lambda x: x ** 3, 3)(3.0)) == 6.0
    assert float(hod.derivative(lambda x: x ** 2, 3)(3.0)) == 0.0
    assert float(hod.derivative(lambda x: x ** 3, 1)(3.0)) == 27.0
    assert float(hod.derivative(lambda x: x ** 3, 2)(3.0)) == 18.0


def test_derivative_is_elementwise_on_arrays():
    xs = np.linspace(-1.0, 2.0, 7)

    def f(x):
        return hod.sin(x) * hod.exp(-x ** 2) + x ** 3

    for n in range(5):
        assert_close(hod.derivative(f, n)(xs).numpy(),
                     hod.nested_derivative(f, n)(xs).numpy(), rtol=1e-12, atol=1e-12)


def test_taylor_coefficients_and_the_series_of_sympy():
    x = graph.var("x")
    expr = ops.atan(x) * ops.exp(x) / (2 + ops.cos(x))
    got = hod.taylor(expr, {"x": 0.0}, 8)
    X = sympy.Symbol("x", real=True)
    series = sympy.series(graph.to_sympy(expr, {"x": X}), X, 0, 9).removeO()
    want = [float(series.coeff(X, k)) for k in range(9)]
    assert_close(got, want, rtol=1e-12, atol=1e-15)


def test_taylor_along_a_direction_of_several_arguments():
    def f(x, y):
        return hod.exp(x) * hod.sin(y)

    c = hod.taylor(f, (0.3, 0.7), 3, (1.0, 2.0))
    want = [float(mpmath.taylor(lambda t: mpmath.exp(0.3 + t) * mpmath.sin(0.7 + 2 * t), 0, 3)[k])
            for k in range(4)]
    assert_close(c, want, rtol=1e-13)


# ------------------------------------------------------------------------------------------
# powers: exact where the base is 0, negative bases with integer exponents


def test_integer_powers_are_exact_at_zero_and_fine_for_negative_bases():
    assert float(hod.derivative(lambda x: x ** 3, 3)(0.0)) == 6.0
    assert float(hod.derivative(lambda x: x ** 3, 1)(0.0)) == 0.0
    assert float(hod.derivative(lambda x: x ** 5, 5)(0.0)) == 120.0
    assert float(hod.derivative(lambda x: x ** 4, 4)(-2.0)) == 24.0
    # d^2/dx^2 x**-2 = 6 x**-4
    assert_close(hod.derivative(lambda x: x ** -2, 2)(-1.5).numpy(), 6 / 1.5 ** 4)
    assert_close(hod.derivative(lambda x: x ** 3.0, 2)(-2.0).numpy(), -12.0)


def test_real_and_variable_exponents():
    assert_close(hod.derivative(lambda x: x ** 2.5, 3)(1.7).numpy(),
                 2.5 * 1.5 * 0.5 * 1.7 ** -0.5, rtol=1e-13)
    assert_close(hod.derivative(lambda x: 2.0 ** x, 3)(0.4).numpy(),
                 math.log(2) ** 3 * 2 ** 0.4, rtol=1e-13)


# ------------------------------------------------------------------------------------------
# mixed partials against SymPy

x_, y_, z_ = graph.var("x"), graph.var("y"), graph.var("z")
MIXED_CASES = {
    "exp(x*y) + sin(x)*y**2": (ops.exp(x_ * y_) + ops.sin(x_) * y_ ** 2,
                               {"x": "0.5", "y": "-0.75"}),
    "x*y/(1 + x**2 + y**2)": (x_ * y_ / (1 + x_ ** 2 + y_ ** 2), {"x": "0.5", "y": "-0.75"}),
    "exp(x + 2*y)*sin(z - x) + x**2*y**3*z": (
        ops.exp(x_ + 2 * y_) * ops.sin(z_ - x_) + x_ ** 2 * y_ ** 3 * z_,
        {"x": "0.5", "y": "0.25", "z": "-0.5"}),
}


def sympy_partials(expr, point, max_total):
    """SymPy's exact partial derivatives of every multi-index up to ``max_total``, each
    derived from one of order one lower, evaluated at 30 digits."""
    names = list(point)
    symbols = {n: sympy.Symbol(n, real=True) for n in names}
    cache = {(0,) * len(names): graph.to_sympy(expr, symbols)}
    subs = {symbols[n]: sympy.Rational(v) for n, v in point.items()}
    out = {}
    for total in range(1, max_total + 1):
        for j in multi_indices(len(names), total, total):
            k = next(i for i, a in enumerate(j) if a)
            parent = tuple(a - (i == k) for i, a in enumerate(j))
            cache[j] = sympy.diff(cache[parent], symbols[names[k]])
            out[j] = float(cache[j].evalf(30, subs=subs))
    return out


@pytest.mark.parametrize("case", sorted(MIXED_CASES))
def test_mixed_partials_up_to_total_order_8_agree_with_sympy(case):
    expr, point = MIXED_CASES[case]
    names = list(point)
    fpoint = {n: float(v) for n, v in point.items()}
    for j, want in sympy_partials(expr, point, 8).items():
        got = float(hod.partial(expr, dict(zip(names, j)))(fpoint))
        assert abs(got - want) <= 1e-9 * max(abs(want), 1.0), (case, j, got, want)


def test_partial_of_a_python_function_seed_signature():
    def f(x, y):
        return x ** 2 * y ** 3

    assert float(hod.partial(f, (1, 2))(1.0, 2.0)) == pytest.approx(24.0, rel=1e-14)
    assert float(hod.partial(f, (0, 0))(1.0, 2.0)) == 8.0
    assert float(hod.partial(f, (2, 3))(1.0, 2.0)) == pytest.approx(12.0, rel=1e-13)
    assert float(hod.partial(f, (3, 0))(1.0, 2.0)) == 0.0


def test_mixed_partials_of_a_polynomial_are_exact_to_rounding():
    # p = sum a_j x^j with integer coefficients: D^j p(0) = j! a_j for every j
    rng = np.random.default_rng(7)
    coeffs = {j: int(rng.integers(-5, 6)) for j in multi_indices(3, 6, 0)}

    def p(x, y, z):
        total = 0.0
        for (a, b, c), k in coeffs.items():
            total = total + k * x ** a * y ** b * z ** c
        return total

    for j in multi_indices(3, 6):
        got = float(hod.partial(p, j)(0.0, 0.0, 0.0))
        want = coeffs[j] * math.prod(math.factorial(a) for a in j)
        assert abs(got - want) <= 1e-10 * max(abs(want), 1.0), (j, got, want)


def test_partial_derivatives_elementwise_on_arrays():
    xs, ys = np.linspace(0.1, 1.0, 5), np.linspace(-1.0, 0.5, 5)

    def f(x, y):
        return hod.sin(x * y) + x ** 2 * hod.exp(y)

    got = hod.partial(f, (1, 2))(xs, ys).numpy()
    want = [nested_partial(f, [a, b], (1, 2)) for a, b in zip(xs, ys)]
    assert_close(got, want, rtol=1e-11, atol=1e-12)


# ------------------------------------------------------------------------------------------
# the full derivative tensor


def four_variable_function(v):
    return (hod.exp(v[0] * v[1]) * hod.sin(v[2]) + hod.log(1 + v[3] ** 2) * v[0]
            + hod.sum(v * v) ** 2 / 7 + v[1] / (2 + v[2]))


def test_full_derivative_tensor_up_to_order_4_matches_nested_tapes():
    x0 = np.array([0.3, -0.4, 0.8, 0.5])
    T = hod.derivative_tensor(four_variable_function, x0, 4)
    assert [t.shape for t in T] == [(), (4,), (4, 4), (4, 4, 4), (4, 4, 4, 4)]
    assert_close(T[0].numpy(), four_variable_function(hod.constant(x0)).numpy(), rtol=1e-14)
    assert_close(T[1].numpy(), hod.grad(four_variable_function)(x0).numpy(), rtol=1e-12)
    assert_close(T[2].numpy(), hod.hessian(four_variable_function)(x0).numpy(), rtol=1e-11)
    assert_close(T[3].numpy(), hod.jacobian(hod.hessian(four_variable_function))(x0).numpy(),
                 rtol=1e-10, atol=1e-10)
    T4 = hod.jacobian(hod.jacobian(hod.hessian(four_variable_function)))(x0).numpy()
    assert_close(T[4].numpy(), T4, rtol=1e-9, atol=1e-9)


def test_derivative_tensor_of_a_graph_follows_the_point_order():
    expr = ops.exp(x_ * y_) + ops.sin(x_) * y_ ** 2
    T = hod.derivative_tensor(expr, {"y": -0.75, "x": 0.5}, 2)
    names = ["y", "x"]
    for a, b in itertools.product(range(2), repeat=2):
        j = {names[a]: 0, names[b]: 0}
        j[names[a]] += 1
        j[names[b]] += 1
        want = float(hod.partial(expr, j)(x=0.5, y=-0.75))
        assert T[2].numpy()[a, b] == pytest.approx(want, rel=1e-12)


def test_derivative_tensor_of_a_vector_function():
    def f(v):
        return hod.stack([v[0] * v[1] ** 2, hod.sin(v[0])], axis=0)

    T = hod.derivative_tensor(f, [1.0, 2.0], 2)
    assert T[1].shape == (2, 2) and T[2].shape == (2, 2, 2)
    assert_close(T[1].numpy(), hod.jacobian(f)([1.0, 2.0]).numpy())
    assert_close(T[2].numpy(), [[[0, 4], [4, 2]], [[-math.sin(1.0), 0], [0, 0]]])


# ------------------------------------------------------------------------------------------
# structural operations and tensor code


def tensor_code(v):
    a = hod.reshape(v, (2, 3))
    c = hod.matmul(a, hod.transpose(a))                       # both factors are series
    d = hod.concat([v[:2], hod.sin(v[2:4]), hod.constant([1.5])], axis=0)
    e = hod.sum(hod.exp(d) * hod.broadcast_to(v[0], (5,)))
    g = hod.where(np.array([True, False]), c[0], c[1])
    w = hod.matmul(np.arange(6.0).reshape(3, 2), a)           # one constant factor
    return (hod.sum(c * c) / 10 + e + hod.sum(g ** 2) + hod.matmul(v, v) * hod.tanh(v[5])
            + hod.norm(v) + hod.logsumexp(v) + hod.mean(w ** 3) + hod.clip_by_value(v[1], 0, 1))


def test_structural_operations_match_nested_tapes():
    x0 = np.array([0.7, 0.4, 0.9, 0.25, 0.6, 0.35])
    T = hod.derivative_tensor(tensor_code, x0, 3)
    assert_close(T[0].numpy(), tensor_code(hod.constant(x0)).numpy(), rtol=1e-14)
    assert_close(T[1].numpy(), hod.grad(tensor_code)(x0).numpy(), rtol=1e-12, atol=1e-12)
    assert_close(T[2].numpy(), hod.hessian(tensor_code)(x0).numpy(), rtol=1e-11, atol=1e-11)
    assert_close(T[3].numpy(), hod.jacobian(hod.hessian(tensor_code))(x0).numpy(),
                 rtol=1e-10, atol=1e-10)


def test_taylor_mode_over_reverse_mode_uses_scatter_and_the_vjp_rules():
    # the gradient's computation (getitem's VJP is a scatter) is recorded and expanded
    x0 = np.array([0.7, 0.4, 0.9, 0.25, 0.6, 0.35])
    T = hod.derivative_tensor(hod.grad(tensor_code), x0, 2)
    assert_close(T[1].numpy(), hod.hessian(tensor_code)(x0).numpy(), rtol=1e-11, atol=1e-11)
    assert_close(T[2].numpy(), hod.jacobian(hod.hessian(tensor_code))(x0).numpy(),
                 rtol=1e-10, atol=1e-10)
    assert float(hod.derivative(hod.grad(lambda x: x ** 4), 2)(2.0)) == 48.0


def test_matmul_of_vectors_and_matrices_with_both_factors_series():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(3, 3))

    def f(v):
        m = hod.reshape(v[:9], (3, 3)) + M
        return hod.matmul(hod.matmul(v[9:], m), hod.matmul(m, v[9:])) + hod.sum(hod.matmul(m, m))

    x0 = rng.normal(size=12)
    T = hod.derivative_tensor(f, x0, 2)
    assert_close(T[1].numpy(), hod.grad(f)(x0).numpy(), rtol=1e-12, atol=1e-12)
    assert_close(T[2].numpy(), hod.hessian(f)(x0).numpy(), rtol=1e-11, atol=1e-11)


def test_variables_and_stop_gradient_are_constants():
    w = hod.Variable(3.0)
    assert float(hod.derivative(lambda x: w * x ** 2, 2)(1.0)) == 6.0
    assert float(hod.derivative(lambda x: hod.stop_gradient(x) * x, 1)(3.0)) == 3.0
    assert float(hod.derivative(lambda x: 5.0, 1)(3.0)) == 0.0


# ------------------------------------------------------------------------------------------
# non-smooth primitives


@pytest.mark.parametrize("x0, want", [(-1.5, [1.5, -1, 0, 0]), (2.0, [2.0, 1, 0, 0])])
def test_abs_is_the_piece_at_the_point(x0, want):
    got = [float(hod.derivative(hod.abs, n)(x0)) for n in range(4)]
    assert got == want


def test_piecewise_primitives_away_from_their_kinks():
    assert float(hod.derivative(lambda x: hod.relu(x ** 3), 3)(-1.0)) == 0.0
    assert float(hod.derivative(lambda x: hod.relu(x ** 3), 3)(1.0)) == 6.0
    assert float(hod.derivative(lambda x: hod.sign(x) * x ** 2, 2)(-2.0)) == -2.0
    assert float(hod.partial(lambda a, b: hod.maximum(a * b, b), (1, 1))(2.0, 3.0)) == 1.0
    assert float(hod.partial(lambda a, b: hod.minimum(a * b, b), (0, 2))(2.0, 3.0)) == 0.0
    assert float(hod.derivative(lambda x: hod.where(np.array(True), x ** 2, x), 2)(1.0)) == 2.0


@pytest.mark.parametrize("f, x0, n, want", [
    (hod.abs, 0.0, 1, 0.0),
    (hod.relu, 0.0, 1, 0.0),
    (lambda x: hod.maximum(x, 0.0), 0.0, 1, 1.0),   # at a tie: the first argument
    (lambda x: hod.minimum(x ** 2, 0.0), 0.0, 2, 2.0),
    (hod.sign, 0.0, 1, 0.0),
])
def test_kinks_use_hods_convention_and_warn(f, x0, n, want):
    with pytest.warns(HodWarning, match="not differentiable at the expansion point"):
        got = float(hod.derivative(f, n)(x0))
    assert got == want
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert got == float(hod.nested_derivative(f, n)(x0))


def test_graph_partial_reports_kinks_for_the_command_line():
    value, kinks = taylor_mode.graph_partial(ops.abs(x_) * y_, {"x": 0.0, "y": 2.0},
                                             {"x": 1, "y": 1})
    assert float(value) == 0.0
    assert kinks == [("abs", TABLE["abs"].convention)]
    value, kinks = taylor_mode.graph_partial(ops.abs(x_) * y_, {"x": -1.0, "y": 2.0},
                                             {"x": 1, "y": 1})
    assert float(value) == -1.0 and kinks == []


# ------------------------------------------------------------------------------------------
# the interface


def test_expand_gives_coefficients_derivatives_and_kinks():
    e = taylor_mode.expand(ops.exp(x_), {"x": 0.0}, 5)
    assert_close(e.coefficients, [1 / math.factorial(k) for k in range(6)], rtol=1e-15)
    assert_close(e.derivatives, np.ones(6), rtol=1e-15)
    assert e.kinks == []


def test_derivatives_beyond_170_do_not_overflow_the_factorial():
    got = float(hod.derivative(lambda x: hod.exp(2 * x), 180)(0.0) / 2.0 ** 180)
    assert got == pytest.approx(1.0, rel=1e-12)


def test_derivatives_whose_normalised_coefficient_underflows_are_rescued():
    # exp^(200)(x) / 200! is below the smallest float: hod.derivative rescales the direction
    got = hod.derivative(hod.exp, 200)(np.array([0.0, 1.0, -1.0])).numpy()
    assert_close(got, np.exp([0.0, 1.0, -1.0]), rtol=1e-12)
    assert float(hod.derivative(hod.sin, 201)(0.3)) == pytest.approx(math.cos(0.3), rel=1e-12)
    assert float(hod.derivative(lambda x: x ** 3, 200)(2.0)) == 0.0


def test_graph_derivative_tensor_for_the_command_line():
    tensors, kinks = taylor_mode.graph_derivative_tensor(x_ * y_ ** 2, {"x": 2.0, "y": 3.0}, 2)
    assert_close(tensors[1], [9.0, 12.0])
    assert_close(tensors[2], [[0.0, 6.0], [6.0, 4.0]])
    assert kinks == []


@pytest.mark.parametrize("call, message", [
    (lambda: hod.derivative(hod.sin, -1), "non-negative integer"),
    (lambda: hod.taylor(hod.sin, 0.0, 2.5), "non-negative integer"),
    (lambda: hod.taylor(lambda x, y: x * y, (1.0, 2.0), 2), "direction"),
    (lambda: hod.partial(lambda x, y: x * y, (1, 1))(1.0), "expects 2 arguments"),
    (lambda: hod.taylor(x_ * y_, {"x": 1.0, "y": 2.0}, 2), "direction"),
    (lambda: hod.partial(x_ * y_, (1, 1)), "dict"),
    (lambda: hod.partial(x_ * y_, {"x": 1})(x=1.0), "no value given for variable 'y'"),
    (lambda: hod.partial(x_ * y_, {"z": 1})(x=1.0, y=2.0), "'z': it has no value"),
    (lambda: taylor_mode.graph_derivative_tensor(x_, {"x": 1.0}, 2, ["x", "q"]), "'q'"),
])
def test_bad_requests_are_clear_errors(call, message):
    with pytest.raises(UsageError, match=message):
        call()


def test_custom_gradient_functions_are_refused_with_a_clear_error():
    @hod.custom_gradient
    def twice(x):
        return x * 2, lambda dy: dy * 2

    with pytest.raises(HodError, match="custom_gradient function twice"):
        hod.derivative(lambda x: twice(x), 2)(1.0)


# ------------------------------------------------------------------------------------------
# the high-precision numerical check


def test_numeric_derivative_matches_mpmath_and_estimates_its_error():
    expr = ops.exp(ops.sin(x_))
    for n in (0, 1, 5, 30):
        r = numeric.derivative(expr, {"x": "0.5"}, {"x": n}, dps=40)
        with mpmath.workdps(60):
            ref = mpmath.diff(lambda t: mpmath.exp(mpmath.sin(t)), mpmath.mpf("0.5"), n)
            assert abs(r.value - ref) <= max(r.error, mpmath.mpf(10) ** -45) * 10
            assert abs(r.value - ref) <= abs(ref) * mpmath.mpf(10) ** -35


def test_numeric_mixed_partial_and_taylor_coefficients():
    expr = x_ * ops.sin(x_ * y_)
    r = numeric.derivative(expr, {"x": 1.0, "y": 2.0}, {"x": 1, "y": 2})
    X, Y = sympy.symbols("x y")
    want = sympy.diff(X * sympy.sin(X * Y), X, Y, 2).subs({X: 1, Y: 2}).evalf(40)
    assert abs(float(r.value) - float(want)) < 1e-14 and r.error < 1e-30
    coeffs = numeric.taylor_coefficients(ops.exp(x_), 0.0, 6)
    assert [float(c.value) for c in coeffs] == pytest.approx(
        [1 / math.factorial(k) for k in range(7)], rel=1e-15)


def test_numeric_derivative_refuses_a_missing_variable():
    with pytest.raises(UsageError, match="no value given for variable 'y'"):
        numeric.derivative(x_ * y_, {"x": 1.0}, {"x": 1})


def test_pure_partial_of_high_order_does_not_overflow_or_underflow():
    """A partial in one variable of several, at orders where f^(n)/n! leaves the float range
    (order 300 of exp(2x): 2^300 is fine, 2^300/300! underflows), is still exact."""
    x, y = hod.expr.graph.var("x"), hod.expr.graph.var("y")
    f = hod.exp(2 * x) * hod.cos(y)
    got = float(hod.partial(f, {"x": 300})(x=0.0, y=0.5))
    assert got == pytest.approx(2.0 ** 300 * math.cos(0.5), rel=1e-12)
    got = float(hod.partial(lambda a, b: hod.exp(2 * a) * hod.cos(b), (0, 3))(0.0, 0.5))
    assert got == pytest.approx(math.sin(0.5), rel=1e-13)


# --- one nth-derivative path (the API and the command share it) ------------------------------

@pytest.mark.parametrize("n", [140, 171, 300, 600, 1000])
def test_exp_2x_derivatives_are_powers_of_two_at_every_order(n):
    # 2^n exactly: the rescue scales the direction by powers of two, which are exact
    if n < 1024:
        assert float(hod.derivative(lambda x: hod.exp(2 * x), n)(0.0)) == pytest.approx(
            2.0 ** n, rel=1e-13)


def test_underflowing_coefficients_are_rescued_below_order_150_too():
    # exp(x/10): f^(140)(0) = 1e-140, while f^(140)/140! = 1e-381 underflows to 0
    got = hod.derivative(lambda x: hod.exp(x / 10), 140)(np.array([0.0, 10.0])).numpy()
    assert_close(got, [1e-140, 1e-140 * math.e], rtol=1e-12)


def test_graph_and_api_share_the_nth_derivative_path():
    root = parser.parse("exp(2*x)")
    r = taylor_mode.api.graph_nth_derivative(root, {"x": 0.0}, "x", 600)
    assert r.out_of_range is None
    assert r.value == pytest.approx(2.0 ** 600, rel=1e-13)
    assert float(hod.derivative(lambda x: hod.exp(2 * x), 600)(0.0)) == pytest.approx(
        r.value, rel=1e-15)


def test_a_derivative_beyond_float64_warns_with_its_size_and_is_inf():
    with pytest.warns(HodWarning, match=r"beyond float64 \(about 4\.43e\+1867\)"):
        got = float(hod.derivative(lambda x: hod.exp(hod.sin(x)), 1000)(0.5))
    assert got == math.inf
    root = parser.parse("exp(sin(x))")
    r = taylor_mode.api.graph_nth_derivative(root, {"x": 0.5}, "x", 1000)
    assert r.out_of_range.kind == "overflow" and not r.out_of_range.negative
    assert r.out_of_range.log10_abs == pytest.approx(1867.6466, abs=1e-3)


def test_true_zeros_are_not_mistaken_for_underflow():
    assert float(hod.derivative(lambda x: x ** 3, 600)(2.0)) == 0.0
    assert float(hod.partial(lambda x, y: x * y, (2, 0))(0.0, 6.4e-260)) == 0.0
    assert float(hod.derivative(hod.sin, 600)(0.0)) == 0.0
