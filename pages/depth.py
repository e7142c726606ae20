"""Depth and No Free Lunch: why deep networks work at all.

Tabs (only the open one computes): counting the regions that n hyperplanes carve in 1-D, 2-D
and 3-D by the lecture's tilting argument, against the closed form and against special
positions; XOR and the checkerboard (generalized XOR), shallow and deep nets trained live;
distributed (hyperplanes) against local (nearest neighbour) representations; deep against
shallow at equal numbers of weights, with exact counts of linear regions; No Free Lunch,
enumerated exactly, and the lecture's quiz. Every number comes from `landscapes.depth` and
`landscapes.nfl` (through `app_support.topics.depth`); every setting lives in the URL.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_support import alt_text, budget, notation
from app_support.chart_view import chart_view
from app_support.charts import frames_requested, plotly_chart
from app_support.page import page_setup
from app_support.quiz import quiz_box
from app_support.topics import depth as topic
from app_support.urlstate import Setting
from landscapes import depth, nfl
from viz import depth as figures

PAGE = "depth"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "depth"}}
MAX_N = {1: 10, 2: 10, 3: 8}
TABS = {
    "count": "🧩 Counting regions",
    "xor": "✖️ XOR",
    "local": "📍 Distributed vs local",
    "deep": "🏗️ Deep vs shallow",
    "nfl": "🍽️ No Free Lunch",
}
KIND_LABELS = {
    "general": "general position (tilted)",
    "parallel": "all parallel",
    "concurrent": "all through one point",
}
NFL_TRAININGS = {
    "0,1": "x = 0, 1",
    "0,3,6": "x = 0, 3, 6",
    "1,4": "x = 1, 4",
    "0,2,4,6": "x = 0, 2, 4, 6",
}

DIMENSION = Setting.choice("d", "Dimension d", "2", ("1", "2", "3"), widget="segmented")
KIND = Setting.choice("kind", "Hyperplanes", "general", depth.KINDS, labels=KIND_LABELS)
TILTED = Setting.integer("t", "Tilted so far, t", 6, 0, 10, help="The first t are tilted (t ≤ n).")
COUNTED_HELP = (
    "Adding hyperplanes one at a time: each adds as many regions as the earlier ones cut it "
    "into (deletion–restriction). Valid for any arrangement."
)
FORMULA_HELP = (
    "2-D: n + 1 + Σᵢ (n − i) over the tilts; 3-D: 1 + n + C(n, 2) + Σᵢ C(n − i, 2); "
    "parallel: n + 1; through one point: 2n in 2-D, n(n − 1) + 2 in 3-D."
)
QUIZ = (  # the lecture's statements: (key, statement, answer, the evidence)
    ("real", "Deep learning performs better than most other algorithms on real-world problems.",
     "true", "True: on images, sound and text deep nets lead, because their structure (layers "
     "reusing features, convolutions) matches such data: a prior that fits."),
    ("all", "Deep learning performs better than other algorithms on all problems.", "false",
     "False: the chart above. Over all problems every learner scores exactly ½."),
    ("fit", "Deep learning works because it can fit everything.", "false",
     "False as a reason: fitting the training points says nothing about the others (the ½ "
     "above); what helps is a prior that matches the problems."),
)  # fmt: skip
WINDOW_HELP = "Regions met by the map's grid; some crossings lie outside the window."

page = page_setup(PAGE, "Depth and No Free Lunch", icon="🏗️")
state = page.state
tilt_view = chart_view(state, f"{PAGE}.tilt", frames_on_request=True)  # zoom and step: URL

top = st.columns([3, 2], vertical_alignment="center")
page.scenes(topic.SCENES, where=top[0])
with top[1]:
    page.notation(notation.ROWS[PAGE])
open_tab, tabs = page.tabs(TABS)


def metrics(pairs, where=None) -> str:
    """Shows the numbers and returns them as a sentence for the charts' text alternatives."""
    columns = (where or st).columns(len(pairs))
    for column, (label, value, *help_) in zip(columns, pairs, strict=True):
        column.metric(label, value, help=help_[0] if help_ else None)
    return alt_text.listed(pairs)


