"""Downloads: trajectories as CSV, a figure as a standalone HTML file (animation included).

PNG export is Plotly's own (the camera icon in each figure's toolbar). The HTML file loads
plotly.js from its CDN, so it is small and opens in any browser with an internet connection.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence

import plotly.graph_objects as go

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


def figure_html(fig: go.Figure, title: str) -> str:
    """The figure as a standalone web page (plotly.js from the CDN), its Play button working."""
    return fig.to_html(
        include_plotlyjs="cdn",
        full_html=True,
        auto_play=False,
        div_id="loss-landscape-lab",
        config={"displaylogo": False},
        default_width="100%",
    ).replace("<head>", f"<head><title>{html.escape(title)}</title>", 1)
