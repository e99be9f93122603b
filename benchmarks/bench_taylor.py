"""Speed of hod's Taylor mode: high-order derivatives and full derivative tensors.

Run from the repository root::

    python benchmarks/bench_taylor.py            # the full run (about a minute)
    python benchmarks/bench_taylor.py --quick    # one round, fewer orders: a smoke run

Four benchmarks, each checked for correctness before it is timed:

a. the 100th derivative of exp(sin(x)) at x = 0.5, warm, in-process: hod's Taylor mode beside
   algopy's Taylor arithmetic and SymEngine's symbolic derivative when they are installed
   (optional imports, never dependencies of hod), timed round-robin in the same run;
b. time against the order n = 1..200 for the same function, with the exponent p of a fitted
   power law t ~ n^p (least squares on log t against log n over n >= 20);
c. every partial derivative of order <= 4 of a 10-variable expression (715 directions) by
   ``hod.derivative_tensor``, and the same tensors by nested tapes (gradient, Hessian and
   Jacobians of the Hessian), with the ratio;
d. the cold-process time of ``hod diff "exp(sin(x))" --wrt x --order 100 --at x=0.5
   --no-check`` as a ratio to the same command with ``--order 1``, interleaved runs, medians
   (``--cli`` runs only this part);
e. (``--why``, or the full run) why Taylor mode exists: the n-th derivative of exp(sin(x))
   for n = 1, 2, 4, ..., 64, 100 by nested tapes, by SymPy (diff, then evaluation) and by
   Taylor mode, each in a fresh process with a time budget (10 s by default).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import compare, format_time, optional_import, print_table  # noqa: E402

import hod  # noqa: E402

algopy = optional_import("algopy")
symengine = optional_import("symengine")

X0 = 0.5
REFERENCE_100 = -1.8795447056622344175600512614081051381345e106  # mpmath, 50 digits


def exp_sin(x):
    return hod.exp(hod.sin(x))


def check(name, got, want, rtol):
    if not abs(got - want) <= rtol * abs(want):
        raise SystemExit(f"{name} gives {got!r}, expected {want!r} (rtol {rtol})")


# --- a. the 100th derivative --------------------------------------------------------------

def bench_order_100(rounds, min_time):
    n = 100
    d = hod.derivative(exp_sin, n)
    candidates = {"hod": lambda: float(d(X0))}
    check("hod", candidates["hod"](), REFERENCE_100, 1e-12)
    notes = []
    if algopy is not None:
        def run_algopy():
            x = algopy.UTPM(np.zeros((n + 1, 1)))
            x.data[0, 0], x.data[1, 0] = X0, 1.0
            y = algopy.exp(algopy.sin(x))
            return y.data[n, 0] * math.factorial(n)

        check("algopy", run_algopy(), REFERENCE_100, 1e-10)
        candidates["algopy (UTPM)"] = run_algopy
    else:
        notes.append("algopy: not installed (pip install algopy), column skipped")
    if symengine is not None:
        xs = symengine.Symbol("x")

        def run_symengine():
            return float(symengine.diff(symengine.exp(symengine.sin(xs)), xs, n).subs({xs: X0}))

        check("symengine", run_symengine(), REFERENCE_100, 1e-9)
        candidates["symengine (diff + subs)"] = run_symengine
    else:
        notes.append("symengine: not installed (pip install symengine), column skipped")
    timings = compare(candidates, rounds=rounds, min_time=min_time, warmup=1)
    hod_t = timings["hod"].median
    notes += [f"{name} takes {t.median / hod_t:.0f}x hod's time" for name, t in timings.items()
              if name != "hod"]
    print_table("a. 100th derivative of exp(sin(x)) at x = 0.5, warm, per call",
                timings, notes=notes + ["target: hod <= 1 ms"])
    return timings["hod"].median


# --- b. time against order ----------------------------------------------------------------

def bench_orders(orders, rounds, min_time):
    fns = {n: hod.derivative(exp_sin, n) for n in orders}
    timings = compare({n: (lambda f=f: f(X0)) for n, f in fns.items()}, rounds=rounds,
                      min_time=min_time, warmup=1)
    times = np.array([timings[n].median for n in orders])
    ns = np.array(orders, dtype=np.float64)
    fit = ns >= 20
    p, _ = np.polyfit(np.log(ns[fit]), np.log(times[fit]), 1)
    print("b. time against order n, exp(sin(x)) at x = 0.5 (warm, per call)")
    shown = [n for n in orders if n in (1, 2, 5, 10, 20, 50, 100, 150, 200)]
    print("  " + "  ".join(f"n={n}: {format_time(timings[n].median)}" for n in shown))
    ratio = timings[200].median / timings[100].median if {100, 200} <= set(timings) else None
    print(f"  fitted t ~ n^p over n = 20..{max(orders)}: p = {p:.2f}"
          + (f"; t(200) / t(100) = {ratio:.2f}" if ratio else ""))
    print("  each order adds one recurrence step (a dot product of length n) per primitive: "
          "O(n^2) flops,\n  O(n) numpy calls; at these orders the calls' fixed cost dominates, "
          "so p < 2\n")
    return p


# --- c. the full derivative tensor ---------------------------------------------------------

def ten_variables(v):
    return (hod.sum(hod.sin(v) * v[::-1]) + hod.exp(hod.sum(v * v) / 10)
            + hod.log(1 + hod.sum(v[:5] * v[5:]) ** 2) + v[0] * v[1] * v[2] * v[3])


def nested_tensors(x):
    f = ten_variables
    return [f(hod.constant(x)), hod.grad(f)(x), hod.hessian(f)(x),
            hod.jacobian(hod.hessian(f))(x), hod.jacobian(hod.jacobian(hod.hessian(f)))(x)]


def bench_tensor(rounds, min_time):
    x = np.linspace(0.1, 1.0, 10)
    taylor = hod.derivative_tensor(ten_variables, x, 4)
    nested = nested_tensors(x)
    for m, (a, b) in enumerate(zip(taylor, nested)):
        if not np.allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-9):
            raise SystemExit(f"derivative_tensor order {m} disagrees with nested tapes")
    timings = compare({"hod": lambda: hod.derivative_tensor(ten_variables, x, 4),
                       "nested tapes": lambda: nested_tensors(x)},
                      rounds=rounds, min_time=min_time, warmup=1)
    ratio = timings["nested tapes"].median / timings["hod"].median
    print_table("c. every partial of order <= 4 of a 10-variable expression (1001 distinct "
                "partials, 715 directions)", timings,
                notes=["nested tapes: f, grad, hessian, jacobian(hessian), "
                       "jacobian(jacobian(hessian)); all entries agree to 1e-9",
                       f"nested tapes take {ratio:.0f}x Taylor mode's time"])
    return timings["hod"].median, timings["nested tapes"].median


# --- d. cold command line -------------------------------------------------------------------

def bench_cli(repeats):
    """Cold processes, interleaved (a busy machine slows both alike), each reading compiled
    bytecode from one temporary cache filled by an untimed first run, as an installed package
    does (with PYTHONDONTWRITEBYTECODE set, every run would compile hod's sources again)."""
    import tempfile

    base = [sys.executable, "-m", "hod", "diff", "exp(sin(x))", "--wrt", "x", "--at", "x=0.5",
            "--no-check"]
    cache = tempfile.TemporaryDirectory(prefix="hod-bench-pycache-")
    env = dict(os.environ, COLUMNS="100")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = cache.name
    cases = {(fmt, n): base + ["--order", str(n), "--format", fmt]
             for fmt in ("plain", "table") for n in (1, 100)}
    for cmd in cases.values():  # fill the bytecode cache, and check each command works
        probe = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if probe.returncode != 0:
            msg = (probe.stderr or probe.stdout).strip().splitlines()
            raise SystemExit(f"{' '.join(cmd[2:])} failed: {msg[-1] if msg else probe.returncode}")
    check("cold hod diff --order 100",
          float(subprocess.run(cases["plain", 100], capture_output=True, text=True, env=env,
                               check=True).stdout), REFERENCE_100, 1e-12)
    times = {key: [] for key in cases}
    for _ in range(repeats):
        for key, cmd in cases.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                           check=True)
            times[key].append(time.perf_counter() - t0)
    cache.cleanup()
    med = {key: statistics.median(v) for key, v in times.items()}
    print(f"d. cold process: hod diff \"exp(sin(x))\" --wrt x --at x=0.5 --no-check "
          f"(median of {repeats} interleaved runs)")
    ratios = {}
    for fmt in ("plain", "table"):
        ratios[fmt] = med[fmt, 100] / med[fmt, 1]
        print(f"  --format {fmt:5s}  --order 1: {format_time(med[fmt, 1])} "
              f"(min {format_time(min(times[fmt, 1]))})   --order 100: "
              f"{format_time(med[fmt, 100])} (min {format_time(min(times[fmt, 100]))})   "
              f"ratio {ratios[fmt]:.3f} (target <= 1.2)")
    print()
    return ratios["plain"]


