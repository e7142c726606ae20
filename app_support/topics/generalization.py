"""The Generalization page's cached core calls and its lecture scenes.

Specs are plain tuples (hashable, the cache's keys):

    data_spec   (data set, training points, noise σ, data seed, flipped label fraction, k)
    model_spec  (depth, width, activation, initialisation, loss, weight seed)
    settings    sorted (keyword, value) pairs for `optim.run`
    reg         (method, p_in, p_h, convention): `landscapes.generalization.Regularizer`
    aug         (transforms, copies, jitter) or None
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import streamlit as st

from app_support import alt_text, budget
from app_support.presets import Preset, scene
from landscapes import generalization, networks
from viz.generalization import Curve

N_VAL = 128  # validation points
N_TEST = 512  # test points
GRID = 40  # decision-map cells per side
THINNED = 4  # thinned networks drawn next to the whole one
PLAIN = ("plain", 1.0, 1.0, "inverted")
BATCHNORM = ("batchnorm", 1.0, 1.0, "inverted")
WALK_STEPS = 60  # steps of the weight-space dropout walk
KEEP = 101  # steps at which a run's weights are kept and its validation and test losses evaluated
STEPS = 500  # default training steps
# Adam's ε = 0.001 is too slow for 500 steps: the plain network does not yet overfit and the
# dropout network hardly learns (training loss near ln 2); at 0.01 the plain network learns the
# flipped labels by heart and dropout keeps the fit to the clean ones.
HYPER_DEFAULTS = {"adam.learning_rate": 0.01}


def _data(data_spec) -> networks.Data:
    name, n_train, noise, seed, flipped, k = data_spec
    data = networks.make_data(name, n_train, N_TEST, noise, seed, k, N_VAL)
    return generalization.flip_labels(data, flipped, seed)


data = st.cache_data(max_entries=16, show_spinner=False)(_data)


def _arch(model_spec) -> networks.Architecture:
    depth, width, activation, *_ = model_spec
    return networks.Architecture((width,) * depth, activation)


def _augmented(data_spec, aug):
    base = data(data_spec)
    transforms, copies, jitter = aug
    return generalization.augment(
        base.x_train, base.y_train, base.t_train, transforms, copies, jitter, data_spec[3]
    )


def fit(data_spec, model_spec, optimizer, settings, steps, reg=PLAIN, aug=None):
    """(TrainingRun, BatchNormState or None) for plain-valued specs. Every argument reaches
    the cache by position, so a call with defaults and one spelling them out share a result."""
    return _fit(data_spec, model_spec, optimizer, settings, steps, reg, aug)


def augmentation_plan(steps: int, n_train: int, model_spec) -> budget.TrainingPlan:
    """The augmentation tab's two trainings — on the n original points and on the augmented
    set, padded to n·(1 + MAX_COPIES) points whatever the copies — at one step count that
    keeps their work within `budget.TRAINING_BUDGET`, so that the two still compare."""
    examples = n_train * (2 + generalization.MAX_COPIES)
    return budget.fit_training(steps, examples, _arch(model_spec).num_weights, multiple=100)


@st.cache_data(max_entries=64, show_spinner=False)
def _fit(data_spec, model_spec, optimizer, settings, steps, reg, aug):
    base = data(data_spec)
    arch = _arch(model_spec)
    _, _, _, init, kind, seed = model_spec
    w0 = networks.init_weights(arch, init, seed)
    settings = dict(settings)
    weights = None
    if aug is not None:
        augmented = _augmented(data_spec, aug)
        base = generalization.with_training_set(base, augmented.x, augmented.y, augmented.t)
        weights = augmented.weights
        settings.pop("batch_size", None)  # the padded set trains on the full batch
    return generalization.fit(
        base,
        arch,
        kind,
        w0,
        optimizer,
        steps,
        generalization.Regularizer(*reg),
        keep=KEEP,
        train_weights=weights,
        **settings,
    )


TABS = {
    "dropout": "🎭 Dropout",
    "augment": "🔄 Augmentation",
    "normalize": "📏 Normalization",
    "batchnorm": "🧮 Batch norm",
    "early": "⏱️ Early stopping",
    "decay": "⚖️ Weight decay",
    "quiz": "❓ Quiz",
}
CONVENTION_TITLES = {
    "inverted": "inverted: ×1/p while training",
    "weight_scaling": "weight scaling: ×p at test time",
}
NORMALIZATION_TITLES = {"raw": "raw inputs", "standardized": "standardized", "whitened": "whitened"}


def split_curves(run, label="", faint=False) -> list:
    """Training loss at every step, validation and test loss at the kept steps."""
    return [
        Curve(
            f"training{label}", "training", np.arange(len(run.train_loss)), run.train_loss, faint
        ),
        Curve(f"validation{label}", "validation", run.steps, run.val_loss, faint),
        Curve(f"test{label}", "test", run.steps, run.test_loss, faint),
    ]


class Maps(NamedTuple):
    xs: np.ndarray
    ys: np.ndarray
    values: list  # one (GRID, GRID) map per asked run
    thinned: np.ndarray | None  # (THINNED, GRID, GRID) for the first dropout run


def _grid():
    (x0, x1), (y0, y1) = networks.INPUT_BOX
    return np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)


def _shown(kind, values):
    return networks.probability(values) if kind == "cross_entropy" else values


@st.cache_data(max_entries=64, show_spinner=False)
def maps(data_spec, model_spec, optimizer, steps, runs, seed=0) -> Maps:
    """Decision maps of runs ((settings, reg, aug, index into the kept steps), ...): the whole
    network at test time; for the first dropout run also THINNED thinned networks drawn from
    `seed`."""
    arch, kind = _arch(model_spec), model_spec[4]
    xs, ys = _grid()
    values, thinned = [], None
    for settings, reg, aug, index in runs:
        run, _ = fit(data_spec, model_spec, optimizer, settings, steps, reg, aug)
        w = run.params[index]
        # one program for every map: without dropout every unit is kept (p = 1)
        dropout = reg[0] == "dropout"
        some, whole = generalization.thinned_on_grid(
            arch, w, xs, ys, *(reg[1:] if dropout else (1.0, 1.0, "inverted")), seed, THINNED
        )
        if dropout and thinned is None:
            thinned = _shown(kind, some)
        values.append(_shown(kind, whole))
    return Maps(xs, ys, values, thinned)


@st.cache_data(max_entries=32, show_spinner=False)
def batchnorm_test_modes(data_spec, model_spec, optimizer, settings, steps):
    """The test loss of the final batch-norm network in eval mode (running averages) and in
    training mode (the test set normalized by its own statistics)."""
    run, state = fit(data_spec, model_spec, optimizer, settings, steps, BATCHNORM)
    arch, kind = _arch(model_spec), model_spec[4]
    test = networks.network_loss(data(data_spec), arch, kind, "test").widened()
    loss = generalization.BatchNormLoss(test.inputs, test.targets, test.arch, kind, test.unit_mask)
    train_mode = generalization.training_mode_loss(loss, arch.widen(run.params[-1]))
    return float(run.test_loss[-1]), train_mode


@st.cache_data(max_entries=16, show_spinner=False)
def agreement(name, transforms) -> dict:
    """Fraction of labels each transform keeps on data set `name` (brute force)."""
    return {t: generalization.label_agreement(name, t) for t in transforms}


class Race(NamedTuple):
    alphas: np.ndarray
    betas: np.ndarray
    Z: np.ndarray
    result: generalization.GDRace
    minimum: np.ndarray


@st.cache_data(max_entries=32, show_spinner=False)
def normalization_race(scale, correlation, how, seed=0) -> Race:
    """The loss contours of the linear model on raw, standardized or whitened inputs around its
    minimum, and gradient descent at the best ε from the same offset (−1.5, 1.5)."""
    features = generalization.normalize(
        generalization.scaled_features(200, scale, correlation, seed), how
    )
    w_star = generalization.linear_minimum(features)
    w0 = w_star + np.array([-1.5, 1.5])
    result = generalization.gd_race(features, w0)
    axis = np.linspace(-2.5, 2.5, 61)
    loss = generalization.LinearLoss(features.x, features.y)
    a, b = np.meshgrid(w_star[0] + axis, w_star[1] + axis)
    points = np.stack([a.ravel(), b.ravel()], 1)
    Z = 0.5 * np.mean((points @ np.asarray(loss.x).T - np.asarray(loss.y)) ** 2, axis=1)
    return Race(w_star[0] + axis, w_star[1] + axis, Z.reshape(a.shape), result, w_star)


@st.cache_data(max_entries=32, show_spinner=False)
def dropout_walk(keep, seed, learning_rate=0.3):
    """The weight-space picture: contours of a standardized two-input linear model, the path
    of SGD under input dropout (each step along the kept weights only) and plain GD (the same
    walk keeping every input, p = 1)."""
    features = generalization.normalize(
        generalization.scaled_features(200, 1.0, 0.6, 3), "standardized"
    )
    w0 = np.array([-1.5, 2.0])
    path, masks = generalization.dropout_walk(
        features.x, features.y, w0, learning_rate, keep, seed, WALK_STEPS
    )
    gd_path, _ = generalization.dropout_walk(
        features.x, features.y, w0, learning_rate, 1.0, seed, WALK_STEPS
    )
    axis = np.linspace(-2.5, 2.5, 61)
    a, b = np.meshgrid(axis, axis)
    points = np.stack([a.ravel(), b.ravel()], 1)
    Z = 0.5 * np.mean((points @ features.x.T - features.y) ** 2, axis=1)
    return axis, Z.reshape(a.shape), path, masks, gd_path


def race_text(how: str, race) -> str:
    """κ, the best ε and the steps of gradient descent on one normalization."""
    measured = "> 4000" if race.measured_steps is None else str(race.measured_steps)
    return (
        f"**{NORMALIZATION_TITLES[how]}**: κ = {race.kappa:.3g}, best ε = 2/(D_max + D_min) = "
        f"{race.learning_rate:.3g}; steps to shrink the error 1000×: {measured} "
        f"(closed form {race.predicted_steps})"
    )


def walk_text(masks) -> str:
    """What the weight-space walk shows, with how many of its steps moved which weights."""
    counts = {
        k: int(np.sum(np.all(masks == m, axis=1)))
        for k, m in (("both", (1, 1)), ("w₁ only", (1, 0)), ("w₂ only", (0, 1)), ("none", (0, 0)))
    }
    return (
        "**A dropout step lies in the subspace of the kept weights.** A linear model "
        "f = w₁x₁ + w₂x₂ with each input kept with probability p: a dropped input's weight "
        f"gets no gradient. Of {WALK_STEPS} steps: "
        + ", ".join(f"{v} moved {k}" for k, v in counts.items())
        + ". Steps along one axis are the projections onto half the basis vectors."
    )


def dropout_evidence(plain, dropped) -> str:
    """The quiz's answer on dropout and the training loss, saying only what these runs show."""
    higher = dropped.train_loss[-1] > plain.train_loss[-1]
    lower = dropped.test_loss[-1] < plain.test_loss[-1]
    return (
        f"Training loss: plain {plain.train_loss[-1]:.3g}, with dropout "
        f"{dropped.train_loss[-1]:.3g}; test loss: {plain.test_loss[-1]:.3g} vs "
        f"{dropped.test_loss[-1]:.3g}. Every step trains a thinned network, which cannot learn "
        "each training point by heart: "
        + ("the training loss stays higher" if higher else "here the training loss is not higher")
        + (", and the test loss ends lower." if lower else "; the test loss does not end lower.")
    )


