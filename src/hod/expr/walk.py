"""Walking expression graphs: nodes in topological order (iterative), variables, size."""

from __future__ import annotations


def topological(roots):
    """All nodes reachable from ``roots``, each after its arguments (iterative DFS)."""
    if not isinstance(roots, (list, tuple)):  # one node
        roots = [roots]
    order, seen = [], set()
    for root in roots:
        if id(root) in seen:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for a in reversed(node.args):
                if id(a) not in seen:
                    stack.append((a, False))
    return order


def variables(roots):
    """Names of the variables in order of first appearance (left to right)."""
    names = []
    for node in topological(roots):
        if node.op == "var" and node.label not in names:
            names.append(node.label)
    return names


def size(roots):
    """Number of distinct nodes."""
    return len(topological(roots))
