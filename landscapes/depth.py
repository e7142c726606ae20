"""Why depth helps: regions carved by hyperplanes, XOR, linear regions of ReLU nets, 1-NN.

Regions of a hyperplane arrangement. Each hidden unit of a first layer is a hyperplane
a·x + c = 0 in input space ℝᵈ (rows (a₁ … a_d, c) here). Adding hyperplanes one at a time,
hyperplane H adds as many regions as it is itself cut into by the earlier ones (each piece of
H splits one region in two). That is the deletion–restriction recursion

    r(A) = r(A ∖ H) + r(A^H),

A^H the arrangement the others cut on H (a space of dimension d − 1), valid for every affine
arrangement (Zaslavsky 1975, "Facing up to arrangements"), parallel and concurrent ones
included: `count_regions` applies it recursively down to lines (d = 1: n distinct points
make n + 1 intervals). In general position it gives Schläfli's count

    R(n, d) = Σ_{k=0}^{d} C(n, k)    (1-D: n + 1; 2-D: 1 + n + n(n − 1)/2),

which the lecture reaches by tilting: n parallel lines make n + 1 strips, tilting line k adds
one region per new crossing, n − k of them; n vertical planes over lines in general position
make 1 + n + C(n, 2) columns, and tilting plane k adds C(n − k, 2) (its pieces against a
vertical plane's strips), C(n, 3) in all (`tilted_arrangement`, `tilt_counts`).

Linear regions of a ReLU network (`count_linear_regions`): inputs with the same on/off
pattern of every hidden unit form one convex polytope (with the patterns of layers < l fixed,
layer l's pre-activations are affine in x, so the pattern is fixed by half-spaces), on which
the network is affine (Hanin & Rolnick 2019). Counting distinct patterns on a grid counts the
regions the grid meets; refining the grid until the count stops changing checks the
resolution. Deep nets fold the plane, so their patterns can multiply layer by layer
(Montúfar, Pascanu, Cho & Bengio 2014), while one layer of n units in the plane makes at most
1 + n + C(n, 2).

Training goes through `optim.run` on `landscapes.networks.NetworkLoss`, padded to fixed
widths with a 0/1 mask over the hidden units (the padding outputs 0 and keeps zero weights,
as in `landscapes.networks`): a slider for the number of units never compiles.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

import optim
from landscapes import networks, regions

MAX_PLANES = 60  # sign patterns are packed into the bits of an int64 code
KINDS = ("general", "parallel", "concurrent")
DEFAULT_TOL = 1e-9
CHUNK = 16384  # grid points per jitted call (one compiled shape for every grid)


# --- hyperplane arrangements ---------------------------------------------------------------


def _as_planes(planes, d=None) -> np.ndarray:
    planes = np.asarray(planes, dtype=float)
    if planes.ndim != 2 or planes.shape[1] < 2 or (d is not None and planes.shape[1] != d + 1):
        raise ValueError(f"planes must have shape (n, d + 1), got {planes.shape}")
    if len(planes) > MAX_PLANES:
        raise ValueError(f"at most {MAX_PLANES} hyperplanes, got {len(planes)}")
    norms = np.linalg.norm(planes[:, :-1], axis=1)
    if not np.all(np.isfinite(planes)) or np.any(norms == 0):
        raise ValueError("every hyperplane needs finite coefficients and a nonzero normal a")
    return planes / norms[:, None]


def _canonical(planes, tol) -> np.ndarray:
    """Unit normals with the first clearly nonzero entry positive; duplicates removed."""
    if len(planes) == 0:
        return planes
    normals = planes[:, :-1]
    lead = np.argmax(np.abs(normals) > tol, axis=1)
    sign = np.sign(normals[np.arange(len(planes)), lead])
    canon = planes * sign[:, None]
    # close[i, j]: row j repeats row i (max-norm within tol, relative to row i's offset)
    distance = np.max(np.abs(canon[:, None, :] - canon[None, :, :]), axis=-1)
    close = distance <= tol * np.maximum(1.0, np.abs(canon[:, -1]))[:, None]
    keep = np.zeros(len(canon), bool)
    for i in range(len(canon)):
        keep[i] = not close[i, :i][keep[:i]].any()
    return canon[keep]


def _restrict(planes, h, tol) -> np.ndarray:
    """The arrangement `planes` cut on hyperplane h (unit normal), in coordinates t of
    h = {x₀ + B t}: rows (Bᵀa, a·x₀ + c); planes parallel to h (no trace on it) are left out."""
    a, c = h[:-1], h[-1]
    d = len(a)
    x0 = -c * a
    # (d, d − 1), orthonormal, ⟂ a; on a line its direction (SVD gives it up to sign, slowly)
    basis = np.array([[-a[1]], [a[0]]]) if d == 2 else np.linalg.svd(a[None, :])[2][1:].T
    normals = planes[:, :-1] @ basis
    offsets = planes[:, :-1] @ x0 + planes[:, -1]
    size = np.linalg.norm(normals, axis=1)
    cut = size > tol
    restricted = np.concatenate([normals[cut], offsets[cut, None]], axis=1) / size[cut, None]
    return restricted.reshape(-1, d)


def _regions(planes, tol) -> int:
    planes = _canonical(planes, tol)
    total = 1
    for k in range(len(planes)):
        if planes.shape[1] == 2:  # on a line: each new distinct point adds one interval
            total += 1
        else:
            total += _regions(_restrict(planes[:k], planes[k], tol), tol)
    return total


def count_regions(planes, tol=DEFAULT_TOL) -> int:
    """Regions of ℝᵈ cut by hyperplanes a·x + c = 0, rows (a, c) of shape (n, d + 1): exact
    for every arrangement (deletion–restriction, see the top); identical hyperplanes count
    once, and cuts closer than `tol` (relative) are one."""
    return _regions(_as_planes(planes), tol)


def region_increments(planes, tol=DEFAULT_TOL) -> np.ndarray:
    """Added one at a time: how many regions hyperplane k adds, the number of pieces the
    earlier ones cut it into (0 for a repeat of an earlier one). Sums to r(A) − 1."""
    planes = _as_planes(planes)
    return np.diff([1] + [_regions(planes[: k + 1], tol) for k in range(len(planes))])


def count_regions_by_sampling(planes, box, resolution) -> int:
    """Distinct sign patterns on a grid of resolution^d points over `box` ((lo, hi) per axis),
    the grid shifted off the hyperplanes' rational positions: the regions that the grid meets.
    Brute force, for checking `count_regions` (a region thinner than the spacing is missed)."""
    planes = _as_planes(planes)
    d = planes.shape[1] - 1
    axes = [
        np.linspace(lo, hi, resolution) + 1e-3 * math.pi * (hi - lo) / resolution for lo, hi in box
    ]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, d)
    sides = grid @ planes[:, :-1].T + planes[:, -1] > 0
    codes = sides.astype(np.int64) @ (np.int64(1) << np.arange(len(planes), dtype=np.int64))
    return len(np.unique(codes))


def regions_formula(n: int, d: int, kind: str = "general", tilted: int | None = None) -> int:
    """The closed form for the arrangements of `tilted_arrangement`:

    general   1-D n + 1; 2-D after t tilts n + 1 + Σ_{k=1}^{t} (n − k); 3-D after t tilts
              1 + n + C(n, 2) + Σ_{k=1}^{t} C(n − k, 2); all tilted: Σ_{k≤d} C(n, k);
    parallel  n + 1 in every dimension;
    concurrent 1-D 2 (one point); 2-D 2n (lines through a point, n ≥ 1);
              3-D n(n − 1) + 2 (planes through a point, otherwise general, n ≥ 1)."""
    _check(n, d, kind)
    tilted = n if tilted is None else tilted
    if n == 0:
        return 1
    if kind == "parallel" or d == 1 and kind == "general":
        return n + 1
    if kind == "concurrent":
        return {1: 2, 2: 2 * n, 3: n * (n - 1) + 2}[d]
    if d == 2:
        return n + 1 + sum(n - k for k in range(1, tilted + 1))
    return 1 + n + math.comb(n, 2) + sum(math.comb(n - k, 2) for k in range(1, tilted + 1))


def _check(n, d, kind):
    if kind not in KINDS:
        raise ValueError(f"unknown arrangement {kind!r}; valid: {', '.join(KINDS)}")
    if d not in (1, 2, 3):
        raise ValueError(f"d must be 1, 2 or 3, got {d!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_PLANES:
        raise ValueError(f"n must be a whole number from 0 to {MAX_PLANES}, got {n!r}")


def tilted_arrangement(n: int, d: int, kind: str = "general", tilted=None, seed=0) -> np.ndarray:
    """n hyperplanes in ℝᵈ (rows (a, c)), the lecture's constructions:

    general   d = 1: n points. d = 2: n vertical lines x = k − (n − 1)/2, the first `tilted`
              of them turned into tangents of a parabola (general position). d = 3: n
              vertical planes over random lines in general position, the first `tilted`
              given a random slope in z;
    parallel  n parallel hyperplanes, one apart;
    concurrent n hyperplanes through one point (the origin), random normals.
    Random numbers come from `seed`; with probability one they avoid coincidences."""
    _check(n, d, kind)
    tilted = n if tilted is None else int(np.clip(tilted, 0, n))
    rng = np.random.default_rng([int(seed), d, KINDS.index(kind), 24])
    offsets = np.arange(n) - (n - 1) / 2
    if kind == "parallel" or d == 1:
        normal = np.eye(d)[0] if d < 3 else np.array([0.3, 0.2, 1.0])
        points = np.zeros(n) if kind == "concurrent" else offsets
        return np.concatenate([np.tile(normal, (n, 1)), -points[:, None]], axis=1)
    if kind == "concurrent":
        normals = rng.standard_normal((n, d))
        return np.concatenate([normals, np.zeros((n, 1))], axis=1)
    if d == 2:
        # Tilted line k becomes the tangent of the parabola y = x²/(2a) at x = uₖ (near its
        # own position): tangents of a conic are in general position, and their crossings
        # ((uᵢ + uⱼ)/2, uᵢuⱼ/(2a)) stay near the lines (random angles put many of them
        # hundreds of units away). uₖ is jittered, so no crossing of two tangents lies on a
        # vertical line.
        a = max(n / 2.0, 1.0)
        u = offsets + rng.uniform(-0.25, 0.25, n)
        tangents = np.stack([u / a, -np.ones(n), -(u**2) / (2 * a)], axis=1)
        verticals = np.stack([np.ones(n), np.zeros(n), -offsets], axis=1)
        return np.where((np.arange(n) < tilted)[:, None], tangents, verticals)
    lines = regions.random_lines(n, seed, box=1.5)
    slope = np.zeros(n)
    slope[:tilted] = rng.choice([-1.0, 1.0], tilted) * rng.uniform(0.4, 1.5, tilted)
    return np.stack([lines[:, 0], lines[:, 1], slope, lines[:, 2]], axis=1)


def tilt_counts(n: int, d: int, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """(t = 0 … n, exact region counts after tilting the first t hyperplanes)."""
    ts = np.arange(n + 1)
    return ts, np.array([count_regions(tilted_arrangement(n, d, "general", t, seed)) for t in ts])


def crossings_on(planes, k: int, among=None) -> np.ndarray:
    """Where the other lines (or those of index in `among`) cross line k (2-D): (m, 2).
    In the tilt sequence, line k's crossings with the lines still parallel (among =
    k + 1 … n − 1) are the new ones its tilt made, one new region each."""
    planes = _as_planes(planes, 2)
    chosen = np.arange(len(planes)) if among is None else np.asarray(among, int)
    others = planes[chosen[chosen != k]]
    points, pairs = regions.intersections(np.concatenate([planes[k : k + 1], others]))
    return points[pairs[:, 0] == 0]


# --- XOR: which labellings a threshold unit can make -----------------------------------------


def threshold_separable(inputs, labels) -> bool:
    """Whether one threshold unit [w·x + b > 0] gives `labels` (0/1) on `inputs` (m, k):
    a linear programme, (2y − 1)(w·x + b) ≥ 1 feasible."""
    inputs = np.asarray(inputs, float)
    signs = 2.0 * np.asarray(labels, float) - 1.0
    if np.all(signs > 0) or np.all(signs < 0):
        return True
    rows = -signs[:, None] * np.concatenate([inputs, np.ones((len(inputs), 1))], axis=1)
    result = scipy.optimize.linprog(
        np.zeros(inputs.shape[1] + 1),
        A_ub=rows,
        b_ub=-np.ones(len(inputs)),
        bounds=[(None, None)] * (inputs.shape[1] + 1),
        method="highs",
    )
    return bool(result.status == 0)


def corners(k: int) -> np.ndarray:
    """The 2ᵏ corners of the cube {0, 1}ᵏ, row i the binary digits of i (first bit first)."""
    return ((np.arange(2**k)[:, None] >> np.arange(k)) & 1).astype(float)


def separable_labellings(k: int) -> np.ndarray:
    """For each of the 2^(2ᵏ) labellings of the corners of {0, 1}ᵏ (labelling j gives corner
    i the bit i of j), whether a threshold unit makes it: 4, 14, 104 of 4, 16, 256 for
    k = 1, 2, 3 (the linearly separable Boolean functions, OEIS A000609)."""
    points = corners(k)
    count = 2 ** len(points)
    return np.array(
        [threshold_separable(points, (j >> np.arange(len(points))) & 1) for j in range(count)]
    )


def two_layer_labellings(k: int) -> np.ndarray:
    """For each of the 2^(2ᵏ) labellings of the corners of {0, 1}ᵏ (numbered as in
    `separable_labellings`), whether a two-layer threshold net built for it makes it, checked
    at every corner: one hidden unit per corner labelled 1, [(2c − 1)·x − Σc + ½ > 0], on at
    that corner alone, and the output their OR, [Σ h − ½ > 0]. Every entry is True: with a
    second layer, every Boolean function (XOR included)."""
    points = corners(k)
    count = 2 ** len(points)
    made = []
    for j in range(count):
        labels = (j >> np.arange(len(points))) & 1
        ones = points[labels == 1]
        hidden = (points @ (2 * ones - 1).T - ones.sum(axis=1) + 0.5 > 0).astype(float)
        made.append(np.array_equal(hidden.sum(axis=1) - 0.5 > 0, labels == 1))
    return np.array(made)


def xor_two_layers(x) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's two crossing lines and a second layer that labels opposite quadrants
    alike: h₁ = [x₁ > 0], h₂ = [x₂ > 0]; g₁ = [h₁ + h₂ > ½] (OR), g₂ = [h₁ + h₂ > 3/2] (AND);
    output [g₁ − g₂ > ½] = h₁ XOR h₂. Returns (hidden (…, 2), output (…,)) as 0/1."""
    x = np.asarray(x, float)
    h = (x > 0).astype(float)
    total = h[..., 0] + h[..., 1]
    out = ((total > 0.5).astype(float) - (total > 1.5).astype(float) > 0.5).astype(float)
    return h, out


