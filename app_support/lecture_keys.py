"""Keys for a lecture: Space, ← → and a presentation clicker's PageDown/PageUp.

`lecture_keys(...)` (drawn by `Page.scenes`, nothing visible) hands the page's scenes to a
keyboard listener in the browser (`lecture_keys.js`). In presentation mode Space plays or
pauses the animated chart in view, ← and → step it, and PageDown/PageUp load the next or
previous lecture scene of the page (one rerun, the way a scene button loads it, presentation
mode kept). Outside presentation mode Space and the arrows act on the chart whose Play button
or step slider has the keyboard focus. The animation itself is `app_support/charts.js`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import streamlit as st

from app_support.presets import Preset
from app_support.urlstate import load_url

COMPONENT = "loss_landscape_lab.lecture_keys"
_JS = (Path(__file__).parent / "lecture_keys.js").read_text()
# Streamlit takes CSS without a line break inside for the name of a file ("[" is a glob).
_CSS = '[data-testid="stElementContainer"]:has(.lll-keys) {\n  display: none;\n}'
_component = st.components.v2.component(COMPONENT, js=_JS, css=_CSS, isolate_styles=False)


def lecture_keys(
    page: str,
    scenes: Sequence[Preset],
    current: str,
    *,
    presenting: bool,
    keep: Mapping[str, str] | None = None,
) -> None:
    """The keyboard listener of page `page`, whose lecture scenes are `scenes` and whose scene
    shown now is `current` ("" for none). A scene asked for by PageDown/PageUp loads its link's
    parameters plus `keep` (presentation mode)."""
    key = f"{page}.lecture_keys"
    by_key = {scene.key: scene for scene in scenes}

    def load_scene() -> None:
        asked = (st.session_state.get(key) or {}).get("scene") or {}
        scene = by_key.get(asked.get("key")) if isinstance(asked, dict) else None
        if scene is not None:  # anything else is not a scene of this page: nothing to load
            load_url({**scene.params, **(keep or {})})

    data = {"presenting": presenting, "scenes": list(by_key), "current": current}
    _component(key=key, data=data, on_scene_change=load_scene)
