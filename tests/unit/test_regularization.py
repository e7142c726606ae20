"""`landscapes.regularization` against closed forms, brute-force minimisation and the runner.

Brute force here is SciPy's general-purpose minimisers run from many starts on the penalised
objective written out in NumPy, independent of the code under test; the runner (`optim.run`)
is the lab's own gradient descent, which the page uses to "measure".
"""

import jax
import numpy as np
import pytest
import scipy.optimize

import landscapes
import optim
from landscapes import regularization as reg
from landscapes.geometry import hessian
from tests.compiles import CompileCounter

RNG = np.random.default_rng(7)


COUNTER = CompileCounter()


def random_quadratic(rng, diagonal=False):
    return reg.make_quadratic(
        d1=float(rng.uniform(0.1, 5.0)),
        d2=float(rng.uniform(0.1, 5.0)),
        angle=0.0 if diagonal else float(rng.uniform(-90, 90)),
        x_star=float(rng.uniform(-4, 4)),
        y_star=float(rng.uniform(-4, 4)),
    )


def numpy_quadratic(quad):
    h, w_star = quad.hessian, quad.minimum
    return lambda w: 0.5 * (w - w_star) @ h @ (w - w_star)


def brute_force_minimum(objective, starts, method="Nelder-Mead"):
    """The best local minimum SciPy finds from `starts` (tight tolerances)."""
    best = None
    for start in starts:
        result = scipy.optimize.minimize(
            objective,
            start,
            method=method,
            options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20000, "maxfev": 40000},
        )
        if best is None or result.fun < best.fun:
            best = result
    return best


# --- the quadratic -------------------------------------------------------------------------


def test_quadratic_is_the_lectures_quadratic():
    quad = random_quadratic(RNG)
    w = RNG.normal(size=2)
    assert float(quad.loss(w)) == pytest.approx(numpy_quadratic(quad)(w), rel=1e-12)
    np.testing.assert_allclose(hessian(quad.loss, w), quad.hessian, atol=1e-12)
    q, d = quad.eigenvectors, quad.curvatures
    np.testing.assert_allclose(quad.hessian @ q, q * d, atol=1e-12)  # H q_i = D_ii q_i
    np.testing.assert_allclose(q.T @ q, np.eye(2), atol=1e-15)
    theta = np.deg2rad(quad.params["angle"])
    np.testing.assert_allclose(q[:, 0], [np.cos(theta), np.sin(theta)], atol=1e-15)


def test_make_quadratic_rejects_bad_parameters():
    with pytest.raises(ValueError, match="d1"):
        reg.make_quadratic(d1=0.0)
    with pytest.raises(ValueError, match="valid"):
        reg.make_quadratic(kappa=3.0)
    with pytest.raises(ValueError):
        reg.make_quadratic(x_star=float("nan"))


# --- L2 ------------------------------------------------------------------------------------


def test_l2_path_is_the_solution_of_the_normal_equations_and_the_brute_force_minimum():
    quad = random_quadratic(RNG)
    lams = np.array([0.0, 0.05, 0.7, 3.0, 40.0])
    path = reg.l2_path(quad, lams)
    h, w_star = quad.hessian, quad.minimum
    e = numpy_quadratic(quad)
    for lam, w in zip(lams, path, strict=True):
        # ∇(E + λ/2‖w‖²) = H(w − w*) + λw = 0
        np.testing.assert_allclose(w, np.linalg.solve(h + lam * np.eye(2), h @ w_star), atol=1e-12)
        best = brute_force_minimum(lambda v, lam=lam: e(v) + 0.5 * lam * v @ v, [w_star, [0, 0]])
        np.testing.assert_allclose(w, best.x, atol=1e-6)
    np.testing.assert_allclose(path[0], w_star, atol=1e-15)
    norms = np.linalg.norm(reg.l2_path(quad, reg.path_lambdas()), axis=1)
    assert np.all(np.diff(norms) < 0) and np.all(norms > 0)  # shrinks, never reaches 0


