"""The primitive table and the engine's late-bound view of hod's operations.

The engine (tensors, recording, the chain rule, tapes) must call hod operations: a tape that
records a gradient computation records ``multiply`` and ``add``, so that an outer tape can
differentiate it again.  The operations themselves are declared above the engine, in
:mod:`hod.ops`, on top of the engine's :class:`~hod.engine.primitive.Primitive`.  Instead of
importing :mod:`hod.ops` (an import circle), engine code calls ``ops.multiply(...)`` on the
:data:`ops` namespace below, whose attributes are the operations; :mod:`hod.ops`
registers every operation at import, and ``import hod`` imports it.

This module imports nothing of hod's, so every engine file can import it.
"""

from __future__ import annotations

#: Every primitive, by name (filled by :func:`hod.engine.primitive.primitive`).
TABLE: dict = {}

#: Every operation and engine helper registered by :mod:`hod.ops`, by name.
OPERATIONS: dict = {}


def register(**functions):
    """Make ``functions`` (name -> callable) reachable as ``ops.<name>`` from the engine."""
    OPERATIONS.update(functions)
    ops.__dict__.update(functions)


class _Operations:
    """The registered operations as attributes (set by :func:`register`): an attribute lookup
    as cheap as a module's, made on every recorded operation."""

    def __getattr__(self, name):  # only reached for a name that was never registered
        raise AttributeError(f"hod operation {name!r} is not registered (is hod.ops "
                             f"imported?)")


ops = _Operations()
