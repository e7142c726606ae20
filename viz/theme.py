"""The lab's look, defined once: a colour per optimizer, the contour colours, fonts and sizes.

Every figure builder takes a `Look` (light or dark, normal or presentation) and asks it for
fonts, line widths and the layout defaults, so that a projected figure in a hall and a figure
on a student's laptop come from the same code. Backgrounds stay transparent, and
`plotly_template(look)` gives every figure the app's fonts, greys and axis style in its light or
dark theme (what Streamlit's own Plotly theme does for `st.plotly_chart`).

Each optimizer has one style (`OPTIMIZER_STYLES`): a colour from Okabe & Ito's colour-blind-safe
palette, a dash and a marker symbol, used by every chart and legend that shows it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import NamedTuple

# Okabe & Ito's colour-blind-safe palette (Color Universal Design, 2008), black left out: it
# is the foreground ink of the light theme and vanishes on the dark one. Yellow is left out
# too: on the pale end of the light contour fill it is hard to see.
OKABE_ITO: dict[str, str] = {
    "orange": "#e69f00",
    "sky blue": "#56b4e9",
    "bluish green": "#009e73",
    "blue": "#0072b2",
    "vermillion": "#d55e00",
    "reddish purple": "#cc79a7",
}


class OptimizerStyle(NamedTuple):
    """How an optimizer is drawn everywhere: a colour, a line dash and a marker symbol, so
    that its paths and curves are told apart without colour vision (in greys, or by a
    reader with deuteranopia) as well as with it."""

    color: str
    dash: str
    symbol: str


_O = OKABE_ITO
# Six colours for thirteen rules: every colour returns with another dash, and every rule has
# its own marker. The lectures' classic trio keeps its familiar hues (gradient descent red,
# momentum green, Nesterov magenta, as in Radford's optimizer animations), and the rules a
# page compares side by side (GD, momentum, Nesterov, the Newtons; AdaGrad, RMSProp, Adam)
# differ in colour and in dash.
OPTIMIZER_STYLES: dict[str, OptimizerStyle] = {
    "gd": OptimizerStyle(_O["vermillion"], "solid", "circle"),
    "momentum": OptimizerStyle(_O["bluish green"], "dash", "square"),
    "nesterov": OptimizerStyle(_O["reddish purple"], "dot", "diamond"),
    "adagrad": OptimizerStyle(_O["sky blue"], "dashdot", "triangle-up"),
    "rmsprop": OptimizerStyle(_O["orange"], "longdash", "triangle-down"),
    "adam": OptimizerStyle(_O["blue"], "longdashdot", "pentagon"),
    "newton": OptimizerStyle(_O["blue"], "dashdot", "cross"),
    "saddle_free_newton": OptimizerStyle(_O["orange"], "longdashdot", "star"),
    "rmsprop_nesterov": OptimizerStyle(_O["orange"], "dot", "triangle-left"),
    "adamw": OptimizerStyle(_O["reddish purple"], "longdash", "hexagon"),
    "nadam": OptimizerStyle(_O["sky blue"], "longdash", "triangle-right"),
    "amsgrad": OptimizerStyle(_O["vermillion"], "dashdot", "star-diamond"),
    "adadelta": OptimizerStyle(_O["bluish green"], "dot", "hourglass"),
}
del _O

# For names the table does not know (an optimizer added later): a pick that is the same in
# every process (a digest, not Python's salted hash), a palette colour with a dash and a
# marker no rule above uses.
_EXTRA_DASHES = ("5px,3px,1px,3px,1px,3px", "8px,3px,8px,8px")
_EXTRA_SYMBOLS = ("hexagram", "star-square", "circle-cross", "square-x", "bowtie")


def optimizer_style(name: str) -> OptimizerStyle:
    """The colour, dash and marker of optimizer `name`, from the table or a stable pick."""
    if name in OPTIMIZER_STYLES:
        return OPTIMIZER_STYLES[name]
    index = int(hashlib.sha1(name.encode()).hexdigest(), 16)
    colors = tuple(OKABE_ITO.values())
    return OptimizerStyle(
        colors[index % len(colors)],
        _EXTRA_DASHES[index % len(_EXTRA_DASHES)],
        _EXTRA_SYMBOLS[index % len(_EXTRA_SYMBOLS)],
    )


def optimizer_color(name: str) -> str:
    """The colour of optimizer `name` (`optimizer_style`)."""
    return optimizer_style(name).color


def optimizer_line(name: str, width: float) -> dict:
    """A Plotly `line` in optimizer `name`'s colour and dash."""
    style = optimizer_style(name)
    return {"color": style.color, "width": width, "dash": style.dash}


