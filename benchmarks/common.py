"""Timing helpers shared by hod's benchmark scripts.

Candidates of one benchmark are timed round-robin in the same process (one batch of calls of
each in turn, several rounds), so that drift of the machine (frequency, other load, the state
of the allocator) touches them alike; the reported figure is the median per-call time over the
rounds.  Benchmarks are scripts, never tests: nothing here asserts a time.
"""

from __future__ import annotations

import gc
import importlib
import statistics
import time
from dataclasses import dataclass


@dataclass
class Timing:
    """Per-call times of one candidate (seconds)."""

    median: float
    best: float
    number: int   # calls per round
    rounds: int


def optional_import(name):
    """The module ``name``, or None if it is not installed (a benchmark column is then skipped)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _calibrate(fn, min_time):
    """Calls per round so that one round takes about ``min_time`` seconds (at least one)."""
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    if dt >= min_time:
        return 1
    number = 1
    while True:
        number *= 2
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        dt = time.perf_counter() - t0
        if dt >= min_time / 2 or number >= 1 << 20:
            return max(1, int(number * min_time / max(dt, 1e-9)))


def compare(candidates, rounds=7, min_time=0.1, warmup=2, warmup_time=0.0):
    """Time each ``name -> zero-argument function`` warm, per call, round-robin.

    Returns ``{name: Timing}``.  Each function is first called at least ``warmup`` times and
    for at least ``warmup_time`` seconds (caches, lazy imports, and the allocator: a process's
    heap grows over its first calls on large arrays, and those calls pay page faults), then
    ``rounds`` rounds run every candidate in turn.
    """
    numbers = {}
    for name, fn in candidates.items():
        t0 = time.perf_counter()
        done = 0
        while done < warmup or time.perf_counter() - t0 < warmup_time:
            fn()
            done += 1
        numbers[name] = _calibrate(fn, min_time) if min_time > 0 else 1
    samples = {name: [] for name in candidates}
    gc_was_enabled = gc.isenabled()
    try:
        for _ in range(rounds):
            for name, fn in candidates.items():
                number = numbers[name]
                gc.collect()
                gc.disable()
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                dt = time.perf_counter() - t0
                if gc_was_enabled:
                    gc.enable()
                samples[name].append(dt / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: Timing(statistics.median(s), min(s), numbers[name], rounds)
            for name, s in samples.items()}


def format_time(seconds):
    """A time with a unit that keeps three or four significant digits."""
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.2f} us"


def print_table(title, timings, reference="hod", notes=()):
    """Print one benchmark: a row per candidate with its time and the ratio hod / candidate.

    A ratio below 1 means hod is faster than that candidate.
    """
    print(title)
    ref = timings.get(reference)
    width = max(len(n) for n in timings) + 2
    print(f"  {'method':<{width}} {'median':>12} {'best':>12} {'hod / this':>11}")
    for name, t in timings.items():
        ratio = f"{ref.median / t.median:>10.2f}x" if ref is not None else ""
        print(f"  {name:<{width}} {format_time(t.median):>12} {format_time(t.best):>12} {ratio}")
    for line in notes:
        print(f"  {line}")
    print()