# --- e. why Taylor mode ----------------------------------------------------------------------

# Each child times ``run()``: once for SymPy (whose caches would flatter a repeat), as the
# median of repeated warm calls for the tapes and Taylor mode (up to about 0.3 s of calls).
_CHILD = {
    "nested tapes": ("import hod\n"
                     "f = lambda x: hod.exp(hod.sin(x))\n"
                     "run = lambda: float(hod.nested_derivative(f, N)(0.5))\n"
                     "REPEAT = True\n"),
    "SymPy": ("import sympy\n"
              "x = sympy.Symbol('x')\n"
              "d = lambda: sympy.diff(sympy.exp(sympy.sin(x)), x, N)\n"
              "run = lambda: float(d().evalf(30, subs={x: 0.5}))\n"
              "REPEAT = False\n"),
    "Taylor mode": ("import hod\n"
                    "f = lambda x: hod.exp(hod.sin(x))\n"
                    "run = lambda: float(hod.derivative(f, N)(0.5))\n"
                    "REPEAT = True\n"),
}
_TIMER = """
t0 = time.perf_counter(); v = run(); times = [time.perf_counter() - t0]
while REPEAT and sum(times) < 0.3 and len(times) < 200:
    t0 = time.perf_counter(); run(); times.append(time.perf_counter() - t0)
times = sorted(times[1:]) or times
print(times[len(times) // 2], repr(v))
"""


