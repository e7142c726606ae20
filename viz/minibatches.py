"""Figures of the minibatch page: minibatch surfaces, clouds of SGD runs, the noise ball, Adam's
running statistics, and batch against minibatch against online learning.

Pure builders: NumPy arrays in, Plotly figures out. Every number (grids, critical points,
trajectories, radii, running statistics) is computed by the core and handed in. Animations are
Plotly frames played in the browser: the minibatch slider swaps the surface, the cloud's Play
button moves every run of the cloud at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.contour import filled_map
from viz.figure import AnimatedFigure, f32, frame_steps, typed_array
from viz.theme import (
    DEFAULT_LOOK,
    RASTER,
    Look,
    base_layout,
    contour_line,
    map_axes,
    optimizer_color,
)

# Colours of what this page draws besides the optimizers (which keep the lab's palette).
FULL_BATCH_COLOR = optimizer_color("gd")  # gradient descent on the full batch
SGD_COLOR = "#6a3dc8"
ONLINE_COLOR = "#12907e"
WEIGHT_COLORS = ("#1f6fd1", "#e07b00", "#b0249a")  # w₁, w₂, w₃ in the exercise
WEIGHT_DASHES = ("solid", "dash", "dot")
STATISTICS_STEPS = 40  # steps in view in the running-statistics panels

LEVELS = 24  # contour levels of the surface panels
LEVEL_QUANTILE = 0.9  # each map's colours span its lowest value to this quantile
CLOUD_FRAMES = 120
SADDLE_ARM = 0.16  # half-length of the downhill line at a saddle, as a fraction of the box
RING_POINTS = 73


# --- surfaces of minibatches ----------------------------------------------------------------


class SurfacePanel(NamedTuple):
    """One loss on the grid with its critical points, as the page found them."""

    title: str
    Z: np.ndarray  # (ny, nx), rows along ys
    minima: np.ndarray  # (k, 2)
    saddles: np.ndarray  # (k, 2)
    downhill: np.ndarray  # (k, 2) unit direction of negative curvature at each saddle
    lowest: tuple[float, float] | None = None  # lowest grid point when no minimum is inside


def panel_levels(Z: np.ndarray) -> dict:
    """Contour levels of one map, from its lowest value to its `LEVEL_QUANTILE` quantile: a
    minibatch's loss is shifted by its own share of the label noise, so each map gets its own
    range and shows its shape (where its valleys and passes are), not its offset."""
    finite = np.asarray(Z, dtype=float)[np.isfinite(Z)]
    if finite.size == 0:
        return {"start": 0.0, "end": 1.0, "size": 1.0 / LEVELS}
    low = float(finite.min())
    high = max(_quantile(finite, LEVEL_QUANTILE), low + 1e-9)
    return {"start": low, "end": high, "size": (high - low) / LEVELS}


def _quantile(values: np.ndarray, q: float) -> float:
    """`np.quantile(values, q)` (linear interpolation) of a 1-D array by one partial sort:
    a sixth of its time, and a page asks for this level of ~20 maps on every rerun."""
    index = q * (values.size - 1)
    below = int(np.floor(index))
    above = min(below + 1, values.size - 1)
    ordered = np.partition(values, (below, above))
    return float(ordered[below] + (ordered[above] - ordered[below]) * (index - below))


def _contour(xs, ys, Z, look: Look, *, axes=("x", "y")) -> dict:
    levels = panel_levels(Z)
    return {
        "type": "contour",
        "x": f32(xs),
        "y": f32(ys),
        "z": f32(Z),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "colorscale": look.contour_colorscale,
        "autocontour": False,
        "contours": {**levels, "coloring": "fill", "showlines": True},
        "zmin": levels["start"],
        "zmax": levels["end"],
        "line": contour_line(look.contour_line_color, 0.5),
        "showscale": False,
        # No hover on the small maps: each has its own colour range, the markers carry the
        # numbers, and a hover layer per map would cost a third of the drawing time.
        "hoverinfo": "skip",
        "showlegend": False,
        "meta": RASTER,
    }


def _markers(
    points,
    name: str,
    symbol: str,
    look: Look,
    *,
    axes=("x", "y"),
    legend: bool = False,
    size: float | None = None,
) -> dict:
    xy = f32(np.reshape(points, (-1, 2)))
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "xaxis": axes[0],
        "yaxis": axes[1],
        "mode": "markers",
        "name": name,
        "legendgroup": name,
        "showlegend": legend,
        "cliponaxis": False,  # a point on the edge of the box is drawn whole
        "marker": {
            "symbol": symbol,
            "size": size or look.marker_size + 4,
            "color": look.foreground,
            "line": {"color": look.background, "width": 1.5},
        },
        "hovertemplate": f"{name}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
    }


def _downhill_segments(saddles, downhill, arm: float) -> np.ndarray:
    """A segment through each saddle along its downhill direction, NaN-separated rows."""
    saddles = np.reshape(np.asarray(saddles, dtype=float), (-1, 2))
    downhill = np.reshape(np.asarray(downhill, dtype=float), (-1, 2))
    rows = [
        np.vstack([s - arm * d, s + arm * d, [np.nan, np.nan]])
        for s, d in zip(saddles, downhill, strict=True)
    ]
    return np.vstack(rows) if rows else np.empty((0, 2))


def _downhill_trace(segments, look: Look, *, axes=("x", "y"), legend: bool = False) -> dict:
    return {
        "type": "scatter",
        "x": f32(segments[:, 0]),
        "y": f32(segments[:, 1]),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "mode": "lines",
        "name": DOWNHILL,
        "legendgroup": DOWNHILL,
        "showlegend": legend,
        "line": {"color": look.foreground, "width": look.line_width},
        "hoverinfo": "skip",
    }


DOWNHILL = "downhill line at a saddle"
# (name, marker symbol) of the markers on a surface, in drawing order
_KEYS = (
    ("full-batch minimum", "star-open"),
    ("lowest point in view (no minimum inside)", "diamond-open"),
    ("saddle", "x"),
    ("minimum", "star"),
)


def _legend_keys(look: Look) -> list[dict]:
    """Legend entries with no points: the panels' own traces stay out of the legend, so each
    kind of marker is listed once, whichever panel shows it."""
    keys = [
        {**_markers(np.empty((0, 2)), name, symbol, look, legend=True), "x": [None], "y": [None]}
        for name, symbol in _KEYS
    ]
    keys.insert(
        2, {**_downhill_trace(np.empty((0, 2)), look, legend=True), "x": [None], "y": [None]}
    )
    return keys


def _panel_traces(xs, ys, panel: SurfacePanel, reference_minima, look, axes, arm) -> list[dict]:
    lowest = [] if panel.lowest is None else [panel.lowest]
    points = (reference_minima, lowest, panel.saddles, panel.minima)
    traces = [_contour(xs, ys, panel.Z, look, axes=axes)]
    for (name, symbol), where in zip(_KEYS, points, strict=True):
        if name == "saddle":
            traces.append(
                _downhill_trace(
                    _downhill_segments(panel.saddles, panel.downhill, arm), look, axes=axes
                )
            )
        traces.append(_markers(where, name, symbol, look, axes=axes))
    return traces


def minibatch_panels_figure(
    xs,
    ys,
    panels: Sequence[SurfacePanel],
    reference_minima,
    *,
    columns: int = 4,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Small multiples: one map per loss (the full batch first, then minibatches), each with
    its minima (★) and saddles (✕, with the line along which the loss goes down), and the full
    batch's minima (☆) on the minibatch maps for comparison. Dark is low within each map."""
    if not panels:
        raise ValueError("need at least one panel")
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    rows = -(-len(panels) // columns)
    gap_x, gap_y = 0.02, 0.14
    width = (1.0 - gap_x * (columns - 1)) / columns
    height = (1.0 - gap_y * (rows - 1)) / rows
    arm = SADDLE_ARM * min(xs[-1] - xs[0], ys[-1] - ys[0])
    data, layout_axes, titles = [], {}, []
    for i, panel in enumerate(panels):
        row, column = divmod(i, columns)
        suffix = "" if i == 0 else str(i + 1)
        axes = (f"x{suffix}", f"y{suffix}")
        x0 = column * (width + gap_x)
        y1 = 1.0 - row * (height + gap_y)
        # untitled maps, each kept at the top of its cell; tick labels on the left column only
        xaxis, yaxis = map_axes(
            (xs[0], xs[-1]), (ys[0], ys[-1]), ("", ""), anchor=axes[0], toward_top=True
        )
        layout_axes[f"xaxis{suffix}"] = {
            **xaxis,
            "domain": [max(x0, 0.0), min(x0 + width, 1.0)],
            "anchor": axes[1],
        }
        layout_axes[f"yaxis{suffix}"] = {
            **yaxis,
            "domain": [max(y1 - height, 0.0), min(y1, 1.0)],
            "anchor": axes[0],
            "showticklabels": column == 0,
        }
        titles.append(panel_title(panel.title, (x0, x0 + width), look, y=y1))
        data += _panel_traces(xs, ys, panel, reference_minima if i else [], look, axes, arm)
    data += _legend_keys(look)
    layout = base_layout(
        look,
        height=int(look.height * (0.45 if rows == 1 else 0.85)),
        annotations=titles,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        **layout_axes,
    )
    layout["legend"] = {**layout["legend"], "y": 1.04}
    return AnimatedFigure(data, layout)


def _xy(points) -> dict:
    xy = np.reshape(np.asarray(points, dtype=float), (-1, 2))
    return {"x": typed_array(xy[:, 0]), "y": typed_array(xy[:, 1])}


def minibatch_animation_figure(
    xs, ys, full_Z, panels: Sequence[SurfacePanel], reference_minima, *, look: Look = DEFAULT_LOOK
) -> AnimatedFigure:
    """One map whose slider (and ▶ Play) steps through the minibatch surfaces with their
    minima and saddles, under the full batch's contour lines (dotted) for comparison."""
    if not panels:
        raise ValueError("need at least one minibatch panel")
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    arm = SADDLE_ARM * min(xs[-1] - xs[0], ys[-1] - ys[0])
    data = _panel_traces(xs, ys, panels[0], reference_minima, look, ("x", "y"), arm)
    moving = list(range(len(data)))  # every trace of the panel; the full-batch lines stay
    data.append(
        {
            "type": "contour",
            "x": f32(xs),
            "y": f32(ys),
            "z": f32(full_Z),
            "autocontour": False,
            "contours": {**panel_levels(full_Z), "coloring": "none"},
            "line": contour_line(look.foreground, 1.0, dash="dot"),
            "opacity": 0.5,
            "showscale": False,
            "name": "full-batch contours",
            "showlegend": True,
            "hoverinfo": "skip",
        }
    )
    data += _legend_keys(look)
    frames = []
    for k, panel in enumerate(panels):
        lowest = [] if panel.lowest is None else [panel.lowest]
        levels = panel_levels(panel.Z)
        frames.append(
            {
                "name": str(k),
                "data": [
                    {
                        "type": "contour",
                        "z": typed_array(panel.Z),
                        "contours": {**levels, "coloring": "fill", "showlines": True},
                        "zmin": levels["start"],
                        "zmax": levels["end"],
                    },
                    {"type": "scatter", **_xy(reference_minima)},
                    {"type": "scatter", **_xy(lowest)},
                    {
                        "type": "scatter",
                        **_xy(_downhill_segments(panel.saddles, panel.downhill, arm)),
                    },
                    {"type": "scatter", **_xy(panel.saddles)},
                    {"type": "scatter", **_xy(panel.minima)},
                ],
                "traces": moving,
            }
        )
    xaxis, yaxis = map_axes((xs[0], xs[-1]), (ys[0], ys[-1]), ("w₁", "w₂"))
    layout = base_layout(
        look,
        height=look.height,
        xaxis=xaxis,
        yaxis=yaxis,
        margin={"l": 60, "r": 10, "t": 40, "b": 120},
    )
    controls = animation.controls(np.arange(len(panels)), look)
    slider = controls["sliders"][0]
    slider["currentvalue"]["prefix"] = ""
    for step, panel in zip(slider["steps"], panels, strict=True):
        step["label"] = panel.title
        step["args"][1]["frame"]["redraw"] = True  # a contour must be redrawn, a scatter not
    play = controls["updatemenus"][0]["buttons"][0]["args"][1]
    play["frame"] = {"duration": 900, "redraw": True}
    return AnimatedFigure(data, layout, frames, controls)


# --- clouds of runs over a map --------------------------------------------------------------


class Cloud(NamedTuple):
    """Runs drawn together: S paths of shape (S, T+1, 2) in one colour."""

    label: str
    color: str
    params: np.ndarray
    bold: bool = False  # a few runs drawn as strong paths; otherwise a faint cloud
    symbol: str = "circle"  # the marker of the runs' current points


class Ring(NamedTuple):
    """A circle on the map: the noise ball of radius `radius` around `center`."""

    center: tuple[float, float]
    radius: float
    label: str
    color: str


def _joined(paths_SxTx2) -> np.ndarray:
    """S paths as one NaN-separated polyline (one trace for a whole cloud)."""
    paths = np.asarray(paths_SxTx2, dtype=float)
    gap = np.full((paths.shape[0], 1, 2), np.nan)
    return np.concatenate([paths, gap], axis=1).reshape(-1, 2)


def _ring_outline(ring: Ring) -> np.ndarray:
    angle = np.linspace(0.0, 2.0 * np.pi, RING_POINTS)
    return np.asarray(ring.center, dtype=float) + ring.radius * np.stack(
        [np.cos(angle), np.sin(angle)], axis=1
    )


def cloud_figure(
    xs,
    ys,
    Z,
    clouds: Sequence[Cloud],
    *,
    rings: Sequence[Ring] = (),
    minima=(),
    saddles=(),
    start=None,
    log_color: bool = False,
    max_frames: int = CLOUD_FRAMES,
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """The full-batch loss with clouds of runs on it: each cloud's paths, its runs' current
    points moving together when ▶ Play runs, the noise-ball rings, minima and saddles."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    # The map as the playground draws it: an image and its contour lines. A Plotly contour
    # trace vanished while ▶ Play ran (Plotly drops contours in `redraw: false` animations).
    map_image, lines, colour_bar = filled_map(xs, ys, np.asarray(Z, dtype=float), log_color, look)
    data = [colour_bar, lines]
    for cloud in clouds:
        bold, joined = cloud.bold, _joined(cloud.params)
        data.append(
            {
                "type": "scatter",
                "x": f32(joined[:, 0]),
                "y": f32(joined[:, 1]),
                "mode": "lines",
                "name": cloud.label,
                "legendgroup": cloud.label,
                "line": {"color": cloud.color, "width": look.line_width if bold else 1.0},
                "opacity": 1.0 if bold else 0.45,
                "hoverinfo": "skip",
            }
        )
    for ring in rings:
        outline = _ring_outline(ring)
        data.append(
            {
                "type": "scatter",
                "x": f32(outline[:, 0]),
                "y": f32(outline[:, 1]),
                "mode": "lines",
                "name": ring.label,
                "line": {"color": ring.color, "width": look.line_width, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    for points, name, symbol in ((minima, "full-batch minimum", "star"), (saddles, "saddle", "x")):
        if len(points):
            data.append(_markers(points, name, symbol, look, legend=True))
    if start is not None:
        trace = _markers(
            [start], "start", "circle-open", look, legend=True, size=look.marker_size + 8
        )
        trace["marker"]["line"] = {"color": look.foreground, "width": 3}
        data.append(trace)

    xaxis, yaxis = map_axes((xs[0], xs[-1]), (ys[0], ys[-1]), ("w₁", "w₂"))
    layout = base_layout(
        look,
        height=look.height,
        xaxis=xaxis,
        yaxis=yaxis,
        margin={"l": 60, "r": 10, "t": 40, "b": 120},
        hovermode="closest",
        images=[map_image],
    )
    if not clouds:
        return AnimatedFigure(data, layout)
    last = max(c.params.shape[1] for c in clouds) - 1
    steps = frame_steps(last, max_frames)
    indices = list(range(len(data), len(data) + len(clouds)))
    heads = []
    for cloud in clouds:
        at = np.asarray(cloud.params, dtype=float)[:, np.minimum(steps, cloud.params.shape[1] - 1)]
        heads.append(np.swapaxes(at, 0, 1))  # (F, S, 2)
        data.append(
            {
                "type": "scatter",
                "x": f32(at[:, 0, 0]),
                "y": f32(at[:, 0, 1]),
                "mode": "markers",
                "name": f"{cloud.label}: now",
                "showlegend": False,
                "legendgroup": cloud.label,
                "marker": {
                    "color": cloud.color,
                    "symbol": cloud.symbol,
                    "size": look.marker_size + 3 if cloud.bold else look.marker_size - 3,
                    "line": {"color": look.background, "width": 1},
                },
                "hoverinfo": "skip",
            }
        )
    if len(steps) == 1:
        return AnimatedFigure(data, layout)
    frames = animation.frames(steps, heads, indices)
    return AnimatedFigure(data, layout, frames, animation.controls(steps, look))


# --- curves -----------------------------------------------------------------------------------


class Curve(NamedTuple):
    """A line against the step: y over x in one colour."""

    label: str
    color: str
    x: np.ndarray
    y: np.ndarray
    dash: str = "solid"


class Level(NamedTuple):
    """A horizontal reference line (a prediction), labelled at its right end."""

    value: float
    label: str
    color: str


def _curve_trace(curve: Curve, look: Look) -> dict:
    return {
        "type": "scatter",
        "x": f32(curve.x),
        "y": f32(curve.y),
        "mode": "lines",
        "name": curve.label,
        "line": {"color": curve.color, "width": look.line_width * 0.8, "dash": curve.dash},
        "hovertemplate": f"{curve.label}<br>%{{x:.4g}}: %{{y:.4g}}<extra></extra>",
    }


def curves_figure(
    curves: Sequence[Curve],
    *,
    levels: Sequence[Level] = (),
    x_title: str,
    y_title: str,
    log_y: bool = True,
    height: float = 0.6,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Lines against the step (measured, solid) and reference levels (dotted, labelled)."""
    data = [_curve_trace(c, look) for c in curves]
    shapes, notes = [], []
    for level in levels:
        if not np.isfinite(level.value) or (log_y and level.value <= 0):
            continue
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": level.value,
                "y1": level.value,
                "line": {"color": level.color, "width": 2, "dash": "dot"},
            }
        )
        notes.append(
            {
                "xref": "x domain",
                "x": 1.0,
                "xanchor": "right",
                "yref": "y",
                "y": float(np.log10(level.value)) if log_y else level.value,
                "yanchor": "bottom",
                "text": level.label,
                "showarrow": False,
                "font": {"color": level.color, "size": look.font_size - 1},
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * height),
        xaxis={"title": {"text": x_title}},
        yaxis={
            "title": {"text": y_title},
            "type": "log" if log_y else "linear",
            "exponentformat": "power",
        },
        shapes=shapes,
        annotations=notes,
    )
    return AnimatedFigure(data, layout)


