"""Certified numbers: ball arithmetic through the primitive table, at adaptive precision.

Every value is an Arb ball (python-flint) that provably contains the true value; derivatives
come from power series with ball coefficients, propagated through the same primitive table as
every other engine (each entry's ``ball=`` counterpart).  The working precision doubles until
each answer is narrow enough for the digits asked, or a budget runs out.

The package is layered; imports point down this list:

* :mod:`.numbers`: python-flint (imported on first use), working precision, exact numbers;
* :mod:`.counterparts`: the table's ball counterparts (the ``ball=`` calling convention);
* :mod:`.rules`: the dispatcher, and failures (domain edges, kinks) in hod's words;
* :mod:`.propagate`: balls through expression graphs and recorded tapes;
* :mod:`.points`: exact points (decimal literals, constant expressions such as ``pi/2``);
* :mod:`.derivatives`: values and derivatives at one precision, from series along directions;
* :mod:`.precision`: the adaptive precision loop;
* :mod:`.enclosure`: the certified result type;
* :mod:`.api`: :func:`certify`.
"""

from .api import certify
from .enclosure import Enclosure
from .points import Point, exact_point

__all__ = ["certify", "Enclosure", "Point", "exact_point"]
