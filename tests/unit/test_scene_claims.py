"""Every lecture scene draws what its caption says.

A scene is a set of URL parameters plus a caption (`app_support.presets.scene`). Here each
scene's parameters are read the way its page reads them (the same `Setting`s, so a value the
page would snap to its slider grid is snapped here too), the core computes what the page
draws, and the caption's claim is checked on those numbers: "gradient descent zig-zags" is
sign changes of the across-valley coordinate, "reaches the minimum" a distance or a loss gap,
"stalls at the saddle" a path that ends by the saddle, and so on.

The scenes of the page scripts are read from their source (the `SCENES = (...)` literal) or
from the page's `app_support.topics` module, so a test never runs a page script and never
copies a scene's numbers. `test_every_scene_of_every_page_is_checked_here` walks every page of
`app_support.navigation.PAGES`: a scene needs a test `test_<page>_<scene>` here, or an entry in
the `SCENE_CLAIMS` of its page's AppTest file (claims checked on what the page itself draws).
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import jax
import numpy as np
import pytest

import landscapes
import optim
from app_support.optimizers import hyper_settings
from app_support.presets import PLAYGROUND_PRESETS, Preset, scene
from app_support.urlstate import Setting
from landscapes import backprop as bp
from landscapes import (
    basins,
    committee,
    deep_chain,
    geometry,
    networks,
    random_matrices,
    regions,
    spectrum,
    symmetry,
)
from landscapes import regularization as reg
from optim import adaptive, noise, theory
from optim.metrics import first_below
from optim.sweeps import (
    alpha_sweep,
    errors_along,
    from_eigen_coordinates,
    gradient_evaluations,
    steps_until_within,
)

ROOT = Path(__file__).resolve().parents[2]


# --- reading scenes --------------------------------------------------------------------------


@functools.cache
def page_scenes(page: str) -> dict[str, Preset]:
    """The scenes of `pages/<page>.py`, from the literal `SCENES = (...)` in its source, or
    those of its `app_support.topics` module when the page keeps none of its own."""
    path = f"pages/{page}.py"
    source = (ROOT / path).read_text()
    if not re.search(r"^SCENES\b", source, re.MULTILINE):
        topic = importlib.import_module(f"app_support.topics.{page}")
        return {preset.key: preset for preset in topic.SCENES}
    tree = ast.parse(source)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "SCENES" for t in targets):
            scenes = {}
            for call in node.value.elts:
                args = [ast.literal_eval(a) for a in call.args]
                params: dict[str, str] = {}
                for keyword in call.keywords:
                    value = ast.literal_eval(keyword.value)
                    params.update(value if keyword.arg is None else {keyword.arg: value})
                preset = scene(path, *args, **params)
                scenes[preset.key] = preset
            return scenes
    raise AssertionError(f"{path} has no SCENES")


def read(setting: Setting, params: dict[str, str]):
    """The value the page gives `setting` when opened with `params` (default if absent)."""
    raw = params.get(setting.name)
    return setting.default if raw is None else setting.parse([raw])


# --- the playground --------------------------------------------------------------------------

PLAYGROUND = {preset.key: preset for preset in PLAYGROUND_PRESETS}


class PlaygroundScene:
    """What the playground computes for a scene: its surface, start and one run per optimizer."""

    def __init__(self, key: str):
        params = PLAYGROUND[key].params
        self.params = params
        name = params.get("surface", "himmelblau")
        specs = landscapes.get_surface(name).param_specs
        surface_params = {
            h.name: read(Setting.from_hyper(h, prefix=f"{name}."), params) for h in specs
        }
        self.surface = landscapes.get_surface(name, **surface_params)
        (x_min, x_max), (y_min, y_max) = self.surface.bounds
        start = self.surface.starts[0]
        self.start = np.array(
            [
                read(Setting.number("x0", "x₀", start[0], x_min, x_max), params),
                read(Setting.number("y0", "y₀", start[1], y_min, y_max), params),
            ]
        )
        self.steps = read(Setting.integer("steps", "Steps", 200, 10, 3000), params)
        self.chosen = params.get("opt", "gd,momentum,adam").split(",")
        self.hypers = {
            opt: {s.name.split(".", 1)[1]: read(s, params) for s in hyper_settings(opt)}
            for opt in self.chosen
        }

    @functools.cached_property
    def runs(self) -> dict[str, optim.Trajectory]:
        return {opt: self.run(opt) for opt in self.chosen}

    def run(self, opt: str, start=None) -> optim.Trajectory:
        w0 = self.start if start is None else np.asarray(start, dtype=float)
        return optim.run(self.surface.loss, w0, opt, self.steps, **self.hypers[opt])


@functools.cache
def playground(key: str) -> PlaygroundScene:
    return PlaygroundScene(key)


def sign_changes(values, floor: float) -> int:
    """How often `values` changes sign while both neighbours are larger than `floor` in size
    (a swing too small to see is no zig-zag)."""
    v = np.asarray(values)
    big = np.abs(v) > floor
    return int(np.sum((np.sign(v[1:]) != np.sign(v[:-1])) & big[1:] & big[:-1]))


def uphill(loss) -> float:
    """Σ_t max(0, E(w_{t+1}) − E(w_t)): how much a path climbs (an overshoot climbs)."""
    return float(np.sum(np.maximum(np.diff(loss), 0.0)))


def test_playground_beale():
    """'the adaptive methods head for the minimum while gradient descent creeps and momentum
    overshoots'."""
    s = playground("beale")
    minimum = s.surface.minima[0]
    end = {opt: optim.distance_to(t, minimum)[-1] for opt, t in s.runs.items()}
    start = np.linalg.norm(s.start - minimum)
    for name in ("adagrad", "rmsprop", "adam"):
        assert end[name] < 0.25 * start, name  # heads for (3, 0.5)
        assert end[name] < 0.5 * end["gd"]
    gd = s.runs["gd"]
    assert end["gd"] > 0.4 * start  # creeps: after all its steps still far from the minimum
    momentum = s.runs["momentum"]
    # overshoots: its path climbs (far more than the loss left at its end), gradient
    # descent's only descends
    assert uphill(momentum.loss) > 10 * momentum.loss[-1]
    assert uphill(gd.loss) == 0.0


def test_playground_long_valley():
    """'gradient descent bounces between the walls, momentum and RMSProp travel along the
    floor'."""
    s = playground("long_valley")
    c = s.surface.params["curvature"]

    def across(t):  # height above the valley floor y = c·sin x
        return t.params[:, 1] - c * np.sin(t.params[:, 0])

    visible = 0.1  # a swing of a tenth: visible on the map, which is 6 high
    gd = s.runs["gd"]
    assert sign_changes(across(gd), visible) >= s.steps // 2  # bounces all the way
    for opt in ("momentum", "rmsprop"):
        t = s.runs[opt]
        assert sign_changes(across(t), visible) == 0, opt
        # along the floor toward the minimum (x = 4), much further than gradient descent
        assert t.params[-1, 0] - s.start[0] > 3 * (gd.params[-1, 0] - s.start[0]), opt


def test_playground_saddle_point():
    """'gradient descent crawls to the saddle and stalls there; momentum gathers speed and
    escapes; the adaptive methods rescale the tiny gradient along y and leave early'."""
    s = playground("saddle_point")
    saddle = np.zeros(2)
    gd = s.runs["gd"]
    assert optim.distance_to(gd, saddle)[-1] < 0.1 * np.linalg.norm(s.start)  # stalls by it
    assert abs(gd.params[-1, 1]) < 0.1

    def left(t, height):  # first step at which |y| > height
        return first_below(-np.abs(t.params[:, 1]), -height)

    start = np.linalg.norm(s.start)
    momentum = s.runs["momentum"]
    assert optim.distance_to(momentum, saddle).min() < 0.1 * start  # it reaches the saddle…
    assert left(momentum, 1.0) is not None  # …and escapes
    for name in ("adagrad", "rmsprop", "adam"):
        t = s.runs[name]
        # early: they turn off the ridge long before the saddle, sooner than momentum
        assert optim.distance_to(t, saddle).min() > 0.5 * start, name
        assert left(t, 0.1) < left(momentum, 0.1), name


def test_playground_ravine_momentum():
    """'gradient descent bounces from wall to wall; momentum's zig-zag dies out after a few
    swings; it reaches the minimum in half the steps' (issue #21: the old settings drew the
    opposite)."""
    s = playground("ravine_momentum")
    angle = np.deg2rad(s.surface.params["angle"])
    across_axis = np.array([-np.sin(angle), np.cos(angle)])  # the steep direction (curvature 1)

    def across(t):
        return t.params @ across_axis

    gd, momentum = s.runs["gd"], s.runs["momentum"]
    floor = 0.01 * abs(across(gd)[0])
    assert sign_changes(across(gd), floor) >= 15  # from wall to wall
    assert sign_changes(across(momentum), floor) <= sign_changes(across(gd), floor) / 3
    # per step, gradient descent keeps a fixed fraction |1 − ε| of its across-valley offset
    lr = s.hypers["gd"]["learning_rate"]
    assert 1 < lr < 2
    ratio = np.abs(across(gd)[1:20] / across(gd)[:19])
    np.testing.assert_allclose(ratio, abs(1 - lr), rtol=1e-9)
    tol = 1e-4 * gd.loss[0]
    gd_steps = optim.steps_to_tolerance(gd, tol)
    momentum_steps = optim.steps_to_tolerance(momentum, tol)
    assert gd_steps is not None and momentum_steps is not None
    assert momentum_steps <= 0.6 * gd_steps


