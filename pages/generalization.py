"""Generalization: dropout, data augmentation, input and batch normalization, early stopping and
weight decay on the Small networks page's networks, data, trainer and optimizers.

Sidebar: a small, noisy training set (data set, points, noise, flipped labels, seed), the model
and the optimizer with its options. Tabs (only the open one computes): Dropout, Augmentation,
Normalization, Batch norm, Early stopping, Weight decay, Quiz. Every number comes from
`landscapes.generalization` and `landscapes.networks` through `app_support.topics.generalization`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim
from app_support import alt_text, budget, notation
from app_support.charts import plotly_chart
from app_support.network_sidebar import NetworkSidebar, network_sidebar
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.topics import generalization as topic
from app_support.urlstate import Setting, format_number
from landscapes import generalization as core
from landscapes import networks
from viz import generalization as figures
from viz.networks import PlanePath

PAGE = "generalization"

page = page_setup(PAGE, "Generalization", icon="🛡️")
state = page.state
side = st.sidebar
page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])

# --- sidebar: data, model, training --------------------------------------------------------

SIDEBAR = NetworkSidebar(  # a small, noisy training set; held-out sets of fixed sizes
    data="xor",
    n_train=Setting.choice("n", "Training points m", "32", ("16", "32", "64", "128", "256")),
    noise=Setting.number("noise", "σ — input noise", 0.2, 0.0, 1.0, step=0.01),
    held_out=False,
    flip=Setting.number(
        "flip",
        "Flipped training labels",
        0.1,
        0.0,
        0.4,
        step=0.01,
        help="A fraction of the training labels is wrong; validation and test labels are not.",
    ),
    held_out_note=f"{topic.N_VAL} validation and {topic.N_TEST} test points, drawn apart.",
    teacher=False,
    max_depth=3,
    activation_labels=None,
    initialisation=False,
    steps=Setting.integer("steps", "Steps", topic.STEPS, 100, 3000, step=100),
    hyper_defaults=topic.HYPER_DEFAULTS,
    batch=Setting.choice(
        "batch", "Batch size", "full", ("full", "4", "8", "16"), labels={"full": "full batch"}
    ),
)

net = network_sidebar(state, side, SIDEBAR)
data_name, n_train, noise, data_seed = net.data, net.n_train, net.noise, net.data_seed
depth, width, activation, init_seed = net.depth, net.width, net.activation, net.init_seed
flipped, optimizer, hypers, steps, settings = (
    net.flipped,
    net.optimizer,
    net.hypers,
    net.steps,
    net.settings,
)

data_spec = (data_name, n_train, float(noise), int(data_seed), float(flipped), 3)
model_spec = (depth, width, activation, "xavier", "cross_entropy", int(init_seed))
data = topic.data(data_spec)


def chosen(**overrides):
    """The sidebar's settings for `optim.run` with `overrides`, as sorted pairs."""
    return tuple(sorted({**settings, **overrides}.items()))


def run_key(run_settings=None, run_steps=None):
    return (data_spec, model_spec, optimizer, run_settings or chosen(), run_steps or steps)


def draw_maps(runs, titles, *, key, where=None, extra_points=None, seed=0, run_steps=None, said=""):
    """Decision maps of runs ((settings, reg, aug, kept index), ...) side by side; `said`: the
    numbers shown with them, for the text alternative."""
    with budget.heavy_job("Drawing the decision maps…"):
        result = topic.maps(data_spec, model_spec, optimizer, run_steps or steps, tuple(runs), seed)
    panels = [figures.Panel(t, v) for t, v in zip(titles, result.values, strict=True)]
    chart(
        figures.maps_figure(
            result.xs,
            result.ys,
            panels,
            (data.x_train, data.y_train),
            extra_points=extra_points,
            look=page.look,
        ),
        key,
        where,
        alt_text.chart(f"Decision maps of the network: {', '.join(titles)}", said),
    )
    return result


def chart(fig, key, where=None, alt=None):
    plotly_chart(fig, key=f"{PAGE}.chart.{key}", look=page.look, where=where, alt=alt)


def compare(before, after, labels, key, where=None):
    """Loss curves of two runs, the first faint."""
    curves = topic.split_curves(before, f", {labels[0]}", True) + topic.split_curves(
        after, f", {labels[1]}"
    )
    alt = topic.curves_alt(list(zip(labels, (before, after), strict=True)))
    chart(figures.curves_figure(curves, look=page.look), key, where, alt)


def metrics(pairs) -> str:
    """Shows the numbers and returns them as a sentence for the charts' text alternatives."""
    for column, (label, value) in zip(st.columns(len(pairs)), pairs, strict=True):
        column.metric(label, value)
    return alt_text.listed(pairs)