def optimizer_marker(name: str, size: float, **extra) -> dict:
    """A Plotly `marker` in optimizer `name`'s colour and symbol."""
    style = optimizer_style(name)
    return {"color": style.color, "symbol": style.symbol, "size": size, **extra}


def optimizer_markers(names, size: float, **extra) -> dict:
    """One Plotly `marker` for a trace with a point per optimizer in `names`."""
    styles = [optimizer_style(name) for name in names]
    return {
        "color": [s.color for s in styles],
        "symbol": [s.symbol for s in styles],
        "size": size,
        **extra,
    }


# Filled contours: pale where the loss is high, a muted blue where it is low, so every
# optimizer colour stays readable on top. Dark theme: the same idea from a dark ground.
_CONTOUR_LIGHT = (
    (0.0, "#5b7fa6"),
    (0.25, "#8fa9c6"),
    (0.5, "#bccbdc"),
    (0.75, "#dde5ee"),
    (1.0, "#f7f9fb"),
)
_CONTOUR_DARK = (
    (0.0, "#0b1a2e"),
    (0.25, "#16304d"),
    (0.5, "#24476b"),
    (0.75, "#3a5f86"),
    (1.0, "#5a7ea3"),
)


class Look(NamedTuple):
    """How a figure should look: `dark` theme, `presentation` mode (projector in a hall)."""

    dark: bool = False
    presentation: bool = False

    @property
    def font_size(self) -> int:
        return 20 if self.presentation else 13

    @property
    def line_width(self) -> float:
        return 4.0 if self.presentation else 2.5

    @property
    def marker_size(self) -> int:
        return 16 if self.presentation else 11

    @property
    def height(self) -> int:
        """Height in pixels of a main figure (contour, 3-D)."""
        return 860 if self.presentation else 700

    @property
    def foreground(self) -> str:
        """Ink for markers and arrows that are not an optimizer's own (minima, gradients)."""
        return "#f2f4f7" if self.dark else "#111418"

    @property
    def background(self) -> str:
        """The colour an outline around a foreground marker should have."""
        return "#0e1117" if self.dark else "#ffffff"

    @property
    def contour_colorscale(self) -> list[list]:
        return [list(stop) for stop in (_CONTOUR_DARK if self.dark else _CONTOUR_LIGHT)]

    @property
    def contour_line_color(self) -> str:
        return "rgba(255,255,255,0.25)" if self.dark else "rgba(30,40,60,0.28)"


DEFAULT_LOOK = Look()


# The `meta` of a filled contour trace that the app's charts draw as an image
# (app_support/contour_raster.js): Plotly builds contour fills as SVG paths, 10-30 ms a map on
# every redraw. Everything else (an exported HTML file, the tests) sees an ordinary contour.
RASTER = {"lll": "raster"}


def contour_line(color: str, width: float, **style) -> dict:
    """The `line` of a Plotly contour trace. Without spline smoothing (Plotly's default is 1):
    on the lab's grids straight segments look the same, and smoothing took about 15 % of
    Plotly's time per redraw in the browser (`python -m bench.browser`, CDP profile)."""
    return {"color": color, "width": width, "smoothing": 0, **style}


