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

import contextlib
import dataclasses
import fractions
import importlib
import itertools
import math
import os
import re
import sys
import threading
import time
from typing import Any, NamedTuple

import numpy as np

from .expr import graph as _graph
from .expr.printer import to_text
from .errors import HodError, UsageError
from .text import fmt_duration, fmt_number, magnitude, polynomial_text

RTOL = 1e-9
ATOL = 1e-12
TIMEOUT = 10.0
# Default order of ``taylor``.
TAYLOR_ORDER = 5
# Highest total order of ``diff`` and ``taylor`` (Taylor mode costs O(order^2) per operation).
MAX_ORDER = 1000
# A mixed partial of orders j (|j| = d, s variables) combines prod(j + 1) * C(d + s - 1, s - 1)
# interpolation terms; this many take Taylor mode about a second (cached afterwards).
MAX_MIXED_TERMS = 2_000_000
# Mixed partials come from univariate directions recombined with weights of alternating
# sign, which amplify rounding with the total order: measured against 30-digit references,
# relative errors of about 1e-12 at total order 12, 1e-9 at 16, 1e-5 at 20, 1e2 at 30.
MIXED_ACCURATE_ORDER = 14
# Seconds of nested tapes beside Taylor mode in ``diff`` (all points together).
NESTED_BUDGET = 1.0
# Working digits of the numeric check.
NUMERIC_DPS = 40
# Longest symbolic form kept in a report (SymPy's forms of high derivatives are huge).
MAX_FORM_CHARS = 2000

KINDS = ("grad", "hessian", "diff", "jacobian", "taylor")
# The engine that gives hod's numbers, per kind.
ENGINES = {"grad": "tape", "hessian": "tape", "jacobian": "tape", "diff": "taylor",
           "taylor": "taylor"}

# Point statuses, most serious first; ``status`` of a point is the most serious that applies.
STATUSES = ("disagree", "undefined", "overflow", "not differentiable", "derivative undefined",
            "timeout", "symbolic failed", "unchecked", "ok")


# =========================================================================================
# Records
# =========================================================================================

@dataclasses.dataclass
class Component:
    """One checked number: the function's value, one entry of a derivative, or one Taylor
    coefficient.

    ``part`` is ``"value"``, ``"gradient"`` (the gradient shown with a Hessian) or
    ``"result"``; ``index`` its position in that part.  ``tape`` is hod's number (from Taylor
    mode for ``diff`` and ``taylor``), ``nested`` the nested tapes' number beside it (``diff``),
    ``symbolic`` SymPy's and ``numeric`` the numeric check's (shown only where it is the
    reference, with its estimated absolute error ``numeric_error``).  ``reference`` names
    what hod's number was compared with (``"sympy"``, ``"numeric"`` or None); ``abs_diff`` and
    ``rel_diff`` are measured against it.  ``check`` says what the comparison found:
    ``agree``, ``disagree``, ``unchecked`` (--no-check), ``timeout``, ``undefined``, ``kink``
    (at a non-differentiable point), ``overflow`` or ``no value`` (no check gave a number).
    """

    label: str
    ascii_label: str
    part: str
    index: tuple
    form: str | None
    tape: float
    symbolic: float | None
    abs_diff: float | None
    rel_diff: float | None
    agree: bool | None
    check: str
    nested: float | None = None
    numeric: float | None = None
    numeric_error: float | None = None
    reference: str | None = None


@dataclasses.dataclass
class PointResult:
    """The derivatives at one point, with their cross-check."""

    point: dict
    value: Any            # f (a list of values for a Jacobian)
    result: Any           # number (diff), list (grad, taylor), list of lists (hessian, jacobian)
    symbolic: Any         # same shape as result, None when unchecked or timed out
    symbolic_value: Any   # SymPy's value of f, None when unchecked or timed out
    gradient: list | None  # the gradient (hessian only)
    agree: bool | None
    status: str
    warnings: list
    components: list
    nested: Any = None         # diff: the nested tapes' derivative (None when skipped)
    numeric: Any = None        # shape of result: the numeric check where it is the reference
    numeric_error: Any = None  # its estimated absolute error, same shape
    reference: str | None = None  # "sympy", "numeric", "sympy+numeric" or None
    notes: list = dataclasses.field(default_factory=list)  # how the point was checked
    forms: list | None = None  # taylor: SymPy's coefficients as text, at this point
    polynomial: str | None = None  # taylor: the Taylor polynomial, in hod's language

    @property
    def ok(self):
        return self.status in ("ok", "unchecked")


@dataclasses.dataclass
class Report:
    """Everything ``hod grad|hessian|diff|jacobian|taylor`` computed, ready to render."""

    expression: str
    variables: list
    derivative: str
    wrt: list | None
    checked: bool
    rtol: float
    atol: float
    timeout: float
    forms: Any            # symbolic forms, shape of result; None when unchecked/timed out
    value_forms: Any      # symbolic form of f (list for jacobian)
    results: list
    engine: str = "tape"  # what computed hod's numbers: "tape" or "taylor"
    order: int | None = None  # taylor: the highest power

    @property
    def ok(self):
        """True when every point was computed and every check agrees (or was skipped)."""
        return all(r.ok for r in self.results)

    @property
    def status(self):
        """The most serious status over all points."""
        found = {r.status for r in self.results} or {"ok"}
        return next(s for s in STATUSES if s in found)

    def to_dict(self):
        """The JSON contract: plain data, non-finite numbers as None (with a warning)."""
        out = {"expression": self.expression, "variables": list(self.variables),
               "derivative": self.derivative}
        if self.wrt is not None:
            out["wrt"] = list(self.wrt)
        if self.order is not None:
            out["order"] = self.order
        out.update(checked=self.checked, rtol=self.rtol, atol=self.atol,
                   symbolic_forms=self.forms, engine=self.engine, results=[])
        for r in self.results:
            replaced = []
            entry = {"point": {k: _json_num(v, replaced) for k, v in r.point.items()},
                     "value": _json_num(r.value, replaced)}
            if r.gradient is not None:
                entry["gradient"] = _json_num(r.gradient, replaced)
            entry.update(result=_json_num(r.result, replaced),
                         symbolic=_json_num(r.symbolic, replaced),
                         symbolic_value=_json_num(r.symbolic_value, replaced))
            if self.derivative == "taylor":
                entry.update(symbolic_forms=r.forms, polynomial=r.polynomial)
            entry.update(agree=r.agree, status=r.status, warnings=list(r.warnings))
            if self.derivative == "diff":
                entry["nested_tapes"] = _json_num(r.nested, replaced)
            entry.update(numeric=_json_num(r.numeric, replaced),
                         numeric_error=_json_num(r.numeric_error, replaced),
                         reference=r.reference, notes=list(r.notes))
            if replaced:
                entry["warnings"].append("non-finite numbers (nan, inf) are written as null")
            out["results"].append(entry)
        return out


