"""Derivatives at points, computed on hod's tape and cross-checked against SymPy.

Each function here takes expression text (or graphs), points and options, and returns a
:class:`Report`: one :class:`PointResult` per point, each holding the tape's numbers, SymPy's
numbers for the same derivatives, their differences, and what is special about the point
(not defined, not differentiable, overflow).  The ``hod`` command is a thin layer over these
functions and :mod:`hod.render`; everything it prints is in the report.

>>> r = hod.check_gradient("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
>>> r.results[0].result, r.results[0].agree
([172.0, 75.0], True)

How the numbers are obtained:

* the tape: the graph is evaluated on :class:`hod.Variable` inputs under nested
  :class:`hod.GradientTape` s (the Hessian is the Jacobian of the gradient, a mixed partial one
  tape per differentiation, the Jacobian one vectorised backward pass);
* SymPy: the same graph is turned into a SymPy expression through the primitive table
  (:func:`hod.graph.to_sympy`, never from text), differentiated symbolically and evaluated at
  the exact binary value of each point with 30 significant digits.

SymPy can take minutes on large expressions and cannot be interrupted inside a thread, so the
symbolic work runs in a forked child process that is killed at the deadline (``timeout``);
the tape work runs meanwhile in this process.  Where ``fork`` is unsafe or missing (other
Python threads running, or not Linux) it runs in a daemon thread that is abandoned at the
deadline instead.  Either way the caller gets its report on time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fractions
import math
import os
import re
import sys
import threading
import time
from typing import Any

import numpy as np

from . import graph as _graph
from .errors import HodError, UsageError

RTOL = 1e-9
ATOL = 1e-12
TIMEOUT = 10.0
# Nested tapes cost time exponential in the order (order 12 of exp(sin(x)): about 0.6 s).
MAX_NESTED_ORDER = 12
# Longest symbolic form kept in a report (SymPy's forms of high derivatives are huge).
MAX_FORM_CHARS = 2000

KINDS = ("grad", "hessian", "diff", "jacobian")

# Point statuses, most serious first; ``status`` of a point is the most serious that applies.
STATUSES = ("disagree", "undefined", "overflow", "not differentiable", "derivative undefined",
            "timeout", "symbolic failed", "unchecked", "ok")


# =========================================================================================
# Records
# =========================================================================================

@dataclasses.dataclass
class Component:
    """One checked number: the function's value or one entry of a derivative.

    ``part`` is ``"value"``, ``"gradient"`` (the gradient shown with a Hessian) or
    ``"result"``; ``index`` its position in that part.  ``check`` says what the comparison
    found: ``agree``, ``disagree``, ``unchecked`` (no SymPy), ``timeout``, ``undefined``,
    ``kink`` (at a non-differentiable point) or ``no value`` (SymPy gave no number).
    """

    label: str
    ascii_label: str
    part: str
    index: tuple
    form: str | None
    tape: float
    symbolic: float | None
    abs_diff: float | None
    rel_diff: float | None
    agree: bool | None
    check: str


@dataclasses.dataclass
class PointResult:
    """The derivatives at one point, with the symbolic cross-check."""

    point: dict
    value: Any            # f (a list of values for a Jacobian)
    result: Any           # number (diff), list (grad), list of lists (hessian, jacobian)
    symbolic: Any         # same shape as result, None when unchecked or timed out
    symbolic_value: Any   # SymPy's value of f, None when unchecked or timed out
    gradient: list | None  # the gradient (hessian only)
    agree: bool | None
    status: str
    warnings: list
    components: list

    @property
    def ok(self):
        return self.status in ("ok", "unchecked")


@dataclasses.dataclass
class Report:
    """Everything ``hod grad|hessian|diff|jacobian`` computed, ready to render."""

    expression: str
    variables: list
    derivative: str
    wrt: list | None
    checked: bool
    rtol: float
    atol: float
    timeout: float
    forms: Any            # symbolic forms, shape of result; None when unchecked/timed out
    value_forms: Any      # symbolic form of f (list for jacobian)
    results: list

    @property
    def ok(self):
        """True when every point was computed and every check agrees (or was skipped)."""
        return all(r.ok for r in self.results)

    @property
    def status(self):
        """The most serious status over all points."""
        found = {r.status for r in self.results} or {"ok"}
        return next(s for s in STATUSES if s in found)

    def to_dict(self):
        """The JSON contract: plain data, non-finite numbers as None (with a warning)."""
        out = {"expression": self.expression, "variables": list(self.variables),
               "derivative": self.derivative}
        if self.wrt is not None:
            out["wrt"] = list(self.wrt)
        out.update(checked=self.checked, rtol=self.rtol, atol=self.atol,
                   symbolic_forms=self.forms, results=[])
        for r in self.results:
            replaced = []
            entry = {"point": {k: _json_num(v, replaced) for k, v in r.point.items()},
                     "value": _json_num(r.value, replaced)}
            if r.gradient is not None:
                entry["gradient"] = _json_num(r.gradient, replaced)
            entry.update(result=_json_num(r.result, replaced),
                         symbolic=_json_num(r.symbolic, replaced),
                         symbolic_value=_json_num(r.symbolic_value, replaced),
                         agree=r.agree, status=r.status, warnings=list(r.warnings))
            if replaced:
                entry["warnings"].append("non-finite numbers (nan, inf) are written as null")
            out["results"].append(entry)
        return out


def _json_num(x, replaced):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [_json_num(v, replaced) for v in x]
    x = float(x)
    if not math.isfinite(x):
        replaced.append(x)
        return None
    return x


# =========================================================================================
# Public functions (one per command)
# =========================================================================================

def gradient(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT):
    """The value and gradient of ``expr`` at each point, checked against SymPy.

    ``expr`` is text in hod's language or a graph; ``points`` a mapping (or ``"x=5,y=2"``)
    or a list of them; ``variables`` fixes the order (default: sorted by name, digit runs as
    numbers) and may name variables the expression does not use.

    >>> r = hod.check_gradient("x**2 * y", {"x": 3, "y": 2})
    >>> r.variables, r.results[0].result, r.results[0].status
    (['x', 'y'], [12.0, 9.0], 'ok')
    """
    return run("grad", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


def hessian(expr, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
            timeout=TIMEOUT):
    """The Hessian (and gradient) of ``expr`` at each point, checked against SymPy.

    >>> r = hod.check_hessian("2*x**3 + 5*y**2 + 11*x*y + 5", {"x": 5, "y": 2})
    >>> r.results[0].result
    [[60.0, 11.0], [11.0, 10.0]]
    """
    return run("hessian", expr, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


def diff(expr, wrt=None, points=None, variables=None, *, order=None, check=True, rtol=RTOL,
         atol=ATOL, timeout=TIMEOUT):
    """One partial derivative: ``wrt=["x", "y", "y"]`` is d3f/dx dy2; ``wrt="x", order=5``
    the fifth derivative in x.  Without ``wrt`` the expression must have one variable.

    >>> hod.check_diff("x**3 * y**2", ["x", "y", "y"], {"x": 2, "y": 1}).results[0].result
    24.0
    >>> hod.check_diff("sin(x)", "x", {"x": 0}, order=5).results[0].result
    1.0
    """
    return run("diff", expr, points, variables, wrt=wrt, order=order, check=check, rtol=rtol,
               atol=atol, timeout=timeout)


def jacobian(exprs, points=None, variables=None, *, check=True, rtol=RTOL, atol=ATOL,
             timeout=TIMEOUT):
    """The Jacobian of several expressions (``"f1, f2"`` or a list), checked against SymPy.

    >>> hod.check_jacobian("x*y, x + y", {"x": 2, "y": 3}).results[0].result
    [[3.0, 2.0], [1.0, 1.0]]
    """
    return run("jacobian", exprs, points, variables, check=check, rtol=rtol, atol=atol,
               timeout=timeout)


# =========================================================================================
# Inputs: expressions, variables, points
# =========================================================================================

def natural_key(name):
    """Sort key for variable names: digit runs compare as numbers (x2 before x10)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", name) if p]


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def split_top_level(text, sep=","):
    """Split at ``sep`` outside parentheses (``"x=atan2(1,2),y=3"`` has two items)."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def parse_names(text, what="--vars"):
    """``"x,y,z"`` -> ``["x", "y", "z"]``, each a valid name, no repeats."""
    if isinstance(text, (list, tuple)):
        names = [str(n).strip() for n in text]
    else:
        names = [n.strip() for n in str(text).split(",")]
    seen = []
    for n in names:
        if not _NAME.match(n):
            shown = n if n else "(empty)"
            raise UsageError(f"{what}: {shown!r} is not a variable name "
                             "(letters, digits and _, not starting with a digit)")
        if n in seen and what == "--vars":
            raise UsageError(f"{what}: {n} is listed twice")
        seen.append(n)
    return seen


def _number(text, name):
    """The value of ``NAME=VALUE``: a number, or a constant expression such as ``pi/4``."""
    t = text.strip()
    try:
        v = float(t)
    except ValueError:
        v = None
        if t and t.lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity"):
            from . import parser

            try:
                g = parser.parse(t)
            except HodError:
                g = None
            if g is not None and not _graph.variables(g):
                with np.errstate(all="ignore"):
                    v = float(np.asarray(_graph.evaluate(g, {}, "tensor")))
    if v is None or not math.isfinite(v):
        raise UsageError(f"--at {name}={text}: the value must be a finite number "
                         "(or a constant expression such as pi/4)")
    return v


def parse_point(spec):
    """``"x=5,y=2"`` (or a mapping) -> ``{"x": 5.0, "y": 2.0}``."""
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            parse_names([k], "--at")
            out[k] = _number(str(v), k) if isinstance(v, str) else float(v)
            if not math.isfinite(out[k]):
                raise UsageError(f"--at {k}={v}: the value must be a finite number")
        return out
    out = {}
    text = str(spec)
    for item in split_top_level(text):
        if not item.strip() and text.strip() == "":
            continue
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise UsageError(f"--at {text}: expected NAME=VALUE pairs separated by commas, "
                             f"e.g. --at x=5,y=2")
        parse_names([name], "--at")
        if name in out:
            raise UsageError(f"--at {text}: {name} is given twice")
        out[name] = _number(value, name)
    return out


def _points(points):
    if points is None:
        return [{}]
    if isinstance(points, (str, dict)):
        points = [points]
    return [parse_point(p) for p in points] or [{}]


def _graphs(kind, expr, names_hint):
    """(expression text, list of root graphs) from text, a graph or a list of either."""
    from . import parser

    if kind == "jacobian":
        if isinstance(expr, str):
            roots = parser.parse_list(expr, variables=names_hint)
            text = expr.strip()
        else:
            roots = [parser.parse(e, variables=names_hint) if isinstance(e, str) else e
                     for e in expr]
            text = ", ".join(e.strip() if isinstance(e, str) else _graph.to_text(e)
                             for e in expr)
        if not roots:
            raise UsageError("jacobian needs at least one expression")
        return text, [_graph.lift(r) for r in roots]
    if isinstance(expr, str):
        return expr.strip(), [_graph.lift(parser.parse(expr, variables=names_hint))]
    return _graph.to_text(_graph.lift(expr)), [_graph.lift(expr)]


def _variable_order(roots, variables):
    used = _graph.variables(roots)
    if variables is None:
        return sorted(used, key=natural_key)
    names = parse_names(variables)
    missing = [n for n in used if n not in names]
    if missing:
        raise UsageError(f"the expression uses {_join(missing)}, which --vars does not list "
                         f"(--vars {','.join(names)})")
    return names


def _join(names):
    return ", ".join(names)


def _check_points(names, points):
    for p in points:
        unknown = [k for k in p if k not in names]
        if unknown:
            raise UsageError(
                f"--at gives a value for {_join(unknown)}, which is not a variable of the "
                f"expression (variables: {_join(names) or 'none'}; add it with --vars)")
        missing = [n for n in names if n not in p]
        if missing:
            example = ",".join(f"{n}=..." for n in names)
            raise UsageError(f"no value for {_join(missing)}: give every variable a value, "
                             f"e.g. --at {example}")


def _wrt_list(wrt, order, names):
    if wrt is None:
        if len(names) != 1:
            raise UsageError("diff needs --wrt to say which variables to differentiate by "
                             f"(variables: {_join(names) or 'none'})")
        wrt = [names[0]]
    else:
        wrt = parse_names(wrt, "--wrt")
    if order is not None:
        order = int(order)
        if order < 1:
            raise UsageError("--order must be at least 1")
        if len(wrt) != 1 and order != 1:
            raise UsageError("--order repeats one variable: use --wrt x --order 5, or list "
                             "each differentiation (--wrt x,y,y)")
        wrt = wrt * order
    for w in wrt:
        if w not in names:
            raise UsageError(f"--wrt {w}: {w} is not a variable of the expression "
                             f"(variables: {_join(names) or 'none'}; add it with --vars)")
    if len(wrt) > MAX_NESTED_ORDER:
        raise UsageError(f"derivatives of order {len(wrt)} are not available yet: nested tapes "
                         f"go up to order {MAX_NESTED_ORDER}")
    return wrt


# =========================================================================================
# Labels
# =========================================================================================

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _runs(wrt):
    runs = []
    for w in wrt:
        if runs and runs[-1][0] == w:
            runs[-1][1] += 1
        else:
            runs.append([w, 1])
    return runs


def derivative_label(fname, wrt, single_variable):
    """(unicode, ascii) label: ``∂²f/∂x∂y`` and ``d2f/dx dy``; ``d`` for one variable."""
    n = len(wrt)
    if n == 0:
        return fname, fname
    d = "d" if single_variable else "∂"
    order_u = str(n).translate(_SUP) if n > 1 else ""
    order_a = str(n) if n > 1 else ""
    den_u = "".join(f"{d}{w}{str(k).translate(_SUP) if k > 1 else ''}" for w, k in _runs(wrt))
    den_a = " ".join(f"d{w}{k if k > 1 else ''}" for w, k in _runs(wrt))
    return f"{d}{order_u}{fname}/{den_u}", f"d{order_a}{fname}/{den_a}"


# =========================================================================================
# The tape side
# =========================================================================================

def fmt_number(v):
    """Shortest text that reads back to the same float; whole numbers without ``.0``."""
    v = float(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


_INFIX_SYM = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "power": "**"}


def _describe(node, args):
    vals = [fmt_number(np.asarray(a, dtype=float)) for a in _values(args)]
    if node.op in _INFIX_SYM and len(vals) == 2:
        b = vals[1] if not vals[1].startswith("-") else f"({vals[1]})"
        return f"{vals[0]} {_INFIX_SYM[node.op]} {b}"
    return f"{node.op}({', '.join(vals)})"


def _values(args):
    from .tensor import as_value

    return [as_value(a) for a in args]


def _classify_nonfinite(node, args):
    """'overflow' (mathematically finite, too large for a float) or 'undefined'."""
    try:
        import mpmath

        with mpmath.workdps(30):
            v = node.prim.mp(mpmath, *[mpmath.mpf(float(a)) for a in _values(args)],
                             **node.params)
            if isinstance(v, mpmath.mpf) and mpmath.isfinite(v):
                return "overflow", mpmath.nstr(v, 3)
    except Exception:  # noqa: BLE001 - any failure means there is no real value
        pass
    return "undefined", None


class _PointWatch:
    """The ``on_node`` hook: finds where f is not defined and kinks that matter."""

    def __init__(self, depends, diff_vars):
        self.depends = depends
        self.diff_vars = diff_vars
        self.problem = None     # (status, message) for the first non-finite node
        self.kinks = []

    def __call__(self, node, value, args):
        vals = _values(args)
        if self.problem is None and not np.all(np.isfinite(_values([value])[0])):
            if all(np.all(np.isfinite(v)) for v in vals):
                kind, big = _classify_nonfinite(node, args)
                what = _describe(node, args)
                if kind == "overflow":
                    msg = (f"overflow at this point: {what} is about {big}, too large for a "
                           "64-bit float")
                else:
                    msg = f"not defined at this point: {what}"
                self.problem = (kind, msg)
        prim = node.prim
        if prim.kink is not None and self.depends[id(node)] & self.diff_vars:
            try:
                hit = bool(np.any(prim.kink(*args)))
            except Exception:  # noqa: BLE001 - a kink test that fails is not a kink
                hit = False
            if hit:
                where = ", ".join(fmt_number(v) for v in vals)
                where = where if len(vals) == 1 else f"({where})"
                conv = prim.convention or "a one-sided derivative"
                used = f"hod used {conv}" if "=" in conv else f"hod's convention: {conv}"
                msg = f"not differentiable at this point: {prim.name} at {where}; {used}"
                if msg not in self.kinks:
                    self.kinks.append(msg)


def _dependencies(roots):
    deps = {}
    for node in _graph.topological(roots):
        if node.op == "var":
            deps[id(node)] = frozenset([node.label])
        elif node.op == "const":
            deps[id(node)] = frozenset()
        else:
            s = frozenset()
            for a in node.args:
                s |= deps[id(a)]
            deps[id(node)] = s
    return deps


def _tape_point(kind, roots, names, wrt, point, depends):
    """Tape values at one point: (value, gradient or None, result, watch)."""
    from . import ops
    from .tape import GradientTape
    from .tensor import Variable

    xs = [Variable(point[n], name=n) for n in names]
    env = dict(zip(names, xs))
    diff_vars = frozenset(wrt) if kind == "diff" else frozenset(names)
    watch = _PointWatch(depends, diff_vars)

    def f():
        vals = _graph.evaluate(roots, env, "tensor", on_node=watch)
        return [ops.convert(v) for v in vals]

    def num(t):
        return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=float))

    gradient = None
    with np.errstate(all="ignore"):
        if kind == "grad":
            with GradientTape() as tape:
                tape.watch(xs)
                (y,) = f()
            g = tape.gradient(y, xs, unconnected_gradients="zero") if xs else []
            value, result = num(y), [num(t) for t in g]
        elif kind == "hessian":
            with GradientTape() as outer:
                outer.watch(xs)
                with GradientTape() as inner:
                    inner.watch(xs)
                    (y,) = f()
                g = inner.gradient(y, xs, unconnected_gradients="zero") if xs else []
                gs = ops.stack(g) if xs else None
            cols = outer.jacobian(gs, xs, unconnected_gradients="zero") if xs else []
            value, gradient = num(y), [num(t) for t in g]
            result = [[num(cols[j][i]) for j in range(len(xs))] for i in range(len(xs))]
        elif kind == "diff":
            with contextlib.ExitStack() as stack:
                tapes = [stack.enter_context(GradientTape()) for _ in wrt]
                for t in tapes:
                    t.watch(xs)
                (y,) = f()
                value = num(y)
                for t, w in zip(reversed(tapes), wrt):
                    y = t.gradient(y, env[w], unconnected_gradients="zero")
            result = num(y)
        else:  # jacobian
            with GradientTape() as tape:
                tape.watch(xs)
                ys = f()
                stacked = ops.stack(ys)
            cols = tape.jacobian(stacked, xs, unconnected_gradients="zero") if xs else []
            value = [num(t) for t in ys]
            result = [[num(cols[j][i]) for j in range(len(xs))] for i in range(len(ys))]
    return value, gradient, result, watch


# =========================================================================================
# The symbolic side (runs in a child process or a thread; sends plain data back)
# =========================================================================================

def _exact(v):
    f = fractions.Fraction(float(v))
    return f.numerator, f.denominator


def _symbolic_job(kind, roots, names, wrt, points, send):
    """Differentiate with SymPy and evaluate at each point; ``send`` plain data as it goes."""
    import sympy

    syms = {n: sympy.Symbol(n, real=True) for n in names}
    fs = _graph.to_sympy(roots, syms)
    if kind in ("grad", "hessian"):
        grads = [sympy.diff(fs[0], syms[n]) for n in names]
        if kind == "grad":
            exprs = {"value": fs[0], "result": grads}
        else:
            exprs = {"value": fs[0], "gradient": grads,
                     "result": [[sympy.diff(g, syms[n]) for n in names] for g in grads]}
    elif kind == "diff":
        exprs = {"value": fs[0], "result": sympy.diff(fs[0], *[syms[w] for w in wrt])}
    else:
        exprs = {"value": list(fs),
                 "result": [[sympy.diff(f, syms[n]) for n in names] for f in fs]}

    def form(e):
        s = str(e)
        return s if len(s) <= MAX_FORM_CHARS else s[:MAX_FORM_CHARS] + "..."

    send(("forms", _map(form, exprs)))
    for k, p in enumerate(points):
        subs = {syms[n]: sympy.Rational(*_exact(p[n])) for n in names}

        def value(e, subs=subs):
            try:
                r = e.evalf(30, subs=subs)
                if r.is_number and r.is_real and r.is_finite:
                    return float(r)
                if r == sympy.oo or r == -sympy.oo:
                    return float(r)
                if r.is_number and (r.is_real is False or r.has(sympy.zoo, sympy.nan)):
                    return float("nan")  # complex or undefined: no real value
                return None
            except Exception:  # noqa: BLE001 - SymPy could not evaluate this entry
                return None

        send(("point", k, _map(value, exprs)))
    send(("done",))


def _map(fn, x):
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    if isinstance(x, list):
        return [_map(fn, v) for v in x]
    return fn(x)


def _use_fork():
    mode = os.environ.get("HOD_SYMBOLIC_WORKER", "")
    if mode in ("thread", "process"):
        return mode == "process" and hasattr(os, "fork")
    return (hasattr(os, "fork") and sys.platform.startswith("linux")
            and threading.active_count() == 1)


_forks = 0


class _SymbolicWorker:
    """Runs :func:`_symbolic_job` with a deadline; ``collect()`` returns what arrived."""

    def __init__(self, job, timeout):
        self.deadline = time.monotonic() + max(0.0, float(timeout))
        self.timeout = timeout
        self.messages = []
        self.error = None
        self.timed_out = False
        self.finished = False
        if _use_fork():
            global _forks
            _forks += 1
            if _forks == 2 and "sympy" not in sys.modules:
                # called repeatedly (the Python API in a loop): load SymPy here once, so
                # that every later child inherits it instead of importing it again
                import sympy  # noqa: F401
            self._start_process(job)
        else:
            self._start_thread(job)

    # --- a forked child, killed at the deadline -------------------------------------------
    def _start_process(self, job):
        import pickle
        import struct

        r, w = os.pipe()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(r)
                import warnings

                warnings.simplefilter("ignore")

                def send(msg):
                    data = pickle.dumps(msg, protocol=pickle.HIGHEST_PROTOCOL)
                    view = memoryview(struct.pack("<Q", len(data)) + data)
                    while view:
                        n = os.write(w, view)
                        view = view[n:]

                try:
                    job(send)
                except BaseException as e:  # noqa: BLE001 - reported to the parent
                    send(("error", _error_text(e)))
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        self._pid, self._fd, self._thread = pid, r, None

    def _collect_process(self):
        import pickle
        import select
        import signal
        import struct

        buf = bytearray()
        fd = self._fd
        try:
            while True:
                left = self.deadline - time.monotonic()
                if left <= 0:
                    self.timed_out = True
                    break
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                buf += chunk
                while len(buf) >= 8:
                    (n,) = struct.unpack("<Q", buf[:8])
                    if len(buf) < 8 + n:
                        break
                    self._receive(pickle.loads(bytes(buf[8:8 + n])))
                    del buf[:8 + n]
                if self.finished:
                    break
        finally:
            os.close(fd)
            if not self.finished:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                os.waitpid(self._pid, 0)
        if not self.finished and not self.timed_out and self.error is None:
            self.error = "the symbolic worker process ended unexpectedly"

    # --- a daemon thread, abandoned at the deadline ---------------------------------------
    def _start_thread(self, job):
        inbox = []

        def run():
            try:
                job(inbox.append)
            except BaseException as e:  # noqa: BLE001 - reported to the caller
                inbox.append(("error", _error_text(e)))

        self._inbox = inbox
        self._thread = threading.Thread(target=run, name="hod-sympy", daemon=True)
        self._thread.start()

    def _collect_thread(self):
        self._thread.join(max(0.0, self.deadline - time.monotonic()))
        for msg in list(self._inbox):
            self._receive(msg)
        if self._thread.is_alive():
            self.timed_out = True
        elif not self.finished and self.error is None:
            self.error = "the symbolic check stopped unexpectedly"

    def _receive(self, msg):
        tag = msg[0]
        if tag == "forms":
            self.messages.append(msg)
        elif tag == "point":
            self.messages.append(msg)
        elif tag == "error":
            self.error = msg[1]
        elif tag == "done":
            self.finished = True

    def collect(self):
        """(forms or None, {point index: values}, timed_out, error)."""
        if self._thread is None:
            self._collect_process()
        else:
            self._collect_thread()
        forms, values = None, {}
        for msg in self.messages:
            if msg[0] == "forms":
                forms = msg[1]
            else:
                values[msg[1]] = msg[2]
        return forms, values, self.timed_out, self.error


def _error_text(e):
    text = str(e).strip().splitlines()
    text = text[0] if text else ""
    if isinstance(e, RecursionError):
        return "SymPy ran out of recursion depth on this expression"
    if isinstance(e, MemoryError):
        return "SymPy ran out of memory on this expression"
    return f"SymPy failed: {type(e).__name__}{': ' + text[:200] if text else ''}"


# =========================================================================================
# Putting it together
# =========================================================================================

def run(kind, expr, points=None, variables=None, *, wrt=None, order=None, check=True,
        rtol=RTOL, atol=ATOL, timeout=TIMEOUT):
    """Compute derivative ``kind`` (one of :data:`KINDS`) at each point; see the functions
    above for each kind.  Raises :class:`hod.UsageError` (or ParseError) for bad input."""
    if kind not in KINDS:
        raise UsageError(f"unknown derivative kind {kind!r}; choose from {', '.join(KINDS)}")
    rtol, atol, timeout = float(rtol), float(atol), float(timeout)
    if not (rtol >= 0 and atol >= 0) or math.isnan(rtol + atol):
        raise UsageError("--rtol and --atol must be non-negative numbers")
    if not timeout > 0:
        raise UsageError("--timeout must be a positive number of seconds")
    points = _points(points)
    hint = set(parse_names(variables)) if variables is not None else set()
    for p in points:
        hint.update(p)
    text, roots = _graphs(kind, expr, sorted(hint))
    names = _variable_order(roots, variables)
    _check_points(names, points)
    wrt_list = _wrt_list(wrt, order, names) if kind == "diff" else None

    worker = None
    if check:
        job_args = (kind, roots, names, wrt_list, points)
        worker = _SymbolicWorker(lambda send: _symbolic_job(*job_args, send), timeout)

    depends = _dependencies(roots)
    tape = [_tape_point(kind, roots, names, wrt_list, p, depends) for p in points]

    forms = sym_values = None
    timed_out, error = False, None
    if worker is not None:
        forms, sym_values, timed_out, error = worker.collect()
    return _assemble(kind, text, roots, names, wrt_list, points, tape, check, forms,
                     sym_values or {}, timed_out, error, rtol, atol, timeout)


def _labels(kind, names, wrt, nfun):
    """[(part, index, unicode, ascii)] for every component, in table order."""
    single = len(names) == 1
    out = []
    if kind == "jacobian":
        fn = [f"f{i + 1}" for i in range(nfun)]
        out += [("value", (i,), fn[i], fn[i]) for i in range(nfun)]
        out += [("result", (i, j), *derivative_label(fn[i], [n], single))
                for i in range(nfun) for j, n in enumerate(names)]
        return out
    out.append(("value", (), "f", "f"))
    if kind in ("grad", "hessian"):
        part = "result" if kind == "grad" else "gradient"
        out += [(part, (i,), *derivative_label("f", [n], single)) for i, n in enumerate(names)]
    if kind == "hessian":
        out += [("result", (i, j), *derivative_label("f", [a, b], single))
                for i, a in enumerate(names) for j, b in enumerate(names)]
    if kind == "diff":
        out.append(("result", (), *derivative_label("f", wrt, single)))
    return out


def _get(x, index):
    for i in index:
        if x is None:
            return None
        x = x[i]
    return x


def _assemble(kind, text, roots, names, wrt, points, tape, check, forms, sym_values,
              timed_out, error, rtol, atol, timeout):
    labels = _labels(kind, names, wrt, len(roots))
    results = []
    for k, (p, (value, gradient, result, watch)) in enumerate(zip(points, tape)):
        tape_parts = {"value": value, "gradient": gradient, "result": result}
        sym = sym_values.get(k)
        warnings = []
        problem = watch.problem
        if problem:
            warnings.append(problem[1])
        warnings += watch.kinks
        kink = bool(watch.kinks)
        components, bad_derivs = [], []
        for part, index, label, alabel in labels:
            a = _get(tape_parts[part], index)
            b = _get(sym.get(part), index) if sym else None
            form = _get(forms.get(part), index) if forms else None
            absd = reld = None
            if not check:
                agree, note = None, "unchecked"
            elif problem:
                agree, note = None, "undefined"
            elif sym is None:
                agree, note = None, "timeout" if timed_out else "no value"
            elif b is None:
                agree, note = None, "no value"
            else:
                if math.isfinite(a) and math.isfinite(b):
                    absd = abs(a - b)
                    reld = absd / abs(b) if b != 0 else (0.0 if absd == 0 else math.inf)
                    agree = absd <= atol + rtol * abs(b)
                else:
                    agree = False
                note = "agree" if agree else "disagree"
                if not agree and (kink or not math.isfinite(a)):
                    agree, note = None, "kink" if kink else "undefined"
            if problem is None and part != "value" and not math.isfinite(a):
                bad_derivs.append((alabel, a, b))
            components.append(Component(label, alabel, part, index, form, a, b, absd, reld,
                                        agree, note))
        for label, a, b in bad_derivs:
            also = "" if b is None or not check else (
                f"; SymPy gives {fmt_number(b)}" if math.isfinite(b) else "")
            warnings.append(f"derivative not defined here: {label} = {fmt_number(a)} on the "
                            f"tape{also}")
        if check and error and not problem:
            warnings.append(f"symbolic check failed: {error}")
        if check and timed_out and sym is None and not problem:
            warnings.append(f"the symbolic check timed out after {timeout:g} s (--timeout)")
        # the point's status: the most serious finding
        found = set()
        if problem:
            found.add(problem[0])
        if any(c.check == "disagree" for c in components):
            found.add("disagree")
        if kink:
            found.add("not differentiable")
        if bad_derivs:
            found.add("derivative undefined")
        if check and not problem and sym is None:
            found.add("timeout" if timed_out else "symbolic failed")
        if check and any(c.check == "no value" for c in components) and sym is not None:
            found.add("symbolic failed")
        found.add("ok" if check else "unchecked")
        status = next(s for s in STATUSES if s in found)
        agrees = [c.agree for c in components]
        if not check or problem:
            agree = None
        elif any(x is False for x in agrees):
            agree = False
        elif all(x is True for x in agrees):
            agree = True
        else:
            agree = None
        results.append(PointResult(
            point=dict(p), value=value, result=result,
            symbolic=sym.get("result") if sym else None,
            symbolic_value=sym.get("value") if sym else None,
            gradient=gradient, agree=agree, status=status, warnings=warnings,
            components=components))
    return Report(expression=text, variables=list(names), derivative=kind, wrt=wrt,
                  checked=bool(check), rtol=rtol, atol=atol, timeout=timeout,
                  forms=forms.get("result") if forms else None,
                  value_forms=forms.get("value") if forms else None, results=results)
