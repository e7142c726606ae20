"""The loss surface in 3-D with every optimizer's path lying on it.

The grid is thinned to at most `MAX_GRID`² points (a 3-D surface costs more to draw than a
contour). With a log colour scale the height is log₁₀(E − E_min + c) too, as in the contour
(`viz.contour.colour_values`), so a deep narrow valley stays visible; paths use the same
transform of their own losses, lifted a little so the surface does not hide them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.contour import colour_values, log_transform
from viz.figure import AnimatedFigure, f32
from viz.paths import OptimizerPath
from viz.theme import DEFAULT_LOOK, Look, base_layout, optimizer_line

MAX_GRID = 80
LIFT = 0.01  # of the height range


def surface_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    Z: np.ndarray,
    paths: Sequence[OptimizerPath],
    *,
    look: Look = DEFAULT_LOOK,
    log_color: bool = False,
    minima: Sequence = (),
) -> go.Figure:
    """3-D surface of Z over (xs, ys) with the `paths` drawn on it and the `minima` marked."""
    xs, ys, Z = np.asarray(xs, float), np.asarray(ys, float), np.asarray(Z, float)
    ix = np.unique(np.linspace(0, len(xs) - 1, min(len(xs), MAX_GRID)).round().astype(int))
    iy = np.unique(np.linspace(0, len(ys) - 1, min(len(ys), MAX_GRID)).round().astype(int))
    heights, colorbar = colour_values(Z, log_color)
    heights = heights[np.ix_(iy, ix)]

    def height_of(loss):
        return log_transform(loss, Z) if log_color else np.asarray(loss, dtype=float)

    finite = heights[np.isfinite(heights)]
    lift = LIFT * (float(np.ptp(finite)) if finite.size else 1.0)
    data = [
        {
            "type": "surface",
            "x": f32(xs[ix]),
            "y": f32(ys[iy]),
            "z": f32(heights),
            "colorscale": look.contour_colorscale,
            "showscale": False,
            "opacity": 0.92,
            "hoverinfo": "skip",
            "contours": {"z": {"show": True, "usecolormap": True, "project": {"z": False}}},
        }
    ]
    for path in paths:
        xy = f32(path.params)
        data.append(
            {
                "type": "scatter3d",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "z": f32(height_of(path.loss) + lift),
                "mode": "lines",
                "name": path.label,
                "line": optimizer_line(path.name, look.line_width * 2),
                "hovertemplate": f"{path.label}<br>(%{{x:.3g}}, %{{y:.3g}})<extra></extra>",
            }
        )
    if len(minima):
        points = np.reshape(np.asarray(minima, float), (-1, 2))
        # heights of the minima: the nearest grid values (the figure draws, it does not compute)
        jx = np.abs(xs[None, :] - points[:, :1]).argmin(axis=1)
        jy = np.abs(ys[None, :] - points[:, 1:]).argmin(axis=1)
        data.append(
            {
                "type": "scatter3d",
                "x": f32(points[:, 0]),
                "y": f32(points[:, 1]),
                "z": f32(height_of(Z[jy, jx]) + lift),
                "mode": "markers",
                "name": "minimum",
                "marker": {"symbol": "diamond", "size": 6, "color": look.foreground},
            }
        )
    z_title = colorbar["title"]["text"].replace(", log scale", " (log scale)")
    layout = base_layout(
        look,
        height=look.height,
        scene={
            "xaxis": {"title": {"text": "x"}},
            "yaxis": {"title": {"text": "y"}},
            "zaxis": {"title": {"text": z_title}, "showticklabels": not log_color},
            "aspectmode": "manual",
            "aspectratio": {"x": 1.0, "y": 1.0, "z": 0.7},
            "camera": {"eye": {"x": 1.05, "y": -1.15, "z": 0.75}},
        },
    )
    return AnimatedFigure(data, layout)  # tested valid instead
