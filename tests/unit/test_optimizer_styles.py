"""Every chart that draws optimizers tells them apart without colour vision: each optimizer's
traces have one style, a (colour, dash) pair and a marker symbol no other optimizer on the
same figure has, and every colour is from Okabe & Ito's colour-blind-safe palette."""

import numpy as np
import pytest

import optim
from viz.adaptive import rates_figure
from viz.contour import contour_figure
from viz.curves import curves_figure
from viz.momentum import Series, step_length_figure
from viz.networks import PlanePath, plane_figure
from viz.paths import OptimizerPath
from viz.saddles import EscapeSeries, escape_figure
from viz.surface3d import surface_figure
from viz.theme import OKABE_ITO, Look

NAMES = optim.OPTIMIZERS  # all thirteen on one figure: the hardest case
XS = np.linspace(-2.0, 2.0, 21)
YS = np.linspace(-1.0, 3.0, 17)
Z = (1 - XS[None, :]) ** 2 + 5 * (YS[:, None] - XS[None, :] ** 2) ** 2


def path(name: str, k: int, n: int = 60) -> OptimizerPath:
    t = np.arange(n + 1)
    params = (
        np.stack([np.cos(t / 7.0 + k), np.sin(t / 7.0) + 1.0], axis=1) * np.exp(-t / 80)[:, None]
    )
    grad = np.ones_like(params)
    return OptimizerPath(name, name.upper(), params, np.exp(-t / 20.0), grad, grad, None, None)


def optimizer_traces(fig, names=NAMES) -> dict[str, list[dict]]:
    """The traces of each optimizer, found by its legend group or its label."""
    found: dict[str, list[dict]] = {name: [] for name in names}
    for trace in fig.to_dict()["data"]:
        for name in names:
            if trace.get("legendgroup") == name or trace.get("name") in (name, name.upper()):
                found[name].append(trace)
    return found


def assert_told_apart(found: dict[str, list[dict]], *, dash=True, symbol=True):
    """Each optimizer's lines have a (colour, dash) pair and its markers a (colour, symbol)
    pair that no other optimizer's traces have (start and end glyphs shared by every path,
    given as a list of symbols, are not an optimizer's own)."""
    owners: dict[tuple, str] = {}
    for name, traces in found.items():
        assert traces, f"no trace for {name}"
        for trace in traces:
            line, marker = trace.get("line", {}), trace.get("marker", {})
            color = line.get("color") or marker.get("color")
            assert color in OKABE_ITO.values(), (name, color)
            mode = trace.get("mode", "lines")
            if dash and "lines" in mode:
                pair = ("line", color, line.get("dash"))
                assert owners.setdefault(pair, name) == name, (name, pair)
            if symbol and "markers" in mode and not isinstance(marker.get("symbol"), list):
                shape = ("marker", color, marker.get("symbol"))
                assert marker.get("symbol") is not None, name
                assert owners.setdefault(shape, name) == name, (name, shape)
    if dash:
        assert sum(key[0] == "line" for key in owners) >= len(found)


@pytest.mark.parametrize("look", [Look(), Look(dark=True, presentation=True)])
def test_contour_map_paths_and_moving_heads(look):
    paths = [path(name, k) for k, name in enumerate(NAMES)]
    fig = contour_figure(XS, YS, Z, paths, look=look)
    assert_told_apart(optimizer_traces(fig))
    data = fig.to_dict()["data"]
    (heads,) = [t for t in data if t.get("name") == "current step"]
    assert len(set(zip(heads["marker"]["color"], heads["marker"]["symbol"], strict=True))) == len(
        NAMES
    )


def test_loss_curves():
    fig = curves_figure([path(name, k) for k, name in enumerate(NAMES)])
    assert_told_apart(optimizer_traces(fig), symbol=False)


def test_surface_3d_paths():
    fig = surface_figure(XS, YS, Z, [path(name, k) for k, name in enumerate(NAMES)])
    assert_told_apart(optimizer_traces(fig), symbol=False)


def test_network_plane_paths():
    planes = [PlanePath(name, name.upper(), path(name, k).params) for k, name in enumerate(NAMES)]
    fig = plane_figure(XS, YS, Z, planes)
    assert_told_apart(optimizer_traces(fig), symbol=False)


def test_saddle_escape_counts():
    d = np.geomspace(1e-6, 1e-1, 6)
    series = [
        EscapeSeries(name, name.upper(), d, 10 + k * np.arange(6.0), np.ones(6, bool))
        for k, name in enumerate(NAMES)
    ]
    assert_told_apart(optimizer_traces(escape_figure(series, budget=500)))


def test_momentum_step_lengths():
    measured = [
        Series(name, name.upper(), np.linspace(1, 2, 30) + k) for k, name in enumerate(NAMES)
    ]
    fig = step_length_figure(
        measured, predicted=np.linspace(1, 2, 30), gd_step=1.0, terminal_step=2.0, speedup=2.0
    )
    assert_told_apart(optimizer_traces(fig))


def test_adaptive_rates_mark_the_rule_while_the_dash_marks_the_weight():
    rates = {name: np.ones((30, 2)) * (k + 1) for k, name in enumerate(NAMES)}
    fig = rates_figure(rates, {name: name.upper() for name in NAMES})
    found = {name: [] for name in NAMES}
    for trace in fig.to_dict()["data"]:
        found[trace["name"].split(",")[0].lower()].append(trace)
    assert_told_apart(found, dash=False)
