"""The input of a check, checked and resolved into a :class:`Task`: the expressions, the
variables and their order, the points, and (for ``diff`` and ``taylor``) wrt and order.

Errors are :class:`hod.UsageError` s naming the parameter at fault (``param``) in the
library's words (``points``, ``variables``, ``wrt``, ``order``); the command line spells
the same parameters as its flags.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

import numpy as np

from ..errors import ParseError, UsageError
from ..expr import graph as _graph
from ..expr.printer import to_text

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


@dataclasses.dataclass
class Task:
    """What one run computes: the input, checked and resolved."""

    kind: Any             # the kind object (hod.check.kinds)
    text: str             # the expression as given (or printed, for a graph)
    roots: list           # one graph per function
    names: list           # the variables, in order
    wrt: list | None      # diff: one name per differentiation; taylor: [the variable]
    order: int | None     # taylor: the highest power
    points: list
    specs: list = dataclasses.field(default_factory=list)  # the components, in table order

    @property
    def var(self):
        """taylor: the variable of the series."""
        return self.wrt[0]


def resolve(kind, expr, points, variables, wrt, order):
    """The :class:`Task` of ``kind`` for the given arguments (see :func:`hod.check.run`)."""
    points = parse_points(points)
    hint = set(parse_names(variables)) if variables is not None else set()
    for p in points:
        hint.update(p)
    text, roots = kind.parse(expr, sorted(hint))
    names = variable_order(roots, variables)
    check_points(names, points)
    wrt, order = kind.resolve(wrt, order, names)
    task = Task(kind, text, roots, names, wrt, order, points)
    task.specs = kind.specs(task)
    return task


def tolerances(rtol, atol, timeout):
    """(rtol, atol, timeout) as floats, checked."""
    rtol, atol, timeout = float(rtol), float(atol), float(timeout)
    if not (rtol >= 0 and atol >= 0) or math.isnan(rtol + atol):
        raise UsageError("{rtol} and {atol} must be non-negative numbers",
                         param="rtol" if not rtol >= 0 else "atol")
    if not timeout > 0:
        raise UsageError("{timeout} must be a positive number of seconds", param="timeout")
    return rtol, atol, timeout


# --- expressions -------------------------------------------------------------------------

def parse_expression(expr, names_hint):
    """(text, [graph]) from text or a graph."""
    from ..expr import parser

    if isinstance(expr, str):
        return expr.strip(), [_graph.lift(parser.parse(expr, variables=names_hint))]
    return to_text(_graph.lift(expr)), [_graph.lift(expr)]


def parse_expressions(exprs, names_hint):
    """(text, graphs) from ``"f1, f2"`` or a list of texts and graphs."""
    from ..expr import parser

    if isinstance(exprs, str):
        roots = parser.parse_list(exprs, variables=names_hint)
        text = exprs.strip()
    else:
        roots = [parser.parse(e, variables=names_hint) if isinstance(e, str) else e
                 for e in exprs]
        text = ", ".join(e.strip() if isinstance(e, str) else to_text(e) for e in exprs)
    if not roots:
        raise UsageError("jacobian needs at least one expression")
    return text, [_graph.lift(r) for r in roots]


# --- variables ---------------------------------------------------------------------------

def natural_key(name):
    """Sort key for variable names: digit runs compare as numbers (x2 before x10)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_names(text, param="variables"):
    """``"x,y,z"`` (or a list) -> ``["x", "y", "z"]``, each a valid name; the names of
    ``variables`` may not repeat.  ``param`` is the parameter they come from."""
    if isinstance(text, (list, tuple)):
        names = [str(n).strip() for n in text]
    else:
        names = [n.strip() for n in str(text).split(",")]
    seen = []
    for n in names:
        if not _NAME.match(n):
            raise UsageError(f"{{{param}}}: {{shown!r}} is not a variable name (letters, digits "
                             "and _, not starting with a digit)", param=param,
                             shown=n if n else "(empty)")
        if n in seen and param == "variables":
            raise UsageError("{variables}: {name} is listed twice", param=param, name=n)
        seen.append(n)
    return seen


