"""Cached calls to the core, keyed on plain values, shared by every session of the app.

Pages never call `jax.jit`; they call these functions, which call the core (whose jitted
functions are module-level and compile once per optimizer, surface function and step bucket).
Results are cached with `st.cache_data` (a copy per caller, so a page cannot corrupt another
user's result) under keys made of plain values: a surface is named by a `SurfaceSpec` tuple,
never by a function object.

    spec = catalogue_spec("rosenbrock", {"a": 1.0, "b": 100.0})
    xs, ys, Z = grid(spec, 150)
    traj = trajectory(spec, "adam", (-1.5, 2.5), 300, {"learning_rate": 0.05})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import streamlit as st

import landscapes
import optim
from landscapes.geometry import critical_points as _critical_points
from optim import sweeps

# ("catalogue", name, ((param, value), ...)) or ("formula", text, ((x0, x1), (y0, y1)))
SurfaceSpec = tuple


def catalogue_spec(name: str, params: Mapping[str, float]) -> SurfaceSpec:
    return ("catalogue", name, tuple(sorted((k, float(v)) for k, v in params.items())))


def formula_spec(text: str, bounds) -> SurfaceSpec:
    (x0, x1), (y0, y1) = bounds
    return ("formula", text, ((float(x0), float(x1)), (float(y0), float(y1))))


@st.cache_resource(max_entries=64, show_spinner=False)
def surface(spec: SurfaceSpec):
    """The core surface for `spec` (one object per spec, so its loss compiles once).

    Raises the core's ValueError (`landscapes.FormulaError` for a bad formula)."""
    kind, what, details = spec
    if kind == "catalogue":
        return landscapes.get_surface(what, **dict(details))
    return landscapes.custom_surface(what, details)


@st.cache_data(max_entries=32, show_spinner=False)
def grid(spec: SurfaceSpec, n: int):
    """(xs, ys, Z) of the surface on an n×n grid over its bounds (NaN where not finite)."""
    s = surface(spec)
    return landscapes.loss_grid(s.loss, s.bounds, n)


class Critical(NamedTuple):
    """A critical point as the page shows it."""

    x: float
    y: float
    kind: str  # "minimum", "maximum", "saddle", "degenerate"
    value: float


@st.cache_data(max_entries=32, show_spinner=False)
def critical_points(spec: SurfaceSpec) -> tuple[Critical, ...]:
    """Every critical point inside the surface's box, lowest loss first."""
    s = surface(spec)
    return tuple(
        Critical(float(p.w[0]), float(p.w[1]), p.kind, float(p.value))
        for p in _critical_points(s.loss, s.bounds)
    )


@st.cache_data(max_entries=128, show_spinner=False)
def trajectory(
    spec: SurfaceSpec,
    optimizer: str,
    start: tuple[float, float],
    steps: int,
    settings: Mapping[str, object],
) -> optim.Trajectory:
    """One run of `optimizer` from `start` on the surface; `settings` are the keywords of
    `optim.run` (hyperparameters, schedule, clipping, penalties) as the widgets gave them."""
    s = surface(spec)
    return optim.run(s.loss, np.asarray(start, dtype=float), optimizer, steps, **settings)


def distances_to_nearest(traj: optim.Trajectory, minima) -> np.ndarray | None:
    """‖w_t − w*‖ to the minimum w* (of `minima`) nearest to where the run ended, or None."""
    if not len(minima):
        return None
    candidates = [optim.distance_to(traj, m) for m in minima]
    return min(candidates, key=lambda d: d[-1])


def arrival_step(traj: optim.Trajectory, minima, fraction: float) -> float:
    """The first step from which the run stays within `fraction` of its starting distance to
    the minimum it ends nearest (`distances_to_nearest`); ∞ if it is not there at its last
    step, or diverged, or the surface has no known minimum."""
    distances = distances_to_nearest(traj, minima)
    if distances is None or traj.diverged_at is not None:
        return float("inf")
    return float(sweeps.steps_until_within(distances[:, None], fraction)[0])


@st.cache_resource(show_spinner=False)
def surface_titles() -> dict[str, str]:
    """Catalogue name → title, for the surface picker."""
    return {name: landscapes.get_surface(name).title for name in landscapes.SURFACES}
