"""AppTest tests of the small-networks page: every tab loads, every widget survives its extremes,
deep links round-trip, lecture scenes load, bad links fall back to defaults with a notice."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from app_support.topics import networks as topic

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "networks.py")
TIMEOUT = 180  # the first run compiles training, the Hessian and the slices
TABS = ("training", "spectrum", "weights", "exploding")
KINDS = ("select_slider", "slider", "number_input", "selectbox", "multiselect", "toggle")


SCENES = [scene.params for scene in topic.SCENES]  # each one's URL parameters


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


def has_widget(at: AppTest, key: str) -> bool:
    return any(w.key == key for kind in KINDS for w in getattr(at, kind))


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def charts(at: AppTest) -> list:
    return drawn_figures(at)


def test_default_page_loads_with_boundary_and_curves():
    at = open_page()
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert not at.error, [e.value for e in at.error]
    assert len(charts(at)) == 2
    assert widget(at, "networks.data").value == "spirals"
    assert widget(at, "networks.depth").value == 2
    assert widget(at, "networks.width").value == 16
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Weights N"] == "337"  # 2·16+16 + 16·16+16 + 16+1
    labels = [w.label for w in at.select_slider]
    assert any(label.startswith("ε") for label in labels)
    assert all(not v for v in at.query_params.values())


def _decision_map_payload(at: AppTest) -> dict:
    """What the decision map's chart was sent: settings, animation bar and figure."""
    from app_support.charts import sent_payloads

    payloads = [payload for _, payload in sent_payloads(at)]  # after the view a chart keeps
    (decision,) = [p for p in payloads if p.get("framesOnRequest")]
    return decision


def test_the_decision_map_is_sent_without_its_frames_until_play_asks_for_them():
    at = open_page({"steps": "600"})
    assert_clean(at)
    decision = _decision_map_payload(at)
    assert "frames" not in decision["figure"]
    steps = [int(step["label"]) for step in decision["animation"]["steps"]]
    assert len(steps) == 60 and steps[0] == 0 and steps[-1] == 600
    assert decision["animation"]["active"] == len(steps) - 1

    # Play's rerun: what the chart's "frames" trigger puts in the session state.
    asked = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    asked.query_params["steps"] = "600"
    asked.session_state["networks.chart.boundary"] = {"frames": {"play": True, "at": 1}}
    asked.run()
    assert_clean(asked)
    animated = _decision_map_payload(asked)
    frames = animated["figure"]["frames"]
    assert [int(frame["name"]) for frame in frames] == steps
    assert animated["figure"]["data"] == decision["figure"]["data"]  # the same still picture
    assert frames[-1]["data"][0]["z"] == decision["figure"]["data"][0]["z"]  # its last frame
    assert frames[0]["data"][0]["z"] != frames[-1]["data"][0]["z"]


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_loads(tab):
    at = open_page({"tab": tab})
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert len(charts(at)) == 2
    if tab == "spectrum":
        assert any("eigenvalues are negative" in c.value for c in at.caption)


# Each tab, with the choices that reveal its optional widgets (the teacher's units, the
# Lanczos settings, the two chosen weights, the direction seed).
EXTREME_CASES = {  # case: (query parameters, widgets they reveal)
    "training": ({"data": "teacher"}, {"k", "l1_mode", "clip_threshold"}),
    "spectrum": ({"method": "lanczos"}, {"m", "probes"}),
    "weights-chosen": ({"plane": "weights"}, {"wi", "wj"}),
    "weights-random": ({"plane": "random"}, {"dir_seed"}),
    "exploding": ({}, set()),
}
# Choices that show or hide other widgets: moved last, so those widgets are moved first.
MODES = ("networks.data", "networks.method", "networks.plane")


def _keys(at: AppTest, sidebar_too: bool) -> list[str]:
    keys = [
        w.key
        for kind in KINDS
        for w in getattr(at, kind)
        if w.key and w.key.startswith("networks.") and w.key != "networks.present"
    ]
    if not sidebar_too:  # the sidebar is the same on every tab: move it once
        sidebar = {w.key for kind in KINDS for w in getattr(at.sidebar, kind)}
        keys = [k for k in keys if k not in sidebar]
    return sorted(keys, key=lambda k: k in MODES)


def _moves(w) -> list:
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
    if kind == "Multiselect":
        return [lambda w: w.set_value(w.options[:3]), lambda w: w.set_value([])]
    return [lambda w: w.set_value(True), lambda w: w.set_value(False)]


