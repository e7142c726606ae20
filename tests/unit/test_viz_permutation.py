"""Figures of the permutation page: traces, frames, colours and axes, checked without Streamlit
(and validated by Plotly: the builders skip validation for speed)."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import permutation as figures
from viz.figure import decode_array
from viz.theme import Look

BOX = ((-2.0, 2.0), (-2.0, 2.0))
N = 3


def planes_along(frames: int) -> np.ndarray:
    """(F, N, 3) lines turning slowly: unit k at angle k·60° + f degrees."""
    angles = np.deg2rad(np.arange(N)[None, :] * 60 + np.arange(frames)[:, None])
    return np.stack([np.cos(angles), np.sin(angles), np.full(angles.shape, 0.2)], axis=-1)


def validate(fig) -> dict:
    as_dict = fig.to_dict()
    go.Figure(as_dict)  # raises on anything Plotly would not accept, frames included
    return as_dict


def assert_square_map(layout, x: str, y: str, anchor: str) -> None:
    """The input plane drawn as a map (`viz.theme.map_axes`): one unit as long on both axes,
    the box's range, no grid across it."""
    xaxis, yaxis = layout[x], layout[y]
    assert yaxis.scaleanchor == anchor and xaxis.constrain == yaxis.constrain == "domain"
    assert tuple(xaxis.range) == BOX[0] and tuple(yaxis.range) == BOX[1]
    assert xaxis.showgrid is False and yaxis.showgrid is False


