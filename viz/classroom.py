"""The figure of a live poll: how many students chose each answer, the right one marked once
revealed. Counts only, never who voted."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from viz.theme import Look, base_layout

MAX_BARS = 10
_RIGHT = "#2e9d57"
_OTHER = "#7f8ea3"


def number_bins(numbers: Sequence[float]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Predicted numbers grouped for a bar chart: one bar per value when there are at most
    `MAX_BARS` distinct values, else `MAX_BARS` equal bins from the smallest to the largest
    (each bin [a, b) but the last [a, b]). Returns (labels, counts); counts sum to the votes."""
    values = np.asarray(numbers, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (), ()
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size <= MAX_BARS:
        return tuple(f"{v:.6g}" for v in distinct), tuple(int(c) for c in counts)
    counts, edges = np.histogram(values, bins=MAX_BARS, range=(distinct[0], distinct[-1]))
    labels = tuple(f"{a:.3g}–{b:.3g}" for a, b in zip(edges[:-1], edges[1:], strict=True))
    return labels, tuple(int(c) for c in counts)


def poll_figure(
    labels: Sequence[str], counts: Sequence[int] | None, answer: str | None, *, look: Look
) -> go.Figure:
    """Bars of `counts` over `labels`; the bar of `answer` (once revealed) in green."""
    counts = tuple(counts or (0,) * len(labels))
    colors = [_RIGHT if answer is not None and label == answer else _OTHER for label in labels]
    figure = go.Figure(
        go.Bar(
            x=list(labels),
            y=list(counts),
            marker={"color": colors},
            text=[str(c) for c in counts],
            textposition="outside",
            cliponaxis=False,
            hoverinfo="skip",
        )
    )
    top = max(counts, default=0)
    figure.update_layout(
        base_layout(look, margin={"l": 10, "r": 10, "t": 30, "b": 10}),
        height=420 if look.presentation else 280,
        showlegend=False,
        xaxis={"type": "category", "fixedrange": True},
        yaxis={
            "title": "votes",
            "range": [0, max(1, top) * 1.2],
            "fixedrange": True,
            "dtick": max(1, top // 5),
        },  # fmt: skip
    )
    return figure
