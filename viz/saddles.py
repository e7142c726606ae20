"""Figures of the "Minima and saddles" page: arrays in, Plotly figures out (no Streamlit, no JAX).

* `critical_points_figure`: the contour map with every critical point marked by its kind and
  its Hessian's eigenvectors drawn as arrows (length grows with |λ|, colour says the sign:
  λ > 0 the surface curves up along that line, λ < 0 it curves down, an escape route), plus an
  inspected point with the contour lines of its local quadratic model.
* `basin_figure`: each start of a grid coloured by the critical point its run ended at.
* `escape_figure` and `escape_paths_figure`: steps spent near a saddle against the start's
  distance d from the stable direction (log axis), and the runs on the map.
* `index_histogram_figure` and `positive_fraction_figure`: the random-matrix argument.

Critical points are read by attribute (``w``, ``value``, ``eigenvalues``, ``eigenvectors``,
``kind``, ``index``), the fields of ``landscapes.CriticalPoint``; `PointView` has the same
fields for a point that is not critical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import MAX_PREC, Decimal, localcontext
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz.contour import CLICK_GRID_TRACE, click_hint, colour_values, contour_figure
from viz.figure import AnimatedFigure, f32
from viz.isolines import isolines
from viz.memo import Memo
from viz.paths import OptimizerPath
from viz.theme import (
    DEFAULT_LOOK,
    Look,
    base_layout,
    map_axes,
    optimizer_color,
    optimizer_line,
    optimizer_marker,
)

KIND_SYMBOLS = {
    "minimum": "star",
    "saddle": "x",
    "maximum": "triangle-up",
    "degenerate": "diamond",
}
CURVES_UP = "#2f9e44"  # λ > 0
CURVES_DOWN = "#e8590c"  # λ < 0
FLAT = "#868e96"  # λ ≈ 0
MODEL_COLORS = ("#7048e8", "#d0bfff")  # the quadratic model's lines: light theme, dark theme
ARROW_FRACTION = 0.1  # the longest eigen-arrow, as a fraction of the map's smaller side
ARROW_FLOOR = 0.3  # the shortest arrow drawn, as a fraction of the longest
ZERO_EIGENVALUE = 1e-6  # |λ| below this fraction of the largest |λ| is drawn as flat
MAX_ARROWS = 60  # more points than this (Rastrigin) get markers but no arrows
ESCAPE_FRAMES = 100  # animation frames of the escape runs (they are short)
MODEL_LEVELS = 6  # contour levels of the local model on each side of E(w₀)
BASIN_PALETTE = (
    "#74c0fc",
    "#ffa8a8",
    "#8ce99a",
    "#ffd43b",
    "#da77f2",
    "#63e6be",
    "#ffc078",
    "#a5d8ff",
    "#e599f7",
    "#c0eb75",
)
# Starts whose run ended at a saddle, a maximum or a degenerate point: greys, one per point.
STUCK_COLORS = ("#868e96", "#b4bac0", "#60676f", "#cfd4d9", "#767e86", "#9ea5ac")
UNSETTLED_COLOR = "#f8f9fa"
DIVERGED_COLOR = "#212529"
LEGEND_WIDTH = 200
MAP_MARGIN = {"l": 60, "t": 30, "b": 60}


_LINES: Memo[np.ndarray] = Memo(16)  # the last few contour-line sets: a rerun reuses them


def contour_lines(xs, ys, V, levels) -> np.ndarray:
    """`viz.isolines.isolines`, remembered for the last few inputs (marching squares costs
    tens of milliseconds; a rerun that moved an unrelated slider draws the same lines)."""
    arrays = [np.ascontiguousarray(a, dtype=float) for a in (xs, ys, V, levels)]
    key = hashlib.sha1(b"".join(a.tobytes() for a in arrays)).hexdigest()
    return _LINES.get_or_compute(key, lambda: isolines(*arrays))


class PointView(NamedTuple):
    """A point of a 2-D loss with its Hessian's eigen-decomposition (eigenvalues ascending,
    eigenvectors as columns), shaped like ``landscapes.CriticalPoint``."""

    w: np.ndarray
    value: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    kind: str = "point"
    index: int = 0


class LocalModel(NamedTuple):
    """The surface and its quadratic model at ``centre`` on the same grid of a window."""

    centre: np.ndarray
    value: float  # E(w₀)
    xs: np.ndarray
    ys: np.ndarray
    surface: np.ndarray  # (ny, nx) E
    model: np.ndarray  # (ny, nx) E(w₀) + gᵀΔ + ½ΔᵀHΔ


# --- eigen-arrows ----------------------------------------------------------------------------


def arrow_lengths(eigenvalues, reference: float, longest: float) -> np.ndarray:
    """Drawn length of the arrow of each eigenvalue: ``longest``·√(|λ|/reference), kept within
    [ARROW_FLOOR·longest, longest] so that small curvatures stay visible. The square root
    keeps an order of magnitude between curvatures readable without hiding the small ones."""
    magnitude = np.abs(np.asarray(eigenvalues, dtype=float))
    if reference <= 0:
        return np.full(magnitude.shape, ARROW_FLOOR * longest)
    return longest * np.clip(np.sqrt(magnitude / reference), ARROW_FLOOR, 1.0)


def curvature_sign(eigenvalues, reference: float) -> np.ndarray:
    """+1 (curves up), −1 (curves down) or 0 (|λ| ≤ ZERO_EIGENVALUE·reference) per eigenvalue."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    sign = np.sign(eigenvalues).astype(int)
    return np.where(np.abs(eigenvalues) <= ZERO_EIGENVALUE * reference, 0, sign)


