"""hod's expression language in one table: its operators, their precedence, and its constants.

The parser reads these tables, the printer writes from them, and every backend takes a
constant's value from here, so a spelling, a binding power or a constant is declared once.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class Operator(NamedTuple):
    """A binary operator: the primitive it builds, its binding power and associativity."""

    primitive: str
    power: int
    right: bool = False


#: Binary operators by spelling, with Python's precedence (``^`` is another spelling of ``**``).
OPERATORS = {
    "+": Operator("add", 10),
    "-": Operator("subtract", 10),
    "*": Operator("multiply", 20),
    "/": Operator("divide", 20),
    "**": Operator("power", 40, right=True),
    "^": Operator("power", 40, right=True),
}

#: Unary signs bind weaker than ``**`` and tighter than ``*`` and ``/`` (as in Python):
#: ``-x**2`` is ``-(x**2)`` and ``2**-1`` is allowed.
UNARY_POWER = 30

#: Binding power of an atom (number, name, call, parenthesised expression).
ATOM_POWER = 100

#: How the printer writes each operator primitive: name -> (spelling, binding power).
INFIX = {}
for _spelling, _op in OPERATORS.items():
    INFIX.setdefault(_op.primitive, (_spelling, _op.power))


class Constant(NamedTuple):
    """A named constant with its value on every backend."""

    name: str
    value: float  # the nearest binary64 number

    def sympy(self, sympy):
        return sympy.pi if self.name == "pi" else sympy.E

    def mpmath(self, mpmath):
        return +mpmath.pi if self.name == "pi" else +mpmath.e


#: Names that are constants unless declared as variables.
CONSTANTS = {
    "pi": Constant("pi", math.pi),
    "e": Constant("e", math.e),
    "E": Constant("E", math.e),
}
