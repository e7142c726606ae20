"""The chart component: Plotly.js from the plotly package, figures with the app's template."""

import re
from pathlib import Path

import plotly
from streamlit.testing.v1 import AppTest

from app_support.charts import (
    PLOTLY_JS,
    SHARED_CHARTS,
    drawn_figures,
    install_plotly_js,
    sent_payloads,
)


def test_plotly_js_is_the_packages_own_copy(tmp_path):
    target = install_plotly_js(tmp_path / "static")
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert target.name == PLOTLY_JS and plotly.__version__ in PLOTLY_JS
    assert target.read_bytes() == source.read_bytes()
    stamp = target.stat().st_mtime_ns
    assert install_plotly_js(tmp_path / "static") == target and target.stat().st_mtime_ns == stamp
    assert not list(target.parent.glob("*.part"))


def _two_charts():
    import plotly.graph_objects as go
    import streamlit as st

    from app_support.charts import plotly_chart
    from viz.theme import Look

    left, right = st.columns(2)
    fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))
    plotly_chart(fig, key="a", look=Look(dark=True), where=left)
    plotly_chart(fig, key="b", look=Look(), where=right, on_click=lambda: None)


def test_each_chart_draws_its_figure_with_the_app_template():
    at = AppTest.from_function(_two_charts).run()
    assert not at.exception
    dark, light = drawn_figures(at)
    assert dark["data"][0]["x"] == light["data"][0]["x"] == [0, 1]
    assert dark["layout"]["template"]["layout"]["legend"]["font"]["color"] == "#f2f4f7"
    assert light["layout"]["template"]["layout"]["legend"]["font"]["color"] == "#111418"


def _animated_chart():
    import numpy as np
    import streamlit as st

    from app_support.charts import plotly_chart
    from viz import animation
    from viz.figure import AnimatedFigure
    from viz.theme import Look

    steps = np.arange(3)
    frames = animation.frames(steps, [np.zeros((3, 1, 2))], [0])
    layout = {"height": 500, "margin": {"b": 120}}
    figure = AnimatedFigure(
        [{"type": "scatter", "x": [0.0], "y": [0.0]}],
        layout,
        frames,
        animation.controls(steps, Look()),
    )
    plotly_chart(figure, key="animated", look=Look())
    st.session_state["sent"] = figure.to_dict()


def test_an_animated_chart_sends_its_controls_apart_for_the_component_to_draw():
    import json

    at = AppTest.from_function(_animated_chart).run()
    assert not at.exception
    (element,) = [e for e in at.get("bidi_component")]
    payload = json.loads(element.proto.bytes)
    assert "sliders" not in payload["figure"]["layout"]
    assert "updatemenus" not in payload["figure"]["layout"]
    assert len(payload["figure"]["frames"]) == 3
    assert [s["frames"] for s in payload["animation"]["steps"]] == [["0"], ["1"], ["2"]]
    # the figure itself (an export, say) keeps Plotly's own controls
    assert len(at.session_state["sent"]["layout"]["sliders"][0]["steps"]) == 3


def _chart_with_frames_on_request():
    import numpy as np
    import streamlit as st

    from app_support.charts import frames_requested, plotly_chart
    from viz import animation
    from viz.figure import AnimatedFigure
    from viz.theme import Look

    steps = np.arange(3)
    asked = frames_requested("animated")
    st.session_state["asked"] = asked
    frames = animation.frames(steps, [np.zeros((3, 1, 2))], [0]) if asked else ()
    figure = AnimatedFigure(
        [{"type": "scatter", "x": [0.0], "y": [0.0]}], {}, frames, animation.controls(steps, Look())
    )
    plotly_chart(figure, key="animated", look=Look(), frames_on_request=True)


def test_a_chart_with_frames_on_request_sends_its_controls_and_the_frames_when_asked():
    import json

    at = AppTest.from_function(_chart_with_frames_on_request).run()
    assert not at.exception and at.session_state["asked"] is False
    (element,) = at.get("bidi_component")
    payload = json.loads(element.proto.bytes)
    assert payload["framesOnRequest"] is True
    assert "frames" not in payload["figure"]
    assert len(payload["animation"]["steps"]) == 3  # the bar is drawn, Play asks for frames


