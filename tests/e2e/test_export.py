"""Export for slides in a real headless Chromium: the files the download menu gives are valid
(a GIF and an MP4 decoded and frame-counted, an HTML file opened offline with the network
blocked and its animation running), a chart's SVG button saves an SVG, and the embed view
(`?embed=1`) shows one chart with its Play bar and nothing else."""

from __future__ import annotations

import io

import imageio_ffmpeg
import pytest
from PIL import Image
from playwright.sync_api import Page

from bench import chromium
from tests.e2e.conftest import SCREENSHOTS

pytestmark = pytest.mark.e2e

FRAMES = 8


def open_menu(page: Page) -> None:
    """Open the download menu and wait for what it offers (its HTML button)."""
    page.locator("[data-testid=stExpander] summary", has_text="Download for slides").click()
    page.locator("[data-testid=stDownloadButton]", has_text="HTML").wait_for(timeout=180_000)
    chromium.wait_for_app(page, 0)


def make(page: Page, kind: str, tmp_path) -> bytes:
    """Ask the menu for the animation as `kind` ("GIF" or "MP4") and download it."""
    choice = page.locator("[data-testid=stRadio] label", has_text=kind).first
    if not choice.locator("input").is_checked():
        runs = chromium.runs_finished(page)
        choice.click()
        chromium.wait_for_app(page, runs)
    runs = chromium.runs_finished(page)
    page.get_by_role("button", name=f"Make the {kind}").click()
    chromium.wait_for_app(page, runs, timeout_ms=120_000)
    with page.expect_download() as download:
        page.locator("[data-testid=stDownloadButton]", has_text=f".{kind.lower()}").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    return path.read_bytes()


def test_gif_and_mp4_downloads_are_valid(open_page, tmp_path):
    page = open_page("playground")
    open_menu(page)
    runs = chromium.runs_finished(page)
    frames = page.get_by_label("Frames", exact=True)
    frames.fill(str(FRAMES))
    frames.press("Enter")
    chromium.wait_for_app(page, runs)
    gif = Image.open(io.BytesIO(make(page, "GIF", tmp_path)))
    assert gif.format == "GIF" and gif.n_frames == FRAMES
    assert gif.size == (1280, 720)  # the menu's default size: a 16:9 slide
    mp4 = tmp_path / "animation.mp4"
    mp4.write_bytes(make(page, "MP4", tmp_path))
    counted, _ = imageio_ffmpeg.count_frames_and_secs(str(mp4))
    assert counted == FRAMES
    assert chromium.exception_texts(page) == [] and page.errors == []


def test_html_opens_offline_and_plays(open_page, browser, tmp_path):
    page = open_page("playground")
    open_menu(page)
    with page.expect_download() as download:
        page.locator("[data-testid=stDownloadButton]", has_text="HTML").click()
    path = tmp_path / "figures.html"
    download.value.save_as(path)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked = []

    def only_files(route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    offline = context.new_page()
    errors = []
    offline.on("pageerror", lambda error: errors.append(str(error)))
    offline.goto(path.as_uri())
    offline.wait_for_function(
        "() => document.querySelectorAll('.js-plotly-plot').length >= 2"
        " && document.querySelector('.js-plotly-plot')._transitionData._frames.length > 0"
    )
    # The animated map's moving markers: where they are before and while Play runs.
    moving = "(gd) => JSON.stringify(gd._transitionData._frames[0].traces.map((i) => gd.data[i].x))"
    first = offline.locator(".js-plotly-plot").first
    before = first.evaluate(moving)
    first.locator(".updatemenu-button").first.click()
    offline.wait_for_function(
        f"([gd, before]) => ({moving})(gd) !== before", arg=[first.element_handle(), before]
    )
    offline.screenshot(path=SCREENSHOTS / "export-html-offline.png")
    assert errors == [] and blocked == []
    context.close()


def test_svg_button_saves_an_svg(open_page, tmp_path):
    page = open_page("playground")
    chart = page.locator(".lll-chart").first
    chart.hover()
    with page.expect_download() as download:
        chart.locator('.modebar-btn[data-title="Download plot as SVG"]').click()
    path = tmp_path / "chart.svg"
    download.value.save_as(path)
    text = path.read_text()
    assert text.lstrip().startswith("<svg") and "<image" in text  # the map inside


def test_embed_view_shows_one_chart_and_its_play_bar(open_page):
    page = open_page("momentum?embed=1")
    page.set_viewport_size({"width": 960, "height": 600})
    charts = page.locator(".lll-chart:visible")
    assert charts.count() == 1
    assert page.locator(".lll-play:visible").count() == 1
    assert page.locator("[data-testid=stSidebar]:visible").count() == 0
    assert page.locator("[data-testid=stMarkdown]:visible").count() == 0
    assert page.locator("[data-testid=stHeading]:visible").count() == 0
    # sized to its frame: the chart and its bar fill the window's height, no more
    page.wait_for_function(
        "() => Math.abs(document.querySelector('.lll-chart').getBoundingClientRect().height"
        " - (window.innerHeight - 3.5 * parseFloat(getComputedStyle(document.documentElement)"
        ".fontSize))) < 2"
    )
    bar = page.locator(".lll-animation").first.bounding_box()
    assert bar["y"] + bar["height"] <= 600 + 1
    page.screenshot(path=SCREENSHOTS / "embed-momentum.png")
