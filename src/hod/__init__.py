"""hod: higher-order derivatives on a numpy-backed tape, with TensorFlow's GradientTape API.

>>> import hod
>>> x, y = hod.Variable(5.0), hod.Variable(2.0)
>>> with hod.GradientTape() as tape:
...     z = 2 * x**3 + 5 * y**2 + 11 * x * y + 5
>>> [g.numpy() for g in tape.gradient(z, [x, y])]
[array(172.), array(75.)]
"""

from .errors import DomainError, HodError, HodWarning, NonDifferentiableError, ParseError, UsageError
from .functional import (
    grad, hessian, hvp, jacobian, jvp, nested_derivative, nested_partial, nested_steps,
    value_and_grad,
)
from .ops import (
    TABLE, abs, acos, acosh, add, asin, asinh, atan, atan2, atanh, broadcast_to, clip_by_norm,
    clip_by_value, concat, cos, cosh, divide, equal, exp, expm1, getitem, greater,
    greater_equal, less, less_equal, log, log1p, logsumexp, matmul, maximum, mean, minimum,
    multiply, negative, norm, not_equal, ones, ones_like, power, reduce_mean, reduce_sum, relu,
    reshape, sigmoid, sign, sin, sinh, softplus, sqrt, square, stack, subtract, sum, tan, tanh,
    transpose, where, zeros, zeros_like,
)
from .tape import ForwardAccumulator, GradientTape, Node, UnconnectedGradients, custom_gradient, stop_gradient
from .tensor import Tensor, Variable, constant, convert_to_tensor

__version__ = "0.1.0"


# --- derivatives at points, cross-checked against SymPy (the ``hod`` command's library) ------
from . import compare  # noqa: E402
from .compare import Report  # noqa: E402
from .compare import diff as check_diff  # noqa: E402
from .compare import gradient as check_gradient  # noqa: E402
from .compare import hessian as check_hessian  # noqa: E402
from .compare import jacobian as check_jacobian  # noqa: E402
from .compare import taylor as check_taylor  # noqa: E402


# --- Taylor mode: derivatives of high order and mixed partials (hod.taylor) ------------------
from . import taylor as taylor_mode  # noqa: E402
from .taylor import derivative, derivative_tensor, partial, taylor  # noqa: E402
