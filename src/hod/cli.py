"""The ``hod`` command: parse options, call :mod:`hod.check`, render, set the exit code.

The commands are thin: everything they compute is a :class:`hod.check.Report`, printed by
:mod:`hod.render`.  Errors from the library become one line on stderr here (a parse error
adds the expression with a caret under the column), and the exit code is decided in one
place, :func:`exit_code`.  Library errors name the parameter at fault in the library's words
(``points``, ``order``); here they are spelled as this command's flags (:data:`FLAGS`).
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import re
import sys

import click

from . import __version__, render, render_classroom
from .cli_input import read_expr as _read_expr
from .cli_many import many_points
from . import check as checks
from .errors import (
    DomainError, HodError, NonDifferentiableError, ParseError, Spelling, UsageError,
)

# Exit codes (documented in --help and README.md).
EXIT_OK = 0
EXIT_DISAGREE = 1
EXIT_USAGE = 2
EXIT_NOT_DEFINED = 3
EXIT_UNCHECKED = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

# A point's status (hod.check.STATUSES) -> exit code.
STATUS_EXIT = {
    "ok": EXIT_OK, "unchecked": EXIT_OK,
    "disagree": EXIT_DISAGREE,
    "undefined": EXIT_NOT_DEFINED, "overflow": EXIT_NOT_DEFINED,
    "not differentiable": EXIT_NOT_DEFINED, "derivative undefined": EXIT_NOT_DEFINED,
    "timeout": EXIT_UNCHECKED, "symbolic failed": EXIT_UNCHECKED,
}


# The library's parameters as this command's flags (library errors name the parameter).
FLAGS = {
    "points": Spelling("--at", "--at {}"),
    "variables": Spelling("--vars", "--vars {}"),
    "wrt": Spelling("--wrt", "--wrt {}"),
    "order": Spelling("--order", "--order {}"),
    "rtol": Spelling("--rtol", "--rtol {}"),
    "atol": Spelling("--atol", "--atol {}"),
    "timeout": Spelling("--timeout", "--timeout {}"),
    "check": Spelling("--check", "--check {}"),
    "digits": Spelling("--digits", "--digits {}"),
    "box": Spelling("--box", "--box {}"),
    "range": Spelling("--range", "--range {}"),
    "plot_orders": Spelling("--orders", "--orders {}"),
    "plot_taylor": Spelling("--taylor", "--taylor {}"),
    "plot_output": Spelling("--output", "--output {}"),
}

EXIT_CODES_HELP = """\b
Exit codes:
  0   computed, and every value is certified or agrees with SymPy or
      the numeric check (or --no-check)
  1   a value disagrees with SymPy or the numeric check (with
      --check sympy; a certified value is proven)
  2   usage or parse error
  3   the function or a derivative is not defined, not differentiable
      or overflows at a point
  4   no check finished: neither the certified engine nor SymPy gave a
      number, and the numeric check did not fill in
  70  internal error (a bug in hod: please report it)
  130 interrupted (Ctrl-C)
