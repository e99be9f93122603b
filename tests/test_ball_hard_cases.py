"""Hard cases for the certified engine, against 50-digit references computed another way.

* quotients whose float64 recurrences multiply rounding by ~n!/x0^n: sin(x)/x, (exp(x)-1)/x
  and log(1+x)/x at orders up to 60, at 0.9, 1e-3 and 1e-8 (references: each function as an
  integral over [0, 1], differentiated under the integral sign, by mpmath quadrature);
* orders 200 to 1000 of exp(sin(x)) (reference: the exp recurrence in 600-digit mpmath);
* mixed partials of total order 20 of exp(x*y) at (10, 10) (reference: the closed form).
"""

from __future__ import annotations

import fractions
import functools
import math

import mpmath
import pytest

from hod.ball import certify

POINTS = [0.9, 1e-3, 1e-8]
ORDERS = [1, 7, 20, 40, 60]


def assert_encloses(enc, ref):
    """The ball contains the 50-digit reference (up to its 50th digit)."""
    ref = fractions.Fraction(mpmath.nstr(ref, 55, min_fixed=1, max_fixed=0))
    slack = abs(ref) / 10 ** 48
    assert enc.lower - slack <= ref <= enc.upper + slack, (enc, float(ref))


def quad_reference(integrand, n, x0):
    """The n-th derivative at x0 of the integral over t in [0, 1] of g(x t) (``integrand(n, x,
    t)`` is the n-th x-derivative of the integrand)."""
    with mpmath.workdps(60):
        x = mpmath.mpf(x0)
        return mpmath.quad(lambda t: integrand(n, x, t), [0, 0.5, 1])


# sin(x)/x = int_0^1 cos(x t) dt; d^n/dx^n cos(x t) = t^n cos(x t + n pi/2)
def sinc_integrand(n, x, t):
    return t ** n * mpmath.cos(x * t + n * mpmath.pi / 2)


# (exp(x) - 1)/x = int_0^1 exp(x t) dt
def expm1_integrand(n, x, t):
    return t ** n * mpmath.exp(x * t)


# log(1 + x)/x = int_0^1 dt / (1 + x t); d^n/dx^n = (-1)^n n! t^n / (1 + x t)^(n+1)
def log1p_integrand(n, x, t):
    return (-1) ** n * mpmath.factorial(n) * t ** n / (1 + x * t) ** (n + 1)


CASES = {
    "sin(x)/x": sinc_integrand,
    "(exp(x)-1)/x": expm1_integrand,
    "log(1+x)/x": log1p_integrand,
}


@pytest.mark.parametrize("expr", sorted(CASES))
@pytest.mark.parametrize("x0", POINTS)
def test_quotients_at_high_order_enclose_references(expr, x0):
    for n in ORDERS:
        d = certify(expr, {"x": x0}, kind="diff", wrt="x", order=n, digits=20)
        assert d.resolved
        assert_encloses(d, quad_reference(CASES[expr], n, x0))


def test_sinc_twentieth_derivative_shows_the_float64_failure_is_not_the_truth():
    d = certify("sin(x)/x", {"x": "0.9"}, kind="diff", wrt="x", order=20, digits=30)
    with mpmath.workdps(60):
        ref = mpmath.quad(lambda t: sinc_integrand(20, mpmath.mpf(9) / 10, t), [0, 1])
    assert d.decimal(30) == mpmath.nstr(ref, 30)
    assert not d.contains(914.32)


@functools.cache
def exp_sin_coefficients(n, x0=0.5):
    """Taylor coefficients of exp(sin(x)) at x0 up to n, in 600-digit mpmath: the series of
    sin in closed form, then v_k = (1/k) sum_j j s_j v_(k-j)."""
    with mpmath.workdps(600):
        a = mpmath.mpf(x0)
        s, c = mpmath.sin(a), mpmath.cos(a)
        sin_derivs = [s, c, -s, -c]
        sk = [sin_derivs[k % 4] / mpmath.factorial(k) for k in range(n + 1)]
        v = [mpmath.exp(s)] + [mpmath.mpf(0)] * n
        for k in range(1, n + 1):
            v[k] = mpmath.fsum(j * sk[j] * v[k - j] for j in range(1, k + 1)) / k
        return [+x for x in v]


@pytest.mark.parametrize("n", [200, 500, 1000])
def test_exp_sin_orders_200_to_1000(n):
    d = certify("exp(sin(x))", 0.5, kind="diff", wrt="x", order=n)
    assert d.resolved
    with mpmath.workdps(600):
        ref = exp_sin_coefficients(1000)[n] * mpmath.factorial(n)
        assert_encloses(d, ref)
        assert d.decimal() == mpmath.nstr(ref, 15)


@pytest.mark.parametrize("i, j", [(10, 10), (1, 19), (7, 13), (20, 0)])
def test_mixed_partials_of_total_order_20_of_exp_xy(i, j):
    d = certify("exp(x*y)", {"x": 10, "y": 10}, kind="diff", wrt={"x": i, "y": j})
    assert d.resolved
    # d^i/dx^i exp(xy) = y^i exp(xy); then Leibniz in y
    with mpmath.workdps(60):
        x = y = mpmath.mpf(10)
        ref = mpmath.fsum(math.comb(j, k) * mpmath.ff(i, k) * y ** (i - k) * x ** (j - k)
                          for k in range(min(i, j) + 1)) * mpmath.exp(x * y)
        assert_encloses(d, ref)


def test_mixed_partial_of_three_variables():
    d = certify("x**3 * y**2 * sin(z)", {"x": 2, "y": 3, "z": "0.5"}, kind="diff",
                wrt="x,x,y,z,z,z")
    with mpmath.workdps(60):
        ref = 6 * 2 * 2 * 3 * -mpmath.cos(mpmath.mpf(1) / 2)
        assert_encloses(d, ref)
