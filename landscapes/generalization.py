"""Generalization: dropout, data augmentation, input normalization, batch normalization and early
stopping, on the small networks of `landscapes.networks` (same data, same trainer `optim.run`).

Dropout (Srivastava et al. 2014; Goodfellow et al. 2016, §7.12). While training, every input is
kept with probability p_in and every hidden unit with probability p_h, independently for every
example and every step: m ~ Bernoulli(p), h̃ = h ⊙ m. Each step trains one of the 2ⁿ *thinned*
networks; the full network stands for their average. Two conventions give the same expectation:

    inverted        train  h̃ = h ⊙ m / p      test  h            (E[h ⊙ m / p] = h)
    weight scaling  train  h̃ = h ⊙ m          test  p·h          (E[h ⊙ m] = p·h)

(scaling a unit's output by p at test time is scaling its outgoing weights by p, the paper's
rule). The masks are drawn inside the jitted step from a counter-based generator of (seed,
step) (`uniforms`): p, the seed and the convention are traced numbers, so changing them
compiles nothing.
`DropoutLoss.at_step(t, seed)` is the thinned network of step t; `optim.run` trains it.

Batch normalization (Ioffe & Szegedy 2015; Goodfellow et al. 2016, §8.7.1): each hidden layer's
pre-activation z = h W is normalized over the minibatch B, ẑ = (z − μ_B)/√(σ²_B + ϵ), then
shifted by the layer's bias β = b (the scale γ is fixed at 1 here, so the flat weight vector
keeps the layout of `networks.Architecture`). Training uses the batch's μ_B, σ²_B; test time
uses running averages μ̄ ← 0.9 μ̄ + 0.1 μ_B, σ̄² ← 0.9 σ̄² + 0.1 σ²_B over the training steps.

Input normalization (LeCun et al. 1998, "Efficient BackProp"): for a linear model the Hessian of
½ mean (w·x − y)² is the inputs' second-moment matrix C = XᵀX/n; its condition number κ sets how
slowly gradient descent converges ((κ − 1)/(κ + 1) per step at the best ε = 2/(λ_max + λ_min)).
Standardization (x − μ)/σ per feature makes C the correlation matrix, κ = (1 + |r|)/(1 − |r|);
whitening also removes the correlation, κ = 1.

Data augmentation: copies of the training points moved by a symmetry of the task (reflections,
rotations, a little jitter) with their labels. A transformation that is not a symmetry of the
task (a reflection of XOR changes the label of every point) teaches the network wrong labels.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import optim
from landscapes import networks
from landscapes.datasets import DataLoss
from landscapes.networks import Architecture, Data, NetworkLoss, TrainingRun
from optim.run import bucket

CONVENTIONS = ("inverted", "weight_scaling")
METHODS = ("plain", "dropout", "batchnorm")
BN_EPS = 1e-5  # ϵ of batch normalization
BN_DECAY = 0.9  # μ̄ ← BN_DECAY μ̄ + (1 − BN_DECAY) μ_B
TRANSFORMS = ("flip_x1", "flip_x2", "swap", "rotate90", "rotate180", "rotate")
TRANSFORM_TITLES = {
    "flip_x1": "reflect x₁ → −x₁",
    "flip_x2": "reflect x₂ → −x₂",
    "swap": "swap x₁ ↔ x₂",
    "rotate90": "rotate by 90°",
    "rotate180": "rotate by 180°",
    "rotate": "rotate by a random angle",
}
MAX_COPIES = 8  # augmented copies per training point (padded to this many: nothing compiles)


# --- dropout --------------------------------------------------------------------------------


def dropout_scales(keep, inverted):
    """(scale while training, scale at test time) of a unit kept with probability `keep`:
    (1/p, 1) for the inverted convention (`inverted` = 1), (1, p) for weight scaling (0)."""
    train = jnp.where(inverted > 0.5, 1.0 / keep, 1.0)
    test = jnp.where(inverted > 0.5, 1.0, keep)
    return train, test


def _mix(h):
    """Murmur3's 32-bit finalizer: every input bit flips about half the output bits."""
    h = h ^ (h >> 16)
    h = h * jnp.uint32(0x85EBCA6B)
    h = h ^ (h >> 13)
    h = h * jnp.uint32(0xC2B2AE35)
    return h ^ (h >> 16)


_GOLDEN = 0x9E3779B9  # ⌊2³²/φ⌋: spreads consecutive counters over the 32-bit range


def uniforms(t, seed, shape):
    """Uniform draws in [0, 1) of the given shape for draw t of `seed` (both traced): a
    counter-based generator: the top 24 bits of mix(mix(mix(seed) + t) + φ·i) over 2²⁴ for the
    i-th entry. Like `jax.random`'s threefry it maps (seed, t, i) to bits with no state to carry,
    but in a few integer operations instead of threefry's twenty rounds, which cost more than
    a small network's whole gradient step."""
    seed = jnp.asarray(seed).astype(jnp.uint32)
    t = jnp.asarray(t).astype(jnp.uint32)
    count = math.prod(shape)
    index = jnp.arange(count, dtype=jnp.uint32).reshape(shape)
    bits = _mix(_mix(_mix(seed) + t) + index * jnp.uint32(_GOLDEN))
    return (bits >> 8).astype(jnp.float64) * 2.0**-24


