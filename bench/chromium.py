"""Drive the app in Debian's headless Chromium with Playwright: shared by the browser tests
(``tests/e2e``) and the latency benchmark (``bench.browser``).

Playwright cannot download its own browsers here, so it launches ``/usr/bin/chromium``
(``apt-get install chromium``) through ``executable_path``. Each page gets a small script,
injected before Streamlit's own, that keeps score of what the tests wait for:

- ``runsFinished``: how many script runs have ended, counted from the server's
  ``script_finished`` messages as they arrive over the websocket. The
  ``data-test-script-state`` attribute that Streamlit's frontend puts on
  ``[data-testid=stApp]`` (``running`` while the script runs, ``notRunning`` after) cannot
  count them: React batches the state updates of a run that ends within one task, so a fast
  rerun may never show ``running`` at all (3 slider moves in 40 on the backpropagation page).
  ``stateChangedAt``: when that attribute last changed;
- ``chartChangedAt``: when a Plotly chart last received new data (checked every animation
  frame: `app_support.charts` hands Plotly a new ``data`` array when a rerun sends a new
  figure), and
  ``domChangedAt``: when an element was last added or removed anywhere on the page;
- ``inputAt``: when the last key or pointer press happened, and ``sends``: when the page sent
  messages over the websocket, so that a latency can be split into input -> request -> redraw;
  ``requests``: how many of them asked for a rerun.
"""

from __future__ import annotations

from playwright.sync_api import Browser, Locator, Page, Playwright

CHROMIUM = "/usr/bin/chromium"
# Headless, as root in a container, with nothing that calls home.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 900}

# The query that opens a view with sliders that redraw a chart, for pages whose default view
# has none (a page's first tab may be all number inputs and buttons): the browser tests move
# sliders there, and `bench.browser` times them there.
SLIDER_VIEWS = {"saddles": "tab=escape", "permutation": "tab=regions"}

INIT_SCRIPT = """
(() => {
  const lll = (window.__lll = {runsFinished: 0, stateChangedAt: 0, chartChanges: 0,
                               chartChangedAt: 0, domChangedAt: 0, inputAt: 0, sends: []});
  new MutationObserver(() => { lll.stateChangedAt = performance.now(); })
    .observe(document, {attributes: true, subtree: true,
                        attributeFilter: ['data-test-script-state']});
  // A ForwardMsg whose top-level field 6 (`script_finished`, a varint) is set ends a run.
  const endsRun = (data) => {
    if (!(data instanceof ArrayBuffer)) return false;
    const b = new Uint8Array(data);
    let i = 0;
    const varint = () => {
      let value = 0, scale = 1, byte;
      do { byte = b[i++]; value += (byte & 127) * scale; scale *= 128; }
      while (byte & 128 && i < b.length);
      return value;
    };
    while (i < b.length) {
      const tag = varint(), wire = tag & 7;
      if (tag >>> 3 === 6 && wire === 0) return true;
      if (wire === 0) varint();
      else if (wire === 2) {
        const length = varint(); // read first: `i += varint()` adds it to `i` before the read
        i += length;
      }
      else if (wire === 1) i += 8;
      else if (wire === 5) i += 4;
      else return false;
    }
    return false;
  };
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => { if (endsRun(event.data)) lll.runsFinished++; });
    }
  };
  new MutationObserver(() => { lll.domChangedAt = performance.now(); })
    .observe(document, {childList: true, subtree: true});
  const seen = new WeakMap();
  const tick = () => {
    for (const gd of document.querySelectorAll('.js-plotly-plot')) {
      if (gd.data && seen.get(gd) !== gd.data) {
        seen.set(gd, gd.data);
        lll.chartChanges++;
        lll.chartChangedAt = performance.now();
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  for (const kind of ['keydown', 'pointerdown'])
    addEventListener(kind, () => { lll.inputAt = performance.now(); }, true);
  const send = WebSocket.prototype.send;
  lll.requests = 0;
  WebSocket.prototype.send = function (data) {
    const bytes = data.byteLength ?? data.length;
    lll.sends.push({t: performance.now(), bytes});
    if (lll.sends.length > 100) lll.sends.shift();
    if (bytes > 16) lll.requests++; // a rerun request (widget states), not a heartbeat
    return send.call(this, data);
  };
})();
"""

