"""Regions cut by lines: the general-position formula, the exact count for any arrangement, and
two independent counts by sign patterns."""

import math

import numpy as np
import pytest

from landscapes import regions


def test_the_formula_in_closed_form():
    for n in range(0, 40):
        assert regions.regions_general_position(n, 0) == 1
        assert regions.regions_general_position(n, 1) == n + 1
        assert regions.regions_general_position(n, 2) == 1 + n + n * (n - 1) // 2
        assert regions.regions_general_position(n, n) == 2**n  # d ≥ n: every sign pattern
        assert regions.regions_general_position(n, 3) == sum(math.comb(n, k) for k in range(4))
    with pytest.raises(ValueError):
        regions.regions_general_position(-1, 2)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 30])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_lines_cut_the_plane_into_one_plus_n_plus_n_choose_2_regions(n, seed):
    lines = regions.random_lines(n, seed)
    expected = 1 + n + n * (n - 1) // 2
    assert regions.count_regions_exact(lines) == expected
    # counted again without any formula: distinct on/off patterns, one sample per sector
    assert regions.count_regions_by_sectors(lines) == expected


def test_special_arrangements_have_their_known_counts():
    horizontal = lambda c: [0.0, 1.0, -c]  # noqa: E731  y = c
    vertical = lambda c: [1.0, 0.0, -c]  # noqa: E731  x = c
    # k parallel lines: k + 1 strips
    assert regions.count_regions_exact([horizontal(c) for c in range(5)]) == 6
    # n lines through one point: 2n sectors
    angles = np.linspace(0, np.pi, 6, endpoint=False)
    through_origin = np.stack([np.cos(angles), np.sin(angles), np.zeros(6)], axis=1)
    assert regions.count_regions_exact(through_origin) == 12
    # a p × q grid of lines: (p + 1)(q + 1) cells
    grid = [horizontal(c) for c in range(3)] + [vertical(c) for c in range(4)]
    assert regions.count_regions_exact(grid) == 4 * 5
    # the same line given twice (once with flipped signs) is one line
    assert regions.count_regions_exact([[1.0, 2.0, 3.0], [-2.0, -4.0, -6.0]]) == 2
    assert regions.count_regions_exact(np.zeros((0, 3))) == 1


def test_a_fine_grid_sees_at_most_the_exact_count_and_all_of_a_simple_arrangement():
    lines = regions.random_lines(4, 3)
    box = regions.vertex_box(lines)
    assert regions.count_regions_on_grid(lines, box, 600) == 11
    many = regions.random_lines(20, 0)
    assert regions.count_regions_on_grid(many, ((-2, 2), (-2, 2)), 200) <= 211


def test_a_sign_pattern_is_one_convex_region():
    # Points with the same on/off pattern lie on the same side of every line, so everything
    # between them does too: the midpoint of any two such points has their pattern.
    lines = regions.random_lines(7, 5)
    rng = np.random.default_rng(0)
    points = rng.uniform(-3, 3, (4000, 2))
    labels = regions.sign_labels(lines, points)
    first, second = rng.integers(0, 4000, (2, 20000))
    same = labels[first] == labels[second]
    assert same.sum() > 500
    middles = 0.5 * (points[first[same]] + points[second[same]])
    np.testing.assert_array_equal(regions.sign_labels(lines, middles), labels[first[same]])


def test_the_region_map_numbers_regions_in_order_of_appearance():
    lines = regions.random_lines(7, 5)
    xs, ys, ids = regions.region_map(lines, ((-1.5, 1.5), (-1.5, 1.5)), 250)
    assert ids.shape == (len(ys), len(xs))
    assert set(np.unique(ids)) == set(range(ids.max() + 1))
    firsts = [np.flatnonzero(ids.ravel() == k)[0] for k in range(ids.max() + 1)]
    assert firsts == sorted(firsts)
    assert ids.max() + 1 == regions.count_regions_on_grid(lines, ((-1.5, 1.5), (-1.5, 1.5)), 250)


def test_random_lines_have_unit_normals_and_pass_through_the_box():
    lines = regions.random_lines(50, 9, box=1.0)
    np.testing.assert_allclose(np.hypot(lines[:, 0], lines[:, 1]), 1.0)
    assert np.all(np.abs(lines[:, 2]) <= np.sqrt(2.0))
    np.testing.assert_array_equal(lines, regions.random_lines(50, 9, box=1.0))


def test_sign_labels_and_intersections():
    lines = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, -1.0]])  # x = 0 and y = 1
    labels = regions.sign_labels(lines, np.array([[1.0, 2.0], [-1.0, 2.0], [1.0, 0.0]]))
    np.testing.assert_array_equal(labels, [0b11, 0b10, 0b01])
    points, pairs = regions.intersections(lines)
    np.testing.assert_allclose(points, [[0.0, 1.0]])
    np.testing.assert_array_equal(pairs, [[0, 1]])


def test_bad_lines_are_refused():
    with pytest.raises(ValueError):
        regions.random_lines(regions.MAX_LINES + 1, 0)
    with pytest.raises(ValueError):
        regions.count_regions_exact([[0.0, 0.0, 1.0]])
    with pytest.raises(ValueError):
        regions.count_regions_exact([[np.nan, 1.0, 1.0]])
