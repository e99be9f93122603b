"""hod's own numbers at each point: the tape, Taylor mode, and nested tapes beside them.

:data:`HOD_VALUES` names the engines a check uses; :func:`hod.check.run` takes replacements
(``hod_values={"taylor": ...}``), so a test can give a check a wrong engine and see it caught.

* ``"tape"``: :func:`tape_values` (``grad``, ``hessian``, ``jacobian``).  The graph is
  evaluated on a vector of variables under :class:`hod.GradientTape` s, through
  :mod:`hod.engine.functional` (the Hessian is the Jacobian of the gradient, the Jacobian one
  vectorised backward pass);
* ``"taylor"``: :func:`taylor_values` (``diff``, ``taylor``), whose cost grows like the square
  of the order;
* ``"nested"``: :class:`NestedTapes` (``diff``): one tape per differentiation, beside Taylor
  mode while affordable.  Their cost grows about threefold per order, so they run one
  differentiation at a time and stop as soon as the growth measured so far, extrapolated to
  the order asked for, says the rest would not fit in the budget; the report then gives the
  estimate.

Each engine also watches the evaluation of f: where it is not defined, where it overflows,
and the kinks (of abs, relu, ...) in the variables differentiated by.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from typing import Any, NamedTuple

import numpy as np

from ..expr import graph as _graph
from ..expr.printer import operation_text
from ..text import fmt_duration, fmt_number

# Seconds of nested tapes beside Taylor mode in ``diff`` (all points together).
NESTED_BUDGET = 1.0


@dataclasses.dataclass
class HodPoint:
    """hod's numbers at one point, and what is special about the point.

    ``problem`` is (status, message) where f is not defined or overflows; ``kinks`` the
    messages of the kinks met evaluating f, ``series_kinks`` those Taylor mode met
    ((primitive name, convention) pairs); ``out_of_range`` maps (part, index) to why that
    component is out of the float range (see :class:`hod.check.kinds.TaylorModeValues`).
    """

    value: Any
    gradient: Any
    result: Any
    problem: tuple | None = None
    kinks: list = dataclasses.field(default_factory=list)
    series_kinks: list = dataclasses.field(default_factory=list)
    out_of_range: dict = dataclasses.field(default_factory=dict)
    caveats: list = dataclasses.field(default_factory=list)
    error_bound: float = 0.0  # Taylor mode's estimate of its result's relative error

    def kink_messages(self):
        """Every kink, once: those met evaluating f, then those only Taylor mode met."""
        out = list(self.kinks)
        for name, convention in self.series_kinks:
            if any(k.startswith(f"not differentiable at this point: {name} at ") for k in out):
                continue
            msg = f"not differentiable at this point: {name}; {_convention_text(convention)}"
            if msg not in out:
                out.append(msg)
        return out


# =========================================================================================
# Watching the evaluation of f
# =========================================================================================

def dependencies(roots):
    """{id(node): the variables the node depends on} over the graphs ``roots``."""
    deps = {}
    for node in _graph.topological(roots):
        if node.op == "var":
            deps[id(node)] = frozenset([node.label])
        elif node.op == "const":
            deps[id(node)] = frozenset()
        else:
            s = frozenset()
            for a in node.args:
                s |= deps[id(a)]
            deps[id(node)] = s
    return deps


def _values(args):
    from ..engine.tensor import as_value

    return [as_value(a) for a in args]


def _describe(node, args):
    return operation_text(node.op, [np.asarray(a, dtype=float) for a in _values(args)])


def _classify_nonfinite(node, args):
    """'overflow' (mathematically finite, too large for a float) or 'undefined'."""
    try:
        import mpmath

        with mpmath.workdps(30):
            v = node.prim.mp(mpmath, *[mpmath.mpf(float(a)) for a in _values(args)],
                             **node.params)
            if isinstance(v, mpmath.mpf) and mpmath.isfinite(v):
                return "overflow", mpmath.nstr(v, 3)
    except Exception:  # noqa: BLE001 - any failure means there is no real value
        pass
    return "undefined", None


def _convention_text(convention):
    conv = convention or "a one-sided derivative"
    return f"hod used {conv}" if "=" in conv else f"hod's convention: {conv}"


class PointWatch:
    """The ``on_node`` hook of an evaluation: finds where f is not defined and the kinks in
    the variables ``differentiated``."""

    def __init__(self, depends, differentiated):
        self.depends = depends
        self.differentiated = differentiated
        self.problem = None     # (status, message) for the first non-finite node
        self.kinks = []

    def __call__(self, node, value, args):
        vals = _values(args)
        if self.problem is None and not np.all(np.isfinite(_values([value])[0])):
            if all(np.all(np.isfinite(v)) for v in vals):
                kind, big = _classify_nonfinite(node, args)
                what = _describe(node, args)
                if kind == "overflow":
                    msg = (f"overflow at this point: {what} is about {big}, too large for a "
                           "64-bit float")
                else:
                    msg = f"not defined at this point: {what}"
                self.problem = (kind, msg)
        prim = node.prim
        if prim.kink is not None and self.depends[id(node)] & self.differentiated:
            try:
                hit = bool(np.any(prim.kink(*args)))
            except Exception:  # noqa: BLE001 - a kink test that fails is not a kink
                hit = False
            if hit:
                where = ", ".join(fmt_number(v) for v in vals)
                where = where if len(vals) == 1 else f"({where})"
                msg = f"not differentiable at this point: {prim.name} at {where}; "
                msg += _convention_text(prim.convention)
                if msg not in self.kinks:
                    self.kinks.append(msg)


# =========================================================================================
# The engines
# =========================================================================================

def tape_values(task, point, depends):
    """Tape values at one point (``grad``, ``hessian``, ``jacobian``: the kind's
    ``on_tape``)."""
    from .. import ops
    from ..engine.tensor import Variable

    names = task.names
    v = Variable(np.array([point[n] for n in names], dtype=np.float64), name="variables")
    watch = PointWatch(depends, task.kind.differentiated(task))

    def f(x):
        env = {n: x[i] for i, n in enumerate(names)}
        return [ops.convert(y) for y in _graph.evaluate(task.roots, env, "tensor",
                                                        on_node=watch)]

    with np.errstate(all="ignore"):
        value, gradient, result = task.kind.on_tape(f, v)
    return HodPoint(value, gradient, result, watch.problem, watch.kinks)


def taylor_values(task, point, depends):
    """Taylor-mode values at one point (``diff``, ``taylor``: the kind's
    ``in_taylor_mode``), and f with its problems and kinks."""
    from ..engine.tensor import constant

    point = dict(point)
    watch = PointWatch(depends, task.kind.differentiated(task))
    with np.errstate(all="ignore"):
        env = {n: constant(point[n]) for n in task.names}
        (y,) = _graph.evaluate(task.roots, env, "tensor", on_node=watch)
        value = float(np.asarray(y.numpy(), dtype=float))
        t = task.kind.in_taylor_mode(task, task.roots[0], point)
    return HodPoint(value, None, t.result, watch.problem, watch.kinks, list(t.kinks),
                    dict(t.out_of_range), list(t.caveats), t.error_bound)


class Nested(NamedTuple):
    """Nested tapes at one point: the derivative and f, or None and why they were skipped."""

    value: float | None
    f: float | None
    skipped: str | None


def nested_projection(marks, n, budget):
    """The estimated total time of ``n`` differentiations after ``len(marks)`` of them
    (``marks``: cumulative times), when it says to stop; else None.

    Each differentiation of nested tapes differentiates the whole computation of the one
    before, so its time grows geometrically (about 3x per order for exp(sin(x))).  The growth
    is the median of the last three steps' ratios (a pause of the machine in one step does
    not count); below 1.5 (expressions whose derivatives stay small, such as exp(x)) nothing
    is projected and only the budget stops them.  A projection needs 2% of the budget spent,
    so that timer noise on microsecond steps cannot stop them.
    """
    j = len(marks)
    elapsed = marks[-1]
    steps = [max(s, 1e-9) for s in [marks[0]] + [b - a for a, b in itertools.pairwise(marks)]]
    growth, last = 1.0, steps[-1]
    if j >= 4:
        ratios = sorted(b / a for a, b in itertools.pairwise(steps[-4:]))
        growth = ratios[1]
        last = min(steps[-1], steps[-2] * growth * 1.5)

    def rest():
        left = n - j
        if growth < 1.01:
            return last * left
        # sum_{i=1..left} last * growth^i, without overflowing
        log_sum = (math.log(last) + left * math.log(growth)
                   + math.log(growth / (growth - 1)))
        return math.exp(min(log_sum, 700.0))

    if elapsed >= budget:
        return elapsed + rest()
    if growth >= 1.5 and elapsed >= 0.02 * budget and elapsed + rest() > budget:
        return elapsed + rest()
    return None


class NestedTapes:
    """The ``"nested"`` engine: the derivative of ``diff`` by nested tapes (one per
    differentiation) at every point, within ``budget`` seconds (or the run's timeout, if
    shorter) measured by ``clock``; once skipped, skipped everywhere.

    Called as ``engine(task, timeout)``; returns one :class:`Nested` per point.
    """

    def __init__(self, budget=NESTED_BUDGET, clock=time.perf_counter):
        self.budget = budget
        self.clock = clock

    def __call__(self, task, timeout):
        budget = min(self.budget, timeout)
        out, end, skipped = [], self.clock() + budget, None
        for p in task.points:
            left = end - self.clock()
            if skipped is None and left <= 0:
                skipped = f"skipped: their time budget ({budget:g} s) is used up"
            if skipped is not None:
                out.append(Nested(None, None, skipped))
                continue
            r = self.partial(task, p, left, budget)
            skipped = r.skipped
            out.append(r)
        return out

    def partial(self, task, point, budget, shown_budget):
        """Nested tapes at one point, one differentiation at a time, stopping when
        :func:`nested_projection` says the rest would not fit in ``budget`` seconds.  The
        garbage collector pauses meanwhile: the tapes hold everything they record until the
        end anyway, and its passes over them would take a third of the time, at random
        steps."""
        import gc

        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._steps(task, point, budget, shown_budget)
        finally:
            if collecting:
                gc.enable()

    def _steps(self, task, point, budget, shown_budget):
        from ..engine.functional import nested_steps
        from ..engine.tensor import Variable

        names, wrt = task.names, task.wrt
        start = self.clock()
        xs = [Variable(point[n], name=n) for n in names]
        n = len(wrt)
        marks = []

        def f(*vs):
            return _graph.evaluate(task.roots, dict(zip(names, vs)), "tensor")[0]

        def num(t):
            return float(np.asarray(t.numpy(), dtype=float))

        with np.errstate(all="ignore"):
            steps = nested_steps(f, xs, [names.index(w) for w in wrt])
            value = num(next(steps))
            for j, y in enumerate(steps, 1):
                marks.append(self.clock() - start)
                if j < n:
                    total = nested_projection(marks, n, budget)
                    if total is not None:
                        steps.close()
                        return Nested(None, value, f"skipped, estimated {fmt_duration(total)} "
                                                   f"at order {n} (budget {shown_budget:g} s)")
            return Nested(num(y) if n else value, value, None)


#: The engines of hod's numbers, by the name a kind's ``engine`` gives (and ``"nested"``).
HOD_VALUES = {"tape": tape_values, "taylor": taylor_values, "nested": NestedTapes()}
