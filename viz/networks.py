"""Figures of the small-network page: what the network computes, its Hessian, its weight space.

* `decision_figure` — the network's output over input space as a heat map, the data, and every
  first-layer neuron's line w·x + b = 0 (the teacher's as dashed lines), animated over training
  in the browser (Plotly frames; Play never reruns the script).
* `training_figure` — train and test loss and accuracy against the step.
* `spectrum_figure` — the Hessian eigenvalues (a histogram when exact, a density when estimated
  by stochastic Lanczos quadrature), negative ones in their own colour.
* `index_figure` — the number of negative eigenvalues (the saddle index) over training.
* `plane_figure` — a loss surface over a plane of weight space (or any 2-D parameter plane) with
  paths projected onto it; `line_figure` — the loss along a line between two weight vectors.
* `chain_figure` — gradient norm against depth of the deep linear chain, with clipping.

Arrays in, figures out: nothing here computes a loss. Every builder returns a
`viz.figure.AnimatedFigure` (with or without frames), which skips Plotly's per-property
validation on the page's rerun path; the tests validate every figure instead.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.contour import colour_values
from viz.figure import AnimatedFigure, f32, typed_form
from viz.theme import (
    DEFAULT_LOOK,
    RASTER,
    Look,
    base_layout,
    contour_line,
    map_axes,
    optimizer_color,
    optimizer_line,
)

# Class 0 blue, class 1 orange (Okabe–Ito), on a heat map running between them through white.
CLASS_COLORS = ("#0072b2", "#e69f00")
DECISION_SCALE = [[0.0, "#2f6fa8"], [0.5, "#f7f7f7"], [1.0, "#e08a1e"]]
NEGATIVE_COLOR = "#d62728"
POSITIVE_COLOR = "#4a6fa5"
TEACHER_COLOR = "#6a3d9a"
VALIDATION_COLOR = "#009e73"  # the validation curves (Okabe–Ito's bluish green)
COLOUR_LEVELS = 100  # heat-map values are sent as whole percentages of their range


def hyperplane_segments(planes, box) -> np.ndarray:
    """The lines w₁x + w₂y + b = 0 of `planes` (..., K, 3) cut to `box` ((x0, x1), (y0, y1)),
    as (..., 3K, 2) rows (start, end, NaN) ready for one NaN-separated trace. A line that misses
    the box, or a neuron with w = 0 (no line at all), gives NaN rows."""
    planes = np.asarray(planes, dtype=float)
    (x0, x1), (y0, y1) = box
    w1, w2, b = planes[..., 0], planes[..., 1], planes[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        candidates = np.stack(
            [
                np.stack([np.full_like(b, x0), -(b + w1 * x0) / w2], -1),
                np.stack([np.full_like(b, x1), -(b + w1 * x1) / w2], -1),
                np.stack([-(b + w2 * y0) / w1, np.full_like(b, y0)], -1),
                np.stack([-(b + w2 * y1) / w1, np.full_like(b, y1)], -1),
            ],
            axis=-2,
        )  # (..., K, 4, 2): where the line meets each side's line
    slack = 1e-9 * max(x1 - x0, y1 - y0)
    inside = (
        np.isfinite(candidates).all(-1)
        & (candidates[..., 0] >= x0 - slack)
        & (candidates[..., 0] <= x1 + slack)
        & (candidates[..., 1] >= y0 - slack)
        & (candidates[..., 1] <= y1 + slack)
    )
    # The two inside points farthest apart along the line are its ends in the box.
    direction = np.stack([-w2, w1], -1)[..., None, :]
    position = np.sum(np.where(inside[..., None], candidates, 0.0) * direction, -1)
    has_line = inside.sum(-1) >= 2
    start = np.argmin(np.where(inside, position, np.inf), -1)
    end = np.argmax(np.where(inside, position, -np.inf), -1)
    take = np.take_along_axis
    first = take(candidates, start[..., None, None], -2)[..., 0, :]
    last = take(candidates, end[..., None, None], -2)[..., 0, :]
    first = np.where(has_line[..., None], first, np.nan)
    last = np.where(has_line[..., None], last, np.nan)
    rows = np.stack([first, last, np.full_like(first, np.nan)], axis=-2)
    return rows.reshape(*rows.shape[:-3], -1, 2)


def _points(xy, labels, look: Look, *, test: bool) -> dict:
    """One trace of data points coloured by class: filled for training, rings for test."""
    xy, labels = np.asarray(xy, dtype=float), np.asarray(labels).astype(int)
    colors = np.asarray(CLASS_COLORS)[labels].tolist()
    if test:
        marker = {"color": "rgba(0,0,0,0)", "line": {"color": colors, "width": 1.8}, "size": 7}
    else:
        marker = {"color": colors, "line": {"color": look.background, "width": 0.8}, "size": 7}
    name = "test points" if test else "training points"
    return {
        "type": "scatter",
        "x": f32(xy[:, 0]),
        "y": f32(xy[:, 1]),
        "customdata": labels.astype(np.int32),
        "mode": "markers",
        "name": name,
        "marker": marker,
        "visible": "legendonly" if test else True,
        "hovertemplate": f"{name[:-1]} of class %{{customdata}}<br>(%{{x:.2f}}, %{{y:.2f}})"
        "<extra></extra>",
    }


def _controls_with_redraw(steps: np.ndarray, look: Look) -> dict:
    """The shared Play/slider controls, with full redraws: heat maps are not scatter traces,
    and Plotly only restyles scatter traces without a redraw."""
    controls = copy.deepcopy(animation.controls(steps, look))
    controls["updatemenus"][0]["buttons"][0]["args"][1]["frame"]["redraw"] = True
    for step in controls["sliders"][0]["steps"]:
        step["args"][1]["frame"]["redraw"] = True
    controls["sliders"][0]["currentvalue"]["prefix"] = "step "
    return controls


def decision_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    values_FxHxW: np.ndarray,
    steps: np.ndarray,
    planes_FxKx3: np.ndarray,
    train: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray] | None = None,
    *,
    teacher_planes: np.ndarray | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    value_title: str = "p(class 1)",
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """Heat map of the network's output over input space with its first-layer lines, animated.

    values_FxHxW: what to colour (a probability or the output, clipped to `value_range`, whose
    middle is the decision boundary) on the grid xs × ys at each of the F `steps`, sent as
    whole percentages of the range (`colour_codes`);
    planes_FxKx3: rows (w₁, w₂, b) of the K first-layer neurons at each step; train and test:
    (points (n, 2), labels (n,) in {0, 1}); teacher_planes: (k, 3), drawn dashed.

    With values and planes for the last step only (F = 1 of several `steps`) the figure is
    that step with the animation's controls but no frames: a page sends the frames when the
    student asks for them (`app_support.charts.plotly_chart(frames_on_request=True)`)."""
    values = np.asarray(values_FxHxW, dtype=float)
    steps = np.asarray(steps)
    given = values.shape[0]
    if np.shape(planes_FxKx3)[0] != given or given not in (1, len(steps)):
        raise ValueError(
            "values, planes and steps must have one entry per frame (or values and planes "
            "one, for the last step)"
        )
    box = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    codes = colour_codes(values, value_range)
    segments = hyperplane_segments(planes_FxKx3, box)  # (F, 3K, 2)
    last = given - 1
    low, high = value_range
    ticks = np.linspace(0, COLOUR_LEVELS, 5)
    heat = {
        "type": "contour",
        # Drawn as an image while the page leaves the frames out (frames on request).
        "meta": RASTER,
        # z here and in the frames as bytes (Plotly's typed-array form, a third of the JSON
        # numbers' size): Plotly decodes no 2-D typed z in a frame, so the browser turns them
        # into lists before it hands the frames to Plotly (contour_raster.js: `plainMaps`).
        "x": np.round(np.asarray(xs, dtype=float), 6).tolist(),
        "y": np.round(np.asarray(ys, dtype=float), 6).tolist(),
        "z": typed_form(codes[last]),
        "zmin": 0,
        "zmax": COLOUR_LEVELS,
        "colorscale": DECISION_SCALE,
        # Filled contours are SVG paths, drawn at once on every animation frame; a heat map is
        # an image that loads asynchronously and stays blank while frames follow each other.
        "contours": {
            "coloring": "fill",
            "showlines": False,
            "start": 0,
            "end": COLOUR_LEVELS,
            "size": COLOUR_LEVELS / 20,
        },
        "line": {"width": 0},
        "colorbar": {
            "title": {"text": value_title},
            "thickness": 14,
            "len": 0.8,
            "tickvals": ticks.tolist(),
            "ticktext": [_tick(low + (high - low) * t / COLOUR_LEVELS, high - low) for t in ticks],
        },
        "hovertemplate": f"(%{{x:.2f}}, %{{y:.2f}})<br>{value_title}: %{{z}}% of the way "
        f"from {low:.3g} to {high:.3g}<extra></extra>",
        "showlegend": False,
    }
    neurons = {
        "type": "scatter",
        "x": f32(segments[last, :, 0]),
        "y": f32(segments[last, :, 1]),
        "mode": "lines",
        "name": "neurons w·x + b = 0",
        "line": {"color": look.foreground, "width": look.line_width * 0.7},
        "hoverinfo": "skip",
    }
    data = [heat, neurons]
    if teacher_planes is not None:
        teacher = hyperplane_segments(teacher_planes, box)
        data.append(
            {
                "type": "scatter",
                "x": f32(teacher[:, 0]),
                "y": f32(teacher[:, 1]),
                "mode": "lines",
                "name": "teacher's units",
                "line": {"color": TEACHER_COLOR, "width": look.line_width, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    data.append(_points(*train, look, test=False))
    if test is not None:
        data.append(_points(*test, look, test=True))

    # No grid lines across the map: its image lies below them (contour_raster.js).
    xaxis, yaxis = map_axes(box[0], box[1], ("x₁", "x₂"))
    layout = base_layout(
        look,
        height=look.height,
        xaxis=xaxis,
        yaxis=yaxis,
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "b": 90}
    if len(steps) < 2:
        return AnimatedFigure(data, layout)
    controls = _controls_with_redraw(steps, look)
    controls["sliders"][0]["active"] = len(steps) - 1
    if given == 1:  # the frames are left for later (see above)
        return AnimatedFigure(data, layout, (), controls)
    # Frames are sent as they are (`AnimatedFigure`): a frame's z as bytes (see above); the
    # lines converted to float32 once, cut per frame.
    lines = f32(segments)
    frames = [
        {
            "name": str(int(step)),
            "data": [
                {"type": "contour", "z": typed_form(codes[i])},
                {
                    "type": "scatter",
                    "x": typed_form(np.ascontiguousarray(lines[i, :, 0])),
                    "y": typed_form(np.ascontiguousarray(lines[i, :, 1])),
                },
            ],
            "traces": [0, 1],
        }
        for i, step in enumerate(steps)
    ]
    return AnimatedFigure(data, layout, frames, controls)


def _tick(value: float, span: float) -> str:
    return "0" if abs(value) < 1e-9 * span else f"{value:.3g}"


def colour_codes(values, value_range) -> np.ndarray:
    """Values as whole percentages 0 … COLOUR_LEVELS of `value_range` (clipped), uint8: two or
    three characters per heat-map cell instead of a float keeps the animation frames light."""
    low, high = value_range
    fraction = (np.asarray(values, dtype=float) - low) / (high - low)
    return np.round(COLOUR_LEVELS * np.clip(np.nan_to_num(fraction, nan=0.5), 0, 1)).astype(
        np.uint8
    )


def training_figure(
    train_loss: np.ndarray,
    steps: np.ndarray,
    test_loss: np.ndarray,
    train_accuracy: np.ndarray,
    test_accuracy: np.ndarray,
    *,
    marked_step: int | None = None,
    diverged_at: int | None = None,
    log_loss: bool = True,
    val_loss: np.ndarray | None = None,
    val_accuracy: np.ndarray | None = None,
    stop_step: int | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Left: training loss at every step and test loss at `steps`; right: accuracies at `steps`.
    With `val_loss` / `val_accuracy` (at `steps`) the validation curves too (dotted).

    `marked_step` draws a vertical line (the step the other views inspect); `stop_step` a
    diamond on the validation loss where early stopping restores the weights."""
    every = np.arange(len(train_loss), dtype=np.int32)
    loss_floor = 1e-16 if log_loss else -np.inf
    data = [
        {
            "type": "scatter",
            "x": every,
            "y": f32(np.maximum(train_loss, loss_floor)),
            "name": "training loss",
            "mode": "lines",
            "line": {"color": CLASS_COLORS[0], "width": look.line_width},
            "hovertemplate": "step %{x}: training loss %{y:.4g}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": np.asarray(steps, dtype=np.int32),
            "y": f32(np.maximum(test_loss, loss_floor)),
            "name": "test loss",
            "mode": "lines",
            "line": {"color": CLASS_COLORS[1], "width": look.line_width, "dash": "dash"},
            "hovertemplate": "step %{x}: test loss %{y:.4g}<extra></extra>",
        },
    ]
    accuracies = [
        (train_accuracy, "training accuracy", CLASS_COLORS[0], "solid"),
        (test_accuracy, "test accuracy", CLASS_COLORS[1], "dash"),
    ]
    if val_loss is not None:
        data.append(
            {
                "type": "scatter",
                "x": np.asarray(steps, dtype=np.int32),
                "y": f32(np.maximum(val_loss, loss_floor)),
                "name": "validation loss",
                "mode": "lines",
                "line": {"color": VALIDATION_COLOR, "width": look.line_width, "dash": "dot"},
                "hovertemplate": "step %{x}: validation loss %{y:.4g}<extra></extra>",
            }
        )
        if stop_step is not None:
            at = int(np.argmin(np.abs(np.asarray(steps) - stop_step)))
            data.append(
                {
                    "type": "scatter",
                    "x": [int(steps[at])],
                    "y": [float(max(val_loss[at], loss_floor))],
                    "mode": "markers",
                    "name": f"early stop: best weights at step {int(steps[at])}",
                    "marker": {"symbol": "diamond", "size": 13, "color": VALIDATION_COLOR},
                }
            )
    if val_accuracy is not None:
        accuracies.append((val_accuracy, "validation accuracy", VALIDATION_COLOR, "dot"))
    for values, name, color, dash in accuracies:
        data.append(
            {
                "type": "scatter",
                "x": np.asarray(steps, dtype=np.int32),
                "y": f32(values),
                "xaxis": "x2",
                "yaxis": "y2",
                "name": name,
                "showlegend": False,
                "mode": "lines",
                "line": {"color": color, "width": look.line_width, "dash": dash},
                "hovertemplate": f"step %{{x}}: {name} %{{y:.1%}}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.75),
        xaxis={"title": {"text": "step"}, "domain": [0.0, 0.5]},
        yaxis={
            "title": {"text": "loss"},
            "type": "log" if log_loss else "linear",
            "exponentformat": "power",
            "dtick": "D2" if log_loss else None,
        },
        xaxis2={"title": {"text": "step"}, "domain": [0.6, 1.0], "anchor": "y2"},
        yaxis2={
            "title": {"text": "accuracy"},
            "range": [0.0, 1.02],
            "anchor": "x2",
            "side": "right",
            "tickformat": ".0%",
        },
    )
    shapes = []
    if marked_step is not None:
        for axis in ("x", "x2"):
            shapes.append(
                {
                    "type": "line",
                    "xref": axis,
                    "yref": "paper",
                    "x0": marked_step,
                    "x1": marked_step,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": look.foreground, "width": 1, "dash": "dot"},
                }
            )
    if diverged_at is not None:
        data.append(
            {
                "type": "scatter",
                "x": [len(train_loss) - 1],
                "y": [float(max(train_loss[-1], loss_floor))],
                "mode": "markers",
                "name": f"diverged at step {diverged_at}",
                "marker": {
                    "symbol": "x-thin",
                    "size": 18,
                    "line": {"width": 3, "color": NEGATIVE_COLOR},
                },
            }
        )
    layout["shapes"] = shapes
    return AnimatedFigure(data, layout)


def symlog(values, linear_width: float) -> np.ndarray:
    """sign(h)·log₁₀(1 + |h|/c): a mirrored log scale, linear within ±c, so that tiny negative
    eigenvalues and large positive ones fit on one axis."""
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.log10(1.0 + np.abs(values) / linear_width)


def _symlog_ticks(linear_width: float, largest: float) -> tuple[list[float], list[str]]:
    top = int(np.floor(np.log10(max(largest, linear_width))))
    bottom = int(np.ceil(np.log10(linear_width))) + 1
    exponents = list(range(bottom, top + 1))
    stride = max(1, int(np.ceil(len(exponents) / 4)))  # at most ~4 decades labelled per side
    exponents = exponents[::-1][::stride][::-1]
    values, texts = [0.0], ["0"]
    for k in exponents:
        for sign in (-1, 1):
            values.append(float(symlog(sign * 10.0**k, linear_width)))
            texts.append(f"{'−' if sign < 0 else ''}10{str(k).translate(_SUPERSCRIPT)}")
    return values, texts


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def count_ticks(top: float) -> list[int]:
    """Whole counts 1, 2, 5, 10, 20, 50, … up to the first at or above `top`: the ticks of a
    log count axis, which would otherwise label 1.5 or 2.5 eigenvalues."""
    ticks, decade = [], 1
    while True:
        for mantissa in (1, 2, 5):
            ticks.append(mantissa * decade)
            if ticks[-1] >= top:
                return ticks
        decade *= 10


def spectrum_figure(
    eigenvalues: np.ndarray,
    *,
    counts: np.ndarray | None = None,
    zero_width: float,
    ritz: np.ndarray | None = None,
    estimated: bool = False,
    bins: int = 60,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """A histogram of Hessian eigenvalues on a mirrored log axis (`symlog`, linear within
    ±zero_width, the band counted as zero, shaded); negative eigenvalues in red.

    `counts` weighs each value (stochastic Lanczos quadrature: nodes with N·τ/V eigenvalues
    each, `estimated`); `ritz` marks the extreme Lanczos Ritz values with ticks."""
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    weights = np.ones_like(lam) if counts is None else np.asarray(counts, dtype=float).ravel()
    largest = max(float(np.max(np.abs(lam))), zero_width)
    reach = float(symlog(largest, zero_width)) * 1.02
    edges = np.linspace(-reach, reach, 2 * (bins // 2) + 1)
    totals, _ = np.histogram(symlog(lam, zero_width), bins=edges, weights=weights)
    centres, width = 0.5 * (edges[1:] + edges[:-1]), edges[1] - edges[0]
    label = "eigenvalues (estimate)" if estimated else "eigenvalues"
    data = []
    for negative, color, name in (
        (True, NEGATIVE_COLOR, "h < 0"),
        (False, POSITIVE_COLOR, "h ≥ 0"),
    ):
        side = (centres < 0) if negative else (centres >= 0)
        shown = side & (totals > 0)
        data.append(
            {
                "type": "bar",
                "x": f32(centres[shown]),
                "y": f32(totals[shown]),
                "width": width,
                "name": name,
                "marker": {"color": color, "opacity": 0.7 if estimated else 1.0},
                "hovertemplate": f"%{{y:.3g}} {label}<extra></extra>",
            }
        )
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "paper",
            "x0": -float(symlog(zero_width, zero_width)),
            "x1": float(symlog(zero_width, zero_width)),
            "y0": 0,
            "y1": 1,
            "fillcolor": "rgba(128,128,128,0.18)",
            "line": {"width": 0},
            "layer": "below",
        }
    ]
    if ritz is not None:
        data.append(
            {
                "type": "scatter",
                "x": f32(symlog(ritz, zero_width)),
                "y": np.full(len(ritz), 0.97, dtype=np.float32),
                "yaxis": "y2",
                "mode": "markers",
                "name": "Lanczos extremes",
                "customdata": f32(ritz),
                "marker": {
                    "symbol": "line-ns-open",
                    "size": 18,
                    "color": look.foreground,
                    "line": {"width": 2},
                },
                "hovertemplate": "Ritz value %{customdata:.6g}<extra></extra>",
            }
        )
    tick_values, tick_texts = _symlog_ticks(zero_width, largest)
    layout = base_layout(
        look,
        height=int(look.height * 0.75),
        barmode="overlay",
        bargap=0,
        xaxis={
            "title": {"text": "Hessian eigenvalue h (mirrored log scale; grey: counted as 0)"},
            "range": [-reach, reach],
            "tickvals": tick_values,
            "ticktext": tick_texts,
            "zeroline": False,
        },
        yaxis={
            "title": {"text": f"number of {label}"},
            "type": "log",
            "tickvals": count_ticks(float(np.max(totals, initial=1.0))),
            "exponentformat": "power",
        },
        yaxis2={"overlaying": "y", "range": [0, 1], "visible": False},
        shapes=shapes,
    )
    return AnimatedFigure(data, layout)


def index_figure(
    steps: np.ndarray,
    negative: np.ndarray,
    num_weights: int,
    *,
    marked_step: int | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The number of negative Hessian eigenvalues at each of `steps`; the right axis reads the
    same curve as a fraction of the `num_weights` directions."""
    negative = np.asarray(negative, dtype=float)
    top = max(1.0, float(np.max(negative)) * 1.1)
    data = [
        {
            "type": "scatter",
            "x": np.asarray(steps, dtype=np.int32),
            "y": f32(negative),
            "customdata": f32(negative / num_weights),
            "mode": "lines+markers",
            "name": "negative eigenvalues",
            "line": {"color": NEGATIVE_COLOR, "width": look.line_width},
            "marker": {"size": look.marker_size * 0.6},
            "hovertemplate": "step %{x}: %{y} negative (%{customdata:.1%})<extra></extra>",
        }
    ]
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        showlegend=False,
        xaxis={"title": {"text": "step"}},
        yaxis={"title": {"text": "negative eigenvalues (index)"}, "range": [0, top]},
        yaxis2={
            "title": {"text": f"fraction of the {num_weights} directions"},
            "overlaying": "y",
            "side": "right",
            "range": [0, top / num_weights],
            "tickmode": "auto",
            "tickformat": ".0%" if top / num_weights > 0.05 else ".1%",
            "showgrid": False,
        },
    )
    # An invisible twin on the right axis makes Plotly draw it.
    data.append(
        {
            "type": "scatter",
            "x": [steps[0]],
            "y": [0],
            "yaxis": "y2",
            "mode": "markers",
            "marker": {"opacity": 0},
            "hoverinfo": "skip",
        }
    )
    if marked_step is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": marked_step,
                "x1": marked_step,
                "y0": 0,
                "y1": 1,
                "line": {"color": look.foreground, "width": 1, "dash": "dot"},
            }
        ]
    return AnimatedFigure(data, layout)


class PlanePath(NamedTuple):
    """A path drawn on a plane: coordinates (T, 2); `key` picks the colour (an optimizer's
    name takes its colour from the theme)."""

    key: str
    label: str
    xy: np.ndarray


def plane_figure(
    alphas: np.ndarray,
    betas: np.ndarray,
    Z: np.ndarray,
    paths: Sequence[PlanePath] = (),
    *,
    x_title: str = "c₁",
    y_title: str = "c₂",
    centre: tuple[float, float] | None = (0.0, 0.0),
    centre_label: str = "current weights",
    log_color: bool = True,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Filled contours of Z (rows along betas, columns along alphas) with paths on top: each
    path's start as a circle and its end as a star; `centre` marked with a cross."""
    colour, colorbar = colour_values(Z, log_color)
    data = [
        {
            "type": "contour",
            "x": f32(alphas),
            "y": f32(betas),
            "z": f32(colour),
            "customdata": f32(Z),
            "colorscale": look.contour_colorscale,
            "ncontours": 30,
            "contours": {"coloring": "fill", "showlines": True},
            "line": contour_line(look.contour_line_color, 0.6),
            "colorbar": {**colorbar, "thickness": 14, "len": 0.8},
            "hovertemplate": f"{x_title} = %{{x:.3g}}, {y_title} = %{{y:.3g}}"
            "<br>E = %{customdata:.4g}<extra></extra>",
            "showlegend": False,
            "meta": RASTER,
        }
    ]
    for path in paths:
        color = optimizer_color(path.key)
        xy = f32(path.xy)
        data.append(
            {
                "type": "scatter",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "mode": "lines",
                "name": path.label,
                "legendgroup": path.key,
                "line": optimizer_line(path.key, look.line_width),
                "hovertemplate": f"{path.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": xy[[0, -1], 0],
                "y": xy[[0, -1], 1],
                "mode": "markers",
                "showlegend": False,
                "legendgroup": path.key,
                "marker": {
                    "symbol": ["circle", "star"],
                    "size": look.marker_size + 4,
                    "color": color,
                    "line": {"color": look.background, "width": 1.5},
                },
                "hovertemplate": f"{path.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            }
        )
    if centre is not None:
        data.append(
            {
                "type": "scatter",
                "x": [centre[0]],
                "y": [centre[1]],
                "mode": "markers",
                "name": centre_label,
                "marker": {
                    "symbol": "x",
                    "size": look.marker_size + 4,
                    "color": look.foreground,
                    "line": {"color": look.background, "width": 1.5},
                },
                "hovertemplate": f"{centre_label}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=look.height,
        xaxis={
            "title": {"text": x_title},
            "range": [float(alphas[0]), float(alphas[-1])],
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={
            "title": {"text": y_title},
            "range": [float(betas[0]), float(betas[-1])],
            "showgrid": False,
            "zeroline": False,
        },
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


def line_figure(
    ts: np.ndarray,
    curves: Sequence[tuple[str, np.ndarray]],
    *,
    log_loss: bool = False,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Losses along the line (1 − p)·w₀ + p·w₁: p = 0 at the initial, p = 1 at the final
    weights (dotted verticals). `curves`: (name, values) pairs, e.g. training and test loss."""
    colors = (CLASS_COLORS[0], CLASS_COLORS[1], look.foreground)
    data = [
        {
            "type": "scatter",
            "x": f32(ts),
            "y": f32(values),
            "name": name,
            "mode": "lines",
            "line": {
                "color": colors[i % 3],
                "width": look.line_width,
                "dash": "solid" if i == 0 else "dash",
            },
            "hovertemplate": f"p = %{{x:.2f}}: {name} %{{y:.4g}}<extra></extra>",
        }
        for i, (name, values) in enumerate(curves)
    ]
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        xaxis={"title": {"text": "p   (0: initial weights, 1: final weights)"}},
        yaxis={
            "title": {"text": "loss"},
            "type": "log" if log_loss else "linear",
            "exponentformat": "power",
        },
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": x,
                "x1": x,
                "y0": 0,
                "y1": 1,
                "line": {"color": look.foreground, "width": 1, "dash": "dot"},
            }
            for x in (0.0, 1.0)
        ],
    )
    return AnimatedFigure(data, layout)


def chain_figure(
    depths: np.ndarray,
    curves: Sequence[tuple[str, np.ndarray]],
    *,
    clip_threshold: float | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Gradient norm ‖∇E‖ against the depth n, one line per (label, norms) in `curves`, on a
    log axis; with `clip_threshold` u, the clipped norms min(‖∇E‖, u) dashed and u dotted."""
    palette = (NEGATIVE_COLOR, POSITIVE_COLOR, "#2ca02c", TEACHER_COLOR, "#8c564b")
    depths = np.asarray(depths, dtype=np.int32)
    data = []
    for i, (label, norms) in enumerate(curves):
        norms = np.asarray(norms, dtype=float)
        color = palette[i % len(palette)]
        data.append(
            {
                "type": "scatter",
                "x": depths,
                "y": f32(np.maximum(norms, 1e-300)),
                "name": label,
                "mode": "lines",
                "legendgroup": label,
                "line": {"color": color, "width": look.line_width},
                "hovertemplate": f"{label}<br>depth %{{x}}: ‖∇E‖ = %{{y:.3g}}<extra></extra>",
            }
        )
        if clip_threshold is not None:
            data.append(
                {
                    "type": "scatter",
                    "x": depths,
                    "y": f32(np.minimum(np.maximum(norms, 1e-300), clip_threshold)),
                    "name": f"{label}, clipped",
                    "showlegend": False,
                    "mode": "lines",
                    "legendgroup": label,
                    "line": {"color": color, "width": look.line_width * 0.6, "dash": "dash"},
                    "hovertemplate": f"{label}, clipped<br>depth %{{x}}: %{{y:.3g}}<extra></extra>",
                }
            )
    layout = base_layout(
        look,
        height=int(look.height * 0.7),
        xaxis={"title": {"text": "depth n (layers)"}},
        yaxis={"title": {"text": "gradient norm ‖∇E‖"}, "type": "log", "exponentformat": "power"},
    )
    if clip_threshold is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": clip_threshold,
                "y1": clip_threshold,
                "line": {"color": look.foreground, "width": 1.5, "dash": "dot"},
            }
        ]
    return AnimatedFigure(data, layout)
