"""The contour figure: traces, frames, float32 arrays, divergence, click grid, internals."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image

from viz.contour import (
    CLICK_GRID_TRACE,
    auto_levels,
    band_positions,
    banded_colour_bar,
    colour_values,
    contour_figure,
    filled_contour,
    level_ticks,
)
from viz.figure import MAX_FRAMES, decode_array, frame_steps
from viz.paths import ARROW_CAP, ARROW_FRACTION, OptimizerPath
from viz.theme import DEFAULT_LOOK

XS = np.linspace(-2.0, 2.0, 61)
YS = np.linspace(-1.0, 3.0, 51)
Z = (1 - XS[None, :]) ** 2 + 100 * (YS[:, None] - XS[None, :] ** 2) ** 2  # Rosenbrock


def spiral_path(name: str, n: int, diverged_at=None, moment=False) -> OptimizerPath:
    t = np.arange(n + 1)
    params = np.stack([np.cos(t / 7.0) * np.exp(-t / 80), np.sin(t / 7.0) + 1.0], axis=1)
    grad = np.stack([np.sin(t / 5.0) + 2.0, np.cos(t / 3.0)], axis=1)
    velocity = np.vstack([np.zeros((1, 2)), np.diff(params, axis=0)])
    second = grad**2 * 0.5 if moment else None
    loss = np.exp(-t / 50.0)
    return OptimizerPath(name, name.upper(), params, loss, grad, velocity, second, diverged_at)


def traces_named(fig, name):
    return [t for t in fig.data if t.name == name]


def test_one_line_per_optimizer_with_its_exact_positions_in_float32():
    paths = [spiral_path("gd", 120), spiral_path("adam", 120, moment=True)]
    fig = contour_figure(XS, YS, Z, paths, log_color=True, minima=[(1, 1)], start=(0.5, 0.5))
    for path in paths:
        (trace,) = traces_named(fig, path.label)
        assert trace.x.dtype == np.float32
        np.testing.assert_array_equal(trace.x, path.params[:, 0].astype(np.float32))
        np.testing.assert_array_equal(trace.y, path.params[:, 1].astype(np.float32))
    # the whole serialised figure carries float32 typed arrays, never float64
    text = fig.to_json()
    assert '"dtype":"f8"' not in text.replace(" ", "")
    go.Figure(fig.to_dict())  # Plotly validates everything, frames included


def test_frames_are_capped_and_follow_every_optimizer():
    paths = [spiral_path("gd", 1000), spiral_path("momentum", 1000)]
    fig = contour_figure(XS, YS, Z, paths)
    frames = fig.to_dict()["frames"]
    steps = frame_steps(1000)
    assert len(frames) == len(steps) <= MAX_FRAMES
    assert [int(f["name"]) for f in frames] == steps.tolist()
    for frame, step in zip(frames[::37], steps[::37], strict=True):
        heads_x = decode_array(frame["data"][0]["x"])
        heads_y = decode_array(frame["data"][0]["y"])
        for i, path in enumerate(paths):
            assert heads_x[i] == np.float32(path.params[step, 0])
            assert heads_y[i] == np.float32(path.params[step, 1])
    slider = fig.to_dict()["layout"]["sliders"][0]
    assert len(slider["steps"]) == len(frames)
    assert [b["label"] for b in fig.to_dict()["layout"]["updatemenus"][0]["buttons"]][0] == "▶ Play"


def test_frame_steps_keep_both_ends_and_all_steps_of_short_runs():
    assert frame_steps(37).tolist() == list(range(38))
    steps = frame_steps(5000, 200)
    assert steps[0] == 0 and steps[-1] == 5000 and len(steps) == 200
    assert np.all(np.diff(steps) > 0)


def test_a_diverged_run_is_drawn_to_its_last_point_and_then_holds():
    good, bad = spiral_path("gd", 300), spiral_path("adam", 40, diverged_at=41)
    fig = contour_figure(XS, YS, Z, [good, bad], internals=True)
    (trace,) = traces_named(fig, "ADAM")
    assert len(trace.x) == 41 and np.all(np.isfinite(trace.x)) and np.all(np.isfinite(trace.y))
    (cross,) = traces_named(fig, "diverged")
    assert cross.x[0] == np.float32(bad.params[-1, 0])
    assert list(cross.customdata) == [41]
    frames = fig.to_dict()["frames"]
    late = [f for f in frames if int(f["name"]) > 40]
    assert late
    for frame in late:
        heads = decode_array(frame["data"][0]["x"])
        assert heads[1] == np.float32(bad.params[-1, 0])  # holds its last good point
        arrows = decode_array(frame["data"][1]["x"]).reshape(2, 3)
        assert np.all(np.isnan(arrows[1, 1:]))  # and shows no internals past divergence
    # no NaN position in any path line: gaps are only in arrow/ellipse overlays
    for t in fig.data:
        if t.legendgroup in ("gd", "adam"):
            assert np.all(np.isfinite(t.x))


def test_click_grid_is_invisible_inside_the_box_and_carries_the_loss():
    fig = contour_figure(XS, YS, Z, [spiral_path("gd", 10)], click_grid=40)
    grid = fig.data[CLICK_GRID_TRACE]
    assert grid.type == "heatmap" and grid.opacity == 0 and not grid.showscale
    assert len(grid.x) <= 40 and len(grid.y) <= 40
    assert np.shape(grid.z) == (len(grid.y), len(grid.x))
    assert grid.x.min() >= XS[0] and grid.x.max() <= XS[-1]
    assert grid.y.min() >= YS[0] and grid.y.max() <= YS[-1]
    # each cell's hover value is the loss at its point (brute force)
    i, j = 17, 29
    x, y = grid.x[j], grid.y[i]
    assert grid.z[i][j] == pytest.approx((1 - x) ** 2 + 100 * (y - x**2) ** 2, rel=1e-5)
    assert "E = %{z" in grid.hovertemplate and "click: start here" in grid.hovertemplate


def test_gradient_arrows_point_downhill_and_ellipses_follow_the_second_moment():
    path = spiral_path("adam", 50, moment=True)
    fig = contour_figure(XS, YS, Z, [path], internals=True)
    frames = fig.to_dict()["frames"]
    frame = frames[20]
    step = int(frame["name"])
    gx, gy = (decode_array(frame["data"][1][axis]) for axis in ("x", "y"))
    tail = np.array([gx[0], gy[0]])
    head = np.array([gx[1], gy[1]])
    g = path.grad[step]
    drawn = head - tail
    assert drawn[0] * -g[1] - drawn[1] * -g[0] == pytest.approx(0.0, abs=1e-5)  # parallel
    assert np.dot(drawn, -g) > 0
    assert np.linalg.norm(drawn) <= ARROW_CAP * ARROW_FRACTION * 4.0 * (1 + 1e-6)
    ex, ey = (decode_array(frame["data"][3][axis]) for axis in ("x", "y"))
    width, height = np.nanmax(ex) - np.nanmin(ex), np.nanmax(ey) - np.nanmin(ey)
    r = path.second_moment[step]
    assert width / height == pytest.approx(np.sqrt(r[0] / r[1]), rel=1e-3)


def test_log_colour_scale_labels_are_loss_values():
    values, bar = colour_values(Z, log_color=True)
    low, span = Z.min(), np.ptp(Z)
    for tick, text in zip(bar["tickvals"], bar["ticktext"], strict=True):
        loss = low + 10**tick - 1e-4 * span  # invert log10(E − E_min + c)
        assert float(text) == pytest.approx(loss, rel=0.01)
    assert values.shape == Z.shape and np.all(np.diff(values[25]) != 0)
    linear, bar = colour_values(Z, log_color=False)
    np.testing.assert_array_equal(linear, Z)


def test_without_paths_there_is_no_animation():
    fig = contour_figure(XS, YS, Z, [])
    assert "frames" not in fig.to_dict() and not fig.to_dict()["layout"].get("sliders")


def test_the_map_is_an_image_and_lines_so_the_animation_cannot_drop_it():
    # Plotly.js drops contour/heatmap traces during `redraw: false` animations (#4491): the
    # only heatmap is the invisible hover and click grid
    fig = contour_figure(XS, YS, Z, [spiral_path("gd", 30)], log_color=True)
    drawn = [t for t in fig.data if t.type in ("contour", "heatmap")]
    assert drawn == [fig.data[CLICK_GRID_TRACE]] and drawn[0].opacity == 0
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,") and image.layer == "below"
    assert image.x < XS[0] and image.x + image.sizex > XS[-1]  # covers the whole box
    lines = [t for t in fig.data if t.name == "contours"][0]
    assert np.isnan(lines.x).any() and np.nanmin(lines.x) >= XS[0] and np.nanmax(lines.x) <= XS[-1]
    assert fig.data[0].marker.showscale  # the colour bar is still there


# --- the filled map as an image and lines, shared with other pages -------------------------


def png_pixels(source: str) -> np.ndarray:
    """RGBA rows of a data-URI PNG, top row first."""
    data = base64.b64decode(source.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def scale_rgb(colorscale, position: float) -> np.ndarray:
    """The colour scale at `position`, interpolated stop to stop (the oracle)."""
    stops = [s for s, _ in colorscale]
    for (s0, c0), (s1, c1) in zip(colorscale, colorscale[1:], strict=False):
        if s0 <= position <= s1:
            t = (position - s0) / (s1 - s0)
            a = np.array([int(c0[k : k + 2], 16) for k in (1, 3, 5)], float)
            b = np.array([int(c1[k : k + 2], 16) for k in (1, 3, 5)], float)
            return np.round(a + t * (b - a))
    raise ValueError(f"{position} outside {stops}")


def test_auto_levels_are_the_levels_plotly_picks():
    # Plotly.js 7.1's own choice for these z (read from a drawn contour trace's
    # `_fullData[0].contours`): start 0, end 95, size 5; z spans 0.0012 to 99
    bowl = np.array([[0.0012161614140495658, 50.0], [20.0, 99.0]])
    np.testing.assert_allclose(auto_levels(bowl, 30), np.arange(0.0, 96.0, 5.0))
    # a level that equals the lowest or the highest value is left out
    np.testing.assert_allclose(auto_levels(np.array([0.0, 10.0]), 6), [2.0, 4.0, 6.0, 8.0])
    assert len(auto_levels(np.array([3.0, 3.0]), 30)) == 1
    assert len(auto_levels(np.array([np.nan, np.inf]), 30)) == 0
    for span in (1.0, 7.3, 42.0, 0.013):
        levels = auto_levels(np.array([0.1, 0.1 + span]), 30)
        assert 30 / 2.5 - 1 <= len(levels) <= 30


def test_band_positions_follow_plotly_fill_colours():
    # autocontour: the scale spans half a step beyond both end levels, each band its middle
    np.testing.assert_allclose(band_positions(4, padded=True), [0, 0.25, 0.5, 0.75, 1])
    # zmin, zmax at the first and last level: the bands between take their middles
    np.testing.assert_allclose(band_positions(3, padded=False), [0, 0.25, 0.75, 1])


def test_filled_contour_image_covers_the_box_in_the_colour_of_each_band():
    look = DEFAULT_LOOK
    levels = auto_levels(Z, 30)
    image, lines = filled_contour(XS, YS, Z, levels, look, axes=("x3", "y3"))
    assert (image["xref"], image["yref"]) == ("x3", "y3") and image["layer"] == "below"
    assert image["x"] < XS[0] and image["x"] + image["sizex"] > XS[-1]
    assert image["y"] > YS[-1] and image["y"] - image["sizey"] < YS[0]
    pixels = png_pixels(image["source"])
    assert pixels.shape[:2] == Z.shape
    for i, j in ((0, 0), (17, 29), (40, 5), (50, 60)):
        band = int(np.sum(levels <= Z[i, j]))  # levels at or below the value
        expected = scale_rgb(look.contour_colorscale, band / len(levels))
        np.testing.assert_array_equal(pixels[len(YS) - 1 - i, j, :3], expected)
    # the lines are on the same axes, inside the box, and on the levels (brute force: the
    # loss at a line's points, by linear interpolation along the grid edge it lies on)
    assert (lines["xaxis"], lines["yaxis"]) == ("x3", "y3") and lines["type"] == "scatter"
    xy = np.c_[lines["x"], lines["y"]].astype(float)
    finite = xy[np.isfinite(xy[:, 0])]
    assert len(finite) > 100 and np.isnan(xy[:, 0]).any()
    assert finite[:, 0].min() >= XS[0] and finite[:, 0].max() <= XS[-1]
    assert finite[:, 1].min() >= YS[0] and finite[:, 1].max() <= YS[-1]
    on_level = [np.min(np.abs(levels - rosenbrock(x, y))) / np.ptp(Z) for x, y in finite[::50]]
    assert max(on_level) < 0.02


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def test_filled_contour_leaves_nan_and_inf_empty_and_hands_out_copies():
    holed = Z.copy()
    holed[10:20, 10:20] = np.nan
    holed[30, 30] = np.inf
    levels = auto_levels(holed, 30)
    image, lines = filled_contour(XS, YS, holed, levels, DEFAULT_LOOK)
    alpha = png_pixels(image["source"])[::-1, :, 3]
    assert np.all(alpha[10:20, 10:20] == 0) and alpha[30, 30] == 0 and alpha[5, 5] == 255
    lines["line"] = {"dash": "dot"}
    again = filled_contour(XS, YS, holed, levels, DEFAULT_LOOK)[1]
    assert "dash" not in again["line"]  # the kept map is not changed by a caller


def test_banded_colour_bar_steps_at_the_levels():
    levels = np.array([2.0, 4.0, 6.0])
    bar = banded_colour_bar(
        levels, DEFAULT_LOOK, {"title": {"text": "E"}}, (0.0, 0.0), length_px=300
    )
    marker = bar["marker"]
    assert marker["colorbar"]["dtick"] == 2.0 and marker["colorbar"]["title"]["text"] == "E"
    assert marker["showscale"] and marker["opacity"] == 0 and bar["hoverinfo"] == "skip"
    assert (marker["cmin"], marker["cmax"]) == (1.0, 7.0)  # half a step beyond the levels
    stops = [s for s, _ in marker["colorscale"]]
    assert stops == sorted(stops) and stops[0] == 0.0 and stops[-1] == 1.0
    # a flat step per band, changing colour exactly at each level
    edges = [(level - 1.0) / 6.0 for level in levels]
    changes = [
        s
        for (s, c), (_, d) in zip(marker["colorscale"], marker["colorscale"][1:], strict=False)
        if c != d
    ]
    np.testing.assert_allclose(changes, edges)


@pytest.mark.parametrize(
    ("first", "step", "span", "length_px", "tick0", "dtick"),
    [  # what Plotly.js 7.1 drew on the regularization page's contour colour bars
        (0.0, 2.0, 40.0, 384, 0.0, 10.0),
        (4.0, 2.0, 60.0, 357, 0.0, 10.0),
        (0.0, 0.5, 13.0, 246, 0.0, 2.5),
        # few levels on a long bar: every level, from the first
        (0.25, 0.5, 3.0, 400, 0.25, 0.5),
    ],
)
def test_level_ticks_are_plotlys_contour_colour_bar_ticks(
    first, step, span, length_px, tick0, dtick
):
    ticks = level_ticks(first, step, span, length_px)
    assert ticks == {"tickmode": "linear", "tick0": tick0, "dtick": dtick}
