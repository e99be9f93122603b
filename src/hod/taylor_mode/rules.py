"""Taylor rules: one per primitive, in families.

Every primitive has one Taylor rule, its table entry's ``taylor=``, called as
``rule(prim, args, params)`` with each argument a :class:`~.series.Series` or a constant (a
numpy value that does not depend on ``t``).  The rules come in families:

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

Rules see only series, constants and the primitive record; operations they need (``log`` in a
variable power) come through the engine's late-bound table view, so this module imports
neither :mod:`hod.ops` nor the tape.
"""

from __future__ import annotations

import numpy as np

from ..engine.primitive import MINUS_ONE, ONE, partial_value
from ..engine.recording import Node
from ..engine.registry import ops
from ..engine.tensor import Tensor, as_value
from ..errors import HodError
from ..expr import graph as _graph
from .series import (
    EPS, Series, _as_full, _cauchy, _div_err, _div_flat, _err_conv, _err_sum, _exp_err,
    _exp_flat, _flat2, _int_power, _log_err, _log_flat, _dot, _polynomial_err, _pow_at_zero,
    _pow_err, _pow_flat, _sin_cos_err, _sin_cos_flat, _sqrt_err, _sqrt_flat, _weights,
    tracking,
    _zero_order,
)


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
            new = c.shape[:lead] + (1,) * (out_rank - a.rank) + c.shape[lead:]
            a = Series(c.reshape(new), a.nb, None if a.e is None else a.e.reshape(new))
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


def _err(a):
    """The error estimate of an argument: a series' ``e``, None for a constant or exact."""
    return a.e if isinstance(a, Series) else None


def _flat_err(a, shape=None):
    """A series argument's error estimate, broadcast to ``shape`` and flattened like its
    coefficients (None stays None)."""
    e = _err(a)
    if e is None:
        return None
    return _flat2(_as_full(e, shape) if shape is not None else e)


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
    nb = _batch_info(args)[1]
    inputs = [Tensor._wrap(np.asarray(a.value if isinstance(a, Series) else as_value(a)))
              for a in args]
    out = Tensor._wrap(prim.impl(*[t._value for t in inputs], **params))
    # The error estimates ride along as more leading rows of the same JVP (a linear map: the
    # error of its output is at most the map of the errors, up to signs).
    K = _batch_info(args)[0]
    with_err = any(_err(a) is not None for a in args)
    tangents = [Tensor._wrap(np.concatenate((a.c, a.e if a.e is not None else np.zeros_like(a.c)))
                             if with_err else a.c) if isinstance(a, Series) else None
                for a in args]
    t = np.asarray(as_value(prim.jvp(tangents, Node(prim, inputs, params, out))),
                   dtype=np.float64)
    c = np.array(t[:K], copy=True)  # it may share memory with an input's coefficients
    # The zero-order coefficient is the forward value (constant arguments enter it).
    c[0] = np.broadcast_to(np.asarray(out._value, dtype=np.float64), c.shape[1:])
    e = np.abs(t[K:]) + EPS * np.abs(c) if with_err else None
    return Series(c, nb, e)


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
        e = _err_sum(EPS * np.abs(c), a.e, b.e)
    else:
        s = a if isinstance(a, Series) else b
        c = _as_full(s.c if sign > 0 or s is a else -s.c, shape)
        e = _as_full(s.e, shape) if s.e is not None else np.zeros(shape)
        e[0] += EPS * np.abs(v0)  # only the zero-order coefficient is a sum
    c[0] = v0
    return Series(c, nb, e)


def negative_rule(prim, args, params):
    (a,) = args
    return Series(-a.c, a.nb, a.e)


def multiply_rule(prim, args, params):
    """a * b: the Cauchy product, or a scaling when one factor is constant."""
    a, b = args
    K, nb = _batch_info(args)
    if isinstance(a, Series) and isinstance(b, Series):
        ac, bc = a.c, b.c
        if ac.shape == bc.shape and ac[0].size == 1:
            c = _cauchy(ac.reshape(K), bc.reshape(K), K).reshape(ac.shape)
            flat = (K,)
        else:
            c = _cauchy(ac, bc, K)
            flat = None
        return Series(c, nb, _product_err(a, b, flat, c.shape))
    s, k = (a, b) if isinstance(a, Series) else (b, a)
    k = np.asarray(k, dtype=np.float64)
    c = s.c * k
    return Series(c, nb, _err_sum(EPS * np.abs(c), None if s.e is None else s.e * np.abs(k)))


