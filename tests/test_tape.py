"""GradientTape, ForwardAccumulator, stop_gradient and custom_gradient: TensorFlow's semantics.

Each test states one rule of ``tf.GradientTape`` (or of hod where TensorFlow is silent) and
shows it with values.
"""

from __future__ import annotations

import collections
import math
import sys

import numpy as np
import pytest

import hod
from hod.expr import graph, printer


def value(t):
    return np.asarray(t.numpy(), dtype=np.float64)


# ------------------------------------------------------------------------------------------
# what is watched

def test_trainable_variables_used_inside_the_tape_are_watched_automatically():
    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = x * x
    assert tape.watched_variables() == (x,)
    assert float(tape.gradient(y, x)) == 6.0


def test_constants_are_recorded_only_once_watched():
    x = hod.constant(3.0)
    with hod.GradientTape() as tape:
        y = x * x
    assert tape.nodes == ()
    with pytest.warns(hod.HodWarning, match=r"never watched.*tape\.watch"):
        assert tape.gradient(y, x) is None
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert [n.op for n in tape.nodes] == ["multiply"]
    assert float(tape.gradient(y, x)) == 6.0


def test_watch_accessed_variables_false_records_only_what_is_watched():
    a, b = hod.Variable(2.0), hod.Variable(5.0)
    with hod.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * a + b * b
    assert tape.watched_variables() == (a,)
    with pytest.warns(hod.HodWarning, match="never watched"):
        ga, gb = tape.gradient(y, [a, b])
    assert float(ga) == 4.0 and gb is None


def test_non_trainable_variables_are_not_watched():
    w = hod.Variable(2.0, trainable=False)
    x = hod.Variable(3.0)
    with hod.GradientTape(persistent=True) as tape:
        y = w * x
    assert tape.watched_variables() == (x,)
    assert float(tape.gradient(y, x)) == 2.0
    with pytest.warns(hod.HodWarning):
        assert tape.gradient(y, w) is None
    with hod.GradientTape() as tape:
        tape.watch(w)  # watching explicitly still works
        y = w * x
    assert float(tape.gradient(y, w)) == 3.0


def test_watched_variables_come_in_the_order_first_watched_and_only_variables():
    a, b, c = hod.Variable(1.0, name="a"), hod.Variable(2.0, name="b"), hod.Variable(3.0)
    k = hod.constant(4.0)
    with hod.GradientTape() as tape:
        tape.watch(k)
        y = c * b
        y = y * a + b * c
        tape.watch([a, c])
    assert tape.watched_variables() == (c, b, a)
    assert [v.name for v in tape.watched_variables()[1:]] == ["b", "a"]


def test_watch_rejects_non_tensors_with_a_clear_message():
    with hod.GradientTape() as tape:
        with pytest.raises(TypeError, match=r"hod\.constant"):
            tape.watch(3.0)


def test_a_tape_cannot_be_entered_twice():
    tape = hod.GradientTape()
    with tape:
        with pytest.raises(RuntimeError, match="already recording"):
            tape.__enter__()


def test_multiple_tapes_watch_different_tensors():
    x0, x1 = hod.constant(0.0), hod.constant(0.0)
    with hod.GradientTape() as tape0, hod.GradientTape() as tape1:
        tape0.watch(x0)
        tape1.watch(x1)
        y = hod.sin(x0) + hod.sigmoid(x1)
        ys = hod.sum(y)
    assert float(tape0.gradient(ys, x0)) == 1.0      # cos(0)
    assert float(tape1.gradient(ys, x1)) == 0.25     # sigmoid'(0)
    assert [n.op for n in tape0.nodes] == ["sin", "add", "sum"]
    assert [n.op for n in tape1.nodes] == ["sigmoid", "add", "sum"]


# ------------------------------------------------------------------------------------------
# persistent tapes

def test_a_persistent_tape_gives_as_many_gradients_as_asked():
    x = hod.constant(3.0)
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert tape.persistent
    assert float(tape.gradient(z, x)) == 108.0   # 4 x^3
    assert float(tape.gradient(y, x)) == 6.0
    assert value(tape.jacobian(y, x)) == 6.0


def test_a_second_gradient_on_a_non_persistent_tape_names_persistent_true():
    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=r"persistent=True"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError, match=r"persistent=True"):
        tape.jacobian(y, x)


