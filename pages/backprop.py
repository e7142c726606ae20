"""Backpropagation: the forward pass and BP1–BP4 step by step, checked three ways, and what
they explain — the learning slowdown of saturated neurons and vanishing or exploding gradients
in deep networks.

Tabs (only the open one computes): Step by step (a small network as a graph, animated over
forward pass → BP1 → BP2 → BP3/BP4, the equation of the chosen step in LaTeX with its numbers;
x, y and any weight can be edited), Check it (backprop, automatic differentiation and finite
differences; the error of the differences against h), Learning slowdown (one saturated sigmoid
neuron, quadratic cost against cross-entropy), Vanishing and exploding (per-layer norms in a
deep network against the per-layer factor), Quiz. Every number comes from
`landscapes.backprop` through `app_support.topics.backprop`; every setting lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_support import alt_text, notation
from app_support.chart_view import chart_view
from app_support.charts import clicked_point, plotly_chart
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.topics import backprop as topic
from app_support.urlstate import Setting
from landscapes import backprop as bp
from landscapes import networks
from viz import backprop as figures

PAGE = topic.PAGE
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "backprop"}}
GRAPH_CHART = f"{PAGE}.chart.graph"
TABS = {
    "step": "👣 Step by step",
    "check": "✅ Check it",
    "slowdown": "🐢 Learning slowdown",
    "deep": "📉 Vanishing and exploding",
    "quiz": "❓ Quiz",
}
ACTIVATION_LABELS = {"sigmoid": "sigmoid σ", "tanh": "tanh", "relu": "ReLU"}
NORM_LABELS = {"delta": "‖δˡ‖", "grad": "‖∂C/∂wˡ‖"}
COST_LABELS = {"quadratic": "quadratic ½‖a − y‖²", "cross_entropy": "cross-entropy"}
TAB_SETTINGS = {  # each tab's own settings, in rows of four columns
    "check": (Setting.number("h", "Step h of the difference", 1e-6, 1e-13, 1.0, scale="log"),),
    "slowdown": (
        Setting.number("w0", "Initial weight w", 2.0, -5.0, 5.0, step=0.1),
        Setting.number("b0", "Initial bias b", 2.0, -5.0, 5.0, step=0.1),
        Setting.number("eta", "Learning rate η", 0.15, 0.01, 2.0, scale="log"),
    ),
    "deep": (
        Setting.integer("depth", "Layers L", 12, 2, bp.MAX_DEPTH),
        Setting.choice("dact", "Activation", "sigmoid", bp.ACTIVATIONS, labels=ACTIVATION_LABELS),
        Setting.choice(
            "init",
            "Initialisation",
            "xavier",
            bp.INITIALISATIONS,
            labels={name: networks.INITIALISATION_TITLES[name] for name in bp.INITIALISATIONS},
            help="As on the Small networks page, for m inputs per neuron; biases start at 0.",
        ),
        Setting.number("gain", "Initial weights × gain", 1.0, 0.25, 4.0, scale="log"),
        Setting.number("deta", "Learning rate η", 0.5, 0.01, 5.0, scale="log"),
        Setting.integer("t", "After training step", bp.DEEP_STEPS, 0, bp.DEEP_STEPS),
        Setting.choice(
            "norm", "Show", "delta", ("delta", "grad"), labels=NORM_LABELS, widget="segmented"
        ),
    ),
}

page = page_setup(PAGE, "Backpropagation", icon="🔁")
state = page.state
graph_view = chart_view(state, GRAPH_CHART, zoom=False)  # the graph's step, in the URL

top = st.columns([3, 2], vertical_alignment="center")
page.scenes(topic.SCENES, where=top[0])
net_box = top[1].popover("⚙️ The small network", use_container_width=True)
arch = state.widget(
    Setting.choice(
        "arch",
        "Layer sizes n₀–…–n_L",
        "2-3-2",
        tuple(topic.ARCHITECTURES),
        help="Inputs, hidden layers, outputs.",
    ),
    net_box,
    on_change=lambda: state.reset(topic.WEIGHT_NAMES),  # new network, new initial weights
)
activation = state.widget(
    Setting.choice(
        "act",
        "Activation σ",
        "sigmoid",
        bp.ACTIVATIONS,
        labels=ACTIVATION_LABELS,
        widget="segmented",
    ),
    net_box,
)
cost = state.widget(
    Setting.choice("cost", "Cost C", "quadratic", bp.COSTS, labels=COST_LABELS, widget="segmented"),
    net_box,
)
seed = state.widget(
    Setting.integer("seed", "Initial weights (random seed)", 0, 0, 99, widget="number"),
    net_box,
    on_change=lambda: state.reset(topic.WEIGHT_NAMES),
)
page.notation(notation.ROWS[PAGE])
open_tab, containers = page.tabs(TABS)
if cost == "cross_entropy" and activation != "sigmoid":
    st.warning(
        f"The cross-entropy needs outputs between 0 and 1, which {ACTIVATION_LABELS[activation]} "
        "does not give: the quadratic cost is used.",
        icon="⚠️",
    )
    cost = "quadratic"


def control(setting: Setting, where, tab: str):
    """A tab's setting: its widget while the tab is open, kept in the link while it is not."""
    return state.control(setting, where, open_tab == tab)


