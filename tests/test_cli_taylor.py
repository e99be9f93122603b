"""Taylor mode on the command line: ``hod diff`` at any order and ``hod taylor``.

``hod diff`` computes by Taylor mode, shows nested tapes beside it while they are affordable,
and checks against SymPy or, where SymPy does not finish, the numeric derivative (mpmath).
``hod taylor`` prints Taylor coefficients and the polynomial, checked against SymPy's series.
Outputs are compared exactly for the machine formats.
"""

from __future__ import annotations

import functools
import json
import math
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mpmath
import numpy as np
import pytest

from cli_helpers import GrowingClock, fails, invoke, never_answers, stopped_clock

import hod
from hod import cli, render
from hod.check import numeric
from hod.check.hod_values import HOD_VALUES, Nested, NestedTapes, nested_projection
from hod.check.references import REFERENCES, numeric_job, sympy_projection
from hod.text import fmt_duration, polynomial_text
from hod.expr import graph, parser, printer

ROOT = Path(__file__).resolve().parents[1]


def one_result(r):
    (entry,) = json.loads(r.stdout)["results"]
    return entry


@pytest.fixture(scope="module")
def reference_100():
    """The 100th derivative of exp(sin(x)) at 0.5 by mpmath, with 50 digits."""
    with mpmath.workdps(50):
        return mpmath.diff(lambda x: mpmath.exp(mpmath.sin(x)), mpmath.mpf("0.5"), 100)


@pytest.fixture
def nested_tapes_finish(monkeypatch):
    """Nested tapes never run out of time (for low orders, where they finish anyway)."""
    monkeypatch.setitem(HOD_VALUES, "nested", NestedTapes(clock=stopped_clock))


@pytest.fixture
def nested_tapes_triple(monkeypatch):
    """Each differentiation of nested tapes seems to take three times the one before."""
    monkeypatch.setitem(HOD_VALUES, "nested", NestedTapes(clock=GrowingClock()))


def precomputed(root, point, orders):
    """A numeric reference answering at once: the real numeric derivative's estimates of the
    ``orders`` derivatives in x, computed beforehand; any other order never answers."""
    known = {n: numeric.derivative(root, point, {"x": n}) for n in orders}

    def derivative(root, point, wrt, dps=40):
        n = sum(wrt.values())
        if n not in known:
            time.sleep(3600)  # a forked child is killed, a thread abandoned, at the deadline
        return known[n]

    return functools.partial(numeric_job, derivative=derivative)


# =========================================================================================
# hod diff: any order, by Taylor mode
# =========================================================================================

def test_diff_of_order_100_matches_a_50_digit_reference(reference_100):
    r = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "100", "--at", "x=0.5",
               "--no-check", "--format", "plain")
    assert r.exit_code == 0 and r.stderr == ""
    value = float(r.stdout)
    assert abs(value - reference_100) <= 1e-13 * abs(reference_100)


def test_diff_of_order_100_is_checked_by_the_numeric_derivative(reference_100,
                                                                nested_tapes_triple):
    # SymPy cannot finish the 100th derivative: it is stopped, and mpmath checks instead
    r = invoke("diff", "exp(sin(x))", "--order", "100", "--at", "x=0.5", "--format", "json", "--check", "sympy")
    assert r.exit_code == 0
    entry = one_result(r)
    assert (entry["status"], entry["agree"], entry["reference"]) == ("ok", True, "numeric")
    assert entry["symbolic"] is None and entry["nested_tapes"] is None
    assert abs(entry["numeric"] - reference_100) <= 1e-14 * abs(reference_100)
    assert 0 < entry["numeric_error"] < 1e-30 * abs(entry["numeric"])
    assert abs(entry["result"] - reference_100) <= 1e-13 * abs(reference_100)
    notes = " | ".join(entry["notes"])
    assert "checked by the numeric derivative instead" in notes
    assert "nested tapes: skipped, estimated" in notes and "at order 100 (budget 1 s)" in notes