def chart(fig, key: str, where=None, frames_on_request: bool = False, alt=None, view=None) -> None:
    plotly_chart(
        fig,
        key=f"{PAGE}.{key}",
        look=page.look,
        where=where,
        config=PLOT_CONFIG,
        frames_on_request=frames_on_request,
        view=view,
        alt=alt,
    )


def maps(key: str, *panels: figures.Panel, alt: str | None = None) -> None:
    chart(figures.maps_figure(panels, look=page.look), key, alt=alt)


def net_panel(title: str, net: topic.NetResult, data, lines: bool = True) -> figures.Panel:
    """A trained net's class map with the data (and its first layer's lines)."""
    xs, ys, _ = depth.grid_points(depth.BOX, topic.MAP_GRID)
    first = net.first_lines if lines else None
    return figures.Panel(title, xs, ys, net.classes, lines=first, points=data[0], labels=data[1])


# --- counting regions ----------------------------------------------------------------------


def count_view(shown: bool) -> None:
    row = st.columns([2, 3, 3, 3, 2], vertical_alignment="bottom")
    d = int(state.control(DIMENSION, row[0], shown))
    kind = state.control(KIND, row[1], shown)
    n = state.control(Setting.integer("n", "n hyperplanes", 6, 1, 10), row[2], shown)
    tilting = kind == "general" and d > 1
    t = state.control(TILTED, row[3], shown and tilting, on_change=tilt_view.forget_frame)
    seed = state.control(Setting.integer("seed", "Seed", 0, 0, 99, widget="number"), row[4], shown)
    if not shown:
        return
    if n > MAX_N[d]:
        st.info(f"In {d}-D this view shows at most n = {MAX_N[d]}.", icon="✂️")
        n = MAX_N[d]
    t = min(t, n) if tilting else n
    with budget.heavy_job("Counting the regions…"):
        planes, exact, formula = topic.arrangement_count(d, n, kind, t, seed)
    page.explain(
        "Each hidden unit of a first layer is a hyperplane a·x + c = 0 in input space: on one "
        "side it is on, on the other off. **Tilting**: start with n parallel hyperplanes "
        "(n + 1 slabs) and tilt them one at a time. A tilted hyperplane is cut by the others "
        "into pieces, and each piece splits a region in two. In 2-D, tilting line i crosses "
        "the n − i lines still parallel to it; in 3-D, tilting plane i adds C(n − i, 2). In "
        "general position $R(n, d) = \\sum_{k=0}^{d} \\binom{n}{k} = O(n^d)$."
    )
    numbers = [
        ("Counted exactly", f"{exact:,}", COUNTED_HELP),
        ("Closed form", f"{formula:,}", FORMULA_HELP),
        ("General position: Σ C(n, k)", f"{depth.regions_formula(n, d):,}"),
    ]
    what = f"{alt_text.count(n, 'hyperplane')} ({kind}) cutting {d}-D space into regions"
    if d == 1:
        said = metrics(numbers)
        points = -planes[:, 1] / planes[:, 0]
        chart(
            figures.points_figure(points, (-n / 2 - 2, n / 2 + 2), exact, look=page.look),
            "points",
            alt=alt_text.chart(what, said),
        )
    elif d == 2:
        states = topic.tilt_states(n, kind, seed)
        active = t if kind == "general" else 0
        # The map shown costs one region map; the other frames only when Play asks (or a link
        # shows another step than t).
        every_frame = frames_requested(f"{PAGE}.tilt") or tilt_view.needs_frames
        shown = tuple(range(len(states.counts))) if every_frame else (active,)
        xs, ys, region_maps = topic.tilt_maps(n, kind, seed, shown)
        visible = int(region_maps[shown.index(active)].max()) + 1
        said = metrics([*numbers, ("Seen in this window", f"{visible:,}", WINDOW_HELP)])
        fig = figures.tilt_figure(
            xs, ys, region_maps if every_frame else region_maps[0], states.lines, states.counts,
            states.crossings, states.box, active=active, look=page.look,
        )  # fmt: skip
        alt = alt_text.chart(what, said)
        chart(fig, "tilt", frames_on_request=True, alt=alt, view=tilt_view)
        st.caption(
            "Notice: ▶ Play tilts the lines one by one (the slider under the map goes through "
            "them too); red dots are the crossings the last tilt made, one new region each."
        )
    else:
        said = metrics(numbers)
        box = ((-3.0, 3.0),) * 3
        figure = figures.planes_figure(planes, planes[:, 2] != 0, box, look=page.look)
        chart(figure, "planes", alt=alt_text.chart(what, said))
        st.caption(
            "Grey planes are vertical: seen from above they are lines. Untilted (t = 0), "
            "the n planes cut space into 1 + n + C(n, 2) columns. Drag to turn the view."
        )
    if tilting:
        ts, counts, closed = topic.tilt_sequence(n, d, seed)
        start = f"{closed[0]}"
        chart(figures.tilt_count_figure(ts, counts, closed, start_label=start, look=page.look),
              "tilt_counts", alt=topic.tilt_alt(ts, counts))  # fmt: skip
    st.markdown(
        "Random lines, and their regions counted two more ways: the "
        "[Permutation page's regions](/permutation?tab=regions)."
    )


