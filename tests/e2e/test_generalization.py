"""The Generalization page in a real headless Chromium: moving dropout's keep probability
retrains the network and redraws the decision maps and the loss curves."""

from __future__ import annotations

import pytest

from bench import chromium

pytestmark = pytest.mark.e2e

VIEW = "generalization?tab=dropout&steps=200&n=16&width=4"


def _metric(page, label: str) -> str:
    box = page.locator("[data-testid=stMetric]", has_text=label).first
    return box.locator("[data-testid=stMetricValue]").inner_text()


def test_moving_the_keep_probability_redraws_the_dropout_views(open_page):
    page = open_page(VIEW)
    assert chromium.exception_texts(page) == []
    before = chromium.chart_fingerprints(page)
    shown = _metric(page, "Training loss, dropout")
    assert len(before) >= 2  # the maps and the curves, at least
    runs = chromium.runs_finished(page)
    chromium.nudge(page.locator(".st-key-generalization-p_h"), big=True)
    chromium.wait_for_app(page, runs)
    chromium.draw_waiting_charts(page)
    after = chromium.chart_fingerprints(page)
    assert chromium.exception_texts(page) == [] and page.errors == []
    assert after[0] != before[0]  # the map of the dropout network
    assert after[1] != before[1]  # its curves
    assert _metric(page, "Training loss, dropout") != shown
