"""`viz.figure.AnimatedFigure` serialises to what Plotly itself would produce, frames added."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz.figure import AnimatedFigure, decode_array, typed_array


def _traces():
    return [
        {"type": "scatter", "x": np.arange(4.0), "y": [1, 2, 3, 4], "marker": {"color": "red"}},
        {"type": "heatmap", "z": np.eye(3), "colorscale": [[0, "white"], [1, "black"]]},
    ]


def test_to_dict_matches_plotly_and_adds_frames_and_controls():
    layout = {"title": {"text": "t"}, "xaxis": {"range": [0, 1]}}
    frames = [{"name": "1", "data": [{"x": typed_array([1.0, 2.0])}], "traces": [0]}]
    controls = {"sliders": [{"steps": [{"label": "1"}]}]}
    figure = AnimatedFigure(_traces(), layout, frames=frames, controls=controls)
    expected = go.Figure(data=_traces(), layout=layout).to_dict()

    result = figure.to_dict()
    assert result["data"] == expected["data"]
    assert result["layout"] == {**expected["layout"], **controls}
    assert result["frames"] == frames
    np.testing.assert_array_equal(decode_array(result["frames"][0]["data"][0]["x"]), [1, 2])


def test_to_dict_leaves_the_figure_as_it_was():
    figure = AnimatedFigure(_traces(), {"title": {"text": "t"}})
    first = figure.to_dict()
    first["data"][0]["marker"]["color"] = "blue"
    first["layout"]["title"]["text"] = "changed"
    second = figure.to_dict()
    assert second["data"][0]["marker"]["color"] == "red"
    assert second["layout"]["title"]["text"] == "t"
    assert isinstance(figure.data[1].z, np.ndarray | tuple)
    assert figure.to_dict() == second