# --- settings of each tab (declared on every run, so that the link keeps them all) ---------

sizes = topic.ARCHITECTURES[arch]
order = figures.walk(len(sizes) - 1)
with containers["step"]:
    editing = st.columns(2, vertical_alignment="bottom")
    example = editing[0].popover("✏️ Example: input x, target y", use_container_width=True)
    # The graph above its step slider: presented on a 720-line screen, the graph and its
    # Play bar then fit, and the slider sits next to the equation it picks.
    graph_slot = st.container()
x = tuple(control(setting, example, "step") for setting in topic.input_settings(sizes[0]))
y = tuple(control(setting, example, "step") for setting in topic.target_settings(sizes[-1]))
edge_names = {topic.weight_name(e): e for e in figures.edges(sizes)}
picked = state.value(Setting.choice("pick", "Weight to change", "", ("", *edge_names)))
weights = tuple(
    float(state.control(setting, editing[1], open_tab == "step" and setting.name == picked))
    for setting in topic.weight_settings(arch, seed)
)
chosen_step = state.control(
    Setting.integer(
        "step",
        "Step whose equation is written out below",
        0,
        0,
        len(order) - 1,
        help="▶ Play under the graph walks through all steps in the browser.",
    ),
    containers["step"],
    open_tab == "step",
    on_change=graph_view.forget_frame,  # the graph shows the step chosen here again
)
value, slots = {}, {}
for tab, settings in TAB_SETTINGS.items():
    with containers[tab]:
        slots[tab] = [place for _ in range(len(settings) // 4 + 1) for place in st.columns(4)]
    for setting, place in zip(settings, slots[tab], strict=False):
        value[setting.name] = control(setting, place, tab)


def _pick_from_click() -> None:
    point = clicked_point(GRAPH_CHART)
    edge = None if point is None else figures.nearest_edge(sizes, point["x"], point["y"])
    if edge is not None:
        state.set_later("pick", topic.weight_name(edge))


# --- views ---------------------------------------------------------------------------------


def step_view() -> None:
    net = topic.step_through(arch, activation, cost, seed, x, y, weights)
    if not picked:
        editing[1].caption("Click a weight's number on the graph to change it.")
    plotly_chart(
        figures.network_figure(
            net, active_step=chosen_step, chosen=edge_names.get(picked), look=page.look
        ),
        key=GRAPH_CHART,
        look=page.look,
        where=graph_slot,
        on_click=_pick_from_click,
        config=PLOT_CONFIG,
        view=graph_view,
        alt=topic.gradients_alt(net, sizes),
    )
    step = order[chosen_step]
    st.markdown(f"**Step {chosen_step}: {figures.step_label(step)}**")
    st.latex(figures.step_latex(net, step, activation, cost))
    st.caption(
        f"Cost C = {net.result.cost:.6g}. Blue: z and a known; violet: δ known; orange: being "
        "computed; green numbers on the edges: ∂C/∂w, once BP4 has run for their layer."
    )
    page.explain(
        "▶ **Play** under the graph walks through every step in the browser; the step slider "
        "under it picks the step whose equation is written out. BP2 sends the error back through "
        "the *transposed* weights: neuron $k$ of layer $l$ collects $w^{l+1}_{jk}\\delta^{l+1}_j$ "
        "from every neuron $j$ it feeds."
    )


def check_view() -> None:
    result = topic.gradient_three_ways(arch, activation, cost, seed, x, y, weights)
    check = result["check"]
    at = int(np.argmin(np.abs(np.log(bp.H_SWEEP) - np.log(value["h"]))))
    methods = {
        "BP1–BP4": result["backprop"],
        "autodiff": result["autodiff"],
        f"two-sided, h = {bp.H_SWEEP[at]:.0e}": result["central"][at],
    }
    numbers = slots["check"][1:]
    agreement = f"{bp.relative_error(result['autodiff'], result['backprop']):.1e}"
    numbers[0].metric("Backprop vs autodiff (relative)", agreement)
    numbers[1].metric(f"Finite difference at h = {bp.H_SWEEP[at]:.0e}", f"{check.central[at]:.1e}")
    best = int(np.argmin(check.central))
    numbers[2].metric(
        "Smallest error (two-sided)",
        f"{check.central[best]:.1e}",
        help=f"at h = {bp.H_SWEEP[best]:.0e}",
    )
    left, right = st.columns(2)
    plotly_chart(
        figures.comparison_figure(result["names"], methods, look=page.look),
        key=f"{PAGE}.chart.compare",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Every parameter's gradient by backpropagation, autodiff and a finite difference",
            f"Backprop and autodiff differ by {agreement} (relative).",
        ),
    )
    plotly_chart(
        figures.h_sweep_figure(
            bp.H_SWEEP,
            check.central,
            check.forward,
            chosen_h=float(bp.H_SWEEP[at]),
            look=page.look,
        ),
        key=f"{PAGE}.chart.hsweep",
        look=page.look,
        where=right,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Relative error of one- and two-sided finite differences against the step h",
            f"At h = {bp.H_SWEEP[at]:.0e} the two-sided error is {check.central[at]:.1e}; "
            f"smallest {check.central[best]:.1e} at h = {bp.H_SWEEP[best]:.0e}.",
        ),
    )
    page.explain(
        "A finite difference costs two forward passes per parameter — millions for a real "
        "network — so it only checks backprop. Its error has two parts: truncation (the "
        "Taylor terms left out, ∝ h² for the two-sided difference, ∝ h for the one-sided) and "
        "round-off (C is known to about 10⁻¹⁶ of its size, and that is divided by h). Their "
        "sum is smallest near h ≈ 10⁻⁵–10⁻⁶ for the two-sided difference."
    )


