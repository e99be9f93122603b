"""The primitive table: one entry per primitive, and hod's public operations.

Each :class:`Primitive` declares, in one place:

* ``impl``: the numpy forward;
* its derivative: for elementwise primitives the partial derivatives, written in hod's own
  operations (so that a tape recording the gradient computation can differentiate it again);
  from them both the reverse rule (VJP) and the forward rule (JVP) follow.  Structural
  (linear) primitives give their JVP and VJP directly, each a few hod operations;
* ``sym``: the counterpart on scalars of another backend, called as ``sym(S, *args)`` with
  ``S`` the ``sympy`` module (and, unless ``mp`` overrides it, the ``mpmath`` module);
  structural primitives are generic: their numpy ``impl`` also runs on object arrays;
* ``taylor``: the rule on truncated Taylor series (see :mod:`hod.taylor`);
* ``domain``: where tests sample each argument; ``kink`` and ``convention``: where the
  primitive is not differentiable and which one-sided value hod uses there.

Cotangents and tangents may carry extra leading batch axes (``nb`` below); every rule keeps
them in front, so one backward pass can carry many cotangents (``jacobian``).
Derived operations (``square``, ``mean``, ``norm``, ``clip_by_norm``, ...) are plain functions
of primitives at the bottom of this module.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from . import taylor as taylor_rules
from .graph import Expr
from .graph import call as graph_call
from ._threads import elementwise as _par
from .tape import apply
from .tensor import Tensor, as_value

# Markers for constant partial derivatives, which need no multiplication.
ONE = "one"
MINUS_ONE = "minus_one"


class Primitive:
    """One primitive operation and all of its rules."""

    def __init__(self, name, impl, *, nargs=1, partials=None, jvp=None, vjp=None, sym=None,
                 mp=None, generic=False, taylor=None, domain=None, kink=None, convention=None,
                 differentiable=True, scalar=True, doc=""):
        self.name = name
        self.impl = impl
        self.nargs = nargs
        self.partials = partials
        self._jvp = jvp
        self._vjp = vjp
        self.sym = sym
        self.mp = mp if mp is not None else sym
        self.generic = generic
        self.taylor = taylor
        self.domain = domain
        self.kink = kink
        self.convention = convention
        self.differentiable = differentiable
        self.scalar = scalar  # usable in the expression language (scalar in, scalar out)
        self.doc = doc

    @property
    def elementwise(self):
        return self.partials is not None

    def __call__(self, *args, **params):
        for a in args:
            if type(a) is Expr:  # building a graph, not computing
                return graph_call(self, args, params)
        return apply(self, args, params)

    def __repr__(self):
        return f"<hod primitive {self.name}>"

    # --- reverse mode ---------------------------------------------------------------------
    # A cotangent may arrive as Negated(t), standing for -t: subtract's rule defers its sign
    # instead of negating a (possibly batched) cotangent.  Elementwise rules fold the sign into
    # their partial, which has no batch axes; linear structural rules pass it through.
    defers_sign = True

    def vjp(self, i, g, node, g_is_seed=False):
        """The cotangent of input ``i`` given the output's cotangent ``g`` (a tensor or
        :class:`Negated`)."""
        neg = type(g) is Negated
        if neg:
            g = g.t
        if self._vjp is not None:
            r = self._vjp(i, g, node)
            return Negated(r) if neg and r is not None else r
        p = self.partials[i]
        if p is None:
            return None
        x_shape = node.inputs[i]._value.shape
        out_shape = node.output._value.shape
        if p is ONE:
            r = g
        elif p is MINUS_ONE:
            r, neg = g, not neg
        else:
            d = p(*node.inputs, node.output)
            if type(d) is Scaled:
                scale, d = (-d.s if neg else d.s), d.t
                neg = False
                if g_is_seed and d._value.shape == out_shape:
                    r = multiply(scale, d)
                elif g._value.ndim == len(out_shape):
                    # Scale the cotangent first: when g is a constant of an outer tape (as in
                    # a Hessian), only the product with d is recorded, one operation fewer
                    # for the outer backward pass, which carries a whole batch of rows.
                    r = multiply(multiply(g, scale), d)
                else:
                    r = multiply(g, multiply(scale, d))
            else:
                if neg:
                    d = negative(d) if isinstance(d, Tensor) else -as_value(d)
                    neg = False
                if g_is_seed and np.shape(as_value(d)) == out_shape:
                    # The seed is all ones: skip the multiplication.
                    r = d if isinstance(d, Tensor) else Tensor._wrap(np.array(d, np.float64))
                else:
                    r = multiply(g, d)
        if r._value.shape != x_shape:
            r = _sum_to(r, x_shape, len(out_shape))
        return Negated(r) if neg else r

    # --- forward mode ---------------------------------------------------------------------
    def jvp(self, tangents, node):
        """The output's tangent given the inputs' tangents (None where an input has none)."""
        if self._jvp is not None:
            return self._jvp(tangents, node)
        out_shape = np.shape(node.output._value)
        out_ndim = len(out_shape)
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            p = self.partials[i]
            if p is None:
                continue
            in_ndim = np.ndim(as_value(node.inputs[i]))
            lead = _shape(t)[:_nb(t, in_ndim)]
            t = _expand_tangent(t, in_ndim, out_ndim)
            if p is ONE:
                term = t
            elif p is MINUS_ONE:
                term = negative(t)
            else:
                term = multiply(t, partial_value(p(*node.inputs, node.output)))
            total = term if total is None else add(total, term)
        if total is not None and _shape(total) != lead + out_shape:
            # a tangent of an input that was broadcast (x + y with x smaller) has the shape of
            # that input: give it the output's shape
            total = broadcast_to(total, lead + out_shape)
        return total


class Scaled:
    """A partial derivative given as a constant times a tensor, ``s * t`` (``power``: p·x^(p-1),
    ``cos``: -1·sin x), so that the reverse rule can choose where the constant goes."""

    __slots__ = ("s", "t")

    def __init__(self, s, t):
        self.s = float(s)
        self.t = t


def partial_value(d):
    """A partial derivative as a value: :class:`Scaled` becomes the product."""
    return multiply(d.s, d.t) if type(d) is Scaled else d


class Negated:
    """A cotangent with a pending sign: stands for ``-t`` (see :meth:`Primitive.vjp`)."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


