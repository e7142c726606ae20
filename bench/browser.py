"""Latency in the browser: from a slider move to the chart's redraw, and the first page load.

    python -m bench.browser                  # every page, 20 slider moves each
    python -m bench.browser --moves 40 --page playground

Measured in Debian's headless Chromium (``bench.chromium``) against ``streamlit run`` on
localhost, in two parts:

1. First load. Three fresh servers one after the other, each visited page by page: JAX's
   persistent compilation cache off; on, with an empty cache directory (the first start of a
   deployment); on, with the directory the previous server filled (every later start of a
   replica). A first load is the time from navigation start to the page's last change, so it
   includes importing the app, JAX's compilation and Plotly drawing the figures.
   Target: <= 5 s.
2. Slider to redraw, on the last server: the page's sliders (in the view
   ``chromium.SLIDER_VIEWS`` names, for a page whose default view has none) are moved in turn
   with the keyboard, one step each; a move's latency runs from the key press to the last
   chart redraw it caused (request to redraw is shown too: the rest is the browser's input
   handling).
   Target: p50 <= 300 ms.

The app turns the cache on itself (`app_support.compile_cache`); the benchmark points it at a
temporary directory, or turns it off, through ``LLL_JAX_CACHE``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from app_support.navigation import PAGES
from bench import chromium
from bench.serve import streamlit_server

FIRST_LOAD_TARGET_S = 5.0
P50_TARGET_MS = 300.0


def jax_cache_env(directory: str) -> dict[str, str]:
    """Environment for the server: JAX's persistent compilation cache in ``directory``, or
    off when ``directory`` is "off" (`app_support.compile_cache` reads ``LLL_JAX_CACHE``)."""
    return {"LLL_JAX_CACHE": directory}


def first_load_s(browser: Browser, url: str) -> float:
    """Seconds from navigation start to the page's last change, in a new browser session."""
    page = chromium.new_page(browser)
    try:
        chromium.open_app(page, url)
        errors = chromium.exception_texts(page)
        if errors:
            raise SystemExit(f"{url} shows an exception: {errors[0][:300]}")
        return page.evaluate("() => Math.max(__lll.chartChangedAt, __lll.domChangedAt)") / 1e3
    finally:
        page.context.close()


# A move whose script run was not seen to end within this long is counted apart, not timed:
# a run over in a few milliseconds (a slider that only changes a table) can end before the
# frontend ever shows it running, so the page's run counter never moves.
MOVE_TIMEOUT_MS = 15_000


def slider_latencies_ms(
    browser: Browser, url: str, moves: int, verbose: bool = False
) -> tuple[list, list, int, int]:
    """Input -> redraw and request -> redraw (ms) for ``moves`` slider moves, how many moves
    redrew no chart, and how many were not seen to settle (each move printed if ``verbose``)."""
    page = chromium.new_page(browser)
    to_redraw, request_to_redraw, no_redraw, unsettled = [], [], 0, 0
    try:
        chromium.open_app(page, url)
        sliders = chromium.sliders(page)
        count = sliders.count()
        for move in range(moves if count else 0):
            runs = chromium.runs_finished(page)
            slider = sliders.nth(move % count)
            chromium.nudge(slider)
            try:
                chromium.wait_for_app(page, runs, timeout_ms=MOVE_TIMEOUT_MS)
            except PlaywrightTimeoutError:
                unsettled += 1
                continue
            total, after_request = chromium.input_to_redraw_ms(page)
            if verbose:
                label = slider.locator("label").first.inner_text().strip()
                print(
                    f"    {label[:40]:40s} {total:7.0f} ms  (request -> redraw {after_request:.0f})"
                )
            if total < 0:  # the newest redraw is older than the key press
                no_redraw += 1
                continue
            to_redraw.append(total)
            request_to_redraw.append(after_request)
    finally:
        page.context.close()
    return to_redraw, request_to_redraw, no_redraw, unsettled


def first_loads(browser: Browser, app: str, pages: list[str], env: dict[str, str]) -> list:
    """A fresh server, each page visited once: their first-load times, s."""
    with streamlit_server(app, env=env) as server:
        return [first_load_s(browser, f"{server.url}/{page}") for page in pages]


def report_first_loads(browser: Browser, app: str, pages: list[str], cache: str) -> bool:
    """Print each page's first load with the compilation cache off, empty and filled; whether
    the slowest met the target in every case."""
    runs = [("cache off", jax_cache_env("off")), ("cache on, empty", jax_cache_env(cache))]
    runs.append(("cache on, filled", jax_cache_env(cache)))
    loads = {name: first_loads(browser, app, pages, env) for name, env in runs}
    print("first load of each page on a fresh server, s (navigation start -> last redraw):")
    print(f"  {'page':24s}" + "".join(f"{name:>18s}" for name in loads))
    for i, page in enumerate(pages):
        print(f"  {page or 'home':24s}" + "".join(f"{t[i]:18.2f}" for t in loads.values()))
    ok = True
    for name, times in loads.items():
        met = max(times) <= FIRST_LOAD_TARGET_S
        ok &= met
        print(
            f"  slowest, {name}: {max(times):.2f} s; target <= {FIRST_LOAD_TARGET_S} s: "
            f"{'met' if met else 'MISSED'}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.browser", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--moves", type=int, default=20, help="slider moves per page")
    parser.add_argument(
        "--page", action="append", help="URL path of a page (repeatable; default: all pages)"
    )
    parser.add_argument("--app", default="app.py", help="the Streamlit script to serve")
    parser.add_argument("--verbose", action="store_true", help="print every slider move")
    parser.add_argument("--skip-first-load", action="store_true", help="measure slider moves only")
    args = parser.parse_args(argv)
    # The home page is the default page, at "/"; the others at their file names.
    pages = args.page or ["", *(Path(info.path).stem for info in PAGES)]
    ok = True
    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as cache:
        browser = chromium.launch(playwright)
        if not args.skip_first_load:
            ok &= report_first_loads(browser, args.app, pages, cache)
        print(f"\nslider move -> chart redraw, ms ({args.moves} moves per page, warm server):")
        with streamlit_server(args.app, env=jax_cache_env(cache)) as server:
            for page in pages:
                started = time.perf_counter()
                view = chromium.SLIDER_VIEWS.get(page)
                url = f"{server.url}/{page}" + (f"?{view}" if view else "")
                total, after_request, no_redraw, unsettled = slider_latencies_ms(
                    browser, url, args.moves, args.verbose
                )
                label = page or "home"
                if not total:
                    print(f"  {label:24s} no slider redrew a chart")
                    continue
                p50, p95 = np.percentile(total, [50, 95])
                met = p50 <= P50_TARGET_MS
                ok &= met
                unseen = f"{unsettled} not seen to settle, " if unsettled else ""
                print(
                    f"  {label:24s} p50 {p50:6.0f}  p95 {p95:6.0f}  "
                    f"(request -> redraw p50 {np.nanpercentile(after_request, 50):6.0f}; "
                    f"{len(total)} moves, {no_redraw} without redraw, {unseen}"
                    f"{time.perf_counter() - started:.0f} s); target p50 <= {P50_TARGET_MS:.0f}:"
                    f" {'met' if met else 'MISSED'}"
                )
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
