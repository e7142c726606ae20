"""The download menu every page has (HTML of its figures, GIF and MP4 of an animation) and the
embed view, through Streamlit's AppTest on the playground."""

import io
from pathlib import Path

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "playground.py")
TIMEOUT = 240


def open_page(params=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def test_embed_view_draws_the_main_chart_only():
    full = open_page()
    embedded = open_page({"embed": "1"})
    assert not embedded.exception
    figures, all_figures = drawn_figures(embedded), drawn_figures(full)
    assert len(all_figures) > 1 and len(figures) == 1
    assert figures[0]["layout"].get("images")  # the animated map, not the curves
    assert len(figures[0]["layout"]["images"]) == len(all_figures[0]["layout"]["images"])


def test_menu_makes_a_gif_of_the_animation():
    at = open_page()
    assert not at.exception
    at.session_state["playground.download_menu"] = True  # the student opens the menu
    at.run()
    kinds = [w for w in at.radio if w.key == "playground.download.kind"]
    assert kinds, "the menu offers GIF and MP4 for the animated map"
    frames = [w for w in at.number_input if w.key == "playground.download.frames"][0]
    frames.set_value(6)
    at.run()
    [make] = [b for b in at.button if b.key == "playground.download.make"]
    make.click()
    at.run()
    assert not at.exception
    [made] = at.session_state["playground.download.made"][1:]
    gif = Image.open(io.BytesIO(made))
    assert gif.format == "GIF" and gif.n_frames == 6


def test_a_chart_that_sends_frames_on_request_gets_them_for_the_file():
    """The network page's decision map sends its 60 frames only when Play asks: the menu's
    "Make" button asks for them in its own run."""
    at = AppTest.from_file(str(ROOT / "pages" / "networks.py"), default_timeout=TIMEOUT).run()
    assert not at.exception
    [lazy] = [f for f in drawn_figures(at) if "frames" not in f or not f["frames"]][:1]
    at.session_state["networks.download_menu"] = True
    at.run()
    charts = [w for w in at.selectbox if w.key == "networks.download.chart"]
    if charts:  # more than one animation on the view: pick the decision map
        charts[0].set_value("networks.chart.boundary")
        at.run()
    [frames] = [w for w in at.number_input if w.key == "networks.download.frames"]
    frames.set_value(4)
    at.run()
    [make] = [b for b in at.button if b.key == "networks.download.make"]
    make.click()
    at.run()
    assert not at.exception
    asked, made = at.session_state["networks.download.made"]
    assert asked[0] == "networks.chart.boundary" and lazy is not None
    assert Image.open(io.BytesIO(made)).n_frames == 4
    assert "_charts.export_frames" not in at.session_state  # asked once, not on every run


# Every page with an animation, in the view that shows it (a query, if its default has none).
ANIMATED = {
    "playground": {},
    "momentum": {},
    "saddles": {"tab": "escape"},
    "minibatches": {},
    "permutation": {},
    "networks": {},
    "backprop": {},
    "depth": {},
}


@pytest.mark.parametrize("name", list(ANIMATED))
def test_every_animation_of_every_page_downloads_as_a_gif(name):
    """Each animated chart of the page's view, as a student asks for it in the menu: a GIF
    with the frames asked for (a chart that sends its frames on request gets them first)."""
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in ANIMATED[name].items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    at.session_state[f"{name}.download_menu"] = True
    at.run()
    charts = [w for w in at.selectbox if w.key == f"{name}.download.chart"]
    keys = charts[0].options if charts else [None]
    assert keys, "the menu offers an animation"
    for chart in keys:
        if charts:
            [picker] = [w for w in at.selectbox if w.key == f"{name}.download.chart"]
            picker.set_value(next(k for k in picker.options if k == chart))
            at.run()
        [frames] = [w for w in at.number_input if w.key == f"{name}.download.frames"]
        frames.set_value(3)
        at.run()
        [make] = [b for b in at.button if b.key == f"{name}.download.make"]
        make.click()
        at.run()
        assert not at.exception
        made = at.session_state[f"{name}.download.made"][1]
        gif = Image.open(io.BytesIO(made))
        assert (gif.format, gif.n_frames) == ("GIF", 3), chart
