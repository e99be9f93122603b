"""Derived operations: plain functions of primitives, nothing to declare.

Calling one on graph nodes builds the lowered graph, so the expression language and every
engine get them for free.
"""

from __future__ import annotations

import numpy as np

from ..engine.primitive import _shape
from ..engine.registry import TABLE
from ..engine.tensor import Tensor, as_value
from .elementwise import (
    abs, add, divide, exp, log, maximum, minimum, multiply, sqrt, square, subtract,
)
from .structural import _norm_axes, reshape, sum


# =========================================================================================

def zeros(shape):
    """A tensor of zeros."""
    return Tensor._wrap(np.zeros(shape))


def ones(shape):
    """A tensor of ones."""
    return Tensor._wrap(np.ones(shape))


def zeros_like(x):
    return zeros(_shape(x))


def ones_like(x):
    return ones(_shape(x))


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (all axes by default)."""
    shape = _shape(x)
    axes = _norm_axes(axis, len(shape))
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64)) if axes else 1
    return divide(sum(x, axis=axes, keepdims=keepdims), float(n))


def norm(x, ord="euclidean", axis=None, keepdims=False):
    """Vector norm (``tf.norm``): 'euclidean' (also 2 or 'fro') or 1, over ``axis``."""
    if ord in ("euclidean", "fro", 2, 2.0):
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord in (1, 1.0):
        return sum(abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(f"norm: ord={ord!r} is not supported (use 'euclidean' or 1)")


def clip_by_value(t, clip_value_min, clip_value_max):
    """Clamp values into [min, max]; the gradient is 1 inside and 0 outside."""
    return minimum(maximum(t, clip_value_min), clip_value_max)


def clip_by_norm(t, clip_norm, axes=None):
    """Rescale ``t`` so that its L2 norm (over ``axes``) is at most ``clip_norm``."""
    l2 = sqrt(sum(square(t), axis=axes, keepdims=True))
    return divide(multiply(t, clip_norm), maximum(l2, clip_norm))


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, computed without overflow."""
    v = as_value(x)
    axes = _norm_axes(axis, np.ndim(v))
    m = np.max(v, axis=axes, keepdims=True) if np.size(v) else np.zeros((1,) * np.ndim(v))
    m = np.where(np.isfinite(m), m, 0.0)
    r = add(log(sum(exp(subtract(x, m)), axis=axes, keepdims=True)), m)
    if not keepdims:
        r = reshape(r, tuple(d for k, d in enumerate(np.shape(v)) if k not in axes))
    return r


def reduce_sum(x, axis=None, keepdims=False):
    return sum(x, axis=axis, keepdims=keepdims)


def reduce_mean(x, axis=None, keepdims=False):
    return mean(x, axis=axis, keepdims=keepdims)


def language_functions():
    """The functions of hod's expression language: name -> (function, number of arguments).

    Every scalar primitive of the table (by its own name), plus the derived scalar operations
    below; calling one on graph nodes builds the lowered graph.
    """
    funcs = {name: (prim, prim.nargs) for name, prim in TABLE.items() if prim.scalar}
    funcs.update({"square": (square, 1), "clip_by_value": (clip_by_value, 3)})
    return funcs
