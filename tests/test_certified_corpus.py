"""A corpus of hard derivatives, checked at the library level in the default mode.

Each case asks ``hod.check_diff`` / ``hod.check_gradient`` with ``check="ball"`` (the
certified engine alone; a few also with ``check=True``, ball and SymPy) and judges what hod
*prints* (``PointResult.result``) against a reference computed without hod:

* within rtol=1e-9 of a 50-digit reference, relative (an exact 0 must print as exactly 0);
  a value beyond float64 is the decimal string of the certified value, with the status
  ``overflow``;
* or the point is flagged, and the test names the flag (``not differentiable`` and the check
  ``kink`` at a kink; ``derivative undefined`` at a branch point; ``undefined`` where the
  function has no value);
* never ``overflow`` or "not defined" where the value exists and fits in a float64, and never
  ``disagree`` for a correct value.

References: the quotients as integrals over [0, 1] differentiated under the integral sign
(mpmath quadrature, 60 digits); exp(sin(x)) by the power-series recurrence of exp in 120-digit
mpmath; mixed partials and saturation by closed forms; the rest by hand.
"""

from __future__ import annotations

import functools
import math

import mpmath
import pytest

import hod

RTOL = 1e-9
DBL_MAX = 1.7976931348623157e308
NOT_DEFINED = ("undefined", "not differentiable", "derivative undefined")


# =========================================================================================
# Judging a printed value
# =========================================================================================

def printed_number(printed):
    """The printed value as an mpmath number (a float, or the decimal string of a value
    beyond float64 or given with ``digits=``)."""
    assert isinstance(printed, (float, int, str)), printed
    return mpmath.mpf(printed)


def assert_printed(point, ref, index=None, *, component=None):
    """The printed value at ``point`` (``result[index]`` for a gradient) is the reference to
    rtol, the status says overflow exactly when the value is beyond float64, and nothing
    calls the value a disagreement or not defined."""
    printed = point.result if index is None else point.result[index]
    with mpmath.workdps(60):
        ref = mpmath.mpf(ref)
        got = printed_number(printed)
        if ref == 0:
            assert got == 0, f"printed {printed!r} where the value is exactly 0"
        else:
            rel = abs(got - ref) / abs(ref)
            assert rel <= RTOL, (f"printed {printed!r}, reference {mpmath.nstr(ref, 20)}, "
                                 f"relative error {float(rel):.3g}; status {point.status}, "
                                 f"warnings {point.warnings}")
        fits = abs(ref) <= DBL_MAX
    if fits:
        assert isinstance(printed, float), f"{printed!r} fits a float64 and should be one"
        assert point.status not in ("overflow",) + NOT_DEFINED, (point.status, point.warnings)
    else:
        assert isinstance(printed, str)
        assert point.status == "overflow", (point.status, point.warnings)
    assert point.status != "disagree", point.warnings
    checks = [c.check for c in point.components]
    assert "disagree" not in checks, (checks, point.warnings)


def diff_point(expr, x, order, check="ball", **kw):
    report = hod.check_diff(expr, "x", {"x": x}, order=order, check=check, **kw)
    (point,) = report.results
    return point


def result_component(point, index=()):
    return next(c for c in point.components if c.part == "result" and c.index == index)


# =========================================================================================
# References
# =========================================================================================

# f(x) = int_0^1 g(x t) dt, so f^(n)(x) = int_0^1 t^n g^(n)(x t) dt: each term is
# positive or smooth in t, with no cancellation at small x.
INTEGRANDS = {
    # sin(x)/x = int_0^1 cos(x t) dt
    "sin(x)/x": lambda n, x, t: t ** n * mpmath.cos(x * t + n * mpmath.pi / 2),
    # (exp(x) - 1)/x = int_0^1 exp(x t) dt
    "(exp(x)-1)/x": lambda n, x, t: t ** n * mpmath.exp(x * t),
    # log(1 + x)/x = int_0^1 dt / (1 + x t)
    "log(1+x)/x": lambda n, x, t: ((-1) ** n * mpmath.factorial(n) * t ** n
                                   / (1 + x * t) ** (n + 1)),
}


@functools.lru_cache(maxsize=None)
def quotient_reference(expr, n, x0):
    with mpmath.workdps(60):
        x = mpmath.mpf(x0)
        return +mpmath.quad(lambda t: INTEGRANDS[expr](n, x, t), [0, 0.5, 1])


