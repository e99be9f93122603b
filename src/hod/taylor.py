"""Taylor mode: truncated Taylor series propagated through the primitive table.

A quantity that depends on a parameter ``t`` near 0 is carried as the numpy array ``c`` of its
*normalised* Taylor coefficients, ``c[k] = u^(k)(0) / k!``, so that
``u(t) = c[0] + c[1] t + ... + c[d] t^d + O(t^(d+1))``.  Derivatives are the coefficients times
``k!``, applied once, at the boundary.  An array has shape ``(d + 1,) + batch + shape``: the
coefficients, then ``nb`` batch axes (several directions propagated together), then the value's
own shape (many points at once).

Every primitive has one Taylor rule, its table entry's ``taylor=``, called as
``rule(prim, args, params)`` with each argument a :class:`Series` or a constant (a numpy value
that does not depend on ``t``).  The rules come in families:

* :func:`linear`: structural operations apply to every coefficient; their forward-mode (JVP)
  rules already accept leading batch axes, and a coefficient stack is such a batch;
* :func:`from_derivative`: the generic rule.  If ``v = f(u)`` then ``v' = f'(u) u'``, so
  ``v_k = (1/k) sum_{j=1..k} j u_j c_(k-j)`` where ``c`` is the series of ``f'(u)``, found by
  evaluating the entry's partial derivatives (written in hod's operations) on series;
* :func:`output_polynomial`: derivatives that are a polynomial in the output (exp, tanh,
  sigmoid, tan): ``v' = P(v) u'`` is solved one coefficient at a time;
* explicit recurrences where a direct one is cheaper or exact at special points: products,
  quotients, exp, log, sin/cos together, sinh/cosh together, sqrt, pow;
* piecewise rules for abs, sign, relu, maximum, minimum and where: the piece that holds at
  the expansion point; at a kink hod's convention is used and the kink is reported;
* :func:`constant_rule` for comparisons, which have no derivative.

Mixed partial derivatives come from univariate propagations along integer directions,
recombined with exact rational weights (Griewank, Utke and Walther, Math. Comp. 69, 2000):
every partial derivative of order <= d, of any number of variables, from one batch of
``C(n + d - 1, d)`` directions propagated together.

>>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)
hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
>>> hod.partial(lambda x, y: x * hod.sin(x * y), (1, 2))(1.0, 2.0)  # d3f / dx dy^2
hod.Tensor(-1.89559861, shape=(), dtype=float64)
"""

from __future__ import annotations

import functools
import itertools
import math
import warnings

import numpy as np

from . import graph as _graph
from .errors import HodError, HodWarning, UsageError
from .tensor import Tensor, as_value

__all__ = [
    "Expansion",
    "Series",
    "apply_rule",
    "constant_rule",
    "derivative",
    "derivative_tensor",
    "expand",
    "from_derivative",
    "graph_derivative_tensor",
    "graph_partial",
    "linear",
    "output_polynomial",
    "partial",
    "propagate",
    "taylor",
]


class Series:
    """A truncated Taylor series: ``c[k]`` is the coefficient of ``t**k`` (normalised).

    ``c`` has shape ``(K,) + batch + shape`` with ``K = order + 1`` and ``nb = len(batch)``.
    """

    __slots__ = ("c", "nb")

    def __init__(self, c, nb=0):
        self.c = c
        self.nb = nb

    @property
    def order(self):
        return self.c.shape[0] - 1

    @property
    def rank(self):
        """Rank of the value (batch axes excluded)."""
        return self.c.ndim - 1 - self.nb

    @property
    def value(self):
        """The value at ``t = 0`` (the same along every direction): shape = the value's shape."""
        v = self.c[0]
        return v[(0,) * self.nb] if self.nb else v

    def __repr__(self):
        return f"Series(order={self.order}, nb={self.nb}, shape={self.c.shape[1:]})"


def _zero_order(a):
    """The value at t = 0 with batch axes (series) or the constant itself."""
    return a.c[0] if isinstance(a, Series) else a


# =========================================================================================
# Kinks: non-smooth primitives at their non-differentiable points
# =========================================================================================

_kink_logs: list = []


def _note_kink(prim):
    """Record that ``prim`` was expanded at a kink (hod's convention was used there)."""
    for log in _kink_logs:
        if prim.name not in (k[0] for k in log):
            log.append((prim.name, prim.convention or "one-sided derivative"))


# =========================================================================================
# Coefficient arithmetic
# =========================================================================================

def _dot(a, b):
    """sum_i a[i] * b[i] over the first axis (1-D arrays, or 2-D with columns kept)."""
    if a.ndim == 1:
        return np.dot(a, b)
    return np.einsum("ij,ij->j", a, b)


def _weights(K, ndim):
    """``arange(K)`` shaped to multiply a coefficient array of rank ``ndim`` (k u_k)."""
    w = np.arange(K, dtype=np.float64)
    return w if ndim == 1 else w.reshape((K,) + (1,) * (ndim - 1))


