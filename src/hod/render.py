"""Reports as text: a rich table, JSON, CSV or plain numbers (the only formatting code).

Each renderer takes a :class:`hod.check.Report`, and asks its kind (``report.kind``) for what
differs between kinds: labels, columns, the names of the references, the plain layout.
JSON and CSV go through :mod:`json` and
:mod:`csv` and are written with ``click.echo``; rich is imported only by the table renderer,
which builds its own console per call (so a test can pin its width and colour).

``plain`` is for shell pipelines: bare numbers separated by single spaces, one rule for every
command: each point's result, and only its result (the value f is in JSON, CSV and the table),

* ``grad``: one line per point: the gradient in variable order;
* ``hessian``: the Hessian, one line per row, points separated by an empty line;
* ``diff``: one line per point: the derivative;
* ``jacobian``: the Jacobian, one line per function, points separated by an empty line;
* ``taylor``: one line per point: the coefficients c0 c1 ... cN.

Numbers are printed in their shortest exact form (``172``, ``0.1``, ``nan``, ``inf``).
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import click

from .text import fmt_number, readable_form
from .verdict_text import point_text, verdict  # noqa: F401  (also this module's API)

#: The output formats (the command line offers these).
FORMATS = ("table", "json", "csv", "plain", "latex")

# The check column: (unicode mark, ascii mark, style)
_MARKS = {
    "agree": ("✓ agree", "ok", "green"),
    "disagree": ("✗ DISAGREE", "FAIL", "bold red"),
    "unchecked": ("– unchecked", "-", "dim"),
    "timeout": ("? timed out", "? timeout", "yellow"),
    "no value": ("? no value", "? no value", "yellow"),
    "undefined": ("! undefined", "! undefined", "yellow"),
    "kink": ("! kink", "! kink", "yellow"),
    "overflow": ("! overflow", "! overflow", "yellow"),
    # float64 lost digits: the certified value is shown instead
    "corrected": ("! certified, float64 off", "! certified, float64 off", "yellow"),
    # float64 inside the certified enclosure
    "certified": ("✓ certified", "ok certified", "green"),
}


def _mark_key(c):
    return "certified" if c.check == "agree" and c.reference == "ball" else c.check

def render(report, fmt, *, width=None, color=None, ascii_only=None):
    """Write ``report`` to standard output in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "table":
        render_table(report, width=width, color=color, ascii_only=ascii_only)
    elif fmt == "json":
        click.echo(render_json(report))
    elif fmt == "csv":
        click.echo(render_csv(report), nl=False)
        _notes_to_stderr(report)
    elif fmt == "plain":
        click.echo(render_plain(report), nl=False)
        _notes_to_stderr(report)
    elif fmt == "latex":
        from .render_classroom import report_latex

        click.echo(report_latex(report))
    else:
        raise ValueError(f"unknown format {fmt!r}")


# --- machine formats ---------------------------------------------------------------------

def render_json(report):
    """The JSON contract as text (non-finite numbers are null, with a warning)."""
    return json.dumps(report.to_dict(), indent=2, allow_nan=False)


def _cell(x):
    return "" if x is None else num(x)


def num(x):
    """A number as hod prints it: proven digits (text) as they are, a float in its shortest
    exact form (negative zero as 0, the one rule of every format)."""
    if isinstance(x, str):
        return x
    return fmt_number(float(x) + 0.0)


def _certified_cell(c):
    if c.certified is None:
        return ""
    return c.certified_text if c.certified_text is not None else num(c.certified.float())