# --- data ---------------------------------------------------------------------------------

BOX = ((-2.0, 2.0), (-2.0, 2.0))


def checkerboard(k: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Generalized XOR: n points uniform in BOX, labelled by a k × k checkerboard (k = 2: XOR)."""
    rng = np.random.default_rng([int(seed), int(k), 7])
    x = rng.uniform(-2.0, 2.0, (n, 2))
    cells = np.floor((x + 2.0) * k / 4.0).clip(0, k - 1)
    return x, (np.sum(cells, axis=1) % 2).astype(float)


def tent(u, folds: int):
    """The tent map u ↦ 1 − |2u − 1| applied `folds` times: a sawtooth of 2^(folds−1) teeth
    on [0, 1]; each fold is two ReLU units, u ↦ 2 relu(u) − 4 relu(u − ½) (Telgarsky 2016)."""
    u = np.asarray(u, float)
    for _ in range(folds):
        u = 1.0 - np.abs(2.0 * u - 1.0)
    return u


def sawtooth(folds: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points uniform in BOX, label 1 below the sawtooth x₂ = 4·tent^folds((x₁ + 2)/4) − 2."""
    rng = np.random.default_rng([int(seed), int(folds), 8])
    x = rng.uniform(-2.0, 2.0, (n, 2))
    return x, (x[:, 1] < 4.0 * tent((x[:, 0] + 2.0) / 4.0, folds) - 2.0).astype(float)


CLUSTER_CENTRES = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0], [0.0, 0.0]])


