"""Small networks: train an MLP on 2-D data and look at it from input space and weight space.

Sidebar: the data (a teacher network or a toy set, noise, sizes, seed), the model (depth,
width, activation, initialisation, loss), the optimizer with its hyperparameters, steps, batch
size, schedule, clipping and L1/L2, and the step to inspect. Tabs (only the open one computes):
Training (the decision boundary with every first-layer neuron's line, animated over training in
the browser; loss and accuracy curves), Spectrum (the Hessian's eigenvalues at the inspected
step, exact or by Lanczos; negative eigenvalues over training), Weight space (a loss slice
through the inspected weights along two weights, two filter-normalised random directions or
the top two Hessian eigenvectors, with the training paths projected on it; the loss on the
straight line from the initial to the final weights) and Exploding gradients (the deep linear
chain, and clipping on a cliff). Every number comes from `landscapes.networks`,
`landscapes.spectrum` and `landscapes.deep_chain`; every setting lives in the URL.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

import optim
from app_support import budget, notation
from app_support.caching import cached
from app_support.charts import frames_requested, plotly_chart
from app_support.optimizers import optimizer_panel, swatch, training_options
from app_support.page import lazy_expander, page_setup
from app_support.presets import Preset, scene
from app_support.urlstate import Setting, format_number
from landscapes import committee, deep_chain, networks, spectrum
from viz import networks as figures

PAGE = "networks"
PLOT_CONFIG = {"displaylogo": False, "toImageButtonOptions": {"filename": "small-network"}}
KEEP = 201  # weights kept per run (the animation, the spectrum and the paths read these)
FRAMES = 60  # decision-boundary animation frames
BOUNDARY_GRID = 44  # heat-map resolution of the decision boundary (cells per side)
INDEX_POINTS = 17  # steps at which the saddle index is computed over training
LINE = np.linspace(-0.5, 1.5, 101)
LANCZOS_STEPS = ("20", "40", "60", "100", "150", "200")
PROBES = ("1", "2", "4", "8", "16", "32")  # t along the line from initial (0) to final (1) weights
# Newton-type rules build the Hessian at every step: far too slow for a network in a page.
OPTIMIZERS = tuple(n for n in optim.OPTIMIZERS if not optim.get_rule(n).needs_hessian)

TABS = {
    "training": "📈 Training",
    "spectrum": "🎼 Spectrum",
    "weights": "🗺️ Weight space",
    "exploding": "💥 Exploding gradients",
}
BOUNDARY_CHART = f"{PAGE}.chart.boundary"


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

page = page_setup(PAGE, "Small networks", icon="🧠")
state = page.state
side = st.sidebar

# --- core calls, cached on plain values ----------------------------------------------------


def _problem(data_spec, model_spec):
    name, n_train, n_test, noise, data_seed, k, n_val = data_spec
    depth, width, activation, _, _, kind, _ = model_spec
    data = networks.make_data(name, n_train, n_test, noise, data_seed, k, n_val)
    arch = networks.Architecture((width,) * depth, activation)
    return data, arch, kind


def train(data_spec, model_spec, optimizer, settings, steps) -> networks.TrainingRun:
    """The training run for plain-valued specs (one jitted call inside `optim.run`)."""
    data, arch, kind = _problem(data_spec, model_spec)
    _, _, _, init, scale, _, seed = model_spec
    w0 = networks.init_weights(arch, init, seed, scale)
    return networks.train(data, arch, kind, w0, optimizer, steps, keep=KEEP, **dict(settings))


def boundary(data_spec, model_spec, optimizer, settings, steps, value_range, every_frame):
    """The network's output over input space and the first layer's lines at the last of
    ≤ FRAMES kept steps, or at every one of them if `every_frame` (the animation's frames,
    computed when Play asks for them); the steps of all the frames."""
    run = cached(train)(data_spec, model_spec, optimizer, settings, steps)
    _, arch, kind = _problem(data_spec, model_spec)
    frames = networks.kept_steps(len(run.steps) - 1, FRAMES)  # indices into run.steps
    drawn = frames if every_frame else frames[-1:]
    (x0, x1), (y0, y1) = networks.INPUT_BOX
    xs, ys = np.linspace(x0, x1, BOUNDARY_GRID), np.linspace(y0, y1, BOUNDARY_GRID)
    outputs = networks.outputs_on_grid(arch, run.params[drawn], xs, ys)
    values = networks.probability(outputs) if kind == "cross_entropy" else outputs
    planes = networks.first_layer_hyperplanes(arch, run.params[drawn])
    return xs, ys, values, run.steps[frames], planes


def spectrum_at(data_spec, model_spec, optimizer, settings, steps, step, method, m, vectors):
    """The Hessian spectrum at the kept step nearest `step`: exact eigenvalues, or an SLQ
    density with the extreme Ritz values."""
    run = cached(train)(data_spec, model_spec, optimizer, settings, steps)
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


def index_over_training(data_spec, model_spec, optimizer, settings, steps, method, m, vectors):
    """The number of negative eigenvalues at INDEX_POINTS kept steps."""
    run = cached(train)(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    loss, _ = networks.network_losses(data, arch, kind)
    chosen = networks.kept_steps(len(run.steps) - 1, INDEX_POINTS)
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


def directions(data_spec, model_spec, optimizer, settings, steps, step, plane, i, j, seed):
    """The centre (weights at the inspected step) and the two directions of the plane."""
    run = cached(train)(data_spec, model_spec, optimizer, settings, steps)
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


def weight_plane(data_spec, model_spec, optimizer, settings, steps, plane_spec, span, size, others):
    """The loss on the plane and every run's path projected onto it."""
    at, centre, d1, d2 = cached(directions)(
        data_spec, model_spec, optimizer, settings, steps, *plane_spec
    )
    data, arch, kind = _problem(data_spec, model_spec)
    loss, _ = networks.network_losses(data, arch, kind)
    alphas = np.linspace(-span, span, size)
    Z = networks.loss_plane(loss, centre, d1, d2, alphas, alphas, dtype=np.float32)
    paths = []
    for name, run_settings in ((optimizer, settings), *others):
        run = cached(train)(data_spec, model_spec, name, run_settings, steps)
        paths.append((name, spectrum.plane_coordinates(run.params, centre, d1, d2)))
    return at, alphas, Z, paths


