"""``hod trace``: the evaluation trace (Wengert list) with hod's values, tangents, adjoints."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli_helpers import invoke
from cli_helpers import imports_after as cli_imports_after

import hod
from hod.expr.graph import evaluate
from hod.expr.parser import parse
from hod.render_classroom import number

ROOT = Path(__file__).resolve().parents[1]
# Baydin, Pearlmutter, Radul and Siskind, "Automatic differentiation in machine learning: a
# survey", table 2 and 3: f(x1, x2) = ln(x1) + x1 x2 - sin(x2) at (2, 5)
TEXTBOOK = "log(x1) + x1*x2 - sin(x2)"


def rows(t):
    return {n.formula: n for n in t.nodes}


def test_trace_of_textbook_example_matches_hand_computation():
    t = hod.trace(TEXTBOOK, {"x1": 2, "x2": 5}, wrt="x1")
    by = rows(t)
    assert [n.name for n in t.nodes] == ["v-1", "v0", "v1", "v2", "v3", "v4", "v5"]
    assert set(by) == {"x1", "x2", "log(v-1)", "v-1 * v0", "v1 + v2", "sin(v0)", "v3 - v4"}
    x1, x2 = 2.0, 5.0
    # forward primal trace
    expected_values = {"x1": x1, "x2": x2, "log(v-1)": math.log(x1), "v-1 * v0": x1 * x2,
                       "v1 + v2": math.log(x1) + x1 * x2, "sin(v0)": math.sin(x2),
                       "v3 - v4": math.log(x1) + x1 * x2 - math.sin(x2)}
    # forward tangent trace along x1 (x1' = 1, x2' = 0)
    expected_tangents = {"x1": 1, "x2": 0, "log(v-1)": 1 / x1, "v-1 * v0": x2,
                         "v1 + v2": 1 / x1 + x2, "sin(v0)": 0, "v3 - v4": 1 / x1 + x2}
    # reverse adjoint trace: d f / d v
    expected_adjoints = {"v3 - v4": 1, "sin(v0)": -1, "v1 + v2": 1, "v-1 * v0": 1,
                         "log(v-1)": 1, "x2": x1 - math.cos(x2), "x1": 1 / x1 + x2}
    for formula, row in by.items():
        assert row.value == pytest.approx(expected_values[formula], rel=1e-15)
        assert row.tangent == pytest.approx(expected_tangents[formula], rel=1e-15)
        assert row.adjoint == pytest.approx(expected_adjoints[formula], rel=1e-15)
    assert t.value == pytest.approx(11.652071455223084, rel=1e-15)
    assert t.gradient == pytest.approx([5.5, 2 - math.cos(5)], rel=1e-15)


def test_trace_inputs_come_first_in_variable_order_then_operations_read_earlier_rows():
    t = hod.trace("x*y + exp(x)", "x=0,y=2", variables="y,x")
    assert [(n.name, n.op, n.formula) for n in t.nodes[:2]] == [
        ("v-1", "input", "y"), ("v0", "input", "x")]
    seen = set()
    for n in t.nodes:
        assert set(n.inputs) <= seen
        seen.add(n.name)


def test_trace_numbers_are_those_of_hods_tape_and_forward_mode_exactly():
    expr = "sin(x*y) / (1 + x**2) + sqrt(y)"
    point = {"x": 0.7, "y": 1.3}
    t = hod.trace(expr, point, wrt="y")
    g = parse(expr)
    xs = {n: hod.constant(v) for n, v in point.items()}
    with hod.GradientTape() as tape:
        tape.watch(list(xs.values()))
        with hod.ForwardAccumulator(list(xs.values()), [hod.constant(0.0),
                                                        hod.constant(1.0)]) as acc:
            out = evaluate(g, xs)
        tangent = acc.jvp(out)
    gradient = tape.gradient(out, [xs["x"], xs["y"]])
    assert t.value == float(out.numpy())
    assert t.nodes[-1].tangent == float(tangent.numpy())
    assert t.gradient == [float(d.numpy()) for d in gradient]


def test_a_shared_subexpression_is_one_row_whose_adjoint_sums_its_uses():
    t = hod.trace("sin(x)*sin(x) + x", {"x": 1.0})
    sines = [n for n in t.nodes if n.op == "sin"]
    assert len(sines) == 1
    assert sines[0].adjoint == pytest.approx(2 * math.sin(1.0), rel=1e-15)
    assert [n.formula for n in t.nodes if n.op == "multiply"] == ["v1 * v1"]


def test_trace_json_contract():
    r = invoke("trace", TEXTBOOK, "--at", "x1=2,x2=5", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert list(data) == ["expression", "variables", "point", "wrt", "nodes", "value",
                          "gradient"]
    assert data["wrt"] == "x1" and data["point"] == {"x1": 2.0, "x2": 5.0}
    assert [n["name"] for n in data["nodes"][:2]] == ["v-1", "v0"]
    assert all(list(n) == ["name", "op", "inputs", "formula", "value", "tangent", "adjoint"]
               for n in data["nodes"])
    assert data["gradient"] == [5.5, pytest.approx(2 - math.cos(5), rel=1e-15)]


def test_trace_csv_plain_and_latex():
    csv_out = invoke("trace", "x*y", "--at", "x=2,y=3", "--format", "csv").stdout
    assert csv_out.splitlines() == ["name,op,inputs,formula,value,tangent,adjoint",
                                    "v-1,input,,x,2,1,3", "v0,input,,y,3,0,2",
                                    "v1,multiply,v-1 v0,v-1 * v0,6,3,1"]
    plain = invoke("trace", "x*y", "--at", "x=2,y=3", "--wrt", "y", "--format", "plain")
    assert plain.stdout == "2 0 3\n3 1 2\n6 2 1\n"
    latex = invoke("trace", "abs(x)*y", "--at", "x=-2,y=3", "--format", "latex").stdout
    assert r"\begin{tabular}" in latex and r"\end{tabular}" in latex
    assert r"\left|v_{-1}\right|" in latex
    assert "Abs" not in latex


def test_trace_table_shows_formulas_in_mathematical_notation():
    out = invoke("trace", "abs(x)**2", "--at", "x=-3").stdout
    assert "|v0|" in out and "v1^2" in out and "Abs" not in out


@pytest.mark.parametrize("width", [80, 60])
def test_trace_table_fits_the_width_and_never_splits_a_number(width):
    t = hod.trace("exp(sin(x)/3) * log(y + 2) / (1 + x**2 * y)", "x=0.3,y=1.7")
    out = invoke("trace", t.expression, "--at", "x=0.3,y=1.7",
                 env={"COLUMNS": str(width)}).stdout
    lines = out.splitlines()
    assert all(len(line) <= width for line in lines)
    for n in t.nodes:
        for x in (n.value, n.tangent, n.adjoint):
            whole = [number(x, d) for d in (15, 12, 10, 8)]
            assert any(re.search(rf"(^|\s){re.escape(w)}(\s|$)", line)
                       for w in whole for line in lines), (n.name, x)


def test_trace_where_the_function_is_not_defined_exits_3():
    r = invoke("trace", "log(x)", "--at", "x=-1", "--format", "plain")
    assert r.exit_code == 3
    assert "nan" in r.stdout


def test_trace_wrt_must_be_a_variable():
    r = invoke("trace", "x*y", "--at", "x=1,y=2", "--wrt", "z")
    assert r.exit_code == 2
    assert "--wrt" in r.stderr


def imports_after(args):
    return cli_imports_after(args, ('sympy', 'matplotlib'))


def test_trace_imports_neither_sympy_nor_matplotlib():
    assert imports_after(["trace", TEXTBOOK, "--at", "x1=2,x2=5"]) == "0 []"
    assert imports_after(["trace", TEXTBOOK, "--at", "x1=2,x2=5", "--format", "latex"]) \
        == "0 []"


def test_the_classroom_docstring_examples_run():
    import doctest
    import importlib

    for name in ("hod.classroom.trace", "hod.classroom.critical", "hod.classroom.linalg",
                 "hod.classroom.graph", "hod.classroom.symbolic", "hod.expr.latex",
                 "hod.classroom.plot", "hod.check.kinds"):
        result = doctest.testmod(importlib.import_module(name), extraglobs={"hod": hod})
        assert result.failed == 0, name
