"""The expression graph of an expression: its nodes (each shared subexpression once), their
edges, and, at a point, each node's value and adjoint (from :func:`hod.trace`).

>>> g = hod.expression_graph("sin(x)*sin(x)")
>>> [(n.name, n.op, n.children) for n in g.nodes]
[('v0', 'x', []), ('v1', 'sin', ['v0']), ('v2', 'multiply', ['v1', 'v1'])]
"""

from __future__ import annotations

import dataclasses

from ..expr.printer import to_text
from ..expr.walk import topological
from .trace import names_of, share


@dataclasses.dataclass
class GraphNode:
    """A node: its name (``v1``; constants ``c1``), operation (a variable's name for an
    input, ``const`` for a constant), its text, children by name, value and adjoint."""

    name: str
    op: str
    text: str
    children: list
    value: float | None = None
    adjoint: float | None = None

    def to_dict(self):
        from .trace import _json_number

        out = {"name": self.name, "op": self.op, "text": self.text,
               "children": list(self.children)}
        if self.value is not None:
            out.update(value=_json_number(self.value), adjoint=_json_number(self.adjoint))
        return out


@dataclasses.dataclass
class ExpressionGraph:
    """The nodes in evaluation order (children before parents; the root last)."""

    expression: str
    variables: list
    point: dict | None
    nodes: list

    @property
    def root(self):
        return self.nodes[-1]

    def to_dict(self):
        return {"expression": self.expression, "point": self.point,
                "root": self.root.name, "nodes": [n.to_dict() for n in self.nodes]}


def expression_graph(expr, point=None, variables=None):
    """The graph of ``expr``; with ``point``, each node's value and adjoint d f / d node
    (hod's tape, as in :func:`hod.trace`)."""
    from ..check.inputs import check_points, parse_expression, parse_point, variable_order

    point = parse_point(point) if point is not None else None
    text, (root,) = parse_expression(expr, sorted(point or ()))
    names = variable_order([root], variables)
    if point is not None:
        check_points(names, [point])
    root = share(root)
    row_names, _ = names_of(root, names)
    numbers = {}
    if point is not None:
        from .trace import trace

        t = trace(root, point, variables=names)
        numbers = {n.name: (n.value, n.adjoint) for n in t.nodes}
    nodes, k = [], 0
    for node in topological([root]):
        if node.op == "const":
            k += 1
            name = f"c{k}"
            row_names[id(node)] = name
            op, label = "const", to_text(node)
        elif node.op == "var":
            name, op, label = row_names[id(node)], node.label, node.label
        else:
            name, op = row_names[id(node)], node.op
            label = _OP_SYMBOL.get(op, op)
        value, adjoint = numbers.get(name, (None, None))
        if point is not None and node.op == "const":
            value = node.value
        nodes.append(GraphNode(name, op, label, [row_names[id(a)] for a in node.args],
                               value, adjoint))
    return ExpressionGraph(text, names, point, nodes)


_OP_SYMBOL = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**",
              "negative": "neg"}
