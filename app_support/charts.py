"""Plotly charts that redraw in place: `plotly_chart(figure, key=...)` instead of `st.plotly_chart`.

Why not `st.plotly_chart`: Streamlit 1.67 identifies a Plotly chart by a hash of its figure and
its frontend uses that id as the chart's React key, so a rerun that changes a figure unmounts
the chart and draws a new one from scratch (`Plotly.newPlot`, new DOM, layout and paint of the
whole element). That was most of a slider move's 450–650 ms in the browser
(`python -m bench.browser`, CDP profile). A chart here is a small Streamlit component (v2)
whose identity is its `key`: the browser keeps its `<div>` and hands each new figure to
`Plotly.react`, which updates what changed, animation frames included. Clicks come back as a
one-run trigger (`on_click`), the way `st.plotly_chart(on_select=...)` reported them.

Plotly.js itself is the copy that ships with the plotly Python package (the version its figures
are written for), served by Streamlit's static file serving from ``static/`` next to `app.py`
(`server.enableStaticServing`); it is copied there when a chart is first drawn.

Streamlit's Plotly theme no longer reaches the figures, so each gets `viz.theme.plotly_template`
for the page's look: the same fonts, greys and margins, light or dark.

A figure's width and height are what it is built for on a laptop; charts.js draws it no wider
than its column and no taller than the window (in presentation mode: ending on screen with its
animation bar), maps keeping their shape, so that a phone never scrolls sideways and a
projected chart fits one screen.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from collections.abc import Callable, Hashable
from pathlib import Path

import orjson
import plotly
import plotly.io
import streamlit as st

from app_support.alt_text import describe_figure
from app_support.chart_view import ChartView
from viz.animation import controls_outside
from viz.figure import figure_dict
from viz.memo import Memo
from viz.theme import Look, plotly_template

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
PLOTLY_JS = f"plotly-{plotly.__version__}.min.js"
_PACKAGE_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def plotly_js_version(path: Path = _PACKAGE_JS) -> str:
    """The Plotly.js version a bundle says it is, in its first lines ("plotly.js ... v4.1.1")."""
    with path.open(encoding="utf-8") as file:
        match = re.search(r"plotly\.js[^\n]* v(\d+\.\d+\.\d+)", file.read(400))
    return match.group(1) if match else ""


# Plotly.js bundles, each loaded by a page the first time one of its charts needs it: the
# partial ones parse in a third of the full one's time (0.7-0.85 s against 1.4-1.9 s in
# headless Chromium here: part of every page's first load). charts.js picks one by the traces
# of a figure: "cartesian" for 2-D traces, "gl3d" for 3-D ones, "full" for anything else. The
# partial bundles are kept in static/ (see its .gitignore) for the plotly package's
# Plotly.js version; a missing one falls back to the full bundle. URLs are relative to the
# page's, so that the app also works behind a path prefix.
def plotly_bundles(static_dir: Path = STATIC_DIR) -> dict[str, str]:
    version = plotly_js_version()
    bundles = {"full": f"app/static/{PLOTLY_JS}"}
    for name in ("cartesian", "gl3d"):
        file = f"plotly-{name}-{version}.min.js"
        bundles[name] = f"app/static/{file}" if (static_dir / file).exists() else bundles["full"]
    return bundles


BUNDLES = plotly_bundles()


def install_plotly_js(static_dir: Path = STATIC_DIR) -> Path:
    """Copy the plotly package's own plotly.min.js into ``static_dir`` (once per version)."""
    target = static_dir / PLOTLY_JS
    if not target.exists():
        static_dir.mkdir(exist_ok=True)
        partial = target.with_suffix(".part")
        shutil.copyfile(_PACKAGE_JS, partial)
        partial.replace(target)  # atomic: a browser never loads half a file
    return target