def render_csv(report):
    """One row per checked number: the point, which derivative, hod's value (column ``tape``,
    from Taylor mode for diff and taylor), SymPy's, their differences and the check; then
    (diff) the nested tapes' value and, where it was the reference, the numeric check's value
    and estimated error, and which check was the reference."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    nested = report.kind.nested
    w.writerow([*report.variables, "derivative", "symbolic_form", "tape", "sympy",
                "abs_diff", "rel_diff", "check", *(["nested_tapes"] if nested else []),
                "numeric", "numeric_error", "reference", "certified", "answer"])
    for r in report.results:
        point = [fmt_number(r.point[n]) for n in report.variables]
        for c in r.components:
            w.writerow([*point, c.ascii_label, c.form or "", _cell(c.tape), _cell(c.symbolic),
                        _cell(c.abs_diff), _cell(c.rel_diff), c.check,
                        *([_cell(c.nested)] if nested else []), _cell(c.numeric),
                        _cell(c.numeric_error), c.reference or "", _certified_cell(c),
                        _cell(c.answer)])
    return buf.getvalue()


def render_plain(report):
    """Bare numbers for shell pipelines (see the module docstring for the layout)."""
    lines = []
    for k, r in enumerate(report.results):
        if k and report.kind.matrix:
            lines.append("")
        lines += [" ".join(num(v) for v in row) for row in report.kind.plain_rows(r)]
    return "".join(line + "\n" for line in lines)


def _notes_to_stderr(report):
    for r in report.results:
        kind, text, said = verdict(report, r)
        where = point_text(r.point, r.given)
        if kind in ("bad", "warn"):
            click.echo(f"hod: at {where}: {text}", err=True)
        for w in r.warnings:
            if w != said:
                click.echo(f"hod: at {where}: {w}", err=True)


# --- the table ---------------------------------------------------------------------------

_VERDICT_MARK = {"ok": ("✓", "OK:", "bold green"), "bad": ("✗", "FAIL:", "bold red"),
                 "warn": ("!", "!", "bold yellow"), "info": ("–", "-", "dim")}
_MAX_FORM = 160
_MIN_FORM = 14
# (significant digits, the columns left out), tried in turn until the table fits; when
# even the last does not fit, each component is stacked as lines (a number never folds)
_FITS = [(15, ()), (14, ()), (13, ()), (12, ()), (12, ("abs diff",)), (11, ("abs diff",)),
         (10, ("abs diff",)), (10, ("abs diff", "rel diff")),
         (10, ("abs diff", "rel diff", "float64"))]
#: Digits of the stacked layout (each number has a line of its own).
_STACKED_DIGITS = 15


def _broken_pipe():
    """rich's own handler exits with 1 (hod's code for a disagreement): let the command end
    the way it ends for every format instead."""
    raise BrokenPipeError


def render_table(report, file=None, *, width=None, color=None, ascii_only=None):
    """One rich table per point, each followed by its one-line verdict.

    ``color=None`` follows the terminal (and ``NO_COLOR``); ``ascii_only=None`` uses ASCII
    marks and labels when the output encoding cannot show the Unicode ones.
    """
    from rich.console import Console
    from rich.text import Text

    kw = {}
    if color is False:
        kw["no_color"] = True
        kw["color_system"] = None
    elif color is True:
        kw["force_terminal"] = True
    file = file if file is not None else sys.stdout
    console = Console(file=file, width=width, highlight=False, soft_wrap=False, emoji=False,
                      **kw)
    console.on_broken_pipe = _broken_pipe  # one way to end on a closed pipe, for every format
    if ascii_only is None:
        encoding = (getattr(file, "encoding", None) or "utf-8").lower().replace("-", "")
        ascii_only = not encoding.startswith("utf")
    checked = report.checked
    for k, r in enumerate(report.results):
        if k:
            console.print()
        head = Text()
        head.append(f"hod {report.derivative}  ", style="bold")
        head.append(report.expression, style="bold cyan")
        within = f"in {report.wrt[0]} " if report.kind.expands else ""
        head.append(f"  {within}at {point_text(r.point, r.given)}")
        console.print(head)
        all_columns = _columns(report, r)

        def build(digits, columns, r=r):
            rows = []
            for c in r.components:
                # every digit where they disagree, so that the difference shows
                exact = c.check == "disagree"
                rows.append([get(c, digits, exact, ascii_only) for _, get in columns])
            # (no outer edge, no edge padding: each column costs its width + 3, less 3 in all)
            fixed = sum(max(len(h), *(len(row[i]) for row in rows)) + 3
                        for i, (h, _) in enumerate(columns)) - 3
            return rows, fixed

        # Before the table gets wider than the console, numbers lose digits (down to 12),
        # then the absolute difference goes, then numbers lose digits down to 10, then the
        # relative difference and the float64 column go; then the components are stacked.
        for digits, dropped in _FITS:
            columns = [c for c in all_columns if c[0] not in dropped]
            rows, fixed = build(digits, columns)
            if fixed <= console.width:
                break
        else:
            digits = _stack(console, r, all_columns, checked, ascii_only)
        forms = [_form(c.form) for c in r.components] if checked else None
        if fixed <= console.width:
            _print_table(console, r, columns, rows, fixed, forms, checked, ascii_only)
        if r.eigenvalues is not None:
            _hessian_matrix(console, report, r, digits, ascii_only)
        if r.polynomial is not None:
            var, x0 = report.wrt[0], r.point[report.wrt[0]]
            base = var if x0 == 0 else f"({var} {'-' if x0 > 0 else '+'} {fmt_number(abs(x0))})"
            text = f"{r.polynomial} + O({base}**{report.order + 1})"
            for line in _wrap_terms("polynomial: ", text, console.width):
                console.print(Text(line), no_wrap=True, overflow="fold")
        kind, text, said = verdict(report, r)
        uni, asc, style = _VERDICT_MARK[kind]
        line = Text()
        line.append(asc if ascii_only else uni, style=style)
        line.append(" " + text, style=style if kind != "info" else "")
        console.print(line)
        for w in r.warnings:
            if w != said:
                _hanging(console, "  also: " if kind != "info" else "  ", w)
        for note in r.notes:
            _hanging(console, "  ", note, "dim")


def _stack(console, r, columns, checked, ascii_only):
    """Each component as lines: its label, then ``hod: ...``, ``SymPy: ...``, ...,
    ``check: ...`` (a column left empty is left out), then its symbolic form.  Returns the
    digits shown."""
    from rich.text import Text

    digits = _STACKED_DIGITS
    width = max(len(h) for h, _ in columns[1:]) if len(columns) > 1 else 0
    for k, c in enumerate(r.components):
        if k:
            console.print()
        exact = c.check == "disagree"
        (_, label), rest = columns[0], columns[1:]
        console.print(Text(label(c, digits, exact, ascii_only), style="bold"), no_wrap=True,
                      overflow="fold")
        for h, get in rest:
            cell = get(c, digits, exact, ascii_only)
            if not cell:
                continue
            text = Text(f"  {h + ':':<{width + 1}} ")
            value = Text(cell)
            if h == "check" and checked:
                value.stylize(_MARKS.get(_mark_key(c), ("", "", ""))[2])
            text.append_text(value)
            console.print(text, no_wrap=False, overflow="fold")
        if checked and c.form:
            _hanging(console, f"  {'symbolic:':<{width + 1}} ", _form(c.form))
    return digits


def _print_table(console, r, columns, rows, fixed, forms, checked, ascii_only):
    """The components as one table (it fits the console: see :data:`_FITS`), their
    symbolic forms in a column of it when they fit, else below it."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    headers = [h for h, _ in columns]
    # Forms go in a column when they all fit in one (at least _MIN_FORM wide), else
    # below the table.
    inline = (bool(forms) and any(forms) and console.width - fixed - 3
              >= max(_MIN_FORM, *(len(f) for f in forms)))
    table = Table(box=box.ASCII if ascii_only else box.HEAVY_HEAD, show_edge=False,
                  pad_edge=False)
    for i, h in enumerate(headers):
        text_col = i == 0 or (checked and i == len(headers) - 1)
        # the table fits (see _FITS): no cell needs to fold
        table.add_column(h, justify="left" if text_col else "right", no_wrap=text_col,
                         overflow="fold", min_width=max(len(h), *(len(row[i]) for row in rows)))
        if i == 0 and inline:
            table.add_column("symbolic", overflow="fold", min_width=_MIN_FORM)
    for c, row, form in zip(r.components, rows, forms or [None] * len(rows)):
        cells = [Text(x) for x in row]
        if checked:
            cells[-1].stylize(_MARKS.get(_mark_key(c), ("", "", ""))[2])
        if inline:
            cells.insert(1, Text(form))
        table.add_row(*cells)
    console.print(table)
    if forms is not None and not inline and any(forms):
        below = Table.grid(padding=(0, 1))
        below.add_column(no_wrap=True)
        below.add_column(overflow="fold")
        for row, form in zip(rows, forms):
            if form:
                below.add_row(Text(row[0]), Text("= " + form))
        console.print(below)