def _cauchy(a, b, K):
    """The first ``K`` coefficients of the product of two series (trailing axes broadcast)."""
    if a.ndim == 1 and b.ndim == 1:
        return np.convolve(a[:K], b[:K])[:K]
    shape = np.broadcast_shapes(a.shape[1:], b.shape[1:])
    out = np.zeros((K,) + shape)
    # Loop over the factor with fewer nonzero coefficients (inputs are often affine in t).
    na = [j for j in range(min(K, a.shape[0])) if a[j].any()]
    nb = [j for j in range(min(K, b.shape[0])) if b[j].any()]
    if len(nb) < len(na):
        a, b, na = b, a, nb
    for j in na:
        m = min(K - j, b.shape[0])
        out[j:j + m] += a[j] * b[:m]
    return out


def _flat2(c):
    """(K, ...) -> (K,) when every coefficient is a scalar, else (K, R)."""
    K = c.shape[0]
    if c.ndim == 1:
        return c
    if c[0].size == 1:
        return c.reshape(K)
    return c.reshape(K, -1)


def _as_full(c, shape):
    """A new writable array: ``c`` broadcast to ``shape`` (never the input itself, so that
    rules may write into it)."""
    return np.array(np.broadcast_to(c, shape), dtype=np.float64)


def _affine(u):
    """Whether the series is a + b t (all coefficients from t^2 on are zero)."""
    return u.shape[0] > 2 and not u[2:].any()


def _powers_over_factorial(b, K):
    """b^k / k! for k = 0..K-1 (first axis), by a running product (no overflow in b^k)."""
    out = np.empty((K,) + np.shape(b))
    out[0] = 1.0
    if K > 1:
        ratios = np.multiply.outer(1.0 / np.arange(1, K), np.ones(np.shape(b))) * b
        out[1:] = np.cumprod(ratios, axis=0)
    return out


# --- explicit recurrences on flattened coefficient arrays (K,) or (K, R) ------------------

def _exp_flat(u, v0):
    """exp of a series: k v_k = sum_{j=1..k} j u_j v_(k-j), with v_0 given."""
    K = u.shape[0]
    v = np.empty_like(u)
    v[0] = v0
    if K == 1:
        return v
    if _affine(u):
        return _powers_over_factorial(u[1], K) * v0
    ju = u * _weights(K, u.ndim)
    for k in range(1, K):
        v[k] = _dot(ju[1:k + 1], v[k - 1::-1]) / k
    return v


def _sin_cos_flat(u, hyperbolic=False):
    """(sin u, cos u) or (sinh u, cosh u) of a series, together.

    s_k = (1/k) sum j u_j c_(k-j) and c_k = -+(1/k) sum j u_j s_(k-j).
    """
    K = u.shape[0]
    a = u[0]
    if hyperbolic:
        s0, c0, sign = np.sinh(a), np.cosh(a), 1.0
    else:
        s0, c0, sign = np.sin(a), np.cos(a), -1.0
    s = np.empty_like(u)
    c = np.empty_like(u)
    s[0], c[0] = s0, c0
    if K == 1:
        return s, c
    if _affine(u):
        # sin(a + b t) = sum b^k/k! sin(a + k pi/2) t^k: the phases cycle with period 4.
        p = _powers_over_factorial(u[1], K)
        if hyperbolic:
            cyc_s, cyc_c = np.stack([s0, c0]), np.stack([c0, s0])
            idx = np.arange(K) % 2
        else:
            cyc_s = np.stack([s0, c0, -s0, -c0])
            cyc_c = np.stack([c0, -s0, -c0, s0])
            idx = np.arange(K) % 4
        return p * cyc_s[idx], p * cyc_c[idx]
    ju = u * _weights(K, u.ndim)
    for k in range(1, K):
        w = ju[1:k + 1]
        s[k] = _dot(w, c[k - 1::-1]) / k
        c[k] = sign * _dot(w, s[k - 1::-1]) / k
    return s, c


def _log_flat(u, v0):
    """log of a series: u_0 k v_k = k u_k - sum_{j=1..k-1} j v_j u_(k-j)."""
    K = u.shape[0]
    u0 = u[0]
    v = np.empty_like(u)
    v[0] = v0
    if K == 1:
        return v
    if _affine(u):
        r = u[1] / u0
        k = _weights(K, u.ndim)[1:]
        powers = np.cumprod(np.broadcast_to(r, (K - 1,) + np.shape(r)), axis=0)
        v[1:] = powers * (np.where(k % 2 == 1, 1.0, -1.0) / k)
        return v
    kk = _weights(K, u.ndim)
    for k in range(1, K):
        acc = k * u[k]
        if k > 1:
            acc = acc - _dot(kk[1:k] * v[1:k], u[k - 1:0:-1])
        v[k] = acc / (k * u0)
    return v


