"""The classroom views as text: trace, graph, critical points, symbolic forms, plots.

A sibling of :mod:`hod.render` holding only formatting (render.py keeps the checked reports;
this module keeps the views of :mod:`hod.classroom`, whose records differ), so that the two
grow apart without one long module.  Same rules: JSON and CSV through :mod:`json` and
:mod:`csv` and ``click.echo``; rich only for the table, with a console built per call.

Every table fits the console: numbers lose digits (15 significant digits, down to 8) and
then columns are stacked into separate tables before a number would be split across lines.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import click

from .text import fmt_number, latex_number

#: The output formats of the classroom commands.
FORMATS = ("table", "json", "csv", "plain", "latex")
_DIGITS = (15, 12, 10, 8)


def number(x, digits=15):
    """A number for a table cell: shortest exact text when it has at most ``digits``
    significant digits, else rounded to ``digits``."""
    if x is None:
        return ""
    x = float(x)
    text = fmt_number(x)
    if not math.isfinite(x) or len(text.lstrip("-").replace(".", "")) <= digits:
        return text
    return format(x, f".{digits}g")


def console_for(width=None, color=None, file=None):
    from rich.console import Console

    kw = {}
    if color is False:
        kw.update(no_color=True, color_system=None)
    elif color is True:
        kw["force_terminal"] = True
    return Console(file=file if file is not None else sys.stdout, width=width,
                   highlight=False, soft_wrap=False, emoji=False, **kw)


def fit(columns, rows_of, width, text_columns=(), min_text=12):
    """The cells, digits and column groups that fit ``width``.

    ``columns`` are headers; ``rows_of(digits)`` gives the rows' cells; ``text_columns``
    indexes columns that may fold (formulas).  Tries every digit count in one table, then
    the same in stacked tables (column 0 repeated in each), two, then three groups.
    Returns (rows, groups, digits) where groups are lists of column indexes."""
    n = len(columns)
    layouts = [[list(range(n))]]
    if n > 3:
        rest = list(range(1, n))
        half = (len(rest) + 1) // 2
        layouts.append([[0, *rest[:half]], [0, *rest[half:]]])
        layouts.append([[0, c] for c in rest])
    # keep 12 digits as long as stacking can; only then give up more digits
    tries = [(d, g) for g in layouts for d in _DIGITS[:2]] + \
        [(d, g) for g in layouts for d in _DIGITS[2:]]
    for digits, groups in tries:
        rows = rows_of(digits)
        if all(_group_width(columns, rows, g, text_columns, min_text) <= width
               for g in groups):
            return rows, groups, digits
    return rows_of(_DIGITS[-1]), layouts[-1], _DIGITS[-1]


def _group_width(columns, rows, group, text_columns, min_text):
    width = -3
    for i in group:
        w = max(len(columns[i]), *(len(r[i]) for r in rows)) if rows else len(columns[i])
        if i in text_columns:
            w = min(w, max(min_text, len(columns[i])))
        width += w + 3
    return width


def print_tables(console, columns, rows, groups, text_columns=(), styles=None):
    from rich import box
    from rich.table import Table
    from rich.text import Text

    for k, g in enumerate(groups):
        if k:
            console.print()
        table = Table(box=box.HEAVY_HEAD, show_edge=False, pad_edge=False)
        for i in g:
            if i in text_columns:
                table.add_column(columns[i], overflow="fold")
            else:
                numeric = i != 0
                table.add_column(columns[i], justify="right" if numeric else "left",
                                 no_wrap=True,
                                 min_width=max(len(columns[i]), *(len(r[i]) for r in rows))
                                 if rows else None)
        for r in rows:
            table.add_row(*(Text(r[i]) for i in g))
        console.print(table)


# =========================================================================================
# hod trace
# =========================================================================================

def render_trace(t, fmt, *, width=None, color=None):
    """Write trace ``t`` (a :class:`hod.classroom.trace.Trace`) in format ``fmt``."""
    if fmt == "json":
        click.echo(json.dumps(t.to_dict(), indent=2, allow_nan=False))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["name", "op", "inputs", "formula", "value", "tangent", "adjoint"])
        for n in t.nodes:
            w.writerow([n.name, n.op, " ".join(n.inputs), n.formula, fmt_number(n.value),
                        fmt_number(n.tangent), fmt_number(n.adjoint)])
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "plain":
        click.echo("".join(f"{fmt_number(n.value)} {fmt_number(n.tangent)} "
                           f"{fmt_number(n.adjoint)}\n" for n in t.nodes), nl=False)
    elif fmt == "latex":
        click.echo(trace_latex(t))
    else:
        trace_table(t, width=width, color=color)
    for note in t.notes if fmt != "table" else ():
        click.echo(f"hod: {note}", err=True)


def _point_text(point):
    return ", ".join(f"{k} = {fmt_number(v)}" for k, v in point.items()) or "(no variables)"


def trace_table(t, *, width=None, color=None, file=None):
    from rich.text import Text

    console = console_for(width, color, file)
    head = Text()
    head.append("hod trace  ", style="bold")
    head.append(t.expression, style="bold cyan")
    head.append(f"  at {_point_text(t.point)}")
    console.print(head)
    wrt = t.wrt or "x"
    columns = ["", "formula", "value", f"tangent d/d{wrt}", "adjoint df/dv"]

    def rows_of(d):
        return [[n.name, n.math, number(n.value, d), number(n.tangent, d),
                 number(n.adjoint, d)] for n in t.nodes]

    rows, groups, digits = fit(columns, rows_of, console.width, text_columns=(1,))
    print_tables(console, columns, rows, groups, text_columns=(1,))
    last = t.nodes[-1].name if t.nodes else "f"
    console.print(Text(f"f = {last} = {number(t.value, digits)}", style="bold"),
                  no_wrap=True)
    for name, g in zip(t.variables, t.gradient):
        console.print(Text(f"df/d{name} = {number(g, digits)}"), no_wrap=True)
    console.print(Text("forward mode carries the tangents down the list; reverse mode "
                       "the adjoints up it", style="dim"))
    for note in t.notes:
        console.print(Text(f"! {note}", style="bold yellow"))


def trace_latex(t):
    """A LaTeX fragment (tabular, in math mode where needed) of the trace."""
    wrt = _latex_var(t.wrt or "x")
    lines = [f"% hod trace: {_latex_comment(t.expression)} at {_point_text(t.point)}",
             r"\begin{tabular}{lllll}",
             r"\hline",
             rf" & formula & value $v_i$ & tangent $\dot v_i = \partial v_i/\partial {wrt}$"
             r" & adjoint $\bar v_i = \partial f/\partial v_i$ \\",
             r"\hline"]
    for n in t.nodes:
        name = f"v_{{{n.name[1:]}}}"
        lines.append(f"${name}$ & ${n.latex}$ & ${latex_number(n.value)}$ & "
                     f"${latex_number(n.tangent)}$ & ${latex_number(n.adjoint)}$ \\\\")
    lines += [r"\hline", r"\end{tabular}", ""]
    grad = ", ".join(latex_number(g) for g in t.gradient)
    lines.append(f"$f = {latex_number(t.value)}$, "
                 rf"$\nabla f = \left({grad}\right)$")
    return "\n".join(lines)


def _latex_var(name):
    from .expr.graph import var
    from .expr.latex import to_latex

    return to_latex(var(name))


def _latex_comment(text):
    return text.replace("\n", " ")


# =========================================================================================
# Matrices (the Hessian laid out as a matrix, wrapped by blocks of columns)
# =========================================================================================

def print_matrix(console, names, matrix, row_names=None, digits=None, ascii_only=False):
    """``matrix`` as a table with the variables as column headers and row labels; when it
    is wider than the console, in blocks of columns (each block a table)."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rule = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True) \
        if ascii_only else box.SIMPLE_HEAD

    row_names = row_names or names
    label = max([len(r) for r in row_names] + [0])
    for d in ([digits] if digits else _DIGITS):
        cells = [[number(x, d) for x in row] for row in matrix]
        cell = max([len(c) for row in cells for c in row] + [len(n) for n in names] + [1])
        per_block = max(1, (console.width - label) // (cell + 3))
        if per_block >= min(len(names), 3) or d == _DIGITS[-1]:
            break
    for start in range(0, len(names), per_block):
        cols = range(start, min(start + per_block, len(names)))
        if len(names) > per_block:
            console.print(Text(f"columns {start + 1}-{cols[-1] + 1} of {len(names)}",
                               style="dim"))
        table = Table(box=rule, show_edge=False, pad_edge=False)
        table.add_column("", no_wrap=True)
        for j in cols:
            table.add_column(names[j], justify="right", no_wrap=True, min_width=cell)
        for i, row in enumerate(cells):
            table.add_row(Text(row_names[i]), *(Text(row[j]) for j in cols))
        console.print(table)
    return d


def latex_matrix(matrix):
    """A matrix in LaTeX without packages: ``\\left(\\begin{array}{rr} ... \\right)``."""
    n = len(matrix[0]) if matrix else 0
    body = r" \\ ".join(" & ".join(latex_number(x) for x in row) for row in matrix)
    return rf"\left(\begin{{array}}{{{'r' * n}}} {body} \end{{array}}\right)"


# =========================================================================================
# hod critical
# =========================================================================================

def render_critical(c, fmt, *, steps=False, width=None, color=None):
    """Write the stationary points ``c`` (a :class:`hod.classroom.critical.Critical`)."""
    if fmt == "json":
        click.echo(json.dumps(c.to_dict(steps), indent=2, allow_nan=False))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow([*c.variables, "value", "kind", "eigenvalues", "gradient_max"])
        for p in c.points:
            w.writerow([*(fmt_number(p.point[v]) for v in c.variables), fmt_number(p.value),
                        p.kind, " ".join(fmt_number(e) for e in p.eigenvalues),
                        fmt_number(max([abs(g) for g in p.gradient] + [0.0]))])
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "plain":
        click.echo("".join(" ".join([*(fmt_number(p.point[v]) for v in c.variables),
                                     fmt_number(p.value), p.kind]) + "\n"
                           for p in c.points), nl=False)
    elif fmt == "latex":
        click.echo(critical_latex(c))
    else:
        critical_table(c, steps=steps, width=width, color=color)
    if fmt != "table":
        for note in c.notes:
            click.echo(f"hod: {note}", err=True)


def critical_table(c, *, steps=False, width=None, color=None, file=None):
    from rich.text import Text

    from .classroom.linalg import meaning

    console = console_for(width, color, file)
    head = Text()
    head.append("hod critical  ", style="bold")
    head.append(c.expression, style="bold cyan")
    if c.box is not None:
        head.append("  in " + ", ".join(f"{k} = {fmt_number(lo)}..{fmt_number(hi)}"
                                        for k, (lo, hi) in c.box.items()))
    console.print(head)
    names = c.variables
    if c.box is not None:
        console.print(Text(f"{len(c.points)} stationary point"
                           f"{'s' if len(c.points) != 1 else ''} found by Newton's method "
                           f"from {c.starts} starts, sorted by value"))
        columns = ["#", *names, "f", "kind"]

        def rows_of(d):
            return [[str(k), *(number(p.point[v], d) for v in names), number(p.value, d),
                     p.kind] for k, p in enumerate(c.points, 1)]

        rows, groups, _ = fit(columns, rows_of, console.width)
        if rows:
            print_tables(console, columns, rows, groups)
        for note in c.notes:
            console.print(Text(f"! {note}", style="bold yellow"))
        return
    p = c.points[0]
    if steps and p.steps:
        console.print(Text("Newton's method: x <- x - H(x)^-1 grad f(x)", style="bold"))
        columns = ["step", *names, "f", "|grad f|"]

        def rows_of(d):
            return [[str(k), *(number(s.point[v], d) for v in names), number(s.value, d),
                     f"{s.gradient_norm:.1e}" if s.gradient_norm else "0"]
                    for k, s in enumerate(p.steps)]

        rows, groups, _ = fit(columns, rows_of, console.width)
        print_tables(console, columns, rows, groups)
        console.print()
    console.print(Text("point: " + ", ".join(f"{v} = {number(p.point[v])}" for v in names)),
                  no_wrap=True, overflow="fold")
    console.print(Text(f"f = {number(p.value)}"))
    console.print(Text("gradient: " + ", ".join(f"{g:.1e}" if g else "0"
                                                for g in p.gradient)))
    console.print(Text("Hessian:"))
    print_matrix(console, names, p.hessian)
    console.print(Text("eigenvalues: " + ", ".join(number(e, 12) for e in p.eigenvalues)))
    console.print(Text(f"{p.definiteness}: {meaning(p.definiteness)}"))
    style = "bold green" if p.kind != "not stationary" else "bold yellow"
    console.print(Text(f"kind: {p.kind}", style=style))
    for note in c.notes:
        console.print(Text(f"! {note}", style="bold yellow"))


def critical_latex(c):
    lines = [f"% hod critical: {_latex_comment(c.expression)}", r"\begin{itemize}"]
    for p in c.points:
        where = r",\; ".join(f"{_latex_var(v)} = {latex_number(p.point[v])}"
                             for v in c.variables)
        eigs = ", ".join(latex_number(e, 12) for e in p.eigenvalues)
        lines.append(rf"\item {p.kind}: ${where}$, $f = {latex_number(p.value)}$, "
                     rf"$H = {latex_matrix(p.hessian)}$, eigenvalues ${eigs}$ "
                     f"({p.definiteness})")
    lines.append(r"\end{itemize}")
    return "\n".join(lines)


# =========================================================================================
# hod graph
# =========================================================================================

GRAPH_FORMATS = ("table", "plain", "dot", "json", "latex")


def render_graph(g, fmt, *, width=None, color=None):
    """Write expression graph ``g`` (a :class:`hod.classroom.graph.ExpressionGraph`)."""
    if fmt == "json":
        click.echo(json.dumps(g.to_dict(), indent=2, allow_nan=False))
    elif fmt == "dot":
        click.echo(graph_dot(g))
    elif fmt == "latex":
        click.echo(graph_latex(g))
    elif fmt == "plain":
        click.echo("\n".join(graph_tree_lines(g, ascii_only=True, width=10**6)))
    else:
        from rich.text import Text

        console = console_for(width, color)
        head = Text()
        head.append("hod graph  ", style="bold")
        head.append(g.expression, style="bold cyan")
        if g.point is not None:
            head.append(f"  at {_point_text(g.point)}")
        console.print(head)
        for line in graph_tree_lines(g, width=console.width):
            console.print(Text(line), no_wrap=True, overflow="ignore", crop=False)
        if g.point is not None:
            console.print(Text("value = the node's value; adjoint = df/d(node) (reverse mode)",
                               style="dim"))


def graph_tree_lines(g, ascii_only=False, width=80):
    """The graph as a tree from its root: each shared node drawn in full once, then named
    (``v1 (above)``); values and adjoints after the label, or on the next line when the
    line would be wider than ``width`` (a number is never split)."""
    by_name = {n.name: n for n in g.nodes}
    tee, last, bar, gap = ("|-- ", "`-- ", "|   ", "    ") if ascii_only else \
        ("├── ", "└── ", "│   ", "    ")
    lines, drawn = [], set()
    uses = {}
    for n in g.nodes:
        for c in n.children:
            uses[c] = uses.get(c, 0) + 1
    stack = [(g.root.name, "", "", True)]
    while stack:
        name, prefix, child_prefix, is_root = stack.pop()
        n = by_name[name]
        label = f"{n.name}  {n.text}" if n.op != "const" else n.text
        shared = uses.get(name, 0) > 1 and n.op not in ("const",) and not n.name.startswith("c")
        if name in drawn and n.children:
            lines.append(f"{prefix}{n.name} (above)")
            continue
        if shared and n.children:
            label += "  (shared)"
        drawn.add(name)
        numbers = ""
        if n.value is not None and n.op != "const":
            numbers = f"= {number(n.value)}   adjoint {number(n.adjoint)}"
        line = prefix + label
        if numbers and len(line) + 3 + len(numbers) <= width:
            lines.append(f"{line}   {numbers}")
        elif numbers:
            lines.append(line)
            below = child_prefix + (bar if n.children else gap)
            if len(below) + len(numbers) <= width:
                lines.append(below + numbers)
            else:
                lines += [f"{below}= {number(n.value)}", f"{below}adjoint {number(n.adjoint)}"]
        else:
            lines.append(line)
        kids = n.children
        for i in range(len(kids) - 1, -1, -1):
            end = i == len(kids) - 1
            stack.append((kids[i], child_prefix + (last if end else tee),
                          child_prefix + (gap if end else bar), False))
    return lines


def graph_dot(g):
    """Graphviz DOT: one node per graph node (a shared node once, with several edges), edges
    from each argument to its operation."""
    out = ["digraph hod {", "  rankdir=BT;", '  node [shape=box, fontname="Helvetica"];',
           f"  label={json.dumps(g.expression)}; labelloc=t;"]
    for n in g.nodes:
        text = n.text if n.op == "const" else f"{n.name}: {n.text}"
        if n.value is not None and n.op != "const":
            text += f"\\n= {number(n.value, 12)}\\nadjoint {number(n.adjoint, 12)}"
        shape = ", shape=ellipse" if not n.children else ""  # inputs and constants
        out.append(f'  {_dot_id(n.name)} [label="{_dot_escape(text)}"{shape}];')
    for n in g.nodes:
        for k, c in enumerate(n.children):
            arg = f' [label="{k + 1}"]' if len(n.children) > 1 and n.op in (
                "subtract", "divide", "power", "atan2") else ""
            out.append(f"  {_dot_id(c)} -> {_dot_id(n.name)}{arg};")
    out.append("}")
    return "\n".join(out)


def _dot_id(name):
    return "n_" + name.replace("-", "m")


def _dot_escape(text):
    return text.replace('"', '\\"')


def graph_latex(g):
    """The graph as its evaluation list in LaTeX: one line per operation."""
    from .expr.graph import Expr, var
    from .expr.latex import formula

    lines = [f"% hod graph: {_latex_comment(g.expression)}", r"\[", r"\begin{array}{rcl}"]
    for n in g.nodes:
        if n.op == "const":
            continue
        name = f"v_{{{n.name[1:]}}}"
        if not n.children:
            rhs = _latex_var(n.text)
        else:
            args = [f"v_{{{c[1:]}}}" if c.startswith("v") else
                    next(m.text for m in g.nodes if m.name == c) for c in n.children]
            rhs = formula(Expr(n.op, [var(a) for a in args]), args, latex=True)
        tail = ""
        if n.value is not None:
            tail = rf" & = & {latex_number(n.value)}"
        lines.append(f"{name} & = & {rhs}{tail} \\\\")
    lines += [r"\end{array}", r"\]"]
    if g.point is not None:
        lines[2] = r"\begin{array}{rcl@{\quad}rcl}"
    return "\n".join(lines)


# =========================================================================================
# Formulas (grad, hessian, diff without --at)
# =========================================================================================

def render_formulas(f, fmt, *, width=None, color=None):
    """Write symbolic derivatives ``f`` (a :class:`hod.classroom.symbolic.Formulas`)."""
    if fmt == "json":
        click.echo(json.dumps(f.to_dict(), indent=2, allow_nan=False))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["derivative", "symbolic_form"])
        for e in f.entries:
            w.writerow([e.label, e.text])
        click.echo(buf.getvalue(), nl=False)
    elif fmt == "plain":
        click.echo("".join(e.text + "\n" for e in f.entries), nl=False)
    elif fmt == "latex":
        click.echo(formulas_latex(f))
    else:
        from rich.table import Table
        from rich.text import Text

        console = console_for(width, color)
        head = Text()
        head.append(f"hod {f.derivative}  ", style="bold")
        head.append(f.expression, style="bold cyan")
        head.append("  (symbolic, by SymPy" + (", simplified)" if f.simplified else ")"))
        console.print(head)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column()
        for e in f.entries:
            grid.add_row(Text(e.label), Text("= " + e.math))
        console.print(grid)
        for note in f.notes:
            console.print(Text(f"! {note}", style="bold yellow"))
    if fmt != "table":
        for note in f.notes:
            click.echo(f"hod: {note}", err=True)