def _product_err(a, b, flat, shape):
    """Error estimate of the Cauchy product a b: eps sum |a_j| |b_(k-j)| for its sums, and
    |a| * e_b + e_a * (|b| + e_b) for the factors' errors."""
    if not tracking():
        return None
    def prep(x):
        return None if x is None else (x.reshape(flat) if flat else x)

    aa, ab = np.abs(prep(a.c)), np.abs(prep(b.c))
    ea, eb = prep(a.e), prep(b.e)
    e = _err_conv(aa, _err_sum(EPS * ab, eb))
    if ea is not None:
        e = e + _err_conv(ea, _err_sum(ab, eb))
    return _reshaped(e, shape) if flat else e


def divide_rule(prim, args, params):
    """a / b: a scaling if b is constant, else b_0 v_k = a_k - sum_{j>=1} b_j v_(k-j)."""
    a, b = args
    K, nb = _batch_info(args)
    if not isinstance(b, Series):
        b = np.asarray(b, dtype=np.float64)
        c = a.c / b
        return Series(c, nb, _err_sum(EPS * np.abs(c), None if a.e is None else a.e / np.abs(b)))
    v0, shape = _out(prim, args, params, K, nb)
    bc = _as_full(b.c, shape)
    if isinstance(a, Series):
        ac = _as_full(a.c, shape)
    else:
        ac = np.zeros(shape)
        ac[0] = v0 * bc[0]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = _div_flat(_flat2(ac), _flat2(bc), _flat2(v0[None])[0])
        e = _div_err(_flat2(ac), _flat_err(a, shape), _flat2(bc), _flat_err(b, shape), v)
    return Series(v.reshape(shape), nb, _reshaped(e, shape))


def _unary(prim, args, params):
    """The one series argument, its batch rank, its coefficients flattened, and the output's
    zero-order coefficient flattened alike."""
    (u,) = args
    v0 = np.asarray(prim.impl(u.c[0], **params), dtype=np.float64)
    return u, u.nb, _flat2(u.c), _flat2(v0[None])[0]


def _reshaped(e, shape):
    """An error estimate reshaped (None: no estimate carried)."""
    return None if e is None else e.reshape(shape)


def _shaped(u, v, e):
    """A unary rule's result: flat coefficients and errors back in the argument's shape."""
    return Series(v.reshape(u.c.shape), u.nb, _reshaped(e, u.c.shape))


def exp_rule(prim, args, params):
    """exp: k v_k = sum_{j=1..k} j u_j v_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    v = _exp_flat(uf, v0)
    with np.errstate(over="ignore", invalid="ignore"):
        return _shaped(u, v, _exp_err(uf, _flat_err(u), v))


def log_rule(prim, args, params):
    """log: u_0 k v_k = k u_k - sum_{j=1..k-1} j v_j u_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = _log_flat(uf, v0)
        return _shaped(u, v, _log_err(uf, _flat_err(u), v))


