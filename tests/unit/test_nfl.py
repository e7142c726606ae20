"""No Free Lunch, exactly: every learner's off-training-set accuracy over all problems is ½."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from landscapes import nfl

TRAININGS = [(4, (0, 1)), (5, (0, 2, 4)), (6, (1, 4)), (7, (0, 3, 5, 6)), (8, (2,))]


@pytest.mark.parametrize("learner", nfl.LEARNERS)
@pytest.mark.parametrize(("k", "train"), TRAININGS)
def test_averaged_over_every_problem_every_learner_scores_exactly_one_half(learner, k, train):
    accuracy = nfl.off_training_accuracy(learner, k, train, "all")
    assert isinstance(accuracy, Fraction)
    assert accuracy == Fraction(1, 2)


def test_the_average_by_an_independent_enumeration():
    # every labelling written out with itertools, the learner asked point by point
    k, train = 5, np.array([1, 3])
    test = [x for x in range(k) if x not in train]
    for learner in nfl.LEARNERS:
        right = total = 0
        for f in itertools.product((0, 1), repeat=k):
            f = np.array(f)
            guess = nfl.predict(learner, k, train, f[train])
            right += sum(int(guess[x] == f[x]) for x in test)
            total += len(test)
        assert Fraction(right, total) == Fraction(1, 2)


def test_the_problem_families():
    for k in range(2, 9):
        everything = nfl.all_problems(k)
        assert everything.shape == (2**k, k)
        assert len(np.unique(everything, axis=0)) == 2**k
        steps = nfl.threshold_problems(k)
        assert len(steps) == 2 * k  # k + 1 rising, k + 1 falling, two constants shared
        assert all(np.sum(np.diff(f) != 0) <= 1 for f in steps)


@pytest.mark.parametrize(("k", "train"), TRAININGS)
def test_on_smooth_problems_the_learners_separate(k, train):
    table = nfl.accuracy_table(k, train)
    structured = {learner: row["threshold"] for learner, row in table.items()}
    # At every point half of the 2k step functions are 0 (counted by hand: k − x rising,
    # x + 1 falling, the all-zero one twice): "always 0" stays at exactly ½.
    assert structured["zero"] == Fraction(1, 2)
    # "opposite" is nearest neighbour's complement, exactly
    assert structured["nearest"] + structured["opposite"] == 1
    assert structured["nearest"] > Fraction(1, 2) > structured["opposite"]
    assert structured["threshold"] > Fraction(1, 2)


def test_a_threshold_unit_is_right_on_every_step_function_it_has_seen_both_sides_of():
    k, train = 6, (0, 5)
    for f in nfl.threshold_problems(k):
        guess = nfl.predict("threshold", k, train, f[list(train)])
        assert np.all(guess[list(train)] == f[list(train)])  # consistent with its training data


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        nfl.off_training_accuracy("nearest", 4, (0, 1, 2, 3))
    with pytest.raises(ValueError):
        nfl.off_training_accuracy("nearest", 1, (0,))
    with pytest.raises(ValueError):
        nfl.predict("oracle", 4, (0,), (1,))
    with pytest.raises(ValueError):
        nfl.problems(4, "smooth")
