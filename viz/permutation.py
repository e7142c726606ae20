"""Figures of the permutation-symmetry page: hidden units as lines in input space, the merge
path and its saddle, the exchange of two units (animated), critical points, regions of lines.

Arrays in, Plotly figures out; nothing here computes a loss. A hidden unit keeps one colour
throughout (`unit_color`), so the eye can follow unit i as it travels to where unit j was.
Animated figures move only scatter traces (`redraw: False`); the loss map of the weight-space
panel is a layout image with scatter contour lines, which survive such an animation (see
`viz.isolines`).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.contour import colour_values
from viz.figure import AnimatedFigure, f32, typed_array
from viz.isolines import isolines
from viz.networks import hyperplane_segments
from viz.raster import banded_map
from viz.theme import DEFAULT_LOOK, Look, base_layout, map_axes

# Okabe & Ito's colour-blind-safe palette, black left out (it is the foreground ink).
UNIT_COLORS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#b8a000")
NEGATIVE_COLOR = "#d62728"
ZERO_COLOR = "#8c8c8c"
POSITIVE_COLOR = "#4a6fa5"
DATA_SCALE = [[0.0, "#f2f2f2"], [1.0, "#7f7f7f"]]  # teacher output, faint: the lines lead
BANDS = 20
FLOOR = 1e-16  # a zero on a log axis
LOSS_FLOOR = 1e-6  # critical points with E below this (global minima, E ≈ 0) are drawn here
PLOT_CONFIG = {"displaylogo": False}


def unit_color(k: int) -> str:
    """The colour of hidden unit k (cycling after seven units)."""
    return UNIT_COLORS[k % len(UNIT_COLORS)]


def _axis(title: str, **extra) -> dict:
    return {"title": {"text": title}, "zeroline": False, **extra}


def _data_points(inputs, targets, look: Look, axes=("x", "y")) -> dict:
    xy = np.asarray(inputs, float)
    return {
        "type": "scatter",
        "x": f32(xy[:, 0]),
        "y": f32(xy[:, 1]),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "mode": "markers",
        "name": "data (shade: teacher's output)",
        "marker": {
            "size": 6 if not look.presentation else 8,
            "color": f32(targets),
            "colorscale": DATA_SCALE,
            "line": {"width": 0},
        },
        "customdata": f32(targets),
        "hovertemplate": "(%{x:.2f}, %{y:.2f})<br>teacher: %{customdata:.3f}<extra></extra>",
    }


def _line_trace(segments, name, color, width, axes=("x", "y"), dash="solid", group=None) -> dict:
    return {
        "type": "scatter",
        "x": f32(segments[:, 0]),
        "y": f32(segments[:, 1]),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "mode": "lines",
        "name": name,
        "legendgroup": group or name,
        "line": {"color": color, "width": width, "dash": dash},
        "hoverinfo": "skip",
    }


def _moving(xy, axes) -> dict:
    """A frame's update of one scatter trace."""
    xy = np.asarray(xy, float).reshape(-1, 2)
    return {"type": "scatter", "x": typed_array(xy[:, 0]), "y": typed_array(xy[:, 1])}


# --- teacher and student ------------------------------------------------------------------


