"""Data-defined losses: a full-batch loss E(w) = (1/n) Σᵢ ℓ(w; xᵢ, yᵢ) and its minibatch versions.

A minibatch B sees only part of the data, so its loss E_B(w) = (1/|B|) Σ_{i∈B} ℓ(w; xᵢ, yᵢ) is a
different landscape: its minima and saddles sit elsewhere, and stochastic gradient descent
follows a different surface at every step (Goodfellow et al. 2016, §8.1.3 and §8.3.1). Averaged
over a partition of the data, weighted by batch size, the minibatch losses give back E exactly.

`DataLoss` holds the data as pytree leaves and the per-example loss ℓ as static metadata, so one
compiled function serves every dataset of the same kind, every minibatch, seed and batch size.
Minibatches are 0/1 weight masks over the n examples: the batch size is a traced number, and
moving its slider never compiles anything.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize
import scipy.special
from jax.tree_util import Partial

from optim.hyper import Hyper

Bounds = tuple[tuple[float, float], tuple[float, float]]
Point = tuple[float, float]


# --- per-example losses ℓ(w; x, y): module-level, so jit hashes them by identity -------------


def linear_squared_error(w, x, y):
    """ℓ = ½ (w·x − y)²: linear regression."""
    return 0.5 * (jnp.dot(w, x) - y) ** 2


def tanh_unit_squared_error(w, x, y):
    """ℓ = ½ (w_out·tanh(w_h·x) − y)² for w = (w_h, w_out): one hidden tanh unit."""
    return 0.5 * (w[1] * jnp.tanh(w[0] * x) - y) ** 2


def logistic_cross_entropy(w, x, y):
    """ℓ = −y log σ(z) − (1 − y) log(1 − σ(z)) = log(1 + eᶻ) − y·z with z = w·x, y ∈ {0, 1}.

    Written with logaddexp so that large |z| neither overflows nor loses the slope."""
    z = jnp.dot(w, x)
    return jnp.logaddexp(0.0, z) - y * z


# --- the loss -------------------------------------------------------------------------------


@functools.partial(
    jax.tree_util.register_dataclass,
    data_fields=("inputs", "targets"),
    meta_fields=("name", "per_example"),
)
@dataclasses.dataclass(frozen=True, eq=False)
class DataLoss:
    """E(w) = (1/n) Σᵢ ℓ(w; xᵢ, yᵢ) over the examples (inputs (n, ...), targets (n,)).

    A pytree: the arrays are traced leaves, `name` and `per_example` (ℓ, a module-level
    function) are static. Call it for the full-batch loss; `weighted` and `minibatch` give the
    loss of a minibatch."""

    inputs: jax.Array
    targets: jax.Array
    name: str
    per_example: Callable[[jax.Array, jax.Array, jax.Array], jax.Array]

    @property
    def n(self) -> int:
        """The number of examples."""
        return self.targets.shape[0]

    def losses(self, w):
        """The n per-example losses ℓ(w; xᵢ, yᵢ)."""
        return jax.vmap(self.per_example, in_axes=(None, 0, 0))(w, self.inputs, self.targets)

    def __call__(self, w):
        """The full-batch loss E(w), the mean over all examples."""
        return jnp.mean(self.losses(w))

    def weighted(self, w, weights):
        """Σᵢ aᵢ ℓᵢ(w) / Σᵢ aᵢ for weights a of shape (n,): with a 0/1 mask, the minibatch loss."""
        return jnp.sum(weights * self.losses(w)) / jnp.sum(weights)

    def epoch_ranks(self, epoch, seed):
        """Where each example sits in epoch `epoch`'s shuffle (shape (n,), a permutation of
        0, …, n − 1): the data are shuffled by a permutation seeded by (seed, epoch)."""
        n = self.n
        seed_key = jax.random.PRNGKey(jnp.asarray(seed).astype(jnp.uint32))
        key = jax.random.fold_in(seed_key, jnp.asarray(epoch).astype(jnp.int32))
        # Sort the examples by random 32-bit keys, each packed above its example's index so
        # that one sort of one array gives the order (ties, rare, go by index).
        # `jax.random.permutation` does the same with threefry keys and a two-array sort,
        # which cost 20x more on a CPU; the keys here are SplitMix64's stream (Steele, Lea
        # & Flood 2014) seeded by threefry, plenty for shuffling examples.
        start = jax.random.key_data(key).astype(jnp.uint64)
        state = (start[0] << 32 | start[1]) + _GOLDEN_GAMMA * jnp.arange(1, n + 1, dtype=jnp.uint64)
        packed = _splitmix64_mix(state) >> 32 << 32 | jnp.arange(n, dtype=jnp.uint64)
        order = (jnp.sort(packed) & 0xFFFFFFFF).astype(jnp.int32)
        # slot j of the shuffled order holds example order[j]; the rank is its inverse
        return jnp.zeros(n, jnp.int32).at[order].set(jnp.arange(n, dtype=jnp.int32))

    def minibatch_weights(self, k, batch_size, seed):
        """0/1 mask of minibatch k (shape (n,)), jit-friendly with traced k, batch_size, seed.

        An epoch shuffles the n examples with a permutation seeded by (seed, epoch) and cuts
        them into ⌈n/B⌉ consecutive chunks of B = batch_size (1 ≤ B, the last chunk may be
        smaller). Minibatch k is chunk k mod ⌈n/B⌉ of epoch ⌊k/⌈n/B⌉⌋, so k can simply be the
        step counter of SGD, and k = 0, …, ⌈n/B⌉ − 1 partitions the data. The runner
        (`optim.run` with batch_size) draws the same minibatches, shuffling once per epoch
        (`epoch_and_chunk`, `epoch_ranks`, `chunk_weights`)."""
        epoch, chunk = self.epoch_and_chunk(k, batch_size)
        return self.chunk_weights(self.epoch_ranks(epoch, seed), chunk, batch_size)

    def epoch_and_chunk(self, k, batch_size):
        """(⌊k/⌈n/B⌉⌋, k mod ⌈n/B⌉): the epoch of step k and its chunk within the epoch."""
        per_epoch = jnp.ceil(self.n / batch_size)
        return jnp.floor_divide(k, per_epoch), jnp.mod(k, per_epoch)

    @staticmethod
    def chunk_weights(ranks, chunk, batch_size):
        """0/1 mask of the examples in chunk `chunk` (B = batch_size each) of a shuffle whose
        example i sits at slot ranks[i]."""
        return (jnp.floor_divide(ranks, batch_size) == chunk).astype(jnp.float64)

    def num_batches(self, batch_size):
        """⌈n/B⌉, the number of minibatches in one epoch."""
        return jnp.ceil(self.n / batch_size).astype(int)

    def minibatch(self, k, batch_size, seed) -> Partial:
        """The loss E_B(w) of minibatch k, as a pytree (`Partial`): changing k, batch_size or
        seed changes only its leaves, so nothing that takes it recompiles."""
        return Partial(_weighted_loss, self, _minibatch_weights(self, k, batch_size, seed))

    def minibatch_on_its_examples(self, k, batch_size, seed) -> Partial:
        """The same loss as `minibatch(k, batch_size, seed)`, computed on a copy of only its
        examples when B ≤ n/4: those B examples padded with zero-weight repeats to ⌊n/4⌋, so
        that drawing a small minibatch's surface (a grid, a critical-point search) costs a
        quarter of the full data or less instead of evaluating all n examples with zero
        weights. For B > n/4 it is `minibatch` itself. Only two array shapes per data set,
        ⌊n/4⌋ and n, so k, B and the seed still compile nothing new once both are compiled
        (the full batch as `minibatch(0, n, seed)` compiles the second)."""
        weights = np.asarray(_minibatch_weights(self, k, batch_size, seed))
        size = max(1, self.n // 4)
        # The shape follows B, not this minibatch's count: the last minibatch of an epoch can
        # be smaller (n = 128, B = 37: three of 37 and one of 17), and every minibatch of one B
        # must have the same shape to be searched together (`critical_points_of_each`).
        if int(batch_size) > size:
            return Partial(_weighted_loss, self, jnp.asarray(weights))
        chosen = np.flatnonzero(weights)
        index = np.resize(chosen, size)  # the chosen examples, then repeats of them
        padded = (np.arange(size) < chosen.size).astype(np.float64)  # repeats weigh 0
        subset = DataLoss(
            jnp.asarray(np.asarray(self.inputs)[index]),
            jnp.asarray(np.asarray(self.targets)[index]),
            self.name,
            self.per_example,
        )
        return Partial(_weighted_loss, subset, jnp.asarray(padded))

    def stochastic_grad(self, w, k, batch_size, seed):
        """∇E_B(w), the gradient of minibatch k's loss: what SGD follows at step k."""
        return jax.grad(self.weighted)(w, self.minibatch_weights(k, batch_size, seed))


