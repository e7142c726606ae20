"""The permutation page's cached core calls and its lecture scenes.

Every number the page shows comes from `landscapes.committee` (the teacher, the student, the
merge path and the critical points of the committee machine) and `landscapes.regions` (lines
cutting the plane) through these functions: plain values in (unit counts, seeds, a window),
arrays, NamedTuples and dicts of them out, each wrapped once by `st.cache_data`.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from app_support.presets import Preset, scene
from landscapes import committee, regions

PAGE_FILE = "pages/permutation.py"
REGION_GRID = 300
CRITICAL_RUNS = 8  # one compiled shape: 8 runs × 8 starting points


_scene = functools.partial(scene, PAGE_FILE)


SCENES: tuple[Preset, ...] = (
    _scene(
        "recover",
        "A student finds its teacher",
        "Press Play: the student's lines settle on the teacher's, each on the dashed line of "
        "its colour, but under other numbers: the same network up to a permutation.",
        tab="teacher",
    ),
    _scene(
        "exchange",
        "Two units trade places through a saddle",
        "Play: units 1 and 3 slide together, coincide at the permutation point (a saddle "
        "with one downhill direction) and move on into each other's place.",
        tab="merge",
    ),
    _scene(
        "straight",
        "The straight line climbs higher",
        "Both ends have the same loss, but the straight line between them climbs several "
        "times higher than the merge path through the saddle.",
        tab="line",
    ),
    _scene(
        "index",
        "Low loss, few downhill directions",
        "Critical points found from many starts: the higher the loss, the larger the fraction "
        "of directions that still go down. Open circles are flat regions, not critical points.",
        tab="critical",
    ),
    _scene(
        "regions",
        "Ten neurons, 56 regions",
        "Ten random lines in general position (no two parallel, no three through one point) "
        "cut the plane into 1 + 10 + 45 = 56 regions: many regions from few neurons.",
        tab="regions",
        lines="10",
    ),
)

# --- cached core calls (plain values in) ----------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def teacher_problem(n: int, teacher_seed: int):
    """The teacher's weights and its 200 training pairs."""
    teacher = committee.random_teacher(n, teacher_seed)
    inputs, targets = committee.teacher_data(teacher, n, 200, seed=teacher_seed)
    return teacher, inputs, targets


@st.cache_data(max_entries=16, show_spinner="Training the student…")
def student(n: int, teacher_seed: int, student_seed: int):
    """The trained student, its units matched to the teacher's, and its units along the run."""
    teacher, inputs, targets = teacher_problem(n, teacher_seed)
    run = committee.train_student(inputs, targets, n, student_seed)
    matching = committee.match_units(run.minimum, teacher, n)
    planes = np.stack([committee.hyperplanes(p, n) for p in run.params])
    planes[-1] = committee.hyperplanes(run.minimum, n)
    return run, matching, planes


@st.cache_data(max_entries=32, show_spinner="Following the merge path…")
def exchange(n: int, teacher_seed: int, student_seed: int, i: int, j: int):
    """Merge path, exchange loop, the plane through it, the straight line and the Hessians."""
    _, inputs, targets = teacher_problem(n, teacher_seed)
    run, _, _ = student(n, teacher_seed, student_seed)
    path = committee.merge_path(inputs, targets, run.minimum, n, i, j)
    loop = committee.exchange_loop(path, n)
    plane = committee.exchange_plane(inputs, targets, path, n)
    line = committee.straight_line(inputs, targets, path.minimum, n, i, j)
    saddle = committee.point_report(inputs, targets, path.permutation_point)
    minimum = committee.point_report(inputs, targets, path.minimum)
    merged = committee.merged_network(path.permutation_point, n, i, j)
    merged_loss = float(committee.committee_loss(inputs, targets)(merged))
    loop_planes = np.stack([committee.hyperplanes(p, n) for p in loop.params])
    return {
        "path": path,
        "loop": loop,
        "loop_xy": plane.coordinates(loop.params),
        "loop_planes": loop_planes,
        "plane": (plane.alphas, plane.betas, plane.loss),
        "line": line,
        "saddle": saddle,
        "minimum": minimum,
        "merged_loss": merged_loss,
    }


@st.cache_data(max_entries=16, show_spinner="Searching for critical points…")
def critical_sample(n: int, teacher_seed: int, seed: int):
    _, inputs, targets = teacher_problem(n, teacher_seed)
    return committee.critical_points_by_gradient_norm(
        inputs, targets, n, runs=CRITICAL_RUNS, seed=seed
    )


@st.cache_data(max_entries=32, show_spinner=False)
def line_regions(count: int, seed: int, half_width: float):
    """The lines, their region map in the window, and the three counts."""
    lines = regions.random_lines(count, seed)
    window = ((-half_width, half_width), (-half_width, half_width))
    xs, ys, ids = regions.region_map(lines, window, REGION_GRID)
    return {
        "lines": lines,
        "window": window,
        "map": (xs, ys, ids),
        "exact": regions.count_regions_exact(lines),
        "sectors": regions.count_regions_by_sectors(lines),
        "visible": int(ids.max()) + 1,
        "formula": regions.regions_general_position(count, 2),
    }


@st.cache_data(max_entries=4, show_spinner=False)
def region_growth(max_n: int):
    ns = np.arange(1, max_n + 1)
    series = {
        f"d = {d}: Σₖ≤{d} C(n, k)": np.array([regions.regions_general_position(n, d) for n in ns])
        for d in (1, 2, 3)
    }
    series["2ⁿ: every on/off pattern"] = 2.0**ns
    return ns, series
