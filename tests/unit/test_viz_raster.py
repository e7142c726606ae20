"""The map's image and contour lines: marching squares against closed forms, PNG decoding."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from viz import raster
from viz.isolines import isolines
from viz.raster import banded_colours, png_data_uri

XS = np.linspace(-2.0, 2.0, 81)
YS = np.linspace(-1.5, 2.5, 71)
BOWL = XS[None, :] ** 2 + YS[:, None] ** 2


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.4])
def test_isolines_of_a_bowl_are_circles_of_the_right_radius(radius):
    points = isolines(XS, YS, BOWL, [radius**2])
    finite = points[np.isfinite(points[:, 0])]
    # linear interpolation of x²+y² on a 0.05 grid is exact to O(h²)
    np.testing.assert_allclose(np.hypot(finite[:, 0], finite[:, 1]), radius, atol=3e-3)
    # one closed polyline: a single NaN break, first point = last point
    assert np.isnan(points[:, 0]).sum() == 1
    np.testing.assert_allclose(finite[0], finite[-1])
    # and it goes all the way round
    angles = np.arctan2(finite[:, 1], finite[:, 0])
    assert np.ptp(angles) > 2 * np.pi - 0.2


def test_isolines_cut_by_the_box_are_open_and_nan_cells_are_skipped():
    points = isolines(XS, YS, BOWL, [2.5**2])  # circle of radius 2.5 leaves the box
    finite = points[np.isfinite(points[:, 0])]
    assert len(finite) and np.all(np.abs(np.hypot(*finite.T) - 2.5) < 5e-3)
    assert not np.allclose(finite[0], finite[-1])
    holed = BOWL.copy()
    holed[22:31, 56:65] = np.nan  # a hole across the unit circle near (1, 0)
    points = isolines(XS, YS, holed, [1.0])
    finite = points[np.isfinite(points[:, 0])]
    np.testing.assert_allclose(np.hypot(*finite.T), 1.0, atol=3e-3)
    # no segment inside the hole
    inside = (
        (finite[:, 0] > XS[56])
        & (finite[:, 0] < XS[64])
        & (finite[:, 1] > YS[22])
        & (finite[:, 1] < YS[30])
    )
    assert not inside.any()
    assert not np.allclose(finite[0], finite[-1])  # the hole opens the circle


def test_saddle_level_through_the_critical_point_gives_the_two_diagonals():
    saddle = XS[None, :] ** 2 - YS[:, None] ** 2
    points = isolines(XS, YS, saddle, [0.0])
    finite = points[np.isfinite(points[:, 0])]
    np.testing.assert_allclose(np.abs(finite[:, 0]), np.abs(finite[:, 1]), atol=0.015)  # O(h²)


def _segments_cell_by_cell(xs, ys, V, levels) -> set:
    """Marching squares the slow way, one cell and one level at a time: each cell whose
    corners straddle the level joins the crossings on its edges (the cell's mean decides the
    two saddle cases). Undirected segments, end points rounded."""

    def crossing(p, q, vp, vq, level):
        t = (level - vp) / (vq - vp)
        return tuple(np.round(np.asarray(p) + t * (np.asarray(q) - np.asarray(p)), 9))

    found = set()
    for level in levels:
        for i in range(len(ys) - 1):
            for j in range(len(xs) - 1):
                corners = [(xs[j], ys[i]), (xs[j + 1], ys[i]), (xs[j + 1], ys[i + 1])]
                corners.append((xs[j], ys[i + 1]))
                values = [V[i, j], V[i, j + 1], V[i + 1, j + 1], V[i + 1, j]]
                if not np.all(np.isfinite(values)):
                    continue
                above = [v > level for v in values]
                # edges in order bottom, right, top, left, and their crossings
                points = [
                    crossing(
                        corners[k], corners[(k + 1) % 4], values[k], values[(k + 1) % 4], level
                    )
                    if above[k] != above[(k + 1) % 4]
                    else None
                    for k in range(4)
                ]
                cut = [k for k in range(4) if points[k] is not None]
                if len(cut) == 2:
                    pairs = [tuple(cut)]
                elif len(cut) == 4:  # a saddle cell: the mean says which corners connect
                    centre_above = np.mean(values) > level
                    pairs = [(0, 1), (2, 3)] if centre_above == above[0] else [(0, 3), (1, 2)]
                else:
                    pairs = []
                for a, b in pairs:
                    found.add(frozenset((points[a], points[b])))
    return found


def _segments_of(points) -> set:
    pairs = zip(points[:-1], points[1:], strict=True)
    return {
        frozenset((tuple(np.round(a, 9)), tuple(np.round(b, 9))))
        for a, b in pairs
        if np.all(np.isfinite(a)) and np.all(np.isfinite(b))
    }


@pytest.mark.parametrize("seed", range(8))
def test_isolines_are_the_segments_of_marching_squares_done_cell_by_cell(seed):
    rng = np.random.default_rng(seed)
    ny, nx = rng.integers(2, 14, size=2)
    xs = np.cumsum(rng.uniform(0.1, 1.0, nx))
    ys = np.cumsum(rng.uniform(0.1, 1.0, ny))
    V = np.round(rng.normal(size=(ny, nx)), 1)  # rounded: values equal to a level occur
    V[rng.random(V.shape) < 0.1] = np.nan
    levels = rng.choice([-1.0, -0.5, 0.0, 0.3, 1.0], size=3, replace=False)
    points = isolines(xs, ys, V, levels)
    expected = _segments_cell_by_cell(xs, ys, V, levels)
    assert _segments_of(points) == expected
    # each polyline is chained: NaN rows separate lines, never two in a row
    gaps = ~np.isfinite(points[:, 0])
    assert not np.any(gaps[1:] & gaps[:-1])


def test_banded_png_decodes_to_the_grid_with_transparent_nan_and_top_row_is_largest_y():
    values = np.tile(np.linspace(0.0, 1.0, 5), (3, 1))
    values[0, 0] = np.nan
    scale = [[0.0, "#000000"], [1.0, "#ffffff"]]
    rgba = banded_colours(values, scale, np.linspace(0.0, 1.0, 5))
    assert rgba[0, 0, 3] == 0 and np.all(rgba[1:, :, 3] == 255)
    # band middles: 1/8, 3/8, 5/8, 7/8 from black to white; the top value is in the last band
    assert rgba[1, 1, 0] == round(255 * 3 / 8) and rgba[1, -1, 0] == round(255 * 7 / 8)
    uri = png_data_uri(rgba)
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    pixels = np.asarray(image.convert("RGBA"))
    assert pixels.shape == (3, 5, 4)
    np.testing.assert_array_equal(pixels[::-1], rgba)  # first data row is the image's bottom


def test_banded_map_covers_the_grid_with_one_pixel_per_point_and_bands_span_the_values():
    xs, ys = np.linspace(-1.0, 3.0, 5), np.linspace(0.0, 2.0, 3)  # steps 1 and 1
    colour = np.add.outer(ys, xs)  # 0 … 5, a NaN corner left out of the bands
    colour[0, 0] = np.nan
    image, edges = raster.banded_map(xs, ys, colour, [(0.0, "#000000"), (1.0, "#ffffff")], 4)
    np.testing.assert_allclose(edges, np.linspace(0.0, 5.0, 5))
    assert (image["x"], image["y"]) == (-1.5, 2.5)  # the corner pixel's outer edge
    assert (image["sizex"], image["sizey"]) == (5.0, 3.0)
    assert image["source"].startswith("data:image/png;base64,")
    flat, flat_edges = raster.banded_map(
        xs, ys, np.ones((3, 5)), [(0, "#000000"), (1, "#ffffff")], 2
    )
    np.testing.assert_allclose(flat_edges, [1.0, 1.5, 2.0])  # a flat map still has bands
