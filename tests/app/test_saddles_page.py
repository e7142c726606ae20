"""The minima-and-saddles page in Streamlit's AppTest: every tab loads, every widget survives
its extremes, deep links round-trip (also for the tabs that are closed), bad links warn instead
of failing, scenes load, and the numbers it shows match closed forms."""

import math
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_alts, drawn_figures

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "saddles.py")
TABS = {
    "points": "🎯 Critical points",
    "basins": "🧲 Basins of attraction",
    "escape": "🏃 Escaping a saddle",
    "random": "🎲 Random Hessians",
    "counting": "🔢 Counting minima and saddles",
    "quiz": "❓ Quiz",
}
SUPERSCRIPT_DIGITS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
CHARTS = {"points": 1, "basins": 1, "escape": 2, "random": 2, "counting": 0, "quiz": 0}
KINDS = ("select_slider", "slider", "number_input", "selectbox", "button_group", "radio", "toggle")


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"saddles.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def open_tab(at: AppTest, tab: str) -> AppTest:
    """What a click on a tab does: the tabs' callback sets the open tab and the page reruns."""
    at.session_state["saddles.tab"] = tab
    return at.run()


def digits_shown(at: AppTest) -> str:
    """The exact number in the "Exact digits" expander."""
    (shown,) = [c.value for c in at.code if c.value.isdigit()]
    return shown


def chart_names(at: AppTest, index: int = 0) -> list[str]:
    spec = drawn_figures(at)[index]
    return [trace.get("name", "") for trace in spec["data"]]


def test_default_page_shows_himmelblaus_critical_points():
    at = load()
    healthy(at)
    assert not at.warning
    assert url(at) == {}  # defaults only: a plain URL
    assert len(drawn_figures(at)) == 1
    table = at.dataframe[0].value
    # Himmelblau's function: four minima (E = 0), four saddles and one maximum
    assert sorted(table["kind"]) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    minima = table[table["kind"] == "minimum"]
    assert (minima["E"].abs() < 1e-12).all() and (minima["index"] == 0).all()
    assert (table[table["kind"] == "saddle"]["index"] == 1).all()
    assert (table[table["kind"] == "maximum"]["index"] == 2).all()
    assert (table["‖∇E‖"] < 1e-8).all()
    # the inspected point is the first saddle, and the page says so
    assert any(m.value.startswith("**A saddle**") for m in at.markdown)


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_loads_from_its_link(tab):
    at = load(tab=tab)
    healthy(at)
    assert not at.warning
    assert len(drawn_figures(at)) == CHARTS[tab]
    assert url(at) == ({} if tab == "points" else {"tab": tab})


# The choices behind the segmented controls (AppTest reads their labels).
SEGMENTED = {
    "saddles.opt": ("gd", "momentum", "adam", "newton", "saddle_free_newton"),
    "saddles.samples": ("1000", "10000", "100000"),
}


def _extremes(w) -> list:
    """The two ends of a widget's range, as values its `set_value` takes."""
    kind = type(w).__name__
    if kind == "Selectbox":
        return [w.options[0], w.options[-1]]
    if kind == "SelectSlider":  # options are shown as text; the numbers read back exactly
        return [float(w.options[0]), float(w.options[-1])]
    if kind in ("Slider", "NumberInput"):
        return [w.min, w.max]
    if kind == "ButtonGroup":
        return [SEGMENTED[w.key][0], SEGMENTED[w.key][-1]]
    if kind == "Radio":
        return [w.options[0], w.options[-1]]
    return [True, False]  # a toggle


@pytest.mark.parametrize("tab", TABS)
def test_every_widget_at_its_extremes(tab):
    at = load(tab=tab, surface="two_minima")
    healthy(at)
    keys = [
        w.key
        for kind in KINDS
        for w in getattr(at, kind)
        if (w.key or "").startswith("saddles.") and w.key != "saddles.surface"
    ]
    assert keys
    for key in keys:
        for end in (0, 1):
            try:
                control = at.get_by_key(key)
            except KeyError:
                break  # gone after another widget moved (Adam's ε once Newton is chosen)
            value = _extremes(control)[end]
            if type(control).__name__ == "Selectbox":
                control.select(value)
            else:
                control.set_value(value)
            at.run()
            healthy(at)


