"""Exact numbers and the working precision of the ball engine.

python-flint is imported here, on first use (:func:`flint`), so ``import hod`` does not load
it.  Every ball computation runs inside :func:`working`, which sets Arb's precision (bits of
the midpoints) and the length of the power series, and restores both afterwards.

Numbers enter exactly: a float is its binary64 value, an int or a :class:`fractions.Fraction`
its rational value, a :class:`decimal.Decimal` or a decimal literal ``"0.1"`` the rational it
writes (exactly 1/10).  A rational that is not dyadic becomes a ball that contains it, and
that narrows as the precision grows.
"""

from __future__ import annotations

import contextlib
import fractions
import math
import numbers
import re
import sys

_flint = None


def flint():
    """The ``flint`` module (python-flint), imported on first use."""
    global _flint
    if _flint is None:
        import flint as module

        _flint = module
    return _flint


@contextlib.contextmanager
def working(prec, length=1):
    """Arb's precision ``prec`` (bits) and series length ``length`` inside the block."""
    ctx = flint().ctx
    old = ctx.prec, ctx.cap
    ctx.prec = int(prec)
    ctx.cap = max(int(length), 1)
    try:
        yield
    finally:
        ctx.prec, ctx.cap = old


# a decimal literal of hod's language (and of Python), with an optional sign
_DECIMAL = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")


def exact(value):
    """The exact rational value of a number or of a decimal literal, or None.

    >>> exact(0.1) == fractions.Fraction(3602879701896397, 2 ** 55)
    True
    >>> exact("0.1")
    Fraction(1, 10)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, fractions.Fraction):
        return value
    if isinstance(value, numbers.Integral):
        return fractions.Fraction(int(value))
    decimal = sys.modules.get("decimal")  # a Decimal exists only once decimal is loaded
    if decimal is not None and isinstance(value, decimal.Decimal):
        return fractions.Fraction(value) if value.is_finite() else None
    if isinstance(value, numbers.Real):
        v = float(value)
        return fractions.Fraction(v) if math.isfinite(v) else None
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        text = value.strip()
        mantissa, _, exponent = text.lower().partition("e")
        if exponent and abs(int(exponent)) > 20_000:
            return None  # too far out for an exact rational (hod's parser refuses it too)
        return fractions.Fraction(text)
    return None


def ball(q):
    """The ball of the rational ``q`` at the working precision (exact when q is dyadic)."""
    f = flint()
    if q.denominator & (q.denominator - 1) == 0:  # dyadic (integers too): exact, any size
        return f.arb((f.fmpz(q.numerator), -(q.denominator.bit_length() - 1)))
    return f.arb(f.fmpq(q.numerator, q.denominator))


def named_constant(name):
    """The ball of one of the language's named constants (pi, e, E)."""
    f = flint()
    if name == "pi":
        return f.arb.pi()
    if name in ("e", "E"):
        return f.arb(1).exp()
    raise KeyError(name)


def to_fraction(x):
    """The exact rational value of an exact dyadic ``arb`` (a midpoint, a radius)."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return fractions.Fraction(m * 2 ** e) if e >= 0 else fractions.Fraction(m, 2 ** -e)


def bounds(x):
    """The ball ``x`` as exact rational bounds (lower, upper)."""
    mid, rad = to_fraction(x.mid()), to_fraction(x.rad())
    return mid - rad, mid + rad
