"""Figures of the backpropagation page: the walk's steps and frames, the numbers each frame
writes against the core's, the weight a click picks, the equations' numbers, and the check,
slowdown and depth figures — without Streamlit, validated by Plotly."""

import numpy as np
import plotly.graph_objects as go
import pytest

from landscapes import backprop as bp
from viz import backprop as figures
from viz.figure import decode_array
from viz.theme import Look

TRACE = {"highlight": 1, "edges": 2, "neurons": 3, "deltas": 4, "equation": 5, "targets": 6}


def net_for(sizes, activation="sigmoid", cost="quadratic", seed=0):
    rng = np.random.default_rng(seed)
    weights = tuple(rng.standard_normal((m, n)) for n, m in zip(sizes[:-1], sizes[1:], strict=True))
    biases = tuple(rng.standard_normal(m) for m in sizes[1:])
    x, y = rng.standard_normal(sizes[0]), rng.uniform(0.1, 0.9, sizes[-1])
    result = bp.backprop(weights, biases, x, y, activation, cost)
    return figures.Net(
        result,
        weights,
        biases,
        tuple(np.asarray(bp.sigma_prime(activation, z)) for z in result.z),
        y,
        np.asarray(bp.cost_gradient(cost, result.a[-1], y)),
    )


def value_of(text: str) -> float:
    """The number after the last '=' of a label ('z = −1.37' → −1.37), or a bare number."""
    return float(text.rsplit("=", 1)[-1].strip().replace("−", "-"))


def validate(fig) -> dict:
    as_dict = fig.to_dict()
    go.Figure(as_dict)  # raises on anything Plotly would not accept, frames included
    return as_dict


