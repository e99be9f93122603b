"""The table's structural (linear) entries: sums, reshapes, broadcasting, transposes, indexing,
concatenation and the matrix product.  Their ``impl`` is generic numpy (it also runs on object
arrays); they give their JVP and VJP directly, each a few hod operations, and their Taylor rule
is :func:`hod.taylor_mode.rules.linear`.
"""

from __future__ import annotations

import builtins

import numpy as np

from ..engine.cotangents import Scattered
from ..engine.primitive import _expand_tangent, _nb, _shape, _sum_to, primitive
from ..engine.tensor import Tensor, as_value
from ..taylor_mode import rules as taylor_rules
from .elementwise import add, multiply


def _norm_axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of rank {ndim}")
        out.append(a % ndim if ndim else 0)
    return tuple(sorted(set(out)))


def _sum_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    axes = tuple(a + nb for a in node.params["axis"])
    return _sum_p(t, axis=axes, keepdims=node.params["keepdims"])


def _sum_vjp(i, g, node):
    x_shape = _shape(node.inputs[0])
    axes, keepdims = node.params["axis"], node.params["keepdims"]
    gshape = _shape(g)
    nb = len(gshape) - len(_shape(node.output))
    if not keepdims:
        kd = tuple(1 if k in axes else d for k, d in enumerate(x_shape))
        g = reshape(g, gshape[:nb] + kd)
    return broadcast_to(g, gshape[:nb] + x_shape)


_sum_p = primitive(
    "sum", lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims), jvp=_sum_jvp,
    vjp=_sum_vjp, generic=True, domain=((-3, 3),), scalar=False, doc="sum over axes",
    ball="generic",
    taylor=taylor_rules.linear)


def sum(x, axis=None, keepdims=False):
    """Sum of elements over ``axis`` (all axes by default)."""
    return _sum_p(x, axis=_norm_axes(axis, np.ndim(as_value(x))), keepdims=bool(keepdims))


def _reshape_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return reshape(t, _shape(t)[:nb] + _shape(node.output))


def _reshape_vjp(i, g, node):
    nb = _nb(g, np.ndim(node.output._value))
    return reshape(g, _shape(g)[:nb] + _shape(node.inputs[0]))


_reshape_p = primitive(
    "reshape", lambda x, shape: np.reshape(x, shape), jvp=_reshape_jvp, vjp=_reshape_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="same values, new shape",
    ball="generic",
    taylor=taylor_rules.linear)


