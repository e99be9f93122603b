"""Derivatives at points, each checked by an independent method.

Each function here takes expression text (or graphs), points and options, and returns a
:class:`Report`: one :class:`PointResult` per point, each holding hod's numbers, the numbers of
an independent check of the same derivatives, their differences, and what is special about
the point (not defined, not differentiable, overflow).  The ``hod`` command is a thin layer
over these functions and :mod:`hod.render`; everything it prints is in the report.

>>> r = hod.check_gradient("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
>>> r.results[0].result, r.results[0].agree
([172.0, 75.0], True)

The package, one job per module (imports point down this list):

* :mod:`.__init__`: the public functions, one per kind, and :func:`run`;
* :mod:`.verdict`: hod's numbers compared with the references: statuses, warnings, notes;
* :mod:`.references`: SymPy, SymPy's series and the numeric derivative, run under one
  deadline (:data:`~hod.check.references.REFERENCES`), through :mod:`.worker` (a forked
  child or a thread) and :mod:`.numeric` (mpmath central differences);
* :mod:`.hod_values`: hod's own numbers: the tape, Taylor mode, nested tapes
  (:data:`~hod.check.hod_values.HOD_VALUES`);
* :mod:`.kinds`: one object per kind (``grad``, ``hessian``, ``diff``, ``jacobian``,
  ``taylor``): what it computes, its components and labels, its references, what the
  report and the renderer need to know;
* :mod:`.inputs`: points, variables, wrt and order, checked and resolved into a task;
* :mod:`.report`: the records and the JSON contract.

hod's numbers come from the tape for ``grad``, ``hessian`` and ``jacobian`` and from Taylor
mode for ``diff`` and ``taylor``; ``diff`` also runs nested tapes beside Taylor mode while
they are affordable.  The references (SymPy, else the numeric derivative) run beside hod's
own work, each in a worker stopped at the deadline (``timeout`` seconds after the start), so
the caller gets its report on time.
"""

from __future__ import annotations

from ..errors import UsageError
from .certified import certify_points
from .hod_values import HOD_VALUES, dependencies
from .inputs import ATOL, MAX_ORDER, RTOL, TAYLOR_ORDER, TIMEOUT, resolve, tolerances
from .kinds import KINDS
from .progress import waiting
from .report import STATUSES, Component, PointResult, Report
from .singular import limits_at_zero_over_zero
from .verdict import Settings, assemble


# =========================================================================================
# Public functions (one per command)
# =========================================================================================

def gradient(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT, digits=None, references=None, hod_values=None):
    """The value and gradient of ``expr`` at each point, checked against the certified
    enclosures (ball arithmetic that proves every digit) and SymPy.

    ``check`` names the references: True (``"ball,sympy"``), ``"ball"``, ``"sympy"`` or
    False (float64 only).  Where float64 lost digits, the certified value is the result and
    float64's is kept in ``float64``.  ``digits=N`` gives every number as text with N proven
    significant digits.

    ``expr`` is text in hod's language or a graph; ``points`` a mapping (or ``"x=5,y=2"``)
    or a list of them; ``variables`` fixes the order (default: sorted by name, digit runs as
    numbers) and may name variables the expression does not use.  ``references`` and
    ``hod_values`` replace reference jobs or hod's engines for this run (see :func:`run`).

    >>> r = hod.check_gradient("x**2 * y", {"x": 3, "y": 2})
    >>> r.variables, r.results[0].result, r.results[0].status
    (['x', 'y'], [12.0, 9.0], 'ok')
    """
    return run("grad", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout, digits=digits, references=references,
               hod_values=hod_values)


def hessian(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
            timeout=TIMEOUT, digits=None, references=None, hod_values=None):
    """The Hessian (and gradient) of ``expr`` at each point, checked against SymPy.

    >>> r = hod.check_hessian("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
    >>> r.results[0].result
    [[60.0, 11.0], [11.0, 10.0]]
    """
    return run("hessian", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout, digits=digits, references=references,
               hod_values=hod_values)


def diff(expr, wrt=None, points=None, variables=None, *, order=None, check=True, rtol=RTOL,
         atol=ATOL, timeout=TIMEOUT, digits=None, references=None, hod_values=None):
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
               atol=atol, timeout=timeout, digits=digits, references=references,
               hod_values=hod_values)


def jacobian(exprs, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT, digits=None, references=None, hod_values=None):
    """The Jacobian of several expressions (``"f1, f2"`` or a list), checked against SymPy.

    >>> hod.check_jacobian("x*y, x + y", {"x": 2, "y": 3}).results[0].result
    [[3.0, 2.0], [1.0, 1.0]]
    """
    return run("jacobian", exprs, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout, digits=digits, references=references,
               hod_values=hod_values)


