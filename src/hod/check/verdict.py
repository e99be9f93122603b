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
from .certified import inside
from .certified import text as certified_text
from .numeric import NUMERIC_DPS
from .report import STATUSES, Component, PointResult, Report, blank, get, put

_REFERENCE_NAMES = {"sympy": "SymPy", "numeric": "the numeric derivative"}

#: Above this estimated relative error, float64's Taylor-mode numbers are flagged.
LOST_DIGITS = 1e-6


@dataclasses.dataclass
class Settings:
    """How the run compares: whether it checks, its tolerances and its timeout; which
    references it asked for (``"ball"``, ``"sympy"``) and how many proven digits to print
    (None: float64's own, replaced only where float64 lost digits)."""

    check: bool
    rtol: float
    atol: float
    timeout: float
    references: tuple = ("ball", "sympy")
    digits: int | None = None

    def close(self, a, b):
        return abs(a - b) <= self.atol + self.rtol * abs(b)

    def precise(self, value, error):
        """A numeric value can decide agreement: its estimated error is a hundredth of the
        tolerance at most."""
        return (value is not None and error is not None and math.isfinite(value)
                and error <= 0.01 * (self.atol + self.rtol * abs(value)))


def assemble(task, hod, nested, refs, settings, certified=None):
    """The report: each point's numbers (``hod``, ``nested``) compared with the references
    ``refs`` (a :class:`~hod.check.references.References`, None when SymPy is not asked for)
    and the enclosures ``certified`` (one :class:`~hod.check.certified.CertifiedPoint` per
    point, or None)."""
    kind = task.kind
    forms = refs.forms() if refs else None
    results = [_Point(task, k, hp, nested[k] if nested else None, refs, forms, settings,
                      certified[k] if certified else None).result()
               for k, hp in enumerate(hod)]
    shared = forms if forms and not kind.forms_per_point else {}
    return Report(expression=task.text, variables=list(task.names), kind=kind, wrt=task.wrt,
                  checked=bool(settings.check), rtol=settings.rtol, atol=settings.atol,
                  timeout=settings.timeout, forms=shared.get("result"),
                  value_forms=shared.get("value"), results=results, order=task.order,
                  references=tuple(settings.references) if settings.check else (),
                  digits=settings.digits)


def _range_text(label, big):
    if big[0] == "overflow":
        return (f"overflow at this point: {label} is about {magnitude(big[1], big[2])}, too "
                "large for a 64-bit float")
    return (f"out of range at this point: {label} cannot be computed in floating point (its "
            "Taylor coefficient f^(n)/n! is below the smallest float)")


