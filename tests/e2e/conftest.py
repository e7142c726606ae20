"""Fixtures of the browser tests: one `streamlit run app.py` and one headless Chromium for the
whole session, a fresh browser context (a new Streamlit session) for every test.

The server listens on a free port of 127.0.0.1 and is stopped at the end of the session; its
output goes to `artifacts/e2e-streamlit.log`, the screenshots to `artifacts/screenshots/`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from app_support.navigation import PAGES
from bench import chromium
from bench.serve import REPO, streamlit_server
from bench.streamlit_client import StreamlitSession

ARTIFACTS = REPO / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# (name, URL path, title in the navigation): the home page is the default page, at "/".
APP_PAGES = [("home", "", "Home")]
APP_PAGES += [(Path(info.path).stem, Path(info.path).stem, info.title) for info in PAGES]


async def _warm_up(url: str) -> None:
    # Each page's first run compiles its JAX functions: do it once here, so that no test's
    # timing depends on whether it happened to run first.
    for _, path, _ in APP_PAGES:
        async with StreamlitSession(url, page=path, timeout=300) as session:
            await session.run()


@pytest.fixture(scope="session")
def server_env(tmp_path_factory) -> dict[str, str]:
    """The servers keep JAX's persistent compilation cache, as a deployment does, in a
    directory of this session's own (the test process itself runs without it)."""
    return {"LLL_JAX_CACHE": str(tmp_path_factory.mktemp("jax-cache"))}


@pytest.fixture(scope="session")
def app_url(server_env) -> Iterator[str]:
    with streamlit_server(log=ARTIFACTS / "e2e-streamlit.log", env=server_env) as server:
        # In a thread of its own: Playwright's sync API may already run an event loop here.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, _warm_up(server.url)).result()
        yield server.url


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = chromium.launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def devices(playwright: Playwright) -> dict:
    """Playwright's device descriptors ("iPhone 13": viewport, scale, touch, user agent)."""
    return playwright.devices


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context; ``page.errors`` collects uncaught script errors."""
    page = chromium.new_page(browser)
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.context.close()


@pytest.fixture
def open_page(page: Page, app_url: str):
    """Open one of the app's pages (a URL path plus query) and wait until it has settled."""

    def open_(path_and_query: str) -> Page:
        chromium.open_app(page, f"{app_url}/{path_and_query}")
        return page

    return open_