When several apply, the lowest non-zero code wins."""


def exit_code(report):
    """The process exit code for a report: the lowest non-zero code over its points."""
    codes = [STATUS_EXIT[r.status] for r in report.results]
    nonzero = [c for c in codes if c]
    return min(nonzero) if nonzero else EXIT_OK


def _epilog(examples):
    return EXIT_CODES_HELP + "\n\n\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples)


# --- shared options ----------------------------------------------------------------------

def input_options(f):
    """EXPR, --at and --vars: the same for every command."""
    f = click.option(
        "--vars", "variables", metavar="X,Y,...",
        help="Variable order (also names variables EXPR does not use). "
             "Default: sorted by name, digit runs as numbers (x2 before x10).")(f)
    f = click.option(
        "--at", "points", multiple=True, metavar="NAME=VALUE,...",
        help="A point: a value for every variable (a number or a constant such as pi/4). "
             "Repeat for several points.")(f)
    f = click.argument("expr", metavar="EXPR")(f)
    return f


def output_options(f):
    """--format, --no-check, --rtol, --atol, --timeout: one set for every command."""
    f = click.option(
        "--timeout", type=float, default=checks.TIMEOUT, show_default=True,
        metavar="SECONDS",
        help="Time budget of the checks (SymPy, the numeric check, nested tapes).")(f)
    f = click.option(
        "--atol", type=float, default=checks.ATOL, show_default=True,
        help="Absolute tolerance of the agreement test |hod - check| <= atol + rtol*|check| "
             "(check: SymPy, or the numeric derivative).")(f)
    f = click.option(
        "--rtol", type=float, default=checks.RTOL, show_default=True,
        help="Relative tolerance of the agreement test.")(f)
    f = click.option(
        "--digits", type=click.IntRange(1, 4000), default=None, metavar="N",
        help="Print every number with N proven significant digits, computed by the "
             "certified engine at the precision that needs (JSON: decimal strings).")(f)
    f = click.option(
        "--no-check", "no_check", is_flag=True,
        help="float64 only: no certified engine, no SymPy (hod still warns where it knows "
             "cheaply that float64 lost digits).")(f)
    f = click.option(
        "--check", "check", default="ball,sympy", show_default=True, metavar="REFS",
        help="The references, comma-separated: ball (the certified engine: ball "
             "arithmetic that proves every digit it prints) and sympy (SymPy's symbolic "
             "derivative; a numeric derivative from mpmath where SymPy does not finish). "
             "--check ball is the fast one (no SymPy import).")(f)
    f = click.option(
        "--format", "fmt", type=click.Choice(render.FORMATS + ("jsonl",)),
        default="table", show_default=True,
        help="table for people; json, csv or plain (bare numbers) for scripts; jsonl (JSON "
             "Lines, one object per point) streams many points.")(f)
    return f


class ExprCommand(click.Command):
    """A command whose EXPR may start with ``-`` (``hod grad "-x**2" --at x=1``).

    click would take ``-x**2`` for an unknown option; here any argument that starts with
    ``-``, is not an option of the command nor an option's value, and does not look like a
    long option name (``--name``) is passed on as EXPR (with a leading space, which the
    expression language ignores).
    """

    @staticmethod
    def _has_expr(args, with_value, short_help):
        """Whether an argument other than ``-h`` can be EXPR."""
        expect_value = False
        for a in args:
            if expect_value:
                expect_value = False
            elif a == "--" or a in with_value:
                expect_value = a in with_value
                if a == "--":
                    return True
            elif a not in short_help and (not a.startswith("-") or a == "-"):
                return True
        return False

    def parse_args(self, ctx, args):
        with_value, flags = set(), set()
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                (flags if p.is_flag or p.count else with_value).update(
                    p.opts + p.secondary_opts)
        short_help = {n for n in ctx.help_option_names if not n.startswith("--")}
        # "-h" is help when it is alone or EXPR stands elsewhere; else it is the expression -h
        help_is_expr = len(args) > 1 and not self._has_expr(args, with_value, short_help)
        out, expect_value, only_args = [], False, False
        for a in args:
            if expect_value or only_args:
                expect_value = False
            elif a == "--":
                only_args = True
            elif a in with_value:
                expect_value = True
            elif a in short_help and help_is_expr:
                a = " " + a
            elif a in flags or a.split("=", 1)[0] in with_value:
                pass
            elif a.startswith("-") and a != "-" and not re.fullmatch(r"--[A-Za-z][\w-]*(=.*)?", a):
                a = " " + a  # an expression that starts with a sign (-x**2)
            out.append(a)
        try:
            return super().parse_args(ctx, out)
        except click.NoSuchOption as e:
            if e.option_name.startswith("--"):
                e.message += (f" (an expression that starts with a sign goes after --: "
                              f"hod {self.name} -- {e.option_name} ...)")
            raise


def _error(message):
    click.echo(f"hod: error: {message}", err=True)


def at_the_edge(fn):
    """Turn library errors into one line on stderr and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ParseError as e:
            _error(e.message)
            click.echo(e.pointer(), err=True)
            code = EXIT_USAGE
        except (DomainError, NonDifferentiableError) as e:
            _error(str(e))
            code = EXIT_NOT_DEFINED
        except UsageError as e:
            _error(e.message_for(FLAGS))
            code = EXIT_USAGE
        except HodError as e:
            _error(str(e))
            code = EXIT_USAGE
        except UnicodeDecodeError:
            _error("standard input is not valid UTF-8 text")
            code = EXIT_USAGE
        except (RecursionError, MemoryError):
            _error("the expression is too large or too deeply nested")
            code = EXIT_USAGE
        except KeyboardInterrupt:
            _error("interrupted")
            code = EXIT_INTERRUPTED
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # noqa: BLE001 - the last line of defence: no tracebacks
            if os.environ.get("HOD_DEBUG"):
                raise
            _error(f"internal error: {type(e).__name__}: {e} (please report it; "
                   "HOD_DEBUG=1 shows the traceback)")
            code = EXIT_INTERNAL
        raise click.exceptions.Exit(code)

    return wrapper


