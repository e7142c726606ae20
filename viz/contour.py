"""The playground's main figure: a filled contour map with every optimizer's path on it.

Layers, bottom to top: the filled map, a layout image banded like a contour fill, and its
contour lines (not a Plotly contour trace, which Plotly drops while animating; see
`viz.isolines`); an invisible heatmap that catches clicks (an image emits no point events,
so a click on the map reports the nearest heatmap point, and the page makes it the start
point); one line per optimizer; markers where runs
diverged; the known minima, saddles and maxima; the start point; and the moving layer of the
animation (each optimizer's current point and, optionally, its internals: −gradient, velocity
and √r ellipse, see `viz.paths`).

Where the loss spans orders of magnitude (Rosenbrock, Beale) the colours follow
log₁₀(E − E_min + c) with c = 10⁻⁴ of the range, so the floor of the valley is resolved; the
colour bar is labelled in loss values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from viz import animation
from viz.figure import MAX_FRAMES, AnimatedFigure, f32, frame_steps
from viz.isolines import isolines
from viz.memo import Memo
from viz.paths import OptimizerPath, arrow_segments, at_steps, ellipse_outlines, length_scale
from viz.raster import banded_map
from viz.theme import (
    DEFAULT_LOOK,
    Look,
    base_layout,
    map_axes,
    optimizer_color,
    optimizer_line,
    optimizer_marker,
    optimizer_markers,
)

CLICK_GRID_TRACE = 2  # index of the invisible click-catching grid among the figure's traces
BANDS = 24  # colour bands of the filled map, each edge a contour line
LOG_SHIFT = 1e-4
BOTTOM_MARGIN = 120  # room under the map for the x axis, Play/Pause and the step slider
TOP_MARGIN = 30
LEFT_MARGIN = 60
COLORBAR_BAND = 120  # pixels right of the map for the colour bar, before the legend


def colour_values(Z: np.ndarray, log_color: bool) -> tuple[np.ndarray, dict]:
    """The values to colour by, and colour-bar settings labelled in loss values."""
    Z = np.asarray(Z, dtype=float)
    finite = Z[np.isfinite(Z)]
    if not log_color or finite.size == 0:
        return Z, {"title": {"text": "E(w)"}}
    low, span = float(finite.min()), float(np.ptp(finite)) or 1.0
    shift = LOG_SHIFT * span
    values = np.log10(Z - low + shift)
    decades = np.arange(np.ceil(np.log10(shift)), np.floor(np.log10(span)) + 1)
    ticks = {
        "tickvals": np.log10(10.0**decades + shift).tolist(),
        "ticktext": [_tick_label(low + 10.0**d, d) for d in decades],
        "title": {"text": "E(w), log scale"},
    }
    return values, ticks


def _tick_label(value: float, decade: float) -> str:
    """E* + 10^decade, with digits down to that decade, so that ticks a decade apart never
    read the same (1.0954, 1.0963, 1.105, 1.2 above E* = 1.0953, not 1.1, 1.1, 1.11, 1.2)."""
    if not 1e-3 <= abs(value) < 1e4:
        return f"{value:.0e}"
    digits = max(3, int(np.floor(np.log10(abs(value)))) - int(decade) + 2)
    return f"{value:.{digits}g}"


def log_transform(values, Z: np.ndarray) -> np.ndarray:
    """Map loss values into the colour coordinate `colour_values(Z, True)` uses."""
    finite = np.asarray(Z, dtype=float)[np.isfinite(Z)]
    low, span = float(finite.min()), float(np.ptp(finite)) or 1.0
    return np.log10(np.maximum(np.asarray(values, dtype=float) - low, 0.0) + LOG_SHIFT * span)


def _points_trace(points, name: str, symbol: str, look: Look, size: int) -> dict:
    xy = f32(np.reshape(points, (-1, 2)))
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "name": name,
        "mode": "markers",
        "marker": {
            "symbol": symbol,
            "size": size,
            "color": look.foreground,
            "line": {"color": look.background, "width": 1.5},
        },
        "hovertemplate": f"{name}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>",
        "unselected": {"marker": {"opacity": 1}},
    }


def _click_grid(xs, ys, Z, count: int) -> dict:
    """An invisible heatmap over the map at ``count`` × ``count`` points: hovering shows the
    loss there and a click reports the nearest point (an image emits no point events). One
    heatmap is one image for Plotly to draw; 1,600 invisible markers were 1,600 SVG paths to
    redraw on every rerun."""
    ix = np.unique(np.linspace(0, len(xs) - 1, count).round().astype(int))
    iy = np.unique(np.linspace(0, len(ys) - 1, count).round().astype(int))
    return {
        "type": "heatmap",
        "x": f32(xs[ix]),
        "y": f32(ys[iy]),
        "z": f32(Z[np.ix_(iy, ix)]),
        "name": "click to start here",
        "opacity": 0,
        "showscale": False,
        "showlegend": False,
        "hovertemplate": click_hint("start here"),
    }


def click_hint(action: str | None) -> str:
    """The click grid's hover text: the point, its loss, and what a click does there."""
    hint = f"<br><i>click: {action}</i>" if action else ""
    return f"(%{{x:.3g}}, %{{y:.3g}})  E = %{{z:.4g}}{hint}<extra></extra>"


