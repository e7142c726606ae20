"""Small networks as losses of one flat weight vector, toy 2-D data sets and initialisations.

A multilayer perceptron (MLP) with inputs x ∈ ℝ², hidden layers of widths n₁ … n_m and one
output computes

    h₀ = x,   h_l = g(h_{l−1} W_l + b_l)  (l = 1 … m),   f(x) = h_m W_out + b_out,

with the activation g one of tanh, ReLU, the logistic sigmoid or the identity. All weights live
in one flat vector w of length N = Σ_l (n_{l−1} + 1)·n_l: layer by layer, first the matrix W_l
(shape n_{l−1} × n_l, row-major, so column j holds the incoming weights of neuron j), then the
biases b_l. Optimizers, Hessians and loss slices all see the network as a function E(w) of this
one vector, which is what the lecture's weight space is.

Neuron j of the first layer is a hyperplane in input space, W₁[:, j]·x + b₁[j] = 0: on one side
it is active, on the other not. Classification uses the sign of f: class 1 where f(x) > 0.

Losses (`NetworkLoss`, a pytree like `landscapes.datasets.DataLoss`: data arrays traced, the
architecture and the kind of loss static, so new data, seeds or hyperparameters never compile):
  squared error   ℓ = ½ (f(x) − t)², targets t = ±1 (the teacher's output value for teacher data);
  cross-entropy   ℓ = log(1 + e^f) − y·f, labels y ∈ {0, 1} (the logistic loss on the logit f).

Training and the pictures of input space run the network padded to hidden layers of
`WIDTH_BUCKET` units (`Architecture.widened`): the extra units' activations are multiplied by a
0/1 mask, so they output 0 and every weight into or out of them gets a zero gradient and
stays 0 (every optimizer's step of a zero gradient from zero state is zero, and so are the
penalties' and clipping's). The numbers are those of the narrow network; a width slider never
compiles (one program per depth).

Initialisations (Glorot & Bengio 2010; He et al. 2015), biases zero: Xavier W ~ N(0, 1/m) for m
inputs of a neuron, Glorot uniform ±√(6/(m + n)), He N(0, 2/m) for ReLU, or all zeros, which
keeps every hidden unit of a layer identical forever: they start equal, so they receive equal
gradients and stay equal (the symmetry is never broken).
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.special

import optim
from landscapes import committee
from landscapes.datasets import DataLoss

ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
INITIALISATIONS = ("zero", "xavier", "glorot", "he")
# Each scheme by its formula and its paper (the URL keeps the short keys). The lecture calls
# N(0, 1/m) "Xavier"; that rule is LeCun et al.'s (1998), while Glorot & Bengio (2010), whose
# first author gives "Xavier" its name, proposed the normalised uniform rule.
INITIALISATION_TITLES = {
    "zero": "all zero",
    "xavier": "N(0, 1/m) — LeCun et al. 1998",
    "glorot": "U(±√(6/(m+n))) — Glorot & Bengio 2010",
    "he": "N(0, 2/m) — He et al. 2015",
}
INITIALISATION_NOTE = (
    "The lecture calls N(0, 1/m) “Xavier”; Glorot & Bengio (2010), the “Xavier” paper, "
    "proposed the normalised uniform rule, variance 2/(m+n). He et al.'s is for ReLU."
)
LOSSES = ("squared", "cross_entropy")
DATASETS = ("teacher", "xor", "circles", "gaussians", "spirals", "moons")
MAX_DEPTH = 4  # hidden layers the page offers (the core takes more)
MAX_WIDTH = 16  # units per hidden layer the page offers
WIDTH_BUCKET = MAX_WIDTH  # hidden layers are computed a multiple of this wide (see the top)
# Inputs of every data set lie in this box (up to noise): the plots of input space show it.
INPUT_BOX = ((-2.5, 2.5), (-2.5, 2.5))


def _activation(name: str, z):
    if name == "tanh":
        return jnp.tanh(z)
    if name == "relu":
        return jax.nn.relu(z)
    if name == "sigmoid":
        return jax.nn.sigmoid(z)
    return z


activation = _activation  # g(z) by name, for the networks of other modules


@dataclasses.dataclass(frozen=True)
class Architecture:
    """An MLP with 2-D inputs (by default), hidden layers of the given `widths` and one output.

    Hashable and compared by value: it is static metadata for jit, so two equal architectures
    share their compiled functions."""

    widths: tuple[int, ...]
    activation: str = "tanh"
    input_dim: int = 2

    def __post_init__(self):
        widths = tuple(self.widths)
        if not widths or any(
            isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in widths
        ):
            raise ValueError(f"widths must be one or more positive whole numbers, got {widths}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; valid: {', '.join(ACTIVATIONS)}"
            )
        object.__setattr__(self, "widths", tuple(int(n) for n in widths))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Units per layer, input and output included: (input_dim, n₁, …, n_m, 1)."""
        return (self.input_dim, *self.widths, 1)

    @property
    def num_weights(self) -> int:
        """N = Σ_l (n_{l−1} + 1)·n_l, the dimension of weight space."""
        return sum((a + 1) * b for a, b in _pairs(self.sizes))

    @property
    def first_width(self) -> int:
        return self.widths[0]

    def widened(self) -> Architecture:
        """This architecture with every hidden layer rounded up to a multiple of
        `WIDTH_BUCKET` units: what training and `outputs_on_grid` compute (see the top)."""
        widths = tuple(-(-n // WIDTH_BUCKET) * WIDTH_BUCKET for n in self.widths)
        return Architecture(widths, self.activation, self.input_dim)

    def unit_mask(self) -> np.ndarray:
        """1.0 for this network's units, 0.0 for the padding, over the hidden layers of
        `widened()` one after the other."""
        wide = self.widened().widths
        mask = [np.arange(m) < n for n, m in zip(self.widths, wide, strict=True)]
        return np.concatenate(mask).astype(float)

    def widened_index(self) -> np.ndarray:
        """Where each of this network's weights sits in the flat vector of `widened()`:
        `w_wide[widened_index()] = w` embeds w, `w_wide[..., widened_index()]` takes it back."""
        wide = self.widened()
        index = []
        for (start, middle, _), (a, b), (_, wide_b) in zip(
            wide.offsets(), _pairs(self.sizes), _pairs(wide.sizes), strict=True
        ):
            rows, columns = np.meshgrid(np.arange(a), np.arange(b), indexing="ij")
            index.append(start + rows.ravel() * wide_b + columns.ravel())
            index.append(middle + np.arange(b))
        return np.concatenate(index)

    def widen(self, ws) -> np.ndarray:
        """Weights ws (..., N) embedded in `widened()`'s layout, zeros elsewhere."""
        ws = np.asarray(ws, dtype=float)
        wide = np.zeros((*ws.shape[:-1], self.widened().num_weights))
        wide[..., self.widened_index()] = ws
        return wide

    def offsets(self) -> tuple[tuple[int, int, int], ...]:
        """(start of W_l, start of b_l, end of b_l) in the flat vector, per layer."""
        result, start = [], 0
        for a, b in _pairs(self.sizes):
            result.append((start, start + a * b, start + a * b + b))
            start += (a + 1) * b
        return tuple(result)

    def unflatten(self, w):
        """The layers [(W_l (n_{l−1}, n_l), b_l (n_l,))] of a flat vector w (shape (N,))."""
        return [
            (w[s : s + a * b].reshape(a, b), w[m:e])
            for (s, m, e), (a, b) in zip(self.offsets(), _pairs(self.sizes), strict=True)
        ]

    def flatten(self, layers) -> np.ndarray:
        """The inverse of `unflatten`."""
        return np.concatenate([np.concatenate([np.ravel(W), np.ravel(b)]) for W, b in layers])

    def weight_mask(self) -> np.ndarray:
        """1.0 for every entry of a matrix W_l, 0.0 for every bias b_l, shape (N,): the
        coordinates an L1/L2 penalty acts on (`optim.run`'s `penalty_mask`; the lectures and
        Goodfellow et al. 2016, §7.1, penalise weights, not biases)."""
        mask = np.zeros(self.num_weights)
        for start, middle, _ in self.offsets():
            mask[start:middle] = 1.0
        return mask

    def filter_ids(self) -> np.ndarray:
        """For every weight, the neuron it feeds (its "filter" in Li et al. 2018): the column
        W_l[:, j] and the bias b_l[j] of neuron j of layer l share one id. Shape (N,)."""
        ids, first = [], 0
        for a, b in _pairs(self.sizes):
            neurons = first + np.arange(b)
            ids.append(np.tile(neurons, a))  # W_l row-major: entry (i, j) feeds neuron j
            ids.append(neurons)
            first += b
        return np.concatenate(ids)


def _pairs(sizes):
    """Consecutive pairs (n_{l−1}, n_l) of layer sizes."""
    return list(zip(sizes[:-1], sizes[1:], strict=True))


def forward(arch: Architecture, w, x, unit_mask=None):
    """The network's output f(x) (the logit), for inputs x of shape (..., input_dim); with a
    0/1 `unit_mask` over the hidden units (`Architecture.unit_mask`), the masked units
    output 0."""
    layers = arch.unflatten(w)
    h, start = x, 0
    for (W, b), n in zip(layers[:-1], arch.widths, strict=True):
        h = _activation(arch.activation, h @ W + b)
        if unit_mask is not None:
            h = h * unit_mask[start : start + n]
        start += n
    W, b = layers[-1]
    return (h @ W + b)[..., 0]


def hidden_activations(arch: Architecture, w, x) -> list:
    """Every hidden layer's activations h_l (shape (..., n_l)) for inputs x (..., input_dim)."""
    h, result = x, []
    for W, b in arch.unflatten(w)[:-1]:
        h = _activation(arch.activation, h @ W + b)
        result.append(h)
    return result


def first_layer_hyperplanes(arch: Architecture, ws) -> np.ndarray:
    """The first layer's neurons as hyperplanes (w₁, w₂, b): neuron j is the line
    w₁x₁ + w₂x₂ + b = 0. `ws` of shape (..., N) gives (..., n₁, 3)."""
    ws = np.asarray(ws, dtype=float)
    n1, d_in = arch.first_width, arch.input_dim
    W = ws[..., : d_in * n1].reshape(*ws.shape[:-1], d_in, n1)
    b = ws[..., d_in * n1 : (d_in + 1) * n1]
    return np.concatenate([np.swapaxes(W, -1, -2), b[..., None]], axis=-1)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def weight_labels(arch: Architecture) -> tuple[str, ...]:
    """A readable name for every entry of the flat weight vector, in its order:
    "x₂ → h¹₃" is the weight from input 2 to unit 3 of hidden layer 1, "b(h¹₃)" that unit's
    bias, "h²₅ → f" a weight into the output f."""

    def unit(layer: int, index: int) -> str:
        if layer == 0:
            return f"x{str(index + 1).translate(_SUBSCRIPT)}"
        if layer == len(arch.sizes) - 1:
            return "f"
        return f"h{str(layer).translate(_SUPERSCRIPT)}{str(index + 1).translate(_SUBSCRIPT)}"

    labels = []
    for layer, (m, n) in enumerate(_pairs(arch.sizes)):
        labels += [f"{unit(layer, i)} → {unit(layer + 1, j)}" for i in range(m) for j in range(n)]
        labels += [f"b({unit(layer + 1, j)})" for j in range(n)]
    return tuple(labels)


def probability(f) -> np.ndarray:
    """σ(f) = 1/(1 + e⁻ᶠ), the probability of class 1 a cross-entropy network assigns."""
    return scipy.special.expit(np.asarray(f, dtype=float))


# --- losses ---------------------------------------------------------------------------------


def squared_error(f, target):
    """ℓ = ½ (f − t)²."""
    return 0.5 * (f - target) ** 2


def cross_entropy(f, label):
    """ℓ = −y log σ(f) − (1 − y) log(1 − σ(f)) = log(1 + eᶠ) − y·f, y ∈ {0, 1}.

    Written with logaddexp so a large |f| neither overflows nor loses its slope."""
    return jnp.logaddexp(0.0, f) - label * f


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=("inputs", "targets", "unit_mask"),
    meta_fields=("arch", "kind"),
)
@dataclasses.dataclass(frozen=True, eq=False)
class NetworkLoss:
    """E(w) = (1/n) Σᵢ ℓ(f_w(xᵢ), tᵢ) for an MLP `arch` on inputs (n, input_dim), targets (n,).

    A pytree: inputs and targets are traced, `arch` and `kind` ("squared" or "cross_entropy")
    static. Callable for the full-batch loss; `weighted` and `minibatch_weights` give a
    minibatch's loss, so `optim.run(..., batch_size=B)` draws minibatches from it."""

    inputs: jax.Array
    targets: jax.Array
    arch: Architecture
    kind: str
    unit_mask: jax.Array | None = None  # 0/1 over the hidden units: see `widened`

    def widened(self) -> NetworkLoss:
        """The same loss computed by the padded network `arch.widened()` (see the top): its
        value at `arch.widen(w)` is E(w), and its gradient there is `arch.widen(∇E(w))`."""
        mask = jnp.asarray(self.arch.unit_mask(), self.inputs.dtype)
        return NetworkLoss(self.inputs, self.targets, self.arch.widened(), self.kind, mask)

    @property
    def n(self) -> int:
        return self.targets.shape[0]

    def losses(self, w):
        """The n per-example losses."""
        return self.losses_of_outputs(forward(self.arch, w, self.inputs, self.unit_mask))

    def losses_of_outputs(self, f):
        """The per-example losses for network outputs f (shape (n,))."""
        if self.kind == "squared":
            return squared_error(f, self.targets)
        return cross_entropy(f, self.targets)

    def __call__(self, w):
        return jnp.mean(self.losses(w))

    def weighted(self, w, weights):
        """Σᵢ aᵢ ℓᵢ(w) / Σᵢ aᵢ: with a 0/1 mask a, the loss of a minibatch."""
        return jnp.sum(weights * self.losses(w)) / jnp.sum(weights)

    # Minibatch k of the runner's convention (seeded reshuffle every epoch), shared with
    # `DataLoss` so that both kinds of data-defined loss draw the same minibatches.
    minibatch_weights = DataLoss.minibatch_weights
    epoch_ranks = DataLoss.epoch_ranks
    epoch_and_chunk = DataLoss.epoch_and_chunk
    chunk_weights = staticmethod(DataLoss.chunk_weights)
    num_batches = DataLoss.num_batches


# --- data -----------------------------------------------------------------------------------


class Teacher(NamedTuple):
    """A teacher network: a committee machine written as a one-hidden-layer MLP."""

    arch: Architecture
    weights: np.ndarray  # flat, in the layout of `arch`

    def output(self, x) -> np.ndarray:
        return np.asarray(forward(self.arch, jnp.asarray(self.weights), jnp.asarray(x)))

    def hyperplanes(self) -> np.ndarray:
        """(k, 3) rows (w₁, w₂, b): hidden unit i is the line wᵢ·x + bᵢ = 0."""
        return first_layer_hyperplanes(self.arch, self.weights)


def teacher_network(n_hidden: int, seed: int) -> Teacher:
    """The committee machine of `landscapes.committee.random_teacher` (k = `n_hidden` logistic
    units, output weights 1, the same teacher as on the permutation-symmetry page for the same
    seed), shifted to f_T(x) = Σᵢ σ(wᵢ·x + bᵢ) − k/2 so that its sign is a label.

    Since tanh(z) = 2σ(2z) − 1, the sign of f_T is that of the tanh committee Σᵢ tanh(wᵢ·x/2 +
    bᵢ/2): a student with k units of either activation can represent the teacher exactly."""
    blocks = committee.units(committee.random_teacher(n_hidden, seed), n_hidden)
    W, b, v = blocks[:, :2].T, blocks[:, 2], blocks[:, 3:]
    arch = Architecture((n_hidden,), "sigmoid")
    return Teacher(arch, arch.flatten([(W, b), (v, np.array([-0.5 * n_hidden]))]))


class Data(NamedTuple):
    """A 2-D data set split into training, test and (optionally) validation points.

    Labels y ∈ {0, 1} (cross-entropy); targets t (squared error): ±1 for the toy sets, the
    teacher's noisy output value for teacher data. The validation points (none unless asked
    for) are held out of training to choose hyperparameters and when to stop (early stopping,
    Goodfellow et al. 2016, §7.8); the test points are looked at only to report."""

    name: str
    x_train: np.ndarray  # (n_train, 2)
    y_train: np.ndarray  # (n_train,) labels 0/1
    t_train: np.ndarray  # (n_train,) regression targets
    x_test: np.ndarray
    y_test: np.ndarray
    t_test: np.ndarray
    teacher: Teacher | None = None
    x_val: np.ndarray = np.zeros((0, 2))
    y_val: np.ndarray = np.zeros(0)
    t_val: np.ndarray = np.zeros(0)

    @property
    def n_val(self) -> int:
        return len(self.y_val)


def _xor(n, rng):
    # Uniform in the square, pushed a little away from the axes so the four quadrants are clear.
    x = rng.uniform(-1.8, 1.8, (n, 2))
    x = x + 0.15 * np.sign(x)
    return x, (x[:, 0] * x[:, 1] > 0).astype(float)


def _circles(n, rng):
    inner = rng.uniform(size=n) < 0.5
    radius = np.where(inner, rng.uniform(0.0, 0.8, n), rng.uniform(1.3, 1.9, n))
    angle = rng.uniform(0.0, 2 * np.pi, n)
    return radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1), inner.astype(float)


