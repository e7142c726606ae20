"""The backpropagation page's cached core calls and its lecture scenes.

Everything here calls `landscapes.backprop`, takes plain values and is cached per process
(`st.cache_data`, bounded): a class moving the same sliders shares the results.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import streamlit as st

from app_support import alt_text
from app_support.presets import Preset, scene
from app_support.urlstate import Setting
from landscapes import backprop as bp
from viz import backprop as figures

PAGE = "backprop"
ARCHITECTURES = {  # the small networks a student can step through: layer sizes n_0 … n_L
    "1-1-1": (1, 1, 1),
    "2-2-1": (2, 2, 1),
    "2-3-2": (2, 3, 2),
    "3-4-2": (3, 4, 2),
    "2-3-3-2": (2, 3, 3, 2),
}
DEFAULT_X = (0.5, -0.3, 0.8)  # x_1, x_2, x_3 (the first n_0 are used)
DEFAULT_Y = (0.9, 0.1)
SLOWDOWN_X, SLOWDOWN_Y = 1.0, 0.0  # the lectures' saturated neuron: x = 1, target 0
DEEP_WIDTH = 16


def weight_name(edge: figures.Edge) -> str:
    """The URL name of weight w^l_jk: "w<l>.<j>.<k>"."""
    return f"w{edge.layer}.{edge.j}.{edge.k}"


def weight_symbol(edge: figures.Edge) -> str:
    return f"w{figures.sup(edge.layer)}{figures.sub(edge.j)}{figures.sub(edge.k)}"


# Every weight setting of every network, and the picked weight: forgotten when the network or
# its seed changes, so that the new initial weights show.
WEIGHT_NAMES = (
    "pick",
    *dict.fromkeys(
        weight_name(e) for sizes in ARCHITECTURES.values() for e in figures.edges(sizes)
    ),
)


@functools.cache
def initial_network(arch: str, seed: int) -> tuple[tuple, tuple]:
    """Weights w^l ~ N(0, 1) and biases b^l ~ N(0, ½²), rounded to two decimals (numbers a
    student can read off the graph): tuples of arrays per layer."""
    sizes = ARCHITECTURES[arch]
    rng = np.random.default_rng([seed, 22])
    weights = tuple(np.round(rng.standard_normal((m, n)), 2) for n, m in itertools.pairwise(sizes))
    biases = tuple(np.round(0.5 * rng.standard_normal(m), 2) for m in sizes[1:])
    return weights, biases


def network(arch: str, seed: int, weights: tuple[float, ...]) -> tuple[tuple, tuple]:
    """The weights given (in the order of `figures.edges`) as matrices, with the seed's biases."""
    sizes = ARCHITECTURES[arch]
    _, biases = initial_network(arch, seed)
    shapes = [(m, n) for n, m in itertools.pairwise(sizes)]
    matrices, start = [], 0
    for m, n in shapes:
        matrices.append(np.asarray(weights[start : start + m * n], dtype=float).reshape(m, n))
        start += m * n
    return tuple(matrices), biases


def input_settings(n: int) -> list[Setting]:
    """The inputs x_1 … x_n of the example (number inputs, in the link)."""
    return [
        Setting.number(
            f"x{i + 1}", f"x{figures.sub(i + 1)}", DEFAULT_X[i], -3.0, 3.0, widget="number"
        )
        for i in range(n)
    ]


def target_settings(n: int) -> list[Setting]:
    """The targets y_1 … y_n, between 0 and 1 (what sigmoid outputs can reach)."""
    return [
        Setting.number(
            f"y{j + 1}", f"target y{figures.sub(j + 1)}", DEFAULT_Y[j], 0.0, 1.0, widget="number"
        )
        for j in range(n)
    ]


def weight_settings(arch: str, seed: int) -> list[Setting]:
    """One setting per weight w^l_jk (in the order of `figures.edges`), its default the
    seed's initial weight: only a changed weight goes into the link."""
    weights, _ = initial_network(arch, seed)
    return [
        Setting.number(
            weight_name(e),
            f"{weight_symbol(e)} =",
            float(value),
            -5.0,
            5.0,
            widget="number",
            help="Type a new value: the pass is computed again.",
        )
        for e, value in zip(
            figures.edges(ARCHITECTURES[arch]),
            np.concatenate([w.ravel() for w in weights]),
            strict=True,
        )
    ]


@st.cache_data(max_entries=64, show_spinner=False)
def step_through(
    arch: str, activation: str, cost: str, seed: int, x: tuple, y: tuple, weights: tuple
) -> figures.Net:
    """The forward pass and BP1–BP4 of the small network, with σ′(z^l) and ∇_a C."""
    w, b = network(arch, seed, weights)
    result = bp.backprop(w, b, np.array(x), np.array(y), activation, cost)
    sigma_prime, grad_a = bp.factors(result, np.array(y), activation, cost)
    return figures.Net(result, w, b, sigma_prime, np.array(y), grad_a)


def gradients_alt(net: figures.Net, sizes) -> str:
    """The network graph's text alternative: the cost and every ∂C/∂w the graph writes on its
    edges once backpropagation has run (3 significant digits, as on the graph)."""
    grads = [
        (f"∂C/∂{weight_symbol(e)}", net.result.grad_w[e.layer - 1][e.j - 1, e.k - 1])
        for e in figures.edges(sizes)
    ]
    return alt_text.chart(
        f"Network graph of layer sizes {'-'.join(map(str, sizes))} stepping through the "
        "forward pass and BP1–BP4",
        f"Cost C = {alt_text.number(net.result.cost, 6)}.",
        alt_text.values("Gradients", grads),
    )