def test_playground_nesterov_vs_momentum():
    """'Nesterov brakes before the turn, so it overshoots less than plain momentum'."""
    s = playground("nesterov_vs_momentum")
    momentum, nesterov = s.runs["momentum"], s.runs["nesterov"]
    assert uphill(momentum.loss) > 0
    assert uphill(nesterov.loss) < 0.5 * uphill(momentum.loss)
    # one gradient per step for both: the core's count of gradient evaluations
    for opt in ("momentum", "nesterov"):
        count, _ = gradient_evaluations(s.surface.loss, s.start, opt, 5, **s.hypers[opt])
        assert count == 5


def test_playground_adam_vs_gd_rosenbrock():
    """'Gradient descent finds the valley at once and then crawls along its curved floor;
    Adam keeps moving toward (1, 1)'."""
    s = playground("adam_vs_gd_rosenbrock")
    gd, adam = s.runs["gd"], s.runs["adam"]
    minimum = s.surface.minima[0]
    # finds the valley: from a tenth of the run on it stays on the floor y = x²
    off_floor = np.abs(gd.params[:, 1] - gd.params[:, 0] ** 2)
    assert off_floor[s.steps // 10 :].max() < 0.1 * off_floor[0]
    # then crawls: still far from (1, 1) at the end
    assert optim.distance_to(gd, minimum)[-1] > 0.5
    assert optim.distance_to(adam, minimum)[-1] < 0.1


def test_playground_saddle_slowdown():
    """'a long plateau while the path sits by the saddle, then a sudden drop'."""
    s = playground("saddle_slowdown")
    gd = s.runs["gd"]
    saddle_loss = float(s.surface.loss(np.zeros(2)))
    near = np.flatnonzero(np.abs(gd.loss - saddle_loss) < 0.01)
    arrive, leave = near[0], near[-1]
    assert len(near) == leave - arrive + 1  # one stretch at the saddle's level
    minimum_loss = min(float(s.surface.loss(np.asarray(m))) for m in s.surface.minima)
    assert gd.loss[-1] - minimum_loss < 1e-3  # then it drops to a minimum
    drop = first_below(gd.loss - minimum_loss, 0.01 * (saddle_loss - minimum_loss))
    # a long plateau: longer than the way down to it and than the drop after it, together
    assert len(near) > arrive + (drop - leave)


def test_playground_start_decides():
    """'from (0.05, 1.8) falls into the right valley; started just left of the y-axis the
    same optimizer ends in the other minimum'."""
    s = playground("start_decides")
    assert s.start[0] > 0
    mirrored = s.start * np.array([-1.0, 1.0])
    right, left = sorted(s.surface.minima, key=lambda m: -m[0])
    for opt in s.chosen:
        here, there = s.run(opt), s.run(opt, mirrored)
        assert np.linalg.norm(here.params[-1] - right) < 0.05, opt
        assert np.linalg.norm(there.params[-1] - left) < 0.05, opt


# --- adaptive learning rates -----------------------------------------------------------------


def adaptive_scene(key: str) -> dict[str, str]:
    from app_support.topics.adaptive import SCENES

    return {s.key: s for s in SCENES}[key].params


def test_adaptive_first_step():
    """'with the correction every step is ε; without it the first step is ≈ 3.2 ε, the steps
    grow to about 6.6 ε by step 12, and they are still above 3 ε at step 100'."""
    from app_support.topics import adaptive as topic

    params = adaptive_scene("first_step")
    adam = {h.name: h for h in optim.get_rule("adam").hypers}
    b1 = read(Setting.from_hyper(adam["b1"]), params)
    b2 = read(Setting.from_hyper(adam["b2"]), params)
    grads = noise.repeat_patterns([topic.SERIES[params["series"]]], 100)
    run = adaptive.bias_correction(grads, b1, b2)
    np.testing.assert_allclose(run.corrected, 1.0, rtol=1e-6)
    steps = run.uncorrected[:, 0]
    assert steps[0] == pytest.approx(3.2, abs=0.05)
    assert np.argmax(steps) + 1 == 12 and steps.max() == pytest.approx(6.6, abs=0.05)
    assert steps.min() > 3.0 and steps[99] > 3.0
    assert adaptive.uncorrected_factor(1000, b1, b2) > 1.2  # still not caught up at 1/(1 − ρ₂)


def test_adaptive_adagrad_stalls():
    """'Same ε = 0.1: after 300 steps AdaGrad is still far from the minimum; RMSProp's rate
    rises as the gradient shrinks and it arrives within 100 steps'."""
    from app_support.topics import adaptive as topic

    params = adaptive_scene("adagrad_stalls")
    lr = read(Setting.number("lr", "ε", 0.1, 1e-3, 1.0, scale="log"), params)
    assert lr == 0.1
    surface = landscapes.get_surface("ravine", kappa=topic.VALLEY_KAPPA, angle=0.0)
    start = np.asarray(topic.VALLEY_START)
    adagrad = optim.run(surface.loss, start, "adagrad", 300, learning_rate=lr)
    rmsprop = optim.run(surface.loss, start, "rmsprop", 300, learning_rate=lr)
    assert np.linalg.norm(adagrad.params[-1]) > 1.0
    assert optim.steps_to_tolerance(rmsprop, 1e-3, point=(0.0, 0.0)) < 100
    r_ada = adaptive.effective_rates("adagrad", adagrad.internals["r"][1:], lr, 1e-7)[:, 0]
    r_rms = adaptive.effective_rates("rmsprop", rmsprop.internals["r"][1:], lr, 1e-6)[:, 0]
    assert np.all(np.diff(r_ada) <= 0)  # AdaGrad's rate only falls
    assert r_rms[60] > r_rms[0]  # RMSProp's rises as the gradient shrinks


# --- momentum ----------------------------------------------------------------------------------

# The momentum page's settings, as pages/momentum.py declares them (default, range, scale).
MOMENTUM_SETTINGS = {
    "learning_rate": Setting.number("learning_rate", "ε", 0.3, 1e-3, 4.0),
    "momentum": Setting.from_hyper(
        next(h for h in optim.get_rule("momentum").hypers if h.name == "momentum")
    ),
    "kappa": Setting.number("kappa", "κ", 50, 1, 1000),
    "angle": Setting.number("angle", "θ", 30, -90, 90),
}
START_IN_VALLEY = (-4.2, 2.2)  # the page's start: along the flat, then the steep eigenvector


def momentum_scene(key: str) -> dict:
    params = page_scenes("momentum")[key].params
    return {name: read(setting, params) for name, setting in MOMENTUM_SETTINGS.items()}


def ravine_runs(values: dict, steps: int = 3000) -> dict:
    """Each optimizer on the page's ravine from its start: (trajectory, errors along the flat
    and the steep eigenvector, steps until within 10⁻³ of the starting error for good)."""
    surface = landscapes.get_surface("ravine", kappa=values["kappa"], angle=values["angle"])
    minimum = surface.minima[0]
    _, q = geometry.eigenbasis(surface.loss, minimum)
    start = from_eigen_coordinates(minimum, q, START_IN_VALLEY)
    runs = {}
    for name in ("gd", "momentum", "nesterov"):
        hypers = {"learning_rate": values["learning_rate"]}
        if name != "gd":
            hypers["momentum"] = values["momentum"]
        t = optim.run(surface.loss, start, name, steps, **hypers)
        distance = np.linalg.norm(t.params - minimum, axis=1)[:, None]
        within = float(steps_until_within(distance, 1e-3)[0]) if t.diverged_at is None else None
        runs[name] = (t, errors_along(t.params, minimum, q), within)
    return runs


def test_momentum_lecture():
    """'Gradient descent crawls along the flat floor; momentum swings across the valley but
    arrives ten times sooner; Nesterov brakes the swing'."""
    runs = ravine_runs(momentum_scene("lecture"))
    (_, gd_errors, gd_steps), (_, m_errors, m_steps) = runs["gd"], runs["momentum"]
    _, n_errors, _ = runs["nesterov"]
    assert 7 <= gd_steps / m_steps <= 13  # about ten times
    steep = 1  # column of the steep eigenvector
    swing = {name: np.abs(e[10:150, steep]).max() for name, (_, e, _) in runs.items()}
    assert swing["momentum"] > 10 * swing["gd"]  # momentum swings across the valley
    assert swing["nesterov"] < 0.25 * swing["momentum"]  # Nesterov brakes the swing
    assert sign_changes(m_errors[:150, steep], 0.01) >= 10
    assert np.all(np.diff(np.abs(gd_errors[:150, 0])) < 0)  # crawls, never swings, along it


def test_momentum_zigzag():
    """'ε = 1.9: gradient descent bounces from wall to wall. With α = 0.5 the bounces cancel
    in the velocity. Nesterov's look-ahead is unstable at this ε'."""
    values = momentum_scene("zigzag")
    assert values["learning_rate"] == 1.9  # the page's grid keeps 1.9
    runs = ravine_runs(values)
    gd, m = runs["gd"][1][:, 1], runs["momentum"][1][:, 1]
    assert sign_changes(gd[:150], 0.0) == 149  # every step to the other wall
    assert np.abs(m[10:150]).max() < 0.2 * np.abs(gd[10:150]).max()
    assert runs["nesterov"][0].diverged_at is not None


def test_momentum_ten_not_two():
    """'On a constant slope the step grows to ε‖g‖/(1 − α): ten gradient steps per step for
    α = 0.9. The 1.9 is only the second step'."""
    values = momentum_scene("ten_not_two")
    lr, alpha = values["learning_rate"], values["momentum"]
    plane = landscapes.get_surface("plane")
    t = optim.run(plane.loss, np.zeros(2), "momentum", 300, learning_rate=lr, momentum=alpha)
    steps = np.linalg.norm(np.diff(t.params, axis=0), axis=1)
    g = np.linalg.norm(t.grad[0])
    assert steps[1] / steps[0] == pytest.approx(1 + alpha)  # 1.9
    assert steps[-1] == pytest.approx(lr * g / (1 - alpha), rel=1e-6)
    assert steps[-1] / steps[0] == pytest.approx(10, rel=1e-6)


def test_momentum_optimum():
    """'At (ε*, α*) every direction shrinks at the same rate (√κ − 1)/(√κ + 1): the minimum
    of the measured curve sits at α*'."""
    values = momentum_scene("optimum")
    kappa = values["kappa"]
    lams = np.array([1.0 / kappa, 1.0])
    lr, alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[1]))
    rates = [float(theory.momentum_rate(lr, alpha, lam)) for lam in lams]
    expected = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    surface = landscapes.get_surface("ravine", kappa=kappa, angle=0.0)
    minimum = surface.minima[0]
    _, q = geometry.eigenbasis(surface.loss, minimum)
    start = from_eigen_coordinates(minimum, q, START_IN_VALLEY)
    alphas = np.linspace(0.0, 0.995, 200)
    measured = alpha_sweep(surface.loss, start, minimum, lr, alphas, 1e-3, 1024)
    assert abs(alphas[np.argmin(measured)] - alpha) < 0.03


