"""Minibatches and noise: a minibatch's loss is not the full loss, and what that does to SGD.

Tabs (only the open one is computed): the surfaces of single minibatches next to the full
batch, with their minima and saddles (small multiples, and a slider that steps through them in
the browser); SGD paths and a cloud of seeds over the full-batch loss; the noise ball around
the minimum and how a decaying learning rate shrinks it; gradient descent, momentum, RMSProp
and Adam under the same minibatch noise; the lecture's exercise on Adam's running statistics;
batch, minibatch and online learning against steps and against examples seen. The data set,
the batch size and the minibatch seed sit in the sidebar; each tab's few controls above its
figure. Every number comes from the core (`landscapes`, `optim`, `optim.noise`); every setting
lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

import optim
from app_support import notation
from app_support.chart_view import chart_view
from app_support.charts import plotly_chart
from app_support.optimizers import swatch
from app_support.page import page_setup
from app_support.topics import minibatches as topic
from app_support.topics.minibatches import (
    BURN_IN,
    CLOUD_SEEDS,
    COMPARED,
    EPOCHS,
    NOISE_STEPS,
    SGD_STEPS,
    WEIGHTS,
)
from app_support.urlstate import format_number
from optim import noise
from viz import minibatches as figs
from viz.theme import optimizer_color, optimizer_style

PAGE = "minibatches"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "minibatches"}}

VIEWS = {
    "surfaces": "🧩 Minibatch surfaces",
    "sgd": "🎲 SGD paths",
    "noise": "🎯 Noise ball",
    "optimizers": "⚖️ Optimizers under noise",
    "adam": "📐 Adam: mean over RMS",
    "examples": "📦 Batch, minibatch, online",
}


page = page_setup(PAGE, "Minibatches and noise", icon="🎲")
state = page.state
side = st.sidebar
look = page.look
kept_view = chart_view(state, f"{PAGE}.animation")  # the minibatch map's zoom and step, in the URL


# --- lecture scenes ------------------------------------------------------------------------

page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])

# --- tabs: the open one is the page's `view` setting ---------------------------------------

view, tabs = page.tabs(VIEWS, name="view", label="Tab")
uses_data = view != "adam"

# --- sidebar: data and minibatches ---------------------------------------------------------

if uses_data:
    side.subheader("Data")
data_name = state.control(topic.data_setting(), side, uses_data, on_change=kept_view.forget)
data_params = {}
for param, setting in topic.data_param_settings(data_name):
    value = state.control(setting, side, uses_data)
    data_params[param] = int(value) if param == "n" else value
spec: topic.DataSpec = (data_name, tuple(sorted(data_params.items())))
try:
    data = topic.dataset(spec)
except ValueError as error:
    st.error(f"These data cannot be used: {error}. Showing the default data set instead.")
    spec = (data_name, ())
    data = topic.dataset(spec)
n = data.loss.n

if uses_data:
    side.subheader("Minibatches")
batch = state.control(topic.batch_setting(n), side, uses_data)
seed = state.control(topic.SEED, side, uses_data)
if uses_data:
    per_epoch = int(data.loss.num_batches(batch))
    side.caption(
        f"{n} examples in {per_epoch} minibatch{'es' if per_epoch > 1 else ''} per "
        f"epoch; the data are reshuffled every epoch."
    )


# --- the open tab's controls (closed tabs keep theirs in the URL) -----------------------------

with tabs[view]:
    explanation = st.container()
    text_row = st.columns(3) if view == "adam" else ()  # the exercise's typed series
    row = st.columns(4, vertical_alignment="bottom")  # the tab's other controls
    body = st.container()


# A control is drawn while its tab is open (else None: kept in the URL, not drawn).
sgd, noisy, adam = view == "sgd", view == "noise", view == "adam"
uses_lr = view in ("sgd", "noise", "examples")
lr = state.control(topic.LR, row[0] if uses_lr else None, uses_lr)
start_choice = state.control(topic.start_setting(data.starts), row[1] if sgd else None, sgd)
start = tuple(data.starts[int(start_choice)])
cloud = state.control(topic.CLOUD, row[2] if sgd else None, sgd)

decay_kind = state.control(topic.decay_setting(), row[1] if noisy else None, noisy)
schedule = {"schedule": decay_kind}
for i, (param, setting) in enumerate(topic.decay_param_settings(decay_kind)):
    schedule[param] = state.control(setting, row[2 + i] if noisy else None, noisy)

if view == "optimizers":
    side.subheader("Optimizers")
compared = {}
for name in COMPARED:
    box = None
    if view == "optimizers":
        box = side.container(border=True, key=f"{PAGE}.box.{name}")
        box.markdown(swatch(name), unsafe_allow_html=True)
    compared[name] = {
        param: state.control(setting, box, view == "optimizers")
        for param, setting in topic.compared_settings(name)
    }

patterns, bad_series = [], []
series = zip(WEIGHTS, noise.LECTURE_SERIES, topic.series_settings(), strict=True)
for i, (label, default, setting) in enumerate(series):
    text = state.control(setting, text_row[i] if adam else None, adam)
    try:
        patterns.append(noise.parse_series(text))
    except ValueError as error:
        patterns.append(default)
        bad_series.append((i, f"{label}: {error}. Using the lecture's series instead."))
exercise_hypers = {
    key: state.control(setting, row[i] if adam else None, adam)
    for i, (key, setting) in enumerate(topic.exercise_settings())
}


def chart(fig, key: str, where=None, alt: str | None = None, view=None) -> None:
    plotly_chart(
        fig, key=f"{PAGE}.{key}", look=look, where=where, config=PLOT_CONFIG, alt=alt, view=view
    )


def report(traj, title: str) -> None:
    if traj.diverged_at is not None:
        st.error(
            f"**{title} diverged at step {traj.diverged_at}** — lower ε. Its path is drawn "
            "up to its last finite point.",
            icon="💥",
        )


def note_data() -> None:
    with explanation:
        page.explain(f"**{data.title}.** {data.note}")


# --- the tabs -------------------------------------------------------------------------------


def surfaces_tab() -> None:
    note_data()
    xs, ys, panels = topic.surface_panels(spec, batch, seed)
    minima = np.reshape(data.minima, (-1, 2))
    alt = topic.surfaces_alt(f"Maps of the full loss and of minibatches of B = {batch}", panels)
    chart(figs.minibatch_panels_figure(xs, ys, panels, minima, look=look), "panels", alt=alt)
    st.caption(
        f"Minibatches of B = {batch} (seed {seed}), each map dark where its own loss is low. "
        + (
            "With B = n the one minibatch is the full batch."
            if batch == n
            else "Notice: each surface's minima ★ sit away from the full batch's ☆, or leave "
            "the map (◇ then marks the lowest point in view); ✕ saddles, with the line along "
            "which the loss goes down."
        )
    )
    st.header("Step through the minibatches", anchor=False)
    chart(
        figs.minibatch_animation_figure(xs, ys, panels[0].Z, panels[1:], minima, look=look),
        "animation",
        alt=topic.surfaces_alt("The minibatch surfaces one after the other", panels[1:]),
        view=kept_view,
    )
    st.caption(
        "Notice: ▶ Play or drag the slider — the minibatch surface changes under the "
        "dotted contours of the full loss; one step of SGD follows one of these surfaces."
    )


def sgd_tab() -> None:
    note_data()
    step = (("learning_rate", lr),)
    minibatches = (("batch_size", batch), ("learning_rate", lr))
    full = topic.run_one(spec, start, "gd", SGD_STEPS, step)
    single = topic.run_one(spec, start, "gd", SGD_STEPS, (*minibatches, ("seed", seed)))
    many = topic.run_cloud(spec, start, "gd", SGD_STEPS, minibatches, seed) if cloud else None
    report(full, "Full-batch gradient descent")
    report(single, "SGD")
    xs, ys, Z = topic.full_grid(spec)
    clouds = []
    if many is not None:
        clouds.append(
            figs.Cloud(f"SGD, seeds {seed}–{seed + CLOUD_SEEDS - 1}", figs.SGD_COLOR, many.params)
        )
    clouds += [
        figs.Cloud(
            "full batch (gradient descent)", figs.FULL_BATCH_COLOR, full.params[None], bold=True
        ),
        figs.Cloud(
            f"SGD, B = {batch}, seed {seed}", figs.SGD_COLOR, single.params[None], bold=True
        ),
    ]
    saddles = [p.w for p in topic.full_critical_points(spec) if p.kind == "saddle"]
    minima = np.reshape(data.minima, (-1, 2))
    ends = [noise.distances_to_nearest(run.params[-1], minima) for run in (full, single)]
    chart(
        figs.cloud_figure(
            xs,
            ys,
            Z,
            clouds,
            minima=data.minima,
            saddles=saddles,
            start=start,
            log_color=True,
            look=look,
        ),
        "sgd",
        alt=topic.sgd_alt(ends, seed),
    )
    st.caption(
        "Notice: SGD follows the slope of the full loss on average, but each step "
        "follows one minibatch, so the path jitters; ▶ Play moves every seed together."
    )
    numbers = st.columns(3)
    numbers[0].metric(
        "Full batch: distance to w* at the end",
        f"{ends[0]:.3g}",
        help="Distance from the last point to the nearest full-batch minimum.",
    )
    numbers[1].metric(
        f"SGD seed {seed}: distance to w*",
        f"{ends[1]:.3g}",
    )
    if many is None:
        return
    numbers[2].metric(
        f"{CLOUD_SEEDS} seeds: distance to w*",
        f"{noise.cloud_radius(many.params, minima)[-1]:.3g}",
        help="Root-mean-square distance of the seeds' last points to the nearest minimum.",
    )
    if data.name == "tanh_network":
        first, last = noise.count_negative(many.params, 0, (1, SGD_STEPS))
        side_of_full = "<" if full.params[-1, 0] < 0 else ">"
        st.markdown(
            f"**Which side?** After the first step **{first} of {CLOUD_SEEDS}** seeds have "
            f"w_h < 0; after {SGD_STEPS} steps **{last} of {CLOUD_SEEDS}** do. Full-batch "
            f"gradient descent from the same start ends at w_h {side_of_full} 0. A single "
            "minibatch can push a step to either side of the saddle; the sum of many steps "
            "follows the full loss, whose gradient is the average of the minibatch gradients."
        )


def noise_tab() -> None:
    with explanation:
        page.explain(topic.NOISE_BALL_EXPLAINED)
    centre = tuple(float(v) for v in data.minimum)
    constant, decayed, theory, ball, end = topic.noise_ball(spec, lr, batch, seed, schedule)
    minima = np.reshape(data.minima, (-1, 2))
    if np.any(constant.diverged_at >= 0) or np.any(decayed.diverged_at >= 0):
        st.error("Some runs diverged — lower ε.", icon="💥")
    xs, ys, Z = topic.full_grid(spec, topic.zoom(centre, ball, data.bounds))
    title = optim.get_schedule(decay_kind).title.lower()
    rings = [
        figs.Ring(centre, ball, f"ball, constant ε: {ball:.3g}", figs.SGD_COLOR),
        figs.Ring(centre, end, f"at the end, {title}: {end:.3g}", figs.ONLINE_COLOR),
    ]
    clouds = [
        figs.Cloud("constant ε", figs.SGD_COLOR, constant.params),
        figs.Cloud(title, figs.ONLINE_COLOR, decayed.params),
    ]
    chart(
        figs.cloud_figure(xs, ys, Z, clouds, rings=rings, minima=minima, log_color=True, look=look),
        "ball",
        alt=topic.rings_alt("Minibatch noise balls around the full-batch minimum", rings, theory),
    )
    numbers = st.columns(3)
    numbers[0].metric(
        "Ball, constant ε",
        f"{ball:.3g}",
        help=f"Root-mean-square distance to w* over {CLOUD_SEEDS} seeds and steps "
        f"{BURN_IN}–{NOISE_STEPS}.",
    )
    numbers[1].metric(
        f"At the end, {title}", f"{end:.3g}", help=f"Over the last {NOISE_STEPS // 16} steps."
    )
    numbers[2].metric(
        "Theory, independent minibatches",
        f"{theory:.3g}" if np.isfinite(theory) else "unstable",
        help="The ball if every step drew its minibatch independently of the others (each "
        "example's loss taken as quadratic around w*: exact for the linear regression).",
    )
    steps = np.arange(1, NOISE_STEPS + 1)
    curves = [
        figs.Curve("constant ε", figs.SGD_COLOR, steps, radius_of(constant)[1:]),
        figs.Curve(title, figs.ONLINE_COLOR, steps, radius_of(decayed)[1:]),
    ]
    chart(
        figs.curves_figure(
            curves,
            levels=[figs.Level(theory, "theory, independent minibatches", look.foreground)],
            x_title="step",
            y_title="radius √mean ‖w − w*‖²",
            look=look,
        ),
        "radius",
    )
    per_epoch = int(data.loss.num_batches(batch))
    st.caption(
        "Notice: with constant ε the radius rises and stays; with a decaying ε it falls "
        f"again. Look for dips every {per_epoch} steps, at the end of each epoch: by then "
        "every example has been used once, and near w* their kicks largely cancel."
    )
    with st.expander("Why can the measured ball be smaller than the theory?"):
        st.markdown(topic.SMALLER_BALL)


def radius_of(runs) -> np.ndarray:
    """The root-mean-square distance of a cloud to the nearest full-batch minimum, per step."""
    return noise.cloud_radius(runs.params, np.reshape(data.minima, (-1, 2)))


def optimizers_tab() -> None:
    with explanation:
        page.explain(
            "Every cloud starts at the full-batch minimum w*, and the same seeds give every "
            "optimizer the same sequence of minibatches: the same kicks. The ring is a "
            f"cloud's ball over its last {NOISE_STEPS - BURN_IN} steps."
        )
    st.caption("Each optimizer's ε, α, ρ, ρ₁, ρ₂ are in the sidebar.")
    minima = np.reshape(data.minima, (-1, 2))
    centre = tuple(float(v) for v in data.minimum)
    clouds, rings, curves, rows = [], [], [], []
    for name in COMPARED:
        title = optim.get_rule(name).title
        settings = tuple(sorted({**compared[name], "batch_size": batch}.items()))
        runs = topic.run_cloud(spec, centre, name, NOISE_STEPS, settings, seed)
        style = optimizer_style(name)
        color = style.color
        ball = noise.stationary_radius(runs.params, minima, BURN_IN)
        clouds.append(figs.Cloud(title, color, runs.params, symbol=style.symbol))
        rings.append(figs.Ring(centre, ball, f"{title}: {ball:.3g}", color))
        curves.append(
            figs.Curve(title, color, np.arange(1, NOISE_STEPS + 1), radius_of(runs)[1:], style.dash)
        )
        diverged = int(np.sum(runs.diverged_at >= 0))
        rows.append(
            {
                "optimizer": title,
                "ε": format_number(compared[name]["learning_rate"]),
                "ball radius": f"{ball:.3g}",
                "diverged": f"{diverged} of {CLOUD_SEEDS}" if diverged else "—",
            }
        )
    largest = max((r.radius for r in rings if np.isfinite(r.radius)), default=0.0)
    xs, ys, Z = topic.full_grid(spec, topic.zoom(centre, largest, data.bounds))
    chart(
        figs.cloud_figure(xs, ys, Z, clouds, rings=rings, minima=minima, log_color=True, look=look),
        "optimizers",
        alt=topic.rings_alt("Four optimizers' noise balls under the same minibatches", rings),
    )
    left, right = st.columns([3, 2])
    chart(
        figs.curves_figure(curves, x_title="step", y_title="radius √mean ‖w − w*‖²", look=look),
        "optimizer_radius",
        left,
        topic.rings_alt("Radius of each optimizer's cloud against the step", rings),
    )
    right.dataframe(rows, hide_index=True, key=f"{PAGE}.optimizer_table")
    st.caption(
        "Notice: the same kicks, four balls. Momentum's velocity adds up about 1/(1 − α) "
        "minibatch gradients, noise included, into one step; RMSProp and Adam divide each "
        "weight's step by its root mean square gradient, which near w* is mostly noise."
    )


def adam_tab() -> None:
    with explanation:
        page.explain(
            "The lecture's exercise: three weights receive the gradients below, step after "
            "step. Type your own — numbers separated by commas; the series repeats."
        )
    for i, message in bad_series:
        text_row[i].warning(message, icon="⚠️")
    grads, stats, long_run, replays = topic.exercise(
        tuple(patterns), tuple(sorted(exercise_hypers.items()))
    )
    moments = topic.moments_table(stats, long_run)
    chart(
        figs.statistics_figure(
            grads,
            stats.mean,
            stats.second_moment,
            stats.ratio,
            long_run,
            weight_labels=WEIGHTS,
            look=look,
        ),
        "statistics",
        alt=topic.table_alt("Adam's ŝ, r̂ and ŝ/√r̂ per weight against the step", moments),
    )
    st.caption(
        "Notice: ŝ settles at the mean gradient and r̂ at the mean square (dotted: the "
        "long-run values); the ratio ŝ/√r̂ — Adam's step in units of ε — is about 1 for w₁ "
        "and w₂ but about 0.1 for the noisy w₃."
    )
    page.explain(topic.QUOTIENTS)
    st.dataframe(moments, hide_index=True, key=f"{PAGE}.moments")
    st.header("How far each optimizer moves each weight", anchor=False)
    runs = [
        (optim.get_rule(name).title, optimizer_color(name), replays[name].steps)
        for name in COMPARED
    ]
    speeds = topic.speeds_table(replays)
    alt = topic.table_alt("Distance each optimizer moves each weight against the step", speeds)
    chart(figs.travel_figure(runs, weight_labels=WEIGHTS, look=look), "travel", alt=alt)
    st.dataframe(speeds, hide_index=True, key=f"{PAGE}.speeds")
    st.caption(
        "Average step per weight over the second half, in units of ε. Notice: gradient "
        "descent and momentum move w₂ and w₃ alike (same mean gradient); RMSProp and "
        "Adam move w₁ and w₂ alike (same ratio) and w₃ ten times slower."
    )


def examples_tab() -> None:
    note_data()
    updates = EPOCHS * int(data.loss.num_batches(batch))
    st.caption(
        f"Same ε and the same {EPOCHS} epochs of data ({EPOCHS * n} examples) for "
        f"all: the batch rule makes {EPOCHS} updates, minibatches of {batch} make "
        f"{updates}, online learning {EPOCHS * n}."
    )
    runs = topic.examples_runs(spec, lr, batch, seed)
    best = topic.best_loss(spec)
    labels = {
        "batch": f"batch (all {n})",
        "minibatch": f"minibatch (B = {batch})",
        "online": "online (B = 1)",
    }
    colors = {
        "batch": figs.FULL_BATCH_COLOR,
        "minibatch": figs.SGD_COLOR,
        "online": figs.ONLINE_COLOR,
    }
    curves = []
    for key, (loss, seen, diverged_at) in runs.items():
        if diverged_at is not None:
            st.error(f"**{labels[key]} diverged at step {diverged_at}** — lower ε.", icon="💥")
        curves.append((labels[key], colors[key], loss, seen))
    gaps = [(labels[key], loss[-1] - best) for key, (loss, _, _) in runs.items()]
    alt = topic.examples_alt(gaps, EPOCHS)
    chart(figs.examples_figure(curves, reference_loss=best, look=look), "examples", alt=alt)
    numbers = st.columns(3)
    for column, (key, (loss, seen, _)) in zip(numbers, runs.items(), strict=True):
        column.metric(
            f"{labels[key]}: E − E* at the end",
            f"{dict(gaps)[labels[key]]:.3g}",
            help=f"After {len(loss) - 1} updates and {int(seen[-1])} examples.",
        )
    st.caption(
        "Notice: per step, the full batch makes the steadiest progress. Per example seen, small "
        "batches move much further early on — n/B updates per epoch instead of one — and then "
        "keep jittering around the minimum."
    )


with body:
    {
        "surfaces": surfaces_tab,
        "sgd": sgd_tab,
        "noise": noise_tab,
        "optimizers": optimizers_tab,
        "adam": adam_tab,
        "examples": examples_tab,
    }[view]()
page.share_link()
state.finish()
