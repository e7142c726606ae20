"""Closed forms for gradient descent and momentum on a quadratic.

On E(w) = ½ Σᵢ λᵢ (wᵢ − w*ᵢ)², written in the eigenvector coordinates of the Hessian, the
directions decouple: the error xᵢ = wᵢ − w*ᵢ has gradient λᵢ xᵢ, and the momentum rule
(Goodfellow et al. 2016, Alg. 8.2)

    v ← α v − ε ∇E(w);   w ← w + v

acts on the pair (x, v) of each direction as the 2×2 matrix

    M(ε, α, λ) = [[1 − ελ, α], [−ελ, α]],   (x, v)ₜ₊₁ = M (x, v)ₜ.

Its eigenvalues are the roots of z² − (1 + α − ελ) z + α = 0 (trace 1 + α − ελ, determinant α);
the error shrinks like ρᵗ, with ρ the spectral radius of M. Gradient descent is α = 0, where
ρ = |1 − ελ|. References: Polyak (1964) "Some methods of speeding up the convergence of
iteration methods"; Goh (2017) "Why Momentum Really Works", Distill; Goodfellow, Bengio &
Courville (2016) "Deep Learning", §8.3.

Every function is vectorised and broadcasts its arguments like NumPy, so a page evaluates a
whole (ε, α) grid in one call. Functions taking ``lams`` (a spectrum) read its last axis as
the eigen-directions and broadcast ``lr`` and ``alpha`` against the axes before it: pass
``alpha[:, None]`` and ``lr[None, :]`` for an (α, ε) grid, and get that grid back.
"""

from functools import partial

import jax
import jax.numpy as jnp


def gd_converges(lr, lam):
    """Whether gradient descent converges along a direction of curvature λ: 0 < ελ < 2.

    The error is multiplied by 1 − ελ each step (Goodfellow et al. 2016, §4.3).
    """
    product = jnp.asarray(lr) * jnp.asarray(lam)
    return (product > 0) & (product < 2)


def gd_rate(lr, lams):
    """Convergence rate ρ = maxᵢ |1 − ελᵢ| of gradient descent on a quadratic with spectrum λ."""
    return jnp.max(jnp.abs(1 - jnp.asarray(lr)[..., None] * jnp.asarray(lams)), axis=-1)


def gd_optimal_lr(lam_min, lam_max):
    """The learning rate ε* = 2 / (λ₁ + λₙ) minimising max |1 − ελᵢ|.

    It balances the slowest direction against the one that overshoots most:
    1 − ε*λ₁ = −(1 − ε*λₙ) (Goh 2017, "The dynamics of gradient descent").
    """
    return 2 / (jnp.asarray(lam_min) + jnp.asarray(lam_max))


def gd_optimal_rate(kappa):
    """Rate (κ − 1)/(κ + 1) of gradient descent at ε* = 2/(λ₁ + λₙ), with κ = λₙ/λ₁."""
    kappa = jnp.asarray(kappa)
    return (kappa - 1) / (kappa + 1)


def max_stable_lr(lam_max, alpha=0.0):
    """Largest stable learning rate (2 + 2α)/λₙ: GD (α = 0) diverges beyond 2/λₙ."""
    return (2 + 2 * jnp.asarray(alpha)) / jnp.asarray(lam_max)


def momentum_matrix(lr, alpha, lam):
    """The iteration matrix M = [[1 − ελ, α], [−ελ, α]] acting on (error, velocity).

    Shape ``broadcast(lr, alpha, lam) + (2, 2)``.
    """
    lr, alpha, lam = jnp.broadcast_arrays(*(jnp.asarray(a) for a in (lr, alpha, lam)))
    step = lr * lam
    return jnp.stack([jnp.stack([1 - step, alpha], -1), jnp.stack([-step, alpha], -1)], -2)


def momentum_roots(lr, alpha, lam):
    """The eigenvalues z± = (τ ± √(τ² − 4α))/2 of M, τ = 1 + α − ελ, on a last axis of size 2.

    Complex dtype: a conjugate pair inside the complex band, two real numbers outside it.
    """
    trace = 1 + jnp.asarray(alpha) - jnp.asarray(lr) * jnp.asarray(lam)
    root = jnp.sqrt((trace**2 - 4 * jnp.asarray(alpha)).astype(jnp.complex128))
    return jnp.stack([(trace + root) / 2, (trace - root) / 2], axis=-1)