def _json_num(x, replaced):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [_json_num(v, replaced) for v in x]
    x = float(x)
    if not math.isfinite(x):
        replaced.append(x)
        return None
    return x


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
# Inputs: expressions, variables, points
# =========================================================================================

def natural_key(name):
    """Sort key for variable names: digit runs compare as numbers (x2 before x10)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def split_top_level(text, sep=","):
    """Split at ``sep`` outside parentheses (``"x=atan2(1,2),y=3"`` has two items)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def parse_names(text, what="--vars"):
    """``"x,y,z"`` -> ``["x", "y", "z"]``, each a valid name, no repeats."""
    if isinstance(text, (list, tuple)):
        names = [str(n).strip() for n in text]
    else:
        names = [n.strip() for n in str(text).split(",")]
    seen = []
    for n in names:
        if not _NAME.match(n):
            shown = n if n else "(empty)"
            raise UsageError(f"{what}: {shown!r} is not a variable name "
                             "(letters, digits and _, not starting with a digit)")
        if n in seen and what == "--vars":
            raise UsageError(f"{what}: {n} is listed twice")
        seen.append(n)
    return seen


def _number(text, name):
    """The value of ``NAME=VALUE``: a number, or a constant expression such as ``pi/4``."""
    t = text.strip()
    try:
        v = float(t)
    except ValueError:
        v = None
        if t and t.lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            from .expr import parser

            try:
                g = parser.parse(t)
            except HodError:
                g = None
            if g is not None and not _graph.variables(g):
                with np.errstate(all="ignore"):
                    v = float(np.asarray(_graph.evaluate(g, {}, "tensor")))
    if v is None or not math.isfinite(v):
        raise UsageError(f"--at {name}={text}: the value must be a finite number "
                         "(or a constant expression such as pi/4)")
    return v


def parse_point(spec):
    """``"x=5,y=2"`` (or a mapping) -> ``{"x": 5.0, "y": 2.0}``."""
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            parse_names([k], "--at")
            out[k] = _number(str(v), k) if isinstance(v, str) else float(v)
            if not math.isfinite(out[k]):
                raise UsageError(f"--at {k}={v}: the value must be a finite number")
        return out
    out = {}
    text = str(spec)
    for item in split_top_level(text):
        if not item.strip() and text.strip() == "":
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise UsageError(f"--at {text}: expected NAME=VALUE pairs separated by commas, "
                             f"e.g. --at x=5,y=2")
        parse_names([name], "--at")
        if name in out:
            raise UsageError(f"--at {text}: {name} is given twice")
        out[name] = _number(value, name)
    return out


def _points(points):
    if points is None:
        return [{}]
    if isinstance(points, (str, dict)):
        points = [points]
    return [parse_point(p) for p in points] or [{}]


def _graphs(kind, expr, names_hint):
    """(expression text, list of root graphs) from text, a graph or a list of either."""
    from .expr import parser

    if kind == "jacobian":
        if isinstance(expr, str):
            roots = parser.parse_list(expr, variables=names_hint)
            text = expr.strip()
        else:
            roots = [parser.parse(e, variables=names_hint) if isinstance(e, str) else e
                     for e in expr]
            text = ", ".join(e.strip() if isinstance(e, str) else to_text(e)
                             for e in expr)
        if not roots:
            raise UsageError("jacobian needs at least one expression")
        return text, [_graph.lift(r) for r in roots]
    if isinstance(expr, str):
        return expr.strip(), [_graph.lift(parser.parse(expr, variables=names_hint))]
    return to_text(_graph.lift(expr)), [_graph.lift(expr)]


def _variable_order(roots, variables):
    used = _graph.variables(roots)
    if variables is None:
        return sorted(used, key=natural_key)
    names = parse_names(variables)
    missing = [n for n in used if n not in names]
    if missing:
        raise UsageError(f"the expression uses {_join(missing)}, which --vars does not list "
                         f"(--vars {','.join(names)})")
    return names


def _join(names):
    return ", ".join(names)


def _check_points(names, points):
    for p in points:
        unknown = [k for k in p if k not in names]
        if unknown:
            raise UsageError(
                f"--at gives a value for {_join(unknown)}, which is not a variable of the "
                f"expression (variables: {_join(names) or 'none'}; add it with --vars)")
        missing = [n for n in names if n not in p]
        if missing:
            example = ",".join(f"{n}=..." for n in names)
            raise UsageError(f"no value for {_join(missing)}: give every variable a value, "
                             f"e.g. --at {example}")


def _whole(value, what="--order"):
    if isinstance(value, bool) or not float(value).is_integer():
        raise UsageError(f"{what} must be a whole number")
    return int(value)


def _too_high(order):
    return f"--order {order}: hod computes derivatives up to order {MAX_ORDER}"


def _counts(wrt):
    """``["x", "y", "y"]`` -> ``{"x": 1, "y": 2}`` (first appearance first)."""
    out = {}
    for w in wrt:
        out[w] = out.get(w, 0) + 1
    return out


def _wrt_list(wrt, order, names):
    if wrt is None:
        if len(names) != 1:
            raise UsageError("diff needs --wrt to say which variables to differentiate by "
                             f"(variables: {_join(names) or 'none'})")
        wrt = [names[0]]
    else:
        wrt = parse_names(wrt, "--wrt")
    if order is not None:
        order = _whole(order)
        if order < 1:
            raise UsageError("--order must be at least 1")
        if len(wrt) != 1 and order != 1:
            raise UsageError("--order repeats one variable: use --wrt x --order 5, or list "
                             "each differentiation (--wrt x,y,y)")
        if order > MAX_ORDER:
            raise UsageError(_too_high(order))
        wrt = wrt * order
    for w in wrt:
        if w not in names:
            raise UsageError(f"--wrt {w}: {w} is not a variable of the expression "
                             f"(variables: {_join(names) or 'none'}; add it with --vars)")
    if len(wrt) > MAX_ORDER:
        raise UsageError(f"--wrt lists {len(wrt)} differentiations: hod computes derivatives "
                         f"up to order {MAX_ORDER}")
    counts = _counts(wrt)
    if len(counts) > 1:
        s = len(counts)
        terms = math.prod(c + 1 for c in counts.values()) * math.comb(len(wrt) + s - 1, s - 1)
        if terms > MAX_MIXED_TERMS:
            orders = ", ".join(f"{k} {v}" for k, v in counts.items())
            raise UsageError(f"the mixed partial of orders {orders} is too large to compute "
                             f"quickly ({terms:,} interpolation terms, more than "
                             f"{MAX_MIXED_TERMS:,}): lower the orders")
    return wrt


