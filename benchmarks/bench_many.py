"""Many points: hod against a hand-written polars script, in the same run (issue #10).

The task: the value and gradient of sin(x)*exp(y) + x**2*y at 10^6 points, from a CSV file
to a CSV file.  Each candidate runs as its own process (start-up included), round-robin over
several rounds; the figure is the median wall time, and the ratio is hod's over the
script's.  Then the peak memory (maximum resident set, from ``getrusage`` of the child) of
10^7 points from a grid, written to /dev/null.

    python benchmarks/bench_many.py [--points 1000000] [--rounds 3]

Also the measurement that chose the reading and writing library: polars against pyarrow
(and numpy's loadtxt/savetxt) on the same file.  A script, never a test: nothing asserts.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

EXPR = "sin(x)*exp(y) + x**2*y"

POLARS_SCRIPT = """
import sys, polars as pl
df = pl.read_csv(sys.argv[1], schema={"x": pl.Float64, "y": pl.Float64})
x, y = pl.col("x"), pl.col("y")
df.with_columns((x.sin() * y.exp() + x * x * y).alias("f"),
                (x.cos() * y.exp() + 2 * x * y).alias("df/dx"),
                (x.sin() * y.exp() + x * x).alias("df/dy")).write_csv(sys.argv[2])
"""


def _env():
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    return {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "HOD_NO_PROGRESS": "1"}


def _run(argv, stdout=subprocess.DEVNULL):
    """(wall seconds, peak RSS in MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=_env())
    _, rusage = os.wait4(p.pid, 0)[1:]
    dt = time.perf_counter() - t0
    err = p.stderr.read().decode()
    p.stderr.close()
    del before
    return dt, rusage.ru_maxrss / 1024, err


def make_points(path, n, seed=0):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    pl.DataFrame({"x": rng.uniform(-3, 3, n), "y": rng.uniform(-3, 3, n)}).write_csv(path)


def speed(n, rounds):
    tmp = tempfile.mkdtemp(prefix="hod-bench-many-")
    pts = os.path.join(tmp, "points.csv")
    make_points(pts, n)
    script = os.path.join(tmp, "by_hand.py")
    with open(script, "w") as fh:
        fh.write(POLARS_SCRIPT)
    out = os.path.join(tmp, "out.csv")
    hod = [sys.executable, "-m", "hod", "grad", EXPR, "--points", pts, "--format", "csv"]
    candidates = {
        "polars script (hand-written formulas)": [sys.executable, script, pts, out],
        "hod grad --no-check": hod + ["--no-check"],
        "hod grad (symbolic check, 3 certified)": hod,
        "hod grad --check sympy": hod + ["--check", "sympy"],
    }
    times = {k: [] for k in candidates}
    for _ in range(rounds):
        for name, argv in candidates.items():
            with open(out, "wb") as fh:
                dt, _, err = _run(argv, stdout=fh if argv[1] != script else subprocess.DEVNULL)
            if err.strip():
                print(f"  ({name}: {err.strip()})")
            times[name].append(dt)
    base = statistics.median(times["polars script (hand-written formulas)"])
    print(f"{n:,} points, CSV to CSV, median of {rounds} rounds (start-up included):")
    for name, ts in times.items():
        m = statistics.median(ts)
        print(f"  {name:42s} {m:7.3f} s   {m / base:5.2f}x")


def memory(n):
    side = int(round(n ** 0.5))
    argv = [sys.executable, "-m", "hod", "grad", EXPR, "--grid",
            f"x=-3:3:{side},y=-3:3:{side}", "--format", "csv"]
    for label, extra in (("--no-check", ["--no-check"]), ("checked", [])):
        dt, rss, err = _run(argv + extra)
        print(f"{side * side:,} points from a grid to /dev/null, {label}: {dt:.1f} s, "
              f"peak RSS {rss:.0f} MB")


def libraries(n):
    """The measurement behind the choice of polars (CSV, JSON Lines) and pyarrow (Parquet)."""
    import io

    import numpy as np
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tmp = tempfile.mkdtemp(prefix="hod-bench-io-")
    pts = os.path.join(tmp, "points.csv")
    make_points(pts, n)
    rng = np.random.default_rng(1)
    cols = {k: rng.uniform(-3, 3, n) for k in ("x", "y", "f", "dfdx", "dfdy")}

    def best(fn, k=3):
        ts = []
        for _ in range(k):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return min(ts)

    def polars_blocks():
        with open(pts, "rb") as fh:
            header = fh.readline()
            while data := fh.read(1 << 23):
                data += fh.readline()
                pl.read_csv(io.BytesIO(header + data),
                            schema={"x": pl.Float64, "y": pl.Float64})

    def pyarrow_stream():
        for _ in pacsv.open_csv(pts):
            pass

    rows = {
        "read, polars by blocks (hod)": best(polars_blocks),
        "read, pyarrow streaming": best(pyarrow_stream),
        "read, numpy loadtxt": best(lambda: np.loadtxt(pts, delimiter=",", skiprows=1), 1),
        "write 5 columns, polars (hod)": best(lambda: pl.DataFrame(cols).write_csv(
            os.path.join(tmp, "a.csv"))),
        "write 5 columns, pyarrow": best(lambda: pacsv.write_csv(
            pa.table(cols), os.path.join(tmp, "b.csv"))),
        "write 5 columns, numpy savetxt": best(lambda: np.savetxt(
            os.path.join(tmp, "c.csv"), np.column_stack(list(cols.values())),
            delimiter=",", fmt="%r"), 1),
    }
    print(f"reading and writing {n:,} rows:")
    for k, v in rows.items():
        print(f"  {k:34s} {v:7.3f} s")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10 ** 6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory-points", type=int, default=10 ** 7)
    ap.add_argument("--skip-libraries", action="store_true")
    a = ap.parse_args()
    speed(a.points, a.rounds)
    memory(a.memory_points)
    if not a.skip_libraries:
        libraries(a.points)


if __name__ == "__main__":
    main()
