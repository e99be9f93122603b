"""Certified results: a ball that contains the true value, and what can be said from it."""

from __future__ import annotations

import fractions
import math

from .numbers import bounds, exact, to_fraction


class Enclosure:
    """A certified value: the Arb ball ``ball`` provably contains it.

    ``digits`` is the number of significant digits asked for; ``resolved`` whether the ball
    is narrow enough for them (or is 0 to within the asked absolute tolerance); ``prec`` the
    working precision (bits) of the attempt that produced it.
    """

    __slots__ = ("ball", "digits", "resolved", "prec")

    def __init__(self, ball, digits=15, resolved=True, prec=None):
        self.ball = ball
        self.digits = digits
        self.resolved = bool(resolved)
        self.prec = prec

    # --- exact facts -------------------------------------------------------------------------
    @property
    def lower(self):
        """The ball's lower end, an exact :class:`fractions.Fraction`."""
        return bounds(self.ball)[0]

    @property
    def upper(self):
        """The ball's upper end, an exact :class:`fractions.Fraction`."""
        return bounds(self.ball)[1]

    @property
    def radius(self):
        """The ball's radius, as a float rounded up (never smaller than the true radius)."""
        return _float_up(to_fraction(self.ball.rad()))

    def contains(self, x):
        """Whether the ball contains the exact value of ``x`` (a float, an int, a Fraction, a
        Decimal or a decimal literal)."""
        q = exact(x)
        if q is None:
            return False
        lo, hi = bounds(self.ball)
        return lo <= q <= hi

    @property
    def contains_zero(self):
        lo, hi = bounds(self.ball)
        return lo <= 0 <= hi

    @property
    def is_exact_zero(self):
        """Whether the value is proven to be exactly 0 (a ball of radius 0 at 0)."""
        return self.ball.is_zero()

    def relative_error_bound(self):
        """An upper bound of |m - v| / |v| for the midpoint m and any value v in the ball
        (``inf`` when the ball contains 0, 0 when it is exact)."""
        mid, rad = to_fraction(self.ball.mid()), to_fraction(self.ball.rad())
        if rad == 0:
            return 0.0
        if abs(mid) <= rad:
            return math.inf
        return _float_up(rad / (abs(mid) - rad))

    # --- as numbers and text ---------------------------------------------------------------
    def float(self):
        """The float64 nearest to the midpoint."""
        return _float_near(to_fraction(self.ball.mid()))

    __float__ = float

    def decimal(self, digits=None):
        """The value in decimal with ``digits`` significant digits (default: those asked for),
        each proven: the correctly rounded value, which every point of the ball rounds to.

        When the ball allows fewer digits, only those are written; when it allows none (it is
        too wide, or contains 0), the ball itself in Arb's notation (``[+/- 2.1e-31]``)."""
        digits = self.digits if digits is None else int(digits)
        lo, hi = bounds(self.ball)
        if lo == hi == 0:
            return "0"
        if lo <= 0 <= hi:
            return self.ball.str(2, radius=True)
        sign = "-" if hi < 0 else ""
        a, b = sorted((abs(lo), abs(hi)))
        for d in range(digits, 0, -1):
            ra = _round_significant(a, d)
            if ra == _round_significant(b, d):
                return sign + _write(*ra, d)
        return self.ball.str(2, radius=True)

    def __str__(self):
        return self.decimal()

    def __repr__(self):
        status = "" if self.resolved else ", not resolved"
        return f"Enclosure({self.ball.str(self.digits + 2, radius=True)}{status})"


def _float_near(q):
    try:
        return float(q)
    except OverflowError:
        return math.inf if q > 0 else -math.inf


def _float_up(q):
    f = _float_near(q)
    if math.isfinite(f) and fractions.Fraction(f) < q:
        f = math.nextafter(f, math.inf)
    return f


def _floor_log10(q):
    """floor(log10(q)) of a positive rational, exactly (the first guess from bit lengths, so
    that no huge integer is ever written out in decimal)."""
    bits = q.numerator.bit_length() - q.denominator.bit_length()
    e = math.floor(bits * 0.30102999566398120)
    while q >= fractions.Fraction(10) ** (e + 1):
        e += 1
    while q < fractions.Fraction(10) ** e:
        e -= 1
    return e


def _round_significant(q, d):
    """``q`` > 0 rounded to ``d`` significant digits, ties to even: (mantissa, exponent) with
    q ~ mantissa * 10**(exponent - d + 1) and 10**(d-1) <= mantissa < 10**d."""
    e = _floor_log10(q)
    m = round(q / fractions.Fraction(10) ** (e - d + 1))
    if m == 10 ** d:
        m, e = 10 ** (d - 1), e + 1
    return m, e


def _write(m, e, d):
    """The decimal text of m * 10**(e - d + 1) with its d significant digits."""
    s = str(m)
    if -5 <= e < d:  # positional: every digit written is significant, no padding zeros
        if e == d - 1:
            return s
        if e >= 0:
            return s[:e + 1] + "." + s[e + 1:]
        return "0." + "0" * (-e - 1) + s
    mantissa = s[0] + ("." + s[1:] if d > 1 else "")
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e):02d}"
