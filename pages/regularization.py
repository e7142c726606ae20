"""Regularization: what L2 and L1 penalties do to the minimum of a loss, how weight decay
relates to early stopping, and what gradient clipping does at a cliff.

One view at a time (chosen at the top, a large figure or two each, a line under each saying
what to notice): the λ paths of L2 and L1 side by side; L2's shrink factors along the Hessian's
eigenvectors; L1 by subgradient and by proximal steps; early stopping over the L2 path; and
clipping on the cliff. The quadratic's curvatures, rotation and minimum are in the sidebar; the
few controls a lecturer moves in front of a hall (λ, ε, t, the threshold) sit above the figure.
Every setting lives in the URL.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import budget, notation
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.presets import scene
from app_support.urlstate import Setting, format_number
from landscapes import regularization as reg
from viz import regularization as figs

PAGE = "regularization"
GRID = 150  # contour resolution
QUADRATIC = "quadratic"
L1_STEPS = 200  # gradient descent steps in the L1 view (fixed: one compiled length)
EARLY_STEPS = 500
CLIP_STEPS = 100
CLIP_START = (-3.0, 2.0)
MEASURED_LAMBDAS = tuple(float(v) for v in np.geomspace(0.01, 100.0, 13))
MATCH_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
CLIPS = {"none": "no clipping", "norm": "clipped by norm", "value": "clipped by value"}

VIEWS = {
    "paths": "λ paths: L2 vs L1",
    "shrink": "L2 shrink factors",
    "steps": "L1: subgradient vs proximal",
    "early": "Early stopping ≈ L2",
    "clip": "Cliffs and clipping",
}

_preset = functools.partial(scene, "pages/regularization.py")
SCENES = (
    _preset(
        "l1_axis",
        "L1 lands on an axis, L2 only shrinks",
        "Drag λ: the L1 minimiser runs into the axis w₂ = 0 and slides along it to the origin; "
        "the L2 minimiser shrinks toward the origin and never gets there.",
        view="paths",
        lam="0.8",
    ),
    _preset(
        "flat_shrinks_most",
        "L2 shrinks the flat direction most",
        "With curvatures 5 and 0.1, λ = 0.5 keeps 91 % of w\\* along the steep eigenvector and "
        "only 17 % along the flat one.",
        view="shrink",
        d1="5",
        d2="0.1",
        lam="0.5",
    ),
    _preset(
        "proximal_zeros",
        "Only proximal steps reach exactly zero",
        "Subgradient steps jump across w₂ = 0 forever; soft-thresholding lands on it and stays.",
        view="steps",
        lam="0.8",
        l1_lr="0.3",
    ),
    _preset(
        "early_stopping",
        "Stopping early is like weight decay",
        "Gradient descent from 0 travels along the L2 path: after t steps it sits near the L2 "
        "minimiser for λ = 1/(εt).",
        view="early",
        lr="0.05",
        t="20",
    ),
    _preset(
        "cliff",
        "Clipping at a cliff",
        "At the cliff edge the gradient is huge: unclipped, one step throws w far away; clipped "
        "by norm, the step keeps its direction; clipped by value, it also turns.",
        view="clip",
    ),
    _preset(
        "rosenbrock_l1",
        "L1 and L2 on Rosenbrock",
        "Away from quadratics the paths bend with the valley, but L1 still reaches exactly 0 — "
        "from λ = 2, the slope of E at 0 — while L2 only approaches it.",
        view="paths",
        loss="rosenbrock",
        lam="2",
    ),
)

page = page_setup(PAGE, "Regularization", icon="🧲")
state = page.state
side = st.sidebar
look = page.look


# --- cached core calls (plain keys) --------------------------------------------------------

Spec = tuple  # (QUADRATIC, "", params) or ("catalogue", name, params); params sorted pairs


@st.cache_resource(max_entries=64, show_spinner=False)
def _scene(spec: Spec):
    """(loss, bounds, log_color, minimum or None) of a quadratic or catalogue surface."""
    kind, name, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return quad.loss, reg.QUADRATIC_BOUNDS, False, quad.minimum
    surface = landscapes.get_surface(name, **dict(params))
    minimum = np.asarray(surface.minima[0]) if surface.minima else None
    return surface.loss, surface.bounds, surface.log_color, minimum


@st.cache_data(max_entries=32, show_spinner=False)
def _grid(spec: Spec, bounds=None):
    loss, default_bounds, *_ = _scene(spec)
    return landscapes.loss_grid(loss, bounds or default_bounds, GRID)


@st.cache_data(max_entries=32, show_spinner=False)
def _paths(spec: Spec):
    """λ's and the L2 and L1 minimiser for each: exact for the quadratic, numerical otherwise."""
    lams = reg.path_lambdas()
    kind, _, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return lams, reg.l2_path(quad, lams), reg.l1_path(quad, lams)
    loss, bounds, *_ = _scene(spec)
    return (
        lams,
        reg.penalized_path(loss, bounds, lams, "l2"),
        reg.penalized_path(loss, bounds, lams, "l1"),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def _minimisers(spec: Spec, lam: float):
    """(L2 minimiser, L1 minimiser) at one λ."""
    kind, _, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return reg.l2_path(quad, [lam])[0], reg.l1_path(quad, [lam])[0]
    loss, bounds, *_ = _scene(spec)
    return (
        reg.penalized_path(loss, bounds, [lam], "l2")[0],
        reg.penalized_path(loss, bounds, [lam], "l1")[0],
    )


@st.cache_data(max_entries=32, show_spinner=False)
def _measured(params: tuple, lams: tuple):
    return reg.measured_shrink(reg.make_quadratic(**dict(params)), np.asarray(lams))


@st.cache_data(max_entries=128, show_spinner=False)
def _run(spec: Spec, start: tuple, steps: int, settings: tuple) -> optim.Trajectory:
    loss, *_ = _scene(spec)
    return optim.run(loss, np.asarray(start, dtype=float), "gd", steps, **dict(settings))


def _fitted_box(q: reg.Quadratic):
    """A square around the origin holding w* with a margin (in half units, so that few grids
    are cached): the views about the quadratic's minimum zoom in on the origin and w*."""
    half = float(np.ceil(2.0 * max(1.3 * np.abs(q.minimum).max(), 1.0)) / 2.0)
    return ((-half, half), (-half, half))


@st.cache_data(max_entries=64, show_spinner=False)
def _default_step(spec: Spec, start: tuple) -> float:
    """A learning rate for the L1 runs that does not blow up at the start or the minimum:
    0.1 on the quadratic, otherwise a fifth of 1/D_max there, rounded to one digit."""
    if spec[0] == QUADRATIC:
        return 0.1
    loss, _, _, minimum = _scene(spec)
    points = [np.asarray(start, dtype=float)] + ([] if minimum is None else [minimum])
    step = min(0.2 * reg.stable_learning_rate(loss, points), 0.1)
    return float(f"{step:.1g}")


def _vector(w) -> str:
    if not np.all(np.isfinite(w)):
        return "none inside the box"
    # + 0.0 turns −0.0 (from a sign times an exact zero) into 0
    return "(" + ", ".join(format_number(float(v) + 0.0) for v in np.asarray(w)) + ")"


# --- lecture scenes ------------------------------------------------------------------------

page.scenes(SCENES)
page.notation(notation.ROWS[PAGE])

# --- sidebar: the quadratic and the loss of the λ paths ------------------------------------

side.subheader("Quadratic E(w)")
side.caption("E = ½ (w − w\\*)ᵀ H (w − w\\*), H = Q D Qᵀ: curvature D₁ along q₁, D₂ along q₂.")
quad_values = {h.name: state.widget(Setting.from_hyper(h), side) for h in reg.QUADRATIC_PARAMS}
quad_params = tuple(sorted(quad_values.items()))
quad = reg.make_quadratic(**quad_values)
quad_spec: Spec = (QUADRATIC, "", quad_params)

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
        QUADRATIC,
        (QUADRATIC, *landscapes.SURFACES),
        labels={QUADRATIC: "The quadratic above", **titles},
    ),
    side,
    on_change=_new_loss,
)
if loss_name == QUADRATIC:
    loss_spec = quad_spec
