"""Permutation symmetry: hidden units can be relabelled, so minima come in copies joined by saddles.

Tabs: a student committee machine recovers its teacher up to a permutation; the merge path of
two units to their permutation point (a saddle, with its Hessian) and the exchange of their
labels, animated in weight space and input space; the straight line between a minimum and its
permuted copy; critical points of the small network by minimising ‖∇E‖² (loss against the
fraction of downhill directions);
the regions n lines cut the plane into. Every number comes from `landscapes.committee` and
`landscapes.regions`; every setting lives in the URL.
"""

from __future__ import annotations

import itertools

import numpy as np
import streamlit as st

from app_support import alt_text, notation
from app_support.chart_view import chart_view
from app_support.charts import plotly_chart
from app_support.page import page_setup
from app_support.topics import permutation as topic
from app_support.urlstate import Setting
from landscapes import committee
from viz import permutation as figures

PAGE = "permutation"
MAX_UNITS = 5
INPUT_BOX = ((-2.0, 2.0), (-2.0, 2.0))  # where the teacher's inputs lie
SOLVED = 1e-12  # a training loss below this means the student found a zero-loss minimum
NOT_CRITICAL = 1e-6  # a permutation point with a larger ‖∇E‖ has not converged
MAX_LINES = 30
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "permutation"}}

TABS = {
    "teacher": "👩‍🏫 Teacher and student",
    "merge": "🔀 Merge and exchange",
    "line": "📏 Straight line",
    "critical": "🎯 Critical points",
    "regions": "🧩 Regions",
}


def pair_choices(n: int) -> dict[str, str]:
    """ "1-2" → "units 1 and 2", … for n units (labels count from 1 on the page)."""
    return {f"{a}-{b}": f"units {a} and {b}" for a, b in itertools.combinations(range(1, n + 1), 2)}


page = page_setup(PAGE, "Permutation symmetry", icon="🔀")
state = page.state
# The training animation's step in the URL (its map sits beside a loss curve: no zoom kept)
training_view = chart_view(state, f"{PAGE}.teacher_chart", zoom=False)


# --- settings (all declared on every run, so that the link always holds them) ---------------

top = st.columns([3, 2], vertical_alignment="center")
page.scenes(topic.SCENES, where=top[0])
page.notation(notation.ROWS[PAGE], where=top[0])
problem_box = top[1].popover("⚙️ Teacher and student", use_container_width=True)
n_units = state.widget(
    Setting.integer(
        "n",
        "Hidden units n (teacher and student)",
        3,
        2,
        MAX_UNITS,
        help="The student has the teacher's architecture: n sigmoid units, 2 inputs, 1 output.",
    ),
    problem_box,
)
teacher_seed = state.widget(
    Setting.integer("teacher", "Teacher (random seed)", 0, 0, 99, widget="number"), problem_box
)
student_seed = state.widget(
    Setting.integer(
        "student",
        "Student initialisation (random seed)",
        0,
        0,
        99,
        widget="number",
        help="Where Adam starts. Some starts end in a local minimum: the loss stays above 0.",
    ),
    problem_box,
)

tab_name, tab_of = page.tabs(TABS)

# Per-tab controls, drawn whether or not their tab is open (cheap; keeps them in the link).
pairs = pair_choices(n_units)
merge_controls = tab_of["merge"].columns([4, 2, 2], vertical_alignment="bottom")
pair_key = state.widget(
    Setting.choice(
        "pair",
        "Units to exchange",
        "1-3" if n_units >= 3 else "1-2",
        tuple(pairs),
        labels=pairs,
        widget="segmented",
    ),
    merge_controls[0],
)
unit_i, unit_j = (int(u) - 1 for u in pair_key.split("-"))
critical_controls = tab_of["critical"].columns([2, 2, 3], vertical_alignment="bottom")
critical_seed = state.widget(
    Setting.integer(
        "cseed",
        "Random seed of the runs",
        0,
        0,
        99,
        widget="number",
        help=f"{topic.CRITICAL_RUNS} training runs from random starts, 8 points from each.",
    ),
    critical_controls[0],
)
region_controls = tab_of["regions"].columns([3, 2, 3], vertical_alignment="bottom")
line_count = state.widget(
    Setting.integer("lines", "n lines (hidden units)", 6, 1, MAX_LINES), region_controls[0]
)
line_seed = state.widget(
    Setting.integer("lseed", "Lines' random seed", 0, 0, 999, widget="number"),
    region_controls[1],
)
half_width = state.widget(
    Setting.number(
        "window",
        "Window: ± half-width",
        2.0,
        1.0,
        100.0,
        scale="log",
        help="Zoom out to see the regions whose corners lie far away.",
    ),
    region_controls[2],
)