class Scattered:
    """A cotangent that is zero except at ``index``: getitem's reverse rule defers its
    scatter, so that when nothing records the backward pass several of them add into one
    buffer instead of each zeroing a full array."""

    __slots__ = ("g", "index", "shape", "nb")

    def __init__(self, g, index, shape, nb):
        self.g, self.index, self.shape, self.nb = g, index, shape, nb


class Buffer:
    """A fresh array owned by one backward pass, which later cotangents are added into."""

    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a


def materialize(g):
    """A cotangent as a tensor (deferred forms become the operations they stand for)."""
    t = type(g)
    if t is Negated:
        return negative(materialize(g.t))
    if t is Scattered:
        return _scatter_p(materialize(g.g), index=g.index, shape=g.shape, nb=g.nb)
    if t is Buffer:
        return Tensor._wrap(g.a)
    return g


def _add_into(buf, g, sign=1.0):
    """buf += sign * g in place, for a cotangent ``g`` in any form."""
    t = type(g)
    if t is Negated:
        return _add_into(buf, g.t, -sign)
    if t is Scattered:
        v = materialize(g.g)._value
        full = (slice(None),) * g.nb + g.index
        if _advanced(g.index):
            np.add.at(buf, full, v if sign > 0 else -v)
        elif sign > 0:
            buf[full] += v
        else:
            buf[full] -= v
        return
    v = g.a if t is Buffer else g._value
    if sign > 0:
        np.add(buf, v, out=buf)
    else:
        np.subtract(buf, v, out=buf)


def accumulate(prev, g, in_place=False):
    """``prev + g`` for cotangents in any form.  A sign costs no operation; with ``in_place``
    (nothing records the backward pass) scattered cotangents add into one owned buffer."""
    if prev is None:
        return g
    if in_place and (type(prev) in (Scattered, Buffer) or type(g) in (Scattered, Buffer)):
        if type(prev) is not Buffer:
            if type(g) is Buffer:
                prev, g = g, prev
            else:
                first = prev if type(prev) is Scattered else g
                other = g if first is prev else prev
                v = materialize(first.g)._value
                prev = Buffer(_scatter_impl(v, first.index, first.shape, first.nb))
                g = other
        _add_into(prev.a, g)
        return prev
    if type(prev) in (Scattered, Buffer):
        prev = materialize(prev)
    if type(g) in (Scattered, Buffer):
        g = materialize(g)
    pn, gn = type(prev) is Negated, type(g) is Negated
    if pn and gn:
        return Negated(add(materialize(prev.t), materialize(g.t)))
    if pn:
        return subtract(g, materialize(prev.t))
    if gn:
        return subtract(prev, materialize(g.t))
    return add(prev, g)


TABLE: dict[str, Primitive] = {}


def primitive(name, impl, **kw):
    prim = Primitive(name, impl, **kw)
    if name in TABLE:
        raise ValueError(f"primitive {name} declared twice")
    TABLE[name] = prim
    return prim


# --- batch helpers used by the rules -------------------------------------------------------

def _sum_to(g, shape, out_ndim):
    """Sum a cotangent of shape batch + broadcast(out) back to batch + ``shape``."""
    gshape = np.shape(as_value(g))
    nb = len(gshape) - out_ndim
    lead = out_ndim - len(shape)
    axes = tuple(range(nb, nb + lead)) + tuple(
        nb + lead + k for k, d in enumerate(shape) if d == 1 and gshape[nb + lead + k] != 1)
    if not axes:
        return g
    r = sum(g, axis=axes, keepdims=True)
    return reshape(r, gshape[:nb] + tuple(shape))


