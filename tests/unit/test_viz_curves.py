"""Loss/distance curves and the 3-D view: log axes, floors, divergence marks, thinned grids."""

import numpy as np
import plotly.graph_objects as go
import pytest

from viz.contour import log_transform
from viz.curves import FLOOR, curves_figure
from viz.paths import OptimizerPath
from viz.surface3d import LIFT, MAX_GRID, surface_figure


def path(name, loss, diverged_at=None):
    n = len(loss)
    params = np.stack([np.linspace(1, 0, n), np.linspace(-1, 0, n)], axis=1)
    return OptimizerPath(
        name, name.title(), params, np.asarray(loss, float), params * 0, diverged_at=diverged_at
    )


def test_loss_gap_on_a_log_axis_with_zeros_at_the_floor():
    runs = [path("gd", [4.0, 2.0, 1.0, 1.0]), path("adam", [4.0, 1.5, 1.0 + 1e-3])]
    fig = curves_figure(runs, reference_loss=1.0, distances={"gd": np.array([1, 0.5, 0.1, 0])})
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "log"
    gd_loss = fig.data[0]
    np.testing.assert_allclose(gd_loss.y, np.float32([3.0, 1.0, FLOOR, FLOOR]))
    assert gd_loss.y.dtype == np.float32
    distance = [t for t in fig.data if t.xaxis == "x2"][0]
    assert distance.y[-1] == np.float32(FLOOR) and len(distance.y) == 4
    assert [t.name for t in fig.data if t.showlegend] == ["Gd", "Adam"]
    go.Figure(fig.to_dict())  # built without validation for speed: Plotly accepts it


def test_without_a_known_minimum_the_loss_axis_is_linear_and_there_is_one_panel():
    fig = curves_figure([path("gd", [0.0, -1.0, -4.0])])
    assert fig.layout.yaxis.type == "linear"
    assert "xaxis2" not in fig.to_dict()["layout"]
    assert all(t.xaxis in (None, "x") for t in fig.data)
    np.testing.assert_array_equal(fig.data[0].y, np.float32([0.0, -1.0, -4.0]))


def test_a_diverged_run_ends_with_a_cross_at_its_last_step():
    fig = curves_figure([path("momentum", [1.0, 10.0, 1e6], diverged_at=3)], reference_loss=0.0)
    crosses = [t for t in fig.data if t.mode == "markers"]
    assert len(crosses) == 1 and list(crosses[0].x) == [2] and crosses[0].y[0] == pytest.approx(1e6)


def test_3d_view_thins_the_grid_and_lays_paths_on_the_surface():
    xs, ys = np.linspace(-1, 1, 150), np.linspace(-2, 2, 121)
    Z = xs[None, :] ** 2 + ys[:, None] ** 2 + 1.0
    run = path("gd", [1.0, 1.0, 1.0])
    run = run._replace(loss=run.params[:, 0] ** 2 + run.params[:, 1] ** 2 + 1.0)
    fig = surface_figure(xs, ys, Z, [run], log_color=True, minima=[(0.0, 0.0)])
    surface = fig.data[0]
    assert len(surface.x) <= MAX_GRID and len(surface.y) <= MAX_GRID
    assert surface.z.shape == (len(surface.y), len(surface.x))
    line = fig.data[1]
    expected = log_transform(run.loss, Z)
    lift = LIFT * np.ptp(surface.z)
    np.testing.assert_allclose(line.z, expected + lift, rtol=1e-4, atol=1e-4)
    go.Figure(fig.to_dict())
    marker = fig.data[2]
    assert marker.z[0] == pytest.approx(log_transform([1.0], Z)[0] + lift, abs=1e-3)
