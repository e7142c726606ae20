"""Measured experiments behind the momentum lessons: sweeps, eigen-directions, step lengths.

`optim.theory` predicts; this module measures, with the real runner, what the predictions are
about, so that a page can put the two side by side and a test can hold one against the other:

- `alpha_sweep`: steps to a tolerance for hundreds of momentum values α in one `run_batch`
  call (one compilation per step bucket; α is a traced, batched hyperparameter), and
  `predicted_alpha_sweep`, the same curve from the spectral radius of the iteration matrix;
- `eigenbasis`, `errors_along`, `from_eigen_coordinates`: the error w_t − w* written in the
  Hessian's eigenvectors, where a quadratic's directions decouple (Goh 2017, "First steps:
  gradient descent");
- `step_lengths`, `progress_along`, `distance_travelled`, `steps_until_within`: what a
  trajectory did, per step or per direction (the oscillation across a ravine is the way
  travelled across it);
- `gradient_evaluations`: an optimizer's rule run step by step with a counting gradient
  oracle, to show that Nesterov's look-ahead costs one gradient per step, like momentum;
- `ema_learning_rate`: the textbook convention v ← αv + (1 − α)g, w ← w − λv is the lecture's
  momentum with ε = λ(1 − α), which is why it has no 1/(1 − α) speed-up.

References: Goodfellow, Bengio & Courville (2016) "Deep Learning", §8.3.2–8.3.3;
Goh (2017) "Why Momentum Really Works", Distill; Sutskever et al. (2013) "On the importance of
initialization and momentum in deep learning" (Nesterov's one-gradient form).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from optim import theory
from optim.rules import get_rule
from optim.run import run_batch

# --- momentum against α: measured and predicted ------------------------------------------


def alpha_sweep(loss, w0, minimum, learning_rate, alphas, tol, steps, optimizer="momentum"):
    """Measured steps until ‖w_t − w*‖ ≤ tol·‖w₀ − w*‖ for good, for every α of ``alphas``.

    One `optim.run_batch` call: the runs share the start ``w0`` and differ in α (a traced,
    batched hyperparameter, so a new set of α values never compiles); ``learning_rate`` is
    one float or one per α (to add a few runs at other (ε, α) to the same call).
    ``tol`` is relative to the starting error, as in `theory.steps_to_tolerance` with
    ``initial_error = 1``. The count is the step from which the error stays within the
    tolerance (`steps_until_within`): with complex roots the distance to w* swings, and a
    first passage through the tolerance would depend on where in a swing it falls. Returns
    (len(alphas),) floats, ``inf`` where a run is not within the tolerance at step ``steps``
    or diverges.
    """
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    minimum = np.asarray(minimum, dtype=float)
    batch = run_batch(loss, w0, optimizer, steps, learning_rate=learning_rate, momentum=alphas)
    distances = np.linalg.norm(batch.params - minimum, axis=-1)[..., None]
    reached = steps_until_within(distances, tol)[..., 0]
    return np.where(batch.diverged_at >= 0, np.inf, reached)


def predicted_alpha_sweep(learning_rate, alphas, lams, tol):
    """Predicted steps ⌈log tol / log ρ(ε, α)⌉ for every α, ρ = maxᵢ ρ(ε, α, λᵢ).

    ρ is the spectral radius of the momentum iteration matrix on a quadratic with Hessian
    spectrum ``lams`` (`theory.momentum_rate_quadratic`); ``inf`` where ρ ≥ 1.
    """
    alphas = np.asarray(alphas, dtype=float)
    rates = theory.momentum_rate_quadratic(learning_rate, alphas, np.asarray(lams, dtype=float))
    return np.asarray(theory.steps_to_tolerance(rates, tol))


# --- the error in the Hessian's eigen-directions -----------------------------------------


def errors_along(params, minimum, eigenvectors) -> np.ndarray:
    """The error xₜ = Qᵀ(wₜ − w*) along each eigenvector: (..., n+1, d) from (..., n+1, d).

    On a quadratic the momentum rule acts on each column separately (`theory.eigen_errors`).
    """
    error = np.asarray(params, dtype=float) - np.asarray(minimum, dtype=float)
    return error @ np.asarray(eigenvectors, dtype=float)


def from_eigen_coordinates(minimum, eigenvectors, coordinates) -> np.ndarray:
    """The point w = w* + Q x whose error along the eigenvectors is ``coordinates`` (the
    inverse of `errors_along`): a start placed in the loss's own directions, e.g. "4 along
    the valley, 2 across it", whatever the valley's angle."""
    q = np.asarray(eigenvectors, dtype=float)
    return np.asarray(minimum, dtype=float) + np.asarray(coordinates, dtype=float) @ q.T


