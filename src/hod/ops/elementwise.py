"""The table's elementwise entries: arithmetic, elementary functions, piecewise functions and
comparisons.  Each entry is one :func:`~hod.engine.primitive.primitive` call: numpy forward,
partial derivatives in hod's own operations, SymPy/mpmath counterparts, Taylor rule, domain.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..engine._threads import elementwise as _par
from ..engine.primitive import MINUS_ONE, ONE, Scaled, _float, _shape, primitive
from ..engine.registry import TABLE
from ..engine.tensor import Tensor, as_value
from ..taylor_mode import rules as taylor_rules

_square = _par(np.square)


def _power_impl(x, y):
    if isinstance(y, (float, np.floating)) or (isinstance(y, np.ndarray) and y.ndim == 0):
        yv = float(y)
        if yv == 2.0:
            return _square(x)
        if yv == 1.0:
            return np.array(x, dtype=np.result_type(x, np.float64), copy=True)
        if yv == 0.5:
            return np.sqrt(x)
    return np.power(x, y)


def _power_dx(x, y, ans):
    yv = as_value(y)
    if not isinstance(y, Tensor) and np.ndim(yv) == 0:
        p = float(yv)
        if p == 2.0:
            return Scaled(2.0, x)
        if p == 1.0:
            return Tensor._wrap(np.ones(_shape(x)))
        if p == 0.0:
            return Tensor._wrap(np.zeros(_shape(x)))
        return Scaled(p, power(x, p - 1.0))
    return multiply(y, power(x, subtract(y, 1.0)))


def square(x):
    """x * x."""
    return multiply(x, x)


def _one_minus_square(x):
    """1 - x^2 as (1 - x)(1 + x): near x = +-1 the square's rounding is not magnified."""
    return multiply(subtract(1.0, x), add(1.0, x))


def _sech_squared(x):
    """1 / cosh(x)^2, the derivative of tanh, as products only: 1 - tanh(x)^2 cancels where
    tanh saturates (at x = 13 six digits are gone) and its derivatives cancel nowhere."""
    return square(divide(1.0, cosh(x)))


def _tanh_gaps(u):
    """(1 + tanh u, 1 - tanh u, -2 tanh u) without cancellation (between_asymptotes)."""
    return 2.0 * _sigmoid_impl(2.0 * u), 2.0 * _sigmoid_impl(-2.0 * u), -2.0 * np.tanh(u)


def _sigmoid_gaps(u):
    """(sigmoid u, 1 - sigmoid u, 1 - 2 sigmoid u) without cancellation."""
    return _sigmoid_impl(u), _sigmoid_impl(-u), -np.tanh(0.5 * u)


def _is_zero(x):
    return as_value(x) == 0


add = primitive(
    "add", _par(np.add), nargs=2, partials=(ONE, ONE), sym=lambda S, a, b: a + b,
    domain=((-3, 3), (-3, 3)), doc="a + b",
    ball="add",
    taylor=taylor_rules.add_rule)
subtract = primitive(
    "subtract", _par(np.subtract), nargs=2, partials=(ONE, MINUS_ONE), sym=lambda S, a, b: a - b,
    domain=((-3, 3), (-3, 3)), doc="a - b",
    ball="subtract",
    taylor=taylor_rules.subtract_rule)
multiply = primitive(
    "multiply", _par(np.multiply), nargs=2,
    partials=(lambda a, b, ans: b, lambda a, b, ans: a), sym=lambda S, a, b: a * b,
    domain=((-3, 3), (-3, 3)), doc="a * b",
    ball="multiply",
    taylor=taylor_rules.multiply_rule)
divide = primitive(
    "divide", _par(np.divide), nargs=2,
    partials=(lambda a, b, ans: divide(1.0, b), lambda a, b, ans: negative(divide(ans, b))),
    sym=lambda S, a, b: a / b, domain=((-3, 3), (0.5, 3)), doc="a / b",
    ball="divide",
    taylor=taylor_rules.divide_rule)
negative = primitive(
    "negative", _par(np.negative), partials=(MINUS_ONE,), sym=lambda S, x: -x,
    domain=((-3, 3),), doc="-x",
    ball="negative",
    taylor=taylor_rules.negative_rule)
power = primitive(
    "power", _power_impl, nargs=2,
    partials=(_power_dx, lambda x, y, ans: multiply(log(x), ans)),
    sym=lambda S, x, y: x ** y, domain=((0.5, 3), (-2.5, 2.5)), doc="x ** y",
    ball="power",
    taylor=taylor_rules.power_rule)
exp = primitive(
    "exp", _par(np.exp), partials=(lambda x, ans: ans,), sym=lambda S, x: S.exp(x),
    domain=((-3, 3),), doc="e ** x",
    ball="exp",
    taylor=taylor_rules.exp_rule)
expm1 = primitive(
    "expm1", _par(np.expm1), partials=(lambda x, ans: exp(x),),
    sym=lambda S, x: S.exp(x) - 1, mp=lambda M, x: M.expm1(x), domain=((-3, 3),),
    doc="exp(x) - 1, accurate near 0",
    ball="expm1",
    taylor=taylor_rules.expm1_rule)
