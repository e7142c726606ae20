"""Each lecture optimizer's first steps against values worked out by hand from its formula,
and the Optax equalities the rules rely on."""

import math

import jax.numpy as jnp
import numpy as np
import optax
import pytest

import optim

# E(w) = ½ (w₁² + 4 w₂²): g(w) = (w₁, 4 w₂). From w0 = (1, 1), g(w0) = (1, 4).
CURV = np.array([1.0, 4.0])


def quadratic(w):
    return 0.5 * jnp.sum(jnp.asarray(CURV) * w**2)


W0 = np.array([1.0, 1.0])


def steps(name, n=2, **hp):
    return optim.run(quadratic, W0, name, steps=n, **hp).params


def test_gd_first_steps():
    # w1 = w0 − 0.1·(1, 4) = (0.9, 0.6); w2 = w1 − 0.1·(0.9, 2.4) = (0.81, 0.36)
    np.testing.assert_allclose(steps("gd", learning_rate=0.1), [[1, 1], [0.9, 0.6], [0.81, 0.36]])


def test_momentum_first_steps():
    # v1 = −0.1·(1, 4); w1 = (0.9, 0.6); v2 = 0.9·v1 − 0.1·(0.9, 2.4) = (−0.18, −0.6)
    p = steps("momentum", learning_rate=0.1, momentum=0.9)
    np.testing.assert_allclose(p, [[1, 1], [0.9, 0.6], [0.72, 0.0]], atol=1e-15)


def test_nesterov_takes_gradient_at_interim_point():
    # v1 = (−0.1, −0.4), w1 = (0.9, 0.6); interim w1 + 0.9 v1 = (0.81, 0.24), g = (0.81, 0.96)
    # v2 = 0.9 v1 − 0.1 g = (−0.171, −0.456); w2 = (0.729, 0.144)
    p = steps("nesterov", learning_rate=0.1, momentum=0.9)
    np.testing.assert_allclose(p, [[1, 1], [0.9, 0.6], [0.729, 0.144]], atol=1e-15)


def test_adagrad_first_step_has_delta_outside_the_root():
    # r1 = (1, 16); w1 = w0 − 0.1·g / (δ + √r1)
    d = 1e-3
    p = steps("adagrad", n=1, learning_rate=0.1, eps=d)
    np.testing.assert_allclose(p[1], [1 - 0.1 * 1 / (d + 1), 1 - 0.1 * 4 / (d + 4)], rtol=1e-14)


def test_rmsprop_first_step_has_delta_inside_the_root():
    # r1 = (1 − ρ)·g² = (0.1, 1.6); w1 = w0 − ε g / √(δ + r1)
    d = 1e-3
    p = steps("rmsprop", n=1, learning_rate=0.1, decay=0.9, eps=d)
    expected = [1 - 0.1 * 1 / math.sqrt(d + 0.1), 1 - 0.1 * 4 / math.sqrt(d + 1.6)]
    np.testing.assert_allclose(p[1], expected, rtol=1e-14)


def test_rmsprop_nesterov_first_two_steps():
    eps, a, rho, d = 0.1, 0.5, 0.9, 1e-3
    p = steps("rmsprop_nesterov", learning_rate=eps, momentum=a, decay=rho, eps=d)
    # step 1: interim = w0, g = (1, 4), r = 0.1 g², v = −ε g/√(δ + r)
    r1 = (1 - rho) * np.array([1.0, 16.0])
    v1 = -eps * np.array([1.0, 4.0]) / np.sqrt(d + r1)
    w1 = W0 + v1
    # step 2: g at w1 + α v1
    g2 = CURV * (w1 + a * v1)
    r2 = rho * r1 + (1 - rho) * g2**2
    v2 = a * v1 - eps * g2 / np.sqrt(d + r2)
    np.testing.assert_allclose(p, [W0, w1, w1 + v2], rtol=1e-13)


def test_adam_first_step_is_about_epsilon_per_coordinate():
    # s1 = 0.1 g, r1 = 0.001 g²; bias correction gives ŝ = g, r̂ = g²: step = ε g / (|g| + δ)
    d = 1e-3
    p = steps("adam", n=1, learning_rate=0.1, b1=0.9, b2=0.999, eps=d)
    np.testing.assert_allclose(p[1], [1 - 0.1 * 1 / (1 + d), 1 - 0.1 * 4 / (4 + d)], rtol=1e-12)


def test_newton_jumps_to_the_minimum_of_a_quadratic_and_sfn_flees_a_saddle():
    np.testing.assert_allclose(steps("newton", n=1, learning_rate=1.0)[1], [0, 0], atol=1e-15)

    def saddle(w):
        return w[0] ** 2 - w[1] ** 2

    newton = optim.run(saddle, [0.5, 0.1], "newton", steps=1, learning_rate=1.0).params[1]
    sfn = optim.run(
        saddle, [0.5, 0.1], "saddle_free_newton", steps=1, learning_rate=1.0, eps=1e-12
    ).params[1]
    np.testing.assert_allclose(newton, [0, 0], atol=1e-15)  # Newton jumps onto the saddle
    np.testing.assert_allclose(sfn, [0, 0.2], atol=1e-12)  # |H| doubles y: pushed away


def hand_velocity_path(lrs, alpha, n, *, interim):
    """v ← αv − ε_t g(w [+ αv]), w ← w + v, step by step in plain NumPy."""
    w, v, path = W0.copy(), np.zeros(2), [W0.copy()]
    for t in range(n):
        g = CURV * (w + alpha * v if interim else w)
        v = alpha * v - lrs[t] * g
        w = w + v
        path.append(w.copy())
    return np.array(path)


