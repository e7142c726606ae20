"""Figures of the regularization page: penalised maps with λ paths, shrink factors, L1 runs,
early stopping against weight decay, and gradient clipping on a cliff.

Pure Plotly builders: NumPy arrays in, `go.Figure` out (no Streamlit, no JAX). The figures are
`AnimatedFigure`s without frames: plain trace dicts that skip Plotly's per-property validation
on every rerun (the tests validate them instead). Maps share one
base: the filled contour of the (penalised) loss, with the axes w₁ = 0 and w₂ = 0 drawn, since
where a path meets them is the point of the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz.contour import colour_values
from viz.figure import AnimatedFigure, f32
from viz.theme import (
    DEFAULT_LOOK,
    RASTER,
    Look,
    base_layout,
    contour_line,
    map_axes,
    optimizer_color,
)

COLORS: dict[str, str] = {
    "l2": "#3b5bdb",
    "l1": "#e6194b",
    "subgradient": "#f58231",
    "proximal": "#0a9bb5",
    "gd": optimizer_color("gd"),
    "none": "#e6194b",
    "norm": "#2ca02c",
    "value": "#d631c9",
}
TITLES = {"l2": "L2: E + λ/2 ‖w‖²", "l1": "L1: E + λ ‖w‖₁"}
LABELLED_LAMBDAS = (0.01, 0.1, 1.0, 10.0, 100.0)
JUMP_FRACTION = 0.1  # a path step longer than this fraction of the box is a jump: not joined
ZERO_FLOOR = 1e-16  # where an exact zero is drawn on a log axis
LABEL_SPACING = 0.07  # labels on a map closer than this fraction of the box are left out


class Run(NamedTuple):
    """A path to draw on a map: `key` picks its colour, `label` names it in the legend."""

    key: str
    label: str
    params: np.ndarray  # (n+1, 2)
    diverged_at: int | None = None


# --- shared pieces -------------------------------------------------------------------------


def _contour(
    xs, ys, Z, look: Look, log_color: bool, colorbar_title: str | None = None, scale=True
) -> dict:
    colour, colorbar = colour_values(Z, log_color)
    if colorbar_title is not None:
        colorbar["title"] = {"text": colorbar_title}
    return {
        "type": "contour",
        "x": f32(xs),
        "y": f32(ys),
        "z": f32(colour),
        "colorscale": look.contour_colorscale,
        "ncontours": 30,
        "hoverinfo": "skip",
        "contours": {"coloring": "fill", "showlines": True},
        "line": contour_line(look.contour_line_color, 0.6),
        "colorbar": {**colorbar, "thickness": 12, "len": 0.8},
        "showscale": scale,
        "showlegend": False,
        "meta": RASTER,
    }


def _declutter(points, box_size: float, avoid=()) -> list[int]:
    """Indices of `points` to label: each at least LABEL_SPACING·box from the labels kept
    before it and from the `avoid` points, so labels do not pile up where a path slows down."""
    kept: list[int] = []
    taken = [np.asarray(a, dtype=float) for a in avoid]
    for i, point in enumerate(np.asarray(points, dtype=float)):
        if not np.all(np.isfinite(point)):
            continue
        if all(np.linalg.norm(point - other) >= LABEL_SPACING * box_size for other in taken):
            kept.append(i)
            taken.append(point)
    return kept


def _axes_lines(xs, ys, look: Look) -> dict:
    """The lines w₁ = 0 and w₂ = 0 (where L1 puts weights), as one NaN-separated trace."""
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    return {
        "type": "scatter",
        "x": [x0, x1, None, 0.0, 0.0],
        "y": [0.0, 0.0, None, y0, y1],
        "mode": "lines",
        "line": {"color": look.foreground, "width": 1.2},
        "opacity": 0.55,
        "hoverinfo": "skip",
        "showlegend": False,
    }


def _marker(points, name: str, symbol: str, look: Look, *, color=None, size=None, legend=True):
    xy = f32(np.reshape(points, (-1, 2)))
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "name": name,
        "mode": "markers",
        "showlegend": legend,
        "marker": {
            "symbol": symbol,
            "size": size or look.marker_size + 4,
            "color": color or look.foreground,
            "line": {"color": look.background, "width": 1.5},
        },
        "hovertemplate": f"{name}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
    }


def _break_jumps(points: np.ndarray, box_size: float) -> np.ndarray:
    """Rows of `points` with a NaN row inserted wherever consecutive points are far apart (the
    global minimum jumped to another valley): such points are not joined by a line."""
    points = np.asarray(points, dtype=float)
    if len(points) < 2:
        return points
    gaps = np.linalg.norm(np.diff(points, axis=0), axis=1) > JUMP_FRACTION * box_size
    rows = []
    for i, point in enumerate(points):
        rows.append(point)
        if i < len(gaps) and gaps[i]:
            rows.append(np.full(2, np.nan))
    return np.array(rows)


def _map_layout(xs, ys, look: Look, *, height: int, title: str | None = None, **extra) -> dict:
    # In a narrow column the map is shorter than the figure: keep it under the legend.
    xaxis, yaxis = map_axes((xs[0], xs[-1]), (ys[0], ys[-1]), ("w₁", "w₂"), toward_top=True)
    layout = base_layout(
        look, height=height, xaxis=xaxis, yaxis=yaxis, hovermode="closest", **extra
    )
    if title:
        layout["title"] = {"text": title, "x": 0.01, "xanchor": "left", "y": 0.995}
        layout["margin"] = {**layout["margin"], "t": 90}
        layout["legend"] = {**layout["legend"], "y": 1.0, "yanchor": "bottom"}
    return layout


def _ball(kind: str, radius: float) -> np.ndarray:
    """The penalty's level set through the current minimiser: a circle ‖w‖ = r (L2) or a
    diamond ‖w‖₁ = r (L1). The constrained view: w̃ is where a contour of E touches it."""
    if kind == "l1":
        return radius * np.array([[1, 0], [0, 1], [-1, 0], [0, -1], [1, 0]], dtype=float)
    angle = np.linspace(0.0, 2.0 * np.pi, 121)
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def _labelled_rows(lams: np.ndarray, wanted: Sequence[float]) -> list[tuple[float, int]]:
    """(value, row) for each wanted λ inside the positive range of `lams`: the row whose λ is
    closest to it in log λ."""
    positive = np.where(lams > 0)[0]
    if positive.size == 0:
        return []
    values = lams[positive]
    return [
        (value, int(positive[np.argmin(np.abs(np.log(values) - np.log(value)))]))
        for value in wanted
        if values.min() <= value <= values.max()
    ]


def _lambda_text(value: float) -> str:
    return f"λ={value:g}"


# --- 1. λ paths ----------------------------------------------------------------------------


def penalty_map(
    xs,
    ys,
    Z_penalized,
    *,
    kind: str,
    lams: np.ndarray,
    path: np.ndarray,
    lam: float,
    current: np.ndarray,
    w_star: Sequence[float] | None,
    look: Look = DEFAULT_LOOK,
    log_color: bool = False,
    height: int | None = None,
) -> go.Figure:
    """The penalised loss Ẽ at the current λ, the minimiser's path as λ goes from 0 to large,
    the current minimiser w̃(λ) and the penalty's level set through it (circle for L2, diamond
    for L1). Rows of `path` that are NaN (no minimum in the box) are not drawn."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    lams, path = np.asarray(lams, dtype=float), np.asarray(path, dtype=float)
    box = min(xs[-1] - xs[0], ys[-1] - ys[0])
    color = COLORS[kind]
    data = [
        _contour(xs, ys, Z_penalized, look, log_color, scale=False),
        _axes_lines(xs, ys, look),
    ]
    current = np.asarray(current, dtype=float).reshape(2)
    if np.all(np.isfinite(current)):
        radius = float(np.sum(np.abs(current)) if kind == "l1" else np.linalg.norm(current))
        ring = f32(_ball(kind, radius))
        data.append(
            {
                "type": "scatter",
                "x": ring[:, 0],
                "y": ring[:, 1],
                "mode": "lines",
                "name": "level set ‖w‖₁ = ‖w̃‖₁" if kind == "l1" else "level set ‖w‖ = ‖w̃‖",
                "line": {"color": color, "width": 1.5, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    drawn = f32(_break_jumps(path, box))
    data.append(
        {
            "type": "scatter",
            "x": drawn[:, 0],
            "y": drawn[:, 1],
            "mode": "lines",
            "name": "path of w̃(λ)",
            "line": {"color": color, "width": look.line_width},
            "hoverinfo": "skip",
        }
    )
    candidates = _labelled_rows(lams, LABELLED_LAMBDAS)
    avoid = [p for p in (w_star, current) if p is not None and np.all(np.isfinite(p))]
    kept = _declutter([path[r] for _, r in candidates], box, avoid)
    labelled = [candidates[i] for i in kept]
    if labelled:
        ticks = f32([path[r] for _, r in labelled])
        data.append(
            {
                "type": "scatter",
                "x": ticks[:, 0],
                "y": ticks[:, 1],
                "mode": "markers+text",
                "text": [_lambda_text(v) for v, _ in labelled],
                "textposition": "top right",
                "textfont": {"size": look.font_size - 2, "color": look.foreground},
                "marker": {"color": color, "size": look.marker_size - 3, "symbol": "circle"},
                "showlegend": False,
                "hovertemplate": "%{text}: (%{x:.4g}, %{y:.4g})<extra></extra>",
            }
        )
    if w_star is not None:
        data.append(_marker([w_star], "w* (λ = 0)", "star", look))
    if np.all(np.isfinite(current)):
        data.append(
            _marker(
                [current],
                f"w̃ at λ = {lam:g}",
                "circle",
                look,
                color=color,
                size=look.marker_size + 6,
            )
        )
    layout = _map_layout(xs, ys, look, height=height or look.height, title=TITLES[kind])
    return AnimatedFigure(data, layout)


def coefficient_paths(
    lams,
    l2_path,
    l1_path,
    *,
    lam: float,
    zero_lambdas: Mapping[int, float] | None = None,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """Each weight against λ (log axis) for L2 and L1, one panel per weight: L1 reaches exactly
    0 and stays there, L2 only approaches it. `zero_lambdas` maps a weight index to the λ at
    which its L1 value becomes 0 (marked); the current λ is a vertical line."""
    lams = np.asarray(lams, dtype=float)
    keep = lams > 0
    x = f32(lams[keep])
    data = []
    for i, axes in enumerate((("x", "y"), ("x2", "y2"))):
        for kind, path in (("l2", l2_path), ("l1", l1_path)):
            data.append(
                {
                    "type": "scatter",
                    "x": x,
                    "y": f32(np.asarray(path, dtype=float)[keep, i]),
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "mode": "lines",
                    "name": "L2" if kind == "l2" else "L1",
                    "legendgroup": kind,
                    "showlegend": i == 0,
                    "line": {"color": COLORS[kind], "width": look.line_width},
                    "hovertemplate": f"{kind.upper()}: w{'₁₂'[i]} = %{{y:.4g}} "
                    "at λ = %{x:.3g}<extra></extra>",
                }
            )
        if zero_lambdas and i in zero_lambdas and zero_lambdas[i] > 0:
            data.append(
                {
                    "type": "scatter",
                    "x": [float(zero_lambdas[i])],
                    "y": [0.0],
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "mode": "markers+text",
                    "text": [f"0 from λ = {zero_lambdas[i]:.3g}"],
                    "textposition": "top left",
                    "textfont": {"size": look.font_size - 1, "color": COLORS["l1"]},
                    "marker": {"color": COLORS["l1"], "size": look.marker_size, "symbol": "x"},
                    "showlegend": False,
                    "hovertemplate": f"w{'₁₂'[i]} = 0 from λ = %{{x:.4g}}<extra></extra>",
                }
            )
    axis = {"type": "log", "title": {"text": "λ"}, "showgrid": True}
    layout = base_layout(
        look,
        height=height or int(look.height * 0.6),
        xaxis={**axis, "domain": [0.0, 0.46]},
        xaxis2={**axis, "domain": [0.54, 1.0], "anchor": "y2"},
        yaxis={"title": {"text": "w₁"}, "zeroline": True, "zerolinewidth": 2},
        yaxis2={"title": {"text": "w₂"}, "anchor": "x2", "zeroline": True, "zerolinewidth": 2},
        shapes=[_vertical(lam, xref, look) for xref in ("x", "x2")],
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


def _vertical(x: float, xref: str, look: Look, dash: str = "dot") -> dict:
    yref = "y domain" if xref == "x" else f"y{xref[1:]} domain"
    return {
        "type": "line",
        "xref": xref,
        "yref": yref,
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": look.foreground, "width": 1.5, "dash": dash},
    }


# --- 2. shrink factors ---------------------------------------------------------------------

EIGEN_COLORS = ("#2ca02c", "#d631c9")  # q₁, q₂


def shrink_figure(
    lams,
    predicted,
    measured_lams,
    measured,
    *,
    curvatures: Sequence[float],
    lam: float,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """The fraction of w* kept along each eigenvector q_i: D_ii/(D_ii + λ) (lines) against
    the fraction measured on the minimiser found by gradient descent (markers). Each line
    passes 1/2 at λ = D_ii (marked)."""
    lams = np.asarray(lams, dtype=float)
    keep = lams > 0
    predicted, measured = np.asarray(predicted, float), np.asarray(measured, float)
    data = []
    for i, color in enumerate(EIGEN_COLORS):
        name = f"q{'₁₂'[i]} (D{'₁₂'[i]} = {curvatures[i]:.3g})"
        data.append(
            {
                "type": "scatter",
                "x": f32(lams[keep]),
                "y": f32(predicted[keep, i]),
                "mode": "lines",
                "name": f"{name}: D/(D + λ)",
                "legendgroup": str(i),
                "line": {"color": color, "width": look.line_width},
                "hovertemplate": "predicted %{y:.4f} at λ = %{x:.3g}<extra></extra>",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": f32(measured_lams),
                "y": f32(measured[:, i]),
                "mode": "markers",
                "name": f"{name}: measured",
                "legendgroup": str(i),
                "marker": {
                    "color": color,
                    "size": look.marker_size + 2,
                    "symbol": "circle-open",
                    "line": {"width": 3, "color": color},
                },
                "hovertemplate": "measured %{y:.4f} at λ = %{x:.3g}<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": f32(curvatures),
            "y": f32([0.5, 0.5]),
            "mode": "markers",
            "name": "half kept at λ = D",
            "marker": {"color": look.foreground, "size": look.marker_size, "symbol": "diamond"},
            "hovertemplate": "λ = D = %{x:.3g}: half kept<extra></extra>",
        }
    )
    layout = base_layout(
        look,
        height=height or look.height,
        xaxis={"type": "log", "title": {"text": "λ"}},
        yaxis={"title": {"text": "fraction of w* kept along q_i"}, "range": [-0.03, 1.05]},
        shapes=[_vertical(lam, "x", look)],
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


def eigen_map(
    xs,
    ys,
    Z,
    *,
    eigenvectors,
    w_star,
    w_tilde,
    lam: float,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """E with its eigen-axes through the origin, w* and the L2 minimiser w̃(λ), each split into
    its components along q₁ and q₂ (dotted): the component along the flatter axis shrinks more."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    q = np.asarray(eigenvectors, dtype=float)
    reach = float(np.hypot(xs[-1] - xs[0], ys[-1] - ys[0]))
    data = [_contour(xs, ys, Z, look, False)]
    for i, color in enumerate(EIGEN_COLORS):
        ends = f32(np.outer([-reach, reach], q[:, i]))
        data.append(
            {
                "type": "scatter",
                "x": ends[:, 0],
                "y": ends[:, 1],
                "mode": "lines",
                "name": f"q{'₁₂'[i]} axis",
                "line": {"color": color, "width": 2},
                "hoverinfo": "skip",
            }
        )
    for point, name, symbol in ((w_star, "w*", "star"), (w_tilde, f"w̃ (λ = {lam:g})", "circle")):
        point = np.asarray(point, dtype=float)
        coords = q.T @ point
        legs = []
        for i in range(2):
            foot = coords[i] * q[:, i]
            legs += [point, foot, [np.nan, np.nan]]
        legs = f32(legs)
        data.append(
            {
                "type": "scatter",
                "x": legs[:, 0],
                "y": legs[:, 1],
                "mode": "lines",
                "line": {"color": look.foreground, "width": 1.2, "dash": "dot"},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
        color = COLORS["l2"] if symbol == "circle" else None
        data.append(_marker([point], name, symbol, look, color=color))
    layout = _map_layout(xs, ys, look, height=height or look.height)
    return AnimatedFigure(data, layout)


# --- 3. L1 runs ----------------------------------------------------------------------------


def runs_map(
    xs,
    ys,
    Z,
    runs: Sequence[Run],
    *,
    markers: Sequence[tuple[Sequence[float], str, str]] = (),
    look: Look = DEFAULT_LOOK,
    log_color: bool = False,
    colorbar_title: str = "E(w)",
    height: int | None = None,
    view_box: tuple | None = None,
) -> go.Figure:
    """Paths of several runs over a contour map; `markers` are (point, name, symbol). The axis
    range is the grid's, or `view_box` ((x0, x1), (y0, y1)); a run that diverged ends in a
    cross. Positions are drawn where they are, never clipped."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    data = [_contour(xs, ys, Z, look, log_color, colorbar_title), _axes_lines(xs, ys, look)]
    for run in runs:
        xy = f32(run.params)
        color = COLORS.get(run.key, look.foreground)
        data.append(
            {
                "type": "scatter",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "mode": "lines+markers" if len(xy) <= 150 else "lines",
                "name": run.label,
                "line": {"color": color, "width": look.line_width},
                "marker": {"color": color, "size": look.line_width + 3},
                "hovertemplate": f"{run.label}<br>step %{{pointNumber}}: (%{{x:.4g}}, %{{y:.4g}})"
                "<extra></extra>",
            }
        )
        if run.diverged_at is not None:
            data.append(
                _marker(
                    xy[-1:],
                    f"{run.label}: diverged at step {run.diverged_at}",
                    "x-thin",
                    look,
                    color=color,
                    legend=False,
                )
            )
    for point, name, symbol in markers:
        data.append(_marker([point], name, symbol, look))
    layout = _map_layout(xs, ys, look, height=height or look.height)
    if view_box is not None:
        (x0, x1), (y0, y1) = view_box
        layout["xaxis"]["range"] = [x0, x1]
        layout["yaxis"]["range"] = [y0, y1]
    return AnimatedFigure(data, layout)


def coordinate_traces(
    runs: Sequence[Run], *, look: Look = DEFAULT_LOOK, height: int | None = None
) -> go.Figure:
    """|w_i(t)| of each run against the step, one panel per weight, on a log axis. An exact
    zero has no logarithm: it is drawn at the bottom of the axis, labelled "exactly 0"."""
    data = []
    low = ZERO_FLOOR
    smallest = np.inf
    for run in runs:
        magnitudes = np.abs(np.asarray(run.params, dtype=float))
        nonzero = magnitudes[magnitudes > 0]
        if nonzero.size:
            smallest = min(smallest, float(nonzero.min()))
    floor_exponent = np.floor(np.log10(smallest)) - 1 if np.isfinite(smallest) else -4
    low = 10.0**floor_exponent
    for i, axes in enumerate((("x", "y"), ("x2", "y2"))):
        for run in runs:
            values = np.abs(np.asarray(run.params, dtype=float)[:, i])
            zero = values == 0
            drawn = np.where(zero, low, values)
            color = COLORS.get(run.key, look.foreground)
            data.append(
                {
                    "type": "scatter",
                    "x": np.arange(len(values), dtype=np.int32),
                    "y": f32(drawn),
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "mode": "lines",
                    "name": run.label,
                    "legendgroup": run.key,
                    "showlegend": i == 0,
                    "line": {"color": color, "width": look.line_width},
                    "customdata": np.where(zero, "exactly 0", "").astype(object),
                    "hovertemplate": f"{run.label}: |w{'₁₂'[i]}| = %{{y:.3g}} %{{customdata}} "
                    "at step %{x}<extra></extra>",
                }
            )
    decades = np.arange(floor_exponent + 1, 2)
    tickvals = [low, *(10.0**decades)]
    ticktext = ["exactly 0", *(f"1e{int(d)}" for d in decades)]
    axis = {
        "type": "log",
        "tickvals": tickvals,
        "ticktext": ticktext,
        "range": [floor_exponent - 0.3, 1.2],
    }
    layout = base_layout(
        look,
        height=height or int(look.height * 0.6),
        xaxis={"title": {"text": "step t"}, "domain": [0.0, 0.46]},
        xaxis2={"title": {"text": "step t"}, "domain": [0.54, 1.0], "anchor": "y2"},
        yaxis={**axis, "title": {"text": "|w₁|"}},
        yaxis2={**axis, "title": {"text": "|w₂|"}, "anchor": "x2"},
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


# --- 4. early stopping ---------------------------------------------------------------------


class Match(NamedTuple):
    """Step t of gradient descent from 0 and the L2 minimiser at λ = 1/(εt)."""

    step: int
    lam: float
    gd_point: np.ndarray
    l2_point: np.ndarray


def early_stopping_map(
    xs,
    ys,
    Z,
    *,
    gd_path,
    l2_path,
    matches: Sequence[Match],
    chosen: Match,
    w_star,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """Gradient descent from the origin over the L2 solution path, with each step t joined to
    the L2 minimiser at λ = 1/(εt); the chosen t is highlighted."""
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    l2 = f32(l2_path)
    gd = f32(gd_path)
    joins = []
    for m in matches:
        joins += [m.gd_point, m.l2_point, [np.nan, np.nan]]
    joins = f32(np.reshape(joins, (-1, 2)))
    data = [
        _contour(xs, ys, Z, look, False),
        {
            "type": "scatter",
            "x": l2[:, 0],
            "y": l2[:, 1],
            "mode": "lines",
            "name": "L2 minimiser w̃(λ)",
            "line": {"color": COLORS["l2"], "width": look.line_width + 2},
            "opacity": 0.7,
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": gd[:, 0],
            "y": gd[:, 1],
            "mode": "lines",
            "name": "gradient descent from 0",
            "line": {"color": COLORS["gd"], "width": look.line_width},
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "x": joins[:, 0],
            "y": joins[:, 1],
            "mode": "lines",
            "name": "step t ↔ λ = 1/(εt)",
            "line": {"color": look.foreground, "width": 1.2, "dash": "dot"},
            "hoverinfo": "skip",
        },
    ]
    box = min(xs[-1] - xs[0], ys[-1] - ys[0])
    shown = set(_declutter([m.gd_point for m in matches], box, [chosen.gd_point, w_star]))
    for key, attr, symbol in (("gd", "gd_point", "circle"), ("l2", "l2_point", "square")):
        xy = f32([getattr(m, attr) for m in matches])
        data.append(
            {
                "type": "scatter",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "mode": "markers+text" if key == "gd" else "markers",
                "text": [f"t={m.step}" if i in shown else "" for i, m in enumerate(matches)]
                if key == "gd"
                else None,
                "textposition": "bottom right",
                "textfont": {"size": look.font_size - 3, "color": look.foreground},
                "marker": {"color": COLORS[key], "size": look.marker_size - 2, "symbol": symbol},
                "showlegend": False,
                "customdata": [[m.step, m.lam] for m in matches],
                "hovertemplate": "t = %{customdata[0]} ↔ λ = %{customdata[1]:.3g}: "
                "(%{x:.4g}, %{y:.4g})<extra></extra>",
            }
        )
    data.append(
        _marker(
            [chosen.gd_point],
            f"w_t, t = {chosen.step}",
            "circle",
            look,
            color=COLORS["gd"],
            size=look.marker_size + 6,
        )
    )
    data.append(
        _marker(
            [chosen.l2_point],
            f"w̃ at λ = 1/(εt) = {chosen.lam:.3g}",
            "square",
            look,
            color=COLORS["l2"],
            size=look.marker_size + 4,
        )
    )
    data.append(_marker([w_star], "w*", "star", look))
    layout = _map_layout(xs, ys, look, height=height or look.height)
    return AnimatedFigure(data, layout)


def early_stopping_gaps(
    steps,
    gaps,
    bounds,
    *,
    chosen_step: int,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """‖w_t − w̃(1/(εt))‖ against t (log–log), with the bound √Σ((εtD_ii)² q_iᵀw*)²."""
    data = [
        {
            "type": "scatter",
            "x": np.asarray(steps, dtype=np.int32),
            "y": f32(np.maximum(gaps, ZERO_FLOOR)),
            "mode": "lines",
            "name": "‖w_t − w̃(1/(εt))‖",
            "line": {"color": COLORS["gd"], "width": look.line_width},
            "hovertemplate": "t = %{x}: gap %{y:.3g}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": np.asarray(steps, dtype=np.int32),
            "y": f32(np.maximum(bounds, ZERO_FLOOR)),
            "mode": "lines",
            "name": "bound (εtD)²·|w*|",
            "line": {"color": look.foreground, "width": 1.5, "dash": "dash"},
            "hovertemplate": "t = %{x}: bound %{y:.3g}<extra></extra>",
        },
    ]
    values = np.asarray(gaps, dtype=float)
    positive = values[np.isfinite(values) & (values > 0)]
    top = float(positive.max()) if positive.size else 1.0
    bottom = float(positive.min()) if positive.size else 1e-6
    layout = base_layout(
        look,
        height=height or look.height,
        xaxis={"type": "log", "title": {"text": "step t"}},
        yaxis={
            "type": "log",
            "title": {"text": "distance"},
            "range": [np.log10(bottom) - 0.5, np.log10(top) + 0.7],
        },
        shapes=[_vertical(chosen_step, "x", look)],
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


# --- 5. clipping ---------------------------------------------------------------------------


def clipping_steps(
    runs: Sequence[Run],
    lengths: Mapping[str, np.ndarray],
    angles: Mapping[str, np.ndarray],
    *,
    cap: float | None = None,
    look: Look = DEFAULT_LOOK,
    height: int | None = None,
) -> go.Figure:
    """Per step: its length ‖w_{t+1} − w_t‖ (log axis; the clipped cap εu dashed) and its
    angle to the downhill direction −∇E (clipping by value turns it, by norm does not)."""
    data = []
    for i, (values_of, axes) in enumerate(((lengths, ("x", "y")), (angles, ("x2", "y2")))):
        for run in runs:
            values = np.asarray(values_of[run.key], dtype=float)
            data.append(
                {
                    "type": "scatter",
                    "x": np.arange(len(values), dtype=np.int32),
                    "y": f32(values),
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "mode": "lines+markers",
                    "name": run.label,
                    "legendgroup": run.key,
                    "showlegend": i == 0,
                    "line": {"color": COLORS.get(run.key, look.foreground), "width": 2},
                    "marker": {"size": 4},
                    "hovertemplate": "step %{x}: %{y:.3g}<extra></extra>",
                }
            )
    shapes = []
    if cap is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x domain",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": cap,
                "y1": cap,
                "line": {"color": look.foreground, "width": 1.5, "dash": "dash"},
            }
        )
    layout = base_layout(
        look,
        height=height or int(look.height * 0.55),
        xaxis={"title": {"text": "step t"}, "domain": [0.0, 0.46]},
        xaxis2={"title": {"text": "step t"}, "domain": [0.54, 1.0], "anchor": "y2"},
        yaxis={"type": "log", "title": {"text": "step length"}},
        yaxis2={"title": {"text": "angle to −∇E (°)"}, "anchor": "x2", "rangemode": "tozero"},
        shapes=shapes,
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)
