"""Minima and saddles: what the Hessian says at a critical point, where an optimizer ends up,
how long it lingers near a saddle, and why saddles far outnumber minima in high dimension.

Tabs (only the open one runs, and the open tab is in the URL): the critical points of a
surface with their Hessian eigenvectors and, at a clicked point, the local quadratic model;
basins of attraction; escaping a saddle; random symmetric matrices (the statistical argument);
counting permutation minima and saddles (Brea et al. 2019); good and poor minima; the
lecture's quiz. Every number shown comes from the core (`landscapes`, `optim`, through
`app_support.topics.saddles`); every setting lives in the URL, also those of the tabs that are
closed.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_support import alt_text, core, notation
from app_support.chart_view import chart_view
from app_support.charts import clicked_point, plotly_chart
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.surface_picker import surface_picker
from app_support.topics import saddles as topic
from app_support.urlstate import format_number, load_url
from landscapes import basins, symmetry
from viz import adaptive as viz_adaptive
from viz import saddles as figures

PAGE = topic.PAGE
CHART_KEY = f"{PAGE}.map"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "minima-and-saddles"}}
TITLES = topic.TITLES

page = page_setup(PAGE, "Minima and saddles", icon="🐎")
state = page.state
escape_view = chart_view(state, f"{PAGE}.escape_paths")  # zoom and step of the escape's map


# --- tab: critical points ----------------------------------------------------------------------


def points_tab(where, spec, surface) -> None:
    shown = where is not None
    if not shown and not state.holds(("px", "py")):
        return
    points = topic.critical_points(spec)
    (x_min, x_max), (y_min, y_max) = surface.bounds
    point_settings = topic.point_settings(surface.bounds, points)
    if not shown:
        state.controls(point_settings, (None, None), False)
        return

    map_column, side = where.columns([3, 1.3])
    side.markdown("**Inspect a point** — click the map, or type:")
    px, py = state.controls(point_settings, side.columns(2), True)

    point, local, gradient, hessian = topic.inspect_point(spec, px, py)
    xs, ys, Z = core.grid(spec, topic.GRID)

    def inspect_click():
        clicked = clicked_point(CHART_KEY)
        if clicked is None:
            return
        target = topic.clicked_target(
            float(clicked["x"]), float(clicked["y"]), points, surface.bounds
        )
        if target is not None:
            state.set_later("px", target[0])
            state.set_later("py", target[1])

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
        alt=topic.critical_alt(points, point),
    )
    arrows = "" if len(points) <= figures.MAX_ARROWS else " (too many for arrows)"
    map_column.caption(
        f"Found {topic.found_text(points)}{arrows}. Notice: at a minimum both arrows are "
        "green, at a saddle one is orange — the surface curves down along it; near w₀ the "
        "model's solid lines lie on the dotted lines of E."
    )

    diagonal = float(np.hypot(x_max - x_min, y_max - y_min))
    critical = next((p for p in points if np.linalg.norm(p.w - point.w) < 1e-6 * diagonal), None)
    side.metric("E(w₀)", f"{point.value:.5g}")
    side.markdown(topic.verdict(point.eigenvalues, float(np.linalg.norm(gradient)), critical))
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

    where.header("All critical points", anchor=False)
    where.dataframe(
        topic.points_table(points),
        hide_index=True,
        key=f"{PAGE}.points_table",
        column_config={
            name: st.column_config.NumberColumn(format="%.5g")
            for name in ("x", "y", "E", "λ₁", "λ₂", "‖∇E‖")
        },
    )
    page.explain(topic.EXPLAIN["index"])


# --- tab: basins of attraction -----------------------------------------------------------------


def basins_tab(where, spec, surface) -> None:
    shown = where is not None
    if not shown and not state.holds(("opt", "lr", "alpha", "adam_lr")):
        return
    settings = topic.basin_settings(spec, surface.bounds)
    if not shown:
        state.controls(settings, (None,) * len(settings), False)
        return
    optimizer = state.control(settings[0], where, True)
    top = where.columns(3)
    places = {
        "lr": top[1] if optimizer in ("gd", "momentum") else None,
        "alpha": top[2] if optimizer == "momentum" else None,
        "adam_lr": top[1] if optimizer == "adam" else None,
    }
    lr, alpha, adam_lr = (
        state.control(s, places[s.name], places[s.name] is not None) for s in settings[1:]
    )
    if optimizer in ("newton", "saddle_free_newton"):
        top[1].caption(
            "ε = 1, the full Newton step"
            + (", δ = 0.01" if optimizer == "saddle_free_newton" else "")
        )

    points = topic.critical_points(spec)
    run_settings = topic.optimizer_settings(optimizer, lr, alpha, adam_lr)
    result, shares = topic.basin_data(spec, optimizer, run_settings)
    steps = topic.BASIN_STEPS
    title = f"{TITLES[optimizer]}, {steps} steps from each of {result.labels.size:,} starts"
    fig = figures.basin_figure(
        result.xs,
        result.ys,
        result.labels,
        points,
        shares=shares,
        surface=core.grid(spec, topic.GRID),
        log_color=surface.log_color,
        title=title,
        look=page.look,
    )
    plotly_chart(fig, key=f"{PAGE}.basins", look=page.look, where=where, config=PLOT_CONFIG)
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


def escape_tab(where, spec, surface, panel) -> None:
    shown = where is not None
    names = ("saddle", "radius", "d", "escape_lr", "escape_alpha", "escape_adam_lr")
    if not shown and not state.holds(names):
        return
    frames = topic.saddle_frames(spec)
    saddle_setting = topic.saddle_setting(topic.critical_points(spec))
    top = panel.columns([4, 3, 3]) if shown else [None] * 3
    which = int(
        state.control(
            saddle_setting, top[0], shown, on_change=lambda: state.reset(topic.SADDLE_DEPENDENT)
        )
    )
    frame = frames[which] if frames else None
    (x0, x1), (y0, y1) = surface.bounds
    box = min(x1 - x0, y1 - y0)
    places = [top[1], top[2], *(panel.columns(3) if shown else [None] * 3)]
    radius_fraction, start, lr, alpha, adam_lr = state.controls(
        topic.escape_settings(frame, box), places, shown
    )
    if not shown:
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
            args=(topic.SCENE_BY_KEY["escape"].params,),
        )
        return

    radius = radius_fraction * box
    sweeps = {
        name: topic.escape_data(
            spec, which, radius, name, topic.optimizer_settings(name, lr, alpha, adam_lr)
        )
        for name in topic.ESCAPE_OPTIMIZERS
    }
    distances = radius * topic.DISTANCES
    estimate = basins.gd_escape_estimate(distances, radius, lr, frame.unstable_curvature)
    series = [
        figures.EscapeSeries(name, TITLES[name], distances, s.steps_near, s.escaped)
        for name, s in sweeps.items()
    ]
    i = int(np.argmin(np.abs(np.log(topic.DISTANCES / start))))
    numbers = topic.escape_numbers(sweeps, i, estimate[i], frame.unstable_curvature, lr)
    from_d = f"d = {figures.short_number(distances[i], 2)}"
    escaped = (
        f"From {from_d}: " + ", ".join(f"{label} {value}" for label, value, _ in numbers) + "."
    )
    left, right = where.columns(2)
    plotly_chart(
        figures.escape_figure(
            series,
            budget=topic.ESCAPE_STEPS,
            radius=radius,
            look=page.look,
            estimate=(distances, estimate, "log(r/d) / log(1 + ε|λ_u|)"),
        ),
        key=f"{PAGE}.escape",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
        alt=f"Steps within r = {figures.short_number(radius, 3)} of the saddle against the "
        f"start's distance d, one line per optimizer. {escaped}",
    )

    xs, ys, Z = topic.escape_window(spec, which, radius)
    plotly_chart(
        figures.escape_paths_figure(
            xs,
            ys,
            Z,
            figures.escape_paths(sweeps, TITLES, i, topic.ESCAPE_STEPS),
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
        view=escape_view,
        alt=f"Contour map near the saddle with each optimizer's path. Steps within r: {escaped}",
    )

    where.markdown(
        f"**Steps within r = {figures.short_number(radius, 3)} of the saddle, from {from_d}:**"
    )
    for column, (label, value, note) in zip(where.columns(len(numbers)), numbers, strict=True):
        column.metric(label, value, help=note)
    where.caption(
        f"Notice: gradient descent pays log 10 / log(1 + ε|λ_u|) ≈ "
        f"{np.log(10) / np.log1p(lr * abs(frame.unstable_curvature)):.1f} more steps for every "
        "factor 10 closer (a straight line); Newton is drawn into the saddle and stays; "
        "saddle-free Newton is pushed out at once."
    )
    page.explain(topic.ESCAPE_EXPLAIN)


# --- tab: random Hessians ----------------------------------------------------------------------


def random_tab(where) -> None:
    shown = where is not None
    if not shown and not state.holds(("n", "samples", "seed")):
        return
    places = where.columns([3, 3, 2]) if shown else [None] * 3
    n, samples, seed = state.controls(topic.RANDOM_SETTINGS, places, shown)
    samples = int(samples)
    if not shown:
        return
    counts = topic.goe_histogram(seed, n, samples)
    positive = topic.goe_positive(seed, samples)
    numbers = topic.random_numbers(counts, n, samples)
    said = alt_text.listed(numbers)
    left, right = where.columns(2)
    plotly_chart(
        figures.index_histogram_figure(counts, samples=samples, look=page.look),
        key=f"{PAGE}.index_histogram",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
        alt=alt_text.chart(f"Index of {samples:,} random {n} × {n} Hessians (GOE)", said),
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
        alt=alt_text.chart(
            "Fraction of random Hessians with no negative eigenvalue against n", said
        ),
    )
    for column, (label, value, note) in zip(where.columns(4), numbers, strict=True):
        column.metric(label, value, help=note)
    none_from = topic.first_size_without_minimum(positive)
    where.caption(
        "Notice: the bars pile up around k = N/2 — a typical saddle has many ways down — and "
        "the share of all-positive matrices falls faster than exponentially with N"
        + (
            f": from N = {none_from} on, not one of the {samples:,} samples is a minimum."
            if none_from is not None
            else "."
        )
    )
    page.explain(topic.EXPLAIN["statistics"])


# --- tab: counting -----------------------------------------------------------------------------


def counting_tab(where) -> None:
    shown = where is not None
    if not shown and not state.holds(("neurons", "layers", "outputs", "exact_k")):
        return
    places = where.columns(3) if shown else [None] * 3
    n, m, q = state.controls(topic.NETWORK_SETTINGS, places, shown)
    exact_setting = topic.exact_setting(n)
    if not shown:
        state.control(exact_setting, None, False)
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
    where.dataframe(topic.counting_table(rows), hide_index=True, key=f"{PAGE}.counting_table")
    where.caption(
        "Notice: every row is a lower bound on saddles of order K, and already for K = 1 "
        "there are (m/2)·(n − 1) times more saddles than global minima."
    )
    box = where.expander("Exact digits (no rounding)")
    K = int(state.control(exact_setting, box, True))
    digits = figures.exact_digits(rows[K]["count"])
    box.caption(f"{rows[K]['label']}: {len(digits):,} digits")
    box.code(digits, language=None, wrap_lines=True)
    page.explain(topic.EXPLAIN["relabelling"])


# --- tab: good and poor minima -----------------------------------------------------------------


def minima_tab(where) -> None:
    """A 1-D loss with a good (low) and a poor (high) minimum: the start decides which one
    gradient descent ends in."""
    shown = where is not None
    if not shown and not state.holds(("well_tilt", "well_lr", "well_w0")):
        return
    places = where.columns(3) if shown else [None] * 3
    tilt, lr, w0 = state.controls(topic.WELL_SETTINGS, places, shown)
    if not shown:
        return
    well = topic.good_and_poor(tilt, lr, w0)
    runs, numbers = well.runs, topic.well_numbers(well)
    with where:
        page.explain(topic.EXPLAIN["double_well"])
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
            alt=topic.well_alt(numbers),
        )
        for column, (label, value, delta) in zip(st.columns(4), numbers, strict=True):
            column.metric(label, value, delta, delta_color="off")
        ends = {0: "the good minimum", 1: "the poor minimum"}
        verdict = ends.get(well.path_ends_in, "neither minimum (it has not settled)")
        st.markdown(
            f"From w₀ = {format_number(w0)} (open circles: its first {viz_adaptive.PATH_STEPS} "
            f"steps) gradient descent ends in **{verdict}**."
        )
        page.explain(topic.EXPLAIN["which_minimum"])


# --- tab: quiz ---------------------------------------------------------------------------------


def quiz_tab(where) -> None:
    if where is None:
        return
    with where:
        page.explain(
            "The lecture's quiz. Answer each question first; the page then shows the "
            "evidence, computed by the lab's core."
        )
        for key, statement, answer, evidence in topic.QUIZ:
            quiz_box(PAGE, key, statement, answer, evidence)


# --- the page ----------------------------------------------------------------------------------

page.scenes(topic.SCENES)
page.notation(notation.ROWS[PAGE])

opened, containers = page.tabs(topic.TABS, label="Tab")


def place(tab: str):
    return containers[tab] if tab == opened else None


surface_place = containers[opened] if opened in topic.SURFACE_TABS else None
# The escape view's controls sit above its charts: while presenting, in a collapsed panel.
escape_panel = page.controls_panel(containers[opened]) if opened == "escape" else None
# A new surface has new critical points, a new box and new curvatures.
picked = surface_picker(
    state,
    escape_panel or surface_place,
    layout="row",
    on_change=lambda: state.reset(topic.SURFACE_DEPENDENT),
)
surface_spec, chosen_surface = picked.spec, picked.surface
if surface_place is not None:
    with surface_place:
        page.explain(picked.explanation())
points_tab(place("points"), surface_spec, chosen_surface)
basins_tab(place("basins"), surface_spec, chosen_surface)
escape_tab(place("escape"), surface_spec, chosen_surface, escape_panel)
random_tab(place("random"))
counting_tab(place("counting"))
minima_tab(place("minima"))
quiz_tab(place("quiz"))

page.share_link()
state.finish()
