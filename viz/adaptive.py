"""Figures of adaptive learning rates and of good and poor minima.

* `bias_figure`: Adam on a gradient series — left, the running mean s (biased toward its start
  at 0) and the corrected ŝ against the gradients g; right, the step per step in units of ε,
  with the correction and (optionally) without it.
* `rates_figure`: the effective learning rate per weight over the steps (log axis), one colour
  per optimizer, solid for the first coordinate and dashed for the second.
* `well_figure`: a 1-D loss with a good (low) and a poor (high) minimum; starts coloured by the
  minimum gradient descent ends in, and one run's path down the curve.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from viz.figure import AnimatedFigure, f32
from viz.theme import DEFAULT_LOOK, Look, base_layout, optimizer_color, optimizer_style

GOOD, POOR = "#2ca02c", "#d62728"
PATH_STEPS = 40  # steps of the chosen run drawn: later ones pile up at the minimum
_CORRECTED, _UNCORRECTED, _GRADIENT = "#1f5fae", "#f58231", "#7f7f7f"


def _scatter(x, y, name, color, look, *, axes=("x", "y"), dash="solid", mode="lines", legend=True):
    return {
        "type": "scatter",
        "x": f32(x),
        "y": f32(y),
        "xaxis": axes[0],
        "yaxis": axes[1],
        "name": name,
        "mode": mode,
        "showlegend": legend,
        "line": {"color": color, "width": look.line_width * 0.8, "dash": dash},
        "marker": {"color": color, "size": look.marker_size * 0.6},
        "hovertemplate": f"{name}<br>step %{{x}}: %{{y:.4g}}<extra></extra>",
    }


def bias_figure(
    grads: np.ndarray,
    s: np.ndarray,
    s_hat: np.ndarray,
    corrected: np.ndarray,
    uncorrected: np.ndarray | None = None,
    *,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Two panels over steps t = 1 … T (arrays of shape (T,)): moments, then step sizes."""
    t = np.arange(1, len(grads) + 1)
    right = ("x2", "y2")
    data = [
        _scatter(t, grads, "gradient g", _GRADIENT, look, mode="markers"),
        _scatter(t, s, "s, no correction", _UNCORRECTED, look, dash="dash"),
        _scatter(t, s_hat, "ŝ = s/(1 − ρ₁ᵗ)", _CORRECTED, look),
        _scatter(t, corrected, "step, corrected", _CORRECTED, look, axes=right),
    ]
    if uncorrected is not None:
        data.append(_scatter(t, uncorrected, "step, no correction", _UNCORRECTED, look, axes=right))
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        xaxis={"title": {"text": "step t"}, "domain": [0.0, 0.45]},
        yaxis={"title": {"text": "first moment"}},
        xaxis2={"title": {"text": "step t"}, "domain": [0.55, 1.0], "anchor": "y2"},
        yaxis2={
            "title": {"text": "step |Δw| in units of ε"},
            "anchor": "x2",
            "rangemode": "tozero",
        },
    )
    return AnimatedFigure(data, layout)


def rates_figure(
    rates: Mapping[str, np.ndarray],
    labels: Mapping[str, str],
    coordinates: Sequence[str] = ("x", "y"),
    *,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Effective rate per weight over the steps: `rates[name]` is (T, d)."""
    data = []
    dashes = ("solid", "dash", "dot")
    for name, values in rates.items():
        values = np.asarray(values, dtype=float)
        steps = np.arange(1, len(values) + 1)
        for j in range(values.shape[1]):
            trace = _scatter(
                steps,
                values[:, j],
                f"{labels[name]}, along {coordinates[j]}",
                optimizer_color(name),
                look,
                dash=dashes[j % len(dashes)],
                mode="lines+markers",
            )
            # The dash tells the weights apart, so the optimizer's marker tells the rules
            # apart (a few along the line, not one per step).
            trace["marker"].update(symbol=optimizer_style(name).symbol, maxdisplayed=12)
            data.append(trace)
    layout = base_layout(
        look,
        height=int(look.height * 0.55),
        xaxis={"title": {"text": "step t"}},
        yaxis={
            "title": {"text": "effective rate per weight"},
            "type": "log",
            "exponentformat": "power",
        },
    )
    return AnimatedFigure(data, layout)


def well_figure(
    w: np.ndarray,
    E: np.ndarray,
    starts: np.ndarray,
    start_loss: np.ndarray,
    ends_in: np.ndarray,
    minima: np.ndarray,
    minima_loss: np.ndarray,
    path: np.ndarray | None = None,
    path_loss: np.ndarray | None = None,
    *,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The curve E(w); each start a dot on it, green if its run ends in the good minimum
    (minima[0]), red if in the poor one; the minima as stars; one run's path (its first
    `PATH_STEPS` steps) as open circles."""
    data = [
        {
            "type": "scatter",
            "x": f32(w),
            "y": f32(E),
            "mode": "lines",
            "name": "E(w)",
            "showlegend": False,
            "line": {"color": look.foreground, "width": look.line_width * 0.7},
            "hoverinfo": "skip",
        }
    ]
    ends_in = np.asarray(ends_in)
    for label, name, color in (
        (0, "start → good minimum", GOOD),
        (1, "start → poor minimum", POOR),
    ):
        chosen = ends_in == label
        data.append(
            {
                "type": "scatter",
                "x": f32(np.asarray(starts)[chosen]),
                "y": f32(np.asarray(start_loss)[chosen]),
                "mode": "markers",
                "name": name,
                "marker": {"color": color, "size": look.marker_size * 0.8},
                "hovertemplate": "start w₀ = %{x:.3g}<extra>" + name + "</extra>",
            }
        )
    if path is not None:
        data.append(
            {
                "type": "scatter",
                "x": f32(np.asarray(path)[: PATH_STEPS + 1]),
                "y": f32(np.asarray(path_loss)[: PATH_STEPS + 1]),
                "mode": "markers+lines",
                "name": "gradient descent from w₀",
                "line": {"color": look.foreground, "width": 1},
                "marker": {
                    "color": "rgba(0,0,0,0)",
                    "size": look.marker_size * 0.9,
                    "line": {"color": look.foreground, "width": 2},
                },
                "hovertemplate": "w = %{x:.4g}, E = %{y:.4g}<extra></extra>",
            }
        )
    data.append(
        {
            "type": "scatter",
            "x": f32(minima),
            "y": f32(minima_loss),
            "mode": "markers+text",
            "name": "minima",
            "text": ["good", "poor"][: len(minima)],
            "textposition": "bottom center",
            "marker": {"symbol": "star", "size": look.marker_size * 1.6, "color": [GOOD, POOR]},
            "showlegend": False,
            "hovertemplate": "minimum w = %{x:.4g}, E = %{y:.4g}<extra></extra>",
        }
    )
    layout = base_layout(
        look,
        height=int(look.height * 0.6),
        xaxis={"title": {"text": "w"}},
        yaxis={"title": {"text": "E(w)"}},
    )
    return AnimatedFigure(data, layout)
