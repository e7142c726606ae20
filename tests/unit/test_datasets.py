"""Data-defined losses: minibatch partitions, the full loss as their average, closed-form minima,
the tanh network's saddle and symmetric minima, minibatches that disagree, no recompiles."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.optimize

from landscapes.datasets import (
    DATASETS,
    DataLoss,
    correlated_regression,
    get_dataset,
    least_squares_minimum,
    moons_logistic,
    tanh_network,
)

ALL = [get_dataset(name) for name in DATASETS]
POINTS = np.random.default_rng(2024).uniform(-2.0, 2.0, (5, 2))


def _numpy_loss(data: DataLoss, w, weights=None) -> float:
    """The loss written out again in NumPy, per model, as an independent reference."""
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    if data.name == "correlated_regression":
        per_example = 0.5 * (x @ w - y) ** 2
    elif data.name == "tanh_network":
        per_example = 0.5 * (w[1] * np.tanh(w[0] * x) - y) ** 2
    else:
        z = x @ w
        per_example = np.log1p(np.exp(z)) - y * z
    weights = np.ones_like(y) if weights is None else np.asarray(weights)
    return float(np.sum(weights * per_example) / np.sum(weights))


# jitted once at module level, as the app does: the counts below prove nothing recompiles
_mask = jax.jit(lambda data, k, b, s: data.minibatch_weights(k, b, s))
_evaluate = jax.jit(lambda loss, w: loss(w))
_stochastic_grad = jax.jit(lambda data, w, k, b, s: data.stochastic_grad(w, k, b, s))
_value_and_grad = jax.jit(jax.value_and_grad(lambda w, data, weights: data.weighted(w, weights)))


@jax.jit
def _sgd(data, w0, learning_rate, batch_size, seed, steps=400):
    """Plain SGD, w ← w − ε ∇E_B(w) with minibatch k at step k; returns all iterates."""

    def step(w, k):
        w = w - learning_rate * data.stochastic_grad(w, k, batch_size, seed)
        return w, w

    return jax.lax.scan(step, w0, jnp.arange(steps))[1]


def _masks(data: DataLoss, batch_size: int, seed: int, epoch: int = 0) -> np.ndarray:
    """The masks of one epoch's minibatches (k, batch size and seed traced)."""
    count = int(data.num_batches(batch_size))
    ks = range(epoch * count, (epoch + 1) * count)
    return np.array([_mask(data, k, batch_size, seed) for k in ks])


# --- the loss and its minibatches ----------------------------------------------------------


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_full_and_weighted_loss_match_numpy(dataset):
    data = dataset.loss
    weights = np.random.default_rng(1).uniform(0.0, 1.0, data.n)
    for w in POINTS:
        assert float(data(jnp.asarray(w))) == pytest.approx(_numpy_loss(data, w), rel=1e-12)
        assert float(data.weighted(jnp.asarray(w), jnp.ones(data.n))) == pytest.approx(
            float(data(jnp.asarray(w))), rel=1e-12
        )
        assert float(data.weighted(jnp.asarray(w), weights)) == pytest.approx(
            _numpy_loss(data, w, weights), rel=1e-12
        )