def test_shrink_factors_closed_form_and_the_presets_numbers():
    d = np.array([5.0, 0.1])
    np.testing.assert_allclose(reg.shrink_factors(d, [0.5])[0], [5 / 5.5, 0.1 / 0.6])
    assert round(100 * reg.shrink_factors(d, 0.5)[0]) == 91  # "keeps 91 %" in the preset
    assert round(100 * reg.shrink_factors(d, 0.5)[1]) == 17  # "only 17 %"
    np.testing.assert_allclose(reg.shrink_factors(d, d).diagonal(), [0.5, 0.5])  # half at λ = D


@pytest.mark.parametrize("seed", [0, 1])
def test_measured_shrink_matches_the_eigen_projection_of_the_brute_force_minimum(seed):
    rng = np.random.default_rng(seed)
    quad = random_quadratic(rng)
    lams = np.array([0.01, 0.3, 2.0, 50.0])
    measured = reg.measured_shrink(quad, lams)
    predicted = reg.shrink_factors(quad.curvatures, lams)
    e = numpy_quadratic(quad)
    star = quad.eigenvectors.T @ quad.minimum
    for lam, row, prediction in zip(lams, measured, predicted, strict=True):
        best = brute_force_minimum(lambda v, lam=lam: e(v) + 0.5 * lam * v @ v, [quad.minimum])
        brute = (quad.eigenvectors.T @ best.x) / star
        np.testing.assert_allclose(row, brute, atol=1e-5)
        np.testing.assert_allclose(row, prediction, atol=1e-8)


def test_measured_shrink_is_undefined_along_a_direction_w_star_lacks():
    quad = reg.make_quadratic(angle=0.0, x_star=2.0, y_star=0.0)
    measured = reg.measured_shrink(quad, [0.5])
    assert np.isfinite(measured[0, 0]) and np.isnan(measured[0, 1])


# --- L1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("w_star", [2.0, -1.5])
def test_l1_in_one_dimension_is_soft_thresholding(w_star):
    beta = 0.8
    threshold = reg.l1_threshold_1d(beta, w_star)
    assert threshold == pytest.approx(beta * abs(w_star))
    for lam in [0.0, 0.3, 0.5 * threshold, 0.999 * threshold, threshold, 2 * threshold]:
        solution = reg.l1_solution_1d(beta, w_star, lam)
        grid = np.linspace(-5, 5, 200001)
        brute = grid[np.argmin(beta / 2 * (grid - w_star) ** 2 + lam * np.abs(grid))]
        assert solution == pytest.approx(brute, abs=1e-4)
        if lam >= threshold:
            assert solution == 0.0  # exactly
        else:
            assert solution == pytest.approx(w_star - np.sign(w_star) * lam / beta)
            assert np.sign(solution) == np.sign(w_star)


def kkt_violation(quad, w, lam):
    """Largest violation of 0 ∈ ∇E(w) + λ∂‖w‖₁."""
    g = quad.hessian @ (w - quad.minimum)
    return np.max(np.where(w != 0, np.abs(g + lam * np.sign(w)), np.maximum(np.abs(g) - lam, 0)))


@pytest.mark.parametrize("seed", range(4))
def test_l1_path_satisfies_the_optimality_conditions_and_matches_ista(seed):
    rng = np.random.default_rng(seed)
    quad = random_quadratic(rng)
    lams = np.concatenate([[0.0], np.geomspace(0.01, 30, 24)])
    path = reg.l1_path(quad, lams)
    for lam, w in zip(lams, path, strict=True):
        assert kkt_violation(quad, w, lam) < 1e-10
    # ISTA = gradient descent with proximal soft-thresholding at ε = 1/D_max, the runner's
    ista = optim.run_batch(
        quad.loss,
        np.zeros(2),
        "gd",
        8000,
        learning_rate=1.0 / quad.curvatures.max(),
        l1=lams,
        l1_mode="proximal",
    )
    ends = ista.params[:, -1]
    np.testing.assert_allclose(ends, path, atol=1e-8)
    np.testing.assert_array_equal(ends == 0, path == 0)  # the same exact zeros


