"""AppTest tests of the Generalization page: every tab runs, deep links round-trip, the numbers
shown are the core's, bad links fall back to defaults with a notice, and moving a slider that
changes only numbers (probabilities, seeds, λ, patience) compiles nothing once warm."""

import base64
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from app_support.topics import generalization as topic
from landscapes import generalization, networks
from tests.compiles import CompileCounter

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "generalization.py")
TIMEOUT = 300
TABS = ("dropout", "augment", "normalize", "batchnorm", "early", "decay", "quiz")
KINDS = ("select_slider", "slider", "number_input", "selectbox", "multiselect", "toggle")
SMALL = {"steps": "200", "n": "16", "width": "4"}  # quick runs
LEARNING_RATE = {"learning_rate": topic.HYPER_DEFAULTS["adam.learning_rate"]}  # the page's


def open_page(params=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def widget(at: AppTest, key: str):
    for kind in KINDS:
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_runs(tab):
    at = open_page({"tab": tab, **SMALL})
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    expected = {"quiz": 0, "dropout": 4, "normalize": 3}.get(tab, 2)
    assert len(drawn_figures(at)) == expected


def _core_run(l2=0.0, steps=200, n=16, width=4, flip=0.1):
    data = generalization.flip_labels(networks.make_data("xor", n, 512, 0.2, 0, 3, 128), flip, 0)
    arch = networks.Architecture((width, width), "tanh")
    w0 = networks.init_weights(arch, "xavier", 0)
    run, _ = generalization.fit(
        data, arch, "cross_entropy", w0, "adam", steps, keep=topic.KEEP, l2=l2, **LEARNING_RATE
    )
    return run


def test_default_view_shows_dropout_narrowing_the_gap_without_wrecking_the_fit():
    """At the page's defaults the plain network learns the flipped labels by heart (training
    loss near 0, validation loss far above it); with the lectures' p = 0.8 / 0.5 the gap
    between training and validation loss is much smaller, and the test loss and accuracy are
    better than the plain network's."""
    at = open_page()
    assert_clean(at)
    m, curves = metrics(at), _curves(at)
    plain_gap = curves["validation, plain"][-1] - curves["training, plain"][-1]
    dropout_gap = curves["validation, dropout"][-1] - curves["training, dropout"][-1]
    assert _number(m["Training loss, plain"]) < 0.05 and plain_gap > 0.5
    assert abs(dropout_gap) < 0.5 * plain_gap
    assert _number(m["Training loss, dropout"]) < 0.6  # below ln 2: it learned, not guessed
    assert _number(m["Test loss, dropout"]) < 0.6 * _number(m["Test loss, plain"])
    before, after = (float(v.strip(" %")) for v in m["Test accuracy, plain → dropout"].split("→"))
    assert after > before + 5


def test_quiz_answer_on_dropout_shows_the_cores_runs_and_says_what_they_show():
    at = open_page({"tab": "quiz", **SMALL})
    at.radio(key="generalization.quiz.dropout").set_value("no").run()
    assert_clean(at)
    plain = _core_run()
    data = generalization.flip_labels(networks.make_data("xor", 16, 512, 0.2, 0, 3, 128), 0.1, 0)
    arch = networks.Architecture((4, 4), "tanh")
    dropped, _ = generalization.fit(
        data,
        arch,
        "cross_entropy",
        networks.init_weights(arch, "xavier", 0),
        "adam",
        200,
        generalization.Regularizer("dropout", 0.8, 0.5, "inverted"),
        keep=topic.KEEP,
        **LEARNING_RATE,
    )
    text = " ".join(m.value for m in at.markdown)
    assert f"Training loss: plain {plain.train_loss[-1]:.3g}, with dropout " in text
    assert f"{dropped.train_loss[-1]:.3g}; test loss: {plain.test_loss[-1]:.3g} vs" in text
    higher = dropped.train_loss[-1] > plain.train_loss[-1]
    assert ("the training loss stays higher" in text) == higher
    assert ("here the training loss is not higher" in text) == (not higher)


def test_early_stopping_numbers_are_the_cores():
    at = open_page({"tab": "early", "patience": "7", **SMALL})
    assert_clean(at)
    run = _core_run()
    stop, best = networks.early_stopping(run.val_loss, 7)
    shown = metrics(at)
    assert shown["Stops at step"] == str(run.steps[stop])
    assert shown["Best weights (restored)"] == f"step {run.steps[best]}"
    assert shown["Test loss at the restored weights"] == f"{run.test_loss[best]:.3g}"
    assert shown["Test loss at the end"] == f"{run.test_loss[-1]:.3g}"


def test_weight_decay_uses_lambda_over_m_on_weights_only():
    at = open_page({"tab": "decay", "lam": "4", **SMALL})
    assert_clean(at)
    plain, decayed = _core_run(), _core_run(l2=4 / 16)
    mask = networks.Architecture((4, 4), "tanh").weight_mask() > 0
    shown = metrics(at)
    assert shown["Test loss"] == f"{plain.test_loss[-1]:.3g} → {decayed.test_loss[-1]:.3g}"
    norms = [np.linalg.norm(r.params[-1][mask]) for r in (plain, decayed)]
    assert shown["‖w‖ weights, λ = 0 → λ"] == "{:.3g} → {:.3g}".format(*norms)


def test_batch_norm_eval_mode_number_is_the_running_averages_one():
    at = open_page({"tab": "batchnorm", **SMALL})
    assert_clean(at)
    data = generalization.flip_labels(networks.make_data("xor", 16, 512, 0.2, 0, 3, 128), 0.1, 0)
    arch = networks.Architecture((4, 4), "tanh")
    w0 = networks.init_weights(arch, "xavier", 0)
    run, _ = generalization.fit(
        data,
        arch,
        "cross_entropy",
        w0,
        "adam",
        200,
        generalization.Regularizer("batchnorm"),
        keep=topic.KEEP,
        **LEARNING_RATE,
    )
    shown = metrics(at)
    assert shown["Test, batch norm (μ̄, σ̄²)"] == f"{run.test_loss[-1]:.3g}"


def test_normalization_shows_kappa_of_the_covariance():
    at = open_page({"tab": "normalize", "scale": "5", "corr": "0.5"})
    assert_clean(at)
    text = " ".join(m.value for m in at.markdown)
    for how in generalization.NORMALIZATIONS:
        features = generalization.normalize(generalization.scaled_features(200, 5.0, 0.5), how)
        assert f"κ = {generalization.condition_number(features):.3g}" in text


def test_deep_link_round_trips():
    at = open_page({"tab": "dropout", **SMALL})
    widget(at, "generalization.p_h").set_value(0.7).run()
    widget(at, "generalization.conv").select("weight_scaling").run()
    widget(at, "generalization.drop_seed").set_value(5).run()
    assert_clean(at)
    params = {k: at.query_params[k] for k in at.query_params}
    again = open_page({k: (v[0] if isinstance(v, list) else v) for k, v in params.items()})
    assert_clean(again)
    assert not again.warning
    for key in ("p_h", "conv", "drop_seed", "steps", "n", "width"):
        assert (
            widget(again, f"generalization.{key}").value
            == widget(at, f"generalization.{key}").value
        )
    assert metrics(again) == metrics(at)


MALICIOUS = {
    "data": "../../etc/passwd",
    "p_h": "2",
    "p_in": "nan",
    "conv": "<script>alert(1)</script>",
    "tab": "javascript:alert(1)",
    "aug": "shear",
    "patience": "-3",
    "opt": "newton",
}


def test_bad_query_params_warn_and_default():
    at = open_page({**MALICIOUS, **SMALL})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    for name in MALICIOUS:
        assert name in text, name
    assert text.count("<script>") == text.count("`<script>")
    assert widget(at, "generalization.data").value == "xor"
    assert widget(at, "generalization.p_h").value == 0.5
    assert widget(at, "generalization.conv").value == "inverted"


@pytest.mark.parametrize(
    "tab, moves",
    [
        ("dropout", {"p_h": (0.35, 0.65), "p_in": (0.6,), "drop_seed": (3,)}),
        ("early", {"patience": (3,), "flip": (0.2,), "data_seed": (4,)}),
        ("decay", {"lam": (2.5,)}),
    ],
)
def test_warm_number_slider_moves_compile_nothing(tab, moves):
    at = open_page({"tab": tab, **SMALL})
    assert_clean(at)
    first = True
    for key, values in moves.items():
        for value in values:
            if first:  # one warm-up move: a program first used here may compile once
                widget(at, f"generalization.{key}").set_value(value).run()
                first = False
                continue
            with CompileCounter() as compiles:
                widget(at, f"generalization.{key}").set_value(value).run()
            assert_clean(at)
            assert compiles.count == 0, (key, value)


ARCHITECTURE = {"generalization.depth"}  # may compile, as on the Small networks page


def _neighbours(w) -> list:
    """Two values next to a slider's current one (up if there is room, else down)."""
    if type(w).__name__ == "SelectSlider":
        options = list(w.options)
        i = options.index(str(w.value)) if str(w.value) in options else options.index(w.value)
        picks = options[i + 1 : i + 3] if i + 2 < len(options) else options[max(i - 2, 0) : i]
        return [type(w.value)(p) if not isinstance(w.value, str) else p for p in picks]
    step = w.step or (w.max - w.min) / 100
    sign = 1 if w.value + 2 * step <= w.max else -1
    return [w.value + sign * step, w.value + 2 * sign * step]


@pytest.mark.parametrize("tab", TABS)
def test_warm_moves_of_every_slider_compile_nothing(tab):
    """bench.pages moves every slider of a tab: once a slider has moved, its next move compiles
    nothing (the architecture's depth excepted)."""
    at = open_page({"tab": tab, **SMALL})
    assert_clean(at)
    keys = [w.key for w in (*at.select_slider, *at.slider) if w.key and w.key not in ARCHITECTURE]
    assert keys
    for key in keys:
        first, second = _neighbours(widget(at, key))
        widget(at, key).set_value(first).run()  # warm-up: a program first used here compiles
        with CompileCounter() as compiles:
            widget(at, key).set_value(second).run()
        assert_clean(at)
        assert compiles.count == 0, (tab, key, second)


def _number(text: str) -> float:
    return float(text.split("→")[-1])


def _array(value) -> np.ndarray:
    """A figure's data array: Plotly sends NumPy arrays as base64 ("bdata") or as lists."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        return flat.reshape([int(n) for n in str(shape).split(",")]) if shape else flat
    return np.asarray(value, dtype=float)


def _curves(at: AppTest) -> dict[str, np.ndarray]:
    """Every named line of every figure drawn: {name: y values}."""
    return {
        trace["name"]: _array(trace["y"])
        for figure in drawn_figures(at)
        for trace in figure["data"]
        if trace.get("type") == "scatter" and trace.get("mode") == "lines"
    }


def _maps(at: AppTest, count: int) -> list[dict]:
    """The heat maps of the figure drawn with `count` of them."""
    for figure in drawn_figures(at):
        maps = [trace for trace in figure["data"] if trace.get("type") == "heatmap"]
        if len(maps) == count:
            return maps
    raise AssertionError(f"no figure with {count} maps")


def _uphill(values) -> float:
    """Σ max(0, E_{t+1} − E_t): how much a loss curve climbs."""
    return float(np.sum(np.maximum(np.diff(values), 0.0)))


def _claim_dropout(at: AppTest) -> None:
    """The plain net learns the flipped points by heart (training loss → 0, test loss climbs);
    with dropout the training loss stays higher and the test loss ends lower."""
    m, curves = metrics(at), _curves(at)
    assert _number(m["Training loss, plain"]) < 0.05
    test = curves["test, plain"]
    assert test[-1] > 1.2 * test.min()
    assert _number(m["Training loss, dropout"]) > _number(m["Training loss, plain"])
    assert _number(m["Test loss, dropout"]) < _number(m["Test loss, plain"])


def _claim_thinned(at: AppTest) -> None:
    """The four thinned networks drawn disagree; the whole network stands for their average."""
    *thinned, whole = (_array(trace["z"]) for trace in _maps(at, topic.THINNED + 1))
    decisions = [t > 0.5 for t in thinned]
    for i, a in enumerate(decisions):
        for b in decisions[i + 1 :]:
            assert np.mean(a != b) > 0.01
    average = np.mean(thinned, axis=0)
    assert np.mean(np.abs(whole - average)) < np.mean([np.abs(t - average) for t in thinned])


def _claim_circles_rotations(at: AppTest) -> None:
    """Rotations keep every label; eight rotated copies make the boundary round (the output
    depends on the radius, not the angle) and the test loss falls."""
    m = metrics(at)
    assert m["Labels kept (worst transform)"] == "100%"
    assert _number(m["Test loss, augmented"]) < _number(m["Test loss, original"])

    def spread_around_circles(trace) -> float:  # mean spread of the output on rings r ≈ const
        x, y, z = (_array(trace[k]) for k in ("x", "y", "z"))
        r = np.hypot(*np.meshgrid(x, y))
        rings = np.digitize(r, np.linspace(0.0, min(x.max(), y.max()), 12))
        return float(np.mean([z[rings == k].std() for k in range(1, 12)]))

    original, augmented = _maps(at, 2)
    assert spread_around_circles(augmented) < 0.5 * spread_around_circles(original)


def _claim_xor_reflection(at: AppTest) -> None:
    """Reflecting x₁ changes every XOR label and the test loss rises; swapping x₁ ↔ x₂ is a
    symmetry and helps."""
    m = metrics(at)
    assert m["Labels kept (worst transform)"] == "0%"
    assert _number(m["Test loss, augmented"]) > _number(m["Test loss, original"])
    params = next(s for s in topic.SCENES if s.key == "xor_reflection").params
    swapped = metrics(open_page({**params, "aug": "swap"}))
    assert swapped["Labels kept (worst transform)"] == "100%"
    assert _number(swapped["Test loss, augmented"]) < _number(swapped["Test loss, original"])


def _claim_batchnorm(at: AppTest) -> None:
    """At ε = 5 both training losses jump about, the plain network's about twice as much; it
    ends higher than the batch-normalized network's, whose test loss is lower too."""
    m, curves = metrics(at), _curves(at)
    plain, normed = curves["training, plain"], curves["training, batch norm"]
    assert _uphill(normed) > 10 * normed[0]  # both jump about
    assert _uphill(plain) > 1.5 * _uphill(normed) and plain.max() > 1.5 * normed.max()
    assert _number(m["Training loss, batch norm"]) < _number(m["Training loss, plain"])
    assert _number(m["Test, batch norm (μ̄, σ̄²)"]) < _number(m["Test loss, plain"])


def _claim_early(at: AppTest) -> None:
    """The validation loss turns up; with patience 10 training stops soon after and restores
    the best weights, whose test loss is lower than the end's."""
    m, curves = metrics(at), _curves(at)
    validation = curves["validation"]
    assert validation[-1] > 1.2 * validation.min()  # turns up
    stop, best = int(m["Stops at step"]), int(m["Best weights (restored)"].split()[-1])
    steps = len(curves["training"]) - 1
    assert best < stop < steps / 2  # soon after the best, long before the end
    assert _number(m["Test loss at the restored weights"]) < _number(m["Test loss at the end"])


# What each scene's caption claims, checked on the numbers and figures the page shows (the
# ravine's is checked on the core in tests/unit/test_scene_claims.py).
SCENE_CLAIMS = {
    "dropout": _claim_dropout,
    "thinned": _claim_thinned,
    "circles_rotations": _claim_circles_rotations,
    "xor_reflection": _claim_xor_reflection,
    "batchnorm": _claim_batchnorm,
    "early": _claim_early,
}


@pytest.mark.parametrize("preset", [s.key for s in topic.SCENES], ids=str)
def test_scene_loads_and_its_caption_holds(preset):
    scene = next(s for s in topic.SCENES if s.key == preset)
    at = open_page(scene.params)
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert at.info  # the caption
    if preset in SCENE_CLAIMS:
        SCENE_CLAIMS[preset](at)
