"""hod's operations: the primitive table's entries and the operations derived from them.

* :mod:`.elementwise`: arithmetic, elementary and piecewise functions, comparisons;
* :mod:`.structural`: sums, reshapes, broadcasting, indexing, concatenation, matmul;
* :mod:`.derived`: plain functions of primitives (``mean``, ``norm``, ``logsumexp``, ...).

Every entry registered in :data:`TABLE` under a public name is exported by that name (adding a
primitive is one entry: its public name follows from it); structural entries are wrapped by a
function of the same name without the ``_p`` suffix.  Importing this package also makes the
operations reachable from the engine (see :mod:`hod.engine.registry`).
"""

from __future__ import annotations

from ..engine.primitive import MINUS_ONE, ONE, Primitive, Scaled, partial_value
from ..engine.registry import TABLE, register
from ..engine.tensor import convert
from . import derived, elementwise, structural
from .derived import (
    clip_by_norm, clip_by_value, language_functions, logsumexp, mean, norm, ones, ones_like,
    reduce_mean, reduce_sum, zeros, zeros_like,
)
from .elementwise import square, where
from .structural import (
    _advanced, _scatter_impl, _scatter_p, broadcast_to, concat, getitem, reshape, stack, sum,
    transpose,
)


_NOT_OPERATIONS = {"language_functions"}


def _public_names():
    names = {}
    for module in (elementwise, structural, derived):
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_"):
                continue
            if isinstance(obj, Primitive) and TABLE.get(name) is obj:
                names[name] = obj
            elif (callable(obj) and getattr(obj, "__module__", None) == module.__name__
                  and name not in _NOT_OPERATIONS):
                names[name] = obj
    return names


_PUBLIC = _public_names()
globals().update(_PUBLIC)

#: The public operations (every table entry with a public name, and the derived operations).
OPERATIONS = tuple(sorted(_PUBLIC))

register(**_PUBLIC, _scatter_p=_scatter_p, _scatter_impl=_scatter_impl, _advanced=_advanced)

__all__ = [*OPERATIONS]
