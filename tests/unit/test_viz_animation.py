"""`viz.animation.controls_outside`: the animation controls of a figure, taken out of its layout
for the chart component to draw (a ▶ button and a range input), with the plot area unchanged."""

from __future__ import annotations

import numpy as np

from viz import animation
from viz.theme import DEFAULT_LOOK


def _layout(steps, **extra):
    return {
        "height": 600,
        "margin": {"l": 60, "b": 120},
        **animation.controls(steps, DEFAULT_LOOK),
        **extra,
    }


def test_each_step_keeps_its_label_frame_and_options_and_play_pause_their_options():
    steps = np.array([0, 4, 9])
    layout = _layout(steps)
    plotly_slider = layout["sliders"][0]
    rest, bar = animation.controls_outside(layout)
    assert "sliders" not in rest and "updatemenus" not in rest
    assert [s["label"] for s in bar["steps"]] == ["0", "4", "9"]
    assert [s["frames"] for s in bar["steps"]] == [["0"], ["4"], ["9"]]
    assert [s["options"] for s in bar["steps"]] == [s["args"][1] for s in plotly_slider["steps"]]
    buttons = layout["updatemenus"][0]["buttons"]
    assert bar["play"] == buttons[0]["args"][1] and bar["play"]["frame"]["duration"] > 0
    assert bar["pause"] == buttons[1]["args"][1]
    assert bar["prefix"] == plotly_slider["currentvalue"]["prefix"]
    assert bar["active"] == 0
    assert layout["sliders"] == [plotly_slider]  # the figure's own layout is left as it was


def test_the_plot_area_keeps_its_size():
    rest, _ = animation.controls_outside(_layout(np.arange(5)))
    assert rest["margin"] == {"l": 60, "b": animation.AXIS_ROOM}
    assert rest["height"] == 600 - (120 - animation.AXIS_ROOM)


def test_the_active_step_is_kept_within_the_steps():
    layout = _layout(np.arange(5))
    layout["sliders"][0]["active"] = 4
    assert animation.controls_outside(layout)[1]["active"] == 4
    layout["sliders"][0]["active"] = 99
    assert animation.controls_outside(layout)[1]["active"] == 4


def test_layouts_without_animation_controls_are_left_alone():
    plain = {"height": 300, "margin": {"b": 90}}
    assert animation.controls_outside(plain) == (plain, None)
    # a slider that restyles (not an animation) stays Plotly's
    restyle = {"sliders": [{"steps": [{"method": "restyle", "args": ["visible", [True]]}]}]}
    assert animation.controls_outside(restyle) == (restyle, None)
    # so do controls next to a button that is not part of the animation
    other = _layout(np.arange(3))
    other["updatemenus"][0]["buttons"].append({"method": "relayout", "args": [{}]})
    assert animation.controls_outside(other) == (other, None)
