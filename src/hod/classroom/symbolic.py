"""Derivatives as formulas, without a point: SymPy's derivative of hod's graph, simplified.

The SymPy expression is built from hod's graph through the primitive table (never from
text), differentiated, then simplified within a time budget in a worker (:mod:`hod.check.
worker`, killed at the deadline); where simplification does not finish, the unsimplified
form is given, and says so.  SymPy is imported only by the worker's job.

>>> f = hod.symbolic_derivative("sin(x)*exp(x)", "x", order=10)
>>> f.entries[0].text
'32*exp(x)*cos(x)'
"""

from __future__ import annotations

import dataclasses
import time

from ..errors import UsageError

TIMEOUT = 10.0


@dataclasses.dataclass
class Form:
    """One derivative as a formula: its label, SymPy's text, readable text, LaTeX."""

    label: str       # "d10f/dx10", "df/dx", "d2f/dx dy"
    latex_label: str
    text: str        # SymPy's text (Python syntax)
    math: str        # readable: |x| for Abs(x)
    latex: str


@dataclasses.dataclass
class Formulas:
    """The symbolic derivative(s) of ``expression``: ``shape`` is ``()`` for one derivative,
    ``(n,)`` for a gradient, ``(n, n)`` for a Hessian (entries row by row)."""

    expression: str
    derivative: str      # "diff", "grad", "hessian"
    variables: list
    shape: tuple
    entries: list
    simplified: bool
    notes: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        forms = [e.text for e in self.entries]
        if len(self.shape) == 2:
            n = self.shape[1]
            forms = [forms[i:i + n] for i in range(0, len(forms), n)]
        elif not self.shape:
            forms = forms[0]
        return {"expression": self.expression, "derivative": self.derivative,
                "variables": list(self.variables),
                "labels": [e.label for e in self.entries], "symbolic": forms,
                "simplified": self.simplified, "notes": list(self.notes)}


def _labels(wrt, latex, single):
    """``d2f/dx dy`` or its LaTeX; ``single``: the expression has one variable (d, not
    the partial sign)."""
    from ..check.inputs import counts

    n = len(wrt)
    runs = list(counts(wrt).items())
    if latex:
        d = "d" if single else r"\partial"
        top = f"{d}^{{{n}}} f" if n > 1 else f"{d} f"
        bottom = " ".join(f"{d} {_lx(v)}^{{{k}}}" if k > 1 else f"{d} {_lx(v)}"
                          for v, k in runs)
        return rf"\frac{{{top}}}{{{bottom}}}"
    top = f"d{n}f" if n > 1 else "df"
    return top + "/" + " ".join(f"d{v}{k}" if k > 1 else f"d{v}" for v, k in runs)


def _lx(name):
    from ..expr.graph import var
    from ..expr.latex import to_latex

    return to_latex(var(name))


def _job(root, names, derivatives):
    """The worker's job: each derivative unsimplified first, then simplified."""

    def job(send, stopped):
        import sympy

        from ..expr.graph import to_sympy

        symbols = {n: sympy.Symbol(n, real=True) for n in names}
        f = to_sympy(root, symbols)
        raw = []
        for k, wrt in enumerate(derivatives):
            d = sympy.diff(f, *[symbols[w] for w in wrt])
            raw.append(d)
            send(("raw", k, *_texts(sympy, d)))
        for k, d in enumerate(raw):
            if stopped():
                return
            send(("simplified", k, *_texts(sympy, sympy.simplify(d))))
        send(("done",))

    return job


def _texts(sympy, e):
    from sympy.printing.str import StrPrinter

    class Readable(StrPrinter):
        def _print_Abs(self, expr):
            return f"|{self._print(expr.args[0])}|"

    return str(e), Readable().doprint(e), sympy.latex(e)


def _formulas(kind, expr, variables, derivatives, shape, timeout):
    from ..check import worker
    from ..check.inputs import parse_expression, variable_order

    text, (root,) = parse_expression(expr, sorted(variables or ()))
    names = variable_order([root], variables)
    for wrt in derivatives:
        for w in wrt:
            if w not in names:
                raise UsageError("{wrt}: {name} is not a variable of the expression "
                                 "(variables: {names})", param="wrt", name=w,
                                 names=", ".join(names) or "none")
    deadline = time.monotonic() + float(timeout)
    w = worker.Worker(_job(root, names, derivatives), deadline, preload="sympy")
    w.wait()
    forms, simplified = {}, set()
    for message in w.messages:
        if message[0] in ("raw", "simplified"):
            forms[message[1]] = message[2:]
            if message[0] == "simplified":
                simplified.add(message[1])
    notes = []
    if len(forms) < len(derivatives):
        raise UsageError(f"SymPy did not finish the derivative within {timeout:g} s"
                         + (f" ({w.error})" if w.error else ""), param="timeout")
    if len(simplified) < len(derivatives):
        notes.append(f"SymPy did not finish simplifying within {timeout:g} s: "
                     "the forms are not simplified")
    single = len(names) == 1
    entries = [Form(_labels(wrt, False, single), _labels(wrt, True, single), *forms[k])
               for k, wrt in enumerate(derivatives)]
    return Formulas(text, kind, names, shape, entries, len(simplified) == len(derivatives),
                    notes)


def symbolic_derivative(expr, wrt=None, order=None, variables=None, timeout=TIMEOUT):
    """One derivative of ``expr`` as a simplified formula: ``wrt=["x", "y"]`` is d2f/dx dy,
    ``wrt="x", order=10`` the tenth derivative in x (``wrt`` optional for one variable)."""
    from ..check.inputs import differentiations, parse_expression, variable_order

    _, (root,) = parse_expression(expr, sorted(variables or ()))
    names = variable_order([root], variables)
    wrt = differentiations(wrt, order, names)
    return _formulas("diff", expr, variables, [list(wrt)], (), timeout)


def symbolic_gradient(expr, variables=None, timeout=TIMEOUT):
    """The gradient of ``expr`` as formulas, in variable order.

    >>> [e.text for e in hod.symbolic_gradient("x**2*y").entries]
    ['2*x*y', 'x**2']
    """
    from ..check.inputs import parse_expression, variable_order

    _, (root,) = parse_expression(expr, sorted(variables or ()))
    names = variable_order([root], variables)
    return _formulas("grad", expr, variables, [[n] for n in names], (len(names),), timeout)


def symbolic_hessian(expr, variables=None, timeout=TIMEOUT):
    """The Hessian of ``expr`` as formulas, row by row.

    >>> [e.text for e in hod.symbolic_hessian("x**2*y").entries]
    ['2*y', '2*x', '2*x', '0']
    """
    from ..check.inputs import parse_expression, variable_order

    _, (root,) = parse_expression(expr, sorted(variables or ()))
    names = variable_order([root], variables)
    return _formulas("hessian", expr, variables, [[a, b] for a in names for b in names],
                     (len(names), len(names)), timeout)
