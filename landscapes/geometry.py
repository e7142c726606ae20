"""The local geometry of a loss: Hessian, its eigen-decomposition, and all critical points.

At a point w the Hessian is H_ab = ∂²E/∂w_a∂w_b. Where the gradient vanishes, the signs of the
eigenvalues of H say what kind of point it is: all positive, a minimum; all negative, a maximum;
k negative and the rest positive, a saddle of index (order) k, from which the loss goes down in
k independent directions; an eigenvalue of zero, a degenerate point whose kind the second
derivatives cannot decide (the monkey saddle x³ − 3xy² at the origin, where H = 0). Reference:
Goodfellow, Bengio & Courville (2016) "Deep Learning", §4.3.1.

A loss is any callable ``loss(w)`` of a vector w of shape (d,). Every jitted function here takes
it as a ``jax.tree_util.Partial`` argument: its parameters are traced, so a surface whose
parameters change (a slider) is not compiled again. A plain function is wrapped in
``Partial(fn)`` and compiles once per function object.
"""

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from optim.run import as_loss_pytree

# Importing this module imports the `landscapes` package first, which switches JAX to float64:
# Newton's method below relies on it to reach gradients of ~1e-14 relative to the loss scale.

KINDS = ("minimum", "maximum", "saddle", "degenerate")


def _symmetric_hessian(loss, w):
    # Automatic differentiation gives H up to round-off asymmetry; eigh wants it exactly symmetric.
    h = jax.hessian(loss)(w)
    return 0.5 * (h + h.T)


_hessian = jax.jit(_symmetric_hessian)


@jax.jit
def _hessian_eig(loss, w):
    return jnp.linalg.eigh(_symmetric_hessian(loss, w))


def hessian(loss, w):
    """The Hessian H_ab = ∂²E/∂w_a∂w_b of ``loss`` at ``w`` (shape (d,)), as a (d, d) array.

    Computed by automatic differentiation (``jax.hessian``) and symmetrised, ½(H + Hᵀ).
    """
    return np.asarray(_hessian(as_loss_pytree(loss), jnp.asarray(w, dtype=jnp.float64)))


def hessian_eig(loss, w):
    """Eigenvalues of the Hessian at ``w`` in ascending order, and the eigenvectors as columns.

    H = Q diag(λ) Qᵀ; column ``Q[:, i]`` is the direction of curvature ``λ[i]``.
    Returns ``(eigenvalues (d,), eigenvectors (d, d))`` as NumPy arrays.
    """
    eigenvalues, eigenvectors = _hessian_eig(
        as_loss_pytree(loss), jnp.asarray(w, dtype=jnp.float64)
    )
    return np.asarray(eigenvalues), np.asarray(eigenvectors)


class CriticalPoint(NamedTuple):
    """A point where the gradient of the loss vanishes, with what the Hessian says about it.

    ``index`` is the number of negative Hessian eigenvalues (the number of directions in which
    the loss goes down); ``eigenvectors`` holds the directions as columns, in the order of the
    ascending ``eigenvalues``.
    """

    w: np.ndarray
    value: float
    eigenvalues: np.ndarray
    kind: str
    index: int
    grad_norm: float
    eigenvectors: np.ndarray | None = None


def classify(eigenvalues, tol):
    """Kind and index of a critical point from its Hessian eigenvalues.

    An eigenvalue with |λ| ≤ ``tol`` counts as zero and makes the point "degenerate"; otherwise
    all λ > 0 is a "minimum", all λ < 0 a "maximum", mixed signs a "saddle". The index is the
    number of eigenvalues below −tol. Returns ``(kind, index)``.
    """
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    index = int(np.sum(eigenvalues < -tol))
    if np.any(np.abs(eigenvalues) <= tol):
        return "degenerate", index
    if index == 0:
        return "minimum", index
    if index == eigenvalues.size:
        return "maximum", index
    return "saddle", index


