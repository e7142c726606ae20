"""Contour lines of a gridded function by marching squares, as NaN-separated polylines.

Why not Plotly's contour trace: Plotly.js drops contour and heatmap traces from the plot while
it animates frames with `redraw: false` (plotly.js #4491, plotly.py #2151), and with
`redraw: true` every frame redraws the whole map (~0.3 s a frame here). So the playground
draws the filled map as a layout image (`viz.raster`) and the lines as an ordinary scatter
trace, both of which survive a fast animation.

Marching squares (Lorensen & Cline 1987, in 2-D): each grid cell whose corners are not all on
the same side of the level gets one segment (two for the ambiguous saddle cells, resolved by
the cell's mean), with end points linearly interpolated on the cell's edges. Segments that
share an edge crossing are chained into polylines, so each crossing is sent once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Cell corners: 1 = (i, j) bottom-left, 2 = (i, j+1) bottom-right, 4 = (i+1, j+1) top-right,
# 8 = (i+1, j) top-left (bit set when the corner is above the level). Edges: B bottom, R right,
# T top, L left. For the two saddle cases the first pairing applies when the cell's mean is
# above the level.
_SEGMENTS = {
    1: (("B", "L"),),
    2: (("B", "R"),),
    3: (("L", "R"),),
    4: (("R", "T"),),
    6: (("B", "T"),),
    7: (("L", "T"),),
    8: (("L", "T"),),
    9: (("B", "T"),),
    11: (("R", "T"),),
    12: (("L", "R"),),
    13: (("B", "R"),),
    14: (("B", "L"),),
}
_SADDLES = {
    5: ((("B", "R"), ("L", "T")), (("B", "L"), ("R", "T"))),
    10: ((("B", "L"), ("R", "T")), (("B", "R"), ("L", "T"))),
}
_EDGES = "BTLR"


def _segment_table() -> np.ndarray:
    """`table[case, centre_above, k]` = (from edge, to edge) of the cell's k-th segment, as
    indices into "BTLR", or (-1, -1) where the cell has no k-th segment.

    Each segment is oriented with the cell's above-level corners on its left: then the
    segments of one contour line follow each other head to tail across cells, and chaining
    is a lookup of "the segment that starts where this one ends"."""
    table = np.full((16, 2, 2, 2), -1, dtype=np.int64)
    for code in range(16):
        for centre in (0, 1):
            saddle = _SADDLES.get(code)
            pairs = _SEGMENTS.get(code, ()) if saddle is None else saddle[1 - centre]
            for k, (e1, e2) in enumerate(pairs):
                if not _above_on_left(code, e1, e2):
                    e1, e2 = e2, e1
                table[code, centre, k] = _EDGES.index(e1), _EDGES.index(e2)
    return table


def _above_on_left(code: int, e1: str, e2: str) -> bool:
    """Whether, walking from edge e1's midpoint to e2's in the unit cell, the corner the
    segment cuts off (the one both edges touch, or any corner for opposite edges) lies to the
    left exactly when it is above the level."""
    mid = {"B": (0.5, 0.0), "T": (0.5, 1.0), "L": (0.0, 0.5), "R": (1.0, 0.5)}
    corners = {"BL": ((0, 0), 1), "BR": ((1, 0), 2), "TR": ((1, 1), 4), "TL": ((0, 1), 8)}
    shared = [c for c in corners if {e1, e2} <= set(c)] or ["BL"]
    (cx, cy), bit = corners[shared[0]]
    (x1, y1), (x2, y2) = mid[e1], mid[e2]
    left = (x2 - x1) * (cy - y1) - (y2 - y1) * (cx - x1) > 0
    return left == bool(code & bit)


_TABLE = _segment_table()


def isolines(xs: np.ndarray, ys: np.ndarray, V: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Polylines where V (rows along `ys`, columns along `xs`) equals each level, as (m, 2)
    points with a NaN row after each polyline. Cells with a NaN corner are skipped.

    All levels at once, and only where they cross: a cell meets the levels between its lowest
    and its highest corner (a search in the sorted levels), a table gives each crossing's
    segments, and Python only walks the crossed edges."""
    xs, ys, V = np.asarray(xs, float), np.asarray(ys, float), np.asarray(V, float)
    levels = np.sort(np.asarray(levels, float).reshape(-1))
    ny, nx = V.shape
    if not len(levels) or ny < 2 or nx < 2:
        return np.empty((0, 2))
    corners = np.stack([V[:-1, :-1], V[:-1, 1:], V[1:, 1:], V[1:, :-1]]).reshape(4, -1)
    ok = np.isfinite(corners).all(axis=0)
    low, high = corners.min(axis=0), corners.max(axis=0)
    # Level l crosses the cell when low <= l < high (a corner above it and one not above).
    first = np.searchsorted(levels, low, side="left")
    count = np.where(ok, np.searchsorted(levels, high, side="left") - first, 0)
    cell = np.repeat(np.arange(len(count)), count)
    if not len(cell):
        return np.empty((0, 2))
    level = np.arange(len(cell)) - np.repeat(np.cumsum(count) - count, count) + first[cell]
    above = corners[:, cell] > levels[level]
    case = above[0] + 2 * above[1] + 4 * above[2] + 8 * above[3]
    centre = corners[:, cell].mean(axis=0) > levels[level]
    pairs = _TABLE[case, centre.astype(np.int64)]  # (crossings, 2 segments, 2 edges)
    has = pairs[:, :, 0] >= 0
    which = np.nonzero(has)[0]
    kinds = pairs[has]  # (segments, 2)
    i, j = np.divmod(cell, nx - 1)

    # Edge ids: horizontal edges (i, j)-(i, j+1) first, then vertical ones (i, j)-(i+1, j),
    # each level with its own block, so chains never jump between levels.
    n_h = ny * (nx - 1)
    per_level = n_h + (ny - 1) * nx
    li, ii, jj = level[which, None], i[which, None], j[which, None]
    ids = (
        np.choose(
            kinds,
            [
                ii * (nx - 1) + jj,  # B
                (ii + 1) * (nx - 1) + jj,  # T
                n_h + ii * nx + jj,  # L
                n_h + ii * nx + jj + 1,  # R
            ],
        )
        + li * per_level
    )
    order = np.asarray(_chains(ids), dtype=np.int64)
    return _edge_points(order, xs, ys, V, levels, per_level, n_h)