def _finish(report, fmt):
    code = exit_code(report)
    try:
        render.render(report, fmt)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader went away (``hod ... | head -1``): not an error of ours; keep the code
        # and stop Python from complaining when it flushes stdout at exit
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise click.exceptions.Exit(code)


def _formulas(kind, expr, variables, fmt, timeout, wrt=None, order=None):
    """grad, hessian and diff without --at: the derivative as a formula (SymPy)."""
    from .classroom import symbolic

    if kind == "diff":
        f = symbolic.symbolic_derivative(expr, wrt, order, variables, timeout=timeout)
    elif kind == "grad":
        f = symbolic.symbolic_gradient(expr, variables, timeout=timeout)
    else:
        f = symbolic.symbolic_hessian(expr, variables, timeout=timeout)
    _emit(lambda: render_classroom.render_formulas(f, fmt))
    raise click.exceptions.Exit(EXIT_OK)


def _opts(check, no_check, digits, rtol, atol, timeout):
    return {"check": False if no_check else check, "digits": digits, "rtol": rtol,
            "atol": atol, "timeout": timeout}


# --- the commands ------------------------------------------------------------------------

GROUP_HELP = """hod: higher-order derivatives at points, each certified and cross-checked.

By default every value is checked against a certified engine (ball arithmetic that proves
every digit; where float64 lost digits, the proven value is printed) and against SymPy's
symbolic derivative (--check ball,sympy). Where SymPy does not finish in --timeout seconds
(high orders), a numeric derivative from mpmath checks instead (--check sympy).

EXPR is an expression in hod's language: numbers, variables, + - * / ** (^ is **),
parentheses, the constants pi and e, and functions such as sin, exp, log (natural), sqrt,
abs, tanh, atan2, maximum. Pass - to read EXPR from standard input (for jacobian, one
function per line). Give a value for every variable with --at NAME=VALUE,...: each --at is
one whole point; repeat --at for several points.

An EXPR may start with a sign: hod grad "-x**2" --at x=1. -h is the help alone or beside
another EXPR, else the expression -h; after -- every argument is EXPR (hod grad --at x=1 --
-x).

Variables are ordered by name (digit runs compare as numbers: x2 before x10) unless --vars
lists them; that order is the order of gradient entries and Hessian rows.

Shell completion: add eval "$(_HOD_COMPLETE=bash_source hod)" to ~/.bashrc (zsh_source in
~/.zshrc; for fish, _HOD_COMPLETE=fish_source hod | source).
"""


@click.group(help=GROUP_HELP, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=_epilog(['hod grad "2*x**3 + 5*y**2" --at x=5,y=2',
                             'hod hessian "2*x**3 + 5*y**2 + 11*x*y + 5" --at x=5,y=2',
                             'hod diff "exp(sin(x))" --wrt x --order 5 --at x=0.5',
                             'hod jacobian "x*y, x + y" --at x=2,y=3 --format json',
                             'hod taylor "exp(sin(x))" --at x=0 --order 6']))
@click.version_option(__version__, "-V", "--version", prog_name="hod")
def main():
    pass


