"""An animated figure drawn frame by frame as images, for an animated GIF or an MP4 of a chart.

The input is the figure a chart draws (Plotly JSON: ``data``, ``layout`` with its template,
``frames``); the output is one RGB image per frame, drawn with Pillow. What is drawn is what
the lab's 2-D charts are made of: the filled map (a layout image, `viz.raster.banded_map`),
scatter traces (lines with their dash patterns, markers with their symbols), the axes with
their ticks and titles, a colour bar and the legend, on the theme's background. Each frame
restyles the traces it names, as `Plotly.animate` does, over a picture of the rest that is
drawn once.

Why not Plotly's own renderer: a frame through ``Plotly.toImage`` (in the student's browser)
or through Kaleido (the same Plotly.js in a headless Chrome on the server) costs a full redraw
and a PNG encoding per frame; here the still part is drawn once and each frame adds only its
moving traces. Measured with ``python -m bench.export`` on the default playground (910 × 640,
100 of its 200 frames), one run on a shared two-core machine (load average 8–15 while it ran):
the frames 0.35 s, then the GIF 0.49 s and the MP4 1.8 s, in process; through the worker
process the page uses, warm, 0.59 s for the GIF and 1.15 s for the MP4, everything included
(the first call, which starts the worker and re-imports the benchmark with Streamlit in it,
took 10.9 s: the page starts its worker when a download menu opens);
``Plotly.toImage`` per frame in headless Chromium 37.8 s for the 100 PNG frames alone, 108× the
frames here, before any encoding. Kaleido was not measured (it needs a Chrome on every server).
Frames are therefore drawn on the server.

This module imports NumPy and Pillow only (no Plotly), so that a worker process that draws
frames starts quickly (`app_support.export`).
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
from collections.abc import Iterator, Sequence

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFont

from viz.raster import banded_colours

_NAMED = {
    "white": (255, 255, 255, 255),
    "black": (0, 0, 0, 255),
    "transparent": (0, 0, 0, 0),
}
LIGHT_PAPER = (255, 255, 255)
DARK_PAPER = (14, 17, 23)  # Streamlit's dark background, `Look.background`


def rgba(color, default=(0, 0, 0, 255)) -> tuple[int, int, int, int]:
    """A CSS colour as Plotly writes them ("#rrggbb", "#rgb", "rgb(…)", "rgba(…)", a few
    names) as an RGBA tuple of 0–255; anything else is `default`."""
    if not isinstance(color, str):
        return default
    text = color.strip().lower()
    if text in _NAMED:
        return _NAMED[text]
    if text.startswith("#") and len(text) in (4, 7):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        return (*(int(digits[k : k + 2], 16) for k in (0, 2, 4)), 255)
    match = re.fullmatch(r"rgba?\(([^)]*)\)", text)
    if match:
        parts = [float(p) for p in match.group(1).split(",")]
        alpha = parts[3] if len(parts) > 3 else 1.0
        return (*(int(round(p)) for p in parts[:3]), int(round(255 * alpha)))
    return default


def decode(value) -> np.ndarray:
    """A trace's array: a list, or Plotly's typed-array form ``{"dtype", "bdata"}``
    (`viz.figure.typed_form`, repeated here so that this module needs no Plotly)."""
    if isinstance(value, dict) and "bdata" in value:
        raw = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return raw.astype(float)
    if value is None:
        return np.zeros(0)
    return np.array([np.nan if v is None else v for v in np.ravel(value)], dtype=float)


def _merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` key by key (dicts recursively): a template under a layout,
    a frame's restyle over a trace."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "bdata" not in value:
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def nice_ticks(low: float, high: float, count: int = 6) -> np.ndarray:
    """Round tick values inside [low, high], about `count` of them, spaced 1, 2 or 5 × 10ᵏ
    (what Plotly's automatic ticks are)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.zeros(0)
    raw = (high - low) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-9, step)
    return np.round(ticks / step) * step


def _tick_text(value: float, step: float) -> str:
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
    text = f"{value:.{decimals}f}"
    return "0" if text in ("-0", "-0.0", "-0.00") else text.replace("-", "−")


