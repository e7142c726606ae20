"""The places where the lab reaches into Streamlit 1.67's private state, each guarded (a
Streamlit that renames what it touches makes it do nothing, and the tests below notice) and each
for a reason measured or reported upstream.

`drop_replaced_widget_records` — Streamlit records metadata for every widget id a session has
registered (`WStates.widget_metadata`) and never removes any. A keyed widget still gets a new id
when an argument that shapes its value changes (a slider's range, a multiselect's
`max_selections`), and its record holds the widget's callback — often a function of the page,
whose globals are everything that run computed (figures, trajectories). Before the charts became
components with a stable id (`app_support.charts`), `st.plotly_chart(on_select=...)` got a new
id with every new figure and `python -m bench.load` saw the server grow by about 0.9 MB per
rerun, without bound; tracemalloc and `gc.get_referrers` traced it to these records. The records
of a keyed widget whose key now points to a newer id can never be used again (the browser only
holds the newest widget), so at the start of each page run they are dropped, under the
session's own lock (tests/app/test_streamlit_internals.py).

`route_through_app` — until some session has run `app.py` (whose `st.navigation` switches
Streamlit to its current multipage mode), a server whose entry point sits next to a `pages/`
folder runs a deep link such as `/playground?...` with the legacy folder-based navigation: the
page alone, without the app's page config and page list (the same symptom as streamlit/streamlit
issue 9624, "st.navigation doesn't support deeplinks on first load"). The folder must keep its
name `pages/` (the project's layout), so the page flips the flag `st.navigation` itself sets and
reruns, which sends the request through `app.py`.

`rerun_session` — a classroom follower's page must change when the lecturer sends a view.
A page that polls costs the server a script run per student per second, however little it
does (a fragment that only reads the room's version: about 3 ms of server CPU each, a third of
a core for 100 students; `python -m bench.classroom_watch`). Instead the server reruns the
follower's session itself, the way Streamlit's own "run on save" does when a source file
changes: `AppSession.request_rerun` with the client state the session's last run ended with
(its page, query and widget values). Sessions are found through the runtime's session manager.
That client state is saved only when the session's script runner stops, so while runs follow
one another it is the URL of an older run: a follower rerun then (a newer view interrupting the
run that applied the last one, or a poll opened meanwhile) would run with the URL from before
the view, show the old settings and count the view as seen — under load a student could miss
every view until the lecturer stopped sending. A rerun asked for during a run therefore carries
that run's own query string (its `ScriptRunContext`, which `st.query_params` writes keep
current): the URL the page is at now.

`embed_view_asked` — Streamlit reserves the URL parameters ``embed`` and ``embed_options`` for
its own embedding and leaves them out of `st.query_params`, so the lab's embed view
(``?embed=1``, `app_support.page`) reads ``embed`` from the query string of the run
(`ScriptRunContext.query_string`); Streamlit keeps the parameter in the URL by itself.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import streamlit as st
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.state import get_session_state

try:
    from streamlit.runtime.scriptrunner_utils.script_run_context import (
        SCRIPT_RUN_CONTEXT_ATTR_NAME,
    )
except ImportError:  # another Streamlit version: a rerun keeps the saved client state
    SCRIPT_RUN_CONTEXT_ATTR_NAME = ""

try:
    from streamlit.runtime import Runtime
except ImportError:  # another Streamlit version: no server-side reruns
    Runtime = None

try:
    from streamlit.runtime.pages_manager import PagesManager
except ImportError:  # another Streamlit version: nothing to route
    PagesManager = None


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


def route_through_app() -> None:
    """On a fresh server's first request for a page, rerun it through `app.py` (see above)."""
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def this_session_id() -> str | None:
    """The id of the browser session running this script, None outside a server's run."""
    return getattr(get_script_run_ctx(), "session_id", None)


def can_rerun_sessions() -> bool:
    """Whether `rerun_session` can work here: a running server whose sessions it can reach
    (not AppTest, which has no runtime, nor a Streamlit that renamed what it uses)."""
    try:
        manager = Runtime.instance()._session_mgr
    except (AttributeError, RuntimeError):
        return False
    return callable(getattr(manager, "get_active_session_info", None))


def rerun_session(session_id: str) -> bool:
    """Rerun session `session_id`'s page as it is (its page, its URL as its newest run left
    it, its widget values), as Streamlit's "run on save" does; callable from any thread. False
    when the session is gone (the tab was closed) or this Streamlit cannot be reached."""
    try:
        info = Runtime.instance()._session_mgr.get_active_session_info(session_id)
        if info is None:
            return False
        session = info.session
        client_state = ClientState()
        client_state.CopyFrom(session._client_state)
        query = _running_query_string(session)
        if query is not None:
            client_state.query_string = query
        session.request_rerun(client_state)
    except (AttributeError, RuntimeError):
        return False
    return True


def _running_query_string(session) -> str | None:
    """The query string of the run `session` is in now (what it started with, or wrote since),
    None when no run is going on (its saved client state is then the newest)."""
    thread = getattr(getattr(session, "_scriptrunner", None), "_script_thread", None)
    ctx = (
        getattr(thread, SCRIPT_RUN_CONTEXT_ATTR_NAME, None)
        if SCRIPT_RUN_CONTEXT_ATTR_NAME
        else None
    )
    query = getattr(ctx, "query_string", None)
    return query if isinstance(query, str) else None


def embed_view_asked() -> bool:
    """Whether this run's URL carries ``embed=1`` (or ``embed=true``, Streamlit's spelling)."""
    query = getattr(get_script_run_ctx(), "query_string", "") or ""
    values = parse_qs(query).get("embed", [])
    return any(value.lower() in ("1", "true") for value in values)