def keep_masks(t, seed, keep_input, keep_hidden, n: int, arch: Architecture):
    """0/1 masks of draw t of `seed` for n examples: inputs (n, input_dim) kept with
    probability `keep_input`, hidden units (n, Σ n_l) with probability `keep_hidden` (Bernoulli
    draws u < p of `uniforms`; the probabilities, t and the seed are traced; p = 1 keeps
    every unit)."""
    units = arch.input_dim + sum(arch.widths)
    u = uniforms(t, seed, (n, units))
    kept = (u[:, : arch.input_dim] < keep_input, u[:, arch.input_dim :] < keep_hidden)
    return tuple(m.astype(jnp.float64) for m in kept)


def forward_masked(arch: Architecture, w, x, input_mask, hidden_mask, in_scale, hidden_scale):
    """The MLP's output with its inputs multiplied by input_mask·in_scale and every hidden layer's
    activations by hidden_mask·hidden_scale (masks broadcast against (..., units)):

        h₀ = x ⊙ m₀ s₀,   h_l = g(h_{l−1} W_l + b_l) ⊙ m_l s_l,   f = h_m W_out + b_out."""
    layers = arch.unflatten(w)
    h, start = x * input_mask * in_scale, 0
    for (W, b), n in zip(layers[:-1], arch.widths, strict=True):
        h = networks.activation(arch.activation, h @ W + b)
        h = h * hidden_mask[..., start : start + n] * hidden_scale
        start += n
    W, b = layers[-1]
    return (h @ W + b)[..., 0]


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=(
        "inputs",
        "targets",
        "unit_mask",
        "keep_input",
        "keep_hidden",
        "inverted",
        "input_mask",
        "hidden_mask",
    ),
    meta_fields=("arch", "kind"),
)
@dataclasses.dataclass(frozen=True, eq=False)
class DropoutLoss:
    """A network's loss under dropout, a pytree like `networks.NetworkLoss` (probabilities and
    the convention traced).

    Called, it is the loss of the whole network at test time (no units dropped, the test-time
    scale); `at_step(t, seed)` is the loss of step t's thinned network, one mask per example
    (what `optim.run` follows). `unit_mask` marks the real units of a padded network."""

    inputs: jax.Array
    targets: jax.Array
    arch: Architecture
    kind: str
    unit_mask: jax.Array
    keep_input: jax.Array
    keep_hidden: jax.Array
    inverted: jax.Array
    input_mask: jax.Array | None = None  # set by `at_step`: training mode
    hidden_mask: jax.Array | None = None

    @property
    def n(self) -> int:
        return self.targets.shape[0]

    def outputs(self, w):
        """f(x) of the n inputs: the thinned network when masks are set, else the whole one."""
        in_train, in_test = dropout_scales(self.keep_input, self.inverted)
        h_train, h_test = dropout_scales(self.keep_hidden, self.inverted)
        if self.input_mask is None:
            return forward_masked(self.arch, w, self.inputs, 1.0, self.unit_mask, in_test, h_test)
        hidden = self.hidden_mask * self.unit_mask
        return forward_masked(self.arch, w, self.inputs, self.input_mask, hidden, in_train, h_train)

    def losses(self, w):
        return _per_example(self.kind, self.outputs(w), self.targets)

    def __call__(self, w):
        return jnp.mean(self.losses(w))

    def weighted(self, w, weights):
        return jnp.sum(weights * self.losses(w)) / jnp.sum(weights)

    def at_step(self, t, seed) -> DropoutLoss:
        """The loss of training step t: every example sees its own thinned network."""
        masks = keep_masks(t, seed, self.keep_input, self.keep_hidden, self.n, self.arch)
        return dataclasses.replace(self, input_mask=masks[0], hidden_mask=masks[1])

    minibatch_weights = DataLoss.minibatch_weights
    epoch_ranks = DataLoss.epoch_ranks
    epoch_and_chunk = DataLoss.epoch_and_chunk
    chunk_weights = staticmethod(DataLoss.chunk_weights)
    num_batches = DataLoss.num_batches


def _per_example(kind: str, f, targets):
    if kind == "squared":
        return networks.squared_error(f, targets)
    return networks.cross_entropy(f, targets)


