"""The teacher–student committee machine: its symmetries, the merge path and its saddle, the
straight line, and critical points found by minimising ‖∇E‖²."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
from landscapes import committee

N = 3
PAIR = (0, 2)


@pytest.fixture(scope="module")
def problem():
    teacher = committee.random_teacher(N, 0)
    inputs, targets = committee.teacher_data(teacher, N, 200, seed=0)
    return teacher, inputs, targets


@pytest.fixture(scope="module")
def trained(problem):
    teacher, inputs, targets = problem
    return committee.train_student(inputs, targets, N, 0)


@pytest.fixture(scope="module")
def merge(problem, trained):
    _, inputs, targets = problem
    return committee.merge_path(inputs, targets, trained.minimum, N, *PAIR)


def brute_force_output(params, x, n):
    """Σᵢ vᵢ σ(wᵢ·x + bᵢ) written out unit by unit, in plain NumPy."""
    blocks = np.asarray(params).reshape(n, -1)
    total = np.zeros(len(x))
    for w1, w2, b, v in blocks:
        total += v / (1.0 + np.exp(-(w1 * x[:, 0] + w2 * x[:, 1] + b)))
    return total


def test_output_and_loss_match_the_formula_written_out():
    rng = np.random.default_rng(1)
    params = rng.standard_normal(4 * 4)
    x = rng.uniform(-2, 2, (50, 2))
    t = rng.standard_normal(50)
    expected = brute_force_output(params, x, 4)
    np.testing.assert_allclose(committee.committee_output(params, x, 4), expected, rtol=1e-13)
    loss = committee.committee_loss(x, t)
    assert float(loss(params)) == pytest.approx(0.5 * np.mean((expected - t) ** 2), rel=1e-13)


def test_the_teacher_has_the_promised_shape_and_fits_its_own_data_exactly(problem):
    teacher, inputs, targets = problem
    blocks = teacher.reshape(N, 4)
    np.testing.assert_allclose(np.linalg.norm(blocks[:, :2], axis=1), 4.0)
    np.testing.assert_array_equal(blocks[:, 3], 1.0)
    assert inputs.shape == (200, 2) and np.all(np.abs(inputs) <= 2.0)
    assert float(committee.committee_loss(inputs, targets)(teacher)) == 0.0
    np.testing.assert_array_equal(committee.random_teacher(N, 0), teacher)  # seeded
    assert committee.random_teacher(4, 3, input_dim=5).shape == (4 * 7,)


def test_every_permutation_of_hidden_units_leaves_the_loss_unchanged():
    rng = np.random.default_rng(2)
    params = rng.standard_normal(N * 4)
    x = rng.uniform(-2, 2, (100, 2))
    loss = committee.committee_loss(x, rng.standard_normal(100))
    reference = float(loss(params))
    for order in itertools.permutations(range(N)):
        permuted = committee.permute_units(params, N, order)
        # the same function, summed in another order: equal up to the last bit or two
        assert float(loss(permuted)) == pytest.approx(reference, rel=1e-14, abs=0)
        if order != tuple(range(N)):
            assert not np.allclose(permuted, params)  # a different point of weight space


@pytest.mark.parametrize("fraction", [0.0, 0.3, 1.0, 1.7])
def test_duplicating_a_unit_and_splitting_its_output_weight_changes_nothing(fraction):
    rng = np.random.default_rng(3)
    params = rng.standard_normal(N * 4)
    x = rng.uniform(-2, 2, (80, 2))
    wider = committee.duplicate_unit(params, N, 1, fraction)
    np.testing.assert_allclose(
        committee.committee_output(wider, x, N + 1),
        committee.committee_output(params, x, N),
        rtol=1e-13,
        atol=1e-13,
    )


def test_a_duplicated_unit_of_a_minimum_gives_a_zero_hessian_eigenvalue(problem):
    # The teacher is a global minimum (E = 0) of its data; with one unit split in two, the
    # output weight can move between the halves at no cost: H e = 0 for e ∝ e_v1 − e_v(copy).
    teacher, inputs, targets = problem
    wider = committee.duplicate_unit(teacher, N, 1, 0.4)
    loss = committee.committee_loss(inputs, targets)
    assert float(loss(wider)) < 1e-30  # zero up to round-off (0.4 + 0.6 is not exact)
    eigenvalues, _ = landscapes.hessian_eig(loss, wider)
    assert abs(eigenvalues).min() <= 1e-12 * abs(eigenvalues).max()
    direction = np.zeros(wider.size)
    direction[1 * 4 + 3], direction[N * 4 + 3] = 1.0, -1.0
    H = landscapes.hessian(loss, wider)
    np.testing.assert_allclose(H @ direction, 0.0, atol=1e-13)


def test_the_student_recovers_the_teacher_up_to_a_permutation(problem, trained):
    teacher, _, _ = problem
    assert trained.minimum_loss < 1e-25 and trained.grad_norm < 1e-12
    assert trained.loss[0] > 0.1  # it did have to learn
    matching = committee.match_units(trained.minimum, teacher, N)
    assert sorted(matching.order.tolist()) == list(range(N))
    aligned = committee.align_to_teacher(trained.minimum, teacher, N)
    np.testing.assert_allclose(aligned, teacher, atol=1e-8)
    np.testing.assert_allclose(matching.cosines, 1.0, atol=1e-12)


def test_matching_undoes_a_known_relabelling_and_is_optimal():
    rng = np.random.default_rng(4)
    teacher = committee.random_teacher(5, 7)
    order = rng.permutation(5)
    student = committee.permute_units(teacher, 5, order) + 0.05 * rng.standard_normal(20)
    matching = committee.match_units(student, teacher, 5)
    # student unit order⁻¹[k] is teacher unit k
    np.testing.assert_array_equal(order[matching.order], np.arange(5))

    def unit_normals(params):
        planes = committee.hyperplanes(params, 5)
        return planes / np.linalg.norm(planes, axis=1, keepdims=True)

    cosine = unit_normals(teacher) @ unit_normals(student).T
    best = max(itertools.permutations(range(5)), key=lambda p: cosine[range(5), p].sum())
    assert cosine[range(5), matching.order].sum() == pytest.approx(cosine[range(5), best].sum())


def test_the_permutation_point_is_the_merged_network(problem, merge):
    _, inputs, targets = problem
    point = merge.permutation_point.reshape(N, 4)
    i, j = PAIR
    np.testing.assert_allclose(point[i], point[j], atol=1e-12)  # in and out weights coincide
    assert merge.distance[0] == 0.0
    merged = committee.merged_network(merge.permutation_point, N, i, j)
    assert merged.shape == ((N - 1) * 4,)
    small = committee.committee_loss(inputs, targets)
    assert float(small(merged)) == pytest.approx(merge.loss[0], rel=1e-12)
    # and it is a critical point of the smaller network too, at a loss above zero
    gradient = jax.grad(small)(jnp.asarray(merged))
    assert float(jnp.linalg.norm(gradient)) < 1e-8
    assert merge.loss[0] > 1e-4


def test_the_permutation_point_is_a_saddle_with_a_flat_direction(problem, merge):
    _, inputs, targets = problem
    report = committee.point_report(inputs, targets, merge.permutation_point)
    assert report.grad_norm < 1e-8
    assert report.negative >= 1  # a way down: a saddle, not a minimum
    assert report.zero >= 1  # Brea et al.: at least one zero eigenvalue per output
    loss = committee.committee_loss(inputs, targets)
    eigenvalues, _ = landscapes.hessian_eig(loss, merge.permutation_point)
    np.testing.assert_allclose(report.eigenvalues, eigenvalues, rtol=1e-9, atol=1e-14)
    at_minimum = committee.point_report(inputs, targets, merge.minimum)
    assert at_minimum.negative == 0


def test_the_merge_path_climbs_from_the_minimum_to_the_saddle(merge, trained):
    np.testing.assert_allclose(merge.minimum, trained.minimum, atol=1e-12)
    assert np.all(np.diff(merge.distance) > 0)
    # the constraint holds all along: ‖pᵢ − pⱼ‖ = d
    blocks = merge.params.reshape(len(merge.distance), N, 4)
    gaps = np.linalg.norm(blocks[:, PAIR[0]] - blocks[:, PAIR[1]], axis=1)
    np.testing.assert_allclose(gaps, merge.distance, atol=1e-10)
    assert merge.loss[-1] < 1e-25
    assert merge.barrier == pytest.approx(merge.loss[0])
    assert np.all(merge.loss <= merge.loss[0] + 1e-12)  # d = 0 is the top of the pass


def test_the_exchange_loop_ends_in_the_permuted_minimum(merge):
    loop = committee.exchange_loop(merge, N)
    np.testing.assert_array_equal(loop.params[0], merge.minimum)
    np.testing.assert_allclose(loop.params[-1], committee.swap_units(merge.minimum, N, *PAIR))
    np.testing.assert_allclose(loop.loss, loop.loss[::-1])
    np.testing.assert_allclose(loop.position, -loop.position[::-1])
    steps = np.linalg.norm(np.diff(loop.params, axis=0), axis=1)
    assert steps.max() < 10 * np.diff(loop.position).max()  # no jump at the exchange


def test_the_straight_line_has_a_barrier_between_equal_ends(problem, merge):
    _, inputs, targets = problem
    line = committee.straight_line(inputs, targets, merge.minimum, N, *PAIR)
    assert line.loss[0] == pytest.approx(line.loss[-1], abs=1e-25)
    assert line.barrier > 0.01
    # At t the pair is d = |1 − 2t|·d* apart with nothing re-optimised, so the merge path,
    # minimised over everything else at that d, lies below the line.
    d = np.abs(1 - 2 * line.t) * merge.distance[-1]
    assert np.all(np.interp(d, merge.distance, merge.loss) <= line.loss + 1e-9)
    assert line.barrier > 2 * merge.barrier


def test_the_exchange_plane_puts_the_three_points_where_promised(problem, merge):
    _, inputs, targets = problem
    plane = committee.exchange_plane(inputs, targets, merge, N, size=21)
    points = [merge.minimum, committee.swap_units(merge.minimum, N, *PAIR), merge.permutation_point]
    np.testing.assert_allclose(
        plane.coordinates(np.stack(points)), [[-1, 0], [1, 0], [0, 1]], atol=1e-12
    )
    assert abs(plane.e1 @ plane.e2) < 1e-10 * np.linalg.norm(plane.e1) * np.linalg.norm(plane.e2)
    assert plane.loss.shape == (21, 21) and np.all(plane.loss >= 0)


def test_critical_points_by_gradient_norm(problem):
    _, inputs, targets = problem
    sample = committee.critical_points_by_gradient_norm(inputs, targets, N, runs=4, per_run=6)
    assert sample.params.shape[1] == N * 4 and len(sample.loss) == len(sample.downhill_fraction)
    assert sample.critical.sum() >= 3
    loss = committee.committee_loss(inputs, targets)
    for k in np.flatnonzero(sample.critical)[:3]:
        # an independent check of what the search reports
        w = sample.params[k]
        assert float(jnp.linalg.norm(jax.grad(loss)(jnp.asarray(w)))) <= 1e-8
        eigenvalues = np.linalg.eigvalsh(landscapes.hessian(loss, w))
        tol = committee.ZERO_TOL * abs(eigenvalues).max()
        assert sample.negative[k] == np.sum(eigenvalues < -tol)
        assert sample.downhill_fraction[k] == sample.negative[k] / (N * 4)
    # the global minima (E ≈ 0) are minima: index 0
    best = np.argmin(sample.loss)
    if sample.loss[best] < 1e-20:
        assert sample.downhill_fraction[best] == 0.0


def test_bad_input_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="n_hidden"):
        committee.random_teacher(0, 0)
    with pytest.raises(ValueError, match="permutation"):
        committee.permute_units(np.zeros(12), 3, [0, 0, 1])
    with pytest.raises(ValueError, match="two different units"):
        committee.merged_network(np.zeros(12), 3, 1, 1)
    with pytest.raises(ValueError, match="n·"):
        committee.input_dim_of(np.zeros(13), 3)
    with pytest.raises(ValueError, match="noise"):
        committee.teacher_data(committee.random_teacher(2, 0), 2, noise=float("nan"))