def interpolation(data_spec, model_spec, optimizer, settings, steps):
    """Training and test loss on the line from the initial to the final weights."""
    run = cached(train)(data_spec, model_spec, optimizer, settings, steps)
    data, arch, kind = _problem(data_spec, model_spec)
    train_loss, test_loss = networks.network_losses(data, arch, kind)
    w0, w1 = run.params[0], run.params[-1]
    return spectrum.loss_line(train_loss, w0, w1, LINE), spectrum.loss_line(test_loss, w0, w1, LINE)


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


# --- lecture scenes ------------------------------------------------------------------------

page.scenes(SCENES)
page.notation(notation.ROWS[PAGE])

# --- sidebar: data, model, training --------------------------------------------------------

side.subheader("Data")
data_name = state.widget(
    Setting.choice(
        "data", "Data set", "spirals", networks.DATASETS, labels=networks.DATASET_TITLES
    ),
    side,
)
teacher_hidden = 3
if data_name == "teacher":
    teacher_hidden = state.widget(
        Setting.integer(
            "k",
            "Teacher's hidden units",
            3,
            1,
            committee.MAX_HIDDEN,
            help="The committee machine f(x) = Σᵢ σ(wᵢ·x + bᵢ) − k/2 that labels the data "
            "(the same teacher as on the permutation-symmetry page).",
        ),
        side,
    )
noise = state.widget(
    Setting.number(
        "noise",
        "Noise (standard deviation)",
        0.1,
        0.0,
        1.0,
        step=0.01,
        help="Toy sets: std of the noise added to each point. Teacher: std of the noise "
        "added to its output before labelling.",
    ),
    side,
)
sizes = side.columns(2)
SIZES = ("32", "64", "128", "256", "512", "1024")
n_train = int(state.widget(Setting.choice("n", "Training points", "256", SIZES), sizes[0]))
n_test = int(state.widget(Setting.choice("n_test", "Test points", "256", SIZES), sizes[1]))
sizes = side.columns(2)
n_val = int(
    state.widget(
        Setting.choice(
            "n_val",
            "Validation points",
            "128",
            SIZES,
            help="Held out of training to decide when to stop (early stopping); the test "
            "points only report.",
        ),
        sizes[0],
    )
)
data_seed = state.widget(
    Setting.integer("data_seed", "Data seed", 0, 0, 9999, widget="number"), sizes[1]
)

