"""The minibatch page in Streamlit's AppTest: every tab loads, every widget survives its
extremes, deep links round-trip, bad links and bad typed series warn instead of failing, the
lecture scenes load, and the numbers shown are the lecture's."""

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from app_support.charts import drawn_figures

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "minibatches.py")
VIEWS = ("surfaces", "sgd", "noise", "optimizers", "adam", "examples")
KINDS = (
    "select_slider",
    "slider",
    "number_input",
    "selectbox",
    "toggle",
    "text_input",
    "button_group",
)


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"minibatches.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def current_view(at: AppTest) -> str:
    return at.session_state["minibatches.view"]


def widget_keys(at: AppTest, *, sidebar: bool) -> list[str]:
    """Keys of the page's own widgets, in the sidebar or in the main area."""
    root = at.sidebar if sidebar else at.main
    return [
        w.key
        for kind in KINDS
        for w in getattr(root, kind)
        if w.key and w.key.startswith("minibatches.") and w.key != "minibatches.present"
    ]


def ends(w) -> list:
    """The values at both ends of widget w's range (and back to where it was)."""
    kind = type(w).__name__
    if kind == "Selectbox":
        return [w.options[0], w.options[-1], w.value]
    if kind in ("SelectSlider", "ButtonGroup"):
        return [w.options[0], w.options[-1], w.value]
    if kind in ("Slider", "NumberInput"):
        return [w.min, w.max, w.value]
    if kind == "Toggle":
        return [not w.value, w.value]
    if kind == "TextInput":
        return ["", "9" * 200, "1, -1, x", w.value]
    raise AssertionError(kind)


def set_to(w, value):
    kind = type(w).__name__
    if kind == "Selectbox":
        return w.select(value)
    if kind == "SelectSlider":
        return w.set_value(float(value))
    if kind == "TextInput":
        return w.input(value)
    return w.set_value(value)


def move_to_extremes(at: AppTest, keys: list[str]) -> None:
    for key in keys:
        for value in ends(at.get_by_key(key)):
            found = [w for kind in KINDS for w in getattr(at, kind) if w.key == key]
            if not found:  # the widget went away (another data set has other parameters)
                break
            set_to(found[0], value).run()
            healthy(at)


def test_default_page_loads_with_the_minibatch_surfaces():
    at = load()
    healthy(at)
    assert not at.warning
    assert current_view(at) == "surfaces"
    assert [t.label for t in at.tabs][0].endswith("Minibatch surfaces")
    assert len(at.tabs) == len(VIEWS)
    assert len(drawn_figures(at)) == 2  # the small multiples and the slider map
    assert widget(at, "data").value == "tanh_network"
    assert url(at) == {}  # defaults only: a plain URL


@pytest.mark.parametrize("data", landscapes.DATASETS)
@pytest.mark.parametrize("batch", ["30", "37"])
def test_surfaces_of_a_batch_size_that_leaves_a_smaller_last_minibatch(data, batch):
    # n = 128 examples in minibatches of 30 or 37: the epoch's last one is smaller, once on
    # each side of n/4 (a batch size once made this view fail; found by a load test).
    at = load(data=data, batch=batch)
    healthy(at)
    panels = drawn_figures(at)[0]
    titles = [a["text"] for a in panels["layout"]["annotations"]]
    assert titles[0] == "full batch" and titles[1:] == [
        f"minibatch {k + 1}" for k in range(len(titles) - 1)
    ]


@pytest.mark.parametrize("view", VIEWS)
def test_each_tab_loads_from_its_link(view):
    at = load(view=view)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert current_view(at) == view
    assert drawn_figures(at)
    assert url(at) == ({} if view == "surfaces" else {"view": view})


def test_sidebar_widgets_at_their_extremes():
    at = load(view="sgd")
    healthy(at)
    keys = widget_keys(at, sidebar=True)
    assert {"minibatches.data", "minibatches.batch", "minibatches.seed"} <= set(keys)
    move_to_extremes(at, keys)