def test_momentum_too_much():
    """'α = 0.99: the error spirals in at √α per step — slower than α = 0.9' (at the page's
    ε, whose ελ lies inside the band of complex roots for both directions)."""
    values = momentum_scene("too_much")
    lr, alpha = values["learning_rate"], values["momentum"]
    lams = np.array([1.0 / values["kappa"], 1.0])
    low, high = (float(v) for v in theory.complex_roots_band(alpha))
    assert np.all((low < lr * lams) & (lr * lams < high))
    rates = np.array([float(theory.momentum_rate(lr, alpha, lam)) for lam in lams])
    np.testing.assert_allclose(rates, np.sqrt(alpha))
    slower = max(float(theory.momentum_rate(lr, 0.9, lam)) for lam in lams)
    assert rates.max() > slower


# --- regularization ----------------------------------------------------------------------------


def regularization_scene(key: str):
    """The scene's parameters and its quadratic (the page's sidebar settings)."""
    params = page_scenes("regularization")[key].params
    quad_values = {h.name: read(Setting.from_hyper(h), params) for h in reg.QUADRATIC_PARAMS}
    lam = read(Setting.number("lam", "λ", 1.0, 0.001, 100.0, scale="log"), params)
    return params, reg.make_quadratic(**quad_values), lam


def test_regularization_l1_axis():
    """'the L1 minimiser runs into the axis w₂ = 0 and slides along it to the origin; the L2
    minimiser shrinks toward the origin and never gets there'."""
    _, quad, lam = regularization_scene("l1_axis")
    lams = reg.path_lambdas()
    l1, l2 = reg.l1_path(quad, lams), reg.l2_path(quad, lams)
    on_axis = (l1[:, 1] == 0) & (l1[:, 0] != 0)
    at_origin = np.all(l1 == 0, axis=1)
    assert on_axis.any() and at_origin.any()
    # in order of λ: off the axes, then on w₂ = 0, then at the origin for good
    first_axis, first_origin = np.argmax(on_axis), np.argmax(at_origin)
    assert first_axis < first_origin and at_origin[first_origin:].all()
    assert np.all(l1[:first_axis] != 0)
    # the scene's λ already sits on the axis
    at_lam = reg.l1_path(quad, [lam])[0]
    assert at_lam[1] == 0 and at_lam[0] != 0
    # L2: ever closer to the origin, never at it
    norms = np.linalg.norm(l2, axis=1)
    assert np.all(norms > 0) and np.all(np.diff(norms) < 0)
    assert np.all(l2 != 0)


def test_regularization_flat_shrinks_most():
    """'With curvatures 5 and 0.1, λ = 0.5 keeps 91 % of w* along the steep eigenvector and
    only 17 % along the flat one'."""
    _, quad, lam = regularization_scene("flat_shrinks_most")
    kept = np.asarray(reg.shrink_factors(quad.curvatures, [lam]))[0]
    np.testing.assert_allclose(np.round(100 * kept), [91, 17])
    np.testing.assert_allclose(reg.measured_shrink(quad, [lam])[0], kept, atol=1e-6)


def test_regularization_proximal_zeros():
    """'Subgradient steps jump across w₂ = 0 forever; soft-thresholding lands on it and
    stays'."""
    params, quad, lam = regularization_scene("proximal_zeros")
    lr = read(Setting.number("l1_lr", "ε", 0.1, 1e-5, 1.0, scale="log"), params)
    start = np.array([-4.0, 4.0])  # the page's start on the quadratic
    runs = {
        mode: optim.run(quad.loss, start, "gd", 200, learning_rate=lr, l1=lam, l1_mode=mode)
        for mode in ("subgradient", "proximal")
    }
    tail = slice(100, None)
    w2 = runs["subgradient"].params[:, 1]
    crossings = np.flatnonzero(np.sign(w2[1:]) != np.sign(w2[:-1]))
    assert np.sum(crossings >= 100) >= 10 and crossings[-1] >= 180  # across, to the end
    assert np.all(runs["proximal"].params[tail, 1] == 0.0)  # on it, exactly
    assert reg.l1_path(quad, [lam])[0][1] == 0.0  # where the L1 minimiser is


def test_regularization_early_stopping():
    """'after t steps [gradient descent from 0] sits near the L2 minimiser for λ = 1/(εt)'."""
    params, quad, _ = regularization_scene("early_stopping")
    lr = read(Setting.number("lr", "ε", 0.1, 0.001, 1.0, scale="log"), params)
    t = read(Setting.integer("t", "t", 10, 1, 500), params)
    w_t = reg.gd_from_origin(quad, lr, [t])[0]
    lam = float(reg.early_stopping_lambda(lr, t))
    w_l2 = reg.l2_path(quad, [lam])[0]
    gap = np.linalg.norm(w_t - w_l2)
    assert gap < 0.15 * np.linalg.norm(quad.minimum)  # near it
    # and of all L2 minimisers, the nearest has a λ within a factor 2 of 1/(εt)
    lams = np.geomspace(lam / 100, lam * 100, 401)
    gaps = np.linalg.norm(reg.l2_path(quad, lams) - w_t, axis=1)
    assert 0.5 <= lams[np.argmin(gaps)] / lam <= 2


def test_regularization_cliff():
    """'unclipped, one step throws w far away; clipped by norm, the step keeps its direction;
    clipped by value, it also turns'."""
    params = page_scenes("regularization")["cliff"].params
    lr = read(Setting.number("clip_lr", "ε", 0.5, 0.01, 2.0, scale="log"), params)
    u = read(Setting.number("u", "u", 0.3, 0.01, 100.0, scale="log"), params)
    specs = landscapes.get_surface("cliff").param_specs
    cliff = landscapes.get_surface(
        "cliff", **{h.name: read(Setting.from_hyper(h, prefix="clip."), params) for h in specs}
    )
    start = np.array([-3.0, 2.0])  # the page's start on the shelf
    runs = {
        kind: optim.run(cliff.loss, start, "gd", 100, learning_rate=lr, clip=kind, clip_threshold=u)
        for kind in ("none", "norm", "value")
    }
    lengths = {k: reg.step_lengths(t.params) for k, t in runs.items()}
    box = max(hi - lo for lo, hi in cliff.bounds)
    assert lengths["none"].max() > box / 2  # thrown far away in one step
    assert lengths["norm"].max() <= lr * u * (1 + 1e-9)
    turns = {k: np.nan_to_num(reg.turn_angles(t.params, t.grad)) for k, t in runs.items()}
    assert turns["norm"].max() < 1e-3  # keeps the direction of −g (degrees)
    assert turns["value"].max() > 10  # turns at the cliff


