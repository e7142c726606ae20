"""Adaptive learning rates taken apart: Adam's bias correction, AdaGrad's and RMSProp's
effective learning rate per weight.

**Bias correction.** Adam keeps running averages of the gradient and of its square,

    s ← ρ₁ s + (1 − ρ₁) g,    r ← ρ₂ r + (1 − ρ₂) g ⊙ g,    both starting at s = r = 0.

After t steps s_t = (1 − ρ₁) Σ_{k=1}^{t} ρ₁^{t−k} g_k, whose weights sum to 1 − ρ₁ᵗ, not 1: the
averages start biased toward their initial 0. Adam divides the bias out,

    ŝ = s/(1 − ρ₁ᵗ),    r̂ = r/(1 − ρ₂ᵗ),    Δw = −ε ŝ/(√r̂ + δ).

For a constant gradient g the division is exact: ŝ_t = g and r̂_t = g ⊙ g at every step t. For
a gradient that changes, ŝ_t is a weighted average of g₁ … g_t with weights summing to 1, which
equals the current mean only if the gradient's mean has not moved (the correction assumes it
is constant over the first steps). Without the correction the step for a constant gradient is
(1 − ρ₁ᵗ)/√(1 − ρ₂ᵗ) times the corrected one: at t = 1, (1 − ρ₁)/√(1 − ρ₂) ≈ 3.16 for
ρ₁ = 0.9, ρ₂ = 0.999 — a first step three times too large (Kingma & Ba 2015, §3; Goodfellow,
Bengio & Courville 2016, Alg. 8.7).

**Effective learning rates.** AdaGrad sums the squared gradients, r ← r + g ⊙ g, and steps
−ε/(δ + √r) ⊙ g: its effective rate ε/(δ + √r_t) per weight can only shrink, like 1/√t while
the gradient keeps its size — on a long valley it has slowed to a crawl before it gets
anywhere (Goodfellow et al. 2016, §8.5.1: "a premature and excessive decrease"). RMSProp
replaces the sum by a running average, r ← ρ r + (1 − ρ) g ⊙ g, and steps −ε/√(δ + r) ⊙ g: its
rate follows the recent gradients and does not die out (§8.5.2).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np


class BiasCorrection(NamedTuple):
    """Adam on a gradient series, steps t = 1 … T in rows 0 … T − 1, each (T, d)."""

    grads: np.ndarray  # g_t
    s: np.ndarray  # running mean, biased toward 0
    r: np.ndarray  # running second moment, biased toward 0
    s_hat: np.ndarray  # s/(1 − ρ₁ᵗ)
    r_hat: np.ndarray  # r/(1 − ρ₂ᵗ)
    corrected: np.ndarray  # −Δw/ε with the correction: ŝ/(√r̂ + δ)
    uncorrected: np.ndarray  # −Δw/ε without it: s/(√r + δ)


@jax.jit
def _moments(grads_TxD, b1, b2):
    def body(carry, g):
        s, r = carry
        s = b1 * s + (1.0 - b1) * g
        r = b2 * r + (1.0 - b2) * g * g
        return (s, r), (s, r)

    zeros = jnp.zeros(grads_TxD.shape[1], dtype=grads_TxD.dtype)
    _, (s, r) = jax.lax.scan(body, (zeros, zeros), grads_TxD)
    return s, r


def bias_correction(grads, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """Adam's moments and steps on the gradient series `grads` (T, d), with and without the
    bias correction; steps in units of ε, downhill positive (as `optim.noise.replay`).

    Args:
      grads: (T, d) the gradient of each weight at steps 1 … T.
      b1, b2: ρ₁, ρ₂ in [0, 1); eps: δ > 0.

    Returns:
      a `BiasCorrection`.
    """
    grads = np.asarray(grads, dtype=np.float64)
    if grads.ndim != 2 or grads.shape[0] == 0 or not np.all(np.isfinite(grads)):
        raise ValueError(f"grads must be a finite (T, d) array, got shape {grads.shape}")
    for name, value in (("ρ₁", b1), ("ρ₂", b2)):
        if not 0.0 <= value < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {value}")
    if not eps > 0:
        raise ValueError(f"δ must be positive, got {eps}")
    s, r = (np.asarray(a) for a in jax.device_get(_moments(grads, b1, b2)))
    t = np.arange(1, len(grads) + 1, dtype=np.float64)[:, None]
    s_hat = s / (1.0 - b1**t)
    r_hat = r / (1.0 - b2**t)
    return BiasCorrection(
        grads,
        s,
        r,
        s_hat,
        r_hat,
        s_hat / (np.sqrt(r_hat) + eps),
        s / (np.sqrt(r) + eps),
    )


def uncorrected_factor(t, b1: float = 0.9, b2: float = 0.999):
    """(1 − ρ₁ᵗ)/√(1 − ρ₂ᵗ): Adam's step without bias correction over the step with it, for a
    constant gradient (δ aside) at step t ≥ 1."""
    t = np.asarray(t, dtype=np.float64)
    return (1.0 - b1**t) / np.sqrt(1.0 - b2**t)


def effective_rates(optimizer: str, r, learning_rate: float, eps: float) -> np.ndarray:
    """The effective learning rate per weight given the squared-gradient state `r` (any
    shape): ε/(δ + √r) for AdaGrad (r the sum of g²), ε/√(δ + r) for RMSProp (r the running
    average of g²)."""
    r = np.asarray(r, dtype=np.float64)
    if optimizer == "adagrad":
        return learning_rate / (eps + np.sqrt(r))
    if optimizer == "rmsprop":
        return learning_rate / np.sqrt(eps + r)
    raise ValueError(f"effective rates are defined here for adagrad and rmsprop, not {optimizer!r}")
