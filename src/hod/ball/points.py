"""Exact points: where the ball engine evaluates, given without rounding.

A coordinate may be a float (its exact binary64 value), an int, a :class:`fractions.Fraction`,
a :class:`decimal.Decimal`, an ``arb`` ball, or a string: a decimal literal (``"0.1"`` is
exactly 1/10) or a constant expression of hod's language (``"pi/2"``, ``"-3*e"``,
``"sqrt(2)"``), parsed by hod's parser and evaluated with balls (never ``eval``, never
SymPy's parser).
"""

from __future__ import annotations

import math

from ..errors import UsageError
import hod.ball.numbers as numbers  # the module itself, not the package's API
from .propagate import through_graph


class Point:
    """One exact coordinate; :meth:`ball` encloses it at the working precision."""

    __slots__ = ("source", "rational", "graph", "given")

    def __init__(self, value):
        self.source = value
        self.rational = numbers.exact(value)
        self.graph = None
        self.given = None
        if self.rational is not None:
            return
        if isinstance(value, str):
            # the parser sits above the ball engine (it imports hod.ops, whose entries name
            # the ball counterparts), so it is imported here, when a point is read
            from ..expr import graph
            from ..expr.parser import parse

            node = parse(value)
            names = graph.variables(node)
            if names:
                raise UsageError(f"a point must be a number or a constant expression; "
                                 f"{value!r} has variables {', '.join(names)}")
            self.graph = node
        elif isinstance(value, numbers.flint().arb):
            self.given = value
        else:
            raise UsageError(f"not a number: {value!r} (give a float, an int, a Fraction, a "
                             f"Decimal, or a string such as '0.1' or 'pi/2')")

    def ball(self, prec):
        """The enclosure at precision ``prec`` (call inside :func:`numbers.working`)."""
        if self.rational is not None:
            return numbers.ball(self.rational)
        if self.given is not None:
            return +self.given
        return through_graph([self.graph], {}, prec, final=True)[0]

    def float(self):
        """The float64 nearest to the exact value (rounded to nearest, ties to even)."""
        if self.rational is not None:
            return float(self.rational)
        if self.given is not None:
            return float(numbers.to_fraction(self.given.mid()))
        prec = 128
        while True:
            with numbers.working(prec):
                lo, hi = numbers.bounds(self.ball(prec))
            a, b = _to_float(lo), _to_float(hi)
            if a == b or prec >= 1 << 14:
                return a if a == b else _to_float((lo + hi) / 2)
            prec *= 2

    def __repr__(self):
        return f"Point({self.source!r})"


def _to_float(q):
    try:
        return float(q)
    except OverflowError:
        return math.copysign(math.inf, q)


def as_point(value):
    """``value`` as a :class:`Point` (a Point is returned as it is)."""
    return value if isinstance(value, Point) else Point(value)


def exact_point(value, prec=128):
    """The ball enclosing ``value`` at ``prec`` bits, and the float64 nearest to it.

    >>> ball, nearest = exact_point("pi/2")
    >>> nearest == math.pi / 2, ball.contains(nearest)
    (True, False)
    """
    p = as_point(value)
    with numbers.working(prec):
        b = p.ball(prec)
    return b, p.float()


__all__ = ["Point", "as_point", "exact_point"]
