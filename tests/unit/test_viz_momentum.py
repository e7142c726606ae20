"""Figures of the momentum page: valid Plotly, the numbers handed in are the numbers drawn."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import momentum as figures
from viz.figure import MAX_FRAMES, decode_array
from viz.paths import OptimizerPath
from viz.theme import Look, optimizer_color

LOOKS = [Look(), Look(dark=True), Look(presentation=True)]


def values(trace, axis):
    return decode_array(trace[axis]).astype(float)


def valid(fig) -> dict:
    """The figure's dict, after Plotly has validated every property (frames included)."""
    as_dict = fig.to_dict()
    go.Figure(as_dict)
    return as_dict


@pytest.mark.parametrize("look", LOOKS)
def test_slope_race_rows_and_frames(look):
    gd = np.arange(0.0, 301.0)  # 300 steps of length 1
    momentum = np.cumsum(np.r_[0.0, np.full(300, 2.0)])
    fig = figures.slope_race_figure(
        [figures.Series("gd", "GD", gd), figures.Series("momentum", "Momentum", momentum)],
        look=look,
    )
    data = valid(fig)["data"]
    np.testing.assert_allclose(values(data[0], "x"), gd)
    np.testing.assert_allclose(values(data[0], "y"), 1.0)  # first run on the top row
    np.testing.assert_allclose(values(data[1], "y"), 0.0)
    assert data[0]["line"]["color"] == optimizer_color("gd")
    frames = fig.raw_frames
    assert 2 <= len(frames) <= MAX_FRAMES and frames[-1]["name"] == "300"
    heads = frames[-1]["data"][0]
    np.testing.assert_allclose(values(heads, "x"), [gd[-1], momentum[-1]])
    assert frames[-1]["traces"] == [2]
    assert fig.layout.yaxis.ticktext == ("Momentum", "GD")


@pytest.mark.parametrize("look", LOOKS)
def test_step_length_figure_draws_the_levels_handed_in(look):
    measured = [
        figures.Series("gd", "GD", np.full(50, 0.1)),
        figures.Series("momentum", "Momentum", 0.1 * (1 - 0.9 ** np.arange(1, 51)) / 0.1),
    ]
    predicted = 0.1 * (1 - 0.9 ** np.arange(1, 51)) / 0.1
    fig = figures.step_length_figure(
        measured, predicted, gd_step=0.1, terminal_step=1.0, speedup=10.0, look=look
    )
    as_dict = valid(fig)
    data = as_dict["data"]
    assert len(data) == 3
    np.testing.assert_allclose(values(data[0], "x"), np.arange(1, 51))  # steps start at 1
    np.testing.assert_allclose(values(data[2], "y"), predicted, rtol=1e-6)
    assert data[2]["line"]["dash"] == "dash" and data[2]["line"]["color"] == look.foreground
    levels = sorted(shape["y0"] for shape in as_dict["layout"]["shapes"])
    assert levels == [0.1, 1.0]
    texts = " ".join(a["text"] for a in as_dict["layout"]["annotations"])
    assert "×10" in texts
    assert as_dict["layout"]["font"]["size"] == look.font_size


@pytest.mark.parametrize("look", LOOKS)
def test_alpha_sweep_figure(look):
    alphas = np.linspace(0, 0.99, 100)
    measured = np.where(alphas < 0.2, np.inf, 100 * (1 - alphas) + 5)
    predicted = np.where(alphas < 0.1, np.inf, 100 * (1 - alphas) + 3)
    fig = figures.alpha_sweep_figure(
        alphas,
        measured,
        predicted,
        budget=512,
        current_alpha=0.9,
        optimal_alpha=0.7,
        optimal_steps=30.0,
        gd_optimal_steps=np.inf,
        look=look,
    )
    as_dict = valid(fig)
    dots, curve = as_dict["data"]
    assert np.isnan(values(dots, "y")[alphas < 0.2]).all()  # not reached: no dot
    np.testing.assert_allclose(values(dots, "y")[alphas >= 0.2], measured[alphas >= 0.2], rtol=1e-6)
    assert np.isnan(values(curve, "y")[alphas < 0.1]).all()
    shapes = as_dict["layout"]["shapes"]
    verticals = sorted(s["x0"] for s in shapes if s.get("xref") == "x")
    assert verticals == [0.7, 0.9]
    levels = [s["y0"] for s in shapes if s.get("yref") == "y" and s["type"] == "line"]
    assert levels == [30.0]  # an infinite level is left out
    band = next(s for s in shapes if s["type"] == "rect")
    same = figures.alpha_sweep_figure(
        alphas,
        measured,
        predicted,
        budget=512,
        current_alpha=0.7,
        optimal_alpha=0.7,
        optimal_steps=30.0,
        gd_optimal_steps=40.0,
        look=look,
    )
    texts = [a.text for a in same.layout.annotations]
    assert "α = α*" in texts and "α*" not in texts  # one line when they coincide
    assert band["y0"] == 512
    assert as_dict["layout"]["yaxis"]["type"] == "log"
    # on a log axis annotations sit at log₁₀ of the value, shapes at the value
    notes = {a["text"]: a["y"] for a in as_dict["layout"]["annotations"] if a["yref"] == "y"}
    assert notes["theory, momentum at (ε*, α*): 30"] == pytest.approx(np.log10(30))
    assert notes["not reached within 512 steps"] == pytest.approx(np.log10(512))


