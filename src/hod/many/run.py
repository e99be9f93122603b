"""The streaming driver: read a chunk of points, compute, check, write; repeat.

Memory holds one chunk at a time (its points, hod's numbers, the references'), so it does
not grow with the number of points, and each chunk is written as soon as it is done, in the
input's order.  Each row carries its point (every variable), hod's numbers (one column per
component: ``f``, ``df/dx``, ...), and when checked, ``check`` (the row's verdict) and
``rel_diff`` (the largest relative difference from SymPy's value over the row).

Verdicts, per row: ``agree`` (SymPy's derivatives, evaluated as a hod graph in float64,
agree within rtol/atol), ``certified`` (the certified engine proved the row's numbers to
rtol), ``disagree``, ``undefined`` (hod's numbers are not finite: the function or a
derivative is not defined, or overflows), ``no reference`` (SymPy's value is not finite where
hod's is), ``kink`` (a non-differentiable primitive at its kink: hod's convention, exit code
3 as for one point) and ``unchecked``.  The certified engine (ball arithmetic, ~0.2-50 ms a point)
runs on the first ``certify`` points and on every point where SymPy's value disagrees (at
most :data:`MAX_RECHECK` of them), so that a disagreement is judged by the enclosure.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np

from ..check.inputs import ATOL, RTOL, TIMEOUT
from ..errors import UsageError
from . import compute

# Default chunk: big enough that numpy's per-call cost vanishes, small enough for memory.
CHUNK_SIZE = 1 << 17
# Default number of points the certified engine checks.
CERTIFY = 3
# Points whose SymPy value disagrees that are re-checked by the certified engine, at most.
MAX_RECHECK = 100
# Rows shown first by the table summary.
FIRST_ROWS = 5

VERDICTS = ("agree", "certified", "disagree", "undefined", "no reference", "unchecked", "kink")
_AGREE, _CERTIFIED, _DISAGREE, _UNDEFINED, _NOREF, _UNCHECKED, _KINK = range(7)
# The exit code of each verdict (as hod.cli.STATUS_EXIT for one point).
VERDICT_EXIT = {"agree": 0, "certified": 0, "unchecked": 0, "disagree": 1, "undefined": 3,
                "no reference": 4, "kink": 3}


@dataclasses.dataclass
class Settings:
    """How a run checks: the references asked (``"ball"``, ``"sympy"``), the tolerances, how
    many points the certified engine checks (an int, or None for all)."""

    references: tuple = ("ball", "sympy")
    rtol: float = RTOL
    atol: float = ATOL
    certify: int | None = CERTIFY
    timeout: float = TIMEOUT

    @property
    def checked(self):
        return bool(self.references)


@dataclasses.dataclass
class Summary:
    """What the table shows after a run: the first rows, counts per verdict, the worst
    disagreement, the rows skipped."""

    plan: object
    settings: Settings
    columns: list = dataclasses.field(default_factory=list)
    first: list = dataclasses.field(default_factory=list)   # rows as dicts
    counts: dict = dataclasses.field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    worst: dict | None = None     # the row with the largest rel_diff
    rows: int = 0
    skipped: int = 0
    first_bad: str | None = None
    certified: int = 0
    unsupported: str | None = None  # why SymPy's derivatives could not be evaluated
    seconds: float = 0.0

    @property
    def exit_code(self):
        codes = [VERDICT_EXIT[v] for v, n in self.counts.items() if n]
        nonzero = [c for c in codes if c]
        return min(nonzero) if nonzero else 0


def points_of(source, fixed, plan):
    """The chunks of ``source`` with the fixed values of ``fixed`` (``--at``) added."""
    missing = [n for n in plan.names if n not in source.columns and n not in fixed]
    if missing:
        example = ",".join(f"{n}=..." for n in missing)
        raise UsageError("no value for {missing}: add a column, or give it with {points:"
                         "{example}}", param="points", missing=", ".join(missing),
                         example=example)
    both = [n for n in fixed if n in source.columns]
    if both:
        raise UsageError("{points} gives {name}, which the points already give",
                         param="points", name=", ".join(both))
    return source


class Chunked:
    """The chunk function of a run: hod's numbers and the checks for one chunk, as output
    columns.  The same object runs on one machine and on Dask's workers."""

    def __init__(self, plan, settings, fixed=None):
        self.plan = plan
        self.settings = settings
        self.fixed = dict(fixed or {})
        self.reference = None
        if "sympy" in settings.references:
            from .symbolic import Reference

            self.reference = Reference(plan)
        self.certified_so_far = 0
        self.rechecked = 0

    @property
    def unsupported(self):
        return self.reference.unsupported if self.reference is not None else None

    def columns(self, chunk):
        """Output columns (name -> array) for ``chunk`` (name -> float64 array), and the
        verdict codes (None when unchecked)."""
        plan, s = self.plan, self.settings
        n = len(next(iter(chunk.values()))) if chunk else 1
        arrays = {name: (np.asarray(chunk[name], dtype=np.float64) if name in chunk
                         else np.full(n, self.fixed[name], dtype=np.float64))
                  for name in plan.names}
        vals = compute.values(plan, arrays)
        out = dict(arrays)
        for label, row in zip(plan.labels, vals):
            out[label] = row
        finite = np.isfinite(vals).all(axis=0)
        code = np.where(finite, _UNCHECKED, _UNDEFINED).astype(np.int8)
        kinks = compute.kink_mask(plan, arrays, n) & finite
        rel = np.full(n, np.nan)
        if not s.checked:
            # no check columns; undefined points and kinks still count (exit code 3, as for
            # one point)
            code[kinks] = _KINK
            return out, code, rel
        if self.reference is not None and self.reference.unsupported is None:
            ref = self.reference.values(arrays, n)
            with np.errstate(all="ignore"):
                diff = np.abs(vals - ref)
                agree = diff <= s.atol + s.rtol * np.abs(ref)
                rel_c = np.where(diff == 0, 0.0, diff / np.abs(ref))
            rel = np.fmax.reduce(rel_c, axis=0)
            ref_finite = np.isfinite(ref).all(axis=0)
            code[finite & ref_finite] = _AGREE
            code[finite & ref_finite & ~agree.all(axis=0)] = _DISAGREE
            code[finite & ~ref_finite] = _NOREF
        if "ball" in s.references:
            self._certify(arrays, vals, code, n)
        code[kinks] = _KINK  # a kink is the finding there, whatever the references say
        out["check"] = np.asarray(VERDICTS, dtype=object)[code]
        out["rel_diff"] = rel
        return out, code, rel

    def _certify(self, arrays, vals, code, n):
        """The certified engine on the first points and on SymPy's disagreements."""
        s = self.settings
        want = n if s.certify is None else max(0, min(n, s.certify - self.certified_so_far))
        rows = list(range(want))
        room = MAX_RECHECK - self.rechecked
        extra = [int(i) for i in np.flatnonzero(code == _DISAGREE) if i >= want][:max(0, room)]
        self.rechecked += len(extra)
        rows += extra
        self.certified_so_far += want
        if not rows:
            return
        from .. import check

        for start in range(0, len(rows), 256):
            batch = rows[start:start + 256]
            points = [{name: float(arrays[name][i]) for name in self.plan.names}
                      for i in batch]
            report = check.run(self.plan.kind.name, self.plan.text, points, self.plan.names,
                               wrt=self.plan.wrt, order=self.plan.order, check="ball",
                               rtol=s.rtol, atol=s.atol, timeout=s.timeout)
            for i, r in zip(batch, report.results):
                if code[i] != _UNDEFINED:
                    code[i] = self._judge(vals[:, i], r, code[i])

    def _judge(self, ours, result, code):
        """The verdict on our numbers at one point from the certified enclosures of the
        report ``result`` (which the certified engine computed itself): each of our numbers
        within rtol/atol of the enclosure's value, or disagree."""
        s = self.settings
        enclosures = [c.certified for c in result.components]
        if len(enclosures) != len(ours) or any(e is None for e in enclosures):
            return code
        for x, e in zip(ours, enclosures):
            v = e.float()
            if not (math.isfinite(v) and abs(x - v) <= s.atol + s.rtol * abs(v)):
                return _DISAGREE
        return _CERTIFIED


