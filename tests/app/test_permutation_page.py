"""The permutation-symmetry page in Streamlit's AppTest: every tab loads, every widget survives
its extremes, deep links round-trip, bad links warn instead of failing, scenes load."""

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "permutation.py")
TABS = ("teacher", "merge", "line", "critical", "regions")


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    return at


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def widget(at: AppTest, name: str):
    return at.get_by_key(f"permutation.{name}")


def url(at: AppTest) -> dict:
    return {k: at.query_params[k] for k in at.query_params}


def metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def test_default_page_loads_with_the_teacher_and_student():
    at = load()
    healthy(at)
    assert not at.warning
    assert url(at) == {}  # defaults only: a plain URL
    assert len(drawn_figures(at)) == 1
    numbers = metrics(at)
    assert float(numbers["Student's final loss E"]) < 1e-12
    assert sorted(numbers["Student units, in teacher order"].split()) == ["1", "2", "3"]


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_opens_from_a_link(tab):
    at = load(tab=tab)
    healthy(at)
    assert not at.warning
    assert drawn_figures(at)
    assert url(at) == ({} if tab == "teacher" else {"tab": tab})


def test_the_saddle_is_the_merged_network_and_the_counts_agree():
    at = load(tab="merge")
    healthy(at)
    numbers = metrics(at)
    assert numbers["E at the saddle"] == numbers["E of the merged 2-unit network"]
    assert numbers["Negative eigenvalues (index)"] == "1 of 12"
    assert int(numbers["Zero eigenvalues"]) >= 1
    at = load(tab="regions", lines="9")
    numbers = metrics(at)
    assert numbers["Formula 1 + n + n(n−1)/2"] == numbers["Counted exactly"] == "46"
    assert numbers["Counted by sign patterns"] == "46"


EXTREMES = {
    "teacher": {"n": (2, 5), "teacher": (0, 99), "student": (0, 99)},
    "critical": {"cseed": (0, 99)},
    "regions": {"lines": (1, 30), "lseed": (0, 999), "window": (1.0, 100.0)},
}


@pytest.mark.parametrize("tab", tuple(EXTREMES))
def test_every_widget_at_its_extremes(tab):
    at = load(tab=tab)
    healthy(at)
    for name, ends in EXTREMES[tab].items():
        default = widget(at, name).value
        for value in (*ends, default):
            widget(at, name).set_value(value)
            at.run()
            healthy(at)
            assert widget(at, name).value == value


def test_every_pair_can_be_exchanged_also_with_two_units():
    at = load(tab="merge")
    for pair in ("1-2", "2-3", "1-3"):
        widget(at, "pair").set_value(pair)
        at.run()
        healthy(at)
        assert url(at).get("pair", "1-3") == pair
    at = load(tab="merge", n="2")
    healthy(at)
    assert widget(at, "pair").value == "1-2"
    assert not at.warning


def test_deep_link_round_trips():
    link = {
        "tab": "line",
        "pair": "2-3",
        "student": "2",
        "lines": "12",
        "lseed": "7",
        "window": "5",
    }
    at = load(**link)
    healthy(at)
    assert not at.warning
    assert widget(at, "pair").value == "2-3"
    assert widget(at, "student").value == 2
    assert widget(at, "lines").value == 12 and widget(at, "window").value == 5.0
    assert url(at) == link
    widget(at, "lines").set_value(20)
    at.run()
    assert url(at) == {**link, "lines": "20"}
    again = load(**url(at))
    assert widget(again, "lines").value == 20 and widget(again, "pair").value == "2-3"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("n", "abc"),
        ("n", "99"),
        ("pair", "9-9"),
        ("tab", "<script>alert(1)</script>"),
        ("window", "1e400"),
        ("lines", "-5"),
        ("student", "nan"),
        ("unknown", "1"),
    ],
)
def test_malicious_links_warn_and_fall_back(name, value):
    at = load(**{name: value})
    healthy(at)
    assert at.warning, f"no notice for {name}={value}"
    outside_code = re.sub(r"`[^`]*`", "", " ".join(w.value for w in at.warning))
    assert "<script>" not in outside_code
    assert widget(at, "n").value in range(2, 6)


def test_scenes_load_their_settings():
    at = load()
    at.session_state["permutation.scenes"] = True  # the student opens the scenes' menu
    at.run()
    for key, tab in (
        ("exchange", "merge"),
        ("straight", "line"),
        ("regions", "regions"),
        ("index", "critical"),
        ("recover", "teacher"),
    ):
        widget(at, f"preset.{key}").click()
        at.run()
        healthy(at)
        assert url(at)["preset"] == key
        assert url(at).get("tab", "teacher") == tab
        assert at.info  # the scene's caption says what to notice
        assert drawn_figures(at)
    assert widget(at, "lines").value == 6  # the regions scene's 10 lines were its own


def test_presentation_mode_hides_the_explanations_but_keeps_figures_and_controls():
    def explained(at):
        return any("Pull the weight vectors" in m.value for m in at.markdown)

    at = load(tab="merge")
    assert explained(at)
    at = load(tab="merge", present="1")
    healthy(at)
    assert not explained(at)
    assert len(drawn_figures(at)) == 2
    assert widget(at, "pair").value == "1-3"  # the tab's own controls stay on screen


def test_index_is_a_count_and_the_fraction_has_its_own_name():
    at = load(tab="critical")
    healthy(at)
    (spec,) = drawn_figures(at)
    title = spec["layout"]["xaxis"]["title"]["text"]
    assert title.startswith("fraction of downhill directions k/N") and "index" not in title
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "number of negative Hessian eigenvalues" in text
    assert "index is the fraction" not in text and "low index" not in text
    at = load(tab="merge")
    negative = metrics(at)["Negative eigenvalues (index)"]  # the count k, out of N
    k, n = (int(v) for v in negative.split(" of "))
    assert 0 < k < n


def test_regions_are_many_and_counted_for_lines_in_general_position():
    at = load(tab="regions", lines="10", preset="regions")
    healthy(at)
    text = " ".join(m.value for m in at.markdown) + " ".join(i.value for i in at.info)
    assert "general position" in text and "many, many regions" in text
    assert "quadratically many" not in text and "wherever they lie" not in text
    assert "1 + 10 + 45 = 56" in text
    assert metrics(at)["Formula 1 + n + n(n−1)/2"] == str(1 + 10 + 45)
    hungarian = next(m for m in load().metric if m.label == "Student units, in teacher order")
    assert "Hungarian matching" in hungarian.help and "one-to-one pairings" in hungarian.help