def augment_evidence() -> str:
    kept = agreement("xor", ("flip_x1", "swap"))
    return (
        f"On XOR, reflecting x₁ keeps {kept['flip_x1']:.0%} of the labels; swapping "
        f"x₁ ↔ x₂ keeps {kept['swap']:.0%}: only the swap is a symmetry."
    )


def stop_evidence(plain) -> str:
    _, best = networks.early_stopping(plain.val_loss, len(plain.val_loss))
    return (
        f"The validation loss is lowest at step {plain.steps[best]} (test loss "
        f"{plain.test_loss[best]:.3g} there, {plain.test_loss[-1]:.3g} at the end). "
        "The training loss keeps falling; the test set must not choose."
    )


def decay_text(m: int, lam: float) -> str:
    return (
        f"η is the learning rate ε, m = {m} the number of training examples: the run "
        f"uses λ₂ = λ/m = {lam / m:.3g} on the weights only (biases are not "
        "decayed). The form holds for gradient descent; an adaptive optimizer rescales the "
        "penalty's gradient like any other."
    )


EXPLAIN = {  # each tab's explanation (hidden in presentation mode)
    "dropout": (
        "Dropout trains a different thinned network at every step: each input is kept with "
        "probability p_in and each hidden unit with p_h, r ~ Bernoulli(p). Units cannot rely "
        "on particular other units (no co-adaptation). At test time the whole network is used; "
        "so that each unit's expected output is the same as in training, either the kept "
        "units are scaled by 1/p while training (inverted) or the units are scaled by p at "
        "test time (weight scaling). Both give E[output] the same (a test checks it over all "
        "masks). Masks are random draws inside the compiled step: p and the seed are numbers, "
        "nothing recompiles."
    ),
    "augment": (
        "A transformation that keeps every label (a symmetry of the task) gives new training "
        "points for free: rotations of circles, x₁ ↔ x₂ for XOR. One that changes labels "
        "(reflecting XOR) teaches the network contradictions, and the test loss rises."
    ),
    "normalize": (
        "For a linear model the Hessian of ½·mean(w·x − y)² is C = XᵀX/m, the inputs' "
        "(uncentred) covariance. Inputs on different scales make its eigenvalues differ "
        "by the square of the scale ratio: a ravine, κ large, and gradient descent at its "
        "best ε shrinks the error only by (κ − 1)/(κ + 1) per step. Standardizing each input "
        "(x − mean)/std leaves only the correlation, κ = (1 + |c|)/(1 − |c|) for correlation "
        "c; whitening removes that too, κ = 1, one step."
    ),
    "batchnorm": (
        "Batch normalization normalizes each hidden unit's input z over the minibatch, "
        "ẑ = (z − μ_B)/√(σ²_B + ϵ), then adds the unit's bias (the scale γ is fixed at 1 "
        "here). The next layer then sees inputs of mean 0 and variance 1 whatever the "
        "weights before it do, which tolerates larger learning rates. At test time there "
        "is no batch: the running averages μ̄ ← 0.9 μ̄ + 0.1 μ_B, σ̄² ← 0.9 σ̄² + 0.1 σ²_B "
        "of training are used (eval mode), so one example's output does not depend on the others."
    ),
    "early": (
        "The validation set is held out of training and used to choose when to stop "
        "(Goodfellow et al. 2016, Algorithm 7.1); the test set is only looked at to report. "
        "Choosing the stop on the test set would make its loss an optimistic estimate."
    ),
}


