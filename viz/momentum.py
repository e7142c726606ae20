"""Figures of the momentum page: a race and step lengths on a slope, steps against α, the
rate map, the error along the Hessian's eigen-directions, and a ravine's map with its eigen-axes.

Pure builders: NumPy arrays in, `go.Figure` out; every number is computed by the core and
handed in (the step length that momentum tends to, the optimum, the divergence boundary).
Measured values are markers or solid lines, predictions from `optim.theory` dashed lines in
the same colour, so "theory against simulation" reads the same way in every figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.contour import contour_figure
from viz.figure import MAX_FRAMES, AnimatedFigure, f32, frame_steps
from viz.theme import (
    DEFAULT_LOOK,
    Look,
    base_layout,
    optimizer_color,
    optimizer_line,
    optimizer_marker,
    optimizer_markers,
)

# log₁₀(1 − ρ) is the colour of the rate map: −4 is ρ = 0.9999 (ten thousand steps per
# decade of error), 0 is ρ = 0 (done in one step).
RATE_DECADES = 4
THEORY_MARKS = 50  # about this many open circles per predicted curve


class Series(NamedTuple):
    """One optimizer's numbers against the step: `values` of shape (n,) or (n, k)."""

    name: str  # the optimizer's core name: picks its colour
    label: str
    values: np.ndarray


def _color(name: str) -> str:
    return optimizer_color(name)


def _line(
    x,
    y,
    name: str,
    label: str,
    look: Look,
    *,
    dash: str | None = None,
    legend=True,
    axes=("x", "y"),
    markers=False,
    group=None,
) -> dict:
    return {
        "type": "scatter",
        "x": f32(x),
        "y": f32(y),
        "name": label,
        "legendgroup": group or label,
        "showlegend": legend,
        "mode": "lines+markers" if markers else "lines",
        # the optimizer's own dash unless the line means something else (a theory curve)
        "line": {**optimizer_line(name, look.line_width * 0.8), **({"dash": dash} if dash else {})},
        "marker": optimizer_marker(name, look.marker_size * 0.6),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "hovertemplate": f"{label}<br>%{{x:.4g}}: %{{y:.4g}}<extra></extra>",
    }


def _level(
    value: float, text: str, look: Look, *, dash: str = "dot", log_axis: bool = False
) -> tuple[dict, dict]:
    """A horizontal reference line across the plot with its label at the right end (on a log
    axis Plotly places shapes by value but annotations by log₁₀ of the value)."""
    shape = {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": value,
        "y1": value,
        "line": {"color": look.foreground, "width": 1.5, "dash": dash},
    }
    where = float(np.log10(value)) if log_axis else value
    note = {
        "xref": "x domain",
        "x": 1,
        "xanchor": "right",
        "yref": "y",
        "y": where,
        "yanchor": "bottom",
        "text": text,
        "showarrow": False,
        "font": {"size": look.font_size, "color": look.foreground},
    }
    return shape, note


# --- constant slope -------------------------------------------------------------------------


