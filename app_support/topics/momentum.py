"""The momentum page's settings, its lecture scenes, its cached core calls and the quiz's
experiments.

Every number the page shows comes from `optim` (runs through `app_support.core`,
`optim.theory`, `optim.sweeps`) through these functions: plain values in (κ, θ, ε, α),
arrays and dicts out, each wrapped once by `st.cache_data`.

The ravine is ½(x²/κ + y²) turned by θ: its Hessian has the eigenvalues h₁ = 1/κ (along the
floor) and hₙ = 1 (across it), and every run starts START_IN_VALLEY in that eigenbasis.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

import optim
from app_support import alt_text, core
from app_support.presets import Preset, scene
from app_support.urlstate import Setting, log_grid
from landscapes import geometry
from optim import sweeps, theory

PAGE_FILE = "pages/momentum.py"
RAVINE_STEPS = 1024  # fixed (one compilation per optimizer); long enough for GD on the floor
SLOPE_STEPS = 100
SWEEP_STEPS = 1024
SWEEP_ALPHAS = np.linspace(0.0, 0.995, 256)
MAP_SIZE = 160  # (ε, α) grid of the rate map
MAP_LR = (1e-3, 4.0)  # momentum is stable up to ε = (2 + 2α)/hₙ < 4 on the ravine (hₙ = 1)
START_IN_VALLEY = (-4.2, 2.2)  # start: 4.2 along the valley floor, 2.2 up its wall
SLOPE = (1.0, 0.0)  # the constant gradient g of the slope view (‖g‖ = 1)
WITHIN = 0.01  # "arrived" along a direction: within 1 % of its starting error

# The quiz's experiments: fixed settings, so each answer is one cached run.
QUIZ_SLOPE = {"lr": 0.1, "alpha": 0.9}
QUIZ_ZIGZAG = {"kappa": 50.0, "lr": 1.9, "alpha": 0.5}
QUIZ_BORING = {"kappa": 50.0, "lr": 0.05, "alpha": 0.9, "fraction": 0.5, "steps": 1024}
QUIZ_GRADIENT_STEPS = 20

# --- the page's settings (URL parameters) -----------------------------------------------


@dataclasses.dataclass(frozen=True)
class GridSetting(Setting):
    """A select-slider setting over an explicit list of values (the log grid plus the few
    values the lecture scenes need, such as ε = 1.9 just below gradient descent's limit 2)."""

    values: tuple[float, ...] = ()

    def options(self) -> tuple[float, ...]:
        return self.values


LR = dataclasses.replace(
    GridSetting.number("learning_rate", "ε — learning rate", 0.3, *MAP_LR, scale="log"),
    values=tuple(sorted({*log_grid(*MAP_LR, 0.3), 1.8, 1.9})),
)
ALPHA = Setting.from_hyper(
    next(h for h in optim.get_rule("momentum").hypers if h.name == "momentum")
)
KAPPA = Setting.number(
    "kappa",
    "κ — condition number",
    50,
    1,
    1000,
    scale="log",
    help="Ratio of the steepest to the flattest curvature of the ravine.",
)
ANGLE = Setting.number("angle", "θ — rotation of the valley (degrees)", 30, -90, 90, step=5.0)
OPTIMAL = Setting.flag(
    "optimal",
    "Optimum",
    help="Momentum and Nesterov at Goh's optimum (ε*, α*) for this κ, gradient descent at its "
    "own best ε* = 2/(h₁ + hₙ).",
)
RUNS = ("gd", "momentum", "nesterov")
USES_SHOWN = ("ravine", "eigen")  # the views that draw the optimizers chosen in the sidebar
SHOWN = Setting.multichoice(
    "opt",
    "Optimizers on the ravine",
    RUNS,
    RUNS,
    labels={name: optim.get_rule(name).title for name in RUNS},
)
TOL = Setting.number(
    "tol",
    "Tolerance (relative to the starting error)",
    1e-3,
    1e-8,
    0.1,
    scale="log",
    help="Steps until ‖w − w*‖ ≤ tol · ‖w₀ − w*‖ for good.",
)

# --- lecture scenes ------------------------------------------------------------------------

_scene = functools.partial(scene, PAGE_FILE)


SCENES: tuple[Preset, ...] = (
    _scene(
        "lecture",
        "The lecture's α = 0.9 in a ravine",
        "Gradient descent crawls along the flat floor; momentum swings across the valley "
        "but gets along it about nine times sooner (the table under the map: close to "
        "1/(1 − α) = 10); Nesterov brakes the swing.",
        view="ravine",
    ),
    _scene(
        "zigzag",
        "Momentum damps the zig-zag",
        "ε = 1.9, just below gradient descent's limit: it bounces from wall to wall. With "
        "α = 0.5 the bounces cancel in the velocity. (Add Nesterov in the sidebar: its "
        "look-ahead is unstable at this ε.)",
        view="ravine",
        learning_rate="1.9",
        momentum="0.5",
        opt="gd,momentum",
    ),
    _scene(
        "ten_not_two",
        "Ten times, not 1.9 times",
        "On a constant slope the step of momentum grows to ε‖g‖/(1 − α): ten gradient "
        "steps per step for α = 0.9. The 1.9 is only the second step.",
        view="slope",
        learning_rate="0.1",
    ),
    _scene(
        "optimum",
        "Goh's optimum",
        "At (ε*, α*) every direction shrinks at the same rate (√κ − 1)/(√κ + 1): the "
        "minimum of the measured curve sits at α*.",
        view="sweep",
        optimal="1",
        kappa="100",
    ),
    _scene(
        "too_much",
        "Too much momentum",
        "α = 0.99: for every ε in the band (1 − √α)² < εh < (1 + √α)² — here almost all "
        "stable ε — the error spirals in at √α ≈ 0.995 per step, slower than with α = 0.9.",
        view="eigen",
        momentum="0.99",
    ),
)
SCENE_BY_KEY = {scene.key: scene for scene in SCENES}

# --- cached core calls ----------------------------------------------------------------------


def ravine_spec(kappa: float, angle: float) -> core.SurfaceSpec:
    return core.catalogue_spec("ravine", {"kappa": kappa, "angle": angle})


@st.cache_data(max_entries=32, show_spinner=False)
def ravine_basis(kappa: float, angle: float):
    """Hessian eigenvalues (flat first), eigenvectors and the start point of the ravine."""
    surface = core.surface(ravine_spec(kappa, angle))
    minimum = surface.minima[0]
    lams, q = geometry.eigenbasis(surface.loss, minimum)
    start = sweeps.from_eigen_coordinates(minimum, q, START_IN_VALLEY)
    return lams, q, (float(start[0]), float(start[1])), minimum


def run_settings(name: str, lr: float, alpha: float) -> dict[str, float]:
    """`core.trajectory`'s settings: ε for gradient descent, ε and α for the momentum rules."""
    return {"learning_rate": lr} if name == "gd" else {"learning_rate": lr, "momentum": alpha}


@st.cache_data(max_entries=32, show_spinner=False)
def ravine_errors(kappa: float, angle: float, name: str, lr: float, alpha: float):
    """A run on the ravine, and its error along the flat and the steep eigenvector."""
    lams, q, start, minimum = ravine_basis(kappa, angle)
    traj = core.trajectory(
        ravine_spec(kappa, angle), name, start, RAVINE_STEPS, run_settings(name, lr, alpha)
    )
    return traj, sweeps.errors_along(traj.params, minimum, q)


class Arrival(NamedTuple):
    """When a ravine run arrives along each eigen-direction, and how far it zig-zags."""

    diverged: bool
    along: float  # first step from which the error along the floor stays within WITHIN
    across: float  # … and across the valley (∞: not within the run)
    walked: float  # the way walked across the valley, Σₜ |e₂(t + 1) − e₂(t)|


def ravine_arrival(kappa: float, angle: float, name: str, lr: float, alpha: float) -> Arrival:
    """`ravine_errors`' run measured: steps until each error stays within WITHIN of where it
    started, and the way walked across the valley (NaN for a run that diverged)."""
    traj, errors = ravine_errors(kappa, angle, name, lr, alpha)
    if traj.diverged_at is not None:
        return Arrival(True, np.nan, np.nan, np.nan)
    along, across = sweeps.steps_until_within(errors, WITHIN)
    return Arrival(False, along, across, sweeps.distance_travelled(errors)[1])


@st.cache_data(max_entries=32, show_spinner=False)
def predicted_errors(kappa: float, lr: float, alpha: float):
    """The closed-form error along each eigenvector (exact powers of the iteration matrix)."""
    lams, _, _, _ = ravine_basis(kappa, 0.0)
    return np.asarray(theory.eigen_errors(lr, alpha, lams, START_IN_VALLEY, RAVINE_STEPS))


@st.cache_data(max_entries=32, show_spinner=False)
def alpha_sweep(kappa: float, lr: float, tol: float):
    """Measured and predicted steps against α at ε = lr, plus momentum at (ε*, α*) and
    gradient descent at its ε*, all in one batched call (rotation changes none of these
    numbers, so the valley is not rotated here)."""
    lams, _, start, minimum = ravine_basis(kappa, 0.0)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    gd_lr = float(theory.gd_optimal_lr(lams[0], lams[-1]))
    alphas = np.concatenate([SWEEP_ALPHAS, [best_alpha, 0.0]])
    lrs = np.concatenate([np.full(len(SWEEP_ALPHAS), lr), [best_lr, gd_lr]])
    surface = core.surface(ravine_spec(kappa, 0.0))
    measured = sweeps.alpha_sweep(surface.loss, start, minimum, lrs, alphas, tol, SWEEP_STEPS)
    predicted = sweeps.predicted_alpha_sweep(lr, SWEEP_ALPHAS, lams, tol)
    n = len(SWEEP_ALPHAS)
    return measured[:n], predicted, measured[n], measured[n + 1]


@st.cache_data(max_entries=32, show_spinner=False)
def rate_map(kappa: float):
    """ρ over an (α, ε) grid, and the largest stable ε for each α."""
    lams, _, _, _ = ravine_basis(kappa, 0.0)
    lrs = np.geomspace(*MAP_LR, MAP_SIZE)
    alphas = np.linspace(0.0, 0.999, MAP_SIZE)
    rates = np.asarray(theory.momentum_rate_quadratic(lrs[None, :], alphas[:, None], lams))
    boundary = np.asarray(theory.max_stable_lr(lams[-1], alphas))
    return lrs, alphas, rates, boundary


@st.cache_data(max_entries=32, show_spinner=False)
def slope_runs(lr: float, alpha: float, steps: int = SLOPE_STEPS):
    """Gradient descent, momentum and the running-average ("EMA") form on the slope: the
    distance each went downhill and its step lengths."""
    spec = core.catalogue_spec("plane", {"gx": SLOPE[0], "gy": SLOPE[1]})
    runs = {
        "gd": {"learning_rate": lr},
        "momentum": {"learning_rate": lr, "momentum": alpha},
        "ema": {"learning_rate": float(sweeps.ema_learning_rate(lr, alpha)), "momentum": alpha},
    }
    downhill = -np.asarray(SLOPE)
    result = {}
    for key, settings in runs.items():
        rule = "gd" if key == "gd" else "momentum"
        traj = core.trajectory(spec, rule, (0.0, 0.0), steps, settings)
        result[key] = (
            sweeps.progress_along(traj.params, downhill),
            sweeps.step_lengths(traj.params),
        )
    return result


def slope_notice(alpha: float) -> str:
    """What to notice on the slope: how far momentum's step has grown after 1/(1 − α) and
    3/(1 − α) steps, from the closed form 1 − αᵗ."""
    if alpha == 0:
        return "Notice: with α = 0 momentum is gradient descent: every step is ε‖g‖."
    one, three = (max(1, round(k / (1 - alpha))) for k in (1, 3))
    first, third = (float(theory.share_of_terminal_step(alpha, t)) for t in (one, three))
    return (
        f"Notice: momentum's steps keep growing toward the upper line ε‖g‖/(1 − α): after "
        f"1/(1 − α) ≈ {one} steps a step is {first:.0%} of it, after 3/(1 − α) ≈ {three} "
        f"steps {third:.0%} (a step is the share 1 − αᵗ of the limit)."
    )


@st.cache_data(max_entries=32, show_spinner=False)
def quiz_gradient_counts():
    """Gradient evaluations of momentum and Nesterov in QUIZ_GRADIENT_STEPS steps."""
    _, _, start_point, _ = ravine_basis(50.0, 0.0)
    surface = core.surface(ravine_spec(50.0, 0.0))
    return {
        name: sweeps.gradient_evaluations(
            surface.loss, start_point, name, QUIZ_GRADIENT_STEPS, learning_rate=0.3, momentum=0.9
        )[0]
        for name in ("momentum", "nesterov")
    }


@st.cache_data(max_entries=32, show_spinner=False)
def quiz_boring_steps():
    """Steps until the error along the flat direction has halved for good, GD and momentum."""
    k, lr_q, alpha_q = QUIZ_BORING["kappa"], QUIZ_BORING["lr"], QUIZ_BORING["alpha"]
    _, q_q, start_q, minimum_q = ravine_basis(k, 0.0)
    spec = ravine_spec(k, 0.0)
    result = {}
    for name in ("gd", "momentum"):
        traj = core.trajectory(
            spec, name, start_q, QUIZ_BORING["steps"], run_settings(name, lr_q, alpha_q)
        )
        errors = sweeps.errors_along(traj.params, minimum_q, q_q)
        result[name] = sweeps.steps_until_within(errors, QUIZ_BORING["fraction"])
    return result


EIGEN_EXPLAIN = (
    "On a quadratic the two eigen-directions of the Hessian do not interact: each error "
    "evolves on its own, by powers of the 2×2 iteration matrix. Left: along the valley "
    "floor (small curvature, the “boring” direction). Right: across it."
)


def steps_text(value: float, budget: int = RAVINE_STEPS) -> str:
    """A measured step count, or "> budget" for a run that did not get there."""
    return f"> {budget}" if not np.isfinite(value) else f"{value:.0f}"


# --- text alternatives of the charts (their numbers as the page's metrics show them) ---------


def step_lengths_alt(gd_steps, momentum_steps, speedup: float) -> str:
    """The slope's step lengths: momentum's against gradient descent's at the second and the
    last step, and the limit 1/(1 − α)."""
    return alt_text.chart(
        "Step length against the step on a constant slope, gradient descent and momentum",
        f"Gradient descent steps {alt_text.number(gd_steps[-1], 4)} every time; momentum's "
        f"second step is × {momentum_steps[1] / gd_steps[1]:.3g} that, step "
        f"{len(gd_steps) - 1} × {momentum_steps[-1] / gd_steps[-1]:.4g}; the limit "
        f"1/(1 − α) is × {speedup:.4g}.",
    )


def sweep_alt(best_lr: float, best_alpha: float, at_optima: str) -> str:
    """The α sweep: Goh's optimum and the steps measured there."""
    return alt_text.chart(
        "Steps to the tolerance against α on the ravine, measured and predicted",
        f"Goh's optimum ε* = {best_lr:.3g}, α* = {best_alpha:.3g}; measured at the optima, "
        f"momentum against gradient descent: {at_optima}.",
    )


def rate_map_alt(current: float, optimum: float, gd: float) -> str:
    """The rate map: ρ at the chosen (ε, α), at Goh's optimum and for gradient descent."""
    return alt_text.chart(
        "Map of the convergence rate ρ over ε and α",
        f"ρ at the current (ε, α) {current:.4f}, at Goh's optimum {optimum:.4f}, of gradient "
        f"descent at its best ε {gd:.4f}.",
    )


def eigen_alt(arrivals: dict) -> str:
    """The eigen-direction errors' text alternative: when each run's error along the floor and
    across the valley stays within 1 % (`ravine_arrival` by title; NaN: diverged)."""
    return alt_text.chart(
        "Error along each eigen-direction of the ravine against the step, measured and predicted",
        "Along the floor: "
        + alt_text.arrivals([(t, a.along) for t, a in arrivals.items()], "1 %", RAVINE_STEPS),
        "Across the valley: "
        + alt_text.arrivals([(t, a.across) for t, a in arrivals.items()], "1 %", RAVINE_STEPS),
    )


# The quiz: (key, statement, answer, options); the page runs each answer's experiment.
QUIZ = (
    (
        "speedup",
        "With α = 0.9, the largest speed-up of momentum over gradient descent is a factor of …",
        "10",
        ("1.9", "10"),
    ),
    (
        "nesterov",
        "Nesterov momentum needs twice as many gradient evaluations per step as plain momentum.",
        "false",
        ("true", "false"),
    ),
    ("oscillations", "Momentum suppresses oscillations.", "true", ("true", "false")),
    (
        "boring",
        "Momentum speeds up progress along “boring” (flat, consistent) directions.",
        "true",
        ("true", "false"),
    ),
)