def test_gradient_inside_a_non_persistent_tape_stops_its_recording():
    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = x * x
        g = tape.gradient(y, x)
        z = g * x                     # no longer recorded
    assert float(g) == 6.0
    assert [n.op for n in tape.nodes] == ["multiply"]
    assert z is not None


# ------------------------------------------------------------------------------------------
# sources, targets and what gradient returns

def test_gradient_sources_may_be_any_nest_and_keep_their_structure():
    a, b, c = hod.Variable(1.0), hod.Variable(2.0), hod.Variable(3.0)
    Pair = collections.namedtuple("Pair", "first second")
    with hod.GradientTape(persistent=True) as tape:
        y = a * b * c                               # dy = (bc, ac, ab) = (6, 3, 2)
    as_float = float
    assert as_float(tape.gradient(y, a)) == 6.0
    g = tape.gradient(y, [a, b])
    assert isinstance(g, list) and [as_float(v) for v in g] == [6.0, 3.0]
    g = tape.gradient(y, (c,))
    assert isinstance(g, tuple) and as_float(g[0]) == 2.0
    g = tape.gradient(y, {"z": c, "a": a})
    assert list(g) == ["z", "a"] and as_float(g["z"]) == 2.0 and as_float(g["a"]) == 6.0
    g = tape.gradient(y, {"w": [a, (b, {"k": c})]})
    assert as_float(g["w"][0]) == 6.0 and as_float(g["w"][1][0]) == 3.0
    assert isinstance(g["w"][1], tuple) and as_float(g["w"][1][1]["k"]) == 2.0
    g = tape.gradient(y, Pair(a, c))
    assert isinstance(g, Pair) and as_float(g.first) == 6.0 and as_float(g.second) == 2.0


def test_an_unconnected_source_gives_none_or_zeros_when_asked():
    x, u = hod.Variable([1.0, 2.0]), hod.Variable([[5.0, 6.0, 7.0]])
    with hod.GradientTape(persistent=True) as tape:
        y = hod.sum(x * x)
        _ = u * 2.0                                  # u is watched, but y does not use it
    gx, gu = tape.gradient(y, [x, u])
    np.testing.assert_allclose(value(gx), [2.0, 4.0])
    assert gu is None
    gx, gu = tape.gradient(y, [x, u], unconnected_gradients="zero")
    assert gu.shape == (1, 3) and not value(gu).any()
    gu = tape.gradient(y, u, unconnected_gradients=hod.UnconnectedGradients.ZERO)
    assert gu.shape == (1, 3)
    assert tape.jacobian(y, u) is None
    assert tape.jacobian(y, u, unconnected_gradients="zero").shape == (1, 3)
    with pytest.raises(ValueError, match="'none' or 'zero'"):
        tape.gradient(y, x, unconnected_gradients="zeros")


def test_a_source_that_was_never_watched_warns_and_gives_none():
    x = hod.constant(2.0)
    w = hod.Variable(1.0)
    with hod.GradientTape() as tape:
        y = w * 3.0
        z = y + x
    with pytest.warns(hod.HodWarning, match=r"never watched.*hod\.Variable") as record:
        gw, gx = tape.gradient(z, [w, x])
    assert float(gw) == 3.0 and gx is None
    assert len(record) == 1 and record[0].filename == __file__