def slope_race_figure(
    progress: Sequence[Series], *, look: Look = DEFAULT_LOOK, max_frames: int = MAX_FRAMES
) -> AnimatedFigure:
    """The runs on a constant slope side by side: one row per run, a dot per step at the
    distance travelled downhill (`values` of shape (n+1,)), and a Play button that moves a
    head along each row (the growing gaps between momentum's dots are its acceleration)."""
    rows = len(progress)
    data = []
    for row, series in enumerate(progress):
        y = np.full(len(series.values), rows - 1 - row)
        data.append(
            {
                "type": "scatter",
                "x": f32(series.values),
                "y": f32(y),
                "name": series.label,
                "mode": "lines+markers",
                "legendgroup": series.label,
                "showlegend": False,
                "line": {"color": _color(series.name), "width": 1},
                "marker": {
                    "color": _color(series.name),
                    "size": look.marker_size * 0.7,
                    "symbol": "line-ns-open",
                    "line": {"width": 2},
                },
                "hovertemplate": f"{series.label}<br>step %{{pointNumber}}: %{{x:.4g}} downhill"
                "<extra></extra>",
            }
        )
    last = max(len(s.values) for s in progress) - 1
    steps = frame_steps(last, max_frames)
    heads = np.stack(
        [
            np.stack(
                [
                    np.asarray(s.values, float)[np.minimum(steps, len(s.values) - 1)],
                    np.full(len(steps), rows - 1 - row),
                ],
                axis=-1,
            )
            for row, s in enumerate(progress)
        ],
        axis=1,
    )  # (frames, rows, 2)
    head_index = len(data)
    data.append(
        {
            "type": "scatter",
            "x": f32(heads[-1, :, 0]),
            "y": f32(heads[-1, :, 1]),
            "mode": "markers",
            "showlegend": False,
            "hoverinfo": "skip",
            "marker": optimizer_markers(
                [s.name for s in progress],
                look.marker_size + 8,
                line={"color": look.background, "width": 2},
            ),
        }
    )
    layout = base_layout(
        look,
        height=int(look.height * 0.45),
        xaxis={"title": {"text": "distance travelled downhill"}, "zeroline": False},
        yaxis={
            "tickvals": list(range(rows)),
            "ticktext": [s.label for s in reversed(progress)],
            "range": [-0.6, rows - 0.4],
            "showgrid": False,
            "zeroline": False,
        },
        hovermode="closest",
        showlegend=False,
    )
    layout["margin"] = {**layout["margin"], "b": 90}
    frames = animation.frames(steps, [heads], [head_index])
    controls = animation.controls(steps, look)
    controls["sliders"][0]["active"] = len(steps) - 1
    return AnimatedFigure(data, layout, frames, controls)


