"""The references hod's numbers are checked against, and running them under one deadline.

:data:`REFERENCES` names the jobs; :func:`hod.check.run` takes replacements
(``references={"sympy": ...}``), so a test can give a check a reference that fails, never
answers, or answers slowly.  A job is ``job(task, send, stopped, deadline)``: it sends plain
data as it goes (see :mod:`hod.check.worker`) and ends with ``send(("done",))``.

* ``"sympy"`` (:func:`sympy_job`): the same graph turned into a SymPy expression through the
  primitive table (:func:`hod.expr.graph.to_sympy`, never from text), differentiated
  symbolically as the kind says (:meth:`hod.check.kinds.Kind.sympy_expressions`) and
  evaluated at the exact binary value of each point with 30 significant digits.  For
  ``diff`` the differentiations run one at a time, and SymPy is stopped early when their
  time, extrapolated to the order asked for, is more than three times what is left of the
  budget.  Sends ``("forms", {part: text})``, ``("point", k, {part: value})`` and maybe
  ``("gave up", j, n, seconds spent, seconds projected)``;
* ``"series"`` (:func:`series_job`, for ``taylor``): ``sympy.series`` of f(x0 + t) at each
  point, its coefficients extracted; sends ``("point", k, {"value", "result", "forms",
  "note"})``;
* ``"numeric"`` (:func:`numeric_job`): central differences of values of f computed by mpmath
  at :data:`NUMERIC_DPS` digits (:mod:`hod.check.numeric`), with an error estimate; it shares
  nothing with the tapes or Taylor mode but the graph.  Sends ``("numeric", k, j, value,
  error)`` per point k and component j, each as soon as it is done, so at the deadline the
  values already checked are kept.

:class:`References` runs them, each in a worker killed at the deadline (``timeout`` seconds
after the start), so no check outlasts the budget.  SymPy starts at once.  The numeric
derivative starts at once too for kinds with ``numeric_at_once`` (``diff`` and ``taylor``:
SymPy's derivatives swell with the order); for the others it starts only if SymPy fails or has
not answered within half the budget.  It is stopped as soon as SymPy has given every value.
Its cost grows with the order: the 100th derivative of exp(sin(x)) takes it about 0.75 s.
"""

from __future__ import annotations

import fractions
import math
import time

from ..expr import graph as _graph
from .certified import certify_points
from .numeric import NUMERIC_DPS
from .report import get
from .worker import Worker, error_text, wait_for

# Longest symbolic form kept in a report (SymPy's forms of high derivatives are huge).
MAX_FORM_CHARS = 2000


def exact_sympy(sympy, point, name):
    """The coordinate ``name`` of ``point`` as SymPy sees it: exactly what was given (the
    decimal as typed, ``pi/2`` as pi/2, a float's exact binary value), never a rounded float.
    Constant expressions are parsed by hod's parser and built through the table."""
    v = point.exact_value(name) if hasattr(point, "exact_value") else point[name]
    if isinstance(v, str):
        try:
            q = fractions.Fraction(v)
        except ValueError:
            from ..expr import parser

            return _graph.to_sympy([parser.parse(v)])[0]
    else:
        q = fractions.Fraction(v)
    return sympy.Rational(q.numerator, q.denominator)


def _map(fn, x):
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, list):
        return [_map(fn, v) for v in x]
    return fn(x)


def _form(e):
    if e is None:
        return None
    s = str(e)
    return s if len(s) <= MAX_FORM_CHARS else s[:MAX_FORM_CHARS] + "..."


def _value(sympy, e, subs=None):
    """A SymPy expression's value as a float: nan where it has no real value, None where
    SymPy cannot tell."""
    if e is None:
        return None
    try:
        # strict: SymPy raises where it cannot reach the asked accuracy, instead of
        # returning a number without one correct digit (0.e+35): no reference beats that one
        # the exact point first (cos(pi/2) becomes 0 exactly), then numbers
        r = (e.xreplace(subs) if subs else e).evalf(30, strict=True)
        if r.is_number and r.is_real and r.is_finite:
            return float(r)
        if r == sympy.oo or r == -sympy.oo:
            return float(r)
        if r.is_number and (r.is_real is False or r.has(sympy.zoo, sympy.nan)):
            return float("nan")  # complex or undefined: no real value
        return None
    except Exception:  # noqa: BLE001 - SymPy could not evaluate this entry
        return None


