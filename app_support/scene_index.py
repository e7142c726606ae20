"""Every page's lecture scenes in lecture order: the home page's table of contents.

The pages come in the order of `app_support.navigation.PAGES` (the order the lectures take
them up); within a page, its scenes keep the order of its menu. A page's scenes are the
`SCENES` of its topic module (`app_support/topics/<page>.py`); the playground's are
`presets.PLAYGROUND_PRESETS`. A page added to `PAGES` with scenes is listed without an edit here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from app_support.navigation import PAGES, PageInfo
from app_support.presets import PLAYGROUND_PRESETS, Preset


def page_scenes(info: PageInfo) -> tuple[Preset, ...]:
    """The lecture scenes of page `info`, in its menu's order (none for a page without)."""
    stem = Path(info.path).stem
    if stem == "playground":
        return PLAYGROUND_PRESETS
    try:
        topic = importlib.import_module(f"app_support.topics.{stem}")
    except ModuleNotFoundError:
        return ()
    return tuple(getattr(topic, "SCENES", ()))


def lecture_scenes() -> list[tuple[PageInfo, tuple[Preset, ...]]]:
    """(page, its scenes) for every page that has scenes, in lecture order."""
    pairs = [(info, page_scenes(info)) for info in PAGES]
    return [(info, scenes) for info, scenes in pairs if scenes]
