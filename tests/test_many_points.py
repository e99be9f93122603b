"""Many points: files in and out by chunks, vectorised, checked at speed (issue #10)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("polars")

from cli_helpers import invoke  # noqa: E402

from hod.many import compute, derivatives  # noqa: E402
from hod.many.symbolic import Reference  # noqa: E402

EXPR = "sin(x)*exp(y) + x**2*y"
XS = [1.0, 0.5, 3.0, -0.25, 0.1, 2.0]
YS = [2.0, 0.1, -1.0, 0.75, 0.3, -2.5]


def _csv(tmp_path, rows, name="points.csv", header="x,y"):
    p = tmp_path / name
    p.write_text(header + "\n" + "".join(",".join(map(repr, r)) + "\n" for r in rows))
    return str(p)


def _rows(stdout):
    return stdout.strip().splitlines()


# --- the chunk function ----------------------------------------------------------------------

@pytest.mark.parametrize("kind, expr, wrt, order", [
    ("grad", EXPR, None, None),
    ("hessian", "sin(x)*exp(y) + x**2*y*log(x)", None, None),
    ("jacobian", "x*y, sin(x)*exp(y), atan2(y, x)", None, None),
    ("diff", "exp(sin(x))*y", "x", 5),
    ("diff", "sin(x)*cos(y)*exp(x*y)", "x,y,y", None),
    ("taylor", "exp(sin(x))*y", "x", 6),
])
def test_vectorised_numbers_are_the_one_point_numbers_digit_for_digit(kind, expr, wrt, order):
    from hod import check

    rng = np.random.default_rng(7)
    xs, ys = rng.uniform(0.1, 2, 40), rng.uniform(0.1, 2, 40)
    plan = compute.plan(kind, expr, wrt=wrt, order=order, columns=["x", "y"])
    many = compute.values(plan, {"x": xs, "y": ys})
    for j in range(0, 40, 9):
        r = check.run(kind, expr, {"x": float(xs[j]), "y": float(ys[j])}, wrt=wrt,
                      order=order, check=False)
        one = np.array([c.tape for c in r.results[0].components])
        assert one.tobytes() == many[:, j].tobytes()


def test_one_chunk_or_many_give_the_same_bytes():
    rng = np.random.default_rng(3)
    xs, ys = rng.uniform(-3, 3, 1000), rng.uniform(-3, 3, 1000)
    plan = compute.plan("hessian", EXPR, columns=["x", "y"])
    whole = compute.values(plan, {"x": xs, "y": ys})
    parts = np.concatenate([compute.values(plan, {"x": xs[i:i + 7], "y": ys[i:i + 7]})
                            for i in range(0, 1000, 7)], axis=1)
    assert whole.tobytes() == parts.tobytes()


def test_python_api_takes_arrays_of_points():
    d = derivatives("grad", "x**2 * y", {"x": np.array([1.0, 2.0, 3.0]), "y": 2.0})
    assert d["df/dx"].tolist() == [4.0, 8.0, 12.0]
    assert d["df/dy"].tolist() == [1.0, 4.0, 9.0]


def test_symbolic_reference_is_sympy_through_the_primitive_table():
    plan = compute.plan("hessian", "sqrt(x)*log(y)/x + abs(x) + tanh(x*y)", columns=["x", "y"])
    ref = Reference(plan)
    assert ref.unsupported is None
    xs, ys = np.linspace(0.2, 2, 9), np.linspace(0.3, 1, 9)
    np.testing.assert_allclose(ref.values({"x": xs, "y": ys}, 9),
                               compute.values(plan, {"x": xs, "y": ys}), rtol=1e-12)


def test_symbolic_reference_says_what_has_no_counterpart():
    plan = compute.plan("grad", "maximum(x, y)", columns=["x", "y"])
    assert "SymPy's" in Reference(plan).unsupported


# --- inputs ----------------------------------------------------------------------------------

def test_same_points_by_at_file_chunks_and_grid_give_the_same_rows(tmp_path):
    xs, ys = [0.0, 0.5, 1.0], [-1.0, 1.0]
    pts = [(x, y) for x in xs for y in ys]
    f = _csv(tmp_path, pts)
    common = ["--format", "csv", "--no-check"]
    by_file = invoke("grad", EXPR, "--points", f, *common)
    by_chunks = invoke("grad", EXPR, "--points", f, "--chunk-size", "1", *common)
    by_grid = invoke("grad", EXPR, "--grid", "x=0:1:3,y=-1:1:2", *common)
    by_at = invoke("grad", EXPR, *sum((["--at", f"x={x},y={y}"] for x, y in pts), []),
                   "--format", "jsonl", "--no-check")
    assert by_file.exit_code == 0, by_file.stderr
    assert by_file.stdout == by_chunks.stdout == by_grid.stdout
    assert len(_rows(by_file.stdout)) == 7
    header = _rows(by_file.stdout)[0].split(",")
    lines = [dict(zip(header, map(float, r.split(",")))) for r in _rows(by_file.stdout)[1:]]
    assert lines == [json.loads(r) for r in _rows(by_at.stdout)]
    # and the one-point path (its csv: one row per component) prints the same numbers
    one = invoke("grad", EXPR, "--at", "x=0.5,y=1", "--format", "csv", "--no-check")
    tape = [r.split(",")[4] for r in _rows(one.stdout)[1:]]
    row = _rows(by_file.stdout)[4].split(",")
    assert [float(t) for t in tape] == [float(v) for v in row[2:5]]
    assert repr(float(tape[1])) == row[3]


def test_jsonl_and_stdin(tmp_path):
    lines = "".join(json.dumps({"x": x, "y": y}) + "\n" for x, y in zip(XS, YS))
    r = invoke("grad", EXPR, "--points", "-", "--format", "csv", "--no-check", input=lines)
    f = _csv(tmp_path, list(zip(XS, YS)))
    assert r.exit_code == 0, r.stderr
    assert r.stdout == invoke("grad", EXPR, "--points", f, "--format", "csv",
                              "--no-check").stdout
    r2 = invoke("grad", EXPR, "--points", "-", "--format", "csv", "--no-check",
                input=open(f).read())
    assert r2.stdout == r.stdout


def test_at_gives_the_other_variables(tmp_path):
    f = _csv(tmp_path, [(x,) for x in XS], header="x")
    r = invoke("grad", EXPR, "--points", f, "--at", "y=2", "--format", "csv", "--no-check")
    assert r.exit_code == 0, r.stderr
    assert _rows(r.stdout)[1].startswith("1.0,2.0,8.217676312367967,")


def test_a_bad_row_names_file_line_and_column(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("x,y\n1,2\n3,abc\n4,5\n")
    r = invoke("grad", EXPR, "--points", str(p), "--format", "csv", "--no-check")
    assert r.exit_code == 2
    assert "bad.csv, line 3, column y: 'abc' is not a finite number" in r.stderr
    r = invoke("grad", EXPR, "--points", str(p), "--format", "csv", "--no-check",
               "--on-bad-row", "skip")
    assert r.exit_code == 0
    assert len(_rows(r.stdout)) == 3
    assert "skipped 1 bad row" in r.stderr


def test_non_finite_and_missing_values_are_bad_rows(tmp_path):
    p = tmp_path / "inf.csv"
    p.write_text("x,y\n1,2\n1e400,1\n2,\n")
    r = invoke("grad", EXPR, "--points", str(p), "--format", "csv", "--no-check",
               "--on-bad-row", "skip")
    assert r.exit_code == 0
    assert "skipped 2 bad rows" in r.stderr and "line 3, column x" in r.stderr


def test_parquet_in_and_out(tmp_path):
    pytest.importorskip("pyarrow")
    import polars as pl

    src = tmp_path / "pts.parquet"
    pl.DataFrame({"x": XS, "y": YS}).write_parquet(src)
    out = tmp_path / "out.parquet"
    r = invoke("grad", EXPR, "--points", str(src), "--output", str(out), "--no-check",
               "--chunk-size", "4")
    assert r.exit_code == 0, r.stderr
    df = pl.read_parquet(out)
    assert df["x"].to_list() == XS
    d = derivatives("grad", EXPR, {"x": np.array(XS), "y": np.array(YS)})
    assert df["df/dx"].to_list() == d["df/dx"].tolist()


# --- checks, summary, exit codes ----------------------------------------------------------

def test_checked_rows_carry_a_verdict_and_the_certified_sample(tmp_path):
    f = _csv(tmp_path, list(zip(XS, YS)))
    r = invoke("grad", EXPR, "--points", f, "--format", "csv", "--certify", "2")
    assert r.exit_code == 0, r.stderr
    rows = _rows(r.stdout)
    assert rows[0] == "x,y,f,df/dx,df/dy,check,rel_diff"
    checks = [row.split(",")[5] for row in rows[1:]]
    assert checks == ["certified"] * 2 + ["agree"] * 4


def test_undefined_points_and_the_lowest_exit_code(tmp_path):
    r = invoke("diff", "log(x)", "--order", "3", "--grid", "x=-1:1:5", "--format", "csv")
    assert r.exit_code == 3
    assert [row.split(",")[3] for row in _rows(r.stdout)[1:]] == \
        ["undefined"] * 3 + ["agree", "agree"]


def test_a_wrong_engine_is_caught(monkeypatch, tmp_path):
    from hod.many import run as many_run

    real = compute.values

    def wrong(plan, chunk):
        v = real(plan, chunk)
        v[1, 2] *= 1.001
        return v

    monkeypatch.setattr(many_run.compute, "values", wrong)
    f = _csv(tmp_path, list(zip(XS, YS)))
    r = invoke("grad", EXPR, "--points", f, "--format", "csv", "--certify", "0")
    assert r.exit_code == 1
    assert [row.split(",")[5] for row in _rows(r.stdout)[1:]][2] == "disagree"


def test_table_is_a_summary(tmp_path):
    r = invoke("grad", EXPR, "--grid", "x=0:1:100,y=0:1:100")
    assert r.exit_code == 0, r.stderr
    assert "at 10,000 points" in r.stdout
    assert "the first 5" in r.stdout
    assert "verdicts: 9,997 agree, 3 certified" in r.stdout
    assert len(r.stdout.splitlines()) < 30


def test_many_point_options_need_points():
    r = invoke("grad", EXPR, "--at", "x=1,y=2", "--certify", "3")
    assert r.exit_code == 2
    assert "--certify goes with --points FILE or --grid" in r.stderr


def test_the_one_point_path_imports_no_file_library():
    code = ("import sys; from hod.cli import main\n"
            "try:\n    main(['grad', 'x*y', '--at', 'x=1,y=2', '--no-check'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in ('polars', 'pyarrow', 'dask', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_every_line_is_whole_when_interrupted(tmp_path):
    """Ctrl-C during a long run: the output ends with a whole line, the exit code is 130."""
    import os
    import signal
    import time

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = tmp_path / "out.csv"
    with open(out, "wb") as fh:
        p = subprocess.Popen([sys.executable, "-m", "hod", "grad", EXPR, "--grid",
                              "x=0:1:3000,y=0:1:3000", "--format", "csv", "--no-check",
                              "--chunk-size", "50000"], stdout=fh, stderr=subprocess.PIPE,
                             env=env)
        deadline = time.time() + 60
        while out.stat().st_size < 100_000 and time.time() < deadline:
            time.sleep(0.05)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    data = out.read_bytes()
    assert data.endswith(b"\n")
    assert all(line.count(b",") == 4 for line in data.splitlines())


def test_a_kink_is_a_finding_over_many_points_as_at_one_point():
    r = invoke("grad", "abs(x)*y", "--points", "-", "--at", "y=2", "--format", "csv",
               input="x\n-1\n0\n1\n")
    rows = r.stdout.splitlines()
    assert r.exit_code == 3  # as hod grad "abs(x)*y" --at x=0,y=2
    assert [row.split(",")[-2] for row in rows[1:]] == ["certified", "kink", "certified"]
    unchecked = invoke("grad", "abs(x)*y", "--points", "-", "--at", "y=2", "--format", "csv",
                       "--no-check", input="x\n-1\n0\n1\n")
    assert unchecked.exit_code == 3
    assert invoke("grad", "abs(x)*y", "--at", "x=0,y=2").exit_code == 3
