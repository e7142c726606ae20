"""The runner: batching, schedules, clipping, penalties, divergence, compilation, bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import landscapes
import optim
from optim.run import bucket
from tests.compiles import CompileCounter

ROSEN = landscapes.get_surface("rosenbrock")


COUNTER = CompileCounter()


def test_results_are_float64_and_start_at_w0():
    t = optim.run(ROSEN.loss, [-1.5, 2.0], "adam", steps=37, learning_rate=0.01)
    assert t.params.dtype == np.float64 and t.loss.dtype == np.float64
    assert t.params.shape == (38, 2) and t.loss.shape == (38,) and t.grad.shape == (38, 2)
    np.testing.assert_array_equal(t.params[0], [-1.5, 2.0])
    np.testing.assert_allclose(t.loss, [float(ROSEN.loss(w)) for w in t.params], rtol=1e-12)
    np.testing.assert_allclose(t.grad[5], jax.grad(ROSEN.loss)(t.params[5]), rtol=1e-12)
    np.testing.assert_allclose(t.internals["v"][1:], np.diff(t.params, axis=0), atol=1e-15)
    assert set(t.internals) == {"v", "s", "r"}


def test_no_recompile_when_numbers_change():
    rng = np.random.default_rng(0)
    ravine = landscapes.get_surface("ravine")
    optim.run(ravine.loss, [1.0, 1.0], "adam", steps=200, learning_rate=0.1, clip="norm")
    optim.run_batch(
        ravine.loss,
        rng.normal(size=(8, 2)),
        "momentum",
        100,
        learning_rate=rng.uniform(0.01, 0.1, 8),
    )
    landscapes.loss_grid(ravine.loss, ravine.bounds, 50)
    with COUNTER:
        for _ in range(25):
            s = landscapes.get_surface(
                "ravine", kappa=rng.uniform(1, 100), angle=rng.uniform(-90, 90)
            )
            optim.run(
                s.loss,
                rng.normal(size=2),
                "adam",
                steps=int(rng.integers(129, 256)),
                learning_rate=rng.uniform(1e-3, 1),
                b1=rng.uniform(0, 0.99),
                b2=rng.uniform(0.9, 0.999),
                eps=10 ** rng.uniform(-10, -2),
                clip="norm",
                clip_threshold=rng.uniform(0.1, 10),
                l2=rng.uniform(0, 0.1),
            )
            optim.run_batch(
                s.loss,
                rng.normal(size=(8, 2)),
                "momentum",
                100,
                learning_rate=rng.uniform(0.01, 0.1, 8),
                momentum=rng.uniform(0, 0.99),
            )
            landscapes.loss_grid(s.loss, ((-rng.uniform(1, 9), 1.0), (-1.0, 2.0)), 50)
    assert COUNTER.count == 0


def test_step_buckets_bound_the_number_of_compilations():
    assert bucket(1) == 32 and bucket(32) == 32 and bucket(33) == 64 and bucket(1000) == 1024
    lengths = {bucket(s) for s in range(0, 2001)}
    assert len(lengths) <= 8


def test_batch_equals_single_runs():
    # (on a quadratic: Rosenbrock is chaotic enough to amplify vmap's last-bit differences)
    ravine = landscapes.get_surface("ravine", kappa=30.0, angle=20.0)
    starts = np.array([[-4.5, 2.0], [0.5, -0.5], [3.2, 1.2]])
    lrs = np.array([0.1, 0.5, 1.5])
    b = optim.run_batch(ravine.loss, starts, "nesterov", 300, learning_rate=lrs, momentum=0.9)
    for i in range(3):
        t = optim.run(ravine.loss, starts[i], "nesterov", 300, learning_rate=lrs[i], momentum=0.9)
        np.testing.assert_allclose(b.trajectory(i).params, t.params, rtol=1e-9, atol=1e-12)


def test_divergence_stops_the_path_and_names_the_step():
    ravine = landscapes.get_surface("ravine", kappa=10.0)
    # across the valley the curvature is 1: GD with ε = 3 multiplies that error by |1 − 3| = 2
    t = optim.run(ravine.loss, [0.0, 1.0], "gd", steps=200, learning_rate=3.0, bound=1000.0)
    # |v_t| = 2^t leaves the box |w| ≤ 1000 at t = 10 (2^10 = 1024)
    assert t.diverged_at == 10
    assert len(t.params) == 10 and np.all(np.abs(t.params) <= 1000)
    assert np.all(np.isfinite(t.params)) and np.all(np.isfinite(t.loss))
    ok = optim.run(ravine.loss, [0.0, 1.0], "gd", steps=200, learning_rate=1.9)
    assert ok.diverged_at is None and len(ok.params) == 201


def test_divergence_on_nan():
    t = optim.run(
        lambda w: jnp.sqrt(w[0]) + w[1] ** 2, [1.0, 1.0], "gd", steps=50, learning_rate=3.0
    )
    assert t.diverged_at == 1 and np.all(np.isfinite(t.params))


def test_schedules_follow_their_formulas():
    def lrs(schedule, **p):
        return optim.run(
            ROSEN.loss, [0.0, 0.0], "gd", steps=300, learning_rate=1e-3, schedule=schedule, **p
        ).lr

    t = np.arange(301)
    np.testing.assert_allclose(lrs("constant"), 1e-3)
    np.testing.assert_allclose(lrs("exponential", decay_rate=0.01), 1e-3 * np.exp(-0.01 * t))
    np.testing.assert_allclose(lrs("inverse_time", decay_rate=0.05), 1e-3 / (1 + 0.05 * t))
    np.testing.assert_allclose(lrs("step", drop=0.5, drop_every=100), 1e-3 * 0.5 ** (t // 100))
    lin = lrs("linear", final_lr=1e-5, tau=200)
    np.testing.assert_allclose(lin[:201], (1 - t[:201] / 200) * 1e-3 + t[:201] / 200 * 1e-5)
    np.testing.assert_allclose(lin[200:], 1e-5)
    cos = lrs("cosine", final_lr=0.0, tau=300)
    assert cos[0] == pytest.approx(1e-3) and cos[150] == pytest.approx(5e-4)
    assert cos[300] == pytest.approx(0.0, abs=1e-15)


def test_clipping_by_norm_and_by_value():
    cliff = landscapes.get_surface("cliff")
    w0 = np.array([0.0, 1.0])  # on the cliff edge, where the gradient is huge
    g = np.asarray(jax.grad(cliff.loss)(w0))
    assert np.linalg.norm(g) > 50
    plain = optim.run(cliff.loss, w0, "gd", 1, learning_rate=0.1).params[1] - w0
    np.testing.assert_allclose(plain, -0.1 * g)
    by_norm = (
        optim.run(
            cliff.loss, w0, "gd", 1, learning_rate=0.1, clip="norm", clip_threshold=1.0
        ).params[1]
        - w0
    )
    np.testing.assert_allclose(by_norm, -0.1 * g / np.linalg.norm(g))  # same direction, length ε
    by_value = (
        optim.run(
            cliff.loss, w0, "gd", 1, learning_rate=0.1, clip="value", clip_threshold=1.0
        ).params[1]
        - w0
    )
    np.testing.assert_allclose(by_value, -0.1 * np.clip(g, -1, 1))  # direction turned


def test_l2_and_l1_penalties():
    def bowl(w):  # E = ½‖w − (2, 0.3)‖²
        return 0.5 * jnp.sum((w - jnp.array([2.0, 0.3])) ** 2)

    # L2: minimum of E + λ/2‖w‖² is w*/(1 + λ)
    t = optim.run(bowl, [0.0, 0.0], "gd", steps=500, learning_rate=0.1, l2=0.5)
    np.testing.assert_allclose(t.params[-1], np.array([2.0, 0.3]) / 1.5, atol=1e-10)
    # L1 (β = 1): w* − λ where |w*| > λ, exactly 0 where |w*| ≤ λ — only the proximal step lands
    prox = optim.run(
        bowl, [1.0, 1.0], "gd", steps=500, learning_rate=0.1, l1=0.5, l1_mode="proximal"
    )
    np.testing.assert_allclose(prox.params[-1][0], 1.5, atol=1e-10)
    assert prox.params[-1][1] == 0.0
    sub = optim.run(bowl, [1.0, 1.0], "gd", steps=500, learning_rate=0.1, l1=0.5)
    assert 0 < abs(sub.params[-1][1]) <= 0.1  # chatters around zero, never exactly on it


def test_penalized_loss_is_recorded_without_the_penalty():
    t = optim.run(ROSEN.loss, [0.5, 0.5], "gd", steps=10, learning_rate=1e-3, l2=0.3)
    np.testing.assert_allclose(t.loss, [float(ROSEN.loss(w)) for w in t.params], rtol=1e-12)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((ROSEN.loss, [0.0, 0.0], "adamm"), {}, "valid: gd, momentum"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"learning_rate": -1.0}, "learning_rate"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"learning_rate": float("nan")}, "finite"),
        ((ROSEN.loss, [0.0, 0.0], "momentum"), {"momentum": 1.0}, r"\[0, 1\)"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"momentum": 0.9}, "unknown setting"),
        ((ROSEN.loss, [0.0, 0.0], "adam", -3), {}, "between 0 and"),
        ((ROSEN.loss, [0.0, 0.0], "adam", 2.5), {}, "whole number"),
        ((ROSEN.loss, [0.0, float("inf")], "adam"), {}, "finite vector"),
        ((ROSEN.loss, [[[0.0]]], "adam"), {}, "shape"),
        ((ROSEN.loss, "ab", "adam"), {}, "w0"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"schedule": "fast"}, "valid: constant"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"clip": "hard"}, "valid: none, norm, value"),
        ((ROSEN.loss, [0.0, 0.0], "adam"), {"batch_size": 4}, "data-defined"),
        (("not a function", [0.0, 0.0], "adam"), {}, "callable"),
    ],
)
def test_bad_input_raises_value_error_naming_the_valid_choices(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        optim.run(*args, **kwargs)


def test_batched_settings_must_share_one_length():
    with pytest.raises(ValueError, match="share one length"):
        optim.run_batch(ROSEN.loss, np.zeros((3, 2)), "gd", 10, learning_rate=[0.1, 0.2])


def test_metrics_against_brute_force():
    ravine = landscapes.get_surface("ravine", kappa=10.0)
    lrs = np.array([0.5, 1.0, 1.9, 2.5])
    b = optim.run_batch(ravine.loss, [3.0, 1.0], "gd", 400, learning_rate=lrs, bound=1e3)
    counts = optim.batch_steps_to_tolerance(b, 1e-3, point=[0.0, 0.0])
    for i in range(len(lrs)):
        t = b.trajectory(i)
        brute = next((k for k, w in enumerate(t.params) if np.hypot(*w) <= 1e-3), None)
        assert counts[i] == (np.inf if brute is None else brute)
        assert optim.steps_to_tolerance(t, 1e-3, point=[0, 0]) == brute
    assert counts[-1] == np.inf and b.diverged_at[-1] > 0  # ε = 2.5 > 2/λ_max diverges
    t = b.trajectory(0)
    assert optim.path_length(t) == pytest.approx(
        sum(np.hypot(*(t.params[k + 1] - t.params[k])) for k in range(len(t.params) - 1))
    )


def test_sgd_step_t_uses_minibatch_t():
    data = landscapes.get_dataset("correlated_regression").loss
    w0 = np.array([-1.0, 2.5])
    t = optim.run(data, w0, "gd", steps=3, learning_rate=0.1, batch_size=8, seed=3)
    w = w0
    for k in range(3):
        w = w - 0.1 * np.asarray(jax.grad(data.minibatch(k, 8, 3))(w))
        np.testing.assert_allclose(t.params[k + 1], w, rtol=1e-12)
    full = optim.run(data, w0, "gd", steps=3, learning_rate=0.1)
    assert not np.allclose(full.params[1], t.params[1])  # a minibatch is not the full batch
    np.testing.assert_allclose(t.loss, [float(data(p)) for p in t.params])  # full-batch loss
    with pytest.raises(ValueError, match="batch_size must be between 1 and 128"):
        optim.run(data, w0, "gd", steps=3, batch_size=500)


def _manual_sgd(data, w0, learning_rate, batch_size, seed, steps):
    """SGD by hand, drawing minibatch k from scratch (`DataLoss.minibatch`) at step k."""
    w, path = np.asarray(w0), [np.asarray(w0)]
    for k in range(steps):
        w = w - learning_rate * np.asarray(jax.grad(data.minibatch(k, batch_size, seed))(w))
        path.append(w)
    return np.array(path)


def test_sgd_across_epochs_single_and_batched():
    """The runner draws each epoch's shuffle once and carries it; across several epochs
    (B = 16: 8 minibatches an epoch; B = 48: 48 + 48 + 32) every step must still use exactly
    minibatch k — alone, batched over seeds with one B (the shuffle drawn in a branch), and
    batched over different B's (drawn at every step and selected)."""
    data = landscapes.get_dataset("correlated_regression").loss
    w0, steps = np.array([-1.0, 2.5]), 20
    expected = {
        (b, s): _manual_sgd(data, w0, 0.1, b, s, steps) for b, s in [(16, 3), (16, 4), (48, 3)]
    }
    alone = optim.run(data, w0, "gd", steps, learning_rate=0.1, batch_size=48, seed=3)
    np.testing.assert_allclose(alone.params, expected[48, 3], rtol=1e-12)
    seeds = optim.run_batch(
        data, w0, "gd", steps, learning_rate=0.1, batch_size=16, seed=np.array([3, 4])
    )
    np.testing.assert_allclose(seeds.params[0], expected[16, 3], rtol=1e-12)
    np.testing.assert_allclose(seeds.params[1], expected[16, 4], rtol=1e-12)
    sizes = optim.run_batch(
        data, w0, "gd", steps, learning_rate=0.1, batch_size=np.array([16, 48]), seed=3
    )
    np.testing.assert_allclose(sizes.params[0], expected[16, 3], rtol=1e-12)
    np.testing.assert_allclose(sizes.params[1], expected[48, 3], rtol=1e-12)