@pytest.mark.parametrize("case", EXTREME_CASES)
def test_every_widget_survives_its_extremes(case):
    tab = case.split("-")[0]
    # Start at the small end (a short run on a tiny net: quick reruns, and the first move of
    # these widgets compiles nothing new); every widget still reaches both ends.
    at = open_page(
        {"tab": tab, "steps": "10", "depth": "1", "width": "1", "n": "32", "n_test": "32"}
        | EXTREME_CASES[case][0]
    )
    at.session_state["networks.options_menu"] = True  # the schedule, clipping, L1/L2 menu
    at.run()
    assert_clean(at)
    moved: set[str] = set()
    while pending := [k for k in _keys(at, tab == "training") if k not in moved]:
        key = pending[0]  # widgets that a move revealed (an L1 mode, a schedule's τ) join in
        moved.add(key)
        for move in _moves(widget(at, key)):
            if not has_widget(at, key) or widget(at, key).proto.disabled:
                break  # hidden by an earlier move
            move(widget(at, key)).run()
            assert_clean(at)
    assert {f"networks.{name}" for name in EXTREME_CASES[case][1]} <= moved
    assert len(charts(at)) >= 1


def test_deep_link_round_trips():
    at = open_page({"tab": "weights", "steps": "200"})
    widget(at, "networks.data").select("moons").run()
    widget(at, "networks.act").select("relu").run()
    widget(at, "networks.width").set_value(6).run()
    widget(at, "networks.init").select("he").run()
    widget(at, "networks.plane").select("random").run()
    widget(at, "networks.span").set_value(0.5).run()
    assert_clean(at)
    params = {k: at.query_params[k] for k in at.query_params}
    assert params["data"] in ("moons", ["moons"])
    assert params["tab"] in ("weights", ["weights"])

    again = open_page({k: (v[0] if isinstance(v, list) else v) for k, v in params.items()})
    assert_clean(again)
    assert not again.warning
    for key in ("data", "act", "width", "init", "steps", "plane", "span", "at"):
        assert widget(again, f"networks.{key}").value == widget(at, f"networks.{key}").value
    assert {k: again.query_params[k] for k in again.query_params} == params


@pytest.mark.parametrize("scene", SCENES, ids=lambda s: s["preset"])
def test_scene_links_load(scene):
    at = open_page(scene)
    assert_clean(at)
    assert not at.warning, [w.value for w in at.warning]
    assert len(charts(at)) == 2
    assert at.info  # the scene's caption
    for key in ("data", "act", "init", "opt", "loss", "plane"):
        if key in scene:
            assert widget(at, f"networks.{key}").value == scene[key]
    if "width" in scene:
        assert widget(at, "networks.width").value == int(scene["width"])


def test_scene_button_sets_widgets_and_url():
    scene = next(s for s in SCENES if s["preset"] == "zero_init")
    at = open_page({"steps": "100"})
    at.session_state["networks.scenes"] = True  # the student opens the scenes' menu
    at.run()
    at.button(key="networks.preset.zero_init").click().run()
    at.run()  # the URL written by the callback reloads every widget on this run
    assert_clean(at)
    assert widget(at, "networks.init").value == "zero"
    assert widget(at, "networks.act").value == scene["act"]
    assert at.query_params["preset"] in ("zero_init", ["zero_init"])


MALICIOUS = {
    "data": "../../etc/passwd",
    "depth": "9999",
    "width": "<script>alert(1)</script>",
    "noise": "nan",
    "n": "1e309",
    "opt": "newton",  # real optimizer, but not offered here (a Hessian per step)
    "adam.learning_rate": "-1",
    "tab": "javascript:alert(1)",
    "batch": "0",
    "scale": "1" * 500,
    "__proto__": "x",
}


def test_malicious_query_params_give_warnings_and_defaults():
    at = open_page(MALICIOUS)
    assert_clean(at)
    text = " ".join(w.value for w in at.warning)
    shown = re.sub(r"\\(.)", r"\1", text).replace("\u200b", "")  # as the notice reads
    for name in MALICIOUS:
        assert name in shown, name
    # a rejected value is repeated inert: every markup mark escaped (st.warning renders no HTML)
    assert "<script>" not in text and "\\<script\\>" in text
    assert widget(at, "networks.data").value == "spirals"
    assert widget(at, "networks.depth").value == 2
    assert widget(at, "networks.opt").value == "adam"
    assert len(charts(at)) == 2
    assert "__proto__" not in at.query_params and "depth" not in at.query_params


def test_weight_plane_with_bad_weight_index_falls_back():
    at = open_page({"tab": "weights", "plane": "weights", "wi": "99999", "steps": "100"})
    assert_clean(at)
    assert any("wi" in w.value for w in at.warning)
    assert widget(at, "networks.wi").value == "0"
    assert len(charts(at)) == 2