# --- XOR -------------------------------------------------------------------------------------


def xor_view(shown: bool) -> None:
    row = st.columns(4, vertical_alignment="bottom")
    cells = state.control(Setting.integer("cells", "Checkerboard m × m", 3, 2, 5), row[0], shown)
    shallow = state.control(Setting.integer("shallow", "One layer: units", 8, 1, 48), row[1], shown)
    deep = state.control(Setting.integer("deep", "Two layers: units each", 6, 1, 8), row[2], shown)
    seed = state.control(Setting.integer("xseed", "Seed", 0, 0, 99, widget="number"), row[3], shown)
    if not shown:
        return
    page.explain(
        "Two threshold units h₁ = [x₁ > 0] and h₂ = [x₂ > 0] cut the plane into four "
        "quadrants. An output unit [v₁h₁ + v₂h₂ + c > 0] can give them many labellings, but "
        "not XOR (opposite quadrants alike): no line separates (0, 0), (1, 1) from "
        "(0, 1), (1, 0). A second layer can: OR minus AND."
    )
    separable, two_layers = topic.separable_quadrants(), topic.two_layer_quadrants()
    said = metrics(
        [
            (
                "Labellings of the 4 quadrants one output unit makes",
                f"{int(separable.sum())} of {len(separable)}",
                "Each checked by a linear programme: all but XOR and XNOR.",
            ),
            (
                "With a second layer",
                f"{int(two_layers.sum())} of {len(two_layers)}",
                "Each built (one hidden unit per quadrant labelled 1, then OR) and checked.",
            ),
        ]
    )
    xs, ys, orr, xor = topic.xor_maps()
    axes = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    maps(
        "xor_maps",
        figures.Panel("1 layer: OR, never XOR", xs, ys, orr, lines=axes),
        figures.Panel("2 layers: XOR = OR − AND", xs, ys, xor, lines=axes),
        alt=alt_text.chart("Class maps of OR with one layer and XOR with two", said),
    )
    st.header("Generalized XOR: an m × m checkerboard, trained live", anchor=False)
    with budget.heavy_job("Training the two networks…"):
        data, one, two = topic.checkerboard_nets(cells, shallow, deep, seed)
    said = metrics(
        [
            ("One layer: N", f"{one.num_weights}"),
            ("One layer: test accuracy", f"{one.test_accuracy:.0%}"),
            ("Two layers: N", f"{two.num_weights}"),
            ("Two layers: test accuracy", f"{two.test_accuracy:.0%}"),
        ]
    )
    maps(
        "checker_maps",
        net_panel(f"1 layer, {shallow} units", one, data),
        net_panel(f"2 layers, {deep} + {deep}", two, data),
        alt=alt_text.chart(
            f"Class maps of two ReLU nets on a {cells} × {cells} checkerboard", said
        ),
    )
    st.caption(
        f"ReLU nets trained with Adam ({topic.STEPS} steps) on {topic.N_TRAIN} points; test "
        "accuracy on as many new ones. Each net is one run from one seed: try several seeds "
        "before concluding. The lines are the first layer's units."
    )