def dropout_loss(
    loss: NetworkLoss, keep_input: float, keep_hidden: float, convention: str
) -> DropoutLoss:
    """`loss` (a padded `NetworkLoss`, see `NetworkLoss.widened`) under dropout."""
    _check_probability("keep_input", keep_input)
    _check_probability("keep_hidden", keep_hidden)
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; valid: {', '.join(CONVENTIONS)}")
    unit_mask = loss.unit_mask
    if unit_mask is None:
        unit_mask = jnp.ones(sum(loss.arch.widths))
    return DropoutLoss(
        loss.inputs,
        loss.targets,
        loss.arch,
        loss.kind,
        unit_mask,
        jnp.float64(keep_input),
        jnp.float64(keep_hidden),
        jnp.float64(convention == "inverted"),
    )


def _check_probability(name: str, p) -> None:
    if not (isinstance(p, (int, float, np.floating)) and math.isfinite(p) and 0 < p <= 1):
        raise ValueError(f"{name} must be a probability in (0, 1], got {p!r}")


@functools.partial(jax.jit, static_argnames=("arch", "count"))
def _thinned_outputs(arch, w, points, unit_mask, keep_input, keep_hidden, inverted, seed, count):
    in_train, in_test = dropout_scales(keep_input, inverted)
    h_train, h_test = dropout_scales(keep_hidden, inverted)

    def one(i):
        m_in, m_h = keep_masks(i, seed, keep_input, keep_hidden, 1, arch)  # one for all points
        return forward_masked(arch, w, points, m_in[0], m_h[0] * unit_mask, in_train, h_train)

    thinned = jax.vmap(one)(jnp.arange(count))
    whole = forward_masked(arch, w, points, 1.0, unit_mask, in_test, h_test)
    return thinned, whole


def thinned_on_grid(
    arch: Architecture,
    w,
    xs,
    ys,
    keep_input: float,
    keep_hidden: float,
    convention: str,
    seed: int,
    count: int,
):
    """Outputs on the grid xs × ys of `count` thinned networks (one dropout mask each, drawn
    from `seed`, training-time scale), shape (count, len(ys), len(xs)), and of the whole
    network at test time, shape (len(ys), len(xs)). Computed by the padded network."""
    gx, gy = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    thinned, whole = _thinned_outputs(
        arch.widened(),
        jnp.asarray(arch.widen(w)),
        jnp.asarray(points),
        jnp.asarray(arch.unit_mask()),
        keep_input,
        keep_hidden,
        float(convention == "inverted"),
        seed,
        count,
    )
    shape = (len(ys), len(xs))
    return np.asarray(thinned).reshape(count, *shape), np.asarray(whole).reshape(shape)


def expected_thinned_output(arch: Architecture, w, x, keep_hidden: float, convention: str):
    """E_m[f_thinned(x)] over every mask of the hidden units (inputs kept), by enumerating all
    2^H masks with their probabilities: brute force for small networks, for the tests and the
    page's check that the whole network is the thinned networks' average."""
    h = sum(arch.widths)
    if h > 16:
        raise ValueError("enumerating masks needs at most 16 hidden units")
    masks = ((np.arange(2**h)[:, None] >> np.arange(h)) & 1).astype(float)
    prob = np.prod(np.where(masks > 0, keep_hidden, 1 - keep_hidden), axis=1)
    scale = 1.0 / keep_hidden if convention == "inverted" else 1.0
    f = np.array(
        [
            forward_masked(arch, jnp.asarray(w), jnp.asarray(x), 1.0, jnp.asarray(m), 1.0, scale)
            for m in masks
        ]
    )
    return np.tensordot(prob, f, axes=1)


def whole_network_output(arch: Architecture, w, x, keep_hidden: float, convention: str):
    """The whole network at test time (inputs kept): f with hidden activations × p (weight
    scaling) or × 1 (inverted)."""
    scale = 1.0 if convention == "inverted" else keep_hidden
    ones = jnp.ones(sum(arch.widths))
    return np.asarray(forward_masked(arch, jnp.asarray(w), jnp.asarray(x), 1.0, ones, 1.0, scale))


@functools.partial(jax.jit, static_argnames=("steps",))
def _masked_walk(inputs, targets, w0, lr, keep, seed, steps):
    def loss(w, m):
        return 0.5 * jnp.mean((inputs @ (w * m / keep) - targets) ** 2)

    def body(w, t):
        m = (uniforms(t, seed, w.shape) < keep).astype(jnp.float64)
        g = jax.grad(loss)(w, m)
        w_new = w - lr * g
        return w_new, (w_new, m)

    _, (path, masks) = jax.lax.scan(body, w0, jnp.arange(steps))
    return jnp.concatenate([w0[None], path]), masks


