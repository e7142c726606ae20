"""Every page on a phone, a tablet and a projector, in headless Chromium.

A student's phone (Playwright's "iPhone 13" descriptor: 390 × 844, touch) and a tablet
(768 × 1024, touch): no page scrolls sideways, and a slider moved by touch redraws a chart. A
lecturer's projector in presentation mode (1920 × 1080 and 1280 × 720): each animated page's
main chart and its animation bar end on the screen, with nothing scrolled, and a chart's PNG
download uses the page's font. Screenshots of each go to `artifacts/screenshots/`.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page

from bench import chromium
from tests.e2e.conftest import APP_PAGES, SCREENSHOTS
from tests.e2e.test_pages import ALL, OFFERS, PLAY_VIEWS, assert_healthy, page_name

pytestmark = pytest.mark.e2e

TABLET = {
    "viewport": {"width": 768, "height": 1024},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DEVICES = ["iPhone 13", "tablet"]
PROJECTORS = [(1920, 1080), (1280, 720)]

# How far the page and its scrolling main container reach past their visible width (px).
OVERFLOW_JS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const doc = document.documentElement;
  return [doc.scrollWidth - doc.clientWidth, main.scrollWidth - main.clientWidth];
}"""


def open_on(browser: Browser, url: str, context_options: dict) -> Page:
    context = browser.new_context(**context_options)
    context.add_init_script(chromium.INIT_SCRIPT)
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    chromium.open_app(page, url)
    return page


def device(playwright_devices: dict, name: str) -> dict:
    return TABLET if name == "tablet" else playwright_devices[name]


def in_view(path: str, views: dict[str, str], *extra: str) -> str:
    query = "&".join(q for q in (views.get(page_name(path), ""), *extra) if q)
    return f"{path}?{query}" if query else path


def tap_slider(page: Page, slider) -> None:
    """Tap a slider's track a quarter of its length from the end its thumb is farther from,
    as a finger would (a tap moves the thumb there)."""
    thumb = slider.locator("input[type=range]").first
    near_start = thumb.evaluate(
        "(e) => Number(e.value) - Number(e.min) < (Number(e.max) - Number(e.min)) / 2"
    )
    track = slider.locator("[role=group] > [data-orientation=horizontal]").first
    box = track.bounding_box()
    x = box["width"] * (0.8 if near_start else 0.2)
    track.tap(position={"x": x, "y": box["height"] / 2})


MOVABLE = "[data-testid=stSlider]:visible:has(input[type=range]:not([disabled]))"


def first_sliders(page: Page, area: str, count: int = 4):
    sliders = page.locator(f"[data-testid={area}] {MOVABLE}")
    return (sliders.nth(i) for i in range(min(sliders.count(), count)))


def open_sidebar(page: Page) -> None:
    """Open the sidebar by touch, if it is collapsed (a phone starts with it collapsed)."""
    if page.locator("[data-testid=stSidebar]").get_attribute("data-collapsed") == "true":
        page.locator("[data-testid=stExpandSidebarButton]").tap()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=stSidebar]')"
            ".getBoundingClientRect().left >= 0"
        )


def tap_redraws(page: Page, slider) -> bool:
    """Whether a tap on `slider` redraws a chart (it must leave the page healthy)."""
    slider.scroll_into_view_if_needed()
    before = chromium.chart_fingerprints(page)
    runs = chromium.runs_finished(page)
    thumb = slider.locator("input[type=range]").first
    value = thumb.input_value()
    tap_slider(page, slider)
    # The tap moved the thumb (else no rerun would come to wait for).
    moved = "([input, value]) => input.value !== value"
    page.wait_for_function(moved, arg=[thumb.element_handle(), value], timeout=10_000)
    chromium.wait_for_app(page, runs)
    chromium.draw_waiting_charts(page)
    assert_healthy(page)
    return chromium.chart_fingerprints(page) != before


SLIDER_PAGES = {name for name, offers in OFFERS.items() if offers.slider_redraws}


def assert_fits_the_width(page: Page) -> None:
    assert page.evaluate(OVERFLOW_JS) == [0, 0]
    # Every chart fits its column: none is wider than the page's main container.
    main_width = page.evaluate("() => document.querySelector('[data-testid=stMain]').clientWidth")
    widths = page.evaluate(
        "() => Array.from(document.querySelectorAll('.lll-chart .main-svg'))"
        ".map((svg) => svg.getBoundingClientRect().width)"
    )
    assert all(width <= main_width for width in widths)


# One page load for both checks: the browser suite's time goes mostly to loading pages.
@pytest.mark.parametrize("name", DEVICES)
@pytest.mark.parametrize("path", ALL)
def test_a_phone_or_tablet_shows_each_page_without_sideways_scrolling_and_sliders_move_by_touch(
    browser, app_url, devices, path, name
):
    page = open_on(browser, f"{app_url}/{path}", device(devices, name))
    try:
        shot = f"{page_name(path)}-{name.replace(' ', '-').lower()}.png"
        page.screenshot(path=SCREENSHOTS / shot)
        assert_healthy(page)
        assert_fits_the_width(page)
        if page_name(path) not in SLIDER_PAGES:
            return
        view = in_view(path, chromium.SLIDER_VIEWS)
        if view != path:  # a view of the page with sliders that redraw (another tab)
            chromium.open_app(page, f"{app_url}/{view}")
            assert_fits_the_width(page)
        # As on a laptop (test_pages), one of the first few sliders redraws a chart (a
        # tolerance may change only a table); the sidebar's are tried after the main area's.
        redrawn = any(tap_redraws(page, slider) for slider in first_sliders(page, "stMain"))
        if not redrawn:
            open_sidebar(page)
            redrawn = any(tap_redraws(page, s) for s in first_sliders(page, "stSidebar"))
        assert redrawn
        assert_healthy(page)
    finally:
        page.context.close()


