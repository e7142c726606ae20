"""`cached(function)`: a page's helper behind `st.cache_data`, wrapped once per process.

A page script runs again on every rerun, so the functions it defines are new objects each
time. Wrapping them with `st.cache_data` on every run would rebuild Streamlit's cache key from
the function's source (`inspect.getsource`, a few milliseconds per function, every rerun).
Here the wrapper made on first use is kept, keyed by what the function's code is: an edited
function gets a new wrapper, an unchanged one reuses it (and so its cached results, bounded
by `max_entries` to keep a classroom's memory flat).

Only for functions of their arguments alone: the kept wrapper calls the first run's function
object, which sees the first run's module globals (constants, imported modules).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

_WRAPPERS: dict[tuple, Callable] = {}


def cached(function: Callable, max_entries: int = 32) -> Callable:
    """`function` behind `st.cache_data(max_entries=…)`, the same wrapper on every rerun."""
    code = function.__code__
    key = (code.co_filename, code.co_qualname, code.co_code, code.co_consts, max_entries)
    wrapper = _WRAPPERS.get(key)
    if wrapper is None:
        wrapper = _WRAPPERS[key] = st.cache_data(
            function, max_entries=max_entries, show_spinner=False
        )
    return wrapper
