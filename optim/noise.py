"""Gradient noise: what minibatches do to the optimizers, in numbers the minibatch page shows.

Three pieces of maths beyond the runner:

* **Replaying a gradient series.** The lecture's exercise hands three weights a scripted series
  of gradients (1.1, 0.9, 1.1, 0.9, … for w₁; 0.1, 0.1, … for w₂; 1.1, −0.9, … for w₃) and asks
  what Adam makes of them. `replay` feeds such a series to the optimizer's own update rule from
  `optim.rules` (one jitted `lax.scan`), so the running mean s, the running second moment r and
  the steps are the optimizer's own numbers. `long_run_moments` gives the averages the series
  tends to (the lecture's 1.0, 0.1, 0.1; 1.01, 0.01, 1.01; ≈ 1.0, 1.0, 0.1).
* **The noise ball.** With a constant learning rate SGD does not settle at the minimum w*: each
  minibatch pulls it somewhere else, and a cloud of runs with different seeds fills a ball
  around w*. `cloud_radius` measures it, and `independent_batch_noise_ball` predicts it for
  minibatches drawn independently at every step: near w* each example's loss is a quadratic
  ℓᵢ(w) ≈ ℓᵢ(w*) + bᵢ·δ + ½ δᵀAᵢδ (δ = w − w*), so one SGD step is δ ← (I − εA_B)δ − εb_B
  and the second moment M = E[δδᵀ] obeys a linear equation whose fixed point is the ball.
  For small ε its radius grows like √ε (Mandt, Hoffman & Blei 2017, §3). The runner instead
  reshuffles the data once per epoch, as training code does; within an epoch the minibatch
  gradients at w* then sum to zero, so when an epoch is short compared with the 1/(ελ) steps a
  run needs to forget its past, the noise cancels and the ball is smaller than the prediction
  (it then shrinks like ε rather than √ε; Mishchenko, Khaled & Richtárik 2020).
* **Examples seen.** Batch, minibatch and online learning spend the data differently: after t
  steps the batch rule has seen t·n examples, online learning t. `examples_seen` counts them
  for the runner's partition, whose last minibatch of an epoch may be smaller.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from optim.hyper import check_all
from optim.rules import RULES, get_rule

# --- the lecture's exercise: a scripted gradient series ------------------------------------

# The repeating pattern of each weight's gradient (Gerstner's exercise on Adam).
LECTURE_SERIES: tuple[tuple[float, ...], ...] = ((1.1, 0.9), (0.1,), (1.1, -0.9))

# Rules that can replay a series: their step needs only the gradient and their own state, and
# is proportional to ε. Not Nesterov's (its gradient is taken at a look-ahead point the script
# cannot know), not Newton's (a Hessian), not AdamW (its weight decay depends on w itself).
REPLAYABLE: tuple[str, ...] = (
    "gd",
    "momentum",
    "adagrad",
    "rmsprop",
    "adam",
    "nadam",
    "amsgrad",
    "adadelta",
)

MAX_SERIES_LENGTH = 24  # numbers in one typed pattern
MAX_GRADIENT = 1e3  # largest |g| accepted in a typed pattern
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")
_SEPARATORS = re.compile(r"[,;\s]+")


def parse_series(text: str) -> tuple[float, ...]:
    """The numbers in `text` (separated by commas, semicolons or spaces), as floats.

    Each piece must be a plain decimal number (``1.1``, ``-0.9``, ``.5``, ``2e-3``; a typed
    minus sign "−" counts as "-"); nothing is evaluated. Raises ValueError saying what is wrong
    with the first piece that is not a number, or with the count or size of the numbers."""
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    pieces = [p for p in _SEPARATORS.split(text.replace("−", "-").strip()) if p]
    if not pieces:
        raise ValueError("no numbers given")
    if len(pieces) > MAX_SERIES_LENGTH:
        raise ValueError(f"at most {MAX_SERIES_LENGTH} numbers, got {len(pieces)}")
    values = []
    for piece in pieces:
        if not _NUMBER.fullmatch(piece):
            shown = piece if len(piece) <= 12 else piece[:12] + "…"
            raise ValueError(f"“{shown}” is not a number")
        value = float(piece)
        if not abs(value) <= MAX_GRADIENT:
            raise ValueError(f"{piece} is larger than {MAX_GRADIENT:g} in size")
        values.append(value)
    return tuple(values)


def repeat_patterns(patterns: Sequence[Sequence[float]], steps: int) -> np.ndarray:
    """(steps, d) gradients: column i repeats pattern i (g_t = pattern[t mod its length])."""
    if steps < 1 or not patterns or any(len(p) == 0 for p in patterns):
        raise ValueError("need steps ≥ 1 and one non-empty pattern per weight")
    return np.stack([np.resize(np.asarray(p, dtype=np.float64), steps) for p in patterns], 1)


class Moments(NamedTuple):
    """Long-run averages of each weight's gradient series (arrays of shape (d,))."""

    mean: np.ndarray  # ⟨g⟩
    mean_square: np.ndarray  # ⟨g²⟩
    ratio: np.ndarray  # ⟨g⟩/√⟨g²⟩ (0 where ⟨g²⟩ = 0): what Adam's step tends to, in units of ε

    @property
    def over_mean_square(self) -> np.ndarray:
        """⟨g⟩/⟨g²⟩ (0 where ⟨g²⟩ = 0), the quotient the lecture's exercise writes, without
        the root: not scale-free (it grows as the gradient shrinks), so not Adam's step."""
        return np.divide(
            self.mean, self.mean_square, out=np.zeros_like(self.mean), where=self.mean_square > 0
        )