def test_l1_path_of_a_diagonal_quadratic_is_soft_thresholding_per_weight():
    quad = random_quadratic(RNG, diagonal=True)
    lams = reg.path_lambdas(40)
    path = reg.l1_path(quad, lams)
    for i in range(2):
        expected = reg.l1_solution_1d(quad.curvatures[i], quad.minimum[i], lams)
        np.testing.assert_allclose(path[:, i], expected, atol=1e-12)
        np.testing.assert_array_equal(path[:, i] == 0, expected == 0)


@pytest.mark.parametrize("seed", range(4))
def test_l1_breakpoints_are_where_the_exact_path_meets_the_axes(seed):
    rng = np.random.default_rng(seed + 10)
    quad = random_quadratic(rng)
    breaks = reg.l1_breakpoints(quad)
    slope = np.asarray(jax.grad(quad.loss)(np.zeros(2)))
    assert breaks.origin == pytest.approx(np.max(np.abs(slope)), rel=1e-12)
    before, at, after = reg.l1_path(
        quad,
        [breaks.first_zero * (1 - 1e-6), breaks.first_zero * (1 + 1e-9), 1.0001 * breaks.origin],
    )
    assert np.all(before != 0)
    assert at[breaks.first_index] == 0.0
    np.testing.assert_array_equal(after, [0.0, 0.0])
    assert np.any(reg.l1_path(quad, [0.999 * breaks.origin])[0] != 0)


def test_l1_breakpoints_of_the_default_quadratic_as_the_page_states_them():
    quad = reg.make_quadratic()
    breaks = reg.l1_breakpoints(quad)
    # w* = w* − λH⁻¹s on the line; the weight that reaches 0 first:
    line = lambda lam: quad.minimum - lam * np.linalg.solve(quad.hessian, np.sign(quad.minimum))  # noqa: E731
    assert line(breaks.first_zero)[breaks.first_index] == pytest.approx(0.0, abs=1e-12)
    assert breaks.origin == pytest.approx(np.max(np.abs(quad.hessian @ quad.minimum)))


# --- early stopping ------------------------------------------------------------------------


def test_gd_from_origin_closed_form_matches_the_runner():
    quad = random_quadratic(RNG)
    lr = 0.9 / quad.curvatures.max()
    run = optim.run(quad.loss, np.zeros(2), "gd", 300, learning_rate=lr)
    np.testing.assert_allclose(reg.gd_from_origin(quad, lr, np.arange(301)), run.params, atol=1e-12)


def test_early_stopping_lambda():
    assert reg.early_stopping_lambda(0.1, 10) == pytest.approx(1.0)
    np.testing.assert_allclose(reg.early_stopping_lambda(0.05, [1, 20]), [20.0, 1.0])


@pytest.mark.parametrize("seed", range(3))
def test_early_stopping_matches_l2_within_the_stated_bound(seed):
    rng = np.random.default_rng(seed + 20)
    quad = random_quadratic(rng)
    lr = float(rng.uniform(0.05, 1.0)) / quad.curvatures.max()  # εD_max ≤ 1
    steps = np.arange(1, 501)
    gd = optim.run(quad.loss, np.zeros(2), "gd", 500, learning_rate=lr).params[1:]
    l2 = reg.l2_path(quad, reg.early_stopping_lambda(lr, steps))
    gaps = np.linalg.norm(gd - l2, axis=1)
    bound = reg.early_stopping_gap_bound(quad, lr, steps)
    assert np.all(gaps <= bound * (1 + 1e-9) + 1e-12)
    # The tolerance in words: while εtD_max ≤ 0.1 the two are within 1 % of ‖w*‖.
    early = lr * steps * quad.curvatures.max() <= 0.1
    assert np.all(gaps[early] <= 0.01 * np.linalg.norm(quad.minimum))
    # and the bound is not loose: at t = 1 the gap is a²/(1 + a) per direction vs a².
    assert gaps[0] >= 0.45 * bound[0]


# --- any surface ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", reg.PENALTIES)
def test_penalized_path_on_the_quadratic_is_the_exact_path(kind):
    quad = reg.make_quadratic()
    lams = reg.path_lambdas(30)
    numerical = reg.penalized_path(quad.loss, reg.QUADRATIC_BOUNDS, lams, kind)
    exact = reg.l2_path(quad, lams) if kind == "l2" else reg.l1_path(quad, lams)
    np.testing.assert_allclose(numerical, exact, atol=1e-9)
    if kind == "l1":
        np.testing.assert_array_equal(numerical == 0, exact == 0)


