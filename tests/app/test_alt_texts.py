"""Every page's main charts carry a text alternative with the numbers the page computed: each
test reads the number from the page's own metric or caption, or from the core, and finds it in
the chart's `alt`."""

import re
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import sent_payloads
from app_support.topics import minibatches as topic_minibatches

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # a page's first run compiles its core


def open_page(name: str, params=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def alt_of(at: AppTest, start: str) -> str:
    """The text alternative of the one drawn chart whose text starts with `start`."""
    sent = [payload["alt"] for _, payload in sent_payloads(at) if "figure" in payload]
    (found,) = [alt for alt in sent if alt.startswith(start)]
    return found


def metrics(at: AppTest) -> dict[str, str]:
    """The page's metrics by label, their minus signs as the text alternatives write them."""
    return {m.label: m.value.replace("-", "−") for m in at.metric}


def test_networks_training_charts_say_the_summary_numbers():
    at = open_page("networks")
    shown = metrics(at)
    curves = alt_of(at, "Loss and accuracy against the step")
    assert f"{shown['Weights N']} weights" in curves
    assert f"training loss is {shown['Training loss']}," in curves
    assert f"test loss {shown['Test loss']}." in curves
    accuracy = f"training accuracy is {shown['Training accuracy']}, the test accuracy "
    accuracy += f"{shown['Test accuracy']}."
    assert accuracy in curves
    assert accuracy in alt_of(at, "Decision map")
    # the early-stopping step is the one the caption names
    (caption,) = [c.value for c in at.caption if "lowest validation loss" in c.value]
    stop = re.search(r"step (\d+) \(◆\)", caption).group(1)
    assert f"Early stopping keeps step {stop}," in curves


def test_networks_spectrum_says_how_many_eigenvalues_are_negative():
    at = open_page("networks", {"tab": "spectrum"})
    (caption,) = [c.value for c in at.caption if "eigenvalues are negative" in c.value]
    negative, weights = re.search(r"(\d+) of ([\d,]+) eigenvalues are negative", caption).groups()
    spectrum = alt_of(at, "Hessian eigenvalue")
    assert f"{negative} of {weights} eigenvalues are negative." in spectrum
    low, high = re.search(r"Eigenvalues from (\S+) to (\S+) \(", spectrum).groups()
    low, high = float(low.replace("−", "-")), float(high.replace("−", "-"))
    assert low <= high
    if int(negative):  # a negative eigenvalue was counted: the smallest one is below zero
        assert low < 0


def test_minibatches_maps_say_the_distances_and_radii_shown():
    at = open_page("minibatches", {"view": "sgd"})
    shown = metrics(at)
    sgd = alt_of(at, "Contour map of the full loss")
    assert f"full batch {shown['Full batch: distance to w* at the end']}," in sgd
    (seed_label,) = [label for label in shown if label.startswith("SGD seed")]
    assert f"{seed_label.removesuffix(': distance to w*')} {shown[seed_label]}." in sgd

    at = open_page("minibatches", {"view": "noise"})
    shown = metrics(at)
    ball = alt_of(at, "Minibatch noise balls")
    assert f"constant ε {shown['Ball, constant ε']}" in ball
    assert f"theory, independent minibatches {shown['Theory, independent minibatches']}." in ball

    at = open_page("minibatches", {"view": "examples"})
    gaps = alt_of(at, "Loss above the best")
    for label, value in metrics(at).items():
        assert f"{label.removesuffix(': E − E* at the end')} {value}" in gaps


def test_permutation_charts_say_the_loss_barriers_and_regions_shown():
    at = open_page("permutation")
    shown = metrics(at)
    teacher = alt_of(at, "The teacher's")
    assert "Final loss " + shown["Student's final loss E"] + ";" in teacher
    assert f"teacher order {shown['Student units, in teacher order']};" in teacher
    assert f"cos {shown['Worst match: cos ∠ between lines']}." in teacher

    at = open_page("permutation", {"tab": "line"})
    shown = metrics(at)
    line = alt_of(at, "Loss along the straight line")
    assert f"straight line {shown['Barrier of the straight line']}," in line
    assert f"through the saddle {shown['Barrier through the saddle']}." in line

    at = open_page("permutation", {"tab": "regions", "lines": "5"})
    regions = alt_of(at, "5 random lines")
    # five lines in general position: 1 + 5 + 5·4/2 = 16 regions
    assert "16 regions in all (the formula 1 + n + n(n−1)/2 gives 16)" in regions
    assert f"{metrics(at)['Visible in this window']} visible" in regions
    assert alt_of(at, "Number of regions against").endswith("5 lines give 16 regions.")


def test_backprop_graph_says_every_gradient_by_autodiff():
    import jax
    import jax.numpy as jnp

    from app_support.topics import backprop as topic
    from landscapes import backprop as bp

    at = open_page("backprop")
    weights, biases = topic.initial_network("2-3-2", 0)
    x, y = np.array(topic.DEFAULT_X[:2]), np.array(topic.DEFAULT_Y[:2])

    def cost(ws):  # the quadratic cost of the sigmoid network, written out for autodiff
        a = jnp.asarray(x)
        for w, b in zip(ws, biases, strict=True):
            a = jax.nn.sigmoid(w @ a + b)
        return 0.5 * jnp.sum((a - y) ** 2)

    grads = jax.grad(cost)([jnp.asarray(w) for w in weights])
    graph = alt_of(at, "Network graph of layer sizes 2-3-2")
    assert f"Cost C = {bp.backprop(weights, biases, x, y).cost:.6g}." in graph
    assert graph.count("∂C/∂w") == 2 * 3 + 3 * 2
    for layer, grad in enumerate(grads, start=1):
        for (j, k), value in np.ndenumerate(np.asarray(grad)):
            name = f"∂C/∂w{str(layer).translate(SUP)}{str(j + 1).translate(SUB)}"
            name += str(k + 1).translate(SUB)
            assert f"{name} {value:.3g}".replace("-", "−") in graph, name


SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def test_backprop_check_and_depth_charts_say_the_errors_and_norms():
    at = open_page("backprop", {"tab": "check", "h": "1e-05"})
    shown = metrics(at)
    compare = alt_of(at, "Every parameter's gradient")
    assert f"differ by {shown['Backprop vs autodiff (relative)']} (relative)" in compare
    sweep = alt_of(at, "Relative error of one- and two-sided")
    assert f"error is {shown['Finite difference at h = 1e-05']};" in sweep
    assert f"smallest {shown['Smallest error (two-sided)']} at h" in sweep

    at = open_page("backprop", {"tab": "slowdown"})
    quadratic, entropy = metrics(at)["First step |Δw|: quadratic, cross-entropy"].split(", ")
    slow = alt_of(at, "One saturated sigmoid neuron")
    assert f"|Δw| {quadratic} quadratic, {entropy} cross-entropy." in slow


def test_regularization_charts_say_the_shrink_factors_and_the_runs_ends():
    from landscapes import regularization as reg

    at = open_page("regularization", {"view": "shrink", "lam": "2"})
    quad = reg.make_quadratic(**{h.name: h.default for h in reg.QUADRATIC_PARAMS})
    shrink = alt_of(at, "Fraction of w* kept")
    for i, d in enumerate(quad.curvatures):  # weight decay keeps D/(D + λ) along q_i
        assert f"q{'₁₂'[i]} (D = {d:.4g}) {d / (d + 2):.6f}" in shrink

    at = open_page("regularization", {"view": "clip"})
    (table,) = [frame.value for frame in at.dataframe]
    clip = alt_of(at, "Contour map of a cliff")
    for _, row in table.iterrows():
        assert f"{row['run']}: longest step {row['longest step']}," in clip
        assert f"final loss {row['final loss']}" in clip


def test_generalization_curves_say_the_losses_and_the_early_stop():
    at = open_page("generalization", {"tab": "early"})
    shown = metrics(at)
    early = alt_of(at, "Training, validation and test loss against the step, with early")
    assert f"stops at step {shown['Stops at step']} and restores" in early
    assert f"weights of {shown['Best weights (restored)']}:" in early
    assert f"test loss {shown['Test loss at the restored weights']} there" in early
    assert f"{shown['Test loss at the end']} at the end." in early

    at = open_page("generalization", {"tab": "batchnorm"})
    assert alt_of(at, "First-layer units' batch mean and variance").count("Largest gap") == 1
    shown = metrics(at)
    curves = alt_of(at, "Training, validation and test loss against the step, plain and batch")
    plain, normed = shown["Training loss, plain"], shown["Training loss, batch norm"]
    assert f"Training loss at the end: plain {plain}, batch norm {normed}." in curves
    assert f"Test loss at the end: plain {shown['Test loss, plain']}," in curves


def test_depth_charts_say_the_region_counts_and_no_free_lunch():
    from landscapes import nfl

    at = open_page("depth", {"tab": "count"})
    # six lines in general position: 1 + 6 + C(6, 2) = 22 regions
    tilt = alt_of(at, "6 hyperplanes (general) cutting 2-D space")
    assert "Counted exactly: 22; Closed form: 22;" in tilt
    assert alt_of(at, "Number of regions against the number of tilted").endswith(
        "Regions: t = 0 7, t = 6 22."  # six parallel lines: 7 strips
    )

    at = open_page("depth", {"tab": "nfl", "K": "9", "train": "1,4"})
    text = alt_of(at, "Mean accuracy on the unseen points of 9 inputs, trained at 1, 4")
    for learner in nfl.LEARNERS:  # averaged over every problem, any learner scores ½
        structured = nfl.off_training_accuracy(learner, 9, (1, 4), "threshold")
        assert f"{nfl.LEARNER_TITLES[learner]}: 1/2 over all, {structured} over" in text


def test_adaptive_charts_say_the_steps_and_the_race():

    from optim import adaptive

    at = open_page("adaptive", {"tab": "bias", "uncorrected": "1", "b1": "0.9", "b2": "0.99"})
    bias = alt_of(at, "Adam's running average")
    found = re.findall(
        r"step (\d+): g [^,]+, step with correction \(ε\) ([^,]+), step without \(ε\) ([^,]+),",
        bias,
    )
    assert found and found[0][0] == "1"
    for t, corrected, uncorrected in found:  # a constant gradient: ε corrected, else the factor
        assert float(corrected) == pytest.approx(1.0, rel=1e-3)
        expected = adaptive.uncorrected_factor(int(t), 0.9, 0.99)
        assert float(uncorrected) == pytest.approx(expected, rel=1e-3)
    assert np.isclose(float(found[0][2]), 0.1 / np.sqrt(0.01), rtol=1e-3)

    at = open_page("adaptive", {"tab": "adagrad"})
    (table,) = [frame.value for frame in at.dataframe]
    race = alt_of(at, "Contour map of a long valley")
    for _, row in table.iterrows():
        assert f"{row['optimizer']}: rate along x, step 1 {row['rate along x, step 1']}," in race
        assert f"steps to ‖w − w*‖ ≤ 0.001 {row['steps to ‖w − w*‖ ≤ 0.001']}" in race


def test_momentum_charts_say_the_rates_and_the_step_lengths():
    at = open_page("momentum", {"view": "map", "kappa": "100"})
    rate_map = alt_of(at, "Map of the convergence rate")
    # κ = 100: Goh's optimum shrinks the error by (√κ − 1)/(√κ + 1) = 9/11 per step, the best
    # gradient descent by (κ − 1)/(κ + 1) = 99/101
    assert f"at Goh's optimum {9 / 11:.4f}, of gradient descent at its best ε {99 / 101:.4f}." in (
        rate_map
    )
    assert f"current (ε, α) {metrics(at)['ρ at the current (ε, α)']}," in rate_map

    at = open_page("momentum", {"view": "slope", "learning_rate": "0.1", "momentum": "0.9"})
    steps = alt_of(at, "Step length against the step on a constant slope")
    # ‖g‖ = 1: gradient descent steps ε = 0.1; momentum's second step is 1 + α = 1.9 times
    # that, and the steps tend to 1/(1 − α) = 10 times
    assert "steps 0.1 every time; momentum's second step is × 1.9 that" in steps
    assert steps.endswith("the limit 1/(1 − α) is × 10.")


def test_saddles_map_says_what_was_found_and_the_inspected_point():
    at = open_page("saddles")
    (caption,) = [c.value for c in at.caption if c.value.startswith("Found ")]
    found = re.match(r"Found (.+?)(?: \(too many for arrows\))?\. Notice", caption).group(1)
    critical = alt_of(at, "Contour map of the loss with its critical points")
    assert critical.startswith(f"Contour map of the loss with its critical points: {found}:")
    assert f"E = {metrics(at)['E(w₀)']}," in critical


def test_networks_weight_space_and_exploding_charts_say_their_numbers():
    at = open_page("networks", {"tab": "weights"})
    line = alt_of(at, "Loss on the straight line from the initial")
    final = re.search(r"Training loss: t = 0 \S+, t = 1 (\S+)\.", line).group(1)
    # the line's end is the trained network: the loss the summary shows
    assert float(final) == pytest.approx(float(metrics(at)["Training loss"]), rel=1e-2)
    assert "At the centre " in alt_of(at, "Training loss on a plane through the weights")

    at = open_page("networks", {"tab": "exploding", "a": "1", "b": "2", "depth_n": "30"})
    chain = alt_of(at, "Gradient norm against the depth n")
    # E = aⁿ + bⁿ: ∇E = (n aⁿ⁻¹, n bⁿ⁻¹) at a = 1, b = 2, n = 30
    assert chain.endswith(f"At n = 30 the gradient is ({30:.3g}, {30 * 2.0**29:.3g}).")
    assert "Plain gradient descent " in alt_of(at, "Contour map of a cliff made by a deep chain")


def test_minibatches_adam_exercise_charts_say_their_tables():
    at = open_page("minibatches", {"view": "adam"})
    moments, speeds = [frame.value for frame in at.dataframe]
    statistics = alt_of(at, "Adam's ŝ, r̂ and ŝ/√r̂ per weight")
    adam = "Adam's ŝ/√r̂, second half"
    for _, row in moments.iterrows():
        assert f"{row['weight']}: mean ⟨g⟩ {row['mean ⟨g⟩']}," in statistics
        assert f"{adam} {row[adam]}" in statistics
    travel = alt_of(at, "Distance each optimizer moves each weight")
    for _, row in speeds.iterrows():
        assert f"{row['optimizer']}: w₁ {row['w₁']}, w₂ {row['w₂']}, w₃ {row['w₃']}" in travel


def test_saddles_random_hessians_say_the_counts_shown():
    at = open_page("saddles", {"tab": "random"})
    shown = metrics(at)
    histogram = alt_of(at, "Index of ")
    assert f"All eigenvalues positive: {shown['All eigenvalues positive']};" in histogram
    assert alt_of(at, "Fraction of random Hessians").endswith(histogram.partition(": ")[2])


def test_generalization_decision_maps_say_the_numbers_shown_with_them():
    at = open_page("generalization", {"tab": "dropout"})
    thinned = alt_of(at, "Decision maps of 4 thinned networks and the whole network")
    assert len(re.findall(r"thinned \d \d+%", thinned)) == 4
    maps = alt_of(at, "Decision maps of the network: without dropout, with dropout")
    for label, value in metrics(at).items():
        assert f"{label}: {value}" in maps
    walk = alt_of(at, "Dropout's walk in weight space")
    (text,) = [m.value for m in at.markdown if "A dropout step lies" in m.value]
    assert walk.endswith(text.replace("**", ""))


def test_saddles_double_well_says_its_minima_and_starts():
    at = open_page("saddles", {"tab": "minima", "well_tilt": "0.2"})
    well = alt_of(at, "Loss E(w) of a double well")
    for label, value in metrics(at).items():
        assert f"{label}: {value}" in well
    # E = ¼(w² − 1)² + 0.2 w: the minima and the peak are the roots of E′ = w³ − w + 0.2
    roots = sorted(np.roots([1.0, 0.0, -1.0, 0.2]).real)
    assert f"good minimum: w = {roots[0]:.3g}".replace("-", "−") in well
    assert f"peak between them: w = {roots[1]:.3g}" in well


def test_momentum_eigen_errors_say_when_each_run_arrives():
    at = open_page("momentum", {"view": "eigen"})
    alt = alt_of(at, "Error along each eigen-direction of the ravine")
    along_floor, across = alt.split("Along the floor: ")[1].split(" Across the valley: ")
    (table,) = [m.value for m in at.markdown if m.value.count("|") > 8]
    rows = [r.split("|")[1:4] for r in table.splitlines() if r.startswith("| ") and "---" not in r]
    checked = 0
    for title, along, over in ([cell.strip() for cell in row] for row in rows):
        for steps, text in ((along, along_floor), (over, across)):
            if steps.isdigit():
                assert re.search(rf"{re.escape(title)} (reaches 1 % )?after {steps}\b", text)
                checked += 1
    assert checked >= 2


def test_backprop_quiz_chart_says_the_first_and_last_layers_norms():
    at = open_page("backprop", {"tab": "quiz"})
    at.radio(key="backprop.quiz.fastest").set_value("the last").run()
    (caption,) = [c.value for c in at.caption if c.value.startswith("10 sigmoid layers")]
    first, last = (float(v) for v in re.findall(r"= (\d+(?:\.\d+)?(?:e[+-]\d+)?)", caption))
    assert first < last  # at initialisation the first layer's gradient is the smaller
    assert alt_of(at, "‖∂C/∂wˡ‖ per layer of a 10-layer").endswith(caption.replace("e-", "e−"))


def test_minibatch_maps_say_where_each_surface_has_its_minima():
    # Each point the text names as a minimum is one: the gradient of that surface's loss
    # vanishes there (checked with the core's loss of the page's default data set).
    at = open_page("minibatches")
    spec = (topic_minibatches.data_setting().default, ())
    data = topic_minibatches.dataset(spec)
    panels = alt_of(at, "Maps of the full loss and of minibatches of B = ")
    stepped = alt_of(at, "The minibatch surfaces one after the other")
    assert "full batch: minima at (" in panels and "full batch" not in stepped
    assert "minibatch 1: " in panels and "minibatch 1: " in stepped
    full = re.search(r"full batch: minima at ((?:\([^)]*\)(?:, )?)+)", panels).group(1)
    points = [tuple(float(v.replace("−", "-")) for v in p.split(", ")) for p in
              re.findall(r"\(([^)]*)\)", full)]  # fmt: skip
    assert points
    for point in points:  # shown to two decimals: the gradient there is small, not zero
        assert np.linalg.norm(jax.grad(data.loss)(jnp.asarray(point))) < 0.02
