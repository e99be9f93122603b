"""Reverse mode: GradientTape, with TensorFlow's semantics.

Derivative rules are written in hod's own operations, so a gradient computed while another tape
records is itself recorded: nesting tapes gives derivatives of any order.  Cotangents may carry
extra *leading* batch axes; every rule respects them, which is what lets ``jacobian`` and
``batch_jacobian`` run one vectorised backward pass instead of one per row.
"""

from __future__ import annotations

import builtins
import contextlib
import enum
import warnings

import numpy as np

from . import _memory
from ..errors import HodWarning
from .cotangents import Negated, accumulate, materialize
from .recording import _accumulators, _tapes, Node
from .registry import ops
from .tensor import Tensor, Variable, as_value, convert


# ------------------------------------------------------------------------------------------
# nests: gradient sources may be a tensor or any nest of lists, tuples and dicts

def _flatten(nest):
    flat = []

    def walk(n):
        if isinstance(n, dict):
            for k in sorted(n, key=str):
                walk(n[k])
        elif isinstance(n, (list, tuple)):
            for v in n:
                walk(v)
        else:
            flat.append(n)

    walk(nest)
    return flat


def _unflatten(nest, flat):
    it = iter(flat)

    def build(n):
        if isinstance(n, dict):
            vals = {k: build(n[k]) for k in sorted(n, key=str)}
            return {k: vals[k] for k in n}
        if isinstance(n, (list, tuple)):
            vals = [build(v) for v in n]
            return type(n)(*vals) if hasattr(n, "_fields") else type(n)(vals)
        return next(it)

    return build(nest)


class UnconnectedGradients(enum.Enum):
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


def _unconnected_mode(value):
    try:
        return UnconnectedGradients(value.value if isinstance(value, UnconnectedGradients)
                                    else value)
    except ValueError:
        raise ValueError("unconnected_gradients must be 'none' or 'zero'") from None


# ------------------------------------------------------------------------------------------

def _backward(nodes, targets, cotangents, sources, seed=None):
    """Reverse accumulation over ``nodes``; returns the adjoint of each source (or None).

    ``cotangents[i]`` has the shape of ``targets[i]`` with optional extra leading batch axes.
    Only nodes on a path from a source to a target are visited.
    """

    source_ids = {s._id for s in sources if isinstance(s, Tensor)}
    relevant = set(source_ids)
    for node in nodes:
        for a in node.inputs:
            if isinstance(a, Tensor) and a._id in relevant:
                relevant.add(node.output._id)
                break
    # Cotangents may be deferred forms (ops.Negated, ops.Scattered, ops.Buffer); when no tape
    # or accumulator records this pass, scattered ones are added in place into one buffer.
    in_place = not _tapes and not _accumulators
    adjoints = {}
    for t, c in zip(targets, cotangents):
        if isinstance(t, Tensor) and t._id in relevant:
            adjoints[t._id] = accumulate(adjoints.get(t._id), c)
    if adjoints:
        for node in reversed(nodes):
            out_id = node.output._id
            g = adjoints.get(out_id) if out_id in source_ids else adjoints.pop(out_id, None)
            if g is None:
                continue
            if type(g) is not Tensor and not (
                    type(g) is Negated and type(g.t) is Tensor
                    and getattr(node.prim, "defers_sign", False)):
                g = materialize(g)
            for i, a in enumerate(node.inputs):
                if isinstance(a, Tensor) and a._id in relevant:
                    gi = node.prim.vjp(i, g, node, g is seed)
                    if gi is not None:
                        adjoints[a._id] = accumulate(adjoints.get(a._id), gi, in_place)
    return [materialize(adjoints.get(s._id)) if isinstance(s, Tensor) else None
            for s in sources]


