"""The teacher–student soft committee machine, and what permuting its hidden units does.

A soft committee machine with n hidden units and inputs x ∈ ℝᴰ computes

    y_θ(x) = Σᵢ vᵢ σ(wᵢ·x + bᵢ),    i = 1 … n,    σ(z) = 1/(1 + e⁻ᶻ),

(Saad & Solla 1995, here with free output weights vᵢ). A student with the teacher's
architecture learns from the teacher's outputs tμ = y_T(xμ) on P inputs, with the loss

    E(θ) = 1/(2P) Σ_μ (y_θ(xμ) − tμ)².

All weights live in one flat vector θ, unit by unit: θ = (p₁, p₂, …, pₙ) with the block
pᵢ = (wᵢ, bᵢ, vᵢ) ∈ ℝᴰ⁺² holding everything that belongs to hidden unit i: its incoming
weights, its bias and its outgoing weight. Relabelling the units permutes the blocks and
leaves y_θ unchanged, so every minimum comes with n! copies (Brea, Simsek, Illing & Gerstner
2019, arXiv:1907.02911). The logistic σ is used rather than tanh because tanh is odd: with it
pᵢ → −pᵢ would be a symmetry too, and 2ⁿ sign-flipped copies would crowd the picture.

Unit i is a hyperplane in input space, wᵢ·x + bᵢ = 0, with the unit on (σ > ½) on the side
its normal wᵢ points to. Student units are matched to teacher units by the angle between
their (wᵢ, bᵢ), with the Hungarian algorithm.

Brea et al.'s path between two permutation minima: constrain the distance d = ‖pᵢ − pⱼ‖
between the weight vectors of two units and minimise over all other weights at each d. With
the pair written as a mean and a difference of fixed length,

    pᵢ = m + (d/2)·z/‖z‖,   pⱼ = m − (d/2)·z/‖z‖,

the free variables are m, z and the other units. At d = 0 both units coincide, incoming and
outgoing weights alike: swapping their labels changes nothing (the permutation point), and
the network is the n − 1 unit network whose merged unit has output weight vᵢ + vⱼ. The path
followed back up with the labels exchanged is the mirror image, P_ij applied to every point,
and ends in the permuted minimum P_ij θ*.

The least-squares problems are solved by Levenberg–Marquardt (Gauss–Newton with adaptive
damping), which reaches gradients near machine precision in a few dozen steps: the Hessian at
an inaccurate minimum would show spurious negative eigenvalues.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.tree_util import Partial
from scipy.optimize import linear_sum_assignment

import optim
from landscapes.spectrum import loss_line, loss_plane, plane_coordinates

MAX_HIDDEN = 8
INPUT_BOX = 2.0  # teacher inputs are uniform in [−2, 2]ᴰ
TRAIN_STEPS = 2000
TRAIN_LEARNING_RATE = 0.05
POLISH_ITERATIONS = 100
ZERO_TOL = 1e-7  # |λ| ≤ ZERO_TOL·max|λ| counts as a zero Hessian eigenvalue


def _check_hidden(n_hidden) -> int:
    if isinstance(n_hidden, bool) or not isinstance(n_hidden, (int, np.integer)):
        raise ValueError(f"n_hidden must be a whole number, got {n_hidden!r}")
    if not 1 <= n_hidden <= MAX_HIDDEN:
        raise ValueError(f"n_hidden must be between 1 and {MAX_HIDDEN}, got {n_hidden}")
    return int(n_hidden)


def unit_size(input_dim: int) -> int:
    """Weights per hidden unit: D incoming, one bias, one outgoing."""
    return input_dim + 2


def input_dim_of(params, n_hidden: int) -> int:
    """D from the length n·(D + 2) of a flat weight vector."""
    size = np.shape(params)[-1]
    if size % n_hidden or size // n_hidden < 3:
        raise ValueError(
            f"a committee machine with {n_hidden} units has n·(D + 2) weights, got {size}"
        )
    return size // n_hidden - 2


def units(params, n_hidden: int):
    """The flat vector as an (n, D + 2) array of blocks pᵢ = (wᵢ, bᵢ, vᵢ) (works under jit)."""
    return params.reshape(*params.shape[:-1], n_hidden, -1)


def committee_output(params_flat, x, n_hidden):
    """y_θ(x) = Σᵢ vᵢ σ(wᵢ·x + bᵢ) for inputs x of shape (..., D); shape (...)."""
    blocks = units(params_flat, n_hidden)
    W, b, v = blocks[:, :-2], blocks[:, -2], blocks[:, -1]
    return jax.nn.sigmoid(x @ W.T + b) @ v


def random_teacher(n_hidden, seed, input_dim=2) -> np.ndarray:
    """A teacher committee machine with output weights vᵢ = 1 and ‖wᵢ‖ = 4.

    In 2-D the directions are spread over the half circle (angle π(i + uᵢ)/n, uᵢ uniform in
    [0, ½)) so no two units are nearly parallel; in other dimensions they are random. Each unit
    switches on over about one unit of input distance, and its hyperplane passes at a signed
    distance uniform in [−1, 1] from the origin, among the data. Returns the flat vector θ_T of
    length n·(D + 2)."""
    n = _check_hidden(n_hidden)
    if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)):
        raise ValueError(f"input_dim must be a whole number, got {input_dim!r}")
    if not 1 <= input_dim <= 100:
        raise ValueError(f"input_dim must be between 1 and 100, got {input_dim}")
    rng = np.random.default_rng([int(seed), 2019])
    if input_dim == 2:
        angles = np.pi * (np.arange(n) + 0.5 * rng.uniform(size=n)) / n
        directions = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        directions = rng.standard_normal((n, input_dim))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    biases = -4.0 * rng.uniform(-1.0, 1.0, n)  # w·x + b = 0 at distance b/‖w‖ from 0
    blocks = np.concatenate([4.0 * directions, biases[:, None], np.ones((n, 1))], axis=1)
    return blocks.ravel()


def teacher_data(teacher, n_hidden, n_points=200, seed=0, noise=0.0):
    """P inputs uniform in [−2, 2]ᴰ and the teacher's outputs tμ = y_T(xμ) (+ noise·N(0, 1)).

    Returns (inputs (P, D), targets (P,)) as float64 NumPy arrays."""
    n = _check_hidden(n_hidden)
    teacher = np.asarray(teacher, dtype=float)
    dim = input_dim_of(teacher, n)
    if isinstance(n_points, bool) or not isinstance(n_points, (int, np.integer)):
        raise ValueError(f"n_points must be a whole number, got {n_points!r}")
    if not 1 <= n_points <= 100_000:
        raise ValueError(f"n_points must be between 1 and 100000, got {n_points}")
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")
    rng = np.random.default_rng([int(seed), 1995])
    inputs = rng.uniform(-INPUT_BOX, INPUT_BOX, (n_points, dim))
    targets = np.asarray(committee_output(jnp.asarray(teacher), jnp.asarray(inputs), n))
    return inputs, targets + noise * rng.standard_normal(n_points)


# --- the loss -------------------------------------------------------------------------------


def _residuals(inputs, targets, params):
    """r = (y_θ(x) − t)/√P, so that E = ½‖r‖². The number of units follows from the shapes."""
    n_hidden = params.shape[-1] // unit_size(inputs.shape[-1])
    return (committee_output(params, inputs, n_hidden) - targets) / jnp.sqrt(targets.shape[0])


def squared_error(inputs, targets, params):
    """E(θ) = 1/(2P) Σ_μ (y_θ(xμ) − tμ)²."""
    r = _residuals(inputs, targets, params)
    return 0.5 * jnp.sum(r * r)


def committee_loss(inputs, targets) -> Partial:
    """E as a loss of one flat vector θ, `Partial(squared_error, inputs, targets)`: the data are
    traced, so new data or a new teacher never compile again (a new shape does)."""
    return Partial(
        squared_error, jnp.asarray(inputs, jnp.float64), jnp.asarray(targets, jnp.float64)
    )


# --- symmetries -----------------------------------------------------------------------------


def permute_units(params, n_hidden, order) -> np.ndarray:
    """θ with its units relabelled: unit k of the result is unit order[k] of θ."""
    order = np.asarray(order)
    n = _check_hidden(n_hidden)
    if sorted(order.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0 … {n - 1}, got {order.tolist()}")
    return np.asarray(params, float).reshape(n, -1)[order].ravel()


def swap_units(params, n_hidden, i, j) -> np.ndarray:
    """θ with units i and j exchanged (the transposition P_ij)."""
    order = np.arange(_check_hidden(n_hidden))
    order[[i, j]] = order[[j, i]]
    return permute_units(params, n_hidden, order)


def hyperplanes(params, n_hidden) -> np.ndarray:
    """(n, D + 1) rows (wᵢ, bᵢ): unit i is the hyperplane wᵢ·x + bᵢ = 0 in input space."""
    return np.asarray(params, float).reshape(_check_hidden(n_hidden), -1)[:, :-1]


class Matching(NamedTuple):
    """Student unit order[k] plays the part of teacher unit k."""

    order: np.ndarray  # (n,) int
    cosines: np.ndarray  # (n,) cos of the angle between the matched (wᵢ, bᵢ)


def match_units(student, teacher, n_hidden) -> Matching:
    """Match student units to teacher units by their hyperplanes (Hungarian algorithm).

    The cost of pairing student unit i with teacher unit k is 1 − cos ∠((wᵢ, bᵢ), (w_k, b_k)),
    the total cost is minimised exactly by `scipy.optimize.linear_sum_assignment` (Kuhn 1955).
    A student that has found the teacher has every cosine equal to 1."""
    n = _check_hidden(n_hidden)
    a, c = hyperplanes(student, n), hyperplanes(teacher, n)
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-300)
    c = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-300)
    cosine = c @ a.T  # [teacher k, student i]
    teacher_rows, order = linear_sum_assignment(1.0 - cosine)
    order = order[np.argsort(teacher_rows)]
    return Matching(order, cosine[np.arange(n), order])


def align_to_teacher(student, teacher, n_hidden) -> np.ndarray:
    """The student relabelled so that its unit k is the one matched to teacher unit k."""
    return permute_units(student, n_hidden, match_units(student, teacher, n_hidden).order)


def merged_network(params, n_hidden, i, j) -> np.ndarray:
    """The n − 1 unit network in which units i and j (coinciding: wᵢ = wⱼ, bᵢ = bⱼ) are one
    unit with output weight vᵢ + vⱼ; it sits where unit min(i, j) was."""
    n = _check_hidden(n_hidden)
    if i == j or not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"need two different units in 0 … {n - 1}, got {i} and {j}")
    blocks = np.asarray(params, float).reshape(n, -1).copy()
    keep, drop = min(i, j), max(i, j)
    blocks[keep, -1] = blocks[i, -1] + blocks[j, -1]
    return np.delete(blocks, drop, axis=0).ravel()


def duplicate_unit(params, n_hidden, unit, fraction) -> np.ndarray:
    """An n + 1 unit network: a copy of unit `unit` appended, the output weight v split into
    fraction·v (original) and (1 − fraction)·v (copy). The function is unchanged for every
    fraction: a line of equal loss (Fukumizu & Amari 2000)."""
    n = _check_hidden(n_hidden)
    if not 0 <= unit < n:
        raise ValueError(f"unit must be in 0 … {n - 1}, got {unit}")
    blocks = np.asarray(params, float).reshape(n, -1)
    copy = blocks[unit].copy()
    copy[-1] *= 1.0 - fraction
    blocks = np.concatenate([blocks, copy[None]])
    blocks[unit, -1] *= fraction
    return blocks.ravel()


# --- Levenberg–Marquardt ---------------------------------------------------------------------


def _levenberg_marquardt(residuals, start, iterations):
    """`iterations` damped Gauss–Newton steps on ½‖r(φ)‖², a step kept only if it lowers it.

    δ = −(JᵀJ + μ·s·I)⁻¹ Jᵀr with s = tr(JᵀJ)/dim: small μ is Gauss–Newton (fast near a
    solution), large μ a short gradient step (safe far away); μ shrinks after a success and
    grows after a failure (Marquardt 1963). Flat directions (Jv = 0) get no step at all."""

    def cost(phi):
        r = residuals(phi)
        return 0.5 * jnp.sum(r * r)

    def step(carry, _):
        phi, value, mu = carry
        r = residuals(phi)
        J = jax.jacfwd(residuals)(phi)
        A = J.T @ J
        scale = jnp.trace(A) / phi.shape[0] + 1e-300
        delta = -jnp.linalg.solve(A + mu * scale * jnp.eye(phi.shape[0]), J.T @ r)
        candidate = phi + delta
        new_value = cost(candidate)
        better = jnp.isfinite(new_value) & (new_value < value)
        phi = jnp.where(better, candidate, phi)
        value = jnp.where(better, new_value, value)
        mu = jnp.where(better, jnp.maximum(mu / 3.0, 1e-12), jnp.minimum(mu * 4.0, 1e12))
        return (phi, value, mu), None

    (phi, value, _), _ = jax.lax.scan(
        step, (start, cost(start), jnp.asarray(1e-3)), None, length=iterations
    )
    return phi, value


@functools.partial(jax.jit, static_argnames=("iterations",))
def _polish(inputs, targets, params, iterations):
    return _levenberg_marquardt(Partial(_residuals, inputs, targets), params, iterations)


def polish(inputs, targets, params, iterations=POLISH_ITERATIONS) -> np.ndarray:
    """θ moved to the nearby minimum of E by Levenberg–Marquardt, to near machine precision."""
    params, _ = _polish(
        jnp.asarray(inputs, jnp.float64),
        jnp.asarray(targets, jnp.float64),
        jnp.asarray(params, jnp.float64),
        iterations,
    )
    return np.asarray(params)


# --- training -------------------------------------------------------------------------------


def student_init(n_hidden, input_dim, seed) -> np.ndarray:
    """Random student weights: wᵢ ~ N(0, I), bᵢ ~ N(0, 0.5²), vᵢ ~ N(0, 1/n).

    `seed` is an int or a sequence of ints (NumPy's seed sequence)."""
    n = _check_hidden(n_hidden)
    rng = np.random.default_rng([*np.atleast_1d(seed).astype(int).tolist(), 1907])
    W = rng.standard_normal((n, input_dim))
    b = 0.5 * rng.standard_normal((n, 1))
    v = rng.standard_normal((n, 1)) / np.sqrt(n)
    return np.concatenate([W, b, v], axis=1).ravel()


class StudentRun(NamedTuple):
    """A student trained on teacher data: Adam's path, then the polished minimum."""

    steps: np.ndarray  # (K,) the steps kept for drawing
    params: np.ndarray  # (K, N) weights at those steps
    loss: np.ndarray  # (steps + 1,) E along Adam's run
    minimum: np.ndarray  # (N,) Adam's end point polished by Levenberg–Marquardt
    minimum_loss: float
    grad_norm: float  # ‖∇E‖ at `minimum`


def train_student(
    inputs,
    targets,
    n_hidden,
    seed,
    steps=TRAIN_STEPS,
    learning_rate=TRAIN_LEARNING_RATE,
    keep=100,
) -> StudentRun:
    """Train a student from `student_init(seed)` with Adam (`optim.run`), then polish.

    Adam does the learning the lecture is about; Levenberg–Marquardt then takes the end point
    to the bottom of its basin so that the Hessian there is the Hessian of a minimum."""
    n = _check_hidden(n_hidden)
    inputs = np.asarray(inputs, float)
    loss = committee_loss(inputs, targets)
    start = student_init(n, inputs.shape[1], seed)
    run = optim.run(loss, start, "adam", steps, learning_rate=learning_rate)
    minimum = polish(inputs, targets, run.params[-1])
    kept = np.unique(np.round(np.linspace(0, len(run.params) - 1, keep)).astype(int))
    return StudentRun(
        steps=kept,
        params=run.params[kept],
        loss=run.loss,
        minimum=minimum,
        minimum_loss=float(loss(minimum)),
        grad_norm=float(np.linalg.norm(jax.grad(loss)(jnp.asarray(minimum)))),
    )


# --- the merge path -------------------------------------------------------------------------


def _pair_units(size, d, phi):
    """The units from the merge coordinates φ = (m, z, other units), the pair first:
    rows m + (d/2)·u, m − (d/2)·u, then the other units, with u = z/‖z‖."""
    blocks = phi.reshape(-1, size)
    m, z, rest = blocks[0], blocks[1], blocks[2:]
    u = z / jnp.sqrt(jnp.sum(z * z))
    return jnp.concatenate([jnp.stack([m + 0.5 * d * u, m - 0.5 * d * u]), rest])


def _pair_residuals(inputs, targets, d, phi):
    # E does not depend on the order of the units: the pair can stay first while minimising.
    return _residuals(inputs, targets, _pair_units(unit_size(inputs.shape[-1]), d, phi).ravel())


MERGE_POLISH_STEPS = 5  # extra rounds of iterations at d = 0, where the Hessian is read


@functools.partial(jax.jit, static_argnames=("iterations",))
def _merge_sweeps(inputs, targets, slots, phi0, distances, iterations):
    """Warm-started constrained minimisation at every distance of one sequence: `distances`
    (d* → 0) down from the minimum, MERGE_POLISH_STEPS more rounds at d = 0 (the permutation
    point is a saddle of E, and its Hessian is read), then the same distances back up.
    One scan, so the minimisation is compiled once. Unit k of θ is row slots[k] of the
    pair-first order."""

    def at(phi, d):
        residuals = Partial(_pair_residuals, inputs, targets, d)
        phi, value = _levenberg_marquardt(residuals, phi, iterations)
        pair_first = _pair_units(unit_size(inputs.shape[-1]), d, phi)
        return phi, (pair_first[slots].ravel(), value)

    schedule = jnp.concatenate(
        [distances, jnp.zeros(MERGE_POLISH_STEPS, distances.dtype), distances[::-1]]
    )
    _, (params, values) = jax.lax.scan(at, phi0, schedule)
    down = len(distances)
    merged = down + MERGE_POLISH_STEPS - 1  # the polished permutation point
    down_params = params[:down].at[-1].set(params[merged])
    down_values = values[:down].at[-1].set(values[merged])
    return (down_params, down_values), (params[merged + 1 :], values[merged + 1 :])


class MergePath(NamedTuple):
    """E along the merge path of units i and j, d ascending from 0 (the permutation point) to d*
    (the trained minimum, the last row). At each d the other weights minimise E."""

    distance: np.ndarray  # (K,) d, ascending from 0 to d*
    loss: np.ndarray  # (K,)
    params: np.ndarray  # (K, N)
    i: int
    j: int
    from_below: np.ndarray  # (K,) bool: the lower loss came from the sweep up from d = 0

    @property
    def minimum(self) -> np.ndarray:
        return self.params[-1]

    @property
    def permutation_point(self) -> np.ndarray:
        return self.params[0]

    @property
    def barrier(self) -> float:
        """E(permutation point) − E(minimum): the height of the pass between the two minima."""
        return float(self.loss[0] - self.loss[-1])

    def jumps(self, factor: float = 10.0) -> np.ndarray:
        """Indices k where the weights jump between d_k and d_{k+1}: ‖θ_{k+1} − θ_k‖ more than
        `factor` times the step in d (the constrained minimum moved to another valley)."""
        steps = np.linalg.norm(np.diff(self.params, axis=0), axis=1)
        return np.flatnonzero(steps > factor * np.diff(self.distance))


def merge_path(inputs, targets, minimum, n_hidden, i, j, points=40, iterations=30) -> MergePath:
    """Brea et al.'s path from the minimum θ* to the permutation point of units i and j.

    d* = ‖pᵢ − pⱼ‖ at θ*. At `points` distances from d* down to 0, E is minimised over the
    mean m, the direction z and the other units by `iterations` Levenberg–Marquardt steps,
    warm-started from the previous distance. A warm-started sweep can be left on a branch that
    ends (the constrained minimum jumps to another valley), so a second sweep goes back up from
    d = 0 and each distance keeps the lower of the two. One jitted call does both."""
    n = _check_hidden(n_hidden)
    if n < 2 or i == j or not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"need two different units in 0 … {n - 1}, got {i} and {j}")
    blocks = np.asarray(minimum, float).reshape(n, -1)
    others = [k for k in range(n) if k not in (i, j)]
    slots = np.argsort([i, j, *others])  # where unit k sits in the pair-first order
    difference = blocks[i] - blocks[j]
    d_star = float(np.linalg.norm(difference))
    if d_star == 0.0:
        raise ValueError(f"units {i} and {j} already coincide")
    phi0 = np.concatenate([0.5 * (blocks[i] + blocks[j]), difference, blocks[others].ravel()])
    distances = d_star * np.linspace(1.0, 0.0, points)
    (down_params, down_loss), (back_params, back_loss) = jax.device_get(
        _merge_sweeps(
            jnp.asarray(inputs, jnp.float64),
            jnp.asarray(targets, jnp.float64),
            jnp.asarray(slots),
            jnp.asarray(phi0),
            jnp.asarray(distances),
            iterations,
        )
    )
    # both ascending in d from here on
    down_params, down_loss = down_params[::-1], down_loss[::-1]
    from_below = back_loss < down_loss
    from_below[-1] = False  # d* itself: the trained minimum
    return MergePath(
        distance=distances[::-1],
        loss=np.where(from_below, back_loss, down_loss),
        params=np.where(from_below[:, None], back_params, down_params),
        i=i,
        j=j,
        from_below=from_below,
    )


