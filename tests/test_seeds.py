"""Every example of the source articles, written in hod the way they write it in TensorFlow,
with the numbers they print.

Where an article's code is wrong (a helper that applies f again instead of differentiating; an
outer tape that never watches its constant) the test shows what that code does in hod and
then the code done right.
"""

from __future__ import annotations

import numpy as np
import pytest

import hod


def value(t):
    return np.asarray(t.numpy(), dtype=np.float64)


def central_difference(fn, x, h):
    return (-fn(x + 2 * h) + 8 * fn(x + h) - 8 * fn(x - h) + fn(x - 2 * h)) / (12 * h)


# ------------------------------------------------------------------------------------------
# "Higher-Order gradients in TensorFlow"

def test_first_order_partials_161_and_20():
    x = hod.Variable(5.0)
    y = hod.Variable(2.0)

    def f(x, y):
        return 2 * x**3 + 5 * y**2 + 11 * x + 5

    with hod.GradientTape() as tape:
        z = f(x, y)
    dx = tape.gradient(z, x)
    with hod.GradientTape() as tape:
        z = f(x, y)
    dy = tape.gradient(z, y)
    assert dx.numpy() == 161.0
    assert dy.numpy() == 20.0


def test_persistent_tape_computing_its_own_derivatives_172_75_60_10_11_11():
    x = hod.Variable(5.0)
    y = hod.Variable(2.0)

    def f(x, y):
        return 2 * x**3 + 5 * y**2 + 11 * x * y + 5

    with hod.GradientTape(persistent=True) as tape:
        z = f(x, y)
        dx = tape.gradient(z, x)     # 6 x^2 + 11 y
        dy = tape.gradient(z, y)     # 10 y + 11 x
        dxx = tape.gradient(dx, x)   # 12 x
        dyy = tape.gradient(dy, y)   # 10
        dxy = tape.gradient(dx, y)   # 11
        dyx = tape.gradient(dy, x)   # 11
    del tape
    assert [float(d.numpy()) for d in (dx, dy, dxx, dyy, dxy, dyx)] == [
        172.0, 75.0, 60.0, 10.0, 11.0, 11.0]


class SimpleModel:
    """A dense layer with one unit (optionally tanh), its weights hod Variables."""

    def __init__(self, kernel, bias, activation=None):
        self.kernel = hod.Variable(kernel, name="simple_model/dense/kernel")
        self.bias = hod.Variable(bias, name="simple_model/dense/bias")
        self.activation = activation

    @property
    def trainable_variables(self):
        return [self.kernel, self.bias]

    def __call__(self, inputs):
        out = inputs @ self.kernel + self.bias
        return self.activation(out) if self.activation else out


def input_gradient_regularization(model, input_data):
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(input_data)
        output = model(input_data)
        magnitude = hod.norm(tape.gradient(output, input_data))
    gradients = [tape.gradient(magnitude, var, unconnected_gradients="zero")
                 for var in model.trainable_variables]
    return gradients


def _magnitude_at(kernel, bias, activation, input_data):
    """The regularizer ||d output / d input|| for given weights (computed through a tape)."""
    model = SimpleModel(kernel, bias, activation)
    x = hod.constant(input_data)
    with hod.GradientTape() as tape:
        tape.watch(x)
        output = model(x)
    return float(hod.norm(tape.gradient(output, x)))


