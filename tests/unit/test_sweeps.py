"""`optim.sweeps` against brute force written from the rules, and against `optim.theory`.

References used here, independent of the code under test: the momentum rule itself
(v ← αv − εg, w ← w + v; Goodfellow et al. 2016, Alg. 8.2) stepped in NumPy in the Hessian's
eigen-coordinates of the ravine E = ½(u²/κ + v²), whose eigenvectors are the rotated axes
(cos θ, sin θ) and (−sin θ, cos θ); plain Python loops for the per-direction measures; and the
geometric sums of the constant-slope and gradient-descent cases.
"""

import numpy as np
import pytest

import landscapes
import optim
from landscapes import geometry
from optim import sweeps, theory
from tests.compiles import CompileCounter

START = np.array([-4.2, 2.2])  # along the valley, across it (the page's start)


def ravine(kappa, angle=0.0):
    surface = landscapes.get_surface("ravine", kappa=kappa, angle=angle)
    theta = np.deg2rad(angle)
    basis = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    return surface, basis


def brute_errors(lr, alpha, lams, error0, steps):
    """(steps+1, d) errors of the momentum rule, stepped in NumPy in eigen-coordinates."""
    x, v = np.array(error0, dtype=float), np.zeros(len(error0))
    rows = [x.copy()]
    for _ in range(steps):
        v = alpha * v - lr * np.asarray(lams) * x
        x = x + v
        rows.append(x.copy())
    return np.array(rows)


def brute_stays_within(values, fraction):
    """Python loop: the first t with |values[s]| ≤ fraction·|values[0]| for all s ≥ t."""
    values = np.abs(np.asarray(values, dtype=float))
    limit = fraction * values[0]
    if values[-1] > limit:
        return np.inf
    t = len(values) - 1
    while t > 0 and values[t - 1] <= limit:
        t -= 1
    return float(t)


