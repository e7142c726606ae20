"""AppTest tests of the page "Adaptive learning rates": every tab loads, its numbers are the
core's closed forms, its sliders compile nothing, its quiz shows evidence, its scenes say what
they draw, presentation mode hides the explanations."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from app_support.topics.adaptive import SCENES
from optim import adaptive
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "adaptive.py")
COUNTER = CompileCounter()


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


@pytest.mark.parametrize("tab", ["bias", "adagrad", "quiz"])
def test_every_tab_loads(tab):
    at = load(tab=tab)
    healthy(at)
    if tab != "quiz":
        assert drawn_figures(at)


def test_bias_tab_measures_the_steps_the_formula_predicts():
    at = load(tab="bias", uncorrected="1", b1="0.9", b2="0.99")
    healthy(at)
    rows = at.dataframe[0].value
    assert list(rows["step t"][:3]) == [1, 2, 3]
    # constant gradient: the corrected step is ε, the uncorrected one the closed-form factor
    np.testing.assert_allclose(rows["step with correction (ε)"].astype(float), 1.0, rtol=1e-3)
    expected = adaptive.uncorrected_factor(rows["step t"].to_numpy(), 0.9, 0.99)
    np.testing.assert_allclose(rows["step without (ε)"].astype(float), expected, rtol=1e-3)
    assert float(rows["step without (ε)"][0]) == pytest.approx(0.1 / np.sqrt(0.01), rel=1e-3)
    # the toggle off: no uncorrected column
    at.toggle(key="adaptive.uncorrected").set_value(False).run()
    assert "step without (ε)" not in at.dataframe[0].value.columns


def test_adagrad_stalls_where_rmsprop_arrives():
    at = load(tab="adagrad")
    healthy(at)
    rows = at.dataframe[0].value.set_index("optimizer")
    adagrad, rmsprop = rows.loc["AdaGrad"], rows.loc["RMSProp"]
    assert adagrad["steps to ‖w − w*‖ ≤ 0.001"] == "—"  # not there after all its steps
    assert abs(float(adagrad["x at the end"])) > 1.0
    assert int(rmsprop["steps to ‖w − w*‖ ≤ 0.001"]) < 100
    # AdaGrad's rate only fell; RMSProp's rose as the gradient shrank
    assert float(adagrad["rate along x, step 300"]) < 0.2 * float(adagrad["rate along x, step 1"])
    assert float(rmsprop["rate along x, step 300"]) > float(rmsprop["rate along x, step 1"])
    assert rmsprop["x at the end"] == "0"


def test_moving_a_slider_compiles_nothing():
    for tab, key, values in (
        ("bias", "adaptive.b1", (0.8, 0.95)),
        ("adagrad", "adaptive.lr", (0.05, 0.2)),
    ):
        at = load(tab=tab)
        slider = at.select_slider(key=key)
        slider.set_value(values[0]).run()
        with COUNTER as compiles:
            at.select_slider(key=key).set_value(values[1]).run()
        healthy(at)
        assert compiles.count == 0, (tab, key)


def test_quiz_answers_show_the_evidence():
    at = load(tab="quiz")
    healthy(at)
    assert len(at.radio) == 3
    at.radio(key="adaptive.quiz.same_step").set_value("no").run()
    healthy(at)
    assert any("the answer is **yes**" in e.value for e in at.error)
    rows = at.dataframe[0].value
    steps = rows["Adam's step (ε), second half"].astype(float).to_numpy()
    # the lecture's answer: w₁ and w₂ alike, w₃ ten times slower
    assert steps[0] == pytest.approx(steps[1], rel=0.05)
    assert steps[1] / steps[2] == pytest.approx(10, rel=0.1)


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s.key)
def test_scenes_load_and_show_their_caption(scene):
    at = load(**scene.params)
    healthy(at)
    assert any(scene.caption in i.value for i in at.info)
    assert url(at)["preset"] in (scene.key, [scene.key])


def test_presentation_mode_hides_the_explanations_and_keeps_the_cue():
    scene = SCENES[0]
    at = load(**scene.params, present="1")
    healthy(at)
    assert not any("start at 0" in m.value for m in at.markdown)
    (info,) = [i.value for i in at.info]
    assert scene.cue in info and scene.caption not in info