def formulas_latex(f):
    lines = [f"% hod {f.derivative}: {_latex_comment(f.expression)} (symbolic, by SymPy)"]
    if len(f.shape) == 2:
        n = f.shape[1]
        rows = [f.entries[i:i + n] for i in range(0, len(f.entries), n)]
        body = r" \\ ".join(" & ".join(e.latex for e in row) for row in rows)
        lines.append(rf"\[ H = \left(\begin{{array}}{{{'c' * n}}} {body} \end{{array}}\right) \]")
    elif len(f.shape) == 1:
        body = r",\; ".join(e.latex for e in f.entries)
        lines.append(rf"\[ \nabla f = \left({body}\right) \]")
    else:
        e = f.entries[0]
        lines.append(rf"\[ {e.latex_label} = {e.latex} \]")
    return "\n".join(lines)


# =========================================================================================
# LaTeX of the checked reports (grad, hessian, diff, jacobian, taylor)
# =========================================================================================

def report_latex(report):
    """A checked report (:class:`hod.check.Report`) as a LaTeX fragment: per point, a
    tabular of the derivatives (symbols, symbolic forms, hod's values, the reference's, the
    check), then the verdict."""
    from .verdict_text import point_text, verdict

    out = [f"% hod {report.derivative}: {_latex_comment(report.expression)}"]
    for r in report.results:
        where = r",\; ".join(f"{_latex_var(k)} = {latex_number(v)}" for k, v in r.point.items())
        out.append(rf"\noindent At ${where}$:\\[1ex]" if where else r"\noindent")
        checked = report.checked
        cols = "llr" + ("rl" if checked else "")
        out += [rf"\begin{{tabular}}{{{cols}}}", r"\hline",
                "derivative & symbolic form & hod" + (" & reference & check" if checked
                                                      else "") + r" \\", r"\hline"]
        for c in r.components:
            if c.reference == "ball" and c.certified is not None:
                ref = c.certified_text if c.certified_text is not None else c.certified.float()
            else:
                ref = c.symbolic if c.symbolic is not None else c.numeric
            cells = [f"${latex_label(c.ascii_label)}$", _latex_form(c.form),
                     f"${latex_number(c.answer)}$"]
            if checked:
                cells += [f"${latex_number(ref)}$" if ref is not None else "", c.check]
            out.append(" & ".join(cells) + r" \\")
        out += [r"\hline", r"\end{tabular}"]
        if r.polynomial is not None:
            out.append(rf"\[ {report.wrt[0]} \mapsto {_latex_form(r.polynomial, math=True)} \]")
        kind, text, _ = verdict(report, r)
        out.append(rf"\par\noindent\textbf{{{_latex_escape(kind)}}}: {_latex_escape(text)}")
        out.append(f"% at {point_text(r.point)}")
        out.append("")
    return "\n".join(out).rstrip()