def test_teacher_student_figure_colours_student_units_by_their_teacher():
    rng = np.random.default_rng(0)
    steps = np.array([0, 10, 50, 100])
    order = np.array([2, 0, 1])  # teacher unit k ↔ student unit order[k]
    fig = figures.teacher_student_figure(
        rng.uniform(-2, 2, (30, 2)),
        rng.uniform(0, 3, 30),
        planes_along(1)[0],
        planes_along(4),
        steps,
        np.geomspace(1, 1e-6, 101),
        order,
        BOX,
    )
    as_dict = validate(fig)
    students = [t for t in fig.data if (t.name or "").startswith("student")]
    teachers = [t for t in fig.data if (t.name or "").startswith("teacher")]
    assert len(students) == len(teachers) == N
    for k in range(N):
        student_unit = order[k]
        assert students[student_unit].line.color == figures.unit_color(k)
        assert teachers[k].line.color == figures.unit_color(k)
        assert f"→ teacher {k + 1}" in students[student_unit].name
    frames = as_dict["frames"]
    assert len(frames) == len(steps)
    moving = [i for i, t in enumerate(fig.data) if t.name and t.name.startswith("student")]
    assert frames[0]["traces"][:N] == moving
    # the loss marker follows the run's loss at each kept step
    marker = decode_array(frames[2]["data"][-1]["y"])
    assert marker[0] == pytest.approx(np.geomspace(1, 1e-6, 101)[50], rel=1e-6)
    assert fig.layout.yaxis2.type == "log"
    assert_square_map(fig.layout, "xaxis", "yaxis", "x")
    assert fig.layout.xaxis.domain == (0.0, 0.6)
    slider = as_dict["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == ["0", "10", "50", "100"]


def test_exchange_figure_moves_the_point_the_lines_and_the_profile_marker():
    frames_count = 9
    position = np.linspace(-2, 2, frames_count)
    loss = 1.0 - position**2 / 4
    path_xy = np.stack([np.linspace(-1, 1, frames_count), 1 - np.abs(np.linspace(-1, 1, 9))], 1)
    alphas, betas = np.linspace(-1.6, 1.6, 31), np.linspace(-0.8, 1.8, 25)
    plane = np.add.outer(betas**2, alphas**2)
    rng = np.random.default_rng(1)
    fig = figures.exchange_figure(
        alphas,
        betas,
        plane,
        path_xy,
        position,
        loss,
        planes_along(frames_count),
        (0, 2),
        rng.uniform(-2, 2, (20, 2)),
        rng.uniform(0, 3, 20),
        BOX,
        line_position=position,
        line_loss=2 * loss,
        look=Look(presentation=True),
    )
    as_dict = validate(fig)
    frames = as_dict["frames"]
    assert len(frames) == frames_count
    assert all(len(f["data"]) == len(f["traces"]) == 1 + N + 1 for f in frames)
    here, *units, marker = frames[4]["traces"]
    np.testing.assert_allclose(decode_array(frames[4]["data"][0]["x"]), [path_xy[4, 0]])
    np.testing.assert_allclose(decode_array(frames[4]["data"][-1]["y"]), [loss[4]], rtol=1e-6)
    assert [fig.data[u].line.color for u in units] == [figures.unit_color(k) for k in range(N)]
    widths = [fig.data[u].line.width for u in units]
    assert widths[0] == widths[2] > widths[1]  # the exchanged pair stands out
    assert fig.data[marker].xaxis == "x3"
    assert len(as_dict["layout"]["images"]) == 1  # the loss map is an image, not a trace
    assert_square_map(fig.layout, "xaxis2", "yaxis2", "x2")
    assert fig.layout.xaxis2.anchor == "y2" and fig.layout.yaxis2.anchor == "x2"
    assert fig.layout.yaxis.scaleanchor is None  # α and β have no common unit
    labels = [s["label"] for s in as_dict["layout"]["sliders"][0]["steps"]]
    assert labels[0].startswith("before") and labels[4].startswith("at") and "after" in labels[-1]


def test_profile_figure_marks_both_minima_and_the_saddle():
    position = np.linspace(-3, 3, 7)
    loss = np.array([0, 1, 2, 3, 2, 1, 0], float)
    fig = figures.profile_figure(position, loss, position, 2 * loss, jumps=[1])
    validate(fig)
    minima = next(t for t in fig.data if (t.name or "").startswith("minimum"))
    np.testing.assert_array_equal(minima.x, [-3, 3])
    saddle = next(t for t in fig.data if (t.name or "").startswith("permutation point"))
    assert (saddle.x[0], saddle.y[0]) == (0, 3)
    assert any((t.name or "").startswith("jump") for t in fig.data)
    assert figures.profile_figure(position, loss).data[1].name.startswith("minimum")


def test_eigenvalue_figure_splits_by_sign_and_counts():
    values = np.array([-0.5, -1e-3, 1e-12, 2e-3, 1.0, 3.0])
    fig = figures.eigenvalue_figure(values, zero_tol=1e-9)
    validate(fig)
    names = [t.name for t in fig.data]
    assert names == ["negative (2)", "zero (1)", "positive (3)"]
    np.testing.assert_allclose(fig.data[0].y, [0.5, 1e-3], rtol=1e-6)
    np.testing.assert_array_equal(fig.data[0].x, [1, 2])
    assert fig.layout.yaxis.type == "log"


def test_critical_figure_separates_critical_points_from_flat_regions():
    index = np.array([0.0, 0.1, 0.2, 0.5])
    loss = np.array([0.0, 0.01, 0.03, 1.0])
    grad = np.array([1e-17, 1e-12, 1e-4, 1e-3])
    fig = figures.critical_figure(index, loss, grad, grad < 1e-8, saddle_loss=0.01)
    validate(fig)
    critical, flat = fig.data
    assert critical.marker.symbol == "circle" and flat.marker.symbol == "circle-open"
    np.testing.assert_allclose(critical.y, [figures.LOSS_FLOOR, 0.01], rtol=1e-6)
    assert len(flat.x) == 2
    assert fig.layout.shapes[0].y0 == 0.01
    assert fig.layout.annotations[0].y == pytest.approx(-2)  # log axis: annotations in log₁₀


def test_regions_figure_tints_neighbouring_regions_differently():
    ids = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [3, 3, 2, 4]])
    colours = figures.region_colours(ids)
    horizontal = ids[:, 1:] != ids[:, :-1]
    vertical = ids[1:, :] != ids[:-1, :]
    assert np.all(colours[ids[:, 1:]][horizontal] != colours[ids[:, :-1]][horizontal])
    assert np.all(colours[ids[1:, :]][vertical] != colours[ids[:-1, :]][vertical])
    lines = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -0.5]])
    fig = figures.regions_figure(np.arange(4), np.arange(3), ids, lines, BOX)
    validate(fig)
    np.testing.assert_array_equal(fig.data[0].z, colours[ids])
    assert_square_map(fig.layout, "xaxis", "yaxis", "x")
    assert np.isnan(fig.data[1].x).sum() == 2  # one NaN separator per line


def test_region_count_figure_draws_each_series_and_the_current_point():
    ns = np.arange(1, 11)
    fig = figures.region_count_figure(
        ns, {"d = 2": 1 + ns + ns * (ns - 1) // 2, "2ⁿ": 2.0**ns}, highlight=(4, 11)
    )
    validate(fig)
    assert [t.name for t in fig.data] == ["d = 2", "2ⁿ", "these lines"]
    assert fig.layout.yaxis.type == "log"
    assert fig.data[-1].x[0] == 4 and fig.data[-1].y[0] == 11
