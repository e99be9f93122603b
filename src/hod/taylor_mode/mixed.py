"""Mixed partials from univariate directions (Griewank, Utke and Walther, Math. Comp. 69, 2000).

Every partial derivative of order <= d, of any number of variables, from one batch of
``C(n + d - 1, d)`` directions propagated together, recombined with exact rational weights.
"""

from __future__ import annotations

import fractions
import functools
import itertools
import math

import numpy as np


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
    """The weights of :func:`_gamma_row_exact` as floats (each correctly rounded)."""
    return {i: float(w) for i, w in _gamma_row_exact(j, d).items()}


@functools.cache
def _gamma_row_exact(j, d):
    """The weights of the directions in the partial derivative of multi-index ``j``: a dict
    from each direction ``i`` (a tuple over the support of j, |i| = d) to its weight.

    The homogeneous polynomial P(s) = sum_{|j|=m} (D^j f / j!) s^j is the m-th Taylor
    coefficient of t -> f(x + t s); it is known at the points |i| = d.  Lagrange interpolation
    on that simplex grid gives P at any point k, P(k) = (|k|/d)^m sum_i P(i) prod_l
    binom(d k_l/|k|, i_l), and the forward difference D^j f = sum_{0<k<=j} (-1)^{|j-k|}
    binom(j, k) P(k) extracts the coefficient.  Hence the weight of direction i is

        gamma = sum_{0<k<=j} (-1)^{|j-k|} binom(j,k) binom(d k/|k|, i) (|k|/d)^m.

    With binom(d k_l/|k|, a) = prod_{q<a} (d k_l - q |k|) / (|k|^a a!) and |i| = d, the sum is
    computed in integers over the common denominator d^m i! lcm(|k|)^(d-m), then divided once
    (exactly: the weights are :class:`fractions.Fraction`; the ball engine needs them exact).
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
            out[i] = fractions.Fraction(total, den)
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