@pytest.mark.parametrize("layers", [1, 2, 3, 5])
def test_the_walk_goes_forward_then_back(layers):
    steps = figures.walk(layers)
    assert len(steps) == 3 * layers + 1
    kinds = [s.kind for s in steps]
    assert (
        kinds
        == ["input"] + ["forward"] * layers + ["bp1"] + ["bp2"] * (layers - 1) + ["grad"] * layers
    )
    assert [s.layer for s in steps if s.kind == "forward"] == list(range(1, layers + 1))
    assert [s.layer for s in steps if s.kind == "bp2"] == list(range(layers - 1, 0, -1))
    assert steps[layers + 1] == figures.Step("bp1", layers)


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 3, 2), (2, 3, 3, 2)])
def test_network_figure_has_a_frame_per_step_and_its_still_is_the_chosen_frame(sizes):
    net = net_for(sizes)
    steps = figures.walk(len(sizes) - 1)
    for active in (0, len(steps) // 2, len(steps) - 1):
        fig = validate(figures.network_figure(net, active_step=active))
        frames = fig["frames"]
        assert [f["name"] for f in frames] == [str(i) for i in range(len(steps))]
        slider = fig["layout"]["sliders"][0]
        assert slider["active"] == active and len(slider["steps"]) == len(steps)
        assert [s["label"] for s in slider["steps"]] == [figures.step_label(s) for s in steps]
        frame = frames[active]
        for k, trace in zip(frame["traces"], frame["data"], strict=True):
            if "text" in trace:
                assert fig["data"][k]["text"] == trace["text"]


def test_frame_numbers_equal_the_cores():
    sizes = (2, 3, 2)
    net = net_for(sizes, seed=4)
    r = net.result
    fig = validate(figures.network_figure(net))
    steps = figures.walk(2)
    last = fig["frames"][-1]["data"]
    neurons = last[TRACE["neurons"] - 1]["text"]
    deltas = last[TRACE["deltas"] - 1]["text"]
    # inputs: x; other layers: z then a; below each: δ (none for the inputs)
    assert [value_of(t) for t in neurons[:2]] == pytest.approx(r.a[0], rel=5e-3)
    at = 2
    for layer in (1, 2):
        for j in range(sizes[layer]):
            z_text, a_text = neurons[at].split("<br>")
            assert value_of(z_text) == pytest.approx(r.z[layer - 1][j], rel=5e-3, abs=1e-12)
            assert value_of(a_text) == pytest.approx(r.a[layer][j], rel=5e-3)
            assert value_of(deltas[at]) == pytest.approx(r.delta[layer - 1][j], rel=5e-3)
            at += 1
    assert deltas[:2] == ["", ""]
    # edges: w^l_jk before BP4 of their layer, ∂C/∂w^l_jk after, in the order of w.ravel()
    first = [value_of(t) for t in fig["frames"][0]["data"][TRACE["edges"] - 1]["text"]]
    final = [value_of(t) for t in last[TRACE["edges"] - 1]["text"]]
    assert first == pytest.approx(np.concatenate([w.ravel() for w in net.weights]), rel=5e-3)
    assert final == pytest.approx(np.concatenate([g.ravel() for g in r.grad_w]), rel=5e-3)
    # after BP4 of layer 2 only (step 3L − 1), layer 1's edges still show weights
    middle = fig["frames"][steps.index(figures.Step("grad", 2))]["data"][TRACE["edges"] - 1]
    middle_values = [value_of(t) for t in middle["text"]]
    assert middle_values[:6] == pytest.approx(net.weights[0].ravel(), rel=5e-3)
    assert middle_values[6:] == pytest.approx(r.grad_w[1].ravel(), rel=5e-3)


def test_each_frame_highlights_what_its_step_uses():
    sizes = (2, 3, 2)
    fig = validate(figures.network_figure(net_for(sizes)))
    for step, frame in zip(figures.walk(2), fig["frames"], strict=True):
        highlight = frame["data"][0]
        segments = sum(v is None for v in highlight["x"])
        used = {"forward": step.layer, "grad": step.layer, "bp2": step.layer + 1}.get(step.kind)
        expected = sizes[used] * sizes[used - 1] if used else 0
        assert segments == expected
        # the equation caption names the step's equation
        equation = frame["data"][TRACE["equation"] - 1]["text"][0]
        assert equation == figures.step_equation(step)
        if step.kind in ("bp1", "bp2"):
            assert step.kind.upper() in equation
        colors = frame["data"][2]["marker"]["color"]
        layer_of = [layer for layer, n in enumerate(sizes) for _ in range(n)]
        for layer, color in zip(layer_of, colors, strict=True):
            if step.kind != "grad" and layer == step.layer:
                assert color == figures.ACTIVE


def test_a_click_picks_the_weight_whose_number_is_nearest():
    sizes = (2, 3, 2)
    points = figures.edge_label_points(sizes)
    every = figures.edges(sizes)
    assert len(every) == len(points) == 12
    assert len({tuple(np.round(p, 6)) for p in points}) == len(points)  # no two on one spot
    for edge, (x, y) in zip(every, points, strict=True):
        assert figures.nearest_edge(sizes, x + 0.02, y - 0.02) == edge
    assert figures.nearest_edge(sizes, 0.0, 0.5) is None  # on an input neuron
    assert every[3] == figures.Edge(1, 2, 2)  # row j of w¹ after row j − 1


def test_the_chosen_weight_is_ringed():
    net = net_for((2, 3, 2))
    plain = validate(figures.network_figure(net))
    ringed = validate(figures.network_figure(net, chosen=figures.Edge(2, 1, 3)))
    assert len(ringed["data"]) == len(plain["data"]) + 1
    ring = ringed["data"][-1]
    point = figures.edge_label_points((2, 3, 2))[figures.edges((2, 3, 2)).index((2, 1, 3))]
    assert [decode_array(ring["x"])[0], decode_array(ring["y"])[0]] == pytest.approx(point)


@pytest.mark.parametrize("cost", bp.COSTS)
def test_step_equations_carry_the_cores_numbers(cost):
    net = net_for((2, 3, 2), cost=cost, seed=2)
    r = net.result
    steps = figures.walk(2)
    texts = {s: figures.step_latex(net, s, "sigmoid", cost) for s in steps}
    for text in texts.values():
        assert text.startswith(r"\begin{gathered}") and text.count("{") == text.count("}")
    assert all(figures._tex(v) in texts[("forward", 1)] for v in r.z[0])
    assert all(figures._tex(v) in texts[("bp1", 2)] for v in r.delta[1])
    assert all(figures._tex(v) in texts[("bp2", 1)] for v in r.delta[0])
    assert all(figures._tex(v) in texts[("grad", 1)] for v in r.grad_w[0].ravel())
    assert ("cancels" in texts[("bp1", 2)]) == (cost == "cross_entropy")


def test_tex_numbers_use_powers_of_ten():
    assert figures._tex(1.5e-7) == r"1.5\cdot 10^{-7}"
    assert figures._tex(0.0) == "0"
    assert figures.number(-0.01234) == "−0.0123"


def test_comparison_figure_draws_differences_on_a_log_axis():
    methods = {"A": np.array([1.0, 2.0]), "B": np.array([1.0, 2.0]), "C": np.array([1.1, 2.0])}
    fig = validate(figures.comparison_figure(["p", "q"], methods))
    assert len(fig["data"]) == 5
    assert fig["layout"]["yaxis2"]["type"] == "log"
    zero, tenth = fig["data"][3], fig["data"][4]
    assert decode_array(zero["y"]) == pytest.approx([figures.FLOOR, figures.FLOOR])
    assert decode_array(tenth["y"]) == pytest.approx([0.1, figures.FLOOR])


def test_h_sweep_figure_marks_the_chosen_h_on_log_axes():
    h = np.logspace(-10, 0, 11)
    fig = validate(figures.h_sweep_figure(h, h**2 + 1e-16 / h, h, chosen_h=1e-5))
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["yaxis"]["type"] == "log"
    star = fig["data"][-1]
    assert star["x"][0] == pytest.approx(1e-5)
    assert star["y"][0] == pytest.approx(1e-10 + 1e-11)


def test_slowdown_figure_has_output_and_sigma_prime_per_cost():
    runs = {c: bp.slowdown(2.0, 2.0, 0.15, c, steps=20) for c in bp.COSTS}
    fig = validate(figures.slowdown_figure(runs, look=Look(presentation=True)))
    assert len(fig["data"]) == 4
    np.testing.assert_allclose(
        decode_array(fig["data"][1]["y"]), runs["quadratic"].sigma_prime, rtol=1e-6
    )
    assert fig["layout"]["shapes"][0]["y0"] == 0.25


def test_depth_figure_theory_line_falls_by_the_factor_per_layer():
    values = np.r_[0.25 ** np.arange(6)[::-1] * 2.0, np.nan, np.nan]
    fig = validate(figures.depth_figure({"init": values, "later": values * 2}, factor=0.5))
    assert fig["layout"]["yaxis"]["type"] == "log"
    theory = fig["data"][-1]
    assert decode_array(theory["x"]).tolist() == [1, 2, 3, 4, 5, 6]
    expected = 2.0 * 0.5 ** (6 - np.arange(1, 7))
    np.testing.assert_allclose(decode_array(theory["y"]), expected, rtol=1e-12)


@pytest.mark.parametrize("sizes", [(1, 1, 1), (2, 3, 2), (3, 4, 2), (2, 3, 3, 2)])
def test_every_frame_moves_something_and_rings_what_it_computes(sizes):
    # The browser sees a step change by the points it draws: the edges in use and the rings
    # around what the step computes (neurons, or the edges' numbers for BP4) differ per step.
    fig = validate(figures.network_figure(net_for(sizes)))
    positions = figures.neuron_positions(sizes)
    labels = figures.edge_label_points(sizes)
    seen = set()
    for step, frame in zip(figures.walk(len(sizes) - 1), fig["frames"], strict=True):
        assert frame["traces"][-1] == figures.RINGS
        rings = frame["data"][-1]
        ringed = np.c_[rings["x"], rings["y"]]
        if step.kind == "grad":
            layer = [e.layer == step.layer for e in figures.edges(sizes)]
            np.testing.assert_allclose(ringed, labels[layer])
        else:
            np.testing.assert_allclose(ringed, positions[step.layer])
        highlight = frame["data"][0]
        seen.add((tuple(rings["x"]), tuple(rings["y"]), tuple(highlight["x"] or ())))
    assert len(seen) == len(fig["frames"])
