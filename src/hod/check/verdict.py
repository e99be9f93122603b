"""hod's numbers compared with the references: each point's components, status, warnings and notes."""

from __future__ import annotations

import math

from ..text import fmt_duration, fmt_number, polynomial_text
from .kinds import ENGINES
from .references import NUMERIC_DPS
from .report import STATUSES, Component, PointResult, Report, _blank, _get, _put

def _range_text(label, big):
    if big[0] == "overflow":
        return (f"overflow at this point: {label} is about {big[1]}, too large for a 64-bit "
                "float")
    return (f"out of range at this point: {label} cannot be computed in floating point (its "
            "Taylor coefficient f^(n)/n! is below the smallest float)")


def _close(a, b, rtol, atol):
    return abs(a - b) <= atol + rtol * abs(b)


def _precise(value, error, rtol, atol):
    """A numeric value can decide agreement: its estimated error is a hundredth of the
    tolerance at most."""
    return (value is not None and error is not None and math.isfinite(value)
            and error <= 0.01 * (atol + rtol * abs(value)))


_REFERENCE_NAMES = {"sympy": "SymPy", "numeric": "the numeric derivative"}


def _point_result(task, k, hp, nest, checks, forms, check, rtol, atol, timeout):
    """One point: hod's numbers ``hp`` against SymPy or the numeric check, with nested tapes
    ``nest`` beside them (diff), and what the point's status, warnings and notes are."""
    kind = task.kind
    p = task.points[k]
    sym = checks.sympy_values().get(k) if checks else None
    num_values = checks.numeric_values() if checks else {}
    gave_up = checks.gave_up() if checks else None
    sym_worker = checks.sympy if checks else None
    num_worker = checks.numeric if checks else None
    numeric_late = bool(num_worker and (num_worker.timed_out or num_worker.error))
    parts = {"value": hp.value, "gradient": hp.gradient, "result": hp.result}
    watch = hp.watch
    warnings, notes = [], []
    problem = watch.problem
    if problem:
        warnings.append(problem[1])
    warnings += watch.kinks + hp.caveats
    kink = bool(watch.kinks)
    components, bad_derivs, overflowed = [], [], False
    numeric = _blank(hp.result)
    numeric_error = _blank(hp.result)
    used, numeric_errors, sympy_short = set(), [], False

    def precise(nv, ne):
        return _precise(nv, ne, rtol, atol)

    # one reference for the whole point where possible: SymPy, else the numeric check
    sympy_all = sym is not None and all(_get(sym.get(s.part), s.index) is not None
                                        for s in task.specs)
    numeric_first = not sympy_all and all(
        precise(*num_values.get((k, j), (None, None))) for j in range(len(task.specs)))
    for j, spec in enumerate(task.specs):
        a = _get(parts[spec.part], spec.index)
        b = _get(sym.get(spec.part), spec.index) if sym else None
        if kind == "taylor":
            form = _get(sym.get("forms"), spec.index) if sym else None
        else:
            form = _get(forms.get(spec.part), spec.index) if forms else None
        nv, ne = num_values.get((k, j), (None, None))
        nested_v = None
        if nest is not None and nest.skipped is None:
            nested_v = nest.value if spec.part == "result" else nest.f
        big = hp.overflow.get((spec.part, spec.index))
        if big is not None:
            overflowed = True
            warnings.append(_range_text(spec.ascii_label, big))
        ref = ref_name = None
        if check and not problem and big is None:
            if b is None:
                sympy_short = True
            if b is not None and not numeric_first:
                ref, ref_name = b, "sympy"
            elif precise(nv, ne):
                ref, ref_name = nv, "numeric"
            elif nv is not None and ne is not None and math.isfinite(nv) and not kink:
                warnings.append(f"the numeric check of {spec.ascii_label} is not precise "
                                f"enough here (estimated error {ne:.1e})")
        absd = reld = None
        if not check:
            agree, note = None, "unchecked"
        elif problem:
            agree, note = None, "undefined"
        elif big is not None:
            agree, note = None, "overflow"
        elif ref is None:
            late = bool(sym_worker.timed_out or gave_up or numeric_late)
            agree, note = None, "kink" if kink else "timeout" if late else "no value"
        else:
            if math.isfinite(a) and math.isfinite(ref):
                absd = abs(a - ref)
                reld = absd / abs(ref) if ref != 0 else (0.0 if absd == 0 else math.inf)
                agree = absd <= atol + rtol * abs(ref)
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
                    and not _close(nested_v, other, rtol, atol)):
                agree, note = False, "disagree"
                warnings.append(f"nested tapes give {fmt_number(nested_v)} for "
                                f"{spec.ascii_label}, which disagrees with {other_name} "
                                f"({fmt_number(other)})")
        if ref_name == "numeric":
            numeric_errors.append(ne / abs(nv) if nv else ne)
            if spec.part == "result":
                numeric = _put(numeric, spec.index, nv)
                numeric_error = _put(numeric_error, spec.index, ne)
        if ref_name:
            used.add(ref_name)
        if (problem is None and big is None and spec.part != "value"
                and not math.isfinite(a)):
            bad_derivs.append((spec.label, spec.ascii_label, a, b))
        components.append(Component(
            spec.label, spec.ascii_label, spec.part, spec.index, form, a, b, absd, reld,
            agree, note, nested=nested_v,
            numeric=nv if ref_name == "numeric" else None,
            numeric_error=ne if ref_name == "numeric" else None, reference=ref_name))
    where = "on the tape" if ENGINES[kind] == "tape" else "in Taylor mode"
    for _label, alabel, a, b in bad_derivs:
        also = "" if b is None or not check else (
            f"; SymPy gives {fmt_number(b)}" if math.isfinite(b) else "")
        warnings.append(f"derivative not defined here: {alabel} = {fmt_number(a)} {where}"
                        f"{also}")
    # how SymPy and the numeric check fared
    unchecked = [c for c in components if c.check in ("timeout", "no value")]
    sympy_why = None
    if check and not problem:
        if gave_up:
            j, n, spent, total = gave_up
            sympy_why = (f"SymPy: stopped after {j} of {n} differentiations "
                         f"({fmt_duration(spent)}); all {n} would take at least "
                         f"{fmt_duration(total)} (--timeout {timeout:g} s)")
        elif sym_worker.error:
            sympy_why = f"symbolic check failed: {sym_worker.error}"
        elif sym_worker.timed_out and sym is None:
            sympy_why = f"the symbolic check timed out after {timeout:g} s (--timeout)"
        elif sym is not None and sym.get("note"):
            sympy_why = sym["note"]
    if unchecked and sympy_why:
        warnings.append(sympy_why)
    elif sympy_why and sympy_short:
        notes.append(f"{sympy_why}; checked by the numeric derivative instead")
    if numeric_errors:
        notes.append(f"numeric: central differences of values of f computed by mpmath at "
                     f"{NUMERIC_DPS} digits; estimated relative error up to "
                     f"{max(numeric_errors):.1e}")
    elif unchecked and num_worker is not None and not problem:
        if num_worker.timed_out:
            notes.append(f"numeric: timed out after {timeout:g} s (--timeout)")
        elif num_worker.error:
            notes.append(f"numeric: failed ({num_worker.error})")
    if nest is not None and nest.skipped:
        notes.append(f"nested tapes: {nest.skipped}")
    # the point's status: the most serious finding
    found = set()
    if problem:
        found.add(problem[0])
    if any(c.check == "disagree" for c in components):
        found.add("disagree")
    if kink:
        found.add("not differentiable")
    if overflowed:
        found.add("overflow")
    if bad_derivs:
        found.add("derivative undefined")
    if any(c.check == "timeout" for c in components):
        found.add("timeout")
    if any(c.check == "no value" for c in components):
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
    reference = "+".join(r for r in ("sympy", "numeric") if r in used) or None
    has_numeric = any(c.numeric is not None and c.part == "result" for c in components)
    polynomial = None
    if kind == "taylor" and problem is None and all(math.isfinite(c) for c in hp.result):
        polynomial = polynomial_text(hp.result, task.var, p[task.var])
    return PointResult(
        point=dict(p), value=hp.value, result=hp.result,
        symbolic=sym.get("result") if sym else None,
        symbolic_value=sym.get("value") if sym else None,
        gradient=hp.gradient, agree=agree, status=status, warnings=warnings,
        components=components,
        nested=(nest.value if nest is not None else None),
        numeric=numeric if has_numeric else None,
        numeric_error=numeric_error if has_numeric else None,
        reference=reference, notes=notes,
        forms=(sym.get("forms") if sym else None) if kind == "taylor" else None,
        polynomial=polynomial)


def _assemble(task, text, hod, nested, checks, check, rtol, atol, timeout):
    """The report: each point's numbers compared with its checks."""
    kind = task.kind
    forms = checks.forms() if checks else None
    results = [_point_result(task, k, hp, nested[k] if nested else None, checks, forms, check,
                             rtol, atol, timeout) for k, hp in enumerate(hod)]
    wrt = task.wrt if kind == "diff" else ([task.var] if kind == "taylor" else None)
    return Report(expression=text, variables=list(task.names), derivative=kind, wrt=wrt,
                  checked=bool(check), rtol=rtol, atol=atol, timeout=timeout,
                  forms=forms.get("result") if forms and kind != "taylor" else None,
                  value_forms=forms.get("value") if forms and kind != "taylor" else None,
                  results=results, engine=ENGINES[kind],
                  order=task.order if kind == "taylor" else None)
