"""The chunk function: every derivative of a kind at many points at once.

A chunk is a mapping variable name -> float64 array (N,) of the points' values.  The tape
and Taylor mode are elementwise over those arrays, so one pass gives every point's numbers:

* ``grad``: one backward pass; ``hessian``: one more per row of the Hessian (the gradient
  computation is recorded by an outer tape); ``jacobian``: one backward pass per function;
* ``diff`` and ``taylor``: Taylor-mode coefficient arrays of shape (K, N).

Nothing here reduces across points (no BLAS, no sums over the point axis), so a point's
numbers are the same digits whether its chunk holds one point or a million, and the same as
``hod grad ... --at`` gives (tested).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..check import inputs
from ..check.kinds import KINDS
from ..errors import UsageError
from ..expr import graph as _graph


@dataclasses.dataclass
class Plan:
    """What every chunk of a run computes: the kind, the graphs, the variables, the output
    columns (one per component: :class:`hod.check.kinds.Spec`)."""

    kind: object
    text: str
    roots: list
    names: list
    wrt: list | None
    order: int | None
    specs: list

    @property
    def labels(self):
        """The output column of each component (``f``, ``df/dx``, ``d2f/dx dy``, ``c3``)."""
        return [s.ascii_label for s in self.specs]

    @property
    def task(self):
        """The same as a :class:`hod.check.inputs.Task` without points."""
        t = inputs.Task(self.kind, self.text, self.roots, self.names, self.wrt, self.order, [])
        t.specs = self.specs
        return t


def plan(kind, expr, variables=None, wrt=None, order=None, columns=()):
    """The :class:`Plan` of ``kind`` (a name) for ``expr``; ``columns`` are the names the
    points give values to (a file's header), which become variables."""
    if kind not in KINDS:
        raise UsageError("unknown derivative kind {kind!r}; choose from {kinds}", param="kind",
                         kind=kind, kinds=", ".join(KINDS))
    k = KINDS[kind]
    hint = set(columns)
    if variables is not None:
        hint.update(inputs.parse_names(variables))
    text, roots = k.parse(expr, sorted(hint))
    names = inputs.variable_order(roots, variables)
    if variables is None:
        # variables the points give but the expression does not use are still variables
        names = sorted(set(names) | set(columns), key=inputs.natural_key)
    wrt, order = k.resolve(wrt, order, names)
    t = inputs.Task(k, text, roots, names, wrt, order, [])
    return Plan(k, text, roots, names, wrt, order, k.specs(t))


# =========================================================================================
# The chunk function
# =========================================================================================

def values(plan, chunk):
    """hod's numbers at every point of ``chunk`` (name -> float64 array (N,)): a float64
    array (components, N), rows in the order of ``plan.specs``."""
    n = _length(chunk)
    arrays = {name: np.ascontiguousarray(chunk[name], dtype=np.float64) for name in plan.names}
    with np.errstate(all="ignore"):
        parts = _COMPUTE[plan.kind.name](plan, arrays, n)
    out = np.empty((len(plan.specs), n), dtype=np.float64)
    for row, spec in enumerate(plan.specs):
        out[row] = np.broadcast_to(np.asarray(parts[spec.part][spec.index]
                                              if spec.index else parts[spec.part],
                                              dtype=np.float64), (n,))
    return out


def _length(chunk):
    lengths = {len(v) for v in chunk.values()}
    if len(lengths) > 1:
        raise ValueError("the columns of a chunk have different lengths")
    return lengths.pop() if lengths else 1


def _variables(plan, arrays, n):
    from ..engine.tensor import Variable

    stacked = np.empty((len(plan.names), n), dtype=np.float64)
    for i, name in enumerate(plan.names):
        stacked[i] = arrays[name]
    return Variable(stacked, name="variables")


def _evaluate(plan, v):
    from .. import ops

    env = {name: v[i] for i, name in enumerate(plan.names)}
    return [ops.convert(y) for y in _graph.evaluate(plan.roots, env, "tensor")]


def _array(t, n):
    return np.broadcast_to(np.asarray(t.numpy() if hasattr(t, "numpy") else t,
                                      dtype=np.float64), (n,))


def _rows(t, rows, n):
    """A tape's gradient (rows, N) (or a broadcastable constant) as an array (rows, N)."""
    a = np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=np.float64)
    return np.broadcast_to(a.reshape(a.shape if a.ndim == 2 else (rows, -1)
                                     if a.size == rows * n else a.shape), (rows, n))


