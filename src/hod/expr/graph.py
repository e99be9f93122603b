"""Expression graphs: what the parser builds and every engine evaluates.

An :class:`Expr` is a constant, a variable, or a primitive applied to other expressions.
Calling any hod operation on an ``Expr`` builds a graph node instead of computing (each
:class:`~hod.ops.Primitive` checks), so derived operations such as ``square`` or
``clip_by_value`` lower to primitives by running their ordinary definitions: nothing is
declared twice.

Engines walk a graph in topological order (:func:`topological`, iterative, so deep graphs do
not hit Python's recursion limit) and apply each primitive's rule for their backend:

* ``tensor``: hod tensors, so tapes record it (values and derivatives at points);
* ``sympy``: the primitive's ``sym`` counterpart, for the symbolic cross-check;
* ``mpmath``: the primitive's ``mp`` counterpart, for high-precision reference values.
"""

from __future__ import annotations

import fractions

import numpy as np

from ..engine.registry import ops  # operators on nodes build graph nodes (late-bound)
from ..errors import UsageError
from ..text import fmt_number
from .syntax import CONSTANTS
from .walk import size, topological, variables  # noqa: F401  (part of the graph's API)


class Expr:
    """One node of an expression graph.

    ``op`` is ``"const"``, ``"var"`` or the name of a primitive; ``args`` are child nodes;
    ``params`` the primitive's keyword parameters; ``label`` the source text of a constant
    (``"pi"``, ``"0.5"``) or the name of a variable; ``value`` a constant's float value.
    """

    __slots__ = ("op", "args", "params", "label", "value", "prim")

    def __init__(self, op, args=(), params=None, label=None, value=None, prim=None):
        self.op = op
        self.args = tuple(args)
        self.params = params or {}
        self.label = label
        self.value = value
        self.prim = prim

    # --- building -------------------------------------------------------------------------
    def __add__(self, o):
        return ops.add(self, o)

    def __radd__(self, o):
        return ops.add(o, self)

    def __sub__(self, o):
        return ops.subtract(self, o)

    def __rsub__(self, o):
        return ops.subtract(o, self)

    def __mul__(self, o):
        return ops.multiply(self, o)

    def __rmul__(self, o):
        return ops.multiply(o, self)

    def __truediv__(self, o):
        return ops.divide(self, o)

    def __rtruediv__(self, o):
        return ops.divide(o, self)

    def __pow__(self, o):
        return ops.power(self, o)

    def __rpow__(self, o):
        return ops.power(o, self)

    def __neg__(self):
        return ops.negative(self)

    def __pos__(self):
        return self

    __hash__ = object.__hash__

    def __repr__(self):
        from .printer import to_text  # the printer is a layer above graphs (imported late)

        return f"Expr({to_text(self)})"

    @property
    def is_const(self):
        return self.op == "const"

    @property
    def is_var(self):
        return self.op == "var"


def const(value, label=None):
    """A constant node. ``label`` is its exact source text (``"0.1"``, ``"pi"``)."""
    value = float(value)
    if label is None:
        label = fmt_number(value)
    return Expr("const", label=label, value=value)


def var(name):
    """A variable node."""
    return Expr("var", label=name)


def lift(x):
    """``x`` as a graph node: nodes are returned as they are, numbers become constants."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool):
        return const(x)
    raise TypeError(f"cannot use {type(x).__name__} in an expression graph")


def call(prim, args, params):
    """The node ``prim(*args, **params)`` (called by primitives given a graph node)."""
    return Expr(prim.name, [lift(a) for a in args], params, prim=prim)


# --- evaluation ----------------------------------------------------------------------------

def _sympy_const(node):
    import sympy

    label = node.label
    if label in CONSTANTS:
        return CONSTANTS[label].sympy(sympy)
    try:
        f = fractions.Fraction(label)
    except (ValueError, TypeError):
        f = fractions.Fraction(node.value)
    return sympy.Rational(f.numerator, f.denominator)


def _mpmath_const(node):
    import mpmath

    label = node.label
    if label in CONSTANTS:
        return CONSTANTS[label].mpmath(mpmath)
    try:
        f = fractions.Fraction(label)
        return mpmath.mpf(f.numerator) / f.denominator
    except (ValueError, TypeError, ZeroDivisionError):
        return mpmath.mpf(node.value)


def evaluate(roots, env, backend="tensor", on_node=None, order=None, constant=None):
    """Evaluate graph ``roots`` with variable values ``env`` (name -> value) on a backend.

    ``backend`` is ``"tensor"`` (hod tensors through the tape machinery; ``env`` holds tensors
    or numbers), ``"sympy"`` (``env`` holds SymPy objects), ``"mpmath"`` (``env`` holds
    mpmath numbers; the caller sets the precision), or a function ``apply(prim, args, params)``
    (Taylor mode passes its rule dispatcher; constants are then plain floats, unless
    ``constant(node)`` gives their value: the ball engine reads them exactly from their label).
    ``on_node(node, value, arg_values)`` is called after each primitive node (used to find
    domain errors and kinks).  ``order`` may give ``topological(roots)`` precomputed.
    Returns one value per root (or one value if ``roots`` is a single node).
    """
    single = isinstance(roots, Expr)
    rl = [roots] if single else list(roots)
    if constant is not None and not callable(backend):
        raise ValueError("constant= goes with a callable backend")
    if backend == "tensor":
        def apply(prim, args, params):
            return prim(*args, **params)
        constant = _float_const
    elif backend == "sympy":
        import sympy

        def apply(prim, args, params):
            return prim.sym(sympy, *args, **params)
        constant = _sympy_const
    elif backend == "mpmath":
        import mpmath

        def apply(prim, args, params):
            return prim.mp(mpmath, *args, **params)
        constant = _mpmath_const
    elif callable(backend):
        apply, constant = backend, constant or _float_const
    else:
        raise ValueError(f"unknown backend {backend!r}")
    values = {}
    for node in (order if order is not None else topological(rl)):
        op = node.op
        if op == "const":
            v = constant(node)
        elif op == "var":
            try:
                v = env[node.label]
            except KeyError:
                raise UsageError(f"no value given for variable {node.label!r}") from None
        else:
            args = [values[id(a)] for a in node.args]
            v = apply(node.prim, args, node.params)
            if on_node is not None:
                on_node(node, v, args)
        values[id(node)] = v
    out = [values[id(r)] for r in rl]
    return out[0] if single else out


def _float_const(node):
    return node.value


def to_sympy(roots, symbols=None):
    """SymPy expressions for ``roots``, built through the primitive table (never from text)."""
    import sympy

    names = variables(roots)
    symbols = dict(symbols or {})
    for n in names:
        if n not in symbols:
            symbols[n] = sympy.Symbol(n, real=True)
    return evaluate(roots, symbols, "sympy")
