"""One object per command kind: what it computes and how, its components and their labels,
its references, and what the report and the renderer need to know about it.

A kind object answers every question whose answer differs between ``grad``, ``hessian``,
``diff``, ``jacobian`` and ``taylor``, so that nothing else switches on a kind's name.  A new
command is one new object here (registered in :data:`KINDS`), its public function in
:mod:`hod.check` and its click function in :mod:`hod.cli`:

* how it reads its input: :meth:`Kind.parse` (one expression, or several for ``jacobian``)
  and :meth:`Kind.resolve` (its ``wrt`` and ``order``);
* its components, in table order, with their labels: :meth:`Kind.specs`;
* hod's numbers: ``engine`` names the engine of :data:`hod.check.hod_values.HOD_VALUES`
  that computes them, which calls back :meth:`TapeKind.on_tape` or
  :meth:`TaylorKind.in_taylor_mode`; ``nested`` says whether nested tapes run beside;
* its references: ``symbolic`` names the symbolic job of
  :data:`hod.check.references.REFERENCES` (``"sympy"`` or ``"series"``), which calls back
  :meth:`Kind.sympy_expressions`; ``numeric_at_once`` says whether the numeric derivative
  starts beside SymPy instead of after it;
* the report and its rendering: ``noun``, ``first_column``, ``hod_column``,
  ``hod_possessive``, ``where``, ``reference_names``, ``forms_per_point``, ``expands``,
  ``matrix`` and :meth:`Kind.plain_rows`, :meth:`Kind.polynomial`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..text import polynomial_text
from .inputs import (
    counts, differentiations, parse_expression, parse_expressions, series_variable,
)

# Mixed partials come from univariate directions recombined with weights of alternating
# sign, which amplify rounding with the total order: measured against 30-digit references,
# relative errors of about 1e-12 at total order 12, 1e-9 at 16, 1e-5 at 20, 1e2 at 30.
MIXED_ACCURATE_ORDER = 14


# =========================================================================================
# Components and their labels
# =========================================================================================

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


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


class Spec(NamedTuple):
    """One component to compute and check: where it goes, its labels, and what it is (the
    partial ``wrt`` of root ``root``, divided by ``scale``: k! for Taylor coefficients)."""

    part: str
    index: tuple
    label: str
    ascii_label: str
    root: int
    wrt: tuple
    scale: int


def _spec(names, part, index, fname, wrt, root=0):
    return Spec(part, index, *derivative_label(fname, wrt, len(names) == 1), root,
                tuple(counts(wrt).items()), 1)


class TaylorModeValues(NamedTuple):
    """What Taylor mode gives at one point: the result, the kinks it met ((primitive name,
    convention) pairs), components out of the float range ((part, index) -> ("overflow",
    log10 of the absolute value, negative) or ("underflow", None, False)) and caveats."""

    result: object
    kinks: list
    out_of_range: dict
    caveats: list
    error_bound: float = 0.0  # Taylor mode's running estimate of the result's relative error


# =========================================================================================
# The kinds
# =========================================================================================

class Kind:
    """What every kind has; the subclasses below fill it in."""

    name = ""
    engine = ""               # the hod_values engine: "tape" or "taylor"
    symbolic = "sympy"        # the symbolic reference job: "sympy" or "series"
    numeric_at_once = False   # start the numeric derivative beside SymPy, not after it
    nested = False            # nested tapes beside Taylor mode (and a nested_tapes column)
    forms_per_point = False   # SymPy's forms differ per point (and are in each result)
    expands = False           # a series in one variable (the table says "in x")
    matrix = False            # plain: one line per row, an empty line between points
    noun = "values"           # what the verdict counts
    first_column = "derivative"
    hod_column = "hod"        # the table's header of hod's numbers
    hod_possessive = "the tape's"
    where = "on the tape"     # where hod's numbers were computed, in warnings
    reference_names = {None: "SymPy", "sympy": "SymPy", "numeric": "the numeric derivative",
                       "sympy+numeric": "SymPy and the numeric derivative",
                       "ball": "the certified enclosures",
                       "ball+sympy": "the certified enclosures and SymPy",
                       "ball+numeric": "the certified enclosures and the numeric derivative",
                       "ball+sympy+numeric": "the certified enclosures, SymPy and the numeric "
                                             "derivative"}

    def __repr__(self):
        return f"<kind {self.name}>"

    def parse(self, expr, names_hint):
        """(expression text, [root graphs]) from the ``expr`` argument."""
        return parse_expression(expr, names_hint)

    def resolve(self, wrt, order, names):
        """(wrt, order) of the task (both None unless the kind takes them)."""
        return None, None

    def differentiated(self, task):
        """The variables differentiated by: kinks in the others do not matter."""
        return frozenset(task.names)

    def specs(self, task):
        """Every component, in table order."""
        raise NotImplementedError

    def sympy_expressions(self, task, fs, sym):
        """{part: SymPy expression(s) shaped like the part} from the functions ``fs``;
        ``sym`` differentiates (see :class:`hod.check.references.Differentiator`)."""
        raise NotImplementedError

    def certified_parts(self, task):
        """What the certified engine computes for this kind: [(part, arguments of
        :func:`hod.certify`)], each part shaped like hod's own numbers for it."""
        raise NotImplementedError

    def plain_rows(self, r):
        """The numbers of the plain format for one point, as rows."""
        return [r.result]

    def polynomial(self, task, point, result):
        """The Taylor polynomial as text, for kinds that have one."""
        return None

    def annotate(self, r):
        """Fill in what the kind says about one point's result (:class:`PointResult`)."""


