"""The minibatch page's lecture scenes, cached core calls and settings.

Every number the page shows comes from `landscapes` (the data sets, their losses and
minibatches, the critical points of each), `optim` (the runs, clouds of seeds in one batched
call) and `optim.noise` (the noise ball, Adam's running statistics) through these functions:
plain values in (a data set named by its `DataSpec`, batch sizes, seeds, sorted settings),
arrays and NamedTuples out, each wrapped once by `st.cache_data` (the data sets themselves by
`st.cache_resource`: one object per spec, so their losses compile once). The page's settings
(`Setting`s, some depending on the data set or the schedule chosen) and the measurements its
tabs show (noise balls, the batch / minibatch / online race, the exercise's tables) follow.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import alt_text
from app_support.optimizers import schedule_choice
from app_support.presets import Preset, scene
from app_support.urlstate import Setting
from landscapes import geometry
from optim import noise
from viz import minibatches as figs

PAGE_FILE = "pages/minibatches.py"
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
SMALLER_BALL = (
    "The theory draws a fresh random minibatch at every step; then the radius grows "
    "like √ε for small ε. The lab, like training code, shuffles the data once per "
    "epoch and walks through it, so within an epoch every example is used once and at "
    "w* the minibatch gradients of an epoch add up to exactly zero. When an epoch "
    "takes fewer steps than a run needs to forget where it was (about 1/(εh) steps for "
    "curvature h), the kicks of an epoch largely cancel and the ball is smaller — it "
    "then shrinks like ε rather than √ε. With long epochs (B = 1 and many examples) "
    "the two agree."
)
QUOTIENTS = (  # the Adam exercise's two quotients, under its table
    "Two quotients in the table. ⟨g⟩/√⟨g²⟩ is the mean over the root mean square "
    "(RMS), which is what Adam's step tends to: it does not change when every gradient "
    "is scaled, so w₁ and w₂ move alike. It is not a signal-to-noise ratio in the "
    "statistician's sense (that would divide by the standard deviation). The lecture's "
    "exercise writes ⟨g⟩/⟨g²⟩ without the root; that quotient grows as the gradient "
    "shrinks (10 for w₂), so it is not Adam's step — take the root to get it."
)
EXERCISE_HYPERS = (("adam", "b1"), ("adam", "b2"), ("momentum", "momentum"), ("rmsprop", "decay"))

_scene = functools.partial(scene, PAGE_FILE)


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


# --- cached core calls (plain values in, arrays out) ---------------------------------

DataSpec = tuple  # (dataset name, ((parameter, value), ...))


@st.cache_resource(max_entries=16, show_spinner=False)
def dataset(spec: DataSpec) -> landscapes.Dataset:
    name, params = spec
    return landscapes.get_dataset(name, **dict(params))


@st.cache_data(max_entries=32, show_spinner=False)
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


@st.cache_data(max_entries=32, show_spinner=False)
def full_grid_on_panel(spec: DataSpec):
    """The full batch on the panel grid, as the minibatch of all n examples: the compilation
    that large minibatches then reuse."""
    data = dataset(spec)
    return landscapes.loss_grid(data.loss.minibatch(0, data.loss.n, 0), data.bounds, PANEL_GRID)


@st.cache_data(max_entries=32, show_spinner=False)
def surface_panels(spec: DataSpec, batch: int, seed: int):
    """The full batch and its first minibatches (of one epoch of batches of `batch`), each on
    the grid with its critical points.

    The critical points of all of them are searched in one call, each loss as weights over
    the n examples: one compiled search for every batch size, the full batch included, so a
    first visit traces and compiles one search instead of two (about a second here); the
    grids of small minibatches are drawn on their own examples, a quarter of the work."""
    data = dataset(spec)
    xs, ys, full_Z = full_grid_on_panel(spec)  # the same for every batch size and seed
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


@st.cache_data(max_entries=32, show_spinner=False)
def run_one(spec: DataSpec, start: tuple, optimizer: str, steps: int, settings: tuple):
    """One run on the data from `start`; settings: sorted (keyword, value) pairs for
    `optim.run` (hyperparameters, schedule, batch_size and seed for minibatches)."""
    data = dataset(spec)
    return optim.run(data.loss, np.asarray(start, dtype=float), optimizer, steps, **dict(settings))


@st.cache_data(max_entries=32, show_spinner=False)
def run_cloud(spec: DataSpec, start: tuple, optimizer: str, steps: int, settings: tuple, seed: int):
    """CLOUD_SEEDS runs from `start` with minibatch seeds seed, seed + 1, …, in one call."""
    data = dataset(spec)
    seeds = seed + np.arange(CLOUD_SEEDS)
    return optim.run_batch(
        data.loss, np.asarray(start, dtype=float), optimizer, steps, seed=seeds, **dict(settings)
    )


@st.cache_data(max_entries=32, show_spinner=False)
def noise_theory(spec: DataSpec, lr: float, batch: int) -> float:
    data = dataset(spec)
    return noise.independent_batch_noise_ball(data.loss, data.minimum, lr, batch).radius


@st.cache_data(max_entries=32, show_spinner=False)
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


@st.cache_data(max_entries=32, show_spinner=False)
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


@st.cache_data(max_entries=32, show_spinner=False)
def full_critical_points(spec: DataSpec):
    """The full batch's critical points on its box (minima, saddles, maxima)."""
    data = dataset(spec)
    return geometry.surface_critical_points(data.loss, data.bounds)


