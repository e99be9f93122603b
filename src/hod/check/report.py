"""The records of a check: Component, PointResult, Report, and the JSON contract.

A :class:`Report` carries its kind (a :mod:`hod.check.kinds` object): what differs between
``grad``, ``hessian``, ``diff``, ``jacobian`` and ``taylor`` (which JSON keys a result has,
how the renderer labels columns and verdicts) is asked of it, never switched on by name.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

# Point statuses, most serious first; ``status`` of a point is the most serious that applies.
STATUSES = ("disagree", "undefined", "overflow", "not differentiable", "derivative undefined",
            "timeout", "symbolic failed", "unchecked", "ok")


@dataclasses.dataclass
class Component:
    """One checked number: the function's value, one entry of a derivative, or one Taylor
    coefficient.

    ``part`` is ``"value"``, ``"gradient"`` (the gradient shown with a Hessian) or
    ``"result"``; ``index`` its position in that part.  ``tape`` is hod's number (from Taylor
    mode for ``diff`` and ``taylor``), ``nested`` the nested tapes' number beside it (``diff``),
    ``symbolic`` SymPy's and ``numeric`` the numeric check's (shown only where it is the
    reference, with its estimated absolute error ``numeric_error``).  ``reference`` names
    what hod's number was compared with (``"sympy"``, ``"numeric"`` or None); ``abs_diff`` and
    ``rel_diff`` are measured against it.  ``check`` says what the comparison found:
    ``agree``, ``disagree``, ``unchecked`` (--no-check), ``timeout``, ``undefined``, ``kink``
    (at a non-differentiable point), ``overflow`` or ``no value`` (no check gave a number).
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
    nested: float | None = None
    numeric: float | None = None
    numeric_error: float | None = None
    reference: str | None = None
    certified: Any = None          # the enclosure (hod.ball.Enclosure) where there is one
    certified_text: str | None = None  # its proven digits, as text
    answer: Any = None             # what hod prints: float64, or the certified value

    def __post_init__(self):
        if self.answer is None:
            self.answer = self.tape


@dataclasses.dataclass
class PointResult:
    """The derivatives at one point, with their cross-check."""

    point: dict
    value: Any            # f (a list of values for a Jacobian)
    result: Any           # number (diff), list (grad, taylor), list of lists (hessian, jacobian)
    symbolic: Any         # same shape as result, None when unchecked or timed out
    symbolic_value: Any   # SymPy's value of f, None when unchecked or timed out
    gradient: list | None  # the gradient (hessian only)
    agree: bool | None
    status: str
    warnings: list
    components: list
    nested: Any = None         # diff: the nested tapes' derivative (None when skipped)
    numeric: Any = None        # shape of result: the numeric check where it is the reference
    numeric_error: Any = None  # its estimated absolute error, same shape
    reference: str | None = None  # "sympy", "numeric", "sympy+numeric" or None
    notes: list = dataclasses.field(default_factory=list)  # how the point was checked
    forms: list | None = None  # taylor: SymPy's coefficients as text, at this point
    polynomial: str | None = None  # taylor: the Taylor polynomial, in hod's language
    certified: bool = False    # every printed number is proven (within its enclosure)
    given: dict | None = None  # coordinates given as text that is not their float (pi/2)
    float64: Any = None        # shape of result: float64's numbers, where they were replaced
    eigenvalues: list | None = None  # hessian: the Hessian's eigenvalues (12 digits), ascending
    definiteness: str | None = None  # hessian: what they say ("positive definite", ...)

    @property
    def ok(self):
        return self.status in ("ok", "unchecked")


@dataclasses.dataclass
class Report:
    """Everything ``hod grad|hessian|diff|jacobian|taylor`` computed, ready to render.

    ``kind`` is the kind object; ``derivative`` (its name) and ``engine`` (what computed hod's
    numbers: ``"tape"`` or ``"taylor"``) come from it.
    """

    expression: str
    variables: list
    kind: Any
    wrt: list | None
    checked: bool
    rtol: float
    atol: float
    timeout: float
    forms: Any            # symbolic forms, shape of result; None when unchecked/timed out
    value_forms: Any      # symbolic form of f (list for jacobian)
    results: list
    order: int | None = None  # taylor: the highest power
    references: tuple = ()    # the references asked for: "ball", "sympy"
    digits: int | None = None  # --digits: every number as text with this many proven digits

    @property
    def derivative(self):
        """The kind's name: ``"grad"``, ``"hessian"``, ``"diff"``, ``"jacobian"``, ``"taylor"``."""
        return self.kind.name

    @property
    def engine(self):
        """What computed hod's numbers: ``"tape"`` or ``"taylor"``."""
        return self.kind.engine

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
        if self.order is not None:
            out["order"] = self.order
        out.update(checked=self.checked, references=list(self.references),
                   digits=self.digits, rtol=self.rtol, atol=self.atol,
                   symbolic_forms=self.forms, engine=self.engine, results=[])
        for r in self.results:
            replaced = []
            entry = {"point": {k: _json_num(v, replaced) for k, v in r.point.items()},
                     "value": _json_num(r.value, replaced)}
            if r.gradient is not None:
                entry["gradient"] = _json_num(r.gradient, replaced)
            entry.update(result=_json_num(r.result, replaced),
                         symbolic=_json_num(r.symbolic, replaced),
                         symbolic_value=_json_num(r.symbolic_value, replaced))
            if self.kind.forms_per_point:
                entry.update(symbolic_forms=r.forms, polynomial=r.polynomial)
            if r.eigenvalues is not None:
                entry.update(eigenvalues=_json_num(r.eigenvalues, replaced),
                             definiteness=r.definiteness)
            entry.update(certified=r.certified, float64=_json_num(r.float64, replaced),
                         agree=r.agree, status=r.status, warnings=list(r.warnings))
            if self.kind.nested:
                entry["nested_tapes"] = _json_num(r.nested, replaced)
            entry.update(numeric=_json_num(r.numeric, replaced),
                         numeric_error=_json_num(r.numeric_error, replaced),
                         reference=r.reference, notes=list(r.notes))
            if replaced:
                entry["warnings"].append("non-finite numbers (nan, inf) are written as null")
            out["results"].append(entry)
        return out


def _json_num(x, replaced):
    """A number for JSON: proven digits stay text (a decimal string), a float is a float
    (negative zero as 0.0, the one rule of every format), non-finite ones null."""
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return [_json_num(v, replaced) for v in x]
    x = float(x)
    if not math.isfinite(x):
        replaced.append(x)
        return None
    return x + 0.0  # -0.0 + 0.0 is 0.0


def get(x, index):
    """The entry of nested lists ``x`` at ``index`` (a tuple), or None where ``x`` is None."""
    for i in index:
        if x is None:
            return None
        x = x[i]
    return x


def _set(x, index, v):
    for i in index[:-1]:
        x = x[i]
    x[index[-1]] = v


def blank(like):
    """A structure shaped like ``like`` (number, list or list of lists) holding None."""
    if isinstance(like, list):
        return [blank(v) for v in like]
    return None


def put(x, index, v):
    """``x`` with ``v`` at ``index`` (``v`` itself for the empty index)."""
    if not index:
        return v
    _set(x, index, v)
    return x