# One module: the contour rasterizer's functions, keyboard access to scrolling formulas, then
# the chart component that uses them.
_JS = "\n".join(
    (Path(__file__).parent / name).read_text()
    for name in ("contour_raster.js", "a11y.js", "charts.js")
)
# The animation bar under an animated chart (charts.js draws it in place of Plotly's slider):
# theme colours through the CSS variables Streamlit gives components, sizes in rem so that
# presentation mode enlarges it with the page.
_CSS = """
.lll-chart { width: 100%; }
[data-testid="stElementContainer"]:has(.lll-preload) { display: none; }
.lll-animation { display: flex; align-items: center; gap: 0.75rem; padding: 0.25rem 0.5rem 0.5rem;
  font-family: var(--st-font); color: var(--st-text-color); }
.lll-animation[hidden] { display: none; }
.lll-play { min-width: 6.5rem; padding: 0.3rem 0.8rem; font: inherit; font-size: 0.95rem;
  color: var(--st-text-color); background: var(--st-secondary-background-color);
  border: 1px solid var(--st-border-color, rgba(128,128,128,0.4)); border-radius: 0.5rem;
  cursor: pointer; }
.lll-play:hover { border-color: var(--st-primary-color); color: var(--st-primary-color); }
.lll-step { flex: 1; accent-color: var(--st-primary-color); min-width: 6rem; }
.lll-step-label { min-width: 7rem; font-size: 0.95rem; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
"""
# Loaded with the charts on every page that draws one. A multiselect's chosen items are white
# text on the primary colour, which in the dark theme is a light blue (it must read as text on
# the dark ground): there they get dark text instead, for a 4.5:1 contrast (WCAG 1.4.3). The
# element's own colour scheme picks the ink. Plotly's mode bar shows on hover only; it shows
# too while a keyboard user is on one of its buttons (WCAG 2.4.7, focus visible).
_CSS += """
[data-testid="stMultiSelectTagsContainer"] [data-tag],
[data-testid="stMultiSelectTagsContainer"] [data-tag] > span {
  color: light-dark(#ffffff, #0e1117);
}
.js-plotly-plot .plotly:focus-within .modebar { opacity: 1; }
"""

COMPONENT = "loss_landscape_lab.plotly_chart"
# This run's charts, for the page's downloads and its embed view: {"embed": only the first
# chart is drawn, "drawn": charts drawn, "figures": {key: figure as drawn}}. `start_page`
# empties it; the export menu lets go of the figures once drawn (`page_figures`), so that a
# session does not keep a page's figures alive between runs.
PAGE_CHARTS = "_charts.page"


def _page_charts(embed: bool) -> dict:
    return {"embed": embed, "drawn": 0, "figures": {}, "lazy": set()}


# The chart whose frames the download menu asks for in this run (its "Make" button's
# callback sets it, `frames_requested` answers yes, the menu clears it once the file is made).
EXPORT_FRAMES = "_charts.export_frames"


_component = st.components.v2.component(COMPONENT, js=_JS, css=_CSS, isolate_styles=False)


# Charts as sent, shared by the sessions of this server that draw the same figure: (chart key,
# look, `same_for`) -> (the figure as drawn for the downloads, its animation controls, its
# description, its JSON text). A class that follows its lecturer reruns every student's page
# with the same settings at once, on one core per server process (the GIL): building a
# figure and writing its JSON once instead of once per student is most of the charts' share
# of those runs (`python -m bench.classroom --followers websocket`, docs/deploy.md).
SHARED_CHARTS: Memo[tuple[dict, dict | None, str, bytes]] = Memo(16)