def test_regularization_rosenbrock_l1():
    """'L1 still reaches exactly 0 — from λ = 2, the slope of E at 0 — while L2 only
    approaches it'."""
    params = page_scenes("regularization")["rosenbrock_l1"].params
    specs = landscapes.get_surface("rosenbrock").param_specs
    surface = landscapes.get_surface(
        "rosenbrock",
        **{h.name: read(Setting.from_hyper(h, prefix="rosenbrock."), params) for h in specs},
    )
    slope = np.abs(np.asarray(jax.grad(surface.loss)(np.zeros(2)))).max()
    assert slope == pytest.approx(2.0)
    lams = [0.5 * slope, 0.95 * slope, 1.05 * slope, 10.0, 1000.0]
    l1 = reg.penalized_path(surface.loss, surface.bounds, lams, "l1")
    l2 = reg.penalized_path(surface.loss, surface.bounds, lams, "l2")
    assert np.all(l1[2:] == 0.0)  # exactly 0 once λ passes the slope
    assert np.all(np.abs(l1[:2]).max(axis=1) > 1e-3)
    assert np.all(np.linalg.norm(l2, axis=1) > 0)  # L2 only approaches it
    assert np.linalg.norm(l2[-1]) < 0.01


# --- minima and saddles --------------------------------------------------------------------


def saddles_surface(key: str):
    params = page_scenes("saddles")[key].params
    name = params["surface"]
    specs = landscapes.get_surface(name).param_specs
    values = {h.name: read(Setting.from_hyper(h, prefix=f"{name}."), params) for h in specs}
    surface = landscapes.get_surface(name, **values)
    return surface, landscapes.critical_points(surface.loss, surface.bounds)


def test_saddles_himmelblau():
    """'at each ✕ one arrow is orange (the surface curves down: a way out) and one green; at
    the ▲ both are orange' — four minima, four saddles, one maximum."""
    _, points = saddles_surface("himmelblau")
    kinds = [p.kind for p in points]
    assert kinds.count("minimum") == 4 and kinds.count("saddle") == 4
    assert kinds.count("maximum") == 1
    for p in points:
        negative = int(np.sum(np.asarray(p.eigenvalues) < 0))
        assert negative == {"minimum": 0, "saddle": 1, "maximum": 2}[p.kind]


def test_saddles_monkey():
    """'At the origin of x³ − 3xy² the Hessian is zero … yet it goes down three ways'."""
    surface, _ = saddles_surface("monkey")
    np.testing.assert_allclose(landscapes.hessian(surface.loss, np.zeros(2)), 0.0, atol=1e-12)
    angles = np.linspace(0, 2 * np.pi, 720, endpoint=False) + 1e-3
    circle = 0.1 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    values = np.array([float(surface.loss(w)) for w in circle])
    below = values < 0
    arcs = np.sum(below & ~np.roll(below, 1))  # starts of downhill arcs around the circle
    assert arcs == 3


def test_saddles_two_basins():
    """'the border between the two colours is the y-axis, the saddle's stable direction, and
    the saddle sits on it'."""
    surface, points = saddles_surface("two_basins")
    targets = np.array([p.w for p in points])
    lr = 0.5 / basins.largest_curvature(surface.loss, surface.bounds)  # the page's default
    result = basins.basin_map(surface.loss, surface.bounds, targets, "gd", 128, learning_rate=lr)
    minima = [i for i, p in enumerate(points) if p.kind == "minimum"]
    (saddle,) = [p for p in points if p.kind == "saddle"]
    np.testing.assert_allclose(saddle.w, 0.0, atol=1e-9)
    assert abs(saddle.eigenvectors[0, np.argmax(saddle.eigenvalues)]) < 1e-9  # stable: y
    left = result.xs < -1e-9
    right = result.xs > 1e-9
    left_label = result.labels[:, left]
    right_label = result.labels[:, right]
    assert len(np.unique(left_label)) == 1 and len(np.unique(right_label)) == 1
    assert {int(left_label[0, 0]), int(right_label[0, 0])} == set(minima)


def test_saddles_newton_basins():
    """'Newton's method on Himmelblau's function: whole regions end at a saddle or at the
    maximum'."""
    surface, points = saddles_surface("newton_basins")
    targets = np.array([p.w for p in points])
    result = basins.basin_map(surface.loss, surface.bounds, targets, "newton", 128)
    shares = basins.basin_shares(result.labels, len(points))
    not_minima = [i for i, p in enumerate(points) if p.kind in ("saddle", "maximum")]
    for i in not_minima:
        assert shares[i] > 0.01, points[i]  # each a whole region, not a stray start


def test_saddles_escape():
    """'Each factor 10 closer to the stable direction costs gradient descent the same number
    of extra steps: a straight line on the log axis, as log(r/d)/log(1 + 2ε)'."""
    surface, points = saddles_surface("escape")
    (saddle,) = [p for p in points if p.kind == "saddle"]
    frame = basins.saddle_frame(saddle.w, saddle.eigenvalues, saddle.eigenvectors)
    (x0, x1), (y0, y1) = surface.bounds
    radius = 0.1 * min(x1 - x0, y1 - y0)  # the page's default r
    lr = 0.5 / max(abs(frame.unstable_curvature), frame.stable_curvature)  # its default ε
    distances = radius * 10.0 ** -np.arange(2, 11)
    sweep = basins.escape_sweep(
        surface.loss, frame, "gd", distances, radius, 1024, learning_rate=lr
    )
    assert sweep.escaped.all()
    extra = np.diff(sweep.steps_near)
    per_decade = np.log(10) / np.log1p(2 * lr)
    assert np.all(np.abs(extra - per_decade) <= 1)  # the same per factor of 10
    estimate = basins.gd_escape_estimate(distances, radius, lr, frame.unstable_curvature)
    assert np.all(np.abs(sweep.steps_near - estimate) <= 2)


def test_saddles_random():
    """'N = 20: hardly any random symmetric matrix has all eigenvalues positive, and the
    typical index is N/2'."""
    n = read(Setting.integer("n", "N", 10, 1, 500), page_scenes("saddles")["random"].params)
    counts = random_matrices.index_histogram(0, n, 10_000)
    assert counts[0] / counts.sum() < 1e-3
    assert abs(int(np.argmax(counts)) - n / 2) <= 1
    mean_index = np.sum(np.arange(n + 1) * counts) / counts.sum()
    assert mean_index == pytest.approx(n / 2, abs=0.1)


def test_saddles_brea():
    """'9 hidden layers of 10 neurons: 10!⁹ ≈ 10⁵⁹ equivalent minima from permutations alone,
    and at least 40.5 first-order saddles for each of them'."""
    params = page_scenes("saddles")["brea"].params
    n = read(Setting.integer("neurons", "n", 10, 1, 100), params)
    m = read(Setting.integer("layers", "m", 9, 1, 100), params)
    minima = symmetry.equivalent_minima(n, m)
    assert round(np.log10(float(minima))) == 59
    assert symmetry.saddle_lower_bound(n, m, 1) / minima == pytest.approx(40.5)


# --- permutation symmetry ----------------------------------------------------------------------


@functools.cache
def committee_problem():
    """The permutation page's default teacher, its data and the trained student (n = 3,
    teacher and student seeds 0, as pages/permutation.py declares them)."""
    n = 3
    teacher = committee.random_teacher(n, 0)
    inputs, targets = committee.teacher_data(teacher, n, 200, seed=0)
    run = committee.train_student(inputs, targets, n, 0)
    return n, teacher, inputs, targets, run


@functools.cache
def merge(i: int, j: int):
    n, _, inputs, targets, run = committee_problem()
    path = committee.merge_path(inputs, targets, run.minimum, n, i, j)
    return path, committee.straight_line(inputs, targets, path.minimum, n, i, j)


def pair_of(key: str) -> tuple[int, int]:
    params = page_scenes("permutation")[key].params
    i, j = params.get("pair", "1-3").split("-")  # the page's default pair for n = 3
    return int(i) - 1, int(j) - 1


def test_permutation_recover():
    """'the student's lines settle on the teacher's … but under other numbers: the same
    network up to a permutation'."""
    assert page_scenes("permutation")["recover"].params["tab"] == "teacher"
    n, teacher, _, _, run = committee_problem()
    matching = committee.match_units(run.minimum, teacher, n)
    assert np.all(matching.cosines > 0.99)  # each line on one of the teacher's
    assert not np.array_equal(matching.order, np.arange(n))  # under other numbers


def test_permutation_exchange():
    """'units 1 and 3 slide together, coincide at the permutation point (a saddle with one
    downhill direction)'."""
    i, j = pair_of("exchange")
    assert (i, j) == (0, 2)
    _, _, inputs, targets, _ = committee_problem()
    path, _ = merge(i, j)
    report = committee.point_report(inputs, targets, path.params[0])
    assert path.distance[0] == 0.0 and report.grad_norm < 1e-6
    assert report.negative == 1