def _expand_tangent(t, in_ndim, out_ndim):
    """Give a batched tangent of an input the rank of the output, so broadcasting lines up."""
    tshape = np.shape(as_value(t))
    nb = len(tshape) - in_ndim
    if nb == 0 or in_ndim == out_ndim:
        return t
    return reshape(t, tshape[:nb] + (1,) * (out_ndim - in_ndim) + tshape[nb:])


def _nb(t, ndim):
    return np.ndim(as_value(t)) - ndim


def _shape(x):
    return np.shape(as_value(x))


def _float(mask):
    return Tensor._wrap(np.asarray(as_value(mask), dtype=np.float64))


def convert(x):
    """``x`` as a tensor (tensors are returned unchanged)."""
    return x if isinstance(x, Tensor) else Tensor(x)


# =========================================================================================
# Elementwise primitives
# =========================================================================================

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


def _is_zero(x):
    return as_value(x) == 0


add = primitive(
    "add", _par(np.add), nargs=2, partials=(ONE, ONE), sym=lambda S, a, b: a + b,
    domain=((-3, 3), (-3, 3)), doc="a + b",
    taylor=taylor_rules.add_rule)
subtract = primitive(
    "subtract", _par(np.subtract), nargs=2, partials=(ONE, MINUS_ONE), sym=lambda S, a, b: a - b,
    domain=((-3, 3), (-3, 3)), doc="a - b",
    taylor=taylor_rules.subtract_rule)
multiply = primitive(
    "multiply", _par(np.multiply), nargs=2,
    partials=(lambda a, b, ans: b, lambda a, b, ans: a), sym=lambda S, a, b: a * b,
    domain=((-3, 3), (-3, 3)), doc="a * b",
    taylor=taylor_rules.multiply_rule)
divide = primitive(
    "divide", _par(np.divide), nargs=2,
    partials=(lambda a, b, ans: divide(1.0, b), lambda a, b, ans: negative(divide(ans, b))),
    sym=lambda S, a, b: a / b, domain=((-3, 3), (0.5, 3)), doc="a / b",
    taylor=taylor_rules.divide_rule)
negative = primitive(
    "negative", _par(np.negative), partials=(MINUS_ONE,), sym=lambda S, x: -x,
    domain=((-3, 3),), doc="-x",
    taylor=taylor_rules.negative_rule)
power = primitive(
    "power", _power_impl, nargs=2,
    partials=(_power_dx, lambda x, y, ans: multiply(log(x), ans)),
    sym=lambda S, x, y: x ** y, domain=((0.5, 3), (-2.5, 2.5)), doc="x ** y",
    taylor=taylor_rules.power_rule)
exp = primitive(
    "exp", _par(np.exp), partials=(lambda x, ans: ans,), sym=lambda S, x: S.exp(x),
    domain=((-3, 3),), doc="e ** x",
    taylor=taylor_rules.exp_rule)
expm1 = primitive(
    "expm1", _par(np.expm1), partials=(lambda x, ans: add(ans, 1.0),),
    sym=lambda S, x: S.exp(x) - 1, mp=lambda M, x: M.expm1(x), domain=((-3, 3),),
    doc="exp(x) - 1, accurate near 0",
    taylor=taylor_rules.output_polynomial(1.0, 1.0))
log = primitive(
    "log", _par(np.log), partials=(lambda x, ans: divide(1.0, x),), sym=lambda S, x: S.log(x),
    domain=((0.2, 5),), doc="natural logarithm",
    taylor=taylor_rules.log_rule)
log1p = primitive(
    "log1p", _par(np.log1p), partials=(lambda x, ans: divide(1.0, add(x, 1.0)),),
    sym=lambda S, x: S.log(1 + x), mp=lambda M, x: M.log1p(x), domain=((-0.8, 3),),
    doc="log(1 + x), accurate near 0",
    taylor=taylor_rules.from_derivative)
sqrt = primitive(
    "sqrt", _par(np.sqrt), partials=(lambda x, ans: divide(0.5, ans),), sym=lambda S, x: S.sqrt(x),
    domain=((0.2, 5),), doc="square root",
    taylor=taylor_rules.sqrt_rule)
sin = primitive(
    "sin", _par(np.sin), partials=(lambda x, ans: cos(x),), sym=lambda S, x: S.sin(x),
    domain=((-3, 3),),
    taylor=taylor_rules.sin_rule)
cos = primitive(
    "cos", _par(np.cos), partials=(lambda x, ans: Scaled(-1.0, sin(x)),), sym=lambda S, x: S.cos(x),
    domain=((-3, 3),),
    taylor=taylor_rules.cos_rule)
tan = primitive(
    "tan", _par(np.tan), partials=(lambda x, ans: add(1.0, square(ans)),),
    sym=lambda S, x: S.tan(x), domain=((-1.2, 1.2),),
    taylor=taylor_rules.output_polynomial(1.0, 0.0, 1.0))