# --- the straight line ------------------------------------------------------------------------


class StraightLine(NamedTuple):
    """E((1 − t)·θ* + t·P_ij θ*) for t in [0, 1]: the straight line to the permuted copy.

    Along it the two units move linearly, pᵢ(t) − pⱼ(t) = (1 − 2t)(pᵢ* − pⱼ*), so they pass
    each other at t = ½ (d = |1 − 2t|·d*) while the other units stay put."""

    t: np.ndarray  # (T,)
    loss: np.ndarray  # (T,)

    @property
    def barrier(self) -> float:
        """max_t E − max(E(0), E(1)): how far the line climbs above its ends."""
        return float(np.max(self.loss) - max(self.loss[0], self.loss[-1]))


def straight_line(inputs, targets, minimum, n_hidden, i, j, points=101) -> StraightLine:
    """The loss on the straight line from θ* to its copy with units i and j exchanged."""
    permuted = swap_units(minimum, n_hidden, i, j)
    ts = np.linspace(0.0, 1.0, points)
    values = loss_line(committee_loss(inputs, targets), np.asarray(minimum, float), permuted, ts)
    return StraightLine(ts, values)


# --- the exchange: in, swap, out ------------------------------------------------------------


class ExchangeLoop(NamedTuple):
    """θ* → permutation point → P_ij θ*: the merge path in, then its mirror image out.

    `position` is s = −d on the way in and +d on the way out; the loss is symmetric in s
    because E(P_ij θ) = E(θ)."""

    position: np.ndarray  # (F,)
    loss: np.ndarray  # (F,)
    params: np.ndarray  # (F, N)


