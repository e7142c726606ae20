"""Figures of the regularization page: valid Plotly, and they draw the numbers they are given."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import regularization as figs
from viz.figure import decode_array
from viz.theme import Look

XS = np.linspace(-5, 5, 41)
YS = np.linspace(-4, 4, 33)
Z = np.add.outer(YS**2, 0.5 * XS**2)  # Z[i, j] at (XS[j], YS[i])
LAMS = np.concatenate([[0.0], np.geomspace(1e-3, 1e3, 61)])


def valid(fig) -> dict:
    """The figure's dict after Plotly's full validation (raises on any bad property)."""
    return go.Figure(fig.to_dict()).to_dict()


def trace(fig, name):
    matches = [t for t in fig.to_dict()["data"] if t.get("name") == name]
    assert matches, f"no trace named {name!r}"
    return matches[0]


def xy(t):
    return np.column_stack([decode_array(t["x"]), decode_array(t["y"])])


def straight_path(w_star):
    return np.outer(1 / (1 + LAMS), w_star)


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_penalty_map_draws_the_path_the_current_point_and_the_level_set(kind):
    current = np.array([1.5, -0.5])
    fig = figs.penalty_map(
        XS,
        YS,
        Z,
        kind=kind,
        lams=LAMS,
        path=straight_path([3.0, 1.0]),
        lam=1.0,
        current=current,
        w_star=[3.0, 1.0],
    )
    valid(fig)
    path = xy(trace(fig, "path of w̃(λ)"))
    np.testing.assert_allclose(path, straight_path([3.0, 1.0]), rtol=1e-6)
    np.testing.assert_allclose(xy(trace(fig, "w̃ at λ = 1")), [current])
    ring = xy([t for t in fig.to_dict()["data"] if str(t.get("name", "")).startswith("level")][0])
    if kind == "l2":
        np.testing.assert_allclose(np.linalg.norm(ring, axis=1), np.linalg.norm(current), rtol=1e-6)
    else:  # a diamond through the axes at ±‖w̃‖₁
        np.testing.assert_allclose(np.abs(ring).sum(axis=1), 2.0, rtol=1e-6)
        assert {tuple(p) for p in np.round(ring, 6)} >= {(2.0, 0.0), (0.0, 2.0)}
    assert fig.layout.title.text == figs.TITLES[kind]


def test_penalty_map_labels_lambdas_without_piling_them_up():
    fig = figs.penalty_map(
        XS,
        YS,
        Z,
        kind="l2",
        lams=LAMS,
        path=straight_path([3.0, 1.0]),
        lam=5.0,
        current=np.array([0.5, 0.17]),
        w_star=[3.0, 1.0],
    )
    labels = [t for t in fig.to_dict()["data"] if t.get("mode") == "markers+text"][0]
    points = xy(labels)
    box = min(XS[-1] - XS[0], YS[-1] - YS[0])
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1 :]]
    assert all(g >= figs.LABEL_SPACING * box for g in gaps)
    for text, point in zip(labels["text"], points, strict=True):
        lam = float(text.split("=")[1])
        np.testing.assert_allclose(point, np.array([3.0, 1.0]) / (1 + lam), rtol=0.05)


def test_penalty_map_breaks_jumps_and_skips_missing_points():
    path = straight_path([3.0, 1.0])
    path[30:] = -path[30:]  # the global minimum jumps to the other side
    path[50:] = np.nan  # and then leaves the box
    fig = figs.penalty_map(
        XS, YS, Z, kind="l1", lams=LAMS, path=path, lam=1.0, current=[np.nan, np.nan], w_star=None
    )
    valid(fig)
    drawn = xy(trace(fig, "path of w̃(λ)"))
    gaps = np.where(np.isnan(drawn[:, 0]))[0]
    assert gaps[0] == 30  # a NaN row between row 29 and the jumped row 30
    assert not any(t.get("name", "").startswith("w̃ at") for t in fig.to_dict()["data"])


def test_coefficient_paths_leave_out_lambda_zero_and_mark_the_zeros():
    l2 = straight_path([3.0, 1.0])
    l1 = np.maximum(np.array([3.0, 1.0]) - LAMS[:, None], 0.0)
    fig = figs.coefficient_paths(LAMS, l2, l1, lam=2.0, zero_lambdas={0: 3.0, 1: 1.0})
    d = valid(fig)
    lines = [t for t in d["data"] if t["mode"] == "lines"]
    assert len(lines) == 4
    for t in lines:
        assert decode_array(t["x"]).min() > 0  # a log axis has no λ = 0
    marks = [t for t in d["data"] if t["mode"] == "markers+text"]
    assert sorted(t["x"][0] for t in marks) == [1.0, 3.0]
    assert d["layout"]["xaxis"]["type"] == "log"
    assert [s["x0"] for s in d["layout"]["shapes"]] == [2.0, 2.0]


def test_shrink_figure_plots_prediction_measurement_and_the_half_points():
    curv = np.array([1.0, 0.2])
    predicted = curv / (curv + LAMS[:, None])
    measured_lams = np.array([0.1, 1.0, 10.0])
    measured = curv / (curv + measured_lams[:, None])
    fig = figs.shrink_figure(LAMS, predicted, measured_lams, measured, curvatures=curv, lam=1.0)
    d = valid(fig)
    rings = [t for t in d["data"] if t["name"].endswith("measured")]
    for i, t in enumerate(rings):
        np.testing.assert_allclose(decode_array(t["y"]), measured[:, i], rtol=1e-6)
    half = trace(fig, "half kept at λ = D")
    np.testing.assert_allclose(xy(half), [[1.0, 0.5], [0.2, 0.5]])


def test_eigen_map_projects_both_points_on_the_eigen_axes():
    angle = np.deg2rad(30)
    q = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    w_star, w_tilde = np.array([3.0, 1.5]), np.array([1.5, 0.8])
    fig = figs.eigen_map(XS, YS, Z, eigenvectors=q, w_star=w_star, w_tilde=w_tilde, lam=1.0)
    d = valid(fig)
    legs = [t for t in d["data"] if t.get("line", {}).get("dash") == "dot"]
    feet = xy(legs[0]).reshape(-1, 3, 2)[:, 1]
    np.testing.assert_allclose(feet, [(q[:, i] @ w_star) * q[:, i] for i in range(2)], rtol=1e-6)


def test_coordinate_traces_draw_exact_zeros_on_a_labelled_floor():
    params = np.array([[1.0, 0.5], [0.5, 1e-3], [0.2, 0.0], [0.1, 0.0]])
    fig = figs.coordinate_traces([figs.Run("proximal", "proximal", params)])
    d = valid(fig)
    second = [t for t in d["data"] if t["yaxis"] == "y2"][0]
    values = decode_array(second["y"])
    floor = d["layout"]["yaxis2"]["tickvals"][0]
    assert d["layout"]["yaxis2"]["ticktext"][0] == "exactly 0"
    np.testing.assert_allclose(values[2:], floor)
    assert floor < 1e-3  # below every non-zero value
    assert second["customdata"][2] == "exactly 0" and second["customdata"][1] == ""


def test_early_stopping_map_joins_each_step_to_its_lambda():
    matches = [
        figs.Match(t, 1 / (0.1 * t), np.array([0.1 * t, 0.0]), np.array([0.1 * t, 0.05]))
        for t in (1, 2, 5)
    ]
    fig = figs.early_stopping_map(
        XS,
        YS,
        Z,
        gd_path=np.zeros((6, 2)),
        l2_path=np.zeros((4, 2)),
        matches=matches,
        chosen=matches[1],
        w_star=[3.0, 1.0],
    )
    valid(fig)
    joins = xy(trace(fig, "step t ↔ λ = 1/(εt)")).reshape(-1, 3, 2)
    np.testing.assert_allclose(joins[:, 0], [m.gd_point for m in matches], rtol=1e-6)
    np.testing.assert_allclose(joins[:, 1], [m.l2_point for m in matches], rtol=1e-6)
    assert trace(fig, "w̃ at λ = 1/(εt) = 5")


def test_early_stopping_gaps_and_clipping_steps_are_valid():
    steps = np.arange(1, 11)
    fig = figs.early_stopping_gaps(steps, 1e-3 * steps, 2e-3 * steps**2, chosen_step=4)
    d = valid(fig)
    assert d["layout"]["shapes"][0]["x0"] == 4
    runs = [figs.Run(k, k, np.zeros((4, 2))) for k in ("none", "norm", "value")]
    lengths = {k: np.array([1.0, 2.0, 0.15]) for k in ("none", "norm", "value")}
    angles = {k: np.array([0.0, 10.0, np.nan]) for k in ("none", "norm", "value")}
    d = valid(figs.clipping_steps(runs, lengths, angles, cap=0.15))
    assert d["layout"]["shapes"][0]["y0"] == 0.15
    assert len(d["data"]) == 6


def test_runs_map_marks_a_diverged_run_and_keeps_the_view_box():
    runs = [
        figs.Run("none", "no clipping", np.array([[-3.0, 2.0], [12.0, 1.0]]), diverged_at=2),
        figs.Run("norm", "clipped by norm", np.array([[-3.0, 2.0], [-2.85, 1.9]])),
    ]
    fig = figs.runs_map(
        XS,
        YS,
        Z,
        runs,
        markers=[((3.0, 0.0), "minimum", "star")],
        view_box=((-4.0, 12.0), (-3.0, 3.0)),
    )
    d = valid(fig)
    assert d["layout"]["xaxis"]["range"] == [-4.0, 12.0]
    np.testing.assert_allclose(xy(trace(fig, "no clipping"))[-1], [12.0, 1.0])  # never clipped
    assert trace(fig, "no clipping: diverged at step 2")


def test_presentation_and_dark_looks():
    big = Look(presentation=True)
    fig = figs.coefficient_paths(
        LAMS, straight_path([1, 1]), straight_path([1, 1]), lam=1.0, look=big
    )
    assert fig.layout.font.size == big.font_size
    dark = figs.penalty_map(
        XS,
        YS,
        Z,
        kind="l2",
        lams=LAMS,
        path=straight_path([1, 1]),
        lam=1.0,
        current=[0.5, 0.5],
        w_star=[1, 1],
        look=Look(dark=True),
    )
    assert valid(dark)["data"][0]["colorscale"][0][1] == Look(dark=True).contour_colorscale[0][1]