log = primitive(
    "log", _par(np.log), partials=(lambda x, ans: divide(1.0, x),), sym=lambda S, x: S.log(x),
    domain=((0.2, 5),), doc="natural logarithm",
    ball="log",
    taylor=taylor_rules.log_rule)
log1p = primitive(
    "log1p", _par(np.log1p), partials=(lambda x, ans: divide(1.0, add(x, 1.0)),),
    sym=lambda S, x: S.log(1 + x), mp=lambda M, x: M.log1p(x), domain=((-0.8, 3),),
    doc="log(1 + x), accurate near 0",
    ball="log1p",
    taylor=taylor_rules.from_derivative)
sqrt = primitive(
    "sqrt", _par(np.sqrt), partials=(lambda x, ans: divide(0.5, ans),), sym=lambda S, x: S.sqrt(x),
    domain=((0.2, 5),), doc="square root",
    ball="sqrt",
    taylor=taylor_rules.sqrt_rule)
sin = primitive(
    "sin", _par(np.sin), partials=(lambda x, ans: cos(x),), sym=lambda S, x: S.sin(x),
    domain=((-3, 3),),
    ball="sin",
    taylor=taylor_rules.sin_rule)
cos = primitive(
    "cos", _par(np.cos), partials=(lambda x, ans: Scaled(-1.0, sin(x)),), sym=lambda S, x: S.cos(x),
    domain=((-3, 3),),
    ball="cos",
    taylor=taylor_rules.cos_rule)
tan = primitive(
    "tan", _par(np.tan), partials=(lambda x, ans: add(1.0, square(ans)),),
    sym=lambda S, x: S.tan(x), domain=((-1.2, 1.2),),
    ball="tan",
    taylor=taylor_rules.output_polynomial(1.0, 0.0, 1.0))
asin = primitive(
    "asin", _par(np.arcsin), partials=(lambda x, ans: divide(1.0, sqrt(_one_minus_square(x))),),
    sym=lambda S, x: S.asin(x), domain=((-0.9, 0.9),),
    ball="asin",
    taylor=taylor_rules.from_derivative)
acos = primitive(
    "acos", _par(np.arccos),
    partials=(lambda x, ans: divide(-1.0, sqrt(_one_minus_square(x))),),
    sym=lambda S, x: S.acos(x), domain=((-0.9, 0.9),),
    ball="acos",
    taylor=taylor_rules.from_derivative)
atan = primitive(
    "atan", _par(np.arctan), partials=(lambda x, ans: divide(1.0, add(1.0, square(x))),),
    sym=lambda S, x: S.atan(x), domain=((-3, 3),),
    ball="atan",
    taylor=taylor_rules.from_derivative)
atan2 = primitive(
    "atan2", _par(np.arctan2), nargs=2,
    partials=(lambda y, x, ans: divide(x, add(square(x), square(y))),
              lambda y, x, ans: divide(negative(y), add(square(x), square(y)))),
    sym=lambda S, y, x: S.atan2(y, x), domain=((0.3, 3), (0.3, 3)),
    doc="atan2(y, x): the angle of the point (x, y)",
    ball="atan2",
    taylor=taylor_rules.from_derivative)
sinh = primitive(
    "sinh", _par(np.sinh), partials=(lambda x, ans: cosh(x),), sym=lambda S, x: S.sinh(x),
    domain=((-3, 3),),
    ball="sinh",
    taylor=taylor_rules.sinh_rule)
cosh = primitive(
    "cosh", _par(np.cosh), partials=(lambda x, ans: sinh(x),), sym=lambda S, x: S.cosh(x),
    domain=((-3, 3),),
    ball="cosh",
    taylor=taylor_rules.cosh_rule)
tanh = primitive(
    "tanh", _par(np.tanh), partials=(lambda x, ans: _sech_squared(x),),
    sym=lambda S, x: S.tanh(x), domain=((-3, 3),),
    ball="tanh",
    taylor=taylor_rules.between_asymptotes(-1.0, 1.0, lambda u: _tanh_gaps(u)))
asinh = primitive(
    "asinh", _par(np.arcsinh), partials=(lambda x, ans: divide(1.0, sqrt(add(square(x), 1.0))),),
    sym=lambda S, x: S.asinh(x), domain=((-3, 3),),
    ball="asinh",
    taylor=taylor_rules.from_derivative)
acosh = primitive(
    "acosh", _par(np.arccosh),
    partials=(lambda x, ans: divide(1.0, sqrt(multiply(subtract(x, 1.0), add(x, 1.0)))),),
    sym=lambda S, x: S.acosh(x), domain=((1.2, 4),),
    ball="acosh",
    taylor=taylor_rules.from_derivative)
atanh = primitive(
    "atanh", _par(np.arctanh), partials=(lambda x, ans: divide(1.0, _one_minus_square(x)),),
    sym=lambda S, x: S.atanh(x), domain=((-0.9, 0.9),),
    ball="atanh",
    taylor=taylor_rules.from_derivative)


def _sigmoid_impl(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]