# --- distributed against local ----------------------------------------------------------------


def local_view(shown: bool) -> None:
    row = st.columns(3, vertical_alignment="bottom")
    units = state.control(Setting.integer("units", "Net: hidden units", 4, 1, 16), row[0], shown)
    new = state.control(Setting.flag("new", "Add a new cluster in the middle"), row[1], shown)
    seed = state.control(Setting.integer("lseed", "Seed", 0, 0, 99, widget="number"), row[2], shown)
    if not shown:
        return
    page.explain(
        "**Local**: nearest neighbour keeps every training point as a prototype and labels "
        "a point like the closest one; each prototype owns a Voronoi cell, so p prototypes "
        "(2p numbers) distinguish p cells. **Distributed**: each hidden unit is a line shared "
        "by all regions; n lines (3n numbers) distinguish up to 1 + n + n(n − 1)/2 regions."
    )
    with budget.heavy_job("Training the network…"):
        (x, y), (cells, labels, nn_accuracy), net = topic.local_and_distributed(units, new, seed)
    xs, ys, _ = depth.grid_points(depth.BOX, topic.MAP_GRID)
    said = metrics(
        [
            ("1-NN: cells (numbers)", f"{len(x)} ({2 * len(x)})"),
            ("1-NN: test accuracy", f"{nn_accuracy:.0%}"),
            (
                "Net: linear regions (N)",
                f"{net.exact_regions} ({net.num_weights})",
                "Regions of the net's lines inside the square, counted exactly.",
            ),
            ("Net: test accuracy", f"{net.test_accuracy:.0%}"),
        ]
    )
    voronoi = figures.cell_edges(cells)
    maps(
        "local_maps",
        figures.Panel("1-NN: Voronoi cells", xs, ys, labels, points=x, labels=y,
                      edges=voronoi),
        net_panel(f"net, {units} units", net, (x, y)),
        alt=alt_text.chart("Class maps of nearest neighbour and of a net", said),
    )  # fmt: skip
    st.caption(
        "Notice: nearest neighbour needs new prototypes for every new region, but no "
        "retraining; the net's few lines cross the whole plane, so a new cluster "
        "moves lines that other regions use too."
    )


# --- deep against shallow ---------------------------------------------------------------------


