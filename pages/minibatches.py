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

import functools

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import notation
from app_support.budget import heavy_job
from app_support.caching import cached
from app_support.charts import plotly_chart
from app_support.optimizers import schedule_choice, swatch
from app_support.page import page_setup
from app_support.presets import Preset, scene
from app_support.urlstate import Setting, format_number
from landscapes import geometry
from optim import noise
from viz import minibatches as figs
from viz.theme import optimizer_color

PAGE = "minibatches"
GRID = 120  # contour resolution of the maps
PANEL_GRID = 60  # resolution of each small multiple (and of the minibatch slider map)
PANELS = 7  # minibatches drawn next to the full batch (and stepped through by the slider)
SGD_STEPS = 200  # per view the step count is fixed: one compilation per dataset kind
CLOUD_SEEDS = 16
NOISE_STEPS = 256
BURN_IN = 128  # the ball is measured over the second half of a noise run
EXERCISE_STEPS = 200
EPOCHS = 8  # the examples budget of the batch / minibatch / online comparison
N_CHOICES = ("32", "64", "128", "256", "512", "1024")
MAX_SEED = 9999
COMPARED = ("gd", "momentum", "rmsprop", "adam")  # the lecture's four, side by side
WEIGHTS = ("w₁", "w₂", "w₃")
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "minibatches"}}

VIEWS = {
    "surfaces": "🧩 Minibatch surfaces",
    "sgd": "🎲 SGD paths",
    "noise": "🎯 Noise ball",
    "optimizers": "⚖️ Optimizers under noise",
    "adam": "📐 Adam: mean over RMS",
    "examples": "📦 Batch, minibatch, online",
}


_scene = functools.partial(scene, "pages/minibatches.py")


SCENES: tuple[Preset, ...] = (
    _scene(
        "minima_move",
        "Every minibatch has its own landscape",
        "The tanh unit's full loss has two minima and a saddle. Each minibatch of 16 keeps the "
        "saddle at the origin, but its minima move or leave the map: ▶ Play steps through them.",
        view="surfaces",
        data="tanh_network",
        batch="16",
    ),
    _scene(
        "downhill_turns",
        "At the saddle, downhill turns",
        "Batches of 4: for one of them the downhill line through the saddle points into the "
        "other pair of quadrants — its gradient pushes w_h to the other side.",
        view="surfaces",
        data="tanh_network",
        batch="4",
    ),
    _scene(
        "noisy_moons",
        "SGD on the noisy moons",
        "Full-batch gradient descent walks smoothly to the minimum; SGD with 4 examples per "
        "step jitters around that path, and 16 seeds spread into a cloud.",
        view="sgd",
        data="moons_logistic",
        batch="4",
        lr="0.5",
    ),
    _scene(
        "start_decides",
        "The start decides the side, not the noise",
        "From beside the saddle, with one example per step, the first step of some seeds goes "
        "to w_h < 0 — yet every seed ends on the same side as full-batch gradient descent.",
        view="sgd",
        data="tanh_network",
        batch="1",
    ),
    _scene(
        "decay_shrinks",
        "Decaying ε shrinks the noise ball",
        "With a constant ε the cloud keeps its size for good; with ε halving every 70 steps it "
        "contracts toward the minimum.",
        view="noise",
        data="correlated_regression",
        batch="1",
        lr="0.05",
    ),
    _scene(
        "same_noise",
        "Four optimizers, the same noise",
        "Same minibatches, same ε: momentum's ball is the widest — its velocity sums about "
        "1/(1 − α) gradients, noise included — and plain gradient descent's the smallest.",
        view="optimizers",
        data="correlated_regression",
        batch="4",
    ),
    _scene(
        "adam_exercise",
        "The lecture's exercise on Adam",
        "Gradients 1.1, 0.9, …; 0.1, 0.1, …; 1.1, −0.9, …: Adam moves w₁ and w₂ equally "
        "fast and w₃ ten times slower.",
        view="adam",
    ),
    _scene(
        "online_wins_per_example",
        "Online learning wins per example seen",
        "Same ε, the same 8 epochs of data: the full batch makes 8 careful updates, online "
        "learning 1024 noisy ones — and per example seen gets much further.",
        view="examples",
        data="correlated_regression",
        lr="0.05",
    ),
)

