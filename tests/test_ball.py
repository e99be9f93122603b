"""The certified engine: balls that contain the truth, at adaptive precision.

* values, gradients, Hessians, Jacobians, n-th derivatives, Taylor coefficients and mixed
  partials enclose 50-digit references;
* exact points: decimal literals and constant expressions;
* domain edges and kinks are errors, never numbers;
* enclosures narrow as the precision grows; results print only proven digits.
"""

from __future__ import annotations

import doctest
import fractions
import math
from decimal import Decimal

import mpmath
import pytest

import hod
from hod.ball import Enclosure, certify, exact_point
from hod.ball import api, derivatives, numbers, points
from hod.ball.precision import adaptive
from hod.errors import DomainError, NonDifferentiableError, UsageError

mpmath.mp.dps = 50


def mp(text):
    return mpmath.mpf(text)


def assert_encloses(enc, reference):
    """``enc`` contains the 50-digit ``reference`` (an mpmath number) up to the reference's own
    last digits: the ball widened by 1e-45 relative to the reference."""
    lo, hi = enc.lower, enc.upper
    ref = fractions.Fraction(str(reference))
    slack = abs(ref) * fractions.Fraction(1, 10 ** 45)
    assert lo - slack <= ref <= hi + slack, (enc, reference)


# --- the documented examples -----------------------------------------------------------------

def test_docstring_examples_run():
    for module in (api, numbers, points):
        assert doctest.testmod(module).failed == 0


# --- values and first derivatives ------------------------------------------------------------

def test_gradient_of_seed_example_is_exact():
    g = certify("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2}, kind="grad")
    assert [e.decimal() for e in g] == ["172.000000000000", "75.0000000000000"]
    assert all(e.ball.is_exact() for e in g)


def test_hessian_of_seed_example_is_exact_and_symmetric():
    h = certify("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2}, kind="hessian")
    assert [[e.float() for e in row] for row in h] == [[60.0, 11.0], [11.0, 10.0]]
    assert h[0][1].ball.is_exact()


def test_jacobian_of_two_functions():
    j = certify("x*y, atan2(y, x)", {"x": 1, "y": 2}, kind="jacobian")
    assert [[e.float() for e in row] for row in j[:1]] == [[2.0, 1.0]]
    assert_encloses(j[1][0], mp(-2) / 5)
    assert_encloses(j[1][1], mp(1) / 5)


def test_value_of_several_functions_is_a_list():
    v = certify(["x + 1", "x * 3"], {"x": "0.5"})
    assert [e.decimal(3) for e in v] == ["1.50", "1.50"]


# --- the motivating example: sin(x)/x at high order ------------------------------------------

def test_twentieth_derivative_of_sinc_at_decimal_point_to_30_digits():
    d = certify("sin(x)/x", {"x": "0.9"}, kind="diff", wrt="x", order=20, digits=30)
    ref = mpmath.diff(lambda x: mpmath.sin(x) / x, mp("0.9"), 20)
    assert d.decimal(30) == mpmath.nstr(ref, 30)
    assert d.resolved and not d.contains(914.32)


def test_twentieth_derivative_of_sinc_at_the_float_nearest_0_9():
    d = certify("sin(x)/x", {"x": 0.9}, kind="diff", wrt="x", order=20, digits=30)
    ref = mpmath.diff(lambda x: mpmath.sin(x) / x, mpmath.mpf(0.9), 20)
    assert d.decimal(30) == mpmath.nstr(ref, 30)


# --- exact points -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, exact", [
    (0.1, fractions.Fraction(3602879701896397, 2 ** 55)),
    ("0.1", fractions.Fraction(1, 10)),
    (Decimal("0.1"), fractions.Fraction(1, 10)),
    (fractions.Fraction(1, 3), fractions.Fraction(1, 3)),
    (7, fractions.Fraction(7)),
    ("-2.5e-3", fractions.Fraction(-1, 400)),
])
def test_points_are_read_exactly(value, exact):
    assert numbers.exact(value) == exact
    ball, nearest = exact_point(value)
    assert Enclosure(ball).contains(exact)
    assert nearest == float(exact)


