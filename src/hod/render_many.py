"""The table of a many-points run: a summary instead of a million rows.

The first rows, the counts of each verdict, the worst disagreement (the row with the
largest relative difference from SymPy), and how the points were checked.  Rows themselves
go to CSV, JSON Lines or Parquet (:mod:`hod.many.io`), never through rich.
"""

from __future__ import annotations

import math

from .text import fmt_number


def _cell(v):
    if isinstance(v, float):
        return fmt_number(v) if math.isfinite(v) else ("" if math.isnan(v) else str(v))
    return str(v)


def render_summary(summary, *, width=None, color=None):
    """Write the summary table of ``summary`` (:class:`hod.many.run.Summary`) to stdout."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width, color_system=None if color is False else "auto",
                      highlight=False)
    plan = summary.plan
    console.print(Text(f"hod {plan.kind.name}  {plan.text}  at {summary.rows:,} point"
                       f"{'s' * (summary.rows != 1)}", style="bold"))
    cols = summary.columns or list(plan.names) + plan.labels
    if summary.first:
        table = Table(title=f"the first {len(summary.first)}", title_justify="left")
        for c in cols:
            table.add_column(c, justify="left" if c == "check" else "right")
        for row in summary.first:
            table.add_row(*[_cell(row[c]) for c in cols])
        console.print(table)
    if summary.worst is not None:
        w = summary.worst
        point = ", ".join(f"{n} = {fmt_number(w[n])}" for n in plan.names)
        console.print(f"largest difference from SymPy: rel diff {fmt_number(w['rel_diff'])} "
                      f"at {point} ({w['check']})")
    counts = summary.counts
    if summary.settings.checked:
        parts = [f"{counts[v]:,} {v}" for v in counts if counts[v]]
        console.print("verdicts: " + ", ".join(parts))
        how = []
        if "sympy" in summary.settings.references and not summary.unsupported:
            how.append("SymPy's derivatives evaluated as hod graphs (float64) at every point")
        if "ball" in summary.settings.references:
            how.append(f"the certified engine at {summary.certified:,} point"
                       f"{'s' * (summary.certified != 1)}")
        if how:
            console.print("checked by " + "; ".join(how))
    else:
        parts = [f"{counts[v]:,} {v}" for v in ("unchecked", "undefined") if counts[v]]
        console.print(", ".join(parts) + " (--no-check)")
    if summary.skipped:
        console.print(f"skipped {summary.skipped:,} bad rows")
