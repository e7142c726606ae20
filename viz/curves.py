"""Loss and distance to the minimum against the step, one line per optimizer.

Left panel: E(w_t) − E* on a log axis when the lowest loss E* is known (a linear E(w_t)
otherwise, e.g. on a saddle, where the loss has no floor). Right panel: ‖w_t − w*‖ on a log
axis, when a minimum w* is known. Values that reach exactly zero are drawn at `FLOOR` (a log
axis has no zero); a run that diverged ends with a cross at its last good step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.figure import AnimatedFigure, f32
from viz.paths import OptimizerPath
from viz.theme import DEFAULT_LOOK, Look, base_layout, optimizer_color, optimizer_line

FLOOR = 1e-16
_LEFT, _RIGHT = ("x", "y"), ("x2", "y2")


def _line(
    path: OptimizerPath, values: np.ndarray, axes: tuple[str, str], look: Look, legend: bool
) -> dict:
    x, y = axes
    return {
        "type": "scatter",
        "x": np.arange(len(values), dtype=np.int32),
        "y": f32(values),
        "xaxis": x,
        "yaxis": y,
        "name": path.label,
        "legendgroup": path.name,
        "showlegend": legend,
        "mode": "lines",
        "line": optimizer_line(path.name, look.line_width * 0.8),
        "hovertemplate": f"{path.label}<br>step %{{x}}: %{{y:.4g}}<extra></extra>",
    }


def _end_cross(path: OptimizerPath, value: float, axes: tuple[str, str], look: Look) -> dict:
    x, y = axes
    return {
        "type": "scatter",
        "x": [path.last_step],
        "y": [float(value)],
        "xaxis": x,
        "yaxis": y,
        "mode": "markers",
        "showlegend": False,
        "legendgroup": path.name,
        "marker": {
            "symbol": "x-thin",
            "size": look.marker_size + 4,
            "line": {"width": 3, "color": optimizer_color(path.name)},
        },
        "hovertemplate": f"{path.label} diverged at step {path.diverged_at}<extra></extra>",
    }


def curves_figure(
    paths: Sequence[OptimizerPath],
    *,
    reference_loss: float | None = None,
    distances: Mapping[str, np.ndarray] | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Loss (and, given `distances` keyed by optimizer name, distance to the minimum) per step."""
    both = bool(distances)
    data = []
    for path in paths:
        if reference_loss is None:
            loss = np.asarray(path.loss, dtype=float)
        else:
            loss = np.maximum(np.asarray(path.loss, dtype=float) - reference_loss, FLOOR)
        data.append(_line(path, loss, _LEFT, look, legend=True))
        if path.diverged_at is not None:
            data.append(_end_cross(path, loss[-1], _LEFT, look))
        if both and path.name in distances:
            distance = np.maximum(np.asarray(distances[path.name], dtype=float), FLOOR)
            data.append(_line(path, distance, _RIGHT, look, legend=False))
            if path.diverged_at is not None:
                data.append(_end_cross(path, distance[-1], _RIGHT, look))

    loss_title = "E(w) − E*" if reference_loss is not None else "E(w)"
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        xaxis={"title": {"text": "step"}, "domain": [0.0, 0.4] if both else [0.0, 1.0]},
        yaxis={
            "title": {"text": loss_title},
            "type": "log" if reference_loss is not None else "linear",
            "exponentformat": "power",
        },
    )
    if both:
        layout["xaxis2"] = {"title": {"text": "step"}, "domain": [0.6, 1.0], "anchor": "y2"}
        layout["yaxis2"] = {
            "title": {"text": "distance to minimum ‖w − w*‖"},
            "type": "log",
            "anchor": "x2",
            "exponentformat": "power",
        }
    return AnimatedFigure(data, layout)  # tested valid instead
