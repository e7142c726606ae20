"""Regions of hyperplane arrangements in 1-D, 2-D and 3-D, XOR, linear regions of ReLU nets,
nearest neighbour: closed forms, published counts and brute force."""

import math

import numpy as np
import pytest

from landscapes import depth, regions
from tests.compiles import CompileCounter


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8, 13])
def test_hyperplanes_in_general_position_give_the_sum_of_binomials(d, n):
    planes = depth.tilted_arrangement(n, d, "general", seed=n)
    expected = sum(math.comb(n, k) for k in range(d + 1))
    assert depth.count_regions(planes) == expected == regions.regions_general_position(n, d)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_lines_agree_with_the_permutation_pages_counts(seed):
    for n in (1, 4, 9, 20):
        lines = regions.random_lines(n, seed)
        assert depth.count_regions(lines) == regions.count_regions_exact(lines)


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_each_tilt_adds_its_crossings(d, seed):
    n = 7
    ts, counts = depth.tilt_counts(n, d, seed)
    # 2-D: tilting line k adds n − k crossings; 3-D: tilting plane k adds C(n − k, 2)
    added = [n - k if d == 2 else math.comb(n - k, 2) for k in range(1, n + 1)]
    start = n + 1 if d == 2 else 1 + n + math.comb(n, 2)
    np.testing.assert_array_equal(counts, start + np.concatenate([[0], np.cumsum(added)]))
    assert [depth.regions_formula(n, d, "general", t) for t in ts] == list(counts)
    assert counts[-1] == sum(math.comb(n, k) for k in range(d + 1))


def test_the_increments_are_the_pieces_of_each_new_hyperplane():
    planes = depth.tilted_arrangement(6, 3, "general", seed=4)
    inc = depth.region_increments(planes)
    # plane k (from 0) is cut by k earlier planes in general position: Σ_{j≤2} C(k, j) pieces
    assert list(inc) == [sum(math.comb(k, j) for j in range(3)) for k in range(6)]
    assert 1 + inc.sum() == depth.count_regions(planes)


BOXES = {1: [(-6, 6)], 2: [(-6, 6)] * 2, 3: [(-6, 6)] * 3}
RESOLUTION = {1: 4001, 2: 401, 3: 81}


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("kind", ["parallel", "concurrent"])
@pytest.mark.parametrize("n", [1, 2, 4, 5])
def test_special_positions_by_brute_force_sampling(d, kind, n):
    planes = depth.tilted_arrangement(n, d, kind, seed=3)
    counted = depth.count_regions(planes)
    assert counted == depth.regions_formula(n, d, kind)
    assert counted == depth.count_regions_by_sampling(planes, BOXES[d], RESOLUTION[d])


def test_known_special_counts_by_hand():
    x = lambda c: [1.0, 0.0, 0.0, -c]  # noqa: E731  plane x = c
    y = lambda c: [0.0, 1.0, 0.0, -c]  # noqa: E731
    z = lambda c: [0.0, 0.0, 1.0, -c]  # noqa: E731
    assert depth.count_regions([x(0), y(0), z(0)]) == 8  # octants
    assert depth.count_regions([x(0), x(1), y(0), z(0), z(2)]) == 3 * 2 * 3  # a grid of boxes
    # a plane given twice (once with flipped signs) is one plane
    assert depth.count_regions([x(1), [-2.0, 0.0, 0.0, 2.0]]) == 2
    # three planes through one line (a pencil): 6 wedges
    pencil = [[np.cos(a), np.sin(a), 0.0, 0.0] for a in (0.0, 1.0, 2.0)]
    assert depth.count_regions(pencil) == 6
    assert depth.count_regions(np.zeros((0, 4))) == 1
    # points on a line: repeats count once
    assert depth.count_regions([[1.0, 0.0], [1.0, -1.0], [2.0, -2.0]]) == 3
    with pytest.raises(ValueError):
        depth.count_regions([[0.0, 0.0, 1.0]])
    with pytest.raises(ValueError):
        depth.tilted_arrangement(depth.MAX_PLANES + 1, 2)


def test_a_thin_grid_never_sees_more_than_the_exact_count():
    planes = depth.tilted_arrangement(8, 3, "general", seed=1)
    assert depth.count_regions_by_sampling(planes, [(-3, 3)] * 3, 30) <= depth.count_regions(planes)