def _hessian_matrix(console, report, r, digits=None, ascii_only=False):
    """The Hessian laid out as a matrix (rows and columns named by the variables), its
    eigenvalues and what they say; lines break between numbers, never inside one."""
    from rich.text import Text

    from .classroom.linalg import meaning
    from .render_classroom import number, print_matrix

    if not r.result:
        return
    console.print()
    console.print(Text("Hessian:", style="bold"))
    print_matrix(console, list(report.variables), [[float(x) for x in row] for row in r.result],
                 digits=digits, ascii_only=ascii_only)
    eigs = [number(e, 12) for e in r.eigenvalues]
    for line in _wrap_words("eigenvalues: ", [e + "," for e in eigs[:-1]] + eigs[-1:],
                            console.width):
        console.print(Text(line), no_wrap=True, overflow="ignore", crop=False)
    console.print(Text(f"{r.definiteness}: {meaning(r.definiteness)}"))


def _wrap_words(prefix, words, width):
    """``prefix`` then ``words`` separated by spaces, in lines of at most ``width`` where
    the words allow, continuation lines indented under the first word."""
    lines, line = [], prefix + words[0]
    for w in words[1:]:
        if len(line) + 1 + len(w) > width:
            lines.append(line)
            line = " " * len(prefix) + w
        else:
            line += " " + w
    lines.append(line)
    return lines


