"""Backpropagation written out (BP1–BP4) against automatic differentiation, finite
differences and closed forms: δ^L = a^L − y for cross-entropy with sigmoid outputs, the
minibatch update with η/m, the U-shaped error of finite differences, the learning slowdown of
a saturated neuron, the per-layer factor σ′·w of a chain, the padded deep network against the
plain one, and no recompiles when inputs, weights, η or the depth change."""

import jax
import numpy as np
import pytest

from landscapes import backprop as bp
from tests.compiles import CompileCounter


def random_net(rng, depth, activation, cost):
    """A random net of `depth` layers of 1–4 units, an example (x, y) and, for the
    cross-entropy, output pre-activations placed so that a^L lies inside (0, 1)."""
    sizes = rng.integers(1, 5, depth + 1)
    weights = [rng.standard_normal((m, n)) for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.standard_normal(m) for m in sizes[1:]]
    x = rng.standard_normal(sizes[0])
    y = rng.uniform(0.05, 0.95, sizes[-1])
    if cost == "cross_entropy" and activation != "sigmoid":
        # Choose the last bias so that z^L lands where σ(z^L) ∈ (0.1, 0.9).
        a = bp.backprop(weights, biases, x, y, activation, "quadratic").a[-2]
        target = rng.uniform(0.1, 0.9, sizes[-1])
        z = np.arctanh(target) if activation == "tanh" else target
        biases[-1] = z - weights[-1] @ a
    return weights, biases, x, y


def assert_layers_close(got, expected, rtol=1e-12):
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=rtol, atol=rtol * max(1.0, np.abs(e).max()))