# --- the eigenbasis ---------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [-89.0, -60.0, -30.0, 0.0, 17.0, 45.0, 80.0])
def test_eigenbasis_of_the_ravine_is_its_rotated_axes(angle):
    surface, basis = ravine(40.0, angle)
    lams, q = geometry.eigenbasis(surface.loss, [0.0, 0.0])
    np.testing.assert_allclose(lams, [1 / 40.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(q, basis, atol=1e-12)  # the orientation follows the angle
    assert np.linalg.det(q) == pytest.approx(1.0)


def test_eigen_coordinates_round_trip():
    _, basis = ravine(10.0, 33.0)
    minimum = np.array([0.5, -1.0])
    point = sweeps.from_eigen_coordinates(minimum, basis, START)
    np.testing.assert_allclose(np.linalg.norm(point - minimum), np.linalg.norm(START))
    np.testing.assert_allclose(sweeps.errors_along(point[None], minimum, basis)[0], START)


@pytest.mark.parametrize(("optimizer", "alpha"), [("gd", 0.0), ("momentum", 0.9)])
def test_errors_of_a_run_along_the_eigenvectors_follow_the_closed_form(optimizer, alpha):
    kappa, angle, lr, steps = 25.0, 30.0, 0.4, 120
    surface, basis = ravine(kappa, angle)
    lams, q = geometry.eigenbasis(surface.loss, [0.0, 0.0])
    w0 = sweeps.from_eigen_coordinates([0.0, 0.0], q, START)
    hypers = (
        {"learning_rate": lr} if optimizer == "gd" else {"learning_rate": lr, "momentum": alpha}
    )
    traj = optim.run(surface.loss, w0, optimizer, steps, **hypers)
    errors = sweeps.errors_along(traj.params, [0.0, 0.0], q)
    np.testing.assert_allclose(errors, brute_errors(lr, alpha, lams, START, steps), atol=1e-10)
    np.testing.assert_allclose(
        errors, theory.eigen_errors(lr, alpha, lams, START, steps), atol=1e-10
    )


# --- per-direction measures -----------------------------------------------------------------


def test_steps_until_within_against_a_loop():
    rng = np.random.default_rng(7)
    # damped oscillations of random rates and phases, and a few edge cases
    t = np.arange(80)[:, None]
    rates, turns, phases = rng.uniform(0.8, 0.99, 6), rng.uniform(0, 3, 6), rng.uniform(0, 1, 6)
    values = rates**t * np.cos(turns * t + phases)
    values = np.concatenate([values, np.zeros((80, 1)), np.ones((80, 1))], axis=1)
    values[:, -1] *= 0.5  # constant: never within a fraction < 1 of itself
    for fraction in (0.5, 0.1, 0.01, 1.0):
        expected = [brute_stays_within(values[:, i], fraction) for i in range(values.shape[1])]
        np.testing.assert_array_equal(sweeps.steps_until_within(values, fraction), expected)
    assert sweeps.steps_until_within(values, 0.5)[-2] == 0  # already there
    assert sweeps.steps_until_within(values, 0.5)[-1] == np.inf


@pytest.mark.parametrize("lr_lam", [0.3, 1.0, 1.5, 1.9])
def test_distance_travelled_by_gd_is_a_geometric_sum(lr_lam):
    # x_{t+1} − x_t = −ελ q^t x₀ with q = 1 − ελ: the way walked is ελ|x₀| Σ|q|^t
    steps, x0 = 200, 2.0
    errors = brute_errors(lr_lam, 0.0, [1.0], [x0], steps)
    q = abs(1 - lr_lam)
    expected = lr_lam * x0 * (1 - q**steps) / (1 - q) if q > 0 else lr_lam * x0
    np.testing.assert_allclose(sweeps.distance_travelled(errors), [expected], rtol=1e-10)


def test_zig_zag_walks_farther_across_than_momentum():
    """The quiz's claim "momentum suppresses oscillations", as the page measures it."""
    lams, error0 = np.array([1 / 50, 1.0]), START
    gd = sweeps.distance_travelled(brute_errors(1.9, 0.0, lams, error0, 150))
    momentum = sweeps.distance_travelled(brute_errors(1.9, 0.5, lams, error0, 150))
    # GD across: 1.9·2.2·Σ0.9^t ≈ 41.8; momentum spirals in at √0.5 per step
    np.testing.assert_allclose(gd[1], 1.9 * 2.2 * (1 - 0.9**150) / 0.1, rtol=1e-10)
    assert momentum[1] < gd[1] / 3


def test_momentum_speeds_up_the_flat_direction_about_tenfold():
    """The quiz's "momentum speeds up boring directions": κ = 50, ε = 0.05, α = 0.9, steps
    until the error along the flat direction has halved for good."""
    surface, basis = ravine(50.0, 0.0)
    counts = {}
    for optimizer, hypers in (("gd", {}), ("momentum", {"momentum": 0.9})):
        traj = optim.run(surface.loss, START, optimizer, 1024, learning_rate=0.05, **hypers)
        counts[optimizer] = sweeps.steps_until_within(
            sweeps.errors_along(traj.params, [0.0, 0.0], basis), 0.5
        )[0]
    # GD's flat error is exactly (1 − ελ₁)ᵗ x₀
    assert counts["gd"] == np.ceil(np.log(0.5) / np.log(1 - 0.05 / 50.0))
    # momentum's slow root is real here (ελ₁ = 0.001 < (1 − √α)²): ρ ≈ 1 − ελ₁/(1 − α)
    assert 9 < counts["gd"] / counts["momentum"] < 11


# --- constant slope ---------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.0, 0.5, 0.9, 0.99])
def test_step_lengths_on_the_plane_reach_the_terminal_velocity(alpha):
    lr, steps = 0.1, 100
    plane = landscapes.get_surface("plane", gx=0.6, gy=-0.8)  # ‖g‖ = 1
    traj = optim.run(plane.loss, [0.0, 0.0], "momentum", steps, learning_rate=lr, momentum=alpha)
    lengths = sweeps.step_lengths(traj.params)
    np.testing.assert_allclose(
        lengths, theory.step_lengths_on_slope(lr, alpha, 1.0, steps), rtol=1e-12
    )
    # downhill progress is the sum of the step lengths: every step points down the slope
    np.testing.assert_allclose(
        sweeps.progress_along(traj.params, [-0.6, 0.8])[1:], np.cumsum(lengths), rtol=1e-12
    )
    gd = optim.run(plane.loss, [0.0, 0.0], "gd", steps, learning_rate=lr)
    ratio = lengths / sweeps.step_lengths(gd.params)
    np.testing.assert_allclose(ratio[1], 1 + alpha, rtol=1e-12)  # the second step: 1.9
    np.testing.assert_allclose(ratio[-1], (1 - alpha**steps) / (1 - alpha), rtol=1e-12)


def test_alpha_0_9_reaches_ten_not_1_9():
    plane = landscapes.get_surface("plane", gx=1.0, gy=0.0)
    momentum = optim.run(plane.loss, [0.0, 0.0], "momentum", 100, learning_rate=0.1, momentum=0.9)
    gd = optim.run(plane.loss, [0.0, 0.0], "gd", 100, learning_rate=0.1)
    ratio = sweeps.step_lengths(momentum.params) / sweeps.step_lengths(gd.params)
    assert ratio[-1] == pytest.approx(10.0, rel=1e-4)
    assert ratio[1] == pytest.approx(1.9, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.5, 0.9])
def test_ema_form_is_momentum_with_a_rescaled_rate(alpha):
    """v ← αv + (1 − α)g, w ← w − λv, stepped by hand, equals the runner's momentum at
    ε = λ(1 − α); on a slope its steps reach λ‖g‖, not λ‖g‖/(1 − α)."""
    step_size, steps = 0.2, 300
    plane = landscapes.get_surface("plane", gx=1.0, gy=0.5)
    g = np.array([1.0, 0.5])
    w, v, rows = np.zeros(2), np.zeros(2), [np.zeros(2)]
    for _ in range(steps):
        v = alpha * v + (1 - alpha) * g
        w = w - step_size * v
        rows.append(w.copy())
    lr = float(sweeps.ema_learning_rate(step_size, alpha))
    assert lr == pytest.approx(step_size * (1 - alpha))
    traj = optim.run(plane.loss, [0.0, 0.0], "momentum", steps, learning_rate=lr, momentum=alpha)
    np.testing.assert_allclose(traj.params, rows, atol=1e-12)
    np.testing.assert_allclose(
        sweeps.step_lengths(traj.params)[-1], step_size * np.linalg.norm(g), rtol=1e-8
    )


# --- gradient evaluations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("optimizer", "hypers"),
    [
        ("gd", {"learning_rate": 0.3}),
        ("momentum", {"learning_rate": 0.3, "momentum": 0.9}),
        ("nesterov", {"learning_rate": 0.3, "momentum": 0.9}),
        ("adam", {"learning_rate": 0.1}),
    ],
)
def test_one_gradient_per_step_and_the_same_path_as_the_runner(optimizer, hypers):
    surface, _ = ravine(20.0, 30.0)
    calls, positions = sweeps.gradient_evaluations(
        surface.loss, [-3.0, 2.0], optimizer, 15, **hypers
    )
    assert calls == 15
    traj = optim.run(surface.loss, [-3.0, 2.0], optimizer, 15, **hypers)
    np.testing.assert_allclose(positions, traj.params, atol=1e-12)