@main.command(cls=ExprCommand, epilog=_epilog([
    'hod grad "2*x**3 + 5*y**2" --at x=5,y=2',
    'hod grad "sin(x)*y" --at x=0,y=1 --at x=pi/2,y=1 --format plain',
    'hod grad "x**2*y + exp(y)"',
    'echo "log(x) + z" | hod grad - --at x=2,z=1 --vars z,x --format json',
    'hod grad "sin(x)*exp(y)" --points points.csv --format csv > out.csv',
    'hod grad "sin(x)*exp(y)" --grid x=0:1:1001,y=-1:1:1001']))
@input_options
@output_options
@at_the_edge
@many_points("grad")
def grad(expr, points, variables, fmt, check, no_check, digits, rtol, atol, timeout):
    """The value and gradient of EXPR at each --at point.

    The table shows f and every partial derivative; plain prints, per point, one line: the
    gradient in variable order. Without --at, the gradient as formulas
    (SymPy, simplified).
    """
    if not points:
        return _formulas("grad", _read_expr(expr), variables, fmt, timeout)
    report = checks.gradient(_read_expr(expr), list(points) or None, variables,
                              **_opts(check, no_check, digits, rtol, atol, timeout))
    _finish(report, fmt)


@main.command(cls=ExprCommand, epilog=_epilog([
    'hod hessian "2*x**3 + 5*y**2 + 11*x*y + 5" --at x=5,y=2',
    'hod hessian "x*y*z" --at x=1,y=2,z=3 --format plain',
    'hod hessian "exp(x)*cos(y)" --at x=0,y=0 --format csv',
    'hod hessian "x**2*y + exp(y)"',
    'hod hessian "x*y*z" --points points.parquet --output out.parquet']))
@input_options
@output_options
@at_the_edge
@many_points("hessian")
def hessian(expr, points, variables, fmt, check, no_check, digits, rtol, atol, timeout):
    """The Hessian matrix (with the value and gradient) of EXPR at each --at point.

    The Hessian is the Jacobian of the gradient, by nested tapes. plain prints the Hessian,
    one line per row, with an empty line between points. Without --at, the Hessian as
    formulas (SymPy, simplified).
    """
    if not points:
        return _formulas("hessian", _read_expr(expr), variables, fmt, timeout)
    report = checks.hessian(_read_expr(expr), list(points) or None, variables,
                             **_opts(check, no_check, digits, rtol, atol, timeout))
    _finish(report, fmt)


@main.command(cls=ExprCommand, epilog=_epilog([
    'hod diff "x**3*y**2" --wrt x,y,y --at x=2,y=1',
    'hod diff "exp(sin(x))" --wrt x --order 5 --at x=0.5',
    'hod diff "exp(sin(x))" --wrt x --order 100 --at x=0.5 --timeout 3',
    'hod diff "sin(x)" --at x=0 --at x=1 --format plain',
    'hod diff "sin(x)*exp(x)" --wrt x --order 10',
    'hod diff "log(x)" --order 2 --grid x=0.1:2:20 --format jsonl']))
@input_options
@click.option("--wrt", metavar="X,Y,...",
              help="The variables to differentiate by, one per differentiation: x,y,y is "
                   "d3f/dx dy2. Optional when EXPR has one variable.")
@click.option("--order", type=int, default=None, metavar="N",
              help=f"Differentiate N times by the one variable of --wrt (N <= "
                   f"{checks.MAX_ORDER}).")
@output_options
@at_the_edge
@many_points("diff")
def diff(expr, points, variables, wrt, order, fmt, check, no_check, digits, rtol, atol, timeout):
    """One derivative of EXPR, of any order, at each --at point.

    --wrt x,y,y gives the mixed partial d3f/dx dy2; --wrt x --order 5 the fifth derivative
    in x. plain prints one number per point. Without --at, the derivative as a formula
    (SymPy, simplified).

    hod computes it by Taylor mode (its cost grows like the square of the order). The table
    shows nested tapes beside it while they fit in their time budget (their cost grows about
    threefold per order; it says when they were skipped, with the time they would take), and
    SymPy's value. Where SymPy does not finish within --timeout, a numeric derivative (mpmath,
    from values of EXPR alone, with its estimated error) checks instead.
    """
    if not points:
        return _formulas("diff", _read_expr(expr), variables, fmt, timeout, wrt, order)
    report = checks.diff(_read_expr(expr), wrt, list(points) or None, variables,
                          order=order, **_opts(check, no_check, digits, rtol, atol, timeout))
    _finish(report, fmt)


