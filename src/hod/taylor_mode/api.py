"""Taylor mode's Python API: expansions, nth derivatives, mixed partials, derivative tensors.

>>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)
hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
>>> hod.partial(lambda x, y: x * hod.sin(x * y), (1, 2))(1.0, 2.0)  # d3f / dx dy^2
hod.Tensor(-1.89559861, shape=(), dtype=float64)
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np

from ..engine.tensor import Tensor, as_value
from ..errors import UsageError
from ..expr import graph as _graph
from .mixed import _interpolation, _tensor_plan
from .propagate import _coefficients_of, _run, _seed, _warn_kinks
from .series import Series


# =========================================================================================
# The Python API
# =========================================================================================

_BIG = 10 ** 300


@functools.cache
def _factorial_factors(k):
    """Floats whose product is k! (each below 1e300, so that none overflows)."""
    factors, chunk = [], 1
    for m in range(2, k + 1):
        if chunk * m > _BIG:
            factors.append(float(chunk))
            chunk = 1
        chunk *= m
    factors.append(float(chunk))
    return tuple(factors)


def _times_factorial(c, k):
    """c * k!, scaled in steps so that k! > 1e308 (k >= 171) does not overflow on its own."""
    out = np.asarray(c, dtype=np.float64)
    for f in _factorial_factors(k):
        out = out * f
    return out


class Expansion:
    """The result of :func:`expand`: normalised coefficients, and the kinks met."""

    def __init__(self, coefficients, kinks):
        self.coefficients = coefficients
        self.kinks = kinks

    @property
    def derivatives(self):
        """The coefficients times k! (the derivatives along the direction)."""
        return np.stack([_times_factorial(c, k) for k, c in enumerate(self.coefficients)])

    def __repr__(self):
        return f"Expansion(order={self.coefficients.shape[0] - 1}, kinks={self.kinks})"


def _check_order(order, what="order"):
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 0:
        raise UsageError(f"the {what} must be a non-negative integer, got {order!r}")
    return int(order)


def expand(f, x0, order, direction=None):
    """Taylor expansion of ``t -> f(x0 + t * direction)`` to ``order``, with the kinks met.

    ``f`` is a graph (``x0`` a dict name -> value; ``direction`` a dict, default 1 for a graph
    of one variable) or a Python function of hod tensors (``x0`` a value, or a tuple of values
    for several arguments; ``direction`` likewise, default 1 for one argument).
    """
    K = _check_order(order) + 1
    if isinstance(f, _graph.Expr):
        point = dict(x0) if isinstance(x0, dict) else None
        names = _graph.variables(f)
        if point is None:
            if len(names) != 1:
                raise UsageError(f"give the point as a dict: the expression has variables "
                                 f"{names}")
            point = {names[0]: x0}
        if direction is None:
            if len(names) > 1:
                raise UsageError("give a direction (a dict name -> value) for an expression "
                                 "of several variables")
            direction = {n: 1.0 for n in names}
        if not isinstance(direction, dict):
            if len(names) != 1:
                raise UsageError("give the direction as a dict name -> value")
            direction = {names[0]: direction}
        unknown = [name for name in direction if name not in point]
        if unknown:
            raise UsageError(f"direction given for {unknown[0]!r}, which has no value")
        seeds = {name: _seed(v, direction[name], K) if name in direction else
                 np.asarray(as_value(v), dtype=np.float64) for name, v in point.items()}
        out, kinks = _run(f, point, seeds)
    else:
        single = not isinstance(x0, (tuple, list))
        primals = [x0] if single else list(x0)
        if direction is None:
            if not single:
                raise UsageError("give a direction for each argument (a tuple like x0)")
            direction = 1.0
        dirs = [direction] if single else list(direction)
        if len(dirs) != len(primals):
            raise UsageError("direction must have one entry per argument")
        seeds = [_seed(p, d, K) for p, d in zip(primals, dirs)]
        out, kinks = _run(f, primals, seeds)
    return Expansion(_coefficients_of(out, K, 0, ()), kinks)


def taylor(f, x0, order, direction=None):
    """Normalised Taylor coefficients ``c[k] = (d/dt)^k f(x0 + t v) / k!`` at ``t = 0``.

    ``f`` is a Python function of hod tensors or an expression graph (then ``x0`` is a dict
    name -> value).  For a function of one argument the direction ``v`` defaults to 1 (every
    component moves together: elementwise functions give each point's own series).
    Returns a numpy array of shape ``(order + 1,) + f(x0).shape``.

    >>> hod.taylor(lambda x: hod.exp(x), 0.0, 4)
    array([1.        , 1.        , 0.5       , 0.16666667, 0.04166667])
    """
    e = expand(f, x0, order, direction)
    _warn_kinks(e.kinks)
    return e.coefficients


def _rescue_scale(c, n):
    """A power of two s (per element) with c_k s^k of order 1 at the highest order k whose
    coefficient is still a normal float; None if there is none (nothing to rescue)."""
    mag = np.abs(c[:n + 1]).reshape(n + 1, -1)
    ok = mag > 1e-250
    ok[0] = False
    if not ok.any():
        return None
    k = (n - np.argmax(ok[::-1], axis=0)).astype(np.float64)  # highest normal order
    has = ok.any(axis=0)
    ck = mag[k.astype(np.int64), np.arange(mag.shape[1])]
    with np.errstate(divide="ignore"):
        m = np.where(has, np.round(-np.log2(np.where(has, ck, 1.0)) / k), 0.0)
    scale = np.exp2(np.clip(m, 0.0, 60.0)).reshape(c.shape[1:])
    return scale if np.any(scale > 1.0) else None


def _nth_derivative(expand_along, n):
    """f^(n) from normalised coefficients ``expand_along(s)`` of f(x0 + s t) (s = 1 first).

    When f^(n)/n! underflows (1/170! < 1e-306), expand again along a direction s = 2^m whose
    coefficients are c_k s^k, and divide by s^n step by step."""
    c = expand_along(1.0)
    if n > 150 and np.any(np.abs(c[n]) < 1e-290):
        scale = _rescue_scale(c, n)
        if scale is not None:
            out = expand_along(scale)[n]
            for k in range(1, n + 1):
                out = out * (k / scale)
            return np.asarray(out, dtype=np.float64)
    return _times_factorial(c[n], n)


def derivative(f, n=1):
    """The ``n``-th derivative of a scalar function of one variable, by Taylor mode.

    Elementwise on arrays: each point gets its own derivative.  ``f`` is a Python function of
    hod tensors (or a graph of one variable).  Cost grows like ``n**2``, not exponentially.

    >>> hod.derivative(lambda x: x ** 3, 2)(3.0)
    hod.Tensor(18., shape=(), dtype=float64)
    >>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)     # about 0.2 ms
    hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
    """
    n = _check_order(n, "order of a derivative")

    def d(x):
        def expand_along(scale):
            first = np.isscalar(scale)  # 1.0 first; a rescue scale is an array
            e = expand(f, x, n, direction=None if first else scale)
            if first:
                _warn_kinks(e.kinks)
            return e.coefficients

        return Tensor._wrap(_nth_derivative(expand_along, n))

    d.__name__ = f"derivative_{n}"
    return d


def _check_names(names, point):
    for name in names:
        if name not in point:
            raise UsageError(f"cannot differentiate with respect to {name!r}: it has no value")


def _partial_values(f, primals, names, orders):
    """The mixed partial of multi-index ``orders`` (one int per argument) at ``primals``."""
    total = sum(orders)
    n = len(orders)
    if names is not None:
        _check_names(names, primals)
    if total == 0:
        seeds = primals if isinstance(f, _graph.Expr) else [np.asarray(as_value(p))
                                                            for p in primals]
        out, kinks = _run(f, primals, seeds)
        return np.asarray(out if not isinstance(out, Series) else out.c[0]), kinks
    j = tuple(orders)
    if sum(1 for o in j if o) == 1:
        # One variable: unit directions and a factorial at the end (the interpolation's
        # direction has length ``total``, whose powers overflow past order ~250).
        unit = np.array([[1.0 if o else 0.0 for o in j]])
        found = []

        def expand_along(scale):
            coef, kinks = _directional(f, primals, names, j, unit, total, scale)
            found.extend(kinks)
            return coef[:, 0]

        return _nth_derivative(expand_along, total), found
    dirs, W = _interpolation([j], n, total)
    coef, kinks = _directional(f, primals, names, j, dirs, total)
    return np.tensordot(W[0], coef[total], axes=(0, 0)), kinks


def _directional(f, primals, names, j, dirs, total, scale=1.0):
    """Normalised coefficients (K, D) + shape of f along each row of ``dirs`` (times
    ``scale``), seeding only the arguments with a non-zero order in ``j``."""
    n = len(j)
    D = dirs.shape[0]
    K = total + 1
    seeds = []
    for k in range(n):
        x0 = primals[k] if not isinstance(f, _graph.Expr) else primals[names[k]]
        if j[k] == 0:
            seeds.append(np.asarray(as_value(x0), dtype=np.float64))
            continue
        x0 = np.asarray(as_value(x0), dtype=np.float64)
        d = dirs[:, k].reshape((D,) + (1,) * x0.ndim) * scale
        seeds.append(_seed(x0, d, K, (D,)))
    if isinstance(f, _graph.Expr):
        env = dict(primals)
        env.update({names[k]: s for k, s in enumerate(seeds)})
        out, kinks = _run(f, env, env)
    else:
        out, kinks = _run(f, [np.asarray(as_value(p)) for p in primals], seeds)
    c = _coefficients_of(out, K, 1, (D,))
    if not isinstance(out, Series):
        c = np.zeros_like(c)
    return c, kinks


def partial(f, orders):
    """A mixed partial derivative of any order, exact up to rounding (no finite differences).

    For a Python function ``f(x, y, ...)`` of scalar (or elementwise array) arguments,
    ``orders`` gives the order in each argument: ``hod.partial(f, (1, 2))(x0, y0)`` is
    d^3 f / dx dy^2 at (x0, y0).  For an expression graph, ``orders`` is a dict name -> order
    and the function takes the point as a dict (or keyword arguments).

    Computed from univariate Taylor series along C(s + d - 1, d) directions (s variables,
    total order d), all propagated together.

    >>> hod.partial(lambda x, y: x**2 * y**3, (1, 2))(1.0, 2.0)      # 2x * 6y
    hod.Tensor(24., shape=(), dtype=float64)
    """
    if isinstance(f, _graph.Expr):
        if not isinstance(orders, dict):
            raise UsageError("for an expression, give the orders as a dict name -> order")
        for name in orders:
            _check_order(orders[name], f"order in {name}")

        def p(point=None, **kwargs):
            pt = dict(point or {}, **kwargs)
            names = list(orders)
            vals, kinks = _partial_values(f, pt, names, [int(orders[k]) for k in names])
            _warn_kinks(kinks)
            return Tensor._wrap(np.asarray(vals, dtype=np.float64))

        return p
    orders = tuple(_check_order(o, "order in each argument") for o in orders)

    def p(*args):
        if len(args) != len(orders):
            raise UsageError(f"partial of orders {orders} expects {len(orders)} arguments, "
                             f"got {len(args)}")
        vals, kinks = _partial_values(f, list(args), None, list(orders))
        _warn_kinks(kinks)
        return Tensor._wrap(np.asarray(vals, dtype=np.float64))

    return p


def _tensor_values(f, x0, order, names=None):
    """All partials of order <= ``order`` of ``f`` at the tensor ``x0`` (or at the point
    dict of a graph): a list of arrays, entry m of shape out + x.shape * m."""
    d = _check_order(order)
    if names is None:
        x0 = np.asarray(as_value(x0), dtype=np.float64)
        xshape = x0.shape
        n = x0.size
    else:
        _check_names(names, x0)
        xshape = (len(names),)
        n = len(names)
    if d == 0 or n == 0:
        if names is None:
            out, kinks = _run(f, [x0], [x0])
        else:
            out, kinks = _run(f, x0, x0)
        return [np.asarray(out.c[0] if isinstance(out, Series) else out)], kinks
    dirs, weights, rows = _tensor_plan(n, d)
    D = dirs.shape[0]
    K = d + 1
    if names is None:
        s = _seed(x0, dirs.reshape((D,) + xshape), K, (D,))
        out, kinks = _run(f, [x0], [s])
    else:
        env = dict(x0)
        for k, name in enumerate(names):
            env[name] = _seed(x0[name], dirs[:, k], K, (D,))
        out, kinks = _run(f, x0, env)
    c = _coefficients_of(out, K, 1, (D,))  # (K, D) + out_shape
    out_shape = c.shape[2:]
    result = [np.array(c[0, 0])]
    for m in range(1, d + 1):
        vals = np.tensordot(weights[m], c[m], axes=(1, 0))  # (rows,) + out_shape
        full = vals[rows[m]]  # (n^m,) + out_shape
        full = np.moveaxis(full, 0, -1).reshape(out_shape + xshape * m)
        result.append(full)
    return result, kinks


def derivative_tensor(f, x0, order):
    """Every partial derivative of order <= ``order`` at once: a list ``[f, gradient, Hessian,
    third-order tensor, ...]``, entry m of shape ``f(x0).shape + x0.shape * m``.

    ``f`` is a Python function of one tensor ``x`` (or a graph, with ``x0`` a dict name ->
    value; the axes then follow the dict's order).  One batch of C(n + d - 1, d) directions
    (n = x0.size, d = order) propagates together; the tensors are recombined exactly.

    >>> T = hod.derivative_tensor(lambda v: v[0] ** 2 * v[1], [1.0, 2.0], 3)
    >>> T[2].numpy()          # the Hessian
    array([[4., 2.],
           [2., 0.]])
    """
    names = list(x0) if isinstance(f, _graph.Expr) else None
    if names is not None and not isinstance(x0, dict):
        raise UsageError("for an expression, give the point as a dict name -> value")
    vals, kinks = _tensor_values(f, x0, order, names)
    _warn_kinks(kinks)
    return [Tensor._wrap(v) for v in vals]


def graph_partial(root, point, wrt):
    """For the command line: the mixed partial ``wrt`` (dict name -> order) of graph ``root``
    at ``point`` (dict name -> value).  Returns (value as a numpy array, kinks met), where each
    kink is (primitive name, convention used)."""
    names = list(wrt)
    return _partial_values(root, dict(point), names, [int(wrt[k]) for k in names])


def graph_derivative_tensor(root, point, order, names=None):
    """For the command line: all partials of order <= ``order`` of graph ``root`` at ``point``
    over the variables ``names`` (default: the point's keys).  Returns (tensors, kinks)."""
    names = list(point) if names is None else list(names)
    return _tensor_values(root, dict(point), order, names)


class NthDerivative(NamedTuple):
    """:func:`graph_nth_derivative`'s answer: the value, the kinks met (primitive name,
    convention used), and None or why the value is out of the float range:
    ``("overflow", log10 of its absolute value, whether it is negative)`` or
    ``("underflow", None, False)``."""

    value: float
    kinks: list
    out_of_range: tuple | None


def graph_nth_derivative(root, point, var, n):
    """For the command line: the n-th derivative in ``var`` of graph ``root`` at ``point`` by
    Taylor mode, with the kinks met and whether it is out of the float range."""

    def coefficients(direction):
        e = expand(root, point, n, {var: direction})
        return np.asarray(e.coefficients, dtype=np.float64).reshape(n + 1), e.kinks

    def underflowed(c):
        # the last non-zero coefficient before c_n is (nearly) subnormal: c_n underflowed,
        # it is not a true zero (as beyond the degree of a polynomial)
        nonzero = np.flatnonzero(c[:n])
        return bool(nonzero.size) and abs(c[nonzero[-1]]) < 1e-250

    c, kinks = coefficients(1.0)
    cn, scale = float(c[n]), 1.0
    for _ in range(4):
        if not (n > 150 and abs(cn) < 1e-290 and np.all(np.isfinite(c)) and underflowed(c)):
            break
        # f^(n)/n! underflowed (1/171! < 1e-308): expand along a direction s = 2^m, whose
        # coefficients are c_k s^k, and divide by s^n at the end; s is chosen from the last
        # coefficients that did not underflow, so it may take a few rounds to reach c_n
        s = _rescue_scale(c, n)
        if s is None:
            break
        scale *= float(np.asarray(s))
        c = coefficients(scale)[0]
        cn = float(c[n])
    if scale == 1.0:
        value = float(_times_factorial(cn, n))
    else:
        value = cn
        for k in range(1, n + 1):
            value *= k / scale
    big = None
    if math.isfinite(cn) and cn != 0 and not math.isfinite(value):
        log10 = (math.log10(abs(cn)) + math.lgamma(n + 1) / math.log(10)
                 - n * math.log10(scale))
        big = ("overflow", log10, cn < 0)
    elif n > 150 and abs(cn) < 1e-290 and underflowed(c):
        value = math.nan
        big = ("underflow", None, False)
    return NthDerivative(value, kinks, big)