class GradientTape:
    """Records operations on watched tensors so that gradients can be computed.

    Semantics follow TensorFlow's ``tf.GradientTape``: trainable variables used inside the
    ``with`` block are watched automatically (unless ``watch_accessed_variables=False``), other
    tensors with :meth:`watch`.  A gradient computed while an outer tape records is recorded by
    it, so nesting tapes gives second, third and higher derivatives.

    >>> x = hod.Variable(3.0)
    >>> with hod.GradientTape() as outer:
    ...     with hod.GradientTape() as inner:
    ...         y = x ** 3
    ...     dy = inner.gradient(y, x)          # 27
    >>> outer.gradient(dy, x).numpy()          # 18
    array(18.)
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed = bool(watch_accessed_variables)
        self._nodes: list[Node] = []
        self._tracked: set[int] = set()
        self._watched: list[Tensor] = []
        self._recording = False
        self._used = False

    # --- context --------------------------------------------------------------------------
    def __enter__(self):
        if self._recording:
            raise RuntimeError("this GradientTape is already recording")
        self._push()
        return self

    def __exit__(self, *exc):
        if self._recording:
            self._pop()
        return False

    def _push(self):
        _tapes.append(self)
        self._recording = True

    def _pop(self):
        for i in range(len(_tapes) - 1, -1, -1):
            if _tapes[i] is self:
                del _tapes[i]
                break
        self._recording = False

    @property
    def persistent(self):
        return self._persistent

    @property
    def nodes(self):
        """The recorded operations, oldest first (read-only view)."""
        return tuple(self._nodes)

    # --- watching -------------------------------------------------------------------------
    def _watch_one(self, t):
        if t._id not in self._tracked:
            self._tracked.add(t._id)
        if not any(t is w for w in self._watched):
            self._watched.append(t)

    def watch(self, tensor):
        """Watch a tensor (or a nest of tensors): operations on it are recorded from now on."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(f"watch expects hod tensors, got {type(t).__name__}; "
                                "wrap values with hod.constant(...)")
            self._watch_one(t)

    def watched_variables(self):
        """The variables this tape watches, in the order they were first watched."""
        return tuple(w for w in self._watched if isinstance(w, Variable))

    @contextlib.contextmanager
    def stop_recording(self):
        """Temporarily stop recording: operations inside the block are not on the tape.

        >>> with hod.GradientTape() as tape:
        ...     y = x * x
        ...     with tape.stop_recording():
        ...         z = y * 2              # not recorded: dz/dx is unavailable
        """
        if not self._recording:
            raise RuntimeError("stop_recording() needs the tape to be recording "
                               "(use it inside the tape's `with` block)")
        self._pop()
        try:
            yield
        finally:
            self._push()

    def reset(self):
        """Forget everything recorded and watched; recording goes on if the tape is active."""
        self._nodes = []
        self._tracked = set()
        self._watched = []
        self._used = False

    # --- gradients ------------------------------------------------------------------------
    def _begin_gradient(self, what):
        if self._used and not self._persistent:
            raise RuntimeError(
                f"GradientTape.{what} can only be called once on a non-persistent tape; "
                "create it with hod.GradientTape(persistent=True) to compute several gradients")
        self._used = True
        if self._recording and not self._persistent:
            # A non-persistent tape cannot be used again, so it stops recording (as in TF).
            self._pop()

    def _check_sources(self, sources, targets=()):
        # A source that is itself a target has the target's cotangent as its gradient, watched
        # or not (TensorFlow: tape.gradient(v, [v, w]) is [1, None]).
        target_ids = {t._id for t in targets if isinstance(t, Tensor)}
        for s in sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"gradient sources must be hod tensors or variables, got "
                                f"{type(s).__name__}")
            if s._id not in self._tracked and s._id not in target_ids:
                if isinstance(s, Variable):
                    how = ("it was not used while the tape recorded (not inside the `with` "
                           "block, or only under stop_recording, or before reset)"
                           if s.trainable else
                           "it is not trainable: call tape.watch(v) to differentiate by it")
                    msg = f"gradient source {s.name} was never watched by this tape: {how}"
                else:
                    msg = (f"gradient source (a tensor of shape {s.shape}) was never watched by "
                           "this tape: call tape.watch(x) before using x, or make it a "
                           "hod.Variable")
                warnings.warn(msg + "; its gradient is None", HodWarning, stacklevel=3)
        # An unwatched source gets no gradient even if a recorded operation used it.
        return [s if s._id in self._tracked or s._id in target_ids else None for s in sources]

    def _fill(self, grads, sources, mode, batch_shape=()):

        out = []
        for g, s in zip(grads, sources):
            if g is None and mode is UnconnectedGradients.ZERO:
                g = ops.zeros(batch_shape + s.shape)
            out.append(g)
        return out

    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients=UnconnectedGradients.NONE):
        """The gradient of ``target`` (summed if not scalar) with respect to ``sources``.

        ``sources`` may be a tensor or any nest of lists, tuples and dicts of tensors; the
        result has the same structure.  ``output_gradients`` weights the target (default ones).
        A source the target does not depend on gives None, or zeros with
        ``unconnected_gradients='zero'``.
        """

        mode = _unconnected_mode(unconnected_gradients)
        self._begin_gradient("gradient")
        flat_targets = _flatten(target)
        flat_sources = _flatten(sources)
        live = self._check_sources(flat_sources, flat_targets)
        seed = None
        if output_gradients is None:
            cots = []
            for t in flat_targets:
                c = Tensor._wrap(np.ones(np.shape(as_value(t))))
                cots.append(c)
            if len(cots) == 1:
                seed = cots[0]
        else:
            cots = [convert(c) if c is not None else
                    Tensor._wrap(np.ones(np.shape(as_value(t))))
                    for c, t in zip(_flatten(output_gradients), flat_targets)]
        if builtins.sum(np.size(c._value) for c in cots) >= _memory.LARGE:
            _memory.tune_allocator_once()
        grads = _backward(self._nodes[:], flat_targets, cots, live, seed)
        grads = self._fill(grads, flat_sources, mode)
        if not isinstance(sources, (list, tuple, dict)):
            return grads[0]
        return _unflatten(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE,
                 parallel_iterations=None, experimental_use_pfor=True):
        """The Jacobian of ``target`` with respect to each source: shape target.shape +
        source.shape.  Computed in one vectorised backward pass (all rows at once)."""

        mode = _unconnected_mode(unconnected_gradients)
        self._begin_gradient("jacobian")
        if not isinstance(target, Tensor):
            raise TypeError("jacobian's target must be a single hod tensor")
        flat_sources = _flatten(sources)
        live = self._check_sources(flat_sources)
        tshape = target.shape
        m = int(np.prod(tshape, dtype=np.int64))
        cot = Tensor._wrap(np.eye(m).reshape((m,) + tshape))
        if m * m >= _memory.LARGE:
            _memory.tune_allocator_once()
        grads = _backward(self._nodes[:], [target], [cot], live)
        grads = self._fill(grads, flat_sources, mode, (m,))
        out = [None if g is None else ops.reshape(g, tshape + s.shape)
               for g, s in zip(grads, flat_sources)]
        if not isinstance(sources, (list, tuple, dict)):
            return out[0]
        return _unflatten(sources, out)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per-example Jacobians: target (b, ...) and source (b, ...) give (b, t..., s...).

        Like TensorFlow, this assumes example i of the target depends only on example i of
        the source; it computes all examples in one backward pass.
        """

        mode = _unconnected_mode(unconnected_gradients)
        self._begin_gradient("batch_jacobian")
        tshape, sshape = target.shape, source.shape
        if len(tshape) < 1 or len(sshape) < 1 or tshape[0] != sshape[0]:
            raise ValueError(f"batch_jacobian needs target and source with the same first "
                             f"(batch) dimension, got {tshape} and {sshape}")
        live = self._check_sources([source])
        b = tshape[0]
        m = int(np.prod(tshape[1:], dtype=np.int64))
        eye = np.eye(m).reshape((m, 1) + tshape[1:])
        cot = Tensor._wrap(np.broadcast_to(eye, (m,) + tshape))
        (g,) = _backward(self._nodes[:], [target], [cot], live)
        if g is None:
            if mode is UnconnectedGradients.NONE:
                return None
            return ops.zeros((b,) + tshape[1:] + sshape[1:])
        # g: (m, b, s...) -> (b, m, s...) -> (b, t..., s...)
        g = ops.transpose(g, (1, 0) + tuple(range(2, g.ndim)))
        return ops.reshape(g, (b,) + tshape[1:] + sshape[1:])
