"""Derivatives at one precision, from ball series along directions.

Everything here runs at a fixed working precision and returns balls; the precision loop
(:mod:`hod.ball.precision`) calls it again with more bits when a ball is too wide.  Every
derivative is a coefficient of the series of ``t -> f(x0 + t v)`` along a direction ``v``,
recombined with exact numbers:

* the n-th derivative in one variable: coefficient n times n! (an exact integer);
* the Hessian: pure second derivatives along unit directions; a mixed one along e_i + e_j,
  minus the pure ones;
* a mixed partial of any multi-index: the univariate directions of Griewank, Utke and
  Walther, recombined with their exact rational weights
  (:func:`hod.taylor_mode.mixed._gamma_row_exact`).

Cancellation in those sums widens the balls; it never makes them wrong.
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from ..taylor_mode.mixed import _gamma_row_exact
from .counterparts import is_series
from .numbers import ball, flint, working
from .propagate import through_graph, through_tape


class Subject:
    """What is differentiated, and where: graph ``roots`` in variables ``names``, or a Python
    function recorded on a tape (``recorded``, its arguments named by position), at exact
    ``points`` (name -> :class:`~hod.ball.points.Point`)."""

    def __init__(self, roots, names, points, recorded=None):
        self.roots = list(roots)
        self.names = list(names)
        self.points = points
        self.recorded = recorded
        self._order = None
        if recorded is None:
            from ..expr.graph import topological

            self._order = topological(self.roots)

    def outputs(self, direction, length, prec, final=False):
        """Each root's value: a ball, or its series of ``length`` along ``direction`` (name ->
        exact rational; missing names are 0)."""
        arb_series = flint().arb_series
        seeds = {}
        for name in self.names:
            x0 = self.points[name].ball(prec)
            v = direction.get(name, 0) if direction else 0
            seeds[name] = arb_series([x0, ball(v)], prec=length) if v and length > 1 else x0
        if self.recorded is None:
            return through_graph(self.roots, seeds, prec, final, order=self._order)
        out = through_tape(self.recorded, [seeds[n] for n in self.names], prec, final)
        if isinstance(out, np.ndarray):
            if out.shape != ():
                raise UsageError("a certified derivative of a Python function needs a scalar "
                                 "output")
            out = out[()]
        return [out]


def coefficient(v, k):
    """The k-th Taylor coefficient of a ball series (of a constant: itself, or 0)."""
    if is_series(v):
        return v[k]
    return v if k == 0 else flint().arb(0)


def factorial(k):
    f = flint()
    return f.arb(f.fmpz.fac_ui(k))


# --- the derivatives -----------------------------------------------------------------------------

def values(subject, prec, final=False):
    """Each root's value."""
    with working(prec):
        return [coefficient(v, 0) for v in subject.outputs(None, 1, prec, final)]


def taylor(subject, name, order, prec, final=False):
    """Per root: the Taylor coefficients c_0..c_order in variable ``name``."""
    with working(prec, order + 1):
        out = subject.outputs({name: 1}, order + 1, prec, final)
        return [[coefficient(v, k) for k in range(order + 1)] for v in out]


def nth_derivative(subject, name, order, prec, final=False):
    """Per root: the ``order``-th derivative in variable ``name``."""
    with working(prec, order + 1):
        out = subject.outputs({name: 1}, order + 1, prec, final)
        return [coefficient(v, order) * factorial(order) for v in out]


def jacobian(subject, wrt, prec, final=False):
    """Per root, the first derivatives in the variables ``wrt``."""
    with working(prec, 2):
        columns = [subject.outputs({name: 1}, 2, prec, final) for name in wrt]
        return [[coefficient(col[r], 1) for col in columns] for r in range(len(subject.roots))]


def hessian(subject, wrt, prec, final=False):
    """Per root, the matrix of second derivatives in the variables ``wrt``."""
    n = len(wrt)
    with working(prec, 3):
        pure = [[2 * coefficient(v, 2) for v in subject.outputs({name: 1}, 3, prec, final)]
                for name in wrt]
        out = []
        for r in range(len(subject.roots)):
            h = [[None] * n for _ in range(n)]
            for i in range(n):
                h[i][i] = pure[i][r]
            out.append(h)
        for i in range(n):
            for j in range(i + 1, n):
                both = subject.outputs({wrt[i]: 1, wrt[j]: 1}, 3, prec, final)
                for r, v in enumerate(both):
                    # f(x + t(e_i + e_j)) has 2 c_2 = f_ii + 2 f_ij + f_jj
                    mixed = coefficient(v, 2) - (pure[i][r] + pure[j][r]) * 0.5
                    out[r][i][j] = out[r][j][i] = mixed
        return out


def partial(subject, multi_index, prec, final=False):
    """Per root, the partial derivative of ``multi_index`` (name -> order)."""
    support = [name for name in subject.names if multi_index.get(name, 0)]
    unknown = [name for name in multi_index if name not in subject.names]
    if unknown:
        raise UsageError(f"unknown variable {unknown[0]!r}")
    orders = tuple(multi_index[name] for name in support)
    d = sum(orders)
    if d == 0:
        return values(subject, prec, final)
    if len(support) == 1:
        return nth_derivative(subject, support[0], d, prec, final)
    with working(prec, d + 1):
        total = [flint().arb(0)] * len(subject.roots)
        for direction, weight in sorted(_gamma_row_exact(orders, d).items()):
            out = subject.outputs(dict(zip(support, direction)), d + 1, prec, final)
            w = ball(weight)
            total = [t + w * coefficient(v, d) for t, v in zip(total, out)]
        return total