@jax.jit
def momentum_rate(lr, alpha, lam):
    """Spectral radius ρ of M: the factor by which the error along λ shrinks per step.

    With τ = 1 + α − ελ the roots of z² − τz + α = 0 are
    - complex when τ² < 4α: a conjugate pair of modulus √(z₊z₋) = √α (not 2√α), so the
      error spirals in at rate √α whatever ε;
    - real otherwise: ρ = (|τ| + √(τ² − 4α))/2, the larger modulus.
    For α = 0 this is |1 − ελ| (Goh 2017, "The critical damping coefficient"; Polyak 1964).
    """
    alpha = jnp.asarray(alpha)
    trace = 1 + alpha - jnp.asarray(lr) * jnp.asarray(lam)
    discriminant = trace**2 - 4 * alpha
    real_rate = (jnp.abs(trace) + jnp.sqrt(jnp.maximum(discriminant, 0))) / 2
    return jnp.where(discriminant < 0, jnp.sqrt(jnp.abs(alpha)), real_rate)


@jax.jit
def momentum_rate_quadratic(lr, alpha, lams):
    """Rate of momentum on a quadratic: the slowest direction, maxᵢ ρ(ε, α, λᵢ)."""
    return jnp.max(
        momentum_rate(jnp.asarray(lr)[..., None], jnp.asarray(alpha)[..., None], lams), axis=-1
    )


def momentum_converges(lr, alpha, lam):
    """Whether momentum converges along λ: 0 ≤ α < 1 and 0 < ελ < 2 + 2α.

    At ελ = 2 + 2α a root reaches z = −1 (the iterates flip sign without shrinking); momentum
    thus allows learning rates up to (1 + α) times larger than gradient descent.
    """
    alpha = jnp.asarray(alpha)
    product = jnp.asarray(lr) * jnp.asarray(lam)
    return (alpha >= 0) & (alpha < 1) & (product > 0) & (product < 2 + 2 * alpha)


def complex_roots_band(alpha):
    """Range ((1 − √α)², (1 + √α)²) of ελ in which the roots of M are complex.

    Inside it the error oscillates while it shrinks, at rate √α; below it the motion is
    overdamped (real positive roots), above it the steps overshoot (a real negative root).
    """
    sqrt_alpha = jnp.sqrt(jnp.asarray(alpha))
    return (1 - sqrt_alpha) ** 2, (1 + sqrt_alpha) ** 2


def critical_momentum(lr, lam):
    """Critical damping α = (1 − √(ελ))²: the momentum giving the fastest rate |1 − √(ελ)|.

    It is the smallest α for which the roots of M are complex; below it the roots are real and
    the larger one is slower, above it the rate √α grows with α (Goh 2017). It is below 1,
    i.e. usable, only for ελ < 4.
    """
    return (1 - jnp.sqrt(jnp.asarray(lr) * jnp.asarray(lam))) ** 2


def momentum_optimal(lam_min, lam_max):
    """Optimal (ε*, α*) of momentum on a quadratic with spectrum in [λ₁, λₙ] (Polyak 1964).

    ε* = (2 / (√λ₁ + √λₙ))²,  α* = ((√κ − 1)/(√κ + 1))²,  κ = λₙ/λ₁.
    These put ε*λ₁ and ε*λₙ exactly on the edges of the complex band of α*, so every direction
    contracts at √α* (Goh 2017, "Optimal parameters").
    """
    root_min, root_max = jnp.sqrt(jnp.asarray(lam_min)), jnp.sqrt(jnp.asarray(lam_max))
    lr = (2 / (root_min + root_max)) ** 2
    alpha = ((root_max - root_min) / (root_max + root_min)) ** 2
    return lr, alpha


def momentum_optimal_rate(kappa):
    """Rate (√κ − 1)/(√κ + 1) of momentum at its optimum (GD: (κ − 1)/(κ + 1))."""
    root = jnp.sqrt(jnp.asarray(kappa))
    return (root - 1) / (root + 1)


