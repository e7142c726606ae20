"""Figures of the minima-and-saddles page: markers by kind, eigen-arrows along the eigenvectors,
the local model's lines, basin colours, escape counts, random-matrix charts, exact digits."""

import math
import sys
from decimal import Decimal

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import saddles as figures
from viz.contour import CLICK_GRID_TRACE
from viz.figure import decode_array
from viz.paths import OptimizerPath
from viz.theme import Look

XS = np.linspace(-2.0, 2.0, 41)
YS = np.linspace(-2.0, 2.0, 41)
Z = XS[None, :] ** 2 - YS[:, None] ** 2  # x² − y²


def point(w, eigenvalues, eigenvectors=None, kind="saddle", index=1, value=0.0):
    vectors = np.eye(2) if eigenvectors is None else np.asarray(eigenvectors, dtype=float)
    return figures.PointView(
        np.asarray(w, float), value, np.asarray(eigenvalues, float), vectors, kind, index
    )


def values(trace, axis):
    return (
        decode_array(trace[axis])
        if isinstance(trace[axis], dict)
        else np.asarray(trace[axis], dtype=float)
    )


def traces(fig, name):
    return [t for t in fig.to_dict()["data"] if t.get("name") == name]


# --- arrows ----------------------------------------------------------------------------------


def test_arrow_lengths_grow_with_the_curvature_and_stay_visible():
    lengths = figures.arrow_lengths([-4.0, 1.0, 0.0, 100.0], reference=4.0, longest=2.0)
    assert lengths[0] == 2.0  # |λ| = reference: the longest
    assert lengths[1] == pytest.approx(2.0 * math.sqrt(1 / 4))
    assert lengths[2] == figures.ARROW_FLOOR * 2.0  # floor
    assert lengths[3] == 2.0  # capped
    np.testing.assert_allclose(figures.arrow_lengths([0.0, 0.0], 0.0, 1.0), figures.ARROW_FLOOR)


def test_curvature_sign_counts_tiny_eigenvalues_as_flat():
    np.testing.assert_array_equal(figures.curvature_sign([-3.0, 1e-9, 2.0], 3.0), [-1, 0, 1])


def test_eigen_arrows_point_along_each_eigenvector_both_ways():
    angle = 0.3
    q = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    p = point((1.0, -0.5), [-2.0, 8.0], q)
    arrows = figures.eigen_arrows([p], longest=1.0)
    lengths = figures.arrow_lengths(p.eigenvalues, 8.0, 1.0)
    for sign, column in ((-1, 0), (1, 1)):
        rows = arrows[sign].reshape(-1, 3, 2)
        assert len(rows) == 2  # both ways
        for tail, tip, gap in rows:
            np.testing.assert_allclose(tail, p.w)
            assert np.isnan(gap).all()
            offset = tip - tail
            assert np.linalg.norm(offset) == pytest.approx(lengths[column])
            assert abs(offset @ q[:, column]) == pytest.approx(lengths[column])
    assert len(arrows[0]) == 0


# --- the critical points map -----------------------------------------------------------------


def test_critical_points_figure_marks_each_kind_and_validates():
    points = [
        point((0, 0), [-2, 2], kind="saddle"),
        point((1, 1), [1, 3], kind="minimum", index=0),
        point((-1, 1), [-3, -1], kind="maximum", index=2),
        point((1, -1), [0, 0], kind="degenerate", index=0),
    ]
    inspected = point((0.5, 0.2), [-2, 2], kind="point")
    lx = np.linspace(0, 1, 20)
    model = (lx[None, :] - 0.5) ** 2 - (lx[:, None] - 0.2) ** 2
    local = figures.LocalModel(np.array([0.5, 0.2]), 0.21, lx, lx, model, model)
    fig = figures.critical_points_figure(XS, YS, Z, points, inspected=inspected, local=local)
    for p in points:
        (trace,) = traces(fig, p.kind)
        assert trace["marker"]["symbol"] == figures.KIND_SYMBOLS[p.kind]
        np.testing.assert_allclose(np.c_[values(trace, "x"), values(trace, "y")], [p.w], rtol=1e-6)
    assert traces(fig, "λ < 0: curves down (a way out)")
    assert traces(fig, "λ > 0: curves up along this line")
    assert traces(fig, "quadratic model at w₀") and traces(fig, "inspected point w₀")
    assert "inspect" in fig.data[CLICK_GRID_TRACE].hovertemplate
    go.Figure(fig.to_dict())  # Plotly validates every trace


def test_too_many_points_get_markers_but_no_arrows():
    grid = [
        point((x, y), [1, 2], kind="minimum", index=0)
        for x in np.linspace(-1, 1, 9)
        for y in np.linspace(-1, 1, 9)
    ]
    fig = figures.critical_points_figure(XS, YS, Z, grid, max_arrows=60)
    assert len(values(traces(fig, "minimum")[0], "x")) == 81
    assert not traces(fig, "λ > 0: curves up along this line")