open_tab, containers = page.tabs(topic.TABS)
try:  # the plain network's run: only the tabs that show it compute it
    plain = None
    if open_tab in ("dropout", "batchnorm", "early"):
        with budget.heavy_job("Training the network…"):
            plain = topic.fit(*run_key())[0]
except ValueError as error:
    st.error(f"This run cannot start: {error}")
    page.share_link()
    state.finish()
    st.stop()

if open_tab == "dropout":
    with containers["dropout"]:
        columns = st.columns(4)
        p_in = state.widget(
            Setting.number("p_in", "p — keep an input", 0.8, 0.05, 1.0, step=0.05), columns[0]
        )
        p_h = state.widget(
            Setting.number("p_h", "p — keep a hidden unit", 0.5, 0.05, 1.0, step=0.05), columns[1]
        )
        convention = state.widget(
            Setting.choice(
                "conv",
                "Scaling",
                "inverted",
                core.CONVENTIONS,
                labels=topic.CONVENTION_TITLES,
            ),
            columns[2],
        )
        drop_seed = state.widget(
            Setting.integer("drop_seed", "Dropout seed", 0, 0, 9999, widget="number"), columns[3]
        )
        reg = ("dropout", float(p_in), float(p_h), convention)
        drop_settings = chosen(seed=int(drop_seed))
        with budget.heavy_job("Training with dropout…"):
            dropped, _ = topic.fit(*run_key(drop_settings), reg)
        said = metrics(
            [
                ("Training loss, plain", f"{plain.train_loss[-1]:.3g}"),
                ("Training loss, dropout", f"{dropped.train_loss[-1]:.3g}"),
                ("Test loss, plain", f"{plain.test_loss[-1]:.3g}"),
                ("Test loss, dropout", f"{dropped.test_loss[-1]:.3g}"),
                (
                    "Test accuracy, plain → dropout",
                    f"{plain.test_accuracy[-1]:.0%} → {dropped.test_accuracy[-1]:.0%}",
                ),
            ]
        )
        left, right = st.columns([3, 2])
        result = draw_maps(
            ((chosen(), topic.PLAIN, None, -1), (drop_settings, reg, None, -1)),
            ("without dropout", "with dropout (whole network)"),
            key="dropout_maps",
            where=left,
            seed=int(drop_seed),
            said=said,
        )
        compare(plain, dropped, ("plain", "dropout"), "dropout_curves", right)
        right.caption("Faint: without dropout. The curves are the whole network's (test time).")
        st.markdown(
            "**The ensemble view:** four thinned networks of the trained weights, and the "
            "whole network that stands for their average."
        )
        thinned = [figures.Panel(f"thinned {i + 1}", v) for i, v in enumerate(result.thinned)]
        chart(
            figures.maps_figure(
                result.xs,
                result.ys,
                [*thinned, figures.Panel("whole network", result.values[1])],
                (data.x_train, data.y_train),
                look=page.look,
            ),
            "thinned",
            alt=topic.thinned_alt(result.thinned, result.values[1]),
        )
        axis, Z, path, masks, gd_path = topic.dropout_walk(float(p_in), int(drop_seed))
        left, right = st.columns([3, 2])
        chart(
            figures.contour_panel(
                axis,
                axis,
                Z,
                [
                    PlanePath("gd", "gradient descent", gd_path),
                    PlanePath("adam", f"dropout, p = {format_number(p_in)}", path),
                ],
                x_title="w₁",
                y_title="w₂",
                centre=None,
                height=600 if page.presenting else 480,
                look=page.look,
            ),
            "walk",
            left,
            alt_text.chart(
                "Dropout's walk in weight space", topic.walk_text(masks).replace("**", "")
            ),
        )
        right.markdown(topic.walk_text(masks))
        page.explain(topic.EXPLAIN["dropout"])