asin = primitive(
    "asin", _par(np.arcsin), partials=(lambda x, ans: divide(1.0, sqrt(subtract(1.0, square(x)))),),
    sym=lambda S, x: S.asin(x), domain=((-0.9, 0.9),),
    taylor=taylor_rules.from_derivative)
acos = primitive(
    "acos", _par(np.arccos),
    partials=(lambda x, ans: divide(-1.0, sqrt(subtract(1.0, square(x)))),),
    sym=lambda S, x: S.acos(x), domain=((-0.9, 0.9),),
    taylor=taylor_rules.from_derivative)
atan = primitive(
    "atan", _par(np.arctan), partials=(lambda x, ans: divide(1.0, add(1.0, square(x))),),
    sym=lambda S, x: S.atan(x), domain=((-3, 3),),
    taylor=taylor_rules.from_derivative)
atan2 = primitive(
    "atan2", _par(np.arctan2), nargs=2,
    partials=(lambda y, x, ans: divide(x, add(square(x), square(y))),
              lambda y, x, ans: divide(negative(y), add(square(x), square(y)))),
    sym=lambda S, y, x: S.atan2(y, x), domain=((0.3, 3), (0.3, 3)),
    doc="atan2(y, x): the angle of the point (x, y)",
    taylor=taylor_rules.from_derivative)
sinh = primitive(
    "sinh", _par(np.sinh), partials=(lambda x, ans: cosh(x),), sym=lambda S, x: S.sinh(x),
    domain=((-3, 3),),
    taylor=taylor_rules.sinh_rule)
cosh = primitive(
    "cosh", _par(np.cosh), partials=(lambda x, ans: sinh(x),), sym=lambda S, x: S.cosh(x),
    domain=((-3, 3),),
    taylor=taylor_rules.cosh_rule)
tanh = primitive(
    "tanh", _par(np.tanh), partials=(lambda x, ans: subtract(1.0, square(ans)),),
    sym=lambda S, x: S.tanh(x), domain=((-3, 3),),
    taylor=taylor_rules.output_polynomial(1.0, 0.0, -1.0))
asinh = primitive(
    "asinh", _par(np.arcsinh), partials=(lambda x, ans: divide(1.0, sqrt(add(square(x), 1.0))),),
    sym=lambda S, x: S.asinh(x), domain=((-3, 3),),
    taylor=taylor_rules.from_derivative)
acosh = primitive(
    "acosh", _par(np.arccosh),
    partials=(lambda x, ans: divide(1.0, sqrt(subtract(square(x), 1.0))),),
    sym=lambda S, x: S.acosh(x), domain=((1.2, 4),),
    taylor=taylor_rules.from_derivative)
atanh = primitive(
    "atanh", _par(np.arctanh), partials=(lambda x, ans: divide(1.0, subtract(1.0, square(x))),),
    sym=lambda S, x: S.atanh(x), domain=((-0.9, 0.9),),
    taylor=taylor_rules.from_derivative)


def _sigmoid_impl(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]


sigmoid = primitive(
    # s(x) * s(-x), not s * (1 - s): 1 - s rounds to 0 for x > 37 while s(-x) stays accurate
    "sigmoid", _sigmoid_impl, partials=(lambda x, ans: multiply(ans, sigmoid(negative(x))),),
    sym=lambda S, x: 1 / (1 + S.exp(-x)), domain=((-4, 4),),
    doc="1 / (1 + exp(-x)), computed without overflow",
    taylor=taylor_rules.output_polynomial(0.0, 1.0, -1.0))
softplus = primitive(
    "softplus", lambda x: np.logaddexp(0.0, x), partials=(lambda x, ans: sigmoid(x),),
    sym=lambda S, x: S.log(1 + S.exp(x)), domain=((-4, 4),),
    doc="log(1 + exp(x)), computed without overflow",
    taylor=taylor_rules.from_derivative)
abs = primitive(
    "abs", _par(np.abs), partials=(lambda x, ans: sign(x),), sym=lambda S, x: S.Abs(x),
    mp=lambda M, x: M.fabs(x), domain=((0.2, 3),), kink=_is_zero,
    convention="abs'(0) = 0", doc="|x|",
    taylor=taylor_rules.abs_rule)
sign = primitive(
    "sign", _par(np.sign), partials=(lambda x, ans: Tensor._wrap(np.zeros(_shape(x))),),
    sym=lambda S, x: S.sign(x), domain=((0.2, 3),), kink=_is_zero,
    convention="sign'(0) = 0 (sign jumps at 0)", doc="-1, 0 or 1",
    taylor=taylor_rules.sign_rule)
relu = primitive(
    "relu", lambda x: np.maximum(x, 0.0), partials=(lambda x, ans: _float(greater(x, 0.0)),),
    sym=lambda S, x: S.Max(x, 0), mp=lambda M, x: builtins.max(x, 0), domain=((0.2, 3),),
    kink=_is_zero, convention="relu'(0) = 0", doc="max(x, 0)",
    taylor=taylor_rules.relu_rule)