def progress_along(params, direction) -> np.ndarray:
    """(wₜ − w₀)·d/‖d‖ for every step: how far a run has gone in ``direction`` (downhill on a
    slope: d = −g)."""
    params = np.asarray(params, dtype=float)
    unit = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    return (params - params[..., :1, :]) @ unit


def step_lengths(params) -> np.ndarray:
    """‖w_{t+1} − w_t‖ for t = 0..n−1: how far each step went."""
    return np.linalg.norm(np.diff(np.asarray(params, dtype=float), axis=-2), axis=-1)


def distance_travelled(errors) -> np.ndarray:
    """Σₜ |x_{t+1} − x_t| per direction (the last axis): the way walked along each direction.

    Across a ravine this is the oscillation: a zig-zag walks the width of the valley again and
    again, a damped approach walks it about once.
    """
    return np.sum(np.abs(np.diff(np.asarray(errors, dtype=float), axis=-2)), axis=-2)


def steps_until_within(errors, fraction) -> np.ndarray:
    """Per direction, the first step t from which |x_s| ≤ fraction·|x₀| for every s ≥ t.

    A zig-zag passes through small values on its way; "from which on" counts only a lasting
    arrival. ``inf`` for a direction that is not within the fraction at the last step.
    """
    errors = np.abs(np.asarray(errors, dtype=float))
    outside = errors > fraction * errors[..., :1, :]
    # last step still outside, counted from the end; every step inside → arrival at 0
    last_outside = errors.shape[-2] - 1 - np.argmax(outside[..., ::-1, :], axis=-2)
    arrival = np.where(outside.any(axis=-2), last_outside + 1, 0).astype(float)
    return np.where(outside[..., -1, :], np.inf, arrival)


# --- how many gradients a rule takes -----------------------------------------------------


def gradient_evaluations(loss, w0, optimizer, steps, **hypers) -> tuple[int, np.ndarray]:
    """Run ``optimizer``'s rule step by step with a gradient oracle that counts its calls.

    Each step asks the oracle for g at ``rule.lookahead(w)`` (Nesterov's interim point
    w + αv) or at w, exactly as the jitted runner does; nothing is cached between steps.
    Returns (number of gradient evaluations, positions (steps+1, d)); the positions equal
    `optim.run`'s, which the tests check. First-order rules only (no Hessian).
    """
    rule = get_rule(optimizer)
    if rule.needs_hessian:
        raise ValueError(f"{optimizer!r} needs the Hessian, not only gradients")
    hp = {h.name: jnp.asarray(h.check(hypers.pop(h.name, h.default))) for h in rule.hypers}
    if hypers:
        raise ValueError(f"unknown setting(s) {sorted(hypers)} for {optimizer!r}")
    gradient = jax.grad(loss)
    calls = 0

    def oracle(w):
        nonlocal calls
        calls += 1
        return gradient(w)

    w = jnp.asarray(w0, dtype=jnp.float64)
    state = rule.init(w, hp)
    positions = [w]
    for _ in range(steps):
        here = w if rule.lookahead is None else rule.lookahead(w, state, hp)
        delta, state = rule.update(oracle(here), state, w, hp, hp["learning_rate"], None)
        w = w + delta
        positions.append(w)
    return calls, np.asarray(jnp.stack(positions))


# --- conventions ----------------------------------------------------------------------------


def ema_learning_rate(step_size, alpha):
    """The ε of the lecture's momentum that equals the running-average ("EMA") form.

    v ← αv + (1 − α)g, w ← w − λv is, with u = −λv, u ← αu − λ(1 − α)g, w ← w + u: the
    lecture's rule with ε = λ(1 − α). On a constant slope its steps reach λ‖g‖, the step of
    plain gradient descent with rate λ, not λ‖g‖/(1 − α).
    """
    return np.asarray(step_size, dtype=float) * (1 - np.asarray(alpha, dtype=float))