side.subheader("Model")
shape = side.columns(2)
depth = state.widget(Setting.integer("depth", "Hidden layers", 2, 1, networks.MAX_DEPTH), shape[0])
width = state.widget(
    Setting.integer("width", "Units per layer", 16, 1, networks.MAX_WIDTH), shape[1]
)
activation = state.widget(
    Setting.choice(
        "act",
        "Activation g",
        "tanh",
        networks.ACTIVATIONS,
        labels={"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoid σ", "linear": "linear"},
    ),
    side,
)
init = state.widget(
    Setting.choice(
        "init",
        "Initialisation",
        "xavier",
        networks.INITIALISATIONS,
        labels=networks.INITIALISATION_TITLES,
        help="m inputs and n outputs of a layer; biases start at 0.",
    ),
    side,
)
side.caption(networks.INITIALISATION_NOTE)
init_scale = state.widget(
    Setting.number(
        "scale",
        "Initial weights × gain",
        1.0,
        0.01,
        10.0,
        scale="log",
        help="Too small: signals and gradients vanish. Too large: units saturate or explode.",
    ),
    side,
)
kind = state.widget(
    Setting.choice(
        "loss",
        "Loss",
        "cross_entropy",
        networks.LOSSES,
        labels={"squared": "squared error ½(f − t)²", "cross_entropy": "cross-entropy"},
    ),
    side,
)
init_seed = state.widget(Setting.integer("seed", "Weight seed", 0, 0, 9999, widget="number"), side)

side.subheader("Training")
optimizer = state.widget(
    Setting.choice(
        "opt",
        "Optimizer",
        "adam",
        OPTIMIZERS,
        labels={n: optim.get_rule(n).title for n in OPTIMIZERS},
    ),
    side,
)
hypers = optimizer_panel(state, optimizer, side)


def _new_length():
    state.reset(["at"])  # a new run length: inspect its end again


steps = state.widget(
    Setting.integer("steps", "Steps", 1000, 10, 3000, step=10), side, on_change=_new_length
)
batch = state.widget(
    Setting.choice(
        "batch",
        "Batch size",
        "full",
        ("full", "1", "4", "16", "32", "64", "128"),
        labels={"full": "full batch"},
        help="Examples per step; each epoch reshuffles them.",
    ),
    side,
)
options_menu = lazy_expander(side, "Schedule, clipping, L1/L2", f"{PAGE}.options_menu")
options = training_options(
    state,
    options_menu,
    steps=steps,
    shown=bool(options_menu.open),
    penalty_note="λ₁ and λ₂ act on the weights w, not on the biases b.",
)

settings = {**hypers, **options}
if batch != "full" and int(batch) < n_train:
    settings["batch_size"] = int(batch)
arch = networks.Architecture((width,) * depth, activation)
training_plan = budget.fit_training(steps, settings.get("batch_size", n_train), arch.num_weights)
settings = tuple(sorted(settings.items()))
if training_plan.note:
    st.info(training_plan.note)
steps = training_plan.steps
data_spec = (data_name, n_train, n_test, float(noise), int(data_seed), int(teacher_hidden), n_val)
model_spec = (depth, width, activation, init, float(init_scale), kind, int(init_seed))
run_key = (data_spec, model_spec, optimizer, settings, steps)

inspect = state.widget(
    Setting.integer(
        "at",
        "Step to inspect",
        steps,
        0,
        steps,
        help="The spectrum and the weight-space slice are taken at this step.",
    ),
    side,
)

# --- training ------------------------------------------------------------------------------

try:
    with budget.heavy_job("Training the network…"):
        run = cached(train)(*run_key)
except ValueError as error:
    st.error(f"This run cannot start: {error}")
    page.share_link()
    state.finish()
    st.stop()
if run.diverged_at is not None:
    st.error(
        f"**Training diverged at step {run.diverged_at}** — lower ε (now "
        f"{format_number(hypers['learning_rate'])}) or clip the gradient. The views show the "
        "weights up to the last good step.",
        icon="💥",
    )
inspected_step, _ = run.weights_at(inspect)
data = networks.make_data(*data_spec)
teacher = data.teacher

