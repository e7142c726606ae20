"""The depth page's cached core calls and its lecture scenes.

Every number the page shows comes from `landscapes.depth` and `landscapes.nfl` through these
functions (plain values in, arrays and NamedTuples out), each wrapped once by `st.cache_data`.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import streamlit as st

from app_support import alt_text
from app_support.presets import Preset, scene
from landscapes import depth, nfl, regions

MAP_GRID = 121  # grid of the region and class maps
STEPS = 128  # training steps (Adam, full batch): one step bucket of the runner
LEARNING_RATE = 0.05
SHALLOW_PAD, DEEP_PAD, LOCAL_PAD = 48, 8, 16  # padded widths: one program per shape
DEEP_LAYERS = 3
N_TRAIN, N_TEST = 300, 300
REGION_GRIDS = (31, 61, MAP_GRID)  # nested grids of the resolution check, the map's the finest


def window(states) -> tuple[tuple[float, float], tuple[float, float]]:
    """The 2-D view of line arrangements (each (n, 3)): every crossing of every one of them
    and the lines' spacing, with a margin. Shifted by an irrational fraction of the map's
    spacing, so that no grid point lies on a line (the lines sit at whole and half numbers,
    the concurrent ones cross at the origin): a point on a line would show a sign pattern
    that no region has."""
    half = max(3.0, len(states[0]) / 2 + 1.0)
    for lines in states:
        points, _ = regions.intersections(lines)
        if len(points):
            half = max(half, 1.1 * float(np.max(np.abs(points))) + 0.5)
    shift = 1e-3 * np.pi * 2 * half / MAP_GRID
    return (-half + shift, half + shift), (-half + shift, half + shift)


@st.cache_data(max_entries=64, show_spinner=False)
def arrangement_count(d: int, n: int, kind: str, tilted: int, seed: int):
    """The hyperplanes, their exact region count and the closed form of their family."""
    planes = depth.tilted_arrangement(n, d, kind, tilted, seed)
    return planes, depth.count_regions(planes), depth.regions_formula(n, d, kind, tilted)


class TiltStates(NamedTuple):
    lines: np.ndarray  # (T, n, 3)
    counts: np.ndarray  # (T,) exact
    formula: np.ndarray  # (T,)
    crossings: tuple  # (T,) arrays (m, 2): where the last tilted line crosses the others
    box: tuple


@st.cache_data(max_entries=32, show_spinner=False)
def tilt_states(n: int, kind: str, seed: int) -> TiltStates:
    """2-D: every state of the tilt sequence (t = 0 … n), or the one special arrangement."""
    ts = range(n + 1) if kind == "general" else [n]
    lines = [depth.tilted_arrangement(n, 2, kind, t, seed) for t in ts]
    crossings = tuple(
        depth.crossings_on(state, t - 1, range(t, n))
        if kind == "general" and t
        else np.zeros((0, 2))
        for t, state in zip(ts, lines, strict=True)
    )
    return TiltStates(
        np.stack(lines),
        np.array([depth.count_regions(state) for state in lines]),
        np.array([depth.regions_formula(n, 2, kind, t) for t in ts]),
        crossings,
        window(lines),
    )


@st.cache_data(max_entries=32, show_spinner=False)
def tilt_maps(n: int, kind: str, seed: int, states: tuple[int, ...]):
    """(xs, ys, region ids (len(states), H, W)) of the chosen states of `tilt_states` in its
    window: the map shown, or every frame of the animation once Play asks for them."""
    tilts = tilt_states(n, kind, seed)
    maps = [regions.region_map(tilts.lines[t], tilts.box, MAP_GRID) for t in states]
    return maps[0][0], maps[0][1], np.stack([m[2] for m in maps]).astype(np.int16)


@st.cache_data(max_entries=32, show_spinner=False)
def tilt_sequence(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, exact counts, closed form) along the tilts in d = 2 or 3."""
    if d == 2:  # the map's frames have counted these states already
        states = tilt_states(n, "general", seed)
        return np.arange(n + 1), states.counts, states.formula
    ts, counts = depth.tilt_counts(n, d, seed)
    return ts, counts, np.array([depth.regions_formula(n, d, "general", int(t)) for t in ts])


@st.cache_data(max_entries=4, show_spinner=False)
def separable_quadrants() -> np.ndarray:
    """Which of the 16 labellings of the four quadrants one threshold unit makes."""
    return depth.separable_labellings(2)


@st.cache_data(max_entries=4, show_spinner=False)
def two_layer_quadrants() -> np.ndarray:
    """Which of the 16 labellings of the four quadrants a second threshold layer makes."""
    return depth.two_layer_labellings(2)


