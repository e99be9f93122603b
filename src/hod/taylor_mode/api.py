"""Taylor mode's Python API: expansions, nth derivatives, mixed partials, derivative tensors.

>>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)
hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
>>> hod.partial(lambda x, y: x * hod.sin(x * y), (1, 2))(1.0, 2.0)  # d3f / dx dy^2
hod.Tensor(-1.89559861, shape=(), dtype=float64)
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import NamedTuple

import numpy as np

from .. import text

from ..engine.tensor import Tensor, as_value
from ..errors import HodWarning, UsageError
from ..expr import graph as _graph
from .multivariate import MAX_COST as _JET_MAX_COST
from .multivariate import Unsupported as _JetUnsupported
from .multivariate import cost as _jet_cost
from .multivariate import mixed_partial as _jet_partial
from .mixed import _interpolation, _tensor_plan
from .propagate import _coefficients_of, _errors_of, _run, _seed, _warn_kinks
from .series import Series, _times_factorial


# =========================================================================================
# The Python API
# =========================================================================================

class Expansion:
    """The result of :func:`expand`: normalised coefficients, the kinks met, and an estimate
    of the coefficients' rounding errors.

    ``errors`` (same shape as ``coefficients``) estimates each coefficient's absolute rounding
    error, carried through every rule beside the coefficients (see :mod:`.series`);
    ``relative_errors`` divides it by the coefficient.  It is an estimate, not a proof (it is
    first-order and takes one rounding per sum); the certified engine gives proven values.

    >>> e = hod.taylor_mode.expand(lambda x: hod.sin(x) / x, 0.9, 20)
    >>> bool(e.relative_errors[20] > 1)      # float64 lost every digit of c_20
    True
    """

    def __init__(self, coefficients, kinks, errors=None):
        self.coefficients = coefficients
        self.kinks = kinks
        self.errors = np.zeros_like(coefficients) if errors is None else errors

    @property
    def relative_errors(self):
        """``errors / |coefficients|`` (0 where both are 0, inf where only the value is)."""
        return _relative(self.errors, self.coefficients)

    @property
    def derivatives(self):
        """The coefficients times k! (the derivatives along the direction)."""
        return np.stack([_times_factorial(c, k) for k, c in enumerate(self.coefficients)])

    def __repr__(self):
        return f"Expansion(order={self.coefficients.shape[0] - 1}, kinks={self.kinks})"


def _relative(err, value):
    """err / |value|, with 0 / 0 = 0 (an exact zero) and x / 0 = inf."""
    err = np.asarray(err, dtype=np.float64)
    mag = np.abs(np.asarray(value, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(err == 0, 0.0, err / mag)


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
    return Expansion(_coefficients_of(out, K, 0, ()), kinks, _errors_of(out, K, 0, ()))


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


# --- the one nth-derivative path: f^(n) = n! c_n, rescued from underflow -------------------

#: Below this, a coefficient may have lost digits to underflow on its way (subnormals).
_TINY = 1e-290
#: The last coefficients that are surely normal floats: a rescue scale is chosen from them.
_NORMAL = 1e-250
#: Most rounds of rescue (each re-expands along a longer direction).
_RESCUE_ROUNDS = 6
_LOG10_2 = math.log10(2.0)


class OutOfRange(NamedTuple):
    """A derivative beyond float64: ``kind`` is ``"overflow"`` (with log10 of its absolute
    value and its sign) or ``"underflow"`` (smaller than hod could recover)."""

    kind: str
    log10_abs: float | None = None
    negative: bool = False


class NthDerivative(NamedTuple):
    """The n-th derivative along one variable: values (float64 array; +-inf where it
    overflows, nan where it underflowed beyond rescue), the kinks met, per element an
    :class:`OutOfRange` or None (a list in the array's flat order), and ``error_bound``, the
    estimated relative rounding error of each value (shaped like it).

    ``error_bound`` is an estimate carried beside the Taylor coefficients (see
    :mod:`.series`), not a proof: above about 1e-6 float64 has lost digits, and the certified
    engine gives the proven value."""

    value: np.ndarray
    kinks: list
    out_of_range: list
    error_bound: np.ndarray | float = 0.0


def _lost_to_underflow(c, n):
    """Per element of ``c`` (shape (n + 1, R)): whether c_n may have lost digits to underflow.

    A tiny c_n is suspect; a zero one only when the coefficients before it died out by
    underflow (the last non-zero one is itself tiny), not when the function is a polynomial
    of lower degree or has a true zero there (sin at 0)."""
    cn = np.abs(c[n])
    mag = np.abs(c[:n])
    nonzero = mag > 0
    last = n - 1 - np.argmax(nonzero[::-1], axis=0)
    last_mag = np.where(nonzero.any(axis=0), mag[last, np.arange(mag.shape[1])], np.inf)
    return np.isfinite(c).all(axis=0) & (cn < _TINY) & ((cn > 0) | (last_mag < _NORMAL))


def _rescue_exponent(c, n):
    """Per element, m >= 0 such that along s = 2^m the coefficients c_k s^k are of order 1 at
    the highest order k whose coefficient is still surely normal (0 where there is none)."""
    mag = np.abs(c[:n + 1])
    ok = mag > _NORMAL
    ok[0] = False
    has = ok.any(axis=0)
    k = n - np.argmax(ok[::-1], axis=0)
    ck = np.where(has, mag[k, np.arange(mag.shape[1])], 1.0)
    m = np.where(has, np.round(-np.log2(ck) / np.maximum(k, 1)), 0.0)
    return np.clip(m, 0.0, 60.0).astype(np.int64)


@functools.cache
def _factorial_parts(n):
    """n! as (F, E) with n! = F * 2^E, F correctly rounded (a float below 2^60)."""
    exact = math.factorial(n)
    shift = max(exact.bit_length() - 60, 0)
    return exact / (1 << shift), shift  # int / int is correctly rounded


def _scaled_factorial(cn, n, m):
    """c_n * n! / 2^(m n) with two roundings, and log2 of its absolute value (for overflow).

    The powers of two are applied exactly (ldexp), so neither n! (> 1e308 from n = 171) nor
    2^(m n) need to exist as floats."""
    F, E = _factorial_parts(n)
    if E == 0 and not m.any():  # n <= 20: n! is exact, one rounding
        value = cn * F
        with np.errstate(divide="ignore"):
            return value, np.log2(np.abs(value))
    frac, exp = np.frexp(cn)
    mant = frac * F
    total = exp.astype(np.int64) + E - m * n
    with np.errstate(over="ignore", under="ignore"):
        value = np.ldexp(mant, total)
    with np.errstate(divide="ignore"):
        log2_abs = np.log2(np.abs(mant)) + total
    return value, log2_abs


def _nth_derivative(expand_along, n):
    """f^(n) from the normalised coefficients ``expand_along(s)`` of f(x0 + s t).

    ``expand_along(s)`` returns the coefficients, an array (n + 1,) + shape for a direction s
    (1.0, or an array of the value's shape), and their error estimates (same shape, or None).
    Where c_n = f^(n)/n! underflows (1/171! < 1e-308, or earlier when f's own scale is small,
    as for exp(x/10)), the series is expanded again along s = 2^m,
    whose coefficients are c_k s^k, until c_n is a normal float; then f^(n) = n! c_n / s^n
    with exact powers of two.  Returns an :class:`NthDerivative` without kinks."""
    c, err = expand_along(1.0)
    c = np.asarray(c, dtype=np.float64)
    err = np.zeros_like(c) if err is None else np.asarray(err, dtype=np.float64)
    shape = c.shape[1:]
    if n == 0:
        return NthDerivative(c[0], [], [None] * max(c[0].size, 1), _relative(err[0], c[0]))
    flat = c.reshape(n + 1, -1)
    flat_err = err.reshape(n + 1, -1)
    R = flat.shape[1]
    m = np.zeros(R, dtype=np.int64)
    cn = flat[n].copy()
    suspect = not (np.abs(cn) >= _TINY).all()  # the common case needs no further look
    for _ in range(_RESCUE_ROUNDS if suspect else 0):
        lost = _lost_to_underflow(flat, n)
        if not lost.any():
            break
        step = np.where(lost, _rescue_exponent(flat, n), 0)
        if not step.any():
            break
        m = m + step
        scale = np.exp2(m.astype(np.float64)).reshape(shape)
        again, again_err = expand_along(scale if shape else float(scale))
        again = np.asarray(again, dtype=np.float64).reshape(n + 1, -1)
        # keep the elements that were fine (their new coefficients are scaled too)
        flat = np.where(step > 0, again, flat)
        if again_err is not None:
            flat_err = np.where(step > 0, np.reshape(again_err, (n + 1, -1)), flat_err)
        m = np.where(step > 0, m, m - step)
        cn = flat[n].copy()
    value, log2_abs = _scaled_factorial(cn, n, m)
    # A tiny non-zero c_n that no direction could lift is the float64 answer (perhaps
    # subnormal).  No answer at all is a c_n still zero after a rescue was tried: without
    # a normal coefficient to scale from (0 * y with a tiny y), a zero is taken as exact.
    still_lost = (_lost_to_underflow(flat, n) & (cn == 0) & (m > 0) if suspect
                  else np.zeros(R, dtype=bool))
    out = []
    for r in range(R):
        if still_lost[r]:
            value[r] = math.nan
            out.append(OutOfRange("underflow"))
        elif np.isfinite(cn[r]) and not np.isfinite(value[r]):
            out.append(OutOfRange("overflow", float(log2_abs[r]) * _LOG10_2, bool(cn[r] < 0)))
        else:
            out.append(None)
    bound = _relative(flat_err[n], cn)
    return NthDerivative(value.reshape(shape), [], out, bound.reshape(shape))


#: Above this estimated relative error, :func:`derivative` warns that float64 lost digits.
LOST_DIGITS = 1e-6


def _warn_lost_digits(bound, value, n):
    """Warn where the estimated relative error of a finite derivative exceeds LOST_DIGITS."""
    bound = np.asarray(bound, dtype=np.float64)
    lost = np.isfinite(np.asarray(value)) & (bound > LOST_DIGITS)
    if not lost.any():
        return
    worst = float(np.max(np.where(lost, bound, 0.0)))
    where = "" if lost.size == 1 else f" at {int(lost.sum())} of {lost.size} points"
    size = "all of them" if worst >= 1 else f"about {-math.log10(worst):.0f} digits left"
    warnings.warn(f"float64 lost digits in the derivative of order {n}{where}: its estimated "
                  f"relative rounding error is {worst:.1e} ({size}); the certified engine "
                  "gives the proven value", HodWarning, stacklevel=3)


def _warn_out_of_range(out, n):
    bad = [o for o in out if o is not None]
    if not bad:
        return
    first = bad[0]
    where = "" if len(out) == 1 else f" at {len(bad)} of {len(out)} points"
    if first.kind == "overflow":
        size = text.magnitude(first.log10_abs, first.negative)
        warnings.warn(f"the derivative of order {n} is beyond float64{where} (about {size}); "
                      f"returned as {'-' if first.negative else ''}inf", HodWarning,
                      stacklevel=3)
    else:
        warnings.warn(f"the derivative of order {n} underflowed{where} beyond what hod could "
                      "rescue; returned as nan", HodWarning, stacklevel=3)


def graph_nth_derivative(root, point, var, n):
    """For the command line: the ``n``-th derivative in ``var`` of graph ``root`` at ``point``
    (dict name -> value), by Taylor mode along a unit direction, with the kinks met.

    Returns an :class:`NthDerivative` whose ``value`` is a float and ``out_of_range`` one
    :class:`OutOfRange` or None."""
    found = []

    def expand_along(scale):
        e = expand(root, point, n, {var: scale})
        found.extend(k for k in e.kinks if k not in found)
        return (np.asarray(e.coefficients, dtype=np.float64).reshape(n + 1),
                np.asarray(e.errors, dtype=np.float64).reshape(n + 1))

    r = _nth_derivative(expand_along, n)
    return NthDerivative(float(r.value), found, r.out_of_range[0], float(r.error_bound))


def derivative(f, n=1):
    """The ``n``-th derivative of a scalar function of one variable, by Taylor mode.

    Elementwise on arrays: each point gets its own derivative.  Warns (:class:`HodWarning`)
    where the estimated relative rounding error exceeds 1e-6: float64 lost digits there (an
    estimate carried beside the coefficients, not a proof; the certified engine gives the
    proven value).  ``f`` is a Python function of
    hod tensors (or a graph of one variable).  Cost grows like ``n**2``, not exponentially.

    >>> hod.derivative(lambda x: x ** 3, 2)(3.0)
    hod.Tensor(18., shape=(), dtype=float64)
    >>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)     # about 0.2 ms
    hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
    """
    n = _check_order(n, "order of a derivative")

    def d(x):
        warned = []

        def expand_along(scale):
            e = expand(f, x, n, direction=scale)
            if not warned:
                _warn_kinks(e.kinks)
                warned.append(True)
            return e.coefficients, e.errors

        r = _nth_derivative(expand_along, n)
        _warn_out_of_range(r.out_of_range, n)
        _warn_lost_digits(r.error_bound, r.value, n)
        return Tensor._wrap(r.value)

    d.__name__ = f"derivative_{n}"
    return d


def _contract(W, c):
    """sum_d W[..., d] * c[d, ...]: the interpolation's weighted sum of directions, in a
    fixed order (numpy's own sum, never BLAS, whose kernels vary with the CPU)."""
    lead = W.ndim - 1
    Wb = W.reshape(W.shape + (1,) * (c.ndim - 1))
    return np.add.reduce(Wb * c.reshape((1,) * lead + c.shape), axis=lead)


def _check_names(names, point):
    for name in names:
        if name not in point:
            raise UsageError(f"cannot differentiate with respect to {name!r}: it has no value")


def _partial_values(f, primals, names, orders, methods=None):
    """The mixed partial of multi-index ``orders`` (one int per argument) at ``primals``.
    ``methods``, a list, receives the method used for a mixed partial ("jet" or
    "interpolation")."""
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
            coef, kinks, err = _directional(f, primals, names, j, unit, total, scale)
            found.extend(kinks)
            return coef[:, 0], err[:, 0]

        r = _nth_derivative(expand_along, total)
        _warn_out_of_range(r.out_of_range, total)
        return r.value, found
    if _jet_cost(j) <= _JET_MAX_COST:
        # Few variables: one multivariate jet, no cancelling interpolation weights.
        try:
            out = _jet_partial(f, primals, names, j)
            if methods is not None:
                methods.append("jet")
            return out
        except _JetUnsupported:
            pass
    if methods is not None:
        methods.append("interpolation")
    dirs, W = _interpolation([j], n, total)
    coef, kinks, _ = _directional(f, primals, names, j, dirs, total)
    return _contract(W[0], coef[total]), kinks


def _directional(f, primals, names, j, dirs, total, scale=1.0):
    """Normalised coefficients (K, D) + shape of f along each row of ``dirs`` (times
    ``scale``), seeding only the arguments with a non-zero order in ``j``; returns them, the
    kinks met and the coefficients' error estimates."""
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
    return c, kinks, _errors_of(out, K, 1, (D,))


def partial(f, orders):
    """A mixed partial derivative of any order, exact up to rounding (no finite differences).

    For a Python function ``f(x, y, ...)`` of scalar (or elementwise array) arguments,
    ``orders`` gives the order in each argument: ``hod.partial(f, (1, 2))(x0, y0)`` is
    d^3 f / dx dy^2 at (x0, y0).  For an expression graph, ``orders`` is a dict name -> order
    and the function takes the point as a dict (or keyword arguments).

    Computed from one multivariate Taylor series when that is cheap enough (see
    :mod:`hod.taylor_mode.multivariate`), else from univariate Taylor series along
    C(s + d - 1, d) directions (s variables, total order d), all propagated together.

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
        vals = _contract(weights[m], c[m])  # (rows,) + out_shape
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


def graph_partial(root, point, wrt, methods=None):
    """For the command line: the mixed partial ``wrt`` (dict name -> order) of graph ``root``
    at ``point`` (dict name -> value).  Returns (value as a numpy array, kinks met), where each
    kink is (primitive name, convention used); ``methods`` as in :func:`_partial_values`."""
    names = list(wrt)
    return _partial_values(root, dict(point), names, [int(wrt[k]) for k in names], methods)


def graph_derivative_tensor(root, point, order, names=None):
    """For the command line: all partials of order <= ``order`` of graph ``root`` at ``point``
    over the variables ``names`` (default: the point's keys).  Returns (tensors, kinks)."""
    names = list(point) if names is None else list(names)
    return _tensor_values(root, dict(point), order, names)
