"""Gradient techniques with hod's GradientTape: custom gradients, higher orders, training steps.

The examples of the article "Advanced Gradient Techniques with tf.GradientTape" rewritten with
hod: a first gradient, a custom ReLU gradient, a second derivative from nested tapes, and small
versions of its training examples (gradient clipping, L2 regularization, a regression loop, a
policy-gradient step, adversarial training).  hod has no Keras: layers are a few hod Variables
and hod operations, and Adam is written in numpy below.  Random data comes from numpy's seeded
generator, so every run prints the same numbers.

Run: python examples/gradient_techniques.py
"""

import numpy as np

import hod

rng = np.random.default_rng(0)


# --- a first gradient --------------------------------------------------------------------
def simple_function(x):
    return x**2


x = hod.Variable(3.0)
with hod.GradientTape() as tape:
    y = simple_function(x)
dy_dx = tape.gradient(y, x)
print("The gradient of y = x^2 with respect to x at 3 is:", dy_dx.numpy())


# --- a custom gradient: ReLU ------------------------------------------------------------
@hod.custom_gradient
def custom_relu(x):
    y = hod.maximum(0.0, x)

    def grad(dy):
        # The gradient of ReLU is 1 for x > 0, 0 otherwise (comparisons carry no gradient).
        return dy * (x > 0)

    return y, grad


x = hod.Variable([-2.0, 0.0, 2.0])
with hod.GradientTape() as tape:
    y = custom_relu(x)
dy_dx = tape.gradient(y, x)
print("The gradients of custom_relu at [-2, 0, 2] are:", dy_dx.numpy())

# --- a second derivative: an inner tape inside a persistent outer tape ---------------------
x = hod.Variable(3.0)
with hod.GradientTape(persistent=True) as tape:
    with hod.GradientTape() as inner_tape:
        y = simple_function(x)
    dy_dx = inner_tape.gradient(y, x)   # recorded by the outer tape
d2y_dx2 = tape.gradient(dy_dx, x)
print("The first derivative of y = x^2 at 3 is:", dy_dx.numpy())
print("The second derivative of y = x^2 at 3 is:", d2y_dx2.numpy())


# --- small models: dense layers and Adam ---------------------------------------------------
class Dense:
    """A dense layer: Glorot-uniform kernel and zero bias, like Keras's defaults."""

    def __init__(self, n_in, n_out, activation=None):
        limit = np.sqrt(6.0 / (n_in + n_out))
        self.kernel = hod.Variable(rng.uniform(-limit, limit, (n_in, n_out)))
        self.bias = hod.Variable(np.zeros(n_out))
        self.activation = activation

    def __call__(self, x):
        z = hod.matmul(x, self.kernel) + self.bias
        return self.activation(z) if self.activation else z

    @property
    def trainable_variables(self):
        return [self.kernel, self.bias]


class Sequential:
    def __init__(self, *layers):
        self.layers = layers

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def trainable_variables(self):
        return [v for layer in self.layers for v in layer.trainable_variables]