def clusters(n_per: int, seed: int, new_cluster: bool) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clusters (σ = 0.3) at (±1, ±1), XOR-labelled, and with `new_cluster` a
    fifth of class 1 in the middle."""
    rng = np.random.default_rng([int(seed), 9])
    centres = CLUSTER_CENTRES[: 5 if new_cluster else 4]
    labels = np.array([0.0, 0.0, 1.0, 1.0, 1.0])[: len(centres)]
    x = np.repeat(centres, n_per, axis=0) + 0.3 * rng.standard_normal((n_per * len(centres), 2))
    return x, np.repeat(labels, n_per)


# --- nearest neighbour --------------------------------------------------------------------


def nearest_neighbour(prototypes, labels, points) -> tuple[np.ndarray, np.ndarray]:
    """1-NN: for points (..., 2) the index of the nearest prototype (its Voronoi cell; ties to
    the lower index) and that prototype's label."""
    prototypes = np.asarray(prototypes, float)
    points = np.asarray(points, float)
    d2 = np.sum((points[..., None, :] - prototypes) ** 2, axis=-1)
    index = np.argmin(d2, axis=-1)
    return index, np.asarray(labels)[index]


def grid_points(box, resolution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, points (len(ys), len(xs), 2)) of a resolution × resolution grid over box."""
    xs, ys = regions.grid_axes(box, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.stack([gx, gy], axis=-1)


# --- ReLU networks padded to fixed widths ---------------------------------------------------


class Net(NamedTuple):
    """A ReLU MLP with hidden `widths`, computed padded to `padded` widths (see the top)."""

    widths: tuple[int, ...]
    padded: tuple[int, ...]

    @property
    def arch(self) -> networks.Architecture:
        return networks.Architecture(self.widths, "relu")

    @property
    def wide(self) -> networks.Architecture:
        return networks.Architecture(self.padded, "relu")

    @property
    def num_weights(self) -> int:
        """N of the unpadded network."""
        return self.arch.num_weights

    def mask(self) -> np.ndarray:
        return np.concatenate(
            [np.arange(p) < n for n, p in zip(self.widths, self.padded, strict=True)]
        ).astype(float)

    def embed(self, w) -> np.ndarray:
        """Weights of `arch` into the padded layout, zeros elsewhere."""
        big = []
        for (W, b), (m, p) in zip(
            self.arch.unflatten(np.asarray(w, float)),
            zip(self.wide.sizes[:-1], self.wide.sizes[1:], strict=True),
            strict=True,
        ):
            W2, b2 = np.zeros((m, p)), np.zeros(p)
            W2[: W.shape[0], : W.shape[1]] = W
            b2[: len(b)] = b
            big.append((W2, b2))
        return self.wide.flatten(big)


def make_net(widths, padded) -> Net:
    widths, padded = tuple(int(n) for n in widths), tuple(int(p) for p in padded)
    if len(widths) != len(padded) or any(
        not 1 <= n <= p for n, p in zip(widths, padded, strict=False)
    ):
        raise ValueError(f"widths {widths} must fit the padded widths {padded}")
    return Net(widths, padded)


def equal_budget_width(budget: int, padded: int) -> int:
    """The one-hidden-layer width h with N = 4h + 1 closest to `budget` (2 inputs), ≤ padded."""
    return int(np.clip(round((budget - 1) / 4), 1, padded))


@functools.partial(
    jax.tree_util.register_dataclass, data_fields=("losses",), meta_fields=("sizes",)
)
@dataclasses.dataclass(frozen=True, eq=False)
class JointLoss:
    """Several networks' losses as one: w is their weight vectors end to end (`sizes` long)
    and E(w) = Σᵢ Eᵢ(wᵢ). Its gradient is every net's own, ∂E/∂wᵢ = ∇Eᵢ(wᵢ), and Adam's
    update is coordinate by coordinate, so one run on E makes each net's own steps: one
    compiled loop for all of them instead of one per net. (The runner's divergence check
    stops them together; these small nets at these rates never diverge.)"""

    losses: tuple[networks.NetworkLoss, ...]
    sizes: tuple[int, ...]

    def parts(self, w) -> list:
        ends = np.cumsum(self.sizes)
        return [w[end - size : end] for size, end in zip(self.sizes, ends, strict=True)]

    def __call__(self, w):
        return sum(loss(part) for loss, part in zip(self.losses, self.parts(w), strict=True))


@jax.jit
def _accuracies(loss: JointLoss, w):
    """The fraction of points each net classifies right (class 1 where f > 0)."""
    return jnp.stack(
        [
            jnp.mean(((networks.forward(one.arch, part, one.inputs, one.unit_mask) > 0)
                      == (one.targets > 0.5)).astype(jnp.float64))
            for one, part in zip(loss.losses, loss.parts(w), strict=True)
        ]
    )  # fmt: skip


class Trained(NamedTuple):
    net: Net
    weights: np.ndarray  # padded layout
    train_accuracy: float
    test_accuracy: float


def _joint(nets, x, y) -> JointLoss:
    x, y = jnp.asarray(x, float), jnp.asarray(y, float)
    return JointLoss(
        tuple(
            networks.NetworkLoss(x, y, net.wide, "cross_entropy", jnp.asarray(net.mask()))
            for net in nets
        ),
        tuple(net.wide.num_weights for net in nets),
    )


def train_together(
    nets, x, y, x_test, y_test, *, seed=0, steps=600, learning_rate=0.02
) -> tuple[Trained, ...]:
    """Train each of `nets` (cross-entropy, full-batch Adam through `optim.run`) from
    He-initialised weights of `seed`, all in one run of their `JointLoss`; the accuracies
    are the fractions classified right (class 1 where f > 0)."""
    nets = tuple(nets)
    loss, test = _joint(nets, x, y), _joint(nets, x_test, y_test)
    w0 = np.concatenate([net.embed(networks.init_weights(net.arch, "he", seed)) for net in nets])
    run = optim.run(loss, w0, "adam", steps, learning_rate=learning_rate, record="path")
    w = jnp.asarray(run.params[-1])
    scores = np.asarray(jnp.stack([_accuracies(loss, w), _accuracies(test, w)]), float)
    return tuple(
        Trained(net, np.asarray(part), float(train_), float(test_))
        for net, part, train_, test_ in zip(nets, loss.parts(w), *scores, strict=True)
    )


def train(net: Net, x, y, x_test, y_test, *, seed=0, steps=600, learning_rate=0.02) -> Trained:
    """`train_together` for one net."""
    return train_together(
        (net,), x, y, x_test, y_test, seed=seed, steps=steps, learning_rate=learning_rate
    )[0]


def _chunks(points):
    points = np.asarray(points, float).reshape(-1, 2)
    padded = -(-len(points) // CHUNK) * CHUNK
    return len(points), np.concatenate([points, np.zeros((padded - len(points), 2))])


def evaluate(trained: Trained, points) -> tuple[np.ndarray, np.ndarray]:
    """At points (..., 2), in one pass of the net: the logit f(x) (...) and the on/off
    pattern of every hidden unit, packed into int64 words (..., words), so that two points
    share a code exactly when they share the pattern. Chunks of one compiled shape."""
    points = np.asarray(points, float)
    count, flat = _chunks(points)
    w, mask = jnp.asarray(trained.weights), jnp.asarray(trained.net.mask())
    parts = [
        _evaluate_jit(trained.net.wide, w, jnp.asarray(flat[i : i + CHUNK]), mask)
        for i in range(0, len(flat), CHUNK)
    ]
    logits = np.concatenate([np.asarray(f) for f, _ in parts])[:count]
    codes = np.concatenate([np.asarray(c) for _, c in parts])[:count]
    return logits.reshape(points.shape[:-1]), codes.reshape(*points.shape[:-1], -1)


def net_outputs(trained: Trained, points) -> np.ndarray:
    """The logit f(x) at points (..., 2) (`evaluate`)."""
    return evaluate(trained, points)[0]


def pattern_codes(trained: Trained, points) -> np.ndarray:
    """The packed on/off patterns at points (..., 2) (`evaluate`): int64 (..., words)."""
    return evaluate(trained, points)[1]


WORD = 52  # bits per packed word: every sum of distinct 2^b, b < 52, is exact in float64


@functools.partial(jax.jit, static_argnums=0)
def _evaluate_jit(arch, w, points, mask):
    """f(x) as `networks.forward` computes it (a masked unit outputs 0), and the patterns."""
    layers = arch.unflatten(w)
    h, bits, start = points, [], 0
    for (W, b), n in zip(layers[:-1], arch.widths, strict=True):
        z = h @ W + b
        on = (z > 0) & (mask[start : start + n] > 0)
        bits.append(on)
        h = jnp.where(on, z, 0.0)
        start += n
    W, b = layers[-1]
    bits = jnp.concatenate(bits, axis=-1)
    words = -(-bits.shape[-1] // WORD)
    bits = jnp.pad(bits, ((0, 0), (0, words * WORD - bits.shape[-1]))).reshape(-1, words, WORD)
    # Σ_b bit_b 2^b as one product with the powers of two: exact in float64 below 2^53, and a
    # matrix product is cheaper than shifting and summing int64 words bit by bit.
    codes = (bits.astype(jnp.float64) @ 2.0 ** jnp.arange(WORD)).astype(jnp.int64)
    return (h @ W + b)[..., 0], codes


def pattern_ids(codes) -> tuple[np.ndarray, int]:
    """Number the distinct patterns (codes (..., words)) 0, 1, … in order of first
    appearance; returns (ids (...), how many)."""
    codes = np.asarray(codes)
    flat = codes.reshape(-1, codes.shape[-1])
    if flat.shape[1] == 1:
        _, first, inverse = np.unique(flat[:, 0], return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(flat, axis=0, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse.ravel()].reshape(codes.shape[:-1]), len(first)


class RegionCount(NamedTuple):
    resolutions: tuple[int, ...]
    counts: tuple[int, ...]  # distinct activation patterns on each grid

    @property
    def count(self) -> int:
        return self.counts[-1]

    @property
    def settled(self) -> bool:
        """The two finest grids saw the same number of regions."""
        return len(self.counts) > 1 and self.counts[-1] == self.counts[-2]


def count_linear_regions(trained: Trained, box=BOX, resolutions=(51, 101, 201, 401)) -> RegionCount:
    """Linear regions of the ReLU net meeting `box`, counted as distinct activation patterns
    on grids of each resolution (see the top). Resolutions 2ʲm + 1 give nested grids, so the
    counts never fall as the grid is refined; they reach `count_linear_regions_exact` once
    the spacing is below the thinnest region's width."""
    return linear_region_map(trained, box, resolutions)[0]


