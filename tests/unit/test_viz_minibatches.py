"""The minibatch page's figures: exact float32 data, one legend entry per marker kind, frames
that swap the minibatch surface or move every run of a cloud, rings of the right radius, and
every figure valid for Plotly (frames included)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import minibatches as figs
from viz.figure import MAX_FRAMES, decode_array, frame_steps

XS = np.linspace(-2.0, 2.0, 41)
YS = np.linspace(-1.0, 3.0, 31)
GX, GY = np.meshgrid(XS, YS)


def panel(title: str, shift: float, saddle: bool = True, lowest=None) -> figs.SurfacePanel:
    Z = (GX - shift) ** 2 - 0.5 * (GY - 1.0) ** 2 + 3.0 + shift
    saddles = np.array([[shift, 1.0]]) if saddle else np.empty((0, 2))
    downhill = np.array([[0.0, 1.0]]) if saddle else np.empty((0, 2))
    minima = np.empty((0, 2)) if lowest else np.array([[shift, -0.5]])
    return figs.SurfacePanel(title, Z, minima, saddles, downhill, lowest)


PANELS = [
    panel("full batch", 0.0),
    panel("minibatch 1", 0.5),
    panel("minibatch 2", -0.7, saddle=False, lowest=(2.0, 3.0)),
]
REFERENCE = np.array([[0.0, -0.5]])


def valid(fig) -> dict:
    as_dict = fig.to_dict()
    go.Figure(as_dict)  # Plotly validates every trace, the layout and the frames
    assert '"dtype":"f8"' not in fig.to_json().replace(" ", "")
    return as_dict


def named(fig, name):
    return [t for t in fig.data if t.name == name]


def test_panel_levels_span_each_maps_own_range():
    Z = PANELS[1].Z
    levels = figs.panel_levels(Z)
    assert levels["start"] == pytest.approx(Z.min())
    assert levels["end"] == pytest.approx(np.quantile(Z, figs.LEVEL_QUANTILE))
    assert levels["size"] == pytest.approx((levels["end"] - levels["start"]) / figs.LEVELS)
    flat = figs.panel_levels(np.ones((3, 3)))
    assert flat["end"] > flat["start"]


def test_small_multiples_one_map_per_panel_with_its_own_points():
    fig = figs.minibatch_panels_figure(XS, YS, PANELS, REFERENCE, columns=2)
    valid(fig)
    contours = [t for t in fig.data if t.type == "contour"]
    assert len(contours) == len(PANELS)
    for trace, p in zip(contours, PANELS, strict=True):
        np.testing.assert_array_equal(trace.z, p.Z.astype(np.float32))
        assert trace.contours.start == pytest.approx(p.Z.min())
    for i, p in enumerate(PANELS):
        axis = "x" if i == 0 else f"x{i + 1}"
        minima = [t for t in named(fig, "minimum") if t.xaxis == axis]
        np.testing.assert_array_equal(np.c_[minima[0].x, minima[0].y], p.minima.astype("f4"))
        # the full batch's minima are drawn on the minibatch maps only
        reference = [t for t in named(fig, "full-batch minimum") if t.xaxis == axis]
        assert len(reference[0].x) == (0 if i == 0 else 1)
    # the downhill line through the saddle of minibatch 1 runs along its direction
    line = [t for t in named(fig, figs.DOWNHILL) if t.xaxis == "x2"][0]
    assert line.x[0] == line.x[1] == np.float32(0.5)
    assert line.y[1] - line.y[0] == pytest.approx(2 * figs.SADDLE_ARM * 4.0, rel=1e-6)
    # each kind of marker is listed once in the legend, whichever map shows it
    listed = [t.name for t in fig.data if t.showlegend]
    assert sorted(listed) == sorted({name for name, _ in figs._KEYS} | {figs.DOWNHILL})
    titles = [a.text for a in fig.layout.annotations]
    assert titles == [p.title for p in PANELS]
    # every panel a square map of the grid's box (`map_axes`), at the top of its cell, with
    # tick labels in the left column only (columns=2)
    for i in range(len(PANELS)):
        suffix = "" if i == 0 else str(i + 1)
        xaxis, yaxis = fig.layout[f"xaxis{suffix}"], fig.layout[f"yaxis{suffix}"]
        assert yaxis.scaleanchor == f"x{suffix}" and yaxis.constraintoward == "top"
        assert xaxis.anchor == f"y{suffix}" and yaxis.anchor == f"x{suffix}"
        assert tuple(xaxis.range) == (XS[0], XS[-1]) and tuple(yaxis.range) == (YS[0], YS[-1])
        assert xaxis.showgrid is False and yaxis.zeroline is False
        assert yaxis.showticklabels is (i % 2 == 0)
    with pytest.raises(ValueError):
        figs.minibatch_panels_figure(XS, YS, [], REFERENCE)


def test_the_minibatch_slider_swaps_the_surface_and_its_points():
    fig = figs.minibatch_animation_figure(XS, YS, PANELS[0].Z, PANELS[1:], REFERENCE)
    as_dict = valid(fig)
    frames = as_dict["frames"]
    assert len(frames) == len(PANELS) - 1
    for frame, p in zip(frames, PANELS[1:], strict=True):
        contour, _, lowest, _, saddles, minima = frame["data"]
        z = decode_array(contour["z"]).reshape(p.Z.shape)
        np.testing.assert_array_equal(z, p.Z.astype(np.float32))
        assert contour["z"]["shape"] == f"{p.Z.shape[0]}, {p.Z.shape[1]}"
        assert contour["contours"]["start"] == pytest.approx(p.Z.min())
        assert len(decode_array(minima["x"])) == len(p.minima)
        assert len(decode_array(saddles["x"])) == len(p.saddles)
        assert len(decode_array(lowest["x"])) == (0 if p.lowest is None else 1)
    slider = as_dict["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == [p.title for p in PANELS[1:]]
    assert all(s["args"][1]["frame"]["redraw"] for s in slider["steps"])  # contours redraw
    # the dotted full-batch contours stay put: no frame touches them
    full = next(i for i, t in enumerate(fig.data) if t.name == "full-batch contours")
    assert all(full not in f["traces"] for f in frames)


def cloud(seeds: int, steps: int, offset: float = 0.0) -> np.ndarray:
    t = np.arange(steps + 1)
    phase = np.arange(seeds)[:, None]
    return np.stack([np.cos(t / 9 + phase) + offset, np.sin(t / 9 + phase) + 1.0], axis=-1)


def test_cloud_figure_draws_every_run_and_moves_them_together():
    runs = cloud(5, 300)
    single = cloud(1, 300, offset=0.2)
    fig = figs.cloud_figure(
        XS,
        YS,
        PANELS[0].Z,
        [figs.Cloud("cloud", "#123456", runs), figs.Cloud("one", "#654321", single, bold=True)],
        rings=[figs.Ring((0.0, 1.0), 0.4, "ball", "#000000")],
        minima=REFERENCE,
        start=(1.0, 1.0),
    )
    as_dict = valid(fig)
    # the map is an image and its lines, which an animation cannot drop (a contour trace was)
    assert not [t for t in fig.data if t.type in ("contour", "heatmap")]
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,") and image.layer == "below"
    assert image.x < XS[0] and image.x + image.sizex > XS[-1]
    (paths,) = named(fig, "cloud")
    assert len(paths.x) == 5 * (301 + 1)  # every run, NaN-separated
    np.testing.assert_array_equal(paths.x[:301], runs[0, :, 0].astype(np.float32))
    assert np.isnan(paths.x[301])
    assert named(fig, "one")[0].line.width > paths.line.width  # a bold single run
    (ring,) = named(fig, "ball")
    radius = np.hypot(np.asarray(ring.x) - 0.0, np.asarray(ring.y) - 1.0)
    np.testing.assert_allclose(radius, 0.4, rtol=1e-6)
    frames = as_dict["frames"]
    steps = frame_steps(300, figs.CLOUD_FRAMES)
    assert len(frames) == len(steps) <= figs.CLOUD_FRAMES <= MAX_FRAMES
    for frame, step in zip(frames[::17], steps[::17], strict=True):
        heads = decode_array(frame["data"][0]["x"])
        np.testing.assert_array_equal(heads, runs[:, step, 0].astype(np.float32))
        np.testing.assert_array_equal(
            decode_array(frame["data"][1]["x"]), single[:, step, 0].astype(np.float32)
        )


def test_curves_with_reference_levels_on_a_log_axis():
    x = np.arange(1, 11)
    fig = figs.curves_figure(
        [figs.Curve("measured", "#111111", x, 1.0 / x)],
        levels=[
            figs.Level(0.05, "theory", "#222222"),
            figs.Level(np.inf, "unstable", "#333333"),
        ],
        x_title="step",
        y_title="radius",
    )
    valid(fig)
    assert len(fig.layout.shapes) == 1  # the infinite level is left out
    assert fig.layout.shapes[0].y0 == 0.05
    assert fig.layout.annotations[0].y == pytest.approx(np.log10(0.05))


def test_examples_figure_puts_loss_against_steps_and_examples_seen():
    loss = np.array([2.0, 1.5, 1.2, 1.1])
    seen = np.array([0, 128, 256, 384])
    fig = figs.examples_figure([("batch", "#111111", loss, seen)], reference_loss=1.1)
    valid(fig)
    per_step, per_example = fig.data
    np.testing.assert_array_equal(per_step.x, [1, 2, 3])  # log axis: from step 1
    np.testing.assert_allclose(per_step.y, [0.4, 0.1, 1e-16], rtol=1e-6)  # E − E*, floored
    np.testing.assert_array_equal(per_example.x, seen)
    assert per_example.xaxis == "x2"


def test_statistics_and_travel_figures_one_line_per_weight_and_panel():
    g = np.tile([[1.1, 0.1, 1.1], [0.9, 0.1, -0.9]], (30, 1))
    mean = np.cumsum(g, 0) / np.arange(1, 61)[:, None]
    fig = figs.statistics_figure(
        g,
        mean,
        mean**2,
        mean,
        [g.mean(0), (g**2).mean(0), g.mean(0)],
        weight_labels=("w₁", "w₂", "w₃"),
    )
    valid(fig)
    assert len(fig.data) == 4 * 3
    assert [t.name for t in fig.data if t.showlegend] == ["w₁", "w₂", "w₃"]
    assert len(fig.layout.shapes) == 4 * 3  # a long-run level per weight and panel
    assert fig.layout.xaxis.range == (0.5, figs.STATISTICS_STEPS + 0.5)
    steps = np.abs(g)
    travel = figs.travel_figure([("Adam", "#0a9bb5", steps)], weight_labels=("a", "b", "c"))
    valid(travel)
    np.testing.assert_allclose(travel.data[2].y, np.cumsum(steps[:, 2]), rtol=1e-6)
    assert travel.layout.annotations[0].font.color == "#0a9bb5"


@pytest.mark.parametrize("size", [1, 2, 3, 10, 3600])
def test_panel_levels_quantile_is_numpys(size):
    values = np.random.default_rng(size).normal(size=size) ** 3
    for q in (0.0, 0.5, figs.LEVEL_QUANTILE, 1.0):
        assert figs._quantile(values, q) == pytest.approx(np.quantile(values, q), rel=1e-12)
