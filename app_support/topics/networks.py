"""The Small networks page's cached core calls and its lecture scenes.

Specs are plain tuples (hashable, the cache's keys):

    data_spec   (data set, training points, test points, noise, data seed, teacher's units k,
                 validation points)
    model_spec  (depth, width, activation, initialisation, gain, loss, weight seed)
    settings    sorted (keyword, value) pairs for `optim.run`
    run_key     (data_spec, model_spec, optimizer, settings, steps)

Every view reads the one cached training run of its `run_key` (only its kept weights).
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

import optim
from app_support import alt_text, budget
from app_support.network_sidebar import NetworkSettings
from app_support.presets import Preset, scene
from app_support.urlstate import format_number
from landscapes import deep_chain, networks, spectrum

KEEP = 201  # weights kept per run (the animation, the spectrum and the paths read these)
FRAMES = 60  # decision-boundary animation frames
BOUNDARY_GRID = 44  # heat-map resolution of the decision boundary (cells per side)
INDEX_POINTS = 17  # steps at which the saddle index is computed over training
LINE = np.linspace(-0.5, 1.5, 101)  # t along the line from initial (0) to final (1) weights
TABS = {
    "training": "📈 Training",
    "spectrum": "🎼 Spectrum",
    "weights": "🗺️ Weight space",
    "exploding": "💥 Exploding gradients",
}

_scene = functools.partial(scene, "pages/networks.py")

SCENES: tuple[Preset, ...] = (
    _scene(
        "zero_init",
        "Zero initialisation never breaks the symmetry",
        "All weights start at 0: every hidden unit gets the same gradient, so all lines stay "
        "on top of each other and the network behaves like one with a single unit.",
        data="xor",
        depth="1",
        width="8",
        act="sigmoid",
        init="zero",
        opt="gd",
        **{"gd.learning_rate": "0.5"},
    ),
    _scene(
        "teacher",
        "Student and teacher",
        "Labels come from a committee machine with 3 units (dashed). A student with 3 units "
        "copies it: its lines settle onto the teacher's and the loss falls to round-off. With "
        "weight seed 0 it gets stuck instead, two of its units almost on top of each other.",
        data="teacher",
        k="3",
        noise="0",
        depth="1",
        width="3",
        loss="squared",
        seed="2",
        steps="3000",
        **{"adam.learning_rate": "0.05"},
    ),
    _scene(
        "xor_linear",
        "A linear network cannot learn XOR",
        "With a linear activation any depth is one straight line: XOR stays at chance. "
        "Switch the activation to tanh and it is solved.",
        data="xor",
        act="linear",
        depth="2",
        **{"adam.learning_rate": "0.01"},  # what the scene was made with (Adam's default: 0.001)
    ),
    _scene(
        "spirals_deep",
        "Spirals need many regions",
        "Each unit of the first layer cuts the plane once; deeper layers combine the pieces "
        "into the spiral arms.",
        data="spirals",
        depth="3",
        steps="2000",
        **{"adam.learning_rate": "0.02"},
    ),
    _scene(
        "saddles",
        "Negative curvature along the way",
        "Early in training the Hessian has many negative eigenvalues (a saddle-like region); "
        "their number falls as the loss falls.",
        tab="spectrum",
        data="moons",
        width="8",
        opt="gd",
        **{"gd.learning_rate": "0.3"},
    ),
    _scene(
        "random_plane",
        "The landscape around the solution",
        "A slice along two random directions, each rescaled neuron by neuron to the size of "
        "that neuron's weights (filter normalisation, Li et al. 2018), with the paths of "
        "three optimizers started from the same weights.",
        tab="weights",
        plane="random",
        compare="gd,momentum",
        **{"adam.learning_rate": "0.01"},  # trained close to a solution in its 1000 steps
    ),
    _scene(
        "exploding",
        "Exploding and vanishing gradients",
        "a = 1, b = 2: the gradient (n, n·2ⁿ⁻¹) explodes with depth; clipping caps the step "
        "on the cliff and keeps the descent on track.",
        tab="exploding",
        clip_chain="1",
    ),
)


# --- core calls, cached on plain values --------------------------------------------------


def run_key(chosen: NetworkSettings) -> tuple:
    """(data_spec, model_spec, optimizer, settings, steps) of the sidebar's values."""
    data_spec = (
        chosen.data,
        chosen.n_train,
        chosen.n_test,
        float(chosen.noise),
        int(chosen.data_seed),
        int(chosen.teacher_hidden),
        chosen.n_val,
    )
    model_spec = (
        chosen.depth,
        chosen.width,
        chosen.activation,
        chosen.init,
        float(chosen.init_scale),
        chosen.loss,
        int(chosen.init_seed),
    )
    settings = tuple(sorted(chosen.settings.items()))
    return data_spec, model_spec, chosen.optimizer, settings, chosen.steps


