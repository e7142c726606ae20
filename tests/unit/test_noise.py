"""optim.noise against closed forms, NumPy loops and brute force: the lecture's exercise on
Adam, the rules replayed on a gradient series, the noise ball of SGD (theory for independent
minibatches against simulation, √ε for small ε, the runner's reshuffled SGD), examples seen,
the coarse critical-point search of minibatch surfaces, and safe parsing of typed series."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg

import landscapes
import optim
from landscapes import geometry
from landscapes.datasets import DataLoss, linear_squared_error
from optim import noise

LECTURE = noise.repeat_patterns(noise.LECTURE_SERIES, 200)
RANDOM = np.random.default_rng(7).normal(0.3, 1.0, (60, 3))


# --- parsing typed series -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.1, 0.9", (1.1, 0.9)),
        ("1.1,-0.9", (1.1, -0.9)),
        ("1.1 −0.9", (1.1, -0.9)),  # a typed minus sign, separated by a space
        (" 0.1 ", (0.1,)),
        ("2e-3; .5; +4", (0.002, 0.5, 4.0)),
        ("1,,2", (1.0, 2.0)),
    ],
)
def test_parse_series_reads_plain_numbers(text, expected):
    assert noise.parse_series(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  , ",
        "abc",
        "nan",
        "inf",
        "1e400",
        "2000",
        "2**3",
        "1_000",
        "0x10",
        "__import__('os').system('ls')",
        "1, 2, (3)",
        ", ".join(["1"] * (noise.MAX_SERIES_LENGTH + 1)),
    ],
)
def test_parse_series_rejects_anything_else_with_a_message(text):
    with pytest.raises(ValueError, match=r"\w"):
        noise.parse_series(text)


def test_parse_series_names_the_bad_piece():
    with pytest.raises(ValueError, match="“x1” is not a number"):
        noise.parse_series("1.1, x1, 0.9")


def test_repeat_patterns_cycles_each_weight():
    g = noise.repeat_patterns(((1.0, 2.0), (5.0,), (1.0, 2.0, 3.0)), 7)
    np.testing.assert_array_equal(g[:, 0], [1, 2, 1, 2, 1, 2, 1])
    np.testing.assert_array_equal(g[:, 1], [5] * 7)
    np.testing.assert_array_equal(g[:, 2], [1, 2, 3, 1, 2, 3, 1])
    with pytest.raises(ValueError):
        noise.repeat_patterns(((1.0,), ()), 5)


# --- the lecture's exercise -----------------------------------------------------------------


def test_long_run_moments_are_the_lectures_numbers():
    moments = noise.long_run_moments(noise.LECTURE_SERIES)
    np.testing.assert_allclose(moments.mean, [1.0, 0.1, 0.1], rtol=1e-12)
    np.testing.assert_allclose(moments.mean_square, [1.01, 0.01, 1.01], rtol=1e-12)
    # ⟨g⟩/√⟨g²⟩ = 1/√1.01, 1, 0.1/√1.01: "≈ 1.0, 1.0, 0.1"
    np.testing.assert_allclose(moments.ratio, [1 / np.sqrt(1.01), 1.0, 0.1 / np.sqrt(1.01)])
    np.testing.assert_allclose(moments.ratio, [1.0, 1.0, 0.1], atol=0.005)
    assert noise.long_run_moments(((0.0, 0.0),)).ratio[0] == 0.0  # no 0/0
    # the exercise's quotient without the root: 1/1.01, 0.1/0.01 = 10, 0.1/1.01
    np.testing.assert_allclose(moments.over_mean_square, [1 / 1.01, 10.0, 0.1 / 1.01])
    assert noise.long_run_moments(((0.0, 0.0),)).over_mean_square[0] == 0.0
    doubled = noise.long_run_moments([[2 * g for g in p] for p in noise.LECTURE_SERIES])
    np.testing.assert_allclose(doubled.ratio, moments.ratio)  # mean/RMS is scale-free
    np.testing.assert_allclose(doubled.over_mean_square, moments.over_mean_square / 2)


def _numpy_adam_moments(g, b1, b2):
    s, r = np.zeros(g.shape[1]), np.zeros(g.shape[1])
    means, squares = [], []
    for t, gt in enumerate(g, start=1):
        s = b1 * s + (1 - b1) * gt
        r = b2 * r + (1 - b2) * gt * gt
        means.append(s / (1 - b1**t))
        squares.append(r / (1 - b2**t))
    return np.array(means), np.array(squares)


@pytest.mark.parametrize("series", [LECTURE, RANDOM], ids=["lecture", "random"])
@pytest.mark.parametrize(("b1", "b2"), [(0.9, 0.999), (0.5, 0.9)])
def test_adam_statistics_match_a_numpy_loop(series, b1, b2):
    stats = noise.adam_statistics(series, b1, b2)
    mean, square = _numpy_adam_moments(series, b1, b2)
    np.testing.assert_allclose(stats.mean, mean, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(stats.second_moment, square, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(stats.ratio, mean / np.sqrt(square), rtol=1e-12)


def test_adams_running_statistics_reproduce_the_lecture():
    stats = noise.adam_statistics(LECTURE)  # ρ₁ = 0.9, ρ₂ = 0.999
    late = slice(100, None)
    np.testing.assert_allclose(stats.mean[late].mean(0), [1.0, 0.1, 0.1], atol=0.01)
    np.testing.assert_allclose(stats.second_moment[late].mean(0), [1.01, 0.01, 1.01], atol=0.01)
    np.testing.assert_allclose(stats.ratio[late].mean(0), [1.0, 1.0, 0.1], atol=0.01)


def test_adam_moves_w1_and_w2_equally_fast_and_w3_ten_times_slower():
    speed = noise.average_step(noise.replay("adam", LECTURE), skip=100)
    assert speed[0] / speed[1] == pytest.approx(1.0, abs=0.01)  # despite a 10× gradient
    assert speed[0] / speed[2] == pytest.approx(10.0, rel=0.01)


def _numpy_steps(name, g, hp):
    """−Δw/ε of each rule, written out again (Goodfellow et al. 2016, Alg. 8.1–8.7)."""
    d = g.shape[1]
    v, r, s = np.zeros(d), np.zeros(d), np.zeros(d)
    steps = []
    for t, gt in enumerate(g, start=1):
        if name == "gd":
            step = gt
        elif name == "momentum":
            v = hp["momentum"] * v - gt
            step = -v
        elif name == "adagrad":
            r = r + gt * gt
            step = gt / (hp["eps"] + np.sqrt(r))
        elif name == "rmsprop":
            r = hp["decay"] * r + (1 - hp["decay"]) * gt * gt
            step = gt / np.sqrt(hp["eps"] + r)
        else:  # adam
            s = hp["b1"] * s + (1 - hp["b1"]) * gt
            r = hp["b2"] * r + (1 - hp["b2"]) * gt * gt
            step = (s / (1 - hp["b1"] ** t)) / (np.sqrt(r / (1 - hp["b2"] ** t)) + hp["eps"])
        steps.append(step)
    return np.array(steps)


@pytest.mark.parametrize(
    ("name", "hp"),
    [
        ("gd", {}),
        ("momentum", {"momentum": 0.9}),
        ("momentum", {"momentum": 0.5}),
        ("adagrad", {"eps": 1e-7}),
        ("rmsprop", {"decay": 0.9, "eps": 1e-6}),
        ("adam", {"b1": 0.9, "b2": 0.999, "eps": 1e-8}),
        ("adam", {"b1": 0.8, "b2": 0.99, "eps": 1e-3}),
    ],
)
@pytest.mark.parametrize("series", [LECTURE, RANDOM], ids=["lecture", "random"])
def test_replay_runs_each_rule_as_a_numpy_loop_would(name, hp, series):
    run = noise.replay(name, series, **hp)
    np.testing.assert_allclose(run.steps, _numpy_steps(name, series, hp), rtol=1e-10, atol=1e-13)


def test_average_steps_of_gd_and_momentum_have_closed_forms():
    mean = noise.long_run_moments(noise.LECTURE_SERIES).mean
    gd = noise.average_step(noise.replay("gd", LECTURE), skip=100)
    np.testing.assert_allclose(gd, mean, rtol=1e-12)  # ε·⟨g⟩ per step
    for alpha in (0.5, 0.9):
        momentum = noise.average_step(noise.replay("momentum", LECTURE, momentum=alpha), skip=100)
        # the velocity sums 1 + α + α² + … gradients: ε⟨g⟩/(1 − α) per step
        np.testing.assert_allclose(momentum, mean / (1 - alpha), rtol=1e-3)


def test_replay_refuses_rules_that_need_more_than_the_series():
    for name in ("nesterov", "rmsprop_nesterov", "newton", "adamw"):
        with pytest.raises(ValueError, match="needs more than the gradient series"):
            noise.replay(name, LECTURE)
    with pytest.raises(ValueError, match="unknown optimizer"):
        noise.replay("sgd++", LECTURE)
    with pytest.raises(ValueError, match="finite"):
        noise.replay("adam", np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError):
        noise.replay("adam", LECTURE, b1=1.5)
    with pytest.raises(ValueError):
        noise.average_step(noise.replay("gd", LECTURE), skip=200)


def test_new_hyperparameters_and_series_values_do_not_recompile():
    noise.replay("adam", LECTURE, b1=0.9)
    before = noise._replay._cache_size()
    noise.replay("adam", LECTURE * 2.0, b1=0.5, b2=0.9, eps=1e-4)
    noise.adam_statistics(RANDOM[:1].repeat(200, 0), 0.7, 0.99)
    assert noise._replay._cache_size() == before


# --- the noise ball ---------------------------------------------------------------------------


def test_distances_and_radius_match_brute_force():
    rng = np.random.default_rng(3)
    params = rng.normal(size=(5, 7, 2))
    minima = np.array([[0.5, 0.5], [-1.0, 2.0]])
    brute = np.array([[min(np.linalg.norm(p - m) for m in minima) for p in run] for run in params])
    np.testing.assert_allclose(noise.distances_to_nearest(params, minima), brute)
    np.testing.assert_allclose(noise.cloud_radius(params, minima), np.sqrt((brute**2).mean(0)))
    assert noise.stationary_radius(params, minima, 3) == pytest.approx(
        np.sqrt((brute[:, 3:] ** 2).mean())
    )
    with pytest.raises(ValueError):
        noise.stationary_radius(params, minima, 7)


def test_count_negative_counts_runs_on_each_side():
    params = np.zeros((4, 3, 2))
    params[:, 1, 0] = [-1.0, 2.0, -0.5, 0.0]
    params[:, 2, 0] = [1.0, 1.0, -3.0, 1.0]
    np.testing.assert_array_equal(noise.count_negative(params, 0, (0, 1, 2)), [0, 2, 1])


def _regression(n=128, correlation=0.0):
    return landscapes.get_dataset("correlated_regression", n=n, correlation=correlation)


def _simulate_independent_sgd(data, lr, batch_size, chains=1000, steps=1500, burn_in=300):
    """Brute force: SGD on the regression, each step B examples drawn without replacement,
    independently of every other step; every chain starts at w*. Returns the RMS radius."""
    x, y = np.asarray(data.loss.inputs), np.asarray(data.loss.targets)
    w_star = data.minimum
    rng = np.random.default_rng(11)
    w = np.tile(w_star, (chains, 1))
    total, count = 0.0, 0
    for t in range(steps):
        if batch_size == 1:
            picks = rng.integers(0, len(y), (chains, 1))
        else:
            picks = np.argpartition(rng.random((chains, len(y))), batch_size, axis=1)
            picks = picks[:, :batch_size]
        xb, yb = x[picks], y[picks]
        residual = np.einsum("cbi,ci->cb", xb, w) - yb
        w = w - lr * np.einsum("cb,cbi->ci", residual, xb) / batch_size
        if t >= burn_in:
            total += np.sum((w - w_star) ** 2)
            count += chains
    return np.sqrt(total / count)


@pytest.mark.parametrize(("lr", "batch_size"), [(0.08, 1), (0.02, 1), (0.2, 8)])
def test_noise_ball_theory_matches_a_simulation_of_independent_minibatches(lr, batch_size):
    data = _regression(correlation=0.5)
    theory = noise.independent_batch_noise_ball(data.loss, data.minimum, lr, batch_size)
    simulated = _simulate_independent_sgd(data, lr, batch_size)
    assert theory.radius == pytest.approx(simulated, rel=0.03)
    assert theory.radius**2 == pytest.approx(np.trace(theory.covariance))


def test_noise_ball_grows_like_the_root_of_the_learning_rate():
    """For small ε, M ≈ ε L⁻¹(f Cov(bᵢ)) with L(M) = HM + MH (a Lyapunov equation): the
    radius over √ε tends to a constant; at ε = 10⁻³ it is within 0.2 % of it."""
    data = _regression(correlation=0.9)
    x, y = np.asarray(data.loss.inputs), np.asarray(data.loss.targets)
    n, batch_size = len(y), 4
    h = x.T @ x / n
    b = x * (x @ data.minimum - y)[:, None]
    f = (n - batch_size) / (batch_size * (n - 1))
    limit = scipy.linalg.solve_continuous_lyapunov(h, f * np.cov(b.T, bias=True))  # M/ε
    constant = np.sqrt(np.trace(limit))
    radii = {
        lr: noise.independent_batch_noise_ball(data.loss, data.minimum, lr, batch_size).radius
        for lr in (1e-3, 4e-3)
    }
    assert radii[1e-3] / np.sqrt(1e-3) == pytest.approx(constant, rel=2e-3)
    assert radii[4e-3] / radii[1e-3] == pytest.approx(2.0, rel=0.01)  # 4 × ε: 2 × radius


def test_no_noise_for_the_full_batch_and_no_ball_past_stability():
    data = _regression()
    assert noise.independent_batch_noise_ball(data.loss, data.minimum, 0.1, data.loss.n).radius == 0
    unstable = noise.independent_batch_noise_ball(data.loss, data.minimum, 5.0, 1)
    assert unstable.radius == np.inf
    with pytest.raises(ValueError):
        noise.independent_batch_noise_ball(data.loss, data.minimum, 0.1, data.loss.n + 1)
    with pytest.raises(ValueError):
        noise.independent_batch_noise_ball(data.loss, data.minimum, -0.1, 4)


def test_reshuffled_sgd_of_the_runner_against_the_theory():
    """The runner's SGD walks through a fresh shuffle every epoch. With long epochs (B = 1,
    128 steps an epoch, ελ ≈ 0.16 so a run forgets its past in ~6 steps) its ball is the
    independent-minibatch ball within 5 %. With short epochs (B = 8, 16 steps, ε = 0.01, a
    run needs ~100 steps to forget) the kicks of an epoch cancel: the ball is less than half
    the theory's, and halving ε halves it (within 15 %) where the theory's shrinks by √2.
    Smaller ε always gives a smaller ball. One call, 4 × 32 runs."""
    data = _regression()
    settings = [(0.16, 1), (0.04, 1), (0.01, 8), (0.005, 8)]
    seeds = np.tile(np.arange(32), len(settings))
    lrs = np.repeat([lr for lr, _ in settings], 32)
    sizes = np.repeat([b for _, b in settings], 32)
    runs = optim.run_batch(
        data.loss, data.minimum, "gd", 1024, learning_rate=lrs, batch_size=sizes, seed=seeds
    )
    measured = [
        noise.stationary_radius(runs.params[32 * i : 32 * (i + 1)], [data.minimum], 256)
        for i in range(len(settings))
    ]
    theory = [
        noise.independent_batch_noise_ball(data.loss, data.minimum, lr, b).radius
        for lr, b in settings
    ]
    assert measured[0] == pytest.approx(theory[0], rel=0.05)
    assert measured[1] < measured[0]
    assert measured[2] < 0.5 * theory[2]
    assert measured[2] / measured[3] == pytest.approx(2.0, rel=0.15)
    assert theory[2] / theory[3] == pytest.approx(np.sqrt(2.0), rel=0.02)


def test_a_decaying_learning_rate_shrinks_the_ball():
    data = _regression()
    seeds = np.arange(16)
    common = dict(learning_rate=0.1, batch_size=4, seed=seeds)
    constant = optim.run_batch(data.loss, data.minimum, "gd", 512, **common)
    decayed = optim.run_batch(
        data.loss, data.minimum, "gd", 512, schedule="exponential", decay_rate=0.01, **common
    )
    late = 512 - 64
    ball = noise.stationary_radius(constant.params, [data.minimum], late)
    shrunk = noise.stationary_radius(decayed.params, [data.minimum], late)
    # ε has fallen by e^{−4.5} ≈ 1/90 by then: the ball is several times smaller
    assert shrunk < ball / 3


_minibatch_grads = jax.jit(
    jax.vmap(lambda data, w, k, b, s: data.stochastic_grad(w, k, b, s), (None, None, 0, None, None))
)


@pytest.mark.parametrize("name", landscapes.DATASETS)
@pytest.mark.parametrize("batch_size", [1, 5, 16, 50])
def test_an_epochs_minibatch_gradients_average_to_the_full_gradient(name, batch_size):
    """What the SGD tab says: weighted by their sizes, the gradients of one epoch's
    minibatches add up to the full-batch gradient, at any point."""
    data = landscapes.get_dataset(name, n=64)
    count = int(data.loss.num_batches(batch_size))
    sizes = noise.minibatch_sizes(data.loss.n, batch_size, count)
    for w in np.random.default_rng(5).uniform(-1.5, 1.5, (3, 2)):
        grads = np.asarray(_minibatch_grads(data.loss, w, jnp.arange(count), batch_size, 9))
        average = (sizes[:, None] * grads).sum(0) / sizes.sum()
        np.testing.assert_allclose(average, jax.grad(data.loss)(w), rtol=1e-10, atol=1e-12)


# --- batch, minibatch, online: examples seen ------------------------------------------------


def _tiny(n=10) -> DataLoss:
    x = np.random.default_rng(0).normal(size=(n, 2))
    return DataLoss(jnp.asarray(x), jnp.asarray(x.sum(1)), "tiny", linear_squared_error)


_masks = jax.jit(
    jax.vmap(lambda data, k, b, s: data.minibatch_weights(k, b, s), in_axes=(None, 0, None, None))
)


@pytest.mark.parametrize("batch_size", [1, 3, 4, 7, 10, None])
def test_examples_seen_counts_the_runners_minibatches(batch_size):
    data, steps = _tiny(), 13
    sizes = noise.minibatch_sizes(data.n, batch_size, steps)
    if batch_size is None:
        brute = np.full(steps, data.n)
    else:
        brute = np.asarray(_masks(data, jnp.arange(steps), batch_size, 5)).sum(axis=1)
    np.testing.assert_array_equal(sizes, brute)
    seen = noise.examples_seen(data.n, batch_size, steps)
    np.testing.assert_array_equal(seen, np.concatenate([[0], np.cumsum(brute)]))


def test_examples_seen_of_batch_and_online_learning():
    np.testing.assert_array_equal(noise.examples_seen(128, None, 4), [0, 128, 256, 384, 512])
    np.testing.assert_array_equal(noise.examples_seen(128, 1, 3), [0, 1, 2, 3])
    # one epoch of minibatches sees every example exactly once
    assert noise.examples_seen(100, 7, 15)[-1] == 100
    with pytest.raises(ValueError):
        noise.minibatch_sizes(10, 11, 3)


# --- critical points of minibatch surfaces ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "batch_size", "k"),
    [
        ("correlated_regression", 4, 1),
        ("tanh_network", 4, 1),
        ("tanh_network", 16, 0),
        ("tanh_network", 8, 5),
        ("correlated_regression", 32, 2),
        ("moons_logistic", 8, 2),
        ("moons_logistic", 32, 0),
    ],
)
def test_the_coarse_surface_search_finds_what_the_thorough_one_finds(name, batch_size, k):
    data = landscapes.get_dataset(name)
    loss = data.loss.minibatch(k, batch_size, 3)
    thorough = landscapes.critical_points(loss, data.bounds)  # 40 × 40 seeds, 100 iterations
    coarse = geometry.surface_critical_points(loss, data.bounds)
    assert sorted(p.kind for p in coarse) == sorted(p.kind for p in thorough)
    for point in thorough:
        assert any(q.kind == point.kind and np.allclose(q.w, point.w, atol=1e-6) for q in coarse), (
            point
        )


def test_minibatch_surfaces_searched_together_match_one_search_each():
    """The page's one call for all minibatches (padded to a fixed number of slots) finds what
    a search of each minibatch on its own finds."""
    data = landscapes.get_dataset("tanh_network")
    losses = [data.loss.minibatch_on_its_examples(k, 8, 2) for k in range(3)]
    together = geometry.surface_critical_points_of_each(losses, data.bounds, slots=5)
    assert len(together) == 3
    for loss, found in zip(losses, together, strict=True):
        alone = geometry.surface_critical_points(loss, data.bounds)
        assert len(found) == len(alone)
        for p in found:  # the order of mirror minima (equal losses) may differ by round-off
            assert any(q.kind == p.kind and np.allclose(q.w, p.w, atol=1e-9) for q in alone), p
    with pytest.raises(ValueError, match="1 to 5 losses"):
        geometry.surface_critical_points_of_each(losses * 2, data.bounds, slots=5)


@pytest.mark.parametrize("name, batch_size", [("tanh_network", 8), ("moons_logistic", 64)])
def test_the_full_batch_searched_with_its_minibatches_as_weights_finds_the_same_points(
    name, batch_size
):
    """The minibatch page's one search: the full batch and its minibatches, each as weights
    over all n examples, find what the full batch alone and each minibatch on its own
    examples find."""
    data = landscapes.get_dataset(name)
    n = data.loss.n
    full = data.loss.minibatch(0, n, 0)
    weighted = [data.loss.minibatch(k, batch_size, 1) for k in range(3)]
    own = [data.loss.minibatch_on_its_examples(k, batch_size, 1) for k in range(3)]
    together = geometry.surface_critical_points_of_each([full, *weighted], data.bounds, slots=8)
    alone = [geometry.surface_critical_points(loss, data.bounds) for loss in (full, *own)]
    for found, expected in zip(together, alone, strict=True):
        assert len(found) == len(expected) > 0
        for p in found:
            assert any(q.kind == p.kind and np.allclose(q.w, p.w, atol=1e-8) for q in expected), p


def test_at_the_saddle_downhill_turns_for_some_minibatch():
    """The "downhill turns" scene (tanh unit, B = 4, seeds 0): every minibatch keeps the saddle
    at the origin; its Hessian there is [[0, −c_B], [−c_B, 0]] with c_B = mean_B(x·y), so the
    downhill direction is (1, 1) where c_B > 0 (toward the full batch's minima) and (1, −1)
    where c_B < 0 — which happens for one of the seven minibatches drawn."""
    data = landscapes.get_dataset("tanh_network")
    x, y = np.asarray(data.loss.inputs), np.asarray(data.loss.targets)
    turned = 0
    for k in range(7):
        mask = np.asarray(data.loss.minibatch_weights(k, 4, 0))
        saddle = next(
            p
            for p in geometry.surface_critical_points(data.loss.minibatch(k, 4, 0), data.bounds)
            if p.kind == "saddle" and np.allclose(p.w, 0.0, atol=1e-8)
        )
        downhill = saddle.eigenvectors[:, 0]
        c = np.sum(mask * x * y) / mask.sum()
        assert saddle.eigenvalues == pytest.approx([-abs(c), abs(c)], rel=1e-8)
        assert np.sign(downhill[0] * downhill[1]) == np.sign(c)
        turned += c < 0
    assert turned >= 1