def _sqrt_flat(u, v0):
    """sqrt of a series: 2 v_0 v_k = u_k - sum_{j=1..k-1} v_j v_(k-j)."""
    K = u.shape[0]
    v = np.empty_like(u)
    v[0] = v0
    two_v0 = 2.0 * v0
    for k in range(1, K):
        acc = u[k]
        if k > 1:
            acc = acc - _dot(v[1:k], v[k - 1:0:-1])
        v[k] = acc / two_v0
    return v


def _div_flat(a, b, v0):
    """a / b for series: b_0 v_k = a_k - sum_{j=1..k} b_j v_(k-j)."""
    K = b.shape[0]
    v = np.empty(np.broadcast_shapes(a.shape, b.shape))
    v[0] = v0
    b0 = b[0]
    for k in range(1, K):
        v[k] = (a[k] - _dot(b[1:k + 1], v[k - 1::-1])) / b0
    return v


def _pow_flat(u, p, v0):
    """u**p for a constant real p (scalar or elementwise), u_0 != 0:
    k u_0 v_k = sum_{j=1..k} (p j - (k - j)) u_j v_(k-j)."""
    K = u.shape[0]
    v = np.empty_like(u)
    v[0] = v0
    if K == 1:
        return v
    u0 = u[0]
    if np.ndim(p) == 0 and _affine(u):
        # (a + b t)^p = a^p sum_k binom(p, k) (b/a)^k t^k
        r = u[1] / u0
        k = np.arange(1, K, dtype=np.float64)
        steps = ((p - k + 1.0) / k).reshape((K - 1,) + (1,) * (u.ndim - 1)) * r
        v[1:] = np.cumprod(steps, axis=0) * v0
        return v
    ju = u * _weights(K, u.ndim)
    uu = u
    for k in range(1, K):
        # sum_j (p j - k + j) u_j v_(k-j) = (p + 1) sum j u_j v_(k-j) - k sum u_j v_(k-j)
        acc = (p + 1.0) * _dot(ju[1:k + 1], v[k - 1::-1]) - k * _dot(uu[1:k + 1], v[k - 1::-1])
        v[k] = acc / (k * u0)
    return v


def _int_power(c, n, K):
    """c**n for an integer n >= 1 by repeated squaring of series (exact where c_0 = 0)."""
    result = None
    base = c
    while True:
        if n & 1:
            result = base if result is None else _cauchy(result, base, K)
        n >>= 1
        if not n:
            return result
        base = _cauchy(base, base, K)


# =========================================================================================
# Alignment of arguments and the rule dispatcher
# =========================================================================================

def _value_rank(a):
    return a.rank if isinstance(a, Series) else np.ndim(a)


def _align(args):
    """Give every series argument of an elementwise primitive the rank of the output, by
    inserting unit axes after the batch axes (numpy's broadcasting then lines up)."""
    out_rank = max(_value_rank(a) for a in args)
    aligned = []
    for a in args:
        if isinstance(a, Series) and a.rank < out_rank:
            c = a.c
            lead = 1 + a.nb
            c = c.reshape(c.shape[:lead] + (1,) * (out_rank - a.rank) + c.shape[lead:])
            a = Series(c, a.nb)
        aligned.append(a)
    return aligned


def apply_rule(prim, args, params):
    """Apply ``prim`` to series (and constants): its table entry's Taylor rule.

    Arguments that are all constants give a constant (the primitive's forward).
    """
    if not any(isinstance(a, Series) for a in args):
        return prim.impl(*args, **params)
    rule = getattr(prim, "taylor", None)
    if rule is None:
        if hasattr(prim, "grad_fn"):
            raise HodError(
                f"Taylor mode cannot expand custom_gradient function {prim.name}: its gradient "
                "function defines reverse mode only (use hod.nested_derivative)")
        raise HodError(f"primitive {prim.name} has no Taylor rule")
    if getattr(prim, "partials", None) is not None:
        args = _align(args)
    return rule(prim, args, params)


def _batch_info(args):
    s = next(a for a in args if isinstance(a, Series))
    return s.c.shape[0], s.nb


def _out(prim, args, params, K, nb):
    """The output's zero-order coefficient with batch axes, and the output array shape."""
    v0 = np.asarray(prim.impl(*[_zero_order(a) for a in args], **params), dtype=np.float64)
    return v0, (K,) + v0.shape


# =========================================================================================
# Rule families
# =========================================================================================

def constant_rule(prim, args, params):
    """Rule of primitives without derivative (comparisons): the value at the expansion point."""
    return prim.impl(*[a.value if isinstance(a, Series) else a for a in args], **params)


