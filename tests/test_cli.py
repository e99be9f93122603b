"""The ``hod`` command: every command in every format, exit codes, errors, imports.

Outputs are compared exactly for the machine formats (plain, JSON, CSV); the table's rows
and verdict are checked with a pinned width and no colour.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli_helpers import invoke, never_answers, stopped_clock
from cli_helpers import imports_after as cli_imports_after

import hod
from hod import check, render
from hod.check.hod_values import HOD_VALUES, NestedTapes
from hod.check.references import REFERENCES
from hod.cli import EXIT_CODES_HELP

SEED = "2*x**3 + 5*y**2 + 11*x*y + 5"
ROOT = Path(__file__).resolve().parents[1]
# References that provably never answer: the run's timeout must fire
SILENT = {"sympy": never_answers, "series": never_answers, "numeric": never_answers}


@pytest.fixture
def silent_references(monkeypatch):
    for name, job in SILENT.items():
        monkeypatch.setitem(REFERENCES, name, job)


@pytest.fixture
def nested_tapes_finish(monkeypatch):
    """Nested tapes never run out of time (for low orders, where they finish anyway)."""
    monkeypatch.setitem(HOD_VALUES, "nested", NestedTapes(clock=stopped_clock))


def assert_no_traceback(result):
    assert "Traceback" not in result.stdout + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


# =========================================================================================
# The seed examples
# =========================================================================================

def test_grad_of_seed_example_plain():
    r = invoke("grad", SEED, "--at", "x=5,y=2", "--format", "plain")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "172 75\n", "")


def test_hessian_of_seed_example_plain():
    r = invoke("hessian", SEED, "--at", "x=5,y=2", "--format", "plain")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "60 11\n11 10\n", "")


def test_grad_json_is_the_documented_contract():
    r = invoke("grad", SEED, "--at", "x=5,y=2", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {
        "expression": SEED,
        "variables": ["x", "y"],
        "derivative": "grad",
        "checked": True,
        "references": ["ball", "sympy"],
        "digits": None,
        "rtol": 1e-9,
        "atol": 1e-12,
        "symbolic_forms": ["6*x**2 + 11*y", "11*x + 10*y"],
        "results": [{
            "point": {"x": 5.0, "y": 2.0},
            "value": 385.0,
            "result": [172.0, 75.0],
            "symbolic": [172.0, 75.0],
            "symbolic_value": 385.0,
            "certified": True,
            "float64": None,
            "agree": True,
            "status": "ok",
            "warnings": [],
            "numeric": None,
            "numeric_error": None,
            "reference": "ball",
            "notes": [],
        }],
        "engine": "tape",
    }


def test_hessian_json_has_matrix_and_gradient():
    r = invoke("hessian", SEED, "--at", "x=5,y=2", "--format", "json")
    data = json.loads(r.stdout)
    assert r.exit_code == 0
    assert data["derivative"] == "hessian"
    assert data["symbolic_forms"] == [["12*x", "11"], ["11", "10"]]
    (entry,) = data["results"]
    assert entry["result"] == [[60.0, 11.0], [11.0, 10.0]]
    assert entry["symbolic"] == [[60.0, 11.0], [11.0, 10.0]]
    assert entry["gradient"] == [172.0, 75.0]
    assert (entry["value"], entry["agree"], entry["status"]) == (385.0, True, "ok")


def test_grad_csv_exact():
    r = invoke("grad", SEED, "--at", "x=5,y=2", "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout == textwrap.dedent("""\
        x,y,derivative,symbolic_form,tape,sympy,abs_diff,rel_diff,check,numeric,numeric_error,reference,certified,answer
        5,2,f,2*x**3 + 11*x*y + 5*y**2 + 5,385,385,0,0,agree,,,ball,385,385
        5,2,df/dx,6*x**2 + 11*y,172,172,0,0,agree,,,ball,172,172
        5,2,df/dy,11*x + 10*y,75,75,0,0,agree,,,ball,75,75
        """)


def test_hessian_csv_exact():
    r = invoke("hessian", SEED, "--at", "x=5,y=2", "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[4:] == [
        "5,2,d2f/dx2,12*x,60,60,0,0,agree,,,ball,60,60",
        "5,2,d2f/dx dy,11,11,11,0,0,agree,,,ball,11,11",
        "5,2,d2f/dy dx,11,11,11,0,0,agree,,,ball,11,11",
        "5,2,d2f/dy2,10,10,10,0,0,agree,,,ball,10,10",
    ]


def test_grad_table_shows_every_component_and_the_verdict():
    r = invoke("grad", SEED, "--at", "x=5,y=2")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == f"hod grad  {SEED}  at x = 5, y = 2"
    header = lines[1].split()
    assert header[:3] == ["derivative", "┃", "symbolic"]
    for word in ("hod", "SymPy", "abs", "rel", "check"):
        assert word in header
    rows = {line.split()[0]: [c.strip() for c in line.split("│")] for line in lines[3:6]}
    assert rows["f"] == ["f", "2*x**3 + 11*x*y + 5*y**2 + 5", "385", "385", "0", "0",
                         "✓ certified"]
    assert rows["∂f/∂x"] == ["∂f/∂x", "6*x**2 + 11*y", "172", "172", "0", "0", "✓ certified"]
    assert rows["∂f/∂y"] == ["∂f/∂y", "11*x + 10*y", "75", "75", "0", "0", "✓ certified"]
    assert lines[6] == "✓ all 3 values certified (rtol=1e-09); SymPy agrees"
    assert "\x1b[" not in r.stdout  # no colour: not a terminal, and NO_COLOR


def test_hessian_table_rows():
    r = invoke("hessian", SEED, "--at", "x=5,y=2")
    assert r.exit_code == 0
    labels = [line.split()[0] for line in r.stdout.splitlines()[3:10]]
    assert labels == ["f", "∂f/∂x", "∂f/∂y", "∂²f/∂x²", "∂²f/∂x∂y", "∂²f/∂y∂x", "∂²f/∂y²"]
    assert r.stdout.count("✓ certified") == 7
    assert "all 7 values certified (rtol=1e-09); SymPy agrees" in r.stdout


def test_table_without_check_has_no_sympy_columns():
    r = invoke("grad", "x**2", "--at", "x=3", "--no-check")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[1].split() == ["derivative", "┃", "hod"]
    assert "SymPy" not in r.stdout.splitlines()[1]
    assert r.stdout.rstrip().endswith("not checked against SymPy (--no-check)")


def test_table_in_ascii_when_the_output_cannot_show_unicode():
    report = hod.check_hessian("x*y**2", {"x": 3, "y": 1})
    import io

    buf = io.StringIO()
    render.render_table(report, buf, width=100, color=False, ascii_only=True)
    text = buf.getvalue()
    assert text.isascii()
    assert "d2f/dx dy" in text and "d2f/dy2" in text
    assert "OK: all 7 values certified (rtol=1e-09); SymPy agrees" in text
    assert "ok certified" in text


def test_table_folds_long_forms_below_a_narrow_table(nested_tapes_finish):
    r = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "5", "--at", "x=0.5",
               "--check", "sympy", env={"COLUMNS": "80"})
    assert r.exit_code == 0
    assert "d⁵f/dx⁵ = (15*sin(x)**2" in r.stdout  # the form did not fit in a column
    assert "…" not in r.stdout  # no number cut by an ellipsis
    assert max(len(line) for line in r.stdout.splitlines()) <= 80
    # to fit, numbers keep 12 significant digits and the absolute difference goes
    row = next(line for line in r.stdout.splitlines() if line.startswith("d⁵f/dx⁵ "))
    d5 = 1.188419130193  # the fifth derivative of exp(sin(x)) at 0.5
    for cell in row.split("│")[1:4]:
        assert len(cell.strip().replace(".", "")) <= 12
        assert math.isclose(float(cell), d5, rel_tol=1e-11)
    assert "abs diff" not in r.stdout and "rel diff" in r.stdout
    wide = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "5", "--at", "x=0.5",
                  "--check", "sympy", env={"COLUMNS": "100"})
    row = next(line for line in wide.stdout.splitlines() if line.startswith("d⁵f/dx⁵ "))
    assert max(len(c.strip().replace(".", "")) for c in row.split("│")[1:4]) > 12
    assert "abs diff" in wide.stdout


# =========================================================================================
# Every command in every format
# =========================================================================================

def test_diff_mixed_partial_plain_json_csv(nested_tapes_finish):
    args = ("diff", "x**3*y**2", "--wrt", "x,y,y", "--at", "x=2,y=1", "--at", "x=1,y=3")
    r = invoke(*args, "--format", "plain", "--check", "sympy")
    assert (r.exit_code, r.stdout) == (0, "24\n6\n")
    data = json.loads(invoke(*args, "--format", "json", "--check", "sympy").stdout)
    assert data["derivative"] == "diff" and data["wrt"] == ["x", "y", "y"]
    assert data["symbolic_forms"] == "6*x**2"
    assert [e["result"] for e in data["results"]] == [24.0, 6.0]
    assert [e["value"] for e in data["results"]] == [8.0, 9.0]
    assert invoke(*args, "--format", "csv", "--check", "sympy").stdout == textwrap.dedent("""\
        x,y,derivative,symbolic_form,tape,sympy,abs_diff,rel_diff,check,nested_tapes,numeric,numeric_error,reference,certified,answer
        2,1,f,x**3*y**2,8,8,0,0,agree,8,,,sympy,,8
        2,1,d3f/dx dy2,6*x**2,24,24,0,0,agree,24,,,sympy,,24
        1,3,f,x**3*y**2,9,9,0,0,agree,9,,,sympy,,9
        1,3,d3f/dx dy2,6*x**2,6,6,0,0,agree,6,,,sympy,,6
        """)
    table = invoke(*args, "--check", "sympy").stdout
    assert "∂³f/∂x∂y²" in table and table.count("all 2 values agree with SymPy") == 2


def test_diff_order_of_one_variable():
    r = invoke("diff", "sin(x)", "--order", "5", "--at", "x=0", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "1\n")
    r = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "5", "--at", "x=0.5",
               "--format", "json")
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["agree"] is True
    assert math.isclose(entry["result"], entry["symbolic"], rel_tol=1e-12)
    assert "d⁵f/dx⁵" in invoke("diff", "exp(sin(x))", "--order", "5", "--at", "x=0.5").stdout


def test_jacobian_in_every_format():
    args = ("jacobian", "x*y, x + y", "--at", "x=2,y=3")
    r = invoke(*args, "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "3 2\n1 1\n")
    data = json.loads(invoke(*args, "--format", "json").stdout)
    assert data["derivative"] == "jacobian"
    assert data["symbolic_forms"] == [["y", "x"], ["1", "1"]]
    (entry,) = data["results"]
    assert entry["value"] == [6.0, 5.0]
    assert entry["result"] == entry["symbolic"] == [[3.0, 2.0], [1.0, 1.0]]
    assert invoke(*args, "--format", "csv").stdout == textwrap.dedent("""\
        x,y,derivative,symbolic_form,tape,sympy,abs_diff,rel_diff,check,numeric,numeric_error,reference,certified,answer
        2,3,f1,x*y,6,6,0,0,agree,,,ball,6,6
        2,3,f2,x + y,5,5,0,0,agree,,,ball,5,5
        2,3,df1/dx,y,3,3,0,0,agree,,,ball,3,3
        2,3,df1/dy,x,2,2,0,0,agree,,,ball,2,2
        2,3,df2/dx,1,1,1,0,0,agree,,,ball,1,1
        2,3,df2/dy,1,1,1,0,0,agree,,,ball,1,1
        """)
    table = invoke(*args).stdout
    for label in ("f1", "f2", "∂f1/∂x", "∂f1/∂y", "∂f2/∂x", "∂f2/∂y"):
        assert f"\n{label} " in table
    assert "all 6 values certified (rtol=1e-09); SymPy agrees" in table


def test_several_points_give_one_result_each():
    r = invoke("grad", "sin(x)*y", "--at", "x=0,y=1", "--at", "x=pi/2,y=2", "--format", "plain")
    first, second = r.stdout.splitlines()
    assert (r.exit_code, first) == (0, "1 0")  # (plain prints the gradient alone)
    # at pi/2 as typed, y*cos(x) is 0 (certified; float64's cos(1.5707963267948966) is
    # about 6e-17, at the nearest double)
    assert second == "0 1"
    r = invoke("grad", "sin(x)*y", "--at", "x=pi/2,y=2", "--format", "plain", "--no-check")
    dfdx, dfdy = r.stdout.split()
    assert dfdy == "1"
    assert math.isclose(float(dfdx), 2 * math.cos(math.pi / 2), rel_tol=1e-12)
    r = invoke("hessian", "x*y", "--at", "x=0,y=1", "--at", "x=5,y=2", "--format", "plain")
    assert r.stdout == "0 1\n1 0\n\n0 1\n1 0\n"
    r = invoke("jacobian", "x*y, x + y", "--at", "x=2,y=3", "--at", "x=1,y=1", "--format",
               "plain")
    assert r.stdout == "3 2\n1 1\n\n1 1\n1 1\n"
    data = json.loads(invoke("grad", "x**2", "--at", "x=1", "--at", "x=3", "--format",
                             "json").stdout)
    assert [e["point"] for e in data["results"]] == [{"x": 1.0}, {"x": 3.0}]
    assert [e["result"] for e in data["results"]] == [[2.0], [6.0]]
    table = invoke("grad", "x**2", "--at", "x=1", "--at", "x=3").stdout
    assert "at x = 1\n" in table and "at x = 3\n" in table


@pytest.mark.parametrize("command,expr,expected", [
    ("grad", SEED, "172 75\n"),
    ("hessian", SEED, "60 11\n11 10\n"),
    ("diff", "x**3*y**2", "24\n"),
    ("jacobian", "x*y, x + y", "1 2\n1 1\n"),  # [[y, x], [1, 1]] at x=2, y=1
])
def test_expression_from_stdin(command, expr, expected):
    extra = ["--wrt", "x,y,y"] if command == "diff" else []
    point = "x=2,y=1" if command in ("diff", "jacobian") else "x=5,y=2"
    r = invoke(command, "-", "--at", point, *extra, "--format", "plain", input=expr + "\n")
    assert (r.exit_code, r.stdout) == (0, expected)


def test_vars_fixes_the_order_and_adds_absent_variables():
    r = invoke("grad", "x**2", "--vars", "y,x", "--at", "x=3,y=1", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "0 6\n")
    r = invoke("hessian", "x**2", "--vars", "x,y", "--at", "x=3,y=1", "--format", "plain")
    assert r.stdout == "2 0\n0 0\n"
    data = json.loads(invoke("grad", "x**2", "--vars", "x,y", "--at", "x=3,y=1",
                             "--format", "json").stdout)
    assert data["variables"] == ["x", "y"] and data["symbolic_forms"] == ["2*x", "0"]
    assert data["results"][0]["agree"] is True


def test_default_order_is_by_name_with_numbers_compared_as_numbers():
    r = invoke("grad", "x10 + 2*x2 + 3*b", "--at", "x10=1,x2=1,b=1", "--format", "json",
               "--no-check")
    data = json.loads(r.stdout)
    assert data["variables"] == ["b", "x2", "x10"]
    assert data["results"][0]["result"] == [3.0, 2.0, 1.0]


def test_a_constant_name_given_a_value_is_a_variable():
    r = invoke("grad", "e*x", "--at", "e=2,x=1", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "1 2\n")
    r = invoke("grad", "e*x", "--at", "x=1", "--format", "plain")
    assert r.stdout == "2.718281828459045\n"


def test_expression_may_start_with_a_minus_sign():
    r = invoke("grad", "-x**2", "--at", "x=3", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "-6\n")
    r = invoke("grad", "--at", "x=3", "-x**2", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "-6\n")
    # -h*x is an expression, not the help option
    r = invoke("grad", "-h*x", "--at", "x=1,h=2", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "-1 -2\n")
    # option values that start with a minus sign stay option values
    r = invoke("grad", "x", "--at", "x=1", "--rtol", "-1")
    assert r.exit_code == 2 and "--rtol and --atol must be non-negative" in r.stderr
    # a mistyped long option is still reported as one
    r = invoke("grad", "x", "--at", "x=1", "--tmeout", "3")
    assert r.exit_code == 2 and "No such option" in r.stderr


def test_point_values_may_be_constant_expressions():
    r = invoke("taylor", "x", "--at", "x=pi/4", "--order", "1", "--format", "plain",
               "--no-check")
    assert r.stdout == f"{math.pi / 4!r} 1\n"
    r = invoke("taylor", "x", "--at", "x=atan2(1, 2)", "--order", "1", "--format", "plain",
               "--no-check")
    value, derivative = r.stdout.split()
    assert math.isclose(float(value), math.atan2(1, 2), rel_tol=1e-15) and derivative == "1"


# =========================================================================================
# Exit codes
# =========================================================================================

def test_exit_1_when_a_value_disagrees_with_sympy():
    # 0.1*3 is 0.30000000000000004 in floating point and exactly 3/10 for SymPy
    r = invoke("grad", "0.1*3*x", "--at", "x=1", "--rtol", "0", "--atol", "0",
               "--format", "json", "--check", "sympy")
    assert r.exit_code == 1
    (entry,) = json.loads(r.stdout)["results"]
    assert (entry["agree"], entry["status"]) == (False, "disagree")
    assert entry["value"] == 0.30000000000000004 and entry["symbolic_value"] == 0.3
    table = invoke("grad", "0.1*3*x", "--at", "x=1", "--rtol", "0", "--atol", "0", "--check", "sympy")
    assert table.exit_code == 1
    assert "✗ DISAGREE" in table.stdout
    assert "✗ 2 of 2 values disagree with SymPy (rtol=0, atol=0)" in table.stdout
    assert "0.30000000000000004" in table.stdout  # every digit where values disagree
    plain = invoke("grad", "0.1*3*x", "--at", "x=1", "--rtol", "0", "--atol", "0",
                   "--format", "plain", "--check", "sympy")
    assert plain.exit_code == 1
    assert "disagree with SymPy" in plain.stderr
    # the default tolerance accepts the rounding
    assert invoke("grad", "0.1*3*x", "--at", "x=1", "--check", "sympy").exit_code == 0


@pytest.mark.parametrize("expr,point,status,message", [
    ("log(x)", "x=-1", "undefined", "not defined at this point: log(-1)"),
    ("1/x", "x=0", "undefined", "not defined at this point: 1 / 0"),
    ("sqrt(x - 2)", "x=1", "undefined", "not defined at this point: sqrt(-1)"),
    ("x**-1", "x=0", "undefined", "not defined at this point: 0 ** (-1)"),
    ("(x - 9)**0.5", "x=1", "undefined", "not defined at this point: (-8) ** 0.5"),
    ("exp(x)", "x=1000", "overflow",
     "overflow at this point: f is about 1.97e+434, too large for a 64-bit float"),
    ("sqrt(x)", "x=0", "derivative undefined",
     "derivative not defined here: df/dx = inf on the tape"),
    ("abs(x)", "x=0", "not differentiable",
     "not differentiable at this point: abs at 0; hod used abs'(0) = 0"),
    ("relu(x) + y", "x=0,y=1", "not differentiable",
     "not differentiable at this point: relu at 0; hod used relu'(0) = 0"),
    ("maximum(x, y)", "x=2,y=2", "not differentiable",
     "not differentiable at this point: maximum at (2, 2); hod's convention: at a tie the "
     "derivative goes to the first argument"),
])
def test_exit_3_where_not_defined_or_not_differentiable(expr, point, status, message):
    r = invoke("grad", expr, "--at", point, "--format", "json")
    assert r.exit_code == 3
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["status"] == status
    assert any(w.startswith(message) for w in entry["warnings"]), entry["warnings"]
    assert entry["agree"] is not False  # never reported as a disagreement
    table = invoke("grad", expr, "--at", point)
    assert table.exit_code == 3 and message in table.stdout.replace("\n", " ").replace("  ", " ")
    no_check = invoke("grad", expr, "--at", point, "--no-check", "--format", "plain")
    assert no_check.exit_code == 3 and message.split(":")[0] in no_check.stderr


def test_kink_of_a_variable_not_differentiated_is_not_flagged():
    r = invoke("diff", "abs(y) + x**2", "--wrt", "x", "--at", "x=1,y=0", "--format", "plain")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "2\n", "")


def test_non_finite_numbers_are_null_in_json_with_a_warning():
    r = invoke("grad", "1/x", "--at", "x=0", "--format", "json")
    assert r.exit_code == 3
    json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["value"] is None and entry["result"] == [None]
    assert "non-finite numbers (nan, inf) are written as null" in entry["warnings"]


def test_one_bad_point_does_not_spoil_the_others():
    r = invoke("grad", "log(x)", "--at", "x=1", "--at", "x=-1", "--format", "json")
    assert r.exit_code == 3
    good, bad = json.loads(r.stdout)["results"]
    assert (good["status"], good["agree"], good["result"]) == ("ok", True, [1.0])
    assert (bad["status"], bad["agree"]) == ("undefined", None)


def test_exit_4_when_the_symbolic_check_times_out(silent_references):
    # no reference answers: the check must give up at the deadline, not hang
    r = invoke("grad", SEED, "--at", "x=5,y=2", "--timeout", "0.2", "--format", "json", "--check", "sympy")
    assert r.exit_code == 4
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["result"] == [172.0, 75.0]  # the tape's numbers are still there
    assert (entry["symbolic"], entry["agree"], entry["status"]) == (None, None, "timeout")
    assert entry["warnings"] == ["the symbolic check timed out after 0.2 s (--timeout)"]
    table = invoke("grad", SEED, "--at", "x=5,y=2", "--timeout", "0.2", "--check", "sympy")
    assert table.exit_code == 4
    assert table.stdout.count("the symbolic check timed out after 0.2 s") == 1
    assert table.stdout.count("? timed out") == 3
    plain = invoke("grad", SEED, "--at", "x=5,y=2", "--timeout", "0.2", "--format", "plain", "--check", "sympy")
    assert (plain.exit_code, plain.stdout) == (4, "172 75\n")
    assert plain.stderr == ("hod: at x = 5, y = 2: the symbolic check timed out after 0.2 s "
                            "(--timeout): the tape's values are not checked\n")


def test_timeout_in_the_thread_worker_too(monkeypatch):
    monkeypatch.setenv("HOD_SYMBOLIC_WORKER", "thread")
    report = hod.check_gradient(SEED, {"x": 5, "y": 2}, timeout=0.2, references=SILENT, check="sympy")
    assert report.results[0].status == "timeout"
    report = hod.check_hessian(SEED, {"x": 5, "y": 2}, check="sympy")
    assert report.results[0].symbolic == [[60.0, 11.0], [11.0, 10.0]]
    assert report.results[0].agree is True


def test_every_status_has_an_exit_code():
    from hod.cli import STATUS_EXIT

    assert set(STATUS_EXIT) == set(check.STATUSES)
    assert {STATUS_EXIT[s] for s in ("ok", "unchecked")} == {0}


def test_the_lowest_nonzero_exit_code_wins():
    # one point disagrees (1), another is not defined (3)
    r = invoke("grad", "0.1*3*log(x)", "--at", "x=e", "--at", "x=-1", "--rtol", "0",
               "--atol", "0", "--format", "plain", "--check", "sympy")
    assert r.exit_code == 1


# =========================================================================================
# Errors: one line (plus the caret line for parse errors), exit 2, no traceback
# =========================================================================================

@pytest.mark.parametrize("args,message", [
    # (without --at at all, grad prints the gradient as formulas: test_classroom_formulas)
    (["grad", "x*y", "--at", "x=1"],
     "hod: error: no value for y: give every variable a value, e.g. --at x=...,y=..."),
    (["grad", "x", "--at", "x=1,z=2"], "hod: error: --at gives a value for z, which is not a "
     "variable of the expression (variables: x; add it with --vars)"),
    (["grad", "x", "--at", "x=abc"], "hod: error: --at x=abc: the value must be a finite "
     "number (or a constant expression such as pi/4)"),
    (["grad", "x", "--at", "x=nan"], "hod: error: --at x=nan: the value must be a finite "
     "number (or a constant expression such as pi/4)"),
    (["grad", "x", "--at", "5"], "hod: error: --at 5: expected NAME=VALUE pairs separated by "
     "commas, e.g. --at x=5,y=2"),
    (["grad", "x", "--at", "x=1,x=2"], "hod: error: --at x=1,x=2: x is given twice"),
    (["grad", "x+y", "--vars", "x", "--at", "x=1,y=1"],
     "hod: error: the expression uses y, which --vars does not list (--vars x)"),
    (["grad", "x", "--vars", "x,1y", "--at", "x=1"], "hod: error: --vars: '1y' is not a "
     "variable name (letters, digits and _, not starting with a digit)"),
    (["diff", "x*y", "--at", "x=1,y=1"], "hod: error: diff needs --wrt to say which "
     "variables to differentiate by (variables: x, y)"),
    (["diff", "x*y", "--wrt", "x,z", "--at", "x=1,y=1"], "hod: error: --wrt z: z is not a "
     "variable of the expression (variables: x, y; add it with --vars)"),
    (["diff", "x*y", "--wrt", "x,y", "--order", "2", "--at", "x=1,y=1"],
     "hod: error: --order repeats one variable: use --wrt x --order 5, or list each "
     "differentiation (--wrt x,y,y)"),
    (["diff", "x", "--order", "0", "--at", "x=1"], "hod: error: --order must be at least 1"),
    (["diff", "x", "--order", "1001", "--at", "x=1"], "hod: error: --order 1001: hod computes "
     "derivatives up to order 1000"),
    (["diff", "x", "--order", "-3", "--at", "x=1"], "hod: error: --order must be at least 1"),
    (["diff", "x*y*z", "--wrt", ",".join(["x"] * 20 + ["y"] * 20 + ["z"] * 20), "--at",
      "x=1,y=1,z=1"], "hod: error: the mixed partial of orders x 20, y 20, z 20 is too large "
     "to compute quickly (17,512,551 interpolation terms, more than 2,000,000): lower the "
     "orders"),
    (["grad", "x", "--at", "x=1", "--timeout", "0"],
     "hod: error: --timeout must be a positive number of seconds"),
    (["grad", "x", "--at", "x=1", "--rtol", "-1"],
     "hod: error: --rtol and --atol must be non-negative numbers"),
])
def test_usage_errors_are_one_line_with_exit_2(args, message):
    r = invoke(*args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr == message + "\n"
    assert_no_traceback(r)


@pytest.mark.parametrize("expr,column", [("sinn(x)", 0), ("2x", 1), ("(x", 0), ("x $ y", 2)])
def test_parse_errors_show_the_expression_and_a_caret(expr, column):
    r = invoke("grad", expr, "--at", "x=1,y=1")
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("hod: error: ")
    assert lines[1] == f"  {expr}"
    assert lines[2] == "  " + " " * column + "^"
    assert_no_traceback(r)


def test_unknown_function_suggests_the_closest_name():
    r = invoke("grad", "sinn(x)", "--at", "x=1")
    assert "did you mean 'sin'?" in r.stderr.splitlines()[0]


def test_jacobian_parse_error_from_stdin():
    r = invoke("jacobian", "-", "--at", "x=1", input="x*y, (x\n")
    assert r.exit_code == 2 and len(r.stderr.splitlines()) == 3


def test_bad_option_values_are_usage_errors():
    for args in (["grad", "x", "--format", "yaml"], ["grad", "x", "--rtol", "abc"],
                 ["diff", "x", "--order", "two"], ["nosuchcommand"]):
        r = invoke(*args)
        assert r.exit_code == 2, args
        assert_no_traceback(r)


def _hostile_inputs():
    try:
        from tests.test_hostile import HOSTILE
    except ImportError:
        try:
            sys.path.insert(0, str(ROOT / "tests"))
            from test_hostile import HOSTILE  # noqa: F811
        except ImportError:
            return None
        finally:
            sys.path.pop(0)
    return list(HOSTILE)


_HOSTILE = _hostile_inputs()


@pytest.mark.skipif(_HOSTILE is None, reason="tests/test_hostile.py (HOSTILE) is not there yet")
def test_hostile_expressions_through_the_command():
    for item in _HOSTILE:
        text = item[0] if isinstance(item, tuple) else item
        r = invoke("grad", text, "--at", "x=1")
        assert r.exit_code == 2, (text, r.stdout, r.stderr)
        assert_no_traceback(r)
        assert r.stdout == ""
        lines = r.stderr.splitlines()
        assert lines[0].startswith("hod: error: ") and len(lines) <= 3, (text, r.stderr)
        assert len(r.stderr) < 600, (text, r.stderr)


def test_internal_errors_are_one_line_without_traceback(monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(check, "gradient", broken)
    r = invoke("grad", "x", "--at", "x=1")
    assert r.exit_code == 70
    assert r.stderr == ("hod: error: internal error: ZeroDivisionError: boom (please report "
                        "it; HOD_DEBUG=1 shows the traceback)\n")


# =========================================================================================
# Version, help, imports, the Python API
# =========================================================================================

def test_interrupt_is_one_line_with_exit_130(monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(check, "hessian", interrupted)
    r = invoke("hessian", "x", "--at", "x=1")
    assert (r.exit_code, r.stderr) == (130, "hod: error: interrupted\n")


def test_version():
    r = invoke("--version")
    assert (r.exit_code, r.stdout) == (0, f"hod, version {hod.__version__}\n")


@pytest.mark.parametrize("command", ["grad", "hessian", "diff", "jacobian", "taylor"])
def test_help_lists_the_exit_codes(command):
    r = invoke(command, "--help")
    assert r.exit_code == 0
    for line in ("0   computed, and every value is certified or agrees with SymPy or",
                 "1   a value disagrees with SymPy or the numeric check (with",
                 "2   usage or parse error",
                 "4   no check finished: neither the certified engine nor SymPy gave a"):
        assert line in r.stdout
    assert "Exit codes:" in EXIT_CODES_HELP


def _imports_after(args):
    return cli_imports_after(args, ('sympy', 'rich', 'mpmath'))


def test_no_check_does_not_import_sympy_and_plain_does_not_import_rich():
    assert _imports_after(["grad", SEED, "--at", "x=5,y=2", "--no-check", "--format",
                           "plain"]) == "0 []"
    assert _imports_after(["hessian", SEED, "--at", "x=5,y=2", "--no-check", "--format",
                           "json"]) == "0 []"
    assert _imports_after(["grad", SEED, "--at", "x=5,y=2", "--no-check"]) == "0 ['rich']"


def test_importing_hod_imports_neither_sympy_nor_rich():
    code = ("import sys, hod; print(sorted(m for m in ('sympy', 'rich', 'mpmath', 'click') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_python_api_does_what_the_command_does():
    report = hod.check_gradient(SEED, "x=5,y=2")
    assert isinstance(report, hod.Report)
    assert report.ok and report.results[0].result == [172.0, 75.0]
    assert hod.check_hessian(SEED, {"x": 5, "y": 2}, check=False).results[0].result == [
        [60.0, 11.0], [11.0, 10.0]]
    assert hod.check_diff("x**3*y**2", ["x", "y", "y"], [{"x": 2, "y": 1}]).results[0].result \
        == 24.0
    assert hod.check_jacobian(["x*y", "x + y"], {"x": 2, "y": 3}).results[0].result == [
        [3.0, 2.0], [1.0, 1.0]]
    assert report.to_dict() == json.loads(invoke("grad", SEED, "--at", "x=5,y=2", "--format",
                                                 "json").stdout)
    with pytest.raises(hod.UsageError):
        hod.check_gradient("x", {})


def test_graph_input_for_the_python_api():
    from hod.expr.graph import var

    x, y = var("x"), var("y")
    report = hod.check_gradient(x * x * y, {"x": 3, "y": 2})
    assert report.expression == "x * x * y"
    assert report.results[0].result == [12.0, 9.0]
    assert report.results[0].agree is True


def test_fork_worker_leaves_no_child_processes():
    hod.check_gradient(SEED, {"x": 5, "y": 2}, timeout=0.2, references=SILENT)  # killed
    hod.check_gradient(SEED, {"x": 5, "y": 2})  # SymPy answered
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


@pytest.mark.parametrize("call,param,message", [
    (lambda: hod.check_gradient("x", {"x": 1, "z": 2}), "points",
     "points gives a value for z, which is not a variable of the expression (variables: x; "
     "add it with variables)"),
    (lambda: hod.check_gradient("x", {}), "points",
     'no value for x: give every variable a value, e.g. points="x=..."'),
    (lambda: hod.check_diff("x*y", ["x", "y"], {"x": 1, "y": 1}, order=2), "order",
     'order repeats one variable: use wrt="x" order=5, or list each differentiation '
     '(wrt="x,y,y")'),
    (lambda: hod.check_taylor("x", {"x": 1}, order=5000), "order",
     "order=5000: hod computes derivatives up to order 1000"),
    (lambda: hod.check_gradient("x+y", {"x": 1, "y": 1}, variables="x"), "variables",
     'the expression uses y, which variables does not list (variables="x")'),
    (lambda: hod.check_gradient("x", {"x": 1}, timeout=0), "timeout",
     "timeout must be a positive number of seconds"),
])
def test_library_errors_name_the_library_arguments(call, param, message):
    # the command line spells the same errors with its flags (see the usage errors above)
    with pytest.raises(hod.UsageError) as info:
        call()
    assert (info.value.param, str(info.value)) == (param, message)


def test_every_kind_is_a_command():
    from hod.check import KINDS
    from hod.cli import VIEWS, main

    assert set(KINDS) == set(main.commands) - set(VIEWS)
    for kind in KINDS.values():
        assert kind.engine in HOD_VALUES and kind.symbolic in REFERENCES