def _path_trace(path: OptimizerPath, look: Look) -> dict:
    xy = f32(path.params)
    dense = path.last_step <= 150  # step markers show the step sizes, until they crowd
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "name": path.label,
        "legendgroup": path.name,
        "mode": "lines+markers" if dense else "lines",
        "line": optimizer_line(path.name, look.line_width),
        "marker": optimizer_marker(path.name, look.line_width + 3),
        "hovertemplate": f"{path.label}<br>step %{{pointNumber}}: (%{{x:.4g}}, %{{y:.4g}})"
        "<extra></extra>",
        "unselected": {"marker": {"opacity": 1}},
        "meta": animation.GROWS,  # one point per step: drawn as the animation goes
    }


def _diverged_trace(paths: Sequence[OptimizerPath], look: Look) -> dict | None:
    ended = [p for p in paths if p.diverged_at is not None]
    if not ended:
        return None
    xy = f32([p.params[-1] for p in ended])
    return {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "mode": "markers",
        "showlegend": False,
        "name": "diverged",
        "marker": {
            "symbol": "x-thin",
            "size": 2 * look.marker_size,
            "color": [optimizer_color(p.name) for p in ended],
            "line": {"width": 4, "color": [optimizer_color(p.name) for p in ended]},
        },
        "customdata": [p.diverged_at for p in ended],
        "hovertemplate": "diverged at step %{customdata}<extra></extra>",
        "unselected": {"marker": {"opacity": 1}},
    }