def sympy_projection(marks, n):
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


class Differentiator:
    """What a kind's ``sympy_expressions`` differentiates with: :meth:`d` once,
    :meth:`repeated` many times within the deadline."""

    def __init__(self, sympy, syms, deadline, send):
        self.sympy = sympy
        self.syms = syms
        self.deadline = deadline
        self.send = send

    def d(self, e, name):
        """The derivative of ``e`` by the variable ``name``."""
        return self.sympy.diff(e, self.syms[name])

    def repeated(self, e, wrt):
        """The derivative of ``e`` by each of ``wrt`` in turn, one at a time; None when the
        projected time says it would not finish (it then sends ``("gave up", ...)``)."""
        n, start, marks = len(wrt), time.monotonic(), []
        for j, w in enumerate(wrt, 1):
            e = self.d(e, w)
            marks.append(time.monotonic() - start)
            total = sympy_projection(marks, n) if j < n else None
            if total is not None and total - marks[-1] > 3 * (self.deadline - time.monotonic()):
                self.send(("gave up", j, n, marks[-1], total))
                return None
        # one derivative at a time is several times faster than sympy.diff(f, x, n), which
        # simplifies as it goes; factor_terms gives back its compact form, cheaply
        return self.sympy.factor_terms(e)


def sympy_job(task, send, stopped, deadline):
    """Differentiate with SymPy as the kind says, and evaluate at each point."""
    import sympy

    names = task.names
    syms = {n: sympy.Symbol(n, real=True) for n in names}
    fs = _graph.to_sympy(task.roots, syms)
    exprs = task.kind.sympy_expressions(task, fs, Differentiator(sympy, syms, deadline, send))
    send(("forms", _map(_form, exprs)))
    for k, p in enumerate(task.points):
        subs = {syms[n]: exact_sympy(sympy, p, n) for n in names}
        send(("point", k, _map(lambda e, subs=subs: _value(sympy, e, subs), exprs)))
    send(("done",))


def series_job(task, send, stopped, deadline):
    """``taylor``: sympy.series of f(x0 + t) in t at each point, coefficients extracted."""
    import sympy

    syms = {n: sympy.Symbol(n, real=True) for n in task.names}
    (f,) = _graph.to_sympy(task.roots, syms)
    t = sympy.Dummy("t")
    var, order = task.var, task.order
    for k, p in enumerate(task.points):
        fixed = {syms[n]: exact_sympy(sympy, p, n) for n in task.names if n != var}
        x0 = exact_sympy(sympy, p, var)
        coeffs, note = [None] * (order + 1), None
        try:
            g = f.xreplace(fixed).xreplace({syms[var]: x0 + t})
            s = sympy.expand(sympy.series(g, t, 0, order + 1).removeO())
            powers = {}
            for term in sympy.Add.make_args(s):
                c, e = term.as_coeff_exponent(t)
                if c.has(t) or not (e.is_Integer and 0 <= e <= order):
                    note = (f"SymPy's series is not a power series here (it has the term "
                            f"{_form(term.subs(t, syms[var] - x0))})")
                    break
                powers[int(e)] = powers.get(int(e), 0) + c
            else:
                coeffs = [powers.get(i, sympy.Integer(0)) for i in range(order + 1)]
        except Exception as e:  # noqa: BLE001 - reported with the point
            note = error_text(e).replace("SymPy failed", "SymPy's series failed")
        vals = [_value(sympy, c) for c in coeffs]
        send(("point", k, {"value": vals[0], "result": vals,
                           "forms": [_form(c) for c in coeffs], "note": note}))
    send(("done",))


