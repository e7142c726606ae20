"""How fast the pages answer: `python -m bench.pages` (a benchmark, not a test).

Each page of the app's navigation (each of its views in `VIEWS`) is driven through Streamlit's
AppTest at its default settings (or the query parameters given), and this prints, per page:

* first run: the first script run in a fresh process (JAX compilations included);
* rerun p50 / p95: one script run after a slider moved, over every slider of the page, each
  moved to values it has not had before (so no cached result is reused), after one warm-up
  move per slider; AppTest's own overhead is included;
* compiles when warm: XLA compilations during those measured reruns (counted through
  `jax.monitoring`'s backend-compile event) — should be 0;
* payload: bytes of figure JSON the page sends (all its charts, `app_support.charts`).

A running server compiles each page script once (its `Runtime` holds one `ScriptCache`), but
AppTest makes a fresh cache for every run, which would add the parse and compile of the whole
page (20-80 ms) to each measured rerun; `_share_script_cache` gives AppTest one cache, so the
numbers are what a server spends.

Targets on the 2-core dev machine: rerun p50 ≤ 60 ms (≤ 100 ms for the network pages), 0
compiles when warm, payload ≤ 600 kB. A new page is measured as soon as it is in the
navigation; if it has views (tabs), add them to `VIEWS`.

    python -m bench.pages                 # every page and view
    python -m bench.pages saddles momentum    # the benches whose name starts with these
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import NamedTuple

import jax
from streamlit.testing.v1 import AppTest

from app_support import navigation

ROOT = Path(__file__).resolve().parents[1]
MOVES_PER_SLIDER = 4


class PageBench(NamedTuple):
    name: str
    script: str  # relative to the repository root
    params: dict[str, str] = {}


# The views of each page that has several (the URL setting that opens them, its values): only
# the open view computes, so each is measured on its own. A page of the app's navigation that
# is not listed here is measured at its default settings (tests/unit/test_bench_pages.py
# checks that every name here is a page of the navigation).
VIEWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "saddles": ("tab", ("points", "basins", "escape", "random", "counting", "quiz", "minima")),
    "momentum": ("view", ("slope", "ravine", "sweep", "map", "eigen", "quiz")),
    "minibatches": ("view", ("surfaces", "sgd", "noise", "optimizers", "adam", "examples")),
    "regularization": ("view", ("paths", "shrink", "steps", "early", "clip")),
    "permutation": ("tab", ("teacher", "merge", "line", "critical", "regions")),
    "networks": ("tab", ("training", "spectrum", "weights", "exploding")),
    "backprop": ("tab", ("step", "check", "slowdown", "deep", "quiz")),
    "depth": ("tab", ("count", "xor", "local", "deep", "nfl")),
    "generalization": (
        "tab",
        ("dropout", "augment", "normalize", "batchnorm", "early", "decay", "quiz"),
    ),
    "adaptive": ("tab", ("bias", "adagrad", "quiz")),
}

# Settings worth measuring beyond the views: the heaviest common lecture moments.
MOMENTS: tuple[PageBench, ...] = (
    PageBench(
        "playground: Beale, 6 optimizers",
        "pages/playground.py",
        {
            "preset": "beale",
            "surface": "beale",
            "x0": "1",
            "y0": "1.5",
            "steps": "300",
            "opt": "gd,momentum,nesterov,adagrad,rmsprop,adam",
        },
    ),
    PageBench(
        "saddles: points, tilt of two minima",
        "pages/saddles.py",
        {"tab": "points", "surface": "two_minima"},
    ),
    PageBench(
        "saddles: points, Rosenbrock's a, b",
        "pages/saddles.py",
        {"tab": "points", "surface": "rosenbrock"},
    ),
)


def page_benches() -> tuple[PageBench, ...]:
    """Every page of the app's navigation (`app_support.navigation.PAGES`): each of its views,
    or its default settings; then the lecture moments."""
    benches = []
    for info in navigation.PAGES:
        page = Path(info.path).stem
        if page in VIEWS:
            key, views = VIEWS[page]
            benches += [PageBench(f"{page}: {view}", info.path, {key: view}) for view in views]
        else:
            benches.append(PageBench(page, info.path))
    return (*benches, *MOMENTS)


def _share_script_cache() -> None:
    """Let every AppTest run reuse one compiled copy of each script, as a server does."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