page = page_setup(PAGE, "Minibatches and noise", icon="🎲")
state = page.state
side = st.sidebar
look = page.look


# --- cached core calls (plain values in, arrays out) ---------------------------------------

DataSpec = tuple  # (dataset name, ((parameter, value), ...))


@st.cache_resource(max_entries=16, show_spinner=False)
def dataset(spec: DataSpec) -> landscapes.Dataset:
    name, params = spec
    return landscapes.get_dataset(name, **dict(params))


def full_grid(spec: DataSpec, bounds=None, n: int = GRID):
    data = dataset(spec)
    return landscapes.loss_grid(data.loss, bounds or data.bounds, n)


def _panel(title: str, points, xs, ys, Z) -> figs.SurfacePanel:
    minima = [p.w for p in points if p.kind == "minimum"]
    saddles = [p for p in points if p.kind == "saddle"]
    lowest = None
    if not minima and np.isfinite(Z).any():
        i, j = np.unravel_index(np.nanargmin(Z), Z.shape)
        lowest = (float(xs[j]), float(ys[i]))
    return figs.SurfacePanel(
        title,
        Z,
        np.reshape(minima, (-1, 2)),
        np.reshape([p.w for p in saddles], (-1, 2)),
        np.reshape([p.eigenvectors[:, 0] for p in saddles], (-1, 2)),
        lowest,
    )


def full_grid_on_panel(spec: DataSpec):
    """The full batch on the panel grid, as the minibatch of all n examples: the compilation
    that large minibatches then reuse."""
    data = dataset(spec)
    return landscapes.loss_grid(data.loss.minibatch(0, data.loss.n, 0), data.bounds, PANEL_GRID)


def surface_panels(spec: DataSpec, batch: int, seed: int):
    """The full batch and its first minibatches (of one epoch of batches of `batch`), each on
    the grid with its critical points.

    The critical points of all of them are searched in one call, each loss as weights over
    the n examples: one compiled search for every batch size, the full batch included, so a
    first visit traces and compiles one search instead of two (about a second here); the
    grids of small minibatches are drawn on their own examples, a quarter of the work."""
    data = dataset(spec)
    xs, ys, full_Z = cached(full_grid_on_panel)(spec)  # the same for every batch size and seed
    count = min(PANELS, int(data.loss.num_batches(batch)))
    searched = [data.loss.minibatch(0, data.loss.n, 0)]
    searched += [data.loss.minibatch(k, batch, seed) for k in range(count)]
    found = geometry.surface_critical_points_of_each(searched, data.bounds, slots=PANELS + 1)
    panels = [_panel("full batch", found[0], xs, ys, full_Z)]
    for k, points in enumerate(found[1:]):
        loss = data.loss.minibatch_on_its_examples(k, batch, seed)
        _, _, Zk = landscapes.loss_grid(loss, data.bounds, PANEL_GRID)
        panels.append(_panel(f"minibatch {k + 1}", points, xs, ys, Zk))
    return xs, ys, panels


def run_one(spec: DataSpec, start: tuple, optimizer: str, steps: int, settings: tuple):
    """One run on the data from `start`; settings: sorted (keyword, value) pairs for
    `optim.run` (hyperparameters, schedule, batch_size and seed for minibatches)."""
    data = dataset(spec)
    return optim.run(data.loss, np.asarray(start, dtype=float), optimizer, steps, **dict(settings))


