"""Momentum: why it helps, by how much, and where the lecture's numbers come from.

Views (one at a time, each a few large figures): a constant slope (momentum's steps grow to
ε‖g‖/(1 − α)), a ravine (gradient descent, momentum and Nesterov; oscillation across the
valley, progress along it), steps to a tolerance against α (hundreds of runs in one batched
call, against the spectral-radius prediction), the rate map over (ε, α), the error along the
Hessian's two eigen-directions, and the lecture's quiz questions, each answered by a run.
Every number shown comes from `optim` (runs, `optim.theory`, `optim.sweeps`); the page only
wires widgets to it. Every setting lives in the URL.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import streamlit as st

import optim
from app_support import core, notation
from app_support.caching import cached
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.presets import Preset, scene
from app_support.quiz import quiz_box
from app_support.urlstate import Setting, format_number, load_url, log_grid
from landscapes import geometry
from optim import sweeps, theory
from viz import momentum as figures
from viz.contour import contour_figure
from viz.paths import OptimizerPath

PAGE = "momentum"
RAVINE_STEPS = 1024  # fixed (one compilation per optimizer); long enough for GD on the floor
SLOPE_STEPS = 100
SWEEP_STEPS = 1024
SWEEP_ALPHAS = np.linspace(0.0, 0.995, 256)
MAP_SIZE = 160  # (ε, α) grid of the rate map
MAP_LR = (1e-3, 4.0)  # momentum is stable up to ε = (2 + 2α)/hₙ < 4 on the ravine (hₙ = 1)
GRID = 150
START_IN_VALLEY = (-4.2, 2.2)  # start: 4.2 along the valley floor, 2.2 up its wall
SLOPE = (1.0, 0.0)  # the constant gradient g of the slope view (‖g‖ = 1)
WITHIN = 0.01  # "arrived" along a direction: within 1 % of its starting error
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "momentum"}}


@dataclasses.dataclass(frozen=True)
class GridSetting(Setting):
    """A select-slider setting over an explicit list of values (the log grid plus the few
    values the lecture scenes need, such as ε = 1.9 just below gradient descent's limit 2)."""

    values: tuple[float, ...] = ()

    def options(self) -> tuple[float, ...]:
        return self.values


VIEWS = {
    "slope": "Constant slope",
    "ravine": "Ravine",
    "sweep": "Steps against α",
    "map": "Rate map",
    "eigen": "Eigen-directions",
    "quiz": "Quiz",
}
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


_scene = functools.partial(scene, "pages/momentum.py")


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

page = page_setup(PAGE, "Momentum", icon="🛷")
state = page.state

# --- core calls, cached (plain values in, arrays out) -------------------------------------


def ravine_spec(kappa: float, angle: float) -> core.SurfaceSpec:
    return core.catalogue_spec("ravine", {"kappa": kappa, "angle": angle})


def ravine_basis(kappa: float, angle: float):
    """Hessian eigenvalues (flat first), eigenvectors and the start point of the ravine."""
    surface = core.surface(ravine_spec(kappa, angle))
    minimum = surface.minima[0]
    lams, q = geometry.eigenbasis(surface.loss, minimum)
    start = sweeps.from_eigen_coordinates(minimum, q, START_IN_VALLEY)
    return lams, q, (float(start[0]), float(start[1])), minimum


def hyper_settings(name: str, lr: float, alpha: float) -> tuple:
    return (
        (("learning_rate", lr),) if name == "gd" else (("learning_rate", lr), ("momentum", alpha))
    )


def ravine_errors(kappa: float, angle: float, name: str, lr: float, alpha: float):
    """A run on the ravine, and its error along the flat and the steep eigenvector."""
    lams, q, start, minimum = cached(ravine_basis)(kappa, angle)
    traj = core.trajectory(
        ravine_spec(kappa, angle), name, start, RAVINE_STEPS, hyper_settings(name, lr, alpha)
    )
    return traj, sweeps.errors_along(traj.params, minimum, q)


def predicted_errors(kappa: float, lr: float, alpha: float):
    """The closed-form error along each eigenvector (exact powers of the iteration matrix)."""
    lams, _, _, _ = cached(ravine_basis)(kappa, 0.0)
    return np.asarray(theory.eigen_errors(lr, alpha, lams, START_IN_VALLEY, RAVINE_STEPS))


def alpha_sweep(kappa: float, lr: float, tol: float):
    """Measured and predicted steps against α at ε = lr, plus momentum at (ε*, α*) and
    gradient descent at its ε*, all in one batched call (rotation changes none of these
    numbers, so the valley is not rotated here)."""
    lams, _, start, minimum = cached(ravine_basis)(kappa, 0.0)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    gd_lr = float(theory.gd_optimal_lr(lams[0], lams[-1]))
    alphas = np.concatenate([SWEEP_ALPHAS, [best_alpha, 0.0]])
    lrs = np.concatenate([np.full(len(SWEEP_ALPHAS), lr), [best_lr, gd_lr]])
    surface = core.surface(ravine_spec(kappa, 0.0))
    measured = sweeps.alpha_sweep(surface.loss, start, minimum, lrs, alphas, tol, SWEEP_STEPS)
    predicted = sweeps.predicted_alpha_sweep(lr, SWEEP_ALPHAS, lams, tol)
    n = len(SWEEP_ALPHAS)
    return measured[:n], predicted, measured[n], measured[n + 1]


def rate_map(kappa: float):
    """ρ over an (α, ε) grid, and the largest stable ε for each α."""
    lams, _, _, _ = cached(ravine_basis)(kappa, 0.0)
    lrs = np.geomspace(*MAP_LR, MAP_SIZE)
    alphas = np.linspace(0.0, 0.999, MAP_SIZE)
    rates = np.asarray(theory.momentum_rate_quadratic(lrs[None, :], alphas[:, None], lams))
    boundary = np.asarray(theory.max_stable_lr(lams[-1], alphas))
    return lrs, alphas, rates, boundary


def slope_runs(lr: float, alpha: float, steps: int = SLOPE_STEPS):
    """Gradient descent, momentum and the running-average ("EMA") form on the slope: the
    distance each went downhill and its step lengths."""
    spec = core.catalogue_spec("plane", {"gx": SLOPE[0], "gy": SLOPE[1]})
    runs = {
        "gd": (("learning_rate", lr),),
        "momentum": (("learning_rate", lr), ("momentum", alpha)),
        "ema": (("learning_rate", float(sweeps.ema_learning_rate(lr, alpha))), ("momentum", alpha)),
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


# --- controls ------------------------------------------------------------------------------

page.scenes(SCENES)
page.notation(notation.ROWS[PAGE])

view = state.widget(
    Setting.choice("view", "Experiment", "ravine", tuple(VIEWS), labels=VIEWS, widget="segmented")
)
# Every control is drawn in every view (a widget left out of a run would lose its value and
# drop out of the link); those the view does not use are greyed out.
optimal = bool(state.peek(OPTIMAL))
quiz = view == "quiz"
controls = st.columns([3, 3, 3, 3, 2], vertical_alignment="bottom")
lr_chosen = state.widget(LR, controls[0], disabled=optimal or quiz)
alpha_chosen = state.widget(ALPHA, controls[1], disabled=optimal or quiz)
kappa = state.widget(KAPPA, controls[2], disabled=quiz or (view == "slope" and not optimal))
angle = state.widget(ANGLE, controls[3], disabled=view not in ("ravine", "eigen"))
state.widget(OPTIMAL, controls[4], disabled=quiz)
shown = state.widget(SHOWN, st.sidebar, disabled=view not in USES_SHOWN)
tol = state.widget(TOL, st.sidebar, disabled=view != "sweep")

lams, q, start, minimum = cached(ravine_basis)(kappa, angle)
if optimal:
    lr, alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    lr_gd = float(theory.gd_optimal_lr(lams[0], lams[-1]))
    st.caption(
        f"Goh's optimum for κ = {format_number(kappa)}: momentum and Nesterov at "
        f"ε* = {lr:.4g}, α* = {alpha:.4g}; gradient descent at its ε* = {lr_gd:.4g}."
    )
else:
    lr, alpha, lr_gd = lr_chosen, alpha_chosen, lr_chosen
LRS = {"gd": lr_gd, "momentum": lr, "nesterov": lr}
TITLES = {name: optim.get_rule(name).title for name in LRS}


def report_divergence(traj, name: str) -> None:
    if traj.diverged_at is not None:
        used = f"ε = {LRS[name]:.4g}" + ("" if name == "gd" else f", α = {alpha:.4g}")
        st.error(
            f"**{TITLES[name]} diverged at step {traj.diverged_at}** ({used}). Its path "
            "is drawn up to its last finite point.",
            icon="💥",
        )


def explain_flat_and_steep() -> tuple[str, str]:
    return (f"flat: h₁ = 1/κ = {lams[0]:.3g}", f"steep: hₙ = {lams[-1]:.3g}")


# --- views -----------------------------------------------------------------------------------


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


def slope_view() -> None:
    page.explain(
        "A tilted plane has the same gradient g everywhere. Gradient descent takes the same "
        "step ε‖g‖ again and again; momentum adds each new gradient to a velocity that keeps "
        "most of the old one (v ← αv − εg), so its steps grow."
    )
    runs = cached(slope_runs)(lr, alpha)
    race = figures.slope_race_figure(
        [
            figures.Series("gd", TITLES["gd"], runs["gd"][0]),
            figures.Series("momentum", f"Momentum, α = {alpha:.3g}", runs["momentum"][0]),
        ],
        look=page.look,
    )
    plotly_chart(
        race,
        key=f"{PAGE}.race",
        look=page.look,
        config=PLOT_CONFIG,
    )
    terminal = float(theory.terminal_velocity(lr, alpha, np.linalg.norm(SLOPE)))
    speedup = float(theory.momentum_speedup(alpha))
    plotly_chart(
        figures.step_length_figure(
            [
                figures.Series("gd", TITLES["gd"], runs["gd"][1]),
                figures.Series("momentum", "Momentum", runs["momentum"][1]),
            ],
            np.asarray(theory.step_lengths_on_slope(lr, alpha, np.linalg.norm(SLOPE), SLOPE_STEPS)),
            gd_step=lr * float(np.linalg.norm(SLOPE)),
            terminal_step=terminal,
            speedup=speedup,
            look=page.look,
        ),
        key=f"{PAGE}.step_lengths",
        look=page.look,
        config=PLOT_CONFIG,
    )
    gd_steps, momentum_steps = runs["gd"][1], runs["momentum"][1]
    numbers = st.columns(3)
    numbers[0].metric(
        "Second step, momentum / GD",
        f"× {momentum_steps[1] / gd_steps[1]:.3g}",
        help="1 + α: the velocity holds one old gradient.",
    )
    numbers[1].metric(
        f"Step {SLOPE_STEPS}, momentum / GD",
        f"× {momentum_steps[-1] / gd_steps[-1]:.4g}",
        help="Measured in the run.",
    )
    numbers[2].metric(
        "Limit 1/(1 − α)",
        f"× {speedup:.4g}",
        help="The step tends to ε‖g‖/(1 − α): the geometric sum 1 + α + α² + …",
    )
    st.caption(slope_notice(alpha))

    ema_last = runs["ema"][1][-1]
    with st.expander("Conventions: three ways textbooks write momentum", expanded=False):
        st.markdown(
            "The lecture writes **v ← αv − ε∇E, w ← w + v**. Many papers write "
            "**v ← βv + η∇E, w ← w − v**: the same rule, with v of the opposite sign. A third "
            "form keeps a running average of the gradients, **v ← αv + (1 − α)g, "
            "w ← w − ε′v**. It is the lecture's rule with ε = ε′(1 − α): the average never "
            "grows beyond the gradient itself, so on a slope its step tends to ε′‖g‖ — the "
            "step of plain gradient descent — and there is no 1/(1 − α) speed-up. Tuning it, "
            "one raises ε′ instead."
        )
        st.markdown(
            f"Measured on this slope after {SLOPE_STEPS} steps, α = {alpha:.3g}: the "
            f"lecture's form with ε = {lr:.3g} steps **{momentum_steps[-1]:.4g}**; the "
            f"running-average form with ε′ = {lr:.3g} steps **{ema_last:.4g}** "
            f"(gradient descent: {gd_steps[-1]:.4g})."
        )


def ask_for_runs() -> None:
    if not shown:
        st.info("Choose at least one optimizer in the sidebar.", icon="👈")


def ravine_view() -> None:
    ask_for_runs()
    spec = ravine_spec(kappa, angle)
    surface = core.surface(spec)
    page.explain(
        f"**{surface.title}.** Curvature {lams[0]:.3g} along the valley floor, "
        f"{lams[-1]:.3g} across it. Gradient descent must keep ε below 2/hₙ to stay "
        "stable across the valley, and then crawls along the floor; momentum keeps the "
        "consistent part of the gradient (along the floor) and cancels the part that flips "
        "sign (across it)."
    )
    # Drawn bottom to top: Nesterov, gradient descent (often on the same route, but shorter),
    # momentum (inside gradient descent's zig-zag); the legend keeps the lecture's order.
    paths = []
    for name in sorted(shown, key=("nesterov", "gd", "momentum").index):
        traj, _ = cached(ravine_errors)(kappa, angle, name, LRS[name], alpha)
        report_divergence(traj, name)
        paths.append(OptimizerPath.from_trajectory(traj, TITLES[name]))
    xs, ys, Z = core.grid(spec, GRID)
    fig = contour_figure(
        xs,
        ys,
        Z,
        paths,
        look=page.look,
        minima=surface.minima,
        start=start,
    )
    for trace in fig.data:
        if trace.legendgroup in RUNS:  # before the markers' entries (rank 1000)
            trace.legendrank = 1 + RUNS.index(trace.legendgroup)
    axes = figures.eigen_axes(
        minimum, q, explain_flat_and_steep(), 0.45 * (xs[-1] - xs[0]), page.look
    )
    fig.update_layout(
        shapes=[*fig.layout.shapes, *axes["shapes"]],
        annotations=[*fig.layout.annotations, *axes["annotations"]],
    )
    plotly_chart(
        fig,
        key=f"{PAGE}.ravine",
        look=page.look,
        config=PLOT_CONFIG,
    )
    st.caption(
        "Notice: across the valley (dotted axis) gradient descent settles or bounces; "
        "along it (dashed axis) momentum covers the distance in far fewer steps. "
        "▶ Play moves every run together."
    )
    eigen_table()


EIGEN_TABLE_HEAD = (
    "| | along the floor: steps to 1 % | across: steps to 1 % | way walked across the valley |\n"
    "|:--|--:|--:|--:|\n"
)


def eigen_table() -> None:
    """Per run: steps until each eigen-direction's error stays within 1 %, and the way
    walked across the valley (a Markdown table: large on a projector, cheap to send); then
    how many times sooner momentum arrives along the floor than gradient descent."""
    rows, along_floor = [], {}
    for name in shown:
        traj, errors = cached(ravine_errors)(kappa, angle, name, LRS[name], alpha)
        if traj.diverged_at is not None:
            rows.append(f"| {TITLES[name]} | diverged | diverged | — |")
            continue
        along, across = sweeps.steps_until_within(errors, WITHIN)
        along_floor[name] = along
        walked = sweeps.distance_travelled(errors)[1]
        height = walked / abs(START_IN_VALLEY[1])
        rows.append(
            f"| {TITLES[name]} | {_steps(along)} | {_steps(across)} | "
            f"{walked:.3g} ({height:.2g}× the start's height) |"
        )
    if not rows:
        return
    st.markdown(EIGEN_TABLE_HEAD + "\n".join(rows))
    gd, momentum = along_floor.get("gd", np.inf), along_floor.get("momentum", np.inf)
    if np.isfinite(gd) and np.isfinite(momentum) and momentum > 0:
        st.markdown(
            f"Along the floor momentum arrives **{gd / momentum:.1f}× sooner** than gradient "
            f"descent ({momentum:.0f} steps against {gd:.0f})."
        )
    page.explain(
        f"Measured in the {RAVINE_STEPS}-step runs above: the first step from which "
        "the error along each eigenvector stays within 1 % of where it started, and "
        "the total distance walked across the valley (one approach walks the start's "
        "height once; a zig-zag walks it many times)."
    )


def _steps(value: float) -> str:
    return f"> {RAVINE_STEPS}" if not np.isfinite(value) else f"{value:.0f}"


def sweep_view() -> None:
    measured, predicted, at_optimum, gd_at_optimum = cached(alpha_sweep)(kappa, lr, tol)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    best_rate = float(theory.momentum_optimal_rate(kappa))
    gd_rate = float(theory.gd_optimal_rate(kappa))
    page.explain(
        f"{len(SWEEP_ALPHAS)} runs on the ravine, one per α, all at ε = {lr:.3g}, in one "
        "batched call. Each dot is the measured number of steps until the error stays "
        "within the tolerance; the dashed line is the prediction ⌈log tol / log ρ⌉ from the "
        "spectral radius ρ of the iteration matrix — its largest eigenvalue in size, the "
        "factor by which the slowest error shrinks per step."
    )
    plotly_chart(
        figures.alpha_sweep_figure(
            SWEEP_ALPHAS,
            measured,
            predicted,
            budget=SWEEP_STEPS,
            current_alpha=alpha,
            optimal_alpha=best_alpha,
            optimal_steps=float(theory.steps_to_tolerance(best_rate, tol)),
            gd_optimal_steps=float(theory.steps_to_tolerance(gd_rate, tol)),
            look=page.look,
        ),
        key=f"{PAGE}.sweep",
        look=page.look,
        config=PLOT_CONFIG,
    )
    numbers = st.columns(5)
    numbers[0].metric("Goh's ε*", f"{best_lr:.3g}", help="(2/(√h₁ + √hₙ))²")
    numbers[1].metric("Goh's α*", f"{best_alpha:.3g}", help="((√κ − 1)/(√κ + 1))²")
    numbers[2].metric("ρ of momentum at (ε*, α*)", f"{best_rate:.4f}", help="(√κ − 1)/(√κ + 1)")
    numbers[3].metric("ρ of GD at its ε*", f"{gd_rate:.4f}", help="(κ − 1)/(κ + 1)")
    numbers[4].metric(
        "Measured at the optima",
        f"{_sweep_steps(at_optimum)} vs {_sweep_steps(gd_at_optimum)}",
        help="Steps of momentum at (ε*, α*) vs gradient descent at its ε*: same "
        "start, same tolerance.",
    )
    st.caption(
        "Notice: the prediction follows the dots except near the kinks, where the two "
        "roots of the iteration matrix meet: there the error shrinks like t·ρᵗ, slower "
        "than ρᵗ — and at (ε*, α*) the roots meet in both directions. The best α depends "
        "on ε; at ε* it is α*."
    )


def _sweep_steps(value: float) -> str:
    return f"> {SWEEP_STEPS}" if not np.isfinite(value) else f"{value:.0f}"


def map_view() -> None:
    lrs, alphas, rates, boundary = cached(rate_map)(kappa)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    page.explain(
        "The rate ρ is how much the slowest direction's error shrinks per step (smaller is "
        "faster). Bright: fast. Grey: ρ ≥ 1, the run diverges — beyond the dashed line "
        "εhₙ = 2 + 2α, so momentum tolerates learning rates up to 1 + α times larger."
    )
    plotly_chart(
        figures.rate_map_figure(
            lrs,
            alphas,
            rates,
            boundary=boundary,
            current=(lr, alpha),
            optimum=(best_lr, best_alpha),
            gd_optimum=float(theory.gd_optimal_lr(lams[0], lams[-1])),
            look=page.look,
        ),
        key=f"{PAGE}.map",
        look=page.look,
        config=PLOT_CONFIG,
    )
    numbers = st.columns(3)
    current_rate = float(theory.momentum_rate_quadratic(lr, alpha, lams))
    numbers[0].metric("ρ at the current (ε, α)", f"{current_rate:.4f}")
    numbers[1].metric(
        "ρ at Goh's optimum",
        f"{float(theory.momentum_optimal_rate(kappa)):.4f}",
        help="(√κ − 1)/(√κ + 1) = √α*",
    )
    numbers[2].metric(
        "ρ of GD at its best ε",
        f"{float(theory.gd_optimal_rate(kappa)):.4f}",
        help="(κ − 1)/(κ + 1)",
    )
    st.caption(
        "Notice: the bright ridge bends toward large α as ε shrinks; the star sits where "
        "both directions shrink equally fast."
    )


def eigen_view() -> None:
    page.explain(
        "On a quadratic the two eigen-directions of the Hessian do not interact: each error "
        "evolves on its own, by powers of the 2×2 iteration matrix. Left: along the valley "
        "floor (small curvature, the “boring” direction). Right: across it."
    )
    ask_for_runs()
    measured, predicted = [], []
    for name in shown:
        traj, errors = cached(ravine_errors)(kappa, angle, name, LRS[name], alpha)
        report_divergence(traj, name)
        measured.append(figures.Series(name, TITLES[name], errors))
    for name, used_alpha in (("gd", 0.0), ("momentum", alpha)):
        if name not in shown:
            continue
        predicted.append(
            figures.Series(
                name, TITLES[name], cached(predicted_errors)(kappa, LRS[name], used_alpha)
            )
        )
    flat, steep = explain_flat_and_steep()
    plotly_chart(
        figures.eigen_errors_figure(
            measured,
            predicted,
            titles=(f"along the floor ({flat})", f"across the valley ({steep})"),
            look=page.look,
        ),
        key=f"{PAGE}.eigen",
        look=page.look,
        config=PLOT_CONFIG,
    )
    st.caption(
        "Notice: along the floor momentum gets to zero far sooner (it speeds up the "
        "boring direction); across, a sign flip every step is a zig-zag, a slow swing "
        "is momentum's spiral, which Nesterov damps."
    )
    eigen_table()


# --- the quiz ---------------------------------------------------------------------------------

QUIZ_SLOPE = {"lr": 0.1, "alpha": 0.9}
QUIZ_ZIGZAG = {"kappa": 50.0, "lr": 1.9, "alpha": 0.5}
QUIZ_BORING = {"kappa": 50.0, "lr": 0.05, "alpha": 0.9, "fraction": 0.5, "steps": 1024}
QUIZ_GRADIENT_STEPS = 20


def quiz_gradient_counts():
    """Gradient evaluations of momentum and Nesterov in QUIZ_GRADIENT_STEPS steps."""
    _, _, start_point, _ = cached(ravine_basis)(50.0, 0.0)
    surface = core.surface(ravine_spec(50.0, 0.0))
    return {
        name: sweeps.gradient_evaluations(
            surface.loss, start_point, name, QUIZ_GRADIENT_STEPS, learning_rate=0.3, momentum=0.9
        )[0]
        for name in ("momentum", "nesterov")
    }


def quiz_boring_steps():
    """Steps until the error along the flat direction has halved for good, GD and momentum."""
    k, lr_q, alpha_q = QUIZ_BORING["kappa"], QUIZ_BORING["lr"], QUIZ_BORING["alpha"]
    lams_q, q_q, start_q, minimum_q = cached(ravine_basis)(k, 0.0)
    spec = ravine_spec(k, 0.0)
    result = {}
    for name in ("gd", "momentum"):
        traj = core.trajectory(
            spec, name, start_q, QUIZ_BORING["steps"], hyper_settings(name, lr_q, alpha_q)
        )
        errors = sweeps.errors_along(traj.params, minimum_q, q_q)
        result[name] = sweeps.steps_until_within(errors, QUIZ_BORING["fraction"])
    return result


def quiz_speedup() -> None:
    runs = cached(slope_runs)(QUIZ_SLOPE["lr"], QUIZ_SLOPE["alpha"])
    gd_steps, momentum_steps = runs["gd"][1], runs["momentum"][1]
    columns = st.columns(3)
    columns[0].metric("Step 2: momentum / GD", f"× {momentum_steps[1] / gd_steps[1]:.3g}")
    columns[1].metric(
        f"Step {SLOPE_STEPS}: momentum / GD", f"× {momentum_steps[-1] / gd_steps[-1]:.4g}"
    )
    columns[2].metric("1/(1 − α)", f"× {float(theory.momentum_speedup(QUIZ_SLOPE['alpha'])):.3g}")
    st.markdown(
        f"Both runs on a constant slope, ε = {QUIZ_SLOPE['lr']}, α = {QUIZ_SLOPE['alpha']}. "
        "1.9 = 1 + α is only the second step, when the velocity holds one old gradient. The "
        "velocity keeps a geometric sum 1 + α + α² + … of all past gradients, which tends to "
        "1/(1 − α) = 10."
    )


def quiz_nesterov() -> None:
    counts = cached(quiz_gradient_counts)()
    columns = st.columns(2)
    for column, name in zip(columns, ("momentum", "nesterov"), strict=True):
        column.metric(f"{TITLES[name]}: gradients in {QUIZ_GRADIENT_STEPS} steps", counts[name])
    st.markdown(
        "Counted by running each rule step by step with a gradient that counts its calls. "
        "Nesterov evaluates its one gradient at the look-ahead point w + αv instead of at w:"
    )
    st.latex(optim.get_rule("nesterov").latex)


def quiz_oscillations() -> None:
    k, lr_q, alpha_q = QUIZ_ZIGZAG["kappa"], QUIZ_ZIGZAG["lr"], QUIZ_ZIGZAG["alpha"]
    columns = st.columns(2)
    for column, name in zip(columns, ("gd", "momentum"), strict=True):
        traj, errors = cached(ravine_errors)(k, 0.0, name, lr_q, alpha_q)
        walked = sweeps.distance_travelled(errors)[1]
        across = sweeps.steps_until_within(errors, WITHIN)[1]
        column.metric(
            f"{TITLES[name]}: way walked across the valley",
            f"{walked:.3g}",
            help=f"Start {abs(START_IN_VALLEY[1])} up the wall.",
        )
        column.caption(f"Across the valley within 1 % from step {_steps(across)}.")
    st.markdown(
        f"Ravine κ = {k:g}, ε = {lr_q} (just below gradient descent's limit 2 across the "
        f"valley), α = {alpha_q}, {RAVINE_STEPS} steps. Gradient descent bounces from wall "
        "to wall; in momentum's velocity the gradients of successive bounces point in "
        "opposite directions and cancel."
    )
    st.button(
        "Show this in the ravine",
        key=f"{PAGE}.quiz.show_zigzag",
        on_click=load_url,
        args=(SCENE_BY_KEY["zigzag"].params,),
    )


def quiz_boring() -> None:
    steps = cached(quiz_boring_steps)()
    gd_along, momentum_along = steps["gd"][0], steps["momentum"][0]
    columns = st.columns(3)
    columns[0].metric("GD: steps along the floor", f"{gd_along:.0f}")
    columns[1].metric("Momentum: steps along the floor", f"{momentum_along:.0f}")
    columns[2].metric("Speed-up", f"× {gd_along / momentum_along:.3g}")
    st.markdown(
        f"Ravine κ = {QUIZ_BORING['kappa']:g}, ε = {QUIZ_BORING['lr']}, α = "
        f"{QUIZ_BORING['alpha']}: steps until the error along the flat direction has halved. "
        "The gradient along the floor is small but always points the same way, so the "
        "velocity accumulates it: on a floor this flat momentum is almost on a constant "
        "slope, and the speed-up is close to 1/(1 − α) = 10."
    )


def quiz_view() -> None:
    page.explain("Answer first; each answer runs the experiment that settles it.")
    quiz_box(
        PAGE,
        "speedup",
        "With α = 0.9, the largest speed-up of momentum over gradient descent is a factor of …",
        "10",
        quiz_speedup,
        options=("1.9", "10"),
    )
    quiz_box(
        PAGE,
        "nesterov",
        "Nesterov momentum needs twice as many gradient evaluations per step as plain momentum.",
        "false",
        quiz_nesterov,
        options=("true", "false"),
    )
    quiz_box(
        PAGE,
        "oscillations",
        "Momentum suppresses oscillations.",
        "true",
        quiz_oscillations,
        options=("true", "false"),
    )
    quiz_box(
        PAGE,
        "boring",
        "Momentum speeds up progress along “boring” (flat, consistent) directions.",
        "true",
        quiz_boring,
        options=("true", "false"),
    )


{
    "slope": slope_view,
    "ravine": ravine_view,
    "sweep": sweep_view,
    "map": map_view,
    "eigen": eigen_view,
    "quiz": quiz_view,
}[view]()

page.share_link()
state.finish()