def plotly_chart(
    figure,
    *,
    key: str,
    look: Look,
    where=None,
    config: dict | None = None,
    on_click: Callable[[], None] | None = None,
    frames_on_request: bool = False,
    view: ChartView | None = None,
    alt: str | None = None,
    same_for: Hashable | None = None,
) -> dict | None:
    """Draw ``figure`` (a Plotly figure) under ``key``; a new figure redraws the same chart.

    on_click: called (as a widget callback, before the rerun) when the user clicks a point;
    the click is then ``clicked_point(key)``: the point in the plot's data coordinates.
    frames_on_request: the figure may come with its animation's controls but without its
    frames; ▶ Play or the step slider then asks for them with one rerun, in which
    ``frames_requested(key)`` is true and the page sends the figure with its frames, and the
    browser plays them as soon as they arrive. Meant for an animation whose frames cost far
    more to compute and send than its still picture (the network page's decision map: 60 maps
    of the network over the plane), which every slider move would otherwise pay for.
    view: the chart's zoom and animation frame kept in the URL (`app_support.chart_view`):
    the browser draws the figure at that view and reports the student's zooms, pauses and
    scrubs back to it.
    alt: the chart's text alternative, what it shows and its key numbers
    (`app_support.alt_text`); the browser gives it to the chart as its accessible name
    (``role="figure"``, ``aria-label``). Without it the chart is described by its own labels
    (`describe_figure`: title, axis titles, legend entries).
    same_for: a value that determines the figure (with `key` and `look`), such as the page's
    settings; ``figure`` may then be a function that builds it. The figure is built and
    written as JSON once for all the sessions of this server that draw this chart with equal
    ``same_for`` (`SHARED_CHARTS`), not once per session. Whatever else the figure depends on
    (a requested animation's frames) must be part of it.
    Returns the click of this run, if any."""
    install_plotly_js()
    page_charts = st.session_state.setdefault(PAGE_CHARTS, _page_charts(False))
    if page_charts["embed"] and page_charts["drawn"]:
        return None  # the embed view shows the page's first chart only
    page_charts["drawn"] += 1
    if frames_on_request:
        page_charts["lazy"].add(key)
    if same_for is None:
        drawn, animation, described, figure_text = _sent_figure(figure, look)
    else:
        drawn, animation, described, figure_text = SHARED_CHARTS.get_or_compute(
            (key, look, same_for), lambda: _sent_figure(figure, look)
        )
    # As drawn, with Plotly's own animation controls: for the page's downloads (export menu)
    page_charts["figures"][key] = {**drawn, "layout": dict(drawn["layout"])}
    settings = {
        "config": {"displaylogo": False, **(config or {})},
        "bundles": BUNDLES,
        "clickable": on_click is not None,
        "animation": animation,
        "framesOnRequest": frames_on_request,
        "fillFrame": page_charts["embed"],
        "alt": alt or described,
        "fit": {"presenting": look.presentation},  # charts.js: the window's height to fit
    }
    # Sent as bytes of one JSON text: a dict would be JSON-encoded twice more by Streamlit
    # (once to send, once sorted to hash an identity this keyed chart does not use).
    data = json.dumps(settings).encode()[:-1] + b', "figure": ' + figure_text + b"}"
    if view is not None:
        # The view goes first, on a line of its own: the browser knows a figure by the text
        # after it, so a view it reported itself (a pause, a zoom) redraws nothing.
        data = json.dumps(view.sent()).encode() + b"\n" + data
    callbacks = {"on_click_change": on_click} if on_click is not None else {}
    if frames_on_request:  # Streamlit reports only the triggers that have a callback
        callbacks["on_frames_change"] = _no_callback
    if view is not None:
        callbacks["on_view_change"] = view.report
    with where if where is not None else contextlib.nullcontext():
        result = _component(key=key, data=data, **callbacks)
    return result.get("click") if on_click is not None else None


def _sent_figure(figure, look: Look) -> tuple[dict, dict | None, str, bytes]:
    """What a chart sends of `figure` (or of what the function `figure` builds): the figure as
    drawn with Plotly's animation controls (for the downloads), the controls that charts.js
    draws instead, the figure's description and its JSON text without those controls."""
    spec = figure_dict(figure() if callable(figure) else figure)
    spec["layout"]["template"] = plotly_template(look)
    drawn = {**spec, "layout": dict(spec["layout"])}
    spec["layout"], animation = controls_outside(spec["layout"])  # charts.js draws them
    return drawn, animation, describe_figure(spec), figure_json(spec)