def exchange_loop(path: MergePath, n_hidden) -> ExchangeLoop:
    """The whole exchange of units i and j along `path`. At d = 0 the two units coincide, so
    exchanging their labels there is no move at all: the loop is continuous."""
    outward = np.stack([swap_units(p, n_hidden, path.i, path.j) for p in path.params[1:]])
    return ExchangeLoop(
        position=np.concatenate([-path.distance[::-1], path.distance[1:]]),
        loss=np.concatenate([path.loss[::-1], path.loss[1:]]),
        params=np.concatenate([path.params[::-1], outward]),
    )


class ExchangePlane(NamedTuple):
    """E on the plane through θ*, P_ij θ* and the permutation point θ_pp:

    θ(α, β) = c + α·e₁ + β·e₂,  c = (θ* + P_ij θ*)/2,  e₁ = (P_ij θ* − θ*)/2,  e₂ = θ_pp − c,

    so θ* sits at (−1, 0), its copy at (1, 0) and the permutation point at (0, 1). e₁ changes
    only units i and j, in opposite directions, and e₂ moves them alike, so e₁ ⟂ e₂."""

    alphas: np.ndarray  # (A,)
    betas: np.ndarray  # (B,)
    loss: np.ndarray  # (B, A)
    origin: np.ndarray
    e1: np.ndarray
    e2: np.ndarray

    def coordinates(self, ws) -> np.ndarray:
        """(α, β) of the nearest plane point to every row of ws (T, N): shape (T, 2)."""
        return plane_coordinates(ws, self.origin, self.e1, self.e2)


