"""The lecturer's controls in a real headless Chromium, on the playground's animated map:

- Pause, then Play resumes from the step where it paused (not from step 0);
- the optimizers' paths are drawn as the animation goes: at step k each path has its points
  0..k only, so nobody sees where a run ends before it gets there;
- keys: Space plays and pauses, ← → step; in presentation mode anywhere on the page, and
  PageDown/PageUp (a clicker) load the next/previous lecture scene; outside presentation mode on
  the chart whose Play button or step slider has the focus.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Locator, Page

from app_support.presets import PLAYGROUND_PRESETS
from bench import chromium
from viz.animation import GROWS

pytestmark = pytest.mark.e2e

MAP = ".lll-chart.lll-animated"
# Each growing path's number of points drawn now, and each one's full run (the paths' hover
# text numbers points by step: the point count is the step count + 1).
PATH_POINTS = "([gd, grows]) => gd.data.filter((t) => t.meta === grows).map((t) => t.x.length)"
SHOWN_STEP = "(bar) => Number(bar.querySelector('.lll-step-label').textContent.match(/\\d+/)[0])"


def bar_of(page: Page) -> Locator:
    return page.locator(".lll-animation:visible").first


def shown_step(page: Page) -> int:
    """The optimizers' step the animation shows (its label: "step 42")."""
    return bar_of(page).evaluate(SHOWN_STEP)


def slider_index(page: Page) -> int:
    return int(bar_of(page).locator("input.lll-step").input_value())


def path_points(page: Page) -> list[int]:
    gd = page.locator(MAP).first.element_handle()
    return page.evaluate(PATH_POINTS, [gd, GROWS])


def record_frames(page: Page) -> None:
    """From now on, remember the name of every frame the map animates (its step number)."""
    page.locator(MAP).first.evaluate(
        "(gd) => { window.__frames = []; gd.on('plotly_animatingframe', "
        "(e) => window.__frames.push(String(e.name ?? e.frame?.name))); }"
    )


def playing(page: Page) -> bool:
    return bar_of(page).locator(".lll-play").get_attribute("aria-pressed") == "true"


def wait_until_step_at_least(page: Page, step: int) -> None:
    page.wait_for_function(
        f"(bar) => ({SHOWN_STEP})(bar) >= {step}", arg=bar_of(page).element_handle()
    )


def healthy(page: Page) -> None:
    assert chromium.exception_texts(page) == []
    assert page.errors == []


def scene_url(preset, **extra) -> str:
    return "playground?" + urlencode({**preset.params, **extra})


def test_pause_then_play_resumes_where_it_paused_and_paths_grow_with_the_steps(open_page):
    page = open_page("playground")
    points = path_points(page)
    assert points and shown_step(page) == 0
    assert points == [1] * len(points)  # step 0: only the start is drawn, not the whole run
    play = bar_of(page).locator(".lll-play")
    play.click()
    wait_until_step_at_least(page, 10)
    play.click()  # pause
    page.wait_for_function(
        "(b) => b.getAttribute('aria-pressed') === 'false'", arg=play.element_handle()
    )
    paused_at, index = shown_step(page), slider_index(page)
    assert paused_at >= 10
    # At step k each path has exactly its points 0..k (every default run is longer than k).
    assert path_points(page) == [paused_at + 1] * len(points)
    record_frames(page)
    play.click()  # resume
    page.wait_for_function("() => window.__frames.length >= 3")
    play.click()
    first = int(page.evaluate("() => window.__frames[0]"))
    # The next frame after the paused one: the step slider's next position, not step 0.
    assert first > paused_at
    assert slider_index(page) > index
    assert path_points(page) == [shown_step(page) + 1] * len(points)
    healthy(page)


