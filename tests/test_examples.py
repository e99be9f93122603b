"""The example scripts run and print the seeds' numbers; the engine benchmark still runs.

Every ``examples/*.py`` runs in a subprocess with the current interpreter from the repository
root.  For each, the lines that carry a seed's number are found by their label and the numbers
after the label are parsed and compared (not a loose search of the output).
"""

from __future__ import annotations

import functools
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


@functools.lru_cache(maxsize=None)
def run(*args, env_extra=()):
    env = dict(os.environ, **dict(env_extra))
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def lines_with(output, label):
    found = [line for line in output.splitlines() if label in line]
    assert found, f"no line with {label!r} in the output:\n{output}"
    return found


def numbers_after(line, label):
    return [float(s) for s in NUMBER.findall(line.split(label, 1)[1])]


def below(limit):
    def check(values):
        assert abs(values[0]) < limit, f"{values[0]} is not below {limit}"

    return check


def near(expected, tol):
    def check(values):
        assert abs(values[0] - expected) <= tol, f"{values[0]} is not within {tol} of {expected}"

    return check


# script -> [(label, expected)]: expected is the list of numbers that must follow the label
# (compared exactly up to 1e-12), or a function checking the numbers parsed after it.
CHECKS = {
    "higher_order_gradients.py": [
        ("Partial derivative of f with respect to x:", [161]),
        ("Partial derivative of f with respect to y:", [20]),
        ("Partial derivative of g w.r.t. x:", [172]),
        ("Partial derivative of g w.r.t. y:", [75]),
        ("Second-order derivative of g w.r.t. x (d^2g/dx^2):", [60]),
        ("Second-order derivative of g w.r.t. y (d^2g/dy^2):", [10]),
        ("Mixed derivative (d^2g/dxdy):", [11]),
        ("Mixed derivative (d^2g/dydx):", [11]),
        ("max |hod - finite differences| =", below(1e-7)),
        ("dense/bias:", [0]),
    ],
    "gradient_techniques.py": [
        ("The gradient of y = x^2 with respect to x at 3 is:", [6]),
        ("The gradients of custom_relu at [-2, 0, 2] are:", [0, 0, 1]),
        ("The first derivative of y = x^2 at 3 is:", [6]),
        ("The second derivative of y = x^2 at 3 is:", [2]),
        ("largest gradient norm before / after clipping:",
         lambda v: (v[0] > 1.0 and math.isclose(v[1], 1.0)) or pytest.fail(str(v))),
        ("learned slope", near(3.0, 0.1)),
    ],
    "higher_order_tape.py": [
        ("d(x^2)/dx at x = 3:", [6]),
        ("d(x^3)/dx at x = 3:", [27]),
        ("d2(x^3)/dx2 at x = 3:", [18]),
        ("d3(x^3)/dx3 at x = 3:", [6]),
        ("the same three with hod.derivative:", [27, 18, 6]),
    ],
    "advanced_autodiff.py": [
        ("gradient with clipping:", [2]),
        ("gradient without clipping:", [4]),
        ("d ys/d x0 =", [1]),
        ("d ys/d x1 =", [0.25]),
        ("dy_dx:", [3]),
        ("d2y_dx2:", [6]),
        ("gradient shapes:", [5, 10, 10]),
        ("max |hod - finite differences| over kernel and bias =", below(1e-6)),
        ("jacobian shape:", [201]),
        ("max |jacobian - sigmoid'(x)| =", below(1e-12)),
        ("jacobian shape: (7, 10, 5, 10)", []),
        ("max |gradient - jacobian summed over the target's axes| =", below(1e-12)),
        ("hessian shape:", [5, 8, 5, 8]),
        ("max |H - H^T| =", below(1e-12)),
        ("max |H - A| =", below(1e-12)),
        ("after one step: |gradient| =", below(1e-10)),
        ("|w - A^-1 b| =", below(1e-10)),
        ("max |off-diagonal blocks of the full jacobian| =", [0]),
        ("max |batch_jacobian - diagonal blocks| =", below(1e-12)),
        ("batch_jacobian shape:", [7, 6, 5]),
        ("max |off-diagonal blocks| =", lambda v: v[0] > 0.01 or pytest.fail(str(v))),
    ],
    "autodiff_higher_order.py": [
        ("The first derivative of x^2 at 3 is:", [6]),
        ("The second derivative of x^2 at 3 is:", [2]),
        ("The article's helper for order 3 of x^2 at 3 returns:", [6561]),
        ("The third derivative of x^2 at 3 is:", [0]),
        ("The third derivative of x^3 at 3 is:", [6]),
        ("hod.derivative(x^2, 3) at 3:", [0]),
        ("hod.derivative(x^3, 3) at 3:", [6]),
    ],
}


def example_output(name):
    result = run(str(Path("examples") / name))
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_every_example_is_checked():
    scripts = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert scripts == sorted(CHECKS)


@pytest.mark.parametrize("name,label,expected",
                         [(n, label, exp) for n, checks in CHECKS.items()
                          for label, exp in checks],
                         ids=lambda v: v if isinstance(v, str) else "")
def test_example_prints_seed_number(name, label, expected):
    line = lines_with(example_output(name), label)[0]
    values = numbers_after(line, label)
    if callable(expected):
        expected(values)
    else:
        assert values[:len(expected)] == pytest.approx(expected, abs=1e-12), line


def test_control_of_recording_gives_x_gradient_and_no_y_gradient():
    # stop_recording, reset and stop_gradient: dz/dx = 4 and dz/dy = None, three times.
    lines = lines_with(example_output("advanced_autodiff.py"), "dz/dx:")
    assert len(lines) == 3
    for line in lines:
        assert numbers_after(line, "dz/dx:")[0] == 4.0
        assert line.split("dz/dy:", 1)[1].split() == ["None"]


def test_adam_step_moves_each_kernel_weight_by_the_learning_rate_against_its_gradient():
    out = example_output("higher_order_gradients.py")
    kernel = numbers_after(lines_with(out, "  kernel:")[0], "kernel:")
    grad = numbers_after(lines_with(out, "d||input gradient||/d kernel:")[0], "kernel:")
    norm = math.sqrt(sum(w * w for w in kernel))
    assert grad == pytest.approx([w / norm for w in kernel], abs=1e-7)
    updated = numbers_after(lines_with(out, "dense/kernel:")[0], "dense/kernel:")
    assert updated == pytest.approx([w - 0.01 * math.copysign(1, g)
                                     for w, g in zip(kernel, grad)], abs=1e-7)


def test_engine_benchmark_quick_run():
    result = run("benchmarks/bench_engine.py", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    for section in ("1. gradient of the extended Rosenbrock", "2. Hessian", "3. gradient of",
                    "4. tape overhead"):
        assert section in result.stdout


def test_engine_benchmark_skips_missing_optional_packages(tmp_path):
    # Shadow autograd and torch with packages that fail to import: their columns go away.
    for name in ("autograd", "torch"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f"raise ImportError('no {name}')\n")
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    result = run("benchmarks/bench_engine.py", "--quick", env_extra=(("PYTHONPATH", path),))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "autograd not installed (skipped)" in result.stdout
    assert "torch not installed (skipped)" in result.stdout
    assert "numpy formulas" in result.stdout
