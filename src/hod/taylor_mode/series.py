"""Truncated Taylor series and their coefficient arithmetic.

A quantity that depends on a parameter ``t`` near 0 is carried as the numpy array ``c`` of its
*normalised* Taylor coefficients, ``c[k] = u^(k)(0) / k!``, so that
``u(t) = c[0] + c[1] t + ... + c[d] t^d + O(t^(d+1))``.  Derivatives are the coefficients times
``k!``, applied once, at the boundary.  An array has shape ``(d + 1,) + batch + shape``: the
coefficients, then ``nb`` batch axes (several directions propagated together), then the value's
own shape (many points at once).

The explicit recurrences (exp, log, sin/cos, sinh/cosh, sqrt, quotient, real power) work on
flattened coefficient arrays ``(K,)`` or ``(K, R)``.

Running error estimates.  Beside its coefficients, a series carries ``e``, an estimate of their
absolute rounding error, so that hod knows without any check when float64 lost digits.  Each
rule adds, in a few vectorised lines, the rounding of its own sums (eps times the sum of the
absolute values of the terms) and the inputs' errors carried through its linearisation.  A
recurrence feeds its rounding into later coefficients: an error r at order m of v = a / b
reaches order k as r (b_0 / b)_(k-m), and likewise through (v / v_0) for exp, u_0 / u for log,
v_0 / v for sqrt, the phases for sin/cos; these propagators are convolved with the local errors
(``_err_conv``), with their signs dropped only at the end, so that a stable recurrence is not
charged for a growth of |b_j| sums that cancel.  It is an estimate, not a proof: errors are
taken at first order, with one eps per sum, and a worst-case alignment of their signs.
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = ["Series"]


class Series:
    """A truncated Taylor series: ``c[k]`` is the coefficient of ``t**k`` (normalised).

    ``c`` has shape ``(K,) + batch + shape`` with ``K = order + 1`` and ``nb = len(batch)``.
    ``e`` (same shape, or None for exact coefficients) estimates the absolute rounding error of
    each coefficient: see "Running error estimates" in this module.
    """

    __slots__ = ("c", "nb", "e")

    def __init__(self, c, nb=0, e=None):
        self.c = c
        self.nb = nb
        # An estimate of the absolute rounding error of each coefficient (same shape as c),
        # carried along by the rules; None where the coefficients are exact (seeds).
        self.e = e

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
# Coefficient arithmetic
# =========================================================================================

# Reductions here never go through BLAS (np.dot, np.convolve, np.tensordot, matmul): OpenBLAS
# picks its kernels by CPU, and their summation order changes the last digits of what hod
# prints.  Products followed by numpy's own sum (pairwise, in a fixed order) give the same
# digits on every CPU.

def _dot(a, b):
    """sum_i a[i] * b[i] over the first axis (1-D arrays, or 2-D with columns kept)."""
    return np.add.reduce(a * b)  # over the first axis (the default)


def _weights(K, ndim):
    """``arange(K)`` shaped to multiply a coefficient array of rank ``ndim`` (k u_k)."""
    w = np.arange(K, dtype=np.float64)
    return w if ndim == 1 else w.reshape((K,) + (1,) * (ndim - 1))


def _convolve(a, b, K):
    """The first ``K`` coefficients of the product of two 1-D series: row k of the matrix
    ``a_j b_(k-j)`` summed (no BLAS; see above)."""
    a, b = a[:K], b[:K]
    na, nb = a.shape[0], b.shape[0]
    idx = np.arange(K)[:, None] - np.arange(na)[None, :]
    valid = (idx >= 0) & (idx < nb)
    terms = np.where(valid, b[np.clip(idx, 0, nb - 1)], 0.0) * a
    return np.add.reduce(terms, axis=1)


def _cauchy(a, b, K):
    """The first ``K`` coefficients of the product of two series (trailing axes broadcast)."""
    # Loop over the factor with fewer nonzero coefficients (inputs are often affine in t).
    na = [j for j in range(min(K, a.shape[0])) if a[j].any()]
    nb = [j for j in range(min(K, b.shape[0])) if b[j].any()]
    if len(nb) < len(na):
        a, b, na, nb = b, a, nb, na
    if a.ndim == 1 and b.ndim == 1 and len(na) > 16 and K <= 256:
        return _convolve(a, b, K)  # dense and short: one vectorised sum beats K slices
    shape = np.broadcast_shapes(a.shape[1:], b.shape[1:])
    out = np.zeros((K,) + shape)
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


def _powers_over_factorial(b, K, scale=1.0):
    """scale * b^k / k! for k = 0..K-1 (first axis), by a running product that starts from
    ``scale``: every partial product is a coefficient itself, so none overflows or underflows
    unless a coefficient does (e^180 * 1/180! is 7e-254, while 1/180! alone is 0 in float64
    from k = 171 and e^180 * 0 would be 0)."""
    shape = np.broadcast_shapes(np.shape(b), np.shape(scale))
    out = np.empty((K,) + shape)
    out[0] = scale
    if K > 1:
        out[1:] = np.multiply.outer(1.0 / np.arange(1, K), np.ones(shape)) * b
        np.cumprod(out, axis=0, out=out)
    return out


# --- running error estimates (see the module docstring) ------------------------------------

#: The rounding charged per elementary sum or product (two units in the last place).
EPS = 2.0 ** -52

# The running error estimate costs about as much as the coefficients themselves, so it is
# carried only through propagations with a rule that can amplify rounding (a quotient, log,
# sqrt, real power, or a rule from the derivative: see propagate.amplifies); elsewhere every
# error helper returns None (no estimate: the recurrences of exp, sin, tan... damp rounding).
_TRACKING = [True]


@contextlib.contextmanager
def tracking_errors(on):
    """Within the block, error estimates are carried (``on``) or skipped."""
    _TRACKING.append(bool(on))
    try:
        yield
    finally:
        _TRACKING.pop()


def tracking():
    return _TRACKING[-1]
_TINY_NORMAL = np.finfo(np.float64).tiny


def _err_conv(a, b):
    """sum_j a_j b_(k-j) for k < K of two arrays of the same first length ``K`` (error
    estimates and absolute values: non-negative, no exactness needed, no BLAS either); None
    stands for zero."""
    if not _TRACKING[-1]:
        return None
    if a is None or b is None:
        return None
    K = a.shape[0]
    if a.ndim == 1 and b.ndim == 1:
        return np.add.reduce(_toeplitz(b) * a, axis=1)
    shape = np.broadcast_shapes(a.shape[1:], b.shape[1:])
    out = np.zeros((K,) + shape)
    for j in np.flatnonzero(a.reshape(K, -1).any(axis=1)):
        out[j:] += a[j] * b[:K - j]
    return out


def _toeplitz(b):
    """The lower-triangular Toeplitz matrix T[k, j] = b[k - j] (0 for j > k) of a 1-D array,
    as a strided view of a zero-padded copy: T @ a is the convolution of a and b."""
    K = b.shape[0]
    padded = np.zeros(2 * K - 1)
    padded[K - 1:] = b
    step = padded.strides[0]
    return as_strided(padded[K - 1:], shape=(K, K), strides=(step, -step), writeable=False)


def _err_sum(*terms):
    """The sum of the error arrays given (None stands for zero)."""
    if not _TRACKING[-1]:
        return None
    out = None
    for t in terms:
        if t is not None:
            out = t if out is None else out + t
    return out


def _reciprocal(b):
    """b_0 / b as a series (the propagator of a recurrence that solves b v = a): in closed
    form when b is affine, else by the quotient recurrence."""
    K = b.shape[0]
    if _affine(b) or K <= 2:
        if K == 1:
            return np.ones_like(b)
        return _powers_over_factorial_free(-b[1] / b[0], K)
    one = np.zeros_like(b)
    one[0] = b[0]
    return _div_flat(one, b, np.ones_like(b[0]))


def _powers_over_factorial_free(r, K):
    """r^k for k = 0..K-1 (first axis), by a running product."""
    out = np.empty((K,) + np.shape(r))
    out[0] = 1.0
    out[1:] = r
    return np.cumprod(out, axis=0, out=out)


def _div_err(a, ea, b, eb, v):
    """Error estimate of v = a / b by the quotient recurrence b_0 v_k = a_k - sum b_j v_(k-j):
    the local rounding eps (|a_k| + sum |b_j| |v_(k-j)|) / |b_0| and the inputs' errors
    (e_a + |v| * e_b) / |b_0|, carried through the propagator b_0 / b."""
    if not _TRACKING[-1]:
        return None
    av, ab = np.abs(v), np.abs(b)
    local = EPS * (np.abs(a) + _err_conv(ab, av))
    src = _err_sum(local, ea, _err_conv(av, eb)) / ab[0]
    with np.errstate(over="ignore", invalid="ignore"):
        return _err_conv(np.abs(_reciprocal(b)), src)


def _ode_err(u, eu, v, c, extra=None):
    """Error estimate of a recurrence k v_k = sum_{j=1..k} j u_j c_(k-j) that solves an
    equation v' = c u' (exp: c = v; tan: c = 1 + v^2; sin: c = cos u): the rounding of its
    sums, eps sum_j j |u_j| |c_(k-j)| / k, plus k + 1 roundings of v_k on its way, and the
    input's error through c (dv = c du).

    Such a recurrence damps what it has rounded (an error at order m reaches order k weighted
    by m / k, and the solution of v' = c u' with a perturbed start is the same function
    scaled), so the rounding of one coefficient is not carried on to the next: a bound that
    carried |u_j| |error| forward would grow like the series of exp(|u|), far above the
    float64 errors.  ``extra`` adds a second sum's rounding (sin and cos feed each other)."""
    if not _TRACKING[-1]:
        return None
    K = u.shape[0]
    ks = _weights(K, u.ndim)
    av, ac = np.abs(v), np.abs(c)
    if _affine(u):  # v_0 b^k / k! (times a phase): k + 2 roundings
        return _err_sum(EPS * (ks + 2.0) * av, _err_conv(ac, eu))
    au = np.abs(u)
    sums = _err_conv(au * ks, ac)  # k S_k = sum_j j |u_j| |c_(k-j)|
    local = _err_sum(sums, extra)
    local[1:] /= ks[1:]
    local[0] = 0.0
    err = EPS * (local + (ks + 1.0) * av)
    if eu is not None:
        # sum_j |c_(k-j)| e_j <= |c_k| e_0 + (max_(1..k) e_j / |u_j|) k S_k: no second
        # convolution (this rule sits on the path of every high order); an input with an
        # error on an exactly zero coefficient takes the convolution
        rho = eu[1:] / np.maximum(au[1:], _TINY_NORMAL)
        if K == 1 or rho.max() < 1.0:
            err[1:] += np.maximum.accumulate(rho, axis=0) * sums[1:]
            err += ac * eu[0]
        else:
            err += _err_conv(ac, eu)
    return err


