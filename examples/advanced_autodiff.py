"""Advanced automatic differentiation with hod: TensorFlow's "advanced autodiff" guide, in hod.

Controlling what a tape records (stop_recording, reset, stop_gradient), a custom gradient that
clips an intermediate gradient, several tapes at once, higher-order gradients, input gradient
regularization (checked against finite differences), Jacobians with scalar and tensor sources,
a Hessian and Newton's method, and batch Jacobians.  Keras layers become a few hod Variables
and hod operations; random inputs come from numpy's seeded generator.

Run: python examples/advanced_autodiff.py
"""

import warnings

import numpy as np

import hod

rng = np.random.default_rng(0)


def show(title):
    print()
    print(title)


def gradients_of(tape, z, sources):
    """tape.gradient, printing hod's warning about never-watched sources on stdout."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", hod.HodWarning)
        grads = tape.gradient(z, sources)
    text = {k: None if g is None else float(g) for k, g in grads.items()}
    print("  dz/dx:", text["x"], " dz/dy:", text["y"])
    for w in caught:
        print("  hod warns:", str(w.message).split(",")[0])


class Dense:
    """A dense layer: Glorot-uniform kernel and zero bias, like Keras's defaults."""

    def __init__(self, n_in, n_out, activation=None):
        limit = np.sqrt(6.0 / (n_in + n_out))
        self.kernel = hod.Variable(rng.uniform(-limit, limit, (n_in, n_out)), name="kernel")
        self.bias = hod.Variable(np.zeros(n_out), name="bias")
        self.activation = activation

    def __call__(self, x):
        z = hod.matmul(x, self.kernel) + self.bias
        return self.activation(z) if self.activation else z

    @property
    def trainable_variables(self):
        return [self.kernel, self.bias]


def elu(z):
    return hod.where(z > 0, z, hod.expm1(hod.minimum(z, 0.0)))


# =========================================================================================
# Controlling gradient recording
# =========================================================================================
x = hod.Variable(2.0, name="x")
y = hod.Variable(3.0, name="y")

print("TensorFlow's advanced autodiff guide, in hod")
show("stop_recording: operations inside the block are not recorded")
with hod.GradientTape() as t:
    x_sq = x * x
    with t.stop_recording():
        y_sq = y * y
    z = x_sq + y_sq
gradients_of(t, z, {"x": x, "y": y})

show("reset: forget everything recorded so far")
with hod.GradientTape() as t:
    y_sq = y * y
    t.reset()
    z = x * x + y_sq
gradients_of(t, z, {"x": x, "y": y})

show("stop_gradient: cut one path, without access to the tape")
with hod.GradientTape() as t:
    y_sq = y**2
    z = x**2 + hod.stop_gradient(y_sq)
gradients_of(t, z, {"x": x, "y": y})


# =========================================================================================
# Custom gradients: clip an intermediate gradient
# =========================================================================================
@hod.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return hod.clip_by_norm(dy, 0.5)

    return y, backward


show("custom_gradient: clip_by_norm(0.5) on the gradient reaching v*v")
v = hod.Variable(2.0)
with hod.GradientTape() as t:
    output = clip_gradients(v * v)
print("  gradient with clipping:", t.gradient(output, v).numpy(),
      " (dy = 1 is clipped to 0.5, times d(v*v)/dv = 4)")
with hod.GradientTape() as t:
    output = v * v
print("  gradient without clipping:", t.gradient(output, v).numpy())

# =========================================================================================
# Multiple tapes
# =========================================================================================
show("multiple tapes, each watching its own tensor")
x0 = hod.constant(0.0)
x1 = hod.constant(0.0)
with hod.GradientTape() as tape0, hod.GradientTape() as tape1:
    tape0.watch(x0)
    tape1.watch(x1)
    y0 = hod.sin(x0)
    y1 = hod.sigmoid(x1)
    y = y0 + y1
    ys = hod.reduce_sum(y)
print("  d ys/d x0 =", tape0.gradient(ys, x0).numpy(), " (cos(0))")
print("  d ys/d x1 =", tape1.gradient(ys, x1).numpy(), " (sigmoid'(0))")

