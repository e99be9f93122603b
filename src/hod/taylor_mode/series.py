"""Truncated Taylor series and their coefficient arithmetic.

A quantity that depends on a parameter ``t`` near 0 is carried as the numpy array ``c`` of its
*normalised* Taylor coefficients, ``c[k] = u^(k)(0) / k!``, so that
``u(t) = c[0] + c[1] t + ... + c[d] t^d + O(t^(d+1))``.  Derivatives are the coefficients times
``k!``, applied once, at the boundary.  An array has shape ``(d + 1,) + batch + shape``: the
coefficients, then ``nb`` batch axes (several directions propagated together), then the value's
own shape (many points at once).

The explicit recurrences (exp, log, sin/cos, sinh/cosh, sqrt, quotient, real power) work on
flattened coefficient arrays ``(K,)`` or ``(K, R)``.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["Series"]


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
# Coefficient arithmetic
# =========================================================================================

# Reductions here never go through BLAS (np.dot, np.convolve, np.tensordot, matmul): OpenBLAS
# picks its kernels by CPU, and their summation order changes the last digits of what hod
# prints.  Products followed by numpy's own sum (pairwise, in a fixed order) give the same
# digits on every CPU.

def _dot(a, b):
    """sum_i a[i] * b[i] over the first axis (1-D arrays, or 2-D with columns kept)."""
    return np.add.reduce(a * b, axis=0)


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