def slowdown_view() -> None:
    runs = topic.slowdown_runs(value["w0"], value["b0"], value["eta"])
    quad, entropy = runs["quadratic"], runs["cross_entropy"]
    slots["slowdown"][3].metric(
        "σ′(z) at the start", f"{quad.sigma_prime[0]:.3g}", help="At most ¼."
    )
    numbers = st.columns(2)
    numbers[0].metric("Start: a = σ(w·1 + b)", f"{quad.a[0]:.3f}")
    numbers[1].metric(
        "First step |Δw|: quadratic, cross-entropy",
        f"{abs(quad.w[1] - quad.w[0]):.2g}, {abs(entropy.w[1] - entropy.w[0]):.2g}",
    )
    plotly_chart(
        figures.slowdown_figure(runs, look=page.look),
        key=f"{PAGE}.chart.slowdown",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "One saturated sigmoid neuron learning with the quadratic and the cross-entropy cost",
            f"Start a = {quad.a[0]:.3f}, σ′(z) = {quad.sigma_prime[0]:.3g}; first step |Δw| "
            f"{abs(quad.w[1] - quad.w[0]):.2g} quadratic, {abs(entropy.w[1] - entropy.w[0]):.2g} "
            "cross-entropy.",
        ),
    )
    st.latex(
        r"\text{quadratic: } \delta = (a - y)\,\sigma'(z) \qquad \text{cross-entropy: } "
        r"\delta = a - y \qquad \frac{\partial C}{\partial w} = x\,\delta"
    )
    page.explain(
        f"One sigmoid neuron, input x = {topic.SLOWDOWN_X:g}, target y = {topic.SLOWDOWN_Y:g}. "
        "When |z| is large the neuron saturates: σ′(z) ≈ 0, and with the quadratic cost δ "
        "carries that factor — the worse the output, the slower it learns at first. With the "
        "cross-entropy σ′ cancels and the step is proportional to the error a − y."
    )


