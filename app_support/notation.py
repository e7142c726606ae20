"""Each page's notation key: the symbols it uses, what they stand for and how the lectures
write them (`Page.notation(ROWS[page])`).

The lectures write the learning rate as γ, η or ε and the penalty as λ; δ is AdaGrad's and
RMSProp's small constant and, in backpropagation, a neuron's error δ^l_j. A page uses each
symbol for one thing only (tests/unit/test_notation.py checks the keys), so where the
lectures reuse a letter the page picks another: a Hessian eigenvalue (a curvature) is h on
the pages that also show a penalty λ or that follow the momentum lecture.
"""

from __future__ import annotations

Row = tuple[str, str, str]  # (symbol here, what it is, the lectures' symbols)

W: Row = ("w", "the weights (on a 2-D surface w = (x, y))", "w, wₐ; wˡⱼₖ in backpropagation")
E: Row = ("E", "the loss (error) being minimised", "E, C (cost), L")
G: Row = ("g = ∇E", "the gradient of the loss", "∂E/∂w, ∇E")
LR: Row = ("ε", "learning rate (step size)", "γ, η or ε (Goodfellow: ε)")
ALPHA: Row = ("α", "momentum parameter", "α (some texts: β)")
V: Row = ("v", "velocity: the step momentum carries over", "v, Δw(m − 1)")
RHO: Row = ("ρ", "RMSProp's decay of the running average", "ρ")
R: Row = ("r", "running average of g ⊙ g (second moment)", "r")
RHO12: Row = (
    "ρ₁, ρ₂",
    "Adam's decays of the first and second moment",
    "ρ₁, ρ₂ (Kingma & Ba: β₁, β₂)",
)
S: Row = ("s, ŝ", "Adam's first moment and its bias-corrected value", "s, ŝ")
DELTA: Row = (
    "δ",
    "small constant of AdaGrad, RMSProp and Adam (no division by 0)",
    "δ (backpropagation's δˡ is another thing: a neuron's error)",
)
PENALTIES: Row = ("λ₁, λ₂", "penalty strength of L1 and of L2", "λ")
CLIP: Row = ("u", "gradient-clipping threshold", "u")
SCHEDULE: Row = (
    "k, τ, ε_τ, q, T",
    "schedules: decay rate; end step and final ε; drop factor every T steps",
    "k, τ, ε_τ (the drop factor is sometimes γ, the lectures' learning rate: here q)",
)

