"""Adam's bias correction and the effective learning rates of AdaGrad and RMSProp
(`optim.adaptive`); good and poor minima of the double well (`landscapes.basins`)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import landscapes
import optim
from landscapes import basins
from optim import adaptive, noise


@settings(max_examples=25, deadline=None)
@given(
    g=st.floats(-100, 100).filter(lambda v: abs(v) > 1e-3),
    b1=st.sampled_from([0.0, 0.5, 0.9, 0.99]),
    b2=st.sampled_from([0.9, 0.99, 0.999, 0.9999]),
)
def test_for_a_constant_gradient_the_corrected_moments_are_exact_at_every_step(g, b1, b2):
    run = adaptive.bias_correction(np.full((60, 1), g), b1, b2)
    np.testing.assert_allclose(run.s_hat, g, rtol=1e-12)
    np.testing.assert_allclose(run.r_hat, g * g, rtol=1e-12)
    # the biased averages start at 0 and approach g by the weights' sum 1 − ρᵗ
    t = np.arange(1, 61)[:, None]
    np.testing.assert_allclose(run.s, (1 - b1**t) * g, rtol=1e-12)
    np.testing.assert_allclose(run.r, (1 - b2**t) * g * g, rtol=1e-12)


@pytest.mark.parametrize("b1, b2", [(0.9, 0.999), (0.9, 0.99), (0.5, 0.999), (0.99, 0.9)])
def test_without_correction_a_constant_gradient_steps_by_the_factor_of_the_formula(b1, b2):
    g = 2.0
    run = adaptive.bias_correction(np.full((50, 1), g), b1, b2, eps=1e-12)
    np.testing.assert_allclose(run.corrected, 1.0, rtol=1e-9)  # ε per step, whatever g is
    ratio = run.uncorrected[:, 0] / run.corrected[:, 0]
    np.testing.assert_allclose(ratio, adaptive.uncorrected_factor(np.arange(1, 51), b1, b2))
    # the first step, by hand: (1 − ρ₁)g / √((1 − ρ₂)g²)
    assert ratio[0] == pytest.approx((1 - b1) / np.sqrt(1 - b2), rel=1e-9)


def test_default_adam_would_take_a_first_step_three_times_too_large():
    assert adaptive.uncorrected_factor(1) == pytest.approx(0.1 / np.sqrt(0.001))
    assert adaptive.uncorrected_factor(1) > 3.1
    assert adaptive.uncorrected_factor(10_000) == pytest.approx(1.0, abs=1e-4)


def test_corrected_steps_are_the_apps_adam():
    grads = noise.repeat_patterns(noise.LECTURE_SERIES, 40)
    run = adaptive.bias_correction(grads, 0.9, 0.999, 1e-8)
    app = noise.replay("adam", grads, b1=0.9, b2=0.999, eps=1e-8)
    np.testing.assert_allclose(run.corrected, app.steps, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(run.s, app.internals["s"], rtol=1e-12)
    np.testing.assert_allclose(run.r, app.internals["r"], rtol=1e-12)


def test_for_a_changing_gradient_the_correction_is_not_the_mean():
    # 1.1, 0.9, 1.1, …: the mean is 1.0, yet ŝ₁ = 1.1 and ŝ₂ = (0.9·0.1·1.1 + 0.1·0.9)/0.19
    run = adaptive.bias_correction(noise.repeat_patterns([(1.1, 0.9)], 4), 0.9, 0.999)
    assert run.s_hat[0, 0] == pytest.approx(1.1)
    assert run.s_hat[1, 0] == pytest.approx((0.9 * 0.1 * 1.1 + 0.1 * 0.9) / 0.19)
    # w₃'s 1.1, −0.9, …: mean 0.1, yet the corrected first moment starts at 1.1, 11 times it
    noisy = adaptive.bias_correction(noise.repeat_patterns([(1.1, -0.9)], 40), 0.9, 0.999)
    assert noisy.s_hat[0, 0] == pytest.approx(11 * 0.1)
    assert np.abs(noisy.s_hat[:, 0] - 0.1).max() > 0.5


@pytest.mark.parametrize("bad", [{"b1": 1.0}, {"b2": -0.1}, {"eps": 0.0}])
def test_bias_correction_rejects_bad_values(bad):
    with pytest.raises(ValueError):
        adaptive.bias_correction(np.ones((3, 1)), **bad)


LONG_VALLEY = landscapes.get_surface("ravine", kappa=100.0, angle=0.0)


@pytest.mark.parametrize(
    "optimizer, hypers",
    [("adagrad", {"eps": 1e-7}), ("rmsprop", {"decay": 0.9, "eps": 1e-6})],
)
def test_effective_rates_are_the_rates_the_optimizer_steps_with(optimizer, hypers):
    lr = 0.1
    t = optim.run(
        LONG_VALLEY.loss, np.array([-4.5, 2.5]), optimizer, 80, learning_rate=lr, **hypers
    )
    g = t.grad[:-1]
    if optimizer == "adagrad":  # r_t = Σ_{k<t} g_k², accumulated by hand
        r = np.cumsum(g**2, axis=0)
    else:  # r_t = ρ r_{t−1} + (1 − ρ) g²
        r = np.zeros_like(g)
        for k in range(len(g)):
            r[k] = hypers["decay"] * (r[k - 1] if k else 0.0) + (1 - hypers["decay"]) * g[k] ** 2
    np.testing.assert_allclose(t.internals["r"][1:], r, rtol=1e-12)
    rates = adaptive.effective_rates(optimizer, r, lr, hypers["eps"])
    np.testing.assert_allclose(np.diff(t.params, axis=0), -rates * g, rtol=1e-10, atol=1e-15)


def test_adagrad_rate_falls_like_one_over_root_t_on_a_constant_slope():
    g = 0.5
    r = np.cumsum(np.full(400, g * g))
    rates = adaptive.effective_rates("adagrad", r, 0.1, 0.0)
    t = np.arange(1, 401)
    np.testing.assert_allclose(rates, 0.1 / (g * np.sqrt(t)))
    rms = adaptive.effective_rates("rmsprop", np.full(400, g * g), 0.1, 0.0)
    np.testing.assert_allclose(rms, 0.1 / g)  # a running average keeps its level
    with pytest.raises(ValueError):
        adaptive.effective_rates("adam", r, 0.1, 0.0)


@pytest.mark.parametrize("tilt", [-0.3, -0.1, 0.0, 0.15, 0.25, 0.38])
def test_double_well_critical_points_match_a_brute_force_search(tilt):
    minima, maxima = basins.double_well_critical_points(tilt)
    w = np.linspace(-2, 2, 400_001)
    E = 0.25 * (w**2 - 1) ** 2 + tilt * w
    inner = E[1:-1]
    found_min = w[1:-1][(inner < E[:-2]) & (inner < E[2:])]
    found_max = w[1:-1][(inner > E[:-2]) & (inner > E[2:])]
    assert len(minima) == len(found_min) == 2 and len(maxima) == len(found_max) == 1
    np.testing.assert_allclose(np.sort(minima), found_min, atol=2e-5)
    np.testing.assert_allclose(maxima, found_max, atol=2e-5)
    values = 0.25 * (minima**2 - 1) ** 2 + tilt * minima
    assert values[0] <= values[1]  # the good (lower) minimum first
    if tilt > 0:
        assert minima[0] < 0  # a positive tilt lowers the left minimum


def test_the_start_decides_a_good_or_a_poor_minimum():
    tilt = 0.25
    minima, (peak,) = basins.double_well_critical_points(tilt)
    starts = [peak - 0.05, peak + 0.05, -1.8, 1.8]
    runs = basins.double_well_runs(tilt, starts, 0.1, 300)
    np.testing.assert_allclose(runs.minima, minima)
    good, poor = minima
    # left of the peak: the good minimum; right of it: the poor one, though it is close by
    assert list(runs.ends_in) == [0, 1, 0, 1]
    np.testing.assert_allclose(runs.paths[[0, 2], -1], good, atol=1e-6)
    np.testing.assert_allclose(runs.paths[[1, 3], -1], poor, atol=1e-6)
    assert runs.loss[1, -1] > runs.loss[0, -1] + 0.4  # poor: much higher loss
    # gradient descent never climbs (ε small against the curvature)
    assert np.all(np.diff(runs.loss, axis=1) <= 1e-15)


@pytest.mark.parametrize("tilt", [0.0, 0.2, 0.35])
@pytest.mark.parametrize("lr", [0.01, 0.15])
def test_up_to_the_largest_rate_offered_the_side_of_the_peak_decides(tilt, lr):
    # the saddles page offers ε ≤ 0.15 and starts in [−1.9, 1.9]: no run jumps past the peak
    _, (peak,) = basins.double_well_critical_points(tilt)
    starts = np.linspace(-1.9, 1.9, 39)
    starts = starts[np.abs(starts - peak) > 1e-3]
    runs = basins.double_well_runs(tilt, starts, lr, 3000)
    np.testing.assert_array_equal(runs.ends_in, np.where(starts < peak, 0, 1))
