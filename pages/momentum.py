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

import numpy as np
import streamlit as st

import optim
from app_support import alt_text, core, notation
from app_support.chart_view import chart_view
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.topics import momentum as topic
from app_support.topics.momentum import steps_text
from app_support.urlstate import Setting, format_number, load_url
from optim import theory
from viz import momentum as figures
from viz.paths import OptimizerPath

PAGE = "momentum"
GRID = 150
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "momentum"}}


VIEWS = {
    "slope": "Constant slope",
    "ravine": "Ravine",
    "sweep": "Steps against α",
    "map": "Rate map",
    "eigen": "Eigen-directions",
    "quiz": "Quiz",
}

page = page_setup(PAGE, "Momentum", icon="🛷")
state = page.state
kept_view = chart_view(state, f"{PAGE}.ravine")  # the ravine map's zoom and step, in the URL

# --- controls ------------------------------------------------------------------------------

page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])

panel = page.controls_panel()
view = state.widget(
    Setting.choice("view", "Experiment", "ravine", tuple(VIEWS), labels=VIEWS, widget="segmented"),
    panel,
)
# Every control is drawn in every view (a widget left out of a run would lose its value and
# drop out of the link); those the view does not use are greyed out.
optimal = bool(state.peek(topic.OPTIMAL))
quiz = view == "quiz"
controls = panel.columns([3, 3, 3, 3, 2], vertical_alignment="bottom")
lr_chosen = state.widget(topic.LR, controls[0], disabled=optimal or quiz)
alpha_chosen = state.widget(topic.ALPHA, controls[1], disabled=optimal or quiz)
kappa = state.widget(topic.KAPPA, controls[2], disabled=quiz or (view == "slope" and not optimal))
angle = state.widget(topic.ANGLE, controls[3], disabled=view not in ("ravine", "eigen"))
state.widget(topic.OPTIMAL, controls[4], disabled=quiz)
shown = state.widget(topic.SHOWN, st.sidebar, disabled=view not in topic.USES_SHOWN)
tol = state.widget(topic.TOL, st.sidebar, disabled=view != "sweep")

lams, q, start, minimum = topic.ravine_basis(kappa, angle)
flat_and_steep = (f"flat: h₁ = 1/κ = {lams[0]:.3g}", f"steep: hₙ = {lams[-1]:.3g}")
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


def chart(fig, key: str, alt: str | None = None, view=None) -> None:
    plotly_chart(fig, key=f"{PAGE}.{key}", look=page.look, config=PLOT_CONFIG, alt=alt, view=view)


def report_divergence(traj, name: str) -> None:
    if traj.diverged_at is not None:
        used = f"ε = {LRS[name]:.4g}" + ("" if name == "gd" else f", α = {alpha:.4g}")
        st.error(
            f"**{TITLES[name]} diverged at step {traj.diverged_at}** ({used}). Its path "
            "is drawn up to its last finite point.",
            icon="💥",
        )


# --- views -----------------------------------------------------------------------------------


def slope_view() -> None:
    page.explain(
        "A tilted plane has the same gradient g everywhere. Gradient descent takes the same "
        "step ε‖g‖ again and again; momentum adds each new gradient to a velocity that keeps "
        "most of the old one (v ← αv − εg), so its steps grow."
    )
    runs = topic.slope_runs(lr, alpha)
    race = figures.slope_race_figure(
        [
            figures.Series("gd", TITLES["gd"], runs["gd"][0]),
            figures.Series("momentum", f"Momentum, α = {alpha:.3g}", runs["momentum"][0]),
        ],
        look=page.look,
    )
    gd_travel, momentum_travel = runs["gd"][0][-1], runs["momentum"][0][-1]
    chart(
        race,
        "race",
        alt=f"Race down a constant slope, one row per run, a dot per step: after "
        f"{len(runs['gd'][0]) - 1} steps gradient descent is {gd_travel:.4g} downhill, "
        f"momentum (α = {alpha:.3g}) {momentum_travel:.4g}.",
    )
    slope = np.linalg.norm(topic.SLOPE)  # ‖g‖
    terminal = float(theory.terminal_velocity(lr, alpha, slope))
    speedup = float(theory.momentum_speedup(alpha))
    chart(
        figures.step_length_figure(
            [
                figures.Series("gd", TITLES["gd"], runs["gd"][1]),
                figures.Series("momentum", "Momentum", runs["momentum"][1]),
            ],
            np.asarray(theory.step_lengths_on_slope(lr, alpha, slope, topic.SLOPE_STEPS)),
            gd_step=lr * float(slope),
            terminal_step=terminal,
            speedup=speedup,
            look=page.look,
        ),
        "step_lengths",
        topic.step_lengths_alt(runs["gd"][1], runs["momentum"][1], speedup),
    )
    gd_steps, momentum_steps = runs["gd"][1], runs["momentum"][1]
    numbers = st.columns(3)
    numbers[0].metric(
        "Second step, momentum / GD",
        f"× {momentum_steps[1] / gd_steps[1]:.3g}",
        help="1 + α: the velocity holds one old gradient.",
    )
    numbers[1].metric(
        f"Step {topic.SLOPE_STEPS}, momentum / GD",
        f"× {momentum_steps[-1] / gd_steps[-1]:.4g}",
        help="Measured in the run.",
    )
    numbers[2].metric(
        "Limit 1/(1 − α)",
        f"× {speedup:.4g}",
        help="The step tends to ε‖g‖/(1 − α): the geometric sum 1 + α + α² + …",
    )
    st.caption(topic.slope_notice(alpha))

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
            f"Measured on this slope after {topic.SLOPE_STEPS} steps, α = {alpha:.3g}: the "
            f"lecture's form with ε = {lr:.3g} steps **{momentum_steps[-1]:.4g}**; the "
            f"running-average form with ε′ = {lr:.3g} steps **{ema_last:.4g}** "
            f"(gradient descent: {gd_steps[-1]:.4g})."
        )