class TapeKind(Kind):
    """A kind computed on hod's tape."""

    engine = "tape"

    def on_tape(self, f, v):
        """(value, gradient, result) of ``f`` (graph values as a function of the vector of
        variables ``v``), each as plain floats or lists of them."""
        raise NotImplementedError


class TaylorKind(Kind):
    """A kind computed by Taylor mode, checked by the numeric derivative from the start."""

    engine = "taylor"
    numeric_at_once = True
    hod_column = "Taylor mode"
    hod_possessive = "Taylor mode's"
    where = "in Taylor mode"

    def in_taylor_mode(self, task, root, point):
        """:class:`TaylorModeValues` at one point."""
        raise NotImplementedError


def _num(t):
    return float(np.asarray(t.numpy() if hasattr(t, "numpy") else t, dtype=float))


def _matrix(t, rows, cols):
    a = np.asarray(t.numpy(), dtype=float).reshape(rows, cols)
    return [[float(a[i, j]) for j in range(cols)] for i in range(rows)]


class Gradient(TapeKind):
    name = "grad"

    def specs(self, task):
        names = task.names
        return ([_spec(names, "value", (), "f", [])]
                + [_spec(names, "result", (i,), "f", [n]) for i, n in enumerate(names)])

    def on_tape(self, f, v):
        from ..engine.functional import value_and_grad

        n = v.shape[0]
        y, g = value_and_grad(lambda x: f(x)[0])(v)
        return _num(y), None, [float(x) for x in np.asarray(g.numpy()).reshape(n)]

    def sympy_expressions(self, task, fs, sym):
        return {"value": fs[0], "result": [sym.d(fs[0], n) for n in task.names]}

    def certified_parts(self, task):
        return [("value", {"kind": "value"}), ("result", {"kind": "grad", "wrt": task.names})]

    def plain_rows(self, r):
        return [list(r.result)]


class Hessian(TapeKind):
    name = "hessian"
    matrix = True

    def specs(self, task):
        names = task.names
        return ([_spec(names, "value", (), "f", [])]
                + [_spec(names, "gradient", (i,), "f", [n]) for i, n in enumerate(names)]
                + [_spec(names, "result", (i, j), "f", [a, b])
                   for i, a in enumerate(names) for j, b in enumerate(names)])

    def on_tape(self, f, v):
        from ..engine.functional import value_grad_and_hessian

        n = v.shape[0]
        y, g, h = value_grad_and_hessian(lambda x: f(x)[0])(v)
        return (_num(y), [float(x) for x in np.asarray(g.numpy()).reshape(n)],
                _matrix(h, n, n))

    def sympy_expressions(self, task, fs, sym):
        grads = [sym.d(fs[0], n) for n in task.names]
        return {"value": fs[0], "gradient": grads,
                "result": [[sym.d(g, n) for n in task.names] for g in grads]}

    def certified_parts(self, task):
        return [("value", {"kind": "value"}), ("gradient", {"kind": "grad", "wrt": task.names}),
                ("result", {"kind": "hessian", "wrt": task.names})]

    def plain_rows(self, r):
        return r.result

    def annotate(self, r):
        """The Hessian's eigenvalues and its definiteness (see :func:`hessian_summary`)."""
        r.eigenvalues, r.definiteness = hessian_summary(r.result)


def hessian_summary(matrix):
    """(eigenvalues, definiteness) of a Hessian (rows of numbers, or of proven digits as
    text): the eigenvalues ascending by Jacobi rotations in plain float arithmetic, rounded
    to 12 significant digits so that they print the same on every CPU, and what they say
    (``positive definite``, ``indefinite``, ...; an eigenvalue is zero within 1e-8 of the
    largest |eigenvalue|).

    >>> hessian_summary([[60.0, 11.0], [11.0, 10.0]])
    ([7.6869994325, 62.3130005675], 'positive definite')
    """
    from ..classroom import linalg

    rows = [[float(x) for x in row] for row in matrix]
    if not rows:
        return [], "zero"
    eigs = linalg.eigenvalues(rows)
    rounded = [float(f"{e:.12g}") + 0.0 if math.isfinite(e) else e for e in eigs]
    return rounded, linalg.definiteness(eigs, relative=True)