def test_recording_the_path_only_gives_the_same_path_without_the_rest():
    loss = landscapes.get_surface("rosenbrock").loss
    settings = dict(learning_rate=0.01, clip="norm", clip_threshold=2.0, l1=0.01)
    full = optim.run(loss, [-1.0, 1.5], "adam", 120, **settings)
    path = optim.run(loss, [-1.0, 1.5], "adam", 120, record="path", **settings)
    np.testing.assert_array_equal(path.params, full.params)
    np.testing.assert_array_equal(path.loss, full.loss)
    assert path.grad.shape == (121, 0) and path.internals == {}
    batch = optim.run_batch(loss, np.zeros((3, 2)), "gd", 50, learning_rate=1e-3, record="path")
    assert batch.params.shape == (3, 51, 2) and batch.grad.shape == (3, 51, 0)
    with pytest.raises(ValueError, match="record"):
        optim.run(loss, [0.0, 0.0], "gd", 10, record="some")


def _zero_loss(w):
    return 0.0 * jnp.sum(w)  # ∇E = 0 everywhere: only the penalty moves w


@pytest.mark.parametrize("l1_mode", ["subgradient", "proximal"])
def test_penalty_mask_leaves_biases_alone(l1_mode):
    """Coordinates with mask 0 (biases) and a zero data gradient never move; weights follow
    the closed forms w ← (1 − ελ₂)ᵗ w (L2) and |w| ← |w| − tελ₁ (L1, far from 0)."""
    w0 = np.array([2.0, -3.0, 1.5, -0.7])
    mask = np.array([1.0, 1.0, 0.0, 0.0])
    eps, lam, steps = 0.1, 0.5, 7
    l2 = optim.run(_zero_loss, w0, "gd", steps, learning_rate=eps, l2=lam, penalty_mask=mask)
    np.testing.assert_array_equal(l2.params[:, 2:], np.broadcast_to(w0[2:], (steps + 1, 2)))
    expected = w0[:2] * (1 - eps * lam) ** np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(l2.params[:, :2], expected, rtol=1e-14)
    l1 = optim.run(
        _zero_loss, w0, "gd", steps, learning_rate=eps, l1=0.1, l1_mode=l1_mode, penalty_mask=mask
    )
    np.testing.assert_array_equal(l1.params[-1, 2:], w0[2:])
    shrunk = np.sign(w0[:2]) * (np.abs(w0[:2]) - steps * eps * 0.1)
    np.testing.assert_allclose(l1.params[-1, :2], shrunk, rtol=1e-13)
    # without a mask every coordinate is a weight (the 2-D surfaces)
    every = optim.run(_zero_loss, w0, "gd", steps, learning_rate=eps, l2=lam)
    np.testing.assert_allclose(every.params[-1], w0 * (1 - eps * lam) ** steps, rtol=1e-14)


