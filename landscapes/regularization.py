"""L2 and L1 penalties on a loss landscape: closed forms, exact λ paths, and what they predict.

The lecture's penalised objectives (Goodfellow, Bengio & Courville 2016, §7.1):

    L2 (weight decay):  Ẽ(w) = E(w) + λ/2 ‖w‖²    gradient step adds −ελw: a spring to 0
    L1:                 Ẽ(w) = E(w) + λ ‖w‖₁      gradient step adds −ελ sgn(w)

On a quadratic E(w) = ½ (w − w*)ᵀ H (w − w*) with H = Q D Qᵀ (eigenvectors q_i, curvatures
D_ii) the L2 minimiser is w̃ = Q (D + λI)⁻¹ D Qᵀ w*: its component along q_i is that of w*
times D_ii / (D_ii + λ), so flat directions shrink most (§7.1.1). With L1 and a diagonal H each
coordinate is soft-thresholded, w̃_i = sgn(w*_i) max(|w*_i| − λ/D_ii, 0), exactly zero once
λ ≥ D_ii |w*_i|, the slope of E at 0 (§7.1.2). For a rotated H the L1 minimiser has no closed
form; `l1_path` finds it exactly by trying every sign pattern (see there).

Early stopping (§7.8): gradient descent from w = 0 with step ε reaches, after t steps,
Qᵀw_t = [I − (I − εD)ᵗ] Qᵀw*, while L2 gives D/(D + λ). With λ = 1/(εt) the two agree to
within (εtD_ii)² |q_iᵀw*| per direction (`early_stopping_gap_bound`): L2 is early stopping
while εtD is small.

For any 2-D surface the penalised minimiser is found numerically (`penalized_path`): the lowest
point of Ẽ on a grid over the box, refined by proximal gradient descent with backtracking (Beck
& Teboulle 2009, "A fast iterative shrinkage-thresholding algorithm"), which puts weights
exactly at 0, and polished by Newton steps on the weights that are not 0.

Every λ path is one jitted call, vmapped over λ; surface parameters and λ's are traced.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial

import landscapes  # noqa: F401  (switches JAX to float64 first)
import optim
from landscapes.geometry import hessian
from optim.hyper import Hyper, check_all
from optim.run import as_loss_pytree

PENALTIES = ("l2", "l1")

QUADRATIC_PARAMS: tuple[Hyper, ...] = (
    Hyper("d1", "D₁", 1.0, 0.05, 10.0, log=True, help="curvature along the eigenvector q₁"),
    Hyper("d2", "D₂", 0.2, 0.05, 10.0, log=True, help="curvature along the eigenvector q₂"),
    Hyper("angle", "θ", 30.0, -90.0, 90.0, domain="finite", help="angle of q₁ from the x-axis (°)"),
    Hyper("x_star", "w*₁", 3.0, -4.0, 4.0, domain="finite", help="minimum of E, first weight"),
    Hyper("y_star", "w*₂", 1.5, -4.0, 4.0, domain="finite", help="minimum of E, second weight"),
)
QUADRATIC_BOUNDS = ((-5.0, 5.0), (-5.0, 5.0))


# --- the quadratic ------------------------------------------------------------------------


def _eigenvectors(angle_deg):
    a = jnp.deg2rad(angle_deg)
    c, s = jnp.cos(a), jnp.sin(a)
    return jnp.array([[c, -s], [s, c]])  # columns q₁ = (cos θ, sin θ), q₂ = (−sin θ, cos θ)


def quadratic(p, w):
    """E(w) = ½ (w − w*)ᵀ Q D Qᵀ (w − w*): curvature D₁ along q₁ (at angle θ), D₂ along q₂."""
    u = _eigenvectors(p["angle"]).T @ (w - jnp.stack([p["x_star"], p["y_star"]]))
    return 0.5 * (p["d1"] * u[0] ** 2 + p["d2"] * u[1] ** 2)


@dataclasses.dataclass(frozen=True)
class Quadratic:
    """The lecture's quadratic loss with minimum w* and Hessian H = Q D Qᵀ."""

    params: dict[str, float]

    @property
    def loss(self) -> Partial:
        """E(w) as a `Partial` whose parameters are traced (a slider never compiles)."""
        return Partial(quadratic, {k: jnp.asarray(v, jnp.float64) for k, v in self.params.items()})

    @property
    def curvatures(self) -> np.ndarray:
        """(D₁, D₂), the Hessian's eigenvalues, in the order of `eigenvectors`' columns."""
        return np.array([self.params["d1"], self.params["d2"]])

    @property
    def eigenvectors(self) -> np.ndarray:
        """Q with columns q₁, q₂ (NumPy: a page calls this on every rerun)."""
        a = np.deg2rad(self.params["angle"])
        return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])

    @property
    def hessian(self) -> np.ndarray:
        q = self.eigenvectors
        return q @ np.diag(self.curvatures) @ q.T

    @property
    def minimum(self) -> np.ndarray:
        return np.array([self.params["x_star"], self.params["y_star"]])