def exchange_plane(
    inputs, targets, path: MergePath, n_hidden, size=61, alpha=1.6, beta=(-0.8, 1.8)
) -> ExchangePlane:
    """The loss on the plane of the exchange (one vmapped, jitted call, size × size points)."""
    minimum = path.minimum
    permuted = swap_units(minimum, n_hidden, path.i, path.j)
    origin = 0.5 * (minimum + permuted)
    e1 = 0.5 * (permuted - minimum)
    e2 = path.permutation_point - origin
    alphas = np.linspace(-alpha, alpha, size)
    betas = np.linspace(beta[0], beta[1], size)
    values = loss_plane(committee_loss(inputs, targets), origin, e1, e2, alphas, betas)
    return ExchangePlane(alphas, betas, values, origin, e1, e2)


class PointReport(NamedTuple):
    """The loss, the gradient and the Hessian spectrum at one point."""

    loss: float
    grad_norm: float
    eigenvalues: np.ndarray  # (N,) ascending
    negative: int  # eigenvalues below −ZERO_TOL·max|λ| (the index)
    zero: int  # eigenvalues with |λ| ≤ ZERO_TOL·max|λ|


@jax.jit
def _point_report(inputs, targets, params):
    value, gradient = jax.value_and_grad(squared_error, argnums=2)(inputs, targets, params)
    hessian = jax.hessian(squared_error, argnums=2)(inputs, targets, params)
    return value, jnp.linalg.norm(gradient), jnp.linalg.eigvalsh(0.5 * (hessian + hessian.T))