def test_penalty_mask_is_traced_and_checked():
    w0 = np.array([1.0, 2.0])
    optim.run(_zero_loss, w0, "gd", 5, l2=0.1, penalty_mask=[1.0, 0.0])
    with CompileCounter() as compiles:
        t = optim.run(_zero_loss, w0, "gd", 5, l2=0.1, penalty_mask=[0.0, 1.0])
        optim.run_batch(_zero_loss, np.stack([w0, w0]), "gd", 5, l2=0.1, penalty_mask=[0, 1])
    assert compiles.count <= 1  # the batched program, once
    assert t.params[-1, 0] == 1.0 and t.params[-1, 1] < 2.0
    with pytest.raises(ValueError, match="penalty_mask"):
        optim.run(_zero_loss, w0, "gd", 5, penalty_mask=[0.5, 1.0])
    with pytest.raises(ValueError, match="penalty_mask"):
        optim.run(_zero_loss, w0, "gd", 5, penalty_mask=[1.0])


def test_a_diverged_run_of_a_batch_repeats_its_last_good_row_and_stands_still():
    ravine = landscapes.get_surface("ravine", kappa=10.0)
    lrs = np.array([1.0, 3.0])  # ε = 3 leaves the box |w| ≤ 1000 at step 10 (see above)
    b = optim.run_batch(ravine.loss, [0.0, 1.0], "gd", 40, learning_rate=lrs, bound=1e3)
    alone = optim.run(ravine.loss, [0.0, 1.0], "gd", 40, learning_rate=3.0, bound=1e3)
    d = b.diverged_at[1]
    assert b.diverged_at[0] == -1 and d == alone.diverged_at == 10
    np.testing.assert_array_equal(b.params[1, :d], alone.params)
    np.testing.assert_array_equal(b.grad[1, :d], alone.grad)
    for rows in (b.params, b.loss, b.grad):
        np.testing.assert_array_equal(rows[1, d:], np.repeat(rows[1, d - 1 : d], 41 - d, axis=0))
    np.testing.assert_array_equal(b.internals["v"][1, 1:d], np.diff(alone.params, axis=0))
    assert np.all(b.internals["v"][1, d:] == 0)
    np.testing.assert_allclose(b.lr[1], 3.0)  # the schedule goes on past the end
    assert np.all(np.isfinite(b.params)) and np.all(np.abs(b.params) <= 1e3)
    np.testing.assert_array_equal(b.trajectory(1).params, alone.params)


def test_validated_settings_are_reused_but_every_start_is_checked():
    settings = dict(learning_rate=0.01, b1=0.8)
    first = optim.run(ROSEN.loss, [-1.0, 1.0], "adam", 30, **settings)
    again = optim.run(ROSEN.loss, [-1.0, 1.0], "adam", 30, **settings)
    np.testing.assert_array_equal(first.params, again.params)
    other = optim.run(ROSEN.loss, [-1.0, 1.0], "adam", 30, learning_rate=0.01, b1=0.5)
    assert not np.allclose(other.params[5], first.params[5])  # a new number is a new run
    with pytest.raises(ValueError, match="finite vector"):
        optim.run(ROSEN.loss, [-1.0, np.nan], "adam", 30, **settings)
    with pytest.raises(ValueError, match="b1"):
        optim.run(ROSEN.loss, [-1.0, 1.0], "adam", 30, learning_rate=0.01, b1=1.5)