_scene = functools.partial(scene, "pages/generalization.py")

SCENES: tuple[Preset, ...] = (
    _scene(
        "dropout",
        "Dropout against overfitting",
        "32 points, 10 % of their labels flipped: the plain net learns the flipped points by "
        "heart (training loss → 0, test loss climbs); with dropout the training loss stays "
        "higher and the test loss ends lower.",
        tab="dropout",
        steps="2000",
    ),
    _scene(
        "thinned",
        "One network, many thinned networks",
        "Every step trains another thinned network; the four drawn here disagree, and the "
        "whole network at test time stands for their average.",
        tab="dropout",
        p_h="0.5",
        drop_seed="3",
    ),
    _scene(
        "circles_rotations",
        "Rotations of circles: free data",
        "Every rotation keeps a circle's label: eight rotated copies of 32 points fill the "
        "rings, and the boundary becomes round.",
        tab="augment",
        data="circles",
        aug="rotate",
        copies="8",
        steps="1000",
        **{"adam.learning_rate": "0.001"},  # the settings its caption was checked at
    ),
    _scene(
        "xor_reflection",
        "A reflection breaks XOR",
        "Reflecting x₁ changes every XOR label: the copies contradict the data and the test "
        "loss rises; swapping x₁ ↔ x₂ is a symmetry and helps.",
        tab="augment",
        data="xor",
        aug="flip_x1",
        copies="4",
    ),
    _scene(
        "ravine",
        "A ravine becomes a bowl",
        "Inputs on scales 1 and 20, correlation 0.9: gradient descent needs thousands of steps; "
        "standardized, dozens; whitened, one.",
        tab="normalize",
        scale="20",
        corr="0.9",
    ),
    _scene(
        "batchnorm",
        "Batch norm tolerates a large ε",
        "Gradient descent with a large ε = 5: both training losses jump about, the plain "
        "network's about twice as much; it ends higher than the batch-normalized network's, "
        "whose test loss is lower too.",
        tab="batchnorm",
        opt="gd",
        steps="1500",
        **{"gd.learning_rate": "5"},
    ),
    _scene(
        "early",
        "Stop where the validation loss is lowest",
        "A long run on noisy labels: the validation loss turns up; with patience 10 training "
        "stops soon after and restores the best weights.",
        tab="early",
        steps="3000",
        patience="10",
    ),
)


