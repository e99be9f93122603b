"""Formulas without a point (grad, hessian, diff with no --at), and --format latex on every
command."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli_helpers import invoke
from cli_helpers import imports_after as cli_imports_after

import hod

ROOT = Path(__file__).resolve().parents[1]
SEED = "2*x**3 + 5*y**2 + 11*x*y + 5"


def test_diff_without_a_point_prints_the_simplified_symbolic_derivative():
    r = invoke("diff", "sin(x)*exp(x)", "--wrt", "x", "--order", "10")
    assert r.exit_code == 0
    assert "d10f/dx10 = 32*exp(x)*cos(x)" in r.stdout
    assert invoke("diff", "sin(x)*exp(x)", "--wrt", "x", "--order", "10", "--format",
                  "plain").stdout == "32*exp(x)*cos(x)\n"


def test_grad_and_hessian_without_a_point_print_formulas():
    grad = json.loads(invoke("grad", SEED, "--format", "json").stdout)
    assert grad["symbolic"] == ["6*x**2 + 11*y", "11*x + 10*y"]
    assert grad["labels"] == ["df/dx", "df/dy"]
    hess = json.loads(invoke("hessian", SEED, "--format", "json").stdout)
    assert hess["symbolic"] == [["12*x", "11"], ["11", "10"]]


def test_formulas_show_abs_as_bars():
    out = invoke("diff", "abs(x)*x**2", "--wrt", "x").stdout
    assert "Abs" not in out and "|x|" in out


def test_python_api_for_formulas():
    assert hod.symbolic_derivative("x**3*y**2", ["x", "y", "y"]).entries[0].text == "6*x**2"
    assert [e.text for e in hod.symbolic_gradient("x*y").entries] == ["y", "x"]


@pytest.mark.parametrize("args", [
    ["grad", SEED, "--at", "x=5,y=2"],
    ["hessian", SEED, "--at", "x=5,y=2"],
    ["diff", "x**3*y**2", "--wrt", "x,y,y", "--at", "x=2,y=1"],
    ["jacobian", "x*y, x + y", "--at", "x=2,y=3"],
    ["taylor", "exp(x)", "--at", "x=0", "--order", "3"],
    ["hessian", SEED],
    ["trace", SEED, "--at", "x=5,y=2"],
    ["graph", SEED, "--at", "x=5,y=2"],
    ["critical", "x**2 - y**2", "--near", "x=1,y=1"],
])
def test_every_command_has_a_latex_format(args):
    r = invoke(*args, "--format", "latex")
    assert r.exit_code == 0
    out = r.stdout
    assert out.lstrip().startswith("%")
    # balanced braces and math shifts: a fragment that can be pasted into a document
    body = out.replace(r"\{", "").replace(r"\}", "").replace(r"\$", "")
    assert body.count("{") == body.count("}")
    assert body.count("$") % 2 == 0
    assert body.count(r"\begin{") == body.count(r"\end{")


def test_latex_of_a_checked_report_has_symbols_forms_values_and_the_verdict():
    out = invoke("hessian", SEED, "--at", "x=5,y=2", "--format", "latex").stdout
    assert r"$\frac{\partial^{2} f}{\partial x \partial y}$ & $11$ & $11$ & $11$ & agree" in out
    assert r"$\frac{\partial f}{\partial x}$ & $6 x^{2} + 11 y$ & $172$" in out
    assert "all 7 values certified (rtol=1e-09); SymPy agrees" in out


def imports_after(args):
    return cli_imports_after(args, ('sympy', 'matplotlib'))


def test_views_import_neither_sympy_nor_matplotlib():
    assert imports_after(["graph", SEED, "--at", "x=5,y=2", "--format", "dot"]) == "0 []"
    assert imports_after(["critical", "x**2 - y**2", "--box", "x=-1:1,y=-1:1"]) == "0 []"
    assert imports_after(["grad", SEED, "--at", "x=5,y=2", "--no-check", "--format",
                          "latex"]) == "0 []"


def test_taylor_polynomial_writes_each_coefficient_as_the_coefficient_list_does():
    r = hod.check_taylor("tan(x)", {"x": 0}, order=15).results[0]
    assert r.forms[15] == "929569/638512875"
    assert r.polynomial.endswith("+ 929569*x**15/638512875")