# --- the page's settings (URL parameters) --------------------------------------------


def data_setting() -> Setting:
    titles = {name: dataset((name, ())).title for name in landscapes.DATASETS}
    return Setting.choice("data", "Data set", "tanh_network", landscapes.DATASETS, labels=titles)


def data_param_settings(name: str) -> list[tuple[str, Setting]]:
    """(parameter, setting) for each parameter of data set `name`, its URL name prefixed by
    the data set's: n among N_CHOICES, the data's seed typed in, the others from their specs."""
    settings = []
    for hyper in dataset((name, ())).param_specs:
        key = f"{name}.{hyper.name}"
        if hyper.name == "n":
            setting = Setting.choice(
                key, "n — number of examples", str(hyper.default), N_CHOICES, widget="segmented"
            )
        elif hyper.name == "seed":
            setting = Setting.integer(key, "Seed of the data", 0, 0, MAX_SEED, widget="number")
        else:
            setting = Setting.from_hyper(hyper, prefix=f"{name}.")
        settings.append((hyper.name, setting))
    return settings


def batch_setting(n: int) -> Setting:
    return Setting.integer(
        "batch",
        "B — examples per minibatch",
        8,
        1,
        n,
        help="B = 1 is online learning, B = n the full batch.",
    )


SEED = Setting.integer(
    "seed",
    "Minibatch seed",
    0,
    0,
    MAX_SEED,
    widget="number",
    help="Seeds the shuffle of the data before each epoch.",
)
LR = Setting.number("lr", "ε — learning rate", 0.1, 0.001, 3.0, scale="log")
CLOUD = Setting.flag("cloud", f"Cloud of {CLOUD_SEEDS} seeds", True)


def start_setting(starts) -> Setting:
    """The data set's default starts, by index."""
    return Setting.choice(
        "start",
        "Start",
        "0",
        tuple(str(i) for i in range(len(starts))),
        labels={str(i): f"({x:g}, {y:g})" for i, (x, y) in enumerate(starts)},
    )


def decay_setting() -> Setting:
    """The noise ball's decaying schedule: any schedule but the constant one."""
    choice = schedule_choice()
    return Setting.choice(
        choice.name,
        choice.label,
        "exponential",
        tuple(s for s in optim.SCHEDULES if s != "constant"),
        labels=choice.labels,
    )


