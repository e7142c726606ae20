"""The list of the lab's pages: `app.py` builds the navigation from it, the home page its cards.

To add a page: write `pages/<name>.py` (start it with `app_support.page.page_setup`) and add
one `PageInfo` line to `PAGES`. The URL of a page is its file name without `.py`.
"""

from __future__ import annotations

from typing import NamedTuple


class PageInfo(NamedTuple):
    path: str  # the page's script, relative to the app's root
    title: str
    icon: str
    card: str  # what the page is for, in one or two sentences (home page)


PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "pages/playground.py",
        "Optimizer playground",
        "🎢",
        "Race gradient descent, momentum, Nesterov, AdaGrad, RMSProp and Adam on classic "
        "surfaces or on your own formula; animate them and look inside their state.",
    ),
    PageInfo(
        "pages/saddles.py",
        "Minima and saddles",
        "🐎",
        "Critical points and their Hessians, where optimizers end up, how long gradient descent "
        "lingers near a saddle, and why saddles outnumber minima in high dimension.",
    ),
    PageInfo(
        "pages/momentum.py",
        "Momentum",
        "🛷",
        "Why momentum helps and by how much: ten times on a slope (not 1.9), damped zig-zags "
        "in a ravine, steps against α with Goh's optimum, the rate map, and the lecture's quiz "
        "answered by experiments.",
    ),
    PageInfo(
        "pages/minibatches.py",
        "Minibatches and noise",
        "🎲",
        "A minibatch's loss is not the full loss: its minima and saddles move. SGD paths, clouds "
        "of seeds, the noise ball and decaying ε, four optimizers under the same noise, Adam's "
        "mean over root mean square, batch versus online learning.",
    ),
    PageInfo(
        "pages/adaptive.py",
        "Adaptive learning rates",
        "📐",
        "What Adam's bias correction is for, why AdaGrad slows down too early while RMSProp "
        "keeps going, and the lecture's quiz on what we want from RMSProp and Adam.",
    ),
    PageInfo(
        "pages/permutation.py",
        "Permutation symmetry",
        "🔀",
        "Hidden units can be relabelled: watch a student find its teacher up to a permutation, "
        "two units trade places through a saddle, and lines cut the plane into regions.",
    ),
    PageInfo(
        "pages/regularization.py",
        "Regularization",
        "🧲",
        "What L2 and L1 do to the minimum: L2 shrinks it along each eigenvector by D/(D + λ), "
        "L1 sets weights exactly to 0; early stopping as weight decay; clipping at a cliff.",
    ),
    PageInfo(
        "pages/networks.py",
        "Small networks",
        "🧠",
        "Train a small MLP on 2-D data: decision boundaries with every neuron's line, Hessian "
        "spectra and the saddle index over training, loss slices through weight space, and "
        "exploding gradients in a deep chain.",
    ),
    PageInfo(
        "pages/backprop.py",
        "Backpropagation",
        "🔁",
        "The forward pass and BP1–BP4 step by step on a small network, checked against "
        "autodiff and finite differences; why saturated neurons learn slowly and deep "
        "gradients vanish or explode.",
    ),
    PageInfo(
        "pages/generalization.py",
        "Generalization",
        "🛡️",
        "Overfitting on a small, noisy training set and what fights it: dropout and its thinned "
        "networks, data augmentation, input and batch normalization, early stopping on a "
        "validation set, weight decay.",
    ),
    PageInfo(
        "pages/depth.py",
        "Depth and No Free Lunch",
        "🏗️",
        "Why deep nets work: hyperplanes carve regions (counted by tilting), XOR needs a "
        "second layer, local against distributed, deep against shallow at equal N, and No "
        "Free Lunch counted exactly.",
    ),
)
