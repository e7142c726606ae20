"""The Hessian spectrum of a loss in many dimensions, and the loss along lines and planes.

At weights w the Hessian H_ab = ∂²E/∂w_a∂w_b has N eigenvalues; the number k of negative ones is
the index of the point (a minimum has k = 0, a saddle of order k goes down in k directions).
Three ways to get at them, for networks of growing size:

* Exact: build H (N Hessian-vector products, one per column) and diagonalise it with `eigh`,
  O(N³). Fine up to a few thousand weights.
* Lanczos (Lanczos 1950; Golub & Van Loan, "Matrix Computations", §10.1): from a unit vector q₁
  build an orthonormal basis q₁ … q_m of the Krylov space span{q₁, Hq₁, …, H^{m−1}q₁} in which
  H is tridiagonal, T = QᵀHQ with diagonal α_i = q_iᵀHq_i and off-diagonal β_i. The eigenvalues
  of the small T (Ritz values) approach the extreme eigenvalues of H after m ≪ N steps, each
  step one Hessian-vector product. In floating point the qᵢ lose orthogonality as Ritz values
  converge, so every new vector is orthogonalised against all previous ones, twice (full
  reorthogonalisation; "twice is enough", Parlett). If the Krylov space closes (β ≈ 0, H has
  few distinct eigenvalues), the iteration restarts from a random vector orthogonal to the
  basis, and T gets a zero off-diagonal there.
* Stochastic Lanczos quadrature (Golub & Meurant 2010; Ubaru, Chen & Saad 2017; Ghorbani,
  Krishnan & Xiao 2019 for neural networks): for a random unit vector v, m Lanczos steps from v
  give nodes θ_j (Ritz values) and weights τ_j = (first component of T's j-th eigenvector)² with
  Σ_j τ_j f(θ_j) ≈ vᵀf(H)v, exactly for polynomials f of degree < 2m. With v a normalised
  Rademacher vector, E[vᵀf(H)v] = tr f(H)/N, so averaging over a few vectors estimates the
  spectral density φ(t) = (1/N) Σ_i δ(t − λ_i), smoothed here by a Gaussian of width σ.

A Hessian-vector product Hv = d/dε ∇E(w + εv) is forward-mode differentiation of the gradient
(Pearlmutter 1994): about the cost of two or three gradients, without ever forming H.

Slices: the loss on the plane w + αd₁ + βd₂ through w (directions: two weight axes, random
directions normalised filter by filter as in Li, Xu, Taylor, Studer & Goldstein 2018, or the top
two Hessian eigenvectors) and along the line (1 − t)w₀ + t·w₁ from the initial to the final
weights (Goodfellow, Vinyals & Saxe 2015). Every grid is one vmapped, jitted call.

A loss is any callable `loss(w)` of w of shape (N,); as everywhere in the lab it is passed to
jit as a pytree (a `jax.tree_util.Partial`, a `NetworkLoss`), so new data never recompile.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.sparse.linalg
from jax.tree_util import Partial

from optim.run import as_loss_pytree

EXACT_LIMIT = 1500  # up to this many weights the page diagonalises H exactly
ZERO_TOL = 1e-6  # |λ| ≤ ZERO_TOL·max|λ| counts as zero (flat) when counting negative eigenvalues
_BREAKDOWN = 1e-10  # β below this fraction of ‖H‖ means the Krylov space has closed
_COLUMN_BATCH = 128  # Hessian columns computed at once (bounds the memory of the exact path)


def _as_vector(w) -> jax.Array:
    w = jnp.asarray(w, dtype=jnp.float64)
    if w.ndim != 1 or w.shape[0] == 0:
        raise ValueError(f"weights must be a vector of shape (N,), got shape {w.shape}")
    return w


# --- Hessian-vector products and the exact spectrum -----------------------------------------


def hvp(loss, w, v):
    """Hv, the Hessian of `loss` at w times v: the directional derivative of the gradient."""
    return jax.jvp(jax.grad(loss), (w,), (v,))[1]


_hvp = jax.jit(hvp)
_grad = jax.jit(lambda loss, w: jax.grad(loss)(w))


def hessian_vector_product(loss, w, v) -> np.ndarray:
    """Hv at w (both of shape (N,)), without forming H: one jitted forward-over-reverse pass."""
    return np.asarray(_hvp(as_loss_pytree(loss), _as_vector(w), _as_vector(v)))


def gradient(loss, w) -> np.ndarray:
    """∇E(w), jitted (the reference cost for a Hessian-vector product)."""
    return np.asarray(_grad(as_loss_pytree(loss), _as_vector(w)))


def _full_hessian(loss, w):
    # Column by column, H e_i, in batches: jax.hessian's forward-over-reverse, with bounded memory.
    columns = jax.lax.map(
        lambda e: hvp(loss, w, e), jnp.eye(w.shape[0], dtype=w.dtype), batch_size=_COLUMN_BATCH
    )
    return 0.5 * (columns + columns.T)


_hessian = jax.jit(_full_hessian)
_eigvalsh = jax.jit(lambda loss, w: jnp.linalg.eigvalsh(_full_hessian(loss, w)))
_eigh = jax.jit(lambda loss, w: jnp.linalg.eigh(_full_hessian(loss, w)))


@jax.jit
def _eigvalsh_along(loss, ws_KxD):
    return jax.lax.map(lambda w: jnp.linalg.eigvalsh(_full_hessian(loss, w)), ws_KxD)


def exact_hessian(loss, w) -> np.ndarray:
    """The (N, N) Hessian at w, symmetrised: N Hessian-vector products with the unit vectors."""
    return np.asarray(_hessian(as_loss_pytree(loss), _as_vector(w)))


def exact_spectrum(loss, w) -> np.ndarray:
    """All N eigenvalues of the Hessian at w, ascending (`eigvalsh` of the exact Hessian)."""
    return np.asarray(_eigvalsh(as_loss_pytree(loss), _as_vector(w)))


def exact_eigenpairs(loss, w) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ascending and the eigenvectors as columns, (N,) and (N, N)."""
    values, vectors = _eigh(as_loss_pytree(loss), _as_vector(w))
    return np.asarray(values), np.asarray(vectors)


