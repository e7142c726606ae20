"""AppTest tests of the optimizer playground: it loads, every widget survives its extremes, deep
links round-trip, presets load, bad links fall back to defaults with a notice."""

import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import landscapes
from app_support.charts import drawn_alts, drawn_figures
from app_support.presets import PLAYGROUND_PRESETS
from viz.figure import decode_array

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "playground.py")
TIMEOUT = 180  # the first run compiles the runner, the grid and the critical-point search


def open_page(params=None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at.run()


def widget(at: AppTest, key: str):
    """The widget with `key`, whatever its kind."""
    for kind in (
        "select_slider",
        "slider",
        "number_input",
        "selectbox",
        "multiselect",
        "toggle",
        "text_input",
        "button_group",
    ):
        found = [w for w in getattr(at, kind) if w.key == key]
        if found:
            return found[0]
    raise KeyError(key)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts(at: AppTest) -> list:
    return drawn_figures(at)


def test_default_page_loads_with_map_and_curves():
    at = open_page()
    assert_clean(at)
    assert not at.warning
    assert len(charts(at)) == 2  # the contour map and the curves
    assert widget(at, "playground.surface").value == "himmelblau"
    assert widget(at, "playground.opt").value == ["gd", "momentum", "adam"]
    # sliders labelled with the lecture's symbols, one box per optimizer
    labels = [w.label for w in at.select_slider]
    assert any(label.startswith("ε") for label in labels)
    assert any(label.startswith("ρ₂") for label in labels)
    assert any(label.startswith("δ") for label in labels)
    assert at.query_params == {} or all(not v for v in at.query_params.values())


HIMMELBLAU_MINIMA = np.array(  # Himmelblau (1972): the four zeros of the function
    [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
)


def test_the_charts_text_alternative_says_when_each_run_arrives():
    at = open_page()
    assert_clean(at)
    contour_alt, curves_alt = drawn_alts(at)
    assert contour_alt.startswith("Contour map of the loss with the optimizers' paths: Himmelblau")
    assert "Loss and distance" in curves_alt
    said = {
        name: int(steps)
        for name, steps in re.findall(
            r"(Gradient descent|Momentum|Adam)[^;,]*? after (\d+)", contour_alt
        )
    }
    missed = re.search(r"; (.*) does not reach", contour_alt)
    missed = {missed.group(1)} if missed else set()
    assert set(said) | missed == {"Gradient descent", "Momentum", "Adam"}
    (figure,) = charts(at)[:1]
    checked = 0
    for trace in figure["data"]:
        if trace.get("name") not in said.keys() | missed or trace.get("legendgroup") is None:
            continue
        xy = np.stack([decode_array(trace["x"]), decode_array(trace["y"])], axis=1).astype(float)
        # brute force: the distance to the minimum it ends nearest, and the first step from
        # which every later one is within 1 % of the first
        nearest = HIMMELBLAU_MINIMA[np.argmin(np.linalg.norm(HIMMELBLAU_MINIMA - xy[-1], axis=1))]
        d = np.linalg.norm(xy - nearest, axis=1)
        checked += 1
        if trace["name"] in missed:
            assert d[-1] > 0.01 * d[0]
            continue
        arrival = next(
            t for t in range(len(d)) if all(d[s] <= 0.01 * d[0] for s in range(t, len(d)))
        )
        assert abs(said[trace["name"]] - arrival) <= 1, trace["name"]  # positions sent in float32
    assert checked == 3


def _extreme_moves(w) -> list:
    """Callables that move widget `w` to each end of its range."""
    kind = type(w).__name__
    if kind == "Selectbox":
        return [lambda w: w.select_index(0), lambda w: w.select_index(len(w.options) - 1)]
    if kind == "SelectSlider":  # options are shown as text; the numbers read back exactly
        return [
            lambda w: w.set_value(float(w.options[0])),
            lambda w: w.set_value(float(w.options[-1])),
        ]
    if kind in ("Slider", "NumberInput"):
        return [lambda w: w.set_value(w.min), lambda w: w.set_value(w.max)]
    if kind == "Toggle":
        return [lambda w: w.set_value(True), lambda w: w.set_value(False)]
    return []


def _with_every_widget() -> AppTest:
    at = open_page()
    at.session_state["playground.options_menu"] = True  # the schedule, clipping, L1/L2 menu
    return at.run()


def test_every_widget_survives_its_extremes():
    at = _with_every_widget()
    assert_clean(at)
    assert widget(at, "playground.clip")  # the options menu's widgets are among them
    keys = [
        w.key
        for kind in ("select_slider", "slider", "number_input", "selectbox", "toggle")
        for w in getattr(at, kind)
        if w.key and w.key.startswith("playground.")
    ]
    assert len(keys) >= 12
    for key in keys:
        for move in _extreme_moves(widget(at, key)):
            move(widget(at, key)).run()
            assert_clean(at)
        at = _with_every_widget()  # back to the defaults before the next widget


def test_all_optimizers_at_once_and_3d_view():
    at = open_page(
        {
            "opt": ",".join(
                o
                for o in (
                    "gd",
                    "momentum",
                    "nesterov",
                    "adagrad",
                    "rmsprop",
                    "rmsprop_nesterov",
                    "adam",
                    "adamw",
                )
            ),
            "view": "3d",
            "internals": "1",
            "steps": "50",
        }
    )
    assert_clean(at)
    assert not at.warning
    assert len(widget(at, "playground.opt").value) == 8


@pytest.mark.parametrize("surface", ["rosenbrock", "saddle", "plane", "cliff"])
def test_catalogue_surfaces_render(surface):
    at = open_page({"surface": surface, "steps": "60"})
    assert_clean(at)
    assert not at.warning
    assert len(charts(at)) == 2


def test_deep_link_round_trips():
    at = open_page()
    widget(at, "playground.surface").select("rosenbrock").run()
    widget(at, "playground.opt").set_value(["gd", "adam"]).run()
    widget(at, "playground.steps").set_value(400).run()
    widget(at, "playground.adam.learning_rate").set_value(0.05).run()
    widget(at, "playground.x0").set_value(-1.2).run()
    widget(at, "playground.internals").set_value(True).run()
    assert_clean(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["surface"] in ("rosenbrock", ["rosenbrock"])

    again = open_page({k: (v[0] if isinstance(v, list) else v) for k, v in params.items()})
    assert_clean(again)
    assert not again.warning
    for key in (
        "surface",
        "opt",
        "steps",
        "adam.learning_rate",
        "x0",
        "y0",
        "internals",
        "gd.learning_rate",
    ):
        assert widget(again, f"playground.{key}").value == widget(at, f"playground.{key}").value


@pytest.mark.parametrize("preset", PLAYGROUND_PRESETS, ids=lambda p: p.key)
def test_preset_links_load(preset):
    at = open_page(preset.params)
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert widget(at, "playground.surface").value == preset.params["surface"]
    assert widget(at, "playground.opt").value == preset.params["opt"].split(",")
    for key, value in preset.params.items():
        if key.endswith(".learning_rate"):
            assert widget(at, f"playground.{key}").value == pytest.approx(float(value))
    # its caption is shown
    assert any(preset.title in info.value for info in at.info)


def test_preset_button_sets_widgets_and_url():
    preset = PLAYGROUND_PRESETS[0]
    at = open_page()
    at.session_state["playground.scenes"] = True  # the student opens the scenes' menu
    at.run()
    at.button(key=f"playground.preset.{preset.key}").click().run()
    at.run()  # the URL written by the callback reloads every widget on this run
    assert_clean(at)
    assert widget(at, "playground.surface").value == preset.params["surface"]
    assert widget(at, "playground.opt").value == preset.params["opt"].split(",")
    assert at.query_params["preset"] in (preset.key, [preset.key])


MALICIOUS = {
    "surface": "../../etc/passwd",
    "steps": "<script>alert(1)</script>",
    "x0": "nan",
    "y0": "1e309",
    "opt": "gd,rm -rf",
    "adam.learning_rate": "-1",
    "present": "maybe",
    "tol": "1" * 500,
    "view": "javascript:alert(1)",
    "__proto__": "x",
}


def test_malicious_query_params_give_warnings_and_defaults():
    at = open_page(MALICIOUS)
    assert_clean(at)
    warnings = " ".join(w.value for w in at.warning)
    shown = re.sub(r"\\(.)", r"\1", warnings).replace("\u200b", "")  # as the notice reads
    for name in ("surface", "steps", "x0", "y0", "opt", "present", "tol", "view", "__proto__"):
        assert name in shown, name
    # a rejected value is repeated inert: every markup mark escaped (st.warning renders no HTML)
    assert "<script>" not in warnings and "\\<script\\>" in warnings
    assert widget(at, "playground.surface").value == "himmelblau"
    assert widget(at, "playground.steps").value == 200
    assert widget(at, "playground.opt").value == ["gd", "momentum", "adam"]
    assert widget(at, "playground.present").value is False
    # the URL is cleaned: nothing of the bad link survives
    assert "__proto__" not in at.query_params and "steps" not in at.query_params


def test_out_of_range_learning_rate_falls_back_to_its_default():
    at = open_page({"opt": "adam", "adam.learning_rate": "1000"})
    assert_clean(at)
    assert any("adam.learning_rate" in w.value for w in at.warning)
    # the rule's default, the lecture's ε = 0.001 for Adam
    assert widget(at, "playground.adam.learning_rate").value == pytest.approx(0.001)


def test_bad_formula_shows_the_caret_and_keeps_the_page_usable():
    at = open_page({"surface": "formula", "f": "x**2 + (y - 1))*3"})
    assert_clean(at)
    assert any("cannot be used" in e.value for e in at.sidebar.error)
    assert any("^" in c.value for c in at.sidebar.code)
    assert len(charts(at)) == 2  # drawn with the fallback formula
    widget(at, "playground.f").input("sin(x) * cos(y) + 0.1 * (x**2 + y**2)").run()
    assert_clean(at)
    assert not at.sidebar.error


def test_formula_surface_with_its_own_box():
    at = open_page(
        {
            "surface": "formula",
            "f": "(x - 1)**2 + 4*y**2",
            "xmin": "-2",
            "xmax": "4",
            "ymin": "-2",
            "ymax": "2",
            "opt": "gd",
        }
    )
    assert_clean(at)
    assert not at.warning
    assert widget(at, "playground.x0").max == pytest.approx(4.0)


def test_divergence_is_reported_with_optimizer_and_step():
    at = open_page({"surface": "rosenbrock", "opt": "gd", "gd.learning_rate": "0.1"})
    assert_clean(at)
    messages = [e.value for e in at.error]
    assert any("Gradient descent diverged at step" in m and "lower ε" in m for m in messages)


def test_presentation_mode_hides_explanations():
    normal = open_page({"surface": "beale"})
    presenting = open_page({"surface": "beale", "present": "1"})
    assert_clean(presenting)
    note = landscapes.get_surface("beale").note
    assert any(note in m.value for m in normal.markdown)
    assert not any(note in m.value for m in presenting.markdown)
    assert widget(presenting, "playground.present").value is True


def test_options_keep_their_values_while_their_menu_is_closed():
    at = _with_every_widget()
    widget(at, "playground.clip").select("norm").run()
    widget(at, "playground.l2").set_value(0.01).run()
    at.session_state["playground.options_menu"] = False  # the student closes the menu
    at.run()
    assert_clean(at)
    assert not [w for w in at.selectbox if w.key == "playground.clip"]  # not drawn
    for _ in range(2):  # and still in force, run after run
        at.run()
        assert at.query_params["clip"] in ("norm", ["norm"])
        assert at.query_params["l2"] in ("0.01", ["0.01"])
    at.session_state["playground.options_menu"] = True
    at.run()
    assert widget(at, "playground.clip").value == "norm"


def test_presets_that_draw_adam_set_its_learning_rate_themselves():
    # Adam's default is the lecture's ε = 0.001; a scene that needs another says so.
    for preset in PLAYGROUND_PRESETS:
        if "adam" in preset.params.get("opt", "gd,momentum,adam").split(","):
            assert "adam.learning_rate" in preset.params, preset.key


def test_sessions_with_the_same_settings_get_the_figures_built_for_them():
    """Figures are shared by sessions with equal settings (`plotly_chart(same_for=...)`): a
    session served from the shared figures gets what it would have built, and a session with
    other settings (another step count, the other look) its own."""
    from app_support.charts import SHARED_CHARTS

    SHARED_CHARTS.clear()
    built = drawn_figures(open_page({"steps": "250"}))
    shared = drawn_figures(open_page({"steps": "250"}))
    assert len(SHARED_CHARTS) == 2  # the map and the curves, built once
    assert shared == built
    other = drawn_figures(open_page({"steps": "260"}))
    assert len(SHARED_CHARTS) == 4 and other != built
    presenting = drawn_figures(open_page({"steps": "250", "present": "1"}))
    assert presenting != built
    SHARED_CHARTS.clear()
    assert drawn_figures(open_page({"steps": "250"})) == built
