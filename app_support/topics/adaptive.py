"""Cached core calls and lecture scenes of the page "Adaptive learning rates"."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import alt_text
from app_support.presets import Preset, scene
from optim import adaptive, noise

PAGE_FILE = "pages/adaptive.py"
SERIES = {
    "constant": (1.0,),
    "w1": (1.1, 0.9),
    "w3": (1.1, -0.9),
    "small": (0.01,),
}
SERIES_LABELS = {
    "constant": "constant g = 1",
    "w1": "1.1, 0.9, 1.1, … (the lecture's w₁)",
    "w3": "1.1, −0.9, 1.1, … (the lecture's w₃, noisy)",
    "small": "constant g = 0.01",
}
VALLEY_KAPPA = 100.0  # the long valley: ½(x²/κ + y²), flat along x
VALLEY_START = (-4.5, 2.5)

_scene = functools.partial(scene, PAGE_FILE)

SCENES: tuple[Preset, ...] = (
    _scene(
        "first_step",
        "Without the correction the first steps are far too large",
        "A constant gradient: with the correction every step is ε. Without it the first step is "
        "(1 − ρ₁)/√(1 − ρ₂) ≈ 3.2 ε, the steps grow to about 6.6 ε by step 12, and they are "
        "still above 3 ε at step 100: r catches up with g² only over about 1/(1 − ρ₂) = 1000 "
        "steps.",
        cue="The orange steps (no correction): 3.2 ε at first, 6.6 ε by step 12; the blue stay ε.",
        tab="bias",
        series="constant",
        uncorrected="1",
    ),
    _scene(
        "adagrad_stalls",
        "AdaGrad stops too early",
        "Same ε = 0.1 on the long valley: AdaGrad's rate along the flat floor only falls, like "
        "1/√t, and after 300 steps it is still far from the minimum; RMSProp's rate rises as "
        "the gradient shrinks and it arrives within 100 steps.",
        cue="AdaGrad's rate only falls: it stalls on the flat floor, RMSProp does not.",
        tab="adagrad",
    ),
)


@st.cache_data(max_entries=64, show_spinner=False)
def bias_run(series: str, steps: int, b1: float, b2: float) -> adaptive.BiasCorrection:
    """Adam with and without the bias correction on the named gradient series."""
    grads = noise.repeat_patterns([SERIES[series]], steps)
    return adaptive.bias_correction(grads, b1, b2)


class ValleyRun(NamedTuple):
    trajectory: optim.Trajectory
    rates: np.ndarray  # (steps, 2) effective rate per coordinate after step t = 1 … steps


@st.cache_data(max_entries=32, show_spinner=False)
def valley_run(optimizer: str, learning_rate: float, steps: int, decay: float) -> ValleyRun:
    """AdaGrad or RMSProp on the long valley, with its effective rate per weight over time."""
    surface = landscapes.get_surface("ravine", kappa=VALLEY_KAPPA, angle=0.0)
    hypers = {"learning_rate": learning_rate}
    if optimizer == "rmsprop":
        hypers["decay"] = decay
    rule = {h.name: h.default for h in optim.get_rule(optimizer).hypers}
    traj = optim.run(surface.loss, np.asarray(VALLEY_START), optimizer, steps, **hypers)
    rates = adaptive.effective_rates(optimizer, traj.internals["r"][1:], learning_rate, rule["eps"])
    return ValleyRun(traj, rates)


@st.cache_data(max_entries=8, show_spinner=False)
def valley_grid(n: int):
    surface = landscapes.get_surface("ravine", kappa=VALLEY_KAPPA, angle=0.0)
    return landscapes.loss_grid(surface.loss, surface.bounds, n)


@st.cache_data(max_entries=4, show_spinner=False)
def lecture_exercise(steps: int):
    """The lecture's three gradient series, Adam's steps on them and their long-run averages."""
    grads = noise.repeat_patterns(noise.LECTURE_SERIES, steps)
    return noise.replay("adam", grads), noise.long_run_moments(noise.LECTURE_SERIES)


def bias_alt(rows) -> str:
    """The bias-correction chart's text alternative: the table's gradient and step sizes at
    the steps it lists."""
    shown = [{**row, "at": f"step {row['step t']}"} for row in rows]
    columns = [key for key in (rows[0] if rows else {}) if key != "step t"]
    return alt_text.chart(
        "Adam's running average of the gradient, with and without bias correction, and its "
        "step size, against the step",
        alt_text.rows(shown, "at", columns),
    )


def valley_alt(what: str, table) -> str:
    """The valley race's text alternative: each optimizer's rates, where it ends and when it
    gets within 0.001 of the minimum, as the table shows them."""
    return alt_text.chart(
        what, alt_text.rows(table, "optimizer", list(table[0])[1:] if table else [])
    )
