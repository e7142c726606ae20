"""The momentum page in Streamlit's AppTest: it loads, every widget survives its extremes, deep
links round-trip, bad links warn instead of failing, scenes load, quiz answers run."""

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_alts, drawn_figures
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "momentum.py")
VIEWS = ("slope", "ravine", "sweep", "map", "eigen", "quiz")
# widget key suffix -> its two ends (the select-sliders' first and last options, the slider's
# range), the same ranges the page declares
EXTREMES = {
    "learning_rate": (0.001, 4.0),
    "momentum": (0.0, 0.999),
    "kappa": (1.0, 1000.0),
    "angle": (-90.0, 90.0),
    "tol": (1e-8, 0.1),
}


COUNTER = CompileCounter()


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"momentum.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def test_default_page_loads_with_the_ravine():
    at = load()
    healthy(at)
    assert not at.warning
    assert widget(at, "view").value == "ravine"
    assert len(drawn_figures(at)) == 1
    table = next(m.value for m in at.markdown if "way walked across the valley" in m.value)
    assert table.count("\n| ") == 3  # one row per optimizer under the map
    assert url(at) == {}  # defaults only: a plain URL


@pytest.mark.parametrize("view", VIEWS)
def test_every_widget_at_its_extremes(view):
    at = load(view=view)
    healthy(at)
    for name, ends in EXTREMES.items():
        control = widget(at, name)
        if control.disabled:
            continue
        for value in (*ends, control.value):
            control.set_value(value)
            at.run()
            healthy(at)
            control = widget(at, name)
    for flag in (True, False):
        if widget(at, "optimal").disabled:
            break
        widget(at, "optimal").set_value(flag)
        at.run()
        healthy(at)


def test_deep_link_round_trips():
    link = {
        "view": "sweep",
        "learning_rate": "1.5",
        "momentum": "0.95",
        "kappa": "200",
        "angle": "-45",
        "tol": "1e-06",
    }
    at = load(**link)
    healthy(at)
    assert not at.warning
    assert widget(at, "view").value == "sweep"
    assert widget(at, "learning_rate").value == 1.5
    assert widget(at, "momentum").value == 0.95
    assert widget(at, "kappa").value == 200
    assert widget(at, "angle").value == -45
    assert widget(at, "tol").value == 1e-6
    assert url(at) == link
    widget(at, "momentum").set_value(0.5)
    at.run()
    assert url(at) == {**link, "momentum": "0.5"}
    # the link it now shows opens the same page
    again = load(**url(at))
    assert widget(again, "momentum").value == 0.5 and widget(again, "kappa").value == 200


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("learning_rate", "abc"),
        ("learning_rate", "nan"),
        ("momentum", "1.5"),
        ("kappa", "<script>alert(1)</script>"),
        ("angle", "1e400"),
        ("view", "../../etc/passwd"),
        ("tol", "-1"),
        ("optimal", "maybe"),
        ("unknown", "1"),
    ],
)
def test_malicious_links_warn_and_fall_back(name, value):
    at = load(**{name: value})
    healthy(at)
    assert at.warning, f"no notice for {name}={value}"
    # a rejected value is repeated only as inline code, which Markdown shows as plain text
    outside_code = re.sub(r"`[^`]*`", "", " ".join(w.value for w in at.warning))
    assert "<script>" not in outside_code
    assert widget(at, "view").value in VIEWS


def test_scenes_load_their_settings():
    at = load()
    at.session_state["momentum.scenes"] = True  # the student opens the scenes' menu
    at.run()
    for key, expected in (
        ("zigzag", {"view": "ravine", "learning_rate": 1.9, "momentum": 0.5}),
        ("ten_not_two", {"view": "slope", "learning_rate": 0.1, "momentum": 0.9}),
        ("optimum", {"view": "sweep", "optimal": True, "kappa": 100}),
        ("too_much", {"view": "eigen", "momentum": 0.99}),
        ("lecture", {"view": "ravine", "learning_rate": 0.3, "momentum": 0.9}),
    ):
        widget(at, f"preset.{key}").click()
        at.run()
        healthy(at)
        for name, value in expected.items():
            assert widget(at, name).value == value, (key, name)
        assert at.query_params["preset"] == [key] or at.query_params["preset"] == key
        assert at.info  # the scene's caption says what to notice


