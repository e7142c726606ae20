"""Drop the widget records Streamlit keeps for element ids that no longer exist.

Streamlit 1.67 records metadata for every widget id a session has registered
(`WStates.widget_metadata`) and never removes any. A keyed widget still gets a new id when an
argument that shapes its value changes (a slider's range, a multiselect's `max_selections`), and
its record holds the widget's callback — often a function of the page, whose globals are
everything that run computed (figures, trajectories). Before the charts became components with a
stable id (`app_support.charts`), `st.plotly_chart(on_select=...)` got a new id with every new
figure and `python -m bench.load` saw the server grow by about 0.9 MB per rerun, without bound;
tracemalloc and `gc.get_referrers` traced it to these records.

The records of a keyed widget whose key now points to a newer id can never be used again (the
browser only holds the newest widget), so at the start of each page run they are dropped. Only
private Streamlit state is touched, under the session's own lock; if a Streamlit upgrade
renames it, nothing is dropped and the app works as before (tests/app/test_widget_metadata.py
notices).
"""

from __future__ import annotations

from streamlit.runtime.state import get_session_state


def drop_replaced_widget_records() -> int:
    """Forget the metadata of element ids that a newer id of the same key replaced; return
    how many were dropped."""
    safe = get_session_state()
    try:
        lock, inner = safe._lock, safe._state
        keys, records = inner._key_id_mapper, inner._new_widget_state.widget_metadata
        ids = keys.id_key_mapping  # element id -> user key (the newest id is the key's)
    except AttributeError:  # another Streamlit version: keep its records
        return 0
    with lock:
        replaced = [wid for wid, key in list(ids.items()) if keys.get_id_from_key(key) != wid]
        for wid in replaced:
            ids.pop(wid, None)
            records.pop(wid, None)
    return len(replaced)
