"""Figures of the small-network page: hyperplanes cut to the box, the animated decision figure
(frames, byte-coded heat maps, redraw), the eigenvalue histogram (counts, signs, mirrored log
axis), the index, plane, line and chain figures; every figure validates and sends no float64."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import networks as figures
from viz.figure import decode_array

BOX = ((-2.0, 2.0), (-1.0, 3.0))
RNG = np.random.default_rng(3)


def _valid(fig) -> dict:
    """The figure as sent, validated by Plotly (frames included), with float32 arrays only."""
    go.Figure(fig.to_dict())
    text = fig.to_json().replace(" ", "")
    assert '"dtype":"f8"' not in text
    return fig.to_dict()


def test_hyperplane_segments_end_on_the_line_and_on_the_box():
    planes = RNG.standard_normal((50, 3))
    rows = figures.hyperplane_segments(planes, BOX)
    assert rows.shape == (150, 2)
    starts, ends, gaps = rows[0::3], rows[1::3], rows[2::3]
    assert np.all(np.isnan(gaps))
    drawn = ~np.isnan(starts[:, 0])
    assert drawn.sum() > 20
    (x0, x1), (y0, y1) = BOX
    for point in (starts[drawn], ends[drawn]):
        w = planes[drawn]
        np.testing.assert_allclose(np.sum(w[:, :2] * point, axis=1) + w[:, 2], 0, atol=1e-9)
        on_x = np.isclose(point[:, 0], x0) | np.isclose(point[:, 0], x1)
        on_y = np.isclose(point[:, 1], y0) | np.isclose(point[:, 1], y1)
        assert np.all(on_x | on_y)
        assert np.all((point[:, 0] >= x0 - 1e-9) & (point[:, 0] <= x1 + 1e-9))
    # The segment is the whole chord: a line that enters the box also leaves it elsewhere.
    assert np.all(np.linalg.norm(ends[drawn] - starts[drawn], axis=1) > 0)


def test_hyperplanes_that_miss_the_box_or_do_not_exist():
    planes = np.array(
        [
            [1.0, 0.0, -0.5],  # x = 0.5: vertical through the box
            [0.0, 1.0, -10.0],  # y = 10: above the box
            [0.0, 0.0, 1.0],  # w = 0: no line at all
            [1.0, 1.0, -1.0],  # x + y = 1
        ]
    )
    rows = figures.hyperplane_segments(planes, BOX)
    np.testing.assert_allclose(sorted(rows[0:2, 1]), [-1.0, 3.0])
    np.testing.assert_allclose(rows[0:2, 0], 0.5)
    assert np.all(np.isnan(rows[3:9]))
    np.testing.assert_allclose(sorted(map(tuple, rows[9:11])), [(-2.0, 3.0), (2.0, -1.0)])
    stacked = figures.hyperplane_segments(np.stack([planes, planes]), BOX)
    assert stacked.shape == (2, 12, 2)


def test_colour_codes_are_percentages_of_the_range():
    codes = figures.colour_codes(np.array([-3.0, -1.0, 0.0, 0.5, 1.0, 7.0, np.nan]), (-1.0, 1.0))
    np.testing.assert_array_equal(codes, [0, 0, 50, 75, 100, 100, 50])
    assert codes.dtype == np.uint8


def test_decision_figure_animates_heat_map_and_neurons():
    xs, ys = np.linspace(-2.5, 2.5, 30), np.linspace(-2.5, 2.5, 20)
    frames, k = 12, 5
    values = RNG.uniform(0, 1, (frames, 20, 30))
    planes = RNG.standard_normal((frames, k, 3))
    steps = np.arange(frames) * 10
    train = (RNG.standard_normal((40, 2)), RNG.integers(0, 2, 40))
    test = (RNG.standard_normal((10, 2)), RNG.integers(0, 2, 10))
    teacher = RNG.standard_normal((3, 3))
    fig = figures.decision_figure(
        xs, ys, values, steps, planes, train, test, teacher_planes=teacher
    )
    sent = _valid(fig)
    assert len(sent["frames"]) == frames
    assert [f["name"] for f in sent["frames"]] == [str(s) for s in steps]
    z = sent["frames"][4]["data"][0]["z"]
    # bytes with their shape (the browser makes lists of them before Plotly plays the frames)
    assert z["dtype"] == "u1" and z["shape"] == "20, 30"
    heat = decode_array(z).reshape(20, 30)
    np.testing.assert_array_equal(heat, figures.colour_codes(values[4], (0.0, 1.0)))
    last = decode_array(sent["data"][0]["z"]).reshape(20, 30)
    np.testing.assert_array_equal(last, figures.colour_codes(values[-1], (0.0, 1.0)))
    lines = sent["frames"][4]["data"][1]
    expected = figures.hyperplane_segments(planes[4], ((-2.5, 2.5), (-2.5, 2.5)))
    np.testing.assert_allclose(decode_array(lines["x"]), expected[:, 0].astype(np.float32))
    # Heat maps need a full redraw on every frame; the static figure shows the last step.
    play = sent["layout"]["updatemenus"][0]["buttons"][0]["args"][1]
    assert play["frame"]["redraw"] is True
    assert all(s["args"][1]["frame"]["redraw"] for s in sent["layout"]["sliders"][0]["steps"])
    assert sent["layout"]["sliders"][0]["active"] == frames - 1
    # no grid or zero line across the map (the template draws none along x; none along y here)
    assert sent["layout"]["yaxis"]["showgrid"] is False
    assert sent["layout"]["yaxis"]["zeroline"] is False
    names = [t.get("name") for t in sent["data"]]
    assert "teacher's units" in names and "training points" in names and "test points" in names
    (points,) = [t for t in sent["data"] if t.get("name") == "training points"]
    np.testing.assert_array_equal(
        points["marker"]["color"], np.asarray(figures.CLASS_COLORS)[train[1]]
    )
    with pytest.raises(ValueError, match="one entry per frame"):
        figures.decision_figure(xs, ys, values, steps[:-1], planes, train)


def test_decision_figure_of_the_last_step_only_has_the_controls_and_no_frames():
    # What a page sends until Play asks for the frames (`plotly_chart(frames_on_request=True)`):
    # the same still picture as the whole animation's, and its controls for every step.
    xs, ys = np.linspace(-2.5, 2.5, 30), np.linspace(-2.5, 2.5, 20)
    values = RNG.uniform(0, 1, (12, 20, 30))
    planes = RNG.standard_normal((12, 5, 3))
    steps = np.arange(12) * 10
    train = (RNG.standard_normal((40, 2)), RNG.integers(0, 2, 40))
    whole = _valid(figures.decision_figure(xs, ys, values, steps, planes, train))
    still = _valid(figures.decision_figure(xs, ys, values[-1:], steps, planes[-1:], train))
    assert "frames" not in still and len(whole["frames"]) == 12
    assert still["data"] == whole["data"]
    assert still["layout"]["sliders"] == whole["layout"]["sliders"]
    assert still["layout"]["sliders"][0]["active"] == 11
    assert still["layout"]["updatemenus"] == whole["layout"]["updatemenus"]
    with pytest.raises(ValueError, match="one entry per frame"):
        figures.decision_figure(xs, ys, values[-2:], steps, planes[-2:], train)


def test_training_figure_curves():
    train_loss = np.exp(-np.arange(101) / 30)
    steps = np.arange(0, 101, 10)
    fig = figures.training_figure(
        train_loss, steps, train_loss[steps] * 1.2, steps / 100, steps / 120, marked_step=40
    )
    sent = _valid(fig)
    (line,) = [t for t in sent["data"] if t["name"] == "training loss"]
    np.testing.assert_allclose(decode_array(line["y"]), train_loss.astype(np.float32))
    (accuracy,) = [t for t in sent["data"] if t["name"] == "test accuracy"]
    np.testing.assert_allclose(decode_array(accuracy["y"]), (steps / 120).astype(np.float32))
    assert {shape["x0"] for shape in sent["layout"]["shapes"]} == {40}


def test_spectrum_histogram_counts_every_eigenvalue_on_its_side():
    eigenvalues = np.concatenate([-np.logspace(-6, -2, 30), np.zeros(5), np.logspace(-7, 1, 100)])
    fig = figures.spectrum_figure(eigenvalues, zero_width=1e-6 * 10)
    sent = _valid(fig)
    negative, positive = sent["data"][0], sent["data"][1]
    assert negative["name"] == "h < 0" and positive["name"] == "h ≥ 0"
    assert decode_array(negative["y"]).sum() == 30
    assert decode_array(positive["y"]).sum() == 105
    # Weighted (quadrature) counts: the bars hold the weights.
    nodes = np.array([[-1.0, 0.5, 2.0], [-0.1, 0.2, 3.0]])
    counts = np.array([[10.0, 20.0, 5.0], [1.0, 2.0, 3.0]])
    fig = figures.spectrum_figure(
        nodes, counts=counts, zero_width=1e-6, ritz=np.array([-1.0, 3.0]), estimated=True
    )
    sent = _valid(fig)
    assert decode_array(sent["data"][0]["y"]).sum() == pytest.approx(11.0)
    assert decode_array(sent["data"][1]["y"]).sum() == pytest.approx(30.0)
    ticks = sent["data"][2]
    np.testing.assert_allclose(
        decode_array(ticks["x"]), figures.symlog(np.array([-1.0, 3.0]), 1e-6), rtol=1e-6
    )


def test_spectrum_count_axis_ticks_only_whole_counts():
    # A few eigenvalues per bin: Plotly's own log ticks would read 1.5 and 2.5 eigenvalues.
    eigenvalues = np.array([-0.5, -0.5, 0.3, 0.3, 0.3, 2.0])
    sent = _valid(figures.spectrum_figure(eigenvalues, zero_width=1e-6))
    top = max(decode_array(t["y"]).max() for t in sent["data"][:2])
    ticks = sent["layout"]["yaxis"]["tickvals"]
    assert top == 3 and ticks == [1, 2, 5]
    assert all(float(v).is_integer() and v >= 1 for v in ticks)
    assert figures.count_ticks(1) == [1] and figures.count_ticks(101) == [
        1,
        2,
        5,
        10,
        20,
        50,
        100,
        200,
    ]


def test_symlog_is_odd_increasing_and_labelled_in_eigenvalues():
    values = np.array([-1e3, -1.0, -1e-7, 0.0, 1e-7, 1.0, 1e3])
    mapped = figures.symlog(values, 1e-6)
    assert np.all(np.diff(mapped) > 0)
    np.testing.assert_allclose(mapped, -mapped[::-1])
    assert figures.symlog(1e-6, 1e-6) == pytest.approx(np.log10(2))
    fig = figures.spectrum_figure(np.array([-1e-3, 1e2]), zero_width=1e-4)
    axis = fig.layout.xaxis
    for value, text in zip(axis.tickvals, axis.ticktext, strict=True):
        if text == "0":
            assert value == 0
        else:
            sign = -1 if text.startswith("−") else 1
            exponent = int(
                text.lstrip("−")
                .removeprefix("10")
                .translate(str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789"))
            )
            assert value == pytest.approx(figures.symlog(sign * 10.0**exponent, 1e-4))


def test_index_figure_reads_counts_and_fractions():
    steps, counts = np.array([0, 50, 100]), np.array([40.0, 12.0, 3.0])
    sent = _valid(figures.index_figure(steps, counts, 200, marked_step=50))
    trace = sent["data"][0]
    np.testing.assert_array_equal(decode_array(trace["y"]), counts)
    np.testing.assert_allclose(decode_array(trace["customdata"]), counts / 200)
    assert sent["layout"]["yaxis2"]["range"][1] == pytest.approx(
        sent["layout"]["yaxis"]["range"][1] / 200
    )


def test_plane_and_line_figures():
    alphas = np.linspace(-1, 1, 21)
    Z = 1.0 + alphas[None, :] ** 2 + 3 * alphas[:, None] ** 2
    path = np.stack([np.linspace(-0.8, 0, 30), np.linspace(0.9, 0, 30)], axis=1)
    sent = _valid(
        figures.plane_figure(alphas, alphas, Z, [figures.PlanePath("adam", "Adam", path)])
    )
    (line,) = [t for t in sent["data"] if t.get("name") == "Adam"]
    np.testing.assert_array_equal(decode_array(line["x"]), path[:, 0].astype(np.float32))
    ends = next(t for t in sent["data"] if t.get("legendgroup") == "adam" and t is not line)
    np.testing.assert_array_equal(decode_array(ends["y"]), path[[0, -1], 1].astype(np.float32))
    assert any(t.get("name") == "current weights" for t in sent["data"])
    ts = np.linspace(-0.5, 1.5, 11)
    sent = _valid(figures.line_figure(ts, [("training loss", ts**2), ("test loss", ts**2 + 1)]))
    assert [t["name"] for t in sent["data"]] == ["training loss", "test loss"]
    assert sorted(s["x0"] for s in sent["layout"]["shapes"]) == [0.0, 1.0]


def test_chain_figure_clips_at_the_threshold():
    depths = np.arange(1, 31)
    norms = depths * 2.0 ** (depths - 1)
    sent = _valid(figures.chain_figure(depths, [("a = 1, b = 2", norms)], clip_threshold=10.0))
    full, clipped = sent["data"]
    np.testing.assert_allclose(decode_array(full["y"]), norms.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(decode_array(clipped["y"]), np.minimum(norms, 10.0))
    assert sent["layout"]["shapes"][0]["y0"] == 10.0
