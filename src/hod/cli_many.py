"""The many-points options of ``hod grad/hessian/diff/jacobian/taylor``: --points, --grid,
--on-bad-row, --certify, --engine, --scheduler, --output, --chunk-size (and --format jsonl).

:func:`many_points` wraps a command: when points come from a file or a grid (or the output
is JSON Lines or a file), the command runs :mod:`hod.many` instead of its one-report path.
Nothing here imports polars, pyarrow or Dask until then: the one-point path stays as fast to
start as before (tested).
"""

from __future__ import annotations

import functools
import os
import sys
import time

import click

from .errors import UsageError

#: Formats of the many-points path (the table is a summary).
MANY_FORMATS = ("table", "csv", "jsonl")
#: --output's formats, by the file's extension.
OUTPUT_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}

_OPTIONS = ("points_file", "grid", "on_bad_row", "certify", "engine", "scheduler", "output",
            "chunk_size")


def many_points(kind):
    """The option bundle and the switch to the many-points path, for command ``kind``."""

    def deco(f):
        @functools.wraps(f)
        def wrapper(*args, **kw):
            many = {k: kw.pop(k) for k in _OPTIONS}
            if many["points_file"] is None and many["grid"] is None \
                    and kw["fmt"] != "jsonl" and many["output"] is None:
                given = [k for k in ("certify", "engine", "scheduler", "chunk_size")
                         if many[k] is not None]
                if given or many["on_bad_row"] != "fail":
                    flag = "--" + (given[0] if given else "on_bad_row").replace("_", "-")
                    raise UsageError(f"{flag} goes with --points FILE or --grid")
                return f(*args, **kw)
            return run_many(kind, **many, **kw)

        for opt in reversed(_options()):
            wrapper = opt(wrapper)
        return wrapper

    return deco


def _options():
    return [
        click.option("--points", "points_file", metavar="FILE",
                     help="Many points from a file: CSV (a header row names the variables), "
                          "JSON Lines (one object per line) or Parquet; - reads CSV or JSON "
                          "Lines from standard input. An --at gives the other variables."),
        click.option("--grid", metavar="X=A:B:N,...",
                     help="Many points: the Cartesian grid of N evenly spaced values from A "
                          "to B per variable (the first varies slowest)."),
        click.option("--on-bad-row", type=click.Choice(["fail", "skip"]), default="fail",
                     show_default=True,
                     help="A row that is not a point (a value that is not a finite number, "
                          "a missing field): stop with its file, line and column, or skip it "
                          "(the count goes to stderr)."),
        click.option("--certify", metavar="N|all", default=None,
                     help="With --points/--grid: the certified engine checks the first N "
                          "points (default 3) and every point where SymPy disagrees; all "
                          "checks every point (slower: ~0.2-50 ms a point)."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default=None,
                     help="dask (pip install 'hod[dask]'): run the chunks over a Dask "
                          "dataframe of --points (a CSV or Parquet glob), one output file per "
                          "partition: --output 'out/part-*.csv' (* is its number)."),
        click.option("--scheduler", metavar="ADDRESS", default=None,
                     help="With --engine dask: the Dask scheduler (default: a local cluster "
                          "of two worker processes)."),
        click.option("--output", "output", metavar="FILE", default=None,
                     help="Write the rows to FILE (.csv, .jsonl or .parquet) and the summary "
                          "table to stdout."),
        click.option("--chunk-size", type=click.IntRange(1, 10 ** 8), default=None,
                     metavar="ROWS",
                     help="Points computed and written at a time (default 131072)."),
    ]


def _certify(text):
    from .many.run import CERTIFY

    if text is None:
        return CERTIFY
    if text.strip().lower() == "all":
        return None
    if not text.strip().isdigit():
        raise UsageError("--certify is a whole number of points, or all")
    return int(text)


def _settings(check, no_check, rtol, atol, timeout, certify):
    from .check import references_asked
    from .check.inputs import tolerances
    from .many.run import Settings

    rtol, atol, timeout = tolerances(rtol, atol, timeout)
    refs = references_asked(False if no_check else check)
    return Settings(refs, rtol, atol, _certify(certify), timeout)


def _source(points_file, grid, points, on_bad_row):
    """The source of points and the fixed values (one --at)."""
    from .check.inputs import parse_point

    if points_file is not None and grid is not None:
        raise UsageError("give one of --points FILE and --grid")
    if len(points) > 1 and (points_file is not None or grid is not None):
        raise UsageError("with --points or --grid, one --at gives the other variables' values")
    fixed = dict(parse_point(points[0])) if points else {}
    if grid is not None:
        from .many.grid import Grid

        return Grid(grid), fixed
    if points_file is not None:
        from .many import io

        return io.open_points(points_file, on_bad_row), fixed
    # --format jsonl (or --output) with --at points alone
    from .many.atpoints import AtPoints

    return AtPoints([parse_point(p) for p in points]), {}


