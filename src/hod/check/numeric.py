"""High-precision numerical derivatives from function values alone: the independent check.

At high orders SymPy's derivatives swell beyond any time budget, so hod cross-checks Taylor
mode against derivatives computed from *values* of the function: the expression graph is
evaluated with mpmath (each primitive's ``mp`` counterpart, through
:func:`hod.graph.evaluate`) on a central-difference stencil, at a working precision high
enough that the cancellation in the differences costs nothing.  Nothing here shares code with
Taylor mode or the tapes except the graph and the table's mpmath counterparts.

The n-th central difference with spacing 2h,
``sum_i (-1)^i binom(n, i) f(x + (n - 2i) h) / (2h)^n``, equals ``f^(n)(x)`` up to a term in
``h^2``.  The step is chosen so that this term is below ``10^-dps`` for functions analytic in
a disc of radius about 1, and the working precision adds the ``n log2(1/h) + n`` bits that the
differences cancel.  Each result carries an error estimate: the same derivative at half the
step (the ``h^2`` term shrinks fourfold) and more digits; the estimate is the difference of
the two.  If it is large compared with the value, the step shrinks and the pair runs again.

>>> from hod import ops
>>> from hod.check import numeric
>>> from hod.expr import graph
>>> x = graph.var("x")
>>> r = numeric.derivative(ops.exp(ops.sin(x)), {"x": 0.5}, {"x": 3})
>>> float(r.value), float(r.error) < 1e-30
(-2.3644414408552015, True)
"""

from __future__ import annotations

import itertools
import math
from typing import NamedTuple

from ..expr import graph as _graph
from ..errors import UsageError

#: Working digits of the numeric check.
NUMERIC_DPS = 40


class Estimate(NamedTuple):
    """A high-precision value (an ``mpmath.mpf``) and an estimate of its absolute error."""

    value: object
    error: object

    def __float__(self):
        return float(self.value)

    def relative_error(self):
        """The error estimate relative to the value (the error itself when the value is 0)."""
        return self.error / abs(self.value) if self.value else self.error


def _mpf(v):
    """An mpmath number; strings keep decimal values exact ("0.1" is 1/10)."""
    import mpmath

    if isinstance(v, (mpmath.mpf, int, str)):
        return mpmath.mpf(v)
    return mpmath.mpf(float(v))


def _check(root, point, wrt):
    missing = [v for v in _graph.variables(root) if v not in point]
    if missing:
        raise UsageError(f"no value given for variable {missing[0]!r}")
    for name, order in wrt.items():
        if name not in point:
            raise UsageError(f"cannot differentiate with respect to {name!r}: it has no value")
        if isinstance(order, bool) or not isinstance(order, int) or order < 0:
            raise UsageError(f"the order in {name} must be a non-negative integer")


def _step_bits(dps, order):
    """log2(1/h): the h^2 term, about order * (order/R)^2 h^2 with R ~ 1, below 10^-dps."""
    return math.ceil(dps * math.log2(10) / 2 + 1.5 * math.log2(order + 1)) + 4


def _stencil(root, point, names, orders, dps, step_bits):
    """The mixed central difference of ``orders`` in ``names`` (one run)."""
    import mpmath

    total = sum(orders)
    prec = int(dps * math.log2(10)) + total * (step_bits + 1) + 32
    with mpmath.workprec(prec):
        h = mpmath.ldexp(1, -step_bits)
        env = {k: _mpf(v) for k, v in point.items()}
        centre = [env[k] for k in names]
        acc = mpmath.mpf(0)
        grids = [[(i, n - 2 * i) for i in range(n + 1)] for n in orders]
        for combo in itertools.product(*grids):
            weight = 1
            for (i, _), n in zip(combo, orders):
                weight *= (-1) ** i * math.comb(n, i)
            for name, x, (_, k) in zip(names, centre, combo):
                env[name] = x + k * h
            acc += weight * _graph.evaluate(root, env, backend="mpmath")
        return acc / (2 * h) ** total


def derivative(root, point, wrt, dps=40):
    """The mixed partial derivative ``wrt`` (dict name -> order, or one name for a first
    derivative) of graph ``root`` at ``point`` (dict name -> value), from function values.

    Returns an :class:`Estimate` (value, estimated absolute error) good to about ``dps``
    significant digits.  Costs prod(order + 1) evaluations (twice), at a working precision
    proportional to the total order: the 100th derivative of a small expression takes well
    under a second.
    """
    import mpmath

    if isinstance(wrt, str):
        wrt = {wrt: 1}
    wrt = dict(wrt)
    _check(root, point, wrt)
    wrt = {k: v for k, v in wrt.items() if v}
    names = list(wrt)
    orders = [wrt[k] for k in names]
    if not names:
        with mpmath.workdps(dps + 10):
            env = {k: _mpf(v) for k, v in point.items()}
            v = _graph.evaluate(root, env, backend="mpmath")
            return Estimate(+v, mpmath.mpf(0))
    bits = _step_bits(dps, sum(orders))
    with mpmath.workdps(dps + 10):
        for _ in range(3):
            coarse = _stencil(root, point, names, orders, dps, bits)
            fine = _stencil(root, point, names, orders, dps + 5, bits + 1)
            err = abs(fine - coarse)
            if err <= abs(fine) * mpmath.mpf(10) ** (-dps // 2):
                break
            bits *= 2  # a singularity close by: a much smaller step
        return Estimate(+fine, +err)


def taylor_coefficients(root, point, order, var=None, dps=40):
    """Normalised Taylor coefficients ``f^(k)(x0) / k!``, k = 0..order, of graph ``root`` in
    ``var`` (default: its only variable) at ``point`` (a dict, or the value of ``var``).

    Returns a list of :class:`Estimate`; each order is an independent central difference.
    """
    names = _graph.variables(root)
    if var is None:
        if len(names) > 1:
            raise UsageError(f"name the variable: the expression has variables {names}")
        var = names[0] if names else "x"
    if not isinstance(point, dict):
        point = {var: point}
    out = []
    for k in range(order + 1):
        e = derivative(root, point, {var: k}, dps=dps)
        f = math.factorial(k)
        out.append(Estimate(e.value / f, e.error / f))
    return out
