"""Backpropagation written out: the forward pass and the four equations BP1–BP4.

Notation of the lectures (Nielsen 2015, ch. 2): layers l = 1 … L, w^l_jk connects neuron k of
layer l−1 to neuron j of layer l, and for one example (x, y)

    a⁰ = x,   z^l = w^l a^{l−1} + b^l,   a^l = σ(z^l),

with the same activation σ in every layer, the output layer included. The error of neuron j in
layer l is δ^l_j := ∂C/∂z^l_j, and ⊙ is the element-wise (Hadamard) product:

    BP1   δ^L = ∇_a C ⊙ σ′(z^L)
    BP2   δ^l = ((w^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)          l = L−1 … 1
    BP3   ∂C/∂b^l_j = δ^l_j
    BP4   ∂C/∂w^l_jk = a^{l−1}_k δ^l_j

Costs: quadratic C = ½‖a^L − y‖² (∇_a C = a^L − y) and cross-entropy
C = −Σ_j [y_j ln a^L_j + (1 − y_j) ln(1 − a^L_j)] (∇_a C = (a^L − y) / (a^L (1 − a^L)), which
needs outputs in (0, 1)). With sigmoid outputs σ′ = a(1 − a) cancels in BP1 and δ^L = a^L − y:
the cross-entropy removes the factor that makes a saturated neuron learn slowly.

A minibatch of m examples averages the per-example gradients; gradient descent with learning
rate η steps w^l ← w^l − (η/m) Σ_x δ^{x,l} (a^{x,l−1})ᵀ and b^l ← b^l − (η/m) Σ_x δ^{x,l}.

Everything here is the recursion above, not automatic differentiation (`autodiff_gradient` is
there to compare against), in float64. The functions a page calls per slider move are jitted
once per network shape, with inputs, targets, weights and hyperparameters traced; the deep
network of `deep_training` is padded to `MAX_DEPTH` layers so that its depth is traced too.

References: Nielsen, *Neural Networks and Deep Learning* (2015), ch. 2–3 and 5; Goodfellow,
Bengio & Courville (2016), §6.5 and §8.2.5; Glorot & Bengio (2010).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import landscapes  # noqa: F401  (float64 for every number here)

ACTIVATIONS = ("sigmoid", "tanh", "relu")
COSTS = ("quadratic", "cross_entropy")
INITIALISATIONS = ("xavier", "glorot", "he")  # as on the Small networks page (biases zero)
SIGMA_PRIME_MAX = {"sigmoid": 0.25, "tanh": 1.0, "relu": 1.0}  # max over z of σ′(z)
MAX_DEPTH = 30  # layers of the deep network (padded to this many: the depth is traced)
DEEP_STEPS = 100  # gradient-descent steps of the deep network (one compiled length)
DEEP_EXAMPLES = 32  # examples of the deep network's data set
SLOWDOWN_STEPS = 300  # gradient-descent steps of the one-neuron runs (one compiled length)
H_SWEEP = np.logspace(-13, 0, 27)  # step sizes h of the gradient check, 2 per decade


class Backprop(NamedTuple):
    """One example through the network: per layer l = i + 1, z[i] = z^l, delta[i] = δ^l,
    grad_w[i] = ∂C/∂w^l (shape of w^l), grad_b[i] = ∂C/∂b^l; a[0] = x, a[i + 1] = a^l; cost C."""

    z: tuple
    a: tuple
    delta: tuple
    grad_w: tuple
    grad_b: tuple
    cost: float


class Gradient(NamedTuple):
    """∂C/∂w^l and ∂C/∂b^l per layer (index i for l = i + 1) and the cost C."""

    grad_w: tuple
    grad_b: tuple
    cost: float


class GradientCheck(NamedTuple):
    """Relative errors ‖g_h − g‖ / max(‖g_h‖, ‖g‖) of finite differences g_h against
    backpropagation's g over all weights and biases, for each step h."""

    h: np.ndarray
    central: np.ndarray  # two-sided (C(θ + h e) − C(θ − h e)) / 2h: error ~ h² + ε/h
    forward: np.ndarray  # one-sided (C(θ + h e) − C(θ)) / h: error ~ h + ε/h


