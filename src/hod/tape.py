"""Recording and replaying operations: GradientTape (reverse mode) and ForwardAccumulator.

Every operation on tensors goes through :func:`apply`.  It computes the numpy value, then lets
each recording tape that watches one of the inputs append a :class:`Node`, and each forward
accumulator that knows a tangent of an input compute the output's tangent.

Derivative rules are written in hod's own operations, so a gradient computed while another tape
records is itself recorded: nesting tapes gives derivatives of any order.  Cotangents and
tangents may carry extra *leading* batch axes; every rule respects them, which is what lets
``jacobian`` and ``batch_jacobian`` run one vectorised backward pass instead of one per row.
"""

from __future__ import annotations

import builtins
import contextlib
import enum
import inspect
import warnings

import numpy as np

from . import _memory
from .errors import HodWarning
from .tensor import Tensor, Variable, as_value

# Tapes currently recording, innermost last; forward accumulators currently active.
_tapes: list = []
_accumulators: list = []
# Variables read while a custom_gradient function runs (one list per nested call).
_variable_readers: list = []


class Node:
    """One recorded operation: ``output = op(*inputs, **params)``."""

    __slots__ = ("prim", "inputs", "params", "output")

    def __init__(self, prim, inputs, params, output):
        self.prim = prim
        self.inputs = inputs
        self.params = params
        self.output = output

    @property
    def op(self):
        return self.prim.name

    @property
    def value(self):
        return self.output._value

    def __repr__(self):
        def name(a):
            return f"t{a._id}" if isinstance(a, Tensor) else repr(np.asarray(a).tolist())

        args = ", ".join(name(a) for a in self.inputs)
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"t{self.output._id} = {self.op}({args}{params})"


def _read_values(args):
    """``args`` with each variable replaced by the value it has now, under the variable's id:
    a later ``assign`` does not change what was recorded, nor a gradient built from it."""
    for a in args:
        if isinstance(a, Variable):
            break
    else:
        return args
    read = []
    for a in args:
        if isinstance(a, Variable):
            v = Tensor._wrap(a._value)
            v._id = a._id
            a = v
        read.append(a)
    return tuple(read)


