"""Deferred cotangents and their accumulation (the reverse pass's bookkeeping).

A cotangent may stay in a deferred form until something needs its value: :class:`Negated`
(a pending sign: subtract's rule costs no operation), :class:`Scattered` (getitem's rule: zero
except at an index) and :class:`Buffer` (an array owned by one backward pass, which later
cotangents are added into in place when nothing records the pass).
"""

from __future__ import annotations

import numpy as np

from .registry import ops
from .tensor import Tensor


class Negated:
    """A cotangent with a pending sign: stands for ``-t`` (see :meth:`Primitive.vjp`)."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


class Scattered:
    """A cotangent that is zero except at ``index``: getitem's reverse rule defers its
    scatter, so that when nothing records the backward pass several of them add into one
    buffer instead of each zeroing a full array."""

    __slots__ = ("g", "index", "shape", "nb")

    def __init__(self, g, index, shape, nb):
        self.g, self.index, self.shape, self.nb = g, index, shape, nb


class Buffer:
    """A fresh array owned by one backward pass, which later cotangents are added into."""

    __slots__ = ("a",)

    def __init__(self, a):
        self.a = a


def materialize(g):
    """A cotangent as a tensor (deferred forms become the operations they stand for)."""
    t = type(g)
    if t is Negated:
        return ops.negative(materialize(g.t))
    if t is Scattered:
        return ops._scatter_p(materialize(g.g), index=g.index, shape=g.shape, nb=g.nb)
    if t is Buffer:
        return Tensor._wrap(g.a)
    return g


def _add_into(buf, g, sign=1.0):
    """buf += sign * g in place, for a cotangent ``g`` in any form."""
    t = type(g)
    if t is Negated:
        return _add_into(buf, g.t, -sign)
    if t is Scattered:
        v = materialize(g.g)._value
        full = (slice(None),) * g.nb + g.index
        if ops._advanced(g.index):
            np.add.at(buf, full, v if sign > 0 else -v)
        elif sign > 0:
            buf[full] += v
        else:
            buf[full] -= v
        return
    v = g.a if t is Buffer else g._value
    if sign > 0:
        np.add(buf, v, out=buf)
    else:
        np.subtract(buf, v, out=buf)


def accumulate(prev, g, in_place=False):
    """``prev + g`` for cotangents in any form.  A sign costs no operation; with ``in_place``
    (nothing records the backward pass) scattered cotangents add into one owned buffer."""
    if prev is None:
        return g
    if in_place and (type(prev) in (Scattered, Buffer) or type(g) in (Scattered, Buffer)):
        if type(prev) is not Buffer:
            if type(g) is Buffer:
                prev, g = g, prev
            else:
                first = prev if type(prev) is Scattered else g
                other = g if first is prev else prev
                v = materialize(first.g)._value
                prev = Buffer(ops._scatter_impl(v, first.index, first.shape, first.nb))
                g = other
        _add_into(prev.a, g)
        return prev
    if type(prev) in (Scattered, Buffer):
        prev = materialize(prev)
    if type(g) in (Scattered, Buffer):
        g = materialize(g)
    pn, gn = type(prev) is Negated, type(g) is Negated
    if pn and gn:
        return Negated(ops.add(materialize(prev.t), materialize(g.t)))
    if pn:
        return ops.subtract(g, materialize(prev.t))
    if gn:
        return ops.subtract(prev, materialize(g.t))
    return ops.add(prev, g)
