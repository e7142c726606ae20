"""GOE statistics against closed forms, exact integrals and dense eigen-decompositions."""

import math

import jax
import numpy as np
import pytest
from scipy.integrate import dblquad, quad, tplquad
from scipy.stats import norm

from landscapes.random_matrices import (
    MAX_N,
    fraction_all_positive,
    goe_eigenvalues,
    goe_indices,
    goe_sample,
    index_histogram,
    tridiagonal_negative_count,
)


def mehta_integral(n):
    """∫ over ℝⁿ of |Δ(λ)| exp(−|λ|²/2) dλ = (2π)^(n/2) ∏ⱼ Γ(1 + j/2)/Γ(3/2) (Mehta, β = 1)."""
    gammas = math.prod(math.gamma(1 + j / 2) / math.gamma(1.5) for j in range(1, n + 1))
    return (2 * math.pi) ** (n / 2) * gammas


def exact_positive_probability(n):
    """P(all eigenvalues > 0) for the GOE from its joint eigenvalue density by quadrature.

    The density ∝ ∏|λᵢ − λⱼ| exp(−Σλ²/4) in the normalisation H = (A + Aᵀ)/√2; the probability
    does not depend on the scale, so exp(−Σλ²/2) and Mehta's integral normalise it. Integrated
    over the ordered sector λ₁ < λ₂ < …, which holds 1/n! of the mass.
    """
    inf = np.inf
    if n == 2:
        mass, _ = dblquad(
            lambda l2, l1: (l2 - l1) * np.exp(-(l1**2 + l2**2) / 2), 0, inf, lambda l1: l1, inf
        )
    elif n == 3:
        mass, _ = tplquad(
            lambda l3, l2, l1: (
                (l2 - l1) * (l3 - l1) * (l3 - l2) * np.exp(-(l1**2 + l2**2 + l3**2) / 2)
            ),
            0,
            inf,
            lambda l1: l1,
            inf,
            lambda l1, l2: l2,
            inf,
            epsabs=1e-9,
            epsrel=1e-8,
        )
    return mass * math.factorial(n) / mehta_integral(n)


def within(estimate, exact, samples, sigmas=4.0):
    stderr = math.sqrt(exact * (1 - exact) / samples)
    return abs(estimate - exact) <= sigmas * stderr


# --- the ensemble --------------------------------------------------------------------------------


def test_goe_sample_has_the_lecture_variances():
    h = np.asarray(goe_sample(0, 4, 50_000))
    assert h.shape == (50_000, 4, 4)
    np.testing.assert_array_equal(h, np.swapaxes(h, -1, -2))
    diagonal = h[:, np.arange(4), np.arange(4)].ravel()
    off_diagonal = h[:, 0, 1:].ravel()
    # Sample variances of n normals have standard error σ²·√(2/n); allow 5 of them.
    assert abs(diagonal.var() - 2.0) < 5 * 2.0 * math.sqrt(2 / diagonal.size)
    assert abs(off_diagonal.var() - 1.0) < 5 * 1.0 * math.sqrt(2 / off_diagonal.size)
    assert abs(np.corrcoef(h[:, 0, 1], h[:, 1, 2])[0, 1]) < 5 / math.sqrt(50_000)


def test_goe_sample_seeds_and_keys():
    np.testing.assert_array_equal(goe_sample(7, 3, 5), goe_sample(jax.random.PRNGKey(7), 3, 5))
    assert not np.allclose(goe_sample(7, 3, 5), goe_sample(8, 3, 5))


def test_goe_eigenvalues_are_those_of_the_sample():
    eigenvalues = goe_eigenvalues(3, 5, 200)
    expected = np.linalg.eigvalsh(np.asarray(goe_sample(3, 5, 200)))
    np.testing.assert_allclose(eigenvalues, expected, atol=1e-12)


def test_tridiagonal_negative_count_is_the_inertia():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 12):
        diagonal = rng.normal(size=(n, 300))
        off_diagonal = rng.normal(size=(n - 1, 300))
        matrices = np.zeros((300, n, n))
        matrices[:, np.arange(n), np.arange(n)] = diagonal.T
        matrices[:, np.arange(n - 1), np.arange(1, n)] = off_diagonal.T
        matrices[:, np.arange(1, n), np.arange(n - 1)] = off_diagonal.T
        expected = np.sum(np.linalg.eigvalsh(matrices) < 0, axis=-1)
        np.testing.assert_array_equal(tridiagonal_negative_count(diagonal, off_diagonal), expected)


