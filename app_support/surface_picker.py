"""The surface picker of the pages that draw a 2-D loss surface: a catalogue surface with its
parameters, or a formula the student types, over a box of their choosing.

    picked = surface_picker(state, st.sidebar, on_change=new_surface)
    picked.spec, picked.surface    # a `core.SurfaceSpec` and the core surface it names
    picked.typed                   # True for a typed formula

A typed formula is parsed by `landscapes.custom_surface` against a whitelist of operators and
functions; it is never evaluated as Python. A formula that cannot be used (a syntax error, a
name outside the whitelist, a box whose corners are the wrong way round) is reported where the
picker stands, with the parser's caret under the culprit, and the page goes on with the last
formula that worked in this session, or with `DEFAULT_FORMULA` before any did: one bad
keystroke never empties the page.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import streamlit as st

import landscapes
from app_support import core
from app_support.urlstate import PageState, Setting

DEFAULT_SURFACE = "himmelblau"
FORMULA = "formula"  # the picker's choice that opens the formula box
DEFAULT_FORMULA = "x**4 - 2*x**2 + y**2 + 0.3*x*y"
DEFAULT_BOX = ((-3.0, 3.0), (-3.0, 3.0))
FORMULA_HELP = (
    "Operators + − * / ** ^, functions such as exp, log, sin, cos, tanh, sqrt, abs, min, max."
)
BOX_CORNERS = (
    ("xmin", "x from", -3),
    ("xmax", "x to", 3),
    ("ymin", "y from", -3),
    ("ymax", "y to", 3),
)


class Picked(NamedTuple):
    spec: core.SurfaceSpec
    surface: Any  # the core `Surface` that `spec` names
    typed: bool  # a typed formula (its title is code, not Markdown)

    def explanation(self) -> str:
        """The surface's title and what it teaches, as Markdown: a typed formula is shown as
        code, so that its * and _ stay maths and never turn into bold or italics."""
        if self.typed:
            return f"`{self.surface.title.replace('`', '')}` — {self.surface.note}"
        return f"**{self.surface.title}.** {self.surface.note}"


class Resolved(NamedTuple):
    """A typed formula's outcome: what the page draws, and why the formula was not used."""

    spec: core.SurfaceSpec
    surface: Any
    error: ValueError | None  # None when the typed formula itself is drawn


def default_formula_spec() -> core.SurfaceSpec:
    return core.formula_spec(DEFAULT_FORMULA, DEFAULT_BOX)


def resolve_formula(text: str, box, fallback: core.SurfaceSpec) -> Resolved:
    """The surface of formula `text` over `box` ((x from, x to), (y from, y to)); when it cannot
    be used, `fallback` (a formula spec known to work) and the reason, a ValueError
    (`landscapes.FormulaError`, with its caret, for a bad formula)."""
    spec = core.formula_spec(text, box)
    (x_low, x_high), (y_low, y_high) = spec[2]
    try:
        if not (x_low < x_high and y_low < y_high):
            raise ValueError("the box needs x from < x to and y from < y to")
        return Resolved(spec, core.surface(spec), None)
    except ValueError as error:  # landscapes.FormulaError is a ValueError
        return Resolved(fallback, core.surface(fallback), error)


def surface_setting() -> Setting:
    """The choice of surface: every catalogue surface, then "type a formula"."""
    titles = core.surface_titles()
    return Setting.choice(
        "surface",
        "Loss surface",
        DEFAULT_SURFACE,
        (*landscapes.SURFACES, FORMULA),
        labels={**titles, FORMULA: "✏️ Type a formula…"},
    )


def formula_settings() -> tuple[Setting, ...]:
    """The formula's text and its box's four corners, in that order."""
    return (
        Setting.text("f", "E(x, y) =", DEFAULT_FORMULA, help=FORMULA_HELP),
        *(
            Setting.number(key, label, default, -1000, 1000, widget="number", step=0.5)
            for key, label, default in BOX_CORNERS
        ),
    )


def surface_picker(
    state: PageState, where=None, *, layout: str = "stacked", on_change=None
) -> Picked:
    """The picker's widgets in container `where` (`layout` "stacked", for a sidebar, or "row",
    for the width of a page); with `where` None no widget is drawn and the settings keep their
    values and their places in the URL (`PageState.control`). `on_change` runs when another
    surface is chosen (a new surface has a new box: points chosen in the old one are void)."""
    shown = where is not None
    if not shown:
        name_place, param_places = None, [None]
    elif layout == "row":
        name_place, *param_places = where.columns([3, 2, 2])
    else:
        name_place, param_places = where, [where]
    name = state.control(surface_setting(), name_place, shown, on_change=on_change)
    if name != FORMULA:
        params = {
            h.name: state.control(
                Setting.from_hyper(h, prefix=f"{name}."),
                param_places[i % len(param_places)],
                shown,
            )
            for i, h in enumerate(landscapes.get_surface(name).param_specs)
        }
        spec = core.catalogue_spec(name, params)
        return Picked(spec, core.surface(spec), False)
    text_setting, *corner_settings = formula_settings()
    if shown and layout == "row":
        text_place, *corner_places = where.columns([4, 1, 1, 1, 1])
    else:
        text_place, corner_places = where, None
    text = state.control(text_setting, text_place, shown)
    if shown and layout != "row":  # under the text: x from | x to, then y from | y to
        left, right = where.columns(2)
        corner_places = [left, right, left, right]
    x_low, x_high, y_low, y_high = (
        state.control(setting, corner_places[i] if shown else None, shown)
        for i, setting in enumerate(corner_settings)
    )
    last_good = f"{state.page}._last_good_formula"
    fallback = st.session_state.get(last_good, default_formula_spec())
    resolved = resolve_formula(text, ((x_low, x_high), (y_low, y_high)), fallback)
    if resolved.error is None:
        st.session_state[last_good] = resolved.spec
    elif shown:
        _report(where, resolved.error, fallback)
    return Picked(resolved.spec, resolved.surface, True)


def _report(where, error: ValueError, fallback: core.SurfaceSpec) -> None:
    where.error(f"This formula cannot be used: {error}")
    pointer = error.pointer() if hasattr(error, "pointer") else ""
    if pointer:
        where.code(pointer, language=None)
    where.caption(f"Showing the last formula that worked: `{fallback[1]}`.")
