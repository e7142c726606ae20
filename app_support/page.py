"""What every page does first: its title, its URL state, presentation mode and the figure look.

    page = page_setup("playground", "Optimizer playground", icon="🎢")
    page.explain("Text for students; hidden in presentation mode.")
    fig = viz.contour.contour_figure(..., look=page.look)
    ...
    page.share_link()          # the page's deep link with a copy button
    page.state.finish()        # last line: settings into the URL

Presentation mode (a toggle, `?present=1` in the URL) is for projecting in a hall: the
explanatory texts, the scenes and link menus, the captions (notices, help under downloads) and
the download buttons are hidden, fonts and figures are larger (`page.look`, fitted to the
window by `app_support/charts.js`), and the toggle to leave it moves to the top right of the
page. The sidebar starts collapsed, one click from its controls and the page navigation;
controls a page draws above its chart go into `Page.controls_panel`, a collapsed panel.

The figure look follows the app's theme (`st.context.theme.type`, light until the browser has
reported it); figures keep transparent backgrounds so Streamlit's Plotly theme paints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple
from urllib.parse import urlencode

import streamlit as st

from app_support.chart_view import FRAME, ZOOM
from app_support.charts import (
    frames_on_request_charts,
    page_figures,
    preload_plotly,
    start_page,
)
from app_support.classroom import ui as classroom
from app_support.downloads import download_menu
from app_support.lecture_keys import lecture_keys
from app_support.presets import Preset
from app_support.streamlit_internals import (
    drop_replaced_widget_records,
    embed_view_asked,
    route_through_app,
)
from app_support.urlstate import PageState, Setting, load_url
from viz.theme import Look

PRESENT = Setting.flag(
    "present",
    "Presentation mode",
    help="For a projector: folds the sidebar away, hides the explanations, fits the figures.",
)

# Text scales with the window's height (21 px on a 1080-line projector, not under 15 px), so a
# chart with its cue and animation bar fits a 720-line one too. Captions and download buttons
# are the small print a student reads at their own pace; on a projector they are clutter.
_PRESENTATION_CSS = """
<style>
html { font-size: clamp(15px, 1.95vh, 21px); }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: max(3.5rem, 60px) 2.5rem 1rem; }
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stDownloadButton"] { display: none; }
[data-testid="stMain"] [data-testid="stHeading"] h2 { padding: 0; }
</style>
"""

# The embed view (`?embed=1`, for an iframe in slides): the page's first chart and its Play
# bar only (`app_support.charts.start_page`), filling the frame; everything else is hidden.
_EMBED_CSS = """
<style>
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-baseweb="tab-list"], [data-baseweb="tab-border"],
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] > :not(:has(.lll-chart)),
[data-testid="stMainBlockContainer"] [data-testid="stHorizontalBlock"] > :not(:has(.lll-chart))
{ display: none !important; }
[data-testid="stMainBlockContainer"] { max-width: 100%; padding: 0 0.5rem !important; }
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] { gap: 0; }
[data-testid="stColumn"]:has(.lll-chart) { width: 100% !important; flex: 1 1 100% !important; }
[data-testid="stAppViewContainer"] [data-testid="stMain"] { overflow: hidden; }
</style>
"""


# Settings a scene does not set: presenting it, zooming into its map or pausing its animation
# keeps the scene (and its caption).
_NOT_A_SCENE = (PRESENT.name, ZOOM.name, FRAME.name)


def is_dark_theme() -> bool:
    return st.context.theme.type == "dark"


class Page(NamedTuple):
    """A page's shared context: its URL state, whether it is being presented, its figure look."""

    name: str
    state: PageState
    presenting: bool
    look: Look

    def explain(self, markdown: str) -> None:
        """Explanatory text for students, hidden in presentation mode."""
        if not self.presenting:
            st.markdown(markdown)

    def link(self, *, presenting: bool = False) -> str:
        """This page's deep link with its current settings (call after all widgets): the
        students' link, without presentation mode unless `presenting`."""
        params = self.state.url_params()
        if not presenting:
            params.pop(PRESENT.name, None)
        query = urlencode(params, doseq=True)
        base = st.context.url or f"/{self.name}"
        return f"{base}?{query}" if query else base

    def share_link(self, where=None) -> None:
        """The deep link in a code box (its copy button copies it), in a menu (drawn only
        while open, see `lazy_expander`). The link is the students' one: it opens the page
        as it is now but never in presentation mode (a link copied while presenting would
        put every student's screen into it). While presenting, the menu moves to the folded
        sidebar, off the projected page, with the lecturer's own link under the students'.
        Then, except while presenting, the download menu for slides
        (`app_support.downloads`): this view's figures as an offline HTML file and its
        animations as GIF or MP4."""
        if self.presenting:
            where = st.sidebar
        box = lazy_expander(where, "🔗 Link to this view", f"{self.name}.link_menu")
        if box.open:
            box.caption(
                "Opening this link reproduces the page exactly as it is now: put it on a "
                "slide or send it to students"
                + (" (it opens without presentation mode)." if self.presenting else ".")
            )
            box.code(self.link(), language=None, wrap_lines=True)
            if self.presenting:
                box.caption("The same view in presentation mode, for another projector:")
                box.code(self.link(presenting=True), language=None, wrap_lines=True)
        figures = page_figures(release=True)
        if not self.presenting:
            menu = lazy_expander(where, "⬇ Download for slides", f"{self.name}.download_menu")
            if menu.open:
                download_menu(menu, self.name, figures, frames_on_request_charts())

    def scenes(self, scenes: Sequence[Preset], where=None) -> None:
        """The lecture scenes: a menu with a button per scene, which loads the scene's
        settings (its link's parameters, `presets.scene`), and under the menu what to notice
        in the scene now shown: its caption, or while presenting only its one-line cue.
        In presentation mode PageDown/PageUp (a clicker) load the next/previous scene
        (`app_support.lecture_keys`).

        Once the student changes a setting the scene set, the scene ends: its name leaves
        the URL and its caption the page (it would describe what is no longer drawn)."""
        by_key = {scene.key: scene for scene in scenes}
        setting = Setting.choice("preset", "Scene", "", ("", *by_key))
        shown = by_key.get(self.state.peek(setting))
        if shown is not None and self.state.departs_from(shown.params, ignore=_NOT_A_SCENE):
            self.state.set_later(setting.name, "")
        chosen = by_key.get(self.state.value(setting))
        menu = None
        if not self.presenting:  # on a projector only the cue stays
            menu = lazy_expander(
                where, "🎓 Lecture scenes — one click sets everything", f"{self.name}.scenes"
            )
        if menu is not None and menu.open:
            columns = menu.columns(2)
            for i, scene in enumerate(scenes):
                columns[i % 2].button(
                    scene.title,
                    key=f"{self.name}.preset.{scene.key}",
                    on_click=load_url,
                    args=(scene.params,),
                    width="stretch",
                )
        lecture_keys(
            self.name,
            scenes,
            chosen.key if chosen is not None else "",
            presenting=self.presenting,
            keep={PRESENT.name: "1"} if self.presenting else None,
        )
        if chosen is not None:
            text = chosen.cue_line() if self.presenting else chosen.caption
            st.info(f"**{chosen.title}.** {text}", icon="👀")

    def notation(self, rows: Sequence[tuple[str, str, str]], where=None) -> None:
        """The page's notation key, rows of (symbol used here, what it is, the lectures'
        symbols for it), in a menu (drawn only while open); one symbol means one thing on a
        page, and the key says which of the lectures' names it stands for."""
        box = lazy_expander(where, "📖 Notation", f"{self.name}.notation")
        if box.open:
            lines = ["| here | what it is | in the lectures |", "|---|---|---|"]
            lines += [f"| {symbol} | {meaning} | {names} |" for symbol, meaning, names in rows]
            box.markdown("\n".join(lines))

    def controls_panel(self, where=None):
        """Where a page draws the controls above its main chart: in place, or while presenting
        in a collapsed panel, so that the chart, its animation bar and the scene's cue fit the
        projector's screen and the controls stay one click away."""
        place = where if where is not None else st
        return place.expander("⚙️ Controls", expanded=False) if self.presenting else place

    def tabs(self, tabs: Mapping[str, str], *, name: str = "tab", label: str = "View"):
        """The page's tabs (`{setting value: label}`), the open one kept in the URL as setting
        `name`. Returns `(open tab, {setting value: container})`. Switching tabs reruns the
        page, so only the open tab needs to compute and draw its figures."""
        setting = Setting.choice(name, label, next(iter(tabs)), tuple(tabs), labels=dict(tabs))
        open_tab = self.state.value(setting)
        key = f"{self.name}._tabs"
        by_label = {text: value for value, text in tabs.items()}

        def switched():
            self.state.set_later(name, by_label[st.session_state[key]])

        st.session_state[key] = tabs[open_tab]
        containers = st.tabs(list(tabs.values()), key=key, on_change=switched)
        return open_tab, dict(zip(tabs, containers, strict=True))