@st.cache_data(max_entries=2, show_spinner=False)
def xor_maps():
    xs, ys, points = depth.grid_points(depth.BOX, MAP_GRID)
    hidden, out = depth.xor_two_layers(points)
    orr = (hidden.sum(-1) > 0.5).astype(float)
    return xs, ys, orr, out


class NetResult(NamedTuple):
    widths: tuple[int, ...]
    num_weights: int
    train_accuracy: float
    test_accuracy: float
    classes: np.ndarray  # (H, W) 0/1 on the map grid
    first_lines: np.ndarray  # (n₁, 3) rows (w₁, w₂, b) of the first layer
    exact_regions: int | None  # linear regions in the box (when asked for)
    grid_regions: tuple[int, ...] = ()  # on REGION_GRIDS (when asked for)
    region_map: np.ndarray | None = None  # (H, W) activation patterns' ids, finest grid


def _result(trained: depth.Trained, regions_: str = "") -> NetResult:
    """A trained net's numbers and maps; `regions_`: "" none, "exact" the exact count of its
    linear regions, "all" also the grid counts and the map of its regions."""
    xs, ys, points = depth.grid_points(depth.BOX, MAP_GRID)
    logits, codes = depth.evaluate(trained, points)  # one pass: the class map and the regions
    classes = (logits > 0).astype(np.int8)
    W, b = trained.net.wide.unflatten(trained.weights)[0]
    n1 = trained.net.widths[0]
    lines = np.concatenate([W[:, :n1].T, b[:n1, None]], axis=1)
    result = NetResult(
        trained.net.widths,
        trained.net.num_weights,
        trained.train_accuracy,
        trained.test_accuracy,
        classes,
        lines,
        depth.count_linear_regions_exact(trained) if regions_ else None,
    )
    if regions_ != "all":
        return result
    grids, ids = depth.nested_region_counts(codes, REGION_GRIDS)
    return result._replace(grid_regions=grids.counts, region_map=ids.astype(np.int16))


def _train(shapes, x, y, xt, yt, seed, regions_: str = "") -> tuple[NetResult, ...]:
    """Nets of `shapes` ((widths, padded) each), trained together in one run."""
    nets = [depth.make_net(widths, padded) for widths, padded in shapes]
    trained = depth.train_together(
        nets, x, y, xt, yt, seed=seed, steps=STEPS, learning_rate=LEARNING_RATE
    )
    return tuple(_result(one, regions_) for one in trained)


@st.cache_data(max_entries=32, show_spinner="Training…")
def checkerboard_nets(cells: int, shallow: int, deep: int, seed: int):
    """A one-layer net of `shallow` units and a two-layer net of `deep` units per layer,
    trained on the cells × cells checkerboard."""
    x, y = depth.checkerboard(cells, N_TRAIN, seed)
    xt, yt = depth.checkerboard(cells, N_TEST, seed + 1000)
    shapes = (((shallow,), (SHALLOW_PAD,)), ((deep, deep), (DEEP_PAD, DEEP_PAD)))
    return ((x, y), *_train(shapes, x, y, xt, yt, seed))


def _clusters(new_cluster: bool, seed: int):
    """The training and the test clusters."""
    return depth.clusters(12, seed, new_cluster), depth.clusters(40, seed + 1000, new_cluster)


@st.cache_data(max_entries=16, show_spinner=False)
def nearest_neighbour_map(new_cluster: bool, seed: int):
    """1-NN on the cluster data: (its Voronoi cells and labels on the map's grid, its test
    accuracy). Apart from the net: a move of the units slider leaves it as it is."""
    (x, y), (xt, yt) = _clusters(new_cluster, seed)
    points = depth.grid_points(depth.BOX, MAP_GRID)[2]
    cells, labels = depth.nearest_neighbour(x, y, points)
    _, test_labels = depth.nearest_neighbour(x, y, xt)
    return cells, labels, float(np.mean(test_labels == yt))


@st.cache_data(max_entries=32, show_spinner="Training…")
def local_and_distributed(units: int, new_cluster: bool, seed: int):
    """Cluster data: 1-NN (its Voronoi cells) and a one-layer net of `units` units."""
    (x, y), (xt, yt) = _clusters(new_cluster, seed)
    (net,) = _train((((units,), (LOCAL_PAD,)),), x, y, xt, yt, seed, "exact")
    return (x, y), nearest_neighbour_map(new_cluster, seed), net


