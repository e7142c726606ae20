"""Charts' text alternatives: a figure described by its own labels; runs' arrivals in order."""

import math

import numpy as np

from app_support import core
from app_support.alt_text import (
    arrivals,
    best,
    chart,
    count,
    describe_figure,
    extremes,
    listed,
    number,
    percent,
    rows,
    tally,
    train_test,
    values,
)


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


def test_numbers_as_shown_and_diverged_values_said_plainly():
    assert number(0.123456) == "0.123"
    assert number(-0.000123456, 2) == "−0.00012"
    assert number(1234567) == "1.23e+06"
    assert number(math.nan) == "not a number (diverged)"
    assert number(math.inf) == "∞" and number(-math.inf) == "−∞"
    assert percent(0.875) == "88%" and percent(1) == "100%"
    assert percent(math.nan) == "not a number (diverged)"


def test_a_chart_text_joins_what_it_shows_and_its_numbers():
    assert chart("Loss against step", "Final loss 0.12.") == "Loss against step: Final loss 0.12."
    assert chart("Loss against step.", "", "") == "Loss against step."
    # minus signs of numbers become "−" (read as minus), hyphens in words and names stay
    assert chart("Sizes 2-3-2, cross-entropy", "x = -0.5, 1e-05 (-3)") == (
        "Sizes 2-3-2, cross-entropy: x = −0.5, 1e−05 (−3)"
    )


def test_values_train_test_and_rows():
    assert values("Final loss", [("B = 1", 0.52349), ("B = 64", 0.031)]) == (
        "Final loss: B = 1 0.523, B = 64 0.031."
    )
    assert values("Final loss", []) == ""
    assert values("E", [("run", math.nan)]) == "E: run not a number (diverged)."
    assert train_test(200, 0.1234, 0.3) == (
        "At step 200 the training loss is 0.123, the test loss 0.3."
    )
    assert train_test(None, 0.9, 0.875, "accuracy") == (
        "At the end the training accuracy is 90%, the test accuracy 88%."
    )
    table = [{"run": "a", "x": "1", "y": "2"}, {"run": "b", "x": "3", "y": "—"}]
    assert rows(table, "run", ("x", "y")) == "a: x 1, y 2; b: x 3, y —."
    assert rows([], "run", ("x",)) == ""
    assert listed([("Counted exactly", "22", "help"), ("Closed form", "22")]) == (
        "Counted exactly: 22; Closed form: 22."
    )
    assert listed([]) == ""


def test_best_finds_the_lowest_finite_point():
    steps = np.arange(0, 100, 10)
    series = (steps - 42.0) ** 2 / 100 + 0.2  # lowest at the kept step nearest 42: 40
    assert (
        best("validation loss", steps, series) == "The validation loss is lowest, 0.24, at step 40."
    )
    with_nan = np.where(steps == 40, np.nan, series)  # a diverged point is not a minimum
    assert best("loss", steps, with_nan, "epoch") == "The loss is lowest, 0.84, at epoch 50."
    assert best("loss", [0, 1], [math.nan, math.nan]) == ""
    assert best("loss", [], []) == ""


def test_extremes_and_counts():
    rng = np.random.default_rng(0)
    eigenvalues = rng.normal(size=25)
    text = extremes("Eigenvalues", eigenvalues)
    assert text == (
        f"Eigenvalues from {number(eigenvalues.min())} to {number(eigenvalues.max())} (25 values)."
    )
    assert extremes("Eigenvalues", [1.0, math.nan, -2.0]) == (
        "Eigenvalues from −2 to 1 (2 values, 1 not a number)."
    )
    assert extremes("Eigenvalues", []) == "No eigenvalues."
    assert extremes("Eigenvalues", [math.nan]) == "No eigenvalues."
    assert count(1, "region") == "1 region" and count(1234, "region") == "1,234 regions"
    assert count(2, "unit", "units") == "2 units"


def test_a_tally_says_the_total_each_count_and_the_answer():
    assert tally(["yes", "no"], [2, 1]) == "3 votes: yes 2, no 1."
    assert tally(["yes", "no"], [1, 0], "yes") == "1 vote: yes 1, no 0. The answer: yes."
    assert tally(["a", "b"], None) == "0 votes: a 0, b 0."
    assert tally(["0–10"], [1234]) == "1,234 votes: 0–10 1,234."


def test_thinned_maps_and_batch_norm_statistics_say_their_numbers():
    from types import SimpleNamespace

    from app_support.topics.generalization import bn_stats_alt, thinned_alt

    whole = np.array([[0.9, 0.1], [0.8, 0.2]])
    thinned = [whole, np.array([[0.1, 0.1], [0.8, 0.2]]), 1 - whole]  # agree on 4, 3, 0 of 4
    text = thinned_alt(thinned, whole)
    assert text.startswith("Decision maps of 3 thinned networks and the whole network")
    assert "thinned 1 100%, thinned 2 75%, thinned 3 0%." in text
    stats = SimpleNamespace(
        batch_mean=np.array([0.5, -1.0]),
        running_mean=np.array([0.25, -1.5]),
        batch_var=np.array([1.0, 2.0]),
        running_var=np.array([1.0, 1.0]),
    )
    assert "Largest gap: mean 0.5, variance 1." in bn_stats_alt(stats)