def test_crossings_on_a_tilted_line():
    lines = depth.tilted_arrangement(5, 2, "general", tilted=1, seed=0)
    assert len(depth.crossings_on(lines, 0)) == 4  # the tilted line crosses the four others
    assert len(depth.crossings_on(lines, 3)) == 1  # a vertical one crosses only the tilted one
    # the tilt of line i (from 0) made n − 1 − i new crossings, one per line still vertical
    n = 6
    for i in range(n):
        state = depth.tilted_arrangement(n, 2, "general", tilted=i + 1, seed=2)
        new = depth.crossings_on(state, i, range(i + 1, n))
        before = depth.count_regions(depth.tilted_arrangement(n, 2, "general", tilted=i, seed=2))
        assert len(new) == n - 1 - i == depth.count_regions(state) - before


def test_threshold_units_make_the_published_number_of_boolean_functions():
    assert depth.separable_labellings(1).sum() == 4
    separable = depth.separable_labellings(2)
    assert separable.sum() == 14  # of 16: all but XOR and XNOR
    corners = depth.corners(2)
    xor = int(sum(2**i for i, c in enumerate(corners) if c[0] != c[1]))
    assert not separable[xor] and not separable[15 - xor]
    assert depth.separable_labellings(3).sum() == 104  # OEIS A000609


def test_a_second_threshold_layer_makes_every_boolean_function():
    for k in (1, 2, 3):
        made = depth.two_layer_labellings(k)
        assert len(made) == 2**2**k and made.all()
    # XOR is among them, where one unit alone fails
    xor = int(sum(2**i for i, c in enumerate(depth.corners(2)) if c[0] != c[1]))
    assert depth.two_layer_labellings(2)[xor] and not depth.separable_labellings(2)[xor]


def test_a_second_layer_labels_opposite_quadrants_alike():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (500, 2))
    hidden, out = depth.xor_two_layers(x)
    np.testing.assert_array_equal(out, (x[:, 0] > 0) != (x[:, 1] > 0))
    np.testing.assert_array_equal(hidden, x > 0)


def test_the_data_sets():
    x, y = depth.checkerboard(2, 400, 0)
    np.testing.assert_array_equal(y, (x[:, 0] > 0) != (x[:, 1] > 0))  # k = 2 is XOR
    x, y = depth.checkerboard(4, 400, 1)
    cell = np.floor(x + 2.0)  # cells of width 1
    np.testing.assert_array_equal(y, (cell.sum(1) % 2))
    x, y = depth.sawtooth(1, 400, 0)
    np.testing.assert_array_equal(y, x[:, 1] < 2.0 - 2.0 * np.abs(x[:, 0]))  # one tooth
    u = np.linspace(0, 1, 9)
    np.testing.assert_allclose(depth.tent(u, 2), [0, 0.5, 1, 0.5, 0, 0.5, 1, 0.5, 0])
    x, y = depth.clusters(20, 0, new_cluster=True)
    assert x.shape == (100, 2) and y.sum() == 60


def test_nearest_neighbour_is_the_voronoi_cell_by_brute_force():
    rng = np.random.default_rng(1)
    protos, labels = rng.normal(size=(7, 2)), rng.integers(0, 2, 7)
    points = rng.uniform(-3, 3, (300, 2))
    index, label = depth.nearest_neighbour(protos, labels, points)
    for p, i in zip(points, index, strict=True):
        distances = [np.hypot(*(p - q)) for q in protos]
        assert distances[i] == min(distances)
    np.testing.assert_array_equal(label, labels[index])


def _trained(widths, padded, seed=0):
    x, y = depth.sawtooth(2, 200, 0)
    xt, yt = depth.sawtooth(2, 100, 1)
    return depth.train(depth.make_net(widths, padded), x, y, xt, yt, seed=seed, steps=300)


def test_padded_training_is_the_unpadded_network():
    trained = _trained((3, 4), (8, 8))
    net = trained.net
    w = trained.weights
    # every weight into or out of a padding unit stays exactly zero
    wide = net.wide.unflatten(w)
    assert np.all(wide[0][0][:, 3:] == 0) and np.all(wide[1][0][3:, :] == 0)
    assert np.all(wide[1][0][:, 4:] == 0) and np.all(wide[2][0][4:, :] == 0)
    assert trained.train_accuracy > 0.6
    # the logits equal the small network's, computed without padding
    points = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    small = net.arch.flatten(
        [
            (W[:a, :b], bias[:b])
            for (W, bias), (a, b) in zip(
                wide, zip(net.arch.sizes[:-1], net.arch.sizes[1:], strict=False), strict=True
            )
        ]
    )
    from landscapes import networks

    np.testing.assert_allclose(
        depth.net_outputs(trained, points),
        np.asarray(networks.forward(net.arch, small, points)),
        atol=1e-12,
    )