def base_layout(look: Look, **overrides) -> dict:
    """Layout defaults shared by every figure: fonts, margins, transparent backgrounds."""
    layout = {
        "font": {"size": look.font_size},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.01,
            "xanchor": "left",
            "x": 0.0,
            "font": {"size": look.font_size},
        },
        "hoverlabel": {"font": {"size": look.font_size}},
        "uirevision": "keep",  # zoom and legend clicks survive a rerun with new data
    }
    layout.update(overrides)
    return layout


def map_axes(
    x_range, y_range, titles=("x", "y"), *, anchor: str = "x", toward_top: bool = False
) -> tuple[dict, dict]:
    """The x and y axes of a map of the plane: no grid or zero line across it (its colours
    are the content), the plot kept inside its domain, and one unit as long on both axes —
    true angles (gradients ⟂ contours) and round circles — unless the box is more than three
    times longer one way. `anchor` names the x axis the y axis is scaled to; `toward_top`
    keeps a map that is shorter than its figure at the top (under the legend)."""
    (x0, x1), (y0, y1) = (float(v) for v in x_range), (float(v) for v in y_range)
    axis = {"showgrid": False, "zeroline": False, "constrain": "domain"}
    xaxis = {**axis, "range": [x0, x1], "title": {"text": titles[0]}}
    yaxis = {**axis, "range": [y0, y1], "title": {"text": titles[1]}}
    if 1 / 3 <= (x1 - x0) / (y1 - y0) <= 3:
        yaxis["scaleanchor"] = anchor
        if toward_top:
            yaxis["constraintoward"] = "top"
    return xaxis, yaxis


# Besides the text (`Look.foreground`): a muted text for axes, and grid lines.
_INK = {
    False: {"muted": "rgba(17,20,24,0.62)", "grid": "#e4e8ee"},
    True: {"muted": "rgba(242,244,247,0.66)", "grid": "#2f3847"},
}
_FONT_FAMILY = '"Source Sans", "Source Sans Pro", sans-serif'  # Streamlit's body font
_CATEGORY_COLORS = ("#1f5fae", "#e6194b", "#2ca02c", "#f58231", "#8e44ad", "#0a9bb5", "#9a6324")


@cache
def plotly_template(look: Look) -> dict:
    """A Plotly template in the app's style, modelled on Streamlit's own Plotly theme: muted
    axis text, light grid, no vertical grid lines or x zero line, margins that grow to fit
    tick labels (`automargin`), legend and hover labels in the body font. Figures set their
    own colours, sizes and backgrounds on top of it (`base_layout`)."""
    ink = _INK[look.dark]
    axis_text = {"color": ink["muted"]}
    lines = {key: ink["grid"] for key in ("gridcolor", "zerolinecolor", "linecolor", "tickcolor")}
    scene_axis = {**lines, "tickfont": axis_text, "title": {"font": axis_text}}
    axis = {
        **scene_axis,
        "automargin": True,
        "title": {"font": axis_text, "standoff": 16},
        "minor": {"gridcolor": ink["grid"]},
    }
    return {
        "layout": {
            "font": {"family": _FONT_FAMILY, "color": ink["muted"]},
            "title": {"font": {"color": look.foreground}, "xanchor": "left", "x": 0},
            "legend": {"font": {"color": look.foreground}, "borderwidth": 0, "valign": "top"},
            "xaxis": {**axis, "showgrid": False, "zeroline": False},
            "yaxis": {**axis, "ticklabelposition": "outside"},
            "scene": {"xaxis": scene_axis, "yaxis": scene_axis, "zaxis": scene_axis},
            "polar": {
                "radialaxis": {"gridcolor": ink["grid"], "linecolor": ink["grid"]},
                "angularaxis": {"gridcolor": ink["grid"], "linecolor": ink["grid"]},
            },
            "margin": {"pad": 8},
            "hoverlabel": {
                "bgcolor": look.background,
                "bordercolor": ink["grid"],
                "font": {"family": _FONT_FAMILY, "color": look.foreground},
            },
            "colorway": list(_CATEGORY_COLORS),
        }
    }