@pytest.mark.parametrize("view", VIEWS)
def test_each_tabs_widgets_at_their_extremes(view):
    at = load(view=view, data="correlated_regression")
    healthy(at)
    keys = widget_keys(at, sidebar=False)
    if view == "optimizers":  # its optimizers' hyperparameters sit in the sidebar
        keys += [k for k in widget_keys(at, sidebar=True) if k.count(".") == 2]
    if view != "surfaces":
        assert keys, view
    move_to_extremes(at, keys)
    assert current_view(at) == view


@pytest.mark.parametrize("schedule", ["inverse_time", "step", "cosine", "linear"])
def test_every_schedules_settings_at_their_extremes(schedule):
    at = load(view="noise", data="correlated_regression", schedule=schedule)
    healthy(at)
    keys = [k for k in widget_keys(at, sidebar=False) if k != "minibatches.schedule"]
    assert len(keys) >= 2  # ε and the schedule's own numbers
    move_to_extremes(at, keys)


def test_deep_link_round_trips():
    link = {
        "view": "sgd",
        "data": "moons_logistic",
        "moons_logistic.noise": "0.3",
        "batch": "4",
        "seed": "3",
        "lr": "0.5",
        "start": "1",
        "cloud": "0",
    }
    at = load(**link)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert widget(at, "batch").value == 4
    assert widget(at, "lr").value == 0.5
    assert widget(at, "cloud").value is False
    assert url(at) == link
    widget(at, "seed").set_value(7).run()
    assert url(at) == {**link, "seed": "7"}
    again = load(**url(at))
    healthy(again)
    for name in ("data", "moons_logistic.noise", "batch", "seed", "lr", "start", "cloud"):
        assert widget(again, name).value == widget(at, name).value, name


def test_settings_of_closed_tabs_stay_in_the_link():
    link = {"view": "adam", "lr": "0.5", "batch": "4", "g2": "0.2, 0.3", "adam.b1": "0.8"}
    at = load(**link)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert url(at) == link


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("view", "../../etc/passwd"),
        ("data", "<script>alert(1)</script>"),
        ("batch", "1e9"),
        ("batch", "-3"),
        ("seed", "nan"),
        ("lr", "inf"),
        ("tanh_network.n", "7"),
        ("schedule", "constant"),  # the noise tab compares constant ε with a decaying one
        ("g1", "1" * 500),
        ("present", "maybe"),
        ("__proto__", "x"),
    ],
)
def test_malicious_links_warn_and_fall_back(name, value):
    at = load(**{name: value})
    healthy(at)
    assert at.warning, f"no notice for {name}={value}"
    outside_code = re.sub(r"`[^`]*`", "", " ".join(w.value for w in at.warning))
    assert "<script>" not in outside_code
    assert current_view(at) in VIEWS
    assert name not in url(at)