def make_quadratic(**params) -> Quadratic:
    """The quadratic with `params` (d1, d2, angle, x_star, y_star; defaults for the others).

    Raises ValueError naming the valid parameters or the valid range."""
    return Quadratic(check_all(QUADRATIC_PARAMS, params, "quadratic parameter(s)"))


def eigen_coordinates(quad: Quadratic, points) -> np.ndarray:
    """Qᵀw for each row w of `points`: the components along q₁ and q₂."""
    return np.asarray(points, dtype=float) @ quad.eigenvectors


# --- L2 ------------------------------------------------------------------------------------


def shrink_factors(curvatures, lams) -> np.ndarray:
    """D_ii / (D_ii + λ) for each λ (rows) and curvature (columns): how much L2 keeps of w*'s
    component along each eigenvector."""
    d = np.asarray(curvatures, dtype=float)
    lam = np.asarray(lams, dtype=float)[..., None]
    return d / (d + lam)


@jax.jit
def _l2_path(q, d, w_star, lams):
    return jax.vmap(lambda lam: q @ (d / (d + lam) * (q.T @ w_star)))(lams)


def l2_path(quad: Quadratic, lams) -> np.ndarray:
    """w̃(λ) = Q (D + λI)⁻¹ D Qᵀ w* for each λ: (L, 2), one jitted call."""
    return np.asarray(
        _l2_path(
            jnp.asarray(quad.eigenvectors),
            jnp.asarray(quad.curvatures),
            jnp.asarray(quad.minimum),
            jnp.asarray(lams, dtype=jnp.float64),
        )
    )


# --- L1 ------------------------------------------------------------------------------------


SHRINK_STEPS = 2048  # enough for gradient descent to settle to ~1e-9 at κ = 200


def measured_shrink(quad: Quadratic, lams, steps: int = SHRINK_STEPS) -> np.ndarray:
    """Shrink factors measured, not predicted: run gradient descent with weight decay λ (the
    lab's runner, one vmapped call over λ) from 0 until it settles, and divide the components
    of where it ends along q₁, q₂ by those of w*. (L, 2); NaN along a q_i with q_iᵀw* = 0.

    ε = 2/(D_min + D_max + 2λ), the fastest constant step for the curvatures D + λ."""
    lams = np.asarray(lams, dtype=float)
    d = quad.curvatures
    runs = optim.run_batch(
        quad.loss,
        np.zeros(2),
        "gd",
        steps,
        learning_rate=2.0 / (d.min() + d.max() + 2 * lams),
        l2=lams,
    )
    ends = eigen_coordinates(quad, runs.params[:, -1])
    star = eigen_coordinates(quad, quad.minimum)
    scale = np.linalg.norm(quad.minimum)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(star) > 1e-9 * max(scale, 1e-300), ends / star, np.nan)


def l1_solution_1d(beta, w_star, lam):
    """Minimiser of β/2 (w − w*)² + λ|w|: sgn(w*) max(|w*| − λ/β, 0) (soft thresholding)."""
    w_star = np.asarray(w_star, dtype=float)
    return np.sign(w_star) * np.maximum(np.abs(w_star) - np.asarray(lam) / np.asarray(beta), 0.0)


def l1_threshold_1d(beta, w_star):
    """The λ from which the 1-D L1 solution is exactly 0: β|w*|, the slope of E at w = 0."""
    return np.abs(np.asarray(beta, dtype=float) * np.asarray(w_star, dtype=float))


def _sign_patterns(d: int) -> jnp.ndarray:
    return jnp.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=d)))