def step_length_figure(
    measured: Sequence[Series],
    predicted: np.ndarray,
    *,
    gd_step: float,
    terminal_step: float,
    speedup: float,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Step length ‖w_t − w_{t−1}‖ against t on a constant slope, for each run in `measured`.

    `predicted`: momentum's step lengths ε‖g‖(1 − αᵗ)/(1 − α) for t = 1..n (dashed);
    `gd_step` = ε‖g‖ and `terminal_step` = ε‖g‖/(1 − α) are drawn as levels, the second
    labelled with the factor `speedup` = 1/(1 − α).
    """
    data = []
    for series in measured:
        steps = np.arange(1, len(series.values) + 1)
        data.append(_line(steps, series.values, series.name, series.label, look, markers=True))
    steps = np.arange(1, len(predicted) + 1)
    theory = _line(steps, predicted, "momentum", "theory ε‖g‖(1 − αᵗ)/(1 − α)", look, dash="dash")
    theory["line"]["color"] = look.foreground  # drawn over the measured dots, still visible
    data.append(theory)
    top, top_note = _level(terminal_step, f"ε‖g‖/(1 − α): ×{speedup:.3g} the GD step", look)
    bottom, bottom_note = _level(gd_step, "ε‖g‖: the GD step", look)
    layout = base_layout(
        look,
        height=int(look.height * 0.65),
        xaxis={"title": {"text": "step t"}, "rangemode": "tozero"},
        yaxis={"title": {"text": "step length ‖w(t) − w(t−1)‖"}, "rangemode": "tozero"},
        shapes=[top, bottom],
        annotations=[top_note, bottom_note],
        hovermode="x unified",
    )
    return AnimatedFigure(data, layout)


# --- steps to tolerance against α -----------------------------------------------------------


def alpha_sweep_figure(
    alphas: np.ndarray,
    measured: np.ndarray,
    predicted: np.ndarray,
    *,
    budget: int,
    current_alpha: float,
    optimal_alpha: float,
    optimal_steps: float,
    gd_optimal_steps: float,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Steps to the tolerance against α: measured (markers) and predicted (dashed line).

    Runs that did not get there within `budget` steps are left out and the band above the
    budget is shaded. Marked: the current α, Goh's α* (dotted vertical) and, as levels, the
    predicted steps of momentum at (ε*, α*) and of gradient descent at its own ε*.
    """
    alphas = np.asarray(alphas, dtype=float)
    shown = np.where(np.isfinite(measured), measured, np.nan)
    curve = np.where(np.isfinite(predicted), predicted, np.nan)
    data = [
        {
            "type": "scatter",
            "x": f32(alphas),
            "y": f32(shown),
            "mode": "markers",
            "name": "measured (one batched run per α)",
            "marker": {"color": _color("momentum"), "size": look.marker_size * 0.55},
            "hovertemplate": "α = %{x:.4g}: %{y} steps<extra>measured</extra>",
        },
        {
            "type": "scatter",
            "x": f32(alphas),
            "y": f32(curve),
            "mode": "lines",
            "name": "theory ⌈log tol / log ρ⌉",
            "line": {"color": look.foreground, "width": look.line_width * 0.7, "dash": "dash"},
            "hovertemplate": "α = %{x:.4g}: %{y} steps<extra>theory</extra>",
        },
    ]
    shapes, notes = [], []
    for value, text in (
        (optimal_steps, f"theory, momentum at (ε*, α*): {optimal_steps:.0f}"),
        (gd_optimal_steps, f"theory, GD at its ε*: {gd_optimal_steps:.0f}"),
    ):
        if np.isfinite(value) and value >= 1:
            shape, note = _level(value, text, look, log_axis=True)
            shapes.append(shape)
            notes.append(note)
    marks = [(optimal_alpha, "α*", "dot"), (current_alpha, "α", "solid")]
    if abs(current_alpha - optimal_alpha) < 1e-9:
        marks = [(optimal_alpha, "α = α*", "solid")]
    for value, text, dash in marks:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": value,
                "x1": value,
                "yref": "y domain",
                "y0": 0,
                "y1": 1,
                "line": {"color": look.foreground, "width": 1.5, "dash": dash},
            }
        )
        notes.append(
            {
                "xref": "x",
                "x": value,
                "yref": "y domain",
                "y": 1.0,
                "yanchor": "bottom",
                "text": text,
                "showarrow": False,
                "font": {"size": look.font_size, "color": look.foreground},
            }
        )
    levels = np.array([optimal_steps, gd_optimal_steps, budget], dtype=float)
    drawn = np.concatenate([shown, curve, levels])
    low = max(1.0, float(np.nanmin(np.where(drawn >= 1, drawn, np.nan))) / 1.5)
    high = budget * 4.0
    shapes.append(
        {
            "type": "rect",
            "xref": "x domain",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": budget,
            "y1": high,
            "fillcolor": "rgba(128,128,128,0.22)",
            "line": {"width": 0},
            "layer": "below",
        }
    )
    notes.append(
        {
            "xref": "x domain",
            "x": 0.01,
            "xanchor": "left",
            "yref": "y",
            "y": float(np.log10(budget)),
            "yanchor": "bottom",
            "showarrow": False,
            "text": f"not reached within {budget} steps",
            "font": {"size": look.font_size, "color": look.foreground},
        }
    )
    layout = base_layout(
        look,
        height=int(look.height * 0.85),
        xaxis={"title": {"text": "momentum α"}, "range": [0, 1]},
        yaxis={
            "title": {"text": "steps until ‖w − w*‖ ≤ tol·‖w₀ − w*‖"},
            "type": "log",
            "dtick": "D2",
            "range": [np.log10(low), np.log10(high)],
        },
        shapes=shapes,
        annotations=notes,
        hovermode="closest",
    )
    layout["margin"] = {**layout["margin"], "t": 70}
    return AnimatedFigure(data, layout)


# --- the rate map -----------------------------------------------------------------------------


