"""hod: higher-order derivatives on a numpy-backed tape, with TensorFlow's GradientTape API.

>>> import hod
>>> x, y = hod.Variable(5.0), hod.Variable(2.0)
>>> with hod.GradientTape() as tape:
...     z = 2 * x**3 + 5 * y**2 + 11 * x * y + 5
>>> [g.numpy() for g in tape.gradient(z, [x, y])]
[array(172.), array(75.)]

The package is layered; imports point down this list:

* :mod:`hod.errors`, :mod:`hod.text`: errors in library words; numbers as text;
* :mod:`hod.expr`: the expression language (syntax table, graph, parser, printer);
* :mod:`hod.engine`: tensors, primitives and the chain rule, tapes, forward mode;
* :mod:`hod.ops`: the primitive table's entries and derived operations;
* :mod:`hod.taylor_mode`: Taylor series, high-order derivatives and mixed partials;
* :mod:`hod.ball`: certified values and derivatives (ball arithmetic, adaptive precision);
* :mod:`hod.check` (with :mod:`hod.check.numeric`): hod's numbers beside their references;
* :mod:`hod.classroom`: views for teaching (trace, graph, critical points, plots);
* :mod:`hod.render`, :mod:`hod.cli`: formatting, and the ``hod`` command.
"""

from . import ops
from .check import Report
from .check import diff as check_diff
from .check import gradient as check_gradient
from .check import hessian as check_hessian
from .check import jacobian as check_jacobian
from .check import taylor as check_taylor
from .engine.custom import custom_gradient, stop_gradient
from .engine.forward import ForwardAccumulator
from .engine.functional import (
    grad, hessian, hvp, jacobian, jvp, nested_derivative, nested_partial, nested_steps,
    value_and_grad,
)
from .engine.recording import Node
from .engine.tape import GradientTape, UnconnectedGradients
from .engine.tensor import Tensor, Variable, constant, convert_to_tensor
from .errors import DomainError, HodError, HodWarning, NonDifferentiableError, ParseError, UsageError
from .ops import *  # noqa: F401,F403  (every public operation: hod.sin, hod.reduce_sum, ...)
from .taylor_mode import derivative, derivative_tensor, partial, taylor

__version__ = "0.1.0"

# Imported on first use (the command line starts faster without them): name -> module.
_LAZY = {
    "certify": ".ball", "Enclosure": ".ball",
    "critical_point": ".classroom.critical", "stationary_points": ".classroom.critical",
    "expression_graph": ".classroom.graph",
    "PlotData": ".classroom.plot", "plot_data": ".classroom.plot",
    "symbolic_derivative": ".classroom.symbolic", "symbolic_gradient": ".classroom.symbolic",
    "symbolic_hessian": ".classroom.symbolic",
    "Trace": ".classroom.trace", "trace": ".classroom.trace",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hod' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value

__all__ = [
    # tensors and tapes (TensorFlow's API)
    "Tensor", "Variable", "constant", "convert_to_tensor", "GradientTape", "ForwardAccumulator",
    "UnconnectedGradients", "Node", "stop_gradient", "custom_gradient",
    # functional transforms
    "grad", "value_and_grad", "jacobian", "hessian", "hvp", "jvp", "nested_derivative",
    "nested_partial", "nested_steps",
    # Taylor mode
    "derivative", "partial", "taylor", "derivative_tensor",
    # certified numbers (ball arithmetic)
    "certify", "Enclosure",
    # cross-checked derivatives at points (the command's library)
    "check_gradient", "check_hessian", "check_jacobian", "check_diff", "check_taylor", "Report",
    # classroom views
    "trace", "Trace", "critical_point", "stationary_points", "expression_graph",
    "symbolic_derivative", "symbolic_gradient", "symbolic_hessian", "plot_data", "PlotData",
    # errors
    "HodError", "UsageError", "ParseError", "DomainError", "NonDifferentiableError",
    "HodWarning",
    # operations (from the primitive table)
    *ops.OPERATIONS,
]
