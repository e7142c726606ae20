"""The most expensive deep link of every view: `python -m bench.heavy_links` (a benchmark).

A deep link sets every setting of a page, and each value is checked only against its
setting's range, so the most expensive link a student can craft puts every number at the top
of its range: for each view of `bench.pages.page_benches()` this opens the view, reads the
settings it declared (`PageState`'s record in session state), and builds the link that asks
for the most: numbers and numeric choices at their largest, every item of a multiple choice
(up to its limit), every option on, other choices at their default unless `HEAVIER` names a
costlier one. It then runs that link once in a fresh AppTest of this process (the results are not
cached yet: a student with a new seed pays as much) and prints, per view:

* first: the link's first run (compilations of new shapes included), after one run of the
  view at its defaults with the same `HEAVIER` choices (a typed formula included), which
  reads the settings and may already have compiled some of the programs the link needs;
* again: the same link in a fresh AppTest with every cached result dropped (the compiled
  programs kept): what a replica that compiled them pays for it, say with a new seed;
* largest and total figure message: bytes of the largest chart the run sends
  (`app_support.charts` sends one message per chart) and of all of them;
* of the limit: the largest message as a share of `server.maxMessageSize`
  (.streamlit/config.toml); a message over it would not reach the browser (OVER);
* the notes the page showed about reduced work (`st.info` from `app_support.budget`);
* the link itself.

    python -m bench.heavy_links                  # every view
    python -m bench.heavy_links networks saddles  # the views whose name starts with these
"""

from __future__ import annotations

import contextlib
import sys
import time
from urllib.parse import urlencode

from streamlit.testing.v1 import AppTest

from bench.pages import ROOT, PageBench, _share_script_cache, page_benches

TIMEOUT = 600
# Choices that cost more than their default (a setting's name, or "page:name").
HEAVIER: dict[str, str] = {
    "networks:method": "lanczos",
    "networks:data": "spirals",
    "playground:surface": "formula",
    "saddles:surface": "formula",
}


# Settings left at their default: a typed surface's box (its corners cannot all be largest).
KEEP_DEFAULT = ("xmin", "xmax", "ymin", "ymax")
# Charts sent without their animation's frames until ▶ Play asks (the largest message then).
FRAMES_ON_REQUEST = {"networks": "networks.chart.boundary"}


# A text setting's costliest value: the longest program the formula parser accepts.
def _long_formula(limit: int = 300) -> str:
    terms = [f"sin({k}*x)*cos({k}*y)+tanh(x*y/{k})" for k in range(1, 30)]
    text = terms[0]
    for term in terms[1:]:
        if len(text) + 1 + len(term) > limit:
            break
        text += "+" + term
    return text


LONG_FORMULA = _long_formula()


def _largest(setting) -> str | None:
    """The URL value of `setting` that asks for the most work (None: leave the default)."""
    kind = setting.kind
    if kind in ("float", "int"):
        options = setting.options()
        top = options[-1] if options else setting.high
        return setting.encode(int(top) if kind == "int" else float(top))[0]
    if kind == "choice":
        numeric = [c for c in setting.choices if _is_number(c)]
        if numeric and len(numeric) == len(setting.choices):
            return max(numeric, key=float)
        return None
    if kind == "bool":  # an option that adds to a view (internals, a cloud of seeds)
        return "1"
    if kind == "multichoice":
        chosen = setting.choices[: setting.max_items or len(setting.choices)]
        return ",".join(chosen)
    return None


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def declared_settings(at: AppTest, page: str) -> dict:
    return dict(at.session_state[f"_urlstate.{page}.settings"])