def ask_for_runs() -> None:
    if not shown:
        st.info("Choose at least one optimizer in the sidebar.", icon="👈")


def ravine_view() -> None:
    ask_for_runs()
    spec = topic.ravine_spec(kappa, angle)
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
        traj, _ = topic.ravine_errors(kappa, angle, name, LRS[name], alpha)
        report_divergence(traj, name)
        paths.append(OptimizerPath.from_trajectory(traj, TITLES[name]))
    xs, ys, Z = core.grid(spec, GRID)
    fig = figures.ravine_figure(
        xs,
        ys,
        Z,
        paths,
        minima=surface.minima,
        start=start,
        centre=minimum,
        eigenvectors=q,
        axis_labels=flat_and_steep,
        legend_order=topic.RUNS,
        look=page.look,
    )
    arrived = [
        (TITLES[name], topic.ravine_arrival(kappa, angle, name, LRS[name], alpha).along)
        for name in topic.RUNS
        if name in shown
    ]
    chart(
        fig,
        "ravine",
        view=kept_view,
        alt=f"Contour map of {surface.title} with the runs' paths from "
        f"({start[0]:.3g}, {start[1]:.3g}). "
        + alt_text.arrivals(
            arrived, f"{topic.WITHIN:.0%} of its starting error along the floor", topic.RAVINE_STEPS
        ),
    )
    st.caption(
        "Notice: across the valley (dotted axis) gradient descent settles or bounces; "
        "along it (dashed axis) momentum covers the distance in far fewer steps. "
        "▶ Play moves every run together."
    )
    eigen_table()


EIGEN_TABLE_HEAD = (
    "| optimizer | along the floor: steps to 1 % | across: steps to 1 % "
    "| way walked across the valley |\n"
    "|:--|--:|--:|--:|\n"
)


def eigen_table() -> None:
    """Per run: steps until each eigen-direction's error stays within 1 %, and the way
    walked across the valley (a Markdown table: large on a projector, cheap to send); then
    how many times sooner momentum arrives along the floor than gradient descent."""
    rows, along_floor = [], {}
    for name in shown:
        run = topic.ravine_arrival(kappa, angle, name, LRS[name], alpha)
        if run.diverged:
            rows.append(f"| {TITLES[name]} | diverged | diverged | — |")
            continue
        along_floor[name] = run.along
        height = run.walked / abs(topic.START_IN_VALLEY[1])
        rows.append(
            f"| {TITLES[name]} | {steps_text(run.along)} | {steps_text(run.across)} | "
            f"{run.walked:.3g} ({height:.2g}× the start's height) |"
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
        f"Measured in the {topic.RAVINE_STEPS}-step runs above: the first step from which "
        "the error along each eigenvector stays within 1 % of where it started, and "
        "the total distance walked across the valley (one approach walks the start's "
        "height once; a zig-zag walks it many times)."
    )