maximum = primitive(
    "maximum", _par(np.maximum), nargs=2,
    partials=(lambda a, b, ans: _float(greater_equal(a, b)),
              lambda a, b, ans: _float(less(a, b))),
    sym=lambda S, a, b: S.Max(a, b), mp=lambda M, a, b: builtins.max(a, b),
    domain=((0.5, 1.5), (2, 3)), kink=lambda a, b: as_value(a) == as_value(b),
    convention="at a tie the derivative goes to the first argument",
    doc="the larger of a and b, elementwise",
    taylor=taylor_rules.maximum_rule)
minimum = primitive(
    "minimum", _par(np.minimum), nargs=2,
    partials=(lambda a, b, ans: _float(less_equal(a, b)),
              lambda a, b, ans: _float(greater(a, b))),
    sym=lambda S, a, b: S.Min(a, b), mp=lambda M, a, b: builtins.min(a, b),
    domain=((0.5, 1.5), (2, 3)), kink=lambda a, b: as_value(a) == as_value(b),
    convention="at a tie the derivative goes to the first argument",
    doc="the smaller of a and b, elementwise",
    taylor=taylor_rules.minimum_rule)


def _where_impl(cond, x, y):
    return np.where(cond, x, y)


_where = primitive(
    "where", _where_impl, nargs=3,
    partials=(None, lambda c, x, y, ans: _float(c), lambda c, x, y, ans: _float(not_equal(c, 1))),
    sym=lambda S, c, x, y: S.Piecewise((x, c), (y, True)),
    mp=lambda M, c, x, y: x if c else y, domain=(None, (-3, 3), (-3, 3)), scalar=False,
    doc="x where cond holds, else y",
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
                     taylor=taylor_rules.constant_rule)


less = _comparison("less", np.less)
less_equal = _comparison("less_equal", np.less_equal)
greater = _comparison("greater", np.greater)
greater_equal = _comparison("greater_equal", np.greater_equal)
equal = _comparison("equal", np.equal)
not_equal = _comparison("not_equal", np.not_equal)


# =========================================================================================
# Structural (linear) primitives: impl is generic numpy, so it also runs on object arrays
# =========================================================================================

def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _sum_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    axes = tuple(a + nb for a in node.params["axis"])
    return _sum_p(t, axis=axes, keepdims=node.params["keepdims"])


def _sum_vjp(i, g, node):
    x_shape = _shape(node.inputs[0])
    axes, keepdims = node.params["axis"], node.params["keepdims"]
    gshape = _shape(g)
    nb = len(gshape) - len(_shape(node.output))
    if not keepdims:
        kd = tuple(1 if k in axes else d for k, d in enumerate(x_shape))
        g = reshape(g, gshape[:nb] + kd)
    return broadcast_to(g, gshape[:nb] + x_shape)


_sum_p = primitive(
    "sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), jvp=_sum_jvp,
    vjp=_sum_vjp, generic=True, domain=((-3, 3),), scalar=False, doc="sum over axes",
    taylor=taylor_rules.linear)