def heaviest_params(bench: PageBench) -> dict[str, str]:
    """The view's own parameters plus every declared setting at its costliest value."""
    page = bench.script.split("/")[-1].removesuffix(".py")
    params = dict(bench.params)
    for name, value in HEAVIER.items():
        owner, _, setting = name.rpartition(":")
        if owner in ("", page):
            params.setdefault(setting, value)
    if params.get("surface") == "formula":
        params.setdefault("f", LONG_FORMULA)
    at = AppTest.from_file(str(ROOT / bench.script), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    for name, setting in declared_settings(at, page).items():
        if name in params or name in ("tab", "view", "preset", "present", *KEEP_DEFAULT):
            continue
        value = _largest(setting)
        if value is not None:
            params[name] = value
    return params


def _asks_for_frames(at: AppTest) -> bool:
    return any(
        b'"framesOnRequest": true' in chart.proto.bytes for chart in at.get("bidi_component")
    )


def measure(bench: PageBench, params: dict[str, str]) -> dict:
    page = bench.script.split("/")[-1].removesuffix(".py")
    at = AppTest.from_file(str(ROOT / bench.script), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    start = time.perf_counter()
    try:
        at.run()
        error = "; ".join(str(e.value)[:200] for e in at.exception)
    except RuntimeError as timeout:
        error = str(timeout)[:200]
    seconds = time.perf_counter() - start
    sizes = [len(chart.proto.bytes) for chart in at.get("bidi_component")]
    if not error and FRAMES_ON_REQUEST.get(page) and _asks_for_frames(at):
        at.session_state[FRAMES_ON_REQUEST[page]] = {"frames": {"play": True, "at": 1}}
        at.run()  # ▶ Play's rerun: the chart's frames are sent now
        sizes += [len(chart.proto.bytes) for chart in at.get("bidi_component")]
    return {
        "seconds": seconds,
        "largest": max(sizes, default=0),
        "total": sum(sizes),
        "notes": [i.value for i in at.info if "more work" in i.value or "would cost" in i.value],
        "warnings": [w.value for w in at.warning],
        "error": error,
    }


def measure_again(bench: PageBench, params: dict[str, str]) -> float:
    """The same link once more with every cached result dropped but the compiled programs
    kept: what the link costs a replica that has served it before (a new seed, say)."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / bench.script), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    start = time.perf_counter()
    with contextlib.suppress(RuntimeError):  # a timeout: the seconds still say it
        at.run()
    return time.perf_counter() - start


def max_message_bytes() -> int:
    """`server.maxMessageSize` of .streamlit/config.toml, in bytes (Streamlit counts MB)."""
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    return int(config["server"]["maxMessageSize"] * 1e6)


def main() -> None:
    sys.path.insert(0, str(ROOT))
    _share_script_cache()
    chosen = [
        p for p in page_benches() if not sys.argv[1:] or p.name.startswith(tuple(sys.argv[1:]))
    ]
    limit = max_message_bytes()
    print(
        f"{'view':38s} {'first':>7s} {'again':>7s} {'largest':>9s} {'total':>9s} "
        f"{'of limit':>8s}  link",
        flush=True,
    )
    for bench in chosen:
        params = heaviest_params(bench)
        result = measure(bench, params)
        again = measure_again(bench, params) if not result["error"] else float("nan")
        link = f"/{bench.script.split('/')[-1].removesuffix('.py')}?{urlencode(params)}"
        print(
            f"{bench.name:38s} {result['seconds']:6.1f}s {again:6.1f}s "
            f"{result['largest'] / 1e3:7.0f}kB {result['total'] / 1e3:7.0f}kB "
            f"{result['largest'] / limit:7.1%}{'!' if result['largest'] > limit else ' '} "
            f"{link}",
            flush=True,
        )
        for line in result["notes"] + result["warnings"]:
            print(f"{'':40s}note: {line[:160]}", flush=True)
        if result["largest"] > limit:
            print(f"{'':40s}OVER server.maxMessageSize ({limit / 1e6:.0f} MB)", flush=True)
        if result["error"]:
            print(f"{'':40s}ERROR: {result['error']}", flush=True)


if __name__ == "__main__":
    main()
