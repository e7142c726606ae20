"""The Regularization page's cached core calls and its lecture scenes.

A loss is named by a plain spec (hashable, the cache's key): ``(QUADRATIC, "", params)`` for
the page's quadratic or ``("catalogue", name, params)`` for a catalogue surface, `params` its
parameters as sorted (name, value) pairs.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

import landscapes
import optim
from app_support import alt_text
from app_support.presets import scene
from app_support.urlstate import format_number
from landscapes import regularization as reg
from viz import regularization as figs

GRID = 150  # contour resolution
QUADRATIC = "quadratic"
L1_STEPS = 200  # gradient descent steps in the L1 view (fixed: one compiled length)
EARLY_STEPS = 500
CLIP_STEPS = 100
CLIP_START = (-3.0, 2.0)
MEASURED_LAMBDAS = tuple(float(v) for v in np.geomspace(0.01, 100.0, 13))
MATCH_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
CLIPS = {"none": "no clipping", "norm": "clipped by norm", "value": "clipped by value"}

_preset = functools.partial(scene, "pages/regularization.py")
SCENES = (
    _preset(
        "l1_axis",
        "L1 lands on an axis, L2 only shrinks",
        "Drag λ: the L1 minimiser runs into the axis w₂ = 0 and slides along it to the origin; "
        "the L2 minimiser shrinks toward the origin and never gets there.",
        view="paths",
        lam="0.8",
    ),
    _preset(
        "flat_shrinks_most",
        "L2 shrinks the flat direction most",
        "With curvatures 5 and 0.1, λ = 0.5 keeps 91 % of w\\* along the steep eigenvector and "
        "only 17 % along the flat one.",
        view="shrink",
        d1="5",
        d2="0.1",
        lam="0.5",
    ),
    _preset(
        "proximal_zeros",
        "Only proximal steps reach exactly zero",
        "Subgradient steps jump across w₂ = 0 forever; soft-thresholding lands on it and stays.",
        view="steps",
        lam="0.8",
        l1_lr="0.3",
    ),
    _preset(
        "early_stopping",
        "Stopping early is like weight decay",
        "Gradient descent from 0 travels along the L2 path: after t steps it sits near the L2 "
        "minimiser for λ = 1/(εt).",
        view="early",
        lr="0.05",
        t="20",
    ),
    _preset(
        "cliff",
        "Clipping at a cliff",
        "At the cliff edge the gradient is huge: unclipped, one step throws w far away; clipped "
        "by norm, the step keeps its direction; clipped by value, it also turns.",
        view="clip",
    ),
    _preset(
        "rosenbrock_l1",
        "L1 and L2 on Rosenbrock",
        "Away from quadratics the paths bend with the valley, but L1 still reaches exactly 0 — "
        "from λ = 2, the slope of E at 0 — while L2 only approaches it.",
        view="paths",
        loss="rosenbrock",
        lam="2",
    ),
)


# --- cached core calls (plain keys) --------------------------------------------------------

Spec = tuple  # (QUADRATIC, "", params) or ("catalogue", name, params); params sorted pairs


@st.cache_resource(max_entries=64, show_spinner=False)
def surface(spec: Spec):
    """(loss, bounds, log_color, minimum or None) of a quadratic or catalogue surface."""
    kind, name, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return quad.loss, reg.QUADRATIC_BOUNDS, False, quad.minimum
    surface = landscapes.get_surface(name, **dict(params))
    minimum = np.asarray(surface.minima[0]) if surface.minima else None
    return surface.loss, surface.bounds, surface.log_color, minimum


@st.cache_data(max_entries=32, show_spinner=False)
def grid(spec: Spec, bounds=None):
    loss, default_bounds, *_ = surface(spec)
    return landscapes.loss_grid(loss, bounds or default_bounds, GRID)


@st.cache_data(max_entries=32, show_spinner=False)
def paths(spec: Spec):
    """λ's and the L2 and L1 minimiser for each: exact for the quadratic, numerical otherwise."""
    lams = reg.path_lambdas()
    kind, _, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return lams, reg.l2_path(quad, lams), reg.l1_path(quad, lams)
    loss, bounds, *_ = surface(spec)
    return (
        lams,
        reg.penalized_path(loss, bounds, lams, "l2"),
        reg.penalized_path(loss, bounds, lams, "l1"),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def minimisers(spec: Spec, lam: float):
    """(L2 minimiser, L1 minimiser) at one λ."""
    kind, _, params = spec
    if kind == QUADRATIC:
        quad = reg.make_quadratic(**dict(params))
        return reg.l2_path(quad, [lam])[0], reg.l1_path(quad, [lam])[0]
    loss, bounds, *_ = surface(spec)
    return (
        reg.penalized_path(loss, bounds, [lam], "l2")[0],
        reg.penalized_path(loss, bounds, [lam], "l1")[0],
    )


@st.cache_data(max_entries=32, show_spinner=False)
def measured(params: tuple, lams: tuple):
    return reg.measured_shrink(reg.make_quadratic(**dict(params)), np.asarray(lams))


@st.cache_data(max_entries=128, show_spinner=False)
def run(spec: Spec, start: tuple, steps: int, settings: tuple) -> optim.Trajectory:
    loss, *_ = surface(spec)
    return optim.run(loss, np.asarray(start, dtype=float), "gd", steps, **dict(settings))


def fitted_box(q: reg.Quadratic):
    """A square around the origin holding w* with a margin (in half units, so that few grids
    are cached): the views about the quadratic's minimum zoom in on the origin and w*."""
    half = float(np.ceil(2.0 * max(1.3 * np.abs(q.minimum).max(), 1.0)) / 2.0)
    return ((-half, half), (-half, half))


@st.cache_data(max_entries=64, show_spinner=False)
def default_step(spec: Spec, start: tuple) -> float:
    """A learning rate for the L1 runs that does not blow up at the start or the minimum:
    0.1 on the quadratic, otherwise a fifth of 1/D_max there, rounded to one digit."""
    if spec[0] == QUADRATIC:
        return 0.1
    loss, _, _, minimum = surface(spec)
    points = [np.asarray(start, dtype=float)] + ([] if minimum is None else [minimum])
    step = min(0.2 * reg.stable_learning_rate(loss, points), 0.1)
    return float(f"{step:.1g}")


def vector(w) -> str:
    if not np.all(np.isfinite(w)):
        return "none inside the box"
    # + 0.0 turns −0.0 (from a sign times an exact zero) into 0
    return "(" + ", ".join(format_number(float(v) + 0.0) for v in np.asarray(w)) + ")"


class EarlyStopping(NamedTuple):
    """Gradient descent from 0 on the quadratic beside the L2 path (λ = 1/(εt) at step t)."""

    run: optim.Trajectory
    matches: list[figs.Match]  # at MATCH_STEPS
    chosen: figs.Match  # at the chosen step
    steps: np.ndarray  # 1 … EARLY_STEPS
    gaps: np.ndarray  # ‖w_t − w̃(1/(εt))‖ at each step
    bound: np.ndarray  # its bound at each step


def early_stopping(params: tuple, learning_rate: float, step: int) -> EarlyStopping:
    """EARLY_STEPS of gradient descent from 0 on the quadratic of `params` (sorted pairs),
    each step set against the L2 minimiser it matches."""
    quad = reg.make_quadratic(**dict(params))
    t = run((QUADRATIC, "", params), (0.0, 0.0), EARLY_STEPS, (("learning_rate", learning_rate),))
    marked = [s for s in MATCH_STEPS if s <= EARLY_STEPS]
    match_lams = reg.early_stopping_lambda(learning_rate, marked)
    match_l2 = reg.l2_path(quad, match_lams)
    matches = [
        figs.Match(s, float(m), t.params[s], w)
        for s, m, w in zip(marked, match_lams, match_l2, strict=True)
    ]
    chosen_lam = float(reg.early_stopping_lambda(learning_rate, step))
    chosen = figs.Match(step, chosen_lam, t.params[step], reg.l2_path(quad, [chosen_lam])[0])
    all_steps = np.arange(1, EARLY_STEPS + 1)
    gaps = np.linalg.norm(
        t.params[1:] - reg.l2_path(quad, reg.early_stopping_lambda(learning_rate, all_steps)),
        axis=1,
    )
    bound = reg.early_stopping_gap_bound(quad, learning_rate, all_steps)
    return EarlyStopping(t, matches, chosen, all_steps, gaps, bound)


class Clipped(NamedTuple):
    """Gradient descent on the cliff without clipping, clipped by norm and by value."""

    spec: Spec  # the cliff's
    runs: list[figs.Run]  # in the order of CLIPS
    lengths: dict[str, np.ndarray]  # step lengths per run
    angles: dict[str, np.ndarray]  # angles between step and gradient per run (degrees)
    rows: list[dict[str, str]]  # the table under the figures
    view_box: tuple  # the cliff's box, widened to where the runs went (at most ±100)


def clipped_runs(params: tuple, threshold: float, learning_rate: float) -> Clipped:
    """The runs of CLIPS from CLIP_START on the cliff of `params` (sorted pairs)."""
    spec: Spec = ("catalogue", "cliff", params)
    runs, lengths, angles = [], {}, {}
    rows = []
    for kind, label in CLIPS.items():
        t = run(
            spec,
            CLIP_START,
            CLIP_STEPS,
            (("clip", kind), ("clip_threshold", threshold), ("learning_rate", learning_rate)),
        )
        runs.append(figs.Run(kind, label, t.params, t.diverged_at))
        lengths[kind] = reg.step_lengths(t.params)
        angles[kind] = reg.turn_angles(t.params, t.grad)
        rows.append(
            {
                "run": label,
                "longest step": f"{lengths[kind].max():.3g}" if len(lengths[kind]) else "—",
                "largest turn (°)": f"{np.nanmax(angles[kind]):.1f}"
                if np.any(np.isfinite(angles[kind]))
                else "—",
                "final loss": f"{t.loss[-1]:.4g}",
                "diverged at": "—" if t.diverged_at is None else str(t.diverged_at),
            }
        )
    # The view widens to show where the unclipped step lands (drawn, never clipped).
    (bx0, bx1), (by0, by1) = landscapes.get_surface("cliff", **dict(params)).bounds
    reach = np.concatenate([r.params for r in runs])
    view_box = (
        (min(bx0, np.floor(reach[:, 0].min())), max(bx1, np.ceil(reach[:, 0].max()))),
        (min(by0, np.floor(reach[:, 1].min())), max(by1, np.ceil(reach[:, 1].max()))),
    )
    view_box = tuple((max(float(a), -100.0), min(float(b), 100.0)) for a, b in view_box)
    return Clipped(spec, runs, lengths, angles, rows, view_box)


def steps_table(ends: dict, solution) -> list[dict]:
    """The L1 view's table: where each run ends (by its label) and how many of its weights
    are exactly 0, then the exact minimiser of E + λ‖w‖₁ when it lies in the box."""
    if np.all(np.isfinite(solution)):
        ends = {**ends, "exact minimum of E + λ‖w‖₁": solution}
    return [
        {
            "method": label,
            "w after the last step": vector(w),
            "weights exactly 0": int(np.sum(np.asarray(w) == 0.0)),
        }
        for label, w in ends.items()
    ]


# --- text alternatives of the charts (what each shows and its numbers, as the page shows them)


def penalty_alt(kind: str, lam: float, w) -> str:
    """A penalised map's text alternative: the minimiser w̃ at the chosen λ."""
    name = {"l2": "L2 (λ/2 ‖w‖²)", "l1": "L1 (λ‖w‖₁)"}[kind]
    return alt_text.chart(
        f"Contour map of the loss plus the {name} penalty with the minimiser's path over λ",
        f"At λ = {format_number(lam)} the minimiser w̃ is {vector(w)}.",
    )


def coefficients_alt(lam: float, w_l2, w_l1, zero_lambdas: dict | None) -> str:
    """The coefficient paths' text alternative: both minimisers at λ and, for the quadratic,
    the λ at which each L1 weight becomes exactly 0."""
    zeros = ""
    if zero_lambdas:
        zeros = alt_text.values(
            "L1 weights reach 0 at λ",
            [(f"w{'₁₂'[i]}", value) for i, value in sorted(zero_lambdas.items())],
            4,
        )
    return alt_text.chart(
        "The minimiser's weights against λ, L2 and L1",
        f"At λ = {format_number(lam)}: L2 w̃ = {vector(w_l2)}, L1 w̃ = {vector(w_l1)}.",
        zeros,
    )


def shrink_alt(what: str, curvatures, kept, lam: float) -> str:
    """The shrink chart's text alternative: the fraction D/(D + λ) kept along each
    eigenvector at λ, as the table shows it."""
    return alt_text.chart(
        what,
        alt_text.values(
            f"At λ = {format_number(lam)}, D/(D + λ)",
            [(f"q{'₁₂'[i]} (D = {curvatures[i]:.4g})", kept[i]) for i in range(len(kept))],
            6,
        ),
    )


def l1_steps_alt(table) -> str:
    """The L1 runs' text alternative: where each run ends and how many weights are exactly 0."""
    return alt_text.chart(
        "Contour map of E + λ‖w‖₁ with the subgradient and the proximal runs",
        alt_text.rows(table, "method", ("w after the last step", "weights exactly 0")),
    )


def early_alt(what: str, t: int, lr: float, chosen, gap: float) -> str:
    """Early stopping's text alternative: the λ = 1/(εt) that t steps match, and how far the
    two points are apart."""
    return alt_text.chart(
        what,
        f"t = {t}, ε = {format_number(lr)}: λ = 1/(εt) = {chosen.lam:.4g}; "
        f"w_t = {vector(chosen.gd_point)}, w̃(λ) = {vector(chosen.l2_point)}, distance {gap:.3g}.",
    )


def clip_alt(what: str, table) -> str:
    """The clipping runs' text alternative: the table's longest step and final loss per run."""
    return alt_text.chart(
        what,
        alt_text.rows(table, "run", ("longest step", "largest turn (°)", "final loss")),
    )