def sqrt_rule(prim, args, params):
    """sqrt: 2 v_0 v_k = u_k - sum_{j=1..k-1} v_j v_(k-j)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        v = _sqrt_flat(uf, v0)
        return _shaped(u, v, _sqrt_err(uf, _flat_err(u), v))


def _sin_cos(args, which, hyperbolic=False):
    (u,) = args
    uf = _flat2(u.c)
    pair = _sin_cos_flat(uf, hyperbolic)
    with np.errstate(over="ignore", invalid="ignore"):
        e = _sin_cos_err(uf, _flat_err(u), *pair, which=which)
    return _shaped(u, pair[which], e)


def sin_rule(prim, args, params):
    """sin, computed together with cos (each one's recurrence needs the other)."""
    return _sin_cos(args, 0)


def cos_rule(prim, args, params):
    return _sin_cos(args, 1)


def sinh_rule(prim, args, params):
    """sinh, computed together with cosh."""
    return _sin_cos(args, 0, hyperbolic=True)


def cosh_rule(prim, args, params):
    return _sin_cos(args, 1, hyperbolic=True)


def power_rule(prim, args, params):
    """x ** y.

    * constant integer exponent: repeated squaring of series (exact where the base is 0, and
      fine for negative bases); negative integers through one division;
    * constant real exponent: k u_0 v_k = sum_j (p j - (k - j)) u_j v_(k-j); where u_0 = 0,
      the exact coefficients (0 below order m p for u = u_m t^m + ..., nan from there on);
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
                xc = _flat2(_as_full(x.c, shape))
                c = _int_power(xc, n, K)
                e = _int_power_err(xc, _flat_err(x, shape), n, K, c)
                if p < 0:
                    one = np.zeros_like(c)
                    one[0] = 1.0
                    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                        v = _div_flat(one, c, _flat2(v0[None])[0])
                        e = _div_err(one, None, c, e, v)
                    c = v
                c = c.reshape(shape)
                c[0] = v0
                return Series(c, nb, _reshaped(e, shape))
            p_flat = p
        else:
            # elementwise constant exponents: the real-exponent recurrence, elementwise p
            p = np.broadcast_to(yv, shape[1:]).reshape(-1) if shape[1:] else yv
            p_flat = _flat2(np.asarray(p)[None])[0]
        xc = _flat2(_as_full(x.c, shape))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = _pow_flat(xc, p_flat, _flat2(v0[None])[0])
            e = _pow_err(xc, _flat_err(x, shape), p_flat, c)
        c = _pow_at_zero(xc, p_flat, c)
        e = np.where(xc[0] == 0, 0.0, e)  # exact zeros there (or nan, not an error)
        return Series(c.reshape(shape), nb, _reshaped(e, shape))
    # variable exponent: x**y = exp(y log x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lx = apply_rule(ops.log, [x], {}) if isinstance(x, Series) else np.log(x)
        w = apply_rule(ops.multiply, [y, lx], {})
        wc = _flat2(_as_full(w.c, shape))
        c = _exp_flat(wc, _flat2(v0[None])[0])
        e = _exp_err(wc, _flat_err(w, shape), c)
    return Series(c.reshape(shape), nb, _reshaped(e, shape))


def _int_power_err(xc, ex, n, K, c):
    """Error estimate of x^n by repeated squaring: n times the products' rounding, and the
    base's error through n x^(n-1) (as |x + e|^n - |x|^n, majorised)."""
    if not tracking():
        return None
    ax = np.abs(xc)
    absolute = _int_power(ax, n, K)
    e = n * EPS * absolute
    if ex is not None:
        e = e + np.abs(_int_power(ax + ex, n, K) - absolute)
    return e


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
    p = prim.partials[i]
    if p is None:
        entry = ("none",)
    elif p is ONE:
        entry = ("one",)
    elif p is MINUS_ONE:
        entry = ("minus_one",)
    else:
        xs = [_graph.var(f"__arg{k}") for k in range(len(prim.partials))]
        try:
            g = partial_value(p(*xs, _graph.var("__ans")))
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
    # error estimate: the forward's rounding at order 0, then each term's (below)
    e = np.zeros(shape)
    e[0] = EPS * np.abs(v0)
    if K == 1:
        return Series(v, nb, e)
    lower = [Series(a.c[:K - 1], a.nb, None if a.e is None else a.e[:K - 1])
             if isinstance(a, Series) else a for a in args]
    ks = _weights(K, len(shape))
    for i, a in enumerate(args):
        if not isinstance(a, Series):
            continue
        entry = _partial_graph(prim, i)
        kind = entry[0]
        if kind == "none":
            continue
        if kind in ("one", "minus_one", "const"):
            d = 1.0 if kind == "one" else -1.0 if kind == "minus_one" else entry[1]
            v[1:] += a.c[1:] * d if kind == "const" else d * a.c[1:]
            if a.e is not None:
                e += a.e * np.abs(d)
            continue
        env = {f"__arg{k}": b for k, b in enumerate(lower)}
        c = _graph.evaluate(entry[1], env, apply_rule, order=entry[2])
        ju = a.c[1:] * ks[1:]
        if isinstance(c, Series):
            v[1:] += _cauchy(ju, c.c, K - 1) / ks[1:]
            # v' = f'(u) u': the sums' rounding, u's error through f'(u), f'(u)'s through u'
            ac = np.abs(c.c)
            ec = _err_sum(EPS * ac, c.e)
            eu = None if a.e is None else a.e[1:] * ks[1:]
            term = _err_sum(_err_conv(np.abs(ju), ec), _err_conv(eu, ac + ec))
            e[1:] += term / ks[1:]
            if a.e is not None:
                e[0] += np.abs(c.c[0]) * a.e[0]
        else:
            d = np.asarray(c, dtype=np.float64)
            v[1:] += ju * d / ks[1:]
            e[1:] += EPS * np.abs(v[1:])
            if a.e is not None:
                e += a.e * np.abs(d)
    e[1:] += EPS * np.abs(v[1:])
    return Series(v, nb, e)


def _output_ode(prim, args, params, make_c_at):
    """The rule of f' = P(f): with c = P(v), k v_k = sum_{j=1..k} j u_j c_(k-j), and
    ``make_c_at(uf)(m, v)`` gives c_m from v_0..v_m only (``uf``: the argument's flattened
    coefficients), so the output is built one coefficient at a time (c's last coefficient
    feeds only the error estimate)."""
    u, nb, uf, v0 = _unary(prim, args, params)
    c_at = make_c_at(uf)
    K = uf.shape[0]
    v = np.empty_like(uf)
    v[0] = v0
    c = np.empty_like(uf)
    ju = uf * _weights(K, uf.ndim)
    for k in range(1, K):
        c[k - 1] = c_at(k - 1, v)
        v[k] = _dot(ju[1:k + 1], c[k - 1::-1]) / k
    c[K - 1] = c_at(K - 1, v)
    with np.errstate(over="ignore", invalid="ignore"):
        return _shaped(u, v, _polynomial_err(uf, _flat_err(u), v, c))


def output_polynomial(p0, p1, p2=0.0):
    """Rule family for derivatives that are a polynomial of the output: f'(u) = P(f(u)) with
    P(v) = p0 + p1 v + p2 v^2 (exp: v; expm1: 1 + v; tan: 1 + v^2; tanh: 1 - v^2;
    sigmoid: v - v^2), by :func:`_output_ode`.
    """

    def c_at(m, v):
        cm = p1 * v[m]
        if p2:
            cm = cm + p2 * _dot(v[:m + 1], v[m::-1])
        return cm + p0 if m == 0 and p0 else cm

    def rule(prim, args, params):
        return _output_ode(prim, args, params, lambda uf: c_at)

    rule.__name__ = f"output_polynomial({p0}, {p1}, {p2})"
    rule.__doc__ = f"Taylor rule for f' = {p0} + {p1} f + {p2} f^2 (see output_polynomial)."
    return rule


def between_asymptotes(lo, hi, gaps):
    """Rule family for f' = (f - lo)(hi - f), f between two asymptotes (sigmoid: 0 and 1;
    tanh: -1 and 1).  ``gaps(u0)`` gives, computed without cancellation,
    ``(f(u0) - lo, hi - f(u0), lo + hi - 2 f(u0))``.

    Written out as a polynomial (sigmoid' = f - f^2) the derivative cancels twice: where f
    saturates (at u0 = 40, sigmoid(u0) rounds to 1 and f - f^2 to 0, while sigmoid'(40) is
    4e-18), and near the midpoint, where P'(f) = 1 - 2 f is a difference of rounded numbers.
    Here c = P(f) is expanded with those two numbers given accurately: c_0 = (f_0 - lo)(hi -
    f_0), c_m = (lo + hi - 2 f_0) v_m - sum_{i=1..m-1} v_i v_(m-i), by :func:`_output_ode`.
    """

    def make_c_at(uf):
        g_lo, g_hi, slope = gaps(uf[0])

        def c_at(m, v):
            if m == 0:
                return g_lo * g_hi
            cm = slope * v[m]
            return cm - _dot(v[1:m], v[m - 1:0:-1]) if m > 1 else cm

        return c_at

    def rule(prim, args, params):
        return _output_ode(prim, args, params, make_c_at)

    rule.__name__ = f"between_asymptotes({lo}, {hi})"
    rule.__doc__ = f"Taylor rule for f' = (f - {lo})({hi} - f) (see between_asymptotes)."
    return rule


def expm1_rule(prim, args, params):
    """expm1: the coefficients of exp from order 1 on, with v_0 = expm1(u_0).

    Not the polynomial rule f' = 1 + f: at u_0 = -40, expm1 rounds to -1 and 1 + f to 0,
    while exp(-40) = 4e-18."""
    u, nb, uf, v0 = _unary(prim, args, params)
    v = _exp_flat(uf, np.exp(uf[0]))
    with np.errstate(over="ignore", invalid="ignore"):
        e = _exp_err(uf, _flat_err(u), v)
    v[0] = v0
    return _shaped(u, v, e)


# --- piecewise primitives ----------------------------------------------------------------

def _select(mask, x, y, shape, nb):
    """Coefficientwise choice between two series/constants by a mask of the value's shape."""

    def full(a):
        if isinstance(a, Series):
            return np.broadcast_to(a.c, shape)
        z = np.zeros(shape)
        z[0] = np.broadcast_to(np.asarray(a, dtype=np.float64), shape[1:])
        return z

    def err(a):
        e = _err(a)
        return np.zeros(shape) if e is None else np.broadcast_to(e, shape)

    e = np.where(mask, err(x), err(y)) if _err(x) is not None or _err(y) is not None else None
    return Series(np.where(mask, full(x), full(y)), nb, e)


def abs_rule(prim, args, params):
    """|u| = sign(u_0) u away from 0; at u_0 = 0 the convention abs'(0) = 0 (a kink)."""
    (u,) = args
    s = np.sign(u.c[0])
    if np.any(prim.kink(u.c[0])):
        _note_kink(prim)
    c = u.c * s
    c[0] = np.abs(u.c[0])
    return Series(c, u.nb, u.e)


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
    return Series(np.where(u.c[0] > 0, u.c, 0.0), u.nb,
                  None if u.e is None else np.where(u.c[0] > 0, u.e, 0.0))


def _extremum(prim, args, params):
    a, b = args
    K, nb = _batch_info(args)
    v0, shape = _out(prim, args, params, K, nb)
    a0 = np.broadcast_to(_zero_order(a), shape[1:])
    b0 = np.broadcast_to(_zero_order(b), shape[1:])
    if np.any(prim.kink(a0, b0)):
        _note_kink(prim)
    out = _select(prim.first_piece(a0, b0), a, b, shape, nb)
    out.c[0] = v0
    return out


def maximum_rule(prim, args, params):
    """max(a, b): the larger piece at the expansion point; at a tie the first argument."""
    return _extremum(prim, args, params)


def minimum_rule(prim, args, params):
    """min(a, b): the smaller piece at the expansion point; at a tie the first argument."""
    return _extremum(prim, args, params)


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
    c = _matmul_series(a, b)
    if not tracking():
        return Series(c, a.nb)
    # error estimate: |a| @ (eps |b| + e_b) + e_a @ (|b| + e_b), by the same product
    ab = np.abs(b.c)
    eb = _err_sum(EPS * ab, b.e)
    e = _matmul_series(Series(np.abs(a.c), a.nb), Series(eb, b.nb))
    if a.e is not None:
        e = e + _matmul_series(Series(a.e, a.nb), Series(ab + eb, b.nb))
    return Series(c, a.nb, e)


def _matmul_series(a, b):
    """The coefficients of a @ b for two series (see :func:`matmul_rule`)."""
    K, nb = _batch_info([a, b])
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
    return out