def _side_by_side(count: int, gap: float = 0.06) -> list[list[float]]:
    width = (1.0 - gap * (count - 1)) / count
    return [[i * (width + gap), i * (width + gap) + width] for i in range(count)]


def panel_title(text: str, domain, look: Look, color: str | None = None, *, y: float = 1.0) -> dict:
    """A panel's title above the middle of its x `domain`, its foot at height `y` (paper)."""
    return {
        "text": text,
        "x": (domain[0] + domain[1]) / 2,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "xanchor": "center",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": look.font_size, **({"color": color} if color else {})},
    }


def examples_figure(
    curves: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
    *,
    reference_loss: float,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Batch, minibatch and online learning: E(w) − E* against the step (left, log axes) and
    against the number of examples seen (right). curves: (label, colour, loss (T+1,),
    examples seen (T+1,))."""
    left, right = _side_by_side(2, 0.1)
    data = []
    for label, color, loss, seen in curves:
        excess = np.maximum(np.asarray(loss, dtype=float) - reference_loss, 1e-16)
        steps = np.arange(len(excess), dtype=float)
        line = {"color": color, "width": look.line_width * 0.8}
        markers = len(excess) <= 40
        data.append(
            {
                "type": "scatter",
                "x": f32(steps[1:]),
                "y": f32(excess[1:]),
                "name": label,
                "legendgroup": label,
                "mode": "lines+markers" if markers else "lines",
                "line": line,
                "marker": {"color": color, "size": look.marker_size - 3},
                "hovertemplate": f"{label}<br>step %{{x:.0f}}: %{{y:.3g}}<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": f32(seen),
                "y": f32(excess),
                "name": label,
                "legendgroup": label,
                "showlegend": False,
                "xaxis": "x2",
                "yaxis": "y2",
                "mode": "lines+markers" if markers else "lines",
                "line": line,
                "marker": {"color": color, "size": look.marker_size - 3},
                "hovertemplate": f"{label}<br>%{{x:.0f}} examples: %{{y:.3g}}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.65),
        xaxis={"domain": left, "type": "log", "title": {"text": "steps (updates of w)"}},
        yaxis={"type": "log", "title": {"text": "E(w) − E*"}, "exponentformat": "power"},
        xaxis2={"domain": right, "anchor": "y2", "title": {"text": "examples seen"}},
        yaxis2={"type": "log", "anchor": "x2", "exponentformat": "power"},
        annotations=[
            panel_title("per step", left, look),
            panel_title("per example seen", right, look),
        ],
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
    )
    layout["legend"] = {**layout["legend"], "y": 1.12}
    return AnimatedFigure(data, layout)


# --- the lecture's exercise: running statistics and steps per weight -------------------------


def _weights_panels(
    panels: Sequence[tuple[str, np.ndarray, np.ndarray | None, str | None]],
    weight_labels: Sequence[str],
    *,
    y_titles: Sequence[str] = (),
    shown_steps: int | None = None,
    look: Look,
    height: float,
) -> go.Figure:
    """Side-by-side panels, each with one line per weight against the step (the first
    `shown_steps` in view; zoom out for the rest). Weights that coincide stay visible: the
    first is drawn widest, the others dashed and dotted on top of it.

    panels: (title, values (T, d), long-run levels (d,) or None, title colour or None)."""
    domains = _side_by_side(len(panels))
    data, axes_layout, titles, shapes = [], {}, [], []
    for i, (title, values, levels, color) in enumerate(panels):
        suffix = "" if i == 0 else str(i + 1)
        values = np.asarray(values, dtype=float)
        steps = np.arange(1, values.shape[0] + 1)
        for j, label in enumerate(weight_labels):
            weight_color = WEIGHT_COLORS[j % len(WEIGHT_COLORS)]
            data.append(
                {
                    "type": "scatter",
                    "x": f32(steps),
                    "y": f32(values[:, j]),
                    "mode": "lines",
                    "name": label,
                    "legendgroup": label,
                    "showlegend": i == 0,
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "line": {
                        "color": weight_color,
                        "width": look.line_width * (1.2 if j == 0 else 0.7),
                        "dash": WEIGHT_DASHES[j % len(WEIGHT_DASHES)],
                    },
                    "hovertemplate": f"{label}, step %{{x}}: %{{y:.4g}}<extra></extra>",
                }
            )
            if levels is not None and np.isfinite(levels[j]):
                shapes.append(
                    {
                        "type": "line",
                        "xref": f"x{suffix} domain",
                        "x0": 0,
                        "x1": 1,
                        "yref": f"y{suffix}",
                        "y0": float(levels[j]),
                        "y1": float(levels[j]),
                        "line": {"color": weight_color, "width": 1.5, "dash": "dot"},
                    }
                )
        axes_layout[f"xaxis{suffix}"] = {
            "domain": domains[i],
            "anchor": f"y{suffix}",
            "title": {"text": "step t"},
        }
        if shown_steps is not None:
            axes_layout[f"xaxis{suffix}"]["range"] = [0.5, shown_steps + 0.5]
        axes_layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "zeroline": True}
        if i < len(y_titles):
            axes_layout[f"yaxis{suffix}"]["title"] = {"text": y_titles[i]}
        titles.append(panel_title(title, domains[i], look, color))
    layout = base_layout(
        look,
        height=int(look.height * height),
        annotations=titles,
        shapes=shapes,
        margin={"l": 10, "r": 10, "t": 70, "b": 10},
        **axes_layout,
    )
    layout["legend"] = {**layout["legend"], "y": 1.14}
    return AnimatedFigure(data, layout)


def statistics_figure(
    grads,
    mean,
    second_moment,
    ratio,
    long_run: Sequence[np.ndarray],
    *,
    weight_labels: Sequence[str],
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The gradient series and Adam's running ŝ, r̂ and ŝ/√r̂ per weight (all (T, d)), with the
    long-run averages ⟨g⟩, ⟨g²⟩, ⟨g⟩/√⟨g²⟩ dotted (long_run: three arrays of shape (d,))."""
    long_mean, long_square, long_ratio = long_run
    return _weights_panels(
        [
            ("gradient g", grads, long_mean, None),
            ("running mean ŝ", mean, long_mean, None),
            ("running second moment r̂", second_moment, long_square, None),
            ("ratio ŝ / √r̂", ratio, long_ratio, None),
        ],
        weight_labels,
        shown_steps=STATISTICS_STEPS,
        look=look,
        height=0.55,
    )


def travel_figure(
    runs: Sequence[tuple[str, str, np.ndarray]],
    *,
    weight_labels: Sequence[str],
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """How far each optimizer has moved each weight downhill after t steps, in units of ε:
    Σ_{k ≤ t} (−Δw_k/ε). runs: (optimizer title, its colour, steps −Δw/ε of shape (T, d))."""
    return _weights_panels(
        [(title, np.cumsum(steps, axis=0), None, color) for title, color, steps in runs],
        weight_labels,
        y_titles=["distance moved / ε"],
        look=look,
        height=0.55,
    )
