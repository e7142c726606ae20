"""Regularization: what L2 and L1 penalties do to the minimum of a loss, how weight decay
relates to early stopping, and what gradient clipping does at a cliff.

One view at a time (chosen at the top, a large figure or two each, a line under each saying
what to notice): the λ paths of L2 and L1 side by side; L2's shrink factors along the Hessian's
eigenvectors; L1 by subgradient and by proximal steps; early stopping over the L2 path; and
clipping on the cliff. The quadratic's curvatures, rotation and minimum are in the sidebar; the
few controls a lecturer moves in front of a hall (λ, ε, t, the threshold) sit above the figure.
Every number comes from `landscapes.regularization` through `app_support.topics.regularization`;
every setting lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import landscapes
from app_support import notation
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.topics import regularization as topic
from app_support.urlstate import Setting, format_number
from landscapes import regularization as reg
from viz import regularization as figs

PAGE = "regularization"

VIEWS = {
    "paths": "λ paths: L2 vs L1",
    "shrink": "L2 shrink factors",
    "steps": "L1: subgradient vs proximal",
    "early": "Early stopping ≈ L2",
    "clip": "Cliffs and clipping",
}

page = page_setup(PAGE, "Regularization", icon="🧲")
state = page.state
side = st.sidebar
look = page.look


# --- lecture scenes ------------------------------------------------------------------------

page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])

# --- sidebar: the quadratic and the loss of the λ paths ------------------------------------

side.subheader("Quadratic E(w)")
side.caption("E = ½ (w − w\\*)ᵀ H (w − w\\*), H = Q D Qᵀ: curvature D₁ along q₁, D₂ along q₂.")
quad_values = {h.name: state.widget(Setting.from_hyper(h), side) for h in reg.QUADRATIC_PARAMS}
quad_params = tuple(sorted(quad_values.items()))
quad = reg.make_quadratic(**quad_values)
quad_spec: topic.Spec = (topic.QUADRATIC, "", quad_params)

view = state.widget(
    Setting.choice("view", "View", "paths", tuple(VIEWS), labels=VIEWS, widget="segmented")
)

side.subheader("Loss for the λ paths and the L1 runs")
titles = {name: landscapes.get_surface(name).title for name in landscapes.SURFACES}


def _new_loss():
    state.reset(["x0", "y0", "l1_lr"])  # a new box: its own start point and step size


loss_name = state.widget(
    Setting.choice(
        "loss",
        "Loss",
        topic.QUADRATIC,
        (topic.QUADRATIC, *landscapes.SURFACES),
        labels={topic.QUADRATIC: "The quadratic above", **titles},
    ),
    side,
    on_change=_new_loss,
)
if loss_name == topic.QUADRATIC:
    loss_spec = quad_spec
else:
    surface_params = {
        h.name: state.widget(Setting.from_hyper(h, prefix=f"{loss_name}."), side)
        for h in landscapes.get_surface(loss_name).param_specs
    }
    loss_spec = ("catalogue", loss_name, tuple(sorted(surface_params.items())))
loss, bounds, log_color, loss_minimum = topic.surface(loss_spec)
(x_min, x_max), (y_min, y_max) = bounds

# --- the controls above the figure ---------------------------------------------------------

controls = st.columns(4)
lam = state.control(
    Setting.number("lam", "λ — penalty strength", 1.0, 0.001, 100.0, scale="log"),
    controls[0],
    view in ("paths", "shrink", "steps"),
)
lr = state.control(
    Setting.number("lr", "ε — learning rate", 0.1, 0.001, 1.0, scale="log"),
    controls[1],
    view == "early",
)
default_start = (
    (-4.0, 4.0)
    if loss_name == topic.QUADRATIC
    else tuple(landscapes.get_surface(loss_name).starts[0])
)
l1_lr = state.control(
    Setting.number(
        "l1_lr",
        "ε — learning rate",
        topic.default_step(loss_spec, default_start),
        1e-5,
        1.0,
        scale="log",
    ),
    controls[1],
    view == "steps",
)
x0 = state.control(
    Setting.number("x0", "start w₁", default_start[0], x_min, x_max, widget="number"),
    controls[2],
    view == "steps",
)
y0 = state.control(
    Setting.number("y0", "start w₂", default_start[1], y_min, y_max, widget="number"),
    controls[3],
    view == "steps",
)
t_chosen = state.control(
    Setting.integer("t", "t — steps of gradient descent", 10, 1, topic.EARLY_STEPS),
    controls[0],
    view == "early",
)
cliff_specs = {h.name: h for h in landscapes.get_surface("cliff").param_specs}
clip_lr = state.control(
    Setting.number("clip_lr", "ε — learning rate", 0.5, 0.01, 2.0, scale="log"),
    controls[0],
    view == "clip",
)
threshold = state.control(
    Setting.number("u", "u — clipping threshold", 0.3, 0.01, 100.0, scale="log"),
    controls[1],
    view == "clip",
)
cliff_values = {
    name: state.control(Setting.from_hyper(h, prefix="clip."), controls[2 + i], view == "clip")
    for i, (name, h) in enumerate(cliff_specs.items())
}

# --- the views -----------------------------------------------------------------------------

plot_config = {"displaylogo": False, "toImageButtonOptions": {"filename": "regularization"}}


def _chart(figure, key: str, where=None, alt: str | None = None):
    plotly_chart(figure, key=f"{PAGE}.{key}", look=look, where=where, config=plot_config, alt=alt)


def _gd_stable(step: float) -> bool:
    """Gradient descent on the quadratic converges for ε < 2/D_max; say so when it does not."""
    limit = 2.0 / float(quad.curvatures.max())
    if step < limit:
        return True
    st.warning(
        f"ε = {format_number(step)} is at or above 2/D_max = {format_number(limit)}: gradient "
        "descent on this quadratic overshoots more every step and diverges. Lower ε.",
        icon="💥",
    )
    return False


def view_paths():
    lams, l2, l1 = topic.paths(loss_spec)
    w_l2, w_l1 = topic.minimisers(loss_spec, lam)
    xs, ys, Z = topic.grid(
        loss_spec, topic.fitted_box(quad) if loss_name == topic.QUADRATIC else None
    )
    w_star = loss_minimum if loss_name == topic.QUADRATIC else l2[0]
    height = int(look.height * 0.85)
    left, right = st.columns(2)
    for column, kind, path, current in ((left, "l2", l2, w_l2), (right, "l1", l1, w_l1)):
        figure = figs.penalty_map(
            xs,
            ys,
            reg.penalized_values(Z, xs, ys, lam, kind),
            kind=kind,
            lams=lams,
            path=path,
            lam=lam,
            current=current,
            w_star=w_star if np.all(np.isfinite(w_star)) else None,
            look=look,
            log_color=log_color,
            height=height,
        )
        _chart(figure, f"map_{kind}", column, topic.penalty_alt(kind, lam, current))
    st.caption(
        "Notice: the L2 minimiser slides toward 0 on a curve and never reaches it; the L1 "
        "minimiser meets an axis, stays on it, and reaches the origin at a finite λ."
    )
    zero_lambdas = None
    if loss_name == topic.QUADRATIC:
        breaks = reg.l1_breakpoints(quad)
        zero_lambdas = {
            breaks.first_index: breaks.first_zero,
            1 - breaks.first_index: breaks.origin,
        }
        slope = quad.hessian @ quad.minimum
        st.markdown(
            f"**L1:** w{'₁₂'[breaks.first_index]} becomes exactly 0 at "
            f"λ = {breaks.first_zero:.4g}; w̃ = 0 from λ = ‖Hw\\*‖∞ = {breaks.origin:.4g}, "
            "the steepest slope of E at 0 along a weight axis (‖·‖∞ is the largest "
            f"component in size; ∇E(0) = −Hw\\* = {topic.vector(-slope)}). "
            f"**At λ = {format_number(lam)}:** L2 w̃ = {topic.vector(w_l2)}, "
            f"L1 w̃ = {topic.vector(w_l1)}."
        )
    else:
        st.markdown(
            f"**At λ = {format_number(lam)}**, lowest point of the penalised loss in the box: "
            f"L2 w̃ = {topic.vector(w_l2)}, L1 w̃ = {topic.vector(w_l1)}."
        )
        if not np.all(np.isfinite(l2[0])):
            st.info("Without a penalty this loss has no minimum inside the box.", icon="ℹ️")
    _chart(
        figs.coefficient_paths(lams, l2, l1, lam=lam, zero_lambdas=zero_lambdas, look=look),
        "coefficients",
        alt=topic.coefficients_alt(lam, w_l2, w_l1, zero_lambdas),
    )
    st.caption(
        "Notice: each L1 weight hits 0 at a finite λ and stays there (a sparse solution); "
        "L2 weights only decay toward 0."
    )
    page.explain(
        "L2 adds λ/2 ‖w‖²: a spring pulling every weight toward 0 with a force proportional to "
        "the weight. L1 adds λ‖w‖₁: a constant pull of size λ on every non-zero weight. A weight "
        "whose loss slope at 0 is weaker than λ cannot resist that pull and stays exactly at 0: "
        "in one dimension, E = β/2 (w − w\\*)², the L1 solution is sgn(w\\*)·max(|w\\*| − λ/β, 0). "
        "With θ = 0 the quadratic's weights are independent and each follows that formula. "
        "The dashed circle / diamond is the penalty's level set through w̃: the minimiser is "
        "where a contour of E just touches it, and the diamond's corners sit on the axes."
    )


def view_shrink():
    lams = reg.path_lambdas()
    predicted = reg.shrink_factors(quad.curvatures, lams)
    measured = topic.measured(quad_params, topic.MEASURED_LAMBDAS)
    measured_now = topic.measured(quad_params, (lam,))[0]
    w_tilde = reg.l2_path(quad, [lam])[0]
    xs, ys, Z = topic.grid(quad_spec, topic.fitted_box(quad))
    left, right = st.columns([1, 1])
    now = reg.shrink_factors(quad.curvatures, [lam])[0]
    _chart(
        figs.eigen_map(
            xs,
            ys,
            Z,
            eigenvectors=quad.eigenvectors,
            w_star=quad.minimum,
            w_tilde=w_tilde,
            lam=lam,
            look=look,
            height=int(look.height * 0.85),
        ),
        "eigen_map",
        left,
        topic.shrink_alt(
            "Contour map of E with its eigenvectors, w* and w̃", quad.curvatures, now, lam
        ),
    )
    _chart(
        figs.shrink_figure(
            lams,
            predicted,
            topic.MEASURED_LAMBDAS,
            measured,
            curvatures=quad.curvatures,
            lam=lam,
            look=look,
            height=int(look.height * 0.85),
        ),
        "shrink",
        right,
        topic.shrink_alt("Fraction of w* kept along each eigenvector", quad.curvatures, now, lam),
    )
    st.caption(
        "Notice: along each eigenvector L2 keeps the fraction D/(D + λ) of w\\* — measured (rings) "
        "on top of predicted (lines); the flat direction (small D) shrinks first."
    )
    st.dataframe(
        [
            {
                "direction": f"q{'₁₂'[i]}",
                "curvature D": f"{quad.curvatures[i]:.4g}",
                f"predicted D/(D + λ) at λ = {format_number(lam)}": f"{now[i]:.6f}",
                "measured": "—" if not np.isfinite(measured_now[i]) else f"{measured_now[i]:.6f}",
            }
            for i in range(2)
        ],
        hide_index=True,
        key=f"{PAGE}.shrink_table",
    )
    page.explain(
        "In the eigenvector coordinates of H the quadratic is a sum of independent parabolas "
        "Dᵢᵢ/2 (zᵢ − z\\*ᵢ)² (zᵢ = qᵢᵀw). Adding λ/2 zᵢ² to each moves its minimum to "
        "Dᵢᵢ/(Dᵢᵢ + λ) · z\\*ᵢ: a steep direction (D ≫ λ) hardly notices the penalty, a flat "
        "one (D ≪ λ) is pulled almost to 0. Exactly half of the component is kept at λ = D. "
        "The measured rings come from running gradient descent with weight decay until it "
        "settles and projecting where it ends onto q₁ and q₂."
    )


def view_steps():
    start = (x0, y0)
    runs = {}
    for mode in ("subgradient", "proximal"):
        try:
            runs[mode] = topic.run(
                loss_spec,
                start,
                topic.L1_STEPS,
                (("l1", lam), ("l1_mode", mode), ("learning_rate", l1_lr)),
            )
        except ValueError as error:
            st.error(f"The {mode} run could not run: {error}")
    if loss_name == topic.QUADRATIC:
        _gd_stable(l1_lr)
    solution = topic.minimisers(loss_spec, lam)[1]
    xs, ys, Z = topic.grid(loss_spec)
    labels = {"subgradient": "subgradient: −ελ sgn(w)", "proximal": "proximal: soft-threshold"}
    drawn = [figs.Run(mode, labels[mode], t.params, t.diverged_at) for mode, t in runs.items()]
    for mode, t in runs.items():
        if t.diverged_at is not None:
            st.error(f"The {mode} run diverged at step {t.diverged_at}: lower ε.", icon="💥")
    rows = topic.steps_table({labels[mode]: t.params[-1] for mode, t in runs.items()}, solution)
    markers = [(start, "start", "circle-open")]
    if np.all(np.isfinite(solution)):
        markers.append((solution, "minimum of E + λ‖w‖₁", "star"))
    _chart(
        figs.runs_map(
            xs,
            ys,
            reg.penalized_values(Z, xs, ys, lam, "l1"),
            drawn,
            markers=markers,
            look=look,
            log_color=log_color,
            colorbar_title="E + λ‖w‖₁",
            height=int(look.height * 0.8),
        ),
        "l1_map",
        alt=topic.l1_steps_alt(rows),
    )
    st.caption(
        "Notice: at this scale the two runs look alike and end at the same place — the "
        "difference is in the last digits, plotted below."
    )
    _chart(figs.coordinate_traces(drawn, look=look), "coordinates")
    st.caption(
        "Notice: once the path reaches an axis, the subgradient weight keeps jumping across 0 "
        "(|w| up to 2ελ); the proximal weight lands on exactly 0 and stays there."
    )
    st.dataframe(rows, hide_index=True, key=f"{PAGE}.steps_table")
    page.explain(
        "The subgradient step adds −ελ sgn(w): a fixed-size push toward 0 that overshoots "
        "whenever |w| < ελ, so the weight jumps from side to side and is never exactly 0. "
        "The proximal step takes the gradient step on E alone and then soft-thresholds: "
        "w ← sgn(w)·max(|w| − ελ, 0). A weight that would cross 0 is set to 0 exactly — the way "
        "L1 makes networks sparse in practice."
    )


def view_early():
    if not _gd_stable(lr):
        return
    t, matches, chosen, all_steps, gaps, bound = topic.early_stopping(quad_params, lr, t_chosen)
    l2 = reg.l2_path(quad, reg.path_lambdas())
    xs, ys, Z = topic.grid(quad_spec, topic.fitted_box(quad))
    gap = float(np.linalg.norm(chosen.gd_point - chosen.l2_point))
    numbers = (t_chosen, lr, chosen, gap)
    left, right = st.columns([3, 2])
    _chart(
        figs.early_stopping_map(
            xs,
            ys,
            Z,
            gd_path=t.params,
            l2_path=l2,
            matches=matches,
            chosen=chosen,
            w_star=quad.minimum,
            look=look,
            height=int(look.height * 0.9),
        ),
        "early_map",
        left,
        topic.early_alt("Contour map of E with gradient descent from 0 and the L2 path", *numbers),
    )
    _chart(
        figs.early_stopping_gaps(
            all_steps, gaps, bound, chosen_step=t_chosen, look=look, height=int(look.height * 0.9)
        ),
        "early_gaps",
        right,
        topic.early_alt("Distance of gradient descent after t steps from w̃(1/(εt))", *numbers),
    )
    st.caption(
        "Notice: gradient descent from 0 walks along the L2 path — stopping after t steps "
        "gives roughly the weight-decay solution with λ = 1/(εt)."
    )
    within = ""
    if lr * quad.curvatures.max() <= 1.0:
        within = (
            f" (the bound √Σ((εtD)²·qᵢᵀw\\*)² is {float(bound[t_chosen - 1]):.3g}; "
            "it is small while εtD is small)"
        )
    st.markdown(
        f"**t = {t_chosen}, ε = {format_number(lr)}:** λ = 1/(εt) = {chosen.lam:.4g}; "
        f"w_t = {topic.vector(chosen.gd_point)}, w̃(λ) = {topic.vector(chosen.l2_point)}, "
        f"distance {gap:.3g}{within}."
    )
    page.explain(
        "From w = 0, gradient descent on a quadratic keeps 1 − (1 − εD)ᵗ of w\\*'s component along "
        "each eigenvector; weight decay keeps D/(D + λ). For small εD both start like εtD and "
        "D/λ, so t steps correspond to λ ≈ 1/(εt): few steps = strong regularization, many "
        "steps = weak. Close to a minimum any loss looks quadratic, so the same holds there "
        "(without momentum, which changes how the directions move)."
    )


def view_clip():
    cliff_params = tuple(sorted(cliff_values.items()))
    spec, runs, lengths, angles, rows, view_box = topic.clipped_runs(
        cliff_params, threshold, clip_lr
    )
    surface = landscapes.get_surface("cliff", **cliff_values)
    xs, ys, Z = topic.grid(spec, view_box)
    _chart(
        figs.runs_map(
            xs,
            ys,
            Z,
            runs,
            markers=[
                (topic.CLIP_START, "start", "circle-open"),
                (surface.minima[0], "minimum", "star"),
            ],
            look=look,
            log_color=surface.log_color,
            height=int(look.height * 0.6),  # the box is wide: a shorter figure wastes nothing
        ),
        "clip_map",
        alt=topic.clip_alt("Contour map of a cliff with gradient descent, clipped and not", rows),
    )
    st.caption(
        "Notice: at the cliff edge the unclipped step flings w far past the minimum; both "
        "clipped runs step down calmly, and the one clipped by value drifts off the gradient's "
        "direction."
    )
    _chart(
        figs.clipping_steps(runs, lengths, angles, cap=clip_lr * threshold, look=look),
        "clip_steps",
        alt=topic.clip_alt("Step lengths and turns against the step, clipped and not", rows),
    )
    st.caption(
        "Notice: clipping by norm caps every step at εu (dashed) and never turns it; clipping "
        "by value caps each coordinate, so the step can be up to √2·εu long and turns."
    )
    st.dataframe(rows, hide_index=True, key=f"{PAGE}.clip_table")
    page.explain(
        "Clipping by norm: if ‖g‖ > u then g ← g·u/‖g‖ — the step keeps the gradient's "
        "direction and gets at most εu long. Clipping by value: each coordinate is cut to "
        "[−u, u], which also changes the direction whenever one coordinate is cut more than "
        "the other."
    )


{
    "paths": view_paths,
    "shrink": view_shrink,
    "steps": view_steps,
    "early": view_early,
    "clip": view_clip,
}[view]()

page.share_link()
state.finish()
