"""Higher-order gradients by nesting tapes: the basic tape, then first and second derivatives.

The examples of the article "Higher-order gradients with tf.GradientTape" rewritten with hod:
the gradient of x^2 at 3, then dy/dx and d2y/dx2 of x^3 at 3 from two nested tapes.

Run: python examples/higher_order_tape.py
"""

import hod

# --- the basic tape: a constant must be watched explicitly --------------------------------
x = hod.constant(3.0)
with hod.GradientTape() as tape:
    tape.watch(x)
    y = x**2
grad = tape.gradient(y, x)
print("d(x^2)/dx at x = 3:", grad.numpy())          # 2x = 6

# --- second order: the outer tape records the inner tape's gradient computation ----------
# Each tape watches x itself: the article calls only tape1.watch(x), and then (in TensorFlow as
# in hod) the outer tape never saw x and its gradient is None; hod warns when that happens.
x = hod.constant(3.0)
with hod.GradientTape() as tape2:
    with hod.GradientTape() as tape1:
        tape1.watch(x)
        tape2.watch(x)
        y = x**3
    dy_dx = tape1.gradient(y, x)       # first-order gradient: 3x^2
d2y_dx2 = tape2.gradient(dy_dx, x)     # second-order gradient: 6x
print("d(x^3)/dx at x = 3:", dy_dx.numpy())          # 27
print("d2(x^3)/dx2 at x = 3:", d2y_dx2.numpy())      # 18

# --- and on: one more tape per order --------------------------------------------------------
x = hod.constant(3.0)
with hod.GradientTape() as tape3:
    tape3.watch(x)
    with hod.GradientTape() as tape2:
        tape2.watch(x)
        with hod.GradientTape() as tape1:
            tape1.watch(x)
            y = x**3
        dy_dx = tape1.gradient(y, x)
    d2y_dx2 = tape2.gradient(dy_dx, x)
d3y_dx3 = tape3.gradient(d2y_dx2, x)
print("d3(x^3)/dx3 at x = 3:", d3y_dx3.numpy())      # 6
print("the same three with hod.derivative:",
      [float(hod.derivative(lambda t: t**3, n)(3.0)) for n in (1, 2, 3)])