def latex_label(label):
    """``d2f/dx dy`` -> ``\\frac{\\partial^{2} f}{\\partial x \\partial y}``; ``f`` and
    ``c3`` (Taylor coefficients) as ``f`` and ``c_{3}``; ``f1`` and ``df1/dx`` too."""
    import re

    m = re.fullmatch(r"d(\d*)(\w+)/(.+)", label)
    if not m:
        m2 = re.fullmatch(r"([A-Za-z]+)(\d+)", label)
        return f"{m2.group(1)}_{{{m2.group(2)}}}" if m2 else _latex_escape(label)
    n, f, bottom = m.groups()
    fm = re.fullmatch(r"([A-Za-z]+)(\d+)", f)
    f = f"{fm.group(1)}_{{{fm.group(2)}}}" if fm else f
    parts = []
    for piece in bottom.split():
        pm = re.fullmatch(r"d([A-Za-z_]\w*?)(\d*)", piece)
        if not pm:
            return _latex_escape(label)
        v, k = pm.groups()
        parts.append(rf"\partial {_latex_var(v)}" + (f"^{{{k}}}" if k else ""))
    top = rf"\partial^{{{n}}} {f}" if n else rf"\partial {f}"
    return rf"\frac{{{top}}}{{{' '.join(parts)}}}"