def linear_region_map(
    trained: Trained, box=BOX, resolutions=(51, 101, 201)
) -> tuple[RegionCount, np.ndarray]:
    """`count_linear_regions`, and the regions' ids (`pattern_ids`) on the finest grid
    (rows along x₂). Nested grids are every s-th point of the finest: only that one is
    computed."""
    resolutions = tuple(int(r) for r in resolutions)
    finest = max(resolutions)
    codes = pattern_codes(trained, grid_points(box, finest)[2])
    nested = tuple(r for r in resolutions if (finest - 1) % (r - 1) == 0)
    found, ids = nested_region_counts(codes, nested)
    counts = dict(zip(nested, found.counts, strict=True))
    for r in set(resolutions) - set(nested):
        counts[r] = pattern_ids(pattern_codes(trained, grid_points(box, r)[2]))[1]
    return RegionCount(resolutions, tuple(counts[r] for r in resolutions)), ids


def nested_region_counts(codes, resolutions) -> tuple[RegionCount, np.ndarray]:
    """From the patterns on a grid of f × f points (codes (f, f, words)): the number of
    distinct ones on each nested grid of r × r points, every s-th point with
    s = (f − 1)/(r − 1) (r = f included), and the regions' ids (`pattern_ids`) on the f × f."""
    codes = np.asarray(codes)
    finest = codes.shape[0]
    counts = []
    for r in resolutions:
        s, rest = divmod(finest - 1, int(r) - 1)
        if rest or codes.shape[1] != finest:
            raise ValueError(f"a grid of {r} points is not nested in one of {finest}")
        counts.append(pattern_ids(codes[::s, ::s])[1])
    found = RegionCount(tuple(int(r) for r in resolutions), tuple(int(c) for c in counts))
    return found, pattern_ids(codes)[0]