@pytest.mark.parametrize(
    "data",
    [correlated_regression(n=128).loss, tanh_network(n=64).loss, moons_logistic(n=100).loss],
    ids=["n128", "n64", "n100"],
)
@pytest.mark.parametrize("batch_size", [1, 7, 32, 48, 128, 500])
@pytest.mark.parametrize("seed", [0, 3, 2**31 - 1])
def test_minibatch_masks_partition_the_data(data, batch_size, seed):
    masks = _masks(data, batch_size, seed)
    count = -(-data.n // batch_size)
    assert masks.shape == (count, data.n)
    assert set(np.unique(masks)) <= {0.0, 1.0}
    np.testing.assert_array_equal(masks.sum(axis=0), np.ones(data.n))  # each example once
    sizes = masks.sum(axis=1)
    size = min(batch_size, data.n)
    np.testing.assert_array_equal(sizes[:-1], size)
    assert sizes[-1] == data.n - (count - 1) * size


def test_minibatches_depend_on_seed_and_reshuffle_each_epoch():
    data = ALL[0].loss
    first = _masks(data, 16, seed=0)
    np.testing.assert_array_equal(first, _masks(data, 16, seed=0))  # deterministic
    assert not np.array_equal(first, _masks(data, 16, seed=1))
    second_epoch = _masks(data, 16, seed=0, epoch=1)
    np.testing.assert_array_equal(second_epoch.sum(axis=0), np.ones(data.n))
    assert not np.array_equal(first, second_epoch)


def test_shuffles_are_uniform_over_epochs_and_seeds():
    """Every example is equally likely at every slot, and any two examples are equally
    likely in either order: chi-square and binomial tests over 3000 shuffles of 12."""
    data = tanh_network(n=12).loss
    shuffles = jax.jit(jax.vmap(data.epoch_ranks))
    epochs, seeds = np.arange(3000) % 1000, np.arange(3000) // 1000
    ranks = np.asarray(shuffles(epochs, seeds))  # (3000, 12)
    assert all(sorted(row) == list(range(12)) for row in ranks)
    counts = np.stack([np.bincount(ranks[:, i], minlength=12) for i in range(12)])
    expected = len(ranks) / 12
    chi2 = ((counts - expected) ** 2 / expected).sum(axis=1)  # 11 degrees of freedom each
    assert np.all(chi2 < 40.0)  # P(χ²₁₁ > 40) ≈ 4e-5 per example
    before = (ranks[:, 0] < ranks[:, 1]).mean()
    assert abs(before - 0.5) < 4 * 0.5 / np.sqrt(len(ranks))


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
@pytest.mark.parametrize("batch_size", [16, 48])  # 128 = 8 × 16; 128 = 48 + 48 + 32
def test_minibatch_losses_and_gradients_average_to_full(dataset, batch_size):
    data = dataset.loss
    masks = _masks(data, batch_size, seed=5)
    fractions = masks.sum(axis=1) / data.n
    for w in map(jnp.asarray, POINTS):
        count = len(masks)
        losses = np.array([_evaluate(data.minibatch(k, batch_size, 5), w) for k in range(count)])
        grads = np.array([_stochastic_grad(data, w, k, batch_size, 5) for k in range(count)])
        assert fractions @ losses == pytest.approx(float(data(w)), rel=1e-12, abs=1e-14)
        np.testing.assert_allclose(fractions @ grads, jax.grad(data)(w), rtol=1e-11, atol=1e-13)
        if data.n % batch_size == 0:  # equal batches: the plain mean is the full loss
            assert losses.mean() == pytest.approx(float(data(w)), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_losses_vmap_over_a_grid_of_weights(dataset):
    data = dataset.loss
    ws = jnp.asarray(np.random.default_rng(2).uniform(-2.0, 2.0, (7, 2)))
    mask = data.minibatch_weights(1, 16, 0)
    np.testing.assert_allclose(jax.vmap(data)(ws), [data(w) for w in ws], rtol=1e-13)
    np.testing.assert_allclose(
        jax.vmap(data.weighted, in_axes=(0, None))(ws, mask),
        [data.weighted(w, mask) for w in ws],
        rtol=1e-13,
    )


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_sgd_jitters_around_the_minimum_more_for_small_batches(dataset):
    minimum = jnp.asarray(dataset.minimum)

    def spread(batch_size):  # RMS distance of the late iterates from the full-batch minimum
        late = np.concatenate(
            [_sgd(dataset.loss, minimum, 0.1, batch_size, seed)[200:] for seed in range(4)]
        )
        return np.sqrt(np.mean(np.sum((late - dataset.minimum) ** 2, axis=1)))

    assert spread(4) > 2 * spread(64) > 0


def test_nothing_recompiles_when_minibatch_seed_batch_size_or_data_change():
    data = ALL[0].loss
    w = jnp.array([0.3, -0.2])
    _evaluate(data.minibatch(0, 16, 0), w)
    _stochastic_grad(data, w, 0, 16, 0)
    compiled = (_evaluate._cache_size(), _stochastic_grad._cache_size())
    for k, batch_size, seed in [(5, 16, 0), (1, 32, 7), (40, 3, 123)]:
        _evaluate(data.minibatch(k, batch_size, seed), w)
        _stochastic_grad(data, w, k, batch_size, seed)
    other = correlated_regression(seed=1, correlation=0.5).loss  # same model, other data
    _evaluate(other.minibatch(2, 8, 1), w)
    _stochastic_grad(other, w, 2, 8, 1)
    assert (_evaluate._cache_size(), _stochastic_grad._cache_size()) == compiled


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_a_minibatch_on_its_examples_is_the_same_loss_with_two_shapes_per_data_set(dataset):
    data = dataset.loss
    ws = jnp.asarray(np.random.default_rng(4).uniform(-2.0, 2.0, (5, 2)))
    shapes = set()
    for k, batch_size, seed in [(0, 1, 0), (3, 8, 2), (1, 32, 5), (0, 33, 5), (2, 64, 1)]:
        masked = data.minibatch(k, batch_size, seed)
        compact = data.minibatch_on_its_examples(k, batch_size, seed)
        shapes.add(compact.args[0].targets.shape)
        for w in ws:
            assert float(compact(w)) == pytest.approx(float(masked(w)), rel=1e-12, abs=1e-14)
            np.testing.assert_allclose(
                jax.grad(compact)(w), jax.grad(masked)(w), rtol=1e-11, atol=1e-13
            )
    assert shapes == {(data.n // 4,), (data.n,)}  # B ≤ n/4 on its examples, larger masked


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_every_minibatch_of_one_batch_size_has_one_shape_also_the_smaller_last_one(dataset):
    # n = 128, B = 37: minibatches of 37, 37, 37 and 17 examples; B = 30: four of 30 and one
    # of 8. A shape per minibatch count made the minibatch page fail for such B (the
    # minibatches are stacked to be searched in one call).
    data = dataset.loss
    w = jnp.asarray([0.3, -0.7])
    for batch_size in (data.n // 4 - 2, data.n // 4 + 5):
        count = int(data.num_batches(batch_size))
        assert data.n % batch_size  # the last minibatch is smaller than the others
        losses = [data.minibatch_on_its_examples(k, batch_size, 3) for k in range(count)]
        assert len({loss.args[0].targets.shape for loss in losses}) == 1
        for k, loss in enumerate(losses):
            masked = data.minibatch(k, batch_size, 3)
            assert float(loss(w)) == pytest.approx(float(masked(w)), rel=1e-12, abs=1e-14)


# --- correlated regression -----------------------------------------------------------------


def test_regression_minimum_is_the_normal_equations_solution():
    dataset = get_dataset("correlated_regression")
    data = dataset.loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    expected = np.linalg.solve(x.T @ x, x.T @ y)
    np.testing.assert_allclose(dataset.minimum, expected, rtol=1e-12)
    np.testing.assert_allclose(jax.grad(data)(jnp.asarray(expected)), 0.0, atol=1e-13)
    # the ravine: Hessian XᵀX/n with a condition number near (1 + r)/(1 − r) = 19
    eigenvalues = np.linalg.eigvalsh(np.asarray(jax.hessian(data)(jnp.asarray(expected))))
    np.testing.assert_allclose(eigenvalues, np.linalg.eigvalsh(x.T @ x / data.n), rtol=1e-12)
    assert 10 < eigenvalues[1] / eigenvalues[0] < 35
    assert np.corrcoef(x.T)[0, 1] == pytest.approx(0.9, abs=0.05)


def test_each_minibatch_has_its_own_regression_minimum():
    data = get_dataset("correlated_regression").loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    full = least_squares_minimum(data)
    for k in range(4):
        mask = np.asarray(data.minibatch_weights(k, 8, 0))
        rows = mask > 0
        expected = np.linalg.solve(x[rows].T @ x[rows], x[rows].T @ y[rows])
        minimum = least_squares_minimum(data, mask)
        np.testing.assert_allclose(minimum, expected, rtol=1e-10)
        gradient = jax.grad(data.minibatch(k, 8, 0))(jnp.asarray(minimum))
        np.testing.assert_allclose(gradient, 0.0, atol=1e-12)
        assert np.linalg.norm(minimum - full) > 1e-2


def test_minibatch_minima_scatter_along_the_ravine_floor():
    data = get_dataset("correlated_regression").loss
    full = least_squares_minimum(data)
    minima = np.array(
        [
            least_squares_minimum(data, data.minibatch_weights(k, 8, seed))
            for seed in range(4)
            for k in range(int(data.num_batches(8)))
        ]
    )
    scatter, axes = np.linalg.eigh(np.cov((minima - full).T))
    x = np.asarray(data.inputs)
    floor = np.linalg.eigh(x.T @ x)[1][:, 0]  # the Hessian's flat direction
    assert abs(axes[:, 1] @ floor) > 0.9
    assert scatter[1] > 5 * scatter[0]


def test_least_squares_minimum_refuses_other_models():
    with pytest.raises(ValueError, match="not a linear regression"):
        least_squares_minimum(get_dataset("tanh_network").loss)


# --- the tanh network: saddle, symmetry, minibatches that disagree --------------------------


def test_tanh_network_saddle_at_origin():
    data = get_dataset("tanh_network").loss
    origin = jnp.zeros(2)
    np.testing.assert_array_equal(jax.grad(data)(origin), 0.0)
    # closed form: ∂²E/∂w_h∂w_out = −mean(x·y), both diagonal entries vanish
    c = float(np.mean(np.asarray(data.inputs) * np.asarray(data.targets)))
    hessian = np.asarray(jax.hessian(data)(origin))
    np.testing.assert_allclose(hessian, [[0.0, -c], [-c, 0.0]], atol=1e-14)
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert eigenvalues[0] < 0 < eigenvalues[1]
    assert eigenvalues == pytest.approx([-c, c], rel=1e-12)


def test_tanh_network_sign_flip_symmetry():
    data = get_dataset("tanh_network", seed=4, n=64).loss
    for w in map(jnp.asarray, POINTS):
        assert float(data(-w)) == pytest.approx(float(data(w)), rel=1e-14)


@pytest.mark.parametrize("noise", [0.0, 0.7, 1.5])
def test_tanh_network_minima_are_the_teacher(noise):
    dataset = get_dataset("tanh_network", noise=noise)
    data = dataset.loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    floor = 0.5 * np.mean((y - np.tanh(x)) ** 2)  # the noise no weights can fit
    assert dataset.minima == ((1.0, 1.0), (-1.0, -1.0))
    for minimum in map(jnp.asarray, dataset.minima):
        assert float(data(minimum)) == pytest.approx(floor, rel=1e-12, abs=1e-15)
        np.testing.assert_allclose(jax.grad(data)(minimum), 0.0, atol=1e-13)
        assert np.all(np.linalg.eigvalsh(np.asarray(jax.hessian(data)(minimum))) > 0)
    # nothing on a grid over the plot is lower
    (x0, x1), (y0, y1) = dataset.bounds
    grid = jnp.stack(np.meshgrid(np.linspace(x0, x1, 41), np.linspace(y0, y1, 41)), -1)
    assert float(jnp.min(jax.vmap(data)(grid.reshape(-1, 2)))) >= floor - 1e-12


def test_tanh_minibatches_pull_to_opposite_sides():
    data = get_dataset("tanh_network").loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    start = np.array([0.0, 0.5])  # beside the saddle, on the w_out axis
    sides = []
    for k in range(int(data.num_batches(8))):
        mask = data.minibatch_weights(k, 8, 0)
        result = scipy.optimize.minimize(
            lambda w, m=mask: tuple(map(np.asarray, _value_and_grad(jnp.asarray(w), data, m))),
            start,
            jac=True,
            method="BFGS",
        )
        # the batch's saddle at 0 has Hessian [[0, −c_B], [−c_B, 0]]; from (0, w_out > 0) the
        # first step moves w_h by +c_B·w_out, and the minimiser stays on that side
        c_batch = np.sum(np.asarray(mask) * x * y) / np.sum(mask)
        assert np.sign(result.x[0]) == np.sign(c_batch)
        sides.append(np.sign(result.x[0]))
    assert 1 in sides and -1 in sides


# --- two moons ---------------------------------------------------------------------------


def test_moons_data_and_minimum():
    dataset = get_dataset("moons_logistic")
    data = dataset.loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)
    assert y.sum() == data.n // 2
    minimum = jnp.asarray(dataset.minimum)
    np.testing.assert_allclose(jax.grad(data)(minimum), 0.0, atol=1e-12)
    assert np.all(np.linalg.eigvalsh(np.asarray(jax.hessian(data)(minimum))) > 0)
    grid = jnp.asarray(np.random.default_rng(3).uniform(-6.0, 6.0, (400, 2)))
    assert float(jnp.min(jax.vmap(data)(grid))) >= float(data(minimum))


def test_a_separable_moons_minibatch_has_no_minimum():
    data = moons_logistic().loss
    x, y = np.asarray(data.inputs), np.asarray(data.targets)
    angles = np.linspace(0.0, 2 * np.pi, 3600, endpoint=False)
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    found = 0
    for k in range(int(data.num_batches(4))):
        rows = np.asarray(data.minibatch_weights(k, 4, 0)) > 0
        margins = (2 * y[rows] - 1)[:, None] * (x[rows] @ directions.T)
        separating = np.flatnonzero(np.all(margins > 0, axis=0))
        if separating.size == 0:
            continue
        found += 1
        u = directions[separating[0]]
        losses = [float(data.minibatch(k, 4, 0)(jnp.asarray(t * u))) for t in (1, 10, 100)]
        assert losses[0] > losses[1] > losses[2] >= 0  # it keeps falling toward zero
    assert found > 0


# --- the catalogue ------------------------------------------------------------------------


def test_datasets_are_deterministic_and_seeded():
    for build in (correlated_regression, tanh_network, moons_logistic):
        a, b, c = build(seed=1).loss, build(seed=1).loss, build(seed=2).loss
        np.testing.assert_array_equal(a.targets, b.targets)
        np.testing.assert_array_equal(a.inputs, b.inputs)
        assert not np.array_equal(a.inputs, c.inputs)
        assert a.inputs.dtype == a.targets.dtype == jnp.float64


@pytest.mark.parametrize("dataset", ALL, ids=DATASETS)
def test_metadata_is_consistent(dataset):
    assert dataset.name in DATASETS and dataset.loss.name == dataset.name
    assert dataset.title and len(dataset.note) > 200
    (x0, x1), (y0, y1) = dataset.bounds
    for px, py in (*dataset.starts, *dataset.minima):
        assert x0 <= px <= x1 and y0 <= py <= y1
    assert dataset.minimum.shape == (2,)
    assert {spec.name for spec in dataset.param_specs} == set(dataset.params)
    for spec in dataset.param_specs:
        assert spec.low <= spec.default <= spec.high
        assert dataset.params[spec.name] == spec.default


def test_get_dataset_passes_parameters():
    dataset = get_dataset("correlated_regression", n=64, correlation=-0.5, noise=0.0)
    assert dataset.loss.n == 64 and dataset.params["correlation"] == -0.5
    x = np.asarray(dataset.loss.inputs)
    np.testing.assert_allclose(dataset.minimum, [1.0, 1.0], atol=1e-12)  # no noise: the teacher
    assert np.corrcoef(x.T)[0, 1] < 0


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("ravine", {}, "valid: correlated_regression, tanh_network, moons_logistic"),
        (None, {}, "unknown dataset"),
        ("moons_logistic", {"bias": 1.0}, r"valid: \['n', 'noise', 'seed'\]"),
        ("correlated_regression", {"correlation": 1.0}, "between -0.99 and 0.99"),
        ("correlated_regression", {"noise": float("nan")}, "finite"),
        ("moons_logistic", {"n": 8}, "between 16 and 1024"),
        ("moons_logistic", {"n": 100.5}, "whole number"),
        ("tanh_network", {"n": 101}, "even"),
        ("tanh_network", {"seed": -1}, "seed"),
        ("tanh_network", {"noise": "loud"}, "must be a number"),
    ],
)
def test_get_dataset_rejects_bad_input(name, params, message):
    with pytest.raises(ValueError, match=message):
        get_dataset(name, **params)
