"""The optimizer styles: Okabe-Ito colours, a distinct (colour, dash) pair and marker per
optimizer of the core, stable for unknown names; the figures' template (standing in for
Streamlit's Plotly theme)."""

import re

import numpy as np
import plotly.graph_objects as go
import pytest

import optim
from viz.figure import decode_array, typed_array
from viz.theme import (
    OKABE_ITO,
    OPTIMIZER_STYLES,
    Look,
    base_layout,
    map_axes,
    optimizer_color,
    optimizer_style,
    plotly_template,
)


def test_every_optimizer_has_its_own_style_in_the_colour_blind_safe_palette():
    styles = [optimizer_style(name) for name in optim.OPTIMIZERS]
    assert set(optim.OPTIMIZERS) <= set(OPTIMIZER_STYLES)
    assert {s.color for s in styles} <= set(OKABE_ITO.values())
    # Told apart by colour and dash together, and by the marker alone.
    assert len({(s.color, s.dash) for s in styles}) == len(styles)
    assert len({s.symbol for s in styles}) == len(styles)
    assert all(re.fullmatch(r"#[0-9a-f]{6}", s.color) for s in styles)


def test_okabe_ito_is_the_published_palette():
    # Okabe & Ito (2008), Color Universal Design, in 8-bit RGB.
    published = {
        "orange": (230, 159, 0),
        "sky blue": (86, 180, 233),
        "bluish green": (0, 158, 115),
        "blue": (0, 114, 178),
        "vermillion": (213, 94, 0),
        "reddish purple": (204, 121, 167),
    }
    assert {k: tuple(int(v[i : i + 2], 16) for i in (1, 3, 5)) for k, v in OKABE_ITO.items()} == (
        published
    )


def test_the_rules_a_page_compares_differ_in_colour_and_in_dash():
    for group in (
        ("gd", "momentum", "nesterov", "newton", "saddle_free_newton"),
        ("adagrad", "rmsprop", "adam"),
    ):
        styles = [optimizer_style(name) for name in group]
        assert len({s.color for s in styles}) == len(group)
        assert len({s.dash for s in styles}) == len(group)


def test_unknown_names_get_a_stable_style_unlike_the_known_ones():
    assert optimizer_style("lion") == optimizer_style("lion")
    assert optimizer_color("lion") in OKABE_ITO.values()
    assert optimizer_style("lion").symbol not in {s.symbol for s in OPTIMIZER_STYLES.values()}
    assert optimizer_style("lion").dash not in {s.dash for s in OPTIMIZER_STYLES.values()}


def test_presentation_look_is_larger_and_dark_look_inverts_the_ink():
    normal, big = Look(), Look(presentation=True)
    assert big.font_size > normal.font_size and big.height > normal.height
    assert big.line_width > normal.line_width
    assert Look(dark=True).foreground != normal.foreground
    assert base_layout(big)["font"]["size"] == big.font_size
    assert base_layout(normal)["paper_bgcolor"] == "rgba(0,0,0,0)"  # the app's theme shows


def test_typed_arrays_round_trip_in_float32():
    values = [0.1, -2.5, float("nan"), 1e30]
    back = decode_array(typed_array(values))
    assert back.dtype.name == "float32"
    assert back[0] == np.float32(0.1) and back[3] == np.float32(1e30)
    assert back[2] != back[2]


@pytest.mark.parametrize("look", [Look(), Look(dark=True), Look(dark=True, presentation=True)])
def test_the_template_is_valid_plotly(look):
    template = go.layout.Template(plotly_template(look))  # validates every attribute
    assert template.layout.xaxis.automargin and template.layout.yaxis.automargin
    assert template.layout.hoverlabel.bgcolor == look.background


def test_light_and_dark_ink_differ_and_match_the_app_theme():
    light, dark = plotly_template(Look())["layout"], plotly_template(Look(dark=True))["layout"]
    assert light["legend"]["font"]["color"] == "#111418"  # textColor of .streamlit/config.toml
    assert dark["legend"]["font"]["color"] == "#f2f4f7"
    assert light["xaxis"]["gridcolor"] != dark["xaxis"]["gridcolor"]


@pytest.mark.parametrize(
    ("x_range", "y_range", "square"),
    [
        ((-2, 2), (-2, 2), True),
        ((0, 9), (0, 3), True),
        ((0, 10), (0, 3), False),
        ((0, 1), (0, 4), False),
    ],
)
def test_maps_keep_true_angles_unless_the_box_is_too_long(x_range, y_range, square):
    xaxis, yaxis = map_axes(x_range, y_range, ("w₁", "w₂"), anchor="x2", toward_top=True)
    assert xaxis["range"] == list(map(float, x_range)) and yaxis["range"] == list(
        map(float, y_range)
    )
    assert (xaxis["title"]["text"], yaxis["title"]["text"]) == ("w₁", "w₂")
    assert not xaxis["showgrid"] and not yaxis["zeroline"]
    assert (yaxis.get("scaleanchor") == "x2") is square
    assert (yaxis.get("constraintoward") == "top") is square
