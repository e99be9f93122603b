"""The certified engine's Python API: :func:`certify`."""

from __future__ import annotations

import inspect
from collections import Counter

from ..errors import UsageError
from ..expr import graph as _graph
import hod.ball.derivatives as derivatives  # the module itself, not the package's API
from .enclosure import Enclosure
from .points import as_point
from .precision import MAX_BITS, adaptive
from .propagate import trace

KINDS = ("value", "grad", "hessian", "jacobian", "diff", "taylor")


def certify(f, point=None, *, wrt=None, kind="value", order=None, digits=15, atol=None,
            max_bits=MAX_BITS, max_seconds=None):
    """Certified values and derivatives: balls that provably contain the true numbers.

    ``f`` is an expression of hod's language (text, or a graph), a list of them (or text
    with commas: ``"x*y, x+y"``) for several functions, or a Python function of hod tensors
    with one scalar output (recorded on a tape at the float64 nearest the point).

    ``point`` maps each variable to its exact value (a bare value for one variable; for a
    Python function a value or a tuple of values, one per argument): a float (its exact
    binary64 value), an int, a Fraction, a Decimal, or text, either a decimal literal
    (``"0.1"`` is exactly 1/10) or a constant expression (``"pi/2"``, ``"sqrt(2)"``).

    ``kind`` and what comes back (:class:`~hod.ball.enclosure.Enclosure` objects; for
    several functions, one per function in a list):

    * ``"value"``: the value;
    * ``"grad"``: the first derivatives in ``wrt`` (default: every variable), a list;
    * ``"hessian"``: the matrix of second derivatives in ``wrt``, a list of rows;
    * ``"jacobian"``: a list (one row per function) of first derivatives;
    * ``"diff"``: one partial derivative: ``wrt="x", order=20``, or a multi-index as
      ``"x,y,y"`` (d3/dx dy2) or ``{"x": 10, "y": 10}``;
    * ``"taylor"``: the Taylor coefficients c_0..c_order in the one variable ``wrt``.

    The working precision starts at 64 bits more than ``digits`` need and doubles until every
    ball has ``digits`` correct significant digits (or contains 0 and is narrower than
    ``atol``), or ``max_bits`` / ``max_seconds`` run out: then the balls are still correct,
    only wider, and each says ``resolved=False``.  A point outside the domain raises
    :class:`~hod.errors.DomainError`, a kink :class:`~hod.errors.NonDifferentiableError`:
    never a number.

    >>> d = certify("sin(x)/x", {"x": "0.9"}, kind="diff", wrt="x", order=20, digits=30)
    >>> d.decimal(30)
    '0.0310768795323484550328203597782'
    >>> d.resolved, d.contains(914.32)
    (True, False)
    >>> certify("cos(x)", {"x": "pi/2"}, digits=30, atol=1e-30).contains_zero
    True
    """
    if kind not in KINDS:
        raise UsageError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    subject, several = _subject(f, point)
    names = subject.names
    if kind == "value":
        shape, compute = (None,), lambda p, last: derivatives.values(subject, p, last)
    elif kind in ("grad", "jacobian"):
        vs = _names(wrt, names)
        shape = (len(vs),)
        compute = lambda p, last: _flat(derivatives.jacobian(subject, vs, p, last))  # noqa: E731
    elif kind == "hessian":
        vs = _names(wrt, names)
        shape = (len(vs), len(vs))
        compute = lambda p, last: _flat(derivatives.hessian(subject, vs, p, last))  # noqa: E731
    elif kind == "diff":
        index = _multi_index(wrt, order, names)
        shape = (None,)
        compute = lambda p, last: derivatives.partial(subject, index, p, last)  # noqa: E731
    else:
        (name,) = _names(wrt, names, one=True)
        n = _order(order)
        shape = (n + 1,)
        compute = lambda p, last: _flat(derivatives.taylor(subject, name, n, p, last))  # noqa: E731
    attempt = adaptive(compute, digits, atol=atol, max_bits=max_bits, max_seconds=max_seconds)
    enclosures = [Enclosure(b, digits, ok, attempt.prec)
                  for b, ok in zip(attempt.balls, attempt.resolved)]
    per_root = _unflatten(enclosures, shape, len(subject.roots))
    if kind == "jacobian":
        return per_root
    return per_root if several else per_root[0]


