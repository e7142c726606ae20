"""Every page's main charts carry a text alternative with the numbers the page computed: each
test reads the number from the page's own metric or caption, or from the core, and finds it in
the chart's `alt`."""

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_support.charts import sent_payloads

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 240  # a page's first run compiles its core


def open_page(name: str, params=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{name}.py"), default_timeout=TIMEOUT)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def alt_of(at: AppTest, start: str) -> str:
    """The text alternative of the one drawn chart whose text starts with `start`."""
    sent = [payload["alt"] for _, payload in sent_payloads(at) if "figure" in payload]
    (found,) = [alt for alt in sent if alt.startswith(start)]
    return found


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_networks_training_charts_say_the_summary_numbers():
    at = open_page("networks")
    shown = metrics(at)
    curves = alt_of(at, "Loss and accuracy against the step")
    assert f"{shown['Weights N']} weights" in curves
    assert f"training loss is {shown['Training loss']}," in curves
    assert f"test loss {shown['Test loss']}." in curves
    accuracy = f"training accuracy is {shown['Training accuracy']}, the test accuracy "
    accuracy += f"{shown['Test accuracy']}."
    assert accuracy in curves
    assert accuracy in alt_of(at, "Decision map")
    # the early-stopping step is the one the caption names
    (caption,) = [c.value for c in at.caption if "lowest validation loss" in c.value]
    stop = re.search(r"step (\d+) \(◆\)", caption).group(1)
    assert f"Early stopping keeps step {stop}," in curves


def test_networks_spectrum_says_how_many_eigenvalues_are_negative():
    at = open_page("networks", {"tab": "spectrum"})
    (caption,) = [c.value for c in at.caption if "eigenvalues are negative" in c.value]
    negative, weights = re.search(r"(\d+) of ([\d,]+) eigenvalues are negative", caption).groups()
    spectrum = alt_of(at, "Hessian eigenvalue")
    assert f"{negative} of {weights} eigenvalues are negative." in spectrum
    low, high = re.search(r"Eigenvalues from (\S+) to (\S+) \(", spectrum).groups()
    low, high = float(low.replace("−", "-")), float(high.replace("−", "-"))
    assert low <= high
    if int(negative):  # a negative eigenvalue was counted: the smallest one is below zero
        assert low < 0


def test_minibatches_maps_say_the_distances_and_radii_shown():
    at = open_page("minibatches", {"view": "sgd"})
    shown = metrics(at)
    sgd = alt_of(at, "Contour map of the full loss")
    assert f"full batch {shown['Full batch: distance to w* at the end']}," in sgd
    (seed_label,) = [label for label in shown if label.startswith("SGD seed")]
    assert f"{seed_label.removesuffix(': distance to w*')} {shown[seed_label]}." in sgd

    at = open_page("minibatches", {"view": "noise"})
    shown = metrics(at)
    ball = alt_of(at, "Minibatch noise balls")
    assert f"constant ε {shown['Ball, constant ε']}" in ball
    assert f"theory, independent minibatches {shown['Theory, independent minibatches']}." in ball

    at = open_page("minibatches", {"view": "examples"})
    gaps = alt_of(at, "Loss above the best")
    for label, value in metrics(at).items():
        assert f"{label.removesuffix(': E − E* at the end')} {value}" in gaps