def variable_order(roots, variables):
    """The variables: ``variables`` (which must list every one the expressions use), else
    those used, by :func:`natural_key`."""
    used = _graph.variables(roots)
    if variables is None:
        return sorted(used, key=natural_key)
    names = parse_names(variables)
    missing = [n for n in used if n not in names]
    if missing:
        raise UsageError("the expression uses {missing}, which {variables} does not list "
                         "({variables:{listed}})", param="variables", missing=_join(missing),
                         listed=",".join(names))
    return names


def _join(names):
    return ", ".join(names)


# --- points ------------------------------------------------------------------------------

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


def _not_finite(name, value):
    return UsageError("{points:{item}}: the value must be a finite number (or a constant "
                      "expression such as pi/4)", param="points", item=f"{name}={value}")


def _number(text, name):
    """The value of ``NAME=VALUE``: a number, or a constant expression such as ``pi/4``, read
    by hod's own parser (the same number rules as in an expression: ``1e-400`` is an error,
    not 0)."""
    from ..expr import parser

    t = text.strip()
    try:
        g = parser.parse(t)
    except ParseError as e:
        if t.lower().lstrip("+-") in ("nan", "inf", "infinity") or not t:
            raise _not_finite(name, text) from None
        raise UsageError("{points:{item}}: {why}", param="points", item=f"{name}={t}",
                         why=e.message) from None
    if _graph.variables(g):
        raise _not_finite(name, text)
    with np.errstate(all="ignore"):
        v = float(np.asarray(_graph.evaluate(g, {}, "tensor")))
    if not math.isfinite(v):
        raise _not_finite(name, text)
    return v


class Point(dict):
    """A point: each variable's float64 value (the nearest double of what was given), and in
    :attr:`exact` what was given, for the engines that compute exactly (SymPy, balls): the
    text as typed (``"0.1"``, ``"pi/2"``) or the number passed from Python."""

    def __init__(self, values=(), exact=None):
        super().__init__(values)
        self.exact = dict(exact or {})

    def exact_value(self, name):
        """What was given for ``name``: text as typed, or a number (a float is exact)."""
        return self.exact.get(name, self[name])


def parse_point(spec):
    """``"x=5,y=2"`` (or a mapping) -> ``{"x": 5.0, "y": 2.0}`` (a :class:`Point`)."""
    if isinstance(spec, dict):
        out = Point()
        for k, v in spec.items():
            parse_names([k], "points")
            out[k] = _number(str(v), k) if isinstance(v, str) else float(v)
            if not math.isfinite(out[k]):
                raise UsageError("{points:{item}}: the value must be a finite number",
                                 param="points", item=f"{k}={v}")
            if isinstance(v, str):
                out.exact[k] = v.strip()
            elif not isinstance(v, float):
                out.exact[k] = v  # an int, a Fraction, a Decimal: exact as given
        return out
    out = Point()
    text = str(spec)
    for item in split_top_level(text):
        if not item.strip() and text.strip() == "":
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise UsageError("{points:{text}}: expected NAME=VALUE pairs separated by commas, "
                             "e.g. {points:x=5,y=2}", param="points", text=text)
        parse_names([name], "points")
        if name in out:
            raise UsageError("{points:{text}}: {name} is given twice", param="points",
                             text=text, name=name)
        out[name] = _number(value, name)
        out.exact[name] = value.strip()
    return out


def parse_points(points):
    """A list of points from None (one point, no variables), one point or a list of them."""
    if points is None:
        return [{}]
    if isinstance(points, (str, dict)):
        points = [points]
    return [parse_point(p) for p in points] or [{}]


def check_points(names, points):
    """Every point gives a value to every variable, and to nothing else."""
    for p in points:
        unknown = [k for k in p if k not in names]
        if unknown:
            raise UsageError(
                "{points} gives a value for {unknown}, which is not a variable of the "
                "expression (variables: {names}; add it with {variables})", param="points",
                unknown=_join(unknown), names=_join(names) or "none")
        missing = [n for n in names if n not in p]
        if missing:
            example = ",".join(f"{n}=..." for n in names)
            given = {n for q in points for n in q}
            if len(points) > 1 and all(n in given for n in names):
                # --at x=1 --at y=2: two points, each with part of the variables
                example = ",".join(f"{n}={next(q[n] for q in points if n in q):g}"
                                   for n in names)
                raise UsageError("no value for {missing} in the point {point}: one point "
                                 "gives every variable its value at once, e.g. "
                                 "{points:{example}}", param="points",
                                 missing=_join(missing), example=example,
                                 point=",".join(f"{n}={v:g}" for n, v in p.items()))
            raise UsageError("no value for {missing}: give every variable a value, e.g. "
                             "{points:{example}}", param="points", missing=_join(missing),
                             example=example)