def _problem(data_spec, model_spec):
    name, n_train, n_test, noise, data_seed, k, n_val = data_spec
    depth, width, activation, _, _, kind, _ = model_spec
    data = networks.make_data(name, n_train, n_test, noise, data_seed, k, n_val)
    arch = networks.Architecture((width,) * depth, activation)
    return data, arch, kind


@st.cache_data(max_entries=32, show_spinner=False)
def train(data_spec, model_spec, optimizer, settings, steps) -> networks.TrainingRun:
    """The training run for plain-valued specs (one jitted call inside `optim.run`)."""
    data, arch, kind = _problem(data_spec, model_spec)
    _, _, _, init, scale, _, seed = model_spec
    w0 = networks.init_weights(arch, init, seed, scale)
    return networks.train(data, arch, kind, w0, optimizer, steps, keep=KEEP, **dict(settings))


@st.cache_data(max_entries=32, show_spinner=False)
def boundary(data_spec, model_spec, optimizer, settings, steps, value_range, every_frame):
    """The network's output over input space and the first layer's lines at the last of
    ≤ FRAMES kept steps, or at every one of them if `every_frame` (the animation's frames,
    computed when Play asks for them); the steps of all the frames."""
    run = train(data_spec, model_spec, optimizer, settings, steps)
    _, arch, kind = _problem(data_spec, model_spec)
    frames = networks.kept_steps(len(run.steps) - 1, FRAMES)  # indices into run.steps
    drawn = frames if every_frame else frames[-1:]
    (x0, x1), (y0, y1) = networks.INPUT_BOX
    xs, ys = np.linspace(x0, x1, BOUNDARY_GRID), np.linspace(y0, y1, BOUNDARY_GRID)
    outputs = networks.outputs_on_grid(arch, run.params[drawn], xs, ys)
    values = networks.probability(outputs) if kind == "cross_entropy" else outputs
    planes = networks.first_layer_hyperplanes(arch, run.params[drawn])
    return xs, ys, values, run.steps[frames], planes


