"""Optimizer playground: any optimizers at once on a 2-D loss surface, animated in the browser.

Sidebar: the surface (catalogue or a typed formula), the start point, the optimizers with
their hyperparameters, the number of steps, schedule, clipping and L1/L2. Main area: lecture
scenes, the contour map (click it to move the start point; Play animates every optimizer
together) or the 3-D view, loss and distance curves, a summary table, the update rules, and
downloads. Every setting lives in the URL.
"""

from __future__ import annotations

from contextlib import nullcontext

import streamlit as st

import optim
from app_support import alt_text, budget, core, notation
from app_support.chart_view import chart_view
from app_support.charts import clicked_point, plotly_chart
from app_support.export import trajectories_csv
from app_support.optimizers import (
    optimizer_choice,
    optimizer_panel,
    swatch,
    training_options,
)
from app_support.page import lazy_expander, page_setup
from app_support.presets import PLAYGROUND_PRESETS
from app_support.surface_picker import surface_picker
from app_support.urlstate import Setting, format_number
from viz.contour import contour_figure
from viz.curves import curves_figure
from viz.paths import OptimizerPath
from viz.surface3d import surface_figure

PAGE = "playground"
GRID = 150  # contour resolution (the grid is cached per surface)
MAX_MARKED = 40  # more critical points than this (Rastrigin) would bury the map in markers
CHART_KEY = f"{PAGE}.contour"

page = page_setup(PAGE, "Optimizer playground", icon="🎢")
state = page.state
side = st.sidebar

# --- lecture scenes ------------------------------------------------------------------------

page.scenes(PLAYGROUND_PRESETS)
page.notation(notation.ROWS[PAGE])

# --- surface -------------------------------------------------------------------------------

side.subheader("Surface")


view_kept = chart_view(state, CHART_KEY)  # the map's zoom and animation frame, in the URL


def _new_surface():
    # A new surface has a new box: its own default start point, the whole map, frame 0.
    state.reset(["x0", "y0"])
    view_kept.forget()


picked = surface_picker(state, side, on_change=_new_surface)
spec, surface = picked.spec, picked.surface

(x_min, x_max), (y_min, y_max) = surface.bounds
default_start = surface.starts[0] if surface.starts else ((x_min + x_max) / 2, (y_min + y_max) / 2)
side.subheader("Start point")
side.caption("Or click the map.")
start_columns = side.columns(2)
x0 = state.widget(
    Setting.number(
        "x0", "x₀", default_start[0], x_min, x_max, widget="number", step=(x_max - x_min) / 100
    ),
    start_columns[0],
)
y0 = state.widget(
    Setting.number(
        "y0", "y₀", default_start[1], y_min, y_max, widget="number", step=(y_max - y_min) / 100
    ),
    start_columns[1],
)

# --- optimizers and options ----------------------------------------------------------------

side.subheader("Optimizers")
chosen = state.widget(optimizer_choice(default=("gd", "momentum", "adam")), side)
hypers = {name: optimizer_panel(state, name, side) for name in chosen}
steps = state.widget(Setting.integer("steps", "Steps", 200, 10, 3000, step=10), side)
options_menu = lazy_expander(side, "Schedule, clipping, L1/L2", f"{PAGE}.options_menu")
options = training_options(state, options_menu, steps=steps, shown=bool(options_menu.open))

# --- runs ----------------------------------------------------------------------------------

# A typed formula may compile the interpreter's programs for an optimizer or a run length
# this server has not run on a formula yet (a minute on a loaded machine): a heavy job with a
# spinner. Catalogue surfaces and formulas whose programs are compiled run at once.
paths, trajectories = [], {}
with budget.heavy_job("Running your formula…") if picked.typed else nullcontext():
    for name in chosen:
        title = optim.get_rule(name).title
        try:
            traj = core.trajectory(spec, name, (x0, y0), steps, {**hypers[name], **options})
        except ValueError as error:
            st.error(f"{title} could not run: {error}")
            continue
        trajectories[name] = traj
        paths.append(OptimizerPath.from_trajectory(traj, title))
        if traj.diverged_at is not None:
            st.error(
                f"**{title} diverged at step {traj.diverged_at}** — lower ε "
                f"(now {format_number(hypers[name]['learning_rate'])}). Its path is drawn up "
                "to its last finite point.",
                icon="💥",
            )

    critical = core.critical_points(spec)
found_minima = [(c.x, c.y) for c in critical if c.kind == "minimum"]
minima = list(surface.minima) or found_minima
marked = critical if len(critical) <= MAX_MARKED else ()
saddles = [(c.x, c.y) for c in marked if c.kind in ("saddle", "degenerate")]
maxima = [(c.x, c.y) for c in marked if c.kind == "maximum"]
minimum_values = [c.value for c in critical if c.kind == "minimum"]
reference_loss = min(minimum_values) if minimum_values else None

# --- the map -------------------------------------------------------------------------------

page.explain(picked.explanation())
view_columns = st.columns([2, 3], vertical_alignment="bottom")
view = state.widget(
    Setting.choice(
        "view",
        "View",
        "contour",
        ("contour", "3d"),
        labels={"contour": "Contour map", "3d": "3-D surface"},
        widget="segmented",
    ),
    view_columns[0],
)
internals = state.widget(
    Setting.flag(
        "internals",
        "Show internals: −∇E, velocity, √r",
        help="At the current step of the animation: the downhill direction −∇E (solid), the "
        "velocity (last step, dashed) and, for RMSProp/Adam, the root second moment per "
        "coordinate (dotted ellipse: wide along x means a small step along x).",
    ),
    view_columns[1],
)

