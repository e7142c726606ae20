"""An optimizer's path as the figures need it, and the geometry of the internals overlay.

`OptimizerPath` holds NumPy arrays only (no JAX): the page converts a core `Trajectory` with
`OptimizerPath.from_trajectory`. The rows are steps t = 0..n; a run that diverged stops at its
last good point, and `diverged_at` records the step at which it left.

The internals overlay draws, at the current step of each optimizer, the downhill direction −g,
the velocity v_t = w_t − w_{t−1} (the step just taken), and, for RMSProp/Adam-like rules, the
per-coordinate root second moment (√r_x, √r_y) as an axis-aligned ellipse: the step divides
each gradient coordinate by that size, so a wide ellipse means a small effective learning rate
along x. Gradient and √r share one length scale (both are gradient units); the velocity has
its own. Lengths are relative: `ARROW_FRACTION` of the plot for a typical value (95th
percentile), capped at `ARROW_CAP` times that so one huge gradient cannot hide the others.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

ARROW_FRACTION = 0.12
ARROW_CAP = 2.5
ELLIPSE_POINTS = 12


class OptimizerPath(NamedTuple):
    """One optimizer's run, as arrays: positions (n+1, 2), losses (n+1,), gradients (n+1, 2),
    velocity and second moment (n+1, 2) or None."""

    name: str
    label: str
    params: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    velocity: np.ndarray | None = None
    second_moment: np.ndarray | None = None
    diverged_at: int | None = None

    @classmethod
    def from_trajectory(cls, traj, label: str) -> OptimizerPath:
        """From a core `optim.Trajectory` (read by attribute: no import of the core here)."""
        internals = traj.internals or {}
        return cls(
            traj.optimizer,
            label,
            np.asarray(traj.params),
            np.asarray(traj.loss),
            np.asarray(traj.grad),
            _optional(internals.get("v")),
            _optional(internals.get("r")),
            traj.diverged_at,
        )

    @property
    def last_step(self) -> int:
        return len(self.params) - 1


def _optional(values) -> np.ndarray | None:
    return None if values is None else np.asarray(values)


def at_steps(values: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """values[t] for each t in `steps`, holding the last row once the run has ended."""
    return values[np.minimum(steps, len(values) - 1)]


def length_scale(vectors: list[np.ndarray], plot_size: float) -> float:
    """Plot units per vector unit: a typical (95th-percentile) norm becomes ARROW_FRACTION of
    the plot. Vectors of shape (..., 2); non-finite rows are ignored."""
    norms = np.concatenate([np.linalg.norm(v.reshape(-1, 2), axis=1) for v in vectors] or [[]])
    norms = norms[np.isfinite(norms) & (norms > 0)]
    if norms.size == 0:
        return 0.0
    return ARROW_FRACTION * plot_size / float(np.percentile(norms, 95))


def arrow_segments(tails: np.ndarray, vectors: np.ndarray, scale: float, plot_size: float):
    """Segments tail → tail + scale·vector for tails and vectors of shape (..., k, 2), as
    (..., 3k, 2) rows (tail, head, NaN), each drawn length capped at
    ARROW_CAP·ARROW_FRACTION·plot_size. A non-finite vector gives an invisible segment."""
    tails = np.asarray(tails, dtype=float)
    drawn = scale * np.asarray(vectors, dtype=float)
    norms = np.linalg.norm(drawn, axis=-1, keepdims=True)
    limit = ARROW_CAP * ARROW_FRACTION * plot_size
    heads = tails + drawn * np.minimum(1.0, limit / np.maximum(norms, 1e-300))
    gap = np.full_like(heads, np.nan)
    rows = np.stack([tails, heads, gap], axis=-2)
    return rows.reshape(*rows.shape[:-3], -1, 2)


def ellipse_outlines(centres: np.ndarray, radii: np.ndarray, scale: float, plot_size: float):
    """Axis-aligned ellipses with semi-axes scale·radii (each capped like an arrow) around
    `centres`; centres and radii of shape (..., k, 2), NaN-separated outlines as
    (..., (ELLIPSE_POINTS + 2)·k, 2) rows."""
    angle = np.linspace(0.0, 2.0 * np.pi, ELLIPSE_POINTS + 1)
    circle = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    centres = np.asarray(centres, dtype=float)
    semi_axes = np.minimum(scale * np.asarray(radii, float), ARROW_CAP * ARROW_FRACTION * plot_size)
    outlines = centres[..., None, :] + semi_axes[..., None, :] * circle
    gap = np.full((*centres.shape[:-1], 1, 2), np.nan)
    rows = np.concatenate([outlines, gap], axis=-2)
    return rows.reshape(*rows.shape[:-3], -1, 2)