summary = st.columns(5)
summary[0].metric("Weights N", f"{arch.num_weights:,}")
summary[1].metric("Training loss", f"{run.train_loss[-1]:.3g}")
summary[2].metric("Test loss", f"{run.test_loss[-1]:.3g}")
summary[3].metric("Training accuracy", f"{run.train_accuracy[-1]:.0%}")
summary[4].metric("Test accuracy", f"{run.test_accuracy[-1]:.0%}")

# --- tabs (only the open one computes) -----------------------------------------------------

tab, containers = page.tabs(TABS)

if tab == "training":
    with containers["training"]:
        if kind == "cross_entropy":
            value_range, value_title = (0.0, 1.0), "p(class 1)"
        else:  # the targets' range: ±1 for toy sets, the teacher's outputs for teacher data
            reach = max(1.0, float(np.max(np.abs(data.t_train))))
            value_range, value_title = (-reach, reach), "output f"
        # Early stopping on the validation loss, patience = the whole run: its lowest point.
        _, best = networks.early_stopping(run.val_loss, len(run.val_loss))
        left, right = st.columns([3, 2])
        # The curves first: they need only the run, so the browser draws them while the
        # decision map is computed.
        plotly_chart(
            figures.training_figure(
                run.train_loss,
                run.steps,
                run.test_loss,
                run.train_accuracy,
                run.test_accuracy,
                marked_step=inspected_step,
                diverged_at=run.diverged_at,
                val_loss=run.val_loss,
                val_accuracy=run.val_accuracy,
                stop_step=int(run.steps[best]),
                look=page.look,
            ),
            key=f"{PAGE}.chart.curves",
            look=page.look,
            where=right,
            config=PLOT_CONFIG,
        )
        right.caption(
            "Where the validation loss turns up while the training loss keeps falling, the "
            "network has started to learn the noise. Early stopping keeps the weights of the "
            f"lowest validation loss, step {run.steps[best]} (◆): test loss there "
            f"{run.test_loss[best]:.3g}, at the end {run.test_loss[-1]:.3g}. The test set "
            "is not used to choose: it only reports."
        )
        right.markdown(swatch(optimizer), unsafe_allow_html=True)
        right.latex(optim.get_rule(optimizer).latex)
        # The still map costs one map of the network; its 60 frames only when Play asks.
        every_frame = frames_requested(BOUNDARY_CHART)
        xs, ys, values, frame_steps, planes = cached(boundary)(*run_key, value_range, every_frame)
        plotly_chart(
            figures.decision_figure(
                xs,
                ys,
                values,
                frame_steps,
                planes,
                (data.x_train, data.y_train),
                (data.x_test, data.y_test),
                teacher_planes=None if teacher is None else teacher.hyperplanes(),
                value_range=value_range,
                value_title=value_title,
                look=page.look,
            ),
            key=BOUNDARY_CHART,
            look=page.look,
            where=left,
            config=PLOT_CONFIG,
            frames_on_request=True,
        )
        left.caption(
            "▶ Play: the colour is the network's answer, each black line one first-layer neuron "
            "(w·x + b = 0)" + (", dashed the teacher's units." if teacher is not None else ".")
        )
        page.explain(
            "Every neuron of the first layer splits the input plane along a line: active on "
            "one side, not on the other. n lines cut the plane into at most 1 + n + n(n−1)/2 "
            "regions, and the deeper layers combine these regions into the decision boundary. "
            "With all-zero initial weights every neuron gets the same gradient, so the lines "
            "stay on top of each other for ever: random initial weights break this symmetry."
        )