def decay_param_settings(kind: str) -> list[tuple[str, Setting]]:
    """(parameter, setting) of schedule `kind`; its step counts (τ, T) within a noise run."""
    settings = []
    for hyper in optim.get_schedule(kind).params:
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
        settings.append((hyper.name, setting))
    return settings


def compared_settings(name: str) -> list[tuple[str, Setting]]:
    """(hyperparameter, setting) of optimizer `name` under noise, prefixed with its name."""
    settings = []
    for hyper in optim.get_rule(name).hypers:
        if hyper.name == "learning_rate":
            hyper = hyper._replace(default=0.1)  # one ε for all: the same kicks
        settings.append((hyper.name, Setting.from_hyper(hyper, prefix=f"{name}.")))
    return settings


def series_settings() -> list[Setting]:
    """The exercise's typed gradient series g1, g2, g3, the lecture's by default."""
    return [
        Setting.text(
            f"g{i + 1}",
            f"Gradients of {label}",
            ", ".join(f"{v:g}" for v in default),
            max_length=200,
        )
        for i, (label, default) in enumerate(zip(WEIGHTS, noise.LECTURE_SERIES, strict=True))
    ]


def exercise_settings() -> list[tuple[str, Setting]]:
    """("rule.keyword", setting) of the exercise's EXERCISE_HYPERS, named "ex.rule.keyword"."""
    settings = []
    for rule_name, keyword in EXERCISE_HYPERS:
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
        settings.append((f"{rule_name}.{keyword}", setting))
    return settings


# --- what the tabs measure (from the cached runs above) ------------------------------


class NoiseBall(NamedTuple):
    constant: optim.BatchTrajectory  # CLOUD_SEEDS runs from w* at a constant ε
    decayed: optim.BatchTrajectory  # the same seeds under the decaying schedule
    theory: float  # the ball if every minibatch were drawn independently
    ball: float  # RMS distance to the nearest minimum, constant ε, after BURN_IN steps
    end: float  # … of the decayed runs over their last NOISE_STEPS // 16 steps