@pytest.mark.parametrize("look", LOOKS)
def test_rate_map_colours_and_divergent_region(look):
    lrs = np.geomspace(1e-3, 4.0, 30)
    alphas = np.linspace(0, 0.999, 20)
    rates = np.clip(np.outer(alphas, np.ones(30)) + 0.3 * np.log10(lrs / 1e-3) / 3.6, 0, 1.2)
    boundary = 2 + 2 * alphas
    fig = figures.rate_map_figure(
        lrs,
        alphas,
        rates,
        boundary=boundary,
        current=(0.3, 0.9),
        optimum=(3.0, 0.7),
        gd_optimum=1.9,
        look=look,
    )
    as_dict = valid(fig)
    heat, shade, line = as_dict["data"][:3]
    colour = values(heat, "z").reshape(rates.shape)
    converging = rates < 1
    np.testing.assert_allclose(
        colour[converging], np.clip(np.log10(1 - rates[converging]), -4, 0), rtol=1e-5
    )
    assert np.isnan(colour[~converging]).all()
    np.testing.assert_array_equal(np.isnan(values(shade, "z").reshape(rates.shape)), converging)
    np.testing.assert_allclose(values(line, "x"), boundary, rtol=1e-6)
    marks = {trace["name"]: (trace["x"][0], trace["y"][0]) for trace in as_dict["data"][3:]}
    assert marks == {
        "current (ε, α)": (0.3, 0.9),
        "Goh's optimum (ε*, α*)": (3.0, 0.7),
        "GD's optimum ε*": (1.9, 0.0),
    }
    assert as_dict["layout"]["xaxis"]["type"] == "log"


@pytest.mark.parametrize("look", LOOKS)
def test_eigen_errors_figure_two_panels(look):
    t = np.arange(31)
    gd = np.stack([0.99**t, (-0.9) ** t], axis=1)
    momentum = np.stack([0.9**t, 0.7**t * np.cos(t)], axis=1)
    fig = figures.eigen_errors_figure(
        [figures.Series("gd", "GD", gd), figures.Series("momentum", "Momentum", momentum)],
        [figures.Series("gd", "GD", gd)],
        titles=("flat", "steep"),
        look=look,
    )
    data = valid(fig)["data"]
    assert len(data) == 6  # (2 measured + 1 predicted) × 2 panels
    np.testing.assert_allclose(values(data[1], "y"), gd[:, 1], rtol=1e-6)
    assert (data[1]["xaxis"], data[1]["yaxis"]) == ("x2", "y2")
    assert [d["showlegend"] for d in data] == [True, False] * 3  # one legend entry per run
    assert data[4]["mode"] == "markers" and data[4]["name"] == "GD (theory)"
    steps = values(data[4], "x").astype(int)
    assert steps[0] == 0 and len(steps) <= figures.THEORY_MARKS + 1
    np.testing.assert_allclose(values(data[4], "y"), gd[steps, 0], rtol=1e-6)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == ["flat", "steep"]


def test_eigen_axes_through_the_centre():
    theta = np.deg2rad(30)
    q = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    axes = figures.eigen_axes([1.0, -1.0], q, ("flat", "steep"), 2.0)
    for column, shape in enumerate(axes["shapes"]):
        ends = np.array([[shape["x0"], shape["y0"]], [shape["x1"], shape["y1"]]])
        np.testing.assert_allclose(
            ends,
            [np.array([1.0, -1.0]) - 2 * q[:, column], np.array([1.0, -1.0]) + 2 * q[:, column]],
            atol=1e-12,
        )
        assert shape["layer"] == "between"  # above the map image, under the paths
    assert [a["text"] for a in axes["annotations"]] == ["flat", "steep"]
    go.Layout(axes)  # valid layout entries


def test_ravine_map_lists_the_runs_in_the_lectures_order_and_draws_both_axes():
    xs = ys = np.linspace(-5.0, 5.0, 21)
    Z = 0.5 * (xs[None, :] ** 2 / 50 + ys[:, None] ** 2)
    steps = np.linspace(0.0, 1.0, 11)[:, None]
    start = np.array([-4.0, 2.0])

    def path(name):  # a straight run from the start to the minimum
        params = (1.0 - steps) * start
        return OptimizerPath(name, name.upper(), params, np.zeros(11), np.zeros((11, 2)))

    order = ("gd", "momentum", "nesterov")
    fig = figures.ravine_figure(
        xs,
        ys,
        Z,
        [path("nesterov"), path("gd"), path("momentum")],  # drawn bottom to top
        minima=[(0.0, 0.0)],
        start=tuple(start),
        centre=(0.0, 0.0),
        eigenvectors=np.eye(2),
        axis_labels=("flat", "steep"),
        legend_order=order,
    )
    as_dict = valid(fig)
    ranks = {}
    for trace in as_dict["data"]:
        if trace.get("legendgroup") in order:
            ranks.setdefault(trace["legendgroup"], set()).add(trace.get("legendrank"))
    assert ranks == {"gd": {1}, "momentum": {2}, "nesterov": {3}}
    texts = [a["text"] for a in as_dict["layout"]["annotations"]]
    assert "flat" in texts and "steep" in texts
    lines = [s for s in as_dict["layout"]["shapes"] if s.get("layer") == "between"]
    assert len(lines) == 2
    # each axis reaches 0.45 of the map's width (10) on either side of the centre
    np.testing.assert_allclose([lines[0]["x0"], lines[0]["x1"]], [-4.5, 4.5])
    np.testing.assert_allclose([lines[1]["y0"], lines[1]["y1"]], [-4.5, 4.5])
