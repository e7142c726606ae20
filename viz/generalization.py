"""Figures of the Generalization page: decision maps side by side, loss curves with the early
stop, batch-norm statistics. NumPy in, `go.Figure` out; contour maps of weight space reuse
`viz.networks.plane_figure`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz.figure import AnimatedFigure, f32
from viz.minibatches import panel_title
from viz.networks import CLASS_COLORS, DECISION_SCALE, VALIDATION_COLOR, plane_figure
from viz.theme import DEFAULT_LOOK, Look, base_layout

SPLIT_COLORS = {
    "training": CLASS_COLORS[0],
    "validation": VALIDATION_COLOR,
    "test": CLASS_COLORS[1],
}
SPLIT_DASH = {"training": "solid", "validation": "dot", "test": "dash"}


class Panel(NamedTuple):
    """One decision map: its title and the network's value on the grid (rows along ys)."""

    title: str
    values: np.ndarray


def maps_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    panels: Sequence[Panel],
    points: tuple[np.ndarray, np.ndarray],
    *,
    extra_points: np.ndarray | None = None,
    value_range: tuple[float, float] = (0.0, 1.0),
    value_title: str = "p(class 1)",
    columns: int | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Decision maps side by side (one heat map per panel, the decision boundary f = ½ or 0 as
    a black contour), each with the training points coloured by class; `extra_points` (grey,
    small) are e.g. the augmented copies."""
    count = len(panels)
    columns = columns or count
    rows = -(-count // columns)
    gap = 0.04
    width = (1 - gap * (columns - 1)) / columns
    height = (1 - 0.1 * (rows - 1)) / rows
    level = 0.5 * (value_range[0] + value_range[1])
    data, layout_axes, annotations = [], {}, []
    xy, labels = np.asarray(points[0], float), np.asarray(points[1]).astype(int)
    for i, panel in enumerate(panels):
        row, col = divmod(i, columns)
        suffix = "" if i == 0 else str(i + 1)
        x0 = col * (width + gap)
        y1 = 1 - row * (height + 0.1)
        layout_axes[f"xaxis{suffix}"] = {
            "domain": [x0, x0 + width],
            "range": [float(xs[0]), float(xs[-1])],
            "showgrid": False,
            "zeroline": False,
            "anchor": f"y{suffix}",
            "showticklabels": False,
        }
        layout_axes[f"yaxis{suffix}"] = {
            "domain": [max(y1 - height, 0.0), y1],
            "range": [float(ys[0]), float(ys[-1])],
            "showgrid": False,
            "zeroline": False,
            "anchor": f"x{suffix}",
            "scaleanchor": f"x{suffix}",
            "showticklabels": False,
        }
        annotations.append(panel_title(panel.title, (x0, x0 + width), look, y=y1))
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        values = np.asarray(panel.values, float)
        data.append(
            {
                "type": "heatmap",
                "x": f32(xs),
                "y": f32(ys),
                "z": f32(values),
                "zmin": value_range[0],
                "zmax": value_range[1],
                "colorscale": DECISION_SCALE,
                "showscale": i == count - 1,
                "colorbar": {"title": {"text": value_title}, "thickness": 12, "len": 0.8},
                "hovertemplate": "(%{x:.2f}, %{y:.2f}): " + value_title + " %{z:.2f}"
                "<extra></extra>",
                **axes,
            }
        )
        data.append(
            {
                "type": "contour",
                "x": f32(xs),
                "y": f32(ys),
                "z": f32(values),
                "contours": {"start": level, "end": level, "size": 1, "coloring": "none"},
                "line": {"color": look.foreground, "width": 2},
                "showscale": False,
                "showlegend": False,
                "hoverinfo": "skip",
                **axes,
            }
        )
        if extra_points is not None and len(extra_points):
            extra = np.asarray(extra_points, float)
            data.append(
                {
                    "type": "scatter",
                    "x": f32(extra[:, 0]),
                    "y": f32(extra[:, 1]),
                    "mode": "markers",
                    "name": "augmented copies",
                    "showlegend": False,
                    "marker": {"color": "rgba(120,120,120,0.45)", "size": 4},
                    "hoverinfo": "skip",
                    **axes,
                }
            )
        data.append(
            {
                "type": "scatter",
                "x": f32(xy[:, 0]),
                "y": f32(xy[:, 1]),
                "mode": "markers",
                "name": "training points",
                "showlegend": False,
                "marker": {
                    "color": np.asarray(CLASS_COLORS)[labels].tolist(),
                    "size": 6,
                    "line": {"color": look.background, "width": 0.6},
                },
                "hoverinfo": "skip",
                **axes,
            }
        )
    size = 300 if look.presentation else 250
    layout = base_layout(
        look,
        height=int(size * rows * (4 / max(columns, 1)) ** 0.3) + 60,
        annotations=annotations,
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        **layout_axes,
    )
    return AnimatedFigure(data, layout)


class Curve(NamedTuple):
    """One loss curve: a label, its split ("training", "validation", "test"), steps and values;
    `faint` draws it thin and light (a run to compare against)."""

    label: str
    split: str
    steps: np.ndarray
    values: np.ndarray
    faint: bool = False


def curves_figure(
    curves: Sequence[Curve],
    *,
    stop_step: int | None = None,
    best_step: int | None = None,
    y_title: str = "loss",
    log_y: bool = True,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Loss curves coloured by split (training solid, validation dotted, test dashed); the
    early stop as a vertical line at `stop_step` and the restored weights' step `best_step`."""
    data = []
    floor = 1e-12 if log_y else -np.inf
    for curve in curves:
        color = SPLIT_COLORS.get(curve.split, look.foreground)
        data.append(
            {
                "type": "scatter",
                "x": np.asarray(curve.steps, dtype=np.int32),
                "y": f32(np.maximum(np.asarray(curve.values, float), floor)),
                "name": curve.label,
                "mode": "lines",
                "opacity": 0.45 if curve.faint else 1.0,
                "line": {
                    "color": color,
                    "dash": SPLIT_DASH.get(curve.split, "solid"),
                    "width": look.line_width * (0.6 if curve.faint else 1.0),
                },
                "hovertemplate": f"step %{{x}}: {curve.label} %{{y:.4g}}<extra></extra>",
            }
        )
    shapes = []
    for step, dash, text in (
        (stop_step, "dash", "stop"),
        (best_step, "dot", "best weights"),
    ):
        if step is None:
            continue
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": step,
                "x1": step,
                "y0": 0,
                "y1": 1,
                "line": {"color": look.foreground, "width": 1.5, "dash": dash},
                "label": {"text": text, "textposition": "start", "font": {"size": look.font_size}},
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        xaxis={"title": {"text": "step"}},
        yaxis={
            "title": {"text": y_title},
            "type": "log" if log_y else "linear",
            "exponentformat": "power",
            # labels at 2 and 5 of each decade only: at presentation size every minor tick's
            # label ran into the next
            "dtick": "D2" if log_y else None,
        },
        shapes=shapes,
        hovermode="x unified",
    )
    return AnimatedFigure(data, layout)


