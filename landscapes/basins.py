"""Where an optimizer goes from where: basins of attraction, escaping a saddle, the local model.

Basins of attraction. Every start w₀ of a grid over the box is run with one optimizer, all
starts in one vmapped call (`optim.run_batch`), and labelled by the critical point its run ends
next to. For gradient descent the basins of two minima meet along the stable manifold of the
saddle between them: a start exactly on it slides into the saddle and stays (Goodfellow,
Bengio & Courville 2016, §8.2.3, the picture of two minima and a saddle).

Escaping a saddle. Near a saddle w_s the loss is close to its quadratic model; along the
eigenvector u of a negative eigenvalue λ_u < 0 a deviation y grows under gradient descent as

    y ← y − ε λ_u y = (1 + ε|λ_u|) y,

and along the eigenvector s of λ_s > 0 it shrinks by 1 − ελ_s. Started at distance d from the
stable manifold (the line through w_s along s), gradient descent needs about

    T(d) ≈ log(r/d) / log(1 + ε|λ_u|)

steps to leave the ball of radius r around the saddle: the time near the saddle grows like
log(1/d) and has no bound as d → 0. On E = x² − y² (λ_u = −2) the factor is 1 + 2ε. The starts
sit on the line through the saddle along u: where the stable manifold is curved (it is a
gradient-flow line, tangent to s only at the saddle), a start off the saddle along s would
already be a fixed distance from it, and the log(1/d) law would stop at that distance. Newton's
step −H⁻¹∇E jumps to the critical point of the quadratic model, whatever its kind, so it is
drawn into the saddle; saddle-free Newton scales by |H|⁻¹ (the eigenvalues' absolute values),
which turns the attraction along u into repulsion (Dauphin et al. 2014, "Identifying and
attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS).

The local quadratic model. At any point w₀, E(w₀ + Δ) ≈ E(w₀) + gᵀΔ + ½ΔᵀHΔ with g = ∇E(w₀)
and H the Hessian there (Taylor's theorem; Goodfellow et al. 2016, eq. 4.8). It is exact for a
quadratic loss; otherwise its error is of third order in ‖Δ‖.

A loss is any callable ``loss(w)``; jitted functions here take it as a
``jax.tree_util.Partial`` (a plain function is wrapped), so a surface's parameters are traced.
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

import optim
from optim.run import as_loss_pytree

# Importing `optim` switches JAX to float64 (the escape sweeps start 10⁻¹⁰ from a saddle).

BASIN_GRID = 50  # starts per axis of a basin map
SETTLE_FRACTION = 0.02  # a run has settled when it ends this close to a critical point
UNSETTLED = -1  # label of a start whose run ended near no critical point
DIVERGED = -2  # label of a start whose run diverged
CURVATURE_GRID = 24  # points per axis where the box's largest curvature is sought


def _diagonal(bounds) -> float:
    (x0, x1), (y0, y1) = bounds
    return float(np.hypot(x1 - x0, y1 - y0))


# --- basins of attraction --------------------------------------------------------------------


def start_grid(bounds, n: int = BASIN_GRID):
    """Starts at the centres of an n × n tiling of the box (none on its edge).

    Returns ``(xs (n,), ys (n,), starts (n·n, 2))`` with ``starts[i·n + j] = (xs[j], ys[i])``,
    so a per-start array reshaped to (n, n) has rows along y (Plotly's heatmap convention).
    """
    (x0, x1), (y0, y1) = bounds
    fractions = (np.arange(n) + 0.5) / n
    xs = x0 + fractions * (x1 - x0)
    ys = y0 + fractions * (y1 - y0)
    starts = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1).reshape(-1, 2)
    return xs, ys, starts


def label_by_nearest(ends, targets, radius, diverged=None) -> np.ndarray:
    """The index of the target nearest to each end point, if it lies within ``radius``.

    Args:
      ends: (B, 2) end points.
      targets: (k, 2) critical points (k may be 0).
      radius: largest distance at which an end counts as arrived.
      diverged: optional (B,) bool; those ends get ``DIVERGED`` whatever their position.

    Returns:
      (B,) ints: a target index, ``UNSETTLED`` (−1) or ``DIVERGED`` (−2).
    """
    ends = np.asarray(ends, dtype=float).reshape(-1, 2)
    targets = np.asarray(targets, dtype=float).reshape(-1, 2)
    labels = np.full(len(ends), UNSETTLED, dtype=int)
    if len(targets):
        distances = np.linalg.norm(ends[:, None, :] - targets[None, :, :], axis=-1)
        nearest = np.argmin(distances, axis=1)
        arrived = distances[np.arange(len(ends)), nearest] <= radius
        labels = np.where(arrived, nearest, UNSETTLED)
    if diverged is not None:
        labels = np.where(np.asarray(diverged, dtype=bool), DIVERGED, labels)
    return labels


class BasinMap(NamedTuple):
    """Which critical point each start of a grid ends at.

    ``labels[i, j]`` belongs to the start ``(xs[j], ys[i])``: an index into ``targets``,
    ``UNSETTLED`` or ``DIVERGED``. ``ends`` are the last (valid) points of the runs.
    """

    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray  # (n, n) int
    ends: np.ndarray  # (n, n, 2)
    targets: np.ndarray  # (k, 2)
    radius: float
    steps: int


def basin_map(loss, bounds, targets, optimizer, steps, *, n=BASIN_GRID, radius=None, **settings):
    """The basins of attraction of ``optimizer`` on a grid of starts over ``bounds``.

    All n² runs are one ``optim.run_batch`` call (one compiled, vmapped scan); each end point
    is then labelled by the nearest of ``targets`` (the critical points, of any kind) within
    ``radius`` (default 2 % of the box diagonal). A start exactly on the boundary between two
    basins of gradient descent runs into the saddle on that boundary and is labelled by it.

    Args:
      loss: callable ``loss(w)`` for w of shape (2,), or a ``Partial``.
      bounds: ``((xmin, xmax), (ymin, ymax))``.
      targets: (k, 2) critical points to label by.
      optimizer: a name of ``optim.OPTIMIZERS``.
      steps: steps per run.
      n: starts per axis (static: a new value compiles once).
      **settings: the optimizer's hyperparameters, as for ``optim.run``.

    Returns:
      a ``BasinMap``.
    """
    xs, ys, starts = start_grid(bounds, n)
    batch = optim.run_batch(loss, starts, optimizer, steps, **settings)
    diverged = batch.diverged_at >= 0
    # The runner pads a diverged run with its last good point; that is where it ended.
    ends = batch.params[:, -1, :]
    radius = SETTLE_FRACTION * _diagonal(bounds) if radius is None else float(radius)
    labels = label_by_nearest(ends, targets, radius, diverged)
    return BasinMap(
        xs,
        ys,
        labels.reshape(n, n),
        ends.reshape(n, n, 2),
        np.reshape(targets, (-1, 2)),
        radius,
        steps,
    )


def basin_shares(labels, k: int) -> np.ndarray:
    """Fraction of the starts labelled 0 … k − 1, then unsettled, then diverged: (k + 2,)."""
    labels = np.asarray(labels).ravel()
    counts = [np.sum(labels == i) for i in range(k)]
    counts += [np.sum(labels == UNSETTLED), np.sum(labels == DIVERGED)]
    return np.asarray(counts, dtype=float) / max(labels.size, 1)


# --- escaping a saddle -----------------------------------------------------------------------


class SaddleFrame(NamedTuple):
    """A saddle of a 2-D loss in its own axes: the unstable eigenvector (λ_u < 0) and the
    stable one (λ_s > 0), unit vectors."""

    centre: np.ndarray  # (2,)
    unstable: np.ndarray  # (2,)
    stable: np.ndarray  # (2,)
    unstable_curvature: float  # λ_u < 0
    stable_curvature: float  # λ_s > 0


def saddle_frame(centre, eigenvalues, eigenvectors) -> SaddleFrame:
    """The axes of a first-order saddle of a 2-D loss from its Hessian eigen-decomposition
    (eigenvalues ascending, eigenvectors as columns, as ``landscapes.hessian_eig`` gives).

    Raises ValueError unless exactly one eigenvalue is negative and one positive.
    """
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    eigenvectors = np.asarray(eigenvectors, dtype=float)
    if eigenvalues.shape != (2,) or not (eigenvalues[0] < 0 < eigenvalues[1]):
        raise ValueError(f"a first-order saddle of a 2-D loss needs λ₁ < 0 < λ₂, got {eigenvalues}")
    return SaddleFrame(
        np.asarray(centre, dtype=float).copy(),
        eigenvectors[:, 0] / np.linalg.norm(eigenvectors[:, 0]),
        eigenvectors[:, 1] / np.linalg.norm(eigenvectors[:, 1]),
        float(eigenvalues[0]),
        float(eigenvalues[1]),
    )


def escape_starts(frame: SaddleFrame, distances, offset=0.0) -> np.ndarray:
    """Starts w_s + offset·s + d·u: ``offset`` along the stable direction, at distance d
    (each of ``distances``) from the stable direction's line. Returns (D, 2)."""
    distances = np.asarray(distances, dtype=float).reshape(-1, 1)
    return frame.centre + offset * frame.stable + distances * frame.unstable


def steps_near(params, centre, radius, diverged_at=None) -> np.ndarray:
    """How many iterates w_0 … w_T of each run lie within ``radius`` of ``centre``.

    Args:
      params: (B, T + 1, 2) runs (padded after divergence, as ``optim.run_batch`` gives).
      centre: (2,).
      radius: the neighbourhood's radius r (‖w_t − centre‖ < r counts).
      diverged_at: optional (B,) step at which each run diverged, −1 for none; the padding
        from that step on does not count.

    Returns:
      (B,) ints.
    """
    params = np.asarray(params, dtype=float)
    inside = np.linalg.norm(params - np.asarray(centre, dtype=float), axis=-1) < radius
    if diverged_at is not None:
        diverged_at = np.asarray(diverged_at)
        steps = np.arange(params.shape[1])
        inside &= ~((diverged_at[:, None] >= 0) & (steps[None, :] >= diverged_at[:, None]))
    return inside.sum(axis=1)


class EscapeSweep(NamedTuple):
    """One optimizer started at each distance d from a saddle's stable manifold.

    ``steps_near[i]``: iterates within r of the saddle (of ``steps`` + 1); ``escaped[i]``:
    whether run i ended outside that ball (else it was still there, or came back, at the end:
    its count is a lower bound). ``params`` (D, steps + 1, 2) and ``loss`` (D, steps + 1): the
    runs, float32, padded after divergence like ``optim.run_batch``'s.
    """

    optimizer: str
    distances: np.ndarray
    starts: np.ndarray
    steps_near: np.ndarray
    escaped: np.ndarray
    diverged_at: np.ndarray
    params: np.ndarray
    loss: np.ndarray
    radius: float
    steps: int


def escape_sweep(
    loss, frame: SaddleFrame, optimizer, distances, radius, steps, *, offset=0.0, **settings
):
    """Steps spent within ``radius`` of a saddle by ``optimizer``, for each start distance d.

    Starts are ``escape_starts(frame, distances, offset)``: by default d from the saddle along
    its unstable direction u (see the module docstring). All runs are one ``optim.run_batch``
    call. ``settings`` are the optimizer's hyperparameters.
    """
    starts = escape_starts(frame, distances, offset)
    batch = optim.run_batch(loss, starts, optimizer, steps, **settings)
    counts = steps_near(batch.params, frame.centre, radius, batch.diverged_at)
    last = np.array([batch.trajectory(i).params[-1] for i in range(len(batch))])
    escaped = np.linalg.norm(last - frame.centre, axis=-1) >= radius
    return EscapeSweep(
        batch.optimizer,
        np.asarray(distances, dtype=float),
        starts,
        counts,
        escaped,
        batch.diverged_at,
        batch.params.astype(np.float32),
        batch.loss.astype(np.float32),
        float(radius),
        steps,
    )


def gd_escape_estimate(distances, radius, learning_rate, unstable_curvature):
    """log(r/d) / log(1 + ε|λ_u|): gradient descent's steps to leave the ball of radius r from
    distance d off the stable manifold, on the quadratic model of the saddle."""
    distances = np.asarray(distances, dtype=float)
    return np.log(radius / distances) / np.log1p(learning_rate * abs(unstable_curvature))


# --- the local quadratic model ---------------------------------------------------------------


@jax.jit
def _value_gradient_hessian(loss, w):
    value, gradient = jax.value_and_grad(loss)(w)
    h = jax.hessian(loss)(w)
    return value, gradient, 0.5 * (h + h.T)


class QuadraticModel(NamedTuple):
    """E(w₀ + Δ) ≈ value + gradientᵀΔ + ½ΔᵀHΔ around ``centre`` = w₀."""

    centre: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray

    def __call__(self, points) -> np.ndarray:
        """The model at ``points`` of shape (..., 2)."""
        delta = np.asarray(points, dtype=float) - self.centre
        curvature = np.einsum("...a,ab,...b->...", delta, self.hessian, delta)
        return self.value + delta @ self.gradient + 0.5 * curvature


def quadratic_model(loss, w0) -> QuadraticModel:
    """The second-order Taylor model of ``loss`` at ``w0``: value, gradient and Hessian there."""
    w0 = np.asarray(w0, dtype=float)
    value, gradient, h = _value_gradient_hessian(as_loss_pytree(loss), jnp.asarray(w0))
    return QuadraticModel(w0.copy(), float(value), np.asarray(gradient), np.asarray(h))


def quadratic_model_grid(loss, w0, bounds, n: int = 100):
    """The quadratic model of ``loss`` at ``w0`` on an n × n grid over ``bounds``.

    Returns ``(xs, ys, Z)`` with ``Z[i, j]`` the model at ``(xs[j], ys[i])``, the layout of
    ``landscapes.loss_grid``, so the two can be compared point by point.
    """
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    points = np.stack(np.meshgrid(xs, ys, indexing="xy"), axis=-1)
    return xs, ys, quadratic_model(loss, w0)(points)


def window(centre, half_width, bounds):
    """The square of half-width ``half_width`` around ``centre``, shifted to lie in ``bounds``
    where it fits (and cut to them where it does not)."""
    limits = []
    for c, (low, high) in zip(np.asarray(centre, dtype=float), bounds, strict=True):
        half = min(half_width, (high - low) / 2)
        start = min(max(c - half, low), high - 2 * half)
        limits.append((float(start), float(start + 2 * half)))
    return tuple(limits)


# --- a learning rate that suits the box ------------------------------------------------------


@jax.jit
def _largest_curvatures(loss, points):
    def at(w):
        h = jax.hessian(loss)(w)
        return jnp.max(jnp.abs(jnp.linalg.eigvalsh(0.5 * (h + h.T))))

    return jax.vmap(at)(points)


def largest_curvature(loss, bounds, n: int = CURVATURE_GRID) -> float:
    """The largest |λ| of the Hessian over an n × n grid of the box (grid edges included).

    Gradient descent is stable where ε < 2/λ_max; the box's steepest curvature bounds the
    learning rate that is safe everywhere in it. Non-finite values are ignored; 1.0 when there
    is no curvature at all (a plane).
    """
    (x0, x1), (y0, y1) = bounds
    grid = np.stack(np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n)), -1)
    values = np.asarray(_largest_curvatures(as_loss_pytree(loss), jnp.asarray(grid.reshape(-1, 2))))
    values = values[np.isfinite(values)]
    largest = float(values.max()) if values.size else 0.0
    return largest if largest > 0 else 1.0


