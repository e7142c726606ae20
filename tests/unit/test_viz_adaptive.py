"""Figures of adaptive rates and of good and poor minima: valid Plotly, the data where it
belongs (panels, colours by the minimum reached)."""

import numpy as np
import plotly.graph_objects as go

from landscapes import basins
from optim import adaptive
from viz.adaptive import GOOD, POOR, bias_figure, rates_figure, well_figure
from viz.theme import Look


def test_bias_figure_puts_moments_left_and_steps_right():
    run = adaptive.bias_correction(np.ones((20, 1)))
    fig = bias_figure(run.grads[:, 0], run.s[:, 0], run.s_hat[:, 0], run.corrected[:, 0])
    right = [t for t in fig.data if t.xaxis == "x2"]
    assert len(right) == 1  # without the uncorrected steps: one line
    np.testing.assert_allclose(right[0].y, 1.0, rtol=1e-6)
    np.testing.assert_array_equal(fig.data[0].x, np.arange(1, 21))
    both = bias_figure(
        run.grads[:, 0], run.s[:, 0], run.s_hat[:, 0], run.corrected[:, 0], run.uncorrected[:, 0]
    )
    assert len([t for t in both.data if t.xaxis == "x2"]) == 2
    go.Figure(both.to_dict())


def test_rates_figure_has_a_line_per_optimizer_and_coordinate_on_a_log_axis():
    rates = {"adagrad": np.ones((10, 2)), "rmsprop": np.full((10, 2), 2.0)}
    fig = rates_figure(rates, {"adagrad": "AdaGrad", "rmsprop": "RMSProp"}, look=Look(True, True))
    assert len(fig.data) == 4 and fig.layout.yaxis.type == "log"
    assert [t.line.dash for t in fig.data] == ["solid", "dash", "solid", "dash"]
    go.Figure(fig.to_dict())


def test_well_figure_colours_each_start_by_its_minimum():
    tilt = 0.2
    starts = np.linspace(-1.5, 1.5, 7)
    runs = basins.double_well_runs(tilt, starts, 0.1, 200)
    w = np.linspace(-2, 2, 50)
    E = 0.25 * (w**2 - 1) ** 2 + tilt * w
    lows = 0.25 * (runs.minima**2 - 1) ** 2 + tilt * runs.minima
    fig = well_figure(w, E, starts, runs.loss[:, 0], runs.ends_in, runs.minima, lows)
    good = next(t for t in fig.data if t.name == "start → good minimum")
    poor = next(t for t in fig.data if t.name == "start → poor minimum")
    assert good.marker.color == GOOD and poor.marker.color == POOR
    np.testing.assert_allclose(good.x, starts[runs.ends_in == 0], rtol=1e-6)
    np.testing.assert_allclose(poor.x, starts[runs.ends_in == 1], rtol=1e-6)
    go.Figure(fig.to_dict())