def _taylor_setup(wrt, order, names):
    """(the variable to expand in, the order) for ``taylor``."""
    if wrt is None:
        if not names:
            raise UsageError("taylor needs a variable to expand in, and the expression has "
                             "none (name one with --vars x)")
        if len(names) != 1:
            raise UsageError(f"taylor needs --wrt NAME: the variable to expand in (variables: "
                             f"{_join(names)}; the others stay at their --at values)")
        var = names[0]
    else:
        given = parse_names(wrt, "--wrt")
        if len(given) != 1:
            raise UsageError(f"--wrt {','.join(given)}: taylor expands in one variable (give "
                             "--wrt NAME; the others stay at their --at values)")
        var = given[0]
        if var not in names:
            raise UsageError(f"--wrt {var}: {var} is not a variable of the expression "
                             f"(variables: {_join(names) or 'none'}; add it with --vars)")
    order = TAYLOR_ORDER if order is None else _whole(order)
    if order < 0:
        raise UsageError("--order must be a non-negative whole number")
    if order > MAX_ORDER:
        raise UsageError(_too_high(order))
    return var, order


# =========================================================================================
# Labels and the components of each kind
# =========================================================================================

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _runs(wrt):
    runs = []
    for w in wrt:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    return runs


def derivative_label(fname, wrt, single_variable):
    """(unicode, ascii) label: ``∂²f/∂x∂y`` and ``d2f/dx dy``; ``d`` for one variable."""
    n = len(wrt)
    if n == 0:
        return fname, fname
    d = "d" if single_variable else "∂"
    order_u = str(n).translate(_SUP) if n > 1 else ""
    order_a = str(n) if n > 1 else ""
    den_u = "".join(f"{d}{w}{str(k).translate(_SUP) if k > 1 else ''}" for w, k in _runs(wrt))
    den_a = " ".join(f"d{w}{k if k > 1 else ''}" for w, k in _runs(wrt))
    return f"{d}{order_u}{fname}/{den_u}", f"d{order_a}{fname}/{den_a}"


class _Spec(NamedTuple):
    """One component to compute and check: where it goes, its labels, and what it is (the
    partial ``wrt`` of root ``root``, divided by ``scale``: k! for Taylor coefficients)."""

    part: str
    index: tuple
    label: str
    ascii_label: str
    root: int
    wrt: tuple
    scale: int


def _specs(kind, names, wrt, nfun, var=None, order=None):
    """Every component of a report of ``kind``, in table order."""
    single = len(names) == 1

    def spec(part, index, fname, ws, root=0):
        return _Spec(part, index, *derivative_label(fname, ws, single), root,
                     tuple(_counts(ws).items()), 1)

    if kind == "jacobian":
        fn = [f"f{i + 1}" for i in range(nfun)]
        return ([spec("value", (i,), fn[i], [], i) for i in range(nfun)]
                + [spec("result", (i, j), fn[i], [n], i)
                   for i in range(nfun) for j, n in enumerate(names)])
    if kind == "taylor":
        return [_Spec("result", (k,), "c" + str(k).translate(_SUB), f"c{k}", 0,
                      ((var, k),) if k else (), math.factorial(k)) for k in range(order + 1)]
    out = [spec("value", (), "f", [])]
    if kind in ("grad", "hessian"):
        part = "result" if kind == "grad" else "gradient"
        out += [spec(part, (i,), "f", [n]) for i, n in enumerate(names)]
    if kind == "hessian":
        out += [spec("result", (i, j), "f", [a, b])
                for i, a in enumerate(names) for j, b in enumerate(names)]
    if kind == "diff":
        out.append(spec("result", (), "f", wrt))
    return out


@dataclasses.dataclass
class _Task:
    """What one run computes: the input, checked and resolved."""

    kind: str
    roots: list
    names: list
    wrt: list | None      # diff: one name per differentiation
    var: str | None       # taylor: the variable of the series
    order: int | None     # taylor: the highest power
    points: list
    specs: list


# =========================================================================================
# hod's side: the tape (grad, hessian, jacobian) and Taylor mode (diff, taylor)
# =========================================================================================

_INFIX_SYM = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**"}


def _describe(node, args):
    vals = [fmt_number(np.asarray(a, dtype=float)) for a in _values(args)]
    if node.op in _INFIX_SYM and len(vals) == 2:
        b = vals[1] if not vals[1].startswith("-") else f"({vals[1]})"
        return f"{vals[0]} {_INFIX_SYM[node.op]} {b}"
    return f"{node.op}({', '.join(vals)})"


def _values(args):
    from .engine.tensor import as_value

    return [as_value(a) for a in args]


def _classify_nonfinite(node, args):
    """'overflow' (mathematically finite, too large for a float) or 'undefined'."""
    try:
        import mpmath

        with mpmath.workdps(30):
            v = node.prim.mp(mpmath, *[mpmath.mpf(float(a)) for a in _values(args)],
                             **node.params)
            if isinstance(v, mpmath.mpf) and mpmath.isfinite(v):
                return "overflow", mpmath.nstr(v, 3)
    except Exception:  # noqa: BLE001 - any failure means there is no real value
        pass
    return "undefined", None


class _PointWatch:
    """The ``on_node`` hook: finds where f is not defined and kinks that matter."""

    def __init__(self, depends, diff_vars):
        self.depends = depends
        self.diff_vars = diff_vars
        self.problem = None     # (status, message) for the first non-finite node
        self.kinks = []

    def __call__(self, node, value, args):
        vals = _values(args)
        if self.problem is None and not np.all(np.isfinite(_values([value])[0])):
            if all(np.all(np.isfinite(v)) for v in vals):
                kind, big = _classify_nonfinite(node, args)
                what = _describe(node, args)
                if kind == "overflow":
                    msg = (f"overflow at this point: {what} is about {big}, too large for a "
                           "64-bit float")
                else:
                    msg = f"not defined at this point: {what}"
                self.problem = (kind, msg)
        prim = node.prim
        if prim.kink is not None and self.depends[id(node)] & self.diff_vars:
            try:
                hit = bool(np.any(prim.kink(*args)))
            except Exception:  # noqa: BLE001 - a kink test that fails is not a kink
                hit = False
            if hit:
                where = ", ".join(fmt_number(v) for v in vals)
                where = where if len(vals) == 1 else f"({where})"
                msg = f"not differentiable at this point: {prim.name} at {where}; "
                msg += _convention_text(prim.convention)
                if msg not in self.kinks:
                    self.kinks.append(msg)

    def add_taylor_kinks(self, kinks):
        """Kinks Taylor mode met, (primitive name, convention), unless already found here."""
        for name, convention in kinks:
            if any(k.startswith(f"not differentiable at this point: {name} at ")
                   for k in self.kinks):
                continue
            msg = f"not differentiable at this point: {name}; {_convention_text(convention)}"
            if msg not in self.kinks:
                self.kinks.append(msg)


