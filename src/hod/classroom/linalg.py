"""Small symmetric matrices, the same digits on every CPU: eigenvalues by Jacobi rotations,
linear solves by Gaussian elimination, and what a Hessian's eigenvalues say.

LAPACK (numpy's ``eigvalsh``, ``solve``) picks its kernels by CPU, and their order of
summation changes the last digits; these loops use plain float arithmetic in a fixed order.
The matrices here are Hessians of expressions (a few variables), so O(n^3) Python is cheap.
"""

from __future__ import annotations

import math

import numpy as np

#: An eigenvalue counts as zero when |lambda| <= ZERO_EIGENVALUE * max(1, max |lambda|).
ZERO_EIGENVALUE = 1e-8


def eigenvalues(matrix, sweeps=100):
    """The eigenvalues of a symmetric matrix, ascending, by cyclic Jacobi rotations.

    >>> [round(e, 12) for e in eigenvalues([[2.0, 1.0], [1.0, 2.0]])]
    [1.0, 3.0]
    """
    a = [[float(x) for x in row] for row in matrix]
    n = len(a)
    if any(len(row) != n for row in a):
        raise ValueError("eigenvalues needs a square matrix")
    if not all(math.isfinite(x) for row in a for x in row):
        return [math.nan] * n
    for _ in range(sweeps):
        off = sum(a[i][j] ** 2 for i in range(n) for j in range(n) if i != j)
        scale = sum(a[i][i] ** 2 for i in range(n))
        if off == 0 or off <= 1e-34 * scale:
            break
        for p in range(n - 1):
            for q in range(p + 1, n):
                if a[p][q] == 0:
                    continue
                # the rotation that zeroes a[p][q] (Golub and Van Loan, algorithm 8.4.1)
                theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                t = math.copysign(1.0, theta) / (abs(theta) + math.sqrt(theta * theta + 1))
                c = 1 / math.sqrt(t * t + 1)
                s = t * c
                for k in range(n):
                    akp, akq = a[k][p], a[k][q]
                    a[k][p], a[k][q] = c * akp - s * akq, s * akp + c * akq
                for k in range(n):
                    apk, aqk = a[p][k], a[q][k]
                    a[p][k], a[q][k] = c * apk - s * aqk, s * apk + c * aqk
    return sorted(a[i][i] for i in range(n))


def definiteness(eigs, relative=False):
    """What the eigenvalues say about the matrix: ``positive definite``, ``negative
    definite``, ``indefinite``, ``positive semidefinite``, ``negative semidefinite``, ``zero``
    (or ``not finite``).  An eigenvalue counts as zero within :data:`ZERO_EIGENVALUE` times
    the largest |eigenvalue| (at least 1, unless ``relative``: then the tolerance scales with
    the matrix however small it is).

    >>> definiteness([1.0, 3.0]), definiteness([-1.0, 3.0]), definiteness([0.0, 3.0])
    ('positive definite', 'indefinite', 'positive semidefinite')
    >>> definiteness([1e-12, 3e-12]), definiteness([1e-12, 3e-12], relative=True)
    ('zero', 'positive definite')
    """
    if not eigs:
        return "zero"
    if not all(math.isfinite(e) for e in eigs):
        return "not finite"
    largest = max(abs(e) for e in eigs)
    tol = ZERO_EIGENVALUE * (largest if relative else max(1.0, largest))
    pos = sum(e > tol for e in eigs)
    neg = sum(e < -tol for e in eigs)
    zero = len(eigs) - pos - neg
    if pos and neg:
        return "indefinite"
    if pos:
        return "positive definite" if not zero else "positive semidefinite"
    if neg:
        return "negative definite" if not zero else "negative semidefinite"
    return "zero"


#: A stationary point's kind from its Hessian's definiteness.
KIND_OF = {"positive definite": "minimum", "negative definite": "maximum",
           "indefinite": "saddle"}


def stationary_kind(eigs):
    """``minimum``, ``maximum``, ``saddle`` or ``degenerate`` (a zero eigenvalue and no sign
    change: the second derivative test says nothing)."""
    return KIND_OF.get(definiteness(eigs), "degenerate")


def meaning(definite):
    """One sentence for a Hessian's definiteness at a point."""
    return {
        "positive definite": "f curves up in every direction (a minimum if the gradient is 0)",
        "negative definite": "f curves down in every direction (a maximum if the gradient "
                             "is 0)",
        "indefinite": "f curves up in some directions and down in others (a saddle if the "
                      "gradient is 0)",
        "positive semidefinite": "f curves up or is flat to second order: the second "
                                 "derivative test says nothing in the flat directions",
        "negative semidefinite": "f curves down or is flat to second order: the second "
                                 "derivative test says nothing in the flat directions",
        "zero": "the Hessian is zero: the second derivative test says nothing",
        "not finite": "the Hessian is not finite here",
    }[definite]


def solve_batch(h, g):
    """x with h x = g for a batch: ``h`` is a list of n lists of n arrays (shape (N,)), ``g``
    a list of n arrays; Gaussian elimination with partial pivoting, elementwise over the
    batch (no LAPACK).  Singular systems give nan."""
    n = len(g)
    a = [[np.array(h[i][j], dtype=float) for j in range(n)] + [np.array(g[i], dtype=float)]
         for i in range(n)]
    with np.errstate(all="ignore"):
        for col in range(n):
            # pivot: the row (at or below col) with the largest |a[row][col]|, per element
            best = np.full(a[0][0].shape, col)
            for r in range(col + 1, n):
                larger = np.abs(a[r][col]) > np.abs(np.choose(best, [a[k][col] for k in
                                                                     range(n)]))
                best = np.where(larger, r, best)
            for r in range(col + 1, n):
                swap = best == r
                if swap.any():
                    for j in range(n + 1):
                        a[col][j], a[r][j] = (np.where(swap, a[r][j], a[col][j]),
                                              np.where(swap, a[col][j], a[r][j]))
            pivot = a[col][col]
            tiny = np.abs(pivot) <= 1e-300
            pivot = np.where(tiny, np.nan, pivot)
            for r in range(col + 1, n):
                factor = a[r][col] / pivot
                for j in range(col, n + 1):
                    a[r][j] = a[r][j] - factor * a[col][j]
            a[col][col] = pivot
        x = [None] * n
        for i in range(n - 1, -1, -1):
            s = a[i][n]
            for j in range(i + 1, n):
                s = s - a[i][j] * x[j]
            x[i] = s / a[i][i]
    return x