def test_zigzag_scene_reports_nesterov_diverging():
    at = load(preset="zigzag", view="ravine", learning_rate="1.9", momentum="0.5")
    healthy(at)
    assert any("Nesterov momentum diverged at step" in e.value for e in at.error)


def test_optimal_switch_uses_goh_optimum():
    at = load(view="map", optimal="1", kappa="100")
    healthy(at)
    assert widget(at, "learning_rate").disabled and widget(at, "momentum").disabled
    caption = " ".join(c.value for c in at.caption)
    # ε* = (2/(√λ₁ + √λₙ))² = (2/1.1)², α* = (9/11)² for κ = 100
    assert f"{(2 / 1.1) ** 2:.4g}" in caption and f"{(9 / 11) ** 2:.4g}" in caption
    rates = {m.label: m.value for m in at.metric}
    assert rates["ρ at Goh's optimum"] == f"{9 / 11:.4f}"
    assert rates["ρ of GD at its best ε"] == f"{99 / 101:.4f}"
    assert rates["ρ at the current (ε, α)"] == f"{9 / 11:.4f}"


def test_slope_numbers():
    at = load(view="slope", learning_rate="0.1", momentum="0.9")
    healthy(at)
    numbers = {m.label: m.value for m in at.metric}
    assert numbers["Second step, momentum / GD"] == "× 1.9"
    assert float(numbers["Step 100, momentum / GD"].split()[-1]) == pytest.approx(10, rel=1e-3)
    assert numbers["Limit 1/(1 − α)"] == "× 10"


def test_the_slope_race_says_how_far_each_run_went():
    at = load(view="slope", learning_rate="0.1", momentum="0.9")
    healthy(at)
    race_alt = drawn_alts(at)[0]
    found = re.search(
        r"after (\d+) steps gradient descent is ([\d.]+) downhill, momentum .*?([\d.]+)\.$",
        race_alt,
    )
    n, gd, momentum = int(found.group(1)), float(found.group(2)), float(found.group(3))
    eps, alpha = 0.1, 0.9  # on a slope with ‖g‖ = 1
    assert n == 100
    assert gd == pytest.approx(n * eps, rel=1e-3)
    # Σₜ ε(1 − αᵗ)/(1 − α) for t = 1..n
    assert momentum == pytest.approx(
        eps / (1 - alpha) * (n - alpha * (1 - alpha**n) / (1 - alpha)), rel=1e-3
    )


def test_quiz_asks_first_then_answers_with_numbers():
    at = load(view="quiz")
    healthy(at)
    radios = {r.key: r for r in at.radio}
    assert all(r.value is None for r in radios.values())  # no answer chosen for the student
    assert not at.metric  # nothing runs before an answer
    for key, answer in (
        ("speedup", "1.9"),
        ("nesterov", "false"),
        ("oscillations", "true"),
        ("boring", "false"),
    ):
        widget(at, f"quiz.{key}").set_value(answer)
        at.run()
        healthy(at)
    numbers = {m.label: m.value for m in at.metric}
    assert numbers["Step 2: momentum / GD"] == "× 1.9"
    assert float(numbers["Step 100: momentum / GD"].split()[-1]) == pytest.approx(10, rel=1e-3)
    assert numbers["Momentum: gradients in 20 steps"] == "20"
    assert numbers["Nesterov momentum: gradients in 20 steps"] == "20"
    gd_walk = float(numbers["Gradient descent: way walked across the valley"])
    momentum_walk = float(numbers["Momentum: way walked across the valley"])
    assert momentum_walk < gd_walk / 3
    speedup = float(numbers["Speed-up"].split()[-1])
    assert 8 < speedup < 13
    assert len(at.success) == 2 and len(at.error) == 2  # two right, two wrong answers
    assert np.isfinite(float(numbers["GD: steps along the floor"]))


@pytest.mark.parametrize("view", ("slope", "ravine", "sweep", "map", "eigen"))
def test_moving_sliders_compiles_nothing(view):
    warm = {"learning_rate": 0.4, "momentum": 0.8, "kappa": 30.0, "angle": 15.0}
    moved = {"learning_rate": 0.5, "momentum": 0.95, "kappa": 200.0, "angle": -20.0}
    at = load(view=view)
    for values in (warm, moved):
        if values is moved:
            COUNTER.count, COUNTER.active = 0, True
        for name, value in values.items():
            if not widget(at, name).disabled:
                widget(at, name).set_value(value)
                at.run()
                healthy(at)
    COUNTER.active = False
    assert COUNTER.count == 0


