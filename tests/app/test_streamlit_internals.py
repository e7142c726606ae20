"""Streamlit keeps a record for every id a widget ever had, and a keyed slider gets a new id
whenever its range changes; each record holds the widget's callback, and a callback defined in a
page holds that page's whole run alive. The pages drop the records of replaced ids
(app_support.streamlit_internals); without that a class leaks memory. The charts themselves keep
one id whatever their figure (app_support.charts), so they are redrawn in place."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PLAYGROUND = str(Path(__file__).resolve().parents[2] / "pages" / "playground.py")


def _records(at: AppTest, key: str) -> list[str]:
    widgets = at.session_state._state._state._new_widget_state
    return [wid for wid in widgets.widget_metadata if wid.endswith(f"-{key}")]


def _slider_with_a_moving_range():
    import streamlit as st

    from app_support.streamlit_internals import drop_replaced_widget_records

    drop_replaced_widget_records()
    runs = st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    st.slider("step", 0, 10 + runs, key="step", on_change=lambda: None)


def test_a_widget_whose_id_changes_keeps_one_record():
    at = AppTest.from_function(_slider_with_a_moving_range).run()
    seen = set(_records(at, "step"))
    for _ in range(6):
        at.run()
        assert not at.exception
        records = _records(at, "step")
        assert 1 <= len(records) <= 2  # this run's slider and, until the next run, the last one
        seen.update(records)
    assert len(seen) >= 6  # the slider's id did change with its range


def test_a_chart_keeps_its_id_when_its_figure_changes():
    at = AppTest.from_file(PLAYGROUND, default_timeout=180).run()
    ids, figures = set(), set()
    for k in range(3):
        steps = next(s for s in at.slider if s.key == "playground.steps")
        steps.set_value(150 + 10 * k).run()  # a longer path: a new figure
        assert not at.exception
        charts = at.get("bidi_component")
        (chart,) = [c for c in charts if c.proto.id.endswith("playground.contour")]
        ids.add(chart.proto.id)
        figures.add(chart.proto.bytes)
    assert len(figures) == 3 and len(ids) == 1


class _Rerun(Exception):
    pass


def _raise_rerun():
    raise _Rerun


def test_a_first_request_under_folder_navigation_reruns_through_the_app(monkeypatch):
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager

    from app_support.streamlit_internals import route_through_app

    monkeypatch.setattr(st, "rerun", _raise_rerun)
    monkeypatch.setattr(PagesManager, "uses_pages_directory", True)  # a fresh server
    with pytest.raises(_Rerun):
        route_through_app()
    assert PagesManager.uses_pages_directory is False
    route_through_app()  # under st.navigation's mode: nothing to do, no rerun