def test_frames_are_requested_by_the_charts_frames_trigger():
    from unittest import mock

    from app_support import charts

    for state, asked in (
        ({}, False),
        ({"animated": {"click": None}}, False),
        ({"animated": {"frames": None}}, False),
        ({"animated": {"frames": {"play": True, "at": 1}}}, True),
        ({"animated": {"frames": {"step": 0, "at": 2}}}, True),
    ):
        with mock.patch.object(charts.st, "session_state", state):
            assert charts.frames_requested("animated") is asked


def test_the_partial_plotly_bundles_are_the_packages_plotly_js_version():
    from app_support.charts import BUNDLES, STATIC_DIR, plotly_js_version

    version = plotly_js_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    for name in ("cartesian", "gl3d"):
        path = STATIC_DIR / f"plotly-{name}-{version}.min.js"
        assert path.exists(), f"{path.name} is missing: update it with the plotly package"
        assert plotly_js_version(path) == version
        assert BUNDLES[name] == f"app/static/{path.name}"
    assert BUNDLES["full"] == f"app/static/{PLOTLY_JS}"


def test_a_missing_partial_bundle_falls_back_to_the_full_one(tmp_path):
    from app_support.charts import plotly_bundles

    bundles = plotly_bundles(tmp_path)
    assert bundles["cartesian"] == bundles["gl3d"] == bundles["full"]


def test_figure_json_is_plotlys_json_without_the_html_escapes():
    import json

    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from app_support.charts import figure_json
    from viz.figure import figure_dict

    fig = go.Figure(
        go.Scatter(
            x=np.linspace(0.0, 1.0, 400), y=np.sin(np.arange(400.0)), name="a </b> b", text=["/"]
        )
    )
    fig.update_layout(title="x/y < z", xaxis_range=[0, float("nan")])
    spec = figure_dict(fig)
    ours = figure_json(spec)
    plotlys = plotly.io.json.to_json_plotly(spec)
    assert json.loads(ours) == json.loads(plotlys)  # the same figure, NaN as null
    assert b"\\u002f" not in ours and "\\u002f" in plotlys  # base64's "/" left as it is
    assert len(ours) < len(plotlys)
    # values orjson cannot write (a strided array, a pandas time) go through Plotly's cleaning
    odd = {"data": [{"x": np.arange(10.0)[::2], "y": [pd.Timestamp("2026-12-04")]}]}
    assert json.loads(figure_json(odd)) == {
        "data": [{"x": [0.0, 2.0, 4.0, 6.0, 8.0], "y": ["2026-12-04T00:00:00"]}]
    }


def _shared_chart():
    import plotly.graph_objects as go
    import streamlit as st

    from app_support.charts import plotly_chart
    from viz.theme import Look

    # what this session would build, and the settings it says determine it
    y, same_for = st.session_state["built_y"], st.session_state["same_for"]
    plotly_chart(
        lambda: go.Figure(go.Scatter(x=[0, 1], y=y)),
        key="shared",
        look=Look(),
        same_for=same_for,
        alt="a line",
    )


def _run_shared(y, same_for) -> AppTest:
    at = AppTest.from_function(_shared_chart)
    at.session_state["built_y"], at.session_state["same_for"] = y, same_for
    return at.run()


def test_sessions_with_the_same_settings_share_one_built_figure():
    """A second session with equal `same_for` is sent the figure the first one built: its
    own builder (which would draw another line here, to tell them apart) is not called; other
    settings build their own figure; the figure is the one an unshared chart sends."""
    SHARED_CHARTS.clear()
    first = _run_shared([1, 0], ("steps", 210))
    second = _run_shared([5, 5], ("steps", 210))
    other = _run_shared([2, 3], ("steps", 220))
    assert not (first.exception or second.exception or other.exception)
    (drawn_first,), (drawn_second,), (drawn_other,) = map(drawn_figures, (first, second, other))
    assert drawn_first["data"][0]["y"] == drawn_second["data"][0]["y"] == [1, 0]
    assert drawn_other["data"][0]["y"] == [2, 3]
    assert len(SHARED_CHARTS) == 2
    unshared = AppTest.from_function(_two_charts).run()
    assert drawn_figures(unshared)[1]["layout"] == drawn_first["layout"]  # same look: Look()
    # each session's own settings and text alternative are still its own
    assert [payload["alt"] for _, payload in sent_payloads(second)] == ["a line"]
