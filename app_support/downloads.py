"""The download menu every page has (`Page.share_link` draws it): the page's figures as one
HTML file that opens offline, and an animated chart as a GIF or an MP4 for slides.

The files are made from the figures this run's charts drew (`app_support.charts.page_figures`),
so they show what the student sees: the same settings, map, paths and theme. An animation is
drawn only when asked for (a button), as a heavy job in a worker process
(`app_support.export.animation_file`); the file then waits in the session for its download
button until a setting of the export changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Set
from concurrent.futures.process import BrokenProcessPool

import streamlit as st

from app_support.budget import HEAVY_COST, HEAVY_SLOTS, heavy_job
from app_support.charts import EXPORT_FRAMES, figure_json
from app_support.export import FORMATS, animation_file, page_html, start_workers
from viz.figure import MAX_FRAMES

# Output sizes: slides are 16:9 or 4:3; "as on screen" keeps the chart's own size.
SIZES = {
    "1280 × 720 (16:9 slide)": (1280, 720),
    "1920 × 1080 (16:9, full HD)": (1920, 1080),
    "960 × 720 (4:3 slide)": (960, 720),
    "as on screen": None,
}
DEFAULT_FRAMES = 100
DEFAULT_FPS = 15


def chart_label(key: str) -> str:
    """A chart's name in the menu: its key without the page's name ("playground.contour" →
    "contour")."""
    return key.split(".", 1)[-1].replace(".", " ").replace("_", " ") or key


def screen_size(spec: dict) -> tuple[int, int]:
    """The size a figure is drawn at on a laptop (its layout's, the page's column else)."""
    layout = spec.get("layout") or {}
    return int(layout.get("width") or 910), int(layout.get("height") or 640)


def download_menu(
    box, page: str, figures: Mapping[str, dict], lazy: Set[str] = frozenset()
) -> None:
    """The menu's contents, drawn into `box` (an open expander); `lazy`: the charts that send
    their frames only when asked (`plotly_chart(frames_on_request=True)`), asked for by the
    "Make" button's run."""
    if not figures:
        box.caption("No figures on this view.")
        return
    box.download_button(
        "⬇ All figures of this view (HTML, opens offline)",
        data=lambda: page_html(
            [(chart_label(key), spec) for key, spec in figures.items()], f"{page}: figures"
        ),
        file_name=f"{page}-figures.html",
        mime="text/html",
        key=f"{page}.download.html",
        on_click="ignore",
        help="Plotly.js is inside the file: it opens without a network, animations included.",
    )
    box.caption("PNG or SVG of one chart: the camera icons in the chart's toolbar.")
    animated = {k: spec for k, spec in figures.items() if spec.get("frames") or k in lazy}
    if not animated:
        box.caption("No animation on this view to save as a GIF or an MP4.")
        return
    start_workers(HEAVY_SLOTS)  # while the student chooses, not after "Make"
    keys = list(animated)
    left, middle, right = box.columns(3)
    key = (
        left.selectbox("Animation", keys, format_func=chart_label, key=f"{page}.download.chart")
        if len(keys) > 1
        else keys[0]
    )
    spec = animated[key]
    total = len(spec.get("frames") or []) or MAX_FRAMES  # frames not sent yet: at most this
    kind = left.radio(
        "Format",
        list(FORMATS),
        format_func=lambda k: {"gif": "GIF", "mp4": "MP4 (H.264)"}[k],
        horizontal=True,
        key=f"{page}.download.kind",
    )
    size_label = middle.selectbox("Size", list(SIZES), key=f"{page}.download.size")
    size = SIZES[size_label] or screen_size(spec)
    fps = middle.number_input("Frames per second", 1, 50, DEFAULT_FPS, key=f"{page}.download.fps")
    frames = right.number_input(
        "Frames",
        2 if total > 1 else 1,
        total,
        min(DEFAULT_FRAMES, total),
        key=f"{page}.download.frames",
        help=f"Spread evenly over the animation's {total} steps, first and last included.",
    )
    asked = (key, kind, size, int(fps), int(frames), _fingerprint(spec))
    made_key = f"{page}.download.made"
    if right.button(
        f"Make the {kind.upper()}",
        key=f"{page}.download.make",
        on_click=_ask_for_frames,
        args=(key,),
    ):
        st.session_state.pop(EXPORT_FRAMES, None)
        try:
            with heavy_job(f"Drawing {int(frames)} frames…", cost=HEAVY_COST):
                data = animation_file(spec, kind, size, float(fps), int(frames), HEAVY_SLOTS)
        except BrokenProcessPool:  # its worker died twice: out of memory, most likely
            box.error("The file could not be made: try fewer frames or a smaller size.")
        else:
            asked = (key, kind, size, int(fps), int(frames), _fingerprint(spec))
            st.session_state[made_key] = (asked, data)
    made = st.session_state.get(made_key)
    if made is not None and made[0] == asked:
        box.download_button(
            f"⬇ {chart_label(key)}.{kind} ({len(made[1]) / 1e6:.1f} MB)",
            data=made[1],
            file_name=f"{page}-{chart_label(key).replace(' ', '-')}.{kind}",
            mime=FORMATS[kind],
            key=f"{page}.download.file",
            on_click="ignore",
        )
    elif made is not None:
        del st.session_state[made_key]  # made for other settings: let go of it


def _ask_for_frames(key: str) -> None:
    """Before the run of the "Make" button: a chart that sends its frames only on request
    sends them in this run (`app_support.charts.frames_requested`)."""
    st.session_state[EXPORT_FRAMES] = key


def _fingerprint(spec: dict) -> str:
    """Changes when the chart does (other settings): a file made before is then stale. The
    frames are left out: they follow from the rest, and a chart that sends them only on
    request has them in the run that made the file only."""
    return hashlib.sha1(figure_json({"data": spec["data"], "layout": spec["layout"]})).hexdigest()