def dropout_walk(inputs, targets, w0, learning_rate: float, keep: float, seed: int, steps: int):
    """The lecture's picture of dropout in weight space: SGD on a linear model f = w·x with two
    inputs, each dropped with probability 1 − p (inverted scaling, one mask per step for all
    examples). A dropped input's weight gets no gradient: every step lies in the subspace of
    the kept weights (along an axis, or no step at all when both are dropped).

    Returns (path (steps+1, 2), masks (steps, 2))."""
    _check_probability("keep", keep)
    path, masks = _masked_walk(
        jnp.asarray(inputs, jnp.float64),
        jnp.asarray(targets, jnp.float64),
        jnp.asarray(w0, jnp.float64),
        learning_rate,
        keep,
        seed,
        steps,
    )
    return np.asarray(path), np.asarray(masks)


# --- batch normalization --------------------------------------------------------------------


def batch_statistics(z, weights):
    """Weighted mean and (biased) variance over the batch axis 0 of z (n, units): μ_B = Σ aᵢzᵢ/Σa,
    σ²_B = Σ aᵢ(zᵢ − μ_B)²/Σa; a = a 0/1 minibatch mask."""
    total = jnp.sum(weights)
    mean = weights @ z / total
    var = weights @ (z - mean) ** 2 / total
    return mean, var


def forward_batchnorm(arch: Architecture, w, x, weights, unit_mask, statistics=None):
    """The MLP with batch normalization before every hidden activation:
    h_l = g((z − μ)/√(σ² + ϵ) + b_l), z = h_{l−1} W_l. In training mode (`statistics` None) μ, σ²
    are the batch's (over the examples with weight a > 0), in test mode the given (μ, σ²) of
    shape (Σ n_l,) each. Returns f (n,) and the (μ, σ²) used."""
    layers = arch.unflatten(w)
    h, start, means, variances = x, 0, [], []
    for (W, b), n in zip(layers[:-1], arch.widths, strict=True):
        z = h @ W
        if statistics is None:
            mean, var = batch_statistics(z, weights)
        else:
            mean, var = statistics[0][start : start + n], statistics[1][start : start + n]
        means.append(mean)
        variances.append(var)
        z_hat = (z - mean) / jnp.sqrt(var + BN_EPS)
        h = networks.activation(arch.activation, z_hat + b) * unit_mask[start : start + n]
        start += n
    W, b = layers[-1]
    return (h @ W + b)[..., 0], (jnp.concatenate(means), jnp.concatenate(variances))


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=("inputs", "targets", "unit_mask"),
    meta_fields=("arch", "kind"),
)
@dataclasses.dataclass(frozen=True, eq=False)
class BatchNormLoss:
    """The loss of a batch-normalized network in training mode: every minibatch is normalized
    by its own statistics (`weighted(w, a)`), the full batch by the whole set's (`loss(w)`)."""

    inputs: jax.Array
    targets: jax.Array
    arch: Architecture
    kind: str
    unit_mask: jax.Array

    @property
    def n(self) -> int:
        return self.targets.shape[0]

    def weighted(self, w, weights):
        f, _ = forward_batchnorm(self.arch, w, self.inputs, weights, self.unit_mask)
        return jnp.sum(weights * _per_example(self.kind, f, self.targets)) / jnp.sum(weights)

    def __call__(self, w):
        return self.weighted(w, jnp.ones(self.n))

    minibatch_weights = DataLoss.minibatch_weights
    epoch_ranks = DataLoss.epoch_ranks
    epoch_and_chunk = DataLoss.epoch_and_chunk
    chunk_weights = staticmethod(DataLoss.chunk_weights)
    num_batches = DataLoss.num_batches


@jax.jit
def _full_batch_statistics(loss: BatchNormLoss, w):
    return forward_batchnorm(loss.arch, w, loss.inputs, jnp.ones(loss.n), loss.unit_mask)[1]


@jax.jit
def _training_mode_loss(loss: BatchNormLoss, w):
    return loss(w)


def training_mode_loss(loss: BatchNormLoss, w) -> float:
    """The loss of the batch-normalized network in training mode on all of `loss`'s points at
    once: the batch normalized by its own μ_B, σ²_B (one compiled program per shape)."""
    return float(_training_mode_loss(loss, jnp.asarray(w, jnp.float64)))


@functools.partial(jax.jit, static_argnames=("stochastic",))
def _running_statistics(loss: BatchNormLoss, path, batch_size, seed, stochastic):
    units = loss.unit_mask.shape[0]

    def body(carry, t):
        mean, var = carry
        weights = loss.minibatch_weights(t, batch_size, seed) if stochastic else jnp.ones(loss.n)
        _, (m, v) = forward_batchnorm(loss.arch, path[t], loss.inputs, weights, loss.unit_mask)
        carry = (BN_DECAY * mean + (1 - BN_DECAY) * m, BN_DECAY * var + (1 - BN_DECAY) * v)
        return carry, carry

    start = (jnp.zeros(units), jnp.ones(units))
    _, (means, variances) = jax.lax.scan(body, start, jnp.arange(path.shape[0] - 1))
    return (
        jnp.concatenate([start[0][None], means]),
        jnp.concatenate([start[1][None], variances]),
    )