@pytest.mark.parametrize("activation", [None, hod.tanh], ids=["linear", "tanh"])
def test_input_gradient_regularization_matches_finite_differences(activation):
    input_data = np.array([[1.0, 2.0, 3.0]])
    kernel, bias = np.array([[0.2], [-0.4], [0.7]]), np.array([0.1])
    model = SimpleModel(kernel, bias, activation)
    gradients = input_gradient_regularization(model, hod.constant(input_data))
    assert [g.shape for g in gradients] == [(3, 1), (1,)]
    for var, grad in zip(model.trainable_variables, gradients):
        fd = np.zeros(var.shape)
        for idx in np.ndindex(var.shape):
            def magnitude(t, idx=idx, var=var):
                k, b = kernel.copy(), bias.copy()
                (k if var is model.kernel else b)[idx] += t
                return _magnitude_at(k, b, activation, input_data)
            fd[idx] = central_difference(magnitude, 0.0, 1e-4)
        np.testing.assert_allclose(value(grad), fd, rtol=1e-8, atol=1e-10)
    if activation is None:
        # a linear model's input gradient is its kernel: the regularizer is ||kernel||
        np.testing.assert_allclose(value(gradients[0]), kernel / np.linalg.norm(kernel))
        assert not value(gradients[1]).any()
    # a training step along these gradients makes the input gradient smaller
    before = _magnitude_at(kernel, bias, activation, input_data)
    for var, grad in zip(model.trainable_variables, gradients):
        var.assign_sub(0.1 * grad)
    after = _magnitude_at(model.kernel.numpy(), model.bias.numpy(), activation, input_data)
    assert after < before


# ------------------------------------------------------------------------------------------
# "Calculating higher-order gradients" (tf.constant and watch)

def test_gradient_of_x_squared_at_3_is_6():
    x = hod.constant(3.0)
    with hod.GradientTape() as tape:
        tape.watch(x)
        y = x ** 2
    grad = tape.gradient(y, x)
    assert grad.numpy() == 6.0


def test_nested_tapes_on_a_watched_constant_give_27_and_18():
    x = hod.constant(3.0)
    with hod.GradientTape() as tape2:
        tape2.watch(x)
        with hod.GradientTape() as tape1:
            tape1.watch(x)
            y = x ** 3
        dy_dx = tape1.gradient(y, x)
    d2y_dx2 = tape2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 27.0
    assert d2y_dx2.numpy() == 18.0


def test_the_article_code_without_the_outer_watch_warns_instead_of_giving_18():
    """As printed, only the inner tape watches the constant, so (as in TensorFlow) the outer
    tape records nothing; hod says so instead of silently returning None."""
    x = hod.constant(3.0)
    with hod.GradientTape() as tape2:
        with hod.GradientTape() as tape1:
            tape1.watch(x)
            y = x ** 3
        dy_dx = tape1.gradient(y, x)
    with pytest.warns(hod.HodWarning, match=r"never watched.*tape\.watch\(x\)"):
        d2y_dx2 = tape2.gradient(dy_dx, x)
    assert dy_dx.numpy() == 27.0
    assert d2y_dx2 is None


# ------------------------------------------------------------------------------------------
# "Advanced Gradient Techniques with tf.GradientTape"

def test_gradient_of_a_variable_squared_is_6():
    def simple_function(x):
        return x ** 2

    x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = simple_function(x)
    dy_dx = tape.gradient(y, x)
    assert dy_dx.numpy() == 6.0


def test_custom_relu_gradient_is_0_0_1():
    @hod.custom_gradient
    def custom_relu(x):
        y = hod.maximum(0.0, x)

        def grad(dy):
            # the gradient of ReLU is 1 for x > 0, 0 otherwise
            return dy * hod.where(x > 0, 1.0, 0.0)

        return y, grad

    x = hod.Variable([-2.0, 0.0, 2.0])
    with hod.GradientTape() as tape:
        y = custom_relu(x)
    dy_dx = tape.gradient(y, x)
    assert dy_dx.numpy().tolist() == [0.0, 0.0, 1.0]


def test_persistent_outer_tape_gives_6_and_2_for_x_squared_at_3():
    def simple_function(x):
        return x ** 2

    x = hod.Variable(3.0)
    with hod.GradientTape(persistent=True) as tape:
        with hod.GradientTape() as inner_tape:
            y = simple_function(x)
        dy_dx = inner_tape.gradient(y, x)
    d2y_dx2 = tape.gradient(dy_dx, x)
    assert dy_dx.numpy() == 6.0
    assert d2y_dx2.numpy() == 2.0