def _latex_form(form, math=False):
    """A symbolic form (text in hod's language where it parses, else typewriter text)."""
    if not form:
        return ""
    try:
        from .expr.latex import to_latex
        from .expr.parser import parse

        tex = to_latex(parse(form))
        return tex if math else f"${tex}$"
    except Exception:  # noqa: BLE001 - SymPy's spellings hod does not read: shown verbatim
        return rf"\texttt{{{_latex_escape(form)}}}"


def _latex_escape(text):
    repl = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "_": r"\_", "^": r"\^{}",
            "#": r"\#", "&": r"\&", "%": r"\%", "$": r"\$", "~": r"\~{}"}
    return "".join(repl.get(ch, ch) for ch in text)


# =========================================================================================
# hod plot
# =========================================================================================

PLOT_FORMATS = ("table", "json", "csv")
#: One mark per derivative order (f is ``*``, f' is ``o``, ...); the tangent is ``/``, a
#: Taylor polynomial of order n is the digit n, a kink ``K`` and the point x0 ``@``.
PLOT_MARKS = "*o+x#%&=~^$"
TANGENT_MARK, KINK_MARK, AT_MARK = "/", "K", "@"
PLOT_HEIGHT = 20


def render_plot(data, fmt, *, width=None, height=None, color=None):
    """Write sampled curves ``data`` (a :class:`hod.classroom.plot.PlotData`): a character
    plot (``table``), or the samples as JSON or CSV."""
    if fmt == "json":
        click.echo(json.dumps(data.to_dict(), indent=2, allow_nan=False))
    elif fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        extra = ([data.tangent] if data.tangent else []) + list(data.taylor)
        curves = [*data.curves, *extra]
        w.writerow([data.wrt, *(c.label for c in curves)])
        for i, x in enumerate(data.x):
            w.writerow([fmt_number(float(x) + 0.0),
                        *(fmt_number(float(c.y[i]) + 0.0) for c in curves)])
        click.echo(buf.getvalue(), nl=False)
    else:
        from rich.text import Text

        console = console_for(width, color)
        for line in plot_lines(data, console.width, height or PLOT_HEIGHT):
            console.print(Text(line), no_wrap=True, overflow="ignore", crop=False)
    if fmt != "table":
        for note in data.notes:
            click.echo(f"hod: {note}", err=True)