def sweep_view() -> None:
    measured, predicted, at_optimum, gd_at_optimum = topic.alpha_sweep(kappa, lr, tol)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    best_rate = float(theory.momentum_optimal_rate(kappa))
    gd_rate = float(theory.gd_optimal_rate(kappa))
    at_optima = " vs ".join(steps_text(n, topic.SWEEP_STEPS) for n in (at_optimum, gd_at_optimum))
    page.explain(
        f"{len(topic.SWEEP_ALPHAS)} runs on the ravine, one per α, all at ε = {lr:.3g}, in one "
        "batched call. Each dot is the measured number of steps until the error stays "
        "within the tolerance; the dashed line is the prediction ⌈log tol / log ρ⌉ from the "
        "spectral radius ρ of the iteration matrix — its largest eigenvalue in size, the "
        "factor by which the slowest error shrinks per step."
    )
    chart(
        figures.alpha_sweep_figure(
            topic.SWEEP_ALPHAS,
            measured,
            predicted,
            budget=topic.SWEEP_STEPS,
            current_alpha=alpha,
            optimal_alpha=best_alpha,
            optimal_steps=float(theory.steps_to_tolerance(best_rate, tol)),
            gd_optimal_steps=float(theory.steps_to_tolerance(gd_rate, tol)),
            look=page.look,
        ),
        "sweep",
        topic.sweep_alt(best_lr, best_alpha, at_optima),
    )
    numbers = st.columns(5)
    numbers[0].metric("Goh's ε*", f"{best_lr:.3g}", help="(2/(√h₁ + √hₙ))²")
    numbers[1].metric("Goh's α*", f"{best_alpha:.3g}", help="((√κ − 1)/(√κ + 1))²")
    numbers[2].metric("ρ of momentum at (ε*, α*)", f"{best_rate:.4f}", help="(√κ − 1)/(√κ + 1)")
    numbers[3].metric("ρ of GD at its ε*", f"{gd_rate:.4f}", help="(κ − 1)/(κ + 1)")
    numbers[4].metric(
        "Measured at the optima",
        at_optima,
        help="Steps of momentum at (ε*, α*) vs gradient descent at its ε*: same "
        "start, same tolerance.",
    )
    st.caption(
        "Notice: the prediction follows the dots except near the kinks, where the two "
        "roots of the iteration matrix meet: there the error shrinks like t·ρᵗ, slower "
        "than ρᵗ — and at (ε*, α*) the roots meet in both directions. The best α depends "
        "on ε; at ε* it is α*."
    )


def map_view() -> None:
    lrs, alphas, rates, boundary = topic.rate_map(kappa)
    best_lr, best_alpha = (float(v) for v in theory.momentum_optimal(lams[0], lams[-1]))
    current_rate = float(theory.momentum_rate_quadratic(lr, alpha, lams))
    optimal_rate, gd_rate = (
        float(theory.momentum_optimal_rate(kappa)),
        float(theory.gd_optimal_rate(kappa)),
    )
    page.explain(
        "The rate ρ is how much the slowest direction's error shrinks per step (smaller is "
        "faster). Bright: fast. Grey: ρ ≥ 1, the run diverges — beyond the dashed line "
        "εhₙ = 2 + 2α, so momentum tolerates learning rates up to 1 + α times larger."
    )
    chart(
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
        "map",
        topic.rate_map_alt(current_rate, optimal_rate, gd_rate),
    )
    numbers = st.columns(3)
    numbers[0].metric("ρ at the current (ε, α)", f"{current_rate:.4f}")
    numbers[1].metric("ρ at Goh's optimum", f"{optimal_rate:.4f}", help="(√κ − 1)/(√κ + 1) = √α*")
    numbers[2].metric("ρ of GD at its best ε", f"{gd_rate:.4f}", help="(κ − 1)/(κ + 1)")
    st.caption(
        "Notice: the bright ridge bends toward large α as ε shrinks; the star sits where "
        "both directions shrink equally fast."
    )


def eigen_view() -> None:
    page.explain(topic.EIGEN_EXPLAIN)
    ask_for_runs()
    measured, predicted = [], []
    for name in shown:
        traj, errors = topic.ravine_errors(kappa, angle, name, LRS[name], alpha)
        report_divergence(traj, name)
        measured.append(figures.Series(name, TITLES[name], errors))
    for name, used_alpha in (("gd", 0.0), ("momentum", alpha)):
        if name not in shown:
            continue
        predicted.append(
            figures.Series(name, TITLES[name], topic.predicted_errors(kappa, LRS[name], used_alpha))
        )
    flat, steep = flat_and_steep
    chart(
        figures.eigen_errors_figure(
            measured,
            predicted,
            titles=(f"along the floor ({flat})", f"across the valley ({steep})"),
            look=page.look,
        ),
        "eigen",
        topic.eigen_alt(
            {TITLES[n]: topic.ravine_arrival(kappa, angle, n, LRS[n], alpha) for n in shown}
        ),
    )
    st.caption(
        "Notice: along the floor momentum gets to zero far sooner (it speeds up the "
        "boring direction); across, a sign flip every step is a zig-zag, a slow swing "
        "is momentum's spiral, which Nesterov damps."
    )
    eigen_table()