def noise_ball(spec: DataSpec, lr: float, batch: int, seed: int, schedule: dict) -> NoiseBall:
    """Clouds of SGD from the full-batch minimum w*, at a constant ε and under `schedule`
    (`optim.run`'s schedule keywords), and the radii of their balls."""
    data = dataset(spec)
    centre = tuple(float(v) for v in data.minimum)
    minibatches = (("batch_size", batch), ("learning_rate", lr))
    constant = run_cloud(spec, centre, "gd", NOISE_STEPS, minibatches, seed)
    decayed = run_cloud(
        spec,
        centre,
        "gd",
        NOISE_STEPS,
        tuple(sorted({**dict(minibatches), **schedule}.items())),
        seed,
    )
    minima = np.reshape(data.minima, (-1, 2))
    return NoiseBall(
        constant,
        decayed,
        noise_theory(spec, lr, batch),
        noise.stationary_radius(constant.params, minima, BURN_IN),
        noise.stationary_radius(decayed.params, minima, NOISE_STEPS - NOISE_STEPS // 16),
    )


def examples_runs(spec: DataSpec, lr: float, batch: int, seed: int) -> dict:
    """Gradient descent on the full batch, on minibatches of `batch` and online, each given
    EPOCHS epochs of examples: {"batch" | "minibatch" | "online": (loss per update, examples
    seen per update, the step it diverged at within its budget or None)}."""
    data = dataset(spec)
    n = data.loss.n
    # Each run is as long as online learning's (one compiled length), then cut to its budget.
    start0 = tuple(data.starts[0])
    runs = {}
    for key, size in (("batch", None), ("minibatch", batch), ("online", 1)):
        settings = (("learning_rate", lr),)
        if size is not None:
            settings = (("batch_size", size), ("learning_rate", lr), ("seed", seed))
        traj = run_one(spec, start0, "gd", EPOCHS * n, settings)
        budget = EPOCHS * int(data.loss.num_batches(size or n))
        used = min(budget, len(traj.loss) - 1)
        diverged = traj.diverged_at if used < budget else None  # within its budget only
        runs[key] = (traj.loss[: used + 1], noise.examples_seen(n, size, used), diverged)
    return runs


# --- the exercise's tables (rows for `st.dataframe`) ---------------------------------


def moments_table(stats: noise.AdamStatistics, long_run: noise.Moments) -> list[dict]:
    """Per weight: the series' long-run mean, mean square and both quotients, next to Adam's
    ŝ/√r̂ averaged over the second half of the exercise."""
    second_half = slice(EXERCISE_STEPS // 2, None)
    return [
        {
            "weight": label,
            "mean ⟨g⟩": f"{long_run.mean[j]:.4g}",
            "mean square ⟨g²⟩": f"{long_run.mean_square[j]:.4g}",
            "⟨g⟩/√⟨g²⟩ (mean/RMS)": f"{long_run.ratio[j]:.4g}",
            "⟨g⟩/⟨g²⟩ (exercise, no root)": f"{long_run.over_mean_square[j]:.4g}",
            "Adam's ŝ/√r̂, second half": f"{stats.ratio[second_half, j].mean():.4g}",
        }
        for j, label in enumerate(WEIGHTS)
    ]


def speeds_table(replays: dict) -> list[dict]:
    """Per optimizer of COMPARED: its average step per weight over the exercise's second half
    (in units of ε)."""
    return [
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
    ]


def sgd_alt(ends: tuple[float, float], seed: int) -> str:
    """The SGD map's text alternative: how far the full-batch path and SGD's end from the
    nearest full-batch minimum (the page's metrics)."""
    return alt_text.chart(
        "Contour map of the full loss with the full-batch gradient descent path and SGD's",
        alt_text.values(
            "Distance to the nearest minimum at the end",
            [("full batch", ends[0]), (f"SGD seed {seed}", ends[1])],
        ),
    )


def surfaces_alt(what: str, panels) -> str:
    """The minibatch maps' text alternative: where each surface's minima are (the full
    batch's first), or its lowest point in view when it has none inside, and its saddles."""

    def where(panel) -> str:
        points = [f"({x:.2f}, {y:.2f})" for x, y in panel.minima]
        found = f"minima at {', '.join(points)}" if points else "no minimum inside"
        if not points and panel.lowest is not None:
            found += f", lowest point in view ({panel.lowest[0]:.2f}, {panel.lowest[1]:.2f})"
        return f"{panel.title}: {found}; {alt_text.count(len(panel.saddles), 'saddle')}"

    return alt_text.chart(what, *(f"{where(panel)}." for panel in panels))


def rings_alt(what: str, rings, theory: float | None = None) -> str:
    """A cloud map's text alternative: each ring's radius (a ring's label is its name, a
    colon and its radius) and, where given, the theory's."""
    radii = [(ring.label.rpartition(":")[0], ring.radius) for ring in rings]
    if theory is not None:
        radii.append(("theory, independent minibatches", theory))
    return alt_text.chart(what, alt_text.values("Radius", radii))


def examples_alt(gaps, epochs: int) -> str:
    """The batch / minibatch / online chart's text alternative: each run's E − E* at the end."""
    return alt_text.chart(
        f"Loss above the best against the examples seen over {epochs} epochs",
        alt_text.values("E − E* at the end", gaps),
    )


def table_alt(what: str, table: list[dict]) -> str:
    """A chart whose numbers are the table under it (first column: the row's name)."""
    if not table:
        return alt_text.chart(what)
    name, *columns = list(table[0])
    return alt_text.chart(what, alt_text.rows(table, name, columns))


# Why the noise ball has the radius it has (the noise ball view's explanation).
NOISE_BALL_EXPLAINED = (
    "Every seed starts at the full-batch minimum w*. There the full gradient is zero "
    "but a minibatch's is not: each step kicks the weights away and the slope pulls "
    "them back, so the cloud settles into a ball whose size is set by ε and B. A "
    "decaying ε makes the kicks smaller over time."
)
