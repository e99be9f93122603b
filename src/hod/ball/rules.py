"""The dispatcher of ball counterparts, and what a failed counterpart means to a user.

:func:`apply` is the backend the propagation hands to the graph evaluator and the tape
replay: it converts numbers to exact balls, calls the entry's ``ball=`` counterpart (on each
element of an array), and checks that every result is finite.  :func:`explain` turns a
counterpart's :class:`~.counterparts.BallFailure` into hod's error, or into
:class:`NeedsPrecision` when more bits may still decide it.
"""

from __future__ import annotations

import numbers as _numbers

import numpy as np

from ..errors import DomainError, NonDifferentiableError, UsageError
from ..text import fmt_number
import hod.ball.counterparts as counterparts  # the module itself, not the package's API
from .counterparts import AtKink, BallFailure, OutsideDomain, c0, generic, is_series
from .numbers import exact, flint
from .numbers import ball as exact_ball


class NeedsPrecision(Exception):
    """At this precision an enclosure cannot decide (a domain edge, a kink, a comparison);
    more bits may.  ``error``: what to raise if they never do."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


def scalar(v):
    """A number as an exact ball; balls, series and bools are returned as they are."""
    if is_series(v) or isinstance(v, (bool, np.bool_)):
        return v
    f = flint()
    if isinstance(v, f.arb):
        return v
    if isinstance(v, _numbers.Real):
        q = exact(v)
        if q is None:
            raise DomainError(f"not defined at this point: a constant is {v!r}")
        return exact_ball(q)
    return v


def objects(a):
    """``a`` as a numpy object array of balls, series or bools (numpy would unpack a series)."""
    if isinstance(a, np.ndarray):
        if a.dtype == object:
            return a
        out = np.empty(a.shape, dtype=object)
        for i in np.ndindex(a.shape):
            out[i] = scalar(a[i].item())
        return out
    out = np.empty((), dtype=object)
    out[()] = scalar(a)
    return out


def finite(v):
    """Whether a ball, a series (its first and last coefficients: a non-finite coefficient
    spreads to every later one) or a bool is finite."""
    if is_series(v):
        return v[0].is_finite() and v[v.prec - 1].is_finite()
    if isinstance(v, (bool, np.bool_)):
        return True
    return v.is_finite()


def apply(prim, args, params):
    """``prim`` on balls, series, or arrays of them: the entry's ball counterpart."""
    rule = prim.ball
    if rule is None:
        raise UsageError(f"{prim.name} has no certified (ball) counterpart")
    if isinstance(rule, str):  # the table names its counterpart (no import of hod.ball)
        rule = getattr(counterparts, rule)
    if rule is generic:
        return prim.impl(*[objects(a) for a in args], **params)
    if any(isinstance(a, np.ndarray) and a.ndim for a in args):
        return _elementwise(rule, args, params)
    return _call(rule, [scalar(_unwrap(a)) for a in args], params)


def _unwrap(a):
    """A 0-d array's element."""
    if isinstance(a, np.ndarray):
        return a[()] if a.dtype == object else a.item()
    return a


def _call(rule, args, params):
    try:
        out = rule(*args, **params)
        if not finite(out):
            # no counterpart's check caught it (a pole of tan, a flint routine's own limit):
            # it may be the enclosure that is too wide, so more bits may help
            raise OutsideDomain(False, "the result is not finite")
    except ValueError as exc:  # flint refuses a series operation (a leading zero in a divisor)
        failure = OutsideDomain(False, str(exc))
        failure.values = tuple(args)
        raise failure from None
    except BallFailure as exc:
        exc.values = tuple(args)
        raise
    return out


def _elementwise(rule, args, params):
    arrays = np.broadcast_arrays(*[objects(a) for a in args])
    out = np.empty(arrays[0].shape, dtype=object)
    for i in np.ndindex(out.shape):
        out[i] = _call(rule, [scalar(a[i]) for a in arrays], params)
    return out


# --- failures in words -------------------------------------------------------------------------

def _describe(prim, values):
    """The failing call with its arguments' midpoints, as hod's printer writes it
    (``log(-1)``, ``1 / 0``)."""
    from ..expr.graph import call, const
    from ..expr.printer import to_text

    args = []
    for v in values:
        if isinstance(v, (bool, np.bool_)):
            return f"{prim.name}(...)"
        args.append(const(float(c0(v).mid())))
    return to_text(call(prim, args, {}))


def _enclosures(values):
    return ", ".join(c0(v).str(10, radius=True) for v in values
                     if not isinstance(v, (bool, np.bool_)))


def explain(failure, prim, node_text, prec, final):
    """The hod error for ``failure`` of ``prim`` (inside expression ``node_text``, if known).

    A definite failure is the error itself; an undecided one is :class:`NeedsPrecision`
    carrying the error to raise when no more bits are allowed (``final``)."""
    what = _describe(prim, failure.values)
    where = f" (in {node_text})" if node_text and node_text != what else ""
    if isinstance(failure, AtKink):
        conv = prim.convention or "a one-sided derivative"
        at = ", ".join(fmt_number(float(c0(v).mid())) for v in failure.values)
        at = at if len(failure.values) == 1 else f"({at})"
        if failure.definite:
            msg = (f"not differentiable at this point: {prim.name} at {at}{where}; hod's "
                   f"other engines use {conv}, a certified derivative does not")
        else:
            msg = (f"not differentiable at this point, or too close to tell at {prec} bits: "
                   f"{prim.name} at {at}{where}, its arguments' enclosures "
                   f"{_enclosures(failure.values)} contain a kink ({conv})")
        error = NonDifferentiableError(msg)
    elif isinstance(failure, OutsideDomain) and failure.definite:
        error = DomainError(f"not defined at this point: {what}{where}")
    else:
        reason = f": {failure.reason}" if failure.reason else ""
        error = DomainError(
            f"not defined at this point, or too close to tell at {prec} bits: {what}{where}"
            f"{reason}; arguments in {_enclosures(failure.values)}")
    if failure.definite or final:
        return error
    return NeedsPrecision(error)

