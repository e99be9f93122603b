"""Taylor mode: truncated Taylor series propagated through the primitive table.

* :mod:`.series`: the series and their coefficient arithmetic (recurrences);
* :mod:`.rules`: one Taylor rule per primitive, in families (linear, from the derivative,
  polynomial in the output, explicit recurrences, piecewise, constant);
* :mod:`.propagate`: propagation through expression graphs and recorded tapes;
* :mod:`.mixed`: mixed partials from univariate directions and exact rational weights;
* :mod:`.api`: the Python API (:func:`derivative`, :func:`partial`, :func:`taylor`, ...).

>>> hod.derivative(lambda x: hod.exp(hod.sin(x)), 100)(0.5)
hod.Tensor(-1.87954471e+106, shape=(), dtype=float64)
"""

from .api import (
    Expansion, derivative, derivative_tensor, expand, graph_derivative_tensor, graph_partial,
    partial, taylor,
)
from .propagate import propagate
from .rules import apply_rule, constant_rule, from_derivative, linear, output_polynomial
from .series import Series

__all__ = [
    "Expansion", "Series", "apply_rule", "constant_rule", "derivative", "derivative_tensor",
    "expand", "from_derivative", "graph_derivative_tensor", "graph_partial", "linear",
    "output_polynomial", "partial", "propagate", "taylor",
]