def steps_to_tolerance(rate, tol, initial_error=1.0):
    """Predicted steps until the error falls from ``initial_error`` to ``tol``: ⌈log(tol/e₀)/log ρ⌉.

    ``inf`` when ρ ≥ 1, 0 when e₀ ≤ tol. It takes the error as e₀ρᵗ, so a measured count can
    differ by a few steps (the eigen-components of the start and, for complex roots, the phase
    of the oscillation set a constant in front of ρᵗ).
    """
    rate, tol, initial_error = (jnp.asarray(a, dtype=float) for a in (rate, tol, initial_error))
    ratio = jnp.log(tol / initial_error) / jnp.log(rate)
    # A tiny offset keeps exact powers (ρ = 0.1, tol = 1e-6) from rounding up to one step more.
    steps = jnp.where(rate == 0, 1.0, jnp.ceil(ratio - 1e-9))
    steps = jnp.where(rate >= 1, jnp.inf, steps)
    return jnp.where(initial_error <= tol, 0.0, steps)


def momentum_speedup(alpha):
    """Speed-up 1/(1 − α) of momentum on a constant slope: 10 for α = 0.9 (not 1.9)."""
    return 1 / (1 - jnp.asarray(alpha))


def share_of_terminal_step(alpha, t):
    """Step t of momentum on a constant slope as a share of its limit: 1 − αᵗ.

    After t = 1/(1 − α) steps this is about 1 − 1/e ≈ 65 % (0.651 for α = 0.9), after
    3/(1 − α) steps about 1 − 1/e³ ≈ 95 % (0.958 for α = 0.9), since αᵗ ≈ e^{−(1−α)t}.
    """
    return 1 - jnp.asarray(alpha, dtype=float) ** jnp.asarray(t, dtype=float)


def complex_band(alpha):
    """The band (1 − √α)² < ελ < (1 + √α)² of a curvature λ where momentum's two roots are
    complex: there both have modulus √α, so the error spirals in at √α per step whatever
    ε inside the band; outside it one real root is larger (Goh 2017, "Why momentum really
    works", §2)."""
    root = jnp.sqrt(jnp.asarray(alpha, dtype=float))
    return (1 - root) ** 2, (1 + root) ** 2


def terminal_velocity(lr, alpha, grad_norm):
    """Step length ε‖g‖/(1 − α) that momentum reaches on a constant slope ‖g‖ (α < 1)."""
    return jnp.asarray(lr) * jnp.asarray(grad_norm) * momentum_speedup(alpha)


def step_lengths_on_slope(lr, alpha, grad_norm, steps):
    """Step lengths ‖vₜ‖ = ε‖g‖(1 − αᵗ)/(1 − α), t = 1..steps, on a constant slope (α < 1).

    From v₀ = 0 the velocity is the geometric sum −εg(1 + α + … + αᵗ⁻¹). Shape
    ``broadcast(lr, alpha, grad_norm) + (steps,)``.
    """
    t = jnp.arange(1, steps + 1)
    alpha = jnp.asarray(alpha)[..., None]
    return terminal_velocity(
        jnp.asarray(lr)[..., None], alpha, jnp.asarray(grad_norm)[..., None]
    ) * (1 - alpha**t)


@partial(jax.jit, static_argnames="steps")
def eigen_errors(lr, alpha, lams, error0, steps):
    """Error along each eigen-direction, xₜ = [Mᵗ (x₀, 0)]₀, for t = 0..steps (v₀ = 0).

    The powers M¹..Mᵗ come from an associative scan (log-depth products of M), so the result
    is the exact iteration, not the ρᵗ envelope. ``lams`` and ``error0`` carry the directions
    on their last axis; ``lr`` and ``alpha`` broadcast against the axes before it. Shape
    ``batch + (steps + 1, n)``; GD is ``alpha = 0``.
    """
    matrix = momentum_matrix(jnp.asarray(lr)[..., None], jnp.asarray(alpha)[..., None], lams)
    copies = jnp.broadcast_to(matrix, (steps, *matrix.shape))
    powers = jax.lax.associative_scan(jnp.matmul, copies, axis=0)
    error0 = jnp.asarray(error0, dtype=float)
    errors = powers[..., 0, 0] * error0
    start = jnp.broadcast_to(error0, errors.shape[1:])[None]
    return jnp.moveaxis(jnp.concatenate([start, errors]), 0, -2)