def test_every_surface_of_the_catalogue_and_a_formula_load():
    at = load()
    for name in at.get_by_key("saddles.surface").options:
        at.get_by_key("saddles.surface").select(name)
        at.run()
        healthy(at)
    assert at.get_by_key("saddles.f").value  # the formula's text box appeared


def test_deep_link_round_trips_with_closed_tabs_kept():
    link = {
        "tab": "escape",
        "surface": "saddle",
        "radius": "0.2",
        "d": "0.001",
        "escape_lr": "0.1",
        "escape_alpha": "0.5",
        "escape_adam_lr": "0.05",
    }
    at = load(**link)
    healthy(at)
    assert not at.warning
    assert widget(at, "radius").value == 0.2
    assert widget(at, "d").value == 0.001
    assert widget(at, "escape_lr").value == 0.1
    assert widget(at, "escape_alpha").value == 0.5
    assert url(at) == link
    widget(at, "escape_alpha").set_value(0.9).run()
    assert url(at) == {k: v for k, v in link.items() if k != "escape_alpha"}
    # another tab: the escape settings stay in the URL, and come back with the tab
    open_tab(at, "random")
    widget(at, "n").set_value(30).run()
    healthy(at)
    expected = {**link, "tab": "random", "n": "30"}
    expected.pop("escape_alpha")
    assert url(at) == expected
    open_tab(at, "escape")
    healthy(at)
    assert widget(at, "radius").value == 0.2 and widget(at, "escape_lr").value == 0.1
    again = load(**url(at))
    healthy(at)
    assert widget(again, "radius").value == 0.2 and widget(again, "d").value == 0.001
    open_tab(again, "random")
    assert widget(again, "n").value == 30


# A link written before the page's tabs and hidden settings moved to the shared helpers
# (`Page.tabs`, `PageState.control`): a setting of every tab, all away from their defaults.
OLD_LINK = {
    "tab": "counting",
    "surface": "two_minima",
    "px": "0.5",
    "py": "-0.5",
    "opt": "momentum",
    "lr": "0.05",
    "alpha": "0.8",
    "radius": "0.2",
    "d": "0.001",
    "escape_lr": "0.1",
    "n": "30",
    "samples": "1000",
    "seed": "3",
    "neurons": "5",
    "layers": "4",
    "outputs": "3",
    "exact_k": "1",
    "well_tilt": "0.1",
    "well_w0": "-0.5",
}
OLD_LINK_TABS = {  # tab: the settings it draws
    "points": ("px", "py"),
    "basins": ("opt", "lr", "alpha"),
    "escape": ("radius", "d", "escape_lr"),
    "random": ("n", "samples", "seed"),
    "counting": ("neurons", "layers", "outputs", "exact_k"),
    "minima": ("well_tilt", "well_w0"),
}


def test_an_old_link_opens_every_tab_as_it_was():
    at = load(**OLD_LINK)
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert url(at) == OLD_LINK
    assert at.session_state["saddles._tabs"] == TABS["counting"]
    for tab, names in OLD_LINK_TABS.items():
        open_tab(at, tab)
        healthy(at)
        assert not at.warning, [w.value for w in at.warning]
        opened = {"tab": tab} if tab != "points" else {}  # the default tab is left out
        expected = {k: v for k, v in {**OLD_LINK, "tab": tab}.items() if k != "tab" or opened}
        assert url(at) == expected  # the other tabs' settings stay
        for name in names:
            shown = widget(at, name).value
            if isinstance(shown, str):  # a choice
                assert shown == OLD_LINK[name], name
            else:
                assert float(shown) == float(OLD_LINK[name]), name


