"""The regularization page under Streamlit's AppTest: it loads, every widget of every view can be
moved to its extremes, deep links round-trip, bad links warn instead of failing, presets load."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "regularization.py")
VIEWS = ("paths", "shrink", "steps", "early", "clip")
KEY = "regularization."


def fresh(**query) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def page_widgets(at: AppTest):
    """The page's own widgets (keys under "regularization."), by kind."""
    for kind in ("slider", "select_slider", "number_input", "selectbox", "toggle"):
        for widget in getattr(at, kind):
            if widget.key and widget.key.startswith(KEY):
                yield kind, widget.key


def extremes(at: AppTest, kind: str, key: str) -> list:
    widget = at.get(kind)[[w.key for w in at.get(kind)].index(key)]
    if kind in ("slider", "number_input"):
        return [widget.min, widget.max]
    if kind == "select_slider":  # options come back as shown text, the page's numbers
        return [float(widget.options[0]), float(widget.options[-1])]
    if kind == "selectbox":
        return [widget.options[0], widget.options[-1]]
    return [True, False]


def test_page_loads_with_every_view():
    at = fresh()
    no_exception(at)
    assert len(drawn_figures(at)) == 3  # two maps and the coefficient paths
    for view in VIEWS:
        at = fresh(view=view)
        no_exception(at)
        assert drawn_figures(at), view
        assert at.query_params.get("view", "paths") == view


@pytest.mark.parametrize("view", VIEWS)
def test_every_widget_moves_to_its_extremes(view):
    at = fresh(view=view)
    no_exception(at)
    for kind, key in list(page_widgets(at)):
        if key == KEY + "loss" and view not in ("paths", "steps"):
            continue  # the loss only matters to those two views; it has its own test
        for value in extremes(at, kind, key):
            widget = at.get(kind)[[w.key for w in at.get(kind)].index(key)]
            if kind == "selectbox":  # options are shown titles: choose by position
                widget.select_index(widget.options.index(value))
            else:
                widget.set_value(value)
            at.run()
            no_exception_but_divergence(at)


def no_exception_but_divergence(at: AppTest) -> None:
    """No exception; an error box only to say a run diverged (ε too large is allowed input)."""
    assert not at.exception, [e.value for e in at.exception]
    for error in at.error:
        assert "diverged" in error.value, error.value


def test_the_view_control_and_presentation_mode():
    at = fresh()
    for view in VIEWS:
        at.segmented_control(key=KEY + "view").set_value(view).run()
        no_exception(at)
        assert at.query_params.get("view", "paths") == view
    at.toggle(key=KEY + "present").set_value(True).run()
    no_exception(at)
    assert at.query_params["present"] == "1"


def test_every_catalogue_surface_gives_paths_at_its_parameters_extremes():
    at = fresh(view="paths")
    box = at.selectbox(key=KEY + "loss")
    for index in range(len(box.options)):
        at.selectbox(key=KEY + "loss").select_index(index).run()
        no_exception(at)
        assert len(drawn_figures(at)) == 3
        name = at.session_state[KEY + "loss"]
        surface_keys = [(k, key) for k, key in page_widgets(at) if key.startswith(f"{KEY}{name}.")]
        for kind, key in surface_keys:
            for value in extremes(at, kind, key):
                at.get(kind)[[w.key for w in at.get(kind)].index(key)].set_value(value)
                at.run()
                no_exception(at)


def test_deep_link_round_trips():
    at = fresh(view="steps")
    at.select_slider(key=KEY + "lam").set_value(0.5).run()
    at.number_input(key=KEY + "x0").set_value(-2.0).run()
    at.slider(key=KEY + "angle").set_value(-45.0).run()
    no_exception(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params == {"view": "steps", "lam": "0.5", "x0": "-2", "angle": "-45"}
    again = fresh(**params)
    no_exception(again)
    assert again.select_slider(key=KEY + "lam").value == 0.5
    assert again.number_input(key=KEY + "x0").value == -2.0
    assert again.slider(key=KEY + "angle").value == -45.0
    assert {k: again.query_params[k] for k in again.query_params} == params


def test_settings_of_a_hidden_view_survive_a_visit_elsewhere():
    at = fresh(view="clip")
    at.select_slider(key=KEY + "u").set_value(1.0).run()
    at.segmented_control(key=KEY + "view").set_value("paths").run()
    assert at.query_params["u"] == "1"  # kept in the link while hidden
    at.segmented_control(key=KEY + "view").set_value("clip").run()
    no_exception(at)
    assert at.select_slider(key=KEY + "u").value == 1.0


@pytest.mark.parametrize(
    "query",
    [
        {"lam": "abc"},
        {"lam": "1e999"},
        {"view": "<script>alert(1)</script>"},
        {"d1": "-3"},
        {"loss": "../../etc/passwd"},
        {"t": "2.5", "view": "early"},
        {"x0": "nan", "view": "steps"},
        {"nonsense": "1"},
        {"lam": "x" * 5000},
    ],
)
def test_malicious_links_warn_instead_of_failing(query):
    at = fresh(**query)
    no_exception(at)
    assert at.warning, "a bad value must be reported"


def test_presets_load():
    at = fresh()
    at.session_state["regularization.scenes"] = True  # the student opens the scenes' menu
    at.run()
    presets = [b for b in at.button if b.key and b.key.startswith(KEY + "preset.")]
    assert len(presets) >= 5
    for index in range(len(presets)):
        button = [b for b in at.button if b.key and b.key.startswith(KEY + "preset.")][index]
        preset = button.key.removeprefix(KEY + "preset.")
        button.click().run()
        no_exception(at)
        assert at.query_params["preset"] == preset
        assert at.info, "the preset says what to notice"
        assert not at.warning, [w.value for w in at.warning]


COUNTER = CompileCounter()

# Per view: (widget kind, setting, a first value, a value never seen before)
MOVES = {
    "paths": [
        ("select_slider", "lam", 0.5, 3.0),
        ("select_slider", "d1", 2.0, 3.0),
        ("slider", "angle", 10.0, -20.0),
    ],
    "shrink": [("select_slider", "lam", 0.5, 3.0), ("select_slider", "d2", 0.4, 0.6)],
    "steps": [
        ("select_slider", "lam", 0.5, 3.0),
        ("select_slider", "l1_lr", 0.2, 0.05),
        ("number_input", "x0", -3.0, -2.5),
    ],
    "early": [
        ("slider", "t", 7, 33),
        ("select_slider", "lr", 0.05, 0.2),
        ("select_slider", "d1", 2.0, 0.6),
    ],
    "clip": [
        ("select_slider", "u", 1.0, 2.0),
        ("select_slider", "clip_lr", 0.3, 0.8),
        ("slider", "clip.height", 20.0, 35.0),
    ],
}


@pytest.mark.parametrize("view", VIEWS)
def test_moving_a_slider_compiles_nothing(view):
    at = fresh(view=view)
    for kind, name, first, _ in MOVES[view]:
        at.get(kind)[[w.key for w in at.get(kind)].index(KEY + name)].set_value(first)
        at.run()
    no_exception(at)
    with COUNTER as counter:
        for kind, name, _, new in MOVES[view]:
            at.get(kind)[[w.key for w in at.get(kind)].index(KEY + name)].set_value(new)
            at.run()
            no_exception(at)
    assert counter.count == 0