def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis`` (all axes by default)."""
    return _sum_p(x, axis=_norm_axes(axis, np.ndim(as_value(x))), keepdims=bool(keepdims))


def _reshape_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return reshape(t, _shape(t)[:nb] + _shape(node.output))


def _reshape_vjp(i, g, node):
    nb = _nb(g, np.ndim(node.output._value))
    return reshape(g, _shape(g)[:nb] + _shape(node.inputs[0]))


_reshape_p = primitive(
    "reshape", lambda x, shape: np.reshape(x, shape), jvp=_reshape_jvp, vjp=_reshape_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="same values, new shape",
    taylor=taylor_rules.linear)


def reshape(x, shape):
    """``x`` with a new shape (one entry may be -1)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    size = int(np.prod(_shape(x), dtype=np.int64))
    if shape.count(-1) == 1:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        shape = tuple(size // known if known and s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape a tensor of shape {_shape(x)} into {shape}")
    if shape == _shape(x) and isinstance(x, Tensor):
        return x
    return _reshape_p(x, shape=shape)


def _bcast_jvp(ts, node):
    (t,) = ts
    in_ndim = np.ndim(as_value(node.inputs[0]))
    shape = node.params["shape"]
    nb = _nb(t, in_ndim)
    t = _expand_tangent(t, in_ndim, len(shape))
    return broadcast_to(t, _shape(t)[:nb] + shape)


def _bcast_vjp(i, g, node):
    return _sum_to(g, _shape(node.inputs[0]), len(node.params["shape"]))


_broadcast_p = primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape), jvp=_bcast_jvp, vjp=_bcast_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="repeat along new or unit axes",
    taylor=taylor_rules.linear)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a read-only view)."""
    shape = tuple(int(s) for s in shape)
    if shape == _shape(x) and isinstance(x, Tensor):
        return x
    return _broadcast_p(x, shape=shape)


def _transpose_jvp(ts, node):
    (t,) = ts
    axes = node.params["axes"]
    nb = _nb(t, len(axes))
    return _transpose_p(t, axes=tuple(range(nb)) + tuple(a + nb for a in axes))


def _transpose_vjp(i, g, node):
    axes = node.params["axes"]
    nb = _nb(g, len(axes))
    inv = np.argsort(axes)
    return _transpose_p(g, axes=tuple(range(nb)) + tuple(int(a) + nb for a in inv))


_transpose_p = primitive(
    "transpose", lambda x, axes: np.transpose(x, axes), jvp=_transpose_jvp, vjp=_transpose_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="permute axes",
    taylor=taylor_rules.linear)


def transpose(x, perm=None):
    """Permute the axes of ``x`` (reverse them by default), like ``tf.transpose``."""
    ndim = np.ndim(as_value(x))
    axes = tuple(range(ndim))[::-1] if perm is None else tuple(int(p) % ndim for p in perm)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"perm {perm} is not a permutation of the {ndim} axes")
    return _transpose_p(x, axes=axes)


def _normalize_index(index, ndim):
    """A tuple index with Ellipsis expanded and tensors/lists turned into numpy arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for k in index:
        if isinstance(k, Tensor):
            k = np.asarray(k._value)
            if k.dtype.kind == "f" and np.all(k == np.floor(k)):
                k = k.astype(np.int64)
        elif isinstance(k, list):
            k = np.asarray(k)
        items.append(k)
    used = builtins.sum(1 if not (k is None or k is Ellipsis) else 0 for k in items)
    used += builtins.sum(np.ndim(k) - 1 for k in items
                         if isinstance(k, np.ndarray) and k.dtype == bool)
    if any(k is Ellipsis for k in items):
        pos = next(j for j, k in enumerate(items) if k is Ellipsis)
        items[pos:pos + 1] = [slice(None)] * (ndim - used)
    return tuple(items)


def _advanced(index):
    return any(isinstance(k, np.ndarray) and k.dtype != bool for k in index)


def _getitem_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return _getitem_p(t, index=(slice(None),) * nb + node.params["index"])


def _getitem_vjp(i, g, node):
    nb = _nb(g, np.ndim(node.output._value))
    return Scattered(g, node.params["index"], _shape(node.inputs[0]), nb)


_getitem_p = primitive(
    "getitem", lambda x, index: x[index], jvp=_getitem_jvp, vjp=_getitem_vjp, generic=True,
    domain=((-3, 3),), scalar=False, doc="indexing and slicing",
    taylor=taylor_rules.linear)


def _slice_complement(k, size):
    """Slices covering the indices of range(size) that slice ``k`` (positive step) omits."""
    lo, hi, step = k.indices(size)
    if hi <= lo:
        return [slice(None)]
    last = lo + (hi - 1 - lo) // step * step
    pieces = [slice(0, lo), slice(last + 1, None)]
    pieces += [slice(lo + r, last, step) for r in range(1, step)]
    return pieces


def _scatter_impl(g, index, shape, nb):
    gshape = np.shape(g)
    full_shape = gshape[:nb] + tuple(shape)
    full = (slice(None),) * nb + index
    if isinstance(g, np.ndarray) and g.dtype == object:
        out = np.zeros(full_shape, dtype=object)
    elif len(index) <= len(shape) and all(isinstance(k, slice) and (k.step or 1) > 0
                                          for k in index):
        # A (strided) box: write it, and zero only what lies outside it; the backward pass of
        # x[1:] or x[::2] on a batched cotangent would otherwise zero the whole array first.
        out = np.empty(full_shape, dtype=np.result_type(g, np.float64))
        out[full] = g
        for axis, k in enumerate(index):
            pre = (slice(None),) * (nb + axis)
            for piece in _slice_complement(k, shape[axis]):
                out[pre + (piece,)] = 0.0
        return out
    else:
        out = np.zeros(full_shape, dtype=np.result_type(g, np.float64))
    if _advanced(index):
        np.add.at(out, full, g)
    else:
        out[full] = g
    return out


def _scatter_jvp(ts, node):
    (t,) = ts
    p = node.params
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return _scatter_p(t, index=p["index"], shape=p["shape"], nb=p["nb"] + nb)


def _scatter_vjp(i, g, node):
    p = node.params
    nb = _nb(g, np.ndim(node.output._value))
    return _getitem_p(g, index=(slice(None),) * (nb + p["nb"]) + p["index"])


_scatter_p = primitive(
    "scatter", _scatter_impl, jvp=_scatter_jvp, vjp=_scatter_vjp, generic=True,
    domain=((-3, 3),), scalar=False,
    doc="zeros of a shape with values added at an index (the transpose of getitem)",
    taylor=taylor_rules.linear)


