"""hod's numbers compared with the references: each component's check, and each point's
status, warnings and notes, assembled into the :class:`~hod.check.report.Report`.

At each point one reference decides where possible: SymPy when it gave every number, else
the numeric derivative when every one of its numbers is precise enough to decide (its
estimated error a hundredth of the tolerance at most), else each component takes what there
is.  Nested tapes (``diff``) are compared with the reference too.  What is special about the
point (not defined, overflow, a kink, a derivative that is not finite) is reported as such,
never as a disagreement.
"""

from __future__ import annotations

import dataclasses
import math

from ..text import fmt_duration, fmt_number, magnitude
from .references import NUMERIC_DPS
from .report import STATUSES, Component, PointResult, Report, blank, get, put

_REFERENCE_NAMES = {"sympy": "SymPy", "numeric": "the numeric derivative"}


@dataclasses.dataclass
class Settings:
    """How the run compares: whether it checks, its tolerances and its timeout."""

    check: bool
    rtol: float
    atol: float
    timeout: float

    def close(self, a, b):
        return abs(a - b) <= self.atol + self.rtol * abs(b)

    def precise(self, value, error):
        """A numeric value can decide agreement: its estimated error is a hundredth of the
        tolerance at most."""
        return (value is not None and error is not None and math.isfinite(value)
                and error <= 0.01 * (self.atol + self.rtol * abs(value)))


def assemble(task, hod, nested, refs, settings):
    """The report: each point's numbers (``hod``, ``nested``) compared with the references
    ``refs`` (a :class:`~hod.check.references.References`, None when unchecked)."""
    kind = task.kind
    forms = refs.forms() if refs else None
    results = [_Point(task, k, hp, nested[k] if nested else None, refs, forms,
                      settings).result() for k, hp in enumerate(hod)]
    shared = forms if forms and not kind.forms_per_point else {}
    return Report(expression=task.text, variables=list(task.names), kind=kind, wrt=task.wrt,
                  checked=bool(settings.check), rtol=settings.rtol, atol=settings.atol,
                  timeout=settings.timeout, forms=shared.get("result"),
                  value_forms=shared.get("value"), results=results, order=task.order)


def _range_text(label, big):
    if big[0] == "overflow":
        return (f"overflow at this point: {label} is about {magnitude(big[1], big[2])}, too "
                "large for a 64-bit float")
    return (f"out of range at this point: {label} cannot be computed in floating point (its "
            "Taylor coefficient f^(n)/n! is below the smallest float)")