# --- exact linear regions in a box, by splitting polygons -----------------------------------

AREA_TOL = 1e-12  # pieces smaller than this fraction of the box are rounding, not regions

# The polygons are small (a handful of vertices) and many: they are lists of (x, y) floats
# split in plain Python, where NumPy's per-call overhead on arrays of four rows cost more
# than the arithmetic (the exact count was most of a deep-vs-shallow rerun).


def _halves(vertices, values):
    """Split a convex polygon (list of (x, y)) along the line where the affine `values` (one
    per vertex, of both signs) vanish: the parts where values ≥ 0 and ≤ 0 (Sutherland–Hodgman
    for the half-plane and its complement, in one pass)."""
    positive, negative = [], []
    k = len(vertices)
    for i in range(k):
        (px, py), vp = vertices[i], values[i]
        (qx, qy), vq = vertices[(i + 1) % k], values[(i + 1) % k]
        if vp >= 0:
            positive.append((px, py))
        if vp <= 0:
            negative.append((px, py))
        if (vp > 0 > vq) or (vp < 0 < vq):
            s = vp / (vp - vq)
            crossing = (px + s * (qx - px), py + s * (qy - py))
            positive.append(crossing)
            negative.append(crossing)
    return positive, negative


def polygon_area(vertices) -> float:
    """The shoelace formula ½|Σ xᵢyᵢ₊₁ − xᵢ₊₁yᵢ| of a polygon (k, 2)."""
    points = np.asarray(vertices, float).reshape(-1, 2).tolist()
    return _area(points)