class Jacobian(TapeKind):
    name = "jacobian"
    matrix = True

    def parse(self, expr, names_hint):
        return parse_expressions(expr, names_hint)

    def specs(self, task):
        names, nfun = task.names, len(task.roots)
        fn = [f"f{i + 1}" for i in range(nfun)]
        return ([_spec(names, "value", (i,), fn[i], [], i) for i in range(nfun)]
                + [_spec(names, "result", (i, j), fn[i], [n], i)
                   for i in range(nfun) for j, n in enumerate(names)])

    def on_tape(self, f, v):
        from ..engine.functional import value_and_jacobian
        from ..ops import stack

        n = v.shape[0]
        ys, jac = value_and_jacobian(lambda x: stack(f(x)))(v)
        m = ys.shape[0]
        return [float(x) for x in np.asarray(ys.numpy()).reshape(m)], None, _matrix(jac, m, n)

    def sympy_expressions(self, task, fs, sym):
        return {"value": list(fs), "result": [[sym.d(f, n) for n in task.names] for f in fs]}

    def certified_parts(self, task):
        return [("value", {"kind": "value"}),
                ("result", {"kind": "jacobian", "wrt": task.names})]

    def plain_rows(self, r):
        return r.result


class Diff(TaylorKind):
    name = "diff"
    nested = True

    def resolve(self, wrt, order, names):
        return differentiations(wrt, order, names), None

    def differentiated(self, task):
        return frozenset(task.wrt)

    def specs(self, task):
        names = task.names
        return [_spec(names, "value", (), "f", []), _spec(names, "result", (), "f", task.wrt)]

    def in_taylor_mode(self, task, root, point):
        from ..taylor_mode.api import graph_nth_derivative, graph_partial

        by_name = counts(task.wrt)
        out_of_range, caveats, error_bound = {}, [], 0.0
        if len(by_name) == 1:
            ((var, n),) = by_name.items()
            r = graph_nth_derivative(root, point, var, n)
            result, kinks, big, error_bound = r.value, r.kinks, r.out_of_range, r.error_bound
            if big is not None:
                out_of_range[("result", ())] = big
        else:
            methods = []
            r, kinks = graph_partial(root, point, by_name, methods)
            result = float(np.asarray(r, dtype=np.float64))
            if len(task.wrt) > MIXED_ACCURATE_ORDER and methods == ["interpolation"]:
                caveats.append(f"Taylor mode's mixed partials of many variables lose accuracy "
                               f"beyond total order {MIXED_ACCURATE_ORDER} (the interpolation "
                               f"from univariate directions amplifies rounding)")
        return TaylorModeValues(result, kinks, out_of_range, caveats, float(error_bound or 0.0))

    def sympy_expressions(self, task, fs, sym):
        # one derivative at a time, stopped early when the rest would not fit in the budget
        return {"value": fs[0], "result": sym.repeated(fs[0], task.wrt)}

    def certified_parts(self, task):
        return [("value", {"kind": "value"}),
                ("result", {"kind": "diff", "wrt": dict(counts(task.wrt))})]

    def plain_rows(self, r):
        return [[r.result]]


class Taylor(TaylorKind):
    name = "taylor"
    symbolic = "series"
    forms_per_point = True
    expands = True
    noun = "coefficients"
    first_column = "coefficient"
    reference_names = {None: "SymPy's series", "sympy": "SymPy's series",
                       "numeric": "the numeric derivatives",
                       "sympy+numeric": "SymPy's series and the numeric derivatives",
                       "ball": "the certified enclosures",
                       "ball+sympy": "the certified enclosures and SymPy's series",
                       "ball+numeric": "the certified enclosures and the numeric derivatives",
                       "ball+sympy+numeric": "the certified enclosures, SymPy's series and "
                                             "the numeric derivatives"}

    def certified_parts(self, task):
        return [("result", {"kind": "taylor", "wrt": task.var, "order": task.order})]

    def resolve(self, wrt, order, names):
        var, order = series_variable(wrt, order, names)
        return [var], order

    def differentiated(self, task):
        return frozenset(task.wrt)

    def specs(self, task):
        return [Spec("result", (k,), "c" + str(k).translate(_SUB), f"c{k}", 0,
                     ((task.var, k),) if k else (), math.factorial(k))
                for k in range(task.order + 1)]

    def in_taylor_mode(self, task, root, point):
        from ..taylor_mode.api import expand

        e = expand(root, point, task.order, {task.var: 1.0})
        coeffs = np.asarray(e.coefficients, dtype=np.float64).reshape(task.order + 1)
        rel = np.asarray(e.relative_errors, dtype=np.float64).reshape(-1)
        finite = rel[np.isfinite(rel)]
        return TaylorModeValues([float(c) for c in coeffs], e.kinks, {}, [],
                                float(finite.max()) if finite.size else 0.0)

    def sympy_expressions(self, task, fs, sym):
        raise TypeError("taylor is checked by SymPy's series (the 'series' reference)")

    def polynomial(self, task, point, result):
        if all(math.isfinite(c) for c in result):
            return polynomial_text(result, task.var, point[task.var])
        return None


#: Every kind by name, in the order of the commands.
KINDS = {k.name: k for k in (Gradient(), Hessian(), Diff(), Jacobian(), Taylor())}
