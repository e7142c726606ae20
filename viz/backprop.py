"""Figures of the backpropagation page: the network stepped through forward pass → BP1 → BP2 →
BP3/BP4 (animated), the gradient three ways, the finite-difference error against h, the
learning slowdown of a saturated neuron, and per-layer gradient norms in a deep network.

Arrays in (the numbers of `landscapes.backprop`), Plotly figures and LaTeX text out; nothing
here computes a gradient. The network graph's frames restyle only its scatter traces (texts,
colours, highlighted edges), so Plotly plays them without a redraw.

A step of the walk is `(kind, l)`: ("input", 0), ("forward", l) for l = 1 … L, ("bp1", L),
("bp2", l) for l = L−1 … 1, ("grad", l) for l = L … 1 (BP3 and BP4 of layer l): 3L + 1 steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import plotly.graph_objects as go

from viz import animation
from viz.figure import AnimatedFigure, f32
from viz.theme import DEFAULT_LOOK, Look, base_layout

IDLE = "#b8c0cc"  # a neuron not computed yet
FORWARD = "#4a78b5"  # z and a known
ACTIVE = "#f28e2b"  # being computed in this step
BACKWARD = "#9b59b6"  # δ known
GRADIENT = "#2ca02c"  # ∂C/∂w known
EDGE = "rgba(140,150,165,0.45)"
# An edge's number sits this far along it, from neuron k toward neuron j: nearer the target
# for the lower targets, so that the numbers of edges into neighbouring neurons do not meet.
LABEL_FROM, LABEL_TO = 0.58, 0.78
RINGS = 7  # the trace that rings what a step computes (after edges … targets, before a pick)
DELTA_BELOW = 0.32  # δ is written this far (in units of the neurons' spacing) below a neuron
FLOOR = 1e-18  # a zero on a log axis
COST_NAMES = {"quadratic": "quadratic ½(a − y)²", "cross_entropy": "cross-entropy"}
COST_COLORS = {"quadratic": "#d62728", "cross_entropy": "#1f77b4"}
_SUP = str.maketrans("0123456789−+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


class Step(NamedTuple):
    kind: str  # "input" | "forward" | "bp1" | "bp2" | "grad"
    layer: int


def walk(layers: int) -> list[Step]:
    """The steps of forward pass and backpropagation through `layers` layers (3L + 1)."""
    steps = [Step("input", 0)]
    steps += [Step("forward", l) for l in range(1, layers + 1)]
    steps += [Step("bp1", layers)]
    steps += [Step("bp2", l) for l in range(layers - 1, 0, -1)]
    steps += [Step("grad", l) for l in range(layers, 0, -1)]
    return steps


def sup(l: int) -> str:
    return str(l).translate(_SUP)


def sub(i: int) -> str:
    return str(i).translate(_SUB)


def number(value: float) -> str:
    """A value as the graph and the equations show it: 3 significant digits."""
    value = float(value)
    if value == 0:
        return "0"
    text = f"{value:.3g}"
    return text.replace("-", "−")


def step_label(step: Step) -> str:
    """The short name of a step (the animation slider's label)."""
    return {
        "input": "input a⁰ = x",
        "forward": f"forward, layer {step.layer}",
        "bp1": f"BP1, layer {step.layer}",
        "bp2": f"BP2, layer {step.layer}",
        "grad": f"BP3/BP4, layer {step.layer}",
    }[step.kind]


def step_equation(step: Step) -> str:
    """The equation a step applies, in plain text (the animation's caption)."""
    l, u = sup(step.layer), sup(step.layer + 1)
    return {
        "input": "a⁰ = x: the example enters the input layer",
        "forward": f"z{l} = w{l} a{sup(step.layer - 1)} + b{l},   a{l} = σ(z{l})",
        "bp1": f"BP1:  δ{l} = ∇ₐC ⊙ σ′(z{l})",
        "bp2": f"BP2:  δ{l} = ((w{u})ᵀ δ{u}) ⊙ σ′(z{l})",
        "grad": f"BP3: ∂C/∂b{l} = δ{l}     BP4: ∂C/∂w{l}ⱼₖ = a{sup(step.layer - 1)}ₖ δ{l}ⱼ",
    }[step.kind]


# --- geometry of the graph ------------------------------------------------------------------


def neuron_positions(sizes: Sequence[int]) -> list[np.ndarray]:
    """(n_l, 2) positions per layer: layer l at x = l, neuron 1 on top, centred at y = 0."""
    return [
        np.stack([np.full(n, float(l)), (n - 1) / 2.0 - np.arange(n, dtype=float)], axis=1)
        for l, n in enumerate(sizes)
    ]


class Edge(NamedTuple):
    layer: int  # l: the edge carries w^l_jk
    j: int  # neuron of layer l (from 1)
    k: int  # neuron of layer l − 1 (from 1)


def edges(sizes: Sequence[int]) -> list[Edge]:
    """Every weight w^l_jk, layer by layer, row j by row j (the order of `weights[l−1].ravel()`)."""
    return [
        Edge(l, j, k)
        for l in range(1, len(sizes))
        for j in range(1, sizes[l] + 1)
        for k in range(1, sizes[l - 1] + 1)
    ]


def edge_label_points(sizes: Sequence[int]) -> np.ndarray:
    """(number of weights, 2): where each weight's number sits on its edge (`LABEL_AT`),
    in the order of `edges` (`LABEL_FROM` … `LABEL_TO` along it): a click near one picks it."""
    pos = neuron_positions(sizes)
    points = []
    for e in edges(sizes):
        share = (e.j - 1) / (sizes[e.layer] - 1) if sizes[e.layer] > 1 else 0.5
        t = LABEL_FROM + (LABEL_TO - LABEL_FROM) * share
        points.append((1 - t) * pos[e.layer - 1][e.k - 1] + t * pos[e.layer][e.j - 1])
    return np.array(points)


def nearest_edge(sizes: Sequence[int], x: float, y: float, reach: float = 0.3) -> Edge | None:
    """The weight whose number lies nearest (x, y), if one lies within `reach`."""
    points = edge_label_points(sizes)
    distance = np.hypot(points[:, 0] - x, points[:, 1] - y)
    best = int(np.argmin(distance))
    return edges(sizes)[best] if distance[best] <= reach else None


def _segments(sizes, chosen) -> tuple[np.ndarray, np.ndarray]:
    pos = neuron_positions(sizes)
    xs, ys = [], []
    for e in chosen:
        a, b = pos[e.layer - 1][e.k - 1], pos[e.layer][e.j - 1]
        xs += [a[0], b[0], np.nan]
        ys += [a[1], b[1], np.nan]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


# --- the state of the graph at a step -------------------------------------------------------


class GraphState(NamedTuple):
    neuron_text: list[str]  # above each neuron: x, or z and a
    delta_text: list[str]  # below each neuron: δ once known
    neuron_color: list[str]
    edge_text: list[str]
    edge_color: list[str]
    active: list[Edge]  # the edges (weights) the step uses
    computed: np.ndarray  # (m, 2): where the step's results are written (ringed)


class Net(NamedTuple):
    """What the graph and the equations show, all computed by `landscapes.backprop`: the
    pass (`backprop(...)`'s `Backprop`), the weights and biases it was computed with, σ′(z^l)
    per layer, the target y and ∇_a C at the output."""

    result: tuple
    weights: tuple
    biases: tuple
    sigma_prime: tuple
    y: np.ndarray
    grad_a: np.ndarray

    @property
    def sizes(self) -> list[int]:
        return [len(self.result.a[0]), *(len(z) for z in self.result.z)]


def graph_state(net: Net, step: Step, look: Look = DEFAULT_LOOK) -> GraphState:
    """What the graph shows at `step`: each neuron's numbers (z, a forward; δ once known) and
    colour, each edge's number (w^l_jk, then ∂C/∂w^l_jk once BP4 has run for its layer) and
    the edges being used."""
    result, sizes = net.result, net.sizes
    order = walk(len(sizes) - 1)
    done = order[: order.index(step) + 1]
    forward = {s.layer for s in done if s.kind in ("input", "forward")}
    backward = {s.layer for s in done if s.kind in ("bp1", "bp2")}
    gradient = {s.layer for s in done if s.kind == "grad"}
    texts, delta_texts, colors = [], [], []
    for l, n in enumerate(sizes):
        for j in range(n):
            text = ""
            if l in forward:
                if l == 0:
                    text = f"x{sub(j + 1)} = {number(result.a[0][j])}"
                else:
                    text = f"z = {number(result.z[l - 1][j])}<br>a = {number(result.a[l][j])}"
            texts.append(text)
            delta_texts.append(f"δ = {number(result.delta[l - 1][j])}" if l in backward else "")
            if l == step.layer and step.kind != "grad":
                colors.append(ACTIVE)
            elif l in backward:
                colors.append(BACKWARD)
            elif l in forward:
                colors.append(FORWARD)
            else:
                colors.append(IDLE)
    edge_text, edge_color = [], []
    for e in edges(sizes):
        if e.layer in gradient:
            edge_text.append(number(result.grad_w[e.layer - 1][e.j - 1, e.k - 1]))
            edge_color.append(GRADIENT)
        else:
            edge_text.append(number(net.weights[e.layer - 1][e.j - 1, e.k - 1]))
            edge_color.append(look.foreground)
    used = {"forward": step.layer, "grad": step.layer, "bp2": step.layer + 1}.get(step.kind)
    active = [e for e in edges(sizes) if e.layer == used]
    if step.kind == "grad":  # BP4 writes the edges' numbers
        labels = edge_label_points(sizes)
        computed = labels[[i for i, e in enumerate(edges(sizes)) if e.layer == step.layer]]
    else:
        computed = neuron_positions(sizes)[step.layer]
    return GraphState(texts, delta_texts, colors, edge_text, edge_color, active, computed)


# --- the network graph, animated over the steps ------------------------------------------


def network_figure(
    net: Net,
    *,
    active_step: int = 0,
    chosen: Edge | None = None,
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """The network as a graph, with one frame per step of `walk` (Play runs them in the
    browser); the still picture is step `active_step`; `chosen` (a weight picked for editing)
    is ringed."""
    sizes = net.sizes
    order = walk(len(sizes) - 1)
    active_step = min(max(int(active_step), 0), len(order) - 1)
    pos = neuron_positions(sizes)
    xy = np.concatenate(pos)
    labels = edge_label_points(sizes)
    every = edges(sizes)
    ex, ey = _segments(sizes, every)
    top = (max(sizes) - 1) / 2.0
    states = [graph_state(net, step, look) for step in order]
    still = states[active_step]
    hx, hy = _segments(sizes, still.active)
    font = look.font_size
    output = pos[-1]
    data = [
        {
            "type": "scatter",
            "x": f32(ex),
            "y": f32(ey),
            "mode": "lines",
            "line": {"color": EDGE, "width": 1.5},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": f32(hx),
            "y": f32(hy),
            "mode": "lines",
            "line": {"color": "rgba(242,142,43,0.6)", "width": look.line_width * 1.3},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": f32(labels[:, 0]),
            "y": f32(labels[:, 1]),
            "mode": "markers+text",
            "text": still.edge_text,
            "textfont": {"size": font - 1, "color": still.edge_color},
            "marker": {
                "size": font + 14,
                "color": look.background,
                "opacity": 0.85,
                "line": {"width": 0},
            },
            "customdata": [f"w{sup(e.layer)}{sub(e.j)}{sub(e.k)}" for e in every],
            "hovertemplate": "%{customdata} — click to change it<extra></extra>",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": f32(xy[:, 0]),
            "y": f32(xy[:, 1]),
            "mode": "markers+text",
            "text": still.neuron_text,
            "textposition": "top center",
            "textfont": {"size": font, "color": look.foreground},
            "marker": {
                "size": 2 * font + 6,
                "color": still.neuron_color,
                "line": {"width": 2, "color": look.background},
            },
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": f32(xy[:, 0]),
            "y": f32(xy[:, 1] - DELTA_BELOW),
            "mode": "text",
            "text": still.delta_text,
            "textposition": "middle center",
            "textfont": {"size": font, "color": BACKWARD},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": [len(sizes) / 2.0 - 0.5],
            "y": [top + 0.95],
            "mode": "text",
            "text": [step_equation(order[active_step])],
            "textfont": {"size": font + 2, "color": look.foreground},
            "hoverinfo": "skip",
            "showlegend": False,
        },
        {
            "type": "scatter",
            "x": f32(output[:, 0] + 0.32),
            "y": f32(output[:, 1]),
            "mode": "text",
            "text": [f"y{sub(j + 1)} = {number(v)}" for j, v in enumerate(np.ravel(net.y))],
            "textposition": "middle right",
            "textfont": {"size": font, "color": look.foreground},
            "hoverinfo": "skip",
            "showlegend": False,
        },
    ]
    data.append(
        {
            "type": "scatter",
            "x": f32(still.computed[:, 0]),
            "y": f32(still.computed[:, 1]),
            "mode": "markers",
            "marker": {
                "size": 2 * font + 18,
                "color": "rgba(0,0,0,0)",
                "line": {"width": 3, "color": ACTIVE},
            },
            "hoverinfo": "skip",
            "showlegend": False,
        }
    )
    if chosen is not None:
        index = every.index(chosen)
        data.append(
            {
                "type": "scatter",
                "x": [float(labels[index, 0])],
                "y": [float(labels[index, 1])],
                "mode": "markers",
                "marker": {
                    "size": font + 22,
                    "color": "rgba(0,0,0,0)",
                    "line": {"width": 2.5, "color": ACTIVE},
                },
                "hoverinfo": "skip",
                "showlegend": False,
            }
        )
    frames = []
    for i, (step, state) in enumerate(zip(order, states, strict=True)):
        hx, hy = _segments(sizes, state.active)
        frames.append(
            {
                "name": str(i),
                "data": [
                    {"type": "scatter", "x": _plain(hx), "y": _plain(hy)},
                    {
                        "type": "scatter",
                        "text": state.edge_text,
                        "textfont": {"size": font - 1, "color": state.edge_color},
                    },
                    {
                        "type": "scatter",
                        "text": state.neuron_text,
                        "marker": {
                            "size": 2 * font + 6,
                            "color": state.neuron_color,
                            "line": {"width": 2, "color": look.background},
                        },
                    },
                    {"type": "scatter", "text": state.delta_text},
                    {"type": "scatter", "text": [step_equation(step)]},
                    {
                        "type": "scatter",
                        "x": _plain(state.computed[:, 0]),
                        "y": _plain(state.computed[:, 1]),
                    },
                ],
                "traces": [1, 2, 3, 4, 5, RINGS],
            }
        )
    controls = animation.labelled_controls([step_label(s) for s in order], look, "")
    controls["sliders"][0]["active"] = active_step
    for step in controls["sliders"][0]["steps"]:
        step["args"][1]["frame"]["duration"] = 0
    play = controls["updatemenus"][0]["buttons"][0]["args"][1]
    play["frame"]["duration"] = 700  # Play: a step every 0.7 s
    layers = ["input x", *(f"layer {l}" for l in range(1, len(sizes)))]
    layers[-1] = f"output (layer {len(sizes) - 1})"
    annotations = [
        {
            "x": l,
            "y": -top - 0.75,
            "text": name,
            "showarrow": False,
            "font": {"size": font, "color": look.foreground},
        }
        for l, name in enumerate(layers)
    ]
    layout = base_layout(
        look,
        height=(170 if look.presentation else 130) * max(max(sizes), 2) + 200,
        margin={"l": 10, "r": 10, "t": 10, "b": 100},
        xaxis={"visible": False, "range": [-0.45, len(sizes) - 1 + 0.75], "fixedrange": True},
        yaxis={"visible": False, "range": [-top - 1.0, top + 1.2], "fixedrange": True},
        annotations=annotations,
        showlegend=False,
        hovermode="closest",
    )
    return AnimatedFigure(data, layout, frames, controls)


def _plain(values: np.ndarray) -> list:
    """A short list for a frame (None for NaN: JSON has no NaN)."""
    return [None if not np.isfinite(v) else float(v) for v in values]


# --- the equation of a step, with its numbers -------------------------------------------------


def _vector(values) -> str:
    return r"\begin{pmatrix}" + r" \\ ".join(_tex(v) for v in np.ravel(values)) + r"\end{pmatrix}"


def _matrix(values) -> str:
    rows = [" & ".join(_tex(v) for v in row) for row in np.atleast_2d(values)]
    return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"


def _tex(value: float) -> str:
    value = float(value)
    text = f"{value:.3g}" if value != 0 else "0"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\cdot 10^{{{int(exponent)}}}"
    return text


def step_latex(net: Net, step: Step, activation: str, cost: str) -> str:
    """The equation `step` applies, in LaTeX, with the numbers of `net` filled in (one line
    per equation, stacked: narrow enough for a phone)."""
    r, l = net.result, step.layer
    sigma = {"sigmoid": r"\sigma", "tanh": r"\tanh", "relu": r"\mathrm{ReLU}"}[activation]
    prime = {"sigmoid": r"\sigma'", "tanh": r"\tanh'", "relu": r"\mathrm{ReLU}'"}[activation]
    if step.kind == "input":
        lines = [rf"a^0 = x = {_vector(r.a[0])}"]
    elif step.kind == "forward":
        lines = [
            rf"z^{l} = w^{l} a^{{{l - 1}}} + b^{l} = {_matrix(net.weights[l - 1])}"
            rf"{_vector(r.a[l - 1])} + {_vector(net.biases[l - 1])} = {_vector(r.z[l - 1])}",
            rf"a^{l} = {sigma}(z^{l}) = {_vector(r.a[l])}",
        ]
    elif step.kind == "bp1":
        if cost == "quadratic":
            gradient = rf"\nabla_a C = a^{l} - y = {_vector(r.a[l])} - {_vector(net.y)}"
        else:
            gradient = rf"\nabla_a C = \frac{{a^{l} - y}}{{a^{l}(1 - a^{l})}}"
        lines = [
            rf"\text{{BP1: }} \delta^{l} = \nabla_a C \odot {prime}(z^{l})"
            rf" = {_vector(net.grad_a)} \odot {_vector(net.sigma_prime[l - 1])}"
            rf" = {_vector(r.delta[l - 1])}",
            f"{gradient} = {_vector(net.grad_a)}",
        ]
        if cost == "cross_entropy" and activation == "sigmoid":
            lines.append(
                rf"\sigma'(z) = a(1 - a) \text{{ cancels: }} \delta^{l} = a^{l} - y"
                rf" = {_vector(r.delta[l - 1])}"
            )
    elif step.kind == "bp2":
        lines = [
            rf"\text{{BP2: }} \delta^{l} = \big((w^{{{l + 1}}})^T \delta^{{{l + 1}}}\big) \odot"
            rf" {prime}(z^{l})",
            rf"= \left({_matrix(net.weights[l].T)} {_vector(r.delta[l])}\right)"
            rf" \odot {_vector(net.sigma_prime[l - 1])} = {_vector(r.delta[l - 1])}",
        ]
    else:
        lines = [
            rf"\text{{BP3: }} \frac{{\partial C}}{{\partial b^{l}}} = \delta^{l} = "
            rf"{_vector(r.grad_b[l - 1])}",
            rf"\text{{BP4: }} \frac{{\partial C}}{{\partial w^{l}_{{jk}}}} = a^{{{l - 1}}}_k"
            rf" \delta^{l}_j, \quad \delta^{l} (a^{{{l - 1}}})^T = {_vector(r.delta[l - 1])}"
            rf"{_matrix(r.a[l - 1][None, :])} = {_matrix(r.grad_w[l - 1])}",
        ]
    return r"\begin{gathered}" + r" \\[4pt] ".join(lines) + r"\end{gathered}"


# --- checking the gradient --------------------------------------------------------------------


def comparison_figure(
    names: Sequence[str], methods: dict[str, np.ndarray], *, look: Look = DEFAULT_LOOK
) -> go.Figure:
    """The gradient per parameter by each method (top) and each method's distance to the
    first one, |g_method − g_first|, on a log axis (bottom; zeros drawn at `FLOOR`)."""
    symbols = ("circle-open", "x-thin-open", "diamond-open")
    colors = ("#1f5fae", "#e6194b", "#2ca02c")
    (first_name, first), *others = methods.items()
    first = np.asarray(first, dtype=float)
    data = []
    for i, (name, values) in enumerate(methods.items()):
        marker = {
            "symbol": symbols[i % 3],
            "size": look.marker_size + 6 - 3 * i,
            "color": colors[i % 3],
            "line": {"width": 2, "color": colors[i % 3]},
        }
        data.append(
            {
                "type": "scatter",
                "x": list(names),
                "y": f32(values),
                "mode": "markers",
                "name": name,
                "marker": marker,
                "hovertemplate": f"{name}<br>%{{x}}: %{{y:.10g}}<extra></extra>",
            }
        )
    for i, (name, values) in enumerate(others, start=1):
        difference = np.maximum(np.abs(np.asarray(values, dtype=float) - first), FLOOR)
        data.append(
            {
                "type": "scatter",
                "x": list(names),
                "y": difference,
                "xaxis": "x2",
                "yaxis": "y2",
                "mode": "markers+lines",
                "name": f"|{name} − {first_name}|",
                "line": {"color": colors[i % 3], "width": 1, "dash": "dot"},
                "marker": {"symbol": symbols[i % 3], "size": look.marker_size, "color": colors[i]},
                "hovertemplate": f"|{name} − {first_name}|<br>%{{x}}: %{{y:.3g}}<extra></extra>",
                "showlegend": False,
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.75),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"anchor": "y", "showticklabels": False, "matches": "x2"},
        yaxis={"domain": [0.5, 1.0], "title": {"text": "∂C/∂θ"}},
        xaxis2={"anchor": "y2", "title": {"text": "parameter"}},
        yaxis2={
            "domain": [0.0, 0.42],
            "type": "log",
            "title": {"text": f"difference to {first_name}"},
            "exponentformat": "power",
        },
    )
    return AnimatedFigure(data, layout)


def h_sweep_figure(h, central, forward, *, chosen_h: float, look: Look = DEFAULT_LOOK):
    """Relative error of the two-sided and the one-sided difference against h (log-log),
    the h in use marked, the usual range 10⁻⁷ … 10⁻⁵ shaded."""
    h = np.asarray(h, dtype=float)
    data = []
    for name, values, color in (
        ("two-sided (C(θ+h) − C(θ−h)) / 2h", central, "#1f5fae"),
        ("one-sided (C(θ+h) − C(θ)) / h", forward, "#e6194b"),
    ):
        values = np.maximum(np.asarray(values, dtype=float), FLOOR)
        data.append(
            {
                "type": "scatter",
                "x": h,
                "y": values,
                "mode": "lines+markers",
                "name": name,
                "line": {"color": color, "width": look.line_width},
                "marker": {"size": look.marker_size - 4, "color": color},
                "hovertemplate": "h = %{x:.1e}: relative error %{y:.2e}<extra></extra>",
            }
        )
    at = int(np.argmin(np.abs(np.log(h) - np.log(chosen_h))))
    data.append(
        {
            "type": "scatter",
            "x": [h[at]],
            "y": [max(float(central[at]), FLOOR)],
            "mode": "markers",
            "name": f"h = {chosen_h:.0e}",
            "marker": {"size": look.marker_size + 6, "color": ACTIVE, "symbol": "star"},
            "hovertemplate": "h in use: %{x:.1e}, error %{y:.2e}<extra></extra>",
        }
    )
    layout = base_layout(
        look,
        height=int(look.height * 0.65),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={"type": "log", "title": {"text": "step h"}, "exponentformat": "power"},
        yaxis={
            "type": "log",
            "title": {"text": "relative error against backprop"},
            "exponentformat": "power",
        },
        shapes=[
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": 1e-7,
                "x1": 1e-5,
                "y0": 0,
                "y1": 1,
                "fillcolor": "rgba(44,160,44,0.12)",
                "line": {"width": 0},
                "layer": "below",
            }
        ],
        annotations=[
            {
                "x": -6,
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "top",
                "text": "usual h",
                "showarrow": False,
                "font": {"size": look.font_size, "color": "#2ca02c"},
            },
            {
                "x": -11,
                "xref": "x",
                "y": 0.06,
                "yref": "paper",
                "text": "round-off ∝ 1/h",
                "showarrow": False,
                "font": {"size": look.font_size},
            },
            {
                "x": -1.5,
                "xref": "x",
                "y": 0.06,
                "yref": "paper",
                "text": "truncation ∝ h² (two-sided)",
                "showarrow": False,
                "font": {"size": look.font_size},
            },
        ],
    )
    return AnimatedFigure(data, layout)


