"""Text alternatives for charts: what a chart shows and its key numbers, in one sentence or
two, for a screen reader (`plotly_chart(alt=...)` puts it on the chart as its accessible name).

Pure string building: the numbers come from the core (a page passes them in, the values it
shows, formatted as it shows them), and a chart that gets no text of its own is described from
its figure's own labels (`describe_figure`). One function per kind of chart: `arrivals` (runs
racing to a goal), `values` (a value per curve or bar), `train_test` (training against test),
`best` (a curve's lowest point), `extremes` (a spectrum's range), `rows` (the table under a
chart), `listed` (the metrics beside it), `tally` (a poll's votes), `count`; `chart` joins
what a chart shows and these sentences. A diverged value (NaN) reads "not a number
(diverged)".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

_TAGS = re.compile(r"<[^>]+>")
# A hyphen that is a number's minus sign (a screen reader reads "−" as "minus"): before a digit,
# after a space, "(", "=" or the start, or after a mantissa's "e" (1e-05); not in "2-3-2".
_MINUS = re.compile(r"(?:(?<=^)|(?<=[\s(=])|(?<=\de))-(?=\d)")


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


def number(value: float, digits: int = 3) -> str:
    """A number as the page shows it (`digits` significant figures, a true minus sign); a
    diverged value (NaN) reads "not a number (diverged)", an infinite one "∞"."""
    value = float(value)
    if math.isnan(value):
        return "not a number (diverged)"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    return f"{value:.{digits}g}".replace("-", "−")


def percent(fraction: float) -> str:
    """A fraction as a whole percentage, as the pages' metrics show it: 0.875 -> "88%"."""
    fraction = float(fraction)
    return f"{fraction:.0%}" if math.isfinite(fraction) else number(fraction)


def chart(what: str, *sentences: str) -> str:
    """A chart's text alternative: what it shows, then its sentences with the numbers (empty
    ones left out), numbers' minus signs as "−". E.g. chart("Loss against step", "Final loss
    0.12.") -> "Loss against step: Final loss 0.12."."""
    head = what.rstrip(".: ")
    body = " ".join(s for s in sentences if s)
    return _MINUS.sub("−", f"{head}: {body}" if body else f"{head}.")


def values(label: str, pairs: Sequence[tuple[str, float]], digits: int = 3) -> str:
    """One sentence naming a value per curve or bar, in the chart's order: `label` then each
    (name, value). E.g. values("Final loss", [("batch 1", 0.52), ("batch 64", 0.031)]) ->
    "Final loss: batch 1 0.52, batch 64 0.031."; no pairs: ""."""
    if not pairs:
        return ""
    return f"{label}: " + ", ".join(f"{name} {number(v, digits)}" for name, v in pairs) + "."


def train_test(
    step: int | None, train: float, test: float, measure: str = "loss", digits: int = 3
) -> str:
    """Training against test error at one step (None: at the end), as the page's metrics show
    it; `measure` "accuracy" prints percentages. E.g. "At step 200 the training loss is 0.12,
    the test loss 0.3."."""
    shown = percent if measure == "accuracy" else (lambda v: number(v, digits))
    when = "At the end" if step is None else f"At step {step}"
    return f"{when} the training {measure} is {shown(train)}, the test {measure} {shown(test)}."


def best(label: str, steps: Sequence[float], series: Sequence[float], unit: str = "step") -> str:
    """Where a curve is lowest (the early-stopping point): "The validation loss is lowest,
    0.21, at epoch 35.". NaNs (a diverged stretch) are skipped; no finite value: ""."""
    finite = [(float(v), s) for s, v in zip(steps, series, strict=True) if math.isfinite(v)]
    if not finite:
        return ""
    value, step = min(finite, key=lambda pair: pair[0])
    return f"The {label} is lowest, {number(value)}, at {unit} {step:.0f}."


def extremes(label: str, series: Sequence[float], digits: int = 3) -> str:
    """The range of a set of values (a spectrum's extreme eigenvalues): "Eigenvalues from
    −0.31 to 12.5 (24 values).". NaNs are left out and counted; empty: "No eigenvalues."."""
    finite = [float(v) for v in series if math.isfinite(v)]
    dropped = len(series) - len(finite)
    if not finite:
        return f"No {label.lower()}."
    text = f"{label} from {number(min(finite), digits)} to {number(max(finite), digits)}"
    text += f" ({len(finite)} value{'' if len(finite) == 1 else 's'}"
    return text + (f", {dropped} not a number)." if dropped else ").")


def count(value: float, noun: str, plural: str | None = None) -> str:
    """A count with its noun: count(1, "region") -> "1 region", count(7, "region") -> "7
    regions"."""
    value = int(value)
    return f"{value:,} " + (noun if value == 1 else plural or noun + "s")


def rows(table: Sequence[Mapping[str, str]], name: str, columns: Sequence[str]) -> str:
    """A table's rows as the page shows them, one clause per row: each row's `name` then its
    `columns` with their headers. E.g. "unclipped: longest step 41.2, final loss 3.1;
    clipped by norm: longest step 0.1, final loss 0.02."; no rows: ""."""
    clauses = [
        f"{row[name]}: " + ", ".join(f"{column} {row[column]}" for column in columns)
        for row in table
    ]
    return "; ".join(clauses) + "." if clauses else ""


def listed(pairs: Sequence[tuple]) -> str:
    """The numbers a page shows next to a chart (its metrics: (label, value as shown, ...)),
    in one sentence: "Counted exactly: 22; Closed form: 22."; none: ""."""
    return "; ".join(f"{label}: {value}" for label, value, *_ in pairs) + "." if pairs else ""


def tally(labels: Sequence[str], counts: Sequence[int] | None, answer: str | None = None) -> str:
    """Bars of counts (a poll's votes): the total, then each bar's count in order and, once
    revealed, the answer. E.g. "3 votes: yes 2, no 1. The answer: yes."."""
    counts = tuple(counts or (0,) * len(labels))
    text = f"{count(sum(counts), 'vote')}: " + ", ".join(
        f"{label} {n:,}" for label, n in zip(labels, counts, strict=True)
    )
    return text + "." + (f" The answer: {answer}." if answer is not None else "")
