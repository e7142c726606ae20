"""Bounded heavy work: what one rerun may ask for, and how many heavy jobs run at once.

A deep link sets every setting of a page, so a link can ask for the most expensive
combination (the network page's spectrum: 1,024 points, Lanczos m = 200 with 32 random
vectors at 18 steps of training, about 115,000 Hessian-vector products, minutes of CPU) and
every new seed repeats it uncached. Pages ask this module instead of computing blindly:

- ``fit_spectrum`` picks the exact spectrum where it is cheaper than Lanczos (it is exact, too),
  shrinks the Lanczos work (random vectors first, then steps m) and then computes the index
  over training at fewer steps, to ``SPECTRUM_BUDGET``; it says what it changed, for the page
  to show;
- ``fit_training`` shortens training that would cost more than ``TRAINING_BUDGET`` (steps ×
  examples × weights × runs: each step of each run passes every example forward and back
  through every weight) to the most steps that fit, and says so;
- ``fit_grid`` coarsens a loss slice (grid² evaluations of the loss over the data) the same
  way;
- ``heavy_job`` runs a block with a visible status (a spinner with text: anything that may
  take more than a second shows that it works), at most one heavy job per session at a time
  and at most ``HEAVY_SLOTS`` in the whole process, so that a few tabs cannot take every core
  of a replica from the rest of the class.

Costs are in Hessian-vector products × data points × weights (one product costs about a
forward and a backward pass over the data).
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

import streamlit as st

# One exact spectrum of the largest network the page offers (881 weights) on 1,024 points
# costs 881 products × 1,024 × 881 ≈ 7.9·10⁸, about 2 s on an idle two-core machine (18 s at a
# load average of 19). The budget allows six of them (the inspected step and the index at five
# steps of training); the page's default network (337 weights on 256 points) gets all 17 steps
# of its index at 5·10⁸.
SPECTRUM_BUDGET = 5e9
MIN_INDEX_POINTS = 3  # the index over training at fewer steps than this says too little
HEAVY_SLOTS = max(1, (os.cpu_count() or 2) // 2)  # heavy jobs at once in one server process
_SLOTS = threading.BoundedSemaphore(HEAVY_SLOTS)
_SESSION_LOCK = "_budget.session_lock"


# Training: a step of one run costs about (examples × weights) multiply-adds forward and as
# many again backward. The network page's default (1,000 Adam steps on 256 points, 337
# weights: 8.6·10⁷) trains in 30 ms on an idle two-core machine; its largest (3,000 steps on
# 1,024 points, 881 weights: 2.7·10⁹) took 12 s with the rest of its view on the loaded one
# (docs/deploy.md). 10⁹ keeps every lecture scene whole and a view's training under a second
# on an idle machine.
TRAINING_BUDGET = 1e9


class TrainingPlan(NamedTuple):
    steps: int
    cost: float
    note: str  # what was changed and why, "" when nothing


def training_cost(steps: int, examples: int, weights: int, runs: int = 1) -> float:
    """steps × examples × weights × runs: the work of ``runs`` trainings of ``steps`` steps,
    each step a forward and backward pass of ``examples`` examples through ``weights``
    weights (a minibatch step uses fewer examples: pass its size)."""
    return float(steps) * examples * weights * runs


def fit_training(
    steps: int, examples: int, weights: int, runs: int = 1, *, multiple: int = 10
) -> TrainingPlan:
    """The asked training, or the most steps (a multiple of ``multiple``, at least one such
    multiple) that keep ``training_cost`` within ``TRAINING_BUDGET``."""
    asked = training_cost(steps, examples, weights, runs)
    if asked <= TRAINING_BUDGET:
        return TrainingPlan(steps, asked, "")
    per_step = training_cost(1, examples, weights, runs)
    fitted = max(multiple, int(TRAINING_BUDGET // per_step) // multiple * multiple)
    fitted = min(fitted, steps)
    runs_text = f"{runs} runs of " if runs > 1 else ""
    note = (
        f"{runs_text}{steps:,} steps on {examples:,} examples with {weights:,} weights is more "
        f"work than one view may ask for here: training for {fitted:,} steps."
    )
    return TrainingPlan(fitted, training_cost(fitted, examples, weights, runs), note)


class GridPlan(NamedTuple):
    grid: int  # points per side
    cost: float
    note: str  # what was changed and why, "" when nothing


def fit_grid(
    grid: int, examples: int, weights: int, *, least: int = 11, step: int = 10
) -> GridPlan:
    """The asked loss slice, or the finest grid (``least`` + a multiple of ``step`` points per
    side, at least ``least``) whose grid² evaluations of the loss on ``examples`` examples
    through ``weights`` weights fit ``TRAINING_BUDGET`` (a forward pass costs at most what a
    training step does)."""
    asked = float(grid) ** 2 * examples * weights
    if asked <= TRAINING_BUDGET:
        return GridPlan(grid, asked, "")
    most = math.isqrt(int(TRAINING_BUDGET // (examples * weights)))
    fitted = min(grid, max(least, least + (most - least) // step * step))
    note = (
        f"A slice of {grid} × {grid} points on {examples:,} examples with {weights:,} weights "
        f"is more work than one view may ask for here: using {fitted} × {fitted}."
    )
    return GridPlan(fitted, float(fitted) ** 2 * examples * weights, note)


class SpectrumPlan(NamedTuple):
    method: str  # "exact" or "lanczos"
    m: int  # Lanczos steps (0 for exact)
    probes: int  # random start vectors (0 for exact)
    index_points: int  # steps of training at which the index is computed
    cost: float
    note: str  # what was changed and why, "" when nothing


def spectrum_cost(
    method: str, weights: int, examples: int, m: int, probes: int, index_points: int
) -> float:
    """Products × examples × weights for the spectrum at one step and the index at
    ``index_points`` steps."""
    spectra = 1 + index_points
    products = spectra * weights if method == "exact" else m + spectra * probes * m
    return float(products) * examples * weights


def fit_spectrum(
    method: str, weights: int, examples: int, m: int, probes: int, index_points: int
) -> SpectrumPlan:
    """The plan for the asked one, within ``SPECTRUM_BUDGET``: exact where it is cheaper than
    Lanczos; Lanczos with fewer random vectors, then fewer steps, where it is over; then the
    index at fewer steps of training (at least ``MIN_INDEX_POINTS``)."""
    notes = []
    if method == "lanczos":
        exact = spectrum_cost("exact", weights, examples, 0, 0, index_points)
        if spectrum_cost("lanczos", weights, examples, m, probes, index_points) >= exact:
            notes.append(
                f"Lanczos with m = {m} and {probes} random vectors would cost more than the "
                f"exact spectrum of these {weights:,} weights: showing the exact one."
            )
            method, m, probes = "exact", 0, 0
    if method == "lanczos":
        fitted_m, fitted_probes = m, probes
        while spectrum_cost("lanczos", weights, examples, fitted_m, fitted_probes, index_points) > (
            SPECTRUM_BUDGET
        ):
            if fitted_probes > 1:
                fitted_probes //= 2
            elif fitted_m > 20:
                fitted_m = max(20, fitted_m // 2)
            else:
                break
        if (fitted_m, fitted_probes) != (m, probes):
            notes.append(
                f"Lanczos with m = {m} and {probes} random vectors is more work than one view "
                f"may ask for here: using m = {fitted_m} and {fitted_probes}."
            )
        m, probes = fitted_m, fitted_probes
    fitted_points = index_points
    while (
        spectrum_cost(method, weights, examples, m, probes, fitted_points) > SPECTRUM_BUDGET
        and fitted_points > MIN_INDEX_POINTS
    ):
        fitted_points -= 1
    if fitted_points != index_points:
        notes.append(
            f"The index over training at {index_points} steps of a network of {weights:,} "
            f"weights on {examples:,} points is more work than one view may ask for here: "
            f"computing it at {fitted_points} steps."
        )
    cost = spectrum_cost(method, weights, examples, m, probes, fitted_points)
    return SpectrumPlan(method, m, probes, fitted_points, cost, " ".join(notes))


# Work of at least this cost takes one of the process's slots: a few times the network page's
# default training (1,000 steps on 256 points of a 300-weight net, ~8·10⁷, 30–60 ms).
# Cheaper work only shows its spinner: a class's ordinary slider moves must never queue
# behind one student's heavy link.
HEAVY_COST = 3e8


@contextmanager
def heavy_job(text: str, cost: float = 0.0) -> Iterator[None]:
    """Run the block as a job that may take a while: a spinner with ``text`` and the elapsed
    time once it has run half a second (Streamlit's own delay), one at a time per session;
    work of ``cost`` ≥ ``HEAVY_COST`` also waits for one of the ``HEAVY_SLOTS`` of the process."""
    lock = st.session_state.setdefault(_SESSION_LOCK, threading.Lock())
    with st.spinner(text, show_time=True), lock:
        if cost < HEAVY_COST:
            yield
            return
        if not _SLOTS.acquire(blocking=False):
            with st.spinner("Other heavy computations run first: waiting for a free slot…"):
                _SLOTS.acquire()
        try:
            yield
        finally:
            _SLOTS.release()