def test_a_series_that_is_not_numbers_warns_and_uses_the_lectures():
    at = load(view="adam", g1="__import__('os').system('ls')", g3="1.1, x, 0.9")
    healthy(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "w₁" in warnings and "w₃" in warnings and "“x”" in warnings
    moments = at.dataframe[0].value
    assert list(moments["mean ⟨g⟩"]) == ["1", "0.1", "0.1"]  # the lecture's series instead
    widget(at, "g1").input("2, 0").run()
    healthy(at)
    assert at.dataframe[0].value["mean ⟨g⟩"].iloc[0] == "1"
    assert at.dataframe[0].value["mean square ⟨g²⟩"].iloc[0] == "2"


def test_adam_tab_shows_the_lectures_numbers():
    at = load(view="adam")
    healthy(at)
    moments = at.dataframe[0].value
    assert list(moments["mean ⟨g⟩"]) == ["1", "0.1", "0.1"]
    assert list(moments["mean square ⟨g²⟩"]) == ["1.01", "0.01", "1.01"]
    adam = [float(v) for v in moments["Adam's ŝ/√r̂, second half"]]
    np.testing.assert_allclose(adam, [1.0, 1.0, 0.1], atol=0.01)
    # both quotients, each named: mean/RMS (Adam's step) and the exercise's mean/mean square
    rms = [float(v) for v in moments["⟨g⟩/√⟨g²⟩ (mean/RMS)"]]
    np.testing.assert_allclose(rms, [1 / 1.01**0.5, 1.0, 0.1 / 1.01**0.5], rtol=1e-3)
    no_root = [float(v) for v in moments["⟨g⟩/⟨g²⟩ (exercise, no root)"]]
    np.testing.assert_allclose(no_root, [1 / 1.01, 10.0, 0.1 / 1.01], rtol=1e-3)
    text = " ".join(m.value for m in at.markdown)
    assert "root mean square" in text and "without the root" in text
    speeds = at.dataframe[1].value.set_index("optimizer")
    assert [float(v) for v in speeds.loc["Gradient descent"]] == [1.0, 0.1, 0.1]
    assert [float(v) for v in speeds.loc["Momentum"]] == pytest.approx([10, 1, 1], rel=1e-3)
    w1, w2, w3 = (float(v) for v in speeds.loc["Adam"])
    assert w1 == pytest.approx(w2, rel=0.01) and w1 == pytest.approx(10 * w3, rel=0.01)


def test_which_side_counts_on_the_tanh_network():
    at = load(view="sgd", data="tanh_network", batch="1")
    healthy(at)
    text = next(m.value for m in at.markdown if m.value.startswith("**Which side?**"))
    first, last = (int(v) for v in re.findall(r"\*\*(\d+) of 16\*\*", text))
    assert first > 0 and last == 0  # the first steps go both ways; every seed ends at w_h > 0
    assert "ends at w_h > 0" in text


def test_noise_tab_numbers():
    at = load(view="noise", data="correlated_regression", batch="1", lr="0.05")
    healthy(at)
    numbers = {m.label: m.value for m in at.metric}
    data = landscapes.get_dataset("correlated_regression")
    from optim import noise  # the theory shown is the core's

    theory = noise.independent_batch_noise_ball(data.loss, data.minimum, 0.05, 1).radius
    assert numbers["Theory, independent minibatches"] == f"{theory:.3g}"
    assert float(numbers["At the end, exponential decay"]) < float(numbers["Ball, constant ε"])


def test_examples_tab_reports_a_diverging_rule():
    at = load(view="examples", data="correlated_regression", lr="3")
    healthy(at)
    assert any("diverged at step" in e.value for e in at.error)


def test_lecture_scenes_load_with_their_captions():
    at = load()
    assert not [b for b in at.button if "preset" in (b.key or "")]  # drawn once opened
    at.session_state["minibatches.scenes"] = True  # the student opens the scenes' menu
    at.run()
    keys = [b.key for b in at.button if b.key and b.key.startswith("minibatches.preset.")]
    assert len(keys) >= 6
    for key in keys:
        at.button(key=key).click().run()
        at.run()
        healthy(at)
        assert not at.warning, (key, [w.value for w in at.warning])
        scene = key.rsplit(".", 1)[1]
        assert url(at)["preset"] in (scene, [scene])
        assert current_view(at) == url(at).get("view", "surfaces")
        assert at.info  # the scene's caption says what to notice


def test_what_the_scenes_say_holds():
    # "same_noise": momentum's ball the widest, gradient descent's the smallest
    at = load(preset="same_noise", view="optimizers", data="correlated_regression", batch="4")
    healthy(at)
    radii = at.dataframe[0].value.set_index("optimizer")["ball radius"].astype(float)
    assert radii.idxmax() == "Momentum" and radii.idxmin() == "Gradient descent"
    # "online_wins_per_example": per example seen, online learning gets much further
    at = load(
        preset="online_wins_per_example", view="examples", data="correlated_regression", lr="0.05"
    )
    healthy(at)
    numbers = {m.label.split(":")[0]: float(m.value) for m in at.metric}
    assert numbers["online (B = 1)"] < 0.1 * numbers["batch (all 128)"]


def test_presentation_mode_hides_the_explanations():
    note = landscapes.get_dataset("tanh_network").note
    normal = load(view="sgd")
    presenting = load(view="sgd", present="1")
    healthy(presenting)
    assert any(note in m.value for m in normal.markdown)
    assert not any(note in m.value for m in presenting.markdown)