@st.cache_data(max_entries=32, show_spinner=False)
def spectrum_at(data_spec, model_spec, optimizer, settings, steps, step, method, m, vectors):
    """The Hessian spectrum at the kept step nearest `step`: exact eigenvalues, or an SLQ
    density with the extreme Ritz values."""
    run = train(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    loss, _ = networks.network_losses(data, arch, kind)
    at, w = run.weights_at(step)
    if method == "exact":
        eigenvalues = spectrum.exact_spectrum(loss, w)
        zero_width = spectrum.ZERO_TOL * float(np.max(np.abs(eigenvalues)))
        return at, {
            "values": eigenvalues,
            "counts": None,
            "zero_width": zero_width,
            "ritz": None,
            "negative": int(spectrum.negative_count(eigenvalues)),
        }
    ritz = spectrum.lanczos(loss, w, m).ritz()[0]
    quadrature = spectrum.slq(loss, w, vectors, m)
    zero_width = spectrum.ZERO_TOL * max(abs(ritz[0]), abs(ritz[-1]), 1e-300)
    n = arch.num_weights
    return at, {
        "values": quadrature.nodes,
        "counts": quadrature.weights * n / len(quadrature.nodes),
        "zero_width": zero_width,
        "ritz": np.concatenate([ritz[:3], ritz[-3:]]),
        "negative": quadrature.fraction_below(-zero_width) * n,
    }


def spectrum_text(at: int, negative: float, weights: int, method: str) -> str:
    """What the spectrum at step `at` shows: its negative eigenvalues (estimated by Lanczos)."""
    approx = "" if method == "exact" else "about "
    text = (
        f"Step {at}: {approx}{negative:.0f} of {weights:,} eigenvalues are negative "
        f"({negative / weights:.1%}): directions in which the loss still curves downward. "
        "Most eigenvalues are tiny: the landscape is flat in most directions."
    )
    if method != "exact":
        text += (
            " Quadrature resolves the crowd near zero only roughly: more steps ℓ and random "
            "vectors sharpen the estimate."
        )
    return text


def curves_alt(run: networks.TrainingRun, best: int, weights: int) -> str:
    """The training curves' text alternative: the numbers of the page's summary (the last
    step's losses and accuracies) and the early-stopping step `best` (an index of run.steps)."""
    end = int(run.steps[-1])
    return alt_text.chart(
        f"Loss and accuracy against the step for a network of {alt_text.count(weights, 'weight')}",
        alt_text.train_test(end, run.train_loss[-1], run.test_loss[-1]),
        alt_text.train_test(end, run.train_accuracy[-1], run.test_accuracy[-1], "accuracy"),
        f"Early stopping keeps step {run.steps[best]}, test loss there "
        f"{alt_text.number(run.test_loss[best])}.",
    )


def boundary_alt(run: networks.TrainingRun, lines: int) -> str:
    """The decision map's text alternative: its first-layer lines and the final accuracies."""
    return alt_text.chart(
        f"Decision map of the network's answer over the input plane with "
        f"{alt_text.count(lines, 'first-layer line')}",
        alt_text.train_test(
            int(run.steps[-1]), run.train_accuracy[-1], run.test_accuracy[-1], "accuracy"
        ),
    )


def spectrum_alt(at: int, result: dict, weights: int, method: str) -> str:
    """The spectrum's text alternative: its extreme eigenvalues (the exact ones, or Lanczos's
    Ritz values) and how many are negative, as the caption counts them."""
    exact = method == "exact"
    extremes = result["values"] if exact else result["ritz"]
    approx = "" if exact else "about "
    return alt_text.chart(
        f"Hessian eigenvalue {'histogram' if exact else 'density'} at step {at}",
        alt_text.extremes("Eigenvalues" if exact else "Extreme Ritz values", extremes),
        f"{approx}{result['negative']:.0f} of {weights:,} eigenvalues are negative.",
    )


def index_alt(steps_shown, counts, at: int) -> str:
    """The index curve's text alternative: the number of negative eigenvalues at the first
    and the last step computed, and its largest value."""
    if len(counts) == 0:
        return alt_text.chart("Number of negative Hessian eigenvalues against the step")
    peak = int(np.nanargmax(counts)) if np.isfinite(counts).any() else 0
    return alt_text.chart(
        f"Number of negative Hessian eigenvalues against the step, marked at step {at}",
        alt_text.values(
            "Index",
            [(f"step {steps_shown[0]}", counts[0]), (f"step {steps_shown[-1]}", counts[-1])],
        ),
        f"Largest {alt_text.number(counts[peak])} at step {steps_shown[peak]}.",
    )


def plane_alt(at: int, Z, axis_names) -> str:
    """The weight-plane slice's text alternative: the training loss at its centre (the
    weights at step `at`) and its range over the slice."""
    Z = np.asarray(Z, dtype=float)
    centre = Z[Z.shape[0] // 2, Z.shape[1] // 2]
    return alt_text.chart(
        f"Training loss on a plane through the weights at step {at}, along "
        f"{axis_names[0]} and {axis_names[1]}",
        f"At the centre {alt_text.number(centre)}.",
        alt_text.extremes("Over the slice, values", Z.ravel()),
    )


def line_verdict(line_train) -> str:
    """Whether the training loss falls all the way from the initial to the final weights
    (t in [0, 1]), or climbs a wall on the way (its largest rise)."""
    between = (LINE >= 0) & (LINE <= 1)
    rise = spectrum.largest_rise(line_train[between])
    if rise <= 1e-3 * max(float(np.nanmax(line_train[between])), 1e-12):
        return "here it falls all the way"
    return f"here it climbs a wall of {rise:.3g} on the way"


def line_alt(line_train, line_test, verdict: str) -> str:
    """The interpolation line's text alternative: the losses at the initial (t = 0) and the
    final (t = 1) weights and the caption's verdict."""
    ends = [int(np.argmin(np.abs(LINE - t))) for t in (0.0, 1.0)]
    return alt_text.chart(
        "Loss on the straight line from the initial (t = 0) to the final (t = 1) weights",
        alt_text.values("Training loss", [(f"t = {LINE[i]:g}", line_train[i]) for i in ends]),
        alt_text.values("Test loss", [(f"t = {LINE[i]:g}", line_test[i]) for i in ends]),
        verdict[0].upper() + verdict[1:] + ".",
    )


def chain_alt(depth: int, gradient) -> str:
    """The deep chain's text alternative: the gradient at the deepest chain (the caption's)."""
    return alt_text.chart(
        "Gradient norm against the depth n of a linear chain",
        f"At n = {depth} the gradient is ({gradient[0]:.3g}, {gradient[1]:.3g}).",
    )


def cliff_fate(run) -> str:
    """Where plain gradient descent at the cliff goes: diverges, or where it ends."""
    if run.diverged_at is not None:
        return f"leaves the picture at step 1 and diverges at step {run.diverged_at}"
    return f"ends at ({run.params[-1][0]:.2f}, {run.params[-1][1]:.2f})"


def cliff_alt(plain, clipped, threshold: float) -> str:
    """The cliff's text alternative: where the plain and the clipped run go."""
    return alt_text.chart(
        "Contour map of a cliff made by a deep chain, gradient descent plain and clipped",
        f"Plain gradient descent {cliff_fate(plain)}; clipped at u = {format_number(threshold)} "
        f"it {cliff_fate(clipped)}.",
    )


@st.cache_data(max_entries=32, show_spinner=False)
def index_over_training(
    data_spec, model_spec, optimizer, settings, steps, method, m, vectors, points=INDEX_POINTS
):
    """The number of negative eigenvalues at `points` kept steps (`budget.fit_spectrum` may
    ask for fewer than INDEX_POINTS)."""
    run = train(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    loss, _ = networks.network_losses(data, arch, kind)
    chosen = networks.kept_steps(len(run.steps) - 1, points)
    if method == "exact":
        counts = spectrum.negative_count(spectrum.spectra_along(loss, run.params[chosen]))
    else:
        counts = []
        for w in run.params[chosen]:
            quadrature = spectrum.slq(loss, w, vectors, m)
            # The quadrature's outermost nodes are Ritz values too: they set the scale.
            zero_width = spectrum.ZERO_TOL * max(float(np.max(np.abs(quadrature.nodes))), 1e-300)
            counts.append(quadrature.fraction_below(-zero_width) * arch.num_weights)
    return run.steps[chosen], np.asarray(counts, dtype=float)


@st.cache_data(max_entries=32, show_spinner=False)
def directions(data_spec, model_spec, optimizer, settings, steps, step, plane, i, j, seed):
    """The centre (weights at the inspected step) and the two directions of the plane."""
    run = train(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    at, centre = run.weights_at(step)
    n = arch.num_weights
    if plane == "weights":
        return at, centre, spectrum.coordinate_direction(n, i), spectrum.coordinate_direction(n, j)
    if plane == "random":
        ids = arch.filter_ids()
        d1 = spectrum.filter_normalise(spectrum.random_direction(n, seed), centre, ids)
        d2 = spectrum.filter_normalise(spectrum.random_direction(n, seed + 1), centre, ids)
        return at, centre, d1, d2
    loss, _ = networks.network_losses(data, arch, kind)
    _, vectors = spectrum.top_eigenvectors(loss, centre, k=2)
    return at, centre, vectors[:, 0], vectors[:, 1]


@st.cache_data(max_entries=32, show_spinner=False)
def weight_plane(data_spec, model_spec, optimizer, settings, steps, plane_spec, span, size, others):
    """The loss on the plane and every run's path projected onto it."""
    at, centre, d1, d2 = directions(data_spec, model_spec, optimizer, settings, steps, *plane_spec)
    data, arch, kind = _problem(data_spec, model_spec)
    loss, _ = networks.network_losses(data, arch, kind)
    alphas = np.linspace(-span, span, size)
    Z = networks.loss_plane(loss, centre, d1, d2, alphas, alphas, dtype=np.float32)
    paths = []
    for name, run_settings in ((optimizer, settings), *others):
        run = train(data_spec, model_spec, name, run_settings, steps)
        paths.append((name, spectrum.plane_coordinates(run.params, centre, d1, d2)))
    return at, alphas, Z, paths


@st.cache_data(max_entries=32, show_spinner=False)
def interpolation(data_spec, model_spec, optimizer, settings, steps):
    """Training and test loss on the line from the initial to the final weights."""
    run = train(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    train_loss, test_loss = networks.network_losses(data, arch, kind)
    w0, w1 = run.params[0], run.params[-1]
    return spectrum.loss_line(train_loss, w0, w1, LINE), spectrum.loss_line(test_loss, w0, w1, LINE)


@st.cache_data(max_entries=32, show_spinner=False)
def cliff_runs(depth, learning_rate, start, threshold, steps):
    """Gradient descent on the chain's cliff without and with clipping, and the loss grid."""
    loss = deep_chain.cliff_loss(depth)
    plain = optim.run(loss, np.asarray(start), "gd", steps, learning_rate=learning_rate)
    clipped = optim.run(
        loss,
        np.asarray(start),
        "gd",
        steps,
        learning_rate=learning_rate,
        clip="norm",
        clip_threshold=threshold,
    )
    axis = np.linspace(0.0, 1.5, 101)
    grid = spectrum.loss_plane(loss, np.zeros(2), np.eye(2)[0], np.eye(2)[1], axis, axis)
    return axis, grid, plain, clipped


def default_runs(others, settings, hypers) -> tuple:
    """The runs of the optimizers `others` drawn next to the chosen one: each with its own
    default hyperparameters and the chosen run's other settings (schedule, clipping, L1/L2,
    batch size), as (name, sorted settings) pairs for `weight_plane`."""
    option_items = tuple(item for item in settings if item[0] not in hypers)
    return tuple(
        (
            name,
            tuple(
                sorted(
                    {
                        **{h.name: h.default for h in optim.get_rule(name).hypers},
                        **dict(option_items),
                    }.items()
                )
            ),
        )
        for name in others
    )


def chain_curves(a: float, b: float, max_depth: int) -> list[tuple[str, np.ndarray]]:
    """‖∇E‖ of the deep linear chain for depths 1 … `max_depth`: W = diag(a, b) first, then
    the lecture's cases that differ from it, each labelled by its (a, b)."""
    chains = {f"a = {format_number(a)}, b = {format_number(b)}": (a, b)}
    for name, pair in deep_chain.LECTURE_CASES.items():
        if pair != (a, b):
            chains[f"a = {format_number(pair[0])}, b = {format_number(pair[1])} ({name})"] = pair
    # Every depth up to MAX_DEPTH at once, then cut: one array shape whatever n is, so the
    # depth slider never compiles.
    every_depth = np.arange(1, deep_chain.MAX_DEPTH + 1)
    curves = [
        (label, np.linalg.norm(deep_chain.chain_gradients(*pair, every_depth), axis=1))
        for label, pair in chains.items()
    ]
    return [(label, norms[:max_depth]) for label, norms in curves]


def fit_training(chosen: NetworkSettings):
    """The sidebar's settings with the training fitted to the budget (a link may ask for 3,000
    steps on 1,024 points of the widest net), the architecture, and the budget's plan."""
    arch = networks.Architecture((chosen.width,) * chosen.depth, chosen.activation)
    batch = chosen.settings.get("batch_size", chosen.n_train)
    plan = budget.fit_training(chosen.steps, batch, arch.num_weights)
    return chosen._replace(steps=plan.steps), arch, plan
