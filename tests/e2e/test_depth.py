"""The depth page in Chromium: moving the n slider redraws the tilt animation with the new
lines and frames, and the count shown follows the core's closed form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bench import chromium
from landscapes import depth

pytestmark = pytest.mark.e2e

STEPS = ".lll-animation:visible input.lll-step"


def shown(page: Page) -> dict:
    """The metric labels and values on the page."""
    return page.evaluate(
        """() => Object.fromEntries(Array.from(
            document.querySelectorAll('[data-testid=stMetric]')).map((m) => [
              m.querySelector('[data-testid=stMetricLabel]').innerText.trim(),
              m.querySelector('[data-testid=stMetricValue]').innerText.trim()]))"""
    )


def test_moving_n_redraws_the_tilt_animation_and_its_count(open_page):
    page = open_page("depth?tab=count&d=2&n=4&t=4")
    assert chromium.exception_texts(page) == []
    assert page.locator(STEPS).get_attribute("max") == "4"  # t = 0 … 4: five frames
    assert shown(page)["Counted exactly"] == "11"
    before = chromium.chart_fingerprints(page)
    runs = chromium.runs_finished(page)
    chromium.nudge(page.locator(".st-key-depth-n [data-testid=stSlider]"))  # n: 4 → 5
    chromium.wait_for_app(page, runs)
    # the chart now holds the five lines and their six frames, and the count is the core's
    page.wait_for_function(
        "() => document.querySelector('.lll-animation input.lll-step')?.max === '5'"
    )
    assert chromium.chart_fingerprints(page) != before
    lines = depth.tilted_arrangement(5, 2, "general", 4)
    assert shown(page)["Counted exactly"] == str(depth.count_regions(lines))
    assert shown(page)["Closed form"] == str(6 + 4 + 3 + 2 + 1)
    assert chromium.exception_texts(page) == []