# --- learning slowdown ------------------------------------------------------------------------


def slowdown_figure(runs: dict, *, look: Look = DEFAULT_LOOK) -> go.Figure:
    """Output a and σ′(z) of the neuron against the step, one colour per cost (`runs`:
    cost name → `landscapes.backprop.Slowdown`)."""
    data = []
    for cost, run in runs.items():
        steps = np.arange(len(run.a), dtype=np.int32)
        color = COST_COLORS.get(cost, look.foreground)
        for axes, values, what in (
            (("x", "y"), run.a, "a"),
            (("x2", "y2"), run.sigma_prime, "σ′(z)"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "x": steps,
                    "y": f32(values),
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "mode": "lines",
                    "name": COST_NAMES.get(cost, cost),
                    "legendgroup": cost,
                    "showlegend": what == "a",
                    "line": {"color": color, "width": look.line_width},
                    "hovertemplate": f"{COST_NAMES.get(cost, cost)}<br>step %{{x}}: {what} = "
                    "%{y:.4g}<extra></extra>",
                }
            )
    layout = base_layout(
        look,
        height=int(look.height * 0.8),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        xaxis={"anchor": "y", "showticklabels": False, "matches": "x2"},
        yaxis={"domain": [0.55, 1.0], "title": {"text": "output a"}, "range": [-0.02, 1.02]},
        xaxis2={"anchor": "y2", "title": {"text": "gradient-descent step"}},
        yaxis2={"domain": [0.0, 0.42], "title": {"text": "σ′(z)"}, "range": [0, 0.26]},
        shapes=[
            {
                "type": "line",
                "xref": "x2 domain",
                "yref": "y2",
                "x0": 0,
                "x1": 1,
                "y0": 0.25,
                "y1": 0.25,
                "line": {"dash": "dot", "color": look.foreground, "width": 1},
            }
        ],
        annotations=[
            {
                "xref": "x2 domain",
                "yref": "y2",
                "x": 1,
                "y": 0.25,
                "xanchor": "right",
                "yanchor": "top",
                "text": "max σ′ = ¼",
                "showarrow": False,
                "font": {"size": look.font_size},
            }
        ],
    )
    return AnimatedFigure(data, layout)


