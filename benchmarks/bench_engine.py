"""Speed of hod's tape engine beside HIPS autograd, PyTorch and plain numpy, in one process.

Run from the repository root::

    python benchmarks/bench_engine.py            # the full run (about a minute)
    python benchmarks/bench_engine.py --quick    # small sizes, one round: a smoke run

Four benchmarks, each timed warm and per call, all candidates round-robin in the same run
(median over rounds); every candidate's result is first checked against hod's:

1. the gradient of the extended Rosenbrock function at n = 1,000;
2. its full Hessian through jacobian(gradient) (``hod.hessian``);
3. the gradient of ``sum(sin(x)*exp(y) + x**2*y)`` at 10^6 points (elementwise derivatives);
4. the tape's per-operation overhead on a chain of 1,000 scalar operations.

autograd and torch are optional: a column is skipped when the package is not installed.
Neither is a dependency of hod.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import compare, format_time, optional_import, print_table  # noqa: E402

import hod  # noqa: E402

autograd = optional_import("autograd")
anp = optional_import("autograd.numpy") if autograd else None
torch = optional_import("torch")


def check(name, got, want, rtol=1e-10, atol=1e-10):
    """Stop the run if a candidate disagrees with hod (timing wrong answers is pointless)."""
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape mismatch"
        raise SystemExit(f"{name} disagrees with hod (max abs difference {err})")


def single_threaded(fn):
    """``fn`` run with PyTorch limited to one thread (numpy and hod use one core)."""
    def run():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return fn()
        finally:
            torch.set_num_threads(threads)

    return run


def ratios(timings, other):
    """hod's time over ``other``'s: the median ratio (judged) and a text with the best too."""
    hod_t, other_t = timings["hod"], timings[other]
    ratio = hod_t.median / other_t.median
    return ratio, f"{ratio:.2f}x by medians, {hod_t.best / other_t.best:.2f}x by best times"


QUICK = False  # set by --quick: timings of tiny sizes say nothing about the targets


def verdict(ok, text):
    if QUICK:
        return f"target: {text}: not judged in a --quick run"
    return f"target: {text}: {'MET' if ok else 'MISSED'}"


# ------------------------------------------------------------------------------------------
# 1 and 2: the extended Rosenbrock function (Moré, Garbow and Hillstrom's form: independent
# pairs (x[2i], x[2i+1]), so its Hessian is block diagonal)

def rosenbrock_hod(x):
    even, odd = x[0::2], x[1::2]
    return hod.sum(100.0 * (odd - even ** 2) ** 2 + (1.0 - even) ** 2)


def rosenbrock_autograd(x):
    even, odd = x[0::2], x[1::2]
    return anp.sum(100.0 * (odd - even ** 2) ** 2 + (1.0 - even) ** 2)


def rosenbrock_torch(x):
    even, odd = x[0::2], x[1::2]
    return torch.sum(100.0 * (odd - even ** 2) ** 2 + (1.0 - even) ** 2)


def bench_rosenbrock_gradient(n, rounds, min_time, warmup_time):
    x0 = np.random.default_rng(0).uniform(-1.5, 1.5, n)
    hod_grad = hod.grad(rosenbrock_hod)
    want = hod_grad(x0).numpy()
    cands = {"hod": lambda: hod_grad(x0)}
    if autograd:
        ag_grad = autograd.grad(rosenbrock_autograd)
        check("autograd", ag_grad(x0), want)
        cands["autograd"] = lambda: ag_grad(x0)
    if torch:
        xt = torch.tensor(x0)

        def torch_grad():
            x = xt.detach().requires_grad_(True)
            return torch.autograd.grad(rosenbrock_torch(x), x)[0]

        check("torch", torch_grad().numpy(), want)
        cands["torch"] = torch_grad
    t = compare(cands, rounds=rounds, min_time=min_time, warmup_time=warmup_time)
    notes = []
    if "autograd" in t:
        ratio, text = ratios(t, "autograd")
        notes.append(verdict(ratio <= 1.0, f"hod no slower than autograd ({text})"))
    print_table(f"1. gradient of the extended Rosenbrock function, n = {n}", t, notes=notes)
    return t


def bench_rosenbrock_hessian(n, rounds, min_time, warmup_time):
    x0 = np.random.default_rng(1).uniform(-1.5, 1.5, n)
    hod_hess = hod.hessian(rosenbrock_hod)
    want = hod_hess(x0).numpy()
    check("hod (symmetry)", want, want.T)
    cands = {"hod": lambda: hod_hess(x0)}
    if torch:
        xt = torch.tensor(x0)

        def torch_hess():
            return torch.autograd.functional.hessian(rosenbrock_torch, xt, vectorize=True)

        check("torch", torch_hess().numpy(), want)
        cands["torch (vectorize=True)"] = torch_hess
        if torch.get_num_threads() > 1:
            cands["torch, 1 thread"] = single_threaded(torch_hess)
    if autograd:
        ag_hess = autograd.hessian(rosenbrock_autograd)
        check("autograd", ag_hess(x0), want)
        cands["autograd"] = lambda: ag_hess(x0)
    t = compare(cands, rounds=rounds, min_time=min_time, warmup_time=warmup_time)
    notes = []
    if "torch (vectorize=True)" in t:
        ratio, text = ratios(t, "torch (vectorize=True)")
        notes.append(verdict(ratio <= 1.0, f"hod no slower than PyTorch ({text})"))
    print_table(f"2. Hessian of the extended Rosenbrock function (jacobian of the gradient), "
                f"n = {n}", t, notes=notes)
    return t


# ------------------------------------------------------------------------------------------
# 3: elementwise gradient of sin(x)*exp(y) + x**2*y

def bench_elementwise(npoints, rounds, min_time, warmup_time):
    rng = np.random.default_rng(2)
    x, y = rng.uniform(-2, 2, npoints), rng.uniform(-2, 2, npoints)

    def formulas():
        # d/dx = cos(x) exp(y) + 2xy,  d/dy = sin(x) exp(y) + x^2
        ey = np.exp(y)
        return np.cos(x) * ey + 2.0 * x * y, np.sin(x) * ey + x * x

    def f_hod(x, y):
        return hod.sin(x) * hod.exp(y) + x ** 2 * y

    hod_grad = hod.grad(f_hod, argnums=(0, 1))
    want = [g.numpy() for g in hod_grad(x, y)]
    for got, w in zip(formulas(), want):
        check("numpy formulas", got, w)
    cands = {"hod": lambda: hod_grad(x, y), "numpy formulas": formulas}
    if autograd:
        def f_autograd(x, y):
            return anp.sin(x) * anp.exp(y) + x ** 2 * y

        ag = autograd.elementwise_grad(f_autograd, (0, 1))
        for got, w in zip(ag(x, y), want):
            check("autograd", got, w)
        cands["autograd elementwise_grad"] = lambda: ag(x, y)
    if torch:
        xt, yt = torch.tensor(x), torch.tensor(y)

        def torch_grad():
            a, b = xt.detach().requires_grad_(True), yt.detach().requires_grad_(True)
            z = torch.sin(a) * torch.exp(b) + a ** 2 * b
            return torch.autograd.grad(z.sum(), (a, b))

        for got, w in zip(torch_grad(), want):
            check("torch", got.numpy(), w, rtol=1e-12, atol=1e-12)
        cands["torch"] = torch_grad
        if torch.get_num_threads() > 1:
            cands["torch, 1 thread"] = single_threaded(torch_grad)
    t = compare(cands, rounds=rounds, min_time=min_time, warmup_time=warmup_time)
    ratio, text = ratios(t, "numpy formulas")
    notes = [verdict(ratio <= 1.5, f"hod within 1.5x of the numpy formulas ({text})")]
    print_table(f"3. gradient of sum(sin(x)*exp(y) + x**2*y) at {npoints:,} points "
                f"(float64)", t, notes=notes)
    return t


# ------------------------------------------------------------------------------------------
# 4: per-operation tape overhead on scalars

def bench_scalar_chain(nops, rounds, min_time, warmup_time):
    """A chain v <- sin(v), v <- 1.5*v, v <- v + 0.25, ... of ``nops`` operations on a scalar."""
    x0 = 0.3

    def chain(v, sin):
        for i in range(nops):
            k = i % 3
            if k == 0:
                v = sin(v)
            elif k == 1:
                v = v * 1.5
            else:
                v = v + 0.25
        return v

    xv = hod.Variable(x0)

    def hod_forward_and_gradient():
        with hod.GradientTape() as tape:
            y = chain(xv, hod.sin)
        return tape.gradient(y, xv)

    def hod_forward_recorded():
        with hod.GradientTape():
            return chain(xv, hod.sin)

    def hod_forward_unrecorded():
        return chain(xv, hod.sin)

    x64 = np.float64(x0)

    def numpy_forward():
        return chain(x64, np.sin)

    def numpy_forward_and_gradient():
        # The same arithmetic plus the chain rule by hand: the reference for the whole job.
        v, ds = x64, []
        for i in range(nops):
            k = i % 3
            if k == 0:
                ds.append(np.cos(v))
                v = np.sin(v)
            elif k == 1:
                ds.append(1.5)
                v = v * 1.5
            else:
                v = v + 0.25
        g = np.float64(1.0)
        for d in reversed(ds):
            g = g * d
        return v, g

    want = hod_forward_and_gradient().numpy()
    check("numpy chain rule by hand", numpy_forward_and_gradient()[1], want)
    cands = {
        "hod (forward + gradient)": hod_forward_and_gradient,
        "hod forward, recorded": hod_forward_recorded,
        "hod forward, no tape": hod_forward_unrecorded,
        "numpy forward": numpy_forward,
        "numpy forward + gradient": numpy_forward_and_gradient,
    }
    if autograd:
        ag = autograd.grad(lambda v: chain(v, anp.sin))
        check("autograd", ag(x0), want)
        cands["autograd grad"] = lambda: ag(x0)
    if torch:
        xt = torch.tensor(x0, dtype=torch.float64)

        def torch_grad():
            v = xt.detach().requires_grad_(True)
            return torch.autograd.grad(chain(v, torch.sin), v)[0]

        check("torch", torch_grad().numpy(), want)
        cands["torch"] = torch_grad
    t = compare(cands, rounds=rounds, min_time=min_time, warmup_time=warmup_time)
    hod_t = t["hod (forward + gradient)"].median
    timings = {"hod": t.pop("hod (forward + gradient)"), **t}
    np_fwd = t["numpy forward"].median
    notes = [
        f"hod forward + gradient / numpy forward: {hod_t / np_fwd:.1f}x",
        f"hod forward + gradient / numpy forward + gradient by hand: "
        f"{hod_t / t['numpy forward + gradient'].median:.1f}x",
        f"per operation: hod {format_time(hod_t / nops)} (forward + gradient), "
        f"{format_time(t['hod forward, recorded'].median / nops)} forward recorded, "
        f"numpy {format_time(np_fwd / nops)} forward",
        f"tape overhead per operation: {format_time((hod_t - np_fwd) / nops)}",
    ]
    print_table(f"4. tape overhead: a chain of {nops:,} scalar operations (sin, *, +)",
                timings, notes=notes)
    return timings


def _version(dist):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # not installed as a distribution: the version is unknown
        return "?"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and a single round: checks that the script runs")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per benchmark")
    args = parser.parse_args(argv)
    global QUICK
    QUICK = args.quick
    if args.quick:
        sizes = dict(n=100, npoints=10_000, nops=100)
        rounds, min_time, warmup_time = args.rounds or 1, 0.0, 0.0
    else:
        sizes = dict(n=1000, npoints=1_000_000, nops=1000)
        rounds, min_time, warmup_time = args.rounds or 7, 0.2, 1.0

    versions = [f"python {platform.python_version()}", f"numpy {np.__version__}",
                f"hod {hod.__version__}"]
    versions.append(f"autograd {_version('autograd')}" if autograd
                    else "autograd not installed (skipped)")
    versions.append(f"torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch
                    else "torch not installed (skipped)")
    print("; ".join(versions))
    blas = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}
    if blas:
        print("environment: " + ", ".join(f"{k}={v}" for k, v in sorted(blas.items())))
    print(f"times are per call, warm, median of {rounds} round(s) run round-robin; "
          "'hod / this' below 1 means hod is faster"
          + (" (--quick: small sizes, not representative)" if args.quick else ""))
    print()
    bench_rosenbrock_gradient(sizes["n"], rounds, min_time, warmup_time)
    bench_rosenbrock_hessian(sizes["n"], rounds, min_time, warmup_time)
    # 10^6-point arrays: a fresh process needs a few dozen calls before its heap stops growing.
    bench_elementwise(sizes["npoints"], rounds, min_time, 2 * warmup_time)
    bench_scalar_chain(sizes["nops"], rounds, min_time, warmup_time)


if __name__ == "__main__":
    main()