def test_permutation_straight():
    """'Both ends have the same loss, but the straight line between them climbs several times
    higher than the merge path through the saddle'."""
    path, line = merge(*pair_of("straight"))
    assert line.loss[0] == pytest.approx(line.loss[-1], rel=1e-9, abs=1e-12)
    through_saddle = float(np.max(path.loss) - path.loss[-1])
    assert through_saddle > 0
    assert line.barrier > 3 * through_saddle


def test_permutation_index():
    """'the higher the loss, the larger the fraction of directions that still go down'."""
    _, _, inputs, targets, _ = committee_problem()
    sample = committee.critical_points_by_gradient_norm(inputs, targets, 3, runs=8, seed=0)
    critical = sample.critical
    fraction = sample.negative[critical] / sample.eigenvalues.shape[1]
    loss = sample.loss[critical]
    assert critical.sum() >= 10
    ranks = [np.argsort(np.argsort(v)) for v in (loss, fraction)]
    assert np.corrcoef(*ranks)[0, 1] > 0.5  # rank correlation: rises with the loss
    low = loss <= np.min(loss) * (1 + 1e-6) + 1e-12
    assert np.all(fraction[low] == 0)  # at the lowest loss, none


def test_permutation_regions():
    """'Ten random lines cut the plane into 1 + 10 + 45 = 56 regions'."""
    params = page_scenes("permutation")["regions"].params
    count = read(Setting.integer("lines", "n", 6, 1, 30), params)
    seed = read(Setting.integer("lseed", "seed", 0, 0, 999), params)
    lines = regions.random_lines(count, seed)
    assert regions.count_regions_exact(lines) == 1 + count + count * (count - 1) // 2 == 56
    assert regions.regions_general_position(count, 2) == 56


# --- minibatches ---------------------------------------------------------------------------

SGD_STEPS, CLOUD_SEEDS, PANELS = 200, 16, 7  # as pages/minibatches.py fixes them


def minibatch_scene(key: str):
    """The scene's data set (default data parameters), minibatch size, seed and ε."""
    params = page_scenes("minibatches")[key].params
    data = landscapes.get_dataset(params.get("data", "tanh_network"))
    batch = read(Setting.integer("batch", "B", 8, 1, data.loss.n), params)
    seed = read(Setting.integer("seed", "seed", 0, 0, 9999), params)
    lr = read(Setting.number("lr", "ε", 0.1, 0.001, 3.0, scale="log"), params)
    return data, batch, seed, lr


def saddle_of(points):
    """The saddle at the origin (a small minibatch may have others too)."""
    saddles = [p for p in points if p.kind == "saddle"]
    nearest = min(saddles, key=lambda p: np.linalg.norm(p.w))
    np.testing.assert_allclose(nearest.w, 0.0, atol=1e-8)
    return nearest


def test_minibatches_minima_move():
    """'The tanh unit's full loss has two minima and a saddle. Each minibatch of 16 keeps the
    saddle at the origin, but its minima move or leave the map'."""
    data, batch, seed, _ = minibatch_scene("minima_move")
    full = geometry.surface_critical_points(data.loss, data.bounds)
    full_minima = np.array([p.w for p in full if p.kind == "minimum"])
    assert len(full_minima) == 2
    np.testing.assert_allclose(saddle_of(full).w, 0.0, atol=1e-8)
    for k in range(min(PANELS, int(data.loss.num_batches(batch)))):
        points = geometry.surface_critical_points(data.loss.minibatch(k, batch, seed), data.bounds)
        np.testing.assert_allclose(saddle_of(points).w, 0.0, atol=1e-8)
        minima = np.array([p.w for p in points if p.kind == "minimum"]).reshape(-1, 2)
        moved = [np.min(np.linalg.norm(full_minima - m, axis=1)) > 0.01 for m in minima]
        assert len(minima) < 2 or all(moved), k


def test_minibatches_downhill_turns():
    """'Batches of 4: for one of them the downhill line through the saddle points into the
    other pair of quadrants'."""
    data, batch, seed, _ = minibatch_scene("downhill_turns")

    def quadrants(points):  # sign of the downhill direction's slope through the saddle
        v = saddle_of(points).eigenvectors[:, 0]
        return np.sign(v[0] * v[1])

    full = quadrants(geometry.surface_critical_points(data.loss, data.bounds))
    panels = [
        quadrants(
            geometry.surface_critical_points(data.loss.minibatch(k, batch, seed), data.bounds)
        )
        for k in range(PANELS)
    ]
    assert any(q == -full for q in panels)


def sgd_cloud(data, start, lr, batch, seed):
    """The page's cloud: SGD from `start` with minibatch seeds seed … seed + 15, one call."""
    seeds = seed + np.arange(CLOUD_SEEDS)
    return optim.run_batch(
        data.loss, start, "gd", SGD_STEPS, learning_rate=lr, batch_size=batch, seed=seeds
    )


def test_minibatches_noisy_moons():
    """'Full-batch gradient descent walks smoothly to the minimum; SGD with 4 examples per step
    jitters around that path, and 16 seeds spread into a cloud'."""
    data, batch, seed, lr = minibatch_scene("noisy_moons")
    start = np.asarray(data.starts[0])
    full = optim.run(data.loss, start, "gd", SGD_STEPS, learning_rate=lr)
    assert np.all(np.diff(full.loss) <= 1e-12)  # smooth: never uphill
    minima = [p.w for p in geometry.surface_critical_points(data.loss, data.bounds)]
    sgd = optim.run(
        data.loss, start, "gd", SGD_STEPS, learning_rate=lr, batch_size=batch, seed=seed
    )
    assert uphill(sgd.loss) > 0  # jitters
    many = sgd_cloud(data, start, lr, batch, seed)
    ends = many.params[:, -1]
    spread = np.sqrt(np.mean(np.sum((ends - ends.mean(axis=0)) ** 2, axis=1)))
    assert spread > 0.01 * np.linalg.norm(start - minima[0])  # a cloud, not a point
    # around that path: the cloud's centre is nearer the full-batch end than its own spread
    assert np.linalg.norm(ends.mean(axis=0) - full.params[-1]) < 3 * spread


def test_minibatches_start_decides():
    """'with one example per step, the first step of some seeds goes to w_h < 0 — yet every
    seed ends on the same side as full-batch gradient descent'."""
    data, batch, seed, lr = minibatch_scene("start_decides")
    assert batch == 1
    start = np.asarray(data.starts[0])
    full = optim.run(data.loss, start, "gd", SGD_STEPS, learning_rate=lr)
    many = sgd_cloud(data, start, lr, batch, seed)
    first, last = noise.count_negative(many.params, 0, (1, SGD_STEPS))
    assert 0 < first < CLOUD_SEEDS
    assert last == (CLOUD_SEEDS if full.params[-1, 0] < 0 else 0)


def test_minibatches_adam_exercise():
    """'Adam moves w₁ and w₂ equally fast and w₃ ten times slower'."""
    assert page_scenes("minibatches")["adam_exercise"].params["view"] == "adam"
    grads = noise.repeat_patterns(noise.LECTURE_SERIES, 200)
    steps = noise.average_step(noise.replay("adam", grads), skip=100)
    assert steps[0] == pytest.approx(steps[1], rel=0.02)
    assert steps[1] / steps[2] == pytest.approx(10, rel=0.05)


NOISE_STEPS, BURN_IN, EPOCHS = 256, 128, 8  # as pages/minibatches.py fixes them


def clouds_at_minimum(data, optimizer, seed, **settings):
    seeds = seed + np.arange(CLOUD_SEEDS)
    return optim.run_batch(data.loss, data.minimum, optimizer, NOISE_STEPS, seed=seeds, **settings)


def test_minibatches_decay_shrinks():
    """'With a constant ε the cloud keeps its size for good; with ε halving every 70 steps it
    contracts toward the minimum'."""
    data, batch, seed, lr = minibatch_scene("decay_shrinks")
    decay = optim.get_schedule("exponential").params[0]  # the page's default schedule, k
    k = decay.default
    assert np.log(2) / k == pytest.approx(70, abs=1)  # halving every 70 steps
    constant = clouds_at_minimum(data, "gd", seed, batch_size=batch, learning_rate=lr)
    decayed = clouds_at_minimum(
        data,
        "gd",
        seed,
        batch_size=batch,
        learning_rate=lr,
        schedule="exponential",
        decay_rate=k,
    )
    minima = np.reshape(data.minimum, (-1, 2))
    r_const = noise.cloud_radius(constant.params, minima)
    r_decay = noise.cloud_radius(decayed.params, minima)
    third, last = r_const[BURN_IN:192].mean(), r_const[192:].mean()
    assert 2 / 3 < last / third < 3 / 2  # keeps its size (16 seeds: the radius jitters)
    assert r_decay[192:].mean() < 0.5 * last  # contracts
    assert r_decay[192:].mean() < 0.75 * r_decay[BURN_IN:192].mean()


