"""Closed forms of `optim.theory` against a brute-force simulation of the momentum rule.

The reference here is written from the rule itself (Goodfellow et al. 2016, Alg. 8.2):
v ← αv − ε∇E(w); w ← w + v, run in NumPy on E = ½ Σ λᵢ xᵢ² (x = w − w*), independent of the
code under test. Spectral radii for grid searches come from `np.linalg.eigvals` of the matrix
obtained by applying one step of that rule to the basis states (x, v) = (1, 0) and (0, 1).
"""

import numpy as np
import pytest

from optim import theory

RNG_SEED = 20170404  # Goh's article went online in April 2017


def momentum_step(error, velocity, lr, alpha, lam):
    """One step of the momentum rule on a quadratic; the gradient along λ is λ·error."""
    velocity = alpha * velocity - lr * lam * error
    return error + velocity, velocity


def simulate(lr, alpha, lams, error0, steps):
    """Errors x₀..x_steps along each direction, starting at rest (v₀ = 0)."""
    error = np.asarray(error0, dtype=float) * np.ones(np.broadcast(lr, alpha, lams).shape)
    velocity = np.zeros_like(error)
    errors = [error]
    for _ in range(steps):
        error, velocity = momentum_step(error, velocity, lr, alpha, lams)
        errors.append(error)
    return np.stack(errors)


def measured_rate(lr, alpha, lam, steps=6000, burn_in=2000, seed=0):
    """Asymptotic contraction per step of the state (x, v), elementwise over the arguments.

    The rule is linear, so the state is rescaled to norm 1 every step (a power iteration) and
    the logs of the scales are summed: this measures rates above 1 and far below 1 alike.
    """
    shape = np.broadcast(lr, alpha, lam).shape
    error, velocity = np.random.default_rng(seed).normal(size=(2, *shape))
    log_growth = np.zeros(shape)
    for step in range(steps):
        error, velocity = momentum_step(error, velocity, lr, alpha, lam)
        norm = np.hypot(error, velocity)
        error, velocity = error / norm, velocity / norm
        if step >= burn_in:
            log_growth += np.log(norm)
    return np.exp(log_growth / (steps - burn_in))


def brute_matrix(lr, alpha, lam):
    """The one-step matrix on (x, v), read off the rule by stepping the two basis states."""
    lr, alpha, lam = np.broadcast_arrays(lr, alpha, lam)
    columns = [momentum_step(x, v, lr, alpha, lam) for x, v in ((1.0, 0.0), (0.0, 1.0))]
    return np.stack([np.stack(column, -1) for column in columns], -1)


def brute_rate(lr, alpha, lam):
    return np.abs(np.linalg.eigvals(brute_matrix(lr, alpha, lam))).max(-1)


def steps_below(errors, tol):
    """Measured steps to tolerance: the first t after which ‖xₜ‖ stays ≤ tol."""
    norms = np.linalg.norm(errors, axis=-1)
    return np.nonzero(norms > tol)[0][-1] + 1


# Gradient descent


@pytest.mark.parametrize("lr_lam", [-0.1, 0.0, 0.5, 1.5, 1.98, 2.02, 2.5])
def test_gd_converges_exactly_below_two(lr_lam):
    lam = 3.0
    final = abs(simulate(lr_lam / lam, 0.0, lam, 1.0, 1000)[-1])
    converges = bool(theory.gd_converges(lr_lam / lam, lam))
    assert converges == (0 < lr_lam < 2)
    assert final < 1e-6 if converges else final >= 1.0


def test_gd_rate_matches_measured_ratio():
    rng = np.random.default_rng(RNG_SEED)
    for _ in range(5):
        lams = np.exp(rng.uniform(np.log(0.1), np.log(10), size=5))
        lr = rng.uniform(0.2, 1.9) / lams.max()
        error = rng.normal(size=5)
        for _ in range(20):  # 2000 steps, rescaled every 100 so that nothing underflows
            errors = simulate(lr, 0.0, lams, error, 100)
            error = errors[-1] / np.linalg.norm(errors[-1])
        ratio = np.linalg.norm(errors[-1]) / np.linalg.norm(errors[-2])
        np.testing.assert_allclose(theory.gd_rate(lr, lams), ratio, rtol=1e-4)


