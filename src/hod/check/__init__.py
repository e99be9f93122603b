"""Derivatives at points, each checked by an independent method.

Each function here takes expression text (or graphs), points and options, and returns a
:class:`Report`: one :class:`PointResult` per point, each holding hod's numbers, the numbers of
an independent check of the same derivatives, their differences, and what is special about
the point (not defined, not differentiable, overflow).  The ``hod`` command is a thin layer
over these functions and :mod:`hod.render`; everything it prints is in the report.

>>> r = hod.check_gradient("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
>>> r.results[0].result, r.results[0].agree
([172.0, 75.0], True)

hod's numbers (the *engine* of a report):

* ``grad``, ``hessian`` and ``jacobian``: the tape.  The graph is evaluated on
  :class:`hod.Variable` inputs under :class:`hod.GradientTape` s (the Hessian is the Jacobian
  of the gradient, the Jacobian one vectorised backward pass);
* ``diff`` and ``taylor``: Taylor mode (:mod:`hod.taylor`), whose cost grows like the square
  of the order.  ``diff`` also runs nested tapes (one tape per differentiation) beside it while
  they are affordable.  Their cost grows about threefold per order, so they run one
  differentiation at a time and stop as soon as the growth measured so far, extrapolated to
  the order asked for, says the rest would not fit in :data:`NESTED_BUDGET`; the report then
  gives the estimate.

The independent checks:

* SymPy: the same graph turned into a SymPy expression through the primitive table
  (:func:`hod.graph.to_sympy`, never from text), differentiated symbolically (for ``taylor``,
  expanded by ``sympy.series``) and evaluated at the exact binary value of each point with 30
  significant digits.  For ``diff`` the differentiations run one at a time, and SymPy is
  stopped early when their time, extrapolated to the order asked for, is more than three times
  what is left of the budget.
* numeric (:mod:`hod.numeric`): central differences of values of f computed by mpmath at
  :data:`NUMERIC_DPS` digits, with an error estimate.  It shares nothing with the tapes or
  Taylor mode but the graph.  It checks every value SymPy did not give (timed out, stopped or
  failed).

Both run beside hod's own work, each in a forked child process killed at the deadline
(``timeout`` seconds after the start), so no check outlasts the budget.  SymPy starts at once.
The numeric check starts at once too for ``diff`` and ``taylor`` (SymPy's derivatives swell
with the order); for ``grad``, ``hessian`` and ``jacobian`` it starts only if SymPy fails or has
not answered within half the budget.  It is stopped as soon as SymPy has given every value;
otherwise it computes the values in order (f, then each derivative or coefficient, point after
point) and sends each as soon as it is done, so at the deadline the values already checked are
kept.  Its cost grows with the order: the 100th derivative of exp(sin(x)) takes it about 0.75 s.
Where ``fork`` is unsafe or missing (other Python threads running, or not Linux) the checks run
in daemon threads that are abandoned at the deadline instead.  Either way the caller gets its
report on time.
"""

from __future__ import annotations

import math

from ..errors import UsageError
from .hod_values import NESTED_BUDGET, _dependencies, _nested_points, _taylor_point, _tape_point
from .inputs import (
    MAX_ORDER, TAYLOR_ORDER, _check_points, _graphs, _points, _taylor_setup, _variable_order,
    _wrt_list, parse_names,
)
from .kinds import ENGINES, KINDS, _specs, _Task
from .references import _Checks
from .report import STATUSES, Component, PointResult, Report
from .verdict import _assemble

RTOL = 1e-9
ATOL = 1e-12
TIMEOUT = 10.0

# =========================================================================================
# Public functions (one per command)
# =========================================================================================

