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


# --- a running error estimate: hod knows when float64 lost digits ---------------------------

from hod.errors import HodWarning  # noqa: E402
from hod.taylor_mode import api  # noqa: E402


def coefficients_50(mf, x, n):
    """Taylor coefficients c_0..c_n of the mpmath function at x, to 50 digits."""
    with mpmath.workdps(50):
        return [float(c) for c in mpmath.taylor(mf, mpmath.mpf(x), n)]


def lost_digits_warnings(f, x, n):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = float(hod.derivative(f, n)(x).numpy())
    lost = [w for w in caught if issubclass(w.category, HodWarning) and "lost digits" in
            str(w.message)]
    return value, lost


def test_the_quotient_recurrence_is_flagged_where_float64_lost_every_digit():
    # sin(x)/x at 0.9: rounding grows like 1.1^k while the coefficients shrink like 1/k!
    value, lost = lost_digits_warnings(lambda x: hod.sin(x) / x, 0.9, 20)
    assert len(lost) == 1 and "certified engine" in str(lost[0].message)
    e = api.expand(lambda x: hod.sin(x) / x, 0.9, 20)
    assert e.relative_errors[20] > 1e-6 and e.relative_errors[1] < 1e-12


@pytest.mark.parametrize("name, f, x, orders", [
    ("exp(sin(x))", lambda x: hod.exp(hod.sin(x)), 0.5, (100,)),
    ("atan", hod.atan, 0.5, (50, 100, 200)),
    ("atan at 2", hod.atan, 2.0, (200,)),
    ("tan", hod.tan, 0.5, (50, 100, 200)),
    ("tan near pi/2", hod.tan, 1.5, (200,)),
])
def test_stable_recurrences_are_not_flagged_at_high_order(name, f, x, orders):
    for n in orders:
        _, lost = lost_digits_warnings(f, x, n)
        assert not lost, (name, n)


def test_the_bound_is_in_the_nth_derivative_tuple():
    def f(x):
        return hod.exp(x) / (1 + x)

    r = api._nth_derivative(
        lambda s: (lambda e: (e.coefficients, e.errors))(api.expand(f, 1.0, 5, s)), 5)
    assert r._fields == ("value", "kinks", "out_of_range", "error_bound")
    assert 0 < float(r.error_bound) < 1e-12


def test_the_estimate_is_carried_only_where_a_rule_can_amplify_rounding():
    # exp, sin, tan... damp their rounding: no estimate is carried (it would cost as much
    # as the coefficients); a quotient, log, sqrt or real power carries one
    quiet = api.expand(lambda x: hod.exp(hod.sin(x)), 0.5, 20)
    assert not quiet.errors.any()
    loud = api.expand(lambda x: hod.sin(x) / x, 0.9, 20)
    assert loud.relative_errors[20] > 1


@pytest.mark.parametrize("name, f, mf", [
    ("(exp(x)-1)/x", lambda x: (hod.exp(x) - 1) / x, lambda x: (M.exp(x) - 1) / x),
    ("log(1+x)/x", lambda x: hod.log(1 + x) / x, lambda x: M.log(1 + x) / x),
])
def test_cancelling_quotients_are_flagged_exactly_where_they_are_wrong(name, f, mf):
    x, top = 1e-3, 10
    want = coefficients_50(mf, x, top)
    e = api.expand(f, x, top)
    flagged_some = False
    for n in range(1, top + 1):
        true = abs(e.coefficients[n] - want[n]) / abs(want[n])
        if true > 1e-6:
            assert e.relative_errors[n] > 1e-6, (n, true)
            flagged_some = True
        if true < 1e-9:
            assert e.relative_errors[n] <= 1e-6, (n, true)
    assert flagged_some


SWEEP = [
    ("sin(x)/x", lambda x: hod.sin(x) / x, lambda x: M.sin(x) / x),
    ("exp(sin(x))", lambda x: hod.exp(hod.sin(x)), lambda x: M.exp(M.sin(x))),
    ("atan", hod.atan, M.atan),
    ("tanh", hod.tanh, M.tanh),
    ("sigmoid", hod.sigmoid, sigmoid),
    ("sqrt(1+x^2)", lambda x: hod.sqrt(1 + x * x), lambda x: M.sqrt(1 + x * x)),
    ("log(2+sin(x))", lambda x: hod.log(2 + hod.sin(x)), lambda x: M.log(2 + M.sin(x))),
    ("(1+x^2)^-1.5", lambda x: (1 + x * x) ** -1.5, lambda x: (1 + x * x) ** -1.5),
    ("cos(x)^3", lambda x: hod.cos(x) ** 3, lambda x: M.cos(x) ** 3),
    ("exp(-x^2)", lambda x: hod.exp(-x * x), lambda x: M.exp(-x * x)),
    ("sinh(x)/x", lambda x: hod.sinh(x) / x, lambda x: M.sinh(x) / x),
    ("asin", hod.asin, M.asin),
    ("(exp(x)-1)/x", lambda x: (hod.exp(x) - 1) / x, lambda x: (M.exp(x) - 1) / x),
]


@pytest.mark.parametrize("name, f, mf", SWEEP, ids=[c[0] for c in SWEEP])
def test_the_estimate_never_cries_wolf_and_never_misses(name, f, mf):
    for x in (1e-3, 0.5, 0.9, 2.0 if name != "asin" else -0.7):
        top = 16
        want = coefficients_50(mf, x, top)
        e = api.expand(f, x, top)
        for n in range(top + 1):
            if want[n] == 0 or not np.isfinite(e.coefficients[n]):
                continue
            true = abs(e.coefficients[n] - want[n]) / abs(want[n])
            est = e.relative_errors[n]
            assert not (true < 1e-9 and est > 1e-6), ("false alarm", x, n, true, est)
            assert not (true > 1e-6 and est <= 1e-6), ("missed", x, n, true, est)
