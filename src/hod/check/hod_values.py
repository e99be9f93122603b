"""hod's own numbers: the tape, Taylor mode, nested tapes."""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from typing import Any, NamedTuple

import numpy as np

from ..expr import graph as _graph
from ..text import fmt_duration, fmt_number, magnitude
from .inputs import _counts

# sign, which amplify rounding with the total order: measured against 30-digit references,
# relative errors of about 1e-12 at total order 12, 1e-9 at 16, 1e-5 at 20, 1e2 at 30.
MIXED_ACCURATE_ORDER = 14
# Seconds of nested tapes beside Taylor mode in ``diff`` (all points together).
NESTED_BUDGET = 1.0

_INFIX_SYM = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**"}


def _describe(node, args):
    vals = [fmt_number(np.asarray(a, dtype=float)) for a in _values(args)]
    if node.op in _INFIX_SYM and len(vals) == 2:
        b = vals[1] if not vals[1].startswith("-") else f"({vals[1]})"
        return f"{vals[0]} {_INFIX_SYM[node.op]} {b}"
    return f"{node.op}({', '.join(vals)})"


def _values(args):
    from ..engine.tensor import as_value

    return [as_value(a) for a in args]


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


class _PointWatch:
    """The ``on_node`` hook: finds where f is not defined and kinks that matter."""

    def __init__(self, depends, diff_vars):
        self.depends = depends
        self.diff_vars = diff_vars
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
        if prim.kink is not None and self.depends[id(node)] & self.diff_vars:
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

    def add_taylor_kinks(self, kinks):
        """Kinks Taylor mode met, (primitive name, convention), unless already found here."""
        for name, convention in kinks:
            if any(k.startswith(f"not differentiable at this point: {name} at ")
                   for k in self.kinks):
                continue
            msg = f"not differentiable at this point: {name}; {_convention_text(convention)}"
            if msg not in self.kinks:
                self.kinks.append(msg)


def _convention_text(convention):
    conv = convention or "a one-sided derivative"
    return f"hod used {conv}" if "=" in conv else f"hod's convention: {conv}"


def _dependencies(roots):
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


def _num(t):
    return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=float))


@dataclasses.dataclass
class _HodPoint:
    """hod's numbers at one point; ``overflow`` maps (part, index) to an out-of-range note."""

    value: Any
    gradient: Any
    result: Any
    watch: _PointWatch
    overflow: dict = dataclasses.field(default_factory=dict)
    caveats: list = dataclasses.field(default_factory=list)


def _tape_point(kind, roots, names, point, depends):
    """Tape values at one point (grad, hessian, jacobian)."""
    from .. import ops
    from ..engine.tape import GradientTape
    from ..engine.tensor import Variable

    xs = [Variable(point[n], name=n) for n in names]
    env = dict(zip(names, xs))
    watch = _PointWatch(depends, frozenset(names))

    def f():
        vals = _graph.evaluate(roots, env, "tensor", on_node=watch)
        return [ops.convert(v) for v in vals]

    gradient = None
    with np.errstate(all="ignore"):
        if kind == "grad":
            with GradientTape() as tape:
                tape.watch(xs)
                (y,) = f()
            g = tape.gradient(y, xs, unconnected_gradients="zero") if xs else []
            value, result = _num(y), [_num(t) for t in g]
        elif kind == "hessian":
            with GradientTape() as outer:
                outer.watch(xs)
                with GradientTape() as inner:
                    inner.watch(xs)
                    (y,) = f()
                g = inner.gradient(y, xs, unconnected_gradients="zero") if xs else []
                gs = ops.stack(g) if xs else None
            cols = outer.jacobian(gs, xs, unconnected_gradients="zero") if xs else []
            value, gradient = _num(y), [_num(t) for t in g]
            result = [[_num(cols[j][i]) for j in range(len(xs))] for i in range(len(xs))]
        elif kind == "jacobian":
            with GradientTape() as tape:
                tape.watch(xs)
                ys = f()
                stacked = ops.stack(ys)
            cols = tape.jacobian(stacked, xs, unconnected_gradients="zero") if xs else []
            value = [_num(t) for t in ys]
            result = [[_num(cols[j][i]) for j in range(len(xs))] for i in range(len(ys))]
        else:
            raise ValueError(f"the tape computes grad, hessian and jacobian, not {kind}")
    return _HodPoint(value, gradient, result, watch)


