"""Benchmark of animation export for slides: where frames are drawn, measured in one run.

    python -m bench.export [--frames 100]

The default playground's animated map (what a student sees first) is exported with
`--frames` frames at the chart's own size (910 × 640):

- server: `viz.render` draws the frames in this process (the background once, the moving
  traces per frame), then Pillow writes the GIF and imageio-ffmpeg's ffmpeg the MP4;
- worker: the same through `app_support.export.animation_file` (a spawned worker process; the
  first call includes starting it), what the page runs;
- browser (the peer): headless Chromium with Plotly.js moves the chart to each frame
  (`Plotly.animate`) and takes `Plotly.toImage` as a PNG, before any GIF or MP4 encoding, which
  is what drawing the frames in the student's browser would cost (Kaleido runs the same
  Plotly.js in a headless Chrome on the server);
- other sessions' reruns: a pure-Python loop (standing for a rerun's own Python work) timed
  alone, while an export runs in the worker, and while one runs in a thread of this process:
  the worker must leave it as fast as alone, a thread would slow it (the interpreter lock).

Target: a 100-frame export ≤ 10 s (worker, warm) and the loop's time with the worker ≈ alone.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright
from streamlit.testing.v1 import AppTest

from app_support.charts import drawn_figures
from app_support.export import animation_file, page_html
from bench import chromium
from viz import render

ROOT = Path(__file__).resolve().parents[1]
SIZE = (910, 640)
ROUNDS = 3


def playground_figure() -> dict:
    at = AppTest.from_file(str(ROOT / "pages" / "playground.py"), default_timeout=300).run()
    return next(f for f in drawn_figures(at) if f.get("frames"))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def browser_frames(spec: dict, frames: int) -> float:
    """Seconds for `frames` frames drawn and taken as PNGs by Plotly.js in Chromium."""
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "figure.html"
        path.write_text(page_html([("", spec)], "bench"))
        browser = chromium.launch(playwright)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(path.as_uri())
        page.wait_for_function(
            "() => document.querySelector('.js-plotly-plot')?._transitionData?._frames?.length"
        )
        seconds = page.evaluate(
            """async ([count, width, height]) => {
              const gd = document.querySelector('.js-plotly-plot');
              const names = gd._transitionData._frames.map((f) => f.name);
              const picked = Array.from({length: count},
                (_, k) => names[Math.round(k * (names.length - 1) / (count - 1))]);
              const start = performance.now();
              for (const name of picked) {
                await Plotly.animate(gd, [name], {mode: 'immediate',
                  frame: {duration: 0, redraw: false}, transition: {duration: 0}});
                await Plotly.toImage(gd, {format: 'png', width, height});
              }
              return (performance.now() - start) / 1000;
            }""",
            [frames, *SIZE],
        )
        browser.close()
        return seconds


def python_loop() -> float:
    """A second of pure-Python work on an idle core, give or take: a rerun's stand-in."""
    start = time.perf_counter()
    total = 0
    for k in range(6_000_000):
        total += k % 7
    return time.perf_counter() - start


def loop_while(job) -> float:
    """The loop's time while `job` runs in a thread of this process (started just before)."""
    thread = threading.Thread(target=job)
    thread.start()
    time.sleep(0.2)
    seconds = python_loop()
    thread.join()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=100)
    args = parser.parse_args()
    n = args.frames
    spec = playground_figure()
    print(f"default playground: {len(spec['frames'])} frames in the chart, exporting {n}")

    draw_s, images = timed(lambda: list(render.render_frames(spec, SIZE, n)))
    gif_s, gif = timed(lambda: render.gif_bytes(images, 15))
    mp4_s, mp4 = timed(lambda: render.mp4_bytes(images, 15))
    print(f"server, in process: frames {draw_s:.2f} s, GIF {gif_s:.2f} s ({len(gif) / 1e6:.2f} MB)")
    print(f"                    MP4 {mp4_s:.2f} s ({len(mp4) / 1e6:.2f} MB)")
    for kind in ("gif", "mp4"):
        first_s, _ = timed(lambda k=kind: animation_file(spec, k, SIZE, 15.0, n))
        warm_s, _ = timed(lambda k=kind: animation_file(spec, k, SIZE, 15.0, n))
        print(f"worker process, {kind.upper()}: first {first_s:.2f} s, warm {warm_s:.2f} s")
    browser_s = browser_frames(spec, n)
    print(f"browser, Plotly.toImage: {browser_s:.2f} s for the {n} PNG frames alone")
    print(f"frames: browser / server = {browser_s / draw_s:.1f}")

    # Interleaved rounds (alone, worker, thread) for each format; medians over the rounds.
    times: dict[str, list[float]] = {"alone": [], "worker": [], "thread": []}
    for _ in range(ROUNDS):
        for kind in ("gif", "mp4"):
            times["alone"].append(python_loop())
            times["worker"].append(
                loop_while(lambda k=kind: animation_file(spec, k, SIZE, 15.0, n))
            )
            times["thread"].append(
                loop_while(lambda k=kind: render.animation_bytes(spec, k, SIZE, 15.0, n))
            )
    alone, worker, thread = (statistics.median(times[k]) for k in ("alone", "worker", "thread"))
    print(
        f"a rerun's Python work (median of {2 * ROUNDS}): alone {alone:.2f} s, beside an "
        f"export in the worker {worker:.2f} s ({worker / alone:.2f}×), beside one in a "
        f"thread {thread:.2f} s ({thread / alone:.2f}×)"
    )


if __name__ == "__main__":
    main()
