"""The words of a report, shared by every renderer: a point as text, and the one-line verdict
of each point (what the table prints under it and the machine formats send to stderr)."""

from __future__ import annotations

from .text import fmt_number


def point_text(point, given=None):
    """``x = 5, y = 2``; a coordinate given as text (``pi/2``) is shown as given."""
    given = given or {}
    return ", ".join(f"{k} = {given.get(k) or fmt_number(v)}" for k, v in point.items()) \
        or "(no variables)"


def verdict(report, r):
    """(kind, text, warning): the one-line verdict for one point; kind is ok|bad|warn|info;
    ``warning`` is the point's warning the verdict already says (not to repeat), or None."""
    n = len(r.components)
    what = report.kind.noun
    names = report.kind.reference_names
    check = names.get(r.reference, names[None])
    # the certified enclosures are judged relative to themselves, without atol
    tol = (f"rtol={report.rtol:g}" if r.reference == "ball" else
           f"rtol={report.rtol:g}, atol={report.atol:g}")
    s = r.status
    corrected = sum(1 for c in r.components if c.check == "corrected")
    if s == "ok" and corrected:
        lost = next((w for w in r.warnings if w.startswith("float64 lost digits")), None)
        return ("warn", f"all {n} {what} certified ({tol}); float64 lost digits in "
                        f"{corrected}: the certified values are shown", None) if not lost \
            else ("warn", f"all {n} {what} certified ({tol}); {lost}", lost)
    if s == "ok" and r.reference == "ball":
        sympy_too = (r.symbolic is not None
                     and not any(w.startswith("SymPy gives") for w in r.warnings))
        also = f"; {names['sympy']} agrees" if sympy_too else ""
        return "ok", f"all {n} {what} certified ({tol}){also}", None
    if s == "ok":
        return "ok", f"all {n} {what} agree with {check} ({tol})", None
    if s == "unchecked":
        return "info", "not checked against SymPy (--no-check)", None
    if s == "disagree":
        k = sum(1 for c in r.components if c.check == "disagree")
        return "bad", f"{k} of {n} {what} disagree with {check} ({tol})", None
    if s in ("timeout", "symbolic failed"):
        first = next((w for w in r.warnings if w.startswith(("the symbolic check",
                                                            "symbolic check failed",
                                                            "SymPy"))), None)
        left = sum(1 for c in r.components if c.check in ("timeout", "no value"))
        unchecked = (f"{report.kind.hod_possessive} {what} are not checked" if left == n else
                     f"{left} of {n} {what} are not checked")
        if first:
            return "warn", f"{first}: {unchecked}", first
        text = f"no check gave a number for {left} of {n} {what}: those are not checked"
        return "warn", text, None
    if r.warnings:
        return "warn", r.warnings[0], r.warnings[0]
    return "warn", s, None
