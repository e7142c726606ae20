"""No Free Lunch, counted exactly on a tiny input space.

Inputs are the K points x = 0, 1, …, K − 1 of a line; a problem is a labelling
f: {0 … K−1} → {0, 1}, 2ᴷ problems in all. A learner sees the labels of the training points
and predicts the others. Its off-training-set accuracy on f is the fraction of the other
points it labels as f does. Averaged over all 2ᴷ problems it is exactly ½ for every learner
(Wolpert 1996): the training labels say nothing about the others, and for every f that agrees
with a prediction at an unseen point there is one, equal on the training set, that disagrees.
So a learner that does well on some problems pays on others; it beats another only on a family
of problems that matches its prior. Here the structured family is the threshold problems
f(x) = [x ≥ θ] or [x < θ] (one change at most): smooth labels that nearest neighbour and a
fitted threshold get mostly right and the "opposite" learner mostly wrong.

Learners (every one deterministic, ties broken the same way each time):
  zero        always 0;
  majority    the more frequent training label (0 on a tie);
  nearest     the label of the nearest training point (the left one on a tie);
  opposite    the opposite of nearest's prediction: an anti-learner;
  threshold   a one-unit threshold net: the step [x ≥ θ] or [x < θ] with the fewest errors on
              the training points (the first in the order θ = 0 … K, rising steps first).
Accuracies are `fractions.Fraction`s: the ½ is exact, not rounded.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

LEARNERS = ("zero", "majority", "nearest", "opposite", "threshold")
LEARNER_TITLES = {
    "zero": "always 0",
    "majority": "majority label",
    "nearest": "nearest neighbour",
    "opposite": "opposite of nearest",
    "threshold": "threshold unit",
}
FAMILIES = ("all", "threshold")
MAX_POINTS = 12


def _check(k: int, train) -> tuple[int, np.ndarray]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 2 <= k <= MAX_POINTS:
        raise ValueError(f"k must be a whole number from 2 to {MAX_POINTS}, got {k!r}")
    train = np.unique(np.asarray(train, dtype=int))
    if len(train) == 0 or len(train) >= k or train.min() < 0 or train.max() >= k:
        raise ValueError(f"the training points must be some, not all, of 0 … {k - 1}")
    return int(k), train


def all_problems(k: int) -> np.ndarray:
    """Every labelling of the k points: (2ᵏ, k) of 0/1, row j the binary digits of j."""
    return ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(np.int8)


def threshold_problems(k: int) -> np.ndarray:
    """The distinct labellings [x ≥ θ] and [x < θ], θ = 0 … k: 2k problems."""
    xs = np.arange(k)
    steps = [(xs >= t).astype(np.int8) for t in range(k + 1)]
    steps += [(xs < t).astype(np.int8) for t in range(k + 1)]
    return np.unique(np.array(steps), axis=0)


def problems(k: int, family: str) -> np.ndarray:
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; valid: {', '.join(FAMILIES)}")
    return all_problems(k) if family == "all" else threshold_problems(k)


def predict(learner: str, k: int, train, labels) -> np.ndarray:
    """The learner's labels for all k points after seeing `labels` (0/1) at the points
    `train` (sorted, distinct)."""
    k, train = _check(k, train)
    labels = np.asarray(labels, dtype=int)
    xs = np.arange(k)
    if learner == "zero":
        return np.zeros(k, dtype=np.int8)
    if learner == "majority":
        return np.full(k, int(2 * labels.sum() > len(labels)), dtype=np.int8)
    if learner in ("nearest", "opposite"):
        nearest = labels[np.argmin(np.abs(xs[:, None] - train[None, :]), axis=1)]
        return (nearest if learner == "nearest" else 1 - nearest).astype(np.int8)
    if learner == "threshold":
        best, best_errors = None, None
        for rising in (True, False):
            for t in range(k + 1):
                guess = (xs >= t) if rising else (xs < t)
                errors = int(np.sum(guess[train] != labels))
                if best_errors is None or errors < best_errors:
                    best, best_errors = guess, errors
        return best.astype(np.int8)
    raise ValueError(f"unknown learner {learner!r}; valid: {', '.join(LEARNERS)}")


def off_training_accuracy(learner: str, k: int, train, family: str = "all") -> Fraction:
    """The learner's accuracy on the points outside `train`, averaged over every problem of
    `family`, as an exact fraction."""
    k, train = _check(k, train)
    test = np.setdiff1d(np.arange(k), train)
    chosen = problems(k, family)
    # A learner sees only f's training labels: predict once per labelling of the training
    # points (2^m of them), then compare every problem with the prediction for its labels.
    seen = all_problems(len(train))
    guesses = np.array([predict(learner, k, train, labels) for labels in seen])
    code = chosen[:, train].astype(np.int64) @ (np.int64(1) << np.arange(len(train)))
    right = int(np.sum(guesses[code][:, test] == chosen[:, test]))
    return Fraction(right, len(chosen) * len(test))


def accuracy_table(k: int, train) -> dict[str, dict[str, Fraction]]:
    """{learner: {family: off-training-set accuracy}} for every learner and family."""
    return {
        learner: {family: off_training_accuracy(learner, k, train, family) for family in FAMILIES}
        for learner in LEARNERS
    }
