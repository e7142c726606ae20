"""A chart's view in the URL: the zoom's text, and what a chart's report puts into the page's
settings (bad reports change nothing or fall back to the full extent)."""

import pytest

from app_support import chart_view
from app_support.chart_view import FRAME, ZOOM, ChartView, format_zoom, parse_zoom


@pytest.mark.parametrize(
    "text",
    ["1,2,3", "a,b,c,d", "0,1,0,nan", "0,inf,0,1", "1,0,0,1", "0,1,1,1", "0,1,0,1,5"],
)
def test_a_zoom_that_is_not_four_ordered_finite_numbers_is_refused(text):
    with pytest.raises(ValueError):
        parse_zoom(text)


def test_a_zoom_round_trips_through_its_text():
    zoom = (-1.25, 0.5, 2e-5, 3.0)
    assert parse_zoom(format_zoom(zoom)) == zoom
    assert parse_zoom("") is None


class FakeState:
    """What `ChartView.report` asks of a `PageState`: `set_later`."""

    def __init__(self):
        self.later = {}

    def set_later(self, name, value):
        self.later[name] = value


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        ({"zoom": [-1, 1, -0.5, 0.5], "frame": 40}, {ZOOM.name: "-1,1,-0.5,0.5", FRAME.name: 40}),
        ({"zoom": None, "frame": 0}, {ZOOM.name: "", FRAME.name: 0}),
        ({"zoom": [1, -1, 0, 1], "frame": 3}, {ZOOM.name: "", FRAME.name: 3}),  # x₀ > x₁
        ({"zoom": ["<b>", 1, 0, 1], "frame": "7"}, {ZOOM.name: ""}),  # not numbers
        ({"zoom": None, "frame": -2}, {ZOOM.name: ""}),  # no such frame
        ("not a view", {}),
    ],
)
def test_a_report_becomes_the_settings_and_a_bad_one_nothing_or_the_full_map(
    monkeypatch, reported, expected
):
    state = FakeState()
    monkeypatch.setattr(chart_view.st, "session_state", {"map": {"view": reported}})
    ChartView("map", state, None, None).report()
    assert state.later == expected


def test_a_chart_that_keeps_no_zoom_takes_only_the_frame_of_a_report(monkeypatch):
    state = FakeState()
    reported = {"zoom": [-1, 1, -0.5, 0.5], "frame": 5}
    monkeypatch.setattr(chart_view.st, "session_state", {"graph": {"view": reported}})
    ChartView("graph", state, None, None, keeps_zoom=False).report()
    assert state.later == {FRAME.name: 5}


@pytest.mark.parametrize(("frame", "needs"), [(None, False), (3, True)])
def test_a_chart_sent_with_frames_on_request_needs_them_for_a_frame_after_the_first(frame, needs):
    assert ChartView("map", FakeState(), None, frame).needs_frames is needs
