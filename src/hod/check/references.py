"""The references: SymPy, SymPy's series and the numeric derivative."""

from __future__ import annotations

import fractions
import math
import time

from ..expr import graph as _graph
from .report import _get
from .worker import _Worker, _error_text, _wait_for

# Working digits of the numeric check.
NUMERIC_DPS = 40
# Longest symbolic form kept in a report (SymPy's forms of high derivatives are huge).
MAX_FORM_CHARS = 2000

def _exact(v):
    f = fractions.Fraction(float(v))
    return f.numerator, f.denominator


def _sympy_projection(marks, n):
    """SymPy's estimated total time of ``n`` differentiations from the cumulative times of
    the first ``len(marks)``: T(j) ~ j^q, q measured between j/2 and j (SymPy's derivatives
    swell polynomially: q is about 3 for exp(sin(x))).  None while too little is measured."""
    j = len(marks)
    if j < 4 or marks[-1] < 0.05:
        return None
    h = j // 2
    if marks[h - 1] <= 0:
        return None
    q = max(1.0, math.log(marks[-1] / marks[h - 1]) / math.log(j / h))
    return marks[-1] * (n / j) ** q


def _symbolic_job(task, deadline, send):
    """Differentiate with SymPy and evaluate at each point; ``send`` plain data as it goes."""
    import sympy

    kind, names = task.kind, task.names
    syms = {n: sympy.Symbol(n, real=True) for n in names}
    fs = _graph.to_sympy(task.roots, syms)

    def form(e):
        if e is None:
            return None
        s = str(e)
        return s if len(s) <= MAX_FORM_CHARS else s[:MAX_FORM_CHARS] + "..."

    def value(e, subs=None):
        if e is None:
            return None
        try:
            r = e.evalf(30, subs=subs or {})
            if r.is_number and r.is_real and r.is_finite:
                return float(r)
            if r == sympy.oo or r == -sympy.oo:
                return float(r)
            if r.is_number and (r.is_real is False or r.has(sympy.zoo, sympy.nan)):
                return float("nan")  # complex or undefined: no real value
            return None
        except Exception:  # noqa: BLE001 - SymPy could not evaluate this entry
            return None

    if kind == "taylor":
        _series_job(task, sympy, syms, fs[0], form, value, send)
        send(("done",))
        return
    if kind in ("grad", "hessian"):
        grads = [sympy.diff(fs[0], syms[n]) for n in names]
        if kind == "grad":
            exprs = {"value": fs[0], "result": grads}
        else:
            exprs = {"value": fs[0], "gradient": grads,
                     "result": [[sympy.diff(g, syms[n]) for n in names] for g in grads]}
    elif kind == "diff":
        e, n, start, marks = fs[0], len(task.wrt), time.monotonic(), []
        for j, w in enumerate(task.wrt, 1):
            e = sympy.diff(e, syms[w])
            marks.append(time.monotonic() - start)
            total = _sympy_projection(marks, n) if j < n else None
            if total is not None and total - marks[-1] > 3 * (deadline - time.monotonic()):
                send(("gave up", j, n, marks[-1], total))
                e = None
                break
        # one derivative at a time is several times faster than sympy.diff(f, x, n), which
        # simplifies as it goes; factor_terms gives back its compact form, cheaply
        exprs = {"value": fs[0], "result": sympy.factor_terms(e) if e is not None else None}
    else:
        exprs = {"value": list(fs),
                 "result": [[sympy.diff(f, syms[n]) for n in names] for f in fs]}

    send(("forms", _map(form, exprs)))
    for k, p in enumerate(task.points):
        subs = {syms[n]: sympy.Rational(*_exact(p[n])) for n in names}
        send(("point", k, _map(lambda e, subs=subs: value(e, subs), exprs)))
    send(("done",))