def deep_view() -> None:
    depth, t, quantity = value["depth"], value["t"], value["norm"]
    norms = topic.depth_norms(
        depth, value["dact"], value["init"], value["gain"], value["deta"], seed
    )
    values = norms.delta if quantity == "delta" else norms.grad_w
    factor = bp.per_layer_factor(value["dact"], value["init"], value["gain"])
    slots["deep"][7].metric(
        "Per layer: theory, measured",
        f"{factor:.3g}, {bp.measured_factor(norms.delta[0]):.3g}",
        help="Theory: gain × max σ′ (× √½ for ReLU). Measured: geometric mean of "
        "‖δˡ‖/‖δˡ⁺¹‖ at initialisation.",
    )
    plotly_chart(
        figures.depth_figure(
            {"at initialisation": values[0], f"after step {t}": values[t]},
            factor=factor,
            quantity=NORM_LABELS[quantity],
            look=page.look,
        ),
        key=f"{PAGE}.chart.deep",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            f"{NORM_LABELS[quantity]} per layer of a {depth}-layer network",
            alt_text.values(
                "At initialisation",
                [("layer 1", values[0][0]), (f"layer {depth}", values[0][depth - 1])],
            ),
            f"Per layer factor: theory {factor:.3g}, measured "
            f"{bp.measured_factor(norms.delta[0]):.3g}.",
        ),
    )
    st.caption(
        f"{depth} layers of {topic.DEEP_WIDTH} units, {bp.DEEP_EXAMPLES} examples; cost "
        f"{norms.cost[0]:.3g} → {norms.cost[t]:.3g} after {t} steps of gradient descent. "
        "Dashed: the last layer's value times the per-layer factor, layer after layer back."
    )
    page.explain(
        "BP2 multiplies δ by $(w^{l+1})^T$ and by $\\sigma'(z^l)$ at every layer on the way "
        "back. σ′ of the sigmoid is at most ¼, so with weights of gain 1 the error shrinks at "
        "least fourfold per layer: the layers next to the input learn last. Larger weights "
        "make the product explode instead. ReLU passes the error of active units on unchanged."
    )
    st.markdown(
        "💥 [Exploding gradients in a deep linear chain, and clipping](networks?tab=exploding) "
        "on the Small networks page."
    )


def quiz_view() -> None:
    quiz_box(
        PAGE,
        "fastest",
        "At the start of training a deep sigmoid network, which layer learns fastest?",
        "the last",
        _quiz_layers,
        options=("the first", "the last", "all alike"),
    )
    quiz_box(
        PAGE,
        "entropy",
        "With sigmoid outputs, what does the cross-entropy remove from δᴸ?",
        "σ′(zᴸ)",
        _quiz_entropy,
        options=("a − y", "σ′(zᴸ)", "the weights wᴸ"),
    )


def _quiz_layers() -> None:
    norms = topic.depth_norms(10, "sigmoid", "xavier", 1.0, 0.5, seed).grad_w[0, :10]
    said = f"10 sigmoid layers: ‖∂C/∂w¹‖ = {norms[0]:.2g}, ‖∂C/∂w¹⁰‖ = {norms[-1]:.2g}."
    plotly_chart(
        figures.depth_figure(
            {"‖∂C/∂wˡ‖ at initialisation": norms},
            factor=bp.per_layer_factor("sigmoid", "xavier"),
            quantity="‖∂C/∂wˡ‖",
            look=page.look,
        ),
        key=f"{PAGE}.chart.quiz_layers",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "‖∂C/∂wˡ‖ per layer of a 10-layer sigmoid network at initialisation", said
        ),
    )
    st.caption(said)


def _quiz_entropy() -> None:
    d = topic.saturated_deltas(2.0, 2.0)
    st.markdown(
        f"A neuron with a = {d['a']:.3f} and target 0, σ′(z) = {d['sigma_prime']:.3g}: "
        f"quadratic δ = (a − y)σ′(z) = **{d['quadratic']:.3g}**, cross-entropy δ = a − y = "
        f"**{d['cross_entropy']:.3g}**."
    )


VIEWS = {
    "step": step_view,
    "check": check_view,
    "slowdown": slowdown_view,
    "deep": deep_view,
    "quiz": quiz_view,
}
with containers[open_tab]:
    VIEWS[open_tab]()
page.share_link()
state.finish()
