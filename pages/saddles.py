"""Minima and saddles: what the Hessian says at a critical point, where an optimizer ends up,
how long it lingers near a saddle, and why saddles far outnumber minima in high dimension.

Tabs (only the open one runs: `st.tabs(on_change="rerun")`, and the open tab is in the URL):
the critical points of a surface with their Hessian eigenvectors and, at a clicked point, the
local quadratic model; basins of attraction; escaping a saddle; random symmetric matrices (the
statistical argument); counting permutation minima and saddles (Brea et al. 2019); the
lecture's quiz. Every number shown comes from the core (`landscapes`, `optim`); every setting
lives in the URL, also those of the tabs that are closed.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import budget, core, notation
from app_support.caching import cached
from app_support.charts import clicked_point, plotly_chart
from app_support.page import page_setup
from app_support.presets import Preset, scene
from app_support.quiz import quiz_box
from app_support.topics import saddles as saddle_topic
from app_support.urlstate import Setting, format_number, load_url, log_grid
from landscapes import basins, random_matrices, symmetry
from viz import adaptive as viz_adaptive
from viz import saddles as figures
from viz.paths import OptimizerPath

PAGE = "saddles"
GRID = 150  # contour resolution (the grid is cached per surface)
LOCAL_GRID = 50  # resolution of the local-model window
LOCAL_HALF_WIDTH = 0.15  # half-width of the local-model window, as a fraction of the box
BASIN_STEPS = 128  # fixed: one compiled run length per optimizer
ESCAPE_STEPS = 1024
ESCAPE_OPTIMIZERS = ("gd", "momentum", "adam", "newton", "saddle_free_newton")
# Start distances d, in units of r: 3·10⁻¹⁰, 10⁻¹⁰ … 0.1, 0.3 (ascending).
DISTANCES = np.sort(np.outer([1.0, 3.0], 10.0 ** -np.arange(1, 11)).ravel())
SAMPLE_SIZES = ("1000", "10000", "100000")
DEFAULT_SURFACE = "himmelblau"
DEFAULT_FORMULA = "x**4 - 2*x**2 + y**2 + 0.3*x*y"
FORMULA = "formula"
CHART_KEY = f"{PAGE}.map"
CLICK_GRID = 40  # points per axis of the map's hover grid (`contour_figure`'s default)
TABS_KEY = f"{PAGE}.tabs"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "minima-and-saddles"}}
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


@dataclasses.dataclass(frozen=True)
class DistanceSetting(Setting):
    """A select-slider over the escape sweep's own distances (so the runs drawn are runs of
    the sweep)."""

    def options(self) -> tuple[float, ...]:
        return tuple(float(v) for v in DISTANCES)


TABS = {
    "points": "🎯 Critical points",
    "basins": "🧲 Basins of attraction",
    "escape": "🏃 Escaping a saddle",
    "random": "🎲 Random Hessians",
    "counting": "🔢 Counting minima and saddles",
    "minima": "⛰️ Good and poor minima",
    "quiz": "❓ Quiz",
}
SURFACE_TABS = ("points", "basins", "escape")
TAB = Setting.choice("tab", "Tab", "points", tuple(TABS), labels=TABS)


_scene = functools.partial(scene, "pages/saddles.py")


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

page = page_setup(PAGE, "Minima and saddles", icon="🐎")
state = page.state

# --- cached calls to the core (plain values in, arrays out) ----------------------------------


def find_critical_points(spec) -> list:
    """Every critical point inside the box (`landscapes.CriticalPoint`), lowest loss first."""
    surface = core.surface(spec)
    return landscapes.critical_points(surface.loss, surface.bounds)


def box_curvature(spec) -> float:
    surface = core.surface(spec)
    return basins.largest_curvature(surface.loss, surface.bounds)


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


def basin_data(spec, optimizer: str, settings: tuple):
    surface = core.surface(spec)
    points = cached(find_critical_points)(spec)
    targets = np.array([p.w for p in points]).reshape(-1, 2)
    result = basins.basin_map(
        surface.loss, surface.bounds, targets, optimizer, BASIN_STEPS, **dict(settings)
    )
    return result, basins.basin_shares(result.labels, len(points))


def saddle_frames(spec) -> list:
    """The first-order saddles of the surface, each in its own axes."""
    return [
        basins.saddle_frame(p.w, p.eigenvalues, p.eigenvectors)
        for p in cached(find_critical_points)(spec)
        if p.kind == "saddle" and p.index == 1
    ]


def escape_data(spec, which: int, radius: float, optimizer: str, settings: tuple):
    """One optimizer's sweep over all distances d, a single batched call (cached per
    optimizer: a slider of one optimizer reruns only its own sweep)."""
    surface = core.surface(spec)
    frame = cached(saddle_frames)(spec)[which]
    return basins.escape_sweep(
        surface.loss,
        frame,
        optimizer,
        radius * DISTANCES,
        radius,
        ESCAPE_STEPS,
        **dict(settings),
    )


def escape_window(spec, which: int, radius: float):
    surface = core.surface(spec)
    frame = cached(saddle_frames)(spec)[which]
    box = basins.window(frame.centre, 2.5 * radius, surface.bounds)
    return landscapes.loss_grid(surface.loss, box, GRID)


def goe_histogram(seed: int, n: int, samples: int):
    return random_matrices.index_histogram(seed, n, samples)


def goe_positive(seed: int, samples: int):
    return random_matrices.fraction_all_positive(
        seed, np.arange(1, random_matrices.MAX_N + 1), samples
    )


# --- settings that live in the URL whether or not their tab is open ---------------------------


def control(setting: Setting, where, *, on_change=None):
    """The widget of `setting` in container `where`; with `where` None (its tab is closed) the
    value is only carried over, so that it survives until the tab opens again."""
    if where is not None:
        return state.widget(setting, where, on_change=on_change)
    value = state.value(setting)
    state.set_later(setting.name, value)
    return value


def carried(*names: str) -> bool:
    """Whether any of the settings `names` has a value to carry while its tab is closed (a
    setting never set keeps its default without being declared, and costs nothing)."""
    if state.reloaded:
        return any(name in st.query_params for name in names)
    return any(state.key(name) in st.session_state for name in names)


def open_tabs():
    """The tabs, with the open one taken from the URL when the URL is new; returns the
    containers and the key of the open tab."""
    if state.reloaded:
        st.session_state[TABS_KEY] = TABS[state.peek(TAB)]
    containers = st.tabs(list(TABS.values()), key=TABS_KEY, on_change="rerun")
    label = st.session_state.get(TABS_KEY, TABS[TAB.default])
    opened = next((key for key, title in TABS.items() if title == label), TAB.default)
    st.session_state[state.key(TAB.name)] = opened
    state.value(TAB)
    return dict(zip(TABS, containers, strict=True)), opened


def _reset_for_new_surface():
    # A new surface has new critical points, a new box and new curvatures.
    state.reset(["px", "py", "saddle", "lr", "adam_lr", "escape_lr", "escape_adam_lr"])


def surface_controls(where):
    """The surface picker (a catalogue surface with its parameters, or a typed formula)."""
    titles = core.surface_titles()
    columns = where.columns([3, 2, 2]) if where is not None else [None] * 3
    name = control(
        Setting.choice(
            "surface",
            "Loss surface",
            DEFAULT_SURFACE,
            (*landscapes.SURFACES, FORMULA),
            labels={**titles, FORMULA: "✏️ Type a formula…"},
        ),
        columns[0],
        on_change=_reset_for_new_surface,
    )
    if name != FORMULA:
        specs = landscapes.get_surface(name).param_specs
        params = {
            h.name: control(
                Setting.from_hyper(h, prefix=f"{name}."),
                columns[1 + i % 2] if where is not None else None,
            )
            for i, h in enumerate(specs)
        }
        spec = core.catalogue_spec(name, params)
        return spec, core.surface(spec)
    row = where.columns([4, 1, 1, 1, 1]) if where is not None else [None] * 5
    text = control(
        Setting.text(
            "f",
            "E(x, y) =",
            DEFAULT_FORMULA,
            help="Operators + − * / ** ^, functions such as exp, log, sin, "
            "cos, tanh, sqrt, abs, min, max.",
        ),
        row[0],
    )
    box = [
        control(Setting.number(key, label, default, -1000, 1000, widget="number", step=0.5), column)
        for key, label, default, column in (
            ("xmin", "x from", -3, row[1]),
            ("xmax", "x to", 3, row[2]),
            ("ymin", "y from", -3, row[3]),
            ("ymax", "y to", 3, row[4]),
        )
    ]
    fallback = st.session_state.get(
        f"{PAGE}._last_good_formula", core.formula_spec(DEFAULT_FORMULA, ((-3, 3), (-3, 3)))
    )
    spec = core.formula_spec(text, ((box[0], box[1]), (box[2], box[3])))
    try:
        if not (box[0] < box[1] and box[2] < box[3]):
            raise ValueError("the box needs x from < x to and y from < y to")
        surface = core.surface(spec)
        st.session_state[f"{PAGE}._last_good_formula"] = spec
    except ValueError as error:  # landscapes.FormulaError is a ValueError
        if where is not None:
            where.error(f"This formula cannot be used: {error}")
            pointer = error.pointer() if hasattr(error, "pointer") else ""
            if pointer:
                where.code(pointer, language=None)
            where.caption(f"Showing the last formula that worked: `{fallback[1]}`.")
        spec = fallback
        surface = core.surface(spec)
    return spec, surface


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


# --- tab: critical points ----------------------------------------------------------------------


def _verdict(eigenvalues, gradient_norm: float, critical) -> str:
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


def points_tab(where, spec, surface) -> None:
    if where is None and not carried("px", "py"):
        return
    points = cached(find_critical_points)(spec)
    (x_min, x_max), (y_min, y_max) = surface.bounds
    first = next((p for p in points if p.kind == "saddle"), points[0] if points else None)
    default = first.w if first is not None else ((x_min + x_max) / 2, (y_min + y_max) / 2)
    px_setting = Setting.number(
        "px",
        "x of w₀",
        float(default[0]),
        x_min,
        x_max,
        widget="number",
        step=(x_max - x_min) / 100,
    )
    py_setting = Setting.number(
        "py",
        "y of w₀",
        float(default[1]),
        y_min,
        y_max,
        widget="number",
        step=(y_max - y_min) / 100,
    )
    if where is None:
        control(px_setting, None)
        control(py_setting, None)
        return

    map_column, side = where.columns([3, 1.3])
    side.markdown("**Inspect a point** — click the map, or type:")
    inputs = side.columns(2)
    px = control(px_setting, inputs[0])
    py = control(py_setting, inputs[1])

    point, local, gradient, hessian = cached(inspect_point)(spec, px, py)
    xs, ys, Z = core.grid(spec, GRID)

    def inspect_click():
        clicked = clicked_point(CHART_KEY)
        if clicked is None:
            return
        x, y = float(clicked["x"]), float(clicked["y"])
        # A click on a critical point's marker (within a marker's reach) inspects that point
        # exactly; anywhere else, the point clicked, rounded to keep the link tidy.
        reach = max(x_max - x_min, y_max - y_min) / (CLICK_GRID - 1)
        near = [p for p in points if np.hypot(p.w[0] - x, p.w[1] - y) < 0.75 * reach]
        if near:
            x, y = (float(v) for v in min(near, key=lambda p: np.hypot(p.w[0] - x, p.w[1] - y)).w)
        else:
            x, y = float(f"{x:.4g}"), float(f"{y:.4g}")
        if x_min <= x <= x_max and y_min <= y <= y_max:
            state.set_later("px", x)
            state.set_later("py", y)

    fig = figures.critical_points_figure(
        xs, ys, Z, points, look=page.look, log_color=surface.log_color, inspected=point, local=local
    )
    plotly_chart(
        fig,
        key=CHART_KEY,
        look=page.look,
        where=map_column,
        on_click=inspect_click,
        config=PLOT_CONFIG,
    )
    counts = {kind: sum(p.kind == kind for p in points) for kind in figures.KIND_SYMBOLS}
    plural = {
        "minimum": "minima",
        "saddle": "saddles",
        "maximum": "maxima",
        "degenerate": "degenerate points",
    }
    found = ", ".join(f"{n} {kind if n == 1 else plural[kind]}" for kind, n in counts.items() if n)
    arrows = "" if len(points) <= figures.MAX_ARROWS else " (too many for arrows)"
    map_column.caption(
        f"Found {found or 'no critical point'}{arrows}. Notice: at a minimum both arrows are "
        "green, at a saddle one is orange — the surface curves down along it; near w₀ the "
        "model's solid lines lie on the dotted lines of E."
    )

    diagonal = float(np.hypot(x_max - x_min, y_max - y_min))
    critical = next((p for p in points if np.linalg.norm(p.w - point.w) < 1e-6 * diagonal), None)
    side.metric("E(w₀)", f"{point.value:.5g}")
    side.markdown(_verdict(point.eigenvalues, float(np.linalg.norm(gradient)), critical))
    entries = [" & ".join(figures.latex_number(v) for v in row) for row in hessian]
    side.latex(rf"H = \begin{{pmatrix}} {entries[0]} \\ {entries[1]} \end{{pmatrix}}")
    lam = point.eigenvalues
    g = [figures.short_number(v, 3) for v in gradient]
    side.markdown(
        f"λ₁ = **{figures.short_number(lam[0])}**, λ₂ = "
        f"**{figures.short_number(lam[1])}**  \n∇E = ({g[0]}, {g[1]})"
    )
    with side:
        page.explain(
            "The quadratic model at w₀ is E(w₀ + Δ) ≈ E(w₀) + gᵀΔ + ½ ΔᵀHΔ. Its contour "
            "lines (solid) follow those of E (dotted) close to w₀ and part from them further "
            "away, where third-order terms count."
        )

    where.subheader("All critical points", anchor=False)
    where.dataframe(
        [
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
        ],
        hide_index=True,
        key=f"{PAGE}.points_table",
        column_config={
            name: st.column_config.NumberColumn(format="%.5g")
            for name in ("x", "y", "E", "λ₁", "λ₂", "‖∇E‖")
        },
    )
    page.explain(
        "At a point where ∇E = 0 the Hessian's eigenvalues decide: all positive → a minimum; "
        "any negative → not a minimum (with k negative eigenvalues, a saddle of index k: the "
        "surface goes down in k independent directions, or a maximum when all are); none "
        "negative but some zero → undecided by the Hessian (degenerate): the point may "
        "still be a minimum, e.g. where the loss stays flat along a whole line of equally "
        "good weights, as in a network whose units can trade weight without changing it."
    )


# --- tab: basins of attraction -----------------------------------------------------------------


def basins_tab(where, spec, surface) -> None:
    names = ("opt", "lr", "alpha", "adam_lr")
    if where is None and not carried(*names):
        return
    (x0, x1), (y0, y1) = surface.bounds
    settings = (
        Setting.choice(
            "opt", "Optimizer", "gd", ESCAPE_OPTIMIZERS, labels=TITLES, widget="segmented"
        ),
        *rate_settings(
            "",
            snapped_down(0.5 / cached(box_curvature)(spec), *LR_RANGE),
            snapped_down(min(x1 - x0, y1 - y0) / 100, *ADAM_LR_RANGE),
            "The default is 1/(2λ_max), with λ_max the steepest curvature in the box: stable "
            "everywhere in it.",
        ),
    )
    if where is None:
        for setting in settings:
            control(setting, None)
        return
    optimizer = control(settings[0], where)
    top = where.columns(3)
    places = {
        "lr": top[1] if optimizer in ("gd", "momentum") else None,
        "alpha": top[2] if optimizer == "momentum" else None,
        "adam_lr": top[1] if optimizer == "adam" else None,
    }
    lr, alpha, adam_lr = (control(setting, places[setting.name]) for setting in settings[1:])
    if optimizer in ("newton", "saddle_free_newton"):
        top[1].caption(
            "ε = 1, the full Newton step"
            + (", δ = 0.01" if optimizer == "saddle_free_newton" else "")
        )

    points = cached(find_critical_points)(spec)
    settings = optimizer_settings(optimizer, lr, alpha, adam_lr)
    with budget.heavy_job("Running the optimizer from every start of the grid…"):
        result, shares = cached(basin_data)(spec, optimizer, settings)
    title = f"{TITLES[optimizer]}, {BASIN_STEPS} steps from each of {result.labels.size:,} starts"
    fig = figures.basin_figure(
        result.xs,
        result.ys,
        result.labels,
        points,
        shares=shares,
        surface=core.grid(spec, GRID),
        log_color=surface.log_color,
        title=title,
        look=page.look,
    )
    plotly_chart(
        fig,
        key=f"{PAGE}.basins",
        look=page.look,
        where=where,
        config=PLOT_CONFIG,
    )
    diverged = shares[-1]
    where.caption(
        "Notice: the border between two colours passes through the saddle (✕) between them: "
        "starts exactly on it slide into the saddle, starts beside it pass close by first."
        + (f" {100 * diverged:.0f} % of the runs diverged (black): lower ε." if diverged else "")
    )
    page.explain(
        f"All {result.labels.size:,} runs are one vectorised call; each start is coloured by "
        f"the critical point its run ends within {result.radius:.3g} of (2 % of the box "
        "diagonal). Newton's method jumps to where its quadratic model has zero slope, so it "
        "heads for the critical point of its own basin — not necessarily the nearest one — "
        "whatever its kind: it has basins around saddles and maxima too; saddle-free Newton "
        "does not."
    )


# --- tab: escaping a saddle --------------------------------------------------------------------


def _reset_for_new_saddle():
    state.reset(["escape_lr"])


def escape_tab(where, spec, surface) -> None:
    names = ("saddle", "radius", "d", "escape_lr", "escape_alpha", "escape_adam_lr")
    if where is None and not carried(*names):
        return
    frames = cached(saddle_frames)(spec)
    points = cached(find_critical_points)(spec)
    saddle_points = [p for p in points if p.kind == "saddle" and p.index == 1]
    labels = {
        str(i): f"({p.w[0]:.3g}, {p.w[1]:.3g}), E = {p.value:.4g}, "
        f"λ_u = {figures.short_number(p.eigenvalues[0], 3)}"
        for i, p in enumerate(saddle_points)
    }
    saddle_setting = Setting.choice(
        "saddle", "Saddle", "0", tuple(labels) or ("0",), labels=labels or None
    )
    top = where.columns([4, 3, 3]) if where is not None else [None] * 3
    which = int(control(saddle_setting, top[0], on_change=_reset_for_new_saddle))
    frame = frames[which] if frames else None
    (x0, x1), (y0, y1) = surface.bounds
    box = min(x1 - x0, y1 - y0)
    # Default ε: the steep direction s shrinks by half a step, 1 − ελ_s = 1/2.
    steepest = max(abs(frame.unstable_curvature), frame.stable_curvature) if frame else 1.0
    settings = (
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
    places = [top[1], top[2], *(where.columns(3) if where is not None else [None] * 3)]
    radius_fraction, shown, lr, alpha, adam_lr = (
        control(setting, place) for setting, place in zip(settings, places, strict=True)
    )
    if where is None:
        return
    if frame is None:
        where.info(
            "This surface has no first-order saddle in its box. Try x² − y², the two "
            "minima, Himmelblau's or the six-hump camel.",
            icon="🔍",
        )
        where.button(
            "Show the escape from x² − y²",
            key=f"{PAGE}.to_saddle",
            on_click=load_url,
            args=(SCENE_BY_KEY["escape"].params,),
        )
        return

    radius = radius_fraction * box
    per_optimizer = tuple(
        (name, optimizer_settings(name, lr, alpha, adam_lr)) for name in ESCAPE_OPTIMIZERS
    )
    with budget.heavy_job("Running the escapes from the saddle…"):
        sweeps = {
            name: cached(escape_data)(spec, which, radius, name, settings)
            for name, settings in per_optimizer
        }
    distances = radius * DISTANCES
    estimate = basins.gd_escape_estimate(distances, radius, lr, frame.unstable_curvature)
    series = [
        figures.EscapeSeries(name, TITLES[name], distances, s.steps_near, s.escaped)
        for name, s in sweeps.items()
    ]
    left, right = where.columns(2)
    plotly_chart(
        figures.escape_figure(
            series,
            budget=ESCAPE_STEPS,
            radius=radius,
            look=page.look,
            estimate=(distances, estimate, "log(r/d) / log(1 + ε|λ_u|)"),
        ),
        key=f"{PAGE}.escape",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
    )

    i = int(np.argmin(np.abs(np.log(DISTANCES / shown))))
    longest = max((int(s.steps_near[i]) for s in sweeps.values() if s.escaped[i]), default=0)
    drawn = min(ESCAPE_STEPS, longest + 20)  # the paths until a while after the last escape
    paths = []
    for name, s in sweeps.items():
        end = drawn + 1 if s.diverged_at[i] < 0 else min(drawn + 1, int(s.diverged_at[i]))
        paths.append(
            OptimizerPath(
                name, TITLES[name], s.params[i, :end], s.loss[i, :end], np.full((end, 2), np.nan)
            )
        )
    xs, ys, Z = cached(escape_window)(spec, which, radius)
    plotly_chart(
        figures.escape_paths_figure(
            xs,
            ys,
            Z,
            paths,
            centre=frame.centre,
            radius=radius,
            unstable=frame.unstable,
            stable=frame.stable,
            start=sweeps["gd"].starts[i],
            log_color=surface.log_color,
            look=page.look,
        ),
        key=f"{PAGE}.escape_paths",
        look=page.look,
        where=right,
        config=PLOT_CONFIG,
    )

    where.markdown(
        f"**Steps within r = {figures.short_number(radius, 3)} of the saddle, from "
        f"d = {figures.short_number(distances[i], 2)}:**"
    )
    numbers = where.columns(len(ESCAPE_OPTIMIZERS) + 1)
    for column, (name, s) in zip(numbers, sweeps.items(), strict=False):
        count = int(s.steps_near[i])
        column.metric(
            SHORT_TITLES[name],
            f"{count}" if s.escaped[i] else f"≥ {count}",
            help=f"{TITLES[name]}: "
            + ("left the ball" if s.escaped[i] else f"still within r after {ESCAPE_STEPS} steps"),
        )
    numbers[-1].metric(
        "Closed form, GD",
        f"{estimate[i]:.1f}",
        help="log(r/d) / log(1 + ε|λ_u|): gradient descent on the quadratic model, λ_u = "
        f"{figures.short_number(frame.unstable_curvature)}, ε = {format_number(lr)}.",
    )
    where.caption(
        f"Notice: gradient descent pays log 10 / log(1 + ε|λ_u|) ≈ "
        f"{np.log(10) / np.log1p(lr * abs(frame.unstable_curvature)):.1f} more steps for every "
        "factor 10 closer (a straight line); Newton is drawn into the saddle and stays; "
        "saddle-free Newton is pushed out at once."
    )
    page.explain(
        "Each run starts d away from the saddle along its unstable direction u, where the "
        "surface curves down (λ_u < 0): gradient descent multiplies that distance by "
        "1 + ε|λ_u| per step — slowly, when d is tiny. Momentum accumulates the small steps; "
        "Adam divides the gradient by its size, so its steps hardly depend on d. Newton's "
        "step −H⁻¹∇E jumps to where the quadratic model has zero slope — the saddle itself; "
        "saddle-free Newton uses |H| instead and turns the attraction along u into repulsion "
        "(Dauphin et al. 2014). A run that falls off a surface without a floor (x² − y²) is "
        "stopped by the runner far away; its count is not affected."
    )


# --- tab: random Hessians ----------------------------------------------------------------------


def random_tab(where) -> None:
    if where is None and not carried("n", "samples", "seed"):
        return
    columns = where.columns([3, 3, 2]) if where is not None else [None] * 3
    n = control(
        Setting.integer("n", "N — size of the random Hessian", 10, 1, random_matrices.MAX_N),
        columns[0],
    )
    samples = int(
        control(
            Setting.choice(
                "samples",
                "Samples",
                "10000",
                SAMPLE_SIZES,
                labels={s: f"{int(s):,}" for s in SAMPLE_SIZES},
                widget="segmented",
            ),
            columns[1],
        )
    )
    seed = control(Setting.integer("seed", "Seed", 0, 0, 1_000_000, widget="number"), columns[2])
    if where is None:
        return
    with budget.heavy_job("Drawing random Hessians…"):
        counts = cached(goe_histogram)(seed, n, samples)
        positive = cached(goe_positive)(seed, samples)
    left, right = where.columns(2)
    plotly_chart(
        figures.index_histogram_figure(counts, samples=samples, look=page.look),
        key=f"{PAGE}.index_histogram",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
    )
    plotly_chart(
        figures.positive_fraction_figure(
            positive.ns,
            positive.fraction,
            positive.stderr,
            samples=samples,
            current=n,
            look=page.look,
        ),
        key=f"{PAGE}.positive_fraction",
        look=page.look,
        where=right,
        config=PLOT_CONFIG,
    )
    saddles = counts[1:n].sum() if n > 1 else 0
    numbers = where.columns(4)
    numbers[0].metric(
        "All eigenvalues positive",
        f"{counts[0]:,} of {samples:,}",
        help=f"{counts[0] / samples:.3%} of the samples have no way down: a minimum.",
    )
    numbers[1].metric(
        "Exactly one negative",
        f"{counts[1]:,} of {samples:,}" if n > 1 else "—",
        help="One way down: a first-order saddle.",
    )
    numbers[2].metric(
        "Saddles with ≥ 2 ways down",
        f"{counts[2:n].sum() / saddles:.1%}" if saddles else "—",
        help="Among the samples that are saddles (0 < k < N).",
    )
    numbers[3].metric(
        "Mean index",
        f"{(np.arange(n + 1) @ counts) / samples:.2f}",
        help=f"Half of N = {n / 2:g} by symmetry.",
    )
    seen = np.flatnonzero(positive.fraction > 0)  # sizes with at least one minimum
    last_seen = int(seen[-1]) if seen.size else -1
    none_from = int(positive.ns[last_seen + 1]) if last_seen + 1 < len(positive.ns) else None
    where.caption(
        "Notice: the bars pile up around k = N/2 — a typical saddle has many ways down — and "
        "the share of all-positive matrices falls faster than exponentially with N"
        + (
            f": from N = {none_from} on, not one of the {samples:,} samples is a minimum."
            if none_from is not None
            else "."
        )
    )
    page.explain(
        "The lecture's statistical argument: if the Hessian at a critical point were a random "
        "symmetric matrix (here H = (A + Aᵀ)/√2 with standard normal entries, the Gaussian "
        "orthogonal ensemble), its eigenvalues would be like random numbers of mean zero, and "
        "“all positive” would become rare fast: most critical points would be saddles, "
        "with many directions of escape. For N = 2 the exact share is (1 − 1/√2)/2 ≈ 0.146; "
        "for large N it falls like 3^(−N²/4) (Dean & Majumdar 2006)."
    )


# --- tab: counting -----------------------------------------------------------------------------


def counting_tab(where) -> None:
    if where is None and not carried("neurons", "layers", "outputs", "exact_k"):
        return
    columns = where.columns(3) if where is not None else [None] * 3
    n = control(
        Setting.integer("neurons", "n — neurons per hidden layer", 10, 1, symmetry.MAX_NEURONS),
        columns[0],
    )
    m = control(
        Setting.integer("layers", "m — hidden layers", 9, 1, symmetry.MAX_LAYERS), columns[1]
    )
    q = control(
        Setting.integer("outputs", "q — outputs", 10, 1, symmetry.MAX_OUTPUTS, widget="number"),
        columns[2],
    )
    orders = tuple(str(K) for K in range(symmetry.max_saddle_order(n) + 1))
    exact_setting = Setting.choice(
        "exact_k", "Row", "0", orders, labels={K: f"K = {K}" for K in orders}
    )
    if where is None:
        control(exact_setting, None)
        return
    rows = symmetry.symmetry_table(n, m, q)
    numbers = where.columns(3)
    numbers[0].metric("Weights N = m·n² + n·q", f"{symmetry.weight_space_dimension(n, m, q):,}")
    numbers[1].metric(
        "Equivalent minima n!ᵐ",
        symmetry.format_count(rows[0]["count"]),
        help="Copies of every minimum made by relabelling the neurons.",
    )
    numbers[2].metric(
        "First-order saddles of one layer",
        symmetry.format_count(symmetry.first_order_permutation_points(n)),
        help="n!/2!·(n − 1): two coinciding neurons among n − 1 distinct ones.",
    )
    where.dataframe(
        [
            {
                "K": row["K"],
                "what": row["label"],
                "how many": row["count_text"],
                "per global minimum": row["per_minimum_text"],
            }
            for row in rows
        ],
        hide_index=True,
        key=f"{PAGE}.counting_table",
    )
    where.caption(
        "Notice: every row is a lower bound on saddles of order K, and already for K = 1 "
        "there are (m/2)·(n − 1) times more saddles than global minima."
    )
    box = where.expander("Exact digits (no rounding)")
    K = int(control(exact_setting, box))
    digits = figures.exact_digits(rows[K]["count"])
    box.caption(f"{rows[K]['label']}: {len(digits):,} digits")
    box.code(digits, language=None, wrap_lines=True)
    page.explain(
        "Relabelling the n neurons of a hidden layer (moving their incoming and outgoing "
        "weights with them) leaves the network's function unchanged, so every minimum comes "
        "in n!ᵐ copies. Between two copies that swap neurons i and j lies a point where "
        "their weight vectors coincide: a critical point, often a saddle. Brea et al. (2019) "
        "count at least (m/2ᴷ)·C(n − K, K)·n!ᵐ such points of order K (K < n/2)."
    )


# --- tab: quiz ---------------------------------------------------------------------------------

QUIZ_ESCAPE = {"learning_rate": 0.05, "radius": 0.4, "distances": (1e-2, 1e-4, 1e-8)}
QUIZ_GOE = {"n": 20, "samples": 10_000, "seed": 0}


def minima_tab(where) -> None:
    """A 1-D loss with a good (low) and a poor (high) minimum: the start decides which one
    gradient descent ends in."""
    names = ("well_tilt", "well_lr", "well_w0")
    if where is None and not carried(*names):
        return
    columns = where.columns(3) if where is not None else [None] * 3
    tilt = control(
        Setting.number(
            "well_tilt",
            "t — tilt",
            0.2,
            0.0,
            0.35,
            step=0.01,
            help="how much lower the left minimum is: E(w) = ¼(w² − 1)² + t·w",
        ),
        columns[0],
    )
    lr = control(
        Setting.number(
            "well_lr",
            "ε — learning rate",
            0.1,
            0.01,
            0.15,
            scale="log",
            help="at most 0.15: below 2/E″ on the whole curve, so no step jumps past the peak",
        ),
        columns[1],
    )
    w0 = control(Setting.number("well_w0", "w₀ — start", 0.6, -1.9, 1.9, step=0.05), columns[2])
    if where is None:
        return
    well = saddle_topic.good_and_poor(tilt, lr, w0)
    runs = well.runs
    with where:
        page.explain(
            "E(w) = ¼(w² − 1)² + t·w has two minima; the tilt t makes the left one lower. "
            "Both are minima — E′ = 0 and E″ > 0 — but only the left one is **good**: the "
            "right one is a **poor** local minimum, with a higher loss. Gradient descent only "
            "goes downhill, so the start decides: every start left of the peak (the maximum "
            "between them) ends in the good minimum, every start right of it in the poor one."
        )
        plotly_chart(
            viz_adaptive.well_figure(
                well.w,
                well.E,
                runs.starts,
                runs.loss[:, 0],
                runs.ends_in,
                runs.minima,
                well.minima_loss,
                well.path,
                well.path_loss,
                look=page.look,
            ),
            key=f"{PAGE}.well",
            look=page.look,
        )
        good, poor = runs.minima
        ends = {0: "the good minimum", 1: "the poor minimum"}
        verdict = ends.get(well.path_ends_in, "neither minimum (it has not settled)")
        columns = st.columns(4)
        columns[0].metric(
            "good minimum", f"w = {good:.3g}", f"E = {well.minima_loss[0]:.3g}", delta_color="off"
        )
        columns[1].metric(
            "poor minimum", f"w = {poor:.3g}", f"E = {well.minima_loss[1]:.3g}", delta_color="off"
        )
        columns[2].metric("peak between them", f"w = {well.peak:.3g}")
        columns[3].metric("starts ending in the good one", f"{np.mean(runs.ends_in == 0):.0%}")
        st.markdown(
            f"From w₀ = {format_number(w0)} (open circles: its first {viz_adaptive.PATH_STEPS} "
            f"steps) gradient descent ends in **{verdict}**."
        )
        page.explain(
            "Which minimum is reached depends on where the run starts, not on how low the "
            "minimum is. In large networks most local minima found in "
            "practice have a loss close to the best one; the poor ones are the worry of small "
            "models (Goodfellow et al. 2016, §8.2.2)."
        )


def quiz_escape_counts():
    """Gradient descent from d off the stable direction of x² − y² (one batched call)."""
    spec = core.catalogue_spec("saddle", {})
    frame = cached(saddle_frames)(spec)[0]
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
    counts, estimate = cached(quiz_escape_counts)()
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
    counts = cached(goe_histogram)(seed, n, samples)
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


def quiz_tab(where) -> None:
    if where is None:
        return
    with where:
        page.explain(
            "The lecture's quiz. Answer each question first; the page then shows the "
            "evidence, computed by the lab's core."
        )
        quiz_box(
            PAGE,
            "minima",
            "A network with 9 hidden layers of 10 neurons each has more than 1000 minima.",
            "yes",
            quiz_minima,
        )
        quiz_box(
            PAGE,
            "saddles",
            "It has many minima and even more saddle points.",
            "yes",
            quiz_more_saddles,
        )
        quiz_box(PAGE, "slow", "Gradient descent is slow close to a saddle.", "yes", quiz_slow)
        quiz_box(
            PAGE,
            "one_way",
            "Close to a saddle there is only one direction to go down.",
            "no",
            quiz_one_direction,
        )
        quiz_box(
            PAGE,
            "equivalent",
            "There are many equivalent optimal solutions.",
            "yes",
            quiz_equivalent,
        )


# --- the page ----------------------------------------------------------------------------------

page.scenes(SCENES)
page.notation(notation.ROWS[PAGE])

containers, opened = open_tabs()


def place(tab: str):
    return containers[tab] if tab == opened else None


surface_place = containers[opened] if opened in SURFACE_TABS else None
surface_spec, chosen_surface = surface_controls(surface_place)
if surface_place is not None:
    with surface_place:
        page.explain(f"**{chosen_surface.title}.** {chosen_surface.note}")
points_tab(place("points"), surface_spec, chosen_surface)
basins_tab(place("basins"), surface_spec, chosen_surface)
escape_tab(place("escape"), surface_spec, chosen_surface)
random_tab(place("random"))
counting_tab(place("counting"))
minima_tab(place("minima"))
quiz_tab(place("quiz"))

page.share_link()
state.finish()