@main.command(cls=ExprCommand, epilog=_epilog([
    'hod jacobian "x*y, x + y" --at x=2,y=3',
    'hod jacobian "r*cos(t), r*sin(t)" --at r=2,t=0 --format plain',
    'hod jacobian "x**2, x*y, y**2" --at x=1,y=2 --format json',
    'hod jacobian "x*y, x + y" --engine dask --points "in/*.csv" --output "out/part-*.csv"']))
@input_options
@output_options
@at_the_edge
@many_points("jacobian")
def jacobian(expr, points, variables, fmt, check, no_check, digits, rtol, atol, timeout):
    """The Jacobian of the comma-separated expressions in EXPR ("f1, f2, ...").

    Row i holds the partial derivatives of fi in variable order. plain prints the Jacobian,
    one line per row, with an empty line between points.
    """
    report = checks.jacobian(_read_expr(expr, lines_are_functions=True), list(points) or None, variables,
                              **_opts(check, no_check, digits, rtol, atol, timeout))
    _finish(report, fmt)


@main.command(cls=ExprCommand, epilog=_epilog([
    'hod taylor "exp(sin(x))" --at x=0 --order 6',
    'hod taylor "log(1 + x)" --at x=0 --at x=1 --order 4 --format plain',
    'hod taylor "x*exp(y)" --wrt y --at x=2,y=0 --format json',
    'echo "1/(1 - x)" | hod taylor - --at x=0.5 --order 3 --format csv',
    'cat points.jsonl | hod taylor "exp(x)*y" --wrt x --points - --at y=2 --format csv']))
@input_options
@click.option("--wrt", metavar="X",
              help="The variable to expand in; the others stay at their --at values. "
                   "Optional when EXPR has one variable.")
@click.option("--order", type=int, default=checks.TAYLOR_ORDER, show_default=True,
              metavar="N", help=f"The highest power of (X - X0) (N <= {checks.MAX_ORDER}).")
@output_options
@at_the_edge
@many_points("taylor")
def taylor(expr, points, variables, wrt, order, fmt, check, no_check, digits, rtol, atol, timeout):
    """The Taylor coefficients of EXPR about each --at point, and the polynomial.

    The coefficients are c_k = f^(k)(x0) / k! for k = 0..N, by Taylor mode, so that
    f(x) = c_0 + c_1 (x - x0) + ... + c_N (x - x0)^N + O((x - x0)^(N+1)). They are checked
    against SymPy's series (or, where SymPy does not finish within --timeout, numeric
    derivatives). plain prints, per point, one line: c_0 ... c_N; json adds the polynomial
    as an expression in hod's language.
    """
    report = checks.taylor(_read_expr(expr), list(points) or None, variables, wrt=wrt,
                            order=order, **_opts(check, no_check, digits, rtol, atol, timeout))
    _finish(report, fmt)


# --- classroom views (hod.classroom; rendered by hod.render_classroom) --------------------

CLASSROOM_EXIT_HELP = """\b
Exit codes:
  0   computed
  2   usage or parse error
  3   the function is not defined (or not finite) at the point
  70  internal error (a bug in hod: please report it)
  130 interrupted (Ctrl-C)"""


def _classroom_epilog(examples):
    return CLASSROOM_EXIT_HELP + "\n\n\b\nExamples:\n" + "\n".join(f"  {e}" for e in examples)


def view_format(f):
    """--format for the classroom views (latex too)."""
    return click.option(
        "--format", "fmt", type=click.Choice(render_classroom.FORMATS), default="table",
        show_default=True,
        help="table for people; json, csv or plain for scripts; latex for documents.")(f)


def _emit(write):
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


#: The commands that are views (hod.classroom), not derivative kinds (hod.check.KINDS).
VIEWS = []


def view_command(name, examples):
    """Register a classroom view as command ``name``, its help ending with ``examples``."""
    VIEWS.append(name)
    return main.command(name, cls=ExprCommand, epilog=_classroom_epilog(examples))