_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64_mix(z):
    """SplitMix64's output function: a bijection of 64-bit integers that mixes every bit."""
    z = (z ^ (z >> 30)) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> 27)) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> 31)


# One compiled call instead of a shuffle run op by op (a page draws several minibatches a rerun).
_minibatch_weights = jax.jit(lambda data_loss, k, b, seed: data_loss.minibatch_weights(k, b, seed))


def _weighted_loss(data_loss: DataLoss, weights, w):
    return data_loss.weighted(w, weights)


def least_squares_minimum(data_loss: DataLoss, weights=None) -> np.ndarray:
    """The minimum of a linear regression's (weighted) squared error, by the normal equations.

    Minimises Σᵢ aᵢ (w·xᵢ − yᵢ)², i.e. solves (Xᵀ A X) w = Xᵀ A y, A = diag(a) (all ones when
    `weights` is None). Solved as the least-squares problem √A X w ≈ √A y, which also gives
    the minimum-norm point of the line of minima when the batch is too small to pin w down."""
    if data_loss.per_example is not linear_squared_error:
        raise ValueError(f"{data_loss.name!r} is not a linear regression")
    x, y = np.asarray(data_loss.inputs), np.asarray(data_loss.targets)
    root = np.sqrt(np.ones_like(y) if weights is None else np.asarray(weights, dtype=np.float64))
    return np.linalg.lstsq(root[:, None] * x, root * y, rcond=None)[0]


