"""The sidebar of the pages that train a small network on 2-D data: the data, the model and the
optimizer with its training options (Small networks, Generalization).

`network_sidebar(state, side, layout)` draws the three sections and returns what was chosen.
The widgets, their keys and their URL names are the same on every page; `NetworkSidebar` holds
what a page sets differently (defaults, ranges, and which settings it offers at all). Its
defaults are the Small networks page's.
"""

from __future__ import annotations

from typing import NamedTuple

import optim
from app_support.optimizers import optimizer_panel, training_options
from app_support.page import lazy_expander
from app_support.urlstate import PageState, Setting
from landscapes import committee, networks

# Newton-type rules build the Hessian at every step: far too slow for a network in a page.
OPTIMIZERS = tuple(n for n in optim.OPTIMIZERS if not optim.get_rule(n).needs_hessian)
SIZES = ("32", "64", "128", "256", "512", "1024")
ACTIVATION_TITLES = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoid σ", "linear": "linear"}
PENALTY_NOTE = "λ₁ and λ₂ act on the weights w, not on the biases b."


class NetworkSidebar(NamedTuple):
    """What a page sets differently in the network sidebar."""

    data: str = "spirals"  # the default data set
    n_train: Setting = Setting.choice("n", "Training points", "256", SIZES)
    noise: Setting = Setting.number(
        "noise",
        "Noise (standard deviation)",
        0.1,
        0.0,
        1.0,
        step=0.01,
        help="Toy sets: std of the noise added to each point. Teacher: std of the noise "
        "added to its output before labelling.",
    )
    # Test and validation sizes are settings (else the page fixes them and says so in
    # `held_out_note`, under the flipped labels).
    held_out: bool = True
    flip: Setting | None = None  # a fraction of wrong training labels
    held_out_note: str = ""
    teacher: bool = True  # the teacher's hidden units are a setting when the data is "teacher"
    max_depth: int = networks.MAX_DEPTH
    activation_labels: dict[str, str] | None = ACTIVATION_TITLES
    initialisation: bool = True  # the initialisation, its gain and the loss are settings
    steps: Setting = Setting.integer("steps", "Steps", 1000, 10, 3000, step=10)
    hyper_defaults: dict[str, float] | None = None  # by URL name, e.g. {"adam.learning_rate": …}
    resets_with_steps: tuple[str, ...] = ()  # settings back to their defaults on a new length
    batch: Setting = Setting.choice(
        "batch",
        "Batch size",
        "full",
        ("full", "1", "4", "16", "32", "64", "128"),
        labels={"full": "full batch"},
        help="Examples per step; each epoch reshuffles them.",
    )


class NetworkSettings(NamedTuple):
    """The sidebar's values. Settings a page does not offer keep the core's defaults."""

    data: str
    teacher_hidden: int  # the committee machine's hidden units k
    noise: float
    n_train: int
    n_test: int | None  # None where the page fixes the held-out sets
    n_val: int | None
    data_seed: int
    flipped: float  # fraction of flipped training labels
    depth: int
    width: int
    activation: str
    init: str
    init_scale: float
    loss: str
    init_seed: int
    optimizer: str
    hypers: dict[str, float]  # the optimizer's hyperparameters, {keyword: value}
    steps: int
    settings: dict  # keywords for `optim.run`: hyperparameters, options and batch size


def network_sidebar(state: PageState, side, layout: NetworkSidebar) -> NetworkSettings:
    """Draw the data, model and training sections in `side`; return their values."""
    side.subheader("Data")
    data_name = state.widget(
        Setting.choice(
            "data", "Data set", layout.data, networks.DATASETS, labels=networks.DATASET_TITLES
        ),
        side,
    )
    teacher_hidden = 3
    if layout.teacher and data_name == "teacher":
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
    data_seed_setting = Setting.integer("data_seed", "Data seed", 0, 0, 9999, widget="number")
    n_test = n_val = None
    flipped = 0.0
    if layout.held_out:
        noise = state.widget(layout.noise, side)
        sizes = side.columns(2)
        n_train = int(state.widget(layout.n_train, sizes[0]))
        n_test = int(state.widget(Setting.choice("n_test", "Test points", "256", SIZES), sizes[1]))
        sizes = side.columns(2)
        n_val = int(
            state.widget(
                Setting.choice(
                    "n_val",
                    "Validation points",
                    "128",
                    SIZES,
                    help="Held out of training to decide when to stop (early stopping); the "
                    "test points only report.",
                ),
                sizes[0],
            )
        )
        data_seed = state.widget(data_seed_setting, sizes[1])
    else:
        columns = side.columns(2)
        n_train = int(state.widget(layout.n_train, columns[0]))
        data_seed = state.widget(data_seed_setting, columns[1])
        noise = state.widget(layout.noise, side)
    if layout.flip is not None:
        flipped = state.widget(layout.flip, side)
    if layout.held_out_note:
        side.caption(layout.held_out_note)

    side.subheader("Model")
    shape = side.columns(2)
    depth = state.widget(
        Setting.integer("depth", "Hidden layers", 2, 1, layout.max_depth), shape[0]
    )
    width = state.widget(
        Setting.integer("width", "Units per layer", 16, 1, networks.MAX_WIDTH), shape[1]
    )
    activation = state.widget(
        Setting.choice(
            "act", "Activation g", "tanh", networks.ACTIVATIONS, labels=layout.activation_labels
        ),
        side,
    )
    init, init_scale, kind = "xavier", 1.0, "cross_entropy"
    if layout.initialisation:
        init, init_scale, kind = _initialisation(state, side)
    init_seed = state.widget(
        Setting.integer("seed", "Weight seed", 0, 0, 9999, widget="number"), side
    )

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
    hypers = optimizer_panel(state, optimizer, side, layout.hyper_defaults)
    resets = list(layout.resets_with_steps)

    def new_length():
        state.reset(resets)  # a new run length: e.g. inspect its end again

    steps = state.widget(layout.steps, side, on_change=new_length if resets else None)
    batch = state.widget(layout.batch, side)
    menu = lazy_expander(side, "Schedule, clipping, L1/L2", f"{state.page}.options_menu")
    options = training_options(
        state, menu, steps=steps, shown=bool(menu.open), penalty_note=PENALTY_NOTE
    )
    settings = {**hypers, **options}
    if batch != "full" and int(batch) < n_train:
        settings["batch_size"] = int(batch)
    return NetworkSettings(
        data_name,
        teacher_hidden,
        noise,
        n_train,
        n_test,
        n_val,
        data_seed,
        flipped,
        depth,
        width,
        activation,
        init,
        init_scale,
        kind,
        init_seed,
        optimizer,
        hypers,
        steps,
        settings,
    )


def _initialisation(state: PageState, side) -> tuple[str, float, str]:
    """The initial weights' scheme and gain, and the loss."""
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
    return init, init_scale, kind