elif tab == "spectrum":
    with containers["spectrum"]:
        controls = st.columns(3)
        method_choice = state.widget(
            Setting.choice(
                "method",
                "Method",
                "auto",
                ("auto", "exact", "lanczos"),
                labels={
                    "auto": f"automatic (exact up to {spectrum.EXACT_LIMIT:,} weights)",
                    "exact": "exact: Hessian + eigh",
                    "lanczos": "Lanczos + stochastic quadrature",
                },
                help="Lanczos: ℓ Hessian-vector products give a small matrix whose extreme "
                "eigenvalues match H's, without ever building H; averaging over random "
                "start vectors (quadrature) estimates how many eigenvalues lie where.",
            ),
            controls[0],
        )
        method = method_choice
        if method == "auto":
            method = "exact" if arch.num_weights <= spectrum.EXACT_LIMIT else "lanczos"
        lanczos_steps, probes = 0, 0  # exact: no Lanczos
        if method == "lanczos":
            # A few values each: both are array sizes, so every new value compiles once.
            lanczos_steps = int(
                state.widget(
                    Setting.choice("m", "Lanczos steps ℓ", "60", LANCZOS_STEPS), controls[1]
                )
            )
            probes = int(
                state.widget(
                    Setting.choice("probes", "Random start vectors", "8", PROBES), controls[2]
                )
            )
        plan = budget.fit_spectrum(
            method, arch.num_weights, n_train, lanczos_steps, probes, INDEX_POINTS
        )
        if plan.note:
            st.info(plan.note)
        method, lanczos_steps, probes = plan.method, plan.m, plan.probes
        asked = (method, lanczos_steps, probes)
        with budget.heavy_job("Computing the Hessian spectrum…"):
            at, result = cached(spectrum_at)(*run_key, inspected_step, *asked)
            steps_shown, counts = cached(index_over_training)(*run_key, *asked)
        left, right = st.columns([3, 2])
        plotly_chart(
            figures.spectrum_figure(
                result["values"],
                counts=result["counts"],
                zero_width=result["zero_width"],
                ritz=result["ritz"],
                estimated=method != "exact",
                look=page.look,
            ),
            key=f"{PAGE}.chart.spectrum",
            look=page.look,
            where=left,
            config=PLOT_CONFIG,
        )
        negative = result["negative"]
        approx = "" if method == "exact" else "about "
        left.caption(
            f"Step {at}: {approx}{negative:.0f} of {arch.num_weights:,} eigenvalues are "
            f"negative ({negative / arch.num_weights:.1%}): directions in which the loss "
            "still curves downward. Most eigenvalues are tiny: the landscape is flat in most "
            "directions."
            + (
                ""
                if method == "exact"
                else " Quadrature resolves the crowd near zero only roughly: more steps ℓ and "
                "random vectors sharpen the estimate."
            )
        )
        plotly_chart(
            figures.index_figure(
                steps_shown, counts, arch.num_weights, marked_step=at, look=page.look
            ),
            key=f"{PAGE}.chart.index",
            look=page.look,
            where=right,
            config=PLOT_CONFIG,
        )
        right.caption("The index (number of downhill directions) over training.")
        page.explain(
            "The Hessian H_ab = ∂²E/∂w_a∂w_b has one eigenvalue per weight. At a minimum all "
            "are ≥ 0; each negative one is a direction in which the loss still goes down. "
            f"Eigenvalues with |h| ≤ {spectrum.ZERO_TOL:g}·max|h| count as zero. *Exact*: "
            "the full Hessian and its eigen-decomposition, O(N³). *Lanczos*: ℓ Hessian-vector "
            "products build a small tridiagonal matrix whose extreme eigenvalues (ticks) match "
            "H's; averaging over random start vectors (stochastic Lanczos quadrature) "
            "estimates the whole density, and so the fraction of negative eigenvalues."
        )