def eigen_arrows(points, longest: float, reference: float | None = None) -> dict[int, np.ndarray]:
    """Arrows along each Hessian eigenvector of each point, both ways from the point.

    Returns {sign: (3·m, 2) rows (tail, tip, NaN) per arrow} for sign in {+1, −1, 0} (see
    `curvature_sign`); ``reference`` (default: the largest |λ| over ``points``) scales lengths.
    """
    points = list(points)
    if reference is None:
        reference = max((float(np.max(np.abs(p.eigenvalues))) for p in points), default=0.0)
    rows: dict[int, list] = {1: [], -1: [], 0: []}
    for p in points:
        centre = np.asarray(p.w, dtype=float)
        lengths = arrow_lengths(p.eigenvalues, reference, longest)
        signs = curvature_sign(p.eigenvalues, reference)
        vectors = np.asarray(p.eigenvectors, dtype=float)
        for k in range(len(lengths)):
            direction = vectors[:, k] / np.linalg.norm(vectors[:, k])
            for way in (1.0, -1.0):
                tip = centre + way * lengths[k] * direction
                rows[int(signs[k])] += [centre, tip, (np.nan, np.nan)]
    return {s: np.asarray(r, dtype=float).reshape(-1, 2) for s, r in rows.items()}


_ARROW_NAMES = {
    1: "λ > 0: curves up along this line",
    -1: "λ < 0: curves down (a way out)",
    0: "λ ≈ 0: flat to second order",
}
_ARROW_COLORS = {1: CURVES_UP, -1: CURVES_DOWN, 0: FLAT}


def _arrow_traces(arrows: dict[int, np.ndarray], look: Look, dash: str = "solid") -> list[dict]:
    traces = []
    for sign, xy in arrows.items():
        if not len(xy):
            continue
        color = _ARROW_COLORS[sign]
        traces.append(
            {
                "type": "scatter",
                "x": f32(xy[:, 0]),
                "y": f32(xy[:, 1]),
                "mode": "lines+markers",
                "name": _ARROW_NAMES[sign],
                "legendgroup": f"arrows{sign}",
                "line": {"color": color, "width": look.line_width, "dash": dash},
                "marker": {
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": np.tile([0, look.marker_size, 0], len(xy) // 3).tolist(),
                    "color": color,
                },
                # Not hoverable, hence not clickable: a click on the map goes to the grid.
                "hoverinfo": "skip",
                "unselected": {"marker": {"opacity": 1}},
            }
        )
    return traces


# --- markers by kind -------------------------------------------------------------------------


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def short_number(value: float, digits: int = 4) -> str:
    """A number to read aloud: "97.55", "−14.14", "2.3·10⁻¹⁴" (never "2.3e-14"), "0"."""
    value = float(value)
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else str(value)
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits}g}".replace("-", "−")
    mantissa, exponent = f"{value:.{max(digits - 2, 1)}e}".split("e")
    return f"{mantissa.replace('-', '−')}·10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


