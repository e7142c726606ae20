"""The Hessian spectrum and loss slices: the exact Hessian against central finite differences of
the gradient, Hessian-vector products against H·v, Lanczos (orthonormal basis, T = QᵀHQ,
extreme eigenvalues against eigh, restarts when the Krylov space closes), stochastic Lanczos
quadrature (exact moments, density and negative fraction against eigh), filter normalisation,
planes, lines and projections against direct evaluation."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from landscapes import networks, spectrum
from landscapes.networks import Architecture


def _trained(widths, steps=300, n=64, activation="tanh", seed=0):
    data = networks.make_data("spirals", n_train=n, n_test=16, noise=0.1, seed=seed)
    arch = Architecture(widths, activation)
    loss, _ = networks.network_losses(data, arch, "cross_entropy")
    w0 = networks.init_weights(arch, "xavier", seed=seed)
    run = networks.train(data, arch, "cross_entropy", w0, "adam", steps, learning_rate=0.02)
    return loss, run.params[-1], arch


@pytest.fixture(scope="module")
def small():
    return _trained((4, 3))  # 2·4+4 + 4·3+3 + 3+1 = 31 weights


@pytest.fixture(scope="module")
def medium():
    return _trained((12, 12), steps=400, n=128)  # 36 + 156 + 13 = 205 weights


def test_exact_hessian_matches_finite_differences(small):
    loss, w, _ = small
    n, h = len(w), 1e-5
    grad = jax.jit(jax.grad(loss))
    columns = [
        (np.asarray(grad(w + h * e)) - np.asarray(grad(w - h * e))) / (2 * h) for e in np.eye(n)
    ]
    finite_difference = 0.5 * (np.array(columns) + np.array(columns).T)
    H = spectrum.exact_hessian(loss, w)
    scale = np.max(np.abs(H))
    np.testing.assert_allclose(H, finite_difference, rtol=0, atol=1e-7 * scale)
    np.testing.assert_allclose(
        spectrum.exact_spectrum(loss, w), np.linalg.eigvalsh(finite_difference), atol=1e-7 * scale
    )
    np.testing.assert_allclose(H, np.asarray(jax.hessian(loss)(w)), rtol=0, atol=1e-13 * scale)


def test_hessian_vector_product_and_eigenpairs(small):
    loss, w, _ = small
    H = spectrum.exact_hessian(loss, w)
    v = np.random.default_rng(0).standard_normal(len(w))
    np.testing.assert_allclose(spectrum.hessian_vector_product(loss, w, v), H @ v, rtol=1e-12)
    values, vectors = spectrum.exact_eigenpairs(loss, w)
    np.testing.assert_allclose(H @ vectors, vectors * values, atol=1e-12 * np.max(np.abs(values)))
    top_values, top_vectors = spectrum.top_eigenvectors(loss, w, k=2)
    np.testing.assert_allclose(top_values, values[::-1][:2])
    np.testing.assert_allclose(H @ top_vectors, top_vectors * top_values, atol=1e-12)


def test_spectra_along_a_run_and_the_index(small):
    loss, w, _ = small
    ws = np.stack([w, 0.5 * w, w + 0.1])
    along = spectrum.spectra_along(loss, ws)
    for row, wk in zip(along, ws, strict=True):
        np.testing.assert_allclose(
            row, np.linalg.eigvalsh(spectrum.exact_hessian(loss, wk)), atol=1e-12
        )
    eigenvalues = np.array([[-2.0, -1e-9, 0.0, 1.0, 3.0], [-1.0, -0.5, 0.1, 0.2, 0.3]])
    np.testing.assert_array_equal(spectrum.negative_count(eigenvalues), [1, 2])
    assert spectrum.negative_count(eigenvalues[0], zero_tol=1e-12) == 2


def test_lanczos_basis_is_orthonormal_and_tridiagonalises(medium):
    loss, w, _ = medium
    result = spectrum.lanczos(loss, w, num_steps=60)
    Q = result.basis
    np.testing.assert_allclose(Q @ Q.T, np.eye(60), atol=1e-12)
    H = spectrum.exact_hessian(loss, w)
    np.testing.assert_allclose(Q @ H @ Q.T, result.tridiagonal(), atol=1e-10 * np.max(np.abs(H)))


def test_extreme_eigenpairs_match_eigh(medium):
    loss, w, _ = medium
    exact = spectrum.exact_spectrum(loss, w)
    scale = np.max(np.abs(exact))
    top, top_vectors = spectrum.extreme_eigenpairs(loss, w, k=3, end="largest")
    bottom, bottom_vectors = spectrum.extreme_eigenpairs(loss, w, k=3, end="smallest")
    np.testing.assert_allclose(top, exact[::-1][:3], rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(bottom, exact[:3], rtol=0, atol=1e-10 * scale)
    with pytest.raises(ValueError, match="end"):
        spectrum.extreme_eigenpairs(loss, w, end="middle")
    H = spectrum.exact_hessian(loss, w)
    for values, vectors in ((top, top_vectors), (bottom, bottom_vectors)):
        np.testing.assert_allclose(H @ vectors, vectors * values, atol=1e-8 * scale)
        np.testing.assert_allclose(vectors.T @ vectors, np.eye(3), atol=1e-10)


def test_top_eigenvectors_beyond_the_exact_limit_use_the_same_extremes(medium, monkeypatch):
    loss, w, _ = medium
    exact_values, _ = spectrum.top_eigenvectors(loss, w, k=2)
    monkeypatch.setattr(spectrum, "EXACT_LIMIT", 0)  # as for a network over the limit
    values, vectors = spectrum.top_eigenvectors(loss, w, k=2)
    np.testing.assert_allclose(values, exact_values, rtol=1e-10)
    assert vectors.shape == (w.shape[0], 2)


def test_lanczos_restarts_when_the_krylov_space_closes():
    # Three distinct eigenvalues, each 10 times: from one start vector the Krylov space has
    # dimension 3; with restarts, 30 steps recover the whole spectrum with its multiplicities.
    A = np.diag(np.repeat([1.0, 2.0, 5.0], 10))
    rotation = np.linalg.qr(np.random.default_rng(1).standard_normal((30, 30)))[0]
    A = rotation @ A @ rotation.T
    result = spectrum.lanczos_matrix(jax.tree_util.Partial(jnp.dot, A), np.ones(30), 30)
    assert np.sum(result.betas == 0.0) == 9  # ten blocks of three: it restarted nine times
    np.testing.assert_allclose(result.ritz()[0], np.repeat([1.0, 2.0, 5.0], 10), atol=1e-12)
    np.testing.assert_allclose(result.basis @ result.basis.T, np.eye(30), atol=1e-12)


def test_quadrature_reproduces_the_moments_of_the_start_vector(medium):
    # Gauss quadrature from m Lanczos steps is exact for polynomials of degree < 2m.
    loss, w, _ = medium
    H = spectrum.exact_hessian(loss, w)
    H = H / np.max(np.abs(np.linalg.eigvalsh(H)))  # moments of a unit-norm matrix stay O(1)
    v = np.random.default_rng(3).standard_normal(len(w))
    v /= np.linalg.norm(v)
    m = 8
    nodes, weights = spectrum.lanczos_matrix(jax.tree_util.Partial(jnp.dot, H), v, m).quadrature()
    assert weights.sum() == pytest.approx(1.0, abs=1e-13)
    moment = v.copy()
    for p in range(2 * m):
        assert np.sum(weights * nodes**p) == pytest.approx(v @ moment, abs=1e-11)
        moment = H @ moment


def test_slq_density_matches_eigh(medium):
    loss, w, _ = medium
    exact = spectrum.exact_spectrum(loss, w)
    quadrature = spectrum.slq(loss, w, num_vectors=30, num_steps=40, seed=0)
    assert quadrature.nodes.shape == quadrature.weights.shape == (30, 40)
    np.testing.assert_allclose(quadrature.weights.sum(axis=1), 1.0, atol=1e-12)
    sigma = 0.02 * (exact[-1] - exact[0])
    grid = np.linspace(exact[0] - 5 * sigma, exact[-1] + 5 * sigma, 600)
    true = spectrum.spectral_density(exact, 1.0 / len(exact), grid, sigma)
    estimate = quadrature.density(grid, sigma)
    dt = grid[1] - grid[0]
    assert np.sum(true) * dt == pytest.approx(1.0, abs=1e-3)
    assert np.sum(np.abs(estimate - true)) * dt < 0.1  # L1 distance of two densities (max 2)
    # The fraction of eigenvalues below a threshold in the bulk, within sampling error.
    threshold = np.median(exact)
    assert quadrature.fraction_below(threshold) == pytest.approx(0.5, abs=0.1)


def test_filter_normalisation(medium):
    _, w, arch = medium
    ids = arch.filter_ids()
    d = spectrum.filter_normalise(spectrum.random_direction(len(w), 0), w, ids)
    np.testing.assert_allclose(
        np.sqrt(np.bincount(ids, weights=d * d)), np.sqrt(np.bincount(ids, weights=w * w))
    )
    zero = spectrum.filter_normalise(spectrum.random_direction(len(w), 1), np.zeros_like(w), ids)
    np.testing.assert_allclose(np.bincount(ids, weights=zero * zero), 1.0)


def test_planes_lines_and_projections(small):
    loss, w, _ = small
    n = len(w)
    rng = np.random.default_rng(5)
    d1, d2 = rng.standard_normal(n), rng.standard_normal(n)
    alphas, betas = np.linspace(-1, 1, 7), np.linspace(-0.5, 0.5, 5)
    Z = spectrum.loss_plane(loss, w, d1, d2, alphas, betas)
    assert Z.shape == (5, 7)
    for i, j in ((0, 0), (2, 3), (4, 6)):
        assert Z[i, j] == pytest.approx(float(loss(w + alphas[j] * d1 + betas[i] * d2)), rel=1e-12)
    # Two chosen weights: the plane changes exactly those two.
    e3, e7 = spectrum.coordinate_direction(n, 3), spectrum.coordinate_direction(n, 7)
    Z = spectrum.loss_plane(loss, w, e3, e7, [0.0, 0.4], [0.0, -0.2])
    moved = w.copy()
    moved[3] += 0.4
    moved[7] -= 0.2
    assert Z[1, 1] == pytest.approx(float(loss(moved)), rel=1e-12)
    assert Z[0, 0] == pytest.approx(float(loss(w)), rel=1e-12)
    w0 = w + rng.standard_normal(n)
    line = spectrum.loss_line(loss, w0, w, [0.0, 0.25, 1.0])
    np.testing.assert_allclose(
        line, [float(loss(w0)), float(loss(0.75 * w0 + 0.25 * w)), float(loss(w))], rtol=1e-12
    )
    coefficients = np.array([[0.3, -1.2], [2.0, 0.5]])
    points = w + coefficients @ np.stack([d1, d2])
    np.testing.assert_allclose(spectrum.plane_coordinates(points, w, d1, d2), coefficients)
    with pytest.raises(ValueError, match="at most"):
        spectrum.loss_plane(loss, w, d1, d2, np.zeros(102), np.zeros(3))


def test_largest_rise():
    assert spectrum.largest_rise([3.0, 2.0, 2.0, 1.0]) == 0.0
    assert spectrum.largest_rise([3.0, 1.0, 2.5, 0.5, 1.0]) == pytest.approx(1.5)
    assert spectrum.largest_rise([1.0, np.nan, 4.0]) == pytest.approx(3.0)
