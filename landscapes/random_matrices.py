"""Random symmetric matrices as a model of the Hessian at a critical point.

The lecture's statistical argument: if the N eigenvalues of the Hessian at a critical point
behaved like random numbers of mean zero, "all positive" (a minimum) would become rare fast as N
grows, and most critical points would be saddles. The model here is the Gaussian orthogonal
ensemble (GOE): H = (A + Aᵀ)/√2 with A an N × N matrix of independent standard normals, so the
diagonal entries are N(0, 2) and the off-diagonal ones N(0, 1). Its law is invariant under
H → QHQᵀ and under H → −H, so the number of negative eigenvalues k (the index) has the same
law as N − k and mean N/2; the probability that all eigenvalues are positive decays like
exp(−(ln 3 / 4) N²) (Dean & Majumdar 2006, "Large deviations of extreme eigenvalues of random
matrices", PRL 97, 160201). For N = 2 it is (1 − 1/√2)/2 ≈ 0.146.

Counting without eigenvalues. Householder tridiagonalisation of a GOE matrix leaves, in law, a
symmetric tridiagonal matrix with independent entries: diagonal N(0, 2), off-diagonals
χ_{N−1}, χ_{N−2}, …, χ_1 (Dumitriu & Edelman 2002, "Matrix models for beta ensembles", J. Math.
Phys. 43, 5830; β = 1, in this normalisation). By Sylvester's law of inertia the number of
negative eigenvalues of a symmetric tridiagonal matrix equals the number of negative pivots
dₖ = aₖ − cₖ₋₁²/dₖ₋₁ of its LDLᵀ factorisation (the Sturm count used in bisection). So the index
of a GOE sample costs O(N) instead of an O(N³) eigen-decomposition: 50 sizes × 5 000 samples in
a fraction of a second, with the exact GOE law.
"""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

# Importing this module imports the `landscapes` package first, which switches JAX to float64.

MAX_N = 50
MAX_SAMPLES = 1_000_000


def _is_int(value):
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check(n, samples):
    if not (_is_int(n) and 1 <= n <= MAX_N):
        raise ValueError(f"matrix size N must be an integer in 1..{MAX_N}, got {n}")
    if not (_is_int(samples) and 1 <= samples <= MAX_SAMPLES):
        raise ValueError(f"samples must be an integer in 1..{MAX_SAMPLES}, got {samples}")


def _as_key(key_or_seed):
    if _is_int(key_or_seed):
        return jax.random.PRNGKey(int(key_or_seed))
    return key_or_seed


@partial(jax.jit, static_argnums=(1, 2))
def _goe(key, n, samples):
    # The law of (A + Aᵀ)/√2, built from one triangle of A: off-diagonal entries N(0, 1),
    # diagonal √2·N(0, 1). Summing A and Aᵀ under jit is not exactly symmetric (XLA may round
    # aᵢⱼ + aⱼᵢ and aⱼᵢ + aᵢⱼ along different fused paths); mirroring one triangle is.
    a = jax.random.normal(key, (samples, n, n), dtype=jnp.float64)
    strictly_upper = jnp.triu(a, 1)
    diagonal = jnp.sqrt(2.0) * jnp.triu(jnp.tril(a))
    return strictly_upper + jnp.swapaxes(strictly_upper, -1, -2) + diagonal


@partial(jax.jit, static_argnums=(1, 2))
def _goe_eigenvalues(key, n, samples):
    return jnp.linalg.eigvalsh(_goe(key, n, samples))


def goe_sample(key_or_seed, n, samples):
    """``samples`` GOE matrices H = (A + Aᵀ)/√2, A with i.i.d. N(0, 1) entries: (samples, n, n).

    Exactly symmetric, with independent entries Hᵢⱼ ~ N(0, 1) (i < j) and Hᵢᵢ ~ N(0, 2).
    ``key_or_seed`` is a JAX PRNG key or an integer seed.
    """
    _check(n, samples)
    return np.asarray(_goe(_as_key(key_or_seed), n, samples))


def goe_eigenvalues(key_or_seed, n, samples):
    """Eigenvalues (ascending, last axis) of the matrices of ``goe_sample``: (samples, n).

    Batched ``jnp.linalg.eigvalsh``; their histogram tends to Wigner's semicircle on
    [−2√N, 2√N] in this normalisation.
    """
    _check(n, samples)
    return np.asarray(_goe_eigenvalues(_as_key(key_or_seed), n, samples))