def test_gd_optimal_lr_by_grid_search():
    lams = np.array([0.4, 1.3, 7.0, 20.0])
    lrs = np.linspace(1e-4, 2 / lams.max(), 20001)
    rates = brute_rate(lrs[:, None], 0.0, lams).max(-1)
    grid_step = lrs[1] - lrs[0]
    assert abs(lrs[rates.argmin()] - theory.gd_optimal_lr(lams.min(), lams.max())) <= grid_step
    kappa = lams.max() / lams.min()
    np.testing.assert_allclose(rates.min(), theory.gd_optimal_rate(kappa), atol=1e-3)
    np.testing.assert_allclose(theory.gd_optimal_rate(kappa), (kappa - 1) / (kappa + 1))
    optimal_lr = theory.gd_optimal_lr(lams.min(), lams.max())
    np.testing.assert_allclose(theory.gd_rate(optimal_lr, lams), theory.gd_optimal_rate(kappa))


def test_gd_rate_broadcasts_over_a_grid_of_lr():
    lams = np.array([1.0, 4.0])
    lrs = np.linspace(0.01, 0.6, 7)
    rates = theory.gd_rate(lrs, lams)
    assert rates.shape == (7,)
    np.testing.assert_allclose(rates, brute_rate(lrs[:, None], 0.0, lams).max(-1), atol=1e-12)


# Momentum: iteration matrix, rate, convergence


def test_momentum_matrix_and_roots_match_the_rule():
    rng = np.random.default_rng(RNG_SEED)
    lr, alpha, lam = rng.uniform(0.01, 1, 50), rng.uniform(0, 0.99, 50), rng.uniform(0.1, 5, 50)
    matrix = brute_matrix(lr, alpha, lam)
    np.testing.assert_allclose(theory.momentum_matrix(lr, alpha, lam), matrix, atol=1e-15)
    roots = np.asarray(theory.momentum_roots(lr, alpha, lam))
    expected = np.linalg.eigvals(matrix)
    np.testing.assert_allclose(np.sort_complex(roots), np.sort_complex(expected), atol=1e-7)
    polynomial = roots**2 - (1 + alpha - lr * lam)[:, None] * roots + alpha[:, None]
    np.testing.assert_allclose(polynomial, 0, atol=1e-12)


def test_momentum_rate_matches_simulation_in_both_regimes():
    rng = np.random.default_rng(RNG_SEED)
    alpha = rng.uniform(0, 0.99, (4, 20))
    low, high = theory.complex_roots_band(alpha)
    fraction = rng.uniform(0.02, 0.98, (4, 20))
    lr_lam = np.stack(
        [
            fraction[0] * low[0],  # real positive roots: overdamped, creeping in
            low[1] + fraction[1] * (high[1] - low[1]),  # complex roots: spiralling in
            high[2] + fraction[2] * (2 + 2 * alpha[2] - high[2]),  # a real negative root
            (2 + 2 * alpha[3]) * (1.02 + fraction[3] / 2),  # beyond the boundary: diverging
        ]
    )
    lr = lr_lam / np.exp(rng.uniform(np.log(0.1), np.log(10), (4, 20)))
    lam = lr_lam / lr
    predicted = np.asarray(theory.momentum_rate(lr, alpha, lam))
    # The log-rate is averaged over 4000 steps; with complex roots the norm of the state wobbles
    # along the spiral, which leaves a relative error of a few 1e-4 (real roots: ~1e-13).
    np.testing.assert_allclose(predicted, measured_rate(lr, alpha, lam), rtol=1e-3)
    np.testing.assert_allclose(predicted[1], np.sqrt(alpha[1]))
    assert (predicted[:3] < 1).all() and (predicted[3] > 1).all()


def test_momentum_rate_is_sqrt_alpha_not_two_sqrt_alpha():
    # Deep inside the complex band of α = 0.81 the contraction is 0.9 (2√α would be 1.8).
    np.testing.assert_allclose(theory.momentum_rate(1.0, 0.81, 1.0), 0.9, rtol=1e-12)
    np.testing.assert_allclose(measured_rate(1.0, 0.81, 1.0), 0.9, rtol=1e-3)