def curves_alt(runs) -> str:
    """Loss curves' text alternative: each run's (label, run) training and test loss at the
    end, as the page's metrics show them, and where the last run's validation loss is lowest."""
    label, last = runs[-1]
    return alt_text.chart(
        "Training, validation and test loss against the step"
        + (f", {' and '.join(name for name, _ in runs)}" if len(runs) > 1 else ""),
        alt_text.values("Training loss at the end", [(n, r.train_loss[-1]) for n, r in runs]),
        alt_text.values("Test loss at the end", [(n, r.test_loss[-1]) for n, r in runs]),
        alt_text.best(
            f"validation loss{f' ({label})' if len(runs) > 1 else ''}", last.steps, last.val_loss
        ),
    )


def early_alt(run, stop: int, best: int) -> str:
    """Early stopping's text alternative: where training stops, which step's weights it keeps
    (indices of run.steps) and the test loss there and at the end (the page's metrics)."""
    return alt_text.chart(
        "Training, validation and test loss against the step, with early stopping",
        f"Training stops at step {run.steps[stop]} and restores the weights of step "
        f"{run.steps[best]}: test loss {alt_text.number(run.test_loss[best])} there, "
        f"{alt_text.number(run.test_loss[-1])} at the end.",
    )


def race_alt(how: str, race) -> str:
    """A normalization race's text alternative: its κ, best ε and steps (`race_text`)."""
    return alt_text.chart(
        f"Contour map of the loss with gradient descent's path, {NORMALIZATION_TITLES[how]}",
        race_text(how, race).replace("**", "") + ".",
    )


