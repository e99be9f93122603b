"""Speed of this checkout against another one, same workloads, same run, as ratios.

Run from the repository root, naming the other checkout's ``src`` directory::

    git worktree add /tmp/hod-base <commit>
    python benchmarks/bench_versions.py /tmp/hod-base/src          # about two minutes
    python benchmarks/bench_versions.py /tmp/hod-base/src --rounds 3

Each round runs every workload once per checkout, alternating which goes first, in a fresh
child process that imports hod from that checkout (``PYTHONPATH``); a child times its workload
warm (median of repeated calls).  The figure per workload is the median over rounds of
(this checkout / the other): below 1 is faster.  Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
THIS_SRC = os.path.join(os.path.dirname(HERE), "src")

# Each workload: setup code, then a statement timed warm.  Written against the public API
# only, so that both checkouts run the same code.
WORKLOADS = {
    "Rosenbrock gradient, n=1000": (
        "import numpy as np, hod\n"
        "x = hod.Variable(np.linspace(-1, 1, 1000))\n"
        "def f(v): return hod.reduce_sum(100*(v[1:]-v[:-1]**2)**2 + (1-v[:-1])**2)\n",
        "with hod.GradientTape() as t:\n    y = f(x)\ng = t.gradient(y, x)"),
    "Rosenbrock Hessian, n=1000": (
        "import numpy as np, hod\n"
        "x0 = np.linspace(-1, 1, 1000)\n"
        "def f(v): return hod.reduce_sum(100*(v[1:]-v[:-1]**2)**2 + (1-v[:-1])**2)\n"
        "h = hod.hessian(f)\n",
        "h(x0)"),
    "gradient at 10^6 points": (
        "import numpy as np, hod\n"
        "rng = np.random.default_rng(0)\n"
        "x = hod.Variable(rng.random(10**6)); y = hod.Variable(rng.random(10**6))\n",
        "with hod.GradientTape() as t:\n"
        "    z = hod.reduce_sum(hod.sin(x)*hod.exp(y) + x**2*y)\n"
        "g = t.gradient(z, [x, y])"),
    "scalar chain, 1000 ops": (
        "import hod\nx = hod.Variable(0.5)\n",
        "with hod.GradientTape() as t:\n"
        "    y = x\n"
        "    for _ in range(250):\n"
        "        y = hod.sin(y) * 0.5 + y * y - 0.1\n"
        "g = t.gradient(y, x)"),
    "100th derivative of exp(sin(x))": (
        "import hod\nd = hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)\n",
        "d(0.5)"),
    "1000th derivative of exp(sin(x))": (
        "import warnings, hod\nwarnings.simplefilter('ignore')\n"
        "d = hod.derivative(lambda x: hod.exp(hod.sin(x)), 1000)\n",
        "d(0.5)"),
    "all partials <= 4, 10 variables": (
        "import numpy as np, hod\n"
        "x0 = np.linspace(0.1, 1.0, 10)\n"
        "def f(v): return hod.exp(hod.reduce_sum(hod.sin(v) * v[::-1]) / 10)\n",
        "hod.derivative_tensor(f, x0, 4)"),
    "mixed partial (3, 2) of exp(x*y)*sin(x+y)": (
        "import hod\np = hod.partial(lambda x, y: hod.exp(x*y)*hod.sin(x+y), (3, 2))\n",
        "p(0.3, 0.6)"),
}

CHILD = r"""
import json, statistics, sys, time
setup, stmt, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
env = {}
exec(setup, env)
code = compile(stmt, "<workload>", "exec")
exec(code, env)  # warm
times = []
end = time.perf_counter() + seconds
while time.perf_counter() < end or len(times) < 5:
    t0 = time.perf_counter()
    exec(code, env)
    times.append(time.perf_counter() - t0)
print(json.dumps(statistics.median(times)))
"""


def run(src, setup, stmt, seconds):
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run([sys.executable, "-c", CHILD, setup, stmt, str(seconds)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="the other checkout's src directory")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=1.0, help="timing per child")
    parser.add_argument("--only", default=None, help="workloads whose name contains this")
    args = parser.parse_args()
    names = [n for n in WORKLOADS if args.only is None or args.only in n]
    ratios = {n: [] for n in names}
    this_t = {n: [] for n in names}
    other_t = {n: [] for n in names}
    for r in range(args.rounds):
        for n in names:
            setup, stmt = WORKLOADS[n]
            order = [(THIS_SRC, this_t), (args.other, other_t)]
            if r % 2:
                order.reverse()
            got = {}
            for src, sink in order:
                got[src] = run(src, setup, stmt, args.seconds)
                sink[n].append(got[src])
            ratios[n].append(got[THIS_SRC] / got[args.other])
    width = max(len(n) for n in names)
    print(f"{'workload':<{width}}  {'this':>10}  {'other':>10}  ratio (median of {args.rounds})")
    for n in names:
        a, b = statistics.median(this_t[n]), statistics.median(other_t[n])
        print(f"{n:<{width}}  {a * 1e3:>8.3f}ms  {b * 1e3:>8.3f}ms  "
              f"{statistics.median(ratios[n]):.2f}")


if __name__ == "__main__":
    main()