# Backtracking candidates for the Newton step length: 1, 1/2, ..., 1/128.
_STEP_FRACTIONS = 2.0 ** -np.arange(8)
# Eigenvalues below this fraction of the largest |λ| are treated as zero in the pseudo-inverse.
_PINV_RCOND = 1e-13


def _eigh_2x2(h):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric 2×2 matrix, in closed
    form: λ = m ∓ √(d² + b²) with m, d the half sum and half difference of the diagonal and b
    the off-diagonal; the larger eigenvalue's eigenvector is at angle ½·atan2(2b, a − c).

    Same accuracy as LAPACK's `eigh` (absolute error ~ machine ε · ‖H‖), but a few arithmetic
    operations instead of a library call per matrix: the critical-point search below
    eigen-decomposes a Hessian per seed and iteration, where `jnp.linalg.eigh` cost a quarter
    of the search's time."""
    a, b, c = h[0, 0], h[0, 1], h[1, 1]
    mean, radius = 0.5 * (a + c), jnp.hypot(0.5 * (a - c), b)
    angle = 0.5 * jnp.arctan2(2.0 * b, a - c)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    return jnp.stack([mean - radius, mean + radius]), jnp.array([[-sin, cos], [cos, sin]])


def _newton_step(loss, w, max_step):
    """The pseudo-inverse Newton step d = −H⁺∇E at w (of shape (2,)), shortened to at most
    ``max_step``.

    Returns the step, the gradient and the eigen-decomposition of H it used.
    """
    grad = jax.grad(loss)(w)
    eigenvalues, eigenvectors = _eigh_2x2(_symmetric_hessian(loss, w))
    # A safe pseudo-inverse: where H is (nearly) singular, step only in the directions it can
    # resolve instead of dividing by ~0.
    invertible = jnp.abs(eigenvalues) > _PINV_RCOND * jnp.max(jnp.abs(eigenvalues))
    inverse = jnp.where(invertible, 1.0 / jnp.where(invertible, eigenvalues, 1.0), 0.0)
    step = -eigenvectors @ (inverse * (eigenvectors.T @ grad))
    length = jnp.linalg.norm(step)
    shortened = step * jnp.minimum(1.0, max_step / jnp.maximum(length, 1e-300))
    return shortened, grad, eigenvalues, eigenvectors


def _grad_norm_squared(loss, w):
    merit = jnp.sum(jax.grad(loss)(w) ** 2)
    return jnp.where(jnp.isfinite(merit), merit, jnp.inf)


def _damped_newton_update(loss, w, max_step):
    """One damped Newton step on ∇E = 0.

    The Newton direction goes downhill on the merit ½‖∇E‖² (its slope along d is −‖∇E‖² where
    H is invertible), whatever the kind of the critical point ahead, so backtracking on ‖∇E‖²
    makes the iteration robust far away and keeps the full step (quadratic convergence) close by.
    """
    step, grad, _, _ = _newton_step(loss, w, max_step)
    candidates = w + jnp.asarray(_STEP_FRACTIONS)[:, None] * step
    merits = jax.vmap(_grad_norm_squared, in_axes=(None, 0))(loss, candidates)
    best = jnp.argmin(merits)
    improves = merits[best] < jnp.sum(grad**2)
    return jnp.where(improves, candidates[best], w)


def _point_report(loss, w):
    step, grad, eigenvalues, eigenvectors = _newton_step(loss, w, jnp.inf)
    return loss(w), jnp.linalg.norm(grad), jnp.linalg.norm(step), eigenvalues, eigenvectors