def thinned_alt(thinned, whole) -> str:
    """The thinned networks' maps: on what share of the plane each one decides as the whole
    network does (the maps' boundary is their value 0.5, as drawn)."""
    decided = np.asarray(whole) > 0.5
    agree = [
        (f"thinned {i + 1}", float(np.mean((np.asarray(v) > 0.5) == decided)))
        for i, v in enumerate(thinned)
    ]
    return alt_text.chart(
        f"Decision maps of {alt_text.count(len(agree), 'thinned network')} and the whole network",
        "Share of the plane decided as the whole network does: "
        + ", ".join(f"{name} {alt_text.percent(share)}" for name, share in agree)
        + ".",
    )


def bn_stats_alt(stats) -> str:
    """Batch norm's statistics chart: how far the running averages that test time uses lie
    from the last training batch's mean and variance, unit by unit (the largest gaps)."""
    mean_gap = float(np.max(np.abs(np.asarray(stats.batch_mean) - stats.running_mean)))
    var_gap = float(np.max(np.abs(np.asarray(stats.batch_var) - stats.running_var)))
    return alt_text.chart(
        "First-layer units' batch mean and variance against their running averages",
        f"Largest gap: mean {alt_text.number(mean_gap)}, variance {alt_text.number(var_gap)}.",
    )
