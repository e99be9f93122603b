"""Views for teaching: what hod computes, shown the way textbooks draw it.

* :mod:`.trace`: the evaluation trace (Wengert list) with values, tangents and adjoints,
  read from hod's own tape and forward mode;
* :mod:`.graph`: the expression graph as a tree or as Graphviz DOT;
* :mod:`.linalg`: eigenvalues of symmetric matrices by Jacobi rotations (the same digits on
  every CPU) and what they say about a Hessian;
* :mod:`.critical`: stationary points by Newton's method on the gradient, classified;
* :mod:`.symbolic`: derivatives as formulas (SymPy, imported only here);
* :mod:`.plot`: a function and its derivatives over a range, as terminal text or a file.

Nothing here formats for output; :mod:`hod.render_classroom` does.
"""

from __future__ import annotations
