"""The input of a check: expressions, variables, points, wrt and order, checked and resolved."""

from __future__ import annotations

import math
import re

import numpy as np

from ..errors import HodError, UsageError
from ..expr import graph as _graph
from ..expr.printer import to_text

# Default order of ``taylor``.
TAYLOR_ORDER = 5
# Highest total order of ``diff`` and ``taylor`` (Taylor mode costs O(order^2) per operation).
MAX_ORDER = 1000
# A mixed partial of orders j (|j| = d, s variables) combines prod(j + 1) * C(d + s - 1, s - 1)
# interpolation terms; this many take Taylor mode about a second (cached afterwards).
MAX_MIXED_TERMS = 2_000_000
# Mixed partials come from univariate directions recombined with weights of alternating

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
            from ..expr import parser

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
    from ..expr import parser

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

