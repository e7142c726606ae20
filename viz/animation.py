"""Browser-side animation: Plotly frames, a Play/Pause pair and a step slider.

The animation runs in the browser (Plotly.animate over the figure's frames): pressing Play or
dragging the step slider never reruns the Streamlit script (except once, to fetch the frames,
for a chart that leaves them out until asked: `app_support.charts.plotly_chart`). Frames only
restyle the few traces that move (the optimizers' current points and the internals overlay),
with `redraw: False`, which Plotly can do at 60 frames per second for scatter traces.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viz.figure import f32, typed_form
from viz.theme import Look

PLAY_SECONDS = 8.0  # a whole run plays in about this long, however many frames it has

# The `meta` of a trace that the page's animation bar draws up to the step shown
# (`app_support/charts.js`): point i of the trace is step i, and at the frame of step k (frames
# are named after their steps, see `frames`) only points 0..k are drawn, so that a path is
# drawn as the run goes and its end is not seen first. A figure exported with Plotly's own
# controls draws it whole.
GROWS = "path drawn up to the step"


def frames(steps, layers: Sequence[np.ndarray], indices: Sequence[int]) -> list[dict]:
    """One frame per step, named after it: frame i moves trace `indices[k]` to `layers[k][i]`,
    an (m, 2) array (each layer has shape (len(steps), m, 2)). Each layer is converted to
    float32 once, then cut per frame: converting a few numbers at a time, frame by frame, cost
    a quarter of a page's rerun for a few hundred frames."""
    columns = []
    for layer in layers:
        xy = f32(layer)
        columns.append((np.ascontiguousarray(xy[..., 0]), np.ascontiguousarray(xy[..., 1])))
    return [
        {
            "name": str(int(step)),
            "data": [
                {"type": "scatter", "x": typed_form(x[i]), "y": typed_form(y[i])}
                for x, y in columns
            ],
            "traces": list(indices),
        }
        for i, step in enumerate(steps)
    ]


def controls(steps: np.ndarray, look: Look) -> dict:
    """Layout entries (`sliders`, `updatemenus`) for a step slider and Play/Pause buttons."""
    frame_ms = max(16, int(1000 * PLAY_SECONDS / max(len(steps), 1)))
    still = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": False},
        "transition": {"duration": 0},
    }
    play = {
        "mode": "immediate",
        "fromcurrent": False,
        "transition": {"duration": 0},
        "frame": {"duration": frame_ms, "redraw": False},
    }
    slider = {
        "active": 0,
        "x": 0.26,
        "len": 0.74,
        "y": 0.0,
        "yanchor": "top",
        "pad": {"t": 40, "b": 0},
        "currentvalue": {
            "prefix": "step ",
            "xanchor": "right",
            "offset": 4,
            "font": {"size": look.font_size, "color": look.foreground},
        },
        # One tick per frame would be a wall of numbers: hide them, the current step is shown.
        "font": {"color": "rgba(0,0,0,0)"},
        "ticklen": 0,
        "minorticklen": 0,
        "steps": [
            {"method": "animate", "label": str(int(s)), "args": [[str(int(s))], still]}
            for s in steps
        ],
    }
    buttons = {
        "type": "buttons",
        "direction": "left",
        "showactive": False,
        "x": 0.0,
        "y": 0.0,
        "xanchor": "left",
        "yanchor": "top",
        "pad": {"t": 60, "r": 0},
        "font": {"size": look.font_size},
        "buttons": [
            {"label": "▶ Play", "method": "animate", "args": [None, play]},
            {"label": "❚❚", "method": "animate", "args": [[None], still]},
        ],
    }
    return {"sliders": [slider], "updatemenus": [buttons]}


def labelled_controls(labels: Sequence[str], look: Look, prefix: str) -> dict:
    """Play/Pause and a slider over frames named 0 … F−1, the slider showing `labels`."""
    result = controls(np.arange(len(labels)), look)
    slider = result["sliders"][0]
    slider["currentvalue"]["prefix"] = prefix
    for step, label in zip(slider["steps"], labels, strict=True):
        step["label"] = label
    return result


# What is left of a figure's bottom margin when its controls are drawn outside it: room for
# the x axis's tick labels and title (the builders leave more for Plotly's slider and buttons).
AXIS_ROOM = 60


def controls_outside(layout: dict) -> tuple[dict, dict | None]:
    """`layout` without its animation controls, and the controls as a plain description for
    a page to draw them itself (`app_support/charts.js` draws a ▶ button and a range input
    under the chart).

    Why: Plotly's slider draws and measures an SVG group per step on every redraw, about half
    the redraw time of an animated map with 200 frames. The figure keeps Plotly's controls
    (`controls`) for everything else, an exported HTML file among them.

    The description: ``{"steps": [{"label", "frames", "options"}], "active", "prefix",
    "play", "pause"}``, where ``frames`` and ``options`` are the arguments of
    `Plotly.animate` for that step, ``play`` and ``pause`` the options of the Play and Pause
    buttons. The bottom margin shrinks to `AXIS_ROOM` and the height with it, so the plot
    area keeps its size. A layout whose controls are not only animation steps is returned
    unchanged, with None.
    """
    sliders = layout.get("sliders") or []
    steps = (sliders[0].get("steps") or []) if len(sliders) == 1 else []
    if not steps or any(step.get("method") != "animate" for step in steps):
        return layout, None
    buttons = [b for menu in layout.get("updatemenus") or [] for b in menu.get("buttons", [])]
    if any(button.get("method") != "animate" for button in buttons):
        return layout, None
    slider = sliders[0]
    play = next((b["args"][1] for b in buttons if b["args"][0] is None), None)
    pause = next((b["args"][1] for b in buttons if b["args"][0] == [None]), None)
    still = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}
    description = {
        "steps": [
            {
                "label": str(step.get("label", "")),
                "frames": step["args"][0],
                "options": step["args"][1],
            }
            for step in steps
        ],
        "active": min(max(int(slider.get("active", 0)), 0), len(steps) - 1),
        "prefix": slider.get("currentvalue", {}).get("prefix", ""),
        "play": play or {**still, "frame": {"duration": 40, "redraw": False}},
        "pause": pause or still,
    }
    rest = {key: value for key, value in layout.items() if key not in ("sliders", "updatemenus")}
    margin = dict(rest.get("margin") or {})
    freed = max(int(margin.get("b", AXIS_ROOM)) - AXIS_ROOM, 0)
    if freed:
        rest["margin"] = {**margin, "b": AXIS_ROOM}
        if isinstance(rest.get("height"), int | float):
            rest["height"] = rest["height"] - freed
    return rest, description
