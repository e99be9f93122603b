"""Tables readable at 80 and 60 columns: no number is ever split across lines.  Columns go
first (abs diff, rel diff, float64), then digits (down to 10), then each component is stacked
as lines; every view fits too."""

from __future__ import annotations

import json
import math
import re

import pytest

from cli_helpers import invoke

CASES = [
    ("grad", "2*x**3 + 5*y**2", "--at", "x=5,y=2"),
    ("grad", "exp(sin(x1))*log(x2) + x3/7", "--at", "x1=0.3,x2=1.7,x3=2.9"),
    ("hessian", "sin(x)*exp(y) + x**2*y", "--at", "x=0.3,y=-1.2"),
    ("hessian", "2*x**3 + 5*y**2 + 11*x*y + 5", "--at", "x=5,y=2"),
    ("diff", "exp(x*y)", "--wrt", ",".join(["x"] * 10 + ["y"] * 10), "--at", "x=0.5,y=0.5"),
    ("diff", "exp(sin(x))", "--wrt", "x", "--order", "7", "--at", "x=0.5"),
    ("taylor", "exp(sin(x))", "--at", "x=0.5", "--order", "6"),
]


def numbers(x):
    """The finite numbers in a JSON value (nested lists), floats only."""
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return []
    if isinstance(x, (int, float)):
        return [float(x)] if math.isfinite(x) else []
    if isinstance(x, list):
        return [v for item in x for v in numbers(item)]
    return []


def tokens(text):
    out = []
    for t in re.split(r"[\s│┃|,:=()]+", text):
        try:
            out.append(float(t))
        except ValueError:
            pass
    return out


@pytest.mark.parametrize("columns", [60, 80])
@pytest.mark.parametrize("check", ["ball", "sympy"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: c[0] + " " + c[1])
def test_every_number_of_the_json_is_whole_in_the_table(case, check, columns):
    env = {"COLUMNS": str(columns)}
    table = invoke(*case, "--check", check, "--timeout", "20", env=env)
    data = json.loads(invoke(*case, "--check", check, "--timeout", "20",
                             "--format", "json", env=env).stdout)
    lines = table.stdout.splitlines()
    assert all(len(line.rstrip()) <= columns for line in lines), table.stdout
    shown = tokens(table.stdout)
    for r in data["results"]:
        for key in ("value", "gradient", "result", "eigenvalues"):
            for v in numbers(r.get(key)):
                # 10 significant digits at least, all of them on one line
                assert any(math.isclose(v, t, rel_tol=1e-9, abs_tol=1e-300) for t in shown), \
                    f"{v} ({key}) is not whole in\n{table.stdout}"


def test_hod_and_sympy_columns_show_the_same_digits():
    r = invoke("hessian", "sin(x)*exp(y) + x**2*y", "--at", "x=0.3,y=-1.2", "--check",
               "sympy", "--timeout", "20", env={"COLUMNS": "60"})
    rows = [line.split("│") for line in r.stdout.splitlines() if line.count("│") >= 3]
    assert rows
    for cells in rows:
        assert cells[1].strip() == cells[2].strip()


def test_very_narrow_tables_stack_each_component_as_lines():
    r = invoke("hessian", "sin(x)*exp(y) + x**2*y", "--at", "x=0.3,y=-1.2", "--check",
               "sympy", "--timeout", "20", env={"COLUMNS": "40"})
    out = r.stdout
    assert "\n∂²f/∂x∂y\n  hod:      0.887741820953157\n" in out
    assert "  SymPy:    0.887741820953157\n" in out
    assert "  check:    ✓ agree\n" in out
    assert all(len(line.rstrip()) <= 40 for line in out.splitlines())


@pytest.mark.parametrize("columns", ["60", "80"])
@pytest.mark.parametrize("args", [
    ("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5"),
    ("graph", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5"),
    ("critical", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", "--box", "x=-5:5,y=-5:5"),
    ("critical", "x**2 - y**2", "--near", "x=0.5,y=0.2", "--steps"),
    ("plot", "sin(x)*exp(-x/3)", "--range", "x=-3:6", "--orders", "0,1,2", "--at", "x=1",
     "--taylor", "3"),
], ids=lambda a: a[0] if isinstance(a, tuple) else a)
def test_views_fit_the_terminal(args, columns):
    r = invoke(*args, env={"COLUMNS": columns})
    assert r.exit_code in (0, 1)
    assert all(len(line.rstrip()) <= int(columns) for line in r.stdout.splitlines()), r.stdout
