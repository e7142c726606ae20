"""Figure plumbing shared by the builders: float32 arrays, ready-to-send frames, frame sampling.

Why a figure class of our own: Plotly turns every animation frame into validated objects and
base64-encodes every array one by one when the figure is serialised. For ~200 frames that
costs 100–300 ms per figure, which would dominate a Streamlit rerun (the budget is ~60 ms).
`AnimatedFigure` is a `go.Figure` whose frames are kept as plain dicts with float32 arrays
already encoded in Plotly's typed-array form (``{"dtype": "f4", "bdata": ...}``, the same form
`go.Figure.to_dict` produces), and whose animation controls (a slider step per frame) are kept
as a plain layout dict. Both are added when the figure is serialised (`to_dict`, hence
`to_json`, `to_html` and `st.plotly_chart`); `fig.frames` still returns validated `go.Frame`
objects for inspection. Static traces skip Plotly's per-property validation too (the builders
are tested instead: `go.Figure(fig.to_dict())` validates everything, frames included).
"""

from __future__ import annotations

import base64

import numpy as np
import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64  # what go.Figure.to_dict uses (plotly pinned)

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
    """A float32 array in Plotly's typed-array JSON form (what `go.Figure.to_dict` emits)."""
    return {"dtype": "f4", "bdata": base64.b64encode(f32(values).tobytes()).decode("ascii")}


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
        super().__init__(data=data, layout=layout, _validate=False)
        self._raw_frames = list(frames)
        self._controls = dict(controls or {})

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
        # `go.Figure.to_dict` deep-copies every trace (`copy.deepcopy`, a tenth of a page's
        # rerun); copying only the dicts and lists is enough, since the base64 conversion
        # below replaces arrays in the copy and never changes an array itself.
        result = {"data": _copy_tree(self._data), "layout": _copy_tree(self._layout)}
        convert_to_base64(result)
        result["layout"].update(self._controls)
        if self._raw_frames:
            result["frames"] = list(self._raw_frames)
        return result


def _copy_tree(value):
    """A copy of the dicts and lists in `value`; everything else (arrays, strings) shared."""
    if isinstance(value, dict):
        return {key: _copy_tree(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy_tree(item) for item in value]
    return value