@functools.lru_cache(maxsize=None)
def exp_sin_reference(n, x0):
    """d^n/dx^n exp(sin(x)) at x0: the Taylor coefficients h of exp(g), g = sin(x0 + t),
    from h' = g' h (k h_k = sum_j j g_j h_{k-j}), in 120-digit mpmath."""
    with mpmath.workdps(120):
        x = mpmath.mpf(x0)
        s, c = mpmath.sin(x), mpmath.cos(x)
        g, fact = [mpmath.mpf(0)] * (n + 1), mpmath.mpf(1)
        for k in range(1, n + 1):
            fact *= k
            g[k] = (c, -s, -c, s)[(k - 1) % 4] / fact
        h = [mpmath.exp(s)] + [mpmath.mpf(0)] * n
        for k in range(1, n + 1):
            acc = mpmath.mpf(0)
            for j in range(1, k + 1):
                acc += j * g[j] * h[k - j]
            h[k] = acc / k
        return h[n] * mpmath.factorial(n)


# exp_sin_reference(n, 0.5) for n = 500 and 1000 (the recurrence takes ~10 s at n = 1000, so
# the values are written here; test_exp_sin_reference_recurrence_matches_known_orders runs it
# at n = 200).
EXP_SIN_AT_HALF = {
    500: "5.0160932875854321128533354683193143041142406666891e+809",
    1000: "4.4330875435078777697510540543750932050267705268121e+1867",
}


def exp_xy_partial(a, b, x, y):
    """d^(a+b)/dx^a dy^b exp(x y) = exp(x y) sum_k C(a,k) C(b,k) k! x^(b-k) y^(a-k)."""
    with mpmath.workdps(60):
        x, y = mpmath.mpf(x), mpmath.mpf(y)
        s = sum(mpmath.binomial(a, k) * mpmath.binomial(b, k) * mpmath.factorial(k)
                * x ** (b - k) * y ** (a - k) for k in range(min(a, b) + 1))
        return s * mpmath.exp(x * y)


# =========================================================================================
# Quotients with a nearby zero of the denominator
# =========================================================================================

QUOTIENT_CASES = [(expr, x, n) for expr in INTEGRANDS for x in (0.9, 1e-3, 1e-8)
                  for n in (1, 7, 20, 40, 60)]


@pytest.mark.parametrize("expr,x,n", QUOTIENT_CASES)
def test_quotient_with_nearby_zero_of_denominator_prints_its_derivative_to_rtol(expr, x, n):
    assert_printed(diff_point(expr, x, n), quotient_reference(expr, n, x))


@pytest.mark.parametrize("expr,x,n", [("sin(x)/x", 1e-8, 40), ("(exp(x)-1)/x", 0.9, 20),
                                      ("log(1+x)/x", 1e-3, 60)])
def test_quotient_in_the_default_mode_with_sympy_prints_the_same_certified_value(expr, x, n):
    point = diff_point(expr, x, n, check=True)
    assert_printed(point, quotient_reference(expr, n, x))


def test_quotient_where_float64_overflows_says_float64_lost_digits_not_overflow():
    # float64's Taylor mode gives -inf for the 40th derivative of sin(x)/x at 1e-8 (rounding
    # times 40!/x^40); the value is 1/41 - O(x^2): hod shows the certified value, keeps
    # float64's number beside it, and says float64 lost digits.
    point = diff_point("sin(x)/x", 1e-8, 40)
    assert_printed(point, quotient_reference("sin(x)/x", 40, 1e-8))
    assert point.float64 == -math.inf
    assert result_component(point).check == "corrected"
    assert any("lost digits" in w for w in point.warnings)


def test_twentieth_derivative_of_sinc_to_30_digits_matches_the_reference_to_30_digits():
    point = diff_point("sin(x)/x", "0.9", 20, digits=30)
    printed = point.result
    assert isinstance(printed, str)
    assert len(printed.lstrip("-0.").replace(".", "")) == 30, printed
    with mpmath.workdps(60):
        # the point as typed: 0.9 exactly, the integral at 9/10
        ref = mpmath.quad(lambda t: INTEGRANDS["sin(x)/x"](20, mpmath.mpf(9) / 10, t),
                          [0, 0.5, 1])
        assert printed == mpmath.nstr(ref, 30), (printed, mpmath.nstr(ref, 35))
        assert abs(mpmath.mpf(printed) - ref) / abs(ref) < 1e-29
    assert point.status == "ok"


# =========================================================================================
# Orders 200 to 1000
# =========================================================================================