def _l1_minimiser(h, b, lam, patterns):
    """argmin ½ wᵀHw − bᵀw + λ‖w‖₁ for positive definite H, exactly.

    For a sign pattern s (s_i ∈ {−1, 0, 1}) let w_s minimise the smooth ½wᵀHw − bᵀw + λsᵀw
    with w_i = 0 where s_i = 0. Since sᵀw ≤ ‖w‖₁, that smooth function lies below the L1
    objective and equals it where sgn(w) agrees with s; so every w_s whose signs agree with s
    has objective ≥ the minimum, and the pattern of the true minimiser reproduces it. The
    minimiser is therefore the best sign-consistent w_s; zeros are exact by construction.
    """

    def candidate(s):
        active = s != 0
        both = active[:, None] & active[None, :]
        m = jnp.where(both, h, jnp.eye(len(b)))  # inactive coordinates: the equation w_i = 0
        w = jnp.linalg.solve(m, jnp.where(active, b - lam * s, 0.0))
        consistent = jnp.all(jnp.where(active, s * w > 0, True))
        value = 0.5 * w @ h @ w - b @ w + lam * jnp.sum(jnp.abs(w))
        return w, jnp.where(consistent, value, jnp.inf)

    ws, values = jax.vmap(candidate)(patterns)
    return ws[jnp.argmin(values)]


@jax.jit
def _l1_path(h, w_star, lams):
    patterns = _sign_patterns(len(w_star))
    b = h @ w_star  # ½(w − w*)ᵀH(w − w*) = ½wᵀHw − bᵀw + const
    return jax.vmap(lambda lam: _l1_minimiser(h, b, lam, patterns))(lams)


def l1_path(quad: Quadratic, lams) -> np.ndarray:
    """The exact minimiser of E + λ‖w‖₁ for each λ: (L, 2), one jitted call; zeros are 0.0."""
    return np.asarray(
        _l1_path(
            jnp.asarray(quad.hessian),
            jnp.asarray(quad.minimum),
            jnp.asarray(lams, dtype=jnp.float64),
        )
    )


class L1Breakpoints(NamedTuple):
    """Where the L1 path of a quadratic meets the axes, as λ grows from 0."""

    first_zero: float  # λ at which the first weight becomes exactly 0
    first_index: int  # which weight (0 for w₁, 1 for w₂)
    origin: float  # λ from which w̃ = 0: the largest slope of E at 0, ‖∇E(0)‖∞ = ‖Hw*‖∞


def l1_breakpoints(quad: Quadratic) -> L1Breakpoints:
    """λ's at which the L1 path first hits an axis and reaches the origin.

    While both weights are non-zero with the signs s of w*, stationarity Hw − Hw* + λs = 0
    gives the straight line w̃(λ) = w* − λH⁻¹s; weight i reaches 0 at λ = w*_i / (H⁻¹s)_i.
    The origin is the minimiser exactly when every slope |∂E/∂w_i(0)| = |(Hw*)_i| is ≤ λ.
    """
    h, w_star = quad.hessian, quad.minimum
    origin = float(np.max(np.abs(h @ w_star)))
    if np.any(w_star == 0):
        index = int(np.argmin(np.abs(w_star)))
        return L1Breakpoints(0.0, index, origin)
    direction = np.linalg.solve(h, np.sign(w_star))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(w_star * direction > 0, w_star / direction, np.inf)
    index = int(np.argmin(ratios))
    return L1Breakpoints(float(min(ratios[index], origin)), index, origin)


# --- early stopping ------------------------------------------------------------------------


def gd_from_origin(quad: Quadratic, lr: float, steps) -> np.ndarray:
    """Gradient descent on the quadratic from w = 0: w_t = Q [I − (I − εD)ᵗ] Qᵀw*, rows t."""
    t = np.asarray(steps, dtype=float)[..., None]
    kept = 1.0 - (1.0 - lr * quad.curvatures) ** t
    return (kept * eigen_coordinates(quad, quad.minimum)) @ quad.eigenvectors.T


def early_stopping_lambda(lr, steps):
    """The weight decay that t steps of gradient descent from 0 resemble: λ ≈ 1/(εt)."""
    return 1.0 / (np.asarray(lr, dtype=float) * np.asarray(steps, dtype=float))


def early_stopping_gap_bound(quad: Quadratic, lr: float, steps):
    """An upper bound on ‖w_t − w̃(1/(εt))‖ (gradient descent from 0 versus L2).

    Along q_i the two keep 1 − (1 − a)ᵗ and x/(1 + x) of w*'s component, a = εD_ii, x = at.
    Their difference 1/(1 + x) − (1 − a)ᵗ lies in [−x²/2, x²] for 0 ≤ a ≤ 1 (so the bound
    needs εD_max ≤ 1) (Bernoulli and
    the next Bonferroni bound for (1 − a)ᵗ, 1 − x ≤ 1/(1 + x) ≤ 1 − x + x²), so the gap is at
    most √Σ_i ((εtD_ii)² q_iᵀw*)²: small while εtD is small, that is early in training.
    """
    x = lr * np.asarray(steps, dtype=float)[..., None] * quad.curvatures
    return np.linalg.norm(x**2 * eigen_coordinates(quad, quad.minimum), axis=-1)


