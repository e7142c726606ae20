"""Hessian and critical points against closed forms, published values and brute force."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest
from jax.tree_util import Partial
from scipy.optimize import root

import landscapes
from landscapes import geometry
from landscapes.geometry import classify, critical_points, hessian, hessian_eig

HIMMELBLAU_BOUNDS = ((-5.0, 5.0), (-5.0, 5.0))
CAMEL_BOUNDS = ((-3.0, 3.0), (-2.0, 2.0))


def himmelblau(w):
    x, y = w
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def himmelblau_grad(w):
    x, y = w
    a, b = x**2 + y - 11, x + y**2 - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def himmelblau_hess(w):
    x, y = w
    return np.array(
        [[12 * x**2 + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 4 * x + 12 * y**2 - 26]]
    )


def camel(w):
    x, y = w
    return 4 * x**2 - 2.1 * x**4 + x**6 / 3 + x * y - 4 * y**2 + 4 * y**4


def camel_grad(w):
    x, y = w
    return np.array([8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3])


def camel_hess(w):
    x, y = w
    return np.array([[8 - 25.2 * x**2 + 10 * x**4, 1.0], [1.0, -8 + 48 * y**2]])


def brute_force_critical_points(grad, hess, bounds, seeds_per_axis=60):
    """Independent reference: SciPy's hybrid root finder on ∇E = 0 from a dense grid of seeds."""
    (xmin, xmax), (ymin, ymax) = bounds
    found = []
    for x, y in itertools.product(
        np.linspace(xmin, xmax, seeds_per_axis), np.linspace(ymin, ymax, seeds_per_axis)
    ):
        sol = root(grad, [x, y], jac=hess, method="hybr", options={"xtol": 1e-14})
        w = sol.x
        inside = xmin < w[0] < xmax and ymin < w[1] < ymax
        is_new = all(np.linalg.norm(w - v) > 1e-6 for v in found)
        if inside and is_new and np.linalg.norm(grad(w)) < 1e-9:
            found.append(w)
    return np.array(found)


def assert_same_points(points, reference, atol=1e-7):
    """Every reference point is found once, and nothing else is."""
    found = np.array([p.w for p in points])
    assert len(found) == len(reference)
    for w in reference:
        assert np.min(np.linalg.norm(found - w, axis=1)) < atol, w


def kinds(points):
    return sorted(p.kind for p in points)


# --- Hessian -------------------------------------------------------------------------------------


def test_hessian_matches_closed_form():
    for w in [(0.3, -1.7), (3.0, 2.0), (-4.2, 0.9)]:
        np.testing.assert_allclose(hessian(himmelblau, w), himmelblau_hess(w), rtol=1e-12)