def test_constant_expression_points_enclose_their_value():
    ball, nearest = exact_point("pi/2")
    assert nearest == math.pi / 2
    assert_encloses(Enclosure(ball), mpmath.pi / 2)
    ball, nearest = exact_point("-3*e")
    assert_encloses(Enclosure(ball), -3 * mpmath.e)
    assert nearest == -3 * math.e
    ball, nearest = exact_point("sqrt(2)")
    assert nearest == math.sqrt(2)


def test_a_point_with_variables_is_refused():
    with pytest.raises(UsageError, match="variables"):
        exact_point("x + 1")


def test_cos_at_pi_over_2_is_zero_within_1e_30():
    c = certify("cos(x)", {"x": "pi/2"}, digits=30, atol=1e-30)
    assert c.contains_zero and c.radius < 1e-30 and c.resolved


def test_derivative_of_sin_x_times_y_at_pi_over_2_encloses_zero():
    g = certify("sin(x)*y", {"x": "pi/2", "y": 3}, kind="grad", atol=1e-40)
    assert g[0].contains_zero and g[0].radius < 1e-40
    assert g[1].decimal(5) == "1.0000"


# --- domains and kinks ---------------------------------------------------------------------------

@pytest.mark.parametrize("expr, point, words", [
    ("log(x)", -1, "not defined at this point: log(-1)"),
    ("log(x)", 0, "not defined at this point: log(0)"),
    ("1/x", 0, "not defined at this point: 1 / 0"),
    ("sqrt(x)", -2, "not defined at this point: sqrt(-2)"),
    ("asin(x)", 2, "not defined at this point: asin(2)"),
    ("acosh(x)", "0.5", "not defined at this point: acosh(0.5)"),
    ("atanh(x)", 1, "not defined at this point: atanh(1)"),
    ("x ** 0.5", -1, "not defined at this point: (-1) ** 0.5"),
])
def test_points_outside_the_domain_raise_domain_error(expr, point, words):
    with pytest.raises(DomainError) as err:
        certify(expr, {"x": point}, kind="diff", wrt="x", order=1)
    assert str(err.value).startswith(words)


def test_domain_error_names_the_subexpression():
    with pytest.raises(DomainError, match=r"log\(-1\) \(in log\(x - 2\)\)"):
        certify("log(x - 2)", {"x": 1})


def test_sqrt_at_zero_has_a_value_but_no_derivative():
    assert certify("sqrt(x)", {"x": 0}).is_exact_zero
    with pytest.raises(DomainError, match="sqrt"):
        certify("sqrt(x)", {"x": 0}, kind="grad")


def test_abs_at_zero_is_a_kink_that_names_the_convention():
    with pytest.raises(NonDifferentiableError, match=r"abs at 0.*abs'\(0\) = 0"):
        certify("abs(x)", {"x": 0}, kind="grad")


def test_abs_and_log_just_beside_their_special_points_are_fine():
    assert certify("abs(x)", {"x": 1e-300}, kind="grad")[0].decimal() == "1.00000000000000"
    d = certify("log(x)", {"x": 1e-300}, kind="grad")[0]
    assert d.contains(fractions.Fraction(1) / fractions.Fraction(1e-300))


def test_log_of_an_expression_that_is_zero_but_not_exactly_known_is_refused():
    with pytest.raises(DomainError, match="too close to tell"):
        certify("log(sin(x))", {"x": "pi"}, max_bits=512)


def test_maximum_at_a_tie_is_a_kink():
    with pytest.raises(NonDifferentiableError, match="maximum"):
        certify("maximum(x, 1)", {"x": 1}, kind="grad")
    assert certify("maximum(x, 1)", {"x": 2}, kind="grad")[0].float() == 1.0


# --- precision ---------------------------------------------------------------------------------------

def test_enclosures_narrow_as_the_precision_grows():
    subject = api._subject("exp(sin(x))", 0.5)[0]
    radii = [derivatives.nth_derivative(subject, "x", 200, prec)[0].rad()
             for prec in (256, 512, 1024)]
    assert radii[0] > radii[1] > radii[2]


def test_a_budget_too_small_is_an_answer_not_a_failure():
    d = certify("exp(sin(x))", 0.5, kind="diff", wrt="x", order=1000, max_bits=256)
    assert not d.resolved
    assert d.contains(0) or d.relative_error_bound() > 1e-15