def parameter_names(arch: str) -> list[str]:
    """w^l_jk then b^l_j, in the order of `landscapes.backprop.flatten`."""
    sizes = ARCHITECTURES[arch]
    names = [weight_symbol(e) for e in figures.edges(sizes)]
    names += [
        f"b{figures.sup(l)}{figures.sub(j)}"
        for l in range(1, len(sizes))
        for j in range(1, sizes[l] + 1)
    ]
    return names


@st.cache_data(max_entries=64, show_spinner=False)
def gradient_three_ways(
    arch: str, activation: str, cost: str, seed: int, x: tuple, y: tuple, weights: tuple
) -> dict:
    """The gradient by BP1–BP4, by automatic differentiation and by finite differences at
    every h of `bp.H_SWEEP`, and the relative errors of the differences."""
    w, b = network(arch, seed, weights)
    x, y = np.array(x), np.array(y)
    net = bp.backprop(w, b, x, y, activation, cost)
    auto = bp.autodiff_gradient(w, b, x, y, activation, cost)
    central, forward = bp.finite_differences(w, b, x, y, bp.H_SWEEP, activation, cost)
    exact = bp.flatten(net.grad_w, net.grad_b)
    return {
        "names": parameter_names(arch),
        "backprop": exact,
        "autodiff": bp.flatten(auto.grad_w, auto.grad_b),
        "central": central,
        "forward": forward,
        "check": bp.GradientCheck(
            bp.H_SWEEP, bp.relative_error(central, exact), bp.relative_error(forward, exact)
        ),
    }


@st.cache_data(max_entries=64, show_spinner=False)
def slowdown_runs(w0: float, b0: float, eta: float) -> dict[str, bp.Slowdown]:
    """The saturated neuron trained with each cost from the same start."""
    return {cost: bp.slowdown(w0, b0, eta, cost, x=SLOWDOWN_X, y=SLOWDOWN_Y) for cost in bp.COSTS}


@st.cache_data(max_entries=64, show_spinner=False)
def depth_norms(
    depth: int, activation: str, init: str, scale: float, eta: float, seed: int
) -> bp.DepthNorms:
    return bp.deep_training(depth, DEEP_WIDTH, activation, init, scale, seed, eta)


@st.cache_data(max_entries=4, show_spinner=False)
def saturated_deltas(w: float, b: float) -> dict[str, float]:
    """δ of the one saturated neuron under each cost, and its σ′(z) and a."""
    one = (np.array([[w]]),), (np.array([b]),), np.array([SLOWDOWN_X]), np.array([SLOWDOWN_Y])
    result = {cost: float(bp.backprop(*one, "sigmoid", cost).delta[0][0]) for cost in bp.COSTS}
    net = bp.backprop(*one, "sigmoid", "quadratic")
    result["a"] = float(net.a[1][0])
    result["sigma_prime"] = float(bp.factors(net, one[3], "sigmoid", "quadratic")[0][0][0])
    return result


_scene = functools.partial(scene, "pages/backprop.py")

SCENES: tuple[Preset, ...] = (
    _scene(
        "walk",
        "Forward, then backward, step by step",
        "Move the step slider: z and a fill in layer by layer, then δ from the output back, "
        "then every edge's number turns into its gradient a_k δ_j.",
        tab="step",
        step="3",
    ),
    _scene(
        "cross_entropy",
        "Cross-entropy: δᴸ = aᴸ − y",
        "BP1 with sigmoid outputs and the cross-entropy: σ′(zᴸ) cancels, the error of an "
        "output neuron is simply its output minus its target.",
        tab="step",
        cost="cross_entropy",
        step="3",
    ),
    _scene(
        "roundoff",
        "Too small an h: round-off wins",
        "With h = 10⁻¹² the finite difference has lost most of its digits; backprop and "
        "autodiff still agree to the last one.",
        tab="check",
        h="1e-12",
    ),
    _scene(
        "slowdown",
        "A saturated neuron learns slowly",
        "Started at a ≈ 0.98 with target 0: with the quadratic cost the output hardly moves "
        "for a hundred steps (σ′ ≈ 0.02), with cross-entropy it drops at once.",
        tab="slowdown",
    ),
    _scene(
        "vanishing",
        "30 sigmoid layers: the first ones learn nothing",
        "Each layer back multiplies ‖δ‖ by at most ¼·(weight gain): the first layer's error "
        "is about 10⁻¹⁹ of the last one's.",
        tab="deep",
        depth="30",
    ),
    _scene(
        "relu_he",
        "ReLU with He initialisation keeps gradients alive",
        "Half the units pass the error on unchanged and He's √2 makes up for the other half: "
        "‖δ‖ stays within a factor of 100 from the last layer to the first (the sigmoid's: "
        "10⁻¹⁹).",
        tab="deep",
        depth="30",
        dact="relu",
        init="he",
    ),
    _scene(
        "exploding",
        "Weights too large: gradients explode",
        "ReLU, He initialisation × 1.5: going back, each layer multiplies ‖δ‖ by about 1.4 "
        "(at most 1.5), so the first layer's ‖δ‖ is thousands of times the last one's.",
        tab="deep",
        depth="30",
        dact="relu",
        init="he",
        gain="1.5",
    ),
)
