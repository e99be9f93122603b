"""Propagation of Taylor series through expression graphs and recorded tapes."""

from __future__ import annotations

import warnings

import numpy as np

from ..engine.tape import GradientTape
from ..engine.tensor import Tensor, as_value
from ..errors import HodWarning, UsageError
from ..expr import graph as _graph
from .rules import (
    _kink_logs, add_rule, apply_rule, divide_rule, from_derivative, log_rule, multiply_rule,
    power_rule, sqrt_rule, subtract_rule,
)
from .series import Series, tracking_errors

# (sums and products cancel: exp(x)*sin(x) at order 500 keeps no digit of its 1e67)
_AMPLIFYING = (divide_rule, log_rule, sqrt_rule, power_rule, from_derivative, multiply_rule,
               add_rule, subtract_rule)


# =========================================================================================
# Propagation through graphs and recorded tapes
# =========================================================================================

def propagate(roots, env):
    """Propagate series through graph ``roots``; ``env`` maps variable names to a
    :class:`Series` or a constant.  Returns one value (Series or constant) per root."""
    single = isinstance(roots, _graph.Expr)
    rl = [roots] if single else list(roots)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = _graph.evaluate(rl, env, apply_rule)
    return out[0] if single else out


def _trace(f, primals):
    """Run ``f`` on fresh tensors watched by a tape: (recorded nodes, input tensors, output)."""
    xs = [Tensor(p) for p in primals]
    with GradientTape(persistent=True, watch_accessed_variables=False) as tape:
        tape.watch(xs)
        y = f(*xs)
    if isinstance(y, (list, tuple, dict)):
        raise UsageError("Taylor mode needs a function with one tensor output")
    return tape.nodes, xs, y


def _replay(nodes, xs, series, y, apply=apply_rule):
    """Propagate ``series`` (one per input tensor) through the recorded ``nodes`` (only those
    the output ``y`` depends on), applying ``apply(prim, args, params)`` to each."""
    if not isinstance(y, Tensor):
        return as_value(y)
    env = {x._id: s for x, s in zip(xs, series)}
    needed = {y._id}
    keep = []
    for node in reversed(nodes):
        if node.output._id in needed:
            keep.append(node)
            for a in node.inputs:
                if isinstance(a, Tensor):
                    needed.add(a._id)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for node in reversed(keep):
            args = [env.get(a._id, a._value) if isinstance(a, Tensor) else a
                    for a in node.inputs]
            env[node.output._id] = apply(node.prim, args, node.params)
    return env.get(y._id, y._value)


def _coefficients_of(result, K, nb, batch):
    """A propagation's output as a full coefficient array (constants become series)."""
    if isinstance(result, Series):
        return result.c
    v = np.asarray(result, dtype=np.float64)
    c = np.zeros((K,) + batch + v.shape)
    c[0] = v
    return c


def _errors_of(result, K, nb, batch):
    """A propagation's output error estimates as a full array (zeros where exact)."""
    if isinstance(result, Series) and result.e is not None:
        return np.broadcast_to(result.e, result.c.shape)
    return np.zeros_like(_coefficients_of(result, K, nb, batch))


def _seed(x0, direction, K, batch=()):
    """The series x0 + t * direction (direction may carry leading batch axes)."""
    x0 = np.asarray(as_value(x0), dtype=np.float64)
    d = np.asarray(as_value(direction), dtype=np.float64)
    shape = batch + x0.shape
    c = np.zeros((K,) + shape)
    c[0] = x0
    if K > 1:
        c[1] = np.broadcast_to(d, shape)
    return Series(c, len(batch))


class _Collect:
    """Collects the kinks met during one propagation."""

    def __enter__(self):
        self.kinks = []
        _kink_logs.append(self.kinks)
        return self

    def __exit__(self, *exc):
        _kink_logs.remove(self.kinks)
        return False


def _warn_kinks(kinks):
    for name, convention in kinks:
        warnings.warn(f"{name} is not differentiable at the expansion point; Taylor mode used "
                      f"hod's convention ({convention})", HodWarning, stacklevel=3)


def _run(f, primals, seeds):
    """Propagate ``seeds`` (Series, one per argument, or a constant) through ``f``.

    ``f`` is a graph (then ``primals`` is a dict name -> seed) or a Python function of hod
    tensors (traced on a tape at the primal values).  Returns (output, kinks).
    """
    with _Collect() as col:
        if isinstance(f, _graph.Expr):
            prims = [n.prim for n in _graph.topological([f]) if n.prim is not None]
            with tracking_errors(amplifies(prims)):
                out = propagate(f, seeds)
        else:
            nodes, xs, y = _trace(f, primals)
            with tracking_errors(amplifies(n.prim for n in nodes)):
                out = _replay(nodes, xs, seeds, y)
    return out, col.kinks


def amplifies(prims):
    """Whether a rule among ``prims`` can amplify rounding, so that the running error
    estimate is worth carrying: the recurrences that divide by a leading coefficient
    (quotient, log, sqrt, real power), the rules from the derivative (whose partials
    divide: asin, atan, log1p, ...), and sums and products of series (which cancel)."""
    return any(getattr(p, "taylor", None) in _AMPLIFYING for p in prims)