def point_report(inputs, targets, params) -> PointReport:
    """E, ‖∇E‖ and the Hessian eigenvalues at θ, with the counts of negative and zero ones."""
    value, grad_norm, eigenvalues = jax.device_get(
        _point_report(
            jnp.asarray(inputs, jnp.float64),
            jnp.asarray(targets, jnp.float64),
            jnp.asarray(params, jnp.float64),
        )
    )
    tol = ZERO_TOL * np.max(np.abs(eigenvalues))
    return PointReport(
        loss=float(value),
        grad_norm=float(grad_norm),
        eigenvalues=eigenvalues,
        negative=int(np.sum(eigenvalues < -tol)),
        zero=int(np.sum(np.abs(eigenvalues) <= tol)),
    )


# --- critical points by minimising the squared gradient norm ----------------------------------


def _gradient(inputs, targets, params):
    return jax.grad(squared_error, argnums=2)(inputs, targets, params)


@functools.partial(jax.jit, static_argnames=("iterations",))
def _gradient_norm_descent(inputs, targets, starts_SxN, iterations):
    """From every start: Levenberg–Marquardt on ½‖∇E‖² (its Jacobian is the Hessian H, the
    step −(H² + μsI)⁻¹H∇E); then E, ‖∇E‖ and the Hessian eigenvalues at the end points."""
    gradient = Partial(_gradient, inputs, targets)

    def one(start):
        end, _ = _levenberg_marquardt(gradient, start, iterations)
        eigenvalues = jnp.linalg.eigvalsh(
            jax.hessian(squared_error, argnums=2)(inputs, targets, end)
        )
        return end, squared_error(inputs, targets, end), jnp.linalg.norm(gradient(end)), eigenvalues

    return jax.vmap(one)(starts_SxN)