# A digest of each chart's data (coordinates, types, names, visibility), the same for the same
# figure whatever page load drew it: used to tell whether a chart changed.
FINGERPRINTS_JS = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map((gd) => {
  let h = 2166136261;
  const mix = (s) => { for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i); h = Math.imul(h, 16777619); } };
  const walk = (v) => {
    if (v === null || v === undefined) return mix('~');
    if (ArrayBuffer.isView(v) || Array.isArray(v)) { mix('['); for (const x of v) walk(x);
                                                     return mix(']'); }
    if (typeof v === 'object') { for (const k of Object.keys(v).sort()) { mix(k); walk(v[k]); }
                                 return; }
    mix(String(v) + ',');
  };
  for (const t of gd.data || []) walk([t.type, t.name, t.visible, t.x, t.y, t.z]);
  return (h >>> 0).toString(16);
})
"""

# The app has settled: a script run newer than the first argument has ended, no run has
# started or ended for `quiet` ms (a page may rerun itself right away), the page is connected,
# no element is still waiting for its lazily loaded code (Streamlit's skeletons), every chart
# has been drawn (the Plotly.js preloader, `app_support.charts.preload_plotly`, and the
# keyboard listener, `app_support.lecture_keys`, draw none),
# and nothing on the page has changed for `quiet` ms.
SETTLED = """
([runsBefore, quiet]) => {
  const DRAWS_NO_CHART = '.lll-preload, .lll-keys'; // Plotly.js preloader, lecture keys
  const lll = window.__lll, app = document.querySelector('[data-testid=stApp]');
  const now = performance.now();
  return Boolean(lll && app) && lll.runsFinished > runsBefore
    && app.dataset.testScriptState === 'notRunning'
    && app.dataset.testConnectionState === 'CONNECTED'
    && now - lll.stateChangedAt > quiet
    && now - Math.max(lll.domChangedAt, lll.chartChangedAt) > quiet
    && !document.querySelector('[data-testid^=stSkeleton], [data-testid=stAppSkeleton]')
    && Array.from(document.querySelectorAll('[data-testid^=stBidiComponent]'))
         .filter((chart) => !chart.matches(DRAWS_NO_CHART) && !chart.querySelector(DRAWS_NO_CHART))
         .every((chart) => chart.querySelector('.js-plotly-plot')?._fullLayout);
}
"""


def launch(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless, with a fresh profile (Playwright makes a temporary one)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=list(CHROMIUM_ARGS), headless=True
    )


def new_page(browser: Browser, timeout_ms: float = 90_000) -> Page:
    """A page in its own browser context (its own cookies: its own Streamlit session)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    context.set_default_timeout(timeout_ms)
    return context.new_page()


def runs_finished(page: Page) -> int:
    return page.evaluate("() => window.__lll.runsFinished")


def rerun_requests(page: Page) -> int:
    """How many times the page has asked the server for a rerun: what a test counts to
    tell that a control sent nothing (a run the server skipped would not show in
    `runs_finished`)."""
    return page.evaluate("() => window.__lll.requests")


def wait_for_app(
    page: Page, runs_before: int = 0, quiet_ms: float = 400, timeout_ms: float | None = None
) -> None:
    """Wait until a script run newer than ``runs_before`` has ended and the page has settled
    (at most ``timeout_ms``, else the page's default timeout)."""
    page.wait_for_function(SETTLED, arg=[runs_before, quiet_ms], polling=50, timeout=timeout_ms)


def open_app(page: Page, url: str) -> None:
    """Load ``url`` and wait for the first run to end and its charts to be drawn."""
    page.goto(url)
    wait_for_app(page)


def chart_fingerprints(page: Page) -> list[str]:
    return page.evaluate(FINGERPRINTS_JS)


def draw_waiting_charts(page: Page) -> int:
    """Scroll each chart that waits out of sight for a newer figure (`app_support/charts.js`
    redraws a chart only once it is in view) into view, as a student scrolling down would,
    and wait until it has drawn that figure. Returns how many charts were waiting."""
    charts = page.locator(".lll-chart")
    waited = 0
    for i in range(charts.count()):
        chart = charts.nth(i)
        drawn = chart.evaluate("(gd) => (gd.__lllWaiting ? gd.__lllDrawn : -1)")
        if drawn < 0:
            continue
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "([gd, drawn]) => gd.__lllDrawn > drawn", arg=[chart.element_handle(), drawn]
        )
        waited += 1
    return waited


def exception_texts(page: Page) -> list[str]:
    """The text of every exception box on the page (none on a healthy page)."""
    return page.locator("[data-testid=stException]").all_inner_texts()


def sliders(page: Page) -> Locator:
    """The page's sliders and select-sliders that a user can see and move (those of a closed
    tab, expander or popover are in the page but cannot be moved)."""
    return page.locator("[data-testid=stSlider]:visible:has(input[type=range]:not([disabled]))")


def nudge(slider: Locator, big: bool = False) -> None:
    """Move a slider with the keyboard, as a user would: one step (a tenth of the range when
    ``big``) to the right, or to the left when it sits at its right end."""
    thumb = slider.locator("input[type=range]").first
    at_end = thumb.evaluate("(e) => Number(e.value) >= Number(e.max)")
    thumb.press(
        ("PageDown" if at_end else "PageUp") if big else ("ArrowLeft" if at_end else "ArrowRight")
    )


def input_to_redraw_ms(page: Page) -> tuple[float, float]:
    """(input -> last chart redraw, request sent -> last chart redraw) of the last input, ms."""
    return page.evaluate(
        """() => { const l = window.__lll;
                   const sent = l.sends.find((s) => s.t >= l.inputAt && s.bytes > 16);
                   return [l.chartChangedAt - l.inputAt,
                           sent ? l.chartChangedAt - sent.t : NaN]; }"""
    )