def latex_number(value: float, digits: int = 4) -> str:
    """A number for LaTeX: "95.81", "-12.39", "-2.31 \\cdot 10^{-14}" (never "e-14")."""
    value = float(value)
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.{digits}g}"
    mantissa, exponent = f"{value:.{max(digits - 2, 1)}e}".split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}"


def _eigen_text(eigenvalues) -> str:
    return ", ".join(short_number(v) for v in np.asarray(eigenvalues, dtype=float))


def kind_marker_traces(points, look: Look) -> list[dict]:
    """One marker trace per kind of critical point present, hover: E, λ's and the index."""
    traces = []
    for kind, symbol in KIND_SYMBOLS.items():
        chosen = [p for p in points if p.kind == kind]
        if not chosen:
            continue
        xy = f32([np.asarray(p.w, dtype=float) for p in chosen])
        text = [
            f"{kind} of index {p.index}<br>E = {p.value:.5g}<br>λ = {_eigen_text(p.eigenvalues)}"
            for p in chosen
        ]
        traces.append(
            {
                "type": "scatter",
                "x": xy[:, 0],
                "y": xy[:, 1],
                "name": kind,
                "mode": "markers",
                "marker": {
                    "symbol": symbol,
                    "size": look.marker_size + 6,
                    "color": look.foreground,
                    "line": {"color": look.background, "width": 1.5},
                },
                "text": text,
                "hovertemplate": "(%{x:.4g}, %{y:.4g})<br>%{text}<br><i>click: inspect</i>"
                "<extra></extra>",
                "unselected": {"marker": {"opacity": 1}},
            }
        )
    return traces


# --- the critical points map -----------------------------------------------------------------


def model_levels(value: float, surface: np.ndarray, count: int = MODEL_LEVELS) -> np.ndarray:
    """Contour levels E(w₀) + kΔ, k = −count … count, with Δ such that the levels span the
    surface's values in the window (E(w₀) itself is a level: at a saddle it draws the ✕)."""
    finite = np.asarray(surface, dtype=float)
    finite = finite[np.isfinite(finite)]
    spread = float(np.max(np.abs(finite - value))) if finite.size else 0.0
    step = spread / count if spread > 0 else 1.0
    return value + step * np.arange(-count, count + 1)


def local_model_traces(local: LocalModel, look: Look) -> list[dict]:
    """The model's contour lines (solid) and the surface's at the same levels (dotted)."""
    levels = model_levels(local.value, local.surface)
    traces = []
    for values, name, color, dash, width in (
        (local.surface, "E(w), same levels", look.foreground, "dot", 1.2),
        (local.model, "quadratic model at w₀", MODEL_COLORS[look.dark], "solid", 2.0),
    ):
        xy = f32(contour_lines(local.xs, local.ys, values, levels))
        traces.append(
            {
                "type": "scatter",
                "x": xy[:, 0] if len(xy) else [],
                "y": xy[:, 1] if len(xy) else [],
                "mode": "lines",
                "name": name,
                "line": {
                    "color": color,
                    "width": width * (1.5 if look.presentation else 1.0),
                    "dash": dash,
                },
                "hoverinfo": "skip",
            }
        )
    (x0, x1), (y0, y1) = (local.xs[0], local.xs[-1]), (local.ys[0], local.ys[-1])
    traces.append(
        {
            "type": "scatter",
            "x": [x0, x1, x1, x0, x0],
            "y": [y0, y0, y1, y1, y0],
            "mode": "lines",
            "name": "window of the model",
            "showlegend": False,
            "line": {"color": MODEL_COLORS[look.dark], "width": 1, "dash": "dash"},
            "hoverinfo": "skip",
        }
    )
    return traces