def long_run_moments(patterns: Sequence[Sequence[float]]) -> Moments:
    """The averages a repeating series tends to: those over one period of its pattern."""
    mean = np.array([np.mean(p) for p in patterns], dtype=np.float64)
    mean_square = np.array([np.mean(np.square(p)) for p in patterns], dtype=np.float64)
    root = np.sqrt(mean_square)
    ratio = np.divide(mean, root, out=np.zeros_like(mean), where=root > 0)
    return Moments(mean, mean_square, ratio)


class Replay(NamedTuple):
    """An optimizer's answer to a scripted gradient series, step t = 1..T in row t − 1."""

    optimizer: str
    grads: np.ndarray  # (T, d) the series g_t
    steps: np.ndarray  # (T, d) −Δw_t/ε: each weight's step, downhill positive, in units of ε
    internals: dict[str, np.ndarray]  # (T, d) the rule's state after step t ("s", "r")


@functools.partial(jax.jit, static_argnames="rule_name")
def _replay(grads_TxD, hp, rule_name):
    rule = RULES[rule_name]
    w0 = jnp.zeros(grads_TxD.shape[1], dtype=grads_TxD.dtype)

    def body(carry, g):
        w, state = carry
        # ε = 1: every replayable rule's step is proportional to ε, so steps are in units of ε.
        delta, state = rule.update(g, state, w, hp, 1.0, None)
        return (w + delta, state), (delta, rule.internals(state))

    _, (deltas, internals) = jax.lax.scan(body, (w0, rule.init(w0, hp)), grads_TxD)
    return deltas, internals


def replay(optimizer: str, grads, **hypers) -> Replay:
    """Run `optimizer`'s update rule (from `optim.rules`) on the gradient series `grads`.

    grads: (T, d), the gradient of each weight at steps 1..T, whatever the weights are (a
    script: the series does not depend on where the optimizer goes). hypers: the rule's
    hyperparameters by keyword (`momentum`, `decay`, `b1`, `b2`, `eps`; defaults for those not
    given); the learning rate is 1, so the steps are in units of ε. ValueError on an optimizer
    that cannot replay a series (see `REPLAYABLE`) or a bad value."""
    rule = get_rule(optimizer)
    if rule.name not in REPLAYABLE:
        raise ValueError(
            f"{optimizer!r} needs more than the gradient series; valid: {', '.join(REPLAYABLE)}"
        )
    grads = np.asarray(grads, dtype=np.float64)
    if grads.ndim != 2 or grads.shape[0] == 0 or not np.all(np.isfinite(grads)):
        raise ValueError(f"grads must be a finite (T, d) array, got shape {grads.shape}")
    hp = check_all(
        rule.hypers, {"learning_rate": 1.0, **hypers}, f"hyperparameter(s) of {optimizer}"
    )
    deltas, internals = jax.device_get(_replay(grads, hp, rule.name))
    return Replay(
        rule.name, grads, -np.asarray(deltas), {k: np.asarray(v) for k, v in internals.items()}
    )