def apply(prim, args, params):
    """Run primitive ``prim`` on ``args`` and let active tapes and accumulators see it."""
    out = Tensor._wrap(prim.impl(*[a._value if isinstance(a, Tensor) else a for a in args],
                                 **params))
    if _variable_readers:
        for a in args:
            if isinstance(a, Variable):
                for reader in _variable_readers:
                    if not any(a is v for v in reader):
                        reader.append(a)
    if prim.differentiable:
        if _tapes:
            node = None
            for tape in _tapes:
                tracked = tape._tracked
                if tape._watch_accessed:
                    for a in args:
                        if isinstance(a, Variable) and a.trainable and a._id not in tracked:
                            tape._watch_one(a)
                for a in args:
                    if isinstance(a, Tensor) and a._id in tracked:
                        if node is None:
                            node = Node(prim, _read_values(args), params, out)
                        tracked.add(out._id)
                        tape._nodes.append(node)
                        break
        if _accumulators:
            for acc in list(_accumulators):
                acc._propagate(prim, args, params, out)
    return out


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
    from . import ops

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
            adjoints[t._id] = ops.accumulate(adjoints.get(t._id), c)
    if adjoints:
        for node in reversed(nodes):
            out_id = node.output._id
            g = adjoints.get(out_id) if out_id in source_ids else adjoints.pop(out_id, None)
            if g is None:
                continue
            if type(g) is not Tensor and not (
                    type(g) is ops.Negated and type(g.t) is Tensor
                    and getattr(node.prim, "defers_sign", False)):
                g = ops.materialize(g)
            for i, a in enumerate(node.inputs):
                if isinstance(a, Tensor) and a._id in relevant:
                    gi = node.prim.vjp(i, g, node, g is seed)
                    if gi is not None:
                        adjoints[a._id] = ops.accumulate(adjoints.get(a._id), gi, in_place)
    return [ops.materialize(adjoints.get(s._id)) if isinstance(s, Tensor) else None
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

    def _check_sources(self, sources):
        for s in sources:
            if not isinstance(s, Tensor):
                raise TypeError(f"gradient sources must be hod tensors or variables, got "
                                f"{type(s).__name__}")
            if s._id not in self._tracked:
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
        return [s if s._id in self._tracked else None for s in sources]

    def _fill(self, grads, sources, mode, batch_shape=()):
        from . import ops

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
        from . import ops

        mode = _unconnected_mode(unconnected_gradients)
        self._begin_gradient("gradient")
        flat_targets = _flatten(target)
        flat_sources = _flatten(sources)
        live = self._check_sources(flat_sources)
        seed = None
        if output_gradients is None:
            cots = []
            for t in flat_targets:
                c = Tensor._wrap(np.ones(np.shape(as_value(t))))
                cots.append(c)
            if len(cots) == 1:
                seed = cots[0]
        else:
            cots = [ops.convert(c) if c is not None else
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
        from . import ops

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
        from . import ops

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


# ------------------------------------------------------------------------------------------
# forward mode

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
        from . import ops

        for p, t in zip(ps, ts):
            if not isinstance(p, Tensor):
                raise TypeError("ForwardAccumulator primals must be hod tensors")
            t = ops.convert(t)
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
        from . import ops

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


# ------------------------------------------------------------------------------------------
# stop_gradient and custom_gradient

def stop_gradient(x):
    """``x``'s value as a tensor that no tape or accumulator sees as depending on anything.

    >>> with hod.GradientTape() as tape:
    ...     y = x * hod.stop_gradient(x)     # dy/dx = x, not 2x
    """
    return Tensor._wrap(as_value(x))


class _CustomPrimitive:
    """The one-off primitive that a custom_gradient call records."""

    differentiable = True

    def __init__(self, name, grad_fn, n_inputs, variables, wants_variables):
        self.name = name
        self.grad_fn = grad_fn
        self.n_inputs = n_inputs
        self.variables = variables
        self.wants_variables = wants_variables
        self._cache = {}

    def impl(self, *vals, **params):  # never called through apply
        raise AssertionError("custom gradient nodes are recorded, not applied")

    def _grads(self, g, node):
        key = id(g)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is g:
            return hit[1]
        out_shape = np.shape(node.output._value)
        lead = np.shape(as_value(g))[:np.ndim(as_value(g)) - len(out_shape)]
        if lead:
            # A batch of cotangents (jacobian): the gradient function is written for one
            # cotangent (it may clip or normalise it), so it runs once per row.
            from . import ops

            n = int(np.prod(lead))
            flat = ops.reshape(g, (n,) + out_shape)
            rows = [self._call(flat[k]) for k in range(n)]
            grads = []
            for j, x in enumerate(node.inputs):
                column = [r[j] for r in rows]
                if all(c is None for c in column):
                    grads.append(None)
                    continue
                xs = np.shape(as_value(x))
                column = [ops.zeros(xs) if c is None else ops.broadcast_to(c, xs) for c in column]
                grads.append(ops.reshape(ops.stack(column), lead + xs))
        else:
            grads = self._call(g)
        self._cache = {key: (g, grads)}
        return grads

    def _call(self, g):
        """The gradient function's result for one cotangent: one gradient per input."""
        if self.wants_variables:
            res = self.grad_fn(g, variables=list(self.variables))
            in_grads, var_grads = res
            in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
            grads = in_grads + list(var_grads)
        else:
            res = self.grad_fn(g)
            grads = list(res) if isinstance(res, (list, tuple)) else [res]
        expected = self.n_inputs + (len(self.variables) if self.wants_variables else 0)
        if len(grads) != expected:
            raise ValueError(f"custom gradient function of {self.name} returned {len(grads)} "
                             f"gradients for {expected} inputs")
        from . import ops

        return [None if x is None else ops.convert(x) for x in grads]

    def vjp(self, i, g, node, g_is_seed=False):
        return self._grads(g, node)[i]

    def jvp(self, tangents, node):
        raise NotImplementedError(
            f"forward mode through custom_gradient function {self.name} is not supported: "
            "its gradient function defines reverse mode only")


def custom_gradient(f):
    """Decorate ``f(*x) -> (y, grad_fn)`` so that tapes use ``grad_fn(dy)`` for its gradient.

    TensorFlow's contract: ``grad_fn(dy)`` returns one gradient per input (a tensor or a list),
    and if ``f`` reads variables that are not inputs, ``grad_fn(dy, variables=None)`` returns
    ``(input_grads, variable_grads)``.  When ``grad_fn`` is written in hod operations,
    higher-order derivatives flow through it as well.

    >>> @hod.custom_gradient
    ... def clip_gradients(y):
    ...     return y, lambda dy: hod.clip_by_norm(dy, 0.5)
    """
    import functools

    @functools.wraps(f)
    def wrapper(*args):
        reader: list = []
        _variable_readers.append(reader)
        try:
            y, grad_fn = f(*args)
        finally:
            _variable_readers.remove(reader)
        variables = [v for v in reader if v.trainable and not any(v is a for a in args)]
        try:
            params = inspect.signature(grad_fn).parameters
            wants_variables = "variables" in params or any(
                p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        except (TypeError, ValueError):
            wants_variables = False
        if variables and not wants_variables:
            raise TypeError(f"{f.__name__} reads variables {[v.name for v in variables]} but its "
                            "gradient function has no `variables` keyword argument")
        inputs = tuple(args) + (tuple(variables) if wants_variables else ())
        prim = _CustomPrimitive(getattr(f, "__name__", "custom_gradient"), grad_fn, len(args),
                                variables, wants_variables)
        single = isinstance(y, Tensor) or not isinstance(y, (list, tuple))
        outs = [y] if single else list(y)
        if len(outs) != 1:
            raise NotImplementedError("custom_gradient functions with several outputs are not "
                                      "supported yet; return one tensor")
        out = Tensor._wrap(as_value(outs[0]))
        node = None
        for tape in _tapes:
            if tape._watch_accessed:
                for v in variables:
                    tape._watch_one(v)
            if any(isinstance(a, Tensor) and a._id in tape._tracked for a in inputs):
                if node is None:
                    node = Node(prim, inputs, {}, out)
                tape._tracked.add(out._id)
                tape._nodes.append(node)
        for acc in list(_accumulators):
            acc._propagate(prim, inputs, {}, out)  # refuses clearly if a tangent reaches it
        return out

    return wrapper