# A sans-serif font with subscripts and the minus sign (w₁, −2) where the system has one (it
# is DejaVu Sans on Debian, Ubuntu and Streamlit's cloud image); Pillow's own font otherwise.
_FONT_FILES = ("DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@functools.cache
def _font(size: float) -> ImageFont.ImageFont:
    for name in _FONT_FILES:
        try:
            return ImageFont.truetype(name, max(6, round(size)))
        except OSError:
            continue
    return ImageFont.load_default(size=max(6, round(size)))


class _Axes:
    """One x–y pair of axes: its data ranges and its rectangle in the image, in pixels."""

    def __init__(self, x_range, y_range, box, logs=(False, False)):
        self.x_range, self.y_range, self.box, self.logs = x_range, y_range, box, logs

    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Data to pixels; a log axis's range is in decades, as Plotly gives it."""
        x = _log(x) if self.logs[0] else np.asarray(x, float)
        y = _log(y) if self.logs[1] else np.asarray(y, float)
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        left, top, right, bottom = self.box
        px = left + (x - x0) / (x1 - x0) * (right - left)
        py = bottom - (y - y0) / (y1 - y0) * (bottom - top)
        return px, py


def _log(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)


def _axis_range(axis: dict, values: list[np.ndarray]) -> tuple[float, float]:
    given = axis.get("range")
    if given and len(given) == 2 and all(isinstance(v, int | float) for v in given):
        return float(given[0]), float(given[1])
    finite = np.concatenate([v[np.isfinite(v)] for v in values] or [np.zeros(0)])
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    pad = 0.05 * (high - low) if high > low else 0.5
    return low - pad, high + pad


def _axis_key(ref: str, letter: str) -> str:
    """Trace reference "x2" → layout key "xaxis2"."""
    return f"{letter}axis{ref[1:]}" if ref else f"{letter}axis"


def _dash_segments(points: np.ndarray, dash: str, width: float) -> Iterator[np.ndarray]:
    """The pieces of polyline `points` to draw for Plotly's dash names ("dash", "dot",
    "dashdot", "longdash"; solid otherwise), pattern lengths in line widths as Plotly's."""
    patterns = {
        "dash": (3, 3),
        "dot": (1, 2),
        "dashdot": (3, 2, 1, 2),
        "longdash": (5, 3),
        "longdashdot": (5, 2, 1, 2),
    }
    pattern = patterns.get(dash)
    if pattern is None or len(points) < 2:
        yield points
        return
    lengths = [p * max(width, 1.0) * 2 for p in pattern]
    seg = np.diff(points, axis=0)
    cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(seg[:, 0], seg[:, 1]))])
    total, at, k = cumulative[-1], 0.0, 0
    while at < total:
        end = min(at + lengths[k % len(lengths)], total)
        if k % 2 == 0:  # a drawn piece of the pattern
            inside = (cumulative > at) & (cumulative < end)
            xs = np.interp(np.r_[at, cumulative[inside], end], cumulative, points[:, 0])
            ys = np.interp(np.r_[at, cumulative[inside], end], cumulative, points[:, 1])
            yield np.stack([xs, ys], axis=1)
        at, k = end, k + 1


def _marker(draw: ImageDraw.ImageDraw, symbol: str, x: float, y: float, size: float, fill, line):
    """One marker of Plotly's `symbol` (size = diameter in pixels); "-open" draws its outline."""
    open_ = symbol.endswith("-open")
    base = symbol.removesuffix("-open")
    r = size / 2
    edge_color, edge_width = line
    if open_:
        fill, edge_color, edge_width = None, fill, max(edge_width, 1.5)
    outline = edge_color if edge_width > 0 else None
    width = max(1, round(edge_width)) if outline else 0
    if base in ("x", "cross"):
        t = max(2, round(size / 4))
        arms = (
            [((x - r, y - r), (x + r, y + r)), ((x - r, y + r), (x + r, y - r))]
            if base == "x"
            else [((x - r, y), (x + r, y)), ((x, y - r), (x, y + r))]
        )
        if outline:
            for arm in arms:
                draw.line(arm, fill=outline, width=t + 2 * width)
        for arm in arms:
            draw.line(arm, fill=fill or edge_color, width=t)
        return
    if base == "square":
        polygon = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    elif base == "diamond":
        polygon = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    elif base in ("triangle-up", "triangle-down"):
        sign = -1 if base == "triangle-up" else 1
        polygon = [(x, y + sign * r), (x + r, y - sign * r * 0.8), (x - r, y - sign * r * 0.8)]
    elif base == "star":
        polygon = [
            (
                x + (r if k % 2 == 0 else r * 0.45) * math.sin(math.pi * k / 5),
                y - (r if k % 2 == 0 else r * 0.45) * math.cos(math.pi * k / 5),
            )
            for k in range(10)
        ]
    else:  # circle and anything not drawn here
        # Plotly strokes an outline on the shape's edge, half of it outside
        if outline:
            o = r + width / 2
            draw.ellipse((x - o, y - o, x + o, y + o), fill=outline)
            i = max(r - width / 2, 0)
            draw.ellipse((x - i, y - i, x + i, y + i), fill=fill or (0, 0, 0, 0))
        else:
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        return
    if fill:
        draw.polygon(polygon, fill=fill)
    if outline:  # on the edge, half outside, as Plotly strokes it
        draw.line([*polygon, polygon[0], polygon[1]], fill=outline, width=width, joint="curve")