# --- the catalogue ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A data-defined loss with what the app shows next to it.

    `minima` are the full batch's minima (x, y), global first, as on a `Surface`."""

    name: str
    title: str
    note: str
    loss: DataLoss
    params: dict[str, float]
    param_specs: tuple[Hyper, ...]
    bounds: Bounds
    starts: tuple[Point, ...]
    minima: tuple[Point, ...]
    log_color: bool = False

    @property
    def minimum(self) -> np.ndarray:
        """The full-batch minimum (the first of `minima`) as a NumPy array of shape (2,)."""
        return np.array(self.minima[0])


def _points(*ws) -> tuple[Point, ...]:
    return tuple((float(w[0]), float(w[1])) for w in ws)


_N = Hyper("n", "n", 128, 16, 1024, log=True, domain="count", help="number of examples")
_SEED = Hyper("seed", "seed", 0, 0, 2**31 - 1, domain="nonnegative", help="seed of the data")

# The regression's teacher: both weights 1, so the ravine is centred in its plot.
_REGRESSION_TEACHER = np.array([1.0, 1.0])

_REGRESSION_SPECS = (
    _N,
    Hyper(
        "correlation",
        "r",
        0.9,
        -0.99,
        0.99,
        domain="finite",
        help="correlation of the two inputs",
    ),
    Hyper("noise", "σ", 0.5, 0.0, 3.0, domain="nonnegative", help="std of the label noise"),
    _SEED,
)


def correlated_regression(
    n: int = 128, correlation: float = 0.9, noise: float = 0.5, seed: int = 0
) -> Dataset:
    """Linear regression y = w·x + noise on two inputs with correlation r: a ravine.

    x₁ ~ N(0, 1), x₂ = r x₁ + √(1 − r²) z with z ~ N(0, 1), y = x₁ + x₂ + σ ε. The loss
    ½ mean (w·x − y)² has Hessian XᵀX/n ≈ [[1, r], [r, 1]], eigenvalues 1 ± r: condition
    number about (1 + |r|)/(1 − |r|), 19 for r = 0.9."""
    rng = np.random.default_rng(seed)
    x1, z, eps = rng.standard_normal((3, n))
    inputs = np.stack([x1, correlation * x1 + np.sqrt(1.0 - correlation**2) * z], axis=1)
    targets = inputs @ _REGRESSION_TEACHER + noise * eps
    loss = DataLoss(
        jnp.asarray(inputs), jnp.asarray(targets), "correlated_regression", linear_squared_error
    )
    return Dataset(
        name="correlated_regression",
        title="Linear regression with correlated inputs",
        note=(
            "A straight-line fit y = w₁x₁ + w₂x₂ where the two inputs almost always move "
            "together. The data then tell the sum w₁ + w₂ precisely but the difference "
            "w₁ − w₂ only vaguely, so the squared error is a long, narrow ravine. Every "
            "minibatch is a small regression of its own, with its own minimum: these minima "
            "scatter around the full-batch one, mostly along the floor of the ravine, where "
            "the data say least. With a constant learning rate SGD therefore never comes to "
            "rest: each step pulls it toward another minibatch's minimum, and it keeps "
            "jittering around the full-batch minimum, the more so the smaller the batch."
        ),
        loss=loss,
        params={"n": n, "correlation": correlation, "noise": noise, "seed": seed},
        param_specs=_REGRESSION_SPECS,
        bounds=((-2.0, 4.0), (-2.0, 4.0)),
        starts=((-1.5, 3.5), (3.5, 2.5)),
        minima=_points(least_squares_minimum(loss)),
    )