class Slowdown(NamedTuple):
    """One sigmoid neuron a = σ(w x + b) trained by gradient descent on one example (x, y):
    its weight, bias, z, output, cost and σ′(z) before each step (shape (steps + 1,))."""

    w: np.ndarray
    b: np.ndarray
    z: np.ndarray
    a: np.ndarray
    cost: np.ndarray
    sigma_prime: np.ndarray


class DepthNorms(NamedTuple):
    """A deep network of `depth` layers trained by gradient descent: per step t (rows) and
    layer l = i + 1 (columns, NaN beyond the depth), the root mean square over the examples
    of ‖δ^{x,l}‖, and ‖∂C/∂w^l‖ (Frobenius norm of the minibatch average); the cost per step."""

    delta: np.ndarray  # (steps + 1, MAX_DEPTH)
    grad_w: np.ndarray  # (steps + 1, MAX_DEPTH)
    cost: np.ndarray  # (steps + 1,)
    depth: int


# --- activations and costs --------------------------------------------------------------


def sigma(activation: str, z):
    """σ(z) for the activation named."""
    if activation == "sigmoid":
        return jax.nn.sigmoid(z)
    if activation == "tanh":
        return jnp.tanh(z)
    return jnp.maximum(z, 0.0)


def sigma_prime(activation: str, z):
    """σ′(z): σ(1 − σ) for the sigmoid (at most ¼), 1 − tanh² for tanh, 1 where z > 0 for ReLU."""
    if activation == "sigmoid":
        s = jax.nn.sigmoid(z)
        return s * (1.0 - s)
    if activation == "tanh":
        return 1.0 - jnp.tanh(z) ** 2
    return jnp.where(z > 0.0, 1.0, 0.0)


def cost_value(cost: str, a, y):
    """C(a^L, y): ½‖a − y‖² or −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]."""
    if cost == "quadratic":
        return 0.5 * jnp.sum((a - y) ** 2)
    return -jnp.sum(y * jnp.log(a) + (1.0 - y) * jnp.log1p(-a))


def cost_gradient(cost: str, a, y):
    """∇_a C: a − y (quadratic) or (a − y) / (a (1 − a)) (cross-entropy)."""
    if cost == "quadratic":
        return a - y
    return (a - y) / (a * (1.0 - a))


# --- one example, written out ---------------------------------------------------------------


def _forward(weights, biases, x, activation):
    zs, activations = [], [x]
    for w, b in zip(weights, biases, strict=True):
        z = w @ activations[-1] + b
        zs.append(z)
        activations.append(sigma(activation, z))
    return zs, activations


def _backprop(weights, biases, x, y, activation, cost):
    zs, activations = _forward(weights, biases, x, activation)
    deltas = [None] * len(weights)
    deltas[-1] = cost_gradient(cost, activations[-1], y) * sigma_prime(activation, zs[-1])  # BP1
    for i in range(len(weights) - 2, -1, -1):
        deltas[i] = (weights[i + 1].T @ deltas[i + 1]) * sigma_prime(activation, zs[i])  # BP2
    grad_b = tuple(deltas)  # BP3
    grad_w = tuple(jnp.outer(d, a) for d, a in zip(deltas, activations[:-1], strict=True))  # BP4
    return Backprop(
        tuple(zs),
        tuple(activations),
        tuple(deltas),
        grad_w,
        grad_b,
        cost_value(cost, activations[-1], y),
    )


_backprop_jit = jax.jit(_backprop, static_argnames=("activation", "cost"))


def _cost(weights, biases, x, y, activation, cost):
    _, activations = _forward(weights, biases, x, activation)
    return cost_value(cost, activations[-1], y)


