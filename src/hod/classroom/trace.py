"""The evaluation trace (Wengert list) of an expression at a point, as textbooks draw it.

One row per intermediate value: the inputs first (``v-1``, ``v0`` for two variables, as in
Griewank and Walther, and Baydin et al.'s survey), then each operation in evaluation order
(``v1``, ``v2``, ...), written in earlier rows' names.  Each row has its value (the forward
primal trace), its tangent along one variable (forward mode) and its adjoint, d output / d
this value (reverse mode).  Structurally equal subexpressions are one row (:func:`share`).

The numbers are hod's own: the expression is evaluated once on a :class:`hod.GradientTape`
inside a :class:`hod.ForwardAccumulator`; the tangents are the accumulator's JVPs and the
adjoints the tape's gradients with respect to each intermediate value.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..engine.forward import ForwardAccumulator
from ..engine.tape import GradientTape
from ..engine.tensor import constant
from ..errors import UsageError
from ..expr import graph as _graph
from ..expr.latex import formula as _formula
from ..expr.printer import to_text
from ..expr.walk import topological


@dataclasses.dataclass
class TraceNode:
    """One row of a trace: ``name = formula``, with its value, tangent and adjoint."""

    name: str          # "v-1", "v0", "v1", ...
    op: str            # "input" for a variable, else the primitive's name
    inputs: list       # names of the earlier rows it reads (constants are in the formula)
    formula: str       # in hod's language, in earlier rows' names: "v1 * v2", "x"
    math: str          # readable notation: "|v1|", "v1^2"
    latex: str         # LaTeX: "\\left|v_{1}\\right|"
    value: float
    tangent: float
    adjoint: float

    def to_dict(self):
        return {"name": self.name, "op": self.op, "inputs": list(self.inputs),
                "formula": self.formula, "value": _json_number(self.value),
                "tangent": _json_number(self.tangent), "adjoint": _json_number(self.adjoint)}


@dataclasses.dataclass
class Trace:
    """The trace of ``expression`` at ``point``: rows, the output's value and gradient."""

    expression: str
    variables: list
    point: dict
    wrt: str | None
    nodes: list
    value: float
    gradient: list
    notes: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        """The JSON contract of ``hod trace --format json``."""
        return {"expression": self.expression, "variables": list(self.variables),
                "point": {k: _json_number(v) for k, v in self.point.items()},
                "wrt": self.wrt, "nodes": [n.to_dict() for n in self.nodes],
                "value": _json_number(self.value),
                "gradient": [_json_number(g) for g in self.gradient]}


def _json_number(x):
    x = float(x)
    return x if math.isfinite(x) else None


def share(root):
    """The graph of ``root`` with structurally equal subexpressions made one node (the same
    operation on the same arguments with the same parameters, the same constant text, the
    same variable)."""
    canon, memo = {}, {}
    for node in topological([root]):
        if node.op == "const":
            key = ("const", node.label, node.value)
        elif node.op == "var":
            key = ("var", node.label)
        else:
            key = (node.op, tuple(id(memo[id(a)]) for a in node.args),
                   repr(sorted(node.params.items())))
        if key not in canon:
            if node.op in ("const", "var"):
                canon[key] = node
            else:
                canon[key] = _graph.Expr(node.op, [memo[id(a)] for a in node.args],
                                         node.params, prim=node.prim)
        memo[id(node)] = canon[key]
    return memo[id(root)]


def names_of(root, variables):
    """``{id(node): name}``: variables ``v(1-n)..v0`` in ``variables`` order, then each
    operation ``v1, v2, ...`` in evaluation order (constants have no name)."""
    n = len(variables)
    by_var = {name: f"v{i - n + 1}" for i, name in enumerate(variables)}
    names, k = {}, 0
    for node in topological([root]):
        if node.op == "var":
            names[id(node)] = by_var[node.label]
        elif node.op != "const":
            k += 1
            names[id(node)] = f"v{k}"
    return names, by_var