def _inspected_trace(point: PointView, look: Look) -> dict:
    x, y = (float(v) for v in point.w)
    return {
        "type": "scatter",
        "x": [x],
        "y": [y],
        "mode": "markers",
        "name": "inspected point w₀",
        "marker": {
            "symbol": "circle-open",
            "size": look.marker_size + 12,
            "color": MODEL_COLORS[look.dark],
            "line": {"width": 3, "color": MODEL_COLORS[look.dark]},
        },
        "hovertemplate": f"w₀ = ({x:.4g}, {y:.4g})<br>E = {point.value:.5g}<br>"
        f"λ = {_eigen_text(point.eigenvalues)}<extra></extra>",
        "unselected": {"marker": {"opacity": 1}},
    }


def fit_to_column(
    fig: AnimatedFigure,
    look: Look,
    *,
    traces: Sequence[dict] = (),
    click: str | None = None,
    colour_bar: bool = True,
    legend_rows: int = 2,
) -> AnimatedFigure:
    """A map from `contour_figure` with ``traces`` on top, sized for a page column: no fixed
    width, the legend above the map (out of the band on its right), the colour bar kept or
    not, and the click grid's hover saying what a ``click`` does (nothing when None).

    The figure is rebuilt from its parts instead of with `add_trace`/`update_layout`, which
    validate and copy every array again (about 10 ms a figure, on every rerun). Trace dicts
    of `contour_figure` may be shared with its cache, so they are copied before a change.
    """
    data = list(fig._data)  # the trace dicts, as `contour_figure` built them
    data[CLICK_GRID_TRACE] = {**data[CLICK_GRID_TRACE], "hovertemplate": click_hint(click)}
    if not colour_bar:
        data = [
            {**trace, "marker": {**trace["marker"], "showscale": False}}
            if trace.get("marker", {}).get("showscale")
            else trace
            for trace in data
        ]
    layout = dict(fig._layout)
    layout.pop("width", None)
    row_height = 1.6 * look.font_size
    layout["legend"] = {
        **layout.get("legend", {}),
        "orientation": "h",
        "x": 0.0,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "bottom",
    }
    layout["margin"] = {
        **layout.get("margin", {}),
        "t": int(20 + row_height * legend_rows),
        "r": 120 if colour_bar else 10,
    }
    return AnimatedFigure([*data, *traces], layout, fig.raw_frames, fig.controls)


def critical_points_figure(
    xs,
    ys,
    Z,
    points,
    *,
    look: Look = DEFAULT_LOOK,
    log_color: bool = False,
    inspected: PointView | None = None,
    local: LocalModel | None = None,
    max_arrows: int = MAX_ARROWS,
) -> go.Figure:
    """The contour map of Z with every critical point by kind and its eigen-arrows.

    Arrows are drawn when there are at most ``max_arrows`` points (markers always). A click
    on the map selects the nearest point of an invisible grid (trace ``CLICK_GRID_TRACE``) or
    a critical point's marker; ``inspected`` is drawn with its own (dashed) eigen-arrows and,
    with ``local``, the contour lines of its quadratic model over a window.
    """
    points = list(points)
    fig = contour_figure(xs, ys, Z, [], look=look, log_color=log_color)
    plot_size = min(float(xs[-1] - xs[0]), float(ys[-1] - ys[0]))
    longest = ARROW_FRACTION * plot_size
    reference = max((float(np.max(np.abs(p.eigenvalues))) for p in points), default=0.0)
    traces = []
    if points and len(points) <= max_arrows:
        traces += _arrow_traces(eigen_arrows(points, longest, reference), look)
    if local is not None:
        traces += local_model_traces(local, look)
    if inspected is not None:
        own_reference = reference or float(np.max(np.abs(inspected.eigenvalues)))
        arrows = eigen_arrows([inspected], longest, own_reference)
        for trace in _arrow_traces(arrows, look, dash="dash"):
            trace["showlegend"] = False
            traces.append(trace)
        traces.append(_inspected_trace(inspected, look))
    traces += kind_marker_traces(points, look)
    return fit_to_column(fig, look, traces=traces, click="inspect the Hessian here", legend_rows=3)


# --- basins of attraction --------------------------------------------------------------------


def basin_colours(kinds: Sequence[str]) -> list[str]:
    """A colour per target: the palette for minima in turn, a shade of grey for any other
    kind (an optimizer that ends there has not found a minimum)."""
    colours, minima, others = [], 0, 0
    for kind in kinds:
        if kind == "minimum":
            colours.append(BASIN_PALETTE[minima % len(BASIN_PALETTE)])
            minima += 1
        else:
            colours.append(STUCK_COLORS[others % len(STUCK_COLORS)])
            others += 1
    return colours