def linear(prim, args, params):
    """Rule of structural (linear) primitives: their JVP rule, applied to the coefficient stack.

    The JVP rules keep extra leading axes in front, and ``(K,) + batch`` is such a prefix.  The
    zero-order coefficient is the forward value (constant arguments enter it, not the others).
    """
    from .tape import Node

    _, nb = _batch_info(args)
    inputs = [Tensor._wrap(np.asarray(a.value if isinstance(a, Series) else as_value(a)))
              for a in args]
    out = Tensor._wrap(prim.impl(*[t._value for t in inputs], **params))
    tangents = [Tensor._wrap(a.c) if isinstance(a, Series) else None for a in args]
    t = np.asarray(as_value(prim.jvp(tangents, Node(prim, inputs, params, out))),
                   dtype=np.float64)
    c = np.array(t, copy=True)  # it may share memory with an input's coefficients
    # The zero-order coefficient is the forward value (constant arguments enter it).
    c[0] = np.broadcast_to(np.asarray(out._value, dtype=np.float64), c.shape[1:])
    return Series(c, nb)


def add_rule(prim, args, params):
    """a + b (and a - b through :func:`subtract_rule`): coefficientwise."""
    return _add_sub(prim, args, params, 1.0)


def subtract_rule(prim, args, params):
    return _add_sub(prim, args, params, -1.0)


def _add_sub(prim, args, params, sign):
    a, b = args
    K, nb = _batch_info(args)
    v0, shape = _out(prim, args, params, K, nb)
    if isinstance(a, Series) and isinstance(b, Series):
        c = a.c + b.c if sign > 0 else a.c - b.c
    elif isinstance(a, Series):
        c = _as_full(a.c, shape)
    else:
        c = _as_full(b.c if sign > 0 else -b.c, shape)
    c[0] = v0
    return Series(c, nb)


def negative_rule(prim, args, params):
    (a,) = args
    return Series(-a.c, a.nb)


def multiply_rule(prim, args, params):
    """a * b: the Cauchy product, or a scaling when one factor is constant."""
    a, b = args
    K, nb = _batch_info(args)
    if isinstance(a, Series) and isinstance(b, Series):
        ac, bc = a.c, b.c
        if ac.shape == bc.shape and ac[0].size == 1:
            c = _cauchy(ac.reshape(K), bc.reshape(K), K).reshape(ac.shape)
        else:
            c = _cauchy(ac, bc, K)
        return Series(c, nb)
    s, k = (a, b) if isinstance(a, Series) else (b, a)
    return Series(s.c * np.asarray(k, dtype=np.float64), nb)