def _grad(plan, arrays, n):
    from ..engine.tape import GradientTape

    v = _variables(plan, arrays, n)
    with GradientTape() as tape:
        tape.watch(v)
        (y,) = _evaluate(plan, v)
    g = tape.gradient(y, v, unconnected_gradients="zero")
    return {"value": _array(y, n), "result": _rows(g, len(plan.names), n)}


def _hessian(plan, arrays, n):
    from ..engine.tape import GradientTape

    v = _variables(plan, arrays, n)
    m = len(plan.names)
    with GradientTape(persistent=True) as outer:
        outer.watch(v)
        with GradientTape() as inner:
            inner.watch(v)
            (y,) = _evaluate(plan, v)
        g = inner.gradient(y, v, unconnected_gradients="zero")
        rows = [g[i] for i in range(m)]
    h = np.empty((m, m, n), dtype=np.float64)
    for i, gi in enumerate(rows):
        h[i] = _rows(outer.gradient(gi, v, unconnected_gradients="zero"), m, n)
    return {"value": _array(y, n), "gradient": _rows(g, m, n), "result": h}


def _jacobian(plan, arrays, n):
    from ..engine.tape import GradientTape

    v = _variables(plan, arrays, n)
    m = len(plan.names)
    with GradientTape(persistent=True) as tape:
        tape.watch(v)
        ys = _evaluate(plan, v)
    jac = np.empty((len(ys), m, n), dtype=np.float64)
    for i, y in enumerate(ys):
        jac[i] = _rows(tape.gradient(y, v, unconnected_gradients="zero"), m, n)
    return {"value": np.stack([_array(y, n) for y in ys]), "result": jac}


def _diff(plan, arrays, n):
    from ..taylor_mode.api import _nth_derivative, expand, graph_partial

    root = plan.roots[0]
    (y,) = _graph.evaluate(plan.roots, arrays, "tensor")
    by_name = inputs.counts(plan.wrt)
    if len(by_name) == 1:
        ((var, k),) = by_name.items()

        def expand_along(scale):
            e = expand(root, arrays, k, {var: scale})
            return (np.broadcast_to(np.asarray(e.coefficients, dtype=np.float64), (k + 1, n)),
                    None)

        result = np.asarray(_nth_derivative(expand_along, k).value, dtype=np.float64)
    else:
        r, _kinks = graph_partial(root, arrays, by_name)
        result = np.asarray(r, dtype=np.float64)
    return {"value": _array(y, n), "result": result}


def _taylor(plan, arrays, n):
    from ..taylor_mode.api import expand

    e = expand(plan.roots[0], arrays, plan.order, {plan.wrt[0]: 1.0})
    coeffs = np.asarray(e.coefficients, dtype=np.float64).reshape(plan.order + 1, -1)
    return {"result": np.broadcast_to(coeffs, (plan.order + 1, n))}


_COMPUTE = {"grad": _grad, "hessian": _hessian, "jacobian": _jacobian, "diff": _diff,
            "taylor": _taylor}


def kink_mask(plan, arrays, n):
    """Per point, whether a non-differentiable primitive (abs, relu, maximum, ...) of a
    differentiated variable sits at its kink there: hod's numbers then follow its convention,
    as the one-point path reports (exit code 3)."""
    from ..check.hod_values import dependencies

    depends = dependencies(plan.roots)
    wanted = frozenset(plan.task.kind.differentiated(plan.task))
    mask = np.zeros(n, dtype=bool)

    def on_node(node, value, args):
        prim = node.prim
        if prim.kink is None or not depends[id(node)] & wanted:
            return
        try:
            hit = np.asarray(prim.kink(*[np.asarray(getattr(a, "_value", a)) for a in args]))
        except Exception:  # noqa: BLE001 - a kink test that fails is not a kink
            return
        mask[...] |= np.broadcast_to(hit, (n,)) if hit.ndim else bool(hit)

    with np.errstate(all="ignore"):
        _graph.evaluate(plan.roots, dict(arrays), "tensor", on_node=on_node)
    return mask
