"""The primitives' ball counterparts: the functions the table's entries name as ``ball=``.

Calling convention
------------------
An elementwise entry's counterpart is called as ``ball(*args)``, each argument one scalar:

* an ``arb`` (a constant: a ball that does not depend on the series variable ``t``), or
* an ``arb_series``: the truncated power series of the argument in ``t``, coefficients
  normalised (the k-th is the k-th derivative over k!), every series of one propagation of
  the same length (Arb's series ``cap``, set by :func:`hod.ball.numbers.working`, with the
  precision);

(plain bools for the condition of ``where``) and returns one such value: an ``arb`` when the
result does not depend on ``t``, else an ``arb_series`` of that length.  Every coefficient
must provably contain the true one.  Structural entries name :data:`generic`: their numpy
``impl`` runs on object arrays of those values.  The dispatcher (:mod:`hod.ball.rules`)
converts numbers, loops over arrays and checks that results are finite.

Where an argument's enclosure leaves the primitive's domain or sits on a kink, a counterpart
raises :class:`OutsideDomain` or :class:`AtKink`, ``definite`` when no precision can change the
answer (the enclosure is exact, or lies wholly outside), else the caller retries with more
bits.  A counterpart never guesses a piece.

Where python-flint has no series function, the counterpart composes rigorous ones: sinh and
cosh by the addition theorem from exp of the non-constant part, and the inverse functions
(asinh, acosh, atanh, log1p, softplus, atan2) as ``f(u0) + integral(f'(u) u')``, whose
constant term is the function's own accurate value at ``u0``.
"""

from __future__ import annotations

from .numbers import flint


class BallFailure(Exception):
    """A counterpart could not give an enclosure.  ``definite``: more precision cannot help.
    ``values`` (set by the dispatcher): the scalar arguments it was called with."""

    what = "failure"

    def __init__(self, definite, reason=""):
        super().__init__(reason)
        self.definite = bool(definite)
        self.reason = reason
        self.values = ()


class OutsideDomain(BallFailure):
    """The argument's enclosure touches or leaves the primitive's domain."""

    what = "domain"


class AtKink(BallFailure):
    """The argument's enclosure contains a kink (or a tie) of a piecewise primitive."""

    what = "kink"


class Undecided(BallFailure):
    """A comparison whose operands' enclosures overlap."""

    what = "comparison"


class _Generic:
    """The counterpart of a structural entry: its generic numpy ``impl`` on object arrays."""

    def __repr__(self):
        return "hod.ball.counterparts.generic"


generic = _Generic()


# --- helpers ---------------------------------------------------------------------------------

def is_series(x):
    return hasattr(x, "coeffs")


def c0(x):
    """The constant term (the value at the expansion point)."""
    return x[0] if is_series(x) else x


def _d(x):
    """The derivative in t: a series one shorter, or 0 for a constant."""
    return x.derivative() if is_series(x) else 0


def _with_constant(s, c):
    """The series ``s`` with its constant term replaced by the ball ``c``."""
    coeffs = s.coeffs() or [0]
    coeffs[0] = c
    return flint().arb_series(coeffs, prec=s.prec)


def _shift(x):
    """``x - x0`` with an exactly zero constant term."""
    return _with_constant(x, 0)


def _from_derivative(value_at_u0, integrand):
    """``f(u0) + integral of integrand``: the series of f(u) from that of f'(u) u'."""
    return _with_constant(integrand.integral(), value_at_u0)


def _positive(x0, strict=True):
    """Require x0 > 0 (x0 >= 0 when not ``strict``)."""
    if (x0 > 0) if strict else (x0 >= 0):
        return
    raise OutsideDomain((x0 <= 0) if strict else (x0 < 0))


def _nonzero(x0):
    if x0 != 0:
        return
    raise OutsideDomain(x0 == 0)


def _inside(x0, lo, hi, strict=True):
    """Require lo < x0 < hi (lo <= x0 <= hi when not ``strict``)."""
    if strict:
        if x0 > lo and x0 < hi:
            return
        raise OutsideDomain(x0 <= lo or x0 >= hi)
    if x0 >= lo and x0 <= hi:
        return
    raise OutsideDomain(x0 < lo or x0 > hi)


def _side(x0):
    """+1 or -1: the side of 0 the enclosure lies on; a kink if it contains 0."""
    if x0 > 0:
        return 1
    if x0 < 0:
        return -1
    raise AtKink(x0 == 0)


def _integer(y):
    """The exact integer value of the ball ``y``, or None."""
    if y.is_exact() and y.is_integer():
        return int(y.unique_fmpz())
    return None


# --- arithmetic --------------------------------------------------------------------------------

def add(a, b):
    return a + b


def subtract(a, b):
    return a - b


def multiply(a, b):
    return a * b


def negative(x):
    return -x


def divide(a, b):
    _nonzero(c0(b))
    return a / b


def power(x, y):
    if not is_series(y):
        n = _integer(y)
        if n is not None:  # x ** n is a polynomial or a rational function: any sign of x
            if n < 0:
                _nonzero(c0(x))
            return x ** n
        if is_series(x):
            _positive(x[0])  # at 0 the derivatives of x ** y are not defined
            return x ** y
        if y > 0:
            _positive(x, strict=False)
            return flint().arb(0) if x == 0 else x ** y
        _positive(x)
        return x ** y
    _positive(c0(x))
    return (y * x.log()).exp()