def deep_width_budget(width: int) -> tuple[int, int]:
    """(N of the deep net, the one-layer width of about the same N)."""
    n = depth.make_net((width,) * DEEP_LAYERS, (DEEP_PAD,) * DEEP_LAYERS).num_weights
    return n, depth.equal_budget_width(n, SHALLOW_PAD)


@st.cache_data(max_entries=32, show_spinner="Training…")
def deep_and_shallow(folds: int, width: int, seed: int):
    """Both nets at (about) the same N on the sawtooth of `folds` folds."""
    x, y = depth.sawtooth(folds, N_TRAIN, seed)
    xt, yt = depth.sawtooth(folds, N_TEST, seed + 1000)
    _, shallow = deep_width_budget(width)
    shapes = (((shallow,), (SHALLOW_PAD,)), ((width,) * DEEP_LAYERS, (DEEP_PAD,) * DEEP_LAYERS))
    return ((x, y), *_train(shapes, x, y, xt, yt, seed, "all"))


@st.cache_data(max_entries=8, show_spinner=False)
def folding(folds: int) -> tuple[int, int]:
    """(N, exact linear regions) of the hand-built folding net."""
    net = depth.folding_net(folds)
    return net.net.num_weights, depth.count_linear_regions_exact(net)


@st.cache_data(max_entries=32, show_spinner=False)
def nfl_table(points: int, train: tuple[int, ...]) -> dict[str, dict[str, Fraction]]:
    return nfl.accuracy_table(points, train)


def tilt_alt(ts, counts) -> str:
    """The tilt counts' text alternative: the regions before the first tilt and after the
    last (counted exactly)."""
    return alt_text.chart(
        "Number of regions against the number of tilted hyperplanes t",
        alt_text.values("Regions", [(f"t = {ts[0]}", counts[0]), (f"t = {ts[-1]}", counts[-1])]),
    )


def nfl_alt(table: dict, points: int, train: tuple[int, ...]) -> str:
    """No Free Lunch's text alternative: each learner's mean accuracy on the unseen points,
    over all 2^K problems and over the threshold problems (exact fractions, as shown)."""
    return alt_text.chart(
        f"Mean accuracy on the unseen points of {points} inputs, trained at "
        f"{', '.join(map(str, train))}, by learner",
        "; ".join(
            f"{nfl.LEARNER_TITLES[n]}: {table[n]['all']} over all, "
            f"{table[n]['threshold']} over thresholds"
            for n in nfl.LEARNERS
        )
        + ".",
    )


_scene = functools.partial(scene, "pages/depth.py")

SCENES: tuple[Preset, ...] = (
    _scene(
        "tilt",
        "Tilt the lines one by one",
        "Six parallel lines make 7 strips. Press Play: each tilted line crosses the lines "
        "not yet tilted, and every crossing adds a region: 7 + 5 + 4 + 3 + 2 + 1 = 22.",
        tab="count",
        d="2",
        n="6",
        t="0",
    ),
    _scene(
        "planes",
        "Planes in 3-D",
        "Five vertical planes are five lines seen from above: 16 columns. Tilting plane i "
        "adds C(5 − i, 2) regions; all tilted, 1 + 5 + 10 + 10 = 26.",
        tab="count",
        d="3",
        n="5",
        t="5",
    ),
    _scene(
        "concurrent",
        "Not in general position",
        "Six lines through one point make only 12 regions, not 22: the formula needs "
        "general position.",
        tab="count",
        d="2",
        n="6",
        kind="concurrent",
    ),
    _scene(
        "xor",
        "XOR needs a second layer",
        "Two lines make four quadrants, but no threshold unit reading them labels opposite "
        "quadrants alike; a second layer (OR minus AND) does.",
        tab="xor",
    ),
    _scene(
        "local",
        "A new cluster",
        "Nearest neighbour handles the new middle cluster with new cells of its own; the "
        "net's lines run across the whole plane and must move to make room.",
        tab="local",
        new="1",
    ),
    _scene(
        "deep",
        "Deep against shallow at equal N",
        "Same number of weights, one wide layer against three narrow ones, on a sawtooth "
        "made by folding: with this seed the deep net is more accurate with fewer linear "
        "regions (other seeds: not always); a net folding by hand needs only 2 units per layer.",
        tab="deep",
        folds="3",
        dseed="2",
    ),
    _scene(
        "nfl",
        "No Free Lunch",
        "Over all 2ᴷ problems every learner scores exactly ½ off the training set; on smooth "
        "problems nearest neighbour wins and its opposite loses.",
        tab="nfl",
    ),
)