def _child_time(method, n, budget):
    """Seconds for one n-th derivative in a fresh process (imports excluded), or None past
    the budget."""
    code = f"import time\nN = {n}\n" + _CHILD[method] + _TIMER
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=budget + 5, check=True).stdout.split()
    except subprocess.TimeoutExpired:
        return None, None
    t = float(out[0])
    return (t, float(out[1])) if t <= budget else (None, None)


def bench_why(orders, budget):
    print(f"e. n-th derivative of exp(sin(x)) at x = 0.5 in a fresh process (budget {budget:g} "
          "s;\n   SymPy: one call, diff then evalf; tapes and Taylor mode: median warm call)")
    methods = list(_CHILD)
    print(f"  {'n':>4}" + "".join(f"{m:>16}" for m in methods))
    given_up = set()
    rows = []
    for n in orders:
        cells, values = [], []
        for m in methods:
            t, v = (None, None) if m in given_up else _child_time(m, n, budget)
            if t is None:
                given_up.add(m)
                cells.append(f"> {budget:g} s")
            else:
                cells.append(format_time(t))
                values.append(v)
        if len(values) > 1 and not all(math.isclose(v, values[-1], rel_tol=1e-8)
                                       for v in values):
            cells[-1] += " (!)"
        rows.append((n, cells))
        print(f"  {n:>4}" + "".join(f"{c:>16}" for c in cells))
    print("  (!) marks a value that disagrees with the others\n")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, fewer orders")
    parser.add_argument("--why", action="store_true",
                        help="only the table of nested tapes, SymPy and Taylor mode (e.)")
    parser.add_argument("--cli", action="store_true",
                        help="only the cold command-line ratio (d.)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="interleaved runs of each command in d. (default 21, quick 5)")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="time budget per cell of the --why table (seconds)")
    args = parser.parse_args(argv)
    rounds, min_time = (1, 0.01) if args.quick else (7, 0.1)
    orders = [1, 2, 5, 10, 20, 50, 100, 150, 200] if args.quick else list(range(1, 201))
    print(f"hod {hod.__version__}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}")
    print(f"optional: algopy {getattr(algopy, '__version__', 'absent')}, "
          f"symengine {getattr(symengine, '__version__', 'absent')}\n")
    why_orders = [1, 2, 4, 8, 16, 32, 64, 100]
    repeats = args.repeat or (5 if args.quick else 21)
    if args.cli:
        bench_cli(repeats)
        return
    if args.why:
        bench_why(why_orders, args.budget)
        return
    bench_order_100(rounds, min_time)
    bench_orders(orders, 3 if not args.quick else 1, 0.02 if not args.quick else 0.005)
    bench_tensor(rounds if not args.quick else 1, min_time)
    bench_cli(repeats)
    if not args.quick:
        bench_why(why_orders, args.budget)


if __name__ == "__main__":
    main()
