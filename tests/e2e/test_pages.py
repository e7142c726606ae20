"""Every page of the app in a real headless Chromium, as a student or a lecturer uses it.

For every page: it loads with no exception box and no script error, under the navigation's
titles; a deep link reopens the same state (the animation's step included); presentation mode
folds the sidebar away; a screenshot is saved. Where the page offers it: moving a slider
redraws a chart, ▶ Play animates the figure in the browser, a click on the contour map moves
the start point there.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pytest
from playwright.sync_api import Page
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from app_support.presets import PLAYGROUND_PRESETS
from bench import chromium
from bench.serve import streamlit_server
from tests.e2e.conftest import APP_PAGES, ARTIFACTS, SCREENSHOTS
from tests.e2e.test_accessibility import assert_no_serious_violation

pytestmark = pytest.mark.e2e


class Offers(NamedTuple):
    """What a page offers beyond what every page has (a new page adds its line here)."""

    slider_redraws: bool = False  # one of its first visible sliders changes a chart (in the
    # view `chromium.SLIDER_VIEWS` names for the page, if its default view has no slider)
    play: bool = False  # a Plotly ▶ Play button animates a chart
    play_view: str = ""  # the query that opens a view with an animation, if the default has none
    click_start: bool = False  # a click on the contour map sets the start point
    frames_on_request: bool = False  # its animated chart asks for its frames on first use

    @property
    def play_in_default_view(self) -> bool:
        return self.play and not self.play_view


OFFERS = {
    "home": Offers(),
    "playground": Offers(slider_redraws=True, play=True, click_start=True),
    "saddles": Offers(slider_redraws=True, play=True, play_view="tab=escape"),
    "momentum": Offers(slider_redraws=True, play=True),
    "minibatches": Offers(slider_redraws=True, play=True),
    "permutation": Offers(slider_redraws=True, play=True),
    "regularization": Offers(slider_redraws=True),
    "networks": Offers(slider_redraws=True, play=True, frames_on_request=True),
    "backprop": Offers(slider_redraws=True, play=True),
    "depth": Offers(slider_redraws=True, play=True, frames_on_request=True),
    "generalization": Offers(slider_redraws=True),
    "adaptive": Offers(slider_redraws=True),
}

ALL = [pytest.param(path, id=name) for name, path, _ in APP_PAGES]
PLAY_VIEWS = {name: offers.play_view for name, offers in OFFERS.items() if offers.play_view}


def page_name(path: str) -> str:
    """The name of the page at URL path `path`."""
    return next(n for n, p, _ in APP_PAGES if p == path)


def in_view(path: str, views: dict[str, str]) -> str:
    """The page's URL path with the query of its view in `views`, if it has one there."""
    name = page_name(path)
    return f"{path}?{views[name]}" if name in views else path


def pages_offering(feature: str) -> list:
    return [
        pytest.param(path, id=name)
        for name, path, _ in APP_PAGES
        if getattr(OFFERS.get(name, Offers()), feature)
    ]


def assert_healthy(page: Page) -> None:
    assert chromium.exception_texts(page) == []
    assert page.errors == []


def widget_values(page: Page) -> dict[str, str]:
    """What the page's widgets show, by widget key: slider texts, number inputs, toggles."""
    return page.evaluate(
        """() => Object.fromEntries(
            Array.from(document.querySelectorAll('[class*="st-key-"]')).flatMap((box) => {
              const key = Array.from(box.classList).find((c) => c.startsWith('st-key-'));
              const slider = box.querySelector('input[type=range]');
              const number = box.querySelector('[data-testid=stNumberInput] input');
              const toggle = box.querySelector('input[type=checkbox]');
              const value = slider?.getAttribute('aria-valuetext') ?? number?.value
                            ?? (toggle ? String(toggle.checked) : null);
              return value === null ? [] : [[key, value]];
            }))"""
    )


def sidebar_visible(page: Page) -> bool:
    return page.locator("[data-testid=stSidebar]").is_visible()


def sidebar_open(page: Page) -> bool:
    """Whether the sidebar is expanded (presentation mode folds it away, one click from open)."""
    sidebar = page.locator("[data-testid=stSidebar]")
    return sidebar.is_visible() and sidebar.get_attribute("data-collapsed") != "true"


def test_every_page_says_what_it_offers():
    assert sorted(name for name, _, _ in APP_PAGES) == sorted(OFFERS)


