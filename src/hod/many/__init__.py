"""Derivatives at many points: files in, files out, by chunks, vectorised.

* :mod:`.compute`: the chunk function (every point of a chunk through the tape or Taylor
  mode at once, elementwise);
* :mod:`.symbolic`: SymPy's derivatives as hod graphs (the symbolic check at speed);
* :mod:`.io`: readers and writers of CSV, JSON Lines and Parquet by chunks (polars, pyarrow);
* :mod:`.grid`: ``--grid`` points; :mod:`.atpoints`: ``--at`` points as a source;
* :mod:`.run`: the streaming driver (chunk -> compute -> checks -> write);
* :mod:`.dask`: the same chunk function over a Dask dataframe (``hod[dask]``).

From Python, :func:`derivatives` gives hod's numbers at arrays of points:

>>> import numpy as np
>>> from hod.many import derivatives
>>> d = derivatives("grad", "x**2 * y", {"x": np.array([1.0, 2.0, 3.0]), "y": 2.0})
>>> d["df/dx"].tolist(), d["df/dy"].tolist()
([4.0, 8.0, 12.0], [1.0, 4.0, 9.0])

The engine's own functions are elementwise too: ``hod.grad(f)(array)`` and
``hod.derivative(f, n)(array)`` give the derivative at every element at once.
"""

from __future__ import annotations

import numpy as np


def derivatives(kind, expr, points, variables=None, *, wrt=None, order=None):
    """hod's numbers of ``kind`` (``grad``, ``hessian``, ``diff``, ``jacobian``, ``taylor``)
    at every point of ``points`` (name -> array of values, or a number shared by all), as a
    dict column label -> float64 array, in one vectorised pass (no check)."""
    from .compute import plan, values

    arrays = {k: np.atleast_1d(np.asarray(v, dtype=np.float64)) for k, v in points.items()}
    n = max(len(a) for a in arrays.values()) if arrays else 1
    arrays = {k: np.broadcast_to(a, (n,)) for k, a in arrays.items()}
    p = plan(kind, expr, variables, wrt, order, columns=list(arrays))
    return dict(zip(p.labels, values(p, arrays)))


__all__ = ["derivatives"]
