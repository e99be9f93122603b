"""Recording: every operation on tensors goes through :func:`apply`.

:func:`apply` computes the numpy value, then lets each recording tape that watches one of the
inputs append a :class:`Node`, and each forward accumulator that knows a tangent of an input
compute the output's tangent.  The tapes and accumulators currently active live here; the
classes that push themselves onto these stacks are in :mod:`.tape` and :mod:`.forward`.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, Variable

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
