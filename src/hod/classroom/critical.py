"""Stationary points by Newton's method on the gradient, classified by the Hessian.

Newton's step for grad f = 0 is ``x <- x - H(x)^-1 grad f(x)``, with hod's gradient and
Hessian (nested tapes).  It converges to the stationary point near its start, whatever its
kind (minimum, maximum or saddle), quadratically where the Hessian is invertible.  A box is
searched from a grid of starts, all at once: the variables are arrays of starts, and the
tapes give each start its own gradient and Hessian (the starts do not interact, so the
gradient of the sum is every start's gradient).

Each point found is classified from its Hessian's eigenvalues (:mod:`.linalg`).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..engine.tape import GradientTape
from ..engine.tensor import constant
from ..errors import UsageError
from ..expr.graph import evaluate
from . import linalg

#: A point is stationary when every partial derivative is at most this in absolute value.
GRADIENT_TOL = 1e-8
MAX_ITERATIONS = 100
#: Starts of a box search (a grid of about this many points).
BOX_STARTS = 900


@dataclasses.dataclass
class Step:
    """One Newton iteration: the point, f there and the size of the gradient."""

    point: dict
    value: float
    gradient_norm: float

    def to_dict(self):
        return {"point": dict(self.point), "value": _j(self.value),
                "gradient_norm": _j(self.gradient_norm)}


@dataclasses.dataclass
class StationaryPoint:
    """A stationary point with its value, gradient, Hessian, eigenvalues and kind."""

    point: dict
    value: float
    gradient: list
    hessian: list
    eigenvalues: list
    kind: str            # minimum, maximum, saddle, degenerate (or "not stationary")
    definiteness: str
    steps: list = dataclasses.field(default_factory=list)

    def to_dict(self, steps=False):
        out = {"point": {k: _j(v) for k, v in self.point.items()}, "value": _j(self.value),
               "gradient": [_j(g) for g in self.gradient],
               "hessian": [[_j(h) for h in row] for row in self.hessian],
               "eigenvalues": [_j(e) for e in self.eigenvalues], "kind": self.kind}
        if steps:
            out["steps"] = [s.to_dict() for s in self.steps]
        return out


@dataclasses.dataclass
class Critical:
    """What a search found: ``points`` sorted by value (``hod critical``)."""

    expression: str
    variables: list
    points: list
    box: dict | None = None
    starts: int = 1
    notes: list = dataclasses.field(default_factory=list)

    def to_dict(self, steps=False):
        out = {"expression": self.expression,
               "points": [p.to_dict(steps) for p in self.points]}
        if self.box is not None:
            out["box"] = {k: list(v) for k, v in self.box.items()}
            out["starts"] = self.starts
        return out


def _j(x):
    x = float(x)
    return x if math.isfinite(x) else None


def _derivatives(root, names, xs):
    """f, gradient (n arrays) and Hessian (n lists of n arrays) at the batch ``xs``."""
    ts = [constant(np.asarray(x, dtype=float)) for x in xs]
    env = dict(zip(names, ts))
    with np.errstate(all="ignore"):
        with GradientTape(persistent=True) as outer:
            outer.watch(ts)
            with GradientTape() as inner:
                inner.watch(ts)
                out = evaluate(root, env)
            grads = inner.gradient(out, ts, unconnected_gradients="zero")
        hess = [outer.gradient(g, ts, unconnected_gradients="zero") for g in grads]
    shape = np.shape(xs[0])

    def arr(t):
        return np.broadcast_to(np.asarray(t.numpy(), dtype=float), shape).copy()

    return arr(out), [arr(g) for g in grads], [[arr(h) for h in row] for row in hess]


def newton(root, names, starts, max_step=None, keep_steps=False):
    """Newton's method on the gradient from every start at once.

    ``starts`` is a list of n arrays (one per variable, the same shape).  Returns the final
    points (n arrays), the iterations of the first start (with ``keep_steps``) and where the
    steps shrank to nothing (Newton converged; a small gradient alone is not enough:
    ``exp(x)`` has a tiny gradient far left, and steps of 1 forever).
    """
    xs = [np.array(s, dtype=float) for s in starts]
    steps = []
    active = np.ones(xs[0].shape, dtype=bool)
    converged = np.zeros(xs[0].shape, dtype=bool)
    for _ in range(MAX_ITERATIONS + 1):
        f, g, h = _derivatives(root, names, xs)
        if keep_steps:
            steps.append(Step({n: float(x.flat[0]) for n, x in zip(names, xs)},
                              float(f.flat[0]), _norm([gi.flat[0] for gi in g])))
        dx = linalg.solve_batch(h, g)
        with np.errstate(all="ignore"):
            size = np.sqrt(sum(d * d for d in dx))
            if max_step is not None:
                shrink = np.where(size > max_step, max_step / size, 1.0)
                dx = [d * shrink for d in dx]
            scale = 1 + np.sqrt(sum(x * x for x in xs))
            zero = np.max(np.abs(np.array(g)), axis=0) == 0
            converged |= active & ((size <= 1e-9 * scale) | zero)
            done = (size <= 1e-15 * scale) | ~np.isfinite(size) | zero
        active &= ~done
        if not active.any():
            break
        xs = [np.where(active, x - d, x) for x, d in zip(xs, dx)]
    return xs, steps, converged


def _norm(v):
    return math.sqrt(sum(float(x) ** 2 for x in v))


def describe(root, names, point, converged=True):
    """The :class:`StationaryPoint` record of ``point`` (a mapping), whatever its gradient."""
    f, g, h = _derivatives(root, names, [np.array(point[n], dtype=float) for n in names])
    gradient = [float(x) for x in g]
    hessian = [[float(x) for x in row] for row in h]
    eigs = linalg.eigenvalues(hessian)
    definite = linalg.definiteness(eigs)
    stationary = converged and all(abs(x) <= GRADIENT_TOL for x in gradient)
    kind = linalg.stationary_kind(eigs) if stationary else "not stationary"
    # + 0.0: a point at -0.0 is printed as 0
    return StationaryPoint({n: float(point[n]) + 0.0 for n in names}, float(f) + 0.0,
                           gradient, hessian,
                           eigs, kind, definite)


def _parse(expr, variables, hint):
    from ..check.inputs import parse_expression, variable_order

    text, (root,) = parse_expression(expr, sorted(hint))
    return text, root, variable_order([root], variables)


def parse_box(box):
    """``"x=-5:5,y=-5:5"`` (or a mapping of pairs) -> ``{"x": (-5.0, 5.0), ...}``."""
    from ..check.inputs import _number, split_top_level

    if isinstance(box, dict):
        items = [(k, v) for k, v in box.items()]
    else:
        items = []
        for item in split_top_level(str(box)):
            name, eq, rng = item.partition("=")
            lo, colon, hi = rng.partition(":")
            if not eq or not colon:
                raise UsageError("{box:{text}}: expected NAME=LOW:HIGH pairs separated by "
                                 "commas, e.g. {box:x=-5:5,y=-5:5}", param="box", text=box)
            items.append((name.strip(), (_number(lo, name.strip()), _number(hi, name.strip()))))
    out = {}
    for name, (lo, hi) in items:
        lo, hi = float(lo), float(hi)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise UsageError("{box:{item}}: the range must be finite with LOW < HIGH",
                             param="box", item=f"{name}={lo:g}:{hi:g}")
        out[name] = (lo, hi)
    return out


def critical_point(expr, near, variables=None, steps=False):
    """The stationary point Newton's method reaches from ``near``, classified.

    >>> c = hod.critical_point("(x - 1)**2 + 3*(y + 2)**2", "x=0,y=0")
    >>> p = c.points[0]
    >>> p.point, p.kind, p.definiteness
    ({'x': 1.0, 'y': -2.0}, 'minimum', 'positive definite')
    """
    from ..check.inputs import check_points, parse_point

    near = parse_point(near)
    text, root, names = _parse(expr, variables, near)
    check_points(names, [near])
    xs, history, converged = newton(root, names, [np.array([near[n]]) for n in names],
                                    keep_steps=True)
    found = describe(root, names, {n: float(x[0]) for n, x in zip(names, xs)},
                     bool(converged[0]))
    found.steps = history if steps else []
    notes = []
    if found.kind == "not stationary":
        notes.append(f"Newton's method did not reach a stationary point from "
                     f"{_point_text(near)} in {MAX_ITERATIONS} steps (where it stopped, the "
                     f"largest partial derivative is "
                     f"{max(abs(g) for g in found.gradient):.3g})")
    return Critical(text, names, [found], notes=notes)


def _point_text(p):
    from ..text import fmt_number

    return ", ".join(f"{k} = {fmt_number(v)}" for k, v in p.items())


def stationary_points(expr, box, variables=None, starts=BOX_STARTS):
    """Every distinct stationary point Newton's method finds from a grid of starts in
    ``box`` (``"x=-5:5,y=-5:5"`` or a mapping), sorted by value.  Variables the box does
    not name are an error.

    >>> c = hod.stationary_points("x**2 - y**2", "x=-1:1,y=-1:1")
    >>> [(p.point, p.kind) for p in c.points]
    [({'x': 0.0, 'y': 0.0}, 'saddle')]
    """
    box = parse_box(box)
    text, root, names = _parse(expr, variables, box)
    missing = [n for n in names if n not in box]
    extra = [n for n in box if n not in names]
    if missing or extra:
        raise UsageError("{box} must give a range for every variable ({names}) and no other",
                         param="box", names=", ".join(names) or "none")
    n = len(names)
    if n == 0:
        raise UsageError("{box}: the expression has no variables", param="box")
    per_axis = max(2, int(round(starts ** (1 / n))))
    axes = [np.linspace(*box[v], per_axis) for v in names]
    # a grid slightly off the box's symmetry lines, where Newton steps are often singular
    axes = [a + 1e-3 * (box[v][1] - box[v][0]) / per_axis * (k + 1) / (n + 1)
            for k, (a, v) in enumerate(zip(axes, names))]
    grid = np.meshgrid(*axes, indexing="ij")
    diagonal = math.sqrt(sum((hi - lo) ** 2 for lo, hi in box.values()))
    xs, _, converged = newton(root, names, [g.ravel() for g in grid], max_step=diagonal / 4)
    f, g, _ = _derivatives(root, names, xs)
    with np.errstate(all="ignore"):
        good = converged & np.isfinite(f) & (np.max(np.abs(np.array(g)), axis=0) <= GRADIENT_TOL)
        for v, x in zip(names, xs):
            lo, hi = box[v]
            slack = 1e-9 * (hi - lo)
            good &= (x >= lo - slack) & (x <= hi + slack)
    candidates = sorted(
        (float(np.max(np.abs([gi[k] for gi in g]))), [float(x[k]) for x in xs])
        for k in np.flatnonzero(good))
    distinct = []
    for _, x in candidates:  # the smallest gradient of each cluster first
        if not any(_close(x, y) for y in distinct):
            distinct.append(x)
    points = [describe(root, names, dict(zip(names, x))) for x in distinct]
    points = [p for p in points if p.kind != "not stationary"]
    points.sort(key=lambda p: (p.value, [p.point[v] for v in names]))
    return Critical(text, names, points, box=box, starts=per_axis ** n)


def _close(a, b):
    scale = 1 + max(abs(x) for x in a)
    return max(abs(x - y) for x, y in zip(a, b)) <= 1e-6 * scale