def test_nesterov_takes_its_gradient_at_the_look_ahead_point():
    # One step from rest: v = 0, so the first gradient is at w; the second must be at w + αv.
    surface, _ = ravine(20.0, 0.0)
    lr, alpha, w0 = 0.3, 0.9, np.array([-3.0, 2.0])
    _, positions = sweeps.gradient_evaluations(
        surface.loss, w0, "nesterov", 2, learning_rate=lr, momentum=alpha
    )
    hess = np.diag([1 / 20.0, 1.0])
    v1 = -lr * hess @ w0
    v2 = alpha * v1 - lr * hess @ (w0 + v1 + alpha * v1)
    np.testing.assert_allclose(positions[2], w0 + v1 + v2, atol=1e-12)


def test_gradient_evaluations_rejects_second_order_rules_and_unknown_settings():
    surface, _ = ravine(20.0)
    with pytest.raises(ValueError, match="Hessian"):
        sweeps.gradient_evaluations(surface.loss, [1.0, 1.0], "newton", 3)
    with pytest.raises(ValueError, match="unknown"):
        sweeps.gradient_evaluations(surface.loss, [1.0, 1.0], "gd", 3, momentum=0.9)


# --- steps to tolerance against α ---------------------------------------------------------------


def test_alpha_sweep_equals_brute_force():
    kappa, lr, tol, steps = 30.0, 0.5, 1e-3, 512
    surface, basis = ravine(kappa, 20.0)
    w0 = sweeps.from_eigen_coordinates([0.0, 0.0], basis, START)
    alphas = np.linspace(0.0, 0.99, 23)
    measured = sweeps.alpha_sweep(surface.loss, w0, [0.0, 0.0], lr, alphas, tol, steps)
    lams = np.array([1 / kappa, 1.0])
    expected = [
        brute_stays_within(np.linalg.norm(brute_errors(lr, a, lams, START, steps), axis=1), tol)
        for a in alphas
    ]
    np.testing.assert_array_equal(measured, expected)


def test_alpha_sweep_marks_divergence_and_budget_as_infinite():
    surface, _ = ravine(10.0)
    # ε = 3 on λₙ = 1: diverges for α < 0.5 (ελ ≥ 2 + 2α); α = 0.999 spirals too slowly
    measured = sweeps.alpha_sweep(
        surface.loss, [-4.0, 2.0], [0.0, 0.0], 3.0, [0.0, 0.3, 0.7, 0.999], 1e-3, 256
    )
    assert np.isinf(measured[[0, 1, 3]]).all() and np.isfinite(measured[2])


def test_alpha_sweep_takes_one_learning_rate_per_alpha():
    surface, _ = ravine(10.0)
    both = sweeps.alpha_sweep(
        surface.loss, [-4.0, 2.0], [0.0, 0.0], [0.5, 1.0], [0.5, 0.8], 1e-3, 256
    )
    one = [
        sweeps.alpha_sweep(surface.loss, [-4.0, 2.0], [0.0, 0.0], lr, [a], 1e-3, 256)[0]
        for lr, a in ((0.5, 0.5), (1.0, 0.8))
    ]
    np.testing.assert_array_equal(both, one)