def teacher_student_figure(
    inputs,
    targets,
    teacher_planes,
    student_planes_FxNx3,
    steps,
    train_loss,
    order,
    box,
    *,
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """Input space with the teacher's units (wide pale bands) and the student's (lines) as it
    trains, and the training loss with the current step marked; Play animates the training.

    order[k] is the student unit matched to teacher unit k: both are drawn in colour k, so a
    student that found the teacher has every line inside the band of its colour."""
    planes = np.asarray(student_planes_FxNx3, float)
    steps = np.asarray(steps)
    order = np.asarray(order)
    n = planes.shape[1]
    role = np.empty(n, dtype=int)
    role[order] = np.arange(n)  # student unit i plays teacher unit role[i]
    teacher = np.asarray(teacher_planes, float)
    last = len(steps) - 1
    width = look.line_width
    data = [_data_points(inputs, targets, look)]
    for k in range(n):
        band = _line_trace(
            hyperplane_segments(teacher[k : k + 1], box),
            f"teacher unit {k + 1} (wide band)",
            unit_color(k),
            width * 4.0,
            group=f"unit{k}",
        )
        band["opacity"] = 0.35
        data.append(band)
    moving = []
    for i in range(n):
        moving.append(len(data))
        data.append(
            _line_trace(
                hyperplane_segments(planes[last, i : i + 1], box),
                f"student unit {i + 1} → teacher {role[i] + 1}",
                unit_color(role[i]),
                width * 1.2,
                group=f"unit{role[i]}",
            )
        )
    loss = np.maximum(np.asarray(train_loss, float), FLOOR)
    data.append(
        {
            "type": "scatter",
            "x": np.arange(len(loss), dtype=np.int32),
            "y": f32(loss),
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "lines",
            "name": "training loss E",
            "showlegend": False,
            "line": {"color": look.foreground, "width": width * 0.7},
            "hovertemplate": "step %{x}: E = %{y:.3g}<extra></extra>",
        }
    )
    marker_index = len(data)
    data.append(
        {
            "type": "scatter",
            "x": [int(steps[last])],
            "y": [float(loss[steps[last]])],
            "xaxis": "x2",
            "yaxis": "y2",
            "mode": "markers",
            "showlegend": False,
            "marker": {"size": look.marker_size + 2, "color": NEGATIVE_COLOR},
            "hoverinfo": "skip",
        }
    )
    xaxis, yaxis = map_axes(box[0], box[1], ("x₁", "x₂"))
    layout = base_layout(
        look,
        height=look.height,
        xaxis={**xaxis, "domain": [0.0, 0.6]},
        yaxis=yaxis,
        xaxis2=_axis("Adam step", domain=[0.7, 1.0], anchor="y2"),
        yaxis2=_axis("E (log scale)", type="log", anchor="x2", domain=[0.25, 0.85]),
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "b": 110}
    segments = hyperplane_segments(planes, box)  # (F, 3n, 2)
    frames = [
        {
            "name": str(f),
            "data": [_moving(segments[f, 3 * i : 3 * i + 3], ("x", "y")) for i in range(n)]
            + [_moving([[steps[f], loss[steps[f]]]], ("x2", "y2"))],
            "traces": [*moving, marker_index],
        }
        for f in range(len(steps))
    ]
    controls = animation.labelled_controls([str(int(s)) for s in steps], look, "Adam step ")
    controls["sliders"][0]["active"] = last
    return AnimatedFigure(data, layout, frames, controls)


# --- the merge path -----------------------------------------------------------------------


def profile_figure(
    position,
    loss,
    line_position=None,
    line_loss=None,
    *,
    jumps=(),
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """E along the exchange: s = −d coming from the minimum, 0 at the permutation point, +d
    going into the permuted minimum; the straight line drawn against the same distance."""
    position, loss = np.asarray(position, float), np.asarray(loss, float)
    width = look.line_width
    data = [
        {
            "type": "scatter",
            "x": f32(position),
            "y": f32(loss),
            "mode": "lines+markers",
            "name": "merge path: other weights re-optimised at each d",
            "line": {"color": POSITIVE_COLOR, "width": width},
            "marker": {"size": width + 2, "color": POSITIVE_COLOR},
            "hovertemplate": "d = %{x:.3f}<br>E = %{y:.4g}<extra></extra>",
        }
    ]
    if line_position is not None:
        data.append(
            {
                "type": "scatter",
                "x": f32(line_position),
                "y": f32(line_loss),
                "mode": "lines",
                "name": "straight line: the pair moves, nothing else",
                "line": {"color": NEGATIVE_COLOR, "width": width, "dash": "dash"},
                "hovertemplate": "d = %{x:.3f}<br>E = %{y:.4g}<extra></extra>",
            }
        )
    middle = int(np.argmin(np.abs(position)))
    ends = [0, len(position) - 1]
    data.append(
        {
            "type": "scatter",
            "x": f32(position[ends]),
            "y": f32(loss[ends]),
            "mode": "markers+text",
            "name": "minimum and its permuted copy",
            "text": ["θ*", "P θ*"],
            "textposition": "top center",
            "marker": {"symbol": "star", "size": look.marker_size + 6, "color": look.foreground},
            "hoverinfo": "skip",
        }
    )
    data.append(
        {
            "type": "scatter",
            "x": [float(position[middle])],
            "y": [float(loss[middle])],
            "mode": "markers+text",
            "name": "permutation point (d = 0)",
            "text": ["saddle"],
            "textposition": "top center",
            "marker": {"symbol": "x", "size": look.marker_size + 6, "color": NEGATIVE_COLOR},
            "hoverinfo": "skip",
        }
    )
    if len(jumps):
        jumps = np.asarray(jumps, int)
        data.append(
            {
                "type": "scatter",
                "x": f32(position[jumps]),
                "y": f32(loss[jumps]),
                "mode": "markers",
                "name": "jump: the other weights rearrange",
                "marker": {
                    "symbol": "diamond-open",
                    "size": look.marker_size + 4,
                    "color": look.foreground,
                    "line": {"width": 2},
                },
                "hoverinfo": "skip",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.62),
        xaxis=_axis("signed distance s between the two units (−d before the exchange, +d after)"),
        yaxis=_axis("loss E"),
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "t": 70}
    return go.Figure(data=data, layout=layout)


def eigenvalue_figure(eigenvalues, zero_tol: float, *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """The Hessian's eigenvalues as |λ| on a log axis, coloured by sign: negative (downhill
    directions), zero (|λ| ≤ zero_tol, flat directions, drawn at the bottom), positive."""
    values = np.sort(np.asarray(eigenvalues, float))
    zero = np.abs(values) <= zero_tol
    floor = max(zero_tol, 1e-300) / 10.0
    kinds = (
        ("negative", values < -zero_tol, NEGATIVE_COLOR),
        ("zero", zero, ZERO_COLOR),
        ("positive", values > zero_tol, POSITIVE_COLOR),
    )
    data = []
    rank = np.arange(1, len(values) + 1)
    for name, mask, color in kinds:
        if not np.any(mask):
            continue
        data.append(
            {
                "type": "bar",
                "x": rank[mask].astype(np.int32),
                "y": f32(np.where(zero[mask], floor, np.abs(values[mask]))),
                "base": f32(np.full(int(mask.sum()), floor)),
                "name": f"{name} ({int(mask.sum())})",
                "marker": {"color": color},
                "customdata": f32(values[mask]),
                "hovertemplate": "λ = %{customdata:.3g}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.5),
        xaxis=_axis("eigenvalue, smallest first", dtick=1),
        yaxis=_axis("|λ| (log scale)", type="log"),
        barmode="overlay",
        bargap=0.25,
    )
    layout["margin"] = {**layout["margin"], "t": 60}
    return go.Figure(data=data, layout=layout)


# --- the exchange, animated ---------------------------------------------------------------


def _loss_map(alphas, betas, Z, look: Look) -> tuple[dict, dict]:
    """The plane's loss as a layout image (log colours) and its contour lines (trace)."""
    colour, _ = colour_values(Z, log_color=True)
    image, edges = banded_map(alphas, betas, colour, look.contour_colorscale, BANDS)
    xy = f32(isolines(alphas, betas, colour, edges[1:-1]))
    lines = {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "mode": "lines",
        "name": "contours of E",
        "showlegend": False,
        "line": {"color": look.contour_line_color, "width": 0.8},
        "hoverinfo": "skip",
    }
    return image, lines


def exchange_figure(
    alphas,
    betas,
    plane_loss,
    path_xy,
    position,
    loss,
    unit_planes_FxNx3,
    pair,
    inputs,
    targets,
    box,
    *,
    line_position=None,
    line_loss=None,
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """The exchange of units i and j, in three linked panels, animated in the browser.

    Top left, weight space: the loss on the plane through θ* (−1, 0), its permuted copy (1, 0)
    and the permutation point (0, 1), with the path projected onto it. Top right, input space:
    every unit's line; i and j slide together, coincide and pass on into each other's place.
    Bottom: the loss along the way against s (−d, then +d), the straight line for contrast.
    path_xy (F, 2), position (F,), loss (F,) and unit_planes (F, n, 3) have one row per frame."""
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    path_xy = np.asarray(path_xy, float)
    position, loss = np.asarray(position, float), np.asarray(loss, float)
    planes = np.asarray(unit_planes_FxNx3, float)
    frames_count, n = planes.shape[:2]
    i, j = pair
    width = look.line_width
    image, contours = _loss_map(alphas, betas, np.asarray(plane_loss, float), look)
    start = 0
    data = [
        contours,
        {
            "type": "scatter",
            "x": [-1.0, 1.0],
            "y": [0.0, 0.0],
            "mode": "lines",
            "name": "straight line",
            "legendgroup": "line",
            "line": {"color": NEGATIVE_COLOR, "width": width * 0.8, "dash": "dash"},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": f32(path_xy[:, 0]),
            "y": f32(path_xy[:, 1]),
            "mode": "lines",
            "name": "merge path (projected)",
            "legendgroup": "path",
            "line": {"color": POSITIVE_COLOR, "width": width},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": [-1.0, 1.0, 0.0],
            "y": [0.0, 0.0, 1.0],
            "mode": "markers+text",
            "text": ["θ*", "P θ*", "permutation point"],
            "textposition": ["middle left", "middle right", "top center"],
            "showlegend": False,
            "marker": {
                "symbol": ["star", "star", "x"],
                "size": look.marker_size + 6,
                "color": [look.foreground, look.foreground, NEGATIVE_COLOR],
            },
            "hoverinfo": "skip",
        },
    ]
    here_plane = len(data)
    data.append(
        {
            "type": "scatter",
            "x": [float(path_xy[start, 0])],
            "y": [float(path_xy[start, 1])],
            "mode": "markers",
            "name": "now",
            "showlegend": False,
            "marker": {
                "size": look.marker_size + 6,
                "color": "#ffd400",
                "line": {"color": look.foreground, "width": 2},
            },
            "hoverinfo": "skip",
        }
    )
    data.append(_data_points(inputs, targets, look, ("x2", "y2")))
    data[-1]["showlegend"] = False
    unit_traces = []
    segments = hyperplane_segments(planes, box)  # (F, 3n, 2)
    for k in range(n):
        unit_traces.append(len(data))
        paired = k in (i, j)
        data.append(
            _line_trace(
                segments[start, 3 * k : 3 * k + 3],
                f"unit {k + 1}" + (" (exchanged)" if paired else ""),
                unit_color(k),
                width * (1.6 if paired else 0.9),
                axes=("x2", "y2"),
            )
        )
    data.append(
        {
            "type": "scatter",
            "x": f32(position),
            "y": f32(loss),
            "xaxis": "x3",
            "yaxis": "y3",
            "mode": "lines",
            "name": "E along the merge path",
            "legendgroup": "path",
            "showlegend": False,
            "line": {"color": POSITIVE_COLOR, "width": width},
            "hovertemplate": "s = %{x:.3f}<br>E = %{y:.4g}<extra></extra>",
        }
    )
    if line_position is not None:
        data.append(
            {
                "type": "scatter",
                "x": f32(line_position),
                "y": f32(line_loss),
                "xaxis": "x3",
                "yaxis": "y3",
                "mode": "lines",
                "name": "E along the straight line",
                "legendgroup": "line",
                "showlegend": False,
                "line": {"color": NEGATIVE_COLOR, "width": width * 0.8, "dash": "dash"},
                "hovertemplate": "s = %{x:.3f}<br>E = %{y:.4g}<extra></extra>",
            }
        )
    here_profile = len(data)
    data.append(
        {
            "type": "scatter",
            "x": [float(position[start])],
            "y": [float(loss[start])],
            "xaxis": "x3",
            "yaxis": "y3",
            "mode": "markers",
            "showlegend": False,
            "marker": {
                "size": look.marker_size + 4,
                "color": "#ffd400",
                "line": {"color": look.foreground, "width": 2},
            },
            "hoverinfo": "skip",
        }
    )
    top = [0.36, 1.0]
    input_x, input_y = map_axes(box[0], box[1], ("x₁", "x₂"), anchor="x2")
    layout = base_layout(
        look,
        height=int(look.height * 1.25),
        # α and β count the plane's two spanning vectors, which differ in length: the weight
        # plane has no common unit, so it is not drawn to scale (not a `map_axes` map)
        xaxis=_axis("α  (θ* → P θ*)", domain=[0.0, 0.46], range=[alphas[0], alphas[-1]]),
        yaxis=_axis("β  (→ permutation point)", domain=top, range=[betas[0], betas[-1]]),
        xaxis2={**input_x, "domain": [0.54, 1.0], "anchor": "y2"},
        yaxis2={**input_y, "domain": top, "anchor": "x2"},
        xaxis3=_axis("s: −d on the way in, +d on the way out", domain=[0.0, 1.0], anchor="y3"),
        yaxis3=_axis("E", domain=[0.0, 0.24], anchor="x3"),
        hovermode="closest",
        images=[image],
        annotations=[
            {
                "text": "<b>weight space</b> (a plane through θ*, P θ*, saddle)",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.0,
                "y": 1.04,
                "xanchor": "left",
            },
            {
                "text": "<b>input space</b> (each unit is a line)",
                "showarrow": False,
                "xref": "paper",
                "yref": "paper",
                "x": 0.54,
                "y": 1.04,
                "xanchor": "left",
            },
        ],
    )
    layout["margin"] = {**layout["margin"], "t": 90, "b": 110}
    layout["legend"] = {**layout["legend"], "y": 1.08}
    labels = [
        ("before" if s < 0 else "after" if s > 0 else "at") + f" the exchange, d = {abs(s):.2f}"
        for s in position
    ]
    frames = [
        {
            "name": str(f),
            "data": [_moving(path_xy[f], ("x", "y"))]
            + [_moving(segments[f, 3 * k : 3 * k + 3], ("x2", "y2")) for k in range(n)]
            + [_moving([[position[f], loss[f]]], ("x3", "y3"))],
            "traces": [here_plane, *unit_traces, here_profile],
        }
        for f in range(frames_count)
    ]
    return AnimatedFigure(data, layout, frames, animation.labelled_controls(labels, look, ""))


# --- critical points ----------------------------------------------------------------------


def critical_figure(
    downhill_fraction,
    loss,
    grad_norm,
    critical,
    *,
    saddle_loss: float | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Loss (log axis) against the fraction of downhill directions (negative Hessian
    eigenvalues k over the number of weights N; k itself is the index) of the points
    found by minimising ‖∇E‖²: filled where ‖∇E‖ ≈ 0 (critical points), open where it stayed
    clearly above (flat regions), coloured by log₁₀‖∇E‖. E below `LOSS_FLOOR` (the global
    minima, E ≈ 0) is drawn at the floor."""
    fraction, loss = np.asarray(downhill_fraction, float), np.asarray(loss, float)
    grad_norm, critical = np.asarray(grad_norm, float), np.asarray(critical, bool)
    log_grad = np.log10(np.maximum(grad_norm, 1e-18))
    color_range = (-18.0, max(0.0, float(np.max(log_grad, initial=0.0))))
    data = []
    for name, mask, symbol in (
        ("critical point (‖∇E‖ ≈ 0)", critical, "circle"),
        ("flat region, not critical", ~critical, "circle-open"),
    ):
        if not np.any(mask):
            continue
        data.append(
            {
                "type": "scatter",
                "x": f32(fraction[mask]),
                "y": f32(np.maximum(loss[mask], LOSS_FLOOR)),
                "mode": "markers",
                "name": name,
                "customdata": np.stack([grad_norm[mask], loss[mask]], axis=1).astype(np.float32),
                "marker": {
                    "symbol": symbol,
                    "size": look.marker_size + 3,
                    "color": f32(log_grad[mask]),
                    "cmin": color_range[0],
                    "cmax": color_range[1],
                    "colorscale": "Viridis",
                    "line": {"width": 2 if symbol.endswith("open") else 0.5},
                    "showscale": name.startswith("critical"),
                    "colorbar": {
                        "title": {"text": "log₁₀ ‖∇E‖", "side": "right"},
                        "thickness": 14,
                        "len": 0.8,
                    },
                },
                "hovertemplate": "downhill fraction k/N %{x:.3f}<br>E = %{customdata[1]:.4g}"
                "<br>‖∇E‖ = %{customdata[0]:.2g}<extra></extra>",
            }
        )
    if not any(t["marker"]["showscale"] for t in data) and data:
        data[0]["marker"]["showscale"] = True
    layout = base_layout(
        look,
        height=int(look.height * 0.8),
        xaxis=_axis(
            "fraction of downhill directions k/N (k negative eigenvalues of N)",
            range=[-0.03, float(np.max(fraction, initial=0.0)) + 0.05],  # whole markers at 0
        ),
        yaxis=_axis("loss E (log scale; E ≈ 0 drawn at 10⁻⁶)", type="log"),
        hovermode="closest",
    )
    if saddle_loss is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": max(saddle_loss, LOSS_FLOOR),
                "y1": max(saddle_loss, LOSS_FLOOR),
                "line": {"color": NEGATIVE_COLOR, "width": 1.5, "dash": "dot"},
            }
        ]
        layout["annotations"] = [
            {
                "text": "the merge path's permutation saddle",
                "xref": "paper",
                "x": 0.02,
                "xanchor": "left",
                "yref": "y",
                "y": float(np.log10(max(saddle_loss, LOSS_FLOOR))),  # a log axis: log₁₀ units
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"color": NEGATIVE_COLOR},
            }
        ]
    layout["margin"] = {**layout["margin"], "t": 60}
    return go.Figure(data=data, layout=layout)


# --- regions cut by lines -----------------------------------------------------------------

REGION_COLORS = (
    "#cfe2f3",
    "#fce5cd",
    "#d9ead3",
    "#ead1dc",
    "#fff2cc",
    "#d0e0e3",
    "#f4cccc",
    "#d9d2e9",
    "#e6e6e6",
    "#c9daf8",
)


def region_colours(region_ids, palette: int = len(REGION_COLORS)) -> np.ndarray:
    """A colour index per region such that regions sharing an edge of the grid differ
    (greedy colouring in order of region number; a map of lines needs only two colours, so
    `palette` colours always suffice, and the spare ones spread the tints)."""
    ids = np.asarray(region_ids)
    count = int(ids.max()) + 1 if ids.size else 0
    # neighbours across the grid's edges, each unordered pair once (as lo · count + hi)
    a = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()]).astype(np.int64)
    b = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()]).astype(np.int64)
    differ = a != b
    a, b = a[differ], b[differ]
    lows, highs = np.divmod(np.unique(np.minimum(a, b) * count + np.maximum(a, b)), count)
    neighbours = [[] for _ in range(count)]
    for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True):
        neighbours[lo].append(hi)
        neighbours[hi].append(lo)
    colour = [-1] * count
    for region in range(count):
        taken = {colour[m] for m in neighbours[region]}
        # cycle the starting colour so that equal tints do not cluster
        colour[region] = next(
            c for c in ((region + k) % palette for k in range(palette)) if c not in taken
        )
    return np.array(colour, dtype=int)


def regions_figure(xs, ys, region_ids, lines, box, *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """Input space cut into regions by the lines aₖx + bₖy + cₖ = 0: neighbouring regions in
    different pale tints, the lines on top."""
    ids = np.asarray(region_ids)
    palette = len(REGION_COLORS)
    scale = []
    for k, color in enumerate(REGION_COLORS):
        scale += [[k / palette, color], [(k + 1) / palette, color]]
    lines = np.asarray(lines, float).reshape(-1, 3)
    segments = hyperplane_segments(lines, box)
    data = [
        {
            "type": "heatmap",
            "x": f32(xs),
            "y": f32(ys),
            "z": region_colours(ids, palette)[ids].astype(np.int8),
            "zmin": -0.5,
            "zmax": palette - 0.5,
            "colorscale": scale,
            "showscale": False,
            "hoverinfo": "skip",
        },
        _line_trace(segments, "hidden units (lines)", look.foreground, look.line_width * 0.8),
    ]
    xaxis, yaxis = map_axes(box[0], box[1], ("x₁", "x₂"))
    layout = base_layout(
        look,
        height=look.height,
        xaxis=xaxis,
        yaxis=yaxis,
        showlegend=False,
    )
    return go.Figure(data=data, layout=layout)


def region_count_figure(ns, counts: dict, *, highlight=None, look: Look = DEFAULT_LOOK):
    """Regions against the number of hyperplanes n, one line per labelled series of counts
    (e.g. d = 1, 2, 3 and 2ⁿ), on a log axis; `highlight` = (n, count) marks the current n."""
    ns = np.asarray(ns)
    data = [
        {
            "type": "scatter",
            "x": ns.astype(np.int32),
            "y": f32(values),
            "mode": "lines+markers",
            "name": label,
            "line": {"width": look.line_width * 0.8, "color": UNIT_COLORS[k % len(UNIT_COLORS)]},
            "hovertemplate": f"{label}<br>n = %{{x}}: %{{y:,.0f}} regions<extra></extra>",
        }
        for k, (label, values) in enumerate(counts.items())
    ]
    if highlight is not None:
        data.append(
            {
                "type": "scatter",
                "x": [int(highlight[0])],
                "y": [float(highlight[1])],
                "mode": "markers",
                "name": "these lines",
                "marker": {
                    "size": look.marker_size + 6,
                    "color": NEGATIVE_COLOR,
                    "symbol": "circle-open",
                    "line": {"width": 3},
                },
                "hoverinfo": "skip",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.62),
        xaxis=_axis("n hyperplanes (hidden units)", dtick=5),
        yaxis=_axis("regions (log scale)", type="log"),
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "t": 70}
    return go.Figure(data=data, layout=layout)
