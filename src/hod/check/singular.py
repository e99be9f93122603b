"""Removable singularities: where f is 0/0 at a point, say whether its limit exists there.

``sin(x)/x`` is not defined at 0, and hod reports the point as not defined; but the function
has a limit there, and a user asking for it should learn so.  SymPy computes the limit of
the expression (built from hod's graph through the table) in one variable, the others at the
point's exact values, within a short time budget; the finding is added to the point's notes.
"""

from __future__ import annotations

import threading

#: Seconds SymPy gets to find a limit.
LIMIT_BUDGET = 3.0


def limits_at_zero_over_zero(report, task, budget=LIMIT_BUDGET):
    """Add a note to each point where f is 0/0 and SymPy finds its limit (one variable)."""
    for k, r in enumerate(report.results):
        if r.status != "undefined" or not any("0 / 0" in w for w in r.warnings):
            continue
        if len(task.names) != 1 or len(task.roots) != 1:
            continue
        found = _limit(task, task.points[k], budget)
        if found is not None:
            name = task.names[0]
            r.notes.append(f"0/0 here: a removable singularity, the limit of f as {name} -> "
                           f"{r.point[name]:g} is {found} (SymPy); f itself is not defined "
                           f"at the point")


def _limit(task, point, budget):
    out = []

    def work():
        try:
            import sympy

            from ..expr import graph as _graph
            from .references import exact_sympy

            (name,) = task.names
            x = sympy.Symbol(name, real=True)
            (f,) = _graph.to_sympy(task.roots, {name: x})
            lim = sympy.limit(f, x, exact_sympy(sympy, point, name))
            if lim.is_finite and lim.is_real:
                out.append(str(lim) if lim.is_Rational else f"{str(lim)} = {float(lim):.17g}")
        except Exception:  # noqa: BLE001 - no limit found is no finding
            pass

    t = threading.Thread(target=work, daemon=True)
    t.start()
    t.join(budget)
    return out[0] if out else None
