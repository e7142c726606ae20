"""A hyperparameter's single definition: keyword name, lecture symbol, default, UI range, domain.

The UI builds its sliders from these records, the runner validates values against them, and the
URL state uses them to reject out-of-range deep links: one definition, three uses.
"""

from __future__ import annotations

import math
from typing import NamedTuple

# Where a value is mathematically meaningful (the slider range is narrower: `low`..`high`).
DOMAINS = {
    "positive": (lambda v: v > 0, "> 0"),
    "nonnegative": (lambda v: v >= 0, "≥ 0"),
    "unit": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "open_unit": (lambda v: 0 < v < 1, "in (0, 1)"),
    "count": (lambda v: v >= 1, "≥ 1"),
    "finite": (lambda v: True, "finite"),
}


class Hyper(NamedTuple):
    """One hyperparameter. `symbol` is the lecture's (shown in the UI); `name` is the keyword."""

    name: str
    symbol: str
    default: float
    low: float
    high: float
    log: bool = False
    domain: str = "positive"
    help: str = ""

    def check(self, value: float) -> float:
        """Return `value` as a float, or raise ValueError naming the valid range."""
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{self.name} ({self.symbol}) must be a number, got {value!r}"
            ) from None
        ok, text = DOMAINS[self.domain]
        if not math.isfinite(value) or not ok(value):
            raise ValueError(f"{self.name} ({self.symbol}) must be finite and {text}, got {value}")
        return value


def check_all(hypers: tuple[Hyper, ...], given: dict, what: str) -> dict[str, float]:
    """Defaults overridden by `given`; unknown names raise ValueError listing the valid ones."""
    known = {h.name: h for h in hypers}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; valid: {sorted(known) or 'none'}")
    return {h.name: h.check(given.get(h.name, h.default)) for h in hypers}
