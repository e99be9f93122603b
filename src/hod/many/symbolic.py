"""The symbolic check over many points: SymPy's derivatives, turned into hod graphs through
the primitive table and evaluated elementwise (float64) over a whole chunk.

SymPy differentiates once per run; each derivative is then converted node by node: a SymPy
class is matched to the table entry of the same name (``sin`` -> ``sin``, ``Abs`` -> ``abs``,
``Max`` -> ``maximum``; ``DiracDelta``, the derivative of ``sign``, is 0), ``Add``/``Mul`` fold into ``add``/``multiply``, ``Pow`` becomes
``power`` (``sqrt`` and ``divide`` for the exponents 1/2 and -1), numbers become constants.
No text is parsed (never ``sympify``).  An expression with a SymPy class that has no table
entry (``Piecewise``, ``Heaviside``) cannot be checked this way: :class:`Unsupported`.

The check then costs about as much as computing: one more elementwise evaluation per
component.
"""

from __future__ import annotations

import numpy as np

from ..engine.registry import TABLE
from ..expr import graph as _graph

# SymPy class names whose table entry has another name.
_RENAMED = {"Abs": "abs", "Max": "maximum", "Min": "minimum"}


class Unsupported(Exception):
    """A SymPy expression that has no counterpart in the primitive table."""


def derivatives(plan):
    """SymPy's expression of every component of ``plan`` (a :class:`hod.many.compute.Plan`),
    in the order of its specs: the partial ``spec.wrt`` of root ``spec.root``, over
    ``spec.scale``."""
    import sympy

    symbols = {n: sympy.Symbol(n, real=True) for n in plan.names}
    fs = _graph.to_sympy(plan.roots, symbols)
    cache = {}

    def d(root, wrt):
        key = (root, wrt)
        if key not in cache:
            if not wrt:
                cache[key] = fs[root]
            else:
                # one differentiation at a time, reusing the lower ones (a Hessian's rows)
                *head, (name, count) = wrt
                lower = tuple(head) + (((name, count - 1),) if count > 1 else ())
                cache[key] = sympy.diff(d(root, lower), symbols[name])
        return cache[key]

    return [d(s.root, tuple(s.wrt)) / s.scale if s.scale != 1 else d(s.root, tuple(s.wrt))
            for s in plan.specs]


def to_graph(expr):
    """A hod graph of the SymPy expression ``expr`` (iterative: deep trees are fine)."""
    import sympy

    done = {}
    stack = [expr]
    while stack:
        e = stack[-1]
        if e in done:
            stack.pop()
            continue
        todo = [a for a in e.args if a not in done] if not e.is_Atom else []
        if todo:
            stack.extend(todo)
            continue
        stack.pop()
        done[e] = _node(sympy, e, [done[a] for a in e.args] if not e.is_Atom else [])
    return done[expr]


def _node(sympy, e, args):
    if e.is_Symbol:
        return _graph.var(e.name)
    if e.is_Number or e.is_NumberSymbol:
        v = float(e)
        if not np.isfinite(v):
            raise Unsupported(f"SymPy's {e}")
        return _graph.const(v)
    if e.is_Add:
        return _fold(TABLE["add"], args)
    if e.is_Mul:
        return _fold(TABLE["multiply"], args)
    if e.is_Pow:
        base, exponent = args
        if e.exp == sympy.Rational(1, 2):
            return _graph.call(TABLE["sqrt"], [base], {})
        if e.exp == -1:
            return _graph.call(TABLE["divide"], [_graph.const(1.0), base], {})
        return _graph.call(TABLE["power"], [base, exponent], {})
    name = type(e).__name__
    if name == "DiracDelta":
        # the derivative of sign (and so the second of abs): zero wherever it is a
        # function; at the kink itself hod's convention decides, as on the tape
        return _graph.const(0.0)
    prim = TABLE.get(_RENAMED.get(name, name))
    if prim is None or not prim.scalar or prim.nargs != len(args):
        raise Unsupported(f"SymPy's {name}")
    return _graph.call(prim, args, {})


def _fold(prim, args):
    out = args[0]
    for a in args[1:]:
        out = _graph.call(prim, [out, a], {})
    return out


class Reference:
    """SymPy's derivatives of a plan as hod graphs, evaluated over chunks; or, where a
    derivative has no hod graph, ``unsupported`` says why."""

    def __init__(self, plan):
        self.names = plan.names
        self.unsupported = None
        self.roots = []
        try:
            self.roots = [to_graph(e) for e in derivatives(plan)]
        except Unsupported as u:
            self.unsupported = str(u)

    def values(self, chunk, n):
        """SymPy's value of every component at every point: an array (components, N), or
        None when the derivatives have no hod graph."""
        if self.unsupported is not None:
            return None
        with np.errstate(all="ignore"):
            out = _graph.evaluate(self.roots, {k: chunk[k] for k in self.names}, "tensor")
        return np.stack([np.broadcast_to(np.asarray(o.numpy() if hasattr(o, "numpy") else o,
                                                    dtype=np.float64), (n,)) for o in out])