# --- exponentials and logarithms -------------------------------------------------------------

def exp(x):
    return x.exp()


def expm1(x):
    if not is_series(x):
        return x.expm1()
    return _with_constant(x.exp(), x[0].expm1())


def log(x):
    _positive(c0(x))
    return x.log()


def log1p(x):
    x0 = c0(x)
    _positive(x0 + 1)
    if not is_series(x):
        return x.log1p()
    return _from_derivative(x0.log1p(), x.derivative() / (x + 1))


def sqrt(x):
    # the value is defined at 0; its derivatives are not
    _positive(c0(x), strict=is_series(x))
    return x.sqrt()


# --- trigonometric functions and their inverses ---------------------------------------------

def sin(x):
    return x.sin()


def cos(x):
    return x.cos()


def tan(x):
    return x.tan()  # at a pole the result is not finite, which the dispatcher reports


def asin(x):
    _inside(c0(x), -1, 1, strict=is_series(x))
    return x.asin()


def acos(x):
    _inside(c0(x), -1, 1, strict=is_series(x))
    return x.acos()


def atan(x):
    return x.atan()


def atan2(y, x):
    arb = flint().arb
    y0, x0 = c0(y), c0(x)
    if not (x0 > 0 or y0 != 0):
        if not is_series(y) and y0 == 0 and x0 < 0:
            return arb.pi()  # on the negative axis, y fixed at 0: constant pi
        raise OutsideDomain(y0 == 0 and x0 <= 0)
    value = arb.atan2(y0, x0)
    if not (is_series(x) or is_series(y)):
        return value
    return _from_derivative(value, (x * _d(y) - y * _d(x)) / (x * x + y * y))


# --- hyperbolic functions and their inverses ------------------------------------------------

def _sinh_cosh(x):
    """sinh and cosh of x, by the addition theorem around x0: no cancellation at small x0."""
    s0, ch0 = c0(x).sinh_cosh()
    if not is_series(x):
        return s0, ch0
    h = _shift(x)
    e, ei = h.exp(), (-h).exp()
    ch, sh = (e + ei) * 0.5, (e - ei) * 0.5
    return s0 * ch + ch0 * sh, ch0 * ch + s0 * sh


def sinh(x):
    return _sinh_cosh(x)[0]


def cosh(x):
    return _sinh_cosh(x)[1]


def tanh(x):
    if not is_series(x):
        return x.tanh()
    s, c = _sinh_cosh(x)
    return s / c


def asinh(x):
    if not is_series(x):
        return x.asinh()
    return _from_derivative(x[0].asinh(), x.derivative() * (x * x + 1).rsqrt())


def acosh(x):
    x0 = c0(x)
    if is_series(x):
        _positive(x0 - 1)
        return _from_derivative(x0.acosh(), x.derivative() * ((x - 1) * (x + 1)).rsqrt())
    _positive(x0 - 1, strict=False)
    return x.acosh()


def atanh(x):
    x0 = c0(x)
    _inside(x0, -1, 1)
    if not is_series(x):
        return x.atanh()
    return _from_derivative(x0.atanh(), x.derivative() / ((1 - x) * (x + 1)))


def sigmoid(x):
    # 1 / (1 + exp(-x)): balls do not overflow, and every term is positive
    return 1 / ((-x).exp() + 1)


def softplus(x):
    x0 = c0(x)
    value = x0.exp().log1p()
    if not is_series(x):
        return value
    return _from_derivative(value, x.derivative() * sigmoid(x))


# --- piecewise functions: the piece holds on the whole enclosure, or no answer --------------

def abs(x):
    if not is_series(x):
        return x.__abs__()
    return x if _side(x[0]) > 0 else -x


def sign(x):
    arb = flint().arb
    x0 = c0(x)
    if not is_series(x) and x0 == 0:
        return arb(0)
    return arb(_side(x0))


def relu(x):
    if not is_series(x):
        return x.max(0)
    return x if _side(x[0]) > 0 else flint().arb(0)


def _tie(a0, b0):
    """+1 if a0 > b0, -1 if a0 < b0; a kink if the enclosures overlap (a possible tie)."""
    if a0 > b0:
        return 1
    if a0 < b0:
        return -1
    raise AtKink(a0 == b0)


def maximum(a, b):
    if not (is_series(a) or is_series(b)):
        return a.max(b)
    return a if _tie(c0(a), c0(b)) > 0 else b


def minimum(a, b):
    if not (is_series(a) or is_series(b)):
        return a.min(b)
    return a if _tie(c0(a), c0(b)) < 0 else b


def where(condition, x, y):
    return x if condition else y


# --- comparisons: constants, decided on the enclosures of the values ------------------------

def _comparison(test, negation):
    def compare(a, b):
        a0, b0 = c0(a), c0(b)
        if test(a0, b0):
            return True
        if negation(a0, b0):
            return False
        raise Undecided(False)
    return compare


less = _comparison(lambda a, b: a < b, lambda a, b: a >= b)
less_equal = _comparison(lambda a, b: a <= b, lambda a, b: a > b)
greater = _comparison(lambda a, b: a > b, lambda a, b: a <= b)
greater_equal = _comparison(lambda a, b: a >= b, lambda a, b: a < b)
equal = _comparison(lambda a, b: a == b, lambda a, b: a != b)
not_equal = _comparison(lambda a, b: a != b, lambda a, b: a == b)
