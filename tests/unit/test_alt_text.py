"""Charts' text alternatives: a figure described by its own labels; runs' arrivals in order."""

import math

import numpy as np

from app_support import core
from app_support.alt_text import arrivals, describe_figure


def test_a_figure_is_described_by_its_title_axes_and_legend():
    spec = {
        "layout": {
            "title": {"text": "<b>Loss</b>"},
            "xaxis": {"title": {"text": "step t"}},
            "yaxis": {"title": {"text": "E(w)"}},
        },
        "data": [
            {"name": "Gradient descent"},
            {"name": "Momentum"},
            {"name": "hidden", "showlegend": False},
            {"name": "Momentum"},
        ],
    }
    assert describe_figure(spec) == "Loss of E(w) against step t: Gradient descent, Momentum."
    assert describe_figure({"data": []}) == "Chart."


def test_arrivals_fastest_first_and_the_runs_that_missed():
    text = arrivals(
        [("Gradient descent", 766.0), ("Momentum", 82.0), ("Nesterov", math.inf)], "1 %", 1024
    )
    assert text == (
        "Momentum reaches 1 % after 82 steps, Gradient descent after 766; "
        "Nesterov does not reach 1 % within 1024 steps."
    )
    assert arrivals([("A", math.nan), ("B", math.inf)], "1 %", 10) == (
        "A and B do not reach 1 % within 10 steps."
    )
    assert arrivals([("A", 1.0)], "x", 10) == "A reaches x after 1 step."


def test_arrival_step_against_a_loop():
    class Run:  # the two fields arrival_step reads, as in optim.Trajectory
        def __init__(self, params, diverged_at=None):
            self.params, self.diverged_at = np.asarray(params, float), diverged_at

    rng = np.random.default_rng(3)
    minima = [(1.0, 1.0), (-1.0, 0.0)]
    for _ in range(20):
        # a noisy spiral into (1, 1) that dips inside 1 % early, leaves, and comes back
        t = np.arange(80)
        params = np.stack([1 + np.exp(-t / 9) * np.cos(t), 1 + np.exp(-t / 9) * np.sin(t)], 1)
        params += rng.normal(0, 1e-3, params.shape)
        d = np.linalg.norm(params - (1.0, 1.0), axis=1)
        expected = next(
            (k for k in range(len(d)) if all(d[s] <= 0.01 * d[0] for s in range(k, len(d)))),
            math.inf,
        )
        assert core.arrival_step(Run(params), minima, 0.01) == expected
    assert core.arrival_step(Run(params, diverged_at=40), minima, 0.01) == math.inf
    assert core.arrival_step(Run(params), [], 0.01) == math.inf
