"""Figure plumbing shared by the builders: float32 arrays, ready-to-send frames, frame sampling.

Why a figure class of our own: Plotly turns every animation frame into validated objects,
turns every trace dict into a trace object when a figure is built, and deep-copies everything
and base64-encodes every array one by one when the figure is serialised. For ~200 frames that
costs 100–300 ms per figure, and for a page of small multiples building and serialising costs
more than computing it, which would dominate a Streamlit rerun (the budget is ~60 ms).
`AnimatedFigure` is a `go.Figure` whose frames are kept as plain dicts with float32 arrays
already encoded in Plotly's typed-array form (``{"dtype": "f4", "bdata": ...}``, the same form
`go.Figure.to_dict` produces), whose animation controls (a slider step per frame) are kept as
a plain layout dict, and whose Plotly objects are built only when something asks for them
(`fig.data`, `update_layout`, `to_html`): a page that only sends the figure (`to_dict`, through
`figure_dict`) never builds them. `fig.frames` still returns validated `go.Frame` objects for
inspection. Static traces skip Plotly's per-property validation too (the builders are tested
instead: `go.Figure(fig.to_dict())` validates everything, frames included).
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go

MAX_FRAMES = 200


_F32_MAX = float(np.finfo(np.float32).max)


def f32(values) -> np.ndarray:
    """`values` as a contiguous float32 array: half the bytes of float64 in a figure.

    Magnitudes beyond float32's range (~3.4e38, e.g. the loss of a run about to diverge)
    saturate at that range instead of becoming ±inf; NaN stays NaN. Positions never get there:
    the runner stops a run that leaves its bound (1e6 by default)."""
    values = np.asarray(values, dtype=np.float64)
    return np.ascontiguousarray(np.clip(values, -_F32_MAX, _F32_MAX), dtype=np.float32)


def typed_array(values) -> dict:
    """`values` as float32 in Plotly's typed-array JSON form (what `go.Figure.to_dict` emits)."""
    return typed_form(f32(values))


def typed_form(array: np.ndarray) -> dict:
    """An array of a type Plotly.js reads (see `_SHORT_TYPES`) in its typed-array JSON form,
    ``{"dtype", "bdata"}``, with ``"shape"`` when it has more than one axis."""
    typed = {
        "dtype": _SHORT_TYPES[array.dtype],
        "bdata": base64.b64encode(np.ascontiguousarray(array)).decode("ascii"),
    }
    if array.ndim > 1:
        typed["shape"] = str(array.shape)[1:-1]
    return typed


def decode_array(value) -> np.ndarray:
    """The inverse of `typed_array` (also accepts a plain list or array): for tests and export."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
    return np.asarray(value, dtype=float)


def frame_steps(last_step: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """At most `max_frames` steps from 0 to `last_step` inclusive, evenly spread, both ends kept."""
    if last_step < 0:
        raise ValueError(f"last_step must be ≥ 0, got {last_step}")
    count = min(last_step + 1, max(2, max_frames))
    return np.unique(np.round(np.linspace(0, last_step, count)).astype(int))


class AnimatedFigure(go.Figure):
    """A `go.Figure` with animation frames kept as ready-to-serialise dicts (see module doc).

    frames: dicts ``{"name": str, "data": [trace dicts], "traces": [indices]}`` whose arrays
    are `typed_array`s; controls: layout entries (``sliders``, ``updatemenus``) that drive them.
    """

    def __init__(self, data, layout, frames=(), controls=None):
        # Plotly's own figure is built only when something asks for it (`fig.data`,
        # `fig.layout`, `update_layout`, `to_html`, ...): turning every trace dict into a
        # trace object costs ~10 µs a property, a tenth of a page's rerun for a figure that
        # the page only sends (`to_dict`). `__getattr__` builds it on first use.
        self.__dict__["_pending"] = ([dict(trace) for trace in data], dict(layout))
        self._own_template = "template" in layout
        self._raw_frames = list(frames)
        self._controls = dict(controls or {})

    def __getattr__(self, name):
        # Called only for attributes not (yet) set: Plotly's, before the figure is built.
        pending = self.__dict__.pop("_pending", None)
        if pending is None:
            raise AttributeError(name)
        go.Figure.__init__(self, data=pending[0], layout=pending[1], _validate=False)
        return getattr(self, name)

    @property
    def frames(self) -> tuple[go.Frame, ...]:
        return tuple(go.Frame(frame) for frame in self._raw_frames)

    @property
    def raw_frames(self) -> list[dict]:
        return self._raw_frames

    @property
    def controls(self) -> dict:
        return self._controls

    def to_dict(self) -> dict:
        data, layout = self.__dict__.get("_pending") or (self._data, self._layout)
        result = {"data": encoded(data), "layout": encoded(layout)}
        if not self._own_template:  # the default Plotly gives a built figure: not ours to send
            result["layout"].pop("template", None)
        result["layout"].update(self._controls)
        if self._raw_frames:
            result["frames"] = list(self._raw_frames)
        return result


def figure_dict(fig: go.Figure) -> dict:
    """`fig.to_dict()`, faster for a plain `go.Figure` too: `go.Figure.to_dict` deep-copies
    every trace (`copy.deepcopy`) and then looks at every value to find the arrays, which
    together cost more than building the figure; `encoded` does both in one pass."""
    if isinstance(fig, AnimatedFigure) or fig.frames:
        return fig.to_dict()
    return {"data": encoded(fig._data), "layout": encoded(fig._layout)}


# Plotly.js's typed-array names (`_plotly_utils.utils.plotlyjsShortTypes`) and the keys whose
# values Plotly never encodes (`is_skipped_key`): `encoded` gives what `go.Figure.to_dict` gives.
# Keyed by dtype objects, not their names: `str(dtype)` costs microseconds, and a page encodes
# a few hundred frame arrays per rerun.
_SHORT_TYPES = {
    np.dtype(name): short
    for name, short in (
        ("int8", "i1"),
        ("uint8", "u1"),
        ("int16", "i2"),
        ("uint16", "u2"),
        ("int32", "i4"),
        ("uint32", "u4"),
        ("float32", "f4"),
        ("float64", "f8"),
    )
}
_NOT_ENCODED = frozenset({"geojson", "layer", "layers", "range"})
_NARROWER = {
    np.dtype(np.int64): (np.int8, np.int16, np.int32),
    np.dtype(np.uint64): (np.uint8, np.uint16, np.uint32),
}


def encoded(value):
    """A copy of the dicts and lists in `value` with every NumPy array in a dict replaced by
    Plotly's typed-array form; strings, numbers and other leaves are shared, not copied."""
    if isinstance(value, dict):
        return {
            key: item if key in _NOT_ENCODED else _typed_or_encoded(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [encoded(item) for item in value]
    if hasattr(value, "to_plotly_json"):  # a Plotly object inside a plain dict
        return encoded(value.to_plotly_json())
    return value


def _typed_or_encoded(value):
    if not isinstance(value, np.ndarray):
        return encoded(value)
    if value.size == 0:
        return value
    if value.dtype in _NARROWER:  # as Plotly does: the narrowest type that fits
        low, high = value.min(), value.max()
        narrower = _NARROWER[value.dtype]
        fits = [t for t in narrower if np.iinfo(t).min <= low and high <= np.iinfo(t).max]
        if not fits:
            return value
        value = value.astype(fits[0])
    return typed_form(value) if value.dtype in _SHORT_TYPES else value
