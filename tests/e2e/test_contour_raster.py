"""`app_support/contour_raster.js` in Chromium: filled contour traces that ask for it are drawn
as images banded like Plotly's fill, with lines on the levels, and the figure keeps its traces'
order, colour bars and hover; figures with frames are left to Plotly."""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pytest

from bench import chromium

pytestmark = pytest.mark.e2e

SCRIPT = (Path(__file__).resolve().parents[2] / "app_support" / "contour_raster.js").read_text()
SCALE = [[0, "#000000"], [1, "#ffffff"]]


@pytest.fixture
def page(browser):
    page = chromium.new_page(browser)
    page.set_content("<html><body></body></html>")
    page.add_script_tag(content=SCRIPT)
    yield page
    page.context.close()


def ramp_trace(**extra) -> dict:
    """z = x on [0, 10] × [0, 1], levels 0, 1, ..., 10 (so band k holds k < z < k + 1)."""
    xs = np.linspace(0.0, 10.0, 11)
    ys = np.linspace(0.0, 1.0, 3)
    return {
        "type": "contour",
        "x": xs.tolist(),
        "y": ys.tolist(),
        "z": np.tile(xs, (len(ys), 1)).tolist(),
        "contours": {"start": 0, "end": 10, "size": 1, "coloring": "fill"},
        "zmin": 0,
        "zmax": 10,
        "colorscale": SCALE,
        "line": {"color": "rgba(255,0,0,1)", "width": 1},
        "showscale": False,
        "hoverinfo": "skip",
        "meta": {"lll": "raster"},
        **extra,
    }


def drawn(page, figure: dict, width: int = 560) -> dict:
    """The figure after rasterizing, and the first image's pixels as an (H, W, 4) list."""
    return page.evaluate(
        """async ([figure, width]) => {
          const out = rasterizeContours(figure, width);
          const image = out.layout.images?.[0];
          if (!image) return {figure: out, pixels: null};
          const img = new Image();
          img.src = image.source;
          await img.decode();
          const canvas = document.createElement('canvas');
          canvas.width = img.width; canvas.height = img.height;
          const context = canvas.getContext('2d');
          context.drawImage(img, 0, 0);
          const data = context.getImageData(0, 0, img.width, img.height).data;
          const rows = [];
          for (let y = 0; y < img.height; y++) {
            const row = [];
            for (let x = 0; x < img.width; x++) {
              const at = 4 * (y * img.width + x);
              row.push(Array.from(data.slice(at, at + 4)));
            }
            rows.push(row);
          }
          return {figure: out, pixels: rows};
        }""",
        [figure, width],
    )


def test_bands_take_the_colour_of_their_middle_and_levels_get_lines(page):
    layout = {"width": 560, "height": 200, "margin": {"l": 30, "r": 30, "t": 20, "b": 20}}
    result = drawn(page, {"data": [ramp_trace()], "layout": layout})
    pixels = np.asarray(result["pixels"], dtype=float)
    height, width, _ = pixels.shape
    assert (width, height) == (500, 160)  # the size the axes span on screen
    middle_row = pixels[height // 2]
    for band in range(10):  # between levels `band` and `band + 1`: the colour at band + 0.5
        x = int((band + 0.5) / 10 * width)
        grey = 255 * (band + 0.5) / 10
        np.testing.assert_allclose(middle_row[x, :3], [grey, grey, grey], atol=1.5)
        assert middle_row[x, 3] == 255
    # On a level, the red line over the greys: a pixel's red minus green is 255 times its line
    # coverage, and the coverage across a level adds up to the line's width (1 px here).
    for level in range(1, 10):
        x = int(level / 10 * width)
        around = middle_row[x - 3 : x + 3]
        coverage = (around[:, 0] - around[:, 1]) / 255
        assert coverage.sum() == pytest.approx(1.0, abs=0.2)
        assert coverage.max() > 0.45
    # the image spans the data's box and sits under the traces
    (image,) = result["figure"]["layout"]["images"]
    assert (image["x"], image["y"], image["sizex"], image["sizey"]) == (0, 1, 10, 1)
    assert image["layer"] == "below" and image["sizing"] == "stretch"


def test_nan_is_transparent(page):
    trace = ramp_trace()
    trace["z"] = [[None if j < 3 else v for j, v in enumerate(row)] for row in trace["z"]]
    pixels = np.asarray(drawn(page, {"data": [trace], "layout": {"width": 600}})["pixels"])
    assert (pixels[:, :20, 3] == 0).all() and (pixels[:, -20:, 3] == 255).all()


def test_trace_order_hover_and_colour_bar_are_kept(page):
    marker = {"type": "scatter", "x": [1], "y": [0.5], "name": "after"}
    hovering = ramp_trace(
        hovertemplate="E = %{z}", hoverinfo=None, showscale=True, colorbar={"title": {"text": "E"}}
    )
    figure = drawn(page, {"data": [hovering, marker], "layout": {}})["figure"]
    types = [t["type"] for t in figure["data"]]
    assert types == ["heatmap", "scatter", "scatter"]  # the hover layer in the contour's place
    assert figure["data"][0]["opacity"] == 0 and figure["data"][0]["hovertemplate"] == "E = %{z}"
    assert figure["data"][1]["name"] == "after"
    bar = figure["data"][2]["marker"]
    assert bar["showscale"] and bar["colorbar"]["title"]["text"] == "E"
    assert (bar["cmin"], bar["cmax"]) == (0, 10)


def test_only_contours_that_ask_and_only_figures_without_frames(page):
    plain = ramp_trace()
    del plain["meta"]
    assert drawn(page, {"data": [plain], "layout": {}})["figure"]["data"][0]["type"] == "contour"
    animated = {"data": [ramp_trace()], "layout": {}, "frames": [{"name": "0", "data": []}]}
    assert drawn(page, animated)["figure"]["data"][0]["type"] == "contour"


def test_plain_maps_turns_typed_2d_z_into_rows_in_traces_and_frames(page):
    codes = np.arange(6, dtype=np.uint8).reshape(2, 3)
    typed = {"dtype": "u1", "bdata": base64.b64encode(codes.tobytes()).decode(), "shape": "2, 3"}
    line = {"type": "scatter", "x": [0, 1], "y": [1, 0]}
    figure = {
        "data": [{"type": "contour", "z": typed}, line],
        "layout": {},
        "frames": [{"name": "0", "data": [{"type": "contour", "z": typed}, line]}],
    }
    plain = page.evaluate("(figure) => plainMaps(figure)", figure)
    assert plain["data"][0]["z"] == codes.tolist()
    assert plain["frames"][0]["data"][0]["z"] == codes.tolist()
    assert plain["data"][1] == line and plain["frames"][0]["name"] == "0"