def _gaussians(n, rng):
    label = (rng.uniform(size=n) < 0.5).astype(float)
    centre = np.where(label[:, None] > 0, 0.9, -0.9) * np.ones(2)
    return centre + 0.5 * rng.standard_normal((n, 2)), label


def _spirals(n, rng):
    # Two arms r = t, θ = 3π(t − 0.2)/1.7 + (0 or π): one and a half turns each. t = 0.2 + 1.7√u
    # spreads the points about evenly along the arm, whose length grows like t².
    label = (rng.uniform(size=n) < 0.5).astype(float)
    t = 0.2 + 1.7 * np.sqrt(rng.uniform(size=n))
    angle = 3.0 * np.pi * (t - 0.2) / 1.7 + np.pi * label
    return t[:, None] * np.stack([np.cos(angle), np.sin(angle)], 1), label


def _moons(n, rng):
    # Two interleaving half circles (as scikit-learn's make_moons), centred and scaled ×1.2.
    label = (rng.uniform(size=n) < 0.5).astype(float)
    t = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(t), np.sin(t)], 1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], 1)
    x = np.where(label[:, None] > 0, lower, upper)
    return 1.2 * (x - np.array([0.5, 0.25])), label


_TOY = {
    "xor": _xor,
    "circles": _circles,
    "gaussians": _gaussians,
    "spirals": _spirals,
    "moons": _moons,
}

