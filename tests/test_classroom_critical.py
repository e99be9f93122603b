"""``hod critical``: stationary points by Newton's method on hod's gradient and Hessian, and
the eigenvalues that classify them (Jacobi rotations: the same digits on every CPU)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import invoke

import hod
from hod.classroom import linalg
from hod.classroom.critical import GRADIENT_TOL

HIMMELBLAU = "(x**2 + y - 11)**2 + (x + y**2 - 7)**2"
CAMEL = "(4 - 2.1*x**2 + x**4/3)*x**2 + x*y + (-4 + 4*y**2)*y**2"
ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
BOOTH = "(x + 2*y - 7)**2 + (2*x + y - 5)**2"


def found(c, kind=None):
    return [(p.point["x"], p.point["y"]) for p in c.points if kind in (None, p.kind)]


def contains(points, expected, tol=1e-6):
    return all(any(abs(x - a) <= tol and abs(y - b) <= tol for x, y in points)
               for a, b in expected)


def every_point_is_stationary_and_classified_by_its_hessian(c):
    for p in c.points:
        assert max(abs(g) for g in p.gradient) <= GRADIENT_TOL
        eigs = np.linalg.eigvalsh(np.array(p.hessian))
        assert p.eigenvalues == pytest.approx(sorted(eigs), rel=1e-9, abs=1e-9)
        expected = ("minimum" if eigs.min() > 1e-6 else "maximum" if eigs.max() < -1e-6
                    else "saddle" if eigs.min() < -1e-6 and eigs.max() > 1e-6 else
                    "degenerate")
        assert p.kind == expected


def test_himmelblau_box_finds_its_four_minima_four_saddles_and_one_maximum():
    c = hod.stationary_points(HIMMELBLAU, "x=-5:5,y=-5:5")
    every_point_is_stationary_and_classified_by_its_hessian(c)
    assert contains(found(c, "minimum"), [(3, 2), (-2.805118, 3.131312),
                                          (-3.779310, -3.283186), (3.584428, -1.848127)])
    assert found(c, "maximum") == [pytest.approx((-0.270845, -0.923039), abs=1e-6)]
    assert [p.kind for p in c.points].count("saddle") == 4
    assert len(c.points) == 9
    values = [p.value for p in c.points]
    assert values == sorted(values)


def test_six_hump_camel_box_finds_its_six_minima():
    c = hod.stationary_points(CAMEL, "x=-3:3,y=-2:2")
    every_point_is_stationary_and_classified_by_its_hessian(c)
    minima = found(c, "minimum")
    assert len(minima) == 6
    assert contains(minima, [(0.089842, -0.712656), (-0.089842, 0.712656),
                             (1.703607, -0.796084), (-1.703607, 0.796084),
                             (1.607105, 0.568651), (-1.607105, -0.568651)])
    assert c.points[0].value == pytest.approx(-1.0316284535, rel=1e-9)
    assert len(c.points) == 15  # with 2 maxima and 7 saddles


@pytest.mark.parametrize("expr, box, expected, kind", [
    (ROSENBROCK, "x=-2:2,y=-1:3", (1, 1), "minimum"),
    (BOOTH, "x=-10:10,y=-10:10", (1, 3), "minimum"),
    ("x**2 - y**2", "x=-1:1,y=-1:1", (0, 0), "saddle"),
    ("0.26*(x**2 + y**2) - 0.48*x*y", "x=-10:10,y=-10:10", (0, 0), "minimum"),  # Matyas
    ("-(x - 0.5)**2 - 2*(y + 0.25)**2", "x=-1:1,y=-1:1", (0.5, -0.25), "maximum"),
])
def test_functions_with_one_stationary_point_find_it_and_classify_it(expr, box, expected,
                                                                    kind):
    c = hod.stationary_points(expr, box)
    every_point_is_stationary_and_classified_by_its_hessian(c)
    assert [(p.kind, pytest.approx(p.point["x"], abs=1e-9), pytest.approx(p.point["y"],
             abs=1e-9)) for p in c.points] == [(kind, *expected)]


def test_sin_cos_box_finds_every_stationary_point_of_the_lattice_inside():
    c = hod.stationary_points("sin(x)*cos(y)", "x=-3:3,y=-3:3")
    every_point_is_stationary_and_classified_by_its_hessian(c)
    half = np.pi / 2
    assert sorted((p.kind, round(p.point["x"], 9), round(p.point["y"], 9)) for p in c.points) \
        == sorted([("minimum", round(-half, 9), 0.0), ("maximum", round(half, 9), 0.0),
                   ("saddle", 0.0, round(-half, 9)), ("saddle", 0.0, round(half, 9))])


def test_a_flat_minimum_is_degenerate():
    c = hod.critical_point("x**4 + y**2", "x=1,y=1")
    assert c.points[0].kind == "degenerate"
    assert c.points[0].definiteness == "positive semidefinite"


def test_newton_from_near_a_point_shows_its_steps_converging():
    c = hod.critical_point(HIMMELBLAU, {"x": -0.3, "y": -1}, steps=True)
    p = c.points[0]
    assert p.kind == "maximum"
    norms = [s.gradient_norm for s in p.steps]
    assert norms[0] > 1 and norms[-1] <= GRADIENT_TOL
    assert all(b < a for a, b in zip(norms, norms[1:]) if a > 1e-12)  # quadratic: fast


def test_no_stationary_point_is_reported_when_newton_does_not_converge():
    r = invoke("critical", "exp(x)", "--near", "x=1")
    assert r.exit_code == 1
    assert "not stationary" in r.stdout and "did not reach a stationary point" in r.stdout


def test_critical_json_contract():
    r = invoke("critical", HIMMELBLAU, "--box", "x=-5:5,y=-5:5", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert data["expression"] == HIMMELBLAU
    assert all(list(p) == ["point", "value", "gradient", "hessian", "eigenvalues", "kind"]
               for p in data["points"])
    assert [p["kind"] for p in data["points"]].count("minimum") == 4


def test_critical_plain_and_latex():
    plain = invoke("critical", "x**2 - y**2", "--near", "x=1,y=1", "--format", "plain")
    assert plain.stdout == "0 0 0 saddle\n"
    latex = invoke("critical", "x**2 - y**2", "--near", "x=1,y=1", "--format", "latex").stdout
    assert r"\begin{array}{rr} 2 & 0 \\ 0 & -2 \end{array}" in latex


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("args", [["--box", "x=-3:3,y=-2:2"], ["--near", "x=1,y=0", "--steps"]])
def test_critical_table_fits_the_width(width, args):
    r = invoke("critical", CAMEL, *args, env={"COLUMNS": str(width)})
    assert r.exit_code == 0
    assert all(len(line) <= width for line in r.stdout.splitlines())


def test_box_must_name_every_variable():
    r = invoke("critical", "x*y", "--box", "x=-1:1")
    assert r.exit_code == 2 and "--box" in r.stderr


def test_jacobi_eigenvalues_agree_with_lapack_and_classify():
    rng = np.random.default_rng(7)
    for n in range(1, 8):
        a = rng.normal(size=(n, n))
        a = a + a.T
        assert linalg.eigenvalues(a) == pytest.approx(np.linalg.eigvalsh(a), abs=1e-12)
    assert linalg.definiteness([1.0, 2.0]) == "positive definite"
    assert linalg.definiteness([-1.0, -2.0]) == "negative definite"
    assert linalg.definiteness([-1.0, 2.0]) == "indefinite"
    assert linalg.definiteness([0.0, 2.0]) == "positive semidefinite"
    assert linalg.definiteness([-3.0, 0.0]) == "negative semidefinite"
