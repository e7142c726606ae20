"""viz.render: an animated figure drawn frame by frame (GIF and MP4 for slides)."""

from __future__ import annotations

import io

import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from app_support.export import page_html
from viz import render
from viz.raster import png_data_uri
from viz.theme import Look, plotly_template

SIZE = (400, 300)
MARGIN = {"l": 50, "r": 50, "t": 30, "b": 50}


def _figure(look: Look | None = None, steps: int = 10, map_colour=(200, 30, 40)) -> dict:
    """A square map of one colour under a marker that walks along the diagonal, one frame per
    step: x = y = −1 + 2k/(steps − 1)."""
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[...] = (*map_colour, 255)
    walk = np.linspace(-1.0, 1.0, steps)
    return {
        "data": [
            {
                "type": "scatter",
                "x": [walk[0]],
                "y": [walk[0]],
                "mode": "markers",
                "name": "walker",
                "showlegend": False,
                "marker": {"color": "#00ff00", "size": 12},
            }
        ],
        "layout": {
            "width": SIZE[0],
            "height": SIZE[1],
            "margin": MARGIN,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "xaxis": {"range": [-2, 2]},
            "yaxis": {"range": [-2, 2]},
            "images": [
                {
                    "source": png_data_uri(rgba),
                    "xref": "x",
                    "yref": "y",
                    "x": -2,
                    "y": 2,
                    "sizex": 4,
                    "sizey": 4,
                    "sizing": "stretch",
                    "layer": "below",
                }
            ],
            "template": plotly_template(look or Look()),
        },
        "frames": [
            {"name": str(k), "data": [{"x": [v], "y": [v]}], "traces": [0]}
            for k, v in enumerate(walk)
        ],
    }


def _pixel_of(x: float, y: float) -> tuple[int, int]:
    """Where data point (x, y) lands, worked out by hand from the layout: the plot area is the
    image less the margins, axes from −2 to 2 on both sides."""
    left, right = MARGIN["l"], SIZE[0] - MARGIN["r"]
    top, bottom = MARGIN["t"], SIZE[1] - MARGIN["b"]
    return (
        round(left + (x + 2) / 4 * (right - left)),
        round(bottom - (y + 2) / 4 * (bottom - top)),
    )


def test_one_image_per_frame_of_the_asked_size():
    images = list(render.render_frames(_figure(steps=10), SIZE))
    assert len(images) == 10
    assert all(image.size == SIZE and image.mode == "RGB" for image in images)


def test_fewer_frames_are_spread_evenly_with_both_ends():
    assert render.frame_indices(10, 4) == [0, 3, 6, 9]
    assert render.frame_indices(10, None) == list(range(10))
    assert render.frame_indices(10, 50) == list(range(10))
    assert render.frame_indices(10, 1) == [0]
    assert len(list(render.render_frames(_figure(steps=10), SIZE, 4))) == 4


def test_a_still_figure_gives_its_picture_once():
    spec = _figure()
    spec["frames"] = []
    assert len(list(render.render_frames(spec, SIZE))) == 1


def test_light_and_dark_theme_backgrounds():
    light = next(render.render_frames(_figure(Look(dark=False)), SIZE))
    dark = next(render.render_frames(_figure(Look(dark=True)), SIZE))
    assert light.getpixel((2, 2)) == (255, 255, 255)
    assert dark.getpixel((2, 2)) == render.DARK_PAPER == (14, 17, 23)


def test_the_map_fills_the_plot_area_and_the_marker_moves_along_its_path():
    images = list(render.render_frames(_figure(steps=5), SIZE))
    walk = np.linspace(-1.0, 1.0, 5)
    for image, v in zip(images, walk, strict=True):
        assert image.getpixel(_pixel_of(v, v)) == (0, 255, 0)  # the marker, this frame
        assert image.getpixel(_pixel_of(-1.5, 1.5)) == (200, 30, 40)  # the map elsewhere
    # the first frame's marker is gone from the last frame
    assert images[-1].getpixel(_pixel_of(walk[0], walk[0])) == (200, 30, 40)


def test_a_square_map_keeps_equal_units():
    spec = _figure()
    spec["layout"]["yaxis"]["scaleanchor"] = "x"
    canvas = render.Canvas(spec, (600, 300))
    left, top, right, bottom = canvas.axes[("x", "y")].box
    assert right - left == pytest.approx(bottom - top)


