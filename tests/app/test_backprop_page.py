"""The backpropagation page in Streamlit's AppTest: every tab runs, deep links round-trip, the
numbers shown are the core's, a picked weight can be changed, bad links warn and fall back to
defaults, scenes load, the quiz answers, and warm widget moves compile nothing."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures, sent_payloads
from app_support.topics import backprop as topic
from landscapes import backprop as bp
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "backprop.py")
TABS = ("step", "check", "slowdown", "deep", "quiz")
COUNTER = CompileCounter()


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"backprop.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def default_network():
    weights, biases = topic.initial_network("2-3-2", 0)
    return weights, biases, np.array(topic.DEFAULT_X[:2]), np.array(topic.DEFAULT_Y[:2])


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs_cleanly(tab):
    at = load(tab=tab)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert url(at) == ({} if tab == "step" else {"tab": tab})


def test_the_step_tab_shows_the_cores_numbers_for_the_chosen_step():
    weights, biases, x, y = default_network()
    net = bp.backprop(weights, biases, x, y)
    at = load(step="3")  # BP1 on the 2-3-2 network
    healthy(at)
    (latex,) = [e.value for e in at.latex]
    assert "BP1" in latex
    for value in net.delta[1]:
        assert f"{value:.3g}" in latex
    (graph,) = drawn_figures(at)
    assert len(graph["frames"]) == 7
    assert any(f"Cost C = {net.cost:.6g}" in c.value for c in at.caption)
    # the still picture writes the output layer's δ under its neurons
    deltas = graph["data"][4]["text"]
    assert deltas[-2:] == [f"δ = {v:.3g}".replace("-", "−") for v in net.delta[1]]


def test_the_animation_bar_starts_at_the_chosen_step():
    at = load(step="5")
    payloads = [payload for _, payload in sent_payloads(at)]  # after the view a chart keeps
    (graph,) = [p for p in payloads if "animation" in p and p["animation"]]
    assert graph["animation"]["active"] == 5
    assert len(graph["animation"]["steps"]) == 7
    assert graph["clickable"] is True


def test_editing_x_y_and_a_picked_weight_recomputes_the_pass():
    at = load(pick="w2.1.2", step="6")
    healthy(at)
    weight = widget(at, "w2.1.2")
    weights, biases, x, y = default_network()
    assert weight.value == pytest.approx(weights[1][0, 1])
    weight.set_value(1.5).run()
    widget(at, "x1").set_value(-1.0).run()
    widget(at, "y2").set_value(0.4).run()
    healthy(at)
    weights = (weights[0], weights[1].copy())
    weights[1][0, 1] = 1.5
    net = bp.backprop(weights, biases, np.array([-1.0, -0.3]), np.array([0.9, 0.4]))
    (latex,) = [e.value for e in at.latex]
    for value in net.grad_w[0].ravel():
        assert f"{value:.3g}" in latex
    assert url(at) == {"pick": "w2.1.2", "w2.1.2": "1.5", "x1": "-1", "y2": "0.4", "step": "6"}
    # the link reproduces it
    again = load(**url(at))
    healthy(again)
    assert [e.value for e in again.latex] == [latex]


def test_a_new_seed_or_network_starts_from_its_own_initial_weights():
    at = load(pick="w1.1.1", **{"w1.1.1": "4"})
    assert widget(at, "w1.1.1").value == 4.0
    widget(at, "seed").set_value(7).run()
    healthy(at)
    weights, _ = topic.initial_network("2-3-2", 7)
    assert "w1.1.1" not in url(at) and "pick" not in url(at)
    net = bp.backprop(weights, topic.initial_network("2-3-2", 7)[1], [0.5, -0.3], [0.9, 0.1])
    assert any(f"Cost C = {net.cost:.6g}" in c.value for c in at.caption)
    widget(at, "arch").set_value("1-1-1").run()
    healthy(at)
    assert url(at) == {"seed": "7", "arch": "1-1-1"}


def test_the_check_tab_shows_the_cores_errors():
    weights, biases, x, y = default_network()
    at = load(tab="check", h="1e-05")
    healthy(at)
    numbers = metrics(at)
    exact = bp.flatten(*bp.backprop(weights, biases, x, y)[3:5])
    central, _ = bp.finite_differences(weights, biases, x, y, [1e-5])
    assert (
        numbers["Finite difference at h = 1e-05"] == f"{bp.relative_error(central, exact)[0]:.1e}"
    )
    auto = bp.autodiff_gradient(weights, biases, x, y)
    difference = bp.relative_error(bp.flatten(auto.grad_w, auto.grad_b), exact)
    assert float(numbers["Backprop vs autodiff (relative)"]) == pytest.approx(difference, abs=1e-14)
    assert float(numbers["Backprop vs autodiff (relative)"]) < 1e-13
    assert len(drawn_figures(at)) == 2


def test_the_slowdown_tab_shows_the_cores_numbers():
    at = load(tab="slowdown", w0="3", b0="1")
    healthy(at)
    quad = bp.slowdown(3.0, 1.0, 0.15, "quadratic")
    entropy = bp.slowdown(3.0, 1.0, 0.15, "cross_entropy")
    numbers = metrics(at)
    assert numbers["Start: a = σ(w·1 + b)"] == f"{1 / (1 + np.exp(-4.0)):.3f}"
    assert numbers["σ′(z) at the start"] == f"{quad.sigma_prime[0]:.3g}"
    first = numbers["First step |Δw|: quadratic, cross-entropy"]
    assert first == f"{abs(quad.w[1] - quad.w[0]):.2g}, {abs(entropy.w[1] - entropy.w[0]):.2g}"


def test_the_deep_tab_shows_theory_and_measurement():
    at = load(tab="deep", depth="20", dact="relu", init="he", gain="1.5")
    healthy(at)
    norms = bp.deep_training(20, topic.DEEP_WIDTH, "relu", "he", 1.5, 0, 0.5)
    theory, measured = metrics(at)["Per layer: theory, measured"].split(", ")
    assert float(theory) == pytest.approx(1.5, rel=1e-3)
    assert measured == f"{bp.measured_factor(norms.delta[0]):.3g}"
    (figure,) = drawn_figures(at)
    assert figure["layout"]["yaxis"]["type"] == "log"
    assert any("networks?tab=exploding" in m.value for m in at.markdown)
    assert url(at) == {"tab": "deep", "depth": "20", "dact": "relu", "init": "he", "gain": "1.5"}


def test_bad_link_values_warn_and_fall_back_to_defaults():
    at = load(tab="deep", depth="999", dact="softsign", gain="abc", w9="1")
    healthy(at)
    warnings = " ".join(w.value for w in at.warning)
    for name in ("depth", "dact", "gain", "w9"):
        assert name in warnings
    assert widget(at, "depth").value == 12 and widget(at, "dact").value == "sigmoid"
    at = load(arch="9-9", x1="<script>", pick="w7.7.7")
    healthy(at)
    assert len(at.warning) == 3
    assert widget(at, "arch").value == "2-3-2" and widget(at, "x1").value == 0.5


def test_cross_entropy_needs_sigmoid_outputs():
    at = load(act="tanh", cost="cross_entropy", step="3")
    healthy(at)
    assert any("cross-entropy needs outputs" in w.value for w in at.warning)
    (latex,) = [e.value for e in at.latex]
    assert r"a^2 - y" in latex and "cancels" not in latex
    at = load(cost="cross_entropy", step="3")
    (latex,) = [e.value for e in at.latex]
    assert "cancels" in latex


@pytest.mark.parametrize("scene", topic.SCENES, ids=lambda s: s.key)
def test_every_scene_loads(scene):
    at = load(**scene.params)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert any(scene.title in i.value for i in at.info)


def test_the_quiz_answers_with_evidence():
    at = load(tab="quiz")
    at.radio(key="backprop.quiz.fastest").set_value("the last").run()
    at.radio(key="backprop.quiz.entropy").set_value("a − y").run()
    healthy(at)
    assert len(at.success) == 1 and len(at.error) == 1
    d = topic.saturated_deltas.__wrapped__(2.0, 2.0)
    assert d["cross_entropy"] == pytest.approx(d["a"])  # y = 0: δ = a − y = a
    assert any(f"{d['quadratic']:.3g}" in m.value for m in at.markdown)
    (figure,) = drawn_figures(at)
    assert figure["layout"]["yaxis"]["type"] == "log"


MOVES = {
    "step": [("x1", 0.7), ("y1", 0.5), ("step", 4)],
    "check": [("h", 1e-8)],
    "slowdown": [("w0", 1.0), ("eta", 0.3)],
    "deep": [("depth", 25), ("gain", 2.0), ("deta", 0.2), ("t", 40)],
}


@pytest.mark.parametrize("tab", MOVES)
def test_warm_widget_moves_compile_nothing(tab):
    at = load(tab=tab, **{"w1.1.1": "0.3", "x1": "0.2"})
    for name, value in MOVES[tab]:  # warm: every program once
        widget(at, name).set_value(value).run()
    COUNTER.count, COUNTER.active = 0, True
    at = load(tab=tab, **{"w1.1.1": "-0.7", "x1": "1.2"})  # another weight and input
    for name, value in MOVES[tab]:
        moved = value * 1.5 if isinstance(value, float) else value - 1
        widget(at, name).set_value(moved).run()
        healthy(at)
    COUNTER.active = False
    assert COUNTER.count == 0