def test_diff_table_shows_nested_tapes_beside_taylor_mode_at_low_order(nested_tapes_finish):
    r = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "5", "--at", "x=0.5", "--check", "sympy")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    header = [h.strip() for h in lines[1].split("┃")]
    assert header == ["derivative", "Taylor mode", "nested tapes", "SymPy", "abs diff",
                      "rel diff", "check"]
    row = [c.strip() for c in lines[4].split("│")]
    assert row[0] == "d⁵f/dx⁵"
    with mpmath.workdps(30):
        want = float(mpmath.diff(lambda x: mpmath.exp(mpmath.sin(x)), mpmath.mpf("0.5"), 5, check="sympy"))
    for cell in row[1:4]:  # at most 15 significant digits each
        assert len(cell.replace(".", "").lstrip("0")) <= 15
        assert math.isclose(float(cell), want, rel_tol=1e-13)
    assert row[-1] == "✓ agree"
    assert "all 2 values agree with SymPy" in r.stdout
    assert "skipped" not in r.stdout


def test_diff_table_says_nested_tapes_were_skipped_and_why_at_high_order(nested_tapes_triple):
    r = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "20", "--at", "x=0.5", "--check", "sympy")
    assert r.exit_code == 0, r.stdout
    header = [h.strip() for h in r.stdout.splitlines()[1].split("┃") if h.strip() != "symbolic"]
    assert header[:2] == ["derivative", "Taylor mode"], r.stdout
    assert header[-3:] == ["abs diff", "rel diff", "check"], r.stdout
    assert "nested tapes" not in header, r.stdout
    text = " ".join(r.stdout.split())
    assert "nested tapes: skipped, estimated" in text and "at order 20 (budget 1 s)" in text
    # the estimate is beyond the budget (each step three times the one before)
    number, unit = text.split("nested tapes: skipped, estimated ")[1].split(" at order")[0] \
        .split()
    seconds = {"ms": 1e-3, "s": 1, "min": 60, "h": 3600, "days": 86400, "years": 3e7}[unit]
    assert float(number.replace(",", "")) * seconds > 1, r.stdout


def test_diff_json_and_csv_carry_every_method(nested_tapes_finish):
    args = ("diff", "exp(sin(x))", "--order", "3", "--at", "x=0.5")
    entry = one_result(invoke(*args, "--format", "json", "--check", "sympy"))
    assert entry["reference"] == "sympy" and entry["agree"] is True
    assert math.isclose(entry["nested_tapes"], entry["result"], rel_tol=1e-12)
    assert math.isclose(entry["symbolic"], entry["result"], rel_tol=1e-12)
    assert (entry["numeric"], entry["numeric_error"]) == (None, None)
    rows = invoke(*args, "--format", "csv", "--check", "sympy").stdout.splitlines()
    assert rows[0] == ("x,derivative,symbolic_form,tape,sympy,abs_diff,rel_diff,check,"
                       "nested_tapes,numeric,numeric_error,reference,certified,answer")
    assert rows[2].startswith("0.5,d3f/dx3,")
    assert rows[2].split(",")[-7:-5] == ["agree", repr(entry["nested_tapes"])]


@pytest.mark.parametrize("expr,point", [
    ("1/(1 + x**2)", "x=0.5"), ("tanh(x)", "x=0.5"), ("log(1 + x)", "x=0.5"),
    ("sqrt(1 + x)", "x=0.5"), ("x**x", "x=1.25"), ("atan(x)*exp(-x)", "x=0.3"),
])
def test_diff_taylor_mode_nested_tapes_and_sympy_agree(expr, point, nested_tapes_finish):
    r = invoke("diff", expr, "--order", "6", "--at", point, "--format", "json", "--check", "sympy")
    assert r.exit_code == 0, r.stdout
    entry = one_result(r)
    assert entry["agree"] is True and entry["reference"] == "sympy"
    assert math.isclose(entry["nested_tapes"], entry["symbolic"], rel_tol=1e-9)