def _along_floor(table: str) -> dict:
    """{optimizer: steps to 1 % along the floor} from the eigen table's rows."""
    rows = [r.split("|")[1:3] for r in table.splitlines()[2:]]
    return {name.strip(): value.strip() for name, value in rows}


def test_ravine_runs_long_enough_for_both_counts_and_their_ratio():
    at = load()
    healthy(at)
    table = next(m.value for m in at.markdown if "way walked across the valley" in m.value)
    along = _along_floor(table)
    gd, momentum = along["Gradient descent"], along["Momentum"]
    assert not gd.startswith(">") and not momentum.startswith(">")  # both measured
    # closed form for GD along the floor: (1 − εh₁)ᵗ ≤ 1 %, h₁ = 1/κ = 0.02, ε = 0.3
    assert abs(int(gd) - np.log(0.01) / np.log(1 - 0.3 / 50)) <= 2
    ratio_line = next(m.value for m in at.markdown if "sooner** than gradient descent" in m.value)
    shown = float(re.search(r"\*\*([\d.]+)× sooner", ratio_line).group(1))
    assert shown == pytest.approx(int(gd) / int(momentum), abs=0.05)
    # the lecture scene's caption says what the table measures ("about nine times sooner")
    at.session_state["momentum.scenes"] = True
    at.run()
    widget(at, "preset.lecture").click()
    at.run()
    caption = " ".join(i.value for i in at.info)
    words = {8: "eight", 9: "nine", 10: "ten"}
    assert f"about {words[round(shown)]} times sooner" in caption


def test_the_ravine_map_says_when_each_run_arrives():
    at = load()
    healthy(at)
    (alt,) = drawn_alts(at)
    table = next(m.value for m in at.markdown if "way walked across the valley" in m.value)
    along = _along_floor(table)
    # fastest first, each count the one the table measures
    runs = "Momentum|Nesterov momentum|Gradient descent"
    found = re.findall(
        rf"({runs})(?: reaches 1% of its starting error along the floor)? after (\d+)", alt
    )
    assert [name for name, _ in found] == sorted(along, key=lambda n: int(along[n]))
    assert {name: steps for name, steps in found} == along
    # gradient descent's count against the closed form (1 − εh₁)ᵗ ≤ 1 %, h₁ = 1/50, ε = 0.3
    gd = int(dict(found)["Gradient descent"])
    assert abs(gd - np.log(0.01) / np.log(1 - 0.3 / 50)) <= 2
    assert alt.startswith("Contour map of ")


@pytest.mark.parametrize("alpha", [0.9, 0.95])
def test_slope_says_how_far_the_step_has_grown(alpha):
    at = load(view="slope", learning_rate="0.1", momentum=str(alpha))
    healthy(at)
    caption = " ".join(c.value for c in at.caption)
    one, three = round(1 / (1 - alpha)), round(3 / (1 - alpha))
    assert f"1/(1 − α) ≈ {one} steps a step is {1 - alpha**one:.0%}" in caption
    assert f"3/(1 − α) ≈ {three} steps {1 - alpha**three:.0%}" in caption
    assert "then stay the same" not in caption


def test_too_much_momentum_claims_the_sqrt_alpha_rate_only_inside_the_band():
    at = load(preset="too_much", view="eigen", momentum="0.99")
    healthy(at)
    caption = " ".join(i.value for i in at.info)
    assert "Too much momentum" in caption and "whatever ε" not in caption
    assert "(1 − √α)² < εh < (1 + √α)²" in caption
    assert f"√α ≈ {0.99**0.5:.3f}" in caption


def test_scene_buttons_carry_no_tooltip_over_the_header():
    at = load()
    at.session_state["momentum.scenes"] = True
    at.run()
    buttons = [b for b in at.button if b.key and b.key.startswith("momentum.preset.")]
    assert len(buttons) == 5 and all(not b.help for b in buttons)


@pytest.mark.parametrize("view", VIEWS)
def test_sidebar_optimizers_apply_only_where_they_are_drawn(view):
    at = load(view=view)
    healthy(at)
    # the constant slope draws gradient descent and momentum whatever the list says
    assert widget(at, "opt").disabled == (view not in ("ravine", "eigen"))
    if view == "ravine":
        names = {t.get("name") for spec in drawn_figures(at) for t in spec["data"]}
        assert {"Gradient descent", "Momentum", "Nesterov momentum"} <= names
