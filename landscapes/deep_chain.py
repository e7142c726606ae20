"""Exploding and vanishing gradients in a deep linear chain, and what clipping does about them.

The lecture's chain applies the same matrix n times, h_i = W h_{i−1}, with W = diag(a, b) and
input x = h₀ = (1, 1), so h_n = (aⁿ, bⁿ). Its output E(a, b) = h_{n,1} + h_{n,2} = aⁿ + bⁿ has
the gradient

    ∇E = (n aⁿ⁻¹, n bⁿ⁻¹),

which grows geometrically with the depth n when a weight exceeds 1 (a = 1, b = 2 gives
(n, n·2ⁿ⁻¹): exploding) and shrinks geometrically when both are below 1 (a = 0.5, b = 0.9:
vanishing). A weight shared across the layers of a deep net, or across the steps of a recurrent
one, behaves like this (Goodfellow, Bengio & Courville 2016, §8.2.5 and §10.7).

Exploding gradients make cliffs: a loss such as ½(aⁿ + bⁿ − y)² is almost flat on one side of
b = 1 and rises like b²ⁿ on the other. One gradient step on the cliff face can throw the weights
far away; clipping the gradient by its norm, g ← g·u/‖g‖ when ‖g‖ > u, keeps the direction and
bounds the step to ε·u (Pascanu, Mikolov & Bengio 2013).

The chain is computed by multiplying layer after layer (a `lax.scan` over `MAX_DEPTH` layers,
the ones beyond n left out), and the gradient comes from automatic differentiation: the closed
form above is what the tests check it against. The depth is a traced number: no recompiles.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

import landscapes  # noqa: F401  (float64 for every number here)

MAX_DEPTH = 200
LECTURE_CASES = {  # (a, b): the lecture's two examples, and the edge between them
    "vanishes": (0.5, 0.9),
    "grows like n": (1.0, 1.0),
    "explodes": (1.0, 2.0),
}


def chain_output(ab, depth):
    """h_n = W h_{n−1} with W = diag(a, b), h₀ = (1, 1), for n = `depth` (≤ MAX_DEPTH) layers."""
    W = jnp.diag(ab)

    def layer(h, i):
        return jnp.where(i < depth, W @ h, h), None

    h, _ = jax.lax.scan(layer, jnp.ones(2, dtype=ab.dtype), jnp.arange(MAX_DEPTH))
    return h


def chain_sum(ab, depth):
    """E(a, b) = h_{n,1} + h_{n,2}, the output summed: its gradient is (n aⁿ⁻¹, n bⁿ⁻¹)."""
    return jnp.sum(chain_output(ab, depth))


@jax.jit
def _gradients(ab, depths):
    return jax.vmap(jax.grad(chain_sum), in_axes=(None, 0))(ab, depths)


def _check(a, b, depths) -> np.ndarray:
    depths = np.atleast_1d(np.asarray(depths))
    if depths.size == 0 or np.any(depths != np.round(depths)):
        raise ValueError(f"depths must be whole numbers, got {depths}")
    if np.any((depths < 1) | (depths > MAX_DEPTH)):
        raise ValueError(f"depths must be between 1 and {MAX_DEPTH}")
    if not (np.isfinite(a) and np.isfinite(b)):
        raise ValueError(f"a and b must be finite numbers, got {a!r}, {b!r}")
    return depths.astype(np.int64)


def chain_gradients(a: float, b: float, depths) -> np.ndarray:
    """∇E = (∂E/∂a, ∂E/∂b) of E = aⁿ + bⁿ at every depth n of `depths`, by automatic
    differentiation through the chain: shape (len(depths), 2), in one jitted call."""
    depths = _check(a, b, depths)
    ab = jnp.array([a, b], dtype=jnp.float64)
    return np.asarray(_gradients(ab, jnp.asarray(depths)))


def closed_form_gradient(a: float, b: float, depths) -> np.ndarray:
    """(n aⁿ⁻¹, n bⁿ⁻¹) for every n of `depths`: shape (len(depths), 2)."""
    n = np.atleast_1d(np.asarray(depths, dtype=float))
    return np.stack([n * np.power(float(a), n - 1), n * np.power(float(b), n - 1)], axis=1)


def clip_by_norm(g, threshold: float) -> np.ndarray:
    """g·u/‖g‖ where ‖g‖ > u (row by row for g of shape (..., k)): the direction is kept, the
    length is at most u."""
    g = np.asarray(g, dtype=float)
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    return g * np.minimum(1.0, threshold / np.maximum(norm, 1e-300))


def _cliff(params, ab):
    return 0.5 * (chain_sum(ab, params["depth"]) - params["target"]) ** 2


def cliff_loss(depth: int, target: float = 2.0) -> Partial:
    """E(a, b) = ½(aⁿ + bⁿ − y)², a loss of the chain's output with a cliff at b ≈ 1 (for
    y = 2 the point (1, 1) is a minimum), as a pytree: depth and target are traced."""
    (depth,) = _check(1.0, 1.0, [depth])
    return Partial(_cliff, {"depth": jnp.asarray(depth), "target": jnp.asarray(float(target))})