def running_statistics(loss: BatchNormLoss, path, batch_size: int | None = None, seed: int = 0):
    """The running averages μ̄_t, σ̄²_t after each step t of a training path (T+1, N): step t
    normalized minibatch t (the runner's minibatches for `batch_size` and `seed`; the full
    batch when None) at weights w_t, and μ̄ ← 0.9 μ̄ + 0.1 μ_B, σ̄² ← 0.9 σ̄² + 0.1 σ²_B from
    μ̄₀ = 0, σ̄²₀ = 1. Returns two arrays (T+1, Σ n_l). The path is padded to the runner's
    step bucket (`optim.run`), so every T in a bucket shares one compiled program."""
    rows = len(path)
    means, variances = _running_statistics(
        loss,
        jnp.asarray(_padded_rows(path, bucket(max(rows - 1, 1)) + 1), jnp.float64),
        1 if batch_size is None else batch_size,
        seed,
        batch_size is not None,
    )
    return np.asarray(means)[:rows], np.asarray(variances)[:rows]


# Kept weights evaluated EVAL_BATCH at a time (`lax.map`): a vmap over all of them makes
# batched matrix products that XLA's CPU backend computes slower than a loop of small batches.
EVAL_BATCH = 8


@jax.jit
def _evaluate_batchnorm(loss: BatchNormLoss, labels, segments, ws, means, variances):
    def one(row):
        w, mean, var = row
        f, _ = forward_batchnorm(loss.arch, w, loss.inputs, None, loss.unit_mask, (mean, var))
        return _split_means(loss.kind, f, loss.targets, labels, segments)

    return jax.lax.map(one, (ws, means, variances), batch_size=EVAL_BATCH)


def _split_means(kind: str, f, targets, labels, segments):
    """Per split (a row of the 0/1 or weight matrix `segments` (S, n)): the weighted mean loss
    and accuracy of outputs f (n,). A split without points gives NaN."""
    losses = _per_example(kind, f, targets)
    correct = ((f > 0) == (labels > 0.5)).astype(f.dtype)
    total = jnp.sum(segments, axis=1)
    return segments @ losses / total, segments @ correct / total


# --- training: one entry point for the page -------------------------------------------------


class Regularizer(NamedTuple):
    """What `fit` trains: "plain", "dropout" (keep probabilities, convention) or "batchnorm"."""

    method: str = "plain"
    keep_input: float = 0.8
    keep_hidden: float = 0.5
    convention: str = "inverted"


PLAIN = Regularizer()


@jax.jit
def _evaluate_dropout(loss: DropoutLoss, labels, segments, ws):
    return jax.lax.map(
        lambda w: _split_means(loss.kind, loss.outputs(w), loss.targets, labels, segments),
        ws,
        batch_size=EVAL_BATCH,
    )


EVAL_BUCKET = 128  # evaluation points are padded to a multiple of this: one program for many m
SPLITS = ("train", "val", "test")


class EvaluationSet(NamedTuple):
    """The training, validation and test points in one array, padded to a multiple of
    `EVAL_BUCKET` points: `segments` (3, n) weighs each point in each split (0 elsewhere and
    for the padding; the training row carries the examples' weights)."""

    inputs: np.ndarray
    targets: np.ndarray
    labels: np.ndarray
    segments: np.ndarray