def run(plan, source, writer, settings, fixed=None, chunk_size=CHUNK_SIZE, progress=None):
    """Stream ``source``'s points through ``plan``: each chunk computed, checked, written by
    ``writer`` (or None: the table's summary only); returns the :class:`Summary`."""
    started = time.perf_counter()
    fixed = dict(fixed or {})
    points_of(source, fixed, plan)
    fn = Chunked(plan, settings, fixed)
    summary = Summary(plan, settings, unsupported=fn.unsupported)
    try:
        for chunk in source.chunks(chunk_size):
            out, code, rel = fn.columns(chunk)
            n = len(next(iter(out.values())))
            if not summary.columns:
                summary.columns = list(out)
            _summarise(summary, out, code, rel, n)
            if writer is not None:
                writer.write(out)
            if progress is not None:
                progress(summary.rows)
    finally:
        if writer is not None:
            writer.close()
        summary.skipped = source.skipped
        summary.first_bad = getattr(source, "first_bad", None)
        summary.certified = int(summary.counts["certified"])
        summary.seconds = time.perf_counter() - started
    return summary


def _row(out, i):
    return {k: (v[i].item() if hasattr(v[i], "item") else v[i]) for k, v in out.items()}


def _summarise(summary, out, code, rel, n):
    for i in range(min(n, FIRST_ROWS - len(summary.first))):
        summary.first.append(_row(out, i))
    if code is None:
        summary.counts["unchecked"] += n
    else:
        counts = np.bincount(code, minlength=len(VERDICTS))
        for v, c in zip(VERDICTS, counts):
            summary.counts[v] += int(c)
        if np.isfinite(rel).any():
            i = int(np.nanargmax(rel))
            if summary.worst is None or rel[i] > summary.worst["rel_diff"]:
                summary.worst = _row(out, i)
    summary.rows += n