def run_cloud(spec: DataSpec, start: tuple, optimizer: str, steps: int, settings: tuple, seed: int):
    """CLOUD_SEEDS runs from `start` with minibatch seeds seed, seed + 1, …, in one call."""
    data = dataset(spec)
    seeds = seed + np.arange(CLOUD_SEEDS)
    return optim.run_batch(
        data.loss, np.asarray(start, dtype=float), optimizer, steps, seed=seeds, **dict(settings)
    )


def noise_theory(spec: DataSpec, lr: float, batch: int) -> float:
    data = dataset(spec)
    return noise.independent_batch_noise_ball(data.loss, data.minimum, lr, batch).radius


def best_loss(spec: DataSpec) -> float:
    """E* = the loss at the full batch's (global) minimum."""
    data = dataset(spec)
    return min(float(data.loss(np.asarray(m))) for m in data.minima)


def zoom(centre, radius: float, bounds):
    """A square box around `centre` that shows a ball of `radius` small enough to see the
    slope around it: half a side of 4 radii rounded up to 1, 2 or 5 times a power of ten, so
    that most moves of a slider reuse the cached map; `bounds` when the ball is not finite or
    larger than them (runs that diverged)."""
    (x0, x1), (y0, y1) = bounds
    if not np.isfinite(radius) or 4.0 * radius > max(x1 - x0, y1 - y0):
        return bounds
    wanted = max(4.0 * radius, 1e-3)
    power = 10.0 ** np.floor(np.log10(wanted))
    half = next(float(m * power) for m in (1, 2, 5, 10) if m * power >= wanted * (1 - 1e-12))
    return ((centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half))


def exercise(patterns: tuple, hypers: tuple):
    """The exercise's series, Adam's running statistics and every optimizer's steps."""
    settings = dict(hypers)
    grads = noise.repeat_patterns(patterns, EXERCISE_STEPS)
    stats = noise.adam_statistics(grads, settings["adam.b1"], settings["adam.b2"])
    own = {
        "gd": {},
        "momentum": {"momentum": settings["momentum.momentum"]},
        "rmsprop": {"decay": settings["rmsprop.decay"]},
        "adam": {"b1": settings["adam.b1"], "b2": settings["adam.b2"]},
    }
    replays = {name: noise.replay(name, grads, **own[name]) for name in COMPARED}
    return grads, stats, noise.long_run_moments(patterns), replays


# --- lecture scenes ------------------------------------------------------------------------

page.scenes(SCENES)
page.notation(notation.ROWS[PAGE])

# --- tabs: the open one is the page's `view` setting ---------------------------------------

view, tabs = page.tabs(VIEWS, name="view", label="Tab")
uses_data = view != "adam"

# --- sidebar: data and minibatches ---------------------------------------------------------

titles = {name: dataset((name, ())).title for name in landscapes.DATASETS}
if uses_data:
    side.subheader("Data")
data_name = state.control(
    Setting.choice("data", "Data set", "tanh_network", landscapes.DATASETS, labels=titles),
    side,
    uses_data,
)
data_params = {}
for hyper in dataset((data_name, ())).param_specs:
    name = f"{data_name}.{hyper.name}"
    if hyper.name == "n":
        setting = Setting.choice(
            name, "n — number of examples", str(hyper.default), N_CHOICES, widget="segmented"
        )
        data_params["n"] = int(state.control(setting, side, uses_data))
    elif hyper.name == "seed":
        setting = Setting.integer(name, "Seed of the data", 0, 0, MAX_SEED, widget="number")
        data_params["seed"] = state.control(setting, side, uses_data)
    else:
        data_params[hyper.name] = state.control(
            Setting.from_hyper(hyper, prefix=f"{data_name}."), side, uses_data
        )
spec: DataSpec = (data_name, tuple(sorted(data_params.items())))
try:
    data = dataset(spec)
except ValueError as error:
    st.error(f"These data cannot be used: {error}. Showing the default data set instead.")
    spec = (data_name, ())
    data = dataset(spec)
n = data.loss.n

if uses_data:
    side.subheader("Minibatches")