def _adjacent_advanced(index, shape):
    """The same selection as ``index``, with no slice between its advanced indices.

    When advanced indices (arrays, and integers beside them) are separated by a slice, numpy
    puts their axes first, in front of the leading batch axes that the rules prefix with
    ``slice(None)``.  Turning every item up to the last advanced one into broadcast integer
    arrays selects the same elements in the same layout, with the advanced axes in place.
    """
    if not any(isinstance(k, np.ndarray) for k in index):
        return index
    pos = [j for j, k in enumerate(index)
           if isinstance(k, np.ndarray) or (isinstance(k, (int, np.integer))
                                             and not isinstance(k, (bool, np.bool_)))]
    head = index[:pos[-1] + 1]
    if pos[-1] - pos[0] + 1 == len(pos) or any(
            k is None or isinstance(k, (bool, np.bool_)) for k in head):
        return index
    items = []
    for k in head:
        if isinstance(k, np.ndarray) and k.dtype == bool:
            items.extend(np.nonzero(k))
        else:
            items.append(k)
    adv = np.broadcast_shapes(*[np.shape(k) for k in items if not isinstance(k, slice)])
    a, s = len(adv), builtins.sum(1 for k in items if isinstance(k, slice))
    out, q = [], 0
    for axis, k in enumerate(items):
        if isinstance(k, slice):
            r = np.arange(shape[axis])[k]
            out.append(r.reshape((1,) * (a + q) + r.shape + (1,) * (s - q - 1)))
            q += 1
        else:
            k = np.asarray(k)
            out.append(k.reshape((1,) * (a - k.ndim) + k.shape + (1,) * s))
    return tuple(out) + index[pos[-1] + 1:]


def getitem(x, index):
    """``x[index]``: numpy's basic and advanced indexing; gradients scatter back."""
    index = _normalize_index(index, np.ndim(as_value(x)))
    return _getitem_p(x, index=_adjacent_advanced(index, _shape(x)))


def _concat_jvp(ts, node):
    axis = node.params["axis"]
    ref = next(t for t in ts if t is not None)
    x0 = node.inputs[next(k for k, t in enumerate(ts) if t is not None)]
    nb = _nb(ref, np.ndim(as_value(x0)))
    batch = _shape(ref)[:nb]
    parts = []
    for t, x in zip(ts, node.inputs):
        if t is None:
            t = Tensor._wrap(np.zeros(batch + _shape(x)))
        parts.append(t)
    return _concat_p(*parts, axis=axis)


def _concat_vjp(i, g, node):
    axis = node.params["axis"]
    sizes = [_shape(x)[axis] for x in node.inputs]
    lo = builtins.sum(sizes[:i])
    index = (Ellipsis, slice(lo, lo + sizes[i])) + (slice(None),) * (-axis - 1)
    return getitem(g, index)


_concat_p = primitive(
    "concat", lambda *xs, axis: np.concatenate(xs, axis=axis), nargs=None, jvp=_concat_jvp,
    vjp=_concat_vjp, generic=True, domain=((-3, 3), (-3, 3)), scalar=False,
    doc="join tensors along an existing axis",
    taylor=taylor_rules.linear)


def concat(values, axis):
    """Join a list of tensors along ``axis`` (``tf.concat``)."""
    values = list(values)
    ndim = np.ndim(as_value(values[0]))
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for tensors of rank {ndim}")
    return _concat_p(*values, axis=axis - ndim if axis >= 0 else axis)


def stack(values, axis=0):
    """Stack tensors of one shape along a new ``axis`` (``tf.stack``)."""
    values = list(values)
    shape = _shape(values[0])
    ndim = len(shape) + 1
    axis = int(axis) % ndim
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return concat([reshape(v, new_shape) for v in values], axis)


def _matmul_jvp(ts, node):
    a, b = node.inputs
    an, bn = np.ndim(as_value(a)), np.ndim(as_value(b))
    out_shape = _shape(node.output)
    total = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        tn = an if i == 0 else bn
        lead = _shape(t)[:_nb(t, tn)]
        core = _shape(t)[len(lead):]
        # A vector tangent becomes a matrix as matmul makes it (a row on the left, a column
        # on the right), and unit axes line its batch axes up with the other operand's, so
        # that the leading tangent batch axes stay in front of both.
        if tn == 1:
            core = (1,) + core if i == 0 else core + (1,)
        other = builtins.max(bn if i == 0 else an, 2)
        core = (1,) * builtins.max(other - len(core), 0) + core
        t = reshape(t, lead + core)
        term = reshape(matmul(t, b) if i == 0 else matmul(a, t), lead + out_shape)
        total = term if total is None else add(total, term)
    return total