class AdamStatistics(NamedTuple):
    """Adam's bias-corrected running statistics after each step t = 1..T, each (T, d)."""

    mean: np.ndarray  # ŝ_t = s_t/(1 − ρ₁ᵗ), s ← ρ₁ s + (1 − ρ₁) g
    second_moment: np.ndarray  # r̂_t = r_t/(1 − ρ₂ᵗ), r ← ρ₂ r + (1 − ρ₂) g²
    ratio: np.ndarray  # ŝ_t/√r̂_t (0 where r̂_t = 0): Adam's step in units of ε, δ aside


def adam_statistics(grads, b1: float = 0.9, b2: float = 0.999) -> AdamStatistics:
    """Adam's running mean and second moment of the series, read from the rule's own state.

    Kingma & Ba (2015), Alg. 1; Goodfellow et al. (2016), Alg. 8.7."""
    run = replay("adam", grads, b1=b1, b2=b2)
    t = np.arange(1, len(run.grads) + 1, dtype=np.float64)[:, None]
    mean = run.internals["s"] / (1.0 - b1**t)
    second = run.internals["r"] / (1.0 - b2**t)
    root = np.sqrt(second)
    ratio = np.divide(mean, root, out=np.zeros_like(mean), where=root > 0)
    return AdamStatistics(mean, second, ratio)


def average_step(run: Replay, skip: int = 0) -> np.ndarray:
    """Each weight's mean step −Δw/ε over steps skip+1..T: how fast the optimizer moves it."""
    if not 0 <= skip < len(run.steps):
        raise ValueError(f"skip must be between 0 and {len(run.steps) - 1}, got {skip}")
    return run.steps[skip:].mean(axis=0)


# --- the noise ball -------------------------------------------------------------------------


def distances_to_nearest(params, minima) -> np.ndarray:
    """‖w − w*‖ to the nearest of `minima` (M, d), for params of shape (..., d)."""
    params = np.asarray(params, dtype=np.float64)
    minima = np.atleast_2d(np.asarray(minima, dtype=np.float64))
    if minima.size == 0:
        raise ValueError("need at least one minimum")
    gaps = params[..., None, :] - minima
    return np.sqrt(np.min(np.sum(gaps * gaps, axis=-1), axis=-1))


def cloud_radius(params_SxTxD, minima) -> np.ndarray:
    """The noise ball's radius at each step: the root-mean-square distance of S runs
    (different seeds) to their nearest minimum, √(mean_s ‖w_{s,t} − w*‖²), shape (T,)."""
    distances = distances_to_nearest(params_SxTxD, minima)
    return np.sqrt(np.mean(distances**2, axis=0))


def stationary_radius(params_SxTxD, minima, burn_in: int) -> float:
    """The radius once the ball has formed: the root-mean-square distance over every run and
    every step from `burn_in` on."""
    steps = np.asarray(params_SxTxD).shape[1]
    if not 0 <= burn_in < steps:
        raise ValueError(f"burn_in must be between 0 and {steps - 1}, got {burn_in}")
    distances = distances_to_nearest(np.asarray(params_SxTxD)[:, burn_in:], minima)
    return float(np.sqrt(np.mean(distances**2)))


def count_negative(params_SxTxD, coordinate: int, steps: Sequence[int]) -> np.ndarray:
    """How many of the S runs have w[coordinate] < 0 at each of `steps` (which side of a
    symmetric landscape they are on)."""
    params = np.asarray(params_SxTxD)
    return np.array([int(np.sum(params[:, t, coordinate] < 0)) for t in steps])


@jax.jit
def _per_example_quadratics(data_loss, w):
    """Per-example Hessians Aᵢ (n, d, d) and gradients bᵢ (n, d) of ℓ(w; xᵢ, yᵢ) at w."""

    def one(x, y):
        return (
            jax.hessian(data_loss.per_example)(w, x, y),
            jax.grad(data_loss.per_example)(w, x, y),
        )

    return jax.vmap(one)(data_loss.inputs, data_loss.targets)


class NoiseBall(NamedTuple):
    """The stationary spread of SGD around a minimum: E[δδᵀ] and its root trace."""

    covariance: np.ndarray  # (d, d) M = E[(w − w*)(w − w*)ᵀ]
    radius: float  # √tr M, the root-mean-square distance to w*; inf where SGD is unstable