def test_model_levels_pass_through_the_value_and_span_the_window():
    surface = np.array([[0.0, 1.0], [4.0, -2.0]])
    levels = figures.model_levels(1.0, surface, count=3)
    assert 1.0 in levels and len(levels) == 7
    assert levels.min() == pytest.approx(-2.0) and levels.max() == pytest.approx(4.0)


# --- basins ----------------------------------------------------------------------------------


def test_basin_figure_colours_minima_apart_and_marks_the_rest():
    targets = [
        point((-1, 0), [1, 2], kind="minimum", index=0),
        point((1, 0), [1, 2], kind="minimum", index=0),
        point((0, 0), [-1, 1], kind="saddle"),
    ]
    labels = np.array([[0, 1, 2], [-1, -2, 0]])
    xs, ys = np.array([-1.0, 0.0, 1.0]), np.array([-0.5, 0.5])
    shares = np.array([2, 1, 1, 1, 1]) / 6
    fig = figures.basin_figure(xs, ys, labels, targets, shares=shares)
    heatmap = fig.data[0]
    np.testing.assert_array_equal(heatmap.z, [[0, 1, 2], [3, 4, 0]])
    scale = dict((round(s, 6), c) for s, c in heatmap.colorscale)
    colours = figures.basin_colours([t.kind for t in targets])
    assert colours[0] != colours[1] and colours[2] == figures.STUCK_COLORS[0]
    assert scale[round(4 / 5, 6)] == figures.DIVERGED_COLOR
    names = [t["name"] for t in fig.to_dict()["data"] if t.get("x") == [None]]
    assert names[0] == "→ minimum at (-1, 0), 33 %"
    assert any("diverged" in name for name in names)
    assert heatmap.text[1][1] == "→ diverged"
    go.Figure(fig.to_dict())


# --- escaping a saddle -----------------------------------------------------------------------


def test_escape_figure_log_axis_and_runs_that_never_left_on_the_top_edge():
    d = np.array([1e-8, 1e-4, 1e-1])
    series = [
        figures.EscapeSeries("gd", "GD", d, np.array([200, 100, 20]), np.array([True] * 3)),
        figures.EscapeSeries("newton", "Newton", d, np.array([2049] * 3), np.array([False] * 3)),
    ]
    fig = figures.escape_figure(series, budget=2048, estimate=(d, np.array([190, 95, 9]), "T"))
    layout = fig.to_dict()["layout"]
    assert layout["xaxis"]["type"] == "log"
    top = figures.escape_axis_top(series, [190, 95, 9])
    assert top == pytest.approx(240.0) and layout["yaxis"]["range"] == [0, top]
    (stuck,) = traces(fig, "Newton: never left (2048 steps)")
    np.testing.assert_allclose(values(stuck, "y"), 0.97 * top, rtol=1e-6)
    np.testing.assert_array_equal(values(stuck, "customdata"), [2049] * 3)
    np.testing.assert_allclose(values(traces(fig, "GD")[0], "y"), [200, 100, 20])
    go.Figure(fig.to_dict())


def test_escape_paths_figure_draws_the_ball_and_both_directions():
    t = np.arange(30)
    params = np.c_[np.zeros(30), 1e-3 * 1.3**t]
    path = OptimizerPath("gd", "GD", params, np.zeros(30), np.zeros((30, 2)))
    fig = figures.escape_paths_figure(
        XS,
        YS,
        Z,
        [path],
        centre=(0.0, 0.0),
        radius=0.5,
        unstable=(0.0, 1.0),
        stable=(1.0, 0.0),
        start=params[0],
        look=Look(presentation=True),
    )
    (ring,) = traces(fig, "r = 0.5 around the saddle")
    np.testing.assert_allclose(np.hypot(values(ring, "x"), values(ring, "y")), 0.5, rtol=1e-6)
    (unstable,) = traces(fig, "unstable direction u (λ < 0)")
    np.testing.assert_allclose(values(unstable, "x"), 0.0, atol=1e-7)
    assert fig.layout.width is None and fig.layout.legend.orientation == "h"
    go.Figure(fig.to_dict())