def test_mixed_partial_of_high_order_by_taylor_mode():
    # d^12 / dx^6 dy^6 of exp(x*y) at (0, 0) is (6!)^2 / 6! = 720 * ... exactly 6!^2/... :
    # exp(xy) = sum (xy)^k / k!, so the coefficient of x^6 y^6 is 1/6!, the partial 6! 6! / 6!
    r = invoke("diff", "exp(x*y)", "--wrt", ",".join(["x"] * 6 + ["y"] * 6), "--at",
               "x=0,y=0", "--format", "plain")
    assert (r.exit_code, r.stderr) == (0, "")
    assert math.isclose(float(r.stdout), math.factorial(6), rel_tol=1e-10)


def test_the_old_order_limit_is_gone_and_the_new_one_is_documented():
    r = invoke("diff", "sin(x)", "--order", "1000", "--at", "x=0", "--no-check", "--format",
               "plain")
    assert (r.exit_code, r.stdout) == (0, "0\n")  # sin^(1000) = sin
    r = invoke("diff", "x", "--order", "1001", "--at", "x=1")
    assert (r.exit_code, r.stderr) == (
        2, "hod: error: --order 1001: hod computes derivatives up to order 1000\n")


def test_a_derivative_too_large_for_a_float_is_an_overflow_with_its_size():
    r = invoke("diff", "exp(sin(x))", "--order", "300", "--at", "x=0.5", "--no-check",
               "--format", "plain")
    assert r.exit_code == 3
    assert r.stdout == "-inf\n"
    assert ("overflow at this point: d300f/dx300 is about -1.40e+432, too large for a "
            "64-bit float") in r.stderr
    with mpmath.workdps(30):  # the size hod gives is right: exp of the series of sin
        s = [mpmath.sin(mpmath.mpf("0.5") + k * mpmath.pi / 2) / mpmath.factorial(k)
             for k in range(301)]
        e = [mpmath.exp(s[0])]
        for k in range(1, 301):
            e.append(mpmath.fsum(j * s[j] * e[k - j] for j in range(1, k + 1)) / k)
        assert mpmath.nstr(e[300] * mpmath.factorial(300), 3) == "-1.4e+432"


def test_a_coefficient_that_underflows_is_rescued():
    r = invoke("diff", "exp(2*x)", "--order", "200", "--at", "x=0", "--no-check", "--format",
               "plain")
    assert r.exit_code == 0
    assert math.isclose(float(r.stdout), 2.0 ** 200, rel_tol=1e-12)


def test_kinks_found_by_taylor_mode_are_not_differentiable_points():
    r = invoke("diff", "abs(x)", "--order", "2", "--at", "x=0", "--format", "json")
    assert r.exit_code == 3
    entry = one_result(r)
    assert entry["status"] == "not differentiable" and entry["agree"] is None
    assert entry["warnings"] == ["not differentiable at this point: abs at 0; hod used abs'(0) "
                                 "= 0"]
    r = invoke("diff", "relu(x)*y", "--wrt", "x,x,x", "--at", "x=0,y=2", "--no-check",
               "--format", "plain")
    assert r.exit_code == 3 and "relu at 0" in r.stderr


def test_kink_from_taylor_mode_alone_is_flagged():
    # only Taylor mode reports this kink (the evaluation's are dropped): it still becomes the
    # "not differentiable" flag, with the convention used
    def taylor_kinks_only(task, point, depends):
        hp = HOD_VALUES["taylor"](task, point, depends)
        hp.kinks = []
        return hp

    report = hod.check_diff("abs(x)", "x", {"x": 0}, order=1, check=False,
                            hod_values={"taylor": taylor_kinks_only})
    (res,) = report.results
    assert res.status == "not differentiable"
    assert res.warnings == ["not differentiable at this point: abs; hod used abs'(0) = 0"]


# =========================================================================================
# The checks: two independent methods, within the budget
# =========================================================================================

