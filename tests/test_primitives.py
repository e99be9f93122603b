"""The primitive table, entry by entry.

* Every entry is complete: a numpy forward, a derivative rule, a SymPy counterpart (or a
  generic numpy forward that also runs on SymPy objects) and a test domain.
* Every elementwise primitive: first, second and third derivatives (reverse mode by nested
  tapes, forward mode, forward-over-reverse and forward-over-forward) agree with SymPy's
  derivatives and with central differences of the derivative one order lower, at random
  points of its domain, for scalars and for broadcast arrays.
* Every structural primitive: Jacobians (vectorised), gradients, forward-mode products and
  second derivatives agree with finite differences and with each other (<J v, w> = <v, J^T w>).
* The derived operations, and the conventions at kinks.
"""

from __future__ import annotations

import functools
import itertools
import warnings

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hod
from hod import ops
from hod.ops import TABLE

# ------------------------------------------------------------------------------------------
# helpers

# examples per hypothesis test, scaled from the profile's default (see conftest.py): scalar
# checks are cheap, array checks evaluate SymPy at every element
EXAMPLES = settings.default.max_examples
SCALAR_EXAMPLES = settings(max_examples=3 * EXAMPLES)
ARRAY_EXAMPLES = settings(max_examples=max(2, EXAMPLES // 3))
STRUCTURAL_EXAMPLES = settings(max_examples=max(2, EXAMPLES // 5))

RTOL_SYMPY = 1e-8
ATOL_SYMPY = 1e-10
RTOL_FD = 1e-6


def value(t):
    """A tensor's (or None's, as 0) value as a float64 array."""
    return np.zeros(()) if t is None else np.asarray(t.numpy() if isinstance(t, hod.Tensor) else t,
                                                     dtype=np.float64)


def central_difference(fn, x, h):
    """The derivative of ``fn`` at ``x`` by the fourth-order central stencil."""
    return (-fn(x + 2 * h) + 8 * fn(x + h) - 8 * fn(x - h) + fn(x - 2 * h)) / (12 * h)


def step_for(x):
    return 1e-3 * max(1.0, abs(float(x)))


def nested_tape_derivative(f, point, seq):
    """d^k f / d x[seq[0]] ... d x[seq[-1]] at ``point`` by ``len(seq)`` nested tapes."""
    return hod.nested_partial(f, seq)(*point)


def forward_over_reverse(f, point, i, j):
    """d/dx_j (d f/dx_i): a tape inside a forward accumulator."""
    xs = [hod.constant(v) for v in point]
    with hod.ForwardAccumulator(xs[j], hod.ones_like(xs[j])) as acc:
        with hod.GradientTape() as tape:
            tape.watch(xs[i])
            y = f(*xs)
        g = tape.gradient(y, xs[i], unconnected_gradients="zero")
    return acc.jvp(g, unconnected_gradients="zero")


def forward_over_forward(f, point, i, j):
    """d/dx_j (d f/dx_i): nested forward accumulators."""
    xs = [hod.constant(v) for v in point]
    with hod.ForwardAccumulator(xs[j], hod.ones_like(xs[j])) as outer:
        with hod.ForwardAccumulator(xs[i], hod.ones_like(xs[i])) as inner:
            y = f(*xs)
        dy = inner.jvp(y, unconnected_gradients="zero")
    return outer.jvp(dy, unconnected_gradients="zero")


@functools.lru_cache(maxsize=None)
def sympy_derivative(name, counts):
    """SymPy's partial derivative of primitive ``name``: ``counts[i]`` times in argument i."""
    prim = TABLE[name]
    symbols = sympy.symbols(f"a0:{prim.nargs}", real=True)
    expr = prim.sym(sympy, *symbols)
    for s, k in zip(symbols, counts):
        if k:
            expr = sympy.diff(expr, s, k)
    return symbols, expr


def sympy_value(name, seq, point):
    """The SymPy derivative of ``name`` in the order ``seq`` evaluated at ``point``."""
    nargs = TABLE[name].nargs
    counts = tuple(seq.count(i) for i in range(nargs))
    symbols, expr = sympy_derivative(name, counts)
    subs = {s: sympy.Float(float(v), 30) for s, v in zip(symbols, point)}
    return float(expr.evalf(30, subs=subs))


def sequences(nargs, order):
    """Every ordered choice of arguments to differentiate ``order`` times."""
    return list(itertools.product(range(nargs), repeat=order))


# ------------------------------------------------------------------------------------------
# the table is complete

ISSUE_API = ("sin cos tan asin acos atan atan2 sinh cosh tanh asinh acosh atanh exp expm1 log "
             "log1p sqrt abs sign square sigmoid softplus relu maximum minimum where sum mean "
             "reshape transpose concat stack matmul norm clip_by_value clip_by_norm logsumexp")

# For each generic (structural) primitive: input shapes and parameters of one call, used to
# show that its numpy forward also runs on object arrays of SymPy symbols.
GENERIC_EXAMPLES = {
    "sum": ([(2, 3)], dict(axis=(1,), keepdims=False)),
    "reshape": ([(2, 3)], dict(shape=(3, 2))),
    "broadcast_to": ([(3, 1)], dict(shape=(2, 3, 4))),
    "transpose": ([(2, 3, 4)], dict(axes=(2, 0, 1))),
    "getitem": ([(3, 4)], dict(index=(np.array([0, 2, 0]), slice(1, None)))),
    "scatter": ([(3,)], dict(index=(np.array([0, 2, 0]),), shape=(4,), nb=0)),
    "concat": ([(2, 1), (2, 3)], dict(axis=-1)),
    "matmul": ([(2, 3), (3, 2)], {}),
}

ELEMENTWISE = sorted(
    name for name, p in TABLE.items()
    if p.partials is not None and p.sym is not None and p.differentiable
    and p.domain is not None and all(d is not None for d in p.domain))
UNARY = [n for n in ELEMENTWISE if TABLE[n].nargs == 1]
BINARY = [n for n in ELEMENTWISE if TABLE[n].nargs == 2]


def test_table_has_the_issue_primitives_and_public_functions():
    assert len(TABLE) >= 40
    for name in ISSUE_API.split():
        assert callable(getattr(hod, name)), f"hod.{name} is missing"
    # what stays derived is not in the table
    for name in ("square", "mean", "norm", "clip_by_value", "clip_by_norm", "logsumexp", "stack"):
        assert name not in TABLE


def test_elementwise_primitives_are_found():
    assert {"sin", "exp", "log", "power", "atan2", "maximum", "relu"} <= set(ELEMENTWISE)
    assert len(UNARY) >= 20 and len(BINARY) >= 7


def _incomplete(prim):
    missing = []
    if not callable(prim.impl):
        missing.append("a numpy forward (impl)")
    if prim.partials is None and (prim._jvp is None or prim._vjp is None):
        missing.append("a derivative rule (partials, or both jvp and vjp)")
    if prim.partials is not None and prim.nargs is not None and len(prim.partials) != prim.nargs:
        missing.append(f"one partial per argument ({prim.nargs})")
    if prim.sym is None and not prim.generic:
        missing.append("a SymPy counterpart (sym) or generic=True")
    if prim.domain is None:
        missing.append("a test domain")
    elif prim.nargs is not None and len(prim.domain) != prim.nargs:
        missing.append(f"a domain per argument ({prim.nargs})")
    if prim.kink is not None and not prim.convention:
        missing.append("a convention at its kink")
    return missing


def test_every_table_entry_is_complete():
    incomplete = {name: _incomplete(p) for name, p in TABLE.items() if _incomplete(p)}
    assert not incomplete, f"incomplete primitive table entries: {incomplete}"


def test_the_completeness_check_catches_a_missing_rule():
    bare = ops.Primitive("bare", np.sin)
    assert len(_incomplete(bare)) == 3  # no derivative rule, no sym, no domain
    assert _incomplete(TABLE["sin"]) == []


@pytest.mark.parametrize("name", sorted(n for n, p in TABLE.items() if p.generic))
def test_generic_primitive_runs_on_sympy_object_arrays(name):
    assert name in GENERIC_EXAMPLES, f"add an example call of generic primitive {name}"
    shapes, params = GENERIC_EXAMPLES[name]
    prim = TABLE[name]
    rng = np.random.default_rng(0)
    numeric = [rng.normal(size=s) for s in shapes]
    symbolic, subs = [], {}
    for k, s in enumerate(shapes):
        syms = np.array(sympy.symbols(f"x{k}_0:{int(np.prod(s))}"), dtype=object).reshape(s)
        symbolic.append(syms)
        subs.update(zip(syms.ravel(), numeric[k].ravel()))
    out_sym = np.asarray(prim.impl(*symbolic, **params), dtype=object)
    out_num = np.asarray(prim.impl(*numeric, **params))
    assert out_sym.shape == out_num.shape
    got = np.array([float(sympy.sympify(e).subs(subs)) for e in out_sym.ravel()])
    np.testing.assert_allclose(got.reshape(out_num.shape), out_num, rtol=1e-12, atol=1e-12)


def _domain_point(prim, rng):
    return [bool(rng.integers(2)) if d is None else rng.uniform(*d) for d in prim.domain]


@pytest.mark.parametrize("name", sorted(n for n, p in TABLE.items() if not p.generic))
def test_sympy_and_mpmath_counterparts_agree_with_the_numpy_forward(name):
    prim = TABLE[name]
    rng = np.random.default_rng(1)
    for _ in range(5):
        point = _domain_point(prim, rng)
        expected = float(prim.impl(*[np.float64(v) if not isinstance(v, bool) else v
                                     for v in point]))
        s = prim.sym(sympy, *[v if isinstance(v, bool) else sympy.Float(v, 30) for v in point])
        assert float(s) == pytest.approx(expected, rel=1e-12, abs=1e-14)
        with mpmath.workdps(30):
            m = prim.mp(mpmath, *[v if isinstance(v, bool) else mpmath.mpf(v) for v in point])
        assert float(m) == pytest.approx(expected, rel=1e-12, abs=1e-14)


# ------------------------------------------------------------------------------------------
# elementwise primitives at scalar points: orders 1 to 3 against SymPy and finite differences

@st.composite
def domain_points(draw, name):
    return [draw(st.floats(min_value=lo, max_value=hi)) for lo, hi in TABLE[name].domain]


def _assert_close_to_sympy(got, name, seq, point):
    expected = sympy_value(name, seq, point)
    np.testing.assert_allclose(
        value(got), expected, rtol=RTOL_SYMPY, atol=ATOL_SYMPY,
        err_msg=f"{name}: derivative in arguments {seq} at {point}")


def _assert_close_to_finite_difference(name, seq, point):
    """The tape derivative for ``seq`` equals the central difference, in argument
    ``seq[-1]``, of the tape derivative for ``seq[:-1]``."""
    prim = TABLE[name]
    i = seq[-1]

    def lower(xi):
        p = list(point)
        p[i] = xi
        return float(value(nested_tape_derivative(prim, p, seq[:-1])))

    h = step_for(point[i])
    fd = central_difference(lower, point[i], h)
    got = float(value(nested_tape_derivative(prim, point, seq)))
    scale = max(1.0, *(abs(lower(point[i] + k * h)) for k in (-2, 2)))
    assert got == pytest.approx(fd, rel=RTOL_FD, abs=RTOL_FD * scale), (
        f"{name}: derivative in arguments {seq} at {point}: tape {got}, differences {fd}")


@pytest.mark.parametrize("name", ELEMENTWISE)
@SCALAR_EXAMPLES
@given(data=st.data())
def test_elementwise_derivatives_to_third_order_agree_with_sympy(name, data):
    prim = TABLE[name]
    point = data.draw(domain_points(name), label="point")
    for order in (1, 2, 3):
        for seq in sequences(prim.nargs, order):
            _assert_close_to_sympy(nested_tape_derivative(prim, point, seq), name, seq, point)


@pytest.mark.parametrize("name", ELEMENTWISE)
@SCALAR_EXAMPLES
@given(data=st.data())
def test_elementwise_forward_mode_agrees_with_sympy(name, data):
    prim = TABLE[name]
    point = data.draw(domain_points(name), label="point")
    for i in range(prim.nargs):
        tangents = [1.0 if k == i else 0.0 for k in range(prim.nargs)]
        y, dy = hod.jvp(prim, point, tangents)
        assert float(y) == pytest.approx(float(prim.impl(*map(np.float64, point))), rel=1e-15)
        _assert_close_to_sympy(dy, name, (i,), point)
    for i, j in sequences(prim.nargs, 2):
        _assert_close_to_sympy(forward_over_reverse(prim, point, i, j), name, (i, j), point)
        _assert_close_to_sympy(forward_over_forward(prim, point, i, j), name, (i, j), point)


@pytest.mark.parametrize("name", ELEMENTWISE)
@SCALAR_EXAMPLES
@given(data=st.data())
def test_elementwise_derivatives_agree_with_finite_differences(name, data):
    prim = TABLE[name]
    point = data.draw(domain_points(name), label="point")
    for order in (1, 2, 3):
        for seq in sequences(prim.nargs, order):
            _assert_close_to_finite_difference(name, seq, point)


# ------------------------------------------------------------------------------------------
# elementwise primitives on broadcast arrays

def _domain_array(name, k, shape):
    lo, hi = TABLE[name].domain[k]
    return hnp.arrays(np.float64, shape, elements=st.floats(min_value=lo, max_value=hi))


def _sympy_grid(name, seq, arrays):
    """SymPy's derivative for ``seq`` at every point of the broadcast ``arrays``."""
    grid = np.broadcast_arrays(*arrays)
    out = np.empty(grid[0].shape)
    for idx in np.ndindex(out.shape):
        out[idx] = sympy_value(name, seq, [g[idx] for g in grid])
    return out


def _sum_to_shape(x, shape):
    lead = x.ndim - len(shape)
    x = x.sum(axis=tuple(range(lead)))
    axes = tuple(k for k, d in enumerate(shape) if d == 1 and x.shape[k] != 1)
    return x.sum(axis=axes, keepdims=True).reshape(shape)


@pytest.mark.parametrize("name", UNARY)
@ARRAY_EXAMPLES
@given(data=st.data())
def test_unary_derivatives_on_arrays_are_elementwise(name, data):
    prim = TABLE[name]
    x = data.draw(_domain_array(name, 0, (2, 3)), label="x")
    for order in (1, 2, 3):
        got = nested_tape_derivative(prim, [x], (0,) * order)
        assert got.shape == (2, 3)
        np.testing.assert_allclose(value(got), _sympy_grid(name, (0,) * order, [x]),
                                   rtol=RTOL_SYMPY, atol=ATOL_SYMPY)
    # Jacobian (all rows in one pass) and Hessian (jacobian of the gradient) are diagonal.
    d1, d2 = _sympy_grid(name, (0,), [x]), _sympy_grid(name, (0, 0), [x])
    xt = hod.constant(x)
    with hod.GradientTape() as outer:
        outer.watch(xt)
        with hod.GradientTape(persistent=True) as inner:
            inner.watch(xt)
            y = prim(xt)
        jac = inner.jacobian(y, xt)
        g = inner.gradient(y, xt)
    hess = outer.jacobian(g, xt)
    eye = np.eye(6).reshape(2, 3, 2, 3)
    np.testing.assert_allclose(value(jac), eye * d1[:, :, None, None], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(value(hess), eye * d2[:, :, None, None], rtol=1e-8, atol=1e-10)
    # Forward mode with a batch of tangents (all basis directions at once).
    with hod.ForwardAccumulator(xt, hod.constant(eye)) as acc:
        y = prim(xt)
    np.testing.assert_allclose(value(acc.jvp(y)), eye * d1[None, None], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", BINARY)
@ARRAY_EXAMPLES
@given(data=st.data())
def test_binary_derivatives_on_broadcast_arrays_are_summed_to_each_input(name, data):
    """a of shape (3, 1) and b of shape (4,): each nested gradient sums the elementwise
    derivative over the axes its input was broadcast along."""
    prim = TABLE[name]
    a = data.draw(_domain_array(name, 0, (3, 1)), label="a")
    b = data.draw(_domain_array(name, 1, (4,)), label="b")
    shapes = [(3, 1), (4,)]
    for order in (1, 2, 3):
        for seq in sequences(2, order):
            got = nested_tape_derivative(prim, [a, b], seq)
            expected = _sum_to_shape(_sympy_grid(name, seq, [a, b]), shapes[seq[-1]])
            assert got.shape == shapes[seq[-1]]
            np.testing.assert_allclose(value(got), expected, rtol=RTOL_SYMPY,
                                       atol=ATOL_SYMPY * 12, err_msg=f"{name} {seq}")
    # The Jacobians: out[i, j] depends on a[i, 0] and on b[j] only.
    da, db = _sympy_grid(name, (0,), [a, b]), _sympy_grid(name, (1,), [a, b])
    at, bt = hod.constant(a), hod.constant(b)
    with hod.GradientTape() as tape:
        tape.watch([at, bt])
        y = prim(at, bt)
    ja, jb = tape.jacobian(y, [at, bt])
    assert ja.shape == (3, 4, 3, 1) and jb.shape == (3, 4, 4)
    expected_a = np.einsum("ik,ij->ijk", np.eye(3), da)[..., None]
    expected_b = np.einsum("jl,ij->ijl", np.eye(4), db)
    np.testing.assert_allclose(value(ja), expected_a, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(value(jb), expected_b, rtol=1e-12, atol=1e-14)
    # Forward mode, a batch of tangents for b only (the output keeps its full shape).
    with hod.ForwardAccumulator(bt, hod.constant(np.eye(4))) as acc:
        y = prim(at, bt)
    np.testing.assert_allclose(value(acc.jvp(y)), np.transpose(expected_b, (2, 0, 1)),
                               rtol=1e-12, atol=1e-14)


def test_forward_tangent_of_a_broadcast_input_has_the_output_shape():
    a, b = hod.constant([1.0, 2.0, 3.0, 4.0]), hod.constant(np.ones((3, 4)))
    for f in (hod.add, hod.subtract, lambda a, b: a + b * 0.0):
        with hod.ForwardAccumulator(a, hod.ones_like(a)) as acc:
            y = f(a, b)
            s = hod.sum(y, axis=0)
        assert acc.jvp(y).shape == (3, 4)
        np.testing.assert_allclose(value(acc.jvp(s)), [3.0, 3.0, 3.0, 3.0])


# ------------------------------------------------------------------------------------------
# where, the one elementwise primitive with a non-differentiable argument

def test_where_routes_gradients_to_the_chosen_branch():
    cond = np.array([[True, False, True]])
    x, y = hod.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), hod.constant(10.0)
    with hod.GradientTape() as tape:
        tape.watch([x, y])
        z = hod.where(cond, x * x, y ** 3)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_allclose(value(z), [[1, 1000, 9], [16, 1000, 36]])
    np.testing.assert_allclose(value(gx), 2 * x.numpy() * cond)
    assert float(gy) == 2 * 300.0  # y is broadcast into the two unchosen places
    assert hod.where(hod.constant([1.0, 0.0]) > 0.5, 1.0, 2.0).numpy().tolist() == [1.0, 2.0]


# ------------------------------------------------------------------------------------------
# structural (linear) primitives

def _numeric_jacobian(fn, arrays, k, h=1e-3):
    """d fn / d arrays[k] by central differences."""
    base = [np.array(a, dtype=np.float64) for a in arrays]
    out_shape = value(fn(*[hod.constant(a) for a in base])).shape
    jac = np.zeros(out_shape + base[k].shape)
    for idx in np.ndindex(base[k].shape):
        def at(t, idx=idx):
            p = [a.copy() for a in base]
            p[k][idx] += t
            return value(fn(*[hod.constant(a) for a in p]))
        jac[(Ellipsis,) + idx] = central_difference(at, 0.0, h)
    return jac


def _pair(j, v):
    """Contract a Jacobian (out + in) with ``v`` (in): the product J v, of shape out."""
    return np.tensordot(j, v, axes=v.ndim) if v.ndim else j * v


def check_structural(fn, shapes, seed, second_order=True):
    """Jacobian, gradient, JVP (single and batched) and second derivatives of ``fn``."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]
    xs = [hod.constant(a) for a in arrays]
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(xs)
        y = fn(*xs)
    out = value(y)
    w = rng.normal(size=out.shape)
    vs = [rng.normal(size=s) for s in shapes]
    jacobians = tape.jacobian(y, xs)
    grads = tape.gradient(y, xs, output_gradients=hod.constant(w))
    plain = tape.gradient(y, xs)
    expected_jv = np.zeros(out.shape)
    for k, (x, jac, g, g1) in enumerate(zip(arrays, jacobians, grads, plain)):
        numeric = _numeric_jacobian(fn, arrays, k)
        assert jac.shape == out.shape + x.shape
        np.testing.assert_allclose(value(jac), numeric, rtol=1e-8, atol=1e-9)
        # the gradient is J^T w, of the input's shape; without weights, J summed over out
        assert g.shape == x.shape and g1.shape == x.shape
        jt_w = np.tensordot(w, numeric, axes=w.ndim) if w.ndim else w * numeric
        np.testing.assert_allclose(value(g), jt_w, rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(value(g1), numeric.reshape((-1,) + x.shape).sum(0),
                                   rtol=1e-8, atol=1e-9)
        expected_jv = expected_jv + _pair(numeric, vs[k])
    # forward mode: J v, and <J v, w> = <v, J^T w>
    with hod.ForwardAccumulator(xs, [hod.constant(v) for v in vs]) as acc:
        y2 = fn(*xs)
    jv = value(acc.jvp(y2))
    assert jv.shape == out.shape
    np.testing.assert_allclose(jv, expected_jv, rtol=1e-8, atol=1e-9)
    lhs = float(np.sum(jv * w))
    rhs = sum(float(np.sum(v * value(g))) for v, g in zip(vs, grads))
    assert lhs == pytest.approx(rhs, rel=1e-10, abs=1e-10)
    # forward mode with a batch of tangents on the first input only
    n0 = arrays[0].size
    basis = np.eye(n0).reshape((n0,) + arrays[0].shape)
    with hod.ForwardAccumulator(xs[0], hod.constant(basis)) as acc:
        y3 = fn(*xs)
    batched = value(acc.jvp(y3))
    j0 = value(jacobians[0]).reshape(out.shape + (n0,))
    np.testing.assert_allclose(batched, np.moveaxis(j0, -1, 0), rtol=1e-10, atol=1e-10)
    if second_order:
        check_second_order(fn, arrays, rng)


def check_second_order(fn, arrays, rng):
    """Second derivatives of phi(x) = sum(w * sin(fn(x))): reverse-over-reverse (jacobian of
    the gradient, vectorised) and forward-over-reverse, against differences of the gradient."""
    w = rng.normal(size=value(fn(*[hod.constant(a) for a in arrays])).shape)

    def phi(*xs):
        return hod.sum(w * hod.sin(fn(*xs)))

    def gradient(arrs):
        xs = [hod.constant(a) for a in arrs]
        with hod.GradientTape() as tape:
            tape.watch(xs)
            y = phi(*xs)
        return [value(g) for g in tape.gradient(y, xs, unconnected_gradients="zero")]

    xs = [hod.constant(a) for a in arrays]
    with hod.GradientTape(persistent=True) as outer:
        outer.watch(xs)
        with hod.GradientTape() as inner:
            inner.watch(xs)
            y = phi(*xs)
        gs = inner.gradient(y, xs, unconnected_gradients="zero")
    h = 1e-3
    for k, xk in enumerate(arrays):
        blocks = [outer.jacobian(g, xs[k], unconnected_gradients="zero") for g in gs]
        for idx in np.ndindex(xk.shape):
            def g_at(t, k=k, idx=idx):
                p = [a.copy() for a in arrays]
                p[k][idx] += t
                return np.concatenate([g.ravel() for g in gradient(p)])
            fd = central_difference(g_at, 0.0, h)
            got = np.concatenate([value(b)[(Ellipsis,) + idx].ravel() for b in blocks])
            np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-7)
    # forward-over-reverse: H v
    vs = [rng.normal(size=a.shape) for a in arrays]
    with hod.ForwardAccumulator(xs, [hod.constant(v) for v in vs]) as acc:
        with hod.GradientTape() as tape:
            tape.watch(xs)
            y = phi(*xs)
        gs2 = tape.gradient(y, xs, unconnected_gradients="zero")
    hv = [value(acc.jvp(g, unconnected_gradients="zero")) for g in gs2]
    hess_v = [sum(_pair(value(outer.jacobian(gs[i], xs[k], unconnected_gradients="zero")), vs[k])
                  for k in range(len(arrays))) for i in range(len(arrays))]
    for got, expected in zip(hv, hess_v):
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-10)


MASK = np.array([[True, False, True, False],
                 [False, False, True, True],
                 [True, True, False, False]])

STRUCTURAL = {
    "sum_all": ([(2, 3)], lambda x: hod.sum(x)),
    "sum_axis_0": ([(2, 3)], lambda x: hod.sum(x, axis=0)),
    "sum_last_axis_keepdims": ([(2, 3, 4)], lambda x: hod.sum(x, axis=-1, keepdims=True)),
    "sum_axes_0_2": ([(2, 3, 4)], lambda x: hod.sum(x, axis=(0, 2))),
    "sum_all_keepdims": ([(2, 3)], lambda x: hod.sum(x, keepdims=True)),
    "sum_method": ([(2, 3)], lambda x: x.sum(axis=1)),
    "sum_of_scalar": ([()], lambda x: hod.sum(x)),
    "reshape": ([(2, 3)], lambda x: hod.reshape(x, (3, 2))),
    "reshape_minus_one": ([(2, 3, 2)], lambda x: hod.reshape(x, (-1, 2))),
    "reshape_scalar_to_vector": ([()], lambda x: hod.reshape(x, (1,))),
    "reshape_method": ([(2, 3)], lambda x: x.reshape(6)),
    "broadcast_to_new_axis": ([(3,)], lambda x: hod.broadcast_to(x, (2, 3))),
    "broadcast_to_unit_axes": ([(3, 1)], lambda x: hod.broadcast_to(x, (2, 3, 4))),
    "broadcast_scalar": ([()], lambda x: hod.broadcast_to(x, (2, 2))),
    "transpose_reverses_axes": ([(2, 3, 4)], lambda x: hod.transpose(x)),
    "transpose_perm": ([(2, 3, 4)], lambda x: hod.transpose(x, (1, 2, 0))),
    "transpose_T": ([(2, 3)], lambda x: x.T),
    "getitem_integer": ([(3, 4)], lambda x: x[1]),
    "getitem_negative_integer": ([(3, 4)], lambda x: x[-1, 2]),
    "getitem_slice": ([(4, 3)], lambda x: x[1:3]),
    "getitem_negative_step": ([(5, 3)], lambda x: x[::-2, 1:]),
    "getitem_ellipsis": ([(2, 3, 4)], lambda x: x[..., 1]),
    "getitem_newaxis": ([(3, 4)], lambda x: x[None, :, 0]),
    "getitem_repeated_indices": ([(3, 2)], lambda x: x[[0, 2, 0, 0]]),
    "getitem_index_pairs": ([(2, 3)], lambda x: x[[0, 1, 1], [2, 2, 0]]),
    "getitem_array_after_slice": ([(3, 2)], lambda x: x[:, [1, 1, 0]]),
    "getitem_arrays_around_a_slice": ([(2, 3, 4)], lambda x: x[[0, 1], :, [1, 1]]),
    "getitem_integer_and_array_around_a_slice": ([(2, 3, 4)], lambda x: x[0, :, [1, 2, 1]]),
    "getitem_2d_index_array": ([(4,)], lambda x: x[np.array([[0, 3], [3, 3]])]),
    "getitem_boolean_mask": ([(3, 4)], lambda x: x[MASK]),
    "getitem_tensor_index": ([(3,)], lambda x: x[hod.constant([2.0, 0.0, 2.0])]),
    "scatter_repeated": ([(3,)], lambda x: ops._scatter_p(
        x, index=(np.array([0, 2, 0]),), shape=(4,), nb=0)),
    "scatter_slice": ([(2, 2)], lambda x: ops._scatter_p(
        x, index=(slice(1, 3),), shape=(4, 2), nb=0)),
    "concat_axis_0": ([(2, 3), (1, 3)], lambda a, b: hod.concat([a, b], 0)),
    "concat_three_last_axis": ([(2, 1), (2, 3), (2, 2)], lambda a, b, c: hod.concat([a, b, c], -1)),
    "concat_with_a_constant": ([(2,)], lambda a: hod.concat([a, np.ones(3), a], 0)),
    "stack_axis_0": ([(3,), (3,)], lambda a, b: hod.stack([a, b])),
    "stack_last_axis": ([(2, 3), (2, 3)], lambda a, b: hod.stack([a, b], axis=-1)),
    "stack_scalars": ([(), ()], lambda a, b: hod.stack([a, b, a])),
    "where": ([(2, 3), (3,)], lambda x, y: hod.where(np.array([True, False, True]), x, y)),
}

MATMUL_SHAPES = [
    ((3,), (3,)), ((3,), (3, 4)), ((2, 3), (3,)), ((2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)), ((2, 1, 2, 3), (5, 3, 2)),
]


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
@STRUCTURAL_EXAMPLES
@given(seed=st.integers(0, 2**32 - 1))
def test_structural_primitive_derivatives(case, seed):
    shapes, fn = STRUCTURAL[case]
    check_structural(fn, shapes, seed)


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=lambda s: f"{s[0]}@{s[1]}")
@STRUCTURAL_EXAMPLES
@given(seed=st.integers(0, 2**32 - 1))
def test_matmul_derivatives_for_every_combination_of_ranks(shapes, seed):
    check_structural(lambda a, b: a @ b, list(shapes), seed)
    expected = np.matmul(np.ones(shapes[0]), np.ones(shapes[1]))
    assert (hod.ones(shapes[0]) @ hod.ones(shapes[1])).shape == expected.shape


def test_repeated_indices_accumulate_their_gradients():
    x = hod.constant([1.0, 2.0, 3.0])
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = hod.sum(x[[0, 0, 2, 0]] * hod.constant([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_allclose(value(tape.gradient(y, x)), [7.0, 0.0, 3.0])


def test_structural_primitives_reject_bad_arguments_with_clear_errors():
    x = hod.constant(np.ones((2, 3)))
    with pytest.raises(ValueError, match="cannot reshape"):
        hod.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="out of range"):
        hod.sum(x, axis=2)
    with pytest.raises(ValueError, match="permutation"):
        hod.transpose(x, (0, 0))
    with pytest.raises(ValueError, match="out of range"):
        hod.concat([x, x], axis=3)


# ------------------------------------------------------------------------------------------
# derived operations

def _grad_and_hessian(f, x):
    x = hod.constant(x)
    with hod.GradientTape() as outer:
        outer.watch(x)
        with hod.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
    return value(y), value(g), value(outer.jacobian(g, x))


def test_square_is_x_times_x():
    y, g, h = _grad_and_hessian(lambda x: hod.sum(hod.square(x)), [1.5, -2.0])
    assert y == pytest.approx(6.25)
    np.testing.assert_allclose(g, [3.0, -4.0])
    np.testing.assert_allclose(h, 2 * np.eye(2))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 1), True)])
def test_mean_divides_the_sum_by_the_count(axis, keepdims):
    x = np.arange(6.0).reshape(2, 3)
    got = hod.mean(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(value(got), np.mean(x, axis=axis, keepdims=keepdims))
    n = x.size // np.mean(x, axis=axis, keepdims=keepdims).size
    check_structural(lambda t: hod.mean(t, axis=axis, keepdims=keepdims), [(2, 3)], 0)
    xt = hod.constant(x)
    with hod.GradientTape() as tape:
        tape.watch(xt)
        y = hod.sum(hod.mean(xt, axis=axis, keepdims=keepdims))
    np.testing.assert_allclose(value(tape.gradient(y, xt)), np.full((2, 3), 1.0 / n))


def test_euclidean_norm_gradient_and_hessian():
    x = np.array([3.0, -4.0, 12.0])
    r = 13.0
    y, g, h = _grad_and_hessian(hod.norm, x)
    assert y == pytest.approx(r)
    np.testing.assert_allclose(g, x / r)
    np.testing.assert_allclose(h, (np.eye(3) - np.outer(x, x) / r**2) / r, atol=1e-15)
    m = np.array([[3.0, 4.0], [6.0, 8.0]])
    np.testing.assert_allclose(value(hod.norm(m, axis=1)), [5.0, 10.0])
    assert float(hod.norm(m, ord=1)) == pytest.approx(21.0)
    with pytest.raises(ValueError, match="ord"):
        hod.norm(m, ord=3)


def test_one_norm_gradient_is_the_sign():
    _, g, _ = _grad_and_hessian(lambda x: hod.norm(x, ord=1), [2.0, -3.0, 0.5])
    np.testing.assert_allclose(g, [1.0, -1.0, 1.0])


def test_clip_by_value_passes_the_gradient_inside_and_at_the_bounds_only():
    x = hod.constant([-2.0, -1.0, 0.0, 1.0, 2.0])
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = hod.clip_by_value(x, -1.0, 1.0)
    np.testing.assert_allclose(value(y), [-1.0, -1.0, 0.0, 1.0, 1.0])
    # at a bound, the tie of maximum/minimum goes to the first argument: the input
    np.testing.assert_allclose(value(tape.gradient(y, x)), [0.0, 1.0, 1.0, 1.0, 0.0])


def test_clip_by_norm_leaves_short_vectors_and_rescales_long_ones():
    short = np.array([0.3, 0.4])               # norm 0.5 < 1
    long_ = np.array([3.0, 4.0])               # norm 5 > 1
    y, g, _ = _grad_and_hessian(lambda t: hod.clip_by_norm(t, 1.0)[0], short)
    assert y == pytest.approx(0.3)
    np.testing.assert_allclose(g, [1.0, 0.0])
    np.testing.assert_allclose(value(hod.clip_by_norm(long_, 1.0)), [0.6, 0.8])
    t = hod.constant(long_)
    with hod.GradientTape() as tape:
        tape.watch(t)
        y = hod.clip_by_norm(t, 1.0)
    jac = value(tape.jacobian(y, t))
    n = 5.0
    np.testing.assert_allclose(jac, (np.eye(2) - np.outer(long_, long_) / n**2) / n, atol=1e-15)
    # along axes: each row clipped by its own norm
    rows = hod.clip_by_norm(np.array([[3.0, 4.0], [0.3, 0.4]]), 1.0, axes=[1])
    np.testing.assert_allclose(value(rows), [[0.6, 0.8], [0.3, 0.4]])


def test_logsumexp_is_stable_at_large_inputs():
    x = np.array([1000.0, 1000.0, -1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            y, g, h = _grad_and_hessian(hod.logsumexp, x)
    assert y == pytest.approx(1000.0 + np.log(2.0), rel=1e-15)
    p = np.array([0.5, 0.5, 0.0])
    np.testing.assert_allclose(g, p)
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), atol=1e-15)
    m = np.array([[1.0, 2.0, 3.0], [-800.0, 0.0, 800.0]])
    got = hod.logsumexp(m, axis=1)
    np.testing.assert_allclose(value(got), [np.log(np.exp(m[0]).sum()), 800.0])
    assert hod.logsumexp(m, axis=1, keepdims=True).shape == (2, 1)
    check_structural(lambda t: hod.logsumexp(t, axis=0), [(3, 2)], 0)


@pytest.mark.parametrize("x", [-800.0, -40.0, -30.0, 0.0, 30.0, 40.0, 800.0])
def test_sigmoid_and_softplus_at_large_inputs(x):
    with mpmath.workdps(50):
        s = 1 / (1 + mpmath.exp(-x))
        expected = {
            "sigmoid": [s, s * (1 - s), s * (1 - s) * (1 - 2 * s)],
            "softplus": [mpmath.log1p(mpmath.exp(x)), s, s * (1 - s)],
        }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            for name, values in expected.items():
                prim = TABLE[name]
                assert float(prim(x)) == pytest.approx(float(values[0]), rel=1e-14)
                for order in (1, 2):
                    got = float(value(nested_tape_derivative(prim, [x], (0,) * order)))
                    assert got == pytest.approx(float(values[order]), rel=1e-9, abs=1e-300), (
                        f"{name} derivative {order} at {x}")


# ------------------------------------------------------------------------------------------
# kinks: each primitive's documented convention

def _derivatives_at(f, point):
    xs = [hod.constant(v) for v in point]
    with hod.GradientTape() as tape:
        tape.watch(xs)
        y = f(*xs)
    grads = [float(value(g)) for g in tape.gradient(y, xs, unconnected_gradients="zero")]
    fwd = [float(value(hod.jvp(f, point, [1.0 if k == i else 0.0 for k in range(len(point))])[1]))
           for i in range(len(point))]
    assert grads == fwd  # reverse and forward mode share the convention
    return grads


def test_primitives_with_kinks_document_their_convention():
    kinked = {n for n, p in TABLE.items() if p.kink is not None}
    assert {"abs", "sign", "relu", "maximum", "minimum"} <= kinked
    assert all(TABLE[n].convention for n in kinked)


def test_relu_abs_and_sign_conventions_at_zero():
    assert TABLE["relu"].convention == "relu'(0) = 0"
    assert _derivatives_at(hod.relu, [0.0]) == [0.0]
    assert TABLE["abs"].convention == "abs'(0) = 0"
    assert _derivatives_at(hod.abs, [0.0]) == [0.0]
    assert _derivatives_at(hod.sign, [0.0]) == [0.0]
    assert bool(TABLE["abs"].kink(np.float64(0.0))) and not bool(TABLE["abs"].kink(np.float64(1.0)))


def test_relu_abs_and_sign_away_from_zero_on_both_sides():
    assert _derivatives_at(hod.relu, [-2.0]) == [0.0]
    assert _derivatives_at(hod.relu, [2.0]) == [1.0]
    assert _derivatives_at(hod.abs, [-2.0]) == [-1.0]
    assert _derivatives_at(hod.abs, [2.0]) == [1.0]
    assert _derivatives_at(hod.sign, [-2.0]) == [0.0]
    for name in ("relu", "abs"):
        for x in (-2.5, -0.3):
            for order in (1, 2):
                _assert_close_to_sympy(nested_tape_derivative(TABLE[name], [x], (0,) * order),
                                       name, (0,) * order, [x])


def test_maximum_and_minimum_give_a_tie_to_the_first_argument():
    for name in ("maximum", "minimum"):
        assert TABLE[name].convention == "at a tie the derivative goes to the first argument"
        f = getattr(hod, name)
        assert _derivatives_at(f, [1.5, 1.5]) == [1.0, 0.0]
    assert _derivatives_at(hod.maximum, [1.0, 2.0]) == [0.0, 1.0]
    assert _derivatives_at(hod.maximum, [3.0, 2.0]) == [1.0, 0.0]
    assert _derivatives_at(hod.minimum, [1.0, 2.0]) == [1.0, 0.0]
    assert _derivatives_at(hod.minimum, [3.0, 2.0]) == [0.0, 1.0]


def test_comparisons_give_values_without_gradient():
    x = hod.Variable([1.0, 2.0, 3.0])
    with hod.GradientTape() as tape:
        masks = [x < 2.0, x <= 2.0, x > 2.0, x >= 2.0, x == 2.0, x != 2.0]
        y = hod.sum(x * hod.where(x > 1.5, 1.0, 0.0))
    assert [value(m).tolist() for m in masks] == [
        [1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0], [1, 0, 1]]
    assert all(n.op not in ("less", "greater", "equal") for n in tape.nodes)
    np.testing.assert_allclose(value(tape.gradient(y, x)), [0.0, 1.0, 1.0])