def test_hessian_in_higher_dimension_is_the_quadratic_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    sym = a @ a.T - 2 * np.eye(5)
    h = hessian(lambda w: 0.5 * w @ jnp.asarray(sym) @ w, rng.normal(size=5))
    np.testing.assert_allclose(h, sym, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(h, h.T)


def test_hessian_eig_is_ascending_eigendecomposition():
    w = (0.7, 1.1)
    eigenvalues, eigenvectors = hessian_eig(camel, w)
    h = camel_hess(w)
    assert np.all(np.diff(eigenvalues) >= 0)
    np.testing.assert_allclose(h @ eigenvectors, eigenvectors * eigenvalues, atol=1e-10)
    np.testing.assert_allclose(eigenvectors.T @ eigenvectors, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(eigenvalues, np.linalg.eigvalsh(h), rtol=1e-12)


# --- classify ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eigenvalues", "kind", "index"),
    [
        ((1.0, 2.0), "minimum", 0),
        ((-1.0, -2.0), "maximum", 2),
        ((-1.0, 2.0), "saddle", 1),
        ((-1.0, -3.0, 2.0), "saddle", 2),
        ((0.0, 2.0), "degenerate", 0),
        ((-1e-9, -2.0), "degenerate", 1),
        ((0.0, 0.0), "degenerate", 0),
    ],
)
def test_classify(eigenvalues, kind, index):
    assert classify(eigenvalues, tol=1e-6) == (kind, index)


# --- critical points: published values and closed forms ------------------------------------------


def test_himmelblau_published_critical_points():
    """Four minima of value 0 and one maximum (Himmelblau 1972), plus four saddles."""
    points = critical_points(himmelblau, HIMMELBLAU_BOUNDS)
    assert len(points) == 9
    assert kinds(points) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4

    minima = np.array([p.w for p in points if p.kind == "minimum"])
    published_minima = [
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ]
    for w in published_minima:
        assert np.min(np.linalg.norm(minima - w, axis=1)) < 2e-6, w
    assert all(abs(p.value) < 1e-20 for p in points if p.kind == "minimum")

    (maximum,) = [p for p in points if p.kind == "maximum"]
    np.testing.assert_allclose(maximum.w, (-0.270845, -0.923039), atol=2e-6)
    assert maximum.value == pytest.approx(181.617, abs=1e-3)
    assert maximum.index == 2
    assert all(p.index == 1 for p in points if p.kind == "saddle")


def test_himmelblau_matches_brute_force_with_analytic_hessian():
    points = critical_points(himmelblau, HIMMELBLAU_BOUNDS)
    reference = brute_force_critical_points(himmelblau_grad, himmelblau_hess, HIMMELBLAU_BOUNDS)
    assert_same_points(points, reference)
    for p in points:
        np.testing.assert_allclose(
            p.eigenvalues, np.linalg.eigvalsh(himmelblau_hess(p.w)), rtol=1e-9
        )
        assert p.grad_norm < 1e-10
    values = [p.value for p in points]
    assert values == sorted(values)


def test_saddle_x2_minus_y2():
    (point,) = critical_points(lambda w: w[0] ** 2 - w[1] ** 2, ((-2.0, 2.0), (-1.5, 1.0)))
    assert point.kind == "saddle" and point.index == 1
    np.testing.assert_allclose(point.w, (0.0, 0.0), atol=1e-12)
    np.testing.assert_allclose(point.eigenvalues, (-2.0, 2.0), rtol=1e-12)
    # The eigenvector of the negative eigenvalue is the y axis: the direction of escape.
    np.testing.assert_allclose(np.abs(point.eigenvectors[:, 0]), (0.0, 1.0), atol=1e-12)


def test_monkey_saddle_is_degenerate_and_alone():
    (point,) = critical_points(
        lambda w: w[0] ** 3 - 3 * w[0] * w[1] ** 2, ((-1.0, 1.0), (-1.0, 1.0))
    )
    assert point.kind == "degenerate"
    np.testing.assert_allclose(point.w, (0.0, 0.0), atol=1e-10)
    np.testing.assert_allclose(point.eigenvalues, (0.0, 0.0), atol=1e-8)


def test_quadratic_bowl_eigenvalues_are_closed_form():
    a, b, c = 3.0, 1.2, 0.8
    centre = np.array([0.4, -0.7])
    matrix = jnp.array([[a, b], [b, c]])

    def bowl(w):
        d = w - jnp.asarray(centre)
        return 0.5 * d @ matrix @ d + 2.5

    (point,) = critical_points(bowl, ((-2.0, 2.0), (-2.0, 2.0)))
    mean, radius = (a + c) / 2, np.hypot((a - c) / 2, b)
    assert point.kind == "minimum" and point.index == 0
    np.testing.assert_allclose(point.w, centre, atol=1e-12)
    np.testing.assert_allclose(point.eigenvalues, (mean - radius, mean + radius), rtol=1e-12)
    assert point.value == pytest.approx(2.5, abs=1e-14)


def test_inverted_bowl_is_a_maximum_of_index_two():
    (point,) = critical_points(lambda w: -(w[0] ** 2 + w[1] ** 2), ((-1.0, 3.0), (-2.0, 1.0)))
    assert point.kind == "maximum" and point.index == 2
    np.testing.assert_allclose(point.eigenvalues, (-2.0, -2.0), rtol=1e-12)


def double_well(w):
    return 0.25 * (w[0] ** 2 - 1) ** 2 + 0.5 * w[1] ** 2


def test_double_well_two_minima_and_a_saddle():
    points = critical_points(double_well, ((-2.0, 2.0), (-1.0, 1.0)))
    assert kinds(points) == ["minimum", "minimum", "saddle"]
    minima = sorted(p.w[0] for p in points if p.kind == "minimum")
    np.testing.assert_allclose(minima, (-1.0, 1.0), atol=1e-12)
    (saddle,) = [p for p in points if p.kind == "saddle"]
    np.testing.assert_allclose(saddle.w, (0.0, 0.0), atol=1e-12)
    # E = ¼(x² − 1)² + ½y²: E(0, 0) = ¼, curvature 3x² − 1 = −1 along x, 1 along y.
    assert saddle.value == pytest.approx(0.25, abs=1e-14)
    np.testing.assert_allclose(saddle.eigenvalues, (-1.0, 1.0), rtol=1e-12)
    np.testing.assert_allclose([p.value for p in points], (0.0, 0.0, 0.25), atol=1e-14)


def test_only_points_strictly_inside_the_bounds():
    (point,) = critical_points(double_well, ((0.5, 1.5), (-1.0, 1.0)))
    np.testing.assert_allclose(point.w, (1.0, 0.0), atol=1e-12)
    # The saddle at the origin sits on the edge of this box: excluded.
    assert [p.kind for p in critical_points(double_well, ((0.0, 1.5), (-1.0, 1.0)))] == ["minimum"]


def test_loss_without_critical_points():
    assert critical_points(lambda w: 2 * w[0] - w[1], ((-1.0, 1.0), (-1.0, 1.0))) == []
    # Exponentially flat far away, but the only critical point is the top of the bump.
    (top,) = critical_points(
        lambda w: jnp.exp(-(w[0] ** 2 + w[1] ** 2)), ((-6.0, 6.0), (-6.0, 6.0))
    )
    assert top.kind == "maximum"
    np.testing.assert_allclose(top.w, (0.0, 0.0), atol=1e-12)


def test_ring_of_minima_is_sampled_not_flooded():
    """E = (x² + y² − 1)²: a maximum at the origin and a whole circle of degenerate minima."""
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    spacing = 0.05 * np.hypot(4.0, 4.0)
    points = critical_points(lambda w: (w[0] ** 2 + w[1] ** 2 - 1) ** 2, bounds)
    (top,) = [p for p in points if p.kind == "maximum"]
    np.testing.assert_allclose(top.eigenvalues, (-4.0, -4.0), rtol=1e-12)
    ring = np.array([p.w for p in points if p.kind != "maximum"])
    assert all(p.kind == "degenerate" and p.index == 0 for p in points if p.kind != "maximum")
    np.testing.assert_allclose(np.linalg.norm(ring, axis=1), 1.0, atol=1e-9)
    # Samples are at least `spacing` apart (so at most 2π / spacing of them on the unit circle)
    # and cover the circle: every direction has one within two spacings.
    distances = np.linalg.norm(ring[:, None] - ring[None], axis=-1) + np.eye(len(ring)) * 1e9
    assert distances.min() > spacing
    for angle in np.linspace(0, 2 * np.pi, 36, endpoint=False):
        direction = np.array([np.cos(angle), np.sin(angle)])
        assert np.min(np.linalg.norm(ring - direction, axis=1)) < 2 * spacing


@pytest.mark.parametrize(
    ("loss", "bounds"),
    [(himmelblau, HIMMELBLAU_BOUNDS), (camel, CAMEL_BOUNDS), (double_well, ((-2, 2), (-1, 1)))],
)
def test_no_duplicates(loss, bounds):
    points = critical_points(loss, bounds)
    ws = np.array([p.w for p in points])
    distances = np.linalg.norm(ws[:, None] - ws[None], axis=-1) + np.eye(len(ws)) * 1e9
    # Distinct critical points of these surfaces are all at least 0.1 apart.
    assert distances.min() > 0.1


# --- brute force: six-hump camel ------------------------------------------------------------------


def test_six_hump_camel_matches_brute_force():
    """15 critical points on [−3, 3] × [−2, 2]: 6 minima, 2 maxima, 7 saddles (found by SciPy)."""
    points = critical_points(camel, CAMEL_BOUNDS)
    reference = brute_force_critical_points(camel_grad, camel_hess, CAMEL_BOUNDS)
    assert len(reference) == 15
    assert_same_points(points, reference)
    assert kinds(points) == ["maximum"] * 2 + ["minimum"] * 6 + ["saddle"] * 7
    for p in points:
        kind, index = classify(np.linalg.eigvalsh(camel_hess(p.w)), tol=1e-6)
        assert (p.kind, p.index) == (kind, index)
    # The global minima (Dixon & Szegő 1978): ±(0.0898, −0.7126), value −1.0316.
    assert points[0].value == pytest.approx(-1.031628453, abs=1e-9)
    assert points[1].value == pytest.approx(-1.031628453, abs=1e-9)
    np.testing.assert_allclose(np.abs(points[0].w), (0.0898, 0.7126), atol=1e-4)


def test_no_zero_of_the_gradient_missed_on_a_fine_grid():
    """Each local minimum of ‖∇E‖ on a fine grid that refines to a root is a found point."""
    (xmin, xmax), (ymin, ymax) = CAMEL_BOUNDS
    xs, ys = np.linspace(xmin, xmax, 301), np.linspace(ymin, ymax, 201)
    grid = np.stack(np.meshgrid(xs, ys, indexing="ij"))
    norms = np.linalg.norm(camel_grad(grid), axis=0)
    interior = norms[1:-1, 1:-1]
    neighbours = [
        norms[1 + dx : 300 + dx, 1 + dy : 200 + dy] for dx in (-1, 0, 1) for dy in (-1, 0, 1)
    ]
    is_local_min = np.all([interior <= n for n in neighbours], axis=0)
    found = np.array([p.w for p in critical_points(camel, CAMEL_BOUNDS)])
    roots = []
    for i, j in zip(*np.nonzero(is_local_min), strict=True):
        sol = root(camel_grad, grid[:, i + 1, j + 1], jac=camel_hess, options={"xtol": 1e-14})
        # Judged by the gradient it reaches: SciPy's `success` also needs its xtol progress test.
        if np.linalg.norm(camel_grad(sol.x)) < 1e-9:
            assert np.min(np.linalg.norm(found - sol.x, axis=1)) < 1e-7, sol.x
            if all(np.linalg.norm(sol.x - r) > 1e-6 for r in roots):
                roots.append(sol.x)
    assert len(roots) == len(found)


# --- traced parameters: no recompiles ------------------------------------------------------------


def shifted_bowl(params, w):
    return (w[0] - params["cx"]) ** 2 + 3 * (w[1] - params["cy"]) ** 2


def test_surface_parameters_are_traced_not_compiled():
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    critical_points(Partial(shifted_bowl, {"cx": 0.0, "cy": 0.0}), bounds)
    compiled = geometry._newton_from_seeds._cache_size()
    for cx, cy in [(0.5, -0.3), (-1.2, 1.1)]:
        (point,) = critical_points(Partial(shifted_bowl, {"cx": cx, "cy": cy}), bounds)
        np.testing.assert_allclose(point.w, (cx, cy), atol=1e-12)
        np.testing.assert_allclose(point.eigenvalues, (2.0, 6.0), rtol=1e-12)
    assert geometry._newton_from_seeds._cache_size() == compiled


def test_bad_bounds_are_rejected():
    with pytest.raises(ValueError, match="bounds"):
        critical_points(double_well, ((1.0, -1.0), (-1.0, 1.0)))
    with pytest.raises(ValueError, match="bounds"):
        critical_points(double_well, ((-np.inf, 1.0), (-1.0, 1.0)))


def test_closed_form_2x2_eigen_decomposition_matches_lapack():
    rng = np.random.default_rng(7)
    matrices = [rng.normal(size=(2, 2)) * 10.0 ** rng.uniform(-6, 6) for _ in range(200)]
    matrices += [np.zeros((2, 2)), np.eye(2), np.diag([3.0, -1.0]), np.diag([-1.0, 3.0])]
    matrices += [np.array([[1e8, 1e-3], [1e-3, 1e8]]), np.array([[0.0, 2.0], [2.0, 0.0]])]
    for m in matrices:
        h = 0.5 * (m + m.T)
        values, vectors = (np.asarray(a) for a in geometry._eigh_2x2(jnp.asarray(h)))
        scale = max(np.abs(h).max(), 1e-300)
        np.testing.assert_allclose(values, np.linalg.eigvalsh(h), rtol=0, atol=1e-14 * scale)
        np.testing.assert_allclose(vectors.T @ vectors, np.eye(2), atol=1e-14)  # orthonormal
        np.testing.assert_allclose(h @ vectors, vectors * values, rtol=0, atol=1e-13 * scale)


def test_a_coordinate_at_round_off_from_zero_is_zero():
    # two minima's saddle is at the origin; Newton stopped at x = 1.08e-106 there
    surface = landscapes.get_surface("two_minima")
    points = critical_points(surface.loss, surface.bounds)
    (saddle,) = [p for p in points if p.kind == "saddle"]
    assert saddle.w.tolist() == [0.0, 0.0]


def _same_points(found, expected):
    """The same points, whatever the order of ties (mirror minima of equal loss)."""
    assert len(found) == len(expected)
    for p in found:
        q = next(q for q in expected if np.allclose(q.w, p.w, atol=1e-9))
        assert q.kind == p.kind
        np.testing.assert_allclose(p.eigenvalues, q.eigenvalues, rtol=1e-9, atol=1e-12)


def test_critical_points_of_each_are_those_found_one_loss_at_a_time():
    """Several surfaces of one kind (different tilts) searched in one call give exactly what
    one search per surface gives, although the batched loop runs until the slowest stops."""
    bounds = ((-2.0, 2.0), (-2.0, 2.0))
    losses = [landscapes.get_surface("two_minima", tilt=t).loss for t in (0.0, 0.2, -0.35)]
    together = geometry.critical_points_of_each(losses, bounds, grid=12, iterations=60)
    assert len(together) == 3
    for loss, found in zip(losses, together, strict=True):
        _same_points(found, critical_points(loss, bounds, grid=12, iterations=60))
    assert [len(f) for f in together] == [3, 3, 3]  # two minima and the saddle between
