"""Edges of the command line found by trying hod as a new user: closed pipes, expressions
that look like options, points given in pieces, numbers out of range, standard input."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import invoke

ROOT = Path(__file__).resolve().parents[1]
HOD = [sys.executable, "-c", "from hod.cli import main; main()"]


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "plain"])
def test_a_closed_pipe_ends_every_format_the_same_way_with_nothing_on_stderr(fmt):
    points = [a for i in range(2000) for a in ("--at", f"x={i}")]
    proc = subprocess.Popen(HOD + ["grad", "x**2", *points, "--no-check", "--format", fmt],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "COLUMNS": "80"})
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, as `| head -1` does
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0  # the code the results give: every point computed
    assert err == b""


def test_minus_h_is_an_expression_when_no_other_expression_is_given():
    r = invoke("grad", "-h", "--at", "h=3", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "-1\n")
    r = invoke("grad", "--at", "h=3", "-h", "--format", "plain")
    assert (r.exit_code, r.stdout) == (0, "-1\n")


@pytest.mark.parametrize("args", [["grad", "-h"], ["grad", "x", "--at", "x=1", "-h"],
                                  ["grad", "--help"]])
def test_minus_h_alone_or_beside_an_expression_is_the_help(args):
    r = invoke(*args)
    assert r.exit_code == 0 and "grad [OPTIONS] EXPR" in r.stdout.splitlines()[0]


def test_after_a_double_dash_every_argument_is_the_expression():
    r = invoke("grad", "--at", "x=2", "--format", "plain", "--", "--x")
    assert (r.exit_code, r.stdout) == (0, "1\n")


def test_an_unknown_long_option_hints_at_the_double_dash():
    r = invoke("grad", "--x", "--at", "x=1")
    assert r.exit_code == 2
    assert "No such option" in r.stderr and "goes after --: hod grad -- --x" in r.stderr


def test_each_at_is_one_whole_point():
    r = invoke("grad", "x*y", "--at", "x=1", "--at", "y=2")
    assert r.exit_code == 2
    assert r.stderr == ("hod: error: no value for y in the point x=1: one point gives every "
                        "variable its value at once, e.g. --at x=1,y=2\n")


@pytest.mark.parametrize("value, why", [
    ("1e-400", "number '1e-400' is too small (it rounds to 0)"),
    ("1e400", "number '1e400' is too large (max about 1.8e308)"),
])
def test_point_values_follow_the_number_rules_of_expressions(value, why):
    r = invoke("grad", "x", "--at", f"x={value}")
    assert r.exit_code == 2
    assert r.stderr == f"hod: error: --at x={value}: {why}\n"


def test_jacobian_reads_one_function_per_line_from_stdin():
    r = invoke("jacobian", "-", "--at", "x=1,y=2", "--format", "plain", input="x*y\nx+y\n")
    assert (r.exit_code, r.stdout) == (0, "2 1\n1 1\n")
    r = invoke("jacobian", "-", "--at", "x=1,y=2", "--format", "plain",
               input="x*y,\n\nx+y\n")
    assert (r.exit_code, r.stdout) == (0, "2 1\n1 1\n")


def test_reading_from_a_terminal_says_so_on_stderr():
    # a pseudo-terminal on stdin: hod says it waits for the expression
    import pty

    main, other = pty.openpty()
    proc = subprocess.Popen(HOD + ["grad", "-", "--at", "x=2", "--format", "plain",
                                   "--no-check"],
                            stdin=other, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=ROOT)
    os.close(other)
    os.write(main, b"x**2\n\x04")
    out, err = proc.communicate(timeout=120)
    os.close(main)
    assert b"reading the expression from standard input" in err
    assert out == b"4\n"


def test_piped_input_is_read_without_a_word():
    r = invoke("grad", "-", "--at", "x=2", "--format", "plain", "--no-check", input="x**2")
    assert r.stderr == "" and r.stdout == "4\n"


def test_no_taylor_polynomial_where_a_coefficient_is_not_defined():
    r = invoke("taylor", "abs(x)", "--at", "x=0", "--order", "3", "--format", "json")
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["polynomial"] is None and entry["status"] == "not differentiable"
    r = invoke("taylor", "sqrt(x)", "--at", "x=0", "--order", "3", "--format", "json")
    (entry,) = json.loads(r.stdout)["results"]
    assert entry["polynomial"] is None and entry["status"] == "derivative undefined"
    assert entry["result"][0] == 0.0
    assert entry["warnings"][0] == "derivative not defined here: c1 = inf in Taylor mode"
    assert "polynomial" not in invoke("taylor", "abs(x)", "--at", "x=0", "--order", "3").stdout


@pytest.mark.parametrize("expr, point", [("abs(x)", "x=0"), ("relu(x) + y", "x=0,y=1"),
                                         ("maximum(x, y)", "x=2,y=2")])
def test_every_kink_marks_its_derivatives_the_same_way(expr, point):
    r = invoke("grad", expr, "--at", point, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    derivatives = [row for row in rows if row["derivative"] != "f"]
    assert derivatives and all(row["check"] == "kink" for row in derivatives)
    assert r.exit_code == 3


def test_negative_zero_is_written_as_zero_in_every_format():
    assert invoke("grad", "-x", "--at", "x=0", "--format", "plain").stdout == "-1\n"
    data = json.loads(invoke("grad", "-x", "--at", "x=0", "--format", "json").stdout)
    assert str(data["results"][0]["value"]) == "0.0"
    assert invoke("grad", "-x", "--at", "x=0", "--format", "csv").stdout.splitlines()[1] \
        .split(",")[3] == "0"


def test_no_check_warns_where_taylor_mode_knows_it_lost_digits():
    r = invoke("diff", "sin(x)/x", "--wrt", "x", "--order", "20", "--at", "x=0.9",
               "--no-check", "--format", "plain")
    assert r.exit_code == 0
    assert "float64 may have lost digits here" in r.stderr and "--check ball" in r.stderr
    quiet = invoke("diff", "exp(sin(x))", "--wrt", "x", "--order", "100", "--at", "x=0.5",
                   "--no-check", "--format", "plain")
    assert quiet.stderr == ""


def test_a_removable_singularity_is_said_to_be_one_with_its_limit():
    r = invoke("grad", "sin(x)/x", "--at", "x=0", "--format", "json")
    (entry,) = json.loads(r.stdout)["results"]
    assert r.exit_code == 3 and entry["status"] == "undefined"
    assert entry["warnings"][0] == "not defined at this point: 0 / 0"
    assert any("removable singularity, the limit of f as x -> 0 is 1 (SymPy)" in n
               for n in entry["notes"])
    # a pole is no removable singularity: no limit is claimed
    r = invoke("grad", "1/x", "--at", "x=0", "--format", "json")
    (entry,) = json.loads(r.stdout)["results"]
    assert not any("removable" in n for n in entry["notes"])


def test_the_table_writes_absolute_values_as_a_reader_does():
    table = invoke("grad", "abs(x)*y", "--at", "x=1,y=2", "--check", "ball,sympy").stdout
    assert "y*|x|" in table and "Abs" not in table
    data = json.loads(invoke("grad", "abs(x)*y", "--at", "x=1,y=2", "--format", "json").stdout)
    assert data["symbolic_forms"][1] == "Abs(x)"  # the machine formats keep SymPy's spelling


def test_sympy_gets_a_short_grace_once_the_certified_values_are_in():
    # a symbolic reference that never answers: the run does not wait out its timeout, and
    # says SymPy was still running (hod taylor waited 10 s for sympy.series before)
    from cli_helpers import never_answers

    import hod

    r = hod.check_taylor("exp(sin(x))", {"x": 0.5}, order=10, timeout=60,
                         references={"series": never_answers})
    (point,) = r.results
    assert point.status == "ok" and point.certified
    assert point.notes == ["SymPy was still running when the certified values were in "
                           "(stopped after a grace of 1 s)"]