def _exp_err(u, eu, v):
    """Error estimate of v = exp(u) (see :func:`_ode_err`, with c = v)."""
    if not _TRACKING[-1]:
        return None
    return _ode_err(u, eu, v, v)


def _ratio_sum(terms, ks):
    """terms_k / k for k >= 1 (the 1/k of a recurrence), terms_0 kept."""
    terms[1:] /= ks[1:]
    return terms


def _log_err(u, eu, v):
    """Error estimate of v = log(u): u_0 k v_k = k u_k - sum j v_j u_(k-j), carried through
    u_0 / u; the input's error through 1 / u (dv = du / u)."""
    if not _TRACKING[-1]:
        return None
    K = u.shape[0]
    av, au = np.abs(v), np.abs(u)
    ks = _weights(K, u.ndim)
    if _affine(u):  # (-1)^(k+1) r^k / k: k + 1 roundings
        local = EPS * (ks + 1.0) * av
    else:
        local = EPS * (au + _ratio_sum(_err_conv(ks * av, au), ks)) / au[0]
        local[0] = EPS * av[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        src = _err_sum(local, None if eu is None else eu / au[0])
        return _err_conv(np.abs(_reciprocal(u)), src)


def _sqrt_err(u, eu, v):
    """Error estimate of v = sqrt(u): 2 v_0 v_k = u_k - sum v_j v_(k-j), carried through
    v_0 / v; the input's error through 1 / (2 v)."""
    if not _TRACKING[-1]:
        return None
    av = np.abs(v)
    local = EPS * (np.abs(u) + _err_conv(av, av))
    with np.errstate(divide="ignore", invalid="ignore"):
        src = _err_sum(local, eu) / (2.0 * av[0])
        return _err_conv(np.abs(_reciprocal(v)), src)


def _sin_cos_err(u, eu, s, c, which=0):
    """Error estimate of sin u (``which`` = 0) or cos u (1), or sinh, cosh: two recurrences
    of the kind of :func:`_ode_err` that feed each other (s' = c u', c' = -+s u'), so each is
    charged both sums' rounding; the input's error goes through c and s (d sin u = cos u du)."""
    if not _TRACKING[-1]:
        return None
    v, dv = (s, c) if which == 0 else (c, s)
    if _affine(u):
        return _ode_err(u, eu, v, dv)
    ju = np.abs(u) * _weights(u.shape[0], u.ndim)
    return _ode_err(u, eu, v, dv, _err_conv(ju, np.abs(v)))


def _pow_err(u, eu, p, v):
    """Error estimate of v = u^p (constant real p, u_0 != 0): the recurrence's sums carried
    through u_0 / u (k u_0 v_k = sum (p j - (k - j)) u_j v_(k-j) divides by u like a quotient
    does: p = -1 is one), and the input's error through p v / u."""
    if not _TRACKING[-1]:
        return None
    K = u.shape[0]
    av, au = np.abs(v), np.abs(u)
    ks = _weights(K, u.ndim)
    ap = np.abs(p)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if np.ndim(p) == 0 and _affine(u):  # v_0 times a product of k steps
            local = EPS * (2.0 * ks + 1.0) * av
            inner = None if eu is None else _err_conv(np.abs(_reciprocal(u)), eu) / au[0]
            return _err_sum(local, None if inner is None else ap * _err_conv(av, inner))
        local = EPS * ((ap + 1.0) * _err_conv(ks * au, av) + ks * _err_conv(au, av))
        local = _ratio_sum(local, ks) / au[0]
        local[0] = EPS * av[0]
        recip = np.abs(_reciprocal(u))
        inner = None if eu is None else ap * _err_conv(av, _err_conv(recip, eu)) / au[0]
        return _err_sum(_err_conv(recip, local), inner)


def _polynomial_err(u, eu, v, c):
    """Error estimate of v = f(u) with f' = c = P(f) solved one coefficient at a time (see
    :func:`_ode_err`; P's own sum is charged as a second sum)."""
    if not _TRACKING[-1]:
        return None
    K = u.shape[0]
    ks = _weights(K, u.ndim)
    return _ode_err(u, eu, v, c, _err_conv(np.abs(u) * ks, np.abs(c)))


# --- explicit recurrences on flattened coefficient arrays (K,) or (K, R) ------------------

def _exp_flat(u, v0):
    """exp of a series: k v_k = sum_{j=1..k} j u_j v_(k-j), with v_0 given."""
    K = u.shape[0]
    v = np.empty_like(u)
    v[0] = v0
    if K == 1:
        return v
    if _affine(u):
        return _powers_over_factorial(u[1], K, v0)
    ju = u * _weights(K, u.ndim)
    if u.ndim == 1 and K > 16:
        return _exp_blocks(ju, v)
    add = np.add.reduce  # _dot inlined: this loop is the cost of a high order
    for k in range(1, K):
        v[k] = add(ju[1:k + 1] * v[k - 1::-1]) / k  # (axis 0, the default: no keyword)
    return v


#: Coefficients solved together by :func:`_exp_blocks`.
_BLOCK = 8


def _exp_blocks(w, v):
    """exp's recurrence k v_k = sum_{j=1..k} w_j v_(k-j) (w_j = j u_j) for one series, by
    blocks of :data:`_BLOCK` coefficients: the part from coefficients already known is one
    vectorised product with a Toeplitz view of w for the whole block; the few terms within
    the block follow in floats.  The same sums as one dot product per coefficient, in a fixed
    order (no BLAS), at a third of the calls."""
    K = w.shape[0]
    T = _toeplitz(w)  # T[k, m] = w[k - m]
    wl = w.tolist()
    vl = [float(v[0])]
    add = np.add.reduce
    for s in range(1, K, _BLOCK):
        e = min(s + _BLOCK, K)
        known = add(T[s:e, :s] * v[:s], axis=1).tolist()
        for k in range(s, e):
            acc = known[k - s]
            for m in range(s, k):
                acc += wl[k - m] * vl[m]
            vl.append(acc / k)
        v[s:e] = vl[s:e]
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
        if hyperbolic:
            # cosh(a) b^k / k! by one running product (cosh(a) is huge where b^k / k!
            # underflows), times tanh(a) on the sinh-like phases
            p = _powers_over_factorial(u[1], K, c0)
            t = np.tanh(a)
            cyc_s, cyc_c = np.stack([t, np.ones_like(t)]), np.stack([np.ones_like(t), t])
            idx = np.arange(K) % 2
            s, c = p * cyc_s[idx], p * cyc_c[idx]
            s[0] = s0
            return s, c
        p = _powers_over_factorial(u[1], K)
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
        v[1:] = ((p - k + 1.0) / k).reshape((K - 1,) + (1,) * (u.ndim - 1)) * r
        # one running product from v0 (no underflow of the binomials where v0 is large)
        return np.cumprod(v, axis=0, out=v)
    ju = u * _weights(K, u.ndim)
    uu = u
    for k in range(1, K):
        # sum_j (p j - k + j) u_j v_(k-j) = (p + 1) sum j u_j v_(k-j) - k sum u_j v_(k-j)
        acc = (p + 1.0) * _dot(ju[1:k + 1], v[k - 1::-1]) - k * _dot(uu[1:k + 1], v[k - 1::-1])
        v[k] = acc / (k * u0)
    return v


def _pow_at_zero(u, p, v):
    """Where u_0 = 0, replace the coefficients of u**p (constant, not an integer) by the exact
    ones: u = u_m t^m + ... makes u^p = u_m^p t^(m p) (1 + ...)^p, whose derivatives at t = 0
    are 0 below order m p and not defined from there on (infinite on one side, complex on the
    other, or a kink like |t| = (t^2)^(1/2)): nan.  Where no coefficient of ``u`` is non-zero,
    m >= K is all that is known.  ``u`` and ``v`` are flat, (K,) or (K, R);
    ``v`` is changed in place (the recurrence divided by u_0 there)."""
    zero = u[0] == 0
    if not np.any(zero):
        return v
    K = u.shape[0]
    nonzero = u != 0
    # no non-zero coefficient within the series: all that is known is m >= K
    m = np.where(nonzero.any(axis=0), np.argmax(nonzero, axis=0), K)
    k = _weights(K, u.ndim)
    with np.errstate(invalid="ignore"):
        defined = k < m * p
    exact = np.where(defined, 0.0, np.nan)
    exact[0] = v[0]
    v[...] = np.where(zero, exact, v)
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


# --- coefficients to derivatives -----------------------------------------------------------

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