def test_keys_in_presentation_mode_step_play_and_walk_through_the_scenes(open_page):
    first, second = PLAYGROUND_PRESETS[0], PLAYGROUND_PRESETS[1]
    page = open_page(scene_url(first, present="1"))
    page.locator(MAP).first.scroll_into_view_if_needed()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert slider_index(page) == 3
    page.keyboard.press("ArrowLeft")
    assert slider_index(page) == 2
    assert path_points(page) == [shown_step(page) + 1] * len(path_points(page))
    page.keyboard.press(" ")
    assert playing(page)
    wait_until_step_at_least(page, 10)
    page.keyboard.press(" ")
    assert not playing(page)
    paused_at = slider_index(page)
    assert paused_at > 2
    # A clicker's PageDown with the step slider focused: the next scene, the slider untouched.
    bar_of(page).locator("input.lll-step").focus()
    runs = chromium.runs_finished(page)
    page.keyboard.press("PageDown")
    chromium.wait_for_app(page, runs)
    query = parse_qs(urlsplit(page.url).query)
    assert query["preset"] == [second.key] and query["present"] == ["1"]
    assert query["surface"] == [second.params["surface"]]
    assert any(
        second.title in text for text in page.locator("[data-testid=stAlert]").all_inner_texts()
    )
    runs = chromium.runs_finished(page)
    page.keyboard.press("PageUp")
    chromium.wait_for_app(page, runs)
    assert parse_qs(urlsplit(page.url).query)["preset"] == [first.key]
    healthy(page)


def test_keys_outside_presentation_mode_act_on_the_focused_animation_bar(open_page):
    page = open_page("playground")
    page.keyboard.press(" ")  # nothing focused: the page's own Space (scrolling), no Play
    assert not playing(page)
    bar_of(page).locator(".lll-play").focus()
    page.keyboard.press(" ")
    assert playing(page)
    wait_until_step_at_least(page, 5)
    page.keyboard.press(" ")
    assert not playing(page)
    at = slider_index(page)
    page.keyboard.press("ArrowRight")
    assert slider_index(page) == at + 1
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    assert slider_index(page) == at - 1
    page.keyboard.press("PageDown")  # not presenting: no scene is loaded
    # The frame where the keys stopped goes into the URL (one rerun), and nothing else.
    page.wait_for_function(f"() => location.search.includes('frame={at - 1}')")
    chromium.wait_for_app(page)
    assert parse_qs(urlsplit(page.url).query) == {"frame": [str(at - 1)]}
    assert slider_index(page) == at - 1  # the rerun redrew nothing back
    healthy(page)


def test_the_url_keeps_the_maps_zoom_and_frame_and_a_link_opens_at_them(open_page):
    page = open_page("playground")
    gd = page.locator(MAP).first
    for _ in range(4):
        bar_of(page).locator("input.lll-step").press("ArrowRight")  # the range input's own keys
    runs = chromium.runs_finished(page)
    # A zoom, as a drag of a box on the map reports it to Plotly.
    gd.evaluate(
        "(gd) => gd.__lllPlotly.relayout(gd, {'xaxis.range': [-1, 2], 'yaxis.range': [-0.5, 1]})"
    )
    chromium.wait_for_app(page, runs)
    page.wait_for_function("() => location.search.includes('zoom=')")
    query = parse_qs(urlsplit(page.url).query)
    assert query["frame"] == ["4"]
    assert [float(v) for v in query["zoom"][0].split(",")] == [-1, 2, -0.5, 1]
    healthy(page)
    # The link opens at that frame, with that zoom, and its paths drawn up to that step.
    page.goto(page.url)
    chromium.wait_for_app(page)
    assert slider_index(page) == 4
    ranges = page.locator(MAP).first.evaluate(
        "(gd) => [...gd._fullLayout.xaxis.range, ...gd._fullLayout.yaxis.range]"
    )
    assert ranges == pytest.approx([-1, 2, -0.5, 1])
    assert path_points(page) == [shown_step(page) + 1] * len(path_points(page))
    healthy(page)