ROWS: dict[str, tuple[Row, ...]] = {
    "playground": (
        W,
        E,
        G,
        LR,
        ALPHA,
        V,
        RHO,
        R,
        RHO12,
        S,
        ("t", "Adam's step counter (bias correction)", "t"),
        DELTA,
        PENALTIES,
        CLIP,
        SCHEDULE,
    ),
    "saddles": (
        ("w₀", "the point inspected", "w"),
        E,
        ("H", "Hessian, Hᵢⱼ = ∂²E/∂wᵢ∂wⱼ", "H"),
        ("λ₁, λ₂; λ_u", "Hessian eigenvalues (curvatures); λ_u < 0 along the way out", "λ"),
        ("k", "index: the number of negative eigenvalues (a k-th order saddle)", "k"),
        LR,
        ALPHA,
        ("r, d", "escape: radius of the ball around the saddle; start's distance", "—"),
        ("N", "number of weights (size of the Hessian)", "N"),
        ("n, m, q", "neurons per hidden layer, hidden layers, outputs", "n, m, q"),
        ("K", "order of a permutation saddle", "K"),
    ),
    "momentum": (
        W,
        G,
        LR,
        ALPHA,
        V,
        ("h₁, hₙ", "Hessian eigenvalues: flattest and steepest curvature", "λ in many texts"),
        ("κ", "condition number hₙ/h₁", "κ"),
        ("θ", "rotation of the valley", "—"),
        ("ρ", "rate: how much the slowest error shrinks per step (spectral radius)", "—"),
        ("ε′", "step size of the running-average form v ← αv + (1 − α)g", "λ in that form"),
    ),
    "minibatches": (
        W,
        E,
        G,
        LR,
        ALPHA,
        RHO,
        R,
        RHO12,
        S,
        ("⟨g⟩, ⟨g²⟩", "long-run mean and mean square of a weight's gradient", "mean, mean square"),
        ("h", "curvature of the loss (a Hessian eigenvalue)", "λ in many texts"),
        SCHEDULE,
    ),
    "permutation": (
        E,
        ("n", "hidden units (of teacher and student)", "n"),
        ("wᵢ, bᵢ, vᵢ", "unit i's input weights, bias and output weight", "w, b"),
        ("pᵢ", "all of unit i's weights (wᵢ, bᵢ, vᵢ)", "—"),
        ("σ", "the sigmoid activation", "σ"),
        ("d, d*", "distance of two units' weights; its value at the minimum", "—"),
        ("θ*, P θ*", "a minimum and its permuted copy", "—"),
        ("k, N", "index (negative eigenvalues) and number of weights; k/N their fraction", "k, N"),
    ),
    "regularization": (
        W,
        E,
        ("λ", "penalty strength: λ/2 ‖w‖² (L2), λ‖w‖₁ (L1)", "λ (α in Goodfellow)"),
        LR,
        ("t", "steps of gradient descent (early stopping)", "τ"),
        ("w*, w̃", "minimum without and with the penalty", "w*, w̃"),
        ("H = QDQᵀ, Dᵢᵢ", "Hessian of the quadratic and its eigenvalues (curvatures)", "Q, D"),
        ("qᵢ, zᵢ", "eigenvectors of H; a weight's coordinate along qᵢ", "columns of Q"),
        ("β", "curvature of the one-weight example E = β/2 (w − w*)²", "β"),
        CLIP,
    ),
    "networks": (
        W,
        ("E", "training loss (test loss: the same on the test points)", "C, E"),
        LR,
        ALPHA,
        RHO12,
        DELTA,
        PENALTIES,
        ("m, n", "a layer's inputs and outputs (initialisation)", "m, n"),
        ("σ", "the sigmoid activation", "σ"),
        ("h, h₁, h₂", "Hessian eigenvalues (h₁ the largest)", "λ in many texts"),
        ("k, N", "index (negative eigenvalues) and number of weights", "k, N"),
        ("ℓ", "Lanczos steps", "—"),
        ("c₁, c₂", "coordinates of a 2-D slice through weight space", "α, β (Li et al.)"),
        ("p", "position on the line from the initial (0) to the final (1) weights", "—"),
        ("a, b", "the deep chain's weights, W = diag(a, b)", "a, b"),
        CLIP,
    ),
    "adaptive": (
        G,
        LR,
        RHO,
        R,
        RHO12,
        S,
        ("r̂", "Adam's bias-corrected second moment", "r̂"),
        ("t", "step counter (the bias correction divides by 1 − ρᵗ)", "t"),
        DELTA,
        ("ε/(δ + √r)", "AdaGrad's effective learning rate of a weight", "—"),
    ),
    "backprop": (
        ("wˡⱼₖ", "weight from neuron k of layer l − 1 to neuron j of layer l", "wˡⱼₖ"),
        ("zˡ, aˡ", "weighted input and activation of layer l; a⁰ = x", "zˡ, aˡ"),
        ("δˡ", "error of layer l, ∂C/∂zˡ (BP1–BP4)", "δˡ (not AdaGrad's or RMSProp's δ)"),
        ("σ, σ′", "the activation (every layer) and its derivative", "σ, σ′"),
        ("C", "cost of one example (or the mean over a minibatch)", "C (E on other pages)"),
        ("η", "learning rate", "η here; γ or ε elsewhere (ε on the optimizer pages)"),
        ("h", "step of the finite difference", "—"),
    ),
    "generalization": (
        ("ε", "learning rate", "ε; η in the weight-decay and backprop slides; γ"),
        ("λ", "weight decay (penalty) strength", "λ"),
        ("m", "number of training examples", "m (n in Goodfellow)"),
        ("p", "probability of keeping a unit (dropout)", "p"),
        ("r", "dropout mask, rᵢ ~ Bernoulli(p)", "r (Srivastava et al.)"),
        ("μ_B, σ²_B", "mean and variance over a minibatch (batch norm)", "μ_B, σ²_B"),
        ("μ̄, σ̄²", "running averages used at test time", "moving averages"),
        ("λ₁, λ₂", "the L1 and L2 penalty strengths of the training options (λ₂ = λ/m)", "λ"),
        ("D", "a curvature: an eigenvalue of the Hessian (λ is the penalty)", "λ on the slides"),
        ("κ", "condition number D_max/D_min", "κ"),
    ),
    "depth": (
        ("n", "hyperplanes: hidden units of a first layer", "n"),
        ("d", "dimension of the input space", "d"),
        ("R(n, d)", "regions: Σₖ₌₀ᵈ C(n, k) in general position", "—"),
        ("t", "hyperplanes tilted so far; i numbers them", "—"),
        ("N", "number of weights and biases of a network", "N"),
        ("m", "cells per side of the checkerboard (m = 2: XOR)", "—"),
        ("p", "prototypes of nearest neighbour (its training points)", "—"),
        ("h₁, h₂", "outputs of the two threshold units of the XOR example", "—"),
        ("K", "points of the tiny input space (No Free Lunch)", "—"),
    ),
}


def symbols(rows) -> list[str]:
    """Every single symbol a key's rows name ("λ₁, λ₂" → "λ₁", "λ₂"; "g = ∇E" → "g", "∇E")."""
    found = []
    for symbol, _, _ in rows:
        for part in symbol.replace(";", ",").replace("=", ",").split(","):
            if part.strip():
                found.append(part.strip())
    return found
