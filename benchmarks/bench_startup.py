"""Cold-process time of the ``hod`` command against the imports it cannot avoid.

Measured in the same run, interleaved (so that a busy machine slows all of them alike):

* ``hod grad "2*x**3+5*y**2" --at x=5,y=2 --no-check --format plain`` against
  ``python -c "import numpy, click, rich.console, rich.table"``;
* ``hod grad "2*x**3+5*y**2" --at x=5,y=2`` (the checked table) against the same imports plus
  ``sympy``;
* ``hod diff "exp(sin(x))" --order 100 --at x=0.5 --no-check --format plain`` (Taylor mode) and
  ``hod taylor "exp(sin(x))" --order 20 --at x=0.5 --no-check --format plain`` against the
  bare imports.

Each command runs as ``python -m hod ...`` with the current interpreter, so the console-script
wrapper does not count.  Every run reads compiled bytecode from one temporary cache
(``PYTHONPYCACHEPREFIX``, filled by a first untimed run), as an installed package does: with
``PYTHONDONTWRITEBYTECODE`` set, as in some environments, every run would otherwise compile
hod's sources again, which is not a start-up cost of an installed hod.  Prints the median and minimum wall time of each over ``--repeat``
runs and the ratios of the medians (the target is at most 1.2 each).

    python benchmarks/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

EXPR = "2*x**3+5*y**2"
CASES = {
    "base": [sys.executable, "-c", "import numpy, click, rich.console, rich.table"],
    "base+sympy": [sys.executable, "-c", "import numpy, click, rich.console, rich.table, sympy"],
    "hod --no-check plain": [sys.executable, "-m", "hod", "grad", EXPR, "--at", "x=5,y=2",
                             "--no-check", "--format", "plain"],
    "hod checked table": [sys.executable, "-m", "hod", "grad", EXPR, "--at", "x=5,y=2"],
    "hod diff order 100": [sys.executable, "-m", "hod", "diff", "exp(sin(x))", "--order", "100",
                           "--at", "x=0.5", "--no-check", "--format", "plain"],
    "hod taylor order 20": [sys.executable, "-m", "hod", "taylor", "exp(sin(x))", "--order",
                            "20", "--at", "x=0.5", "--no-check", "--format", "plain"],
}
PAIRS = [("hod --no-check plain", "base"), ("hod checked table", "base+sympy"),
         ("hod diff order 100", "base"), ("hod taylor order 20", "base")]


ENV = dict(os.environ, COLUMNS="100")


def once(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return dt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    cache = tempfile.TemporaryDirectory(prefix="hod-bench-pycache-")
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = cache.name
    for cmd in CASES.values():  # fill the bytecode cache and the file cache
        once(cmd)
    times = {name: [] for name in CASES}
    for _ in range(args.repeat):
        for name, cmd in CASES.items():
            times[name].append(once(cmd))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"cold-process wall time, {args.repeat} interleaved runs each "
          f"(python {sys.version.split()[0]})")
    for name in CASES:
        print(f"  {name:22s} median {med[name] * 1000:7.1f} ms   "
              f"min {min(times[name]) * 1000:7.1f} ms")
    for a, b in PAIRS:
        print(f"  ratio {a} / {b}: {med[a] / med[b]:.2f}  (target <= 1.2)")
    cache.cleanup()


if __name__ == "__main__":
    main()