def test_momentum_rate_with_zero_momentum_is_gd_rate():
    lams = np.array([0.5, 2.0, 9.0])
    lrs = np.linspace(0.0, 0.5, 11)
    np.testing.assert_allclose(
        theory.momentum_rate_quadratic(lrs, 0.0, lams), theory.gd_rate(lrs, lams), atol=1e-15
    )


def test_momentum_rate_quadratic_on_a_grid():
    lams = np.array([0.3, 2.0, 5.0])
    alphas, lrs = np.linspace(0, 0.95, 9), np.linspace(0.01, 0.8, 11)
    rates = theory.momentum_rate_quadratic(lrs[None, :], alphas[:, None], lams)
    assert rates.shape == (9, 11)
    expected = brute_rate(lrs[None, :, None], alphas[:, None, None], lams).max(-1)
    np.testing.assert_allclose(rates, expected, atol=1e-7)  # eigvals of a repeated root: ~1e-8


@pytest.mark.parametrize("alpha", [0.0, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("side", [0.98, 1.02])
def test_momentum_convergence_boundary(alpha, side):
    lam = 2.5
    lr = side * (2 + 2 * alpha) / lam
    final = abs(simulate(lr, alpha, lam, 1.0, 1000)[-1])
    converges = bool(theory.momentum_converges(lr, alpha, lam))
    assert converges == (side < 1)
    assert final < 1e-6 if converges else final > 1e6


def test_momentum_does_not_converge_with_alpha_one():
    assert not theory.momentum_converges(0.4, 1.0, 2.5)
    np.testing.assert_allclose(measured_rate(0.4, 1.0, 2.5), 1.0, rtol=1e-3)  # no damping


def test_momentum_converges_agrees_with_rate_below_one():
    rng = np.random.default_rng(RNG_SEED)
    alpha, lr_lam = rng.uniform(0, 0.99, 2000), rng.uniform(1e-3, 5, 2000)
    converges = theory.momentum_converges(lr_lam, alpha, 1.0)
    np.testing.assert_array_equal(converges, theory.momentum_rate(lr_lam, alpha, 1.0) < 1)
    np.testing.assert_allclose(theory.max_stable_lr(4.0, alpha), (2 + 2 * alpha) / 4.0)


def test_complex_roots_band():
    for alpha in (0.1, 0.5, 0.9):
        low, high = theory.complex_roots_band(alpha)
        lr_lam = np.concatenate([np.linspace(1e-3, 4, 400), [low * 1.01, high * 0.99]])
        roots = np.linalg.eigvals(brute_matrix(lr_lam, alpha, 1.0))
        is_complex = np.abs(roots.imag).max(-1) > 1e-9
        away_from_edges = (np.abs(lr_lam - low) > 1e-3) & (np.abs(lr_lam - high) > 1e-3)
        inside = (low < lr_lam) & (lr_lam < high)
        np.testing.assert_array_equal(is_complex[away_from_edges], inside[away_from_edges])


@pytest.mark.parametrize("lr_lam", [0.01, 0.1, 0.5, 2.0, 3.0])
def test_critical_momentum_is_best_for_one_direction(lr_lam):
    alphas = np.linspace(0, 0.999, 20001)
    rates = brute_rate(lr_lam, alphas, 1.0)
    critical = theory.critical_momentum(lr_lam, 1.0)
    assert abs(alphas[rates.argmin()] - critical) < 2e-4
    np.testing.assert_allclose(rates.min(), abs(1 - np.sqrt(lr_lam)), atol=1e-3)
    np.testing.assert_allclose(
        theory.momentum_rate(lr_lam, critical, 1.0), abs(1 - np.sqrt(lr_lam))
    )


# Optimal momentum (Polyak 1964; Goh 2017)


@pytest.mark.parametrize(("lam_min", "lam_max"), [(1.0, 10.0), (0.5, 50.0), (0.02, 20.0)])
def test_goh_optimum(lam_min, lam_max):
    kappa = lam_max / lam_min
    lr, alpha = theory.momentum_optimal(lam_min, lam_max)
    optimal_rate = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    np.testing.assert_allclose(theory.momentum_optimal_rate(kappa), optimal_rate)
    np.testing.assert_allclose(alpha, optimal_rate**2)
    # Both extreme eigenvalues sit on the edges of the complex band: a double root of modulus √α.
    extremes = np.array([lam_min, lam_max])
    np.testing.assert_allclose(brute_rate(lr, alpha, extremes), optimal_rate, rtol=1e-6)
    np.testing.assert_allclose(theory.momentum_rate(lr, alpha, extremes), optimal_rate)
    spectrum = np.linspace(lam_min, lam_max, 50)
    np.testing.assert_allclose(theory.momentum_rate_quadratic(lr, alpha, spectrum), optimal_rate)
    # No (ε, α) on a grid does better on the two extreme directions.
    lrs = np.linspace(1e-3, 4 / lam_max, 400)[:, None, None]
    alphas = np.linspace(0, 0.999, 400)[None, :, None]
    grid_rates = brute_rate(lrs, alphas, extremes).max(-1)
    assert grid_rates.min() >= optimal_rate - 1e-7
    assert grid_rates.min() <= optimal_rate + 0.02  # and the grid gets close to it
    assert optimal_rate < theory.gd_optimal_rate(kappa)


# Constant slope: terminal velocity


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.9, 0.99])
def test_terminal_velocity_on_a_constant_slope(alpha):
    lr, grad = 0.05, np.array([3.0, -4.0, 12.0])  # ‖g‖ = 13
    w, velocity, lengths = np.zeros(3), np.zeros(3), []
    for _ in range(3000):  # E(w) = g·w: the gradient is g everywhere
        velocity = alpha * velocity - lr * grad
        w_next = w + velocity
        lengths.append(np.linalg.norm(w_next - w))
        w = w_next
    np.testing.assert_allclose(
        theory.step_lengths_on_slope(lr, alpha, 13.0, 3000), lengths, rtol=1e-12
    )
    np.testing.assert_allclose(lengths[-1], theory.terminal_velocity(lr, alpha, 13.0), rtol=1e-10)
    np.testing.assert_allclose(lengths[-1] / (lr * 13.0), theory.momentum_speedup(alpha))