def test_inspected_point_round_trips():
    at = load(px="1", py="-1.5")
    healthy(at)
    assert widget(at, "px").value == 1.0 and widget(at, "py").value == -1.5
    assert url(at) == {"px": "1", "py": "-1.5"}
    assert any("Not a critical point" in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tab", "../../etc/passwd"),
        ("surface", "<script>alert(1)</script>"),
        ("px", "nan"),
        ("py", "1e400"),
        ("radius", "abc"),
        ("d", "-1"),
        ("n", "51"),
        ("samples", "7"),
        ("neurons", "1e9"),
        ("exact_k", "99"),
        ("opt", "rm -rf"),
        ("lr", "0"),
        ("present", "maybe"),
        ("unknown", "1"),
    ],
)
def test_malicious_links_warn_and_fall_back(name, value):
    at = load(**{name: value})
    healthy(at)
    assert at.warning, f"no notice for {name}={value}"
    outside_code = re.sub(r"`[^`]*`", "", " ".join(w.value for w in at.warning))
    assert "<script>" not in outside_code


def test_a_bad_formula_shows_where_and_keeps_the_page():
    at = load(surface="formula", f="x**2 + __import__('os')")
    healthy(at)
    assert at.error and "cannot be used" in at.error[0].value
    assert len(drawn_figures(at)) == 1  # the last formula that worked


def _scenes():
    """The page's scenes (kept in `app_support.topics.saddles`) and the tab each opens."""
    from app_support.topics.saddles import SCENES

    return [(scene.key, scene.params["tab"]) for scene in SCENES]


@pytest.mark.parametrize(("key", "tab"), _scenes())
def test_scene_buttons_open_their_tab(key, tab):
    at = load()
    at.session_state["saddles.scenes"] = True  # the student opens the scenes' menu
    at.run()
    widget(at, f"preset.{key}").click()
    at.run()
    at.run()  # the URL written by the callback reloads every widget
    healthy(at)
    assert not at.warning, [w.value for w in at.warning]
    assert at.query_params["preset"] in (key, [key])
    assert at.info  # the scene's caption says what to notice
    assert url(at).get("tab", "points") == tab
    assert at.session_state["saddles._tabs"] == TABS[tab]
    assert len(drawn_figures(at)) == CHARTS[tab]


def test_newton_basins_include_the_saddle_but_gradient_descent_does_not():
    at = load(tab="basins", surface="two_minima", opt="newton")
    healthy(at)
    assert any(name.startswith("→ saddle at (0, 0)") for name in chart_names(at))
    widget(at, "opt").set_value("gd").run()
    healthy(at)
    names = chart_names(at)
    assert not any(name.startswith("→ saddle") for name in names)
    assert "→ minimum at (-1, 0), 50 %" in names and "→ minimum at (1, 0), 50 %" in names


def test_escape_numbers_match_the_closed_form():
    # x² − y², r = 0.1 · 4 = 0.4, d = 10⁻⁴ r, ε = 0.05: y_t = 1.1ᵗ d leaves at ⌈log(r/d)/log 1.1⌉
    at = load(tab="escape", surface="saddle", escape_lr="0.05", d="0.0001")
    healthy(at)
    numbers = metrics(at)
    assert numbers["GD"] == str(math.ceil(math.log(1e4) / math.log(1.1)))
    assert numbers["Closed form, GD"] == f"{math.log(1e4) / math.log(1.1):.1f}"
    assert numbers["Newton"] == "≥ 1025"  # drawn into the saddle: all 1024 + 1 iterates near
    growth = 1 + 2 / 2.01  # saddle-free Newton, ε = 1, δ = 0.01
    assert numbers["Saddle-free"] == str(math.ceil(math.log(1e4) / math.log(growth)))
    assert int(numbers["Momentum"]) < int(numbers["GD"])
    # the chart's text alternative gives the same counts
    escape_alt = drawn_alts(at)[0]
    assert f"GD {math.ceil(math.log(1e4) / math.log(1.1))}," in escape_alt
    assert "Newton ≥ 1025" in escape_alt and escape_alt.startswith("Steps within r = 0.4 ")


def test_surface_without_a_saddle_says_so():
    at = load(tab="escape", surface="ravine")
    healthy(at)
    assert any("no first-order saddle" in i.value for i in at.info)