def test_exp_sin_reference_recurrence_matches_known_orders():
    # the recurrence against mpmath.diff at a low order, and the written values' source
    with mpmath.workdps(60):
        ref = mpmath.diff(lambda t: mpmath.exp(mpmath.sin(t)), mpmath.mpf(0.5), 12)
        assert abs(exp_sin_reference(12, 0.5) - ref) / abs(ref) < 1e-40


def test_order_200_of_exp_sin_fits_float64_and_is_printed_as_a_float():
    assert_printed(diff_point("exp(sin(x))", 0.5, 200), exp_sin_reference(200, 0.5))


@pytest.mark.parametrize("n", [500, 1000])
def test_orders_beyond_float64_print_the_certified_decimal_and_say_overflow(n):
    point = diff_point("exp(sin(x))", 0.5, n)
    assert_printed(point, EXP_SIN_AT_HALF[n])
    assert result_component(point).check == "overflow"
    assert point.float64 in (math.inf, -math.inf)
    assert any("certified value is shown" in w for w in point.warnings)


def test_thousandth_derivative_of_exp_sin_is_about_4_43e1867():
    point = diff_point("exp(sin(x))", 0.5, 1000)
    assert point.result.startswith("4.43308754350787") and point.result.endswith("e+1867")


# =========================================================================================
# Mixed partials
# =========================================================================================

@pytest.mark.parametrize("a,b", [(1, 1), (3, 2), (5, 5), (7, 7), (10, 10), (15, 5), (0, 20)])
@pytest.mark.parametrize("x,y", [(0.5, 1.5), (2.0, 1.0)])
def test_mixed_partial_of_exp_xy_up_to_total_order_20_is_right(a, b, x, y):
    report = hod.check_diff("exp(x*y)", ["x"] * a + ["y"] * b, {"x": x, "y": y},
                            check="ball")
    assert_printed(report.results[0], exp_xy_partial(a, b, x, y))


def test_mixed_partial_of_a_polynomial_past_its_degree_is_exactly_zero():
    report = hod.check_diff("x**10*y**10", ["x"] * 11 + ["y"], {"x": 1.5, "y": 0.5},
                            check="ball")
    point = report.results[0]
    assert point.result == 0.0 and point.status == "ok"
    assert_printed(point, 0)


def test_mixed_partial_of_x10y10_at_its_degree_is_10_factorial_squared():
    report = hod.check_diff("x**10*y**10", ["x"] * 10 + ["y"] * 10, {"x": 1.5, "y": 0.5},
                            check=True)
    assert_printed(report.results[0], math.factorial(10) ** 2)


# =========================================================================================
# Next to kinks and branch points
# =========================================================================================

def test_abs_next_to_its_kink_is_differentiable():
    point = diff_point("abs(x)", 1e-300, 1)
    assert_printed(point, 1)
    assert point.value == 1e-300 and point.status == "ok"


def test_abs_at_its_kink_is_flagged_not_differentiable():
    point = diff_point("abs(x)", 0.0, 1)
    assert point.status == "not differentiable"
    assert result_component(point).check == "kink"
    assert "disagree" not in [c.check for c in point.components]


def test_log_at_1e_300_has_its_first_derivative_and_overflows_at_the_second():
    x = mpmath.mpf(1e-300)  # the double nearest 1e-300, exactly
    assert_printed(diff_point("log(x)", 1e-300, 1), 1 / x)
    with mpmath.workdps(60):
        assert_printed(diff_point("log(x)", 1e-300, 2), -1 / x ** 2)  # about -1e600


def test_sqrt_at_1e_300_is_fine():
    with mpmath.workdps(60):
        assert_printed(diff_point("sqrt(x)", 1e-300, 1), 1 / (2 * mpmath.sqrt(1e-300)))


def test_sqrt_at_zero_has_a_value_and_no_derivative():
    point = diff_point("sqrt(x)", 0.0, 1)
    assert point.status == "derivative undefined"
    assert point.value == 0.0
    assert result_component(point).check == "undefined"


@pytest.mark.parametrize("check", ["ball", True])
def test_atan2_at_the_origin_is_undefined_not_a_disagreement(check):
    report = hod.check_gradient("atan2(y, x)", "x=0,y=0", check=check)
    point = report.results[0]
    assert point.status == "undefined"
    assert "disagree" not in [c.check for c in point.components]


# =========================================================================================
# Saturation
# =========================================================================================

def sigmoid_prime(x):
    with mpmath.workdps(60):
        e = mpmath.exp(-mpmath.mpf(x))
        return e / (1 + e) ** 2


