"""``hod plot`` and :func:`hod.plot_data`: f and its derivatives over a range, by Taylor mode
at every sample at once; gaps where f is not defined, kinks, the tangent and the Taylor
polynomials; a character plot in the terminal, SVG/PNG/PDF through matplotlib (optional)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from cli_helpers import invoke

import hod
from hod.classroom.plot import nice_ticks, parse_range
from hod.render_classroom import plot_lines


# --- the library -------------------------------------------------------------------------

def test_plot_data_samples_f_and_its_derivatives_by_taylor_mode():
    p = hod.plot_data("sin(x)", range="x=-3:3", orders=[0, 1, 2], samples=61)
    assert [c.label for c in p.curves] == ["f", "f'", "f''"]
    assert p.x[0] == -3 and p.x[-1] == 3 and p.x.size == 61
    assert np.allclose(p.curves[0].y, np.sin(p.x))
    assert np.allclose(p.curves[1].y, np.cos(p.x))
    assert np.allclose(p.curves[2].y, -np.sin(p.x))
    assert p.kinks == [] and p.gaps == []


def test_gaps_where_f_is_not_defined_carry_to_the_derivatives():
    p = hod.plot_data("log(x)", range="x=-1:2", orders=[0, 1], samples=31)
    neg = p.x <= 0
    assert np.isnan(p.curves[0].y[neg]).all() and np.isnan(p.curves[1].y[neg]).all()
    assert np.isfinite(p.curves[1].y[~neg]).all()
    assert p.gaps == [(-1.0, float(p.x[neg][-1]))]


def test_a_kink_of_abs_is_found_between_samples_and_at_a_sample():
    between = hod.plot_data("abs(x - 0.25)", range="x=-1:2", orders=[0, 1], samples=40)
    assert [round(k.x, 12) for k in between.kinks] == [0.25]
    assert between.kinks[0].primitive in ("abs", None)
    at_sample = hod.plot_data("abs(x)", range="x=-1:1", orders=[0], samples=21)
    assert [(k.x, k.found_by, k.primitive) for k in at_sample.kinks] == \
        [(0.0, "taylor mode", "abs")]


def test_kinks_of_relu_and_maximum_and_none_for_smooth_or_discontinuous_functions():
    p = hod.plot_data("relu(x - 0.3) + maximum(x, 1 - x)", range="x=-1:2", samples=100)
    assert [round(k.x, 9) for k in p.kinks] == [0.3, 0.5]
    assert hod.plot_data("exp(x)*sin(3*x)", range="x=-2:2").kinks == []
    assert hod.plot_data("1/x", range="x=-1:1").kinks == []      # a pole, not a kink
    assert hod.plot_data("sign(x)", range="x=-1:1.3").kinks == []  # a jump of f itself


def test_tangent_and_taylor_polynomials_at_the_point():
    p = hod.plot_data("exp(x)", range="x=-1:1", at="x=0", taylor=3, samples=11)
    assert p.tangent is not None and np.allclose(p.tangent.y, 1 + p.x)
    assert [c.order for c in p.taylor] == [1, 2, 3]
    assert np.allclose(p.taylor[2].y, 1 + p.x + p.x**2 / 2 + p.x**3 / 6)
    assert p.taylor_coefficients == pytest.approx([1, 1, 0.5, 1 / 6])


def test_other_variables_are_fixed_by_at():
    p = hod.plot_data("x**2*y", wrt="x", range="x=-1:1", orders=[0, 1], at="y=3", samples=5)
    assert p.fixed == {"y": 3.0} and p.x0 is None and p.tangent is None
    assert np.allclose(p.curves[1].y, 6 * p.x)
    with pytest.raises(hod.UsageError, match="y"):
        hod.plot_data("x**2*y", wrt="x", range="x=-1:1")
    with pytest.raises(hod.UsageError, match="taylor"):
        hod.plot_data("x**2", range="x=-1:1", taylor=2)


def test_a_constant_and_a_tiny_range():
    p = hod.plot_data("3", range="x=0:1", orders=[0, 1], samples=5)
    assert p.curves[0].y.tolist() == [3.0] * 5 and p.curves[1].y.tolist() == [0.0] * 5
    out = plot_lines(hod.plot_data("x", range="x=0:1e-12"), 60, 10)
    assert any(line.startswith("1e-12 +") for line in out)


def test_range_and_ticks():
    assert parse_range("x=-1:2") == ("x", -1.0, 2.0)
    assert parse_range("t=0:pi") == ("t", 0.0, math.pi)
    with pytest.raises(hod.UsageError):
        parse_range("x=2:1")
    assert nice_ticks(-1.05, 2.1) == [-1.0, 0.0, 1.0, 2.0]
    assert nice_ticks(0.0, 0.3, 4) == [0.0, 0.1, 0.2, 0.3]


# --- the character plot ------------------------------------------------------------------

def x_axis(lines):
    """The index of the x axis line: ``+`` then dashes and ticks, then the variable."""
    import re

    return next(i for i, line in enumerate(lines) if re.fullmatch(r" +\+[-+]+ x", line))


def plot_text(*args, columns=80):
    r = invoke("plot", *args, env={"COLUMNS": str(columns)})
    assert r.exit_code == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("columns", [60, 80])
def test_the_plot_has_axes_tick_labels_and_a_legend_and_fits(columns):
    out = plot_text("sin(x)", "--range", "x=-3:3", "--orders", "0,1,2", columns=columns)
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines)
    assert lines[0].startswith("hod plot  sin(x)")
    # the y axis: tick labels right-aligned before '+', the rest '|'
    assert any(line.startswith(" 1 +") for line in lines)
    assert any(line.startswith("-1 +") for line in lines)
    axis = lines[x_axis(lines)]
    labels = lines[lines.index(axis) + 1].split()
    assert len(labels) >= 3 and set(labels) <= {"-3", "-2", "-1", "0", "1", "2", "3"}
    assert labels == sorted(labels, key=float) and "0" in labels
    assert "* f   o f'   + f''" in out
    body = "\n".join(lines[1:lines.index(axis)])
    for mark in "*o+":
        assert mark in body


def test_log_has_a_gap_and_the_legend_says_where():
    out = plot_text("log(x)", "--range", "x=-1:2", "--orders", "0,1")
    lines = out.splitlines()
    axis = x_axis(lines)
    # left of x = 0 (the dotted line) no curve is drawn
    for line in lines[1:axis]:
        plot = line[4:]
        zero = plot.find(":") if ":" in plot else plot.find("+")
        if zero > 0:
            assert set(plot[:zero]) <= {" ", "-"}, line
    assert "gaps: f is not defined (or not finite) at x = -1..-0." in out


def test_abs_has_a_kink_mark():
    out = plot_text("abs(x)", "--range", "x=-1:2", "--orders", "0,1")
    lines = out.splitlines()
    assert "K" in "\n".join(lines[1:x_axis(lines)])
    assert "K kink" in out and "kinks (f' jumps) at x = 0 (abs)" in out


def test_tangent_and_taylor_overlays():
    out = plot_text("exp(sin(x))", "--range", "x=-2:2", "--at", "x=0.5", "--taylor", "3")
    lines = out.splitlines()
    body = "\n".join(lines[1:x_axis(lines)])
    assert "/" in body and "2" in body and "3" in body and "@" in body
    assert "/ tangent at x = 0.5" in out
    assert "2 Taylor polynomial of order 2" in out and "3 Taylor polynomial of order 3" in out


def test_plot_lines_fit_a_narrow_width():
    p = hod.plot_data("x**3 - x", range="x=-2:2", orders=[0, 1, 2, 3, 4], at="x=1", taylor=2)
    for width in (40, 60, 80):
        assert all(len(line) <= width for line in plot_lines(p, width, 12))


def test_plot_json_and_csv_carry_the_samples():
    r = invoke("plot", "abs(x)", "--range", "x=-1:1", "--orders", "0,1", "--format", "json",
               "--width", "20")
    d = json.loads(r.stdout)
    assert d["wrt"] == "x" and d["range"] == [-1.0, 1.0]
    assert [c["label"] for c in d["curves"]] == ["f", "f'"]
    assert d["kinks"][0]["x"] == 0.0
    r = invoke("plot", "x**2", "--range", "x=0:1", "--format", "csv", "--width", "20")
    assert r.stdout.splitlines()[0] == "x,f"


def test_plot_exit_code_3_where_f_is_nowhere_defined():
    r = invoke("plot", "log(x)", "--range", "x=-2:-1")
    assert r.exit_code == 3


def test_plot_usage_errors_name_the_flags():
    r = invoke("plot", "x*y", "--range", "x=0:1")
    assert r.exit_code == 2 and "--at" in r.stderr
    r = invoke("plot", "x", "--range", "x=1:0")
    assert r.exit_code == 2 and "--range" in r.stderr
    r = invoke("plot", "x", "--range", "x=0:1", "--taylor", "2")
    assert r.exit_code == 2 and "--taylor" in r.stderr


# --- files through matplotlib (an optional extra) -----------------------------------------

def test_the_terminal_plot_does_not_import_matplotlib():
    code = ("import sys; from hod.cli import main; "
            "sys.argv = ['hod', 'plot', 'sin(x)', '--range', 'x=0:1', '--orders', '0,1'];\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
            "import hod; hod.plot_data('sin(x)', range='x=0:1')\n"
            "assert 'matplotlib' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={**__import__("os").environ, "COLUMNS": "60"})
    assert r.returncode == 0, r.stderr


def test_without_matplotlib_output_is_one_line_naming_the_extra(tmp_path):
    # a matplotlib that cannot be imported, whether or not it is installed
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "matplotlib").mkdir()
    (blocker / "matplotlib" / "__init__.py").write_text("raise ImportError('no matplotlib')")
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(blocker), *[p for p in sys.path if p]])}
    r = subprocess.run([sys.executable, "-m", "hod", "plot", "sin(x)", "--range", "x=0:1",
                        "--output", str(tmp_path / "p.svg")], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == \
        ['hod: error: writing a plot file needs matplotlib: pip install "hod[plot]"']


def test_svg_file_is_xml_with_paths(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.svg"
    r = invoke("plot", "abs(x)*sin(x)", "--range", "x=-2:2", "--orders", "0,1", "--at",
               "x=1", "--taylor", "2", "--output", str(out))
    assert r.exit_code == 0, r.stderr
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    paths = [e for e in root.iter() if e.tag.endswith("path")]
    assert len(paths) > 10


@pytest.mark.parametrize("ext, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF")])
def test_png_and_pdf_files(tmp_path, ext, magic):
    pytest.importorskip("matplotlib")
    out = tmp_path / f"plot.{ext}"
    r = invoke("plot", "x**2", "--range", "x=-1:1", "--output", str(out), "--width", "300",
               "--height", "200")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes().startswith(magic)


def test_output_must_be_svg_png_or_pdf(tmp_path):
    r = invoke("plot", "x**2", "--range", "x=-1:1", "--output", str(tmp_path / "p.txt"))
    assert r.exit_code == 2 and "--output must end in .svg, .png or .pdf" in r.stderr
