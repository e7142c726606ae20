"""AppTest tests of the lecturer's controls on a page: the link box offers the students' link,
which never carries presentation mode."""

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from streamlit.testing.v1 import AppTest

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
