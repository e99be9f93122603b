"""Speed of the certified (ball) engine beside hod's float64 engines, in the same run.

Run from the repository root::

    PYTHONPATH=src python benchmarks/bench_ball.py

Each benchmark times, warm and round-robin (see ``common.compare``), the certified answer
(``hod.certify``, adaptive precision included) and the float64 engine that answers the same
question without a guarantee.  Targets of the certified engine: the gradient of the seed
example under 5 ms; the 100th derivative of exp(sin(x)) at 0.5 to 15 digits under 2 ms; the
1000th under 200 ms.  Nothing here asserts a time.
"""

from __future__ import annotations

import warnings

from common import compare, format_time, print_table

import hod
from hod.expr.parser import parse

SEED = "2*x**3 + 5*y**2 + 11*x*y + 5"


def bench(title, candidates, target=None, notes=()):
    timings = compare(candidates, rounds=5, min_time=0.05)
    ball = timings["certified"].median
    notes = list(notes)
    if target is not None:
        notes.append(f"target for the certified engine: {format_time(target)} "
                     f"({'met' if ball < target else 'MISSED'})")
    print_table(title, timings, reference="certified", notes=notes)


def main():
    warnings.simplefilter("ignore", hod.HodWarning)  # float64 overflows at order 1000
    g = parse(SEED)
    x, y = hod.Variable(5.0), hod.Variable(2.0)

    def tape_gradient():
        with hod.GradientTape() as tape:
            z = 2 * x ** 3 + 5 * y ** 2 + 11 * x * y + 5
        return tape.gradient(z, [x, y])

    bench("gradient of 2*x**3 + 5*y**2 + 11*x*y + 5 at (5, 2)", {
        "certified": lambda: hod.certify(SEED, {"x": 5, "y": 2}, kind="grad"),
        "certified, graph parsed once": lambda: hod.certify(g, {"x": 5, "y": 2}, kind="grad"),
        "float64 tape": tape_gradient,
    }, target=5e-3)

    es = parse("exp(sin(x))")
    for order, target in ((100, 2e-3), (1000, 200e-3)):
        d = hod.certify(es, 0.5, kind="diff", wrt="x", order=order)
        bench(f"d^{order}/dx^{order} exp(sin(x)) at 0.5, 15 digits", {
            "certified": lambda: hod.certify(es, 0.5, kind="diff", wrt="x", order=order),
            "float64 Taylor mode": lambda: hod.derivative(lambda t: hod.exp(hod.sin(t)),
                                                          order)(0.5),
        }, target=target, notes=[f"certified value {d.decimal()} (last attempt at {d.prec} "
                                 f"bits)"])

    sinc = parse("sin(x)/x")
    bench("d^20/dx^20 sin(x)/x at 0.9, 30 digits", {
        "certified": lambda: hod.certify(sinc, {"x": "0.9"}, kind="diff", wrt="x", order=20,
                                         digits=30),
        "float64 Taylor mode": lambda: hod.derivative(lambda t: hod.sin(t) / t, 20)(0.9),
    })

    exy = parse("exp(x*y)")
    bench("d^20/dx^10 dy^10 exp(x*y) at (10, 10), 15 digits", {
        "certified": lambda: hod.certify(exy, {"x": 10, "y": 10}, kind="diff",
                                         wrt={"x": 10, "y": 10}),
        "float64 Taylor mode": lambda: hod.partial(lambda a, b: hod.exp(a * b),
                                                   (10, 10))(10.0, 10.0),
    })


if __name__ == "__main__":
    main()