# =========================================================================================
# Higher-order gradients
# =========================================================================================
show("higher-order gradients: y = x^3 at x = 1")
x = hod.Variable(1.0)
with hod.GradientTape() as t2:
    with hod.GradientTape() as t1:
        y = x * x * x
    # Computed inside t2, so t2 records the gradient computation.
    dy_dx = t1.gradient(y, x)
d2y_dx2 = t2.gradient(dy_dx, x)
print("  dy_dx:", dy_dx.numpy())
print("  d2y_dx2:", d2y_dx2.numpy())

# =========================================================================================
# Input gradient regularization
# =========================================================================================
show("input gradient regularization: gradient of ||d out/d x|| with respect to the layer")
x = hod.constant(rng.normal(size=(7, 5)))
layer = Dense(5, 10, hod.relu)


def input_gradient_magnitude():
    with hod.GradientTape() as t1:
        t1.watch(x)
        out = hod.reduce_sum(layer(x) ** 2)
    # The input gradient: a (7, 5) tensor; its norm is what the regularizer penalises.
    g1 = t1.gradient(out, x)
    return hod.norm(g1)


with hod.GradientTape() as t2:
    g1_mag = input_gradient_magnitude()
dg1_mag = t2.gradient(g1_mag, layer.trainable_variables)
print("  ||input gradient|| =", round(float(g1_mag), 6))
print("  gradient shapes:", [g.shape for g in dg1_mag])

# Check both gradients against central finite differences of the same function.
step = 1e-6
worst = 0.0
for var, analytic in zip(layer.trainable_variables, dg1_mag):
    v0 = var.numpy().copy()
    numeric = np.zeros_like(v0)
    for i in np.ndindex(v0.shape):
        values = []
        for sign in (1.0, -1.0):
            w = v0.copy()
            w[i] += sign * step
            var.assign(w)
            values.append(float(input_gradient_magnitude()))
        numeric[i] = (values[0] - values[1]) / (2 * step)
    var.assign(v0)
    worst = max(worst, float(np.max(np.abs(numeric - analytic.numpy()))))
print(f"  max |hod - finite differences| over kernel and bias = {worst:.2e}")
assert worst < 1e-6

# =========================================================================================
# Jacobians
# =========================================================================================
show("jacobian with a scalar source: d sigmoid(x + delta)/d delta at 201 points")
x = hod.constant(np.linspace(-10.0, 10.0, 201))
delta = hod.Variable(0.0)
with hod.GradientTape() as tape:
    y = hod.sigmoid(x + delta)
dy_dx = tape.jacobian(y, delta)
s = 1.0 / (1.0 + np.exp(-x.numpy()))
print("  jacobian shape:", dy_dx.shape, " (the target's shape)")
print(f"  max |jacobian - sigmoid'(x)| = {np.max(np.abs(dy_dx.numpy() - s * (1 - s))):.1e}")

show("jacobian with a tensor source: a dense layer's output with respect to its kernel")
x = hod.constant(rng.normal(size=(7, 5)))
layer = Dense(5, 10, hod.relu)
with hod.GradientTape(persistent=True) as tape:
    y = layer(x)
j = tape.jacobian(y, layer.kernel)
print("  output shape:", y.shape, " kernel shape:", layer.kernel.shape,
      " jacobian shape:", j.shape)
g = tape.gradient(y, layer.kernel)
j_sum = hod.reduce_sum(j, axis=[0, 1])
delta = float(np.max(np.abs(g.numpy() - j_sum.numpy())))
print(f"  max |gradient - jacobian summed over the target's axes| = {delta:.1e}")
del tape

# =========================================================================================
# Hessian and Newton's method
# =========================================================================================
show("Hessian: the jacobian of a gradient (two dense ELU layers, loss = mean(out^2))")
x = hod.constant(rng.normal(size=(7, 5)))
layer1 = Dense(5, 8, elu)
layer2 = Dense(8, 6, elu)


def mlp_loss():
    return hod.reduce_mean(layer2(layer1(x)) ** 2)


with hod.GradientTape() as t2:
    with hod.GradientTape() as t1:
        loss = mlp_loss()
    g = t1.gradient(loss, layer1.kernel)
