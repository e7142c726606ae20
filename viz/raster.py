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
    V = np.asarray(V, dtype=float)
    finite = np.isfinite(V)
    band = np.clip(
        np.searchsorted(edges, np.where(finite, V, edges[0]), side="right") - 1, 0, len(edges) - 2
    )
    middles = (np.arange(len(edges) - 1) + 0.5) / (len(edges) - 1)
    stops = np.array([s for s, _ in colorscale], dtype=float)
    colours = np.stack([hex_to_rgb(c) for _, c in colorscale])
    palette = np.stack([np.interp(middles, stops, colours[:, k]) for k in range(3)], axis=1)
    rgba = np.zeros((*V.shape, 4), dtype=np.uint8)
    rgba[..., :3] = np.round(palette[band]).astype(np.uint8)
    rgba[..., 3] = np.where(finite, 255, 0)
    return rgba


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


def banded_map(xs, ys, colour: np.ndarray, colorscale, bands: int) -> tuple[dict, np.ndarray]:
    """`colour` on the grid (xs, ys) as a Plotly layout image below the plot, one pixel per
    grid point and centred on it, in `bands` equal bands between its finite extremes; and the
    bands' edges (the levels for the contour lines between them)."""
    finite = colour[np.isfinite(colour)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    edges = np.linspace(low, high if high > low else low + 1.0, bands + 1)
    (x0, x1), (y0, y1) = (float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1]))
    dx, dy = (x1 - x0) / max(len(xs) - 1, 1), (y1 - y0) / max(len(ys) - 1, 1)
    image = {
        "source": png_data_uri(banded_colours(colour, colorscale, edges)),
        "xref": "x",
        "yref": "y",
        "x": x0 - dx / 2,
        "y": y1 + dy / 2,
        "sizex": x1 - x0 + dx,
        "sizey": y1 - y0 + dy,
        "sizing": "stretch",
        "layer": "below",
    }
    return image, edges
