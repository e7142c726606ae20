"""Cached core calls, settings and lecture scenes of the page "Minima and saddles".

The core calls take plain values (a `core.SurfaceSpec`, numbers, tuples of keyword pairs) and
are cached per process (`st.cache_data`): a slider of one tab reruns only its own call, and a
tab that is closed calls nothing.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import alt_text, budget, core
from app_support.chart_view import FRAME, ZOOM
from app_support.presets import Preset, scene
from app_support.urlstate import Setting, format_number, load_url, log_grid
from landscapes import basins, random_matrices, symmetry
from viz import saddles as figures

PAGE = "saddles"
PAGE_FILE = f"pages/{PAGE}.py"
GRID = 150  # contour resolution (the grid is cached per surface)
LOCAL_GRID = 50  # resolution of the local-model window
LOCAL_HALF_WIDTH = 0.15  # half-width of the local-model window, as a fraction of the box
CLICK_GRID = 40  # points per axis of the map's hover grid (`contour_figure`'s default)
BASIN_STEPS = 128  # fixed: one compiled run length per optimizer
ESCAPE_STEPS = 1024
ESCAPE_OPTIMIZERS = ("gd", "momentum", "adam", "newton", "saddle_free_newton")
# Start distances d, in units of r: 3·10⁻¹⁰, 10⁻¹⁰ … 0.1, 0.3 (ascending).
DISTANCES = np.sort(np.outer([1.0, 3.0], 10.0 ** -np.arange(1, 11)).ravel())
SAMPLE_SIZES = ("1000", "10000", "100000")
TITLES = {name: optim.get_rule(name).title for name in ESCAPE_OPTIMIZERS}
SHORT_TITLES = {
    "gd": "GD",
    "momentum": "Momentum",
    "adam": "Adam",
    "newton": "Newton",
    "saddle_free_newton": "Saddle-free",
}
LR_RANGE = (1e-7, 2.0)
ADAM_LR_RANGE = (1e-5, 10.0)
QUIZ_ESCAPE = {"learning_rate": 0.05, "radius": 0.4, "distances": (1e-2, 1e-4, 1e-8)}
QUIZ_GOE = {"n": 20, "samples": 10_000, "seed": 0}

TABS = {
    "points": "🎯 Critical points",
    "basins": "🧲 Basins of attraction",
    "escape": "🏃 Escaping a saddle",
    "random": "🎲 Random Hessians",
    "counting": "🔢 Counting minima and saddles",
    "minima": "⛰️ Good and poor minima",
    "quiz": "❓ Quiz",
}
SURFACE_TABS = ("points", "basins", "escape")  # the tabs under the surface picker
# A new surface has new critical points, a new box and new curvatures: these start afresh.
# The escape map's kept zoom and step (`app_support.chart_view`) belong to its saddle's window.
SADDLE_DEPENDENT = ("escape_lr", ZOOM.name, FRAME.name)
SURFACE_DEPENDENT = ("px", "py", "saddle", "lr", "adam_lr", "escape_adam_lr", *SADDLE_DEPENDENT)

# --- lecture scenes ---------------------------------------------------------------------------

_scene = functools.partial(scene, PAGE_FILE)


SCENES: tuple[Preset, ...] = (
    _scene(
        "himmelblau",
        "Four minima, four saddles, one maximum",
        "Himmelblau's function: at each ✕ one arrow is orange (the surface curves down: a "
        "way out) and one green; at the ▲ both are orange.",
        tab="points",
        surface="himmelblau",
    ),
    _scene(
        "monkey",
        "A degenerate point: the monkey saddle",
        "At the origin of x³ − 3xy² the Hessian is zero: both eigenvalues vanish, so the "
        "second-order test cannot tell what kind of point it is — yet it goes down three ways.",
        tab="points",
        surface="monkey_saddle",
    ),
    _scene(
        "two_basins",
        "Two basins split by a saddle",
        "Gradient descent on two minima: the border between the two colours is the y-axis, "
        "the saddle's stable direction, and the saddle sits on it.",
        tab="basins",
        surface="two_minima",
        opt="gd",
    ),
    _scene(
        "newton_basins",
        "Newton is drawn to saddles",
        "Newton's method on Himmelblau's function: whole regions end at a saddle or at the "
        "maximum — it looks for ∇E = 0, not for low loss.",
        tab="basins",
        surface="himmelblau",
        opt="newton",
    ),
    _scene(
        "escape",
        "Escaping x² − y²",
        "Each factor 10 closer to the stable direction costs gradient descent the same "
        "number of extra steps: a straight line on the log axis, as log(r/d)/log(1 + 2ε).",
        tab="escape",
        surface="saddle",
    ),
    _scene(
        "random",
        "In high dimension, saddles win",
        "N = 20: hardly any random symmetric matrix has all eigenvalues positive, and the "
        "typical index is N/2 — many directions of escape, not one.",
        tab="random",
        n="20",
    ),
    _scene(
        "brea",
        "The lecture's 9 × 10 network",
        "9 hidden layers of 10 neurons: 10!⁹ ≈ 10⁵⁹ equivalent minima from permutations "
        "alone, and at least 40.5 first-order saddles for each of them.",
        tab="counting",
        neurons="10",
        layers="9",
    ),
    _scene("quiz", "The quiz", "Answer first; each answer shows the evidence.", tab="quiz"),
)
SCENE_BY_KEY = {scene.key: scene for scene in SCENES}


# --- settings --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DistanceSetting(Setting):
    """A select-slider over the escape sweep's own distances (so the runs drawn are runs of
    the sweep)."""

    def options(self) -> tuple[float, ...]:
        return tuple(float(v) for v in DISTANCES)


def snapped_down(value: float, low: float, high: float) -> float:
    """The largest value of the log-scale slider over [low, high] not above `value`."""
    grid = log_grid(low, high)
    return max((v for v in grid if v <= value), default=grid[0])


def rate_settings(prefix: str, lr_default: float, adam_default: float, lr_help: str):
    """ε for gradient descent and momentum, α, and Adam's ε (a step length), named
    `<prefix>lr`, `<prefix>alpha`, `<prefix>adam_lr`."""
    return (
        Setting.number(
            f"{prefix}lr",
            "ε — gradient descent and momentum",
            lr_default,
            *LR_RANGE,
            scale="log",
            help=lr_help,
        ),
        Setting.number(f"{prefix}alpha", "α — momentum", 0.9, 0.0, 0.999, scale="decay"),
        Setting.number(
            f"{prefix}adam_lr",
            "ε — Adam (about its step length)",
            adam_default,
            *ADAM_LR_RANGE,
            scale="log",
            help="Adam divides the gradient by its size: its steps are about ε long.",
        ),
    )


def optimizer_settings(name: str, lr: float, alpha: float, adam_lr: float) -> tuple:
    """Keyword settings for `optim.run` (Newton's methods at their default ε = 1)."""
    return {
        "gd": (("learning_rate", lr),),
        "momentum": (("learning_rate", lr), ("momentum", alpha)),
        "adam": (("learning_rate", adam_lr),),
        "newton": (),
        "saddle_free_newton": (),
    }[name]


def point_settings(bounds, points) -> tuple[Setting, Setting]:
    """x and y of the inspected point w₀: by default the first saddle (else the first critical
    point, else the box's centre)."""
    (x_min, x_max), (y_min, y_max) = bounds
    first = next((p for p in points if p.kind == "saddle"), points[0] if points else None)
    default = first.w if first is not None else ((x_min + x_max) / 2, (y_min + y_max) / 2)
    return tuple(
        Setting.number(
            name, label, float(value), low, high, widget="number", step=(high - low) / 100
        )
        for name, label, value, (low, high) in (
            ("px", "x of w₀", default[0], bounds[0]),
            ("py", "y of w₀", default[1], bounds[1]),
        )
    )


def basin_settings(spec, bounds) -> tuple[Setting, ...]:
    """The optimizer and its rates; ε's default is stable everywhere in the box."""
    (x0, x1), (y0, y1) = bounds
    return (
        Setting.choice(
            "opt", "Optimizer", "gd", ESCAPE_OPTIMIZERS, labels=TITLES, widget="segmented"
        ),
        *rate_settings(
            "",
            snapped_down(0.5 / box_curvature(spec), *LR_RANGE),
            snapped_down(min(x1 - x0, y1 - y0) / 100, *ADAM_LR_RANGE),
            "The default is 1/(2λ_max), with λ_max the steepest curvature in the box: stable "
            "everywhere in it.",
        ),
    )


def saddle_setting(points) -> Setting:
    """Which first-order saddle of the surface the escape runs start near."""
    saddle_points = [p for p in points if p.kind == "saddle" and p.index == 1]
    labels = {
        str(i): f"({p.w[0]:.3g}, {p.w[1]:.3g}), E = {p.value:.4g}, "
        f"λ_u = {figures.short_number(p.eigenvalues[0], 3)}"
        for i, p in enumerate(saddle_points)
    }
    return Setting.choice("saddle", "Saddle", "0", tuple(labels) or ("0",), labels=labels or None)


def escape_settings(frame, box: float) -> tuple[Setting, ...]:
    """r, the start d/r shown on the map, and the rates; by default ε makes the steep
    direction s shrink by half a step, 1 − ελ_s = 1/2."""
    steepest = max(abs(frame.unstable_curvature), frame.stable_curvature) if frame else 1.0
    return (
        Setting.number(
            "radius",
            "r — radius around the saddle (fraction of the box)",
            0.1,
            0.02,
            0.3,
            step=0.01,
        ),
        DistanceSetting.number(
            "d",
            "d/r — start of the runs on the map",
            1e-4,
            DISTANCES[0],
            DISTANCES[-1],
            scale="log",
        ),
        *rate_settings(
            "escape_",
            snapped_down(0.5 / steepest, *LR_RANGE),
            snapped_down(box / 200, *ADAM_LR_RANGE),
            "The default is 1/(2λ_max) at this saddle: along its stable direction each step "
            "halves the distance.",
        ),
    )


RANDOM_SETTINGS = (
    Setting.integer("n", "N — size of the random Hessian", 10, 1, random_matrices.MAX_N),
    Setting.choice(
        "samples",
        "Samples",
        "10000",
        SAMPLE_SIZES,
        labels={s: f"{int(s):,}" for s in SAMPLE_SIZES},
        widget="segmented",
    ),
    Setting.integer("seed", "Seed", 0, 0, 1_000_000, widget="number"),
)
NETWORK_SETTINGS = (
    Setting.integer("neurons", "n — neurons per hidden layer", 10, 1, symmetry.MAX_NEURONS),
    Setting.integer("layers", "m — hidden layers", 9, 1, symmetry.MAX_LAYERS),
    Setting.integer("outputs", "q — outputs", 10, 1, symmetry.MAX_OUTPUTS, widget="number"),
)


def exact_setting(neurons: int) -> Setting:
    """The row of the counting table whose exact digits are shown."""
    orders = tuple(str(K) for K in range(symmetry.max_saddle_order(neurons) + 1))
    return Setting.choice("exact_k", "Row", "0", orders, labels={K: f"K = {K}" for K in orders})


WELL_SETTINGS = (
    Setting.number(
        "well_tilt",
        "t — tilt",
        0.2,
        0.0,
        0.35,
        step=0.01,
        help="how much lower the left minimum is: E(w) = ¼(w² − 1)² + t·w",
    ),
    Setting.number(
        "well_lr",
        "ε — learning rate",
        0.1,
        0.01,
        0.15,
        scale="log",
        help="at most 0.15: below 2/E″ on the whole curve, so no step jumps past the peak",
    ),
    Setting.number("well_w0", "w₀ — start", 0.6, -1.9, 1.9, step=0.05),
)

# --- what the tab "Critical points" says ------------------------------------------------------

PLURALS = {
    "minimum": "minima",
    "saddle": "saddles",
    "maximum": "maxima",
    "degenerate": "degenerate points",
}


def clicked_target(x: float, y: float, points, bounds) -> tuple[float, float] | None:
    """The point a click at (x, y) inspects: a critical point whose marker was clicked (within
    a marker's reach) exactly, anywhere else the point clicked, rounded to keep the link tidy;
    None outside the box."""
    (x_min, x_max), (y_min, y_max) = bounds
    reach = max(x_max - x_min, y_max - y_min) / (CLICK_GRID - 1)
    near = [p for p in points if np.hypot(p.w[0] - x, p.w[1] - y) < 0.75 * reach]
    if near:
        x, y = (float(v) for v in min(near, key=lambda p: np.hypot(p.w[0] - x, p.w[1] - y)).w)
    else:
        x, y = float(f"{x:.4g}"), float(f"{y:.4g}")
    if x_min <= x <= x_max and y_min <= y <= y_max:
        return x, y
    return None


def found_text(points) -> str:
    """ "4 minima, 4 saddles, 1 maximum": how many critical points of each kind were found."""
    counts = {kind: sum(p.kind == kind for p in points) for kind in figures.KIND_SYMBOLS}
    found = ", ".join(f"{n} {kind if n == 1 else PLURALS[kind]}" for kind, n in counts.items() if n)
    return found or "no critical point"


def critical_alt(points, point) -> str:
    """The critical-point map's text alternative: what was found, and the inspected point w₀
    with its loss and Hessian eigenvalues as the sidebar shows them."""
    lam = point.eigenvalues
    return alt_text.chart(
        f"Contour map of the loss with its critical points: {found_text(points)}",
        f"Inspected w₀ = ({figures.short_number(point.w[0])}, {figures.short_number(point.w[1])}): "
        f"E = {point.value:.5g}, λ₁ = {figures.short_number(lam[0])}, "
        f"λ₂ = {figures.short_number(lam[1])}.",
    )


def points_table(points) -> list[dict]:
    """The table of every critical point: kind, place, loss, eigenvalues, index, ‖∇E‖."""
    return [
        {
            "kind": p.kind,
            "x": float(p.w[0]),
            "y": float(p.w[1]),
            "E": p.value,
            "λ₁": float(p.eigenvalues[0]),
            "λ₂": float(p.eigenvalues[1]),
            "index": p.index,
            "‖∇E‖": p.grad_norm,
        }
        for p in points
    ]


def verdict(eigenvalues, gradient_norm: float, critical) -> str:
    """What the point w₀ is, in words: a critical point of its kind and index, or the shape of
    the quadratic model where the gradient is not zero."""
    if critical is not None:
        kind = "degenerate point" if critical.kind == "degenerate" else critical.kind
        return (
            f"**A {kind}** (index {critical.index}: "
            f"{critical.index} negative eigenvalue{'s' if critical.index != 1 else ''})."
        )
    negative = int(np.sum(np.asarray(eigenvalues) < 0))
    shape = {
        0: "a bowl (curves up both ways)",
        1: "a saddle (up one way, down the other)",
        2: "a cap (curves down both ways)",
    }[negative]
    return (
        f"**Not a critical point** (‖∇E‖ = {gradient_norm:.3g}), so the model is tilted by "
        f"gᵀΔ; its curvature here is that of {shape}."
    )


# --- what the tab "Escaping a saddle" says ---------------------------------------------------


def escape_numbers(
    sweeps, index: int, estimate: float, unstable_curvature: float, lr: float
) -> list[tuple[str, str, str]]:
    """(label, value, help) of the steps each optimizer spent within r of the saddle from the
    `index`-th start ("≥" for a run still inside at the end), then gradient descent's closed
    form on the quadratic model."""
    numbers = []
    for name, s in sweeps.items():
        count = int(s.steps_near[index])
        escaped = bool(s.escaped[index])
        inside = "left the ball" if escaped else f"still within r after {ESCAPE_STEPS} steps"
        numbers.append(
            (
                SHORT_TITLES[name],
                f"{count}" if escaped else f"≥ {count}",
                f"{TITLES[name]}: {inside}",
            )
        )
    numbers.append(
        (
            "Closed form, GD",
            f"{estimate:.1f}",
            "log(r/d) / log(1 + ε|λ_u|): gradient descent on the quadratic model, λ_u = "
            f"{figures.short_number(unstable_curvature)}, ε = {format_number(lr)}.",
        )
    )
    return numbers


# --- what the tabs "Random Hessians" and "Counting" say ------------------------------------------


ESCAPE_EXPLAIN = (  # under the escape tab's charts
    "Each run starts d away from the saddle along its unstable direction u, where the "
    "surface curves down (λ_u < 0): gradient descent multiplies that distance by "
    "1 + ε|λ_u| per step — slowly, when d is tiny. Momentum accumulates the small steps; "
    "Adam divides the gradient by its size, so its steps hardly depend on d. Newton's "
    "step −H⁻¹∇E jumps to where the quadratic model has zero slope — the saddle itself; "
    "saddle-free Newton uses |H| instead and turns the attraction along u into repulsion "
    "(Dauphin et al. 2014). A run that falls off a surface without a floor (x² − y²) is "
    "stopped by the runner far away; its count is not affected."
)


def random_numbers(counts, n: int, samples: int) -> list[tuple[str, str, str]]:
    """(label, value, help) of the numbers under the index histogram of N × N matrices:
    `counts[k]` samples with k negative eigenvalues, k = 0 … N."""
    counts = np.asarray(counts)
    saddles = counts[1:n].sum() if n > 1 else 0
    return [
        (
            "All eigenvalues positive",
            f"{counts[0]:,} of {samples:,}",
            f"{counts[0] / samples:.3%} of the samples have no way down: a minimum.",
        ),
        (
            "Exactly one negative",
            f"{counts[1]:,} of {samples:,}" if n > 1 else "—",
            "One way down: a first-order saddle.",
        ),
        (
            "Saddles with ≥ 2 ways down",
            f"{counts[2:n].sum() / saddles:.1%}" if saddles else "—",
            "Among the samples that are saddles (0 < k < N).",
        ),
        (
            "Mean index",
            f"{(np.arange(n + 1) @ counts) / samples:.2f}",
            f"Half of N = {n / 2:g} by symmetry.",
        ),
    ]


def first_size_without_minimum(positive) -> int | None:
    """The N from which on no sample was all positive (None if the largest N still had one)."""
    seen = np.flatnonzero(positive.fraction > 0)  # sizes with at least one minimum
    last_seen = int(seen[-1]) if seen.size else -1
    return int(positive.ns[last_seen + 1]) if last_seen + 1 < len(positive.ns) else None


def counting_table(rows) -> list[dict]:
    """The rows of `symmetry.symmetry_table` as the page's table shows them."""
    return [
        {
            "K": row["K"],
            "what": row["label"],
            "how many": row["count_text"],
            "per global minimum": row["per_minimum_text"],
        }
        for row in rows
    ]


# --- cached calls to the core (plain values in, arrays out) ----------------------------------


def critical_points(spec) -> list:
    """`find_critical_points` as a heavy job: a new formula's search takes seconds."""
    with budget.heavy_job("Finding the critical points…"):
        return find_critical_points(spec)


@st.cache_data(max_entries=32, show_spinner=False)
def find_critical_points(spec) -> list:
    """Every critical point inside the box (`landscapes.CriticalPoint`), lowest loss first."""
    surface = core.surface(spec)
    return landscapes.critical_points(surface.loss, surface.bounds)


@st.cache_data(max_entries=32, show_spinner=False)
def box_curvature(spec) -> float:
    surface = core.surface(spec)
    return basins.largest_curvature(surface.loss, surface.bounds)


@st.cache_data(max_entries=32, show_spinner=False)
def inspect_point(spec, x: float, y: float):
    """The Hessian's eigen-decomposition at (x, y) and the quadratic model over a window."""
    surface = core.surface(spec)
    (x0, x1), (y0, y1) = surface.bounds
    model = basins.quadratic_model(surface.loss, (x, y))
    eigenvalues, eigenvectors = landscapes.hessian_eig(surface.loss, (x, y))
    half = LOCAL_HALF_WIDTH * min(x1 - x0, y1 - y0)
    box = basins.window((x, y), half, surface.bounds)
    xs, ys, surface_values = landscapes.loss_grid(surface.loss, box, LOCAL_GRID)
    _, _, model_values = basins.quadratic_model_grid(surface.loss, (x, y), box, LOCAL_GRID)
    point = figures.PointView(model.centre, model.value, eigenvalues, eigenvectors)
    local = figures.LocalModel(model.centre, model.value, xs, ys, surface_values, model_values)
    return point, local, model.gradient, model.hessian


@st.cache_data(max_entries=32, show_spinner=False)
def basin_data(spec, optimizer: str, settings: tuple):
    surface = core.surface(spec)
    points = find_critical_points(spec)
    targets = np.array([p.w for p in points]).reshape(-1, 2)
    result = basins.basin_map(
        surface.loss, surface.bounds, targets, optimizer, BASIN_STEPS, **dict(settings)
    )
    return result, basins.basin_shares(result.labels, len(points))


@st.cache_data(max_entries=32, show_spinner=False)
def saddle_frames(spec) -> list:
    """The first-order saddles of the surface, each in its own axes."""
    return [
        basins.saddle_frame(p.w, p.eigenvalues, p.eigenvectors)
        for p in find_critical_points(spec)
        if p.kind == "saddle" and p.index == 1
    ]


@st.cache_data(max_entries=32, show_spinner=False)
def escape_data(spec, which: int, radius: float, optimizer: str, settings: tuple):
    """One optimizer's sweep over all distances d, a single batched call (cached per
    optimizer: a slider of one optimizer reruns only its own sweep)."""
    surface = core.surface(spec)
    frame = saddle_frames(spec)[which]
    return basins.escape_sweep(
        surface.loss,
        frame,
        optimizer,
        radius * DISTANCES,
        radius,
        ESCAPE_STEPS,
        **dict(settings),
    )


@st.cache_data(max_entries=32, show_spinner=False)
def escape_window(spec, which: int, radius: float):
    surface = core.surface(spec)
    frame = saddle_frames(spec)[which]
    box = basins.window(frame.centre, 2.5 * radius, surface.bounds)
    return landscapes.loss_grid(surface.loss, box, GRID)


@st.cache_data(max_entries=32, show_spinner=False)
def goe_histogram(seed: int, n: int, samples: int):
    return random_matrices.index_histogram(seed, n, samples)


@st.cache_data(max_entries=32, show_spinner=False)
def goe_positive(seed: int, samples: int):
    return random_matrices.fraction_all_positive(
        seed, np.arange(1, random_matrices.MAX_N + 1), samples
    )


@st.cache_data(max_entries=32, show_spinner=False)
def quiz_escape_counts():
    """Gradient descent from d off the stable direction of x² − y² (one batched call)."""
    spec = core.catalogue_spec("saddle", {})
    frame = saddle_frames(spec)[0]
    sweep = basins.escape_sweep(
        core.surface(spec).loss,
        frame,
        "gd",
        np.asarray(QUIZ_ESCAPE["distances"]),
        QUIZ_ESCAPE["radius"],
        ESCAPE_STEPS,
        learning_rate=QUIZ_ESCAPE["learning_rate"],
    )
    estimate = basins.gd_escape_estimate(
        sweep.distances,
        QUIZ_ESCAPE["radius"],
        QUIZ_ESCAPE["learning_rate"],
        frame.unstable_curvature,
    )
    return sweep.steps_near, estimate


# --- the tab "Good and poor minima" ------------------------------------------------------------

WELL_STARTS = np.linspace(-1.9, 1.9, 39)  # one shape for every setting: compiles once
WELL_STEPS = 300
WELL_GRID = np.linspace(-2.0, 2.0, 401)


class Well(NamedTuple):
    w: np.ndarray  # the curve's grid
    E: np.ndarray  # E(w) on it
    runs: basins.WellRuns  # gradient descent from WELL_STARTS
    minima_loss: np.ndarray  # E at the minima (good first)
    peak: float  # the maximum between the minima
    path: np.ndarray  # (steps + 1,) the run from the chosen start
    path_loss: np.ndarray
    path_ends_in: int  # 0 good, 1 poor, or basins.UNSETTLED / DIVERGED


def well_loss(tilt: float, w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return 0.25 * (w**2 - 1.0) ** 2 + tilt * w


@st.cache_data(max_entries=64, show_spinner=False)
def good_and_poor(tilt: float, learning_rate: float, start: float) -> Well:
    """The tilted double well, gradient descent from a row of starts and from `start`."""
    _, maxima = basins.double_well_critical_points(tilt)
    both = basins.double_well_runs(tilt, np.append(WELL_STARTS, start), learning_rate, WELL_STEPS)
    row = len(WELL_STARTS)  # the chosen start rides along in the same call, as the last row
    runs = basins.WellRuns(
        both.starts[:row], both.paths[:row], both.loss[:row], both.ends_in[:row], both.minima
    )
    return Well(
        WELL_GRID,
        well_loss(tilt, WELL_GRID),
        runs,
        well_loss(tilt, both.minima),
        float(maxima[0]),
        both.paths[row],
        both.loss[row],
        int(both.ends_in[row]),
    )


def well_numbers(well: Well) -> list[tuple[str, str, str | None]]:
    """(label, value, the loss there or None) of the numbers under the double well."""
    good, poor = well.runs.minima
    return [
        ("good minimum", f"w = {good:.3g}", f"E = {well.minima_loss[0]:.3g}"),
        ("poor minimum", f"w = {poor:.3g}", f"E = {well.minima_loss[1]:.3g}"),
        ("peak between them", f"w = {well.peak:.3g}", None),
        ("starts ending in the good one", f"{np.mean(well.runs.ends_in == 0):.0%}", None),
    ]


def well_alt(numbers) -> str:
    """The double well's text alternative: its minima, the peak between them and the share of
    starts that end in the good minimum (`well_numbers`, as shown)."""
    return alt_text.chart(
        "Loss E(w) of a double well with gradient descent from many starts",
        "; ".join(
            f"{label}: {value}" + (f", {loss}" if loss else "") for label, value, loss in numbers
        )
        + ".",
    )


# --- the lecture's quiz: each statement, its answer, and the evidence shown once answered ----


def quiz_minima() -> None:
    count = symmetry.equivalent_minima(10, 9)
    columns = st.columns(2)
    columns[0].metric("10!⁹", symmetry.format_count(count))
    columns[1].metric("digits", f"{len(figures.exact_digits(count))}")
    st.markdown(
        "Permuting the 10 neurons of each of the 9 layers alone gives 10!⁹ copies of "
        "every minimum — far more than 1000, before counting any other minima."
    )


def quiz_more_saddles() -> None:
    rows = symmetry.symmetry_table(10, 9, 10, max_K=3)
    columns = st.columns(3)
    for column, row in zip(columns, rows[1:], strict=False):
        column.metric(f"order-{row['K']} saddles per minimum (at least)", row["per_minimum_text"])
    st.markdown(
        "From the counting argument (tab 🔢) for 9 layers of 10 neurons: each order K "
        "adds a multiple of the n!ᵐ minima. And in the random-matrix picture almost "
        "no critical point of many weights is a minimum (tab 🎲)."
    )


def quiz_slow() -> None:
    counts, estimate = quiz_escape_counts()
    columns = st.columns(len(counts))
    for column, d, count, guess in zip(
        columns, QUIZ_ESCAPE["distances"], counts, estimate, strict=True
    ):
        column.metric(f"d = {d:g}: steps near", f"{count}", help=f"closed form {guess:.1f}")
    st.markdown(
        f"Gradient descent on x² − y² with ε = {QUIZ_ESCAPE['learning_rate']}, counting the "
        f"steps within r = {QUIZ_ESCAPE['radius']} of the saddle: the distance off the stable "
        "direction grows only by 1 + 2ε per step, so every factor 100 closer costs "
        f"log(100)/log(1.1) ≈ {np.log(100) / np.log(1.1):.0f} more steps."
    )
    st.button(
        "Open the escape experiment",
        key=f"{PAGE}.quiz.to_escape",
        on_click=load_url,
        args=(SCENE_BY_KEY["escape"].params,),
    )


def quiz_one_direction() -> None:
    n, samples, seed = QUIZ_GOE["n"], QUIZ_GOE["samples"], QUIZ_GOE["seed"]
    counts = goe_histogram(seed, n, samples)
    saddles = counts[1:n].sum()
    columns = st.columns(3)
    columns[0].metric(f"N = {n}: saddles with one way down", f"{counts[1]:,} of {saddles:,}")
    columns[1].metric("with two or more", f"{counts[2:n].sum():,} of {saddles:,}")
    columns[2].metric("mean index", f"{(np.arange(n + 1) @ counts) / samples:.1f}")
    st.markdown(
        f"{samples:,} random symmetric {n} × {n} matrices: a typical saddle has about "
        "N/2 negative eigenvalues — many directions to go down."
    )
    st.button(
        "Open the random Hessians",
        key=f"{PAGE}.quiz.to_random",
        on_click=load_url,
        args=(SCENE_BY_KEY["random"].params,),
    )


def quiz_equivalent() -> None:
    columns = st.columns(3)
    for column, n in zip(columns, (3, 10), strict=False):
        column.metric(
            f"{n} hidden neurons: copies of each minimum",
            symmetry.format_count(symmetry.equivalent_minima(n, 1)),
            help=f"{n}! relabellings of the neurons of one layer.",
        )
    columns[2].metric(
        "9 layers of 10: copies", symmetry.format_count(symmetry.equivalent_minima(10, 9))
    )
    st.markdown(
        "Relabelling the hidden neurons of a layer moves their weights around but leaves the "
        "network's function — and so its loss — unchanged: every minimum comes with n!ᵐ "
        "exact copies (tab 🔢). And with more neurons than the task needs there are many "
        "ways to split the task among them, so many solutions are almost as good. See it on "
        "the [permutation-symmetry page](permutation): a student finds its teacher up to a "
        "relabelling, and two relabelled copies are joined through a saddle."
    )


QUIZ = (  # (key, statement, the right answer, the evidence)
    (
        "minima",
        "A network with 9 hidden layers of 10 neurons each has more than 1000 minima.",
        "yes",
        quiz_minima,
    ),
    ("saddles", "It has many minima and even more saddle points.", "yes", quiz_more_saddles),
    ("slow", "Gradient descent is slow close to a saddle.", "yes", quiz_slow),
    (
        "one_way",
        "Close to a saddle there is only one direction to go down.",
        "no",
        quiz_one_direction,
    ),
    ("equivalent", "There are many equivalent optimal solutions.", "yes", quiz_equivalent),
)


# The page's explanations, by the view they explain.
EXPLAIN = {
    "index": (
        "At a point where ∇E = 0 the Hessian's eigenvalues decide: all positive → a minimum; "
        "any negative → not a minimum (with k negative eigenvalues, a saddle of index k: the "
        "surface goes down in k independent directions, or a maximum when all are); none "
        "negative but some zero → undecided by the Hessian (degenerate): the point may "
        "still be a minimum, e.g. where the loss stays flat along a whole line of equally "
        "good weights, as in a network whose units can trade weight without changing it."
    ),
    "statistics": (
        "The lecture's statistical argument: if the Hessian at a critical point were a random "
        "symmetric matrix (here H = (A + Aᵀ)/√2 with standard normal entries, the Gaussian "
        "orthogonal ensemble), its eigenvalues would be like random numbers of mean zero, and "
        "“all positive” would become rare fast: most critical points would be saddles, "
        "with many directions of escape. For N = 2 the exact share is (1 − 1/√2)/2 ≈ 0.146; "
        "for large N it falls like 3^(−N²/4) (Dean & Majumdar 2006)."
    ),
    "relabelling": (
        "Relabelling the n neurons of a hidden layer (moving their incoming and outgoing "
        "weights with them) leaves the network's function unchanged, so every minimum comes "
        "in n!ᵐ copies. Between two copies that swap neurons i and j lies a point where "
        "their weight vectors coincide: a critical point, often a saddle. Brea et al. (2019) "
        "count at least (m/2ᴷ)·C(n − K, K)·n!ᵐ such points of order K (K < n/2)."
    ),
    "double_well": (
        "E(w) = ¼(w² − 1)² + t·w has two minima; the tilt t makes the left one lower. "
        "Both are minima — E′ = 0 and E″ > 0 — but only the left one is **good**: the "
        "right one is a **poor** local minimum, with a higher loss. Gradient descent only "
        "goes downhill, so the start decides: every start left of the peak (the maximum "
        "between them) ends in the good minimum, every start right of it in the poor one."
    ),
    "which_minimum": (
        "Which minimum is reached depends on where the run starts, not on how low the "
        "minimum is. In large networks most local minima found in "
        "practice have a loss close to the best one; the poor ones are the worry of small "
        "models (Goodfellow et al. 2016, §8.2.2)."
    ),
}