def _discrete_colorscale(colours: Sequence[str]) -> list[list]:
    """A step colour scale: value c ∈ {0 … C−1} (with zmin −0.5, zmax C − 0.5) gets colours[c]."""
    count = len(colours)
    scale = []
    for c, colour in enumerate(colours):
        scale += [[c / count, colour], [(c + 1) / count, colour]]
    return scale


def _map_layout(xs, ys, look: Look, *, legend_width: int = LEGEND_WIDTH) -> dict:
    """Axes with true angles and a width that follows the box's shape, legend on the right."""
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    height = look.height
    plot_height = height - MAP_MARGIN["t"] - MAP_MARGIN["b"]
    ratio = (x1 - x0) / (y1 - y0)
    plot_width = min(max(plot_height * ratio, 320.0), 3.0 * plot_height)
    legend_width = int(legend_width * (1.4 if look.presentation else 1.0))
    xaxis, yaxis = map_axes((x0, x1), (y0, y1))
    layout = base_layout(
        look,
        height=height,
        width=int(MAP_MARGIN["l"] + plot_width + legend_width),
        xaxis=xaxis,
        yaxis=yaxis,
        hovermode="closest",
        margin={**MAP_MARGIN, "r": legend_width},
    )
    layout["legend"] = {
        **layout["legend"],
        "orientation": "v",
        "x": 1.02,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "top",
    }
    return layout