xs, ys, Z = core.grid(spec, GRID)


def _start_from_click():
    point = clicked_point(CHART_KEY)
    if point is None:
        return
    x, y = float(point["x"]), float(point["y"])
    if x_min <= x <= x_max and y_min <= y <= y_max:
        state.set_later("x0", float(f"{x:.4g}"))
        state.set_later("y0", float(f"{y:.4g}"))


# Every figure below follows from the page's settings: sessions with the same settings (a
# class following its lecturer) share each built figure (`plotly_chart(same_for=...)`).
settings_now = repr(sorted(state.values().items()))
plot_config = {"displaylogo": False, "toImageButtonOptions": {"filename": "loss-landscape"}}
# The charts' text alternative: the runs and when each got close to a minimum.
arrival_goal = "1 % of its starting distance to a minimum"
runs_alt = (
    f"{surface.title}, {len(paths)} optimizer runs of {steps} steps from ({x0:.3g}, {y0:.3g}). "
    + (
        alt_text.arrivals(
            [(p.label, core.arrival_step(trajectories[p.name], minima, 0.01)) for p in paths],
            arrival_goal,
            steps,
        )
        if minima and paths
        else ""
    )
)
if view == "3d":
    plotly_chart(
        lambda: surface_figure(
            xs, ys, Z, paths, look=page.look, log_color=surface.log_color, minima=minima
        ),
        key=f"{PAGE}.surface3d",
        look=page.look,
        config=plot_config,
        alt=f"3-D surface of the loss with the optimizers' paths: {runs_alt}",
        same_for=settings_now,
    )
else:
    plotly_chart(
        lambda: contour_figure(
            xs,
            ys,
            Z,
            paths,
            look=page.look,
            log_color=surface.log_color,
            minima=minima,
            saddles=saddles,
            maxima=maxima,
            start=(x0, y0),
            internals=internals,
        ),
        key=CHART_KEY,
        look=page.look,
        on_click=_start_from_click,
        config=plot_config,
        view=view_kept,
        alt=f"Contour map of the loss with the optimizers' paths: {runs_alt}",
        same_for=settings_now,
    )
page.explain(
    "▶ **Play** animates every optimizer together; drag the step slider to scrub. "
    "★ minimum, ✕ saddle, ▲ maximum, ○ start. Click anywhere on the map to start "
    "there."
)

# --- curves, table, rules ------------------------------------------------------------------

distances = {}
for name, traj in trajectories.items():
    d = core.distances_to_nearest(traj, minima)
    if d is not None:
        distances[name] = d
curve_column, table_column = st.columns([3, 2])
plotly_chart(
    lambda: curves_figure(
        paths, reference_loss=reference_loss, distances=distances, look=page.look
    ),
    key=f"{PAGE}.curves",
    look=page.look,
    where=curve_column,
    config=plot_config,
    alt=f"Loss and distance to the nearest minimum against the step: {runs_alt}",
    same_for=settings_now,
)
tolerance = state.widget(
    Setting.number(
        "tol",
        "Tolerance for “steps to tolerance”",
        1e-4,
        1e-12,
        1.0,
        scale="log",
        help="First step with E(w) − E* ≤ tolerance.",
    ),
    table_column,
)
rows = []
for name, traj in trajectories.items():
    reached = (
        optim.steps_to_tolerance(traj, tolerance, reference_loss=reference_loss)
        if reference_loss is not None
        else None
    )
    rows.append(
        {
            "optimizer": optim.get_rule(name).title,
            "final loss": f"{traj.loss[-1]:.4g}",
            "to tolerance": "—" if reached is None else str(reached),
            "diverged at": "—" if traj.diverged_at is None else str(traj.diverged_at),
        }
    )
if rows:
    table_column.dataframe(rows, hide_index=True, width="stretch", key=f"{PAGE}.table")
    if reference_loss is None:
        table_column.caption("No minimum in the box, so no tolerance to reach.")

if chosen:
    st.header("Update rules", anchor=False)
    rule_columns = st.columns(min(len(chosen), 2))
    for i, name in enumerate(chosen):
        with rule_columns[i % len(rule_columns)]:
            st.markdown(swatch(name), unsafe_allow_html=True)
            st.latex(optim.get_rule(name).latex)
    page.explain(
        "g is the gradient ∇E at the point named; state (v, s, r) starts at zero. "
        "Textbooks differ in conventions: v ← βv + ε∇E, w ← w − v is the same rule "
        "as momentum here, while the running-average form v ← αv + (1−α)g scales "
        "the step by (1−α) and has no 1/(1−α) speed-up."
    )

# --- export and link -----------------------------------------------------------------------

export_columns = st.columns(2)
export_columns[0].download_button(
    "⬇ Trajectories (CSV)",
    data=lambda: trajectories_csv(paths),
    file_name="trajectories.csv",
    mime="text/csv",
    key=f"{PAGE}.download_csv",
    on_click="ignore",
)
export_columns[1].caption(
    "The figures as an HTML file that opens offline, the animation as a GIF or an MP4: "
    "“Download for slides” below. PNG or SVG: the camera icons above each figure."
)
page.share_link()
state.finish()
