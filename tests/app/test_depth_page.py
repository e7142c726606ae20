"""The depth page in Streamlit's AppTest: every tab loads from a link, the numbers it shows are
the core's, deep links round-trip, bad links warn and fall back, scenes load, warm slider
moves compile nothing, the quiz answers."""

import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures, sent_payloads
from app_support.topics import depth as topic
from landscapes import depth, nfl
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "depth.py")
TABS = ("count", "xor", "local", "deep", "nfl")
COUNTER = CompileCounter()


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=300)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"depth.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_opens_from_a_link(tab):
    at = load(tab=tab)
    healthy(at)
    assert not at.warning
    assert drawn_figures(at)
    assert url(at) == ({} if tab == "count" else {"tab": tab})


@pytest.mark.parametrize(
    ("d", "n", "kind", "t"),
    [("1", "7", "general", "0"), ("2", "6", "general", "3"), ("2", "5", "concurrent", "0"),
     ("3", "5", "general", "2"), ("3", "4", "parallel", "0"), ("3", "6", "concurrent", "0")],
)  # fmt: skip
def test_the_counts_shown_are_the_cores(d, n, kind, t):
    at = load(d=d, n=n, kind=kind, t=t)
    healthy(at)
    d, n, t = int(d), int(n), int(t)
    t = t if kind == "general" and d > 1 else n
    numbers = metrics(at)
    planes = depth.tilted_arrangement(n, d, kind, t, 0)
    assert numbers["Counted exactly"] == str(depth.count_regions(planes))
    assert numbers["Closed form"] == str(depth.regions_formula(n, d, kind, t))
    assert numbers["General position: Σ C(n, k)"] == str(
        sum(range(1)) + depth.regions_formula(n, d)
    )
    if kind == "general" and d == 2:  # the tilt after t lines: n + 1 + (n − 1) + … + (n − t)
        assert int(numbers["Counted exactly"]) == n + 1 + sum(n - k for k in range(1, t + 1))
    if d == 2:  # the window holds every crossing: the map meets every region
        assert numbers["Seen in this window"] == numbers["Counted exactly"]


def sent_animations(at: AppTest) -> list[dict]:
    """The animation controls each chart was sent with (drawn by the chart, not by Plotly)."""
    sent = [payload for _, payload in sent_payloads(at)]  # after the view a chart keeps
    return [payload["animation"] for payload in sent if payload.get("animation")]


def test_the_tilt_animation_starts_at_the_tilt_shown():
    at = load(d="2", n="5", t="2")
    # sent without its frames; Play's rerun (the chart's "frames" trigger) brings all six
    assert not any(f.get("frames") for f in drawn_figures(at))
    at.session_state["depth.tilt"] = {"frames": {"play": True, "at": 1}}
    at.run()
    spec = next(f for f in drawn_figures(at) if f.get("frames"))
    assert len(spec["frames"]) == 6
    lines = depth.tilted_arrangement(5, 2, "general", 2)
    shown = topic.tilt_maps(5, "general", 0, (2,))[2][0]
    assert int(shown.max()) + 1 == depth.count_regions(lines)  # the window holds every region
    (controls,) = sent_animations(at)
    assert controls["active"] == 2
    counts = [6 + sum(5 - k for k in range(1, t + 1)) for t in range(6)]
    assert [step["label"] for step in controls["steps"]] == [
        f"{t} → {c} regions" for t, c in enumerate(counts)
    ]
    widget(at, "t").set_value(4)
    at.run()
    assert metrics(at)["Counted exactly"] == str(6 + 4 + 3 + 2 + 1)
    assert sent_animations(at)[0]["active"] == 4


def test_xor_and_no_free_lunch_numbers():
    at = load(tab="xor")
    numbers = metrics(at)
    assert numbers["Labellings of the 4 quadrants one output unit makes"] == "14 of 16"
    assert numbers["With a second layer"] == "16 of 16"
    _, one, two = topic.checkerboard_nets(3, 8, 6, 0)
    assert numbers["One layer: N"] == str(depth.make_net((8,), (8,)).num_weights) == "33"
    assert numbers["Two layers: N"] == str(two.num_weights) == str(3 * 6 + 7 * 6 + 7)
    assert numbers["Two layers: test accuracy"] == f"{two.test_accuracy:.0%}"
    at = load(tab="nfl", K="9", train="1,4")
    healthy(at)
    shown = " ".join(m.value for m in at.markdown)
    for learner in nfl.LEARNERS:
        assert nfl.off_training_accuracy(learner, 9, (1, 4)) == Fraction(1, 2)
        assert f"{nfl.LEARNER_TITLES[learner]}: **1/2** over all" in shown
        structured = nfl.off_training_accuracy(learner, 9, (1, 4), "threshold")
        assert f"**{structured}** over thresholds" in shown