class Canvas:
    """A figure laid out on an image of `size` (width, height): the plot areas of its axes,
    the scale of its fonts and line widths, its background."""

    def __init__(self, spec: dict, size: tuple[int, int]):
        self.width, self.height = size
        template = (spec.get("layout", {}).get("template") or {}).get("layout", {})
        self.layout = _merge(template, spec.get("layout", {}))
        self.data = [dict(trace) for trace in spec.get("data", [])]
        self.frames = list(spec.get("frames") or [])
        given_h = self.layout.get("height") or self.height
        # A figure without a width takes its column's: here the image's, at the height's scale
        given_w = self.layout.get("width") or self.width * given_h / self.height
        # The figure is scaled as a whole, as a screenshot at another zoom would be, and
        # centred: an image of another shape than the figure gets a border of paper.
        self.scale = s = min(self.width / given_w, self.height / given_h)
        dx, dy = (self.width - given_w * s) / 2, (self.height - given_h * s) / 2
        self.paper = self._paper_colour()
        margin = self.layout.get("margin") or {}
        self.paper_box = (
            dx + margin.get("l", 80) * s,
            dy + margin.get("t", 100) * s,
            dx + (given_w - margin.get("r", 80)) * s,
            dy + (given_h - margin.get("b", 80)) * s,
        )
        self.top = dy
        self.axes = self._lay_out_axes()

    def _paper_colour(self) -> tuple[int, int, int]:
        """The theme's page colour: figures keep a transparent background (the app's page
        shows through), so an image takes the page colour its template's ink implies."""
        paper = rgba(self.layout.get("paper_bgcolor"), (0, 0, 0, 0))
        if paper[3] == 255:
            return paper[:3]
        ink = rgba((self.layout.get("font") or {}).get("color"), (17, 20, 24, 255))
        return DARK_PAPER if sum(ink[:3]) > 3 * 128 else LIGHT_PAPER

    def _lay_out_axes(self) -> dict[tuple[str, str], _Axes]:
        pairs: dict[tuple[str, str], list] = {}
        for trace in self.data:
            key = (trace.get("xaxis", "x"), trace.get("yaxis", "y"))
            pairs.setdefault(key, [[], []])
            pairs[key][0].append(decode(trace.get("x")))
            pairs[key][1].append(decode(trace.get("y")))
        left, top, right, bottom = self.paper_box
        result = {}
        for (xref, yref), (xs, ys) in pairs.items():
            xaxis = self.layout.get(_axis_key(xref[1:] and xref, "x")) or {}
            yaxis = self.layout.get(_axis_key(yref[1:] and yref, "y")) or {}
            xd, yd = xaxis.get("domain", [0, 1]), yaxis.get("domain", [0, 1])
            box = [
                left + xd[0] * (right - left),
                bottom - yd[1] * (bottom - top),
                left + xd[1] * (right - left),
                bottom - yd[0] * (bottom - top),
            ]
            logs = (xaxis.get("type") == "log", yaxis.get("type") == "log")
            xs = [_log(v) for v in xs] if logs[0] else xs
            ys = [_log(v) for v in ys] if logs[1] else ys
            x_range, y_range = _axis_range(xaxis, xs), _axis_range(yaxis, ys)
            if yaxis.get("scaleanchor") == xref or xaxis.get("scaleanchor") == yref:
                # Equal units on both axes: the plot shrinks along one of them, centred.
                per_x = (box[2] - box[0]) / (x_range[1] - x_range[0])
                per_y = (box[3] - box[1]) / (y_range[1] - y_range[0])
                unit = min(per_x, per_y)
                w, h = unit * (x_range[1] - x_range[0]), unit * (y_range[1] - y_range[0])
                cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
                box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]
            result[(xref, yref)] = _Axes(x_range, y_range, tuple(box), logs)
        return result

    # --- the still part ------------------------------------------------------------------

    def background(self, moving: set[int]) -> Image.Image:
        """The paper, the map images, the axes, the colour bar, the legend and every trace
        that no frame moves."""
        image = Image.new("RGBA", (self.width, self.height), (*self.paper, 255))
        for layout_image in self.layout.get("images") or []:
            self._layout_image(image, layout_image)
        for shape in self.layout.get("shapes") or []:
            self._shape(image, shape)
        for i, trace in enumerate(self.data):
            if i not in moving:
                self.draw_trace(image, trace)
        self._axes_lines(image)
        self._colorbar(image)
        self._legend(image)
        self._title(image)
        return image

    def _point(self, x, y, xref: str, yref: str) -> tuple[float, float] | None:
        """A layout point in pixels: data coordinates of an axis pair, or "paper" ones."""
        left, top, right, bottom = self.paper_box
        px = left + x * (right - left) if xref == "paper" else None
        py = bottom - y * (bottom - top) if yref == "paper" else None
        if px is None or py is None:
            axes = self.axes.get((xref if px is None else "x", yref if py is None else "y"))
            if axes is None:
                return None
            ax, ay = axes.to_pixels(np.array([x]), np.array([y]))
            px = float(ax[0]) if px is None else px
            py = float(ay[0]) if py is None else py
        return px, py

    def _shape(self, image: Image.Image, shape: dict) -> None:
        """A line or rectangle of the layout (the momentum page's curvature directions)."""
        xref, yref = shape.get("xref", "x"), shape.get("yref", "y")
        start = self._point(shape.get("x0", 0), shape.get("y0", 0), xref, yref)
        end = self._point(shape.get("x1", 0), shape.get("y1", 0), xref, yref)
        if start is None or end is None or shape.get("visible", True) is False:
            return
        line = shape.get("line") or {}
        colour = rgba(line.get("color"), (68, 68, 68, 255))
        width = max(1, round(line.get("width", 2) * self.scale))
        layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        if shape.get("type") == "rect":
            box = (min(start[0], end[0]), min(start[1], end[1]))
            box += (max(start[0], end[0]), max(start[1], end[1]))
            fill = rgba(shape.get("fillcolor"), (0, 0, 0, 0))
            draw.rectangle(box, fill=fill, outline=colour if line.get("width", 1) else None)
        else:
            points = np.array([start, end])
            for piece in _dash_segments(points, line.get("dash", "solid"), width):
                draw.line([tuple(p) for p in piece], fill=colour, width=width)
        if shape.get("opacity", 1) < 1:
            alpha = np.asarray(layer.getchannel("A"), dtype=float) * shape["opacity"]
            layer.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
        image.alpha_composite(layer)

    def annotations(self, image: Image.Image) -> None:
        """The layout's text notes, with their background boxes (on top of everything)."""
        for note in self.layout.get("annotations") or []:
            text = re.sub(r"<[^>]+>", "", str(note.get("text", "")))  # Plotly's <b>, <br>
            at = self._point(
                note.get("x", 0), note.get("y", 0), note.get("xref", "x"), note.get("yref", "y")
            )
            if not text or at is None or note.get("visible", True) is False:
                continue
            font_spec = note.get("font") or {}
            font = _font(round(self._font_size(font_spec.get("size"))))
            ink = rgba(font_spec.get("color"), self._ink())
            x, y = at
            if note.get("showarrow", True):  # the text sits ax, ay pixels from the point
                tip = (x, y)
                x += note.get("ax", -10) * self.scale
                y += note.get("ay", -30) * self.scale
                ImageDraw.Draw(image).line([tip, (x, y)], fill=ink, width=1)
            w, h = font.getlength(text), self._font_size(font_spec.get("size")) * 1.25
            xanchor = note.get("xanchor", "center" if not note.get("showarrow", True) else "auto")
            yanchor = note.get("yanchor", "middle")
            x0 = {"left": x, "right": x - w}.get(xanchor, x - w / 2)
            y0 = {"top": y, "bottom": y - h}.get(yanchor, y - h / 2)
            layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
            draw = ImageDraw.Draw(layer)
            background = rgba(note.get("bgcolor"), (0, 0, 0, 0))
            if background[3]:
                draw.rectangle((x0 - 2, y0, x0 + w + 2, y0 + h), fill=background)
            draw.text((x0, y0 + h / 2), text, fill=ink, font=font, anchor="lm")
            if note.get("opacity", 1) < 1:
                alpha = np.asarray(layer.getchannel("A"), dtype=float) * note["opacity"]
                layer.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
            image.alpha_composite(layer)

    def _layout_image(self, image: Image.Image, spec: dict) -> None:
        source = spec.get("source", "")
        if not isinstance(source, str) or not source.startswith("data:image/"):
            return
        axes = self.axes.get((spec.get("xref", "x"), spec.get("yref", "y")))
        if axes is None:
            return
        picture = Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1])))
        x0, y0 = spec.get("x", 0), spec.get("y", 0)
        (px0, px1), (py0, py1) = axes.to_pixels(
            np.array([x0, x0 + spec.get("sizex", 0)]), np.array([y0, y0 - spec.get("sizey", 0)])
        )
        self._paste_clipped(image, picture, (px0, py0, px1, py1), axes)

    def _ink(self, key: str = "") -> tuple[int, int, int, int]:
        font = self.layout.get("font") or {}
        return rgba((self.layout.get(key) or {}).get("font", {}).get("color"), None) or rgba(
            font.get("color"), (17, 20, 24, 255)
        )

    def _font_size(self, size=None) -> float:
        base = (self.layout.get("font") or {}).get("size", 12)
        return (size or base) * self.scale

    def _axes_lines(self, image: Image.Image) -> None:
        draw = ImageDraw.Draw(image)
        font = _font(round(self._font_size()))
        for (xref, yref), axes in self.axes.items():
            left, top, right, bottom = axes.box
            for letter, ref, lo_hi in (("x", xref, axes.x_range), ("y", yref, axes.y_range)):
                axis = self.layout.get(_axis_key(ref[1:] and ref, letter)) or {}
                if axis.get("visible") is False:
                    continue
                ink = rgba((axis.get("tickfont") or {}).get("color"), self._ink())
                log = axes.logs[0 if letter == "x" else 1]
                ticks = nice_ticks(*sorted(lo_hi))
                if log:  # decades only
                    ticks = np.unique(np.round(ticks[(ticks == np.round(ticks))]))
                step = float(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
                for value in ticks:
                    text = f"1e{int(value)}" if log else _tick_text(float(value), step)
                    value = 10.0**value if log else value
                    if letter == "x":
                        px, _ = axes.to_pixels(np.array([value]), np.array([lo_hi[0]]))
                        draw.text(
                            (px[0], bottom + 6 * self.scale), text, fill=ink, font=font, anchor="mt"
                        )
                    else:
                        _, py = axes.to_pixels(np.array([axes.x_range[0]]), np.array([value]))
                        draw.text(
                            (left - 6 * self.scale, py[0]), text, fill=ink, font=font, anchor="rm"
                        )
                title = (axis.get("title") or {}).get("text")
                if title:
                    title_ink = rgba(
                        ((axis.get("title") or {}).get("font") or {}).get("color"), ink
                    )
                    if letter == "x":
                        draw.text(
                            ((left + right) / 2, bottom + 28 * self.scale),
                            title,
                            fill=title_ink,
                            font=font,
                            anchor="mt",
                        )
                    else:
                        label = Image.new(
                            "RGBA",
                            (int(font.getlength(title)) + 4, int(self._font_size() * 1.5)),
                            (0, 0, 0, 0),
                        )
                        ImageDraw.Draw(label).text((2, 0), title, fill=title_ink, font=font)
                        label = label.rotate(90, expand=True)
                        image.alpha_composite(
                            label,
                            (
                                max(0, round(left - 44 * self.scale - label.width)),
                                round((top + bottom) / 2 - label.height / 2),
                            ),
                        )
            line = rgba((self.layout.get("xaxis") or {}).get("linecolor"), (0, 0, 0, 0))
            if line[3] and (self.layout.get("xaxis") or {}).get("showline"):
                draw.rectangle(axes.box, outline=line)

    def _colorbar(self, image: Image.Image) -> None:
        for trace in self.data:
            marker = trace.get("marker") or {}
            if not marker.get("showscale") or not marker.get("colorscale"):
                continue
            bar = marker.get("colorbar") or {}
            axes = next(iter(self.axes.values()))
            left, top, right, bottom = self.paper_box
            s = self.scale
            x = left + bar.get("x", 1.02) * (right - left) + bar.get("xpad", 10) * s
            length = bar.get("len", 1.0) * (bottom - top)
            y0 = (top + bottom) / 2 - length / 2
            thickness = bar.get("thickness", 30) * s
            scale = marker["colorscale"]
            stops = np.array([float(stop) for stop, _ in scale])
            colours = np.array([rgba(c)[:3] for _, c in scale], dtype=float)
            t = np.linspace(1, 0, max(2, round(length)))
            column = np.stack([np.interp(t, stops, colours[:, k]) for k in range(3)], axis=1)
            strip = np.repeat(column[:, None, :], max(1, round(thickness)), axis=1)
            image.paste(Image.fromarray(strip.astype(np.uint8), "RGB"), (round(x), round(y0)))
            numbers = decode(
                marker.get("color") if not isinstance(marker.get("color"), str) else []
            )
            numbers = numbers[np.isfinite(numbers)] if numbers.size else np.array([0.0, 1.0])
            cmin = marker.get("cmin", float(numbers.min()) if numbers.size else 0.0)
            cmax = marker.get("cmax", float(numbers.max()) if numbers.size else 1.0)
            draw = ImageDraw.Draw(image)
            font = _font(round(self._font_size()))
            ink = self._ink()
            values = bar.get("tickvals")
            labels = bar.get("ticktext")
            if not values:  # Plotly's automatic ticks
                values = list(nice_ticks(cmin, cmax))
                step = values[1] - values[0] if len(values) > 1 else 1.0
                labels = [_tick_text(v, step) for v in values]
            for value, text in zip(values, labels or [], strict=False):
                if cmax > cmin:
                    y = y0 + (1 - (value - cmin) / (cmax - cmin)) * length
                    draw.text(
                        (x + thickness + 4 * s, y), str(text), fill=ink, font=font, anchor="lm"
                    )
            title = (bar.get("title") or {}).get("text")
            if title:
                label = Image.new(
                    "RGBA",
                    (int(font.getlength(title)) + 4, int(self._font_size() * 1.5)),
                    (0, 0, 0, 0),
                )
                ImageDraw.Draw(label).text((2, 0), title, fill=ink, font=font)
                label = label.rotate(-90, expand=True)
                image.alpha_composite(
                    label,
                    (round(x + thickness + 48 * s), round(y0 + length / 2 - label.height / 2)),
                )
            del axes
            return

    def _legend(self, image: Image.Image) -> None:
        entries = [
            t
            for t in self.data
            if t.get("name")
            and t.get("showlegend", True) is not False
            and t.get("type", "scatter") == "scatter"
            and t.get("visible", True) is True
        ]
        if not entries or self.layout.get("showlegend") is False:
            return
        legend = self.layout.get("legend") or {}
        left, top, right, bottom = self.paper_box
        s = self.scale
        x = left + legend.get("x", 1.02) * (right - left)
        y = bottom - legend.get("y", 1.0) * (bottom - top)
        size = self._font_size((legend.get("font") or {}).get("size"))
        font = _font(size)
        ink = self._ink("legend")
        draw = ImageDraw.Draw(image)
        row = size * 1.6
        horizontal = legend.get("orientation") == "h"
        if not horizontal:  # Plotly moves a legend that would leave the figure back into it
            widest = max(font.getlength(str(t["name"])) for t in entries) + 52 * s
            x = max(0.0, min(x, image.width - widest))
        if horizontal and legend.get("yanchor") == "bottom":
            y -= row
        cx = x
        for k, trace in enumerate(entries):
            if horizontal:
                x, cy = cx, y + 0.5 * row
                cx += 56 * s + font.getlength(str(trace["name"]))
            else:
                cy = y + (k + 0.5) * row
            sample = Image.new("RGBA", image.size, (0, 0, 0, 0))
            self._draw_scatter(
                ImageDraw.Draw(sample),
                trace,
                np.array([x, x + 20 * s, x + 40 * s]),
                np.array([cy, cy, cy]),
                legend_sample=True,
            )
            image.alpha_composite(sample)
            draw.text((x + 46 * s, cy), str(trace["name"]), fill=ink, font=font, anchor="lm")

    def _title(self, image: Image.Image) -> None:
        title = self.layout.get("title")
        text = title.get("text") if isinstance(title, dict) else title
        if not text:
            return
        font = _font(
            self._font_size(((title or {}).get("font") or {}).get("size") or None) * 1.2
            if isinstance(title, dict)
            else self._font_size()
        )
        ink = rgba(
            ((title if isinstance(title, dict) else {}).get("font") or {}).get("color"), self._ink()
        )
        ImageDraw.Draw(image).text(
            (self.paper_box[0], self.top + 8 * self.scale), str(text), fill=ink, font=font
        )

    # --- traces ----------------------------------------------------------------------------

    def draw_trace(self, image: Image.Image, trace: dict) -> None:
        """Draw a scatter trace onto `image` (other trace types: the map is a layout image,
        the hover grids are invisible), clipped to its plot area as Plotly clips it. Only the
        rectangle the trace covers is drawn and blended: a frame's few moving points cost
        a small patch, not a whole image."""
        if trace.get("visible", True) is not True or trace.get("opacity", 1) == 0:
            return
        axes = self.axes.get((trace.get("xaxis", "x"), trace.get("yaxis", "y")))
        if axes is None:
            return
        if trace.get("type") == "contour":
            self._contour_fill(image, trace, axes)
            return
        if trace.get("type", "scatter") != "scatter":
            return
        px, py = axes.to_pixels(decode(trace.get("x")), decode(trace.get("y")))
        finite = np.isfinite(px) & np.isfinite(py)
        if not finite.any():
            return
        marker = trace.get("marker") or {}
        size = marker.get("size", 6) if isinstance(marker.get("size", 6), int | float) else 6
        pad = (size + 2 * (marker.get("line") or {}).get("width", 0) + 8) * self.scale
        left, top, right, bottom = axes.box
        x0 = max(int(left) - 1, int(np.min(px[finite]) - pad), 0)
        y0 = max(int(top) - 1, int(np.min(py[finite]) - pad), 0)
        x1 = min(int(right) + 2, int(np.max(px[finite]) + pad) + 1, image.width)
        y1 = min(int(bottom) + 2, int(np.max(py[finite]) + pad) + 1, image.height)
        if x1 <= x0 or y1 <= y0:
            return
        layer = Image.new("RGBA", (x1 - x0, y1 - y0), (0, 0, 0, 0))
        self._draw_scatter(ImageDraw.Draw(layer), trace, px - x0, py - y0)
        if trace.get("opacity", 1) < 1:
            alpha = np.asarray(layer.getchannel("A"), dtype=float) * trace["opacity"]
            layer.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
        if image.mode == "RGBA":
            image.alpha_composite(layer, (x0, y0))
        else:
            image.paste(layer, (x0, y0), layer)

    def _contour_fill(self, image: Image.Image, trace: dict, axes: _Axes) -> None:
        """A filled contour trace as its bands (`viz.raster.banded_colours`: each value the
        colour of its band's middle), one pixel per grid point stretched over the grid."""
        xs, ys = decode(trace.get("x")), decode(trace.get("y"))
        z = decode(trace.get("z"))
        if not (len(xs) and len(ys)) or z.size != len(xs) * len(ys):
            return
        z = z.reshape(len(ys), len(xs))
        contours = trace.get("contours") or {}
        low = contours.get("start", trace.get("zmin", np.nanmin(z)))
        high = contours.get("end", trace.get("zmax", np.nanmax(z)))
        step = contours.get("size") or (high - low) / 15 or 1.0
        edges = np.arange(low, high + step * 0.5, step)
        if len(edges) < 2:
            edges = np.array([low, low + 1.0])
        scale = trace.get("colorscale") or [[0, "#5b7fa6"], [1, "#f7f9fb"]]
        scale = [(float(stop), _hex(rgba(c))) for stop, c in scale]
        colours = banded_colours(z, scale, edges)[::-1]  # first row at the top
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        (px0, px1), (py0, py1) = axes.to_pixels(
            np.array([xs[0] - dx / 2, xs[-1] + dx / 2]), np.array([ys[-1] + dy / 2, ys[0] - dy / 2])
        )
        self._paste_clipped(image, Image.fromarray(colours, "RGBA"), (px0, py0, px1, py1), axes)

    def _paste_clipped(self, image, picture, corners, axes: _Axes) -> None:
        """`picture` stretched over the pixel rectangle `corners`, inside the plot area only."""
        px0, py0, px1, py1 = corners
        w, h = round(px1 - px0), round(py1 - py0)
        if w <= 0 or h <= 0:
            return
        # A browser draws a stretched image smoothly: so does this (bilinear).
        picture = picture.convert("RGBA").resize((w, h), Image.Resampling.BILINEAR)
        left, top, right, bottom = (round(v) for v in axes.box)
        x0, y0 = round(px0), round(py0)
        box = (max(left, x0), max(top, y0), min(right, x0 + w), min(bottom, y0 + h))
        if box[2] <= box[0] or box[3] <= box[1]:
            return
        patch = picture.crop((box[0] - x0, box[1] - y0, box[2] - x0, box[3] - y0))
        if image.mode == "RGBA":
            image.alpha_composite(patch, box[:2])
        else:
            image.paste(patch, box[:2], patch)

    def _draw_scatter(self, draw, trace, px, py, *, legend_sample=False):
        s = self.scale
        mode = trace.get("mode") or ("lines+markers" if len(px) < 20 else "lines")
        line = trace.get("line") or {}
        marker = trace.get("marker") or {}
        if "lines" in mode:
            colour = rgba(line.get("color"), rgba(marker.get("color"), (31, 119, 180, 255)))
            width = max(1, round(line.get("width", 2) * s))
            finite = np.isfinite(px) & np.isfinite(py)
            # NaN breaks a line into pieces, as in Plotly (connectgaps off)
            pieces = np.split(np.arange(len(px)), np.flatnonzero(~finite))
            for piece in pieces:
                piece = piece[finite[piece]]
                if len(piece) < 2:
                    continue
                points = np.stack([px[piece], py[piece]], axis=1)
                for segment in _dash_segments(points, line.get("dash", "solid"), width):
                    draw.line([tuple(p) for p in segment], fill=colour, width=width, joint="curve")
        if "markers" in mode and marker.get("opacity", 1) != 0:
            size = (marker.get("size", 6) if not isinstance(marker.get("size"), list) else 6) * s
            colours = marker.get("color")
            symbol = marker.get("symbol", "circle")
            edge = marker.get("line") or {}
            edge_line = (rgba(edge.get("color"), (0, 0, 0, 0)), edge.get("width", 0) * s)
            points = [(px[1], py[1])] if legend_sample else list(zip(px, py, strict=True))
            numeric = _numeric_colours(marker, len(px))
            for k, (x, y) in enumerate(points):
                if not (math.isfinite(x) and math.isfinite(y)):
                    continue
                if numeric is not None:
                    colour = numeric[k] if not legend_sample else numeric[len(numeric) // 2]
                elif isinstance(colours, list):
                    colour = colours[k % len(colours)]
                else:
                    colour = colours
                fill = rgba(colour, rgba(line.get("color"), (31, 119, 180, 255)))
                this_symbol = symbol[k % len(symbol)] if isinstance(symbol, list) else symbol
                _marker(draw, str(this_symbol), x, y, size, fill, edge_line)


def _numeric_colours(marker: dict, count: int) -> list[str] | None:
    """Marker colours given as numbers on a colour scale, as "#rrggbb" strings; None when
    the colours are given as colours."""
    values = marker.get("color")
    if isinstance(values, str) or values is None or not marker.get("colorscale"):
        return None
    numbers = decode(values)
    if numbers.size == 0 or (isinstance(values, list) and isinstance(values[0], str)):
        return None
    finite = numbers[np.isfinite(numbers)]
    low = marker.get("cmin", float(finite.min()) if finite.size else 0.0)
    high = marker.get("cmax", float(finite.max()) if finite.size else 1.0)
    t = np.clip((numbers - low) / (high - low), 0, 1) if high > low else np.zeros_like(numbers)
    stops = np.array([float(stop) for stop, _ in marker["colorscale"]])
    table = np.array([rgba(c)[:3] for _, c in marker["colorscale"]], dtype=float)
    rgb = np.stack([np.interp(np.nan_to_num(t), stops, table[:, k]) for k in range(3)], axis=1)
    return [_hex(row) for row in rgb]


def _hex(colour) -> str:
    """The first three of 0–255 channel values as "#rrggbb"."""
    r, g, b = (int(round(float(v))) for v in colour[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def moving_traces(spec: dict) -> set[int]:
    """The indices of the traces any frame restyles."""
    return {int(i) for frame in spec.get("frames") or [] for i in frame.get("traces") or []}


def render_frames(
    spec: dict, size: tuple[int, int], count: int | None = None
) -> Iterator[Image.Image]:
    """The figure's frames as RGB images of `size`, `count` of them evenly spread over the
    animation, its first and last frames included (all frames when None or larger); a figure
    without frames gives its still picture once."""
    canvas = Canvas(spec, size)
    frames = canvas.frames
    if not frames:
        picture = canvas.background(set())
        canvas.annotations(picture)
        yield picture.convert("RGB")
        return
    picked = frame_indices(len(frames), count)
    moving = moving_traces(spec)
    still = canvas.background(moving).convert("RGB")
    # Notes lie over everything, the moving traces too: drawn once, laid over each frame.
    notes = Image.new("RGBA", still.size, (0, 0, 0, 0))
    canvas.annotations(notes)
    notes_box = notes.getbbox()
    notes = notes.crop(notes_box) if notes_box else None
    current = {i: dict(canvas.data[i]) for i in moving if i < len(canvas.data)}
    shown = 0
    for index, frame in enumerate(frames):
        for trace_index, update in zip(
            frame.get("traces") or [], frame.get("data") or [], strict=False
        ):
            if int(trace_index) in current:
                current[int(trace_index)] = _merge(current[int(trace_index)], update)
        if shown < len(picked) and index == picked[shown]:
            shown += 1
            image = still.copy()
            for trace_index in sorted(current):
                canvas.draw_trace(image, current[trace_index])
            if notes is not None:
                image.paste(notes, notes_box[:2], notes)
            yield image


def frame_indices(total: int, count: int | None) -> list[int]:
    """`count` frame indices out of `total`, evenly spread, first and last kept, no repeats."""
    if count is None or count >= total:
        return list(range(total))
    if count <= 1:
        return [0]
    return sorted({round(k * (total - 1) / (count - 1)) for k in range(count)})


def frame_count(spec: dict) -> int:
    return len(spec.get("frames") or []) or 1


def even_size(width: int, height: int) -> tuple[int, int]:
    """H.264 in yuv420p needs even sides: round each down to an even number (at least 2)."""
    return max(2, int(width) // 2 * 2), max(2, int(height) // 2 * 2)


def gif_bytes(images: Sequence[Image.Image], fps: float) -> bytes:
    """An animated GIF that loops, one image per frame at `fps`, with one palette: the first
    frame's (median cut; the map and the legend are in every frame), so colours do not
    flicker. Each later frame re-maps only the rectangle that changed since the frame before
    onto the previous frame's colours: Pillow maps an image onto a given palette through a
    coarse lookup (a slide's white came out as 252 grey), median cut maps the first frame
    exactly, and the few moving points cost a patch, not a frame. Pillow writes a run of
    identical frames (a run that has converged) as one frame that lasts as long."""
    first = images[0].quantize(colors=255, method=Image.Quantize.MEDIANCUT)
    frames, previous = [first], images[0]
    for image in images[1:]:
        current = frames[-1].copy()
        box = ImageChops.difference(image, previous).getbbox()
        if box:
            patch = image.crop(box).quantize(palette=first, dither=Image.Dither.NONE)
            current.paste(patch, box[:2])
        frames.append(current)
        previous = image
    out = io.BytesIO()
    frames[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=max(20, round(1000 / fps)),
        loop=0,
        optimize=False,
    )
    return out.getvalue()


def mp4_bytes(images: Sequence[Image.Image], fps: float) -> bytes:
    """An MP4 (H.264, yuv420p: what PowerPoint, Keynote and Google Slides play), one image
    per frame at `fps`, encoded by the ffmpeg that the imageio-ffmpeg wheel bundles. Sides
    must be even (`even_size`)."""
    import os
    import tempfile

    import imageio_ffmpeg

    width, height = images[0].size
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "animation.mp4")
        writer = imageio_ffmpeg.write_frames(
            path,
            (width, height),
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            output_params=["-movflags", "+faststart", "-preset", "veryfast", "-crf", "20"],
        )
        writer.send(None)
        for image in images:
            writer.send(np.asarray(image.convert("RGB")).tobytes())
        writer.close()
        with open(path, "rb") as file:
            return file.read()


def animation_bytes(
    spec: dict, kind: str, size: tuple[int, int], fps: float, frames: int | None
) -> bytes:
    """The figure's animation as "gif" or "mp4" bytes: `frames` frames (all when None) of
    `size` (rounded down to even sides, which H.264 needs) at `fps` frames per second."""
    images = list(render_frames(spec, even_size(*size), frames))
    return gif_bytes(images, fps) if kind == "gif" else mp4_bytes(images, fps)