# --- wrt and order -----------------------------------------------------------------------

def whole(value):
    """``order`` as an int."""
    if isinstance(value, bool) or not float(value).is_integer():
        raise UsageError("{order} must be a whole number", param="order")
    return int(value)


def _too_high(order):
    return UsageError("{order:{value}}: hod computes derivatives up to order {most}",
                      param="order", value=order, most=MAX_ORDER)


def _not_a_variable(w, names):
    return UsageError("{wrt:{name}}: {name} is not a variable of the expression (variables: "
                      "{names}; add it with {variables})", param="wrt", name=w,
                      names=_join(names) or "none")


def counts(wrt):
    """``["x", "y", "y"]`` -> ``{"x": 1, "y": 2}`` (first appearance first)."""
    out = {}
    for w in wrt:
        out[w] = out.get(w, 0) + 1
    return out


def differentiations(wrt, order, names):
    """``diff``: the variables to differentiate by, one per differentiation."""
    if wrt is None:
        if len(names) != 1:
            raise UsageError("diff needs {wrt} to say which variables to differentiate by "
                             "(variables: {names})", param="wrt", names=_join(names) or "none")
        wrt = [names[0]]
    else:
        wrt = parse_names(wrt, "wrt")
    if order is not None:
        order = whole(order)
        if order < 1:
            raise UsageError("{order} must be at least 1", param="order")
        if len(wrt) != 1 and order != 1:
            raise UsageError("{order} repeats one variable: use {wrt:x} {order:5}, or list "
                             "each differentiation ({wrt:x,y,y})", param="order")
        if order > MAX_ORDER:
            raise _too_high(order)
        wrt = wrt * order
    for w in wrt:
        if w not in names:
            raise _not_a_variable(w, names)
    if len(wrt) > MAX_ORDER:
        raise UsageError("{wrt} lists {n} differentiations: hod computes derivatives up to "
                         "order {most}", param="wrt", n=len(wrt), most=MAX_ORDER)
    by_name = counts(wrt)
    if len(by_name) > 1:
        s = len(by_name)
        terms = math.prod(c + 1 for c in by_name.values()) * math.comb(len(wrt) + s - 1, s - 1)
        if terms > MAX_MIXED_TERMS:
            orders = ", ".join(f"{k} {v}" for k, v in by_name.items())
            raise UsageError("the mixed partial of orders {orders} is too large to compute "
                             "quickly ({terms:,} interpolation terms, more than {most:,}): "
                             "lower the orders", param="wrt", orders=orders, terms=terms,
                             most=MAX_MIXED_TERMS)
    return wrt


def series_variable(wrt, order, names):
    """``taylor``: (the variable to expand in, the order)."""
    if wrt is None:
        if not names:
            raise UsageError("taylor needs a variable to expand in, and the expression has "
                             "none (name one with {variables:x})", param="variables")
        if len(names) != 1:
            raise UsageError("taylor needs {wrt:NAME}: the variable to expand in (variables: "
                             "{names}; the others stay at their {points} values)", param="wrt",
                             names=_join(names))
        var = names[0]
    else:
        given = parse_names(wrt, "wrt")
        if len(given) != 1:
            raise UsageError("{wrt:{given}}: taylor expands in one variable (give {wrt:NAME}; "
                             "the others stay at their {points} values)", param="wrt",
                             given=",".join(given))
        var = given[0]
        if var not in names:
            raise _not_a_variable(var, names)
    order = TAYLOR_ORDER if order is None else whole(order)
    if order < 0:
        raise UsageError("{order} must be a non-negative whole number", param="order")
    if order > MAX_ORDER:
        raise _too_high(order)
    return var, order