@pytest.mark.parametrize("kind", reg.PENALTIES)
def test_penalized_path_on_rosenbrock_is_the_brute_force_minimum(kind):
    surface = landscapes.get_surface("rosenbrock")
    lams = np.array([0.0, 0.05, 0.9, 4.0])
    path = reg.penalized_path(surface.loss, surface.bounds, lams, kind)
    (x0, x1), (y0, y1) = surface.bounds
    starts = np.random.default_rng(3).uniform([x0, y0], [x1, y1], size=(25, 2))

    def rosenbrock(w):
        return (1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2

    def penalty(w):
        return 0.5 * w @ w if kind == "l2" else np.abs(w).sum()

    for lam, w in zip(lams, path, strict=True):
        objective = lambda v, lam=lam: rosenbrock(v) + lam * penalty(v)  # noqa: E731
        best = brute_force_minimum(objective, starts)
        assert objective(w) <= best.fun + 1e-12
        np.testing.assert_allclose(w, best.x, atol=1e-5)


def test_l1_on_rosenbrock_reaches_zero_where_the_slope_at_zero_is_beaten():
    # ∇E(0) = (−2a, 0) = (−2, 0): the origin is the L1 minimum exactly from λ = 2 (the preset)
    surface = landscapes.get_surface("rosenbrock")
    path = reg.penalized_path(surface.loss, surface.bounds, [1.9, 2.0, 2.5, 10.0], "l1")
    assert np.any(path[0] != 0)
    np.testing.assert_array_equal(path[1:], 0.0)


def test_penalized_path_knows_when_there_is_no_minimum_in_the_box():
    # x² − y² + λ/2 ‖w‖² has a minimum (at 0) only when λ > 2
    saddle = landscapes.get_surface("saddle")
    lams = np.array([0.5, 1.9, 2.1, 10.0])
    path = reg.penalized_path(saddle.loss, saddle.bounds, lams, "l2")
    assert np.all(np.isnan(path[:2]))
    np.testing.assert_allclose(path[2:], 0.0, atol=1e-12)
    # a plane g·w + λ/2 ‖w‖² has its minimum at −g/λ
    plane = landscapes.get_surface("plane", gx=1.5, gy=-0.5)
    lams = np.array([0.1, 1.0, 7.0])
    np.testing.assert_allclose(
        reg.penalized_path(plane.loss, plane.bounds, lams, "l2"),
        -np.outer(1 / lams, [1.5, -0.5]),
        atol=1e-9,
    )


def test_penalized_path_rejects_an_unknown_penalty():
    with pytest.raises(ValueError, match="l1"):
        reg.penalized_path(reg.make_quadratic().loss, reg.QUADRATIC_BOUNDS, [1.0], "l3")


def test_penalized_values_add_the_penalty_on_the_grid():
    quad = reg.make_quadratic()
    xs, ys, Z = landscapes.loss_grid(quad.loss, reg.QUADRATIC_BOUNDS, 21)
    i, j = 4, 17
    w = np.array([xs[j], ys[i]])
    e = float(quad.loss(w))
    assert reg.penalized_values(Z, xs, ys, 0.7, "l2")[i, j] == pytest.approx(e + 0.35 * w @ w)
    assert reg.penalized_values(Z, xs, ys, 0.7, "l1")[i, j] == pytest.approx(
        e + 0.7 * np.abs(w).sum()
    )


def test_stable_learning_rate_is_one_over_the_largest_curvature():
    quad = reg.make_quadratic(d1=0.5, d2=4.0)
    assert reg.stable_learning_rate(quad.loss, [np.zeros(2)]) == pytest.approx(0.25)


def test_numbers_never_compile_twice():
    lams = reg.path_lambdas(20)
    first = reg.make_quadratic()
    surface = landscapes.get_surface("rosenbrock")
    reg.l2_path(first, lams)
    reg.l1_path(first, lams)
    reg.penalized_path(surface.loss, surface.bounds, lams, "l1")
    other = reg.make_quadratic(d1=3.0, d2=0.07, angle=-50.0, x_star=-1.0, y_star=2.5)
    moved = landscapes.get_surface("rosenbrock", a=0.5, b=30.0)
    with COUNTER as counter:
        reg.l2_path(other, lams * 1.7)
        reg.l1_path(other, lams * 0.3)
        reg.penalized_path(moved.loss, moved.bounds, lams * 2.0, "l1")
    assert counter.count == 0


# --- L1 runs and clipping ------------------------------------------------------------------


def test_only_proximal_steps_land_exactly_on_zero():
    quad = reg.make_quadratic()
    lam, lr = 1.0, 0.1
    exact = reg.l1_path(quad, [lam])[0]
    assert np.sum(exact == 0) == 1
    runs = {
        mode: optim.run(quad.loss, [-4.0, 4.0], "gd", 200, learning_rate=lr, l1=lam, l1_mode=mode)
        for mode in optim.L1_MODES
    }
    proximal, subgradient = runs["proximal"].params, runs["subgradient"].params
    np.testing.assert_array_equal(proximal[-1] == 0, exact == 0)
    np.testing.assert_allclose(proximal[-1], exact, atol=1e-4)
    zero = int(np.argmax(exact == 0))
    assert np.all(subgradient[-50:, zero] != 0)
    assert np.any(np.diff(np.sign(subgradient[-50:, zero])) != 0)  # it keeps jumping across
    # each jump is at most ε(|∂E/∂w| + λ) ≤ 2ελ near the solution (the page says "up to 2ελ")
    assert np.max(np.abs(subgradient[-50:, zero])) <= 2 * lr * lam * 1.05


@pytest.fixture(scope="module")
def cliff_runs():
    cliff = landscapes.get_surface("cliff")
    return {
        kind: optim.run(
            cliff.loss,
            [-3.0, 2.0],
            "gd",
            100,
            learning_rate=0.5,
            clip=kind,
            clip_threshold=0.3,
        )
        for kind in optim.CLIPS
    }


def test_step_lengths_and_turns_match_the_clipping_closed_forms(cliff_runs):
    lr, u = 0.5, 0.3
    for kind, run in cliff_runs.items():
        g = run.grad[:-1]
        lengths = reg.step_lengths(run.params)
        angles = reg.turn_angles(run.params, run.grad)
        norms = np.linalg.norm(g, axis=1)
        if kind == "none":
            np.testing.assert_allclose(lengths, lr * norms, rtol=1e-10)
            assert np.nanmax(angles) < 1e-4
        elif kind == "norm":
            np.testing.assert_allclose(lengths, lr * np.minimum(norms, u), rtol=1e-10)
            assert lengths.max() <= lr * u * (1 + 1e-12)
            assert np.nanmax(angles) < 1e-4  # never turned
        else:
            clipped = np.clip(g, -u, u)
            np.testing.assert_allclose(lengths, lr * np.linalg.norm(clipped, axis=1), rtol=1e-10)
            assert lengths.max() <= np.sqrt(2) * lr * u * (1 + 1e-12)
            cosine = np.sum(clipped * g, axis=1) / (norms * np.linalg.norm(clipped, axis=1))
            np.testing.assert_allclose(
                angles, np.degrees(np.arccos(np.clip(cosine, -1, 1))), atol=1e-4
            )
            assert np.nanmax(angles) > 5.0  # it does turn
    # without clipping the cliff throws w beyond the box
    assert cliff_runs["none"].params[:, 0].max() > 8.0
    assert cliff_runs["norm"].params[:, 0].max() < 3.5


def test_turn_angles_of_handmade_steps():
    params = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    grads = np.array([[-1.0, 0.0], [-1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(reg.turn_angles(params, grads)[:2], [0.0, 90.0])
    assert np.isnan(reg.turn_angles(params, grads)[2])  # no step: no angle
    np.testing.assert_allclose(reg.step_lengths(params), [1.0, 1.0, 0.0])