@pytest.mark.parametrize("path", ALL)
def test_page_loads_cleanly_under_its_title(open_page, path):
    page = open_page(path)
    name, _, title = next(p for p in APP_PAGES if p[1] == path)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    assert_healthy(page)
    assert_navigation(page, title)


def assert_navigation(page: Page, title: str) -> None:
    """The sidebar lists the app's pages by their titles, with this page as the current one."""
    link = "[data-testid=stSidebarNavLink]"
    labels = page.locator(f"{link} span[label]")
    assert [label.get_attribute("label") for label in labels.all()] == [
        title for _, _, title in APP_PAGES
    ]
    assert page.locator(f"{link}[aria-current=page] span[label]").get_attribute("label") == title


def test_a_deep_link_is_a_fine_first_visit_to_a_fresh_server(browser, server_env):
    # After a restart (a new replica, a redeploy) the first student may well arrive through a
    # shared link to a page other than the home page: the page must come up as part of the
    # app all the same (its navigation, its page configuration).
    name, path, title = APP_PAGES[-1]
    with streamlit_server(log=ARTIFACTS / "e2e-streamlit-fresh.log", env=server_env) as server:
        page = chromium.new_page(browser)
        try:
            chromium.open_app(page, f"{server.url}/{path}")
            assert_navigation(page, title)
        finally:
            page.context.close()


@pytest.mark.parametrize("path", pages_offering("slider_redraws"))
def test_moving_a_slider_redraws_the_chart(open_page, path):
    # Not every slider draws (a tolerance may only change a table): one of the page's first
    # few sliders must redraw a chart, and every move must leave a healthy page.
    page = open_page(in_view(path, chromium.SLIDER_VIEWS))
    sliders = chromium.sliders(page)
    assert sliders.count()
    redrawn = False
    for i in range(min(sliders.count(), 4)):
        before = chromium.chart_fingerprints(page)
        runs = chromium.runs_finished(page)
        chromium.nudge(sliders.nth(i), big=True)
        chromium.wait_for_app(page, runs)
        assert_healthy(page)
        if chromium.chart_fingerprints(page) != before:
            redrawn = True
            break
    assert redrawn


def test_the_run_count_is_the_servers_count_of_finished_runs(page, app_url):
    # What every wait of these tests stands on (`chromium.runs_finished`): the page's count of
    # script runs equals the `script_finished` messages the server sent, decoded here by
    # Streamlit's own protobuf classes, on a first load and after a slider move.
    finished = []

    def count(payload) -> None:
        message = ForwardMsg()
        message.ParseFromString(payload)
        finished.append(message.WhichOneof("type") == "script_finished")

    page.on("websocket", lambda ws: ws.on("framereceived", count))
    chromium.open_app(page, f"{app_url}/backprop")
    assert chromium.runs_finished(page) == sum(finished) >= 1
    runs = chromium.runs_finished(page)
    chromium.nudge(chromium.sliders(page).first)
    chromium.wait_for_app(page, runs)
    assert chromium.runs_finished(page) == sum(finished) > runs


def requests_for_frames(path: str) -> int:
    """Reruns that Play or the step slider asks for: one, for the frames, on a page whose
    animated chart sends them on request (`plotly_chart(frames_on_request=True)`); else none."""
    return int(OFFERS[page_name(path)].frames_on_request)


FINGERPRINTS = chromium.FINGERPRINTS_JS.strip()
FRAMES_HERE = """() => Array.from(document.querySelectorAll('.lll-chart'))
  .every((gd) => !gd.__lllPending)"""


@pytest.mark.parametrize("path", pages_offering("play"))
def test_play_animates_the_chart(open_page, path):
    page = open_page(in_view(path, PLAY_VIEWS))
    # The chart's own animation bar (app_support/charts.js), in place of Plotly's slider.
    play = page.locator(".lll-play", has_text=re.compile("Play")).first
    requests = chromium.rerun_requests(page)
    page.evaluate(f"() => {{ window.__lllSeen = new Set([({FINGERPRINTS})().join()]); }}")
    play.click()
    # Frames are played by Plotly in the browser: the figure changes again and again (four
    # different pictures seen, checked on every animation frame, as a student watches), and
    # the server is asked for no rerun, or for one that brings the frames.
    page.wait_for_function(
        f"() => window.__lllSeen.add(({FINGERPRINTS})().join()).size >= 4", timeout=60_000
    )
    asked = page.evaluate(
        "() => Array.from(document.querySelectorAll('.lll-chart'))"
        ".reduce((sum, gd) => sum + (gd.__lllFramesAsked ?? 0), 0)"
    )
    assert asked == requests_for_frames(path)
    # Besides, at most the rerun that keeps the step reached in the URL (Play at its end).
    assert chromium.rerun_requests(page) - requests - asked in (0, 1)
    assert_healthy(page)