def lazy_expander(where, label: str, key: str):
    """A closed expander whose caller draws its contents only while it is open (``.open``,
    a rerun when it opens or closes): the browser re-renders every element a page sends on
    each rerun, collapsed ones included, and a page's scene buttons were a tenth of the
    network page's time per slider move (Chromium's timeline)."""
    return (where if where is not None else st).expander(label, key=key, on_change="rerun")


def page_setup(name: str, title: str, *, icon: str = "", charts: bool = True) -> Page:
    """Title, URL state and presentation mode of page `name` (its URL path); a page with
    `charts` starts loading Plotly.js at once (`app_support.charts.preload_plotly`)."""
    route_through_app()  # a fresh server's first deep link
    drop_replaced_widget_records()  # Streamlit would keep every replaced widget's run alive
    classroom.arrive(name)  # a join link, a followed lecturer's view: before the URL is read
    heading = f"{icon} {title}".strip()
    state = PageState(name, notices_here=False)
    presenting = bool(state.peek(PRESENT))
    embed = embed_view_asked()
    start_page(embed)
    if embed:
        st.markdown(_EMBED_CSS, unsafe_allow_html=True)
    if presenting:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.header(heading, anchor=False)
        st.set_page_config(initial_sidebar_state="collapsed")
        st.markdown(_PRESENTATION_CSS, unsafe_allow_html=True)
        toggle_place = right
    else:
        st.title(heading, anchor=False)
        toggle_place = st.sidebar
    state.show_notices_here()
    state.widget(PRESENT, toggle_place)
    if charts:
        preload_plotly()
    look = Look(dark=is_dark_theme(), presentation=presenting)
    classroom.show(name, state, presenting, look, st.context.url)
    return Page(name, state, presenting, look)