@view_command("trace", [
    'hod trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5',
    'hod trace "sin(x)*sin(x) + x" --at x=1 --format json',
    'hod trace "x*y + exp(x)" --at x=0,y=2 --wrt y --format latex'])
@click.argument("expr", metavar="EXPR")
@click.option("--at", "point", required=True, metavar="NAME=VALUE,...",
              help="The point: a value for every variable.")
@click.option("--wrt", metavar="X", help="The variable the tangents are taken along "
                                           "(forward mode). Default: the first variable.")
@click.option("--vars", "variables", metavar="X,Y,...",
              help="Variable order (default: sorted by name).")
@view_format
@at_the_edge
def trace_command(expr, point, wrt, variables, fmt):
    """The evaluation trace (Wengert list) of EXPR at the point, as textbooks draw it.

    One row per intermediate value: the inputs (v-1, v0, ...), then each operation in
    evaluation order, written in earlier rows' names, with its value (the forward primal
    trace), its tangent along --wrt (forward mode) and its adjoint df/dv (reverse mode);
    then the output and the gradient. A subexpression used twice is one row. The numbers
    are hod's tape and forward mode.
    """
    from .classroom.trace import trace as build

    t = build(_read_expr(expr), point, wrt=wrt, variables=variables)
    _emit(lambda: render_classroom.render_trace(t, fmt))
    raise click.exceptions.Exit(EXIT_OK if math.isfinite(t.value) else EXIT_NOT_DEFINED)


@view_command("critical", [
    'hod critical "(x - 1)**2 + 3*(y + 2)**2" --near x=0,y=0 --steps',
    'hod critical "(x**2 + y - 11)**2 + (x + y**2 - 7)**2" --box x=-5:5,y=-5:5',
    'hod critical "x**2 - y**2" --near x=0.5,y=0.5 --format json'])
@click.argument("expr", metavar="EXPR")
@click.option("--near", metavar="NAME=VALUE,...",
              help="Start Newton's method here (a value for every variable).")
@click.option("--box", metavar="NAME=LOW:HIGH,...",
              help="Search this box from a grid of starts; list every distinct stationary "
                   "point found, sorted by value.")
@click.option("--steps", is_flag=True, help="Show Newton's iterations (with --near).")
@click.option("--vars", "variables", metavar="X,Y,...",
              help="Variable order (default: sorted by name).")
@view_format
@at_the_edge
def critical_command(expr, near, box, steps, variables, fmt):
    """A stationary point of EXPR by Newton's method on the gradient, classified.

    Newton's step x <- x - H(x)^-1 grad f(x) uses hod's gradient and Hessian (nested
    tapes); the point is a minimum, maximum, saddle or degenerate by the signs of the
    Hessian's eigenvalues. With --box, Newton's method runs from a grid of starts and every
    distinct stationary point found is listed. Exit code 1 when no stationary point was
    found.
    """
    from .classroom import critical as crit

    if (near is None) == (box is None):
        raise UsageError("give one of --near or --box")
    text = _read_expr(expr)
    c = crit.critical_point(text, near, variables, steps=steps) if near is not None \
        else crit.stationary_points(text, box, variables)
    _emit(lambda: render_classroom.render_critical(c, fmt, steps=steps))
    found = [p for p in c.points if p.kind != "not stationary"]
    raise click.exceptions.Exit(EXIT_OK if found else EXIT_DISAGREE)


@view_command("graph", [
    'hod graph "sin(x)*sin(x) + x*y"',
    'hod graph "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5',
    'hod graph "exp(-x**2/2)" --format dot > graph.dot'])
@click.argument("expr", metavar="EXPR")
@click.option("--at", "point", metavar="NAME=VALUE,...",
              help="Show each node's value and adjoint at this point.")
@click.option("--vars", "variables", metavar="X,Y,...",
              help="Variable order (default: sorted by name).")
@click.option("--format", "fmt", type=click.Choice(render_classroom.GRAPH_FORMATS),
              default="table", show_default=True,
              help="table: a tree; plain: the tree in ASCII; dot: Graphviz; json; latex.")