batch = state.control(
    Setting.integer(
        "batch",
        "B — examples per minibatch",
        8,
        1,
        n,
        help="B = 1 is online learning, B = n the full batch.",
    ),
    side,
    uses_data,
)
seed = state.control(
    Setting.integer(
        "seed",
        "Minibatch seed",
        0,
        0,
        MAX_SEED,
        widget="number",
        help="Seeds the shuffle of the data before each epoch.",
    ),
    side,
    uses_data,
)
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

lr = state.control(
    Setting.number("lr", "ε — learning rate", 0.1, 0.001, 3.0, scale="log"),
    row[0] if view in ("sgd", "noise", "examples") else None,
    view in ("sgd", "noise", "examples"),
)
start_choice = state.control(
    Setting.choice(
        "start",
        "Start",
        "0",
        tuple(str(i) for i in range(len(data.starts))),
        labels={str(i): f"({x:g}, {y:g})" for i, (x, y) in enumerate(data.starts)},
    ),
    row[1] if view == "sgd" else None,
    view == "sgd",
)
start = tuple(data.starts[int(start_choice)])
cloud = state.control(
    Setting.flag("cloud", f"Cloud of {CLOUD_SEEDS} seeds", True),
    row[2] if view == "sgd" else None,
    view == "sgd",
)

choice = schedule_choice()
decay_kind = state.control(
    Setting.choice(
        choice.name,
        choice.label,
        "exponential",
        tuple(s for s in optim.SCHEDULES if s != "constant"),
        labels=choice.labels,
    ),
    row[1] if view == "noise" else None,
    view == "noise",
)
schedule = {"schedule": decay_kind}
for i, hyper in enumerate(optim.get_schedule(decay_kind).params):
    setting = Setting.from_hyper(hyper)
    if setting.kind == "int":  # steps τ, T: within the run
        setting = Setting.integer(
            setting.name,
            setting.label,
            min(hyper.default, NOISE_STEPS),
            1,
            NOISE_STEPS,
            widget="number",
            help=setting.help,
        )
    schedule[hyper.name] = state.control(
        setting, row[2 + i] if view == "noise" else None, view == "noise"
    )

if view == "optimizers":
    side.subheader("Optimizers")
compared = {}
for name in COMPARED:
    box = None
    if view == "optimizers":
        box = side.container(border=True, key=f"{PAGE}.box.{name}")
        box.markdown(swatch(name), unsafe_allow_html=True)
    compared[name] = {}
    for hyper in optim.get_rule(name).hypers:
        if hyper.name == "learning_rate":
            hyper = hyper._replace(default=0.1)  # one ε for all: the same kicks
        compared[name][hyper.name] = state.control(
            Setting.from_hyper(hyper, prefix=f"{name}."), box, view == "optimizers"
        )

patterns, bad_series = [], []
for i, (label, default) in enumerate(zip(WEIGHTS, noise.LECTURE_SERIES, strict=True)):
    text = state.control(
        Setting.text(
            f"g{i + 1}",
            f"Gradients of {label}",
            ", ".join(f"{v:g}" for v in default),
            max_length=200,
        ),
        text_row[i] if view == "adam" else None,
        view == "adam",
    )
    try:
        patterns.append(noise.parse_series(text))
    except ValueError as error:
        patterns.append(default)
        bad_series.append((i, f"{label}: {error}. Using the lecture's series instead."))
