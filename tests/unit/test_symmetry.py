"""Symmetry counts against brute-force enumeration on tiny networks and exact arithmetic."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from landscapes.symmetry import (
    MAX_LAYERS,
    MAX_NEURONS,
    equivalent_minima,
    first_order_permutation_points,
    format_count,
    max_saddle_order,
    saddle_lower_bound,
    symmetry_table,
    weight_space_dimension,
)


def tiny_mlp(n, m, q, seed=0):
    """Weights of an MLP with input n, m hidden tanh layers of n neurons, output q, no biases."""
    rng = np.random.default_rng(seed)
    hidden = [rng.normal(size=(n, n)) for _ in range(m)]  # row i: incoming weights of neuron i
    output = rng.normal(size=(q, n))
    return hidden, output


def forward(hidden, output, x):
    h = x
    for w in hidden:
        h = np.tanh(w @ h)
    return output @ h


def permute(hidden, output, perms):
    """Relabel the neurons of layer ℓ by perms[ℓ]: rows of its weights, columns of the next."""
    hidden = [w.copy() for w in hidden]
    output = output.copy()
    for layer, perm in enumerate(perms):
        hidden[layer] = hidden[layer][list(perm), :]
        if layer + 1 < len(hidden):
            hidden[layer + 1] = hidden[layer + 1][:, list(perm)]
        else:
            output = output[:, list(perm)]
    return hidden, output


@pytest.mark.parametrize(("n", "m"), [(1, 3), (2, 1), (3, 1), (2, 3), (3, 2), (4, 1)])
def test_permuted_networks_are_equivalent_and_distinct(n, m):
    """Every relabelling keeps the function, and they give n!^m distinct weight vectors."""
    q = 2
    hidden, output = tiny_mlp(n, m, q)
    x = np.random.default_rng(1).normal(size=(n, 7))
    reference = forward(hidden, output, x)
    distinct = set()
    for perms in itertools.product(itertools.permutations(range(n)), repeat=m):
        new_hidden, new_output = permute(hidden, output, perms)
        np.testing.assert_allclose(forward(new_hidden, new_output, x), reference, atol=1e-12)
        weights = np.concatenate([w.ravel() for w in new_hidden] + [new_output.ravel()])
        assert weights.size == weight_space_dimension(n, m, q)
        distinct.add(weights.tobytes())
    assert len(distinct) == equivalent_minima(n, m)


def test_permuting_only_incoming_weights_changes_the_function():
    """The outgoing weights must follow: the symmetry is a joint relabelling, not any shuffle."""
    hidden, output = tiny_mlp(3, 1, 2)
    x = np.random.default_rng(1).normal(size=(3, 7))
    shuffled = [hidden[0][[1, 0, 2], :]]
    assert not np.allclose(forward(shuffled, output, x), forward(hidden, output, x))


def test_lecture_quiz_nine_layers_of_ten():
    """A 9-layer net of 10 neurons per layer has more than 1000 minima: 10!^9 ≈ 1.09 × 10⁵⁹."""
    count = equivalent_minima(10, 9)
    assert type(count) is int
    assert count == 3_628_800**9
    assert count > 1000
    assert format_count(count) == "1.09 × 10⁵⁹"


def multiset_layouts(n, K):
    """Distinct layouts on n slots of n − K distinct neurons of which K appear twice."""
    layouts = set()
    for doubled in itertools.combinations(range(n - K), K):
        neurons = list(range(n - K)) + list(doubled)
        layouts.update(itertools.permutations(neurons))
    return len(layouts)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_first_order_points_by_enumeration(n):
    """The lecture's n!/2!·(n − 1), and the paper's K = 1 factor (1/2)·C(n − 1, 1) times n!."""
    count = first_order_permutation_points(n)
    assert count == (multiset_layouts(n, 1) if n >= 2 else 0)
    assert count == Fraction(1, 2) * math.comb(n - 1, 1) * math.factorial(n)


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7])
def test_kth_order_bound_by_enumeration(n):
    for K in range(1, max_saddle_order(n) + 1):
        per_layer = multiset_layouts(n, K)
        assert per_layer == saddle_lower_bound(n, 1, K)
        for m in (2, 3):
            # m layers to put the collisions in, the other m − 1 layers in any of n! orders.
            expected = m * per_layer * math.factorial(n) ** (m - 1)
            assert saddle_lower_bound(n, m, K) == expected


def test_bound_is_the_exact_formula_and_an_int():
    for n in range(1, 16):
        for m in (1, 2, 5):
            assert saddle_lower_bound(n, m, 0) == equivalent_minima(n, m)
            for K in range(1, max_saddle_order(n) + 1):
                exact = Fraction(m, 2**K) * math.comb(n - K, K) * math.factorial(n) ** m
                bound = saddle_lower_bound(n, m, K)
                assert exact.denominator == 1
                assert type(bound) is int and bound == exact


def test_largest_networks_stay_exact():
    minima = equivalent_minima(MAX_NEURONS, MAX_LAYERS)
    assert type(minima) is int
    assert minima == math.factorial(100) ** 100
    assert minima.bit_length() > 50_000  # far beyond float range: exactness matters
    bound = saddle_lower_bound(MAX_NEURONS, MAX_LAYERS, 49)
    assert type(bound) is int
    assert Fraction(bound, minima) == Fraction(100, 2**49) * math.comb(51, 49)


def test_order_range_follows_the_lecture():
    assert [max_saddle_order(n) for n in (1, 2, 3, 4, 5, 10)] == [0, 0, 1, 1, 2, 4]
    assert saddle_lower_bound(5, 1, 2) == Fraction(1, 4) * math.comb(3, 2) * 120
    for n, K in [(4, 2), (2, 1), (5, 3), (5, -1)]:
        with pytest.raises(ValueError, match="K"):
            saddle_lower_bound(n, 1, K)


def test_weight_space_dimension():
    assert weight_space_dimension(10, 9, 10) == 9 * 100 + 100
    assert weight_space_dimension(3, 2, 4) == 2 * 9 + 12


@pytest.mark.parametrize(
    "call",
    [
        lambda: equivalent_minima(0, 1),
        lambda: equivalent_minima(MAX_NEURONS + 1, 1),
        lambda: equivalent_minima(3, 0),
        lambda: equivalent_minima(3, MAX_LAYERS + 1),
        lambda: equivalent_minima(2.5, 1),
        lambda: equivalent_minima(True, 1),
        lambda: first_order_permutation_points(-1),
        lambda: weight_space_dimension(3, 2, 0),
        lambda: symmetry_table(5, 1, 1, max_K=3),
    ],
)
def test_bad_input_names_the_valid_range(call):
    with pytest.raises(ValueError, match=r"\d+\.\.\d+"):
        call()


def test_numpy_integers_are_accepted():
    assert equivalent_minima(np.int64(4), np.int32(2)) == 576


def test_symmetry_table_rows():
    rows = symmetry_table(10, 9, 10)
    assert [row["K"] for row in rows] == [0, 1, 2, 3, 4]
    assert rows[0]["count"] == math.factorial(10) ** 9
    assert rows[0]["per_minimum"] == 1
    for row in rows[1:]:
        K = row["K"]
        assert row["per_minimum"] == Fraction(9, 2**K) * math.comb(10 - K, K)
        assert row["count"] == row["per_minimum"] * rows[0]["count"]
        assert isinstance(row["count"], int) and isinstance(row["per_minimum"], Fraction)
        assert row["count_text"] == format_count(row["count"])
    assert rows[1]["per_minimum_text"] == "40.5"  # (9/2)·C(9, 1)
    assert all(row["dimension"] == 1000 for row in rows)
    assert len(symmetry_table(10, 9, 10, max_K=2)) == 3
    assert len(symmetry_table(2, 1, 1)) == 1


def test_format_count():
    assert format_count(3_628_800) == "3,628,800"
    assert format_count(999_999_999) == "999,999,999"
    assert format_count(1_234_567_890) == "1.23 × 10⁹"
    assert format_count(9_995_000_000) == "1.00 × 10¹⁰"  # rounding carries into the exponent
    assert format_count(Fraction(9, 2)) == "4.5"
    assert format_count(Fraction(123_456, 7)) == "1.76 × 10⁴"
    assert format_count(Fraction(1, 2**40)) == "9.09 × 10⁻¹³"
    assert format_count(0) == "0"
    # Beyond float range and Python's default 4300-digit int-to-str limit.
    assert format_count(10**4500) == "1.00 × 10⁴⁵⁰⁰"
    assert format_count(2 * 10**5000 - 1) == "2.00 × 10⁵⁰⁰⁰"
