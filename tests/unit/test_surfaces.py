"""The surface catalogue: known minima are minima, parameters are validated, grids are right."""

import jax
import numpy as np
import pytest

import landscapes
import optim


@pytest.mark.parametrize("name", landscapes.SURFACES)
def test_known_minima_have_zero_gradient_and_positive_curvature(name):
    s = landscapes.get_surface(name)
    (x0, x1), (y0, y1) = s.bounds
    for x, y in s.starts:
        assert x0 <= x <= x1 and y0 <= y <= y1
    assert s.note and s.title
    for w in s.minima:
        w = np.array(w)
        assert x0 <= w[0] <= x1 and y0 <= w[1] <= y1
        # published minima are given to 4–6 digits: the gradient is small, not zero
        assert np.linalg.norm(jax.grad(s.loss)(w)) < 1e-3
        assert np.all(np.linalg.eigvalsh(jax.hessian(s.loss)(w)) > 0)


def test_published_minimum_values():
    def value(name, w, **p):
        return float(landscapes.get_surface(name, **p).loss(np.array(w)))

    assert value("rosenbrock", [1, 1]) == 0
    assert value("beale", [3, 0.5]) == 0
    assert value("himmelblau", [3, 2]) == 0
    assert value("goldstein_price", [0, -1]) == pytest.approx(3)
    assert value("six_hump_camel", [0.0898, -0.7126]) == pytest.approx(-1.0316, abs=1e-4)
    assert value("rastrigin", [0, 0]) == 0


def test_ravine_condition_number_and_rotation():
    s = landscapes.get_surface("ravine", kappa=50.0, angle=30.0)
    h = np.asarray(jax.hessian(s.loss)(np.zeros(2)))
    lam, q = np.linalg.eigh(h)
    np.testing.assert_allclose(lam, [1 / 50, 1.0], rtol=1e-12)
    # the flat direction is the x-axis turned by 30°
    np.testing.assert_allclose(abs(q[:, 0] @ [np.cos(np.pi / 6), np.sin(np.pi / 6)]), 1.0)


def test_two_minima_tilt_makes_one_minimum_deeper():
    s = landscapes.get_surface("two_minima", tilt=0.1)
    (xa, _), (xb, _) = s.minima
    assert xa < 0 < xb  # the global minimum is on the side the tilt favours
    assert float(s.loss(np.array(s.minima[0]))) < float(s.loss(np.array(s.minima[1])))


def test_plane_gradient_is_constant():
    s = landscapes.get_surface("plane", gx=0.7, gy=-0.2)
    for w in np.random.default_rng(0).normal(size=(5, 2)) * 10:
        np.testing.assert_allclose(jax.grad(s.loss)(w), [0.7, -0.2])


def test_loss_grid_matches_pointwise_values():
    s = landscapes.get_surface("himmelblau")
    xs, ys, z = landscapes.loss_grid(s.loss, s.bounds, 31)
    assert z.shape == (31, 31) and xs[0] == -5 and ys[-1] == 5
    np.testing.assert_allclose(z[7, 20], float(s.loss(np.array([xs[20], ys[7]]))), rtol=1e-12)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("everest", {}, "valid: ravine"),
        ("ravine", {"kappa": 0.5}, "≥ 1"),
        ("ravine", {"kappa": float("nan")}, "finite"),
        ("ravine", {"height": 3.0}, "valid: \\['angle', 'kappa'\\]"),
        ("cliff", {"height": "tall"}, "number"),
    ],
)
def test_bad_surface_input(name, params, message):
    with pytest.raises(ValueError, match=message):
        landscapes.get_surface(name, **params)


def test_custom_surface_from_a_formula():
    s = landscapes.custom_surface("x**2 - y**2 + 0.1*sin(3*x)", ((-2, 2), (-1, 3)))
    w = np.array([0.3, -0.7])
    assert float(s.loss(w)) == pytest.approx(0.09 - 0.49 + 0.1 * np.sin(0.9))
    t = optim.run(s.loss, s.starts[0], "gd", 10, learning_rate=0.1)
    assert t.params.shape == (11, 2) and np.all(np.isfinite(t.loss))
    # every formula is the same static function, the interpreter: jit treats them as one
    assert landscapes.custom_surface("x*y + cos(y)").fn == s.fn


@pytest.mark.parametrize(
    ("text", "bounds", "error"),
    [
        ("__import__('os')", ((-1, 1), (-1, 1)), landscapes.FormulaError),
        ("x +* y", ((-1, 1), (-1, 1)), landscapes.FormulaError),
        ("x + y", ((1, -1), (-1, 1)), ValueError),
        ("x + y", ((0, float("inf")), (-1, 1)), ValueError),
        ("x + y", "wide", ValueError),
    ],
)
def test_custom_surface_rejects_bad_input(text, bounds, error):
    with pytest.raises(error):
        landscapes.custom_surface(text, bounds)


def test_rastrigin_note_gives_the_count_of_local_minima_in_its_default_box():
    # Brute force: every critical point the core finds in the default box, by kind. Per
    # coordinate x² − A cos 2πx has a minimum near each whole number k with |k| ≤ 5.
    s = landscapes.get_surface("rastrigin")
    points = landscapes.critical_points(s.loss, s.bounds)
    minima = [p for p in points if p.kind == "minimum"]
    (x0, x1), _ = s.bounds
    per_axis = int(np.floor(x1)) - int(np.ceil(x0)) + 1
    assert len(minima) == per_axis**2 == 121
    near_integers = np.array([p.w for p in minima])
    assert np.abs(near_integers - np.round(near_integers)).max() < 0.05
    assert "121" in s.note and "hundreds" not in s.note


def test_surface_parameters_use_no_symbol_of_the_optimizers_beside_them():
    # The playground shows a surface's sliders next to the optimizers' sliders, formulas and
    # schedules: Adam's s and t, the decay rate k, the velocity v … must mean one thing there.
    taken = {"w", "g", "v", "r", "s", "t", "E", "x", "y"}
    taken |= {h.symbol for rule in optim.RULES.values() for h in rule.hypers}
    taken |= {p.symbol for s in optim.SCHEDULES.values() for p in s.params}
    taken |= {h.symbol for h in optim.OPTIONS}
    for name in landscapes.SURFACES:
        symbols = [p.symbol for p in landscapes.get_surface(name).param_specs]
        assert not set(symbols) & taken, (name, set(symbols) & taken)
        assert len(symbols) == len(set(symbols))
