"""Cold start of the certified command, and the warm costs of the certified engine.

Run from the repository root (``--src`` picks the checkout; default: this one's ``src``)::

    python benchmarks/bench_certified_cli.py [--repeat 15] [--src src]

Cold start, interleaved in the same run (so a busy machine slows both alike), ``--repeat``
runs each, medians:

* ``python -m hod grad "2*x**3 + 5*y**2 + 11*x*y + 5" --at x=5,y=2 --check ball``;
* ``python -c "import numpy, click, rich.table, flint"``: the imports the command cannot
  avoid (the certified engine is python-flint's Arb).

The ratio of the medians is printed; the target is 1.25.  Both read compiled bytecode from
one temporary cache (``PYTHONPYCACHEPREFIX``, filled by an untimed first run), as an installed
package does.  ``--importtime`` also prints the modules of ``python -X importtime -c "import
hod.cli"`` that take the most time (cumulative), to see what the command imports.

Warm, in this process (``common.compare``: round-robin medians), via ``hod.certify``:

* the certified gradient of that expression at (5, 2) (target < 5 ms);
* the 100th derivative of exp(sin(x)) at 0.5 to 15 digits (target < 2 ms);
* the 1000th (target < 200 ms).

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = "2*x**3 + 5*y**2 + 11*x*y + 5"
TARGET_RATIO = 1.25


def cold_cases():
    return {
        "hod grad --check ball": [sys.executable, "-m", "hod", "grad", SEED, "--at", "x=5,y=2",
                                  "--check", "ball"],
        "import numpy, click, rich.table, flint": [
            sys.executable, "-c", "import numpy, click, rich.table, flint"],
    }


def once(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return dt


def cold(src, repeat):
    env = dict(os.environ, COLUMNS="100", PYTHONPATH=src)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cache = tempfile.TemporaryDirectory(prefix="hod-bench-pycache-")
    env["PYTHONPYCACHEPREFIX"] = cache.name
    cases = cold_cases()
    for cmd in cases.values():  # fill the bytecode cache and the file cache
        once(cmd, env)
    times = {name: [] for name in cases}
    for _ in range(repeat):
        for name, cmd in cases.items():
            times[name].append(once(cmd, env))
    cache.cleanup()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"cold-process wall time, {repeat} interleaved runs each "
          f"(python {sys.version.split()[0]})")
    for name in cases:
        print(f"  {name:40s} median {med[name] * 1000:7.1f} ms   "
              f"min {min(times[name]) * 1000:7.1f} ms")
    a, b = list(cases)
    ratio = med[a] / med[b]
    print(f"  ratio: {ratio:.2f}  (target <= {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'})")
    return ratio


def importtime(src, top=15):
    """The slowest imports (cumulative microseconds) of ``import hod.cli``."""
    env = dict(os.environ, PYTHONPATH=src)
    r = subprocess.run([sys.executable, "-X", "importtime", "-c", "import hod.cli"],
                       stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    rows = []
    for line in r.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cum, name = line.split("|", 2)
        rows.append((int(cum), int(own.split(":", 1)[1]), name[1:]))
    total = max((c for c, _, n in rows if n.strip() == "hod.cli"), default=None)
    print(f"\npython -X importtime -c 'import hod.cli': hod.cli cumulative "
          f"{total / 1000 if total else float('nan'):.1f} ms; top-level and hod modules by "
          f"cumulative time:")
    shown = [r for r in rows if not r[2].startswith(" ") or r[2].strip().startswith("hod")]
    for cum, own, name in sorted(shown, reverse=True)[:top]:
        print(f"  {cum / 1000:8.1f} ms (self {own / 1000:6.1f})  {name.strip()}")
    return rows


def warm(src):
    sys.path.insert(0, os.path.abspath(src))
    sys.path.insert(0, HERE)
    import warnings

    from common import compare, format_time

    import hod
    from hod.expr.parser import parse

    warnings.simplefilter("ignore")
    es = parse("exp(sin(x))")
    cases = [
        ("certified gradient of the seed at (5, 2)", 5e-3,
         lambda: hod.certify(SEED, {"x": 5, "y": 2}, kind="grad")),
        ("d100/dx100 exp(sin(x)) at 0.5, 15 digits", 2e-3,
         lambda: hod.certify(es, 0.5, kind="diff", wrt="x", order=100, digits=15)),
        ("d1000/dx1000 exp(sin(x)) at 0.5, 15 digits", 200e-3,
         lambda: hod.certify(es, 0.5, kind="diff", wrt="x", order=1000, digits=15)),
    ]
    print("\nwarm costs via hod.certify (median per call, round-robin):")
    timings = compare({name: fn for name, _, fn in cases}, rounds=7, min_time=0.05)
    for name, target, fn in cases:
        t = timings[name].median
        print(f"  {name:44s} {format_time(t):>10}  (target < {format_time(target)}: "
              f"{'met' if t < target else 'MISSED'})")
    d = hod.certify(es, 0.5, kind="diff", wrt="x", order=1000, digits=15)
    g = hod.certify(SEED, {"x": 5, "y": 2}, kind="grad")
    print(f"  values: gradient {[e.decimal() for e in g]}, d1000 {d.decimal()}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--src", default=os.path.join(os.path.dirname(HERE), "src"))
    ap.add_argument("--importtime", action="store_true",
                    help="also list the slowest imports of hod.cli")
    ap.add_argument("--no-cold", action="store_true")
    ap.add_argument("--no-warm", action="store_true")
    args = ap.parse_args(argv)
    src = os.path.abspath(args.src)
    if not args.no_cold:
        cold(src, args.repeat)
    if args.importtime:
        importtime(src)
    if not args.no_warm:
        warm(src)


if __name__ == "__main__":
    main()