@pytest.mark.parametrize("n", [3, 4])
def test_tridiagonal_model_has_the_law_of_the_dense_goe(n):
    """Index histograms: Dumitriu–Edelman counts vs eigvalsh of dense matrices, bin by bin."""
    samples = 100_000
    dense = np.bincount(np.sum(goe_eigenvalues(11, n, samples) < 0, axis=-1), minlength=n + 1)
    tridiagonal = index_histogram(11, n, samples)
    p = (dense + tridiagonal) / (2 * samples)
    # Two independent multinomial counts: var(c₁ − c₂) = 2·S·p(1 − p).
    assert np.all(np.abs(dense - tridiagonal) <= 5 * np.sqrt(2 * samples * p * (1 - p)) + 1)


# --- the statistical argument --------------------------------------------------------------------


def test_one_by_one_is_positive_half_the_time():
    samples = 400_000
    (fraction,) = fraction_all_positive(0, [1], samples).fraction
    assert within(fraction, 0.5, samples)


def test_two_by_two_closed_form():
    """P(both eigenvalues > 0) = (1 − 1/√2)/2 ≈ 0.1464 for the 2 × 2 GOE.

    Derivation: with u = (a + c)/2, v = (a − c)/2 and b the off-diagonal, u, v, b are independent
    N(0, 1); the eigenvalues are u ± r with r = √(v² + b²) Rayleigh distributed, so
    P = P(u > r) = ∫₀^∞ r e^{−r²/2} Φ̄(r) dr = ½ − ∫₀^∞ φ(r) e^{−r²/2} dr = ½ − 1/(2√2).
    """
    closed_form = (1 - 1 / math.sqrt(2)) / 2
    rayleigh_integral, _ = quad(lambda r: r * np.exp(-(r**2) / 2) * norm.sf(r), 0, np.inf)
    assert rayleigh_integral == pytest.approx(closed_form, rel=1e-10)
    assert exact_positive_probability(2) == pytest.approx(closed_form, rel=1e-8)

    samples = 400_000
    (fraction,) = fraction_all_positive(1, [2], samples).fraction
    assert within(fraction, closed_form, samples)


def test_three_by_three_against_the_joint_eigenvalue_density():
    """P₃ = (π − 2√2)/(4π) ≈ 0.02492, checked against quadrature of the joint density."""
    exact = exact_positive_probability(3)
    assert exact == pytest.approx((math.pi - 2 * math.sqrt(2)) / (4 * math.pi), rel=1e-7)
    samples = 400_000
    (fraction,) = fraction_all_positive(2, [3], samples).fraction
    assert within(fraction, exact, samples)


@pytest.mark.parametrize("n", [4, 5, 7])
def test_index_histogram_is_symmetric(n):
    """H and −H have the same law, so k and N − k negative eigenvalues are equally likely."""
    samples = 200_000
    counts = index_histogram(5, n, samples)
    assert counts.shape == (n + 1,) and counts.sum() == samples
    for k in range(n // 2 + 1):
        pair = counts[k] + counts[n - k]
        assert abs(int(counts[k]) - int(counts[n - k])) <= 4 * math.sqrt(pair) + 1


@pytest.mark.parametrize("n", [3, 10, MAX_N])
def test_mean_index_is_half_n(n):
    samples = 50_000
    indices = goe_indices(9, n, samples)
    assert abs(indices.mean() - n / 2) <= 4 * indices.std() / math.sqrt(samples)


def test_fraction_decreases_with_n():
    samples = 1_000_000
    result = fraction_all_positive(4, range(1, 7), samples)
    np.testing.assert_array_equal(result.ns, np.arange(1, 7))
    gaps = -np.diff(result.fraction)
    combined = np.sqrt(result.stderr[:-1] ** 2 + result.stderr[1:] ** 2)
    assert np.all(gaps > 3 * combined)
    assert result.fraction[-1] > 0


def test_fraction_is_the_share_of_index_zero():
    """The early-stopping fraction uses exactly the samples of `goe_indices`."""
    for seed, n in [(0, 2), (3, 3), (5, 4), (6, 9)]:
        (fraction,) = fraction_all_positive(seed, [n], 50_000).fraction
        assert fraction == np.mean(goe_indices(seed, n, 50_000) == 0)


def test_each_n_has_its_own_reproducible_sample():
    alone = fraction_all_positive(8, [3], 20_000)
    together = fraction_all_positive(8, [1, 3, 2], 20_000)
    assert together.fraction[1] == alone.fraction[0]
    assert together.stderr[1] == pytest.approx(
        math.sqrt(alone.fraction[0] * (1 - alone.fraction[0]) / 20_000)
    )


@pytest.mark.parametrize(
    ("seed", "n", "samples"),
    [(0, 0, 10), (0, MAX_N + 1, 10), (0, 2.5, 10), (0, 3, 0), (-1, 3, 10), (0.5, 3, 10)],
)
def test_bad_input_is_rejected(seed, n, samples):
    with pytest.raises(ValueError):
        index_histogram(seed, n, samples)