class _Point:
    """The verdict at point ``k``: hod's numbers ``hp`` against the references, with nested
    tapes ``nest`` beside them."""

    def __init__(self, task, k, hp, nest, refs, forms, settings, cert=None):
        self.task, self.k, self.hp, self.nest = task, k, hp, nest
        self.forms, self.settings = forms, settings
        self.refs = refs
        self.sym = refs.sympy_values().get(k) if refs else None
        self.num_values = refs.numeric_values() if refs else {}
        self.gave_up = refs.gave_up() if refs else None
        self.sym_worker = refs.sympy if refs else None
        self.num_worker = refs.numeric if refs else None
        self.cert = cert
        self.problem = hp.problem
        self.kinks = hp.kink_messages()
        self.notes = []
        if cert is not None and cert.problem is not None:
            # the enclosure shows the point is not defined, or a kink: that is the finding
            status, message = cert.problem
            if status == "not differentiable":
                self.kinks = self.kinks or [message]
            elif self.problem is None:
                self.problem = cert.problem
        elif cert is not None and cert.parts and self.problem is not None:
            # float64 could not compute f here, the certified engine could: it decides
            if self.problem[0] != "overflow":  # (an overflow is said per component)
                self.notes.append(f"float64: {self.problem[1]}; the certified values are "
                                  f"shown")
            self.problem = None
        self.warnings = ([self.problem[1]] if self.problem else []) + self.kinks + hp.caveats
        if cert is None and hp.error_bound > LOST_DIGITS and self.problem is None:
            # nothing proves the numbers: say where float64 cheaply knows it lost digits
            self.warnings.append(f"float64 may have lost digits here (Taylor mode's running "
                                 f"error estimate: {hp.error_bound:.1e} relative); --check "
                                 f"ball gives the proven value")
        self.corrected = []         # (ascii label, float64's value, the enclosure)
        self.sympy_off = []         # (ascii label, SymPy's value, the enclosure)
        self.components = []
        self.bad_derivatives = []   # (ascii label, hod's value, SymPy's)
        self.overflowed = False
        self.used = set()
        self.numeric_errors = []
        self.sympy_short = False
        self.numeric = blank(hp.result)
        self.numeric_error = blank(hp.result)

    def result(self):
        task, sym = self.task, self.sym
        # one reference for the whole point where possible: SymPy, else the numeric check
        sympy_all = sym is not None and all(get(sym.get(s.part), s.index) is not None
                                            for s in task.specs)
        numeric_first = not sympy_all and all(
            self.settings.precise(*self.num_values.get((self.k, j), (None, None)))
            for j in range(len(task.specs)))
        for j, spec in enumerate(task.specs):
            self.components.append(self._component(j, spec, numeric_first))
        self._certified_warnings()
        for alabel, a, b, why in self.bad_derivatives:
            also = "" if b is None or not self.settings.check else (
                f"; SymPy gives {fmt_number(b)}" if math.isfinite(b) else "")
            if a is not None and not math.isfinite(a):
                self.warnings.append(f"derivative not defined here: {alabel} = "
                                     f"{fmt_number(a)} {task.kind.where}{also}")
            else:
                self.warnings.append(f"derivative not defined here: {alabel} (the certified "
                                     f"engine: {why}){also}")
        self._reference_notes()
        p = task.points[self.k]
        has_numeric = any(c.numeric is not None and c.part == "result"
                          for c in self.components)
        value, gradient, result, float64 = self._answers()
        # a Taylor polynomial only where every coefficient is defined (not at a kink, nor
        # where a derivative is not)
        defined = (self.problem is None and not self.kinks and not self.bad_derivatives
                   and all(c.check not in ("undefined", "kink") for c in self.components))
        polynomial = task.kind.polynomial(task, p, result) if defined else None
        per_point = task.kind.forms_per_point
        return PointResult(
            point=dict(p), value=value, result=result,
            symbolic=sym.get("result") if sym else None,
            symbolic_value=sym.get("value") if sym else None,
            gradient=gradient, agree=self._agree(), status=self._status(),
            warnings=self.warnings, components=self.components,
            nested=(self.nest.value if self.nest is not None else None),
            numeric=self.numeric if has_numeric else None,
            numeric_error=self.numeric_error if has_numeric else None,
            reference="+".join(r for r in ("ball", "sympy", "numeric") if r in self.used)
            or None,
            notes=self.notes,
            forms=(sym.get("forms") if sym else None) if per_point else None,
            polynomial=polynomial,
            certified=bool(self.components) and all(c.reference == "ball"
                                                    for c in self.components),
            float64=float64, given=_given(p, task.names))

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
        enc = part_problem = None
        if self.cert is not None and not problem:
            enc = get(self.cert.parts.get(spec.part), spec.index) if self.cert.parts else None
            part_problem = self.cert.part_problems.get(spec.part)
        big = hp.out_of_range.get((spec.part, spec.index))
        if enc is not None and (big is not None or not math.isfinite(a)):
            if not math.isfinite(enc.float()):
                # beyond float64 indeed: the enclosure says so, and gives the number
                self.overflowed = True
                self.warnings.append(f"overflow at this point: {spec.ascii_label} is about "
                                     f"{certified_text(enc, 3)}, too large for a 64-bit float;"
                                     f" its certified value is shown")
            elif big is not None:
                self.notes.append(f"float64: {_range_text(spec.ascii_label, big)}; the "
                                  f"certified value is shown")
        elif big is not None:
            self.overflowed = True
            self.warnings.append(_range_text(spec.ascii_label, big))
        ref = ref_name = None
        if check and not problem and enc is not None:
            ref, ref_name = enc, "ball"
        elif check and not problem and big is None:
            if b is None and self.sym_worker is not None:
                self.sympy_short = True
            if b is not None and not numeric_first:
                ref, ref_name = b, "sympy"
            elif settings.precise(nv, ne):
                ref, ref_name = nv, "numeric"
            elif nv is not None and ne is not None and math.isfinite(nv) and not kink:
                self.warnings.append(f"the numeric check of {spec.ascii_label} is not precise "
                                     f"enough here (estimated error {ne:.1e})")
        absd = reld = None
        answer, shown = a, None
        if not check:
            agree, note = None, "unchecked"
        elif problem:
            agree, note = None, "undefined"
        elif kink and not (spec.part == "value" or (self.task.kind.expands
                                                    and spec.index == (0,))):
            # every derivative at a kink is marked the same way: its value is hod's
            # convention (named in the point's warning), not a derivative to check
            agree, note = None, "kink"
        elif part_problem is not None and enc is None:
            # the enclosure shows this derivative is not defined (or a kink) here
            agree, note = None, "undefined" if part_problem[0] == "undefined" else "kink"
            if note == "undefined":
                self.bad_derivatives.append((spec.ascii_label, a, b, part_problem[1]))
        elif ref_name == "ball" and self.overflowed and not math.isfinite(enc.float()):
            agree, note = None, "overflow"
        elif ref_name == "ball":
            agree = True
            if inside(a, enc, settings.rtol):
                note = "agree"
            else:
                note = "corrected"
                self.corrected.append((spec.ascii_label, a, enc))
                answer = enc.float()
            mid = enc.float()
            if math.isfinite(a) and math.isfinite(mid):
                absd = abs(a - mid)
                reld = absd / abs(mid) if mid != 0 else (0.0 if absd == 0 else math.inf)
            if b is not None and not (math.isnan(b) or inside(b, enc, settings.rtol)):
                self.sympy_off.append((spec.ascii_label, b, enc))
        elif big is not None:
            agree, note = None, "overflow"
        elif ref is None:
            late = bool((self.sym_worker is not None and self.sym_worker.timed_out)
                        or self.gave_up or self._numeric_late())
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
        if enc is not None and (settings.digits is not None or note == "corrected"
                                or not math.isfinite(a) or big is not None):
            shown = certified_text(enc, settings.digits)
            if settings.digits is not None or not _representable(answer, shown):
                answer = shown
        if (nested_v is not None and check and not problem and not kink
                and note not in ("undefined", "overflow")):
            other = enc.float() if enc is not None else ref if ref is not None else a
            other_name = ("the certified value" if enc is not None else
                          _REFERENCE_NAMES[ref_name] if ref is not None else "Taylor mode")
            if (math.isfinite(nested_v) and math.isfinite(other)
                    and not (inside(nested_v, enc, settings.rtol) if enc is not None
                             else settings.close(nested_v, other))):
                if enc is None:
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
        if (problem is None and big is None and enc is None and part_problem is None
                and spec.part != "value" and not math.isfinite(a)):
            self.bad_derivatives.append((spec.ascii_label, a, b, None))
        return Component(spec.label, spec.ascii_label, spec.part, spec.index, form, a, b, absd,
                         reld, agree, note, nested=nested_v,
                         numeric=nv if ref_name == "numeric" else None,
                         numeric_error=ne if ref_name == "numeric" else None,
                         reference=ref_name, certified=enc, certified_text=shown,
                         answer=answer)

    def _answers(self):
        """(value, gradient, result, float64): what hod prints, each component's answer in
        place of float64's number; ``float64`` keeps float64's numbers (shape of result)
        where any was replaced, else None."""
        hp = self.hp
        parts = {"value": _copy(hp.value), "gradient": _copy(hp.gradient),
                 "result": _copy(hp.result)}
        replaced = False
        for c in self.components:
            if c.answer is not c.tape:
                parts[c.part] = put(parts[c.part], c.index, c.answer)
                replaced = replaced or c.part == "result"
        return (parts["value"], parts["gradient"], parts["result"],
                hp.result if replaced else None)

    def _certified_warnings(self):
        """float64's lost digits and SymPy's off numbers, each said once per point."""
        rtol = self.settings.rtol
        if self.corrected:
            shown = ", ".join(f"{label} = {_float_text(a)} in float64, certified "
                              f"{_enc_text(e)}" for label, a, e in self.corrected[:3])
            more = f" (and {len(self.corrected) - 3} more)" if len(self.corrected) > 3 else ""
            where = self._nearest_double_note()
            self.warnings.append(f"float64 lost digits here: {shown}{more}; the certified "
                                 f"values are shown{where}")
        for label, b, e in self.sympy_off[:3]:
            self.warnings.append(f"SymPy gives {fmt_number(b)} for {label}, outside the "
                                 f"certified enclosure {e.ball.str(5, radius=True)} "
                                 f"(rtol={rtol:g}): SymPy's number is off here")
        if self.cert is not None and self.cert.parts and not self.cert.resolved:
            self.warnings.append("the certified engine reached its time budget before every "
                                 "digit asked for was proven: fewer digits are shown where "
                                 "fewer are proven")

    def _nearest_double_note(self):
        """Where a coordinate is not a binary64 number (0.1, pi/2), float64 computed at its
        nearest double: say so when that is the whole difference (float64's numbers are
        right for the double)."""
        from .certified import certify_points

        p = self.task.points[self.k]
        off = []
        for n in self.task.names:
            given = p.exact_value(n) if hasattr(p, "exact_value") else p[n]
            if isinstance(given, str) and not _is_binary64(given, p[n]):
                off.append(f"{n} = {given}")
        if not off:
            return ""
        one = dataclasses.replace(self.task, points=[p])
        (at_double,) = certify_points(one, None, min(self.settings.timeout, 2.0),
                                      as_floats=True)
        if at_double.problem is not None or not at_double.parts:
            return ""
        by_label = {c.ascii_label: c for c in self.components}
        for label, a, _ in self.corrected:
            c = by_label[label]
            e = get(at_double.parts.get(c.part), c.index)
            if e is None or not inside(a, e, self.settings.rtol):
                return ""
        return (f" (float64 computed at the nearest double of {', '.join(off)}, where its "
                f"numbers are right: the difference is the point's, not float64's arithmetic)")

    def _numeric_late(self):
        w = self.num_worker
        return bool(w and (w.timed_out or w.error))

    def _reference_notes(self):
        """How SymPy and the numeric check fared, as warnings (where values are left
        unchecked) or notes."""
        timeout, sym_worker = self.settings.timeout, self.sym_worker
        unchecked = [c for c in self.components if c.check in ("timeout", "no value")]
        sympy_why = None
        if self.refs is not None and self.refs.cut_short and self.sym is None:
            self.notes.append(f"SymPy was still running when the certified values were in "
                              f"(stopped after a grace of {self.refs.grace:g} s)")
        elif self.settings.check and not self.problem and sym_worker is not None:
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
            instead = ("; checked by the numeric derivative instead" if "numeric" in self.used
                       else "; checked by the certified enclosures" if "ball" in self.used
                       else "")
            self.notes.append(f"{sympy_why}{instead}")
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


