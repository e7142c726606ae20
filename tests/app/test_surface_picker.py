"""The one surface picker (`app_support.surface_picker`), used by the playground and the saddles
page: a typed formula that cannot be used is reported with its reason, and the page goes on
with the last formula that worked (the default formula before any did); the text is parsed,
never evaluated; hidden, the picker keeps its settings in the URL."""

import builtins

import pytest
from streamlit.testing.v1 import AppTest

from app_support import core
from app_support import surface_picker as picker
from landscapes import FormulaError

GOOD = "(x - 1)**2 + 4*y**2"
BOX = ((-2.0, 4.0), (-2.0, 2.0))


@pytest.fixture
def no_eval(monkeypatch):
    """Fail the test if a formula's text reaches Python's own evaluators (the libraries' own
    uses of them, with code objects, pass through)."""
    for name in ("eval", "exec", "compile"):
        original = getattr(builtins, name)

        def guarded(source, *args, _original=original, **kwargs):
            if isinstance(source, (str, bytes)) and ("x" in str(source) or "y" in str(source)):
                raise AssertionError(f"a formula was handed to Python's evaluator: {source!r}")
            return _original(source, *args, **kwargs)

        monkeypatch.setattr(builtins, name, guarded)


def test_a_good_formula_is_drawn_over_its_box(no_eval):
    resolved = picker.resolve_formula(GOOD, BOX, picker.default_formula_spec())
    assert resolved.error is None
    assert resolved.spec == ("formula", GOOD, BOX)
    assert resolved.surface.bounds == BOX
    assert float(resolved.surface.loss([1.0, 0.0])) == 0.0  # its minimum, (1, 0)
    assert float(resolved.surface.loss([0.0, 1.0])) == 5.0  # (0 − 1)² + 4·1²


@pytest.mark.parametrize(
    "text",
    ["x**2 + __import__('os').system('true')", "x**2 + (y - 1))*3", "open('f').read()", ""],
)
def test_a_bad_formula_gives_its_reason_and_the_fallback(no_eval, text):
    fallback = picker.default_formula_spec()
    resolved = picker.resolve_formula(text, BOX, fallback)
    assert isinstance(resolved.error, FormulaError) and str(resolved.error)
    assert resolved.spec == fallback
    assert resolved.spec[1] == picker.DEFAULT_FORMULA and resolved.spec[2] == picker.DEFAULT_BOX
    # the fallback is the default formula x⁴ − 2x² + y² + 0.3xy: 0 at the origin, −0.7 at (1, −1)
    assert float(resolved.surface.loss([0.0, 0.0])) == 0.0
    assert float(resolved.surface.loss([1.0, -1.0])) == pytest.approx(1 - 2 + 1 - 0.3)


def test_a_bad_formula_points_at_its_culprit():
    error = picker.resolve_formula("x**2 + (y - 1))*3", BOX, picker.default_formula_spec()).error
    assert error.pointer() == "x**2 + (y - 1))*3\n" + " " * 14 + "^"


def test_a_box_the_wrong_way_round_falls_back_to_the_last_good_formula():
    last_good = ("formula", GOOD, BOX)
    resolved = picker.resolve_formula("x**2 + y**2", ((1.0, -1.0), (-1.0, 1.0)), last_good)
    assert "x from < x to" in str(resolved.error)
    assert resolved.spec == last_good


def _picker_page():
    import streamlit as st

    from app_support.surface_picker import surface_picker
    from app_support.urlstate import PageState

    state = PageState("picker")
    hidden = st.session_state.get("hide", False)
    layout = st.session_state.get("layout", "stacked")
    picked = surface_picker(state, None if hidden else st.container(), layout=layout)
    st.session_state["picked"] = picked.spec
    st.session_state["typed"] = picked.typed
    state.finish()


def open_picker(**params) -> AppTest:
    at = AppTest.from_function(_picker_page, default_timeout=120)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


@pytest.mark.parametrize("layout", ["stacked", "row"])
def test_the_page_keeps_the_last_formula_that_worked(layout):
    at = AppTest.from_function(_picker_page, default_timeout=120)
    at.session_state["layout"] = layout
    at.query_params["surface"] = "formula"
    at.query_params["f"] = GOOD
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["picked"][1] == GOOD and at.session_state["typed"]
    at.text_input(key="picker.f").input("x**2 + __import__('os')").run()
    assert not at.exception
    assert "cannot be used" in at.error[0].value
    assert at.code[0].value.endswith("^")  # the caret under the culprit
    assert f"`{GOOD}`" in at.caption[0].value  # "Showing the last formula that worked"
    assert at.session_state["picked"][1] == GOOD
    at.number_input(key="picker.xmin").set_value(10.0).run()  # x from > x to
    assert "x from < x to" in at.error[0].value
    assert at.session_state["picked"][1] == GOOD


def test_before_any_formula_worked_the_default_formula_is_drawn():
    at = open_picker(surface="formula", f="x**")
    assert not at.exception and at.error
    assert at.session_state["picked"] == picker.default_formula_spec()
    assert f"`{picker.DEFAULT_FORMULA}`" in at.caption[0].value


def test_a_hidden_picker_keeps_its_settings_in_the_url():
    link = {"surface": "formula", "f": GOOD, "xmax": "4"}
    at = AppTest.from_function(_picker_page, default_timeout=120)
    at.session_state["hide"] = True
    for name, value in link.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception and not at.text_input and not at.warning
    assert {k: at.query_params[k] for k in at.query_params} == link
    assert at.session_state["picked"] == ("formula", GOOD, ((-3.0, 4.0), (-3.0, 3.0)))
    at.run()  # and run after run
    assert {k: at.query_params[k] for k in at.query_params} == link


def test_a_catalogue_surface_with_its_parameters():
    at = open_picker(surface="rosenbrock", **{"rosenbrock.b": "10"})
    assert not at.exception and not at.warning
    kind, name, params = at.session_state["picked"]
    assert (kind, name) == ("catalogue", "rosenbrock") and dict(params)["b"] == 10.0
    assert not at.session_state["typed"]


def test_a_typed_formula_is_explained_as_code_a_catalogue_surface_by_its_title():
    # "x*y*2 + x**2": as Markdown its two * would make "y" bold and eat the product signs
    typed = picker.resolve_formula("x*y*2 + x**2", BOX, picker.default_formula_spec())
    shown = picker.Picked(typed.spec, typed.surface, typed=True).explanation()
    assert shown.startswith("`") and "x*y*2 + x**2" in shown.split("`")[1]
    spec = core.catalogue_spec("himmelblau", {})
    named = picker.Picked(spec, core.surface(spec), typed=False).explanation()
    assert named.startswith(f"**{core.surface(spec).title}.**")