def test_sigmoid_slope_at_40_is_4_25e_18_not_float64s_zero():
    point = diff_point("sigmoid(x)", 40.0, 1)
    assert_printed(point, sigmoid_prime(40))
    # float64 keeps its digits (sigmoid' as sigmoid(x) sigmoid(-x), no 1 - sigmoid(40))
    assert point.float64 is None
    assert result_component(point).check == "agree"


def test_tanh_slope_at_13_has_all_its_digits():
    with mpmath.workdps(60):
        ref = 1 / mpmath.cosh(13) ** 2
    assert_printed(diff_point("tanh(x)", 13.0, 1), ref)


def test_softplus_second_derivative_at_40_is_the_sigmoid_slope():
    assert_printed(diff_point("softplus(x)", 40.0, 2), sigmoid_prime(40))


# =========================================================================================
# Exact points and points as typed
# =========================================================================================

def test_gradient_of_sin_x_y_at_pi_over_2_is_exactly_zero_in_x():
    point = hod.check_gradient("sin(x)*y", "x=pi/2,y=2", check="ball").results[0]
    assert point.result[0] == 0.0 and point.result[1] == 1.0
    assert_printed(point, 0, index=0)
    assert_printed(point, 1, index=1)
    # float64 works at the double nearest pi/2, where 2 cos(x) is 1.2e-16: kept beside
    assert point.float64[0] == pytest.approx(1.2246467991473532e-16)


def test_gradient_at_pi_over_2_with_digits_prints_the_text_0():
    point = hod.check_gradient("sin(x)*y", "x=pi/2,y=2", check="ball", digits=20).results[0]
    assert point.result[0] == "0"


def test_gradient_at_pi_over_2_in_the_default_mode_is_exactly_zero_too():
    point = hod.check_gradient("sin(x)*y", "x=pi/2,y=2", check=True).results[0]
    assert point.result[0] == 0.0
    assert point.status == "ok"


def test_huge_coefficient_times_a_double_zero_is_zero_and_agrees():
    for order, ref in ((1, 0), (2, mpmath.mpf("2e200"))):
        point = diff_point("1e200*(x - 1)**2", 1.0, order)
        assert_printed(point, ref)
        assert point.value == 0.0
        assert all(c.check == "agree" for c in point.components)


def test_pole_next_to_a_typed_point_is_evaluated_at_the_point_as_typed():
    # x = 0.1000000000000001 as typed is 1e-16 from 0.1: f = 1/(x - 0.1) = 1e16 there; the
    # doubles nearest x and 0.1 are 9.7e-17 apart, so float64 gives 1.03e16.
    report = hod.check_diff("1/(x - 0.1)", "x", "x=0.1000000000000001", order=1,
                            check="ball")
    point = report.results[0]
    assert point.value == 1e16
    assert_printed(point, mpmath.mpf("-1e32"))
    value = next(c for c in point.components if c.part == "value")
    assert value.check == "corrected"


# =========================================================================================
# Known failures (src/ bugs found by benchmarks/sweep_certified.py; strict, so a fix shows)
# =========================================================================================

def test_value_beyond_float64_where_float64_gives_zero_is_not_called_certified():
    point = diff_point("tanh(x)", 30.0, 500)  # the value is about 5.31e+393
    with mpmath.workdps(60):
        # tanh(x) = 1 - 2 sum_k (-1)^(k-1) exp(-2 k x) for x > 0, differentiated termwise
        x, n = mpmath.mpf(30), 500
        ref = -2 * mpmath.fsum((-1) ** (k - 1) * (-2 * k) ** n * mpmath.exp(-2 * k * x)
                               for k in range(1, 200))
    assert_printed(point, ref)


def test_order_500_of_sinc_next_to_zero_is_printed_not_raised():
    point = diff_point("sin(x)/x", 1e-8, 500)
    assert_printed(point, quotient_reference("sin(x)/x", 500, 1e-8))


def test_a_value_below_float64s_normal_numbers_is_printed_as_proven_text():
    # exp(-900) is about 1.36e-391: float64 rounds it to 0, a subnormal would keep too few
    # digits; the certified value is printed as text, not as a certified 0
    (r,) = hod.check_diff("exp(-x**2)", ["x"] * 39, {"x": 30.0}, check="ball").results
    assert isinstance(r.value, str) and r.value.startswith("1.3644772123656")
    assert isinstance(r.result, str) and r.result.startswith("-1.99628285749844")