def test_nets_trained_together_take_the_steps_each_takes_alone():
    x, y = depth.sawtooth(2, 200, 0)
    xt, yt = depth.sawtooth(2, 100, 1)
    nets = (depth.make_net((5,), (16,)), depth.make_net((3, 3), (4, 4)))
    together = depth.train_together(nets, x, y, xt, yt, seed=2, steps=120, learning_rate=0.03)
    for net, joint in zip(nets, together, strict=True):
        alone = depth.train(net, x, y, xt, yt, seed=2, steps=120, learning_rate=0.03)
        np.testing.assert_allclose(joint.weights, alone.weights, rtol=0, atol=1e-12)
        assert (joint.train_accuracy, joint.test_accuracy) == (
            alone.train_accuracy,
            alone.test_accuracy,
        )
        # the accuracy shown is the fraction of points on the right side, counted here
        right = (depth.net_outputs(joint, xt) > 0) == (yt > 0.5)
        assert joint.test_accuracy == pytest.approx(right.mean(), abs=1e-12)


def test_nested_grid_counts_are_the_counts_of_each_grid_by_itself():
    trained = _trained((4, 4), (8, 8), seed=3)
    logits, codes = depth.evaluate(trained, depth.grid_points(depth.BOX, 121)[2])
    np.testing.assert_array_equal(
        logits, depth.net_outputs(trained, depth.grid_points(depth.BOX, 121)[2])
    )
    found, ids = depth.nested_region_counts(codes, (31, 61, 121))
    for r, count in zip(found.resolutions, found.counts, strict=True):
        alone = depth.pattern_codes(trained, depth.grid_points(depth.BOX, r)[2])
        assert count == depth.pattern_ids(alone)[1]
    assert ids.max() + 1 == found.count  # ids number the finest grid's regions 0, 1, …
    with pytest.raises(ValueError):
        depth.nested_region_counts(codes, (50,))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_regions_in_a_box_by_lines_and_by_polygons(seed):
    trained = _trained((12,), (16,), seed=seed)
    pieces = depth.linear_regions(trained)
    assert depth.count_linear_regions_exact(trained) == len({p.pattern for p in pieces})
    lines = regions.random_lines(9, seed)
    assert depth.regions_in_box(lines, ((-50, 50), (-50, 50))) == 1 + 9 + 36
    assert depth.regions_in_box(lines, ((10, 11), (10, 11))) <= 46
    # a window of the unit square between x = 0, x = 0.5 and y = 0.5: lines through it count
    grid = [[1.0, 0.0, 0.0], [1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 1.0, -5.0]]
    assert depth.regions_in_box(grid, ((0, 1), (0, 1))) == 4  # x = 0 is its rim, y = 5 misses


def test_one_layer_linear_regions_are_the_regions_of_its_lines():
    trained = _trained((6,), (8,), seed=2)
    W, b = trained.net.wide.unflatten(trained.weights)[0]
    lines = np.concatenate([W[:, :6].T, b[:6, None]], axis=1)
    box = regions.vertex_box(lines, margin=0.2)
    assert depth.count_linear_regions_exact(trained, box) == regions.count_regions_exact(lines)


@pytest.mark.parametrize(
    ("widths", "padded"), [((6,), (8,)), ((4, 4), (8, 8)), ((3, 3, 3), (4, 4, 4))]
)
def test_grid_counts_rise_to_the_exact_count(widths, padded):
    trained = _trained(widths, padded, seed=1)
    exact = depth.count_linear_regions_exact(trained)
    pieces = depth.linear_regions(trained)
    assert sum(depth.polygon_area(p.vertices) for p in pieces) == pytest.approx(16.0)
    grid = depth.count_linear_regions(trained, resolutions=(51, 101, 201, 801))
    assert list(grid.counts) == sorted(grid.counts)
    assert grid.counts[-1] <= exact
    assert grid.counts[-1] >= 0.9 * exact  # a fine grid finds all but the thinnest slivers
    # the grid's labels are the polygons' patterns: the centre of each big polygon has its pattern
    codes = depth.pattern_codes(trained, np.array([p.vertices.mean(0) for p in pieces]))
    assert depth.pattern_ids(codes)[1] == exact


def test_the_folding_net_is_a_sawtooth_of_two_to_the_folds_pieces():
    for folds in range(1, 7):
        net = depth.folding_net(folds)
        x1 = np.linspace(-2, 2, 257)
        points = np.stack([x1, np.zeros_like(x1)], 1)
        np.testing.assert_allclose(
            depth.net_outputs(net, points), 4 * depth.tent((x1 + 2) / 4, folds) - 2, atol=1e-12
        )
        assert depth.count_linear_regions_exact(net) == 2**folds
        assert net.net.num_weights == 6 * folds + 3


def test_moving_the_width_or_the_seed_compiles_nothing():
    _trained((3,), (8,))
    with CompileCounter() as compiles:
        trained = _trained((7,), (8,), seed=3)
        depth.count_linear_regions(trained, resolutions=(50,))
    assert compiles.count == 0