# --- any 2-D surface: numerical λ paths ----------------------------------------------------

PATH_GRID = 161  # grid for the global search of the penalised minimum
PATH_ROUNDS = 4  # rounds of (proximal-gradient steps, then Newton steps) from the grid's best
PATH_PROX_STEPS = 60
PATH_NEWTON_STEPS = 8
_BACKTRACK = 24  # step sizes tried per refinement step: 2η, η, η/2, …
BOX_SLACK = 1e-3  # a refined point this far (relative) outside the box is "no minimum in the box"


def penalty(kind: str, w):
    """λ = 1 penalty at w (last axis): ½‖w‖² for "l2", ‖w‖₁ for "l1"."""
    w = jnp.asarray(w)
    if kind == "l2":
        return 0.5 * jnp.sum(w * w, axis=-1)
    return jnp.sum(jnp.abs(w), axis=-1)


def _prox(kind: str, v, amount):
    """Proximal step of amount·penalty: soft thresholding (L1) or a uniform shrink (L2)."""
    if kind == "l1":
        return jnp.sign(v) * jnp.maximum(jnp.abs(v) - amount, 0.0)
    return v / (1.0 + amount)


def _refine(loss, kind, w, lam, steps):
    """Proximal gradient descent on E + λ·penalty with backtracking on the step size η:
    the largest η ∈ {2η_prev, η_prev, η_prev/2, …} with the sufficient-decrease condition
    E(w⁺) ≤ E(w) + ∇E(w)·(w⁺ − w) + ‖w⁺ − w‖²/(2η) is taken (Beck & Teboulle 2009)."""
    etas_rel = 2.0 ** (1.0 - jnp.arange(_BACKTRACK))

    def body(carry, _):
        w, eta = carry
        e, g = jax.value_and_grad(loss)(w)
        etas = eta * etas_rel
        trials = jax.vmap(lambda t: _prox(kind, w - t * g, t * lam))(etas)
        moves = trials - w
        values = jax.vmap(loss)(trials)
        bound = e + moves @ g + jnp.sum(moves**2, axis=1) / (2 * etas)
        accepted = values <= bound + 1e-12 * jnp.abs(e)
        k = jnp.argmax(accepted)
        found = jnp.any(accepted)
        return (jnp.where(found, trials[k], w), jnp.where(found, etas[k], etas[-1])), None

    (w, _), _ = jax.lax.scan(body, (w, jnp.asarray(1.0)), None, length=steps)
    return w


def _polish(loss, kind, w, lam, steps):
    """Newton steps on the weights that are not zero, zeros held at 0: there Ẽ is smooth
    (E + λ sᵀw with s = sgn(w) for L1), so a few steps reach full precision even in a long
    curved valley where gradient steps crawl. A step is halved until Ẽ does not increase and
    no weight changes sign; if none qualifies, w stays."""
    halvings = 2.0 ** -jnp.arange(_BACKTRACK)

    def objective(v):
        return loss(v) + lam * penalty(kind, v)

    def body(w, _):
        active = w != 0 if kind == "l1" else jnp.ones_like(w, dtype=bool)
        smooth = (lambda v: loss(v) + lam * jnp.sign(w) @ v) if kind == "l1" else objective
        g, h = jax.grad(smooth)(w), jax.hessian(smooth)(w)
        both = active[:, None] & active[None, :]
        step = jnp.linalg.solve(jnp.where(both, h, jnp.eye(len(w))), jnp.where(active, g, 0.0))
        trials = w - halvings[:, None] * step
        same_signs = jnp.all(jnp.sign(trials) == jnp.sign(w), axis=1)
        values = jax.vmap(objective)(trials)
        ok = same_signs & (values <= objective(w)) & jnp.all(jnp.isfinite(trials), axis=1)
        k = jnp.argmax(ok)
        return jnp.where(jnp.any(ok), trials[k], w), None

    w, _ = jax.lax.scan(body, w, None, length=steps)
    return w