def _check_names(activation: str, cost: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; valid: {', '.join(COSTS)}")


def _as_network(weights, biases) -> tuple[tuple, tuple]:
    weights = tuple(jnp.asarray(w, dtype=jnp.float64) for w in weights)
    biases = tuple(jnp.asarray(b, dtype=jnp.float64) for b in biases)
    if not weights or len(weights) != len(biases):
        raise ValueError("give one weight matrix and one bias vector per layer (at least one)")
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        if w.ndim != 2 or b.shape != (w.shape[0],):
            raise ValueError(f"layer {i + 1}: w must be (n_l, n_l−1) and b (n_l,)")
        if i and w.shape[1] != weights[i - 1].shape[0]:
            raise ValueError(f"layer {i + 1} takes {w.shape[1]} inputs, layer {i} gives fewer")
    return weights, biases


def _as_example(weights, x, y):
    x, y = jnp.asarray(x, dtype=jnp.float64), jnp.asarray(y, dtype=jnp.float64)
    if x.shape[-1:] != (weights[0].shape[1],) or y.shape[-1:] != (weights[-1].shape[0],):
        raise ValueError("x must have n_0 entries and y n_L")
    return x, y


def _numpy(tree):
    return jax.tree_util.tree_map(np.asarray, tree)


def backprop(
    weights: Sequence, biases: Sequence, x, y, activation: str = "sigmoid", cost: str = "quadratic"
) -> Backprop:
    """The forward pass and BP1–BP4 for one example (see the module doc).

    weights[i]: (n_{i+1}, n_i) array w^l for layer l = i + 1; biases[i]: (n_{i+1},);
    x: (n_0,); y: (n_L,); activation "sigmoid" | "tanh" | "relu" (every layer);
    cost "quadratic" | "cross_entropy". NumPy arrays back, float64."""
    _check_names(activation, cost)
    weights, biases = _as_network(weights, biases)
    x, y = _as_example(weights, x, y)
    result = _numpy(_backprop_jit(weights, biases, x, y, activation=activation, cost=cost))
    return result._replace(cost=float(result.cost))


@functools.partial(jax.jit, static_argnames=("activation", "cost"))
def _factors(zs, a_out, y, activation, cost):
    return tuple(sigma_prime(activation, z) for z in zs), cost_gradient(cost, a_out, y)


def factors(
    result: Backprop, y, activation: str = "sigmoid", cost: str = "quadratic"
) -> tuple[tuple, np.ndarray]:
    """The factors BP1 and BP2 multiply by, for a pass `result` of `backprop`: σ′(z^l) per
    layer (index i for l = i + 1) and ∇_a C at the output (in one compiled call)."""
    _check_names(activation, cost)
    zs = tuple(jnp.asarray(z, dtype=jnp.float64) for z in result.z)
    a_out, y = jnp.asarray(result.a[-1], dtype=jnp.float64), jnp.asarray(y, dtype=jnp.float64)
    return _numpy(_factors(zs, a_out, y, activation=activation, cost=cost))


# --- a minibatch ------------------------------------------------------------------------------


def _minibatch(weights, biases, X, Y, activation, cost):
    each = jax.vmap(lambda x, y: _backprop(weights, biases, x, y, activation, cost))(X, Y)
    mean = functools.partial(jnp.mean, axis=0)
    return Gradient(
        tuple(map(mean, each.grad_w)), tuple(map(mean, each.grad_b)), jnp.mean(each.cost)
    )


_minibatch_jit = jax.jit(_minibatch, static_argnames=("activation", "cost"))


def minibatch_gradient(
    weights, biases, X, Y, activation: str = "sigmoid", cost: str = "quadratic"
) -> Gradient:
    """The gradient of the mean cost over m examples (rows of X (m, n_0) and Y (m, n_L)):
    (1/m) Σ_x δ^{x,l} (a^{x,l−1})ᵀ and (1/m) Σ_x δ^{x,l}, each example by BP1–BP4."""
    _check_names(activation, cost)
    weights, biases = _as_network(weights, biases)
    X, Y = _as_example(weights, X, Y)
    result = _numpy(_minibatch_jit(weights, biases, X, Y, activation=activation, cost=cost))
    return result._replace(cost=float(result.cost))


@functools.partial(jax.jit, static_argnames=("activation", "cost"))
def _sgd_step(weights, biases, X, Y, eta, activation, cost):
    g = _minibatch(weights, biases, X, Y, activation, cost)
    return (
        tuple(w - eta * gw for w, gw in zip(weights, g.grad_w, strict=True)),
        tuple(b - eta * gb for b, gb in zip(biases, g.grad_b, strict=True)),
    )


def sgd_step(
    weights, biases, X, Y, eta: float, activation: str = "sigmoid", cost: str = "quadratic"
) -> tuple[tuple, tuple]:
    """One step of the lectures' update on a minibatch of m examples:
    w^l ← w^l − (η/m) Σ_x δ^{x,l} (a^{x,l−1})ᵀ,  b^l ← b^l − (η/m) Σ_x δ^{x,l}."""
    _check_names(activation, cost)
    weights, biases = _as_network(weights, biases)
    X, Y = _as_example(weights, X, Y)
    eta = jnp.asarray(eta, dtype=jnp.float64)
    return _numpy(_sgd_step(weights, biases, X, Y, eta, activation=activation, cost=cost))


# --- checks: automatic differentiation and finite differences ------------------------------


@functools.partial(jax.jit, static_argnames=("activation", "cost"))
def _autodiff(weights, biases, x, y, activation, cost):
    value, (gw, gb) = jax.value_and_grad(_cost, argnums=(0, 1))(
        weights, biases, x, y, activation, cost
    )
    return Gradient(gw, gb, value)


def autodiff_gradient(
    weights, biases, x, y, activation: str = "sigmoid", cost: str = "quadratic"
) -> Gradient:
    """The same gradient by JAX's reverse-mode automatic differentiation (`jax.grad`) of the
    forward pass: what backpropagation is checked against."""
    _check_names(activation, cost)
    weights, biases = _as_network(weights, biases)
    x, y = _as_example(weights, x, y)
    result = _numpy(_autodiff(weights, biases, x, y, activation=activation, cost=cost))
    return result._replace(cost=float(result.cost))


def flatten(weights, biases) -> np.ndarray:
    """All weights, then all biases, layer by layer, in one vector θ (row-major w^l)."""
    return np.concatenate([np.ravel(w) for w in weights] + [np.ravel(b) for b in biases]).astype(
        float
    )


def unflatten(theta, shapes: Sequence[tuple[int, int]]) -> tuple[tuple, tuple]:
    """The inverse of `flatten` for layers of weight shapes `shapes` ((n_l, n_l−1) each)."""
    weights, biases, start = [], [], 0
    for n_out, n_in in shapes:
        weights.append(theta[start : start + n_out * n_in].reshape(n_out, n_in))
        start += n_out * n_in
    for n_out, _ in shapes:
        biases.append(theta[start : start + n_out])
        start += n_out
    return tuple(weights), tuple(biases)


@functools.partial(jax.jit, static_argnames=("shapes", "activation", "cost"))
def _differences(theta, x, y, hs, shapes, activation, cost):
    def c(t):
        weights, biases = unflatten(t, shapes)
        return _cost(weights, biases, x, y, activation, cost)

    eye = jnp.eye(theta.shape[0], dtype=theta.dtype)
    at = c(theta)

    def per_h(h):
        up = jax.vmap(lambda e: c(theta + h * e))(eye)
        down = jax.vmap(lambda e: c(theta - h * e))(eye)
        return (up - down) / (2.0 * h), (up - at) / h

    return jax.vmap(per_h)(hs)


def finite_differences(
    weights, biases, x, y, hs, activation: str = "sigmoid", cost: str = "quadratic"
) -> tuple[np.ndarray, np.ndarray]:
    """Central and forward differences of C in every parameter of θ = `flatten(weights,
    biases)`, for each step h of `hs`: two arrays of shape (len(hs), len(θ))."""
    _check_names(activation, cost)
    weights, biases = _as_network(weights, biases)
    x, y = _as_example(weights, x, y)
    hs = np.atleast_1d(np.asarray(hs, dtype=float))
    if hs.size == 0 or not np.all(np.isfinite(hs) & (hs > 0)):
        raise ValueError("steps h must be positive finite numbers")
    shapes = tuple(tuple(int(n) for n in w.shape) for w in weights)
    theta = jnp.asarray(flatten(weights, biases))
    central, forward = _differences(
        theta, x, y, jnp.asarray(hs), shapes=shapes, activation=activation, cost=cost
    )
    return np.asarray(central), np.asarray(forward)


def relative_error(estimate, exact) -> np.ndarray:
    """‖estimate − exact‖ / max(‖estimate‖, ‖exact‖) along the last axis (0 where both are 0)."""
    estimate, exact = np.asarray(estimate, dtype=float), np.asarray(exact, dtype=float)
    scale = np.maximum(np.linalg.norm(estimate, axis=-1), np.linalg.norm(exact, axis=-1))
    difference = np.linalg.norm(estimate - exact, axis=-1)
    return np.where(scale > 0, difference / np.where(scale > 0, scale, 1.0), 0.0)


def gradient_check(
    weights, biases, x, y, hs=H_SWEEP, activation: str = "sigmoid", cost: str = "quadratic"
) -> GradientCheck:
    """Finite differences against backpropagation over the steps `hs`.

    The central difference's error is truncation, h² C‴/6, plus round-off, about ε_mach |C|/h
    (ε_mach ≈ 2.2·10⁻¹⁶): it falls as h shrinks, then rises again — a U with its floor near
    h ≈ ε_mach^{1/3} ≈ 10⁻⁵. The forward difference's truncation is h C″/2, larger, with its
    floor near √ε_mach ≈ 10⁻⁸ (Nocedal & Wright 2006, §8.1)."""
    exact = flatten(*backprop(weights, biases, x, y, activation, cost)[3:5])
    central, forward = finite_differences(weights, biases, x, y, hs, activation, cost)
    return GradientCheck(
        np.atleast_1d(np.asarray(hs, dtype=float)),
        relative_error(central, exact),
        relative_error(forward, exact),
    )


# --- learning slowdown: one sigmoid neuron -------------------------------------------------


@functools.partial(jax.jit, static_argnames=("cost", "steps"))
def _slowdown(w0, b0, eta, x, y, cost, steps):
    def step(wb, _):
        w, b = wb
        net = _backprop(
            (w.reshape(1, 1),), (b.reshape(1),), x.reshape(1), y.reshape(1), "sigmoid", cost
        )
        z, a = net.z[0][0], net.a[1][0]
        record = (w, b, z, a, net.cost, sigma_prime("sigmoid", z))
        return (w - eta * net.grad_w[0][0, 0], b - eta * net.grad_b[0][0]), record

    last, records = jax.lax.scan(step, (w0, b0), None, length=steps + 1)
    del last
    return records


def slowdown(
    w0: float,
    b0: float,
    eta: float,
    cost: str = "quadratic",
    steps: int = SLOWDOWN_STEPS,
    x: float = 1.0,
    y: float = 0.0,
) -> Slowdown:
    """Gradient descent w ← w − η ∂C/∂w, b ← b − η ∂C/∂b on one sigmoid neuron a = σ(wx + b)
    and one example (x, y), by BP1/BP3/BP4. Started saturated (|z| large, a far from y) the
    quadratic cost's δ = (a − y) σ′(z) is tiny and learning crawls at first; the cross-entropy's
    δ = a − y is not (Nielsen 2015, ch. 3). w0, b0, eta, x and y are traced."""
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}; valid: {', '.join(COSTS)}")
    values = [float(v) for v in (w0, b0, eta, x, y)]
    if not all(math.isfinite(v) for v in values) or values[2] <= 0:
        raise ValueError("w0, b0, x and y must be finite and eta positive")
    args = (jnp.asarray(v, dtype=jnp.float64) for v in values)
    return Slowdown(*_numpy(_slowdown(*args, cost=cost, steps=int(steps))))


