"""The contour figure: traces, frames, float32 arrays, divergence, click grid, internals."""

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from viz.animation import GROWS
from viz.contour import CLICK_GRID_TRACE, colour_values, contour_figure
from viz.figure import MAX_FRAMES, decode_array, frame_steps
from viz.paths import ARROW_CAP, ARROW_FRACTION, OptimizerPath

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


def test_log_colour_ticks_above_a_large_minimum_read_differently():
    """A loss whose minimum is far from zero (1.0953, spanning 0.1): the ticks E* + 10^k must
    not collapse to the same label at three significant digits."""
    shifted = 1.0953 + 0.1 * (Z - Z.min()) / np.ptp(Z)
    _, bar = colour_values(shifted, log_color=True)
    texts = bar["ticktext"]
    assert len(texts) >= 3 and len(set(texts)) == len(texts), texts
    low, span = shifted.min(), np.ptp(shifted)
    for tick, text in zip(bar["tickvals"], texts, strict=True):
        loss = low + 10**tick - 1e-4 * span
        assert float(text) == pytest.approx(loss, abs=0.1 * (loss - low))  # to its own decade


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


def test_paths_are_marked_to_grow_with_the_step_and_their_frames_are_named_after_steps():
    paths = [spiral_path("gd", 120), spiral_path("adam", 60)]
    fig = contour_figure(XS, YS, Z, paths)
    growing = [t for t in fig.data if t.meta == GROWS]
    # One per optimizer, point i at step i: the browser draws points 0..k at the frame of step k.
    assert [t.name for t in growing] == [p.label for p in paths]
    assert [len(t.x) for t in growing] == [len(p.params) for p in paths]
    assert [int(frame["name"]) for frame in fig.raw_frames] == list(frame_steps(120))
    # The browser side (charts.js) knows the same mark.
    charts_js = Path(__file__).resolve().parents[2] / "app_support" / "charts.js"
    assert f"const GROWS = '{GROWS}';" in charts_js.read_text()