def _wrap_terms(prefix, text, width):
    """Lines of at most ``width`` characters, broken only before the `` + `` and `` - ``
    between terms (outside parentheses), continuation lines indented under the first."""
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text[i:i + 3] in (" + ", " - ") and i > start:
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    lines, line = [], prefix + terms[0]
    for term in terms[1:]:
        if len(line) + 1 + len(term) > width:
            lines.append(line)
            line = " " * len(prefix) + term
        else:
            line += " " + term
    lines.append(line)
    return lines


def _hanging(console, prefix, text, style=""):
    """``prefix`` then ``text``, its continuation lines indented under the text."""
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row(Text(prefix), Text(text, style=style))
    console.print(grid)


def _columns(report, r):
    """[(header, cell(component, digits, exact, ascii_only) -> text)] for one point's table:
    which derivative, hod's number, then (when checked) nested tapes, SymPy and the numeric
    check where any of them has a number, the differences and the check mark."""
    comps = r.components
    columns = [(report.kind.first_column, lambda c, d, e, a: c.ascii_label if a else c.label),
               (report.kind.hod_column, lambda c, d, e, a: _short(c.answer, e, d))]
    if any(c.check == "corrected" for c in comps):
        columns.append(("float64", lambda c, d, e, a: _short(c.tape, e, d)
                        if c.check == "corrected" else ""))
    if not report.checked:
        return columns
    has_numeric = any(c.numeric is not None for c in comps)
    if any(c.nested is not None for c in comps):
        columns.append(("nested tapes", lambda c, d, e, a: _short(c.nested, e, d)))
    if any(c.reference == "sympy" for c in comps) or (
            not has_numeric and "sympy" in (report.references or ("sympy",))):
        columns.append(("SymPy", lambda c, d, e, a: _short(c.symbolic, e, d)))
    if has_numeric:
        columns.append(("numeric", lambda c, d, e, a: _short(c.numeric, e, d)))

    def mark(c, d, e, a):
        uni, asc, _ = _MARKS.get(_mark_key(c), (c.check, c.check, ""))
        return asc if a else uni

    columns += [("abs diff", lambda c, d, e, a: _diff(c.abs_diff)),
                ("rel diff", lambda c, d, e, a: _diff(c.rel_diff)), ("check", mark)]
    return columns


def _form(form):
    form = readable_form(form or "")
    return form if len(form) <= _MAX_FORM else form[:_MAX_FORM] + "..."


def _short(x, exact=False, digits=15):
    """A number for the table: up to ``digits`` significant digits, or all if ``exact``;
    proven digits (text) as they are."""
    if x is None:
        return ""
    if isinstance(x, str):
        return x
    x = float(x) + 0.0
    if exact or (math.isfinite(x) and x.is_integer() and abs(x) < 1e15):
        return fmt_number(x)
    return format(x, f".{digits}g")


def _diff(x):
    if x is None:
        return ""
    if x == 0:
        return "0"
    if math.isinf(x):
        return "inf"
    return f"{x:.1e}"
