"""The generalization core against closed forms and brute force: dropout's expectation and both
scalings, traced masks, batch norm's statistics and running averages, augmentation transforms,
label noise, κ before and after normalization, and GD's step counts at the best ε."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes  # noqa: F401  (float64)
from landscapes import generalization as G
from landscapes import networks
from landscapes.networks import Architecture
from tests.compiles import CompileCounter

RNG = np.random.default_rng(0)


# --- dropout --------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", G.CONVENTIONS)
@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_dropout_conventions_agree_in_expectation(convention, keep):
    """Averaged over all 2^H hidden masks, the thinned networks' output is the whole network's
    test-time output: exactly, for one hidden layer (the output is linear in the mask)."""
    arch = Architecture((4,), "tanh")
    w = RNG.normal(size=arch.num_weights)
    x = RNG.normal(size=(7, 2))
    expected = G.expected_thinned_output(arch, w, x, keep, convention)
    np.testing.assert_allclose(
        expected, G.whole_network_output(arch, w, x, keep, convention), rtol=1e-12
    )


def test_the_two_conventions_are_the_same_network_with_rescaled_weights():
    """Weight scaling trained at weights w′ = inverted's w with the output weights × 1/p gives
    the same thinned and the same test-time network."""
    arch, p = Architecture((5,), "tanh"), 0.6
    w = RNG.normal(size=arch.num_weights)
    start = arch.offsets()[1][0]
    w_scaled = w.copy()
    w_scaled[start : start + 5] /= p
    x = RNG.normal(size=(6, 2))
    mask = (RNG.uniform(size=5) < p).astype(float)
    inverted = G.forward_masked(arch, w, x, 1.0, mask, 1.0, 1 / p)
    weight = G.forward_masked(arch, w_scaled, x, 1.0, mask, 1.0, 1.0)
    np.testing.assert_allclose(inverted, weight, rtol=1e-12)
    np.testing.assert_allclose(
        G.whole_network_output(arch, w, x, p, "inverted"),
        G.whole_network_output(arch, w_scaled, x, p, "weight_scaling"),
        rtol=1e-12,
    )


def test_masks_keep_each_unit_with_probability_p():
    arch = Architecture((16,), "tanh")
    inputs, hidden = G.keep_masks(0, 0, 0.8, 0.5, 20_000, arch)
    assert set(np.unique(hidden)) == {0.0, 1.0}
    # binomial: standard error √(p(1−p)/N) ≈ 0.0028 (inputs), 0.0009 (hidden)
    assert abs(float(jnp.mean(inputs)) - 0.8) < 0.012
    assert abs(float(jnp.mean(hidden)) - 0.5) < 0.004
    inputs, hidden = G.keep_masks(3, 1, 1.0, 1.0, 100, arch)
    assert np.all(inputs == 1.0) and np.all(hidden == 1.0)  # p = 1 keeps every unit


def test_uniforms_are_uniform_and_independent_across_entries_draws_and_seeds():
    n = 40_000
    u = np.asarray(G.uniforms(0, 0, (n,)))
    assert np.all((u >= 0) & (u < 1))
    # χ² over 20 equal bins: 19 degrees of freedom, P(χ² > 43.8) = 0.001
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    assert np.sum((counts - n / 20) ** 2 / (n / 20)) < 43.8
    # neighbouring entries, the same entry at consecutive draws and in another seed are
    # uncorrelated: |r| within 5 standard errors 1/√n
    draws = np.asarray([G.uniforms(t, 0, (n,)) for t in (1, 2)])
    other_seed = np.asarray(G.uniforms(0, 1, (n,)))
    for a, b in ((u[:-1], u[1:]), (u, draws[0]), (draws[0], draws[1]), (u, other_seed)):
        assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(n)
    # the same draw of the same seed is the same
    np.testing.assert_array_equal(u, np.asarray(G.uniforms(0, 0, (n,))))


def _dropout_problem():
    arch = Architecture((6,), "tanh")
    data = networks.make_data("moons", n_train=32, n_test=16, seed=0, n_val=16)
    return arch, data, networks.init_weights(arch, "xavier", seed=0)


def test_dropout_steps_follow_thinned_networks_and_new_p_or_seed_compile_nothing():
    arch, data, w0 = _dropout_problem()
    reg = G.Regularizer("dropout", 0.8, 0.5, "inverted")
    run, _ = G.fit(data, arch, "cross_entropy", w0, "gd", 3, reg, learning_rate=0.5, keep=4)
    # step 1 by hand: the gradient of step 0's thinned network
    loss = G.dropout_loss(
        networks.network_loss(data, arch, "cross_entropy", "train").widened(), 0.8, 0.5, "inverted"
    )
    g = jax.grad(loss.at_step(0, 0))(arch.widen(w0))
    np.testing.assert_allclose(
        run.params[1], (arch.widen(w0) - 0.5 * np.asarray(g))[arch.widened_index()], rtol=1e-10
    )
    with CompileCounter() as compiles:
        for keep_hidden, seed, convention in ((0.3, 1, "inverted"), (0.9, 7, "weight_scaling")):
            G.fit(
                data,
                arch,
                "cross_entropy",
                w0,
                "gd",
                3,
                G.Regularizer("dropout", 0.7, keep_hidden, convention),
                learning_rate=0.5,
                seed=seed,
                keep=4,
            )
    assert compiles.count == 0


def test_keeping_every_unit_is_no_dropout():
    arch, data, w0 = _dropout_problem()
    reg = G.Regularizer("dropout", 1.0, 1.0, "weight_scaling")
    dropped, _ = G.fit(data, arch, "squared", w0, "adam", 40, reg, keep=41)
    plain = networks.train(data, arch, "squared", w0, "adam", 40, keep=41)
    np.testing.assert_allclose(dropped.params, plain.params, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(dropped.val_loss, plain.val_loss, rtol=1e-10)


def test_thinned_networks_average_to_the_whole_one():
    arch = Architecture((3,), "tanh")
    w = RNG.normal(size=arch.num_weights)
    xs = ys = np.linspace(-1, 1, 5)
    thinned, whole = G.thinned_on_grid(arch, w, xs, ys, 1.0, 0.5, "inverted", 0, 4096)
    # per point, the thinned outputs' mean is within a few standard errors of the whole one
    error = thinned.std(axis=0) / np.sqrt(4096)
    assert np.all(np.abs(thinned.mean(axis=0) - whole) <= 5 * error + 1e-12)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], 1)
    np.testing.assert_allclose(
        whole.ravel(), G.whole_network_output(arch, w, points, 0.5, "inverted"), rtol=1e-12
    )


def test_dropout_walk_steps_only_along_kept_weights():
    features = G.scaled_features(50, 1.0, 0.5, seed=1)
    path, masks = G.dropout_walk(features.x, features.y, np.zeros(2), 0.1, 0.5, 3, 200)
    steps = np.diff(path, axis=0)
    assert np.all(steps[masks == 0] == 0.0)  # a dropped weight never moves
    assert np.all(np.abs(steps[masks == 1]) > 0)
    assert 0.4 < masks.mean() < 0.6


# --- batch normalization --------------------------------------------------------------------


def test_batch_norm_gives_mean_zero_variance_one_per_unit():
    arch = Architecture((5, 4), "relu")
    w = RNG.normal(size=arch.num_weights)
    x = RNG.normal(size=(40, 2)) * 3 + 1
    weights = (RNG.uniform(size=40) < 0.5).astype(float)
    layers = arch.unflatten(w)
    z = x @ layers[0][0]
    mean, var = G.batch_statistics(z, weights)
    batch = z[weights > 0]
    np.testing.assert_allclose(mean, batch.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(var, batch.var(axis=0), rtol=1e-12)
    z_hat = (batch - mean) / np.sqrt(var + G.BN_EPS)
    np.testing.assert_allclose(z_hat.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(z_hat.var(axis=0), var / (var + G.BN_EPS), rtol=1e-12)


def test_eval_mode_with_the_batch_statistics_is_train_mode():
    arch = Architecture((4, 3), "tanh")
    w = RNG.normal(size=arch.num_weights)
    x = RNG.normal(size=(12, 2))
    ones = jnp.ones(7)
    f_train, stats = G.forward_batchnorm(arch, w, x, jnp.ones(12), ones)
    f_eval, _ = G.forward_batchnorm(arch, w, x, None, ones, stats)
    np.testing.assert_allclose(f_eval, f_train, rtol=1e-12)
    # in eval mode one example's output does not depend on the others; in train mode it does
    alone, _ = G.forward_batchnorm(arch, w, x[:3], None, ones, stats)
    np.testing.assert_allclose(alone, f_eval[:3], rtol=1e-12)
    trained_alone, _ = G.forward_batchnorm(arch, w, x[:3], jnp.ones(3), ones)
    assert not np.allclose(trained_alone, f_train[:3])


def test_running_averages_of_fixed_weights_approach_the_batch_statistics():
    arch = Architecture((3,), "tanh")
    data = networks.make_data("circles", n_train=20, n_test=4, seed=0)
    base = networks.network_loss(data, arch, "squared", "train")
    loss = G.BatchNormLoss(base.inputs, base.targets, arch, "squared", jnp.ones(3))
    w = RNG.normal(size=arch.num_weights)
    path = np.tile(w, (11, 1))
    means, variances = G.running_statistics(loss, path)
    _, (mu, var) = G.forward_batchnorm(arch, w, base.inputs, jnp.ones(20), jnp.ones(3))
    t = np.arange(11)[:, None]
    np.testing.assert_allclose(means, (1 - 0.9**t) * np.asarray(mu), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(variances, 0.9**t + (1 - 0.9**t) * np.asarray(var), rtol=1e-12)


def test_batchnorm_fit_reports_its_statistics():
    arch, data, w0 = _dropout_problem()
    run, state = G.fit(
        data, arch, "cross_entropy", w0, "adam", 60, G.Regularizer("batchnorm"), keep=61
    )
    assert state.batch_mean.shape == (6,) and state.running_var.shape == (6,)
    assert np.all(np.isfinite(run.test_loss)) and np.all(np.isfinite(run.val_loss))
    # the last running mean is 0.9 × the one before + 0.1 × the batch mean of the step before
    loss = networks.network_loss(data, arch, "cross_entropy", "train")
    bn = G.BatchNormLoss(loss.inputs, loss.targets, arch, "cross_entropy", jnp.ones(6))
    full, _ = G.fit(data, arch, "cross_entropy", w0, "adam", 60, G.Regularizer("batchnorm"))
    means, _ = G.running_statistics(bn, full.params)
    np.testing.assert_allclose(state.running_mean, means[-1], rtol=1e-9, atol=1e-12)


# --- augmentation and labels ----------------------------------------------------------------


def test_transforms_are_the_named_isometries():
    x = np.array([[1.0, 2.0], [-3.0, 0.5]])
    np.testing.assert_array_equal(G.transform_points(x, "flip_x1"), [[-1, 2], [3, 0.5]])
    np.testing.assert_array_equal(G.transform_points(x, "flip_x2"), [[1, -2], [-3, -0.5]])
    np.testing.assert_array_equal(G.transform_points(x, "swap"), [[2, 1], [0.5, -3]])
    np.testing.assert_array_equal(G.transform_points(x, "rotate90"), [[-2, 1], [-0.5, -3]])
    np.testing.assert_array_equal(G.transform_points(x, "rotate180"), -x)
    turned = G.transform_points(x, "rotate", np.array([np.pi / 2, np.pi]))
    np.testing.assert_allclose(turned, [[-2, 1], [3, -0.5]], atol=1e-15)
    for name in G.TRANSFORMS:  # isometries: norms kept
        moved = G.transform_points(x, name, np.array([0.3, 2.0]))
        np.testing.assert_allclose(np.linalg.norm(moved, axis=1), np.linalg.norm(x, axis=1))


def test_augment_pads_copies_labels_and_jitters():
    x = RNG.normal(size=(30, 2))
    y = (RNG.uniform(size=30) < 0.5).astype(float)
    aug = G.augment(x, y, 2 * y - 1, ("rotate180",), 3, 0.0)
    assert aug.x.shape == (30 * (G.MAX_COPIES + 1), 2)
    assert aug.weights.sum() == 30 * 4
    np.testing.assert_array_equal(aug.x[30:60], -x)
    np.testing.assert_array_equal(aug.y[30:60], y)
    still = G.augment(x, y, y, (), 8, 0.2, seed=1)
    noise = (still.x[30:] - np.tile(x, (8, 1))).ravel()
    assert abs(noise.std() - 0.2) < 0.02  # 480 draws: standard error ≈ 0.0065
    with pytest.raises(ValueError, match="copies"):
        G.augment(x, y, y, (), G.MAX_COPIES + 1, 0.0)
    with pytest.raises(ValueError, match="transform"):
        G.augment(x, y, y, ("shear",), 1, 0.0)


def test_reflecting_xor_breaks_every_label_and_rotating_circles_breaks_none():
    data = networks.make_data("xor", n_train=200, n_test=1, noise=0.0, seed=0)
    flipped = G.transform_points(data.x_train, "flip_x1")
    assert np.all((flipped[:, 0] * flipped[:, 1] > 0) != (data.y_train > 0.5))
    swapped = G.transform_points(data.x_train, "swap")
    assert np.all((swapped[:, 0] * swapped[:, 1] > 0) == (data.y_train > 0.5))


def test_weighted_examples_train_on_the_weighted_mean():
    arch, data, w0 = _dropout_problem()
    aug = G.augment(data.x_train, data.y_train, data.t_train, (), 0, 0.0)
    bigger = G.with_training_set(data, aug.x, aug.y, aug.t)
    padded, _ = G.fit(bigger, arch, "squared", w0, "gd", 5, train_weights=aug.weights, keep=6)
    plain = networks.train(data, arch, "squared", w0, "gd", 5, keep=6)
    np.testing.assert_allclose(padded.params, plain.params, rtol=1e-11, atol=1e-14)


def test_dropout_on_weighted_examples_steps_along_the_weighted_thinned_network():
    """Dropout and augmentation together: each step follows the gradient of the weighted
    mean over the thinned network of that step, and the weights count (padding is ignored)."""
    arch, data, w0 = _dropout_problem()
    aug = G.augment(data.x_train, data.y_train, data.t_train, ("swap",), 2, 0.1, seed=4)
    bigger = G.with_training_set(data, aug.x, aug.y, aug.t)
    reg = G.Regularizer("dropout", 0.8, 0.5, "inverted")
    run, _ = G.fit(
        bigger,
        arch,
        "cross_entropy",
        w0,
        "gd",
        2,
        reg,
        train_weights=aug.weights,
        keep=3,
        learning_rate=0.5,
        seed=5,
    )
    loss = G.dropout_loss(
        networks.network_loss(bigger, arch, "cross_entropy", "train").widened(),
        0.8,
        0.5,
        "inverted",
    )
    weights = jnp.asarray(aug.weights)
    thinned = loss.at_step(0, 5)
    g = jax.grad(lambda w: thinned.weighted(w, weights))(arch.widen(w0))
    step = arch.widen(w0) - 0.5 * np.asarray(g)
    np.testing.assert_allclose(run.params[1], step[arch.widened_index()], rtol=1e-10)
    # neither the whole network's step nor one that counts the padded copies
    whole = jax.grad(lambda w: loss.weighted(w, weights))(arch.widen(w0))
    unweighted = jax.grad(thinned)(arch.widen(w0))
    for other in (whole, unweighted):
        moved = (arch.widen(w0) - 0.5 * np.asarray(other))[arch.widened_index()]
        assert np.max(np.abs(moved - run.params[1])) > 1e-3


def test_flip_labels_flips_the_asked_fraction_of_training_labels_only():
    data = networks.make_data("moons", n_train=4000, n_test=50, seed=0, n_val=50)
    noisy = G.flip_labels(data, 0.2, seed=0)
    changed = noisy.y_train != data.y_train
    assert abs(changed.mean() - 0.2) < 0.02
    np.testing.assert_array_equal(noisy.t_train[changed], -data.t_train[changed])
    np.testing.assert_array_equal(noisy.y_test, data.y_test)
    np.testing.assert_array_equal(noisy.y_val, data.y_val)


# --- input normalization --------------------------------------------------------------------


def test_kappa_from_the_covariance_before_and_after():
    features = G.scaled_features(500, 10.0, 0.8, seed=2)
    loss = G.LinearLoss(jnp.asarray(features.x), jnp.asarray(features.y))
    hessian = np.asarray(jax.hessian(loss)(jnp.zeros(2)))
    np.testing.assert_allclose(G.linear_hessian(features), hessian, rtol=1e-12)
    values = np.linalg.eigvalsh(hessian)
    assert G.condition_number(features) == pytest.approx(values[1] / values[0], rel=1e-12)
    assert G.condition_number(features) > 100
    standard = G.normalize(features, "standardized")
    r = np.corrcoef(features.x.T)[0, 1]
    assert G.condition_number(standard) == pytest.approx((1 + abs(r)) / (1 - abs(r)), rel=1e-10)
    np.testing.assert_allclose(standard.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(standard.x.std(axis=0), 1, rtol=1e-12)
    assert G.condition_number(G.normalize(features, "whitened")) == pytest.approx(1, rel=1e-10)


@pytest.mark.parametrize("how", G.NORMALIZATIONS)
def test_gd_at_the_best_rate_needs_the_closed_form_number_of_steps(how):
    features = G.normalize(G.scaled_features(200, 5.0, 0.7, seed=0), how)
    race = G.gd_race(features, np.array([-1.0, 2.0]), tol=1e-3, steps=4000)
    values = np.linalg.eigvalsh(G.linear_hessian(features))
    assert race.learning_rate == pytest.approx(2 / (values[0] + values[1]), rel=1e-12)
    # in 2-D at ε* both eigen-directions shrink by exactly (κ − 1)/(κ + 1) per step
    assert race.measured_steps is not None
    assert race.predicted_steps - 1 <= race.measured_steps <= race.predicted_steps


def test_label_agreement_finds_the_symmetries():
    assert G.label_agreement("xor", "flip_x1") < 0.05  # a reflection changes every XOR label
    assert G.label_agreement("xor", "swap") > 0.95
    assert G.label_agreement("xor", "rotate180") > 0.95
    assert G.label_agreement("circles", "rotate") > 0.95  # every rotation keeps a circle
    assert G.label_agreement("spirals", "rotate180") < 0.2  # the two arms trade places


# --- one program for many settings ----------------------------------------------------------


def test_plain_fit_evaluates_every_split_like_networks_train():
    """The three splits are evaluated in one padded call: the same numbers as one call each."""
    arch, data, w0 = _dropout_problem()
    run, _ = G.fit(data, arch, "cross_entropy", w0, "adam", 30, keep=11, learning_rate=0.05)
    plain = networks.train(data, arch, "cross_entropy", w0, "adam", 30, keep=11, learning_rate=0.05)
    for name in ("test_loss", "val_loss", "train_accuracy", "test_accuracy", "val_accuracy"):
        np.testing.assert_allclose(getattr(run, name), getattr(plain, name), rtol=1e-12)
    points = G.evaluation_set(data, "cross_entropy")
    assert len(points.labels) % G.EVAL_BUCKET == 0
    np.testing.assert_array_equal(points.segments.sum(axis=1), [32, 16, 16])


def test_weighted_training_accuracy_counts_only_weighted_points():
    arch, data, w0 = _dropout_problem()
    weights = np.zeros(len(data.y_train))
    weights[:5] = 1.0
    run, _ = G.fit(data, arch, "squared", w0, "gd", 3, train_weights=weights, keep=4)
    f = networks.forward(arch, run.params[-1], data.x_train[:5])
    assert run.train_accuracy[-1] == pytest.approx(np.mean((f > 0) == (data.y_train[:5] > 0.5)))


def test_batchnorm_runs_of_one_step_bucket_share_their_programs():
    arch, data, w0 = _dropout_problem()
    reg = G.Regularizer("batchnorm")
    G.fit(data, arch, "cross_entropy", w0, "adam", 150, reg, keep=11)
    with CompileCounter() as compiles:
        run, _ = G.fit(data, arch, "cross_entropy", w0, "adam", 200, reg, keep=11)
    assert compiles.count == 0
    # the running averages of the padded path are those of the path itself
    loss = networks.network_loss(data, arch, "cross_entropy", "train").widened()
    bn = G.BatchNormLoss(loss.inputs, loss.targets, loss.arch, "cross_entropy", loss.unit_mask)
    path = np.tile(arch.widen(run.params[-1]), (7, 1))
    means, _ = G.running_statistics(bn, path)
    mu, _ = G._full_batch_statistics(bn, path[0])
    t = np.arange(7)[:, None]
    np.testing.assert_allclose(means, (1 - 0.9**t) * np.asarray(mu), rtol=1e-12, atol=1e-15)