else:
    surface_params = {
        h.name: state.widget(Setting.from_hyper(h, prefix=f"{loss_name}."), side)
        for h in landscapes.get_surface(loss_name).param_specs
    }
    loss_spec = ("catalogue", loss_name, tuple(sorted(surface_params.items())))
loss, bounds, log_color, loss_minimum = _scene(loss_spec)
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
    (-4.0, 4.0) if loss_name == QUADRATIC else tuple(landscapes.get_surface(loss_name).starts[0])
)
l1_lr = state.control(
    Setting.number(
        "l1_lr",
        "ε — learning rate",
        _default_step(loss_spec, default_start),
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
    Setting.integer("t", "t — steps of gradient descent", 10, 1, EARLY_STEPS),
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


def _chart(figure, key: str, where=None):
    plotly_chart(
        figure,
        key=f"{PAGE}.{key}",
        look=look,
        where=where,
        config=plot_config,
    )


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
    with budget.heavy_job("Following the minimisers as λ grows…"):
        lams, l2, l1 = _paths(loss_spec)
        w_l2, w_l1 = _minimisers(loss_spec, lam)
        xs, ys, Z = _grid(loss_spec, _fitted_box(quad) if loss_name == QUADRATIC else None)
    w_star = loss_minimum if loss_name == QUADRATIC else l2[0]
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
        _chart(figure, f"map_{kind}", column)
    st.caption(
        "Notice: the L2 minimiser slides toward 0 on a curve and never reaches it; the L1 "
        "minimiser meets an axis, stays on it, and reaches the origin at a finite λ."
    )
    zero_lambdas = None
    if loss_name == QUADRATIC:
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
            f"component in size; ∇E(0) = −Hw\\* = {_vector(-slope)}). "
            f"**At λ = {format_number(lam)}:** L2 w̃ = {_vector(w_l2)}, L1 w̃ = {_vector(w_l1)}."
        )
    else:
        st.markdown(
            f"**At λ = {format_number(lam)}**, lowest point of the penalised loss in the box: "
            f"L2 w̃ = {_vector(w_l2)}, L1 w̃ = {_vector(w_l1)}."
        )
        if not np.all(np.isfinite(l2[0])):
            st.info("Without a penalty this loss has no minimum inside the box.", icon="ℹ️")
    _chart(
        figs.coefficient_paths(lams, l2, l1, lam=lam, zero_lambdas=zero_lambdas, look=look),
        "coefficients",
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
    measured = _measured(quad_params, MEASURED_LAMBDAS)
    measured_now = _measured(quad_params, (lam,))[0]
    w_tilde = reg.l2_path(quad, [lam])[0]
    xs, ys, Z = _grid(quad_spec, _fitted_box(quad))
    left, right = st.columns([1, 1])
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
    )
    _chart(
        figs.shrink_figure(
            lams,
            predicted,
            MEASURED_LAMBDAS,
            measured,
            curvatures=quad.curvatures,
            lam=lam,
            look=look,
            height=int(look.height * 0.85),
        ),
        "shrink",
        right,
    )
    st.caption(
        "Notice: along each eigenvector L2 keeps the fraction D/(D + λ) of w\\* — measured (rings) "
        "on top of predicted (lines); the flat direction (small D) shrinks first."
    )
    now = reg.shrink_factors(quad.curvatures, [lam])[0]
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
            runs[mode] = _run(
                loss_spec,
                start,
                L1_STEPS,
                (("l1", lam), ("l1_mode", mode), ("learning_rate", l1_lr)),
            )
        except ValueError as error:
            st.error(f"The {mode} run could not run: {error}")
    if loss_name == QUADRATIC:
        _gd_stable(l1_lr)
    solution = _minimisers(loss_spec, lam)[1]
    xs, ys, Z = _grid(loss_spec)
    labels = {"subgradient": "subgradient: −ελ sgn(w)", "proximal": "proximal: soft-threshold"}
    drawn = [figs.Run(mode, labels[mode], t.params, t.diverged_at) for mode, t in runs.items()]
    for mode, t in runs.items():
        if t.diverged_at is not None:
            st.error(f"The {mode} run diverged at step {t.diverged_at}: lower ε.", icon="💥")
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
    rows = [
        {
            "method": labels[mode],
            "w after the last step": _vector(t.params[-1]),
            "weights exactly 0": int(np.sum(t.params[-1] == 0.0)),
        }
        for mode, t in runs.items()
    ]
    if np.all(np.isfinite(solution)):
        rows.append(
            {
                "method": "exact minimum of E + λ‖w‖₁",
                "w after the last step": _vector(solution),
                "weights exactly 0": int(np.sum(solution == 0.0)),
            }
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
    t = _run(quad_spec, (0.0, 0.0), EARLY_STEPS, (("learning_rate", lr),))
    lams = reg.path_lambdas()
    l2 = reg.l2_path(quad, lams)
    marked = [s for s in MATCH_STEPS if s <= EARLY_STEPS]
    match_lams = reg.early_stopping_lambda(lr, marked)
    match_l2 = reg.l2_path(quad, match_lams)
    matches = [
        figs.Match(s, float(m), t.params[s], w)
        for s, m, w in zip(marked, match_lams, match_l2, strict=True)
    ]
    chosen_lam = float(reg.early_stopping_lambda(lr, t_chosen))
    chosen = figs.Match(
        t_chosen, chosen_lam, t.params[t_chosen], reg.l2_path(quad, [chosen_lam])[0]
    )
    all_steps = np.arange(1, EARLY_STEPS + 1)
    gaps = np.linalg.norm(
        t.params[1:] - reg.l2_path(quad, reg.early_stopping_lambda(lr, all_steps)), axis=1
    )
    bound = reg.early_stopping_gap_bound(quad, lr, all_steps)
    xs, ys, Z = _grid(quad_spec, _fitted_box(quad))
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
    )
    _chart(
        figs.early_stopping_gaps(
            all_steps, gaps, bound, chosen_step=t_chosen, look=look, height=int(look.height * 0.9)
        ),
        "early_gaps",
        right,
    )
    st.caption(
        "Notice: gradient descent from 0 walks along the L2 path — stopping after t steps "
        "gives roughly the weight-decay solution with λ = 1/(εt)."
    )
    gap = float(np.linalg.norm(chosen.gd_point - chosen.l2_point))
    within = ""
    if lr * quad.curvatures.max() <= 1.0:
        within = (
            f" (the bound √Σ((εtD)²·qᵢᵀw\\*)² is {float(bound[t_chosen - 1]):.3g}; "
            "it is small while εtD is small)"
        )
    st.markdown(
        f"**t = {t_chosen}, ε = {format_number(lr)}:** λ = 1/(εt) = {chosen_lam:.4g}; "
        f"w_t = {_vector(chosen.gd_point)}, w̃(λ) = {_vector(chosen.l2_point)}, "
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
    spec: Spec = ("catalogue", "cliff", tuple(sorted(cliff_values.items())))
    runs, lengths, angles = [], {}, {}
    rows = []
    for kind, label in CLIPS.items():
        t = _run(
            spec,
            CLIP_START,
            CLIP_STEPS,
            (("clip", kind), ("clip_threshold", threshold), ("learning_rate", clip_lr)),
        )
        runs.append(figs.Run(kind, label, t.params, t.diverged_at))
        lengths[kind] = reg.step_lengths(t.params)
        angles[kind] = reg.turn_angles(t.params, t.grad)
        rows.append(
            {
                "run": label,
                "longest step": f"{lengths[kind].max():.3g}" if len(lengths[kind]) else "—",
                "largest turn (°)": f"{np.nanmax(angles[kind]):.1f}"
                if np.any(np.isfinite(angles[kind]))
                else "—",
                "final loss": f"{t.loss[-1]:.4g}",
                "diverged at": "—" if t.diverged_at is None else str(t.diverged_at),
            }
        )
    # The view widens to show where the unclipped step lands (drawn, never clipped).
    surface = landscapes.get_surface("cliff", **cliff_values)
    (bx0, bx1), (by0, by1) = surface.bounds
    reach = np.concatenate([r.params for r in runs])
    view_box = (
        (min(bx0, np.floor(reach[:, 0].min())), max(bx1, np.ceil(reach[:, 0].max()))),
        (min(by0, np.floor(reach[:, 1].min())), max(by1, np.ceil(reach[:, 1].max()))),
    )
    view_box = tuple((max(float(a), -100.0), min(float(b), 100.0)) for a, b in view_box)
    xs, ys, Z = _grid(spec, view_box)
    _chart(
        figs.runs_map(
            xs,
            ys,
            Z,
            runs,
            markers=[(CLIP_START, "start", "circle-open"), (surface.minima[0], "minimum", "star")],
            look=look,
            log_color=surface.log_color,
            height=int(look.height * 0.6),  # the box is wide: a shorter figure wastes nothing
        ),
        "clip_map",
    )
    st.caption(
        "Notice: at the cliff edge the unclipped step flings w far past the minimum; both "
        "clipped runs step down calmly, and the one clipped by value drifts off the gradient's "
        "direction."
    )
    _chart(
        figs.clipping_steps(runs, lengths, angles, cap=clip_lr * threshold, look=look),
        "clip_steps",
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
