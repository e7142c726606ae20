"""Small networks: train an MLP on 2-D data and look at it from input space and weight space.

Sidebar: the data (a teacher network or a toy set, noise, sizes, seed), the model (depth,
width, activation, initialisation, loss), the optimizer with its hyperparameters, steps, batch
size, schedule, clipping and L1/L2, and the step to inspect. Tabs (only the open one computes):
Training (the decision boundary with every first-layer neuron's line, animated over training in
the browser; loss and accuracy curves), Spectrum (the Hessian's eigenvalues at the inspected
step, exact or by Lanczos; negative eigenvalues over training), Weight space (a loss slice
through the inspected weights along two weights, two filter-normalised random directions or
the top two Hessian eigenvectors, with the training paths projected on it; the loss on the
straight line from the initial to the final weights) and Exploding gradients (the deep linear
chain, and clipping on a cliff). Every number comes from `landscapes.networks`,
`landscapes.spectrum` and `landscapes.deep_chain` through `app_support.topics.networks`; the
sidebar is `app_support.network_sidebar`'s; every setting lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim
from app_support import budget, notation
from app_support.chart_view import chart_view
from app_support.charts import frames_requested, plotly_chart
from app_support.network_sidebar import OPTIMIZERS, NetworkSidebar, network_sidebar
from app_support.optimizers import swatch
from app_support.page import page_setup
from app_support.topics import networks as topic
from app_support.urlstate import Setting, format_number
from landscapes import deep_chain, networks, spectrum
from viz import networks as figures

PAGE = "networks"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "small-network"}}
LANCZOS_STEPS = ("20", "40", "60", "100", "150", "200")
PROBES = ("1", "2", "4", "8", "16", "32")
BOUNDARY_CHART = f"{PAGE}.chart.boundary"
SIDEBAR = NetworkSidebar(resets_with_steps=("at",))  # a new run length: inspect its end again

page = page_setup(PAGE, "Small networks", icon="🧠")
state = page.state
boundary_view = chart_view(state, BOUNDARY_CHART, frames_on_request=True)  # zoom, step: URL
side = st.sidebar
page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])


def chart(figure, name: str, where, **options) -> None:
    plotly_chart(
        figure,
        key=f"{PAGE}.chart.{name}",
        look=page.look,
        where=where,
        config=PLOT_CONFIG,
        **options,
    )


# --- sidebar: data, model, training --------------------------------------------------------

chosen = network_sidebar(state, side, SIDEBAR)
chosen, arch, training = topic.fit_training(chosen)
if training.note:
    st.info(training.note)
run_key = topic.run_key(chosen)
data_spec, _, optimizer, settings, steps = run_key
n_train, hypers, kind = chosen.n_train, chosen.hypers, chosen.loss

inspect = state.widget(
    Setting.integer(
        "at",
        "Step to inspect",
        steps,
        0,
        steps,
        help="The spectrum and the weight-space slice are taken at this step.",
    ),
    side,
)

# --- training ------------------------------------------------------------------------------

try:
    with budget.heavy_job("Training the network…", cost=training.cost):
        run = topic.train(*run_key)
except ValueError as error:
    st.error(f"This run cannot start: {error}")
    page.share_link()
    state.finish()
    st.stop()
if run.diverged_at is not None:
    st.error(
        f"**Training diverged at step {run.diverged_at}** — lower ε (now "
        f"{format_number(hypers['learning_rate'])}) or clip the gradient. The views show the "
        "weights up to the last good step.",
        icon="💥",
    )
inspected_step, _ = run.weights_at(inspect)
data = networks.make_data(*data_spec)
teacher = data.teacher

summary = st.columns(5)
summary[0].metric("Weights N", f"{arch.num_weights:,}")
summary[1].metric("Training loss", f"{run.train_loss[-1]:.3g}")
summary[2].metric("Test loss", f"{run.test_loss[-1]:.3g}")
summary[3].metric("Training accuracy", f"{run.train_accuracy[-1]:.0%}")
summary[4].metric("Test accuracy", f"{run.test_accuracy[-1]:.0%}")

# --- tabs (only the open one computes) -----------------------------------------------------

tab, containers = page.tabs(topic.TABS)

if tab == "training":
    with containers["training"]:
        if kind == "cross_entropy":
            value_range, value_title = (0.0, 1.0), "p(class 1)"
        else:  # the targets' range: ±1 for toy sets, the teacher's outputs for teacher data
            reach = max(1.0, float(np.max(np.abs(data.t_train))))
            value_range, value_title = (-reach, reach), "output f"
        # Early stopping on the validation loss, patience = the whole run: its lowest point.
        _, best = networks.early_stopping(run.val_loss, len(run.val_loss))
        left, right = st.columns([3, 2])
        # The curves first: they need only the run, so the browser draws them while the
        # decision map is computed.
        chart(
            figures.training_figure(
                run.train_loss,
                run.steps,
                run.test_loss,
                run.train_accuracy,
                run.test_accuracy,
                marked_step=inspected_step,
                diverged_at=run.diverged_at,
                val_loss=run.val_loss,
                val_accuracy=run.val_accuracy,
                stop_step=int(run.steps[best]),
                look=page.look,
            ),
            "curves",
            right,
            alt=topic.curves_alt(run, best, arch.num_weights),
        )
        right.caption(
            "Where the validation loss turns up while the training loss keeps falling, the "
            "network has started to learn the noise. Early stopping keeps the weights of the "
            f"lowest validation loss, step {run.steps[best]} (◆): test loss there "
            f"{run.test_loss[best]:.3g}, at the end {run.test_loss[-1]:.3g}. The test set "
            "is not used to choose: it only reports."
        )
        right.markdown(swatch(optimizer), unsafe_allow_html=True)
        right.latex(optim.get_rule(optimizer).latex)
        # The still map costs one map of the network; its 60 frames only when Play asks (or a
        # link shows another step than the last).
        every_frame = frames_requested(BOUNDARY_CHART) or boundary_view.needs_frames
        xs, ys, values, frame_steps, planes = topic.boundary(*run_key, value_range, every_frame)
        chart(
            figures.decision_figure(
                xs,
                ys,
                values,
                frame_steps,
                planes,
                (data.x_train, data.y_train),
                (data.x_test, data.y_test),
                teacher_planes=None if teacher is None else teacher.hyperplanes(),
                value_range=value_range,
                value_title=value_title,
                look=page.look,
            ),
            "boundary",
            left,
            frames_on_request=True,
            view=boundary_view,
            alt=topic.boundary_alt(run, arch.first_width),
        )
        left.caption(
            "▶ Play: the colour is the network's answer, each black line one first-layer neuron "
            "(w·x + b = 0)" + (", dashed the teacher's units." if teacher is not None else ".")
        )
        page.explain(
            "Every neuron of the first layer splits the input plane along a line: active on "
            "one side, not on the other. n lines cut the plane into at most 1 + n + n(n−1)/2 "
            "regions, and the deeper layers combine these regions into the decision boundary. "
            "With all-zero initial weights every neuron gets the same gradient, so the lines "
            "stay on top of each other for ever: random initial weights break this symmetry."
        )

elif tab == "spectrum":
    with containers["spectrum"]:
        controls = st.columns(3)
        method_choice = state.widget(
            Setting.choice(
                "method",
                "Method",
                "auto",
                ("auto", "exact", "lanczos"),
                labels={
                    "auto": f"automatic (exact up to {spectrum.EXACT_LIMIT:,} weights)",
                    "exact": "exact: Hessian + eigh",
                    "lanczos": "Lanczos + stochastic quadrature",
                },
                help="Lanczos: ℓ Hessian-vector products give a small matrix whose extreme "
                "eigenvalues match H's, without ever building H; averaging over random "
                "start vectors (quadrature) estimates how many eigenvalues lie where.",
            ),
            controls[0],
        )
        method = method_choice
        if method == "auto":
            method = "exact" if arch.num_weights <= spectrum.EXACT_LIMIT else "lanczos"
        lanczos_steps, probes = 0, 0  # exact: no Lanczos
        if method == "lanczos":
            # A few values each: both are array sizes, so every new value compiles once.
            lanczos_steps = int(
                state.widget(
                    Setting.choice("m", "Lanczos steps ℓ", "60", LANCZOS_STEPS), controls[1]
                )
            )
            probes = int(
                state.widget(
                    Setting.choice("probes", "Random start vectors", "8", PROBES), controls[2]
                )
            )
        plan = budget.fit_spectrum(
            method, arch.num_weights, n_train, lanczos_steps, probes, topic.INDEX_POINTS
        )
        if plan.note:
            st.info(plan.note)
        method, lanczos_steps, probes = plan.method, plan.m, plan.probes
        asked = (method, lanczos_steps, probes)
        with budget.heavy_job("Computing the Hessian spectrum…", cost=plan.cost):
            at, result = topic.spectrum_at(*run_key, inspected_step, *asked)
            steps_shown, counts = topic.index_over_training(
                *run_key, *asked, points=plan.index_points
            )
        left, right = st.columns([3, 2])
        chart(
            figures.spectrum_figure(
                result["values"],
                counts=result["counts"],
                zero_width=result["zero_width"],
                ritz=result["ritz"],
                estimated=method != "exact",
                look=page.look,
            ),
            "spectrum",
            left,
            alt=topic.spectrum_alt(at, result, arch.num_weights, method),
        )
        left.caption(topic.spectrum_text(at, result["negative"], arch.num_weights, method))
        chart(
            figures.index_figure(
                steps_shown, counts, arch.num_weights, marked_step=at, look=page.look
            ),
            "index",
            right,
            alt=topic.index_alt(steps_shown, counts, at),
        )
        right.caption("The index (number of downhill directions) over training.")
        page.explain(
            "The Hessian H_ab = ∂²E/∂w_a∂w_b has one eigenvalue per weight. At a minimum all "
            "are ≥ 0; each negative one is a direction in which the loss still goes down. "
            f"Eigenvalues with |h| ≤ {spectrum.ZERO_TOL:g}·max|h| count as zero. *Exact*: "
            "the full Hessian and its eigen-decomposition, O(N³). *Lanczos*: ℓ Hessian-vector "
            "products build a small tridiagonal matrix whose extreme eigenvalues (ticks) match "
            "H's; averaging over random start vectors (stochastic Lanczos quadrature) "
            "estimates the whole density, and so the fraction of negative eigenvalues."
        )

elif tab == "weights":
    with containers["weights"]:
        n = arch.num_weights
        controls = st.columns([2, 1, 1, 1])
        plane = state.widget(
            Setting.choice(
                "plane",
                "Plane through the inspected weights",
                "hessian",
                ("weights", "random", "hessian"),
                labels={
                    "weights": "two chosen weights (the rest fixed)",
                    "random": "two random directions, filter-normalised",
                    "hessian": "top two Hessian eigenvectors",
                },
                help="Filter-normalised: each random direction is rescaled neuron by neuron "
                "to the size of that neuron's weights (Li et al. 2018).",
            ),
            controls[0],
        )
        span = state.widget(
            Setting.number("span", "Half-width of the slice", 1.0, 0.01, 10.0, scale="log"),
            controls[1],
        )
        size = state.widget(
            Setting.integer("grid", "Grid points per side", 41, 11, 101, step=10), controls[2]
        )
        others = state.widget(
            Setting.multichoice(
                "compare",
                "Also draw",
                (),
                tuple(o for o in OPTIMIZERS if o != optimizer),
                labels={o: optim.get_rule(o).title for o in OPTIMIZERS},
                max_items=3,
                help="Other optimizers from the same initial weights, each with its default "
                "hyperparameters; their paths are projected onto the same plane.",
            ),
            controls[3],
        )
        labels = networks.weight_labels(arch)
        index_choices = tuple(str(i) for i in range(n))
        index_labels = {str(i): f"w{i}: {label}" for i, label in enumerate(labels)}
        first, second, seed = 0, min(1, n - 1), 0
        if plane == "weights":
            picks = st.columns(2)
            first = int(
                state.widget(
                    Setting.choice(
                        "wi", "First weight (c₁)", "0", index_choices, labels=index_labels
                    ),
                    picks[0],
                )
            )
            second = int(
                state.widget(
                    Setting.choice(
                        "wj",
                        "Second weight (c₂)",
                        index_choices[min(1, n - 1)],
                        index_choices,
                        labels=index_labels,
                    ),
                    picks[1],
                )
            )
        elif plane == "random":
            seed = state.widget(
                Setting.integer("dir_seed", "Direction seed", 0, 0, 9999, widget="number"), st
            )
        other_runs = topic.default_runs(others, settings, hypers)
        grid = budget.fit_grid(size, n_train, arch.num_weights)
        if grid.note:
            st.info(grid.note)
        others_cost = budget.training_cost(steps, n_train, arch.num_weights, len(other_runs))
        with budget.heavy_job("Training the other optimizers and slicing the loss…",
                              cost=grid.cost + others_cost):  # fmt: skip
            at, alphas, Z, paths = topic.weight_plane(
                *run_key,
                (inspected_step, plane, first, second, seed),
                span,
                grid.grid,
                other_runs,
            )
        axis_names = {
            "weights": (f"c₁: {index_labels[str(first)]}", f"c₂: {index_labels[str(second)]}"),
            "random": ("c₁ (random direction 1)", "c₂ (random direction 2)"),
            "hessian": ("c₁ (eigenvector of h₁, the largest)", "c₂ (eigenvector of h₂)"),
        }[plane]
        left, right = st.columns([3, 2])
        chart(
            figures.plane_figure(
                alphas,
                alphas,
                Z,
                [figures.PlanePath(name, optim.get_rule(name).title, xy) for name, xy in paths],
                x_title=axis_names[0],
                y_title=axis_names[1],
                centre_label=f"weights at step {at}",
                look=page.look,
            ),
            "plane",
            left,
            alt=topic.plane_alt(at, Z, axis_names),
        )
        left.caption(
            f"Training loss on a plane through the weights at step {at} (✕); paths projected "
            "on it (○ start, ★ end). The paths leave the plane: only their shadows are drawn."
        )
        line_train, line_test = topic.interpolation(*run_key)
        verdict = topic.line_verdict(line_train)
        chart(
            figures.line_figure(
                topic.LINE,
                [("training loss", line_train), ("test loss", line_test)],
                look=page.look,
            ),
            "line",
            right,
            alt=topic.line_alt(line_train, line_test, verdict),
        )
        right.caption(
            "Loss on the straight line from the initial to the final weights. Goodfellow, "
            f"Vinyals & Saxe (2015) found it often falls smoothly; {verdict}."
        )
        page.explain(
            "A network with N weights has an N-dimensional landscape; a picture can only show "
            "a 2-D slice. *Two chosen weights* is the lecture's view: change two weights, keep "
            "the others. *Random directions* are rescaled neuron by neuron to the size of that "
            "neuron's weights (filter normalisation, Li et al. 2018), so slices of different "
            "networks are comparable. *Top Hessian eigenvectors* are the two most curved "
            "directions: the narrowest cut through the valley."
        )

else:
    with containers["exploding"]:
        controls = st.columns(4)
        a = state.widget(
            Setting.number("a", "a — first weight of W = diag(a, b)", 1.0, 0.0, 2.5, step=0.05),
            controls[0],
        )
        b = state.widget(
            Setting.number("b", "b — second weight", 2.0, 0.0, 2.5, step=0.05), controls[1]
        )
        max_depth = state.widget(
            Setting.integer("depth_n", "Deepest chain n", 30, 2, deep_chain.MAX_DEPTH),
            controls[2],
        )
        clip_on = state.widget(Setting.flag("clip_chain", "Clip the gradient"), controls[3])
        threshold = state.widget(
            Setting.number(
                "u",
                "u — clipping threshold",
                1.0,
                0.01,
                1000.0,
                scale="log",
                help="Used by the chain when clipping is on, and always by the clipped run "
                "on the cliff.",
            ),
            controls[3],
        )
        depths = np.arange(1, max_depth + 1)
        curves = topic.chain_curves(a, b, max_depth)
        gradient = deep_chain.chain_gradients(a, b, [max_depth])[0]
        left, right = st.columns(2)
        chart(
            figures.chain_figure(
                depths, curves, clip_threshold=threshold if clip_on else None, look=page.look
            ),
            "chain",
            left,
            alt=topic.chain_alt(max_depth, gradient),
        )
        left.caption(
            f"h_i = diag(a, b)·h_(i−1), x = (1, 1), E = aⁿ + bⁿ: at n = {max_depth}, ∇E = "
            f"(n aⁿ⁻¹, n bⁿ⁻¹) = ({gradient[0]:.3g}, {gradient[1]:.3g})."
        )
        cliff_cols = right.columns(3)
        cliff_depth = state.widget(
            Setting.integer("cliff_n", "Depth of the cliff", 10, 2, 30), cliff_cols[0]
        )
        cliff_lr = state.widget(
            Setting.number("cliff_lr", "ε", 0.02, 1e-4, 1.0, scale="log"), cliff_cols[1]
        )
        cliff_steps = state.widget(
            Setting.integer("cliff_steps", "Steps", 60, 10, 500, step=10), cliff_cols[2]
        )
        start = (0.5, 1.2)
        axis, grid, plain, clipped = topic.cliff_runs(
            cliff_depth, cliff_lr, start, threshold, cliff_steps
        )
        fate = topic.cliff_fate(plain)
        chart(
            figures.plane_figure(
                axis,
                axis,
                grid,
                [
                    figures.PlanePath("gd", "gradient descent", plain.params),
                    figures.PlanePath(
                        "adam", f"clipped at u = {format_number(threshold)}", clipped.params
                    ),
                ],
                x_title="a",
                y_title="b",
                centre=None,
                look=page.look,
            ),
            "cliff",
            right,
            alt=topic.cliff_alt(plain, clipped, threshold),
        )
        right.caption(
            f"E = ½(aⁿ + bⁿ − 2)² for n = {cliff_depth}, minimal on the curve aⁿ + bⁿ = 2, "
            f"from {start}: plain gradient descent {fate}; the clipped one steps at most ε·u."
        )
        page.explain(
            "One matrix applied n times multiplies the gradient by its eigenvalues n times: "
            "above 1 the gradient grows like bⁿ (explodes), below 1 it shrinks (vanishes). "
            "Exploding gradients make cliffs in the loss. Clipping, g ← g·u/‖g‖ when ‖g‖ > u, "
            "keeps the direction and limits the step."
        )

page.share_link()
state.finish()