# --- vanishing and exploding gradients --------------------------------------------------------


def depth_figure(
    norms: dict[str, np.ndarray],
    *,
    factor: float,
    quantity: str = "‖δˡ‖",
    look: Look = DEFAULT_LOOK,
) -> go.Figure:
    """Per-layer norms (log y), one line per entry of `norms` (label → values for layers
    1 … L; the first is the reference for the theory), and the theoretical line through its
    last layer: value_L · factor^{L−l}."""
    colors = ("#7f7f7f", "#1f5fae", "#e6194b", "#2ca02c")
    data = []
    reference = None
    for i, (label, values) in enumerate(norms.items()):
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        layers = np.arange(1, len(values) + 1, dtype=np.int32)
        if reference is None:
            reference = (layers, values)
        data.append(
            {
                "type": "scatter",
                "x": layers,
                "y": np.maximum(values, FLOOR),
                "mode": "lines+markers",
                "name": label,
                "line": {"color": colors[i % 4], "width": look.line_width, "dash": "solid"},
                "marker": {"size": look.marker_size - 4},
                "hovertemplate": f"{label}<br>layer %{{x}}: {quantity} = %{{y:.3g}}<extra></extra>",
            }
        )
    if reference is not None and len(reference[0]):
        layers, values = reference
        depth = len(values)
        theory = values[-1] * float(factor) ** (depth - layers.astype(float))
        data.append(
            {
                "type": "scatter",
                "x": layers,
                "y": np.maximum(theory, FLOOR),
                "mode": "lines",
                "name": f"theory: ×{factor:.3g} per layer",
                "line": {"color": ACTIVE, "width": look.line_width * 0.8, "dash": "dash"},
                "hovertemplate": "theory<br>layer %{x}: %{y:.3g}<extra></extra>",
            }
        )
    layout = base_layout(
        look,
        height=int(look.height * 0.7),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis={
            "title": {"text": "layer l (1 = first, next to the input)"},
            "dtick": 1 if len(reference[0]) <= 15 else 5,
        }
        if reference is not None
        else {},
        yaxis={
            "type": "log",
            "title": {"text": f"{quantity} per layer"},
            "exponentformat": "power",
        },
    )
    return AnimatedFigure(data, layout)