@jax.jit
def _newton_from_seeds(loss, seeds_SxD, iterations, max_step, still):
    """Damped Newton from every seed at once; the geometry at the seeds and at the end points.

    Stops after ``iterations``, or earlier once no seed moves more than ``still`` in a step.
    """
    update = jax.vmap(_damped_newton_update, in_axes=(None, 0, None))

    def moving(state):
        step, _, largest_move = state
        return (step < iterations) & (largest_move > still)

    def iterate(state):
        step, ws, _ = state
        new_ws = update(loss, ws, max_step)
        return step + 1, new_ws, jnp.max(jnp.linalg.norm(new_ws - ws, axis=-1))

    _, ends_SxD, _ = jax.lax.while_loop(moving, iterate, (0, seeds_SxD, jnp.inf))
    report = jax.vmap(_point_report, in_axes=(None, 0))
    _, seed_grad_norms, _, seed_eigenvalues, _ = report(loss, seeds_SxD)
    values, grad_norms, step_norms, eigenvalues, eigenvectors = report(loss, ends_SxD)
    seed_curvatures = jnp.max(jnp.abs(seed_eigenvalues), axis=-1)
    return (
        ends_SxD,
        values,
        grad_norms,
        step_norms,
        eigenvalues,
        eigenvectors,
        seed_grad_norms,
        seed_curvatures,
    )


# Several losses (stacked pytrees) searched at once: the Newton loop runs until the last of
# them stops moving.
_newton_from_seeds_of_each = jax.jit(
    jax.vmap(_newton_from_seeds, in_axes=(0, None, None, None, None))
)


def _finite_scale(values, reduce):
    values = np.asarray(values)[np.isfinite(values)]
    scale = reduce(values) if values.size else 0.0
    return float(scale) if scale > 0 else 1.0


def critical_points(loss, bounds, grid=40, iterations=100, zero_tol=1e-6, degenerate_spacing=0.05):
    """Every critical point of a 2-D loss strictly inside ``bounds``, sorted by loss value.

    Method: Newton's method on ∇E = 0, w ← w − H⁻¹∇E, from a ``grid`` × ``grid`` array of seeds
    covering the box, all seeds at once in one jitted, vmapped loop. H⁻¹ is a pseudo-inverse
    where H is singular; steps are capped at a quarter of the box diagonal and backtracked on
    ‖∇E‖². Newton converges quadratically to a non-degenerate critical point, whatever its kind,
    and linearly to a degenerate one, hence up to ``iterations`` = 100 (the loop ends earlier
    once no seed moves more than 10⁻¹² box diagonals in a step).

    A seed's end point counts as a critical point when its gradient norm is below 10⁻⁸ of the
    largest gradient norm over the seeds and its next Newton step below 10⁻⁸ of the box diagonal
    (a small gradient on a nearly flat plateau still has a long Newton step, so it is rejected).
    End points within 10⁻⁶ box diagonals of each other are the same point; end points within
    10⁻⁹ box diagonals of an edge of the box count as on it, hence outside. An eigenvalue with
    |λ| ≤ ``zero_tol`` times the typical curvature (median spectral norm of H over the seeds)
    counts as zero and makes the point "degenerate". Degenerate points closer than
    ``degenerate_spacing`` box diagonals are merged too: where the critical points are not
    isolated (a ring or a line of minima) the result is a sample along them.

    Args:
      loss: callable ``loss(w)`` for w of shape (2,), or a ``Partial``.
      bounds: ``((xmin, xmax), (ymin, ymax))``.
      grid: seeds per axis (static: a new value compiles once).
      iterations: Newton iterations per seed.
      zero_tol: relative tolerance for a zero eigenvalue.
      degenerate_spacing: least distance between two degenerate points, in box diagonals.

    Returns:
      list of ``CriticalPoint``, sorted by ``value`` (ties by position).
    """
    lows, highs, seeds = _seed_grid(bounds, grid, iterations)
    diagonal = float(np.linalg.norm(highs - lows))
    found = _newton_from_seeds(
        as_loss_pytree(loss), jnp.asarray(seeds), iterations, 0.25 * diagonal, 1e-12 * diagonal
    )
    return _collect([np.asarray(a) for a in found], lows, highs, zero_tol, degenerate_spacing)


