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

from ..engine.primitive import (  # noqa: F401  (the record and its markers, for table users)
    MINUS_ONE, ONE, Primitive, Scaled, partial_value,
)
from ..engine.registry import TABLE, register
from ..engine.tensor import convert  # noqa: F401
from . import derived, elementwise, structural
from .derived import language_functions  # noqa: F401
from .structural import _advanced, _scatter_impl, _scatter_p

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