class _Moving:
    """The animated layer at every frame step: each optimizer's point, and its internals.

    Arrays are (F, k, 2) for F frame steps and k optimizers; a run that ended (diverged) holds
    its last point and shows no internals afterwards."""

    def __init__(
        self, paths: Sequence[OptimizerPath], steps: np.ndarray, plot_size: float, internals: bool
    ):
        self.paths, self.steps, self.plot_size, self.internals = paths, steps, plot_size, internals
        self.here = self._stack(lambda p: p.params)
        alive = steps[:, None] <= np.array([p.last_step for p in paths])[None, :]
        self.grad = np.where(alive[..., None], self._stack(lambda p: p.grad), np.nan)
        self.velocity = np.where(alive[..., None], self._stack(lambda p: p.velocity), np.nan)
        # Ellipses only for the rules that keep a second moment (RMSProp, Adam, ...).
        self.has_moment = np.array([p.second_moment is not None for p in paths])
        moment = np.where(alive[..., None], self._stack(lambda p: p.second_moment), np.nan)
        self.root_moment = np.sqrt(np.maximum(moment, 0.0))[:, self.has_moment]
        self.gradient_scale = length_scale([self.grad, self.root_moment], plot_size)
        self.velocity_scale = length_scale([self.velocity], plot_size)

    def _stack(self, values_of) -> np.ndarray:
        columns = [
            np.full((len(self.steps), 2), np.nan)
            if values_of(p) is None
            else at_steps(np.asarray(values_of(p), dtype=float), self.steps)
            for p in self.paths
        ]
        return np.stack(columns, axis=1)

    def layers(self) -> list[np.ndarray]:
        """(F, m, 2) positions of each moving trace (same order as `styles`)."""
        if not self.internals:
            return [self.here]
        return [
            self.here,
            arrow_segments(self.here, -self.grad, self.gradient_scale, self.plot_size),
            arrow_segments(self.here, self.velocity, self.velocity_scale, self.plot_size),
            ellipse_outlines(
                self.here[:, self.has_moment], self.root_moment, self.gradient_scale, self.plot_size
            ),
        ]

    def styles(self, look: Look) -> list[dict]:
        """The static part of the moving traces (colours, symbols, names)."""
        colors = [optimizer_color(p.name) for p in self.paths]
        heads = {
            "type": "scatter",
            "mode": "markers",
            "name": "current step",
            "showlegend": False,
            "marker": optimizer_markers(
                [p.name for p in self.paths],
                look.marker_size + 4,
                line={"color": look.background, "width": 2},
            ),
            "hoverinfo": "skip",
            "unselected": {"marker": {"opacity": 1}},
        }
        if not self.internals:
            return [heads]
        tips = np.tile([0, look.marker_size, 0], len(self.paths)).tolist()

        def arrow(name, dash, tip_colors):
            return {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "line": {"color": look.foreground, "width": look.line_width * 0.8, "dash": dash},
                "marker": {
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": tips,
                    "color": tip_colors,
                },
                "hoverinfo": "skip",
                "unselected": {"marker": {"opacity": 1}},
            }

        moment = {
            "type": "scatter",
            "mode": "lines",
            "name": "√r per coordinate",
            "line": {"color": look.foreground, "width": 1.5, "dash": "dot"},
            "hoverinfo": "skip",
        }
        return [
            heads,
            arrow("−gradient", "solid", look.foreground),
            arrow("velocity", "dash", np.repeat(colors, 3).tolist()),
            moment,
        ]


_BACKGROUNDS: Memo[tuple] = Memo(8)  # the last few maps: sliders that move paths reuse them


def filled_map(xs, ys, Z, log_color: bool, look: Look) -> tuple[dict, dict, dict]:
    """The filled map (layout image), its contour lines and a colour-bar carrier trace.

    Not a Plotly contour trace: see `viz.isolines` (animation drops contour traces)."""
    digest = hashlib.sha1(b"".join(a.tobytes() for a in (xs, ys, Z))).hexdigest()
    key = (digest, log_color, look.dark, look.presentation)
    return _BACKGROUNDS.get_or_compute(key, lambda: _filled_map(xs, ys, Z, log_color, look))


def _filled_map(xs, ys, Z, log_color: bool, look: Look) -> tuple[dict, dict, dict]:
    colour, colorbar = colour_values(Z, log_color)
    image, edges = banded_map(xs, ys, colour, look.contour_colorscale, BANDS)
    low, high, x0, y0 = float(edges[0]), float(edges[-1]), float(xs[0]), float(ys[0])
    xy = f32(isolines(xs, ys, colour, edges[1:-1]))
    lines = {
        "type": "scatter",
        "x": xy[:, 0],
        "y": xy[:, 1],
        "mode": "lines",
        "name": "contours",
        "line": {"color": look.contour_line_color, "width": 0.7},
        "hoverinfo": "skip",
        "showlegend": False,
    }
    colour_bar = {  # an invisible point whose only job is to show the colour bar
        "type": "scatter",
        "x": [float(x0)],
        "y": [float(y0)],
        "mode": "markers",
        "hoverinfo": "skip",
        "showlegend": False,
        "marker": {
            "color": [low],
            "cmin": low,
            "cmax": high,
            "opacity": 0,
            "colorscale": look.contour_colorscale,
            "showscale": True,
            "colorbar": {
                **colorbar,
                "title": {**colorbar["title"], "side": "right"},
                "thickness": 14,
                "len": 0.85,
                "x": 1.0,
                "xanchor": "left",
                "xpad": 10,
                "outlinewidth": 0,
            },
        },
    }
    return image, lines, colour_bar


