"""stop_gradient and custom_gradient (TensorFlow's ``tf.stop_gradient``, ``tf.custom_gradient``)."""

from __future__ import annotations

import inspect

import numpy as np

from .recording import _accumulators, _tapes, _variable_readers, Node
from .registry import ops

from .tensor import Tensor, as_value, convert


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

        return [None if x is None else convert(x) for x in grads]

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
