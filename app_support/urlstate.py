"""Deep links: every setting of a page lives in the URL, and opening the URL reproduces the page.

A page declares each setting once, as a `Setting` (name, kind, default, range or choices), and
asks its `PageState` for the widget:

    state = PageState("playground")
    steps = state.widget(Setting.integer("steps", "Steps", 200, 10, 2000, step=10))
    ...
    state.finish()          # last line of the page: writes the settings into the URL

How values flow:

* When the URL is new to this session (first load, a link from the home page, a preset button
  that rewrote the URL, the browser's back button), each widget starts from the URL's value.
  A value that cannot be used (not a number, out of range, an unknown choice, too long, a
  script tag) is replaced by the setting's default and a `st.warning` at the top of the page
  says so; nothing raises. Unknown parameters are dropped with a notice too.
* Otherwise the widgets are authoritative: `finish()` writes the values that differ from their
  defaults into the URL (so a plain page has a plain URL) and remembers what it wrote.
* A widget that appears later (an optimizer added to the selection) starts from its default;
  a widget whose state no longer fits its setting (the start point after the surface, and so
  its box, changed) is reset to the default.

Widgets get the key ``"<page>.<name>"`` (stable, for browser tests). Helpers for callbacks:
`PageState.reset(names)` (back to defaults on the next run), `load_url(params)` (replace the
URL, e.g. a preset; the next run reloads every widget from it).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import streamlit as st

MAX_TEXT = 300  # longest text value accepted from a URL
_SHOWN = 40  # characters of a rejected value repeated in a notice

# Mantissas of the log-scale sliders: ~10 values per decade, all easy to read and to say aloud.
_LOG_MANTISSAS = (1.0, 1.2, 1.5, 1.8, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
# Decay-type hyperparameters (α, ρ, ρ₁, ρ₂) matter by how close they are to 1.
_DECAY_VALUES = (
    0.0,
    0.1,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.85,
    0.9,
    0.95,
    0.98,
    0.99,
    0.995,
    0.998,
    0.999,
    0.9995,
    0.9999,
    0.99999,
)


@functools.lru_cache(maxsize=1024)  # a page asks for the same few grids on every rerun
def log_grid(low: float, high: float, must_have: float | None = None) -> tuple[float, ...]:
    """Readable values from `low` to `high` (both kept), ~10 per decade, plus `must_have`."""
    values = {float(low), float(high)}
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        for m in _LOG_MANTISSAS:
            v = float(f"{m * 10.0**exponent:.6g}")
            if low <= v <= high:
                values.add(v)
    if must_have is not None and low <= must_have <= high:
        values.add(float(must_have))
    return tuple(sorted(values))


def decay_grid(low: float, high: float, must_have: float | None = None) -> tuple[float, ...]:
    """0, 0.1, … 0.9, 0.95, 0.99, 0.999 … within [low, high], plus `must_have`."""
    values = {v for v in _DECAY_VALUES if low <= v <= high}
    if must_have is not None and low <= must_have <= high:
        values.add(float(must_have))
    return tuple(sorted(values))


def format_number(value: float) -> str:
    """Short, exact-enough text for a number: the URL form and the slider label."""
    return f"{value:.6g}"


def _nice_step(low: float, high: float) -> float:
    return 10.0 ** math.floor(math.log10((high - low) / 100.0))


@dataclass(frozen=True)
class Setting:
    """One setting of a page: how to read it from a URL, validate it and show it as a widget.

    kind: "float" (scale "linear", "log" or "decay"), "int", "choice", "multichoice", "bool",
    "text". `widget` picks another widget for the kind ("number" for a number input, "radio",
    "segmented" for choices). `labels` maps choices to what the user reads.
    """

    name: str
    label: str
    kind: str
    default: Any
    low: float | None = None
    high: float | None = None
    scale: str = "linear"
    step: float | None = None
    choices: tuple = ()
    labels: Mapping[Any, str] | None = None
    widget: str | None = None
    help: str | None = None
    max_items: int | None = None
    max_length: int = MAX_TEXT

    # --- constructors -----------------------------------------------------------------

    @classmethod
    def number(
        cls, name, label, default, low, high, *, scale="linear", step=None, widget=None, help=None
    ) -> Setting:
        return cls(
            name,
            label,
            "float",
            float(default),
            float(low),
            float(high),
            scale=scale,
            step=None if step is None else float(step),  # st.slider wants one number type
            widget=widget,
            help=help,
        )

    @classmethod
    def integer(cls, name, label, default, low, high, *, step=1, widget=None, help=None) -> Setting:
        return cls(
            name,
            label,
            "int",
            int(default),
            int(low),
            int(high),
            step=step,
            widget=widget,
            help=help,
        )

    @classmethod
    def choice(
        cls, name, label, default, choices, *, labels=None, widget=None, help=None
    ) -> Setting:
        return cls(
            name,
            label,
            "choice",
            default,
            choices=tuple(choices),
            labels=labels,
            widget=widget,
            help=help,
        )

    @classmethod
    def multichoice(
        cls, name, label, default, choices, *, labels=None, max_items=None, help=None
    ) -> Setting:
        return cls(
            name,
            label,
            "multichoice",
            tuple(default),
            choices=tuple(choices),
            labels=labels,
            max_items=max_items,
            help=help,
        )

    @classmethod
    def flag(cls, name, label, default=False, *, help=None) -> Setting:
        return cls(name, label, "bool", bool(default), help=help)

    @classmethod
    def text(cls, name, label, default="", *, max_length=MAX_TEXT, help=None) -> Setting:
        return cls(name, label, "text", str(default), max_length=max_length, help=help)

    @classmethod
    def from_hyper(cls, hyper, prefix: str = "") -> Setting:
        """A slider setting from a core `Hyper` (name, lecture symbol, default, range, log):
        log scale for learning rates and δ, a decay scale for α, ρ, ρ₁, ρ₂."""
        name = f"{prefix}{hyper.name}"
        label = f"{hyper.symbol} — {hyper.help}" if hyper.help else hyper.symbol
        if hyper.domain == "count" and not hyper.log:
            return cls.integer(
                name,
                label,
                hyper.default,
                hyper.low,
                hyper.high,
                widget="number",
                help=hyper.help or None,
            )
        if hyper.log:
            scale = "log"
        elif hyper.domain in ("unit", "open_unit") and hyper.high >= 0.99:
            scale = "decay"
        else:
            scale = "linear"
        return cls.number(
            name, label, hyper.default, hyper.low, hyper.high, scale=scale, help=hyper.help or None
        )

    # --- values -------------------------------------------------------------------------

    def options(self) -> tuple | None:
        """The values a select-slider offers (log and decay scales), else None."""
        if self.kind != "float" or self.widget == "number":
            return None
        if self.scale == "log":
            return log_grid(self.low, self.high, self.default)
        if self.scale == "decay":
            return decay_grid(self.low, self.high, self.default)
        return None

    def describe(self, value) -> str:
        """A value as the user reads it (a list of choices joined by commas)."""
        if self.kind == "multichoice":
            return ", ".join(self.label_of(v) for v in value) or "none"
        if self.kind == "bool":
            return "on" if value else "off"
        return self.label_of(value)

    def label_of(self, value) -> str:
        if self.labels is not None and value in self.labels:
            return self.labels[value]
        if isinstance(value, float):
            return format_number(value)
        return str(value)

    def parse(self, raw: list[str]):
        """The value a URL parameter stands for; ValueError saying why it cannot be used."""
        if self.kind == "multichoice":
            items = [item for text in raw for item in text.split(",") if item]
            unknown = [item for item in items if item not in self.choices]
            if unknown:
                raise ValueError(f"unknown choice {_shown(unknown[0])}")
            chosen = tuple(dict.fromkeys(items))
            if self.max_items is not None and len(chosen) > self.max_items:
                raise ValueError(f"at most {self.max_items} may be chosen")
            return chosen
        if len(raw) != 1:
            raise ValueError("given more than once")
        text = raw[0]
        if self.kind == "text":
            if len(text) > self.max_length:
                raise ValueError(f"longer than {self.max_length} characters")
            if any(not ch.isprintable() for ch in text):
                raise ValueError("contains control characters")
            return text
        if self.kind == "choice":
            if text not in self.choices:
                raise ValueError(f"unknown choice {_shown(text)}")
            return text
        if self.kind == "bool":
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(f"{_shown(text)} is not on/off")
        if len(text) > 40:
            raise ValueError("not a number")
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"{_shown(text)} is not a number") from None
        if not math.isfinite(number):
            raise ValueError(f"{_shown(text)} is not a finite number")
        if not self.low <= number <= self.high:
            raise ValueError(
                f"{format_number(number)} is outside "
                f"[{format_number(self.low)}, {format_number(self.high)}]"
            )
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{_shown(text)} is not a whole number")
            return int(number)
        return self.snap(number)

    def snap(self, value: float) -> float:
        """The nearest value a select-slider offers (log distance; distance to 1 for decays)."""
        options = self.options()
        if options is None:
            return float(value)
        grid = np.asarray(options)
        if self.scale == "log":
            distance = np.abs(np.log(grid) - np.log(value))
        else:
            distance = np.abs(
                np.log1p(-np.minimum(grid, 1 - 1e-12)) - np.log1p(-min(value, 1 - 1e-12))
            )
        return float(grid[int(np.argmin(distance))])

    def fits(self, value) -> bool:
        """Whether a widget value (from session state) is valid for this setting now."""
        if self.kind in ("float", "int"):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not ok or not self.low <= value <= self.high:
                return False
            options = self.options()
            return options is None or value in options
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "multichoice":
            return isinstance(value, (list, tuple)) and all(v in self.choices for v in value)
        if self.kind == "bool":
            return isinstance(value, bool)
        return isinstance(value, str) and len(value) <= self.max_length

    def encode(self, value) -> list[str]:
        """The URL form of a value (inverse of `parse`)."""
        if self.kind == "multichoice":
            return [",".join(value)]
        if self.kind == "bool":
            return ["1" if value else "0"]
        if self.kind == "float":
            return [format_number(value)]
        return [str(value)]

    def is_default(self, value) -> bool:
        return self.encode(value) == self.encode(self.default)


def _shown(text) -> str:
    """A rejected value as inert text inside a Markdown notice: shortened, on one line, in
    quotes, every ASCII punctuation mark backslash-escaped (CommonMark: an escaped mark is
    literal) so that no link, image, code span, emphasis, HTML or formula (``$``) can start
    inside it, and a zero-width space after each ``:``, ``.`` and ``@``, which GFM's autolinks
    (``http://…``, ``www.…``, ``a@b.c``) would otherwise turn into links despite the escapes.
    Never a code span: a blank line (``%0A%0A``) would end it and let the rest render."""
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029\s]+", " ", str(text))
    text = text if len(text) <= _SHOWN else text[:_SHOWN] + "…"
    text = _PUNCTUATION.sub(r"\\\g<0>", text)
    return "“" + re.sub(r"[:.@]", "\\g<0>\u200b", text) + "”"


_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")  # every ASCII punctuation mark


def _current_url() -> dict[str, list[str]]:
    return {key: st.query_params.get_all(key) for key in st.query_params}


def load_url(params: Mapping[str, str | Sequence[str]]) -> None:
    """Replace the page's URL parameters (for a button callback: a preset, a reset). The next
    run sees a URL it did not write and reloads every widget from it."""
    st.query_params.from_dict(dict(params))


class PageState:
    """The settings of one page, kept in step with `st.query_params` (see the module doc)."""

    def __init__(self, page: str, *, notices_here: bool = True):
        self.page = page
        self._snapshot_key = f"_urlstate.{page}"
        self._url = _current_url()
        self._reload = st.session_state.get(self._snapshot_key) != self._url
        self._declared: dict[str, tuple[Setting, Any]] = {}
        self._notices = None
        self.problems: list[str] = []
        self.finished: list[Callable[[dict[str, list[str]]], None]] = []  # called by finish()
        if notices_here:
            self.show_notices_here()

    def show_notices_here(self) -> None:
        """Put the notices about the URL at this point of the page (once)."""
        if self._notices is None:
            self._notices = st.container()
            for message in self.problems:
                self._notices.warning(message, icon="⚠️")

    @property
    def reloaded(self) -> bool:
        """True when this run took its settings from a URL (first load, link, preset)."""
        return self._reload

    def key(self, name: str) -> str:
        """The widget key of setting `name` (stable: browser tests find widgets by it)."""
        return f"{self.page}.{name}"

    def warn(self, message: str) -> None:
        """A notice at the top of the page (where URL problems are reported)."""
        self.problems.append(message)
        if self._notices is not None:
            self._notices.warning(message, icon="⚠️")

    def _from_url(self, setting: Setting):
        raw = self._url.get(setting.name)
        if raw is None:
            return setting.default
        try:
            return setting.parse(raw)
        except ValueError as reason:
            self.warn(
                f"The link's value for **{setting.name}** was ignored ({reason}); "
                f"using the default, {setting.describe(setting.default)}."
            )
            return setting.default

    def peek(self, setting: Setting):
        """The value `setting` will have this run, without drawing its widget."""
        key = self.key(setting.name)
        if not self._reload and key in st.session_state and setting.fits(st.session_state[key]):
            return st.session_state[key]
        raw = self._url.get(setting.name)
        if raw is None:
            return setting.default
        try:
            return setting.parse(raw)
        except ValueError:
            return setting.default

    def _prime(self, setting: Setting) -> str:
        """Put the right starting value into the widget's session state; return its key."""
        key = self.key(setting.name)
        if self._reload:
            value = self._from_url(setting)
        elif key in st.session_state and setting.fits(st.session_state[key]):
            return key
        else:
            value = setting.default
        st.session_state[key] = list(value) if setting.kind == "multichoice" else value
        return key

    def widget(
        self,
        setting: Setting,
        where=None,
        *,
        on_change: Callable | None = None,
        disabled: bool = False,
    ):
        """Draw the widget for `setting` (in container `where`) and return its value."""
        if setting.name in self._declared:
            raise ValueError(f"setting {setting.name!r} declared twice on page {self.page!r}")
        where = where if where is not None else st
        key = self._prime(setting)
        common = {"key": key, "help": setting.help, "on_change": on_change, "disabled": disabled}
        value = _draw(setting, where, common)
        if setting.kind == "multichoice":
            value = tuple(value)
        self._declared[setting.name] = (setting, value)
        return value

    def control(self, setting: Setting, where, shown: bool, *, on_change: Callable | None = None):
        """`widget(setting, where, on_change=…)` when `shown`; otherwise the setting keeps its
        value (and its place in the URL) without a widget, so that a closed tab or menu draws
        nothing and opening it again finds the setting as it was left."""
        if shown:
            return self.widget(setting, where, on_change=on_change)
        value = self.value(setting)
        st.session_state[self.key(setting.name)] = value  # a plain value now: Streamlit keeps it
        return value

    def controls(self, settings, places, shown: bool) -> list:
        """The values of `settings`, each drawn in its place when `shown` (see `control`)."""
        return [self.control(s, where, shown) for s, where in zip(settings, places, strict=True)]

    def holds(self, names: Iterable[str]) -> bool:
        """Whether any of the settings `names` has a value of its own this run: named by the
        URL being loaded, or kept from an earlier run. A hidden setting that holds none has
        its default, which the URL leaves out anyway: a page may skip declaring it, and the
        work its default costs (a closed tab's defaults that follow from the surface)."""
        if self._reload:
            return any(name in self._url for name in names)
        return any(self.key(name) in st.session_state for name in names)

    def value(self, setting: Setting):
        """Declare a setting that has no widget of its own (set by clicks or buttons): its
        value lives in session state under `key(name)` and in the URL like any other."""
        key = self._prime(setting)
        value = st.session_state[key]
        self._declared[setting.name] = (setting, value)
        return value

    def departs_from(self, params: Mapping[str, str], ignore: Iterable[str] = ()) -> bool:
        """Whether a setting of this page now has another value than the link `params` gives
        it (the setting's default where `params` does not name it): true once the student has
        changed something a scene set. Judged on the widgets' values at the start of this run,
        against the settings the last run declared (`ignore`d names aside); never on a run
        that loads its settings from a new URL."""
        if self._reload:
            return False
        known = st.session_state.get(f"{self._snapshot_key}.settings", {})
        for name, setting in known.items():
            key = self.key(name)
            if name in ignore or key not in st.session_state:
                continue
            value = st.session_state[key]
            if setting.kind == "multichoice" and isinstance(value, list):
                value = tuple(value)
            if not setting.fits(value):
                continue
            try:
                given = setting.parse([params[name]]) if name in params else setting.default
            except ValueError:
                continue  # the link's value was not usable: the page reported it
            if setting.encode(value) != setting.encode(given):
                return True
        return False

    def set_later(self, name: str, value) -> None:
        """For a callback: give setting `name` a new value for the next run."""
        st.session_state[self.key(name)] = value

    def reset(self, names: Iterable[str]) -> None:
        """For a callback: settings `names` go back to their defaults on the next run."""
        for name in names:
            st.session_state.pop(self.key(name), None)

    def values(self) -> dict[str, Any]:
        return {name: value for name, (_, value) in self._declared.items()}

    def url_params(self) -> dict[str, list[str]]:
        """The URL parameters for the current values: those that differ from the defaults."""
        return {
            name: setting.encode(value)
            for name, (setting, value) in self._declared.items()
            if not setting.is_default(value)
        }

    def finish(self) -> dict[str, list[str]]:
        """Write the settings into the URL (call once, at the end of the page)."""
        if self._reload:
            unknown = sorted(set(self._url) - set(self._declared))
            for name in unknown:
                self.warn(
                    f"The link's parameter {_shown(name)} is not a setting of this page "
                    "and was ignored."
                )
        self.show_notices_here()
        params = self.url_params()
        if params != _current_url():
            st.query_params.from_dict(params)
        st.session_state[self._snapshot_key] = params
        st.session_state[f"{self._snapshot_key}.settings"] = {
            name: setting for name, (setting, _) in self._declared.items()
        }
        for hook in self.finished:  # e.g. a lecturer's auto-send of the view just written
            hook(params)
        return params


# _SLIDER_VALUE_NOTE: a slider's value is always in session state (`PageState._prime`), so the
# `value` given never shows; it is given because without one `st.slider` reads the whole
# filtered session state to tell a single slider from a range (every component's state
# included): a tenth of a page's rerun on the widget-heavy pages. A keyed slider's identity
# ignores `value`, so this changes nothing else (the "default value but also set via the
# Session State API" log line is turned off in .streamlit/config.toml).


def _draw(setting: Setting, where, common: dict):
    label = setting.label
    if setting.kind == "float":
        options = setting.options()
        if options is not None:
            return where.select_slider(label, options=options, format_func=format_number, **common)
        if setting.widget == "number":
            return where.number_input(
                label,
                min_value=setting.low,
                max_value=setting.high,
                step=setting.step or _nice_step(setting.low, setting.high),
                format="%.4g",
                **common,
            )
        step = setting.step or _nice_step(setting.low, setting.high)
        return where.slider(
            label,
            min_value=setting.low,
            max_value=setting.high,
            value=setting.low,  # see _SLIDER_VALUE_NOTE
            step=step,
            format="%.4g",
            **common,
        )
    if setting.kind == "int":
        if setting.widget == "number":
            return where.number_input(
                label,
                min_value=int(setting.low),
                max_value=int(setting.high),
                step=int(setting.step or 1),
                **common,
            )
        return where.slider(
            label,
            min_value=int(setting.low),
            max_value=int(setting.high),
            value=int(setting.low),  # see _SLIDER_VALUE_NOTE
            step=int(setting.step or 1),
            **common,
        )
    if setting.kind == "choice":
        if setting.widget == "radio":
            return where.radio(
                label, setting.choices, format_func=setting.label_of, horizontal=True, **common
            )
        if setting.widget == "segmented":
            return where.segmented_control(
                label, setting.choices, format_func=setting.label_of, required=True, **common
            )
        return where.selectbox(label, setting.choices, format_func=setting.label_of, **common)
    if setting.kind == "multichoice":
        return where.multiselect(
            label,
            setting.choices,
            format_func=setting.label_of,
            max_selections=setting.max_items,
            **common,
        )
    if setting.kind == "bool":
        return where.toggle(label, **common)
    return where.text_input(label, max_chars=setting.max_length, **common)
