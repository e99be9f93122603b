"""The primitive record, its registration in the table, and the chain rule.

Each :class:`Primitive` declares, in one place:

* ``impl``: the numpy forward;
* its derivative: for elementwise primitives the partial derivatives, written in hod's own
  operations (so that a tape recording the gradient computation can differentiate it again);
  from them both the reverse rule (VJP, :meth:`Primitive.vjp`) and the forward rule (JVP,
  :meth:`Primitive.jvp`) follow.  Structural (linear) primitives give their JVP and VJP
  directly, each a few hod operations;
* ``sym``: the counterpart on scalars of another backend, called as ``sym(S, *args)`` with
  ``S`` the ``sympy`` module (and, unless ``mp`` overrides it, the ``mpmath`` module);
  structural primitives are generic: their numpy ``impl`` also runs on object arrays;
* ``taylor``: the rule on truncated Taylor series (see :mod:`hod.taylor_mode`);
* ``ball``: the name of the certified counterpart in :mod:`hod.ball.counterparts` (on power
  series with Arb ball coefficients or on constant balls; named, not imported, so the table
  sits below the certified engine, whose API parses text with the table's operations);
* ``domain``: where tests sample each argument; ``kink`` and ``convention``: where the
  primitive is not differentiable and which one-sided value hod uses there.

Cotangents and tangents may carry extra leading batch axes (``nb`` below); every rule keeps
them in front, so one backward pass can carry many cotangents (``jacobian``).  The entries
themselves are in :mod:`hod.ops`.
"""

from __future__ import annotations

import numpy as np

from ..expr.graph import Expr
from ..expr.graph import call as graph_call
from .cotangents import Negated
from .recording import apply
from .registry import TABLE, ops
from .tensor import Tensor, as_value

# Markers for constant partial derivatives, which need no multiplication.
ONE = "one"
MINUS_ONE = "minus_one"


class Primitive:
    """One primitive operation and all of its rules."""

    def __init__(self, name, impl, *, nargs=1, partials=None, jvp=None, vjp=None, sym=None,
                 mp=None, generic=False, taylor=None, ball=None, domain=None, kink=None, convention=None,
                 differentiable=True, scalar=True, first_piece=None, doc=""):
        self.name = name
        self.impl = impl
        self.nargs = nargs
        self.partials = partials
        self._jvp = jvp
        self._vjp = vjp
        self.sym = sym
        self.mp = mp if mp is not None else sym
        self.generic = generic
        self.taylor = taylor
        self.ball = ball
        self.domain = domain
        self.kink = kink
        self.convention = convention
        self.differentiable = differentiable
        self.scalar = scalar  # usable in the expression language (scalar in, scalar out)
        # two-piece primitives (maximum, minimum): a numpy test of the argument values, true
        # where the first argument's piece holds (ties included); partials, Taylor rules and
        # jets all choose the piece by it
        self.first_piece = first_piece
        self.doc = doc

    @property
    def elementwise(self):
        return self.partials is not None

    def __call__(self, *args, **params):
        for a in args:
            if type(a) is Expr:  # building a graph, not computing
                return graph_call(self, args, params)
        return apply(self, args, params)

    def __repr__(self):
        return f"<hod primitive {self.name}>"

    # --- reverse mode ---------------------------------------------------------------------
    # A cotangent may arrive as Negated(t), standing for -t: subtract's rule defers its sign
    # instead of negating a (possibly batched) cotangent.  Elementwise rules fold the sign into
    # their partial, which has no batch axes; linear structural rules pass it through.
    defers_sign = True

    def vjp(self, i, g, node, g_is_seed=False):
        """The cotangent of input ``i`` given the output's cotangent ``g`` (a tensor or
        :class:`Negated`)."""
        neg = type(g) is Negated
        if neg:
            g = g.t
        if self._vjp is not None:
            r = self._vjp(i, g, node)
            return Negated(r) if neg and r is not None else r
        p = self.partials[i]
        if p is None:
            return None
        x_shape = node.inputs[i]._value.shape
        out_shape = node.output._value.shape
        if p is ONE:
            r = g
        elif p is MINUS_ONE:
            r, neg = g, not neg
        else:
            d = p(*node.inputs, node.output)
            if type(d) is Scaled:
                scale, d = (-d.s if neg else d.s), d.t
                neg = False
                if g_is_seed and d._value.shape == out_shape:
                    r = ops.multiply(scale, d)
                elif g._value.ndim == len(out_shape):
                    # Scale the cotangent first: when g is a constant of an outer tape (as in
                    # a Hessian), only the product with d is recorded, one operation fewer
                    # for the outer backward pass, which carries a whole batch of rows.
                    r = ops.multiply(ops.multiply(g, scale), d)
                else:
                    r = ops.multiply(g, ops.multiply(scale, d))
            else:
                if neg:
                    d = ops.negative(d) if isinstance(d, Tensor) else -as_value(d)
                    neg = False
                if g_is_seed and np.shape(as_value(d)) == out_shape:
                    # The seed is all ones: skip the multiplication.
                    r = d if isinstance(d, Tensor) else Tensor._wrap(np.array(d, np.float64))
                else:
                    r = ops.multiply(g, d)
        if r._value.shape != x_shape:
            r = _sum_to(r, x_shape, len(out_shape))
        return Negated(r) if neg else r

    # --- forward mode ---------------------------------------------------------------------
    def jvp(self, tangents, node):
        """The output's tangent given the inputs' tangents (None where an input has none)."""
        if self._jvp is not None:
            return self._jvp(tangents, node)
        out_shape = np.shape(node.output._value)
        out_ndim = len(out_shape)
        total = None
        for i, t in enumerate(tangents):
            if t is None:
                continue
            p = self.partials[i]
            if p is None:
                continue
            in_ndim = np.ndim(as_value(node.inputs[i]))
            lead = _shape(t)[:_nb(t, in_ndim)]
            t = _expand_tangent(t, in_ndim, out_ndim)
            if p is ONE:
                term = t
            elif p is MINUS_ONE:
                term = ops.negative(t)
            else:
                term = ops.multiply(t, partial_value(p(*node.inputs, node.output)))
            total = term if total is None else ops.add(total, term)
        if total is not None and _shape(total) != lead + out_shape:
            # a tangent of an input that was broadcast (x + y with x smaller) has the shape of
            # that input: give it the output's shape
            total = ops.broadcast_to(total, lead + out_shape)
        return total