def test_log_axis_places_decades_evenly():
    axes = render._Axes((0.0, 2.0), (0.0, 1.0), (0, 0, 200, 100), logs=(True, False))
    px, _ = axes.to_pixels(np.array([1.0, 10.0, 100.0]), np.zeros(3))
    assert px == pytest.approx([0.0, 100.0, 200.0])


def test_colours_and_ticks():
    assert render.rgba("#ff8000") == (255, 128, 0, 255)
    assert render.rgba("rgba(30,40,60,0.5)") == (30, 40, 60, 128)
    assert render.rgba("nonsense", (1, 2, 3, 4)) == (1, 2, 3, 4)
    assert list(render.nice_ticks(-5, 5)) == [-4, -2, 0, 2, 4]
    assert render.even_size(911, 641) == (910, 640)


def test_gif_decodes_with_every_frame_and_the_asked_rate():
    data = render.animation_bytes(_figure(steps=8), "gif", SIZE, 10, None)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.size == SIZE and gif.n_frames == 8
    assert gif.info["duration"] == 100  # ms per frame at 10 frames per second
    gif.seek(7)
    last = gif.convert("RGB")
    assert last.getpixel(_pixel_of(1.0, 1.0)) == (0, 255, 0)


def test_mp4_is_h264_with_every_frame(tmp_path):
    data = render.animation_bytes(_figure(steps=12), "mp4", (401, 301), 24, None)
    path = tmp_path / "a.mp4"
    path.write_bytes(data)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    assert frames == 12
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    assert meta["codec"] == "h264" and meta["size"] == (400, 300)  # even sides
    assert "yuv420p" in meta["pix_fmt"]
    reader.close()


def test_page_html_is_self_contained_with_frames():
    text = page_html([("walk", _figure(steps=3))], "A page")
    assert "<script src" not in text and "<link" not in text  # nothing loaded from elsewhere
    assert text.count("Plotly.newPlot(") == 1 and "Plotly.addFrames" in text
    assert len(text) > 3_000_000  # Plotly.js itself is inside


def test_shapes_and_notes_are_drawn_over_the_map():
    spec = _figure(steps=3)
    spec["layout"]["shapes"] = [
        {
            "type": "line",
            "xref": "x",
            "yref": "y",
            "x0": -2,
            "y0": -1.5,
            "x1": 2,
            "y1": -1.5,
            "line": {"color": "#0000ff", "width": 3},
        }
    ]
    spec["layout"]["annotations"] = [
        {
            "xref": "x",
            "yref": "y",
            "x": 1.5,
            "y": -1.0,
            "text": "note",
            "showarrow": False,
            "bgcolor": "#ffff00",
        }
    ]
    for image in render.render_frames(spec, SIZE):
        assert image.getpixel(_pixel_of(0.5, -1.5)) == (0, 0, 255)  # on the line
        assert image.getpixel(_pixel_of(0.5, -1.2)) == (200, 30, 40)  # off it: the map
        # the note's box is centred on its point (text in the middle, its box around it)
        box = [image.getpixel((x, _pixel_of(1.5, -1.0)[1] - 6)) for x in range(*_span(1.5))]
        assert (255, 255, 0) in box


def _span(x: float) -> tuple[int, int]:
    centre = _pixel_of(x, 0)[0]
    return centre - 25, centre + 25


def test_gif_keeps_the_slide_background_exact():
    """Median cut would average the white paper with the palest map colours."""
    spec = _figure(steps=3, map_colour=(250, 251, 252))
    gif = Image.open(io.BytesIO(render.animation_bytes(spec, "gif", SIZE, 10, None)))
    assert gif.convert("RGB").getpixel((2, 2)) == (255, 255, 255)


def test_an_image_of_another_shape_keeps_the_figure_whole_and_centred():
    """A 400 × 300 figure in a 16:9 image: scaled by 720/300 and centred, its plot area the
    figure's own at that scale."""
    canvas = render.Canvas(_figure(), (1280, 720))
    s = 720 / 300
    left, top, right, bottom = canvas.paper_box
    assert canvas.scale == pytest.approx(s)
    assert left == pytest.approx((1280 - 400 * s) / 2 + MARGIN["l"] * s)
    assert right - left == pytest.approx((400 - MARGIN["l"] - MARGIN["r"]) * s)
    assert bottom == pytest.approx((300 - MARGIN["b"]) * s)
