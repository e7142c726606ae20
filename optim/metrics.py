"""Numbers that summarise a trajectory: distance to a point, steps to a tolerance, path length."""

from __future__ import annotations

import numpy as np

from optim.run import BatchTrajectory, Trajectory


def distance_to(traj: Trajectory, point) -> np.ndarray:
    """‖w_t − point‖ for every step t."""
    return np.linalg.norm(traj.params - np.asarray(point, dtype=float), axis=-1)


def first_below(values, tol: float) -> int | None:
    """The first index where values ≤ tol, or None."""
    hits = np.flatnonzero(np.asarray(values) <= tol)
    return int(hits[0]) if hits.size else None


def steps_to_tolerance(traj: Trajectory, tol: float, *, point=None, reference_loss: float = 0.0):
    """First step t with ‖w_t − point‖ ≤ tol (when `point` is given), else with
    E(w_t) − reference_loss ≤ tol; None if the run never gets there."""
    if point is not None:
        return first_below(distance_to(traj, point), tol)
    return first_below(traj.loss - reference_loss, tol)


def path_length(traj: Trajectory) -> float:
    """Σ_t ‖w_{t+1} − w_t‖: how far the optimizer walked."""
    return float(np.sum(np.linalg.norm(np.diff(traj.params, axis=0), axis=-1)))


def final_loss(traj: Trajectory) -> float:
    return float(traj.loss[-1])


def batch_steps_to_tolerance(
    batch: BatchTrajectory, tol: float, *, point=None, reference_loss: float = 0.0
) -> np.ndarray:
    """`steps_to_tolerance` for every run of a batch at once: (B,) floats, inf where a run
    never gets there (or diverged first)."""
    if point is not None:
        gap = np.linalg.norm(batch.params - np.asarray(point, dtype=float), axis=-1)
    else:
        gap = batch.loss - reference_loss
    below = gap <= tol
    # a diverged run's padded tail repeats its last point: it does not count as arriving
    steps = np.arange(gap.shape[1])
    dead = (batch.diverged_at[:, None] >= 0) & (steps[None, :] >= batch.diverged_at[:, None])
    below &= ~dead
    first = np.argmax(below, axis=1).astype(float)
    return np.where(below.any(axis=1), first, np.inf)