def test_speedup_of_alpha_0_9_is_ten_not_1_9():
    np.testing.assert_allclose(theory.momentum_speedup(0.9), 10.0, rtol=1e-12)
    np.testing.assert_allclose(theory.terminal_velocity(0.1, 0.9, 2.0), 2.0, rtol=1e-12)


def test_step_lengths_broadcast():
    lengths = theory.step_lengths_on_slope(0.1, np.array([0.0, 0.5, 0.9]), 1.0, 4)
    assert lengths.shape == (3, 4)
    np.testing.assert_allclose(lengths[0], 0.1)
    np.testing.assert_allclose(lengths[2], [0.1, 0.19, 0.271, 0.3439])


# Eigen-direction errors and steps to tolerance


def test_eigen_errors_match_simulation():
    rng = np.random.default_rng(RNG_SEED)
    lams, error0 = np.array([0.2, 1.0, 6.0]), rng.normal(size=3)
    lrs, alphas = np.array([[0.05], [0.3]]), np.array([[0.0, 0.5, 0.9, 0.99]])
    errors = theory.eigen_errors(lrs, alphas, lams, error0, 300)
    assert errors.shape == (2, 4, 301, 3)
    for i, lr in enumerate(lrs[:, 0]):
        for j, alpha in enumerate(alphas[0]):
            expected = simulate(lr, alpha, lams, error0, 300)
            np.testing.assert_allclose(errors[i, j], expected, rtol=0, atol=1e-12)


def test_eigen_errors_of_gd_are_powers():
    lams, error0, lr = np.array([0.5, 3.0]), np.array([1.0, -2.0]), 0.4
    t = np.arange(51)[:, None]
    np.testing.assert_allclose(
        theory.eigen_errors(lr, 0.0, lams, error0, 50), (1 - lr * lams) ** t * error0, atol=1e-14
    )


def test_steps_to_tolerance_edge_cases():
    assert theory.steps_to_tolerance(0.1, 1e-6) == 6
    assert theory.steps_to_tolerance(0.5, 1e-3, initial_error=1e-4) == 0
    assert theory.steps_to_tolerance(1.0, 1e-3) == np.inf
    assert theory.steps_to_tolerance(1.3, 1e-3) == np.inf
    assert theory.steps_to_tolerance(0.0, 1e-3) == 1
    rates = np.array([0.5, 0.9, 0.99])
    np.testing.assert_array_equal(theory.steps_to_tolerance(rates, 1e-3), [10, 66, 688])