class _Point:
    """The verdict at point ``k``: hod's numbers ``hp`` against the references, with nested
    tapes ``nest`` beside them."""

    def __init__(self, task, k, hp, nest, refs, forms, settings):
        self.task, self.k, self.hp, self.nest = task, k, hp, nest
        self.forms, self.settings = forms, settings
        self.sym = refs.sympy_values().get(k) if refs else None
        self.num_values = refs.numeric_values() if refs else {}
        self.gave_up = refs.gave_up() if refs else None
        self.sym_worker = refs.sympy if refs else None
        self.num_worker = refs.numeric if refs else None
        self.problem = hp.problem
        self.kinks = hp.kink_messages()
        self.warnings = ([hp.problem[1]] if hp.problem else []) + self.kinks + hp.caveats
        self.notes = []
        self.components = []
        self.bad_derivatives = []   # (ascii label, hod's value, SymPy's)
        self.overflowed = False
        self.used = set()
        self.numeric_errors = []
        self.sympy_short = False
        self.numeric = blank(hp.result)
        self.numeric_error = blank(hp.result)

    def result(self):
        task, hp, sym = self.task, self.hp, self.sym
        # one reference for the whole point where possible: SymPy, else the numeric check
        sympy_all = sym is not None and all(get(sym.get(s.part), s.index) is not None
                                            for s in task.specs)
        numeric_first = not sympy_all and all(
            self.settings.precise(*self.num_values.get((self.k, j), (None, None)))
            for j in range(len(task.specs)))
        for j, spec in enumerate(task.specs):
            self.components.append(self._component(j, spec, numeric_first))
        for alabel, a, b in self.bad_derivatives:
            also = "" if b is None or not self.settings.check else (
                f"; SymPy gives {fmt_number(b)}" if math.isfinite(b) else "")
            self.warnings.append(f"derivative not defined here: {alabel} = {fmt_number(a)} "
                                 f"{task.kind.where}{also}")
        self._reference_notes()
        p = task.points[self.k]
        has_numeric = any(c.numeric is not None and c.part == "result"
                          for c in self.components)
        polynomial = task.kind.polynomial(task, p, hp.result) if self.problem is None else None
        per_point = task.kind.forms_per_point
        return PointResult(
            point=dict(p), value=hp.value, result=hp.result,
            symbolic=sym.get("result") if sym else None,
            symbolic_value=sym.get("value") if sym else None,
            gradient=hp.gradient, agree=self._agree(), status=self._status(),
            warnings=self.warnings, components=self.components,
            nested=(self.nest.value if self.nest is not None else None),
            numeric=self.numeric if has_numeric else None,
            numeric_error=self.numeric_error if has_numeric else None,
            reference="+".join(r for r in ("sympy", "numeric") if r in self.used) or None,
            notes=self.notes,
            forms=(sym.get("forms") if sym else None) if per_point else None,
            polynomial=polynomial)

    def _component(self, j, spec, numeric_first):
        """One component checked: against which reference, and what the check found."""
        settings, sym, hp, nest = self.settings, self.sym, self.hp, self.nest
        check, problem, kink = settings.check, self.problem, bool(self.kinks)
        a = get({"value": hp.value, "gradient": hp.gradient, "result": hp.result}[spec.part],
                spec.index)
        b = get(sym.get(spec.part), spec.index) if sym else None
        if self.task.kind.forms_per_point:
            form = get(sym.get("forms"), spec.index) if sym else None
        else:
            form = get(self.forms.get(spec.part), spec.index) if self.forms else None
        nv, ne = self.num_values.get((self.k, j), (None, None))
        nested_v = None
        if nest is not None and nest.skipped is None:
            nested_v = nest.value if spec.part == "result" else nest.f
        big = hp.out_of_range.get((spec.part, spec.index))
        if big is not None:
            self.overflowed = True
            self.warnings.append(_range_text(spec.ascii_label, big))
        ref = ref_name = None
        if check and not problem and big is None:
            if b is None:
                self.sympy_short = True
            if b is not None and not numeric_first:
                ref, ref_name = b, "sympy"
            elif settings.precise(nv, ne):
                ref, ref_name = nv, "numeric"
            elif nv is not None and ne is not None and math.isfinite(nv) and not kink:
                self.warnings.append(f"the numeric check of {spec.ascii_label} is not precise "
                                     f"enough here (estimated error {ne:.1e})")
        absd = reld = None
        if not check:
            agree, note = None, "unchecked"
        elif problem:
            agree, note = None, "undefined"
        elif big is not None:
            agree, note = None, "overflow"
        elif ref is None:
            late = bool(self.sym_worker.timed_out or self.gave_up or self._numeric_late())
            agree, note = None, "kink" if kink else "timeout" if late else "no value"
        else:
            if math.isfinite(a) and math.isfinite(ref):
                absd = abs(a - ref)
                reld = absd / abs(ref) if ref != 0 else (0.0 if absd == 0 else math.inf)
                agree = absd <= settings.atol + settings.rtol * abs(ref)
            else:
                agree = False
            note = "agree" if agree else "disagree"
            if not agree and (kink or not math.isfinite(a)):
                agree, note = None, "kink" if kink else "undefined"
        if (nested_v is not None and check and not problem and not kink
                and note not in ("undefined", "overflow")):
            other = ref if ref is not None else a
            other_name = _REFERENCE_NAMES[ref_name] if ref is not None else "Taylor mode"
            if (math.isfinite(nested_v) and math.isfinite(other)
                    and not settings.close(nested_v, other)):
                agree, note = False, "disagree"
                self.warnings.append(f"nested tapes give {fmt_number(nested_v)} for "
                                     f"{spec.ascii_label}, which disagrees with {other_name} "
                                     f"({fmt_number(other)})")
        if ref_name == "numeric":
            self.numeric_errors.append(ne / abs(nv) if nv else ne)
            if spec.part == "result":
                self.numeric = put(self.numeric, spec.index, nv)
                self.numeric_error = put(self.numeric_error, spec.index, ne)
        if ref_name:
            self.used.add(ref_name)
        if problem is None and big is None and spec.part != "value" and not math.isfinite(a):
            self.bad_derivatives.append((spec.ascii_label, a, b))
        return Component(spec.label, spec.ascii_label, spec.part, spec.index, form, a, b, absd,
                         reld, agree, note, nested=nested_v,
                         numeric=nv if ref_name == "numeric" else None,
                         numeric_error=ne if ref_name == "numeric" else None,
                         reference=ref_name)

    def _numeric_late(self):
        w = self.num_worker
        return bool(w and (w.timed_out or w.error))

    def _reference_notes(self):
        """How SymPy and the numeric check fared, as warnings (where values are left
        unchecked) or notes."""
        timeout, sym_worker = self.settings.timeout, self.sym_worker
        unchecked = [c for c in self.components if c.check in ("timeout", "no value")]
        sympy_why = None
        if self.settings.check and not self.problem:
            if self.gave_up:
                j, n, spent, total = self.gave_up
                sympy_why = (f"SymPy: stopped after {j} of {n} differentiations "
                             f"({fmt_duration(spent)}); all {n} would take at least "
                             f"{fmt_duration(total)} (--timeout {timeout:g} s)")
            elif sym_worker.error:
                sympy_why = f"symbolic check failed: {sym_worker.error}"
            elif sym_worker.timed_out and self.sym is None:
                sympy_why = f"the symbolic check timed out after {timeout:g} s (--timeout)"
            elif self.sym is not None and self.sym.get("note"):
                sympy_why = self.sym["note"]
        if unchecked and sympy_why:
            self.warnings.append(sympy_why)
        elif sympy_why and self.sympy_short:
            self.notes.append(f"{sympy_why}; checked by the numeric derivative instead")
        num_worker = self.num_worker
        if self.numeric_errors:
            self.notes.append(f"numeric: central differences of values of f computed by mpmath "
                              f"at {NUMERIC_DPS} digits; estimated relative error up to "
                              f"{max(self.numeric_errors):.1e}")
        elif unchecked and num_worker is not None and not self.problem:
            if num_worker.timed_out:
                self.notes.append(f"numeric: timed out after {timeout:g} s (--timeout)")
            elif num_worker.error:
                self.notes.append(f"numeric: failed ({num_worker.error})")
        if self.nest is not None and self.nest.skipped:
            self.notes.append(f"nested tapes: {self.nest.skipped}")

    def _status(self):
        """The point's status: the most serious finding."""
        checks = {c.check for c in self.components}
        found = {"ok" if self.settings.check else "unchecked"}
        if self.problem:
            found.add(self.problem[0])
        if "disagree" in checks:
            found.add("disagree")
        if self.kinks:
            found.add("not differentiable")
        if self.overflowed:
            found.add("overflow")
        if self.bad_derivatives:
            found.add("derivative undefined")
        if "timeout" in checks:
            found.add("timeout")
        if "no value" in checks:
            found.add("symbolic failed")
        return next(s for s in STATUSES if s in found)

    def _agree(self):
        agrees = [c.agree for c in self.components]
        if not self.settings.check or self.problem:
            return None
        if any(x is False for x in agrees):
            return False
        if all(x is True for x in agrees):
            return True
        return None