def statistics_figure(
    batch_mean: np.ndarray,
    running_mean: np.ndarray,
    batch_var: np.ndarray,
    running_var: np.ndarray,
    *,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Per hidden unit: the batch's mean and variance of its pre-activation (training mode)
    next to the running averages that test time uses (eval mode)."""
    units = [f"unit {i + 1}" for i in range(len(batch_mean))]
    data = []
    for values, name, axis, color, pattern in (
        (batch_mean, "batch mean μ_B", "y", CLASS_COLORS[0], ""),
        (running_mean, "running mean μ̄", "y", CLASS_COLORS[0], "/"),
        (batch_var, "batch variance σ²_B", "y2", CLASS_COLORS[1], ""),
        (running_var, "running variance σ̄²", "y2", CLASS_COLORS[1], "/"),
    ):
        data.append(
            {
                "type": "bar",
                "x": units,
                "y": f32(values),
                "name": name,
                "yaxis": axis,
                "xaxis": "x" if axis == "y" else "x2",
                "marker": {"color": color, "pattern": {"shape": pattern}},
                "hovertemplate": f"%{{x}}: {name} %{{y:.4g}}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.55),
        barmode="group",
        xaxis={"domain": [0, 1], "anchor": "y", "showticklabels": False},
        yaxis={"domain": [0.55, 1.0], "title": {"text": "mean"}},
        xaxis2={"domain": [0, 1], "anchor": "y2"},
        yaxis2={"domain": [0.0, 0.45], "title": {"text": "variance"}},
    )
    return AnimatedFigure(data, layout)


def contour_panel(*args, height: int, **kwargs) -> go.Figure:
    """`viz.networks.plane_figure` at a given height and without its colour bar: for several
    maps side by side."""
    fig = plane_figure(*args, **kwargs)
    fig.update_traces(showscale=False, selector={"type": "contour"})
    fig.update_layout(height=height)
    return fig
