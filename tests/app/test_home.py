"""AppTest tests of the app shell: navigation, the home page's cards and its table of contents
of the lecture scenes, presentation mode."""

import importlib
from pathlib import Path
from urllib.parse import parse_qsl

from streamlit.testing.v1 import AppTest

from app_support.navigation import PAGES
from app_support.presets import PLAYGROUND_PRESETS

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_app(params=None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def test_home_page_has_a_card_per_page():
    at = open_app()
    assert not at.exception
    targets = [link.proto.page for link in at.get("page_link") if not link.proto.query_string]
    for info in PAGES:
        assert Path(info.path).stem in targets


def test_home_page_lists_every_scene_of_every_page_in_lecture_order():
    at = open_app()
    assert not at.exception
    listed = [
        (link.proto.page, dict(parse_qsl(link.proto.query_string)))
        for link in at.get("page_link")
        if link.proto.query_string
    ]
    # Every page's scenes, from its own module (not from the index the home page reads) ...
    expected = []
    for info in PAGES:
        stem = Path(info.path).stem
        if stem == "playground":
            scenes = PLAYGROUND_PRESETS
        elif (ROOT / "app_support" / "topics" / f"{stem}.py").exists():
            scenes = getattr(importlib.import_module(f"app_support.topics.{stem}"), "SCENES", ())
        else:
            scenes = ()
        expected += [(stem, preset.params) for preset in scenes]
    # ... each once, pages in the navigation's (lecture) order, scenes in their menu's order.
    assert len(expected) > len(PLAYGROUND_PRESETS)
    assert listed == expected
    page_headings = [
        m.value for m in at.markdown if any(m.value.endswith(f"{i.title}**") for i in PAGES)
    ]
    assert len(page_headings) == len({stem for stem, _ in expected})


def test_navigation_reaches_the_playground():
    at = open_app()
    at.switch_page("pages/playground.py").run()
    assert not at.exception
    assert any(t.value.endswith("Optimizer playground") for t in at.title)


def test_presentation_mode_from_the_url_and_back():
    at = open_app({"present": "1"})
    assert not at.exception
    toggle = [t for t in at.toggle if t.key == "home.present"][0]
    assert toggle.value is True
    assert not at.sidebar.toggle  # the switch moved out of the hidden sidebar
    toggle.set_value(False).run()
    assert not at.exception
    assert "present" not in at.query_params
    assert [t for t in at.sidebar.toggle if t.key == "home.present"]


def test_bad_presentation_value_warns_and_falls_back():
    at = open_app({"present": "<b>yes</b>"})
    assert not at.exception
    assert any("present" in w.value for w in at.warning)
    assert [t for t in at.toggle if t.key == "home.present"][0].value is False