def rate_map_figure(
    learning_rates: np.ndarray,
    alphas: np.ndarray,
    rates: np.ndarray,
    *,
    boundary: np.ndarray,
    current: tuple[float, float],
    optimum: tuple[float, float],
    gd_optimum: float,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The convergence rate ρ(ε, α) as a heat map, `rates` of shape (len(alphas), len(lrs)).

    Colours are log₁₀(1 − ρ) (how many decades of error one step removes, on a log scale), so
    ρ = 0.9, 0.99, 0.999 are evenly spaced; where ρ ≥ 1 the map is shaded grey and
    `boundary[i]` (the largest stable ε for alphas[i], (2 + 2α)/hₙ with hₙ the largest
    curvature) is drawn as a line.
    Marked: `current` (ε, α), Goh's `optimum` (ε*, α*) and gradient descent's ε* on α = 0.
    """
    rates = np.asarray(rates, dtype=float)
    converging = rates < 1
    with np.errstate(divide="ignore", invalid="ignore"):
        colour = np.log10(1.0 - np.where(converging, rates, np.nan))
    colour = np.clip(colour, -RATE_DECADES, 0.0)
    decades = np.arange(-RATE_DECADES, 1)
    data = [
        {
            "type": "heatmap",
            "x": f32(learning_rates),
            "y": f32(alphas),
            "z": f32(colour),
            "zmin": -RATE_DECADES,
            "zmax": 0,
            "colorscale": "Viridis",
            "customdata": f32(rates),
            "hovertemplate": "ε = %{x:.3g}, α = %{y:.3g}<br>ρ = %{customdata:.4f}<extra></extra>",
            "colorbar": {
                "title": {"text": "rate ρ"},
                "tickvals": decades.tolist(),
                "ticktext": [f"{1 - 10.0**d:.4g}" for d in decades],
                "thickness": 14,
                "len": 0.85,
            },
        },
        {
            "type": "heatmap",
            "x": f32(learning_rates),
            "y": f32(alphas),
            "z": f32(np.where(converging, np.nan, 1.0)),
            "showscale": False,
            "colorscale": [[0, "rgba(128,128,128,0.55)"], [1, "rgba(128,128,128,0.55)"]],
            "hovertemplate": "ε = %{x:.3g}, α = %{y:.3g}<br>diverges (ρ ≥ 1)<extra></extra>",
            "name": "diverges",
        },
        {
            "type": "scatter",
            "x": f32(boundary),
            "y": f32(alphas),
            "mode": "lines",
            "name": "εhₙ = 2 + 2α: beyond it, divergence",
            "line": {"color": look.foreground, "width": look.line_width * 0.7, "dash": "dash"},
            "hoverinfo": "skip",
        },
    ]
    marks = (
        (current, "current (ε, α)", "circle-open", look.foreground),
        (optimum, "Goh's optimum (ε*, α*)", "star", look.foreground),
        ((gd_optimum, 0.0), "GD's optimum ε*", "diamond", _color("gd")),
    )
    for (lr, alpha), label, symbol, color in marks:
        data.append(
            {
                "type": "scatter",
                "x": [float(lr)],
                "y": [float(alpha)],
                "mode": "markers",
                "name": label,
                "marker": {
                    "symbol": symbol,
                    "size": look.marker_size + 6,
                    "color": color,
                    "line": {
                        "color": look.background if symbol != "circle-open" else color,
                        "width": 3 if symbol == "circle-open" else 1.5,
                    },
                },
                "hovertemplate": f"{label}<br>ε = %{{x:.4g}}, α = %{{y:.4g}}<extra></extra>",
                "cliponaxis": False,  # GD's optimum sits on the edge α = 0
            }
        )
    layout = base_layout(
        look,
        height=look.height,
        xaxis={
            "title": {"text": "learning rate ε"},
            "type": "log",
            "range": [np.log10(learning_rates[0]), np.log10(learning_rates[-1])],
        },
        yaxis={"title": {"text": "momentum α"}, "range": [float(alphas[0]), float(alphas[-1])]},
        hovermode="closest",
    )
    return AnimatedFigure(data, layout)


# --- the error along the eigen-directions ----------------------------------------------------


def eigen_errors_figure(
    measured: Sequence[Series],
    predicted: Sequence[Series],
    *,
    titles: tuple[str, str],
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The error xₜ = qᵢᵀ(wₜ − w*) along the flat (left) and the steep (right) eigenvector.

    `measured` series hold (n+1, 2) errors from the runs (lines), `predicted` ones the closed
    form (open circles in the same colour); `titles` name the two directions. Linear axes:
    the sign shows the oscillation (a zig-zag flips it every step, a slow swing every few
    steps).
    """
    data = []
    for series in measured:
        steps = np.arange(len(series.values))
        for column, axes in enumerate((("x", "y"), ("x2", "y2"))):
            data.append(
                _line(
                    steps,
                    series.values[:, column],
                    series.name,
                    series.label,
                    look,
                    legend=column == 0,
                    axes=axes,
                )
            )
    for series in predicted:
        # open circles every few steps: the measured line shows through them
        steps = np.arange(0, len(series.values), max(1, len(series.values) // THEORY_MARKS))
        label = f"{series.label} (theory)"
        for column, axes in enumerate((("x", "y"), ("x2", "y2"))):
            trace = _line(
                steps,
                series.values[steps, column],
                series.name,
                label,
                look,
                legend=column == 0,
                axes=axes,
            )
            trace["mode"] = "markers"
            trace["marker"] = {
                "symbol": "circle-open",
                "color": _color(series.name),
                "size": look.marker_size * 0.8,
                "line": {"width": 1.5},
            }
            data.append(trace)
    axis = {"zeroline": True, "zerolinewidth": 1.5}
    layout = base_layout(
        look,
        height=int(look.height * 0.8),
        xaxis={"title": {"text": "step t"}, "domain": [0.0, 0.47]},
        yaxis={"title": {"text": "error along the direction"}, **axis},
        xaxis2={"title": {"text": "step t"}, "domain": [0.53, 1.0], "anchor": "y2"},
        yaxis2={"anchor": "x2", **axis},
        annotations=[
            {
                "text": text,
                "xref": f"{x} domain",
                "yref": f"{y} domain",
                "x": 0.5,
                "y": 1.0,
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": look.font_size + 1},
            }
            for text, x, y in ((titles[0], "x", "y"), (titles[1], "x2", "y2"))
        ],
        hovermode="x unified",
    )
    layout["legend"] = {**layout["legend"], "y": 1.09}
    layout["margin"] = {**layout["margin"], "t": 90}
    return AnimatedFigure(data, layout)


def eigen_axes(
    centre: Sequence[float],
    eigenvectors: np.ndarray,
    labels: tuple[str, str],
    half_length: float,
    look: Look = DEFAULT_LOOK,
) -> dict:
    """Layout entries (`shapes`, `annotations`) for two lines through `centre` along the
    eigenvector columns, labelled at one end: a ravine's flat and steep directions. The lines
    lie between the map and the paths (shape layer "between"), so a path along the valley
    floor stays visible on top of its axis."""
    centre = np.asarray(centre, dtype=float)
    shapes, notes = [], []
    for column, (label, dash) in enumerate(zip(labels, ("dash", "dot"), strict=True)):
        direction = np.asarray(eigenvectors, dtype=float)[:, column]
        (x0, y0), (x1, y1) = centre - half_length * direction, centre + half_length * direction
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "y",
                "x0": x0,
                "y0": y0,
                "x1": x1,
                "y1": y1,
                "layer": "between",
                "line": {"color": look.foreground, "width": 1.5, "dash": dash},
            }
        )
        notes.append(
            {
                "xref": "x",
                "yref": "y",
                "x": x1,
                "y": y1,
                "text": label,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": look.font_size, "color": look.foreground},
                "bgcolor": look.background,
                "opacity": 0.85,
            }
        )
    return {"shapes": shapes, "annotations": notes}


def ravine_figure(
    xs,
    ys,
    Z,
    paths: Sequence,
    *,
    minima: Sequence,
    start: Sequence[float],
    centre: Sequence[float],
    eigenvectors: np.ndarray,
    axis_labels: tuple[str, str],
    legend_order: Sequence[str],
    look: Look = DEFAULT_LOOK,
) -> AnimatedFigure:
    """The ravine's contour map with the runs' `paths` (`viz.contour.contour_figure`) and its
    two eigen-axes through `centre` (`eigen_axes`, labelled `axis_labels`, each 0.45 of the
    map's width long on either side). The paths may be drawn in any order; their legend
    entries follow `legend_order` (the optimizers' names), ahead of the markers' entries."""
    fig = contour_figure(xs, ys, Z, paths, look=look, minima=minima, start=start)
    for trace in fig.data:
        if trace.legendgroup in legend_order:  # before the markers' entries (rank 1000)
            trace.legendrank = 1 + list(legend_order).index(trace.legendgroup)
    axes = eigen_axes(centre, eigenvectors, axis_labels, 0.45 * (xs[-1] - xs[0]), look)
    fig.update_layout(
        shapes=[*fig.layout.shapes, *axes["shapes"]],
        annotations=[*fig.layout.annotations, *axes["annotations"]],
    )
    return fig