def test_random_hessians_match_the_two_by_two_closed_form():
    # P(a 2 × 2 GOE matrix is positive definite) = (1 − 1/√2)/2
    at = load(tab="random", n="2", samples="100000")
    healthy(at)
    count, samples = (
        int(v.replace(",", "")) for v in metrics(at)["All eigenvalues positive"].split(" of ")
    )
    p = (1 - 1 / math.sqrt(2)) / 2
    assert samples == 100_000
    assert abs(count / samples - p) < 4 * math.sqrt(p * (1 - p) / samples)
    assert float(metrics(at)["Mean index"]) == pytest.approx(1.0, abs=0.02)  # N/2


def test_counting_numbers_and_exact_digits():
    at = load(tab="counting", neurons="10", layers="9", outputs="10")
    healthy(at)
    numbers = metrics(at)
    assert numbers["Weights N = m·n² + n·q"] == "1,000"
    assert numbers["Equivalent minima n!ᵐ"] == "1.09 × 10⁵⁹"  # 3628800⁹ = 1.0909… × 10⁵⁹
    assert numbers["First-order saddles of one layer"] == f"{3628800 * 9 // 2:,}"
    table = at.dataframe[0].value
    assert list(table["K"]) == [0, 1, 2, 3, 4]
    assert table["per global minimum"][1] == "40.5"  # (m/2)·C(n − 1, 1) = 4.5 · 9
    assert digits_shown(at) == str(math.factorial(10) ** 9)
    widget(at, "exact_k").select("1").run()
    assert digits_shown(at) == str(9 * math.comb(9, 1) * math.factorial(10) ** 9 // 2)
    big = load(tab="counting", neurons="100", layers="100")
    healthy(big)
    digits = math.floor(100 * math.log10(math.factorial(100))) + 1
    assert len(digits_shown(big)) == digits


def test_quiz_asks_first_then_shows_the_evidence():
    at = load(tab="quiz")
    healthy(at)
    assert all(r.value is None for r in at.radio)
    assert not at.metric
    answers = {
        "minima": "yes",
        "saddles": "no",
        "slow": "yes",
        "one_way": "yes",
        "equivalent": "yes",
    }
    for key, answer in answers.items():
        widget(at, f"quiz.{key}").set_value(answer)
        at.run()
        healthy(at)
    assert len(at.success) == 3 and len(at.error) == 2
    numbers = metrics(at)
    assert numbers["10!⁹"] == "1.09 × 10⁵⁹"
    assert numbers["digits"] == str(len(str(math.factorial(10) ** 9)))
    assert numbers["order-1 saddles per minimum (at least)"] == "40.5"
    for d in (1e-2, 1e-4, 1e-8):  # ε = 0.05 on x² − y², r = 0.4
        assert numbers[f"d = {d:g}: steps near"] == str(
            math.ceil(math.log(0.4 / d) / math.log(1.1))
        )
    assert float(numbers["mean index"]) == pytest.approx(10.0, abs=0.2)  # N/2 for N = 20
    one, saddles = (
        int(v.replace(",", "")) for v in numbers["N = 20: saddles with one way down"].split(" of ")
    )
    several = int(numbers["with two or more"].split(" of ")[0].replace(",", ""))
    assert one + several == saddles and several > 0.99 * saddles
    # many equivalent solutions: the permutation argument, not Himmelblau's unrelated minima
    assert numbers["3 hidden neurons: copies of each minimum"] == str(math.factorial(3))
    assert numbers["10 hidden neurons: copies of each minimum"] == f"{math.factorial(10):,}"
    argument = next(m.value for m in at.markdown if "split the task" in m.value)
    assert "](permutation)" in argument and "Himmelblau" not in argument


def test_second_order_test_and_newton_are_said_the_right_way_round():
    at = load()
    healthy(at)
    text = " ".join(m.value for m in at.markdown)
    assert "all positive → a minimum" in text and "any negative → not a minimum" in text
    assert "undecided" in text and "only if every eigenvalue" not in text
    at = load(tab="basins", surface="himmelblau", opt="newton")
    healthy(at)
    text = " ".join(m.value for m in at.markdown)
    assert "critical point of its own basin" in text and "nearest point" not in text
