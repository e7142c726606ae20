"""`viz.figure.AnimatedFigure` and `figure_dict` serialise to what Plotly itself would produce
(frames added; the template is left to whoever draws the figure, `app_support.charts`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz.figure import AnimatedFigure, decode_array, figure_dict, typed_array


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
    del expected["layout"]["template"]  # Plotly's default one, which the app replaces

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


def _mixed_traces():
    """Arrays of every kind Plotly encodes or leaves alone, and a Plotly object in a dict."""
    return [
        {
            "type": "scatter",
            "x": np.arange(5),  # int64 that fits int8
            "y": np.linspace(0, 1, 5).astype(np.float32),
            "text": np.array(["a", "b"]),  # not numeric: left as a list
            "customdata": np.zeros((2, 3)),  # 2-D: a shape is sent
            "marker": {
                "color": np.array([1, 2, 300_000]),  # int64 that needs int32
                "size": np.array([1, 2, 3], dtype=np.uint64),
                "opacity": np.array([2**40, 1]),  # int64 too large for int32: left alone
            },
        },
        {"type": "heatmap", "z": np.ones((3, 4)), "x": [1, 2, 3], "y": (1, 2)},
        {"type": "scatter", "x": np.array([]), "y": np.array([True, False])},
    ]


def _mixed_layout():
    return {
        "xaxis": {"range": np.array([0.0, 1.0])},  # Plotly never encodes a range
        "images": [{"source": "x", "x": np.float64(1.0)}],
        "annotations": [go.layout.Annotation(text="hi", x=1)],
    }


def test_figure_dict_of_a_plain_figure_is_plotlys_own():
    import plotly.io

    figure = go.Figure(data=_mixed_traces(), layout=_mixed_layout(), _validate=False)
    expected = plotly.io.json.to_json_plotly(figure.to_dict())
    ours = figure_dict(figure)
    ours["layout"]["template"] = figure.layout.template.to_plotly_json()
    assert plotly.io.json.to_json_plotly(ours) == expected


def test_the_plotly_figure_is_built_when_first_asked_for_and_its_changes_are_sent():
    figure = AnimatedFigure(_mixed_traces(), _mixed_layout())
    assert "_pending" in figure.__dict__  # nothing built yet
    assert figure.data[0].type == "scatter"  # built on first use
    figure.update_layout(title_text="new title")
    figure.data[1].zmin = -1.0
    sent = figure_dict(figure)
    assert sent["layout"]["title"] == {"text": "new title"}
    assert sent["data"][1]["zmin"] == -1.0
    try:
        figure.no_such_attribute  # noqa: B018 - the lookup itself is what is tested
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")


def test_frames_cut_each_layer_per_step_as_float32():
    from viz import animation

    rng = np.random.default_rng(0)
    steps = np.array([0, 5, 10])
    layers = [rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 1, 2))]
    frames = animation.frames(steps, layers, [7, 9])
    assert [f["name"] for f in frames] == ["0", "5", "10"]
    for i, frame in enumerate(frames):
        assert frame["traces"] == [7, 9]
        for trace, layer in zip(frame["data"], layers, strict=True):
            np.testing.assert_array_equal(decode_array(trace["x"]), layer[i, :, 0].astype("f4"))
            np.testing.assert_array_equal(decode_array(trace["y"]), layer[i, :, 1].astype("f4"))