def critical_points_of_each(
    losses, bounds, grid=40, iterations=100, zero_tol=1e-6, degenerate_spacing=0.05
):
    """`critical_points` of several losses of one kind (pytrees of one structure and shapes:
    minibatches of one size, say) in one compiled call that searches them all at once: one
    loop of Newton iterations for all, instead of one loop each. A list per loss.

    The number of losses is part of the compiled program's shape: pass a constant number
    (repeat one) where it would otherwise change."""
    lows, highs, seeds = _seed_grid(bounds, grid, iterations)
    diagonal = float(np.linalg.norm(highs - lows))
    trees = [as_loss_pytree(loss) for loss in losses]
    if not trees:
        return []
    stacked = jax.tree_util.tree_map(lambda *leaves: jnp.stack(leaves), *trees)
    found = [
        np.asarray(a)
        for a in _newton_from_seeds_of_each(
            stacked, jnp.asarray(seeds), iterations, 0.25 * diagonal, 1e-12 * diagonal
        )
    ]
    return [
        _collect([a[k] for a in found], lows, highs, zero_tol, degenerate_spacing)
        for k in range(len(trees))
    ]


def _seed_grid(bounds, grid, iterations):
    """The box's corners and the seeds at the centres of a grid × grid tiling of it."""
    (xmin, xmax), (ymin, ymax) = bounds
    lows = np.array([xmin, ymin], dtype=float)
    highs = np.array([xmax, ymax], dtype=float)
    if not (np.all(np.isfinite(lows)) and np.all(np.isfinite(highs)) and np.all(lows < highs)):
        raise ValueError(f"bounds must be finite with xmin < xmax and ymin < ymax, got {bounds}")
    if grid < 2 or iterations < 1:
        raise ValueError(
            f"need grid ≥ 2 and iterations ≥ 1, got grid={grid}, iterations={iterations}"
        )
    fractions = (np.arange(grid) + 0.5) / grid
    xs = lows[0] + fractions * (highs[0] - lows[0])
    ys = lows[1] + fractions * (highs[1] - lows[1])
    return lows, highs, np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1).reshape(-1, 2)


def _collect(found, lows, highs, zero_tol, degenerate_spacing) -> list[CriticalPoint]:
    """The critical points among the seeds' end points (see `critical_points`)."""
    ends, values, grad_norms, step_norms, eigenvalues, eigenvectors, seed_grads, seed_curv = found
    diagonal = float(np.linalg.norm(highs - lows))
    grad_tol = 1e-8 * _finite_scale(seed_grads, np.max)
    edge = 1e-9 * diagonal
    eigen_tol = zero_tol * _finite_scale(seed_curv, np.median)

    converged = (
        np.all(np.isfinite(ends), axis=1)
        & np.isfinite(values)
        & (grad_norms <= grad_tol)
        & (step_norms <= 1e-8 * diagonal)
        # strictly inside: a point on an edge (within round-off of it) is left out
        & np.all((ends > lows + edge) & (ends < highs - edge), axis=1)
    )
    # Keep the best-converged seed of each point: visit candidates by increasing gradient norm.
    # Degenerate points may form a continuum (a valley floor of equal loss); a sample of it,
    # spaced `degenerate_spacing` box diagonals apart, shows it without thousands of markers.
    order = np.array([i for i in np.argsort(grad_norms, kind="stable") if converged[i]], int)
    degenerate = np.any(np.abs(eigenvalues[order]) <= eigen_tol, axis=1)
    # Greedy, vectorised: keep the first remaining candidate, drop every candidate that is the
    # same point as it (within 1e-6 diagonals, or `degenerate_spacing` when both are
    # degenerate), repeat. Same result as comparing each candidate with all kept ones.
    kept, remaining = [], np.arange(order.size)
    while remaining.size:
        first = remaining[0]
        kept.append(order[first])
        radius = np.where(degenerate[first] & degenerate[remaining], degenerate_spacing, 1e-6)
        distance = np.linalg.norm(ends[order[remaining]] - ends[order[first]], axis=1)
        remaining = remaining[distance > radius * diagonal]
    classes = {i: classify(eigenvalues[i], eigen_tol) for i in kept}

    # A coordinate within round-off of zero is zero (Newton may stop at 1e-106 instead of 0),
    # so that labels and links read "(0, 0)".
    ends = np.where(np.abs(ends) < 1e-12 * diagonal, 0.0, ends)
    points = [
        CriticalPoint(
            w=ends[i].copy(),
            value=float(values[i]),
            eigenvalues=eigenvalues[i].copy(),
            kind=classes[i][0],
            index=classes[i][1],
            grad_norm=float(grad_norms[i]),
            eigenvectors=eigenvectors[i].copy(),
        )
        for i in kept
    ]
    return sorted(points, key=lambda p: (p.value, p.w[0], p.w[1]))