class Adam:
    """Adam (Kingma and Ba) in numpy, with Keras's defaults; hod computes only the gradients."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
        self.lr, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.state, self.t = {}, 0

    def apply_gradients(self, grads_and_vars):
        self.t += 1
        for grad, var in grads_and_vars:
            if grad is None:
                continue
            g = grad.numpy()
            m, v = self.state.get(id(var), (0.0, 0.0))
            m = self.beta1 * m + (1 - self.beta1) * g
            v = self.beta2 * v + (1 - self.beta2) * g**2
            self.state[id(var)] = (m, v)
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            var.assign_sub(self.lr * m_hat / (np.sqrt(v_hat) + self.eps))


def mse(y_true, y_pred):
    return hod.mean((y_true - y_pred) ** 2)


def global_norm(grads):
    return float(np.sqrt(sum(np.sum(g.numpy() ** 2) for g in grads)))


# --- gradient clipping in a training step ------------------------------------------------
model = Sequential(Dense(32, 64, hod.relu), Dense(64, 1))
optimizer = Adam()
x_train = rng.normal(size=(64, 32))
y_train = rng.normal(size=(64, 1))


def train_step(x, y):
    with hod.GradientTape() as tape:
        loss = mse(y, model(x))
    gradients = tape.gradient(loss, model.trainable_variables)
    clipped = [hod.clip_by_norm(g, 1.0) for g in gradients]
    optimizer.apply_gradients(zip(clipped, model.trainable_variables))
    return loss, gradients, clipped


loss, gradients, clipped = train_step(x_train, y_train)
print("Gradient clipping (clip_by_norm 1.0), 32-64-1 ReLU network on 64 random examples")
print(f"  Training loss: {float(loss):.6f}")
print("  largest gradient norm before / after clipping: "
      f"{max(np.linalg.norm(g.numpy()) for g in gradients):.4f} / "
      f"{max(np.linalg.norm(g.numpy()) for g in clipped):.4f}")

# --- L2 regularization -----------------------------------------------------------------
reg_model = Sequential(Dense(32, 64, hod.relu), Dense(64, 1))
reg_optimizer = Adam()


def train_step_with_regularization(x, y, l2=0.01):
    with hod.GradientTape() as tape:
        loss = mse(y, reg_model(x))
        # Keras's kernel_regularizer=l2(0.01) on the first layer: 0.01 * sum(kernel^2).
        regularization_loss = l2 * hod.sum(reg_model.layers[0].kernel ** 2)
        total_loss = loss + regularization_loss
    gradients = tape.gradient(total_loss, reg_model.trainable_variables)
    reg_optimizer.apply_gradients(zip(gradients, reg_model.trainable_variables))
    return loss, regularization_loss, total_loss


loss, reg, total = train_step_with_regularization(x_train, y_train)
print(f"Training total loss with regularization: {float(total):.6f} "
      f"(data {float(loss):.6f} + L2 {float(reg):.6f})")

# --- a regression training loop ----------------------------------------------------------
x_reg = rng.normal(size=(100, 1))
y_reg = 3 * x_reg + 0.1 * rng.normal(size=(100, 1))
line = Dense(1, 1)
line_optimizer = Adam(learning_rate=0.1)  # larger than Keras's 0.001 so 200 epochs converge
print("Regression y = 3x + noise with one dense unit:")
for epoch in range(200):
    with hod.GradientTape() as tape:
        loss = mse(y_reg, line(x_reg))
    grads = tape.gradient(loss, line.trainable_variables)
    line_optimizer.apply_gradients(zip(grads, line.trainable_variables))
    if epoch % 50 == 0:
        print(f"  Epoch {epoch}, Loss: {float(loss):.6f}")
print(f"  learned slope {float(line.kernel.numpy()[0, 0]):.4f}, "
      f"intercept {float(line.bias.numpy()[0]):.4f}")

# --- a policy-gradient (REINFORCE) step ----------------------------------------------------
policy_model = Sequential(Dense(4, 16, hod.relu), Dense(16, 2))
policy_optimizer = Adam()


def softmax(z):
    return hod.exp(z - hod.logsumexp(z, axis=-1, keepdims=True))


def environment_step(state):
    return rng.integers(2), rng.random()  # a stub environment: action and reward


def reinforce_step(state):
    with hod.GradientTape() as tape:
        action_probs = softmax(policy_model(state))
        action = rng.choice(2, p=action_probs.numpy()[0])
        reward = environment_step(state)[1]
        loss = -hod.log(action_probs[0, action]) * reward  # policy gradient loss
    gradients = tape.gradient(loss, policy_model.trainable_variables)
    policy_optimizer.apply_gradients(zip(gradients, policy_model.trainable_variables))
    return loss, gradients


state = rng.random((1, 4))
loss, gradients = reinforce_step(state)
print(f"Reinforcement Learning Loss: {float(loss):.6f} "
      f"(gradient shapes {[g.shape for g in gradients]})")

# --- adversarial training ------------------------------------------------------------------
# The article perturbs the input with the sign of gradients[0], the gradient with respect to
# the first layer's kernel, whose shape (32, 64) does not even match the input's (64, 32).
# The fast gradient sign method uses the gradient of the loss with respect to the input.
adv_model = Sequential(Dense(32, 64, hod.relu), Dense(64, 1))
adv_optimizer = Adam()


def binary_crossentropy_from_logits(y, logits):
    # mean of -(y log p + (1 - y) log(1 - p)) with p = sigmoid(logits), without overflow
    return hod.mean(hod.softplus(logits) - y * logits)


def adversarial_training_step(x, y, epsilon=0.1):
    x = hod.constant(x)
    with hod.GradientTape() as tape:
        tape.watch(x)
        loss = binary_crossentropy_from_logits(y, adv_model(x))
    input_gradient = tape.gradient(loss, x)
    x_adversarial = x + epsilon * hod.sign(input_gradient)
    with hod.GradientTape() as tape_adv:
        loss_adv = binary_crossentropy_from_logits(y, adv_model(x_adversarial))
    adversarial_gradients = tape_adv.gradient(loss_adv, adv_model.trainable_variables)
    adv_optimizer.apply_gradients(zip(adversarial_gradients, adv_model.trainable_variables))
    return loss, loss_adv


x_cls = rng.normal(size=(64, 32))
y_cls = rng.integers(0, 2, size=(64, 1)).astype(float)
loss, loss_adv = adversarial_training_step(x_cls, y_cls)
print(f"Adversarial training: loss {float(loss):.6f} on clean inputs, "
      f"{float(loss_adv):.6f} on inputs moved 0.1 along sign(dloss/dx)")
assert float(loss_adv) > float(loss)
