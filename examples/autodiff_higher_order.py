"""Higher-order derivatives by nested tapes, and an nth-derivative helper done right.

The examples of the article "TensorFlow Autodiff: Calculating Higher-Order Derivatives"
rewritten with hod: the first and second derivatives of x^2 at 3, then its "generalised" helper,
which does not differentiate at all, beside a correct one and ``hod.derivative``.

Run: python examples/autodiff_higher_order.py
"""

import contextlib

import hod

x = hod.Variable(3.0)


def function(x):
    return x**2


# --- first derivative ----------------------------------------------------------------------
with hod.GradientTape() as tape:
    y = function(x)
print("The first derivative of x^2 at 3 is:", tape.gradient(y, x).numpy())      # 6

# --- second derivative: nested tapes ------------------------------------------------------
with hod.GradientTape() as outer_tape:
    with hod.GradientTape() as inner_tape:
        y = function(x)
    first_derivative = inner_tape.gradient(y, x)
second_derivative = outer_tape.gradient(first_derivative, x)
print("The second derivative of x^2 at 3 is:", second_derivative.numpy())       # 2


# --- the nth derivative ----------------------------------------------------------------------
# The article's helper is
#
#     def higher_order_derivative(f, x, order):
#         for _ in range(order):
#             with tf.GradientTape() as tape:
#                 x = f(x)
#         return x
#
# It never calls tape.gradient: it applies f `order` times, so for f(x) = x^2 at 3 it returns
# ((3^2)^2)^2 = 6561 and calls that "the third derivative".  Rewritten literally:
def article_helper(f, x, order):
    for _ in range(order):
        with hod.GradientTape():
            x = f(x)
    return x


print("The article's helper for order 3 of x^2 at 3 returns:",
      article_helper(function, hod.Variable(3.0), 3).numpy(), "(that is f(f(f(3))))")


# Differentiating needs one tape per order, all recording while f runs; each gradient is then
# taken inside the tapes further out, which record it for the next order.
def higher_order_derivative(f, x, order):
    with contextlib.ExitStack() as stack:
        tapes = [stack.enter_context(hod.GradientTape()) for _ in range(order)]
        for tape in tapes:
            tape.watch(x)
        y = f(x)
        for tape in reversed(tapes):
            # Past the degree of a polynomial the derivative no longer depends on x: ask for
            # zeros instead of None.
            y = tape.gradient(y, x, unconnected_gradients="zero")
    return y


print("The third derivative of x^2 at 3 is:",
      higher_order_derivative(function, hod.Variable(3.0), 3).numpy())          # 0
print("The third derivative of x^3 at 3 is:",
      higher_order_derivative(lambda x: x**3, hod.Variable(3.0), 3).numpy())    # 6

# hod.derivative(f, n) is that helper, built in.
print("hod.derivative(x^2, 3) at 3:", hod.derivative(function, 3)(3.0).numpy())
print("hod.derivative(x^3, 3) at 3:", hod.derivative(lambda x: x**3, 3)(3.0).numpy())
