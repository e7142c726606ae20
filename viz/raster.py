"""A filled contour map as a PNG image (for a Plotly layout image), banded like contour fills.

See `viz.isolines` for why the map is an image and not a Plotly contour trace. The PNG is
written with the standard library (zlib): one RGBA pixel per grid point, NaN transparent,
rows flipped so that the image's top is the largest y.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def hex_to_rgb(color: str) -> np.ndarray:
    color = color.lstrip("#")
    return np.array([int(color[k : k + 2], 16) for k in (0, 2, 4)], dtype=float)


def banded_colours(V: np.ndarray, colorscale, edges: np.ndarray) -> np.ndarray:
    """RGBA (uint8) image of V: each value takes the colour of the middle of its band
    (`edges` ascending, from the lowest to the highest value); NaN is transparent."""
    bands = len(edges) - 1
    return level_colours(V, colorscale, edges[1:-1], (np.arange(bands) + 0.5) / bands)


def level_colours(V: np.ndarray, colorscale, levels, positions) -> np.ndarray:
    """RGBA (uint8) image of V in bands split at `levels` (ascending): a value below levels[0]
    takes the colour at `positions[0]` on the colour scale, one between levels[k - 1] and
    levels[k] the colour at `positions[k]`, one above the last level `positions[-1]`
    (len(levels) + 1 positions in [0, 1]). NaN and ±inf are transparent: no loss, no colour."""
    V = np.asarray(V, dtype=float)
    finite = np.isfinite(V)
    band = np.searchsorted(np.asarray(levels, dtype=float), np.where(finite, V, 0.0), "right")
    # One RGBA row per band, then a single lookup: half the time of colouring each pixel.
    table = np.full((len(positions) + 1, 4), 255, dtype=np.uint8)
    table[:-1, :3] = np.round(palette_at(colorscale, np.asarray(positions, dtype=float)))
    table[-1] = 0  # transparent, for NaN and ±inf
    return table[np.where(finite, band, len(positions))]


def palette_at(colorscale, positions: np.ndarray) -> np.ndarray:
    """(len(positions), 3) RGB of a Plotly colour scale ([[stop, "#rrggbb"], ...]) at
    `positions`, interpolated linearly between stops as Plotly does."""
    stops = np.array([s for s, _ in colorscale], dtype=float)
    colours = np.stack([hex_to_rgb(c) for _, c in colorscale])
    return np.stack([np.interp(positions, stops, colours[:, k]) for k in range(3)], axis=1)


def png_data_uri(rgba: np.ndarray) -> str:
    """RGBA rows (first row = bottom of the plot) as a `data:image/png;base64,...` URI."""
    height, width, _ = rgba.shape
    top_down = np.ascontiguousarray(rgba[::-1])
    scanlines = np.concatenate(
        [np.zeros((height, 1), np.uint8), top_down.reshape(height, width * 4)], axis=1
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