# --- views -----------------------------------------------------------------------------------


def teacher_view() -> None:
    teacher, inputs, targets = topic.teacher_problem(n_units, teacher_seed)
    run, matching, student_planes = topic.student(n_units, teacher_seed, student_seed)
    page.explain(
        "The teacher is a small network, y(x) = Σᵢ vᵢ σ(wᵢ·x + bᵢ): each hidden unit is a line "
        "wᵢ·x + bᵢ = 0 in the input plane, off on one side and on on the other. A student with "
        "the same architecture learns from the teacher's outputs on 200 points, with Adam."
    )
    numbers = st.columns(3)
    numbers[0].metric("Student's final loss E", f"{run.minimum_loss:.2g}")
    numbers[1].metric(
        "Student units, in teacher order",
        " ".join(str(int(k) + 1) for k in matching.order),
        help="Student unit order[k] sits on teacher unit k. The pairing is a Hungarian "
        "matching: of all one-to-one pairings of student and teacher units, the one whose "
        "lines agree best in total.",
    )
    numbers[2].metric(
        "Worst match: cos ∠ between lines",
        f"{matching.cosines.min():.6f}",
        help="cos of the angle between (wᵢ, bᵢ) of a student unit and its teacher unit.",
    )
    plotly_chart(
        figures.teacher_student_figure(
            inputs,
            targets,
            committee.hyperplanes(teacher, n_units),
            student_planes,
            run.steps,
            run.loss,
            matching.order,
            INPUT_BOX,
            look=page.look,
        ),
        key=f"{PAGE}.teacher_chart",
        look=page.look,
        config=PLOT_CONFIG,
        view=training_view,
        alt=alt_text.chart(
            f"The teacher's {alt_text.count(n_units, 'unit')} (dashed lines) and the student's "
            "(solid) in the input plane, and the student's loss against the step",
            f"Final loss {alt_text.number(run.minimum_loss, 2)}; student units in teacher "
            f"order {' '.join(str(int(k) + 1) for k in matching.order)}; worst match "
            f"cos {matching.cosines.min():.6f}.",
        ),
    )
    if run.minimum_loss < SOLVED:
        st.caption(
            "Notice: every solid line ends on the dashed line of its colour, but the numbers "
            "differ — the student is the teacher with its units relabelled."
        )
    else:
        st.warning(
            "This student got stuck in a local minimum (loss above zero): some lines miss the "
            "teacher's. Try another student seed in ⚙️.",
            icon="🪤",
        )