def taylor(expr, points=None, variables=None, *, wrt=None, order=TAYLOR_ORDER, check=True,
           rtol=RTOL, atol=ATOL, timeout=TIMEOUT, digits=None, references=None, hod_values=None):
    """The Taylor coefficients ``f^(k)(x0) / k!``, k = 0..order, of ``expr`` in the variable
    ``wrt`` (optional when the expression has one variable; the others stay at the point's
    values), by Taylor mode, checked against ``sympy.series`` (or, where SymPy does not
    finish, the numeric derivatives).  Each result also has the polynomial as text.

    >>> r = hod.check_taylor("exp(x)", {"x": 0}, order=4)
    >>> r.results[0].result, r.results[0].polynomial
    ([1.0, 1.0, 0.5, 0.16666666666666666, 0.041666666666666664], '1 + x + x**2/2 + x**3/6 + x**4/24')
    """
    return run("taylor", expr, points, variables, wrt=wrt, order=order, check=check,
               rtol=rtol, atol=atol, timeout=timeout, digits=digits, references=references,
               hod_values=hod_values)


# =========================================================================================
# Putting it together
# =========================================================================================

def references_asked(check):
    """``check`` as the tuple of references it asks for: True is ``("ball", "sympy")``, False
    none; text names them (``"ball"``, ``"sympy"``, ``"ball,sympy"``)."""
    if check is True:
        return ("ball", "sympy")
    if check is False or check is None:
        return ()
    names = [c.strip() for c in check.split(",")] if isinstance(check, str) else list(check)
    unknown = [c for c in names if c not in ("ball", "sympy")]
    if unknown or not names:
        raise UsageError("{check} names the references ball and sympy (ball,sympy checks by "
                         "both), not {given}", param="check", given=",".join(names) or "none")
    return tuple(c for c in ("ball", "sympy") if c in names)


def run(kind, expr, points=None, variables=None, *, wrt=None, order=None, check=True,
        rtol=RTOL, atol=ATOL, timeout=TIMEOUT, digits=None, references=None,
        hod_values=None):
    """Compute derivative ``kind`` (a name of :data:`KINDS`) at each point; see the functions
    above for each kind.  Raises :class:`hod.UsageError` (or ParseError) for bad input.

    ``references`` and ``hod_values`` replace entries of
    :data:`~hod.check.references.REFERENCES` (the reference jobs: ``"sympy"``, ``"series"``,
    ``"numeric"``) and :data:`~hod.check.hod_values.HOD_VALUES` (hod's engines: ``"tape"``,
    ``"taylor"``, ``"nested"``) for this run.
    """
    if kind not in KINDS:
        raise UsageError("unknown derivative kind {kind!r}; choose from {kinds}", param="kind",
                         kind=kind, kinds=", ".join(KINDS))
    kind = KINDS[kind]
    asked = references_asked(check)
    digits = _digits(digits)
    settings = Settings(bool(asked), *tolerances(rtol, atol, timeout), references=asked,
                        digits=digits)
    task = resolve(kind, expr, points, variables, wrt, order)
    engines = {**HOD_VALUES, **(hod_values or {})}
    jobs = dict(references or {})
    refs = None
    if "sympy" in asked:  # SymPy's machinery, its fork worker among it, only when asked for
        from .references import REFERENCES, References

        jobs = {**REFERENCES, **jobs}
        refs = References(task, settings.timeout, jobs)
    jobs.setdefault("ball", certify_points)
    depends = dependencies(task.roots)
    with waiting(settings.timeout, active=bool(asked)) as wait:
        hod = [engines[kind.engine](task, p, depends) for p in task.points]
        certified = None
        if "ball" in asked or digits is not None:
            wait.phase = "the certified engine"
            certified = jobs["ball"](task, digits, settings.timeout)
        nested = None
        # nested tapes beside Taylor mode, as a second float64 method, where nothing proves
        # the numbers (with the certified engine they add nothing but time)
        if asked and kind.nested and certified is None:
            wait.phase = "nested tapes"
            nested = engines["nested"](task, settings.timeout)
        if refs is not None:
            wait.phase = "SymPy (the symbolic check)"
            refs.collect(certified_done=certified is not None and all(
                c.problem is not None or c.resolved for c in certified))
    report = assemble(task, hod, nested, refs, settings, certified)
    _exact_polynomials(report)
    if "sympy" in asked:
        limits_at_zero_over_zero(report, task)
    for r in report.results:
        if r.status not in ("undefined", "overflow"):
            kind.annotate(r)
    return report


def _digits(digits):
    if digits is None:
        return None
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 4000:
        raise UsageError("{digits} must be a whole number of significant digits from 1 to "
                         "4000", param="digits")
    return digits


def _exact_polynomials(report):
    """Taylor polynomials with SymPy's exact coefficients where it gave fractions, so that
    the polynomial and the coefficient list write each coefficient the same way."""
    from ..text import polynomial_text

    for r in report.results:
        if r.polynomial is not None and r.forms:
            var = report.wrt[0]
            r.polynomial = polynomial_text(r.result, var, r.point[var], exact=r.forms)


__all__ = [
    "ATOL", "KINDS", "MAX_ORDER", "RTOL", "STATUSES", "TAYLOR_ORDER", "TIMEOUT", "Component",
    "PointResult", "Report", "diff", "gradient", "hessian", "jacobian", "run", "taylor",
]