def _pure_derivative(root, point, var, n):
    """(the n-th derivative in ``var`` by Taylor mode, the kinks met, and ("overflow", its
    magnitude as text) or ("underflow", None) when it is out of the float range, else None)."""
    # (``hod.taylor`` is the function; its module is imported by name)
    from ..taylor_mode.api import _rescue_scale, _times_factorial, expand

    def coefficients(direction):
        e = expand(root, point, n, {var: direction})
        return np.asarray(e.coefficients, dtype=np.float64).reshape(n + 1), e.kinks

    def underflowed(c):
        # the last non-zero coefficient before c_n is (nearly) subnormal: c_n underflowed,
        # it is not a true zero (as beyond the degree of a polynomial)
        nonzero = np.flatnonzero(c[:n])
        return bool(nonzero.size) and abs(c[nonzero[-1]]) < 1e-250

    c, kinks = coefficients(1.0)
    cn, scale = float(c[n]), 1.0
    for _ in range(4):
        if not (n > 150 and abs(cn) < 1e-290 and np.all(np.isfinite(c)) and underflowed(c)):
            break
        # f^(n)/n! underflowed (1/171! < 1e-308): expand along a direction s = 2^m, whose
        # coefficients are c_k s^k, and divide by s^n at the end; s is chosen from the last
        # coefficients that did not underflow, so it may take a few rounds to reach c_n
        s = _rescue_scale(c, n)
        if s is None:
            break
        scale *= float(np.asarray(s))
        c = coefficients(scale)[0]
        cn = float(c[n])
    if scale == 1.0:
        value = float(_times_factorial(cn, n))
    else:
        value = cn
        for k in range(1, n + 1):
            value *= k / scale
    big = None
    if math.isfinite(cn) and cn != 0 and not math.isfinite(value):
        log10 = (math.log10(abs(cn)) + math.lgamma(n + 1) / math.log(10)
                 - n * math.log10(scale))
        big = ("overflow", magnitude(log10, cn < 0))
    elif n > 150 and abs(cn) < 1e-290 and underflowed(c):
        value = math.nan
        big = ("underflow", None)
    return value, kinks, big


def _taylor_point(task, point, depends):
    """Taylor-mode values at one point (diff, taylor), and f with its problems and kinks."""
    from ..engine.tensor import constant
    from ..taylor_mode.api import expand, graph_partial

    point = dict(point)
    counts = _counts(task.wrt) if task.kind == "diff" else {task.var: task.order}
    watch = _PointWatch(depends, frozenset(counts))
    overflow = {}
    root = task.roots[0]
    with np.errstate(all="ignore"):
        env = {n: constant(point[n]) for n in task.names}
        (y,) = _graph.evaluate(task.roots, env, "tensor", on_node=watch)
        value = _num(y)
        if task.kind == "taylor":
            e = expand(root, point, task.order, {task.var: 1.0})
            coeffs = np.asarray(e.coefficients, dtype=np.float64).reshape(task.order + 1)
            result, kinks = [float(c) for c in coeffs], e.kinks
        elif len(counts) == 1:
            ((var, n),) = counts.items()
            result, kinks, big = _pure_derivative(root, point, var, n)
            if big is not None:
                overflow[("result", ())] = big
        else:
            r, kinks = graph_partial(root, point, counts)
            result = float(np.asarray(r, dtype=np.float64))
    watch.add_taylor_kinks(kinks)
    hp = _HodPoint(value, None, result, watch, overflow)
    if task.kind == "diff" and len(counts) > 1 and len(task.wrt) > MIXED_ACCURATE_ORDER:
        hp.caveats.append(f"Taylor mode's mixed partials lose accuracy beyond total order "
                          f"{MIXED_ACCURATE_ORDER} (the interpolation from univariate "
                          f"directions amplifies rounding): trust the checks here")
    return hp


class _Nested(NamedTuple):
    """Nested tapes at one point: the derivative and f, or None and why they were skipped."""

    value: float | None
    f: float | None
    skipped: str | None


def _nested_projection(marks, n, budget):
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


def _nested_partial(roots, names, wrt, point, budget, shown_budget=None):
    """The partial ``wrt`` by nested tapes (one per differentiation), one differentiation at
    a time, stopping when :func:`_nested_projection` says the rest would not fit in
    ``budget`` seconds.  The garbage collector pauses meanwhile: the tapes hold everything
    they record until the end anyway, and its passes over them would take a third of the
    time, at random steps."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        return _nested_steps(roots, names, wrt, point, budget,
                             budget if shown_budget is None else shown_budget)
    finally:
        if collecting:
            gc.enable()


def _nested_steps(roots, names, wrt, point, budget, shown_budget):
    from ..engine.functional import nested_steps
    from ..engine.tensor import Variable

    start = time.perf_counter()
    xs = [Variable(point[n], name=n) for n in names]
    n = len(wrt)
    marks = []

    def f(*vs):
        return _graph.evaluate(roots, dict(zip(names, vs)), "tensor")[0]

    with np.errstate(all="ignore"):
        steps = nested_steps(f, xs, [names.index(w) for w in wrt])
        value = _num(next(steps))
        for j, y in enumerate(steps, 1):
            marks.append(time.perf_counter() - start)
            if j < n:
                total = _nested_projection(marks, n, budget)
                if total is not None:
                    steps.close()
                    return _Nested(None, value, f"skipped, estimated {fmt_duration(total)} "
                                                f"at order {n} (budget {shown_budget:g} s)")
        return _Nested(_num(y) if n else value, value, None)


def _nested_points(task, budget):
    """Nested tapes at every point, sharing ``budget``; once skipped, skipped everywhere."""
    out, end, skipped = [], time.perf_counter() + budget, None
    for p in task.points:
        left = end - time.perf_counter()
        if skipped is None and left <= 0:
            skipped = f"skipped: their time budget ({budget:g} s) is used up"
        if skipped is not None:
            out.append(_Nested(None, None, skipped))
            continue
        r = _nested_partial(task.roots, task.names, task.wrt, p, left, budget)
        skipped = r.skipped
        out.append(r)
    return out

