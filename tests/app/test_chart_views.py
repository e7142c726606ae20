"""AppTest tests of the kept view (`app_support.chart_view`) on every page with an animated main
chart other than the playground (tests/app/test_lecture_controls.py): a link's zoom and frame
reach the chart, the view the chart reports lands in the URL, and bad values warn and fall
back. A chart sent with its frames on request gets them at once when a link names a frame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

from app_support.charts import COMPONENT, sent_to_chart

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300


class Kept(NamedTuple):
    """A page's main animated chart: the query that opens its tab, its key, whether its zoom is
    kept (a 2-D map) and whether it sends its frames only on request."""

    page: str
    query: dict[str, str]
    key: str
    zoom: bool = True
    frames_on_request: bool = False


KEPT = [
    Kept("momentum", {}, "momentum.ravine"),
    Kept("saddles", {"tab": "escape"}, "saddles.escape_paths"),
    Kept("minibatches", {}, "minibatches.animation"),
    Kept("permutation", {}, "permutation.teacher_chart", zoom=False),
    Kept("networks", {}, "networks.chart.boundary", frames_on_request=True),
    Kept("backprop", {}, "backprop.chart.graph", zoom=False),
    Kept("depth", {}, "depth.tilt", frames_on_request=True),
]
PAGES = [pytest.param(kept, id=kept.page) for kept in KEPT]
ZOOM = "-0.5,0.25,-0.75,0.5"


def open_page(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def chart_element(at: AppTest, key: str):
    (element,) = [
        e
        for e in at.get("bidi_component")
        if e.proto.component_name == COMPONENT and e.proto.id.endswith(f"-{key}")
    ]
    return element


def sent(at: AppTest, key: str) -> tuple[dict | None, dict]:
    """(view, settings and figure) that chart `key` was sent in this run."""
    return sent_to_chart(chart_element(at, key).proto.bytes)


def report_view(at: AppTest, key: str, view: dict) -> AppTest:
    """A rerun in which chart `key` reports `view` as its state, as charts.js does after a
    zoom, a pause or a move of the step slider."""
    states = WidgetStates()
    states.CopyFrom(at._tree.get_widget_states())
    reported = states.widgets.add()
    reported.id = chart_element(at, key).proto.id
    reported.json_value = json.dumps({"view": view})
    return at._run(states)


@pytest.mark.parametrize("kept", PAGES)
def test_a_links_frame_and_zoom_reach_the_main_animated_chart(kept):
    params = {**kept.query, "frame": "3", **({"zoom": ZOOM} if kept.zoom else {})}
    at = open_page(kept.page, params)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]
    view, payload = sent(at, kept.key)
    zoom = [-0.5, 0.25, -0.75, 0.5] if kept.zoom else None
    assert view == {"zoom": zoom, "frame": 3}
    assert payload["animation"] and len(payload["animation"]["steps"]) > 3
    # A step other than the still figure's is one of the frames: they come at once.
    assert len(payload["figure"].get("frames") or []) == len(payload["animation"]["steps"])
    assert at.query_params["frame"] == "3"
    if kept.zoom:
        assert at.query_params["zoom"] == ZOOM
    else:
        assert "zoom" not in at.query_params  # a chart that is no map keeps no zoom


@pytest.mark.parametrize("kept", PAGES)
def test_a_view_the_chart_reports_lands_in_the_url(kept):
    at = open_page(kept.page, kept.query)
    view, payload = sent(at, kept.key)
    assert view == {"zoom": None, "frame": None}
    assert "frame" not in at.query_params and "zoom" not in at.query_params
    if kept.frames_on_request:  # the still figure only, until Play or a link asks
        assert not payload["figure"].get("frames")
    at = report_view(at, kept.key, {"zoom": [-0.5, 0.25, -0.75, 0.5], "frame": 2})
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params["frame"] == "2"
    assert sent(at, kept.key)[0]["frame"] == 2
    if kept.zoom:
        assert at.query_params["zoom"] == ZOOM
    else:
        assert "zoom" not in at.query_params


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"zoom": "1,0,0,1", "frame": "4"}, "zoom"),  # x₀ > x₁
        ({"zoom": "nan,1,0,1"}, "zoom"),
        ({"frame": "-3", "zoom": ZOOM}, "frame"),
        ({"frame": "four", "zoom": ZOOM}, "frame"),
    ],
)
def test_a_bad_view_in_a_link_warns_and_falls_back(params, named):
    at = open_page("momentum", params)
    assert not at.exception
    assert any(f"**{named}**" in w.value for w in at.warning), [w.value for w in at.warning]
    view, _ = sent(at, "momentum.ravine")
    if named == "zoom":
        assert view["zoom"] is None
        assert view["frame"] == (4 if "frame" in params else None)
    else:
        assert view == {"zoom": [-0.5, 0.25, -0.75, 0.5], "frame": None}
    at.run()
    assert named not in at.query_params


def test_moving_the_step_a_page_draws_at_forgets_the_kept_frame():
    # The backprop page's step setting picks the step its graph is drawn at: once moved, the
    # graph shows that step, not the frame an older link or pause kept.
    at = open_page("backprop", {"frame": "4"})
    at.slider(key="backprop.step").set_value(2).run()
    assert not at.exception
    assert "frame" not in at.query_params
    view, payload = sent(at, "backprop.chart.graph")
    assert view["frame"] is None and payload["animation"]["active"] == 2


@pytest.mark.parametrize("kept", [p for p in PAGES if p.values[0].frames_on_request])
def test_a_slider_move_after_a_kept_frame_sends_the_still_figure_again(kept):
    # A chart whose frames come on request keeps its frame for the link's run and for its
    # own report's; a slider move then sends the still figure (no frames) and drops the frame,
    # rather than every frame with every move.
    at = open_page(kept.page, {**kept.query, "frame": "3"})
    assert sent(at, kept.key)[1]["figure"].get("frames")
    at = report_view(at, kept.key, {"zoom": None, "frame": 2})
    assert at.query_params["frame"] == "2" and sent(at, kept.key)[1]["figure"].get("frames")
    slider = next(s for s in at.slider if s.key and s.key.startswith(f"{kept.page}."))
    slider.set_value(slider.max if slider.value != slider.max else slider.min).run()
    assert not at.exception, [e.value for e in at.exception]
    view, payload = sent(at, kept.key)
    assert view["frame"] is None and not payload["figure"].get("frames")
    assert "frame" not in at.query_params