def test_numeric_check_when_sympy_fails(monkeypatch, nested_tapes_finish):
    monkeypatch.setitem(REFERENCES, "sympy", fails)
    r = invoke("diff", "exp(sin(x))", "--order", "4", "--at", "x=0.5", "--format", "json", "--check", "sympy")
    assert r.exit_code == 0
    entry = one_result(r)
    assert (entry["reference"], entry["agree"], entry["symbolic"]) == ("numeric", True, None)
    assert entry["notes"][0] == ("symbolic check failed: SymPy failed: RuntimeError: no SymPy "
                                 "today; checked by the numeric derivative instead")
    assert entry["notes"][1].startswith("numeric: central differences of values of f computed "
                                        "by mpmath at 40 digits; estimated relative error up to")
    table = invoke("diff", "exp(sin(x))", "--order", "4", "--at", "x=0.5", "--check", "sympy")
    header = [h.strip() for h in table.stdout.splitlines()[1].split("┃")]
    assert header == ["derivative", "Taylor mode", "nested tapes", "numeric", "abs diff",
                      "rel diff", "check"]
    assert "all 2 values agree with the numeric derivative" in table.stdout


def test_numeric_check_when_sympy_times_out(monkeypatch):
    # SymPy never answers; the numeric derivative answers at once (its estimates computed
    # beforehand), so the outcome does not depend on how fast the machine is
    f = parser.parse("exp(sin(x))")
    monkeypatch.setitem(REFERENCES, "series", never_answers)
    monkeypatch.setitem(REFERENCES, "numeric", precomputed(f, {"x": 0.5}, range(5)))
    r = invoke("taylor", "exp(sin(x))", "--at", "x=0.5", "--order", "4", "--timeout", "1.5",
               "--format", "json", "--check", "sympy")
    assert r.exit_code == 0
    entry = one_result(r)
    assert (entry["reference"], entry["agree"], entry["symbolic"]) == ("numeric", True, None)
    assert entry["notes"][0] == ("the symbolic check timed out after 1.5 s (--timeout); checked "
                                 "by the numeric derivative instead")
    for got, want, err in zip(entry["result"], entry["numeric"], entry["numeric_error"]):
        assert math.isclose(got, want, rel_tol=1e-12) and err < 1e-30


def test_numeric_check_in_a_thread_too(monkeypatch):
    monkeypatch.setenv("HOD_SYMBOLIC_WORKER", "thread")
    report = hod.check_taylor("log(1 + x)", {"x": 0.5}, order=3, references={"series": fails}, check="sympy")
    (res,) = report.results
    assert (res.reference, res.agree) == ("numeric", True)
    want = [math.log(1.5), 1 / 1.5, -1 / (2 * 1.5 ** 2), 1 / (3 * 1.5 ** 3)]
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(res.numeric, want))


def test_values_the_numeric_check_did_not_reach_are_reported_unchecked():
    # the numeric check sends each coefficient as soon as it is done; the first three come
    # at once and the fourth never: at the deadline the first three are checked, the rest not
    numeric_first_three = precomputed(parser.parse("exp(x)"), {"x": 0.0}, range(3))
    report = hod.check_taylor("exp(x)", {"x": 0}, order=5, timeout=2,
                              references={"series": fails, "numeric": numeric_first_three}, check="sympy")
    assert cli.exit_code(report) == 4
    entry = report.to_dict()["results"][0]
    assert entry["status"] == "timeout" and entry["agree"] is None
    assert entry["numeric"][:3] == [1.0, 1.0, 0.5] and entry["numeric"][3:] == [None] * 3
    csv_rows = render.render_csv(report).splitlines()
    assert [row.split(",")[7] for row in csv_rows[1:]] == ["agree"] * 3 + ["timeout"] * 3
    assert render.verdict(report, report.results[0])[1] == (
        "symbolic check failed: SymPy failed: RuntimeError: no SymPy today: 3 of 6 "
        "coefficients are not checked")


def test_exit_4_when_no_check_finishes(monkeypatch, reference_100):
    monkeypatch.setitem(REFERENCES, "sympy", never_answers)
    monkeypatch.setitem(REFERENCES, "numeric", never_answers)
    r = invoke("diff", "exp(sin(x))", "--order", "100", "--at", "x=0.5", "--timeout", "0.2",
               "--format", "plain", "--check", "sympy")
    assert r.exit_code == 4
    assert abs(float(r.stdout) - reference_100) < 1e-13 * abs(reference_100)
    assert "the symbolic check timed out after 0.2 s (--timeout): Taylor mode's values are " \
           "not checked" in r.stderr