def merge_view() -> None:
    _, inputs, targets = topic.teacher_problem(n_units, teacher_seed)
    result = topic.exchange(n_units, teacher_seed, student_seed, unit_i, unit_j)
    path, loop, saddle = result["path"], result["loop"], result["saddle"]
    line = result["line"]
    d_star = path.distance[-1]
    merge_controls[1].metric(
        "d* at the minimum",
        f"{d_star:.3f}",
        help="‖pᵢ − pⱼ‖: distance of the two units' weight vectors (w, b, v).",
    )
    merge_controls[2].metric("Barrier through the saddle", f"{path.barrier:.3g}")
    page.explain(
        "Pull the weight vectors pᵢ = (wᵢ, bᵢ, vᵢ) of two units together: fix their distance d "
        "and let every other weight re-optimise. At d = 0 they coincide — the network has "
        "one unit fewer — and their labels can be swapped at no cost. Moving apart again with "
        "the labels exchanged ends in the permuted copy of the minimum."
    )
    if path.loss[-1] > SOLVED:
        st.info(
            "This student ended in a local minimum (loss above zero); the exchange starts "
            "from there.",
            icon="🪤",
        )
    alphas, betas, plane_loss = result["plane"]
    line_s = (2.0 * line.t - 1.0) * d_star
    plotly_chart(
        figures.exchange_figure(
            alphas,
            betas,
            plane_loss,
            result["loop_xy"],
            loop.position,
            loop.loss,
            result["loop_planes"],
            (unit_i, unit_j),
            inputs,
            targets,
            INPUT_BOX,
            line_position=line_s,
            line_loss=line.loss,
            look=page.look,
        ),
        key=f"{PAGE}.exchange_chart",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            f"Loss along the path that exchanges units {unit_i} and {unit_j} through their "
            "permutation saddle, against the distance d of the two units",
            f"d* = {d_star:.3f} at the minimum; barrier through the saddle "
            f"{alt_text.number(path.barrier)}.",
        ),
    )
    st.caption(
        "Notice: the loss rises only to the saddle at d = 0, where the two lines coincide; "
        "then it falls into the copy, with the two units in each other's place."
    )
    jumps = path.jumps()
    if len(jumps):
        st.info(
            f"At d ≈ {path.distance[jumps[0]]:.2f} the other units rearrange abruptly: the "
            "constrained minimum jumps to another valley (the path is not smooth there).",
            icon="⚡",
        )
    st.header("The permutation point is a saddle", anchor=False)
    numbers = st.columns(4)
    numbers[0].metric("E at the saddle", f"{saddle.loss:.4g}")
    numbers[1].metric(
        f"E of the merged {n_units - 1}-unit network",
        f"{result['merged_loss']:.4g}",
        help="Units i and j replaced by one unit with output weight vᵢ + vⱼ.",
    )
    numbers[2].metric(
        "Negative eigenvalues (index)",
        f"{saddle.negative} of {len(saddle.eigenvalues)}",
        help="Directions in which the loss goes down from the saddle.",
    )
    numbers[3].metric(
        "Zero eigenvalues",
        str(saddle.zero),
        help="Flat directions: shifting output weight between the coinciding units "
        "(vᵢ + vⱼ fixed) does not change the network at all.",
    )
    if saddle.grad_norm > NOT_CRITICAL:
        st.warning(
            f"Here the permutation point is not quite critical (‖∇E‖ = {saddle.grad_norm:.1e}): "
            "the loss is very flat around it, so the counts below are approximate.",
            icon="〰️",
        )
    tol = committee.ZERO_TOL * float(np.max(np.abs(saddle.eigenvalues)))
    plotly_chart(
        figures.eigenvalue_figure(saddle.eigenvalues, tol, look=page.look),
        key=f"{PAGE}.hessian_chart",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Hessian eigenvalues at the permutation point",
            alt_text.extremes("Eigenvalues", saddle.eigenvalues),
            f"{saddle.negative} negative, {saddle.zero} zero.",
        ),
    )
    st.caption(
        f"Hessian at the permutation point (‖∇E‖ = {saddle.grad_norm:.1e}): red goes down, grey "
        "is flat. At the minimum, by contrast: "
        f"{result['minimum'].negative} negative eigenvalues."
    )


def line_view() -> None:
    result = topic.exchange(n_units, teacher_seed, student_seed, unit_i, unit_j)
    path, loop, line = result["path"], result["loop"], result["line"]
    d_star = path.distance[-1]
    page.explain(
        "The shortest way from θ* to its permuted copy P θ* is the straight line "
        "(1 − t)·θ* + t·P θ*. On it the two units also meet halfway (d = |1 − 2t|·d*), but "
        "nothing else adapts — so the loss climbs much higher than on the merge path."
    )
    numbers = st.columns(4)
    numbers[0].metric("E(θ*)", f"{line.loss[0]:.2g}")
    numbers[1].metric("E(P θ*)", f"{line.loss[-1]:.2g}")
    numbers[2].metric("Barrier of the straight line", f"{line.barrier:.4g}")
    numbers[3].metric(
        "Barrier through the saddle",
        f"{path.barrier:.4g}",
        delta=f"{path.barrier - line.barrier:.3g}",
        delta_color="off",
    )
    plotly_chart(
        figures.profile_figure(
            loop.position,
            loop.loss,
            (2.0 * line.t - 1.0) * d_star,
            line.loss,
            jumps=[],
            look=page.look,
        ),
        key=f"{PAGE}.line_chart",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Loss along the straight line from the minimum to its permuted copy and along the "
            "path through the saddle",
            alt_text.values(
                "Barrier",
                [("straight line", line.barrier), ("through the saddle", path.barrier)],
                4,
            ),
        ),
    )
    st.caption(
        "Notice: equal loss at both ends, a barrier in between — and the detour through the "
        "permutation saddle is the lower pass."
    )