def numeric_job(task, send, stopped, deadline, derivative=None):
    """Every component from values of f alone, in order, each sent as soon as it is done.

    ``derivative(root, point, wrt, dps)`` gives an estimate with ``value`` and ``error``
    (default :func:`hod.check.numeric.derivative`)."""
    if derivative is None:
        from .numeric import derivative

    done = {}
    for k, p in enumerate(task.points):
        for j, s in enumerate(task.specs):
            if stopped():
                return
            key = (k, s.root, s.wrt)
            if key not in done:
                try:
                    est = derivative(task.roots[s.root], p, dict(s.wrt), dps=NUMERIC_DPS)
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


#: The reference jobs by name: a kind's ``symbolic`` names its symbolic one; ``"ball"``
#: computes the certified enclosures (in this process: it is fast and proves its answers).
REFERENCES = {"sympy": sympy_job, "series": series_job, "numeric": numeric_job,
              "ball": certify_points}

#: Once the certified values are in, SymPy gets at most this many more seconds.
SYMPY_GRACE = 1.0



class References:
    """The symbolic reference and the numeric derivative of one run, under one deadline
    (``jobs``: the reference jobs by name, as :data:`REFERENCES`)."""

    def __init__(self, task, timeout, jobs=REFERENCES):
        self.task = task
        self.timeout = timeout
        self.jobs = jobs
        self.start = time.monotonic()
        self.deadline = self.start + timeout
        job = jobs[task.kind.symbolic]
        self.sympy = Worker(lambda send, stopped: job(task, send, stopped, self.deadline),
                            self.deadline, "sympy")
        self.numeric = None
        if task.kind.numeric_at_once:
            self._start_numeric()

    def _start_numeric(self):
        if self.numeric is None and time.monotonic() < self.deadline:
            job = self.jobs["numeric"]
            self.numeric = Worker(lambda send, stopped: job(self.task, send, stopped,
                                                            self.deadline),
                                  self.deadline, "mpmath")

    cut_short = False
    grace = SYMPY_GRACE

    def collect(self, certified_done=False):
        """Wait for the references (never past the deadline).  Once the certified values are
        in (``certified_done``), SymPy has :data:`SYMPY_GRACE` seconds more at most: it is
        then the symbolic column beside proven numbers, not what they wait for."""
        if certified_done:
            end = min(self.deadline, time.monotonic() + self.grace)
            if end < self.deadline:
                self.deadline = end
                self.cut_short = True
                for w in (self.sympy, self.numeric):
                    if w is not None:
                        w.deadline = min(w.deadline, end)
        sympy = self.sympy
        if self.numeric is None:
            wait_for([sympy], min(self.start + self.timeout / 2, self.deadline),
                     lambda: sympy.closed)
            if not self._sympy_complete():
                self._start_numeric()
        workers = [w for w in (sympy, self.numeric) if w is not None]
        wait_for(workers, self.deadline, lambda: sympy.closed)
        if self.numeric is not None:
            if self._sympy_complete():
                self.numeric.cancel()
            else:
                wait_for([self.numeric], self.deadline, lambda: self.numeric.closed)
        for w in workers:
            w.expire()
        if self.cut_short and self._sympy_complete():
            self.cut_short = False  # SymPy made it within the grace
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
                if get(v.get(s.part), s.index) is None:
                    return False
        return True

    def forms(self):
        """SymPy's forms, {part: text shaped like the part}, or None."""
        return next((m[1] for m in self.sympy.messages if m[0] == "forms"), None)

    def sympy_values(self):
        """{point index: {part: value(s)}} from SymPy."""
        return {m[1]: m[2] for m in self.sympy.messages if m[0] == "point"}

    def gave_up(self):
        """(j, n, seconds spent, seconds projected) when SymPy stopped early, else None."""
        return next((m[1:] for m in self.sympy.messages if m[0] == "gave up"), None)

    def numeric_values(self):
        """{(point index, component index): (value, error)} from the numeric derivative."""
        if self.numeric is None:
            return {}
        return {(m[1], m[2]): (m[3], m[4]) for m in self.numeric.messages
                if m[0] == "numeric" and m[3] is not None}