def test_a_wrong_taylor_mode_value_is_caught_by_the_numeric_check(monkeypatch):
    real = HOD_VALUES["taylor"]

    def wrong(task, point, depends):
        hp = real(task, point, depends)
        hp.result = 1.0
        return hp

    monkeypatch.setitem(HOD_VALUES, "taylor", wrong)
    monkeypatch.setitem(REFERENCES, "sympy", fails)
    r = invoke("diff", "exp(sin(x))", "--order", "3", "--at", "x=0.5", "--format", "plain", "--check", "sympy")
    assert r.exit_code == 1
    assert "1 of 2 values disagree with the numeric derivative" in r.stderr


def test_nested_tapes_that_disagree_are_a_disagreement(monkeypatch):
    monkeypatch.setitem(HOD_VALUES, "nested",
                        lambda task, timeout: [Nested(123.0, None, None) for _ in task.points])
    r = invoke("diff", "x**3", "--order", "2", "--at", "x=1", "--format", "json", "--check", "sympy")
    assert r.exit_code == 1
    entry = one_result(r)
    assert entry["status"] == "disagree" and entry["agree"] is False
    assert "nested tapes give 123 for d2f/dx2, which disagrees with SymPy (6)" in \
        entry["warnings"]


def test_no_check_imports_neither_sympy_nor_mpmath_nor_rich():
    from cli_helpers import imports_after

    diff = ["diff", "exp(sin(x))", "--wrt", "x", "--order", "100", "--at", "x=0.5",
            "--no-check"]
    assert imports_after(diff + ["--format", "plain"]) == "0 []"
    assert imports_after(diff + ["--format", "json"]) == "0 []"
    assert imports_after(diff) == "0 ['rich']"
    taylor = ["taylor", "exp(sin(x))", "--at", "x=0.5", "--order", "50", "--no-check"]
    assert imports_after(taylor + ["--format", "csv"]) == "0 []"


# =========================================================================================
# hod taylor
# =========================================================================================