def _convention_text(convention):
    conv = convention or "a one-sided derivative"
    return f"hod used {conv}" if "=" in conv else f"hod's convention: {conv}"


def _dependencies(roots):
    deps = {}
    for node in _graph.topological(roots):
        if node.op == "var":
            deps[id(node)] = frozenset([node.label])
        elif node.op == "const":
            deps[id(node)] = frozenset()
        else:
            s = frozenset()
            for a in node.args:
                s |= deps[id(a)]
            deps[id(node)] = s
    return deps


def _num(t):
    return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=float))


@dataclasses.dataclass
class _HodPoint:
    """hod's numbers at one point; ``overflow`` maps (part, index) to an out-of-range note."""

    value: Any
    gradient: Any
    result: Any
    watch: _PointWatch
    overflow: dict = dataclasses.field(default_factory=dict)
    caveats: list = dataclasses.field(default_factory=list)


def _tape_point(kind, roots, names, point, depends):
    """Tape values at one point (grad, hessian, jacobian)."""
    from . import ops
    from .engine.tape import GradientTape
    from .engine.tensor import Variable

    xs = [Variable(point[n], name=n) for n in names]
    env = dict(zip(names, xs))
    watch = _PointWatch(depends, frozenset(names))

    def f():
        vals = _graph.evaluate(roots, env, "tensor", on_node=watch)
        return [ops.convert(v) for v in vals]

    gradient = None
    with np.errstate(all="ignore"):
        if kind == "grad":
            with GradientTape() as tape:
                tape.watch(xs)
                (y,) = f()
            g = tape.gradient(y, xs, unconnected_gradients="zero") if xs else []
            value, result = _num(y), [_num(t) for t in g]
        elif kind == "hessian":
            with GradientTape() as outer:
                outer.watch(xs)
                with GradientTape() as inner:
                    inner.watch(xs)
                    (y,) = f()
                g = inner.gradient(y, xs, unconnected_gradients="zero") if xs else []
                gs = ops.stack(g) if xs else None
            cols = outer.jacobian(gs, xs, unconnected_gradients="zero") if xs else []
            value, gradient = _num(y), [_num(t) for t in g]
            result = [[_num(cols[j][i]) for j in range(len(xs))] for i in range(len(xs))]
        elif kind == "jacobian":
            with GradientTape() as tape:
                tape.watch(xs)
                ys = f()
                stacked = ops.stack(ys)
            cols = tape.jacobian(stacked, xs, unconnected_gradients="zero") if xs else []
            value = [_num(t) for t in ys]
            result = [[_num(cols[j][i]) for j in range(len(xs))] for i in range(len(ys))]
        else:
            raise ValueError(f"the tape computes grad, hessian and jacobian, not {kind}")
    return _HodPoint(value, gradient, result, watch)


def _pure_derivative(root, point, var, n):
    """(the n-th derivative in ``var`` by Taylor mode, the kinks met, and ("overflow", its
    magnitude as text) or ("underflow", None) when it is out of the float range, else None)."""
    from .taylor_mode.api import graph_nth_derivative

    r = graph_nth_derivative(root, point, var, n)
    big = None
    if r.out_of_range is not None:
        o = r.out_of_range
        big = (o.kind, magnitude(o.log10_abs, o.negative) if o.kind == "overflow" else None)
    return r.value, r.kinks, big


def _taylor_point(task, point, depends):
    """Taylor-mode values at one point (diff, taylor), and f with its problems and kinks."""
    from .engine.tensor import constant
    from .taylor_mode.api import expand, graph_partial

    point = dict(point)
    counts = _counts(task.wrt) if task.kind == "diff" else {task.var: task.order}
    watch = _PointWatch(depends, frozenset(counts))
    overflow = {}
    root = task.roots[0]
    with np.errstate(all="ignore"):
        env = {n: constant(point[n]) for n in task.names}
        (y,) = _graph.evaluate(task.roots, env, "tensor", on_node=watch)
        value = _num(y)
        if task.kind == "taylor":
            e = expand(root, point, task.order, {task.var: 1.0})
            coeffs = np.asarray(e.coefficients, dtype=np.float64).reshape(task.order + 1)
            result, kinks = [float(c) for c in coeffs], e.kinks
        elif len(counts) == 1:
            ((var, n),) = counts.items()
            result, kinks, big = _pure_derivative(root, point, var, n)
            if big is not None:
                overflow[("result", ())] = big
        else:
            r, kinks = graph_partial(root, point, counts)
            result = float(np.asarray(r, dtype=np.float64))
    watch.add_taylor_kinks(kinks)
    hp = _HodPoint(value, None, result, watch, overflow)
    if task.kind == "diff" and len(counts) > 1 and len(task.wrt) > MIXED_ACCURATE_ORDER:
        hp.caveats.append(f"Taylor mode's mixed partials lose accuracy beyond total order "
                          f"{MIXED_ACCURATE_ORDER} (the interpolation from univariate "
                          f"directions amplifies rounding): trust the checks here")
    return hp


class _Nested(NamedTuple):
    """Nested tapes at one point: the derivative and f, or None and why they were skipped."""

    value: float | None
    f: float | None
    skipped: str | None


def _nested_projection(marks, n, budget):
    """The estimated total time of ``n`` differentiations after ``len(marks)`` of them
    (``marks``: cumulative times), when it says to stop; else None.

    Each differentiation of nested tapes differentiates the whole computation of the one
    before, so its time grows geometrically (about 3x per order for exp(sin(x))).  The growth
    is the median of the last three steps' ratios (a pause of the machine in one step does
    not count); below 1.5 (expressions whose derivatives stay small, such as exp(x)) nothing
    is projected and only the budget stops them.  A projection needs 2% of the budget spent,
    so that timer noise on microsecond steps cannot stop them.
    """
    j = len(marks)
    elapsed = marks[-1]
    steps = [max(s, 1e-9) for s in [marks[0]] + [b - a for a, b in itertools.pairwise(marks)]]
    growth, last = 1.0, steps[-1]
    if j >= 4:
        ratios = sorted(b / a for a, b in itertools.pairwise(steps[-4:]))
        growth = ratios[1]
        last = min(steps[-1], steps[-2] * growth * 1.5)

    def rest():
        left = n - j
        if growth < 1.01:
            return last * left
        # sum_{i=1..left} last * growth^i, without overflowing
        log_sum = (math.log(last) + left * math.log(growth)
                   + math.log(growth / (growth - 1)))
        return math.exp(min(log_sum, 700.0))

    if elapsed >= budget:
        return elapsed + rest()
    if growth >= 1.5 and elapsed >= 0.02 * budget and elapsed + rest() > budget:
        return elapsed + rest()
    return None