def evaluation_set(data: Data, kind: str, train_weights=None) -> EvaluationSet:
    """`data`'s three splits stacked (train, val, test) for one evaluation over all of them."""
    parts = [(s, len(getattr(data, f"y_{s}"))) for s in SPLITS]
    n = sum(k for _, k in parts)
    size = -(-n // EVAL_BUCKET) * EVAL_BUCKET
    inputs, targets, labels = np.zeros((size, 2)), np.zeros(size), np.zeros(size)
    segments, start = np.zeros((len(SPLITS), size)), 0
    for row, (split, k) in enumerate(parts):
        inputs[start : start + k] = getattr(data, f"x_{split}")
        labels[start : start + k] = getattr(data, f"y_{split}")
        targets[start : start + k] = getattr(data, f"{'t' if kind == 'squared' else 'y'}_{split}")
        weights = train_weights if split == "train" and train_weights is not None else 1.0
        segments[row, start : start + k] = weights
        start += k
    return EvaluationSet(inputs, targets, labels, segments)


def _padded_rows(ws, rows: int):
    """ws (k, D) with its last row repeated to `rows` rows (one program for every run length)."""
    ws = np.asarray(ws)
    return np.concatenate([ws, np.repeat(ws[-1:], max(rows - len(ws), 0), axis=0)])


class BatchNormState(NamedTuple):
    """The first hidden layer's batch statistics over the full training set at the last step,
    and the running averages there."""

    batch_mean: np.ndarray
    batch_var: np.ndarray
    running_mean: np.ndarray
    running_var: np.ndarray


def fit(
    data: Data,
    arch: Architecture,
    kind: str,
    w0,
    optimizer: str,
    steps: int,
    regularizer: Regularizer = PLAIN,
    *,
    keep: int = 201,
    train_weights=None,
    **settings,
) -> tuple[TrainingRun, BatchNormState | None]:
    """Train `arch` on `data` like `networks.train` (the same runner, optimizers, options and
    penalties on weights only), plain, with dropout or with batch normalization. The curves are
    those of the network at test time: the whole network (dropout), the running averages
    (batch norm). `train_weights` (n_train,) of 0/1 weigh the training examples (the padded
    augmented set; full batch only; with dropout too). Returns the run and, for batch norm,
    its statistics.

    The plain network trains its own loss: a dropout step costs a gradient of the thinned
    network and the whole network's value, a plain step one gradient that the next step uses
    again. Plain and dropout runs are evaluated by one program (the whole network at test time,
    p = 1 for the plain one), the three splits in one call (`evaluation_set`)."""
    if regularizer.method not in METHODS:
        raise ValueError(f"unknown method {regularizer.method!r}; valid: {', '.join(METHODS)}")
    w0 = np.asarray(w0, dtype=float)
    if w0.shape != (arch.num_weights,):
        raise ValueError(f"w0 must have shape ({arch.num_weights},), got {w0.shape}")
    wide = arch.widened()
    train = networks.network_loss(data, arch, kind, "train").widened()
    method = regularizer.method
    if method == "batchnorm":
        train = BatchNormLoss(train.inputs, train.targets, train.arch, kind, train.unit_mask)
    reg = regularizer if method == "dropout" else Regularizer("dropout", 1.0, 1.0)
    if method == "dropout":
        train = dropout_loss(train, reg.keep_input, reg.keep_hidden, reg.convention)
    objective = train
    if train_weights is not None:
        if "batch_size" in settings:
            raise ValueError("weighted training examples are trained on the full batch")
        objective = WeightedExamples(train, jnp.asarray(train_weights, jnp.float64))
    run = optim.run(
        objective,
        arch.widen(w0),
        optimizer,
        steps,
        record="path",
        penalty_mask=wide.weight_mask(),
        **settings,
    )
    kept = networks.kept_steps(len(run.params) - 1, keep)
    params = _padded_rows(run.params[kept], keep)
    points = evaluation_set(data, kind, train_weights)
    inputs, targets = jnp.asarray(points.inputs), jnp.asarray(points.targets)
    labels, segments = jnp.asarray(points.labels), jnp.asarray(points.segments)
    unit_mask = jnp.asarray(arch.unit_mask())
    state = None
    if method == "batchnorm":
        means, variances = running_statistics(
            train, run.params, settings.get("batch_size"), settings.get("seed", 0)
        )
        loss = BatchNormLoss(inputs, targets, wide, kind, unit_mask)
        values, accuracy = _evaluate_batchnorm(
            loss,
            labels,
            segments,
            params,
            _padded_rows(means[kept], keep),
            _padded_rows(variances[kept], keep),
        )
        mu, var = _full_batch_statistics(train, run.params[-1])
        # the first hidden layer's units (of the padded network's, this network's)
        real = np.flatnonzero(arch.unit_mask()[: wide.widths[0]])
        state = BatchNormState(
            np.asarray(mu)[real], np.asarray(var)[real], means[-1][real], variances[-1][real]
        )
    else:  # the whole network at test time
        loss = DropoutLoss(
            inputs,
            targets,
            wide,
            kind,
            unit_mask,
            jnp.float64(reg.keep_input),
            jnp.float64(reg.keep_hidden),
            jnp.float64(reg.convention == "inverted"),
        )
        values, accuracy = _evaluate_dropout(loss, labels, segments, params)
    values, accuracy = (np.asarray(a)[: len(kept)] for a in (values, accuracy))
    train_row, val_row, test_row = range(len(SPLITS))
    return (
        TrainingRun(
            steps=kept,
            params=params[: len(kept), arch.widened_index()],
            train_loss=run.loss,
            test_loss=values[:, test_row],
            train_accuracy=accuracy[:, train_row],
            test_accuracy=accuracy[:, test_row],
            diverged_at=run.diverged_at,
            optimizer=run.optimizer,
            val_loss=values[:, val_row],
            val_accuracy=accuracy[:, val_row],
        ),
        state,
    )


@functools.partial(
    jax.tree_util.register_dataclass, data_fields=("base", "weights"), meta_fields=()
)
@dataclasses.dataclass(frozen=True, eq=False)
class WeightedExamples:
    """E(w) = Σᵢ aᵢ ℓᵢ(w) / Σᵢ aᵢ: a loss whose examples weigh aᵢ (0 for padding)."""

    base: object
    weights: jax.Array

    def __call__(self, w):
        return self.base.weighted(w, self.weights)

    @property
    def at_step(self):
        """The weighted loss of training step t, `at_step(t, seed)`, when the base loss draws
        one per step (dropout). For a base without it this attribute does not exist (reading
        it raises AttributeError), so that `optim.run` sees a noisy loss exactly when the base
        is one."""
        base_at_step = self.base.at_step
        return lambda t, seed: WeightedExamples(base_at_step(t, seed), self.weights)


# --- data augmentation ----------------------------------------------------------------------


def transform_points(x, transform: str, angles=None):
    """The points x (n, 2) moved by `transform` (see TRANSFORMS); "rotate" turns point i by
    angles[i] (radians)."""
    x = np.asarray(x, dtype=float)
    if transform == "flip_x1":
        return x * np.array([-1.0, 1.0])
    if transform == "flip_x2":
        return x * np.array([1.0, -1.0])
    if transform == "swap":
        return x[:, ::-1].copy()
    if transform == "rotate90":
        return np.stack([-x[:, 1], x[:, 0]], axis=1)
    if transform == "rotate180":
        return -x
    if transform == "rotate":
        c, s = np.cos(angles), np.sin(angles)
        return np.stack([c * x[:, 0] - s * x[:, 1], s * x[:, 0] + c * x[:, 1]], axis=1)
    raise ValueError(f"unknown transform {transform!r}; valid: {', '.join(TRANSFORMS)}")


class Augmented(NamedTuple):
    """A training set with augmented copies, padded to n·(1 + MAX_COPIES) points: `weights` is
    1 for the originals and the first `copies` copies of each, 0 for the padding."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray
    weights: np.ndarray


def augment(
    x, y, t, transforms: tuple[str, ...], copies: int, jitter: float, seed: int = 0
) -> Augmented:
    """`copies` copies of every training point, each moved by one of `transforms` chosen at
    random (none chosen: the point itself) and then by Gaussian jitter of standard deviation
    `jitter`, with the point's label y and target t."""
    x, y, t = (np.asarray(a, dtype=float) for a in (x, y, t))
    if isinstance(copies, bool) or not isinstance(copies, (int, np.integer)):
        raise ValueError(f"copies must be a whole number, got {copies!r}")
    if not 0 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be between 0 and {MAX_COPIES}, got {copies}")
    if not (math.isfinite(jitter) and jitter >= 0):
        raise ValueError(f"jitter must be a finite number ≥ 0, got {jitter!r}")
    for name in transforms:
        if name not in TRANSFORMS:
            raise ValueError(f"unknown transform {name!r}; valid: {', '.join(TRANSFORMS)}")
    rng = np.random.default_rng([seed, 23])
    n = len(y)
    xs, weights = [x], [np.ones(n)]
    for k in range(MAX_COPIES):
        choice = rng.integers(0, max(len(transforms), 1), n)
        angles = rng.uniform(0.0, 2 * np.pi, n)
        noise = rng.standard_normal((n, 2))
        moved = x.copy()
        for i, name in enumerate(transforms):
            chosen = choice == i
            moved[chosen] = transform_points(x[chosen], name, angles[chosen])
        xs.append(moved + jitter * noise)
        weights.append(np.full(n, float(k < copies)))
    reps = MAX_COPIES + 1
    return Augmented(
        np.concatenate(xs), np.tile(y, reps), np.tile(t, reps), np.concatenate(weights)
    )


def with_training_set(data: Data, x, y, t) -> Data:
    """`data` with its training points replaced."""
    return data._replace(x_train=np.asarray(x), y_train=np.asarray(y), t_train=np.asarray(t))


def flip_labels(data: Data, fraction: float, seed: int = 0) -> Data:
    """`data` with a `fraction` of its training labels flipped (y → 1 − y, t → −t): noisy
    labels, which a large network learns by heart. Validation and test labels stay clean."""
    if not (math.isfinite(fraction) and 0 <= fraction <= 1):
        raise ValueError(f"fraction must be in [0, 1], got {fraction!r}")
    rng = np.random.default_rng([seed, 29])
    flipped = rng.uniform(size=len(data.y_train)) < fraction
    return data._replace(
        y_train=np.where(flipped, 1 - data.y_train, data.y_train),
        t_train=np.where(flipped, -data.t_train, data.t_train),
    )


# --- input normalization --------------------------------------------------------------------


class Features(NamedTuple):
    """Two-input linear regression y = w·x + noise (inputs (n, 2), targets (n,))."""

    x: np.ndarray
    y: np.ndarray


def scaled_features(
    n: int = 200, scale: float = 10.0, correlation: float = 0.8, seed: int = 0
) -> Features:
    """x₁ ~ N(0, 1), x₂ = s·(r x₁ + √(1 − r²) z): two correlated inputs on scales 1 and s;
    y = x₁ + x₂/s + 0.1 ε."""
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be positive, got {scale!r}")
    if not (math.isfinite(correlation) and abs(correlation) < 1):
        raise ValueError(f"correlation must be in (−1, 1), got {correlation!r}")
    rng = np.random.default_rng([seed, 31])
    x1, z, eps = rng.standard_normal((3, n))
    x2 = scale * (correlation * x1 + np.sqrt(1 - correlation**2) * z)
    x = np.stack([x1, x2], axis=1)
    return Features(x, x1 + x2 / scale + 0.1 * eps)


NORMALIZATIONS = ("raw", "standardized", "whitened")


def normalize(features: Features, how: str) -> Features:
    """ "raw": as given; "standardized": each input (x − mean)/std, targets centred;
    "whitened": centred and multiplied by C^(−1/2) (C the covariance), targets centred."""
    x, y = features
    if how == "raw":
        return features
    centred = x - x.mean(axis=0)
    if how == "standardized":
        return Features(centred / x.std(axis=0), y - y.mean())
    if how == "whitened":
        values, vectors = np.linalg.eigh(np.cov(centred.T, bias=True))
        return Features(centred @ vectors @ np.diag(values**-0.5) @ vectors.T, y - y.mean())
    raise ValueError(f"unknown normalization {how!r}; valid: {', '.join(NORMALIZATIONS)}")


def linear_hessian(features: Features) -> np.ndarray:
    """The Hessian of E(w) = ½ mean (w·x − y)²: C = XᵀX/n (for centred inputs, the covariance)."""
    return features.x.T @ features.x / len(features.y)


def condition_number(features: Features) -> float:
    """κ = λ_max/λ_min of `linear_hessian`."""
    values = np.linalg.eigvalsh(linear_hessian(features))
    return float(values[-1] / values[0])


def linear_minimum(features: Features) -> np.ndarray:
    """The least-squares weights w* = C⁻¹ Xᵀy/n."""
    return np.linalg.lstsq(features.x, features.y, rcond=None)[0]


@functools.partial(jax.tree_util.register_dataclass, data_fields=("x", "y"), meta_fields=())
@dataclasses.dataclass(frozen=True, eq=False)
class LinearLoss:
    """E(w) = ½ mean (w·x − y)², a pytree (data traced)."""

    x: jax.Array
    y: jax.Array

    def __call__(self, w):
        return 0.5 * jnp.mean((self.x @ w - self.y) ** 2)


class GDRace(NamedTuple):
    """Gradient descent at the best constant ε on one normalization."""

    learning_rate: float  # ε* = 2/(λ_max + λ_min)
    kappa: float
    predicted_steps: int  # ⌈log(tol)/log((κ − 1)/(κ + 1))⌉
    measured_steps: int | None  # first t with ‖w_t − w*‖ ≤ tol·‖w₀ − w*‖
    path: np.ndarray  # (T+1, 2)


def gd_race(features: Features, w0, tol: float = 1e-3, steps: int = 4000) -> GDRace:
    """Gradient descent on ½ mean (w·x − y)² at its best ε, from w0, against the closed form:
    the error shrinks by (κ − 1)/(κ + 1) per step (a bound; the measured count is at most it)."""
    values = np.linalg.eigvalsh(linear_hessian(features))
    lr = float(optim.theory.gd_optimal_lr(values[0], values[-1]))
    kappa = float(values[-1] / values[0])
    rate = (kappa - 1) / (kappa + 1)
    w_star = linear_minimum(features)
    error0 = np.linalg.norm(np.asarray(w0, float) - w_star)
    predicted = 0 if rate <= 0 else math.ceil(math.log(tol) / math.log(rate))
    run = optim.run(
        LinearLoss(jnp.asarray(features.x), jnp.asarray(features.y)),
        np.asarray(w0, float),
        "gd",
        steps,
        learning_rate=lr,
    )
    measured = optim.steps_to_tolerance(run, tol * error0, point=w_star)
    return GDRace(lr, kappa, predicted, None if measured is None else int(measured), run.params)


def label_agreement(name: str, transform: str, n: int = 1500, seed: int = 0) -> float:
    """How far `transform` is a symmetry of data set `name`, by brute force: the fraction of
    n noise-free points whose moved copy has the label of its nearest noise-free neighbour
    (1: the transform keeps every label; 0: it changes every one). "rotate" turns by random
    angles."""
    data = networks.make_data(name, n_train=n, n_test=1, noise=0.0, seed=seed)
    angles = np.random.default_rng([seed, 37]).uniform(0.0, 2 * np.pi, n)
    moved = transform_points(data.x_train, transform, angles)
    # nearest neighbours through ‖a − b‖² = ‖a‖² − 2a·b + ‖b‖², one (n, n) matrix
    distances = (
        np.sum(moved**2, axis=1)[:, None]
        - 2 * moved @ data.x_train.T
        + np.sum(data.x_train**2, axis=1)[None]
    )
    nearest = np.argmin(distances, axis=1)
    return float(np.mean(data.y_train[nearest] == data.y_train))