def figure_json(spec: dict) -> bytes:
    """A figure's JSON text, as `plotly.io.json.to_json_plotly` writes it (orjson, NaN as null)
    but without its last pass: escaping "<", ">", "/" and two line separators for an HTML
    ``<script>`` costs a pass over the text per character, and every "/" of the figure's base64
    data grows to six characters (~8 % more to send and parse). The text is decoded by
    `JSON.parse` in the chart component, never put into HTML."""
    try:
        return orjson.dumps(spec, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:  # values orjson does not serialise (dates, pandas): Plotly cleans first
        return plotly.io.json.to_json_plotly(spec).encode()


def preload_plotly() -> None:
    """Start loading Plotly.js (the 2-D bundle) while the page's script runs: a chart's own
    code only arrives with its figure, after the page's computations, and the bundle then
    took a second or two more to parse on a first visit. Draws nothing (charts.js hides it)."""
    install_plotly_js()
    settings = {"preload": "cartesian", "bundles": BUNDLES}
    _component(key="lll-preload", data=json.dumps(settings).encode())


def start_page(embed: bool = False) -> None:
    """A page run begins: forget the last run's charts; in the `embed` view draw only the
    first chart, filling the frame the page is shown in."""
    st.session_state[PAGE_CHARTS] = _page_charts(embed)


def frames_on_request_charts() -> set[str]:
    """The keys of this run's charts that send their frames only when asked."""
    return set(st.session_state.get(PAGE_CHARTS, {}).get("lazy", set()))


def page_figures(*, release: bool = False) -> dict[str, dict]:
    """The figures this run's charts drew so far, by key, with Plotly's animation controls;
    `release`: forget them here (the caller holds them for this run)."""
    figures = st.session_state.get(PAGE_CHARTS, {}).get("figures", {})
    result = dict(figures)
    if release:
        figures.clear()
    return result


def _no_callback() -> None:
    pass


def _trigger(key: str, event: str):
    """The value chart ``key`` sent with ``event`` for this run, if it sent one."""
    value = st.session_state.get(key)
    return None if value is None else value.get(event)


def frames_requested(key: str) -> bool:
    """Whether this run was asked for by chart ``key``'s ▶ Play or step slider, for the frames
    it left out (``plotly_chart(frames_on_request=True)``), or by the download menu for an
    animation file."""
    return bool(_trigger(key, "frames")) or st.session_state.get(EXPORT_FRAMES) == key


def clicked_point(key: str) -> dict | None:
    """Where the click that triggered this run on chart ``key`` landed, if any: ``{"x", "y"}``
    in the plot's data coordinates."""
    return _trigger(key, "click")


def sent_to_chart(data: bytes) -> tuple[dict | None, dict]:
    """(view, settings and figure) of the bytes `plotly_chart` sent: the view (a first line,
    for a chart that keeps it in the URL) or None."""
    view, _, rest = data.partition(b"\n") if b"\n" in data else (b"null", b"", data)
    return json.loads(view), json.loads(rest)


def sent_payloads(app_test) -> list[tuple[dict | None, dict]]:
    """(view, settings and figure) of each chart of an `AppTest` run, in page order."""
    return [
        sent_to_chart(element.proto.bytes)
        for element in app_test.get("bidi_component")
        if element.proto.component_name == COMPONENT
    ]


def drawn_figures(app_test) -> list[dict]:
    """The figures (Plotly JSON as dicts) that the charts of an `AppTest` run drew, in page
    order: what tests and `bench.pages` inspect."""
    sent = [payload for _, payload in sent_payloads(app_test)]
    return [payload["figure"] for payload in sent if "figure" in payload]  # not the preload


def drawn_alts(app_test) -> list[str]:
    """The text alternatives of the charts an `AppTest` run drew, in page order."""
    sent = [payload for _, payload in sent_payloads(app_test)]
    return [payload["alt"] for payload in sent if "figure" in payload]
