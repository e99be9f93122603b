"""Function transformations on top of the tapes: grad, jacobian, hessian, hvp, jvp, derivative.

Each takes a Python function of hod tensors and returns a function (or a value, for ``jvp``
and ``hvp``).  They nest: ``grad(grad(f))`` is the second derivative, because each gradient is
computed while the outer transformation's tape records.
"""

from __future__ import annotations

import contextlib

from .forward import ForwardAccumulator
from .tape import GradientTape
from .tensor import convert


def _args_and_nums(args, argnums):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    for i in nums:
        args[i] = convert(args[i])
    return args, nums


def value_and_grad(f, argnums=0):
    """Like :func:`grad`, but the function returns ``(f(*args), gradient)``."""

    def vg(*args):
        args, nums = _args_and_nums(args, argnums)
        with GradientTape() as tape:
            for i in nums:
                tape.watch(args[i])
            y = convert(f(*args))
        g = tape.gradient(y, [args[i] for i in nums], unconnected_gradients="zero")
        return y, (g[0] if isinstance(argnums, int) else tuple(g))

    return vg


def grad(f, argnums=0):
    """The gradient of ``f`` with respect to argument ``argnums`` (an int or a tuple).

    For a non-scalar ``f`` this is the gradient of ``sum(f)``, which for an elementwise ``f`` is
    the elementwise derivative.

    >>> hod.grad(lambda x: x ** 3)(3.0).numpy()
    array(27.)
    >>> hod.grad(hod.grad(lambda x: x ** 3))(3.0).numpy()
    array(18.)
    """

    def g(*args):
        return value_and_grad(f, argnums)(*args)[1]

    return g


def value_and_jacobian(f, argnums=0):
    """Like :func:`jacobian`, but the function returns ``(f(*args), Jacobian)``."""

    def vj(*args):
        args, nums = _args_and_nums(args, argnums)
        with GradientTape() as tape:
            for i in nums:
                tape.watch(args[i])
            y = convert(f(*args))
        srcs = [args[i] for i in nums]
        out = tape.jacobian(y, srcs, unconnected_gradients="zero")
        return y, (out[0] if isinstance(argnums, int) else tuple(out))

    return vj


def jacobian(f, argnums=0):
    """The Jacobian of ``f``: shape f(x).shape + x.shape, in one vectorised backward pass."""

    def j(*args):
        return value_and_jacobian(f, argnums)(*args)[1]

    return j


def value_grad_and_hessian(f):
    """Like :func:`hessian`, but the function returns ``(f(x), gradient, Hessian)``.

    >>> y, g, h = value_grad_and_hessian(lambda v: v[0] ** 2 * v[1])([3.0, 2.0])
    >>> float(y), g.numpy().tolist(), h.numpy().tolist()
    (18.0, [12.0, 9.0], [[4.0, 6.0], [6.0, 0.0]])
    """

    def vgh(x):
        x = convert(x)
        with GradientTape() as outer:
            outer.watch(x)
            with GradientTape() as inner:
                inner.watch(x)
                y = convert(f(x))
            g = inner.gradient(y, x, unconnected_gradients="zero")
        return y, g, outer.jacobian(g, x, unconnected_gradients="zero")

    return vgh


def hessian(f):
    """The Hessian of a scalar ``f`` of one tensor: shape x.shape + x.shape.

    It is ``jacobian(grad(f))``: the gradient computation is recorded by an outer tape, whose
    Jacobian is then taken with all rows at once.

    >>> hod.hessian(lambda v: 2*v[0]**3 + 5*v[1]**2 + 11*v[0]*v[1] + 5)([5.0, 2.0]).numpy()
    array([[60., 11.],
           [11., 10.]])
    """

    def h(x):
        return value_grad_and_hessian(f)(x)[2]

    return h


def jvp(f, primals, tangents):
    """Forward mode: ``(f(*primals), J·tangents)`` without forming J.

    >>> y, dy = hod.jvp(lambda x: x ** 3, (2.0,), (1.0,))
    >>> float(dy)
    12.0
    """
    single = not isinstance(primals, (list, tuple))
    ps = [convert(p) for p in ([primals] if single else primals)]
    ts = [convert(t) for t in ([tangents] if single else tangents)]
    with ForwardAccumulator(ps, ts) as acc:
        y = f(*ps)
    return y, acc.jvp(y, unconnected_gradients="zero")


def hvp(f, x, v):
    """The Hessian-vector product H(x)·v of a scalar ``f``, by forward-over-reverse mode.

    Costs a small multiple of one gradient; the Hessian is never formed.

    >>> hod.hvp(lambda x: hod.sum(x ** 3), [1.0, 2.0], [1.0, 0.0]).numpy()
    array([6., 0.])
    """
    x, v = convert(x), convert(v)
    with ForwardAccumulator(x, v) as acc:
        with GradientTape() as tape:
            tape.watch(x)
            y = convert(f(x))
        g = tape.gradient(y, x, unconnected_gradients="zero")
    return acc.jvp(g, unconnected_gradients="zero")


def nested_steps(f, xs, wrt):
    """``f(*xs)``, then its derivative by ``xs[wrt[0]]``, then that by ``xs[wrt[1]]``, ...:
    one nested tape per differentiation, each gradient recorded by the tapes outside it.

    A generator, so that a caller can time or stop the steps (the cost of each grows about
    geometrically with the order); the tapes record while it is suspended.

    >>> [float(v) for v in hod.nested_steps(lambda x, y: x**3 * y**2, (2.0, 1.0), [0, 1, 1])]
    [8.0, 12.0, 24.0, 24.0]
    """
    xs = [convert(x) for x in xs]
    with contextlib.ExitStack() as stack:
        tapes = [stack.enter_context(GradientTape()) for _ in wrt]
        for t in tapes:
            t.watch(xs)
        y = convert(f(*xs))
        yield y
        for t, i in zip(reversed(tapes), wrt):
            y = t.gradient(y, xs[i], unconnected_gradients="zero")
            yield y


def nested_partial(f, wrt):
    """The mixed partial of ``f(*args)`` by ``args[wrt[0]]``, ``args[wrt[1]]``, ... (one
    index per differentiation) by nested tapes.

    >>> float(hod.nested_partial(lambda x, y: x**3 * y**2, [0, 1, 1])(2.0, 1.0))
    24.0
    """
    wrt = list(wrt)

    def d(*args):
        *_, y = nested_steps(f, args, wrt)
        return y

    return d


def nested_derivative(f, n):
    """The ``n``-th derivative of a scalar function by ``n`` nested tapes (cost grows
    exponentially with ``n`` for most functions; :func:`hod.derivative` uses Taylor mode)."""
    if n < 0:
        raise ValueError("the order of a derivative must be >= 0")
    return nested_partial(f, [0] * n)