class Dense:
    """A dense layer whose weights are hod Variables."""

    def __init__(self, rng, n_in, n_out, activation=None):
        self.kernel = hod.Variable(rng.normal(size=(n_in, n_out)) / np.sqrt(n_in))
        self.bias = hod.Variable(np.zeros(n_out))
        self.activation = activation

    @property
    def trainable_variables(self):
        return [self.kernel, self.bias]

    def __call__(self, x):
        y = x @ self.kernel + self.bias
        return self.activation(y) if self.activation else y


def test_gradient_clipping_with_clip_by_norm_in_a_training_step():
    rng = np.random.default_rng(0)
    layers = [Dense(rng, 32, 64, hod.relu), Dense(rng, 64, 1)]
    variables = [v for layer in layers for v in layer.trainable_variables]

    def model(x):
        for layer in layers:
            x = layer(x)
        return x

    def loss_fn(y, predictions):
        return hod.mean(hod.square(y - predictions))

    x_train = hod.constant(rng.normal(size=(64, 32)))
    y_train = hod.constant(rng.normal(size=(64, 1)) * 10.0)
    with hod.GradientTape() as tape:
        predictions = model(x_train)
        loss = loss_fn(y_train, predictions)
    gradients = tape.gradient(loss, variables)
    clipped_gradients = [hod.clip_by_norm(g, 1.0) for g in gradients]
    for g, c in zip(gradients, clipped_gradients):
        n = np.linalg.norm(value(g))
        assert np.linalg.norm(value(c)) == pytest.approx(min(n, 1.0), rel=1e-12)
        np.testing.assert_allclose(value(c), value(g) * min(1.0, 1.0 / n), rtol=1e-12)
    assert max(np.linalg.norm(value(g)) for g in gradients) > 1.0  # clipping did something
    # a small step along the clipped gradients lowers the loss
    for v, c in zip(variables, clipped_gradients):
        v.assign_sub(0.01 * c)
    assert float(loss_fn(y_train, model(x_train))) < float(loss)


# ------------------------------------------------------------------------------------------
# TensorFlow's guide "Advanced automatic differentiation"

def test_custom_gradient_clipping_an_intermediate_gradient_gives_2():
    @hod.custom_gradient
    def clip_gradients(y):
        def backward(dy):
            return hod.clip_by_norm(dy, 0.5)
        return y, backward

    v = hod.Variable(2.0)
    with hod.GradientTape() as t:
        output = clip_gradients(v * v)
    assert t.gradient(output, v).numpy() == 2.0   # calls backward, which clips 4 to 2


def test_hessian_from_the_jacobian_of_a_gradient_has_the_kernels_shape_twice():
    rng = np.random.default_rng(2)
    x = hod.constant(rng.normal(size=(7, 5)))
    layer1 = Dense(rng, 5, 8, hod.relu)
    layer2 = Dense(rng, 8, 6, hod.relu)

    def loss_of(kernel_value):
        layer1.kernel.assign(kernel_value)
        with hod.GradientTape() as t1:
            y = layer2(layer1(x))
            loss = hod.mean(y ** 2)
        return value(t1.gradient(loss, layer1.kernel))

    kernel0 = layer1.kernel.numpy().copy()
    with hod.GradientTape() as t2:
        with hod.GradientTape() as t1:
            y = layer1(x)
            y = layer2(y)
            loss = hod.mean(y ** 2)
        g = t1.gradient(loss, layer1.kernel)
    h = t2.jacobian(g, layer1.kernel)
    assert layer1.kernel.shape == (5, 8) and h.shape == (5, 8, 5, 8)
    n_params = 40
    h_mat = value(h).reshape(n_params, n_params)
    np.testing.assert_allclose(h_mat, h_mat.T, atol=1e-12)   # the Hessian is symmetric
    # columns of the Hessian are derivatives of the gradient
    for k in (0, 13, 39):
        idx = np.unravel_index(k, (5, 8))

        def g_at(t, idx=idx):
            kv = kernel0.copy()
            kv[idx] += t
            return loss_of(kv).ravel()

        np.testing.assert_allclose(h_mat[:, k], central_difference(g_at, 0.0, 1e-5),
                                   rtol=1e-6, atol=1e-8)


