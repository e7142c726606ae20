"""AppTest tests of the app shell: navigation, the home page's cards and preset links,
presentation mode."""

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


def test_home_page_has_a_card_per_page_and_a_link_per_preset():
    at = open_app()
    assert not at.exception
    links = at.get("page_link")
    targets = [link.proto.page for link in links]
    for info in PAGES:
        assert Path(info.path).stem in targets
    preset_links = {link.proto.label.strip("*"): link for link in links if link.proto.query_string}
    assert len(preset_links) == len(PLAYGROUND_PRESETS)
    for preset in PLAYGROUND_PRESETS:
        link = preset_links[preset.title]
        assert link.proto.page == "playground"
        assert dict(parse_qsl(link.proto.query_string)) == preset.params


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
