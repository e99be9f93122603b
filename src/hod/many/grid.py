"""``--grid x=a:b:n,y=c:d:m``: the Cartesian grid of evenly spaced values, by chunks.

Each axis is ``numpy.linspace(a, b, n)`` (a and b exactly, the values between a + i*step);
the first variable varies slowest, as in nested loops.  A chunk indexes into the axes, so
the grid is never held whole, and a point's values do not depend on the chunk size.
"""

from __future__ import annotations

import math

import numpy as np

from ..check.inputs import _number, parse_names, split_top_level
from ..errors import UsageError

# Points of a grid at most (its chunks are bounded; this bounds a mistyped n).
MAX_POINTS = 10 ** 12


class Grid:
    """The grid of ``spec`` (``"x=0:1:11,y=-1:1:3"``): ``columns``, ``size``, chunks."""

    def __init__(self, spec):
        self.axes = {}
        for item in split_top_level(spec):
            name, eq, rng = item.partition("=")
            name = name.strip()
            parts = split_top_level(rng, ":")
            if not eq or len(parts) != 3:
                raise UsageError(f"--grid {item.strip()}: expected NAME=START:STOP:COUNT, "
                                 "e.g. --grid x=0:1:11")
            parse_names([name], "points")
            if name in self.axes:
                raise UsageError(f"--grid: {name} is given twice")
            try:
                start, stop = _number(parts[0], name), _number(parts[1], name)
            except UsageError as e:
                raise UsageError(f"--grid {item.strip()}: START and STOP are finite numbers "
                                 "(or constants such as pi/2)") from e
            count = parts[2].strip()
            if not count.isdigit() or int(count) < 1:
                raise UsageError(f"--grid {item.strip()}: COUNT is a whole number of values, "
                                 "at least 1")
            n = int(count)
            self.axes[name] = np.linspace(start, stop, n) if n > 1 else np.array([start])
        self.columns = list(self.axes)
        self.size = math.prod(len(a) for a in self.axes.values())
        if self.size > MAX_POINTS:
            raise UsageError(f"--grid has {self.size:,} points, more than {MAX_POINTS:,}")
        self.skipped = 0
        self.rows = 0

    def chunks(self, chunk_size):
        shape = tuple(len(a) for a in self.axes.values())
        for start in range(0, self.size, chunk_size):
            idx = np.unravel_index(np.arange(start, min(start + chunk_size, self.size)), shape)
            self.rows += len(idx[0]) if idx else 0
            yield {name: axis[i] for (name, axis), i in zip(self.axes.items(), idx)}
