"""What a student did to a chart in the browser, kept in the page's URL: its zoom (the axes'
ranges after a zoom or a pan) and the animation frame it shows.

    view = chart_view(state, CHART_KEY)            # declares "zoom" and "frame" in the URL
    plotly_chart(fig, key=CHART_KEY, look=page.look, view=view)

The chart (`app_support/charts.js`) reports a new zoom, a pause or a move of the step slider
as its `view` state (one rerun); `ChartView.report` puts it into the two settings, and the URL
(and the page's link) carries ``zoom=x0,x1,y0,y1`` and ``frame=k``. A deep link draws the
chart at that zoom and frame. The figure sent does not change with its view (the browser
already shows it), so a pause redraws nothing.

Every page keeps the view of its main animated chart this way (one chart per page: the URL
has one ``zoom`` and one ``frame``). A chart that is no 2-D map (a network's graph, a map
beside a loss curve) keeps its frame only: ``chart_view(state, key, zoom=False)``. A chart
whose frames are sent on request sends them at once when the link names a frame
(`ChartView.needs_frames`): the step a link shows is one of its frames.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import streamlit as st

from app_support.urlstate import PageState, Setting, format_number

ZOOM = Setting.text("zoom", "Zoom (x₀,x₁,y₀,y₁)", max_length=120)
FRAME = Setting.integer("frame", "Animation frame shown", 0, 0, 100_000)


def parse_zoom(text: str) -> tuple[float, float, float, float] | None:
    """``"x0,x1,y0,y1"`` as four finite numbers with x0 < x1 and y0 < y1; "" is no zoom.
    ValueError saying why otherwise."""
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("a zoom is four numbers x₀,x₁,y₀,y₁")
    try:
        x0, x1, y0, y1 = (float(part) for part in parts)
    except ValueError:
        raise ValueError("a zoom is four numbers x₀,x₁,y₀,y₁") from None
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)):
        raise ValueError("a zoom's numbers must be finite")
    if not (x0 < x1 and y0 < y1):
        raise ValueError("a zoom needs x₀ < x₁ and y₀ < y₁")
    return x0, x1, y0, y1


def format_zoom(zoom) -> str:
    return ",".join(format_number(float(v)) for v in zoom)


class ChartView(NamedTuple):
    """A chart's zoom and frame from the URL, and the callback that takes the browser's."""

    key: str
    state: PageState
    zoom: tuple[float, float, float, float] | None
    frame: int | None
    keeps_zoom: bool = True

    @property
    def needs_frames(self) -> bool:
        """Whether a chart sent with its frames on request needs them now: the link shows a
        step other than the first (one the still figure cannot show)."""
        return bool(self.frame)

    def sent(self) -> dict:
        """What the browser applies to a figure it draws: ``{"zoom": [x0, x1, y0, y1] or
        None, "frame": k or None}``."""
        return {"zoom": list(self.zoom) if self.zoom else None, "frame": self.frame}

    def report(self) -> None:
        """Widget callback: the view the chart reported becomes the settings' values."""
        reported = (st.session_state.get(self.key) or {}).get("view")
        if not isinstance(reported, dict):
            return
        if self.keeps_zoom:
            zoom = reported.get("zoom")
            try:
                text = format_zoom(zoom) if zoom else ""
                parse_zoom(text)
            except (TypeError, ValueError):
                text = ""  # not four ordered numbers: the chart's full extent
            self.state.set_later(ZOOM.name, text)
        frame = reported.get("frame")
        if isinstance(frame, int) and FRAME.low <= frame <= FRAME.high:
            self.state.set_later(FRAME.name, frame)
        st.session_state[_reported(self.key)] = True  # for `chart_view` in the run it causes

    def forget(self) -> None:
        """For a callback: back to the full extent and the first frame (a new surface)."""
        self.state.reset([ZOOM.name, FRAME.name])

    def forget_frame(self) -> None:
        """For a callback: back to the first frame, the zoom kept (a setting of the page that
        picks the step the figure is drawn at has moved: it shows that step again)."""
        self.state.reset([FRAME.name])


def _reported(key: str) -> str:
    """The session state key that says chart `key` reported its view for this run."""
    return f"_chart_view.reported.{key}"


def chart_view(
    state: PageState, key: str, *, zoom: bool = True, frames_on_request: bool = False
) -> ChartView:
    """Declare the URL settings ``zoom`` (unless `zoom` is false) and ``frame`` of the chart
    `key` on this page and read them; a zoom that is not four ordered numbers warns and falls
    back to none, a frame that is no whole number in range warns and falls back to the first.
    Call it on every run, whichever tab is open, so that the link keeps the view.

    frames_on_request: the chart sends its frames only when asked. The frame kept holds only
    for a run that comes from a URL (a link opened) or from the chart's own report: another run
    (a slider moved) draws the still figure, so it goes back to the first frame rather than send
    every frame with every move."""
    kept = None
    if zoom:
        text = state.value(ZOOM)
        try:
            kept = parse_zoom(text)
        except ValueError as reason:
            state.warn(f"The link's **zoom** was ignored ({reason}); showing the whole map.")
            state.set_later(ZOOM.name, "")
    reported = st.session_state.pop(_reported(key), False)
    if frames_on_request and not (state.reloaded or reported):
        state.set_later(FRAME.name, 0)  # before it is read: this run's URL drops it too
    frame = state.value(FRAME)
    return ChartView(key, state, kept, frame if frame else None, zoom)
