"""Downloads: trajectories as CSV, a page's figures as one HTML file that opens offline, an
animated chart as a GIF or an MP4.

PNG and SVG of a chart are Plotly's own (the camera icons in each chart's toolbar, charts.js).
The HTML file carries Plotly.js inside it (about 4.8 MB): it opens without a network, in a
lecture hall or from a USB stick, each figure with its own Play button and step slider.

GIF and MP4 frames are drawn on the server by `viz.render` (see its docstring for the
measurement that chose the server over the browser), in a worker process at a lower priority:
drawing and encoding a hundred frames takes seconds of CPU, and in a thread of the server it
would compete for the interpreter's lock that every other student's rerun needs. Measured by
``python -m bench.export`` (one run, a loaded two-core machine): a rerun's pure-Python work took
1.02× its time alone beside an export in the worker, 2.48× beside an export in a thread (an
earlier run under heavier load: 1.11× and 1.93×). One
worker per heavy slot (`app_support.budget.HEAVY_SLOTS`), started when a download menu opens;
the page waits in `heavy_job`, which queues exports behind the slots.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io

from viz import render
from viz.paths import OptimizerPath


def trajectories_csv(paths: Sequence[OptimizerPath]) -> str:
    """One row per optimizer and step: optimizer, step, x, y, loss, and the step at which the
    run diverged (empty when it did not)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["optimizer", "step", "x", "y", "loss", "diverged_at"])
    for path in paths:
        diverged = "" if path.diverged_at is None else path.diverged_at
        for step, ((x, y), loss) in enumerate(zip(path.params, path.loss, strict=True)):
            writer.writerow(
                [path.name, step, repr(float(x)), repr(float(y)), repr(float(loss)), diverged]
            )
    return out.getvalue()


_PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

# Each figure's div, then its drawing: Plotly's controls (the figure keeps them, see
# `viz.animation.controls_outside`) run its frames with Plotly.animate.
_FIGURE = """<section class="figure">{heading}<div id="{div}"></div></section>
<script>(function () {{
  const figure = {figure};
  Plotly.newPlot("{div}", figure.data, figure.layout, {config})
    .then((gd) => figure.frames && figure.frames.length ? Plotly.addFrames(gd, figure.frames) : gd);
}})();</script>"""


def page_html(figures: Sequence[tuple[str, object]], title: str) -> str:
    """The figures (``(heading, figure)``, a `go.Figure` or its dict) as one web page that
    opens offline: Plotly.js is inlined once, each figure keeps its animation and controls."""
    parts = []
    for k, (heading, figure) in enumerate(figures):
        spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else figure
        spec = {**spec, "frames": [_plain(frame) for frame in spec.get("frames") or []]}
        text = plotly.io.json.to_json_plotly(spec)  # escapes "</" for a <script>
        parts.append(
            _FIGURE.format(
                heading=f"<h2>{html.escape(heading)}</h2>" if heading else "",
                div=f"figure-{k}",
                figure=text,
                config=json.dumps({"displaylogo": False, "responsive": True}),
            )
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:1rem 2rem}"
        "h2{font-weight:600;font-size:1.1rem}</style>"
        f"<script>{_PLOTLY_JS.read_text(encoding='utf-8')}</script></head>"
        f"<body><h1>{html.escape(title)}</h1>\n" + "\n".join(parts) + "\n</body></html>"
    )


def _plain(value):
    """`value` with its typed arrays as lists: Plotly.js decodes none inside a frame's 2-D
    ``z`` (contour_raster.js does the same in the app)."""
    if isinstance(value, dict):
        if "bdata" in value and "dtype" in value:
            array = render.decode(value)
            if "shape" in value:
                array = array.reshape([int(n) for n in value["shape"].split(",")])
            return array.tolist()
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def figure_html(fig: go.Figure, title: str) -> str:
    """One figure as a web page that opens offline (`page_html`)."""
    return page_html([("", fig)], title)


# --- animations as GIF or MP4, drawn in worker processes ---------------------------------------

FORMATS = {"gif": "image/gif", "mp4": "video/mp4"}
WORKER_NICENESS = 10
_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool(workers: int) -> ProcessPoolExecutor:
    """The worker processes, started once. "spawn": a fork of a server whose JAX threads are
    running could inherit a held lock and hang; a spawned worker imports only `viz.render`
    (and the server's entry point). The workers run at a lower priority: on a small machine
    an export shares the cores with every student's reruns, and the reruns come first."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._broken:  # a worker that died (killed, out of memory)
            # leaves its pool unusable for good: the next export starts a new one.
            context = multiprocessing.get_context("spawn")
            _POOL = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_lower_priority
            )
        return _POOL


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not on every platform
        os.nice(WORKER_NICENESS)


def start_workers(workers: int = 1) -> None:
    """Start the worker processes now (a no-op job), so that the first export does not wait
    for a process to start: called when a download menu opens."""
    # A pool that broke since the last look: the next call starts a new one.
    with contextlib.suppress(BrokenProcessPool):
        _pool(workers).submit(int)


def animation_file(
    spec: dict, kind: str, size: tuple[int, int], fps: float, frames: int | None, workers: int = 1
) -> bytes:
    """The animated figure `spec` as a GIF or an MP4 (`kind`) of `size` pixels at `fps`
    frames per second, `frames` of its frames (all when None), drawn in a worker process."""
    if kind not in FORMATS:
        raise ValueError(f"unknown animation format {kind!r}: choose one of {sorted(FORMATS)}")
    job = (render.animation_bytes, spec, kind, size, fps, frames)
    try:
        return _pool(workers).submit(*job).result()
    except BrokenProcessPool:  # a worker died before or during the job: once more, in a new pool
        return _pool(workers).submit(*job).result()