def _nested_partial(roots, names, wrt, point, budget, shown_budget=None):
    """The partial ``wrt`` by nested tapes (one per differentiation), one differentiation at
    a time, stopping when :func:`_nested_projection` says the rest would not fit in
    ``budget`` seconds.  The garbage collector pauses meanwhile: the tapes hold everything
    they record until the end anyway, and its passes over them would take a third of the
    time, at random steps."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _nested_steps(roots, names, wrt, point, budget,
                             budget if shown_budget is None else shown_budget)
    finally:
        if collecting:
            gc.enable()


def _nested_steps(roots, names, wrt, point, budget, shown_budget):
    from .engine.functional import nested_steps
    from .engine.tensor import Variable

    start = time.perf_counter()
    xs = [Variable(point[n], name=n) for n in names]
    n = len(wrt)
    marks = []

    def f(*vs):
        return _graph.evaluate(roots, dict(zip(names, vs)), "tensor")[0]

    with np.errstate(all="ignore"):
        steps = nested_steps(f, xs, [names.index(w) for w in wrt])
        value = _num(next(steps))
        for j, y in enumerate(steps, 1):
            marks.append(time.perf_counter() - start)
            if j < n:
                total = _nested_projection(marks, n, budget)
                if total is not None:
                    steps.close()
                    return _Nested(None, value, f"skipped, estimated {fmt_duration(total)} "
                                                f"at order {n} (budget {shown_budget:g} s)")
        return _Nested(_num(y) if n else value, value, None)


def _nested_points(task, budget):
    """Nested tapes at every point, sharing ``budget``; once skipped, skipped everywhere."""
    out, end, skipped = [], time.perf_counter() + budget, None
    for p in task.points:
        left = end - time.perf_counter()
        if skipped is None and left <= 0:
            skipped = f"skipped: their time budget ({budget:g} s) is used up"
        if skipped is not None:
            out.append(_Nested(None, None, skipped))
            continue
        r = _nested_partial(task.roots, task.names, task.wrt, p, left, budget)
        skipped = r.skipped
        out.append(r)
    return out


# =========================================================================================
# The checks (each runs in a child process or a thread; sends plain data back)
# =========================================================================================

def _exact(v):
    f = fractions.Fraction(float(v))
    return f.numerator, f.denominator


def _sympy_projection(marks, n):
    """SymPy's estimated total time of ``n`` differentiations from the cumulative times of
    the first ``len(marks)``: T(j) ~ j^q, q measured between j/2 and j (SymPy's derivatives
    swell polynomially: q is about 3 for exp(sin(x))).  None while too little is measured."""
    j = len(marks)
    if j < 4 or marks[-1] < 0.05:
        return None
    h = j // 2
    if marks[h - 1] <= 0:
        return None
    q = max(1.0, math.log(marks[-1] / marks[h - 1]) / math.log(j / h))
    return marks[-1] * (n / j) ** q


def _symbolic_job(task, deadline, send):
    """Differentiate with SymPy and evaluate at each point; ``send`` plain data as it goes."""
    import sympy

    kind, names = task.kind, task.names
    syms = {n: sympy.Symbol(n, real=True) for n in names}
    fs = _graph.to_sympy(task.roots, syms)

    def form(e):
        if e is None:
            return None
        s = str(e)
        return s if len(s) <= MAX_FORM_CHARS else s[:MAX_FORM_CHARS] + "..."

    def value(e, subs=None):
        if e is None:
            return None
        try:
            r = e.evalf(30, subs=subs or {})
            if r.is_number and r.is_real and r.is_finite:
                return float(r)
            if r == sympy.oo or r == -sympy.oo:
                return float(r)
            if r.is_number and (r.is_real is False or r.has(sympy.zoo, sympy.nan)):
                return float("nan")  # complex or undefined: no real value
            return None
        except Exception:  # noqa: BLE001 - SymPy could not evaluate this entry
            return None

    if kind == "taylor":
        _series_job(task, sympy, syms, fs[0], form, value, send)
        send(("done",))
        return
    if kind in ("grad", "hessian"):
        grads = [sympy.diff(fs[0], syms[n]) for n in names]
        if kind == "grad":
            exprs = {"value": fs[0], "result": grads}
        else:
            exprs = {"value": fs[0], "gradient": grads,
                     "result": [[sympy.diff(g, syms[n]) for n in names] for g in grads]}
    elif kind == "diff":
        e, n, start, marks = fs[0], len(task.wrt), time.monotonic(), []
        for j, w in enumerate(task.wrt, 1):
            e = sympy.diff(e, syms[w])
            marks.append(time.monotonic() - start)
            total = _sympy_projection(marks, n) if j < n else None
            if total is not None and total - marks[-1] > 3 * (deadline - time.monotonic()):
                send(("gave up", j, n, marks[-1], total))
                e = None
                break
        # one derivative at a time is several times faster than sympy.diff(f, x, n), which
        # simplifies as it goes; factor_terms gives back its compact form, cheaply
        exprs = {"value": fs[0], "result": sympy.factor_terms(e) if e is not None else None}
    else:
        exprs = {"value": list(fs),
                 "result": [[sympy.diff(f, syms[n]) for n in names] for f in fs]}

    send(("forms", _map(form, exprs)))
    for k, p in enumerate(task.points):
        subs = {syms[n]: sympy.Rational(*_exact(p[n])) for n in names}
        send(("point", k, _map(lambda e, subs=subs: value(e, subs), exprs)))
    send(("done",))


def _series_job(task, sympy, syms, f, form, value, send):
    """``taylor``: sympy.series of f(x0 + t) in t at each point, coefficients extracted."""
    t = sympy.Dummy("t")
    var, order = task.var, task.order
    for k, p in enumerate(task.points):
        fixed = {syms[n]: sympy.Rational(*_exact(p[n])) for n in task.names if n != var}
        x0 = sympy.Rational(*_exact(p[var]))
        coeffs, note = [None] * (order + 1), None
        try:
            g = f.xreplace(fixed).xreplace({syms[var]: x0 + t})
            s = sympy.expand(sympy.series(g, t, 0, order + 1).removeO())
            powers = {}
            for term in sympy.Add.make_args(s):
                c, e = term.as_coeff_exponent(t)
                if c.has(t) or not (e.is_Integer and 0 <= e <= order):
                    note = (f"SymPy's series is not a power series here (it has the term "
                            f"{form(term.subs(t, syms[var] - x0))})")
                    break
                powers[int(e)] = powers.get(int(e), 0) + c
            else:
                coeffs = [powers.get(i, sympy.Integer(0)) for i in range(order + 1)]
        except Exception as e:  # noqa: BLE001 - reported with the point
            note = _error_text(e).replace("SymPy failed", "SymPy's series failed")
        vals = [value(c) for c in coeffs]
        send(("point", k, {"value": vals[0], "result": vals,
                           "forms": [form(c) for c in coeffs], "note": note}))


def _numeric_job(task, send, stopped):
    """Every component from values of f alone (:mod:`hod.numeric`), in order, each sent as
    soon as it is done: ``("numeric", point index, spec index, value, error)``."""
    from . import numeric

    done = {}
    for k, p in enumerate(task.points):
        for j, s in enumerate(task.specs):
            if stopped():
                return
            key = (k, s.root, s.wrt)
            if key not in done:
                try:
                    est = numeric.derivative(task.roots[s.root], p, dict(s.wrt),
                                             dps=NUMERIC_DPS)
                    done[key] = (est.value, est.error)
                except Exception:  # noqa: BLE001 - no real value here (e.g. log(-1))
                    done[key] = None
            got = done[key]
            if got is None:
                send(("numeric", k, j, None, None))
                continue
            try:
                v, e = float(got[0] / s.scale), float(got[1] / s.scale)
            except (TypeError, ValueError, OverflowError):  # complex: no real value
                v, e = None, None
            send(("numeric", k, j, v, e))
    send(("done",))


def _map(fn, x):
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, list):
        return [_map(fn, v) for v in x]
    return fn(x)


def _use_fork():
    mode = os.environ.get("HOD_SYMBOLIC_WORKER", "")
    if mode in ("thread", "process"):
        return mode == "process" and hasattr(os, "fork")
    return (hasattr(os, "fork") and sys.platform.startswith("linux")
            and threading.active_count() == 1)


_forks: dict = {}


class _Worker:
    """Runs ``job(send, stopped)`` with a deadline, in a forked child killed at the deadline,
    or in a daemon thread abandoned at the deadline (``stopped()`` then turns true)."""

    def __init__(self, job, deadline, preload=None):
        self.deadline = deadline
        self.messages = []
        self.error = None
        self.timed_out = False
        self.finished = False
        self.closed = False
        if _use_fork():
            _forks[preload] = _forks.get(preload, 0) + 1
            if _forks[preload] == 2 and preload and preload not in sys.modules:
                # called repeatedly (the Python API in a loop): load the module here once, so
                # that every later child inherits it instead of importing it again
                importlib.import_module(preload)
            self._start_process(job)
        else:
            self._start_thread(job)

    # --- a forked child, killed at the deadline -------------------------------------------
    def _start_process(self, job):
        import pickle
        import struct

        r, w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(r)
                import warnings

                warnings.simplefilter("ignore")

                def send(msg):
                    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
                    view = memoryview(struct.pack("<Q", len(data)) + data)
                    while view:
                        n = os.write(w, view)
                        view = view[n:]

                try:
                    job(send, lambda: False)
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    send(("error", _error_text(e)))
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._fd, self._thread, self._buf = pid, r, None, bytearray()

    def _read_once(self):
        """Read what the child has written (the pipe is readable): decode whole messages."""
        import pickle
        import struct

        chunk = os.read(self._fd, 1 << 16)
        if not chunk:
            self._close()
            return
        buf = self._buf
        buf += chunk
        while len(buf) >= 8:
            (n,) = struct.unpack("<Q", buf[:8])
            if len(buf) < 8 + n:
                break
            self._receive(pickle.loads(bytes(buf[8:8 + n])))
            del buf[:8 + n]
        if self.finished:
            self._close()

    def _close(self):
        """Stop the child (if it is still running) and reap it."""
        if self.closed:
            return
        self.closed = True
        if self._thread is None:
            import signal

            os.close(self._fd)
            if not self.finished:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
        else:
            self._stop.set()

    # --- a daemon thread, abandoned at the deadline ---------------------------------------
    def _start_thread(self, job):
        inbox, stop = [], threading.Event()

        def run():
            try:
                job(inbox.append, stop.is_set)
            except BaseException as e:  # noqa: BLE001 - reported to the caller
                inbox.append(("error", _error_text(e)))

        self._inbox, self._read, self._stop = inbox, 0, stop
        self._thread = threading.Thread(target=run, name="hod-check", daemon=True)
        self._thread.start()

    def _join(self, end):
        self._thread.join(max(0.0, end - time.monotonic()))
        new = self._inbox[self._read:]
        self._read += len(new)
        for msg in new:
            self._receive(msg)
        if not self._thread.is_alive():
            self._close()

    def _receive(self, msg):
        tag = msg[0]
        if tag == "error":
            self.error = msg[1]
        elif tag == "done":
            self.finished = True
        else:
            self.messages.append(msg)

    def wait(self, until=None):
        """Receive until the job is done, or ``until``, or the deadline (which stops it).
        Returns True when the job is over (done, failed or stopped)."""
        end = self.deadline if until is None else min(until, self.deadline)
        _wait_for([self], end, lambda: self.closed)
        if not self.closed and time.monotonic() >= self.deadline:
            self.expire()
        return self.closed

    def expire(self):
        """The deadline has passed: stop the job if it still runs."""
        if not self.closed:
            self.timed_out = True
            self._close()
        if not self.finished and not self.timed_out and self.error is None:
            self.error = "the check stopped unexpectedly"

    def cancel(self):
        """Stop the job: its answer is no longer needed."""
        if not self.closed:
            self.finished = True  # not an error: nothing more is wanted
            if self._thread is None:
                import signal

                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            self._close()


def _wait_for(workers, end, done):
    """Receive from ``workers`` until ``done()`` or the time ``end`` (what has arrived by then
    is read too).  Every child's pipe is read as data arrives, so that none blocks on a full
    pipe while another is awaited."""
    import select

    while not done():
        live = [w for w in workers if not w.closed]
        if not live:
            return
        left = end - time.monotonic()
        if all(w._thread is None for w in live):
            ready, _, _ = select.select([w._fd for w in live], [], [], max(0.0, left))
            for w in live:
                if w._fd in ready:
                    w._read_once()
            if not ready and left <= 0:
                return
        else:
            for w in live:
                w._join(min(end, time.monotonic() + 0.01))
            if left <= 0:
                return


def _error_text(e):
    text = str(e).strip().splitlines()
    text = text[0] if text else ""
    if isinstance(e, RecursionError):
        return "SymPy ran out of recursion depth on this expression"
    if isinstance(e, MemoryError):
        return "SymPy ran out of memory on this expression"
    return f"SymPy failed: {type(e).__name__}{': ' + text[:200] if text else ''}"


class _Checks:
    """SymPy and the numeric check for one run, under one deadline."""

    def __init__(self, task, timeout):
        self.task = task
        self.timeout = timeout
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.sympy = _Worker(lambda send, stopped: _symbolic_job(task, self.deadline, send),
                             self.deadline, "sympy")
        self.numeric = None
        if task.kind in ("diff", "taylor"):
            self._start_numeric()

    def _start_numeric(self):
        if self.numeric is None and time.monotonic() < self.deadline:
            self.numeric = _Worker(lambda send, stopped: _numeric_job(self.task, send, stopped),
                                   self.deadline, "mpmath")

    def collect(self):
        """Wait for the checks (never past the deadline)."""
        sympy = self.sympy
        if self.numeric is None:
            _wait_for([sympy], min(self.start + self.timeout / 2, self.deadline),
                      lambda: sympy.closed)
            if not self._sympy_complete():
                self._start_numeric()
        workers = [w for w in (sympy, self.numeric) if w is not None]
        _wait_for(workers, self.deadline, lambda: sympy.closed)
        if self.numeric is not None:
            if self._sympy_complete():
                self.numeric.cancel()
            else:
                _wait_for([self.numeric], self.deadline, lambda: self.numeric.closed)
        for w in workers:
            w.expire()
        return self

    def _sympy_complete(self):
        """True when SymPy has given a number for every component at every point."""
        if not self.sympy.finished or self.sympy.error:
            return False
        values = self.sympy_values()
        for k in range(len(self.task.points)):
            v = values.get(k)
            if v is None:
                return False
            for s in self.task.specs:
                if _get(v.get(s.part), s.index) is None:
                    return False
        return True

    def forms(self):
        return next((m[1] for m in self.sympy.messages if m[0] == "forms"), None)

    def sympy_values(self):
        return {m[1]: m[2] for m in self.sympy.messages if m[0] == "point"}

    def gave_up(self):
        return next((m[1:] for m in self.sympy.messages if m[0] == "gave up"), None)

    def numeric_values(self):
        if self.numeric is None:
            return {}
        return {(m[1], m[2]): (m[3], m[4]) for m in self.numeric.messages
                if m[0] == "numeric" and m[3] is not None}


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


def _get(x, index):
    for i in index:
        if x is None:
            return None
        x = x[i]
    return x


def _set(x, index, v):
    for i in index[:-1]:
        x = x[i]
    x[index[-1]] = v


def _blank(like):
    """A structure shaped like ``like`` (number, list or list of lists) holding None."""
    if isinstance(like, list):
        return [_blank(v) for v in like]
    return None


def _put(x, index, v):
    """``x`` with ``v`` at ``index`` (``v`` itself for the empty index)."""
    if not index:
        return v
    _set(x, index, v)
    return x


def _range_text(label, big):
    if big[0] == "overflow":
        return (f"overflow at this point: {label} is about {big[1]}, too large for a 64-bit "
                "float")
    return (f"out of range at this point: {label} cannot be computed in floating point (its "
            "Taylor coefficient f^(n)/n! is below the smallest float)")


def _close(a, b, rtol, atol):
    return abs(a - b) <= atol + rtol * abs(b)


def _precise(value, error, rtol, atol):
    """A numeric value can decide agreement: its estimated error is a hundredth of the
    tolerance at most."""
    return (value is not None and error is not None and math.isfinite(value)
            and error <= 0.01 * (atol + rtol * abs(value)))


_REFERENCE_NAMES = {"sympy": "SymPy", "numeric": "the numeric derivative"}


def _point_result(task, k, hp, nest, checks, forms, check, rtol, atol, timeout):
    """One point: hod's numbers ``hp`` against SymPy or the numeric check, with nested tapes
    ``nest`` beside them (diff), and what the point's status, warnings and notes are."""
    kind = task.kind
    p = task.points[k]
    sym = checks.sympy_values().get(k) if checks else None
    num_values = checks.numeric_values() if checks else {}
    gave_up = checks.gave_up() if checks else None
    sym_worker = checks.sympy if checks else None
    num_worker = checks.numeric if checks else None
    numeric_late = bool(num_worker and (num_worker.timed_out or num_worker.error))
    parts = {"value": hp.value, "gradient": hp.gradient, "result": hp.result}
    watch = hp.watch
    warnings, notes = [], []
    problem = watch.problem
    if problem:
        warnings.append(problem[1])
    warnings += watch.kinks + hp.caveats
    kink = bool(watch.kinks)
    components, bad_derivs, overflowed = [], [], False
    numeric = _blank(hp.result)
    numeric_error = _blank(hp.result)
    used, numeric_errors, sympy_short = set(), [], False

    def precise(nv, ne):
        return _precise(nv, ne, rtol, atol)

    # one reference for the whole point where possible: SymPy, else the numeric check
    sympy_all = sym is not None and all(_get(sym.get(s.part), s.index) is not None
                                        for s in task.specs)
    numeric_first = not sympy_all and all(
        precise(*num_values.get((k, j), (None, None))) for j in range(len(task.specs)))
    for j, spec in enumerate(task.specs):
        a = _get(parts[spec.part], spec.index)
        b = _get(sym.get(spec.part), spec.index) if sym else None
        if kind == "taylor":
            form = _get(sym.get("forms"), spec.index) if sym else None
        else:
            form = _get(forms.get(spec.part), spec.index) if forms else None
        nv, ne = num_values.get((k, j), (None, None))
        nested_v = None
        if nest is not None and nest.skipped is None:
            nested_v = nest.value if spec.part == "result" else nest.f
        big = hp.overflow.get((spec.part, spec.index))
        if big is not None:
            overflowed = True
            warnings.append(_range_text(spec.ascii_label, big))
        ref = ref_name = None
        if check and not problem and big is None:
            if b is None:
                sympy_short = True
            if b is not None and not numeric_first:
                ref, ref_name = b, "sympy"
            elif precise(nv, ne):
                ref, ref_name = nv, "numeric"
            elif nv is not None and ne is not None and math.isfinite(nv) and not kink:
                warnings.append(f"the numeric check of {spec.ascii_label} is not precise "
                                f"enough here (estimated error {ne:.1e})")
        absd = reld = None
        if not check:
            agree, note = None, "unchecked"
        elif problem:
            agree, note = None, "undefined"
        elif big is not None:
            agree, note = None, "overflow"
        elif ref is None:
            late = bool(sym_worker.timed_out or gave_up or numeric_late)
            agree, note = None, "kink" if kink else "timeout" if late else "no value"
        else:
            if math.isfinite(a) and math.isfinite(ref):
                absd = abs(a - ref)
                reld = absd / abs(ref) if ref != 0 else (0.0 if absd == 0 else math.inf)
                agree = absd <= atol + rtol * abs(ref)
            else:
                agree = False
            note = "agree" if agree else "disagree"
            if not agree and (kink or not math.isfinite(a)):
                agree, note = None, "kink" if kink else "undefined"
        if (nested_v is not None and check and not problem and not kink
                and note not in ("undefined", "overflow")):
            other = ref if ref is not None else a
            other_name = _REFERENCE_NAMES[ref_name] if ref is not None else "Taylor mode"
            if (math.isfinite(nested_v) and math.isfinite(other)
                    and not _close(nested_v, other, rtol, atol)):
                agree, note = False, "disagree"
                warnings.append(f"nested tapes give {fmt_number(nested_v)} for "
                                f"{spec.ascii_label}, which disagrees with {other_name} "
                                f"({fmt_number(other)})")
        if ref_name == "numeric":
            numeric_errors.append(ne / abs(nv) if nv else ne)
            if spec.part == "result":
                numeric = _put(numeric, spec.index, nv)
                numeric_error = _put(numeric_error, spec.index, ne)
        if ref_name:
            used.add(ref_name)
        if (problem is None and big is None and spec.part != "value"
                and not math.isfinite(a)):
            bad_derivs.append((spec.label, spec.ascii_label, a, b))
        components.append(Component(
            spec.label, spec.ascii_label, spec.part, spec.index, form, a, b, absd, reld,
            agree, note, nested=nested_v,
            numeric=nv if ref_name == "numeric" else None,
            numeric_error=ne if ref_name == "numeric" else None, reference=ref_name))
    where = "on the tape" if ENGINES[kind] == "tape" else "in Taylor mode"
    for _label, alabel, a, b in bad_derivs:
        also = "" if b is None or not check else (
            f"; SymPy gives {fmt_number(b)}" if math.isfinite(b) else "")
        warnings.append(f"derivative not defined here: {alabel} = {fmt_number(a)} {where}"
                        f"{also}")
    # how SymPy and the numeric check fared
    unchecked = [c for c in components if c.check in ("timeout", "no value")]
    sympy_why = None
    if check and not problem:
        if gave_up:
            j, n, spent, total = gave_up
            sympy_why = (f"SymPy: stopped after {j} of {n} differentiations "
                         f"({fmt_duration(spent)}); all {n} would take at least "
                         f"{fmt_duration(total)} (--timeout {timeout:g} s)")
        elif sym_worker.error:
            sympy_why = f"symbolic check failed: {sym_worker.error}"
        elif sym_worker.timed_out and sym is None:
            sympy_why = f"the symbolic check timed out after {timeout:g} s (--timeout)"
        elif sym is not None and sym.get("note"):
            sympy_why = sym["note"]
    if unchecked and sympy_why:
        warnings.append(sympy_why)
    elif sympy_why and sympy_short:
        notes.append(f"{sympy_why}; checked by the numeric derivative instead")
    if numeric_errors:
        notes.append(f"numeric: central differences of values of f computed by mpmath at "
                     f"{NUMERIC_DPS} digits; estimated relative error up to "
                     f"{max(numeric_errors):.1e}")
    elif unchecked and num_worker is not None and not problem:
        if num_worker.timed_out:
            notes.append(f"numeric: timed out after {timeout:g} s (--timeout)")
        elif num_worker.error:
            notes.append(f"numeric: failed ({num_worker.error})")
    if nest is not None and nest.skipped:
        notes.append(f"nested tapes: {nest.skipped}")
    # the point's status: the most serious finding
    found = set()
    if problem:
        found.add(problem[0])
    if any(c.check == "disagree" for c in components):
        found.add("disagree")
    if kink:
        found.add("not differentiable")
    if overflowed:
        found.add("overflow")
    if bad_derivs:
        found.add("derivative undefined")
    if any(c.check == "timeout" for c in components):
        found.add("timeout")
    if any(c.check == "no value" for c in components):
        found.add("symbolic failed")
    found.add("ok" if check else "unchecked")
    status = next(s for s in STATUSES if s in found)
    agrees = [c.agree for c in components]
    if not check or problem:
        agree = None
    elif any(x is False for x in agrees):
        agree = False
    elif all(x is True for x in agrees):
        agree = True
    else:
        agree = None
    reference = "+".join(r for r in ("sympy", "numeric") if r in used) or None
    has_numeric = any(c.numeric is not None and c.part == "result" for c in components)
    polynomial = None
    if kind == "taylor" and problem is None and all(math.isfinite(c) for c in hp.result):
        polynomial = polynomial_text(hp.result, task.var, p[task.var])
    return PointResult(
        point=dict(p), value=hp.value, result=hp.result,
        symbolic=sym.get("result") if sym else None,
        symbolic_value=sym.get("value") if sym else None,
        gradient=hp.gradient, agree=agree, status=status, warnings=warnings,
        components=components,
        nested=(nest.value if nest is not None else None),
        numeric=numeric if has_numeric else None,
        numeric_error=numeric_error if has_numeric else None,
        reference=reference, notes=notes,
        forms=(sym.get("forms") if sym else None) if kind == "taylor" else None,
        polynomial=polynomial)


def _assemble(task, text, hod, nested, checks, check, rtol, atol, timeout):
    """The report: each point's numbers compared with its checks."""
    kind = task.kind
    forms = checks.forms() if checks else None
    results = [_point_result(task, k, hp, nested[k] if nested else None, checks, forms, check,
                             rtol, atol, timeout) for k, hp in enumerate(hod)]
    wrt = task.wrt if kind == "diff" else ([task.var] if kind == "taylor" else None)
    return Report(expression=text, variables=list(task.names), derivative=kind, wrt=wrt,
                  checked=bool(check), rtol=rtol, atol=atol, timeout=timeout,
                  forms=forms.get("result") if forms and kind != "taylor" else None,
                  value_forms=forms.get("value") if forms and kind != "taylor" else None,
                  results=results, engine=ENGINES[kind],
                  order=task.order if kind == "taylor" else None)
