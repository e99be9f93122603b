"""The function transformations: grad, value_and_grad, jacobian, hessian, hvp, jvp and the
nth derivative, each checked against an explicit formula."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hod


def value(t):
    return np.asarray(t.numpy(), dtype=np.float64)


def rosenbrock(x):
    """The extended Rosenbrock function of a vector."""
    return hod.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosenbrock_gradient(x):
    g = np.zeros_like(x)
    g[:-1] += -400.0 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * (x[1:] - x[:-1] ** 2)
    return g


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    i = np.arange(n - 1)
    h[i, i] += 1200.0 * x[:-1] ** 2 - 400.0 * x[1:] + 2.0
    h[i + 1, i + 1] += 200.0
    h[i, i + 1] = h[i + 1, i] = -400.0 * x[:-1]
    return h


points = st.integers(2, 7).flatmap(
    lambda n: hnp.arrays(np.float64, (n,), elements=st.floats(-2.0, 2.0)))


# ------------------------------------------------------------------------------------------
# grad and value_and_grad

def test_grad_of_a_scalar_function():
    assert float(hod.grad(lambda x: x ** 3)(3.0)) == 27.0
    assert float(hod.grad(hod.sin)(0.0)) == 1.0


def test_grad_of_an_elementwise_function_is_the_elementwise_derivative():
    x = np.array([0.1, 0.5, 2.0])
    np.testing.assert_allclose(value(hod.grad(hod.sin)(x)), np.cos(x), rtol=1e-15)
    np.testing.assert_allclose(value(hod.grad(hod.exp)(list(x))), np.exp(x), rtol=1e-15)


@given(points)
def test_grad_of_rosenbrock(x):
    np.testing.assert_allclose(value(hod.grad(rosenbrock)(x)), rosenbrock_gradient(x),
                               rtol=1e-12, atol=1e-10)


def test_grad_with_several_argnums_gives_a_tuple():
    def f(x, y, z):
        return x * x * y + z

    gx = hod.grad(f)(2.0, 5.0, 1.0)
    assert float(gx) == 20.0
    gx, gy = hod.grad(f, argnums=(0, 1))(2.0, 5.0, 1.0)
    assert (float(gx), float(gy)) == (20.0, 4.0)
    (gz,) = hod.grad(f, argnums=(2,))(2.0, 5.0, 1.0)
    assert float(gz) == 1.0
    # an argument f does not use has a zero gradient
    assert float(hod.grad(lambda x, y: y * 2.0, argnums=0)(1.0, 2.0)) == 0.0


def test_value_and_grad_returns_both():
    y, g = hod.value_and_grad(rosenbrock)(np.array([1.0, 2.0]))
    assert float(y) == 100.0
    np.testing.assert_allclose(value(g), rosenbrock_gradient(np.array([1.0, 2.0])))
    y, (gx, gy) = hod.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    assert (float(y), float(gx), float(gy)) == (12.0, 4.0, 3.0)


def test_grad_of_grad_is_the_second_derivative():
    d2 = hod.grad(hod.grad(lambda x: x ** 3))
    assert float(d2(3.0)) == 18.0
    d3 = hod.grad(hod.grad(hod.grad(hod.sin)))
    assert float(d3(0.3)) == pytest.approx(-math.cos(0.3), rel=1e-15)
    mixed = hod.grad(lambda x, y: hod.grad(lambda x, y: x * x * y, argnums=0)(x, y), argnums=1)
    assert float(mixed(3.0, 5.0)) == 6.0    # d/dy d/dx x^2 y = 2x


# ------------------------------------------------------------------------------------------
# jacobian, hessian, hvp

def test_jacobian_of_a_vector_function():
    def f(x):
        return hod.stack([x[0] * x[1], hod.sin(x[0]), x[1] ** 2])

    x = np.array([0.5, 2.0])
    j = hod.jacobian(f)(x)
    assert j.shape == (3, 2)
    np.testing.assert_allclose(value(j), [[2.0, 0.5], [math.cos(0.5), 0.0], [0.0, 4.0]])
    ja, jb = hod.jacobian(lambda a, b: a * b, argnums=(0, 1))(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_allclose(value(ja), 3.0 * np.eye(2))
    np.testing.assert_allclose(value(jb), [1.0, 2.0])


def test_jacobian_of_a_matrix_function_has_both_shapes():
    m = np.arange(6.0).reshape(2, 3)
    j = hod.jacobian(lambda a: a.T * 2.0)(m)
    assert j.shape == (3, 2, 2, 3)
    np.testing.assert_allclose(value(j), 2.0 * np.einsum("il,jk->ijkl", np.eye(3), np.eye(2)))


@given(points)
def test_hessian_of_rosenbrock(x):
    h = hod.hessian(rosenbrock)(x)
    assert h.shape == (len(x), len(x))
    np.testing.assert_allclose(value(h), rosenbrock_hessian(x), rtol=1e-12, atol=1e-10)


def test_hessian_of_the_seed_function():
    def f(v):
        x, y = v[0], v[1]
        return 2 * x ** 3 + 5 * y ** 2 + 11 * x * y + 5

    np.testing.assert_allclose(value(hod.hessian(f)([5.0, 2.0])), [[60.0, 11.0], [11.0, 10.0]])


def test_hessian_of_a_function_of_a_matrix():
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    h = hod.hessian(lambda a: hod.sum(a ** 3))(m)
    assert h.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(value(h).reshape(4, 4), np.diag(6.0 * m.ravel()))


@given(points, st.data())
def test_hvp_is_the_hessian_times_v(x, data):
    v = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-1.0, 1.0)), label="v")
    hv = hod.hvp(rosenbrock, x, v)
    assert hv.shape == x.shape
    np.testing.assert_allclose(value(hv), rosenbrock_hessian(x) @ v, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(value(hv), value(hod.hessian(rosenbrock)(x)) @ v,
                               rtol=1e-12, atol=1e-9)


def test_hvp_of_a_linear_function_is_zero():
    hv = hod.hvp(lambda x: hod.sum(3.0 * x), [1.0, 2.0], [1.0, 1.0])
    np.testing.assert_allclose(value(hv), [0.0, 0.0])


# ------------------------------------------------------------------------------------------
# forward mode

def test_jvp_returns_the_value_and_the_directional_derivative():
    y, dy = hod.jvp(lambda x: x ** 3, (2.0,), (1.0,))
    assert (float(y), float(dy)) == (8.0, 12.0)
    y, dy = hod.jvp(lambda x: x ** 3, 2.0, 1.0)        # a single primal needs no tuple
    assert float(dy) == 12.0
    x = np.array([1.0, -0.5, 2.0])
    v = np.array([0.3, 0.2, -1.0])
    y, dy = hod.jvp(rosenbrock, (x,), (v,))
    assert float(y) == pytest.approx(float(rosenbrock(hod.constant(x))), rel=1e-15)
    assert float(dy) == pytest.approx(rosenbrock_gradient(x) @ v, rel=1e-12)


def test_jvp_with_several_primals():
    y, dy = hod.jvp(lambda a, b: a * hod.sin(b), (2.0, 0.5), (1.0, 0.0))
    assert float(dy) == pytest.approx(math.sin(0.5), rel=1e-15)
    y, dy = hod.jvp(lambda a, b: a * hod.sin(b), (2.0, 0.5), (0.0, 1.0))
    assert float(dy) == pytest.approx(2.0 * math.cos(0.5), rel=1e-15)
    _, dy = hod.jvp(lambda a, b: b * 2.0, (2.0, 0.5), (1.0, 0.0))
    assert float(dy) == 0.0


# ------------------------------------------------------------------------------------------
# the nth derivative

def test_nested_derivative_differentiates_n_times():
    assert float(hod.nested_derivative(lambda x: x ** 3, 3)(3.0)) == 6.0
    assert float(hod.nested_derivative(lambda x: x ** 2, 3)(3.0)) == 0.0
    assert float(hod.nested_derivative(lambda x: x ** 2, 2)(3.0)) == 2.0
    assert float(hod.nested_derivative(lambda x: x ** 2, 0)(3.0)) == 9.0
    assert float(hod.nested_derivative(hod.exp, 5)(1.0)) == pytest.approx(math.e, rel=1e-15)
    with pytest.raises(ValueError, match=">= 0"):
        hod.nested_derivative(hod.exp, -1)


def test_derivative_of_order_n():
    assert float(hod.derivative(lambda x: x ** 3, 3)(3.0)) == 6.0
    assert float(hod.derivative(lambda x: x ** 2, 3)(3.0)) == 0.0
    assert float(hod.derivative(hod.sin)(0.0)) == 1.0
    for n, expected in enumerate([math.sin(0.4), math.cos(0.4), -math.sin(0.4),
                                  -math.cos(0.4), math.sin(0.4)]):
        assert float(hod.derivative(hod.sin, n)(0.4)) == pytest.approx(expected, rel=1e-14)


def test_nth_derivative_is_elementwise_on_arrays():
    x = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(value(hod.nested_derivative(hod.log, 3)(x)), 2.0 / x ** 3,
                               rtol=1e-14)