def independent_batch_noise_ball(
    data_loss, minimum, learning_rate: float, batch_size: int
) -> NoiseBall:
    """The noise ball of SGD with minibatches drawn independently at every step.

    Each step draws B of the n examples without replacement, independently of the other
    steps. With each ℓᵢ quadratic around w* (exact for linear regression), δ = w − w* moves as
    δ ← (I − εA_B)δ − εb_B with A_B, b_B the minibatch means of Aᵢ = ∇²ℓᵢ(w*) and
    bᵢ = ∇ℓᵢ(w*) (whose mean is ∇E(w*) = 0). The batch is independent of δ, so

        M ← E[(I − εA_B) M (I − εA_B)ᵀ] + ε² Cov(b_B),

    with E[A_B ⊗ A_B] = H ⊗ H + f (E[Aᵢ ⊗ Aᵢ] − H ⊗ H) and Cov(b_B) = f Cov(bᵢ), where
    H = E[Aᵢ] and f = (n − B)/(B(n − 1)) is the variance factor of a mean of B of n values
    drawn without replacement (f = 0 for the full batch: no noise). The fixed point of this
    linear map is the ball. For small ε, M ≈ ε L⁻¹(f Cov(bᵢ)) with L(M) = HM + MH, so the
    radius grows like √ε. If the map has spectral radius ≥ 1 the second moment grows without
    bound (radius inf). Reference: Mandt, Hoffman & Blei (2017), "Stochastic gradient descent
    as approximate Bayesian inference", §3 (the small-ε limit)."""
    n = int(data_loss.n)
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be between 1 and {n}, got {batch_size}")
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate must be finite and > 0, got {learning_rate}")
    w = jnp.asarray(minimum, dtype=jnp.float64)
    hessians, grads = (np.asarray(a) for a in _per_example_quadratics(data_loss, w))
    d = w.shape[0]
    eye = np.eye(d)
    h = hessians.mean(axis=0)
    f = (n - batch_size) / (batch_size * (n - 1)) if n > 1 else 0.0
    kron_mean = np.einsum("nij,nkl->ikjl", hessians, hessians).reshape(d * d, d * d) / n
    kron_h = np.kron(h, h)
    second_a = kron_h + f * (kron_mean - kron_h)
    step_map = (
        np.kron(eye, eye)
        - learning_rate * (np.kron(eye, h) + np.kron(h, eye))
        + learning_rate**2 * second_a
    )
    centred = grads - grads.mean(axis=0)
    noise = learning_rate**2 * f * (centred.T @ centred) / n
    if np.max(np.abs(np.linalg.eigvals(step_map))) >= 1.0:
        return NoiseBall(np.full((d, d), np.inf), math.inf)
    moment = np.linalg.solve(np.eye(d * d) - step_map, noise.reshape(-1)).reshape(d, d)
    moment = 0.5 * (moment + moment.T)
    return NoiseBall(moment, float(np.sqrt(max(np.trace(moment), 0.0))))


# --- minibatch surfaces ---------------------------------------------------------------------

# --- batch, minibatch, online: examples seen -----------------------------------------------


def minibatch_sizes(n: int, batch_size: int | None, steps: int) -> np.ndarray:
    """The number of examples in minibatch t = 0..steps−1 of the runner's partition.

    An epoch cuts the n shuffled examples into m = ⌈n/B⌉ chunks of B, the last one holding
    what is left, n − (m − 1)B; minibatch t is chunk t mod m (see
    `landscapes.DataLoss.minibatch_weights`). batch_size None is the full batch (B = n)."""
    if n < 1 or steps < 0:
        raise ValueError(f"need n ≥ 1 and steps ≥ 0, got n={n}, steps={steps}")
    size = n if batch_size is None else int(batch_size)
    if not 1 <= size <= n:
        raise ValueError(f"batch_size must be between 1 and {n}, got {batch_size}")
    per_epoch = -(-n // size)
    chunks = np.arange(steps) % per_epoch
    return np.minimum(size, n - chunks * size)


def examples_seen(n: int, batch_size: int | None, steps: int) -> np.ndarray:
    """Examples used by the first t steps, t = 0..steps (0 first): a cumulative count, so the
    batch rule's t-th point is at t·n and online learning's at t."""
    return np.concatenate([[0], np.cumsum(minibatch_sizes(n, batch_size, steps))])
