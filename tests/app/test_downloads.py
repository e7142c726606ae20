"""The download menu every page has (HTML of its figures, GIF and MP4 of an animation) and the
embed view, through Streamlit's AppTest on the playground."""

import io
from pathlib import Path

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
