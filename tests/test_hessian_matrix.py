"""``hod hessian`` lays the Hessian out as a matrix, with its eigenvalues (Jacobi rotations,
rounded to 12 digits: the same on every CPU) and what they say; the library's report and the
JSON carry them too."""

from __future__ import annotations

import json

import pytest

from cli_helpers import invoke

import hod
from hod.check.kinds import hessian_summary

SEED = "2*x**3 + 5*y**2 + 11*x*y + 5"


def test_hessian_of_seed_example_is_positive_definite():
    r = hod.check_hessian(SEED, "x=5,y=2", check=False).results[0]
    assert r.result == [[60, 11], [11, 10]]
    # 35 -+ sqrt(746)
    assert r.eigenvalues == [7.6869994325, 62.3130005675]
    assert r.definiteness == "positive definite"


@pytest.mark.parametrize("expr, point, variables, eigenvalues, definite", [
    ("x**2 - y**2", "x=0.3,y=-1", None, [-2, 2], "indefinite"),
    ("-x**2 - 3*y**2", "x=1,y=1", None, [-6, -2], "negative definite"),
    ("x**2", "x=1,y=2", "x,y", [0, 2], "positive semidefinite"),
    ("-(x + y)**2", "x=1,y=2", None, [-4, 0], "negative semidefinite"),
    ("x + y", "x=1,y=2", None, [0, 0], "zero"),
    ("1e-12*(x**2 + y**2)", "x=1,y=2", None, [2e-12, 2e-12], "positive definite"),
])
def test_definiteness_of_known_hessians(expr, point, variables, eigenvalues, definite):
    r = hod.check_hessian(expr, point, variables, check=False).results[0]
    assert r.eigenvalues == pytest.approx(eigenvalues, abs=1e-12, rel=1e-9)
    assert r.definiteness == definite


def test_eigenvalues_are_rounded_to_twelve_digits():
    eigs, definite = hessian_summary([[1.0, 1.0], [1.0, 1.0]])
    assert eigs == [0.0, 2.0] and definite == "positive semidefinite"
    eigs, _ = hessian_summary([[2.0, 1.0], [1.0, 2.0]])
    assert eigs == [1.0, 3.0]


def test_json_carries_eigenvalues_and_definiteness_per_point():
    r = invoke("hessian", SEED, "--at", "x=5,y=2", "--at", "x=0,y=0", "--format", "json",
               "--check", "ball")
    d = json.loads(r.stdout)
    first, second = d["results"]
    assert first["eigenvalues"] == [7.6869994325, 62.3130005675]
    assert first["definiteness"] == "positive definite"
    assert second["definiteness"] == "indefinite"  # [[0, 11], [11, 10]]


def test_other_kinds_have_no_eigenvalues():
    d = json.loads(invoke("grad", "x*y", "--at", "x=1,y=2", "--format", "json",
                          "--no-check").stdout)
    assert "eigenvalues" not in d["results"][0]


@pytest.mark.parametrize("columns", ["60", "80", "100"])
def test_table_shows_the_matrix_its_eigenvalues_and_their_meaning(columns):
    r = invoke("hessian", SEED, "--at", "x=5,y=2", "--check", "ball",
               env={"COLUMNS": columns})
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    start = lines.index("Hessian:")
    header, _, row_x, row_y = lines[start + 1:start + 5]
    assert header.split() == ["x", "y"]
    assert row_x.split() == ["x", "60", "11"] and row_y.split() == ["y", "11", "10"]
    assert "eigenvalues: 7.6869994325, 62.3130005675" in r.stdout
    assert "positive definite: f curves up in every direction" in r.stdout
    assert all(len(line) <= int(columns) for line in lines)


def test_a_wide_hessian_wraps_by_blocks_of_columns():
    names = [f"x{i}" for i in range(1, 9)]
    expr = " + ".join(f"{i}.123456789*{a}*{b}" for i, (a, b) in
                      enumerate(zip(names, names[1:] + names[:1]), 1))
    point = ",".join(f"{n}=1" for n in names)
    r = invoke("hessian", expr, "--at", point, "--no-check", env={"COLUMNS": "60"})
    assert "columns 1-" in r.stdout
    assert all(len(line) <= 60 for line in r.stdout.splitlines())
    assert "indefinite" in r.stdout
