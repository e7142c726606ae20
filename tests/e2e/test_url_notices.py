"""Deep-link notices in Chromium: a rejected URL value is echoed as text. A crafted link must not
put a link or an image of its own into the page, nor make the browser fetch anything."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page

from bench import chromium

TRAP = "http://127.0.0.1:9"  # nothing listens there; any request to it is the payload's
PAYLOADS = {  # each within the 40 characters a notice echoes
    "present": "`\n\n[Log in](" + TRAP + "/l)",
    "![x](" + TRAP + "/y.png)": "1",
    '<img src="' + TRAP + '/z.png">': "1",
    "\n\n<a href='" + TRAP + "'>a</a>": "1",
}


def test_a_crafted_deep_link_shows_its_values_as_text_and_fetches_nothing(page: Page, app_url):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in PAYLOADS.items())
    chromium.open_app(page, f"{app_url}/?{query}")
    notices = page.locator('[data-testid="stAlertContentWarning"]')
    notices.first.wait_for()
    text = " ".join(notices.all_inner_texts()).replace("\u200b", "")
    assert "[Log in](" + TRAP + "/l)" in text  # shown as typed
    assert "![x](" + TRAP + "/y.png)" in text
    assert '<img src="' + TRAP + '/z.png">' in text
    # the notices hold no element of the payloads' (Streamlit's own, if any, point elsewhere)
    made = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stAlert"] *')]
            .filter(e => !['DIV', 'P', 'SPAN', 'svg', 'path', 'STRONG', 'EM'].includes(e.tagName))
            .map(e => e.tagName + ' ' + (e.getAttribute('href') || e.getAttribute('src') || ''))"""
    )
    assert not [m for m in made if m.startswith(("IMG", "CODE", "H1", "H2")) or "127.0.0.1:9" in m]
    assert page.locator('a[href*="127.0.0.1:9"], img[src*="127.0.0.1:9"]').count() == 0
    assert [url for url in requested if "127.0.0.1:9/" in url] == []
    assert made == [], made