elif open_tab == "augment":
    with containers["augment"]:
        columns = st.columns([3, 1, 1])
        transforms = state.widget(
            Setting.multichoice(
                "aug",
                "Transforms (each copy: one of them)",
                ("swap", "rotate180"),
                core.TRANSFORMS,
                labels=core.TRANSFORM_TITLES,
            ),
            columns[0],
        )
        copies = state.widget(
            Setting.integer("copies", "Copies per point", 4, 0, core.MAX_COPIES), columns[1]
        )
        jitter = state.widget(
            Setting.number("jitter", "Jitter σ", 0.05, 0.0, 0.5, step=0.01), columns[2]
        )
        aug = (tuple(transforms), int(copies), float(jitter))
        full = tuple(item for item in chosen() if item[0] != "batch_size")
        plan = topic.augmentation_plan(steps, n_train, model_spec)
        if plan.note:
            st.info(plan.note)
        with budget.heavy_job("Training on the original and the augmented set…", plan.cost):
            plain_full, _ = topic.fit(*run_key(full, plan.steps))
            augmented, _ = topic.fit(*run_key(full, plan.steps), topic.PLAIN, aug)
        kept = topic.agreement(data_name, tuple(transforms))
        said = metrics(
            [
                ("Test loss, original", f"{plain_full.test_loss[-1]:.3g}"),
                ("Test loss, augmented", f"{augmented.test_loss[-1]:.3g}"),
                ("Validation loss, augmented", f"{augmented.val_loss[-1]:.3g}"),
                ("Labels kept (worst transform)", f"{min(kept.values(), default=1.0):.0%}"),
            ]
        )
        st.caption(
            "Labels kept — moved noise-free points whose nearest original point has the same "
            "label: "
            + (", ".join(f"{core.TRANSFORM_TITLES[t]} {v:.0%}" for t, v in kept.items()) or "—")
        )
        points = core.augment(
            data.x_train,
            data.y_train,
            data.t_train,
            tuple(transforms),
            int(copies),
            float(jitter),
            int(data_seed),
        )
        extra = points.x[len(data.y_train) :][points.weights[len(data.y_train) :] > 0]
        left, right = st.columns([3, 2])
        draw_maps(
            ((full, topic.PLAIN, None, -1), (full, topic.PLAIN, aug, -1)),
            ("original points", f"{len(extra)} augmented copies"),
            key="augment_maps",
            where=left,
            extra_points=extra,
            run_steps=plan.steps,
            said=said,
        )
        chart(
            figures.curves_figure(
                topic.split_curves(plain_full, ", original", True)
                + topic.split_curves(augmented, ", augmented"),
                look=page.look,
            ),
            "augment_curves",
            right,
            topic.curves_alt([("original", plain_full), ("augmented", augmented)]),
        )
        right.caption("Full batch on this tab; faint: without augmentation.")
        page.explain(topic.EXPLAIN["augment"])

elif open_tab == "normalize":
    with containers["normalize"]:
        columns = st.columns(2)
        scale = state.widget(
            Setting.number("scale", "s — scale of x₂", 10.0, 1.0, 30.0, step=1.0), columns[0]
        )
        corr = state.widget(
            Setting.number("corr", "correlation of x₁ and x₂", 0.8, 0.0, 0.95, step=0.05),
            columns[1],
        )
        st.caption("D_max, D_min: the largest and smallest eigenvalue of the loss's Hessian.")
        for column, how in zip(st.columns(3), core.NORMALIZATIONS, strict=True):
            race = topic.normalization_race(float(scale), float(corr), how)
            r = race.result
            chart(
                figures.contour_panel(
                    race.alphas,
                    race.betas,
                    race.Z,
                    [PlanePath("gd", "gradient descent", r.path)],
                    x_title="w₁",
                    y_title="w₂",
                    centre=tuple(race.minimum),
                    centre_label="minimum w*",
                    height=560 if page.presenting else 440,
                    look=page.look,
                ),
                f"norm_{how}",
                column,
                topic.race_alt(how, r),
            )
            column.markdown(topic.race_text(how, r))
        page.explain(topic.EXPLAIN["normalize"])

elif open_tab == "batchnorm":
    with containers["batchnorm"]:
        with budget.heavy_job("Training with batch normalization…"):
            normed, stats = topic.fit(*run_key(), topic.BATCHNORM)
            eval_mode, train_mode = topic.batchnorm_test_modes(*run_key())
        metrics(
            [
                ("Training loss, plain", f"{plain.train_loss[-1]:.3g}"),
                ("Training loss, batch norm", f"{normed.train_loss[-1]:.3g}"),
                ("Test loss, plain", f"{plain.test_loss[-1]:.3g}"),
                ("Test, batch norm (μ̄, σ̄²)", f"{eval_mode:.3g}"),
                ("Test, BN with own μ_B, σ²_B", f"{train_mode:.3g}"),
            ]
        )
        left, right = st.columns(2)
        compare(plain, normed, ("plain", "batch norm"), "bn_curves", left)
        left.caption(
            f"ε = {format_number(hypers['learning_rate'])} "
            f"({optim.get_rule(optimizer).title}); faint: without batch norm."
        )
        chart(
            figures.statistics_figure(
                stats.batch_mean,
                stats.running_mean,
                stats.batch_var,
                stats.running_var,
                look=page.look,
            ),
            "bn_stats",
            right,
            topic.bn_stats_alt(stats),
        )
        right.caption(
            "First-layer units at the last step: the training set's μ_B, σ²_B and the "
            "running averages that test time uses."
        )
        page.explain(topic.EXPLAIN["batchnorm"])

