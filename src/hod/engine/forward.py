"""Forward mode: ForwardAccumulator (TensorFlow's ``tf.autodiff.ForwardAccumulator``).

An active accumulator sees every operation (through :func:`.recording.apply`) and computes the
output's tangent from the inputs' tangents with the primitive's JVP rule.  Tangents may carry
extra leading batch axes (several directions at once).
"""

from __future__ import annotations

import numpy as np

from .recording import Node, _accumulators
from .registry import ops
from .tape import UnconnectedGradients, _flatten, _unconnected_mode, _unflatten
from .tensor import Tensor, as_value, convert


class ForwardAccumulator:
    """Forward-mode differentiation (JVPs), with TensorFlow's ``ForwardAccumulator`` API.

    >>> x = hod.constant(2.0)
    >>> with hod.ForwardAccumulator(x, hod.constant(1.0)) as acc:
    ...     y = x ** 3
    >>> acc.jvp(y).numpy()
    array(12.)

    Tangents may carry extra leading batch axes (several directions at once).  Accumulators
    nest (forward-over-forward) and compose with tapes (forward-over-reverse, used by
    :func:`hod.hvp`).
    """

    def __init__(self, primals, tangents):
        self._tangents: dict[int, Tensor] = {}
        self._keep: list[Tensor] = []
        ps, ts = _flatten(primals), _flatten(tangents)
        if len(ps) != len(ts):
            raise ValueError("primals and tangents must have the same structure")

        for p, t in zip(ps, ts):
            if not isinstance(p, Tensor):
                raise TypeError("ForwardAccumulator primals must be hod tensors")
            t = convert(t)
            if t.shape[t.ndim - p.ndim:] != p.shape:
                raise ValueError(f"tangent of shape {t.shape} does not match primal of shape "
                                 f"{p.shape}")
            self._tangents[p._id] = t
            self._keep.append(p)
        self._active = False

    def __enter__(self):
        _accumulators.append(self)
        self._active = True
        return self

    def __exit__(self, *exc):
        self._deactivate()
        return False

    def _deactivate(self):
        for i in range(len(_accumulators) - 1, -1, -1):
            if _accumulators[i] is self:
                del _accumulators[i]
                break
        self._active = False

    def _propagate(self, prim, args, params, out):
        tangents = self._tangents
        ts = [tangents.get(a._id) if isinstance(a, Tensor) else None for a in args]
        if all(t is None for t in ts):
            return
        # Our own rule's operations must not feed back into us; other accumulators and tapes
        # still see them (that is what nesting means).
        self._deactivate()
        try:
            t_out = prim.jvp(ts, Node(prim, args, params, out))
        finally:
            _accumulators.append(self)
            self._active = True
        if t_out is not None:
            tangents[out._id] = t_out

    def jvp(self, primals, unconnected_gradients=UnconnectedGradients.NONE):
        """The tangent of ``primals`` (a tensor or nest), or None/zeros if unconnected."""

        mode = _unconnected_mode(unconnected_gradients)
        flat = _flatten(primals)
        out = []
        for p in flat:
            t = self._tangents.get(p._id) if isinstance(p, Tensor) else None
            if t is None and mode is UnconnectedGradients.ZERO:
                t = ops.zeros(np.shape(as_value(p)))
            out.append(t)
        if not isinstance(primals, (list, tuple, dict)):
            return out[0]
        return _unflatten(primals, out)
