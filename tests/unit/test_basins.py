"""Basins of attraction, escaping a saddle, the local quadratic model: against closed forms,
single runs and brute force."""

import math

import numpy as np
import pytest

import landscapes
import optim
from landscapes import basins


def critical(name, **params):
    surface = landscapes.get_surface(name, **params)
    return surface, landscapes.critical_points(surface.loss, surface.bounds)


def frame_of(name):
    surface, points = critical(name)
    saddle = next(p for p in points if p.kind == "saddle")
    return surface, basins.saddle_frame(saddle.w, saddle.eigenvalues, saddle.eigenvectors)


# --- basins of attraction --------------------------------------------------------------------


def test_start_grid_is_the_cell_centres_rows_along_y():
    xs, ys, starts = basins.start_grid(((0.0, 4.0), (0.0, 8.0)), 4)
    np.testing.assert_allclose(xs, [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(ys, [1.0, 3.0, 5.0, 7.0])
    for i in range(4):
        for j in range(4):
            np.testing.assert_allclose(starts[i * 4 + j], [xs[j], ys[i]])


def test_label_by_nearest_matches_brute_force():
    rng = np.random.default_rng(3)
    ends = rng.uniform(-1, 1, (200, 2))
    targets = rng.uniform(-1, 1, (5, 2))
    diverged = rng.random(200) < 0.1
    labels = basins.label_by_nearest(ends, targets, 0.3, diverged)
    for end, gone, label in zip(ends, diverged, labels, strict=True):
        distances = [math.dist(end, t) for t in targets]
        if gone:
            expected = basins.DIVERGED
        elif min(distances) <= 0.3:
            expected = int(np.argmin(distances))
        else:
            expected = basins.UNSETTLED
        assert label == expected
    assert (basins.label_by_nearest(ends, np.empty((0, 2)), 1.0) == basins.UNSETTLED).all()


def test_basin_map_is_one_batched_call(monkeypatch):
    surface, points = critical("two_minima")
    calls = []
    original = optim.run_batch

    def counting(*args, **kwargs):
        calls.append(args[1].shape)
        return original(*args, **kwargs)

    monkeypatch.setattr(optim, "run_batch", counting)
    result = basins.basin_map(
        surface.loss, surface.bounds, [p.w for p in points], "gd", 64, n=10, learning_rate=0.1
    )
    assert calls == [(100, 2)]
    assert result.labels.shape == (10, 10) and result.ends.shape == (10, 10, 2)


def test_gradient_descent_basins_split_at_the_saddle_stable_manifold():
    # E = ¼(x² − 1)² + ½y²: ∂E/∂x = x³ − x vanishes on x = 0, so the y-axis is invariant and
    # is the saddle's stable manifold: every start with x < 0 ends at (−1, 0), x > 0 at (1, 0).
    surface, points = critical("two_minima")
    left = next(i for i, p in enumerate(points) if p.kind == "minimum" and p.w[0] < 0)
    right = next(i for i, p in enumerate(points) if p.kind == "minimum" and p.w[0] > 0)
    result = basins.basin_map(
        surface.loss, surface.bounds, [p.w for p in points], "gd", 256, n=20, learning_rate=0.1
    )
    expected = np.where(result.xs[None, :] < 0, left, right) * np.ones((20, 1), dtype=int)
    np.testing.assert_array_equal(result.labels, expected)
    shares = basins.basin_shares(result.labels, len(points))
    assert shares.sum() == pytest.approx(1.0)
    assert shares[left] == shares[right] == 0.5


def test_basin_labels_agree_with_single_runs():
    surface, points = critical("himmelblau")
    targets = np.array([p.w for p in points])
    settings = {"learning_rate": 0.01, "momentum": 0.8}
    result = basins.basin_map(
        surface.loss, surface.bounds, targets, "momentum", 128, n=12, **settings
    )
    rng = np.random.default_rng(0)
    radius = basins.SETTLE_FRACTION * math.dist(*np.transpose(surface.bounds))
    for flat in rng.choice(144, 12, replace=False):
        i, j = divmod(int(flat), 12)
        run = optim.run(surface.loss, (result.xs[j], result.ys[i]), "momentum", 128, **settings)
        end = run.params[-1]
        distances = np.linalg.norm(targets - end, axis=1)
        expected = int(np.argmin(distances)) if distances.min() <= radius else basins.UNSETTLED
        if run.diverged_at is not None:
            expected = basins.DIVERGED
        assert result.labels[i, j] == expected
        np.testing.assert_allclose(result.ends[i, j], end, atol=1e-12)


def test_diverged_runs_are_labelled_diverged():
    # Along x the curvature 3x² − 1 reaches 11 at the box's edge: ε = 1 diverges out there.
    surface, points = critical("two_minima")
    result = basins.basin_map(
        surface.loss, surface.bounds, [p.w for p in points], "gd", 64, n=10, learning_rate=1.0
    )
    _, _, starts = basins.start_grid(surface.bounds, 10)
    batch = optim.run_batch(surface.loss, starts, "gd", 64, learning_rate=1.0)
    np.testing.assert_array_equal(result.labels.ravel() == basins.DIVERGED, batch.diverged_at >= 0)
    assert 0 < np.sum(result.labels == basins.DIVERGED) < 100


def test_newton_basins_contain_the_saddle():
    # Newton on x³ − x converges to the root 0 from every |x| < 1/√5, and y goes to 0 in one
    # step: those starts end at the saddle (0, 0). Gradient descent never does (x ≠ 0).
    surface, points = critical("two_minima")
    saddle = next(i for i, p in enumerate(points) if p.kind == "saddle")
    targets = [p.w for p in points]
    newton = basins.basin_map(surface.loss, surface.bounds, targets, "newton", 64, n=20)
    inside = np.abs(newton.xs) < 1 / math.sqrt(5)
    assert (newton.labels[:, inside] == saddle).all()
    assert not (newton.labels[:, ~inside] == saddle).any()
    gd = basins.basin_map(surface.loss, surface.bounds, targets, "gd", 256, n=20, learning_rate=0.1)
    assert not (gd.labels == saddle).any()


# --- escaping a saddle -----------------------------------------------------------------------


DISTANCES = np.array([1e-10, 1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 0.1])


def first_exit(values, radius) -> int:
    """First t whose |value| reaches the radius (the count of iterates inside)."""
    return int(np.argmax(np.abs(values) >= radius))


def test_saddle_frame_of_x2_minus_y2():
    _, frame = frame_of("saddle")
    np.testing.assert_allclose(np.abs(frame.unstable), [0, 1], atol=1e-15)
    np.testing.assert_allclose(np.abs(frame.stable), [1, 0], atol=1e-15)
    assert frame.unstable_curvature == pytest.approx(-2) and frame.stable_curvature == 2
    with pytest.raises(ValueError, match="saddle"):
        basins.saddle_frame((0, 0), [1.0, 2.0], np.eye(2))


def test_gd_escape_time_is_log_r_over_d_in_closed_form():
    # GD on x² − y² from d along y: y_t = (1 + 2ε)^t d, so the run leaves the ball of radius r
    # at the first t with (1 + 2ε)^t d ≥ r, and T(d) ≈ log(r/d) / log(1 + 2ε).
    surface, frame = frame_of("saddle")
    eps, r = 0.05, 0.5
    sweep = basins.escape_sweep(surface.loss, frame, "gd", DISTANCES, r, 1024, learning_rate=eps)
    estimate = basins.gd_escape_estimate(DISTANCES, r, eps, frame.unstable_curvature)
    np.testing.assert_allclose(estimate, np.log(r / DISTANCES) / np.log(1 + 2 * eps))
    assert np.all(np.abs(sweep.steps_near - estimate) <= 2)
    exact = [first_exit(d * (1 + 2 * eps) ** np.arange(1025), r) for d in DISTANCES]
    np.testing.assert_array_equal(sweep.steps_near, exact)
    assert sweep.escaped.all()
    # log(1/d): each factor 100 closer costs the same number of extra steps
    steps = np.diff(sweep.steps_near[:4])
    assert np.all(np.abs(steps + np.log(100) / np.log(1 + 2 * eps)) <= 1)


def test_gd_escape_from_the_lecture_start_x0_d():
    # From (x₀, d): x_t = (1 − 2ε)^t x₀ and y_t = (1 + 2ε)^t d; the count is the first t with
    # x_t² + y_t² ≥ r², within 2 steps of log(r/d) / log(1 + 2ε) once d ≪ r.
    surface, frame = frame_of("saddle")
    eps, r, x0 = 0.05, 0.5, 0.25
    sweep = basins.escape_sweep(
        surface.loss, frame, "gd", DISTANCES, r, 1024, offset=x0, learning_rate=eps
    )
    t = np.arange(1025)
    for d, count in zip(DISTANCES, sweep.steps_near, strict=True):
        radius_t = np.hypot(x0 * (1 - 2 * eps) ** t, d * (1 + 2 * eps) ** t)
        assert count == first_exit(radius_t, r)
        if d <= 1e-3:
            assert abs(count - math.log(r / d) / math.log(1 + 2 * eps)) <= 2


def test_momentum_escape_follows_its_linear_recurrence():
    # Along y: v ← αv + 2εy, y ← y + v, i.e. y_{t+1} = (1 + α + 2ε) y_t − α y_{t−1}.
    surface, frame = frame_of("saddle")
    eps, alpha, r = 0.05, 0.9, 0.5
    sweep = basins.escape_sweep(
        surface.loss, frame, "momentum", DISTANCES, r, 1024, learning_rate=eps, momentum=alpha
    )
    gd = basins.escape_sweep(surface.loss, frame, "gd", DISTANCES, r, 1024, learning_rate=eps)
    for d, count in zip(DISTANCES, sweep.steps_near, strict=True):
        y = [d, d * (1 + 2 * eps)]
        while abs(y[-1]) < r:
            y.append((1 + alpha + 2 * eps) * y[-1] - alpha * y[-2])
        assert count == len(y) - 1
    assert np.all(sweep.steps_near < gd.steps_near)


def test_newton_is_drawn_into_the_saddle_and_saddle_free_newton_pushed_out():
    surface, frame = frame_of("saddle")
    r, steps = 0.5, 256
    newton = basins.escape_sweep(surface.loss, frame, "newton", DISTANCES, r, steps)
    assert (newton.steps_near == steps + 1).all() and not newton.escaped.any()
    np.testing.assert_allclose(newton.params[:, -1], 0.0, atol=1e-12)
    # |H| = 2I: y ← y + 2y/(2 + δ) with ε = 1, δ = 0.01
    free = basins.escape_sweep(surface.loss, frame, "saddle_free_newton", DISTANCES, r, steps)
    growth = 1 + 2 / 2.01
    exact = [first_exit(d * growth ** np.arange(steps + 1), r) for d in DISTANCES]
    np.testing.assert_array_equal(free.steps_near, exact)


def test_adam_steps_hardly_depend_on_d():
    # Adam's first step is ε·g/(|g| + δ): about ε whatever the size of g ~ 2d, so after one
    # step every run stands about ε from the saddle and the rest of the escape is the same.
    surface, frame = frame_of("saddle")
    eps, r = 0.02, 0.5
    distances = np.array([1e-6, 1e-4, 1e-2])
    sweep = basins.escape_sweep(surface.loss, frame, "adam", distances, r, 512, learning_rate=eps)
    first = np.abs(sweep.params[:, 1] @ frame.unstable)
    gradient = 2 * distances
    np.testing.assert_allclose(first, distances + eps * gradient / (gradient + 1e-8), rtol=1e-5)
    assert np.ptp(sweep.steps_near) <= 3


def test_steps_near_brute_force_with_divergence_padding():
    rng = np.random.default_rng(1)
    params = rng.normal(size=(6, 30, 2))
    diverged_at = np.array([-1, 5, -1, 12, 0, -1])
    for i in np.flatnonzero(diverged_at >= 0):
        params[i, diverged_at[i] :] = params[i, max(diverged_at[i] - 1, 0)]
    counts = basins.steps_near(params, (0.1, -0.2), 1.0, diverged_at)
    for run, stop, count in zip(params, diverged_at, counts, strict=True):
        valid = run if stop < 0 else run[:stop]
        assert count == sum(math.dist(w, (0.1, -0.2)) < 1.0 for w in valid)


# --- the local quadratic model ---------------------------------------------------------------


def test_quadratic_model_equals_a_quadratic_surface():
    surface = landscapes.custom_surface(
        "3*x**2 - 2*x*y + 0.5*y**2 + x - 4*y + 7", ((-2, 3), (-1, 2))
    )
    for w0 in [(0.3, -0.7), (2.5, 1.5), (-1.9, 0.0)]:
        xs, ys, model = basins.quadratic_model_grid(surface.loss, w0, surface.bounds, 40)
        _, _, exact = landscapes.loss_grid(surface.loss, surface.bounds, 40)
        np.testing.assert_allclose(model, exact, rtol=1e-12, atol=1e-10)
    local = basins.quadratic_model(surface.loss, (0.3, -0.7))
    np.testing.assert_allclose(local.hessian, [[6, -2], [-2, 1]], atol=1e-12)
    np.testing.assert_allclose(
        local.gradient, [6 * 0.3 + 1.4 + 1, 2 * -0.3 + 1 * -0.7 + 2 * -2], atol=1e-12
    )


def test_quadratic_model_error_is_third_order_elsewhere():
    surface = landscapes.get_surface("himmelblau")
    w0 = np.array([1.0, 1.5])
    model = basins.quadratic_model(surface.loss, w0)
    assert model.value == pytest.approx(float(surface.loss(w0)))
    direction = np.array([0.6, 0.8])
    errors = [
        abs(model(w0 + h * direction) - float(surface.loss(w0 + h * direction)))
        for h in (0.02, 0.01)
    ]
    assert errors[0] / errors[1] == pytest.approx(8, rel=0.1)


def test_window_stays_inside_the_box():
    bounds = ((-5.0, 5.0), (-2.0, 2.0))
    assert basins.window((0, 0), 1.0, bounds) == ((-1.0, 1.0), (-1.0, 1.0))
    assert basins.window((4.8, -1.9), 1.0, bounds) == ((3.0, 5.0), (-2.0, 0.0))
    assert basins.window((0, 0), 3.0, bounds) == ((-3.0, 3.0), (-2.0, 2.0))


# --- the box's largest curvature -------------------------------------------------------------


def test_largest_curvature_of_known_surfaces():
    saddle = landscapes.get_surface("saddle")
    assert basins.largest_curvature(saddle.loss, saddle.bounds) == pytest.approx(2.0)
    ravine = landscapes.get_surface("ravine", kappa=10.0, angle=30.0)
    assert basins.largest_curvature(ravine.loss, ravine.bounds) == pytest.approx(1.0)


def test_largest_curvature_of_himmelblau_by_brute_force():
    # H = [[12x² + 4y − 42, 4(x + y)], [4(x + y), 12y² + 4x − 26]] on the same 24 × 24 grid
    surface = landscapes.get_surface("himmelblau")
    (x0, x1), (y0, y1) = surface.bounds
    largest = 0.0
    for x in np.linspace(x0, x1, 24):
        for y in np.linspace(y0, y1, 24):
            h = [[12 * x**2 + 4 * y - 42, 4 * (x + y)], [4 * (x + y), 12 * y**2 + 4 * x - 26]]
            largest = max(largest, float(np.max(np.abs(np.linalg.eigvalsh(h)))))
    assert basins.largest_curvature(surface.loss, surface.bounds) == pytest.approx(largest)