class CriticalSample(NamedTuple):
    """Points where ½‖∇E‖² was minimised (Dauphin et al. 2014), one per start.

    Where ‖∇E‖ did not reach ~0 the end point is a flat region (a minimum of ‖∇E‖ that is not a
    zero of ∇E), not a critical point: `critical` tells them apart."""

    params: np.ndarray  # (S, N) end points
    loss: np.ndarray  # (S,)
    grad_norm: np.ndarray  # (S,) ‖∇E‖ at the end points
    eigenvalues: np.ndarray  # (S, N) ascending
    negative: np.ndarray  # (S,) number of eigenvalues below −ZERO_TOL·max|λ|
    downhill_fraction: np.ndarray  # (S,) negative / N (the index k = negative, as a share)
    critical: np.ndarray  # (S,) bool: ‖∇E‖ ≤ grad_tol


def critical_points_by_gradient_norm(
    inputs, targets, n_hidden, runs=8, per_run=8, seed=0, iterations=100, grad_tol=1e-8
) -> CriticalSample:
    """Critical points of the committee machine's loss, found by minimising ½‖∇E‖².

    Starts: `runs` students from random initialisations trained by gradient descent
    (`optim.run_batch`, ε = 0.5, 1000 steps), `per_run` points from each run at steps spread
    evenly in log scale. A run slows down near saddles and plateaus, so its points start close
    to critical points of every kind. From all starts at once (one jitted, vmapped call),
    Levenberg–Marquardt on ½‖∇E‖²; then the loss, ‖∇E‖ and the Hessian eigenvalues.

    The fraction of downhill directions, negative / N, is what Dauphin et al. call the index
    (the lab keeps "index" for the count k of negative eigenvalues) (Dauphin, Pascanu,
    Gulcehre, Cho, Ganguli & Bengio 2014, "Identifying and attacking the saddle point problem
    in high-dimensional non-convex optimization", Fig. 1; Pascanu et al. 2014). The gradient
    norm is kept because a minimum of ‖∇E‖ in a flat region looks like a critical point but
    is not one (Frye et al. 2021)."""
    n = _check_hidden(n_hidden)
    inputs = np.asarray(inputs, float)
    starts = np.stack([student_init(n, inputs.shape[1], [int(seed), run]) for run in range(runs)])
    paths = optim.run_batch(committee_loss(inputs, targets), starts, "gd", 1000, learning_rate=0.5)
    steps = np.unique(np.geomspace(1, 1000, per_run).astype(int))
    start_points = paths.params[:, steps].reshape(-1, starts.shape[1])
    ends, values, grad_norms, eigenvalues = jax.device_get(
        _gradient_norm_descent(
            jnp.asarray(inputs),
            jnp.asarray(targets, jnp.float64),
            jnp.asarray(start_points),
            iterations,
        )
    )
    tol = ZERO_TOL * np.max(np.abs(eigenvalues), axis=1, keepdims=True)
    negative = np.sum(eigenvalues < -tol, axis=1)
    return CriticalSample(
        params=ends,
        loss=values,
        grad_norm=grad_norms,
        eigenvalues=eigenvalues,
        negative=negative,
        downhill_fraction=negative / eigenvalues.shape[1],
        critical=np.isfinite(values) & (grad_norms <= grad_tol),
    )
