"""The Generalization page's figure builders: what they draw follows the arrays they get."""

import numpy as np

from viz import generalization as figures
from viz.figure import decode_array, figure_dict
from viz.theme import Look


def _values(trace, key):
    return decode_array(trace[key])


def test_maps_figure_draws_one_map_and_boundary_per_panel():
    xs = ys = np.linspace(-1, 1, 5)
    panels = [figures.Panel("a", np.zeros((5, 5))), figures.Panel("b", np.ones((5, 5)))]
    points = (np.array([[0.0, 0.5], [0.2, -0.1]]), np.array([0, 1]))
    extra = np.array([[0.3, 0.3]])
    fig = figure_dict(figures.maps_figure(xs, ys, panels, points, extra_points=extra))
    heatmaps = [t for t in fig["data"] if t["type"] == "heatmap"]
    contours = [t for t in fig["data"] if t["type"] == "contour"]
    assert len(heatmaps) == len(contours) == 2
    np.testing.assert_array_equal(_values(heatmaps[1], "z").ravel(), np.ones(25))
    assert contours[0]["contours"]["start"] == 0.5  # p = ½: the decision boundary
    assert [a["text"] for a in fig["layout"]["annotations"]] == ["a", "b"]
    assert heatmaps[0]["xaxis"] == "x" and heatmaps[1]["xaxis"] == "x2"
    scatters = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(scatters) == 4  # training points and augmented copies, per panel


def test_curves_figure_marks_the_stop_and_the_best_step():
    steps = np.arange(0, 100, 10)
    curves = [
        figures.Curve("training", "training", np.arange(100), np.linspace(1, 0.01, 100)),
        figures.Curve("validation", "validation", steps, np.linspace(1, 0.5, 10), faint=True),
    ]
    fig = figure_dict(figures.curves_figure(curves, stop_step=60, best_step=40))
    assert [t["name"] for t in fig["data"]] == ["training", "validation"]
    assert fig["data"][1]["line"]["dash"] == "dot" and fig["data"][1]["opacity"] < 1
    xs = sorted(s["x0"] for s in fig["layout"]["shapes"])
    assert xs == [40, 60]
    np.testing.assert_allclose(_values(fig["data"][1], "y"), np.linspace(1, 0.5, 10), rtol=1e-6)


def test_statistics_figure_has_the_four_series_per_unit():
    fig = figure_dict(
        figures.statistics_figure(
            np.array([0.1, -0.2]),
            np.array([0.09, -0.18]),
            np.array([1.0, 2.0]),
            np.array([0.9, 1.8]),
            look=Look(presentation=True),
        )
    )
    assert len(fig["data"]) == 4
    np.testing.assert_allclose(_values(fig["data"][3], "y"), [0.9, 1.8], rtol=1e-6)
    assert fig["layout"]["font"]["size"] == Look(presentation=True).font_size