def test_minibatches_same_noise():
    """'Same minibatches, same ε: momentum's ball is the widest … and plain gradient descent's
    the smallest' (of gradient descent, momentum, RMSProp and Adam)."""
    data, batch, seed, _ = minibatch_scene("same_noise")
    minima = np.reshape(data.minimum, (-1, 2))
    balls = {}
    for name in ("gd", "momentum", "rmsprop", "adam"):
        hypers = {h.name: h.default for h in optim.get_rule(name).hypers}
        hypers["learning_rate"] = 0.1  # the page's one ε for all
        runs = clouds_at_minimum(data, name, seed, batch_size=batch, **hypers)
        balls[name] = noise.stationary_radius(runs.params, minima, BURN_IN)
    assert max(balls, key=balls.get) == "momentum"
    assert min(balls, key=balls.get) == "gd"


def test_minibatches_online_wins_per_example():
    """'Same ε, the same 8 epochs of data: the full batch makes 8 careful updates, online
    learning 1024 noisy ones — and per example seen gets much further'."""
    data, _, seed, lr = minibatch_scene("online_wins_per_example")
    n = data.loss.n
    assert EPOCHS * n == 1024
    start = np.asarray(data.starts[0])
    batch_run = optim.run(data.loss, start, "gd", EPOCHS, learning_rate=lr)
    online = optim.run(
        data.loss, start, "gd", EPOCHS * n, learning_rate=lr, batch_size=1, seed=seed
    )
    best = min(float(data.loss(np.asarray(m))) for m in data.minima)
    batch_gap, online_gap = batch_run.loss[-1] - best, online.loss[-1] - best
    assert online_gap < 0.1 * batch_gap
    assert np.any(np.diff(online.loss) > 0)  # noisy


# --- small networks ------------------------------------------------------------------------


def network_run(key: str, **override):
    """Train the network a scene of pages/networks.py sets up (the page's defaults for what
    the scene leaves out), as the page does: `networks.train` from `networks.init_weights`.
    Returns (architecture, training run, data)."""
    params = {**page_scenes("networks")[key].params, **override}
    name = params.get("data", "moons")
    data = networks.make_data(
        name,
        int(params.get("n", "256")),
        int(params.get("n_test", "256")),
        read(Setting.number("noise", "σ", 0.1, 0.0, 1.0), params),
        read(Setting.integer("data_seed", "seed", 0, 0, 9999), params),
        teacher_hidden=read(Setting.integer("k", "k", 3, 1, committee.MAX_HIDDEN), params),
    )
    depth = read(Setting.integer("depth", "depth", 2, 1, networks.MAX_DEPTH), params)
    width = read(Setting.integer("width", "width", 16, 1, networks.MAX_WIDTH), params)
    arch = networks.Architecture((width,) * depth, params.get("act", "tanh"))
    w0 = networks.init_weights(
        arch,
        params.get("init", "xavier"),
        read(Setting.integer("seed", "seed", 0, 0, 9999), params),
        read(Setting.number("scale", "gain", 1.0, 0.01, 10.0, scale="log"), params),
    )
    optimizer = params.get("opt", "adam")
    hypers = {s.name.split(".", 1)[1]: read(s, params) for s in hyper_settings(optimizer)}
    steps = read(Setting.integer("steps", "steps", 1000, 10, 3000), params)
    kind = params.get("loss", "cross_entropy")
    return arch, networks.train(data, arch, kind, w0, optimizer, steps, **hypers), data


def test_networks_zero_init():
    """'All weights start at 0: every hidden unit gets the same gradient, so all lines stay on
    top of each other and the network behaves like one with a single unit'."""
    arch, run, _ = network_run("zero_init")
    planes = networks.first_layer_hyperplanes(arch, run.params)  # (steps, units, 3)
    assert np.abs(run.params[-1]).max() > 0  # it did learn something
    np.testing.assert_allclose(planes, planes[:, :1, :] * np.ones_like(planes), atol=1e-12)
    # and it cannot solve XOR: no better than one unit's straight line
    assert run.train_accuracy[-1] <= 0.8


def test_networks_xor_linear():
    """'With a linear activation any depth is one straight line: XOR stays at chance. Switch
    the activation to tanh and it is solved'."""
    _, linear, _ = network_run("xor_linear")
    _, tanh, _ = network_run("xor_linear", act="tanh")
    assert linear.train_accuracy[-1] <= 0.8  # one line gets at most three clusters of four
    assert tanh.train_accuracy[-1] >= 0.95


def test_networks_exploding():
    """'a = 1, b = 2: the gradient (n, n·2ⁿ⁻¹) explodes with depth; clipping caps the step on
    the cliff and keeps the descent on track'."""
    params = page_scenes("networks")["exploding"].params
    a = read(Setting.number("a", "a", 1.0, 0.0, 2.5), params)
    b = read(Setting.number("b", "b", 2.0, 0.0, 2.5), params)
    depths = np.arange(1, 31)
    np.testing.assert_allclose(
        deep_chain.chain_gradients(a, b, depths),
        np.stack([depths * a ** (depths - 1.0), depths * b ** (depths - 1.0)], axis=1),
    )
    u = read(Setting.number("u", "u", 1.0, 0.01, 1000.0, scale="log"), params)
    loss = deep_chain.cliff_loss(10)  # the page's default cliff: depth 10, ε 0.02, 60 steps
    start = np.array([0.5, 1.2])
    plain = optim.run(loss, start, "gd", 60, learning_rate=0.02)
    clipped = optim.run(loss, start, "gd", 60, learning_rate=0.02, clip="norm", clip_threshold=u)
    plain_steps = np.linalg.norm(np.diff(plain.params, axis=0), axis=1)
    clipped_steps = np.linalg.norm(np.diff(clipped.params, axis=0), axis=1)
    assert clipped_steps.max() <= 0.02 * u * (1 + 1e-9)  # the step is capped
    assert plain.diverged_at is not None or plain_steps.max() > 10 * clipped_steps.max()
    assert clipped.diverged_at is None and clipped.loss[-1] < clipped.loss[0]  # on track


def test_networks_teacher():
    """'A student with 3 units copies it: … the loss falls to round-off. With weight seed 0 it
    gets stuck instead, two of its units almost on top of each other'."""
    arch, copied, _ = network_run("teacher")
    assert copied.train_loss[-1] < 1e-8
    _, stuck, _ = network_run("teacher", seed="0")
    assert stuck.train_loss[-1] > 1e3 * copied.train_loss[-1] + 1e-6
    planes = networks.first_layer_hyperplanes(arch, stuck.params[-1:])[0]  # (units, 3)
    unit = planes / np.linalg.norm(planes, axis=1, keepdims=True)
    cosines = np.abs(unit @ unit.T)[np.triu_indices(len(unit), 1)]
    assert cosines.max() > 0.99  # two units almost on top of each other


def test_networks_spirals_deep():
    """'deeper layers combine the pieces into the spiral arms' — three layers learn the
    spirals."""
    _, run, _ = network_run("spirals_deep")
    assert run.train_accuracy[-1] >= 0.9


def test_networks_saddles():
    """'Early in training the Hessian has many negative eigenvalues; their number falls as the
    loss falls'."""
    arch, run, data = network_run("saddles")
    loss, _ = networks.network_losses(data, arch, "cross_entropy")  # the page's default loss
    chosen = networks.kept_steps(len(run.steps) - 1, 17)  # the page's INDEX_POINTS
    counts = spectrum.negative_count(spectrum.spectra_along(loss, run.params[chosen]))
    losses = run.train_loss[run.steps[chosen]]
    assert counts[0] >= 3 and counts[-1] < counts[0] / 2
    assert losses[-1] < losses[0]
    ranks = [np.argsort(np.argsort(v, kind="stable")) for v in (counts, losses)]
    assert np.corrcoef(*ranks)[0, 1] > 0.5  # falls with the loss


def test_networks_random_plane():
    """'the paths of three optimizers started from the same weights': the page's optimizer
    and the two the scene adds."""
    params = page_scenes("networks")["random_plane"].params
    compared = params["compare"].split(",")
    assert len({params.get("opt", "adam"), *compared}) == 3


# --- backpropagation -----------------------------------------------------------------------