def critical_view() -> None:
    sample = topic.critical_sample(n_units, teacher_seed, critical_seed)
    result = topic.exchange(n_units, teacher_seed, student_seed, unit_i, unit_j)
    found = int(sample.critical.sum())
    critical_controls[1].metric("Critical points found", f"{found} of {len(sample.loss)}")
    page.explain(
        "Start from points along several training runs and minimise ½‖∇E‖² instead of E: "
        "this finds critical points of every kind, saddles included (Dauphin et al. 2014). "
        "The index k of a point is its number of negative Hessian eigenvalues; plotted is k/N, "
        "the fraction of downhill directions among the N weights."
    )
    plotly_chart(
        figures.critical_figure(
            sample.downhill_fraction,
            sample.loss,
            sample.grad_norm,
            sample.critical,
            saddle_loss=result["saddle"].loss,
            look=page.look,
        ),
        key=f"{PAGE}.critical_chart",
        look=page.look,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Loss of points found by minimising the gradient's norm against their fraction of "
            "downhill directions",
            f"{found} of {len(sample.loss)} are critical points.",
        ),
    )
    st.caption(
        "Notice: low loss comes with a small fraction of downhill directions — bad critical "
        "points are saddles with many ways down. Open circles kept ‖∇E‖ > 10⁻⁸: flat "
        "regions, not critical points."
    )


def regions_view() -> None:
    result = topic.line_regions(line_count, line_seed, half_width)
    page.explain(
        "Each hidden unit of a first layer is a line in the input plane. n lines in general "
        "position — no two parallel, no three through one point, as random lines almost "
        "always are — cut the plane into 1 + n + n(n − 1)/2 regions (Σₖ≤d C(n, k) in d "
        "dimensions, growing like nᵈ): many, many regions from few neurons, and deeper "
        "layers reuse them."
    )
    numbers = st.columns(4)
    numbers[0].metric("Formula 1 + n + n(n−1)/2", f"{result['formula']:,}")
    numbers[1].metric(
        "Counted exactly",
        f"{result['exact']:,}",
        help="1 + n + Σ over crossing points (lines through it − 1): valid for any lines.",
    )
    numbers[2].metric(
        "Counted by sign patterns",
        f"{result['sectors']:,}",
        help="Distinct on/off patterns of the n units, sampled around every crossing point "
        "and far away: no formula used.",
    )
    numbers[3].metric("Visible in this window", f"{result['visible']:,}")
    xs, ys, ids = result["map"]
    left, right = st.columns([3, 2])
    plotly_chart(
        figures.regions_figure(xs, ys, ids, result["lines"], result["window"], look=page.look),
        key=f"{PAGE}.regions_chart",
        look=page.look,
        where=left,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            f"{alt_text.count(line_count, 'random line')} cutting the plane into regions",
            f"{alt_text.count(result['exact'], 'region')} in all (the formula "
            f"1 + n + n(n−1)/2 gives {result['formula']:,}), {result['visible']:,} visible in "
            "this window.",
        ),
    )
    ns, series = topic.region_growth(MAX_LINES)
    plotly_chart(
        figures.region_count_figure(
            ns, series, highlight=(line_count, result["formula"]), look=page.look
        ),
        key=f"{PAGE}.growth_chart",
        look=page.look,
        where=right,
        config=PLOT_CONFIG,
        alt=alt_text.chart(
            "Number of regions against the number of lines",
            f"{alt_text.count(line_count, 'line')} give "
            f"{alt_text.count(result['formula'], 'region')}.",
        ),
    )
    right.caption(
        "Notice: with one layer, regions grow like n² in the plane (nᵈ/d! in d dimensions): "
        "many from few units, though not every one of the 2ⁿ on/off patterns."
    )


VIEWS = {
    "teacher": teacher_view,
    "merge": merge_view,
    "line": line_view,
    "critical": critical_view,
    "regions": regions_view,
}
for name, tab in tab_of.items():
    if tab.open:
        with tab:
            VIEWS[name]()

page.share_link()
state.finish()