sigmoid = primitive(
    # 1 / (4 cosh(x/2)^2), not s * (1 - s): 1 - s rounds to 0 for x > 37, and the derivative
    # of s(x) * s(-x) cancels near 0; products of sech and sinh cancel nowhere
    "sigmoid", _sigmoid_impl,
    partials=(lambda x, ans: Scaled(0.25, _sech_squared(multiply(0.5, x))),),
    sym=lambda S, x: 1 / (1 + S.exp(-x)), domain=((-4, 4),),
    doc="1 / (1 + exp(-x)), computed without overflow",
    ball="sigmoid",
    taylor=taylor_rules.between_asymptotes(0.0, 1.0, lambda u: _sigmoid_gaps(u)))
softplus = primitive(
    "softplus", lambda x: np.logaddexp(0.0, x), partials=(lambda x, ans: sigmoid(x),),
    sym=lambda S, x: S.log(1 + S.exp(x)), domain=((-4, 4),),
    doc="log(1 + exp(x)), computed without overflow",
    ball="softplus",
    taylor=taylor_rules.from_derivative)
abs = primitive(
    "abs", _par(np.abs), partials=(lambda x, ans: sign(x),), sym=lambda S, x: S.Abs(x),
    mp=lambda M, x: M.fabs(x), domain=((0.2, 3),), kink=_is_zero,
    convention="abs'(0) = 0", doc="|x|",
    ball="abs",
    taylor=taylor_rules.abs_rule)
sign = primitive(
    "sign", _par(np.sign), partials=(lambda x, ans: Tensor._wrap(np.zeros(_shape(x))),),
    sym=lambda S, x: S.sign(x), domain=((0.2, 3),), kink=_is_zero,
    convention="sign'(0) = 0 (sign jumps at 0)", doc="-1, 0 or 1",
    ball="sign",
    taylor=taylor_rules.sign_rule)
relu = primitive(
    "relu", lambda x: np.maximum(x, 0.0), partials=(lambda x, ans: _float(greater(x, 0.0)),),
    sym=lambda S, x: S.Max(x, 0), mp=lambda M, x: builtins.max(x, 0), domain=((0.2, 3),),
    kink=_is_zero, convention="relu'(0) = 0", doc="max(x, 0)",
    ball="relu",
    taylor=taylor_rules.relu_rule)
def _piece_partials(name):
    """Partials of a two-piece primitive: 1 on the piece its ``first_piece`` test picks."""
    def first(a, b, ans):
        return _float(TABLE[name].first_piece(as_value(a), as_value(b)))

    def second(a, b, ans):
        return _float(~TABLE[name].first_piece(as_value(a), as_value(b)))

    return first, second


maximum = primitive(
    "maximum", _par(np.maximum), nargs=2, partials=_piece_partials("maximum"),
    first_piece=np.greater_equal,
    sym=lambda S, a, b: S.Max(a, b), mp=lambda M, a, b: builtins.max(a, b),
    domain=((0.5, 1.5), (2, 3)), kink=lambda a, b: as_value(a) == as_value(b),
    convention="at a tie the derivative goes to the first argument",
    doc="the larger of a and b, elementwise",
    ball="maximum",
    taylor=taylor_rules.maximum_rule)
minimum = primitive(
    "minimum", _par(np.minimum), nargs=2, partials=_piece_partials("minimum"),
    first_piece=np.less_equal,
    sym=lambda S, a, b: S.Min(a, b), mp=lambda M, a, b: builtins.min(a, b),
    domain=((0.5, 1.5), (2, 3)), kink=lambda a, b: as_value(a) == as_value(b),
    convention="at a tie the derivative goes to the first argument",
    doc="the smaller of a and b, elementwise",
    ball="minimum",
    taylor=taylor_rules.minimum_rule)


def _where_impl(cond, x, y):
    return np.where(cond, x, y)


_where = primitive(
    "where", _where_impl, nargs=3,
    partials=(None, lambda c, x, y, ans: _float(c), lambda c, x, y, ans: _float(not_equal(c, 1))),
    sym=lambda S, c, x, y: S.Piecewise((x, c), (y, True)),
    mp=lambda M, c, x, y: x if c else y, domain=(None, (-3, 3), (-3, 3)), scalar=False,
    doc="x where cond holds, else y",
    ball="where",
    taylor=taylor_rules.where_rule)


def where(condition, x, y):
    """Elementwise choice: ``x`` where ``condition`` is true, else ``y`` (gradients follow)."""
    c = as_value(condition) if isinstance(condition, Tensor) else np.asarray(condition)
    return _where(np.asarray(c, dtype=bool), x, y)


# --- comparisons: values without gradient ------------------------------------------------

def _comparison(name, fn):
    return primitive(name, lambda a, b: fn(a, b), nargs=2, differentiable=False, scalar=False,
                     partials=(None, None), sym=lambda S, a, b: fn(a, b),
                     domain=((-3, 3), (-3, 3)), doc=f"elementwise {name} (no gradient)",
                     ball=name,
                     taylor=taylor_rules.constant_rule)


less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)