def _edge_points(ids, xs, ys, V, levels, per_level, n_h) -> np.ndarray:
    """Where each edge id's level crosses its edge (linear interpolation); NaN rows for -1.

    An edge runs from grid point (i0, j0) to (i1, j1): one column on for a horizontal edge, one
    row up for a vertical one, so the same interpolation gives both."""
    nx = len(xs)
    gap = ids < 0
    level, rest = np.divmod(np.where(gap, 0, ids), per_level)
    horizontal = rest < n_h
    hi, hj = np.divmod(rest, nx - 1)
    vi, vj = np.divmod(rest - n_h, nx)
    i0, j0 = np.where(horizontal, hi, vi), np.where(horizontal, hj, vj)
    i1, j1 = i0 + ~horizontal, j0 + horizontal
    with np.errstate(divide="ignore", invalid="ignore"):  # the gap rows, overwritten below
        t = (levels[level] - V[i0, j0]) / (V[i1, j1] - V[i0, j0])
        rows = np.stack([xs[j0] + t * (xs[j1] - xs[j0]), ys[i0] + t * (ys[i1] - ys[i0])], axis=1)
    rows[gap] = np.nan
    return rows


def _chains(ids: np.ndarray) -> list[int]:
    """Oriented segments (rows of from/to edge ids) joined head to tail into polylines, as one
    list of edge ids with -1 after each polyline.

    An edge starts at most one segment and ends at most one, so `following[s]` (the segment
    that starts where s ends) is a lookup; the walk is a plain loop over lists, where NumPy
    indexing one element at a time would cost more than the work. Open lines are walked from
    their first segment (one that no segment leads to), then the closed loops."""
    starts, ends = ids[:, 0], ids[:, 1]
    by_start = np.argsort(starts)
    at = np.minimum(np.searchsorted(starts, ends, sorter=by_start), len(ids) - 1)
    following = np.where(starts[by_start[at]] == ends, by_start[at], -1)
    led_to = np.zeros(len(ids), dtype=bool)
    led_to[following[following >= 0]] = True
    first = np.concatenate([np.nonzero(~led_to)[0], np.arange(len(ids))]).tolist()
    following, starts, ends = following.tolist(), starts.tolist(), ends.tolist()
    done = bytearray(len(ids))
    out: list[int] = []
    for s in first:
        if done[s]:
            continue
        out.append(starts[s])
        while s >= 0 and not done[s]:
            done[s] = 1
            out.append(ends[s])
            s = following[s]
        out.append(-1)
    return out