def test_output_gradients_weight_the_target():
    x = hod.constant([1.0, 2.0, 3.0])
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = hod.sum(x)
    g = tape.gradient(y, x, output_gradients=hod.constant([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(value(g), [2.0, 40.0, 600.0])
    g = tape.gradient(y, x, output_gradients=np.array([0.0, 1.0, 0.0]))
    np.testing.assert_allclose(value(g), [0.0, 4.0, 0.0])
    g = tape.gradient([y, z], x, output_gradients=[np.ones(3), 2.0])
    np.testing.assert_allclose(value(g), [4.0, 6.0, 8.0])


def test_a_non_scalar_target_gives_the_gradient_of_its_sum():
    x = hod.Variable([1.0, 2.0, 3.0])
    with hod.GradientTape(persistent=True) as tape:
        y = x ** 3
        total = hod.sum(y)
        parts = [y[0], y[1:]]
    np.testing.assert_allclose(value(tape.gradient(y, x)), value(tape.gradient(total, x)))
    np.testing.assert_allclose(value(tape.gradient(y, x)), [3.0, 12.0, 27.0])
    np.testing.assert_allclose(value(tape.gradient(parts, x)), [3.0, 12.0, 27.0])


def test_the_gradient_of_a_source_with_respect_to_itself_is_ones():
    x = hod.Variable([[1.0, 2.0]])
    with hod.GradientTape() as tape:
        tape.watch(x)
    np.testing.assert_allclose(value(tape.gradient(x, x)), [[1.0, 1.0]])


def test_gradients_with_respect_to_intermediate_tensors():
    x = hod.constant(3.0)
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(z, y)) == 18.0            # 2y
    gx, gy = tape.gradient(z, [x, y])
    assert float(gx) == 108.0 and float(gy) == 18.0
    with hod.GradientTape() as tape:
        y = hod.exp(hod.constant(0.0))
        tape.watch(y)                                     # an intermediate watched later
        z = hod.sin(y)
    assert float(tape.gradient(z, y)) == pytest.approx(math.cos(1.0))


def test_gradient_sources_must_be_tensors():
    x = hod.Variable(1.0)
    with hod.GradientTape() as tape:
        y = x * 2
    with pytest.raises(TypeError, match="hod tensors or variables"):
        tape.gradient(y, [x, 2.0])


# ------------------------------------------------------------------------------------------
# jacobian and batch_jacobian

def test_jacobian_with_respect_to_a_scalar_source_has_the_targets_shape():
    x = hod.Variable(2.0)
    with hod.GradientTape() as tape:
        y = x * hod.constant([3.0, 4.0])
    j = tape.jacobian(y, x)
    assert j.shape == (2,)
    np.testing.assert_allclose(value(j), [3.0, 4.0])


def test_jacobian_with_respect_to_a_tensor_source_concatenates_the_shapes():
    rng = np.random.default_rng(0)
    x = hod.constant(rng.normal(size=(7, 5)))
    kernel = hod.Variable(rng.normal(size=(5, 10)))
    bias = hod.Variable(rng.normal(size=(10,)))
    with hod.GradientTape(persistent=True) as tape:
        y = hod.relu(x @ kernel + bias)
    j = tape.jacobian(y, kernel)
    assert y.shape == (7, 10) and j.shape == (7, 10, 5, 10)
    # summing over the target's dimensions gives the gradient of the sum
    np.testing.assert_allclose(value(j).sum(axis=(0, 1)), value(tape.gradient(y, kernel)),
                               rtol=1e-12, atol=1e-12)
    # each entry: d y[i, j] / d kernel[k, l] = relu'(.) x[i, k] [j == l]
    active = (value(y) > 0).astype(float)
    expected = np.einsum("ij,ik,jl->ijkl", active, x.numpy(), np.eye(10))
    np.testing.assert_allclose(value(j), expected, rtol=1e-12, atol=1e-12)
    jk, jb = tape.jacobian(y, [kernel, bias])
    assert jk.shape == (7, 10, 5, 10) and jb.shape == (7, 10, 10)


def test_jacobian_takes_a_single_target():
    x = hod.Variable([1.0, 2.0])
    with hod.GradientTape() as tape:
        y = x * 2
    with pytest.raises(TypeError, match="single"):
        tape.jacobian([y, y], x)


def _two_layer(rng):
    w1, b1 = hod.Variable(rng.normal(size=(3, 8))), hod.Variable(rng.normal(size=(8,)))
    w2, b2 = hod.Variable(rng.normal(size=(8, 6))), hod.Variable(rng.normal(size=(6,)))
    return lambda x: hod.tanh(hod.tanh(x @ w1 + b1) @ w2 + b2)


def test_batch_jacobian_equals_the_diagonal_blocks_of_the_full_jacobian():
    rng = np.random.default_rng(1)
    model = _two_layer(rng)
    x = hod.constant(rng.normal(size=(2, 3)))
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = model(x)
    full = value(tape.jacobian(y, x))
    assert full.shape == (2, 6, 2, 3)
    # examples are independent: the off-diagonal (batch, batch) blocks are zero
    assert not full[0, :, 1, :].any() and not full[1, :, 0, :].any()
    batch = tape.batch_jacobian(y, x)
    assert batch.shape == (2, 6, 3)
    np.testing.assert_allclose(value(batch), np.einsum("bxby->bxy", full), rtol=1e-13)


def test_batch_jacobian_checks_the_batch_dimension_and_handles_unconnected_sources():
    x = hod.constant(np.ones((2, 3)))
    u = hod.constant(np.ones((2, 4)))
    with hod.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x * 2.0
    with pytest.raises(ValueError, match="first"):
        tape.batch_jacobian(y, hod.constant(np.ones((3, 3))))
    assert tape.batch_jacobian(y, u) is None
    assert tape.batch_jacobian(y, u, unconnected_gradients="zero").shape == (2, 3, 4)


# ------------------------------------------------------------------------------------------
# controlling what is recorded

def test_stop_recording_leaves_operations_off_the_tape():
    x, y = hod.Variable(2.0), hod.Variable(3.0)
    with hod.GradientTape() as t:
        x_sq = x * x
        with t.stop_recording():
            y_sq = y * y
        z = x_sq + y_sq
    assert [n.op for n in t.nodes] == ["multiply", "add"]
    with pytest.warns(hod.HodWarning):           # y was only used while not recording
        grad = t.gradient(z, {"x": x, "y": y})
    assert float(grad["x"]) == 4.0 and grad["y"] is None


def test_stop_recording_needs_an_active_tape():
    tape = hod.GradientTape()
    with pytest.raises(RuntimeError, match="inside the tape"):
        with tape.stop_recording():
            pass


def test_reset_throws_away_everything_recorded_so_far():
    x, y = hod.Variable(2.0), hod.Variable(3.0)
    with hod.GradientTape() as t:
        y_sq = y * y
        assert len(t.nodes) == 1
        t.reset()
        assert t.nodes == () and t.watched_variables() == ()
        z = x * x + y_sq
    assert [n.op for n in t.nodes] == ["multiply", "add"]
    with pytest.warns(hod.HodWarning):
        dz = t.gradient(z, {"x": x, "y": y})
    assert float(dz["x"]) == 4.0 and dz["y"] is None
    # without the reset, y's path is there
    with hod.GradientTape() as t:
        y_sq = y * y
        z = x * x + y_sq
    assert float(t.gradient(z, y)) == 6.0


def test_reset_makes_a_used_non_persistent_tape_usable_again():
    x = hod.Variable(2.0)
    with hod.GradientTape() as t:
        pass
    with t:
        y = x * x
    assert float(t.gradient(y, x)) == 4.0
    t.reset()
    with t:
        y = x * x * x
    assert float(t.gradient(y, x)) == 12.0


def test_stop_gradient_cuts_one_path_only():
    x, y = hod.Variable(2.0), hod.Variable(3.0)
    with hod.GradientTape() as t:
        y_sq = y ** 2
        z = x ** 2 + hod.stop_gradient(y_sq)
    grad = t.gradient(z, {"x": x, "y": y})
    assert float(grad["x"]) == 4.0 and grad["y"] is None
    assert [n.op for n in t.nodes] == ["power", "power", "add"]
    with hod.GradientTape() as t:
        w = x * hod.stop_gradient(x)                 # dw/dx = x, not 2x
    assert float(t.gradient(w, x)) == 2.0
    with hod.ForwardAccumulator(x, hod.constant(1.0)) as acc:
        w = x * hod.stop_gradient(x)
    assert float(acc.jvp(w)) == 2.0


# ------------------------------------------------------------------------------------------
# higher order by nesting

def test_nested_tapes_give_second_and_third_derivatives():
    x = hod.Variable(1.5)
    with hod.GradientTape() as t3:
        with hod.GradientTape() as t2:
            with hod.GradientTape() as t1:
                y = hod.sin(x) * x
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    s, c = math.sin(1.5), math.cos(1.5)
    assert float(d1) == pytest.approx(c * 1.5 + s, rel=1e-14)
    assert float(d2) == pytest.approx(-s * 1.5 + 2 * c, rel=1e-14)
    assert float(d3) == pytest.approx(-c * 1.5 - 3 * s, rel=1e-14)


def test_hessian_by_jacobian_of_a_gradient_inside_an_outer_tape():
    x = hod.Variable([1.0, 2.0])
    with hod.GradientTape() as outer:
        with hod.GradientTape() as inner:
            y = x[0] ** 2 * x[1] + hod.exp(x[1])
        g = inner.gradient(y, x)
    h = outer.jacobian(g, x)
    np.testing.assert_allclose(value(h), [[4.0, 2.0], [2.0, math.exp(2.0)]], rtol=1e-14)


# ------------------------------------------------------------------------------------------
# custom_gradient

def test_custom_relu_gradient_from_the_seed():
    @hod.custom_gradient
    def custom_relu(x):
        y = hod.maximum(0.0, x)

        def grad(dy):
            return dy * hod.where(x > 0, 1.0, 0.0)

        return y, grad

    x = hod.Variable([-2.0, 0.0, 2.0])
    with hod.GradientTape() as tape:
        y = custom_relu(x)
    np.testing.assert_allclose(value(y), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(value(tape.gradient(y, x)), [0.0, 0.0, 1.0])


def test_custom_gradient_clips_an_intermediate_gradient():
    @hod.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return hod.clip_by_norm(dy, 0.5)
        return y, backward

    v = hod.Variable(2.0)
    with hod.GradientTape() as t:
        output = clip_gradients(v * v)
    assert float(t.gradient(output, v)) == 2.0     # 0.5 (clipped from 1) times dv^2/dv = 4
    with hod.GradientTape() as t:
        output = v * v
    assert float(t.gradient(output, v)) == 4.0


def test_higher_orders_flow_through_a_gradient_function_written_in_hod_ops():
    @hod.custom_gradient
    def log1pexp(x):
        e = hod.exp(x)

        def grad(dy):
            return dy * (1 - 1 / (1 + e))

        return hod.log(1 + e), grad

    x = hod.Variable(100.0)
    with hod.GradientTape() as tape:
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0       # stable where the plain formula is not
    x = hod.Variable(0.7)
    with hod.GradientTape() as t3:
        with hod.GradientTape() as t2:
            with hod.GradientTape() as t1:
                y = log1pexp(x)
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    s = 1 / (1 + math.exp(-0.7))
    assert float(d1) == pytest.approx(s, rel=1e-14)
    assert float(d2) == pytest.approx(s * (1 - s), rel=1e-13)
    assert float(d3) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)


def test_custom_gradient_with_variables_keyword():
    w = hod.Variable(2.0)

    @hod.custom_gradient
    def scale(x):
        y = w * x

        def grad(dy, variables=None):
            assert variables == [w]
            return dy * w, [dy * x * 10.0]           # 10x marks the custom rule

        return y, grad

    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = scale(x)
    gx, gw = tape.gradient(y, [x, w])
    assert float(gx) == 2.0 and float(gw) == 30.0


def test_jacobian_through_custom_gradient_runs_the_gradient_function_per_row():
    @hod.custom_gradient
    def clip_gradients(y):
        return y, lambda dy: hod.clip_by_norm(dy, 0.5)

    v = hod.Variable([1.0, 2.0])
    with hod.GradientTape(persistent=True) as t:
        out = clip_gradients(v * v)
    # row i: dy = e_i, clipped to 0.5 e_i on its own (not jointly with the other rows)
    np.testing.assert_allclose(value(t.jacobian(out, v)), [[1.0, 0.0], [0.0, 2.0]])
    np.testing.assert_allclose(value(t.gradient(out, v)), 2 * v.numpy() * 0.5 / math.sqrt(2))


def test_hessian_through_custom_gradient():
    @hod.custom_gradient
    def cube(x):
        return x ** 3, lambda dy: dy * 3 * x ** 2

    h = hod.hessian(lambda x: hod.sum(cube(x) * x[0]))(np.array([1.0, 3.0]))
    # f = x0^4 + x0 x1^3: [[12 x0^2, 3 x1^2], [3 x1^2, 6 x0 x1]]
    np.testing.assert_allclose(value(h), [[12.0, 27.0], [27.0, 18.0]])


def test_custom_gradient_errors_are_clear():
    w = hod.Variable(2.0)

    @hod.custom_gradient
    def reads_a_variable(x):
        return w * x, lambda dy: dy * w

    with pytest.raises(TypeError, match="variables"):
        reads_a_variable(hod.constant(1.0))

    @hod.custom_gradient
    def two_grads(x):
        return x * 2.0, lambda dy: (dy, dy)

    x = hod.Variable(1.0)
    with hod.GradientTape() as tape:
        y = two_grads(x)
    with pytest.raises(ValueError, match="returned 2 gradients for 1 inputs"):
        tape.gradient(y, x)


def test_forward_mode_through_custom_gradient_is_refused_clearly():
    @hod.custom_gradient
    def square(x):
        return x * x, lambda dy: dy * 2 * x

    x = hod.constant(3.0)
    with pytest.raises(NotImplementedError, match="forward mode"):
        hod.jvp(square, (x,), (1.0,))


# ------------------------------------------------------------------------------------------
# forward mode

def test_forward_accumulator_gives_the_directional_derivative():
    x = hod.constant([1.0, 2.0])
    with hod.ForwardAccumulator(x, hod.constant([1.0, -1.0])) as acc:
        y = hod.sum(x ** 3)
        unrelated = hod.constant(5.0) * 2
    assert float(acc.jvp(y)) == pytest.approx(3.0 - 12.0)
    assert acc.jvp(unrelated) is None
    assert float(acc.jvp(unrelated, unconnected_gradients="zero")) == 0.0
    with pytest.raises(ValueError, match="does not match"):
        hod.ForwardAccumulator(x, hod.constant([1.0, 2.0, 3.0]))


def test_forward_over_forward_gives_second_derivatives():
    x = hod.constant(0.5)
    with hod.ForwardAccumulator(x, hod.constant(1.0)) as outer:
        with hod.ForwardAccumulator(x, hod.constant(1.0)) as inner:
            y = hod.exp(x) * x
        d1 = inner.jvp(y)
    d2 = outer.jvp(d1)
    e = math.exp(0.5)
    assert float(d1) == pytest.approx(e * 1.5, rel=1e-15)
    assert float(d2) == pytest.approx(e * 2.5, rel=1e-15)


def test_forward_over_reverse_gives_hessian_vector_products():
    x = hod.constant([1.0, 2.0, 3.0])
    v = hod.constant([1.0, 0.0, -1.0])
    with hod.ForwardAccumulator(x, v) as acc:
        with hod.GradientTape() as tape:
            tape.watch(x)
            y = hod.sum(x ** 2 * x[0])
        g = tape.gradient(y, x)
    # y = x0^3 + x0 (x1^2 + x2^2): H = [[6 x0, 2 x1, 2 x2], [2 x1, 2 x0, 0], [2 x2, 0, 2 x0]]
    hess = np.array([[6.0, 4.0, 6.0], [4.0, 2.0, 0.0], [6.0, 0.0, 2.0]])
    np.testing.assert_allclose(value(acc.jvp(g)), hess @ v.numpy())


def test_reverse_over_forward_gives_the_same_hessian_vector_product():
    x = hod.constant([1.0, 2.0, 3.0])
    v = hod.constant([1.0, 0.0, -1.0])
    with hod.GradientTape() as tape:
        tape.watch(x)
        with hod.ForwardAccumulator(x, v) as acc:
            y = hod.sum(x ** 2 * x[0])
        jv = acc.jvp(y)
    hess = np.array([[6.0, 4.0, 6.0], [4.0, 2.0, 0.0], [6.0, 0.0, 2.0]])
    np.testing.assert_allclose(value(tape.gradient(jv, x)), hess @ v.numpy())


# ------------------------------------------------------------------------------------------
# variables

def test_variable_assign_changes_later_computations_not_recorded_ones():
    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = x * x
    x.assign(10.0)
    assert float(tape.gradient(y, x)) == 6.0        # recorded with the value read, 3
    with hod.GradientTape() as tape:
        y = x * x
    assert float(tape.gradient(y, x)) == 20.0
    x.assign_add(1.0)
    x.assign_sub(0.5)
    assert float(x) == 10.5 and x.shape == ()
    with pytest.raises(ValueError, match="shape"):
        x.assign([1.0, 2.0])


def test_a_gradient_does_not_alias_a_variable():
    x, w = hod.Variable(3.0), hod.Variable(4.0)
    with hod.GradientTape() as tape:
        y = x * w
    g = tape.gradient(y, x)
    w.assign(100.0)
    assert float(g) == 4.0


# ------------------------------------------------------------------------------------------
# deep expressions

DEPTH = 10_000


def _sin_chain_derivatives(x0):
    """sin applied DEPTH times: value, first and second derivative by the recurrences."""
    y, d1, d2 = x0, 1.0, 0.0
    for _ in range(DEPTH):
        s, c = math.sin(y), math.cos(y)
        y, d1, d2 = s, c * d1, -s * d1 * d1 + c * d2
    return y, d1, d2


def test_a_chain_of_ten_thousand_operations_differentiates_to_second_order():
    assert sys.getrecursionlimit() < DEPTH
    x = hod.Variable(0.8)
    with hod.GradientTape() as outer:
        with hod.GradientTape() as inner:
            y = x
            for _ in range(DEPTH):
                y = hod.sin(y)
        d1 = inner.gradient(y, x)
    d2 = outer.gradient(d1, x)
    assert len(inner.nodes) == DEPTH
    y_ref, d1_ref, d2_ref = _sin_chain_derivatives(0.8)
    assert float(y) == pytest.approx(y_ref, rel=1e-12)
    assert float(d1) == pytest.approx(d1_ref, rel=1e-10)
    assert float(d2) == pytest.approx(d2_ref, rel=1e-8)


def test_a_ten_thousand_deep_expression_graph_is_traversed_without_recursion():
    e = graph.var("x")
    for _ in range(DEPTH):
        e = hod.sin(e)
    order = graph.topological(e)
    assert len(order) == DEPTH + 1
    assert order[0].op == "var" and order[-1] is e
    assert graph.variables(e) == ["x"]
    x = hod.constant(0.8)
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = graph.evaluate(e, {"x": x})
    y_ref, d1_ref, _ = _sin_chain_derivatives(0.8)
    assert float(y) == pytest.approx(y_ref, rel=1e-12)
    assert float(tape.gradient(y, x)) == pytest.approx(d1_ref, rel=1e-10)
    assert printer.to_text(e).startswith("sin(sin(")
    del e, order  # dropping the deep graph must not recurse either


def test_deferred_cotangents_give_the_same_jacobian_in_place_and_recorded():
    """getitem's deferred scatters and subtract's deferred signs are added in place into one
    buffer when nothing records the backward pass, and through recorded operations when a tape
    does: both must give the Jacobian of the explicit formula."""
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=12)

    def f(x):
        return (x[1:] - x[:-1] ** 2) * x[::2].sum() - x[[0, 0, 3]].sum() * x[2:-1:3].sum() \
            + hod.concat([x[:4], -x[4:8], x[8:]], 0)[:11]

    def explicit(x):
        x = np.asarray(x)
        return ((x[1:] - x[:-1] ** 2) * x[::2].sum() - x[[0, 0, 3]].sum() * x[2:-1:3].sum()
                + np.concatenate([x[:4], -x[4:8], x[8:]])[:11])

    h = 1e-6
    want = np.stack([(explicit(x0 + h * e) - explicit(x0 - h * e)) / (2 * h)
                     for e in np.eye(12)], axis=-1)
    x = hod.constant(x0)
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    in_place = tape.jacobian(y, x).numpy()
    with hod.GradientTape(persistent=True) as outer:  # recording: no in-place accumulation
        outer.watch(x)
        with hod.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        recorded = tape.jacobian(y, x).numpy()
    np.testing.assert_allclose(in_place, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(recorded, in_place, rtol=1e-13, atol=1e-13)


def test_gradient_of_a_source_with_respect_to_itself_is_its_seed_as_in_tensorflow():
    v0, v1 = hod.Variable(2.0), hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = v0  # no operation: the target is the variable itself
    with pytest.warns(hod.HodWarning, match="Variable:.* was never watched"):  # v1 only
        g0, g1 = tape.gradient(y, [v0, v1])
    assert float(g0) == 1.0 and g1 is None
    x = hod.constant([1.0, 2.0])
    with hod.GradientTape() as tape:
        pass
    g = tape.gradient(x, x, output_gradients=hod.constant([3.0, 4.0]))
    assert g.numpy().tolist() == [3.0, 4.0]
    with hod.GradientTape() as tape:
        tape.watch(x)
        z = x * 5.0
    gx, gz = tape.gradient(z, [x, z])
    assert gx.numpy().tolist() == [5.0, 5.0] and gz.numpy().tolist() == [1.0, 1.0]
