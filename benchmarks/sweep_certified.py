"""Sweep: hod's printed derivatives against 50-digit references, in each checking mode.

Run from the repository root (any checkout: the hod under test is the one on ``--src``)::

    python benchmarks/sweep_certified.py --src src
    python benchmarks/sweep_certified.py --src ../old-checkout/src      # "before" numbers

Every value is the derivative of order n (1..60, 100, 200, 500) of one of the functions
below at one of the points (1e-8 .. 400, only where the function is defined), as
``hod.check_diff`` prints it (``PointResult.result``), judged against a reference with 50
correct digits.

The references come from hod's certified engine, ``hod.certify(..., digits=50)`` (ball
arithmetic: each reference is an interval proven to hold the true value), imported from
``--ref-src`` (default: this checkout's ``src``) in a child process, so the checkout under
test may be one without the engine.  A sample of them is cross-checked against mpmath
(``mp.dps = 60``, ``mpmath.diff`` of the mpmath counterpart of each expression), which shares
no code with hod; the largest relative difference is printed.  References are cached in
``--ref-cache`` (a directory, default the temporary one), one file per grid.

Each value falls in one class (first that applies):

* ``no reference``: the certified engine could not resolve 50 digits (never seen);
* ``crash``: check_diff raised;
* ``false overflow/undefined``: the status says overflow, not defined or not
  differentiable where the derivative exists and fits in a float64;
* ``correct, called disagree``: the printed value is right, yet the point or the component
  says disagree;
* ``correct``: within rtol=1e-9 of the reference (an exact 0 must print as 0; a value
  that is 0 to 100 digits without a proof of exactness, within hod's atol of 1e-12);
  ``correct (certified shown)`` when float64's own number was not, and hod printed the
  certified value instead;
* ``too large, flagged overflow``: the value is beyond float64, not printed, and the status
  says overflow;
* ``underflow (below 2.2e-308)``: the value is below float64's normal range, and printed
  as 0 or a subnormal, not within rtol (within hod's atol, so its checks agree);
* ``wrong, flagged``: not within rtol, and the status is not ok, or there is a warning, or the
  component's check is ``corrected``/``disagree``;
* ``wrong, silent``: not within rtol, and nothing says so.

Modes: ``nocheck`` (``check=False``, the command's ``--no-check``) and ``ball``
(``check="ball"``, the certified engine alone) on the full grid; ``default`` (``check=True``,
ball and SymPy) on a sample of orders, since SymPy takes seconds per call.  A checkout without
``check="ball"`` (no certified engine) has no ``ball`` row; its default mode is ``check=True``
there too.  ``--jobs`` runs (function, order) calls in parallel worker processes.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_REF_SRC = os.path.join(os.path.dirname(HERE), "src")

RTOL = 1e-9
REF_DIGITS = 50
DBL_MAX = 1.7976931348623157e308
DBL_MIN = 2.2250738585072014e-308  # the smallest normal float64

POINTS = (1e-8, 1e-3, 0.1, 0.5, 0.9, 1.0, 2.5, 10.0, 30.0, 100.0, 400.0)
ORDERS_FULL = tuple(range(1, 61)) + (100, 200, 500)
ORDERS_SAMPLE = (1, 3, 12, 30, 60, 200)
TAYLOR_UPTO = 60
# A certified ball around 0 narrower than this is a zero reference not proven exact (the
# value is 0 to hundreds of digits, e.g. d4/dx4 sqrt(1+x**2) at 0.5): the printed value is
# judged with hod's absolute tolerance ATOL there.
ZERO_BALL = 1e-100
ATOL = 1e-12  # orders up to this come from one certified Taylor expansion per point

# (hod text, mpmath counterpart as text in the names of mpmath, domain of the sweep's points)
FUNCTIONS = (
    ("exp(sin(x))", "exp(sin(x))", None),
    ("sin(x)/x", "sin(x)/x", None),
    ("(exp(x)-1)/x", "(exp(x)-1)/x", None),
    ("log(1+x)/x", "log(1+x)/x", None),
    ("atan(x)", "atan(x)", None),
    ("tan(x)", "tan(x)", None),
    ("x**x", "x**x", None),
    ("sigmoid(x)", "1/(1+exp(-x))", None),
    ("tanh(x)", "tanh(x)", None),
    ("softplus(x)", "log1p(exp(x))", None),
    ("1/(1+x**2)", "1/(1+x**2)", None),
    ("sqrt(1+x**2)", "sqrt(1+x**2)", None),
    ("log(x)", "log(x)", None),
    ("exp(x)", "exp(x)", None),
    ("exp(x/10)", "exp(x/10)", None),
    ("cos(x)*exp(-x)", "cos(x)*exp(-x)", None),
    ("asinh(x)", "asinh(x)", None),
    ("x**2.5", "x**2.5", None),
    ("abs(x)", "fabs(x)", None),
    ("sin(x)", "sin(x)", None),
    ("sqrt(x)", "sqrt(x)", None),
    ("(1-cos(x))/x**2", "(1-cos(x))/x**2", None),
    ("expm1(x)/x", "expm1(x)/x", None),
    ("log1p(x)", "log1p(x)", None),
    ("x**3 - 2*x", "x**3 - 2*x", None),
    ("sin(x**2)", "sin(x**2)", None),
    ("exp(-x**2)", "exp(-x**2)", None),
    ("atan(x)/x", "atan(x)/x", None),
    ("asin(x)", "asin(x)", "abs1"),
    ("atanh(x)", "atanh(x)", "abs1"),
    ("acosh(x)", "acosh(x)", "gt1"),
    ("cosh(x)", "cosh(x)", None),
    ("x*log(x)", "x*log(x)", None),
    ("1/x", "1/x", None),
    ("exp(x)*sin(x)", "exp(x)*sin(x)", None),
    ("log(cosh(x))", "log(cosh(x))", None),
)

DOMAINS = {None: lambda x: True, "abs1": lambda x: abs(x) < 1, "gt1": lambda x: x > 1}

CLASSES = ("correct", "correct (certified shown)", "too large, flagged overflow",
           "underflow (below 2.2e-308)", "wrong, flagged", "wrong, silent", "false overflow/undefined",
           "correct, called disagree", "crash", "no reference")
FALSE_STATUSES = ("overflow", "undefined", "not differentiable", "derivative undefined")


def points_of(domain):
    return [p for p in POINTS if DOMAINS[domain](p)]


def grid_key(functions, orders):
    text = json.dumps([[f[0] for f in functions], list(POINTS), list(orders), REF_DIGITS])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# =========================================================================================
# References (child process, hod from --ref-src)
# =========================================================================================

def _ball_to_mpf(mp, ball):
    m, e = ball.mid().man_exp()
    r, f = ball.rad().man_exp()
    return mp.ldexp(mp.mpf(int(m)), int(e)), mp.ldexp(mp.mpf(int(r)), int(f))


def _reference_entry(mp, enc, scale=1):
    """(mid as text, relative radius, exact zero) of an Enclosure times ``scale``."""
    if enc.ball.is_zero():
        return ["0", 0.0, True]
    mid, rad = _ball_to_mpf(mp, enc.ball)
    mid, rad = mid * scale, rad * scale
    if rad >= abs(mid) and abs(mid) + rad < ZERO_BALL:
        return ["0", float(abs(mid) + rad), "zero ball"]
    if not enc.resolved or rad >= abs(mid):
        return None
    return [mp.nstr(mid, REF_DIGITS + 5, strip_zeros=False), float(rad / abs(mid)), False]


def emit_references(ref_src, functions, orders, out_path):
    sys.path.insert(0, ref_src)
    sys.set_int_max_str_digits(0)
    import mpmath as mp_module

    import hod

    mp = mp_module.mp
    mp.dps = 60
    refs = {}
    t0 = time.perf_counter()
    for text, _, domain in functions:
        for x in points_of(domain):
            low = [n for n in orders if n <= TAYLOR_UPTO]
            if low:
                cs = hod.certify(text, {"x": x}, kind="taylor", wrt="x", order=max(low),
                                 digits=REF_DIGITS)
                for n in low:
                    refs[f"{text}|{x!r}|{n}"] = _reference_entry(mp, cs[n], mp.factorial(n))
            for n in (n for n in orders if n > TAYLOR_UPTO):
                d = hod.certify(text, {"x": x}, kind="diff", wrt="x", order=n,
                                digits=REF_DIGITS)
                refs[f"{text}|{x!r}|{n}"] = _reference_entry(mp, d)
    seconds = time.perf_counter() - t0
    cross = cross_check(mp, functions, refs)
    with open(out_path, "w") as fh:
        json.dump({"key": grid_key(functions, orders), "refs": refs, "seconds": seconds,
                   "cross_check": cross}, fh)


CROSS_ORDERS = (1, 2, 7, 20, 60)
CROSS_POINTS = (1e-3, 0.5, 2.5, 30.0)


def cross_check(mp, functions, refs):
    """mpmath.diff (60 digits) against the certified references on a sample: the largest
    relative difference, and how many values were compared."""
    worst, count, rows = 0.0, 0, []
    env = {name: getattr(mp, name) for name in dir(mp) if not name.startswith("_")}
    for text, mtext, _ in functions:
        f = eval("lambda x: " + mtext, env)  # noqa: S307 (the table above)
        for x in CROSS_POINTS:
            for n in CROSS_ORDERS:
                ref = refs.get(f"{text}|{x!r}|{n}")
                if ref is None:
                    continue
                v = mp.diff(f, mp.mpf(x), n)
                r = mp.mpf(ref[0])
                rel = float(abs(v - r) / abs(r)) if r else float(abs(v))
                count += 1
                if rel > worst:
                    worst = rel
                rows.append((rel, text, x, n))
    rows.sort(reverse=True)
    return {"compared": count, "max_rel_diff": worst,
            "worst": [list(r) for r in rows[:3]]}


def load_references(args, functions, orders):
    key = grid_key(functions, orders)
    path = os.path.join(args.ref_cache or tempfile.gettempdir(), f"hod_sweep_refs_{key}.json")
    if os.path.exists(path):
        with open(path) as fh:
            data = json.load(fh)
        if data.get("key") == key:
            return data, path, True
    cmd = [sys.executable, os.path.abspath(__file__), "--emit-references", path,
           "--ref-src", args.ref_src, "--functions", args.functions or "",
           "--orders", args.orders]
    subprocess.run(cmd, check=True, env={k: v for k, v in os.environ.items()
                                         if k != "PYTHONPATH"})
    with open(path) as fh:
        return json.load(fh), path, False


# =========================================================================================
# The hod under test
# =========================================================================================

HOD = None
HAS_BALL = False


def import_hod(src):
    global HOD, HAS_BALL
    if src:
        sys.path.insert(0, os.path.abspath(src))
    # Python's limit on int <-> str conversions (4300 digits) stays as a user has it: an
    # exception it causes in hod is a crash here too.
    import hod

    HOD = hod
    warnings.simplefilter("ignore")
    HAS_BALL = hasattr(hod, "certify") and "digits" in inspect.signature(
        hod.check_diff).parameters
    return hod


def mode_check_argument(mode):
    return {"nocheck": False, "ball": "ball", "default": True}[mode]


def run_call(job):
    """check_diff of one function at one order over its points: one row per point.  When the
    call raises, each point is asked alone, so a crash is counted at the points that cause
    it."""
    text, domain, order, mode, timeout = job
    t0 = time.perf_counter()
    rows = _call_rows(text, points_of(domain), order, mode, timeout)
    if rows is None:
        rows = []
        for x in points_of(domain):
            rows.extend(_call_rows(text, [x], order, mode, timeout, alone=True))
    return rows, time.perf_counter() - t0


def _call_rows(text, xs, order, mode, timeout, alone=False):
    try:
        report = HOD.check_diff(text, "x", [{"x": x} for x in xs], order=order,
                                check=mode_check_argument(mode), timeout=timeout)
    except Exception as exc:  # noqa: BLE001 (a crash is one of the classes)
        if not alone:
            return None
        err = f"{type(exc).__name__}: {exc}"[:200]
        return [dict(text=text, x=x, order=order, crash=err) for x in xs]
    rows = []
    for x, p in zip(xs, report.results):
        comp = next((c for c in p.components if getattr(c, "part", None) == "result"), None)
        rows.append(dict(
            text=text, x=x, order=order, result=_plain(p.result),
            tape=_plain(getattr(comp, "tape", None)), status=p.status,
            warnings=[str(w) for w in p.warnings],
            component_check=getattr(comp, "check", None),
            checks=sorted({getattr(c, "check", None) or "" for c in p.components})))
    return rows


def _plain(v):
    if v is None or isinstance(v, str):
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


# =========================================================================================
# Classification
# =========================================================================================

def _close(mp, printed, ref):
    """Relative error of the printed value against the reference (0 for an exact match)."""
    if printed is None:
        return math.inf
    try:
        v = mp.mpf(printed)
    except (TypeError, ValueError):
        return math.inf
    if not mp.isfinite(v):
        return math.inf
    r = mp.mpf(ref[0])
    if ref[2] == "zero ball":
        return 0.0 if abs(v) <= ATOL else math.inf
    if ref[2]:  # exact zero
        return 0.0 if v == 0 else math.inf
    return float(abs(v - r) / abs(r))


def _tiny(mp, printed):
    try:
        return abs(mp.mpf(printed)) < DBL_MIN
    except (TypeError, ValueError):
        return False


def classify(mp, row, ref):
    """(class, relative error of the printed value, float64 correct?)"""
    if ref is None:
        return "no reference", math.nan, None
    if "crash" in row:
        return "crash", math.inf, None
    rel = _close(mp, row["result"], ref)
    ok = rel <= RTOL
    f64_ok = _close(mp, row["tape"], ref) <= RTOL if row["tape"] is not None else ok
    fits = bool(ref[2]) or abs(mp.mpf(ref[0])) <= DBL_MAX
    status = row["status"]
    if fits and status in FALSE_STATUSES:
        return "false overflow/undefined", rel, f64_ok
    if ok and (status == "disagree" or row["component_check"] == "disagree"):
        return "correct, called disagree", rel, f64_ok
    if ok:
        return ("correct" if f64_ok else "correct (certified shown)"), rel, f64_ok
    if not fits and status == "overflow":
        return "too large, flagged overflow", rel, f64_ok
    if not ref[2] and abs(mp.mpf(ref[0])) < DBL_MIN and _tiny(mp, row["result"]):
        return "underflow (below 2.2e-308)", rel, f64_ok
    flagged = (status not in ("ok", "unchecked") or row["warnings"]
               or row["component_check"] in ("corrected", "disagree"))
    return ("wrong, flagged" if flagged else "wrong, silent"), rel, f64_ok


def sweep(mode, functions, orders, refs, jobs, timeout):
    import mpmath

    mp = mpmath.mp
    mp.dps = 60
    work = [(text, domain, n, mode, timeout) for text, _, domain in functions for n in orders]
    t0 = time.perf_counter()
    if jobs > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            results = pool.map(run_call, work, chunksize=1)
    else:
        results = [run_call(w) for w in work]
    wall = time.perf_counter() - t0
    call_seconds = sorted(s for _, s in results)
    rows = []
    for batch, _ in results:
        for row in batch:
            ref = refs.get(f"{row['text']}|{row['x']!r}|{row['order']}")
            cls, rel, f64_ok = classify(mp, row, ref)
            row.update(cls=cls, rel=rel, f64_ok=f64_ok, ref=None if ref is None else ref[0])
            rows.append(row)
    return rows, wall, call_seconds


# =========================================================================================
# Output
# =========================================================================================

def summary_table(runs):
    """runs: list of (label, rows, wall seconds)."""
    width = max(len(c) for c in CLASSES) + 2
    head = "class".ljust(width) + "".join(f"{label:>24}" for label, _, _ in runs)
    lines = [head, "-" * len(head)]
    counts = [collections.Counter(r["cls"] for r in rows) for _, rows, _ in runs]
    for c in CLASSES:
        lines.append(c.ljust(width) + "".join(f"{cnt[c]:>24}" for cnt in counts))
    lines.append("-" * len(head))
    lines.append("values".ljust(width) + "".join(f"{len(rows):>24}" for _, rows, _ in runs))
    f64 = [sum(1 for r in rows if r.get("f64_ok") is False) for _, rows, _ in runs]
    lines.append("(float64 itself off)".ljust(width) + "".join(f"{n:>24}" for n in f64))
    lines.append("seconds".ljust(width) + "".join(
        f"{w:>24.1f}" if math.isfinite(w) else f"{'(same run)':>24}" for _, _, w in runs))
    return "\n".join(lines)


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.10g}"
    if isinstance(v, str) and len(v) > 24:
        import mpmath

        try:
            return mpmath.nstr(mpmath.mpf(v), 10)
        except (TypeError, ValueError):
            return v[:24] + "..."
    return str(v)


def worst_examples(label, rows, per_class):
    out = []
    for cls in ("wrong, silent", "false overflow/undefined", "correct, called disagree",
                "wrong, flagged", "crash", "underflow (below 2.2e-308)",
                "too large, flagged overflow",
                "correct (certified shown)"):
        picked = [r for r in rows if r["cls"] == cls]
        if not picked:
            continue
        picked.sort(key=lambda r: (-(r["rel"] if math.isfinite(r["rel"]) else 1e308)))
        out.append(f"  [{label}] {cls}: {len(picked)}")
        for r in picked[:per_class]:
            if "crash" in r:
                out.append(f"    d{r['order']} {r['text']} at x={r['x']!r}: {r['crash']}")
                continue
            note = (r["warnings"][0][:110] if r["warnings"] else "")
            out.append(f"    d{r['order']} {r['text']} at x={r['x']!r}: printed "
                       f"{_fmt(r['result'])} (float64 {_fmt(r['tape'])}), reference "
                       f"{_fmt(r['ref'])}, rel err {r['rel']:.2g}, status {r['status']}, "
                       f"check {r['component_check']}" + (f"; {note}" if note else ""))
    return "\n".join(out)


def flag_breakdown(label, rows):
    c = collections.Counter(r["status"] for r in rows if r["cls"] == "wrong, flagged")
    if not c:
        return ""
    return f"  [{label}] wrong, flagged by status: " + ", ".join(
        f"{s}: {n}" for s, n in c.most_common())


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", help="the checkout's src directory (inserted at sys.path[0])")
    ap.add_argument("--ref-src", default=DEFAULT_REF_SRC,
                    help="src with hod.certify, for the references (default: this checkout)")
    ap.add_argument("--ref-cache", help="directory of the references files, one per grid "
                    "(default: the temporary directory)")
    ap.add_argument("--modes", default="nocheck,ball,default",
                    help="comma-separated: nocheck, ball, default")
    ap.add_argument("--orders", default="full",
                    help="full (1..60, 100, 200, 500), sample, or a comma-separated list")
    ap.add_argument("--default-orders", default="sample",
                    help="orders of the default mode (check=True, SymPy): sample, full, list")
    ap.add_argument("--functions", default="",
                    help="only the functions whose text contains one of these (|-separated)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--timeout", type=float, default=10.0,
                    help="check_diff's timeout (the library default is 10 s)")
    ap.add_argument("--worst", type=int, default=4, help="examples per class")
    ap.add_argument("--json", help="write every classified value here")
    ap.add_argument("--emit-references", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    functions = [f for f in FUNCTIONS
                 if not args.functions or any(s and s == f[0] for s in args.functions.split("|"))]
    orders = _orders(args.orders)
    if args.emit_references:
        emit_references(args.ref_src, functions, sorted(set(orders) | set(
            _orders("sample"))), args.emit_references)
        return 0

    ref_orders = sorted(set(orders) | set(_orders("sample")))
    args.orders = ",".join(map(str, ref_orders))
    data, path, cached = load_references(args, functions, ref_orders)
    refs = data["refs"]
    print(f"references: hod.certify(digits={REF_DIGITS}) from {args.ref_src}, "
          f"{len(refs)} values, {'cached' if cached else 'computed'} "
          f"({data['seconds']:.1f} s) in {path}")
    cc = data["cross_check"]
    print(f"cross-check against mpmath.diff (mp.dps=60): {cc['compared']} values, largest "
          f"relative difference {cc['max_rel_diff']:.2g}"
          + (f" ({cc['worst'][0][1]}, x={cc['worst'][0][2]}, order {cc['worst'][0][3]})"
             if cc["worst"] else ""))

    hod = import_hod(args.src)
    print(f"hod under test: {os.path.dirname(os.path.dirname(hod.__file__))} "
          f"(check='ball' {'available' if HAS_BALL else 'absent: default is check=True'})")
    npoints = sum(len(points_of(d)) for _, _, d in functions)
    print(f"{len(functions)} functions, {npoints} (function, point) pairs, "
          f"orders {args_orders_text(orders)}")

    runs = []
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        if mode == "ball" and not HAS_BALL:
            print("mode ball: skipped (this checkout has no check='ball')")
            continue
        mode_orders = _orders(args.default_orders) if mode == "default" else orders
        rows, wall, secs = sweep(mode, functions, mode_orders, refs, args.jobs, args.timeout)
        label = {"nocheck": "check=False", "ball": "check='ball'",
                 "default": "check=True"}[mode]
        if mode == "default" or set(mode_orders) != set(orders):
            label += " (sample)"
        runs.append((label, rows, wall))
        print(f"mode {label}: {len(rows)} values, {len(secs)} calls, {wall:.1f} s wall, "
              f"median call {secs[len(secs) // 2]:.3f} s, slowest {secs[-1]:.2f} s")
        if mode == "ball" and "default" in args.modes:
            sample = set(_orders(args.default_orders))
            runs.append((label + " (sample)", [r for r in rows if r["order"] in sample],
                         math.nan))

    print()
    print(summary_table(runs))
    print()
    print("worst examples:")
    for label, rows, _ in runs:
        if label.endswith("(sample)") and label.startswith("check='ball'"):
            continue
        text = worst_examples(label, rows, args.worst)
        if text:
            print(text)
        fb = flag_breakdown(label, rows)
        if fb:
            print(fb)
    _compare_ball_default(runs)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({label: rows for label, rows, _ in runs}, fh, default=str)
    return 0


def _compare_ball_default(runs):
    by = {label: rows for label, rows, _ in runs}
    a, b = by.get("check='ball' (sample)"), by.get("check=True (sample)")
    if a is None or b is None:
        return
    ka = {(r["text"], r["x"], r["order"]): r["cls"] for r in a}
    diffs = [(k, ka[k], r["cls"]) for r in b
             for k in [(r["text"], r["x"], r["order"])] if k in ka and ka[k] != r["cls"]]
    print(f"\ncheck='ball' and check=True classify the sample alike except {len(diffs)} values")
    for k, ca, cb in diffs[:8]:
        print(f"  d{k[2]} {k[0]} at x={k[1]!r}: ball {ca}, default {cb}")


def args_orders_text(orders):
    orders = sorted(orders)
    if orders == sorted(ORDERS_FULL):
        return "1..60, 100, 200, 500"
    return ", ".join(map(str, orders))


def _orders(spec):
    if spec == "full":
        return ORDERS_FULL
    if spec == "sample":
        return ORDERS_SAMPLE
    return tuple(int(s) for s in spec.split(",") if s.strip())


if __name__ == "__main__":
    sys.exit(main())