# --- the quiz ---------------------------------------------------------------------------------


def quiz_speedup() -> None:
    lr_q, alpha_q = topic.QUIZ_SLOPE["lr"], topic.QUIZ_SLOPE["alpha"]
    runs = topic.slope_runs(lr_q, alpha_q)
    gd_steps, momentum_steps = runs["gd"][1], runs["momentum"][1]
    columns = st.columns(3)
    columns[0].metric("Step 2: momentum / GD", f"× {momentum_steps[1] / gd_steps[1]:.3g}")
    columns[1].metric(
        f"Step {topic.SLOPE_STEPS}: momentum / GD", f"× {momentum_steps[-1] / gd_steps[-1]:.4g}"
    )
    columns[2].metric("1/(1 − α)", f"× {float(theory.momentum_speedup(alpha_q)):.3g}")
    st.markdown(
        f"Both runs on a constant slope, ε = {lr_q}, α = {alpha_q}. "
        "1.9 = 1 + α is only the second step, when the velocity holds one old gradient. The "
        "velocity keeps a geometric sum 1 + α + α² + … of all past gradients, which tends to "
        "1/(1 − α) = 10."
    )


def quiz_nesterov() -> None:
    counts = topic.quiz_gradient_counts()
    columns = st.columns(2)
    for column, name in zip(columns, ("momentum", "nesterov"), strict=True):
        column.metric(
            f"{TITLES[name]}: gradients in {topic.QUIZ_GRADIENT_STEPS} steps", counts[name]
        )
    st.markdown(
        "Counted by running each rule step by step with a gradient that counts its calls. "
        "Nesterov evaluates its one gradient at the look-ahead point w + αv instead of at w:"
    )
    st.latex(optim.get_rule("nesterov").latex)


def quiz_oscillations() -> None:
    zigzag = topic.QUIZ_ZIGZAG
    k, lr_q, alpha_q = zigzag["kappa"], zigzag["lr"], zigzag["alpha"]
    columns = st.columns(2)
    for column, name in zip(columns, ("gd", "momentum"), strict=True):
        run = topic.ravine_arrival(k, 0.0, name, lr_q, alpha_q)
        column.metric(
            f"{TITLES[name]}: way walked across the valley",
            f"{run.walked:.3g}",
            help=f"Start {abs(topic.START_IN_VALLEY[1])} up the wall.",
        )
        column.caption(f"Across the valley within 1 % from step {steps_text(run.across)}.")
    st.markdown(
        f"Ravine κ = {k:g}, ε = {lr_q} (just below gradient descent's limit 2 across the "
        f"valley), α = {alpha_q}, {topic.RAVINE_STEPS} steps. Gradient descent bounces from wall "
        "to wall; in momentum's velocity the gradients of successive bounces point in "
        "opposite directions and cancel."
    )
    st.button(
        "Show this in the ravine",
        key=f"{PAGE}.quiz.show_zigzag",
        on_click=load_url,
        args=(topic.SCENE_BY_KEY["zigzag"].params,),
    )


def quiz_boring() -> None:
    steps, boring = topic.quiz_boring_steps(), topic.QUIZ_BORING
    gd_along, momentum_along = steps["gd"][0], steps["momentum"][0]
    columns = st.columns(3)
    columns[0].metric("GD: steps along the floor", f"{gd_along:.0f}")
    columns[1].metric("Momentum: steps along the floor", f"{momentum_along:.0f}")
    columns[2].metric("Speed-up", f"× {gd_along / momentum_along:.3g}")
    st.markdown(
        f"Ravine κ = {boring['kappa']:g}, ε = {boring['lr']}, α = "
        f"{boring['alpha']}: steps until the error along the flat direction has halved. "
        "The gradient along the floor is small but always points the same way, so the "
        "velocity accumulates it: on a floor this flat momentum is almost on a constant "
        "slope, and the speed-up is close to 1/(1 − α) = 10."
    )


def quiz_view() -> None:
    page.explain("Answer first; each answer runs the experiment that settles it.")
    evidence = {
        "speedup": quiz_speedup,
        "nesterov": quiz_nesterov,
        "oscillations": quiz_oscillations,
        "boring": quiz_boring,
    }
    for key, statement, answer, options in topic.QUIZ:
        quiz_box(PAGE, key, statement, answer, evidence[key], options=options)


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