class Scaled:
    """A partial derivative given as a constant times a tensor, ``s * t`` (``power``: p·x^(p-1),
    ``cos``: -1·sin x), so that the reverse rule can choose where the constant goes."""

    __slots__ = ("s", "t")

    def __init__(self, s, t):
        self.s = float(s)
        self.t = t


def partial_value(d):
    """A partial derivative as a value: :class:`Scaled` becomes the product."""
    return ops.multiply(d.s, d.t) if type(d) is Scaled else d


def primitive(name, impl, **kw):
    prim = Primitive(name, impl, **kw)
    if name in TABLE:
        raise ValueError(f"primitive {name} declared twice")
    TABLE[name] = prim
    return prim


# --- batch helpers used by the rules -------------------------------------------------------

def _sum_to(g, shape, out_ndim):
    """Sum a cotangent of shape batch + broadcast(out) back to batch + ``shape``."""
    gshape = np.shape(as_value(g))
    nb = len(gshape) - out_ndim
    lead = out_ndim - len(shape)
    axes = tuple(range(nb, nb + lead)) + tuple(
        nb + lead + k for k, d in enumerate(shape) if d == 1 and gshape[nb + lead + k] != 1)
    if not axes:
        return g
    r = ops.sum(g, axis=axes, keepdims=True)
    return ops.reshape(r, gshape[:nb] + tuple(shape))


def _expand_tangent(t, in_ndim, out_ndim):
    """Give a batched tangent of an input the rank of the output, so broadcasting lines up."""
    tshape = np.shape(as_value(t))
    nb = len(tshape) - in_ndim
    if nb == 0 or in_ndim == out_ndim:
        return t
    return ops.reshape(t, tshape[:nb] + (1,) * (out_ndim - in_ndim) + tshape[nb:])


def _nb(t, ndim):
    return np.ndim(as_value(t)) - ndim


def _shape(x):
    return np.shape(as_value(x))


def _float(mask):
    return Tensor._wrap(np.asarray(as_value(mask), dtype=np.float64))
