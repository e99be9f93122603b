"""--at points as a source of the many-points path (for --format jsonl and --output)."""

from __future__ import annotations

import numpy as np


class AtPoints:
    """Points given one by one (:class:`hod.check.inputs.Point` s) as one chunk source."""

    def __init__(self, points):
        self.points = points
        names = []
        for p in points:
            names.extend(n for n in p if n not in names)
        self.columns = names
        self.skipped = 0
        self.first_bad = None
        self.size = len(points)

    def chunks(self, chunk_size):
        from ..check.inputs import check_points

        check_points(self.columns, self.points)
        for start in range(0, len(self.points), chunk_size):
            part = self.points[start:start + chunk_size]
            yield {n: np.array([p[n] for p in part], dtype=np.float64) for n in self.columns}