def _minimise(loss, kind, w, lam):
    """Rounds of proximal gradient (finds which weights are 0) and Newton polish."""

    def round_(w, _):
        w = _refine(loss, kind, w, lam, PATH_PROX_STEPS)
        return _polish(loss, kind, w, lam, PATH_NEWTON_STEPS), None

    w, _ = jax.lax.scan(round_, w, None, length=PATH_ROUNDS)
    return w


@functools.partial(jax.jit, static_argnames=("kind", "grid"))
def _penalized_path(loss, box, lams, *, kind, grid):
    xs = jnp.linspace(box[0, 0], box[0, 1], grid)
    ys = jnp.linspace(box[1, 0], box[1, 1], grid)
    points = jnp.stack(jnp.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    values = jax.vmap(loss)(points)
    values = jnp.where(jnp.isfinite(values), values, jnp.inf)
    pen = penalty(kind, points)

    def solve(lam):
        start = points[jnp.argmin(values + lam * pen)]
        return _minimise(loss, kind, start, lam)

    ws = jax.vmap(solve)(lams)
    slack = BOX_SLACK * (box[:, 1] - box[:, 0])
    inside = jnp.all((ws >= box[:, 0] - slack) & (ws <= box[:, 1] + slack), axis=1)
    ok = inside & jnp.all(jnp.isfinite(ws), axis=1)
    return jnp.where(ok[:, None], ws, jnp.nan)


def penalized_path(loss, bounds, lams, kind: str) -> np.ndarray:
    """The lowest point of E + λ·penalty in the box, for each λ: (L, 2), one jitted call.

    `loss` takes w of shape (2,) (a catalogue surface's `Partial` keeps its parameters traced);
    `kind` is "l2" (λ/2‖w‖²) or "l1" (λ‖w‖₁). The grid's best point is refined by proximal
    gradient descent (so L1 zeros are exact) and Newton steps on the non-zero weights. Rows
    are NaN where the minimum is not inside the box (the penalised loss falls off its edge,
    e.g. a saddle with a weak penalty).
    """
    if kind not in PENALTIES:
        raise ValueError(f"unknown penalty {kind!r}; valid: {', '.join(PENALTIES)}")
    box = jnp.asarray(bounds, dtype=jnp.float64)
    lams = jnp.asarray(lams, dtype=jnp.float64)
    return np.asarray(_penalized_path(as_loss_pytree(loss), box, lams, kind=kind, grid=PATH_GRID))


def penalized_values(Z, xs, ys, lam: float, kind: str) -> np.ndarray:
    """Ẽ = E + λ·penalty on the grid of `loss_grid` (Z[i, j] at x = xs[j], y = ys[i])."""
    x, y = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    return np.asarray(Z, dtype=float) + lam * np.asarray(penalty(kind, np.stack([x, y], -1)))


def path_lambdas(count: int = 160, low: float = 1e-3, high: float = 1e3) -> np.ndarray:
    """λ = 0 followed by `count` values spread evenly in log λ from `low` to `high`."""
    return np.concatenate([[0.0], np.geomspace(low, high, count)])


def stable_learning_rate(loss, points) -> float:
    """1 / the largest |Hessian eigenvalue| of `loss` at `points`: gradient descent with a
    constant ε below 2/D_max does not blow up near those points (Goodfellow et al. 2016, §4.3)."""
    curvature = max(float(np.max(np.abs(np.linalg.eigvalsh(hessian(loss, p))))) for p in points)
    return 1.0 / curvature if curvature > 0 else np.inf


# --- clipping ------------------------------------------------------------------------------


def step_lengths(params) -> np.ndarray:
    """‖w_{t+1} − w_t‖ for each step of a path (n+1, d): (n,)."""
    return np.linalg.norm(np.diff(np.asarray(params, dtype=float), axis=0), axis=1)


def turn_angles(params, grads) -> np.ndarray:
    """Angle in degrees between each step w_{t+1} − w_t and the downhill direction −∇E(w_t):
    0 for gradient descent and for clipping by norm, which only shortens the step; clipping by
    value, coordinate by coordinate, turns it. NaN where the step or gradient is zero."""
    steps = np.diff(np.asarray(params, dtype=float), axis=0)
    downhill = -np.asarray(grads, dtype=float)[: len(steps)]
    norms = np.linalg.norm(steps, axis=1) * np.linalg.norm(downhill, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        cosine = np.where(norms > 0, np.sum(steps * downhill, axis=1) / norms, np.nan)
    return np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0)))