def trace(expr, point, wrt=None, variables=None):
    """The evaluation trace of ``expr`` at ``point``, with tangents along ``wrt`` (default:
    the first variable) and adjoints of the output.

    ``expr`` is text in hod's language or a graph; ``point`` a mapping or ``"x=1,y=2"``;
    ``variables`` fixes the variable order (default: sorted by name).

    >>> t = hod.trace("log(x1) + x1*x2 - sin(x2)", "x1=2,x2=5")
    >>> [(n.name, n.formula) for n in t.nodes]
    [('v-1', 'x1'), ('v0', 'x2'), ('v1', 'log(v-1)'), ('v2', 'v-1 * v0'), ('v3', 'v1 + v2'), ('v4', 'sin(v0)'), ('v5', 'v3 - v4')]
    >>> round(t.value, 3), [round(g, 3) for g in t.gradient]
    (11.652, [5.5, 1.716])
    """
    from ..check.inputs import check_points, parse_expression, parse_point, variable_order

    point = parse_point(point)
    text, (root,) = parse_expression(expr, sorted(point))
    names = variable_order([root], variables)
    check_points(names, [point])
    if wrt is None:
        wrt = names[0] if names else None
    elif wrt not in names:
        raise UsageError("{wrt}: {name} is not a variable of the expression (variables: "
                         "{names})", param="wrt", name=wrt, names=", ".join(names) or "none")
    root = share(root)
    order = topological([root])
    row_names, by_var = names_of(root, names)

    xs = {n: constant(point[n]) for n in names}
    seeds = [constant(1.0 if n == wrt else 0.0) for n in names]
    values = {}
    with np.errstate(all="ignore"):
        with GradientTape(persistent=True) as tape:
            for x in xs.values():
                tape.watch(x)
            with ForwardAccumulator(list(xs.values()), seeds) as acc:
                def record(node, value, args):
                    tape.watch(value)  # so that its adjoint can be asked for
                    values[id(node)] = value

                out = _graph.evaluate(root, xs, "tensor", on_node=record, order=order)
            tensors = [xs[n] for n in names]
            ops_nodes = [node for node in order if node.op not in ("const", "var")]
            tensors += [values[id(node)] for node in ops_nodes]
            adjoints = tape.gradient(out, tensors, unconnected_gradients="zero") \
                if tensors else []
        tangents = [acc.jvp(t, unconnected_gradients="zero") for t in tensors]

    def num(t):
        return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t))

    rows = []
    for i, n in enumerate(names):
        name = by_var[n]
        rows.append(TraceNode(name, "input", [], n, n, n, num(xs[n]), num(tangents[i]),
                              num(adjoints[i])))
    for j, node in enumerate(ops_nodes, start=len(names)):
        args = node.args
        arg_texts = [row_names.get(id(a)) or _const_text(a) for a in args]
        latex_args = [_latex_row_name(row_names[id(a)]) if id(a) in row_names
                      else _const_latex(a) for a in args]
        rows.append(TraceNode(
            row_names[id(node)], node.op, [row_names[id(a)] for a in args if id(a) in row_names],
            to_text(_graph.Expr(node.op, [_graph.var(t) for t in arg_texts], node.params,
                                prim=node.prim)),
            _formula(node, arg_texts), _formula(node, latex_args, latex=True),
            num(tensors[j]), num(tangents[j]), num(adjoints[j])))
    gradient = [r.adjoint for r in rows[:len(names)]]
    notes = [f"{r.name} = {r.formula} is {_fmt(r.value)} at this point"
             for r in rows if not math.isfinite(r.value)]
    return Trace(text, names, point, wrt, rows, num(out), gradient, notes)


def _fmt(x):
    from ..text import fmt_number

    return fmt_number(x)


def _const_text(node):
    from ..expr.printer import to_text as _t

    return _t(node)


def _const_latex(node):
    from ..expr.latex import to_latex

    return to_latex(node)


def _latex_row_name(name):
    """``v-1`` -> ``v_{-1}``."""
    return f"v_{{{name[1:]}}}"
