"""Lecture presets: one-click scenes, as plain data (the URL parameters of a page).

A preset is the query string of a page: opening `/playground?<params>` shows the scene, a
preset button loads the same parameters (`urlstate.load_url`), and the home page links to each
with `st.page_link(page, query_params=preset.params)`. Parameters not given take their
defaults, so a preset names only what makes its scene. Each has a one-line caption saying
what to notice.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple


class Preset(NamedTuple):
    key: str
    title: str
    caption: str
    page: str  # the page file the parameters belong to
    params: dict[str, str]
    cue: str = ""  # one line: what to notice, for the projector (else the caption's first)

    def cue_line(self) -> str:
        """The one line to read off a projector: the scene's cue, or its caption's first
        sentence."""
        return self.cue or first_sentence(self.caption)


def first_sentence(text: str) -> str:
    """`text` up to the end of its first sentence (a ".", "!" or "?" before a space)."""
    end = re.search(r"(?<!\bal)(?<!\be\.g)(?<!\bi\.e)[.!?](?=\s)", text)
    return text if end is None else text[: end.end()]


# One-line cues of the page scripts' scenes (shown while presenting), by (page file, key).
SCENE_CUES: dict[tuple[str, str], str] = {
    (
        "pages/momentum.py",
        "lecture",
    ): "Momentum swings across the valley but arrives ten times sooner than GD.",
    (
        "pages/momentum.py",
        "zigzag",
    ): "GD bounces from wall to wall; momentum's velocity cancels the bounces.",
    (
        "pages/momentum.py",
        "ten_not_two",
    ): "On a slope momentum's step grows to 10 gradient steps, not 1.9.",
    ("pages/momentum.py", "optimum"): "At Goh's (ε*, α*) both directions shrink at the same rate.",
    (
        "pages/momentum.py",
        "too_much",
    ): "α = 0.99: the error spirals in at √α per step — slower than α = 0.9.",
    (
        "pages/minibatches.py",
        "minima_move",
    ): "Each minibatch keeps the saddle, but its minima move.",
    (
        "pages/minibatches.py",
        "downhill_turns",
    ): "For one minibatch the downhill line through the saddle turns over.",
    (
        "pages/minibatches.py",
        "noisy_moons",
    ): "SGD jitters around the full-batch path; seeds spread into a cloud.",
    (
        "pages/minibatches.py",
        "start_decides",
    ): "Some first steps go the wrong way, yet every seed ends on GD's side.",
    (
        "pages/minibatches.py",
        "decay_shrinks",
    ): "Constant ε: the noise ball stays; decaying ε: it contracts.",
    (
        "pages/minibatches.py",
        "same_noise",
    ): "Same noise: momentum's ball is the widest, gradient descent's the smallest.",
    (
        "pages/minibatches.py",
        "adam_exercise",
    ): "Adam moves w₁ and w₂ equally fast and the noisy w₃ ten times slower.",
    (
        "pages/minibatches.py",
        "online_wins_per_example",
    ): "Per example seen, online learning gets much further than the full batch.",
    (
        "pages/networks.py",
        "zero_init",
    ): "All-zero start: every hidden unit stays identical — one line.",
    (
        "pages/networks.py",
        "teacher",
    ): "The student copies its teacher; with weight seed 0 it gets stuck.",
    (
        "pages/networks.py",
        "xor_linear",
    ): "A linear network is one straight line: XOR stays unsolved.",
    (
        "pages/networks.py",
        "spirals_deep",
    ): "Deeper layers combine the first layer's cuts into spiral arms.",
    (
        "pages/networks.py",
        "saddles",
    ): "The number of negative Hessian eigenvalues falls as the loss falls.",
    (
        "pages/networks.py",
        "random_plane",
    ): "A random 2-D slice of the landscape, with three optimizers' paths.",
    (
        "pages/networks.py",
        "exploding",
    ): "a = 1, b = 2: the gradient explodes with depth; clipping caps the step.",
    (
        "pages/permutation.py",
        "recover",
    ): "The student finds its teacher — with its units in another order.",
    (
        "pages/permutation.py",
        "exchange",
    ): "Two units trade places through a saddle with one way down.",
    (
        "pages/permutation.py",
        "straight",
    ): "The straight line climbs far higher than the path through the saddle.",
    ("pages/permutation.py", "index"): "The higher the loss, the more directions still go down.",
    ("pages/permutation.py", "regions"): "Ten lines cut the plane into 1 + 10 + 45 = 56 regions.",
    (
        "pages/regularization.py",
        "l1_axis",
    ): "L1 lands on an axis, then on the origin; L2 only shrinks.",
    (
        "pages/regularization.py",
        "flat_shrinks_most",
    ): "L2 keeps 91 % along the steep direction and only 17 % along the flat one.",
    (
        "pages/regularization.py",
        "proximal_zeros",
    ): "Subgradient steps jump across 0 forever; proximal steps land on it.",
    (
        "pages/regularization.py",
        "early_stopping",
    ): "After t steps from 0, GD sits near the L2 minimiser for λ = 1/(εt).",
    (
        "pages/regularization.py",
        "cliff",
    ): "Clipping by norm keeps the step's direction; by value it turns it.",
    (
        "pages/regularization.py",
        "rosenbrock_l1",
    ): "From λ = 2, L1 lands exactly on 0; L2 only approaches it.",
    (
        "pages/saddles.py",
        "himmelblau",
    ): "At each saddle one way curves down; at the maximum both do.",
    (
        "pages/saddles.py",
        "monkey",
    ): "The Hessian is zero here, yet the surface goes down three ways.",
    (
        "pages/saddles.py",
        "two_basins",
    ): "The border between the two basins is the saddle's stable direction.",
    (
        "pages/saddles.py",
        "newton_basins",
    ): "Newton's method ends at saddles and at the maximum too.",
    ("pages/saddles.py", "escape"): "Each factor 10 closer costs the same number of extra steps.",
    ("pages/saddles.py", "random"): "N = 20: almost no random Hessian is positive definite.",
    ("pages/saddles.py", "brea"): "10!⁹ ≈ 10⁵⁹ equivalent minima, and 40.5 saddles for each.",
    ("pages/saddles.py", "quiz"): "Answer first; each answer shows the evidence.",
}


def scene(page: str, key: str, title: str, caption: str, *, cue: str = "", **params: str) -> Preset:
    """The preset `key` of the page file `page`: its parameters name it (``preset``), so that
    the page shows its caption whether it is opened by a button or by a link. `cue` is the one
    line shown while presenting (default: the scene's line in `SCENE_CUES`, else the caption's
    first sentence)."""
    cue = cue or SCENE_CUES.get((page, key), "")
    return Preset(key, title, caption, page, {"preset": key, **params}, cue)


_playground = functools.partial(scene, "pages/playground.py")


PLAYGROUND_PRESETS: tuple[Preset, ...] = (
    _playground(
        "beale",
        "Beale's function, six optimizers",
        "The classic animation: on the plateaus the adaptive methods (AdaGrad, RMSProp, Adam) "
        "head for the minimum while gradient descent creeps and momentum overshoots.",
        cue="Adaptive methods head for the minimum; gradient descent creeps, momentum overshoots.",
        surface="beale",
        x0="1",
        y0="1.5",
        steps="300",
        opt="gd,momentum,nesterov,adagrad,rmsprop,adam",
        **{
            "gd.learning_rate": "0.001",
            "momentum.learning_rate": "0.001",
            "nesterov.learning_rate": "0.001",
            "adagrad.learning_rate": "0.5",
            "rmsprop.learning_rate": "0.01",
            "adam.learning_rate": "0.05",
        },
    ),
    _playground(
        "long_valley",
        "The long valley",
        "Walls steep, floor almost flat: gradient descent bounces between the walls, momentum "
        "and RMSProp travel along the floor.",
        cue="Gradient descent bounces between the walls; momentum and RMSProp run along the floor.",
        surface="valley",
        x0="-5",
        y0="1.5",
        steps="400",
        opt="gd,momentum,rmsprop,adam",
        **{
            "gd.learning_rate": "0.18",
            "momentum.learning_rate": "0.02",
            "rmsprop.learning_rate": "0.05",
            "adam.learning_rate": "0.1",
        },
    ),
    _playground(
        "saddle_point",
        "The saddle point",
        "Started almost on the ridge: gradient descent crawls to the saddle and stalls there; "
        "momentum gathers speed and escapes; the adaptive methods rescale the tiny gradient "
        "along y and leave early.",
        cue="Gradient descent stalls at the saddle; momentum escapes late, adaptive methods early.",
        surface="saddle",
        x0="-1.8",
        y0="0.001",
        steps="150",
        opt="gd,momentum,nesterov,adagrad,rmsprop,adam",
        **{
            "gd.learning_rate": "0.01",
            "momentum.learning_rate": "0.01",
            "nesterov.learning_rate": "0.01",
            "adagrad.learning_rate": "0.1",
            "rmsprop.learning_rate": "0.01",
            "adam.learning_rate": "0.02",
        },
    ),
    _playground(
        "ravine_momentum",
        "Momentum suppresses oscillations in a ravine",
        "ε = 1.8, just below gradient descent's limit of 2 across the valley: it bounces from "
        "wall to wall. Momentum with α = 0.5 at the same ε: successive bounces point opposite "
        "ways and cancel in the velocity, so the zig-zag dies out after a few swings while "
        "the steps along the floor add up — it reaches the minimum in half the steps.",
        cue="Gradient descent zig-zags across the valley; momentum damps it and arrives sooner.",
        surface="ravine",
        **{"ravine.kappa": "50", "ravine.angle": "30"},
        x0="-4.5",
        y0="2.5",
        steps="150",
        opt="gd,momentum",
        internals="1",
        **{
            "gd.learning_rate": "1.8",
            "momentum.learning_rate": "1.8",
            "momentum.momentum": "0.5",
        },
    ),
    _playground(
        "nesterov_vs_momentum",
        "Nesterov vs momentum",
        "Nesterov takes its gradient at the look-ahead point w + αv: it brakes before the "
        "turn, so it overshoots less than plain momentum — with one gradient per step too.",
        cue="Nesterov brakes before the turn: it overshoots less than momentum.",
        surface="rosenbrock",
        x0="-1.5",
        y0="2.5",
        steps="400",
        opt="momentum,nesterov",
        **{
            "momentum.learning_rate": "0.0005",
            "nesterov.learning_rate": "0.0005",
            "momentum.momentum": "0.95",
            "nesterov.momentum": "0.95",
        },
    ),
    _playground(
        "adam_vs_gd_rosenbrock",
        "Adam vs gradient descent on Rosenbrock",
        "Gradient descent finds the valley at once and then crawls along its curved floor; "
        "Adam's per-coordinate step sizes keep it moving toward (1, 1).",
        cue="Gradient descent crawls along the curved floor; Adam keeps going to (1, 1).",
        surface="rosenbrock",
        x0="-1.5",
        y0="2.5",
        steps="1000",
        opt="gd,adam",
        **{"gd.learning_rate": "0.001", "adam.learning_rate": "0.05"},
    ),
    _playground(
        "saddle_slowdown",
        "Gradient descent slows down near a saddle",
        "Watch the loss curve: a long plateau while the path sits by the saddle, then a "
        "sudden drop once it has escaped along the negative-curvature direction.",
        cue="The loss curve: a long plateau by the saddle, then a sudden drop.",
        surface="two_minima",
        x0="0.00001",
        y0="1.8",
        steps="300",
        opt="gd",
        **{"gd.learning_rate": "0.1"},
    ),
    _playground(
        "start_decides",
        "The start decides the minimum",
        "Gradient descent from (0.05, 1.8) falls into the right valley. Click the map just "
        "left of the y-axis: the same optimizer now ends in the other minimum.",
        cue="Click just left of the y-axis: the same optimizer ends in the other minimum.",
        surface="two_minima",
        x0="0.05",
        y0="1.8",
        steps="200",
        opt="gd,momentum",
        **{"gd.learning_rate": "0.1", "momentum.learning_rate": "0.05"},
    ),
)