def test_deep_and_shallow_have_the_same_budget_and_exact_region_counts():
    at = load(tab="deep", width="4", folds="2")
    healthy(at)
    n_deep, h = topic.deep_width_budget(4)
    assert n_deep == 3 * 4 + 2 * 5 * 4 + 5 and abs((4 * h + 1) - n_deep) <= 2
    _, one, three = topic.deep_and_shallow(2, 4, 0)
    numbers = metrics(at)
    assert numbers["One layer: linear regions"] == str(one.exact_regions)
    assert numbers["Three layers: linear regions"] == str(three.exact_regions)
    # every grid count is at most the exact count
    assert max(three.grid_regions) <= three.exact_regions
    assert any("2 ReLU units per layer and 2 layers (N = 15)" in i.value for i in at.info)


def test_distributed_and_local_numbers_by_brute_force():
    at = load(tab="local", new="1")
    healthy(at)
    numbers = metrics(at)
    (x, y), _, net = topic.local_and_distributed(4, True, 0)
    xt, yt = depth.clusters(40, 1000, True)
    nearest = np.array([y[np.argmin(((x - p) ** 2).sum(axis=1))] for p in xt])
    assert numbers["1-NN: test accuracy"] == f"{np.mean(nearest == yt):.0%}"
    assert numbers["1-NN: cells (numbers)"] == f"{len(x)} ({2 * len(x)})" == "60 (120)"
    assert numbers["Net: linear regions (N)"] == f"{net.exact_regions} ({net.num_weights})"
    assert net.num_weights == 4 * 4 + 1
    assert numbers["Net: test accuracy"] == f"{net.test_accuracy:.0%}"


def test_deep_link_round_trips():
    link = {"tab": "local", "units": "6", "new": "1", "lseed": "3"}
    at = load(**link)
    healthy(at)
    assert not at.warning
    assert widget(at, "units").value == 6 and widget(at, "new").value is True
    assert url(at) == link
    widget(at, "units").set_value(9)
    at.run()
    assert url(at) == {**link, "units": "9"}
    again = load(**url(at))
    assert widget(again, "units").value == 9 and widget(again, "lseed").value == 3


@pytest.mark.parametrize(
    ("name", "value"),
    [("n", "abc"), ("n", "99"), ("d", "7"), ("kind", "<script>alert(1)</script>"),
     ("tab", "nowhere"), ("t", "-1"), ("K", "1e400"), ("train", "0,1,2,3,4,5,6,7,8"),
     ("unknown", "1")],
)  # fmt: skip
def test_bad_links_warn_and_fall_back(name, value):
    at = load(**{name: value})
    healthy(at)
    assert at.warning, f"no notice for {name}={value}"
    outside_code = re.sub(r"`[^`]*`", "", " ".join(w.value for w in at.warning))
    assert "<script>" not in outside_code
    assert drawn_figures(at)


def test_scenes_load_their_settings():
    at = load()
    at.session_state["depth.scenes"] = True  # the student opens the scenes' menu
    at.run()
    for scene in topic.SCENES:
        widget(at, f"preset.{scene.key}").click()
        at.run()
        healthy(at)
        assert url(at)["preset"] == scene.key
        assert url(at).get("tab", "count") == scene.params["tab"]
        assert at.info
        assert drawn_figures(at)


MOVES = {  # tab: (setting, warm-up value, measured values)
    "count": ("n", 5, (4, 7)),
    "xor": ("shallow", 9, (12, 20)),
    "local": ("units", 5, (6, 3)),
    "deep": ("width", 5, (3, 7)),
}


@pytest.mark.parametrize("tab", tuple(MOVES))
def test_warm_slider_moves_compile_nothing(tab):
    name, warm, moved = MOVES[tab]
    at = load(tab=tab)
    widget(at, name).set_value(warm)
    at.run()
    healthy(at)
    COUNTER.count, COUNTER.active = 0, True
    for value in moved:
        widget(at, name).set_value(value)
        at.run()
        healthy(at)
    COUNTER.active = False
    assert COUNTER.count == 0


def test_the_quiz_answers_after_a_guess():
    at = load(tab="nfl")
    assert not at.success and not at.error
    widget(at, "quiz.all").set_value("true")
    at.run()
    assert at.error and "false" in at.error[0].value
    widget(at, "quiz.real").set_value("true")
    at.run()
    assert at.success