@pytest.mark.parametrize(
    ("lr", "alpha", "lams", "error0"),
    [
        (0.1, 0.0, [1.0], [1.0]),  # GD, one direction: exact
        (0.1, 0.0, [1.0, 3.0], [1.0, 0.0]),  # GD, start along the slowest direction
        (0.1, 0.5, [1.0], [1.0]),  # complex roots
        (0.2, 0.3, [1.0], [1.0]),  # real roots
        (0.09, 0.7, [1.0, 10.0], [1.0, 1.0]),  # complex roots on both directions
        (0.5, 0.1, [1.0], [1.0]),
    ],
)
def test_steps_to_tolerance_within_two_steps(lr, alpha, lams, error0):
    lams, error0, tol = np.array(lams), np.array(error0), 1e-6
    rate = theory.momentum_rate_quadratic(lr, alpha, lams)
    predicted = theory.steps_to_tolerance(rate, tol, np.linalg.norm(error0))
    assert abs(predicted - steps_below(simulate(lr, alpha, lams, error0, 2000), tol)) <= 2


@pytest.mark.parametrize("lr", [0.02, 0.05, 0.1])
def test_steps_to_tolerance_curve_against_alpha(lr):
    """The theory curve a page draws over α stays within 6% of the measured counts."""
    lams, error0, tol = np.array([1.0, 10.0]), np.array([1.0, 1.0]) / np.sqrt(2), 1e-6
    alphas = np.array([0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95])
    predicted = theory.steps_to_tolerance(theory.momentum_rate_quadratic(lr, alphas, lams), tol)
    measured = [steps_below(simulate(lr, a, lams, error0, 3000), tol) for a in alphas]
    np.testing.assert_allclose(predicted, measured, rtol=0.06)


# Constant slope: how fast the step grows; the complex band where the rate is √α


@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.99])
def test_share_of_terminal_step_after_one_and_three_time_constants(alpha):
    # Brute force: the step lengths of the closed form against their limit.
    lengths = np.asarray(theory.step_lengths_on_slope(1.0, alpha, 1.0, 2000))
    limit = float(theory.terminal_velocity(1.0, alpha, 1.0))
    for t in (round(1 / (1 - alpha)), round(3 / (1 - alpha))):
        assert float(theory.share_of_terminal_step(alpha, t)) == pytest.approx(
            lengths[t - 1] / limit, rel=1e-12
        )
    one = float(theory.share_of_terminal_step(alpha, round(1 / (1 - alpha))))
    three = float(theory.share_of_terminal_step(alpha, round(3 / (1 - alpha))))
    if alpha >= 0.9:  # αᵗ ≈ e^{−(1−α)t}: ≈ 1 − 1/e and 1 − 1/e³, not 100 %
        assert 0.6 < one < 0.7 and 0.94 < three < 0.97


def test_lecture_alpha_reaches_65_percent_after_ten_steps_and_95_after_thirty():
    assert float(theory.share_of_terminal_step(0.9, 10)) == pytest.approx(1 - 0.9**10)
    assert round(100 * float(theory.share_of_terminal_step(0.9, 10))) == 65
    assert float(theory.share_of_terminal_step(0.9, 30)) > 0.95


@pytest.mark.parametrize("alpha", [0.5, 0.9, 0.99])
def test_rate_is_sqrt_alpha_inside_the_complex_band_only(alpha):
    low, high = (float(v) for v in theory.complex_band(alpha))
    assert low == pytest.approx((1 - np.sqrt(alpha)) ** 2) and high == pytest.approx(
        (1 + np.sqrt(alpha)) ** 2
    )
    inside = np.linspace(low, high, 9)[1:-1]
    roots = np.asarray(theory.momentum_roots(inside, alpha, 1.0))
    assert np.all(np.abs(roots.imag) > 0)  # complex pair
    np.testing.assert_allclose(np.abs(roots), np.sqrt(alpha), rtol=1e-10)
    np.testing.assert_allclose(theory.momentum_rate(inside, alpha, 1.0), np.sqrt(alpha))
    for outside in (low / 2, (high + 2 + 2 * alpha) / 2):  # real roots, still stable
        assert float(theory.momentum_rate(outside, alpha, 1.0)) > np.sqrt(alpha) + 1e-6
