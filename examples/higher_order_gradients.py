"""Higher-order gradients with hod's GradientTape.

The examples of the article "Higher-Order gradients in TensorFlow" rewritten with hod:
first-order partial derivatives, all second-order partials from one persistent tape, and input
gradient regularization of a small linear model followed by one Adam step.

Run: python examples/higher_order_gradients.py
"""

import numpy as np

import hod

# --- first-order gradients ---------------------------------------------------------------
x = hod.Variable(5.0)
y = hod.Variable(2.0)


def f(x, y):
    return 2 * x**3 + 5 * y**2 + 11 * x + 5


with hod.GradientTape() as tape:
    z = f(x, y)
dx = tape.gradient(z, x)

with hod.GradientTape() as tape:  # a non-persistent tape gives one gradient: use a new one
    z = f(x, y)
dy = tape.gradient(z, y)

print("f(x, y) = 2x^3 + 5y^2 + 11x + 5 at x = 5, y = 2")
print("  Partial derivative of f with respect to x:", dx.numpy())   # 6x^2 + 11 = 161
print("  Partial derivative of f with respect to y:", dy.numpy())   # 10y = 20


# --- higher-order gradients: every second partial from one persistent tape ----------------
def g(x, y):
    return 2 * x**3 + 5 * y**2 + 11 * x * y + 5


with hod.GradientTape(persistent=True) as tape:
    z = g(x, y)
    # Gradients computed while the tape records are recorded too, so they can be
    # differentiated again.
    dx = tape.gradient(z, x)     # 6x^2 + 11y
    dy = tape.gradient(z, y)     # 10y + 11x
    dxx = tape.gradient(dx, x)   # 12x
    dyy = tape.gradient(dy, y)   # 10
    dxy = tape.gradient(dx, y)   # 11
    dyx = tape.gradient(dy, x)   # 11
del tape

print("g(x, y) = 2x^3 + 5y^2 + 11xy + 5 at x = 5, y = 2")
print("  Partial derivative of g w.r.t. x:", dx.numpy())
print("  Partial derivative of g w.r.t. y:", dy.numpy())
print("  Second-order derivative of g w.r.t. x (d^2g/dx^2):", dxx.numpy())
print("  Second-order derivative of g w.r.t. y (d^2g/dy^2):", dyy.numpy())
print("  Mixed derivative (d^2g/dxdy):", dxy.numpy())
print("  Mixed derivative (d^2g/dydx):", dyx.numpy())

# --- input gradient regularization -------------------------------------------------------
# The article's model is a Keras Dense(units=1) layer: kernel of shape (3, 1) drawn by Keras's
# default Glorot-uniform initializer, bias initialised to zero.  Here the same layer is two hod
# Variables, and the kernel is drawn the same way from numpy's seeded generator, so the output
# is reproducible.  (The article's printed parameters depend on Keras's own random draw and
# cannot be reproduced exactly; its printed bias cannot follow from its code at all: the input
# gradient of a linear layer is its kernel, so the norm does not depend on the bias, whose
# gradient is None, and Keras skips a variable without a gradient, leaving the bias at 0.)
rng = np.random.default_rng(0)
limit = np.sqrt(6.0 / (3 + 1))
kernel = hod.Variable(rng.uniform(-limit, limit, size=(3, 1)), name="dense/kernel")
bias = hod.Variable(np.zeros(1), name="dense/bias")
trainable_variables = [kernel, bias]


def model(inputs):
    return hod.matmul(inputs, kernel) + bias


input_data = hod.constant([[1.0, 2.0, 3.0]])


def input_gradient_norm(inputs):
    """||d model(inputs) / d inputs||, itself recorded so it can be differentiated."""
    with hod.GradientTape() as tape:
        tape.watch(inputs)
        output = model(inputs)
    return hod.norm(tape.gradient(output, inputs))


def input_gradient_regularization(inputs):
    with hod.GradientTape(persistent=True) as tape:
        tape.watch(inputs)
        output = model(inputs)
        magnitude = hod.norm(tape.gradient(output, inputs))
    return magnitude, [tape.gradient(magnitude, var) for var in trainable_variables]


magnitude, gradients = input_gradient_regularization(input_data)
print("Input gradient regularization, Dense(1) on [[1, 2, 3]]")
print("  kernel:", kernel.numpy().ravel())
print("  ||input gradient|| =", magnitude.numpy(), " (= ||kernel||:",
      np.linalg.norm(kernel.numpy()), ")")
print("  d||input gradient||/d kernel:", gradients[0].numpy().ravel())
print("  d||input gradient||/d bias:", gradients[1], "(the norm does not depend on the bias)")

# Check the kernel gradient against central finite differences of the same function.
step = 1e-6
w0 = kernel.numpy().copy()
numeric = np.zeros_like(w0)
for i in np.ndindex(w0.shape):
    for sign in (1.0, -1.0):
        w = w0.copy()
        w[i] += sign * step
        kernel.assign(w)
        numeric[i] += sign * float(input_gradient_norm(input_data)) / (2 * step)
kernel.assign(w0)
difference = np.max(np.abs(numeric - gradients[0].numpy()))
print("  finite differences:", numeric.ravel())
print(f"  max |hod - finite differences| = {difference:.2e}")
assert difference < 1e-8


# One step of Adam (learning rate 0.01, Keras's defaults otherwise), written in numpy: hod
# computes gradients, it has no optimizers.  On a first step Adam moves every parameter with a
# nonzero gradient by about the learning rate, against the gradient's sign.
def adam_step(variables, grads, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-7):
    for var, grad in zip(variables, grads):
        if grad is None:  # like Keras: a variable without a gradient is left alone
            continue
        gval = grad.numpy()
        m = (1 - beta1) * gval
        v = (1 - beta2) * gval**2
        m_hat, v_hat = m / (1 - beta1), v / (1 - beta2)
        var.assign_sub(lr * m_hat / (np.sqrt(v_hat) + eps))


adam_step(trainable_variables, gradients)
print("Updated Model Parameters:")
for var in trainable_variables:
    print(f"  {var.name}: {var.numpy().ravel()}")