elif tab == "weights":
    with containers["weights"]:
        n = arch.num_weights
        controls = st.columns([2, 1, 1, 1])
        plane = state.widget(
            Setting.choice(
                "plane",
                "Plane through the inspected weights",
                "hessian",
                ("weights", "random", "hessian"),
                labels={
                    "weights": "two chosen weights (the rest fixed)",
                    "random": "two random directions, filter-normalised",
                    "hessian": "top two Hessian eigenvectors",
                },
                help="Filter-normalised: each random direction is rescaled neuron by neuron "
                "to the size of that neuron's weights (Li et al. 2018).",
            ),
            controls[0],
        )
        span = state.widget(
            Setting.number("span", "Half-width of the slice", 1.0, 0.01, 10.0, scale="log"),
            controls[1],
        )
        size = state.widget(
            Setting.integer("grid", "Grid points per side", 41, 11, 101, step=10), controls[2]
        )
        others = state.widget(
            Setting.multichoice(
                "compare",
                "Also draw",
                (),
                tuple(o for o in OPTIMIZERS if o != optimizer),
                labels={o: optim.get_rule(o).title for o in OPTIMIZERS},
                max_items=3,
                help="Other optimizers from the same initial weights, each with its default "
                "hyperparameters; their paths are projected onto the same plane.",
            ),
            controls[3],
        )
        labels = networks.weight_labels(arch)
        index_choices = tuple(str(i) for i in range(n))
        index_labels = {str(i): f"w{i}: {label}" for i, label in enumerate(labels)}
        first, second, seed = 0, min(1, n - 1), 0
        if plane == "weights":
            picks = st.columns(2)
            first = int(
                state.widget(
                    Setting.choice(
                        "wi", "First weight (c₁)", "0", index_choices, labels=index_labels
                    ),
                    picks[0],
                )
            )
            second = int(
                state.widget(
                    Setting.choice(
                        "wj",
                        "Second weight (c₂)",
                        index_choices[min(1, n - 1)],
                        index_choices,
                        labels=index_labels,
                    ),
                    picks[1],
                )
            )
        elif plane == "random":
            seed = state.widget(
                Setting.integer("dir_seed", "Direction seed", 0, 0, 9999, widget="number"), st
            )
        option_items = tuple(item for item in settings if item[0] not in hypers)
        other_runs = tuple(
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
        grid_plan = budget.fit_grid(size, n_train, arch.num_weights)
        if grid_plan.note:
            st.info(grid_plan.note)
        with budget.heavy_job("Training the other optimizers and slicing the loss…"):
            at, alphas, Z, paths = cached(weight_plane)(
                *run_key,
                (inspected_step, plane, first, second, seed),
                span,
                grid_plan.grid,
                other_runs,
            )
        axis_names = {
            "weights": (f"c₁: {index_labels[str(first)]}", f"c₂: {index_labels[str(second)]}"),
            "random": ("c₁ (random direction 1)", "c₂ (random direction 2)"),
            "hessian": ("c₁ (eigenvector of h₁, the largest)", "c₂ (eigenvector of h₂)"),
        }[plane]
        left, right = st.columns([3, 2])
        plotly_chart(
            figures.plane_figure(
                alphas,
                alphas,
                Z,
                [figures.PlanePath(name, optim.get_rule(name).title, xy) for name, xy in paths],
                x_title=axis_names[0],
                y_title=axis_names[1],
                centre_label=f"weights at step {at}",
                look=page.look,
            ),
            key=f"{PAGE}.chart.plane",
            look=page.look,
            where=left,
            config=PLOT_CONFIG,
        )
        left.caption(
            f"Training loss on a plane through the weights at step {at} (✕); paths projected "
            "on it (○ start, ★ end). The paths leave the plane: only their shadows are drawn."
        )
        with budget.heavy_job("Evaluating the loss along the line…"):
            line_train, line_test = cached(interpolation)(*run_key)
        plotly_chart(
            figures.line_figure(
                LINE, [("training loss", line_train), ("test loss", line_test)], look=page.look
            ),
            key=f"{PAGE}.chart.line",
            look=page.look,
            where=right,
            config=PLOT_CONFIG,
        )
        between = (LINE >= 0) & (LINE <= 1)
        rise = spectrum.largest_rise(line_train[between])
        verdict = (
            "here it falls all the way"
            if rise <= 1e-3 * max(float(np.nanmax(line_train[between])), 1e-12)
            else f"here it climbs a wall of {rise:.3g} on the way"
        )
        right.caption(
            "Loss on the straight line from the initial to the final weights. Goodfellow, "
            f"Vinyals & Saxe (2015) found it often falls smoothly; {verdict}."
        )
        page.explain(
            "A network with N weights has an N-dimensional landscape; a picture can only show "
            "a 2-D slice. *Two chosen weights* is the lecture's view: change two weights, keep "
            "the others. *Random directions* are rescaled neuron by neuron to the size of that "
            "neuron's weights (filter normalisation, Li et al. 2018), so slices of different "
            "networks are comparable. *Top Hessian eigenvectors* are the two most curved "
            "directions: the narrowest cut through the valley."
        )

else:
    with containers["exploding"]:
        controls = st.columns(4)
        a = state.widget(
            Setting.number("a", "a — first weight of W = diag(a, b)", 1.0, 0.0, 2.5, step=0.05),
            controls[0],
        )
        b = state.widget(
            Setting.number("b", "b — second weight", 2.0, 0.0, 2.5, step=0.05), controls[1]
        )
        max_depth = state.widget(
            Setting.integer("depth_n", "Deepest chain n", 30, 2, deep_chain.MAX_DEPTH),
            controls[2],
        )
        clip_on = state.widget(Setting.flag("clip_chain", "Clip the gradient"), controls[3])
        threshold = state.widget(
            Setting.number(
                "u",
                "u — clipping threshold",
                1.0,
                0.01,
                1000.0,
                scale="log",
                help="Used by the chain when clipping is on, and always by the clipped run "
                "on the cliff.",
            ),
            controls[3],
        )
        depths = np.arange(1, max_depth + 1)
        chains = {f"a = {format_number(a)}, b = {format_number(b)}": (a, b)}
        for name, pair in deep_chain.LECTURE_CASES.items():
            if pair != (a, b):
                chains[f"a = {format_number(pair[0])}, b = {format_number(pair[1])} ({name})"] = (
                    pair
                )
        # Every depth up to MAX_DEPTH at once, then cut: one array shape whatever n is, so the
        # depth slider never compiles.
        every_depth = np.arange(1, deep_chain.MAX_DEPTH + 1)
        curves = [
            (label, np.linalg.norm(deep_chain.chain_gradients(*pair, every_depth), axis=1))
            for label, pair in chains.items()
        ]
        curves = [(label, norms[:max_depth]) for label, norms in curves]
        left, right = st.columns(2)
        plotly_chart(
            figures.chain_figure(
                depths, curves, clip_threshold=threshold if clip_on else None, look=page.look
            ),
            key=f"{PAGE}.chart.chain",
            look=page.look,
            where=left,
            config=PLOT_CONFIG,
        )
        gradient = deep_chain.chain_gradients(a, b, [max_depth])[0]
        left.caption(
            f"h_i = diag(a, b)·h_(i−1), x = (1, 1), E = aⁿ + bⁿ: at n = {max_depth}, ∇E = "
            f"(n aⁿ⁻¹, n bⁿ⁻¹) = ({gradient[0]:.3g}, {gradient[1]:.3g})."
        )
        cliff_cols = right.columns(3)
        cliff_depth = state.widget(
            Setting.integer("cliff_n", "Depth of the cliff", 10, 2, 30), cliff_cols[0]
        )
        cliff_lr = state.widget(
            Setting.number("cliff_lr", "ε", 0.02, 1e-4, 1.0, scale="log"), cliff_cols[1]
        )
        cliff_steps = state.widget(
            Setting.integer("cliff_steps", "Steps", 60, 10, 500, step=10), cliff_cols[2]
        )
        start = (0.5, 1.2)
        with budget.heavy_job("Running gradient descent on the cliff…"):
            axis, grid, plain, clipped = cached(cliff_runs)(
                cliff_depth, cliff_lr, start, threshold, cliff_steps
            )
        plotly_chart(
            figures.plane_figure(
                axis,
                axis,
                grid,
                [
                    figures.PlanePath("gd", "gradient descent", plain.params),
                    figures.PlanePath(
                        "adam", f"clipped at u = {format_number(threshold)}", clipped.params
                    ),
                ],
                x_title="a",
                y_title="b",
                centre=None,
                look=page.look,
            ),
            key=f"{PAGE}.chart.cliff",
            look=page.look,
            where=right,
            config=PLOT_CONFIG,
        )
        fate = (
            f"leaves the picture at step 1 and diverges at step {plain.diverged_at}"
            if plain.diverged_at is not None
            else f"ends at ({plain.params[-1][0]:.2f}, {plain.params[-1][1]:.2f})"
        )
        right.caption(
            f"E = ½(aⁿ + bⁿ − 2)² for n = {cliff_depth}, minimal on the curve aⁿ + bⁿ = 2, "
            f"from {start}: plain gradient descent {fate}; the clipped one steps at most ε·u."
        )
        page.explain(
            "One matrix applied n times multiplies the gradient by its eigenvalues n times: "
            "above 1 the gradient grows like bⁿ (explodes), below 1 it shrinks (vanishes). "
            "Exploding gradients make cliffs in the loss. Clipping, g ← g·u/‖g‖ when ‖g‖ > u, "
            "keeps the direction and limits the step."
        )

page.share_link()
state.finish()
