"""Text alternatives for charts: what a chart shows and its key numbers, in one sentence or
two, for a screen reader (`plotly_chart(alt=...)` puts it on the chart as its accessible name).

Pure string building: the numbers come from the core (a page passes them in), and a chart
that gets no text of its own is described from its figure's own labels (`describe_figure`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

_TAGS = re.compile(r"<[^>]+>")


def _plain(text) -> str:
    """A Plotly label as plain text: its HTML tags dropped, white space collapsed."""
    if isinstance(text, Mapping):
        text = text.get("text", "")
    return " ".join(_TAGS.sub(" ", str(text or "")).split())


def describe_figure(spec: Mapping) -> str:
    """What a figure shows, read from its labels: its title, its axes' titles and the names of
    its legend entries. E.g. "Chart of loss against step: Gradient descent, Momentum"."""
    layout = spec.get("layout", {}) or {}
    title = _plain(layout.get("title"))
    axes = []
    for key in sorted(layout):
        if re.fullmatch(r"[xy]axis\d*", key) and isinstance(layout[key], Mapping):
            axis_title = _plain(layout[key].get("title"))
            if axis_title:
                axes.append((key[0], axis_title))
    scene = layout.get("scene") or {}
    for letter in "xyz":
        axis_title = _plain((scene.get(f"{letter}axis") or {}).get("title"))
        if axis_title:
            axes.append((letter, axis_title))
    y_titles = list(dict.fromkeys(t for letter, t in axes if letter in "yz"))
    x_titles = list(dict.fromkeys(t for letter, t in axes if letter == "x"))
    names = []
    for trace in spec.get("data", []):
        if trace.get("showlegend", True) is not False and trace.get("name"):
            name = _plain(trace["name"])
            if name and name not in names:
                names.append(name)
    what = title or "Chart"
    if y_titles and x_titles:
        what += f" of {' and '.join(y_titles)} against {' and '.join(x_titles)}"
    elif y_titles or x_titles:
        what += f" of {' and '.join(y_titles or x_titles)}"
    return f"{what}: {', '.join(names)}." if names else f"{what}."


def _steps(count: float) -> str:
    return f"{count:.0f} step" + ("" if count == 1 else "s")


def arrivals(runs: Sequence[tuple[str, float]], goal: str, budget: int) -> str:
    """One sentence on when each run got to `goal`, fastest first: `runs` are (title, steps),
    steps ∞ (or NaN, for a run that diverged) when it did not get there within `budget`.
    E.g. "Momentum reaches 1 % after 82 steps, Gradient descent after 766."."""
    arrived = sorted((steps, title) for title, steps in runs if math.isfinite(steps))
    missed = [title for title, steps in runs if not math.isfinite(steps)]
    parts = [
        f"{title} reaches {goal} after {_steps(steps)}" if k == 0 else f"{title} after {steps:.0f}"
        for k, (steps, title) in enumerate(arrived)
    ]
    if missed:
        verb = "does" if len(missed) == 1 else "do"
        parts.append(f"{' and '.join(missed)} {verb} not reach {goal} within {_steps(budget)}")
    return "; ".join([", ".join(parts[: len(arrived)]), *parts[len(arrived) :]]).strip("; ") + "."
