"""Adaptive precision: raise the working precision until every answer is narrow enough.

A ball is *resolved* for ``digits`` significant digits when its relative accuracy
(Arb's ``rel_accuracy_bits``) reaches :func:`needed_bits`, or when it contains 0 and its radius
is at most ``atol`` (the answer is then "zero, to within atol").  The loop starts at 64 bits
more than the digits need, doubles (or jumps further when the loss of accuracy it has seen
says so), and stops when every ball is resolved or the budget (bits, seconds) is spent; not
reaching the target is an answer, reported per ball.  An enclosure that cannot yet decide a
domain edge or a kink is retried the same way, and becomes hod's error at the last attempt.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

from .numbers import ball, exact, working
from .rules import NeedsPrecision

#: Default budget: the largest working precision tried, in bits.
MAX_BITS = 1 << 15


def needed_bits(digits):
    """Bits of relative accuracy that prove ``digits`` significant decimal digits (with room
    for correct rounding in most cases)."""
    return math.ceil(digits * math.log2(10)) + 4


def resolved(b, need, atol):
    """Whether the ball ``b`` answers to ``need`` bits (or is 0 to within the ball ``atol``)."""
    if b.rel_accuracy_bits() >= need:
        return True
    return atol is not None and b.contains(0) and b.rad() <= atol


class Attempt(NamedTuple):
    """The result of the loop: the balls, which are resolved, the precision of the last
    attempt, the precisions tried, and the seconds spent."""

    balls: list
    resolved: list
    prec: int
    tried: tuple
    seconds: float


def adaptive(compute, digits, *, atol=None, max_bits=MAX_BITS, max_seconds=None, start=None):
    """Call ``compute(prec, final)`` (a flat list of balls) at growing precision.

    ``atol``: a number (exact), the absolute width under which a ball containing 0 counts
    as resolved; None: only relative accuracy counts.  ``final`` tells ``compute`` that no
    more bits will come (undecided domain edges and kinks then raise hod's errors).
    """
    need = needed_bits(digits)
    prec = start or 64 + need
    prec = min(prec, max_bits)
    t0 = time.perf_counter()
    tried = []
    while True:
        final = prec >= max_bits or (
            max_seconds is not None and time.perf_counter() - t0 > max_seconds)
        tried.append(prec)
        try:
            balls = compute(prec, final)
        except NeedsPrecision as undecided:
            if final:
                raise undecided.error from None
            prec = min(2 * prec, max_bits)
            continue
        with working(prec):
            tol = None if atol is None else ball(exact(atol))
            flags = [resolved(b, need, tol) for b in balls]
        spent = time.perf_counter() - t0
        if all(flags) or final or (max_seconds is not None and spent > max_seconds):
            return Attempt(balls, flags, prec, tuple(tried), spent)
        prec = min(_next(prec, need, [b for b, ok in zip(balls, flags) if not ok]), max_bits)


def _next(prec, need, unresolved):
    """Double; jump further when the accuracy lost at this precision is known to need it."""
    accuracy = [b.rel_accuracy_bits() for b in unresolved]
    grow = 2 * prec
    if accuracy and min(accuracy) > 0:
        lost = prec - min(accuracy)
        grow = max(grow, need + lost + 32)
    return grow