# --- good and poor local minima: a tilted double well ---------------------------------------


def double_well(p, w):
    """E(w) = ¼(w² − 1)² + t·w for w of shape (1,): two minima near w = ±1; for t > 0 the
    left one is the lower (the section y = 0 of the surface "two_minima")."""
    return 0.25 * (w[0] ** 2 - 1.0) ** 2 + p["tilt"] * w[0]


def double_well_critical_points(tilt: float) -> tuple[np.ndarray, np.ndarray]:
    """(minima, maxima) of the double well, each sorted by loss (lowest first): the real
    roots of E′(w) = w³ − w + t, split by E″(w) = 3w² − 1. Two minima and a maximum between
    them while |t| < 2/(3√3) ≈ 0.385."""
    roots = np.roots([1.0, 0.0, -1.0, float(tilt)])
    real = np.sort(roots[np.abs(roots.imag) < 1e-9].real)
    loss = 0.25 * (real**2 - 1.0) ** 2 + tilt * real
    order = np.argsort(loss)
    real = real[order]
    curvature = 3.0 * real**2 - 1.0
    return real[curvature > 0], real[curvature < 0]


class WellRuns(NamedTuple):
    """Gradient descent on the double well from several starts."""

    starts: np.ndarray  # (n,)
    paths: np.ndarray  # (n, steps + 1) positions w_t
    loss: np.ndarray  # (n, steps + 1) E(w_t)
    ends_in: np.ndarray  # (n,) index into the minima (0 = the good, lower one), or UNSETTLED
    minima: np.ndarray  # (k,) sorted by loss, lowest first


def double_well_runs(tilt: float, starts, learning_rate: float, steps: int) -> WellRuns:
    """Gradient descent w ← w − ε E′(w) from each start (one vmapped call), and which minimum
    each run ends in (within 1 % of the distance between the minima)."""
    minima, _ = double_well_critical_points(tilt)
    starts = np.asarray(starts, dtype=np.float64).ravel()
    loss = Partial(double_well, {"tilt": jnp.float64(tilt)})
    batch = optim.run_batch(loss, starts[:, None], "gd", steps, learning_rate=float(learning_rate))
    paths = batch.params[:, :, 0]
    radius = 0.01 * (np.ptp(minima) if len(minima) > 1 else 1.0)
    distances = np.abs(paths[:, -1:] - minima[None, :])
    nearest = np.argmin(distances, axis=1)
    labels = np.where(distances[np.arange(len(starts)), nearest] <= radius, nearest, UNSETTLED)
    labels = np.where(batch.diverged_at >= 0, DIVERGED, labels)
    return WellRuns(starts, paths, batch.loss, labels, minima)
