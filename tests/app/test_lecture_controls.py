"""AppTest tests of the lecturer's controls on a page: the link box offers the students' link,
which never carries presentation mode; a deep link keeps the map's zoom and animation frame."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

from app_support.charts import sent_payloads
from app_support.presets import PLAYGROUND_PRESETS

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180


def open_page(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def shown_links(at: AppTest) -> list[dict[str, list[str]]]:
    """The query of every link in the page's link box (its code boxes)."""
    return [parse_qs(urlsplit(code.value).query) for code in at.code]


def test_the_link_copied_while_presenting_is_the_students_without_presentation_mode():
    at = open_page("adaptive", {"present": "1", "b1": "0.5"})
    assert not at.exception
    at.session_state["adaptive.link_menu"] = True  # the lecturer opens the link box
    at.run()
    assert not at.exception
    student, lecturer = shown_links(at)
    assert student == {"b1": ["0.5"]}
    assert lecturer == {"b1": ["0.5"], "present": ["1"]}
    assert at.query_params["present"] == "1"  # the lecturer's own page stays presenting


def test_the_link_box_outside_presentation_mode_has_one_link():
    at = open_page("adaptive", {"b1": "0.5"})
    at.session_state["adaptive.link_menu"] = True
    at.run()
    assert not at.exception
    assert shown_links(at) == [{"b1": ["0.5"]}]


def map_view(at: AppTest) -> dict | None:
    """The view the playground's map was sent with (the chart that has one)."""
    (view,) = [view for view, payload in sent_payloads(at) if view is not None]
    return view


def test_a_deep_link_keeps_the_maps_zoom_and_frame_and_its_scene():
    scene = PLAYGROUND_PRESETS[0]
    at = open_page("playground", {**scene.params, "zoom": "2,3.5,-0.25,0.75", "frame": "40"})
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert map_view(at) == {"zoom": [2.0, 3.5, -0.25, 0.75], "frame": 40}
    assert at.query_params["zoom"] == "2,3.5,-0.25,0.75"
    assert at.query_params["frame"] == "40"
    # Zoomed and paused, the scene is still the one shown (neither is a setting it sets).
    assert at.query_params["preset"] == scene.key
    assert any(scene.title in info.value for info in at.info)
    at.session_state["playground.link_menu"] = True
    at.run()
    (link,) = [parse_qs(urlsplit(code.value).query) for code in at.code]
    assert link["zoom"] == ["2,3.5,-0.25,0.75"] and link["frame"] == ["40"]


def test_a_plain_page_sends_the_whole_map_at_its_first_frame_and_a_plain_url():
    at = open_page("playground", {})
    assert map_view(at) == {"zoom": None, "frame": None}
    assert "zoom" not in at.query_params and "frame" not in at.query_params


def test_a_bad_zoom_in_a_link_warns_and_shows_the_whole_map():
    at = open_page("playground", {"zoom": "<script>,1,2,3"})
    assert not at.exception
    assert any("zoom" in w.value for w in at.warning)
    assert map_view(at)["zoom"] is None
    at.run()
    assert "zoom" not in at.query_params


def test_a_new_surface_forgets_the_zoom_and_frame_of_the_last():
    at = open_page("playground", {"zoom": "-1,1,-1,1", "frame": "12"})
    surface = [s for s in at.selectbox if s.key == "playground.surface"][0]
    other = next(option for option in surface.options if option != surface.value)
    surface.select(other).run()
    assert not at.exception
    assert map_view(at) == {"zoom": None, "frame": None}
    assert "zoom" not in at.query_params and "frame" not in at.query_params