@pytest.mark.parametrize(("kappa", "lr"), [(20.0, 0.3), (50.0, 1.0), (200.0, 1.5)])
def test_measured_sweep_follows_the_spectral_radius(kappa, lr):
    """Tolerance stated: |measured − predicted| ≤ max(5 steps, 15 %) away from the two
    critical momenta α = (1 − √(ελᵢ))², where the roots of the iteration matrix coincide and
    the error shrinks like t·ρᵗ instead of ρᵗ (there the prediction is a few steps short)."""
    tol, steps = 1e-3, 2048
    surface, basis = ravine(kappa, 0.0)
    lams = np.array([1 / kappa, 1.0])
    alphas = np.linspace(0.0, 0.99, 100)
    measured = sweeps.alpha_sweep(surface.loss, START, [0.0, 0.0], lr, alphas, tol, steps)
    predicted = sweeps.predicted_alpha_sweep(lr, alphas, lams, tol)
    np.testing.assert_array_equal(
        predicted, theory.steps_to_tolerance(theory.momentum_rate_quadratic(lr, alphas, lams), tol)
    )
    critical = np.asarray(theory.critical_momentum(lr, lams))
    away = np.min(np.abs(alphas[:, None] - critical[None, :]), axis=1) > 0.03
    checked = away & (predicted < steps * 0.8)
    assert checked.sum() > 30
    gap = np.abs(measured[checked] - predicted[checked])
    assert np.all(gap <= np.maximum(5, 0.15 * predicted[checked]))


@pytest.mark.parametrize("kappa", [20.0, 100.0, 1000.0])
def test_goh_optimum_is_the_best_alpha_at_its_learning_rate(kappa):
    tol = 1e-3
    surface, _ = ravine(kappa, 0.0)
    lr, alpha = (float(v) for v in theory.momentum_optimal(1 / kappa, 1.0))
    alphas = np.linspace(0.0, 0.99, 199)
    measured = sweeps.alpha_sweep(surface.loss, START, [0.0, 0.0], lr, alphas, tol, 2048)
    assert abs(alphas[np.argmin(measured)] - alpha) < 0.06
    at_optimum = sweeps.alpha_sweep(surface.loss, START, [0.0, 0.0], lr, [alpha], tol, 2048)[0]
    rate = float(theory.momentum_optimal_rate(kappa))
    predicted = float(theory.steps_to_tolerance(rate, tol))
    # At (ε*, α*) both directions have a double root z = ±ρ, so xₜ = (a + bt)zᵗ with
    # |b| ≤ (1 + ρ)|x₀| (from x₁ = (1 − ελ)x₀): the count lies between ⌈log tol / log ρ⌉ and
    # the first T with (1 + (1 + ρ)T)ρᵀ ≤ tol.
    t = np.arange(1, 4096)
    bound = t[np.argmax((1 + (1 + rate) * t) * rate**t <= tol)]
    assert predicted <= at_optimum <= bound
    gd_lr = float(theory.gd_optimal_lr(1 / kappa, 1.0))
    gd = sweeps.alpha_sweep(surface.loss, START, [0.0, 0.0], gd_lr, [0.0], tol, 16384)[0]
    gd_predicted = float(theory.steps_to_tolerance(theory.gd_optimal_rate(kappa), tol))
    assert abs(gd - gd_predicted) <= max(5, 0.15 * gd_predicted)
    assert gd > at_optimum


def test_rotation_changes_no_count():
    alphas = np.linspace(0.0, 0.95, 20)
    counts = []
    for angle in (0.0, 37.0, -70.0):
        surface, basis = ravine(30.0, angle)
        w0 = sweeps.from_eigen_coordinates([0.0, 0.0], basis, START)
        counts.append(sweeps.alpha_sweep(surface.loss, w0, [0.0, 0.0], 0.5, alphas, 1e-3, 512))
    np.testing.assert_array_equal(counts[0], counts[1])
    np.testing.assert_array_equal(counts[0], counts[2])


def test_a_new_sweep_compiles_nothing():
    surface, _ = ravine(30.0)
    counter = CompileCounter()
    sweeps.alpha_sweep(surface.loss, START, [0.0, 0.0], 0.5, np.linspace(0, 0.9, 64), 1e-3, 200)
    with counter:
        other, _ = ravine(300.0, 45.0)
        sweeps.alpha_sweep(
            other.loss, [1.0, -2.0], [0.0, 0.0], 0.2, np.linspace(0.1, 0.99, 64), 1e-6, 180
        )
    assert counter.count == 0