@pytest.mark.parametrize("cost", bp.COSTS)
@pytest.mark.parametrize("activation", bp.ACTIVATIONS)
@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5, 6])
def test_bp1_to_bp4_equal_jax_grad(depth, activation, cost):
    rng = np.random.default_rng([depth, bp.ACTIVATIONS.index(activation), len(cost)])
    weights, biases, x, y = random_net(rng, depth, activation, cost)
    net = bp.backprop(weights, biases, x, y, activation, cost)
    grad_w, grad_b = jax.grad(bp._cost, argnums=(0, 1))(
        tuple(weights), tuple(biases), x, y, activation, cost
    )
    assert np.isfinite(net.cost)
    assert_layers_close(net.grad_w, [np.asarray(g) for g in grad_w])
    assert_layers_close(net.grad_b, [np.asarray(g) for g in grad_b])
    # the stored forward pass is the network's
    a = x
    for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = w @ a + b
        np.testing.assert_allclose(net.z[i], z, rtol=1e-13, atol=1e-13)
        a = np.asarray(bp.sigma(activation, z))
        np.testing.assert_allclose(net.a[i + 1], a, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(net.a[0], x)
    # BP3 and BP4 by hand from the δ's
    for i, delta in enumerate(net.delta):
        np.testing.assert_array_equal(net.grad_b[i], delta)
        np.testing.assert_allclose(net.grad_w[i], np.outer(delta, net.a[i]), rtol=1e-15)


def test_autodiff_gradient_is_jax_grad_and_agrees():
    rng = np.random.default_rng(5)
    weights, biases, x, y = random_net(rng, 3, "tanh", "quadratic")
    net = bp.backprop(weights, biases, x, y, "tanh")
    auto = bp.autodiff_gradient(weights, biases, x, y, "tanh")
    assert_layers_close(auto.grad_w, net.grad_w)
    assert auto.cost == pytest.approx(net.cost, rel=1e-14)


@pytest.mark.parametrize("seed", range(5))
def test_cross_entropy_with_sigmoid_outputs_gives_delta_a_minus_y(seed):
    rng = np.random.default_rng(seed)
    weights, biases, x, y = random_net(rng, 3, "sigmoid", "cross_entropy")
    weights[-1] = weights[-1] * 3.0  # saturating outputs too
    ce = bp.backprop(weights, biases, x, y, "sigmoid", "cross_entropy")
    quad = bp.backprop(weights, biases, x, y, "sigmoid", "quadratic")
    a = ce.a[-1]
    np.testing.assert_allclose(ce.delta[-1], a - y, rtol=1e-12, atol=1e-15)
    # the quadratic cost keeps σ′(z^L) = a(1 − a) in δ^L
    np.testing.assert_allclose(quad.delta[-1], (a - y) * a * (1 - a), rtol=1e-12, atol=1e-15)


def test_cost_values():
    a, y = np.array([0.2, 0.7]), np.array([0.0, 1.0])
    assert float(bp.cost_value("quadratic", a, y)) == pytest.approx(0.5 * (0.04 + 0.09))
    assert float(bp.cost_value("cross_entropy", a, y)) == pytest.approx(
        -np.log(0.8) - np.log(0.7), rel=1e-14
    )


def test_minibatch_gradient_is_the_mean_and_the_step_uses_eta_over_m():
    rng = np.random.default_rng(3)
    weights, biases, _, _ = random_net(rng, 3, "sigmoid", "quadratic")
    m = 7
    X = rng.standard_normal((m, weights[0].shape[1]))
    Y = rng.uniform(0, 1, (m, weights[-1].shape[0]))
    batch = bp.minibatch_gradient(weights, biases, X, Y)

    def mean_cost(ws, bs):
        return sum(bp._cost(ws, bs, X[i], Y[i], "sigmoid", "quadratic") for i in range(m)) / m

    gw, gb = jax.grad(mean_cost, argnums=(0, 1))(tuple(weights), tuple(biases))
    assert_layers_close(batch.grad_w, [np.asarray(g) for g in gw])
    assert_layers_close(batch.grad_b, [np.asarray(g) for g in gb])
    eta = 0.3
    new_w, new_b = bp.sgd_step(weights, biases, X, Y, eta)
    for i, w in enumerate(weights):
        nets = [bp.backprop(weights, biases, X[k], Y[k]) for k in range(m)]
        summed = sum(np.outer(n.delta[i], n.a[i]) for n in nets)  # Σ_x δ^{x,l} (a^{x,l−1})ᵀ
        np.testing.assert_allclose(new_w[i], w - eta / m * summed, rtol=1e-12, atol=1e-14)
        summed_b = sum(n.delta[i] for n in nets)
        np.testing.assert_allclose(new_b[i], biases[i] - eta / m * summed_b, rtol=1e-12)


@pytest.mark.parametrize("activation", bp.ACTIVATIONS)
@pytest.mark.parametrize("cost", bp.COSTS)
def test_central_differences_agree_to_one_in_a_million(activation, cost):
    rng = np.random.default_rng([7, len(activation), len(cost)])
    weights, biases, x, y = random_net(rng, 3, activation, cost)
    if activation == "relu":  # smooth where no z sits near the kink at 0
        net = bp.backprop(weights, biases, x, y, activation, cost)
        assert min(np.abs(z).min() for z in net.z) > 1e-3
    check = bp.gradient_check(weights, biases, x, y, [1e-5, 1e-6], activation, cost)
    assert np.all(check.central < 1e-6)


def test_flatten_and_unflatten_round_trip():
    rng = np.random.default_rng(1)
    weights, biases, _, _ = random_net(rng, 4, "tanh", "quadratic")
    theta = bp.flatten(weights, biases)
    assert theta.shape == (sum(w.size + b.size for w, b in zip(weights, biases, strict=True)),)
    ws, bs = bp.unflatten(theta, [w.shape for w in weights])
    assert_layers_close(ws, weights, rtol=0)
    assert_layers_close(bs, biases, rtol=0)


def test_finite_difference_error_is_u_shaped():
    rng = np.random.default_rng(11)
    weights, biases, x, y = random_net(rng, 2, "sigmoid", "quadratic")
    check = bp.gradient_check(weights, biases, x, y)
    best = check.h[np.argmin(check.central)]
    assert 1e-8 <= best <= 1e-3
    floor = check.central.min()
    assert check.central[0] > 100 * floor and check.central[-1] > 100 * floor
    # truncation: the central error falls like h² on the right branch, the forward one like h
    right = (check.h >= 1e-3) & (check.h <= 1e-1)
    slope_central = np.polyfit(np.log10(check.h[right]), np.log10(check.central[right]), 1)[0]
    slope_forward = np.polyfit(np.log10(check.h[right]), np.log10(check.forward[right]), 1)[0]
    assert slope_central == pytest.approx(2.0, abs=0.15)
    assert slope_forward == pytest.approx(1.0, abs=0.15)
    # round-off: on the left branch both rise as h shrinks; the two-sided floor is lower
    assert check.central[0] > check.central[4]
    assert floor < check.forward.min()
    forward_best = check.h[np.argmin(check.forward)]
    assert forward_best < best


def test_bad_inputs_raise():
    w, b = [np.ones((2, 2))], [np.zeros(2)]
    with pytest.raises(ValueError):
        bp.backprop(w, b, np.ones(2), np.ones(2), "softsign")
    with pytest.raises(ValueError):
        bp.backprop(w, b, np.ones(2), np.ones(2), cost="hinge")
    with pytest.raises(ValueError):
        bp.backprop(w, b, np.ones(3), np.ones(2))
    with pytest.raises(ValueError):
        bp.backprop([np.ones((2, 2)), np.ones((1, 3))], [np.zeros(2), np.zeros(1)], [1, 1], [1])
    with pytest.raises(ValueError):
        bp.finite_differences(w, b, np.ones(2), np.ones(2), [0.0])
    with pytest.raises(ValueError):
        bp.deep_training(bp.MAX_DEPTH + 1)
    with pytest.raises(ValueError):
        bp.slowdown(2.0, 2.0, -0.1)


def test_slowdown_quadratic_crawls_where_cross_entropy_does_not():
    # Nielsen's neuron: x = 1, y = 0, w = b = 2 (a ≈ 0.98, saturated), η = 0.15.
    quad = bp.slowdown(2.0, 2.0, 0.15, "quadratic")
    ce = bp.slowdown(2.0, 2.0, 0.15, "cross_entropy")
    z0 = 4.0
    s = 1 / (1 + np.exp(-z0))
    assert quad.a[0] == pytest.approx(s) and quad.sigma_prime[0] == pytest.approx(s * (1 - s))
    # first step: δ = (a − y)σ′(z) against δ = a − y; Δw = −η δ x
    assert quad.w[1] - quad.w[0] == pytest.approx(-0.15 * s * s * (1 - s), rel=1e-12)
    assert ce.w[1] - ce.w[0] == pytest.approx(-0.15 * s, rel=1e-12)
    assert ce.a[50] < 0.2 < 0.9 < quad.a[50]
    assert np.all(np.diff(quad.cost) <= 1e-15) and np.all(np.diff(ce.cost) <= 1e-15)
    np.testing.assert_allclose(quad.z, quad.w * 1.0 + quad.b, rtol=1e-14)


def chain(depth, w, x=0.3):
    """A chain of one sigmoid neuron per layer, all weights w, biases so that every z^l = 0."""
    weights = [np.array([[w]]) for _ in range(depth)]
    biases = [np.array([-w * x])] + [np.array([-w * 0.5]) for _ in range(depth - 1)]
    return weights, biases, np.array([x])


@pytest.mark.parametrize("w", [0.5, 1.0, 3.0, -2.0])
def test_per_layer_ratio_of_a_sigmoid_chain_is_w_times_sigma_prime(w):
    depth = 8
    weights, biases, x = chain(depth, w)
    net = bp.backprop(weights, biases, x, np.array([0.9]))
    np.testing.assert_allclose(np.concatenate(net.z), 0.0, atol=1e-15)
    ratios = np.abs([net.delta[i][0] / net.delta[i + 1][0] for i in range(depth - 1)])
    np.testing.assert_allclose(ratios, abs(w) / 4, rtol=1e-13)  # σ′(0) = ¼, its maximum
    # away from z = 0 the ratio is w σ′(z^l) < |w|/4
    biases = [b + 0.7 for b in biases]
    net = bp.backprop(weights, biases, x, np.array([0.9]))
    for i in range(depth - 1):
        s = 1 / (1 + np.exp(-net.z[i][0]))
        ratio = abs(net.delta[i][0] / net.delta[i + 1][0])
        assert ratio == pytest.approx(abs(w) * s * (1 - s), rel=1e-12)
        assert ratio < abs(w) / 4
    assert bp.per_layer_factor("sigmoid", "xavier", 1.0) == 0.25


def test_measured_factor_of_a_geometric_sequence():
    norms = 3.0 * 0.25 ** np.arange(10)[::-1]
    assert bp.measured_factor(np.r_[norms, np.nan]) == pytest.approx(0.25)


@pytest.mark.parametrize("activation", bp.ACTIVATIONS)
def test_padded_deep_network_equals_the_plain_one(activation):
    depth, width, eta = 5, 4, 0.7
    W, B = bp.deep_network(width, "xavier", 1.0, seed=2)
    X, Y = bp.deep_data(width, seed=2)
    norms = bp.deep_training(depth, width, activation, "xavier", 1.0, 2, eta, steps=2)
    weights, biases = list(W[:depth]), list(B[:depth])
    for t in range(3):
        nets = [bp.backprop(weights, biases, x, y, activation) for x, y in zip(X, Y, strict=True)]
        rms = [np.sqrt(np.mean([np.sum(n.delta[i] ** 2) for n in nets])) for i in range(depth)]
        np.testing.assert_allclose(norms.delta[t, :depth], rms, rtol=1e-11)
        batch = bp.minibatch_gradient(weights, biases, X, Y, activation)
        np.testing.assert_allclose(
            norms.grad_w[t, :depth], [np.linalg.norm(g) for g in batch.grad_w], rtol=1e-11
        )
        assert norms.cost[t] == pytest.approx(batch.cost, rel=1e-12)
        weights, biases = bp.sgd_step(weights, biases, X, Y, eta, activation)
    assert np.all(np.isnan(norms.delta[:, depth:]))


def test_deep_sigmoid_gradients_vanish_by_about_a_quarter_per_layer():
    norms = bp.deep_training(20, activation="sigmoid")
    factor = bp.measured_factor(norms.delta[0])
    assert factor < bp.per_layer_factor("sigmoid", "xavier") and factor > 0.15
    assert np.all(np.diff(norms.delta[0, :20]) > 0)  # the first layers get the least


def test_init_schemes_variance():
    W, _ = bp.deep_network(200, "he", 1.0, seed=0, depth=2)
    assert np.var(W) == pytest.approx(2 / 200, rel=0.05)
    W, _ = bp.deep_network(200, "glorot", 2.0, seed=0, depth=2)
    assert np.var(W) == pytest.approx(4 * (6 / 400) / 3, rel=0.05)


def test_warm_calls_compile_nothing():
    rng = np.random.default_rng(0)
    weights, biases, x, y = random_net(rng, 2, "sigmoid", "quadratic")
    bp.backprop(weights, biases, x, y)
    bp.gradient_check(weights, biases, x, y)
    bp.slowdown(2.0, 2.0, 0.15)
    bp.deep_training(10, eta=0.5)
    with CompileCounter() as compiles:
        bp.backprop([w + 0.1 for w in weights], biases, x * 2, y / 2)
        bp.gradient_check(weights, biases, x + 1, y)
        bp.slowdown(-3.0, 1.0, 0.5, x=0.5, y=1.0)
        bp.deep_training(25, scale=2.0, seed=4, eta=0.1, init="he")
    assert compiles.count == 0


@pytest.mark.parametrize("cost", bp.COSTS)
def test_factors_are_sigma_prime_and_the_cost_gradient(cost):
    rng = np.random.default_rng(9)
    weights, biases, x, y = random_net(rng, 3, "sigmoid", cost)
    net = bp.backprop(weights, biases, x, y, "sigmoid", cost)
    sigma_primes, grad_a = bp.factors(net, y, "sigmoid", cost)
    for z, s in zip(net.z, sigma_primes, strict=True):
        a = 1 / (1 + np.exp(-z))
        np.testing.assert_allclose(s, a * (1 - a), rtol=1e-13)
    a = net.a[-1]
    expected = a - y if cost == "quadratic" else (a - y) / (a * (1 - a))
    np.testing.assert_allclose(grad_a, expected, rtol=1e-13)
    np.testing.assert_allclose(net.delta[-1], grad_a * sigma_primes[-1], rtol=1e-13)  # BP1
