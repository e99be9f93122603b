"""Propagation of balls and ball series through expression graphs and recorded tapes.

Both walks apply :func:`hod.ball.rules.apply` node by node at the working precision (see
:func:`hod.ball.numbers.working`); a failing counterpart becomes hod's error naming the node,
or :class:`~hod.ball.rules.NeedsPrecision` when more bits may decide it.
"""

from __future__ import annotations

import numpy as np

from ..expr import graph as _graph
from ..expr.printer import to_text
from ..expr.syntax import CONSTANTS
from ..taylor_mode.propagate import _trace
from .counterparts import BallFailure
from .numbers import ball, exact, named_constant
from .rules import apply, explain, objects


def constant(node):
    """A graph constant as a ball: a named constant, or exactly the number its label writes
    (``0.1`` is 1/10, not the float nearest to it)."""
    label = node.label
    if label in CONSTANTS:
        return named_constant(CONSTANTS[label].name)
    q = exact(label) if isinstance(label, str) else None
    if q is None:
        q = exact(node.value)
    return ball(q)


def through_graph(roots, env, prec, final=False, order=None):
    """Values of graph ``roots`` (a list) with variables ``env`` (name -> ball or series)."""
    order = order if order is not None else _graph.topological(roots)
    last = [-1]
    position = {id(n): k for k, n in enumerate(order)}

    def seen(node, value, args):
        last[0] = position[id(node)]

    try:
        return _graph.evaluate(roots, env, apply, on_node=seen, order=order, constant=constant)
    except BallFailure as failure:
        node = next(n for n in order[last[0] + 1:] if n.op not in ("const", "var"))
        raise explain(failure, node.prim, to_text(node), prec, final) from None


def trace(f, primals):
    """Record ``f`` (a Python function of hod tensors) at float64 ``primals`` on a tape."""
    return _trace(f, primals)


def through_tape(recorded, seeds, prec, final=False):
    """The output of a recorded function with its inputs replaced by ``seeds`` (one ball,
    series or object array of them per input tensor)."""
    nodes, xs, y = recorded
    from ..engine.tensor import Tensor

    if not isinstance(y, Tensor):
        return objects(np.asarray(y, dtype=np.float64))
    env = {x._id: s for x, s in zip(xs, seeds)}
    needed, keep = {y._id}, []
    for node in reversed(nodes):
        if node.output._id in needed:
            keep.append(node)
            needed.update(a._id for a in node.inputs if isinstance(a, Tensor))
    for node in reversed(keep):
        args = [env.get(a._id, a._value) if isinstance(a, Tensor) else a for a in node.inputs]
        try:
            env[node.output._id] = apply(node.prim, args, node.params)
        except BallFailure as failure:
            raise explain(failure, node.prim, None, prec, final) from None
    out = env.get(y._id, y._value)
    return out if not isinstance(out, np.ndarray) or out.dtype == object else objects(out)