DATASET_TITLES = {
    "teacher": "Teacher network (committee machine)",
    "xor": "XOR",
    "circles": "Circles",
    "gaussians": "Two Gaussians",
    "spirals": "Spirals",
    "moons": "Two moons",
}


def make_data(
    name: str,
    n_train: int = 256,
    n_test: int = 256,
    noise: float = 0.1,
    seed: int = 0,
    teacher_hidden: int = 3,
    n_val: int = 0,
) -> Data:
    """The data set `name` with n_train + n_test points drawn together, then split, and
    n_val validation points drawn from the same distribution apart from them.

    Toy sets: the points get Gaussian noise of standard deviation `noise` after labelling.
    Teacher: inputs uniform in [−2, 2]², target t = f_T(x) + noise·ε from the committee
    machine with `teacher_hidden` units and the same seed (`teacher_network`), label
    y = 1[t > 0]."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; valid: {', '.join(DATASETS)}")
    for what, n, low in (("n_train", n_train, 1), ("n_test", n_test, 1), ("n_val", n_val, 0)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not low <= n <= 100_000:
            raise ValueError(f"{what} must be a whole number from {low} to 100000, got {n!r}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    teacher = teacher_network(teacher_hidden, seed) if name == "teacher" else None
    rng = np.random.default_rng([seed, DATASETS.index(name)])
    x, y, t = _draw(name, n_train + n_test, noise, rng, teacher)
    # The validation points come from a stream of their own: the training and test points of
    # a seed are the same whatever n_val is.
    x_val, y_val, t_val = _draw(
        name, n_val, noise, np.random.default_rng([seed, DATASETS.index(name), 1]), teacher
    )
    return Data(
        name,
        x[:n_train],
        y[:n_train],
        t[:n_train],
        x[n_train:],
        y[n_train:],
        t[n_train:],
        teacher,
        x_val,
        y_val,
        t_val,
    )


def _draw(name, n, noise, rng, teacher):
    """n points of data set `name`: inputs, labels and targets (see `make_data`)."""
    if teacher is not None:
        x = rng.uniform(-2.0, 2.0, (n, 2))
        t = teacher.output(x) + noise * rng.standard_normal(n)
        return x, (t > 0).astype(float), t
    x, y = _TOY[name](n, rng)
    x = x + noise * rng.standard_normal(x.shape)
    return x, y, 2.0 * y - 1.0


def network_losses(data: Data, arch: Architecture, kind: str) -> tuple[NetworkLoss, NetworkLoss]:
    """The training and test losses of network `arch` on `data` ("squared" or "cross_entropy")."""
    return network_loss(data, arch, kind, "train"), network_loss(data, arch, kind, "test")


def network_loss(data: Data, arch: Architecture, kind: str, split: str) -> NetworkLoss:
    """The loss of network `arch` on the `split` ("train", "val" or "test") of `data`."""
    if kind not in LOSSES:
        raise ValueError(f"unknown loss {kind!r}; valid: {', '.join(LOSSES)}")
    x = getattr(data, f"x_{split}")
    targets = getattr(data, f"t_{split}" if kind == "squared" else f"y_{split}")
    return NetworkLoss(jnp.asarray(x), jnp.asarray(targets), arch, kind)


# --- initialisation -------------------------------------------------------------------------


def init_weights(arch: Architecture, scheme: str, seed: int = 0, scale: float = 1.0) -> np.ndarray:
    """Initial flat weights. Biases start at zero; each layer's matrix W (m inputs, n outputs):

    zero    W = 0 (every unit of a layer identical: the symmetry is never broken)
    xavier  W ~ N(0, 1/m)             (LeCun et al. 1998; the lecture calls it Xavier)
    glorot  W ~ U(−√(6/(m+n)), √(6/(m+n)))  (Glorot & Bengio 2010, "normalised": variance
                                      2/(m+n), one over the mean fan (m+n)/2)
    he      W ~ N(0, 2/m)             (He et al. 2015, for ReLU)

    then multiplied by `scale` (too large: exploding signals, too small: vanishing)."""
    if scheme not in INITIALISATIONS:
        raise ValueError(f"unknown initialisation {scheme!r}; valid: {', '.join(INITIALISATIONS)}")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive finite number, got {scale!r}")
    rng = np.random.default_rng([seed, 11])
    layers = []
    for m, n in _pairs(arch.sizes):
        if scheme == "zero":
            W = np.zeros((m, n))
        elif scheme == "xavier":
            W = rng.standard_normal((m, n)) / np.sqrt(m)
        elif scheme == "glorot":
            limit = np.sqrt(6.0 / (m + n))
            W = rng.uniform(-limit, limit, (m, n))
        else:
            W = rng.standard_normal((m, n)) * np.sqrt(2.0 / m)
        layers.append((scale * W, np.zeros(n)))
    return arch.flatten(layers)


# --- evaluation along a run -----------------------------------------------------------------


@jax.jit
def _evaluate_along(loss: NetworkLoss, labels, ws_TxD):
    def evaluate(w):
        f = forward(loss.arch, w, loss.inputs, loss.unit_mask)
        return jnp.mean(loss.losses_of_outputs(f)), jnp.mean((f > 0) == (labels > 0.5))

    return jax.vmap(evaluate)(ws_TxD)


@functools.partial(jax.jit, static_argnames=("arch",))
def _outputs_on_points(arch: Architecture, ws_FxD, points_Px2, unit_mask):
    return jax.vmap(lambda w: forward(arch, w, points_Px2, unit_mask))(ws_FxD)


def evaluate_along(loss: NetworkLoss, labels, ws) -> tuple[np.ndarray, np.ndarray]:
    """For every row w of ws (T, N), in one jitted call: the loss E(w) and the accuracy, the
    fraction of `loss`'s inputs classified as `labels` (0/1; class 1 where f_w(x) > 0)."""
    values, accuracy = _evaluate_along(
        loss, jnp.asarray(labels, jnp.float64), jnp.asarray(ws, jnp.float64)
    )
    return np.asarray(values), np.asarray(accuracy)