# Every animated page, in the view whose main chart is animated: the minibatch page's first
# view leads with its still small multiples (its step-through map comes below them), its SGD
# view with the animated map.
PRESENTED_VIEWS = {**PLAY_VIEWS, "minibatches": "view=sgd"}
PLAY_PAGES = [pytest.param(path, id=name) for name, path, _ in APP_PAGES if OFFERS[name].play]


# The main chart's top, its animation bar's bottom, the window's height and how far the main
# container is scrolled, in px.
MAIN_CHART_JS = """() => {
  const bar = document.querySelector('.lll-animation:not([hidden])');
  const chart = bar.parentElement.querySelector('.lll-chart');
  const main = document.querySelector('[data-testid=stMain]');
  return [chart.getBoundingClientRect().top, bar.getBoundingClientRect().bottom,
          window.innerHeight, main.scrollTop];
}"""


@pytest.mark.parametrize("size", PROJECTORS, ids=[f"{w}x{h}" for w, h in PROJECTORS])
@pytest.mark.parametrize("path", PLAY_PAGES)
def test_presenting_the_main_chart_and_its_animation_bar_fit_the_screen(
    browser, app_url, path, size
):
    width, height = size
    url = f"{app_url}/{in_view(path, PRESENTED_VIEWS, 'present=1')}"
    page = open_on(browser, url, {"viewport": {"width": width, "height": height}})
    try:
        page.screenshot(path=SCREENSHOTS / f"{page_name(path)}-presenting-{width}x{height}.png")
        assert_healthy(page)
        top, bottom, window, scrolled = page.evaluate(MAIN_CHART_JS)
        assert scrolled == 0
        assert 0 < top < bottom <= window
        # Fitted, not shrunk to nothing: the chart takes a good part of the screen.
        assert bottom - top >= 0.4 * window
        assert page.evaluate(OVERFLOW_JS) == [0, 0]
    finally:
        page.context.close()


def test_presenting_keeps_the_sidebar_one_click_away_and_hides_the_menus(open_page, app_url):
    page = open_page("momentum?present=1&preset=lecture")
    sidebar = page.locator("[data-testid=stSidebar]")
    assert sidebar.get_attribute("data-collapsed") == "true"
    # The cue stays; the scenes and link menus and the captions are gone from the page (the
    # link menu waits in the folded sidebar).
    main = page.locator("[data-testid=stMain]")
    assert main.locator("[data-testid=stAlert]").count() == 1
    assert page.get_by_text("Lecture scenes").count() == 0
    assert main.get_by_text("Link to this view").count() == 0
    assert (
        page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]:visible").count() == 0
    )
    # The page's controls are in a closed panel; opening it shows them.
    assert chromium.sliders(page).count() == 0
    page.get_by_text("Controls").click()
    chromium.sliders(page).first.wait_for()
    # The sidebar opens with its controls and the page navigation.
    page.locator("[data-testid=stExpandSidebarButton]").click()
    page.locator("[data-testid=stSidebarNavLink]").first.wait_for()
    sidebar.get_by_text("Link to this view").wait_for()
    assert sidebar.get_attribute("data-collapsed") == "false"
    assert_healthy(page)


def test_a_png_download_while_presenting_has_the_page_font(browser, app_url, tmp_path):
    # Plotly's own PNG draws the chart's SVG without the page's web font: a fallback font,
    # wider than the one the legend was laid out with, ran entries into each other and off
    # the edge. The download embeds the font.
    url = f"{app_url}/playground?present=1&opt=gd,momentum,nesterov,rmsprop_nesterov,adam"
    page = open_on(browser, url, {"viewport": {"width": 1920, "height": 1080}})
    try:
        chart = page.locator(".lll-chart").first
        chart.hover()
        with page.expect_download() as download:
            page.locator(".modebar-btn[data-title='Download plot as a PNG']").first.click()
        path = tmp_path / "chart.png"
        download.value.save_as(path)
        assert download.value.suggested_filename == "loss-landscape.png"
        with Image.open(path) as image:
            assert image.format == "PNG"
            size = chart.evaluate("(gd) => [gd._fullLayout.width, gd._fullLayout.height]")
            assert list(image.size) == size
        svg = chart.evaluate("(gd) => gd.__lllSvg()")
        face = re.search(r'@font-face \{ font-family: "Source Sans";[^}]*\}', svg)
        assert face is not None and 'src: url("data:font/woff2;base64,' in face.group(0)
        assert "Source Sans" in svg[face.end() :]  # and the chart's text asks for it
        assert_healthy(page)
    finally:
        page.context.close()