@pytest.mark.parametrize("path", pages_offering("play"))
def test_the_step_slider_scrubs_the_animation(open_page, path):
    page = open_page(in_view(path, PLAY_VIEWS))
    bar = page.locator(".lll-animation:visible").first
    step = bar.locator("input.lll-step")
    label = bar.locator(".lll-step-label")
    requests = chromium.rerun_requests(page)
    last, current = int(step.get_attribute("max")), int(step.input_value())
    targets = [0, last // 2, last]
    while targets[0] == current:  # each move goes somewhere new, so each one redraws
        targets = targets[1:] + targets[:1]
    seen, previous = set(), (",".join(chromium.chart_fingerprints(page)), label.inner_text())
    for value in targets:
        # What dragging the thumb does: a new value and an `input` event.
        step.evaluate(
            "(e, v) => { e.value = String(v); e.dispatchEvent(new Event('input')); }", value
        )
        page.wait_for_function(FRAMES_HERE)  # frames on request: the first move fetches them
        # the new step's picture and label, once drawn (not after a fixed delay)
        page.wait_for_function(
            f"""([label, before, text]) => ({FINGERPRINTS})().join() !== before
                && label.innerText !== text""",
            arg=[label.element_handle(), *previous],
            timeout=60_000,
        )
        previous = (",".join(chromium.chart_fingerprints(page)), label.inner_text())
        seen.add(previous)
    # Three steps, three different pictures and labels, and no rerun but the frames' own.
    assert len({fingerprint for fingerprint, _ in seen}) == 3
    assert len({text for _, text in seen}) == 3
    assert chromium.rerun_requests(page) - requests == requests_for_frames(path)
    assert_healthy(page)


def test_the_scenes_menu_draws_its_buttons_when_opened_and_a_button_loads_its_scene(open_page):
    page = open_page("playground")
    menu = page.locator("[data-testid=stExpander]", has_text="Lecture scenes").first
    scenes = menu.locator("[data-testid=stButton]")
    assert scenes.count() == 0  # closed: not drawn (the browser re-renders whatever is sent)
    # Opening the menu reruns the page, often too fast for the run counter to see (every
    # result is cached): wait for what the student waits for, the buttons.
    menu.locator("summary").click()
    scenes.last.wait_for()
    assert scenes.count() == len(PLAYGROUND_PRESETS)
    menu.get_by_role("button", name=PLAYGROUND_PRESETS[1].title, exact=True).first.click()
    page.wait_for_url(f"**preset={PLAYGROUND_PRESETS[1].key}**")
    page.locator("[data-testid=stAlert]", has_text=PLAYGROUND_PRESETS[1].title).wait_for()
    assert f"preset={PLAYGROUND_PRESETS[1].key}" in page.url
    assert PLAYGROUND_PRESETS[1].title in page.locator("[data-testid=stAlert]").first.inner_text()
    assert_healthy(page)


def test_a_rerun_redraws_only_the_charts_whose_figure_changed(open_page):
    # On the network page the step to inspect is marked on the training curves; the
    # decision map beside them stays as it is, and is not drawn again.
    page = open_page("networks")
    charts = page.locator(".lll-chart")
    drawn = charts.evaluate_all("(all) => all.map((gd) => gd.__lllDrawn)")
    step = chromium.sliders(page).filter(has_text="Step to inspect")
    chromium.nudge(step, big=True)
    # A rerun with every result cached may be too fast for the run counter to see: wait for
    # the curves' redraw, then until the page is idle and unchanged (the last run counted).
    page.wait_for_function(
        "([gd, n]) => gd.__lllDrawn > n", arg=[charts.nth(1).element_handle(), drawn[1]]
    )
    chromium.wait_for_app(page, chromium.runs_finished(page) - 1)
    now = charts.evaluate_all("(all) => all.map((gd) => gd.__lllDrawn)")
    assert now[0] == drawn[0] and now[1] == drawn[1] + 1  # the map as it was; the curves anew
    assert_healthy(page)


def test_an_animated_map_is_an_image_until_play_fetches_and_plays_its_frames(open_page):
    # The network page's decision map: its frames restyle the map, so Plotly would draw it as
    # filled contours on every redraw; it is shown as an image (an invisible hover heat map in
    # the contour's place) and sent without its frames until Play asks for them, with one
    # rerun; they are then drawn as contours and played at once.
    page = open_page("networks")
    chart = page.locator(".lll-chart").first
    shape = """(gd) => [gd.data[0].type, gd.layout.images?.length ?? 0,
                       gd._transitionData._frames.length]"""
    assert chart.evaluate(shape) == ["heatmap", 1, 0]
    requests = chromium.rerun_requests(page)
    page.locator(".lll-play").first.click()
    page.wait_for_function(
        "(gd) => gd.data[0].type === 'contour' && gd._transitionData._frames.length > 1",
        arg=chart.element_handle(),
    )
    assert chart.evaluate(shape)[1] == 0  # the image gone: Plotly draws the frames' contours
    assert page.locator(".lll-play").first.inner_text().endswith("Pause")  # playing
    assert chromium.rerun_requests(page) - requests == 1  # the frames' rerun, no other
    # A slider move sends the next still picture, without frames again.
    runs = chromium.runs_finished(page)
    chromium.nudge(chromium.sliders(page).filter(has_text="learning rate"))
    chromium.wait_for_app(page, runs)
    assert chart.evaluate(shape) == ["heatmap", 1, 0]
    assert_healthy(page)


def test_a_chart_out_of_sight_draws_its_newest_figure_when_scrolled_to(open_page):
    # The minibatch page's step-through map sits below the small multiples, out of a
    # 900-pixel-high window: a slider move redraws the maps in view at once, and that one
    # when the student scrolls down to it, with the newest figure.
    page = open_page("minibatches")
    lower = page.locator(".lll-chart").nth(1)
    assert not lower.evaluate("(gd) => gd.getBoundingClientRect().top < innerHeight")
    drawn = lower.evaluate("(gd) => gd.__lllDrawn")
    before = chromium.chart_fingerprints(page)
    runs = chromium.runs_finished(page)
    chromium.nudge(chromium.sliders(page).first, big=True)
    chromium.wait_for_app(page, runs)
    after = chromium.chart_fingerprints(page)
    assert after[0] != before[0] and after[1] == before[1]
    assert lower.evaluate("(gd) => gd.__lllDrawn") == drawn
    assert chromium.draw_waiting_charts(page) == 1
    assert lower.evaluate("(gd) => gd.__lllDrawn") == drawn + 1
    assert chromium.chart_fingerprints(page)[1] != before[1]
    assert_healthy(page)


# Where on the map to click, as fractions of the plot area from its top left corner: away
# from the default start points of the catalogue's surfaces.
CLICK_AT = (0.3, 0.75)

FIRST_POINTS_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap((gd) =>
  gd._fullData.filter((t) => t.type === 'scatter' && t.x && t.x.length)
              .map((t) => [Number(t.x[0]), Number(t.y[0])]))
"""


@pytest.mark.parametrize("path", pages_offering("click_start"))
def test_a_click_on_the_map_sets_the_start_point(open_page, path):
    page = open_page(path)
    # The clickable map is the chart that listens to clicks (`app_support.charts`).
    target = page.evaluate(
        """([fx, fy]) => {
          const gd = document.querySelector('.js-plotly-plot[data-clickable]');
          const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
          const box = gd.getBoundingClientRect();
          const px = fx * xa._length, py = fy * ya._length;
          return {left: box.left + xa._offset + px, top: box.top + ya._offset + py,
                  x: xa.p2c(px), y: ya.p2c(py),
                  tolerance: 0.03 * Math.max(Math.abs(xa.range[1] - xa.range[0]),
                                             Math.abs(ya.range[1] - ya.range[0]))};
        }""",
        list(CLICK_AT),
    )

    def starts_near_target() -> bool:
        return any(
            abs(x - target["x"]) <= target["tolerance"]
            and abs(y - target["y"]) <= target["tolerance"]
            for x, y in page.evaluate(FIRST_POINTS_JS)
        )

    assert not starts_near_target()
    url_before = page.url
    runs = chromium.runs_finished(page)
    page.mouse.click(target["left"], target["top"])
    chromium.wait_for_app(page, runs)
    # The paths now start where the click was, and the deep link says so.
    assert starts_near_target()
    assert page.url != url_before
    assert_healthy(page)


ANIMATION_STEP = ".lll-animation:not([hidden]) .lll-step"
SHOWS_STEP = """(step) => Array.from(document.querySelectorAll('.lll-chart.lll-animated'))
  .some((gd) => gd.dataset.step === step)"""


def step_the_animation(page: Page) -> str | None:
    """Drag the step slider of the page's animated chart to its middle step, as a lecturer
    does before copying a link, and wait until the URL keeps that step
    (`app_support.chart_view`); the step, or None on a page with no animation in view."""
    bar = page.locator(ANIMATION_STEP)
    if not bar.count():
        return None
    step = str(int(bar.first.get_attribute("max")) // 2)
    runs = chromium.runs_finished(page)
    bar.first.fill(step)  # an input event per value, then a change event: let go
    page.wait_for_function(
        "(step) => new URLSearchParams(location.search).get('frame') === step", arg=step
    )
    chromium.wait_for_app(page, runs)
    page.wait_for_function(SHOWS_STEP, arg=step)
    return step


@pytest.mark.parametrize("path", ALL)
def test_a_deep_link_reopens_the_same_state(open_page, browser, path):
    page = open_page(path)
    sliders = chromium.sliders(page)
    if sliders.count():
        runs = chromium.runs_finished(page)
        chromium.nudge(sliders.first, big=True)
        chromium.wait_for_app(page, runs)
    chromium.draw_waiting_charts(page)  # charts out of sight draw when scrolled to
    step = step_the_animation(page)
    assert (step is not None) == OFFERS[page_name(path)].play_in_default_view
    link, values, charts = page.url, widget_values(page), chromium.chart_fingerprints(page)
    assert values

    reopened = chromium.new_page(browser)
    try:
        chromium.open_app(reopened, link)
        if step is not None:  # the link opens the animation at the step it was left at
            reopened.wait_for_function(SHOWS_STEP, arg=step)
        assert widget_values(reopened) == values
        assert chromium.chart_fingerprints(reopened) == charts
        assert reopened.url == link
    finally:
        reopened.context.close()


@pytest.mark.parametrize("path", ALL)
def test_presentation_mode_folds_the_sidebar_away(open_page, browser, path):
    page = open_page(path)
    name = page_name(path)
    assert sidebar_visible(page)
    page.locator(f".st-key-{name}-present label").first.click()
    # On a light page (home) the rerun can be over before the run counter sees it start: wait
    # for its link, then until the page is idle and unchanged.
    page.wait_for_url("**present=1**")
    chromium.wait_for_app(page, chromium.runs_finished(page) - 1)
    assert not sidebar_open(page)
    assert "present=1" in page.url
    page.screenshot(path=SCREENSHOTS / f"{name}-presentation.png", full_page=True)
    assert_healthy(page)

    # The link of a presented page opens presented, and axe-core finds nothing serious there.
    reopened = chromium.new_page(browser)
    try:
        chromium.open_app(reopened, page.url)
        assert not sidebar_open(reopened)
        assert_no_serious_violation(reopened)
    finally:
        reopened.context.close()


LOADED_PLOTLY_JS = """() => performance.getEntriesByType('resource')
  .map((entry) => entry.name.split('/').pop().split('?')[0])
  .filter((name) => name.startsWith('plotly'))"""


def test_each_chart_loads_the_smallest_plotly_bundle_that_draws_it(open_page):
    # 2-D charts need the cartesian bundle only (a third of the full one to parse), the 3-D
    # view the gl3d one; the full bundle is never needed.
    page = open_page("playground")
    assert [name.split("-")[1] for name in page.evaluate(LOADED_PLOTLY_JS)] == ["cartesian"]
    runs = chromium.runs_finished(page)
    page.locator(".st-key-playground-view button", has_text="3-D surface").click()
    chromium.wait_for_app(page, runs)
    assert [name.split("-")[1] for name in page.evaluate(LOADED_PLOTLY_JS)] == [
        "cartesian",
        "gl3d",
    ]
    assert page.locator(".js-plotly-plot .gl-container, .js-plotly-plot canvas").count()
    assert_healthy(page)