def tridiagonal_negative_count(diagonal, off_diagonal):
    """Number of negative eigenvalues of symmetric tridiagonal matrices, by Sylvester's law.

    The LDLᵀ pivots d₁ = a₁, dₖ = aₖ − cₖ₋₁²/dₖ₋₁ have the signs of the eigenvalues' inertia.

    Args:
      diagonal: (N, ...) diagonals a₁ … a_N (trailing axes: a batch).
      off_diagonal: (N − 1, ...) off-diagonals c₁ … c_{N−1}.

    Returns:
      integer array of the batch shape.
    """
    diagonal = np.asarray(diagonal, dtype=float)
    off_squared = np.asarray(off_diagonal, dtype=float) ** 2
    pivot = diagonal[0]
    negative = (pivot < 0).astype(int)
    for a, c2 in zip(diagonal[1:], off_squared, strict=True):
        pivot = a - c2 / pivot
        negative += pivot < 0
    return negative


def _streams(seed, n, samples):
    """Independent generators for the diagonal and the off-diagonal of the (seed, n) sample."""
    _check(n, samples)
    if not (_is_int(seed) and seed >= 0):
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    diagonal_seed, off_diagonal_seed = np.random.SeedSequence([int(seed), int(n)]).spawn(2)
    return np.random.default_rng(diagonal_seed), np.random.default_rng(off_diagonal_seed)


def goe_indices(seed, n, samples):
    """Number of negative eigenvalues (the index) of ``samples`` independent N × N GOE matrices.

    Sampled through the Dumitriu–Edelman tridiagonal model, which has the same eigenvalue law
    as ``goe_sample`` (see the module docstring). The sample for a given (seed, n) does not
    depend on anything else. Returns an integer array of shape (samples,).
    """
    diagonal_rng, off_diagonal_rng = _streams(seed, n, samples)
    diagonal = diagonal_rng.normal(0.0, np.sqrt(2.0), size=(n, samples))
    degrees = np.arange(n - 1, 0, -1)[:, None]  # χ_{N−1}, …, χ_1 down the off-diagonal
    off_diagonal = np.sqrt(off_diagonal_rng.chisquare(degrees, size=(n - 1, samples)))
    return tridiagonal_negative_count(diagonal, off_diagonal)


def _fraction_positive_definite(seed, n, samples):
    """``mean(goe_indices(seed, n, samples) == 0)``, row by row, stopping once none is left.

    The same random numbers in the same order as ``goe_indices``; for N ≳ 8 every sample has met
    a negative pivot after a few rows, so this is much faster than the full count.
    """
    diagonal_rng, off_diagonal_rng = _streams(seed, n, samples)
    pivot = diagonal_rng.normal(0.0, np.sqrt(2.0), size=samples)
    positive = pivot > 0
    for degrees in range(n - 1, 0, -1):
        if not positive.any():
            break
        off_squared = off_diagonal_rng.chisquare(degrees, size=samples)
        pivot = diagonal_rng.normal(0.0, np.sqrt(2.0), size=samples) - off_squared / pivot
        positive &= pivot > 0
    return float(np.mean(positive))


def index_histogram(seed, n, samples):
    """Counts of GOE samples with k = 0, 1, …, n negative eigenvalues: integer array (n + 1,).

    k = 0 are the "minima", k = n the "maxima", everything between a saddle of index k.
    """
    return np.bincount(goe_indices(seed, n, samples), minlength=n + 1)


class PositiveFraction(NamedTuple):
    """Fraction of GOE samples with all eigenvalues positive, per matrix size N.

    ``stderr`` is the binomial standard error √(p(1 − p)/samples). Where no sample was all
    positive (p = 0) it is 0; the true value is then below ≈ 3/samples with 95 % confidence.
    """

    ns: np.ndarray
    fraction: np.ndarray
    stderr: np.ndarray
    samples: int


def fraction_all_positive(seed, ns, samples):
    """For each N in ``ns``, the fraction of N × N GOE matrices that are positive definite.

    Each N gets its own independent ``samples`` matrices (seeded by (seed, N)).
    """
    ns = np.asarray(ns, dtype=int).reshape(-1)
    fraction = np.array([_fraction_positive_definite(seed, int(n), samples) for n in ns])
    stderr = np.sqrt(fraction * (1 - fraction) / samples)
    return PositiveFraction(ns=ns, fraction=fraction, stderr=stderr, samples=samples)