def reshape(x, shape):
    """``x`` with a new shape (one entry may be -1)."""
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    size = int(np.prod(_shape(x), dtype=np.int64))
    if shape.count(-1) == 1:
        known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
        shape = tuple(size // known if known and s == -1 else s for s in shape)
    if int(np.prod(shape, dtype=np.int64)) != size:
        raise ValueError(f"cannot reshape a tensor of shape {_shape(x)} into {shape}")
    if shape == _shape(x) and isinstance(x, Tensor):
        return x
    return _reshape_p(x, shape=shape)


def _bcast_jvp(ts, node):
    (t,) = ts
    in_ndim = np.ndim(as_value(node.inputs[0]))
    shape = node.params["shape"]
    nb = _nb(t, in_ndim)
    t = _expand_tangent(t, in_ndim, len(shape))
    return broadcast_to(t, _shape(t)[:nb] + shape)


def _bcast_vjp(i, g, node):
    return _sum_to(g, _shape(node.inputs[0]), len(node.params["shape"]))


_broadcast_p = primitive(
    "broadcast_to", lambda x, shape: np.broadcast_to(x, shape), jvp=_bcast_jvp, vjp=_bcast_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="repeat along new or unit axes",
    ball="generic",
    taylor=taylor_rules.linear)


def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (a read-only view)."""
    shape = tuple(int(s) for s in shape)
    if shape == _shape(x) and isinstance(x, Tensor):
        return x
    return _broadcast_p(x, shape=shape)


def _transpose_jvp(ts, node):
    (t,) = ts
    axes = node.params["axes"]
    nb = _nb(t, len(axes))
    return _transpose_p(t, axes=tuple(range(nb)) + tuple(a + nb for a in axes))


def _transpose_vjp(i, g, node):
    axes = node.params["axes"]
    nb = _nb(g, len(axes))
    inv = np.argsort(axes)
    return _transpose_p(g, axes=tuple(range(nb)) + tuple(int(a) + nb for a in inv))


_transpose_p = primitive(
    "transpose", lambda x, axes: np.transpose(x, axes), jvp=_transpose_jvp, vjp=_transpose_vjp,
    generic=True, domain=((-3, 3),), scalar=False, doc="permute axes",
    ball="generic",
    taylor=taylor_rules.linear)


def transpose(x, perm=None):
    """Permute the axes of ``x`` (reverse them by default), like ``tf.transpose``."""
    ndim = np.ndim(as_value(x))
    axes = tuple(range(ndim))[::-1] if perm is None else tuple(int(p) % ndim for p in perm)
    if sorted(axes) != list(range(ndim)):
        raise ValueError(f"perm {perm} is not a permutation of the {ndim} axes")
    return _transpose_p(x, axes=axes)


def _normalize_index(index, ndim):
    """A tuple index with Ellipsis expanded and tensors/lists turned into numpy arrays."""
    if not isinstance(index, tuple):
        index = (index,)
    items = []
    for k in index:
        if isinstance(k, Tensor):
            k = np.asarray(k._value)
            if k.dtype.kind == "f" and np.all(k == np.floor(k)):
                k = k.astype(np.int64)
        elif isinstance(k, list):
            k = np.asarray(k)
        items.append(k)
    used = builtins.sum(1 if not (k is None or k is Ellipsis) else 0 for k in items)
    used += builtins.sum(np.ndim(k) - 1 for k in items
                         if isinstance(k, np.ndarray) and k.dtype == bool)
    if any(k is Ellipsis for k in items):
        pos = next(j for j, k in enumerate(items) if k is Ellipsis)
        items[pos:pos + 1] = [slice(None)] * (ndim - used)
    return tuple(items)


def _advanced(index):
    return any(isinstance(k, np.ndarray) and k.dtype != bool for k in index)


def _getitem_jvp(ts, node):
    (t,) = ts
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return _getitem_p(t, index=(slice(None),) * nb + node.params["index"])


def _getitem_vjp(i, g, node):
    nb = _nb(g, np.ndim(node.output._value))
    return Scattered(g, node.params["index"], _shape(node.inputs[0]), nb)


_getitem_p = primitive(
    "getitem", lambda x, index: x[index], jvp=_getitem_jvp, vjp=_getitem_vjp, generic=True,
    domain=((-3, 3),), scalar=False, doc="indexing and slicing",
    ball="generic",
    taylor=taylor_rules.linear)


def _slice_complement(k, size):
    """Slices covering the indices of range(size) that slice ``k`` (positive step) omits."""
    lo, hi, step = k.indices(size)
    if hi <= lo:
        return [slice(None)]
    last = lo + (hi - 1 - lo) // step * step
    pieces = [slice(0, lo), slice(last + 1, None)]
    pieces += [slice(lo + r, last, step) for r in range(1, step)]
    return pieces


def _scatter_impl(g, index, shape, nb):
    gshape = np.shape(g)
    full_shape = gshape[:nb] + tuple(shape)
    full = (slice(None),) * nb + index
    if isinstance(g, np.ndarray) and g.dtype == object:
        out = np.zeros(full_shape, dtype=object)
    elif len(index) <= len(shape) and all(isinstance(k, slice) and (k.step or 1) > 0
                                          for k in index):
        # A (strided) box: write it, and zero only what lies outside it; the backward pass of
        # x[1:] or x[::2] on a batched cotangent would otherwise zero the whole array first.
        out = np.empty(full_shape, dtype=np.result_type(g, np.float64))
        out[full] = g
        for axis, k in enumerate(index):
            pre = (slice(None),) * (nb + axis)
            for piece in _slice_complement(k, shape[axis]):
                out[pre + (piece,)] = 0.0
        return out
    else:
        out = np.zeros(full_shape, dtype=np.result_type(g, np.float64))
    if _advanced(index):
        np.add.at(out, full, g)
    else:
        out[full] = g
    return out


def _scatter_jvp(ts, node):
    (t,) = ts
    p = node.params
    nb = _nb(t, np.ndim(as_value(node.inputs[0])))
    return _scatter_p(t, index=p["index"], shape=p["shape"], nb=p["nb"] + nb)


def _scatter_vjp(i, g, node):
    p = node.params
    nb = _nb(g, np.ndim(node.output._value))
    return _getitem_p(g, index=(slice(None),) * (nb + p["nb"]) + p["index"])


_scatter_p = primitive(
    "scatter", _scatter_impl, jvp=_scatter_jvp, vjp=_scatter_vjp, generic=True,
    domain=((-3, 3),), scalar=False,
    doc="zeros of a shape with values added at an index (the transpose of getitem)",
    ball="generic",
    taylor=taylor_rules.linear)


def _adjacent_advanced(index, shape):
    """The same selection as ``index``, with no slice between its advanced indices.

    When advanced indices (arrays, and integers beside them) are separated by a slice, numpy
    puts their axes first, in front of the leading batch axes that the rules prefix with
    ``slice(None)``.  Turning every item up to the last advanced one into broadcast integer
    arrays selects the same elements in the same layout, with the advanced axes in place.
    """
    if not any(isinstance(k, np.ndarray) for k in index):
        return index
    pos = [j for j, k in enumerate(index)
           if isinstance(k, np.ndarray) or (isinstance(k, (int, np.integer))
                                             and not isinstance(k, (bool, np.bool_)))]
    head = index[:pos[-1] + 1]
    if pos[-1] - pos[0] + 1 == len(pos) or any(
            k is None or isinstance(k, (bool, np.bool_)) for k in head):
        return index
    items = []
    for k in head:
        if isinstance(k, np.ndarray) and k.dtype == bool:
            items.extend(np.nonzero(k))
        else:
            items.append(k)
    adv = np.broadcast_shapes(*[np.shape(k) for k in items if not isinstance(k, slice)])
    a, s = len(adv), builtins.sum(1 for k in items if isinstance(k, slice))
    out, q = [], 0
    for axis, k in enumerate(items):
        if isinstance(k, slice):
            r = np.arange(shape[axis])[k]
            out.append(r.reshape((1,) * (a + q) + r.shape + (1,) * (s - q - 1)))
            q += 1
        else:
            k = np.asarray(k)
            out.append(k.reshape((1,) * (a - k.ndim) + k.shape + (1,) * s))
    return tuple(out) + index[pos[-1] + 1:]


def getitem(x, index):
    """``x[index]``: numpy's basic and advanced indexing; gradients scatter back."""
    index = _normalize_index(index, np.ndim(as_value(x)))
    return _getitem_p(x, index=_adjacent_advanced(index, _shape(x)))


def _concat_jvp(ts, node):
    axis = node.params["axis"]
    ref = next(t for t in ts if t is not None)
    x0 = node.inputs[next(k for k, t in enumerate(ts) if t is not None)]
    nb = _nb(ref, np.ndim(as_value(x0)))
    batch = _shape(ref)[:nb]
    parts = []
    for t, x in zip(ts, node.inputs):
        if t is None:
            t = Tensor._wrap(np.zeros(batch + _shape(x)))
        parts.append(t)
    return _concat_p(*parts, axis=axis)


def _concat_vjp(i, g, node):
    axis = node.params["axis"]
    sizes = [_shape(x)[axis] for x in node.inputs]
    lo = builtins.sum(sizes[:i])
    index = (Ellipsis, slice(lo, lo + sizes[i])) + (slice(None),) * (-axis - 1)
    return getitem(g, index)


_concat_p = primitive(
    "concat", lambda *xs, axis: np.concatenate(xs, axis=axis), nargs=None, jvp=_concat_jvp,
    vjp=_concat_vjp, generic=True, domain=((-3, 3), (-3, 3)), scalar=False,
    doc="join tensors along an existing axis",
    ball="generic",
    taylor=taylor_rules.linear)


def concat(values, axis):
    """Join a list of tensors along ``axis`` (``tf.concat``)."""
    values = list(values)
    ndim = np.ndim(as_value(values[0]))
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of range for tensors of rank {ndim}")
    return _concat_p(*values, axis=axis - ndim if axis >= 0 else axis)


def stack(values, axis=0):
    """Stack tensors of one shape along a new ``axis`` (``tf.stack``)."""
    values = list(values)
    shape = _shape(values[0])
    ndim = len(shape) + 1
    axis = int(axis) % ndim
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return concat([reshape(v, new_shape) for v in values], axis)


def _matmul_jvp(ts, node):
    a, b = node.inputs
    an, bn = np.ndim(as_value(a)), np.ndim(as_value(b))
    out_shape = _shape(node.output)
    total = None
    for i, t in enumerate(ts):
        if t is None:
            continue
        tn = an if i == 0 else bn
        lead = _shape(t)[:_nb(t, tn)]
        core = _shape(t)[len(lead):]
        # A vector tangent becomes a matrix as matmul makes it (a row on the left, a column
        # on the right), and unit axes line its batch axes up with the other operand's, so
        # that the leading tangent batch axes stay in front of both.
        if tn == 1:
            core = (1,) + core if i == 0 else core + (1,)
        other = builtins.max(bn if i == 0 else an, 2)
        core = (1,) * builtins.max(other - len(core), 0) + core
        t = reshape(t, lead + core)
        term = reshape(matmul(t, b) if i == 0 else matmul(a, t), lead + out_shape)
        total = term if total is None else add(total, term)
    return total


def _transpose_last(x):
    """Swap the last two axes (a vector is returned unchanged)."""
    nd = np.ndim(as_value(x))
    if nd < 2:
        return x
    return _transpose_p(x, axes=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def _matmul_vjp(i, g, node):
    a, b = node.inputs
    an, bn = np.ndim(as_value(a)), np.ndim(as_value(b))
    out_ndim = np.ndim(node.output._value)
    if an == 1 and bn == 1:  # out (), g (B...)
        gg = reshape(g, _shape(g) + (1,))
        return multiply(gg, b) if i == 0 else multiply(gg, a)
    if i == 0:
        if bn == 1:  # a (..., m, k), b (k,): out (..., m); g (B..., m)
            r = multiply(reshape(g, _shape(g) + (1,)), b)
        elif an == 1:  # a (k,), b (..., k, n): g (B..., ..., n) as rows (B..., ..., 1, n)
            gshape = _shape(g)
            r = matmul(reshape(g, gshape[:-1] + (1, gshape[-1])), _transpose_last(b))
            r = reshape(r, _shape(r)[:-2] + _shape(r)[-1:])
            return _sum_to(r, _shape(a), out_ndim)
        else:
            r = matmul(g, _transpose_last(b))
        return _sum_to(r, _shape(a), out_ndim + (1 if bn == 1 else 0))
    if an == 1:  # a (k,), b (..., k, n): out (..., n); g (B..., n)
        gshape = _shape(g)
        r = multiply(reshape(a, (-1, 1)), reshape(g, gshape[:-1] + (1, gshape[-1])))
        return _sum_to(r, _shape(b), out_ndim + 1)
    if bn == 1:  # a (..., m, k), b (k,): g (B..., ..., m) as rows (B..., ..., 1, m)
        gshape = _shape(g)
        r = matmul(reshape(g, gshape[:-1] + (1, gshape[-1])), a)
        r = reshape(r, _shape(r)[:-2] + _shape(r)[-1:])
        return _sum_to(r, _shape(b), out_ndim)
    r = matmul(_transpose_last(a), g)
    return _sum_to(r, _shape(b), out_ndim)


matmul = primitive(
    "matmul", np.matmul, nargs=2, jvp=_matmul_jvp, vjp=_matmul_vjp, generic=True,
    domain=((-3, 3), (-3, 3)), scalar=False, doc="matrix product (numpy's matmul rules)",
    ball="generic",
    taylor=taylor_rules.matmul_rule)