def _tick(v):
    return fmt_number(float(v) + 0.0)


def _flow(entries, width, sep="   "):
    """Entries joined by ``sep`` into lines of at most ``width`` (an entry is never split)."""
    lines, line = [], ""
    for e in entries:
        if line and len(line) + len(sep) + len(e) > width:
            lines.append(line)
            line = e
        else:
            line = f"{line}{sep}{e}" if line else e
    if line:
        lines.append(line)
    return lines


def plot_lines(data, width=80, height=PLOT_HEIGHT):
    """The character plot of ``data`` as lines of at most ``width`` characters: a title, the
    plot with its y axis (tick labels on the left) and x axis (tick labels below), the
    legend (one mark per curve), then where the kinks and gaps are."""
    import numpy as np

    from .classroom.plot import nice_ticks, y_limits

    lo, hi = data.range
    ylo, yhi = y_limits(data)
    rows = max(5, int(height))
    yticks = nice_ticks(ylo, yhi, most=max(3, min(6, rows // 4)))
    ylabels = {t: _tick(t) for t in yticks}
    gutter = max(len(s) for s in ylabels.values()) + 1
    cols = max(10, width - gutter - 3)  # label, axis, the plot, then " x"
    grid = [[" "] * cols for _ in range(rows)]

    def col_of(x):
        return np.rint((np.asarray(x, dtype=float) - lo) / (hi - lo) * (cols - 1))

    def row_of(y):
        with np.errstate(all="ignore"):
            return (yhi - np.asarray(y, dtype=float)) / (yhi - ylo) * (rows - 1)

    def put(r, c, mark):
        if 0 <= r < rows and 0 <= c < cols:
            grid[r][c] = mark

    if ylo < 0 < yhi:  # the line y = 0
        r0 = int(round(float(row_of(0.0))))
        for c in range(cols):
            put(r0, c, "-")
    if lo < 0 < hi:  # the line x = 0
        c0 = int(col_of(0.0))
        for r in range(rows):
            put(r, c0, "+" if grid[r][c0] == "-" else ":")

    # a derivative is not joined across a kink (f' jumps there)
    kinked = np.zeros(len(data.x), dtype=bool)
    for k in data.kinks:
        kinked |= (data.x <= k.x) & (np.append(data.x[1:], np.inf) >= k.x)

    def draw(y, mark, joined_at_kinks=True):
        cs = col_of(data.x).astype(int)
        rf = row_of(y)
        inside = np.isfinite(rf) & (rf >= -0.5) & (rf <= rows - 0.5)
        rs = np.rint(np.where(inside, rf, 0)).astype(int)
        for i in np.flatnonzero(inside):
            put(rs[i], cs[i], mark)
            j = i + 1
            # joined to the next sample: no holes in steep parts
            if j < len(rs) and inside[j] and (joined_at_kinks or not kinked[i]):
                a, b = rs[i], rs[j]
                mid = (a + b) / 2
                for r in range(min(a, b), max(a, b) + 1):
                    on_first = (r <= mid) if a <= b else (r >= mid)
                    put(r, cs[i] if on_first or cs[i] == cs[j] else cs[j], mark)

    legend = []
    drawn_taylor = [c for c in data.taylor if not (data.tangent and c.order == 1)]
    for c in reversed(drawn_taylor):
        draw(c.y, _digit(c.order))
    if data.tangent is not None:
        draw(data.tangent.y, TANGENT_MARK)
    for c in sorted(data.curves, key=lambda c: -c.order):
        draw(c.y, PLOT_MARKS[c.order % len(PLOT_MARKS)], joined_at_kinks=c.order == 0)
    for c in data.curves:
        legend.append(f"{PLOT_MARKS[c.order % len(PLOT_MARKS)]} {c.label}")
    lowest = data.curves[0].order if data.curves else 0
    for k in data.kinks:
        r = row_of(k.values.get(lowest, math.nan))
        if math.isfinite(float(r)):
            put(int(round(float(r))), int(col_of(k.x)), KINK_MARK)
    at = _tick(data.x0) if data.x0 is not None else None
    if data.tangent is not None:
        legend.append(f"{TANGENT_MARK} tangent at {data.wrt} = {at}")
    for c in drawn_taylor:
        legend.append(f"{_digit(c.order)} Taylor polynomial of order {c.order}")
    if data.x0 is not None and data.taylor_coefficients is not None and lowest == 0:
        f0 = data.taylor_coefficients[0]
        if math.isfinite(f0) and ylo <= f0 <= yhi:
            put(int(round(float(row_of(f0)))), int(col_of(data.x0)), AT_MARK)
            legend.append(f"{AT_MARK} {data.wrt} = {at}")
    if data.kinks:
        legend.append(f"{KINK_MARK} kink")

    out = []
    title = f"hod plot  {data.expression}  {data.wrt} = {_tick(lo)}..{_tick(hi)}"
    if data.fixed:
        title += "  (" + ", ".join(f"{k} = {_tick(v)}" for k, v in data.fixed.items()) + ")"
    out += _flow(title.split(" "), width, sep=" ") if len(title) > width else [title]
    tick_rows = {}
    for t, s in ylabels.items():
        r = int(round(float(row_of(t))))
        if 0 <= r < rows:
            tick_rows[r] = s
    for r in range(rows):
        label = tick_rows.get(r, "")
        out.append(f"{label:>{gutter - 1}} {'+' if r in tick_rows else '|'}"
                   + "".join(grid[r]).rstrip())
    axis = ["-"] * cols
    labels = [" "] * (cols + 2)
    xticks = nice_ticks(lo, hi, most=max(2, min(8, cols // 10)))
    last_end = -2
    for t in xticks:
        c = int(col_of(t))
        if not 0 <= c < cols:
            continue
        axis[c] = "+"
        s = _tick(t)
        start = min(max(0, c - len(s) // 2), cols + 2 - len(s))
        if start > last_end + 1:
            labels[start:start + len(s)] = list(s)
            last_end = start + len(s) - 1
    out.append(" " * gutter + "+" + "".join(axis) + " " + data.wrt)
    out.append(" " * (gutter + 1) + "".join(labels).rstrip())
    out += _flow(legend, width)
    if data.kinks:
        where = ", ".join(_tick(k.x) + (f" ({k.primitive})" if k.primitive else "")
                          for k in data.kinks)
        out += _flow(f"kinks (f' jumps) at {data.wrt} = {where}".split(" "), width, sep=" ")
    gaps = data.gaps
    if gaps:
        spans = ", ".join(f"{number(a, 6)}..{number(b, 6)}" if a != b else number(a, 6)
                          for a, b in gaps)
        out += _flow(f"gaps: f is not defined (or not finite) at {data.wrt} = {spans}"
                     .split(" "), width, sep=" ")
    for note in data.notes:
        out += _flow(f"! {note}".split(" "), width, sep=" ")
    return out


def _digit(n):
    return str(n) if n <= 9 else chr(ord("a") + n - 10)