def test_taylor_json_is_the_documented_contract():
    r = invoke("taylor", "exp(x)", "--at", "x=0", "--order", "3", "--format", "json")
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {
        "expression": "exp(x)",
        "variables": ["x"],
        "derivative": "taylor",
        "wrt": ["x"],
        "order": 3,
        "checked": True,
        "references": ["ball", "sympy"],
        "digits": None,
        "rtol": 1e-9,
        "atol": 1e-12,
        "symbolic_forms": None,
        "engine": "taylor",
        "results": [{
            "point": {"x": 0.0},
            "value": 1.0,
            "result": [1.0, 1.0, 0.5, 1 / 6],
            "symbolic": [1.0, 1.0, 0.5, 1 / 6],
            "symbolic_value": 1.0,
            "symbolic_forms": ["1", "1", "1/2", "1/6"],
            "polynomial": "1 + x + x**2/2 + x**3/6",
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
    }


def test_taylor_plain_with_several_points():
    r = invoke("taylor", "1/(1 - x)", "--at", "x=0", "--at", "x=0.5", "--order", "4",
               "--format", "plain")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "1 1 1 1 1\n2 4 8 16 32\n", "")


def test_taylor_csv_exact():
    # (coefficients computed exactly in floating point, so that every digit is pinned)
    r = invoke("taylor", "1/(1 - x)", "--at", "x=0", "--at", "x=0.5", "--order", "2",
               "--format", "csv")
    assert r.exit_code == 0
    assert r.stdout == textwrap.dedent("""\
        x,derivative,symbolic_form,tape,sympy,abs_diff,rel_diff,check,numeric,numeric_error,reference,certified,answer
        0,c0,1,1,1,0,0,agree,,,ball,1,1
        0,c1,1,1,1,0,0,agree,,,ball,1,1
        0,c2,1,1,1,0,0,agree,,,ball,1,1
        0.5,c0,2,2,2,0,0,agree,,,ball,2,2
        0.5,c1,4,4,4,0,0,agree,,,ball,4,4
        0.5,c2,8,8,8,0,0,agree,,,ball,8,8
        """)


def test_taylor_from_stdin_in_one_of_several_variables():
    r = invoke("taylor", "-", "--wrt", "y", "--at", "x=2,y=0", "--order", "3", "--format",
               "plain", input="x*exp(y)\n")
    assert r.exit_code == 0
    *exact, third = r.stdout.split()
    assert exact == ["2", "2", "1"] and math.isclose(float(third), 1 / 3, rel_tol=1e-15)
    data = json.loads(invoke("taylor", "-", "--wrt", "y", "--at", "x=2,y=0", "--order", "3",
                             "--format", "json", input="x*exp(y)\n").stdout)
    assert data["wrt"] == ["y"] and data["variables"] == ["x", "y"]
    assert data["results"][0]["polynomial"] == "2 + 2*y + y**2 + y**3/3"


def test_taylor_table_shows_coefficients_polynomial_and_verdict():
    r = invoke("taylor", "exp(sin(x))", "--at", "x=0", "--order", "6")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "hod taylor  exp(sin(x))  in x at x = 0"
    labels = [line.split()[0] for line in lines[3:10]]
    assert labels == ["c₀", "c₁", "c₂", "c₃", "c₄", "c₅", "c₆"]
    assert ("polynomial: 1 + x + x**2/2 - x**4/8 - x**5/15 - x**6/240 + O(x**7)"
            in r.stdout)
    assert "✓ all 7 coefficients certified (rtol=1e-09); SymPy's series agrees" in r.stdout


def test_taylor_is_checked_against_sympy_series():
    report = hod.check_taylor("exp(sin(x))", {"x": 0.5}, order=5, check="sympy")
    (res,) = report.results
    assert (res.status, res.agree, res.reference) == ("ok", True, "sympy")
    assert res.forms[0] == "exp(sin(1/2))"
    assert res.forms[1] == "exp(sin(1/2))*cos(1/2)"
    # the SymPy numbers are the exact coefficients, to double precision
    with mpmath.workdps(30):
        want = mpmath.taylor(lambda x: mpmath.exp(mpmath.sin(x)), mpmath.mpf("0.5"), 5, check="sympy")
    assert all(math.isclose(s, float(w), rel_tol=1e-15) for s, w in zip(res.symbolic, want))
    assert all(math.isclose(h, float(w), rel_tol=1e-13) for h, w in zip(res.result, want))


def test_taylor_catches_a_wrong_coefficient(monkeypatch):
    real = HOD_VALUES["taylor"]

    def off_by_a_bit(task, point, depends):
        hp = real(task, point, depends)
        hp.result[3] *= 1 + 1e-6
        return hp

    monkeypatch.setitem(HOD_VALUES, "taylor", off_by_a_bit)
    r = invoke("taylor", "exp(x)", "--at", "x=0", "--order", "4", "--format", "csv", "--check", "sympy")
    assert r.exit_code == 1
    checks = [row.split(",")[7] for row in r.stdout.splitlines()[1:]]
    assert checks == ["agree", "agree", "agree", "disagree", "agree"]


def test_taylor_where_the_function_is_not_analytic():
    r = invoke("taylor", "sqrt(x)", "--at", "x=0", "--order", "2", "--format", "json", "--check", "sympy")
    assert r.exit_code == 3
    entry = one_result(r)
    assert entry["status"] == "derivative undefined" and entry["polynomial"] is None
    assert "derivative not defined here: c1 = inf in Taylor mode" in entry["warnings"]
    r = invoke("taylor", "log(x)", "--at", "x=-1", "--format", "plain", "--check", "sympy")
    assert r.exit_code == 3 and "not defined at this point: log(-1)" in r.stderr
    r = invoke("taylor", "abs(x)*y", "--wrt", "x", "--at", "x=0,y=2", "--order", "3",
               "--format", "json", "--check", "sympy")
    assert r.exit_code == 3
    assert one_result(r)["status"] == "not differentiable"


@pytest.mark.parametrize("args,message", [
    (["taylor", "x*y", "--at", "x=1,y=2"], "hod: error: taylor needs --wrt NAME: the variable "
     "to expand in (variables: x, y; the others stay at their --at values)"),
    (["taylor", "x*y", "--wrt", "x,y", "--at", "x=1,y=2"], "hod: error: --wrt x,y: taylor "
     "expands in one variable (give --wrt NAME; the others stay at their --at values)"),
    (["taylor", "x*y", "--wrt", "z", "--at", "x=1,y=2"], "hod: error: --wrt z: z is not a "
     "variable of the expression (variables: x, y; add it with --vars)"),
    (["taylor", "exp(x)", "--at", "x=0", "--order", "-1"],
     "hod: error: --order must be a non-negative whole number"),
    (["taylor", "exp(x)", "--at", "x=0", "--order", "5000"],
     "hod: error: --order 5000: hod computes derivatives up to order 1000"),
    (["taylor", "2", "--format", "plain"], "hod: error: taylor needs a variable to expand in, "
     "and the expression has none (name one with --vars x)"),
    (["taylor", "exp(x)", "--order", "3"], "hod: error: no value for x: give every variable a "
     "value, e.g. --at x=..."),
])
def test_taylor_usage_errors_are_one_line_with_exit_2(args, message):
    r = invoke(*args)
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", message + "\n")


def test_order_zero_is_the_value():
    r = invoke("taylor", "exp(x)", "--at", "x=1", "--order", "0", "--format", "plain")
    assert r.exit_code == 0 and math.isclose(float(r.stdout), math.e, rel_tol=1e-15)


# =========================================================================================
# The pieces: the polynomial, the cost estimates
# =========================================================================================

@pytest.mark.parametrize("coefficients,x0,text", [
    ([1.0, 1.0, 0.5, 1 / 6, 1 / 24], 0.0, "1 + x + x**2/2 + x**3/6 + x**4/24"),
    ([0.0, 1.0, 0.0, -1 / 6, 0.0, 1 / 120], 0.0, "x - x**3/6 + x**5/120"),
    ([2.0, 4.0, 8.0], 0.5, "2 + 4*(x - 0.5) + 8*(x - 0.5)**2"),
    ([1.0, -0.25], -2.0, "1 - (x + 2)/4"),
    ([math.sin(0.5), math.cos(0.5)], 0.5, "0.4794255386 + 0.8775825619*(x - 0.5)"),
    ([0.0, 0.0], 0.0, "0"),
    ([1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1 / 40320], 0.0, "1 + x**8/40320"),
])
def test_polynomial_text(coefficients, x0, text):
    assert polynomial_text(coefficients, "x", x0) == text


def test_polynomial_is_an_expression_hod_reads_back():
    report = hod.check_taylor("exp(sin(x))", {"x": 0.5}, order=8, check=False)
    poly = parser.parse(report.results[0].polynomial)
    for x in (0.45, 0.5, 0.55):
        got = float(graph.evaluate(poly, {"x": x}, "tensor").numpy())
        assert math.isclose(got, math.exp(math.sin(x)), rel_tol=1e-9)


def test_nested_cost_projection_stops_exponential_growth_only():
    # steps growing 3x per order: after 8 steps (4 ms + ...) at order 30, far over 1 s
    steps = [1e-4 * 3 ** i for i in range(8)]
    marks = [sum(steps[:i + 1]) for i in range(8)]
    total = nested_projection(marks, 30, 1.0)
    exact = sum(1e-4 * 3 ** i for i in range(30))
    assert total is not None and 0.5 < total / exact < 2
    # the same steps at order 9: the projected total (about 1 s) fits in a 2 s budget
    assert nested_projection(marks, 9, 2.0) is None
    # slowly growing steps (exp(x)) are never projected, only stopped by the budget
    flat = [1e-4 * (i + 1) for i in range(50)]
    assert nested_projection(flat, 1000, 1.0) is None
    assert nested_projection([0.5, 1.2], 3, 1.0) is not None
    # one slow step (the machine paused) does not make the growth explosive
    paused = [1e-3] * 6 + [0.05] + [1e-3]
    assert nested_projection([sum(paused[:i + 1]) for i in range(8)], 100, 1.0) is None


def test_sympy_projection_is_polynomial():
    marks = [0.01 * j ** 3 for j in range(1, 11)]  # T(j) = 0.01 j^3
    assert math.isclose(sympy_projection(marks, 100), 0.01 * 100 ** 3, rel_tol=0.05)
    assert sympy_projection(marks[:3], 100) is None


@pytest.mark.parametrize("seconds,text", [
    (0.0004, "1 ms"), (0.25, "250 ms"), (3.21, "3.2 s"), (45, "45 s"), (240, "4 min"),
    (3 * 3600, "3 h"), (5 * 86400, "5 days"), (3e8, "10 years"), (3.2e40, "1e+33 years"),
])
def test_durations(seconds, text):
    assert fmt_duration(seconds) == text


def test_grad_falls_back_on_the_numeric_check_too(monkeypatch):
    monkeypatch.setitem(REFERENCES, "sympy", fails)
    r = invoke("hessian", "x**3*y", "--at", "x=2,y=3", "--format", "json", "--check", "sympy")
    assert r.exit_code == 0
    entry = one_result(r)
    assert (entry["reference"], entry["agree"]) == ("numeric", True)
    assert entry["numeric"] == entry["result"] == [[36.0, 12.0], [12.0, 0.0]]


def test_the_checks_leave_no_child_processes():
    import os

    hod.check_diff("exp(sin(x))", "x", {"x": 0.5}, order=3)  # numeric stopped: SymPy answered
    hod.check_taylor("exp(x)", {"x": 0}, order=3, timeout=0.2,  # both killed at the deadline
                     references={"series": never_answers, "numeric": never_answers})
    hod.check_diff("exp(sin(x))", "x", {"x": 0.5}, order=3,  # numeric answered
                   references={"sympy": fails})
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_high_order_mixed_partials_of_few_variables_need_no_caveat():
    # one multivariate jet: exp(x*y) at total order 16 agrees with SymPy to 1e-9 and more
    wrt = ["x"] * 8 + ["y"] * 8
    (res,) = hod.check_diff("exp(x*y)", wrt, {"x": 0.3, "y": -0.4}).results
    assert res.agree is True and res.warnings == []
    assert res.result == pytest.approx(res.symbolic, rel=1e-13)


def test_mixed_partials_through_the_interpolation_carry_a_caveat():
    # three variables at total order 30 are beyond the jets' budget: the interpolation is
    # used, and said to lose accuracy
    wrt = ["x"] * 10 + ["y"] * 10 + ["z"] * 10
    (res,) = hod.check_diff("exp(x + y*z)", wrt, {"x": 0.1, "y": 0.2, "z": 0.3},
                            check=False).results
    assert any(w.startswith("Taylor mode's mixed partials of many variables lose accuracy "
                            "beyond total order 14") for w in res.warnings)
    assert "trust the checks" not in " ".join(res.warnings)


def test_an_underflowing_coefficient_is_rescued_at_order_600():
    from hod.taylor_mode.api import graph_nth_derivative

    d = graph_nth_derivative(parser.parse("exp(2*x)"), {"x": 0.0}, "x", 600)
    assert math.isclose(d.value, 2.0 ** 600, rel_tol=1e-12)
    assert (d.kinks, d.out_of_range) == ([], None)
    with np.errstate(over="ignore"):  # the value itself overflows: that is the point
        big = graph_nth_derivative(parser.parse("exp(sin(x))"), {"x": 0.5}, "x", 300)
    assert big.out_of_range[0] == "overflow" and big.out_of_range[2] is True
    assert math.isclose(big.out_of_range[1], 432 + math.log10(1.40), abs_tol=0.01)