# --- searches the pages run on every slider move -------------------------------------------


def eigenbasis(loss, point) -> tuple[np.ndarray, np.ndarray]:
    """Hessian eigenvalues at ``point`` (ascending) and eigenvectors as columns, oriented.

    ``eigh`` returns each eigenvector up to its sign; here every column but the last has a
    non-negative first non-zero component and the last one makes det Q = +1 (a rotation), so
    that a basis which turns with the loss (a ravine's angle) turns continuously.
    """
    lams, q = hessian_eig(loss, np.asarray(point, dtype=float))
    q = np.array(q)
    for i in range(q.shape[1] - 1):
        leading = q[np.flatnonzero(np.abs(q[:, i]) > 1e-12)[0], i]
        q[:, i] *= np.sign(leading)
    if np.linalg.det(q) < 0:
        q[:, -1] *= -1
    return np.asarray(lams), q


# Newton seeds per axis and iterations for the critical points of a minibatch surface: a
# page draws several such surfaces per slider move, so a coarser search than the default
# (40 × 40 seeds, 100 iterations); tests/unit/test_noise.py checks it finds the same points.
# Checked on 252 minibatch surfaces (3 data sets, B = 1, 2, 4, …, 32, 7 minibatches, 2 seeds):
# every minimum and saddle of the thorough search is found (8 iterations miss 4 of them, 4
# miss 44); only samples of continua of degenerate points (B = 1) differ. The Newton loop runs
# until no seed moves, and some seed on a flat stretch always does: the iterations are what
# the search costs (12 cost half of 20, and 8 × 8 seeds 2.3 times less than 10 × 10).
SURFACE_SEARCH_GRID = 8
SURFACE_SEARCH_ITERATIONS = 12


def surface_critical_points(loss, bounds) -> list[CriticalPoint]:
    """The critical points of a 2-D (minibatch) loss inside `bounds`, by
    `critical_points` with `SURFACE_SEARCH_GRID`² seeds and
    `SURFACE_SEARCH_ITERATIONS` Newton iterations."""
    return critical_points(
        loss, bounds, grid=SURFACE_SEARCH_GRID, iterations=SURFACE_SEARCH_ITERATIONS
    )


def surface_critical_points_of_each(losses, bounds, slots: int) -> list[list[CriticalPoint]]:
    """`surface_critical_points` of several minibatch losses of one size in one search
    (`critical_points_of_each`). The search always holds `slots` losses (the
    first repeated to fill it), so a number of minibatches that changes with the batch size
    compiles nothing new."""
    losses = list(losses)
    if not 1 <= len(losses) <= slots:
        raise ValueError(f"need 1 to {slots} losses, got {len(losses)}")
    padded = losses + [losses[0]] * (slots - len(losses))
    found = critical_points_of_each(
        padded, bounds, grid=SURFACE_SEARCH_GRID, iterations=SURFACE_SEARCH_ITERATIONS
    )
    return found[: len(losses)]