def _copy(x):
    if isinstance(x, list):
        return [_copy(v) for v in x]
    return x


def _enc_text(e):
    """An enclosure in a sentence: the double nearest its value (0 for a certified zero)."""
    t = certified_text(e, 17)
    return t if t == "0" or not math.isfinite(e.float()) else fmt_number(e.float())


def _float_text(a):
    return fmt_number(a) if a is not None else "nan"


def _representable(x, text):
    """Whether the float ``x`` stands for the decimal ``text``: finite, and a normal number
    (a subnormal float keeps too few digits; 0 only for a certified 0)."""
    return (isinstance(x, float) and math.isfinite(x)
            and (abs(x) >= 2.2250738585072014e-308 or text == "0"))


def _is_binary64(text, value):
    """Whether the decimal ``text`` is exactly the binary64 number ``value``."""
    import fractions

    try:
        return fractions.Fraction(text) == fractions.Fraction(value)
    except (ValueError, ZeroDivisionError):
        return False


def _given(point, names):
    """The coordinates given as text that is not simply their float (``pi/2``, ``0.1`` is
    kept as ``0.1`` only where it differs from the float's shortest text)."""
    out = {}
    for n in names:
        given = point.exact_value(n) if hasattr(point, "exact_value") else None
        if isinstance(given, str) and given != fmt_number(point[n]):
            try:
                if float(given) == point[n]:
                    continue  # another spelling of the same number (1e2, 100.0)
            except ValueError:
                pass
            out[n] = given
    return out or None