# --- reading the request --------------------------------------------------------------------

def _subject(f, point):
    """The :class:`~hod.ball.derivatives.Subject` of ``f`` at ``point``, and whether ``f`` is
    several functions."""
    if callable(f) and not isinstance(f, _graph.Expr):
        return _function_subject(f, point), False
    several = isinstance(f, (list, tuple))
    roots = []
    for g in (f if several else [f]):
        if isinstance(g, str):
            from ..expr.parser import parse_list  # the parser imports hod.ops: see points.py

            parsed = parse_list(g)
            several = several or len(parsed) > 1
            roots.extend(parsed)
        elif isinstance(g, _graph.Expr):
            roots.append(g)
        else:
            raise UsageError(f"not an expression: {g!r}")
    names = _graph.variables(roots)
    if not isinstance(point, dict):
        if len(names) > 1:
            raise UsageError(f"give the point as a dict: the expression has variables "
                             f"{', '.join(names)}")
        point = {names[0]: point} if names else {}
    missing = [n for n in names if n not in point]
    if missing:
        raise UsageError(f"no value given for variable {missing[0]!r}")
    points = {n: as_point(point[n]) for n in names}
    return derivatives.Subject(roots, names, points), several


def _function_subject(f, point):
    args = point if isinstance(point, (tuple, list)) else (point,)
    try:
        params = [p.name for p in inspect.signature(f).parameters.values()]
    except (TypeError, ValueError):
        params = []
    names = params[:len(args)] if len(params) >= len(args) else [f"x{i}" for i in
                                                                    range(len(args))]
    points = {n: as_point(v) for n, v in zip(names, args)}
    recorded = trace(f, [points[n].float() for n in names])
    return derivatives.Subject([f], names, points, recorded=recorded)


def _names(wrt, names, one=False):
    if wrt is None:
        vs = list(names)
    elif isinstance(wrt, str):
        vs = [w.strip() for w in wrt.split(",") if w.strip()]
    else:
        vs = list(wrt)
    unknown = [v for v in vs if v not in names]
    if unknown:
        raise UsageError(f"unknown variable {unknown[0]!r} (the variables are "
                         f"{', '.join(names)})")
    if one and len(vs) != 1:
        raise UsageError("name one variable (wrt='x')")
    return vs


def _order(order):
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise UsageError(f"the order must be a non-negative integer, got {order!r}")
    return order


def _multi_index(wrt, order, names):
    if isinstance(wrt, dict):
        index = {v: _order(k) for v, k in wrt.items()}
    else:
        vs = _names(wrt, names)
        if order is not None:
            if len(vs) != 1:
                raise UsageError("order= goes with one variable; write a multi-index as "
                                 "'x,y,y' or {'x': 1, 'y': 2}")
            index = {vs[0]: _order(order)}
        else:
            index = dict(Counter(vs))
    _names(list(index), names)
    return index


def _flat(per_root):
    out = []
    for item in per_root:
        if isinstance(item, list):
            for row in item:
                out.extend(row if isinstance(row, list) else [row])
        else:
            out.append(item)
    return out


def _unflatten(flat, shape, nroots):
    """Per root: one enclosure (shape (None,)), a list, or a matrix."""
    out, k = [], 0
    for _ in range(nroots):
        if shape == (None,):
            out.append(flat[k])
            k += 1
        elif len(shape) == 1:
            out.append(flat[k:k + shape[0]])
            k += shape[0]
        else:
            rows = [flat[k + i * shape[1]:k + (i + 1) * shape[1]] for i in range(shape[0])]
            out.append(rows)
            k += shape[0] * shape[1]
    return out