h = t2.jacobian(g, layer1.kernel)
print("  kernel shape:", layer1.kernel.shape, " hessian shape:", h.shape)
n_params = int(np.prod(layer1.kernel.shape))
h_mat = h.numpy().reshape(n_params, n_params)
g_vec = g.numpy().reshape(n_params, 1)
print(f"  max |H - H^T| = {np.max(np.abs(h_mat - h_mat.T)):.1e}  (symmetric)")
# The guide's Newton step, regularized by eps*I as there.
eps = 1e-3
update = np.linalg.solve(h_mat + eps * np.eye(n_params), g_vec)
layer1.kernel.assign_sub(update.reshape(layer1.kernel.shape))
eigenvalues = np.linalg.eigvalsh(h_mat)
print(f"  loss before the Newton step {float(loss):.6f}, after {float(mlp_loss()):.6f}")
print(f"  (the Hessian's eigenvalues run from {eigenvalues[0]:.3f} to {eigenvalues[-1]:.3f}: "
      "it is not positive definite,\n  so a plain Newton step need not go downhill; on a convex "
      "quadratic it lands on the minimum:)")

show("Newton's method on a quadratic lands on the minimum in one step")
a_factor = rng.normal(size=(4, 4))
A = a_factor @ a_factor.T + 4 * np.eye(4)          # symmetric positive definite
b = rng.normal(size=4)


def quadratic(w):
    return 0.5 * hod.sum(w * hod.matmul(hod.constant(A), w)) - hod.sum(hod.constant(b) * w)


w = hod.Variable(np.zeros(4))
with hod.GradientTape() as t2:
    with hod.GradientTape() as t1:
        f = quadratic(w)
    g = t1.gradient(f, w)
H = t2.jacobian(g, w)
print(f"  max |H - A| = {np.max(np.abs(H.numpy() - A)):.1e}")
w.assign_sub(np.linalg.solve(H.numpy(), g.numpy()))
with hod.GradientTape() as t:
    f = quadratic(w)
print(f"  after one step: |gradient| = {np.linalg.norm(t.gradient(f, w).numpy()):.1e}, "
      f"|w - A^-1 b| = {np.linalg.norm(w.numpy() - np.linalg.solve(A, b)):.1e}")

# =========================================================================================
# Batch Jacobian
# =========================================================================================
show("batch_jacobian: per-example Jacobians of a (7, 5) -> (7, 6) network")
x = hod.constant(rng.normal(size=(7, 5)))
layer1 = Dense(5, 8, elu)
layer2 = Dense(8, 6, elu)
with hod.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
    tape.watch(x)
    y = layer2(layer1(x))
j = tape.jacobian(y, x)
jb = tape.batch_jacobian(y, x)
print("  y shape:", y.shape, " full jacobian shape:", j.shape, " batch_jacobian shape:", jb.shape)
jn = j.numpy()
j_select = np.einsum("bxby->bxy", jn)              # the diagonal (b, b) blocks
off_diagonal = jn.copy()
for k in range(7):
    off_diagonal[k, :, k, :] = 0.0
print(f"  max |off-diagonal blocks of the full jacobian| = {np.max(np.abs(off_diagonal)):.1e}")
print(f"  max |batch_jacobian - diagonal blocks| = {np.max(np.abs(jb.numpy() - j_select)):.1e}")
del tape

show("batch_jacobian when examples are not independent (batch normalization)")


def batch_norm(z, epsilon=1e-3):
    mean = hod.reduce_mean(z, axis=0, keepdims=True)
    variance = hod.reduce_mean((z - mean) ** 2, axis=0, keepdims=True)
    return (z - mean) / hod.sqrt(variance + epsilon)


with hod.GradientTape(persistent=True, watch_accessed_variables=False) as tape:
    tape.watch(x)
    z = layer2(batch_norm(layer1(x)))
jn = tape.jacobian(z, x).numpy()
jb = tape.batch_jacobian(z, x)
off_diagonal = jn.copy()
for k in range(7):
    off_diagonal[k, :, k, :] = 0.0
j_select = np.einsum("bxby->bxy", jn)
print("  batch_jacobian shape:", jb.shape, "(it still runs)")
print(f"  max |off-diagonal blocks| = {np.max(np.abs(off_diagonal)):.2f}: examples interact, so")
print(f"  batch_jacobian differs from the diagonal blocks by up to "
      f"{np.max(np.abs(jb.numpy() - j_select)):.2f}; its meaning is unclear here")
