"""The backpropagation page in a real headless Chromium: ▶ Play walks the network through
forward pass and backpropagation in the browser (δ appears under the neurons, the edges' numbers
turn into gradients) without asking the server for anything; the step slider under the graph
scrubs to any step; a click on a weight's number opens its input, and a new value redraws the
graph with new numbers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bench import chromium

pytestmark = pytest.mark.e2e

GRAPH = ".lll-chart[data-clickable]"
TEXTS = "(gd) => gd.data.map((t) => (t.text ?? []).join('|'))"  # every trace's texts
DELTAS, EDGES, EQUATION = 4, 2, 5  # traces of `viz.backprop.network_figure`


def texts(page: Page) -> list[str]:
    return page.locator(GRAPH).evaluate(TEXTS)


def healthy(page: Page) -> None:
    assert chromium.exception_texts(page) == []
    assert page.errors == []


def test_play_walks_forward_then_back_in_the_browser(open_page):
    page = open_page("backprop")
    graph = page.locator(GRAPH)
    start = texts(page)
    assert start[DELTAS].strip("|") == ""  # step 0: no δ yet
    requests = chromium.rerun_requests(page)
    page.locator(".lll-play", has_text="Play").first.click()
    # What a student waits for: the errors δ appear under the neurons, and at the end every
    # edge shows ∂C/∂w instead of w.
    page.wait_for_function(
        "([gd, i]) => gd.data[i].text.some((t) => t.startsWith('δ'))",
        arg=[graph.element_handle(), DELTAS],
    )
    page.wait_for_function(
        "([gd, i, before]) => gd.data[i].text.join('|') !== before",
        arg=[graph.element_handle(), EDGES, start[EDGES]],
    )
    page.wait_for_function(
        "(gd) => gd.data[5].text[0].startsWith('BP3')", arg=graph.element_handle()
    )
    assert chromium.rerun_requests(page) == requests  # played in the browser alone
    healthy(page)


def test_the_step_slider_scrubs_to_each_step(open_page):
    page = open_page("backprop")
    bar = page.locator(".lll-animation:visible").first
    step = bar.locator("input.lll-step")
    last = int(step.get_attribute("max"))
    assert last == 6  # 2-3-2: input, 2 forward, BP1, BP2, 2 × BP3/BP4
    requests = chromium.rerun_requests(page)
    equations = []
    for value in range(last + 1):
        before = texts(page)[EQUATION]
        step.evaluate(
            "(e, v) => { e.value = String(v); e.dispatchEvent(new Event('input')); }", value
        )
        if value:
            page.wait_for_function(
                "([gd, before]) => gd.data[5].text[0] !== before",
                arg=[page.locator(GRAPH).element_handle(), before],
            )
        equations.append(texts(page)[EQUATION])
    assert len(set(equations)) == last + 1
    assert equations[3].startswith("BP1") and equations[4].startswith("BP2")
    assert bar.locator(".lll-step-label").inner_text() == "BP3/BP4, layer 1"
    assert chromium.rerun_requests(page) == requests
    healthy(page)


def test_a_click_on_a_weight_opens_its_input_and_a_new_value_redraws(open_page):
    page = open_page("backprop")
    graph = page.locator(GRAPH)
    # where the number of the 7th weight (w²₁₁) is drawn, in page pixels
    target = graph.evaluate(
        """(gd) => { const t = gd._fullData[2], xa = gd._fullLayout.xaxis,
                     ya = gd._fullLayout.yaxis, box = gd.getBoundingClientRect();
                     return {left: box.left + xa._offset + xa.c2p(t.x[6]),
                             top: box.top + ya._offset + ya.c2p(t.y[6]), text: t.text[6]}; }"""
    )
    runs = chromium.runs_finished(page)
    page.mouse.click(target["left"], target["top"])
    chromium.wait_for_app(page, runs)
    box = page.locator(".st-key-backprop-w2-1-1 input")
    box.wait_for()
    assert float(box.input_value()) == pytest.approx(float(target["text"].replace("−", "-")))
    assert "pick=w2.1.1" in page.url
    before = texts(page)
    runs = chromium.runs_finished(page)
    box.fill("2.5")
    box.press("Enter")
    chromium.wait_for_app(page, runs)
    page.wait_for_function(
        "([gd, before]) => gd.data[2].text.join('|') !== before",
        arg=[graph.element_handle(), before[EDGES]],
    )
    assert texts(page)[EDGES].split("|")[6] == "2.5"
    assert "w2.1.1=2.5" in page.url
    healthy(page)