def _series_job(task, sympy, syms, f, form, value, send):
    """``taylor``: sympy.series of f(x0 + t) in t at each point, coefficients extracted."""
    t = sympy.Dummy("t")
    var, order = task.var, task.order
    for k, p in enumerate(task.points):
        fixed = {syms[n]: sympy.Rational(*_exact(p[n])) for n in task.names if n != var}
        x0 = sympy.Rational(*_exact(p[var]))
        coeffs, note = [None] * (order + 1), None
        try:
            g = f.xreplace(fixed).xreplace({syms[var]: x0 + t})
            s = sympy.expand(sympy.series(g, t, 0, order + 1).removeO())
            powers = {}
            for term in sympy.Add.make_args(s):
                c, e = term.as_coeff_exponent(t)
                if c.has(t) or not (e.is_Integer and 0 <= e <= order):
                    note = (f"SymPy's series is not a power series here (it has the term "
                            f"{form(term.subs(t, syms[var] - x0))})")
                    break
                powers[int(e)] = powers.get(int(e), 0) + c
            else:
                coeffs = [powers.get(i, sympy.Integer(0)) for i in range(order + 1)]
        except Exception as e:  # noqa: BLE001 - reported with the point
            note = _error_text(e).replace("SymPy failed", "SymPy's series failed")
        vals = [value(c) for c in coeffs]
        send(("point", k, {"value": vals[0], "result": vals,
                           "forms": [form(c) for c in coeffs], "note": note}))


def _numeric_job(task, send, stopped):
    """Every component from values of f alone (:mod:`hod.numeric`), in order, each sent as
    soon as it is done: ``("numeric", point index, spec index, value, error)``."""
    from . import numeric

    done = {}
    for k, p in enumerate(task.points):
        for j, s in enumerate(task.specs):
            if stopped():
                return
            key = (k, s.root, s.wrt)
            if key not in done:
                try:
                    est = numeric.derivative(task.roots[s.root], p, dict(s.wrt),
                                             dps=NUMERIC_DPS)
                    done[key] = (est.value, est.error)
                except Exception:  # noqa: BLE001 - no real value here (e.g. log(-1))
                    done[key] = None
            got = done[key]
            if got is None:
                send(("numeric", k, j, None, None))
                continue
            try:
                v, e = float(got[0] / s.scale), float(got[1] / s.scale)
            except (TypeError, ValueError, OverflowError):  # complex: no real value
                v, e = None, None
            send(("numeric", k, j, v, e))
    send(("done",))


def _map(fn, x):
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, list):
        return [_map(fn, v) for v in x]
    return fn(x)



class _Checks:
    """SymPy and the numeric check for one run, under one deadline."""

    def __init__(self, task, timeout):
        self.task = task
        self.timeout = timeout
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        self.sympy = _Worker(lambda send, stopped: _symbolic_job(task, self.deadline, send),
                             self.deadline, "sympy")
        self.numeric = None
        if task.kind in ("diff", "taylor"):
            self._start_numeric()

    def _start_numeric(self):
        if self.numeric is None and time.monotonic() < self.deadline:
            self.numeric = _Worker(lambda send, stopped: _numeric_job(self.task, send, stopped),
                                   self.deadline, "mpmath")

    def collect(self):
        """Wait for the checks (never past the deadline)."""
        sympy = self.sympy
        if self.numeric is None:
            _wait_for([sympy], min(self.start + self.timeout / 2, self.deadline),
                      lambda: sympy.closed)
            if not self._sympy_complete():
                self._start_numeric()
        workers = [w for w in (sympy, self.numeric) if w is not None]
        _wait_for(workers, self.deadline, lambda: sympy.closed)
        if self.numeric is not None:
            if self._sympy_complete():
                self.numeric.cancel()
            else:
                _wait_for([self.numeric], self.deadline, lambda: self.numeric.closed)
        for w in workers:
            w.expire()
        return self

    def _sympy_complete(self):
        """True when SymPy has given a number for every component at every point."""
        if not self.sympy.finished or self.sympy.error:
            return False
        values = self.sympy_values()
        for k in range(len(self.task.points)):
            v = values.get(k)
            if v is None:
                return False
            for s in self.task.specs:
                if _get(v.get(s.part), s.index) is None:
                    return False
        return True

    def forms(self):
        return next((m[1] for m in self.sympy.messages if m[0] == "forms"), None)

    def sympy_values(self):
        return {m[1]: m[2] for m in self.sympy.messages if m[0] == "point"}

    def gave_up(self):
        return next((m[1:] for m in self.sympy.messages if m[0] == "gave up"), None)

    def numeric_values(self):
        if self.numeric is None:
            return {}
        return {(m[1], m[2]): (m[3], m[4]) for m in self.numeric.messages
                if m[0] == "numeric" and m[3] is not None}

