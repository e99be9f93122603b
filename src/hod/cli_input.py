"""The command line's input: an expression given as an argument or on standard input."""

from __future__ import annotations

import sys

import click

from .errors import UsageError

MAX_STDIN_CHARS = 1_000_000


def read_expr(expr, lines_are_functions=False):
    """EXPR itself, or standard input when EXPR is ``-``.  With ``lines_are_functions``
    (jacobian), each non-empty line of standard input is one function."""
    if expr != "-":
        return expr.strip()
    if sys.stdin.isatty():
        click.echo("hod: reading the expression from standard input (end with Ctrl-D)",
                   err=True)
    text = sys.stdin.read(MAX_STDIN_CHARS + 1)
    if len(text) > MAX_STDIN_CHARS:
        raise UsageError(f"the expression on standard input is longer than "
                                 f"{MAX_STDIN_CHARS} characters")
    if lines_are_functions:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return ", ".join(line.rstrip(",").rstrip() for line in lines)
    return text.strip()