def _area(points) -> float:
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return 0.5 * abs(total)


class Piece(NamedTuple):
    vertices: np.ndarray  # (k, 2) convex polygon
    pattern: tuple[bool, ...]  # on/off of every unit of the real network, layer by layer


def linear_regions(trained: Trained, box=BOX) -> list[Piece]:
    """The linear regions of the ReLU net inside `box`, exactly: start from the box, and layer
    by layer split every piece by the lines z_j(x) = 0 of the layer's units (affine in x on
    the piece, since the earlier patterns are fixed there). Pieces of the same pattern are one
    region (convex, see the top)."""
    (x0, x1), (y0, y1) = box
    square = [(float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1))]
    square.append((float(x0), float(y1)))
    tiny = AREA_TOL * _area(square)
    net = trained.net
    layers = net.wide.unflatten(np.asarray(trained.weights, float))[:-1]
    pieces = [(square, np.eye(2), np.zeros(2), ())]
    for (W, b), m, n in zip(layers, (2, *net.widths), net.widths, strict=False):
        W, b = W[:m, :n], b[:n]
        result = []
        for vertices, M, c, pattern in pieces:
            A, a0 = M @ W, c @ W + b  # z = x A + a0 on this piece
            parts = [(vertices, ())]
            for p, q, r in zip(A[0].tolist(), A[1].tolist(), a0.tolist(), strict=True):
                split = []
                for poly, bits in parts:
                    values = [p * x + q * y + r for x, y in poly]
                    if min(values) >= 0 or max(values) <= 0:
                        split.append((poly, (*bits, sum(values) > 0)))
                        continue
                    for half, side in zip(_halves(poly, values), (True, False), strict=True):
                        if len(half) >= 3 and _area(half) > tiny:
                            split.append((half, (*bits, side)))
                parts = split
            for poly, bits in parts:
                on = np.array(bits, float)
                result.append((poly, A * on, a0 * on, (*pattern, *bits)))
        pieces = result
    return [Piece(np.array(poly), pattern) for poly, _, _, pattern in pieces]