def test_escape_paths_stop_a_while_after_the_last_escape_or_at_a_divergence():
    from types import SimpleNamespace

    steps, starts = 50, 2

    def sweep(near, escaped, diverged):
        params = np.arange(starts * (steps + 1) * 2, dtype=float).reshape(starts, steps + 1, 2)
        return SimpleNamespace(
            params=params,
            loss=params[..., 0],
            steps_near=np.array(near),
            escaped=np.array(escaped),
            diverged_at=np.array(diverged),
        )

    sweeps = {
        "gd": sweep([30, 12], [False, True], [-1, -1]),  # start 1: left after 12 steps
        "adam": sweep([5, 7], [True, True], [-1, -1]),
        "newton": sweep([50, 50], [False, False], [-1, 4]),  # start 1: diverged at step 4
    }
    titles = {"gd": "GD", "adam": "Adam", "newton": "Newton"}
    paths = figures.escape_paths(sweeps, titles, 1, budget=steps, after=20)
    assert [p.name for p in paths] == ["gd", "adam", "newton"]
    assert [p.label for p in paths] == ["GD", "Adam", "Newton"]
    # the last escape is gd's at 12 steps: every path has 12 + 20 steps, w₀ included
    assert [len(p.params) for p in paths] == [33, 33, 4]  # newton: up to its divergence
    np.testing.assert_array_equal(paths[0].params, sweeps["gd"].params[1, :33])
    assert all(np.isnan(p.grad).all() and p.grad.shape == p.params.shape for p in paths)
    # start 0: adam's escape after 5 steps is the last, and the budget cuts nothing
    assert [len(p.params) for p in figures.escape_paths(sweeps, titles, 0, budget=steps)] == [
        26,
        26,
        26,
    ]
    # no run escaped: 0 + 20 steps; a budget below that cuts every path to budget + 1 points
    none = {"gd": sweep([50, 50], [False, False], [-1, -1])}
    assert len(figures.escape_paths(none, titles, 0, budget=steps)[0].params) == 21
    assert len(figures.escape_paths(none, titles, 0, budget=10)[0].params) == 11


def test_circle_outline_is_closed_at_the_radius():
    ring = figures.circle_outline((1.0, 2.0), 0.3)
    np.testing.assert_allclose(np.hypot(*(ring - (1.0, 2.0)).T), 0.3)
    np.testing.assert_allclose(ring[0], ring[-1])


# --- random Hessians -------------------------------------------------------------------------


def test_index_histogram_shares_and_colours():
    counts = np.array([1, 30, 60, 9])
    fig = figures.index_histogram_figure(counts, samples=100)
    bars = fig.to_dict()["data"][0]
    np.testing.assert_allclose(values(bars, "y"), counts / 100, rtol=1e-6)
    colours = bars["marker"]["color"]
    assert colours[0] == figures.CURVES_UP and colours[1] == colours[2] == figures.CURVES_DOWN
    assert colours[3] not in (figures.CURVES_UP, figures.CURVES_DOWN)  # k = N: a maximum
    go.Figure(fig.to_dict())


def test_positive_fraction_draws_empty_sizes_as_upper_bounds():
    ns = np.arange(1, 7)
    fraction = np.array([0.5, 0.15, 0.02, 0.001, 0.0, 0.0])
    stderr = np.sqrt(fraction * (1 - fraction) / 1000)
    fig = figures.positive_fraction_figure(ns, fraction, stderr, samples=1000, current=3)
    (seen,) = traces(fig, "sampled share (± standard error)")
    np.testing.assert_array_equal(values(seen, "x"), [1, 2, 3, 4])
    np.testing.assert_allclose(values(seen, "y"), fraction[:4], rtol=1e-6)
    (bound,) = traces(fig, "none of 1,000: below ≈ 3/1,000")
    np.testing.assert_array_equal(values(bound, "x"), [5, 6])
    np.testing.assert_allclose(values(bound, "y"), 3 / 1000)
    assert fig.to_dict()["layout"]["yaxis"]["type"] == "log"
    go.Figure(fig.to_dict())


# --- numbers as text -------------------------------------------------------------------------


def test_exact_digits_of_small_and_huge_integers():
    for n in (0, 7, 3_628_800, 10**40 + 1):
        assert figures.exact_digits(n) == str(n)
    assert figures.exact_digits(10**5000 + 7) == "1" + "0" * 4999 + "7"
    huge = math.factorial(100) ** 100
    text = figures.exact_digits(huge)
    assert len(text) == math.floor(100 * math.log10(math.factorial(100))) + 1
    assert Decimal(text) == Decimal(huge)
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert text == str(huge)
    finally:
        sys.set_int_max_str_digits(limit)


def test_short_number_never_prints_e_notation():
    assert figures.short_number(97.5481) == "97.55"
    assert figures.short_number(-14.1348) == "−14.13"
    assert figures.short_number(0.0) == "0"
    assert figures.short_number(-2.31e-14) == "−2.31·10⁻¹⁴"
    assert figures.short_number(123456.0, 3) == "1.2·10⁵"


def test_latex_number_writes_powers_of_ten():
    assert figures.latex_number(95.8123) == "95.81"
    assert figures.latex_number(-12.3912) == "-12.39"
    assert figures.latex_number(0.0) == "0"
    assert figures.latex_number(-2.31e-14) == r"-2.31 \cdot 10^{-14}"