class BackpropScene:
    """The backpropagation page's settings for a scene (as `pages/backprop.py` declares them)."""

    def __init__(self, key: str):
        from app_support.topics import backprop as topic

        self.topic = topic
        params = {s.key: s for s in topic.SCENES}[key].params
        self.params = params
        self.arch = read(Setting.choice("arch", "n", "2-3-2", tuple(topic.ARCHITECTURES)), params)
        self.activation = read(Setting.choice("act", "σ", "sigmoid", bp.ACTIVATIONS), params)
        self.cost = read(Setting.choice("cost", "C", "quadratic", bp.COSTS), params)
        self.seed = read(Setting.integer("seed", "seed", 0, 0, 99, widget="number"), params)
        sizes = topic.ARCHITECTURES[self.arch]
        self.x = tuple(read(s, params) for s in topic.input_settings(sizes[0]))
        self.y = tuple(read(s, params) for s in topic.target_settings(sizes[-1]))
        weights = tuple(read(s, params) for s in topic.weight_settings(self.arch, self.seed))
        self.w, self.b = topic.network(self.arch, self.seed, weights)

    def deep(self) -> tuple[str, str, float, bp.DepthNorms]:
        """The deep tab's activation, initialisation, gain and norms (as the page computes)."""
        p = self.params
        activation = read(Setting.choice("dact", "σ", "sigmoid", bp.ACTIVATIONS), p)
        init = read(Setting.choice("init", "init", "xavier", bp.INITIALISATIONS), p)
        gain = read(Setting.number("gain", "gain", 1.0, 0.25, 4.0, scale="log"), p)
        depth = read(Setting.integer("depth", "L", 12, 2, bp.MAX_DEPTH), p)
        eta = read(Setting.number("deta", "η", 0.5, 0.01, 5.0, scale="log"), p)
        norms = bp.deep_training(
            depth, self.topic.DEEP_WIDTH, activation, init, gain, self.seed, eta
        )
        return activation, init, gain, norms

    def backprop(self, cost: str | None = None) -> bp.Backprop:
        x, y = np.array(self.x), np.array(self.y)
        return bp.backprop(self.w, self.b, x, y, self.activation, cost or self.cost)


def test_backprop_walk():
    """'z and a fill in layer by layer, then δ from the output back, then every edge's number
    turns into its gradient a_k δ_j'."""
    from viz import backprop as figures

    s = BackpropScene("walk")
    layers = len(s.w)
    order = figures.walk(layers)
    step = read(Setting.integer("step", "step", 0, 0, len(order) - 1), s.params)
    kinds = [o.kind for o in order]
    assert (
        kinds
        == ["input"] + ["forward"] * layers + ["bp1"] + ["bp2"] * (layers - 1) + ["grad"] * layers
    )
    assert [o.layer for o in order if o.kind == "forward"] == list(range(1, layers + 1))
    assert [o.layer for o in order if o.kind in ("bp1", "bp2")] == list(range(layers, 0, -1))
    assert order[step].kind == "bp1"  # the scene opens where δ starts from the output
    net = s.backprop()
    auto = bp.autodiff_gradient(s.w, s.b, np.array(s.x), np.array(s.y), s.activation, s.cost)
    for l in range(layers):  # the edge k → j of layer l + 1 carries a_k δ_j = ∂C/∂w_jk
        np.testing.assert_allclose(np.outer(net.delta[l], net.a[l]), auto.grad_w[l], rtol=1e-12)


def test_backprop_cross_entropy():
    """'BP1 with sigmoid outputs and the cross-entropy: σ′(zᴸ) cancels, δᴸ = aᴸ − y'."""
    s = BackpropScene("cross_entropy")
    assert s.cost == "cross_entropy" and s.activation == "sigmoid"
    net = s.backprop()
    np.testing.assert_allclose(net.delta[-1], net.a[-1] - np.array(s.y), rtol=1e-12)
    quadratic = s.backprop("quadratic")  # there σ′(zᴸ) = aᴸ(1 − aᴸ) stays in δᴸ
    a = quadratic.a[-1]
    np.testing.assert_allclose(quadratic.delta[-1], (a - np.array(s.y)) * a * (1 - a), rtol=1e-12)


def test_backprop_roundoff():
    """'With h = 10⁻¹² the finite difference has lost most of its digits; backprop and
    autodiff still agree to the last one'."""
    s = BackpropScene("roundoff")
    h = read(Setting.number("h", "h", 1e-6, 1e-13, 1.0, scale="log"), s.params)
    x, y = np.array(s.x), np.array(s.y)
    check = bp.gradient_check(s.w, s.b, x, y, [h], s.activation, s.cost)
    assert check.central[0] > 1e-8  # more than half of the 16 digits gone
    assert check.central[0] > 1e3 * bp.gradient_check(s.w, s.b, x, y, [1e-5]).central[0]
    exact = bp.flatten(*s.backprop()[3:5])
    auto = bp.autodiff_gradient(s.w, s.b, x, y, s.activation, s.cost)
    assert bp.relative_error(bp.flatten(auto.grad_w, auto.grad_b), exact) < 1e-14


def test_backprop_slowdown():
    """'Started at a ≈ 0.98 with target 0: with the quadratic cost the output hardly moves for a
    hundred steps (σ′ ≈ 0.02), with cross-entropy it drops at once'."""
    s = BackpropScene("slowdown")
    w0 = read(Setting.number("w0", "w", 2.0, -5.0, 5.0, step=0.1), s.params)
    b0 = read(Setting.number("b0", "b", 2.0, -5.0, 5.0, step=0.1), s.params)
    eta = read(Setting.number("eta", "η", 0.15, 0.01, 2.0, scale="log"), s.params)
    x, y = s.topic.SLOWDOWN_X, s.topic.SLOWDOWN_Y
    quad = bp.slowdown(w0, b0, eta, "quadratic", x=x, y=y)
    entropy = bp.slowdown(w0, b0, eta, "cross_entropy", x=x, y=y)
    assert y == 0 and round(quad.a[0], 2) == 0.98
    assert round(quad.sigma_prime[0], 2) == 0.02
    assert quad.a[0] - quad.a[100] < 0.05  # hardly moves for a hundred steps
    assert entropy.a[0] - entropy.a[10] > 0.1  # drops at once…
    assert entropy.a[100] < quad.a[100] - 0.5


def test_backprop_vanishing():
    """'Each layer back multiplies ‖δ‖ by at most ¼·(weight gain): the first layer's error is
    about 10⁻¹⁹ of the last one's'."""
    s = BackpropScene("vanishing")
    activation, init, gain, norms = s.deep()
    assert (activation, norms.depth) == ("sigmoid", 30)
    delta = norms.delta[0, : norms.depth]
    assert bp.per_layer_factor(activation, init, gain) == 0.25 * gain * bp.init_gain(init)
    assert bp.measured_factor(delta) <= bp.per_layer_factor(activation, init, gain)
    assert -19.5 < np.log10(delta[0] / delta[-1]) < -18.5


def test_backprop_relu_he():
    """'ReLU with He initialisation: ‖δ‖ stays within a factor of 100 from the last layer to
    the first'."""
    s = BackpropScene("relu_he")
    activation, init, gain, norms = s.deep()
    assert (activation, init, norms.depth) == ("relu", "he", 30)
    delta = norms.delta[0, : norms.depth]
    assert delta.max() / delta.min() < 100
    assert 0.8 < bp.measured_factor(delta) < 1.25  # about 1 per layer
    _, _, _, sigmoid = BackpropScene("vanishing").deep()  # against 10⁻¹⁹ for the sigmoid
    assert delta[0] / delta[-1] > 1e10 * sigmoid.delta[0, 0] / sigmoid.delta[0, sigmoid.depth - 1]


def test_backprop_exploding():
    """'ReLU, He initialisation × 1.5: going back each layer multiplies ‖δ‖ by about 1.4 (at
    most 1.5), so the first layer's ‖δ‖ is thousands of times the last one's'."""
    s = BackpropScene("exploding")
    activation, init, gain, norms = s.deep()
    assert (activation, init, gain, norms.depth) == ("relu", "he", 1.5, 30)
    delta = norms.delta[0, : norms.depth]
    assert bp.per_layer_factor(activation, init, gain) == pytest.approx(gain)
    assert round(bp.measured_factor(delta), 1) == 1.4
    assert 1e3 <= delta[0] / delta[-1] < 1e4


# --- depth and No Free Lunch -----------------------------------------------------------------


def depth_scene(key: str) -> dict[str, str]:
    from app_support.topics import depth as topic

    return {s.key: s for s in topic.SCENES}[key].params


def depth_count_settings(params: dict[str, str]) -> tuple[int, str, int, int, int]:
    """(d, kind, n, t, seed) of the counting tab, as `pages/depth.py` reads them."""
    from landscapes import depth

    d = int(read(Setting.choice("d", "d", "2", ("1", "2", "3")), params))
    kind = read(Setting.choice("kind", "kind", "general", depth.KINDS), params)
    n = min(read(Setting.integer("n", "n", 6, 1, 10), params), {1: 10, 2: 10, 3: 8}[d])
    t = min(read(Setting.integer("t", "t", 6, 0, 10), params), n)
    seed = read(Setting.integer("seed", "seed", 0, 0, 99), params)
    return d, kind, n, t, seed


def test_depth_tilt():
    """'Six parallel lines make 7 strips … each tilted line crosses the lines not yet tilted,
    and every crossing adds a region: 7 + 5 + 4 + 3 + 2 + 1 = 22'."""
    from landscapes import depth

    d, kind, n, t, seed = depth_count_settings(depth_scene("tilt"))
    assert (d, kind, n, t) == (2, "general", 6, 0)
    states = [depth.tilted_arrangement(n, d, kind, k, seed) for k in range(n + 1)]
    counts = [depth.count_regions(state) for state in states]
    assert counts[0] == n + 1 == 7
    for k in range(1, n + 1):  # the k-th tilted line crosses the n − k still parallel ones
        new = depth.crossings_on(states[k], k - 1, range(k, n))
        assert len(new) == n - k and counts[k] - counts[k - 1] == n - k
    assert counts[-1] == 7 + 5 + 4 + 3 + 2 + 1 == depth.regions_formula(n, d) == 22