@pytest.mark.parametrize(
    ("schedule", "params"),
    [
        ("step", {"drop": 0.5, "drop_every": 3}),
        ("inverse_time", {"decay_rate": 0.2}),
        ("exponential", {"decay_rate": 0.9}),
    ],
)
@pytest.mark.parametrize(("name", "interim"), [("momentum", False), ("nesterov", True)])
def test_momentum_follows_its_displayed_rule_under_a_decaying_schedule(
    name, interim, schedule, params
):
    # Each step's ε_t enters the velocity once: v ← αv − ε_t g. Optax's trace scaled by ε_t
    # afterwards, Δw = −ε_t Σ αᵏ g, would rescale the whole velocity at every step instead.
    alpha, n = 0.9, 12
    t = optim.run(
        quadratic, W0, name, steps=n, learning_rate=0.1, momentum=alpha, schedule=schedule, **params
    )
    assert len(set(np.round(t.lr[:n], 12))) > 1  # the schedule does change ε_t
    np.testing.assert_allclose(
        t.params, hand_velocity_path(t.lr, alpha, n, interim=interim), rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(t.internals["v"][1:], np.diff(t.params, axis=0), atol=1e-15)
    if name == "momentum":  # and differs from the rescaled trace, so the test can fail
        w, trace, traced = W0.copy(), np.zeros(2), [W0.copy()]
        for k in range(n):
            trace = alpha * trace + CURV * w
            w = w - t.lr[k] * trace
            traced.append(w.copy())
        assert np.abs(np.array(traced) - t.params).max() > 1e-3


def test_adam_default_learning_rate_is_the_lectures_0_001():
    # Goodfellow et al. 2016, Alg. 8.7 and the lecture: suggested default ε = 0.001.
    (lr,) = (h for h in optim.get_rule("adam").hypers if h.name == "learning_rate")
    assert lr.default == 0.001
    p = steps("adam", n=1)  # the first Adam step is ε·sign(g) per coordinate
    np.testing.assert_allclose(W0 - p[1], [0.001, 0.001], rtol=1e-6)


def optax_path(tx, n, w0=W0):
    w, state, path = jnp.asarray(w0), tx.init(jnp.asarray(w0)), [np.asarray(w0)]
    for _ in range(n):
        g = jnp.asarray(CURV) * w
        updates, state = tx.update(g, state, w)
        w = optax.apply_updates(w, updates)
        path.append(np.asarray(w))
    return np.array(path)


@pytest.mark.parametrize(
    ("name", "hp", "tx"),
    [
        ("momentum", dict(learning_rate=0.05, momentum=0.9), optax.sgd(0.05, momentum=0.9)),
        (
            "rmsprop",
            dict(learning_rate=0.01, decay=0.9, eps=1e-6),
            optax.rmsprop(0.01, decay=0.9, eps=1e-6, eps_in_sqrt=True),
        ),
        (
            "adam",
            dict(learning_rate=0.02, b1=0.8, b2=0.99, eps=1e-8),
            optax.adam(0.02, b1=0.8, b2=0.99, eps=1e-8),
        ),
        ("adamw", dict(learning_rate=0.02, weight_decay=0.1), optax.adamw(0.02, weight_decay=0.1)),
        ("nadam", dict(learning_rate=0.02), optax.nadam(0.02)),
        ("amsgrad", dict(learning_rate=0.02), optax.amsgrad(0.02)),
        ("gd", dict(learning_rate=0.1), optax.sgd(0.1)),
    ],
)
def test_rule_equals_optax(name, hp, tx):
    np.testing.assert_allclose(steps(name, n=50, **hp), optax_path(tx, 50), rtol=1e-12, atol=1e-14)


def test_nesterov_is_optax_nesterov_reparametrised():
    # Optax (Sutskever et al. 2013) tracks θ = w + α v, the interim point of the lecture's rule.
    eps, a = 0.05, 0.9
    t = optim.run(quadratic, W0, "nesterov", steps=40, learning_rate=eps, momentum=a)
    theta = optax_path(optax.sgd(eps, momentum=a, nesterov=True), 40, W0)
    np.testing.assert_allclose(t.params[1:] + a * t.internals["v"][1:], theta[1:], rtol=1e-10)


def test_every_rule_defines_its_formula_and_hyperparameters_once():
    assert optim.LECTURE_OPTIMIZERS == (
        "gd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "rmsprop_nesterov",
        "adam",
    )
    symbols = {
        "learning_rate": "ε",
        "momentum": "α",
        "decay": "ρ",
        "b1": "ρ₁",
        "b2": "ρ₂",
        "eps": "δ",
    }
    for rule in optim.RULES.values():
        assert rule.latex.startswith(r"\begin{aligned}")
        assert rule.hypers[0].name == "learning_rate" and rule.hypers[0].log
        for h in rule.hypers:
            assert h.low <= h.default <= h.high
            if h.name in symbols:
                assert h.symbol == symbols[h.name]
            if h.name == "eps":
                assert h.log


def test_no_parameter_is_called_gamma_which_the_lectures_use_for_the_learning_rate():
    # The first lecture writes the learning rate as γ; the step-decay factor is q.
    hypers = [h for r in optim.RULES.values() for h in r.hypers] + [
        p for s in optim.SCHEDULES.values() for p in s.params
    ]
    assert all("γ" not in h.symbol for h in hypers)
    step = optim.get_schedule("step")
    assert [h.symbol for h in step.params] == ["q", "T"]
    assert r"\gamma" not in step.latex and "q^{" in step.latex