def test_one_newton_step_on_a_quadratic_lands_on_the_minimum():
    rng = np.random.default_rng(3)
    x = hod.constant(rng.normal(size=(7, 5)))
    target = hod.constant(rng.normal(size=(7, 8)))
    kernel = hod.Variable(rng.normal(size=(5, 8)))
    with hod.GradientTape() as t2:
        with hod.GradientTape() as t1:
            loss = hod.mean((x @ kernel - target) ** 2)
        g = t1.gradient(loss, kernel)
    h = t2.jacobian(g, kernel)
    n_params = int(np.prod(kernel.shape))
    g_vec = hod.reshape(g, [n_params, 1])
    h_mat = hod.reshape(h, [n_params, n_params])
    update = np.linalg.solve(h_mat.numpy(), g_vec.numpy())
    kernel.assign_sub(update.reshape(kernel.shape))
    best, *_ = np.linalg.lstsq(x.numpy(), target.numpy(), rcond=None)
    np.testing.assert_allclose(kernel.numpy(), best, rtol=1e-10, atol=1e-12)
    with hod.GradientTape() as t1:
        loss = hod.mean((x @ kernel - target) ** 2)
    assert np.abs(value(t1.gradient(loss, kernel))).max() < 1e-12


def elu(z):
    return hod.where(z > 0, z, hod.expm1(hod.minimum(z, 0.0)))


def test_batch_jacobian_equals_the_diagonal_blocks_of_the_jacobian():
    rng = np.random.default_rng(4)
    x = hod.constant(rng.normal(size=(2, 3)))
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(x)
        layer1 = Dense(rng, 3, 8, elu)
        layer2 = Dense(rng, 8, 6, elu)
        y = layer1(x)
        y = layer2(y)
    assert y.shape == (2, 6)
    j = tape.jacobian(y, x)
    assert j.shape == (2, 6, 2, 3)
    j_sum = hod.sum(j, axis=2)
    j_select = np.einsum("bxby->bxy", value(j))
    jb = tape.batch_jacobian(y, x)
    assert jb.shape == (2, 6, 3)
    np.testing.assert_allclose(value(jb), value(j_sum), atol=1e-15)
    np.testing.assert_allclose(value(jb), j_select, atol=1e-15)


# ------------------------------------------------------------------------------------------
# "TensorFlow Autodiff: Calculating Higher-Order Derivatives"

def test_first_and_second_derivative_of_x_squared_are_6_and_2():
    def function(x):
        return x ** 2

    tf_x = hod.Variable(3.0)
    with hod.GradientTape() as tape:
        y = function(tf_x)
    assert tape.gradient(y, tf_x).numpy() == 6.0
    with hod.GradientTape() as outer_tape:
        with hod.GradientTape() as inner_tape:
            y = function(tf_x)
        first_derivative = inner_tape.gradient(y, tf_x)
    second_derivative = outer_tape.gradient(first_derivative, tf_x)
    assert second_derivative.numpy() == 2.0


def test_the_articles_nth_derivative_helper_applies_f_again_and_hod_derivative_does_not():
    def higher_order_derivative(f, x, order):
        for _ in range(order):
            with hod.GradientTape():
                x = f(x)
        return x

    wrong = higher_order_derivative(lambda x: x ** 2, hod.Variable(3.0), 3)
    assert wrong.numpy() == 6561.0          # ((3^2)^2)^2, not a derivative at all
    assert hod.derivative(lambda x: x ** 3, 3)(3.0).numpy() == 6.0
    assert hod.derivative(lambda x: x ** 2, 3)(3.0).numpy() == 0.0
    assert hod.nested_derivative(lambda x: x ** 3, 3)(3.0).numpy() == 6.0
    assert hod.nested_derivative(lambda x: x ** 2, 3)(3.0).numpy() == 0.0
