"""``hod graph``: the expression graph as a tree in the terminal and as Graphviz DOT."""

from __future__ import annotations

import json
import re

import pytest

from cli_helpers import invoke

import hod


def test_a_shared_subexpression_is_one_node_drawn_once_in_dot_with_several_edges():
    dot = invoke("graph", "sin(x)*sin(x) + x", "--format", "dot").stdout
    assert dot.startswith("digraph hod {") and dot.rstrip().endswith("}")
    sines = [line for line in dot.splitlines() if "sin" in line and "[label=" in line
             and "->" not in line]
    assert len(sines) == 1
    sine = re.match(r"\s*(\S+) \[", sines[0]).group(1)
    edges = [line for line in dot.splitlines() if line.strip().startswith(f"{sine} ->")]
    assert len(edges) == 2
    x = [line for line in dot.splitlines() if '"v0: x"' in line]
    assert len(x) == 1


def test_tree_draws_a_shared_node_in_full_once_then_names_it():
    out = invoke("graph", "sin(x)*sin(x) + x").stdout
    tree = out.splitlines()[1:]
    assert sum("sin" in line for line in tree) == 1  # the second use is named
    assert "v1 (above)" in out and "(shared)" in out
    assert "├── " in out and "└── " in out


def test_graph_at_a_point_shows_values_and_adjoints_of_the_trace():
    g = hod.expression_graph("log(x1) + x1*x2 - sin(x2)", "x1=2,x2=5")
    t = hod.trace("log(x1) + x1*x2 - sin(x2)", "x1=2,x2=5")
    by_name = {n.name: n for n in t.nodes}
    for n in g.nodes:
        if n.op != "const":
            assert (n.value, n.adjoint) == (by_name[n.name].value, by_name[n.name].adjoint)
    data = json.loads(invoke("graph", "x*y", "--at", "x=2,y=3", "--format", "json").stdout)
    assert data["root"] == "v1"
    assert data["nodes"][-1] == {"name": "v1", "op": "multiply", "text": "*",
                                 "children": ["v-1", "v0"], "value": 6.0, "adjoint": 1.0}


def test_plain_tree_is_ascii():
    out = invoke("graph", "exp(-x**2/2)", "--format", "plain").stdout
    assert out.isascii() and "`-- " in out


@pytest.mark.parametrize("width", [80, 60])
def test_graph_tree_fits_the_width(width):
    expr = "exp(sin(x1)/3) * log(x2 + 2) / (1 + x1**2 * x2) - atan2(x2, x1)"
    r = invoke("graph", expr, "--at", "x1=0.3,x2=1.7", env={"COLUMNS": str(width)})
    assert r.exit_code == 0
    assert all(len(line) <= width for line in r.stdout.splitlines())


def test_graph_latex_is_an_array_of_operations():
    out = invoke("graph", "abs(x)*y", "--format", "latex").stdout
    assert r"\begin{array}" in out and r"\left|v_{-1}\right|" in out
