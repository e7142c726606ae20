"""Cached core calls of the page "Minima and saddles" (its newer tabs)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

from landscapes import basins

WELL_STARTS = np.linspace(-1.9, 1.9, 39)  # one shape for every setting: compiles once
WELL_STEPS = 300
WELL_GRID = np.linspace(-2.0, 2.0, 401)


class Well(NamedTuple):
    w: np.ndarray  # the curve's grid
    E: np.ndarray  # E(w) on it
    runs: basins.WellRuns  # gradient descent from WELL_STARTS
    minima_loss: np.ndarray  # E at the minima (good first)
    peak: float  # the maximum between the minima
    path: np.ndarray  # (steps + 1,) the run from the chosen start
    path_loss: np.ndarray
    path_ends_in: int  # 0 good, 1 poor, or basins.UNSETTLED / DIVERGED


def well_loss(tilt: float, w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return 0.25 * (w**2 - 1.0) ** 2 + tilt * w


@st.cache_data(max_entries=64, show_spinner=False)
def good_and_poor(tilt: float, learning_rate: float, start: float) -> Well:
    """The tilted double well, gradient descent from a row of starts and from `start`."""
    _, maxima = basins.double_well_critical_points(tilt)
    both = basins.double_well_runs(tilt, np.append(WELL_STARTS, start), learning_rate, WELL_STEPS)
    row = len(WELL_STARTS)  # the chosen start rides along in the same call, as the last row
    runs = basins.WellRuns(
        both.starts[:row], both.paths[:row], both.loss[:row], both.ends_in[:row], both.minima
    )
    return Well(
        WELL_GRID,
        well_loss(tilt, WELL_GRID),
        runs,
        well_loss(tilt, both.minima),
        float(maxima[0]),
        both.paths[row],
        both.loss[row],
        int(both.ends_in[row]),
    )