elif open_tab == "early":
    with containers["early"]:
        patience = state.widget(
            Setting.integer("patience", "Patience (evaluations without a new best)", 10, 1, 100),
            st,
        )
        every = max(round(steps / max(len(plain.steps) - 1, 1)), 1)
        stop, best = networks.early_stopping(plain.val_loss, int(patience))
        said = metrics(
            [
                ("Stops at step", f"{plain.steps[stop]}"),
                ("Best weights (restored)", f"step {plain.steps[best]}"),
                ("Test loss at the restored weights", f"{plain.test_loss[best]:.3g}"),
                ("Test loss at the end", f"{plain.test_loss[-1]:.3g}"),
            ]
        )
        left, right = st.columns(2)
        chart(
            figures.curves_figure(
                topic.split_curves(plain),
                stop_step=int(plain.steps[stop]),
                best_step=int(plain.steps[best]),
                look=page.look,
            ),
            "early_curves",
            left,
            topic.early_alt(plain, stop, best),
        )
        left.caption(
            f"The validation loss is evaluated about every {every} steps; training stops after "
            f"{patience} evaluations without a new best."
        )
        draw_maps(
            ((chosen(), topic.PLAIN, None, best), (chosen(), topic.PLAIN, None, -1)),
            (f"restored: step {plain.steps[best]}", f"end: step {plain.steps[-1]}"),
            key="early_maps",
            where=right,
            said=said,
        )
        st.markdown(
            "🧲 [Early stopping ≈ L2: the Regularization page's view](/regularization?view=early)"
        )
        page.explain(topic.EXPLAIN["early"])

elif open_tab == "decay":
    with containers["decay"]:
        lam = state.widget(Setting.number("lam", "λ — weight decay", 1.0, 0.0, 20.0, step=0.1), st)
        decay_settings = chosen(l2=float(lam) / n_train)
        with budget.heavy_job("Training with and without weight decay…"):
            undecayed, _ = topic.fit(*run_key(chosen(l2=0.0)))
            decayed, _ = topic.fit(*run_key(decay_settings))
        st.latex(
            r"w \leftarrow \Bigl(1 - \frac{\eta\lambda}{m}\Bigr) w - \eta \frac{\partial C_0}"
            r"{\partial w}, \qquad b \leftarrow b - \eta \frac{\partial C_0}{\partial b}"
        )
        mask = networks.Architecture((width,) * depth, activation).weight_mask() > 0
        norms = [
            [np.linalg.norm(run.params[-1][part]) for run in (undecayed, decayed)]
            for part in (mask, ~mask)
        ]
        said = metrics(
            [
                ("‖w‖ weights, λ = 0 → λ", "{:.3g} → {:.3g}".format(*norms[0])),
                ("‖b‖ biases (not decayed)", "{:.3g} → {:.3g}".format(*norms[1])),
                ("Test loss", f"{undecayed.test_loss[-1]:.3g} → {decayed.test_loss[-1]:.3g}"),
            ]
        )
        left, right = st.columns([3, 2])
        draw_maps(
            ((chosen(l2=0.0), topic.PLAIN, None, -1), (decay_settings, topic.PLAIN, None, -1)),
            ("λ = 0", f"λ = {format_number(lam)}"),
            key="decay_maps",
            where=left,
            said=said,
        )
        chart(
            figures.curves_figure(
                topic.split_curves(undecayed, ", λ = 0", True)
                + topic.split_curves(decayed, f", λ = {format_number(lam)}"),
                look=page.look,
            ),
            "decay_curves",
            right,
            topic.curves_alt([("λ = 0", undecayed), (f"λ = {format_number(lam)}", decayed)]),
        )
        page.explain(topic.decay_text(n_train, float(lam)))

else:
    with containers["quiz"]:
        reg = ("dropout", 0.8, 0.5, "inverted")

        quiz_box(
            PAGE,
            "dropout",
            "Does dropout lower the training loss?",
            "no",
            lambda: st.markdown(
                topic.dropout_evidence(topic.fit(*run_key())[0], topic.fit(*run_key(), reg)[0])
            ),
        )
        quiz_box(
            PAGE,
            "augment",
            "Which augmentation helps on XOR?",
            "swap x₁ ↔ x₂",
            lambda: st.markdown(topic.augment_evidence()),
            options=("reflect x₁ → −x₁", "swap x₁ ↔ x₂"),
        )
        quiz_box(
            PAGE,
            "stop",
            "Where should training stop?",
            "lowest validation loss",
            lambda: st.markdown(topic.stop_evidence(topic.fit(*run_key())[0])),
            options=("lowest training loss", "lowest validation loss", "lowest test loss"),
        )

page.share_link()
state.finish()