def contour_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    Z: np.ndarray,
    paths: Sequence[OptimizerPath],
    *,
    look: Look = DEFAULT_LOOK,
    log_color: bool = False,
    minima: Sequence = (),
    saddles: Sequence = (),
    maxima: Sequence = (),
    start: Sequence[float] | None = None,
    internals: bool = False,
    max_frames: int = MAX_FRAMES,
    click_grid: int = 40,
) -> AnimatedFigure:
    """Contour map of Z (rows along `ys`, columns along `xs`) with the optimizers' `paths`.

    Returns an `AnimatedFigure` whose frames (at most `max_frames`, evenly spread over the
    longest run) move each optimizer's current point, plus its internals when `internals`.
    Positions are drawn where they are, never clipped: a point outside the box is off-plot.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    map_image, lines, colour_bar = filled_map(xs, ys, np.asarray(Z, dtype=float), log_color, look)
    data = [colour_bar, lines, _click_grid(xs, ys, np.asarray(Z, dtype=float), click_grid)]
    data += [_path_trace(p, look) for p in paths]
    diverged = _diverged_trace(paths, look)
    if diverged is not None:
        data.append(diverged)
    for points, name, symbol in (
        (minima, "minimum", "star"),
        (saddles, "saddle", "x"),
        (maxima, "maximum", "triangle-up"),
    ):
        if len(points):
            data.append(_points_trace(points, name, symbol, look, look.marker_size + 4))
    if start is not None:
        trace = _points_trace([start], "start", "circle-open", look, look.marker_size + 8)
        trace["marker"]["line"] = {"color": look.foreground, "width": 3}
        data.append(trace)

    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    xaxis, yaxis = map_axes((x0, x1), (y0, y1))
    layout = base_layout(look, height=look.height, xaxis=xaxis, yaxis=yaxis, hovermode="closest")
    layout["images"] = [map_image]
    # The figure is as wide as the box's shape asks (no empty bands beside a square map); the
    # colour bar and then the legend sit in a fixed band to the right of the map.
    bottom = BOTTOM_MARGIN if paths else 60
    plot_height = look.height - TOP_MARGIN - bottom
    ratio = (x1 - x0) / (y1 - y0)
    plot_width = min(max(plot_height * ratio, 320.0), 3.0 * plot_height)
    legend_width = 250 if look.presentation else 180
    layout["width"] = int(LEFT_MARGIN + plot_width + COLORBAR_BAND + legend_width)
    layout["margin"] = {
        "l": LEFT_MARGIN,
        "r": COLORBAR_BAND + legend_width,
        "t": TOP_MARGIN,
        "b": bottom,
    }
    layout["legend"] = {
        **layout["legend"],
        "orientation": "v",
        "x": 1 + COLORBAR_BAND / plot_width,
        "xanchor": "left",
        "y": 1.0,
        "yanchor": "top",
    }

    if not paths:
        return AnimatedFigure(data, layout)
    steps = frame_steps(max(p.last_step for p in paths), max_frames)
    moving = _Moving(paths, steps, min(x1 - x0, y1 - y0), internals)
    layers = moving.layers()
    indices = list(range(len(data), len(data) + len(layers)))
    for style, xy in zip(moving.styles(look), layers, strict=True):
        data.append({**style, "x": f32(xy[0, :, 0]), "y": f32(xy[0, :, 1])})
    if len(steps) == 1:
        return AnimatedFigure(data, layout)
    frames = animation.frames(steps, layers, indices)
    return AnimatedFigure(data, layout, frames, animation.controls(steps, look))