def count_linear_regions_exact(trained: Trained, box=BOX) -> int:
    """The number of distinct activation patterns over `linear_regions`; for one hidden
    layer, the same number from its lines alone (`regions_in_box`), without polygons."""
    if len(trained.net.widths) == 1:
        W, b = trained.net.wide.unflatten(np.asarray(trained.weights, float))[0]
        n = trained.net.widths[0]
        lines = np.concatenate([W[:, :n].T, b[:n, None]], axis=1)
        return regions_in_box(lines[np.linalg.norm(lines[:, :2], axis=1) > 0], box)
    return len({piece.pattern for piece in linear_regions(trained, box)})


def regions_in_box(lines, box=BOX, tol=DEFAULT_TOL) -> int:
    """Regions of the plane cut by `lines` that meet the open box: adding the lines one at a
    time, a line through the box adds its pieces there, one more than the distinct points
    inside the box where earlier lines cross it (the box is convex, so the line meets it
    in one segment)."""
    lines = _canonical(_as_planes(lines, 2), tol)
    (x0, x1), (y0, y1) = box
    corners_ = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)
    total = 1
    crossings, pairs = regions.intersections(lines)  # pairs (i, j), i < j
    for k, line in enumerate(lines):
        side = corners_ @ line[:2] + line[2]
        if np.all(side >= -tol) or np.all(side <= tol):
            continue  # misses the open box
        points = crossings[pairs[:, 1] == k]  # where the earlier lines cross line k
        inside = (
            (points[:, 0] > x0 + tol)
            & (points[:, 0] < x1 - tol)
            & (points[:, 1] > y0 + tol)
            & (points[:, 1] < y1 - tol)
        )
        # crossings closer than tol (relative) are one point: round them to that grid
        points = points[inside]
        scale = max(1.0, float(np.max(np.abs(points), initial=0.0)))
        distinct = len(np.unique(np.round(points / (tol * scale)), axis=0))
        total += 1 + distinct
    return total


def folding_net(folds: int) -> Trained:
    """A hand-built deep ReLU net with 2 units per layer whose output is the sawtooth
    4·tent^folds((x₁ + 2)/4) − 2 on BOX: layer 1 computes u = (x₁ + 2)/4 as relu(u) and
    relu(u − ½), every further layer folds once more, the output 2h₁ − 4h₂ (one fold) is
    rescaled. N = 6 + 6(folds − 1) + 3 weights, 2^folds linear pieces; one hidden layer of
    h units makes at most h + 1 pieces along a line, so it needs ≥ 2^folds − 1 units."""
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or not 1 <= folds <= 8:
        raise ValueError(f"folds must be a whole number from 1 to 8, got {folds!r}")
    net = make_net((2,) * folds, (2,) * folds)
    layers = [(np.array([[0.25, 0.25], [0.0, 0.0]]), np.array([0.5, 0.0]))]
    fold = np.array([[2.0, 2.0], [-4.0, -4.0]])
    layers += [(fold, np.array([0.0, -0.5])) for _ in range(folds - 1)]
    layers.append((4.0 * fold[:, :1], np.array([-2.0])))
    w = net.wide.flatten(layers)
    return Trained(net, w, float("nan"), float("nan"))
