"""The same digits on every CPU and thread count.

Each setting runs the same commands in a fresh process; every byte hod prints must be the
same.  OpenBLAS chooses its kernels by CPU (``OPENBLAS_CORETYPE`` forces one), and their
summation order would change last digits if a reduction that reaches the output went through
BLAS; ``HOD_THREADS=1`` turns off hod's threaded ufuncs.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "same_digits_child.py")

SETTINGS = {
    "the CPU's default kernels": {},
    "one thread": {"HOD_THREADS": "1"},
}
if platform.machine().lower() in ("x86_64", "amd64"):
    # kernels every x86-64 CPU can run, from the oldest to AVX2
    SETTINGS.update({
        "OPENBLAS_CORETYPE=Haswell": {"OPENBLAS_CORETYPE": "Haswell"},
        "OPENBLAS_CORETYPE=Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"},
        "OPENBLAS_CORETYPE=Prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    })


def run_child(extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("OPENBLAS_") and k != "HOD_THREADS"}
    env.update(extra)
    r = subprocess.run([sys.executable, CHILD], capture_output=True, text=True, env=env,
                       timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def outputs():
    return {name: run_child(extra) for name, extra in SETTINGS.items()}


def test_every_setting_prints_the_same_bytes(outputs):
    reference_name = "the CPU's default kernels"
    reference = outputs[reference_name]
    assert "x**3*y**2" in reference and "derivative_tensor" in reference
    for name, out in outputs.items():
        assert out == reference, f"{name} differs from {reference_name}"


def test_an_exact_mixed_partial_prints_as_an_integer(outputs):
    out = outputs["the CPU's default kernels"].splitlines()
    i = out.index("diff x**3*y**2 --wrt x,y,y --at x=1,y=3 plain 0")
    assert out[i + 1] == "6"
