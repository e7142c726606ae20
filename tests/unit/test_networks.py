"""Small networks and the deep linear chain: the network loss against a hand-written NumPy
forward pass, the weight layout, initialisation variances, zero initialisation never breaking
the symmetry, a duplicated unit leaving the loss unchanged (and a flat Hessian direction at a
critical point), training and minibatches through the core runner without recompiles, the data
sets, and the chain's gradient against its closed form (n aⁿ⁻¹, n bⁿ⁻¹)."""

import jax
import numpy as np
import pytest

import optim
from landscapes import committee, deep_chain, networks, spectrum
from landscapes.networks import Architecture
from tests.compiles import CompileCounter

RNG = np.random.default_rng(7)


def _numpy_forward(arch: Architecture, w: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The MLP written out again with NumPy, reading the flat layout independently."""
    g = {
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
        "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
        "linear": lambda z: z,
    }[arch.activation]
    sizes = [2, *arch.widths, 1]
    h, start = x, 0
    for layer, (m, n) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        W = w[start : start + m * n].reshape(m, n)
        b = w[start + m * n : start + m * n + n]
        start += m * n + n
        z = h @ W + b
        h = z if layer == len(sizes) - 2 else g(z)
    assert start == len(w)
    return h[:, 0]


@pytest.mark.parametrize("activation", networks.ACTIVATIONS)
@pytest.mark.parametrize("widths", [(3,), (4, 5), (2, 3, 4, 2)])
def test_loss_matches_numpy_forward_pass(activation, widths):
    arch = Architecture(widths, activation)
    data = networks.make_data("moons", n_train=40, n_test=10, seed=3)
    w = RNG.standard_normal(arch.num_weights)
    f = _numpy_forward(arch, w, data.x_train)
    np.testing.assert_allclose(np.asarray(networks.forward(arch, w, data.x_train)), f, rtol=1e-12)
    squared, _ = networks.network_losses(data, arch, "squared")
    entropy, _ = networks.network_losses(data, arch, "cross_entropy")
    expected_squared = np.mean(0.5 * (f - data.t_train) ** 2)
    p = 1.0 / (1.0 + np.exp(-f))
    expected_entropy = -np.mean(data.y_train * np.log(p) + (1 - data.y_train) * np.log(1 - p))
    assert float(squared(w)) == pytest.approx(expected_squared, rel=1e-12)
    assert float(entropy(w)) == pytest.approx(expected_entropy, rel=1e-10)


def test_weight_count_layout_and_filters():
    arch = Architecture((3, 4))
    assert arch.num_weights == (2 + 1) * 3 + (3 + 1) * 4 + (4 + 1) * 1 == 30
    w = np.arange(arch.num_weights, dtype=float)
    layers = arch.unflatten(w)
    assert [W.shape for W, _ in layers] == [(2, 3), (3, 4), (4, 1)]
    np.testing.assert_array_equal(arch.flatten(layers), w)
    ids = arch.filter_ids()
    # neuron j of the first layer: column W₁[:, j] and bias b₁[j]
    W1, b1 = layers[0]
    for j in range(3):
        np.testing.assert_array_equal(np.sort(w[ids == j]), np.sort([*W1[:, j], b1[j]]))
    assert len(np.unique(ids)) == 3 + 4 + 1


def test_first_layer_hyperplanes_are_where_the_neuron_switches():
    arch = Architecture((5,), "linear")
    w = RNG.standard_normal(arch.num_weights)
    planes = networks.first_layer_hyperplanes(arch, w)
    assert planes.shape == (5, 3)
    x = RNG.standard_normal((7, 2))
    pre = np.asarray(networks.hidden_activations(arch, w, x)[0])  # linear: the pre-activations
    np.testing.assert_allclose(pre, x @ planes[:, :2].T + planes[:, 2], rtol=1e-12)
    stacked = networks.first_layer_hyperplanes(arch, np.stack([w, 2 * w]))
    np.testing.assert_allclose(stacked[1], 2 * planes)


@pytest.mark.parametrize(
    ("scheme", "variance"), [("xavier", 1 / 300), ("he", 2 / 300), ("glorot", 2 / 600)]
)
def test_initialisation_variances(scheme, variance):
    arch = Architecture((300, 300))
    layers = arch.unflatten(networks.init_weights(arch, scheme, seed=1))
    W = np.asarray(layers[1][0])  # 300 inputs, 300 outputs: 90,000 samples
    assert np.var(W) == pytest.approx(variance, rel=0.03)
    assert np.all(np.asarray(layers[1][1]) == 0)  # biases start at zero
    if scheme == "glorot":
        assert np.max(np.abs(W)) <= np.sqrt(6 / 600)
    scaled = arch.unflatten(networks.init_weights(arch, scheme, seed=1, scale=0.1))[1][0]
    np.testing.assert_allclose(scaled, 0.1 * W)


@pytest.mark.parametrize(
    ("scheme", "formula", "paper"),
    [
        ("xavier", lambda m, n: 1 / m, "LeCun et al. 1998"),
        ("glorot", lambda m, n: 2 / (m + n), "Glorot & Bengio 2010"),
        ("he", lambda m, n: 2 / m, "He et al. 2015"),
    ],
)
def test_initialisations_follow_their_named_formula_with_unequal_fans(scheme, formula, paper):
    # m ≠ n tells N(0, 1/m) (LeCun, the lecture's "Xavier") from Glorot's variance 2/(m + n).
    arch = Architecture((100, 400))
    W = np.asarray(arch.unflatten(networks.init_weights(arch, scheme, seed=3))[1][0])
    m, n = W.shape
    assert (m, n) == (100, 400)
    assert np.var(W) == pytest.approx(formula(m, n), rel=0.03)
    title = networks.INITIALISATION_TITLES[scheme]
    assert paper in title
    assert {"xavier": "N(0, 1/m)", "glorot": "√(6/(m+n))", "he": "N(0, 2/m)"}[scheme] in title
    # the lecture's label stays visible (in the note under the menu) where the name differs
    assert "calls N(0, 1/m) “Xavier”" in networks.INITIALISATION_NOTE
    assert "Glorot & Bengio (2010)" in networks.INITIALISATION_NOTE


def _units_identical(arch, w):
    """Whether every hidden layer's units have equal incoming weights, biases and outgoing
    weights."""
    layers = arch.unflatten(np.asarray(w))
    for (W, b), (W_next, _) in zip(layers[:-1], layers[1:], strict=True):
        if not (
            np.allclose(W, W[:, :1], rtol=0, atol=1e-12)
            and np.allclose(b, b[0], rtol=0, atol=1e-12)
            and np.allclose(W_next, W_next[:1], rtol=0, atol=1e-12)
        ):
            return False
    return True


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_zero_initialisation_never_breaks_the_symmetry(optimizer):
    data = networks.make_data("xor", n_train=64, n_test=16, seed=0)
    arch = Architecture((4, 3), "sigmoid")
    w0 = networks.init_weights(arch, "zero")
    run = networks.train(data, arch, "cross_entropy", w0, optimizer, 300, learning_rate=0.1)
    assert run.train_loss[-1] < run.train_loss[0]  # the weights did move ...
    assert np.ptp(run.params[-1]) > 0.01
    assert all(_units_identical(arch, w) for w in run.params)  # ... but all units alike
    # A random start breaks it at once.
    run = networks.train(
        data, arch, "cross_entropy", networks.init_weights(arch, "xavier"), optimizer, 300
    )
    assert not _units_identical(arch, run.params[-1])


def test_zero_initialised_tanh_network_cannot_learn_beyond_its_output_bias():
    # tanh(0) = 0 and all outgoing weights 0: every weight but the output bias has zero gradient.
    data = networks.make_data("gaussians", n_train=64, n_test=16, seed=0)
    arch = Architecture((4,), "tanh")
    run = networks.train(
        data, arch, "squared", networks.init_weights(arch, "zero"), "gd", 100, learning_rate=0.1
    )
    np.testing.assert_array_equal(run.params[-1][:-1], 0.0)
    assert run.params[-1][-1] != 0.0


def test_duplicated_unit_keeps_the_loss_and_flattens_the_hessian():
    data = networks.make_data("teacher", n_train=32, n_test=8, noise=0.1, seed=1, teacher_hidden=2)
    arch = Architecture((2,), "tanh")
    loss, _ = networks.network_losses(data, arch, "squared")
    w = networks.train(
        data,
        arch,
        "squared",
        networks.init_weights(arch, "xavier", seed=2),
        "adam",
        1500,
        learning_rate=0.02,
    ).params[-1]
    w = optim.run(loss, w, "newton", 30).params[-1]  # to a critical point: ∇E = 0
    assert np.linalg.norm(spectrum.gradient(loss, w)) < 1e-10

    for fraction in (0.0, 0.3, 1.0, 1.7):
        wider, w_wide = networks.duplicate_unit(arch, w, unit=1, fraction=fraction)
        wide_loss, _ = networks.network_losses(data, wider, "squared")
        assert float(wide_loss(w_wide)) == pytest.approx(float(loss(w)), rel=1e-13, abs=1e-15)

    wider, w_wide = networks.duplicate_unit(arch, w, unit=1, fraction=0.3)
    wide_loss, _ = networks.network_losses(data, wider, "squared")
    eigenvalues, vectors = spectrum.exact_eigenpairs(wide_loss, w_wide)
    # Moving output weight from the unit to its copy (v₁ − δ, v₂ + δ) changes nothing.
    layout = wider.flatten(
        [(np.zeros((2, 3)), np.zeros(3)), (np.array([[0.0], [1.0], [-1.0]]), np.zeros(1))]
    )
    flat = layout / np.linalg.norm(layout)
    np.testing.assert_allclose(
        spectrum.hessian_vector_product(wide_loss, w_wide, flat), 0, atol=1e-9
    )
    smallest = np.argmin(np.abs(eigenvalues))
    assert abs(eigenvalues[smallest]) < 1e-9 * np.max(np.abs(eigenvalues))
    assert abs(vectors[:, smallest] @ flat) > 0.99


def test_minibatch_training_and_no_recompiles():
    arch = Architecture((6,), "relu")
    data = networks.make_data("circles", n_train=64, n_test=32, seed=0)
    loss, _ = networks.network_losses(data, arch, "cross_entropy")
    w = networks.init_weights(arch, "he", seed=0)
    np.testing.assert_allclose(float(loss.weighted(w, np.ones(64))), float(loss(w)), rtol=1e-14)
    settings = dict(learning_rate=0.05, batch_size=8, seed=1)
    networks.train(data, arch, "cross_entropy", w, "momentum", 100, **settings)
    compiled = optim.run.__globals__["_run_one"]._cache_size()
    # New data (same sizes), another seed, batch size, learning rate, penalty: nothing compiles.
    other = networks.make_data("spirals", n_train=64, n_test=32, noise=0.3, seed=5)
    run = networks.train(
        other,
        arch,
        "cross_entropy",
        w + 0.1,
        "momentum",
        100,
        learning_rate=0.01,
        batch_size=16,
        seed=4,
    )
    assert optim.run.__globals__["_run_one"]._cache_size() == compiled
    assert run.train_loss.shape == (101,)
    assert run.test_loss.shape == run.steps.shape == run.test_accuracy.shape


def test_the_widened_network_is_the_narrow_one():
    arch = Architecture((3, 5), "sigmoid")  # σ(0) = ½: the mask, not zero weights, silences
    wide = arch.widened()
    assert wide.widths == (networks.WIDTH_BUCKET, networks.WIDTH_BUCKET)
    assert Architecture((17,), "tanh").widened().widths == (2 * networks.WIDTH_BUCKET,)
    w = RNG.normal(size=arch.num_weights)
    w_wide = arch.widen(w)
    np.testing.assert_array_equal(w_wide[arch.widened_index()], w)
    assert np.count_nonzero(w_wide) == arch.num_weights
    # the layout, read independently: W₁ (2 × 16) holds the narrow W₁ (2 × 3) in its corner
    np.testing.assert_array_equal(w_wide[:32].reshape(2, 16)[:, :3], w[:6].reshape(2, 3))
    data = networks.make_data("moons", n_train=40, n_test=8, seed=1)
    loss, _ = networks.network_losses(data, arch, "squared")
    wide_loss = loss.widened()
    assert float(wide_loss(w_wide)) == pytest.approx(float(loss(w)), rel=1e-13)
    gradient = np.asarray(jax.grad(wide_loss)(w_wide))
    np.testing.assert_allclose(gradient, arch.widen(jax.grad(loss)(w)), rtol=1e-11, atol=1e-15)
    f = networks.forward(wide, w_wide, data.x_train, arch.unit_mask() * 1.0)
    np.testing.assert_allclose(f, _numpy_forward(arch, w, data.x_train), rtol=1e-12)


@pytest.mark.parametrize(
    "optimizer, settings",
    [
        ("adam", dict(learning_rate=0.05, l2=1e-3, clip="norm", clip_threshold=0.5)),
        ("rmsprop_nesterov", dict(learning_rate=0.01, l1=1e-3, batch_size=8)),
        ("adadelta", dict(l1=1e-3, l1_mode="proximal")),
    ],
)
def test_training_padded_to_the_width_bucket_is_training_the_narrow_network(optimizer, settings):
    arch = Architecture((3, 5), "sigmoid")
    data = networks.make_data("spirals", n_train=32, n_test=16, seed=3)
    w0 = networks.init_weights(arch, "xavier", seed=2)
    run = networks.train(data, arch, "squared", w0, optimizer, 200, keep=201, **settings)
    loss, _ = networks.network_losses(data, arch, "squared")
    # the network as it is, its penalties on the weights only
    narrow = optim.run(loss, w0, optimizer, 200, penalty_mask=arch.weight_mask(), **settings)
    np.testing.assert_allclose(run.params, narrow.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(run.train_loss, narrow.loss, rtol=1e-9)


def test_a_new_width_compiles_nothing():
    data = networks.make_data("xor", n_train=32, n_test=32, seed=0)
    for width in (3, 16):  # the first compiles the programs of depth 2
        arch = Architecture((width, width), "tanh")
        w0 = networks.init_weights(arch, "xavier", seed=0)
        run = networks.train(data, arch, "cross_entropy", w0, "adam", 100, learning_rate=0.05)
        networks.outputs_on_grid(arch, run.params[-3:], [0.0, 1.0], [0.0, 1.0, 2.0])
    with CompileCounter() as compiles:
        for width in (1, 7, 12):
            arch = Architecture((width, width), "tanh")
            w0 = networks.init_weights(arch, "xavier", seed=0)
            run = networks.train(data, arch, "cross_entropy", w0, "adam", 100, learning_rate=0.05)
            grid = networks.outputs_on_grid(arch, run.params[-3:], [0.0, 1.0], [0.0, 1.0, 2.0])
            assert run.params.shape == (len(run.steps), arch.num_weights)
            assert grid.shape == (3, 3, 2)
    assert compiles.count == 0


def test_training_run_records_the_losses_it_claims():
    arch = Architecture((5,), "tanh")
    data = networks.make_data("moons", n_train=64, n_test=32, seed=2)
    train_loss, test_loss = networks.network_losses(data, arch, "cross_entropy")
    w0 = networks.init_weights(arch, "xavier", seed=3)
    run = networks.train(data, arch, "cross_entropy", w0, "adam", 500, keep=51, learning_rate=0.05)
    assert len(run.steps) == 51 and run.steps[0] == 0 and run.steps[-1] == 500
    np.testing.assert_array_equal(run.params[0], w0)
    for i in (0, 25, 50):
        w = run.params[i]
        assert run.train_loss[run.steps[i]] == pytest.approx(float(train_loss(w)), rel=1e-12)
        assert run.test_loss[i] == pytest.approx(float(test_loss(w)), rel=1e-12)
        predicted = _numpy_forward(arch, w, data.x_test) > 0
        assert run.test_accuracy[i] == pytest.approx(np.mean(predicted == (data.y_test > 0.5)))
    assert run.weights_at(497)[0] == 500


def test_xor_needs_a_nonlinear_hidden_layer():
    data = networks.make_data("xor", n_train=128, n_test=128, noise=0.05, seed=0)
    accuracy = {}
    for activation in ("linear", "tanh"):
        arch = Architecture((8,), activation)
        w0 = networks.init_weights(arch, "xavier", seed=0)
        run = networks.train(data, arch, "cross_entropy", w0, "adam", 1000, learning_rate=0.05)
        accuracy[activation] = run.test_accuracy[-1]
    # A linear network is a linear classifier: no line separates XOR's quadrants.
    assert accuracy["linear"] < 0.75
    assert accuracy["tanh"] > 0.95


@pytest.mark.parametrize("name", networks.DATASETS)
def test_data_sets(name):
    data = networks.make_data(name, n_train=200, n_test=50, noise=0.1, seed=4)
    assert data.x_train.shape == (200, 2) and data.x_test.shape == (50, 2)
    assert set(np.unique(data.y_train)) <= {0.0, 1.0}
    assert 0.25 < data.y_train.mean() < 0.75  # both classes present in fair numbers
    (x0, x1), (y0, y1) = networks.INPUT_BOX
    inside = (data.x_train[:, 0] > x0) & (data.x_train[:, 0] < x1)
    assert inside.mean() > 0.95
    again = networks.make_data(name, n_train=200, n_test=50, noise=0.1, seed=4)
    np.testing.assert_array_equal(again.x_train, data.x_train)
    other = networks.make_data(name, n_train=200, n_test=50, noise=0.1, seed=5)
    assert not np.array_equal(other.x_train, data.x_train)
    if name == "teacher":
        assert data.teacher is not None
    else:
        np.testing.assert_array_equal(data.t_train, 2 * data.y_train - 1)


def test_teacher_labels_come_from_the_committee_machine():
    data = networks.make_data(
        "teacher", n_train=300, n_test=10, noise=0.0, seed=2, teacher_hidden=4
    )
    # The permutation page's committee machine Σᵢ σ(wᵢ·x + bᵢ), shifted by −k/2.
    f = np.asarray(committee.committee_output(committee.random_teacher(4, 2), data.x_train, 4)) - 2
    np.testing.assert_allclose(data.t_train, f, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(data.y_train, (f > 0).astype(float))
    planes = data.teacher.hyperplanes()  # rows (w₁, w₂, b)
    by_hand = np.sum(1 / (1 + np.exp(-(data.x_train @ planes[:, :2].T + planes[:, 2]))), 1) - 2
    np.testing.assert_allclose(by_hand, f, rtol=1e-12, atol=1e-14)
    # A student of the teacher's shape, at the teacher's weights, has zero squared error.
    loss, _ = networks.network_losses(data, data.teacher.arch, "squared")
    assert float(loss(data.teacher.weights)) < 1e-28  # round-off only
    # A tanh student represents it too: σ(z) = (1 + tanh(z/2))/2.
    (W, b), (v, c) = data.teacher.arch.unflatten(data.teacher.weights)
    tanh_arch = Architecture((4,), "tanh")
    tanh_weights = tanh_arch.flatten([(W / 2, b / 2), (v / 2, c + np.sum(v) / 2)])
    tanh_loss, _ = networks.network_losses(data, tanh_arch, "squared")
    assert float(tanh_loss(tanh_weights)) < 1e-28


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="valid: teacher"):
        networks.make_data("mnist")
    with pytest.raises(ValueError, match="n_train"):
        networks.make_data("xor", n_train=0)
    with pytest.raises(ValueError, match="activation"):
        Architecture((3,), "gelu")
    with pytest.raises(ValueError, match="widths"):
        Architecture(())
    with pytest.raises(ValueError, match="initialisation"):
        networks.init_weights(Architecture((3,)), "orthogonal")
    with pytest.raises(ValueError, match="loss"):
        networks.network_losses(networks.make_data("xor"), Architecture((3,)), "hinge")


# --- the deep linear chain -----------------------------------------------------------------


def test_chain_output_is_the_matrix_power():
    for depth in (1, 5, 30):
        h = np.asarray(jax.jit(deep_chain.chain_output)(np.array([0.9, 1.3]), depth))
        np.testing.assert_allclose(h, [0.9**depth, 1.3**depth], rtol=1e-13)


@pytest.mark.parametrize(("a", "b"), [(1.0, 2.0), (0.5, 0.9), (1.1, 0.7), (-0.8, 1.05)])
def test_chain_gradient_matches_the_closed_form(a, b):
    depths = np.arange(1, deep_chain.MAX_DEPTH + 1)
    grads = deep_chain.chain_gradients(a, b, depths)
    expected = np.stack([depths * a ** (depths - 1.0), depths * b ** (depths - 1.0)], axis=1)
    np.testing.assert_allclose(grads, expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(deep_chain.closed_form_gradient(a, b, depths), expected, rtol=1e-15)


def test_lecture_cases_explode_and_vanish():
    n = np.arange(1, 41)
    exploding = deep_chain.chain_gradients(1.0, 2.0, n)
    np.testing.assert_array_equal(exploding, np.stack([n, n * 2.0 ** (n - 1)], axis=1))
    depths = np.arange(1, deep_chain.MAX_DEPTH + 1)
    vanishing = np.linalg.norm(deep_chain.chain_gradients(0.5, 0.9, depths), axis=1)
    # n·0.9ⁿ⁻¹ peaks near n = 1/ln(1/0.9) ≈ 9.5, then falls geometrically.
    assert np.all(np.diff(vanishing[9:]) < 0) and vanishing[-1] < 1e-6


def test_clipping_keeps_the_direction_and_bounds_the_length():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [0.0, 0.0]])
    clipped = deep_chain.clip_by_norm(g, 1.0)
    np.testing.assert_allclose(clipped, [[0.6, 0.8], [0.3, 0.4], [0.0, 0.0]])


def test_clipping_tames_the_cliff():
    loss = deep_chain.cliff_loss(10, target=2.0)
    start, lr, u = np.array([0.5, 1.2]), 0.02, 1.0
    wild = optim.run(loss, start, "gd", 50, learning_rate=lr)
    tame = optim.run(loss, start, "gd", 50, learning_rate=lr, clip="norm", clip_threshold=u)
    first_step = np.linalg.norm(wild.params[1] - start)
    assert first_step > 1.0  # thrown off the cliff face by one step
    steps = np.linalg.norm(np.diff(tame.params, axis=0), axis=1)
    assert np.all(steps <= lr * u * (1 + 1e-12))
    assert tame.diverged_at is None and tame.loss[-1] < tame.loss[0]
    with pytest.raises(ValueError, match="depths"):
        deep_chain.cliff_loss(0)


def test_weight_labels_follow_the_layout():
    arch = Architecture((3, 2))
    labels = networks.weight_labels(arch)
    assert len(labels) == arch.num_weights
    layers = arch.unflatten(np.arange(arch.num_weights))
    W1, b1 = layers[0]
    assert labels[int(W1[1, 2])] == "x₂ → h¹₃"
    assert labels[int(b1[2])] == "b(h¹₃)"
    W3, b3 = layers[2]
    assert labels[int(W3[1, 0])] == "h²₂ → f" and labels[int(b3[0])] == "b(f)"
    np.testing.assert_allclose(networks.probability([-800.0, 0.0, 800.0]), [0.0, 0.5, 1.0])


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_fast_loss_plane_matches_the_generic_one(activation):
    arch = Architecture((5, 4), activation)
    data = networks.make_data("circles", n_train=50, n_test=10, seed=1)
    loss, _ = networks.network_losses(data, arch, "squared")
    w, d1, d2 = RNG.standard_normal((3, arch.num_weights))
    alphas, betas = np.linspace(-1, 2, 7), np.linspace(-0.5, 0.5, 4)
    generic = spectrum.loss_plane(loss, w, d1, d2, alphas, betas)
    np.testing.assert_allclose(
        networks.loss_plane(loss, w, d1, d2, alphas, betas), generic, rtol=1e-12
    )
    pictures = networks.loss_plane(loss, w, d1, d2, alphas, betas, dtype=np.float32)
    np.testing.assert_allclose(pictures, generic, rtol=1e-5)


def test_loss_planes_of_any_size_share_one_compiled_program():
    arch = Architecture((3,), "tanh")
    data = networks.make_data("moons", n_train=20, n_test=5, seed=0)
    loss, _ = networks.network_losses(data, arch, "cross_entropy")
    w, d1, d2 = RNG.standard_normal((3, arch.num_weights))
    networks.loss_plane(loss, w, d1, d2, np.linspace(-1, 1, 11), np.linspace(-1, 1, 11))
    with CompileCounter() as compiles:
        for size in (21, 31, 101):
            z = networks.loss_plane(loss, w, d1, d2, np.linspace(-1, 1, size), np.zeros(size))
            assert z.shape == (size, size) and np.isfinite(z).all()
    assert compiles.count == 0


def test_weight_mask_marks_matrices_not_biases():
    arch = Architecture((3, 2), "tanh")
    labels = networks.weight_labels(arch)
    mask = arch.weight_mask()
    assert mask.shape == (arch.num_weights,)
    for label, m in zip(labels, mask, strict=True):
        assert m == (0.0 if label.startswith("b(") else 1.0), label
    assert mask.sum() == 2 * 3 + 3 * 2 + 2 * 1


def test_network_weight_decay_is_the_lectures_form_on_weights_only():
    """One GD step of `train` with l2 = λ/m: w ← (1 − ηλ/m) w − η ∂C₀/∂w on the weights,
    b ← b − η ∂C₀/∂b on the biases (Nielsen's form, C = C₀ + λ/(2m) Σ w²)."""
    arch = Architecture((3,), "tanh")
    data = networks.make_data("moons", n_train=20, n_test=4, seed=0)
    w0 = networks.init_weights(arch, "xavier", seed=1)
    w0 = w0 + 0.3 * (1 - arch.weight_mask())  # non-zero biases
    eta, lam, m = 0.2, 2.0, 20
    run = networks.train(data, arch, "squared", w0, "gd", 1, learning_rate=eta, l2=lam / m)
    loss, _ = networks.network_losses(data, arch, "squared")
    grad = np.asarray(jax.grad(loss)(w0))
    weights = arch.weight_mask() == 1
    expected = np.where(weights, (1 - eta * lam / m) * w0, w0) - eta * grad
    np.testing.assert_allclose(run.params[-1], expected, rtol=1e-12)


def test_validation_points_are_drawn_apart_and_do_not_move_the_others():
    plain = networks.make_data("circles", n_train=30, n_test=20, seed=4)
    split = networks.make_data("circles", n_train=30, n_test=20, seed=4, n_val=25)
    assert plain.n_val == 0 and split.n_val == 25
    np.testing.assert_array_equal(plain.x_train, split.x_train)
    np.testing.assert_array_equal(plain.x_test, split.x_test)
    everything = np.concatenate([split.x_train, split.x_test])
    assert not np.any(np.all(np.isclose(split.x_val[:, None], everything[None]), axis=-1))
    teacher = networks.make_data("teacher", n_train=10, n_test=5, seed=2, n_val=8)
    np.testing.assert_allclose(teacher.y_val, teacher.t_val > 0)


def test_training_reports_validation_loss_at_the_kept_steps():
    arch = Architecture((4,), "tanh")
    data = networks.make_data("moons", n_train=24, n_test=10, seed=0, n_val=12)
    w0 = networks.init_weights(arch, "xavier", seed=0)
    run = networks.train(data, arch, "cross_entropy", w0, "adam", 50, keep=11)
    val = networks.network_loss(data, arch, "cross_entropy", "val")
    brute = [float(val(w)) for w in run.params]
    np.testing.assert_allclose(run.val_loss, brute, rtol=1e-12)
    f = np.array([networks.forward(arch, w, data.x_val) for w in run.params])
    np.testing.assert_allclose(run.val_accuracy, np.mean((f > 0) == (data.y_val > 0.5), axis=1))
    no_val = networks.train(
        networks.make_data("moons", 24, 10, seed=0), arch, "cross_entropy", w0, "adam", 50, keep=11
    )
    assert np.all(np.isnan(no_val.val_loss))


def _early_stopping_by_hand(values, patience):
    """Goodfellow et al., Algorithm 7.1, written out as a loop over evaluations."""
    best_value, best, j = np.inf, 0, 0
    for i, v in enumerate(values):
        if v < best_value:
            best_value, best, j = v, i, 0
        else:
            j += 1
        if j >= patience:
            return i, best
    return len(values) - 1, best


def test_early_stopping_against_algorithm_7_1():
    rng = np.random.default_rng(0)
    for _ in range(200):
        values = np.cumsum(rng.normal(size=rng.integers(1, 40)))
        patience = int(rng.integers(1, 8))
        assert networks.early_stopping(values, patience) == _early_stopping_by_hand(
            values, patience
        )
    # a U-shaped curve: the minimum is restored, the stop comes `patience` later
    values = (np.arange(20) - 6.0) ** 2
    assert networks.early_stopping(values, 3) == (9, 6)
    assert networks.early_stopping(values, 100) == (19, 6)
    with pytest.raises(ValueError, match="patience"):
        networks.early_stopping(values, 0)
