"""AppTest tests of the saddles page's tab "Good and poor minima": the start decides which
minimum gradient descent ends in, and moving its sliders compiles nothing."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from landscapes import basins
from tests.compiles import CompileCounter

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "saddles.py")
COUNTER = CompileCounter()


def load(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def healthy(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]


def verdict(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "gradient descent ends in" in m.value)


def test_the_start_decides_good_or_poor():
    at = load(tab="minima", well_tilt="0.2")
    healthy(at)
    assert drawn_figures(at)
    (good, poor), (peak,) = basins.double_well_critical_points(0.2)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["good minimum"] == f"w = {good:.3g}"
    assert metrics["poor minimum"] == f"w = {poor:.3g}"
    assert metrics["peak between them"] == f"w = {peak:.3g}"
    assert "poor minimum" in verdict(at)  # the default start, 0.6, lies right of the peak
    at.slider(key="saddles.well_w0").set_value(round((peak - 0.1) / 0.05) * 0.05).run()
    healthy(at)
    assert "good minimum" in verdict(at)


def test_moving_its_sliders_compiles_nothing():
    at = load(tab="minima")
    at.slider(key="saddles.well_w0").set_value(-1.0).run()
    with COUNTER as compiles:
        at.slider(key="saddles.well_w0").set_value(1.2).run()
        at.select_slider(key="saddles.well_lr").set_value(0.05).run()
        at.slider(key="saddles.well_tilt").set_value(0.1).run()
    healthy(at)
    assert compiles.count == 0


def test_presentation_mode_hides_the_explanation():
    at = load(tab="minima", present="1")
    healthy(at)
    assert not any("only goes downhill" in m.value for m in at.markdown)
    assert drawn_figures(at)
