"""Figures of the depth page: regions carved by hyperplanes, XOR, local against distributed,
linear regions of shallow and deep nets, No Free Lunch.

Arrays in, Plotly figures out; nothing here computes a count or trains a net.

* `tilt_figure` — lines and the regions they cut (each region its own tint), animated over
  the lecture's tilts (Plotly frames; a frame per number of tilted lines, its count in the
  slider's label);
* `planes_figure` — planes in 3-D clipped to a box, tilted ones coloured, vertical ones grey;
* `tilt_count_figure` — regions after each tilt, counted against the closed form;
* `maps_figure` — small multiples of 2-D maps: a class map or a map of regions, with lines,
  prototypes and data on top (XOR, decision maps, Voronoi cells, linear regions);
* `nfl_figure` — off-training-set accuracy per learner, over all problems and structured ones.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.figure import AnimatedFigure, f32, typed_form
from viz.minibatches import panel_title
from viz.networks import CLASS_COLORS, hyperplane_segments
from viz.permutation import REGION_COLORS, UNIT_COLORS, region_colours
from viz.theme import DEFAULT_LOOK, Look, base_layout

CLASS_TINTS = ("#c6dbef", "#fdd9a8")  # pale class 0 / class 1 for maps under data
CROSSING_COLOR = "#d62728"
EDGE_COLOR = "rgba(40,40,40,0.55)"
TILT_FRAME_MS = 700


def _region_scale() -> list:
    palette = len(REGION_COLORS)
    scale = []
    for k, color in enumerate(REGION_COLORS):
        scale += [[k / palette, color], [(k + 1) / palette, color]]
    return scale


def region_tints(region_ids) -> np.ndarray:
    """A palette index per grid point, neighbouring regions in different tints (int8)."""
    ids = np.asarray(region_ids)
    return region_colours(ids, len(REGION_COLORS))[ids].astype(np.int8)


def _square_axes(box, look: Look, suffix: str = "", anchor: str = "") -> tuple[dict, dict]:
    (x0, x1), (y0, y1) = box
    x = {"range": [x0, x1], "title": {"text": "x₁"}, "constrain": "domain", "zeroline": False}
    y = {
        "range": [y0, y1],
        "title": {"text": "x₂"},
        "scaleanchor": anchor or f"x{suffix}",
        "constrain": "domain",
        "showgrid": False,
        "zeroline": False,
    }
    return x, y


# --- lines and their regions, tilted one by one ---------------------------------------------


def tilt_figure(
    xs,
    ys,
    region_ids_TxHxW,
    lines_TxNx3,
    counts: Sequence[int],
    crossings: Sequence[np.ndarray],
    box,
    *,
    active: int,
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """The plane cut by lines, one frame per state t = 0 … T − 1 (t lines tilted): region map
    (region_ids (T, H, W)), the lines (T, N, 3) and the crossing points that the last tilt
    made (a list of (m, 2)); the slider's labels carry each state's region count. The figure
    itself shows state `active`. Given only the active state's map (region_ids (H, W)), the
    figure has the animation's controls but no frames (`plotly_chart(frames_on_request=True)`
    asks for them)."""
    region_ids = np.asarray(region_ids_TxHxW)
    lines = np.asarray(lines_TxNx3, float)
    states = len(lines)
    if region_ids.ndim == 2:  # the active state's map alone: no frames
        tints = {active: region_tints(region_ids)}
    else:
        tints = dict(enumerate(region_tints(ids) for ids in region_ids))
    segments = f32(hyperplane_segments(lines, box))  # (T, 3N, 2)
    dots = [f32(np.asarray(c, float).reshape(-1, 2)) for c in crossings]
    heat = {
        "type": "heatmap",
        "x": f32(xs),
        "y": f32(ys),
        "z": typed_form(tints[active]),
        "zmin": -0.5,
        "zmax": len(REGION_COLORS) - 0.5,
        "colorscale": _region_scale(),
        "showscale": False,
        "hoverinfo": "skip",
    }
    line_trace = {
        "type": "scatter",
        "x": segments[active, :, 0],
        "y": segments[active, :, 1],
        "mode": "lines",
        "name": "hidden units (lines)",
        "line": {"color": look.foreground, "width": look.line_width * 0.8},
        "hoverinfo": "skip",
    }
    dot_trace = {
        "type": "scatter",
        "x": dots[active][:, 0],
        "y": dots[active][:, 1],
        "mode": "markers",
        "name": "new crossings",
        "marker": {"color": CROSSING_COLOR, "size": look.marker_size * 0.8},
        "hoverinfo": "skip",
    }
    x_axis, y_axis = _square_axes(box, look)
    layout = base_layout(
        look, height=int(look.height * 0.8), xaxis=x_axis, yaxis=y_axis, showlegend=True
    )
    layout["margin"] = {**layout["margin"], "b": 90}
    data = [heat, line_trace, dot_trace]
    if states < 2:
        return AnimatedFigure(data, layout)
    controls = copy.deepcopy(animation.controls(np.arange(states), look))
    play = controls["updatemenus"][0]["buttons"][0]["args"][1]
    play["frame"] = {"duration": TILT_FRAME_MS, "redraw": True}  # time to see each tilt
    slider = controls["sliders"][0]
    slider["active"] = int(active)
    slider["currentvalue"]["prefix"] = "tilted: "
    for t, step in enumerate(slider["steps"]):
        step["args"][1]["frame"]["redraw"] = True
        step["label"] = f"{t} → {counts[t]} regions"
    frames = [
        {
            "name": str(t),
            "data": [
                {"type": "heatmap", "z": typed_form(tints[t])},
                {
                    "type": "scatter",
                    "x": typed_form(np.ascontiguousarray(segments[t, :, 0])),
                    "y": typed_form(np.ascontiguousarray(segments[t, :, 1])),
                },
                {
                    "type": "scatter",
                    "x": typed_form(np.ascontiguousarray(dots[t][:, 0])),
                    "y": typed_form(np.ascontiguousarray(dots[t][:, 1])),
                },
            ],
            "traces": [0, 1, 2],
        }
        for t in range(states)
        if len(tints) == states
    ]
    return AnimatedFigure(data, layout, frames, controls)


def points_figure(points, box, count: int, *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """1-D: hyperplanes are points on a line, cutting it into intervals (alternating tints)."""
    points = np.sort(np.asarray(points, float).ravel())
    (x0, x1) = box
    edges = np.concatenate([[x0], points[(points > x0) & (points < x1)], [x1]])
    data = [
        {
            "type": "scatter",
            "x": [float(a), float(b)],
            "y": [0.0, 0.0],
            "mode": "lines",
            "line": {"color": UNIT_COLORS[k % len(UNIT_COLORS)], "width": 14},
            "hovertemplate": f"interval {k + 1} of {count}<extra></extra>",
            "showlegend": False,
        }
        for k, (a, b) in enumerate(zip(edges[:-1], edges[1:], strict=True))
    ]
    data.append(
        {
            "type": "scatter",
            "x": f32(points),
            "y": np.zeros(len(points), np.float32),
            "mode": "markers",
            "name": "hidden units (points)",
            "marker": {
                "symbol": "line-ns",
                "size": 34,
                "line": {"width": 3, "color": look.foreground},
            },
            "hoverinfo": "skip",
        }
    )
    layout = base_layout(
        look,
        height=200 if not look.presentation else 260,
        xaxis={"range": [x0, x1], "title": {"text": "x"}, "zeroline": False},
        yaxis={"visible": False, "range": [-1, 1]},
        showlegend=False,
    )
    return AnimatedFigure(data, layout)  # tested valid instead


def plane_polygon(plane, box) -> np.ndarray:
    """The convex polygon where the plane a·x + c = 0 (row (a₁, a₂, a₃, c)) cuts the box
    ((lo, hi) per axis): its corners (m, 3) in order around it (m = 0 when it misses)."""
    plane = np.asarray(plane, float)
    a, c = plane[:3], plane[3]
    corners = np.array(np.meshgrid(*box, indexing="ij")).reshape(3, -1).T  # 8 corners
    values = corners @ a + c
    points = [corners[i] for i in range(8) if values[i] == 0]
    for i in range(8):
        for j in range(i + 1, 8):
            if np.count_nonzero(corners[i] != corners[j]) == 1 and values[i] * values[j] < 0:
                t = values[i] / (values[i] - values[j])
                points.append(corners[i] + t * (corners[j] - corners[i]))
    if len(points) < 3:
        return np.zeros((0, 3))
    points = np.unique(np.round(np.array(points), 12), axis=0)
    basis = np.linalg.svd(a[None, :])[2][1:]
    flat = (points - points.mean(0)) @ basis.T
    return points[np.argsort(np.arctan2(flat[:, 1], flat[:, 0]))]


def planes_figure(planes, tilted, box, *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """Planes a·x + c = 0 (rows (a₁, a₂, a₃, c)) cut to a 3-D box; `tilted` (bool per plane)
    colours the tilted ones, the vertical ones grey (seen from above they are lines)."""
    data = []
    for k, (plane, is_tilted) in enumerate(zip(np.asarray(planes, float), tilted, strict=True)):
        corners = plane_polygon(plane, box)
        if not len(corners):
            continue
        fan = np.arange(1, len(corners) - 1)
        color = UNIT_COLORS[k % len(UNIT_COLORS)] if is_tilted else "#9a9a9a"
        data.append(
            {
                "type": "mesh3d",
                "x": f32(corners[:, 0]),
                "y": f32(corners[:, 1]),
                "z": f32(corners[:, 2]),
                "i": np.zeros(len(fan), np.int32),
                "j": fan.astype(np.int32),
                "k": (fan + 1).astype(np.int32),
                "color": color,
                "opacity": 0.55 if is_tilted else 0.35,
                "flatshading": True,
                "name": f"plane {k + 1}" + (" (tilted)" if is_tilted else " (vertical)"),
                "hovertemplate": f"plane {k + 1}<extra></extra>",
            }
        )
        loop = np.concatenate([corners, corners[:1]])
        data.append(
            {
                "type": "scatter3d",
                "x": f32(loop[:, 0]),
                "y": f32(loop[:, 1]),
                "z": f32(loop[:, 2]),
                "mode": "lines",
                "line": {"color": color, "width": 4},
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    (x0, x1), (y0, y1), (z0, z1) = box
    axis = {"showspikes": False, "zeroline": False}
    layout = base_layout(
        look,
        height=int(look.height * 0.8),
        scene={
            "xaxis": {**axis, "range": [x0, x1], "title": {"text": "x₁"}},
            "yaxis": {**axis, "range": [y0, y1], "title": {"text": "x₂"}},
            "zaxis": {**axis, "range": [z0, z1], "title": {"text": "x₃"}},
            "aspectmode": "cube",
            "camera": {"eye": {"x": 0.6, "y": -1.2, "z": 1.6}},
        },
        showlegend=False,
    )
    return AnimatedFigure(data, layout)  # tested valid instead


def tilt_count_figure(ts, counts, formula, *, start_label: str, look: Look = DEFAULT_LOOK):
    """Regions after tilting t hyperplanes: counted (markers) against the closed form (line)."""
    ts = np.asarray(ts)
    data = [
        {
            "type": "scatter",
            "x": ts.astype(np.int32),
            "y": f32(formula),
            "mode": "lines",
            "name": "closed form",
            "line": {"color": look.foreground, "width": look.line_width * 0.6, "dash": "dot"},
            "hovertemplate": "t = %{x}: %{y} by the formula<extra></extra>",
        },
        {
            "type": "scatter",
            "x": ts.astype(np.int32),
            "y": f32(counts),
            "mode": "markers",
            "name": "counted",
            "marker": {"color": UNIT_COLORS[0], "size": look.marker_size},
            "hovertemplate": "t = %{x}: %{y} regions counted<extra></extra>",
        },
    ]
    layout = base_layout(
        look,
        height=int(look.height * 0.5),
        xaxis={"title": {"text": f"hyperplanes tilted, t ({start_label} at t = 0)"}, "dtick": 1},
        yaxis={"title": {"text": "regions"}, "rangemode": "tozero"},
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "t": 60}
    return AnimatedFigure(data, layout)  # tested valid instead


# --- 2-D maps in small multiples -------------------------------------------------------------


class Panel(NamedTuple):
    """One map: `kind` "class" (z = 0/1, two pale class tints) or "regions" (z = region ids,
    neighbouring regions in different tints); lines (K, 3) drawn on top, points (n, 2) with
    labels (n,) as data, prototypes (m, 2) as crosses, `edges` (H, W) bool drawn dark (cell
    borders)."""

    title: str
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    kind: str = "class"
    lines: np.ndarray | None = None
    points: np.ndarray | None = None
    labels: np.ndarray | None = None
    edges: np.ndarray | None = None


def cell_edges(ids) -> np.ndarray:
    """Grid points where the id differs from the right or upper neighbour (a region's rim)."""
    ids = np.asarray(ids)
    edge = np.zeros(ids.shape, bool)
    edge[:, :-1] |= ids[:, 1:] != ids[:, :-1]
    edge[:-1, :] |= ids[1:, :] != ids[:-1, :]
    return edge


def maps_figure(panels: Sequence[Panel], *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """Square 2-D maps side by side (`Panel`s), sharing their ranges."""
    count = len(panels)
    gap = 0.06
    width = (1.0 - gap * (count - 1)) / count
    data, layout_axes, titles = [], {}, []
    class_scale = [
        [0.0, CLASS_TINTS[0]],
        [0.5, CLASS_TINTS[0]],
        [0.5, CLASS_TINTS[1]],
        [1, CLASS_TINTS[1]],
    ]
    legend_shown = set()
    for i, panel in enumerate(panels):
        suffix = "" if i == 0 else str(i + 1)
        xref, yref = f"x{suffix}", f"y{suffix}"
        box = ((float(panel.xs[0]), float(panel.xs[-1])), (float(panel.ys[0]), float(panel.ys[-1])))
        if panel.kind == "regions":
            z = region_tints(panel.z)
            heat = {"z": typed_form(z), "zmin": -0.5, "zmax": len(REGION_COLORS) - 0.5}
            heat["colorscale"] = _region_scale()
        else:
            heat = {"z": typed_form(np.asarray(panel.z).astype(np.int8)), "zmin": 0, "zmax": 1}
            heat["colorscale"] = class_scale
        data.append(
            {
                "type": "heatmap",
                "x": f32(panel.xs),
                "y": f32(panel.ys),
                **heat,
                "showscale": False,
                "hoverinfo": "skip",
                "xaxis": xref,
                "yaxis": yref,
            }
        )
        if panel.edges is not None:
            edges = np.where(np.asarray(panel.edges), 1.0, np.nan).astype(np.float32)
            data.append(
                {
                    "type": "heatmap",
                    "x": f32(panel.xs),
                    "y": f32(panel.ys),
                    "z": edges,
                    "colorscale": [[0, EDGE_COLOR], [1, EDGE_COLOR]],
                    "showscale": False,
                    "hoverinfo": "skip",
                    "xaxis": xref,
                    "yaxis": yref,
                }
            )
        if panel.lines is not None and len(panel.lines):
            seg = f32(hyperplane_segments(np.asarray(panel.lines, float), box))
            data.append(
                {
                    "type": "scatter",
                    "x": seg[:, 0],
                    "y": seg[:, 1],
                    "mode": "lines",
                    "name": "hidden units' lines",
                    "legendgroup": "lines",
                    "showlegend": "lines" not in legend_shown,
                    "line": {"color": look.foreground, "width": look.line_width * 0.6},
                    "hoverinfo": "skip",
                    "xaxis": xref,
                    "yaxis": yref,
                }
            )
            legend_shown.add("lines")
        if panel.points is not None:
            pts = np.asarray(panel.points, float)
            labels = np.asarray(panel.labels).astype(int)
            for cls in (0, 1):
                mine = labels == cls
                data.append(
                    {
                        "type": "scatter",
                        "x": f32(pts[mine, 0]),
                        "y": f32(pts[mine, 1]),
                        "mode": "markers",
                        "name": f"class {cls}",
                        "legendgroup": f"class {cls}",
                        "showlegend": f"class {cls}" not in legend_shown,
                        "marker": {
                            "color": CLASS_COLORS[cls],
                            "size": 6 if not look.presentation else 9,
                            "line": {"color": look.background, "width": 0.6},
                        },
                        "hovertemplate": f"class {cls}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
                        "xaxis": xref,
                        "yaxis": yref,
                    }
                )
                legend_shown.add(f"class {cls}")
        x_axis, y_axis = _square_axes(box, look, suffix, anchor=xref)
        x_axis["domain"] = [i * (width + gap), i * (width + gap) + width]
        x_axis["anchor"] = yref
        y_axis["anchor"] = xref
        if i:
            y_axis["title"] = {"text": ""}
        layout_axes[f"xaxis{suffix}"] = x_axis
        layout_axes[f"yaxis{suffix}"] = y_axis
        domain = x_axis["domain"]
        titles.append(panel_title(panel.title, domain, look))
    height = int(look.height * (0.75 if count == 1 else 0.62))
    layout = base_layout(
        look, height=height, annotations=titles, hovermode="closest", **layout_axes
    )
    # below the x₁ titles, not on them
    layout["legend"] = {**layout["legend"], "y": -0.2, "yanchor": "top"}
    layout["margin"] = {**layout["margin"], "t": 50, "b": 80}
    return AnimatedFigure(data, layout)  # tested valid instead


# --- No Free Lunch --------------------------------------------------------------------------


def nfl_figure(
    titles: Sequence[str], accuracies: dict[str, Sequence[float]], *, look: Look = DEFAULT_LOOK
):
    """Grouped bars: off-training-set accuracy of each learner (`titles`), one group of bars
    per family of problems (`accuracies`: family label → one value per learner), the ½ line."""
    data = [
        {
            "type": "bar",
            "x": list(titles),
            "y": f32(values),
            "name": family,
            "marker": {"color": UNIT_COLORS[k % len(UNIT_COLORS)]},
            "text": [f"{v:.3f}" for v in values],
            "textposition": "outside",
            "hovertemplate": f"{family}<br>%{{x}}: %{{y:.4f}}<extra></extra>",
        }
        for k, (family, values) in enumerate(accuracies.items())
    ]
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        barmode="group",
        xaxis={"title": {"text": "learner"}},
        yaxis={"title": {"text": "off-training-set accuracy"}, "range": [0, 1.08]},
        shapes=[
            {
                "type": "line",
                "xref": "paper",
                "x0": 0,
                "x1": 1,
                "y0": 0.5,
                "y1": 0.5,
                "line": {"color": look.foreground, "dash": "dash", "width": 1.5},
            }
        ],
    )
    layout["margin"] = {**layout["margin"], "t": 60}
    return AnimatedFigure(data, layout)  # tested valid instead
