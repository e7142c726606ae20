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


def isolines(xs: np.ndarray, ys: np.ndarray, V: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Polylines where V (rows along `ys`, columns along `xs`) equals each level, as (m, 2)
    points with a NaN row after each polyline. Cells with a NaN corner are skipped."""
    xs, ys, V = np.asarray(xs, float), np.asarray(ys, float), np.asarray(V, float)
    pieces = [_level_lines(xs, ys, V, float(level)) for level in levels]
    pieces = [p for p in pieces if len(p)]
    return np.concatenate(pieces) if pieces else np.empty((0, 2))


def _level_lines(xs, ys, V, level) -> np.ndarray:
    ny, nx = V.shape
    above = level < V
    valid = np.isfinite(V)
    # Crossing points on horizontal edges (i, j)-(i, j+1) and vertical edges (i, j)-(i+1, j).
    with np.errstate(divide="ignore", invalid="ignore"):
        th = (level - V[:, :-1]) / (V[:, 1:] - V[:, :-1])
        tv = (level - V[:-1, :]) / (V[1:, :] - V[:-1, :])
    hx = xs[:-1][None, :] + th * np.diff(xs)[None, :]
    vy = ys[:-1][:, None] + tv * np.diff(ys)[:, None]
    n_h = ny * (nx - 1)

    def edge_ids(i, j):
        return {
            "B": i * (nx - 1) + j,
            "T": (i + 1) * (nx - 1) + j,
            "L": n_h + i * nx + j,
            "R": n_h + i * nx + j + 1,
        }

    a = above.astype(np.int8)
    case = a[:-1, :-1] + 2 * a[:-1, 1:] + 4 * a[1:, 1:] + 8 * a[1:, :-1]
    ok = valid[:-1, :-1] & valid[:-1, 1:] & valid[1:, 1:] & valid[1:, :-1]
    centre_above = (V[:-1, :-1] + V[:-1, 1:] + V[1:, 1:] + V[1:, :-1]) / 4 > level

    starts, ends = [], []
    for code, pairs in _SEGMENTS.items():
        i, j = np.nonzero((case == code) & ok)
        ids = edge_ids(i, j)
        for e1, e2 in pairs:
            starts.append(ids[e1])
            ends.append(ids[e2])
    for code, (if_above, if_below) in _SADDLES.items():
        for centre, pairs in ((True, if_above), (False, if_below)):
            i, j = np.nonzero((case == code) & ok & (centre_above == centre))
            ids = edge_ids(i, j)
            for e1, e2 in pairs:
                starts.append(ids[e1])
                ends.append(ids[e2])
    if not starts:
        return np.empty((0, 2))
    segments = np.stack([np.concatenate(starts), np.concatenate(ends)], axis=1)

    # Every edge's crossing point, indexed by edge id: horizontal edges first, then vertical.
    edge_points = np.concatenate(
        [
            np.stack([hx.ravel(), np.repeat(ys, nx - 1)], axis=1),
            np.stack([np.tile(xs, ny - 1), vy.ravel()], axis=1),
        ]
    )
    ids = []
    for chain in _chains(segments):
        ids.extend(chain)
        ids.append(-1)  # the NaN row that ends a polyline
    ids = np.asarray(ids, dtype=int)
    rows = edge_points[ids]
    rows[ids < 0] = np.nan
    return rows


def _chains(segments: np.ndarray) -> list[list[int]]:
    """Join segments (pairs of edge ids) that share an edge into polylines of edge ids.

    An edge touches one segment (on the box's border or next to a NaN cell) or two, so a walk
    from edge to edge is unambiguous. Plain lists inside: the walk visits one element at a
    time, where NumPy indexing would cost more than the work."""
    pairs = segments.tolist()
    touching: dict[int, list[int]] = {}
    for k, (e1, e2) in enumerate(pairs):
        touching.setdefault(e1, []).append(k)
        touching.setdefault(e2, []).append(k)
    used = [False] * len(pairs)

    def walk(edge: int) -> list[int]:
        chain = [edge]
        while True:
            for k in touching[edge]:
                if not used[k]:
                    break
            else:
                return chain
            used[k] = True
            e1, e2 = pairs[k]
            edge = e2 if e1 == edge else e1
            chain.append(edge)

    # Open lines first, from an end (an edge with one segment); then the closed loops.
    chains = [walk(e) for e, ks in touching.items() if len(ks) == 1 and not used[ks[0]]]
    chains += [walk(pairs[k][0]) for k in range(len(pairs)) if not used[k]]
    return chains
