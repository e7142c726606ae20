"""How many regions n hyperplanes cut space into: the lecture's argument for deep networks.

Every hidden neuron of a first layer is a hyperplane w·x + b = 0 in input space; on each side
of it the neuron is in a different state. n hyperplanes in general position (no two parallel,
no three through one point in the plane) cut ℝᵈ into

    R(n, d) = Σ_{k=0}^{d} C(n, k)

regions (Schläfli; Buck 1943, "Partition of space"), in the plane 1 + n + n(n − 1)/2: only
quadratically many in n, however the lines are placed. Deeper layers reuse these regions and
fold them onto each other, which is how depth buys many more regions from few neurons
(Montúfar, Pascanu, Cho & Bengio 2014).

Three ways to count the regions of lines aᵢx + bᵢy + cᵢ = 0 in the plane here:

* `count_regions_exact`: Euler's formula for an arrangement of distinct lines, valid for any
  arrangement (parallel lines, several lines through one point):
  R = 1 + n + Σ_v (m_v − 1), summed over the intersection points v, m_v lines through v.
  In general position every m_v = 2 and there are C(n, 2) points, hence 1 + n + C(n, 2).
* `count_regions_by_sectors`: label points by their sign pattern (which side of each line
  they are on) and count the distinct patterns, at one point in every angular sector around
  every intersection point and at infinity between consecutive line directions. For lines in
  general position every region is met this way: a bounded region has a corner, an unbounded
  one is a sector at infinity.
* `count_regions_on_grid`: the distinct sign patterns on a grid over a window, the regions
  one sees there (thin slivers between nearly parallel lines can slip between grid points).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

MAX_LINES = 60  # sign patterns are packed into the bits of an int64 label


def regions_general_position(n, d) -> int:
    """R(n, d) = Σ_{k=0}^{d} C(n, k): regions of n hyperplanes in general position in ℝᵈ."""
    for name, value in (("n", n), ("d", d)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"{name} must be a whole number ≥ 0, got {value!r}")
    return sum(math.comb(int(n), k) for k in range(int(d) + 1))


def random_lines(n, seed, box=1.0) -> np.ndarray:
    """n random lines: each through a point uniform in [−box, box]² with a uniform direction.

    Returns (n, 3) rows (a, b, c) for the line a·x + b·y + c = 0 with unit normal (a, b).
    Such lines are in general position with probability one."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n <= MAX_LINES:
        raise ValueError(f"n must be a whole number from 0 to {MAX_LINES}, got {n!r}")
    rng = np.random.default_rng([int(seed), 1943])
    points = rng.uniform(-box, box, (n, 2))
    angles = rng.uniform(0.0, np.pi, n)
    normals = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return np.concatenate([normals, -np.sum(normals * points, axis=1, keepdims=True)], axis=1)


def _as_lines(lines) -> np.ndarray:
    lines = np.asarray(lines, dtype=float).reshape(-1, 3)
    if len(lines) > MAX_LINES:
        raise ValueError(f"at most {MAX_LINES} lines, got {len(lines)}")
    if not np.all(np.isfinite(lines)) or np.any(np.hypot(lines[:, 0], lines[:, 1]) == 0):
        raise ValueError("every line needs finite coefficients and a nonzero normal (a, b)")
    return lines / np.hypot(lines[:, 0], lines[:, 1])[:, None]


def sign_labels(lines, points) -> np.ndarray:
    """For points (..., 2): the sign pattern as an integer, bit i set where aᵢx + bᵢy + cᵢ > 0."""
    lines = _as_lines(lines)
    points = np.asarray(points, dtype=float)
    sides = points @ lines[:, :2].T + lines[:, 2] > 0  # (..., n)
    return sides.astype(np.int64) @ (np.int64(1) << np.arange(len(lines), dtype=np.int64))