def _writer(fmt, output):
    from .many import io

    if output is None:
        if fmt == "table":
            return None, "table"
        if fmt not in MANY_FORMATS:
            raise UsageError(f"--format {fmt} is for a few points; with many use table, csv "
                             "or jsonl (or --output FILE.parquet)")
        stream = sys.stdout.buffer
        return (io.CsvWriter(stream) if fmt == "csv" else io.JsonlWriter(stream)), None
    ext = os.path.splitext(output)[1].lower()
    kind = OUTPUT_FORMATS.get(ext)
    if kind is None:
        raise UsageError(f"--output {output}: name a .csv, .jsonl or .parquet file")
    if fmt not in ("table",):
        raise UsageError("--output writes the rows to the file; --format is then table "
                         "(the summary on stdout)")
    if kind == "parquet":
        return io.ParquetWriter(output), "table"
    stream = open(output, "wb")  # noqa: SIM115 - closed with the writer
    w = io.CsvWriter(stream) if kind == "csv" else io.JsonlWriter(stream)
    w.close = stream.close
    return w, "table"


class Progress:
    """A progress bar on stderr, only on a terminal and only once a run passes a second."""

    def __init__(self, total=None):
        self.total = total
        self.start = time.perf_counter()
        self.bar = None
        self.task = None
        self.on = sys.stderr.isatty() and not os.environ.get("HOD_NO_PROGRESS")

    def __call__(self, rows):
        if not self.on:
            return
        if self.bar is None:
            if time.perf_counter() - self.start < 1.0:
                return
            from rich.console import Console
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar,
                                       TextColumn, TimeElapsedColumn)

            self.bar = Bar(TextColumn("points"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn(), console=Console(stderr=True), transient=True)
            self.bar.start()
            self.task = self.bar.add_task("points", total=self.total)
        self.bar.update(self.task, completed=rows)

    def close(self):
        if self.bar is not None:
            self.bar.stop()


def run_many(kind, *, expr, points, variables, fmt, check, no_check, digits, rtol, atol,
             timeout, points_file, grid, on_bad_row, certify, engine, scheduler, output,
             chunk_size, wrt=None, order=None):
    """The many-points path of a command (see :mod:`hod.many`)."""
    from .cli_input import read_expr
    from .many import compute
    from .many.run import CHUNK_SIZE, run

    if digits is not None:
        raise UsageError("--digits is for a few points; with --points or --grid the "
                         "certified engine checks --certify N points")
    text = read_expr(expr, lines_are_functions=kind == "jacobian") \
        if expr != "-" or points_file != "-" else None
    if text is None:
        raise UsageError("--points - reads the points from standard input: give EXPR as an "
                         "argument")
    settings = _settings(check, no_check, rtol, atol, timeout, certify)
    if engine == "dask":
        from .many import dask as hod_dask

        if fmt != "table":
            raise UsageError("--engine dask writes the rows to --output; --format is then "
                             "table (the summary on stdout)")
        summary = hod_dask.run_cli(kind, text, variables, wrt, order, settings, points_file,
                                   points, output, scheduler, chunk_size, on_bad_row)
        return _close(summary, "table")
    if scheduler is not None:
        raise UsageError("--scheduler goes with --engine dask")
    source, fixed = _source(points_file, grid, points, on_bad_row)
    plan = compute.plan(kind, text, variables, wrt, order,
                        columns=list(source.columns) + list(fixed))
    writer, table = _writer(fmt, output)
    progress = Progress(getattr(source, "size", None))
    try:
        summary = run(plan, source, writer, settings, fixed, chunk_size or CHUNK_SIZE,
                      progress)
    except BrokenPipeError:
        import contextlib

        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise click.exceptions.Exit(0) from None
    finally:
        progress.close()
    return _close(summary, table)


def _close(summary, table):
    if summary.skipped:
        click.echo(f"hod: skipped {summary.skipped:,} bad row{'s' * (summary.skipped != 1)} "
                   f"(the first: {summary.first_bad})", err=True)
    if summary.unsupported:
        click.echo(f"hod: warning: the symbolic check is not available over many points: "
                   f"{summary.unsupported} has no hod counterpart", err=True)
    if table == "table":
        from .render_many import render_summary

        render_summary(summary)
    raise click.exceptions.Exit(summary.exit_code)
