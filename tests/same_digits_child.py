"""Run by tests/test_same_digits.py in a child process with one CPU/thread setting: prints
what hod prints for a set of commands, and a digest of large-array results."""

from __future__ import annotations

import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import hod  # noqa: E402
from cli_helpers import invoke  # noqa: E402

COMMANDS = [
    ["diff", "x**3*y**2", "--wrt", "x,y,y", "--at", "x=1,y=3"],
    ["diff", "exp(sin(x))", "--wrt", "x", "--order", "5", "--at", "x=0.5"],
    ["diff", "exp(sin(x))", "--wrt", "x", "--order", "40", "--at", "x=0.5"],
    ["diff", "x*sin(x)/(1 + x**2)", "--wrt", "x", "--order", "12", "--at", "x=0.5"],
    ["diff", "exp(x*y)", "--wrt", "x,x,x,y,y", "--at", "x=0.5,y=0.7"],
    ["diff", "sin(x)*cos(y)*exp(z)", "--wrt", "x,y,z,z", "--at", "x=0.3,y=0.4,z=0.5"],
    ["taylor", "exp(sin(x))", "--at", "x=0.5", "--order", "8"],
    ["grad", "2*x**3 + 5*y**2 + 11*x*y + 5", "--at", "x=5,y=2"],
    ["hessian", "sin(x)*exp(y) + x**2*y", "--at", "x=0.3,y=-1.2"],
    ["jacobian", "x*y, sin(x)*exp(y), atan2(y, x)", "--at", "x=0.3,y=-1.2"],
]


def digest(a):
    return hashlib.sha256(np.ascontiguousarray(np.asarray(a, dtype=np.float64)).tobytes()
                          ).hexdigest()[:16]


def main():
    for args in COMMANDS:
        for fmt in ("plain", "json"):
            r = invoke(*args, "--no-check", "--format", fmt)
            print(" ".join(args), fmt, r.exit_code)
            print(r.stdout, end="")
    # the Python API, elementwise over many points (threaded ufuncs split these arrays)
    x = np.linspace(0.1, 3.0, 1 << 18)
    t = hod.constant(x)
    with hod.GradientTape() as tape:
        tape.watch(t)
        y = hod.reduce_sum(hod.sin(t) * hod.exp(-t) + t ** 3)
    print("gradient", digest(tape.gradient(y, t).numpy()))
    print("derivative", digest(hod.derivative(lambda s: hod.exp(hod.sin(s)) / (1 + s * s),
                                              30)(x[:4096]).numpy()))
    print("partial", digest(hod.partial(lambda a, b: hod.exp(a * b) * hod.sin(a + b),
                                        (3, 4))(0.3, 0.6).numpy()))
    tensors = hod.derivative_tensor(lambda v: hod.exp(v[0] * v[1]) * hod.sin(v[2]),
                                    [0.3, 0.5, 0.7], 4)
    print("derivative_tensor", [digest(T.numpy()) for T in tensors])


if __name__ == "__main__":
    main()
