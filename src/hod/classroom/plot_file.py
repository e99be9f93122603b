"""Plots as files (SVG, PNG, PDF) through matplotlib, the optional extra ``hod[plot]``.

matplotlib is imported only here, and only when a file is written: ``hod plot`` in the
terminal and :func:`hod.plot_data` never load it.  The figure is drawn without pyplot (a
:class:`matplotlib.figure.Figure` saved directly), so no GUI backend or global state is
touched.
"""

from __future__ import annotations

import math
import os

import numpy as np

from ..errors import UsageError
from .plot import y_limits

#: The file formats, by extension.
FILE_FORMATS = ("svg", "png", "pdf")
DPI = 100
MISSING = 'writing a plot file needs matplotlib: pip install "hod[plot]"'


class MissingExtra(UsageError):
    """matplotlib (the extra ``hod[plot]``) is not installed."""


def write_plot(data, path, width=800, height=500):
    """Write ``data`` (a :class:`hod.classroom.plot.PlotData`) to ``path``: SVG, PNG or PDF
    by its extension, ``width`` x ``height`` pixels at 100 dpi.  Returns the path."""
    ext = os.path.splitext(str(path))[1].lower().lstrip(".")
    if ext not in FILE_FORMATS:
        raise UsageError("{plot_output} must end in .svg, .png or .pdf, got {path}",
                         param="plot_output", path=str(path))
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise MissingExtra(MISSING) from None

    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    ax = fig.add_subplot()
    x = data.x
    for c in data.taylor:
        if data.tangent is not None and c.order == 1:
            continue
        ax.plot(x, c.y, linestyle=":", linewidth=1.2, label=f"Taylor polynomial, order "
                                                           f"{c.order}")
    if data.tangent is not None:
        ax.plot(x, data.tangent.y, linestyle="--", linewidth=1.2, color="0.4",
                label=data.tangent.label)
    for c in data.curves:
        y = np.array(c.y, dtype=float)
        if c.order > 0:  # a derivative is not joined across a kink
            for k in data.kinks:
                y[np.argmin(np.abs(x - k.x))] = math.nan
        ax.plot(x, y, linewidth=2 if c.order == 0 else 1.5, label=c.label, zorder=3)
    lowest = data.curves[0].order if data.curves else 0
    if data.kinks:
        ax.plot([k.x for k in data.kinks], [k.values.get(lowest, math.nan) for k in data.kinks],
                "o", mfc="none", color="crimson", markersize=8, label="kink", zorder=4)
    if data.x0 is not None and data.taylor_coefficients and lowest == 0 \
            and math.isfinite(data.taylor_coefficients[0]):
        ax.plot([data.x0], [data.taylor_coefficients[0]], "ko", markersize=5, zorder=5,
                label=f"{data.wrt} = {data.x0:g}")
    ylo, yhi = y_limits(data)
    ax.set_ylim(ylo, yhi)
    ax.set_xlim(*data.range)
    ax.axhline(0, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xlabel(data.wrt)
    title = data.expression
    if data.fixed:
        title += "  (" + ", ".join(f"{k} = {v:g}" for k, v in data.fixed.items()) + ")"
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    fig.tight_layout()
    fig.savefig(str(path), format=ext)
    return path