def test_adaptive_loop_stops_at_the_first_precision_that_is_enough():
    tried = []

    def compute(prec, final):
        tried.append(prec)
        with numbers.working(prec):
            return [numbers.flint().arb(1) / 3]

    a = adaptive(compute, 15)
    assert a.resolved == [True] and tried == [a.prec]


# --- results ----------------------------------------------------------------------------------

def test_decimal_writes_only_proven_digits():
    f = numbers.flint()
    with numbers.working(64):
        e = Enclosure(f.arb("1.2345 +/- 0.0001"))
    assert e.decimal(10) == "1.23"
    with numbers.working(64):
        assert Enclosure(f.arb(0)).decimal() == "0"
        assert "+/-" in Enclosure(f.arb("0 +/- 1e-20")).decimal()


def test_relative_error_bound_and_float():
    with numbers.working(64):
        e = Enclosure(numbers.flint().arb(1) / 3)
    assert 0 < e.relative_error_bound() < 1e-18
    assert e.float() == 1 / 3


# --- Python functions on tapes -------------------------------------------------------------

def test_python_function_gradient_is_certified():
    g = certify(lambda x, y: 2 * x ** 3 + 5 * y ** 2 + 11 * x * y + 5, (5.0, 2.0), kind="grad")
    assert [e.float() for e in g] == [172.0, 75.0]


def test_python_function_with_array_operations():
    def f(x):
        v = hod.stack([x, hod.sin(x), x * x])
        return hod.reduce_sum(v * v)

    d = certify(f, "0.3", kind="diff", order=3, wrt="x")
    x = mp("0.3")
    ref = mpmath.diff(lambda t: t ** 2 + mpmath.sin(t) ** 2 + t ** 4, x, 3)
    assert_encloses(d, ref)


def test_python_function_with_where_takes_the_recorded_branch():
    d = certify(lambda x: hod.where(x > 0, x * x, -x), 0.5, kind="diff", wrt="x", order=2)
    assert d.decimal() == "2.00000000000000"


# --- more derivatives against SymPy ------------------------------------------------------------

def test_hessian_of_three_variables_encloses_sympy():
    import sympy

    from hod.expr.graph import to_sympy
    from hod.expr.parser import parse

    g = parse("exp(x*y) * sin(z) + x**2 / (1 + y**2)")
    h = certify(g, {"x": "0.3", "y": -1, "z": 2}, kind="hessian", wrt="x,y,z")
    expr = to_sympy(g)
    symbols = {s.name: s for s in expr.free_symbols}
    at = {symbols["x"]: sympy.Rational(3, 10), symbols["y"]: -1, symbols["z"]: 2}
    for i, a in enumerate("xyz"):
        for j, b in enumerate("xyz"):
            ref = sympy.N(sympy.diff(expr, symbols[a], symbols[b]).subs(at), 50)
            assert_encloses(h[i][j], mpmath.mpf(str(ref)))


def test_taylor_coefficients_of_exp_at_zero_are_one_over_k_factorial():
    c = certify("exp(x)", {"x": 0}, kind="taylor", wrt="x", order=12)
    assert all(e.contains(fractions.Fraction(1, math.factorial(k))) for k, e in enumerate(c))
    assert c[12].decimal(10) == "2.087675699e-09"  # 1/12! = 2.0876756987868...e-9


def test_integer_powers_of_negative_numbers_are_defined():
    assert certify("x**3", {"x": -2}, kind="diff", wrt="x", order=1).decimal() == \
        "12.0000000000000"
    assert certify("x**-2", {"x": -2}, kind="grad")[0].decimal() == "0.250000000000000"


def test_atan2_on_the_negative_axis_has_a_value_but_jumps():
    assert certify("atan2(y, x)", {"x": -1, "y": 0}).contains(math.pi) is False
    assert_encloses(certify("atan2(y, x)", {"x": -1, "y": 0}), mpmath.pi)
    with pytest.raises(DomainError, match=r"atan2\(0, -1\)"):
        certify("atan2(y, x)", {"x": -1, "y": 0}, kind="grad")


def test_relu_and_sign_beside_and_at_zero():
    assert certify("relu(x)", {"x": -1e-300}, kind="grad")[0].is_exact_zero
    assert certify("sign(x)", {"x": 1e-300}, kind="grad")[0].is_exact_zero
    with pytest.raises(NonDifferentiableError, match="relu at 0"):
        certify("relu(x)", {"x": 0}, kind="grad")