class CompileCounter:
    """Counts XLA backend compilations (jax.monitoring event) while `active`."""

    def __init__(self):
        self.count, self.active = 0, False
        jax.monitoring.register_event_duration_secs_listener(self._on_event)

    def _on_event(self, event: str, duration: float, **kwargs) -> None:
        if self.active and "backend_compile" in event:
            self.count += 1


def _sliders(at: AppTest) -> list:
    return [w for w in [*at.select_slider, *at.slider] if w.key and not w.disabled]


def _new_values(w, moves: int) -> list:
    """`moves` values next to the slider's current one, never visited before in this run."""
    if type(w).__name__ == "SelectSlider":
        options = [float(o) if _is_number(o) else o for o in w.options]
        start = options.index(w.value)
        up = options[start + 1 : start + 1 + moves]
        down = options[max(0, start - moves + len(up)) : start][::-1]
        return (up + down)[:moves]
    step = w.step or (w.max - w.min) / 100
    values = [w.value + k * step for k in range(1, moves + 1) if w.value + k * step <= w.max]
    values += [w.value - k * step for k in range(1, moves + 1) if w.value - k * step >= w.min]
    return values[:moves]


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _payload(at: AppTest) -> int:
    return sum(len(chart.proto.bytes) for chart in at.get("bidi_component"))


def _timed_run(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"page raised: {[e.value for e in at.exception]}")
    return elapsed


def bench_page(page: PageBench, counter: CompileCounter) -> dict:
    at = AppTest.from_file(str(ROOT / page.script), default_timeout=600)
    for key, value in page.params.items():
        at.query_params[key] = value
    first = _timed_run(at)
    payload = _payload(at)
    reruns, per_slider = [], {}
    for key in [w.key for w in _sliders(at)]:
        widget = next(w for w in _sliders(at) if w.key == key)
        values = _new_values(widget, MOVES_PER_SLIDER + 1)
        if len(values) < 2:
            continue
        next(w for w in _sliders(at) if w.key == key).set_value(values[0])
        _timed_run(at)  # warm-up: whatever this slider compiles, it compiles now
        counter.active = True
        times = []
        for value in values[1:]:
            target = next((w for w in _sliders(at) if w.key == key), None)
            if target is None:  # the move hid its own slider (e.g. a schedule option)
                break
            target.set_value(value)
            times.append(_timed_run(at))
        counter.active = False
        per_slider[key] = statistics.median(times) if times else float("nan")
        reruns += times
    return {"first": first, "reruns": reruns, "per_slider": per_slider, "payload": payload}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    _share_script_cache()
    counter = CompileCounter()
    print(
        f"{'page':38s} {'first run':>10s} {'rerun p50':>10s} {'rerun p95':>10s} "
        f"{'compiles':>9s} {'payload':>10s}"
    )
    details = []
    benches = page_benches()
    chosen = [p for p in benches if not sys.argv[1:] or p.name.startswith(tuple(sys.argv[1:]))]
    for page in chosen:
        before = counter.count
        result = bench_page(page, counter)
        compiles = counter.count - before
        reruns = result["reruns"]
        if not reruns:
            print(f"{page.name:38s} {result['first']:9.2f}s  (no slider to move)", flush=True)
            continue
        print(
            f"{page.name:38s} {result['first']:9.2f}s "
            f"{1000 * _percentile(reruns, 0.5):8.0f}ms {1000 * _percentile(reruns, 0.95):8.0f}ms "
            f"{compiles:9d} {result['payload'] / 1000:8.0f}kB",
            flush=True,
        )
        details.append((page.name, result["per_slider"]))
    print("\nrerun p50 per slider (ms):")
    for name, per_slider in details:
        print(f"  {name}")
        for key, seconds in per_slider.items():
            print(f"    {key:44s} {1000 * seconds:6.0f}")


if __name__ == "__main__":
    main()