def spectra_along(loss, ws) -> np.ndarray:
    """The exact spectrum at every row of ws (K, N): shape (K, N), one jitted call (the
    Hessians are built one after the other, so the memory is that of one)."""
    ws = jnp.asarray(ws, dtype=jnp.float64)
    if ws.ndim != 2:
        raise ValueError(f"ws must have shape (K, N), got {ws.shape}")
    return np.asarray(_eigvalsh_along(as_loss_pytree(loss), ws))


def negative_count(eigenvalues, zero_tol: float = ZERO_TOL) -> np.ndarray:
    """The index: how many eigenvalues lie below −zero_tol·max|λ| (per row for (K, N))."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    scale = np.max(np.abs(eigenvalues), axis=-1, keepdims=True)
    return np.sum(eigenvalues < -zero_tol * scale, axis=-1)


# --- Lanczos --------------------------------------------------------------------------------


def _orthogonalise(z, Q):
    # Classical Gram–Schmidt against every row of Q (rows not yet filled are zero), twice.
    for _ in range(2):
        z = z - Q.T @ (Q @ z)
    return z


def _lanczos(matvec, v0, key, num_steps: int):
    """α (m,), β (m−1,) and the basis Q (m, N) of m = num_steps Lanczos steps from v0."""
    n = v0.shape[0]
    Q = jnp.zeros((num_steps + 1, n), dtype=v0.dtype).at[0].set(v0 / jnp.linalg.norm(v0))

    def restart(Q, i):  # a random unit vector orthogonal to the basis so far
        r = _orthogonalise(jax.random.normal(jax.random.fold_in(key, i), (n,), Q.dtype), Q)
        return r / jnp.linalg.norm(r)

    def step(carry, i):
        Q, scale = carry
        q = Q[i]
        z = matvec(q)
        alpha = q @ z
        z = _orthogonalise(z, Q)
        beta = jnp.linalg.norm(z)
        scale = jnp.maximum(scale, jnp.maximum(jnp.abs(alpha), beta))
        closed = beta <= _BREAKDOWN * scale
        q_next = jax.lax.cond(closed, restart, lambda Q, i: z / jnp.where(closed, 1.0, beta), Q, i)
        Q = Q.at[i + 1].set(q_next)
        return (Q, scale), (alpha, jnp.where(closed, 0.0, beta))

    (Q, _), (alphas, betas) = jax.lax.scan(
        step, (Q, jnp.zeros((), v0.dtype)), jnp.arange(num_steps)
    )
    return alphas, betas[:-1], Q[:num_steps]


def _hvp_operator(loss, w, v):
    return hvp(loss, w, v)


@functools.partial(jax.jit, static_argnames=("num_steps",))
def _lanczos_jit(matvec, v0, key, num_steps):
    return _lanczos(matvec, v0, key, num_steps)


class Lanczos(NamedTuple):
    """m Lanczos steps: T = tridiag(β, α, β) = QᵀHQ with the orthonormal basis Q (rows)."""

    alphas: np.ndarray  # (m,)
    betas: np.ndarray  # (m−1,)
    basis: np.ndarray  # (m, N)

    def tridiagonal(self) -> np.ndarray:
        return np.diag(self.alphas) + np.diag(self.betas, 1) + np.diag(self.betas, -1)

    def ritz(self) -> tuple[np.ndarray, np.ndarray]:
        """Ritz values (ascending) and Ritz vectors as columns (N, m)."""
        values, vectors = np.linalg.eigh(self.tridiagonal())
        return values, self.basis.T @ vectors

    def quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        """Gauss quadrature nodes θ_j (the Ritz values) and weights τ_j (first components of
        T's eigenvectors, squared): Σ_j τ_j θ_jᵖ = q₁ᵀHᵖq₁ for p < 2m."""
        values, vectors = np.linalg.eigh(self.tridiagonal())
        return values, vectors[0] ** 2


def _check_steps(num_steps: int, n: int) -> int:
    if isinstance(num_steps, bool) or not isinstance(num_steps, (int, np.integer)):
        raise ValueError(f"num_steps must be a whole number, got {num_steps!r}")
    if num_steps < 2:
        raise ValueError(f"num_steps must be at least 2, got {num_steps}")
    return min(int(num_steps), n)  # N steps already span the whole space


def lanczos_matrix(matvec, v0, num_steps: int, seed: int = 0) -> Lanczos:
    """Lanczos with full reorthogonalisation for any symmetric operator `matvec` (a callable,
    passed as a pytree) from the start vector v0 (shape (N,)); at most N steps."""
    v0 = _as_vector(v0)
    m = _check_steps(num_steps, v0.shape[0])
    alphas, betas, basis = _lanczos_jit(
        as_loss_pytree(matvec), v0, jax.random.PRNGKey(seed), num_steps=m
    )
    return Lanczos(np.asarray(alphas), np.asarray(betas), np.asarray(basis))


def lanczos(loss, w, num_steps: int = 80, seed: int = 0) -> Lanczos:
    """Lanczos on the Hessian of `loss` at w (Hessian-vector products only), from a random
    normal start vector drawn with `seed`."""
    w = _as_vector(w)
    v0 = jax.random.normal(jax.random.PRNGKey(seed), w.shape, jnp.float64)
    return lanczos_matrix(Partial(_hvp_operator, as_loss_pytree(loss), w), v0, num_steps, seed)


def extreme_eigenpairs(loss, w, k: int = 2, end: str = "largest", seed: int = 0, tol=1e-12):
    """The k largest (descending) or smallest (ascending) eigenvalues of the Hessian at w, with
    unit eigenvectors as columns (N, k).

    ARPACK's implicitly restarted Lanczos (`scipy.sparse.linalg.eigsh`; Lehoucq, Sorensen &
    Yang 1998) on the jitted Hessian-vector product: it keeps a small basis and restarts it
    towards the wanted eigenvalues, so it converges to ``tol`` with fewer products than the
    fixed m steps of `lanczos` above (`bench.hessian` measures both). `lanczos` stays for what
    needs the whole Krylov basis: Ritz values as they converge, and `slq`."""
    which = {"largest": "LA", "smallest": "SA"}
    if end not in which:
        raise ValueError(f"end must be 'largest' or 'smallest', got {end!r}")
    w = _as_vector(w)
    n = w.shape[0]
    k = min(int(k), n - 1)
    if k < 1:
        raise ValueError(f"need at least two weights and k ≥ 1, got N = {n}, k = {k}")
    hessian = scipy.sparse.linalg.LinearOperator(
        (n, n), matvec=lambda v: hessian_vector_product(loss, w, v.ravel()), dtype=np.float64
    )
    v0 = np.random.default_rng(seed).standard_normal(n)
    values, vectors = scipy.sparse.linalg.eigsh(hessian, k=k, which=which[end], v0=v0, tol=tol)
    order = np.argsort(values)[::-1] if end == "largest" else np.argsort(values)
    return values[order], vectors[:, order]


# --- stochastic Lanczos quadrature ----------------------------------------------------------


def _quadrature(alphas, betas):
    t = jnp.diag(alphas) + jnp.diag(betas, 1) + jnp.diag(betas, -1)
    nodes, vectors = jnp.linalg.eigh(t)
    return nodes, vectors[0] ** 2


@functools.partial(jax.jit, static_argnames=("num_steps", "num_vectors"))
def _slq(loss, w, key, num_steps, num_vectors):
    n = w.shape[0]
    operator = Partial(_hvp_operator, loss, w)

    def one(key):
        start_key, restart_key = jax.random.split(key)
        v = jax.random.rademacher(start_key, (n,), dtype=w.dtype) / jnp.sqrt(n)
        alphas, betas, _ = _lanczos(operator, v, restart_key, num_steps)
        return _quadrature(alphas, betas)

    return jax.vmap(one)(jax.random.split(key, num_vectors))


class Quadrature(NamedTuple):
    """Stochastic Lanczos quadrature: per start vector, nodes θ (V, m) and weights τ (V, m)
    with Σ_j τ_vj = 1. The spectral measure (1/N) Σ_i δ(t − λ_i) is estimated by
    (1/V) Σ_v Σ_j τ_vj δ(t − θ_vj)."""

    nodes: np.ndarray
    weights: np.ndarray

    def density(self, grid, sigma: float) -> np.ndarray:
        """The estimated spectral density on `grid`, smoothed by a Gaussian of width σ."""
        return spectral_density(
            self.nodes.ravel(), self.weights.ravel() / len(self.nodes), grid, sigma
        )

    def fraction_below(self, threshold: float) -> float:
        """The estimated fraction of eigenvalues below `threshold`."""
        return float(np.sum(self.weights[self.nodes < threshold]) / len(self.nodes))


def slq(loss, w, num_vectors: int = 8, num_steps: int = 60, seed: int = 0) -> Quadrature:
    """Stochastic Lanczos quadrature of the Hessian at w from `num_vectors` normalised Rademacher
    vectors, `num_steps` Lanczos steps each, in one jitted call."""
    w = _as_vector(w)
    m = _check_steps(num_steps, w.shape[0])
    if isinstance(num_vectors, bool) or not isinstance(num_vectors, (int, np.integer)):
        raise ValueError(f"num_vectors must be a whole number, got {num_vectors!r}")
    if num_vectors < 1:
        raise ValueError(f"num_vectors must be at least 1, got {num_vectors}")
    nodes, weights = _slq(
        as_loss_pytree(loss), w, jax.random.PRNGKey(seed), num_steps=m, num_vectors=int(num_vectors)
    )
    return Quadrature(np.asarray(nodes), np.asarray(weights))


def spectral_density(eigenvalues, weights, grid, sigma: float) -> np.ndarray:
    """Σ_i w_i N(t; λ_i, σ²) on `grid`: with weights 1/N, the Gaussian-smoothed spectral
    density of the eigenvalues λ_i (it integrates to Σ_i w_i)."""
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    w = np.broadcast_to(np.asarray(weights, dtype=float), lam.shape).ravel()
    t = np.asarray(grid, dtype=float)
    kernel = np.exp(-0.5 * ((t[:, None] - lam[None, :]) / sigma) ** 2)
    return kernel @ w / (sigma * np.sqrt(2 * np.pi))


# --- directions, planes and lines -----------------------------------------------------------


def coordinate_direction(n: int, index: int) -> np.ndarray:
    """The unit vector e_index of weight space ℝⁿ: moving along it changes one weight."""
    if not 0 <= index < n:
        raise ValueError(f"weight index must be in 0 … {n - 1}, got {index}")
    e = np.zeros(n)
    e[index] = 1.0
    return e


def random_direction(n: int, seed: int) -> np.ndarray:
    """A standard normal direction in ℝⁿ."""
    return np.random.default_rng([seed, 3]).standard_normal(n)


def filter_normalise(direction, w, filter_ids) -> np.ndarray:
    """Li et al. (2018)'s filter normalisation: the part of `direction` on every filter (the
    weights sharing a `filter_ids` value: for an MLP, a neuron's incoming weights and bias) is
    rescaled to the norm of the same filter in w, so that a step α along the direction changes
    every neuron by the same fraction α of its size, whatever the scale of its weights.

    A filter whose weights are all zero (zero initialisation) keeps a part of norm 1, so the
    direction never vanishes."""
    d = np.asarray(direction, dtype=float)
    w = np.asarray(w, dtype=float)
    ids = np.asarray(filter_ids)
    d_norm = np.sqrt(np.bincount(ids, weights=d * d))
    w_norm = np.sqrt(np.bincount(ids, weights=w * w))
    target = np.where(w_norm > 0, w_norm, 1.0)
    return d * (target / np.where(d_norm > 0, d_norm, 1.0))[ids]


def top_eigenvectors(loss, w, k: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """The k largest Hessian eigenvalues at w (descending) and their unit eigenvectors (N, k):
    exact up to `EXACT_LIMIT` weights, ARPACK's Lanczos beyond (`extreme_eigenpairs`)."""
    w = _as_vector(w)
    if w.shape[0] <= EXACT_LIMIT:
        values, vectors = exact_eigenpairs(loss, w)
        return values[::-1][:k], vectors[:, ::-1][:, :k]
    return extreme_eigenpairs(loss, w, k, "largest")


@jax.jit
def _plane(loss, center, d1, d2, alphas, betas):
    def at(a, b):
        return loss(center + a * d1 + b * d2)

    return jax.vmap(lambda b: jax.vmap(lambda a: at(a, b))(alphas))(betas)


@jax.jit
def _line(loss, w_from, w_to, ts):
    return jax.vmap(lambda t: loss((1.0 - t) * w_from + t * w_to))(ts)


MAX_PLANE = 101


def loss_plane(loss, center, d1, d2, alphas, betas) -> np.ndarray:
    """E(center + α d₁ + β d₂) on the grid alphas × betas: shape (len(betas), len(alphas)) (row
    = β, Plotly's convention), one vmapped, jitted call; non-finite values come back as NaN."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    if max(len(alphas), len(betas)) > MAX_PLANE:
        raise ValueError(f"a loss plane has at most {MAX_PLANE}×{MAX_PLANE} points")
    z = np.asarray(
        _plane(
            as_loss_pytree(loss),
            _as_vector(center),
            _as_vector(d1),
            _as_vector(d2),
            jnp.asarray(alphas),
            jnp.asarray(betas),
        )
    )
    return np.where(np.isfinite(z), z, np.nan)


def loss_line(loss, w_from, w_to, ts) -> np.ndarray:
    """E((1 − t)·w_from + t·w_to) for every t of `ts` (t = 0 at w_from, 1 at w_to)."""
    z = np.asarray(
        _line(
            as_loss_pytree(loss),
            _as_vector(w_from),
            _as_vector(w_to),
            jnp.asarray(ts, dtype=jnp.float64),
        )
    )
    return np.where(np.isfinite(z), z, np.nan)


def largest_rise(values) -> float:
    """The highest wall met walking along `values` in order: max over t of E(t) − min_{s≤t} E(s).
    Zero when the loss never goes up on the way (NaN values are skipped)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0
    return float(np.max(values - np.minimum.accumulate(values)))


def plane_coordinates(ws, center, d1, d2) -> np.ndarray:
    """(α, β) of the point of the plane center + αd₁ + βd₂ nearest to each row of ws (T, N):
    the least-squares projection (d₁ and d₂ need not be orthogonal). Shape (T, 2)."""
    basis = np.stack([np.asarray(d1, float), np.asarray(d2, float)], axis=1)
    offsets = np.atleast_2d(np.asarray(ws, float)) - np.asarray(center, float)
    coefficients, *_ = np.linalg.lstsq(basis, offsets.T, rcond=None)
    return coefficients.T