def deep_view(shown: bool) -> None:
    row = st.columns(3, vertical_alignment="bottom")
    folds = state.control(Setting.integer("folds", "Sawtooth: folds", 3, 1, 4), row[0], shown)
    width = state.control(
        Setting.integer("width", "Deep net: units per layer", 6, 2, 8), row[1], shown
    )
    seed = state.control(Setting.integer("dseed", "Seed", 0, 0, 99, widget="number"), row[2], shown)
    if not shown:
        return
    n_deep, h = topic.deep_width_budget(width)
    page.explain(
        f"Same budget: three layers of {width} ReLU units (N = {n_deep}) against one layer "
        f"of {h} units (N = {4 * h + 1}). The task: label 1 below a sawtooth made by "
        f"folding the x₁ axis {folds} times. A linear region is a set of inputs with the "
        "same on/off pattern of every unit: there the net is affine."
    )
    with budget.heavy_job("Training the deep and the shallow network…"):
        data, one, three = topic.deep_and_shallow(folds, width, seed)
    said = metrics(
        [
            ("One layer: test accuracy", f"{one.test_accuracy:.0%}"),
            (
                "One layer: linear regions",
                f"{one.exact_regions}",
                "Exact, by splitting the square along every unit's line.",
            ),
            ("Three layers: test accuracy", f"{three.test_accuracy:.0%}"),
            ("Three layers: linear regions", f"{three.exact_regions}"),
        ]
    )
    maps(
        "deep_maps",
        net_panel(f"1 layer, {h} units", one, data, lines=False),
        net_panel(f"3 layers of {width}", three, data, lines=False),
        alt=alt_text.chart(
            f"Class maps of a 1-layer and a 3-layer net on a {folds}-fold sawtooth", said
        ),
    )
    xs, ys, _ = depth.grid_points(depth.BOX, topic.REGION_GRIDS[-1])
    maps(
        "deep_regions",
        figures.Panel("regions: 1 layer", xs, ys, one.region_map, kind="regions"),
        figures.Panel("regions: 3 layers", xs, ys, three.region_map, kind="regions"),
        alt=alt_text.chart("Linear regions of the 1-layer and the 3-layer net", said),
    )
    grids = ", ".join(
        f"{g}: {a} / {b}"
        for g, a, b in zip(topic.REGION_GRIDS, one.grid_regions, three.grid_regions, strict=True)
    )
    st.caption(
        f"Resolution check — distinct patterns on grids of g × g points (one layer / "
        f"three layers): {grids}; exact: {one.exact_regions} / {three.exact_regions}. "
        "The grid counts climb towards the exact ones as the grid is refined."
    )
    n_fold, pieces = topic.folding(folds)
    st.info(
        f"**What depth can do.** A hand-built net with 2 ReLU units per layer and {folds} "
        f"layers (N = {n_fold}) computes this sawtooth exactly: {pieces} linear pieces. "
        "Along a line, one hidden layer makes at most one piece more than it has units, so "
        f"it needs at least {pieces - 1} units.\n\n**What this small setting does not show.** "
        "Trained nets rarely use that capacity: at this size the one-layer net often has as many "
        "regions as the deep one or more (Hanin & Rolnick 2019), and which wins on test "
        "accuracy changes with the seed. The lecture's evidence (Goodfellow et al. 2016, "
        "§6.4) is about large nets on real data: deeper nets were more accurate at equal "
        "numbers of parameters.",
        icon="⚖️",
    )


# --- No Free Lunch ---------------------------------------------------------------------------


def nfl_view(shown: bool) -> None:
    row = st.columns(2, vertical_alignment="bottom")
    points = state.control(Setting.integer("K", "Input points K", 8, 7, 10), row[0], shown)
    train_key = state.control(
        Setting.choice(
            "train", "Training points", "0,3,6", tuple(NFL_TRAININGS), labels=NFL_TRAININGS
        ),
        row[1],
        shown,
    )
    if not shown:
        return
    train = tuple(int(v) for v in train_key.split(","))
    page.explain(
        f"The inputs are x = 0 … {points - 1}; a problem is any labelling of them with 0/1, "
        f"2^{points} = {2**points} problems. Each learner sees the labels at the training "
        "points and predicts the others. Average its accuracy on the other points over every "
        "problem: exactly ½, whatever it does. Only on a family of problems that fits its "
        "prior (here the threshold problems, [x ≥ θ] or [x < θ]) does a learner beat another."
    )
    with budget.heavy_job("Enumerating every labelling…"):
        table = topic.nfl_table(points, train)
    titles = [nfl.LEARNER_TITLES[name] for name in nfl.LEARNERS]
    families = {"all problems": "all", "threshold problems": "threshold"}
    chart(
        figures.nfl_figure(
            titles,
            {label: [float(table[n][f]) for n in nfl.LEARNERS] for label, f in families.items()},
            look=page.look,
        ),
        "nfl",
        alt=topic.nfl_alt(table, points, train),
    )
    st.markdown(
        " · ".join(
            f"{nfl.LEARNER_TITLES[n]}: **{table[n]['all']}** over all, "
            f"**{table[n]['threshold']}** over thresholds"
            for n in nfl.LEARNERS
        )
    )
    st.header("Quiz: which statements about deep learning are true?", anchor=False)

    for key, statement, right, why in QUIZ:
        quiz_box(PAGE, key, statement, right, lambda why=why: st.markdown(why),
                 options=("true", "false"))  # fmt: skip


VIEWS = {"count": count_view, "xor": xor_view, "local": local_view, "deep": deep_view,
         "nfl": nfl_view}  # fmt: skip
for name, view in VIEWS.items():
    with tabs[name]:
        view(name == open_tab)

page.share_link()
state.finish()