_TANH_SPECS = (
    _N._replace(help="number of examples (even: each input appears twice)"),
    Hyper("noise", "σ", 1.5, 0.0, 4.0, domain="nonnegative", help="std of the label noise"),
    _SEED,
)


def tanh_network(n: int = 128, noise: float = 1.5, seed: int = 0) -> Dataset:
    """The network ŷ = w_out·tanh(w_h·x) on data from the teacher w = (1, 1), with noise.

    Inputs x ~ N(0, 1), each used twice with targets tanh(x) + σε and tanh(x) − σε. The noise
    cancels in the full batch: E(w) = ½ mean (w_out tanh(w_h x) − tanh x)² + ½ mean (σε)², so
    the full-batch minima are exactly (1, 1) and (−1, −1), where the network equals the
    teacher, and (w_h, w_out) → (−w_h, −w_out) leaves E unchanged. At the origin ∇E = 0 and the
    Hessian is [[0, −c], [−c, 0]] with c = mean(x·y): a saddle with eigenvalues ±c. A minibatch
    has its own c_B = mean_B(x·y), which for small noisy batches can be negative: from a start
    on the w_out axis its gradient then sends w_h to the negative side."""
    if n % 2:
        raise ValueError(f"n must be even for the tanh network (each input appears twice), got {n}")
    rng = np.random.default_rng(seed)
    x, eps = rng.standard_normal((2, n // 2))
    inputs = np.repeat(x, 2)
    targets = np.repeat(np.tanh(x), 2) + noise * np.stack([eps, -eps], axis=1).ravel()
    loss = DataLoss(
        jnp.asarray(inputs), jnp.asarray(targets), "tanh_network", tanh_unit_squared_error
    )
    return Dataset(
        name="tanh_network",
        title="One hidden tanh unit: two minima and a saddle",
        note=(
            "The smallest network with a weight-space symmetry: ŷ = w_out·tanh(w_h·x), "
            "trained on noisy examples of the same network with both weights equal to 1. "
            "Flipping the sign of both weights gives the same network, so the full loss has "
            "two equally good minima, (1, 1) and (−1, −1), with a saddle between them at the "
            "origin. Each input appears twice, with opposite noise, so the full batch sees "
            "the teacher exactly; a minibatch sees only part of the noise. Its loss keeps the "
            "symmetry and the flat point at the origin, but its minima move, and for a small, "
            "noisy batch the downhill direction at the saddle can turn: from the same start "
            "beside the origin one minibatch pulls w_h to the positive side, the next to the "
            "negative side. On average the minibatch gradients equal the full one, so SGD "
            "still follows the slope of the full loss, with a jitter that grows as the batch "
            "shrinks."
        ),
        loss=loss,
        params={"n": n, "noise": noise, "seed": seed},
        param_specs=_TANH_SPECS,
        bounds=((-2.5, 2.5), (-2.5, 2.5)),
        starts=((0.0, 0.5), (0.6, -0.6), (-1.5, 1.4)),
        minima=((1.0, 1.0), (-1.0, -1.0)),
    )


_MOONS_SPECS = (
    _N,
    Hyper("noise", "σ", 0.2, 0.0, 1.0, domain="nonnegative", help="std of the input noise"),
    _SEED,
)


def _two_moons(n: int, noise: float, rng: np.random.Generator):
    """Two interleaving half circles (as scikit-learn's make_moons), with Gaussian noise.

    Class 0: (cos t, sin t), class 1: (1 − cos t, ½ − sin t), t evenly spaced in [0, π]."""
    n0 = n // 2
    t0, t1 = np.linspace(0.0, np.pi, n0), np.linspace(0.0, np.pi, n - n0)
    points = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    labels = np.concatenate([np.zeros(n0), np.ones(n - n0)])
    return points + noise * rng.standard_normal(points.shape), labels


def _logistic_minimum(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The minimum of the convex mean cross-entropy, by a trust-region Newton method (safe from
    any start) with the closed-form gradient Xᵀ(p − y)/n and Hessian Xᵀ diag(p(1 − p)) X/n,
    p = σ(Xw)."""
    n = len(y)

    def value(w):
        z = x @ w
        return np.mean(np.logaddexp(0.0, z) - y * z)

    def grad(w):
        return x.T @ (scipy.special.expit(x @ w) - y) / n

    def hess(w):
        p = scipy.special.expit(x @ w)
        return (x.T * (p * (1 - p))) @ x / n

    w = scipy.optimize.minimize(
        value, np.zeros(2), jac=grad, hess=hess, method="trust-exact", options={"gtol": 1e-10}
    ).x
    if np.linalg.norm(grad(w)) > 1e-8:
        raise ValueError(
            "these moons are linearly separable, so the loss has no minimum; "
            "use more examples, more noise or another seed"
        )
    # Newton converges quadratically this close to the minimum: two steps reach round-off.
    for _ in range(2):
        w = w - np.linalg.solve(hess(w), grad(w))
    return w


def moons_logistic(n: int = 128, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Logistic regression p = σ(w₁x₁ + w₂x₂) with cross-entropy on two noisy moons.

    The inputs are standardised (mean 0, std 1 per feature), so no bias is needed."""
    points, labels = _two_moons(n, noise, np.random.default_rng(seed))
    inputs = (points - points.mean(axis=0)) / points.std(axis=0)
    loss = DataLoss(
        jnp.asarray(inputs), jnp.asarray(labels), "moons_logistic", logistic_cross_entropy
    )
    return Dataset(
        name="moons_logistic",
        title="Two moons, logistic regression",
        note=(
            "A linear classifier p = σ(w₁x₁ + w₂x₂) trained with the cross-entropy on two "
            "interleaving half-moons. The full loss is convex: one bowl, one minimum, and "
            "since no straight line separates the moons the best weights stay finite. A "
            "small minibatch is different: it is often separable by a line, and then its "
            "loss has no minimum at all. It keeps falling as the weights grow along the "
            "separating direction, so the minibatch gradient never vanishes and keeps pushing "
            "the weights outward. The full loss is the average of these bowls and slopes."
        ),
        loss=loss,
        params={"n": n, "noise": noise, "seed": seed},
        param_specs=_MOONS_SPECS,
        bounds=((-3.0, 5.0), (-6.0, 2.0)),
        starts=((-2.5, 1.5), (4.5, -5.5)),
        minima=_points(_logistic_minimum(inputs, labels)),
    )


_BUILDERS: dict[str, tuple[Callable[..., Dataset], tuple[Hyper, ...]]] = {
    "correlated_regression": (correlated_regression, _REGRESSION_SPECS),
    "tanh_network": (tanh_network, _TANH_SPECS),
    "moons_logistic": (moons_logistic, _MOONS_SPECS),
}

DATASETS: tuple[str, ...] = tuple(_BUILDERS)

_INTEGER_PARAMS = ("n", "seed")


def _checked(spec: Hyper, value) -> float | int:
    """`value` within [low, high] (an integer for n and seed), or ValueError with the range."""
    number = spec.check(value)
    if not spec.low <= number <= spec.high:
        raise ValueError(
            f"{spec.name} ({spec.symbol}) must be between {spec.low:g} and {spec.high:g}, "
            f"got {number:g}"
        )
    if spec.name in _INTEGER_PARAMS:
        if number != int(number):
            raise ValueError(f"{spec.name} must be a whole number, got {value!r}")
        return int(number)
    return number


def get_dataset(name: str, **params) -> Dataset:
    """The dataset `name` with its parameters (defaults for those not given).

    Raises ValueError naming the valid datasets, the valid parameters or the valid range."""
    try:
        builder, specs = _BUILDERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown dataset {name!r}; valid: {', '.join(DATASETS)}") from None
    known = {spec.name: spec for spec in specs}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown} of {name!r}; valid: {sorted(known)}")
    return builder(**{k: _checked(spec, params.get(k, spec.default)) for k, spec in known.items()})