def outputs_on_grid(arch: Architecture, ws, xs, ys) -> np.ndarray:
    """f_w(x, y) on the grid xs × ys for every row of ws (F, N): shape (F, len(ys), len(xs))."""
    gx, gy = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    # Computed by the padded network (see the top): one program for every width.
    out = _outputs_on_points(
        arch.widened(), jnp.asarray(arch.widen(ws)), jnp.asarray(points), arch.unit_mask()
    )
    return np.asarray(out).reshape(len(ws), len(ys), len(xs))


PLANE_CHUNK = 256  # grid points per jitted call of `loss_plane`


@jax.jit
def _losses_at_points(loss: NetworkLoss, centre, d1, d2, points_Px2):
    return jax.vmap(lambda p: loss(centre + p[0] * d1 + p[1] * d2))(points_Px2)


def loss_plane(loss: NetworkLoss, centre, d1, d2, alphas, betas, dtype=np.float64) -> np.ndarray:
    """E(centre + α d₁ + β d₂) on the grid alphas × betas, shape (len(betas), len(alphas)),
    as `landscapes.spectrum.loss_plane` computes it. Non-finite values come back as NaN.

    The grid's points go through one jitted function in chunks of `PLANE_CHUNK` (the last one
    padded), so a grid of any size reuses one compiled program: a slider for the grid size
    never compiles. `dtype=np.float32` halves the time, for pictures."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    grid_a, grid_b = np.meshgrid(alphas, betas)
    points = np.stack([grid_a.ravel(), grid_b.ravel()], axis=1)
    padded = -(-len(points) // PLANE_CHUNK) * PLANE_CHUNK
    points = np.concatenate([points, np.zeros((padded - len(points), 2))]).astype(dtype)
    loss = jax.tree_util.tree_map(
        lambda leaf: leaf.astype(dtype) if jnp.issubdtype(leaf.dtype, jnp.floating) else leaf,
        loss,
    )
    centre, d1, d2 = (jnp.asarray(v, dtype) for v in (centre, d1, d2))
    z = np.concatenate(
        [
            np.asarray(_losses_at_points(loss, centre, d1, d2, points[i : i + PLANE_CHUNK]))
            for i in range(0, padded, PLANE_CHUNK)
        ]
    )
    z = z[: alphas.size * betas.size].reshape(betas.size, alphas.size).astype(float)
    return np.where(np.isfinite(z), z, np.nan)


class TrainingRun(NamedTuple):
    """A training run, compact enough to cache: the weights at a few steps only.

    `steps` (K,) are ≤ `keep` steps spread evenly from 0 to the last one (both kept), and
    `params` (K, N) the weights there; `train_loss` has every step t = 0 … n, the other curves
    are at `steps` (the validation ones NaN when the data have no validation points)."""

    steps: np.ndarray
    params: np.ndarray
    train_loss: np.ndarray  # (n+1,)
    test_loss: np.ndarray  # (K,)
    train_accuracy: np.ndarray  # (K,)
    test_accuracy: np.ndarray  # (K,)
    diverged_at: int | None
    optimizer: str
    val_loss: np.ndarray | None = None  # (K,)
    val_accuracy: np.ndarray | None = None  # (K,)

    def weights_at(self, step: int) -> tuple[int, np.ndarray]:
        """The kept step nearest to `step`, and the weights there."""
        i = int(np.argmin(np.abs(self.steps - step)))
        return int(self.steps[i]), self.params[i]


def kept_steps(last_step: int, keep: int) -> np.ndarray:
    """≤ `keep` steps from 0 to `last_step`, evenly spread, both ends kept."""
    count = min(last_step + 1, max(2, keep))
    return np.unique(np.round(np.linspace(0, last_step, count)).astype(int))


def train(
    data: Data,
    arch: Architecture,
    kind: str,
    w0,
    optimizer: str,
    steps: int,
    *,
    keep: int = 201,
    **settings,
) -> TrainingRun:
    """Train network `arch` on `data` with `optim.run` (one jitted scan over all steps).

    `settings` go to `optim.run`: the optimizer's hyperparameters, schedule, clipping, `l1`,
    `l2` (on the weights only, not the biases: `Architecture.weight_mask`), `batch_size` and
    `seed` for minibatches. The weights are kept at ≤ `keep` steps, and the test and validation
    losses and the accuracies evaluated there (one vmapped call each). The network is
    trained padded to `arch.widened()` (see the top), so every width up to `WIDTH_BUCKET`
    shares one compiled program; the weights come back in the layout of `arch`."""
    train_loss, test_loss = (loss.widened() for loss in network_losses(data, arch, kind))
    w0 = np.asarray(w0, dtype=float)
    if w0.shape != (arch.num_weights,):
        raise ValueError(f"w0 must have shape ({arch.num_weights},), got {w0.shape}")
    mask = arch.widened().weight_mask()
    run = optim.run(
        train_loss, arch.widen(w0), optimizer, steps, record="path", penalty_mask=mask, **settings
    )
    kept = kept_steps(len(run.params) - 1, keep)
    wide_params = run.params[kept]
    _, train_accuracy = evaluate_along(train_loss, data.y_train, wide_params)
    test_values, test_accuracy = evaluate_along(test_loss, data.y_test, wide_params)
    val_values = val_accuracy = np.full(len(kept), np.nan)
    if data.n_val:
        val_loss = network_loss(data, arch, kind, "val").widened()
        val_values, val_accuracy = evaluate_along(val_loss, data.y_val, wide_params)
    return TrainingRun(
        steps=kept,
        params=wide_params[:, arch.widened_index()],
        train_loss=run.loss,
        test_loss=test_values,
        train_accuracy=train_accuracy,
        test_accuracy=test_accuracy,
        diverged_at=run.diverged_at,
        optimizer=run.optimizer,
        val_loss=val_values,
        val_accuracy=val_accuracy,
    )


def early_stopping(values, patience: int) -> tuple[int, int]:
    """Early stopping (Goodfellow et al. 2016, Algorithm 7.1) on validation losses `values`
    measured at successive evaluations: training stops at the first evaluation that is the
    `patience`-th in a row without a new best (strictly lower) value, or at the last one.
    Returns (index of the stop, index of the best value up to the stop): the weights to
    restore are those of the best evaluation. NaN values never count as a new best."""
    values = np.asarray(values, dtype=float)
    if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"patience must be a whole number ≥ 1, got {patience!r}")
    if values.ndim != 1 or values.size == 0:
        raise ValueError("values must be a non-empty 1-D array")
    best, best_value, waited = 0, values[0], 0
    for i in range(1, len(values)):
        if values[i] < best_value or (np.isnan(best_value) and np.isfinite(values[i])):
            best, best_value, waited = i, values[i], 0
        else:
            waited += 1
            if waited >= patience:
                return i, best
    return len(values) - 1, best


def duplicate_unit(arch: Architecture, w, unit: int, fraction: float = 0.5):
    """Add a copy of hidden unit `unit` of a one-hidden-layer network, splitting its output
    weight v into fraction·v (the original) and (1 − fraction)·v (the copy).

    The network computes the same function for every fraction: a line of weight vectors with
    equal loss (Fukumizu & Amari 2000; Brea et al. 2019). Returns (wider architecture, weights)."""
    if len(arch.widths) != 1:
        raise ValueError("duplicate_unit needs a network with one hidden layer")
    (W, b), (V, c) = (tuple(np.asarray(a, float) for a in layer) for layer in arch.unflatten(w))
    if not 0 <= unit < W.shape[1]:
        raise ValueError(f"unit must be in 0 … {W.shape[1] - 1}, got {unit}")
    wider = Architecture((arch.widths[0] + 1,), arch.activation, arch.input_dim)
    V_split = np.concatenate([V, (1.0 - fraction) * V[unit : unit + 1]])
    V_split[unit] *= fraction
    layers = [
        (np.concatenate([W, W[:, unit : unit + 1]], 1), np.append(b, b[unit])),
        (V_split, c),
    ]
    return wider, wider.flatten(layers)