def transpose_last(x):
    """Swap the last two axes (a vector is returned unchanged)."""
    nd = np.ndim(as_value(x))
    if nd < 2:
        return x
    return _transpose_p(x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp(i, g, node):
    a, b = node.inputs
    an, bn = np.ndim(as_value(a)), np.ndim(as_value(b))
    out_ndim = np.ndim(node.output._value)
    if an == 1 and bn == 1:  # out (), g (B...)
        gg = reshape(g, _shape(g) + (1,))
        return multiply(gg, b) if i == 0 else multiply(gg, a)
    if i == 0:
        if bn == 1:  # a (..., m, k), b (k,): out (..., m); g (B..., m)
            r = multiply(reshape(g, _shape(g) + (1,)), b)
        elif an == 1:  # a (k,), b (..., k, n): g (B..., ..., n) as rows (B..., ..., 1, n)
            gshape = _shape(g)
            r = matmul(reshape(g, gshape[:-1] + (1, gshape[-1])), transpose_last(b))
            r = reshape(r, _shape(r)[:-2] + _shape(r)[-1:])
            return _sum_to(r, _shape(a), out_ndim)
        else:
            r = matmul(g, transpose_last(b))
        return _sum_to(r, _shape(a), out_ndim + (1 if bn == 1 else 0))
    if an == 1:  # a (k,), b (..., k, n): out (..., n); g (B..., n)
        gshape = _shape(g)
        r = multiply(reshape(a, (-1, 1)), reshape(g, gshape[:-1] + (1, gshape[-1])))
        return _sum_to(r, _shape(b), out_ndim + 1)
    if bn == 1:  # a (..., m, k), b (k,): g (B..., ..., m) as rows (B..., ..., 1, m)
        gshape = _shape(g)
        r = matmul(reshape(g, gshape[:-1] + (1, gshape[-1])), a)
        r = reshape(r, _shape(r)[:-2] + _shape(r)[-1:])
        return _sum_to(r, _shape(b), out_ndim)
    r = matmul(transpose_last(a), g)
    return _sum_to(r, _shape(b), out_ndim)


matmul = primitive(
    "matmul", np.matmul, nargs=2, jvp=_matmul_jvp, vjp=_matmul_vjp, generic=True,
    domain=((-3, 3), (-3, 3)), scalar=False, doc="matrix product (numpy's matmul rules)",
    taylor=taylor_rules.matmul_rule)


# =========================================================================================
# Derived operations: functions of primitives, nothing to declare
# =========================================================================================

def zeros(shape):
    """A tensor of zeros."""
    return Tensor._wrap(np.zeros(shape))


def ones(shape):
    """A tensor of ones."""
    return Tensor._wrap(np.ones(shape))


def zeros_like(x):
    return zeros(_shape(x))


def ones_like(x):
    return ones(_shape(x))


def square(x):
    """x * x."""
    return multiply(x, x)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default)."""
    shape = _shape(x)
    axes = _norm_axes(axis, len(shape))
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64)) if axes else 1
    return divide(sum(x, axis=axes, keepdims=keepdims), float(n))


def norm(x, ord="euclidean", axis=None, keepdims=False):
    """Vector norm (``tf.norm``): 'euclidean' (also 2 or 'fro') or 1, over ``axis``."""
    if ord in ("euclidean", "fro", 2, 2.0):
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord in (1, 1.0):
        return sum(abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm: ord={ord!r} is not supported (use 'euclidean' or 1)")


def clip_by_value(t, clip_value_min, clip_value_max):
    """Clamp values into [min, max]; the gradient is 1 inside and 0 outside."""
    return minimum(maximum(t, clip_value_min), clip_value_max)


def clip_by_norm(t, clip_norm, axes=None):
    """Rescale ``t`` so that its L2 norm (over ``axes``) is at most ``clip_norm``."""
    l2 = sqrt(sum(square(t), axis=axes, keepdims=True))
    return divide(multiply(t, clip_norm), maximum(l2, clip_norm))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed without overflow."""
    v = as_value(x)
    axes = _norm_axes(axis, np.ndim(v))
    m = np.max(v, axis=axes, keepdims=True) if np.size(v) else np.zeros((1,) * np.ndim(v))
    m = np.where(np.isfinite(m), m, 0.0)
    r = add(log(sum(exp(subtract(x, m)), axis=axes, keepdims=True)), m)
    if not keepdims:
        r = reshape(r, tuple(d for k, d in enumerate(np.shape(v)) if k not in axes))
    return r


def reduce_sum(x, axis=None, keepdims=False):
    return sum(x, axis=axis, keepdims=keepdims)


def reduce_mean(x, axis=None, keepdims=False):
    return mean(x, axis=axis, keepdims=keepdims)


PI = math.pi


def language_functions():
    """The functions of hod's expression language: name -> (function, number of arguments).

    Every scalar primitive of the table (by its own name), plus the derived scalar operations
    below; calling one on graph nodes builds the lowered graph.
    """
    funcs = {name: (prim, prim.nargs) for name, prim in TABLE.items() if prim.scalar}
    funcs.update({"square": (square, 1), "clip_by_value": (clip_by_value, 3)})
    return funcs