def intersections(lines, parallel_tol=1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Every pairwise intersection point: (points (K, 2), pairs (K, 2) of line indices).
    Pairs of parallel lines (|sin ∠| ≤ parallel_tol) have none."""
    lines = _as_lines(lines)
    i, j = np.triu_indices(len(lines), k=1)
    (a1, b1, c1), (a2, b2, c2) = lines[i].T, lines[j].T
    det = a1 * b2 - a2 * b1
    meet = np.abs(det) > parallel_tol
    det, i, j = det[meet], i[meet], j[meet]
    x = (b1[meet] * c2[meet] - b2[meet] * c1[meet]) / det
    y = (a2[meet] * c1[meet] - a1[meet] * c2[meet]) / det
    return np.stack([x, y], axis=1), np.stack([i, j], axis=1)


def _distinct_lines(lines, tol) -> np.ndarray:
    """The lines with duplicates removed; (a, b, c) and (−a, −b, −c) are the same line."""
    flip = np.where((lines[:, 0] < 0) | ((lines[:, 0] == 0) & (lines[:, 1] < 0)), -1.0, 1.0)
    canonical = lines * flip[:, None]
    same = np.all(np.abs(canonical[:, None, :] - canonical[None, :, :]) <= tol, axis=-1)
    first = np.argmax(same, axis=1) if len(lines) else np.zeros(0, int)  # first line it equals
    return canonical[first == np.arange(len(lines))]


def count_regions_exact(lines, tol=1e-9) -> int:
    """Regions of the plane cut by `lines` (any arrangement): R = 1 + n + Σ_v (m_v − 1).

    Identical lines count once. Intersection points closer than `tol` (relative to their
    size) are one point v, and m_v is the number of lines through it."""
    lines = _distinct_lines(_as_lines(lines), tol)
    points, pairs = intersections(lines)
    if len(points) == 0:
        return 1 + len(lines)
    scale = np.maximum(1.0, np.max(np.abs(points), axis=1))
    near = np.max(np.abs(points[:, None, :] - points[None, :, :]), axis=-1) <= tol * np.maximum(
        scale[:, None], scale[None, :]
    )
    _, vertex = connected_components(csr_matrix(near), directed=False)
    # m_v: the distinct lines among the pairs meeting at v
    through = np.unique(np.stack([np.repeat(vertex, 2), pairs.ravel()], axis=1), axis=0)
    lines_through = np.bincount(through[:, 0])
    return 1 + len(lines) + int(np.sum(lines_through - 1))


def _sector_directions(angles) -> np.ndarray:
    """Unit vectors halfway between consecutive directions ±angles (mod 2π)."""
    both = np.sort(np.mod(np.concatenate([angles, angles + np.pi]), 2 * np.pi))
    gaps = np.diff(np.append(both, both[0] + 2 * np.pi))
    middle = both + gaps / 2
    return np.stack([np.cos(middle), np.sin(middle)], axis=1)


def sector_points(lines) -> np.ndarray:
    """A point in every angular sector around every intersection point and at infinity.

    Around a vertex, the sample sits a small fraction of the distance to the nearest other
    line, so it lies in the region that owns that sector; at infinity, beyond every vertex."""
    lines = _as_lines(lines)
    directions = np.arctan2(lines[:, 0], -lines[:, 1])  # a line's direction ⟂ its normal
    points, pairs = intersections(lines)
    samples = []
    if len(points):
        # Around a vertex, stay closer than the nearest other line: then only lines i and j
        # pass through the little disc, and each of its four sectors lies in one region.
        distances = np.abs(points @ lines[:, :2].T + lines[:, 2])  # (K, n)
        distances[np.arange(len(points)), pairs[:, 0]] = np.inf
        distances[np.arange(len(points)), pairs[:, 1]] = np.inf
        radius = 0.25 * np.minimum(1.0, np.min(distances, axis=1, initial=np.inf))
        around = np.stack([_sector_directions(directions[pair]) for pair in pairs])  # (K, 4, 2)
        samples.append((points[:, None, :] + radius[:, None, None] * around).reshape(-1, 2))
    if len(lines):
        # Along direction u the ray from the origin crosses line k at −cₖ/(nₖ·u); beyond the
        # last crossing its sign pattern is that of the unbounded region in that direction.
        outward = _sector_directions(directions)
        crossings = np.abs(lines[:, 2])[None, :] / np.abs(outward @ lines[:, :2].T)
        samples.append(outward * (2.0 * np.max(crossings, axis=1, keepdims=True) + 1.0))
    else:
        samples.append(np.zeros((1, 2)))
    return np.concatenate(samples)


def count_regions_by_sectors(lines) -> int:
    """Distinct sign patterns over `sector_points`: the number of regions for lines in general
    position (and a lower bound otherwise), counted without any formula."""
    return len(np.unique(sign_labels(lines, sector_points(lines))))


def count_regions_on_grid(lines, box, resolution=400) -> int:
    """Distinct sign patterns on a resolution × resolution grid over box ((x0, x1), (y0, y1)):
    the regions one sees in that window (a region thinner than the grid spacing is missed)."""
    xs, ys = grid_axes(box, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return len(np.unique(sign_labels(lines, np.stack([gx, gy], axis=-1))))


def grid_axes(box, resolution) -> tuple[np.ndarray, np.ndarray]:
    (x0, x1), (y0, y1) = box
    if not (x0 < x1 and y0 < y1) or resolution < 2:
        raise ValueError(f"need x0 < x1, y0 < y1 and resolution ≥ 2, got {box}, {resolution}")
    return np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)


def region_map(lines, box, resolution=300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(xs, ys, R): R[i, j] numbers the region of point (xs[j], ys[i]) as 0, 1, 2, … in order
    of first appearance (row by row), so neighbouring regions get different numbers."""
    xs, ys = grid_axes(box, resolution)
    gx, gy = np.meshgrid(xs, ys)
    labels = sign_labels(lines, np.stack([gx, gy], axis=-1))
    _, first, inverse = np.unique(labels.ravel(), return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return xs, ys, rank[inverse].reshape(labels.shape)


def vertex_box(lines, margin=0.5) -> tuple[tuple[float, float], tuple[float, float]]:
    """The smallest square window centred on the origin that holds every intersection
    point, widened by `margin` of its size: every region shows in it."""
    points, _ = intersections(lines)
    half = float(np.max(np.abs(points))) if len(points) else 1.0
    half = max(half, 1.0) * (1.0 + margin)
    return (-half, half), (-half, half)