exercise_hypers = {}
for i, (rule_name, keyword) in enumerate(
    (("adam", "b1"), ("adam", "b2"), ("momentum", "momentum"), ("rmsprop", "decay"))
):
    rule = optim.get_rule(rule_name)
    hyper = next(h for h in rule.hypers if h.name == keyword)
    setting = Setting.from_hyper(hyper, prefix=f"ex.{rule_name}.")
    setting = Setting.number(
        setting.name,
        f"{hyper.symbol} — {rule.title}",
        hyper.default,
        hyper.low,
        hyper.high,
        scale=setting.scale,
    )
    exercise_hypers[f"{rule_name}.{keyword}"] = state.control(
        setting, row[i] if view == "adam" else None, view == "adam"
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
    with heavy_job("Computing the minibatch surfaces…"):
        xs, ys, panels = cached(surface_panels)(spec, batch, seed)
    minima = np.reshape(data.minima, (-1, 2))
    plotly_chart(
        figs.minibatch_panels_figure(xs, ys, panels, minima, look=look),
        key=f"{PAGE}.panels",
        look=look,
        config=PLOT_CONFIG,
    )
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
    st.subheader("Step through the minibatches", anchor=False)
    plotly_chart(
        figs.minibatch_animation_figure(xs, ys, panels[0].Z, panels[1:], minima, look=look),
        key=f"{PAGE}.animation",
        look=look,
        config=PLOT_CONFIG,
    )
    st.caption(
        "Notice: ▶ Play or drag the slider — the minibatch surface changes under the "
        "dotted contours of the full loss; one step of SGD follows one of these surfaces."
    )


def sgd_tab() -> None:
    note_data()
    step = (("learning_rate", lr),)
    minibatches = (("batch_size", batch), ("learning_rate", lr))
    with heavy_job("Running gradient descent and SGD…"):
        full = cached(run_one)(spec, start, "gd", SGD_STEPS, step)
        single = cached(run_one)(spec, start, "gd", SGD_STEPS, (*minibatches, ("seed", seed)))
        many = cached(run_cloud)(spec, start, "gd", SGD_STEPS, minibatches, seed) if cloud else None
        xs, ys, Z = cached(full_grid)(spec)
        critical = cached(full_critical_points)(spec)
    report(full, "Full-batch gradient descent")
    report(single, "SGD")
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
    saddles = [p.w for p in critical if p.kind == "saddle"]
    plotly_chart(
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
        key=f"{PAGE}.sgd",
        look=look,
        config=PLOT_CONFIG,
    )
    st.caption(
        "Notice: SGD follows the slope of the full loss on average, but each step "
        "follows one minibatch, so the path jitters; ▶ Play moves every seed together."
    )
    minima = np.reshape(data.minima, (-1, 2))
    numbers = st.columns(3)
    numbers[0].metric(
        "Full batch: distance to w* at the end",
        f"{noise.distances_to_nearest(full.params[-1], minima):.3g}",
        help="Distance from the last point to the nearest full-batch minimum.",
    )
    numbers[1].metric(
        f"SGD seed {seed}: distance to w*",
        f"{noise.distances_to_nearest(single.params[-1], minima):.3g}",
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


def full_critical_points(spec: DataSpec):
    data = dataset(spec)
    return geometry.surface_critical_points(data.loss, data.bounds)


def noise_tab() -> None:
    with explanation:
        page.explain(
            "Every seed starts at the full-batch minimum w*. There the full gradient is zero "
            "but a minibatch's is not: each step kicks the weights away and the slope pulls "
            "them back, so the cloud settles into a ball whose size is set by ε and B. A "
            "decaying ε makes the kicks smaller over time."
        )
    centre = tuple(float(v) for v in data.minimum)
    minibatches = (("batch_size", batch), ("learning_rate", lr))
    with heavy_job("Running the clouds of SGD…"):
        constant = cached(run_cloud)(spec, centre, "gd", NOISE_STEPS, minibatches, seed)
        decayed = cached(run_cloud)(
            spec,
            centre,
            "gd",
            NOISE_STEPS,
            tuple(sorted({**dict(minibatches), **schedule}.items())),
            seed,
        )
        theory = cached(noise_theory)(spec, lr, batch)
    minima = np.reshape(data.minima, (-1, 2))
    ball = noise.stationary_radius(constant.params, minima, BURN_IN)
    end = noise.stationary_radius(decayed.params, minima, NOISE_STEPS - NOISE_STEPS // 16)
    if np.any(constant.diverged_at >= 0) or np.any(decayed.diverged_at >= 0):
        st.error("Some runs diverged — lower ε.", icon="💥")
    xs, ys, Z = cached(full_grid)(spec, zoom(centre, ball, data.bounds))
    title = optim.get_schedule(decay_kind).title.lower()
    rings = [
        figs.Ring(centre, ball, f"ball, constant ε: {ball:.3g}", figs.SGD_COLOR),
        figs.Ring(centre, end, f"at the end, {title}: {end:.3g}", figs.ONLINE_COLOR),
    ]
    clouds = [
        figs.Cloud("constant ε", figs.SGD_COLOR, constant.params),
        figs.Cloud(title, figs.ONLINE_COLOR, decayed.params),
    ]
    plotly_chart(
        figs.cloud_figure(xs, ys, Z, clouds, rings=rings, minima=minima, log_color=True, look=look),
        key=f"{PAGE}.ball",
        look=look,
        config=PLOT_CONFIG,
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
    plotly_chart(
        figs.curves_figure(
            curves,
            levels=[figs.Level(theory, "theory, independent minibatches", look.foreground)],
            x_title="step",
            y_title="radius √mean ‖w − w*‖²",
            look=look,
        ),
        key=f"{PAGE}.radius",
        look=look,
        config=PLOT_CONFIG,
    )
    per_epoch = int(data.loss.num_batches(batch))
    st.caption(
        "Notice: with constant ε the radius rises and stays; with a decaying ε it falls "
        f"again. Look for dips every {per_epoch} steps, at the end of each epoch: by then "
        "every example has been used once, and near w* their kicks largely cancel."
    )
    with st.expander("Why can the measured ball be smaller than the theory?"):
        st.markdown(
            "The theory draws a fresh random minibatch at every step; then the radius grows "
            "like √ε for small ε. The lab, like training code, shuffles the data once per "
            "epoch and walks through it, so within an epoch every example is used once and at "
            "w* the minibatch gradients of an epoch add up to exactly zero. When an epoch "
            "takes fewer steps than a run needs to forget where it was (about 1/(εh) steps for "
            "curvature h), the kicks of an epoch largely cancel and the ball is smaller — it "
            "then shrinks like ε rather than √ε. With long epochs (B = 1 and many examples) "
            "the two agree."
        )


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
        with heavy_job(f"Running {title} from {CLOUD_SEEDS} seeds…"):
            runs = cached(run_cloud)(spec, centre, name, NOISE_STEPS, settings, seed)
        color = optimizer_color(name)
        ball = noise.stationary_radius(runs.params, minima, BURN_IN)
        clouds.append(figs.Cloud(title, color, runs.params))
        rings.append(figs.Ring(centre, ball, f"{title}: {ball:.3g}", color))
        curves.append(figs.Curve(title, color, np.arange(1, NOISE_STEPS + 1), radius_of(runs)[1:]))
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
    xs, ys, Z = cached(full_grid)(spec, zoom(centre, largest, data.bounds))
    plotly_chart(
        figs.cloud_figure(xs, ys, Z, clouds, rings=rings, minima=minima, log_color=True, look=look),
        key=f"{PAGE}.optimizers",
        look=look,
        config=PLOT_CONFIG,
    )
    left, right = st.columns([3, 2])
    plotly_chart(
        figs.curves_figure(curves, x_title="step", y_title="radius √mean ‖w − w*‖²", look=look),
        key=f"{PAGE}.optimizer_radius",
        look=look,
        where=left,
        config=PLOT_CONFIG,
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
    with heavy_job("Running the optimizers on these gradients…"):
        grads, stats, long_run, replays = cached(exercise)(
            tuple(patterns), tuple(sorted(exercise_hypers.items()))
        )
    plotly_chart(
        figs.statistics_figure(
            grads,
            stats.mean,
            stats.second_moment,
            stats.ratio,
            long_run,
            weight_labels=WEIGHTS,
            look=look,
        ),
        key=f"{PAGE}.statistics",
        look=look,
        config=PLOT_CONFIG,
    )
    st.caption(
        "Notice: ŝ settles at the mean gradient and r̂ at the mean square (dotted: the "
        "long-run values); the ratio ŝ/√r̂ — Adam's step in units of ε — is about 1 for w₁ "
        "and w₂ but about 0.1 for the noisy w₃."
    )
    page.explain(
        "Two quotients in the table. ⟨g⟩/√⟨g²⟩ is the mean over the root mean square "
        "(RMS), which is what Adam's step tends to: it does not change when every gradient "
        "is scaled, so w₁ and w₂ move alike. It is not a signal-to-noise ratio in the "
        "statistician's sense (that would divide by the standard deviation). The lecture's "
        "exercise writes ⟨g⟩/⟨g²⟩ without the root; that quotient grows as the gradient "
        "shrinks (10 for w₂), so it is not Adam's step — take the root to get it."
    )
    second_half = slice(EXERCISE_STEPS // 2, None)
    st.dataframe(
        [
            {
                "weight": label,
                "mean ⟨g⟩": f"{long_run.mean[j]:.4g}",
                "mean square ⟨g²⟩": f"{long_run.mean_square[j]:.4g}",
                "⟨g⟩/√⟨g²⟩ (mean/RMS)": f"{long_run.ratio[j]:.4g}",
                "⟨g⟩/⟨g²⟩ (exercise, no root)": f"{long_run.over_mean_square[j]:.4g}",
                "Adam's ŝ/√r̂, second half": f"{stats.ratio[second_half, j].mean():.4g}",
            }
            for j, label in enumerate(WEIGHTS)
        ],
        hide_index=True,
        key=f"{PAGE}.moments",
    )
    st.subheader("How far each optimizer moves each weight", anchor=False)
    runs = [
        (optim.get_rule(name).title, optimizer_color(name), replays[name].steps)
        for name in COMPARED
    ]
    plotly_chart(
        figs.travel_figure(runs, weight_labels=WEIGHTS, look=look),
        key=f"{PAGE}.travel",
        look=look,
        config=PLOT_CONFIG,
    )
    st.dataframe(
        [
            {
                "optimizer": optim.get_rule(name).title,
                **{
                    label: f"{v:.3g}"
                    for label, v in zip(
                        WEIGHTS, noise.average_step(replays[name], EXERCISE_STEPS // 2), strict=True
                    )
                },
            }
            for name in COMPARED
        ],
        hide_index=True,
        key=f"{PAGE}.speeds",
    )
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
    # Each run is as long as online learning's (one compiled length), then cut to its budget.
    start0 = tuple(data.starts[0])
    runs = {}
    for key, size in (("batch", None), ("minibatch", batch), ("online", 1)):
        settings = (("learning_rate", lr),)
        if size is not None:
            settings = (("batch_size", size), ("learning_rate", lr), ("seed", seed))
        with heavy_job(f"Running {EPOCHS} epochs of the {key} rule…"):
            traj = cached(run_one)(spec, start0, "gd", EPOCHS * n, settings)
        budget = EPOCHS * int(data.loss.num_batches(size or n))
        used = min(budget, len(traj.loss) - 1)
        diverged = traj.diverged_at if used < budget else None  # within its budget only
        runs[key] = (traj.loss[: used + 1], noise.examples_seen(n, size, used), diverged)
    best = cached(best_loss)(spec)
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
    plotly_chart(
        figs.examples_figure(curves, reference_loss=best, look=look),
        key=f"{PAGE}.examples",
        look=look,
        config=PLOT_CONFIG,
    )
    numbers = st.columns(3)
    for column, (key, (loss, seen, _)) in zip(numbers, runs.items(), strict=True):
        column.metric(
            f"{labels[key]}: E − E* at the end",
            f"{loss[-1] - best:.3g}",
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