def test_depth_planes():
    """'Five vertical planes are five lines seen from above: 16 columns. Tilting plane i adds
    C(5 − i, 2) regions; all tilted, 1 + 5 + 10 + 10 = 26'."""
    from math import comb

    from landscapes import depth

    d, kind, n, t, seed = depth_count_settings(depth_scene("planes"))
    assert (d, kind, n, t) == (3, "general", 5, 5)
    _, counts = depth.tilt_counts(n, d, seed)
    assert counts[0] == depth.regions_formula(n, 2) == 16  # five lines in the plane
    assert list(np.diff(counts)) == [comb(n - i, 2) for i in range(1, n + 1)]
    assert counts[t] == 1 + 5 + 10 + 10 == sum(comb(n, i) for i in range(d + 1)) == 26


def test_depth_concurrent():
    """'Six lines through one point make only 12 regions, not 22: the formula needs general
    position'."""
    from landscapes import depth

    d, kind, n, t, seed = depth_count_settings(depth_scene("concurrent"))
    assert (d, kind, n) == (2, "concurrent", 6)
    assert depth.count_regions(depth.tilted_arrangement(n, d, kind, t, seed)) == 2 * n == 12
    assert depth.regions_formula(n, d) == 22


def test_depth_xor():
    """'Two lines make four quadrants, but no threshold unit reading them labels opposite
    quadrants alike; a second layer (OR minus AND) does'."""
    from landscapes import depth

    assert depth_scene("xor")["tab"] == "xor"
    corners = depth.corners(2)  # (h₁, h₂) of the four quadrants
    separable = depth.separable_labellings(2)
    for j, ok in enumerate(separable):
        labels = (j >> np.arange(4)) & 1
        same = {tuple(c) for c, v in zip(corners, labels, strict=True) if v}
        opposite_alike = same in ({(1.0, 0.0), (0.0, 1.0)}, {(0.0, 0.0), (1.0, 1.0)})
        assert ok != opposite_alike, labels  # exactly XOR and XNOR are out of reach
    _, _, points = depth.grid_points(depth.BOX, 41)
    points = points[np.all(np.abs(points) > 1e-9, axis=-1)]  # off the two lines
    _, out = depth.xor_two_layers(points)
    np.testing.assert_array_equal(out, (points[:, 0] > 0) ^ (points[:, 1] > 0))


def test_depth_local():
    """'Nearest neighbour handles the new middle cluster with new cells of its own; the net's
    lines run across the whole plane and must move to make room'."""
    from app_support.topics import depth as topic

    params = depth_scene("local")
    new = read(Setting.flag("new", "new"), params)
    units = read(Setting.integer("units", "units", 4, 1, 16), params)
    seed = read(Setting.integer("lseed", "seed", 0, 0, 99), params)
    assert new
    (x0, _), (_, nn0, _), net0 = topic.local_and_distributed(units, False, seed)
    (x1, _), (cells, nn1, nn_accuracy), net1 = topic.local_and_distributed(units, True, seed)
    np.testing.assert_array_equal(x1[: len(x0)], x0)  # the old points stay where they were
    old_cells = cells < len(x0)  # the map outside the new points' own cells
    assert 0.05 < 1 - old_cells.mean() < 0.5  # the new cells: a middle piece of the map
    assert np.array_equal(nn1[old_cells], nn0[old_cells])  # nearest neighbour: nothing else
    assert nn_accuracy >= 0.95  # and it gets the new cluster right
    # the net's labels change outside the new cells too, because its lines moved
    assert np.mean(net1.classes[old_cells] != net0.classes[old_cells]) > 0.02
    assert np.abs(net1.first_lines - net0.first_lines).max() > 0.5


def test_depth_deep():
    """'Same number of weights, one wide layer against three narrow ones, on a sawtooth made
    by folding: here the deep net is more accurate with fewer linear regions; a net folding by
    hand needs only 2 units per layer'."""
    from app_support.topics import depth as topic

    params = depth_scene("deep")
    folds = read(Setting.integer("folds", "folds", 3, 1, 4), params)
    width = read(Setting.integer("width", "width", 6, 2, 8), params)
    seed = read(Setting.integer("dseed", "seed", 0, 0, 99), params)
    _, one, three = topic.deep_and_shallow(folds, width, seed)
    assert one.widths == (one.widths[0],) and len(three.widths) == 3
    assert abs(one.num_weights - three.num_weights) <= 4  # one unit of the wide layer: 4
    assert three.test_accuracy > one.test_accuracy
    assert three.exact_regions < one.exact_regions
    n_fold, pieces = topic.folding(folds)
    assert pieces == 2**folds and n_fold < three.num_weights


def test_depth_nfl():
    """'Over all 2ᴷ problems every learner scores exactly ½ off the training set; on smooth
    problems nearest neighbour wins and its opposite loses'."""
    from fractions import Fraction

    from landscapes import nfl

    params = depth_scene("nfl")
    k = read(Setting.integer("K", "K", 8, 7, 10), params)
    trainings = ("0,1", "0,3,6", "1,4", "0,2,4,6")
    choice = read(Setting.choice("train", "t", "0,3,6", trainings), params)
    train = tuple(int(v) for v in choice.split(","))
    table = nfl.accuracy_table(k, train)
    assert all(row["all"] == Fraction(1, 2) for row in table.values())
    smooth = {learner: row["threshold"] for learner, row in table.items()}
    assert max(smooth, key=smooth.get) == "nearest" and min(smooth, key=smooth.get) == "opposite"
    assert sorted(smooth.values())[-2] < smooth["nearest"]  # wins outright
    assert smooth["opposite"] < Fraction(1, 2) < smooth["nearest"]


# --- generalization ------------------------------------------------------------------------


def test_generalization_ravine():
    """'Inputs on scales 1 and 20, correlation 0.9: gradient descent needs thousands of steps;
    standardized, dozens; whitened, one' (to shrink the error 1000×, at the best ε)."""
    from app_support.topics import generalization as topic
    from landscapes import generalization

    params = {s.key: s for s in topic.SCENES}["ravine"].params
    scale = read(Setting.number("scale", "s", 10.0, 1.0, 30.0, step=1.0), params)
    corr = read(Setting.number("corr", "c", 0.8, 0.0, 0.95, step=0.05), params)
    assert (scale, corr) == (20.0, 0.9)
    race = {
        how: topic.normalization_race(scale, corr, how).result
        for how in generalization.NORMALIZATIONS
    }
    raw = race["raw"]  # the page shows "> 4000" when the run did not get there
    assert raw.measured_steps is None and 1000 <= raw.predicted_steps < 10_000
    assert 12 <= race["standardized"].measured_steps < 100
    assert race["whitened"].measured_steps == 1


# --- every scene -------------------------------------------------------------------------------

# Scenes whose caption makes no claim about computed numbers.
NO_NUMERIC_CLAIM = {
    ("saddles", "quiz"): "'Answer first; each answer shows the evidence' (tests/app)",
}


def scenes_of(page: str) -> list[str]:
    """The keys of a page's scenes: the literal `SCENES` of `pages/<page>.py`, else
    `app_support.topics.<page>.SCENES`, else (the playground) `PLAYGROUND_PRESETS`."""
    source = (ROOT / f"pages/{page}.py").read_text()
    if re.search(r"^SCENES\b", source, re.MULTILINE):
        return list(page_scenes(page))
    if (ROOT / f"app_support/topics/{page}.py").exists():
        topic = importlib.import_module(f"app_support.topics.{page}")
        if hasattr(topic, "SCENES"):
            return [s.key for s in topic.SCENES]
    if "PLAYGROUND_PRESETS" in source:
        return [preset.key for preset in PLAYGROUND_PRESETS]
    assert "page.scenes(" not in source, f"{page}: scenes found nowhere"
    return []


def app_scene_claims(page: str) -> set[str]:
    """The scenes whose claim `tests/app/test_<page>_page.py` checks on the numbers the page
    itself shows: the keys of its module-level `SCENE_CLAIMS` dict."""
    path = ROOT / f"tests/app/test_{page}_page.py"
    if not path.exists():
        return set()
    for node in ast.parse(path.read_text()).body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "SCENE_CLAIMS" for t in node.targets)
            and isinstance(node.value, ast.Dict)
        ):
            return {ast.literal_eval(k) for k in node.value.keys}
    return set()


def test_every_scene_of_every_page_is_checked_here():
    from app_support.navigation import PAGES

    pages = [Path(info.path).stem for info in PAGES if Path(info.path).stem != "home"]
    assert {"playground", "backprop", "depth", "generalization"} <= set(pages)
    tests = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    missing = [
        (page, key)
        for page in pages
        for key in scenes_of(page)
        if f"{page}_{key}" not in tests
        and (page, key) not in NO_NUMERIC_CLAIM
        and key not in app_scene_claims(page)
    ]
    assert not missing
