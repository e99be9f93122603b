"""What float64 can give, hod gives: derivatives at points where a textbook formula loses
digits (saturation, cancellation, underflow inside a rule, real powers at 0), each checked
against a 50-digit mpmath reference with a relative tolerance."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest

import hod

M = mpmath


def reference(f, x, n):
    """The n-th derivative of the mpmath function ``f`` at ``x`` (a decimal string), to 50
    digits (the numeric differentiation runs at 120 digits so that 50 are right)."""
    with mpmath.workdps(120):
        return float(mpmath.diff(f, mpmath.mpf(x), n))


def assert_rel(got, want, rtol):
    got = float(np.asarray(got))
    assert abs(got - want) <= rtol * abs(want), f"{got!r} vs {want!r}"


def sigmoid(x):
    return 1 / (1 + M.exp(-x))


def taylor(f, x, n):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(hod.derivative(f, n)(float(x)).numpy())


def tape(f, x, n):
    for _ in range(n):
        f = hod.grad(f)
    return float(np.asarray(f(float(x))))


# --- saturation and cancellation in derivative rules --------------------------------------

SATURATING = [
    # (name, hod function, mpmath function, point, order)
    ("sigmoid'", hod.sigmoid, sigmoid, "40", 1),
    ("sigmoid''", hod.sigmoid, sigmoid, "-40", 2),
    ("sigmoid'' near 0", hod.sigmoid, sigmoid, "-1e-9", 2),
    ("tanh'", hod.tanh, M.tanh, "13", 1),
    ("tanh''", hod.tanh, M.tanh, "13", 2),
    ("tanh''' at -13", hod.tanh, M.tanh, "-13", 3),
    ("tanh'' near 0", hod.tanh, M.tanh, "1e-9", 2),
    ("softplus''", hod.softplus, lambda x: M.log(1 + M.exp(x)), "40", 2),
    ("expm1'' at -40", hod.expm1, M.expm1, "-40", 2),
    ("acosh' near 1", hod.acosh, M.acosh, "1.0000000001", 1),
    ("acosh'' near 1", hod.acosh, M.acosh, "1.0000000001", 2),
    ("atanh' near 1", hod.atanh, M.atanh, "0.9999999999", 1),
    ("atanh' near -1", hod.atanh, M.atanh, "-0.9999999999", 1),
    ("asin' near -1", hod.asin, M.asin, "-0.9999999999", 1),
    ("acos' near 1", hod.acos, M.acos, "0.9999999999", 1),
]


@pytest.mark.parametrize("name, f, mf, x, n", SATURATING, ids=[c[0] for c in SATURATING])
def test_taylor_mode_keeps_the_digits_where_a_function_saturates(name, f, mf, x, n):
    # x is given as the float64 nearest the decimal: the reference is taken there
    xf = float(x)
    assert_rel(taylor(f, xf, n), reference(mf, xf, n), 1e-12)


@pytest.mark.parametrize("name, f, mf, x, n", [c for c in SATURATING if c[4] <= 2],
                         ids=[c[0] for c in SATURATING if c[4] <= 2])
def test_nested_tapes_keep_the_digits_where_a_function_saturates(name, f, mf, x, n):
    xf = float(x)
    assert_rel(tape(f, xf, n), reference(mf, xf, n), 1e-12)


def test_the_hessian_and_taylor_mode_agree_on_softplus_at_40():
    want = reference(lambda x: M.log(1 + M.exp(x)), 40.0, 2)
    assert_rel(hod.hessian(lambda v: hod.softplus(v[0]))(np.array([40.0]))[0, 0], want, 1e-12)
    assert_rel(taylor(hod.softplus, 40.0, 2), want, 1e-12)


# --- no underflow inside a rule -------------------------------------------------------------

AFFINE = [
    # (name, hod function, the exact derivative as an mpmath expression of x, x, order)
    ("exp", hod.exp, lambda x: M.exp(x), 180.0, 180),
    ("exp, 200 at -200", hod.exp, lambda x: M.exp(x), -200.0, 200),
    ("exp(x/10)", lambda x: hod.exp(x / 10), lambda x: M.exp(x / 10) / M.mpf(10) ** 140, 0.0,
     140),
    ("cosh", hod.cosh, lambda x: M.cosh(x), 180.0, 180),
    ("sinh", hod.sinh, lambda x: M.cosh(x), 180.0, 181),
    ("sin", hod.sin, lambda x: M.sin(x), 2.0, 200),
    ("x**1.5 at 1e200", lambda x: x ** 1.5, lambda x: M.mpf("0.75") / M.sqrt(x), 1e200, 2),
    ("x**1.5 at 1e200, order 3", lambda x: x ** 1.5, lambda x: M.mpf("-0.375") / x ** 1.5,
     1e200, 3),
]


@pytest.mark.parametrize("name, f, exact, x, n", AFFINE, ids=[c[0] for c in AFFINE])
def test_affine_fast_paths_do_not_underflow_on_the_way(name, f, exact, x, n):
    with mpmath.workdps(50):
        want = float(exact(mpmath.mpf(x)))
    assert_rel(taylor(f, x, n), want, 1e-12)


# --- real powers at base 0 ------------------------------------------------------------------

@pytest.mark.parametrize("n, want", [(0, 0.0), (1, 0.0), (2, 0.0)])
def test_a_real_power_at_zero_has_the_exact_derivatives_below_its_exponent(n, want):
    # d^n/dx^n x^2.5 at 0 is 0 for n < 2.5 (the tape agrees)
    assert taylor(lambda x: x ** 2.5, 0.0, n) == want
    if n:
        assert tape(lambda x: x ** 2.5, 0.0, n) == want


@pytest.mark.parametrize("n", [3, 4, 10])
def test_a_real_power_at_zero_is_not_defined_above_its_exponent(n):
    # x^2.5''' = 1.875 x^-0.5: infinite from the right, not real from the left
    assert np.isnan(taylor(lambda x: x ** 2.5, 0.0, n))


def test_a_power_of_a_square_at_zero_sees_the_kink():
    # (x^2)^0.5 = |x|: no first derivative at 0; (x^2)^1.5 = |x|^3: 0 up to the second
    assert np.isnan(taylor(lambda x: (x * x) ** 0.5, 0.0, 1))
    assert [taylor(lambda x: (x * x) ** 1.5, 0.0, n) for n in (1, 2)] == [0.0, 0.0]
    assert np.isnan(taylor(lambda x: (x * x) ** 1.5, 0.0, 3))


def test_real_powers_at_zero_elementwise():
    c = hod.taylor(lambda x: x ** np.array([2.5, 0.5, 2.5]), np.array([0.0, 0.0, 4.0]), 3)
    assert list(c[:, 0][:3]) == [0.0, 0.0, 0.0] and np.isnan(c[3, 0])
    assert c[0, 1] == 0.0 and np.isnan(c[1:, 1]).all()
    assert_rel(c[3, 2], float(mpmath.binomial(2.5, 3) * mpmath.mpf(4) ** -0.5), 1e-14)