def _surface_lines(xs, ys, Z, log_color: bool, look: Look, count: int = 16) -> dict:
    colour, _ = colour_values(Z, log_color)
    finite = colour[np.isfinite(colour)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    xy = f32(contour_lines(xs, ys, colour, np.linspace(low, high, count + 2)[1:-1]))
    return {
        "type": "scatter",
        "x": xy[:, 0] if len(xy) else [],
        "y": xy[:, 1] if len(xy) else [],
        "mode": "lines",
        "name": "contours of E",
        "showlegend": False,
        "line": {"color": look.contour_line_color, "width": 0.8},
        "hoverinfo": "skip",
    }


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %" if share >= 0.01 or share == 0 else f"{100 * share:.1g} %"


def basin_figure(
    xs,
    ys,
    labels,
    targets,
    *,
    shares=None,
    surface=None,
    log_color: bool = False,
    title: str = "",
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The basin map: cell (i, j) of ``labels`` (start ``(xs[j], ys[i])``) takes the colour
    of the target its run ended at (``targets``: critical points by attribute), light grey when
    it ended near none of them (−1) and black when it diverged (−2).

    ``shares``: optional fraction of the starts per target, then unsettled, then diverged
    (``landscapes.basins.basin_shares``), shown in the legend. ``surface``: optional
    ``(xs, ys, Z)`` whose contour lines are drawn over the map.
    """
    targets = list(targets)
    labels = np.asarray(labels, dtype=int)
    colours = [*basin_colours([t.kind for t in targets]), UNSETTLED_COLOR, DIVERGED_COLOR]
    k = len(targets)
    category = np.where(labels >= 0, labels, np.where(labels == -1, k, k + 1))
    names = [f"→ {t.kind} at ({t.w[0]:.3g}, {t.w[1]:.3g})" for t in targets] + [
        "→ near no critical point yet",
        "→ diverged",
    ]
    text = np.asarray(names, dtype=object)[category]
    data = [
        {
            "type": "heatmap",
            "x": f32(xs),
            "y": f32(ys),
            "z": category.astype(np.int16),
            "zmin": -0.5,
            "zmax": len(colours) - 0.5,
            "colorscale": _discrete_colorscale(colours),
            "showscale": False,
            "text": text,
            "hovertemplate": "start (%{x:.3g}, %{y:.3g})<br>%{text}<extra></extra>",
        }
    ]
    if surface is not None:
        data.append(_surface_lines(*surface, log_color, look))
    present = np.unique(category)
    for c in present:
        share = "" if shares is None else f", {_percent(shares[c])}"
        data.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "name": f"{names[c]}{share}",
                "marker": {
                    "symbol": "square",
                    "size": look.marker_size + 4,
                    "color": colours[c],
                    "line": {"color": look.foreground, "width": 1},
                },
            }
        )
    data += kind_marker_traces(targets, look)
    layout = _map_layout(xs, ys, look, legend_width=LEGEND_WIDTH + 60)
    if title:
        layout["title"] = {"text": title, "x": 0.0, "xanchor": "left"}
        layout["margin"]["t"] = 60
    return AnimatedFigure(data, layout)


# --- escaping a saddle -----------------------------------------------------------------------


class EscapeSeries(NamedTuple):
    """One optimizer's escape sweep: steps near the saddle for each start distance d."""

    name: str  # optimizer name (colour)
    label: str
    distances: np.ndarray
    steps_near: np.ndarray
    escaped: np.ndarray  # False: still within r at the end of the run (a lower bound)


def escape_axis_top(series: Sequence[EscapeSeries], estimate_steps=None) -> float:
    """The top of the step axis: room above the largest count of a run that escaped (and the
    estimate), so that one optimizer stuck for the whole budget does not flatten the rest."""
    finite = [np.asarray(s.steps_near, float)[np.asarray(s.escaped, bool)] for s in series]
    if estimate_steps is not None:
        finite.append(np.asarray(estimate_steps, dtype=float))
    values = np.concatenate([v[np.isfinite(v)] for v in finite] or [np.empty(0)])
    return 1.2 * float(values.max()) if values.size and values.max() > 0 else 10.0


def escape_figure(
    series: Sequence[EscapeSeries],
    *,
    budget: int,
    estimate=None,
    radius: float | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Steps spent within r of the saddle against d (log axis), one line per optimizer.

    A run still near the saddle after ``budget`` steps (a count that is only a lower bound)
    is drawn as an upward triangle along the top edge of the chart, which stops a little above
    the largest count of a run that escaped (`escape_axis_top`). ``estimate``: optional
    ``(distances, steps, label)`` drawn dashed.
    """
    top = escape_axis_top(series, None if estimate is None else estimate[1])
    data = []
    for s in series:
        color = optimizer_color(s.name)
        distances = np.asarray(s.distances, dtype=float)
        counts = np.asarray(s.steps_near, dtype=float)
        escaped = np.asarray(s.escaped, dtype=bool)
        data.append(
            {
                "type": "scatter",
                "x": f32(distances),
                "y": f32(np.where(escaped, counts, np.nan)),
                "mode": "lines+markers",
                "name": s.label,
                "legendgroup": s.name,
                "line": optimizer_line(s.name, look.line_width),
                "marker": optimizer_marker(s.name, look.line_width + 3),
                "hovertemplate": f"{s.label}<br>d = %{{x:.2e}}: %{{y}} steps near the saddle"
                "<extra></extra>",
            }
        )
        if not escaped.all():
            data.append(
                {
                    "type": "scatter",
                    "x": f32(distances[~escaped]),
                    "y": f32(np.full(int((~escaped).sum()), 0.97 * top)),
                    "mode": "markers",
                    "name": f"{s.label}: never left ({budget} steps)",
                    "legendgroup": s.name,
                    "marker": {
                        "symbol": "triangle-up",
                        "color": color,
                        "size": look.marker_size,
                    },
                    "customdata": counts[~escaped].astype(int),
                    "hovertemplate": f"{s.label}<br>d = %{{x:.2e}}: still within r after "
                    f"{budget} steps (%{{customdata}} iterates near)<extra></extra>",
                }
            )
    if estimate is not None:
        distances, steps, label = estimate
        data.append(
            {
                "type": "scatter",
                "x": f32(distances),
                "y": f32(steps),
                "mode": "lines",
                "name": label,
                "line": {"color": optimizer_color("gd"), "width": look.line_width, "dash": "dash"},
                "hovertemplate": "d = %{x:.2e}: %{y:.1f} steps<extra></extra>",
            }
        )
    radius_text = "" if radius is None else f" (r = {radius:.3g})"
    layout = base_layout(
        look,
        height=look.height,
        xaxis={
            "type": "log",
            "title": {"text": "d — start's distance from the stable direction"},
            "exponentformat": "power",
        },
        yaxis={
            "title": {"text": f"steps within r of the saddle{radius_text}"},
            "range": [0, top],
        },
        hovermode="closest",
        margin={"l": 70, "r": 10, "t": int(20 + 1.6 * look.font_size * 3), "b": 60},
    )
    return AnimatedFigure(data, layout)


def circle_outline(centre, radius: float, count: int = 73) -> np.ndarray:
    """(count, 2) points on the circle of ``radius`` around ``centre``, closed."""
    angle = np.linspace(0.0, 2.0 * np.pi, count)
    return np.asarray(centre, dtype=float) + radius * np.stack([np.cos(angle), np.sin(angle)], 1)


def escape_paths(sweeps, titles, index: int, budget: int, after: int = 20) -> list[OptimizerPath]:
    """The runs from the `index`-th start of each optimizer's sweep (`sweeps`: name → sweep
    with ``params`` (starts, steps + 1, 2), ``loss``, ``steps_near``, ``escaped`` and
    ``diverged_at``, −1 for none), all cut at `after` steps past the last escape (at most
    `budget`), a diverged run at its divergence."""
    longest = max(
        (int(s.steps_near[index]) for s in sweeps.values() if s.escaped[index]), default=0
    )
    drawn = min(budget, longest + after)
    paths = []
    for name, s in sweeps.items():
        stop = int(s.diverged_at[index])
        end = drawn + 1 if stop < 0 else min(drawn + 1, stop)
        paths.append(
            OptimizerPath(
                name,
                titles[name],
                s.params[index, :end],
                s.loss[index, :end],
                np.full((end, 2), np.nan),
            )
        )
    return paths


def escape_paths_figure(
    xs,
    ys,
    Z,
    paths: Sequence[OptimizerPath],
    *,
    centre,
    radius: float,
    unstable,
    stable,
    start,
    log_color: bool = False,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The runs from one start on the map around the saddle (animated, as in the playground),
    with the ball of radius r and the saddle's unstable (u) and stable (s) directions."""
    fig = contour_figure(
        xs,
        ys,
        Z,
        paths,
        look=look,
        log_color=log_color,
        saddles=[centre],
        start=start,
        max_frames=ESCAPE_FRAMES,
    )
    centre = np.asarray(centre, dtype=float)
    reach = 2.5 * radius
    ring = f32(circle_outline(centre, radius))
    extra = [
        {
            "type": "scatter",
            "x": ring[:, 0],
            "y": ring[:, 1],
            "mode": "lines",
            "name": f"r = {radius:.3g} around the saddle",
            "line": {"color": look.foreground, "width": 1.5, "dash": "dot"},
            "hoverinfo": "skip",
        }
    ]
    for vector, name, color in (
        (unstable, "unstable direction u (λ < 0)", CURVES_DOWN),
        (stable, "stable direction s (λ > 0)", CURVES_UP),
    ):
        ends = f32([centre - reach * np.asarray(vector), centre + reach * np.asarray(vector)])
        extra.append(
            {
                "type": "scatter",
                "x": ends[:, 0],
                "y": ends[:, 1],
                "mode": "lines",
                "name": name,
                "line": {"color": color, "width": 1.5, "dash": "dash"},
                "hoverinfo": "skip",
            }
        )
    return fit_to_column(fig, look, traces=extra, colour_bar=False, legend_rows=3)


# --- random Hessians -------------------------------------------------------------------------


def index_histogram_figure(counts, *, samples: int, look: Look = DEFAULT_LOOK) -> go.Figure:
    """Share of random N × N matrices with k = 0 … N negative eigenvalues (``counts``: (N+1,)).

    k = 0 (all positive: a minimum) and k = N (a maximum) are coloured apart from the saddles.
    """
    counts = np.asarray(counts, dtype=float)
    n = len(counts) - 1
    ks = np.arange(n + 1)
    shares = counts / samples
    colours = np.where(ks == 0, CURVES_UP, np.where(ks == n, "#7048e8", CURVES_DOWN)).tolist()
    kinds = ["minimum" if k == 0 else "maximum" if k == n else f"saddle of index {k}" for k in ks]
    data = [
        {
            "type": "bar",
            "x": ks,
            "y": f32(shares),
            "marker": {"color": colours},
            "customdata": np.stack([counts, np.asarray(kinds, dtype=object)], axis=1),
            "hovertemplate": "k = %{x} negative eigenvalues (%{customdata[1]})<br>"
            "%{customdata[0]:,} of " + f"{samples:,}" + " = %{y:.3%}<extra></extra>",
            "name": "share of the samples",
            "showlegend": False,
        }
    ]
    layout = base_layout(
        look,
        height=int(look.height * 0.75),
        title={"text": f"N = {n}: index of {samples:,} random symmetric matrices", "x": 0.0},
        xaxis={
            "title": {"text": "k — number of negative eigenvalues (the index)"},
            "range": [-0.6, n + 0.6],
        },
        yaxis={"title": {"text": "share of the samples"}, "tickformat": ".0%"},
        margin={"l": 70, "r": 10, "t": 60, "b": 60},
        bargap=0.1,
    )
    return AnimatedFigure(data, layout)


def positive_fraction_figure(
    ns, fraction, stderr, *, samples: int, current: int | None = None, look: Look = DEFAULT_LOOK
) -> go.Figure:
    """Share of N × N random matrices with all eigenvalues positive, against N (log axis).

    Sizes where no sample was positive definite are drawn as open downward triangles at
    3/samples: the true share is below that with 95 % confidence (the "rule of three").
    """
    ns = np.asarray(ns)
    fraction = np.asarray(fraction, dtype=float)
    stderr = np.asarray(stderr, dtype=float)
    seen = fraction > 0
    bound = 3.0 / samples
    data = [
        {
            "type": "scatter",
            "x": ns[seen],
            "y": f32(fraction[seen]),
            "error_y": {
                "type": "data",
                "array": f32(stderr[seen]),
                "visible": True,
                "color": CURVES_UP,
            },
            "mode": "lines+markers",
            "name": "sampled share (± standard error)",
            "line": {"color": CURVES_UP, "width": look.line_width},
            "marker": {"size": look.line_width + 4, "color": CURVES_UP},
            "hovertemplate": "N = %{x}: %{y:.3g}<extra></extra>",
        }
    ]
    if (~seen).any():
        data.append(
            {
                "type": "scatter",
                "x": ns[~seen],
                "y": np.full(int((~seen).sum()), bound),
                "mode": "markers",
                "name": f"none of {samples:,}: below ≈ 3/{samples:,}",
                "marker": {
                    "symbol": "triangle-down-open",
                    "size": look.marker_size,
                    "color": FLAT,
                    "line": {"width": 1.5, "color": FLAT},
                },
                "hovertemplate": "N = %{x}: no positive-definite sample<extra></extra>",
            }
        )
    if current is not None:
        data.append(
            {
                "type": "scatter",
                "x": [current, current],
                "y": [bound / 3, 1.0],
                "mode": "lines",
                "name": f"N = {current}",
                "line": {"color": look.foreground, "width": 1, "dash": "dot"},
                "hoverinfo": "skip",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.75),
        title={"text": "Share with all eigenvalues positive (a minimum)", "x": 0.0},
        xaxis={
            "title": {"text": "N — matrix size (number of weights)"},
            "range": [0, ns.max() + 1],
        },
        yaxis={
            "type": "log",
            "title": {"text": "share of the samples"},
            "exponentformat": "power",
            "range": [np.log10(bound / 3), 0.05],
        },
        margin={"l": 70, "r": 10, "t": 60, "b": 60},
    )
    layout["legend"] = {
        **layout["legend"],
        "orientation": "v",
        "x": 1.0,
        "xanchor": "right",
        "y": 1.0,
        "yanchor": "top",
    }
    return AnimatedFigure(data, layout)


# --- exact numbers ---------------------------------------------------------------------------


def exact_digits(value: int) -> str:
    """Every decimal digit of an integer, however large.

    Python refuses ``str(n)`` beyond 4300 digits (a guard against slow quadratic conversion);
    ``decimal`` converts with its own (fast) algorithm and has no such limit.
    """
    value = int(value)
    with localcontext() as context:
        context.prec = MAX_PREC
        return format(Decimal(value), "f")