# --- vanishing and exploding gradients in a deep network --------------------------------------


def init_gain(init: str) -> float:
    """The factor √n·std(w^l_jk) of a square layer of n units under an initialisation (before
    any extra scale): N(0, 1/n) (LeCun's rule, the lecture's "Xavier") and Glorot's uniform
    ±√(6/2n) give 1, He's N(0, 2/n) gives √2."""
    if init not in INITIALISATIONS:
        raise ValueError(f"unknown initialisation {init!r}; valid: {', '.join(INITIALISATIONS)}")
    return math.sqrt(2.0) if init == "he" else 1.0


def per_layer_factor(activation: str, init: str, scale: float = 1.0) -> float:
    """The factor by which BP2 can multiply ‖δ‖ per layer going back, at most:
    ‖(w^{l+1})ᵀ δ‖ ≈ gain·‖δ‖ for random square w (gain = scale · `init_gain`), then ⊙ σ′(z^l)
    at most max σ′ — ¼ for the sigmoid, 1 for tanh; for ReLU σ′ is 0 or 1 and about half the
    units pass, so ‖δ‖ shrinks by √½ on average. Below 1 the early layers' gradients vanish
    geometrically with depth, above 1 they can explode."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    passing = math.sqrt(0.5) if activation == "relu" else SIGMA_PRIME_MAX[activation]
    return float(scale) * init_gain(init) * passing


def deep_network(
    width: int, init: str, scale: float, seed: int, depth: int = MAX_DEPTH
) -> tuple[np.ndarray, np.ndarray]:
    """`depth` square layers of `width` units initialised as on the Small networks page
    (times `scale`), biases zero: weights (depth, width, width), biases (depth, width)."""
    gain = init_gain(init)
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    rng = np.random.default_rng([seed, 22])
    if init == "glorot":
        limit = math.sqrt(6.0 / (2 * width))
        weights = rng.uniform(-limit, limit, (depth, width, width))
    else:
        weights = rng.standard_normal((depth, width, width)) * gain / math.sqrt(width)
    return scale * weights, np.zeros((depth, width))


def deep_data(width: int, seed: int, examples: int = DEEP_EXAMPLES) -> tuple[np.ndarray, ...]:
    """Inputs x ~ N(0, I) and targets y = σ(A x) in (0, 1) of a random linear teacher A."""
    rng = np.random.default_rng([seed, 23])
    X = rng.standard_normal((examples, width))
    A = rng.standard_normal((width, width)) / math.sqrt(width)
    return X, 1.0 / (1.0 + np.exp(-X @ A.T))


def _deep_backprop(W, B, x, y, depth, activation, cost):
    """BP1 and BP2 through the first `depth` of the padded layers (the rest get δ = 0 and are
    never computed: loops of `depth` iterations, a traced count): δ^l and a^{l−1} per layer
    (shapes (MAX, n) each; BP4 is their outer product) and C."""
    zs, inputs = jnp.zeros_like(B), jnp.zeros_like(B)

    def forward(i, carry):
        a, zs, inputs = carry
        z = W[i] @ a + B[i]
        return sigma(activation, z), zs.at[i].set(z), inputs.at[i].set(a)

    out, zs, inputs = jax.lax.fori_loop(0, depth, forward, (x, zs, inputs))

    def backward(k, carry):  # g = ∂C/∂a^l: ∇_a C at the output (BP1), w^{l+1}ᵀ δ^{l+1} (BP2)
        g, deltas = carry
        i = depth - 1 - k
        delta = g * sigma_prime(activation, zs[i])
        return W[i].T @ delta, deltas.at[i].set(delta)

    start = (cost_gradient(cost, out, y), jnp.zeros_like(B))
    _, deltas = jax.lax.fori_loop(0, depth, backward, start)
    return deltas, inputs, cost_value(cost, out, y)


@functools.partial(jax.jit, static_argnames=("activation", "cost", "steps"))
def _deep_training(W, B, X, Y, depth, eta, activation, cost, steps):
    def step(wb, _):
        W, B = wb
        deltas, inputs, costs = jax.vmap(
            lambda x, y: _deep_backprop(W, B, x, y, depth, activation, cost)
        )(X, Y)
        # BP4 and BP3 averaged over the examples: (1/m) Σ_x δ^{x,l} (a^{x,l−1})ᵀ, (1/m) Σ_x δ^{x,l}
        grad_w = jnp.einsum("xlj,xlk->ljk", deltas, inputs) / X.shape[0]
        grad_b = deltas.mean(axis=0)
        record = (
            jnp.sqrt(jnp.mean(jnp.sum(deltas**2, axis=-1), axis=0)),
            jnp.sqrt(jnp.sum(grad_w**2, axis=(-2, -1))),
            costs.mean(),
        )
        return (W - eta * grad_w, B - eta * grad_b), record

    _, records = jax.lax.scan(step, (W, B), None, length=steps + 1)
    return records


def deep_training(
    depth: int,
    width: int = 16,
    activation: str = "sigmoid",
    init: str = "xavier",
    scale: float = 1.0,
    seed: int = 0,
    eta: float = 0.5,
    cost: str = "quadratic",
    steps: int = DEEP_STEPS,
) -> DepthNorms:
    """Per-layer ‖δ^l‖ and ‖∂C/∂w^l‖ of a deep network of `depth` square layers (`deep_network`)
    trained by full-batch gradient descent on `deep_data`, at initialisation (row 0) and after
    each step. The weights are padded to `MAX_DEPTH` layers and the loops over layers run
    `depth` times (a traced count): depth, weights, η and data are traced, so a new depth,
    seed, gain or η compiles nothing, and a shallow network costs less than a deep one."""
    _check_names(activation, cost)
    if not 1 <= int(depth) <= MAX_DEPTH:
        raise ValueError(f"depth must be between 1 and {MAX_DEPTH}, got {depth!r}")
    if not (math.isfinite(eta) and eta > 0):
        raise ValueError(f"eta must be a positive finite number, got {eta!r}")
    W, B = deep_network(width, init, scale, seed)
    X, Y = deep_data(width, seed)
    delta, grad_w, cost_curve = _numpy(
        _deep_training(
            jnp.asarray(W),
            jnp.asarray(B),
            jnp.asarray(X),
            jnp.asarray(Y),
            jnp.asarray(int(depth)),
            jnp.asarray(float(eta)),
            activation=activation,
            cost=cost,
            steps=int(steps),
        )
    )
    beyond = np.arange(MAX_DEPTH) >= depth
    return DepthNorms(
        np.where(beyond, np.nan, delta), np.where(beyond, np.nan, grad_w), cost_curve, int(depth)
    )


def measured_factor(norms: np.ndarray) -> float:
    """The geometric mean of ‖δ^l‖ / ‖δ^{l+1}‖ over the layers given (NaN-free part of a row):
    the measured per-layer factor to set against `per_layer_factor`."""
    norms = np.asarray(norms, dtype=float)
    norms = norms[np.isfinite(norms)]
    if len(norms) < 2 or np.any(norms <= 0):
        return float("nan")
    return float(np.exp((np.log(norms[0]) - np.log(norms[-1])) / (len(norms) - 1)))
