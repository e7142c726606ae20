"""Streamlit keeps a record for every id a widget ever had; a clickable chart gets a new id
whenever its figure changes, and each record holds a whole page run alive. The pages drop the
records of replaced ids (app_support.widget_metadata); without that a class leaks memory."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "playground.py")
CHART_KEY = "playground.contour"


def _chart_records(at: AppTest) -> list[str]:
    widgets = at.session_state._state._state._new_widget_state
    return [wid for wid in widgets.widget_metadata if wid.endswith(f"-{CHART_KEY}")]


def test_a_clickable_chart_keeps_one_record_however_often_it_changes():
    at = AppTest.from_file(PAGE, default_timeout=180).run()
    seen = set(_chart_records(at))
    for k in range(6):
        steps = next(s for s in at.slider if s.key == "playground.steps")
        steps.set_value(150 + 10 * k).run()  # a longer path: a new figure
        assert not at.exception
        records = _chart_records(at)
        assert 1 <= len(records) <= 2  # this run's chart and, until the next run, the last one
        seen.update(records)
    assert len(seen) >= 6  # the chart's id did change with its figure