def divide_rule(prim, args, params):
    """a / b: a scaling if b is constant, else b_0 v_k = a_k - sum_{j>=1} b_j v_(k-j)."""
    a, b = args
    K, nb = _batch_info(args)
    if not isinstance(b, Series):
        return Series(a.c / np.asarray(b, dtype=np.float64), nb)
    v0, shape = _out(prim, args, params, K, nb)
    bc = _as_full(b.c, shape)
    if isinstance(a, Series):
        ac = _as_full(a.c, shape)
    else:
        ac = np.zeros(shape)
        ac[0] = v0 * bc[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        v = _div_flat(_flat2(ac), _flat2(bc), _flat2(v0[None])[0])
    return Series(v.reshape(shape), nb)


def _unary(prim, args, params):
    """The one series argument, its batch rank, its coefficients flattened, and the output's
    zero-order coefficient flattened alike."""
    (u,) = args
    v0 = np.asarray(prim.impl(u.c[0], **params), dtype=np.float64)
    return u, u.nb, _flat2(u.c), _flat2(v0[None])[0]


def exp_rule(prim, args, params):
    """exp: k v_k = sum_{j=1..k} j u_j v_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    return Series(_exp_flat(uf, v0).reshape(u.c.shape), nb)


def log_rule(prim, args, params):
    """log: u_0 k v_k = k u_k - sum_{j=1..k-1} j v_j u_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = _log_flat(uf, v0)
    return Series(v.reshape(u.c.shape), nb)


def sqrt_rule(prim, args, params):
    """sqrt: 2 v_0 v_k = u_k - sum_{j=1..k-1} v_j v_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = _sqrt_flat(uf, v0)
    return Series(v.reshape(u.c.shape), nb)


def sin_rule(prim, args, params):
    """sin, computed together with cos (each one's recurrence needs the other)."""
    u, nb, uf, _ = _unary(prim, args, params)
    return Series(_sin_cos_flat(uf)[0].reshape(u.c.shape), nb)


def cos_rule(prim, args, params):
    u, nb, uf, _ = _unary(prim, args, params)
    return Series(_sin_cos_flat(uf)[1].reshape(u.c.shape), nb)


def sinh_rule(prim, args, params):
    """sinh, computed together with cosh."""
    u, nb, uf, _ = _unary(prim, args, params)
    return Series(_sin_cos_flat(uf, hyperbolic=True)[0].reshape(u.c.shape), nb)


def cosh_rule(prim, args, params):
    u, nb, uf, _ = _unary(prim, args, params)
    return Series(_sin_cos_flat(uf, hyperbolic=True)[1].reshape(u.c.shape), nb)


def power_rule(prim, args, params):
    """x ** y.

    * constant integer exponent: repeated squaring of series (exact where the base is 0, and
      fine for negative bases); negative integers through one division;
    * constant real exponent: k u_0 v_k = sum_j (p j - (k - j)) u_j v_(k-j);
    * variable exponent: exp(y log x), with the zero-order value from the forward.
    """
    x, y = args
    K, nb = _batch_info(args)
    v0, shape = _out(prim, args, params, K, nb)
    if not isinstance(y, Series):
        yv = np.asarray(y, dtype=np.float64)
        if yv.ndim == 0:
            p = float(yv)
            if p == 0.0:
                c = np.zeros(shape)
                c[0] = v0
                return Series(c, nb)
            if p.is_integer() and abs(p) <= 1024:
                n = int(abs(p))
                xc = _as_full(x.c, shape)
                c = _int_power(_flat2(xc), n, K).reshape(shape)
                if p < 0:
                    one = np.zeros(shape)
                    one[0] = 1.0
                    with np.errstate(divide="ignore", invalid="ignore"):
                        c = _div_flat(_flat2(one), _flat2(c), _flat2(v0[None])[0])
                    c = c.reshape(shape)
                c[0] = v0
                return Series(c, nb)
            xc = _as_full(x.c, shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                c = _pow_flat(_flat2(xc), p, _flat2(v0[None])[0])
            return Series(c.reshape(shape), nb)
        # elementwise constant exponents: the real-exponent recurrence, elementwise p
        xc = _as_full(x.c, shape)
        p = np.broadcast_to(yv, shape[1:]).reshape(-1) if shape[1:] else yv
        with np.errstate(divide="ignore", invalid="ignore"):
            c = _pow_flat(_flat2(xc), _flat2(np.asarray(p)[None])[0], _flat2(v0[None])[0])
        return Series(c.reshape(shape), nb)
    # variable exponent: x**y = exp(y log x)
    from . import ops

    with np.errstate(divide="ignore", invalid="ignore"):
        lx = apply_rule(ops.log, [x], {}) if isinstance(x, Series) else np.log(x)
        w = apply_rule(ops.multiply, [y, lx], {})
        wc = _as_full(w.c, shape)
        c = _exp_flat(_flat2(wc), _flat2(v0[None])[0])
    return Series(c.reshape(shape), nb)


# --- the generic rule: from the entry's first derivative ---------------------------------

_PARTIAL_GRAPHS: dict = {}


def _partial_graph(prim, i):
    """The entry's i-th partial derivative as an expression graph (built once, cached).

    Returns (kind, payload): ("one",), ("minus_one",), ("none",), ("const", value) or
    ("graph", root, order of nodes).
    """
    key = (prim.name, i)
    hit = _PARTIAL_GRAPHS.get(key)
    if hit is not None:
        return hit
    from . import ops

    p = prim.partials[i]
    if p is None:
        entry = ("none",)
    elif p is ops.ONE:
        entry = ("one",)
    elif p is ops.MINUS_ONE:
        entry = ("minus_one",)
    else:
        xs = [_graph.var(f"__arg{k}") for k in range(len(prim.partials))]
        try:
            g = ops.partial_value(p(*xs, _graph.var("__ans")))
        except (TypeError, ValueError, AttributeError) as exc:  # it inspects values
            raise HodError(f"the derivative rule of {prim.name} cannot be evaluated on "
                           f"Taylor series ({exc}); give the entry an explicit Taylor rule"
                           ) from None
        if isinstance(g, _graph.Expr):
            if "__ans" in _graph.variables(g):
                raise HodError(f"the derivative rule of {prim.name} uses the output; give the "
                               "entry an explicit Taylor rule (e.g. output_polynomial)")
            entry = ("graph", g, _graph.topological([g]))
        else:
            entry = ("const", np.asarray(as_value(g), dtype=np.float64))
    _PARTIAL_GRAPHS[key] = entry
    return entry


def from_derivative(prim, args, params):
    """The generic rule: from the first derivative, v_k = (1/k) sum_{j=1..k} j u_j c_(k-j).

    ``c`` is the Taylor series (one order lower) of the partial derivative, obtained by
    evaluating the entry's ``partials`` (hod operations) on series; with several arguments the
    contributions add (v' = sum_i d_i f(u) u_i').
    """
    K, nb = _batch_info(args)
    v0, shape = _out(prim, args, params, K, nb)
    v = np.zeros(shape)
    v[0] = v0
    if K == 1:
        return Series(v, nb)
    lower = [Series(a.c[:K - 1], a.nb) if isinstance(a, Series) else a for a in args]
    ks = _weights(K, len(shape))
    for i, a in enumerate(args):
        if not isinstance(a, Series):
            continue
        entry = _partial_graph(prim, i)
        kind = entry[0]
        if kind == "none":
            continue
        if kind == "one":
            v[1:] += a.c[1:]
            continue
        if kind == "minus_one":
            v[1:] -= a.c[1:]
            continue
        if kind == "const":
            v[1:] += a.c[1:] * entry[1]
            continue
        env = {f"__arg{k}": b for k, b in enumerate(lower)}
        c = _graph.evaluate(entry[1], env, apply_rule, order=entry[2])
        ju = a.c[1:] * ks[1:]
        if isinstance(c, Series):
            v[1:] += _cauchy(ju, c.c, K - 1) / ks[1:]
        else:
            v[1:] += ju * np.asarray(c, dtype=np.float64) / ks[1:]
    return Series(v, nb)


def output_polynomial(p0, p1, p2=0.0):
    """Rule family for derivatives that are a polynomial of the output: f'(u) = P(f(u)) with
    P(v) = p0 + p1 v + p2 v^2 (exp: v; expm1: 1 + v; tan: 1 + v^2; tanh: 1 - v^2;
    sigmoid: v - v^2).

    With c = P(v), k v_k = sum_{j=1..k} j u_j c_(k-j), and c_(k-1) needs only v_0..v_(k-1):
    the output is built one coefficient at a time.
    """

    def rule(prim, args, params):
        u, nb, uf, v0 = _unary(prim, args, params)
        K = uf.shape[0]
        v = np.empty_like(uf)
        v[0] = v0
        if K > 1:
            c = np.empty_like(uf)
            ju = uf * _weights(K, uf.ndim)
            for k in range(1, K):
                m = k - 1
                cm = p1 * v[m]
                if p2:
                    cm = cm + p2 * _dot(v[:m + 1], v[m::-1])
                if m == 0 and p0:
                    cm = cm + p0
                c[m] = cm
                v[k] = _dot(ju[1:k + 1], c[k - 1::-1]) / k
        return Series(v.reshape(u.c.shape), nb)

    rule.__name__ = f"output_polynomial({p0}, {p1}, {p2})"
    rule.__doc__ = f"Taylor rule for f' = {p0} + {p1} f + {p2} f^2 (see output_polynomial)."
    return rule


# --- piecewise primitives ----------------------------------------------------------------

def _select(mask, x, y, shape, nb):
    """Coefficientwise choice between two series/constants by a mask of the value's shape."""

    def full(a):
        if isinstance(a, Series):
            return np.broadcast_to(a.c, shape)
        z = np.zeros(shape)
        z[0] = np.broadcast_to(np.asarray(a, dtype=np.float64), shape[1:])
        return z

    return Series(np.where(mask, full(x), full(y)), nb)


def abs_rule(prim, args, params):
    """|u| = sign(u_0) u away from 0; at u_0 = 0 the convention abs'(0) = 0 (a kink)."""
    (u,) = args
    s = np.sign(u.c[0])
    if np.any(prim.kink(u.c[0])):
        _note_kink(prim)
    c = u.c * s
    c[0] = np.abs(u.c[0])
    return Series(c, u.nb)


def sign_rule(prim, args, params):
    """sign is locally constant away from 0; at 0 it jumps (reported, derivative 0)."""
    (u,) = args
    if np.any(prim.kink(u.c[0])):
        _note_kink(prim)
    c = np.zeros_like(u.c)
    c[0] = np.sign(u.c[0])
    return Series(c, u.nb)


def relu_rule(prim, args, params):
    """relu(u) = u where u_0 > 0, else 0; at u_0 = 0 the convention relu'(0) = 0."""
    (u,) = args
    if np.any(prim.kink(u.c[0])):
        _note_kink(prim)
    return Series(np.where(u.c[0] > 0, u.c, 0.0), u.nb)


def _extremum(prim, args, params, first_wins):
    a, b = args
    K, nb = _batch_info(args)
    v0, shape = _out(prim, args, params, K, nb)
    a0 = np.broadcast_to(_zero_order(a), shape[1:])
    b0 = np.broadcast_to(_zero_order(b), shape[1:])
    if np.any(prim.kink(a0, b0)):
        _note_kink(prim)
    out = _select(first_wins(a0, b0), a, b, shape, nb)
    out.c[0] = v0
    return out


def maximum_rule(prim, args, params):
    """max(a, b): the larger piece at the expansion point; at a tie the first argument."""
    return _extremum(prim, args, params, np.greater_equal)


def minimum_rule(prim, args, params):
    """min(a, b): the smaller piece at the expansion point; at a tie the first argument."""
    return _extremum(prim, args, params, np.less_equal)


def where_rule(prim, args, params):
    """where(cond, x, y): the condition is fixed at the expansion point."""
    cond, x, y = args
    if not (isinstance(x, Series) or isinstance(y, Series)):
        return prim.impl(cond.value, x, y, **params)
    K, nb = _batch_info([x, y])
    cond = cond.value if isinstance(cond, Series) else cond
    v0, shape = _out(prim, [cond, x, y], params, K, nb)
    out = _select(np.asarray(cond, dtype=bool), x, y, shape, nb)
    out.c[0] = v0
    return out


def matmul_rule(prim, args, params):
    """a @ b: linear in each factor; with both factors series, the Cauchy product
    v_k = sum_j a_j @ b_(k-j) (vectors are treated as a row or a column)."""
    a, b = args
    if not (isinstance(a, Series) and isinstance(b, Series)):
        return linear(prim, args, params)
    K, nb = _batch_info(args)
    ac, bc = a.c, b.c
    a_vec, b_vec = a.rank == 1, b.rank == 1
    if a_vec:
        ac = ac[..., None, :]
    if b_vec:
        bc = bc[..., :, None]
    # Stacks of matrices of different ranks: unit axes after the batch axes line them up.
    lead = 1 + nb
    ra, rb = ac.ndim - lead, bc.ndim - lead
    if ra < rb:
        ac = ac.reshape(ac.shape[:lead] + (1,) * (rb - ra) + ac.shape[lead:])
    elif rb < ra:
        bc = bc.reshape(bc.shape[:lead] + (1,) * (ra - rb) + bc.shape[lead:])
    out = None
    for j in range(K):
        if not ac[j].any():
            continue
        term = np.matmul(ac[j], bc[:K - j])
        if out is None:
            out = np.zeros((K,) + term.shape[1:])
        out[j:] += term
    if out is None:
        out = np.zeros((K,) + np.matmul(ac[0], bc[0]).shape)
    if b_vec:
        out = out[..., 0]
    if a_vec:
        out = out[..., 0, :] if not b_vec else out[..., 0]
    return Series(out, nb)


# =========================================================================================
# Propagation through graphs and recorded tapes
# =========================================================================================

def propagate(roots, env):
    """Propagate series through graph ``roots``; ``env`` maps variable names to a
    :class:`Series` or a constant.  Returns one value (Series or constant) per root."""
    single = isinstance(roots, _graph.Expr)
    rl = [roots] if single else list(roots)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _graph.evaluate(rl, env, apply_rule)
    return out[0] if single else out


def _trace(f, primals):
    """Run ``f`` on fresh tensors watched by a tape: (recorded nodes, input tensors, output)."""
    from .tape import GradientTape

    xs = [Tensor(p) for p in primals]
    with GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(xs)
        y = f(*xs)
    if isinstance(y, (list, tuple, dict)):
        raise UsageError("Taylor mode needs a function with one tensor output")
    return tape.nodes, xs, y


def _replay(nodes, xs, series, y):
    """Propagate ``series`` (one per input tensor) through the recorded ``nodes``."""
    if not isinstance(y, Tensor):
        return as_value(y)
    env = {x._id: s for x, s in zip(xs, series)}
    needed = {y._id}
    keep = []
    for node in reversed(nodes):
        if node.output._id in needed:
            keep.append(node)
            for a in node.inputs:
                if isinstance(a, Tensor):
                    needed.add(a._id)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for node in reversed(keep):
            args = [env.get(a._id, a._value) if isinstance(a, Tensor) else a
                    for a in node.inputs]
            env[node.output._id] = apply_rule(node.prim, args, node.params)
    return env.get(y._id, y._value)


def _coefficients_of(result, K, nb, batch):
    """A propagation's output as a full coefficient array (constants become series)."""
    if isinstance(result, Series):
        return result.c
    v = np.asarray(result, dtype=np.float64)
    c = np.zeros((K,) + batch + v.shape)
    c[0] = v
    return c


def _seed(x0, direction, K, batch=()):
    """The series x0 + t * direction (direction may carry leading batch axes)."""
    x0 = np.asarray(as_value(x0), dtype=np.float64)
    d = np.asarray(as_value(direction), dtype=np.float64)
    shape = batch + x0.shape
    c = np.zeros((K,) + shape)
    c[0] = x0
    if K > 1:
        c[1] = np.broadcast_to(d, shape)
    return Series(c, len(batch))


class _Collect:
    """Collects the kinks met during one propagation."""

    def __enter__(self):
        self.kinks = []
        _kink_logs.append(self.kinks)
        return self

    def __exit__(self, *exc):
        _kink_logs.remove(self.kinks)
        return False


def _warn_kinks(kinks):
    for name, convention in kinks:
        warnings.warn(f"{name} is not differentiable at the expansion point; Taylor mode used "
                      f"hod's convention ({convention})", HodWarning, stacklevel=3)


def _run(f, primals, seeds):
    """Propagate ``seeds`` (Series, one per argument, or a constant) through ``f``.

    ``f`` is a graph (then ``primals`` is a dict name -> seed) or a Python function of hod
    tensors (traced on a tape at the primal values).  Returns (output, kinks).
    """
    with _Collect() as col:
        if isinstance(f, _graph.Expr):
            out = propagate(f, seeds)
        else:
            nodes, xs, y = _trace(f, primals)
            out = _replay(nodes, xs, seeds, y)
    return out, col.kinks


# =========================================================================================
# Mixed partials from univariate directions (Griewank, Utke, Walther 2000)
# =========================================================================================

def _compositions(n, d):
    """All n-tuples of non-negative integers with sum d (the directions of degree d)."""
    if n == 1:
        return [(d,)]
    return [(a,) + rest for a in range(d, -1, -1) for rest in _compositions(n - 1, d - a)]


@functools.cache
def _gamma_row(j, d):
    """The weights of the directions in the partial derivative of multi-index ``j``: a dict
    from each direction ``i`` (a tuple over the support of j, |i| = d) to its weight.

    The homogeneous polynomial P(s) = sum_{|j|=m} (D^j f / j!) s^j is the m-th Taylor
    coefficient of t -> f(x + t s); it is known at the points |i| = d.  Lagrange interpolation
    on that simplex grid gives P at any point k, P(k) = (|k|/d)^m sum_i P(i) prod_l
    binom(d k_l/|k|, i_l), and the forward difference D^j f = sum_{0<k<=j} (-1)^{|j-k|}
    binom(j, k) P(k) extracts the coefficient.  Hence the weight of direction i is

        gamma = sum_{0<k<=j} (-1)^{|j-k|} binom(j,k) binom(d k/|k|, i) (|k|/d)^m.

    With binom(d k_l/|k|, a) = prod_{q<a} (d k_l - q |k|) / (|k|^a a!) and |i| = d, the sum is
    computed in integers over the common denominator d^m i! lcm(|k|)^(d-m), then divided once.
    """
    m = sum(j)
    dirs = _compositions(len(j), d)
    big = 1
    for nk in range(1, m + 1):
        big = math.lcm(big, nk ** (d - m))
    sums = dict.fromkeys(dirs, 0)
    for k in itertools.product(*(range(a + 1) for a in j)):
        nk = sum(k)
        if nk == 0:
            continue
        outer = (-1) ** (m - nk) * math.prod(math.comb(a, b) for a, b in zip(j, k))
        outer *= big // nk ** (d - m)
        # falling[l][a] = prod_{q<a} (d k_l - q |k|)
        falling = []
        for kl in k:
            row = [1]
            for q in range(d):
                row.append(row[-1] * (d * kl - q * nk))
            falling.append(row)
        for i in dirs:
            prod = outer
            for row, a in zip(falling, i):
                prod *= row[a]
                if not prod:
                    break
            sums[i] += prod
    den_m = big * d ** m
    out = {}
    for i, total in sums.items():
        if total:
            den = den_m * math.prod(math.factorial(a) for a in i)
            out[i] = total / den  # int / int: correctly rounded
    return out


def _interpolation(multi_indices, n, d):
    """Directions (D, n) and weights W (len(multi_indices), D) such that the partial
    derivative of multi-index j is sum_i W[j, i] * (coefficient |j| along direction i).

    Only the variables some multi-index uses get directions."""
    used = sorted({v for j in multi_indices for v in range(n) if j[v]})
    dirs_local = _compositions(len(used), d) if used else [()]
    col = {c: k for k, c in enumerate(dirs_local)}
    dirs = np.zeros((len(dirs_local), n))
    for k, c in enumerate(dirs_local):
        for v, a in zip(used, c):
            dirs[k, v] = a
    W = np.zeros((len(multi_indices), len(dirs_local)))
    pos = {v: p for p, v in enumerate(used)}
    for r, j in enumerate(multi_indices):
        supp = [v for v in range(n) if j[v]]
        if not supp:
            continue
        jt = tuple(j[v] for v in supp)
        for ct, weight in _gamma_row(jt, d).items():
            full = [0] * len(used)
            for v, a in zip(supp, ct):
                full[pos[v]] = a
            W[r, col[tuple(full)]] = weight
    return dirs, W


@functools.lru_cache(maxsize=32)
def _tensor_plan(n, d):
    """For all partials of order 1..d in n variables: the directions, and per order m the
    weight matrix (multisets of size m in lexicographic order) and the map from every index
    tuple in [n]^m to its multiset's row."""
    per_order = {m: list(itertools.combinations_with_replacement(range(n), m))
                 for m in range(1, d + 1)}
    multi = []
    for m in range(1, d + 1):
        for comb in per_order[m]:
            j = [0] * n
            for v in comb:
                j[v] += 1
            multi.append(tuple(j))
    dirs, W = _interpolation(multi, n, d)
    # Every variable is used once d >= 1, so the directions are all compositions of d.
    weights, rows, start = {}, {}, 0
    for m in range(1, d + 1):
        count = len(per_order[m])
        weights[m] = W[start:start + count]
        start += count
        lut = np.zeros((n,) * m, dtype=np.int64)
        for r, comb in enumerate(per_order[m]):
            lut[comb] = r
        idx = np.sort(np.indices((n,) * m).reshape(m, -1), axis=0)
        rows[m] = lut[tuple(idx)]
    return dirs, weights, rows


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