@at_the_edge
def graph_command(expr, point, variables, fmt):
    """The expression graph of EXPR: a tree in the terminal, or Graphviz DOT.

    Each node is named as in hod trace (v1, v2, ... in evaluation order). A subexpression
    used twice is one node: the tree draws it in full once and names it after that; DOT
    draws it once with several edges. With --at, each node shows its value and its adjoint
    df/d(node).
    """
    from .classroom.graph import expression_graph

    g = expression_graph(_read_expr(expr), point, variables)
    _emit(lambda: render_classroom.render_graph(g, fmt))


@view_command("plot", [
    'hod plot "sin(x)" --range x=-3:3 --orders 0,1,2',
    'hod plot "exp(sin(x))" --range x=-2:2 --at x=0.5 --taylor 3',
    'hod plot "log(x)" --range x=-1:2 --orders 0,1',
    'hod plot "x**2*y - abs(x)" --wrt x --range x=-2:2 --at y=1 --output plot.svg'])
@click.argument("expr", metavar="EXPR")
@click.option("--wrt", metavar="X", help="The variable along the x axis. Optional when EXPR "
                                         "has one variable or --range names it.")
@click.option("--range", "span", metavar="X=LOW:HIGH",
              help="The x axis. Default: 10 wide, about the --at value of X (or 0).")
@click.option("--orders", default="0", show_default=True, metavar="K,...",
              help="The derivatives to draw: 0 is f, 1 is f', ... (up to 10).")
@click.option("--at", "point", metavar="NAME=VALUE,...",
              help="Values of the other variables (fixed), and of X: the tangent line at "
                   "that x0.")
@click.option("--taylor", type=int, default=0, metavar="N",
              help="Overlay the Taylor polynomials of orders 1..N at the --at point.")
@click.option("--output", metavar="FILE",
              help="Write FILE.svg, .png or .pdf (matplotlib: pip install \"hod[plot]\").")
@click.option("--width", type=click.IntRange(20, 10000), default=None, metavar="N",
              help="Width: characters (default: the terminal's), or pixels with --output "
                   "(default 800).")
@click.option("--height", type=click.IntRange(5, 10000), default=None, metavar="N",
              help="Height: lines (default 20), or pixels with --output (default 500).")
@click.option("--vars", "variables", metavar="X,Y,...",
              help="Variable order (default: sorted by name).")
@click.option("--format", "fmt", type=click.Choice(render_classroom.PLOT_FORMATS),
              default="table", show_default=True,
              help="table: the plot in the terminal; json, csv: the samples.")
@at_the_edge
def plot_command(expr, wrt, span, orders, point, taylor, output, width, height, variables,
                 fmt):
    """f and its derivatives over a range, drawn in the terminal or to a file.

    The derivatives come from hod's Taylor mode, at every sample at once. Where f is not
    defined the curves have gaps; kinks (abs, relu, maximum, minimum, or wherever f' jumps)
    are marked K. --at x=x0 draws the tangent line at x0 and --taylor N the Taylor
    polynomials of orders 1..N there. In the terminal each curve has its own mark (f *,
    f' o, f'' +, the tangent /, Taylor polynomials their order's digit). --output writes
    SVG, PNG or PDF through matplotlib (the extra hod[plot]). Exit code 3 when f is not
    defined anywhere on the range.
    """
    from .classroom.plot import SAMPLES, plot_data

    if output is not None:
        from .classroom.plot_file import write_plot

        data = plot_data(_read_expr(expr), wrt, span, orders, point, taylor, SAMPLES * 2,
                         variables)
        write_plot(data, output, width or 800, height or 500)
        click.echo(f"hod: wrote {output}", err=True)
    else:
        columns = width or render_classroom.console_for().width
        data = plot_data(_read_expr(expr), wrt, span, orders, point, taylor,
                         4 * columns + 1, variables)
        _emit(lambda: render_classroom.render_plot(data, fmt, width=width, height=height))
    import numpy as np

    raise click.exceptions.Exit(EXIT_OK if np.isfinite(data.f_values).any()
                                else EXIT_NOT_DEFINED)


if __name__ == "__main__":
    main()