def gradient(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT):
    """The value and gradient of ``expr`` at each point, checked against SymPy.

    ``expr`` is text in hod's language or a graph; ``points`` a mapping (or ``"x=5,y=2"``)
    or a list of them; ``variables`` fixes the order (default: sorted by name, digit runs as
    numbers) and may name variables the expression does not use.

    >>> r = hod.check_gradient("x**2 * y", {"x": 3, "y": 2})
    >>> r.variables, r.results[0].result, r.results[0].status
    (['x', 'y'], [12.0, 9.0], 'ok')
    """
    return run("grad", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


def hessian(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
            timeout=TIMEOUT):
    """The Hessian (and gradient) of ``expr`` at each point, checked against SymPy.

    >>> r = hod.check_hessian("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
    >>> r.results[0].result
    [[60.0, 11.0], [11.0, 10.0]]
    """
    return run("hessian", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


def diff(expr, wrt=None, points=None, variables=None, *, order=None, check=True, rtol=RTOL,
         atol=ATOL, timeout=TIMEOUT):
    """One partial derivative of any order, by Taylor mode: ``wrt=["x", "y", "y"]`` is
    d3f/dx dy2; ``wrt="x", order=5`` the fifth derivative in x.  Without ``wrt`` the
    expression must have one variable.  Checked against SymPy (or, where SymPy does not
    finish, the numeric derivative), with nested tapes beside Taylor mode while affordable.

    >>> hod.check_diff("x**3 * y**2", ["x", "y", "y"], {"x": 2, "y": 1}).results[0].result
    24.0
    >>> hod.check_diff("sin(x)", "x", {"x": 0}, order=5).results[0].result
    1.0
    """
    return run("diff", expr, points, variables, wrt=wrt, order=order, check=check, rtol=rtol,
               atol=atol, timeout=timeout)


def jacobian(exprs, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT):
    """The Jacobian of several expressions (``"f1, f2"`` or a list), checked against SymPy.

    >>> hod.check_jacobian("x*y, x + y", {"x": 2, "y": 3}).results[0].result
    [[3.0, 2.0], [1.0, 1.0]]
    """
    return run("jacobian", exprs, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


def taylor(expr, points=None, variables=None, *, wrt=None, order=TAYLOR_ORDER, check=True,
           rtol=RTOL, atol=ATOL, timeout=TIMEOUT):
    """The Taylor coefficients ``f^(k)(x0) / k!``, k = 0..order, of ``expr`` in the variable
    ``wrt`` (optional when the expression has one variable; the others stay at the point's
    values), by Taylor mode, checked against ``sympy.series`` (or, where SymPy does not
    finish, the numeric derivatives).  Each result also has the polynomial as text.

    >>> r = hod.check_taylor("exp(x)", {"x": 0}, order=4)
    >>> r.results[0].result, r.results[0].polynomial
    ([1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664], '1 + x + x**2/2 + x**3/6 + x**4/24')
    """
    return run("taylor", expr, points, variables, wrt=wrt, order=order, check=check,
               rtol=rtol, atol=atol, timeout=timeout)


# =========================================================================================
# Putting it together
# =========================================================================================

def run(kind, expr, points=None, variables=None, *, wrt=None, order=None, check=True,
        rtol=RTOL, atol=ATOL, timeout=TIMEOUT):
    """Compute derivative ``kind`` (one of :data:`KINDS`) at each point; see the functions
    above for each kind.  Raises :class:`hod.UsageError` (or ParseError) for bad input."""
    if kind not in KINDS:
        raise UsageError(f"unknown derivative kind {kind!r}; choose from {', '.join(KINDS)}")
    rtol, atol, timeout = float(rtol), float(atol), float(timeout)
    if not (rtol >= 0 and atol >= 0) or math.isnan(rtol + atol):
        raise UsageError("--rtol and --atol must be non-negative numbers")
    if not timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    points = _points(points)
    hint = set(parse_names(variables)) if variables is not None else set()
    for p in points:
        hint.update(p)
    text, roots = _graphs(kind, expr, sorted(hint))
    names = _variable_order(roots, variables)
    _check_points(names, points)
    wrt_list = var = taylor_order = None
    if kind == "diff":
        wrt_list = _wrt_list(wrt, order, names)
    elif kind == "taylor":
        var, taylor_order = _taylor_setup(wrt, order, names)
    task = _Task(kind, roots, names, wrt_list, var, taylor_order, points,
                 _specs(kind, names, wrt_list, len(roots), var, taylor_order))

    checks = _Checks(task, timeout) if check else None
    depends = _dependencies(roots)
    if ENGINES[kind] == "taylor":
        hod = [_taylor_point(task, p, depends) for p in points]
    else:
        hod = [_tape_point(kind, roots, names, p, depends) for p in points]
    nested = None
    if check and kind == "diff":
        nested = _nested_points(task, min(NESTED_BUDGET, timeout))
    if checks is not None:
        checks.collect()
    return _assemble(task, text, hod, nested, checks, check, rtol, atol, timeout)



__all__ = [
    "ATOL", "KINDS", "MAX_ORDER", "RTOL", "STATUSES", "TAYLOR_ORDER", "TIMEOUT", "Component",
    "PointResult", "Report", "diff", "gradient", "hessian", "jacobian", "run", "taylor",
]
